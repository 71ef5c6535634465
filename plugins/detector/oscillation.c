/* oscillation.c — cause: the loss jumps up and down without settling, the mark of steps
 * too large for the valley they are in.  Over a window of epochs it counts the changes of
 * direction between consecutive large moves of the loss (a move is large when it exceeds
 * rel_jump of the loss before it and min_jump0 of the untrained network's loss).  A
 * window with at least min_changes reversals whose loss ends no lower than it started
 * (by min_delta) is a warning.  Two such windows in a row with the loss never falling
 * below `stay` times the untrained network's loss is a collapse: the run is bouncing
 * instead of learning.  The jumping may also end with the output pinned at probabilities
 * of 0 and 1 and the gradient gone (oscillation_frozen): a warning with the same cause. */
#include "evidence.h"
#include "priorities.h"

#include <stddef.h>

typedef struct oscillation_opts {
    int window;
    double rel_jump;
    double min_jump0;
    int min_changes;
    double min_delta;
    double stay;
    double freeze_share;
    double freeze_drop;
    double freeze_fit;
    double fitted;
} oscillation_opts;

/* window 10, rel_jump 0.1, min_changes 4, min_delta 0.01, stay 0.9: our own.
 * AUTOTRAINER's unstable-loss test counts peak/trough pairs of the accuracy
 * at least 0.03 apart in 20% of the epochs; flatline has no accuracy for regression, so
 * the loss stands in, with jumps relative to its level, and 4 reversals in 10 epochs
 * (40%, twice AUTOTRAINER's share) because a loss is noisier than an accuracy.
 * min_jump0 0.01 is our own: a fitted network whose loss is 1% of where it started may
 * wobble by 10% of that from batch noise; such moves are not the lr's doing. */
static const fl_param oscillation_params[] = {
    {"window", FL_PARAM_INT, "10", "[3, 10000]", NULL, "epochs looked at together",
     offsetof(oscillation_opts, window)},
    {"rel_jump", FL_PARAM_FLOAT, "0.1", "(0, inf)", NULL,
     "a move of the loss larger than this fraction of it counts as a jump",
     offsetof(oscillation_opts, rel_jump)},
    {"min_jump0", FL_PARAM_FLOAT, "0.01", "[0, inf)", NULL,
     "a jump must also exceed this fraction of the epoch-0 loss",
     offsetof(oscillation_opts, min_jump0)},
    {"min_changes", FL_PARAM_INT, "4", "[1, 10000]", NULL,
     "reversals of direction within a window that make it oscillate",
     offsetof(oscillation_opts, min_changes)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "a window whose loss ends this fraction below its start is settling, not oscillating",
     offsetof(oscillation_opts, min_delta)},
    {"stay", FL_PARAM_FLOAT, "0.9", "(0, inf)", NULL,
     "collapse only while the loss stays above this fraction of the epoch-0 loss",
     offsetof(oscillation_opts, stay)},
    {"freeze_share", FL_PARAM_FLOAT, "0.5", "(0, 1]", NULL,
     "frozen: at least this share of the probe rows get probabilities of exactly 0 or 1",
     offsetof(oscillation_opts, freeze_share)},
    {"freeze_drop", FL_PARAM_FLOAT, "0.01", "(0, 1)", NULL,
     "frozen: the last weighted layer's gradient norm at most this fraction of its peak",
     offsetof(oscillation_opts, freeze_drop)},
    {"freeze_fit", FL_PARAM_FLOAT, "0.5", "(0, inf)", NULL,
     "frozen: the data loss at least this fraction of the loss of predicting the class prior",
     offsetof(oscillation_opts, freeze_fit)},
    {"fitted", FL_PARAM_FLOAT, "0.1", "[0, inf)", NULL,
     "no jumps are judged in a window whose loss stays at most this fraction of the loss of "
     "predicting the mean: the network fits, whatever its batches do",
     offsetof(oscillation_opts, fitted)},
    FL_PARAM_END};

typedef struct oscillation_window {
    int changes;
    size_t first_jump;   /* epoch of the window's first jump, 0: none */
    double biggest;      /* largest jump, relative to the loss before it */
    size_t biggest_at;   /* its epoch */
} oscillation_window;

/* Whether the window of epochs [end - window, end] oscillates; end - window >= 1.  *w
 * describes it when it does. */
static bool oscillation_window_test(const oscillation_opts *op, const fl_probes *p, size_t end,
                                    oscillation_window *w)
{
    *w = (oscillation_window){0};
    size_t start = end - (size_t)op->window;
    /* A window whose loss ends clearly below its start is settling, whatever it did on the
     * way: told from its two ends, before its jumps are walked (most windows of a run that
     * learns). */
    double l_start = model_loss(p, start), l_end = model_loss(p, end);
    if (l_end < l_start * (1 - op->min_delta))
        return false;
    double l0 = model_loss(p, 0);
    /* A network at a tenth of the mean's loss or less fits (the bound dead_relu and
     * saturation keep quiet under): its loss near 0 moves by large fractions of itself from
     * batch to batch.  Three sigmoid layers with batch normalization on circles went
     * 0.018 -> 0.061 -> 0.025 at about 0.05 of the mean's and were called oscillating. */
    if (isfinite(p->baseline_loss) && p->baseline_loss > 0) {
        double highest = 0;
        for (size_t k = start; k <= end; k++)
            highest = fmax(highest, model_loss(p, k));
        if (highest <= op->fitted * p->baseline_loss)
            return false;
    }
    int last_sign = 0;
    for (size_t k = start + 1; k <= end; k++) {
        double prev = model_loss(p, k - 1), d = model_loss(p, k) - prev;
        if (!isfinite(d))
            return false;
        if (!(fabs(d) > op->rel_jump * fabs(prev) && fabs(d) > op->min_jump0 * fabs(l0)))
            continue;
        int sign = d > 0 ? 1 : -1;
        if (last_sign && sign != last_sign)
            w->changes++;
        last_sign = sign;
        if (!w->first_jump)
            w->first_jump = k;
        if (fabs(prev) > 0 && fabs(d) / fabs(prev) > w->biggest) {
            w->biggest = fabs(d) / fabs(prev);
            w->biggest_at = k;
        }
    }
    return w->changes >= op->min_changes;
}

/* A probability at float's ends: a softmax or sigmoid whose input is some 14 or more
 * beyond the rest gives exactly 0 or 1 in single precision. */
#define OSCILLATION_PINNED 1e-6

typedef struct oscillation_freeze {
    double share;            /* probe rows whose every output is pinned at 0 or 1 */
    size_t layer;            /* the last layer with weights */
    double peak, now, fit;   /* its gradient norm at its peak and now; fit ratio now */
    size_t peak_at, since;   /* epochs: the peak, the first one below freeze_drop of it */
} oscillation_freeze;

/* Steps too large can also end the jumping another way: the weights grow until a
 * probability output sits at exactly 0 or 1 for most inputs.  The loss is clipped there,
 * so a confidently wrong row costs its most and passes no gradient: training stops with
 * the loss near that of guessing although most rows are classed right (AUTOTRAINER's
 * oscillating-loss demo, SGD with momentum at batch size 1, ends so in every seed).  A
 * classifier that fits saturates with a loss near 0, not near the class prior's. */
static bool oscillation_frozen(const oscillation_opts *op, const fl_probes *p,
                               oscillation_freeze *z)
{
    size_t n = p->n_epochs, no = p->n_outputs;
    *z = (oscillation_freeze){0};
    /* Half a window of plateau: the gradient gone is the witness, and a single step can
     * pin the outputs (Adam at 0.1 in a relu CNN: the loss from 2.3 to 14.4, six times the
     * prior's, in one epoch, every gradient 0 after it), which a collapse then stops
     * before a whole window has passed. */
    if (!(p->loss_flags & FL_LOSS_CLASSIFICATION) || !p->n_probe || !p->probe_pred || !no ||
        !fl_loss_plateau(p, MAX(op->window / 2, 3), op->min_delta))
        return false;
    z->fit = fl_fit_ratio(p, fl_probes_now(p));
    if (!(z->fit >= op->freeze_fit))
        return false;
    bool weighted = false;
    for (size_t k = 0; k < p->n_layers; k++)
        if (fl_probes_layer(p, k)->has_weights) {
            z->layer = k;
            weighted = true;
        }
    if (!weighted)
        return false;
    for (size_t e = 1; e <= n; e++) {
        double g = fl_epoch_layer(fl_probes_epoch(p, e), z->layer)->grad_norm;
        if (isfinite(g) && g > z->peak) {
            z->peak = g;
            z->peak_at = e;
        }
    }
    z->now = fl_epoch_layer(fl_probes_now(p), z->layer)->grad_norm;
    if (!(z->peak > 0) || !(z->now <= op->freeze_drop * z->peak))
        return false;
    z->since = n;
    while (z->since > z->peak_at + 1 &&
           fl_epoch_layer(fl_probes_epoch(p, z->since - 1), z->layer)->grad_norm <=
               op->freeze_drop * z->peak)
        z->since--;
    size_t pinned = 0;
    for (size_t r = 0; r < p->n_probe; r++) {
        bool all = true;
        for (size_t o = 0; o < no && all; o++) {
            float v = p->probe_pred[r * no + o];
            all = (v >= 0 && v <= OSCILLATION_PINNED) || (v <= 1 && v >= 1 - OSCILLATION_PINNED);
        }
        pinned += all;
    }
    z->share = (double)pinned / (double)p->n_probe;
    return z->share >= op->freeze_share;
}

/* The fixes of steps too large: a smaller rate, and a larger batch unless it already
 * spans the data; the advice says the same in words. */
static void oscillation_fixes(const fl_probes *p, fl_fix_set *fixes, GString *advice)
{
    if (isfinite(p->base_lr) && p->base_lr > 0)
        g_string_append_printf(advice, "lower optimizer.lr from %.3g (try %.3g)", p->base_lr,
                               p->base_lr / 10);
    else
        g_string_append(advice, "lower the learning rate");
    fixes_lr_lower(fixes, p, "smaller steps settle");
    /* A larger batch averages out the step noise. */
    if (p->batch && p->batch < p->n_train) {
        size_t bigger = p->batch * 4 < p->n_train ? p->batch * 4 : p->n_train;
        g_string_append_printf(advice, ", or raise train.batch from %zu (try %zu)", p->batch,
                               bigger);
        fl_fixes_add(fixes, "a larger batch averages out the step noise", "train.batch=%zu",
                     bigger);
    }
}

static void oscillation_report_frozen(const fl_probes *p, const oscillation_freeze *z,
                                      fl_report_fn report, void *ctx)
{
    const fl_layer_desc *l = fl_probes_layer(p, z->layer);
    const fl_epoch_probe *now = fl_probes_now(p);
    g_autofree char *evidence = g_strdup_printf(
        "%.0f%% of the probe rows get probabilities of exactly 0 or 1; the gradient norm of %s "
        "fell from %.3g at epoch %zu to %.3g (%.2g%% of it) since epoch %zu; the training "
        "data loss stays at %.3g, %.0f%% of the loss of predicting the class prior (%.3g), "
        "with %.0f%% of the training rows classed right",
        100 * z->share, l->name, z->peak, z->peak_at, z->now, 100 * z->now / z->peak, z->since,
        fl_data_loss(now), 100 * z->fit, p->baseline_loss, 100 * now->accuracy);
    fl_measure_set m = {0};
    fl_measures_add(&m, z->share, "pinned_rows");
    fl_measures_add(&m, z->peak, "%s_grad_peak", l->name);
    fl_measures_add(&m, (double)z->peak_at, "%s_grad_peak_epoch", l->name);
    fl_measures_add(&m, z->now, "%s_grad_norm", l->name);
    fl_measures_add(&m, fl_data_loss(now), "loss");
    fl_measures_add(&m, p->baseline_loss, "baseline_loss");
    fl_measures_add(&m, z->fit, "fit");
    fl_measures_add(&m, now->accuracy, "accuracy");
    GString *advice = g_string_new(NULL);
    fl_fix_set fixes = {0};
    oscillation_fixes(p, &fixes, advice);
    fl_finding f = {.size = sizeof f,
                    .level = FL_LEVEL_WARNING,
                    .epoch = (int)z->since,
                    .evidence = evidence,
                    .cause = "the steps are too large: they pushed the output to probabilities "
                             "of exactly 0 and 1, where the clipped loss passes no gradient, "
                             "and training stopped with confidently wrong answers",
                    .advice = advice->str};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &m);
    report(ctx, &f);
    g_string_free(advice, TRUE);
}

static int oscillation_observe(void *state, const void *opts, const fl_probes *p,
                               fl_report_fn report, void *ctx)
{
    (void)state;
    const oscillation_opts *op = opts;
    size_t n = p->n_epochs, W = (size_t)op->window;
    oscillation_window now, before, first;
    if (n < W + 1 || !oscillation_window_test(op, p, n, &now)) {
        oscillation_freeze z;
        if (oscillation_frozen(op, p, &z))
            oscillation_report_frozen(p, &z, report, ctx);
        return 0;
    }
    /* Since: the first jump of the earliest window of the unbroken run of oscillating
     * windows that ends now. */
    size_t end = n;
    while (end > W + 1 && oscillation_window_test(op, p, end - 1, &first))
        end--;
    oscillation_window_test(op, p, end, &first);
    size_t since = first.first_jump;
    double l0 = model_loss(p, 0);
    fl_level level = FL_LEVEL_WARNING;
    if (n >= 2 * W + 1 && oscillation_window_test(op, p, n - W, &before)) {
        double lowest = INFINITY;
        for (size_t k = n - 2 * W; k <= n; k++)
            lowest = fmin(lowest, model_loss(p, k));
        if (lowest > op->stay * l0)
            level = FL_LEVEL_COLLAPSED;
    }
    double jump_from = model_loss(p, now.biggest_at - 1), jump_to = model_loss(p, now.biggest_at),
           at_start = model_loss(p, n - W), last = model_loss(p, n);
    GString *evidence = g_string_new(NULL);
    g_string_append_printf(evidence,
                           "the %s reversed direction %d times in epochs %zu-%zu with jumps "
                           "above %.3g%% (largest %.3g%% at epoch %zu: %.3g -> %.3g); loss %.3g at "
                           "epoch %zu and %.3g at epoch %zu (epoch-0 loss %.3g)",
                           model_loss_is_val(p) ? "validation loss" : "loss", now.changes,
                           n - W + 1, n, 100 * op->rel_jump, 100 * now.biggest, now.biggest_at,
                           jump_from, jump_to, at_start, n - W, last, n, l0);
    /* The same numbers by name; the largest jump as a fraction of the loss before it. */
    fl_measure_set m = {0};
    fl_measures_add(&m, now.changes, "reversals");
    fl_measures_add(&m, now.biggest, "largest_jump");
    fl_measures_add(&m, (double)now.biggest_at, "largest_jump_epoch");
    fl_measures_add(&m, jump_from, "largest_jump_from");
    fl_measures_add(&m, jump_to, "largest_jump_to");
    fl_measures_add(&m, at_start, "loss_first");
    fl_measures_add(&m, last, "loss");
    fl_measures_add(&m, l0, "loss_epoch0");
    if (level == FL_LEVEL_COLLAPSED) {
        g_string_append_printf(evidence, "; also %d reversals in epochs %zu-%zu, and the loss "
                                         "never fell below %.3g x the epoch-0 loss",
                               before.changes, n - 2 * W + 1, n - W, op->stay);
        fl_measures_add(&m, before.changes, "reversals_prev");
    }
    GString *advice = g_string_new(NULL);
    fl_fix_set fixes = {0};
    oscillation_fixes(p, &fixes, advice);
    fl_finding f = {.size = sizeof f,
                    .level = level,
                    .epoch = (int)since,
                    .evidence = evidence->str,
                    .cause = "the loss jumps up and down without settling: the steps are too "
                             "large",
                    .advice = advice->str};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &m);
    report(ctx, &f);
    g_string_free(evidence, TRUE);
    g_string_free(advice, TRUE);
    return 0;
}

FL_DETECTOR_PLUGIN("oscillation", "loss jumps up and down without settling", oscillation_params,
                   oscillation_opts, .flags = FL_DETECTS_CAUSE, .priority = PRIORITY_OSCILLATION,
                   .observe = oscillation_observe);
