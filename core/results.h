/* results.h — the results directory (doc/flatline.1, FILES): files written whole or not at
 * all, one directory per run whose run.result (written last) marks it finished, and
 * summary.csv rebuilt from the finished runs. */
#ifndef FL_RESULTS_H
#define FL_RESULTS_H

#include <glib.h>
#include "train.h"
#include "detect.h"

/* Write a file whole: a temporary file renamed over the target (durable: fsync too). */
gboolean results_write(const char *path, const char *data, gssize len, gboolean durable,
                       GError **error);

/* What a finished run left in its run.result. */
typedef struct run_record {
    char *id;
    int index;
    int cell;             /* grid point */
    gint64 seed;
    char *status;         /* ok | crashed | timeout */
    char *reason;
    char *verdict;        /* healthy | warning | collapsed */
    char *causes;         /* ';'-separated, primary first */
    double final_loss;
    int epochs_run;
    int epochs_planned;
    gboolean stopped_early;
    char *advice;         /* the primary finding's advice, or NULL */
    double wall_ms;
    char *fingerprint;    /* of the run's resolved configuration */
    GStrv axis_keys;      /* grid keys and the run's values (labels) */
    GStrv axis_values;
    GPtrArray *findings;  /* finding_rec*, primary first (empty if none) */
    GStrv out_names;      /* target columns (NULL if the run crashed before loading data) */
    double *target_std;   /* their spread over the training rows, n_outputs values */
    gsize n_outputs;
    /* Whether the run learned (train.h: run_output); NaN where unknown. */
    double baseline_loss, final_data_loss, final_accuracy, majority_accuracy;
} run_record;

void run_record_free(run_record *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(run_record, run_record_free)

/* Write runs/<id>/: metrics.csv, verdict.json, run.cfg, then run.result. */
gboolean results_save_run(const char *dir, const run_record *rec, const run_output *out,
                          const char *run_cfg, GError **error);
/* The record of a finished run, or NULL (no error) if the run is not finished. */
run_record *results_load_run(const char *dir, const char *id, GError **error);

/* summary.csv from records in run order (missing runs are left out). */
gboolean results_write_summary(const char *dir, GPtrArray *records, GStrv axis_keys,
                               GError **error);

/* One grid point's replicates. */
typedef struct cell_stats {
    int cell;
    GStrv labels;       /* the point's value on each axis */
    int runs, collapsed;
    double rate, lo, hi; /* collapse rate and its Wilson 95% interval */
    char *primary;      /* "dead_relu:3;oscillation:1", most frequent first */
} cell_stats;

/* The Wilson score interval at 95% for k successes out of n. */
void results_wilson(int k, int n, double *lo, double *hi);
/* Group finished records by grid point (cell_labels: a GStrv per point, copied; returns
 * cell_stats*, caller frees the array). */
GPtrArray *results_cells(GPtrArray *records, GPtrArray *cell_labels);
gboolean results_write_cells(const char *dir, GPtrArray *cells, GStrv axis_keys,
                             GError **error);

#endif
