/* bad_init.c — the `bad_init` detector: kernels initialized so that training cannot break
 * their symmetry, or far too wide for their fan-in.
 *
 * Only kernels are judged (a layer's FL_TENSOR_KERNEL tensor): a batchnorm's gamma starts
 * at ones by design.  Pre-flight, for a kernel that starts constant (init_min == init_max)
 * and feeds another kernel (directly or through dropout or batchnorm):
 *  - all zeros under relu: every unit outputs its bias (0 by default) and relu passes no
 *    gradient at 0, so the layer never starts;
 *  - constant while every kernel it feeds is constant too: its units compute the same
 *    value and, the next kernel's rows being equal, get the same gradient forever, so the
 *    layer acts as one unit; when everything is zero and the activation is 0 at 0, not
 *    even that: no kernel gets a gradient and only the biases learn.
 * A constant kernel whose consumer is random is not reported: the consumer's distinct
 * weights hand each unit a different gradient and break the symmetry in the first step;
 * nor is a constant output layer alone (each output gets its own error, so its gradient is
 * neither zero nor symmetric).
 *
 * Also pre-flight, kernels too wide for their fan-in (std x sqrt(fan-in) above `big`, as
 * N(0, 1) on 64 inputs), when the untrained network shows the harm: a sigmoid/tanh layer
 * with most probe pre-activations beyond +-5 at epoch 0, or predictions whose spread
 * across the probe inputs is many times the targets' (the first gradients and steps are
 * then huge).  The width alone is not reported: a deep sigmoid stack initialized N(0, 1)
 * trains fine where Glorot's smaller weights make its output constant
 * (experiments/glorot-deep-sigmoid*.cfg).
 *
 * The pre-flight findings are warnings: a bias initialized away from zero can still break
 * the start.  During training a flagged layer that lies on every path to the outputs and
 * still outputs the same value for every probe input after `patience` epochs has shown the
 * start never broke: collapsed. */
#include <flatline/plugin.h>
#include <stddef.h>
#include "evidence.h"
#include "priorities.h"

typedef struct bad_init_opts {
    double big;
    double saturated;
    double out_ratio;
    int patience;
} bad_init_opts;

static const fl_param bad_init_params[] = {
    /* Our number: Glorot and He give ~1-1.4; 5 is the +-5 saturation cut of the probes, so
     * a pre-activation std of 5 already puts a third of them beyond it. */
    {"big", FL_PARAM_FLOAT, "5", "(0, inf)", NULL,
     "kernel std x sqrt(fan-in) above which sigmoid/tanh units start saturated",
     offsetof(bad_init_opts, big)},
    {"saturated", FL_PARAM_FLOAT, "0.5", "[0, 1)", NULL,
     "a wide sigmoid/tanh kernel is reported when more than this fraction of its probe "
     "pre-activations lie beyond +-5 at epoch 0 (DeepDiagnosis: 50%)",
     offsetof(bad_init_opts, saturated)},
    /* Our number, measured at epoch 0 on the sine2d experiments: 0-3.3x the target std
     * with every other init (Glorot, He, N(0, 1) on 32 sigmoid units, N(0, 0.5) on deep
     * ReLUs: 8.5-55x but no single kernel wide), 9-18x for N(0, 1) on 64 tanh units
     * (experiments/normal-init-1.cfg).  A wide kernel is required as well. */
    {"out_ratio", FL_PARAM_FLOAT, "5", "(0, inf)", NULL,
     "a wide kernel is reported when the untrained predictions spread more than this times "
     "the target std",
     offsetof(bad_init_opts, out_ratio)},
    {"patience", FL_PARAM_INT, "5", "[1, 100000]", NULL,
     "epochs a flagged layer must stay constant before the collapse is certain",
     offsetof(bad_init_opts, patience)},
    FL_PARAM_END};

typedef enum bad_init_kind {
    BAD_INIT_NONE,
    BAD_INIT_DEAD,      /* zero kernel under relu */
    BAD_INIT_FROZEN,    /* zero kernels all the way: no kernel gets a gradient */
    BAD_INIT_SYMMETRIC, /* constant kernels all the way: the layer acts as one unit */
} bad_init_kind;

static bool bad_init_kernel(const fl_layer_desc *l) { return l->has_weights && l->has_kernel; }

static bool bad_init_constant(const fl_layer_desc *l)
{
    return bad_init_kernel(l) && isfinite(l->init_min) && l->init_min == l->init_max;
}

static bool bad_init_zero(const fl_layer_desc *l)
{
    return bad_init_constant(l) && l->init_min == 0.0;
}

static bool bad_init_relu(fl_activation a)
{
    return a.kind == FL_ACT_RELU || (a.kind == FL_ACT_LEAKY_RELU && a.alpha == 0.0);
}

/* act(0) == 0: a zero pre-activation gives a zero output. */
static bool bad_init_zero_at_zero(fl_activation_kind k)
{
    return k == FL_ACT_LINEAR || k == FL_ACT_RELU || k == FL_ACT_LEAKY_RELU || k == FL_ACT_ELU ||
           k == FL_ACT_SELU || k == FL_ACT_TANH;
}

typedef struct bad_init_consumers {
    size_t n, n_constant, n_zero;
    GString *names; /* NULL: not wanted */
} bad_init_consumers;

/* The kernels reading layer k's output, directly or through layers without a kernel. */
static void bad_init_find_consumers(const fl_probes *p, size_t k, bad_init_consumers *c)
{
    for (size_t j = k + 1; j < p->n_layers; j++) {
        const fl_layer_desc *l = fl_probes_layer(p, j);
        if (l->input != (int)k)
            continue;
        if (!bad_init_kernel(l)) {
            bad_init_find_consumers(p, j, c);
            continue;
        }
        c->n++;
        c->n_constant += bad_init_constant(l);
        c->n_zero += bad_init_zero(l);
        if (c->names)
            g_string_append_printf(c->names, "%s%s", c->names->len ? ", " : "", l->name);
    }
}

/* How layer k's start is bad; the kernels it feeds are named into `consumers` unless that
 * is NULL. */
static bad_init_kind bad_init_classify(const fl_probes *p, size_t k, GString *consumers)
{
    const fl_layer_desc *l = fl_probes_layer(p, k);
    if (!bad_init_constant(l))
        return BAD_INIT_NONE;
    bad_init_consumers c = {0, 0, 0, consumers};
    bad_init_find_consumers(p, k, &c);
    if (c.n == 0)
        return BAD_INIT_NONE;
    bool zero = bad_init_zero(l);
    if (zero && bad_init_relu(l->activation))
        return BAD_INIT_DEAD;
    if (c.n_constant < c.n || l->units < 2)
        return BAD_INIT_NONE;
    if (zero && c.n_zero == c.n && bad_init_zero_at_zero(l->activation.kind))
        return BAD_INIT_FROZEN;
    return BAD_INIT_SYMMETRIC;
}

/* Std of a kernel's pre-activations at the start for inputs of unit scale. */
static double bad_init_pre_std(const fl_layer_desc *l)
{
    return bad_init_kernel(l) ? l->init_std * sqrt((double)l->fan_in) : 0.0;
}

/* The widest kernel first. */
static gint bad_init_wider(gconstpointer a, gconstpointer b, gpointer p)
{
    double x = bad_init_pre_std(fl_probes_layer(p, *(const size_t *)a));
    double y = bad_init_pre_std(fl_probes_layer(p, *(const size_t *)b));
    return x > y ? -1 : x < y;
}

/* Output layer k: predictions spread far wider than the targets at epoch 0, with kernels
 * too wide for their fan-in on the way. */
static void bad_init_wide_output(const fl_probes *p, const bad_init_opts *o, size_t k,
                                 GArray *issues)
{
    const fl_layer_desc *l = fl_probes_layer(p, k);
    const fl_epoch_probe *h0 = fl_probes_epoch(p, 0);
    size_t worst = p->n_outputs;
    double worst_ratio = 0;
    for (size_t c = l->out_offset; c < l->out_offset + l->n_out && c < p->n_outputs; c++) {
        double ratio = h0->out_std[c] / p->target_std[c];
        if (p->target_std[c] > 0 && isfinite(ratio) && ratio > o->out_ratio &&
            ratio > worst_ratio) {
            worst = c;
            worst_ratio = ratio;
        }
    }
    if (worst == p->n_outputs)
        return;
    /* The path from the data to this head, in data order. */
    GArray *path = g_array_new(FALSE, FALSE, sizeof(size_t));
    for (int at = (int)k; at >= 0 && path->len <= p->n_layers;
         at = fl_probes_layer(p, (size_t)at)->input) {
        size_t i = (size_t)at;
        g_array_prepend_val(path, i);
    }
    GString *wide = g_string_new(NULL), *advice = g_string_new(NULL);
    fl_fix_set *fixes = fixes_new();
    GArray *wide_k = g_array_new(FALSE, FALSE, sizeof(size_t));
    /* One fix: every wide kernel on the path at once (one left wide still blows up). */
    for (guint i = 0; i < path->len; i++) {
        const fl_layer_desc *w = fl_probes_layer(p, g_array_index(path, size_t, i));
        if (bad_init_pre_std(w) <= o->big)
            continue;
        g_array_append_val(wide_k, g_array_index(path, size_t, i));
        g_string_append_printf(wide, "%s%s (init \"%s\", std %.3g over %zu inputs: ~%.3g)",
                               wide->len ? ", " : "", w->name, w->init ? w->init : "?",
                               w->init_std, w->n_in, bad_init_pre_std(w));
        g_string_append_printf(advice, "%sset model.%s.init = \"glorot_uniform\"",
                               advice->len ? "; " : "", w->name);
        if (fixes->n)
            fl_fixes_also(fixes, "model.%s.init=%s", w->name, fl_init_for(w->activation));
        else
            fl_fixes_add(fixes, "weights of the scale their fan-in calls for",
                         "model.%s.init=%s", w->name, fl_init_for(w->activation));
    }
    g_array_free(path, TRUE);
    char buf[32];
    if (wide->len) {
        issue_add(
            issues, FL_LEVEL_WARNING, 0,
            g_strdup_printf("before training the predictions of %s spread with std %.3g across "
                            "the probe inputs = %.3gx the target std %.3g; kernels too wide "
                            "for their fan-in on its path: %s",
                            fl_output_name(p, worst, buf, sizeof buf),
                            h0->out_std[worst], worst_ratio, p->target_std[worst], wide->str),
            g_strdup_printf("the initial weights are far too large for their fan-in: the first "
                            "predictions of %s are %.3gx too spread, so the first gradients "
                            "and steps are huge",
                            l->name, worst_ratio),
            g_strdup(advice->str), fixes);
        /* The spread, and the three widest kernels with the count of them all (the other
         * issues of the finding need room too). */
        fl_measure_set *m = issue_measures(issues);
        const char *out = fl_output_name(p, worst, buf, sizeof buf);
        fl_measures_add(m, h0->out_std[worst], "%s_std", out);
        fl_measures_add(m, p->target_std[worst], "%s_target_std", out);
        fl_measures_add(m, worst_ratio, "%s_ratio", out);
        fl_measures_add(m, (double)wide_k->len, "wide_layers");
        g_array_sort_with_data(wide_k, bad_init_wider, (gpointer)p);
        for (guint i = 0; i < wide_k->len && i < 3; i++) {
            const fl_layer_desc *w = fl_probes_layer(p, g_array_index(wide_k, size_t, i));
            fl_measures_add(m, bad_init_pre_std(w), "%s_pre_std", w->name);
            fl_measures_add(m, w->init_std, "%s_init_std", w->name);
        }
    } else {
        g_free(fixes);
    }
    g_array_free(wide_k, TRUE);
    g_string_free(wide, TRUE);
    g_string_free(advice, TRUE);
}

static char *bad_init_advice(const fl_layer_desc *l)
{
    return g_strdup_printf("set model.%s.init = \"%s\"", l->name, fl_init_for(l->activation));
}

/* The fixes for a constant kernel: a random initializer suited to its activation, for the
 * layer alone and, when the kernels it feeds are constant too, for them as well (their
 * equal rows would otherwise keep handing its units equal gradients). */
static fl_fix_set *bad_init_fixes(const fl_probes *p, size_t k, bad_init_kind kind)
{
    const fl_layer_desc *l = fl_probes_layer(p, k);
    fl_fix_set *fixes = fixes_new();
    const char *why = "random weights suited to the activation break the symmetry";
    fixes_init(fixes, l, why);
    if (kind == BAD_INIT_FROZEN || kind == BAD_INIT_SYMMETRIC) {
        fl_fixes_add(fixes, why, "model.%s.init=%s", l->name, fl_init_for(l->activation));
        for (size_t j = k + 1; j < p->n_layers; j++) {
            const fl_layer_desc *c = fl_probes_layer(p, j);
            if (bad_init_constant(c) && fl_layer_feeds(p, k, j))
                fl_fixes_also(fixes, "model.%s.init=%s", c->name, fl_init_for(c->activation));
        }
        /* The joint fix first: alone, this layer's fix leaves the next layer symmetric. */
        if (fixes->n == 2 && !fl_fixes_same(fixes, 0, 1)) {
            fl_fix_set *joint = fixes_new();
            fl_fixes_add(joint, why, "%s", fixes->edits[1][0]);
            for (size_t e = 1; fixes->edits[1][e]; e++)
                fl_fixes_also(joint, "%s", fixes->edits[1][e]);
            fl_fixes_add(joint, why, "%s", fixes->edits[0][0]);
            g_free(fixes);
            fixes = joint;
        }
    }
    return fixes;
}

static int bad_init_preflight(void *state, const void *opts_, const fl_probes *p,
                              fl_report_fn report, void *ctx)
{
    (void)state;
    const bad_init_opts *o = opts_;
    GArray *issues = issues_new();
    size_t n_constant = 0;
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        GString *consumers = g_string_new(NULL);
        bad_init_kind kind = bad_init_classify(p, k, consumers);
        const char *init = l->init ? l->init : "?";
        char *advice = bad_init_advice(l);
        switch (kind) {
        case BAD_INIT_DEAD:
            issue_add(
                issues, FL_LEVEL_WARNING, 0,
                g_strdup_printf("%s (%s, %zu units) starts with all-zero weights (init \"%s\")",
                                l->name, fl_activation_name(l->activation.kind), l->units, init),
                g_strdup_printf("%s starts with all-zero weights: every ReLU unit outputs 0 "
                                "(with the default zero bias) and gets no gradient",
                                l->name),
                advice, bad_init_fixes(p, k, kind));
            break;
        case BAD_INIT_FROZEN:
            issue_add(
                issues, FL_LEVEL_WARNING, 0,
                g_strdup_printf("%s (%s) starts with all-zero weights (init \"%s\") and so do "
                                "the kernels it feeds (%s)",
                                l->name, fl_activation_name(l->activation.kind), init,
                                consumers->str),
                g_strdup_printf("%s outputs 0 (with zero biases), so %s get no gradient, and "
                                "their zero weights pass none back: only the biases can learn",
                                l->name, consumers->str),
                advice, bad_init_fixes(p, k, kind));
            break;
        case BAD_INIT_SYMMETRIC:
            issue_add(
                issues, FL_LEVEL_WARNING, 0,
                g_strdup_printf("every weight of %s (%zu units) starts at %.3g (init \"%s\") "
                                "and the kernels it feeds (%s) are constant too",
                                l->name, l->units, l->init_min, init, consumers->str),
                g_strdup_printf("every unit of %s computes the same value and gets the same "
                                "gradient, so %s acts as one unit",
                                l->name, l->name),
                advice, bad_init_fixes(p, k, kind));
            break;
        case BAD_INIT_NONE:
            g_free(advice);
            break;
        }
        /* The issue just added: its constant weight ("all-zero" too), and the units where
         * the evidence counts them. */
        if (kind != BAD_INIT_NONE) {
            fl_measure_set *m = issue_measures(issues);
            fl_measures_add(m, l->init_min, "%s_init_weight", l->name);
            if (kind != BAD_INIT_FROZEN)
                fl_measures_add(m, (double)l->units, "%s_units", l->name);
            n_constant++;
        }
        g_string_free(consumers, TRUE);
        fl_activation_kind act = l->activation.kind;
        double pre_std = bad_init_pre_std(l);
        double sat0 = fl_epoch_layer(fl_probes_epoch(p, 0), k)->saturated;
        if (bad_init_kernel(l) && (act == FL_ACT_SIGMOID || act == FL_ACT_TANH) &&
            pre_std > o->big && sat0 > o->saturated) {
            issue_add(
                issues, FL_LEVEL_WARNING, 0,
                g_strdup_printf("%s (%s, %zu inputs) starts with weights of std %.3g (init "
                                "\"%s\"): pre-activations of std ~%.3g for unit-scale inputs; "
                                "%.0f%% of them beyond +-5 at epoch 0",
                                l->name, fl_activation_name(act), l->fan_in, l->init_std, init,
                                pre_std, 100.0 * sat0),
                g_strdup_printf("pre-activations of std ~%.3g: the units of %s start "
                                "saturated, where %s passes almost no gradient",
                                pre_std, l->name, fl_activation_name(act)),
                g_strdup_printf("set model.%s.init = \"glorot_uniform\"", l->name),
                bad_init_fixes(p, k, BAD_INIT_NONE));
            /* The finding keeps a name once: a kernel the wide-output issue (reported
             * first) names too keeps that issue's _pre_std and _init_std. */
            fl_measure_set *m = issue_measures(issues);
            fl_measures_add(m, sat0, "%s_saturated", l->name);
            fl_measures_add(m, pre_std, "%s_pre_std", l->name);
            fl_measures_add(m, l->init_std, "%s_init_std", l->name);
            fl_measures_add(m, (double)l->fan_in, "%s_fan_in", l->name);
        }
    }
    /* The spread of the predictions first: it says what the wide kernels do to the run. */
    GArray *spread = issues_new();
    for (size_t k = 0; k < p->n_layers; k++)
        if (fl_probes_layer(p, k)->is_output)
            bad_init_wide_output(p, o, k, spread);
    for (guint i = 0; i < issues->len; i++)
        g_array_append_val(spread, g_array_index(issues, issue, i));
    g_array_free(issues, TRUE);
    issues = spread;
    fl_measure_set shared = {0};
    if (n_constant > 1)
        fl_measures_add(&shared, (double)n_constant, "constant_layers");
    issues_report_measured(issues, 0, &shared, report, ctx);
    return 0;
}

/* Every output's chain of inputs passes through layer k. */
static bool bad_init_on_every_path(const fl_probes *p, size_t k)
{
    bool any = false;
    for (size_t j = 0; j < p->n_layers; j++) {
        if (!fl_probes_layer(p, j)->is_output)
            continue;
        any = true;
        size_t at = j;
        bool hit = false;
        for (size_t steps = 0; steps <= p->n_layers && !hit; steps++) {
            if (at == k) {
                hit = true;
                break;
            }
            int next = fl_probes_layer(p, at)->input;
            if (next < 0)
                break;
            at = (size_t)next;
        }
        if (!hit)
            return false;
    }
    return any;
}

static bool bad_init_still(const fl_probes *p, size_t epoch, size_t k, const void *ctx)
{
    (void)ctx;
    return fl_epoch_layer(fl_probes_epoch(p, epoch), k)->dead >= 1.0;
}

static int bad_init_observe(void *state, const void *opts_, const fl_probes *p,
                            fl_report_fn report, void *ctx)
{
    (void)state;
    const bad_init_opts *o = opts_;
    GArray *issues = NULL;
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        /* After every epoch: a layer that did not start constant costs no allocation, and
         * one that did none either (the names of the kernels it feeds are not needed). */
        if (!bad_init_constant(l))
            continue;
        bad_init_kind kind = bad_init_classify(p, k, NULL);
        int since = 0;
        if (kind == BAD_INIT_NONE || !bad_init_on_every_path(p, k) ||
            fl_streak(p, k, NULL, bad_init_still, &since) < o->patience || since != 0)
            continue;
        if (!issues)
            issues = issues_new();
        issue_add(
            issues, FL_LEVEL_COLLAPSED, 0,
            g_strdup_printf("%s started with every weight at %.3g (init \"%s\") and all %zu of "
                            "its units still output the same value for every probe input "
                            "after %zu epochs; every output depends on the input only "
                            "through %s",
                            l->name, l->init_min, l->init ? l->init : "?", l->units, p->n_epochs,
                            l->name),
            g_strdup_printf("the constant start of %s never broke: it outputs the same value "
                            "for every input, so the model's outputs cannot vary",
                            l->name),
            bad_init_advice(l), bad_init_fixes(p, k, kind));
        fl_measure_set *m = issue_measures(issues);
        fl_measures_add(m, l->init_min, "%s_init_weight", l->name);
        fl_measures_add(m, (double)l->units, "%s_units", l->name);
        fl_measures_add(m, fl_epoch_layer(fl_probes_now(p), k)->dead, "%s_dead", l->name);
    }
    if (issues) {
        fl_measure_set shared = {0};
        if (issues->len > 1)
            fl_measures_add(&shared, (double)issues->len, "constant_layers");
        issues_report_measured(issues, 0, &shared, report, ctx);
    }
    return 0;
}

FL_DETECTOR_PLUGIN("bad_init",
                   "constant or all-zero kernels that never break symmetry, or kernels far too "
                   "wide for their fan-in",
                   bad_init_params, bad_init_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_BAD_INIT, .preflight = bad_init_preflight,
                   .observe = bad_init_observe);
