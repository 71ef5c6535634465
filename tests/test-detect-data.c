/* test-detect-data.c — the data and configuration causes: unscaled inputs, constant
 * targets, underfitting, penalties that overwhelm the data, an output activation that
 * cannot reach the targets, class imbalance.  What each detector is tested on:
 * probe-fixture.h. */
#include "detect-topics.h"
#include "probe-fixture.h"
#include "testutil.h"
#include "detect.h"
#include "priorities.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const pfx_detector detectors[] = {
    {"unscaled_input", FL_DETECTS_CAUSE, PRIORITY_UNSCALED_INPUT, 1},
    {"constant_target", FL_DETECTS_CAUSE, PRIORITY_CONSTANT_TARGET, 1},
    {"underfit", FL_DETECTS_CAUSE, PRIORITY_UNDERFIT, 1},
    {"over_regularization", FL_DETECTS_CAUSE, PRIORITY_OVER_REGULARIZATION, 1},
    {"output_activation", FL_DETECTS_CAUSE, PRIORITY_OUTPUT_ACTIVATION, 1},
    {"class_imbalance", FL_DETECTS_CAUSE, PRIORITY_CLASS_IMBALANCE, 1},
};

/* ---------------------------------------------------------------- unscaled_input */

static void test_unscaled_input(void)
{
    g_autoptr(pfx) f = pfx_new_hidden(3, 8);
    pfx_data d = pfx_arrays(f);
    d.input_std[1] = 2.0e4;
    d.input_absmax[1] = 9.0e4;
    d.input_std[2] = 0.5;
    pfx_push_healthy(f, 3);
    detect_set *ds;
    const finding_rec *r = pfx_run_find(f, "unscaled_input", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 0);
    pfx_assert_has(r->evidence, pfx_fmt("from %.3g (x2) to %.3g (x1): ratio %.3g", 0.5, 2.0e4,
                                        2.0e4 / 0.5));
    pfx_assert_has(r->evidence, pfx_fmt("|x1| reaches %.3g", 9.0e4));
    pfx_assert_has(r->cause,
                   pfx_fmt("%.3g-fold (%.1f orders of magnitude)", 2.0e4 / 0.5,
                           log10(2.0e4 / 0.5)));
    pfx_assert_has(r->advice, "dataset.normalize = \"standard\"");
    detect_free(ds);

    /* Either side of three orders of magnitude: 1.5e3 fires, 999 (below) does not. */
    d.input_std[1] = 1.5e3 * 0.05;
    d.input_std[2] = 0.05;
    d.input_absmax[1] = 90;
    r = pfx_run_find(f, "unscaled_input", NULL, &ds);
    g_assert_nonnull(r);
    pfx_assert_has(r->evidence, pfx_fmt("ratio %.3g", 1.5e3));
    pfx_assert_lacks(r->evidence, "reaches");
    detect_free(ds);
    d.input_std[1] = 2.0e4;
    d.input_std[2] = 0.5;
    d.input_absmax[1] = 9.0e4;
    g_assert_true(pfx_has_fix(pfx_finding(ds = pfx_run_one(f, "unscaled_input", NULL),
                                          "unscaled_input"),
                              (const char *const[]){"dataset.normalize=standard", NULL}));
    detect_free(ds);

    /* Regression targets far from unit scale too: named, and the first fix scales both. */
    d.target_std[0] = 3e6;
    d.target_max[0] = 1e7;
    r = pfx_run_find(f, "unscaled_input", NULL, &ds);
    g_assert_nonnull(r);
    pfx_assert_has(r->evidence, pfx_fmt("target y0 reaches %.3g (std %.3g)", 1e7, 3e6));
    pfx_assert_has(r->advice, "dataset.normalize_targets = \"standard\"");
    g_assert_true(g_strv_equal(pfx_fix_at(r, 0),
        (const char *const[]){"dataset.normalize=standard", "dataset.normalize_targets=standard",
                              NULL}));
    detect_free(ds);
    d.target_std[0] = 1.0;
    d.target_max[0] = 2.5;
    r = pfx_run_find(f, "unscaled_input", NULL, &ds);
    pfx_assert_lacks(r->evidence, "target");
    pfx_assert_lacks(r->advice, "normalize_targets");
    detect_free(ds);

    /* Raw 0-255 pixels: every feature of one scale, but far from unit scale. */
    for (size_t i = 0; i < 3; i++)
        d.input_std[i] = 80, d.input_absmax[i] = 255;
    r = pfx_run_find(f, "unscaled_input", NULL, &ds);
    g_assert_nonnull(r);
    pfx_assert_has(r->evidence, pfx_fmt("|x0| reaches %.3g", 255.0));
    pfx_assert_lacks(r->evidence, "ratio");
    detect_free(ds);
    d.input_std[1] = 2.0e4;
    d.input_absmax[1] = 9.0e4;
    d.input_std[2] = 0.5;
    d.input_std[0] = 1, d.input_absmax[0] = 3, d.input_absmax[2] = 3;

    /* Normalized data: the raw scales do not reach the network. */
    pfx_probes(f)->normalize = FL_NORMALIZE_STANDARD;
    pfx_assert_silent(f, "unscaled_input", NULL);
    pfx_probes(f)->normalize = FL_NORMALIZE_NONE;

    /* Just on the safe side: ratio 999 and |x| <= 100. */
    d.input_std[1] = 999 * 0.05;
    d.input_std[2] = 0.05;
    d.input_absmax[1] = 100;
    pfx_assert_silent(f, "unscaled_input", NULL);

    /* A large offset alone (small spread) is still a problem. */
    d.input_absmax[1] = 5000;
    d.input_std[1] = 2;
    r = pfx_run_find(f, "unscaled_input", NULL, &ds);
    g_assert_nonnull(r);
    pfx_assert_lacks(r->evidence, "ratio");
    pfx_assert_has(r->evidence, pfx_fmt("|x1| reaches %.3g (std %.3g)", 5000.0, 2.0));
    detect_free(ds);

    /* A constant feature (std 0) is ignored by the ratio. */
    d.input_absmax[1] = 3;
    d.input_std[1] = 0;
    pfx_assert_silent(f, "unscaled_input", NULL);

    /* Targets far from unit scale with inputs in range (raw or normalized): the targets
     * alone, fixed by scaling them. */
    d.target_std[0] = 3e6;
    d.target_max[0] = 1e7;
    for (int normalized = 0; normalized < 2; normalized++) {
        pfx_probes(f)->normalize = normalized ? FL_NORMALIZE_STANDARD : FL_NORMALIZE_NONE;
        r = pfx_run_find(f, "unscaled_input", NULL, &ds);
        g_assert_nonnull(r);
        g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
        pfx_assert_has(r->evidence, pfx_fmt("target y0 reaches %.3g (std %.3g); "
                                            "dataset.normalize_targets = \"none\"",
                                            1e7, 3e6));
        pfx_assert_lacks(r->evidence, "|x");
        pfx_assert_has(r->cause, pfx_fmt("targets are not normalized and reach %.3g", 1e7));
        pfx_assert_has(r->advice, "set dataset.normalize_targets = \"standard\"");
        g_assert_true(g_strv_equal(pfx_fix_at(r, 0), (const char *const[]){
                                       "dataset.normalize_targets=standard", NULL}));
        pfx_assert_lacks(r->advice, "dataset.normalize =");
        detect_free(ds);
    }
    /* A classification's 0/1 targets, or targets within 100: nothing to scale. */
    d.target_max[0] = 100;
    pfx_assert_silent(f, "unscaled_input", NULL);
    d.target_std[0] = 1.0;
    d.target_max[0] = 2.5;
    pfx_probes(f)->normalize = FL_NORMALIZE_NONE;
}

/* ---------------------------------------------------------------- constant_target */

static void test_constant_target(void)
{
    g_autoptr(pfx) f = pfx_new(2, 2, 2, 20);
    pfx_data d = pfx_arrays(f);
    pfx_push_healthy(f, 2);
    pfx_assert_silent(f, "constant_target", NULL);

    /* One of two columns constant: a warning naming it alone. */
    d.target_std[1] = 0;
    d.target_mean[1] = d.target_min[1] = d.target_max[1] = 3.5;
    detect_set *ds;
    const finding_rec *r = pfx_run_find(f, "constant_target", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence, "the targets of y1 are all 3.5");
    pfx_assert_lacks(r->evidence, "y0");
    pfx_assert_has(r->cause, "1 of 2 target columns (y1)");
    g_assert_true(r->finding_flags & FL_FINDING_FIX_THE_DATA);
    detect_free(ds);
    /* The same column varying over the validation rows of a split in file order. */
    fl_probes *p = pfx_probes(f);
    double vmin[2] = {-1, 3.5}, vmax[2] = {1, 7};
    p->val_target_min = vmin;
    p->val_target_max = vmax;
    r = pfx_run_find(f, "constant_target", NULL, &ds);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence, "the targets of y1 are all 3.5 (100 training rows); the "
                                "validation rows hold other values");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"dataset.shuffle=true", NULL}));
    detect_free(ds);
    p->val_target_min = p->val_target_max = NULL;

    /* Both: collapsed before training. */
    d.target_std[0] = 0;
    d.target_mean[0] = d.target_min[0] = d.target_max[0] = 0;
    r = pfx_run_find(f, "constant_target", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_cmpint(r->epoch, ==, 0);
    pfx_assert_has(r->evidence, "the targets of y0 are all 0");
    pfx_assert_has(r->evidence, "the targets of y1 are all 3.5");
    detect_free(ds);

    /* Tolerance relative to the magnitude: std 1e-7 around 1e3 is constant (1e-10 relative)
     * but std 1e-6 around 0 is not. */
    d.target_std[0] = 1e-7;
    d.target_mean[0] = 1e3;
    d.target_min[0] = 1e3 - 1e-7;
    d.target_max[0] = 1e3 + 1e-7;
    r = pfx_run_find(f, "constant_target", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    pfx_assert_has(r->evidence, "std 1e-07");
    detect_free(ds);
    d.target_std[0] = d.target_std[1] = 1e-6;
    d.target_mean[0] = d.target_mean[1] = 0;
    pfx_assert_silent(f, "constant_target", NULL);
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
    const finding_rec *r = pfx_run_find(f, "constant_target", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    pfx_assert_has(r->evidence, pfx_fmt("all %zu training rows are class y0 = 1", p->n_train));
    /* No configuration change can help: the finding says so and proposes none. */
    g_assert_true(r->finding_flags & FL_FINDING_FIX_THE_DATA);
    g_assert_null(r->fixes);
    detect_free(ds);
    /* Rows split in file order whose validation rows hold the other class: the split made
     * the training rows one class, and shuffling before it is the fix. */
    double vmin[1] = {0.0}, vmax[1] = {1.0};
    p->val_target_min = vmin;
    p->val_target_max = vmax;
    p->shuffled = false;
    r = pfx_run_find(f, "constant_target", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    pfx_assert_has(r->evidence, "the validation rows hold other values: the rows were split "
                                "in file order (dataset.shuffle = false)");
    pfx_assert_has(r->advice, "set dataset.shuffle = true");
    g_assert_false(r->finding_flags & FL_FINDING_FIX_THE_DATA);
    g_assert_true(pfx_has_fix(r, (const char *const[]){"dataset.shuffle=true", NULL}));
    detect_free(ds);
    /* Shuffled already, or validation rows of the same one class: the data's fault. */
    for (int shuffled = 1; shuffled >= 0; shuffled--) {
        p->shuffled = shuffled;
        vmin[0] = shuffled ? 0.0 : 1.0;
        r = pfx_run_find(f, "constant_target", NULL, &ds);
        g_assert_true(r->finding_flags & FL_FINDING_FIX_THE_DATA);
        g_assert_null(r->fixes);
        detect_free(ds);
    }
    p->val_target_min = p->val_target_max = NULL;
    /* Targets that are not 0/1 labels (prices under bce) are not one class: that is
     * output_activation's finding. */
    d.target_min[0] = 0.5;
    d.target_max[0] = 15.0;
    d.target_mean[0] = 5.0;
    d.target_std[0] = 3.0;
    pfx_assert_silent(f, "constant_target", NULL);
    d.target_min[0] = 0.0;
    d.target_max[0] = 1.0;
    d.target_mean[0] = 0.99;
    d.target_std[0] = 0.1;
    d.class_fraction[0] = 0.01;
    d.class_fraction[1] = 0.99;
    pfx_assert_silent(f, "constant_target", NULL);
}

/* Targets far from unit scale, the inputs of a common scale: not a pre-flight finding but
 * one that holds while the fit is poor (above half the mean's loss) or the loss is gone. */
static void test_unscaled_input_targets_harm(void)
{
    g_autoptr(pfx) f = pfx_new_hidden(3, 8);
    pfx_data d = pfx_arrays(f);
    d.target_std[0] = 3e6;
    d.target_max[0] = 1e7;
    pfx_push(f);
    pfx_push_losses(f, 5, 0.01);
    pfx_assert_silent(f, "unscaled_input", NULL);
    pfx_push_losses(f, 1, 0.9);
    detect_set *ds;
    const finding_rec *r = pfx_run_find(f, "unscaled_input", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 6);
    pfx_assert_has(r->evidence, pfx_fmt("target y0 reaches %.3g", 1e7));
    detect_free(ds);
    pfx_push_losses(f, 1, NAN);
    g_assert_nonnull(pfx_run_find(f, "unscaled_input", NULL, &ds));
    detect_free(ds);
    /* The fit good again: nothing holds. */
    pfx_push_losses(f, 1, 0.2);
    pfx_assert_silent(f, "unscaled_input", NULL);
}

/* ---------------------------------------------------------------- underfit */

/* The probe row nearest to probe row i in input space, searched naively: the tests'
 * own account of the neighbours underfit's floors use. */
static size_t naive_nearest(const fl_probes *p, pfx_data d, size_t i)
{
    size_t P = p->n_probe, n = p->n_in, nn = i;
    double best = INFINITY;
    for (size_t j = 0; j < P; j++) {
        double dist = 0;
        for (size_t k = 0; k < n; k++)
            dist += pow((double)d.probe_x[i * n + k] - d.probe_x[j * n + k], 2);
        if (j != i && dist < best) {
            best = dist;
            nn = j;
        }
    }
    return nn;
}

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
    for (size_t i = 0; i < P; i++)
        sum += pow((double)d.probe_y[i] - d.probe_y[naive_nearest(p, d, i)], 2);
    return sum / (2.0 * (double)P);
}

/* 0/1 labels for a bce classifier: the side of x0 (what neighbours predict), or labels
 * that alternate with the row (what they cannot); the model's probe predictions class the
 * first `right` share of the rows correctly.  Returns the leave-one-out accuracy of the
 * nearest neighbour, computed here, naively. */
static double class_targets(pfx *f, gboolean by_input, double right)
{
    pfx_set_loss(f, "bce");
    fl_probes *p = pfx_probes(f);
    pfx_data d = pfx_arrays(f);
    size_t P = p->n_probe, n = p->n_in;
    for (size_t r = 0; r < P; r++) {
        d.probe_y[r] = by_input ? (float)(d.probe_x[r * n] > 0) : (float)(r % 2);
        gboolean ok = (double)r < right * (double)P;
        d.probe_pred[r] = ok ? 0.1f + 0.8f * d.probe_y[r] : 0.9f - 0.8f * d.probe_y[r];
    }
    size_t agree = 0;
    for (size_t i = 0; i < P; i++)
        agree += d.probe_y[i] == d.probe_y[naive_nearest(p, d, i)];
    return (double)agree / (double)P;
}

static void test_underfit(void)
{
    g_autoptr(pfx) f = pfx_new_hidden(2, 8);
    double floor = smooth_targets(f);
    g_assert_cmpfloat(floor, >, 0);
    g_assert_cmpfloat(floor, <, 0.1); /* 40 rows in [-2, 2]^2: neighbours ~0.3 apart */
    pfx_push_healthy(f, 1);
    /* Falls linearly to 0.7 by epoch 20, then sits there until epoch 40. */
    for (int e = 1; e <= 20; e++)
        pfx_push_losses(f, 1, 1.0 - 0.3 * e / 20.0);
    pfx_push_losses(f, 20, 0.7);
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, "underfit", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 30);
    double base = pfx_probes(f)->baseline_loss;
    pfx_assert_has(r->evidence,
                   pfx_fmt("training data loss %.3g = %.0f%% of the loss of predicting "
                           "the mean (%.3g)",
                           0.7, 100 * 0.7 / base, base));
    pfx_assert_has(r->evidence, pfx_fmt("explains only %.0f%% of the target variance",
                                        100 * (1 - 0.7 / base)));
    pfx_assert_has(r->evidence,
                   pfx_fmt("the noise floor estimated from nearest neighbours over %zu "
                           "probe rows is %.3g",
                           pfx_probes(f)->n_probe, floor));
    pfx_assert_has(r->advice, "the model is 2-8-1 (l0 relu, l1 linear)");
    pfx_assert_has(r->advice, pfx_fmt("raise model.l0.units from %d (try %d)", 8, 32));
    detect_free(d);

    /* Worse than the mean: not a capacity matter, and the advice says so. */
    g_autoptr(pfx) g = pfx_new_hidden(2, 8);
    smooth_targets(g);
    pfx_push_healthy(g, 1);
    pfx_push_losses(g, 30, 1.2);
    r = pfx_run_find(g, "underfit", NULL, &d);
    g_assert_nonnull(r);
    pfx_assert_has(r->evidence, "worse than predicting the mean");
    pfx_assert_has(r->advice, "more capacity will not help");
    pfx_assert_lacks(r->advice, "units");
    /* The loss rose from 1.0 to 1.2: a smaller rate is tried first. */
    g_assert_true(g_strv_equal(pfx_fix_at(r, 0),
                               (const char *const[]){"optimizer.lr=0.0001", NULL}));
    detect_free(d);

    /* A loss that never left its value before training: the steps move nothing, a larger
     * rate is tried first (Adam at its usual 0.001: ten times it). */
    g_autoptr(pfx) still = pfx_new_hidden(2, 8);
    smooth_targets(still);
    pfx_push_healthy(still, 1);
    ((fl_epoch_probe *)fl_probes_epoch(pfx_probes(still), 0))->loss = 1.2;
    for (int e = 1; e <= 30; e++)
        pfx_push_losses(still, 1, 1.2 - 0.001 * e);
    r = pfx_run_find(still, "underfit", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpuint(r->fixes->len, ==, 2);
    g_assert_true(g_strv_equal(pfx_fix_at(r, 0),
                               (const char *const[]){"optimizer.lr=0.01", NULL}));
    g_assert_true(g_strv_equal(pfx_fix_at(r, 1),
                               (const char *const[]){"optimizer.lr=0.0001", NULL}));
    detect_free(d);

    /* At the mean's loss itself it may be capacity (a linear model on a target without a
     * linear part): the capacity advice stays. */
    g_autoptr(pfx) m = pfx_new_hidden(2, 8);
    smooth_targets(m);
    pfx_push_healthy(m, 1);
    pfx_push_losses(m, 30, 1.05);
    r = pfx_run_find(m, "underfit", NULL, &d);
    g_assert_nonnull(r);
    pfx_assert_has(r->advice, "raise model.l0.units");
    detect_free(d);

    /* A convolution (an output with rows, columns and channels) grows by its filters: the
     * advice and the fix name the key its layer has. */
    fl_layer_desc *conv = pfx_layer(f, 0);
    fl_shape flat = conv->out_shape;
    conv->out_shape = (fl_shape){.rank = 3, .dims = {1, 1, 8}};
    r = pfx_run_find(f, "underfit", NULL, &d);
    g_assert_nonnull(r);
    pfx_assert_has(r->advice, pfx_fmt("raise model.l0.filters from %d (try %d)", 8, 32));
    pfx_assert_lacks(r->advice, "units");
    detect_free(d);
    conv->out_shape = flat;

    /* A linear model: the advice is a nonlinear hidden layer. */
    pfx_layer(f, 0)->activation.kind = FL_ACT_LINEAR;
    r = pfx_run_find(f, "underfit", NULL, &d);
    g_assert_nonnull(r);
    pfx_assert_has(r->advice, "no nonlinear hidden layer: add one before l1");
    /* ... and the fix adds it (model.NAME={...} inserts a layer before the output). */
    g_assert_true(pfx_has_fix(r, (const char *const[]){
                                     "model.h1={units=32;activation=\"relu\";}", NULL}));
    detect_free(d);
}

/* Three layers: l0 without weights reads 8x8 images and leaves `left` x `left` of each,
 * l1 a convolution with 8 filters reads it, l2 the output reads l1; the loss sits at 0.7
 * of the mean's from epoch 10. */
static pfx *squeezed_stream(uint32_t left)
{
    pfx *f = pfx_new(1, 3, 64, 40);
    pfx_probes(f)->in_shape = (fl_shape){.rank = 3, .dims = {8, 8, 1}};
    fl_layer_desc *pool = pfx_layer(f, 0), *conv = pfx_layer(f, 1), *out = pfx_layer(f, 2);
    pool->plugin = "avg_pool2d";
    pool->has_weights = pool->has_kernel = pool->has_bias = false;
    pool->in_shape = pfx_probes(f)->in_shape;
    pool->out_shape = (fl_shape){.rank = 3, .dims = {left, left, 1}};
    pool->n_out = pool->units = (size_t)left * left;
    pool->activation.kind = FL_ACT_LINEAR;
    conv->plugin = "conv2d";
    conv->in_shape = pool->out_shape;
    conv->n_in = pool->n_out;
    conv->out_shape = (fl_shape){.rank = 3, .dims = {left, left, 8}};
    conv->n_out = (size_t)left * left * 8;
    conv->units = 8;
    out->in_shape = (fl_shape){.rank = 1, .dims = {(uint32_t)conv->n_out}};
    out->n_in = out->fan_in = conv->n_out;
    smooth_targets(f);
    pfx_push_healthy(f, 1);
    pfx_push_losses(f, 30, 0.7);
    return f;
}

/* Layers without weights that leave the first weighted layer one value of 64: the fix
 * moves that layer to the front (it reads the data, they read it, what read it reads
 * them); a squeeze of 4 (one value of 4 left) is no such case. */
static void test_underfit_squeezed(void)
{
    static const char *const no_floors[] = {"floor_factor=0", "nn_floor=false", NULL};
    g_autoptr(pfx) f = squeezed_stream(1);
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, "underfit", no_floors, &d);
    g_assert_nonnull(r);
    g_assert_true(g_strv_equal(pfx_fix_at(r, 0),
                               (const char *const[]){"model.l1.from=\"(data)\"",
                                                     "model.l0.from=l1", "model.l2.from=l0",
                                                     NULL}));
    pfx_assert_has(r->advice, "the layers from l0 to l0 leave l1 1 of the 64 input values");
    pfx_assert_has(r->advice, "put l1 first (model.l1.from = \"(data)\"");
    detect_free(d);

    g_autoptr(pfx) g = squeezed_stream(4);
    r = pfx_run_find(g, "underfit", no_floors, &d);
    g_assert_nonnull(r);
    for (guint k = 0; k < r->fixes->len; k++)
        for (const char *const *e = pfx_fix_at(r, k); *e; e++)
            g_assert_false(strstr(*e, "(data)"));
    pfx_assert_lacks(r->advice, "put l1 first");
    detect_free(d);
}

/* A poor regression whose loss starts at first (epoch 0) and from epoch 1 on falls as
 * 0.95 * pace^epoch, for 40 epochs. */
static pfx *paced_stream(double first, double pace)
{
    pfx *f = pfx_new_hidden(2, 8);
    smooth_targets(f);
    pfx_push_healthy(f, 1);
    ((fl_epoch_probe *)fl_probes_epoch(pfx_probes(f), 0))->loss = first;
    for (int e = 1; e <= 40; e++)
        pfx_push_losses(f, 1, 0.95 * pow(pace, e));
    return f;
}

static void test_underfit_quiet(void)
{
    /* Flat, but at 0.49 of the baseline: a fit, not an underfit. */
    g_autoptr(pfx) f = pfx_new_hidden(2, 8);
    smooth_targets(f);
    pfx_push_healthy(f, 1);
    pfx_push_losses(f, 40, 0.49);
    pfx_assert_silent(f, "underfit", NULL);
    /* Flat at 0.9, but the targets are noise: their nearest-neighbour floor (about the
     * variance of uniform [-1.7, 1.7], 0.96) is above 0.9 / 2, so the data allows no better. */
    g_autoptr(pfx) n = pfx_new_hidden(2, 8);
    pfx_push_healthy(n, 1);
    pfx_push_losses(n, 40, 0.9);
    pfx_assert_silent(n, "underfit", NULL);
    const char *const no_floor[] = {"floor_factor=0", NULL};
    detect_set *dn;
    g_assert_nonnull(pfx_run_find(n, "underfit", no_floor, &dn));
    detect_free(dn);
    /* The floor is for mse: mae keeps the plain ratio. */
    pfx_set_loss(n, "mae");
    g_assert_nonnull(pfx_run_find(n, "underfit", NULL, &dn));
    pfx_assert_lacks(pfx_finding(dn, "underfit")->evidence, "noise floor");
    detect_free(dn);
    /* A classifier flat at 0.9 of the prior's loss with 60% of the probe rows right, on
     * labels that the nearest neighbour gets right about half the time (they alternate
     * with the row): the labels allow no better, and it is not reported; without the
     * floor it is.  On labels its neighbours predict (the side of x0), 60% is an underfit. */
    g_autoptr(pfx) c = pfx_new_hidden(2, 8);
    pfx_push_healthy(c, 1);
    pfx_push_losses(c, 40, 0.9);
    double nn = class_targets(c, FALSE, 0.6);
    g_assert_cmpfloat(nn, <, 0.6);
    pfx_assert_silent(c, "underfit", NULL);
    const char *const no_nn[] = {"nn_floor=false", NULL};
    g_assert_nonnull(pfx_run_find(c, "underfit", no_nn, &dn));
    detect_free(dn);
    nn = class_targets(c, TRUE, 0.6);
    g_assert_cmpfloat(nn, >, 0.8);
    g_assert_nonnull(pfx_run_find(c, "underfit", NULL, &dn));
    detect_free(dn);
    /* ... and as right as its neighbours there, it is quiet again. */
    class_targets(c, TRUE, nn);
    pfx_assert_silent(c, "underfit", NULL);
    /* Poor but still improving by more than 1% per 10 epochs. */
    g_autoptr(pfx) g = pfx_new_hidden(2, 8);
    smooth_targets(g);
    pfx_push_healthy(g, 1);
    for (int e = 2; e <= 40; e++)
        pfx_push_losses(g, 1, 0.9 * pow(0.998, e));
    pfx_assert_silent(g, "underfit", NULL);
    /* Poor, improving by less than 1% per 10 epochs, but at the same pace since the start
     * (0.8% per 10 epochs for 40 epochs): a slow run, not a plateau.  The same pace at a
     * twentieth of it (0.04% per 10 epochs) is a run that has stopped, and is reported;
     * so is one that fell fast at first and now creeps at 0.8%. */
    g_autoptr(pfx) slow = paced_stream(0.95, 0.9992);
    g_assert_cmpfloat(fl_loss_improvement(pfx_probes(slow), 10), <, 0.01);
    pfx_assert_silent(slow, "underfit", NULL);
    g_autoptr(pfx) stuck = paced_stream(0.95, 0.99996);
    g_assert_nonnull(pfx_run_find(stuck, "underfit", NULL, &dn));
    detect_free(dn);
    g_autoptr(pfx) late = paced_stream(1.5, 0.9992);
    g_assert_nonnull(pfx_run_find(late, "underfit", NULL, &dn));
    detect_free(dn);
    /* Flat and poor from the start, but the warm-up (20% of 100 epochs) is not over. */
    g_autoptr(pfx) h = pfx_new_hidden(2, 8);
    smooth_targets(h);
    pfx_push_healthy(h, 1);
    pfx_push_losses(h, 19, 0.9);
    pfx_assert_silent(h, "underfit", NULL);
    pfx_push_losses(h, 1, 0.9);
    detect_set *d;
    const finding_rec *r = pfx_run_find(h, "underfit", NULL, &d);
    g_assert_nonnull(r);
    detect_free(d);
    /* Within the warm-up, a model that answers one value (every output's spread under 1%
     * of its targets' for the whole window) is not pausing: reported from min_epochs on,
     * and not before. */
    g_autoptr(pfx) one = pfx_new_hidden(2, 8);
    smooth_targets(one);
    pfx_push_healthy(one, 1);
    pfx_push_losses(one, 14, 0.9);
    pfx_assert_silent(one, "underfit", NULL);
    fl_probes *q = pfx_probes(one);
    for (size_t e = 0; e <= q->n_epochs; e++)
        ((double *)fl_probes_epoch(q, e)->out_std)[0] = 0.005 * q->target_std[0];
    r = pfx_run_find(one, "underfit", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->epoch, ==, 4);
    detect_free(d);
    /* One epoch of the window whose outputs moved: the warm-up holds again. */
    ((double *)fl_probes_epoch(q, q->n_epochs - 3)->out_std)[0] = 0.02 * q->target_std[0];
    pfx_assert_silent(one, "underfit", NULL);
    /* Nine epochs answering one value are short of min_epochs (10). */
    g_autoptr(pfx) early = pfx_new_hidden(2, 8);
    smooth_targets(early);
    pfx_push_healthy(early, 1);
    pfx_push_losses(early, 8, 0.9);
    fl_probes *qe = pfx_probes(early);
    for (size_t e = 0; e <= qe->n_epochs; e++)
        ((double *)fl_probes_epoch(qe, e)->out_std)[0] = 0;
    pfx_assert_silent(early, "underfit", NULL);

    /* The penalty does not count as misfit: loss 0.9 of which 0.5 is penalty. */
    fl_probes *p = pfx_probes(h);
    for (size_t e = 0; e <= p->n_epochs; e++)
        ((fl_epoch_probe *)p->history)[e].penalty = 0.5;
    pfx_assert_silent(h, "underfit", NULL);
}

/* ---------------------------------------------------------------- over_regularization */

static void test_over_regularization_preflight(void)
{
    g_autoptr(pfx) f = pfx_new_hidden(2, 8);
    pfx_layer(f, 0)->l2 = 10;
    fl_epoch_probe *h0 = pfx_push(f).e;
    h0->penalty = 50;
    h0->loss = 51;
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 0);
    pfx_assert_has(r->evidence,
                   pfx_fmt("the penalty is %.3g = %.3gx the data loss %.3g", 50.0, 50.0,
                           1.0));
    pfx_assert_has(r->evidence, "model.l0.l2 = 10");
    pfx_assert_has(r->advice, pfx_fmt("lower model.l0.l2 from 10 (try %.3g)", 1e-4));
    detect_free(d);
    /* Ten times the data loss exactly is not more than ten times. */
    h0->penalty = 10;
    h0->loss = 11;
    pfx_assert_silent(f, "over_regularization", NULL);
}

/* A penalized layer l0 whose weight norm drops to `w` from epoch 5 while the loss sits at
 * `loss` with `penalty` of it; 15 epochs. */
static pfx *shrink_stream(double w, double loss, double penalty)
{
    pfx *f = pfx_new_hidden(2, 8);
    pfx_layer(f, 0)->l2 = 1;
    pfx_push_healthy(f, 5);
    for (int i = 0; i < 10; i++) {
        fl_epoch_probe *e = pfx_push(f).e;
        e->loss = loss;
        e->penalty = penalty;
        pfx_layers_at(f, (size_t)e->epoch)[0].weight_norm = w;
    }
    return f;
}

static void test_over_regularization(void)
{
    /* Shrunk to 5% with a poor fit (data loss 0.59 of the baseline): a warning. */
    g_autoptr(pfx) f = shrink_stream(0.05, 0.6, 0.01);
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 5);
    double w0 = fl_epoch_layer(fl_probes_epoch(pfx_probes(f), 0), 0)->weight_norm;
    double base = pfx_probes(f)->baseline_loss;
    pfx_assert_has(r->evidence,
                   pfx_fmt("the weight norm of l0 (l2 = 1) fell from %.3g at epoch 0 to "
                           "%.3g (%.2g%%) and stayed below 0.1 of it since epoch 5",
                           w0, 0.05, 100 * 0.05 / w0));
    pfx_assert_has(r->evidence,
                   pfx_fmt("data loss %.3g = %.0f%% of the loss of predicting the mean",
                           0.6 - 0.01, 100 * (0.6 - 0.01) / base));
    pfx_assert_has(r->advice, "lower model.l0.l2 from 1 (try 0.0001)");
    detect_free(d);

    /* Held at 5% while the model explains next to nothing, loss flat: final as soon as it
     * held for the patience (epochs 5..9); sticky after that. */
    g_autoptr(pfx) g = shrink_stream(0.05, 0.95, 0.001);
    r = pfx_run_find(g, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_cmpint(r->epoch, ==, 5);
    pfx_assert_has(r->evidence, "lowest in epochs 5-9 0.95: improved by 0%, below the 1%");
    detect_free(d);

    /* Gone (5e-4 of the initial norm) with a merely poor fit, loss flat: final too. */
    g_autoptr(pfx) h = shrink_stream(5e-4, 0.6, 0.001);
    r = pfx_run_find(h, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    detect_free(d);

    /* Held small and explaining nothing, but the loss still falling 2% an epoch: a warning. */
    g_autoptr(pfx) k = shrink_stream(0.05, 0.95, 0.001);
    fl_probes *p = pfx_probes(k);
    for (size_t e = 1; e <= p->n_epochs; e++)
        ((fl_epoch_probe *)p->history)[e].loss = 0.99 * pow(0.98, (double)e);
    r = pfx_run_find(k, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    detect_free(d);

    /* Shrunk, the fit good, but the penalty most of the loss: a warning. */
    g_autoptr(pfx) m = shrink_stream(0.05, 0.2, 0.15);
    r = pfx_run_find(m, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence, pfx_fmt("the penalty is %.3g = %.2g%% of the loss", 0.15, 75.0));
    detect_free(d);
}

static void test_over_regularization_quiet(void)
{
    /* Just above a tenth of the initial norm. */
    g_autoptr(pfx) f = shrink_stream(0.11, 0.95, 0.01);
    pfx_assert_silent(f, "over_regularization", NULL);
    /* Shrunk, but the fit good and the penalty small. */
    g_autoptr(pfx) g = shrink_stream(0.05, 0.2, 0.01);
    pfx_assert_silent(g, "over_regularization", NULL);
    /* Shrunk and poor, but not penalized: not this detector's business. */
    g_autoptr(pfx) h = shrink_stream(0.05, 0.95, 0.0);
    pfx_layer(h, 0)->l2 = 0;
    pfx_assert_silent(h, "over_regularization", NULL);
}

/* Dropout at `rate` on l0; 5 healthy epochs, then 10 with the loss (training and
 * validation) at `loss` (the mean's is 1), falling by `per_epoch`. */
static pfx *dropout_stream(double rate, double loss, double per_epoch)
{
    pfx *f = pfx_new_hidden(2, 8);
    pfx_layer(f, 0)->drop_rate = rate;
    pfx_push_healthy(f, 5);
    fl_probes *p = pfx_probes(f);
    for (size_t e = 1; e <= p->n_epochs; e++)
        ((fl_epoch_probe *)p->history)[e].val_loss = 0.3; /* learning before it flattens */
    for (int i = 0; i < 10; i++, loss *= per_epoch)
        pfx_push_loss(f, loss).e->val_loss = loss;
    return f;
}

static void test_over_regularization_dropout(void)
{
    /* Dropping 99% with the loss flat at 95% of the mean's: named, a warning (at the end it
     * joins the flat output's collapse), from the first epoch above 0.8 of the mean's. */
    g_autoptr(pfx) f = dropout_stream(0.99, 0.95, 1.0);
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, "over_regularization", NULL, &d);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 5);
    pfx_assert_has(r->evidence, "in training l0 drops 99% of its inputs; the validation loss "
                                "has stayed above 0.8 x the loss of predicting the mean (1) "
                                "since epoch 5: 0.95 at epoch 9, 0.95 at epoch 14 (95%)");
    pfx_assert_has(r->advice, "lower model.l0.rate from 0.99 (try 0.2)");
    g_assert_cmpuint(r->fixes->len, ==, 2);
    g_assert_cmpstr(((const finding_fix *)r->fixes->pdata[0])->edits[0], ==, "model.l0.rate=0.2");
    g_assert_cmpstr(((const finding_fix *)r->fixes->pdata[1])->edits[0], ==, "model.l0.rate=0.5");
    detect_free(d);
    /* Half dropped (the usual rate), a loss that fits, or one still falling 2% an epoch:
     * nothing. */
    g_autoptr(pfx) g = dropout_stream(0.5, 0.95, 1.0);
    pfx_assert_silent(g, "over_regularization", NULL);
    g_autoptr(pfx) h = dropout_stream(0.99, 0.3, 1.0);
    pfx_assert_silent(h, "over_regularization", NULL);
    g_autoptr(pfx) k = dropout_stream(0.99, 0.95, 0.98);
    pfx_assert_silent(k, "over_regularization", NULL);
    /* The training loss high with dropout's noise, the validation loss learning: nothing. */
    g_autoptr(pfx) v = dropout_stream(0.99, 5.0, 1.0);
    fl_probes *p = pfx_probes(v);
    for (size_t e = 1; e <= p->n_epochs; e++)
        ((fl_epoch_probe *)p->history)[e].val_loss = 0.3;
    pfx_assert_silent(v, "over_regularization", NULL);
}

/* ---------------------------------------------------------------- output_activation */

/* The target statistics of three one-hot class columns. */
static pfx_data one_hot_targets(pfx *f)
{
    pfx_data d = pfx_arrays(f);
    for (size_t c = 0; c < 3; c++) {
        d.target_min[c] = 0, d.target_max[c] = 1;
        d.target_mean[c] = 1.0 / 3, d.target_std[c] = sqrt(2.0) / 3;
    }
    return d;
}

static const finding_rec *output_run(pfx *f, detect_set **d)
{
    return pfx_run_find(f, "output_activation", NULL, d);
}

static void test_output_activation_regression(void)
{
    g_autoptr(pfx) f = pfx_new_hidden(2, 8);
    pfx_data d = pfx_arrays(f);
    fl_layer_desc *out = pfx_layer(f, 1);
    pfx_push_healthy(f, 1);
    pfx_assert_silent(f, "output_activation", NULL);
    detect_set *ds;

    /* relu output, targets down to -2.5: some out of reach. */
    out->activation.kind = FL_ACT_RELU;
    const finding_rec *r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence,
                   pfx_fmt("the targets of y0 lie in [%.3g, %.3g] but l1's relu output "
                           "is >= 0",
                           d.target_min[0], d.target_max[0]));
    pfx_assert_has(r->advice, "set model.l1.activation = \"linear\"");
    detect_free(ds);
    /* ... and 0 for every probe input before training: dead from the start, a collapse. */
    fl_epoch_probe *e0 = (fl_epoch_probe *)fl_probes_epoch(pfx_probes(f), 0);
    double max0 = e0->out_max[0], min0 = e0->out_min[0];
    ((double *)e0->out_max)[0] = ((double *)e0->out_min)[0] = 0;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    pfx_assert_has(r->evidence, "outputs 0 for every probe input before training");
    pfx_assert_has(r->cause, "dead from the start");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"model.l1.activation=linear", NULL}));
    detect_free(ds);
    ((double *)e0->out_max)[0] = max0;
    ((double *)e0->out_min)[0] = min0;
    /* ... all negative: none in reach. */
    d.target_min[0] = -3;
    d.target_max[0] = -0.5;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    detect_free(ds);
    /* ... all >= 0: silent by default (every target is in reach), a warning (a relu
     * output can die) when asked for. */
    d.target_min[0] = 0;
    d.target_max[0] = 4;
    pfx_assert_silent(f, "output_activation", NULL);
    const char *const on[] = {"relu_output=true", NULL};
    r = pfx_run_find(f, "output_activation", on, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->cause, "cannot recover once its pre-activation goes negative");
    detect_free(ds);
    /* softplus on non-negative targets is fine. */
    out->activation.kind = FL_ACT_SOFTPLUS;
    pfx_assert_silent(f, "output_activation", NULL);

    /* sigmoid: [0, 1] fine, [-0.5, 0.5] partly out, [2, 3] none in. */
    out->activation.kind = FL_ACT_SIGMOID;
    d.target_min[0] = 0;
    d.target_max[0] = 1;
    pfx_assert_silent(f, "output_activation", NULL);
    d.target_min[0] = -0.5;
    d.target_max[0] = 0.5;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence, "sigmoid output is in [0, 1]");
    detect_free(ds);
    d.target_min[0] = 2;
    d.target_max[0] = 3;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    pfx_assert_has(r->cause, "no target of y0 is within reach");
    detect_free(ds);
    /* tanh: [-1, 1] fine, [-1, 1.5] partly out. */
    out->activation.kind = FL_ACT_TANH;
    d.target_min[0] = -1;
    d.target_max[0] = 1;
    pfx_assert_silent(f, "output_activation", NULL);
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
    pfx_assert_has(r->cause, "always 1.0");
    detect_free(ds);
}

/* One unit under cce: each row divided by its sum is always 1.0, whatever the activation:
 * collapsed before training, repaired by bce (with a sigmoid where it is not one). */
static void test_output_activation_one_unit_cce(void)
{
    g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
    fl_probes *p = pfx_probes(f);
    fl_layer_desc *out = pfx_layer(f, 1);
    pfx_set_loss(f, "cce");
    p->n_classes = 2;
    pfx_data d = pfx_arrays(f);
    d.target_min[0] = 0, d.target_max[0] = 1, d.target_mean[0] = 0.5, d.target_std[0] = 0.5;
    pfx_push_healthy(f, 1);
    out->activation.kind = FL_ACT_SIGMOID;
    detect_set *ds;
    const finding_rec *r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    pfx_assert_has(r->evidence, "l1 has one unit under cce");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"loss=bce", NULL}));
    detect_free(ds);
    out->activation.kind = FL_ACT_LINEAR;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_true(pfx_has_fix(r, (const char *const[]){"loss=bce", "model.l1.activation=sigmoid",
                                                       NULL}));
    detect_free(ds);
    /* The same unit under bce is what it should be. */
    out->activation.kind = FL_ACT_SIGMOID;
    pfx_set_loss(f, "bce");
    pfx_assert_silent(f, "output_activation", NULL);
}

static void test_output_activation_classification(void)
{
    g_autoptr(pfx) f = pfx_new(3, 2, 2, 20);
    fl_probes *p = pfx_probes(f);
    fl_layer_desc *out = pfx_layer(f, 1);
    pfx_set_loss(f, "cce");
    p->n_classes = 3;
    pfx_data d = one_hot_targets(f);
    pfx_push_healthy(f, 1);
    detect_set *ds;
    const finding_rec *r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence, "l1 has a linear output under cce");
    pfx_assert_has(r->advice, "set model.l1.activation = \"softmax\"");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"model.l1.activation=softmax", NULL}));
    detect_free(ds);
    out->activation.kind = FL_ACT_SOFTMAX;
    pfx_assert_silent(f, "output_activation", NULL);
    /* A sigmoid output under cce trains (cce normalizes each row; nothing is clipped):
     * silent.  A relu one can output 0 for every class: warned. */
    out->activation.kind = FL_ACT_SIGMOID;
    pfx_assert_silent(f, "output_activation", NULL);
    out->activation.kind = FL_ACT_RELU;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence, "l1 has a relu output under cce");
    detect_free(ds);
    /* The untrained network's loss already NaN (rows of zeros summed to 0): a collapse,
     * the output's and not the rate's. */
    fl_epoch_probe *e0 = (fl_epoch_probe *)fl_probes_epoch(pfx_probes(f), 0);
    double loss0 = e0->loss;
    e0->loss = NAN;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    pfx_assert_has(r->evidence, "relu output under cce, and the untrained network's loss is "
                                "already nan");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"model.l1.activation=softmax", NULL}));
    detect_free(ds);
    e0->loss = loss0;

    /* bce on one-hot targets: the pair that suits them is softmax and cce. */
    out->activation.kind = FL_ACT_LINEAR;
    pfx_set_loss(f, "bce");
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    pfx_assert_has(r->advice, "set model.l1.activation = \"sigmoid\"");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"model.l1.activation=softmax",
                                                       "loss=cce", NULL}));
    detect_free(ds);
    /* bce on targets that are not probabilities (labels 0/1/2 in one column, prices):
     * collapsed before training, fixed by a regression output and loss. */
    d.target_max[2] = 2;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    pfx_assert_has(r->evidence, "the targets of y2 lie in [0, 2] but bce takes probabilities");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"model.l1.activation=linear",
                                                       "loss=mse", NULL}));
    detect_free(ds);
    d.target_max[2] = 1;
    out->activation.kind = FL_ACT_SIGMOID;
    pfx_assert_silent(f, "output_activation", NULL);

    pfx_set_loss(f, "hinge");
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    pfx_assert_has(r->cause, "never negative");
    detect_free(ds);
    out->activation.kind = FL_ACT_TANH;
    pfx_assert_silent(f, "output_activation", NULL);
}

/* A softmax under a regression loss: warned where the targets are values, silent where
 * they are one-hot rows, which a softmax outputs (mse learns them, only more slowly). */
static void test_output_activation_softmax_mse(void)
{
    g_autoptr(pfx) f = pfx_new(3, 2, 2, 20);
    fl_layer_desc *out = pfx_layer(f, 1);
    out->activation.kind = FL_ACT_SOFTMAX;
    pfx_data d = pfx_arrays(f);
    for (size_t c = 0; c < 3; c++) {
        d.target_min[c] = -1, d.target_max[c] = 2;
        d.target_mean[c] = 0.5, d.target_std[c] = 0.8;
    }
    pfx_push_healthy(f, 1);
    detect_set *ds;
    const finding_rec *r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    pfx_assert_has(r->evidence, "l1 (3 units) has a softmax output under the regression loss");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"model.l1.activation=linear", NULL}));
    detect_free(ds);
    one_hot_targets(f);
    pfx_assert_silent(f, "output_activation", NULL);
    /* Columns in [0, 1] whose means do not sum to 1 are not one class per row. */
    d.target_mean[2] = 0.6;
    g_assert_nonnull(output_run(f, &ds));
    detect_free(ds);
}

/* A head that only passes a layer's values on (a dropout or flatten without an activation
 * of its own) outputs what that layer outputs: judged, and named in the fixes, by it. */
static void test_output_activation_pass_through(void)
{
    g_autoptr(pfx) f = pfx_new(3, 3, 2, 20);
    fl_probes *p = pfx_probes(f);
    fl_layer_desc *mid = pfx_layer(f, 1), *head = pfx_layer(f, 2);
    mid->n_out = mid->units = mid->out_shape.dims[0] = 3;
    mid->is_output = false;
    head->n_in = head->fan_in = head->in_shape.dims[0] = 3;
    head->has_weights = head->has_kernel = head->has_bias = false;
    pfx_set_loss(f, "cce");
    p->n_classes = 3;
    one_hot_targets(f);
    pfx_push_healthy(f, 1);
    mid->activation.kind = FL_ACT_SOFTMAX;
    pfx_assert_silent(f, "output_activation", NULL);
    /* What it passes on is a relu layer's: that layer is the one to change. */
    mid->activation.kind = FL_ACT_RELU;
    detect_set *ds;
    const finding_rec *r = output_run(f, &ds);
    g_assert_nonnull(r);
    pfx_assert_has(r->evidence, "l1 has a relu output under cce");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"model.l1.activation=softmax", NULL}));
    detect_free(ds);
    /* A head with weights of its own is judged by itself, whatever it reads. */
    mid->activation.kind = FL_ACT_SOFTMAX;
    head->has_weights = head->has_kernel = true;
    r = output_run(f, &ds);
    g_assert_nonnull(r);
    pfx_assert_has(r->evidence, "l2 has a linear output under cce");
    detect_free(ds);
}

/* Three one-hot classes on l1's units under `loss`: probe rows one-hot, 5 healthy epochs,
 * then 10 with the loss at `fit` x the mean's. */
static pfx *classes_as_values(fl_activation_kind act, const char *loss, double fit)
{
    pfx *f = pfx_new(3, 2, 2, 30);
    pfx_set_loss(f, loss);
    one_hot_targets(f);
    pfx_data d = pfx_arrays(f);
    for (size_t r = 0; r < 30; r++)
        for (size_t c = 0; c < 3; c++)
            d.probe_y[r * 3 + c] = c == r % 3 ? 1.0f : 0.0f;
    pfx_layer(f, 1)->activation.kind = act;
    pfx_push_healthy(f, 5);
    for (int i = 0; i < 10; i++)
        pfx_push_loss(f, fit * pfx_probes(f)->baseline_loss);
    return f;
}

/* One-hot classes learned as separate values that sit at the class shares: named during
 * training, a warning, with softmax and cce as the fix. */
static void test_output_activation_classes_as_values(void)
{
    g_autoptr(pfx) f = classes_as_values(FL_ACT_SIGMOID, "mse", 0.99);
    detect_set *ds;
    const finding_rec *r = output_run(f, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 5);
    pfx_assert_has(r->evidence, "l1's 3 sigmoid units learn one-hot classes under mse as "
                                "separate values");
    pfx_assert_has(r->evidence, "is 99% of the loss of predicting the class shares");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"model.l1.activation=softmax",
                                                        "loss=cce", NULL}));
    detect_free(ds);
    /* Learning (half the mean's loss), a softmax already, or cce: nothing. */
    g_autoptr(pfx) g = classes_as_values(FL_ACT_SIGMOID, "mse", 0.5);
    pfx_assert_silent(g, "output_activation", NULL);
    g_autoptr(pfx) h = classes_as_values(FL_ACT_SOFTMAX, "mse", 0.99);
    pfx_assert_silent(h, "output_activation", NULL);
    g_autoptr(pfx) k = classes_as_values(FL_ACT_SIGMOID, "cce", 0.99);
    pfx_assert_silent(k, "output_activation", NULL);
    /* Rows with two labels (the counts averaging one by chance): not classes. */
    g_autoptr(pfx) m = classes_as_values(FL_ACT_SIGMOID, "mse", 0.99);
    pfx_arrays(m).probe_y[0 * 3 + 1] = 1.0f;
    pfx_assert_silent(m, "output_activation", NULL);
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
            d.probe_pred[r * no + o] =
                no == 1 ? (predicted ? 0.9f : 0.1f) : (o == predicted ? 0.8f : 0.05f);
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
    const finding_rec *r = pfx_run_find(f, "class_imbalance", NULL, &ds);
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING); /* the loss still falls */
    g_assert_cmpint(r->epoch, ==, 1); /* held since the first trained epoch */
    pfx_assert_has(r->evidence, pfx_fmt("y0 = 0 %.3g%%, y0 = 1 %.3g%%", 95.0, 5.0));
    pfx_assert_has(r->evidence, pfx_fmt("y0 = 0 is %.3g times y0 = 1", 0.95 / 0.05));
    pfx_assert_has(r->evidence, "2 of the 2 probe rows of other classes are answered y0 = 0");
    pfx_assert_has(r->advice, "oversample y0 = 1");
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
        const finding_rec *rh = pfx_run_find(h, "class_imbalance", NULL, &dh);
        g_assert_nonnull(rh);
        g_assert_cmpint(rh->level, ==, FL_LEVEL_COLLAPSED);
        pfx_assert_has(rh->evidence, pfx_fmt("data loss 0.3 = %.0f%% of the loss of predicting the "
                                             "class shares (0.325)",
                                             100 * 0.3 / 0.325));
        detect_free(dh);
        /* The same answers with a loss far below the prior's: it has learned; no finding. */
        pfx_probes(h)->baseline_loss = 1.0;
        pfx_assert_silent(h, "class_imbalance", NULL);
    }
    /* The same imbalance learned well (minority rows answered right): no finding. */
    imbalance_rows(f, 2, 1, 1);
    for (size_t r2 = 2; r2 < p->n_probe; r2++)
        d.probe_pred[r2] = 0.1f;
    pfx_assert_silent(f, "class_imbalance", NULL);
    imbalance_rows(f, 2, 1, 0);
    /* Either side of 4:1: 0.81 / 0.19 = 4.26 fires, 0.79 / 0.21 = 3.76 does not. */
    d.class_fraction[0] = 0.81;
    d.class_fraction[1] = 0.19;
    r = pfx_run_find(f, "class_imbalance", NULL, &ds);
    g_assert_nonnull(r);
    pfx_assert_has(r->evidence, pfx_fmt("is %.3g times", 0.81 / 0.19));
    detect_free(ds);
    d.class_fraction[0] = 0.79;
    d.class_fraction[1] = 0.21;
    pfx_assert_silent(f, "class_imbalance", NULL);
    /* Regression: no classes. */
    p->loss_flags = 0;
    p->n_classes = 0;
    d.class_fraction[0] = 0.95;
    d.class_fraction[1] = 0.05;
    pfx_assert_silent(f, "class_imbalance", NULL);

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
    r = pfx_run_find(g, "class_imbalance", NULL, &ds);
    g_assert_nonnull(r);
    pfx_assert_has(r->evidence, pfx_fmt("y0 is %.3g times y2", 0.6 / 0.05));
    pfx_assert_has(r->advice, "oversample y2 or undersample y0");
    detect_free(ds);
}

void test_detect_data_add(void)
{
    pfx_add_detector_tests("/detect/data", detectors, G_N_ELEMENTS(detectors));
    g_test_add_func("/detect/data/unscaled_input", test_unscaled_input);
    g_test_add_func("/detect/data/unscaled_input/targets-harm", test_unscaled_input_targets_harm);
    g_test_add_func("/detect/data/constant_target", test_constant_target);
    g_test_add_func("/detect/data/constant_target/one_class", test_constant_target_one_class);
    g_test_add_func("/detect/data/underfit", test_underfit);
    g_test_add_func("/detect/data/underfit/quiet", test_underfit_quiet);
    g_test_add_func("/detect/data/underfit/squeezed", test_underfit_squeezed);
    g_test_add_func("/detect/data/over_regularization/preflight",
                    test_over_regularization_preflight);
    g_test_add_func("/detect/data/over_regularization", test_over_regularization);
    g_test_add_func("/detect/data/over_regularization/quiet", test_over_regularization_quiet);
    g_test_add_func("/detect/data/over_regularization/dropout", test_over_regularization_dropout);
    g_test_add_func("/detect/data/output_activation/classes-as-values",
                    test_output_activation_classes_as_values);
    g_test_add_func("/detect/data/output_activation/regression", test_output_activation_regression);
    g_test_add_func("/detect/data/output_activation/softmax-mse",
                    test_output_activation_softmax_mse);
    g_test_add_func("/detect/data/output_activation/pass-through",
                    test_output_activation_pass_through);
    g_test_add_func("/detect/data/output_activation/classification",
                    test_output_activation_classification);
    g_test_add_func("/detect/data/output_activation/one-unit-cce", test_output_activation_one_unit_cce);
    g_test_add_func("/detect/data/class_imbalance", test_class_imbalance);
}
