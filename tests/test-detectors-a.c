/* test-detectors-a.c — the group-A detectors (symptoms: constant_output, zero_output,
 * identical_heads, single_class; dynamics: no_update, divergence, exploding_gradient,
 * vanishing_gradient, oscillation) over synthetic probe streams.
 *
 * Each detector gets a stream that must fire (level, since-epoch, and the numbers and
 * names a reviewer needs in its evidence and advice, formatted here from the values the
 * test put in), healthy streams that must stay silent, a stream just on the safe side of
 * each threshold, and where it applies a stream that warns but recovers.  Streams are
 * replayed through the core's detect set (pfx_run); detectors that read the current
 * epoch's predictions are also driven epoch by epoch ("live"), since a replay shows them
 * only the last epoch's predictions. */
#include "probe-fixture.h"
#include "testutil.h"
#include "detect.h"
#include "../plugins/detector/priorities.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

/* A number as the detectors print it. */
static const char *num(double v)
{
    static char buf[16][40];
    static int i;
    i = (i + 1) % 16;
    snprintf(buf[i], sizeof buf[i], "%.3g", v);
    return buf[i];
}

#define assert_has(text, needle)                                                           \
    do {                                                                                   \
        const char *t_ = (text), *n_ = (needle);                                           \
        if (!strstr(t_, n_))                                                               \
            g_test_message("expected \"%s\" in \"%s\"", n_, t_);                           \
        g_assert_nonnull(strstr(t_, n_));                                                  \
    } while (0)

#define assert_lacks(text, needle)                                                         \
    do {                                                                                   \
        const char *t_ = (text), *n_ = (needle);                                           \
        if (strstr(t_, n_))                                                                \
            g_test_message("unexpected \"%s\" in \"%s\"", n_, t_);                         \
        g_assert_null(strstr(t_, n_));                                                     \
    } while (0)

/* The finding holds, at this level, since this epoch, with all three texts written. */
static void check(const finding_rec *r, fl_level level, int epoch)
{
    g_assert_nonnull(r);
    if (r->level != level || r->epoch != epoch)
        g_test_message("%s: level %d since %d: %s", r->detector, r->level, r->epoch, r->evidence);
    g_assert_cmpint(r->level, ==, level);
    g_assert_cmpint(r->epoch, ==, epoch);
    g_assert_cmpuint(strlen(r->evidence), >, 10);
    g_assert_cmpuint(strlen(r->cause), >, 10);
    g_assert_cmpuint(strlen(r->advice), >, 10);
}

/* Replay the stream through one detector; its finding's level (0: none). */
static int level_of(pfx *f, const char *name, const char *const *opts)
{
    g_autoptr(detect_set) d = pfx_run_one(f, name, opts);
    const finding_rec *r = pfx_finding(d, name);
    if (r)
        g_test_message("%s: level %d since %d: %s", name, r->level, r->epoch, r->evidence);
    return r ? (int)r->level : 0;
}

/* Append an epoch (a copy of the previous one) with this training loss. */
static pfx_epoch push_loss(pfx *f, double loss)
{
    pfx_epoch e = pfx_push(f);
    e.e->loss = loss;
    e.e->val_loss = 1.1 * loss;
    return e;
}

/* A detector driven epoch by epoch: start after epoch 0 is pushed (pre-flight), then
 * observe after each push. */
typedef struct live {
    GPtrArray *refs;
    detect_set *d;
    pfx *f;
} live;

static void live_ref_free(gpointer r)
{
    params_ref_clear(r);
    g_free(r);
}

static live live_start(pfx *f, const char *name, const char *const *opts)
{
    live l = {g_ptr_array_new_with_free_func(live_ref_free), NULL, f};
    fl_ref *r = g_new0(fl_ref, 1);
    *r = tu_ref(FL_KIND_DETECTOR, name, opts);
    g_ptr_array_add(l.refs, r);
    g_autoptr(GError) err = NULL;
    l.d = detect_new(l.refs, tu_host(), &err);
    g_assert_no_error(err);
    g_assert_cmpuint(pfx_probes(f)->n_epochs, ==, 0);
    g_assert_true(detect_preflight(l.d, pfx_probes(f), &err));
    return l;
}

static void live_observe(live *l)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(detect_observe(l->d, pfx_probes(l->f), &err));
    g_assert_no_error(err);
}

static void live_healthy(live *l, int n)
{
    for (int i = 0; i < n; i++) {
        pfx_push_healthy(l->f, 1);
        live_observe(l);
    }
}

static void live_end(live *l)
{
    detect_free(l->d);
    g_ptr_array_free(l->refs, TRUE);
}

/* ---------------------------------------------------------------- generic */

static const struct {
    const char *name;
    unsigned flags;
    int priority;
} group_a[] = {
    {"constant_output", FL_DETECTS_SYMPTOM, PRIORITY_SYMPTOM},
    {"zero_output", FL_DETECTS_SYMPTOM, PRIORITY_SYMPTOM},
    {"identical_heads", FL_DETECTS_SYMPTOM, PRIORITY_SYMPTOM},
    {"single_class", FL_DETECTS_SYMPTOM, PRIORITY_SYMPTOM},
    {"no_update", FL_DETECTS_CAUSE, PRIORITY_NO_UPDATE},
    {"divergence", FL_DETECTS_CAUSE, PRIORITY_DIVERGENCE},
    {"exploding_gradient", FL_DETECTS_CAUSE, PRIORITY_EXPLODING_GRADIENT},
    {"vanishing_gradient", FL_DETECTS_CAUSE, PRIORITY_VANISHING_GRADIENT},
    {"oscillation", FL_DETECTS_CAUSE, PRIORITY_OSCILLATION},
};
enum { N_GROUP_A = sizeof group_a / sizeof group_a[0] };

static void test_generic(void)
{
    g_autoptr(GPtrArray) all = tu_plugins_of(FL_KIND_DETECTOR);
    size_t found = 0;
    for (guint i = 0; i < all->len; i++) {
        const fl_plugin *pl = all->pdata[i];
        for (size_t j = 0; j < N_GROUP_A; j++) {
            if (strcmp(pl->name, group_a[j].name) != 0)
                continue;
            found++;
            const fl_detector_ops *ops = pl->ops.detector;
            g_assert_cmpint(pl->kind, ==, FL_KIND_DETECTOR);
            g_assert_nonnull(pl->summary);
            g_assert_cmpuint(strlen(pl->summary), >, 10);
            g_assert_cmpuint(ops->flags, ==, group_a[j].flags);
            g_assert_cmpint(ops->priority, ==, group_a[j].priority);
            g_assert_true(ops->preflight || ops->observe);
            g_assert_nonnull(pl->params);
            /* Every detector names its thresholds, with a default and a help line. */
            size_t rows = 0;
            for (const fl_param *p = params_first(pl); p; p = params_next(pl, p), rows++) {
                g_assert_nonnull(p->def);
                g_assert_nonnull(p->help);
            }
            g_assert_cmpuint(rows, >=, 2);
            /* Silent on healthy runs: one output and several. */
            for (size_t no = 1; no <= 3; no += 2) {
                g_autoptr(pfx) f = pfx_new(no, 3, 2, 50);
                pfx_push(f);
                pfx_push_healthy(f, 60);
                g_assert_cmpint(level_of(f, pl->name, NULL), ==, 0);
            }
        }
    }
    g_assert_cmpuint(found, ==, N_GROUP_A);
}

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
        pfx_epoch e = push_loss(f, loss);
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
    check(r, FL_LEVEL_COLLAPSED, 4);
    assert_has(r->evidence, "output y0");
    assert_lacks(r->evidence, "y1");
    assert_has(r->evidence, num(1e-4));       /* the std */
    assert_has(r->evidence, num(1e-4 / 2.0)); /* = ratio x target std */
    assert_has(r->evidence, "target std 2");
    assert_has(r->evidence, "since epoch 4");
    assert_has(r->evidence, "50 probe inputs");
    assert_has(r->advice, "causes listed first");
}

static void test_constant_output_recovering(void)
{
    /* Spread low, but the loss falls 5% an epoch: still learning, a warning. */
    g_autoptr(pfx) f = constant_stream(1e-4, 7, 0.8, 0.95);
    g_autoptr(detect_set) d = pfx_run_one(f, "constant_output", NULL);
    check(pfx_finding(d, "constant_output"), FL_LEVEL_WARNING, 4);
    /* Then the spread comes back: the warning no longer holds. */
    for (int i = 0; i < 3; i++) {
        pfx_epoch e = push_loss(f, 0.5);
        e.out_std[0] = 1.0;
    }
    g_assert_cmpint(level_of(f, "constant_output", NULL), ==, 0);
}

static void test_constant_output_growing(void)
{
    /* Flat loss but the spread grows 1.3x per epoch (3.7x over 5): small init learning. */
    g_autoptr(pfx) f = pfx_new(1, 2, 2, 50);
    pfx_push(f);
    pfx_push_healthy(f, 2);
    double std = 1e-5;
    for (int i = 0; i < 10; i++, std *= 1.3) {
        pfx_epoch e = push_loss(f, 0.98);
        e.out_std[0] = std;
        e.out_min[0] = -std;
        e.out_max[0] = std;
    }
    g_assert_cmpint(level_of(f, "constant_output", NULL), ==, FL_LEVEL_WARNING);
    /* The same stream with max_growth 4 is not growing fast enough: a collapse. */
    const char *opts[] = {"max_growth=4", NULL};
    g_assert_cmpint(level_of(f, "constant_output", opts), ==, FL_LEVEL_COLLAPSED);
}

static void test_constant_output_exact(void)
{
    /* Exactly the same prediction everywhere is final even while the loss still falls
     * (the bias alone is learning the mean). */
    g_autoptr(pfx) f = constant_stream(0, 8, 0.8, 0.9);
    g_autoptr(detect_set) d = pfx_run_one(f, "constant_output", NULL);
    const finding_rec *r = pfx_finding(d, "constant_output");
    check(r, FL_LEVEL_COLLAPSED, 4);
    assert_has(r->evidence, "exactly 0.3");
}

static void test_constant_output_quiet(void)
{
    /* Just above the threshold: 1.01% of the targets' std, for 20 flat epochs. */
    g_autoptr(pfx) f = constant_stream(0.0101 * 2.0, 20, 0.98, 1.0);
    g_assert_cmpint(level_of(f, "constant_output", NULL), ==, 0);
    /* Just below it with rel_std raised past it: fires, so the margin is what counts. */
    const char *opts[] = {"rel_std=0.0102", NULL};
    g_assert_cmpint(level_of(f, "constant_output", opts), ==, FL_LEVEL_COLLAPSED);
    /* Four epochs only: patience 5 not reached. */
    g_autoptr(pfx) g = constant_stream(1e-4, 4, 0.98, 1.0);
    g_assert_cmpint(level_of(g, "constant_output", NULL), ==, 0);
    /* Constant targets are constant_target's case, however flat the predictions. */
    g_autoptr(pfx) h = constant_stream(0, 10, 0.98, 1.0);
    pfx_arrays(h).target_std[0] = 0;
    pfx_arrays(h).target_mean[0] = 3;
    g_assert_cmpint(level_of(h, "constant_output", NULL), ==, 0);
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
        pfx_epoch e = push_loss(f, loss);
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
    check(r, FL_LEVEL_COLLAPSED, 4);
    double tol = 1e-6 + 1e-3 * fmax(0.5, 1.0);
    assert_has(r->evidence, "output y0");
    assert_has(r->evidence, num(2e-7));
    assert_has(r->evidence, num(tol));
    assert_has(r->evidence, "since epoch 4");
    assert_has(r->advice, "causes listed first");
}

static void test_zero_output_exact_and_recovering(void)
{
    /* Exactly zero: final even while the loss falls. */
    g_autoptr(pfx) f = zero_stream(0, 0, 8, 0.8, 0.9);
    g_autoptr(detect_set) d = pfx_run_one(f, "zero_output", NULL);
    check(pfx_finding(d, "zero_output"), FL_LEVEL_COLLAPSED, 4);
    assert_has(pfx_finding(d, "zero_output")->evidence, "exactly 0");
    /* Near zero while the loss falls 5% an epoch: a warning, gone once outputs grow. */
    g_autoptr(pfx) g = zero_stream(-1e-5, 1e-5, 7, 0.8, 0.95);
    g_autoptr(detect_set) d2 = pfx_run_one(g, "zero_output", NULL);
    check(pfx_finding(d2, "zero_output"), FL_LEVEL_WARNING, 4);
    pfx_epoch e = push_loss(g, 0.9);
    e.out_min[0] = -1;
    e.out_max[0] = 2;
    g_assert_cmpint(level_of(g, "zero_output", NULL), ==, 0);
}

static void test_zero_output_quiet(void)
{
    double tol = 1e-6 + 1e-3 * 1.0;
    g_autoptr(pfx) f = zero_stream(-0.5 * tol, 1.05 * tol, 20, 1.2, 1.0);
    g_assert_cmpint(level_of(f, "zero_output", NULL), ==, 0);
    const char *opts[] = {"rel_tol=1.1e-3", NULL};
    g_assert_cmpint(level_of(f, "zero_output", opts), ==, FL_LEVEL_COLLAPSED);
    /* Targets centred at 0 (mean 0.05 std): predicting ~0 is predicting the mean. */
    g_autoptr(pfx) c = zero_stream(-1e-7, 2e-7, 10, 1.2, 1.0);
    pfx_arrays(c).target_mean[0] = 0.05;
    g_assert_cmpint(level_of(c, "zero_output", NULL), ==, 0);
    const char *centred[] = {"min_mean=0.04", NULL};
    g_assert_cmpint(level_of(c, "zero_output", centred), ==, FL_LEVEL_COLLAPSED);
    /* Targets that are themselves all 0: zero predictions are right. */
    g_autoptr(pfx) g = zero_stream(0, 0, 10, 1.2, 1.0);
    pfx_data a = pfx_arrays(g);
    a.target_mean[0] = a.target_std[0] = a.target_min[0] = a.target_max[0] = 0;
    g_assert_cmpint(level_of(g, "zero_output", NULL), ==, 0);
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
    live l = live_start(f, "identical_heads", NULL);
    live_healthy(&l, 2);
    heads_copy(f, 2e-5);
    for (int i = 0; i < 8; i++) {
        push_loss(f, 0.9);
        live_observe(&l);
    }
    const finding_rec *r = pfx_finding(l.d, "identical_heads");
    check(r, FL_LEVEL_COLLAPSED, 3);
    pfx_data a = pfx_arrays(f);
    assert_has(r->evidence, "outputs y0 and y1");
    assert_lacks(r->evidence, "y2");
    assert_has(r->evidence, num(heads_maxdiff(a.probe_pred, 40, 0, 1)));
    assert_has(r->evidence, num(heads_maxdiff(a.probe_y, 40, 0, 1)));
    assert_has(r->evidence, "since epoch 3");
    assert_has(r->advice, "model.l1.init = \"glorot_uniform\" (now zeros)");
    live_end(&l);
}

static void test_identical_heads_recovering(void)
{
    g_autoptr(pfx) f = pfx_new(3, 2, 2, 40);
    pfx_push(f);
    live l = live_start(f, "identical_heads", NULL);
    live_healthy(&l, 2);
    heads_copy(f, 0);
    double loss = 0.9;
    for (int i = 0; i < 6; i++, loss *= 0.95) {
        push_loss(f, loss);
        live_observe(&l);
    }
    check(pfx_finding(l.d, "identical_heads"), FL_LEVEL_WARNING, 3);
    /* The heads split: the warning is gone the next epoch. */
    heads_copy(f, 0.3);
    push_loss(f, loss);
    live_observe(&l);
    g_assert_null(pfx_finding(l.d, "identical_heads"));
    live_end(&l);
}

static void test_identical_heads_quiet(void)
{
    /* Predictions 1.2e-3 apart with target std 1 (tolerance 1e-3): not identical. */
    g_autoptr(pfx) f = pfx_new(3, 2, 2, 40);
    pfx_push(f);
    pfx_push_healthy(f, 3);
    heads_copy(f, 1.2e-3);
    for (int i = 0; i < 10; i++)
        push_loss(f, 0.9);
    g_assert_cmpint(level_of(f, "identical_heads", NULL), ==, 0);
    const char *opts[] = {"tol=1.3e-3", NULL};
    g_assert_cmpint(level_of(f, "identical_heads", opts), ==, FL_LEVEL_COLLAPSED);
    /* Two columns of one softmax: equal class probabilities are not copied heads. */
    pfx_layer(f, 1)->activation.kind = FL_ACT_SOFTMAX;
    g_assert_cmpint(level_of(f, "identical_heads", opts), ==, 0);
    pfx_layer(f, 1)->activation.kind = FL_ACT_LINEAR;
    /* Identical predictions for identical targets are right. */
    pfx_data a = pfx_arrays(f);
    for (size_t r = 0; r < 40; r++)
        a.probe_y[r * 3 + 1] = a.probe_y[r * 3 + 0];
    heads_copy(f, 0);
    g_assert_cmpint(level_of(f, "identical_heads", NULL), ==, 0);
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
static void class_run(pfx *f, live *l, const float *row, double ramp, int n, double per_epoch)
{
    for (int i = 0; i < 2; i++) {
        pfx_push_healthy(f, 1);
        class_true_predictions(f);
        live_observe(l);
    }
    class_predict(f, row, ramp);
    double loss = 0.7;
    for (int i = 0; i < n; i++, loss *= per_epoch) {
        push_loss(f, loss);
        live_observe(l);
    }
}

static void test_single_class_multiclass(void)
{
    g_autoptr(pfx) f = class_stream(3, "cce", 0);
    pfx_push(f);
    live l = live_start(f, "single_class", NULL);
    const float row[] = {0.2f, 0.5f, 0.3f};
    class_run(f, &l, row, 0.05, 8, 1.0);
    const finding_rec *r = pfx_finding(l.d, "single_class");
    check(r, FL_LEVEL_COLLAPSED, 3);
    size_t count[3] = {0};
    for (size_t i = 0; i < 30; i++)
        count[i % 3]++;
    assert_has(r->evidence, "all 30 probe inputs");
    assert_has(r->evidence, "class y1");
    assert_has(r->evidence, "3 classes");
    g_autofree char *c0 = g_strdup_printf("y0: %zu", count[0]);
    assert_has(r->evidence, c0);
    const double *frac = pfx_probes(f)->class_fraction;
    g_autofree char *f0 = g_strdup_printf("y0 %s%%", num(100 * frac[0]));
    g_autofree char *f1 = g_strdup_printf("y1 %s%%", num(100 * frac[1]));
    assert_has(r->evidence, f0);
    assert_has(r->evidence, f1);
    assert_has(r->cause, "class y1");
    live_end(&l);
}

static void test_single_class_binary(void)
{
    /* One sigmoid column, every probability below 0.5: class 0 throughout. */
    g_autoptr(pfx) f = class_stream(1, "bce", 0);
    pfx_push(f);
    live l = live_start(f, "single_class", NULL);
    const float row[] = {0.3f};
    class_run(f, &l, row, 0.15, 8, 1.0);
    const finding_rec *r = pfx_finding(l.d, "single_class");
    check(r, FL_LEVEL_COLLAPSED, 3);
    assert_has(r->evidence, "class y0 = 0");
    assert_has(r->evidence, "y0 = 1: 10");
    live_end(&l);

    /* The same margins under a hinge loss (targets -1/+1) all lie above 0: class 1. */
    g_autoptr(pfx) g = class_stream(1, "hinge", -1);
    pfx_push(g);
    live m = live_start(g, "single_class", NULL);
    class_run(g, &m, row, 0.15, 8, 1.0);
    r = pfx_finding(m.d, "single_class");
    check(r, FL_LEVEL_COLLAPSED, 3);
    assert_has(r->evidence, "class y0 = 1");
    live_end(&m);

    /* Hinge margins straddling 0 are two classes. */
    g_autoptr(pfx) h = class_stream(1, "hinge", -1);
    pfx_push(h);
    live k = live_start(h, "single_class", NULL);
    const float low[] = {-0.2f};
    class_run(h, &k, low, 0.6, 8, 1.0);
    g_assert_null(pfx_finding(k.d, "single_class"));
    live_end(&k);
}

static void test_single_class_recovering(void)
{
    g_autoptr(pfx) f = class_stream(3, "cce", 0);
    pfx_push(f);
    live l = live_start(f, "single_class", NULL);
    const float row[] = {0.2f, 0.5f, 0.3f};
    class_run(f, &l, row, 0.05, 6, 0.95);
    check(pfx_finding(l.d, "single_class"), FL_LEVEL_WARNING, 3);
    class_true_predictions(f);
    push_loss(f, 0.3);
    live_observe(&l);
    g_assert_null(pfx_finding(l.d, "single_class"));
    live_end(&l);
}

static void test_single_class_quiet(void)
{
    const float row[] = {0.2f, 0.5f, 0.3f};
    /* Healthy classifier. */
    g_autoptr(pfx) f = class_stream(3, "cce", 0);
    pfx_push(f);
    live l = live_start(f, "single_class", NULL);
    for (int i = 0; i < 60; i++) {
        pfx_push_healthy(f, 1);
        class_true_predictions(f);
        live_observe(&l);
    }
    g_assert_null(pfx_finding(l.d, "single_class"));
    live_end(&l);
    /* A regression loss: not a classifier, whatever the columns hold. */
    g_autoptr(pfx) g = class_stream(3, "mse", 0);
    pfx_probes(g)->n_classes = 0;
    pfx_push(g);
    live m = live_start(g, "single_class", NULL);
    class_run(g, &m, row, 0.05, 8, 1.0);
    g_assert_null(pfx_finding(m.d, "single_class"));
    live_end(&m);
    /* Probe targets of one class only: one predicted class is right. */
    g_autoptr(pfx) h = class_stream(3, "cce", 0);
    pfx_data a = pfx_arrays(h);
    for (size_t r = 0; r < 30; r++)
        for (size_t o = 0; o < 3; o++)
            a.probe_y[r * 3 + o] = o == 1;
    pfx_push(h);
    live k = live_start(h, "single_class", NULL);
    class_run(h, &k, row, 0.05, 8, 1.0);
    g_assert_null(pfx_finding(k.d, "single_class"));
    live_end(&k);
    /* Four epochs: patience not reached. */
    g_autoptr(pfx) q = class_stream(3, "cce", 0);
    pfx_push(q);
    live n = live_start(q, "single_class", NULL);
    class_run(q, &n, row, 0.05, 4, 1.0);
    g_assert_null(pfx_finding(n.d, "single_class"));
    live_end(&n);
}

/* ---------------------------------------------------------------- no_update */

static const finding_rec *preflight_only(pfx *f, detect_set **d)
{
    pfx_push(f);
    *d = pfx_run_one(f, "no_update", NULL);
    return pfx_finding(*d, "no_update");
}

static void test_no_update_preflight(void)
{
    {
        g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
        fl_probes *p = pfx_probes(f);
        pfx_set_optimizer(f, "none");
        p->base_lr = p->final_lr = NAN;
        g_autoptr(detect_set) d = NULL;
        const finding_rec *r = preflight_only(f, &d);
        check(r, FL_LEVEL_COLLAPSED, 0);
        assert_has(r->evidence, "optimizer = \"none\"");
        assert_has(r->advice, "set optimizer to adam");
    }
    {
        g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
        pfx_set_loss(f, "step");
        g_autoptr(detect_set) d = NULL;
        const finding_rec *r = preflight_only(f, &d);
        check(r, FL_LEVEL_COLLAPSED, 0);
        assert_has(r->evidence, "\"step\"");
        assert_has(r->advice, "use loss mse instead of step");
    }
    {
        g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
        pfx_probes(f)->base_lr = 0;
        g_autoptr(detect_set) d = NULL;
        const finding_rec *r = preflight_only(f, &d);
        check(r, FL_LEVEL_COLLAPSED, 0);
        assert_has(r->advice, "raise optimizer.lr from 0 (try 0.001)");
    }
    {
        g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
        pfx_probes(f)->base_lr = pfx_probes(f)->final_lr = 1e-6;
        g_autoptr(detect_set) d = NULL;
        const finding_rec *r = preflight_only(f, &d);
        check(r, FL_LEVEL_WARNING, 0);
        assert_has(r->evidence, "optimizer.lr = 1e-06");
        /* Keras' default rate for adam is what it suggests; for sgd its own. */
        assert_has(r->advice, "raise optimizer.lr from 1e-06 (try 0.001)");
    }
    {
        g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
        fl_probes *p = pfx_probes(f);
        pfx_set_optimizer(f, "sgd");
        p->base_lr = p->final_lr = 1e-6;
        g_autoptr(detect_set) d = NULL;
        assert_has(preflight_only(f, &d)->advice, "(try 0.01)");
    }
}

static void test_no_update_schedule(void)
{
    g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
    fl_probes *p = pfx_probes(f);
    pfx_set_schedule(f, "exponential_decay");
    p->base_lr = 0.01;
    p->final_lr = 2e-9;
    g_autoptr(detect_set) d = NULL;
    const finding_rec *r = preflight_only(f, &d);
    check(r, FL_LEVEL_WARNING, 0);
    /* Steps count from 0; final_lr is the rate of the last one. */
    double last = (double)p->max_epochs * (double)p->steps_per_epoch - 1;
    g_autofree char *takes =
        g_strdup_printf("exponential_decay takes lr from 0.01 to 2e-09 by step %.0f", last);
    assert_has(r->evidence, takes);
    /* The first step whose rate is below 1e-5, walking the schedule step by step. */
    long step = 0;
    while (0.01 * pow(2e-9 / 0.01, (double)step / last) >= 1e-5)
        step++;
    g_autofree char *below = g_strdup_printf("from about step %ld, epoch %ld", step,
                                             step / (long)p->steps_per_epoch + 1);
    assert_has(r->evidence, below);
    assert_has(r->advice, "optimizer.schedule.decay_steps");
}

/* Healthy epochs 1-3, then update ratios `ratio` and gradient norms `grad` in every
 * layer for n epochs, loss from 0.9 by `per_epoch`. */
static pfx *still_stream(double ratio, double grad, int n, double per_epoch)
{
    pfx *f = pfx_new(1, 3, 2, 20);
    pfx_push(f);
    pfx_push_healthy(f, 3);
    double loss = 0.9;
    for (int i = 0; i < n; i++, loss *= per_epoch) {
        pfx_epoch e = push_loss(f, loss);
        for (size_t k = 0; k < 3; k++) {
            e.layers[k].update_ratio = ratio * (double)(k + 1);
            e.layers[k].grad_norm = grad;
        }
    }
    return f;
}

static void test_no_update_observed(void)
{
    g_autoptr(pfx) f = still_stream(1e-8, 0.05, 10, 1.0);
    g_autoptr(detect_set) d = pfx_run_one(f, "no_update", NULL);
    const finding_rec *r = pfx_finding(d, "no_update");
    check(r, FL_LEVEL_COLLAPSED, 4);
    assert_has(r->evidence, "since epoch 4");
    assert_has(r->evidence, "l0 1e-08");
    assert_has(r->evidence, "l2 3e-08");
    assert_has(r->evidence, "l1 0.05");
    assert_has(r->cause, "0.001");
    assert_has(r->advice, "raise optimizer.lr from 0.001 (try 0.01)");

    /* The schedule took the rate down: the advice is about the schedule. */
    g_autoptr(pfx) g = still_stream(1e-8, 0.05, 10, 1.0);
    const fl_probes *p = pfx_probes(g);
    for (size_t k = 4; k <= p->n_epochs; k++)
        ((fl_epoch_probe *)fl_probes_epoch(p, k))->lr = 1e-7;
    g_autoptr(detect_set) d2 = pfx_run_one(g, "no_update", NULL);
    r = pfx_finding(d2, "no_update");
    check(r, FL_LEVEL_COLLAPSED, 4);
    assert_has(r->cause, "from 0.001 to 1e-07");
    assert_has(r->advice, "decay_steps");
}

static void test_no_update_tiny_rate(void)
{
    /* Adam at lr 1e-6 still moves weights by ~1e-5 of their norm per epoch, above
     * min_ratio: the rate is what shows the run is stuck. */
    g_autoptr(pfx) f = pfx_new(1, 3, 2, 20);
    fl_probes *p = pfx_probes(f);
    p->base_lr = p->final_lr = 1e-6;
    pfx_push(f);
    for (int i = 0; i < 8; i++) {
        pfx_epoch e = push_loss(f, 0.9 - 1e-5 * i);
        for (size_t k = 0; k < 3; k++) {
            e.layers[k].update_ratio = 5e-5;
            e.layers[k].grad_norm = 0.3;
        }
    }
    g_autoptr(detect_set) d = pfx_run_one(f, "no_update", NULL);
    const finding_rec *r = pfx_finding(d, "no_update");
    check(r, FL_LEVEL_COLLAPSED, 1);
    assert_has(r->evidence, "lr below 1e-05 since epoch 1 (1e-06 now)");
    assert_has(r->cause, "1e-06 is too small");
    assert_has(r->advice, "raise optimizer.lr from 1e-06 (try 0.001)");
    /* The same rate while the loss falls 2% an epoch: only the pre-flight warning. */
    g_autoptr(pfx) g = pfx_new(1, 3, 2, 20);
    pfx_probes(g)->base_lr = pfx_probes(g)->final_lr = 1e-6;
    pfx_push(g);
    for (int i = 0; i < 8; i++)
        push_loss(g, 0.9 * pow(0.98, i));
    g_assert_cmpint(level_of(g, "no_update", NULL), ==, FL_LEVEL_WARNING);
}

static void test_no_update_quiet(void)
{
    /* Still weights because the gradient is ~0 (dead or saturated units): not ours. */
    g_autoptr(pfx) f = still_stream(1e-9, 1e-7, 10, 1.0);
    g_assert_cmpint(level_of(f, "no_update", NULL), ==, 0);
    /* Just above min_ratio in the first layer (the others move more). */
    g_autoptr(pfx) g = still_stream(1.05e-6, 0.05, 10, 1.0);
    g_assert_cmpint(level_of(g, "no_update", NULL), ==, 0);
    const char *opts[] = {"min_ratio=1.1e-6", NULL};
    g_assert_cmpint(level_of(g, "no_update", opts), ==, 0); /* l1, l2 still move more */
    const char *opts3[] = {"min_ratio=3.2e-6", NULL};
    g_assert_cmpint(level_of(g, "no_update", opts3), ==, FL_LEVEL_COLLAPSED);
    /* A run that fitted the data (loss 0.05 of predicting the mean's) before its
     * schedule took the rate to 1e-7: converged, not stuck. */
    g_autoptr(pfx) c = pfx_new(1, 3, 2, 20);
    pfx_push(c);
    pfx_push_healthy(c, 60);
    for (int i = 0; i < 10; i++) {
        pfx_epoch e = pfx_push(c);
        e.e->lr = 1e-7;
        for (size_t k = 0; k < 3; k++)
            e.layers[k].update_ratio = 1e-8;
    }
    g_assert_cmpint(level_of(c, "no_update", NULL), ==, 0);
    const char *strict[] = {"learned=0.01", NULL};
    g_assert_cmpint(level_of(c, "no_update", strict), ==, FL_LEVEL_COLLAPSED);
    /* Tiny updates while the loss still falls 5% an epoch. */
    g_autoptr(pfx) h = still_stream(1e-8, 0.05, 10, 0.95);
    g_assert_cmpint(level_of(h, "no_update", NULL), ==, 0);
    /* Rates on the safe side of tiny_lr, before and after the schedule. */
    g_autoptr(pfx) q = pfx_new(1, 2, 2, 20);
    pfx_probes(q)->base_lr = 1.5e-5;
    pfx_probes(q)->final_lr = 1.5e-5;
    pfx_push(q);
    pfx_push_healthy(q, 60);
    g_assert_cmpint(level_of(q, "no_update", NULL), ==, 0);
}

/* ---------------------------------------------------------------- divergence */

static void test_divergence_nan(void)
{
    g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
    pfx_push(f);
    pfx_push_healthy(f, 6);
    double before = fl_probes_epoch(pfx_probes(f), 6)->loss;
    push_loss(f, NAN);
    g_autoptr(detect_set) d = pfx_run_one(f, "divergence", NULL);
    const finding_rec *r = pfx_finding(d, "divergence");
    check(r, FL_LEVEL_COLLAPSED, 7);
    assert_has(r->evidence, "training loss is NaN at epoch 7");
    assert_has(r->evidence, num(before));
    assert_has(r->advice, "lower optimizer.lr from 0.001 (try 0.0001)");

    /* Validation loss Inf with a validation split. */
    g_autoptr(pfx) g = pfx_new(1, 2, 2, 20);
    pfx_probes(g)->n_val = 20;
    pfx_push(g);
    pfx_push_healthy(g, 4);
    pfx_epoch e = pfx_push(g);
    e.e->val_loss = INFINITY;
    g_autoptr(detect_set) d2 = pfx_run_one(g, "divergence", NULL);
    check(pfx_finding(d2, "divergence"), FL_LEVEL_COLLAPSED, 5);
    assert_has(pfx_finding(d2, "divergence")->evidence, "validation loss is +Inf");

    /* Without a validation split val_loss is NaN by design. */
    g_autoptr(pfx) h = pfx_new(1, 2, 2, 20);
    pfx_push(h);
    pfx_push_healthy(h, 10);
    for (size_t k = 0; k <= 10; k++)
        ((fl_epoch_probe *)fl_probes_epoch(pfx_probes(h), k))->val_loss = NAN;
    g_assert_cmpint(level_of(h, "divergence", NULL), ==, 0);

    /* An untrained network with a NaN loss: pre-flight, epoch 0. */
    g_autoptr(pfx) q = pfx_new(1, 2, 2, 20);
    pfx_epoch z = pfx_push(q);
    z.e->loss = NAN;
    g_autoptr(detect_set) d3 = pfx_run_one(q, "divergence", NULL);
    check(pfx_finding(d3, "divergence"), FL_LEVEL_COLLAPSED, 0);
}

/* Epoch-0 loss 1; healthy epochs 1-5; then the given losses. */
static pfx *growth_stream(const double *losses, size_t n)
{
    pfx *f = pfx_new(1, 2, 2, 20);
    pfx_push(f);
    pfx_push_healthy(f, 5);
    for (size_t i = 0; i < n; i++)
        push_loss(f, losses[i]);
    return f;
}

static void test_divergence_growth(void)
{
    const double rising[] = {5, 12, 30, 70, 150};
    g_autoptr(pfx) f = growth_stream(rising, 5);
    pfx_arrays(f).input_absmax[1] = 500;
    g_autoptr(detect_set) d = pfx_run_one(f, "divergence", NULL);
    const finding_rec *r = pfx_finding(d, "divergence");
    double l0 = fl_probes_epoch(pfx_probes(f), 0)->loss;
    check(r, FL_LEVEL_COLLAPSED, 7); /* epoch 7: first above 10 x 1 and rising */
    /* Final at epoch 9, the third rising epoch (patience 3): its loss is the evidence. */
    assert_has(r->evidence, "training loss 70 at epoch 9");
    assert_has(r->evidence, num(rising[3] / l0));
    g_autofree char *from = g_strdup_printf("last 3 epochs (from %s at epoch 6)", num(rising[0]));
    assert_has(r->evidence, from);
    assert_has(r->advice, "lower optimizer.lr from 0.001 (try 0.0001)");
    assert_has(r->advice, "input x1 reaches |x| = 500");

    /* Two rising epochs above the bound: a warning so far. */
    g_autoptr(pfx) g = growth_stream(rising, 3);
    g_autoptr(detect_set) d2 = pfx_run_one(g, "divergence", NULL);
    check(pfx_finding(d2, "divergence"), FL_LEVEL_WARNING, 7);
    assert_has(pfx_finding(d2, "divergence")->advice, "check the scale");
}

static void test_divergence_quiet(void)
{
    /* Rising, but to 9.9 x the epoch-0 loss only. */
    const double below[] = {2, 4, 6, 8, 9.9};
    g_autoptr(pfx) f = growth_stream(below, 5);
    g_assert_cmpint(level_of(f, "divergence", NULL), ==, 0);
    const char *opts[] = {"grow_factor=9", NULL};
    g_assert_cmpint(level_of(f, "divergence", opts), ==, FL_LEVEL_WARNING);
    /* Far above, but no longer rising. */
    const double flat[] = {15, 15, 15, 15};
    g_autoptr(pfx) g = growth_stream(flat, 4);
    g_assert_cmpint(level_of(g, "divergence", NULL), ==, 0);
}

/* ---------------------------------------------------------------- exploding_gradient */

/* Three layers; healthy epochs 1-3, then gradient norms g[0..2] for n epochs with the
 * loss from 0.9 by per_epoch. */
static pfx *grad_stream(const double *g, int n, double per_epoch)
{
    pfx *f = pfx_new(1, 3, 2, 20);
    pfx_push(f);
    pfx_push_healthy(f, 3);
    double loss = 0.9;
    for (int i = 0; i < n; i++, loss *= per_epoch) {
        pfx_epoch e = push_loss(f, loss);
        for (size_t k = 0; k < 3; k++)
            e.layers[k].grad_norm = g[k];
    }
    return f;
}

static void test_exploding_gradient_nonfinite(void)
{
    g_autoptr(pfx) f = pfx_new(1, 3, 2, 20);
    pfx_push(f);
    pfx_push_healthy(f, 5);
    pfx_epoch e = pfx_push(f);
    e.layers[1].grad_norm = INFINITY;
    pfx_push_healthy(f, 2);
    g_autoptr(detect_set) d = pfx_run_one(f, "exploding_gradient", NULL);
    const finding_rec *r = pfx_finding(d, "exploding_gradient");
    check(r, FL_LEVEL_COLLAPSED, 6);
    assert_has(r->evidence, "layer l1 at epoch 6: gradient norm +Inf");
}

static void test_exploding_gradient_ratio(void)
{
    const double g[] = {2000, 100, 10};
    g_autoptr(pfx) f = grad_stream(g, 10, 1.0);
    pfx_set_init(f, 0, "normal");
    pfx_layer(f, 0)->init_std = 3.0;
    g_autoptr(detect_set) d = pfx_run_one(f, "exploding_gradient", NULL);
    const finding_rec *r = pfx_finding(d, "exploding_gradient");
    check(r, FL_LEVEL_COLLAPSED, 4);
    /* The worst upstream/downstream pair is l0 over l2. */
    g_autofree char *pair = g_strdup_printf("gradient norm of l0 %s = %s x that of l2 %s",
                                            num(2000), num(2000.0 / 10), num(10));
    assert_has(r->evidence, pair);
    assert_has(r->evidence, "since epoch 4");
    assert_has(r->advice, "lower optimizer.lr from 0.001 (try 0.0001)");
    assert_has(r->advice, "model.l0.init = \"glorot_uniform\" (now normal with std 3)");

    /* Still learning: a warning. */
    g_autoptr(pfx) h = grad_stream(g, 10, 0.9);
    g_autoptr(detect_set) d2 = pfx_run_one(h, "exploding_gradient", NULL);
    check(pfx_finding(d2, "exploding_gradient"), FL_LEVEL_WARNING, 4);
}

/* Layer l1 of grad_stream's network is 8 x 8: a Glorot kernel of that shape has norm
 * sqrt(64 weights x variance 2 / 16). */
static double glorot_norm_8x8(void)
{
    double sum = 0;
    for (int i = 0; i < 64; i++)
        sum += 2.0 / 16.0;
    return sqrt(sum);
}

/* Healthy epochs 1-3, then l1's weight norm at `w` for 8 flat epochs. */
static pfx *weights_stream(double w)
{
    pfx *f = pfx_new(1, 3, 2, 20);
    pfx_push(f);
    pfx_push_healthy(f, 3);
    for (int i = 0; i < 8; i++)
        push_loss(f, 0.9).layers[1].weight_norm = w;
    return f;
}

static void test_exploding_gradient_weights(void)
{
    /* l1 starts at norm 1, below a Glorot kernel's: growth counts from the latter. */
    double ref = glorot_norm_8x8();
    g_autoptr(pfx) f = weights_stream(150 * ref);
    g_assert_cmpfloat(fl_epoch_layer(fl_probes_epoch(pfx_probes(f), 0), 1)->weight_norm, <, ref);
    g_autoptr(detect_set) d = pfx_run_one(f, "exploding_gradient", NULL);
    const finding_rec *r = pfx_finding(d, "exploding_gradient");
    check(r, FL_LEVEL_COLLAPSED, 4);
    g_autofree char *w = g_strdup_printf("weight norm of l1 %s = %s x %s", num(150 * ref),
                                         num(150), num(ref));
    assert_has(r->evidence, w);
    /* 95 x: below the bound. */
    g_autoptr(pfx) g = weights_stream(95 * ref);
    g_assert_cmpint(level_of(g, "exploding_gradient", NULL), ==, 0);
    /* 150 x its own norm of 1 but under 100 x Glorot's: a small init growing up. */
    g_autoptr(pfx) h = weights_stream(150);
    g_assert_cmpint(level_of(h, "exploding_gradient", NULL), ==, 0);
}

static void test_exploding_gradient_quiet(void)
{
    const double close[] = {600, 100, 10.0}; /* ratio 60 */
    g_autoptr(pfx) f = grad_stream(close, 10, 1.0);
    g_assert_cmpint(level_of(f, "exploding_gradient", NULL), ==, 0);
    const char *opts[] = {"ratio=55", NULL};
    g_assert_cmpint(level_of(f, "exploding_gradient", opts), ==, FL_LEVEL_COLLAPSED);
    const double small[] = {5, 0.5, 0.025}; /* ratio 200, but norms below 10 */
    g_autoptr(pfx) g = grad_stream(small, 10, 1.0);
    g_assert_cmpint(level_of(g, "exploding_gradient", NULL), ==, 0);
    const double dead[] = {0, 20, 50}; /* larger downstream: vanishing, not exploding */
    g_autoptr(pfx) h = grad_stream(dead, 10, 1.0);
    g_assert_cmpint(level_of(h, "exploding_gradient", NULL), ==, 0);
    /* Two heads on l0: l1 and l2 do not feed each other, so their ratio says nothing. */
    const double heads[] = {20, 2000, 10};
    g_autoptr(pfx) q = grad_stream(heads, 10, 1.0);
    pfx_layer(q, 2)->input = 0;
    g_assert_cmpint(level_of(q, "exploding_gradient", NULL), ==, 0);
    pfx_layer(q, 2)->input = 1;
    g_assert_cmpint(level_of(q, "exploding_gradient", NULL), ==, FL_LEVEL_COLLAPSED);
}

/* ---------------------------------------------------------------- vanishing_gradient */

static void test_vanishing_gradient_collapse(void)
{
    const double g[] = {1e-7, 1e-5, 0.05};
    g_autoptr(pfx) f = grad_stream(g, 10, 1.0);
    pfx_layer(f, 0)->activation.kind = FL_ACT_SIGMOID;
    pfx_layer(f, 1)->activation.kind = FL_ACT_SIGMOID;
    g_autoptr(detect_set) d = pfx_run_one(f, "vanishing_gradient", NULL);
    const finding_rec *r = pfx_finding(d, "vanishing_gradient");
    check(r, FL_LEVEL_COLLAPSED, 4);
    g_autofree char *norms =
        g_strdup_printf("l0 %s l1 %s l2 %s", num(1e-7), num(1e-5), num(0.05));
    assert_has(r->evidence, norms);
    g_autofree char *ratio = g_strdup_printf("l0 / l2 = %s", num(1e-7 / 0.05));
    assert_has(r->evidence, ratio);
    assert_has(r->evidence, "since epoch 4");
    assert_has(r->advice, "relu with init he_uniform in l0, l1 (now sigmoid)");
    assert_has(r->advice, "3 weighted layers");

    g_autoptr(pfx) h = grad_stream(g, 10, 0.9);
    g_autoptr(detect_set) d2 = pfx_run_one(h, "vanishing_gradient", NULL);
    check(pfx_finding(d2, "vanishing_gradient"), FL_LEVEL_WARNING, 4);
}

static void test_vanishing_gradient_quiet(void)
{
    const double big_first[] = {1.1e-4, 1e-2, 1.0}; /* ratio 1.1e-4, but first >= 1e-4 */
    g_autoptr(pfx) f = grad_stream(big_first, 10, 1.0);
    g_assert_cmpint(level_of(f, "vanishing_gradient", NULL), ==, 0);
    const char *opts[] = {"first_norm=1.2e-4", NULL};
    g_assert_cmpint(level_of(f, "vanishing_gradient", opts), ==, FL_LEVEL_COLLAPSED);
    const double ratio[] = {5e-5, 1e-3, 0.045}; /* ratio 1.11e-3 */
    g_autoptr(pfx) g = grad_stream(ratio, 10, 1.0);
    g_assert_cmpint(level_of(g, "vanishing_gradient", NULL), ==, 0);
    const double zero[] = {0, 0, 0};
    g_autoptr(pfx) h = grad_stream(zero, 10, 1.0);
    g_assert_cmpint(level_of(h, "vanishing_gradient", NULL), ==, 0);
    /* An exactly zero first-layer gradient is blocked (dead units), not fading. */
    const double blocked[] = {0, 1e-5, 0.05};
    g_autoptr(pfx) b = grad_stream(blocked, 10, 1.0);
    g_assert_cmpint(level_of(b, "vanishing_gradient", NULL), ==, 0);
    /* One weighted layer: nothing to compare. */
    const double g2[] = {1e-7, 1e-5, 0.05};
    g_autoptr(pfx) q = grad_stream(g2, 10, 1.0);
    pfx_layer(q, 0)->has_weights = FALSE;
    pfx_layer(q, 1)->has_weights = FALSE;
    g_assert_cmpint(level_of(q, "vanishing_gradient", NULL), ==, 0);
}

/* ---------------------------------------------------------------- oscillation */

/* Epoch-0 loss 1, epochs 1-5 at `base`, then alternating hi, lo, hi, ... up to epoch n. */
static pfx *osc_stream(double base, double hi, double lo, int n)
{
    pfx *f = pfx_new(1, 2, 2, 20);
    pfx_push(f);
    for (int k = 1; k <= n; k++)
        push_loss(f, k <= 5 ? base : ((k - 6) % 2 ? lo : hi));
    return f;
}

static void test_oscillation_collapse(void)
{
    g_autoptr(pfx) f = osc_stream(1.0, 1.6, 1.0, 21);
    g_autoptr(detect_set) d = pfx_run_one(f, "oscillation", NULL);
    const finding_rec *r = pfx_finding(d, "oscillation");
    check(r, FL_LEVEL_COLLAPSED, 6);
    /* Epochs 12-21 alternate every epoch: 10 moves, 9 reversals. */
    assert_has(r->evidence, "reversed direction 9 times in epochs 12-21");
    assert_has(r->evidence, num(100 * 0.6)); /* largest jump: 1 -> 1.6 */
    assert_has(r->advice, "lower optimizer.lr from 0.001 (try 0.0001)");
    assert_has(r->advice, "raise train.batch from 32 (try 100)");

    /* One epoch earlier only one window is complete after the first jumps: a warning. */
    g_autoptr(pfx) g = osc_stream(1.0, 1.6, 1.0, 20);
    g_autoptr(detect_set) d2 = pfx_run_one(g, "oscillation", NULL);
    check(pfx_finding(d2, "oscillation"), FL_LEVEL_WARNING, 6);
}

static void test_oscillation_quiet(void)
{
    /* Jumps of 9.5% and 8.7%: below rel_jump. */
    g_autoptr(pfx) f = osc_stream(1.0, 1.095, 1.0, 30);
    g_assert_cmpint(level_of(f, "oscillation", NULL), ==, 0);
    const char *opts[] = {"rel_jump=0.08", NULL};
    g_assert_cmpint(level_of(f, "oscillation", opts), ==, FL_LEVEL_COLLAPSED);
    /* Bouncing well below the untrained loss: a warning, not a collapse. */
    g_autoptr(pfx) g = osc_stream(0.6, 0.8, 0.5, 40);
    g_assert_cmpint(level_of(g, "oscillation", NULL), ==, FL_LEVEL_WARNING);
    /* Bouncing but settling: every window ends 10% lower. */
    g_autoptr(pfx) h = pfx_new(1, 2, 2, 20);
    pfx_push(h);
    for (int k = 1; k <= 40; k++)
        push_loss(h, (k % 2 ? 1.6 : 1.0) * pow(0.99, k));
    g_assert_cmpint(level_of(h, "oscillation", NULL), ==, 0);
    /* A fitted network wobbling by 15% of a loss 1% of the untrained one. */
    g_autoptr(pfx) q = pfx_new(1, 2, 2, 20);
    pfx_push(q);
    pfx_push_healthy(q, 60);
    for (int k = 0; k < 20; k++)
        push_loss(q, 0.008 * (k % 2 ? 1.15 : 0.87));
    g_assert_cmpint(level_of(q, "oscillation", NULL), ==, 0);
    const char *noise[] = {"min_jump0=0", NULL};
    g_assert_cmpint(level_of(q, "oscillation", noise), ==, FL_LEVEL_WARNING);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/detectors-a/generic", test_generic);
    g_test_add_func("/detectors-a/constant_output/collapse", test_constant_output_collapse);
    g_test_add_func("/detectors-a/constant_output/recovering", test_constant_output_recovering);
    g_test_add_func("/detectors-a/constant_output/growing", test_constant_output_growing);
    g_test_add_func("/detectors-a/constant_output/exact", test_constant_output_exact);
    g_test_add_func("/detectors-a/constant_output/quiet", test_constant_output_quiet);
    g_test_add_func("/detectors-a/zero_output/collapse", test_zero_output_collapse);
    g_test_add_func("/detectors-a/zero_output/exact-recovering",
                    test_zero_output_exact_and_recovering);
    g_test_add_func("/detectors-a/zero_output/quiet", test_zero_output_quiet);
    g_test_add_func("/detectors-a/identical_heads/collapse", test_identical_heads_collapse);
    g_test_add_func("/detectors-a/identical_heads/recovering", test_identical_heads_recovering);
    g_test_add_func("/detectors-a/identical_heads/quiet", test_identical_heads_quiet);
    g_test_add_func("/detectors-a/single_class/multiclass", test_single_class_multiclass);
    g_test_add_func("/detectors-a/single_class/binary", test_single_class_binary);
    g_test_add_func("/detectors-a/single_class/recovering", test_single_class_recovering);
    g_test_add_func("/detectors-a/single_class/quiet", test_single_class_quiet);
    g_test_add_func("/detectors-a/no_update/preflight", test_no_update_preflight);
    g_test_add_func("/detectors-a/no_update/schedule", test_no_update_schedule);
    g_test_add_func("/detectors-a/no_update/observed", test_no_update_observed);
    g_test_add_func("/detectors-a/no_update/tiny-rate", test_no_update_tiny_rate);
    g_test_add_func("/detectors-a/no_update/quiet", test_no_update_quiet);
    g_test_add_func("/detectors-a/divergence/nan", test_divergence_nan);
    g_test_add_func("/detectors-a/divergence/growth", test_divergence_growth);
    g_test_add_func("/detectors-a/divergence/quiet", test_divergence_quiet);
    g_test_add_func("/detectors-a/exploding_gradient/nonfinite", test_exploding_gradient_nonfinite);
    g_test_add_func("/detectors-a/exploding_gradient/ratio", test_exploding_gradient_ratio);
    g_test_add_func("/detectors-a/exploding_gradient/weights", test_exploding_gradient_weights);
    g_test_add_func("/detectors-a/exploding_gradient/quiet", test_exploding_gradient_quiet);
    g_test_add_func("/detectors-a/vanishing_gradient/collapse", test_vanishing_gradient_collapse);
    g_test_add_func("/detectors-a/vanishing_gradient/quiet", test_vanishing_gradient_quiet);
    g_test_add_func("/detectors-a/oscillation/collapse", test_oscillation_collapse);
    g_test_add_func("/detectors-a/oscillation/quiet", test_oscillation_quiet);
    return g_test_run();
}
