/* results.h — the results directory (doc/flatline.1, FILES): files written whole or not at
 * all, one directory per run whose run.result (written last) marks it finished, and
 * summary.csv rebuilt from the finished runs. */
#ifndef FL_RESULTS_H
#define FL_RESULTS_H

#include <glib.h>
#include "runresult.h"
#include "detect.h"

/* Write a file whole: a temporary file renamed over the target (durable: fsync too). */
gboolean results_write(const char *path, const char *data, gssize len, gboolean durable,
                       GError **error);


/* Write runs/<id>/: metrics.csv (rec->metrics), verdict.json, run.cfg, then run.result:
 * a batch of one. */
gboolean results_save_run(const char *dir, const run_result *rec, const char *run_cfg,
                          GError **error);

/* Group commit: the files of several runs, then one sync, then their run.result markers,
 * then one more sync.  Two syncs per batch instead of two per run; a run whose run.result
 * is not written yet counts as unfinished (a resume reruns it), and every run.result is
 * written after the files it vouches for are on disk. */
typedef struct results_batch results_batch;

/* A worker closes its batch at RESULTS_BATCH_RUNS runs, once its first run has waited
 * RESULTS_BATCH_MS, or as soon as no further run is asked of it.  Two syncs cost about
 * 4-8 ms on a local ext4; 64 runs of a few ms or 250 ms of work make them a few percent,
 * and 250 ms bounds the work a killed sweep loses beyond the runs in progress.  A run that
 * takes longer than that is a batch of one, as before. */
#define RESULTS_BATCH_RUNS 64
#define RESULTS_BATCH_MS 250

results_batch *results_batch_new(const char *dir);
/* The compact layout (journal.h): the batch's runs become records of one journal file,
 * committed with one fdatasync of that file. */
results_batch *results_batch_new_compact(const char *dir);
void results_batch_free(results_batch *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(results_batch, results_batch_free)
/* Write the run's metrics.csv, verdict.json and run.cfg (each whole, not synced) and keep
 * its run.result for the commit.  FALSE when they cannot be written: the run is not in
 * the batch. */
gboolean results_batch_add(results_batch *b, const run_result *rec, const char *run_cfg,
                           GError **error);
guint results_batch_len(const results_batch *b);
/* Microseconds since the batch's first run was added (0 when empty). */
gint64 results_batch_age(const results_batch *b);
/* Sync, write every run.result, sync.  Afterwards results_batch_error(b, i) tells which
 * markers could not be written (NULL: run i is saved); results_batch_index gives its run. */
void results_batch_commit(results_batch *b);
int results_batch_index(const results_batch *b, guint i);
const GError *results_batch_error(const results_batch *b, guint i);
/* Run i's run.result text, as committed. */
const char *results_batch_text(const results_batch *b, guint i, gsize *len);
/* Run i's record packed for the coordinator (recordwire.h; borrowed), or NULL when only its
 * text can carry it. */
GBytes *results_batch_packed(const results_batch *b, guint i);
/* Empty it for the next batch. */
void results_batch_clear(results_batch *b);
/* The result of a finished run (without its metrics), or NULL (no error) if the run is
 * not finished. */
run_result *results_load_run(const char *dir, const char *id, GError **error);
/* The same from a run.result text (origin names it in errors). */
run_result *results_parse_run(const char *text, gsize len, const char *origin, GError **error);

/* Does dir hold anything of any run (runs/ or journal/ not empty)?  FALSE for a new
 * directory: no run of the plan need be looked for. */
gboolean results_any_run(const char *dir);
/* Does run id have a result in dir: runs/<id>/run.result, or a record in a journal? */
gboolean results_run_saved(const char *dir, const char *id);
/* One of a run's files ("metrics.csv", "verdict.json", "run.cfg", "run.result") from its
 * directory, or from its journal record in the compact layout; NULL with error set when
 * there is neither. */
char *results_read_part(const char *dir, const char *id, const char *file, gsize *len,
                        GError **error);

/* Write runs/<id>/ from the run's journal record (the compact layout), as the default
 * layout has it; nothing to do when it has its directory already or no record. */
gboolean results_unpack_run(const char *dir, const char *id, GError **error);

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
