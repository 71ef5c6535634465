/* single_class.c — symptom: a classifier gives every probe input the same class while
 * the probe targets hold at least two.  The predicted class of a row is the argmax over
 * the outputs (one-hot targets), or for one column the side of the decision threshold:
 * 0.5 for probabilities, 0 for a hinge loss, whose targets are -1/+1 (or 0/1, mapped to
 * -1/+1) and whose outputs are margins.
 *
 * Only the current epoch's predictions are at hand (p->probe_pred), so the detector keeps
 * per run the epoch since which every row has had the same class.  A warning once that
 * has held `patience` epochs; a collapse when the loss has also stopped improving. */
#include "evidence.h"
#include "priorities.h"

#include <stddef.h>

typedef struct single_class_opts {
    int patience;
    double min_delta;
} single_class_opts;

/* Our own defaults, shared with the other symptoms: see constant_output.c. */
static const fl_param single_class_params[] = {
    {"patience", FL_PARAM_INT, "5", "[1, 10000]", NULL,
     "epochs in a row every probe input must get the same class before it is reported",
     offsetof(single_class_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "relative loss improvement over the patience window that still counts as learning",
     offsetof(single_class_opts, min_delta)},
    FL_PARAM_END};

typedef struct single_class_state {
    size_t since;      /* first epoch of the current run of one class; 0: none */
    size_t cls;        /* that class */
    size_t last_epoch; /* the epoch observed last; a gap restarts the count */
} single_class_state;

static int single_class_create(const fl_host *host, const void *opts, void **state)
{
    (void)host, (void)opts;
    *state = g_new0(single_class_state, 1);
    return 0;
}

static void single_class_destroy(void *state) { g_free(state); }

/* "y1", or for one column "y0 = 1". */
static char *single_class_name(const fl_probes *p, size_t c)
{
    char buf[32];
    if (p->n_outputs == 1)
        return g_strdup_printf("%s = %zu", fl_output_name(p, 0, buf, sizeof buf), c);
    return g_strdup(fl_output_name(p, c, buf, sizeof buf));
}

/* The measure key of class c: the column's name, or for one column "y0_1". */
static const char *single_class_key(const fl_probes *p, size_t c, char *buf, size_t size)
{
    char out[32];
    if (p->n_outputs == 1) {
        snprintf(buf, size, "%s_%zu", fl_output_name(p, 0, out, sizeof out), c);
        return buf;
    }
    return fl_output_name(p, c, buf, size);
}

/* Class c's probe targets and share of the training rows, both or neither (a class
 * half-described would read as a class without training rows). */
static void single_class_class_measures(fl_measure_set *m, const fl_probes *p, size_t c,
                                        const size_t *target_count, bool fractions)
{
    char buf[FL_MEASURE_NAME_MAX];
    const char *key = single_class_key(p, c, buf, sizeof buf);
    if (FL_MEASURES_MAX - m->n < (fractions ? 2u : 1u))
        return;
    fl_measures_add(m, (double)target_count[c], "%s_targets", key);
    if (fractions)
        fl_measures_add(m, p->class_fraction[c], "%s_fraction", key);
}

static int single_class_observe(void *state, const void *opts, const fl_probes *p,
                                fl_report_fn report, void *ctx)
{
    single_class_state *s = state;
    const single_class_opts *op = opts;
    size_t n = p->n_epochs, no = p->n_outputs;
    /* Not a classifier, and so for the whole run: nothing below applies, and the state (a
     * classifier's run of epochs) is not even read. */
    if (p->n_classes < 2 || !(p->loss_flags & FL_LOSS_CLASSIFICATION))
        return 0;
    bool gap = s->last_epoch + 1 != n;
    s->last_epoch = n;
    if (gap)
        s->since = 0;
    if (!p->n_probe || !p->probe_pred || !p->probe_y || no == 0)
        return 0;
    size_t n_cls = no == 1 ? 2 : no;
    /* A loss that reads the sign (hinge) predicts margins and takes -1/+1 (or 0/1) targets:
     * both split at 0.  Otherwise a column holds probabilities and 0/1 targets: split at
     * 0.5. */
    size_t *pred_count = g_new0(size_t, n_cls), *target_count = g_new0(size_t, n_cls);
    bool ok = true;
    for (size_t r = 0; r < p->n_probe && ok; r++) {
        size_t pc = row_class(p, p->probe_pred + r * no);
        size_t tc = row_class(p, p->probe_y + r * no);
        if (pc == (size_t)-1 || tc == (size_t)-1)
            ok = false;
        else
            pred_count[pc]++, target_count[tc]++;
    }
    size_t cls = 0, target_classes = 0;
    for (size_t c = 0; c < n_cls; c++) {
        if (pred_count[c] > pred_count[cls])
            cls = c;
        target_classes += target_count[c] > 0;
    }
    bool one = ok && pred_count[cls] == p->n_probe && target_classes >= 2;
    if (!one || (s->since && s->cls != cls))
        s->since = 0;
    if (one && !s->since) {
        s->since = n;
        s->cls = cls;
    }
    if (one && n - s->since + 1 >= (size_t)op->patience) {
        bool stalled = fl_loss_plateau(p, op->patience, op->min_delta);
        char *name = single_class_name(p, cls);
        GString *evidence = g_string_new(NULL);
        g_string_append_printf(evidence,
                               "all %zu probe inputs are predicted as class %s while the probe "
                               "targets hold %zu classes (",
                               p->n_probe, name, target_classes);
        for (size_t c = 0, k = 0; c < n_cls; c++) {
            if (!target_count[c])
                continue;
            char *cn = single_class_name(p, c);
            g_string_append_printf(evidence, "%s%s: %zu", k++ ? ", " : "", cn, target_count[c]);
            g_free(cn);
        }
        g_string_append(evidence, ")");
        if (p->class_fraction && p->n_classes == n_cls) {
            g_string_append(evidence, "; training rows per class:");
            for (size_t c = 0; c < n_cls; c++) {
                char *cn = single_class_name(p, c);
                g_string_append_printf(evidence, "%s %s %.3g%%", c ? "," : "", cn,
                                       100.0 * p->class_fraction[c]);
                g_free(cn);
            }
        }
        char *loss = loss_note(p, op->patience, op->min_delta);
        g_string_append_printf(evidence, "; since epoch %zu; %s", s->since, loss);
        char *cause = g_strdup_printf("the classifier predicts class %s for every input", name);
        fl_measure_set m = {0};
        fl_measures_add(&m, (double)cls, "predicted_class");
        fl_measures_add(&m, (double)pred_count[cls] / (double)p->n_probe,
                        "predicted_class_share");
        fl_measures_add(&m, (double)p->n_probe, "probe_rows");
        fl_measures_add(&m, (double)target_classes, "target_classes");
        loss_measures(&m, p, op->patience);
        /* Per class, the predicted one first, then as many others as the set holds. */
        bool fractions = p->class_fraction && p->n_classes == n_cls;
        single_class_class_measures(&m, p, cls, target_count, fractions);
        for (size_t c = 0; c < n_cls; c++)
            if (c != cls)
                single_class_class_measures(&m, p, c, target_count, fractions);
        fl_finding f = {.size = sizeof f,
                        .level = stalled ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING,
                        .epoch = (int)s->since,
                        .evidence = evidence->str,
                        .cause = cause,
                        .advice = "see the causes listed first (class imbalance, dead or "
                                  "saturated units, the learning rate)"};
        fl_finding_measures(&f, &m);
        report(ctx, &f);
        g_free(cause);
        g_free(loss);
        g_free(name);
        g_string_free(evidence, TRUE);
    }
    g_free(pred_count);
    g_free(target_count);
    return 0;
}

FL_DETECTOR_PLUGIN("single_class", "a classifier predicts one class for every input",
                   single_class_params, single_class_opts, .flags = FL_DETECTS_SYMPTOM,
                   .priority = PRIORITY_SYMPTOM, .create = single_class_create,
                   .observe = single_class_observe, .destroy = single_class_destroy);
