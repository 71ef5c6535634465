/* evidence.h — what the in-tree detectors share beyond the public detector toolkit of
 * flatline/plugin.h (streaks, plateaus, the fit against predicting the mean, candidate
 * fixes): sentences about the loss history for evidence, a few judgements about the data
 * and the layers, and issue lists that fold several problems into one finding.
 *
 * Header-only (static inline), so each detector stays one .so exporting only
 * flatline_plugin.  It uses GLib, which out-of-tree detectors need not: that is why these
 * helpers are not in the public header. */
#ifndef FL_DETECTOR_EVIDENCE_H
#define FL_DETECTOR_EVIDENCE_H

#include <flatline/plugin.h>

#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- classes */

/* The class of a row of targets or predictions (n_outputs values): for one column the side
 * of the decision threshold (0 for a loss that reads the sign, such as hinge; else 0.5),
 * for several the largest column.  (size_t)-1 when a value is not finite. */
static inline size_t row_class(const fl_probes *p, const float *row)
{
    size_t n = p->n_outputs;
    if (n == 1)
        return isfinite(row[0]) ? (size_t)(row[0] > (p->loss_flags & FL_LOSS_SIGNED ? 0.0f
                                                                                   : 0.5f))
                                : (size_t)-1;
    size_t best = 0;
    for (size_t c = 0; c < n; c++) {
        if (!isfinite(row[c]))
            return (size_t)-1;
        if (row[c] > row[best])
            best = c;
    }
    return best;
}

/* ---------------------------------------------------------------- the loss history */

/* The window fl_loss_improvement() judges over the last `window` epochs: the epoch it
 * starts at, the lowest finite loss after it and the improvement (0 where it is not
 * defined).  False while the history is shorter than the window. */
typedef struct loss_window {
    size_t from;
    double best, gain;
} loss_window;

static inline bool loss_window_of(const fl_probes *p, int window, loss_window *w)
{
    size_t n = p->n_epochs;
    if (window < 1 || n < (size_t)window + 1)
        return false;
    w->from = n - (size_t)window;
    w->best = INFINITY;
    for (size_t k = w->from + 1; k <= n; k++) {
        double l = fl_probes_epoch(p, k)->loss;
        if (isfinite(l))
            w->best = fmin(w->best, l);
    }
    w->gain = fl_loss_improvement(p, window);
    if (isnan(w->gain))
        w->gain = 0;
    return true;
}

/* One sentence on the loss over that window, for evidence ("loss 0.98 at epoch 7, lowest
 * in epochs 8-12 0.975: improved by 0.51%, below the 1% that counts as learning").  Caller
 * frees. */
static inline char *loss_note(const fl_probes *p, int window, double min_delta)
{
    size_t n = p->n_epochs;
    loss_window w;
    if (!loss_window_of(p, window, &w))
        return g_strdup_printf("loss %.3g at epoch %zu", fl_probes_epoch(p, n)->loss, n);
    return g_strdup_printf("loss %.3g at epoch %zu, lowest in epochs %zu-%zu %.3g: improved by "
                           "%.3g%%, %s the %.3g%% that counts as learning",
                           fl_probes_epoch(p, w.from)->loss, w.from, w.from + 1, n, w.best,
                           100.0 * w.gain, w.gain < min_delta ? "below" : "at least",
                           100.0 * min_delta);
}

/* The numbers loss_note() states, as measures: the loss at the start of the window
 * ("loss_first"), the lowest after it ("loss_best") and the improvement (a fraction, 0 where
 * the sentence says 0); the loss now ("loss") while the history is shorter than the window. */
static inline void loss_measures(fl_measure_set *m, const fl_probes *p, int window)
{
    loss_window w;
    if (!loss_window_of(p, window, &w)) {
        fl_measures_add(m, fl_probes_now(p)->loss, "loss");
        return;
    }
    fl_measures_add(m, fl_probes_epoch(p, w.from)->loss, "loss_first");
    fl_measures_add(m, w.best, "loss_best");
    fl_measures_add(m, w.gain, "improvement");
}

/* The epoch just run is the last one planned: the run is over. */
static inline bool run_ended(const fl_probes *p)
{
    return p->max_epochs > 0 && p->n_epochs == (size_t)p->max_epochs;
}

/* ---------------------------------------------------------------- data and layers */

/* Every probe row one-hot over the output columns [first, first + count): one 1, the rest
 * 0, a class a row (multi-label rows whose label counts happen to average one are not
 * classes a softmax can answer). */
static inline bool probe_rows_one_hot(const fl_probes *p, size_t first, size_t count)
{
    if (!p->probe_y || !p->n_probe)
        return false;
    for (size_t r = 0; r < p->n_probe; r++) {
        size_t ones = 0;
        for (size_t c = first; c < first + count && c < p->n_outputs; c++) {
            float y = p->probe_y[r * p->n_outputs + c];
            if (y == 1.0f)
                ones++;
            else if (y != 0.0f)
                return false;
        }
        if (ones != 1)
            return false;
    }
    return true;
}

/* A target column that (nearly) does not vary: float32 targets hold about 7 digits, so a
 * spread below 1e-6 of their magnitude is rounding.  constant_target names that case. */
static inline bool target_flat(const fl_probes *p, size_t o)
{
    double s = p->target_std[o];
    return !(s > 1e-12) || s <= 1e-6 * fabs(p->target_mean[o]);
}

/* Layer l drops more than `bound` of its inputs in training (ABI 2.5's drop_rate; a
 * layer built before it drops nothing). */
static inline bool drops_more_than(const fl_layer_desc *l, double bound)
{
    return FL_HAS(fl_layer_desc, l, drop_rate) && l->drop_rate > bound;
}

/* A layer drops more than half its inputs in training (0.5 is the rate Srivastava et al.
 * found best for hidden units). */
static inline bool strong_dropout(const fl_probes *p)
{
    for (size_t k = 0; k < p->n_layers; k++)
        if (drops_more_than(fl_probes_layer(p, k), 0.5))
            return true;
    return false;
}

/* The loss that speaks for the model at epoch k: the training loss, except under strong
 * dropout with validation rows, where the training loss is that of randomly thinned
 * networks, each kept value scaled up (Dropout(0.99) on sine2d: 100 and more, rising and
 * jumping, while the validation loss, measured in inference mode, sat at the mean's
 * 0.25): there the validation loss is the model's.  Rules about the loss's course
 * (runaway, oscillation) read this one. */
static inline bool model_loss_is_val(const fl_probes *p)
{
    return strong_dropout(p) && isfinite(fl_probes_now(p)->val_loss);
}

static inline double model_loss(const fl_probes *p, size_t k)
{
    const fl_epoch_probe *e = fl_probes_epoch(p, k);
    return model_loss_is_val(p) ? e->val_loss : e->loss;
}

static inline const char *model_loss_name(const fl_probes *p)
{
    return model_loss_is_val(p) ? "validation loss" : "training loss";
}

/* The model already fits: its data loss now is at most `harm` times the loss of predicting
 * the mean (false when either is unknown or not finite).  What a detector names as harm
 * (saturated units, dead ones, unscaled targets) is then not what holds the run back. */
static inline bool fits_within(const fl_probes *p, double harm)
{
    return fl_fit_ratio(p, fl_probes_now(p)) <= harm;
}

/* The least and greatest target of output o over the probe rows; false when the probes
 * carry no targets.  A column can vary in the data and not on the probe rows (a class no
 * probe row belongs to): what an output answers there is judged against these. */
static inline bool probe_targets_range(const fl_probes *p, size_t o, float *lo, float *hi)
{
    if (!p->probe_y || !p->n_probe || o >= p->n_outputs)
        return false;
    *lo = *hi = p->probe_y[o];
    for (size_t r = 1; r < p->n_probe; r++) {
        float y = p->probe_y[r * p->n_outputs + o];
        *lo = y < *lo ? y : *lo;
        *hi = y > *hi ? y : *hi;
    }
    return true;
}

/* Output o's spread across the probe rows at epoch k below `rel` times its targets' spread
 * (constant_output's measure of an output that answers one value). */
static inline bool output_spread_below(const fl_probes *p, size_t k, size_t o, double rel)
{
    double s = fl_probes_epoch(p, k)->out_std[o];
    return isfinite(s) && s < rel * p->target_std[o];
}

/* Weighted layers: the first and last in data-flow order, and how many there are.
 * first/last are n_layers when there are none. */
static inline size_t weighted_layers(const fl_probes *p, size_t *first, size_t *last)
{
    size_t count = 0;
    *first = *last = p->n_layers;
    for (size_t k = 0; k < p->n_layers; k++) {
        if (!fl_probes_layer(p, k)->has_weights)
            continue;
        if (!count)
            *first = k;
        *last = k;
        count++;
    }
    return count;
}

/* The layer whose values layer k passes on: k itself, unless k only passes values on (no
 * weights, no activation, as many values out as in: a dropout, a flatten), then what it
 * reads, and so on.  k for a layer that reads the data. */
static inline size_t layer_source(const fl_probes *p, size_t k)
{
    const fl_layer_desc *l = fl_probes_layer(p, k);
    while (l->activation.kind == FL_ACT_LINEAR && !l->has_weights && l->input >= 0 &&
           l->n_in == l->n_out) {
        k = (size_t)l->input;
        l = fl_probes_layer(p, k);
    }
    return k;
}

/* A kernel initializer that gives every unit of a layer the same weights. */
static inline bool symmetric_init(const fl_layer_desc *l)
{
    return l->has_kernel && (l->init_flags & FL_INIT_CONSTANT);
}

/* ---------------------------------------------------------------- learning rates */

/* A rate to try instead of `lr` when it is too small: the optimizer's usual rate, or ten
 * times `lr` if that is already above it. */
static inline double lr_raised(const fl_probes *p, double lr)
{
    double usual = fl_lr_usual(p);
    return lr < usual ? usual : 10 * lr;
}

/* Two candidate fixes for a rate that is too small: lr_raised() and ten times that (how
 * far to go cannot be told from a run that barely moved). */
static inline void fixes_lr_raise(fl_fix_set *fixes, const fl_probes *p, const char *reason)
{
    if (!isfinite(p->base_lr))
        return;
    double to = lr_raised(p, p->base_lr);
    fl_fixes_add(fixes, reason, "optimizer.lr=%.3g", to);
    fl_fixes_add(fixes, reason, "optimizer.lr=%.3g", 10 * to);
}

/* The loss never left a band of +-5% around its value before training (epoch 0): the
 * steps moved it neither way.  That is the mark of steps too small; steps too large change
 * the loss from the first epoch, up or in swings (measured on the suite's SGD at lr 1e-5:
 * 0.96% in 30 epochs; the seed sweep's lr 1 runs jump at epoch 1). */
static inline bool loss_still_since_start(const fl_probes *p)
{
    double l0 = fl_probes_epoch(p, 0)->loss;
    if (p->n_epochs < 1 || !isfinite(l0) || !(l0 > 0))
        return false;
    for (size_t k = 1; k <= p->n_epochs; k++) {
        double l = fl_probes_epoch(p, k)->loss;
        if (!isfinite(l) || fabs(l - l0) > 0.05 * l0)
            return false;
    }
    return true;
}

/* One candidate fix for a rate that moves nothing: lr_raised(). */
static inline void fix_lr_raised(fl_fix_set *fixes, const fl_probes *p)
{
    fl_fixes_add(fixes, "a larger rate moves the weights", "optimizer.lr=%.3g",
                 lr_raised(p, p->base_lr));
}

/* Candidate rates when no detector of its own says which way the rate is off (a loss
 * stuck at or above the mean's, a flat output): a loss that never moved from its start
 * asks for larger steps first (lr_raised()), any other for a tenth of the rate first; the
 * other way second. */
static inline void fixes_lr_either_way(fl_fix_set *fixes, const fl_probes *p)
{
    if (!isfinite(p->base_lr) || !(p->base_lr > 0))
        return;
    if (loss_still_since_start(p)) {
        fix_lr_raised(fixes, p);
        fl_fixes_add(fixes, "a smaller rate stops overshooting", "optimizer.lr=%.3g",
                     fl_lr_lower(p->base_lr, 1));
    } else {
        fl_fixes_add(fixes, "a smaller rate stops overshooting", "optimizer.lr=%.3g",
                     fl_lr_lower(p->base_lr, 1));
        fl_fixes_add(fixes, "a larger rate moves the weights", "optimizer.lr=%.3g",
                     fl_lr_raise(p->base_lr, 1));
    }
}

/* Two candidate fixes for a rate that is too large: a tenth and a hundredth of it. */
static inline void fixes_lr_lower(fl_fix_set *fixes, const fl_probes *p, const char *reason)
{
    fl_fixes_lr(fixes, p->base_lr, -1, reason);
}

/* Regression targets beyond this in magnitude are far from unit scale (the inputs' bound
 * in unscaled_input). */
#define TARGETS_MAX_ABS 100.0

/* The largest |target| of a regression whose targets are far from unit scale, or 0 (a
 * classification, probabilities, targets already scaled or of modest size); *at (unless
 * NULL) receives the output it belongs to. */
static inline double targets_unscaled(const fl_probes *p, size_t *at)
{
    double big = 0;
    if (p->n_classes || (p->loss_flags & (FL_LOSS_CLASSIFICATION | FL_LOSS_PROBABILITIES)) ||
        !p->target_min || !p->target_max)
        return 0;
    for (size_t o = 0; o < p->n_outputs; o++) {
        double m = MAX(fabs(p->target_min[o]), fabs(p->target_max[o]));
        if (m >= big) { /* the last of equals, as named before */
            big = m;
            if (at)
                *at = o;
        }
    }
    return big > TARGETS_MAX_ABS ? big : 0;
}

/* A flat output under regression targets far from unit scale: first scale the targets (the
 * output layer then need not grow weights of their size from a unit-scale start; measured
 * on the suite's pow4-unscaled, targets up to 1e8: collapsed 5/5, healthy 5/5 with them
 * standardized), with the inputs too when they are raw. */
static inline void fixes_targets_scale(fl_fix_set *fixes, const fl_probes *p)
{
    if (!targets_unscaled(p, NULL))
        return;
    fl_fixes_add(fixes, "targets of unit scale", "dataset.normalize_targets=standard");
    if (p->normalize == FL_NORMALIZE_NONE) {
        fl_fixes_add(fixes, "inputs and targets of unit scale",
                     "dataset.normalize_targets=standard");
        fl_fixes_also(fixes, "dataset.normalize=standard");
    }
}

/* The candidate fix for a layer whose initializer does not suit its activation: He's for
 * the ReLU family, Glorot's otherwise (fl_init_for()). */
static inline void fixes_init(fl_fix_set *fixes, const fl_layer_desc *l, const char *reason)
{
    fl_fixes_add(fixes, reason, "model.%s.init=%s", l->name, fl_init_for(l->activation));
}

/* ---------------------------------------------------------------- issue lists
 * A detector slot holds one finding at a time (a new report replaces the previous one), so
 * a detector that finds several problems in one call (two dead layers, two bad heads)
 * collects them here and reports them once, the most severe first, with the fixes and the
 * measures of every issue in that order. */

typedef struct issue {
    fl_level level;
    int epoch;
    char *evidence, *cause, *advice; /* g_malloc'ed, owned by the list */
    fl_fix_set *fixes;               /* g_malloc'ed, owned by the list; may be NULL */
    fl_measure_set *measures;        /* g_malloc'ed, owned by the list; may be NULL */
} issue;

static inline GArray *issues_new(void) { return g_array_new(FALSE, TRUE, sizeof(issue)); }

/* A fix set for issue_add(), which takes it. */
static inline fl_fix_set *fixes_new(void) { return g_new0(fl_fix_set, 1); }

/* Append an issue; the list takes the three strings (g_strdup_printf results) and the
 * issue's candidate fixes (fixes_new(), may be NULL). */
static inline void issue_add(GArray *list, fl_level level, int epoch, char *evidence,
                             char *cause, char *advice, fl_fix_set *fixes)
{
    issue i = {level, epoch, evidence, cause, advice, fixes, NULL};
    g_array_append_val(list, i);
}

/* The measures of the issue added last, for fl_measures_add(): the numbers its evidence
 * states (created on first use; NULL when the list is empty). */
static inline fl_measure_set *issue_measures(GArray *list)
{
    if (!list->len)
        return NULL;
    issue *is = &g_array_index(list, issue, list->len - 1);
    if (!is->measures)
        is->measures = g_new0(fl_measure_set, 1);
    return is->measures;
}

/* Does the set hold a measure of that name? */
static inline bool measures_has(const fl_measure_set *s, const char *name)
{
    for (size_t k = 0; k < s->n; k++)
        if (strcmp(s->measures[k].name, name) == 0)
            return true;
    return false;
}

/* Copy the measures of `from` into `to` if all of them fit; a name `to` has is skipped. */
static inline void measures_merge_whole(fl_measure_set *to, const fl_measure_set *from)
{
    size_t fresh = 0;
    for (size_t i = 0; i < from->n; i++)
        fresh += !measures_has(to, from->measures[i].name);
    if (to->n + fresh > FL_MEASURES_MAX)
        return;
    for (size_t i = 0; i < from->n; i++)
        if (!measures_has(to, from->measures[i].name))
            fl_measures_add(to, from->measures[i].value, "%s", from->measures[i].name);
}

static inline gint issue_compare(gconstpointer a, gconstpointer b)
{
    const issue *x = a, *y = b;
    if (x->level != y->level)
        return x->level > y->level ? -1 : 1;
    return 0; /* g_array_sort is stable: otherwise keep the order found (data flow) */
}

/* Report the issues as one finding and free the list: the most severe issue's level, epoch
 * and cause; every issue's evidence, most severe first; the distinct pieces of advice and
 * the distinct fixes in the same order (as many as a finding holds); the measures of the
 * whole finding (`shared`, may be NULL: a count of layers, the loss) and then each issue's
 * in the same order, an issue's all or none, as many as a finding holds.  `flags` go to
 * the finding (FL_FINDING_*).  Nothing is reported for an empty list. */
static inline void issues_report_measured(GArray *list, unsigned flags,
                                          const fl_measure_set *shared, fl_report_fn report,
                                          void *ctx)
{
    if (list->len) {
        g_array_sort(list, issue_compare);
        const issue *first = &g_array_index(list, issue, 0);
        GString *evidence = g_string_new(NULL), *advice = g_string_new(NULL);
        fl_fix_set *all = g_new0(fl_fix_set, 1);
        for (guint i = 0; i < list->len; i++) {
            const issue *is = &g_array_index(list, issue, i);
            g_string_append_printf(evidence, "%s%s", i ? "; " : "", is->evidence);
            /* Advice pieces are "; "-separated changes: each distinct one once. */
            gchar **pieces = g_strsplit(is->advice, "; ", -1);
            for (gchar **a = pieces; *a; a++) {
                gchar *key = g_strdup_printf("; %s;", *a);
                gchar *have = g_strdup_printf("; %s;", advice->str);
                if (!strstr(have, key))
                    g_string_append_printf(advice, "%s%s", advice->len ? "; " : "", *a);
                g_free(key);
                g_free(have);
            }
            g_strfreev(pieces);
            for (size_t f = 0; is->fixes && f < is->fixes->n; f++) {
                const char *const *e = is->fixes->edits[f];
                if (!e[0] || !fl_fixes_add(all, is->fixes->reason[f], "%s", e[0]))
                    continue;
                for (size_t k = 1; e[k]; k++)
                    fl_fixes_also(all, "%s", e[k]);
            }
        }
        fl_measure_set *measures = g_new0(fl_measure_set, 1);
        if (shared)
            measures_merge_whole(measures, shared);
        for (guint i = 0; i < list->len; i++) {
            const issue *is = &g_array_index(list, issue, i);
            if (is->measures)
                measures_merge_whole(measures, is->measures);
        }
        fl_finding f = {.size = sizeof(fl_finding),
                        .level = first->level,
                        .epoch = first->epoch,
                        .evidence = evidence->str,
                        .cause = first->cause,
                        .advice = advice->str,
                        .flags = flags};
        fl_finding_fixes(&f, all);
        fl_finding_measures(&f, measures);
        report(ctx, &f);
        g_free(all);
        g_free(measures);
        g_string_free(evidence, TRUE);
        g_string_free(advice, TRUE);
    }
    for (guint i = 0; i < list->len; i++) {
        issue *is = &g_array_index(list, issue, i);
        g_free(is->evidence);
        g_free(is->cause);
        g_free(is->advice);
        g_free(is->fixes);
        g_free(is->measures);
    }
    g_array_free(list, TRUE);
}

/* issues_report_measured() with no measures of the whole finding. */
static inline void issues_report(GArray *list, unsigned flags, fl_report_fn report, void *ctx)
{
    issues_report_measured(list, flags, NULL, report, ctx);
}

#endif
