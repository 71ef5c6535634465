/* fixes.c — a verification's findings as files: DIR/fixes.csv for people and their
 * tools, DIR/verify/verification.result (a GLib key file) for the report and the charts,
 * which read it back without a CSV or JSON parser. */
#include "verify.h"
#include "csv.h"
#include "results.h"
#include "term.h"

#include <math.h>
#include <string.h>

/* Is trial i its grid point's fix?  A verified single fix can give way to a pair that
 * verified with more healthy runs: both verified, one chosen. */
static gboolean fixes_chosen(const verify_report *r, guint i)
{
    for (guint c = 0; c < r->cells->len; c++) {
        const verify_cell *vc = r->cells->pdata[c];
        if (vc->verified == (int)i)
            return TRUE;
    }
    return FALSE;
}

gboolean fixes_write_csv(const char *dir, const verify_report *r, GError **error)
{
    g_autoptr(GString) s = g_string_new(NULL);
    guint n_axes = r->axis_keys ? g_strv_length(r->axis_keys) : 0;
    for (guint a = 0; a < n_axes; a++) {
        csv_append_field(s, r->axis_keys[a]);
        g_string_append_c(s, ',');
    }
    g_string_append(s, "cause,fix,collapsed_before,collapsed_after,verified,evidence,"
                       "learned_after,fit_before,fit_after,healthy_before,healthy_after,chosen\n");
    for (guint i = 0; i < r->trials->len; i++) {
        const verify_trial *t = r->trials->pdata[i];
        GStrv labels = r->cell_labels->pdata[t->cell];
        for (guint a = 0; a < n_axes; a++) {
            csv_append_field(s, labels[a]);
            g_string_append_c(s, ',');
        }
        g_autofree char *fix = verify_fix_text(t);
        g_autofree char *before = g_strdup_printf("%d/%d", t->before_k, t->before_n);
        g_autofree char *after = g_strdup_printf("%d/%d", t->after_k, t->after_n);
        g_autofree char *cited = t->cited_cell >= 0 ? verify_cell_text(r, t->cited_cell) : NULL;
        g_autofree char *evidence = cited ? g_strdup_printf("cited: %s", cited)
                                          : g_strdup_printf("rerun: %s", t->dir);
        csv_append_field(s, t->cause);
        g_string_append_c(s, ',');
        csv_append_field(s, fix);
        g_string_append_printf(s, ",%s,%s,%s,", before, after, t->verified ? "yes" : "no");
        csv_append_field(s, evidence);
        g_string_append_printf(s, ",%d,", t->learned);
        csv_append_number(s, t->before_fit);
        g_string_append_c(s, ',');
        csv_append_number(s, t->after_fit);
        g_string_append_printf(s, ",%d/%d,%d/%d,%s\n", t->before_healthy, t->before_n,
                               t->healthy, t->after_n, fixes_chosen(r, i) ? "yes" : "no");
    }
    g_autofree char *path = g_build_filename(dir, "fixes.csv", NULL);
    return results_write(path, s->str, (gssize)s->len, FALSE, error);
}

char *fixes_report_to_data(const verify_report *r)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    guint n_axes = r->axis_keys ? g_strv_length(r->axis_keys) : 0;
    g_key_file_set_string_list(kf, "verification", "axes", (const char *const *)r->axis_keys,
                               n_axes);
    g_key_file_set_integer(kf, "verification", "cells", (gint)r->cell_labels->len);
    g_key_file_set_integer(kf, "verification", "sweep_runs", r->sweep_runs);
    g_key_file_set_integer(kf, "verification", "budget", r->budget);
    g_key_file_set_integer(kf, "verification", "runs_added", r->runs_added);
    g_key_file_set_double(kf, "verification", "sweep_ms", r->sweep_ms);
    g_key_file_set_double(kf, "verification", "added_ms", r->added_ms);
    g_key_file_set_int64(kf, "verification", "sweep_epochs", r->sweep_epochs);
    g_key_file_set_int64(kf, "verification", "added_epochs", r->added_epochs);
    if (r->healthy)
        g_key_file_set_string(kf, "verification", "healthy", r->healthy);
    for (guint c = 0; c < r->cell_labels->len; c++) {
        g_autofree char *key = g_strdup_printf("cell%u", c);
        GStrv l = r->cell_labels->pdata[c];
        g_key_file_set_string_list(kf, "labels", key, (const char *const *)l, g_strv_length(l));
    }
    for (guint i = 0; i < r->cells->len; i++) {
        const verify_cell *vc = r->cells->pdata[i];
        g_autofree char *g = g_strdup_printf("cell %u", i);
        g_key_file_set_integer(kf, g, "cell", vc->cell);
        g_key_file_set_integer(kf, g, "collapsed", vc->collapsed);
        g_key_file_set_integer(kf, g, "runs", vc->runs);
        g_key_file_set_integer(kf, g, "healthy", vc->healthy);
        g_key_file_set_integer(kf, g, "verified", vc->verified);
        g_key_file_set_integer(kf, g, "candidates", vc->candidates);
        g_key_file_set_integer(kf, g, "tried", vc->tried);
        if (vc->data_cause)
            g_key_file_set_string(kf, g, "data_cause", vc->data_cause);
    }
    for (guint i = 0; i < r->trials->len; i++) {
        const verify_trial *t = r->trials->pdata[i];
        g_autofree char *g = g_strdup_printf("trial %u", i);
        g_key_file_set_integer(kf, g, "cell", t->cell);
        g_key_file_set_string(kf, g, "cause", t->cause);
        g_key_file_set_string_list(kf, g, "edits", (const char *const *)t->edits,
                                   g_strv_length(t->edits));
        if (t->reason)
            g_key_file_set_string(kf, g, "reason", t->reason);
        const int ints[] = {t->before_k, t->before_n, t->after_k, t->after_n, t->learned,
                            t->verified, t->cited_cell, t->healthy, t->before_healthy,
                            t->warning_point};
        const char *const names[] = {"before_k", "before_n", "after_k", "after_n",
                                     "learned", "verified", "cited_cell", "healthy",
                                     "before_healthy", "warning_point"};
        for (guint k = 0; k < G_N_ELEMENTS(ints); k++)
            g_key_file_set_integer(kf, g, names[k], ints[k]);
        if (t->dir)
            g_key_file_set_string(kf, g, "dir", t->dir);
        if (isfinite(t->before_fit))
            g_key_file_set_double(kf, g, "before_fit", t->before_fit);
        if (isfinite(t->after_fit))
            g_key_file_set_double(kf, g, "after_fit", t->after_fit);
    }
    return g_key_file_to_data(kf, NULL, NULL);
}

static double get_double(GKeyFile *kf, const char *g, const char *k)
{
    GError *err = NULL;
    double v = g_key_file_get_double(kf, g, k, &err);
    if (err) {
        g_error_free(err);
        return NAN;
    }
    return v;
}

verify_report *fixes_report_from_file(const char *path, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error)) {
        g_prefix_error(error, "%s: ", path);
        return NULL;
    }
    g_autoptr(verify_report) r = verify_report_new();
    r->axis_keys = g_key_file_get_string_list(kf, "verification", "axes", NULL, NULL);
    if (!r->axis_keys)
        r->axis_keys = g_new0(char *, 1);
    guint n_axes = g_strv_length(r->axis_keys);
    int n_cells = g_key_file_get_integer(kf, "verification", "cells", NULL);
    r->sweep_runs = g_key_file_get_integer(kf, "verification", "sweep_runs", NULL);
    r->budget = g_key_file_get_integer(kf, "verification", "budget", NULL);
    r->runs_added = g_key_file_get_integer(kf, "verification", "runs_added", NULL);
    r->sweep_ms = get_double(kf, "verification", "sweep_ms");
    r->added_ms = get_double(kf, "verification", "added_ms");
    /* Absent (0) in what an older flatline saved: then the epochs are not shown. */
    r->sweep_epochs = g_key_file_get_int64(kf, "verification", "sweep_epochs", NULL);
    r->added_epochs = g_key_file_get_int64(kf, "verification", "added_epochs", NULL);
    r->healthy = g_key_file_get_string(kf, "verification", "healthy", NULL);
    for (int c = 0; c < n_cells && c < 10000000; c++) {
        g_autofree char *key = g_strdup_printf("cell%d", c);
        GStrv l = g_key_file_get_string_list(kf, "labels", key, NULL, NULL);
        if (!l || g_strv_length(l) != n_axes) {
            g_strfreev(l);
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "%s: damaged (grid point %d); run the experiment again to redo it",
                        path, c);
            return NULL;
        }
        g_ptr_array_add(r->cell_labels, l);
    }
    for (guint i = 0;; i++) {
        g_autofree char *g = g_strdup_printf("cell %u", i);
        if (!g_key_file_has_group(kf, g))
            break;
        verify_cell *vc = g_new0(verify_cell, 1);
        g_ptr_array_add(r->cells, vc);
        vc->cell = g_key_file_get_integer(kf, g, "cell", NULL);
        vc->collapsed = g_key_file_get_integer(kf, g, "collapsed", NULL);
        vc->runs = g_key_file_get_integer(kf, g, "runs", NULL);
        vc->healthy = g_key_file_get_integer(kf, g, "healthy", NULL);
        vc->verified = g_key_file_get_integer(kf, g, "verified", NULL);
        vc->candidates = g_key_file_get_integer(kf, g, "candidates", NULL);
        vc->tried = g_key_file_get_integer(kf, g, "tried", NULL);
        vc->data_cause = g_key_file_get_string(kf, g, "data_cause", NULL);
    }
    for (guint i = 0;; i++) {
        g_autofree char *g = g_strdup_printf("trial %u", i);
        if (!g_key_file_has_group(kf, g))
            break;
        verify_trial *t = g_new0(verify_trial, 1);
        g_ptr_array_add(r->trials, t);
        t->cell = g_key_file_get_integer(kf, g, "cell", NULL);
        t->cause = g_key_file_get_string(kf, g, "cause", NULL);
        t->edits = g_key_file_get_string_list(kf, g, "edits", NULL, NULL);
        t->reason = g_key_file_get_string(kf, g, "reason", NULL);
        int *ints[] = {&t->before_k, &t->before_n, &t->after_k, &t->after_n, &t->learned,
                       &t->verified, &t->cited_cell, &t->healthy, &t->before_healthy,
                       &t->warning_point};
        const char *const names[] = {"before_k", "before_n", "after_k", "after_n",
                                     "learned", "verified", "cited_cell", "healthy",
                                     "before_healthy", "warning_point"};
        for (guint k = 0; k < G_N_ELEMENTS(ints); k++)
            *ints[k] = g_key_file_get_integer(kf, g, names[k], NULL);
        t->dir = g_key_file_get_string(kf, g, "dir", NULL);
        t->before_fit = get_double(kf, g, "before_fit");
        t->after_fit = get_double(kf, g, "after_fit");
        if (!t->cause)
            t->cause = g_strdup("?");
        if (!t->edits)
            t->edits = g_new0(char *, 1);
    }
    /* Indices that point nowhere would be read out of bounds later. */
    for (guint i = 0; i < r->cells->len; i++) {
        verify_cell *vc = r->cells->pdata[i];
        if (vc->cell < 0 || (guint)vc->cell >= r->cell_labels->len ||
            vc->verified >= (int)r->trials->len || vc->verified < -1)
            goto damaged;
    }
    for (guint i = 0; i < r->trials->len; i++) {
        const verify_trial *t = r->trials->pdata[i];
        if (t->cell < 0 || (guint)t->cell >= r->cell_labels->len ||
            t->cited_cell >= (int)r->cell_labels->len || t->cited_cell < -1)
            goto damaged;
    }
    return g_steal_pointer(&r);
damaged:
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s: damaged (an index out of range); run the experiment again to redo it", path);
    return NULL;
}

/* ---------------------------------------------------------------- flatline fix */

/* A text for a comment line: one line, no control characters. */
static void fixes_comment_text(GString *s, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++)
        g_string_append_c(s, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
}

static void fixes_print(const char *line)
{
    g_autofree char *shown = term_escape(line, FALSE);
    g_print("%s\n", shown);
}

static void fixes_printerr(const char *line)
{
    g_autofree char *shown = term_escape(line, FALSE);
    g_printerr("flatline: %s\n", shown);
}

/* The header of the repaired file: what was changed and the evidence that it heals. */
static char *fixes_header(const verify_report *r, const verify_trial *t, const char *dir)
{
    GString *h = g_string_new(NULL);
    g_autofree char *where = verify_cell_text(r, t->cell);
    g_string_append(h, "# Repaired by `flatline fix` from the results in ");
    fixes_comment_text(h, dir);
    g_string_append(h, "\n# ");
    if (*where) {
        g_string_append(h, "grid point ");
        fixes_comment_text(h, where);
        g_string_append(h, ", ");
    }
    g_string_append(h, "with its verified fix (cause ");
    fixes_comment_text(h, t->cause);
    g_string_append(h, "):\n");
    for (char **e = t->edits; *e; e++) {
        g_string_append(h, "#   ");
        fixes_comment_text(h, *e);
        g_string_append_c(h, '\n');
    }
    if (t->reason) {
        g_string_append(h, "#   why: ");
        fixes_comment_text(h, t->reason);
        g_string_append_c(h, '\n');
    }
    if (t->warning_point)
        g_string_append_printf(h, "# On the same seeds: healthy %d/%d before, %d/%d after; %d/%d "
                                  "fixed runs learned",
                               t->before_healthy, t->before_n, t->healthy, t->after_n,
                               t->learned, t->after_n);
    else
        g_string_append_printf(h, "# On the same seeds: collapsed %d/%d before, %d/%d after; "
                                  "%d/%d fixed runs learned",
                               t->before_k, t->before_n, t->after_k, t->after_n, t->learned,
                               t->after_n);
    if (isfinite(t->before_fit) && isfinite(t->after_fit))
        g_string_append_printf(h, "; loss %.3g -> %.3g of predicting the mean", t->before_fit,
                               t->after_fit);
    g_string_append(h, ".\n# Evidence: ");
    if (t->cited_cell >= 0) {
        g_autofree char *cited = verify_cell_text(r, t->cited_cell);
        g_string_append(h, "the grid point that is this configuration, ");
        fixes_comment_text(h, cited);
    } else {
        g_string_append(h, "the reruns in ");
        fixes_comment_text(h, dir);
        g_string_append_c(h, '/');
        fixes_comment_text(h, t->dir);
    }
    g_string_append(h, ".\n");
    return g_string_free(h, FALSE);
}

int fixes_command(const char *dir, int cell, const char *out, registry *reg, fl_host *host)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(verify_report) r = verify_load(dir, &err);
    if (!r) {
        g_autofree char *msg =
            err ? g_strdup(err->message)
                : g_strdup_printf("%s: no verification saved (no results, or run with "
                                  "--no-verify or verify = false): run the experiment with "
                                  "`flatline run FILE.cfg -o %s` first",
                                  dir, dir);
        fixes_printerr(msg);
        return 2;
    }
    if (cell >= (int)r->cell_labels->len || cell < -1) {
        g_autofree char *msg = g_strdup_printf("--cell %d: %s has grid points 0 to %u", cell,
                                               dir, r->cell_labels->len - 1);
        fixes_printerr(msg);
        return 2;
    }
    const verify_cell *vc = NULL;
    for (guint i = 0; i < r->cells->len; i++) {
        const verify_cell *c = r->cells->pdata[i];
        if (c->cell == cell || (cell < 0 && r->cells->len == 1))
            vc = c;
    }
    if (!r->cells->len || (cell >= 0 && !vc)) {
        g_autofree char *where = cell >= 0 ? verify_cell_text(r, cell) : NULL;
        g_autofree char *msg =
            where ? g_strdup_printf("%s: grid point %d (%s) is healthy in most of its runs: "
                                    "nothing to fix",
                                    dir, cell, where)
                  : g_strdup_printf("%s: every grid point is healthy in most of its "
                                    "runs: nothing to fix",
                                    dir);
        fixes_print(msg);
        return 0;
    }
    if (!vc) {
        g_autofree char *msg = g_strdup_printf("%s: %u grid points collapsed or warned; choose one with "
                                               "--cell N:",
                                               dir, r->cells->len);
        fixes_printerr(msg);
        for (guint i = 0; i < r->cells->len; i++) {
            const verify_cell *c = r->cells->pdata[i];
            g_autofree char *where = verify_cell_text(r, c->cell);
            g_autofree char *fix = c->verified >= 0
                                       ? verify_fix_text(r->trials->pdata[c->verified])
                                       : g_strdup("no fix verified");
            g_autofree char *line = g_strdup_printf("  --cell %d  %s: %s", c->cell, where, fix);
            g_autofree char *shown = term_escape(line, FALSE);
            g_printerr("%s\n", shown);
        }
        return 2;
    }
    g_autofree char *where = verify_cell_text(r, vc->cell);
    if (vc->verified < 0) {
        g_autoptr(GString) why = g_string_new(NULL);
        g_string_append_printf(why, "%s: %s%sno fix verified", dir, where, *where ? ": " : "");
        if (vc->data_cause && !vc->candidates)
            g_string_append_printf(why, " (%s: no configuration change can help; fix the data)",
                                   vc->data_cause);
        else if (!vc->tried)
            g_string_append(why, vc->candidates ? " (no budget left to try the candidates: "
                                                  "run again with --set verify=2)"
                                                : " (the findings proposed none)");
        else if (r->budget - r->runs_added < vc->runs)
            g_string_append(why, " (the budget ran out: run the experiment again with --set "
                                 "verify=2 to try more)");
        fixes_printerr(why->str);
        for (guint i = 0; i < r->trials->len; i++) {
            const verify_trial *t = r->trials->pdata[i];
            if (t->cell != vc->cell)
                continue;
            g_autofree char *fix = verify_fix_text(t);
            g_autofree char *change = verify_change_text(t);
            g_autofree char *line = g_strdup_printf("  tried %s (%s): %s, %d learned", fix,
                                                    t->cause, change, t->learned);
            g_autofree char *shown = term_escape(line, FALSE);
            g_printerr("%s\n", shown);
        }
        return 1;
    }
    const verify_trial *t = r->trials->pdata[vc->verified];
    g_autofree char *cfg = g_build_filename(dir, "experiment.cfg", NULL);
    g_autoptr(plan) s = plan_new(cfg, NULL, reg, host, FALSE, &err);
    if (!s) {
        fixes_printerr(err->message);
        return 2;
    }
    if (s->n_cells != (int)r->cell_labels->len) {
        g_autofree char *msg = g_strdup_printf("%s: experiment.cfg has %d grid points, the "
                                               "verification %u: run the experiment again",
                                               dir, s->n_cells, r->cell_labels->len);
        fixes_printerr(msg);
        return 2;
    }
    g_autoptr(experiment) x = verify_fixed_experiment(s, vc->cell, t->edits, reg, &err);
    if (!x) {
        fixes_printerr(err->message);
        return 2;
    }
    g_autofree char *name = g_strdup_printf("%s-fixed", x->top.name);
    g_free(x->top.name);
    x->top.name = g_steal_pointer(&name);
    g_autofree char *header = fixes_header(r, t, dir);
    g_autofree char *body = experiment_to_text(x, NULL);
    g_autofree char *text = g_strconcat(header, body, NULL);
    g_autofree char *file = s->n_cells > 1 ? g_strdup_printf("fixed-cell%d.cfg", vc->cell)
                                           : g_strdup("fixed.cfg");
    g_autofree char *path = out ? g_strdup(out) : g_build_filename(dir, file, NULL);
    if (!g_file_set_contents(path, text, -1, &err)) {
        g_autofree char *msg = g_strdup_printf("%s: cannot write it: %s", path, err->message);
        fixes_printerr(msg);
        return 1;
    }
    g_autofree char *fix = verify_fix_text(t);
    g_autofree char *change = verify_change_text(t);
    g_autofree char *done = g_strdup_printf("%s%s%s -> %s (%s); run it with: flatline run %s",
                                            where, *where ? ": " : "", fix, path, change, path);
    fixes_print(done);
    return 0;
}
