/* pool.c — see pool.h.  The coordinator talks to each worker over two pipes, one line per
 * message: it sends "INDEX FINGERPRINT" (the run's position in the plan and the hash of
 * its resolved configuration, so a worker that planned a changed file refuses), the
 * worker answers "ok INDEX" once the run's files are saved, "unsaved INDEX why" when they
 * could not be (the run failed, the sweep goes on), "fail INDEX why" when it cannot run
 * the request at all (the sweep stops), and "crash INDEX why" just before GLib aborts it
 * (a failed allocation), so that the run's reason says more than the signal.  End of file
 * from a worker means it died. */
#include "pool.h"
#include "results.h"
#include "runner.h"

#include <errno.h>
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
    int job;        /* position in `pending` of its run, or -1 */
    gint64 started; /* when that run was sent (monotonic, us) */
    char *last_words; /* what it said before aborting ("crash" line), or NULL */
} worker;

/* A worker's answers are short lines: one this long without a newline is garbage, and
 * holding it would let a broken worker grow the coordinator without bound. */
#define POOL_MAX_LINE 65536

/* The reason of a run whose worker could not save its files. */
#define POOL_UNSAVED "its files could not be saved: "

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

static void worker_child_setup(gpointer data)
{
    (void)data;
    /* Ctrl-C reaches the whole process group: the coordinator alone decides what stops. */
    signal(SIGINT, SIG_IGN);
    /* A coordinator killed outright takes its workers with it: no orphan keeps writing
     * into the directory the next sweep resumes. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean spawn_worker(worker *w, const sweep_options *opt, GError **error)
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
    for (char **s = opt->sets; s && *s; s++)
        g_ptr_array_add(argv, g_strdup_printf("--set=%s", *s));
    g_ptr_array_add(argv, NULL);
    memset(w, 0, sizeof *w);
    w->job = -1;
    if (!g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                  worker_child_setup, NULL, &w->pid, &w->to, &w->from, NULL,
                                  error)) {
        g_prefix_error(error, "cannot start a worker process: ");
        return FALSE;
    }
    w->buf = g_string_new(NULL);
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

static gboolean send_job(worker *w, const plan *s, int index, int job)
{
    char line[128];
    g_snprintf(line, sizeof line, "%d %s\n", index, s->fingerprint);
    gsize len = strlen(line), off = 0;
    while (off < len) {
        ssize_t n = write(w->to, line + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        off += (gsize)n;
    }
    w->job = job;
    w->started = g_get_monotonic_time();
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
static void record_failure(plan *s, const sweep_options *opt, int index, const char *status,
                           const char *why, double wall_ms, pool_result *result, progress *pr)
{
    g_autoptr(GError) err = NULL;
    if (runner_record_failure(s, index, opt->out_dir, status, why, wall_ms, &err)) {
        result->finished++;
    } else {
        g_autofree char *id = plan_run_id(s, index);
        progress_clear(pr);
        g_printerr("flatline: run %s: %s (%s), and not even that could be saved: %s\n", id,
                   status, g_str_has_prefix(why, POOL_UNSAVED) ? "see above" : why,
                   err->message);
        result->unsaved++;
    }
}

/* A run is over (saved by its worker, or recorded here): count and show it. */
static void finish_job(const plan *s, const sweep_options *opt, int index, progress *pr)
{
    pr->done++;
    pr->running -= pr->running > 0; /* until the next hand-out counts again */
    /* Without the progress line nothing below is shown: spare reading run.result back. */
    if (!pr->on)
        return;
    g_autoptr(GError) err = NULL;
    g_autofree char *id = plan_run_id(s, index);
    g_autoptr(run_record) rec = results_load_run(opt->out_dir, id, &err);
    if (rec && strcmp(rec->verdict, "collapsed") == 0)
        pr->collapsed++;
    if (rec && pr->on) {
        progress_clear(pr);
        runner_print(rec);
    }
    progress_draw(pr, TRUE);
}

gboolean pool_run(plan *s, const sweep_options *opt, GArray *pending, pool_result *result,
                  GError **error)
{
    memset(result, 0, sizeof *result);
    if (pending->len == 0)
        return TRUE;
    guint n_workers = MIN((guint)MAX(opt->jobs, 1), pending->len);
    g_autofree worker *workers = g_new0(worker, n_workers);
    g_autofree struct pollfd *fds = g_new0(struct pollfd, n_workers);
    struct sigaction sa = {0}, old_int, old_term, old_pipe;
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    struct sigaction ign = {0};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old_pipe); /* a dead worker's pipe must not kill us */

    progress pr = {opt->progress, (int)pending->len, 0, 0, 0, g_get_monotonic_time(), 0};
    gboolean ok = TRUE;
    guint next = 0;
    for (guint i = 0; i < n_workers && ok; i++)
        ok = spawn_worker(&workers[i], opt, error);
    while (ok && !result->interrupted &&
           result->finished + result->unsaved < (int)pending->len) {
        if (stop_signal) {
            result->interrupted = TRUE;
            break;
        }
        /* Hand out work. */
        pr.running = 0;
        for (guint i = 0; i < n_workers; i++) {
            worker *w = &workers[i];
            if (w->pid && w->job < 0 && next < pending->len) {
                guint idx = g_array_index(pending, guint, next);
                if (send_job(w, s, (int)idx, (int)next))
                    next++;
            }
            pr.running += w->pid && w->job >= 0;
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
                char chunk[4096];
                ssize_t n = read(w->from, chunk, sizeof chunk);
                if (n > 0)
                    g_string_append_len(w->buf, chunk, n);
                else if (n == 0 || errno != EINTR)
                    dead = TRUE;
                if (w->buf->len > POOL_MAX_LINE && !memchr(w->buf->str, '\n', w->buf->len)) {
                    g_string_truncate(w->buf, 0);
                    g_free(w->last_words);
                    w->last_words = g_strdup("an answer that is not a line of the protocol");
                    dead = TRUE;
                }
            }
            /* Complete lines: answers about the worker's run. */
            char *nl;
            while (ok && (nl = memchr(w->buf->str, '\n', w->buf->len))) {
                g_autofree char *line = g_strndup(w->buf->str, (gsize)(nl - w->buf->str));
                g_string_erase(w->buf, 0, nl - w->buf->str + 1);
                if (w->job < 0)
                    continue;
                int index = (int)g_array_index(pending, guint, w->job);
                const char *space = strchr(line, ' ');
                const char *why = space ? strchr(space + 1, ' ') : NULL;
                why = why ? why + 1 : "(no reason given)";
                if (g_str_has_prefix(line, "crash ")) {
                    /* The worker is about to abort: keep its words for the reason. */
                    g_free(w->last_words);
                    w->last_words = g_strdup(why);
                    continue;
                }
                if (g_str_has_prefix(line, "fail ")) {
                    g_autofree char *id = plan_run_id(s, index);
                    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "run %s: %s", id, why);
                    ok = FALSE;
                    break;
                }
                w->job = -1;
                if (g_str_has_prefix(line, "unsaved ")) {
                    g_autofree char *reason = g_strdup_printf(POOL_UNSAVED "%s", why);
                    g_autofree char *id = plan_run_id(s, index);
                    progress_clear(&pr);
                    g_printerr("flatline: run %s: %s\n", id, reason);
                    record_failure(s, opt, index, "crashed", reason, 0, result, &pr);
                } else {
                    result->finished++;
                }
                finish_job(s, opt, index, &pr);
            }
            /* Past its deadline: a hang.  The run checks train.timeout itself between
             * epochs; this catches code that never returns. */
            if (!dead && w->job >= 0) {
                int index = (int)g_array_index(pending, guint, w->job);
                double limit = plan_run_timeout(s, index);
                double took = (double)(g_get_monotonic_time() - w->started) / 1e6;
                if (limit > 0 && took > limit + MAX(1.0, 0.1 * limit)) {
                    g_free(reap_worker(w, TRUE, NULL));
                    g_autofree char *why = g_strdup_printf(
                        "exceeded train.timeout = %g s (killed after %.1f s without finishing)",
                        limit, took);
                    record_failure(s, opt, index, "timeout", why, took * 1000, result, &pr);
                    finish_job(s, opt, index, &pr);
                    if (ok && next < pending->len)
                        ok = spawn_worker(w, opt, error);
                    continue;
                }
            }
            if (dead) {
                int job = w->job;
                double took = (double)(g_get_monotonic_time() - w->started) / 1e6;
                int sig = 0;
                g_autofree char *why = reap_worker(w, TRUE, &sig);
                /* Stopped from outside (Ctrl-C, scancel, kill): the run did not fail, it
                 * was interrupted; leave it unfinished so a resume runs it. */
                if (stop_signal || sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
                    result->interrupted = TRUE;
                    break;
                }
                if (job >= 0) {
                    int index = (int)g_array_index(pending, guint, job);
                    record_failure(s, opt, index, "crashed",
                                   why ? why : "the worker ended without a result", took * 1000,
                                   result, &pr);
                    finish_job(s, opt, index, &pr);
                } else if (why && next == 0) {
                    /* It died before its first run: starting it is what fails. */
                    g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                                "a worker process failed before running anything: %s", why);
                    ok = FALSE;
                }
                if (ok && next < pending->len)
                    ok = spawn_worker(w, opt, error);
            }
        }
    }
    progress_clear(&pr);
    for (guint i = 0; i < n_workers; i++)
        g_free(reap_worker(&workers[i], result->interrupted || !ok, NULL));
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    return ok;
}
