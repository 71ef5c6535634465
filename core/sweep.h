/* sweep.h — a plan's runs trained into a results directory by worker processes, finished
 * ones skipped, then the tables over every finished run and the table at the end. */
#ifndef FL_SWEEP_H
#define FL_SWEEP_H

#include <glib.h>
#include "plan.h"
#include "results.h"
#include "sweep-options.h"

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
