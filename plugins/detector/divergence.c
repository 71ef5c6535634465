/* divergence.c — cause: the loss becomes NaN/Inf or grows without bound.  A non-finite
 * training or validation loss is final at once (nothing is learned from NaN weights; the
 * core stops the epoch loop there), reported from the first epoch it appeared.  A finite
 * loss that has risen above grow_factor times the untrained network's loss and keeps
 * rising is a warning, and a collapse once it has risen `patience` epochs in a row:
 * training by gradient descent never climbs that far for that long.  Under strong dropout
 * the loss judged is the validation loss (model_loss in evidence.h): the training loss is
 * then a thinned network's, and climbs while the model does not. */
#include "evidence.h"
#include "priorities.h"

#include <stddef.h>

typedef struct divergence_opts {
    double grow_factor;
    int patience;
} divergence_opts;

/* Our own defaults: a loss ten times the untrained network's is worse than
 * any prediction a fresh initialization makes; three rising epochs in a row above it
 * rule out a single bad batch.  AUTOTRAINER instead treats a validation loss >= 1e5 as
 * NaN, which depends on the targets' units. */
static const fl_param divergence_params[] = {
    {"grow_factor", FL_PARAM_FLOAT, "10", "(1, inf)", NULL,
     "a loss above this many times the epoch-0 loss is runaway",
     offsetof(divergence_opts, grow_factor)},
    {"patience", FL_PARAM_INT, "3", "[1, 10000]", NULL,
     "epochs in a row the loss must rise above that bound to be a collapse",
     offsetof(divergence_opts, patience)},
    FL_PARAM_END};

/* Advice: lower the rate tenfold, naming it; point at unscaled inputs when they are.  The
 * fixes: scaled inputs first where they are large (the rate was not the problem then),
 * else a rate ten and a hundred times lower. */
static char *divergence_advice(const fl_probes *p, fl_fix_set *fixes)
{
    GString *s = g_string_new(NULL);
    if (isfinite(p->base_lr) && p->base_lr > 0)
        g_string_append_printf(s, "lower optimizer.lr from %.3g (try %.3g)", p->base_lr,
                               p->base_lr / 10);
    else
        g_string_append(s, "lower the learning rate");
    double absmax = 0;
    size_t worst = 0;
    for (size_t i = 0; i < p->n_in && p->input_absmax; i++)
        if (p->input_absmax[i] > absmax)
            absmax = p->input_absmax[i], worst = i;
    /* Inputs beyond ~10 in magnitude multiply the first layer's gradient accordingly. */
    bool unscaled = absmax > 10 && p->normalize == FL_NORMALIZE_NONE;
    if (unscaled) {
        g_string_append_printf(s, "; set dataset.normalize = \"standard\" (input %s reaches "
                                  "|x| = %.3g)",
                               p->in_names && p->in_names[worst] ? p->in_names[worst] : "?",
                               absmax);
        fl_fixes_add(fixes, "inputs of unit scale keep the first steps small",
                     "dataset.normalize=standard");
    } else {
        g_string_append(s, "; check the scale of inputs and targets");
    }
    fixes_lr_lower(fixes, p, "smaller steps do not overshoot");
    return g_string_free(s, FALSE);
}

static void divergence_report_nonfinite(const fl_probes *p, size_t k, fl_report_fn report,
                                        void *ctx)
{
    const fl_epoch_probe *e = fl_probes_epoch(p, k);
    bool train = !isfinite(e->loss);
    GString *evidence = g_string_new(NULL);
    g_string_append_printf(evidence, "%s loss is %s at epoch %zu",
                           train ? "training" : "validation",
                           fl_nonfinite_name(train ? e->loss : e->val_loss), k);
    if (k > 0)
        g_string_append_printf(evidence, " (epoch-0 loss %.3g", fl_probes_epoch(p, 0)->loss);
    if (k > 1)
        g_string_append_printf(evidence, ", epoch %zu %.3g", k - 1,
                               train ? fl_probes_epoch(p, k - 1)->loss
                                     : fl_probes_epoch(p, k - 1)->val_loss);
    if (k > 0)
        g_string_append(evidence, ")");
    /* The non-finite loss itself goes out as null: its name says which loss it was. */
    fl_measure_set measures = {0};
    const char *which = train ? "loss" : "val_loss";
    fl_measures_add(&measures, train ? e->loss : e->val_loss, "%s", which);
    if (k > 0)
        fl_measures_add(&measures, fl_probes_epoch(p, 0)->loss, "loss_epoch0");
    if (k > 1)
        fl_measures_add(&measures,
                        train ? fl_probes_epoch(p, k - 1)->loss
                              : fl_probes_epoch(p, k - 1)->val_loss,
                        "%s_before", which);
    fl_fix_set fixes = {0};
    char *advice = divergence_advice(p, &fixes);
    fl_finding f = {.size = sizeof f,
                    .level = FL_LEVEL_COLLAPSED,
                    .epoch = (int)k,
                    .evidence = evidence->str,
                    .cause = k ? "the loss became NaN/Inf: training diverged"
                               : "the untrained network's loss is NaN/Inf: inputs or targets "
                                 "are too large (or not finite)",
                    .advice = advice};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &measures);
    report(ctx, &f);
    g_string_free(evidence, TRUE);
    g_free(advice);
}

static int divergence_preflight(void *state, const void *opts, const fl_probes *p,
                                fl_report_fn report, void *ctx)
{
    (void)state, (void)opts;
    if (!isfinite(fl_probes_epoch(p, 0)->loss))
        divergence_report_nonfinite(p, 0, report, ctx);
    return 0;
}

static bool divergence_rising(const fl_probes *p, size_t k, size_t unused, const void *opts)
{
    (void)unused;
    const divergence_opts *op = opts;
    if (k == 0)
        return false; /* the untrained network has no epoch before it to rise from */
    double l = model_loss(p, k), prev = model_loss(p, k - 1);
    return l > op->grow_factor * model_loss(p, 0) && l > prev;
}

/* How far the history was searched for a non-finite loss (epochs once probed do not
 * change), so that an epoch's check costs the same late in a long run as early. */
typedef struct divergence_state {
    size_t scanned;   /* epochs 1..scanned hold finite losses */
    size_t bad_epoch; /* the first that does not (0: none yet) */
} divergence_state;

static int divergence_create(const fl_host *host, const void *opts, void **state)
{
    (void)host, (void)opts;
    *state = g_new0(divergence_state, 1);
    return 0;
}

static void divergence_destroy(void *state) { g_free(state); }

static int divergence_observe(void *state, const void *opts, const fl_probes *p,
                              fl_report_fn report, void *ctx)
{
    const divergence_opts *op = opts;
    size_t n = p->n_epochs;
    divergence_state none = {0}, *st = state ? state : &none;
    for (size_t k = st->scanned + 1; k <= n && !st->bad_epoch; k++) {
        const fl_epoch_probe *e = fl_probes_epoch(p, k);
        /* Without a validation split val_loss is NaN by design. */
        if (!isfinite(e->loss) || (p->n_val && !isfinite(e->val_loss)))
            st->bad_epoch = k;
        st->scanned = k;
    }
    if (st->bad_epoch) {
        divergence_report_nonfinite(p, st->bad_epoch, report, ctx);
        return 0;
    }
    /* The training loss, or under strong dropout the validation loss (model_loss). */
    double l0 = model_loss(p, 0);
    if (!(l0 > 0))
        return 0;
    size_t streak = fl_streak(p, 0, op, divergence_rising, NULL);
    if (!streak)
        return 0;
    size_t since = n - streak + 1;
    double l = model_loss(p, n), before = model_loss(p, since - 1);
    char *evidence =
        g_strdup_printf("%s %.3g at epoch %zu = %.3g x the epoch-0 loss "
                        "%.3g (bound %.3g x), rising above the bound in each of the "
                        "last %zu epochs (from %.3g at epoch %zu)",
                        model_loss_name(p), l, n, l / l0, l0, op->grow_factor, streak, before,
                        since - 1);
    /* "loss_before": the epoch before the rise, as for a non-finite loss. */
    fl_measure_set measures = {0};
    fl_measures_add(&measures, l, "loss");
    fl_measures_add(&measures, l / l0, "ratio");
    fl_measures_add(&measures, l0, "loss_epoch0");
    fl_measures_add(&measures, (double)streak, "rising_epochs");
    fl_measures_add(&measures, before, "loss_before");
    fl_fix_set fixes = {0};
    char *advice = divergence_advice(p, &fixes);
    fl_finding f = {.size = sizeof f,
                    .level = streak >= (size_t)op->patience ? FL_LEVEL_COLLAPSED
                                                            : FL_LEVEL_WARNING,
                    .epoch = (int)since,
                    .evidence = evidence,
                    .cause = "the loss grows without bound: the steps overshoot",
                    .advice = advice};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &measures);
    report(ctx, &f);
    g_free(evidence);
    g_free(advice);
    return 0;
}

FL_DETECTOR_PLUGIN("divergence", "loss becomes NaN/Inf or grows without bound", divergence_params,
                   divergence_opts, .flags = FL_DETECTS_CAUSE, .priority = PRIORITY_DIVERGENCE,
                   .create = divergence_create, .preflight = divergence_preflight,
                   .observe = divergence_observe, .destroy = divergence_destroy);
