/* vanishing_gradient.c — cause: gradients shrink on their way back until the first
 * layers stop learning.  AUTOTRAINER's test: the first weighted layer's gradient norm is
 * below `ratio` times the last one's and below `first_norm` in absolute terms, with at
 * least two weighted layers.  Held `patience` epochs it is a warning; a collapse when
 * the loss has also stopped improving over that window.  The norms here cover each
 * layer's kernel and bias together (AUTOTRAINER uses kernels only); a kernel holds
 * n_in entries per bias entry, so it dominates the norm.
 *
 * A second test, from our own measurements (experiments/glorot-deep-sigmoid.cfg): in a
 * stack of sigmoid/tanh layers with Glorot weights the input-dependent part of the signal
 * shrinks about 4x per layer forward as well as backward.  There the first/last gradient
 * ratio was only ~3e-3 (above AUTOTRAINER's 1e-3), but the output barely depended on the
 * input (its spread 2e-4..3e-3 x the targets', against >= 0.04 in every healthy run) and
 * the loss never moved; the ratio also jumped between 2e-3 and 1.2e-2 from epoch to epoch,
 * hence a loose `soft_ratio`.  So: with at least two squashing hidden layers, a gradient ratio
 * below `soft_ratio` together with an output spread below `signal` x the target spread is
 * the same failure, seen from both ends of the network. */
#include "evidence.h"
#include "priorities.h"

#include <stddef.h>

typedef struct vanishing_gradient_opts {
    double ratio;
    double first_norm;
    int patience;
    double min_delta;
    double soft_ratio;
    double signal;
} vanishing_gradient_opts;

/* ratio 1e-3 and first_norm 1e-4: AUTOTRAINER's beta_1 and beta_2.  patience 5 and
 * min_delta 0.01: our own, as for the symptoms (AUTOTRAINER checks once per epoch with
 * no persistence and relies on the run not converging). */
static const fl_param vanishing_gradient_params[] = {
    {"ratio", FL_PARAM_FLOAT, "1e-3", "(0, 1)", NULL,
     "first-layer gradient norm over last-layer gradient norm below which gradients vanish",
     offsetof(vanishing_gradient_opts, ratio)},
    {"first_norm", FL_PARAM_FLOAT, "1e-4", "(0, inf)", NULL,
     "the first layer's gradient norm must also be below this",
     offsetof(vanishing_gradient_opts, first_norm)},
    {"patience", FL_PARAM_INT, "5", "[1, 10000]", NULL,
     "epochs in a row the gradients must vanish before it is reported",
     offsetof(vanishing_gradient_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "relative loss improvement over the patience window that still counts as learning",
     offsetof(vanishing_gradient_opts, min_delta)},
    {"soft_ratio", FL_PARAM_FLOAT, "0.05", "(0, 1)", NULL,
     "with the output barely depending on the input: gradient ratio below this also counts",
     offsetof(vanishing_gradient_opts, soft_ratio)},
    {"signal", FL_PARAM_FLOAT, "0.01", "(0, 1)", NULL,
     "output spread over target spread below which the signal has vanished on the way forward",
     offsetof(vanishing_gradient_opts, signal)},
    FL_PARAM_END};

static bool vanishing_gradient_holds(const fl_probes *p, size_t k, size_t unused,
                                     const void *opts)
{
    (void)unused;
    const vanishing_gradient_opts *op = opts;
    size_t first, last;
    if (weighted_layers(p, &first, &last) < 2)
        return false;
    double g0 = fl_epoch_layer(fl_probes_epoch(p, k), first)->grad_norm,
           g1 = fl_epoch_layer(fl_probes_epoch(p, k), last)->grad_norm;
    /* An exactly zero first-layer gradient is blocked, not fading: dead units or a
     * symmetric (zero) start pass nothing back, which dead_relu and bad_init name. */
    return isfinite(g0) && isfinite(g1) && g0 > 0 && g1 > 0 && g0 / g1 < op->ratio &&
           g0 < op->first_norm;
}

/* Hidden sigmoid/tanh layers with weights: where the signal fades both ways. */
static size_t vanishing_gradient_squashing(const fl_probes *p)
{
    size_t n = 0;
    for (size_t l = 0; l < p->n_layers; l++) {
        fl_activation_kind k = fl_probes_layer(p, l)->activation.kind;
        n += fl_probes_layer(p, l)->has_weights && !fl_probes_layer(p, l)->is_output &&
             (k == FL_ACT_SIGMOID || k == FL_ACT_TANH);
    }
    return n;
}

/* The second test: a softer gradient ratio, corroborated by an output that ignores the
 * input. */
static bool vanishing_gradient_faded(const fl_probes *p, size_t k, size_t unused,
                                     const void *opts)
{
    (void)unused;
    const vanishing_gradient_opts *op = opts;
    size_t first, last;
    /* The squashing layers first: most networks have two weighted layers, few have two
     * sigmoid/tanh hidden ones. */
    if (vanishing_gradient_squashing(p) < 2 || weighted_layers(p, &first, &last) < 2)
        return false;
    double g0 = fl_epoch_layer(fl_probes_epoch(p, k), first)->grad_norm,
           g1 = fl_epoch_layer(fl_probes_epoch(p, k), last)->grad_norm;
    if (!(isfinite(g0) && isfinite(g1) && g0 > 0 && g1 > 0 && g0 / g1 < op->soft_ratio))
        return false;
    double spread = 0;
    for (size_t o = 0; o < p->n_outputs; o++) {
        if (!(p->target_std[o] > 0))
            return false;
        spread = fmax(spread, fl_probes_epoch(p, k)->out_std[o] / p->target_std[o]);
    }
    return spread < op->signal;
}

/* One fix changing every hidden layer at once (one layer left squashing still fades the
 * gradient): sigmoid/tanh layers become leaky ReLU with He's initializer -- leaky, not
 * plain ReLU, because a deep stack of narrow ReLU layers dies instead (measured on
 * AUTOTRAINER's 8-, 11- and 13-layer stacks of 5 sigmoid units: ReLU + He left 2, 2 and 4
 * of 5 seeds collapsed with dead units, leaky ReLU + He none).  Next, leaky ReLU with the
 * layers' own initializer: He's doubles the weights of wide layers, and four sigmoid
 * layers of 500 under SGD at 0.01 diverged in the first epoch with it (5 of 5 seeds) while
 * ReLU with Glorot's trained.  Where the signal fades forward as well, wider N(0, 1)
 * weights for them are the alternative.  Without squashing layers, He's initializer for the
 * relu ones. */
static void vanishing_gradient_fixes(const fl_probes *p, bool by_signal, fl_fix_set *fixes)
{
    for (int variant = 0; variant < 4; variant++) {
        bool started = false;
        for (size_t l = 0; l < p->n_layers; l++) {
            const fl_layer_desc *d = fl_probes_layer(p, l);
            if (!d->has_weights || !d->has_kernel || d->is_output)
                continue;
            bool squashing = fl_activation_saturates(d->activation.kind);
            const char *edit[2] = {NULL, NULL};
            char a[FL_FIX_TEXT_MAX], b[FL_FIX_TEXT_MAX];
            if (variant == 0 && squashing) {
                snprintf(a, sizeof a, "model.%s.activation=leaky_relu", d->name);
                snprintf(b, sizeof b, "model.%s.init=he_uniform", d->name);
                edit[0] = a, edit[1] = b;
            } else if (variant == 1 && squashing) {
                snprintf(a, sizeof a, "model.%s.activation=leaky_relu", d->name);
                edit[0] = a;
            } else if (variant == 2 && squashing && by_signal) {
                snprintf(a, sizeof a, "model.%s.init=normal", d->name);
                snprintf(b, sizeof b, "model.%s.init.stddev=1", d->name);
                edit[0] = a, edit[1] = b;
            } else if (variant == 3 && fl_activation_is_relu(d->activation) &&
                       !(d->init_flags & FL_INIT_FOR_RELU)) {
                snprintf(a, sizeof a, "model.%s.init=he_uniform", d->name);
                edit[0] = a;
            }
            for (int e = 0; e < 2 && edit[e]; e++) {
                if (started)
                    fl_fixes_also(fixes, "%s", edit[e]);
                else
                    started = fl_fixes_add(fixes,
                                           variant == 0 ? "leaky relu units pass the gradient "
                                                          "back undamped and cannot die"
                                           : variant == 1 ? "leaky relu units, each layer's "
                                                            "initializer kept"
                                           : variant == 2 ? "wider weights keep the units in "
                                                            "their steep middle"
                                                          : "He's initializer keeps a relu "
                                                            "stack's signal alive",
                                           "%s", edit[e]);
            }
        }
    }
}

static int vanishing_gradient_observe(void *state, const void *opts, const fl_probes *p,
                                      fl_report_fn report, void *ctx)
{
    (void)state;
    const vanishing_gradient_opts *op = opts;
    size_t n = p->n_epochs;
    size_t streak = fl_streak(p, 0, op, vanishing_gradient_holds, NULL);
    bool by_signal = streak < (size_t)op->patience;
    if (by_signal) {
        /* The second test only speaks when the first does not: walked only then. */
        size_t faded = fl_streak(p, 0, op, vanishing_gradient_faded, NULL);
        if (faded < (size_t)op->patience)
            return 0;
        streak = faded;
    }
    size_t first, last;
    size_t weighted = weighted_layers(p, &first, &last);
    const fl_epoch_probe *now = fl_probes_epoch(p, n);
    double g_first = fl_epoch_layer(now, first)->grad_norm;
    double g_last = fl_epoch_layer(now, last)->grad_norm;
    int since = (int)(n - streak + 1);
    fl_measure_set m = {0};
    fl_measures_add(&m, g_first / g_last, "grad_ratio");
    fl_measures_add(&m, g_first, "%s_grad_norm", fl_probes_layer(p, first)->name);
    fl_measures_add(&m, g_last, "%s_grad_norm", fl_probes_layer(p, last)->name);
    GString *evidence = g_string_new("gradient norms (mean per step):");
    for (size_t l = 0; l < p->n_layers; l++)
        if (fl_probes_layer(p, l)->has_weights)
            g_string_append_printf(evidence, " %s %.3g", fl_probes_layer(p, l)->name,
                                   fl_epoch_layer(now, l)->grad_norm);
    if (by_signal) {
        double spread = 0;
        size_t worst = 0;
        for (size_t o = 0; o < p->n_outputs; o++)
            if (fl_probes_epoch(p, n)->out_std[o] / p->target_std[o] > spread) {
                spread = fl_probes_epoch(p, n)->out_std[o] / p->target_std[o];
                worst = o;
            }
        g_string_append_printf(evidence,
                               "; %s / %s = %.3g (below %.3g) while output %s spreads only "
                               "%.3g x its target's (below %.3g): the signal fades forward too, "
                               "since epoch %d",
                               fl_probes_layer(p, first)->name, fl_probes_layer(p, last)->name,
                               g_first / g_last, op->soft_ratio, p->out_names[worst], spread,
                               op->signal, since);
        char buf[32];
        const char *out = fl_output_name(p, worst, buf, sizeof buf);
        fl_measures_add(&m, spread, "%s_ratio", out);
        fl_measures_add(&m, fl_probes_epoch(p, n)->out_std[worst], "%s_std", out);
        fl_measures_add(&m, p->target_std[worst], "%s_target_std", out);
    } else {
        g_string_append_printf(evidence,
                               "; %s / %s = %.3g (below %.3g) and %s %.3g below %.3g, since "
                               "epoch %d",
                               fl_probes_layer(p, first)->name, fl_probes_layer(p, last)->name,
                               g_first / g_last, op->ratio, fl_probes_layer(p, first)->name,
                               g_first, op->first_norm, since);
    }
    char *loss = loss_note(p, op->patience, op->min_delta);
    g_string_append_printf(evidence, "; %s", loss);
    g_free(loss);
    loss_measures(&m, p, op->patience);
    fl_measures_add(&m, (double)weighted, "weighted_layers");
    /* The layers between, nearest the input first (where the gradient is weakest), as
     * many as the set holds. */
    for (size_t l = first + 1; l < last && m.n < FL_MEASURES_MAX; l++)
        if (fl_probes_layer(p, l)->has_weights)
            fl_measures_add(&m, fl_epoch_layer(now, l)->grad_norm, "%s_grad_norm",
                            fl_probes_layer(p, l)->name);

    GString *advice = g_string_new(NULL);
    GString *squashing = g_string_new(NULL);
    const char *act = NULL;
    for (size_t l = 0; l < p->n_layers; l++) {
        const fl_layer_desc *d = fl_probes_layer(p, l);
        fl_activation_kind k = d->activation.kind;
        if (d->has_weights && !d->is_output && (k == FL_ACT_SIGMOID || k == FL_ACT_TANH)) {
            g_string_append_printf(squashing, "%s%s", squashing->len ? ", " : "", d->name);
            act = k == FL_ACT_SIGMOID ? "sigmoid" : "tanh";
        }
    }
    if (squashing->len && by_signal)
        g_string_append_printf(advice, "use init = { plugin = \"normal\"; stddev = 1.0; } (or 4x "
                                       "glorot for sigmoid) in %s, or activation leaky_relu with "
                                       "init he_uniform; ",
                               squashing->str);
    else if (squashing->len)
        g_string_append_printf(advice, "use activation leaky_relu with init he_uniform in %s (now %s); ",
                               squashing->str, act);
    else
        g_string_append(advice, "use init he_uniform for the relu layers; ");
    g_string_append_printf(advice, "use fewer layers (%zu weighted layers now) or add batchnorm "
                                   "layers between them",
                           weighted);
    fl_fix_set fixes = {0};
    vanishing_gradient_fixes(p, by_signal, &fixes);
    bool stalled = fl_loss_plateau(p, op->patience, op->min_delta);
    fl_finding f = {.size = sizeof f,
                    .level = stalled ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING,
                    .epoch = since,
                    .evidence = evidence->str,
                    .cause = "the gradient fades on its way back: the first layers barely learn",
                    .advice = advice->str};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &m);
    report(ctx, &f);
    g_string_free(evidence, TRUE);
    g_string_free(advice, TRUE);
    g_string_free(squashing, TRUE);
    return 0;
}

FL_DETECTOR_PLUGIN("vanishing_gradient",
                   "gradients shrink towards the first layers until learning stops",
                   vanishing_gradient_params, vanishing_gradient_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_VANISHING_GRADIENT, .observe = vanishing_gradient_observe);
