/* dead_relu.c — the `dead_relu` detector: most ReLU units of a layer are dead.
 *
 * A ReLU unit whose pre-activation is negative for every input outputs 0 for every input
 * and passes no gradient back, so nothing moves it again (the "dying ReLU").  The probes
 * count a unit as dead when its output is the same for every probe input
 * (fl_layer_probe.dead).  Following AUTOTRAINER (Zhang et al., ICSE 2021), a layer with at
 * least 70% dead units is a problem; it must hold for `patience` epochs, since early epochs
 * of healthy runs jump around.  It is final (collapsed) when the whole layer is dead for
 * that long — nothing downstream can vary with the input and no gradient reaches the
 * layers before it — or when most units are dead and the loss shows no sign of recovery
 * while the model still explains next to nothing.  A partly dead layer in a model that
 * already fits is not reported (option `harm`).  Pre-flight: a ReLU layer starting with
 * an all-zero kernel outputs its bias for every input; with the default zero bias that is
 * 0 and no gradient.
 * Only relu and leaky_relu with alpha 0 are looked at: any other activation passes some
 * gradient below zero. */
#include <flatline/plugin.h>
#include <stddef.h>
#include "evidence.h"
#include "priorities.h"

typedef struct dead_relu_opts {
    double threshold;
    int patience;
    double min_delta;
    double collapse_fit;
    double harm;
} dead_relu_opts;

static const fl_param dead_relu_params[] = {
    {"threshold", FL_PARAM_FLOAT, "0.7", "(0, 1]", NULL,
     "fraction of dead units in a layer that is a problem (AUTOTRAINER: 70%)",
     offsetof(dead_relu_opts, threshold)},
    {"patience", FL_PARAM_INT, "5", "[1, 100000]", NULL,
     "epochs the fraction must hold before it is reported", offsetof(dead_relu_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1)", NULL,
     "relative loss decrease over the patience window that counts as recovering",
     offsetof(dead_relu_opts, min_delta)},
    /* Our own guard, not AUTOTRAINER's: a ReLU net can fit with most units silent.  On
     * the seed-failure sweep (sine2d, lr = 1) two live units of ten still halved the loss
     * of predicting the mean (0.105 vs 0.211): a warning, not a collapse.  Final only while
     * the model explains less than a fifth of what the mean leaves. */
    {"collapse_fit", FL_PARAM_FLOAT, "0.8", "[0, inf)", NULL,
     "a partly dead layer collapses only while the data loss exceeds this times the loss of "
     "predicting the mean",
     offsetof(dead_relu_opts, collapse_fit)},
    /* saturation's number: runs of the suite of real failures with most of a layer dead
     * that fitted anyway left 0.02-0.04 of the mean's loss; the partly dead ones that did
     * not, 0.45 and more.  A wholly dead layer is judged whatever the loss. */
    {"harm", FL_PARAM_FLOAT, "0.1", "(0, inf)", NULL,
     "a partly dead layer is reported while the data loss is above this times the loss of "
     "predicting the mean, or not finite, or the mean's loss is unknown",
     offsetof(dead_relu_opts, harm)},
    FL_PARAM_END};

static bool dead_relu_is_relu(const fl_layer_desc *l)
{
    return l->activation.kind == FL_ACT_RELU ||
           (l->activation.kind == FL_ACT_LEAKY_RELU && l->activation.alpha == 0.0);
}

/* ctx: the fraction (double) at or above which a layer counts. */
static bool dead_relu_holds(const fl_probes *p, size_t epoch, size_t k, const void *ctx)
{
    double dead = fl_epoch_layer(fl_probes_epoch(p, epoch), k)->dead;
    return !isnan(dead) && dead >= *(const double *)ctx;
}

static int dead_relu_preflight(void *state, const void *opts, const fl_probes *p,
                               fl_report_fn report, void *ctx)
{
    (void)state, (void)opts;
    GArray *issues = issues_new();
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        if (!dead_relu_is_relu(l) || !l->has_kernel || l->init_min != 0.0 || l->init_max != 0.0)
            continue;
        double dead0 = fl_epoch_layer(fl_probes_epoch(p, 0), k)->dead;
        fl_fix_set *fixes = fixes_new();
        fl_fixes_add(fixes, "random weights start the units apart", "model.%s.init=he_uniform",
                     l->name);
        issue_add(
            issues, FL_LEVEL_WARNING, 0,
            g_strdup_printf("%s starts with all-zero weights (init \"%s\"); %.0f%% of its %zu "
                            "units output the same value for every probe input at epoch 0",
                            l->name, l->init ? l->init : "?", 100.0 * dead0, l->units),
            g_strdup_printf("%s starts with all-zero weights: every ReLU unit outputs its "
                            "bias for every input, and with a zero bias it outputs 0 and "
                            "gets no gradient",
                            l->name),
            g_strdup_printf("set model.%s.init = \"he_uniform\"", l->name), fixes);
        fl_measure_set *m = issue_measures(issues);
        fl_measures_add(m, 0.0, "%s_init_weight", l->name);
        fl_measures_add(m, dead0, "%s_dead", l->name);
        fl_measures_add(m, (double)l->units, "%s_units", l->name);
    }
    fl_measure_set shared = {0};
    if (issues->len > 1)
        fl_measures_add(&shared, (double)issues->len, "zero_init_layers");
    issues_report_measured(issues, 0, &shared, report, ctx);
    return 0;
}

/* Hidden ReLU layers at least this many make a deep stack. */
#define DEAD_RELU_DEEP_STACK 3

/* A hidden ReLU layer whose kernel's initializer is not made for ReLU (He). */
static bool dead_relu_needs_he(const fl_layer_desc *l)
{
    return l->has_kernel && !(l->init_flags & FL_INIT_FOR_RELU);
}

/* Leaky ReLU on every hidden ReLU layer as one fix (with He's initializer where a layer
 * has another), when there are enough of them to be a deep stack and the fix can hold an
 * edit for each. */
static void dead_relu_stack_fix(const fl_probes *p, fl_fix_set *fixes, const char *leaky)
{
    size_t n = 0, edits = 0;
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        if (!dead_relu_is_relu(l) || l->is_output)
            continue;
        n++;
        edits += 1 + dead_relu_needs_he(l);
    }
    if (n < DEAD_RELU_DEEP_STACK || edits > FL_FIX_EDITS_MAX)
        return;
    bool started = false;
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        if (!dead_relu_is_relu(l) || l->is_output)
            continue;
        if (!started) {
            if (!fl_fixes_add(fixes, leaky, "model.%s.activation=leaky_relu", l->name))
                return; /* the set is full: nothing was added */
            started = true;
        } else if (!fl_fixes_also(fixes, "model.%s.activation=leaky_relu", l->name)) {
            fl_fixes_drop(fixes); /* half of it is no fix */
            return;
        }
        if (dead_relu_needs_he(l) && !fl_fixes_also(fixes, "model.%s.init=he_uniform", l->name)) {
            fl_fixes_drop(fixes);
            return;
        }
    }
}

/* The advice in words, and its candidate fixes into `fixes`. */
static char *dead_relu_advice(const fl_probes *p, const fl_layer_desc *l, double dead0,
                              double threshold, fl_fix_set *fixes)
{
    /* A dead ReLU head is a head that cannot go below 0: the activation is the fault. */
    if (l->is_output)
        fl_fixes_add(fixes, "a linear output cannot die", "model.%s.activation=linear",
                     l->name);
    const char *leaky = "a leaky ReLU keeps a gradient below zero";
    if (l->is_output)
        return g_strdup_printf("set model.%s.activation = \"linear\": a ReLU output that "
                               "dies outputs 0 for every input",
                               l->name);
    /* Units that were alive at the start died from the updates: the step was too large.
     * Units dead from the start point at the initialization. */
    if (dead0 < 0.5 * threshold) {
        fixes_lr_lower(fixes, p, "smaller steps do not push the units below zero for good");
        fl_fixes_add(fixes, leaky, "model.%s.activation=leaky_relu", l->name);
        if (isfinite(p->base_lr))
            return g_strdup_printf("lower optimizer.lr from %.3g (try %.3g): the units died "
                                   "during training (%.0f%% dead at epoch 0); or set "
                                   "model.%s.activation = \"leaky_relu\"",
                                   p->base_lr, fl_lr_lower(p->base_lr, 1), 100.0 * dead0,
                                   l->name);
        return g_strdup_printf("lower the learning rate: the units died during training "
                               "(%.0f%% dead at epoch 0); or set model.%s.activation = "
                               "\"leaky_relu\"",
                               100.0 * dead0, l->name);
    }
    /* Dead from the start although He already: the layer is too narrow to keep a live
     * unit (with n units, all start dead with a chance that grows with depth). */
    if (l->has_kernel && (l->init_flags & FL_INIT_FOR_RELU)) {
        /* In a deep stack every narrow ReLU layer runs that risk, not only the one that
         * died in this seed: first the change on all of them.  Measured on the suite's
         * deep narrow stacks (circle-relu-16-dead): leaky ReLUs on the layers the runs
         * named left 3 of 5 seeds collapsed, on every hidden layer 4 of 5 healthy. */
        dead_relu_stack_fix(p, fixes, leaky);
        fl_fixes_add(fixes, "a wider layer keeps some units alive", "model.%s.units=%zu",
                     l->name, MAX(l->units * 4, (size_t)16));
        fl_fixes_add(fixes, leaky, "model.%s.activation=leaky_relu", l->name);
        return g_strdup_printf("raise model.%s.units from %zu (try %zu: %.0f%% of its units "
                               "were dead at epoch 0 despite %s), or set model.%s.activation "
                               "= \"leaky_relu\"",
                               l->name, l->units, MAX(l->units * 4, (size_t)16), 100.0 * dead0,
                               l->init, l->name);
    }
    /* Dead from the start with an initializer not made for ReLU: in a deep stack every
     * layer shrinks the signal, so first He (and leaky units, which a narrow stack needs
     * once He is there) on all of them.  Measured on the suite's stacks of 8 and 9 ReLU
     * layers of 5 with uniform +-0.05 weights: He on the layers the runs named healed no
     * seed, He on every layer 3 and 2 of 5, leaky ReLU with He on every layer 5 and 4. */
    dead_relu_stack_fix(p, fixes, "leaky ReLUs with He's initializer keep a deep stack's "
                                  "signal and gradient alive");
    fl_fixes_add(fixes, "He's initializer keeps a ReLU layer's signal alive",
                 "model.%s.init=he_uniform", l->name);
    fl_fixes_add(fixes, leaky, "model.%s.activation=leaky_relu", l->name);
    return g_strdup_printf("set model.%s.init = \"he_uniform\" (now \"%s\"; %.0f%% of the "
                           "units were dead at epoch 0), or model.%s.activation = "
                           "\"leaky_relu\"",
                           l->name, l->init ? l->init : "?", 100.0 * dead0, l->name);
}

/* Whether layer k is a ReLU layer whose units have been mostly dead for `patience`
 * epochs (*since: from when), and whether all of them have (*whole, *since_all): the
 * rule both the brief and the full report judge a layer by. */
static bool dead_relu_layer(const fl_probes *p, const dead_relu_opts *o, size_t k, int *since,
                            int *since_all, bool *whole)
{
    const fl_layer_desc *l = fl_probes_layer(p, k);
    *since = *since_all = 0;
    if (!dead_relu_is_relu(l) || l->units == 0 ||
        fl_streak(p, k, &o->threshold, dead_relu_holds, since) < o->patience)
        return false;
    /* "All units": within half a unit of 1, so rounding of the fraction cannot hide it. */
    const double all = 1.0 - 0.5 / (double)l->units;
    *whole = fl_streak(p, k, &all, dead_relu_holds, since_all) >= o->patience;
    return true;
}

/* The loss has stopped improving while the model explains next to nothing: with it a
 * partly dead layer is a collapse too. */
static bool dead_relu_flat_poor(const fl_probes *p, const dead_relu_opts *o)
{
    return fl_loss_plateau(p, o->patience, o->min_delta) &&
           (fl_fit_ratio(p, fl_probes_now(p)) > o->collapse_fit);
}

/* The level observe() would report (0: none) and, for a warning, its epoch: that of the
 * first layer found, as the full report's.  A wholly dead layer, or a dead one behind a
 * loss that is flat and poor, is a collapse.  The loss is looked at only once a layer is
 * found dead (most epochs of most runs have none). */
static fl_level dead_relu_level(const fl_probes *p, const dead_relu_opts *o, int *epoch)
{
    fl_level level = 0;
    for (size_t k = 0; k < p->n_layers; k++) {
        int since, since_all;
        bool whole;
        if (!dead_relu_layer(p, o, k, &since, &since_all, &whole))
            continue;
        if (whole)
            return FL_LEVEL_COLLAPSED;
        if (!level) {
            level = FL_LEVEL_WARNING;
            *epoch = since;
        }
    }
    if (level != FL_LEVEL_WARNING)
        return level;
    if (dead_relu_flat_poor(p, o))
        return FL_LEVEL_COLLAPSED;
    /* Units the model fits without are not what holds it back. */
    return fits_within(p, o->harm) ? 0 : FL_LEVEL_WARNING;
}

/* observe() reports a warning brief (most dead layers stay so for the rest of the run),
 * describe() the same in full; a collapse is always reported in full. */
static int dead_relu_judge(const dead_relu_opts *o, const fl_probes *p, fl_report_fn report,
                           void *ctx, bool brief)
{
    int epoch = 0;
    fl_level level = brief ? dead_relu_level(p, o, &epoch) : 0;
    if (brief && level != FL_LEVEL_COLLAPSED) {
        if (level == FL_LEVEL_WARNING)
            report(ctx, &(fl_finding){.size = sizeof(fl_finding),
                                      .level = FL_LEVEL_WARNING,
                                      .epoch = epoch,
                                      .flags = FL_FINDING_BRIEF});
        return 0;
    }
    bool flat_poor = dead_relu_flat_poor(p, o);
    GArray *issues = issues_new();
    /* Behind a wholly dead layer every later ReLU layer sees a constant input and is dead
     * too: name the first one, and the rest as its consequence. */
    int first_whole = -1;
    GString *behind = g_string_new(NULL);
    size_t n_behind = 0;
    bool loss_stated = false;
    for (size_t k = 0; k < p->n_layers; k++) {
        int since, since_all;
        bool whole;
        if (!dead_relu_layer(p, o, k, &since, &since_all, &whole))
            continue;
        const fl_layer_desc *l = fl_probes_layer(p, k);
        double dead = fl_epoch_layer(fl_probes_epoch(p, p->n_epochs), k)->dead;
        double dead0 = fl_epoch_layer(fl_probes_epoch(p, 0), k)->dead;
        size_t n_dead = (size_t)lround(dead * (double)l->units);
        if (whole && first_whole >= 0) {
            g_string_append_printf(behind, "%s%s", behind->len ? ", " : "", l->name);
            n_behind++;
            /* Named in that layer's evidence, so measured with it; room is left for the
             * finding's own measures (the count of layers, the loss: four at most). */
            fl_measure_set *m = g_array_index(issues, issue, first_whole).measures;
            if (m->n < FL_MEASURES_MAX - 4)
                fl_measures_add(m, dead, "%s_dead", l->name);
            continue;
        }
        if (whole)
            first_whole = (int)issues->len;
        fl_level level = whole || flat_poor ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING;
        char *flat_text = loss_note(p, o->patience, o->min_delta);
        bool states_loss = level == FL_LEVEL_COLLAPSED && !whole;
        loss_stated |= states_loss;
        char *tail = states_loss ? g_strdup_printf("; %s", flat_text) : g_strdup("");
        g_free(flat_text);
        char *evidence = g_strdup_printf(
            "%zu of %zu ReLU units in %s (%.0f%%) output the same value for every probe input "
            "since epoch %d%s%s",
            n_dead, l->units, l->name, 100.0 * dead, whole ? since_all : since,
            (whole ? since_all : since) == 0 ? " (before training)" : "", tail);
        g_free(tail);
        char *cause =
            whole ? g_strdup_printf("every ReLU unit of %s is dead: it outputs the same value "
                                    "for every input and passes no gradient, so nothing after "
                                    "it can depend on the input and nothing before it learns",
                                    l->name)
                  : g_strdup_printf("most ReLU units of %s are dead (negative pre-activation "
                                    "for every input): they pass no gradient and the layer "
                                    "has lost most of its capacity",
                                    l->name);
        fl_fix_set *fixes = fixes_new();
        issue_add(issues, level, whole ? since_all : since, evidence, cause,
                  dead_relu_advice(p, l, dead0, o->threshold, fixes), fixes);
        /* The onset too: the finding's epoch is only that of the most severe layer. */
        fl_measure_set *m = issue_measures(issues);
        fl_measures_add(m, dead, "%s_dead", l->name);
        fl_measures_add(m, (double)n_dead, "%s_dead_units", l->name);
        fl_measures_add(m, (double)l->units, "%s_units", l->name);
        fl_measures_add(m, (double)(whole ? since_all : since), "%s_since_epoch", l->name);
    }
    if (behind->len) {
        issue *is = &g_array_index(issues, issue, first_whole);
        char *more = g_strdup_printf("%s; behind it %s are wholly dead too (they see a "
                                     "constant input)",
                                     is->evidence, behind->str);
        g_free(is->evidence);
        is->evidence = more;
    }
    g_string_free(behind, TRUE);
    /* The loss is the same in every evidence that states it: once for the finding. */
    fl_measure_set shared = {0};
    if (issues->len + n_behind > 1)
        fl_measures_add(&shared, (double)(issues->len + n_behind), "dead_layers");
    if (loss_stated)
        loss_measures(&shared, p, o->patience);
    issues_report_measured(issues, 0, &shared, report, ctx);
    return 0;
}

static int dead_relu_observe(void *state, const void *opts, const fl_probes *p,
                             fl_report_fn report, void *ctx)
{
    (void)state;
    return dead_relu_judge(opts, p, report, ctx, true);
}

static int dead_relu_describe(void *state, const void *opts, const fl_probes *p,
                              fl_report_fn report, void *ctx)
{
    (void)state;
    return dead_relu_judge(opts, p, report, ctx, false);
}

FL_DETECTOR_PLUGIN("dead_relu", "most ReLU units of a layer output the same value for every input",
                   dead_relu_params, dead_relu_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_DEAD_RELU, .preflight = dead_relu_preflight,
                   .observe = dead_relu_observe, .describe = dead_relu_describe);
