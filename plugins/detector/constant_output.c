/* constant_output.c — symptom: an output whose predictions barely vary across the probe
 * inputs while its targets do, i.e. the network answers (nearly) the same value whatever
 * it is shown.  The spread is measured against the targets' own spread, so the test does
 * not depend on the targets' units.  A warning once it has held `patience` epochs; a
 * collapse when, over those epochs, the loss has stopped improving and the spread is not
 * growing back, or when the predictions are exactly equal (nothing flows from the inputs
 * any more).  Targets that themselves do not vary are left to constant_target. */
#include "evidence.h"
#include "priorities.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>

typedef struct constant_output_opts {
    double rel_std;
    int patience;
    double min_delta;
    double max_growth;
    double end_rel_std;
    double end_fit;
    double plateau_share;
} constant_output_opts;

/* rel_std 0.01, patience 5 and min_delta 0.01 are our own defaults (a
 * prediction spread under 1% of the targets' explains under 0.01% of their variance).
 * max_growth is our own: networks initialized with small weights start with a tiny
 * spread that grows geometrically while they learn; doubling within the window is that
 * recovery, which a collapse never shows. */
static const fl_param constant_output_params[] = {
    {"rel_std", FL_PARAM_FLOAT, "0.01", "(0, 1]", NULL,
     "flag an output whose std across probe inputs is below this fraction of its targets' std",
     offsetof(constant_output_opts, rel_std)},
    {"patience", FL_PARAM_INT, "5", "[1, 10000]", NULL,
     "epochs in a row the spread must stay low before it is reported",
     offsetof(constant_output_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "relative loss improvement over the patience window that still counts as learning",
     offsetof(constant_output_opts, min_delta)},
    {"max_growth", FL_PARAM_FLOAT, "2", "[1, inf)", NULL,
     "spread growing by more than this factor over the window counts as recovering",
     offsetof(constant_output_opts, max_growth)},
    {"end_rel_std", FL_PARAM_FLOAT, "0.1", "[0, 1]", NULL,
     "at the last planned epoch, a run whose every output's std is below this fraction of "
     "its targets' while it fits no better than end_fit x the mean's loss is a collapse "
     "(0: off)",
     offsetof(constant_output_opts, end_rel_std)},
    {"end_fit", FL_PARAM_FLOAT, "0.95", "(0, inf)", NULL,
     "the share of the mean predictor's loss at or above which end_rel_std judges a run",
     offsetof(constant_output_opts, end_fit)},
    {"plateau_share", FL_PARAM_FLOAT, "0.02", "[0, 1]", NULL,
     "the loss is judged stalled over at least this share of the planned epochs (and at "
     "least patience epochs)",
     offsetof(constant_output_opts, plateau_share)},
    FL_PARAM_END};

/* The epochs the loss is judged over: patience, or the run's own time scale when that is
 * longer.  A sigmoid network trained by SGD at a small rate sits at the mean for tens of
 * epochs before it learns, its loss level within the noise of a mini-batch; five epochs of
 * a 1,000-epoch run said "stalled" there, and a run that learns in all five seeds once
 * past its plateau was stopped as a collapse at epoch 19 (2% of 1,000 epochs is 20). */
static int constant_output_window(const constant_output_opts *op, const fl_probes *p)
{
    return MAX(op->patience, (int)lround(op->plateau_share * MAX(p->max_epochs, 0)));
}

static bool constant_output_low(const fl_probes *p, size_t k, size_t o, const void *opts)
{
    const constant_output_opts *op = opts;
    return output_spread_below(p, k, o, op->rel_std);
}

static bool constant_output_exact(const fl_probes *p, size_t k, size_t o, const void *opts)
{
    (void)opts;
    const fl_epoch_probe *e = fl_probes_epoch(p, k);
    return isfinite(e->out_min[o]) && e->out_min[o] == e->out_max[o];
}

/* Output o's targets on the probe rows all alike: a class no probe row belongs to (a rare
 * one of fifty, say).  Answering those rows alike is then right, whatever the targets do
 * elsewhere: nothing to judge the output by. */
static bool constant_output_probe_targets_alike(const fl_probes *p, size_t o)
{
    float lo, hi;
    return probe_targets_range(p, o, &lo, &hi) && hi - lo <= 1e-6f * (1.0f + fabsf(hi));
}

/* An output found constant, for its measures. */
typedef struct constant_output_hit {
    size_t o;
    int since;
    bool exact, growing;
    double ratio, then;
} constant_output_hit;

/* The flattest output first: the one to keep when not all fit. */
static int constant_output_by_ratio(const void *a, const void *b)
{
    const constant_output_hit *x = a, *y = b;
    return x->ratio < y->ratio ? -1 : x->ratio > y->ratio;
}

static bool constant_output_end_low(const fl_probes *p, size_t k, size_t o, const void *opts)
{
    const constant_output_opts *op = opts;
    return output_spread_below(p, k, o, op->end_rel_std);
}

/* The run's end: training is over and the network still answers about the same for every
 * input, with a loss no better than the mean's.  The stricter rule above waits for a
 * spread under rel_std, but a run that trained all its epochs and ends like this has
 * learned nothing usable: a spread under a tenth of the targets' explains at most a fifth
 * of their variance even where it points the right way, and the loss says it does not
 * (dropout 0.99, sigmoid outputs under mse on one-hot rows: 1-6% of the targets' spread at
 * the mean's loss).  Judged only then, so a network that sits at the mean before it
 * learns is never stopped by it.  Reports and returns true when it holds. */
static bool constant_output_at_end(const constant_output_opts *op, const fl_probes *p,
                                   fl_report_fn report, void *ctx)
{
    const fl_epoch_probe *now = fl_probes_now(p);
    double fit = fl_fit_ratio(p, now);
    if (!(op->end_rel_std > 0) || !run_ended(p) || !(fit >= op->end_fit))
        return false;
    size_t judged = 0, flattest = 0;
    int since = INT_MAX;
    double worst = 0, best = INFINITY;
    for (size_t o = 0; o < p->n_outputs; o++) {
        if (target_flat(p, o) || constant_output_probe_targets_alike(p, o))
            continue;
        int s = 0;
        if (fl_streak(p, o, op, constant_output_end_low, &s) == 0)
            return false; /* one output that varies: not this rule's case */
        double r = now->out_std[o] / p->target_std[o];
        worst = fmax(worst, r);
        if (r < best) {
            best = r;
            flattest = o;
        }
        since = s < since ? s : since;
        judged++;
    }
    if (!judged)
        return false;
    since = since < 1 ? 1 : since;
    char buf[32];
    g_autofree char *evidence = g_strdup_printf(
        "after all %d epochs every output's std across %zu probe inputs is below %.3g x its "
        "targets' std (%.3g x at most; the flattest, %s, %.3g x), since epoch %d, and the "
        "loss (%.4g) is %.0f%% of the loss of predicting the mean (%.4g)",
        p->max_epochs, p->n_probe, op->end_rel_std, worst,
        fl_output_name(p, flattest, buf, sizeof buf), best, since, fl_data_loss(now),
        100 * fit, p->baseline_loss);
    fl_fix_set fixes = {0};
    fixes_targets_scale(&fixes, p);
    fixes_lr_either_way(&fixes, p);
    fl_measure_set measures = {0};
    fl_measures_add(&measures, worst, "largest_ratio");
    fl_measures_add(&measures, best, "smallest_ratio");
    fl_measures_add(&measures, fit, "fit");
    fl_measures_add(&measures, p->baseline_loss, "baseline_loss");
    fl_finding f = {.size = sizeof f,
                    .level = FL_LEVEL_COLLAPSED,
                    .epoch = since,
                    .evidence = evidence,
                    .cause = "training ended with the network predicting about the same value "
                             "for every input: it learned nothing beyond the targets' mean",
                    .advice = "see the causes listed first (regularization, the output "
                              "activation and loss, the learning rate); if none is listed, "
                              "check that the inputs carry information about the targets"};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &measures);
    report(ctx, &f);
    return true;
}

static int constant_output_observe(void *state, const void *opts, const fl_probes *p,
                                   fl_report_fn report, void *ctx)
{
    (void)state;
    const constant_output_opts *op = opts;
    size_t n = p->n_epochs, patience = (size_t)op->patience;
    const fl_epoch_probe *now = fl_probes_epoch(p, n);
    bool stalled = false;
    fl_level level = 0;
    int since = INT_MAX;
    bool exact_any = false;
    /* The plateau, the evidence and the hits are made for the first output whose spread
     * has stayed low for `patience` epochs: an epoch without one allocates nothing. */
    GString *evidence = NULL;
    char buf[32];
    constant_output_hit *hits = NULL;
    size_t n_hits = 0;
    for (size_t o = 0; o < p->n_outputs; o++) {
        if (target_flat(p, o))
            continue;
        size_t streak = fl_streak(p, o, op, constant_output_low, NULL);
        if (streak < patience || constant_output_probe_targets_alike(p, o))
            continue;
        if (!evidence) {
            stalled = fl_loss_plateau(p, constant_output_window(op, p), op->min_delta);
            evidence = g_string_new(NULL);
            hits = g_new(constant_output_hit, p->n_outputs);
        }
        bool exact = (size_t)fl_streak(p, o, op, constant_output_exact, NULL) >= patience;
        /* Growth within the low stretch: from the first of its last `patience` epochs.
         * A spread below a millionth of the values' scale is float32 rounding, not a
         * start to grow from. */
        double then = fl_probes_epoch(p, n - patience + 1)->out_std[o];
        double noise = 1e-6 * (fabs(now->out_mean[o]) + p->target_std[o]);
        bool growing = now->out_std[o] > op->max_growth * fmax(then, noise);
        fl_level l = exact || (stalled && !growing) ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING;
        int s = (int)(n - streak + 1);
        level = l > level ? l : level;
        since = s < since ? s : since;
        exact_any |= exact;
        g_string_append_printf(evidence,
                               "%soutput %s: std across %zu probe inputs %.3g = %.3g x target "
                               "std %.3g (below %.3g x), since epoch %d",
                               evidence->len ? "; " : "", fl_output_name(p, o, buf, sizeof buf),
                               p->n_probe, now->out_std[o], now->out_std[o] / p->target_std[o],
                               p->target_std[o], op->rel_std, s);
        if (exact)
            g_string_append_printf(evidence, ", every prediction exactly %.6g", now->out_min[o]);
        else if (growing)
            g_string_append_printf(evidence, ", growing (%.3g %d epochs ago)", then,
                                   (int)patience - 1);
        hits[n_hits++] = (constant_output_hit){o, s, exact, growing,
                                               now->out_std[o] / p->target_std[o], then};
    }
    /* A warning standing at the run's end becomes the end's collapse when that holds. */
    bool ended = level != FL_LEVEL_COLLAPSED && constant_output_at_end(op, p, report, ctx);
    if (level && !ended) {
        char *loss = loss_note(p, constant_output_window(op, p), op->min_delta);
        g_string_append_printf(evidence, "; %s", loss);
        g_free(loss);
        const char *cause =
            exact_any ? "the predictions are exactly the same for every input: nothing "
                        "from the inputs reaches the output any more"
                      : "the network predicts (nearly) the same value for every input";
        /* A symptom's own candidates, for when no cause explains it: regression targets
         * far from unit scale scaled, then the rate, both ways (a loss that never moved
         * asks for a larger one first). */
        fl_fix_set fixes = {0};
        fixes_targets_scale(&fixes, p);
        fixes_lr_either_way(&fixes, p);
        /* Per output the spread, the targets', their ratio, its own start when later than
         * the finding's, and the exact value or the spread it grew from; the flattest
         * outputs while they fit beside the loss and, for several, their count. */
        fl_measure_set measures = {0};
        if (n_hits > 1)
            fl_measures_add(&measures, (double)n_hits, "constant_outputs");
        qsort(hits, n_hits, sizeof *hits, constant_output_by_ratio);
        for (size_t i = 0; i < n_hits; i++) {
            const constant_output_hit *h = &hits[i];
            size_t need = 3 + (h->since != since) + (h->exact || h->growing);
            if (measures.n + need > FL_MEASURES_MAX - 3)
                break;
            const char *name = fl_output_name(p, h->o, buf, sizeof buf);
            fl_measures_add(&measures, now->out_std[h->o], "%s_std", name);
            fl_measures_add(&measures, p->target_std[h->o], "%s_target_std", name);
            fl_measures_add(&measures, h->ratio, "%s_ratio", name);
            if (h->since != since)
                fl_measures_add(&measures, (double)h->since, "%s_since_epoch", name);
            if (h->exact)
                fl_measures_add(&measures, now->out_min[h->o], "%s_prediction", name);
            else if (h->growing)
                fl_measures_add(&measures, h->then, "%s_std_first", name);
        }
        loss_measures(&measures, p, constant_output_window(op, p));
        fl_finding f = {.size = sizeof f,
                        .level = level,
                        .epoch = since,
                        .evidence = evidence->str,
                        .cause = cause,
                        .advice = "see the causes listed first (dead or saturated units, the learning "
                                   "rate, the initialization); if none is listed, check that "
                                   "the inputs carry information about the targets"};
        fl_finding_fixes(&f, &fixes);
        fl_finding_measures(&f, &measures);
        report(ctx, &f);
    }
    g_free(hits);
    if (evidence)
        g_string_free(evidence, TRUE);
    return 0;
}

FL_DETECTOR_PLUGIN("constant_output", "predictions barely vary across inputs while the targets do",
                   constant_output_params, constant_output_opts, .flags = FL_DETECTS_SYMPTOM,
                   .priority = PRIORITY_SYMPTOM, .observe = constant_output_observe);
