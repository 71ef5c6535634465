/* stop.h — Ctrl-C, scancel and kill asking a sweep to stop.
 *
 * A sweep catches SIGINT and SIGTERM from before it takes its directory's lock until it
 * returns, so a stop sent at any moment in between is seen, never lost: a shell starts a
 * background command with SIGINT ignored, and a handler installed only once workers run
 * would leave the scan of saved runs deaf to it.  Catching nests (verification runs
 * sweeps of its own); the outermost catch clears what an earlier sweep saw. */
#ifndef FL_STOP_H
#define FL_STOP_H

#include <glib.h>
#include <signal.h>

typedef struct stop_guard {
    struct sigaction old_int, old_term;
} stop_guard;

void stop_catch(stop_guard *g);
void stop_release(stop_guard *g);

/* The signal that asked to stop since the outermost catch, or 0. */
int stop_requested(void);

#endif
