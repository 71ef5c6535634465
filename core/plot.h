/* plot.h — charts of a results directory, drawn by gnuplot from saved files only. */
#ifndef FL_PLOT_H
#define FL_PLOT_H

#include <glib.h>

#define FL_PLOT_ERROR (plot_error_quark())
GQuark plot_error_quark(void);
typedef enum { PLOT_ERROR_NO_GNUPLOT, PLOT_ERROR_FAILED, PLOT_ERROR_NO_RESULTS } PlotError;

/* Draw every chart of `dir` into dir/plots/ (format "png", "svg" or "pdf").  Reads only
 * what flatline saved (experiment.cfg, summary.csv, cells.csv, runs/<run>/metrics.csv and
 * run.result).  Without gnuplot: PLOT_ERROR_NO_GNUPLOT, whose message says how to get it. */
gboolean plot_all(const char *dir, const char *format, GError **error);

/* The colour each cause is drawn in ("dead_relu" -> "#d62728"), as style.gp sets it, so
 * other views (the report) match the charts.  Also "healthy", "crashed" and "" (any other
 * name).  Empty when the scripts cannot be found.  Free with g_hash_table_unref(). */
GHashTable *plot_cause_colors(void);

#endif
