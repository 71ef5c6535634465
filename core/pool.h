/* pool.h — runs a sweep's pending runs in worker processes.
 *
 * Each worker (worker.c) is forked from the coordinator and serves its plan, or is
 * `flatline __worker`, which plans the same experiment again, where forking is not safe or
 * FLATLINE_WORKER_EXEC=1 asks for it.  It trains the runs it is sent one after another
 * and saves their files itself, committing them in batches (results.h: results_batch).  A worker that dies
 * (segfault, abort, out of memory) or overruns train.timeout costs one run (the one it was
 * running; the runs of its open batch are run again), recorded as
 * crashed or timeout with the reason (a worker that dies of a failed allocation says so
 * first); a new worker takes its place.  A run whose files cannot be saved (a full disk)
 * is recorded as crashed when its failure can be saved, counted as unsaved otherwise, and
 * the sweep goes on.  SIGINT and SIGTERM
 * stop the pool: runs in progress stay unfinished (no run.result) and are rerun on
 * resume. */
#ifndef FL_POOL_H
#define FL_POOL_H

#include <glib.h>
#include "plan.h"
#include "runresult.h"
#include "sweep-options.h"

typedef struct pool_result {
    int finished;          /* runs with a result now (ok or recorded failure) */
    int unsaved;           /* runs that ended without a result: not even their failure could
                            * be saved (a full disk); each one was named on stderr */
    gboolean interrupted;  /* stopped by a signal */
    run_result **records;  /* (the plan's n_runs) each run finished here, read back the
                            * moment it finished, NULL for the others: reading them all
                            * after the last worker was the sweep's serial tail */
} pool_result;

/* Free what pool_run left in result (the records not taken). */
void pool_result_clear(pool_result *result, int n_runs);

/* The range of -j (worker processes) and --threads (oneDNN threads per run). */
#define POOL_MAX_JOBS 1024
#define POOL_MAX_THREADS 1024

/* pending (guint): run positions in the plan. */
gboolean pool_run(plan *s, const sweep_options *opt, GArray *pending, pool_result *result,
                  GError **error);

#endif
