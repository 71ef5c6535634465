/* class_imbalance.c — the `class_imbalance` detector: one class outnumbers another many
 * times over in the training rows.
 *
 * For classification losses, from the share of training rows per class
 * (fl_probes.class_fraction).  When the largest class is `ratio` times the smallest present
 * one (10, the usual rule of thumb, e.g. in Amazon SageMaker Clarify's class imbalance
 * guidance), answering the majority class for every input already scores well, and a
 * network can settle there.  Imbalance alone is no fault: a separable 18:1 problem learned
 * to a loss of 1e-3 (tests/test-controls.c), so the finding needs the harm too — after each
 * epoch, at least `harm` of the probe rows of the other classes are answered with the
 * majority class.  A warning: it becomes the cause of single_class when that symptom
 * fires.  A class that never occurs is left to constant_target (its one-hot column is
 * constant). */
#include <flatline/plugin.h>
#include <stddef.h>
#include "evidence.h"
#include "priorities.h"

typedef struct class_imbalance_opts {
    double ratio;
    double harm;
} class_imbalance_opts;

static const fl_param class_imbalance_params[] = {
    {"ratio", FL_PARAM_FLOAT, "10", "(1, inf)", NULL,
     "largest over smallest (present) class fraction that is a problem",
     offsetof(class_imbalance_opts, ratio)},
    {"harm", FL_PARAM_FLOAT, "0.5", "(0, 1]", NULL,
     "share of the other classes' probe rows answered with the majority class that makes "
     "the imbalance a cause",
     offsetof(class_imbalance_opts, harm)},
    FL_PARAM_END};

/* The class of a row: argmax of one-hot columns, or the side of 0.5 (0 for a loss that
 * reads the sign, FL_LOSS_SIGNED) of one column. */
static size_t class_imbalance_of(const fl_probes *p, const float *row)
{
    if (p->n_outputs == 1)
        return row[0] > (p->loss_flags & FL_LOSS_SIGNED ? 0.0f : 0.5f);
    size_t c = 0;
    for (size_t o = 1; o < p->n_outputs; o++)
        if (row[o] > row[c])
            c = o;
    return c;
}

/* Name of class c: the one-hot column, or "y0 = 0"/"y0 = 1" for one 0/1 column. */
static char *class_imbalance_class(const fl_probes *p, size_t c)
{
    char buf[32];
    if (p->n_outputs == 1)
        return g_strdup_printf("%s = %zu", fl_output_name(p, 0, buf, sizeof buf),
                               c);
    return g_strdup(fl_output_name(p, c, buf, sizeof buf));
}

static int class_imbalance_observe(void *state, const void *opts_, const fl_probes *p,
                                   fl_report_fn report, void *ctx)
{
    (void)state;
    const class_imbalance_opts *o = opts_;
    if (!(p->loss_flags & FL_LOSS_CLASSIFICATION) || p->n_classes < 2 || !p->class_fraction)
        return 0;
    size_t big = p->n_classes, small = p->n_classes;
    for (size_t c = 0; c < p->n_classes; c++) {
        double f = p->class_fraction[c];
        if (!(f > 0))
            continue;
        if (big == p->n_classes || f > p->class_fraction[big])
            big = c;
        if (small == p->n_classes || f < p->class_fraction[small])
            small = c;
    }
    if (big == p->n_classes || big == small)
        return 0;
    double ratio = p->class_fraction[big] / p->class_fraction[small];
    if (ratio < o->ratio)
        return 0;
    size_t others = 0, swallowed = 0;
    for (size_t r = 0; r < p->n_probe; r++) {
        if (class_imbalance_of(p, p->probe_y + r * p->n_outputs) == big)
            continue;
        others++;
        swallowed += class_imbalance_of(p, p->probe_pred + r * p->n_outputs) == big;
    }
    if (others == 0 || (double)swallowed < o->harm * (double)others)
        return 0;
    GString *fractions = g_string_new(NULL);
    for (size_t c = 0; c < p->n_classes; c++) {
        char *name = class_imbalance_class(p, c);
        g_string_append_printf(fractions, "%s%s %.3g%%", c ? ", " : "", name,
                               100.0 * p->class_fraction[c]);
        g_free(name);
    }
    char *big_name = class_imbalance_class(p, big), *small_name = class_imbalance_class(p, small);
    char *evidence = g_strdup_printf("class fractions of the %zu training rows: %s; %s is "
                                     "%.3g times %s; at epoch %zu, %zu of the %zu probe rows "
                                     "of other classes are answered %s",
                                     p->n_train, fractions->str, big_name, ratio, small_name,
                                     p->n_epochs, swallowed, others, big_name);
    char *cause = g_strdup_printf("the classes are imbalanced %.3g:1: answering %s for every "
                                  "input is already right for %.3g%% of the rows, and a "
                                  "network can settle there",
                                  ratio, big_name, 100.0 * p->class_fraction[big]);
    char *advice = g_strdup_printf("resample the training data to at most %.3g:1 (oversample "
                                   "%s or undersample %s), or use a balanced dataset; class "
                                   "weights are not available",
                                   o->ratio, small_name, big_name);
    report(ctx, &(fl_finding){.size = sizeof(fl_finding),
                              .level = FL_LEVEL_WARNING,
                              .epoch = (int)p->n_epochs,
                              .evidence = evidence,
                              .cause = cause,
                              .advice = advice});
    g_string_free(fractions, TRUE);
    g_free(big_name);
    g_free(small_name);
    g_free(evidence);
    g_free(cause);
    g_free(advice);
    return 0;
}

FL_DETECTOR_PLUGIN("class_imbalance",
                   "one class outnumbers another many times over in the training rows",
                   class_imbalance_params, class_imbalance_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_CLASS_IMBALANCE, .observe = class_imbalance_observe);
