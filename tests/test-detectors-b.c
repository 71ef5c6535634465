/* test-detectors-b.c — the group-B detectors (units, data and configuration) on synthetic
 * probe streams (probe-fixture.h): each fires on the failure it names, with the level,
 * epoch and numbers the stream implies, stays quiet on a healthy stream and on one just
 * on the safe side of its threshold, and, where it watches training, warns without
 * collapsing while the run recovers.  Expected numbers in messages are formatted here from
 * the stream's own values, not pasted. */
#include <math.h>
#include <string.h>

#include "priorities.h"
#include "probe-fixture.h"
#include "testutil.h"

/* ---------------------------------------------------------------- helpers */

static const finding_rec *run_one(pfx *f, const char *name, const char *const *options,
                                  detect_set **out)
{
    *out = pfx_run_one(f, name, options);
    return pfx_finding(*out, name);
}

static void assert_has(const char *text, const char *what)
{
    if (!strstr(text, what))
        g_error("expected \"%s\" in \"%s\"", what, text);
}

static void assert_lacks(const char *text, const char *what)
{
    if (strstr(text, what))
        g_error("did not expect \"%s\" in \"%s\"", what, text);
}

/* printf into a string owned by the test's cleanup list. */
static GPtrArray *strings;
static const char *fmt(const char *format, ...) G_GNUC_PRINTF(1, 2);
static const char *fmt(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    char *s = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_ptr_array_add(strings, s);
    return s;
}

/* Assert that a detector finds nothing on the stream as it stands. */
static void assert_silent(pfx *f, const char *name, const char *const *options)
{
    detect_set *d;
    const finding_rec *r = run_one(f, name, options, &d);
    if (r)
        g_error("%s fired (%s, epoch %d): %s | %s | %s", name,
                r->level == FL_LEVEL_COLLAPSED ? "collapsed" : "warning", r->epoch, r->evidence,
                r->cause, r->advice);
    detect_free(d);
}

/* Append an epoch (a copy of the previous one) and return it. */
static fl_epoch_probe *push(pfx *f)
{
    return pfx_push(f).e;
}

/* The layer probes of an epoch already in the stream, writable (the fixture owns them). */
static fl_layer_probe *layers_at(pfx *f, size_t epoch)
{
    return (fl_layer_probe *)fl_probes_epoch(pfx_probes(f), epoch)->layers;
}

/* Push epochs with a given loss (and no other change) after what the stream holds. */
static void push_loss(pfx *f, int n, double loss)
{
    for (int i = 0; i < n; i++)
        push(f)->loss = loss;
}

/* A regression stream: n_in inputs, hidden relu layer l0 of `units`, linear output l1. */
static pfx *stream_new(size_t n_in, size_t units)
{
    pfx *f = pfx_new(1, 2, n_in, 40);
    fl_layer_desc *l0 = pfx_layer(f, 0), *l1 = pfx_layer(f, 1);
    l0->n_out = l0->units = l0->out_shape.dims[0] = (uint32_t)units;
    l1->n_in = l1->fan_in = l1->in_shape.dims[0] = (uint32_t)units;
    return f;
}

static const char *const group_b[] = {
    "dead_relu",         "saturation", "unscaled_input",  "constant_target", "underfit",
    "over_regularization", "output_activation", "bad_init", "class_imbalance", NULL};
static const int group_b_priority[] = {
    PRIORITY_DEAD_RELU, PRIORITY_SATURATION,          PRIORITY_UNSCALED_INPUT,
    PRIORITY_CONSTANT_TARGET, PRIORITY_UNDERFIT,      PRIORITY_OVER_REGULARIZATION,
    PRIORITY_OUTPUT_ACTIVATION, PRIORITY_BAD_INIT,    PRIORITY_CLASS_IMBALANCE};

/* ---------------------------------------------------------------- generic */

static void test_descriptors(void)
{
    g_autoptr(GPtrArray) all = tu_plugins_of(FL_KIND_DETECTOR);
    for (size_t i = 0; group_b[i]; i++) {
        const fl_plugin *found = NULL;
        for (guint k = 0; k < all->len; k++)
            if (!strcmp(((const fl_plugin *)all->pdata[k])->name, group_b[i]))
                found = all->pdata[k];
        if (!found)
            g_error("detector %s not found", group_b[i]);
        const fl_detector_ops *ops = found->ops.detector;
        g_assert_cmpuint(strlen(found->summary), >, 10);
        g_assert_cmpuint(ops->flags, ==, FL_DETECTS_CAUSE);
        g_assert_cmpint(ops->priority, ==, group_b_priority[i]);
        g_assert_true(ops->preflight || ops->observe);
        g_assert_nonnull(found->params);
        for (const fl_param *p = params_first(found); p; p = params_next(found, p)) {
            g_assert_nonnull(p->def);
            g_assert_cmpuint(strlen(p->help), >, 10);
        }
    }
}

/* Every group-B detector with defaults on a healthy regression stream and a healthy
 * classification stream of 60 epochs. */
static void test_healthy(void)
{
    for (int classify = 0; classify < 2; classify++) {
        g_autoptr(pfx) f = pfx_new(1, 3, 4, 50);
        if (classify) {
            fl_probes *p = pfx_probes(f);
            pfx_data d = pfx_arrays(f);
            pfx_set_loss(f, "bce");
            p->n_classes = 2;
            p->baseline_loss = log(2.0);
            d.class_fraction[0] = d.class_fraction[1] = 0.5;
            d.target_mean[0] = 0.5;
            d.target_std[0] = 0.5;
            d.target_min[0] = 0;
            d.target_max[0] = 1;
            pfx_layer(f, 2)->activation.kind = FL_ACT_SIGMOID;
        }
        pfx_push_healthy(f, 60);
        for (size_t i = 0; group_b[i]; i++)
            assert_silent(f, group_b[i], NULL);
    }
}

/* ---------------------------------------------------------------- dead_relu */

static void test_dead_relu_warns(void)
{
    g_autoptr(pfx) f = stream_new(2, 10);
    pfx_push_healthy(f, 11); /* epochs 0..10 */
    /* 8 of 10 units die at epoch 11 while the loss keeps falling: a warning, not final. */
    for (int i = 0; i < 8; i++) {
        pfx_push_healthy(f, 1);
        layers_at(f, pfx_probes(f)->n_epochs)[0].dead = 0.8;
    }
    detect_set *d;
    const finding_rec *r = run_one(f, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 11);
    assert_has(r->evidence, fmt("%d of %d ReLU units in l0 (%.0f%%)", 8, 10, 80.0));
    assert_has(r->evidence, "since epoch 11");
    /* Died after the start (10% at epoch 0): the advice is the rate, ten times lower. */
    double lr = pfx_probes(f)->base_lr;
    assert_has(r->advice, fmt("lower optimizer.lr from %.3g (try %.3g)", lr, lr / 10));
    assert_has(r->cause, "l0");
    detect_free(d);
    /* One epoch less than the patience: nothing yet. */
    g_autoptr(pfx) g = stream_new(2, 10);
    pfx_push_healthy(g, 11);
    for (int i = 0; i < 4; i++) {
        pfx_push_healthy(g, 1);
        layers_at(g, pfx_probes(g)->n_epochs)[0].dead = 0.8;
    }
    assert_silent(g, "dead_relu", NULL);
}

/* Set layer k's dead fraction for the last n epochs of the stream. */
static void set_last(pfx *f, size_t k, int n, double dead, double saturated)
{
    size_t last = pfx_probes(f)->n_epochs;
    for (int i = 0; i < n; i++) {
        fl_layer_probe *l = layers_at(f, last - (size_t)i);
        if (!isnan(dead))
            l[k].dead = dead;
        if (!isnan(saturated))
            l[k].saturated = saturated;
    }
}

static void test_dead_relu_collapses(void)
{
    /* The whole layer dead from epoch 3 for 6 epochs, loss still moving: final. */
    g_autoptr(pfx) f = stream_new(2, 10);
    pfx_push_healthy(f, 9);
    set_last(f, 0, 6, 1.0, NAN); /* epochs 3..8 */
    detect_set *d;
    const finding_rec *r = run_one(f, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_cmpint(r->epoch, ==, 3);
    assert_has(r->evidence, "10 of 10 ReLU units in l0 (100%)");
    assert_has(r->evidence, "since epoch 3");
    assert_has(r->cause, "every ReLU unit of l0 is dead");
    detect_free(d);

    /* 80% dead, the loss creeping down 0.1% an epoch (0.5% over the patience, under the
     * 1% that counts as recovering) at 0.9 of the baseline: final. */
    g_autoptr(pfx) c = stream_new(2, 10);
    pfx_push_healthy(c, 1);
    for (int e = 1; e <= 12; e++)
        push_loss(c, 1, 0.9 * pow(0.999, e));
    set_last(c, 0, 12, 0.8, NAN);
    r = run_one(c, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    detect_free(d);
    /* ... 0.5% an epoch is recovering: a warning. */
    g_autoptr(pfx) c2 = stream_new(2, 10);
    pfx_push_healthy(c2, 1);
    for (int e = 1; e <= 12; e++)
        push_loss(c2, 1, 0.9 * pow(0.995, e));
    set_last(c2, 0, 12, 0.8, NAN);
    r = run_one(c2, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    detect_free(d);

    /* 80% dead with a flat, poor loss (0.9 of the baseline): final too. */
    g_autoptr(pfx) g = stream_new(2, 10);
    pfx_push_healthy(g, 3);
    push_loss(g, 12, 0.9);
    set_last(g, 0, 12, 0.8, NAN);
    r = run_one(g, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    assert_has(r->evidence, "8 of 10");
    /* Final at epoch 7: dead for 5 epochs (3..7), no decrease since epoch 2. */
    assert_has(r->evidence, "lowest in epochs 3-7 0.9: improved by 0%, below the 1%");
    detect_free(d);

    /* The same while the model still explains a quarter of what the mean leaves (loss
     * 0.75 of the baseline, just under collapse_fit = 0.8): dead units, only a warning. */
    g_autoptr(pfx) h = stream_new(2, 10);
    pfx_push_healthy(h, 3);
    push_loss(h, 12, 0.75);
    set_last(h, 0, 12, 0.8, NAN);
    r = run_one(h, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    detect_free(d);
}

static void test_dead_relu_quiet(void)
{
    /* Just below the threshold for the whole run. */
    g_autoptr(pfx) f = stream_new(2, 10);
    pfx_push_healthy(f, 60);
    set_last(f, 0, 60, 0.69, NAN);
    assert_silent(f, "dead_relu", NULL);
    /* Recovering: 80% dead for 8 epochs, then back to 10%: the warning no longer holds. */
    g_autoptr(pfx) g = stream_new(2, 10);
    pfx_push_healthy(g, 20);
    set_last(g, 0, 12, 0.8, NAN);
    set_last(g, 0, 4, 0.1, NAN);
    assert_silent(g, "dead_relu", NULL);
    /* A constant tanh layer is not a ReLU matter. */
    g_autoptr(pfx) h = stream_new(2, 10);
    pfx_layer(h, 0)->activation.kind = FL_ACT_TANH;
    pfx_push_healthy(h, 20);
    set_last(h, 0, 20, 1.0, NAN);
    assert_silent(h, "dead_relu", NULL);
    /* leaky_relu with a slope below zero passes gradient: not looked at either. */
    pfx_layer(h, 0)->activation = (fl_activation){FL_ACT_LEAKY_RELU, 0.3};
    assert_silent(h, "dead_relu", NULL);
    pfx_layer(h, 0)->activation = (fl_activation){FL_ACT_LEAKY_RELU, 0.0};
    detect_set *d;
    const finding_rec *r = run_one(h, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    detect_free(d);
    /* A dead ReLU head: the advice is a linear output. */
    g_autoptr(pfx) o = stream_new(2, 10);
    pfx_layer(o, 1)->activation.kind = FL_ACT_RELU;
    pfx_push_healthy(o, 10);
    set_last(o, 1, 7, 1.0, NAN);
    r = run_one(o, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    assert_has(r->evidence, "1 of 1 ReLU units in l1 (100%)");
    assert_has(r->advice, "set model.l1.activation = \"linear\"");
    detect_free(d);
    /* A higher threshold from the options silences the warning of test_dead_relu_warns. */
    g_autoptr(pfx) k = stream_new(2, 10);
    pfx_push_healthy(k, 20);
    set_last(k, 0, 10, 0.8, NAN);
    const char *const opts[] = {"threshold=0.85", NULL};
    assert_silent(k, "dead_relu", opts);
}

static void test_dead_relu_preflight(void)
{
    g_autoptr(pfx) f = stream_new(2, 10);
    fl_layer_desc *l = pfx_layer(f, 0);
    pfx_set_init(f, 0, "zeros");
    l->init_min = l->init_max = 0;
    l->init_std = 0;
    pfx_push_healthy(f, 1); /* epoch 0 only */
    set_last(f, 0, 1, 1.0, NAN);
    detect_set *d;
    const finding_rec *r = run_one(f, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 0);
    assert_has(r->cause, "l0 starts with all-zero weights");
    assert_has(r->evidence, "100% of its 10 units");
    assert_has(r->advice, "model.l0.init = \"he_uniform\"");
    detect_free(d);
    /* All-zero but not constant at zero: min 0, max 0.1 is a real init. */
    l->init_max = 0.1;
    assert_silent(f, "dead_relu", NULL);
}

/* ---------------------------------------------------------------- saturation */

static pfx *tanh_stream(void)
{
    pfx *f = stream_new(50, 16);
    pfx_layer(f, 0)->activation.kind = FL_ACT_TANH;
    pfx_set_init(f, 0, "normal");
    pfx_layer(f, 0)->init_std = 1.0;
    return f;
}

static void test_saturation_warns(void)
{
    g_autoptr(pfx) f = tanh_stream();
    pfx_push_healthy(f, 13);
    set_last(f, 0, 13, NAN, 0.8); /* epochs 0..12 */
    detect_set *d;
    const finding_rec *r = run_one(f, "saturation", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 0);
    assert_has(r->evidence, fmt("%.0f%% of the probe pre-activations of l0 (tanh, 16 units)",
                                80.0));
    assert_has(r->evidence, "already at initialization");
    /* N(0, 1) over 50 inputs (std x sqrt(50) = 7) on inputs of unit scale: the init. */
    assert_has(r->advice, "set model.l0.init = \"glorot_uniform\" (now \"normal\", std 1 over "
                          "50 inputs)");
    assert_lacks(r->advice, "normalize");
    detect_free(d);

    /* A Glorot-sized init on raw inputs a hundred times too large: the inputs. */
    fl_layer_desc *l = pfx_layer(f, 0);
    pfx_set_init(f, 0, "glorot_uniform");
    l->init_std = sqrt(2.0 / (50 + 16));
    fl_probes *p = pfx_probes(f);
    pfx_data data = pfx_arrays(f);
    double sq = 0;
    for (size_t i = 0; i < p->n_probe * p->n_in; i++) {
        data.probe_x[i] *= 100;
        sq += (double)data.probe_x[i] * data.probe_x[i];
    }
    r = run_one(f, "saturation", NULL, &d);
    g_assert_nonnull(r);
    assert_has(r->advice, fmt("set dataset.normalize = \"standard\" (the raw inputs have rms "
                              "%.3g)",
                              sqrt(sq / (double)(p->n_probe * p->n_in))));
    assert_lacks(r->advice, "init");
    detect_free(d);
    /* Already normalized and a Glorot-sized kernel: what is left is the bias. */
    p->normalize = FL_NORMALIZE_STANDARD;
    r = run_one(f, "saturation", NULL, &d);
    g_assert_nonnull(r);
    assert_has(r->advice, "check model.l0.bias_init");
    assert_lacks(r->advice, "set model.l0.init");
    detect_free(d);
}

/* Set layer k's update ratio for epochs from..to. */
static void set_moved(pfx *f, size_t k, size_t from, size_t to, double ratio)
{
    for (size_t e = from; e <= to; e++)
        layers_at(f, e)[k].update_ratio = ratio;
}

static void test_saturation_collapses(void)
{
    /* Saturated from epoch 3, loss flat at 0.95 of the baseline, weights frozen. */
    g_autoptr(pfx) f = tanh_stream();
    pfx_layer(f, 0)->activation.kind = FL_ACT_SIGMOID;
    pfx_push_healthy(f, 3);
    push_loss(f, 12, 0.95);
    set_last(f, 0, 12, NAN, 0.9); /* epochs 3..14 */
    set_moved(f, 0, 3, 14, 0.0);
    detect_set *d;
    const finding_rec *r = run_one(f, "saturation", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_cmpint(r->epoch, ==, 3);
    assert_has(r->evidence, "90% of the probe pre-activations of l0 (sigmoid");
    assert_has(r->evidence, "lowest in epochs 3-7 0.95: improved by 0%, below the 1%");
    assert_has(r->evidence, "its weights moved by at most 0 of their norm per epoch");
    assert_lacks(r->evidence, "pull it out");
    assert_has(r->cause, "0.0067");
    double lr = pfx_probes(f)->base_lr;
    assert_has(r->advice, fmt("lower optimizer.lr from %.3g (try %.3g)", lr, lr / 10));
    detect_free(d);

    /* The same while the optimizer still moves the layer (5e-4 of its norm in one epoch of
     * every window, as Adam does on a bias-pinned tanh): only a warning. */
    for (size_t e = 3; e <= 14; e += 4)
        set_moved(f, 0, e, e, 5e-4);
    r = run_one(f, "saturation", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    assert_has(r->evidence, fmt("moved by at most %.2g of their norm per epoch, so the "
                                "optimizer may still pull it out",
                                5e-4));
    detect_free(d);
    /* Just under the frozen bound: final again. */
    set_moved(f, 0, 3, 14, 0.99e-4);
    r = run_one(f, "saturation", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    detect_free(d);
}

static void test_saturation_quiet(void)
{
    /* Exactly at the threshold: DeepDiagnosis asks for more than 50%. */
    g_autoptr(pfx) f = tanh_stream();
    pfx_push_healthy(f, 60);
    set_last(f, 0, 60, NAN, 0.5);
    assert_silent(f, "saturation", NULL);
    /* Recovering: saturated for 10 epochs, then not. */
    g_autoptr(pfx) g = tanh_stream();
    pfx_push_healthy(g, 20);
    set_last(g, 0, 14, NAN, 0.8);
    set_last(g, 0, 3, NAN, 0.2);
    assert_silent(g, "saturation", NULL);
    /* A sigmoid head under a classification loss saturates on purpose. */
    g_autoptr(pfx) h = stream_new(2, 8);
    pfx_layer(h, 1)->activation.kind = FL_ACT_SIGMOID;
    pfx_set_loss(h, "bce");
    pfx_push_healthy(h, 20);
    set_last(h, 1, 20, NAN, 0.95);
    assert_silent(h, "saturation", NULL);
    /* So does a sigmoid head fitting 0/1 targets with mse ... */
    pfx_set_loss(h, "mse");
    pfx_data dh = pfx_arrays(h);
    for (size_t r = 0; r < pfx_probes(h)->n_probe; r++)
        dh.probe_y[r] = (float)(r % 2);
    assert_silent(h, "saturation", NULL);
    /* ... but not one whose targets lie inside (0, 1). */
    dh.probe_y[0] = 0.5f;
    detect_set *d;
    const finding_rec *r = run_one(h, "saturation", NULL, &d);
    g_assert_nonnull(r);
    assert_has(r->evidence, "of l1 (sigmoid");
    detect_free(d);
}

/* ---------------------------------------------------------------- unscaled_input */

static void test_unscaled_input(void)
{
    g_autoptr(pfx) f = stream_new(3, 8);
    pfx_data d = pfx_arrays(f);
    d.input_std[1] = 2.0e4;
    d.input_absmax[1] = 9.0e4;
    d.input_std[2] = 0.5;
    pfx_push_healthy(f, 3);
    detect_set *ds;
    const finding_rec *r = run_one(f, "unscaled_input", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 0);
    assert_has(r->evidence, fmt("from %.3g (x2) to %.3g (x1): ratio %.3g", 0.5, 2.0e4,
                                2.0e4 / 0.5));
    assert_has(r->evidence, fmt("|x1| reaches %.3g", 9.0e4));
    assert_has(r->cause, fmt("%.3g-fold (%.1f orders of magnitude)", 2.0e4 / 0.5, log10(2.0e4 / 0.5)));
    assert_has(r->advice, "dataset.normalize = \"standard\"");
    detect_free(ds);

    /* Either side of three orders of magnitude: 1.5e3 fires, 999 (below) does not. */
    d.input_std[1] = 1.5e3 * 0.05;
    d.input_std[2] = 0.05;
    d.input_absmax[1] = 90;
    r = run_one(f, "unscaled_input", NULL, &ds);
    g_assert_nonnull(r);
    assert_has(r->evidence, fmt("ratio %.3g", 1.5e3));
    assert_lacks(r->evidence, "reaches");
    detect_free(ds);
    d.input_std[1] = 2.0e4;
    d.input_std[2] = 0.5;
    d.input_absmax[1] = 9.0e4;
    g_assert_true(pfx_has_fix(pfx_finding(ds = pfx_run_one(f, "unscaled_input", NULL),
                                          "unscaled_input"),
                              (const char *const[]){"dataset.normalize=standard", NULL}));
    detect_free(ds);

    /* Raw 0-255 pixels: every feature of one scale, but far from unit scale. */
    for (size_t i = 0; i < 3; i++)
        d.input_std[i] = 80, d.input_absmax[i] = 255;
    r = run_one(f, "unscaled_input", NULL, &ds);
    g_assert_nonnull(r);
    assert_has(r->evidence, fmt("|x0| reaches %.3g", 255.0));
    assert_lacks(r->evidence, "ratio");
    detect_free(ds);
    d.input_std[1] = 2.0e4;
    d.input_absmax[1] = 9.0e4;
    d.input_std[2] = 0.5;
    d.input_std[0] = 1, d.input_absmax[0] = 3, d.input_absmax[2] = 3;

    /* Normalized data: the raw scales do not reach the network. */
    pfx_probes(f)->normalize = FL_NORMALIZE_STANDARD;
    assert_silent(f, "unscaled_input", NULL);
    pfx_probes(f)->normalize = FL_NORMALIZE_NONE;

    /* Just on the safe side: ratio 999 and |x| <= 100. */
    d.input_std[1] = 999 * 0.05;
    d.input_std[2] = 0.05;
    d.input_absmax[1] = 100;
    assert_silent(f, "unscaled_input", NULL);

    /* A large offset alone (small spread) is still a problem. */
    d.input_absmax[1] = 5000;
    d.input_std[1] = 2;
    r = run_one(f, "unscaled_input", NULL, &ds);
    g_assert_nonnull(r);
    assert_lacks(r->evidence, "ratio");
    assert_has(r->evidence, fmt("|x1| reaches %.3g (std %.3g)", 5000.0, 2.0));
    detect_free(ds);

    /* A constant feature (std 0) is ignored by the ratio. */
    d.input_absmax[1] = 3;
    d.input_std[1] = 0;
    assert_silent(f, "unscaled_input", NULL);
}

/* ---------------------------------------------------------------- constant_target */

static void test_constant_target(void)
{
    g_autoptr(pfx) f = pfx_new(2, 2, 2, 20);
    pfx_data d = pfx_arrays(f);
    pfx_push_healthy(f, 2);
    assert_silent(f, "constant_target", NULL);

    /* One of two columns constant: a warning naming it alone. */
    d.target_std[1] = 0;
    d.target_mean[1] = d.target_min[1] = d.target_max[1] = 3.5;
    detect_set *ds;
    const finding_rec *r = run_one(f, "constant_target", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    assert_has(r->evidence, "the targets of y1 are all 3.5");
    assert_lacks(r->evidence, "y0");
    assert_has(r->cause, "1 of 2 target columns (y1)");
    detect_free(ds);

    /* Both: collapsed before training. */
    d.target_std[0] = 0;
    d.target_mean[0] = d.target_min[0] = d.target_max[0] = 0;
    r = run_one(f, "constant_target", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_cmpint(r->epoch, ==, 0);
    assert_has(r->evidence, "the targets of y0 are all 0");
    assert_has(r->evidence, "the targets of y1 are all 3.5");
    detect_free(ds);

    /* Tolerance relative to the magnitude: std 1e-7 around 1e3 is constant (1e-10 relative)
     * but std 1e-6 around 0 is not. */
    d.target_std[0] = 1e-7;
    d.target_mean[0] = 1e3;
    d.target_min[0] = 1e3 - 1e-7;
    d.target_max[0] = 1e3 + 1e-7;
    r = run_one(f, "constant_target", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    assert_has(r->evidence, "std 1e-07");
    detect_free(ds);
    d.target_std[0] = d.target_std[1] = 1e-6;
    d.target_mean[0] = d.target_mean[1] = 0;
    assert_silent(f, "constant_target", NULL);
}

static void test_constant_target_one_class(void)
{
    g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
    fl_probes *p = pfx_probes(f);
    pfx_data d = pfx_arrays(f);
    pfx_set_loss(f, "bce");
    p->n_classes = 2;
    d.class_fraction[0] = 0.0;
    d.class_fraction[1] = 1.0;
    /* 0/1 labels, every one 1. */
    d.target_min[0] = d.target_max[0] = d.target_mean[0] = 1.0;
    d.target_std[0] = 0.0;
    pfx_push_healthy(f, 2);
    detect_set *ds;
    const finding_rec *r = run_one(f, "constant_target", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    assert_has(r->evidence, fmt("all %zu training rows are class y0 = 1", p->n_train));
    /* No configuration change can help: the finding says so and proposes none. */
    g_assert_true(r->finding_flags & FL_FINDING_FIX_THE_DATA);
    g_assert_null(r->fixes);
    detect_free(ds);
    /* Targets that are not 0/1 labels (prices under bce) are not one class: that is
     * output_activation's finding. */
    d.target_min[0] = 0.5;
    d.target_max[0] = 15.0;
    d.target_mean[0] = 5.0;
    d.target_std[0] = 3.0;
    assert_silent(f, "constant_target", NULL);
    d.target_min[0] = 0.0;
    d.target_max[0] = 1.0;
    d.target_mean[0] = 0.99;
    d.target_std[0] = 0.1;
    d.class_fraction[0] = 0.01;
    d.class_fraction[1] = 0.99;
    assert_silent(f, "constant_target", NULL);
}

/* ---------------------------------------------------------------- underfit */

/* Probe targets a smooth function of the probe inputs (the fixture's are independent
 * noise); returns the delta-test noise floor computed here, naively. */
static double smooth_targets(pfx *f)
{
    fl_probes *p = pfx_probes(f);
    pfx_data d = pfx_arrays(f);
    size_t P = p->n_probe, n = p->n_in;
    for (size_t r = 0; r < P; r++)
        d.probe_y[r] = (float)(sin(d.probe_x[r * n]) + 0.5 * d.probe_x[r * n + 1]);
    double sum = 0;
    for (size_t i = 0; i < P; i++) {
        double best = INFINITY;
        size_t nn = i;
        for (size_t j = 0; j < P; j++) {
            double dist = 0;
            for (size_t k = 0; k < n; k++)
                dist += pow((double)d.probe_x[i * n + k] - d.probe_x[j * n + k], 2);
            if (j != i && dist < best) {
                best = dist;
                nn = j;
            }
        }
        sum += pow((double)d.probe_y[i] - d.probe_y[nn], 2);
    }
    return sum / (2.0 * (double)P);
}

static void test_underfit(void)
{
    g_autoptr(pfx) f = stream_new(2, 8);
    double floor = smooth_targets(f);
    g_assert_cmpfloat(floor, >, 0);
    g_assert_cmpfloat(floor, <, 0.1); /* 40 rows in [-2, 2]^2: neighbours ~0.3 apart */
    pfx_push_healthy(f, 1);
    /* Falls linearly to 0.7 by epoch 20, then sits there until epoch 40. */
    for (int e = 1; e <= 20; e++)
        push_loss(f, 1, 1.0 - 0.3 * e / 20.0);
    push_loss(f, 20, 0.7);
    detect_set *d;
    const finding_rec *r = run_one(f, "underfit", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 30);
    double base = pfx_probes(f)->baseline_loss;
    assert_has(r->evidence, fmt("training data loss %.3g = %.0f%% of the loss of predicting "
                                "the mean (%.3g)",
                                0.7, 100 * 0.7 / base, base));
    assert_has(r->evidence, fmt("explains only %.0f%% of the target variance",
                                100 * (1 - 0.7 / base)));
    assert_has(r->evidence, fmt("the noise floor estimated from nearest neighbours over %zu "
                                "probe rows is %.3g",
                                pfx_probes(f)->n_probe, floor));
    assert_has(r->advice, "the model is 2-8-1 (l0 relu, l1 linear)");
    assert_has(r->advice, fmt("raise model.l0.units from %d (try %d)", 8, 32));
    detect_free(d);

    /* Worse than the mean: not a capacity matter, and the advice says so. */
    g_autoptr(pfx) g = stream_new(2, 8);
    smooth_targets(g);
    pfx_push_healthy(g, 1);
    push_loss(g, 30, 1.2);
    r = run_one(g, "underfit", NULL, &d);
    g_assert_nonnull(r);
    assert_has(r->evidence, "worse than predicting the mean");
    assert_has(r->advice, "more capacity will not help");
    assert_lacks(r->advice, "units");
    detect_free(d);

    /* At the mean's loss itself it may be capacity (a linear model on a target without a
     * linear part): the capacity advice stays. */
    g_autoptr(pfx) m = stream_new(2, 8);
    smooth_targets(m);
    pfx_push_healthy(m, 1);
    push_loss(m, 30, 1.05);
    r = run_one(m, "underfit", NULL, &d);
    g_assert_nonnull(r);
    assert_has(r->advice, "raise model.l0.units");
    detect_free(d);

    /* A linear model: the advice is a nonlinear hidden layer. */
    pfx_layer(f, 0)->activation.kind = FL_ACT_LINEAR;
    r = run_one(f, "underfit", NULL, &d);
    g_assert_nonnull(r);
    assert_has(r->advice, "no nonlinear hidden layer: add one before l1");
    detect_free(d);
}

static void test_underfit_quiet(void)
{
    /* Flat, but at 0.49 of the baseline: a fit, not an underfit. */
    g_autoptr(pfx) f = stream_new(2, 8);
    smooth_targets(f);
    pfx_push_healthy(f, 1);
    push_loss(f, 40, 0.49);
    assert_silent(f, "underfit", NULL);
    /* Flat at 0.9, but the targets are noise: their nearest-neighbour floor (about the
     * variance of uniform [-1.7, 1.7], 0.96) is above 0.9 / 2, so the data allows no better. */
    g_autoptr(pfx) n = stream_new(2, 8);
    pfx_push_healthy(n, 1);
    push_loss(n, 40, 0.9);
    assert_silent(n, "underfit", NULL);
    const char *const no_floor[] = {"floor_factor=0", NULL};
    detect_set *dn;
    g_assert_nonnull(run_one(n, "underfit", no_floor, &dn));
    detect_free(dn);
    /* The floor is for mse: mae keeps the plain ratio. */
    pfx_set_loss(n, "mae");
    g_assert_nonnull(run_one(n, "underfit", NULL, &dn));
    assert_lacks(pfx_finding(dn, "underfit")->evidence, "noise floor");
    detect_free(dn);
    /* Poor but still improving by more than 1% per 10 epochs. */
    g_autoptr(pfx) g = stream_new(2, 8);
    smooth_targets(g);
    pfx_push_healthy(g, 1);
    for (int e = 2; e <= 40; e++)
        push_loss(g, 1, 0.9 * pow(0.998, e));
    assert_silent(g, "underfit", NULL);
    /* Flat and poor from the start, but the warm-up (20% of 100 epochs) is not over. */
    g_autoptr(pfx) h = stream_new(2, 8);
    smooth_targets(h);
    pfx_push_healthy(h, 1);
    push_loss(h, 19, 0.9);
    assert_silent(h, "underfit", NULL);
    push_loss(h, 1, 0.9);
    detect_set *d;
    const finding_rec *r = run_one(h, "underfit", NULL, &d);
    g_assert_nonnull(r);
    detect_free(d);
    /* The penalty does not count as misfit: loss 0.9 of which 0.5 is penalty. */
    fl_probes *p = pfx_probes(h);
    for (size_t e = 0; e <= p->n_epochs; e++)
        ((fl_epoch_probe *)p->history)[e].penalty = 0.5;
    assert_silent(h, "underfit", NULL);
}

/* ---------------------------------------------------------------- over_regularization */

static void test_over_regularization_preflight(void)
{
    g_autoptr(pfx) f = stream_new(2, 8);
    pfx_layer(f, 0)->l2 = 10;
    fl_epoch_probe *h0 = push(f);
    h0->penalty = 50;
    h0->loss = 51;
    detect_set *d;
    const finding_rec *r = run_one(f, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 0);
    assert_has(r->evidence, fmt("the penalty is %.3g = %.3gx the data loss %.3g", 50.0, 50.0,
                                1.0));
    assert_has(r->evidence, "model.l0.l2 = 10");
    assert_has(r->advice, fmt("lower model.l0.l2 from 10 (try %.3g)", 1e-4));
    detect_free(d);
    /* Ten times the data loss exactly is not more than ten times. */
    h0->penalty = 10;
    h0->loss = 11;
    assert_silent(f, "over_regularization", NULL);
}

/* A penalized layer l0 whose weight norm drops to `w` from epoch 5 while the loss sits at
 * `loss` with `penalty` of it; 15 epochs. */
static pfx *shrink_stream(double w, double loss, double penalty)
{
    pfx *f = stream_new(2, 8);
    pfx_layer(f, 0)->l2 = 1;
    pfx_push_healthy(f, 5);
    for (int i = 0; i < 10; i++) {
        fl_epoch_probe *e = push(f);
        e->loss = loss;
        e->penalty = penalty;
        layers_at(f, (size_t)e->epoch)[0].weight_norm = w;
    }
    return f;
}

static void test_over_regularization(void)
{
    /* Shrunk to 5% with a poor fit (data loss 0.59 of the baseline): a warning. */
    g_autoptr(pfx) f = shrink_stream(0.05, 0.6, 0.01);
    detect_set *d;
    const finding_rec *r = run_one(f, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 5);
    double w0 = fl_epoch_layer(fl_probes_epoch(pfx_probes(f), 0), 0)->weight_norm;
    double base = pfx_probes(f)->baseline_loss;
    assert_has(r->evidence, fmt("the weight norm of l0 (l2 = 1) fell from %.3g at epoch 0 to "
                                "%.3g (%.2g%%) and stayed below 0.1 of it since epoch 5",
                                w0, 0.05, 100 * 0.05 / w0));
    assert_has(r->evidence, fmt("data loss %.3g = %.0f%% of the loss of predicting the mean",
                                0.6 - 0.01, 100 * (0.6 - 0.01) / base));
    assert_has(r->advice, "lower model.l0.l2 from 1 (try 0.0001)");
    detect_free(d);

    /* Held at 5% while the model explains next to nothing, loss flat: final as soon as it
     * held for the patience (epochs 5..9); sticky after that. */
    g_autoptr(pfx) g = shrink_stream(0.05, 0.95, 0.001);
    r = run_one(g, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_cmpint(r->epoch, ==, 5);
    assert_has(r->evidence, "lowest in epochs 5-9 0.95: improved by 0%, below the 1%");
    detect_free(d);

    /* Gone (5e-4 of the initial norm) with a merely poor fit, loss flat: final too. */
    g_autoptr(pfx) h = shrink_stream(5e-4, 0.6, 0.001);
    r = run_one(h, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    detect_free(d);

    /* Held small and explaining nothing, but the loss still falling 2% an epoch: a warning. */
    g_autoptr(pfx) k = shrink_stream(0.05, 0.95, 0.001);
    fl_probes *p = pfx_probes(k);
    for (size_t e = 1; e <= p->n_epochs; e++)
        ((fl_epoch_probe *)p->history)[e].loss = 0.99 * pow(0.98, (double)e);
    r = run_one(k, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    detect_free(d);

    /* Shrunk, the fit good, but the penalty most of the loss: a warning. */
    g_autoptr(pfx) m = shrink_stream(0.05, 0.2, 0.15);
    r = run_one(m, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    assert_has(r->evidence, fmt("the penalty is %.3g = %.2g%% of the loss", 0.15, 75.0));
    detect_free(d);
}

static void test_over_regularization_quiet(void)
{
    /* Just above a tenth of the initial norm. */
    g_autoptr(pfx) f = shrink_stream(0.11, 0.95, 0.01);
    assert_silent(f, "over_regularization", NULL);
    /* Shrunk, but the fit good and the penalty small. */
    g_autoptr(pfx) g = shrink_stream(0.05, 0.2, 0.01);
    assert_silent(g, "over_regularization", NULL);
    /* Shrunk and poor, but not penalized: not this detector's business. */
    g_autoptr(pfx) h = shrink_stream(0.05, 0.95, 0.0);
    pfx_layer(h, 0)->l2 = 0;
    assert_silent(h, "over_regularization", NULL);
}

/* ---------------------------------------------------------------- output_activation */

static const finding_rec *output_run(pfx *f, detect_set **d)
{
    return run_one(f, "output_activation", NULL, d);
}

static void test_output_activation_regression(void)
{
    g_autoptr(pfx) f = stream_new(2, 8);
    pfx_data d = pfx_arrays(f);
    fl_layer_desc *out = pfx_layer(f, 1);
    pfx_push_healthy(f, 1);
    assert_silent(f, "output_activation", NULL);
    detect_set *ds;

    /* relu output, targets down to -2.5: some out of reach. */
    out->activation.kind = FL_ACT_RELU;
    const finding_rec *r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    assert_has(r->evidence, fmt("the targets of y0 lie in [%.3g, %.3g] but l1's relu output "
                                "is >= 0",
                                d.target_min[0], d.target_max[0]));
    assert_has(r->advice, "set model.l1.activation = \"linear\"");
    detect_free(ds);
    /* ... all negative: none in reach. */
    d.target_min[0] = -3;
    d.target_max[0] = -0.5;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    detect_free(ds);
    /* ... all >= 0: still a warning (a relu output can die), unless turned off. */
    d.target_min[0] = 0;
    d.target_max[0] = 4;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    assert_has(r->cause, "cannot recover once its pre-activation goes negative");
    detect_free(ds);
    const char *const off[] = {"relu_output=false", NULL};
    assert_silent(f, "output_activation", off);
    /* softplus on non-negative targets is fine. */
    out->activation.kind = FL_ACT_SOFTPLUS;
    assert_silent(f, "output_activation", NULL);

    /* sigmoid: [0, 1] fine, [-0.5, 0.5] partly out, [2, 3] none in. */
    out->activation.kind = FL_ACT_SIGMOID;
    d.target_min[0] = 0;
    d.target_max[0] = 1;
    assert_silent(f, "output_activation", NULL);
    d.target_min[0] = -0.5;
    d.target_max[0] = 0.5;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    assert_has(r->evidence, "sigmoid output is in [0, 1]");
    detect_free(ds);
    d.target_min[0] = 2;
    d.target_max[0] = 3;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    assert_has(r->cause, "no target of y0 is within reach");
    detect_free(ds);
    /* tanh: [-1, 1] fine, [-1, 1.5] partly out. */
    out->activation.kind = FL_ACT_TANH;
    d.target_min[0] = -1;
    d.target_max[0] = 1;
    assert_silent(f, "output_activation", NULL);
    d.target_max[0] = 1.5;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    detect_free(ds);

    /* softmax over one unit: always 1.0. */
    out->activation.kind = FL_ACT_SOFTMAX;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    assert_has(r->cause, "always 1.0");
    detect_free(ds);
}

static void test_output_activation_classification(void)
{
    g_autoptr(pfx) f = pfx_new(3, 2, 2, 20);
    fl_probes *p = pfx_probes(f);
    fl_layer_desc *out = pfx_layer(f, 1);
    pfx_set_loss(f, "cce");
    p->n_classes = 3;
    /* One-hot targets. */
    pfx_data d = pfx_arrays(f);
    for (size_t c = 0; c < 3; c++) {
        d.target_min[c] = 0, d.target_max[c] = 1;
        d.target_mean[c] = 1.0 / 3, d.target_std[c] = sqrt(2.0) / 3;
    }
    pfx_push_healthy(f, 1);
    detect_set *ds;
    const finding_rec *r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    assert_has(r->evidence, "l1 has a linear output under cce");
    assert_has(r->advice, "set model.l1.activation = \"softmax\"");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"model.l1.activation=softmax", NULL}));
    detect_free(ds);
    out->activation.kind = FL_ACT_SOFTMAX;
    assert_silent(f, "output_activation", NULL);

    /* bce on one-hot targets: the pair that suits them is softmax and cce. */
    out->activation.kind = FL_ACT_LINEAR;
    pfx_set_loss(f, "bce");
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    assert_has(r->advice, "set model.l1.activation = \"sigmoid\"");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"model.l1.activation=softmax",
                                                       "loss=cce", NULL}));
    detect_free(ds);
    /* bce on targets that are not probabilities (labels 0/1/2 in one column, prices):
     * collapsed before training, fixed by a regression output and loss. */
    d.target_max[2] = 2;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    assert_has(r->evidence, "the targets of y2 lie in [0, 2] but bce takes probabilities");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"model.l1.activation=linear",
                                                       "loss=mse", NULL}));
    detect_free(ds);
    d.target_max[2] = 1;
    out->activation.kind = FL_ACT_SIGMOID;
    assert_silent(f, "output_activation", NULL);

    pfx_set_loss(f, "hinge");
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    assert_has(r->cause, "never negative");
    detect_free(ds);
    out->activation.kind = FL_ACT_TANH;
    assert_silent(f, "output_activation", NULL);
}

/* ---------------------------------------------------------------- bad_init */

/* Three weighted layers l0 -> l1 -> l2 (output), 8 units wide, 4 inputs. */
static pfx *init_stream(void)
{
    pfx *f = pfx_new(1, 3, 4, 20);
    return f;
}

static void set_const(fl_layer_desc *l, double v, const char *init)
{
    l->init_min = l->init_max = v;
    l->init_std = 0;
    l->init = init;
    l->init_flags = tu_plugin(FL_KIND_INITIALIZER, init)->ops.init->flags;
}

static void test_bad_init_preflight(void)
{
    g_autoptr(pfx) f = init_stream();
    pfx_push_healthy(f, 1);
    pfx_probes(f)->n_epochs = 0;
    detect_set *d;

    /* A zero relu layer feeding a random one: dead from the start. */
    set_const(pfx_layer(f, 0), 0, "zeros");
    const finding_rec *r = run_one(f, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 0);
    assert_has(r->evidence, "l0 (relu, 8 units) starts with all-zero weights (init \"zeros\")");
    assert_has(r->advice, "set model.l0.init = \"he_uniform\"");
    detect_free(d);

    /* The same under tanh: the random l1 breaks the symmetry, nothing to report. */
    pfx_layer(f, 0)->activation.kind = FL_ACT_TANH;
    assert_silent(f, "bad_init", NULL);

    /* ... unless l1 is all zero too: then no kernel gets a gradient. */
    set_const(pfx_layer(f, 1), 0, "zeros");
    pfx_layer(f, 1)->activation.kind = FL_ACT_TANH;
    r = run_one(f, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    assert_has(r->evidence, "the kernels it feeds (l1)");
    assert_has(r->cause, "only the biases can learn");
    assert_has(r->advice, "set model.l0.init = \"glorot_uniform\"");
    detect_free(d);

    /* Constant non-zero kernels all the way: symmetric. */
    g_autoptr(pfx) g = init_stream();
    pfx_push_healthy(g, 1);
    pfx_probes(g)->n_epochs = 0;
    set_const(pfx_layer(g, 0), 1, "ones");
    set_const(pfx_layer(g, 1), 1, "ones");
    set_const(pfx_layer(g, 2), 1, "ones");
    r = run_one(g, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    assert_has(r->evidence, "every weight of l0 (8 units) starts at 1 (init \"ones\")");
    assert_has(r->evidence, "every weight of l1 (8 units) starts at 1");
    assert_has(r->cause, "l0 acts as one unit");
    detect_free(d);
    /* Through a dropout layer the consumer is still found. */
    g_autoptr(pfx) h = pfx_new(1, 3, 4, 20);
    pfx_layer(h, 1)->plugin = "dropout";
    pfx_layer(h, 1)->has_weights = false;
    pfx_layer(h, 1)->has_kernel = pfx_layer(h, 1)->has_bias = false;
    set_const(pfx_layer(h, 0), 0.5, "constant");
    set_const(pfx_layer(h, 2), 0.5, "constant");
    pfx_push_healthy(h, 1);
    pfx_probes(h)->n_epochs = 0;
    r = run_one(h, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    assert_has(r->evidence, "the kernels it feeds (l2)");
    detect_free(d);
}

static void test_bad_init_quiet(void)
{
    /* Only the output layer zero: its gradient is neither zero nor symmetric. */
    g_autoptr(pfx) f = init_stream();
    set_const(pfx_layer(f, 2), 0, "zeros");
    pfx_push_healthy(f, 10);
    assert_silent(f, "bad_init", NULL);
    /* A constant hidden layer feeding a random one. */
    set_const(pfx_layer(f, 1), 0.3, "constant");
    pfx_layer(f, 2)->init_min = -0.5;
    pfx_layer(f, 2)->init_max = 0.5;
    assert_silent(f, "bad_init", NULL);
    /* A constant batchnorm gamma is by design. */
    g_autoptr(pfx) g = init_stream();
    pfx_layer(g, 1)->plugin = "batchnorm";
    set_const(pfx_layer(g, 1), 1, "ones");
    pfx_layer(g, 1)->has_kernel = pfx_layer(g, 1)->has_bias = false; /* gamma and beta */
    pfx_push_healthy(g, 10);
    assert_silent(g, "bad_init", NULL);
}

static void test_bad_init_collapses(void)
{
    /* Zero relu l0 on the only path, constant for every epoch: final. */
    g_autoptr(pfx) f = init_stream();
    set_const(pfx_layer(f, 0), 0, "zeros");
    pfx_push_healthy(f, 7);
    set_last(f, 0, 7, 1.0, NAN); /* epochs 0..6 */
    detect_set *d;
    const finding_rec *r = run_one(f, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_cmpint(r->epoch, ==, 0);
    assert_has(r->evidence, "all 8 of its units still output the same value");
    detect_free(d);
    /* Broken out of it by epoch 4: the pre-flight warning stays, nothing more. */
    g_autoptr(pfx) g = init_stream();
    set_const(pfx_layer(g, 0), 0, "zeros");
    pfx_push_healthy(g, 7);
    set_last(g, 0, 7, 1.0, NAN);
    set_last(g, 0, 4, 0.2, NAN);
    r = run_one(g, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    detect_free(d);
    /* A side branch: l1 reads the data too, so the outputs do not all go through l0. */
    g_autoptr(pfx) h = init_stream();
    set_const(pfx_layer(h, 0), 0, "zeros");
    pfx_layer(h, 1)->input = -1;
    pfx_layer(h, 0)->is_output = true; /* l0 feeds nothing weighted now: no finding at all */
    pfx_push_healthy(h, 7);
    set_last(h, 0, 7, 1.0, NAN);
    assert_silent(h, "bad_init", NULL);
}

static void test_bad_init_wide(void)
{
    g_autoptr(pfx) f = pfx_new(1, 2, 100, 20);
    fl_layer_desc *l = pfx_layer(f, 0);
    l->activation.kind = FL_ACT_TANH;
    pfx_set_init(f, 0, "normal");
    l->init_std = 1.0;
    l->init_min = -3.5;
    l->init_max = 3.6;
    pfx_push_healthy(f, 1);
    set_last(f, 0, 1, NAN, 0.6);
    pfx_probes(f)->n_epochs = 0;
    detect_set *d;
    const finding_rec *r = run_one(f, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    assert_has(r->evidence, fmt("pre-activations of std ~%.3g", 1.0 * sqrt(100.0)));
    assert_has(r->evidence, "60% of them beyond +-5 at epoch 0");
    assert_has(r->advice, "set model.l0.init = \"glorot_uniform\"");
    detect_free(d);
    /* Just under: 0.49 x sqrt(100) = 4.9. */
    l->init_std = 0.49;
    assert_silent(f, "bad_init", NULL);
    /* Wide, but at most half saturated at epoch 0: not reported (a deep sigmoid stack
     * initialized N(0, 1) trains). */
    l->init_std = 1.0;
    set_last(f, 0, 1, NAN, 0.5);
    assert_silent(f, "bad_init", NULL);
    /* The same width under relu is not a saturation matter. */
    l->init_std = 1.0;
    l->activation.kind = FL_ACT_RELU;
    assert_silent(f, "bad_init", NULL);
}

static void test_bad_init_wide_output(void)
{
    /* 4 inputs -> l0 (tanh, 64) -> l1 (tanh, 64) -> l2 (linear, 1), N(0, 1) everywhere. */
    g_autoptr(pfx) f = pfx_new(1, 3, 4, 20);
    for (size_t k = 0; k < 3; k++) {
        fl_layer_desc *l = pfx_layer(f, k);
        pfx_set_init(f, k, "normal");
        l->init_std = 1.0;
        l->init_min = -3;
        l->init_max = 3;
        if (k < 2)
            l->activation.kind = FL_ACT_TANH;
        l->n_out = l->units = l->out_shape.dims[0] = k < 2 ? 64 : 1;
        l->n_in = l->fan_in = l->in_shape.dims[0] = k ? 64 : 4;
    }
    pfx_push_healthy(f, 1);
    double *out_std = (double *)fl_probes_epoch(pfx_probes(f), 0)->out_std;
    double target_std = pfx_arrays(f).target_std[0];
    out_std[0] = 16.0 * target_std;
    detect_set *d;
    const finding_rec *r = run_one(f, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    assert_has(r->evidence, fmt("the predictions of y0 spread with std %.3g across the probe "
                                "inputs = %.3gx the target std %.3g",
                                out_std[0], 16.0, target_std));
    /* l0 sees 4 inputs: std 1 x sqrt(4) = 2 is not too wide; l1 and l2 (64 inputs: 8) are. */
    assert_has(r->evidence, fmt("on its path: l1 (init \"normal\", std 1 over 64 inputs: "
                                "~%.3g), l2",
                                sqrt(64.0)));
    assert_lacks(r->evidence, "l0 (init");
    assert_has(r->advice, "set model.l1.init = \"glorot_uniform\"; set model.l2.init");
    detect_free(d);
    /* 5x exactly is not more than 5x. */
    out_std[0] = 5.0 * target_std;
    assert_silent(f, "bad_init", NULL);
    /* Spread, but every kernel sized for its fan-in: the data's scale, not the init. */
    out_std[0] = 16.0 * target_std;
    for (size_t k = 0; k < 3; k++)
        pfx_layer(f, k)->init_std = 0.2;
    assert_silent(f, "bad_init", NULL);
}

/* ---------------------------------------------------------------- class_imbalance */

/* Labels for the probe rows: the first n_minority rows of class `minority`, the rest of
 * class 0; predictions all of class `predicted` (one 0/1 column, or one-hot). */
static void imbalance_rows(pfx *f, size_t n_minority, size_t minority, size_t predicted)
{
    fl_probes *p = pfx_probes(f);
    pfx_data d = pfx_arrays(f);
    size_t no = p->n_outputs;
    for (size_t r = 0; r < p->n_probe; r++)
        for (size_t o = 0; o < no; o++) {
            size_t label = r < n_minority ? minority : 0;
            d.probe_y[r * no + o] = no == 1 ? (float)label : (float)(o == label);
            d.probe_pred[r * no + o] = no == 1 ? (predicted ? 0.9f : 0.1f) : (o == predicted ? 0.8f : 0.05f);
        }
}

static void test_class_imbalance(void)
{
    g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
    fl_probes *p = pfx_probes(f);
    pfx_data d = pfx_arrays(f);
    pfx_set_loss(f, "bce");
    p->n_classes = 2;
    d.class_fraction[0] = 0.95;
    d.class_fraction[1] = 0.05;
    pfx_push_healthy(f, 3);
    /* Both minority probe rows answered with the majority class: the imbalance does harm. */
    imbalance_rows(f, 2, 1, 0);
    detect_set *ds;
    const finding_rec *r = run_one(f, "class_imbalance", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING); /* the loss still falls */
    g_assert_cmpint(r->epoch, ==, 1); /* held since the first trained epoch */
    assert_has(r->evidence, fmt("y0 = 0 %.3g%%, y0 = 1 %.3g%%", 95.0, 5.0));
    assert_has(r->evidence, fmt("y0 = 0 is %.3g times y0 = 1", 0.95 / 0.05));
    assert_has(r->evidence, "2 of the 2 probe rows of other classes are answered y0 = 0");
    assert_has(r->advice, "oversample y0 = 1");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"loss.class_weight=balanced", NULL}));
    detect_free(ds);
    /* Settled: the loss on a plateau near that of predicting the class shares for 5
     * epochs: collapsed. */
    {
        g_autoptr(pfx) h = pfx_new(1, 2, 2, 20);
        pfx_set_loss(h, "bce");
        pfx_probes(h)->n_classes = 2;
        pfx_arrays(h).class_fraction[0] = 0.9;
        pfx_arrays(h).class_fraction[1] = 0.1;
        pfx_probes(h)->baseline_loss = 0.325; /* the entropy of 0.9/0.1 */
        pfx_push_healthy(h, 1);
        for (int k = 0; k < 6; k++) {
            pfx_epoch e = pfx_push(h);
            e.e->loss = 0.3;
        }
        imbalance_rows(h, 2, 1, 0);
        detect_set *dh;
        const finding_rec *rh = run_one(h, "class_imbalance", NULL, &dh);
        g_assert_nonnull(rh);
        g_assert_cmpint(rh->level, ==, FL_LEVEL_COLLAPSED);
        assert_has(rh->evidence, fmt("data loss 0.3 = %.0f%% of the loss of predicting the "
                                     "class shares (0.325)",
                                     100 * 0.3 / 0.325));
        detect_free(dh);
        /* The same answers with a loss far below the prior's: it has learned; no finding. */
        pfx_probes(h)->baseline_loss = 1.0;
        assert_silent(h, "class_imbalance", NULL);
    }
    /* The same imbalance learned well (minority rows answered right): no finding. */
    imbalance_rows(f, 2, 1, 1);
    for (size_t r2 = 2; r2 < p->n_probe; r2++)
        d.probe_pred[r2] = 0.1f;
    assert_silent(f, "class_imbalance", NULL);
    imbalance_rows(f, 2, 1, 0);
    /* Either side of 4:1: 0.81 / 0.19 = 4.26 fires, 0.79 / 0.21 = 3.76 does not. */
    d.class_fraction[0] = 0.81;
    d.class_fraction[1] = 0.19;
    r = run_one(f, "class_imbalance", NULL, &ds);
    g_assert_nonnull(r);
    assert_has(r->evidence, fmt("is %.3g times", 0.81 / 0.19));
    detect_free(ds);
    d.class_fraction[0] = 0.79;
    d.class_fraction[1] = 0.21;
    assert_silent(f, "class_imbalance", NULL);
    /* Regression: no classes. */
    p->loss_flags = 0;
    p->n_classes = 0;
    d.class_fraction[0] = 0.95;
    d.class_fraction[1] = 0.05;
    assert_silent(f, "class_imbalance", NULL);

    /* One-hot, three classes; the absent one does not count as the smallest. */
    g_autoptr(pfx) g = pfx_new(4, 2, 2, 20);
    fl_probes *q = pfx_probes(g);
    pfx_data e = pfx_arrays(g);
    pfx_set_loss(g, "cce");
    q->n_classes = 4;
    e.class_fraction[0] = 0.6;
    e.class_fraction[1] = 0.35;
    e.class_fraction[2] = 0.05;
    e.class_fraction[3] = 0.0;
    pfx_push_healthy(g, 2); /* epoch 0 and one epoch observed */
    imbalance_rows(g, 3, 2, 0);
    r = run_one(g, "class_imbalance", NULL, &ds);
    g_assert_nonnull(r);
    assert_has(r->evidence, fmt("y0 is %.3g times y2", 0.6 / 0.05));
    assert_has(r->advice, "oversample y2 or undersample y0");
    detect_free(ds);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    strings = g_ptr_array_new_with_free_func(g_free);
    g_test_add_func("/detectors-b/descriptors", test_descriptors);
    g_test_add_func("/detectors-b/healthy", test_healthy);
    g_test_add_func("/detectors-b/dead_relu/warns", test_dead_relu_warns);
    g_test_add_func("/detectors-b/dead_relu/collapses", test_dead_relu_collapses);
    g_test_add_func("/detectors-b/dead_relu/quiet", test_dead_relu_quiet);
    g_test_add_func("/detectors-b/dead_relu/preflight", test_dead_relu_preflight);
    g_test_add_func("/detectors-b/saturation/warns", test_saturation_warns);
    g_test_add_func("/detectors-b/saturation/collapses", test_saturation_collapses);
    g_test_add_func("/detectors-b/saturation/quiet", test_saturation_quiet);
    g_test_add_func("/detectors-b/unscaled_input", test_unscaled_input);
    g_test_add_func("/detectors-b/constant_target", test_constant_target);
    g_test_add_func("/detectors-b/constant_target/one_class", test_constant_target_one_class);
    g_test_add_func("/detectors-b/underfit", test_underfit);
    g_test_add_func("/detectors-b/underfit/quiet", test_underfit_quiet);
    g_test_add_func("/detectors-b/over_regularization/preflight",
                    test_over_regularization_preflight);
    g_test_add_func("/detectors-b/over_regularization", test_over_regularization);
    g_test_add_func("/detectors-b/over_regularization/quiet", test_over_regularization_quiet);
    g_test_add_func("/detectors-b/output_activation/regression",
                    test_output_activation_regression);
    g_test_add_func("/detectors-b/output_activation/classification",
                    test_output_activation_classification);
    g_test_add_func("/detectors-b/bad_init/preflight", test_bad_init_preflight);
    g_test_add_func("/detectors-b/bad_init/quiet", test_bad_init_quiet);
    g_test_add_func("/detectors-b/bad_init/collapses", test_bad_init_collapses);
    g_test_add_func("/detectors-b/bad_init/wide", test_bad_init_wide);
    g_test_add_func("/detectors-b/bad_init/wide_output", test_bad_init_wide_output);
    g_test_add_func("/detectors-b/class_imbalance", test_class_imbalance);
    int rc = g_test_run();
    g_ptr_array_free(strings, TRUE);
    return rc;
}
