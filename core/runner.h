/* runner.h — one run of a plan: train it and save its files, or save why it failed; and
 * the line a finished run gets on the terminal.  What a worker does for each request. */
#ifndef FL_RUNNER_H
#define FL_RUNNER_H

#include <glib.h>
#include "plan.h"
#include "results.h"

/* What a worker keeps from one run to the next: the resolved configuration of the last
 * grid point it ran (runs of one point differ only in seed and name). */
typedef struct runner_cache runner_cache;
runner_cache *runner_cache_new(void);
void runner_cache_free(runner_cache *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(runner_cache, runner_cache_free)

/* Train run `index` and write its files into batch (results.h: its run.result waits for
 * the batch's commit).  A run that cannot be resolved or trained is saved as crashed with
 * the reason; FALSE only when its files cannot be written.  Runs train in packs of
 * train.pack repeats of a grid point (train_pack_size): asked for one run of a pack, the
 * worker trains the whole pack and keeps the others' outcomes for when they are asked
 * for; `solo` trains the run alone (a run whose pack killed a worker). */
gboolean runner_run(plan *p, int index, gboolean solo, runner_cache *cache,
                    results_batch *batch, fl_host *host, GError **error);
/* Whether run `index` was trained with its pack and waits in the cache for runner_run
 * to save it (nothing is left to compute for it). */
gboolean runner_holds(const runner_cache *cache, const plan *p, int index);
/* The plan indices [*first, *first + *count) that may train together with run `index`
 * (train.pack repeats when the layers can pack; a worker packs fewer when a run is too
 * large for packing to pay): the pool sends them to one worker. */
void runner_pack_of(plan *p, int index, int *first, int *count);

/* Save a run that died or ran out of time (status "crashed" or "timeout"), with why. */
gboolean runner_record_failure(plan *p, int index, const char *out_dir, run_status status,
                               const char *reason, double wall_ms, GError **error);

/* "r0007 lr=0.1 seed=7: collapsed (dead_relu), stopped at epoch 5 of 100, loss 0.25 -
 * fix: ...", control characters escaped. */
void runner_print(const run_result *rec);

#endif
