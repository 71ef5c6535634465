/* sweep.h — an experiment's runs: the grid expanded (axes in file order, the first
 * varying slowest, repeats innermost), every run resolved and checked before any runs,
 * then run one after another into the results directory, skipping finished ones. */
#ifndef FL_SWEEP_H
#define FL_SWEEP_H

#include <glib.h>
#include "config.h"
#include "registry.h"
#include "results.h"

typedef struct run_plan {
    int index;
    char *id;             /* "r0007" */
    int cell;             /* grid point */
    int repeat;
    gint64 seed;
    GPtrArray *overrides; /* override*: --set, then the run's grid values */
    GStrv labels;         /* the run's value on each axis, short */
    experiment *exp;      /* resolved */
    char *cfg_text;       /* resolved, as a file: runs/<id>/run.cfg */
    char *fingerprint;
} run_plan;

typedef struct sweep {
    experiment_file *file;
    experiment *base;     /* resolved with --set only */
    GStrv axis_keys;
    GPtrArray *runs;      /* run_plan* */
    int n_cells;
} sweep;

/* Expand and resolve every run; check each distinct data/model once (loads the data). */
sweep *sweep_plan(const char *path, GPtrArray *sets, registry *reg, fl_host *host,
                  gboolean check_data, GError **error);
void sweep_free(sweep *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sweep, sweep_free)

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
gboolean sweep_run(sweep *s, const sweep_options *opt, sweep_totals *totals, GError **error);

/* Rebuild dir's summary.csv and cells.csv from every run found in it (all the shards or
 * array tasks that wrote there), planning from dir/experiment.cfg.  missing (guint, may
 * be NULL) receives the plan positions of runs without a result. */
sweep *sweep_merge(const char *dir, registry *reg, fl_host *host, GArray *missing,
                   GError **error);

/* The line a finished run gets: verdict, primary cause, where it stopped, the fix. */
void sweep_print_run(const sweep *s, const run_plan *p, const run_record *rec);

/* Train one run and save its files (what a worker does). */
gboolean sweep_run_one(sweep *s, const run_plan *p, const char *out_dir, fl_host *host,
                       GError **error);
/* Save a run that died or ran out of time, with its reason. */
gboolean sweep_record_failure(sweep *s, const run_plan *p, const char *out_dir,
                              const char *status, const char *reason, double wall_ms,
                              GError **error);

#endif
