/* pool.h — runs a sweep's pending runs in worker processes.
 *
 * Each worker is `flatline __worker` (worker.c): it plans the same sweep, then trains the
 * runs it is sent one after another and saves their files itself.  A worker that dies
 * (segfault, abort, out of memory) or overruns train.timeout costs one run, recorded as
 * crashed or timeout with the reason; a new worker takes its place.  SIGINT and SIGTERM
 * stop the pool: runs in progress stay unfinished (no run.result) and are rerun on
 * resume. */
#ifndef FL_POOL_H
#define FL_POOL_H

#include <glib.h>
#include "sweep.h"

typedef struct pool_result {
    int finished;          /* runs with a result now (ok or recorded failure) */
    gboolean interrupted;  /* stopped by a signal */
} pool_result;

/* pending: indices into s->runs. */
gboolean pool_run(sweep *s, const sweep_options *opt, GArray *pending, pool_result *result,
                  GError **error);

/* The worker side: `flatline __worker FILE -o DIR [--threads N] [--set K=V]...`. */
int worker_main(int argc, char **argv);

#endif
