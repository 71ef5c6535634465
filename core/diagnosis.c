/* diagnosis.c — the rules that turn findings into a verdict and an ordered list of causes.
 *
 * Detectors are of two sorts (flatline/plugin.h): symptom detectors say what the user
 * sees (a constant output, one class for every input), cause detectors say why (dead
 * ReLUs, no weight updates, divergence).  The rules:
 *
 * 1. The verdict is the most severe level reported: a detector reports `collapsed` only
 *    when the collapse is certain (sustained, or structurally unavoidable such as a step
 *    loss or constant targets), so one such finding is enough.
 * 2. When the run is over, a symptom that still holds together with a cause that still
 *    holds is a collapse even if both are only warnings: each explains the other, which
 *    is stronger evidence than either alone.  During training this rule does not stop a
 *    run early: warnings may still clear.
 * 3. Causes come before symptoms: the user wants the reason first, and the symptom is
 *    what made it matter.  Among causes, the detector's priority orders them (the
 *    in-tree priorities and their reasons are in plugins/detector/priorities.h: a
 *    configuration error that makes learning impossible outranks what it leads to, e.g.
 *    a step loss explains the absent updates) among findings of the same level: a
 *    collapsed-level finding always comes before a warning; then the earlier epoch,
 *    since the first failure tends to trigger the rest.
 * 4. A detector appears once, with its most severe finding. */
#include "diagnosis.h"

#include <string.h>

const char *verdict_name(verdict_kind v)
{
    switch (v) {
    case VERDICT_HEALTHY: return "healthy";
    case VERDICT_WARNING: return "warning";
    case VERDICT_COLLAPSED: return "collapsed";
    }
    return "healthy";
}

gboolean verdict_from_name(const char *name, verdict_kind *v)
{
    for (verdict_kind k = VERDICT_HEALTHY; k <= VERDICT_COLLAPSED; k++)
        if (name && strcmp(name, verdict_name(k)) == 0) {
            *v = k;
            return TRUE;
        }
    return FALSE;
}

gboolean diagnosis_is_cause(const finding_rec *f)
{
    /* A detector that declares neither sort is taken as a cause: it explains something. */
    return !(f->flags & FL_DETECTS_SYMPTOM) || (f->flags & FL_DETECTS_CAUSE);
}

static gint compare_findings(gconstpointer a, gconstpointer b)
{
    const finding_rec *fa = *(const finding_rec *const *)a, *fb = *(const finding_rec *const *)b;
    gboolean ca = diagnosis_is_cause(fa), cb = diagnosis_is_cause(fb);
    if (ca != cb)
        return ca ? -1 : 1;
    /* A cause proven to collapse the run outranks one that only warns, whatever their
     * priorities: a warning is a suspicion, a collapse is what happened. */
    if (fa->level != fb->level)
        return fa->level > fb->level ? -1 : 1;
    if (ca && fa->priority != fb->priority)
        return fa->priority < fb->priority ? -1 : 1;
    if (fa->epoch != fb->epoch)
        return fa->epoch < fb->epoch ? -1 : 1;
    if (!ca && fa->priority != fb->priority)
        return fa->priority < fb->priority ? -1 : 1;
    return strcmp(fa->detector, fb->detector);
}

void diagnose(GPtrArray *findings, gboolean final, diagnosis *out)
{
    out->ordered = g_ptr_array_new();
    out->verdict = VERDICT_HEALTHY;
    /* Rule 4: one finding per detector, the most severe. */
    for (guint i = 0; findings && i < findings->len; i++) {
        finding_rec *f = findings->pdata[i];
        gboolean replaced = FALSE;
        for (guint k = 0; k < out->ordered->len; k++) {
            finding_rec *g = out->ordered->pdata[k];
            if (strcmp(g->detector, f->detector) == 0) {
                if (f->level > g->level)
                    out->ordered->pdata[k] = f;
                replaced = TRUE;
            }
        }
        if (!replaced)
            g_ptr_array_add(out->ordered, f);
    }
    gboolean symptom = FALSE, cause = FALSE;
    for (guint k = 0; k < out->ordered->len; k++) {
        const finding_rec *f = out->ordered->pdata[k];
        /* Rule 1. */
        if (f->level == FL_LEVEL_COLLAPSED)
            out->verdict = VERDICT_COLLAPSED;
        else if (out->verdict == VERDICT_HEALTHY)
            out->verdict = VERDICT_WARNING;
        if (diagnosis_is_cause(f))
            cause = TRUE;
        else
            symptom = TRUE;
    }
    /* Rule 2. */
    if (final && symptom && cause)
        out->verdict = VERDICT_COLLAPSED;
    /* Rule 3. */
    g_ptr_array_sort(out->ordered, compare_findings);
}

void diagnosis_clear(diagnosis *d)
{
    if (d->ordered)
        g_ptr_array_free(d->ordered, TRUE);
    d->ordered = NULL;
}

char *diagnosis_causes(const diagnosis *d)
{
    GString *s = g_string_new(NULL);
    for (guint k = 0; d->ordered && k < d->ordered->len; k++)
        g_string_append_printf(s, "%s%s", k ? ";" : "",
                               ((const finding_rec *)d->ordered->pdata[k])->detector);
    return g_string_free(s, FALSE);
}
