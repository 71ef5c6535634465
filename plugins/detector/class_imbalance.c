/* class_imbalance.c — the `class_imbalance` detector: a classifier has settled on the
 * majority class of imbalanced training rows.
 *
 * For classification losses, from the share of training rows per class
 * (fl_probes.class_fraction).  Imbalance alone is no fault: a separable 18:1 problem learns
 * to a loss of 1e-3 (tests/test-controls.c), so three things must hold together:
 *  - imbalance: the largest class is at least `ratio` times the smallest present one (4,
 *    a minority of 20% or less: where the usual guidance, e.g. Google's machine-learning
 *    course on imbalanced data, starts to speak of moderate imbalance);
 *  - harm: at least `harm` of the probe rows of the other classes are answered with the
 *    majority class;
 *  - no learning beyond the prior: the data loss is above `stuck` times the loss of
 *    predicting the class shares for every row (fl_fit_ratio(): what predicting the mean
 *    of 0/1 or one-hot targets costs).  A run that answers the majority class but has
 *    learned most of what separates the classes is left alone: it is a threshold matter,
 *    not a failure of training.
 * While they hold it is a warning; once they have held `patience` epochs with the loss on
 * a plateau the network has settled there: collapsed.  The fix is class weighting where
 * the loss offers it (FL_LOSS_CLASS_WEIGHT), else resampling.  A class that never occurs is
 * left to constant_target (its one-hot column is constant). */
#include <flatline/plugin.h>
#include <stddef.h>
#include "evidence.h"
#include "priorities.h"

typedef struct class_imbalance_opts {
    double ratio;
    double harm;
    double stuck;
    int patience;
    double min_delta;
} class_imbalance_opts;

static const fl_param class_imbalance_params[] = {
    {"ratio", FL_PARAM_FLOAT, "4", "(1, inf)", NULL,
     "largest over smallest (present) class fraction that is a problem",
     offsetof(class_imbalance_opts, ratio)},
    {"harm", FL_PARAM_FLOAT, "0.5", "(0, 1]", NULL,
     "share of the other classes' probe rows answered with the majority class that makes "
     "the imbalance a cause",
     offsetof(class_imbalance_opts, harm)},
    /* Our number: a run that has learned half of what the prior leaves has learned. */
    {"stuck", FL_PARAM_FLOAT, "0.5", "(0, inf)", NULL,
     "report only while the data loss is above this share of the loss of predicting the "
     "class shares",
     offsetof(class_imbalance_opts, stuck)},
    {"patience", FL_PARAM_INT, "5", "[1, 100000]", NULL,
     "epochs it must hold, with the loss on a plateau, before the collapse is certain",
     offsetof(class_imbalance_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "relative loss improvement over the patience window that still counts as learning",
     offsetof(class_imbalance_opts, min_delta)},
    FL_PARAM_END};

typedef struct class_imbalance_state {
    size_t since;      /* first epoch of the current run of epochs where it held; 0: none */
    size_t last_epoch; /* the epoch observed last; a gap restarts the count */
} class_imbalance_state;

static int class_imbalance_create(const fl_host *host, const void *opts, void **state)
{
    (void)host, (void)opts;
    *state = g_new0(class_imbalance_state, 1);
    return 0;
}

static void class_imbalance_destroy(void *state) { g_free(state); }

/* Name of class c: the one-hot column, or "y0 = 0"/"y0 = 1" for one 0/1 column. */
static char *class_imbalance_class(const fl_probes *p, size_t c)
{
    char buf[32];
    if (p->n_outputs == 1)
        return g_strdup_printf("%s = %zu", fl_output_name(p, 0, buf, sizeof buf),
                               c);
    return g_strdup(fl_output_name(p, c, buf, sizeof buf));
}

/* Adds class c's share of the training rows: "y1_fraction", or "y0_1_fraction" for class 1
 * of one 0/1 column. */
static void class_imbalance_fraction(fl_measure_set *m, const fl_probes *p, size_t c)
{
    char buf[32];
    const char *name = fl_output_name(p, p->n_outputs == 1 ? 0 : c, buf, sizeof buf);
    if (p->n_outputs == 1)
        fl_measures_add(m, p->class_fraction[c], "%s_%zu_fraction", name, c);
    else
        fl_measures_add(m, p->class_fraction[c], "%s_fraction", name);
}

static int class_imbalance_observe(void *state, const void *opts_, const fl_probes *p,
                                   fl_report_fn report, void *ctx)
{
    class_imbalance_state *st = state;
    const class_imbalance_opts *o = opts_;
    /* Not a classifier, and so for the whole run: nothing below applies, and the state (a
     * classifier's run of epochs) is not even read. */
    if (!(p->loss_flags & FL_LOSS_CLASSIFICATION) || p->n_classes < 2 || !p->class_fraction)
        return 0;
    bool gap = st->last_epoch + 1 != p->n_epochs;
    st->last_epoch = p->n_epochs;
    size_t since = gap ? 0 : st->since;
    st->since = 0;
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
        if (row_class(p, p->probe_y + r * p->n_outputs) == big)
            continue;
        others++;
        swallowed += row_class(p, p->probe_pred + r * p->n_outputs) == big;
    }
    if (others == 0 || (double)swallowed < o->harm * (double)others)
        return 0;
    double fit = fl_fit_ratio(p, fl_probes_now(p));
    if (!(fit > o->stuck))
        return 0;
    st->since = since ? since : p->n_epochs;
    bool settled = p->n_epochs - st->since + 1 >= (size_t)o->patience &&
                   fl_loss_plateau(p, o->patience, o->min_delta);
    GString *fractions = g_string_new(NULL);
    for (size_t c = 0; c < p->n_classes; c++) {
        char *name = class_imbalance_class(p, c);
        g_string_append_printf(fractions, "%s%s %.3g%%", c ? ", " : "", name,
                               100.0 * p->class_fraction[c]);
        g_free(name);
    }
    char *big_name = class_imbalance_class(p, big), *small_name = class_imbalance_class(p, small);
    char *loss = loss_note(p, o->patience, o->min_delta);
    char *evidence = g_strdup_printf("class fractions of the %zu training rows: %s; %s is "
                                     "%.3g times %s; at epoch %zu, %zu of the %zu probe rows "
                                     "of other classes are answered %s; data loss %.3g = %.0f%% "
                                     "of the loss of predicting the class shares (%.3g), since "
                                     "epoch %zu; %s",
                                     p->n_train, fractions->str, big_name, ratio, small_name,
                                     p->n_epochs, swallowed, others, big_name,
                                     fl_data_loss(fl_probes_now(p)), 100.0 * fit,
                                     p->baseline_loss, st->since, loss);
    g_free(loss);
    char *cause = g_strdup_printf("the classes are imbalanced %.3g:1: answering %s for every "
                                  "input is already right for %.3g%% of the rows, and a "
                                  "network can settle there",
                                  ratio, big_name, 100.0 * p->class_fraction[big]);
    bool weights = p->loss_flags & FL_LOSS_CLASS_WEIGHT;
    fl_fix_set fixes = {0};
    if (weights)
        fl_fixes_add(&fixes, "balanced class weights make every class count as much",
                     "loss.class_weight=balanced");
    char *advice = weights ? g_strdup_printf("set loss.class_weight = \"balanced\", or resample "
                                             "the training data to at most %.3g:1 (oversample "
                                             "%s or undersample %s)",
                                             o->ratio, small_name, big_name)
                           : g_strdup_printf("resample the training data to at most %.3g:1 "
                                             "(oversample %s or undersample %s), or use a "
                                             "loss that takes class weights",
                                             o->ratio, small_name, big_name);
    /* "since epoch" is the finding's epoch: not repeated.  The two classes compared first,
     * then the other shares while they leave room for the nine that follow. */
    fl_measure_set measures = {0};
    fl_measures_add(&measures, (double)p->n_train, "train_rows");
    fl_measures_add(&measures, (double)p->n_classes, "classes");
    class_imbalance_fraction(&measures, p, big);
    class_imbalance_fraction(&measures, p, small);
    for (size_t c = 0; c < p->n_classes && measures.n < FL_MEASURES_MAX - 9; c++)
        if (c != big && c != small)
            class_imbalance_fraction(&measures, p, c);
    fl_measures_add(&measures, ratio, "ratio");
    fl_measures_add(&measures, (double)others, "other_probe_rows");
    fl_measures_add(&measures, (double)swallowed, "answered_majority");
    fl_measures_add(&measures, fl_data_loss(fl_probes_now(p)), "loss");
    fl_measures_add(&measures, fit, "fit");
    fl_measures_add(&measures, p->baseline_loss, "baseline_loss");
    loss_measures(&measures, p, o->patience);
    fl_finding f = {.size = sizeof f,
                    .level = settled ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING,
                    .epoch = (int)st->since,
                    .evidence = evidence,
                    .cause = cause,
                    .advice = advice};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &measures);
    report(ctx, &f);
    g_string_free(fractions, TRUE);
    g_free(big_name);
    g_free(small_name);
    g_free(evidence);
    g_free(cause);
    g_free(advice);
    return 0;
}

FL_DETECTOR_PLUGIN("class_imbalance",
                   "a classifier settles on the majority class of imbalanced training rows",
                   class_imbalance_params, class_imbalance_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_CLASS_IMBALANCE, .create = class_imbalance_create,
                   .observe = class_imbalance_observe, .destroy = class_imbalance_destroy);
