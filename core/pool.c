/* pool.c — see pool.h.  The coordinator talks to each worker over two pipes, one line per
 * message: it sends "INDEX FINGERPRINT" (the run's position in the plan and the hash of
 * its resolved configuration, so a worker that planned a changed file refuses).  The
 * worker answers "begin INDEX" when it starts the run, "ok INDEX LEN packed" and the LEN
 * bytes of the run's record (recordwire.h) once the run's files are saved (its batch
 * committed, results.h; the record comes along so that the tables need not read back what
 * the worker just wrote; "ok INDEX LEN" and the run.result text for a record only its text
 * can carry, "ok INDEX" alone for a record too large, read back), "unsaved INDEX why" when they could
 * not be (the run failed, the sweep goes on), "fail INDEX why" when it cannot run the request at all
 * (the sweep stops), and "crash INDEX why" just before GLib aborts it (a failed
 * allocation), so that the run's reason says more than the signal.  End of file from a
 * worker means it died: the run it began last is charged, the others it held (trained
 * but not committed, or not begun) are run again elsewhere unless their run.result made
 * it to disk.
 *
 * Runs are handed out one at a time; while a worker trains one, the next short runs wait
 * in its pipe, so that it finds work when it finishes and keeps its batch open.  A run
 * longer than a batch's time gets no follow-up until it is done: at the end of a sweep no
 * long run waits behind another while a worker is idle. */
#define _GNU_SOURCE /* close_range */
#include "pool.h"
#include "outdir.h"
#include "recordwire.h"
#include "results.h"
#include "runner.h"
#include "stop.h"
#include "worker.h"

#include <glib-unix.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct worker {
    GPid pid;
    int to, from;   /* the worker's stdin and stdout */
    GString *buf;   /* what it said, up to the next newline */
    GArray *jobs;   /* plan indices (guint) sent and not answered yet, in the order sent */
    guint queued;   /* how many of them, at the end of jobs, it has not begun */
    int running;    /* the run it began last and has not answered for, or -1 */
    gboolean began_any; /* it began a run since it started */
    gint64 started; /* when that run began (monotonic, us) */
    char *last_words; /* what it said before aborting ("crash" line), or NULL */
} worker;


/* A worker's answers are short lines: one this long without a newline is garbage, and
 * holding it would let a broken worker grow the coordinator without bound. */
#define POOL_MAX_LINE 65536

/* What a worker that broke the protocol is charged with: it is taken for dead. */
static void protocol_broken(worker *w)
{
    g_free(w->last_words);
    w->last_words = g_strdup("an answer that is not a line of the protocol");
}

/* The reason of a run whose worker could not save its files. */
#define POOL_UNSAVED "its files could not be saved: "

static void worker_child_setup(gpointer data)
{
    (void)data;
    /* Ctrl-C reaches the whole process group: the coordinator alone decides what stops. */
    signal(SIGINT, SIG_IGN);
    /* A coordinator killed outright takes its workers with it: no orphan keeps writing
     * into the directory the next sweep resumes. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Exec'ing `flatline __worker`: the way when forking is not safe. */
static gboolean exec_worker(worker *w, const sweep_options *opt, GError **error)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", error);
    if (!self)
        return FALSE;
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup(self));
    g_ptr_array_add(argv, g_strdup("__worker"));
    g_ptr_array_add(argv, g_strdup(opt->path));
    g_ptr_array_add(argv, g_strdup("-o"));
    g_ptr_array_add(argv, g_strdup(opt->out_dir));
    g_ptr_array_add(argv, g_strdup_printf("--threads=%d", opt->threads));
    if (opt->compact)
        g_ptr_array_add(argv, g_strdup("--compact"));
    for (char **s = opt->sets; s && *s; s++)
        g_ptr_array_add(argv, g_strdup_printf("--set=%s", *s));
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                  worker_child_setup, NULL, &w->pid, &w->to, &w->from, NULL,
                                  error)) {
        g_prefix_error(error, "cannot start a worker process: ");
        return FALSE;
    }
    return TRUE;
}

/* Forking is safe while this process runs one thread: a thread pool (oneDNN's OpenMP,
 * once it has computed here) would not exist in the child, whatever its state said. */
static gboolean single_threaded(void)
{
    g_autoptr(GDir) d = g_dir_open("/proc/self/task", 0, NULL);
    if (!d)
        return FALSE;
    int n = 0;
    while (g_dir_read_name(d))
        n++;
    return n == 1;
}

/* In the child: the worker's file descriptors where it wants them (requests on stdin,
 * answers on 3) and nothing else of the coordinator's open, above all not the other
 * workers' pipes (a worker whose requests pipe another holds open never sees it end)
 * nor the directory's lock. */
static int forked_worker_fds(int requests, int answers)
{
    int req = fcntl(requests, F_DUPFD, 3), ans = fcntl(answers, F_DUPFD, 3);
    if (req < 0 || ans < 0 || dup2(req, STDIN_FILENO) < 0 || dup2(ans, 3) < 0)
        return -1;
    if (close_range(4, ~0U, 0) < 0)
        for (int fd = 4; fd < sysconf(_SC_OPEN_MAX); fd++)
            close(fd);
    return 3;
}

/* A worker forked from this process serves the plan as it stands: no second start-up
 * (loading the libraries and plugins, planning the file again), which was a tenth of a
 * 1,200-run sweep at -j 2. */
static gboolean fork_worker(worker *w, plan *s, const sweep_options *opt, GError **error)
{
    int to[2], from[2];
    if (!g_unix_open_pipe(to, FD_CLOEXEC, error)) {
        g_prefix_error(error, "cannot start a worker process: ");
        return FALSE;
    }
    if (!g_unix_open_pipe(from, FD_CLOEXEC, error)) {
        close(to[0]);
        close(to[1]);
        g_prefix_error(error, "cannot start a worker process: ");
        return FALSE;
    }
    fflush(NULL); /* nothing buffered here is written twice */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        worker_child_setup(NULL);
        signal(SIGTERM, SIG_DFL); /* the coordinator's stop handler is not the worker's */
        prctl(PR_SET_NAME, "flatline-worker");
        int answers = forked_worker_fds(to[0], from[1]);
        if (answers < 0 || getppid() != parent)
            _exit(2);
        /* _exit: the coordinator's exit handlers and buffers are not the worker's. */
        _exit(worker_serve_forked(s, opt->out_dir, opt->compact, opt->threads, answers));
    }
    int e = errno;
    close(to[0]);
    close(from[1]);
    if (pid < 0) {
        close(to[1]);
        close(from[0]);
        g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                    "cannot start a worker process: fork: %s", g_strerror(e));
        return FALSE;
    }
    w->pid = pid;
    w->to = to[1];
    w->from = from[0];
    return TRUE;
}

static gboolean spawn_worker(worker *w, plan *s, const sweep_options *opt, GError **error)
{
    memset(w, 0, sizeof *w);
    /* FLATLINE_WORKER_EXEC=1: programs of their own (a debugger or valgrind's
     * --trace-children finds them by name). */
    gboolean fork_it = single_threaded() && g_strcmp0(g_getenv("FLATLINE_WORKER_EXEC"), "1") != 0;
    if (!(fork_it ? fork_worker(w, s, opt, error) : exec_worker(w, opt, error)))
        return FALSE;
    w->buf = g_string_new(NULL);
    w->jobs = g_array_new(FALSE, FALSE, sizeof(guint));
    w->running = -1;
    return TRUE;
}

/* Stop a worker for good and say how it ended ("killed by signal 11 (Segmentation
 * fault)"), or NULL if it exited cleanly. */
static char *reap_worker(worker *w, gboolean kill_it, int *termsig)
{
    if (termsig)
        *termsig = 0;
    if (!w->pid)
        return NULL;
    int status = 0;
    /* Killed here only if still alive: the signal of a worker that died by itself (the
     * kernel's OOM killer sends SIGKILL too) is its own. */
    gboolean reaped = FALSE, killed = FALSE;
    if (kill_it) {
        reaped = waitpid(w->pid, &status, WNOHANG) == w->pid;
        if (!reaped) {
            kill(w->pid, SIGKILL);
            killed = TRUE;
        }
    }
    close(w->to);
    while (!reaped && waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
        ;
    close(w->from);
    g_string_free(w->buf, TRUE);
    if (w->jobs)
        g_array_unref(w->jobs);
    w->jobs = NULL;
    w->queued = 0;
    w->running = -1;
    g_autofree char *last_words = g_steal_pointer(&w->last_words);
    w->pid = 0;
    if (termsig && WIFSIGNALED(status))
        *termsig = WTERMSIG(status);
    g_autofree char *how = NULL;
    if (WIFSIGNALED(status))
        how = g_strdup_printf("the worker was killed by signal %d (%s)%s", WTERMSIG(status),
                              g_strsignal(WTERMSIG(status)),
                              WTERMSIG(status) == SIGKILL && !killed
                                  ? "; out of memory? the kernel's OOM killer sends this signal"
                                  : "");
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        how = g_strdup_printf("the worker exited with status %d", WEXITSTATUS(status));
    if (how && last_words)
        return g_strdup_printf("%s after: %s", how, last_words);
    return g_steal_pointer(&how);
}

static gboolean send_job(worker *w, const plan *s, guint index, gboolean solo)
{
    char line[128];
    g_snprintf(line, sizeof line, "%d %s%s\n", index, s->fingerprint, solo ? " solo" : "");
    gsize len = strlen(line), off = 0;
    while (off < len) {
        ssize_t n = write(w->to, line + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        off += (gsize)n;
    }
    g_array_append_val(w->jobs, index);
    w->queued++;
    return TRUE;
}

static char *format_duration(double s)
{
    if (s < 60)
        return g_strdup_printf("%.1fs", s);
    if (s < 3600)
        return g_strdup_printf("%dm%02ds", (int)s / 60, (int)s % 60);
    return g_strdup_printf("%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

typedef struct progress {
    gboolean on;
    int total, done, running, collapsed;
    gint64 t0, last;
} progress;

static void progress_draw(progress *pr, gboolean force)
{
    if (!pr->on)
        return;
    gint64 now = g_get_monotonic_time();
    if (!force && now - pr->last < 200000)
        return;
    pr->last = now;
    double elapsed = (double)(now - pr->t0) / 1e6;
    g_autofree char *el = format_duration(elapsed);
    g_autofree char *eta = pr->done ? format_duration(elapsed / pr->done * (pr->total - pr->done))
                                    : g_strdup("?");
    /* "0 running" reads like a stall: say what is happening instead. */
    g_autofree char *state = pr->done >= pr->total ? g_strdup("all finished")
                             : pr->running         ? g_strdup_printf("%d running", pr->running)
                                                   : g_strdup("starting");
    fprintf(stdout, "\r\033[K[%d/%d] %s, %d collapsed, %s elapsed, ETA %s", pr->done,
            pr->total, state, pr->collapsed, el, eta);
    fflush(stdout);
}

static void progress_clear(progress *pr)
{
    if (pr->on) {
        fputs("\r\033[K", stdout);
        fflush(stdout);
    }
}

/* Save the failure of a run (crashed or timeout) in its place.  When even that cannot be
 * saved (a full disk), say so and count the run as unsaved: the sweep goes on, and the
 * runs saved so far stay as they are. */
static void record_failure(plan *s, const sweep_options *opt, int index, run_status status,
                           const char *why, double wall_ms, pool_result *result, progress *pr)
{
    g_autoptr(GError) err = NULL;
    if (runner_record_failure(s, index, opt->out_dir, status, why, wall_ms, &err)) {
        result->finished++;
    } else {
        g_autofree char *id = plan_run_id(s, index);
        progress_clear(pr);
        g_printerr("flatline: run %s: %s (%s), and not even that could be saved: %s\n", id,
                   run_status_name(status), g_str_has_prefix(why, POOL_UNSAVED) ? "see above" : why,
                   err->message);
        result->unsaved++;
    }
}

/* A run is over (saved by its worker, or recorded here): count it, keep its result for the
 * tables (the record its worker sent with the answer, else read back while the other
 * workers train), and show it. */
static void finish_job(const plan *s, const sweep_options *opt, int index, const char *text,
                       gsize len, gboolean packed, pool_result *result, progress *pr)
{
    pr->done++;
    pr->running -= pr->running > 0; /* until the next hand-out counts again */
    g_autoptr(GError) err = NULL;
    g_autofree char *id = plan_run_id(s, index);
    run_result *rec = NULL;
    if (text) {
        g_autofree char *origin = g_strdup_printf("run %s's record as its worker sent it", id);
        rec = packed ? record_wire_unpack(text, len, origin, &err)
                     : results_parse_run(text, len, origin, &err);
    } else {
        rec = results_load_run(opt->out_dir, id, &err);
    }
    if (err)
        g_debug("%s", err->message); /* read again, and reported, with the tables */
    g_clear_pointer(&result->records[index], run_result_free);
    result->records[index] = rec;
    if (!pr->on)
        return;
    if (rec && rec->verdict == VERDICT_COLLAPSED)
        pr->collapsed++;
    if (rec) {
        progress_clear(pr);
        runner_print(rec);
    }
    progress_draw(pr, TRUE);
}

void pool_result_clear(pool_result *result, int n_runs)
{
    if (!result->records)
        return;
    for (int i = 0; i < n_runs; i++)
        run_result_free(result->records[i]);
    g_clear_pointer(&result->records, g_free);
}

/* The runs still to hand out: those a dead worker held first, then the plan's, cut into
 * one part per worker slot.  A worker takes its part's runs in the plan's order, so it
 * trains the grid points of its part one after the other and resolves each, builds its
 * model and loads its data once; handed out in turn instead, every worker met every grid
 * point (each setting up all twelve of the seed-scale sweep's, 1-2 ms each).  A worker whose
 * part is done takes the last pack of the part with the most left. */
typedef struct job_source {
    GArray *pending; /* guint plan indices */
    GArray *retry;   /* guint plan indices given back by dead workers */
    GHashTable *solo; /* plan indices to train alone, not in their pack: those given back */
    gboolean all_solo; /* every run alone: a shard (--shard) holds every n-th run of the
                          plan, so the runs of a pack are spread over the shards */
    plan *s;
    guint n_parts;
    guint *next, *end; /* part k: pending[next[k] .. end[k]) */
    gboolean handed_any;
} job_source;

static gboolean job_solo(const job_source *js, guint idx)
{
    return js->all_solo || g_hash_table_contains(js->solo, GUINT_TO_POINTER(idx));
}

/* Do pending[at - 1] and pending[at] train in one pack? */
static gboolean same_pack(const job_source *js, guint at)
{
    guint a = g_array_index(js->pending, guint, at - 1), b = g_array_index(js->pending, guint, at);
    if (js->all_solo)
        return FALSE;
    int first, count;
    runner_pack_of(js->s, (int)a, &first, &count);
    return (int)b >= first && (int)b < first + count;
}

/* Parts of about equal length, each cut where a pack ends. */
static void job_source_init(job_source *js, plan *s, GArray *pending, GArray *retry,
                            GHashTable *solo, gboolean all_solo, guint n_parts)
{
    *js = (job_source){pending, retry, solo, all_solo, s, n_parts, g_new0(guint, n_parts),
                       g_new0(guint, n_parts), FALSE};
    guint len = pending->len, at = 0;
    for (guint k = 0; k < n_parts; k++) {
        js->next[k] = at;
        guint cut = k + 1 == n_parts ? len : MAX(at, (guint)((guint64)len * (k + 1) / n_parts));
        while (cut > 0 && cut < len && same_pack(js, cut))
            cut++;
        js->end[k] = at = cut;
    }
}

static void job_source_clear(job_source *js)
{
    g_free(js->next);
    g_free(js->end);
}

static gboolean jobs_left(const job_source *js)
{
    if (js->retry->len)
        return TRUE;
    for (guint k = 0; k < js->n_parts; k++)
        if (js->next[k] < js->end[k])
            return TRUE;
    return FALSE;
}

/* How many runs are still to hand out. */
static guint jobs_count(const job_source *js)
{
    guint n = js->retry->len;
    for (guint k = 0; k < js->n_parts; k++)
        n += js->end[k] - js->next[k];
    return n;
}

/* Part k is done: it takes over the last pack of the part with the most runs left. */
static void job_steal(job_source *js, guint k)
{
    guint from = k;
    for (guint v = 0; v < js->n_parts; v++)
        if (js->end[v] - js->next[v] > js->end[from] - js->next[from])
            from = v;
    guint at = js->end[from];
    if (at == js->next[from])
        return;
    at--;
    while (at > js->next[from] && same_pack(js, at))
        at--;
    js->next[k] = at;
    js->end[k] = js->end[from];
    js->end[from] = at;
}

/* The next run for the worker in slot k (jobs_left must be TRUE). */
static guint job_take(job_source *js, guint k)
{
    if (js->retry->len) {
        guint idx = g_array_index(js->retry, guint, js->retry->len - 1);
        g_array_set_size(js->retry, js->retry->len - 1);
        return idx;
    }
    if (js->next[k] == js->end[k])
        job_steal(js, k);
    js->handed_any = TRUE;
    return g_array_index(js->pending, guint, js->next[k]++);
}

/* A run given back is trained alone from then on: if its pack killed a worker, the run
 * that does it kills the next alone and is charged, not a pack mate. */
static void job_give_back(job_source *js, guint idx)
{
    g_array_append_val(js->retry, idx);
    g_hash_table_add(js->solo, GUINT_TO_POINTER(idx));
}

/* How many runs train with run idx in one go: its pack's, unless it runs alone. */
static int job_pack_count(const job_source *js, plan *s, guint idx)
{
    int first, count;
    runner_pack_of(s, (int)idx, &first, &count);
    return job_solo(js, idx) ? 1 : count;
}

/* Send w (slot k) run idx and the runs of its pack that follow it in the plan's order: a
 * pack trains in one worker (runner.h), so its runs go together.  A part never splits a
 * pack: they follow idx in the part. */
static gboolean send_pack(worker *w, guint k, plan *s, job_source *js, guint idx)
{
    if (!send_job(w, s, idx, job_solo(js, idx))) {
        job_give_back(js, idx); /* it died: its end of file says so next */
        return FALSE;
    }
    if (job_solo(js, idx))
        return TRUE;
    /* idx came from part k (runs given back run alone): its mates follow it there. */
    while (js->next[k] < js->end[k] && same_pack(js, js->next[k])) {
        guint next = g_array_index(js->pending, guint, js->next[k]++);
        if (!send_job(w, s, next, FALSE)) {
            job_give_back(js, next);
            return FALSE;
        }
    }
    return TRUE;
}

/* How long runs take, from one "begin" to the next answer of the same worker (an
 * exponential average over all workers, us; 0 until known).  Runs shorter than half a
 * batch's time get their follow-up while they train. */
static double run_us;

static void note_run_time(gint64 started)
{
    double us = (double)(g_get_monotonic_time() - started);
    run_us = run_us > 0 ? 0.8 * run_us + 0.2 * us : us;
}

static gboolean runs_are_short(void)
{
    return run_us > 0 && run_us * 2 < RESULTS_BATCH_MS * 1000.0;
}

/* Short runs waiting in a worker's pipe: two, so that a coordinator the scheduler wakes
 * late (a busy machine) still finds the worker with work and its batch open. */
#define POOL_QUEUE 2

/* May w be sent a run now?  A long run gets no follow-up until it is answered.  `ahead`:
 * the runs short ones may have waiting, enough for the next pack while one trains (a
 * worker that finds none waiting commits its batch and idles until the next arrives). */
static gboolean wants_job(const worker *w, guint ahead)
{
    if (!w->pid || !w->jobs)
        return FALSE;
    return w->jobs->len == 0 || (runs_are_short() && w->queued < ahead);
}

static gboolean has_saved_result(const sweep_options *opt, const plan *s, guint index)
{
    g_autofree char *id = plan_run_id(s, (int)index);
    return results_run_saved(opt->out_dir, id);
}

/* A worker is gone with the runs it held (jobs, reaped already): charge `charged` with
 * status and why; the others were not its fault: whole if their run.result is on disk
 * (it died between writing the marker and saying so), else handed out again. */
static void settle_jobs(plan *s, const sweep_options *opt, GArray *jobs, int charged,
                        run_status status, const char *why, double took, job_source *js,
                        pool_result *result, progress *pr)
{
    for (guint k = 0; k < jobs->len; k++) {
        guint idx = g_array_index(jobs, guint, k);
        if (has_saved_result(opt, s, idx)) {
            result->finished++;
            finish_job(s, opt, (int)idx, NULL, 0, FALSE, result, pr);
        } else if ((int)idx == charged && job_pack_count(js, s, idx) == 1) {
            record_failure(s, opt, (int)idx, status, why, took * 1000, result, pr);
            finish_job(s, opt, (int)idx, NULL, 0, FALSE, result, pr);
        } else {
            /* Not its fault, or not known to be: a run of a pack the worker trained when
             * it died is tried again alone (job_give_back), and charged only then.  A
             * marker it was writing when it died leaves a temporary twin: cleared now,
             * since the rerun's run.result will keep a resume from looking again. */
            g_autofree char *id = plan_run_id(s, (int)idx);
            g_autoptr(GError) err = NULL;
            if (!outdir_prepare_run(opt->out_dir, id, &err))
                g_debug("%s", err->message);
            job_give_back(js, idx);
        }
    }
}

/* One answer from worker w: its line, and the run's record when the line is "ok INDEX LEN"
 * or "ok INDEX LEN packed" (NULL otherwise); FALSE (error set) when the sweep must stop. */
static gboolean handle_line(plan *s, const sweep_options *opt, worker *w, const char *line,
                            const char *record, gsize record_len, gboolean packed,
                            pool_result *result, progress *pr, GError **error)
{
    int index = -1;
    char kind[16] = "";
    if (sscanf(line, "%15s %d", kind, &index) < 1)
        return TRUE;
    const char *space = strchr(line, ' ');
    const char *why = space ? strchr(space + 1, ' ') : NULL;
    why = why ? why + 1 : "(no reason given)";
    if (strcmp(kind, "crash") == 0) {
        /* The worker is about to abort: keep its words for the reason. */
        g_free(w->last_words);
        w->last_words = g_strdup(why);
        return TRUE;
    }
    if (strcmp(kind, "fail") == 0) {
        if ((index < 0 || index >= s->n_runs) && w->jobs->len)
            index = (int)g_array_index(w->jobs, guint, 0);
        g_autofree char *id = plan_run_id(s, MAX(index, 0));
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "run %s: %s", id, why);
        return FALSE;
    }
    if (strcmp(kind, "begin") == 0) {
        if (w->running >= 0)
            note_run_time(w->started);
        w->running = index;
        w->started = g_get_monotonic_time();
        w->began_any = TRUE;
        if (w->queued)
            w->queued--;
        return TRUE;
    }
    gboolean saved = strcmp(kind, "ok") == 0;
    if (!saved && strcmp(kind, "unsaved") != 0)
        return TRUE;
    guint k = 0;
    while (k < w->jobs->len && g_array_index(w->jobs, guint, k) != (guint)index)
        k++;
    if (k == w->jobs->len)
        return TRUE; /* not a run it holds: nothing to count */
    g_array_remove_index(w->jobs, k);
    if (index == w->running) {
        note_run_time(w->started);
        w->running = -1;
    }
    if (saved) {
        result->finished++;
    } else {
        g_autofree char *reason = g_strdup_printf(POOL_UNSAVED "%s", why);
        g_autofree char *id = plan_run_id(s, index);
        progress_clear(pr);
        g_printerr("flatline: run %s: %s\n", id, reason);
        record_failure(s, opt, index, RUN_CRASHED, reason, 0, result, pr);
        record = NULL; /* the failure recorded here is read back */
    }
    finish_job(s, opt, index, record, record_len, packed, result, pr);
    return TRUE;
}

gboolean pool_run(plan *s, const sweep_options *opt, GArray *pending, pool_result *result,
                  GError **error)
{
    memset(result, 0, sizeof *result);
    result->records = g_new0(run_result *, MAX(s->n_runs, 1));
    if (pending->len == 0)
        return TRUE;
    guint n_workers = MIN((guint)MAX(opt->jobs, 1), pending->len);
    g_autofree worker *workers = g_new0(worker, n_workers);
    g_autofree struct pollfd *fds = g_new0(struct pollfd, n_workers);
    g_autoptr(GArray) retry = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(GHashTable) solo = g_hash_table_new(g_direct_hash, g_direct_equal);
    job_source js;
    job_source_init(&js, s, pending, retry, solo, opt->shard_count > 1, n_workers);
    int pack_first, pack_count;
    runner_pack_of(s, (int)g_array_index(pending, guint, 0), &pack_first, &pack_count);
    guint ahead = js.all_solo ? POOL_QUEUE : MAX(POOL_QUEUE, (guint)pack_count + 1);
    /* The last packs go only to a worker that has nothing left: queued behind another,
     * the last one kept a worker training two packs while the others sat idle (19 ms of
     * a 550 ms seed-scale sweep at -j 2). */
    guint tail = n_workers > 1 ? n_workers * (guint)pack_count : 0;
    struct sigaction old_pipe;
    run_us = 0;
    struct sigaction ign = {0};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old_pipe); /* a dead worker's pipe must not kill us */

    progress pr = {opt->progress, (int)pending->len, 0, 0, 0, g_get_monotonic_time(), 0};
    gboolean ok = TRUE;
    for (guint i = 0; i < n_workers && ok; i++)
        ok = spawn_worker(&workers[i], s, opt, error);
    while (ok && !result->interrupted &&
           result->finished + result->unsaved < (int)pending->len) {
        if (stop_requested()) {
            result->interrupted = TRUE;
            break;
        }
        /* Hand out work. */
        pr.running = 0;
        for (guint i = 0; i < n_workers && ok; i++) {
            worker *w = &workers[i];
            /* A slot left empty when no run was left, until a dead worker gave some back. */
            if (!w->pid && jobs_left(&js))
                ok = spawn_worker(w, s, opt, error);
            while (ok && wants_job(w, jobs_count(&js) > tail ? ahead : 0) && jobs_left(&js))
                if (!send_pack(w, i, s, &js, job_take(&js, i)))
                    break;
            pr.running += w->pid && w->running >= 0;
        }
        progress_draw(&pr, FALSE);
        /* Wait for answers, or for a deadline. */
        for (guint i = 0; i < n_workers; i++) {
            fds[i].fd = workers[i].pid ? workers[i].from : -1;
            fds[i].events = POLLIN;
            fds[i].revents = 0;
        }
        int rc = poll(fds, (nfds_t)n_workers, 100);
        if (rc < 0 && errno != EINTR) {
            g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "poll: %s",
                        g_strerror(errno));
            ok = FALSE;
            break;
        }
        for (guint i = 0; i < n_workers && ok; i++) {
            worker *w = &workers[i];
            if (!w->pid)
                continue;
            gboolean dead = FALSE;
            if (rc > 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                char chunk[65536]; /* a batch's answers with their records at once */
                ssize_t n = read(w->from, chunk, sizeof chunk);
                if (n > 0)
                    g_string_append_len(w->buf, chunk, n);
                else if (n == 0 || errno != EINTR)
                    dead = TRUE;
                if (w->buf->len > POOL_MAX_LINE && !memchr(w->buf->str, '\n', w->buf->len)) {
                    g_string_truncate(w->buf, 0);
                    protocol_broken(w);
                    dead = TRUE;
                }
            }
            /* Complete answers, parsed in place: a line, and after "ok INDEX LEN" the LEN
             * bytes of the run's record. */
            char *nl, *at = w->buf->str, *end = w->buf->str + w->buf->len;
            while (ok && (nl = memchr(at, '\n', (gsize)(end - at)))) {
                *nl = '\0';
                gsize len = 0;
                const char *record = NULL;
                char form[8] = "";
                int fields = sscanf(at, "ok %*d %zu %7s", &len, form);
                if (fields >= 1) {
                    if (len > WORKER_RECORD_MAX) {
                        protocol_broken(w);
                        at = end;
                        dead = TRUE;
                        break;
                    }
                    if ((gsize)(end - (nl + 1)) < len) {
                        *nl = '\n'; /* the record is still on its way */
                        break;
                    }
                    record = nl + 1;
                }
                ok = handle_line(s, opt, w, at, record, len,
                                 fields == 2 && strcmp(form, "packed") == 0, result, &pr,
                                 error);
                at = nl + 1 + (record ? len : 0);
            }
            g_string_erase(w->buf, 0, at - w->buf->str);
            if (!ok)
                break;
            /* Past its deadline: a hang.  The run checks train.timeout itself between
             * epochs; this catches code that never returns. */
            if (!dead && w->running >= 0) {
                int index = w->running;
                /* A pack's runs share their time: its deadline is theirs together. */
                double limit = plan_run_timeout(s, index) * job_pack_count(&js, s, (guint)index);
                double took = (double)(g_get_monotonic_time() - w->started) / 1e6;
                if (limit > 0 && took > limit + MAX(1.0, 0.1 * limit)) {
                    g_autoptr(GArray) jobs = g_steal_pointer(&w->jobs);
                    g_free(reap_worker(w, TRUE, NULL));
                    g_autofree char *why = g_strdup_printf(
                        "exceeded train.timeout = %g s (killed after %.1f s without finishing)",
                        limit, took);
                    settle_jobs(s, opt, jobs, index, RUN_TIMEOUT, why, took, &js, result, &pr);
                    if (ok && jobs_left(&js))
                        ok = spawn_worker(w, s, opt, error);
                    continue;
                }
            }
            if (dead) {
                g_autoptr(GArray) jobs = g_steal_pointer(&w->jobs);
                int charged = w->running;
                /* One that died before beginning any run: what it was to run first. */
                if (charged < 0 && !w->began_any && jobs->len)
                    charged = (int)g_array_index(jobs, guint, 0);
                double took = charged == w->running
                                  ? (double)(g_get_monotonic_time() - w->started) / 1e6
                                  : 0;
                int sig = 0;
                g_autofree char *why = reap_worker(w, TRUE, &sig);
                /* Stopped from outside (Ctrl-C, scancel, kill): the run did not fail, it
                 * was interrupted; leave it unfinished so a resume runs it. */
                if (stop_requested() || sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
                    result->interrupted = TRUE;
                    break;
                }
                if (jobs->len) {
                    settle_jobs(s, opt, jobs, charged, RUN_CRASHED,
                                why ? why : "the worker ended without a result", took, &js,
                                result, &pr);
                } else if (why && !js.handed_any) {
                    /* It died before its first run: starting it is what fails. */
                    g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                                "a worker process failed before running anything: %s", why);
                    ok = FALSE;
                }
                if (ok && jobs_left(&js))
                    ok = spawn_worker(w, s, opt, error);
            }
        }
    }
    progress_clear(&pr);
    for (guint i = 0; i < n_workers; i++)
        g_free(reap_worker(&workers[i], result->interrupted || !ok, NULL));
    sigaction(SIGPIPE, &old_pipe, NULL);
    job_source_clear(&js);
    return ok;
}
