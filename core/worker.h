/* worker.h — the worker process of a sweep: `flatline __worker FILE -o DIR [--threads N]
 * [--set K=V]...`.  It plans the experiment once (reading and resolving the file, no run
 * resolved), then reads requests "INDEX FINGERPRINT" on stdin, trains each run and writes
 * its files (runner.c), commits them by batches (results.h) and answers on stdout; pool.c
 * says what the answers are. */
#ifndef FL_WORKER_H
#define FL_WORKER_H

int worker_main(int argc, char **argv);

#endif
