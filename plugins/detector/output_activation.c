/* output_activation.c — the `output_activation` detector: an output activation that cannot
 * reach the targets or does not suit the loss.
 *
 * Pre-flight, from the output layers (fl_layer_desc.is_output) and the training targets.
 * Collapsed where the mismatch makes the targets unreachable whatever training does: a
 * softmax over one unit is always 1.0, and so is any one unit under a one-class-per-row loss
 * (cce divides each row by its sum); a relu/softplus output when every target of a column
 * is negative; a sigmoid (tanh) output when every target lies outside [0, 1] ([-1, 1]);
 * an output that can reach 0 under cce when the untrained network's loss is already NaN.
 * Warnings where part of the targets is out of reach or the activation fights the loss:
 * some targets below a relu/softplus output's 0 or outside a sigmoid/tanh range, a softmax
 * on a regression loss, a relu output at all on regression if relu_output is set (once its
 * pre-activation goes negative for every input it outputs 0 and gets no gradient back;
 * off by default: such outputs trained fine where the targets are >= 0), cce on an output that
 * can reach 0 or below (linear, relu, tanh: a sigmoid or softplus one trains fine),
 * bce without sigmoid (predictions outside [0, 1] are clipped and pass no gradient), and a
 * non-negative output under hinge (every prediction falls on the positive side of 0).
 *
 * During training, one case that pre-flight cannot call: one-hot classes learned as
 * separate values (sigmoid or linear units under mse, say).  That can work, slowly, but
 * each unit is pulled towards its class share first, and a run can stay there: every
 * output near 0.1 for ten classes, the loss the mean's (two reports in the suite, digits
 * with ten sigmoid outputs under mse).  Named (a warning) once the loss has sat above
 * 0.8 x the mean's for 5 epochs without improving by 1%; softmax with cce is the fix. */
#include <flatline/plugin.h>
#include <stddef.h>
#include "evidence.h"
#include "priorities.h"

typedef struct output_activation_opts {
    bool relu_output;
    double stuck_fit;
    int patience;
    double min_delta;
} output_activation_opts;

static const fl_param output_activation_params[] = {
    /* Off by default, measured: relu regression outputs over non-negative targets (house
     * prices, counts) trained healthy in every such case of our failure suite, and one
     * that does die is caught when it happens (its outputs go constant). */
    {"relu_output", FL_PARAM_BOOL, "false", NULL, NULL,
     "warn about a relu regression output even when every target is >= 0",
     offsetof(output_activation_opts, relu_output)},
    {"stuck_fit", FL_PARAM_FLOAT, "0.8", "(0, inf)", NULL,
     "one-hot classes on outputs other than a softmax under a loss other than cce are named "
     "while the loss stays above this times the mean's",
     offsetof(output_activation_opts, stuck_fit)},
    {"patience", FL_PARAM_INT, "5", "[1, 100000]", NULL,
     "epochs that loss must stay flat before it is named",
     offsetof(output_activation_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1)", NULL,
     "relative loss improvement over the patience window that still counts as learning",
     offsetof(output_activation_opts, min_delta)},
    FL_PARAM_END};

typedef struct output_activation_range {
    double lo, hi; /* what the activation can output (closed, for simplicity) */
    const char *text;
} output_activation_range;

/* The range of a bounded activation; false for linear and the other unbounded ones. */
static bool output_activation_bounds(fl_activation act, output_activation_range *r)
{
    switch (act.kind) {
    case FL_ACT_RELU:
    case FL_ACT_SOFTPLUS:
        *r = (output_activation_range){0, INFINITY, ">= 0"};
        return true;
    case FL_ACT_LEAKY_RELU:
        if (act.alpha != 0.0)
            return false;
        *r = (output_activation_range){0, INFINITY, ">= 0"};
        return true;
    case FL_ACT_SIGMOID:
        *r = (output_activation_range){0, 1, "in [0, 1]"};
        return true;
    case FL_ACT_TANH:
        *r = (output_activation_range){-1, 1, "in [-1, 1]"};
        return true;
    default:
        return false;
    }
}

static bool output_activation_nonnegative(fl_activation act)
{
    return act.kind == FL_ACT_RELU || act.kind == FL_ACT_SOFTPLUS || act.kind == FL_ACT_SIGMOID ||
           act.kind == FL_ACT_SOFTMAX || (act.kind == FL_ACT_LEAKY_RELU && act.alpha == 0.0);
}

/* What the targets of head l call for: any real value, values in [0, 1] (0/1 labels or
 * a bounded regression), or one-hot classes (every column in [0, 1], means summing to 1). */
typedef enum output_activation_targets {
    TARGETS_REAL,
    TARGETS_UNIT,
    TARGETS_ONE_HOT,
} output_activation_targets;

static output_activation_targets output_activation_targets_of(const fl_probes *p,
                                                             const fl_layer_desc *l)
{
    double sum = 0;
    size_t n = 0;
    for (size_t c = l->out_offset; c < l->out_offset + l->n_out && c < p->n_outputs; c++, n++) {
        if (p->target_min[c] < 0 || p->target_max[c] > 1)
            return TARGETS_REAL;
        sum += p->target_mean[c];
    }
    return n >= 2 && fabs(sum - 1) < 1e-3 ? TARGETS_ONE_HOT : TARGETS_UNIT;
}

/* The fixes that make head l and the loss suit its targets: linear/mse for real values,
 * softmax/cce for one-hot classes, sigmoid/bce for 0/1 labels (sigmoid under a regression
 * loss for values in [0, 1], with linear as the alternative).  The loss changes only where
 * it does not suit already. */
static void output_activation_fixes(const fl_probes *p, const fl_layer_desc *l,
                                    fl_fix_set *fixes)
{
    bool classification = p->loss_flags & FL_LOSS_CLASSIFICATION;
    const char *why = "an output and a loss that suit the targets";
    switch (output_activation_targets_of(p, l)) {
    case TARGETS_REAL:
        fl_fixes_add(fixes, why, "model.%s.activation=linear", l->name);
        if (classification)
            fl_fixes_also(fixes, "loss=mse");
        break;
    case TARGETS_ONE_HOT:
        fl_fixes_add(fixes, why, "model.%s.activation=softmax", l->name);
        if (!(p->loss_flags & FL_LOSS_ONE_HOT))
            fl_fixes_also(fixes, "loss=cce");
        break;
    case TARGETS_UNIT:
        fl_fixes_add(fixes, why, "model.%s.activation=sigmoid", l->name);
        if (classification && (!(p->loss_flags & FL_LOSS_PROBABILITIES) ||
                               (p->loss_flags & FL_LOSS_ONE_HOT)))
            fl_fixes_also(fixes, "loss=bce");
        if (!classification)
            fl_fixes_add(fixes, why, "model.%s.activation=linear", l->name);
        break;
    }
}

static char *output_activation_set(const fl_layer_desc *l, const char *act)
{
    return g_strdup_printf("set model.%s.activation = \"%s\"", l->name, act);
}

/* Targets of one regression head against the range of its activation. */
static void output_activation_regression(const fl_probes *p, const fl_layer_desc *l,
                                         const output_activation_opts *o, GArray *issues)
{
    const char *act = fl_activation_name(l->activation.kind);
    char buf[32];
    /* One-hot rows are what a softmax outputs: under mse it learns them (more slowly than
     * under cce, which is no flatline). */
    if (l->activation.kind == FL_ACT_SOFTMAX &&
        output_activation_targets_of(p, l) == TARGETS_ONE_HOT)
        return;
    fl_fix_set *fixes = fixes_new();
    output_activation_fixes(p, l, fixes);
    if (l->activation.kind == FL_ACT_SOFTMAX) {
        issue_add(issues, FL_LEVEL_WARNING, 0,
                          g_strdup_printf("%s (%zu units) has a softmax output under the "
                                          "regression loss %s",
                                          l->name, l->units, p->loss),
                          g_strdup_printf("a softmax makes %s's outputs positive and sum to 1, "
                                          "which regression targets do not",
                                          l->name),
                          output_activation_set(l, "linear"), fixes);
        fl_measures_add(issue_measures(issues), (double)l->units, "%s_units", l->name);
        return;
    }
    output_activation_range r;
    if (!output_activation_bounds(l->activation, &r)) {
        g_free(fixes);
        return;
    }
    bool reported = false;
    for (size_t c = l->out_offset; c < l->out_offset + l->n_out && c < p->n_outputs; c++) {
        double lo = p->target_min[c], hi = p->target_max[c];
        const char *name = fl_output_name(p, c, buf, sizeof buf);
        bool none_inside = hi < r.lo || lo > r.hi;
        if (!none_inside && lo >= r.lo && hi <= r.hi)
            continue;
        /* A ReLU head that outputs 0 for every probe input before training is dead from
         * the start: it gets no gradient, and the targets it could reach stay out of reach
         * too.  The head's fault, not the units' (dead_relu names the same unit). */
        const fl_epoch_probe *e0 = p->n_epochs == 0 ? fl_probes_epoch(p, 0) : NULL;
        bool dead = r.lo == 0 && e0 && e0->out_max && e0->out_max[c] <= 0 &&
                    e0->out_min && e0->out_min[c] >= 0;
        none_inside = none_inside || dead;
        char *evidence = g_strdup_printf("the targets of %s lie in [%.3g, %.3g] but %s's %s "
                                         "output is %s%s",
                                         name, lo, hi, l->name, act, r.text,
                                         dead ? ", and it outputs 0 for every probe input "
                                                "before training"
                                              : "");
        char *cause =
            dead ? g_strdup_printf("%s's %s output is dead from the start: 0 for every input "
                                   "and no gradient, so no target of %s is ever reached",
                                   l->name, act, name)
            : none_inside
                ? g_strdup_printf("no target of %s is within reach of %s's %s output: it can "
                                  "only approach the nearest bound",
                                  name, l->name, act)
                : g_strdup_printf("part of %s's targets is out of reach of %s's %s output",
                                  name, l->name, act);
        fl_fix_set *linear = fixes_new();
        fl_fixes_add(linear, "an output that reaches every target", "model.%s.activation=linear",
                     l->name);
        issue_add(issues, none_inside ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING, 0, evidence,
                  cause, output_activation_set(l, "linear"), linear);
        fl_measure_set *m = issue_measures(issues);
        fl_measures_add(m, lo, "%s_target_min", name);
        fl_measures_add(m, hi, "%s_target_max", name);
        reported = true;
    }
    bool relu = l->activation.kind == FL_ACT_RELU ||
                (l->activation.kind == FL_ACT_LEAKY_RELU && l->activation.alpha == 0.0);
    if (relu && !reported && o->relu_output)
        issue_add(issues, FL_LEVEL_WARNING, 0,
                          g_strdup_printf("%s is a relu output under the regression loss %s",
                                          l->name, p->loss),
                          g_strdup_printf("a ReLU output cannot recover once its "
                                          "pre-activation goes negative for every input: %s "
                                          "then outputs 0 and gets no gradient",
                                          l->name),
                          g_strdup_printf("set model.%s.activation = \"linear\" (or "
                                          "\"softplus\" for targets that must stay >= 0)",
                                          l->name),
                          fixes);
    else
        g_free(fixes);
}

/* Activation against a classification loss. */
static void output_activation_classification(const fl_probes *p, const fl_layer_desc *l,
                                             GArray *issues)
{
    const char *act = fl_activation_name(l->activation.kind);
    const char *loss = p->loss ? p->loss : "the loss";
    /* Probabilities of one class per row (cce), a probability per output (bce), or a
     * decision by the sign (hinge). */
    bool one_hot = p->loss_flags & FL_LOSS_ONE_HOT;
    bool probabilities = p->loss_flags & FL_LOSS_PROBABILITIES;
    fl_fix_set *fixes = fixes_new();
    output_activation_fixes(p, l, fixes);
    /* Targets outside [0, 1] are not probabilities: the cross-entropy of a target 2 (or
     * 15) falls without bound as the prediction goes to 1, so every output is driven to
     * the clip bound whatever the input. */
    size_t bad = p->n_outputs;
    for (size_t c = l->out_offset; c < l->out_offset + l->n_out && c < p->n_outputs; c++)
        if (probabilities && bad == p->n_outputs &&
            (p->target_min[c] < 0 || p->target_max[c] > 1))
            bad = c;
    if (bad < p->n_outputs) {
        char buf[32];
        const char *name = fl_output_name(p, bad, buf, sizeof buf);
        issue_add(issues, FL_LEVEL_COLLAPSED, 0,
                  g_strdup_printf("the targets of %s lie in [%.3g, %.3g] but %s takes "
                                  "probabilities in [0, 1]",
                                  name, p->target_min[bad], p->target_max[bad], loss),
                  g_strdup_printf("%s is a classification loss and the targets of %s are not "
                                  "0/1 labels: the loss has no minimum inside (0, 1), so "
                                  "training pushes every prediction to the bound",
                                  loss, name),
                  g_strdup_printf("for a regression target use loss mse with a linear "
                                  "output (set loss = \"mse\"; set model.%s.activation = "
                                  "\"linear\"); for classes, one-hot encode the labels",
                                  l->name),
                  fixes);
        fl_measure_set *m = issue_measures(issues);
        fl_measures_add(m, p->target_min[bad], "%s_target_min", name);
        fl_measures_add(m, p->target_max[bad], "%s_target_max", name);
        return;
    }
    /* Measured: a sigmoid (or softplus) output under cce trains as well as a softmax one,
     * since cce divides each row by its sum and a positive output is never clipped to 0;
     * healthy twins of the failure suite with it learn in every seed.  Only outputs that
     * reach 0 or below (linear, relu, tanh, ...) fight cce. */
    /* Where the untrained network's loss is already NaN or infinite, the rows whose
     * outputs are all 0 have summed to 0 (measured: a relu output under cce, NaN in 4 of 5
     * seeds before the first step): nothing can train, a collapse that is this output's,
     * not the learning rate's. */
    double loss0 = p->history ? fl_probes_epoch(p, 0)->loss : NAN;
    bool broken = p->history && !isfinite(loss0);
    if (one_hot && l->activation.kind != FL_ACT_SOFTMAX &&
        l->activation.kind != FL_ACT_SIGMOID && l->activation.kind != FL_ACT_SOFTPLUS)
        issue_add(issues, broken ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING, 0,
                          broken ? g_strdup_printf("%s has a %s output under %s, and the "
                                                   "untrained network's loss is already %g",
                                                   l->name, act, loss, loss0)
                                 : g_strdup_printf("%s has a %s output under %s", l->name, act,
                                                   loss),
                          g_strdup_printf("%s expects class probabilities: %s's %s outputs "
                                          "are normalized by their sum, and where they are <= "
                                          "0 they are clipped and pass no gradient",
                                          loss, l->name, act),
                          output_activation_set(l, "softmax"), fixes);
    else if (probabilities && !one_hot && l->activation.kind != FL_ACT_SIGMOID)
        issue_add(issues, FL_LEVEL_WARNING, 0,
                          g_strdup_printf("%s has a %s output under %s", l->name, act, loss),
                          g_strdup_printf("%s expects a probability per output: %s's %s "
                                          "outputs outside [0, 1] are clipped and pass no "
                                          "gradient",
                                          loss, l->name, act),
                          output_activation_set(l, "sigmoid"), fixes);
    else if ((p->loss_flags & FL_LOSS_SIGNED) && output_activation_nonnegative(l->activation)) {
        fixes->n = 0;
        fl_fixes_add(fixes, "a signed output for a loss that reads the sign",
                     "model.%s.activation=linear", l->name);
        fl_fixes_add(fixes, "a signed output for a loss that reads the sign",
                     "model.%s.activation=tanh", l->name);
        issue_add(
            issues, FL_LEVEL_WARNING, 0,
            g_strdup_printf("%s has a %s output under %s, whose decision is "
                            "the sign of the prediction",
                            l->name, act, loss),
            g_strdup_printf("%s's %s output is never negative, so every input "
                            "falls on the positive side of %s's boundary",
                            l->name, act, loss),
            g_strdup_printf("set model.%s.activation = \"linear\" (or \"tanh\")", l->name),
            fixes);
    } else {
        g_free(fixes);
    }
}

/* A head that only passes values on (a dropout or flatten with no activation of its own)
 * outputs what the layer it reads outputs: that layer's activation is the head's, and its
 * name is the key a fix sets. */
static fl_layer_desc output_activation_head(const fl_probes *p, size_t k)
{
    const fl_layer_desc *at = fl_probes_layer(p, layer_source(p, k));
    fl_layer_desc head = *fl_probes_layer(p, k);
    head.name = at->name;
    head.activation = at->activation;
    return head;
}

static int output_activation_preflight(void *state, const void *opts_, const fl_probes *p,
                                       fl_report_fn report, void *ctx)
{
    (void)state;
    const output_activation_opts *o = opts_;
    GArray *issues = issues_new();
    bool classification = p->loss_flags & FL_LOSS_CLASSIFICATION;
    for (size_t k = 0; k < p->n_layers; k++) {
        if (!fl_probes_layer(p, k)->is_output)
            continue;
        const fl_layer_desc head = output_activation_head(p, k);
        const fl_layer_desc *l = &head;
        if (l->activation.kind == FL_ACT_SOFTMAX && l->units == 1) {
            fl_fix_set *fixes = fixes_new();
            output_activation_fixes(p, l, fixes);
            issue_add(
                issues, FL_LEVEL_COLLAPSED, 0,
                g_strdup_printf("%s is a softmax over 1 unit", l->name),
                g_strdup_printf("a softmax over one unit is always 1.0: %s predicts 1.0 for "
                                "every input and passes no gradient",
                                l->name),
                classification ? g_strdup_printf("set model.%s.activation = \"sigmoid\" (one "
                                                 "0/1 column) or give %s one unit per class",
                                                 l->name, l->name)
                               : output_activation_set(l, "linear"),
                fixes);
            fl_measures_add(issue_measures(issues), (double)l->units, "%s_units", l->name);
            continue;
        }
        /* A one-class-per-row loss divides each row by its sum: over one unit that is
         * always 1.0, whatever the activation, so the loss is constant and nothing learns. */
        if ((p->loss_flags & FL_LOSS_ONE_HOT) && l->units == 1) {
            fl_fix_set *fixes = fixes_new();
            fl_fixes_add(fixes, "a loss for one 0/1 output", "loss=bce");
            if (l->activation.kind != FL_ACT_SIGMOID)
                fl_fixes_also(fixes, "model.%s.activation=sigmoid", l->name);
            issue_add(issues, FL_LEVEL_COLLAPSED, 0,
                      g_strdup_printf("%s has one unit under %s", l->name,
                                      p->loss ? p->loss : "a one-class-per-row loss"),
                      g_strdup_printf("%s divides each row of predictions by its sum: over "
                                      "one unit that is always 1.0, so the loss is constant "
                                      "and passes no gradient",
                                      p->loss ? p->loss : "the loss"),
                      g_strdup_printf("set loss = \"bce\" with a sigmoid output for one 0/1 "
                                      "column, or give %s one unit per class (softmax)",
                                      l->name),
                      fixes);
            fl_measures_add(issue_measures(issues), (double)l->units, "%s_units", l->name);
            continue;
        }
        if (classification)
            output_activation_classification(p, l, issues);
        else
            output_activation_regression(p, l, o, issues);
    }
    issues_report(issues, 0, report, ctx);
    return 0;
}

/* An epoch whose data loss sits above stuck_fit x the class shares' (fl_holds_fn; ctx:
 * the options). */
static bool output_activation_stuck(const fl_probes *p, size_t epoch, size_t unused,
                                    const void *ctx)
{
    (void)unused;
    const output_activation_opts *o = ctx;
    return fl_fit_ratio(p, fl_probes_epoch(p, epoch)) > o->stuck_fit;
}

/* The training-time case (see the top): reports and returns 0 either way. */
static int output_activation_observe(void *state, const void *opts_, const fl_probes *p,
                                     fl_report_fn report, void *ctx)
{
    (void)state;
    const output_activation_opts *o = opts_;
    if (p->loss_flags & FL_LOSS_ONE_HOT)
        return 0;
    int since = 0;
    if (fl_streak(p, 0, o, output_activation_stuck, &since) < o->patience ||
        !fl_loss_plateau(p, o->patience, o->min_delta))
        return 0;
    since = MAX(since, 1);
    const fl_epoch_probe *now = fl_probes_now(p);
    double fit = fl_fit_ratio(p, now);
    for (size_t k = 0; k < p->n_layers; k++) {
        if (!fl_probes_layer(p, k)->is_output)
            continue;
        const fl_layer_desc head = output_activation_head(p, k);
        const fl_layer_desc *l = &head;
        if (l->activation.kind == FL_ACT_SOFTMAX ||
            output_activation_targets_of(p, l) != TARGETS_ONE_HOT ||
            !probe_rows_one_hot(p, l->out_offset, l->n_out))
            continue;
        fl_fix_set fixes = {0};
        fl_fixes_add(&fixes, "a softmax over the classes under the loss made for them",
                     "model.%s.activation=softmax", l->name);
        fl_fixes_also(&fixes, "loss=cce");
        fl_measure_set m = {0};
        fl_measures_add(&m, (double)l->units, "%s_units", l->name);
        fl_measures_add(&m, fit, "fit");
        loss_measures(&m, p, o->patience);
        char *loss = loss_note(p, o->patience, o->min_delta);
        char *evidence = g_strdup_printf(
            "%s's %zu %s units learn one-hot classes under %s as separate values; the data "
            "loss %.3g is %.0f%% of the loss of predicting the class shares; %s",
            l->name, l->units, fl_activation_name(l->activation.kind),
            p->loss ? p->loss : "a regression loss", fl_data_loss(now), 100 * fit, loss);
        g_autofree char *cause = g_strdup_printf(
            "each of %s's units is pulled towards its class share, not towards the class of "
            "the input: the network answers the shares for every input",
            l->name);
        g_autofree char *advice = g_strdup_printf(
            "set model.%s.activation = \"softmax\" and loss = \"cce\"", l->name);
        fl_finding f = {.size = sizeof f,
                        .level = FL_LEVEL_WARNING,
                        .epoch = since,
                        .evidence = evidence,
                        .cause = cause,
                        .advice = advice};
        fl_finding_fixes(&f, &fixes);
        fl_finding_measures(&f, &m);
        report(ctx, &f);
        g_free(evidence);
        g_free(loss);
        return 0;
    }
    return 0;
}

FL_DETECTOR_PLUGIN("output_activation",
                   "the output activation cannot reach the targets or does not suit the loss",
                   output_activation_params, output_activation_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_OUTPUT_ACTIVATION,
                   .preflight = output_activation_preflight, .observe = output_activation_observe);
