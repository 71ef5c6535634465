/* test-cnn.c — the image layers against naive double-precision references written here:
 * conv2d (Keras' "valid" and "same" padding, strides, hwio kernel layout, per-filter bias,
 * activation over the channels), max/avg pooling (strides defaulting to the pool, "same"
 * ignoring the border), global average pooling and flatten's order; and their shapes and
 * fans as Keras computes them.  The gradients of every layer are checked by central
 * differences in test-layers. */
#include <math.h>
#include <string.h>

#include "testutil.h"

#define RTOL 1e-5

typedef struct img_case {
    const fl_plugin *plugin;
    fl_ref ref;
    fl_layer_info info;
    void *state;
    float *tensors[2], *grads[2];
    size_t n_in, n_out;
} img_case;

static void check_rc(int rc, const char *what)
{
    if (rc < 0) {
        g_autoptr(GError) err = NULL;
        host_take_error(tu_host(), &err, "%s: ", what);
        g_assert_no_error(err);
    }
}

static void setup(img_case *c, const char *name, const char *const *kv, const fl_shape *in,
                  fl_rng *rng)
{
    memset(c, 0, sizeof *c);
    c->plugin = tu_plugin(FL_KIND_LAYER, name);
    c->ref = tu_ref(FL_KIND_LAYER, name, kv);
    c->info.size = sizeof c->info;
    check_rc(c->plugin->ops.layer->create(tu_host(), c->ref.opts, in, &c->info, &c->state),
             name);
    c->n_in = fl_shape_count(in);
    c->n_out = fl_shape_count(&c->info.out_shape);
    g_assert_cmpuint(c->info.n_tensors, <=, 2);
    for (size_t t = 0; t < c->info.n_tensors; t++) {
        const fl_tensor_spec *s =
            FL_AT_CONST(fl_tensor_spec, c->info.tensors, c->info.tensor_stride, t);
        c->tensors[t] = g_new(float, s->n);
        c->grads[t] = g_new(float, s->n);
        for (size_t i = 0; i < s->n; i++)
            c->tensors[t][i] = (float)(0.5 * rng_normal(rng));
    }
    fl_bind bind = {.size = sizeof bind, .tensors = c->tensors, .grads = c->grads};
    check_rc(c->plugin->ops.layer->bind(c->state, &bind), name);
}

static void forward(img_case *c, float *y, const float *x, size_t batch, bool training)
{
    fl_pass pass = {.size = sizeof pass, .batch = batch, .training = training};
    check_rc(c->plugin->ops.layer->forward(c->state, &pass, y, x), c->plugin->name);
}

static void clear(img_case *c)
{
    c->plugin->ops.layer->destroy(c->state);
    for (int t = 0; t < 2; t++) {
        g_free(c->tensors[t]);
        g_free(c->grads[t]);
    }
    params_ref_clear(&c->ref);
}

static void assert_close(const float *got, const double *want, size_t n, const char *what)
{
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(fabs(got[i] - want[i]) <= RTOL * MAX(fabs(want[i]), 1.0)))
            g_error("%s: value %zu is %.9g, the reference says %.9g", what, i, got[i], want[i]);
        nonzero += fabs(want[i]) > 1e-3;
    }
    g_assert_cmpuint(nonzero * 2, >, n); /* a reference of zeros would prove nothing */
}

/* Keras' output size and leading padding along one axis. */
static void axis(int in, int k, int s, bool same, int *out, int *pad)
{
    if (same) {
        *out = (in + s - 1) / s;
        *pad = MAX((*out - 1) * s + k - in, 0) / 2;
    } else {
        *out = (in - k) / s + 1;
        *pad = 0;
    }
}

typedef struct conv_geom {
    int B, H, W, C, F, kh, kw, sh, sw;
    bool same;
} conv_geom;

static void check_conv(conv_geom g, const char *act, guint64 seed)
{
    g_autoptr(fl_rng) rng = rng_new(seed);
    g_autofree char *f = g_strdup_printf("filters=%d", g.F);
    g_autofree char *k = g_strdup_printf("kernel=[%d, %d]", g.kh, g.kw);
    g_autofree char *s = g_strdup_printf("strides=[%d, %d]", g.sh, g.sw);
    g_autofree char *a = g_strdup_printf("activation=%s", act);
    const char *kv[] = {f, k, s, g.same ? "padding=\"same\"" : "padding=\"valid\"", a, NULL};
    fl_shape in = {.rank = 3, .dims = {(uint32_t)g.H, (uint32_t)g.W, (uint32_t)g.C}};
    img_case c;
    setup(&c, "conv2d", kv, &in, rng);
    int oh, ow, pt, pl;
    axis(g.H, g.kh, g.sh, g.same, &oh, &pt);
    axis(g.W, g.kw, g.sw, g.same, &ow, &pl);
    g_assert_cmpuint(c.info.out_shape.rank, ==, 3);
    g_assert_cmpuint(c.info.out_shape.dims[0], ==, (guint)oh);
    g_assert_cmpuint(c.info.out_shape.dims[1], ==, (guint)ow);
    g_assert_cmpuint(c.info.out_shape.dims[2], ==, (guint)g.F);
    g_assert_cmpuint(c.info.units, ==, (guint)g.F);
    const fl_tensor_spec *ks = FL_AT_CONST(fl_tensor_spec, c.info.tensors, c.info.tensor_stride, 0);
    g_assert_cmpuint(ks->n, ==, (size_t)(g.kh * g.kw * g.C * g.F));
    g_assert_cmpuint(ks->fan_in, ==, (size_t)(g.kh * g.kw * g.C));
    g_assert_cmpuint(ks->fan_out, ==, (size_t)(g.kh * g.kw * g.F));

    size_t nx = (size_t)g.B * c.n_in, ny = (size_t)g.B * c.n_out;
    g_autofree float *x = g_new(float, nx);
    g_autofree float *y = g_new(float, ny);
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)rng_normal(rng);
    g_autofree double *want = g_new0(double, ny);
    const float *K = c.tensors[0], *bias = c.tensors[1];
    for (int b = 0; b < g.B; b++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                double *row = want + (((size_t)b * oh + i) * ow + j) * g.F;
                for (int o = 0; o < g.F; o++) {
                    double z = bias[o];
                    for (int u = 0; u < g.kh; u++)
                        for (int v = 0; v < g.kw; v++) {
                            int r = i * g.sh + u - pt, q = j * g.sw + v - pl;
                            if (r < 0 || r >= g.H || q < 0 || q >= g.W)
                                continue; /* zero padding */
                            for (int ci = 0; ci < g.C; ci++)
                                z += (double)x[(((size_t)b * g.H + r) * g.W + q) * g.C + ci] *
                                     K[(((size_t)u * g.kw + v) * g.C + ci) * g.F + o];
                        }
                    row[o] = z;
                }
                if (!strcmp(act, "relu"))
                    for (int o = 0; o < g.F; o++)
                        row[o] = MAX(row[o], 0.0);
                else if (!strcmp(act, "softmax")) {
                    double m = -INFINITY, sum = 0;
                    for (int o = 0; o < g.F; o++)
                        m = MAX(m, row[o]);
                    for (int o = 0; o < g.F; o++)
                        sum += (row[o] = exp(row[o] - m));
                    for (int o = 0; o < g.F; o++)
                        row[o] /= sum;
                }
            }
    forward(&c, y, x, (size_t)g.B, true);
    assert_close(y, want, ny, "conv2d training forward");
    memset(y, 0, ny * sizeof(float));
    forward(&c, y, x, (size_t)g.B, false);
    assert_close(y, want, ny, "conv2d inference forward");
    clear(&c);
}

static void test_conv_valid(void)
{
    check_conv((conv_geom){3, 6, 5, 2, 4, 3, 3, 1, 1, false}, "linear", 1);
}

static void test_conv_same_strided(void)
{
    check_conv((conv_geom){2, 7, 6, 3, 5, 3, 2, 2, 2, true}, "relu", 2);
}

static void test_conv_softmax_channels(void)
{
    check_conv((conv_geom){2, 5, 5, 1, 3, 2, 2, 1, 1, true}, "softmax", 3);
}

static void check_pool(const char *name, bool max, bool same, int pool, int H, int W)
{
    g_autoptr(fl_rng) rng = rng_new(7);
    enum { B = 2, C = 3 };
    g_autofree char *p = g_strdup_printf("pool=%d", pool);
    const char *kv[] = {p, same ? "padding=\"same\"" : "padding=\"valid\"", NULL};
    fl_shape in = {.rank = 3, .dims = {(uint32_t)H, (uint32_t)W, C}};
    img_case c;
    setup(&c, name, kv, &in, rng);
    int oh, ow, pt, pl;
    axis(H, pool, pool, same, &oh, &pt); /* strides default to the pool */
    axis(W, pool, pool, same, &ow, &pl);
    g_assert_cmpuint(c.info.out_shape.dims[0], ==, (guint)oh);
    g_assert_cmpuint(c.info.out_shape.dims[1], ==, (guint)ow);
    size_t nx = B * c.n_in, ny = B * c.n_out;
    g_autofree float *x = g_new(float, nx);
    g_autofree float *y = g_new(float, ny);
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)rng_normal(rng);
    g_autofree double *want = g_new0(double, ny);
    for (int b = 0; b < B; b++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
                for (int ch = 0; ch < C; ch++) {
                    double acc = max ? -INFINITY : 0;
                    int n = 0;
                    for (int u = 0; u < pool; u++)
                        for (int v = 0; v < pool; v++) {
                            int r = i * pool + u - pt, q = j * pool + v - pl;
                            if (r < 0 || r >= H || q < 0 || q >= W)
                                continue; /* the border does not count */
                            double val = x[(((size_t)b * H + r) * W + q) * C + ch];
                            acc = max ? MAX(acc, val) : acc + val;
                            n++;
                        }
                    want[(((size_t)b * oh + i) * ow + j) * C + ch] = max ? acc : acc / n;
                }
    forward(&c, y, x, B, true);
    assert_close(y, want, ny, name);
    forward(&c, y, x, B, false);
    assert_close(y, want, ny, name);
    clear(&c);
}

static void test_max_pool(void)
{
    check_pool("max_pool2d", true, false, 2, 5, 6);
    check_pool("max_pool2d", true, true, 2, 5, 5);
}

static void test_avg_pool(void)
{
    check_pool("avg_pool2d", false, false, 2, 6, 4);
    check_pool("avg_pool2d", false, true, 3, 5, 4);
}

static void test_global_avg_and_flatten(void)
{
    g_autoptr(fl_rng) rng = rng_new(9);
    enum { B = 2, H = 3, W = 4, C = 5 };
    fl_shape in = {.rank = 3, .dims = {H, W, C}};
    g_autofree float *x = g_new(float, B * H * W * C);
    for (size_t i = 0; i < B * H * W * C; i++)
        x[i] = (float)rng_normal(rng);
    img_case c;
    setup(&c, "global_avg_pool2d", NULL, &in, rng);
    g_assert_cmpuint(c.info.out_shape.rank, ==, 1);
    g_assert_cmpuint(c.info.out_shape.dims[0], ==, C);
    double want[B * C] = {0};
    for (size_t i = 0; i < B * H * W * C; i++)
        want[(i / (H * W * C)) * C + i % C] += x[i] / (H * W);
    float y[B * C];
    forward(&c, y, x, B, true);
    assert_close(y, want, B * C, "global_avg_pool2d");
    clear(&c);

    /* Keras flattens rows, then columns, then channels: value (r, q, ch) lands at
     * (r * W + q) * C + ch, which is where channels-last samples already hold it. */
    setup(&c, "flatten", NULL, &in, rng);
    g_assert_cmpuint(c.info.out_shape.rank, ==, 1);
    g_assert_cmpuint(c.info.out_shape.dims[0], ==, H * W * C);
    g_assert_true(c.plugin->ops.layer->flags & FL_LAYER_RESHAPES);
    g_autofree float *flat = g_new(float, B * H * W * C);
    forward(&c, flat, x, B, true);
    for (int b = 0; b < B; b++)
        for (int r = 0; r < H; r++)
            for (int q = 0; q < W; q++)
                for (int ch = 0; ch < C; ch++)
                    g_assert_cmpfloat(flat[b * H * W * C + (r * W + q) * C + ch], ==,
                                      x[((b * H + r) * W + q) * C + ch]);
    clear(&c);
}

/* A window that does not fit, and a flat input, are refused with the layer's name. */
static void test_refusals(void)
{
    const char *kv[] = {"filters=2", "kernel=5", NULL};
    fl_shape small = {.rank = 3, .dims = {3, 3, 1}}, flat = {.rank = 1, .dims = {9}};
    const fl_plugin *p = tu_plugin(FL_KIND_LAYER, "conv2d");
    fl_ref ref = tu_ref(FL_KIND_LAYER, "conv2d", kv);
    const fl_shape *shapes[] = {&small, &flat};
    for (size_t i = 0; i < G_N_ELEMENTS(shapes); i++) {
        fl_layer_info info = {.size = sizeof info};
        void *state = NULL;
        g_assert_cmpint(p->ops.layer->create(tu_host(), ref.opts, shapes[i], &info, &state), <, 0);
        g_autoptr(GError) err = NULL;
        host_take_error(tu_host(), &err, "%s", "");
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(err->message, "conv2d layer"));
    }
    params_ref_clear(&ref);
}

/* dataset.shape: a CSV row of H*W*C pixels is one (H, W, C) sample; a shape that does not
 * hold the row's inputs is refused naming the file. */
static void test_csv_shape(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = g_build_filename(dir, "img.csv", NULL);
    g_assert_true(g_file_set_contents(path, "a,b,c,d,e,f,y\n1,2,3,4,5,6,0\n6,5,4,3,2,1,1\n",
                                      -1, NULL));
    const fl_plugin *csv = tu_plugin(FL_KIND_DATASET, "csv");
    const char *good[] = {"path=\"img.csv\"", "shape=[1, 3, 2]", NULL};
    fl_ref ref = tu_ref(FL_KIND_DATASET, "csv", good);
    fl_dataset ds = {.size = sizeof ds};
    check_rc(csv->ops.dataset->load(tu_host(), ref.opts, dir, 1, &ds), "csv");
    g_assert_cmpuint(ds.in_shape.rank, ==, 3);
    g_assert_cmpuint(ds.in_shape.dims[0], ==, 1);
    g_assert_cmpuint(ds.in_shape.dims[1], ==, 3);
    g_assert_cmpuint(ds.in_shape.dims[2], ==, 2);
    g_assert_cmpuint(ds.n_in, ==, 6);
    g_assert_cmpfloat(ds.x[6 + 5], ==, 1.0f); /* rows keep their order: channels last */
    tu_host()->free(ds.x);
    tu_host()->free(ds.y);
    for (size_t i = 0; i < ds.n_in; i++)
        tu_host()->free(ds.in_names[i]);
    tu_host()->free(ds.in_names);
    tu_host()->free(ds.out_names[0]);
    tu_host()->free(ds.out_names);
    params_ref_clear(&ref);

    const char *bad[] = {"path=\"img.csv\"", "shape=[2, 2, 2]", NULL};
    ref = tu_ref(FL_KIND_DATASET, "csv", bad);
    fl_dataset none = {.size = sizeof none};
    g_assert_cmpint(csv->ops.dataset->load(tu_host(), ref.opts, dir, 1, &none), <, 0);
    g_autoptr(GError) err = NULL;
    host_take_error(tu_host(), &err, "%s", "");
    g_assert_nonnull(strstr(err->message, "img.csv"));
    g_assert_nonnull(strstr(err->message, "6 inputs"));
    params_ref_clear(&ref);
    tu_rmtree(dir);
}

/* The synthetic images: their shape, one-hot classes in the asked proportions, pixels in
 * [0, scale], the same images for the same seed. */
static void test_images_dataset(void)
{
    const fl_plugin *p = tu_plugin(FL_KIND_DATASET, "images");
    const char *kv[] = {"samples=500", "size=6", "channels=2", "classes=3", "scale=255",
                        "imbalance=8", NULL};
    fl_ref ref = tu_ref(FL_KIND_DATASET, "images", kv);
    fl_dataset a = {.size = sizeof a}, b = {.size = sizeof b};
    check_rc(p->ops.dataset->load(tu_host(), ref.opts, NULL, 4, &a), "images");
    check_rc(p->ops.dataset->load(tu_host(), ref.opts, NULL, 4, &b), "images");
    g_assert_cmpuint(a.in_shape.rank, ==, 3);
    g_assert_cmpuint(a.in_shape.dims[0], ==, 6);
    g_assert_cmpuint(a.in_shape.dims[2], ==, 2);
    g_assert_cmpuint(a.n_in, ==, 72);
    g_assert_cmpuint(a.n_out, ==, 3);
    g_assert_cmpmem(a.x, a.n_samples * a.n_in * sizeof(float), b.x,
                    b.n_samples * b.n_in * sizeof(float));
    size_t count[3] = {0};
    for (size_t i = 0; i < a.n_samples; i++) {
        float sum = 0;
        for (size_t k = 0; k < 3; k++) {
            sum += a.y[i * 3 + k];
            count[k] += a.y[i * 3 + k] == 1.0f;
        }
        g_assert_cmpfloat(sum, ==, 1.0f);
    }
    /* floor(500 / (8 + 2)) = 50 for each other class, the rest for class 0. */
    g_assert_cmpuint(count[0], ==, 400);
    g_assert_cmpuint(count[1], ==, 50);
    g_assert_cmpuint(count[2], ==, 50);
    float hi = 0, lo = 1e9f;
    for (size_t i = 0; i < a.n_samples * a.n_in; i++) {
        hi = MAX(hi, a.x[i]);
        lo = MIN(lo, a.x[i]);
    }
    g_assert_cmpfloat(lo, >=, 0.0f);
    g_assert_cmpfloat(hi, <=, 255.0f);
    g_assert_cmpfloat(hi, >, 200.0f);
    fl_dataset *both[] = {&a, &b};
    for (int d = 0; d < 2; d++) {
        tu_host()->free(both[d]->x);
        tu_host()->free(both[d]->y);
        for (size_t i = 0; i < both[d]->n_in; i++)
            tu_host()->free(both[d]->in_names[i]);
        for (size_t i = 0; i < both[d]->n_out; i++)
            tu_host()->free(both[d]->out_names[i]);
        tu_host()->free(both[d]->in_names);
        tu_host()->free(both[d]->out_names);
    }
    params_ref_clear(&ref);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cnn/conv2d/valid", test_conv_valid);
    g_test_add_func("/cnn/conv2d/same-strided-relu", test_conv_same_strided);
    g_test_add_func("/cnn/conv2d/softmax-over-channels", test_conv_softmax_channels);
    g_test_add_func("/cnn/max_pool2d", test_max_pool);
    g_test_add_func("/cnn/avg_pool2d", test_avg_pool);
    g_test_add_func("/cnn/global-avg-and-flatten", test_global_avg_and_flatten);
    g_test_add_func("/cnn/refusals", test_refusals);
    g_test_add_func("/cnn/csv-shape", test_csv_shape);
    g_test_add_func("/cnn/images-dataset", test_images_dataset);
    return g_test_run();
}
