/* outdir.h — the results directory as a place to write.  Results travel (tarballs, shared
 * storage), so flatline deletes and writes there only what it wrote itself, never through
 * a symbolic link, and never with two writers on one run.
 *
 * What flatline writes in DIR: experiment.cfg, summary.csv, cells.csv, fixes.csv,
 * report.html, slurm.info, plots/ (charts, their tables in plots/data/), slurm/, runs/,
 * .lock and .lock-shard-I-of-N; in runs/,
 * one directory per run named r and four or more digits, holding metrics.csv,
 * verdict.json, run.cfg, run.result and, while one is being written, its temporary twin
 * (metrics.csv.XXXXXX).  Anything else in DIR or runs/ is the user's and is left alone.
 *
 * Locks (Linux open file description locks, released when the process ends): a sweep of
 * the whole directory holds .lock exclusively; a shard I/N holds .lock shared (shards run
 * side by side) and .lock-shard-I-of-N exclusively, and is refused while a shard with
 * runs in common (J/M with I = J mod gcd(N, M)) holds its own. */
#ifndef FL_OUTDIR_H
#define FL_OUTDIR_H

#include <glib.h>

/* Does dir hold results flatline wrote (an experiment.cfg that is a resolved file)? */
gboolean outdir_holds_results(const char *dir);

/* May the experiment file `input` be run into dir (which need not exist)?  FALSE, with what
 * is wrong and what to do, when input is one of the files flatline writes in dir, when dir
 * is not empty and holds no flatline results, or when its runs/, a run's directory,
 * plots/, plots/data/, slurm/ or a lock is a symbolic link.  input may be NULL. */
gboolean outdir_check(const char *dir, const char *input, GError **error);

typedef struct outdir_lock outdir_lock;

/* Lock dir (which exists) for a sweep: the whole of it when shard_count <= 1, else shard
 * shard_index of shard_count.  NULL with an error naming the writer in the way. */
outdir_lock *outdir_lock_take(const char *dir, int shard_index, int shard_count,
                              GError **error);
void outdir_lock_release(outdir_lock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(outdir_lock, outdir_lock_release)

/* --force over the whole directory: remove the run directories and the tables flatline
 * wrote (summary.csv, cells.csv, fixes.csv, report.html); everything else stays. */
void outdir_clear(const char *dir);

/* Before a run is done again: its run.result first, so that until the new one is written
 * the run counts as unfinished, then any temporary file a killed write left. */
gboolean outdir_prepare_run(const char *dir, const char *id, GError **error);

/* runs/<id>/ made (or found) as a real directory to write the run's files into. */
gboolean outdir_make_run_dir(const char *dir, const char *id, GError **error);

/* Is name a run's name as flatline gives them ("r0007": r and at least four digits)?
 * Nothing else names a run directory, so no name read from a file can lead outside runs/. */
gboolean outdir_is_run_name(const char *name);

#endif
