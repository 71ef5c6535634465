/* saturation.c — the `saturation` detector: sigmoid/tanh units sit at their flat ends.
 *
 * Beyond a pre-activation of +-5 the derivative of a sigmoid is below 0.0067 and that of a
 * tanh below 2e-4, so a layer whose pre-activations mostly lie there passes almost no
 * gradient.  DeepDiagnosis (Wardat et al., ICSE 2022) calls a layer saturated when more
 * than 50% of them do; the probes measure that fraction (fl_layer_probe.saturated).  It
 * must hold for `patience` epochs; it is final when the loss also shows no sign of
 * recovery while the model explains next to nothing and the layer's weights are frozen.
 * The last condition matters under adaptive optimizers: Adam steps by ~lr whatever the
 * size of a consistent gradient, so a tanh layer pinned by a bias of 8 (gradient 3e-7,
 * experiments/saturation.cfg) still moves 4e-4-8e-4 of its norm per epoch and climbs out
 * after ~50 epochs, while one pinned by raw inputs of 1e6 gets an exactly zero gradient
 * and never moves (experiments/unscaled-input.cfg).  Saturation at epoch 0 (an init too
 * wide for the fan-in, unnormalized inputs) is named as such.  Nothing is said while the
 * model already fits (option `harm`): saturated units it learns around are not its problem.
 *
 * An output layer whose targets all sit at the activation's flat ends (0/1 classes through
 * a sigmoid, -1/+1 through a tanh) must saturate to fit them, and a classification loss
 * asks for confident, saturated outputs: neither is a failure, so such heads are skipped. */
#include <flatline/plugin.h>
#include <stddef.h>
#include "evidence.h"
#include "priorities.h"

/* The probes' cut: sigmoid(5) and tanh(5). */
#define SATURATION_SIGMOID_HI 0.9933071491
#define SATURATION_TANH_HI 0.9999092043

typedef struct saturation_opts {
    double threshold;
    int patience;
    double min_delta;
    double collapse_fit;
    double frozen;
    double harm;
} saturation_opts;

static const fl_param saturation_params[] = {
    {"threshold", FL_PARAM_FLOAT, "0.5", "(0, 1]", NULL,
     "fraction of probe pre-activations beyond +-5 that is a problem (DeepDiagnosis: 50%)",
     offsetof(saturation_opts, threshold)},
    {"patience", FL_PARAM_INT, "5", "[1, 100000]", NULL,
     "epochs the fraction must hold before it is reported", offsetof(saturation_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1)", NULL,
     "relative loss decrease over the patience window that counts as recovering",
     offsetof(saturation_opts, min_delta)},
    /* Our own guard (as dead_relu's): a net that still fits despite saturated units is not
     * collapsed; final only while it explains less than a fifth of what the mean leaves. */
    {"collapse_fit", FL_PARAM_FLOAT, "0.8", "[0, inf)", NULL,
     "collapsed only while the data loss exceeds this times the loss of predicting the mean",
     offsetof(saturation_opts, collapse_fit)},
    {"frozen", FL_PARAM_FLOAT, "1e-4", "[0, inf)", NULL,
     "collapsed only while the layer's update ratio stayed below this in every epoch of the "
     "patience window (measured: 0 when stuck, 4e-4 and more when Adam is pulling it out)",
     offsetof(saturation_opts, frozen)},
    /* Measured on the suite of real failures: runs saturated from their init that went on
     * to fit left 0.0002-0.02 of the mean's loss (a 50-class tanh net, Adam reruns at a
     * sane rate); experiments/huge-inputs.cfg, whose saturated tanh layer holds the fit at
     * 0.16 against 0.006-0.04 with scaled inputs, left the most.  A tenth sits between. */
    {"harm", FL_PARAM_FLOAT, "0.1", "(0, inf)", NULL,
     "reported while the data loss is above this times the loss of predicting the mean, "
     "or not finite, or the mean's loss is unknown",
     offsetof(saturation_opts, harm)},
    FL_PARAM_END};

static bool saturation_holds(const fl_probes *p, size_t epoch, size_t k, const void *ctx)
{
    double s = fl_epoch_layer(fl_probes_epoch(p, epoch), k)->saturated;
    return !isnan(s) && s > *(const double *)ctx;
}

/* Every probe target of the head lies at a flat end of its activation. */
static bool saturation_targets_at_ends(const fl_probes *p, const fl_layer_desc *l)
{
    if (!p->probe_y || p->n_probe == 0)
        return false;
    for (size_t r = 0; r < p->n_probe; r++)
        for (size_t c = l->out_offset; c < l->out_offset + l->n_out && c < p->n_outputs; c++) {
            double y = p->probe_y[r * p->n_outputs + c];
            bool end = l->activation.kind == FL_ACT_SIGMOID
                           ? y <= 1.0 - SATURATION_SIGMOID_HI || y >= SATURATION_SIGMOID_HI
                           : fabs(y) >= SATURATION_TANH_HI;
            if (!end)
                return false;
        }
    return true;
}

/* Root mean square of the probe inputs as the network sees them. */
static double saturation_input_rms(const fl_probes *p)
{
    double sq = 0;
    size_t n = p->n_probe * p->n_in;
    for (size_t i = 0; p->probe_x && i < n; i++)
        sq += (double)p->probe_x[i] * p->probe_x[i];
    return n ? sqrt(sq / (double)n) : 0.0;
}

/* What to change: saturated from the start, the inputs (a layer reading raw data of large
 * scale) and/or the init (spread x sqrt(fan-in) above 2, where Glorot and He give at most
 * sqrt(2)); saturated later, the rate. */
/* The largest update ratio of layer k over the last `window` epochs (0 for a layer without
 * weights: nothing of its own can move). */
static double saturation_moved(const fl_probes *p, size_t k, int window)
{
    double most = 0;
    for (size_t e = p->n_epochs; e >= 1 && e + (size_t)window > p->n_epochs; e--) {
        double r = fl_epoch_layer(fl_probes_epoch(p, e), k)->update_ratio;
        if (!isnan(r))
            most = MAX(most, r);
    }
    return most;
}

/* The advice in words, and its candidate fixes into `fixes`. */
static char *saturation_advice(const fl_probes *p, const fl_layer_desc *l, bool at_init,
                               fl_fix_set *fixes)
{
    bool raw = l->input < 0 && p->normalize == FL_NORMALIZE_NONE;
    double rms = raw ? saturation_input_rms(p) : 0.0;
    bool big_inputs = raw && rms > 2.0;
    bool wide_init = l->has_kernel && l->init_std * sqrt((double)l->fan_in) > 2.0;
    GString *s = g_string_new(NULL);
    if (at_init && big_inputs)
        fl_fixes_add(fixes, "inputs of unit scale keep the pre-activations moderate",
                     "dataset.normalize=standard");
    if (at_init && wide_init)
        fixes_init(fixes, l, "weights of the scale the layer's fan-in calls for");
    if (at_init && !wide_init && !big_inputs)
        fl_fixes_add(fixes, "a zero bias starts the units in their steep middle",
                     "model.%s.bias_init=zeros", l->name);
    if (!at_init) {
        fixes_lr_lower(fixes, p, "smaller steps do not drive the units to their ends");
        if (raw)
            fl_fixes_add(fixes, "inputs of unit scale keep the pre-activations moderate",
                         "dataset.normalize=standard");
    }
    if (at_init && big_inputs)
        g_string_append_printf(s, "set dataset.normalize = \"standard\" (the raw inputs have "
                                  "rms %.3g)",
                               rms);
    if (at_init && wide_init)
        g_string_append_printf(s,
                               "%sset model.%s.init = \"glorot_uniform\" (now \"%s\", std "
                               "%.3g over %zu inputs)",
                               s->len ? "; " : "", l->name, l->init ? l->init : "?", l->init_std,
                               l->fan_in);
    /* Neither the inputs nor the kernel explain it: what is left is the bias
     * (experiments/saturation.cfg pins tanh units with a bias of 8). */
    if (at_init && !wide_init && !big_inputs)
        g_string_append_printf(s,
                               "check model.%s.bias_init: the kernel (\"%s\", std %.3g over "
                               "%zu inputs) and the inputs are of moderate scale, so a large "
                               "initial bias is the likely cause; the default is zeros",
                               l->name, l->init ? l->init : "?", l->init_std, l->fan_in);
    if (!at_init) {
        if (isfinite(p->base_lr))
            g_string_append_printf(s, "lower optimizer.lr from %.3g (try %.3g): %s saturated "
                                      "during training",
                                   p->base_lr, fl_lr_lower(p->base_lr, 1), l->name);
        else
            g_string_append_printf(s, "lower the learning rate: %s saturated during training",
                                   l->name);
        if (raw)
            g_string_append(s, "; or set dataset.normalize = \"standard\"");
    }
    return g_string_free(s, FALSE);
}

static int saturation_observe(void *state, const void *opts_, const fl_probes *p,
                              fl_report_fn report, void *ctx)
{
    (void)state;
    const saturation_opts *o = opts_;
    /* Made for the first layer found saturated: an epoch without one (every epoch of a
     * network without sigmoid or tanh layers) computes no plateau and allocates nothing. */
    GArray *issues = NULL;
    bool collapse = false;
    /* Cheapest first: a run that fits has nothing to hear from this detector. */
    if (fits_within(p, o->harm))
        return 0;
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        fl_activation_kind act = l->activation.kind;
        if (act != FL_ACT_SIGMOID && act != FL_ACT_TANH)
            continue;
        if (l->is_output &&
            ((p->loss_flags & FL_LOSS_CLASSIFICATION) || saturation_targets_at_ends(p, l)))
            continue;
        int since = 0;
        if (fl_streak(p, k, &o->threshold, saturation_holds, &since) < o->patience)
            continue;
        if (!issues) {
            issues = issues_new();
            collapse = fl_loss_plateau(p, o->patience, o->min_delta) &&
                       (fl_fit_ratio(p, fl_probes_now(p)) > o->collapse_fit);
        }
        double now = fl_epoch_layer(fl_probes_epoch(p, p->n_epochs), k)->saturated;
        double moved = saturation_moved(p, k, o->patience);
        bool final = collapse && !(moved >= o->frozen);
        double init = fl_epoch_layer(fl_probes_epoch(p, 0), k)->saturated;
        bool at_init = since == 0;
        const char *name = act == FL_ACT_SIGMOID ? "sigmoid" : "tanh";
        /* The loss and the movement, when the loss alone would make it final. */
        char *tail = NULL;
        if (collapse) {
            char *flat = loss_note(p, o->patience, o->min_delta);
            tail = g_strdup_printf("; %s; its weights moved by at most %.2g of their norm per "
                                   "epoch%s",
                                   flat, moved,
                                   final ? "" : ", so the optimizer may still pull it out");
            g_free(flat);
        }
        char *evidence = g_strdup_printf(
            "%.0f%% of the probe pre-activations of %s (%s, %zu units) lie beyond +-5 since "
            "epoch %d%s (%.0f%% at epoch 0)%s",
            100.0 * now, l->name, name, l->units, since,
            at_init ? ", already at initialization" : "", 100.0 * init, tail ? tail : "");
        g_free(tail);
        char *cause = g_strdup_printf(
            "the %s units of %s sit at their flat ends, where the derivative is below %s, so "
            "almost no gradient passes through them",
            name, l->name, act == FL_ACT_SIGMOID ? "0.0067" : "2e-4");
        fl_fix_set *fixes = fixes_new();
        issue_add(issues, final ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING, since, evidence, cause,
                  saturation_advice(p, l, at_init, fixes), fixes);
        /* The numbers this layer's evidence states; its onset too, since the finding's
         * epoch is only that of the most severe layer. */
        fl_measure_set *m = issue_measures(issues);
        fl_measures_add(m, now, "%s_saturated", l->name);
        fl_measures_add(m, (double)l->units, "%s_units", l->name);
        fl_measures_add(m, init, "%s_saturated_epoch0", l->name);
        if (collapse)
            fl_measures_add(m, moved, "%s_update_ratio", l->name);
        fl_measures_add(m, since, "%s_since_epoch", l->name);
    }
    if (!issues)
        return 0;
    /* The loss is stated once per layer in the evidence but is the same for all of them. */
    fl_measure_set shared = {0};
    if (collapse)
        loss_measures(&shared, p, o->patience);
    if (issues->len > 1)
        fl_measures_add(&shared, (double)issues->len, "saturated_layers");
    issues_report_measured(issues, 0, &shared, report, ctx);
    return 0;
}

FL_DETECTOR_PLUGIN("saturation",
                   "sigmoid/tanh units sit at their flat ends (pre-activations beyond +-5)",
                   saturation_params, saturation_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_SATURATION, .observe = saturation_observe);
