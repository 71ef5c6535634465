/* sweep.h — a plan's runs trained into a results directory by worker processes, finished
 * ones skipped, then the tables over every finished run and the table at the end. */
#ifndef FL_SWEEP_H
#define FL_SWEEP_H

#include <glib.h>
#include "plan.h"
#include "results.h"

typedef struct sweep_options {
    const char *out_dir;
    gboolean force;
    gboolean quiet;
    gboolean progress;  /* a live progress line (on a terminal) */
    int shard_index, shard_count; /* run i belongs to this shard if i % count == index */
    int jobs;           /* worker processes */
    int threads;        /* oneDNN threads per worker */
    const char *path;   /* the experiment file, for the workers */
    char **sets;        /* the --set arguments as given, for the workers */
    gboolean no_table;  /* print no table at the end (verification reruns: verify.c) */
    gboolean verifying; /* fixes are verified next: the table leaves unverified advice out */
} sweep_options;

typedef struct sweep_totals {
    /* ok, crashed and timeout count this shard's runs with a result, skipped ones included */
    int planned, skipped, ran, ok, crashed, timeout;
    int unsaved;        /* runs whose files could not be saved, not even as a failure */
    gboolean tables_unsaved; /* summary.csv or cells.csv could not be written */
    gboolean interrupted;
    int unfinished;     /* runs left without a result by an interruption */
} sweep_totals;

/* Run the sweep in worker processes (pool.c).  FALSE with an error: nothing could be run
 * (directory problems, a directory holding another experiment).  Runs that crash, time
 * out or cannot save their files are recorded (or counted as unsaved) and the others go
 * on. */
gboolean sweep_run(plan *s, const sweep_options *opt, sweep_totals *totals, GError **error);

/* Rebuild dir's summary.csv and cells.csv from every run found in it (all the shards or
 * array tasks that wrote there), planning from dir/experiment.cfg.  missing (guint, may
 * be NULL) receives the plan positions of runs without a result. */
plan *sweep_merge(const char *dir, registry *reg, fl_host *host, GArray *missing,
                   GError **error);

#endif
