/* constant_target.c — the `constant_target` detector: the targets themselves do not vary.
 *
 * Pre-flight, from the training rows' target statistics.  When every target column is
 * constant (standard deviation within a tolerance relative to its magnitude), the best any
 * network can do is predict that value, so a constant output is the right answer rather
 * than a failure of training: the run is explained before it starts (collapsed).  When
 * only some columns are constant, those outputs alone will be constant (warning).  For a
 * classification loss, training rows that all belong to one class are the same thing.
 * When the rows were split in file order and the validation rows hold the values the
 * training rows lack, the split made them constant (data stored sorted, as Keras'
 * validation_split takes the last rows): shuffling the rows before the split is the fix,
 * not the data. */
#include <flatline/plugin.h>
#include <stddef.h>
#include "evidence.h"
#include "priorities.h"

typedef struct constant_target_opts {
    double tol;
} constant_target_opts;

static const fl_param constant_target_params[] = {
    /* float32 targets carry ~1e-7 relative noise from parsing and scaling; 1e-8 relative
     * to max(1, |mean|) accepts only exact constants. */
    {"tol", FL_PARAM_FLOAT, "1e-8", "[0, inf)", NULL,
     "a target std at most this times max(1, |mean|) counts as constant",
     offsetof(constant_target_opts, tol)},
    FL_PARAM_END};

/* Did the split make output o constant?  The rows kept file order (dataset.shuffle =
 * false) and the validation rows' targets reach beyond the training rows' range. */
static bool constant_target_split_made(const fl_probes *p, size_t o)
{
    if (!FL_HAS(fl_probes, p, val_target_max) || p->shuffled || !p->val_target_min ||
        !p->val_target_max)
        return false;
    double tol = 1e-6 * fmax(1.0, fmax(fabs(p->target_min[o]), fabs(p->target_max[o])));
    return p->val_target_min[o] < p->target_min[o] - tol ||
           p->val_target_max[o] > p->target_max[o] + tol;
}

#define CONSTANT_TARGET_SPLIT_ADVICE                                                        \
    "set dataset.shuffle = true: the rows are stored in order and the split keeps it, so "  \
    "the validation rows take what the training rows lack"

/* The fix of a split in file order, said in the finding. */
static void constant_target_split_fix(fl_finding *f, fl_fix_set *fixes, GString *evidence)
{
    g_string_append_printf(evidence, "; the validation rows hold other values: the rows were "
                                     "split in file order (dataset.shuffle = false)");
    fl_fixes_add(fixes, "rows drawn at random before the split", "dataset.shuffle=true");
    fl_finding_fixes(f, fixes);
    f->advice = CONSTANT_TARGET_SPLIT_ADVICE;
    f->flags = 0;
}

/* Name of class c: the one-hot column, or "y = 0"/"y = 1" for one 0/1 column. */
static char *constant_target_class(const fl_probes *p, size_t c)
{
    char buf[32];
    if (p->n_outputs == 1)
        return g_strdup_printf("%s = %zu", fl_output_name(p, 0, buf, sizeof buf),
                               c);
    return g_strdup(fl_output_name(p, c, buf, sizeof buf));
}

static int constant_target_preflight(void *state, const void *opts_, const fl_probes *p,
                                     fl_report_fn report, void *ctx)
{
    (void)state;
    const constant_target_opts *opt = opts_;
    /* Class fractions mean something only for targets that are classes: bce on prices
     * (0.5-15) counts every row as class 1, and that is output_activation's finding. */
    bool labels = true;
    double lo = p->loss_flags & FL_LOSS_SIGNED ? -1.0 : 0.0;
    for (size_t c = 0; c < p->n_outputs; c++)
        labels = labels && p->target_min[c] >= lo && p->target_max[c] <= 1.0;
    if (labels && p->n_classes >= 2 && p->class_fraction) {
        for (size_t c = 0; c < p->n_classes; c++) {
            if (!(p->class_fraction[c] >= 1.0 - 1e-9))
                continue;
            char *cls = constant_target_class(p, c);
            GString *evidence = g_string_new(NULL);
            g_string_printf(evidence, "all %zu training rows are class %s (class fraction "
                                      "%.3g; %zu classes expected by %s)",
                            p->n_train, cls, p->class_fraction[c], p->n_classes,
                            p->loss ? p->loss : "the loss");
            bool split = false;
            for (size_t o = 0; o < p->n_outputs; o++)
                split = split || constant_target_split_made(p, o);
            char *cause = g_strdup_printf("every training row is class %s: any classifier "
                                          "learns to answer %s for every input",
                                          cls, cls);
            fl_measure_set measures = {0};
            fl_measures_add(&measures, (double)p->n_train, "train_rows");
            fl_measures_add(&measures, p->class_fraction[c], "class_fraction");
            fl_measures_add(&measures, (double)p->n_classes, "classes");
            fl_finding f = {.size = sizeof f,
                            .level = FL_LEVEL_COLLAPSED,
                            .epoch = 0,
                            .cause = cause,
                            .advice = "check the dataset and its target columns: the "
                                      "training rows must contain at least two classes",
                            .flags = FL_FINDING_FIX_THE_DATA};
            fl_fix_set fixes = {0};
            if (split)
                constant_target_split_fix(&f, &fixes, evidence);
            f.evidence = evidence->str;
            fl_finding_measures(&f, &measures);
            report(ctx, &f);
            g_free(cls);
            g_string_free(evidence, TRUE);
            g_free(cause);
            return 0;
        }
    }
    GString *evidence = g_string_new(NULL), *names = g_string_new(NULL);
    size_t n_const = 0, n_split = 0;
    char buf[32];
    /* The columns' measures in the order found, as many as fit beside the two added last:
     * the row count and (for more than one column) the count of constant columns. */
    fl_measure_set measures = {0};
    const size_t room = FL_MEASURES_MAX - 2;
    for (size_t c = 0; c < p->n_outputs; c++) {
        double sd = p->target_std[c], mean = p->target_mean[c];
        if (!(sd <= opt->tol * MAX(1.0, fabs(mean))))
            continue;
        const char *name = fl_output_name(p, c, buf, sizeof buf);
        if (n_const)
            g_string_append(evidence, "; ");
        bool same = p->target_min[c] == p->target_max[c];
        if (same)
            g_string_append_printf(evidence, "the targets of %s are all %.6g", name,
                                   p->target_min[c]);
        else
            g_string_append_printf(evidence,
                                   "the targets of %s have std %.3g around %.6g (min %.6g, "
                                   "max %.6g)",
                                   name, sd, mean, p->target_min[c], p->target_max[c]);
        /* Equal targets: their value exactly (a float sum for the mean can be off by an
         * ulp), and no min and max to repeat it. */
        if (measures.n + (same ? 2 : 4) <= room) {
            fl_measures_add(&measures, sd, "%s_target_std", name);
            fl_measures_add(&measures, same ? p->target_min[c] : mean, "%s_target_mean", name);
            if (!same) {
                fl_measures_add(&measures, p->target_min[c], "%s_target_min", name);
                fl_measures_add(&measures, p->target_max[c], "%s_target_max", name);
            }
        }
        g_string_append_printf(names, "%s%s", n_const ? ", " : "", name);
        n_const++;
        n_split += constant_target_split_made(p, c);
    }
    if (n_const) {
        fl_measures_add(&measures, (double)p->n_train, "train_rows");
        if (n_const > 1)
            fl_measures_add(&measures, (double)n_const, "constant_targets");
        bool all = n_const == p->n_outputs;
        g_string_append_printf(evidence, " (%zu training rows)", p->n_train);
        char *cause = all ? g_strdup_printf("the targets do not vary: any network learns to "
                                            "predict that one value, so a constant output is "
                                            "the right answer, not a failure of training")
                          : g_strdup_printf("%zu of %zu target columns (%s) do not vary: those "
                                            "outputs will rightly predict a constant",
                                            n_const, p->n_outputs, names->str);
        char *advice = g_strdup_printf("check the dataset's target column%s (%s): pick "
                                       "columns that vary, or %s",
                                       n_const > 1 ? "s" : "", names->str,
                                       all ? "fix the data source" : "drop them from the targets");
        fl_finding f = {.size = sizeof f,
                        .level = all ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING,
                        .epoch = 0,
                        .cause = cause,
                        .advice = advice,
                        .flags = FL_FINDING_FIX_THE_DATA};
        fl_fix_set fixes = {0};
        if (n_split == n_const)
            constant_target_split_fix(&f, &fixes, evidence);
        f.evidence = evidence->str;
        fl_finding_measures(&f, &measures);
        report(ctx, &f);
        g_free(cause);
        g_free(advice);
    }
    g_string_free(evidence, TRUE);
    g_string_free(names, TRUE);
    return 0;
}

FL_DETECTOR_PLUGIN("constant_target", "the targets themselves (nearly) do not vary",
                   constant_target_params, constant_target_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_CONSTANT_TARGET, .preflight = constant_target_preflight);
