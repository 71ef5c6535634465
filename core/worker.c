/* worker.c — see worker.h. */
#include "worker.h"
#include "host.h"
#include "plan.h"
#include "registry.h"
#include "results.h"
#include "runner.h"

#include <errno.h>
#include <poll.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int worker_answers_fd = -1;
static volatile int worker_run_index = -1;

/* GLib aborts on a failed allocation (g_malloc) after logging an error: tell the
 * coordinator why first, so the run's reason is more than "signal 6".  Runs with memory
 * exhausted: no allocation here, one write(2). */
static void worker_log(const char *domain, GLogLevelFlags level, const char *message,
                       gpointer data)
{
    if ((level & (G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL)) && worker_answers_fd >= 0) {
        char line[1024];
        int n = snprintf(line, sizeof line, "crash %d %s%s%s", worker_run_index,
                         domain ? domain : "", domain ? ": " : "", message);
        n = n < 0 ? 0 : MIN(n, (int)sizeof line - 2);
        for (int i = 0; i < n; i++)
            if (line[i] == '\n' || line[i] == '\r')
                line[i] = ' ';
        line[n++] = '\n';
        if (write(worker_answers_fd, line, (size_t)n) < 0)
            g_debug("cannot tell the coordinator");
    }
    g_log_default_handler(domain, level, message, data);
}

/* Requests arrive as lines on stdin, read here without stdio so that whether one is
 * waiting can be asked (stdio's buffer cannot be). */
static gboolean worker_request_waiting(GString *in)
{
    if (memchr(in->str, '\n', in->len))
        return TRUE;
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    return poll(&p, 1, 0) > 0;
}

/* The next line of stdin without its newline, or NULL at end of file. */
static char *worker_read_line(GString *in)
{
    while (TRUE) {
        char *nl = memchr(in->str, '\n', in->len);
        if (nl) {
            char *line = g_strndup(in->str, (gsize)(nl - in->str));
            g_string_erase(in, 0, nl - in->str + 1);
            return line;
        }
        char chunk[4096];
        ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        g_string_append_len(in, chunk, n);
    }
}

/* The batch's run.result markers written and synced (results.h): now, and only now, its
 * runs are answered as saved. */
static void worker_commit(results_batch *batch, FILE *answers)
{
    results_batch_commit(batch);
    for (guint i = 0; i < results_batch_len(batch); i++) {
        const GError *e = results_batch_error(batch, i);
        if (e) {
            g_autofree char *why = g_strdelimit(g_strdup(e->message), "\r\n", ' ');
            fprintf(answers, "unsaved %d %s\n", results_batch_index(batch, i), why);
        } else {
            gsize len = 0;
            GBytes *packed = results_batch_packed(batch, i);
            const char *text = results_batch_text(batch, i, &len);
            if (packed && g_bytes_get_size(packed) <= WORKER_RECORD_MAX) {
                /* The record as the coordinator keeps it: nothing for it to parse. */
                const void *data = g_bytes_get_data(packed, &len);
                fprintf(answers, "ok %d %zu packed\n", results_batch_index(batch, i), len);
                fwrite(data, 1, len, answers);
            } else if (text && len <= WORKER_RECORD_MAX) {
                fprintf(answers, "ok %d %zu\n", results_batch_index(batch, i), len);
                fwrite(text, 1, len, answers);
            } else {
                fprintf(answers, "ok %d\n", results_batch_index(batch, i));
            }
        }
    }
    fflush(answers);
    results_batch_clear(batch);
}

/* Serve requests on stdin until it ends, answering on answers (closed here). */
static int worker_serve(plan *s, fl_host *host, const char *out_dir, gboolean compact,
                        FILE *answers)
{
    g_autoptr(results_batch) batch =
        compact ? results_batch_new_compact(out_dir) : results_batch_new(out_dir);
    g_autoptr(runner_cache) cache = runner_cache_new();
    g_autoptr(GString) in = g_string_new(NULL);
    char *line;
    while (TRUE) {
        /* Close the batch when it is full, old, or nothing else is asked for now: a
         * worker never sits on finished runs while it waits. */
        guint pending = results_batch_len(batch);
        if (pending && (pending >= RESULTS_BATCH_RUNS ||
                        results_batch_age(batch) >= RESULTS_BATCH_MS * 1000 ||
                        !worker_request_waiting(in)))
            worker_commit(batch, answers);
        if (!(line = worker_read_line(in)))
            break;
        int index = -1;
        char fingerprint[80] = "", mode[8] = "";
        if (sscanf(line, "%d %79s %7s", &index, fingerprint, mode) < 2 || index < 0 ||
            index >= s->n_runs) {
            fprintf(answers, "fail %d unreadable request\n", index);
            fflush(answers);
            g_free(line);
            continue;
        }
        g_free(line);
        g_autoptr(GError) run_err = NULL;
        worker_run_index = index;
        if (strcmp(s->fingerprint, fingerprint) != 0) {
            fprintf(answers, "fail %d the experiment file changed while the sweep ran\n", index);
            fflush(answers);
            continue;
        }
        /* The coordinator times the run from here, and charges this run if we die.  A
         * run its pack trained already has nothing left to time: its line goes with the
         * next answers that must leave now, not in a write of its own (a pipe write that
         * wakes the coordinator was 2% of a packed seed-scale run). */
        fprintf(answers, "begin %d\n", index);
        if (strcmp(mode, "solo") == 0 || !runner_holds(cache, s, index))
            fflush(answers);
        if (!runner_run(s, index, strcmp(mode, "solo") == 0, cache, batch, host, &run_err)) {
            /* One line: the message must not end the answer early. */
            g_strdelimit(run_err->message, "\r\n", ' ');
            fprintf(answers, "unsaved %d %s\n", index, run_err->message);
            fflush(answers);
        }
    }
    worker_commit(batch, answers);
    fclose(answers);
    return 0;
}

/* Answers go to proto; anything printed by accident goes to stderr. */
static FILE *worker_answers_open(int proto)
{
    dup2(STDERR_FILENO, STDOUT_FILENO);
    FILE *answers = fdopen(proto, "w");
    worker_answers_fd = proto;
    g_log_set_default_handler(worker_log, NULL);
    return answers;
}

int worker_serve_forked(plan *s, const char *out_dir, gboolean compact, int threads,
                        int answers_fd)
{
    FILE *answers = worker_answers_open(answers_fd);
    if (!answers)
        return 2;
    host_set_threads(threads);
    g_autoptr(GError) err = NULL;
    g_autoptr(fl_host) host = host_new(threads, &err);
    if (!host) {
        g_printerr("flatline worker: %s\n", err->message);
        return 2;
    }
    return worker_serve(s, host, out_dir, compact, answers);
}

int worker_main(int argc, char **argv)
{
    char *out_dir = NULL;
    char **sets = NULL;
    int threads = 1;
    gboolean compact = FALSE;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, NULL, NULL},
        {"threads", 0, 0, G_OPTION_ARG_INT, &threads, NULL, NULL},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, NULL, NULL},
        {"compact", 0, 0, G_OPTION_ARG_NONE, &compact, NULL, NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2 || !out_dir) {
        g_printerr("flatline __worker: %s\n", err ? err->message : "usage: __worker FILE -o DIR");
        return 2;
    }
    FILE *answers = worker_answers_open(dup(STDOUT_FILENO));
    host_set_threads(threads);
    g_autoptr(GPtrArray) overrides = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
    for (char **s = sets; s && *s; s++) {
        override *o = override_parse(*s, &err);
        if (!o) {
            g_printerr("flatline __worker: %s\n", err->message);
            return 2;
        }
        g_ptr_array_add(overrides, o);
    }
    g_autoptr(registry) reg = registry_new();
    g_autoptr(fl_host) host = host_new(threads, &err);
    /* Planning reads and resolves the file once; runs are resolved as they come. */
    g_autoptr(plan) s = host ? plan_new(argv[1], overrides, reg, host, FALSE, &err) : NULL;
    if (!s || !answers) {
        g_printerr("flatline __worker: %s\n", err ? err->message : g_strerror(errno));
        return 2;
    }
    int status = worker_serve(s, host, out_dir, compact, answers);
    g_free(out_dir);
    g_strfreev(sets);
    return status;
}
