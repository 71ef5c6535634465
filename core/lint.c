/* lint.c — see lint.h.  The checks need what a run builds (data, model, loss, probes of
 * epoch 0): train_preflight does that without training. */
#include "lint.h"
#include "detect.h"
#include "term.h"
#include "train.h"

#include <string.h>

/* "a=1, b=relu" — the grid values that make a configuration (seed axis left out). */
static char *config_label(const plan *p, int cell)
{
    g_auto(GStrv) labels = plan_cell_labels(p, cell);
    g_autoptr(GString) s = g_string_new(NULL);
    for (guint k = 0; p->axis_keys[k]; k++) {
        if ((int)k == p->seed_axis)
            continue;
        g_autofree char *key = term_escape(p->axis_keys[k], FALSE);
        g_autofree char *value = term_escape(labels[k], FALSE);
        g_string_append_printf(s, "%s%s=%s", s->len ? ", " : "", key, value);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static void print_finding(GString *out, const finding_rec *f)
{
    g_autofree char *detector = term_escape(f->detector, FALSE);
    g_autofree char *evidence = term_escape(f->evidence ? f->evidence : "", TRUE);
    g_string_append_printf(out, "    %s %s: %s\n",
                           f->level == FL_LEVEL_COLLAPSED ? "collapsed" : "warning", detector,
                           evidence);
    if (f->advice && *f->advice) {
        g_autofree char *advice = term_escape(f->advice, TRUE);
        g_string_append_printf(out, "      advice: %s\n", advice);
    }
}

gboolean lint_plan(plan *p, fl_host *host, GString *out, lint_totals *t, GError **error)
{
    memset(t, 0, sizeof *t);
    /* Grid points that differ only by their seed are one configuration. */
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GString) found = g_string_new(NULL);
    int cell = 0;
    /* A huge grid stops at the cap: its remaining points are counted, not labelled. */
    for (; cell < p->n_cells && t->checked < LINT_MAX_CONFIGS; cell++) {
        g_autofree char *label = config_label(p, cell);
        if (!g_hash_table_add(seen, g_strdup(label)))
            continue;
        t->configs++;
        t->checked++;
        g_autoptr(run_plan) r = plan_run_at(p, cell * p->repeats, error);
        if (!r)
            return FALSE;
        g_autoptr(GPtrArray) findings =
            g_ptr_array_new_with_free_func((GDestroyNotify)finding_rec_free);
        if (!train_preflight(r->exp, (uint64_t)r->seed, host, findings, error)) {
            if (*label)
                g_prefix_error(error, "%s: ", label);
            return FALSE;
        }
        if (!findings->len)
            continue;
        g_string_append_printf(found, "  %s\n", *label ? label : "the experiment");
        for (guint i = 0; i < findings->len; i++) {
            const finding_rec *f = findings->pdata[i];
            print_finding(found, f);
            t->findings++;
            t->collapsed += f->level == FL_LEVEL_COLLAPSED;
        }
    }
    g_autofree char *scope =
        cell < p->n_cells
            ? g_strdup_printf("the first %d configurations of %d grid points", t->checked,
                              p->n_cells)
            : g_strdup_printf("%d configuration%s", t->configs, t->configs == 1 ? "" : "s");
    if (!t->findings) {
        g_string_append_printf(out, "pre-flight: nothing found before training (%s)\n", scope);
        return TRUE;
    }
    g_string_append_printf(out,
                           "pre-flight: %d finding%s before training (%s), %d collapsed-level:\n",
                           t->findings, t->findings == 1 ? "" : "s", scope, t->collapsed);
    g_string_append(out, found->str);
    return TRUE;
}
