/* config.h — experiment files: reading, overriding and resolving them into run specs.
 *
 * An experiment file (libconfig) is read once; each run is resolved from the file's tree
 * with its overrides applied (`--set`, then the run's grid values), into an `experiment`:
 * every plugin found, every option filled and checked, defaults written out.  Errors name
 * the file and line (or the override) and the key. */
#ifndef FL_CONFIG_H
#define FL_CONFIG_H

#include <glib.h>
#include <libconfig.h>
#include <flatline/plugin.h>
#include "registry.h"

#define FL_CONFIG_ERROR (config_error_quark())
GQuark config_error_quark(void);
typedef enum { CONFIG_ERROR_READ, CONFIG_ERROR_INVALID } ConfigError;

typedef enum { NORMALIZE_NONE, NORMALIZE_STANDARD, NORMALIZE_MINMAX } normalize_mode;
typedef enum { STOP_ON_COLLAPSED, STOP_ON_NEVER } stop_mode;

/* `from` naming the data itself: not a layer name (those are letters, digits, _ and -), so
 * a model can start anywhere in the file (a layer moved to the front by an edit). */
#define CONFIG_FROM_DATA "(data)"

typedef struct layer_spec {
    char *name;
    char *from;      /* input layer name, or CONFIG_FROM_DATA; NULL: the previous layer (or
                        the data) */
    gboolean output; /* part of the model output */
    fl_ref layer;    /* plugin and options */
    char *where;     /* "file.cfg:12" of its group, for messages */
} layer_spec;

/* Options of the experiment's own groups, filled through parameter tables like plugins'. */
typedef struct top_opts {
    char *name;
    int seed;
    int repeats;
    char *data_dir;
} top_opts;

typedef struct dataset_opts {
    int normalize;     /* normalize_mode */
    int normalize_targets; /* normalize_mode: none or standard, regression targets */
    double validation; /* fraction held out */
    bool shuffle;      /* shuffle rows once before the split */
    int seed;          /* data seed; -1: the experiment's seed */
} dataset_opts;

typedef struct train_opts {
    int epochs;
    int batch;
    bool shuffle; /* reshuffle the training rows every epoch */
    int stop_on;  /* stop_mode */
    double timeout;
    int probe;    /* probe batch size */
    int pack;     /* repeats trained together (model_packs) */
} train_opts;

typedef struct experiment {
    char *path;     /* the experiment file */
    char *about;    /* its header comment (about.h), or NULL */
    char *base_dir; /* where relative data paths start */
    top_opts top;
    fl_ref dataset;
    dataset_opts data;
    char *dataset_where; /* "file.cfg:3" of the dataset group, for messages */
    GPtrArray *layers; /* layer_spec*, in file order */
    fl_ref loss;
    fl_ref optimizer;
    fl_ref schedule;
    train_opts train;
    GPtrArray *detectors; /* fl_ref*, resolved detectors */
    /* verify: the fix-verification budget, in extra runs per sweep run (0: none).  Not a
     * training setting: written to experiment.cfg only, never into a run's file, so that
     * changing it reruns nothing. */
    double verify;
} experiment;

void experiment_free(experiment *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(experiment, experiment_free)
/* Layer i (file order) is part of the model output: marked output = true, or the last
 * layer when none is marked. */
gboolean experiment_layer_is_output(const experiment *e, guint i);
/* The file index of the layer layer i reads: its `from`, or the one before it; -1 for the
 * data (the first layer, or `from = "(data)"`). */
int experiment_layer_input(const experiment *e, guint i);

/* A value for one key ("optimizer.lr"), from `--set` text or a grid setting. */
typedef struct override {
    char *key;
    char *text;         /* the value in experiment-file syntax */
    char *origin;       /* "--set optimizer.lr=0.1" or "grid axis optimizer.lr (f.cfg:22)" */
} override;

void override_free(override *o);

/* The file as read, with its grid. */
typedef struct experiment_file {
    char *path;
    char *about; /* its header comment (about.h), or NULL */
    config_t cfg;
    GPtrArray *axes; /* grid_axis* */
} experiment_file;

typedef struct grid_axis {
    char *key;
    GPtrArray *values; /* char*: each value in experiment-file syntax */
    GPtrArray *labels; /* char*: short text for tables and file names */
    int line;
} grid_axis;

experiment_file *experiment_file_read(const char *path, GError **error);
void experiment_file_free(experiment_file *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(experiment_file, experiment_file_free)

/* Parse "key=value" from the command line. */
override *override_parse(const char *arg, GError **error);

/* Resolve the file with overrides applied in order (later ones win). */
experiment *experiment_resolve(experiment_file *f, GPtrArray *overrides, registry *reg,
                               GError **error);

/* The resolved experiment as an experiment file, every default written out.  With
 * `axes` the grid is written too (experiment.cfg); without, it is one grid point. */
char *experiment_to_text(const experiment *e, GPtrArray *axes);
/* The same, and where in it the top-level settings (name, seed, ...) start and end:
 * the runs of one grid point differ only there. */
char *experiment_to_text_at(const experiment *e, GPtrArray *axes, gsize *top_start,
                            gsize *top_end);
/* Those top-level settings alone, as experiment_to_text writes them. */
void experiment_write_top(const experiment *e, GString *out);

/* The model's total output width, i.e. target columns it needs, or 0 before building. */

#endif
