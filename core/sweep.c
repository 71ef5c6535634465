/* sweep.c — see sweep.h.  Run seeds are the experiment's seed plus the repeat index, so
 * every grid point sees the same seeds (paired comparisons) and one run is reproduced by
 * its run.cfg alone.  A run is skipped when its run.result exists with the same
 * fingerprint (a hash of its resolved configuration); a different fingerprint means the
 * directory holds another experiment, which is refused rather than mixed.  What may be
 * written or deleted in the directory, and who may write it at once, is outdir.c's. */
#include "sweep.h"
#include "results.h"
#include "train.h"
#include "diagnosis.h"
#include "pool.h"
#include "outdir.h"
#include "term.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static void run_plan_free(run_plan *r)
{
    g_free(r->id);
    if (r->overrides)
        g_ptr_array_free(r->overrides, TRUE);
    g_strfreev(r->labels);
    experiment_free(r->exp);
    g_free(r->cfg_text);
    g_free(r->fingerprint);
    g_free(r);
}

void sweep_free(sweep *s)
{
    if (!s)
        return;
    experiment_file_free(s->file);
    experiment_free(s->base);
    g_strfreev(s->axis_keys);
    if (s->runs)
        g_ptr_array_free(s->runs, TRUE);
    g_free(s);
}

static override *override_copy(const override *o)
{
    override *c = g_new0(override, 1);
    c->key = g_strdup(o->key);
    c->text = g_strdup(o->text);
    c->origin = g_strdup(o->origin);
    return c;
}

/* The hash of a run's resolved configuration, its comment header left out: the header
 * names the file it was resolved from, and the same run resolved from DIR/experiment.cfg
 * (as merging does) must hash the same. */
static char *fingerprint_of(const char *cfg_text)
{
    const char *body = cfg_text;
    while (*body == '#') {
        const char *nl = strchr(body, '\n');
        if (!nl)
            break;
        body = nl + 1;
    }
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, body, -1);
}

/* The parts of a resolved file that decide the data and the model's shape. */
static char *shape_key(const char *cfg_text)
{
    GString *k = g_string_new(NULL);
    g_auto(GStrv) lines = g_strsplit(cfg_text, "\n", -1);
    gboolean keep = FALSE;
    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "dataset =") || g_str_has_prefix(*l, "model ="))
            keep = TRUE;
        else if (g_str_has_prefix(*l, "loss =") || g_str_has_prefix(*l, "seed =") ||
                 g_str_has_prefix(*l, "optimizer ="))
            keep = FALSE;
        if (keep)
            g_string_append_printf(k, "%s\n", *l);
    }
    return g_string_free(k, FALSE);
}

sweep *sweep_plan(const char *path, GPtrArray *sets, registry *reg, fl_host *host,
                  gboolean check_data, GError **error)
{
    g_autoptr(sweep) s = g_new0(sweep, 1);
    s->file = experiment_file_read(path, error);
    if (!s->file)
        return NULL;
    s->base = experiment_resolve(s->file, sets, reg, error);
    if (!s->base)
        return NULL;
    GPtrArray *axes = s->file->axes;
    g_autoptr(GStrvBuilder) kb = g_strv_builder_new();
    int n_cells = 1;
    for (guint a = 0; a < axes->len; a++) {
        const grid_axis *ax = axes->pdata[a];
        if (strcmp(ax->key, "repeats") == 0 || g_str_has_prefix(ax->key, "grid")) {
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                        "%s:%d: grid: \"%s\" cannot be a grid axis (use repeats for replicates)",
                        path, ax->line, ax->key);
            return NULL;
        }
        for (guint k = 0; sets && k < sets->len; k++)
            if (strcmp(((override *)sets->pdata[k])->key, ax->key) == 0) {
                g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                            "--set %s: this key is a grid axis (%s:%d): edit its values in "
                            "the grid, or remove the axis to --set one value",
                            ax->key, path, ax->line);
                return NULL;
            }
        g_strv_builder_add(kb, ax->key);
        if (n_cells > G_MAXINT / (int)ax->values->len) {
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID, "%s: the grid is too large",
                        path);
            return NULL;
        }
        n_cells *= (int)ax->values->len;
    }
    s->axis_keys = g_strv_builder_end(kb);
    s->n_cells = n_cells;
    int repeats = s->base->top.repeats;
    if ((gint64)n_cells * repeats > 10000000) {
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                    "%s: %d grid points x %d repeats is more runs than flatline will plan", path,
                    n_cells, repeats);
        return NULL;
    }
    int total = n_cells * repeats;
    int width = MAX(4, (int)g_snprintf(NULL, 0, "%d", total - 1));
    s->runs = g_ptr_array_new_with_free_func((GDestroyNotify)run_plan_free);
    g_autoptr(GHashTable) checked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (int cell = 0; cell < n_cells; cell++) {
        /* Mixed-radix digits of the cell, first axis slowest. */
        g_autofree int *digit = g_new0(int, MAX(axes->len, 1u));
        int rest = cell;
        for (guint a = axes->len; a-- > 0;) {
            int n = (int)((grid_axis *)axes->pdata[a])->values->len;
            digit[a] = rest % n;
            rest /= n;
        }
        g_autoptr(GPtrArray) ov = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
        for (guint k = 0; sets && k < sets->len; k++)
            g_ptr_array_add(ov, override_copy(sets->pdata[k]));
        g_autoptr(GStrvBuilder) lb = g_strv_builder_new();
        for (guint a = 0; a < axes->len; a++) {
            const grid_axis *ax = axes->pdata[a];
            override *o = g_new0(override, 1);
            o->key = g_strdup(ax->key);
            o->text = g_strdup(ax->values->pdata[digit[a]]);
            o->origin = g_strdup_printf("%s:%d: grid value %s = %s", path, ax->line, ax->key,
                                        (char *)ax->values->pdata[digit[a]]);
            g_ptr_array_add(ov, o);
            g_strv_builder_add(lb, ax->labels->pdata[digit[a]]);
        }
        g_auto(GStrv) labels = g_strv_builder_end(lb);
        for (int r = 0; r < repeats; r++) {
            run_plan *p = g_new0(run_plan, 1);
            g_ptr_array_add(s->runs, p);
            p->index = cell * repeats + r;
            p->id = g_strdup_printf("r%0*d", width, p->index);
            p->cell = cell;
            p->repeat = r;
            p->labels = g_strdupv(labels);
            p->overrides = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
            for (guint k = 0; k < ov->len; k++)
                g_ptr_array_add(p->overrides, override_copy(ov->pdata[k]));
            /* On failure the message names the grid value at fault (its origin). */
            p->exp = experiment_resolve(s->file, p->overrides, reg, error);
            if (!p->exp)
                return NULL;
            p->seed = (gint64)p->exp->top.seed + r;
            p->exp->top.seed = (int)p->seed;
            p->exp->top.repeats = 1;
            p->cfg_text = experiment_to_text(p->exp, NULL);
            p->fingerprint = fingerprint_of(p->cfg_text);
            /* run.cfg is named after the run, so that running it to reproduce the run writes
             * into results/<name>-<run>, never into the sweep it came from.  The fingerprint
             * keeps the experiment's name: results saved before run files had names of their
             * own still resume. */
            char *run_name = g_strdup_printf("%s-%s", p->exp->top.name, p->id);
            g_free(p->exp->top.name);
            p->exp->top.name = run_name;
            g_free(p->cfg_text);
            p->cfg_text = experiment_to_text(p->exp, NULL);
            if (check_data) {
                char *key = shape_key(p->cfg_text);
                if (!g_hash_table_contains(checked, key)) {
                    g_hash_table_add(checked, key);
                    if (!train_check(p->exp, host, error)) {
                        if (axes->len)
                            g_prefix_error(error, "run %s: ", p->id);
                        return NULL;
                    }
                } else {
                    g_free(key);
                }
            }
        }
    }
    return g_steal_pointer(&s);
}

static const char *status_name(run_status st)
{
    switch (st) {
    case RUN_OK: return "ok";
    case RUN_CRASHED: return "crashed";
    case RUN_TIMEOUT: return "timeout";
    }
    return "crashed";
}

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

/* One line per run: what it was, what happened, and for a collapse the cause and fix. */
void sweep_print_run(const sweep *s, const run_plan *p, const run_record *rec)
{
    g_autoptr(GString) line = g_string_new(NULL);
    g_string_append_printf(line, "%s", p->id);
    for (guint a = 0; s->axis_keys[a]; a++)
        g_string_append_printf(line, " %s=%s", s->axis_keys[a], p->labels[a]);
    g_string_append_printf(line, " seed=%" G_GINT64_FORMAT ": ", p->seed);
    if (strcmp(rec->status, "ok") != 0) {
        g_string_append_printf(line, "%s: %s", rec->status, rec->reason ? rec->reason : "");
        print_line(line->str);
        return;
    }
    g_autofree char *primary = g_strdup(rec->causes);
    char *semi = strchr(primary, ';');
    if (semi)
        *semi = '\0';
    g_string_append(line, rec->verdict);
    if (*primary)
        g_string_append_printf(line, " (%s)", primary);
    if (rec->stopped_early)
        g_string_append_printf(line, ", stopped at epoch %d of %d", rec->epochs_run,
                               rec->epochs_planned);
    g_string_append_printf(line, ", loss %.4g", rec->final_loss);
    if (rec->advice && *rec->advice && strcmp(rec->verdict, "healthy") != 0)
        g_string_append_printf(line, " - fix: %s", rec->advice);
    print_line(line->str);
}

/* The table at the end: collapse rate per grid point with its interval and causes, then
 * for each grid point that collapsed the fix its most common primary cause calls for. */
static void print_cells(const sweep *s, GPtrArray *cells, GPtrArray *records,
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
        const char *advice = NULL;
        for (guint r = 0; r < records->len && !advice; r++) {
            const run_record *rec = records->pdata[r];
            if (rec->cell == c->cell && rec->advice && g_str_has_prefix(rec->causes, cause) &&
                (rec->causes[strlen(cause)] == ';' || rec->causes[strlen(cause)] == '\0'))
                advice = rec->advice;
        }
        if (!advice)
            continue;
        if (!header)
            g_print("\nfixes:\n");
        header = TRUE;
        g_autoptr(GString) where = g_string_new(NULL);
        for (guint a = 0; s->axis_keys[a]; a++)
            g_string_append_printf(where, "%s%s=%s", a ? " " : "", s->axis_keys[a], c->labels[a]);
        g_autofree char *fix = g_strdup_printf("  %s%s%s: %s", where->str,
                                               where->len ? " " : "", cause, advice);
        print_line(fix);
    }
}

static run_record *record_new(const sweep *s, const run_plan *p)
{
    run_record *rec = g_new0(run_record, 1);
    rec->id = g_strdup(p->id);
    rec->index = p->index;
    rec->cell = p->cell;
    rec->seed = p->seed;
    rec->fingerprint = g_strdup(p->fingerprint);
    rec->axis_keys = g_strdupv(s->axis_keys);
    rec->axis_values = g_strdupv(p->labels);
    rec->epochs_planned = p->exp->train.epochs;
    rec->final_loss = NAN;
    rec->baseline_loss = rec->final_data_loss = rec->final_accuracy = NAN;
    rec->majority_accuracy = NAN;
    return rec;
}

gboolean sweep_run_one(sweep *s, const run_plan *p, const char *out_dir, fl_host *host,
                       GError **error)
{
    run_output out;
    GError *err = NULL;
    if (!train_run(p->exp, (uint64_t)p->seed, host, &out, &err)) {
        /* Checked before the sweep; if it still fails (a file changed), say so per run. */
        out.status = RUN_CRASHED;
        out.reason = g_strdup(err->message);
        g_clear_error(&err);
    }
    g_autoptr(run_record) rec = record_new(s, p);
    rec->status = g_strdup(status_name(out.status));
    rec->reason = g_strdup(out.reason);
    rec->verdict = g_strdup(out.status == RUN_OK ? verdict_name(out.verdict) : "healthy");
    rec->causes = g_strdup(out.causes ? out.causes : "");
    if (out.findings && out.findings->len)
        rec->advice = g_strdup(((finding_rec *)out.findings->pdata[0])->advice);
    rec->final_loss = out.final_loss;
    rec->epochs_run = out.epochs_run;
    rec->epochs_planned = out.epochs_planned;
    rec->stopped_early = out.stopped_early;
    rec->wall_ms = out.wall_ms;
    rec->baseline_loss = out.baseline_loss;
    rec->final_data_loss = out.final_data_loss;
    rec->final_accuracy = out.final_accuracy;
    rec->majority_accuracy = out.majority_accuracy;
    if (!out.metrics)
        out.metrics = g_string_new(NULL);
    gboolean saved = results_save_run(out_dir, rec, &out, p->cfg_text, error);
    run_output_clear(&out);
    return saved;
}

gboolean sweep_record_failure(sweep *s, const run_plan *p, const char *out_dir,
                              const char *status, const char *reason, double wall_ms,
                              GError **error)
{
    g_autoptr(run_record) rec = record_new(s, p);
    rec->status = g_strdup(status);
    rec->reason = g_strdup(reason);
    rec->verdict = g_strdup("healthy");
    rec->causes = g_strdup("");
    rec->wall_ms = wall_ms;
    run_output out = {0};
    out.metrics = g_string_new(NULL);
    out.final_loss = out.final_val_loss = NAN;
    gboolean saved = results_save_run(out_dir, rec, &out, p->cfg_text, error);
    run_output_clear(&out);
    return saved;
}

/* The finished runs of the plan found in dir (run_record*, in plan order); missing (may be
 * NULL) receives the plan positions without a result. */
static gboolean load_records(const sweep *s, const char *dir, GPtrArray **records,
                             GArray *missing, GError **error)
{
    *records = g_ptr_array_new_with_free_func((GDestroyNotify)run_record_free);
    for (guint i = 0; i < s->runs->len; i++) {
        const run_plan *p = s->runs->pdata[i];
        GError *err = NULL;
        run_record *rec = results_load_run(dir, p->id, &err);
        if (err) {
            g_propagate_error(error, err);
            return FALSE;
        }
        if (rec && strcmp(rec->fingerprint, p->fingerprint) != 0) {
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                        "%s/runs/%s was run with another configuration than %s/experiment.cfg "
                        "says: the directory mixes experiments",
                        dir, p->id, dir);
            run_record_free(rec);
            return FALSE;
        }
        if (rec)
            g_ptr_array_add(*records, rec);
        else if (missing)
            g_array_append_val(missing, i);
    }
    return TRUE;
}

/* summary.csv and cells.csv from the finished runs; cells: per grid point. */
static gboolean write_tables(const sweep *s, const char *dir, GPtrArray *records,
                             GPtrArray **cells, GError **error)
{
    g_autoptr(GPtrArray) labels = g_ptr_array_new();
    for (guint i = 0; i < s->runs->len; i++) {
        const run_plan *p = s->runs->pdata[i];
        if (p->repeat == 0)
            g_ptr_array_add(labels, p->labels);
    }
    *cells = results_cells(records, labels);
    return results_write_summary(dir, records, s->axis_keys, error) &&
           results_write_cells(dir, *cells, s->axis_keys, error);
}

sweep *sweep_merge(const char *dir, registry *reg, fl_host *host, GArray *missing,
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
    g_autoptr(sweep) s = sweep_plan(path, NULL, reg, host, FALSE, error);
    if (!s) {
        g_prefix_error(error, "%s: ", dir);
        return NULL;
    }
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(GPtrArray) cells = NULL;
    if (!load_records(s, dir, &records, missing, error) ||
        !write_tables(s, dir, records, &cells, error))
        return NULL;
    return g_steal_pointer(&s);
}

static gboolean sweep_run_locked(sweep *s, const sweep_options *opt, sweep_totals *totals,
                                 GError **error);

gboolean sweep_run(sweep *s, const sweep_options *opt, sweep_totals *totals, GError **error)
{
    memset(totals, 0, sizeof *totals);
    /* Before anything is created in it: a directory that is not flatline's stays as it is. */
    if (!outdir_check(opt->out_dir, opt->path, error) || !ensure_dir(opt->out_dir, error))
        return FALSE;
    g_autoptr(outdir_lock) lock =
        outdir_lock_take(opt->out_dir, opt->shard_index, opt->shard_count, error);
    if (!lock)
        return FALSE;
    return sweep_run_locked(s, opt, totals, error);
}

static gboolean sweep_run_locked(sweep *s, const sweep_options *opt, sweep_totals *totals,
                                 GError **error)
{
    g_autofree char *runs_dir = g_build_filename(opt->out_dir, "runs", NULL);
    if (opt->force && opt->shard_count <= 1)
        outdir_clear(opt->out_dir);
    if (!ensure_dir(runs_dir, error))
        return FALSE;

    /* Refuse a directory that holds another experiment's runs before touching anything. */
    g_autoptr(GArray) pending = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < s->runs->len; i++) {
        run_plan *p = s->runs->pdata[i];
        gboolean mine = opt->shard_count <= 1 || p->index % opt->shard_count == opt->shard_index;
        GError *err = NULL;
        g_autoptr(run_record) rec = results_load_run(opt->out_dir, p->id, &err);
        if (err && !opt->force) {
            g_propagate_error(error, err);
            return FALSE;
        }
        g_clear_error(&err);
        if (rec && strcmp(rec->fingerprint, p->fingerprint) != 0 && !opt->force) {
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                        "%s holds results of a different experiment (run %s was run with "
                        "another configuration): rerun with --force to replace them, or "
                        "choose another directory with -o",
                        opt->out_dir, p->id);
            return FALSE;
        }
        if (!mine)
            continue;
        totals->planned++;
        /* Finished means finished well: crashed and timed-out runs are tried again. */
        if (rec && !opt->force && strcmp(rec->status, "ok") == 0)
            totals->skipped++;
        else
            g_array_append_val(pending, i);
    }
    /* Only once the whole directory passed: no run is touched in one that is refused. */
    for (guint k = 0; k < pending->len; k++) {
        const run_plan *p = s->runs->pdata[g_array_index(pending, guint, k)];
        if (!outdir_prepare_run(opt->out_dir, p->id, error))
            return FALSE;
    }

    g_autofree char *exp_cfg_path = g_build_filename(opt->out_dir, "experiment.cfg", NULL);
    g_autofree char *exp_cfg = experiment_to_text(s->base, s->file->axes);
    if (!results_write(exp_cfg_path, exp_cfg, -1, TRUE, error))
        return FALSE;

    pool_result pr;
    if (!pool_run(s, opt, pending, &pr, error))
        return FALSE;
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
    if (!load_records(s, opt->out_dir, &finished, NULL, error))
        return FALSE;
    if (!write_tables(s, opt->out_dir, finished, &cells, &tables_err)) {
        g_printerr("flatline: %s\n", tables_err->message);
        g_error_free(tables_err);
        totals->tables_unsaved = TRUE;
    }
    for (guint i = 0; i < finished->len; i++) {
        const run_record *rec = finished->pdata[i];
        gboolean mine = opt->shard_count <= 1 || rec->index % opt->shard_count == opt->shard_index;
        if (mine && strcmp(rec->status, "ok") == 0)
            totals->ok++;
        else if (mine && strcmp(rec->status, "timeout") == 0)
            totals->timeout++;
        else if (mine)
            totals->crashed++;
    }
    /* Printed with --quiet too: the table is the result. */
    if (!opt->no_table)
        print_cells(s, cells, finished, !opt->verifying);
    return TRUE;
}
