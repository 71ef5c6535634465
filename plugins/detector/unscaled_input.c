/* unscaled_input.c — the `unscaled_input` detector: raw input features whose scales differ
 * by orders of magnitude, and regression targets far from unit scale.
 *
 * The inputs pre-flight, only when dataset.normalize is "none" (the statistics are of the
 * raw inputs); the targets only when dataset.normalize_targets is, with the inputs
 * pre-flight, alone during training while the fit is poor (unscaled_input_observe).  With unnormalized
 * inputs the first layer's pre-activations and gradients are dominated by the largest features: a learning rate small enough for them barely moves
 * the weights of the small ones, and a large raw magnitude saturates or kills units from
 * the first step (LeCun et al., "Efficient BackProp", 1998, section 4.3: normalize inputs).
 * No published tool gives a number for "too different"; ours is three orders of magnitude
 * between the largest and the smallest non-zero standard deviation, or a raw value above
 * 100 (raw 0-255 pixels: every feature of the same scale, but a unit of a Glorot-initialized
 * first layer then starts with pre-activations of std ~|x|, tens to hundreds, so sigmoid and
 * tanh units start saturated and ReLU units take huge first steps): at that point a common step size is wrong for one end of the range by a factor that
 * per-weight adaptivity (Adam) no longer hides in the few hundred epochs we run, while the
 * ordinary spread of real units (centimetres beside kilograms, x10-x100) stays quiet.
 * Scale alone does not doom a run, so this is a warning: the diagnosis makes it the cause
 * of a symptom that also fires. */
#include <flatline/plugin.h>
#include <stddef.h>
#include "evidence.h"
#include "priorities.h"

typedef struct unscaled_input_opts {
    double ratio;
    double max_abs;
    double harm;
} unscaled_input_opts;

static const fl_param unscaled_input_params[] = {
    {"ratio", FL_PARAM_FLOAT, "1e3", "(1, inf)", NULL,
     "largest over smallest non-zero input std that is a problem (our choice: 3 orders of "
     "magnitude)",
     offsetof(unscaled_input_opts, ratio)},
    {"max_abs", FL_PARAM_FLOAT, "100", "(0, inf)", NULL,
     "a raw input value beyond this in magnitude is a problem",
     offsetof(unscaled_input_opts, max_abs)},
    /* Our number, underfit's: a model that leaves more than half of what the mean leaves
     * has not learned the bulk of the targets. */
    {"harm", FL_PARAM_FLOAT, "0.5", "(0, inf)", NULL,
     "targets alone (inputs of a common scale): reported while the data loss is above this "
     "times the loss of predicting the mean, or not finite",
     offsetof(unscaled_input_opts, harm)},
    FL_PARAM_END};

/* How many features to name in a message before "and N more". */
enum { UNSCALED_INPUT_LIST = 3 };

/* Pre-flight the finding names the inputs (and the targets with them); during training,
 * with inputs of a common scale, the targets alone. */
typedef enum { UNSCALED_INPUTS, UNSCALED_TARGETS_ALONE } unscaled_input_part;

static void unscaled_input_judge(const unscaled_input_opts *o, const fl_probes *p,
                                 unscaled_input_part part, int epoch, fl_report_fn report,
                                 void *ctx)
{
    /* The inputs are judged raw only; the targets whatever the inputs. */
    bool raw = p->normalize == FL_NORMALIZE_NONE && p->n_in && p->input_std;
    size_t lo = p->n_in, hi = p->n_in;
    for (size_t i = 0; raw && i < p->n_in; i++) {
        double s = p->input_std[i];
        if (!isfinite(s) || s <= 0)
            continue;
        if (lo == p->n_in || s < p->input_std[lo])
            lo = i;
        if (hi == p->n_in || s > p->input_std[hi])
            hi = i;
    }
    char a[32], b[32];
    GString *evidence = g_string_new(NULL);
    fl_measure_set m = {0};
    double ratio = lo < p->n_in ? p->input_std[hi] / p->input_std[lo] : 1.0;
    bool spread = ratio >= o->ratio;
    if (spread) {
        g_string_append_printf(evidence,
                               "raw input std ranges from %.3g (%s) to %.3g (%s): ratio %.3g",
                               p->input_std[lo], fl_input_name(p, lo, a, sizeof a),
                               p->input_std[hi], fl_input_name(p, hi, b, sizeof b),
                               ratio);
        fl_measures_add(&m, ratio, "ratio");
        fl_measures_add(&m, p->input_std[lo], "%s_std", fl_input_name(p, lo, a, sizeof a));
        fl_measures_add(&m, p->input_std[hi], "%s_std", fl_input_name(p, hi, b, sizeof b));
    }
    size_t n_big = 0;
    double biggest = 0;
    for (size_t i = 0; raw && p->input_absmax && i < p->n_in; i++) {
        if (!(p->input_absmax[i] > o->max_abs))
            continue;
        biggest = MAX(biggest, p->input_absmax[i]);
        if (n_big < UNSCALED_INPUT_LIST) {
            const char *name = fl_input_name(p, i, a, sizeof a);
            g_string_append_printf(evidence, "%s|%s| reaches %.3g (std %.3g)",
                                   evidence->len ? (n_big ? ", " : "; ") : "", name,
                                   p->input_absmax[i], p->input_std[i]);
            /* The columns the sentence names; the extreme stds are there already. */
            fl_measures_add(&m, p->input_absmax[i], "%s_max_abs", name);
            if (!spread || (i != lo && i != hi))
                fl_measures_add(&m, p->input_std[i], "%s_std", name);
        }
        n_big++;
    }
    if (n_big > UNSCALED_INPUT_LIST)
        g_string_append_printf(evidence, " and %zu more", n_big - UNSCALED_INPUT_LIST);
    if (n_big) {
        fl_measures_add(&m, biggest, "max_abs");
        fl_measures_add(&m, (double)n_big, "large_columns");
    }
    /* Regression targets far from unit scale, with raw inputs or alone: the output layer
     * must grow weights of that size from a unit-scale start, and the squared error of its
     * first steps is of the targets' size squared.  Scaling the inputs alone leaves that
     * (measured on the suite's pow4-unscaled, inputs within 100 and targets up to 1e8:
     * inputs standardized, still collapsed in 5 of 5 seeds; targets standardized too,
     * healthy in 5 of 5). */
    bool inputs = evidence->len > 0;
    if (inputs != (part == UNSCALED_INPUTS)) {
        g_string_free(evidence, TRUE);
        return;
    }
    size_t target_at = 0;
    double target_big = targets_unscaled(p, &target_at);
    if (target_big > 0) {
        g_string_append_printf(evidence, "%starget %s reaches %.3g (std %.3g)",
                               inputs ? "; " : "", fl_output_name(p, target_at, a, sizeof a),
                               target_big,
                               p->target_std && isfinite(p->target_std[target_at])
                                   ? p->target_std[target_at]
                                   : NAN);
        fl_measures_add(&m, target_big, "target_max_abs");
        if (p->target_std)
            fl_measures_add(&m, p->target_std[target_at], "target_std");
    }
    if (evidence->len) {
        g_string_append(evidence, inputs ? "; dataset.normalize = \"none\""
                                         : "; dataset.normalize_targets = \"none\"");
        char *cause =
            !inputs ? g_strdup_printf("the regression targets are not normalized and reach "
                                      "%.3g in magnitude: the output layer must grow weights "
                                      "of that size from a unit-scale start, and the squared "
                                      "error of its first steps is of their size squared",
                                      target_big)
            : ratio >= o->ratio
                ? g_strdup_printf("the inputs are not normalized and their scales differ "
                                  "%.3g-fold (%.1f orders of magnitude): the large features "
                                  "dominate the first layer and no single learning rate suits "
                                  "both ends",
                                  ratio, log10(ratio))
                : g_strdup_printf("the inputs are not normalized and reach %.3g in magnitude: "
                                  "the first layer's pre-activations and gradients start huge, "
                                  "saturating or killing its units",
                                  biggest);
        fl_fix_set fixes = {0};
        if (target_big > 0 && inputs) {
            fl_fixes_add(&fixes, "inputs and targets of unit scale", "dataset.normalize=standard");
            fl_fixes_also(&fixes, "dataset.normalize_targets=standard");
        } else if (target_big > 0) {
            fl_fixes_add(&fixes, "targets of unit scale", "dataset.normalize_targets=standard");
        }
        if (inputs) {
            fl_fixes_add(&fixes, "inputs of one, unit scale", "dataset.normalize=standard");
            fl_fixes_add(&fixes, "inputs of one, unit scale", "dataset.normalize=minmax");
        }
        fl_finding f = {.size = sizeof f,
                        .level = FL_LEVEL_WARNING,
                        .epoch = epoch,
                        .evidence = evidence->str,
                        .cause = cause,
                        .advice = !inputs ? "set dataset.normalize_targets = \"standard\""
                                  : target_big > 0
                                      ? "set dataset.normalize = \"standard\" and "
                                        "dataset.normalize_targets = \"standard\""
                                      : "set dataset.normalize = \"standard\""};
        fl_finding_fixes(&f, &fixes);
        fl_finding_measures(&f, &m);
        report(ctx, &f);
        g_free(cause);
    }
    g_string_free(evidence, TRUE);
}

static int unscaled_input_preflight(void *state, const void *opts, const fl_probes *p,
                                    fl_report_fn report, void *ctx)
{
    (void)state;
    unscaled_input_judge(opts, p, UNSCALED_INPUTS, 0, report, ctx);
    return 0;
}

/* Targets far from unit scale with inputs of a common scale: said while they show harm,
 * the fit poor (or the loss gone), not before training.  Large targets alone do not doom a
 * run: SGD at 1e-4 on targets up to 703 (the suite's sgd-lr-1e-3-loss-skyrockets twin)
 * left 1e-4 of the mean's loss, and a warning there was a false alarm in every seed. */
static int unscaled_input_observe(void *state, const void *opts, const fl_probes *p,
                                  fl_report_fn report, void *ctx)
{
    (void)state;
    const unscaled_input_opts *o = opts;
    size_t at = 0;
    if (!(targets_unscaled(p, &at) > 0) || fits_within(p, o->harm))
        return 0;
    unscaled_input_judge(o, p, UNSCALED_TARGETS_ALONE, (int)p->n_epochs, report, ctx);
    return 0;
}

FL_DETECTOR_PLUGIN("unscaled_input", "raw input features differ in scale by orders of magnitude",
                   unscaled_input_params, unscaled_input_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_UNSCALED_INPUT, .preflight = unscaled_input_preflight,
                   .observe = unscaled_input_observe);
