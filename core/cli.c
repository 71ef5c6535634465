/* cli.c — subcommands and their options (GOptionContext each).  Nothing here exits below
 * cli_main: commands return the exit status and errors travel up as GErrors. */
#include "cli.h"
#include "config.h"
#include "host.h"
#include "lint.h"
#include "listing.h"
#include "params.h"
#include "suggest.h"
#include "registry.h"
#include "plan.h"
#include "sweep.h"
#include "pool.h"
#include "worker.h"
#include "plot.h"
#include "report.h"
#include "slurm.h"
#include "term.h"
#include "verify.h"
#include "outdir.h"
#include "plotdata.h"
#include "results.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libconfig.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_RUNS_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERRUPTED = 130 };

static const char usage_text[] =
    "usage: flatline COMMAND [OPTIONS]\n"
    "\n"
    "Finds out why a neural network predicts the same thing for every input.\n"
    "\n"
    "commands:\n"
    "  run FILE.cfg      train every run of an experiment into a results directory\n"
    "  check FILE.cfg    validate and lint the experiment, list its runs; train nothing\n"
    "  plugins [KIND [NAME]]  list plugins (layer, loss, optimizer, schedule,\n"
    "                    initializer, dataset, detector, activation), or show one\n"
    "  plot DIR          redraw the charts of a results directory\n"
    "  report DIR        rewrite DIR/report.html\n"
    "  fix DIR           write the experiment with a collapsed grid point's verified\n"
    "                    fix applied, or say why there is none\n"
    "  slurm FILE.cfg    submit an experiment as a Slurm job array\n"
    "                    (sbatch options after --)\n"
    "  unpack DIR [RUN...]  write runs/<run>/ of a sweep run with --compact\n"
    "\n"
    "  flatline COMMAND --help   options of a command\n"
    "  flatline --version\n";

/* Each command's --help ends with what it writes and how it exits. */
static const char exit_text[] =
    "exit status: 0 every run finished (a collapse is a finding, not an error), 1 some run\n"
    "crashed or timed out or some result could not be written, 2 usage or configuration\n"
    "error (nothing run), 130 interrupted (run the same command again to resume).\n"
    "See man flatline.";

/* GOption prints "flatline [OPTION...]": name the command there as well. */
static GOptionContext *command_context(const char *cmd, const char *params, const char *where)
{
    g_autofree char *prg = g_strdup_printf("flatline %s", cmd);
    g_set_prgname(prg);
    GOptionContext *ctx = g_option_context_new(params);
    g_autofree char *desc = g_strdup_printf("%s\n\n%s", where, exit_text);
    g_option_context_set_description(ctx, desc);
    return ctx;
}

static int usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_printerr("flatline: %s\n", msg);
    return EXIT_USAGE;
}

/* ---------------------------------------------------------------- run and check */

typedef struct run_args {
    char *out_dir;
    int jobs;
    char **sets;
    char *shard;
    int threads;
    gboolean no_plots;
    gboolean force;
    gboolean quiet;
    gboolean all; /* check: list every run */
    gboolean no_verify;
    gboolean compact; /* run: results as journal records, not run directories */
    double min_verify; /* fix: a verification budget of at least this, whatever the file says */
    gboolean strict; /* check: exit 1 on a collapsed-level pre-flight finding */
} run_args;

/* Runs `check` lists without --all. */
#define CHECK_MAX_LISTED 1000

static gboolean parse_shard(const char *text, int *index, int *count, GError **error)
{
    if (!text)
        return TRUE;
    g_auto(GStrv) parts = g_strsplit(text, "/", 3);
    guint64 i = 0, n = 0;
    if (g_strv_length(parts) != 2 ||
        !g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXINT, &i, NULL) ||
        !g_ascii_string_to_unsigned(parts[1], 10, 1, G_MAXINT, &n, NULL) || i >= n) {
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                    "--shard %s: expected I/N with 0 <= I < N <= %d, as in --shard 0/4", text,
                    G_MAXINT);
        return FALSE;
    }
    *index = (int)i;
    *count = (int)n;
    return TRUE;
}

/* Inside a Slurm job array, the task is the shard: SLURM_ARRAY_TASK_ID among
 * SLURM_ARRAY_TASK_COUNT tasks, counted from SLURM_ARRAY_TASK_MIN. */
static gboolean slurm_shard(int *index, int *count, GError **error)
{
    const char *id = g_getenv("SLURM_ARRAY_TASK_ID"), *n = g_getenv("SLURM_ARRAY_TASK_COUNT");
    const char *min = g_getenv("SLURM_ARRAY_TASK_MIN");
    if (!id || !n)
        return TRUE;
    gint64 i = 0, c = 0, m = 0;
    if (!g_ascii_string_to_signed(id, 10, 0, G_MAXINT, &i, NULL) ||
        !g_ascii_string_to_signed(n, 10, 1, G_MAXINT, &c, NULL) ||
        (min && !g_ascii_string_to_signed(min, 10, 0, G_MAXINT, &m, NULL)) || i - m < 0 ||
        i - m >= c) {
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                    "SLURM_ARRAY_TASK_ID=%s, SLURM_ARRAY_TASK_COUNT=%s, SLURM_ARRAY_TASK_MIN=%s "
                    "do not describe a task of the array; give --shard I/N",
                    id, n, min ? min : "(unset)");
        return FALSE;
    }
    *index = (int)(i - m);
    *count = (int)c;
    /* Said every time: a shell that kept these variables from an array job would
     * otherwise run a fraction of the sweep without a word. */
    g_printerr("flatline: shard %d/%d from SLURM_ARRAY_TASK_ID=%s (SLURM_ARRAY_TASK_COUNT=%s, "
               "SLURM_ARRAY_TASK_MIN=%s): only the runs whose index mod %d is %d; give --shard "
               "0/1 to run them all\n",
               *index, *count, id, n, min ? min : "0", *count, *index);
    return TRUE;
}

static GPtrArray *parse_sets(char **sets, GError **error)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
    for (char **s = sets; s && *s; s++) {
        override *o = override_parse(*s, error);
        if (!o) {
            g_ptr_array_free(out, TRUE);
            return NULL;
        }
        g_ptr_array_add(out, o);
    }
    return out;
}

/* Charts and report at the end of a run: a missing gnuplot costs the charts, not the run. */
static void draw_and_report(const char *dir, gboolean quiet)
{
    g_autoptr(GError) err = NULL;
    if (!plot_all(dir, "png", &err)) {
        g_printerr("flatline: no charts: %s\n", err->message);
        g_clear_error(&err);
    }
    if (!report_write(dir, &err))
        g_printerr("flatline: no report: %s\n", err->message);
    else if (!quiet)
        g_print("report: %s/report.html\n", dir);
}

/* Plan (and for run, execute) the sweep of one experiment file. */
/* dir_used, when not NULL, receives the results directory of a run (else NULL). */
static int run_experiment(const run_args *a, const char *path, int shard_i, int shard_n,
                          gboolean check_only, char **dir_used)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) sets = parse_sets(a->sets, &err);
    if (!sets) {
        return usage_error("%s", err->message);
    }
    g_autoptr(registry) reg = registry_new();
    host_set_threads(a->threads);
    g_autoptr(fl_host) host = host_new(a->threads, &err);
    if (!host) {
        return usage_error("%s", err->message);
    }
    g_autoptr(plan) s = plan_new(path, sets, reg, host, TRUE, &err);
    if (!s) {
        return usage_error("%s", err->message);
    }
    if (check_only) {
        guint n_axes = g_strv_length(s->axis_keys);
        g_autofree char *shown_path = term_escape(path, FALSE);
        g_autofree char *name = term_escape(s->base->top.name, FALSE);
        g_print("%s: experiment \"%s\", %d grid point%s x %d repeat%s = %u run%s\n",
                shown_path, name, s->n_cells, s->n_cells == 1 ? "" : "s", s->base->top.repeats,
                s->base->top.repeats == 1 ? "" : "s", s->n_runs, s->n_runs == 1 ? "" : "s");
        /* Tab-separated: a tab or newline inside a key or value is escaped with the rest. */
        g_autoptr(GString) head = g_string_new("run");
        for (guint k = 0; k < n_axes; k++) {
            g_autofree char *key = term_escape(s->axis_keys[k], FALSE);
            g_string_append_printf(head, "\t%s", key);
        }
        g_print("%s\tseed\n", head->str);
        /* A million-run grid is a valid experiment; its listing is not worth a terminal. */
        int shown = a->all || s->n_runs <= CHECK_MAX_LISTED ? s->n_runs : CHECK_MAX_LISTED;
        g_autoptr(GString) out = g_string_new(NULL);
        for (int i = 0; i < shown; i++) {
            g_autofree char *id = plan_run_id(s, i);
            g_string_append(out, id);
            g_auto(GStrv) labels = plan_cell_labels(s, plan_cell_of(s, i));
            for (guint k = 0; k < n_axes; k++) {
                g_autofree char *label = term_escape(labels[k], FALSE);
                g_string_append_printf(out, "\t%s", label);
            }
            g_string_append_printf(out, "\t%" G_GINT64_FORMAT "\n", plan_run_seed(s, i));
            if (out->len > 65536) {
                fputs(out->str, stdout);
                g_string_truncate(out, 0);
            }
        }
        fputs(out->str, stdout);
        if (shown < s->n_runs)
            g_print("... and %d more runs (--all lists every run)\n", s->n_runs - shown);
        /* Then what the detectors can tell before any training. */
        g_autoptr(GString) lint = g_string_new(NULL);
        lint_totals lt;
        if (!lint_plan(s, host, lint, &lt, &err))
            return usage_error("%s", err->message);
        g_print("%s", lint->str);
        if (a->strict && lt.collapsed)
            return EXIT_RUNS_FAILED;
        return EXIT_OK;
    }
    g_autofree char *out_dir =
        a->out_dir ? g_strdup(a->out_dir) : g_build_filename("results", s->base->top.name, NULL);
    if (dir_used)
        *dir_used = g_strdup(out_dir);
    int cores = (int)g_get_num_processors();
    int jobs = a->jobs != G_MININT ? a->jobs : MIN(cores, POOL_MAX_JOBS);
    int threads = a->threads != G_MININT ? a->threads : 1;
    if (jobs * threads > cores)
        g_printerr("flatline: warning: -j %d x --threads %d exceeds the %d cores: runs will "
                   "compete for them\n",
                   jobs, threads, cores);
    sweep_options opt = {.out_dir = out_dir,
                         .force = a->force,
                         .quiet = a->quiet,
                         .progress = !a->quiet && isatty(STDOUT_FILENO),
                         .shard_index = shard_i,
                         .shard_count = shard_n,
                         .jobs = jobs,
                         .threads = threads,
                         .path = path,
                         .sets = a->sets,
                         .compact = a->compact};
    /* Fixes are verified over the whole grid: not by one shard. */
    double budget = a->no_verify || shard_n > 1 ? 0 : MAX(s->base->verify, a->min_verify);
    opt.verifying = budget > 0;
    sweep_totals t;
    if (!sweep_run(s, &opt, &t, &err))
        return usage_error("%s", err->message);
    gboolean verify_failed = FALSE;
    g_autoptr(verify_report) verified =
        t.interrupted || shard_n > 1
            ? NULL
            : verify_after_run(s, &opt, reg, host, budget, &verify_failed, &err);
    (void)verified; /* its findings are in the saved tables; kept only to be freed */
    if (verify_failed) {
        g_printerr("flatline: verification: %s\n", err->message);
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_INTR))
            return EXIT_INTERRUPTED;
        t.tables_unsaved = TRUE;
        g_clear_error(&err);
    }
    if (t.skipped && !a->quiet)
        g_print("%d run%s already finished in %s (kept; --force reruns them)\n", t.skipped,
                t.skipped == 1 ? "" : "s", out_dir);
    g_autofree char *unsaved =
        t.unsaved ? g_strdup_printf(", %d not saved", t.unsaved) : g_strdup("");
    g_print("%d run%s: %d ok, %d crashed, %d timed out%s; results in %s\n", t.planned,
            t.planned == 1 ? "" : "s", t.ok, t.crashed, t.timeout, unsaved, out_dir);
    if (t.unsaved || t.tables_unsaved)
        g_printerr("flatline: some results could not be written (see above); the runs saved "
                   "are whole: free some space and run the same command again to finish\n");
    if (!a->no_plots && !t.interrupted && shard_n <= 1)
        draw_and_report(out_dir, a->quiet);
    if (t.interrupted) {
        g_printerr("flatline: interrupted: %d run%s left unfinished; run the same command "
                   "again to resume (finished runs are kept)\n",
                   t.unfinished, t.unfinished == 1 ? "" : "s");
        return EXIT_INTERRUPTED;
    }
    return t.crashed || t.timeout || t.unsaved || t.tables_unsaved ? EXIT_RUNS_FAILED : EXIT_OK;
}

static int cmd_run_or_check(int argc, char **argv, gboolean check_only)
{
    /* G_MININT: not given (0 is a mistake worth naming). */
    run_args a = {.jobs = G_MININT, .threads = G_MININT};
    GOptionEntry run_entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a.out_dir,
         "results directory (default: results/<experiment name>)", "DIR"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &a.jobs, "runs at once, each in its own process "
         "(default: the number of cores)", "JOBS"},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.sets,
         "override a key of the file, grid keys included (repeatable)", "KEY=VALUE"},
        {"shard", 0, 0, G_OPTION_ARG_STRING, &a.shard,
         "run only the runs whose index mod N is I", "I/N"},
        {"threads", 0, 0, G_OPTION_ARG_INT, &a.threads, "oneDNN threads per run (default 1)", "N"},
        {"no-plots", 0, 0, G_OPTION_ARG_NONE, &a.no_plots, "draw no charts at the end", NULL},
        {"force", 0, 0, G_OPTION_ARG_NONE, &a.force, "rerun finished runs too", NULL},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &a.quiet, "print only errors and the summary", NULL},
        {"no-verify", 0, 0, G_OPTION_ARG_NONE, &a.no_verify,
         "do not rerun collapsed grid points with their candidate fixes", NULL},
        {"compact", 0, 0, G_OPTION_ARG_NONE, &a.compact,
         "save each worker's runs in one journal file (DIR/journal/) instead of a directory "
         "per run", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionEntry check_entries[] = {
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.sets,
         "override a key of the file, grid keys included (repeatable)", "KEY=VALUE"},
        {"all", 0, 0, G_OPTION_ARG_NONE, &a.all, "list every run (default: the first 1000)",
         NULL},
        {"strict", 0, 0, G_OPTION_ARG_NONE, &a.strict,
         "exit 1 when a pre-flight finding is collapsed-level (for CI)", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    g_autoptr(GOptionContext) ctx =
        check_only ? command_context("check", "FILE.cfg - validate an experiment, list its runs "
                                     "and lint it",
                                     "Prints the runs (run, grid values, seed) on stdout, then "
                                     "what the detectors' pre-flight\nchecks find on the "
                                     "untrained network of each distinct configuration (not\n"
                                     "per seed; the first 64): a `step` loss, constant targets, "
                                     "a one-unit softmax,\nunscaled inputs.  Writes nothing.  "
                                     "Findings do not change the exit status\nunless --strict: "
                                     "then 1 when one is collapsed-level.")
                   : command_context("run", "FILE.cfg - train every run of an experiment",
                                     "Results go to DIR (default results/<experiment name>): "
                                     "summary.csv, cells.csv,\nruns/<run>/metrics.csv and "
                                     "verdict.json, plots/ and report.html.");
    g_option_context_add_main_entries(ctx, check_only ? check_entries : run_entries, NULL);
    g_autoptr(GError) err = NULL;
    int status = EXIT_OK;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        status = usage_error("%s: %s", argv[0], err->message);
        goto out;
    }
    for (char **set = a.sets; set && *set; set++)
        if (!strchr(*set, '=')) {
            status = usage_error("--set %s: expected KEY=VALUE with an '=' and no space, as in "
                                 "--set %s=%s",
                                 *set, *set, argc > 2 ? argv[2] : "VALUE");
            goto out;
        }
    if (argc != 2) {
        status = usage_error("%s needs exactly one experiment file (see flatline %s --help)",
                             check_only ? "check" : "run", check_only ? "check" : "run");
        goto out;
    }
    if (a.jobs != G_MININT && (a.jobs < 1 || a.jobs > POOL_MAX_JOBS)) {
        status = usage_error("-j %d: give between 1 and %d runs at once", a.jobs, POOL_MAX_JOBS);
        goto out;
    }
    if (a.threads != G_MININT && (a.threads < 1 || a.threads > POOL_MAX_THREADS)) {
        status = usage_error("--threads %d: give between 1 and %d threads per run", a.threads,
                             POOL_MAX_THREADS);
        goto out;
    }
    int shard_i = 0, shard_n = 1;
    if (!parse_shard(a.shard, &shard_i, &shard_n, &err) ||
        (!a.shard && !check_only && !slurm_shard(&shard_i, &shard_n, &err))) {
        status = usage_error("%s", err->message);
        goto out;
    }
    status = run_experiment(&a, argv[1], shard_i, shard_n, check_only, NULL);
out:
    g_free(a.out_dir);
    g_strfreev(a.sets);
    g_free(a.shard);
    return status;
}

/* ---------------------------------------------------------------- plot and report */

/* The experiment names a plugin this machine lacks (an out-of-tree one): the tables saved
 * by the run still hold every result, so charts and report are drawn from them as they are,
 * without merging.  EXIT_USAGE, error kept, when that is not the failure or nothing is
 * saved. */
static int saved_tables_fallback(const char *dir, registry *reg, GError **error)
{
    const GPtrArray *lacking = registry_not_found(reg);
    if (!lacking->len)
        return EXIT_USAGE;
    g_autofree char *summary = g_build_filename(dir, "summary.csv", NULL);
    g_autofree char *cells = g_build_filename(dir, "cells.csv", NULL);
    const char *plugin = lacking->pdata[0];
    if (!g_file_test(summary, G_FILE_TEST_IS_REGULAR) ||
        !g_file_test(cells, G_FILE_TEST_IS_REGULAR)) {
        g_prefix_error(error, "no summary.csv and cells.csv to draw from, and they cannot be "
                       "merged here without the %s plugin (set FLATLINE_PLUGIN_PATH to where it "
                       "is): ", plugin);
        return EXIT_USAGE;
    }
    g_printerr("flatline: %s: the %s plugin is not found here: drawing from the saved "
               "summary.csv, cells.csv and runs/ as they are, without merging them again\n",
               dir, plugin);
    g_clear_error(error);
    return EXIT_OK;
}

/* Merge what every run left in dir (all shards or array tasks) and say what is missing,
 * with the array task that had it when dir/slurm.info tells the task count. */
static int merge_results(const char *dir, GError **error)
{
    g_autoptr(registry) reg = registry_new();
    g_autoptr(fl_host) host = host_new(1, error);
    if (!host)
        return EXIT_USAGE;
    g_autoptr(GArray) missing = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(plan) s = sweep_merge(dir, reg, host, missing, error);
    if (!s)
        return saved_tables_fallback(dir, reg, error);
    if (!missing->len)
        return EXIT_OK;
    g_autofree char *info = g_build_filename(dir, "slurm.info", NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    int tasks = g_key_file_load_from_file(kf, info, G_KEY_FILE_NONE, NULL)
                    ? g_key_file_get_integer(kf, "slurm", "tasks", NULL)
                    : 0;
    g_autoptr(GString) list = g_string_new(NULL);
    for (guint i = 0; i < missing->len; i++) {
        int index = (int)g_array_index(missing, guint, i);
        g_autofree char *id = plan_run_id(s, index);
        if (i == 20) {
            g_string_append_printf(list, ", ... (%u more)", missing->len - 20);
            break;
        }
        g_string_append_printf(list, "%s%s", i ? ", " : "", id);
        if (tasks > 0)
            g_string_append_printf(list, " (task %d)", index % tasks);
    }
    g_printerr("flatline: %s: %u of %u runs missing: %s; run them (flatline run, or resubmit "
               "those array tasks with sbatch --array=...) and merge again\n",
               dir, missing->len, s->n_runs, list->str);
    return EXIT_RUNS_FAILED;
}

static int cmd_plot_or_report(int argc, char **argv, gboolean report)
{
    char *format = NULL;
    GOptionEntry entries[] = {
        {"format", 'f', 0, G_OPTION_ARG_STRING, &format, "png (default), svg or pdf", "FMT"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    g_autoptr(GOptionContext) ctx =
        report ? command_context("report", "DIR - merge the results of DIR and write DIR/report.html",
                                 "Writes DIR/summary.csv, DIR/cells.csv and DIR/report.html; "
                                 "exit status 1\nwhen runs are missing (they are listed).  "
                                 "Without a plugin the experiment used, draws\nfrom the "
                                 "saved tables as they are, and says so.")
               : command_context("plot", "DIR - merge the results of DIR and draw its charts "
                                 "into DIR/plots",
                                 "Writes DIR/plots/*.FMT and the tables they are drawn from "
                                 "in DIR/plots/data/.");
    if (!report)
        g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err))
        return usage_error("%s: %s", argv[0], err->message);
    g_autofree char *fmt = format ? format : g_strdup("png");
    if (argc != 2)
        return usage_error("%s needs exactly one results directory", argv[0]);
    if (strcmp(fmt, "png") && strcmp(fmt, "svg") && strcmp(fmt, "pdf"))
        return usage_error("plot --format %s: use png, svg or pdf", fmt);
    int status = merge_results(argv[1], &err);
    if (status == EXIT_USAGE)
        return usage_error("%s", err->message);
    if (report ? !report_write(argv[1], &err) : !plot_all(argv[1], fmt, &err)) {
        g_printerr("flatline: %s\n", err->message);
        return EXIT_RUNS_FAILED;
    }
    g_print("%s/%s\n", argv[1], report ? "report.html" : "plots");
    return status;
}

/* ---------------------------------------------------------------- fix */

/* The verification budget of `fix FILE.cfg` (extra runs per sweep run) unless --set
 * verify= says otherwise. */
#define FIX_MIN_VERIFY 10.0

/* Whether two paths name the same existing file. */
static gboolean same_file(const char *a, const char *b)
{
    GStatBuf sa, sb;
    return g_stat(a, &sa) == 0 && g_stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static int cmd_fix(int argc, char **argv)
{
    int cell = -1;
    run_args a = {.jobs = G_MININT, .threads = G_MININT};
    g_autofree char *out = NULL;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "the file to write (default "
         "RESULTS/fixed.cfg, or RESULTS/fixed-cell<N>.cfg with a grid)", "FILE"},
        {"cell", 0, 0, G_OPTION_ARG_INT, &cell, "the grid point to repair, as numbered in "
         "cells.csv (needed when several collapsed)", "N"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &a.jobs, "runs at once (default: the number of "
         "cores)", "JOBS"},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.sets,
         "override a key of the file, grid keys included (repeatable)", "KEY=VALUE"},
        {"results", 0, 0, G_OPTION_ARG_FILENAME, &a.out_dir, "where the runs go (default: "
         "results/<experiment name>; finished runs there are reused)", "RESULTS"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &a.quiet, "print only errors and the summary", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    /* Its own exit statuses: not command_context's, which are about runs. */
    g_set_prgname("flatline fix");
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        "FILE.cfg|RESULTS - write the experiment with its verified fix applied");
    g_option_context_set_description(
        ctx, "Given an experiment file, runs it as flatline run does (reusing the finished runs\n"
             "in RESULTS), which reruns each grid point that collapsed (or warned) in most\n"
             "of its runs with its candidate fixes;\n"
             "given the results directory of such a run, reads its verification.  Then writes\n"
             "one experiment file, its header listing each edit with the before/after evidence.\n"
             "-j, --set and --results apply to an experiment file only.\n\n"
             "exit status: 0 it wrote the file (or all was healthy: it says so), 1 no fix\n"
             "verified (it lists what was tried) or the file could not be written, 2 usage\n"
             "or configuration error, or no verification in RESULTS.\nSee man flatline.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    int status = EXIT_USAGE;
    g_autofree char *dir = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        status = usage_error("%s: %s", argv[0], err->message);
        goto out;
    }
    if (argc != 2) {
        status = usage_error("%s needs exactly one experiment file or results directory",
                             argv[0]);
        goto out;
    }
    if (g_file_test(argv[1], G_FILE_TEST_IS_DIR)) {
        if (a.sets || a.jobs != G_MININT || a.out_dir) {
            status = usage_error("%s: -j, --set and --results apply to an experiment file; a "
                                 "results directory is repaired as it was run",
                                 argv[1]);
            goto out;
        }
        dir = g_strdup(argv[1]);
    } else {
        if (a.jobs != G_MININT && (a.jobs < 1 || a.jobs > POOL_MAX_JOBS)) {
            status = usage_error("-j %d: give between 1 and %d runs at once", a.jobs,
                                 POOL_MAX_JOBS);
            goto out;
        }
        for (char **set = a.sets; set && *set; set++)
            if (!strchr(*set, '=')) {
                status = usage_error("--set %s: expected KEY=VALUE", *set);
                goto out;
            }
        if (out && same_file(out, argv[1])) {
            status = usage_error("-o %s: that is the experiment being repaired; write the "
                                 "repaired file beside it under another name",
                                 out);
            goto out;
        }
        /* Asked for a repair, spend more on finding it than a sweep does by default: the
         * candidates of experiments/ need up to four trials before one heals, and the
         * suite's real failures that need two changes at once healed at the eighth and
         * ninth (a pair comes after the single fixes it is made of; measured).  Trials
         * stop at the first fix that heals, so the budget is spent only on failures.  A
         * budget given with --set is taken as it is. */
        a.min_verify = FIX_MIN_VERIFY;
        for (char **set = a.sets; set && *set; set++)
            if (g_str_has_prefix(*set, "verify="))
                a.min_verify = 0;
        /* Verification needs the whole grid: never one shard of it. */
        status = run_experiment(&a, argv[1], 0, 1, FALSE, &dir);
        if (status == EXIT_USAGE || status == EXIT_INTERRUPTED || !dir)
            goto out;
    }
    {
        g_autoptr(registry) reg = registry_new();
        g_autoptr(fl_host) host = host_new(1, &err);
        if (!host) {
            status = usage_error("%s", err->message);
            goto out;
        }
        status = fixes_command(dir, cell, out, reg, host);
    }
out:
    g_free(a.out_dir);
    g_strfreev(a.sets);
    return status;
}

/* ---------------------------------------------------------------- plugins */

/* Everything about one plugin (or activation) by kind and name; a near miss gets a
 * "did you mean". */
static int plugin_page(registry *reg, const char *kind_name, const char *name, int width)
{
    g_autoptr(GString) out = g_string_new(NULL);
    fl_kind kind = FL_KIND_LAYER; /* the caller checked the kind name */
    if (strcmp(kind_name, "activation") == 0) {
        fl_activation act;
        if (!params_activation_from_name(name, &act)) {
            const char *names[FL_ACT_COUNT];
            for (int k = 0; k < FL_ACT_COUNT; k++)
                names[k] = fl_activation_name(k);
            g_autofree char *hint = suggest_name(name, names, FL_ACT_COUNT);
            return usage_error("plugins: no activation named \"%s\"%s (see `flatline plugins "
                               "activation`)",
                               name, hint);
        }
        listing_activation_page(out, act.kind, width);
    } else {
        fl_kind_from_name(kind_name, &kind);
        g_autoptr(GError) err = NULL;
        const fl_plugin *p = registry_find(reg, kind, name, &err);
        if (!p) {
            g_printerr("flatline: plugins: %s\n", err->message);
            return err->code == REGISTRY_ERROR_NOT_FOUND ? EXIT_USAGE : EXIT_RUNS_FAILED;
        }
        listing_plugin_page(out, p, registry_path_of(reg, p), width);
    }
    g_print("%s", out->str);
    return EXIT_OK;
}

static int cmd_plugins(int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = command_context(
        "plugins", "[KIND [NAME]] - list plugins with their parameters, or show one",
        "KIND: layer, loss, optimizer, schedule, initializer, dataset, detector, activation.\n"
        "With a NAME, shows that plugin: its description, the file it was loaded from and\n"
        "each parameter's type, default, range and help.  The listing wraps to COLUMNS or\n"
        "the terminal's width (80 when not a terminal).\n"
        "Plugins are searched in FLATLINE_PLUGIN_PATH first, then the build tree (when run\n"
        "from one), then the installed directory.");
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err))
        return usage_error("plugins: %s", err->message);
    if (argc > 3)
        return usage_error("plugins takes at most a KIND and a NAME");
    const char *kind_name = argc >= 2 ? argv[1] : NULL;
    fl_kind kind = 0;
    gboolean activations = !kind_name || strcmp(kind_name, "activation") == 0;
    if (kind_name && !activations && !fl_kind_from_name(kind_name, &kind)) {
        static const char *const kinds[] = {"layer",   "loss",     "optimizer", "schedule",
                                            "initializer", "dataset", "detector", "activation"};
        g_autofree char *hint = suggest_name(kind_name, kinds, G_N_ELEMENTS(kinds));
        return usage_error("plugins: unknown kind \"%s\"%s; kinds: layer, loss, optimizer, "
                           "schedule, initializer, dataset, detector, activation",
                           kind_name, hint);
    }
    g_autoptr(registry) reg = registry_new();
    int width = listing_width();
    if (argc == 3)
        return plugin_page(reg, kind_name, argv[2], width);
    GPtrArray *refused = NULL;
    g_autoptr(GPtrArray) all = registry_load_all(reg, &refused);
    g_autoptr(GString) out = g_string_new(NULL);
    for (guint i = 0; i < all->len; i++) {
        const fl_plugin *p = all->pdata[i];
        if (!kind_name || (kind && p->kind == kind))
            listing_plugin(out, p, width);
    }
    if (activations)
        for (int k = 0; k < FL_ACT_COUNT; k++)
            listing_activation(out, k, width);
    g_print("%s", out->str);
    for (guint i = 0; refused && i < refused->len; i++)
        g_printerr("flatline: refused %s\n", (char *)refused->pdata[i]);
    gboolean any_refused = refused && refused->len;
    if (refused)
        g_ptr_array_free(refused, TRUE);
    if (all->len == 0 && !activations) {
        g_autofree char *dirs = registry_search_path(reg);
        g_printerr("flatline: no plugins found in %s; set FLATLINE_PLUGIN_PATH to the "
                   "directory holding them, or install flatline\n",
                   dirs);
        return EXIT_USAGE;
    }
    return any_refused ? EXIT_RUNS_FAILED : EXIT_OK;
}

/* ---------------------------------------------------------------- unpack */

static int cmd_unpack(int argc, char **argv)
{
    GOptionEntry entries[] = {{NULL, 0, 0, 0, NULL, NULL, NULL}};
    g_autoptr(GOptionContext) ctx = command_context(
        "unpack", "DIR [RUN...] - write the run directories of a sweep run with --compact",
        "Writes DIR/runs/<run>/ (metrics.csv, verdict.json, run.cfg, run.result) from the\n"
        "journal records of the runs named (r0007 ...), or of every finished run; runs\n"
        "that have their directory already are left as they are.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err))
        return usage_error("%s: %s", argv[0], err->message);
    if (argc < 2)
        return usage_error("unpack needs a results directory (and, if not all, the runs)");
    const char *dir = argv[1];
    if (!outdir_holds_results(dir))
        return usage_error("%s holds no flatline results (no experiment.cfg written by "
                           "flatline): give the directory a sweep wrote",
                           dir);
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    if (argc > 2) {
        for (int i = 2; i < argc; i++) {
            if (!outdir_is_run_name(argv[i]) || !results_run_saved(dir, argv[i]))
                return usage_error("%s: no finished run named \"%s\" (runs are named as in "
                                   "summary.csv: r0007)",
                                   dir, argv[i]);
            g_ptr_array_add(ids, g_strdup(argv[i]));
        }
    } else {
        g_autofree char *summary_path = g_build_filename(dir, "summary.csv", NULL);
        g_autoptr(plotdata_csv) summary = plotdata_csv_read(summary_path, &err);
        if (!summary)
            return usage_error("%s", err->message);
        for (guint i = 0; i < summary->rows->len; i++) {
            const char *id = ((char **)summary->rows->pdata[i])[0];
            if (id && outdir_is_run_name(id) && results_run_saved(dir, id))
                g_ptr_array_add(ids, g_strdup(id));
        }
    }
    for (guint i = 0; i < ids->len; i++)
        if (!results_unpack_run(dir, ids->pdata[i], &err)) {
            g_printerr("flatline: %s\n", err->message);
            return EXIT_RUNS_FAILED;
        }
    g_print("%u run%s in %s/runs\n", ids->len, ids->len == 1 ? "" : "s", dir);
    return EXIT_OK;
}

/* ---------------------------------------------------------------- main */

int cli_main(int argc, char **argv)
{
    g_set_prgname("flatline");
    term_install();
    report_set_command(argc, argv);
    if (argc < 2) {
        g_printerr("%s", usage_text);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        const dnnl_version_t *dnnl = dnnl_version();
        g_print("flatline %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, FL_ABI_MAJOR, FL_ABI_MINOR);
        /* json-glib states its version at build time only. */
        g_print("oneDNN %d.%d.%d, libconfig %d.%d.%d, GLib %u.%u.%u, json-glib %d.%d.%d\n",
                dnnl->major, dnnl->minor, dnnl->patch, LIBCONFIG_VER_MAJOR, LIBCONFIG_VER_MINOR,
                LIBCONFIG_VER_REVISION, glib_major_version, glib_minor_version,
                glib_micro_version, JSON_MAJOR_VERSION, JSON_MINOR_VERSION, JSON_MICRO_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        g_print("%s", usage_text);
        return EXIT_OK;
    }
    /* Subcommands parse argv from their own name on.  "-j2" is split into "-j 2" as
     * getopt users type it (GOption would take the next argument as the value). */
    g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) args = g_ptr_array_new(); /* the parsers rearrange this one */
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (g_str_has_prefix(a, "-j") && a[2] && strspn(a + 2, "0123456789") == strlen(a + 2)) {
            g_ptr_array_add(owned, g_strdup(a + 2));
            g_ptr_array_add(args, "-j");
            g_ptr_array_add(args, g_ptr_array_index(owned, owned->len - 1));
        } else {
            g_ptr_array_add(args, a);
        }
    }
    g_ptr_array_add(args, NULL);
    int sub_argc = (int)args->len - 1;
    char **sub_argv = (char **)args->pdata;
    if (strcmp(cmd, "run") == 0)
        return cmd_run_or_check(sub_argc, sub_argv, FALSE);
    if (strcmp(cmd, "__worker") == 0)
        return worker_main(sub_argc, sub_argv);
    if (strcmp(cmd, "check") == 0)
        return cmd_run_or_check(sub_argc, sub_argv, TRUE);
    if (strcmp(cmd, "plugins") == 0)
        return cmd_plugins(sub_argc, sub_argv);
    if (strcmp(cmd, "plot") == 0 || strcmp(cmd, "report") == 0)
        return cmd_plot_or_report(sub_argc, sub_argv, strcmp(cmd, "report") == 0);
    if (strcmp(cmd, "slurm") == 0)
        return slurm_main(sub_argc, sub_argv);
    if (strcmp(cmd, "fix") == 0)
        return cmd_fix(sub_argc, sub_argv);
    if (strcmp(cmd, "unpack") == 0)
        return cmd_unpack(sub_argc, sub_argv);
    static const char *const commands[] = {"run",   "check", "plugins", "plot",  "report",
                                           "slurm", "fix",   "unpack"};
    g_autofree char *hint = suggest_name(cmd, commands, G_N_ELEMENTS(commands));
    g_printerr("flatline: unknown command \"%s\"%s\n\n%s", cmd, hint, usage_text);
    return EXIT_USAGE;
}
