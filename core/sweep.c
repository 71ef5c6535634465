/* sweep.c — see sweep.h.  A run is skipped when its run.result exists with the plan's
 * fingerprint (a hash of the resolved experiment); another fingerprint means the directory
 * holds another experiment, which is refused rather than mixed (runs saved by versions
 * that hashed each run's own configuration are compared with that hash instead).  What may be
 * written or deleted in the directory, and who may write it at once, is outdir.c's. */
#include "sweep.h"
#include "results.h"
#include "pool.h"
#include "outdir.h"
#include "term.h"
#include "stop.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static gboolean ensure_dir(const char *dir, GError **error)
{
    if (g_mkdir_with_parents(dir, 0755) != 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                    "%s: cannot create the results directory: %s; choose another directory "
                    "with -o",
                    dir, g_strerror(e));
        return FALSE;
    }
    return TRUE;
}

/* One line of the terminal report: values from files (grid values, reasons, causes) may
 * hold control characters, tabs and newlines, shown escaped so the line stays one line. */
static void print_line(const char *line)
{
    g_autofree char *shown = term_escape(line, FALSE);
    g_print("%s\n", shown);
}

/* The table at the end: collapse rate per grid point with its interval and causes, then
 * for each grid point that collapsed the fix its most common primary cause calls for. */
static void print_cells(const plan *s, GPtrArray *cells, GPtrArray *records,
                        gboolean advice)
{
    guint n_axes = g_strv_length(s->axis_keys);
    g_autoptr(GString) head = g_string_new(NULL);
    for (guint a = 0; a < n_axes; a++)
        g_string_append_printf(head, "%-16s ", s->axis_keys[a]);
    g_string_append(head, "collapsed  rate (95% CI)        primary causes");
    g_print("\n");
    print_line(head->str);
    for (guint i = 0; i < cells->len; i++) {
        const cell_stats *c = cells->pdata[i];
        if (!c->runs)
            continue;
        g_autoptr(GString) row = g_string_new(NULL);
        for (guint a = 0; a < n_axes; a++)
            g_string_append_printf(row, "%-16s ", c->labels[a]);
        g_autofree char *frac = g_strdup_printf("%d/%d", c->collapsed, c->runs);
        g_string_append_printf(row, "%-10s %3.0f%% (%3.0f-%3.0f%%)     %s", frac, 100 * c->rate,
                               100 * c->lo, 100 * c->hi, c->primary);
        print_line(row->str);
    }
    gboolean header = FALSE;
    for (guint i = 0; advice && i < cells->len; i++) {
        const cell_stats *c = cells->pdata[i];
        if (!c->collapsed || !*c->primary)
            continue;
        g_autofree char *cause = g_strdup(c->primary);
        *strchr(cause, ':') = '\0';
        /* The advice of the first run of this point whose primary cause is that one. */
        const char *run_advice = NULL;
        for (guint r = 0; r < records->len && !run_advice; r++) {
            const run_result *rec = records->pdata[r];
            if (rec->cell == c->cell && rec->advice && g_str_has_prefix(rec->causes, cause) &&
                (rec->causes[strlen(cause)] == ';' || rec->causes[strlen(cause)] == '\0'))
                run_advice = rec->advice;
        }
        if (!run_advice)
            continue;
        if (!header)
            g_print("\nfixes:\n");
        header = TRUE;
        g_autoptr(GString) where = g_string_new(NULL);
        for (guint a = 0; s->axis_keys[a]; a++)
            g_string_append_printf(where, "%s%s=%s", a ? " " : "", s->axis_keys[a], c->labels[a]);
        g_autofree char *fix = g_strdup_printf("  %s%s%s: %s", where->str,
                                               where->len ? " " : "", cause, run_advice);
        print_line(fix);
    }
}

/* The finished runs of the plan found in dir (run_result*, in plan order); missing (may be
 * NULL) receives the plan positions without a result.  read (may be NULL): records read
 * already, by plan position, taken from there. */
static gboolean load_records(plan *s, const char *dir, GPtrArray **records, GArray *missing,
                             run_result **read, GError **error)
{
    *records = g_ptr_array_new_with_free_func((GDestroyNotify)run_result_free);
    for (int i = 0; i < s->n_runs; i++) {
        g_autofree char *id = plan_run_id(s, i);
        GError *err = NULL;
        run_result *rec = read ? g_steal_pointer(&read[i]) : NULL;
        if (!rec)
            rec = results_load_run(dir, id, &err);
        if (err) {
            g_propagate_error(error, err);
            return FALSE;
        }
        if (rec && !plan_owns_saved_run(s, i, rec->fingerprint)) {
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                        "%s/runs/%s was run with another configuration than %s/experiment.cfg "
                        "says: the directory mixes experiments",
                        dir, id, dir);
            run_result_free(rec);
            return FALSE;
        }
        if (rec)
            g_ptr_array_add(*records, rec);
        else if (missing) {
            guint u = (guint)i;
            g_array_append_val(missing, u);
        }
    }
    return TRUE;
}

/* summary.csv and cells.csv from the finished runs; cells: per grid point. */
static gboolean write_tables(const plan *s, const char *dir, GPtrArray *records,
                             GPtrArray **cells, GError **error)
{
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    for (int c = 0; c < s->n_cells; c++)
        g_ptr_array_add(labels, plan_cell_labels(s, c));
    *cells = results_cells(records, labels);
    return results_write_summary(dir, records, s->axis_keys, error) &&
           results_write_cells(dir, *cells, s->axis_keys, error);
}

plan *sweep_merge(const char *dir, registry *reg, fl_host *host, GArray *missing,
                   GError **error)
{
    g_autofree char *path = g_build_filename(dir, "experiment.cfg", NULL);
    g_autofree char *runs = g_build_filename(dir, "runs", NULL);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    "%s: not a flatline results directory (no experiment.cfg)", dir);
        return NULL;
    }
    /* An experiment file of the user's beside no runs: merging would write tables, charts
     * and a report among the user's files. */
    if (!outdir_holds_results(dir) &&
        !(g_file_test(runs, G_FILE_TEST_IS_DIR) && !g_file_test(runs, G_FILE_TEST_IS_SYMLINK))) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    "%s: not a flatline results directory (its experiment.cfg is not one "
                    "flatline wrote, and it has no runs/): give the directory flatline run wrote",
                    dir);
        return NULL;
    }
    /* Merging writes tables, and charts and a report follow: never through a link. */
    if (!outdir_check(dir, NULL, error))
        return NULL;
    g_autoptr(plan) s = plan_new(path, NULL, reg, host, FALSE, error);
    if (!s) {
        g_prefix_error(error, "%s: ", dir);
        return NULL;
    }
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(GPtrArray) cells = NULL;
    if (!load_records(s, dir, &records, missing, NULL, error) ||
        !write_tables(s, dir, records, &cells, error))
        return NULL;
    return g_steal_pointer(&s);
}

static gboolean sweep_run_locked(plan *s, const sweep_options *opt, sweep_totals *totals,
                                 GError **error);

gboolean sweep_run(plan *s, const sweep_options *opt, sweep_totals *totals, GError **error)
{
    memset(totals, 0, sizeof *totals);
    /* Before anything is created in it: a directory that is not flatline's stays as it is. */
    if (!outdir_check(opt->out_dir, opt->path, error) || !ensure_dir(opt->out_dir, error))
        return FALSE;
    stop_guard stop;
    stop_catch(&stop);
    g_autoptr(outdir_lock) lock =
        outdir_lock_take(opt->out_dir, opt->shard_index, opt->shard_count, error);
    gboolean ok = lock && sweep_run_locked(s, opt, totals, error);
    stop_release(&stop);
    return ok;
}

static gboolean sweep_run_locked(plan *s, const sweep_options *opt, sweep_totals *totals,
                                 GError **error)
{
    g_autofree char *runs_dir = g_build_filename(opt->out_dir, "runs", NULL);
    if (opt->force && opt->shard_count <= 1)
        outdir_clear(opt->out_dir);
    if (!ensure_dir(runs_dir, error))
        return FALSE;

    /* Refuse a directory that holds another experiment's runs before touching anything. */
    g_autoptr(GArray) pending = g_array_new(FALSE, FALSE, sizeof(guint));
    /* A new directory (or one --force emptied) has nothing to look for run by run: three
     * failed lookups a run, two thirds of the coordinator's system calls in a 1,200-run
     * sweep, all before the first worker starts. */
    gboolean any = results_any_run(opt->out_dir);
    for (int i = 0; i < s->n_runs; i++) {
        g_autofree char *id = plan_run_id(s, i);
        gboolean mine = opt->shard_count <= 1 || i % opt->shard_count == opt->shard_index;
        GError *err = NULL;
        g_autoptr(run_result) rec = any ? results_load_run(opt->out_dir, id, &err) : NULL;
        if (err && !opt->force) {
            g_propagate_error(error, err);
            return FALSE;
        }
        g_clear_error(&err);
        if (rec && !opt->force && !plan_owns_saved_run(s, i, rec->fingerprint)) {
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                        "%s holds results of a different experiment (run %s was run with "
                        "another configuration): rerun with --force to replace them, or "
                        "choose another directory with -o",
                        opt->out_dir, id);
            return FALSE;
        }
        if (!mine)
            continue;
        totals->planned++;
        /* Finished means finished well: crashed and timed-out runs are tried again. */
        if (rec && !opt->force && rec->status == RUN_OK)
            totals->skipped++;
        else {
            guint u = (guint)i;
            g_array_append_val(pending, u);
        }
    }
    /* Only once the whole directory passed: no run is touched in one that is refused. */
    for (guint k = 0; any && k < pending->len; k++) {
        g_autofree char *id = plan_run_id(s, (int)g_array_index(pending, guint, k));
        if (!outdir_prepare_run(opt->out_dir, id, error))
            return FALSE;
    }

    g_autofree char *exp_cfg_path = g_build_filename(opt->out_dir, "experiment.cfg", NULL);
    if (!results_write(exp_cfg_path, s->experiment_cfg, -1, TRUE, error))
        return FALSE;

    pool_result pr;
    gboolean pool_ok = pool_run(s, opt, pending, &pr, error);
    if (!pool_ok) {
        pool_result_clear(&pr, s->n_runs);
        return FALSE;
    }
    totals->ran = pr.finished;
    totals->unsaved = pr.unsaved;
    totals->interrupted = pr.interrupted;
    totals->unfinished = (int)pending->len - pr.finished - pr.unsaved;

    /* Summary over every finished run, including those of earlier invocations.  Runs have
     * run by now: tables that cannot be written (a full disk) fail the sweep, not its
     * runs, which are saved. */
    g_autoptr(GPtrArray) finished = NULL;
    g_autoptr(GPtrArray) cells = NULL;
    GError *tables_err = NULL;
    gboolean loaded = load_records(s, opt->out_dir, &finished, NULL, pr.records, error);
    pool_result_clear(&pr, s->n_runs);
    if (!loaded)
        return FALSE;
    if (!write_tables(s, opt->out_dir, finished, &cells, &tables_err)) {
        g_printerr("flatline: %s\n", tables_err->message);
        g_error_free(tables_err);
        totals->tables_unsaved = TRUE;
    }
    for (guint i = 0; i < finished->len; i++) {
        const run_result *rec = finished->pdata[i];
        gboolean mine = opt->shard_count <= 1 || rec->index % opt->shard_count == opt->shard_index;
        if (mine && rec->status == RUN_OK)
            totals->ok++;
        else if (mine && rec->status == RUN_TIMEOUT)
            totals->timeout++;
        else if (mine)
            totals->crashed++;
    }
    /* Printed with --quiet too: the table is the result. */
    if (!opt->no_table)
        print_cells(s, cells, finished, !opt->verifying);
    return TRUE;
}
