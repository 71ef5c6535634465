/* plotdata.h — a results directory read back for charts and the report: the experiment
 * file with its grid, the finished runs (run.result) in summary.csv order, the grid points
 * of cells.csv, and any run's metrics.csv as a table of numbers.  Only saved files are
 * read, so a copied directory gives the same answers. */
#ifndef FL_PLOTDATA_H
#define FL_PLOTDATA_H

#include <glib.h>
#include <math.h>
#include "config.h"
#include "results.h"

#define PLOTDATA_ERROR (plotdata_error_quark())
GQuark plotdata_error_quark(void);
typedef enum { PLOTDATA_ERROR_NO_RESULTS } PlotdataError;

/* A CSV file: a header and rows of fields (quoted fields unquoted). */
typedef struct plotdata_csv {
    GStrv header;
    GPtrArray *rows; /* GStrv, each with as many fields as the line had */
} plotdata_csv;

plotdata_csv *plotdata_csv_read(const char *path, GError **error);
void plotdata_csv_free(plotdata_csv *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(plotdata_csv, plotdata_csv_free)
/* The index of a header column, or -1. */
int plotdata_csv_column(const plotdata_csv *t, const char *name);

/* One grid point, from cells.csv, with its finished runs. */
typedef struct plotdata_cell {
    int cell;
    GStrv labels;       /* one per axis, as in the grid */
    int runs, collapsed;
    double rate, lo, hi;
    char *primary;      /* "dead_relu:3;oscillation:1" or "" */
    GPtrArray *members; /* run_result* (borrowed from plotdata.runs), in run order */
} plotdata_cell;

/* A grid axis: its key, its values in experiment-file syntax and their short labels. */
typedef struct plotdata_axis {
    char *key;
    GStrv values;
    GStrv labels;
} plotdata_axis;

typedef struct plotdata {
    char *dir;
    char *name;          /* the experiment's name (or the directory's base name) */
    char *cfg_text;      /* experiment.cfg as saved, or NULL */
    GPtrArray *axes;     /* plotdata_axis*: from experiment.cfg, else from cells.csv */
    char *loss_name;     /* the loss plugin's name, or NULL */
    GHashTable *activations; /* layer name -> its activation's name, from experiment.cfg */
    GPtrArray *runs;     /* run_result*, in summary.csv order */
    GPtrArray *cells;    /* plotdata_cell*, in cells.csv order */
} plotdata;

/* Read `dir`.  A directory without summary.csv or without finished runs is an error in
 * PLOTDATA_ERROR / PLOTDATA_ERROR_NO_RESULTS, whose message says how to make results. */
plotdata *plotdata_load(const char *dir, GError **error);
void plotdata_free(plotdata *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(plotdata, plotdata_free)

/* A run's metrics.csv as numbers: n_rows x n_cols, NaN where the file says nan or
 * nothing. */
typedef struct plotdata_metrics {
    GStrv cols;
    guint n_cols, n_rows;
    double *v; /* (n_rows, n_cols) */
} plotdata_metrics;

plotdata_metrics *plotdata_metrics_read(const char *dir, const char *run_id, GError **error);
void plotdata_metrics_free(plotdata_metrics *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(plotdata_metrics, plotdata_metrics_free)
int plotdata_metrics_column(const plotdata_metrics *m, const char *name);
static inline double plotdata_metrics_at(const plotdata_metrics *m, guint row, int col)
{
    return col < 0 ? (double)NAN : m->v[(gsize)row * m->n_cols + (guint)col];
}

/* The primary cause of a run ("" when healthy). Newly allocated. */
char *plotdata_primary_cause(const run_result *r);
/* The activation of `layer` in the runs of `cell` ("relu"; its grid value when an axis
 * sets model.<layer>.activation), or NULL when experiment.cfg does not say.  Newly
 * allocated. */
char *plotdata_activation(const plotdata *d, const plotdata_cell *cell, const char *layer);

/* Numbers as charts and the report show them, one way everywhere: three significant
 * digits and a short exponent (0.0878, 0.0965, 1e-6, 2.5e7; "nan", "inf").  Newly
 * allocated. */
char *plotdata_format_number(double v);
/* A grid value as written, a number's exponent shortened the same way ("1e-06" -> "1e-6";
 * never rounded, so distinct values stay distinct).  Newly allocated. */
char *plotdata_format_label(const char *label);
/* A short axis name for panel titles: the key's last component ("optimizer.lr" -> "lr"),
 * or the whole key when another axis ends the same way. Newly allocated. */
char *plotdata_axis_short(const plotdata *d, guint axis);

#endif
