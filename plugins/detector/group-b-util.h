/* group-b-util.h — what the group-B detectors (units, data and configuration) share:
 * look-backs over the probe history, the "no sign of recovery" test, names of outputs and
 * inputs, and a list of issues folded into one finding.  Header-only (static inline), so
 * each detector stays one .so exporting only flatline_plugin.
 *
 * A detector slot holds one finding at a time (core/detect.c: a new report replaces the
 * previous one), so a detector that finds several problems in one call (two dead layers,
 * two bad heads) collects them here and reports them once, the most severe first. */
#ifndef FL_DETECTOR_GROUP_B_UTIL_H
#define FL_DETECTOR_GROUP_B_UTIL_H

#include <flatline/plugin.h>
#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

/* Does a condition hold at `epoch` for item k (a layer, an output)? */
typedef bool (*group_b_holds_fn)(const fl_probes *p, size_t epoch, size_t k, const void *ctx);

/* The run of consecutive epochs ending now (p->n_epochs) over which holds() is true:
 * returns how many TRAINED epochs it spans (epoch 0 holds no training, so it never counts
 * towards patience) and sets *since to its first epoch (0 when it already held before
 * training).  Returns 0 when it does not hold now. */
static inline int group_b_streak(const fl_probes *p, size_t k, const void *ctx,
                                 group_b_holds_fn holds, int *since)
{
    size_t e = p->n_epochs;
    if (!holds(p, e, k, ctx))
        return 0;
    while (e > 0 && holds(p, e - 1, k, ctx))
        e--;
    *since = (int)e;
    return (int)p->n_epochs - (int)(e > 0 ? e : 1) + 1;
}

/* No sign of recovery: over the last `window` epochs the training loss never went below the
 * loss just before them by more than min_delta (relative).  The reference is a trained
 * epoch (>= 1): epoch 0 is measured in inference mode and is not comparable with the mean
 * of training batch losses (dropout).  False while the history is shorter or the reference
 * is not finite (divergence is another detector's business). */
static inline bool group_b_loss_flat(const fl_probes *p, int window, double min_delta)
{
    if (window < 1 || p->n_epochs <= (size_t)window)
        return false;
    double ref = fl_probes_epoch(p, p->n_epochs - (size_t)window)->loss;
    if (!isfinite(ref))
        return false;
    for (size_t e = p->n_epochs - (size_t)window + 1; e <= p->n_epochs; e++) {
        double l = fl_probes_epoch(p, e)->loss;
        if (isfinite(l) && l < ref - min_delta * fabs(ref))
            return false;
    }
    return true;
}

/* The loss over the window group_b_loss_flat() looked at, for evidence (caller frees). */
static inline char *group_b_flat_text(const fl_probes *p, int window, double min_delta)
{
    const fl_epoch_probe *ref = fl_probes_epoch(p, p->n_epochs - (size_t)window);
    return g_strdup_printf("loss %.3g at epoch %d, %.3g at epoch %d (no decrease beyond "
                           "%.3g%%)",
                           ref->loss, ref->epoch, fl_probes_epoch(p, p->n_epochs)->loss,
                           fl_probes_epoch(p, p->n_epochs)->epoch, 100.0 * min_delta);
}

/* The loss without its L1/L2 part: what the model's fit costs. */
static inline double group_b_data_loss(const fl_epoch_probe *e)
{
    return e->loss - (isfinite(e->penalty) ? e->penalty : 0.0);
}

/* The fit is poor now: the data loss is above `ratio` times the loss of predicting the
 * training mean.  Without a usable baseline (constant targets: 0) nothing is poor. */
static inline bool group_b_poor_fit(const fl_probes *p, double ratio)
{
    double base = p->baseline_loss;
    double data = group_b_data_loss(fl_probes_epoch(p, p->n_epochs));
    return isfinite(base) && base > 0 && isfinite(data) && data > ratio * base;
}

/* names[i], or "<prefix><i>" in buf when the core has no names. */
static inline const char *group_b_name(const char *const *names, size_t i, const char *prefix,
                                       char *buf, size_t size)
{
    if (names && names[i])
        return names[i];
    g_snprintf(buf, size, "%s%zu", prefix, i);
    return buf;
}

/* A rate ten times lower, for advice ("try 0.001"). */
static inline double group_b_lower_lr(double lr) { return lr / 10.0; }

/* ---------------------------------------------------------------- issue lists */

typedef struct group_b_issue {
    fl_level level;
    int epoch;
    char *evidence, *cause, *advice; /* g_malloc'ed, owned by the list */
} group_b_issue;

static inline GArray *group_b_issues_new(void)
{
    return g_array_new(FALSE, TRUE, sizeof(group_b_issue));
}

/* Append an issue; the list takes the three strings (g_strdup_printf results). */
static inline void group_b_issue_add(GArray *list, fl_level level, int epoch, char *evidence,
                                     char *cause, char *advice)
{
    group_b_issue i = {level, epoch, evidence, cause, advice};
    g_array_append_val(list, i);
}

static inline gint group_b_issue_compare(gconstpointer a, gconstpointer b)
{
    const group_b_issue *x = a, *y = b;
    if (x->level != y->level)
        return x->level > y->level ? -1 : 1;
    return 0; /* g_array_sort is stable: otherwise keep the order found (data flow) */
}

/* Report the issues as one finding and free the list: the most severe issue's level, epoch
 * and cause; every issue's evidence, most severe first; the distinct pieces of advice in
 * the same order.  Nothing is reported for an empty list. */
static inline void group_b_issues_report(GArray *list, fl_report_fn report, void *ctx)
{
    if (list->len) {
        g_array_sort(list, group_b_issue_compare);
        const group_b_issue *first = &g_array_index(list, group_b_issue, 0);
        GString *evidence = g_string_new(NULL), *advice = g_string_new(NULL);
        for (guint i = 0; i < list->len; i++) {
            const group_b_issue *is = &g_array_index(list, group_b_issue, i);
            g_string_append_printf(evidence, "%s%s", i ? "; " : "", is->evidence);
            /* Advice pieces are "; "-separated changes: each distinct one once. */
            gchar **pieces = g_strsplit(is->advice, "; ", -1);
            for (gchar **a = pieces; *a; a++) {
                gchar *key = g_strdup_printf("; %s;", *a);
                gchar *all = g_strdup_printf("; %s;", advice->str);
                if (!strstr(all, key))
                    g_string_append_printf(advice, "%s%s", advice->len ? "; " : "", *a);
                g_free(key);
                g_free(all);
            }
            g_strfreev(pieces);
        }
        report(ctx, &(fl_finding){.size = sizeof(fl_finding),
                                  .level = first->level,
                                  .epoch = first->epoch,
                                  .evidence = evidence->str,
                                  .cause = first->cause,
                                  .advice = advice->str});
        g_string_free(evidence, TRUE);
        g_string_free(advice, TRUE);
    }
    for (guint i = 0; i < list->len; i++) {
        group_b_issue *is = &g_array_index(list, group_b_issue, i);
        g_free(is->evidence);
        g_free(is->cause);
        g_free(is->advice);
    }
    g_array_free(list, TRUE);
}

#endif
