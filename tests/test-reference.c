/* test-reference.c — flatline's loss curve against an independent implementation.
 *
 * The reference below is plain double-precision C written from the textbook formulas
 * (dense layers, tanh/relu, mean squared error, L2 penalty, Keras' Adam and SGD with
 * momentum); it shares nothing with the plugins or oneDNN.  Given the same initial
 * weights (rebuilt from the run's init stream) and the same data in the same order
 * (train.shuffle = false), its per-epoch loss must match metrics.csv to float precision. */
#include "testutil.h"
#include "data.h"
#include "model.h"
#include "sweep.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct ref_case {
    const char *activation;
    const char *optimizer; /* experiment syntax */
    double l2;
} ref_case;

typedef struct ref_net {
    size_t n_in, H;
    double *W1, *b1, *W2, *b2; /* W1 (H, n_in), W2 (1, H): oneDNN's oi layout */
    gboolean relu;
    double l2;
} ref_net;

static double act(const ref_net *n, double z) { return n->relu ? (z > 0 ? z : 0) : tanh(z); }
static double dact(const ref_net *n, double z, double a)
{
    return n->relu ? (z > 0 ? 1 : 0) : 1 - a * a;
}

typedef struct ref_opt {
    gboolean adam;
    double lr, beta1, beta2, eps, momentum;
    double *m, *v; /* per parameter */
    long t;
} ref_opt;

static void ref_step(ref_opt *o, double *w, const double *g, size_t n)
{
    o->t++;
    if (o->adam) {
        double lr_t = o->lr * sqrt(1 - pow(o->beta2, (double)o->t)) / (1 - pow(o->beta1, (double)o->t));
        for (size_t i = 0; i < n; i++) {
            o->m[i] = o->beta1 * o->m[i] + (1 - o->beta1) * g[i];
            o->v[i] = o->beta2 * o->v[i] + (1 - o->beta2) * g[i] * g[i];
            w[i] -= lr_t * o->m[i] / (sqrt(o->v[i]) + o->eps);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            o->m[i] = o->momentum * o->m[i] - o->lr * g[i];
            w[i] += o->m[i];
        }
    }
}

/* One epoch in batches of B over rows in order; returns the batch-size-weighted mean loss
 * (with the L2 penalty of the weights each batch saw). */
static double ref_epoch(ref_net *n, ref_opt *o, double *params, size_t n_params, const float *x,
                        const float *y, size_t rows, size_t B)
{
    size_t H = n->H, I = n->n_in;
    g_autofree double *grad = g_new(double, n_params);
    g_autofree double *z1 = g_new(double, H), *a1 = g_new(double, H), *d1 = g_new(double, H);
    double total = 0;
    for (size_t start = 0; start < rows; start += B) {
        size_t b = MIN(B, rows - start);
        memset(grad, 0, n_params * sizeof(double));
        double *gW1 = grad, *gb1 = gW1 + H * I, *gW2 = gb1 + H, *gb2 = gW2 + H;
        double loss = 0;
        for (size_t r = start; r < start + b; r++) {
            for (size_t h = 0; h < H; h++) {
                z1[h] = n->b1[h];
                for (size_t i = 0; i < I; i++)
                    z1[h] += n->W1[h * I + i] * x[r * I + i];
                a1[h] = act(n, z1[h]);
            }
            double out = n->b2[0];
            for (size_t h = 0; h < H; h++)
                out += n->W2[h] * a1[h];
            double err = out - y[r];
            loss += err * err;
            double dout = 2 * err / (double)b;
            gb2[0] += dout;
            for (size_t h = 0; h < H; h++) {
                gW2[h] += dout * a1[h];
                d1[h] = dout * n->W2[h] * dact(n, z1[h], a1[h]);
                gb1[h] += d1[h];
                for (size_t i = 0; i < I; i++)
                    gW1[h * I + i] += d1[h] * x[r * I + i];
            }
        }
        double penalty = 0;
        for (size_t k = 0; k < H * I; k++) {
            penalty += n->l2 * n->W1[k] * n->W1[k];
            gW1[k] += 2 * n->l2 * n->W1[k];
        }
        total += (loss / (double)b + penalty) * (double)b;
        ref_step(o, params, grad, n_params);
    }
    return total / (double)rows;
}

static void run_case(gconstpointer data)
{
    const ref_case *c = data;
    g_autofree char *cfg = g_strdup_printf(
        "seed = 11;\n"
        "dataset = { plugin = \"polynomial\"; samples = 90; validation = 0.0; shuffle = false; };\n"
        "model = ( { name = \"h\"; units = 12; activation = \"%s\"; l2 = %g; init = \"glorot_uniform\"; "
        "bias_init = { plugin = \"uniform\"; minval = -0.1; maxval = 0.1; }; },\n"
        "          { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\noptimizer = %s;\n"
        "train = { epochs = 40; batch = 16; shuffle = false; };\n",
        c->activation, c->l2, c->optimizer);
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = g_build_filename(dir, "e.cfg", NULL);
    g_assert_true(g_file_set_contents(path, cfg, -1, NULL));
    g_autoptr(GError) err = NULL;
    g_autoptr(plan) s = plan_new(path, NULL, tu_registry(), tu_host(), TRUE, &err);
    g_assert_no_error(err);
    g_autoptr(run_plan) p = plan_run_at(s, (int)0, &err);
    g_assert_no_error(err);

    /* flatline's run. */
    run_result out = {0};
    g_assert_true(train_run(p->exp, (uint64_t)p->seed, tu_host(), &out, &err));
    g_assert_no_error(err);
    g_assert_cmpint(out.status, ==, RUN_OK);

    /* The same data and initial weights for the reference. */
    g_autoptr(data_split) d = data_load(p->exp, tu_host(), &err);
    g_assert_no_error(err);
    g_assert_cmpuint(d->n_out, ==, 1);
    g_autoptr(fl_rng) init = rng_derive((uint64_t)p->seed, TRAIN_STREAM_INIT);
    g_autoptr(model) m =
        model_build(p->exp, &d->in_shape, d->n_in, d->n_out, 16, tu_host(), init, &err);
    g_assert_no_error(err);
    ref_net n = {.n_in = d->n_in, .H = 12, .relu = strcmp(c->activation, "relu") == 0, .l2 = c->l2};
    size_t n_params = m->n_w;
    g_assert_cmpuint(n_params, ==, n.H * n.n_in + n.H + n.H + 1);
    g_autofree double *params = g_new(double, n_params);
    for (size_t i = 0; i < n_params; i++)
        params[i] = m->w[i]; /* h.kernel, h.bias, out.kernel, out.bias */
    n.W1 = params;
    n.b1 = n.W1 + n.H * n.n_in;
    n.W2 = n.b1 + n.H;
    n.b2 = n.W2 + n.H;
    g_autofree double *m1 = g_new0(double, n_params), *v1 = g_new0(double, n_params);
    ref_opt o = {.adam = strstr(c->optimizer, "adam") != NULL, .lr = 0.01, .beta1 = 0.9,
                 .beta2 = 0.999, .eps = 1e-7, .momentum = 0.9, .m = m1, .v = v1};
    if (!o.adam)
        o.lr = 0.05;

    g_auto(GStrv) lines = g_strsplit(out.metrics->str, "\n", -1);
    double worst = 0, first = NAN, last = NAN;
    for (int epoch = 1; epoch <= 40; epoch++) {
        double ref = ref_epoch(&n, &o, params, n_params, d->x_train, d->y_train, d->n_train, 16);
        g_auto(GStrv) cells = g_strsplit(lines[epoch + 1], ",", -1); /* after epoch 0 */
        g_assert_cmpint(atoi(cells[0]), ==, epoch);
        double got = g_ascii_strtod(cells[1], NULL);
        double rel = fabs(got - ref) / fabs(ref);
        worst = MAX(worst, rel);
        if (epoch == 1)
            first = ref;
        last = ref;
        if (rel > 1e-5)
            g_test_message("epoch %d: flatline %.9g reference %.9g (rel %.2g)", epoch, got, ref, rel);
    }
    g_test_message("%s/%s: loss %.6g -> %.6g, worst relative difference %.3g", c->activation,
                   c->optimizer, first, last, worst);
    /* The run must actually learn, or agreeing would prove little. */
    g_assert_cmpfloat(last, <, 0.5 * first);
    g_assert_cmpfloat(worst, <, 1e-5);
    run_result_clear(&out);
    tu_rmtree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    static const ref_case cases[] = {
        {"tanh", "{ plugin = \"adam\"; lr = 0.01; }", 0.0},
        {"relu", "{ plugin = \"adam\"; lr = 0.01; }", 0.001},
        {"tanh", "{ plugin = \"sgd\"; lr = 0.05; momentum = 0.9; }", 0.01},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *name = g_strdup_printf("/reference/%s-%s-l2-%g", cases[i].activation,
                                                strstr(cases[i].optimizer, "adam") ? "adam" : "sgd",
                                                cases[i].l2);
        g_test_add_data_func(name, &cases[i], run_case);
    }
    return g_test_run();
}
