/* test-cnn-reference.c — a small CNN's loss curve against an independent implementation.
 *
 * The network: 5x5x2 images (a CSV with `shape = [5, 5, 2]`), conv2d 3 filters 2x2 tanh
 * ("valid", stride 1) -> flatten -> dense 1, mean squared error, SGD with momentum.  The
 * reference is plain double-precision C from the textbook formulas, sharing nothing with
 * the plugins or oneDNN: the kernel is indexed as Keras stores it, (kh, kw, c_in, filters),
 * and flatten is Keras' order.  With the run's initial weights and the same data in the
 * same order (no shuffling), its per-epoch loss must match metrics.csv to float precision
 * (the dense reference test's tolerance). */
#include "testutil.h"
#include "data.h"
#include "model.h"
#include "plan.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { H = 5, W = 5, C = 2, F = 3, K = 2, OH = H - K + 1, OW = W - K + 1, NF = OH * OW * F };
enum { ROWS = 64, BATCH = 16, EPOCHS = 30 };
#define LR 0.02
#define MOMENTUM 0.9

/* Parameters in the model's order: conv kernel, conv bias, dense kernel (1, NF), bias. */
enum { P_K = 0, P_B = K * K * C * F, P_W = P_B + F, P_C = P_W + NF, N_PARAMS = P_C + 1 };

static double conv_z(const double *p, const float *x, int i, int j, int f)
{
    double z = p[P_B + f];
    for (int u = 0; u < K; u++)
        for (int v = 0; v < K; v++)
            for (int c = 0; c < C; c++)
                z += x[((i + u) * W + (j + v)) * C + c] * p[((u * K + v) * C + c) * F + f];
    return z;
}

static double ref_epoch(double *p, double *mom, const float *x, const float *y)
{
    double total = 0;
    double a[NF], grad[N_PARAMS];
    for (int start = 0; start < ROWS; start += BATCH) {
        memset(grad, 0, sizeof grad);
        double loss = 0;
        for (int r = start; r < start + BATCH; r++) {
            const float *xr = x + (size_t)r * H * W * C;
            double out = p[P_C];
            for (int i = 0; i < OH; i++)
                for (int j = 0; j < OW; j++)
                    for (int f = 0; f < F; f++) {
                        int k = (i * OW + j) * F + f; /* Keras' flatten order */
                        a[k] = tanh(conv_z(p, xr, i, j, f));
                        out += p[P_W + k] * a[k];
                    }
            double err = out - y[r];
            loss += err * err;
            double dout = 2 * err / BATCH;
            grad[P_C] += dout;
            for (int i = 0; i < OH; i++)
                for (int j = 0; j < OW; j++)
                    for (int f = 0; f < F; f++) {
                        int k = (i * OW + j) * F + f;
                        grad[P_W + k] += dout * a[k];
                        double dz = dout * p[P_W + k] * (1 - a[k] * a[k]);
                        grad[P_B + f] += dz;
                        for (int u = 0; u < K; u++)
                            for (int v = 0; v < K; v++)
                                for (int c = 0; c < C; c++)
                                    grad[((u * K + v) * C + c) * F + f] +=
                                        dz * xr[((i + u) * W + (j + v)) * C + c];
                    }
        }
        total += loss;
        for (int k = 0; k < N_PARAMS; k++) {
            mom[k] = MOMENTUM * mom[k] - LR * grad[k];
            p[k] += mom[k];
        }
    }
    return total / ROWS;
}

static void test_cnn_reference(void)
{
    g_autofree char *dir = tu_tmpdir();
    /* Images whose target is a smooth function of two patches, so the conv has to learn. */
    g_autoptr(fl_rng) rng = rng_new(5);
    GString *csv = g_string_new(NULL);
    for (int k = 0; k < H * W * C; k++)
        g_string_append_printf(csv, "p%d,", k);
    g_string_append(csv, "y\n");
    for (int r = 0; r < ROWS; r++) {
        double px[H * W * C];
        for (int k = 0; k < H * W * C; k++) {
            px[k] = rng_normal(rng);
            g_string_append_printf(csv, "%.6f,", px[k]);
        }
        g_string_append_printf(csv, "%.6f\n", 0.5 * tanh(px[0] + px[3] - px[12]) + 0.3 * px[30]);
    }
    g_autofree char *data = g_build_filename(dir, "img.csv", NULL);
    g_assert_true(g_file_set_contents(data, csv->str, -1, NULL));
    g_string_free(csv, TRUE);
    g_autofree char *cfg = g_strdup_printf(
        "seed = 3;\n"
        "dataset = { plugin = \"csv\"; path = \"img.csv\"; shape = [%d, %d, %d]; "
        "validation = 0.0; shuffle = false; };\n"
        "model = ( { name = \"c\"; layer = \"conv2d\"; filters = %d; kernel = %d; "
        "activation = \"tanh\"; bias_init = { plugin = \"uniform\"; minval = -0.1; maxval = 0.1; }; },\n"
        "          { name = \"flat\"; layer = \"flatten\"; },\n"
        "          { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\noptimizer = { plugin = \"sgd\"; lr = %g; momentum = %g; };\n"
        "train = { epochs = %d; batch = %d; shuffle = false; };\n",
        H, W, C, F, K, LR, MOMENTUM, EPOCHS, BATCH);
    g_autofree char *path = g_build_filename(dir, "e.cfg", NULL);
    g_assert_true(g_file_set_contents(path, cfg, -1, NULL));
    g_autoptr(GError) err = NULL;
    g_autoptr(plan) s = plan_new(path, NULL, tu_registry(), tu_host(), TRUE, &err);
    g_assert_no_error(err);
    g_autoptr(run_plan) p = plan_run_at(s, 0, &err);
    g_assert_no_error(err);

    run_result out = {0};
    g_assert_true(train_run(p->exp, (uint64_t)p->seed, tu_host(), &out, &err));
    g_assert_no_error(err);
    g_assert_cmpint(out.status, ==, RUN_OK);

    g_autoptr(data_split) d = data_load(p->exp, tu_host(), &err);
    g_assert_no_error(err);
    g_assert_cmpuint(d->n_train, ==, ROWS);
    g_assert_cmpuint(d->in_shape.rank, ==, 3);
    g_autoptr(fl_rng) init = rng_derive((uint64_t)p->seed, TRAIN_STREAM_INIT);
    g_autoptr(model) m =
        model_build(p->exp, &d->in_shape, d->n_in, d->n_out, BATCH, tu_host(), init, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(m->n_w, ==, N_PARAMS);
    double params[N_PARAMS], mom[N_PARAMS] = {0};
    for (int k = 0; k < N_PARAMS; k++)
        params[k] = m->w[k];

    g_auto(GStrv) lines = g_strsplit(out.metrics->str, "\n", -1);
    double worst = 0, first = NAN, last = NAN;
    for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        double ref = ref_epoch(params, mom, d->x_train, d->y_train);
        g_auto(GStrv) cells = g_strsplit(lines[epoch + 1], ",", -1);
        g_assert_cmpint(atoi(cells[0]), ==, epoch);
        double got = g_ascii_strtod(cells[1], NULL);
        double rel = fabs(got - ref) / fabs(ref);
        worst = MAX(worst, rel);
        if (epoch == 1)
            first = ref;
        last = ref;
        if (rel > 1e-5)
            g_test_message("epoch %d: flatline %.9g reference %.9g (rel %.2g)", epoch, got, ref,
                           rel);
    }
    g_test_message("cnn: loss %.6g -> %.6g, worst relative difference %.3g", first, last, worst);
    g_assert_cmpfloat(last, <, 0.5 * first); /* it learns, or agreeing would prove little */
    g_assert_cmpfloat(worst, <, 1e-5);
    run_result_clear(&out);
    tu_rmtree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cnn-reference/conv-flatten-dense-sgd", test_cnn_reference);
    return g_test_run();
}
