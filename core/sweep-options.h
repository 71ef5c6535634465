/* sweep-options.h — how a sweep is run (sweep_options) and what it did (sweep_totals).
 * Apart from sweep.h so that pool.h, which the sweep uses, can take the options without
 * including the sweep. */
#ifndef FL_SWEEP_OPTIONS_H
#define FL_SWEEP_OPTIONS_H

#include <glib.h>

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
    gboolean compact;   /* results as journal records, not run directories (journal.h) */
} sweep_options;

typedef struct sweep_totals {
    /* ok, crashed and timeout count this shard's runs with a result, skipped ones included */
    int planned, skipped, ran, ok, crashed, timeout;
    int unsaved;        /* runs whose files could not be saved, not even as a failure */
    gboolean tables_unsaved; /* summary.csv or cells.csv could not be written */
    gboolean interrupted;
    int unfinished;     /* runs left without a result by an interruption */
} sweep_totals;

#endif
