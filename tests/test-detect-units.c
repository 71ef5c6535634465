/* test-detect-units.c — the unit causes: dead ReLUs, saturated units, initializations
 * that break symmetry badly.  What each detector is tested on: probe-fixture.h. */
#include "detect-topics.h"
#include "probe-fixture.h"
#include "testutil.h"
#include "detect.h"
#include "priorities.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const pfx_detector detectors[] = {
    {"dead_relu", FL_DETECTS_CAUSE, PRIORITY_DEAD_RELU, 1},
    {"saturation", FL_DETECTS_CAUSE, PRIORITY_SATURATION, 1},
    {"bad_init", FL_DETECTS_CAUSE, PRIORITY_BAD_INIT, 1},
};

/* ---------------------------------------------------------------- dead_relu */

static void test_dead_relu_warns(void)
{
    g_autoptr(pfx) f = pfx_new_hidden(2, 10);
    pfx_push_healthy(f, 11); /* epochs 0..10 */
    /* 8 of 10 units die at epoch 11 while the loss keeps falling: a warning, not final. */
    for (int i = 0; i < 8; i++) {
        pfx_push_healthy(f, 1);
        pfx_layers_at(f, pfx_probes(f)->n_epochs)[0].dead = 0.8;
    }
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 11);
    pfx_assert_has(r->evidence, pfx_fmt("%d of %d ReLU units in l0 (%.0f%%)", 8, 10, 80.0));
    pfx_assert_has(r->evidence, "since epoch 11");
    /* Died after the start (10% at epoch 0): the advice is the rate, ten times lower. */
    double lr = pfx_probes(f)->base_lr;
    pfx_assert_has(r->advice, pfx_fmt("lower optimizer.lr from %.3g (try %.3g)", lr, lr / 10));
    pfx_assert_has(r->cause, "l0");
    detect_free(d);
    /* One epoch less than the patience: nothing yet. */
    g_autoptr(pfx) g = pfx_new_hidden(2, 10);
    pfx_push_healthy(g, 11);
    for (int i = 0; i < 4; i++) {
        pfx_push_healthy(g, 1);
        pfx_layers_at(g, pfx_probes(g)->n_epochs)[0].dead = 0.8;
    }
    pfx_assert_silent(g, "dead_relu", NULL);
}

/* Set layer k's dead fraction for the last n epochs of the stream. */
static void set_last(pfx *f, size_t k, int n, double dead, double saturated)
{
    size_t last = pfx_probes(f)->n_epochs;
    for (int i = 0; i < n; i++) {
        fl_layer_probe *l = pfx_layers_at(f, last - (size_t)i);
        if (!isnan(dead))
            l[k].dead = dead;
        if (!isnan(saturated))
            l[k].saturated = saturated;
    }
}

static void test_dead_relu_collapses(void)
{
    /* The whole layer dead from epoch 3 for 6 epochs, loss still moving: final. */
    g_autoptr(pfx) f = pfx_new_hidden(2, 10);
    pfx_push_healthy(f, 9);
    set_last(f, 0, 6, 1.0, NAN); /* epochs 3..8 */
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_cmpint(r->epoch, ==, 3);
    pfx_assert_has(r->evidence, "10 of 10 ReLU units in l0 (100%)");
    pfx_assert_has(r->evidence, "since epoch 3");
    pfx_assert_has(r->cause, "every ReLU unit of l0 is dead");
    detect_free(d);

    /* 80% dead, the loss creeping down 0.1% an epoch (0.5% over the patience, under the
     * 1% that counts as recovering) at 0.9 of the baseline: final. */
    g_autoptr(pfx) c = pfx_new_hidden(2, 10);
    pfx_push_healthy(c, 1);
    for (int e = 1; e <= 12; e++)
        pfx_push_losses(c, 1, 0.9 * pow(0.999, e));
    set_last(c, 0, 12, 0.8, NAN);
    r = pfx_run_find(c, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    detect_free(d);
    /* ... 0.5% an epoch is recovering: a warning. */
    g_autoptr(pfx) c2 = pfx_new_hidden(2, 10);
    pfx_push_healthy(c2, 1);
    for (int e = 1; e <= 12; e++)
        pfx_push_losses(c2, 1, 0.9 * pow(0.995, e));
    set_last(c2, 0, 12, 0.8, NAN);
    r = pfx_run_find(c2, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    detect_free(d);

    /* 80% dead with a flat, poor loss (0.9 of the baseline): final too. */
    g_autoptr(pfx) g = pfx_new_hidden(2, 10);
    pfx_push_healthy(g, 3);
    pfx_push_losses(g, 12, 0.9);
    set_last(g, 0, 12, 0.8, NAN);
    r = pfx_run_find(g, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    pfx_assert_has(r->evidence, "8 of 10");
    /* Final at epoch 7: dead for 5 epochs (3..7), no decrease since epoch 2. */
    pfx_assert_has(r->evidence, "lowest in epochs 3-7 0.9: improved by 0%, below the 1%");
    detect_free(d);

    /* The same while the model still explains a quarter of what the mean leaves (loss
     * 0.75 of the baseline, just under collapse_fit = 0.8): dead units, only a warning. */
    g_autoptr(pfx) h = pfx_new_hidden(2, 10);
    pfx_push_healthy(h, 3);
    pfx_push_losses(h, 12, 0.75);
    set_last(h, 0, 12, 0.8, NAN);
    r = pfx_run_find(h, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    detect_free(d);
}

static void test_dead_relu_quiet(void)
{
    /* Just below the threshold for the whole run. */
    g_autoptr(pfx) f = pfx_new_hidden(2, 10);
    pfx_push_healthy(f, 60);
    set_last(f, 0, 60, 0.69, NAN);
    pfx_assert_silent(f, "dead_relu", NULL);
    /* Recovering: 80% dead for 8 epochs, then back to 10%: the warning no longer holds. */
    g_autoptr(pfx) g = pfx_new_hidden(2, 10);
    pfx_push_healthy(g, 20);
    set_last(g, 0, 12, 0.8, NAN);
    set_last(g, 0, 4, 0.1, NAN);
    pfx_assert_silent(g, "dead_relu", NULL);
    /* A constant tanh layer is not a ReLU matter. */
    g_autoptr(pfx) h = pfx_new_hidden(2, 10);
    pfx_layer(h, 0)->activation.kind = FL_ACT_TANH;
    pfx_push_healthy(h, 20);
    set_last(h, 0, 20, 1.0, NAN);
    pfx_assert_silent(h, "dead_relu", NULL);
    /* leaky_relu with a slope below zero passes gradient: not looked at either. */
    pfx_layer(h, 0)->activation = (fl_activation){FL_ACT_LEAKY_RELU, 0.3};
    pfx_assert_silent(h, "dead_relu", NULL);
    pfx_layer(h, 0)->activation = (fl_activation){FL_ACT_LEAKY_RELU, 0.0};
    detect_set *d;
    const finding_rec *r = pfx_run_find(h, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    detect_free(d);
    /* A dead ReLU head: the advice is a linear output. */
    g_autoptr(pfx) o = pfx_new_hidden(2, 10);
    pfx_layer(o, 1)->activation.kind = FL_ACT_RELU;
    pfx_push_healthy(o, 10);
    set_last(o, 1, 7, 1.0, NAN);
    r = pfx_run_find(o, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    pfx_assert_has(r->evidence, "1 of 1 ReLU units in l1 (100%)");
    pfx_assert_has(r->advice, "set model.l1.activation = \"linear\"");
    detect_free(d);
    /* A higher threshold from the options silences the warning of test_dead_relu_warns. */
    g_autoptr(pfx) k = pfx_new_hidden(2, 10);
    pfx_push_healthy(k, 20);
    set_last(k, 0, 10, 0.8, NAN);
    const char *const opts[] = {"threshold=0.85", NULL};
    pfx_assert_silent(k, "dead_relu", opts);
    /* The same 80% dead in a model that fits (0.069 of the mean's loss at epoch 59, below
     * the harm of 0.1): nothing; a harm below the fit brings the warning back. */
    g_autoptr(pfx) fit = pfx_new_hidden(2, 10);
    pfx_push_healthy(fit, 60);
    set_last(fit, 0, 10, 0.8, NAN);
    pfx_assert_silent(fit, "dead_relu", NULL);
    const char *const strict[] = {"harm=0.05", NULL};
    r = pfx_run_find(fit, "dead_relu", strict, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    detect_free(d);
}

static void test_dead_relu_preflight(void)
{
    g_autoptr(pfx) f = pfx_new_hidden(2, 10);
    fl_layer_desc *l = pfx_layer(f, 0);
    pfx_set_init(f, 0, "zeros");
    l->init_min = l->init_max = 0;
    l->init_std = 0;
    pfx_push_healthy(f, 1); /* epoch 0 only */
    set_last(f, 0, 1, 1.0, NAN);
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 0);
    pfx_assert_has(r->cause, "l0 starts with all-zero weights");
    pfx_assert_has(r->evidence, "100% of its 10 units");
    pfx_assert_has(r->advice, "model.l0.init = \"he_uniform\"");
    detect_free(d);
    /* All-zero but not constant at zero: min 0, max 0.1 is a real init. */
    l->init_max = 0.1;
    pfx_assert_silent(f, "dead_relu", NULL);
}

/* A stack of four 8-unit ReLU layers (l0..l3, l4 the output) initialized with init, whose
 * l2 is dead from epoch 0: dead_relu's finding (*d to be freed). */
static const finding_rec *dead_stack_finding(pfx **f, const char *init, detect_set **d)
{
    *f = pfx_new(1, 5, 2, 40);
    for (size_t k = 0; k < 4; k++)
        pfx_set_init(*f, k, init);
    pfx_push_healthy(*f, 10);
    for (size_t e = 0; e <= pfx_probes(*f)->n_epochs; e++)
        pfx_layers_at(*f, e)[2].dead = 1.0;
    const finding_rec *r = pfx_run_find(*f, "dead_relu", NULL, d);
    g_assert_nonnull(r);
    return r;
}

/* A deep narrow ReLU stack whose units die from the start despite He's initializer: the
 * first fix is a leaky ReLU on every hidden layer at once; a shallow net has no such fix. */
static void test_dead_relu_deep_stack(void)
{
    g_autoptr(pfx) f = NULL;
    detect_set *d;
    const finding_rec *r = dead_stack_finding(&f, "he_uniform", &d);
    const char *const stack[] = {"model.l0.activation=leaky_relu",
                                 "model.l1.activation=leaky_relu",
                                 "model.l2.activation=leaky_relu",
                                 "model.l3.activation=leaky_relu", NULL};
    g_assert_true(pfx_has_fix(r, stack));
    const char *const wider[] = {"model.l2.units=32", NULL};
    g_assert_true(pfx_has_fix(r, wider));
    g_assert_cmpuint(r->fixes->len, >=, 3);
    g_assert_true(g_strv_equal(pfx_fix_at(r, 0),
                               stack));
    detect_free(d);

    /* Two ReLU layers are no deep stack: per-layer fixes only. */
    g_autoptr(pfx) g = pfx_new(1, 3, 2, 40);
    for (size_t k = 0; k < 2; k++)
        pfx_set_init(g, k, "he_uniform");
    pfx_push_healthy(g, 10);
    for (size_t e = 0; e <= pfx_probes(g)->n_epochs; e++)
        pfx_layers_at(g, e)[1].dead = 1.0;
    r = pfx_run_find(g, "dead_relu", NULL, &d);
    g_assert_nonnull(r);
    for (guint i = 0; i < r->fixes->len; i++)
        g_assert_cmpuint(g_strv_length(((const finding_fix *)r->fixes->pdata[i])->edits), ==, 1);
    detect_free(d);
}

/* A deep stack dead from the start under an initializer not made for ReLU: the first fix
 * is leaky ReLU with He on every hidden layer; He on the dead layer alone comes after. */
static void test_dead_relu_deep_stack_small_init(void)
{
    g_autoptr(pfx) f = NULL;
    detect_set *d;
    const finding_rec *r = dead_stack_finding(&f, "uniform", &d);
    const char *const stack[] = {"model.l0.activation=leaky_relu", "model.l0.init=he_uniform",
                                 "model.l1.activation=leaky_relu", "model.l1.init=he_uniform",
                                 "model.l2.activation=leaky_relu", "model.l2.init=he_uniform",
                                 "model.l3.activation=leaky_relu", "model.l3.init=he_uniform",
                                 NULL};
    g_assert_cmpuint(r->fixes->len, >=, 2);
    g_assert_true(g_strv_equal(pfx_fix_at(r, 0),
                               stack));
    const char *const he[] = {"model.l2.init=he_uniform", NULL};
    g_assert_true(pfx_has_fix(r, he));
    detect_free(d);
}

/* ---------------------------------------------------------------- saturation */

static pfx *tanh_stream(void)
{
    pfx *f = pfx_new_hidden(50, 16);
    pfx_layer(f, 0)->activation.kind = FL_ACT_TANH;
    pfx_set_init(f, 0, "normal");
    pfx_layer(f, 0)->init_std = 1.0;
    return f;
}

static void test_saturation_warns(void)
{
    g_autoptr(pfx) f = tanh_stream();
    pfx_push_healthy(f, 9); /* the loss still 0.61 of the mean's at epoch 8 */
    set_last(f, 0, 9, NAN, 0.8); /* epochs 0..8 */
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, "saturation", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 0);
    pfx_assert_has(r->evidence,
                   pfx_fmt("%.0f%% of the probe pre-activations of l0 (tanh, 16 units)",
                           80.0));
    pfx_assert_has(r->evidence, "already at initialization");
    /* N(0, 1) over 50 inputs (std x sqrt(50) = 7) on inputs of unit scale: the init. */
    pfx_assert_has(r->advice, "set model.l0.init = \"glorot_uniform\" (now \"normal\", std 1 over "
                              "50 inputs)");
    pfx_assert_lacks(r->advice, "normalize");
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
    r = pfx_run_find(f, "saturation", NULL, &d);
    g_assert_nonnull(r);
    pfx_assert_has(r->advice,
                   pfx_fmt("set dataset.normalize = \"standard\" (the raw inputs have rms "
                           "%.3g)",
                           sqrt(sq / (double)(p->n_probe * p->n_in))));
    pfx_assert_lacks(r->advice, "init");
    detect_free(d);
    /* Already normalized and a Glorot-sized kernel: what is left is the bias. */
    p->normalize = FL_NORMALIZE_STANDARD;
    r = pfx_run_find(f, "saturation", NULL, &d);
    g_assert_nonnull(r);
    pfx_assert_has(r->advice, "check model.l0.bias_init");
    pfx_assert_lacks(r->advice, "set model.l0.init");
    detect_free(d);
}

/* Set layer k's update ratio for epochs from..to. */
static void set_moved(pfx *f, size_t k, size_t from, size_t to, double ratio)
{
    for (size_t e = from; e <= to; e++)
        pfx_layers_at(f, e)[k].update_ratio = ratio;
}

static void test_saturation_collapses(void)
{
    /* Saturated from epoch 3, loss flat at 0.95 of the baseline, weights frozen. */
    g_autoptr(pfx) f = tanh_stream();
    pfx_layer(f, 0)->activation.kind = FL_ACT_SIGMOID;
    pfx_push_healthy(f, 3);
    pfx_push_losses(f, 12, 0.95);
    set_last(f, 0, 12, NAN, 0.9); /* epochs 3..14 */
    set_moved(f, 0, 3, 14, 0.0);
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, "saturation", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_cmpint(r->epoch, ==, 3);
    pfx_assert_has(r->evidence, "90% of the probe pre-activations of l0 (sigmoid");
    pfx_assert_has(r->evidence, "lowest in epochs 3-7 0.95: improved by 0%, below the 1%");
    pfx_assert_has(r->evidence, "its weights moved by at most 0 of their norm per epoch");
    pfx_assert_lacks(r->evidence, "pull it out");
    pfx_assert_has(r->cause, "0.0067");
    double lr = pfx_probes(f)->base_lr;
    pfx_assert_has(r->advice, pfx_fmt("lower optimizer.lr from %.3g (try %.3g)", lr, lr / 10));
    detect_free(d);

    /* The same while the optimizer still moves the layer (5e-4 of its norm in one epoch of
     * every window, as Adam does on a bias-pinned tanh): only a warning. */
    for (size_t e = 3; e <= 14; e += 4)
        set_moved(f, 0, e, e, 5e-4);
    r = pfx_run_find(f, "saturation", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence, pfx_fmt("moved by at most %.2g of their norm per epoch, so the "
                                        "optimizer may still pull it out",
                                        5e-4));
    detect_free(d);
    /* Just under the frozen bound: final again. */
    set_moved(f, 0, 3, 14, 0.99e-4);
    r = pfx_run_find(f, "saturation", NULL, &d);
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
    pfx_assert_silent(f, "saturation", NULL);
    /* Recovering: saturated for 10 epochs, then not. */
    g_autoptr(pfx) g = tanh_stream();
    pfx_push_healthy(g, 20);
    set_last(g, 0, 14, NAN, 0.8);
    set_last(g, 0, 3, NAN, 0.2);
    pfx_assert_silent(g, "saturation", NULL);
    /* Saturated from the init to the end, while the model fits: the stream that warns
     * above, run on to epoch 49, leaves 0.086 of the mean's loss (below the harm of 0.1),
     * and nothing stands; a harm below it brings the warning back. */
    g_autoptr(pfx) fit = tanh_stream();
    pfx_push_healthy(fit, 50);
    set_last(fit, 0, 50, NAN, 0.8);
    pfx_assert_silent(fit, "saturation", NULL);
    const char *const strict[] = {"harm=0.08", NULL};
    detect_set *d;
    g_assert_nonnull(pfx_run_find(fit, "saturation", strict, &d));
    detect_free(d);
    /* A sigmoid head under a classification loss saturates on purpose. */
    g_autoptr(pfx) h = pfx_new_hidden(2, 8);
    pfx_layer(h, 1)->activation.kind = FL_ACT_SIGMOID;
    pfx_set_loss(h, "bce");
    pfx_push_healthy(h, 9); /* a fit still poor (0.61 of the mean's loss) */
    set_last(h, 1, 9, NAN, 0.95);
    pfx_assert_silent(h, "saturation", NULL);
    /* So does a sigmoid head fitting 0/1 targets with mse ... */
    pfx_set_loss(h, "mse");
    pfx_data dh = pfx_arrays(h);
    for (size_t r = 0; r < pfx_probes(h)->n_probe; r++)
        dh.probe_y[r] = (float)(r % 2);
    pfx_assert_silent(h, "saturation", NULL);
    /* ... but not one whose targets lie inside (0, 1). */
    dh.probe_y[0] = 0.5f;
    const finding_rec *r = pfx_run_find(h, "saturation", NULL, &d);
    g_assert_nonnull(r);
    pfx_assert_has(r->evidence, "of l1 (sigmoid");
    detect_free(d);
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
    const finding_rec *r = pfx_run_find(f, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 0);
    pfx_assert_has(r->evidence, "l0 (relu, 8 units) starts with all-zero weights (init \"zeros\")");
    pfx_assert_has(r->advice, "set model.l0.init = \"he_uniform\"");
    detect_free(d);

    /* The same under tanh: the random l1 breaks the symmetry, nothing to report. */
    pfx_layer(f, 0)->activation.kind = FL_ACT_TANH;
    pfx_assert_silent(f, "bad_init", NULL);

    /* ... unless l1 is all zero too: then no kernel gets a gradient. */
    set_const(pfx_layer(f, 1), 0, "zeros");
    pfx_layer(f, 1)->activation.kind = FL_ACT_TANH;
    r = pfx_run_find(f, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    pfx_assert_has(r->evidence, "the kernels it feeds (l1)");
    pfx_assert_has(r->cause, "only the biases can learn");
    pfx_assert_has(r->advice, "set model.l0.init = \"glorot_uniform\"");
    detect_free(d);

    /* Constant non-zero kernels all the way: symmetric. */
    g_autoptr(pfx) g = init_stream();
    pfx_push_healthy(g, 1);
    pfx_probes(g)->n_epochs = 0;
    set_const(pfx_layer(g, 0), 1, "ones");
    set_const(pfx_layer(g, 1), 1, "ones");
    set_const(pfx_layer(g, 2), 1, "ones");
    r = pfx_run_find(g, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence, "every weight of l0 (8 units) starts at 1 (init \"ones\")");
    pfx_assert_has(r->evidence, "every weight of l1 (8 units) starts at 1");
    pfx_assert_has(r->cause, "l0 acts as one unit");
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
    r = pfx_run_find(h, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    pfx_assert_has(r->evidence, "the kernels it feeds (l2)");
    detect_free(d);
}

static void test_bad_init_quiet(void)
{
    /* Only the output layer zero: its gradient is neither zero nor symmetric. */
    g_autoptr(pfx) f = init_stream();
    set_const(pfx_layer(f, 2), 0, "zeros");
    pfx_push_healthy(f, 10);
    pfx_assert_silent(f, "bad_init", NULL);
    /* A constant hidden layer feeding a random one. */
    set_const(pfx_layer(f, 1), 0.3, "constant");
    pfx_layer(f, 2)->init_min = -0.5;
    pfx_layer(f, 2)->init_max = 0.5;
    pfx_assert_silent(f, "bad_init", NULL);
    /* A constant batchnorm gamma is by design. */
    g_autoptr(pfx) g = init_stream();
    pfx_layer(g, 1)->plugin = "batchnorm";
    set_const(pfx_layer(g, 1), 1, "ones");
    pfx_layer(g, 1)->has_kernel = pfx_layer(g, 1)->has_bias = false; /* gamma and beta */
    pfx_push_healthy(g, 10);
    pfx_assert_silent(g, "bad_init", NULL);
}

static void test_bad_init_collapses(void)
{
    /* Zero relu l0 on the only path, constant for every epoch: final. */
    g_autoptr(pfx) f = init_stream();
    set_const(pfx_layer(f, 0), 0, "zeros");
    pfx_push_healthy(f, 7);
    set_last(f, 0, 7, 1.0, NAN); /* epochs 0..6 */
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_cmpint(r->epoch, ==, 0);
    pfx_assert_has(r->evidence, "all 8 of its units still output the same value");
    detect_free(d);
    /* Broken out of it by epoch 4: the pre-flight warning stays, nothing more. */
    g_autoptr(pfx) g = init_stream();
    set_const(pfx_layer(g, 0), 0, "zeros");
    pfx_push_healthy(g, 7);
    set_last(g, 0, 7, 1.0, NAN);
    set_last(g, 0, 4, 0.2, NAN);
    r = pfx_run_find(g, "bad_init", NULL, &d);
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
    pfx_assert_silent(h, "bad_init", NULL);
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
    const finding_rec *r = pfx_run_find(f, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence, pfx_fmt("pre-activations of std ~%.3g", 1.0 * sqrt(100.0)));
    pfx_assert_has(r->evidence, "60% of them beyond +-5 at epoch 0");
    pfx_assert_has(r->advice, "set model.l0.init = \"glorot_uniform\"");
    detect_free(d);
    /* Just under: 0.49 x sqrt(100) = 4.9. */
    l->init_std = 0.49;
    pfx_assert_silent(f, "bad_init", NULL);
    /* Wide, but at most half saturated at epoch 0: not reported (a deep sigmoid stack
     * initialized N(0, 1) trains). */
    l->init_std = 1.0;
    set_last(f, 0, 1, NAN, 0.5);
    pfx_assert_silent(f, "bad_init", NULL);
    /* The same width under relu is not a saturation matter. */
    l->init_std = 1.0;
    l->activation.kind = FL_ACT_RELU;
    pfx_assert_silent(f, "bad_init", NULL);
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
    const finding_rec *r = pfx_run_find(f, "bad_init", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence,
                   pfx_fmt("the predictions of y0 spread with std %.3g across the probe "
                           "inputs = %.3gx the target std %.3g",
                           out_std[0], 16.0, target_std));
    /* l0 sees 4 inputs: std 1 x sqrt(4) = 2 is not too wide; l1 and l2 (64 inputs: 8) are. */
    pfx_assert_has(r->evidence, pfx_fmt("on its path: l1 (init \"normal\", std 1 over 64 inputs: "
                                        "~%.3g), l2",
                                        sqrt(64.0)));
    pfx_assert_lacks(r->evidence, "l0 (init");
    pfx_assert_has(r->advice, "set model.l1.init = \"glorot_uniform\"; set model.l2.init");
    detect_free(d);
    /* 5x exactly is not more than 5x. */
    out_std[0] = 5.0 * target_std;
    pfx_assert_silent(f, "bad_init", NULL);
    /* Spread, but every kernel sized for its fan-in: the data's scale, not the init. */
    out_std[0] = 16.0 * target_std;
    for (size_t k = 0; k < 3; k++)
        pfx_layer(f, k)->init_std = 0.2;
    pfx_assert_silent(f, "bad_init", NULL);
}

void test_detect_units_add(void)
{
    pfx_add_detector_tests("/detect/units", detectors, G_N_ELEMENTS(detectors));
    g_test_add_func("/detect/units/dead_relu/warns", test_dead_relu_warns);
    g_test_add_func("/detect/units/dead_relu/collapses", test_dead_relu_collapses);
    g_test_add_func("/detect/units/dead_relu/quiet", test_dead_relu_quiet);
    g_test_add_func("/detect/units/dead_relu/preflight", test_dead_relu_preflight);
    g_test_add_func("/detect/units/dead_relu/deep-stack", test_dead_relu_deep_stack);
    g_test_add_func("/detect/units/dead_relu/deep-stack-small-init",
                    test_dead_relu_deep_stack_small_init);
    g_test_add_func("/detect/units/saturation/warns", test_saturation_warns);
    g_test_add_func("/detect/units/saturation/collapses", test_saturation_collapses);
    g_test_add_func("/detect/units/saturation/quiet", test_saturation_quiet);
    g_test_add_func("/detect/units/bad_init/preflight", test_bad_init_preflight);
    g_test_add_func("/detect/units/bad_init/quiet", test_bad_init_quiet);
    g_test_add_func("/detect/units/bad_init/collapses", test_bad_init_collapses);
    g_test_add_func("/detect/units/bad_init/wide", test_bad_init_wide);
    g_test_add_func("/detect/units/bad_init/wide_output", test_bad_init_wide_output);
}
