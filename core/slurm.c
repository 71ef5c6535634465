/* slurm.c — `flatline slurm FILE.cfg`: plan the experiment here, so that a bad file fails
 * at once rather than in every queued task, then submit one Slurm job array whose task I
 * runs shard I of N (`flatline run --shard I/N`) into one shared results directory.
 * `flatline report DIR` merges the shards afterwards and, from DIR/slurm.info, names the
 * task of any run still missing.
 *
 * The shard count is written into the script instead of being read from
 * SLURM_ARRAY_TASK_COUNT when the task starts: a task resubmitted alone
 * (`sbatch --array=2 job.sh`) sees a count of 1 and would otherwise take every run.
 * Nothing the user typed reaches a shell unquoted: the script's command is quoted with
 * g_shell_quote, #SBATCH values with sbatch's own double quotes, and sbatch itself is
 * started from an argv. */
#include "slurm.h"
#include "config.h"
#include "host.h"
#include "registry.h"
#include "results.h"
#include "sweep.h"
#include "outdir.h"
#include "pool.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

enum { SLURM_EXIT_OK = 0, SLURM_EXIT_USAGE = 2 };

/* Without --tasks: one task per run up to this many; more would mostly queue. */
#define SLURM_DEFAULT_MAX_TASKS 16

typedef struct slurm_args {
    int tasks;
    char *partition;
    char *time;
    char *out_dir;
    char **sets;
    int jobs;
    int threads;
    gboolean dry_run;
    gboolean compact;
} slurm_args;

/* Everything the job script and the submission are made of. */
typedef struct slurm_job {
    char *exe;           /* this flatline, absolute */
    char *cfg;           /* the experiment file, absolute */
    char *dir;           /* the results directory, absolute */
    char *name;          /* the experiment's name */
    char *job_name;      /* "flatline-<name>" in characters any Slurm tool shows as is */
    char *script;        /* DIR/slurm/job.sh */
    char *plugin_path;   /* FLATLINE_PLUGIN_PATH with absolute entries, or NULL */
    int n_runs, tasks, jobs, threads;
    const char *partition, *time; /* NULL: the cluster's default */
    char **sets;         /* --set arguments as given (borrowed, may be NULL) */
    char **extra;        /* sbatch arguments after "--" (borrowed, NULL-terminated) */
    gboolean compact;    /* the tasks run with --compact */
} slurm_job;

static void slurm_job_clear(slurm_job *j)
{
    g_free(j->exe);
    g_free(j->cfg);
    g_free(j->dir);
    g_free(j->name);
    g_free(j->job_name);
    g_free(j->script);
    g_free(j->plugin_path);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(slurm_job, slurm_job_clear)

static int slurm_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int slurm_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_printerr("flatline: slurm: %s\n", msg);
    return SLURM_EXIT_USAGE;
}

/* A value bound for an #SBATCH line: one line, and no backslash, which sbatch drops from
 * file name patterns. */
static gboolean slurm_check_directive(const char *what, const char *value, GError **error)
{
    for (const char *c = value; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '\\') {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "%s \"%s\" holds a %s, which an #SBATCH line cannot carry: choose "
                        "one without",
                        what, value, *c == '\\' ? "backslash" : "control character");
            return FALSE;
        }
    return TRUE;
}

/* sbatch reads an #SBATCH value up to the first blank unless it is double-quoted, with \"
 * for a quote inside.  In a file name pattern (--output) '%' starts a field: %% is one. */
static char *slurm_directive_value(const char *value, gboolean pattern)
{
    GString *out = g_string_new("\"");
    for (const char *c = value; *c; c++) {
        if (*c == '"')
            g_string_append_c(out, '\\');
        else if (*c == '%' && pattern)
            g_string_append_c(out, '%');
        g_string_append_c(out, *c);
    }
    g_string_append_c(out, '"');
    return g_string_free(out, FALSE);
}

static char *slurm_job_name(const char *name)
{
    GString *out = g_string_new("flatline-");
    for (const char *c = name; *c; c++)
        g_string_append_c(out, g_ascii_isalnum(*c) || strchr("._-", *c) ? *c : '_');
    return g_string_free(out, FALSE);
}

/* FLATLINE_PLUGIN_PATH as the tasks must see it: they may start in another directory. */
static char *slurm_plugin_path(void)
{
    const char *env = g_getenv("FLATLINE_PLUGIN_PATH");
    if (!env || !*env)
        return NULL;
    g_auto(GStrv) parts = g_strsplit(env, G_SEARCHPATH_SEPARATOR_S, -1);
    for (char **p = parts; *p; p++)
        if (**p) {
            char *abs = g_canonicalize_filename(*p, NULL);
            g_free(*p);
            *p = abs;
        }
    return g_strjoinv(G_SEARCHPATH_SEPARATOR_S, parts);
}

/* An argument as a shell reads it back: as is when it is plain, else quoted. */
static char *slurm_shell_word(const char *arg)
{
    gboolean plain = *arg != '\0';
    for (const char *c = arg; *c && plain; c++)
        plain = g_ascii_isalnum(*c) || strchr("-_=./,:@%+", *c);
    return plain ? g_strdup(arg) : g_shell_quote(arg);
}

static void slurm_append_quoted(GString *out, const char *arg)
{
    g_autofree char *q = g_shell_quote(arg);
    g_string_append_c(out, ' ');
    g_string_append(out, q);
}

static char *slurm_script_text(const slurm_job *j)
{
    GString *s = g_string_new("#!/bin/bash\n");
    g_autofree char *dir_q = slurm_shell_word(j->dir);
    g_autofree char *script_q = slurm_shell_word(j->script);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *date = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S%:z");
    /* The job name is the only free text in the comments: it is made of safe characters,
     * so no newline can slip a command into the script. */
    g_string_append_printf(
        s,
        "# %s: %d run%s in %d array task%s, written by `flatline slurm` on %s.\n"
        "# Array task I runs the runs whose index mod %d is I, into %s.\n"
        "# A finished run is never run again, so one task can be resubmitted alone:\n"
        "#     sbatch --array=I %s\n"
        "# Merge every task's runs into one summary and report (and list those missing):\n"
        "#     flatline report %s\n",
        j->job_name, j->n_runs, j->n_runs == 1 ? "" : "s", j->tasks, j->tasks == 1 ? "" : "s",
        date, j->tasks, dir_q, script_q, dir_q);
    /* The directory's own '%' are doubled, the task file's fields are not: the quoted
     * directory is written without its closing quote and the name appended. */
    g_autofree char *dir_pattern = slurm_directive_value(j->dir, TRUE);
    dir_pattern[strlen(dir_pattern) - 1] = '\0';
    g_string_append_printf(s, "#SBATCH --job-name=%s\n", j->job_name);
    g_string_append_printf(s, "#SBATCH --array=0-%d\n", j->tasks - 1);
    g_string_append_printf(s, "#SBATCH --cpus-per-task=%d\n", j->jobs * j->threads);
    g_string_append_printf(s, "#SBATCH --output=%s/slurm/task-%%A_%%a.out\"\n", dir_pattern);
    if (j->partition) {
        g_autofree char *v = slurm_directive_value(j->partition, FALSE);
        g_string_append_printf(s, "#SBATCH --partition=%s\n", v);
    }
    if (j->time) {
        g_autofree char *v = slurm_directive_value(j->time, FALSE);
        g_string_append_printf(s, "#SBATCH --time=%s\n", v);
    }
    if (j->plugin_path) {
        g_autofree char *q = g_shell_quote(j->plugin_path);
        g_string_append_printf(s, "export FLATLINE_PLUGIN_PATH=%s\n", q);
    }
    g_string_append(s, "exec");
    slurm_append_quoted(s, j->exe);
    g_string_append(s, " run");
    slurm_append_quoted(s, j->cfg);
    g_string_append(s, " -o");
    slurm_append_quoted(s, j->dir);
    g_string_append_printf(s,
                           " --shard \"${SLURM_ARRAY_TASK_ID:?is not set: submit this script "
                           "with sbatch}/%d\" -j %d --threads %d --quiet --no-plots",
                           j->tasks, j->jobs, j->threads);
    if (j->compact)
        g_string_append(s, " --compact");
    for (char **set = j->sets; set && *set; set++) {
        g_autofree char *arg = g_strconcat("--set=", *set, NULL);
        slurm_append_quoted(s, arg);
    }
    g_string_append_c(s, '\n');
    return g_string_free(s, FALSE);
}

/* sbatch's argv: --parsable, the options given after "--", the script. */
static GPtrArray *slurm_sbatch_argv(const slurm_job *j)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, "sbatch");
    g_ptr_array_add(argv, "--parsable");
    for (char **e = j->extra; e && *e; e++)
        g_ptr_array_add(argv, *e);
    g_ptr_array_add(argv, j->script);
    g_ptr_array_add(argv, NULL);
    return argv;
}

/* An argv as one line a user can paste into a shell. */
static char *slurm_command_line(char **argv)
{
    GString *out = g_string_new(NULL);
    for (char **a = argv; *a; a++) {
        g_autofree char *w = slurm_shell_word(*a);
        g_string_append_printf(out, "%s%s", out->len ? " " : "", w);
    }
    return g_string_free(out, FALSE);
}

/* Count the runs DIR holds already, and refuse a directory holding another experiment's
 * runs: every task would refuse it too, after waiting in the queue. */
static gboolean slurm_check_dir(plan *s, const char *dir, int *finished, GError **error)
{
    *finished = 0;
    for (int i = 0; i < s->n_runs; i++) {
        g_autofree char *id = plan_run_id(s, i);
        g_autoptr(run_result) rec = results_load_run(dir, id, error);
        if (!rec && error && *error)
            return FALSE;
        if (!rec)
            continue;
        if (!plan_owns_saved_run(s, i, rec->fingerprint)) {
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                        "%s holds results of a different experiment (run %s was run with "
                        "another configuration): choose another directory with -o, or remove "
                        "that one",
                        dir, id);
            return FALSE;
        }
        if (rec->status == RUN_OK)
            (*finished)++;
    }
    return TRUE;
}

/* Run sbatch; the job id it prints ("1234" or "1234;cluster") into *job_id. */
static gboolean slurm_submit(const slurm_job *j, char **job_id, GError **error)
{
    g_autoptr(GPtrArray) argv = slurm_sbatch_argv(j);
    g_autofree char *out = NULL, *err = NULL;
    int status;
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                      &err, &status, error)) {
        g_prefix_error(error, "cannot run sbatch: ");
        return FALSE;
    }
    g_strstrip(err);
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                    "sbatch refused the job%s%s", *err ? ": " : " (it gave no reason)", err);
        return FALSE;
    }
    g_strstrip(out);
    char *semi = strchr(out, ';');
    if (semi)
        *semi = '\0';
    gboolean digits = *out != '\0';
    for (const char *c = out; *c; c++)
        digits = digits && g_ascii_isdigit(*c);
    if (!digits) {
        g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                    "sbatch printed \"%s\" where a job id was expected; the job may have been "
                    "submitted anyway: check with squeue",
                    out);
        return FALSE;
    }
    if (*err)
        g_printerr("sbatch: %s\n", err);
    *job_id = g_strdup(out);
    return TRUE;
}

static gboolean slurm_write_info(const slurm_job *j, const char *job_id, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    const char *g = "slurm";
    g_key_file_set_string(kf, g, "file", j->cfg);
    g_key_file_set_string(kf, g, "experiment", j->name);
    g_key_file_set_string(kf, g, "dir", j->dir);
    g_key_file_set_integer(kf, g, "runs", j->n_runs);
    g_key_file_set_integer(kf, g, "tasks", j->tasks);
    g_key_file_set_integer(kf, g, "jobs", j->jobs);
    g_key_file_set_integer(kf, g, "threads", j->threads);
    g_key_file_set_string(kf, g, "script", j->script);
    g_key_file_set_string_list(kf, g, "sbatch_options", (const char *const *)j->extra,
                               j->extra ? g_strv_length(j->extra) : 0);
    g_key_file_set_string(kf, g, "job_id", job_id);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *date = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S%:z");
    g_key_file_set_string(kf, g, "submitted", date);
    g_key_file_set_comment(kf, NULL, NULL,
                           " Written by `flatline slurm`: run index i belongs to array task "
                           "i % tasks.",
                           NULL);
    gsize len;
    g_autofree char *text = g_key_file_to_data(kf, &len, NULL);
    g_autofree char *path = g_build_filename(j->dir, "slurm.info", NULL);
    return results_write(path, text, (gssize)len, TRUE, error);
}

static void slurm_print_next_steps(const slurm_job *j, const char *job_id)
{
    g_autofree char *dir = slurm_shell_word(j->dir);
    g_autofree char *script = slurm_shell_word(j->script);
    g_autofree char *log_name = g_strdup_printf("task-%s_I.out", job_id);
    g_autofree char *log_path = g_build_filename(j->dir, "slurm", log_name, NULL);
    g_autofree char *log = slurm_shell_word(log_path);
    g_autofree char *extra = j->extra && *j->extra ? slurm_command_line(j->extra) : NULL;
    g_print("  watch:    squeue -j %s\n"
            "  logs:     %s   (task I)\n"
            "  finish:   flatline report %s\n"
            "            merges every task's runs into one summary and report, and names any "
            "run still missing with its task\n"
            "  resubmit: sbatch --array=I %s%s%s\n"
            "            runs task I again after a failure; its finished runs are kept\n",
            job_id, log, dir, extra ? extra : "", extra ? " " : "", script);
}

/* Fill the job from the options and the plan; FALSE with a message for the user. */
static gboolean slurm_job_init(slurm_job *j, const slurm_args *a, const char *path,
                               const plan *s, GError **error)
{
    j->exe = g_file_read_link("/proc/self/exe", error);
    if (!j->exe) {
        g_prefix_error(error, "cannot tell where this flatline is: ");
        return FALSE;
    }
    j->cfg = g_canonicalize_filename(path, NULL);
    j->name = g_strdup(s->base->top.name);
    j->job_name = slurm_job_name(j->name);
    g_autofree char *dir = a->out_dir ? g_strdup(a->out_dir)
                                      : g_build_filename("results", j->name, NULL);
    j->dir = g_canonicalize_filename(dir, NULL);
    j->script = g_build_filename(j->dir, "slurm", "job.sh", NULL);
    j->plugin_path = slurm_plugin_path();
    j->n_runs = s->n_runs;
    if (j->n_runs == 0) {
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID, "%s has no runs to submit",
                    path);
        return FALSE;
    }
    j->jobs = a->jobs > 0 ? a->jobs : 1;
    j->threads = a->threads > 0 ? a->threads : 1;
    j->partition = a->partition;
    j->time = a->time;
    j->sets = a->sets;
    j->compact = a->compact;
    j->tasks = a->tasks > 0 ? a->tasks : MIN(j->n_runs, SLURM_DEFAULT_MAX_TASKS);
    if (j->tasks > j->n_runs) {
        g_printerr("flatline: slurm: --tasks %d is more than the %d run%s: using %d tasks\n",
                   j->tasks, j->n_runs, j->n_runs == 1 ? "" : "s", j->n_runs);
        j->tasks = j->n_runs;
    }
    return slurm_check_directive("the results directory", j->dir, error) &&
           (!j->partition || slurm_check_directive("--partition", j->partition, error)) &&
           (!j->time || slurm_check_directive("--time", j->time, error));
}

static const char slurm_description[] =
    "Plans the experiment (as `flatline check` does: a bad file fails here, nothing is\n"
    "queued), writes DIR/slurm/job.sh, a job array whose task I runs\n"
    "`flatline run FILE.cfg -o DIR --shard I/N`, submits it with sbatch and records the\n"
    "submission in DIR/slurm.info.  DIR must be on a file system the nodes share.\n"
    "\n"
    "Options of sbatch itself go after \"--\":\n"
    "  flatline slurm sweep.cfg --tasks 8 --time 1:00:00 -- --account=ml --mem=4G\n"
    "\n"
    "Then: `squeue -j JOBID` to watch, `flatline report DIR` to merge the results;\n"
    "`sbatch --array=I DIR/slurm/job.sh` runs task I again (its finished runs are kept).";

/* Plan, write, submit.  extra: the arguments after "--" (NULL-terminated). */
static int slurm_submit_experiment(const slurm_args *a, const char *path, char **extra)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
    for (char **set = a->sets; set && *set; set++) {
        override *o = override_parse(*set, &err);
        if (!o)
            return slurm_fail("%s", err->message);
        g_ptr_array_add(sets, o);
    }
    /* The plan loads the data and resolves every run, as each task will. */
    g_autoptr(registry) reg = registry_new();
    host_set_threads(1);
    g_autoptr(fl_host) host = host_new(1, &err);
    if (!host)
        return slurm_fail("%s", err->message);
    g_autofree char *abs_path = g_canonicalize_filename(path, NULL);
    g_autoptr(plan) s = plan_new(abs_path, sets, reg, host, TRUE, &err);
    if (!s)
        return slurm_fail("%s", err->message);
    g_auto(slurm_job) j = {0};
    if (!slurm_job_init(&j, a, path, s, &err))
        return slurm_fail("%s", err->message);
    j.extra = extra;

    /* The tasks would refuse the directory after waiting in the queue: refuse it now. */
    int finished = 0;
    if (!outdir_check(j.dir, abs_path, &err) || !slurm_check_dir(s, j.dir, &finished, &err))
        return slurm_fail("%s", err->message);
    g_autofree char *script = slurm_script_text(&j);
    g_autoptr(GPtrArray) sbatch_argv = slurm_sbatch_argv(&j);
    g_autofree char *sbatch_line = slurm_command_line((char **)sbatch_argv->pdata);

    if (a->dry_run) {
        g_print("%s", script);
        g_print("\n# dry run: nothing written, nothing submitted.  Would write %s and "
                "run:\n%s\n",
                j.script, sbatch_line);
        if (finished)
            g_print("# %d of %d runs are finished in %s already: the tasks would skip them\n",
                    finished, j.n_runs, j.dir);
        return SLURM_EXIT_OK;
    }
    if (finished == j.n_runs) {
        g_autofree char *dir = slurm_shell_word(j.dir);
        g_print("all %d runs of \"%s\" are finished in %s: nothing to submit; "
                "flatline report %s merges them\n",
                j.n_runs, j.name, j.dir, dir);
        return SLURM_EXIT_OK;
    }
    g_autofree char *sbatch = g_find_program_in_path("sbatch");
    if (!sbatch)
        return slurm_fail("sbatch not found: install Slurm's client (Debian: slurm-client) "
                          "or use --dry-run");
    /* Slurm does not create the directory of --output: a task whose log cannot be opened
     * fails before it starts. */
    g_autofree char *slurm_dir = g_build_filename(j.dir, "slurm", NULL);
    if (g_mkdir_with_parents(slurm_dir, 0755) != 0) {
        int e = errno;
        return slurm_fail("%s: cannot create: %s", slurm_dir, g_strerror(e));
    }
    if (!results_write(j.script, script, -1, TRUE, &err))
        return slurm_fail("%s", err->message);
    if (g_chmod(j.script, 0755) != 0) {
        int e = errno;
        return slurm_fail("%s: cannot make it executable: %s", j.script, g_strerror(e));
    }
    g_autofree char *job_id = NULL;
    if (!slurm_submit(&j, &job_id, &err))
        return slurm_fail("%s\n  script: %s\n  command: %s", err->message, j.script,
                          sbatch_line);
    if (!slurm_write_info(&j, job_id, &err))
        /* Submitted all the same: say so, and what the report will lack. */
        g_printerr("flatline: slurm: job %s is submitted, but %s: flatline report will not "
                   "know which task had a missing run\n",
                   job_id, err->message);
    int cpus = j.jobs * j.threads;
    g_print("submitted job %s: \"%s\", %d run%s in %d array task%s of %d CPU%s each",
            job_id, j.name, j.n_runs, j.n_runs == 1 ? "" : "s", j.tasks,
            j.tasks == 1 ? "" : "s", cpus, cpus == 1 ? "" : "s");
    if (finished)
        g_print(" (%d finished already: skipped)", finished);
    g_print("\n  results:  %s\n", j.dir);
    slurm_print_next_steps(&j, job_id);
    return SLURM_EXIT_OK;
}

int slurm_main(int argc, char **argv)
{
    /* Everything after "--" belongs to sbatch. */
    int split = argc;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            split = i;
            break;
        }
    char **extra = argv + MIN(split + 1, argc);
    int opt_argc = split;
    char **opt_argv = g_new0(char *, split + 1); /* GOption reorders it; strings borrowed */
    memcpy(opt_argv, argv, split * sizeof *argv);

    /* G_MININT: not given (0 is a mistake worth naming). */
    slurm_args a = {.tasks = G_MININT, .jobs = G_MININT, .threads = G_MININT};
    GOptionEntry entries[] = {
        {"tasks", 0, 0, G_OPTION_ARG_INT, &a.tasks,
         "array tasks, each running every N-th run (default: the runs, at most 16)", "N"},
        {"partition", 'p', 0, G_OPTION_ARG_STRING, &a.partition, "Slurm partition", "P"},
        {"time", 't', 0, G_OPTION_ARG_STRING, &a.time,
         "time limit of each task, as sbatch --time takes it", "T"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a.out_dir,
         "results directory, shared with the nodes (default: results/<experiment name>)",
         "DIR"},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.sets,
         "override a key of the file, grid keys included (repeatable)", "KEY=VALUE"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &a.jobs, "runs at once in each task (default 1)",
         "J"},
        {"threads", 0, 0, G_OPTION_ARG_INT, &a.threads,
         "oneDNN threads per run (default 1); each task asks for J x T CPUs", "T"},
        {"dry-run", 0, 0, G_OPTION_ARG_NONE, &a.dry_run,
         "print the job script and the sbatch command; write and submit nothing", NULL},
        {"compact", 0, 0, G_OPTION_ARG_NONE, &a.compact,
         "the tasks save runs in journal files (DIR/journal/), not a directory per run", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("FILE.cfg [-- SBATCH-OPTIONS...] - submit an experiment as a "
                             "Slurm job array");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, slurm_description);
    g_autoptr(GError) err = NULL;
    int status;
    if (!g_option_context_parse(ctx, &opt_argc, &opt_argv, &err))
        status = slurm_fail("%s (options of sbatch itself go after \"--\")", err->message);
    else if (opt_argc != 2)
        status = slurm_fail("needs exactly one experiment file (see flatline slurm --help)");
    else if (a.tasks != G_MININT && a.tasks < 1)
        status = slurm_fail("--tasks %d: give at least 1 array task", a.tasks);
    else if (a.jobs != G_MININT && (a.jobs < 1 || a.jobs > POOL_MAX_JOBS))
        status = slurm_fail("-j %d: give between 1 and %d runs at once in each task", a.jobs,
                            POOL_MAX_JOBS);
    else if (a.threads != G_MININT && (a.threads < 1 || a.threads > POOL_MAX_THREADS))
        status = slurm_fail("--threads %d: give between 1 and %d threads per run", a.threads,
                            POOL_MAX_THREADS);
    else
        status = slurm_submit_experiment(&a, opt_argv[1], extra);
    g_free(a.partition);
    g_free(a.time);
    g_free(a.out_dir);
    g_strfreev(a.sets);
    g_free(opt_argv);
    return status;
}
