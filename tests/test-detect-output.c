/* test-detect-output.c — the symptom detectors: a network that predicts one value whatever
 * the input.  What each detector is tested on: probe-fixture.h. */
#include "detect-topics.h"
#include "probe-fixture.h"
#include "testutil.h"
#include "detect.h"
#include "priorities.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const pfx_detector detectors[] = {
    {"constant_output", FL_DETECTS_SYMPTOM, PRIORITY_SYMPTOM, 2},
    {"zero_output", FL_DETECTS_SYMPTOM, PRIORITY_SYMPTOM, 2},
    {"identical_heads", FL_DETECTS_SYMPTOM, PRIORITY_SYMPTOM, 2},
    {"single_class", FL_DETECTS_SYMPTOM, PRIORITY_SYMPTOM, 2},
};

/* ---------------------------------------------------------------- constant_output */

/* Two outputs; y0's targets have std 2.  Epochs 1-3 healthy, then y0's spread drops to
 * `std` from epoch 4 for `n` epochs with the loss given by loss(k). */
static pfx *constant_stream(double std, int n, double start_loss, double per_epoch)
{
    pfx *f = pfx_new(2, 2, 2, 50);
    pfx_arrays(f).target_std[0] = 2.0;
    pfx_push(f);
    pfx_push_healthy(f, 3);
    double loss = start_loss;
    for (int i = 0; i < n; i++, loss *= per_epoch) {
        pfx_epoch e = pfx_push_loss(f, loss);
        e.out_std[0] = std;
        e.out_min[0] = 0.3 - 2 * std;
        e.out_max[0] = 0.3 + 2 * std;
    }
    return f;
}

static void test_constant_output_collapse(void)
{
    g_autoptr(pfx) f = constant_stream(1e-4, 10, 0.98, 1.0);
    g_autoptr(detect_set) d = pfx_run_one(f, "constant_output", NULL);
    const finding_rec *r = pfx_finding(d, "constant_output");
    pfx_check(r, FL_LEVEL_COLLAPSED, 4);
    pfx_assert_has(r->evidence, "output y0");
    pfx_assert_lacks(r->evidence, "y1");
    pfx_assert_has(r->evidence, pfx_num(1e-4));       /* the std */
    pfx_assert_has(r->evidence, pfx_num(1e-4 / 2.0)); /* = ratio x target std */
    pfx_assert_has(r->evidence, "target std 2");
    pfx_assert_has(r->evidence, "since epoch 4");
    pfx_assert_has(r->evidence, "50 probe inputs");
    pfx_assert_has(r->advice, "causes listed first");

    /* The same output whose targets are alike on every probe row (a class no probe row
     * belongs to): answering them alike is right, nothing is reported. */
    pfx_data a = pfx_arrays(f);
    for (size_t row = 0; row < 50; row++)
        a.probe_y[row * 2 + 0] = 0.0f;
    pfx_assert_silent(f, "constant_output", NULL);
}

/* The loss is judged stalled over the run's own time scale: in a run of 1,000 planned
 * epochs, a low spread with a flat loss for 10 epochs is a warning (a network at its
 * plateau before it learns), and a collapse once it has lasted 2% of the run (20 epochs);
 * plateau_share=0 judges over patience epochs alone, as a short run is. */
static void test_constant_output_long_run(void)
{
    g_autoptr(pfx) f = constant_stream(1e-3, 10, 0.98, 1.0);
    pfx_probes(f)->max_epochs = 1000;
    g_autoptr(detect_set) d = pfx_run_one(f, "constant_output", NULL);
    pfx_check(pfx_finding(d, "constant_output"), FL_LEVEL_WARNING, 4);
    const char *short_window[] = {"plateau_share=0", NULL};
    g_autoptr(detect_set) d0 = pfx_run_one(f, "constant_output", short_window);
    pfx_check(pfx_finding(d0, "constant_output"), FL_LEVEL_COLLAPSED, 4);

    g_autoptr(pfx) g = constant_stream(1e-3, 30, 0.98, 1.0);
    pfx_probes(g)->max_epochs = 1000;
    g_autoptr(detect_set) dg = pfx_run_one(g, "constant_output", NULL);
    const finding_rec *r = pfx_finding(dg, "constant_output");
    pfx_check(r, FL_LEVEL_COLLAPSED, 4);
    /* Called when the low stretch fills the window: epochs 4-23 against epoch 3. */
    pfx_assert_has(r->evidence, "loss 0.828 at epoch 3, lowest in epochs 4-23 0.98");
    /* Falling 0.1% an epoch from where the healthy epochs left it, 2% over those 20
     * epochs: learning, a warning. */
    g_autoptr(pfx) h = constant_stream(1e-3, 30, 0.8, 0.999);
    pfx_probes(h)->max_epochs = 1000;
    g_autoptr(detect_set) dh = pfx_run_one(h, "constant_output", NULL);
    pfx_check(pfx_finding(dh, "constant_output"), FL_LEVEL_WARNING, 4);
}

static pfx *zero_stream(double lo, double hi, int n, double start_loss, double per_epoch);

/* One output whose targets have std 2: epochs 1-3 healthy, then 10 epochs with its spread
 * at `ratio` x the targets' and the loss at `loss` (the mean's is 1); the run planned
 * `planned` epochs (13: this is its end). */
static pfx *end_stream(double ratio, double loss, int planned)
{
    pfx *f = pfx_new(1, 2, 2, 50);
    pfx_arrays(f).target_std[0] = 2.0;
    pfx_probes(f)->max_epochs = planned;
    pfx_push(f);
    pfx_push_healthy(f, 3);
    for (int i = 0; i < 10; i++) {
        pfx_epoch e = pfx_push_loss(f, loss);
        e.out_std[0] = 2.0 * ratio;
        e.out_min[0] = 0.3 - 4 * ratio;
        e.out_max[0] = 0.3 + 4 * ratio;
    }
    return f;
}

/* Flat at the run's end: a spread above the 1% rule's but under a tenth of the targets',
 * at the mean's loss, is a collapse once the last planned epoch is run, and only then. */
static void test_constant_output_at_end(void)
{
    g_autoptr(pfx) f = end_stream(0.05, 0.98, 13);
    g_autoptr(detect_set) d = pfx_run_one(f, "constant_output", NULL);
    const finding_rec *r = pfx_finding(d, "constant_output");
    pfx_check(r, FL_LEVEL_COLLAPSED, 4);
    pfx_assert_has(r->evidence, "after all 13 epochs");
    pfx_assert_has(r->evidence, pfx_fmt("(%.3g x at most; the flattest, y0, %.3g x)", 0.05, 0.05));
    pfx_assert_has(r->evidence, "since epoch 4");
    pfx_assert_has(r->evidence, "is 98% of the loss of predicting the mean");
    /* Before the end: nothing (the 1% rule does not hold). */
    g_autoptr(pfx) g = end_stream(0.05, 0.98, 100);
    pfx_assert_silent(g, "constant_output", NULL);
    /* At the end, but learning (90% of the mean's loss), or a spread of 12%: nothing. */
    g_autoptr(pfx) h = end_stream(0.05, 0.90, 13);
    pfx_assert_silent(h, "constant_output", NULL);
    g_autoptr(pfx) k = end_stream(0.12, 0.98, 13);
    pfx_assert_silent(k, "constant_output", NULL);
    /* Switched off. */
    g_autoptr(pfx) m = end_stream(0.05, 0.98, 13);
    const char *off[] = {"end_rel_std=0", NULL};
    pfx_assert_silent(m, "constant_output", off);
}


/* No fix of the set makes an edit of `key`. */
static void assert_no_edit_of(const finding_rec *r, const char *key)
{
    for (guint i = 0; r->fixes && i < r->fixes->len; i++)
        for (char **e = ((const finding_fix *)r->fixes->pdata[i])->edits; *e; e++)
            g_assert_false(g_str_has_prefix(*e, key));
}

/* Regression targets far from unit scale: scaling them is the first fix, with the inputs
 * too while those are raw; targets of modest size or a classifier's never. */
static void test_constant_output_unscaled_targets(void)
{
    static const char *const targets[] = {"dataset.normalize_targets=standard", NULL};
    static const char *const both[] = {"dataset.normalize_targets=standard",
                                       "dataset.normalize=standard", NULL};
    g_autoptr(pfx) f = constant_stream(1e-4, 10, 0.98, 1.0);
    pfx_data a = pfx_arrays(f);
    a.target_std[0] = 2e5;
    a.target_min[0] = -1e3;
    a.target_max[0] = 5e5;
    g_autoptr(detect_set) d = pfx_run_one(f, "constant_output", NULL);
    const finding_rec *r = pfx_finding(d, "constant_output");
    g_assert_nonnull(r);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_true(g_strv_equal(pfx_fix_at(r, 0),
                               targets));
    g_assert_true(pfx_has_fix(r, both));

    pfx_probes(f)->normalize = FL_NORMALIZE_STANDARD;
    g_autoptr(detect_set) d2 = pfx_run_one(f, "constant_output", NULL);
    r = pfx_finding(d2, "constant_output");
    g_assert_true(pfx_has_fix(r, targets));
    g_assert_false(pfx_has_fix(r, both));
    pfx_probes(f)->normalize = FL_NORMALIZE_NONE;

    /* 100 is still unit-ish scale: nothing about the targets. */
    a.target_min[0] = -100;
    a.target_max[0] = 100;
    g_autoptr(detect_set) d3 = pfx_run_one(f, "constant_output", NULL);
    assert_no_edit_of(pfx_finding(d3, "constant_output"), "dataset.normalize_targets");
    a.target_max[0] = 5e5;
    /* Probabilities are what they are. */
    pfx_set_loss(f, "bce");
    g_autoptr(detect_set) d4 = pfx_run_one(f, "constant_output", NULL);
    assert_no_edit_of(pfx_finding(d4, "constant_output"), "dataset.normalize_targets");

    /* zero_output proposes the same. */
    pfx_set_loss(f, "mse");
    g_autoptr(pfx) z = zero_stream(-1e-7, 2e-7, 10, 1.2, 1.0);
    pfx_data za = pfx_arrays(z);
    za.target_mean[0] = 5e5;
    za.target_std[0] = 2e5;
    za.target_min[0] = 0;
    za.target_max[0] = 1e6;
    for (size_t row = 0; row < pfx_probes(z)->n_probe; row++) /* the probe rows' too */
        za.probe_y[row] = (float)(5e5 + 2e5 * za.probe_y[row]);
    g_autoptr(detect_set) d5 = pfx_run_one(z, "zero_output", NULL);
    r = pfx_finding(d5, "zero_output");
    g_assert_nonnull(r);
    g_assert_true(g_strv_equal(pfx_fix_at(r, 0),
                               targets));
}

static void test_constant_output_recovering(void)
{
    /* Spread low, but the loss falls 5% an epoch: still learning, a warning. */
    g_autoptr(pfx) f = constant_stream(1e-4, 7, 0.8, 0.95);
    g_autoptr(detect_set) d = pfx_run_one(f, "constant_output", NULL);
    pfx_check(pfx_finding(d, "constant_output"), FL_LEVEL_WARNING, 4);
    /* Then the spread comes back: the warning no longer holds. */
    for (int i = 0; i < 3; i++) {
        pfx_epoch e = pfx_push_loss(f, 0.5);
        e.out_std[0] = 1.0;
    }
    g_assert_cmpint(pfx_level(f, "constant_output", NULL), ==, 0);
}

static void test_constant_output_growing(void)
{
    /* Flat loss but the spread grows 1.3x per epoch (3.7x over 5): small init learning. */
    g_autoptr(pfx) f = pfx_new(1, 2, 2, 50);
    pfx_push(f);
    pfx_push_healthy(f, 2);
    double std = 1e-5;
    for (int i = 0; i < 10; i++, std *= 1.3) {
        pfx_epoch e = pfx_push_loss(f, 0.98);
        e.out_std[0] = std;
        e.out_min[0] = -std;
        e.out_max[0] = std;
    }
    g_assert_cmpint(pfx_level(f, "constant_output", NULL), ==, FL_LEVEL_WARNING);
    /* The same stream with max_growth 4 is not growing fast enough: a collapse. */
    const char *opts[] = {"max_growth=4", NULL};
    g_assert_cmpint(pfx_level(f, "constant_output", opts), ==, FL_LEVEL_COLLAPSED);
}

static void test_constant_output_exact(void)
{
    /* Exactly the same prediction everywhere is final even while the loss still falls
     * (the bias alone is learning the mean). */
    g_autoptr(pfx) f = constant_stream(0, 8, 0.8, 0.9);
    g_autoptr(detect_set) d = pfx_run_one(f, "constant_output", NULL);
    const finding_rec *r = pfx_finding(d, "constant_output");
    pfx_check(r, FL_LEVEL_COLLAPSED, 4);
    pfx_assert_has(r->evidence, "exactly 0.3");
}

static void test_constant_output_quiet(void)
{
    /* Just above the threshold: 1.01% of the targets' std, for 20 flat epochs. */
    g_autoptr(pfx) f = constant_stream(0.0101 * 2.0, 20, 0.98, 1.0);
    g_assert_cmpint(pfx_level(f, "constant_output", NULL), ==, 0);
    /* Just below it with rel_std raised past it: fires, so the margin is what counts. */
    const char *opts[] = {"rel_std=0.0102", NULL};
    g_assert_cmpint(pfx_level(f, "constant_output", opts), ==, FL_LEVEL_COLLAPSED);
    /* Four epochs only: patience 5 not reached. */
    g_autoptr(pfx) g = constant_stream(1e-4, 4, 0.98, 1.0);
    g_assert_cmpint(pfx_level(g, "constant_output", NULL), ==, 0);
    /* Constant targets are constant_target's case, however flat the predictions. */
    g_autoptr(pfx) h = constant_stream(0, 10, 0.98, 1.0);
    pfx_arrays(h).target_std[0] = 0;
    pfx_arrays(h).target_mean[0] = 3;
    g_assert_cmpint(pfx_level(h, "constant_output", NULL), ==, 0);
}

/* ---------------------------------------------------------------- zero_output */

/* One output, targets with mean 0.5 and std 1; healthy epochs 1-3, then every
 * prediction within [lo, hi] from epoch 4 for n epochs. */
static pfx *zero_stream(double lo, double hi, int n, double start_loss, double per_epoch)
{
    pfx *f = pfx_new(1, 2, 2, 50);
    pfx_arrays(f).target_mean[0] = 0.5;
    pfx_push(f);
    pfx_push_healthy(f, 3);
    double loss = start_loss;
    for (int i = 0; i < n; i++, loss *= per_epoch) {
        pfx_epoch e = pfx_push_loss(f, loss);
        e.out_min[0] = lo;
        e.out_max[0] = hi;
        e.out_std[0] = (hi - lo) / 4;
        e.out_mean[0] = (hi + lo) / 2;
    }
    return f;
}

static void test_zero_output_collapse(void)
{
    g_autoptr(pfx) f = zero_stream(-1e-7, 2e-7, 10, 1.2, 1.0);
    g_autoptr(detect_set) d = pfx_run_one(f, "zero_output", NULL);
    const finding_rec *r = pfx_finding(d, "zero_output");
    pfx_check(r, FL_LEVEL_COLLAPSED, 4);
    double tol = 1e-6 + 1e-3 * fmax(0.5, 1.0);
    pfx_assert_has(r->evidence, "output y0");
    pfx_assert_has(r->evidence, pfx_num(2e-7));
    pfx_assert_has(r->evidence, pfx_num(tol));
    pfx_assert_has(r->evidence, "since epoch 4");
    pfx_assert_has(r->advice, "causes listed first");
}

static void test_zero_output_exact_and_recovering(void)
{
    /* Exactly zero: final even while the loss falls. */
    g_autoptr(pfx) f = zero_stream(0, 0, 8, 0.8, 0.9);
    g_autoptr(detect_set) d = pfx_run_one(f, "zero_output", NULL);
    pfx_check(pfx_finding(d, "zero_output"), FL_LEVEL_COLLAPSED, 4);
    pfx_assert_has(pfx_finding(d, "zero_output")->evidence, "exactly 0");
    /* Near zero while the loss falls 5% an epoch: a warning, gone once outputs grow. */
    g_autoptr(pfx) g = zero_stream(-1e-5, 1e-5, 7, 0.8, 0.95);
    g_autoptr(detect_set) d2 = pfx_run_one(g, "zero_output", NULL);
    pfx_check(pfx_finding(d2, "zero_output"), FL_LEVEL_WARNING, 4);
    pfx_epoch e = pfx_push_loss(g, 0.9);
    e.out_min[0] = -1;
    e.out_max[0] = 2;
    g_assert_cmpint(pfx_level(g, "zero_output", NULL), ==, 0);
}

static void test_zero_output_quiet(void)
{
    double tol = 1e-6 + 1e-3 * 1.0;
    g_autoptr(pfx) f = zero_stream(-0.5 * tol, 1.05 * tol, 20, 1.2, 1.0);
    g_assert_cmpint(pfx_level(f, "zero_output", NULL), ==, 0);
    const char *opts[] = {"rel_tol=1.1e-3", NULL};
    g_assert_cmpint(pfx_level(f, "zero_output", opts), ==, FL_LEVEL_COLLAPSED);
    /* Targets centred at 0 (mean 0.05 std): predicting ~0 is predicting the mean. */
    g_autoptr(pfx) c = zero_stream(-1e-7, 2e-7, 10, 1.2, 1.0);
    pfx_arrays(c).target_mean[0] = 0.05;
    g_assert_cmpint(pfx_level(c, "zero_output", NULL), ==, 0);
    const char *centred[] = {"min_mean=0.04", NULL};
    g_assert_cmpint(pfx_level(c, "zero_output", centred), ==, FL_LEVEL_COLLAPSED);
    /* Targets that are themselves all 0: zero predictions are right. */
    g_autoptr(pfx) g = zero_stream(0, 0, 10, 1.2, 1.0);
    pfx_data a = pfx_arrays(g);
    a.target_mean[0] = a.target_std[0] = a.target_min[0] = a.target_max[0] = 0;
    g_assert_cmpint(pfx_level(g, "zero_output", NULL), ==, 0);
    /* Targets that vary in the data but are 0 on every probe row (a rare class no probe
     * row belongs to): zero is the right answer there; one probe row of the class and the
     * same predictions collapse. */
    g_autoptr(pfx) rare = zero_stream(-1e-7, 2e-7, 10, 1.2, 1.0);
    pfx_data r = pfx_arrays(rare);
    size_t rows = pfx_probes(rare)->n_probe;
    for (size_t row = 0; row < rows; row++)
        r.probe_y[row] = 0.0f;
    g_assert_cmpint(pfx_level(rare, "zero_output", NULL), ==, 0);
    r.probe_y[rows / 2] = 1.0f;
    g_assert_cmpint(pfx_level(rare, "zero_output", NULL), ==, FL_LEVEL_COLLAPSED);
}

/* ---------------------------------------------------------------- identical_heads */

/* Three outputs; the predictions of y1 copy y0's within +-eps (alternating). */
static void heads_copy(pfx *f, double eps)
{
    pfx_data a = pfx_arrays(f);
    size_t P = pfx_probes(f)->n_probe;
    for (size_t r = 0; r < P; r++) {
        a.probe_pred[r * 3 + 0] = (float)(0.5 * a.probe_y[r * 3 + 0]);
        a.probe_pred[r * 3 + 1] = (float)(0.5 * a.probe_y[r * 3 + 0] + (r % 2 ? eps : -eps));
        a.probe_pred[r * 3 + 2] = (float)(0.5 * a.probe_y[r * 3 + 2]);
    }
}

static double heads_maxdiff(const float *m, size_t rows, size_t i, size_t j)
{
    double d = 0;
    for (size_t r = 0; r < rows; r++)
        d = fmax(d, fabs((double)m[r * 3 + i] - (double)m[r * 3 + j]));
    return d;
}

static void test_identical_heads_collapse(void)
{
    g_autoptr(pfx) f = pfx_new(3, 2, 2, 40);
    pfx_set_init(f, 1, "zeros");
    pfx_push(f);
    pfx_live l = pfx_live_start(f, "identical_heads", NULL);
    pfx_live_healthy(&l, 2);
    heads_copy(f, 2e-5);
    for (int i = 0; i < 8; i++) {
        pfx_push_loss(f, 0.9);
        pfx_live_observe(&l);
    }
    const finding_rec *r = pfx_finding(l.d, "identical_heads");
    pfx_check(r, FL_LEVEL_COLLAPSED, 3);
    pfx_data a = pfx_arrays(f);
    pfx_assert_has(r->evidence, "outputs y0 and y1");
    pfx_assert_lacks(r->evidence, "y2");
    pfx_assert_has(r->evidence, pfx_num(heads_maxdiff(a.probe_pred, 40, 0, 1)));
    pfx_assert_has(r->evidence, pfx_num(heads_maxdiff(a.probe_y, 40, 0, 1)));
    pfx_assert_has(r->evidence, "since epoch 3");
    pfx_assert_has(r->advice, "model.l1.init = \"glorot_uniform\" (now zeros)");
    pfx_live_end(&l);
}

static void test_identical_heads_recovering(void)
{
    g_autoptr(pfx) f = pfx_new(3, 2, 2, 40);
    pfx_push(f);
    pfx_live l = pfx_live_start(f, "identical_heads", NULL);
    pfx_live_healthy(&l, 2);
    heads_copy(f, 0);
    double loss = 0.9;
    for (int i = 0; i < 6; i++, loss *= 0.95) {
        pfx_push_loss(f, loss);
        pfx_live_observe(&l);
    }
    pfx_check(pfx_finding(l.d, "identical_heads"), FL_LEVEL_WARNING, 3);
    /* The heads split: the warning is gone the next epoch. */
    heads_copy(f, 0.3);
    pfx_push_loss(f, loss);
    pfx_live_observe(&l);
    g_assert_null(pfx_finding(l.d, "identical_heads"));
    pfx_live_end(&l);
}

static void test_identical_heads_quiet(void)
{
    /* Predictions 1.2e-3 apart with target std 1 (tolerance 1e-3): not identical. */
    g_autoptr(pfx) f = pfx_new(3, 2, 2, 40);
    pfx_push(f);
    pfx_push_healthy(f, 3);
    heads_copy(f, 1.2e-3);
    for (int i = 0; i < 10; i++)
        pfx_push_loss(f, 0.9);
    g_assert_cmpint(pfx_level(f, "identical_heads", NULL), ==, 0);
    const char *opts[] = {"tol=1.3e-3", NULL};
    g_assert_cmpint(pfx_level(f, "identical_heads", opts), ==, FL_LEVEL_COLLAPSED);
    /* Two columns of one softmax: equal class probabilities are not copied heads. */
    pfx_layer(f, 1)->activation.kind = FL_ACT_SOFTMAX;
    g_assert_cmpint(pfx_level(f, "identical_heads", opts), ==, 0);
    pfx_layer(f, 1)->activation.kind = FL_ACT_LINEAR;
    /* Identical predictions for identical targets are right. */
    pfx_data a = pfx_arrays(f);
    for (size_t r = 0; r < 40; r++)
        a.probe_y[r * 3 + 1] = a.probe_y[r * 3 + 0];
    heads_copy(f, 0);
    g_assert_cmpint(pfx_level(f, "identical_heads", NULL), ==, 0);
}

/* Two heads that pass on one layer's values (pass-through layers reading the same 1-unit
 * layer): copies by construction.  The finding names the shared layer and asks for a layer
 * per head, not for another initializer. */
static void test_identical_heads_shared_path(void)
{
    g_autoptr(pfx) f = pfx_new(2, 4, 2, 40);
    fl_layer_desc *z = pfx_layer(f, 1);
    z->n_out = z->units = z->out_shape.dims[0] = 1;
    z->is_output = false;
    pfx_set_init(f, 1, "zeros");
    for (size_t k = 2; k < 4; k++) {
        fl_layer_desc *h = pfx_layer(f, k);
        h->n_in = h->n_out = h->units = h->fan_in = 1;
        h->in_shape.dims[0] = h->out_shape.dims[0] = 1;
        h->has_weights = h->has_kernel = h->has_bias = false;
        h->activation.kind = FL_ACT_LINEAR;
        h->is_output = true;
        h->out_offset = k - 2;
        h->input = 1;
        h->input_name = z->name;
    }
    pfx_push(f);
    pfx_live l = pfx_live_start(f, "identical_heads", NULL);
    pfx_live_healthy(&l, 2);
    pfx_data a = pfx_arrays(f);
    for (size_t r = 0; r < 40; r++)
        a.probe_pred[r * 2 + 0] = a.probe_pred[r * 2 + 1] = (float)(0.5 * a.probe_y[r * 2]);
    for (int i = 0; i < 8; i++) {
        pfx_push_loss(f, 0.9);
        pfx_live_observe(&l);
    }
    const finding_rec *r = pfx_finding(l.d, "identical_heads");
    pfx_check(r, FL_LEVEL_COLLAPSED, 3);
    pfx_assert_has(r->evidence, "outputs y0 and y1");
    pfx_assert_has(r->advice, "l2 and l3 pass on l1's values");
    pfx_assert_has(r->advice, "a layer of its own");
    pfx_assert_lacks(r->advice, "init");
    /* The fix: the second head becomes a layer like l1, reading what l1 reads. */
    g_assert_cmpuint(r->fixes ? r->fixes->len : 0, ==, 1);
    g_assert_true(pfx_has_fix(
        r, (const char *const[]){
               "model.l3={units=1;activation=\"relu\";from=\"l0\";output=true;}", NULL}));
    pfx_live_end(&l);
}

/* ---------------------------------------------------------------- single_class */

/* A classification stream: n_out one-hot columns (or one 0/1 column), class of probe row
 * r is r % 3 == 0 (binary) or r % n_out. */
static pfx *class_stream(size_t n_out, const char *loss, double neg)
{
    pfx *f = pfx_new(n_out, 2, 2, 30);
    fl_probes *p = pfx_probes(f);
    pfx_set_loss(f, loss);
    p->n_classes = n_out == 1 ? 2 : n_out;
    pfx_data a = pfx_arrays(f);
    for (size_t c = 0; c < p->n_classes; c++)
        a.class_fraction[c] = 1.0 / (double)p->n_classes;
    a.class_fraction[0] += 0.1;
    a.class_fraction[1] -= 0.1;
    for (size_t r = 0; r < 30; r++)
        for (size_t o = 0; o < n_out; o++)
            a.probe_y[r * n_out + o] =
                n_out == 1 ? (r % 3 == 0 ? 1.0f : (float)neg) : (r % n_out == o ? 1.0f : 0.0f);
    return f;
}

/* Set every prediction row to `row` plus a small ramp over the rows. */
static void class_predict(pfx *f, const float *row, double ramp)
{
    size_t no = pfx_probes(f)->n_outputs;
    for (size_t r = 0; r < 30; r++)
        for (size_t o = 0; o < no; o++)
            pfx_arrays(f).probe_pred[r * no + o] = row[o] + (float)(ramp * (double)r / 29.0);
}

static void class_true_predictions(pfx *f)
{
    pfx_data a = pfx_arrays(f);
    size_t no = pfx_probes(f)->n_outputs;
    memcpy(a.probe_pred, a.probe_y, 30 * no * sizeof(float));
}

/* Run live: 2 healthy epochs with right predictions, then n epochs predicting `row`. */
static void class_run(pfx *f, pfx_live *l, const float *row, double ramp, int n, double per_epoch)
{
    for (int i = 0; i < 2; i++) {
        pfx_push_healthy(f, 1);
        class_true_predictions(f);
        pfx_live_observe(l);
    }
    class_predict(f, row, ramp);
    double loss = 0.7;
    for (int i = 0; i < n; i++, loss *= per_epoch) {
        pfx_push_loss(f, loss);
        pfx_live_observe(l);
    }
}

static void test_single_class_multiclass(void)
{
    g_autoptr(pfx) f = class_stream(3, "cce", 0);
    pfx_push(f);
    pfx_live l = pfx_live_start(f, "single_class", NULL);
    const float row[] = {0.2f, 0.5f, 0.3f};
    class_run(f, &l, row, 0.05, 8, 1.0);
    const finding_rec *r = pfx_finding(l.d, "single_class");
    pfx_check(r, FL_LEVEL_COLLAPSED, 3);
    size_t count[3] = {0};
    for (size_t i = 0; i < 30; i++)
        count[i % 3]++;
    pfx_assert_has(r->evidence, "all 30 probe inputs");
    pfx_assert_has(r->evidence, "class y1");
    pfx_assert_has(r->evidence, "3 classes");
    g_autofree char *c0 = g_strdup_printf("y0: %zu", count[0]);
    pfx_assert_has(r->evidence, c0);
    const double *frac = pfx_probes(f)->class_fraction;
    g_autofree char *f0 = g_strdup_printf("y0 %s%%", pfx_num(100 * frac[0]));
    g_autofree char *f1 = g_strdup_printf("y1 %s%%", pfx_num(100 * frac[1]));
    pfx_assert_has(r->evidence, f0);
    pfx_assert_has(r->evidence, f1);
    pfx_assert_has(r->cause, "class y1");
    pfx_live_end(&l);
}

static void test_single_class_binary(void)
{
    /* One sigmoid column, every probability below 0.5: class 0 throughout. */
    g_autoptr(pfx) f = class_stream(1, "bce", 0);
    pfx_push(f);
    pfx_live l = pfx_live_start(f, "single_class", NULL);
    const float row[] = {0.3f};
    class_run(f, &l, row, 0.15, 8, 1.0);
    const finding_rec *r = pfx_finding(l.d, "single_class");
    pfx_check(r, FL_LEVEL_COLLAPSED, 3);
    pfx_assert_has(r->evidence, "class y0 = 0");
    pfx_assert_has(r->evidence, "y0 = 1: 10");
    pfx_live_end(&l);

    /* The same margins under a hinge loss (targets -1/+1) all lie above 0: class 1. */
    g_autoptr(pfx) g = class_stream(1, "hinge", -1);
    pfx_push(g);
    pfx_live m = pfx_live_start(g, "single_class", NULL);
    class_run(g, &m, row, 0.15, 8, 1.0);
    r = pfx_finding(m.d, "single_class");
    pfx_check(r, FL_LEVEL_COLLAPSED, 3);
    pfx_assert_has(r->evidence, "class y0 = 1");
    pfx_live_end(&m);

    /* Hinge margins straddling 0 are two classes. */
    g_autoptr(pfx) h = class_stream(1, "hinge", -1);
    pfx_push(h);
    pfx_live k = pfx_live_start(h, "single_class", NULL);
    const float low[] = {-0.2f};
    class_run(h, &k, low, 0.6, 8, 1.0);
    g_assert_null(pfx_finding(k.d, "single_class"));
    pfx_live_end(&k);
}

static void test_single_class_recovering(void)
{
    g_autoptr(pfx) f = class_stream(3, "cce", 0);
    pfx_push(f);
    pfx_live l = pfx_live_start(f, "single_class", NULL);
    const float row[] = {0.2f, 0.5f, 0.3f};
    class_run(f, &l, row, 0.05, 6, 0.95);
    pfx_check(pfx_finding(l.d, "single_class"), FL_LEVEL_WARNING, 3);
    class_true_predictions(f);
    pfx_push_loss(f, 0.3);
    pfx_live_observe(&l);
    g_assert_null(pfx_finding(l.d, "single_class"));
    pfx_live_end(&l);
}

static void test_single_class_quiet(void)
{
    const float row[] = {0.2f, 0.5f, 0.3f};
    /* Healthy classifier. */
    g_autoptr(pfx) f = class_stream(3, "cce", 0);
    pfx_push(f);
    pfx_live l = pfx_live_start(f, "single_class", NULL);
    for (int i = 0; i < 60; i++) {
        pfx_push_healthy(f, 1);
        class_true_predictions(f);
        pfx_live_observe(&l);
    }
    g_assert_null(pfx_finding(l.d, "single_class"));
    pfx_live_end(&l);
    /* A regression loss: not a classifier, whatever the columns hold. */
    g_autoptr(pfx) g = class_stream(3, "mse", 0);
    pfx_probes(g)->n_classes = 0;
    pfx_push(g);
    pfx_live m = pfx_live_start(g, "single_class", NULL);
    class_run(g, &m, row, 0.05, 8, 1.0);
    g_assert_null(pfx_finding(m.d, "single_class"));
    pfx_live_end(&m);
    /* Probe targets of one class only: one predicted class is right. */
    g_autoptr(pfx) h = class_stream(3, "cce", 0);
    pfx_data a = pfx_arrays(h);
    for (size_t r = 0; r < 30; r++)
        for (size_t o = 0; o < 3; o++)
            a.probe_y[r * 3 + o] = o == 1;
    pfx_push(h);
    pfx_live k = pfx_live_start(h, "single_class", NULL);
    class_run(h, &k, row, 0.05, 8, 1.0);
    g_assert_null(pfx_finding(k.d, "single_class"));
    pfx_live_end(&k);
    /* Four epochs: patience not reached. */
    g_autoptr(pfx) q = class_stream(3, "cce", 0);
    pfx_push(q);
    pfx_live n = pfx_live_start(q, "single_class", NULL);
    class_run(q, &n, row, 0.05, 4, 1.0);
    g_assert_null(pfx_finding(n.d, "single_class"));
    pfx_live_end(&n);
}

void test_detect_output_add(void)
{
    pfx_add_detector_tests("/detect/output", detectors, G_N_ELEMENTS(detectors));
    g_test_add_func("/detect/output/constant_output/collapse", test_constant_output_collapse);
    g_test_add_func("/detect/output/constant_output/recovering", test_constant_output_recovering);
    g_test_add_func("/detect/output/constant_output/unscaled-targets",
                    test_constant_output_unscaled_targets);
    g_test_add_func("/detect/output/constant_output/growing", test_constant_output_growing);
    g_test_add_func("/detect/output/constant_output/exact", test_constant_output_exact);
    g_test_add_func("/detect/output/constant_output/quiet", test_constant_output_quiet);
    g_test_add_func("/detect/output/constant_output/at-end", test_constant_output_at_end);
    g_test_add_func("/detect/output/constant_output/long-run", test_constant_output_long_run);
    g_test_add_func("/detect/output/zero_output/collapse", test_zero_output_collapse);
    g_test_add_func("/detect/output/zero_output/exact-recovering",
                    test_zero_output_exact_and_recovering);
    g_test_add_func("/detect/output/zero_output/quiet", test_zero_output_quiet);
    g_test_add_func("/detect/output/identical_heads/collapse", test_identical_heads_collapse);
    g_test_add_func("/detect/output/identical_heads/recovering", test_identical_heads_recovering);
    g_test_add_func("/detect/output/identical_heads/quiet", test_identical_heads_quiet);
    g_test_add_func("/detect/output/identical_heads/shared-path", test_identical_heads_shared_path);
    g_test_add_func("/detect/output/single_class/multiclass", test_single_class_multiclass);
    g_test_add_func("/detect/output/single_class/binary", test_single_class_binary);
    g_test_add_func("/detect/output/single_class/recovering", test_single_class_recovering);
    g_test_add_func("/detect/output/single_class/quiet", test_single_class_quiet);
}
