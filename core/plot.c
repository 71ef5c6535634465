/* plot.c — see plot.h.  flatline does the selecting and gnuplot the drawing: for each chart
 * this file writes plain tables under DIR/plots/data/ from the saved CSVs and run.result
 * files, then runs the chart's script, plots/<chart>.gp, with a handful of variables on
 * the command line (formats, sizes, panel titles).  The tables hold only what was read
 * from the results, so drawing a copied directory writes the same tables byte for byte.
 *
 * Charts with one panel per grid point draw at most PLOT_MAX_PANELS of them; beyond that
 * they show each cause where it is most frequent, then the most and the least collapsed
 * points, and say so in the title. */
#include "plot.h"
#include "plotdata.h"
#include "results.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(fl-plot-error-quark, plot_error)

#define PLOT_MAX_PANELS 16
#define PLOT_MAX_RUNS 20    /* replicates drawn per panel */
#define PLOT_MAX_OUTPUTS 8  /* outputs drawn in the spread chart */
/* Pixels: a panel (larger when there are few), the key strip on the right and the title
 * strip on top. */
#define PLOT_PANEL_W 400
#define PLOT_PANEL_H 290
#define PLOT_ONE_W 760
#define PLOT_ONE_H 460
#define PLOT_KEY_W 250
#define PLOT_TITLE_H 60

typedef struct plot_ctx {
    const plotdata *d;
    const char *fmt;
    char *plots_dir, *data_dir, *scripts, *gnuplot;
    GPtrArray *panels; /* plotdata_cell* (borrowed), in grid order */
    char *cap_note;    /* why only some grid points are drawn, or NULL */
    int epochs;        /* the x range: the longest run */
    int cols, rows;
} plot_ctx;

static void plot_ctx_clear(plot_ctx *c)
{
    g_free(c->plots_dir);
    g_free(c->data_dir);
    g_free(c->scripts);
    g_free(c->gnuplot);
    if (c->panels)
        g_ptr_array_free(c->panels, TRUE);
    g_free(c->cap_note);
}

/* ------------------------------------------------------------------ scripts */

static gboolean plot_has_style(const char *dir)
{
    g_autofree char *p = g_build_filename(dir, "style.gp", NULL);
    return g_file_test(p, G_FILE_TEST_IS_REGULAR);
}

/* The build tree's binary uses the source tree's scripts; an installed one, pkgdatadir's.
 * Programs linked with the core elsewhere (tests) use whichever exists. */
static char *plot_scripts_dir(void)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *built = realpath(FL_BUILD_EXE, NULL);
    g_autofree char *src = g_build_filename(FL_SRCDIR, "plots", NULL);
    g_autofree char *inst = g_build_filename(FL_DATADIR, "plots", NULL);
    gboolean build_tree = self && built && strcmp(self, built) == 0;
    if ((build_tree || !plot_has_style(inst)) && plot_has_style(src))
        return g_steal_pointer(&src);
    return g_steal_pointer(&inst);
}

GHashTable *plot_cause_colors(void)
{
    GHashTable *colors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autofree char *dir = plot_scripts_dir();
    g_autofree char *path = g_build_filename(dir, "style.gp", NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return colors;
    /* Lines of cause_color(): "c eq 'dead_relu' ? 0xd62728 : \", the last ": 0x555555". */
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    gboolean in_fn = FALSE;
    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "cause_color(")) {
            in_fn = TRUE;
            continue;
        }
        if (!in_fn)
            continue;
        const char *q = strstr(*l, "eq '"), *hex = strstr(*l, "0x");
        if (q && hex) {
            const char *name = q + 4, *end = strchr(name, '\'');
            if (end)
                g_hash_table_insert(colors, g_strndup(name, (gsize)(end - name)),
                                    g_strdup_printf("#%.6s", hex + 2));
            hex = strstr(hex + 2, "0x"); /* the last line also holds the default */
        }
        if (hex)
            g_hash_table_insert(colors, g_strdup(""), g_strdup_printf("#%.6s", hex + 2));
        if (!g_str_has_suffix(g_strchomp(*l), "\\"))
            break;
    }
    return colors;
}

/* ------------------------------------------------------------------ gnuplot variables */

/* A gnuplot double-quoted string. */
static void plot_gp_quote(GString *v, const char *s)
{
    g_string_append_c(v, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_c(v, '\\');
        if (*p == '\n')
            g_string_append(v, "\\n");
        else if ((unsigned char)*p >= 0x20)
            g_string_append_c(v, *p);
    }
    g_string_append_c(v, '"');
}

static void plot_var_str(GString *v, const char *name, const char *val)
{
    g_string_append_printf(v, "%s=", name);
    plot_gp_quote(v, val ? val : "");
    g_string_append(v, "; ");
}

static void plot_var_int(GString *v, const char *name, long val)
{
    g_string_append_printf(v, "%s=%ld; ", name, val);
}

static void plot_var_num(GString *v, const char *name, double val)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_printf(v, "%s=%s; ", name,
                           g_ascii_formatd(buf, sizeof buf, "%.9g", isfinite(val) ? val : 0));
}

/* An array of strings (gnuplot arrays need at least one element). */
static void plot_var_strs(GString *v, const char *name, GPtrArray *vals)
{
    g_string_append_printf(v, "array %s[%u]=[", name, MAX(vals->len, 1u));
    for (guint i = 0; i < vals->len; i++) {
        if (i)
            g_string_append_c(v, ',');
        plot_gp_quote(v, vals->pdata[i]);
    }
    if (!vals->len)
        g_string_append(v, "\"\"");
    g_string_append(v, "]; ");
}

static void plot_var_nums(GString *v, const char *name, GArray *vals)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_printf(v, "array %s[%u]=[", name, MAX(vals->len, 1u));
    for (guint i = 0; i < vals->len; i++) {
        double x = g_array_index(vals, double, i);
        g_string_append_printf(v, "%s%s", i ? "," : "",
                               g_ascii_formatd(buf, sizeof buf, "%.9g", isfinite(x) ? x : 0));
    }
    if (!vals->len)
        g_string_append_c(v, '0');
    g_string_append(v, "]; ");
}

/* ------------------------------------------------------------------ data tables */

/* A number in a table: gnuplot reads "?" as missing (style.gp says so). */
static void plot_num(GString *s, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_c(s, ' ');
    if (isfinite(v))
        g_string_append(s, g_ascii_formatd(buf, sizeof buf, "%.6g", v));
    else
        g_string_append_c(s, '?');
}

/* A word safe in a whitespace-separated table. */
static void plot_word(GString *s, const char *w)
{
    g_string_append_c(s, ' ');
    if (!w || !*w) {
        g_string_append_c(s, '-');
        return;
    }
    for (const char *p = w; *p; p++)
        g_string_append_c(s, g_ascii_isalnum(*p) || strchr("_.+-", *p) ? *p : '_');
}

static gboolean plot_write(plot_ctx *c, const char *name, GString *s, GError **error)
{
    g_autofree char *path = g_build_filename(c->data_dir, name, NULL);
    if (!results_write(path, s->str, (gssize)s->len, FALSE, error)) {
        g_prefix_error(error, "cannot write the chart data: ");
        return FALSE;
    }
    return TRUE;
}

/* The name that picks a run's colour: its primary cause, or its outcome without one. */
static char *plot_color_key(const run_record *r)
{
    if (strcmp(r->status, "ok") != 0)
        return g_strdup("crashed");
    if (strcmp(r->verdict, "healthy") == 0)
        return g_strdup("healthy");
    char *c = plotdata_primary_cause(r);
    if (!*c) {
        g_free(c);
        return g_strdup("unknown");
    }
    GString *w = g_string_new(NULL);
    plot_word(w, c);
    g_free(c);
    g_string_erase(w, 0, 1);
    return g_string_free(w, FALSE);
}

static void plot_add_unique(GPtrArray *names, const char *name)
{
    if (!g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL))
        g_ptr_array_add(names, g_strdup(name));
}

/* ------------------------------------------------------------------ panels */

/* The commonest cause of a grid point, or "". */
static char *plot_top_cause(const plotdata_cell *cell)
{
    char *t = g_strdup(cell->primary ? cell->primary : "");
    char *colon = strchr(t, ':');
    if (colon)
        *colon = '\0';
    return t;
}

static gint plot_by_rate(gconstpointer a, gconstpointer b)
{
    const plotdata_cell *x = *(plotdata_cell *const *)a, *y = *(plotdata_cell *const *)b;
    double rx = isfinite(x->rate) ? x->rate : 0, ry = isfinite(y->rate) ? y->rate : 0;
    if (rx != ry)
        return rx > ry ? -1 : 1;
    return x->cell - y->cell;
}

static void plot_pick_panels(plot_ctx *c)
{
    g_autoptr(GPtrArray) with = g_ptr_array_new();
    for (guint i = 0; i < c->d->cells->len; i++) {
        plotdata_cell *cell = c->d->cells->pdata[i];
        if (cell->members->len)
            g_ptr_array_add(with, cell);
    }
    c->panels = g_ptr_array_new();
    if (with->len <= PLOT_MAX_PANELS) {
        for (guint i = 0; i < with->len; i++)
            g_ptr_array_add(c->panels, with->pdata[i]);
    } else {
        /* Each cause at its worst grid point first, then both ends of the collapse rate
         * in turn: what fails and why beside what works best. */
        g_autoptr(GPtrArray) sorted = g_ptr_array_copy(with, NULL, NULL);
        g_ptr_array_sort(sorted, plot_by_rate);
        g_autoptr(GHashTable) keep = g_hash_table_new(NULL, NULL);
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; i < sorted->len && g_hash_table_size(keep) < PLOT_MAX_PANELS; i++) {
            char *top = plot_top_cause(sorted->pdata[i]);
            if (*top && !g_hash_table_contains(seen, top)) {
                g_hash_table_add(keep, sorted->pdata[i]);
                g_hash_table_add(seen, top);
            } else {
                g_free(top);
            }
        }
        for (guint i = 0, j = sorted->len; g_hash_table_size(keep) < PLOT_MAX_PANELS; i++) {
            if (i % 2 == 0) {
                guint k = 0;
                while (k < sorted->len && g_hash_table_contains(keep, sorted->pdata[k]))
                    k++;
                g_hash_table_add(keep, sorted->pdata[k]);
            } else {
                while (j > 0 && g_hash_table_contains(keep, sorted->pdata[j - 1]))
                    j--;
                g_hash_table_add(keep, sorted->pdata[j - 1]);
            }
        }
        for (guint i = 0; i < with->len; i++)
            if (g_hash_table_contains(keep, with->pdata[i]))
                g_ptr_array_add(c->panels, with->pdata[i]);
        c->cap_note = g_strdup_printf("%u of %u grid points: each cause where it is most "
                                      "frequent, then the most and the least collapsed",
                                      PLOT_MAX_PANELS, with->len);
    }
    guint n = MAX(c->panels->len, 1u);
    c->cols = (int)ceil(sqrt((double)n));
    c->rows = (int)((n + (guint)c->cols - 1) / (guint)c->cols);
    for (guint i = 0; i < c->d->runs->len; i++) {
        const run_record *r = c->d->runs->pdata[i];
        c->epochs = MAX(c->epochs, r->epochs_run);
    }
    c->epochs = MAX(c->epochs, 1);
}

/* "lr=1e-6  init=zeros" (or the experiment's name without a grid). */
static char *plot_point_name(const plot_ctx *c, const plotdata_cell *cell)
{
    if (!c->d->axes->len)
        return g_strdup("all runs");
    GString *s = g_string_new(NULL);
    for (guint a = 0; a < c->d->axes->len; a++) {
        g_autofree char *k = plotdata_axis_short(c->d, a);
        g_autofree char *v = plotdata_pretty_label(cell->labels[a] ? cell->labels[a] : "?");
        g_string_append_printf(s, "%s%s=%s", a ? "  " : "", k, v);
    }
    return g_string_free(s, FALSE);
}

/* The run that shows a grid point's usual outcome: when at least half of its runs
 * collapsed, the first collapsed by the point's commonest cause; otherwise the first
 * that did not collapse. */
static const run_record *plot_representative(const plotdata_cell *cell)
{
    g_autofree char *top = plot_top_cause(cell);
    gboolean mostly = cell->runs > 0 && 2 * cell->collapsed >= cell->runs && cell->collapsed;
    for (guint i = 0; i < cell->members->len; i++) {
        const run_record *r = cell->members->pdata[i];
        g_autofree char *p = plotdata_primary_cause(r);
        gboolean coll = strcmp(r->status, "ok") == 0 && strcmp(r->verdict, "collapsed") == 0;
        if (mostly ? coll && strcmp(p, top) == 0 : !coll && strcmp(r->status, "ok") == 0)
            return r;
    }
    return cell->members->len ? cell->members->pdata[0] : NULL;
}

/* "lr=1e-6  init=zeros: 2/3 collapsed, 1 crashed" (crashed and timed-out runs are not
 * among the runs a collapse rate counts). */
static char *plot_cell_title(const plot_ctx *c, const plotdata_cell *cell)
{
    int crashed = 0, timeout = 0;
    for (guint i = 0; i < cell->members->len; i++) {
        const run_record *r = cell->members->pdata[i];
        timeout += strcmp(r->status, "timeout") == 0;
        crashed += strcmp(r->status, "ok") != 0 && strcmp(r->status, "timeout") != 0;
    }
    g_autofree char *point = plot_point_name(c, cell);
    GString *s = g_string_new(point);
    if (cell->runs)
        g_string_append_printf(s, ": %d/%d collapsed", cell->collapsed, cell->runs);
    else
        g_string_append_c(s, ':');
    if (crashed)
        g_string_append_printf(s, "%s %d crashed", cell->runs ? "," : "", crashed);
    if (timeout)
        g_string_append_printf(s, "%s %d timed out", cell->runs || crashed ? "," : "", timeout);
    return g_string_free(s, FALSE);
}

static char *plot_run_outcome(const run_record *r)
{
    g_autofree char *p = plotdata_primary_cause(r);
    if (strcmp(r->status, "ok") != 0)
        return g_strdup(r->status);
    if (*p)
        return g_strdup_printf("%s (%s)", r->verdict, p);
    return g_strdup(r->verdict);
}

/* ------------------------------------------------------------------ running gnuplot */

static void plot_common_vars(const plot_ctx *c, GString *v, const char *chart, int w, int h)
{
    g_autofree char *out = g_strdup_printf("%s.%s", chart, c->fmt);
    g_autofree char *style = g_build_filename(c->scripts, "style.gp", NULL);
    plot_var_str(v, "fmt", c->fmt);
    plot_var_str(v, "out", out);
    plot_var_str(v, "style", style);
    plot_var_int(v, "W", w);
    plot_var_int(v, "H", h);
}

/* The canvas for a grid of panels with the key strip on the right, under the title. */
static void plot_panel_vars(const plot_ctx *c, GString *v, const char *chart, const char *title)
{
    int title_h = PLOT_TITLE_H;
    for (const char *p = strchr(title, '\n'); p; p = strchr(p + 1, '\n'))
        title_h += 20;
    int pw = c->cols == 1   ? PLOT_ONE_W
             : c->cols == 2 ? (PLOT_ONE_W + PLOT_PANEL_W) / 2
                            : PLOT_PANEL_W;
    int ph = c->rows == 1   ? PLOT_ONE_H
             : c->rows == 2 ? (PLOT_ONE_H + PLOT_PANEL_H) / 2
                            : PLOT_PANEL_H;
    plot_common_vars(c, v, chart, c->cols * pw + PLOT_KEY_W, c->rows * ph + title_h);
    plot_var_str(v, "ctitle", title);
    plot_var_int(v, "n", (long)c->panels->len);
    plot_var_int(v, "cols", c->cols);
    plot_var_int(v, "rows", c->rows);
    plot_var_int(v, "KW", PLOT_KEY_W);
    plot_var_int(v, "TH", title_h);
    plot_var_int(v, "xmax", c->epochs);
    /* Short runs get a dot per epoch: a line needs two finite points to show. */
    plot_var_int(v, "dots", c->epochs <= 25);
}

/* The last lines of gnuplot's complaints: enough to see what went wrong. */
static char *plot_tail(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    guint n = g_strv_length(lines), start = n > 8 ? n - 8 : 0;
    GString *s = g_string_new(NULL);
    for (guint i = start; i < n; i++)
        if (*g_strstrip(lines[i]))
            g_string_append_printf(s, "%s%s", s->len ? " | " : "", lines[i]);
    return g_string_free(s, FALSE);
}

static gboolean plot_run(const plot_ctx *c, const char *chart, GString *vars, GError **error)
{
    g_autofree char *out = g_strdup_printf("%s.%s", chart, c->fmt);
    g_autofree char *out_path = g_build_filename(c->plots_dir, out, NULL);
    g_autofree char *script_name = g_strdup_printf("%s.gp", chart);
    g_autofree char *script = g_build_filename(c->scripts, script_name, NULL);
    if (!g_file_test(script, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED,
                    "%s: chart script missing: reinstall flatline (make install puts the "
                    "scripts in %s/plots)",
                    script, FL_DATADIR);
        return FALSE;
    }
    g_unlink(out_path); /* a failed drawing must not leave an old chart looking current */
    const char *argv[] = {c->gnuplot, "-e", vars->str, script, NULL};
    g_autofree char *std_out = NULL, *std_err = NULL;
    int status = 0;
    GError *err = NULL;
    if (!g_spawn_sync(c->plots_dir, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &std_out,
                      &std_err, &status, &err)) {
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED, "cannot run %s: %s", c->gnuplot,
                    err->message);
        g_error_free(err);
        return FALSE;
    }
    GStatBuf st;
    if (!g_spawn_check_wait_status(status, NULL) || g_stat(out_path, &st) != 0 ||
        st.st_size == 0) {
        g_autofree char *tail = plot_tail(std_err);
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED, "gnuplot failed on %s: %s", script,
                    *tail ? tail : "no chart was written");
        return FALSE;
    }
    return TRUE;
}

/* ------------------------------------------------------------------ 1. loss */

/* The epoch row of a run's metrics, or -1. */
static int plot_row_of_epoch(const plotdata_metrics *m, int epoch)
{
    int ce = plotdata_metrics_column(m, "epoch");
    for (guint r = 0; r < m->n_rows; r++)
        if ((int)plotdata_metrics_at(m, r, ce) == epoch)
            return (int)r;
    return -1;
}

/* What the key of a chart with one line per run needs to explain. */
typedef struct plot_marks {
    GPtrArray *keys;  /* colour keys seen, in order */
    gboolean stopped, detected, warned, nonfinite;
} plot_marks;

/* A collapsed run's marker, a line "epoch value colour-key point-type" in `e`: a filled
 * dot where flatline stopped it, an open one where its collapse began when it ran on, and
 * a triangle on the top edge ("top") where the value was no longer finite. */
static gboolean plot_marker(const run_record *r, const plotdata_metrics *m, int col,
                            const char *key, GString *e, plot_marks *mk)
{
    if (strcmp(r->status, "ok") != 0 || strcmp(r->verdict, "collapsed") != 0)
        return FALSE;
    int row, pt;
    if (r->stopped_early) {
        row = (int)m->n_rows - 1;
        pt = 7;
    } else {
        const finding_rec *f = r->findings->len ? r->findings->pdata[0] : NULL;
        row = f ? plot_row_of_epoch(m, f->epoch) : -1;
        pt = 6;
    }
    if (row < 0)
        return FALSE;
    double v = plotdata_metrics_at(m, (guint)row, col);
    if (!isfinite(v))
        pt = 9;
    *(pt == 7 ? &mk->stopped : pt == 6 ? &mk->detected : &mk->nonfinite) = TRUE;
    g_string_append_printf(e, "%d",
                           (int)plotdata_metrics_at(m, (guint)row,
                                                    plotdata_metrics_column(m, "epoch")));
    if (isfinite(v))
        plot_num(e, v);
    else
        g_string_append(e, " top");
    plot_word(e, key);
    g_string_append_printf(e, " %d\n", pt);
    return TRUE;
}

/* The start of a run's block in a table of runs: a comment, and blank lines between runs. */
static void plot_block_head(GString *s, const run_record *r, double blocks)
{
    g_string_append_printf(s, "%s# run %s seed %" G_GINT64_FORMAT " %s\n", blocks ? "\n\n" : "",
                           r->id, r->seed, r->verdict);
}

/* The colour keys for the key of the chart, healthy last: causes are what a reader seeks. */
static char *plot_key_words(GPtrArray *keys)
{
    GString *s = g_string_new(NULL);
    for (int pass = 0; pass < 2; pass++)
        for (guint i = 0; i < keys->len; i++)
            if ((strcmp(keys->pdata[i], "healthy") == 0) == (pass == 1))
                g_string_append_printf(s, "%s%s", s->len ? " " : "", (char *)keys->pdata[i]);
    return g_string_free(s, FALSE);
}

static void plot_mark_vars(GString *v, const plot_marks *mk)
{
    g_autofree char *causes = plot_key_words(mk->keys);
    plot_var_str(v, "causes", causes);
    plot_var_int(v, "has_stop", mk->stopped);
    plot_var_int(v, "has_detect", mk->detected);
    plot_var_int(v, "has_warn", mk->warned);
    plot_var_int(v, "has_top", mk->nonfinite);
}

static gboolean plot_loss(plot_ctx *c, GError **error)
{
    g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) nrun = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) nend = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    plot_marks mk = {.keys = keys};
    double lo = INFINITY, hi = -INFINITY;
    gboolean any_val = FALSE, capped_runs = FALSE;
    int per_panel = 0;
    for (guint p = 0; p < c->panels->len; p++) {
        const plotdata_cell *cell = c->panels->pdata[p];
        g_autoptr(GString) s = g_string_new(NULL);
        g_autoptr(GString) e = g_string_new(NULL);
        double blocks = 0, ends = 0;
        per_panel = MAX(per_panel, (int)cell->members->len);
        for (guint i = 0; i < cell->members->len; i++) {
            const run_record *r = cell->members->pdata[i];
            if (i >= PLOT_MAX_RUNS) {
                capped_runs = TRUE;
                break;
            }
            g_autoptr(plotdata_metrics) m = plotdata_metrics_read(c->d->dir, r->id, NULL);
            if (!m || !m->n_rows)
                continue;
            g_autofree char *key = plot_color_key(r);
            plot_add_unique(keys, key);
            mk.warned |= strcmp(r->verdict, "warning") == 0;
            int ce = plotdata_metrics_column(m, "epoch"), cl = plotdata_metrics_column(m, "loss"),
                cv = plotdata_metrics_column(m, "val_loss");
            plot_block_head(s, r, blocks);
            for (guint row = 0; row < m->n_rows; row++) {
                double l = plotdata_metrics_at(m, row, cl), vl = plotdata_metrics_at(m, row, cv);
                g_string_append_printf(s, "%d", (int)plotdata_metrics_at(m, row, ce));
                plot_num(s, l);
                plot_num(s, vl);
                plot_word(s, key);
                plot_word(s, r->verdict);
                g_string_append_c(s, '\n');
                for (int k = 0; k < 2; k++) {
                    double x = k ? vl : l;
                    if (isfinite(x) && x > 0) {
                        lo = MIN(lo, x);
                        hi = MAX(hi, x);
                    }
                }
                any_val |= isfinite(vl);
            }
            blocks++;
            ends += plot_marker(r, m, cl, key, e, &mk);
        }
        g_autofree char *name = g_strdup_printf("loss-%02u.dat", p + 1);
        g_autofree char *end_name = g_strdup_printf("loss-%02u-end.dat", p + 1);
        if (!plot_write(c, name, s, error) || !plot_write(c, end_name, e, error))
            return FALSE;
        g_ptr_array_add(titles, plot_cell_title(c, cell));
        g_array_append_val(nrun, blocks);
        g_array_append_val(nend, ends);
    }

    g_autoptr(GString) title = g_string_new(NULL);
    g_string_append_printf(title, "%s: training loss%s", c->d->name,
                           c->d->axes->len ? " per grid point" : "");
    if (per_panel > 1)
        g_string_append_printf(title, " (%s%d %s, one line per run)",
                               capped_runs ? "first 20 of " : "", per_panel,
                               c->d->axes->len ? "replicates each" : "runs");
    if (c->cap_note)
        g_string_append_printf(title, "\n%s", c->cap_note);

    /* One y range for every panel, so grid points compare at a glance; a log scale when
     * the losses span more than two orders of magnitude. */
    gboolean logy = isfinite(lo) && hi / lo > 100;
    double ylo = 0, yhi = isfinite(hi) ? hi * 1.05 : 1;
    if (logy) {
        ylo = pow(10, floor(log10(lo)));
        yhi = pow(10, ceil(log10(hi)));
    }
    g_autoptr(GString) v = g_string_new(NULL);
    plot_panel_vars(c, v, "loss", title->str);
    plot_var_strs(v, "ptitle", titles);
    plot_var_nums(v, "nrun", nrun);
    plot_var_nums(v, "nend", nend);
    plot_mark_vars(v, &mk);
    g_autofree char *ylabel = g_strdup_printf("loss (%s)", c->d->loss_name ? c->d->loss_name
                                                                           : "as trained");
    plot_var_str(v, "ytitle", ylabel);
    plot_var_int(v, "logy", logy);
    plot_var_num(v, "ylo", ylo);
    plot_var_num(v, "yhi", yhi);
    plot_var_int(v, "has_val", any_val);
    return plot_run(c, "loss", v, error);
}

/* ------------------------------------------------------------------ layers */

/* Layer names in metrics column order: columns "<layer><suffix>". */
static void plot_layers_of(const plotdata_metrics *m, const char *suffix, GPtrArray *layers)
{
    for (guint i = 0; i < m->n_cols; i++)
        if (g_str_has_suffix(m->cols[i], suffix) && strlen(m->cols[i]) > strlen(suffix)) {
            g_autofree char *l = g_strndup(m->cols[i], strlen(m->cols[i]) - strlen(suffix));
            plot_add_unique(layers, l);
        }
}

static char *plot_rep_title(const plot_ctx *c, const plotdata_cell *cell, const run_record *r)
{
    g_autofree char *outcome = plot_run_outcome(r);
    if (!c->d->axes->len)
        return g_strdup_printf("run %s, seed %" G_GINT64_FORMAT ": %s", r->id, r->seed, outcome);
    g_autofree char *point = plot_point_name(c, cell);
    return g_strdup_printf("%s\nrun %s, seed %" G_GINT64_FORMAT ": %s", point, r->id, r->seed,
                           outcome);
}

/* Each panel: the representative run's metrics, one column per layer and suffix.  Fills
 * `layers` (the union over panels, in model order) and the panel titles. */
static gboolean plot_layer_tables(plot_ctx *c, const char *chart, const char *const *suffixes,
                                  GPtrArray *layers, GPtrArray *titles, GArray *has,
                                  double *min_pos, GError **error)
{
    g_autoptr(GPtrArray) ms = g_ptr_array_new_with_free_func((GDestroyNotify)plotdata_metrics_free);
    for (guint p = 0; p < c->panels->len; p++) {
        const plotdata_cell *cell = c->panels->pdata[p];
        const run_record *r = plot_representative(cell);
        plotdata_metrics *m = r ? plotdata_metrics_read(c->d->dir, r->id, NULL) : NULL;
        g_ptr_array_add(ms, m);
        if (m)
            plot_layers_of(m, suffixes[0], layers);
        g_ptr_array_add(titles, r ? plot_rep_title(c, cell, r) : plot_point_name(c, cell));
    }
    *min_pos = INFINITY;
    for (guint p = 0; p < c->panels->len; p++) {
        const plotdata_metrics *m = ms->pdata[p];
        g_autoptr(GString) s = g_string_new("epoch");
        for (guint l = 0; l < layers->len; l++)
            for (const char *const *x = suffixes; *x; x++)
                g_string_append_printf(s, " %s%s", (char *)layers->pdata[l], *x);
        g_string_append_c(s, '\n');
        double any = 0;
        int ce = m ? plotdata_metrics_column(m, "epoch") : -1;
        for (guint row = 0; m && row < m->n_rows; row++) {
            g_string_append_printf(s, "%d", (int)plotdata_metrics_at(m, row, ce));
            for (guint l = 0; l < layers->len; l++)
                for (const char *const *x = suffixes; *x; x++) {
                    g_autofree char *col = g_strconcat(layers->pdata[l], *x, NULL);
                    double val = plotdata_metrics_at(m, row, plotdata_metrics_column(m, col));
                    plot_num(s, val);
                    if (isfinite(val)) {
                        any = 1;
                        if (val > 0)
                            *min_pos = MIN(*min_pos, val);
                    }
                }
            g_string_append_c(s, '\n');
        }
        g_array_append_val(has, any);
        g_autofree char *name = g_strdup_printf("%s-%02u.dat", chart, p + 1);
        if (!plot_write(c, name, s, error))
            return FALSE;
    }
    return TRUE;
}

static void plot_rep_title_text(const plot_ctx *c, GString *t, const char *what)
{
    g_string_append_printf(t, "%s: %s", c->d->name, what);
    if (c->d->runs->len > c->d->cells->len)
        g_string_append(t, c->d->axes->len
                               ? " (one run per grid point, showing its usual outcome)"
                               : " (one run, showing the usual outcome)");
    if (c->cap_note)
        g_string_append_printf(t, "\n%s", c->cap_note);
}

/* ------------------------------------------------------------------ 3. gradients */

static gboolean plot_gradients(plot_ctx *c, GError **error)
{
    static const char *const suffixes[] = {"_grad_norm", NULL};
    g_autoptr(GPtrArray) layers = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) has = g_array_new(FALSE, FALSE, sizeof(double));
    double min_pos;
    if (!plot_layer_tables(c, "gradients", suffixes, layers, titles, has, &min_pos, error))
        return FALSE;
    /* Zero norms (no gradient at all) sit on a floor a decade below the smallest one. */
    double floor_v = isfinite(min_pos) ? pow(10, floor(log10(min_pos)) - 1) : 1e-12;
    g_autoptr(GString) t = g_string_new(NULL);
    plot_rep_title_text(c, t, "gradient norm per layer");
    g_autoptr(GString) v = g_string_new(NULL);
    plot_panel_vars(c, v, "gradients", t->str);
    plot_var_strs(v, "ptitle", titles);
    plot_var_strs(v, "layer", layers);
    plot_var_int(v, "nl", (long)layers->len);
    plot_var_nums(v, "has", has);
    plot_var_num(v, "gfloor", floor_v);
    return plot_run(c, "gradients", v, error);
}

/* ------------------------------------------------------------------ 5. units */

static gboolean plot_units(plot_ctx *c, GError **error)
{
    static const char *const suffixes[] = {"_dead", "_saturated", NULL};
    g_autoptr(GPtrArray) layers = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) has = g_array_new(FALSE, FALSE, sizeof(double));
    double min_pos;
    if (!plot_layer_tables(c, "units", suffixes, layers, titles, has, &min_pos, error))
        return FALSE;
    g_autoptr(GString) t = g_string_new(NULL);
    plot_rep_title_text(c, t, "dead and saturated units per layer");
    g_string_append(t, "\n(each layer's lines nudged apart by at most 4 points so equal "
                       "values stay visible)");
    g_autoptr(GString) v = g_string_new(NULL);
    plot_panel_vars(c, v, "units", t->str);
    plot_var_strs(v, "ptitle", titles);
    plot_var_strs(v, "layer", layers);
    plot_var_int(v, "nl", (long)layers->len);
    plot_var_nums(v, "has", has);
    return plot_run(c, "units", v, error);
}

/* ------------------------------------------------------------------ 4. spread */

static gboolean plot_spread(plot_ctx *c, GError **error)
{
    /* The outputs, from run.result (or the metrics' "<out>_std" columns). */
    g_autoptr(GPtrArray) outs = g_ptr_array_new_with_free_func(g_free);
    for (guint p = 0; p < c->panels->len; p++) {
        const plotdata_cell *cell = c->panels->pdata[p];
        for (guint i = 0; i < cell->members->len; i++) {
            const run_record *r = cell->members->pdata[i];
            for (gsize k = 0; k < r->n_outputs; k++)
                plot_add_unique(outs, r->out_names[k]);
        }
    }
    for (guint p = 0; !outs->len && p < c->panels->len; p++) {
        const plotdata_cell *cell = c->panels->pdata[p];
        for (guint i = 0; !outs->len && i < cell->members->len; i++) {
            g_autoptr(plotdata_metrics) m =
                plotdata_metrics_read(c->d->dir, ((run_record *)cell->members->pdata[i])->id, NULL);
            if (m)
                plot_layers_of(m, "_std", outs);
        }
    }
    gboolean capped_outs = outs->len > PLOT_MAX_OUTPUTS;
    if (capped_outs)
        g_ptr_array_set_size(outs, PLOT_MAX_OUTPUTS);
    guint no = outs->len;

    g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) nrun = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) nend = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) target = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    plot_marks mk = {.keys = keys};
    double top = 0, data_top = 0;
    for (guint p = 0; p < c->panels->len; p++) {
        const plotdata_cell *cell = c->panels->pdata[p];
        g_autoptr(GString) s = g_string_new(NULL);
        g_autoptr(GString) e = g_string_new(NULL);
        double blocks = 0, ends = 0;
        g_autofree double *tsum = g_new0(double, no + 1);
        g_autofree int *tn = g_new0(int, no + 1);
        for (guint i = 0; i < cell->members->len && i < PLOT_MAX_RUNS; i++) {
            const run_record *r = cell->members->pdata[i];
            for (gsize k = 0; k < r->n_outputs; k++)
                for (guint o = 0; o < no; o++)
                    if (strcmp(r->out_names[k], outs->pdata[o]) == 0 &&
                        isfinite(r->target_std[k])) {
                        tsum[o] += r->target_std[k];
                        tn[o]++;
                    }
            g_autoptr(plotdata_metrics) m = plotdata_metrics_read(c->d->dir, r->id, NULL);
            if (!m || !m->n_rows)
                continue;
            g_autofree char *key = plot_color_key(r);
            plot_add_unique(keys, key);
            mk.warned |= strcmp(r->verdict, "warning") == 0;
            int ce = plotdata_metrics_column(m, "epoch");
            plot_block_head(s, r, blocks);
            for (guint row = 0; row < m->n_rows; row++) {
                g_string_append_printf(s, "%d", (int)plotdata_metrics_at(m, row, ce));
                for (guint o = 0; o < no; o++) {
                    g_autofree char *col = g_strconcat(outs->pdata[o], "_std", NULL);
                    double x = plotdata_metrics_at(m, row, plotdata_metrics_column(m, col));
                    plot_num(s, x);
                    if (isfinite(x))
                        data_top = MAX(data_top, x);
                }
                plot_word(s, key);
                plot_word(s, r->verdict);
                g_string_append_c(s, '\n');
            }
            blocks++;
            if (no) {
                g_autofree char *col = g_strconcat(outs->pdata[0], "_std", NULL);
                ends += plot_marker(r, m, plotdata_metrics_column(m, col), key, e, &mk);
            }
        }
        for (guint o = 0; o < no; o++) {
            double t = tn[o] ? tsum[o] / tn[o] : NAN;
            g_array_append_val(target, t);
            if (isfinite(t))
                top = MAX(top, t);
        }
        g_array_append_val(nrun, blocks);
        g_array_append_val(nend, ends);
        g_autofree char *name = g_strdup_printf("spread-%02u.dat", p + 1);
        g_autofree char *end_name = g_strdup_printf("spread-%02u-end.dat", p + 1);
        if (!plot_write(c, name, s, error) || !plot_write(c, end_name, e, error))
            return FALSE;
        g_ptr_array_add(titles, plot_cell_title(c, cell));
    }
    /* One y range for every panel: room for the target and for runs that overshoot it,
     * but a run whose spread explodes must not flatten the others against the axis. */
    double ymax = top > 0 ? MIN(MAX(data_top, 1.25 * top), 3 * top) * 1.08
                          : (data_top > 0 ? data_top * 1.08 : 1);

    g_autoptr(GString) t = g_string_new(NULL);
    g_string_append_printf(t, "%s: spread of the predictions across inputs (std) against "
                              "the targets' spread (dashed)",
                           c->d->name);
    if (capped_outs)
        g_string_append_printf(t, ", first %d outputs", PLOT_MAX_OUTPUTS);
    if (c->cap_note)
        g_string_append_printf(t, "\n%s", c->cap_note);
    g_autoptr(GString) v = g_string_new(NULL);
    plot_panel_vars(c, v, "spread", t->str);
    plot_var_strs(v, "ptitle", titles);
    plot_var_strs(v, "output", outs);
    plot_var_int(v, "no", no);
    plot_var_nums(v, "nrun", nrun);
    plot_var_nums(v, "nend", nend);
    plot_var_nums(v, "target", target);
    plot_var_num(v, "ymax", ymax);
    plot_mark_vars(v, &mk);
    return plot_run(c, "spread", v, error);
}

/* ------------------------------------------------------------------ 2. heatmap */

typedef struct plot_tally {
    int runs, collapsed;
    GHashTable *causes; /* name -> count */
} plot_tally;

/* "dead_relu:3;oscillation:1" added into a tally. */
static void plot_tally_add(plot_tally *t, const plotdata_cell *cell)
{
    t->runs += cell->runs;
    t->collapsed += cell->collapsed;
    g_auto(GStrv) parts = g_strsplit(cell->primary ? cell->primary : "", ";", -1);
    for (char **p = parts; *p; p++) {
        char *colon = strrchr(*p, ':');
        if (!**p || !colon)
            continue;
        g_autofree char *name = g_strndup(*p, (gsize)(colon - *p));
        int n = atoi(colon + 1) + GPOINTER_TO_INT(g_hash_table_lookup(t->causes, name));
        g_hash_table_insert(t->causes, g_steal_pointer(&name), GINT_TO_POINTER(n));
    }
}

/* The commonest cause (ties: the first by name, so the table never depends on hashing). */
static char *plot_tally_top(const plot_tally *t)
{
    const char *best = NULL;
    int best_n = 0;
    GHashTableIter it;
    gpointer k, val;
    g_hash_table_iter_init(&it, t->causes);
    while (g_hash_table_iter_next(&it, &k, &val)) {
        int n = GPOINTER_TO_INT(val);
        if (n > best_n || (n == best_n && best && strcmp(k, best) < 0)) {
            best = k;
            best_n = n;
        }
    }
    return g_strdup(best ? best : "");
}

static int plot_label_index(const plotdata_axis *ax, const char *label)
{
    for (int i = 0; ax->labels[i]; i++)
        if (strcmp(ax->labels[i], label) == 0)
            return i;
    return -1;
}

/* A grid point's place on the first two axes.  Grid points are numbered with the first
 * axis slowest (as the sweep plans them), which holds even when an axis repeats a value;
 * a number that disagrees with the labels (another version's files) falls back to them. */
static void plot_cell_position(const plotdata *d, const plotdata_cell *cell, int *x, int *y)
{
    int rest = cell->cell, digit[2] = {0, 0};
    gboolean agree = cell->cell >= 0;
    for (guint a = d->axes->len; a-- > 0;) {
        const plotdata_axis *ax = d->axes->pdata[a];
        int n = (int)g_strv_length(ax->labels);
        int k = n ? rest % n : 0;
        rest = n ? rest / n : 0;
        if (a < 2)
            digit[a] = k;
        if (!cell->labels[a] || k >= n || strcmp(ax->labels[k], cell->labels[a]) != 0)
            agree = FALSE;
    }
    agree &= rest == 0;
    const plotdata_axis *ax = d->axes->pdata[0];
    const plotdata_axis *ay = d->axes->len > 1 ? d->axes->pdata[1] : NULL;
    *x = agree ? digit[0] : plot_label_index(ax, cell->labels[0]);
    *y = !ay ? 0 : agree ? digit[1] : plot_label_index(ay, cell->labels[1]);
}

/* gnuplot's `set xtics (...)` list for an axis: categorical, in grid order. */
static char *plot_tics(const plotdata_axis *ax)
{
    GString *s = g_string_new("(");
    for (int i = 0; ax->labels[i]; i++) {
        g_autofree char *l = plotdata_pretty_label(ax->labels[i]);
        if (i)
            g_string_append(s, ", ");
        plot_gp_quote(s, l);
        g_string_append_printf(s, " %d", i);
    }
    g_string_append_c(s, ')');
    return g_string_free(s, FALSE);
}

static gboolean plot_heatmap(plot_ctx *c, GError **error)
{
    const plotdata *d = c->d;
    g_autofree char *out = g_strdup_printf("heatmap.%s", c->fmt);
    g_autofree char *out_path = g_build_filename(c->plots_dir, out, NULL);
    if (!d->axes->len) {
        g_unlink(out_path); /* no grid, no collapse-rate chart */
        return TRUE;
    }
    const plotdata_axis *ax = d->axes->pdata[0];
    const plotdata_axis *ay = d->axes->len > 1 ? d->axes->pdata[1] : NULL;
    guint nx = g_strv_length(ax->labels), ny = ay ? g_strv_length(ay->labels) : 1;
    g_autofree plot_tally *t = g_new0(plot_tally, (gsize)nx * ny);
    for (guint i = 0; i < (gsize)nx * ny; i++)
        t[i].causes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    int max_runs = 0, min_runs = G_MAXINT;
    for (guint i = 0; i < d->cells->len; i++) {
        const plotdata_cell *cell = d->cells->pdata[i];
        int x, y;
        plot_cell_position(d, cell, &x, &y);
        if (x >= 0 && y >= 0)
            plot_tally_add(&t[(guint)y * nx + (guint)x], cell);
    }
    g_autoptr(GString) s = g_string_new(NULL);
    for (guint y = 0; y < ny; y++)
        for (guint x = 0; x < nx; x++) {
            const plot_tally *tt = &t[y * nx + x];
            g_autofree char *top = plot_tally_top(tt);
            double lo, hi;
            results_wilson(tt->collapsed, tt->runs, &lo, &hi);
            g_string_append_printf(s, "%u %u", x, y);
            /* Without finished runs: zeros, and the runs column (0) says so. */
            plot_num(s, tt->runs ? 100.0 * tt->collapsed / tt->runs : 0);
            plot_num(s, tt->runs ? 100 * lo : 0);
            plot_num(s, tt->runs ? 100 * hi : 0);
            g_string_append_printf(s, " %d %d", tt->collapsed, tt->runs);
            plot_word(s, top);
            g_string_append_c(s, '\n');
            max_runs = MAX(max_runs, tt->runs);
            min_runs = MIN(min_runs, tt->runs);
        }
    for (guint i = 0; i < (gsize)nx * ny; i++)
        g_hash_table_destroy(t[i].causes);
    if (!plot_write(c, "heatmap.dat", s, error))
        return FALSE;

    g_autoptr(GString) title = g_string_new(NULL);
    g_autofree char *xs = plotdata_axis_short(d, 0);
    g_string_append_printf(title, "%s: collapse rate by %s", d->name, xs);
    if (ay) {
        g_autofree char *ys = plotdata_axis_short(d, 1);
        g_string_append_printf(title, " and %s", ys);
    }
    if (max_runs == min_runs)
        g_string_append_printf(title, " (%d runs per cell)", max_runs);
    else
        g_string_append_printf(title, " (%d to %d runs per cell)", min_runs, max_runs);
    if (d->axes->len > 2) {
        g_string_append(title, "\npooled over");
        for (guint a = 2; a < d->axes->len; a++)
            g_string_append_printf(title, "%s %s", a > 2 ? "," : "",
                                   ((plotdata_axis *)d->axes->pdata[a])->key);
    }
    g_autoptr(GString) v = g_string_new(NULL);
    if (ay)
        plot_common_vars(c, v, "heatmap", (int)(170 * nx + 330), (int)(95 * ny + 190));
    else
        plot_common_vars(c, v, "heatmap", (int)MAX(130 * nx + 200, 520u), 420);
    plot_var_str(v, "ctitle", title->str);
    plot_var_int(v, "nx", nx);
    plot_var_int(v, "ny", ay ? (long)ny : 0);
    g_autofree char *xt = plot_tics(ax);
    plot_var_str(v, "xtics_list", xt);
    plot_var_str(v, "xtitle", ax->key);
    if (ay) {
        g_autofree char *yt = plot_tics(ay);
        plot_var_str(v, "ytics_list", yt);
        plot_var_str(v, "ytitle", ay->key);
    }
    return plot_run(c, "heatmap", v, error);
}

/* ------------------------------------------------------------------ all */

/* Old tables go first: a chart must never read data from an earlier drawing. */
static void plot_clear_data(const char *data_dir)
{
    GDir *dir = g_dir_open(data_dir, 0, NULL);
    const char *e;
    while (dir && (e = g_dir_read_name(dir)))
        if (g_str_has_suffix(e, ".dat")) {
            g_autofree char *p = g_build_filename(data_dir, e, NULL);
            g_unlink(p);
        }
    if (dir)
        g_dir_close(dir);
}

gboolean plot_all(const char *dir, const char *format, GError **error)
{
    g_return_val_if_fail(dir != NULL, FALSE);
    const char *fmt = format ? format : "png";
    if (strcmp(fmt, "png") != 0 && strcmp(fmt, "svg") != 0 && strcmp(fmt, "pdf") != 0) {
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED,
                    "--format %s: charts are drawn as png, svg or pdf", fmt);
        return FALSE;
    }
    g_autoptr(plotdata) d = plotdata_load(dir, error);
    if (!d)
        return FALSE;
    plot_ctx c = {.d = d, .fmt = fmt};
    gboolean ok = FALSE;
    c.gnuplot = g_find_program_in_path("gnuplot");
    if (!c.gnuplot) {
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_NO_GNUPLOT,
                    "gnuplot not found: install it (Debian: apt-get install gnuplot-nox) and "
                    "run flatline plot %s",
                    dir);
        goto out;
    }
    c.scripts = plot_scripts_dir();
    c.plots_dir = g_build_filename(dir, "plots", NULL);
    c.data_dir = g_build_filename(c.plots_dir, "data", NULL);
    if (g_mkdir_with_parents(c.data_dir, 0755) != 0) {
        int e = errno;
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED, "%s: cannot create: %s", c.data_dir,
                    g_strerror(e));
        goto out;
    }
    plot_clear_data(c.data_dir);
    plot_pick_panels(&c);
    ok = plot_loss(&c, error) && plot_heatmap(&c, error) && plot_gradients(&c, error) &&
         plot_spread(&c, error) && plot_units(&c, error);
out:
    plot_ctx_clear(&c);
    return ok;
}
