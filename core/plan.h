/* plan.h — an experiment's runs, known without resolving them.
 *
 * The file is read and resolved once (with `--set`); the grid is a mixed-radix number
 * (axes in file order, the first varying slowest, repeats innermost), so a run's position
 * gives its grid point, its values and its seed by arithmetic.  A run's configuration is
 * resolved only when it is needed (to train it, to write its run.cfg), from the parsed
 * file, so planning costs the same for ten runs and for a million.
 *
 * Planning checks each grid value once, and the data and model of every combination of
 * the axes that change them (up to PLAN_MAX_SHAPE_CHECKS combinations; beyond that each
 * value once): an error names the grid value at fault, before any run starts. */
#ifndef FL_PLAN_H
#define FL_PLAN_H

#include <glib.h>
#include "config.h"
#include "registry.h"

/* Combinations of shape-changing grid values whose data and model are checked before a
 * sweep; a grid with more is checked value by value. */
#define PLAN_MAX_SHAPE_CHECKS 4096
/* The most runs one experiment may have (run ids stay short, counters stay ints). */
#define PLAN_MAX_RUNS 100000000

typedef struct plan {
    experiment_file *file;
    experiment *base;      /* resolved with --set only */
    registry *reg;         /* borrowed */
    GPtrArray *sets;       /* override*: the --set values, in order */
    GStrv axis_keys;
    int n_cells, repeats, n_runs;
    int id_width;          /* digits of a run id */
    char *experiment_cfg;  /* what DIR/experiment.cfg holds: resolved, grid included */
    char *fingerprint;     /* hash of that text without its comment header */
    int seed_axis;         /* position of a "seed" grid axis, or -1 */
    int timeout_axis;      /* position of a "train.timeout" grid axis, or -1 */
} plan;

/* One run, resolved. */
typedef struct run_plan {
    int index;
    char *id;              /* "r0007" */
    int cell;              /* grid point */
    int repeat;
    gint64 seed;
    GStrv labels;          /* the run's value on each axis, short */
    experiment *exp;       /* resolved, named after the run */
    char *cfg_text;        /* runs/<id>/run.cfg */
} run_plan;

/* Read, resolve with sets (override*, copied) and check the grid; check_data loads the
 * data and builds the models too (what `check` and `run` do; merging does not). */
plan *plan_new(const char *path, GPtrArray *sets, registry *reg, fl_host *host,
               gboolean check_data, GError **error);
void plan_free(plan *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(plan, plan_free)

/* Arithmetic on positions: no resolving. */
char *plan_run_id(const plan *p, int index);
int plan_cell_of(const plan *p, int index);
GStrv plan_cell_labels(const plan *p, int cell);
gint64 plan_run_seed(const plan *p, int index);
double plan_run_timeout(const plan *p, int index);

/* The overrides that make a grid point (override*, owned): the --set values, then one
 * value per axis, as a run of it is resolved with. */
GPtrArray *plan_cell_overrides(const plan *p, int cell);

/* Resolve one run (the file's own tree, the overrides, the run's grid values). */
run_plan *plan_run_at(plan *p, int index, GError **error);
void run_plan_free(run_plan *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(run_plan, run_plan_free)

/* Was a run saved with this fingerprint (its run.result's) a run of this plan?  Runs saved
 * by versions that hashed each run's own configuration are compared with that hash. */
gboolean plan_owns_saved_run(plan *p, int index, const char *saved_fingerprint);

#endif
