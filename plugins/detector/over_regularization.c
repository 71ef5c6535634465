/* over_regularization.c — the `over_regularization` detector: the L1/L2 penalty dominates
 * the loss and shrinks the weights to nothing, or dropout leaves too little of the signal
 * to learn from.
 *
 * Pre-flight: at the initial weights the penalty (history[0].penalty) already outweighs
 * the data loss ten times over, so the first steps minimize the weights, not the error.
 * During training: a penalized layer's weight norm has fallen below a tenth of its initial
 * value for `patience` epochs while the penalty makes up most of the loss or the fit is
 * poor (warning).  The penalty's share alone is not enough either way: with a small l2 a
 * well-fitted model has a tiny data loss, so the penalty is most of the loss and all is
 * well; with a huge l2 the weights shrink until the penalty is small again and only the
 * poor fit remains.  It is final when the loss is flat and the weights are either
 * practically gone (below 1e-3 of their initial norm) or held small while the model
 * explains next to nothing (measured with l1 or l2 = 1 on sine2d: the kernels settle at
 * 1.5-6% of their initial norm, the data loss at 100% of the mean's, never 0.1%).  The
 * weight norm includes the unpenalized bias, so it never quite reaches zero.  The
 * thresholds are ours: no published rule exists for this failure.
 *
 * Dropout is the other regularizer that can leave nothing to learn from: a layer that
 * drops more than half its inputs in training (0.5 is the rate Srivastava et al. found
 * best for hidden units; beyond it each kept value is scaled up and the noise drowns the
 * signal) while the loss sits flat at the mean's is named as the reason (a warning: at
 * the run's end it joins the flat output's collapse).  Measured: Dropout(0.99) after
 * both hidden layers of Keras' MNIST MLP ended at ln 10 with every class output within
 * 1% of the targets' spread; 0.2, the example's own rate, reached 100% accuracy. */
#include <flatline/plugin.h>
#include <stddef.h>
#include "evidence.h"
#include "priorities.h"

typedef struct over_regularization_opts {
    double share;
    double shrink;
    double collapse;
    double init_ratio;
    int patience;
    double min_delta;
    double poor_fit;
    double collapse_fit;
    double dropout;
} over_regularization_opts;

static const fl_param over_regularization_params[] = {
    {"share", FL_PARAM_FLOAT, "0.5", "(0, 1]", NULL,
     "the penalty dominates when it is more than this share of the loss",
     offsetof(over_regularization_opts, share)},
    {"shrink", FL_PARAM_FLOAT, "0.1", "(0, 1)", NULL,
     "weights count as shrunk below this times their initial norm",
     offsetof(over_regularization_opts, shrink)},
    {"collapse", FL_PARAM_FLOAT, "1e-3", "(0, 1)", NULL,
     "weights count as gone below this times their initial norm (collapsed)",
     offsetof(over_regularization_opts, collapse)},
    {"init_ratio", FL_PARAM_FLOAT, "10", "(0, inf)", NULL,
     "pre-flight: a penalty more than this times the data loss at the initial weights",
     offsetof(over_regularization_opts, init_ratio)},
    {"patience", FL_PARAM_INT, "5", "[1, 100000]", NULL,
     "epochs the shrinking must hold before it is reported",
     offsetof(over_regularization_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1)", NULL,
     "relative loss decrease over the patience window that counts as recovering",
     offsetof(over_regularization_opts, min_delta)},
    {"poor_fit", FL_PARAM_FLOAT, "0.5", "[0, inf)", NULL,
     "the fit is poor while the data loss exceeds this times the loss of predicting the mean",
     offsetof(over_regularization_opts, poor_fit)},
    {"collapse_fit", FL_PARAM_FLOAT, "0.8", "[0, inf)", NULL,
     "collapsed only while the data loss exceeds this times the loss of predicting the mean",
     offsetof(over_regularization_opts, collapse_fit)},
    {"dropout", FL_PARAM_FLOAT, "0.5", "(0, 1]", NULL,
     "a dropout layer dropping more than this share of its inputs is named while the loss "
     "is flat above collapse_fit x the mean's",
     offsetof(over_regularization_opts, dropout)},
    FL_PARAM_END};

static bool over_regularization_penalized(const fl_layer_desc *l)
{
    return l->has_weights && (l->l1 > 0 || l->l2 > 0);
}

/* A value to suggest instead of a penalty factor v. */
static double over_regularization_try(double v) { return v > 1e-3 ? 1e-4 : v / 100.0; }

/* "model.h1.l2 = 10, model.out.l1 = 0.1" and the matching advice for every penalized
 * layer. */
static void over_regularization_keys(const fl_probes *p, GString *keys, GString *advice)
{
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        if (!over_regularization_penalized(l))
            continue;
        for (int which = 0; which < 2; which++) {
            double v = which ? l->l1 : l->l2;
            const char *key = which ? "l1" : "l2";
            if (!(v > 0))
                continue;
            g_string_append_printf(keys, "%smodel.%s.%s = %.3g", keys->len ? ", " : "",
                                   l->name, key, v);
            g_string_append_printf(advice, "%slower model.%s.%s from %.3g (try %.3g)",
                                   advice->len ? "; " : "", l->name, key, v,
                                   over_regularization_try(v));
        }
    }
}

/* Two candidate fixes, each lowering every penalty at once (one left strong still holds
 * the weights down): to the suggested value, and to a tenth of what it is. */
static void over_regularization_fixes(const fl_probes *p, fl_fix_set *fixes)
{
    for (int tenth = 0; tenth < 2; tenth++) {
        bool started = false;
        for (size_t k = 0; k < p->n_layers; k++) {
            const fl_layer_desc *l = fl_probes_layer(p, k);
            for (int which = 0; over_regularization_penalized(l) && which < 2; which++) {
                double v = which ? l->l1 : l->l2;
                if (!(v > 0))
                    continue;
                double to = tenth ? v / 10 : over_regularization_try(v);
                const char *key = which ? "l1" : "l2";
                if (started)
                    fl_fixes_also(fixes, "model.%s.%s=%.3g", l->name, key, to);
                else
                    started = fl_fixes_add(fixes, "a penalty that leaves the data its say",
                                           "model.%s.%s=%.3g", l->name, key, to);
            }
        }
    }
}

/* "<layer>_l1" and "<layer>_l2" of every penalized layer (those over_regularization_keys()
 * names), as many as fit. */
static void over_regularization_factor_measures(const fl_probes *p, fl_measure_set *m)
{
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        for (int which = 0; over_regularization_penalized(l) && which < 2; which++) {
            double v = which ? l->l1 : l->l2;
            if (v > 0)
                fl_measures_add(m, v, "%s_%s", l->name, which ? "l1" : "l2");
        }
    }
}

static int over_regularization_preflight(void *state, const void *opts_, const fl_probes *p,
                                         fl_report_fn report, void *ctx)
{
    (void)state;
    const over_regularization_opts *o = opts_;
    const fl_epoch_probe *h0 = fl_probes_epoch(p, 0);
    double data0 = fl_data_loss(h0);
    if (!isfinite(h0->penalty) || !isfinite(data0) || data0 <= 0 ||
        !(h0->penalty > o->init_ratio * data0))
        return 0;
    GString *keys = g_string_new(NULL), *advice = g_string_new(NULL);
    over_regularization_keys(p, keys, advice);
    if (keys->len) {
        char *evidence = g_strdup_printf("at the initial weights the penalty is %.3g = %.3gx "
                                         "the data loss %.3g (%s)",
                                         h0->penalty, h0->penalty / data0, data0, keys->str);
        fl_fix_set fixes = {0};
        over_regularization_fixes(p, &fixes);
        fl_measure_set m = {0};
        fl_measures_add(&m, h0->penalty, "penalty");
        fl_measures_add(&m, h0->penalty / data0, "ratio");
        fl_measures_add(&m, data0, "data_loss");
        over_regularization_factor_measures(p, &m);
        fl_finding f = {.size = sizeof f,
                        .level = FL_LEVEL_WARNING,
                        .epoch = 0,
                        .evidence = evidence,
                        .cause = "the L1/L2 penalty outweighs the data loss from the start: "
                                 "training will shrink the weights instead of fitting the data",
                        .advice = advice->str};
        fl_finding_fixes(&f, &fixes);
        fl_finding_measures(&f, &m);
        report(ctx, &f);
        g_free(evidence);
    }
    g_string_free(keys, TRUE);
    g_string_free(advice, TRUE);
    return 0;
}

/* ctx: the factor of the initial norm below which layer k counts as shrunk. */
static bool over_regularization_shrunk(const fl_probes *p, size_t epoch, size_t k,
                                       const void *ctx)
{
    double w0 = fl_epoch_layer(fl_probes_epoch(p, 0), k)->weight_norm,
           w = fl_epoch_layer(fl_probes_epoch(p, epoch), k)->weight_norm;
    return isfinite(w0) && w0 > 0 && isfinite(w) && w < *(const double *)ctx * w0;
}

/* " (l2 = 1)" / " (l1 = 0.1, l2 = 1)": the penalties a layer has. */
static char *over_regularization_factors(const fl_layer_desc *l)
{
    if (l->l1 > 0 && l->l2 > 0)
        return g_strdup_printf("l1 = %.3g, l2 = %.3g", l->l1, l->l2);
    return g_strdup_printf("%s = %.3g", l->l1 > 0 ? "l1" : "l2", l->l1 > 0 ? l->l1 : l->l2);
}

/* A shrunk layer, for the finding's measures. */
typedef struct over_regularization_shrunk_layer {
    size_t k;
    double ratio; /* weight norm now over that at epoch 0 */
    int from;     /* the epoch it stayed shrunk since */
} over_regularization_shrunk_layer;

static gint over_regularization_by_ratio(gconstpointer a, gconstpointer b)
{
    double x = ((const over_regularization_shrunk_layer *)a)->ratio,
           y = ((const over_regularization_shrunk_layer *)b)->ratio;
    return x < y ? -1 : x > y;
}

/* The measures a shrunk layer needs: its penalty factors, what fraction of its epoch-0
 * norm it kept, and the epoch it stayed shrunk since where that is not the finding's. */
static size_t over_regularization_layer_need(const fl_layer_desc *l,
                                             const over_regularization_shrunk_layer *s,
                                             int since)
{
    return 1 + (l->l1 > 0) + (l->l2 > 0) + (s->from != since);
}

/* The shrunk layers' numbers, most shrunk first: each layer's over_regularization_layer_need()
 * where it fits whole (the count of layers when not all do), then the weight norm of each
 * layer named while there is room.  The epoch-0 norm is left out: it is the norm over the
 * fraction. */
static void over_regularization_layer_measures(const fl_probes *p, GArray *shrunk, int since,
                                               fl_measure_set *m)
{
    const fl_epoch_probe *now = fl_probes_now(p);
    g_array_sort(shrunk, over_regularization_by_ratio);
    size_t need = 0;
    for (guint i = 0; i < shrunk->len; i++) {
        const over_regularization_shrunk_layer *s =
            &g_array_index(shrunk, over_regularization_shrunk_layer, i);
        need += over_regularization_layer_need(fl_probes_layer(p, s->k), s, since);
    }
    if (m->n + need > FL_MEASURES_MAX)
        fl_measures_add(m, (double)shrunk->len, "shrunk_layers");
    bool *named = g_new0(bool, shrunk->len);
    for (guint i = 0; i < shrunk->len; i++) {
        const over_regularization_shrunk_layer *s =
            &g_array_index(shrunk, over_regularization_shrunk_layer, i);
        const fl_layer_desc *l = fl_probes_layer(p, s->k);
        if (m->n + over_regularization_layer_need(l, s, since) > FL_MEASURES_MAX)
            continue; /* a later layer may need fewer */
        if (l->l1 > 0)
            fl_measures_add(m, l->l1, "%s_l1", l->name);
        if (l->l2 > 0)
            fl_measures_add(m, l->l2, "%s_l2", l->name);
        fl_measures_add(m, s->ratio, "%s_weight_ratio", l->name);
        if (s->from != since)
            fl_measures_add(m, s->from, "%s_since_epoch", l->name);
        named[i] = true;
    }
    for (guint i = 0; i < shrunk->len; i++) {
        const over_regularization_shrunk_layer *s =
            &g_array_index(shrunk, over_regularization_shrunk_layer, i);
        if (named[i])
            fl_measures_add(m, fl_epoch_layer(now, s->k)->weight_norm, "%s_weight_norm",
                            fl_probes_layer(p, s->k)->name);
    }
    g_free(named);
}

/* The loss dropout is judged by: the validation loss where there is one (measured in
 * inference mode, as the probes are; the training loss carries the dropout's own noise,
 * 5-8 against the mean's 2.3 at a rate of 0.99), else the training data loss. */
static double over_regularization_eval_loss(const fl_probes *p, size_t epoch)
{
    const fl_epoch_probe *e = fl_probes_epoch(p, epoch);
    return isfinite(fl_probes_now(p)->val_loss) ? e->val_loss : fl_data_loss(e);
}

/* An epoch whose inference-mode loss sits above collapse_fit x the mean's (fl_holds_fn;
 * ctx: the options). */
static bool over_regularization_unfit(const fl_probes *p, size_t epoch, size_t unused,
                                      const void *ctx)
{
    (void)unused;
    const over_regularization_opts *o = ctx;
    return over_regularization_eval_loss(p, epoch) > o->collapse_fit * p->baseline_loss;
}

/* The dropout rule (see the top): reports and returns 0 either way. */
static int over_regularization_dropout(const over_regularization_opts *o, const fl_probes *p,
                                       fl_report_fn report, void *ctx)
{
    size_t n = p->n_epochs, window = (size_t)o->patience;
    double base = p->baseline_loss, loss = over_regularization_eval_loss(p, n);
    if (!(isfinite(base) && base > 0) || n < window + 1)
        return 0;
    bool any = false;
    for (size_t k = 0; k < p->n_layers && !any; k++)
        any = drops_more_than(fl_probes_layer(p, k), o->dropout);
    if (!any)
        return 0;
    /* Flat: above collapse_fit x the mean's over the window, and not improving by
     * min_delta on the window's first epoch (or above it for twice the window). */
    int since = 0;
    size_t streak = (size_t)fl_streak(p, 0, o, over_regularization_unfit, &since);
    if (streak < window)
        return 0;
    since = MAX(since, 1);
    double ref = over_regularization_eval_loss(p, n - window), best = INFINITY;
    for (size_t e = n - window + 1; e <= n; e++)
        best = fmin(best, over_regularization_eval_loss(p, e));
    /* Twice the window above it counts as flat too: the validation loss of such a network
     * wanders by a few percent either way (Dropout(0.99) on sine2d: 0.239-0.283 against
     * the mean's 0.248), which the window's 1% test takes for learning. */
    if (!(best >= (1 - o->min_delta) * ref) && streak < 2 * window)
        return 0;
    double fit = loss / base;
    GString *layers = g_string_new(NULL), *advice = g_string_new(NULL);
    fl_fix_set fixes = {0};
    fl_measure_set m = {0};
    /* Two fixes, each for every such layer at once: the rate most examples use for
     * hidden layers, then the bound itself. */
    static const double rates[] = {0.2, 0.5};
    for (int r = 0; r < 2; r++) {
        bool started = false;
        for (size_t k = 0; k < p->n_layers; k++) {
            const fl_layer_desc *l = fl_probes_layer(p, k);
            if (!drops_more_than(l, o->dropout))
                continue;
            double to = fmin(rates[r], o->dropout);
            if (started)
                fl_fixes_also(&fixes, "model.%s.rate=%.3g", l->name, to);
            else
                started = fl_fixes_add(&fixes, "dropout that keeps most of the signal",
                                       "model.%s.rate=%.3g", l->name, to);
            if (r == 0) {
                g_string_append_printf(layers, layers->len ? ", %s %.3g%%"
                                                           : "%s drops %.3g%% of its inputs",
                                       l->name, 100 * l->drop_rate);
                g_string_append_printf(advice, "%slower model.%s.rate from %.3g (try %.3g)",
                                       advice->len ? "; " : "", l->name, l->drop_rate, to);
                fl_measures_add(&m, l->drop_rate, "%s_rate", l->name);
            }
        }
    }
    bool val = isfinite(fl_probes_now(p)->val_loss);
    char *evidence = g_strdup_printf(
        "in training %s; the %s has stayed above %.3g x the loss of predicting the mean "
        "(%.3g) since epoch %d: %.3g at epoch %zu, %.3g at epoch %zu (%.0f%%)",
        layers->str, val ? "validation loss" : "data loss", o->collapse_fit, base, since, ref,
        n - window, loss, n, 100 * fit);
    fl_measures_add(&m, fit, "fit");
    fl_measures_add(&m, loss, val ? "val_loss" : "data_loss");
    fl_finding f = {.size = sizeof f,
                    .level = FL_LEVEL_WARNING,
                    .epoch = since,
                    .evidence = evidence,
                    .cause = "dropout this strong leaves each step too little of the signal "
                             "to learn from: the network settles on the targets' mean",
                    .advice = advice->str};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &m);
    report(ctx, &f);
    g_free(evidence);
    g_string_free(layers, TRUE);
    g_string_free(advice, TRUE);
    return 0;
}

static int over_regularization_observe(void *state, const void *opts_, const fl_probes *p,
                                       fl_report_fn report, void *ctx)
{
    (void)state;
    const over_regularization_opts *o = opts_;
    const fl_epoch_probe *now = fl_probes_epoch(p, p->n_epochs);
    double share = isfinite(now->penalty) && now->loss > 0 ? now->penalty / now->loss : 0.0;
    double fit = fl_fit_ratio(p, now);
    bool poor = fit > o->poor_fit;
    if (!(share > o->share) && !poor)
        return over_regularization_dropout(o, p, report, ctx);
    /* The plateau and the texts are made for the first penalized layer found shrunk: a
     * model without penalties (where a poor fit early in training passes the test above)
     * computes and allocates nothing. */
    bool flat = false, explains_nothing = false;
    GString *layers = NULL, *advice = NULL;
    GArray *shrunk = NULL;
    bool collapsed = false;
    int since = -1;
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        if (!over_regularization_penalized(l))
            continue;
        int from = 0, from_gone = 0;
        if (fl_streak(p, k, &o->shrink, over_regularization_shrunk, &from) < o->patience)
            continue;
        if (!layers) {
            flat = fl_loss_plateau(p, o->patience, o->min_delta);
            /* Final when the loss shows no sign of recovery and either the weights are
             * gone or they are held small while the model explains next to nothing: a
             * strong penalty keeps the weights at a small equilibrium (measured with l2 = 1
             * on sine2d: 2% of the initial norm, never 0.1%), which is as final as zero. */
            explains_nothing = fit > o->collapse_fit;
            layers = g_string_new(NULL);
            advice = g_string_new(NULL);
            shrunk = g_array_new(FALSE, FALSE, sizeof(over_regularization_shrunk_layer));
        }
        bool gone = fl_streak(p, k, &o->collapse, over_regularization_shrunk,
                                   &from_gone) >= o->patience;
        collapsed = collapsed || (flat && (explains_nothing || (gone && poor)));
        since = since < 0 ? from : MIN(since, from);
        double w0 = fl_epoch_layer(fl_probes_epoch(p, 0), k)->weight_norm,
               w = fl_epoch_layer(now, k)->weight_norm;
        char *factors = over_regularization_factors(l);
        g_string_append_printf(layers, "%sthe weight norm of %s (%s) fell from %.3g at epoch 0 "
                                       "to %.3g (%.2g%%) and stayed below %.3g of it since "
                                       "epoch %d",
                               layers->len ? "; " : "", l->name, factors, w0, w, 100.0 * w / w0,
                               o->shrink, from);
        g_free(factors);
        over_regularization_shrunk_layer sl = {k, w / w0, from};
        g_array_append_val(shrunk, sl);
        for (int which = 0; which < 2; which++) {
            double v = which ? l->l1 : l->l2;
            if (v > 0)
                g_string_append_printf(advice, "%slower model.%s.%s from %.3g (try %.3g)",
                                       advice->len ? "; " : "", l->name, which ? "l1" : "l2",
                                       v, over_regularization_try(v));
        }
    }
    if (!layers)
        return over_regularization_dropout(o, p, report, ctx);
    double data = fl_data_loss(now);
    char *flat_text = collapsed ? loss_note(p, o->patience, o->min_delta) : g_strdup("");
    char *evidence = g_strdup_printf(
        "%s; the penalty is %.3g = %.2g%% of the loss %.3g; data loss %.3g = %.0f%% of the "
        "loss of predicting the mean%s%s",
        layers->str, now->penalty, 100.0 * share, now->loss, data,
        100.0 * data / p->baseline_loss, collapsed ? "; " : "", flat_text);
    fl_fix_set fixes = {0};
    over_regularization_fixes(p, &fixes);
    fl_measure_set m = {0};
    fl_measures_add(&m, now->penalty, "penalty");
    fl_measures_add(&m, share, "penalty_share");
    fl_measures_add(&m, now->loss, "loss");
    fl_measures_add(&m, data, "data_loss");
    fl_measures_add(&m, data / p->baseline_loss, "fit");
    if (collapsed)
        loss_measures(&m, p, o->patience);
    over_regularization_layer_measures(p, shrunk, since, &m);
    fl_finding f = {.size = sizeof f,
                    .level = collapsed ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING,
                    .epoch = since,
                    .evidence = evidence,
                    .cause = "the L1/L2 penalty outweighs what the weights gain on the "
                             "data, so training holds them near 0 instead of fitting",
                    .advice = advice->str};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &m);
    report(ctx, &f);
    g_free(flat_text);
    g_free(evidence);
    g_array_free(shrunk, TRUE);
    g_string_free(layers, TRUE);
    g_string_free(advice, TRUE);
    return 0;
}

FL_DETECTOR_PLUGIN("over_regularization",
                   "the L1/L2 penalty dominates the loss and shrinks the weights to nothing, "
                   "or dropout leaves too little of the signal to learn from",
                   over_regularization_params, over_regularization_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_OVER_REGULARIZATION,
                   .preflight = over_regularization_preflight,
                   .observe = over_regularization_observe);
