/* worker.h — the worker process of a sweep.  It reads requests "INDEX FINGERPRINT" on
 * stdin, trains each run and writes its files (runner.c), commits them by batches
 * (results.h) and answers on its answers pipe; pool.c says what the answers are.
 *
 * A worker is forked from the coordinator, whose plan it serves as it is
 * (worker_serve_forked), or, where forking is not safe (the coordinator runs threads),
 * started as `flatline __worker FILE -o DIR [--threads N] [--set K=V]...`, which plans
 * the experiment again (reading and resolving the file, no run resolved). */
#ifndef FL_WORKER_H
#define FL_WORKER_H

/* "ok INDEX LEN" is followed by the LEN bytes of the run's run.result, so that the
 * coordinator has the record without reading back what the worker wrote; a larger
 * record goes as "ok INDEX" alone, and is read back. */
#define WORKER_RECORD_MAX (1 << 20)

#include <glib.h>
#include "plan.h"

int worker_main(int argc, char **argv);

/* In a child forked from the coordinator, requests on stdin: serve s's runs, answering
 * on answers_fd, and return the exit status. */
int worker_serve_forked(plan *s, const char *out_dir, gboolean compact, int threads,
                        int answers_fd);

#endif
