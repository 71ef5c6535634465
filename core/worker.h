/* worker.h — the worker process of a sweep: `flatline __worker FILE -o DIR [--threads N]
 * [--set K=V]...`.  It plans the experiment once (reading and resolving the file, no run
 * resolved), then reads requests "INDEX FINGERPRINT" on stdin, trains each run and writes
 * its files (runner.c), commits them by batches (results.h) and answers on stdout; pool.c
 * says what the answers are. */
#ifndef FL_WORKER_H
#define FL_WORKER_H

/* "ok INDEX LEN" is followed by the LEN bytes of the run's run.result, so that the
 * coordinator has the record without reading back what the worker wrote; a larger
 * record goes as "ok INDEX" alone, and is read back. */
#define WORKER_RECORD_MAX (1 << 20)

int worker_main(int argc, char **argv);

#endif
