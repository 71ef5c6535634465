/* worker.c — see worker.h. */
#include "worker.h"
#include "host.h"
#include "plan.h"
#include "registry.h"
#include "runner.h"

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

int worker_main(int argc, char **argv)
{
    char *out_dir = NULL;
    char **sets = NULL;
    int threads = 1;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, NULL, NULL},
        {"threads", 0, 0, G_OPTION_ARG_INT, &threads, NULL, NULL},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, NULL, NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2 || !out_dir) {
        g_printerr("flatline __worker: %s\n", err ? err->message : "usage: __worker FILE -o DIR");
        return 2;
    }
    /* Answers go to a private copy of stdout; anything printed by accident goes to stderr. */
    int proto = dup(STDOUT_FILENO);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    FILE *answers = fdopen(proto, "w");
    worker_answers_fd = proto;
    g_log_set_default_handler(worker_log, NULL);
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
    if (!s) {
        g_printerr("flatline __worker: %s\n", err->message);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
        int index = -1;
        char fingerprint[80] = "";
        if (sscanf(line, "%d %79s", &index, fingerprint) != 2 || index < 0 ||
            index >= s->n_runs) {
            fprintf(answers, "fail %d unreadable request\n", index);
            fflush(answers);
            continue;
        }
        g_autoptr(GError) run_err = NULL;
        worker_run_index = index;
        if (strcmp(s->fingerprint, fingerprint) != 0) {
            fprintf(answers, "fail %d the experiment file changed while the sweep ran\n", index);
        } else if (!runner_run(s, index, out_dir, host, &run_err)) {
            /* One line: the message must not end the answer early. */
            g_strdelimit(run_err->message, "\r\n", ' ');
            fprintf(answers, "unsaved %d %s\n", index, run_err->message);
        } else {
            fprintf(answers, "ok %d\n", index);
        }
        fflush(answers);
    }
    free(line);
    fclose(answers);
    g_free(out_dir);
    g_strfreev(sets);
    return 0;
}
