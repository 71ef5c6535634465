/* no_update.c — cause: the weights do not change, so nothing is learned.
 *
 * Before training it reads the configuration: an optimizer that never steps ("none"), a
 * loss whose gradient is zero almost everywhere, a learning rate of 0 (all certain
 * collapses), a rate so small the weights barely move, or a schedule that decays the
 * rate to such a value before training ends (warnings).
 *
 * During training it reads the per-epoch update ratio |W_end - W_start| / |W_start| of
 * every weighted layer, and the rate each epoch ran at; still weights (or a tiny rate)
 * for `patience` epochs with the loss not improving is a collapse.  It reports only when
 * the update is missing for a reason of its own: no optimizer, no gradient by
 * construction, a tiny rate, or gradients that are there (at least grad_floor) yet do
 * not move the weights.  When the gradients themselves are ~0 because units are dead or
 * saturated, or vanish on the way back, the still weights are a consequence named by
 * dead_relu, saturation and vanishing_gradient. */
#include "evidence.h"
#include "priorities.h"

#include <stddef.h>

typedef struct no_update_opts {
    double tiny_lr;
    double tiny_share;
    double min_ratio;
    double horizon;
    double grad_floor;
    int patience;
    double min_delta;
    double learned;
} no_update_opts;

/* tiny_lr 1e-5: our own, a hundredth of Keras' default Adam rate; at
 * 1e-5 a weight of size 1 takes ~1e5 Adam steps to move by 1.
 * tiny_share 0.01: the same hundredth, of the optimizer's own usual rate, judged during
 * training only, where a loss that does not improve backs it: SGD's usual rate is ten
 * times Adam's, and SGD at lr 1e-5 moved a 7-class classifier's loss by 0.96% in 30 epochs
 * (a report with its training log: chenzhang.org, "loss and accuracy get stuck").  Before
 * training the absolute tiny_lr alone warns, so a slow but healthy SGD run is not flagged
 * from its configuration.
 * min_ratio 1e-6: DeepDiagnosis flags weights whose update is below 1e-7; our ratio is
 * relative and spans a whole epoch (several steps, 3-4 in the small runs flatline
 * targets), so the threshold is ten times theirs.
 * horizon 0.01: our own.  min_ratio is per epoch, and an epoch of full-batch training is
 * one step: SGD at 1e-3 with one step an epoch moved a 10-class softmax's output layer
 * 4.4e-6 of its norm an epoch (its hidden layer 7e-7), 0.9% over the 2,000 epochs planned,
 * its loss improving 0.002% in 5 epochs (the suite's mnist-softmax-mse-sgd-lr-1e-3; the
 * report's run learns at lr 5).  Weights that a whole run would move by less than a
 * hundredth are as still as any, whatever an epoch holds.
 * grad_floor 1e-4: AUTOTRAINER's floor for a vanishing first-layer gradient; below it the
 * gradient, not the rate, is what is missing, and vanishing_gradient speaks.
 * learned 0.5: our own.  A run that decayed its rate to nothing after fitting the data
 * also has still weights and a flat loss; a loss at half that of predicting the mean or
 * better says it learned, and the pre-flight warning about the schedule is enough. */
static const fl_param no_update_params[] = {
    {"tiny_lr", FL_PARAM_FLOAT, "1e-5", "(0, inf)", NULL,
     "a learning rate (configured, or reached by the schedule) below this is too small",
     offsetof(no_update_opts, tiny_lr)},
    {"tiny_share", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "during training, a rate below this share of the optimizer's usual rate (and below "
     "tiny_lr) with the loss not improving is too small",
     offsetof(no_update_opts, tiny_share)},
    {"min_ratio", FL_PARAM_FLOAT, "1e-6", "(0, inf)", NULL,
     "a layer whose |W_end - W_start| / |W_start| over an epoch is below this did not move",
     offsetof(no_update_opts, min_ratio)},
    {"horizon", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "a layer also did not move when, at that epoch's pace, the whole planned run would "
     "move it by less than this share of its weights",
     offsetof(no_update_opts, horizon)},
    {"grad_floor", FL_PARAM_FLOAT, "1e-4", "[0, inf)", NULL,
     "with a normal rate, report still weights only if some layer's gradient norm reaches this",
     offsetof(no_update_opts, grad_floor)},
    {"patience", FL_PARAM_INT, "5", "[1, 10000]", NULL,
     "epochs in a row every layer must stay still before it is reported",
     offsetof(no_update_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "relative loss improvement over the patience window that still counts as learning",
     offsetof(no_update_opts, min_delta)},
    {"learned", FL_PARAM_FLOAT, "0.5", "[0, 1]", NULL,
     "no finding during training while the loss is below this fraction of the loss of "
     "predicting the mean: still weights then mean the run converged",
     offsetof(no_update_opts, learned)},
    FL_PARAM_END};

static bool no_update_structural_optimizer(const fl_probes *p)
{
    return (p->optimizer_flags & FL_OPTIMIZER_NEVER_STEPS) != 0;
}

static bool no_update_structural_loss(const fl_probes *p)
{
    return (p->loss_flags & FL_LOSS_NOT_DIFFERENTIABLE) != 0;
}

static const char *no_update_loss_fix(const fl_probes *p)
{
    (void)p;
    /* The in-tree non-differentiable loss rounds a regression output: its smooth twin. */
    return "mse";
}

static int no_update_preflight(void *state, const void *opts, const fl_probes *p,
                               fl_report_fn report, void *ctx)
{
    (void)state;
    const no_update_opts *op = opts;
    GString *evidence = g_string_new(NULL), *advice = g_string_new(NULL);
    const char *cause = NULL;
    g_autofree char *never = NULL;
    fl_level level = 0;
    fl_fix_set fixes = {0};
    fl_measure_set m = {0};
    if (no_update_structural_optimizer(p)) {
        fl_fixes_add(&fixes, "an optimizer that steps", "optimizer=adam");
        fl_fixes_add(&fixes, "an optimizer that steps", "optimizer=sgd");
        level = FL_LEVEL_COLLAPSED;
        cause = never = g_strdup_printf("optimizer \"%s\" never changes the weights: nothing "
                                        "can be learned",
                                        p->optimizer);
        g_string_append_printf(evidence, "optimizer = \"%s\"", p->optimizer);
        g_string_append(advice, "set optimizer to adam (optimizer = { plugin = \"adam\"; "
                                "lr = 0.001; })");
    }
    if (no_update_structural_loss(p)) {
        if (!level)
            cause = "the loss is not differentiable: its gradient is zero almost everywhere, "
                    "so no optimizer can move the weights";
        level = FL_LEVEL_COLLAPSED;
        g_string_append_printf(evidence, "%sloss = \"%s\" has a zero gradient almost everywhere",
                               evidence->len ? "; " : "", p->loss);
        g_string_append_printf(advice, "%suse loss %s instead of %s", advice->len ? "; " : "",
                               no_update_loss_fix(p), p->loss);
        fl_fixes_add(&fixes, "a differentiable loss", "loss=%s", no_update_loss_fix(p));
    }
    if (!level && isfinite(p->base_lr)) {
        double total = (double)p->max_epochs * (double)p->steps_per_epoch;
        double try_lr = lr_raised(p, p->base_lr);
        if (p->base_lr <= 0) {
            level = FL_LEVEL_COLLAPSED;
            cause = "the learning rate is 0: the weights never change";
            g_string_append_printf(evidence, "optimizer.lr = %.3g (%s)", p->base_lr,
                                   p->optimizer);
            fl_measures_add(&m, p->base_lr, "lr");
            g_string_append_printf(advice, "raise optimizer.lr from %.3g (try %.3g)", p->base_lr,
                                   try_lr);
            fixes_lr_raise(&fixes, p, "a rate that moves the weights");
        } else if (p->base_lr < op->tiny_lr) {
            level = FL_LEVEL_WARNING;
            cause = "the learning rate is tiny: the weights barely move";
            g_string_append_printf(evidence,
                                   "optimizer.lr = %.3g (%s) is below %.3g; %.0f steps planned "
                                   "(%d epochs x %zu)",
                                   p->base_lr, p->optimizer, op->tiny_lr, total, p->max_epochs,
                                   p->steps_per_epoch);
            fl_measures_add(&m, p->base_lr, "lr");
            fl_measures_add(&m, total, "steps");
            fl_measures_add(&m, p->max_epochs, "epochs");
            fl_measures_add(&m, (double)p->steps_per_epoch, "steps_per_epoch");
            g_string_append_printf(advice, "raise optimizer.lr from %.3g (try %.3g)", p->base_lr,
                                   try_lr);
            fixes_lr_raise(&fixes, p, "a rate that moves the weights");
        } else if (isfinite(p->final_lr) && p->final_lr < op->tiny_lr) {
            level = FL_LEVEL_WARNING;
            cause = "the schedule decays the learning rate to a value too small to move the "
                    "weights before training ends";
            /* final_lr is the rate of the last planned step, counting steps from 0. */
            double last = total - 1;
            g_string_append_printf(evidence, "%s takes lr from %.3g to %.3g by step %.0f",
                                   p->schedule, p->base_lr, p->final_lr, last);
            fl_measures_add(&m, p->base_lr, "lr");
            fl_measures_add(&m, p->final_lr, "lr_final");
            fl_measures_add(&m, last, "last_step");
            if ((p->schedule_flags & FL_SCHEDULE_DECAYS) && p->final_lr > 0 && p->steps_per_epoch &&
                last > 0) {
                /* The rate is base * r^(t / T): it falls below tiny_lr after a fixed share
                 * of the run; the first step past it, counting steps from 0 (staircase moves
                 * this by less than one decay period). */
                double t = floor(last * log(p->base_lr / op->tiny_lr) /
                                 log(p->base_lr / p->final_lr)) + 1;
                double epoch = floor(t / (double)p->steps_per_epoch) + 1;
                g_string_append_printf(evidence, " (below %.3g from about step %.0f, epoch %.0f)",
                                       op->tiny_lr, t, epoch);
                /* The finding's epoch is 0 (pre-flight): the epoch the rate gets too small
                 * differs from it. */
                fl_measures_add(&m, t, "since_step");
                fl_measures_add(&m, epoch, "since_epoch");
                g_string_append(advice, "raise optimizer.schedule.decay_steps (or decay_rate "
                                        "towards 1)");
            } else {
                g_string_append(advice, "use a schedule that decays less (or optimizer.schedule "
                                        "= \"constant\")");
            }
            g_string_append_printf(advice, " so the rate stays above %.3g", op->tiny_lr);
            fl_fixes_add(&fixes, "a rate that does not decay to nothing",
                         "optimizer.schedule=constant");
        }
    }
    if (level) {
        fl_finding f = {.size = sizeof f,
                        .level = level,
                        .epoch = 0,
                        .evidence = evidence->str,
                        .cause = cause,
                        .advice = advice->str};
        fl_finding_fixes(&f, &fixes);
        fl_finding_measures(&f, &m);
        report(ctx, &f);
    }
    g_string_free(evidence, TRUE);
    g_string_free(advice, TRUE);
    return 0;
}

/* The rate below which a run that does not improve is stuck on it: tiny_lr, or
 * tiny_share of the optimizer's usual rate when that is larger. */
static double no_update_tiny_observed(const no_update_opts *op, const fl_probes *p)
{
    return fmax(op->tiny_lr, op->tiny_share * fl_lr_usual(p));
}

/* Every weighted layer moved less than min_ratio in epoch k, or the epoch ran at a rate
 * below no_update_tiny_observed().  Adam moves every weight by about lr per step whatever
 * the gradient, so at lr = 1e-6 a layer of weight norm 0.25 still shows a ratio ~5e-5 per
 * epoch: the rate itself is the better witness there. */
static bool no_update_still(const fl_probes *p, size_t k, size_t unused, const void *opts)
{
    (void)unused;
    const no_update_opts *op = opts;
    double lr = fl_probes_epoch(p, k)->lr;
    if (isfinite(lr) && lr < no_update_tiny_observed(op, p))
        return true;
    size_t weighted = 0;
    for (size_t l = 0; l < p->n_layers; l++) {
        if (!fl_probes_layer(p, l)->has_weights)
            continue;
        double r = fl_epoch_layer(fl_probes_epoch(p, k), l)->update_ratio;
        if (!(r < op->min_ratio) && !(r * (double)p->max_epochs < op->horizon))
            return false;
        weighted++;
    }
    return weighted > 0;
}

/* Weighted layers, largest gradient norm first (NaN last): where a gradient is there
 * and the weights still do not move is the best witness. */
static gint no_update_by_grad(gconstpointer a, gconstpointer b, gpointer probes)
{
    const fl_epoch_probe *now = fl_probes_now(probes);
    double x = fl_epoch_layer(now, *(const size_t *)a)->grad_norm,
           y = fl_epoch_layer(now, *(const size_t *)b)->grad_norm;
    if (isnan(x) || isnan(y))
        return (isnan(x) != 0) - (isnan(y) != 0);
    return x > y ? -1 : x < y;
}

/* Each weighted layer's update ratio and gradient norm, as many layers as fit beside the
 * `reserve` measures still to come; when not all do, the largest gradients and the count
 * of weighted layers. */
static void no_update_layer_measures(fl_measure_set *m, const fl_probes *p, size_t reserve)
{
    const fl_epoch_probe *now = fl_probes_now(p);
    GArray *order = g_array_new(FALSE, FALSE, sizeof(size_t));
    for (size_t l = 0; l < p->n_layers; l++)
        if (fl_probes_layer(p, l)->has_weights)
            g_array_append_val(order, l);
    if (m->n + reserve + 2 * order->len > FL_MEASURES_MAX) {
        g_array_sort_with_data(order, no_update_by_grad, (gpointer)p);
        fl_measures_add(m, (double)order->len, "weighted_layers");
    }
    for (guint i = 0; i < order->len && m->n + reserve + 2 <= FL_MEASURES_MAX; i++) {
        size_t l = g_array_index(order, size_t, i);
        const char *name = fl_probes_layer(p, l)->name;
        fl_measures_add(m, fl_epoch_layer(now, l)->update_ratio, "%s_update_ratio", name);
        fl_measures_add(m, fl_epoch_layer(now, l)->grad_norm, "%s_grad_norm", name);
    }
    g_array_free(order, TRUE);
}

/* The run's last planned epoch, trained at a configured rate below
 * no_update_tiny_observed(), and the loss still above `learned` of predicting the mean:
 * the loss fell, too slowly to get anywhere in the epochs planned, so no plateau ever
 * held.  A warning: the outputs are not constant, the run is merely not done. */
static void no_update_report_crawl(const no_update_opts *op, const fl_probes *p,
                                   fl_report_fn report, void *ctx)
{
    const fl_epoch_probe *now = fl_probes_now(p), *first = fl_probes_epoch(p, 0);
    double tiny = no_update_tiny_observed(op, p);
    if (!run_ended(p) || !(isfinite(p->base_lr) && p->base_lr < tiny) || !(isfinite(now->lr) && now->lr < tiny) ||
        !(isfinite(p->baseline_loss) && p->baseline_loss > 0) || !isfinite(now->loss) ||
        now->loss < op->learned * p->baseline_loss)
        return;
    fl_measure_set m = {0};
    fl_measures_add(&m, p->base_lr, "lr");
    fl_measures_add(&m, first->loss, "loss_first");
    fl_measures_add(&m, now->loss, "loss_last");
    fl_measures_add(&m, now->loss / p->baseline_loss, "loss_over_mean");
    no_update_layer_measures(&m, p, 0);
    char *evidence = g_strdup_printf(
        "lr %.3g, below %.3g, for all %d epochs planned: the loss went from %.3g to %.3g, "
        "still %.0f%% of the loss of predicting the mean (%.3g)",
        p->base_lr, tiny, p->max_epochs, first->loss, now->loss,
        100 * now->loss / p->baseline_loss, p->baseline_loss);
    char *cause = g_strdup_printf("the learning rate %.3g is too small: the loss still falls, "
                                  "but the run ends before it gets anywhere",
                                  p->base_lr);
    char *advice = g_strdup_printf("raise optimizer.lr from %.3g (try %.3g)", p->base_lr,
                                   lr_raised(p, p->base_lr));
    fl_fix_set fixes = {0};
    fixes_lr_raise(&fixes, p, "a rate that moves the weights");
    fl_finding f = {.size = sizeof f,
                    .level = FL_LEVEL_WARNING,
                    .epoch = (int)p->n_epochs,
                    .evidence = evidence,
                    .cause = cause,
                    .advice = advice};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &m);
    report(ctx, &f);
    g_free(evidence);
    g_free(cause);
    g_free(advice);
}

static int no_update_observe(void *state, const void *opts, const fl_probes *p,
                             fl_report_fn report, void *ctx)
{
    (void)state;
    const no_update_opts *op = opts;
    size_t n = p->n_epochs;
    size_t streak = fl_streak(p, 0, op, no_update_still, NULL);
    if (streak < (size_t)op->patience || !fl_loss_plateau(p, op->patience, op->min_delta)) {
        no_update_report_crawl(op, p, report, ctx);
        return 0;
    }
    const fl_epoch_probe *now = fl_probes_epoch(p, n);
    if (isfinite(p->baseline_loss) && p->baseline_loss > 0 &&
        now->loss < op->learned * p->baseline_loss)
        return 0;
    double gmax = 0;
    for (size_t l = 0; l < p->n_layers; l++)
        if (fl_probes_layer(p, l)->has_weights && isfinite(fl_epoch_layer(now, l)->grad_norm))
            gmax = fmax(gmax, fl_epoch_layer(now, l)->grad_norm);
    double tiny = no_update_tiny_observed(op, p);
    bool lr_tiny = isfinite(now->lr) && now->lr < tiny;
    bool structural = no_update_structural_optimizer(p) || no_update_structural_loss(p);
    if (!structural && !lr_tiny && !(gmax >= op->grad_floor))
        return 0;

    int since = (int)(n - streak + 1);
    GString *evidence = g_string_new(NULL);
    /* The rate (stated either way), the layers, and room kept for the loss's three numbers
     * (the plateau above means the window fits). */
    fl_measure_set m = {0};
    if (isfinite(now->lr))
        fl_measures_add(&m, now->lr, "lr");
    no_update_layer_measures(&m, p, 3);
    if (lr_tiny)
        g_string_append_printf(evidence, "lr below %.3g since epoch %d (%.3g now); update "
                                         "ratio per epoch:",
                               tiny, since, now->lr);
    else
        g_string_append_printf(evidence, "update ratio per epoch below %.3g (or %.3g over "
                                         "the %d epochs planned) in every weighted layer "
                                         "since epoch %d:",
                               op->min_ratio, op->horizon, p->max_epochs, since);
    for (size_t l = 0; l < p->n_layers; l++)
        if (fl_probes_layer(p, l)->has_weights)
            g_string_append_printf(evidence, " %s %.3g", fl_probes_layer(p, l)->name,
                                   fl_epoch_layer(now, l)->update_ratio);
    g_string_append(evidence, "; gradient norms:");
    for (size_t l = 0; l < p->n_layers; l++)
        if (fl_probes_layer(p, l)->has_weights)
            g_string_append_printf(evidence, " %s %.3g", fl_probes_layer(p, l)->name,
                                   fl_epoch_layer(now, l)->grad_norm);
    if (isfinite(now->lr) && !lr_tiny)
        g_string_append_printf(evidence, "; lr %.3g", now->lr);
    char *loss = loss_note(p, op->patience, op->min_delta);
    g_string_append_printf(evidence, "; %s", loss);
    g_free(loss);
    loss_measures(&m, p, op->patience);

    char *cause, *advice;
    fl_fix_set fixes = {0};
    if (no_update_structural_optimizer(p)) {
        fl_fixes_add(&fixes, "an optimizer that steps", "optimizer=adam");
        fl_fixes_add(&fixes, "an optimizer that steps", "optimizer=sgd");
        cause = g_strdup_printf("optimizer \"%s\" never changes the weights", p->optimizer);
        advice = g_strdup("set optimizer to adam (optimizer = { plugin = \"adam\"; lr = 0.001; })");
    } else if (no_update_structural_loss(p)) {
        cause = g_strdup_printf("loss \"%s\" has a zero gradient, so the weights never move",
                                p->loss);
        advice = g_strdup_printf("use loss %s instead of %s", no_update_loss_fix(p), p->loss);
        fl_fixes_add(&fixes, "a differentiable loss", "loss=%s", no_update_loss_fix(p));
    } else if (lr_tiny && isfinite(p->base_lr) && p->base_lr >= tiny) {
        cause = g_strdup_printf("the schedule has lowered the learning rate from %.3g to %.3g, "
                                "too small to move the weights",
                                p->base_lr, now->lr);
        advice = g_strdup_printf("raise optimizer.schedule.decay_steps (or use a schedule that "
                                 "decays less) so the rate stays above %.3g",
                                 tiny);
        fl_fixes_add(&fixes, "a rate that does not decay to nothing",
                     "optimizer.schedule=constant");
    } else if (lr_tiny) {
        cause = g_strdup_printf("the learning rate %.3g is too small: the weights barely move "
                                "and the loss does not improve",
                                now->lr);
        advice = g_strdup_printf("raise optimizer.lr from %.3g (try %.3g)", p->base_lr,
                                 lr_raised(p, p->base_lr));
        fixes_lr_raise(&fixes, p, "a rate that moves the weights");
    } else {
        double lr = isfinite(now->lr) ? now->lr : p->base_lr;
        cause = g_strdup_printf("the learning rate %.3g is too small for these gradients "
                                "(largest norm %.3g): the weights barely move",
                                lr, gmax);
        advice = isfinite(p->base_lr)
                     ? g_strdup_printf("raise optimizer.lr from %.3g (try %.3g)", p->base_lr,
                                       lr_raised(p, p->base_lr))
                     : g_strdup_printf("use optimizer adam instead of %s", p->optimizer);
        if (isfinite(p->base_lr))
            fixes_lr_raise(&fixes, p, "a rate that moves the weights");
        else
            fl_fixes_add(&fixes, "an optimizer with a learning rate", "optimizer=adam");
    }
    fl_finding f = {.size = sizeof f,
                    .level = FL_LEVEL_COLLAPSED,
                    .epoch = since,
                    .evidence = evidence->str,
                    .cause = cause,
                    .advice = advice};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &m);
    report(ctx, &f);
    g_free(cause);
    g_free(advice);
    g_string_free(evidence, TRUE);
    return 0;
}

FL_DETECTOR_PLUGIN("no_update", "weights do not change (no optimizer step, zero gradient, tiny lr)",
                   no_update_params, no_update_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_NO_UPDATE, .preflight = no_update_preflight,
                   .observe = no_update_observe);
