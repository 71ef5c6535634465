/* stop.c — see stop.h. */
#include "stop.h"

static volatile sig_atomic_t stop_signal;
static int depth;

static void on_stop_signal(int sig) { stop_signal = sig; }

void stop_catch(stop_guard *g)
{
    if (depth++ == 0)
        stop_signal = 0;
    struct sigaction sa = {0};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &g->old_int);
    sigaction(SIGTERM, &sa, &g->old_term);
}

void stop_release(stop_guard *g)
{
    sigaction(SIGINT, &g->old_int, NULL);
    sigaction(SIGTERM, &g->old_term, NULL);
    depth--;
}

int stop_requested(void) { return stop_signal; }
