/* plot.h — charts of a results directory, drawn by gnuplot from saved files only. */
#ifndef FL_PLOT_H
#define FL_PLOT_H

#include <glib.h>
#include "plotdata.h"

#define FL_PLOT_ERROR (plot_error_quark())
GQuark plot_error_quark(void);
typedef enum { PLOT_ERROR_NO_GNUPLOT, PLOT_ERROR_FAILED } PlotError;

/* One drawing in progress (private to plot.c). */
typedef struct plot_ctx plot_ctx;

/* A chart: everything about it that more than one place needs.  Adding a chart is a row
 * of plot_charts in plot.c and its script in plots/. */
typedef struct plot_chart {
    const char *name;    /* the file drawn: DIR/plots/<name>.<format> */
    const char *script;  /* the gnuplot script that draws it, in plots/ */
    const char *title;   /* a heading for it */
    const char *caption; /* what it shows and how to read it */
    gboolean needs_grid; /* drawn only for experiments with a grid */
    gboolean (*draw)(plot_ctx *c, const struct plot_chart *chart, GError **error);
} plot_chart;

/* Every chart, in the order a reader should see them; *n is their number. */
const plot_chart *plot_charts(guint *n);
/* Whether `chart` has something to show for these results. */
gboolean plot_chart_applies(const plot_chart *chart, const plotdata *d);

/* Draw every chart of `dir` into dir/plots/ (format "png", "svg" or "pdf").  Reads only
 * what flatline saved (experiment.cfg, summary.csv, cells.csv, runs/<run>/metrics.csv and
 * run.result).  A chart that cannot be drawn is deleted, never left as an empty or old
 * frame; the others are still drawn, and the error names each one that failed.  When
 * `failed` is given it receives chart name -> why, one entry per chart that failed.
 * Without gnuplot: PLOT_ERROR_NO_GNUPLOT, whose message says how to get it; without
 * results: PLOTDATA_ERROR_NO_RESULTS. */
gboolean plot_draw(const char *dir, const char *format, GHashTable *failed, GError **error);
/* plot_draw() without the per-chart reasons. */
gboolean plot_all(const char *dir, const char *format, GError **error);

/* The colour each cause is drawn in ("dead_relu" -> "#d62728"), from plots/causes.tsv,
 * the file the charts read too.  Also "healthy", "crashed" and "" (any other name).
 * Empty when the file cannot be found.  Free with g_hash_table_unref(). */
GHashTable *plot_cause_colors(void);

#endif
