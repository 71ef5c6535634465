/* exploding_gradient.c — cause: gradients or weights blow up.
 *
 * Three signs, each on weighted layers only:
 *  - a gradient or weight norm that is NaN/Inf: final at once;
 *  - gradients growing on their way back: a layer's gradient norm more than `ratio`
 *    times that of a layer it feeds (AUTOTRAINER compares the first layer with the
 *    last; every upstream/downstream pair generalizes that to branching models), and
 *    large in absolute terms (min_norm), so that a tiny last-layer gradient cannot make
 *    an ordinary first-layer gradient look explosive;
 *  - a weight norm more than `growth` times its value before training (or, when that
 *    was small, the value a standard initialization gives).
 * A sign at the current epoch is a warning; it is a collapse once it has held `patience`
 * epochs while the loss stopped improving (AUTOTRAINER likewise names an explosion only
 * for a run that does not converge). */
#include "evidence.h"
#include "priorities.h"

#include <stddef.h>

typedef struct exploding_gradient_opts {
    double ratio;
    double min_norm;
    double growth;
    int patience;
    double min_delta;
} exploding_gradient_opts;

/* ratio 70: AUTOTRAINER's beta_3 (first-layer / last-layer gradient norm).
 * min_norm 10: our own.  In the healthy runs we measured (sine2d, blobs, circles,
 * multi_output, teacher; Glorot/He inits; adam, sgd, rmsprop, adagrad) the largest layer
 * gradient norm was 6.8 and the largest first/last ratio 8.3; 10 stays above the first,
 * and with the rates those runs use already moves weights by 0.01..0.1 per step.  Nets
 * started with oversized weights (normal stddev 0.5 on 32-unit relu layers) show norms
 * near 1e3 in their first epoch yet learn, with ratios near 1: the ratio, not the size,
 * is the test.
 * growth 100: our own, measured from the larger of the layer's norm before
 * training and a Glorot kernel's: a fitted small network rarely needs weights 100 times
 * a standard scale.  (Against the initial norm alone, a 2-10-1 net started from normal
 * stddev 0.05 and trained at lr 1 crossed 100x at norm 27 with its loss at 0.12, well
 * under the untrained 0.21 and nowhere near blowing up: small inits make that reference
 * meaningless.)
 * patience 5 and min_delta 0.01 as for the symptoms. */
static const fl_param exploding_gradient_params[] = {
    {"ratio", FL_PARAM_FLOAT, "70", "(1, inf)", NULL,
     "gradient norm of a layer over that of a layer it feeds, above which gradients explode",
     offsetof(exploding_gradient_opts, ratio)},
    {"min_norm", FL_PARAM_FLOAT, "10", "[0, inf)", NULL,
     "the larger gradient norm of such a pair must also exceed this",
     offsetof(exploding_gradient_opts, min_norm)},
    {"growth", FL_PARAM_FLOAT, "100", "(1, inf)", NULL,
     "a weight norm above this many times its value before training (at least a Glorot "
     "init's) has blown up",
     offsetof(exploding_gradient_opts, growth)},
    {"patience", FL_PARAM_INT, "5", "[1, 10000]", NULL,
     "epochs in a row a sign must hold before it is a collapse",
     offsetof(exploding_gradient_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "relative loss improvement over the patience window that still counts as learning",
     offsetof(exploding_gradient_opts, min_delta)},
    FL_PARAM_END};

/* The worst upstream/downstream gradient pair at epoch k: returns the ratio (0: none
 * beyond min_norm) and the pair in *up, *down. */
static double exploding_gradient_worst_pair(const exploding_gradient_opts *op, const fl_probes *p,
                                            size_t k, size_t *up, size_t *down)
{
    const fl_epoch_probe *e = fl_probes_epoch(p, k);
    double worst = 0;
    for (size_t a = 0; a < p->n_layers; a++) {
        if (!fl_probes_layer(p, a)->has_weights ||
            !(fl_epoch_layer(e, a)->grad_norm > op->min_norm))
            continue;
        for (size_t b = 0; b < p->n_layers; b++) {
            if (!fl_probes_layer(p, b)->has_weights || !fl_layer_feeds(p, a, b))
                continue;
            double r = fl_epoch_layer(e, a)->grad_norm / fl_epoch_layer(e, b)->grad_norm;
            if (r > worst) {
                worst = r;
                *up = a;
                *down = b;
            }
        }
    }
    return worst;
}

/* What a layer's weight norm is measured against: its norm before training, or, if that
 * is smaller, the norm a Glorot-initialized kernel of its shape has (n_in * n_out weights
 * of variance 2 / (n_in + n_out)).  A layer started from tiny weights (normal with
 * stddev 0.05, say) grows to an ordinary scale while it learns; that is not a blow-up. */
static double exploding_gradient_weight_ref(const fl_probes *p, size_t l)
{
    const fl_layer_desc *d = fl_probes_layer(p, l);
    double fan = (double)(d->n_in + d->n_out);
    double glorot = fan > 0 ? sqrt(2.0 * (double)d->n_in * (double)d->n_out / fan) : 0;
    double w0 = fl_epoch_layer(fl_probes_epoch(p, 0), l)->weight_norm;
    return isfinite(w0) && w0 > glorot ? w0 : glorot;
}

/* The layer whose weight norm grew most relative to its reference (ref[l], or computed
 * when ref is NULL); returns the factor. */
static double exploding_gradient_worst_growth(const fl_probes *p, const double *ref, size_t k,
                                              size_t *layer)
{
    double worst = 0;
    for (size_t l = 0; l < p->n_layers; l++) {
        double w0 = ref ? ref[l] : exploding_gradient_weight_ref(p, l);
        if (!fl_probes_layer(p, l)->has_weights || !(w0 > 0))
            continue;
        double g = fl_epoch_layer(fl_probes_epoch(p, k), l)->weight_norm / w0;
        if (g > worst) {
            worst = g;
            *layer = l;
        }
    }
    return worst;
}

/* What exploding_gradient_sign() reads: the options and the layers' references (may be
 * NULL). */
typedef struct exploding_gradient_ctx {
    const exploding_gradient_opts *op;
    const double *ref;
} exploding_gradient_ctx;

static bool exploding_gradient_sign(const fl_probes *p, size_t k, size_t unused, const void *ctx)
{
    (void)unused;
    const exploding_gradient_ctx *c = ctx;
    const exploding_gradient_opts *op = c->op;
    size_t a, b, l;
    return exploding_gradient_worst_pair(op, p, k, &a, &b) > op->ratio ||
           exploding_gradient_worst_growth(p, c->ref, k, &l) > op->growth;
}

/* A weighted layer with a non-finite norm at epoch k, or n_layers. */
static size_t exploding_gradient_nonfinite(const fl_probes *p, size_t k)
{
    for (size_t l = 0; l < p->n_layers; l++) {
        const fl_layer_probe *lp = fl_epoch_layer(fl_probes_epoch(p, k), l);
        if (fl_probes_layer(p, l)->has_weights &&
            (!isfinite(lp->grad_norm) || !isfinite(lp->weight_norm)))
            return l;
    }
    return p->n_layers;
}

/* Advice, and the fixes: an initializer suited to the activation for a layer that started
 * too wide, else a rate ten and a hundred times lower. */
static char *exploding_gradient_advice(const fl_probes *p, fl_fix_set *fixes)
{
    GString *s = g_string_new(NULL);
    if (isfinite(p->base_lr) && p->base_lr > 0)
        g_string_append_printf(s, "lower optimizer.lr from %.3g (try %.3g)", p->base_lr,
                               p->base_lr / 10);
    else
        g_string_append(s, "lower the learning rate");
    for (size_t l = 0; l < p->n_layers; l++) {
        const fl_layer_desc *d = fl_probes_layer(p, l);
        /* An init with twice He's std sqrt(2 / fan_in) or more (the largest any Keras
         * variance-scaling initializer uses) amplifies every layer's signal and gradient. */
        if (d->has_weights && d->has_kernel && d->fan_in > 0 &&
            d->init_std > 2 * sqrt(2.0 / (double)d->fan_in))
        {
            g_string_append_printf(s, "; use model.%s.init = \"glorot_uniform\" (now %s with std "
                                      "%.3g)",
                                   d->name, d->init ? d->init : "?", d->init_std);
            fixes_init(fixes, d, "weights of the scale the layer's fan-in calls for");
        }
    }
    fixes_lr_lower(fixes, p, "smaller steps do not overshoot");
    g_string_append(s, "; or add batchnorm layers between the dense layers");
    return g_string_free(s, FALSE);
}

/* What observe keeps between epochs, so that an epoch costs the same at epoch 5 and at
 * epoch 5000: how far the history was searched for a non-finite norm, and the first one
 * found.  Epochs once probed do not change. */
typedef struct exploding_gradient_state {
    size_t scanned;    /* epochs 1..scanned hold no non-finite norm */
    size_t bad_epoch;  /* the first epoch that does (0: none yet) */
    size_t bad_layer;
    /* exploding_gradient_weight_ref() of each layer, from the first observe on: it reads
     * only the layer's shape and its norm at epoch 0, which do not change within a run. */
    double *ref;
    size_t n_ref;
} exploding_gradient_state;

static int exploding_gradient_create(const fl_host *host, const void *opts, void **state)
{
    (void)host, (void)opts;
    *state = g_new0(exploding_gradient_state, 1);
    return 0;
}

static void exploding_gradient_destroy(void *state)
{
    exploding_gradient_state *st = state;
    g_free(st->ref);
    g_free(st);
}

/* The layers' references, kept in the state; NULL without a state (or layers): then
 * computed where they are needed. */
static const double *exploding_gradient_refs(exploding_gradient_state *st, const fl_probes *p)
{
    if (!st || !p->n_layers)
        return NULL;
    if (!st->ref || st->n_ref != p->n_layers) {
        g_free(st->ref);
        st->ref = g_new(double, p->n_layers);
        st->n_ref = p->n_layers;
        for (size_t l = 0; l < p->n_layers; l++)
            st->ref[l] = exploding_gradient_weight_ref(p, l);
    }
    return st->ref;
}

/* The first epoch in 1..n with a non-finite norm (its layer in *layer), or 0; with state,
 * only the epochs not searched before are. */
static size_t exploding_gradient_first_nonfinite(exploding_gradient_state *st,
                                                 const fl_probes *p, size_t *layer)
{
    exploding_gradient_state none = {0};
    if (!st)
        st = &none;
    for (size_t k = st->scanned + 1; k <= p->n_epochs && !st->bad_epoch; k++) {
        size_t l = exploding_gradient_nonfinite(p, k);
        if (l != p->n_layers) {
            st->bad_epoch = k;
            st->bad_layer = l;
        }
        st->scanned = k;
    }
    *layer = st->bad_layer;
    return st->bad_epoch;
}

static int exploding_gradient_observe(void *state, const void *opts, const fl_probes *p,
                                      fl_report_fn report, void *ctx)
{
    const exploding_gradient_opts *op = opts;
    size_t n = p->n_epochs;
    fl_level level = 0;
    int since = 0;
    size_t l = 0;
    size_t k = exploding_gradient_first_nonfinite(state, p, &l);
    const double *ref = exploding_gradient_refs(state, p);
    exploding_gradient_ctx c = {op, ref};
    size_t streak = k ? 0 : (size_t)fl_streak(p, 0, &c, exploding_gradient_sign, NULL);
    /* The common case, a healthy epoch: nothing to say, nothing allocated. */
    if (!k && !streak)
        return 0;
    GString *evidence = g_string_new(NULL);
    fl_measure_set m = {0};
    if (k) {
        const fl_layer_probe *lp = fl_epoch_layer(fl_probes_epoch(p, k), l);
        const char *name = fl_probes_layer(p, l)->name;
        /* Non-finite values stay as they are: verdict.json writes them as null. */
        fl_measures_add(&m, lp->grad_norm, "%s_grad_norm", name);
        fl_measures_add(&m, lp->weight_norm, "%s_weight_norm", name);
        char g[32], w[32];
        snprintf(g, sizeof g, "%.3g", lp->grad_norm);
        snprintf(w, sizeof w, "%.3g", lp->weight_norm);
        g_string_append_printf(evidence, "layer %s at epoch %zu: gradient norm %s, weight norm %s",
                               fl_probes_layer(p, l)->name, k,
                               isfinite(lp->grad_norm) ? g : fl_nonfinite_name(lp->grad_norm),
                               isfinite(lp->weight_norm) ? w : fl_nonfinite_name(lp->weight_norm));
        if (k > 1) {
            const fl_layer_probe *before = fl_epoch_layer(fl_probes_epoch(p, k - 1), l);
            g_string_append_printf(evidence, " (epoch %zu: %.3g, %.3g)", k - 1,
                                   before->grad_norm, before->weight_norm);
            fl_measures_add(&m, before->grad_norm, "%s_grad_norm_prev", name);
            fl_measures_add(&m, before->weight_norm, "%s_weight_norm_prev", name);
        }
        level = FL_LEVEL_COLLAPSED;
        since = (int)k;
    } else {
        since = (int)(n - streak + 1);
        size_t a = 0, b = 0, gl = 0;
        double r = exploding_gradient_worst_pair(op, p, n, &a, &b);
        double g = exploding_gradient_worst_growth(p, ref, n, &gl);
        const fl_epoch_probe *now = fl_probes_epoch(p, n);
        if (r > op->ratio) {
            g_string_append_printf(evidence,
                                   "gradient norm of %s %.3g = %.3g x that of %s "
                                   "%.3g (ratio above %.3g, norm above %.3g)",
                                   fl_probes_layer(p, a)->name,
                                   fl_epoch_layer(now, a)->grad_norm, r,
                                   fl_probes_layer(p, b)->name,
                                   fl_epoch_layer(now, b)->grad_norm, op->ratio, op->min_norm);
            fl_measures_add(&m, fl_epoch_layer(now, a)->grad_norm, "%s_grad_norm",
                            fl_probes_layer(p, a)->name);
            fl_measures_add(&m, fl_epoch_layer(now, b)->grad_norm, "%s_grad_norm",
                            fl_probes_layer(p, b)->name);
            fl_measures_add(&m, r, "ratio");
        }
        if (g > op->growth) {
            g_string_append_printf(
                evidence,
                "%sweight norm of %s %.3g = %.3g x %.3g, the "
                "larger of its norm before training (%.3g) and "
                "a Glorot init's (above %.3g x)",
                evidence->len ? "; " : "", fl_probes_layer(p, gl)->name,
                fl_epoch_layer(now, gl)->weight_norm, g, exploding_gradient_weight_ref(p, gl),
                fl_epoch_layer(fl_probes_epoch(p, 0), gl)->weight_norm, op->growth);
            const char *name = fl_probes_layer(p, gl)->name;
            fl_measures_add(&m, fl_epoch_layer(now, gl)->weight_norm, "%s_weight_norm", name);
            fl_measures_add(&m, g, "%s_weight_growth", name);
            fl_measures_add(&m, exploding_gradient_weight_ref(p, gl), "%s_weight_norm_ref", name);
            fl_measures_add(&m, fl_epoch_layer(fl_probes_epoch(p, 0), gl)->weight_norm,
                            "%s_weight_norm_init", name);
        }
        g_string_append_printf(evidence, "; since epoch %d", since);
        bool stalled = fl_loss_plateau(p, op->patience, op->min_delta);
        level = streak >= (size_t)op->patience && stalled ? FL_LEVEL_COLLAPSED
                                                          : FL_LEVEL_WARNING;
        char *loss = loss_note(p, op->patience, op->min_delta);
        g_string_append_printf(evidence, "; %s", loss);
        g_free(loss);
        loss_measures(&m, p, op->patience);
    }
    fl_fix_set fixes = {0};
    char *advice = exploding_gradient_advice(p, &fixes);
    fl_finding f = {.size = sizeof f,
                    .level = level,
                    .epoch = since,
                    .evidence = evidence->str,
                    .cause = "the gradients or weights blow up, so each step overshoots",
                    .advice = advice};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &m);
    report(ctx, &f);
    g_free(advice);
    g_string_free(evidence, TRUE);
    return 0;
}

FL_DETECTOR_PLUGIN("exploding_gradient", "gradients or weights blow up", exploding_gradient_params,
                   exploding_gradient_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_EXPLODING_GRADIENT, .create = exploding_gradient_create,
                   .observe = exploding_gradient_observe, .destroy = exploding_gradient_destroy);
