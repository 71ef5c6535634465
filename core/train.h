/* train.h — one run: data, model, training loop, per-epoch probes and metrics.csv. */
#ifndef FL_TRAIN_H
#define FL_TRAIN_H

#include <glib.h>
#include <flatline/plugin.h>
#include "config.h"
#include "data.h"
#include "diagnosis.h"
#include "model.h"
#include "runresult.h"


/* The random streams of a run, each derived from the run seed (host.h: rng_derive), so
 * tests can rebuild a run's initial weights. */
enum { TRAIN_STREAM_INIT = 1, TRAIN_STREAM_SHUFFLE = 2, TRAIN_STREAM_DROPOUT = 3 };

/* Train one run of a resolved experiment with the given seed.  Returns FALSE only for
 * errors in the experiment itself (data or model that cannot be built: the caller reports
 * them as configuration errors); a failure while training is recorded in out->status. */
gboolean train_run(const experiment *e, uint64_t seed, fl_host *host, run_result *out,
                   GError **error);
/* The same on data already loaded for e (data_load): the runs of one grid point share
 * their data (its seed is the experiment's, not the run's), so a worker loads it once.
 * kept (may be NULL) carries a model between the runs of e: a model found there is
 * initialized anew for this run's seed instead of built (the weights are the same), and a
 * reusable model (model_reusable) is left there for the next run.  Measured: building the
 * model and its primitives was 6% of a seed-scale run. */
gboolean train_run_on(const experiment *e, const data_split *d, model **kept,
                      uint64_t seed, fl_host *host, run_result *out, GError **error);

/* Train `pack` runs of e, seeds[r] for outs[r], as one pack (model.h: model_build_pack):
 * each run's outcome is what it would be alone, to rounding (its own data order, weights,
 * optimizer state, probes, detectors and early stop).  pack > 1 only when model_packs(e).
 * kept as for train_run_on (a model of another pack size is built anew).  A packed run's
 * wall time is its share of the pack's. */
gboolean train_pack_on(const experiment *e, const data_split *d, model **kept,
                       const uint64_t *seeds, size_t pack, fl_host *host, run_result **outs,
                       GError **error);
/* How many repeats of e (on data d) train as one pack: train.pack when every layer can
 * and a run is small enough for packing to pay (its weights times the batch), else 1. */
size_t train_pack_size(const experiment *e, const data_split *d, fl_host *host);

/* Load the data and build the model of a resolved experiment, then discard them: checks
 * what only the data can tell (files, shapes) before a sweep starts. */
gboolean train_check(const experiment *e, fl_host *host, GError **error);

/* Build a run as train_run does, record the untrained network (epoch 0) and run the
 * detectors' pre-flight checks only; their findings are appended to findings
 * (finding_rec*, owned by the array).  What `flatline check` reports. */
gboolean train_preflight(const experiment *e, uint64_t seed, fl_host *host, GPtrArray *findings,
                         GError **error);

#endif
