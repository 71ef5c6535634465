/* test-detect-dynamics.c — the training-dynamics causes: updates that do not happen,
 * losses and gradients that run away or vanish, a loss that swings.  What each detector is
 * tested on: probe-fixture.h. */
#include "detect-topics.h"
#include "probe-fixture.h"
#include "testutil.h"
#include "detect.h"
#include "priorities.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const pfx_detector detectors[] = {
    {"no_update", FL_DETECTS_CAUSE, PRIORITY_NO_UPDATE, 2},
    {"divergence", FL_DETECTS_CAUSE, PRIORITY_DIVERGENCE, 2},
    {"exploding_gradient", FL_DETECTS_CAUSE, PRIORITY_EXPLODING_GRADIENT, 2},
    {"vanishing_gradient", FL_DETECTS_CAUSE, PRIORITY_VANISHING_GRADIENT, 2},
    {"oscillation", FL_DETECTS_CAUSE, PRIORITY_OSCILLATION, 2},
    {"batchnorm", FL_DETECTS_CAUSE, PRIORITY_BATCHNORM, 2},
};

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
        pfx_check(r, FL_LEVEL_COLLAPSED, 0);
        pfx_assert_has(r->evidence, "optimizer = \"none\"");
        pfx_assert_has(r->advice, "set optimizer to adam");
    }
    {
        g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
        pfx_set_loss(f, "step");
        g_autoptr(detect_set) d = NULL;
        const finding_rec *r = preflight_only(f, &d);
        pfx_check(r, FL_LEVEL_COLLAPSED, 0);
        pfx_assert_has(r->evidence, "\"step\"");
        pfx_assert_has(r->advice, "use loss mse instead of step");
    }
    {
        g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
        pfx_probes(f)->base_lr = 0;
        g_autoptr(detect_set) d = NULL;
        const finding_rec *r = preflight_only(f, &d);
        pfx_check(r, FL_LEVEL_COLLAPSED, 0);
        pfx_assert_has(r->advice, "raise optimizer.lr from 0 (try 0.001)");
    }
    {
        g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
        pfx_probes(f)->base_lr = pfx_probes(f)->final_lr = 1e-6;
        g_autoptr(detect_set) d = NULL;
        const finding_rec *r = preflight_only(f, &d);
        pfx_check(r, FL_LEVEL_WARNING, 0);
        pfx_assert_has(r->evidence, "optimizer.lr = 1e-06");
        /* Keras' default rate for adam is what it suggests; for sgd its own. */
        pfx_assert_has(r->advice, "raise optimizer.lr from 1e-06 (try 0.001)");
    }
    {
        g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
        fl_probes *p = pfx_probes(f);
        pfx_set_optimizer(f, "sgd");
        p->base_lr = p->final_lr = 1e-6;
        g_autoptr(detect_set) d = NULL;
        pfx_assert_has(preflight_only(f, &d)->advice, "(try 0.01)");
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
    pfx_check(r, FL_LEVEL_WARNING, 0);
    /* Steps count from 0; final_lr is the rate of the last one. */
    double last = (double)p->max_epochs * (double)p->steps_per_epoch - 1;
    g_autofree char *takes =
        g_strdup_printf("exponential_decay takes lr from 0.01 to 2e-09 by step %.0f", last);
    pfx_assert_has(r->evidence, takes);
    /* The first step whose rate is below 1e-5, walking the schedule step by step. */
    long step = 0;
    while (0.01 * pow(2e-9 / 0.01, (double)step / last) >= 1e-5)
        step++;
    g_autofree char *below = g_strdup_printf("from about step %ld, epoch %ld", step,
                                             step / (long)p->steps_per_epoch + 1);
    pfx_assert_has(r->evidence, below);
    pfx_assert_has(r->advice, "optimizer.schedule.decay_steps");
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
        pfx_epoch e = pfx_push_loss(f, loss);
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
    pfx_check(r, FL_LEVEL_COLLAPSED, 4);
    pfx_assert_has(r->evidence, "since epoch 4");
    pfx_assert_has(r->evidence, "l0 1e-08");
    pfx_assert_has(r->evidence, "l2 3e-08");
    pfx_assert_has(r->evidence, "l1 0.05");
    pfx_assert_has(r->cause, "0.001");
    pfx_assert_has(r->advice, "raise optimizer.lr from 0.001 (try 0.01)");

    /* The schedule took the rate down: the advice is about the schedule. */
    g_autoptr(pfx) g = still_stream(1e-8, 0.05, 10, 1.0);
    const fl_probes *p = pfx_probes(g);
    for (size_t k = 4; k <= p->n_epochs; k++)
        ((fl_epoch_probe *)fl_probes_epoch(p, k))->lr = 1e-7;
    g_autoptr(detect_set) d2 = pfx_run_one(g, "no_update", NULL);
    r = pfx_finding(d2, "no_update");
    pfx_check(r, FL_LEVEL_COLLAPSED, 4);
    pfx_assert_has(r->cause, "from 0.001 to 1e-07");
    pfx_assert_has(r->advice, "decay_steps");
}

/* Eight epochs of an optimizer at rate lr whose loss falls by `step` an epoch (next to
 * nothing) while every layer's weights move by `update` of their norm. */
static pfx *tiny_rate_stream(const char *optimizer, double lr, double step, double update)
{
    pfx *f = pfx_new(1, 3, 2, 20);
    if (optimizer)
        pfx_set_optimizer(f, optimizer);
    pfx_probes(f)->base_lr = pfx_probes(f)->final_lr = lr;
    pfx_push(f);
    for (int i = 0; i < 8; i++) {
        pfx_epoch e = pfx_push_loss(f, 0.9 - step * i);
        for (size_t k = 0; k < 3; k++) {
            e.layers[k].update_ratio = update;
            e.layers[k].grad_norm = 0.3;
        }
    }
    return f;
}

static void test_no_update_tiny_rate(void)
{
    /* Adam at lr 1e-6 still moves weights by ~1e-5 of their norm per epoch, above
     * min_ratio: the rate is what shows the run is stuck. */
    g_autoptr(pfx) f = tiny_rate_stream(NULL, 1e-6, 1e-5, 5e-5);
    g_autoptr(detect_set) d = pfx_run_one(f, "no_update", NULL);
    const finding_rec *r = pfx_finding(d, "no_update");
    pfx_check(r, FL_LEVEL_COLLAPSED, 1);
    pfx_assert_has(r->evidence, "lr below 1e-05 since epoch 1 (1e-06 now)");
    pfx_assert_has(r->cause, "1e-06 is too small");
    pfx_assert_has(r->advice, "raise optimizer.lr from 1e-06 (try 0.001)");
    /* The same rate while the loss falls 2% an epoch: only the pre-flight warning. */
    g_autoptr(pfx) g = pfx_new(1, 3, 2, 20);
    pfx_probes(g)->base_lr = pfx_probes(g)->final_lr = 1e-6;
    pfx_push(g);
    for (int i = 0; i < 8; i++)
        pfx_push_loss(g, 0.9 * pow(0.98, i));
    g_assert_cmpint(pfx_level(g, "no_update", NULL), ==, FL_LEVEL_WARNING);

    /* SGD, whose usual rate is 0.01, at 5e-5: above tiny_lr, so nothing before training;
     * a loss that does not improve then names the rate (a hundredth of SGD's usual), and
     * the first fix is that usual rate.  Adam at the same rate is its own half of usual:
     * not reported. */
    for (int sgd = 1; sgd >= 0; sgd--) {
        g_autoptr(pfx) h = tiny_rate_stream(sgd ? "sgd" : "adam", 5e-5, 1e-4, 2e-4);
        g_autoptr(detect_set) dh = pfx_run_one(h, "no_update", NULL);
        r = pfx_finding(dh, "no_update");
        if (!sgd) {
            g_assert_null(r);
            continue;
        }
        pfx_check(r, FL_LEVEL_COLLAPSED, 1);
        pfx_assert_has(r->evidence, "lr below 0.0001 since epoch 1 (5e-05 now)");
        pfx_assert_has(r->advice, "raise optimizer.lr from 5e-05 (try 0.01)");
        g_assert_true(pfx_has_fix(r, (const char *const[]){"optimizer.lr=0.01", NULL}));
        /* The same rate while the loss falls 2% an epoch: nothing at all. */
        g_autoptr(pfx) fall = pfx_new(1, 3, 2, 20);
        pfx_set_optimizer(fall, "sgd");
        pfx_probes(fall)->base_lr = pfx_probes(fall)->final_lr = 5e-5;
        pfx_push(fall);
        for (int i = 0; i < 8; i++)
            pfx_push_loss(fall, 0.9 * pow(0.98, i));
        g_assert_cmpint(pfx_level(fall, "no_update", NULL), ==, 0);
    }
}

/* SGD at 5e-5 (a two-hundredth of its usual 0.01) over all 30 epochs planned, the loss
 * falling 1% an epoch (from `start`): never a plateau, so only the end of the run tells. */
static pfx *crawl_stream(const char *optimizer, double lr, double start, int epochs)
{
    pfx *f = pfx_new(1, 3, 2, 20);
    pfx_set_optimizer(f, optimizer);
    pfx_probes(f)->base_lr = pfx_probes(f)->final_lr = lr;
    pfx_probes(f)->max_epochs = 30;
    pfx_push(f).e->lr = lr;
    for (int i = 0; i < epochs; i++)
        pfx_push_loss(f, start * pow(0.99, i)).e->lr = lr;
    return f;
}

static void test_no_update_crawl(void)
{
    /* At the last epoch the loss (1 untrained) is still 0.71 of predicting the mean: the
     * rate is why. */
    g_autoptr(pfx) f = crawl_stream("sgd", 5e-5, 0.95, 30);
    g_autoptr(detect_set) d = pfx_run_one(f, "no_update", NULL);
    const finding_rec *r = pfx_finding(d, "no_update");
    pfx_check(r, FL_LEVEL_WARNING, 30);
    pfx_assert_has(r->evidence, "lr 5e-05, below 0.0001, for all 30 epochs planned: the loss "
                                "went from 1 to 0.71, still 71% of the loss of predicting the "
                                "mean (1)");
    pfx_assert_has(r->cause, "the run ends before it gets anywhere");
    g_assert_true(pfx_has_fix(r, (const char *const[]){"optimizer.lr=0.01", NULL}));
    /* The same run one epoch short of its end: nothing yet. */
    g_autoptr(pfx) early = crawl_stream("sgd", 5e-5, 0.95, 29);
    g_assert_cmpint(pfx_level(early, "no_update", NULL), ==, 0);
    /* Ending below half the mean's loss: it learned, slowly. */
    g_autoptr(pfx) learned = crawl_stream("sgd", 5e-5, 0.6, 30);
    g_assert_cmpint(pfx_level(learned, "no_update", NULL), ==, 0);
    const char *strict[] = {"learned=0.4", NULL}; /* 0.45 at the end */
    g_assert_cmpint(pfx_level(learned, "no_update", strict), ==, FL_LEVEL_WARNING);
    /* Adam at 5e-5 is half its usual rate, SGD at 1e-3 a tenth: not too small. */
    g_autoptr(pfx) adam = crawl_stream("adam", 5e-5, 0.95, 30);
    g_assert_cmpint(pfx_level(adam, "no_update", NULL), ==, 0);
    g_autoptr(pfx) sgd = crawl_stream("sgd", 1e-3, 0.95, 30);
    g_assert_cmpint(pfx_level(sgd, "no_update", NULL), ==, 0);
}

static void test_no_update_quiet(void)
{
    /* Still weights because the gradient is ~0 (dead or saturated units): not ours. */
    g_autoptr(pfx) f = still_stream(1e-9, 1e-7, 10, 1.0);
    g_assert_cmpint(pfx_level(f, "no_update", NULL), ==, 0);
    /* Just above min_ratio in the first layer (the others move more), the horizon off. */
    g_autoptr(pfx) g = still_stream(1.05e-6, 0.05, 10, 1.0);
    const char *no_horizon[] = {"horizon=0", NULL};
    g_assert_cmpint(pfx_level(g, "no_update", no_horizon), ==, 0);
    const char *opts[] = {"min_ratio=1.1e-6", "horizon=0", NULL};
    g_assert_cmpint(pfx_level(g, "no_update", opts), ==, 0); /* l1, l2 still move more */
    const char *opts3[] = {"min_ratio=3.2e-6", "horizon=0", NULL};
    g_assert_cmpint(pfx_level(g, "no_update", opts3), ==, FL_LEVEL_COLLAPSED);
    /* At that pace the 100 epochs planned move the weights by 0.03% at most: as still as
     * any, by the horizon (a hundredth over the run).  A pace that moves the layers by
     * 1.05%, 2.1% and 3.15% over the run is not; with a horizon above 3.15% it is. */
    g_assert_cmpint(pfx_level(g, "no_update", NULL), ==, FL_LEVEL_COLLAPSED);
    g_autoptr(pfx) paced = still_stream(1.05e-4, 0.05, 10, 1.0);
    g_assert_cmpint(pfx_probes(paced)->max_epochs, ==, 100);
    g_assert_cmpint(pfx_level(paced, "no_update", NULL), ==, 0);
    const char *wider[] = {"horizon=0.032", NULL};
    g_assert_cmpint(pfx_level(paced, "no_update", wider), ==, FL_LEVEL_COLLAPSED);
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
    g_assert_cmpint(pfx_level(c, "no_update", NULL), ==, 0);
    const char *strict[] = {"learned=0.01", NULL};
    g_assert_cmpint(pfx_level(c, "no_update", strict), ==, FL_LEVEL_COLLAPSED);
    /* Tiny updates while the loss still falls 5% an epoch. */
    g_autoptr(pfx) h = still_stream(1e-8, 0.05, 10, 0.95);
    g_assert_cmpint(pfx_level(h, "no_update", NULL), ==, 0);
    /* Rates on the safe side of tiny_lr, before and after the schedule. */
    g_autoptr(pfx) q = pfx_new(1, 2, 2, 20);
    pfx_probes(q)->base_lr = 1.5e-5;
    pfx_probes(q)->final_lr = 1.5e-5;
    pfx_push(q);
    pfx_push_healthy(q, 60);
    g_assert_cmpint(pfx_level(q, "no_update", NULL), ==, 0);
}

/* ---------------------------------------------------------------- divergence */

static void test_divergence_nan(void)
{
    g_autoptr(pfx) f = pfx_new(1, 2, 2, 20);
    pfx_push(f);
    pfx_push_healthy(f, 6);
    double before = fl_probes_epoch(pfx_probes(f), 6)->loss;
    pfx_push_loss(f, NAN);
    g_autoptr(detect_set) d = pfx_run_one(f, "divergence", NULL);
    const finding_rec *r = pfx_finding(d, "divergence");
    pfx_check(r, FL_LEVEL_COLLAPSED, 7);
    pfx_assert_has(r->evidence, "training loss is NaN at epoch 7");
    pfx_assert_has(r->evidence, pfx_num(before));
    pfx_assert_has(r->advice, "lower optimizer.lr from 0.001 (try 0.0001)");

    /* Validation loss Inf with a validation split. */
    g_autoptr(pfx) g = pfx_new(1, 2, 2, 20);
    pfx_probes(g)->n_val = 20;
    pfx_push(g);
    pfx_push_healthy(g, 4);
    pfx_epoch e = pfx_push(g);
    e.e->val_loss = INFINITY;
    g_autoptr(detect_set) d2 = pfx_run_one(g, "divergence", NULL);
    pfx_check(pfx_finding(d2, "divergence"), FL_LEVEL_COLLAPSED, 5);
    pfx_assert_has(pfx_finding(d2, "divergence")->evidence, "validation loss is +Inf");

    /* Without a validation split val_loss is NaN by design. */
    g_autoptr(pfx) h = pfx_new(1, 2, 2, 20);
    pfx_push(h);
    pfx_push_healthy(h, 10);
    for (size_t k = 0; k <= 10; k++)
        ((fl_epoch_probe *)fl_probes_epoch(pfx_probes(h), k))->val_loss = NAN;
    g_assert_cmpint(pfx_level(h, "divergence", NULL), ==, 0);

    /* An untrained network with a NaN loss: pre-flight, epoch 0. */
    g_autoptr(pfx) q = pfx_new(1, 2, 2, 20);
    pfx_epoch z = pfx_push(q);
    z.e->loss = NAN;
    g_autoptr(detect_set) d3 = pfx_run_one(q, "divergence", NULL);
    pfx_check(pfx_finding(d3, "divergence"), FL_LEVEL_COLLAPSED, 0);
}

/* Epoch-0 loss 1; healthy epochs 1-5; then the given losses. */
static pfx *growth_stream(const double *losses, size_t n)
{
    pfx *f = pfx_new(1, 2, 2, 20);
    pfx_push(f);
    pfx_push_healthy(f, 5);
    for (size_t i = 0; i < n; i++)
        pfx_push_loss(f, losses[i]);
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
    pfx_check(r, FL_LEVEL_COLLAPSED, 7); /* epoch 7: first above 10 x 1 and rising */
    /* Final at epoch 9, the third rising epoch (patience 3): its loss is the evidence. */
    pfx_assert_has(r->evidence, "training loss 70 at epoch 9");
    pfx_assert_has(r->evidence, pfx_num(rising[3] / l0));
    g_autofree char *from = g_strdup_printf("last 3 epochs (from %s at epoch 6)",
                                            pfx_num(rising[0]));
    pfx_assert_has(r->evidence, from);
    pfx_assert_has(r->advice, "lower optimizer.lr from 0.001 (try 0.0001)");
    pfx_assert_has(r->advice, "input x1 reaches |x| = 500");

    /* Two rising epochs above the bound: a warning so far. */
    g_autoptr(pfx) g = growth_stream(rising, 3);
    g_autoptr(detect_set) d2 = pfx_run_one(g, "divergence", NULL);
    pfx_check(pfx_finding(d2, "divergence"), FL_LEVEL_WARNING, 7);
    pfx_assert_has(pfx_finding(d2, "divergence")->advice, "check the scale");
}

static void test_divergence_quiet(void)
{
    /* Rising, but to 9.9 x the epoch-0 loss only. */
    const double below[] = {2, 4, 6, 8, 9.9};
    g_autoptr(pfx) f = growth_stream(below, 5);
    g_assert_cmpint(pfx_level(f, "divergence", NULL), ==, 0);
    const char *opts[] = {"grow_factor=9", NULL};
    g_assert_cmpint(pfx_level(f, "divergence", opts), ==, FL_LEVEL_WARNING);
    /* Far above, but no longer rising. */
    const double flat[] = {15, 15, 15, 15};
    g_autoptr(pfx) g = growth_stream(flat, 4);
    g_assert_cmpint(pfx_level(g, "divergence", NULL), ==, 0);
}

/* Layer 0 drops `rate` of its inputs; every epoch's validation loss set to `val` (a
 * negative val: the training loss's own value). */
static void dropout_with_val(pfx *f, double rate, double val)
{
    pfx_layer(f, 0)->drop_rate = rate;
    fl_probes *p = pfx_probes(f);
    for (size_t k = 0; k <= p->n_epochs; k++) {
        fl_epoch_probe *e = (fl_epoch_probe *)fl_probes_epoch(p, k);
        e->val_loss = val < 0 ? e->loss : val;
    }
}

/* Under strong dropout the training loss is a thinned network's: a climb of it with the
 * validation loss flat is not divergence; the validation loss climbing is. */
static void test_divergence_dropout(void)
{
    const double rising[] = {5, 12, 30, 70, 150};
    g_autoptr(pfx) f = growth_stream(rising, 5);
    dropout_with_val(f, 0.9, 1.0);
    g_assert_cmpint(pfx_level(f, "divergence", NULL), ==, 0);
    /* The validation loss climbing too: judged on it. */
    g_autoptr(pfx) g = growth_stream(rising, 5);
    dropout_with_val(g, 0.9, -1);
    g_autoptr(detect_set) d = pfx_run_one(g, "divergence", NULL);
    pfx_check(pfx_finding(d, "divergence"), FL_LEVEL_COLLAPSED, 7);
    pfx_assert_has(pfx_finding(d, "divergence")->evidence, "validation loss 70 at epoch 9");
    /* Dropout of half (not more) leaves the training loss judged. */
    g_autoptr(pfx) h = growth_stream(rising, 5);
    dropout_with_val(h, 0.5, 1.0);
    g_assert_cmpint(pfx_level(h, "divergence", NULL), ==, FL_LEVEL_COLLAPSED);
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
        pfx_epoch e = pfx_push_loss(f, loss);
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
    pfx_check(r, FL_LEVEL_COLLAPSED, 6);
    pfx_assert_has(r->evidence, "layer l1 at epoch 6: gradient norm +Inf");
}

static void test_exploding_gradient_ratio(void)
{
    const double g[] = {2000, 100, 10};
    g_autoptr(pfx) f = grad_stream(g, 10, 1.0);
    pfx_set_init(f, 0, "normal");
    pfx_layer(f, 0)->init_std = 3.0;
    g_autoptr(detect_set) d = pfx_run_one(f, "exploding_gradient", NULL);
    const finding_rec *r = pfx_finding(d, "exploding_gradient");
    pfx_check(r, FL_LEVEL_COLLAPSED, 4);
    /* The worst upstream/downstream pair is l0 over l2. */
    g_autofree char *pair = g_strdup_printf("gradient norm of l0 %s = %s x that of l2 %s",
                                            pfx_num(2000), pfx_num(2000.0 / 10), pfx_num(10));
    pfx_assert_has(r->evidence, pair);
    pfx_assert_has(r->evidence, "since epoch 4");
    pfx_assert_has(r->advice, "lower optimizer.lr from 0.001 (try 0.0001)");
    pfx_assert_has(r->advice, "model.l0.init = \"glorot_uniform\" (now normal with std 3)");

    /* Still learning: a warning. */
    g_autoptr(pfx) h = grad_stream(g, 10, 0.9);
    g_autoptr(detect_set) d2 = pfx_run_one(h, "exploding_gradient", NULL);
    pfx_check(pfx_finding(d2, "exploding_gradient"), FL_LEVEL_WARNING, 4);
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
        pfx_push_loss(f, 0.9).layers[1].weight_norm = w;
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
    pfx_check(r, FL_LEVEL_COLLAPSED, 4);
    g_autofree char *w = g_strdup_printf("weight norm of l1 %s = %s x %s", pfx_num(150 * ref),
                                         pfx_num(150), pfx_num(ref));
    pfx_assert_has(r->evidence, w);
    /* 95 x: below the bound. */
    g_autoptr(pfx) g = weights_stream(95 * ref);
    g_assert_cmpint(pfx_level(g, "exploding_gradient", NULL), ==, 0);
    /* 150 x its own norm of 1 but under 100 x Glorot's: a small init growing up. */
    g_autoptr(pfx) h = weights_stream(150);
    g_assert_cmpint(pfx_level(h, "exploding_gradient", NULL), ==, 0);
}

static void test_exploding_gradient_quiet(void)
{
    const double close[] = {600, 100, 10.0}; /* ratio 60 */
    g_autoptr(pfx) f = grad_stream(close, 10, 1.0);
    g_assert_cmpint(pfx_level(f, "exploding_gradient", NULL), ==, 0);
    const char *opts[] = {"ratio=55", NULL};
    g_assert_cmpint(pfx_level(f, "exploding_gradient", opts), ==, FL_LEVEL_COLLAPSED);
    const double small[] = {5, 0.5, 0.025}; /* ratio 200, but norms below 10 */
    g_autoptr(pfx) g = grad_stream(small, 10, 1.0);
    g_assert_cmpint(pfx_level(g, "exploding_gradient", NULL), ==, 0);
    const double dead[] = {0, 20, 50}; /* larger downstream: vanishing, not exploding */
    g_autoptr(pfx) h = grad_stream(dead, 10, 1.0);
    g_assert_cmpint(pfx_level(h, "exploding_gradient", NULL), ==, 0);
    /* Two heads on l0: l1 and l2 do not feed each other, so their ratio says nothing. */
    const double heads[] = {20, 2000, 10};
    g_autoptr(pfx) q = grad_stream(heads, 10, 1.0);
    pfx_layer(q, 2)->input = 0;
    g_assert_cmpint(pfx_level(q, "exploding_gradient", NULL), ==, 0);
    pfx_layer(q, 2)->input = 1;
    g_assert_cmpint(pfx_level(q, "exploding_gradient", NULL), ==, FL_LEVEL_COLLAPSED);
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
    pfx_check(r, FL_LEVEL_COLLAPSED, 4);
    g_autofree char *norms =
        g_strdup_printf("l0 %s l1 %s l2 %s", pfx_num(1e-7), pfx_num(1e-5), pfx_num(0.05));
    pfx_assert_has(r->evidence, norms);
    g_autofree char *ratio = g_strdup_printf("l0 / l2 = %s", pfx_num(1e-7 / 0.05));
    pfx_assert_has(r->evidence, ratio);
    pfx_assert_has(r->evidence, "since epoch 4");
    pfx_assert_has(r->advice, "relu with init he_uniform in l0, l1 (now sigmoid)");
    pfx_assert_has(r->advice, "3 weighted layers");
    /* Every squashing layer at once: leaky ReLU with He's initializer, then with the
     * layers' own (He's doubles a wide layer's weights). */
    g_assert_true(g_strv_equal(
        pfx_fix_at(r, 0),
        (const char *const[]){"model.l0.activation=leaky_relu", "model.l0.init=he_uniform",
                              "model.l1.activation=leaky_relu", "model.l1.init=he_uniform",
                              NULL}));
    g_assert_true(g_strv_equal(pfx_fix_at(r, 1),
                               (const char *const[]){"model.l0.activation=leaky_relu",
                                                     "model.l1.activation=leaky_relu", NULL}));

    g_autoptr(pfx) h = grad_stream(g, 10, 0.9);
    g_autoptr(detect_set) d2 = pfx_run_one(h, "vanishing_gradient", NULL);
    pfx_check(pfx_finding(d2, "vanishing_gradient"), FL_LEVEL_WARNING, 4);
}

static void test_vanishing_gradient_quiet(void)
{
    const double big_first[] = {1.1e-4, 1e-2, 1.0}; /* ratio 1.1e-4, but first >= 1e-4 */
    g_autoptr(pfx) f = grad_stream(big_first, 10, 1.0);
    g_assert_cmpint(pfx_level(f, "vanishing_gradient", NULL), ==, 0);
    const char *opts[] = {"first_norm=1.2e-4", NULL};
    g_assert_cmpint(pfx_level(f, "vanishing_gradient", opts), ==, FL_LEVEL_COLLAPSED);
    const double ratio[] = {5e-5, 1e-3, 0.045}; /* ratio 1.11e-3 */
    g_autoptr(pfx) g = grad_stream(ratio, 10, 1.0);
    g_assert_cmpint(pfx_level(g, "vanishing_gradient", NULL), ==, 0);
    const double zero[] = {0, 0, 0};
    g_autoptr(pfx) h = grad_stream(zero, 10, 1.0);
    g_assert_cmpint(pfx_level(h, "vanishing_gradient", NULL), ==, 0);
    /* An exactly zero first-layer gradient is blocked (dead units), not fading. */
    const double blocked[] = {0, 1e-5, 0.05};
    g_autoptr(pfx) b = grad_stream(blocked, 10, 1.0);
    g_assert_cmpint(pfx_level(b, "vanishing_gradient", NULL), ==, 0);
    /* One weighted layer: nothing to compare. */
    const double g2[] = {1e-7, 1e-5, 0.05};
    g_autoptr(pfx) q = grad_stream(g2, 10, 1.0);
    pfx_layer(q, 0)->has_weights = FALSE;
    pfx_layer(q, 1)->has_weights = FALSE;
    g_assert_cmpint(pfx_level(q, "vanishing_gradient", NULL), ==, 0);
}

/* ---------------------------------------------------------------- oscillation */

/* Epoch-0 loss 1, epochs 1-5 at `base`, then alternating hi, lo, hi, ... up to epoch n. */
static pfx *osc_stream(double base, double hi, double lo, int n)
{
    pfx *f = pfx_new(1, 2, 2, 20);
    pfx_push(f);
    for (int k = 1; k <= n; k++)
        pfx_push_loss(f, k <= 5 ? base : ((k - 6) % 2 ? lo : hi));
    return f;
}

static void test_oscillation_collapse(void)
{
    g_autoptr(pfx) f = osc_stream(1.0, 1.6, 1.0, 21);
    g_autoptr(detect_set) d = pfx_run_one(f, "oscillation", NULL);
    const finding_rec *r = pfx_finding(d, "oscillation");
    pfx_check(r, FL_LEVEL_COLLAPSED, 6);
    /* Epochs 12-21 alternate every epoch: 10 moves, 9 reversals. */
    pfx_assert_has(r->evidence, "reversed direction 9 times in epochs 12-21");
    pfx_assert_has(r->evidence, pfx_num(100 * 0.6)); /* largest jump: 1 -> 1.6 */
    pfx_assert_has(r->advice, "lower optimizer.lr from 0.001 (try 0.0001)");
    pfx_assert_has(r->advice, "raise train.batch from 32 (try 100)");

    /* One epoch earlier only one window is complete after the first jumps: a warning. */
    g_autoptr(pfx) g = osc_stream(1.0, 1.6, 1.0, 20);
    g_autoptr(detect_set) d2 = pfx_run_one(g, "oscillation", NULL);
    pfx_check(pfx_finding(d2, "oscillation"), FL_LEVEL_WARNING, 6);
}

/* The same with strong dropout: the training loss bouncing and the validation loss flat
 * is the dropout's noise; the validation loss bouncing is oscillation. */
static void test_oscillation_dropout(void)
{
    g_autoptr(pfx) f = osc_stream(1.0, 1.6, 1.0, 21);
    dropout_with_val(f, 0.9, 1.0);
    g_assert_cmpint(pfx_level(f, "oscillation", NULL), ==, 0);
    g_autoptr(pfx) g = osc_stream(1.0, 1.6, 1.0, 21);
    dropout_with_val(g, 0.9, -1);
    g_autoptr(detect_set) d = pfx_run_one(g, "oscillation", NULL);
    pfx_check(pfx_finding(d, "oscillation"), FL_LEVEL_COLLAPSED, 6);
    pfx_assert_has(pfx_finding(d, "oscillation")->evidence,
                   "the validation loss reversed direction 9 times in epochs 12-21");
}

static void test_oscillation_quiet(void)
{
    /* Jumps of 9.5% and 8.7%: below rel_jump. */
    g_autoptr(pfx) f = osc_stream(1.0, 1.095, 1.0, 30);
    g_assert_cmpint(pfx_level(f, "oscillation", NULL), ==, 0);
    const char *opts[] = {"rel_jump=0.08", NULL};
    g_assert_cmpint(pfx_level(f, "oscillation", opts), ==, FL_LEVEL_COLLAPSED);
    /* Bouncing well below the untrained loss: a warning, not a collapse. */
    g_autoptr(pfx) g = osc_stream(0.6, 0.8, 0.5, 40);
    g_assert_cmpint(pfx_level(g, "oscillation", NULL), ==, FL_LEVEL_WARNING);
    /* Bouncing but settling: every window ends 10% lower. */
    g_autoptr(pfx) h = pfx_new(1, 2, 2, 20);
    pfx_push(h);
    for (int k = 1; k <= 40; k++)
        pfx_push_loss(h, (k % 2 ? 1.6 : 1.0) * pow(0.99, k));
    g_assert_cmpint(pfx_level(h, "oscillation", NULL), ==, 0);
    /* A fitted network wobbling by 15% of a loss 1% of the untrained one. */
    g_autoptr(pfx) q = pfx_new(1, 2, 2, 20);
    pfx_push(q);
    pfx_push_healthy(q, 60);
    for (int k = 0; k < 20; k++)
        pfx_push_loss(q, 0.008 * (k % 2 ? 1.15 : 0.87));
    g_assert_cmpint(pfx_level(q, "oscillation", NULL), ==, 0);
    /* Without min_jump0, the loss at most a tenth of the mean's (fitted) still keeps it
     * quiet; without both, the jumps count. */
    const char *noise[] = {"min_jump0=0", NULL};
    g_assert_cmpint(pfx_level(q, "oscillation", noise), ==, 0);
    const char *unfitted[] = {"min_jump0=0", "fitted=0.009", NULL};
    g_assert_cmpint(pfx_level(q, "oscillation", unfitted), ==, FL_LEVEL_WARNING);
    const char *fitted[] = {"min_jump0=0", "fitted=0.0093", NULL};
    g_assert_cmpint(pfx_level(q, "oscillation", fitted), ==, 0);
}

/* A three-class cce stream (baseline ln 3): epochs 1-10 learning with the last layer's
 * gradient norm 0.5, then n epochs at `loss` with gradient norm `late`; every probe row
 * predicts its class with probability 1 and the others 0 (pinned), or 0.9 and 0.05. */
static pfx *frozen_stream(double loss, double late, gboolean pinned, int n)
{
    pfx *f = pfx_new(3, 2, 2, 30);
    pfx_set_loss(f, "cce");
    fl_probes *p = pfx_probes(f);
    p->n_classes = 3;
    p->baseline_loss = log(3.0);
    pfx_data a = pfx_arrays(f);
    for (size_t c = 0; c < 3; c++)
        a.class_fraction[c] = 1.0 / 3.0;
    for (size_t r = 0; r < 30; r++)
        for (size_t o = 0; o < 3; o++) {
            a.probe_y[r * 3 + o] = r % 3 == o ? 1.0f : 0.0f;
            a.probe_pred[r * 3 + o] = r % 3 == o ? (pinned ? 1.0f : 0.9f) : (pinned ? 0 : 0.05f);
        }
    pfx_push(f);
    for (int k = 1; k <= 10 + n; k++) {
        pfx_epoch e = pfx_push_loss(f, k <= 10 ? 1.5 - 0.03 * k : loss);
        e.layers[1].grad_norm = k <= 10 ? 0.5 : late;
        e.e->accuracy = 0.9;
    }
    return f;
}

/* Steps too large that end with the output pinned at 0 and 1 and the gradient gone: a
 * warning since the gradient fell, with the rate's fix. */
static void test_oscillation_frozen(void)
{
    g_autoptr(pfx) f = frozen_stream(1.06, 1e-4, TRUE, 15);
    g_autoptr(detect_set) d = pfx_run_one(f, "oscillation", NULL);
    const finding_rec *r = pfx_finding(d, "oscillation");
    pfx_check(r, FL_LEVEL_WARNING, 11);
    pfx_assert_has(r->evidence, "100% of the probe rows get probabilities of exactly 0 or 1");
    pfx_assert_has(r->evidence, "fell from 0.5 at epoch 1 to 0.0001 (0.02% of it) since epoch 11");
    g_autofree char *fit = g_strdup_printf("stays at 1.06, %.0f%% of the loss of predicting",
                                           100 * 1.06 / log(3.0));
    pfx_assert_has(r->evidence, fit);
    pfx_assert_has(r->cause, "exactly 0 and 1");
    const char *const lower[] = {"optimizer.lr=0.0001", NULL};
    g_assert_true(pfx_has_fix(r, lower));
}

/* One step that pins the outputs: the loss from 1.5 to 6 (five times the prior's ln 3) at
 * epoch 1, its gradient 2.6 there and 0 after it, for n epochs in all.  Half a window of
 * that after a trained epoch is enough (a collapse symptom stops such a run before a whole window has passed);
 * before it, the loss's course is not yet known. */
static void test_oscillation_frozen_at_once(void)
{
    for (int n = 5; n <= 6; n++) {
        g_autoptr(pfx) f = frozen_stream(6.0, 0, TRUE, -10); /* epoch 0 only */
        for (int k = 1; k <= n; k++) {
            pfx_epoch e = pfx_push_loss(f, 6.0);
            e.layers[1].grad_norm = k == 1 ? 2.6 : 0;
        }
        g_autoptr(detect_set) d = pfx_run_one(f, "oscillation", NULL);
        const finding_rec *r = pfx_finding(d, "oscillation");
        if (n < 6) { /* a plateau of 5 epochs needs a trained epoch before them */
            g_assert_null(r);
            continue;
        }
        pfx_check(r, FL_LEVEL_WARNING, 2);
        pfx_assert_has(r->evidence, "fell from 2.6 at epoch 1 to 0 (0% of it) since epoch 2");
        const char *const wide[] = {"window=20", NULL};
        g_assert_cmpint(pfx_level(f, "oscillation", wide), ==, 0);
    }
}

/* Not frozen: a fitted classifier pinned with a small loss, a gradient that did not fall,
 * outputs that are not pinned, or a regression. */
static void test_oscillation_frozen_quiet(void)
{
    g_autoptr(pfx) fitted = frozen_stream(0.05, 1e-4, TRUE, 15);
    g_assert_cmpint(pfx_level(fitted, "oscillation", NULL), ==, 0);
    g_autoptr(pfx) flowing = frozen_stream(1.06, 0.1, TRUE, 15);
    g_assert_cmpint(pfx_level(flowing, "oscillation", NULL), ==, 0);
    g_autoptr(pfx) soft = frozen_stream(1.06, 1e-4, FALSE, 15);
    g_assert_cmpint(pfx_level(soft, "oscillation", NULL), ==, 0);
    const char *const share[] = {"freeze_share=1", NULL};
    g_assert_cmpint(pfx_level(soft, "oscillation", share), ==, 0);
    g_autoptr(pfx) regression = frozen_stream(1.06, 1e-4, TRUE, 15);
    pfx_set_loss(regression, "mse");
    g_assert_cmpint(pfx_level(regression, "oscillation", NULL), ==, 0);
    /* The thresholds are the options': a fit of 96% is frozen at freeze_fit 0.9, not 1. */
    g_autoptr(pfx) g = frozen_stream(1.06, 1e-4, TRUE, 15);
    const char *const fit9[] = {"freeze_fit=0.9", NULL}, *const fit1[] = {"freeze_fit=1", NULL};
    g_assert_cmpint(pfx_level(g, "oscillation", fit9), ==, FL_LEVEL_WARNING);
    g_assert_cmpint(pfx_level(g, "oscillation", fit1), ==, 0);
}

/* ---------------------------------------------------------------- batchnorm */

/* A regression whose hidden layer l0 keeps batch statistics: epoch 0 as the fixture has
 * it, then n epochs of training loss `loss` (the mean predictor's is 1) with the output
 * spread over the probe rows `spread` x its targets' (std 1). */
static pfx *batchnorm_stream(gboolean flagged, int n, double loss, double spread)
{
    pfx *f = pfx_new_hidden(2, 8);
    if (flagged)
        pfx_layer(f, 0)->layer_flags |= FL_LAYER_BATCH_STATS;
    pfx_push(f);
    for (int i = 0; i < n; i++)
        pfx_push_loss(f, loss).out_std[0] = spread;
    return f;
}

static void test_batchnorm(void)
{
    /* Fits in training (0.3 of the mean's), flat in inference (0.05 of the targets'). */
    g_autoptr(pfx) f = batchnorm_stream(TRUE, 6, 0.3, 0.05);
    detect_set *ds;
    const finding_rec *r = pfx_run_find(f, "batchnorm", NULL, &ds);
    pfx_check(r, FL_LEVEL_WARNING, 1);
    pfx_assert_has(r->evidence, "0.3 x the mean predictor's");
    pfx_assert_has(r->evidence, "at most 0.05 x its targets'");
    pfx_assert_has(r->evidence, "for 6 epochs (since epoch 1, after 24 steps); l0 normalize");
    const char *const momentum[] = {"model.l0.momentum=0.9", NULL};
    g_assert_true(pfx_has_fix(r, momentum));
    const char *const batch[] = {"train.batch=8", NULL};
    g_assert_true(pfx_has_fix(r, batch));
    detect_free(ds);

    /* Either side of each bound, and of the patience; nothing without batch statistics. */
    g_assert_cmpint(pfx_level(f, "batchnorm", (const char *const[]){"fit=0.29", NULL}),
                    ==, 0);
    g_assert_cmpint(pfx_level(f, "batchnorm", (const char *const[]){"flat=0.05", NULL}),
                    ==, 0);
    g_assert_cmpint(pfx_level(f, "batchnorm", (const char *const[]){"patience=7", NULL}),
                    ==, 0);
    g_autoptr(pfx) plain = batchnorm_stream(FALSE, 6, 0.3, 0.05);
    pfx_assert_silent(plain, "batchnorm", NULL);
    g_autoptr(pfx) spread = batchnorm_stream(TRUE, 6, 0.3, 0.5);
    pfx_assert_silent(spread, "batchnorm", NULL);
    g_autoptr(pfx) unfit = batchnorm_stream(TRUE, 6, 0.8, 0.05);
    pfx_assert_silent(unfit, "batchnorm", NULL);

    /* Still so at the run's end: a collapse, even under the patience. */
    g_autoptr(pfx) end = batchnorm_stream(TRUE, 3, 0.3, 0.05);
    pfx_probes(end)->max_epochs = 3;
    r = pfx_run_find(end, "batchnorm", NULL, &ds);
    pfx_check(r, FL_LEVEL_COLLAPSED, 1);
    detect_free(ds);
}

/* Batches of one row into a layer that normalizes flat features over the rows: a
 * collapse before training, whose fix is a batch of several rows; not at batch 2, not for
 * a layer normalizing over positions too (a convolution's output), not without the flag. */
static void test_batchnorm_one_row(void)
{
    g_autoptr(pfx) f = pfx_new_hidden(2, 8);
    pfx_layer(f, 0)->layer_flags |= FL_LAYER_BATCH_STATS;
    fl_probes *p = pfx_probes(f);
    p->batch = 1;
    pfx_push(f);
    detect_set *ds;
    const finding_rec *r = pfx_run_find(f, "batchnorm", NULL, &ds);
    pfx_check(r, FL_LEVEL_COLLAPSED, 0);
    pfx_assert_has(r->evidence, "train.batch is 1 and l0 normalizes each feature");
    pfx_assert_has(r->cause, "l0 passes only its offset");
    g_assert_true(pfx_has_fix(r, (const char *const[]){pfx_fmt("train.batch=%zu",
                                                               MIN((size_t)32, p->n_train)),
                                                       NULL}));
    detect_free(ds);
    p->batch = 2;
    pfx_assert_silent(f, "batchnorm", NULL);
    p->batch = 1;
    pfx_layer(f, 0)->in_shape = (fl_shape){.rank = 3, .dims = {4, 4, 2}};
    pfx_assert_silent(f, "batchnorm", NULL);
    pfx_layer(f, 0)->in_shape = (fl_shape){.rank = 1, .dims = {2}};
    pfx_layer(f, 0)->layer_flags &= ~(unsigned)FL_LAYER_BATCH_STATS;
    pfx_assert_silent(f, "batchnorm", NULL);
}

void test_detect_dynamics_add(void)
{
    pfx_add_detector_tests("/detect/dynamics", detectors, G_N_ELEMENTS(detectors));
    g_test_add_func("/detect/dynamics/batchnorm", test_batchnorm);
    g_test_add_func("/detect/dynamics/batchnorm/one-row", test_batchnorm_one_row);
    g_test_add_func("/detect/dynamics/no_update/preflight", test_no_update_preflight);
    g_test_add_func("/detect/dynamics/no_update/schedule", test_no_update_schedule);
    g_test_add_func("/detect/dynamics/no_update/observed", test_no_update_observed);
    g_test_add_func("/detect/dynamics/no_update/tiny-rate", test_no_update_tiny_rate);
    g_test_add_func("/detect/dynamics/no_update/crawl", test_no_update_crawl);
    g_test_add_func("/detect/dynamics/no_update/quiet", test_no_update_quiet);
    g_test_add_func("/detect/dynamics/divergence/nan", test_divergence_nan);
    g_test_add_func("/detect/dynamics/divergence/growth", test_divergence_growth);
    g_test_add_func("/detect/dynamics/divergence/quiet", test_divergence_quiet);
    g_test_add_func("/detect/dynamics/divergence/dropout", test_divergence_dropout);
    g_test_add_func("/detect/dynamics/exploding_gradient/nonfinite",
                    test_exploding_gradient_nonfinite);
    g_test_add_func("/detect/dynamics/exploding_gradient/ratio", test_exploding_gradient_ratio);
    g_test_add_func("/detect/dynamics/exploding_gradient/weights", test_exploding_gradient_weights);
    g_test_add_func("/detect/dynamics/exploding_gradient/quiet", test_exploding_gradient_quiet);
    g_test_add_func("/detect/dynamics/vanishing_gradient/collapse",
                    test_vanishing_gradient_collapse);
    g_test_add_func("/detect/dynamics/vanishing_gradient/quiet", test_vanishing_gradient_quiet);
    g_test_add_func("/detect/dynamics/oscillation/collapse", test_oscillation_collapse);
    g_test_add_func("/detect/dynamics/oscillation/quiet", test_oscillation_quiet);
    g_test_add_func("/detect/dynamics/oscillation/dropout", test_oscillation_dropout);
    g_test_add_func("/detect/dynamics/oscillation/frozen", test_oscillation_frozen);
    g_test_add_func("/detect/dynamics/oscillation/frozen-at-once", test_oscillation_frozen_at_once);
    g_test_add_func("/detect/dynamics/oscillation/frozen-quiet", test_oscillation_frozen_quiet);
}
