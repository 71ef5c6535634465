/* plot.c — see plot.h.  flatline does the selecting and gnuplot the drawing: for each chart
 * this file writes tables under DIR/plots/data/ from the saved CSVs and run.result files,
 * then runs the chart's script from plots/.
 *
 * Nothing read from the results reaches gnuplot as code.  The command line (-e) carries
 * numbers and words of this file's own; every text that came from a file (the
 * experiment's name, grid keys and values, layer, output and cause names) goes into the
 * tab-separated data files, which gnuplot reads as data and never evaluates (style.gp
 * says how a text field is written).  Tables hold only what was read from the results,
 * so drawing a copied directory writes the same tables byte for byte.
 *
 * Charts with one panel per grid point draw at most PLOT_MAX_PANELS of them; beyond that
 * they show each cause where it is most frequent, then the most and the least collapsed
 * points, and say so in the title.  Each panel's x axis ends where its runs end, so a run
 * stopped after five epochs fills its panel; the axis label says when runs stopped early. */
#include "plot.h"
#include "paths.h"
#include "plotdata.h"
#include "results.h"
#include "verify.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(fl-plot-error-quark, plot_error)

#define PLOT_MAX_PANELS 16
#define PLOT_MAX_RUNS 20    /* replicates drawn per panel */
#define PLOT_MAX_OUTPUTS 8  /* outputs drawn in the spread chart */
#define PLOT_MAX_TICS 8     /* labelled decades on a log axis */
#define PLOT_TITLE_CHARS 52
#define PLOT_MAX_FIX_ROWS 8 /* fixes drawn per grid point (the verified one always) */
#define PLOT_FIX_CHARS 60   /* a fix's label, at most */ /* a panel title's line, at most (a panel is 400 pixels wide) */
/* Pixels: a panel (larger when there are few), the key strip on the right and the title
 * strip on top, and a little room at the bottom for the last x label. */
#define PLOT_PANEL_W 400
#define PLOT_PANEL_H 290
#define PLOT_ONE_W 760
#define PLOT_ONE_H 460
#define PLOT_KEY_W 270
#define PLOT_TITLE_H 60
#define PLOT_BOTTOM_H 14

struct plot_ctx {
    const plotdata *d;
    const char *fmt;
    char *plots_dir, *data_dir, *scripts, *gnuplot;
    GPtrArray *panels; /* plotdata_cell* (borrowed), in grid order */
    char *cap_note;    /* why only some grid points are drawn, or NULL */
    int cols, rows;
};

/* What one chart hands gnuplot: numbers on the command line, text in a data file. */
typedef struct plot_job {
    const plot_chart *chart;
    GString *vars; /* gnuplot -e: numbers, and words of this file's own */
    GString *text; /* data/<chart>-text.tsv: lines "kind index text" */
    gboolean panels;              /* a chart of panels */
    int title_lines, panel_lines; /* lines of its title, and of its longest panel title */
    glong key_chars;              /* the longest text in the key */
} plot_job;

static void plot_job_init(plot_job *j, const plot_chart *chart)
{
    j->chart = chart;
    j->vars = g_string_new(NULL);
    j->text = g_string_new(NULL);
}

static void plot_job_clear(plot_job *j)
{
    if (j->vars)
        g_string_free(j->vars, TRUE);
    if (j->text)
        g_string_free(j->text, TRUE);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(plot_job, plot_job_clear)

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
    g_autofree char *path = g_build_filename(dir, "causes.tsv", NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return colors;
    /* Lines "cause<TAB>#rrggbb"; "*" is any other cause; # starts a comment. */
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = g_strsplit(*l, "\t", -1);
        if (**l == '#' || g_strv_length(f) < 2 || strlen(g_strstrip(f[1])) != 7 ||
            f[1][0] != '#')
            continue;
        g_hash_table_insert(colors, g_strdup(strcmp(f[0], "*") == 0 ? "" : f[0]),
                            g_ascii_strdown(f[1], -1));
    }
    return colors;
}

/* ------------------------------------------------------------------ what gnuplot reads */

/* A word of this file's own on the command line, single-quoted: gnuplot expands nothing
 * inside single quotes, and a quote is written twice. */
static void plot_var_word(plot_job *j, const char *name, const char *val)
{
    g_auto(GStrv) parts = g_strsplit(val, "'", -1);
    g_autofree char *quoted = g_strjoinv("''", parts);
    g_string_append_printf(j->vars, "%s='%s'; ", name, quoted);
}

static void plot_var_int(plot_job *j, const char *name, long val)
{
    g_string_append_printf(j->vars, "%s=%ld; ", name, val);
}

static void plot_var_num(plot_job *j, const char *name, double val)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_printf(j->vars, "%s=%s; ", name,
                           g_ascii_formatd(buf, sizeof buf, "%.9g", isfinite(val) ? val : 0));
}

/* An array of numbers (gnuplot arrays need at least one element). */
static void plot_var_nums(plot_job *j, const char *name, GArray *vals)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_printf(j->vars, "array %s[%u]=[", name, MAX(vals->len, 1u));
    for (guint i = 0; i < vals->len; i++) {
        double x = g_array_index(vals, double, i);
        g_string_append_printf(j->vars, "%s%s", i ? "," : "",
                               g_ascii_formatd(buf, sizeof buf, "%.9g", isfinite(x) ? x : 0));
    }
    if (!vals->len)
        g_string_append_c(j->vars, '0');
    g_string_append(j->vars, "]; ");
}

static void plot_push(GArray *a, double v)
{
    g_array_append_val(a, v);
}

/* A text field of a data file, after a tab.  It opens with '=' (style.gp's text() drops
 * it), so no text is ever empty or the '?' of a missing number, which gnuplot would not
 * read back as written.  gnuplot decodes \ooo and \n escapes in text it reads and takes a
 * " as the start of a quoted field, so \ and " go as escapes; tabs and other control
 * characters would split fields or lines and become spaces. */
static void plot_text_field(GString *s, const char *text)
{
    g_string_append(s, "\t=");
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
        if (*p == '\\')
            g_string_append(s, "\\134");
        else if (*p == '"')
            g_string_append(s, "\\042");
        else if (*p == '\n')
            g_string_append(s, "\\n");
        else if (*p < 0x20 || *p == 0x7f)
            g_string_append_c(s, ' ');
        else
            g_string_append_c(s, (char)*p);
    }
}

/* A number field after a tab: gnuplot reads "?" as missing (style.gp says so). */
static void plot_num_field(GString *s, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_c(s, '\t');
    if (isfinite(v))
        g_string_append(s, g_ascii_formatd(buf, sizeof buf, "%.6g", v));
    else
        g_string_append_c(s, '?');
}

/* One line of the chart's text file: what the script reads into its titles and keys. */
static void plot_text(plot_job *j, const char *kind, guint index, const char *text)
{
    if (strcmp(kind, "key") == 0 || strcmp(kind, "layer") == 0 || strcmp(kind, "series") == 0)
        j->key_chars = MAX(j->key_chars, g_utf8_strlen(text, -1));
    g_string_append_printf(j->text, "%s\t%u", kind, index);
    plot_text_field(j->text, text);
    g_string_append_c(j->text, '\n');
}

/* The number of lines of a text. */
static int plot_lines(const char *text)
{
    int n = 1;
    for (const char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
        n++;
    return n;
}

/* A panel's title, wrapped where a line would run into the next panel: at the gaps
 * between grid axes ("  ") or before the outcome (": "). */
static void plot_panel_title(plot_job *j, guint p, const char *title)
{
    GString *s = g_string_new(NULL);
    glong line = 0;
    for (const char *t = title; *t;) {
        /* The next piece: up to and including the next gap. */
        const char *gap = strstr(t, "  "), *colon = strstr(t, ": "), *nl = strchr(t, '\n');
        const char *end = t + strlen(t);
        if (gap && gap < end)
            end = gap + 2;
        if (colon && colon + 2 < end)
            end = colon + 2;
        if (nl && nl + 1 < end)
            end = nl + 1;
        glong len = g_utf8_strlen(t, end - t);
        if (line && line + len > PLOT_TITLE_CHARS) {
            while (s->len && s->str[s->len - 1] == ' ')
                g_string_truncate(s, s->len - 1);
            g_string_append_c(s, '\n');
            line = 0;
        }
        g_string_append_len(s, t, end - t);
        line = end[-1] == '\n' ? 0 : line + len;
        t = end;
    }
    j->panel_lines = MAX(j->panel_lines, plot_lines(s->str));
    plot_text(j, "panel", p + 1, s->str);
    g_string_free(s, TRUE);
}

/* gnuplot reads a tic label given in the script as a format: a % is written twice. */
static char *plot_tic_text(const char *text)
{
    g_auto(GStrv) parts = g_strsplit(text, "%", -1);
    return g_strjoinv("%%", parts);
}

static gboolean plot_write(const plot_ctx *c, const char *name, GString *s, GError **error)
{
    g_autofree char *path = g_build_filename(c->data_dir, name, NULL);
    if (!results_write(path, s->str, (gssize)s->len, FALSE, error)) {
        g_prefix_error(error, "cannot write the chart data: ");
        return FALSE;
    }
    return TRUE;
}

/* A log axis from lo to hi: whole decades, at most PLOT_MAX_TICS of them labelled (in
 * the numbers' one format), as `yt` and the text lines "ytic". */
static void plot_log_tics(plot_job *j, double lo, double hi)
{
    int e0 = (int)ceil(log10(lo) - 1e-9), e1 = (int)floor(log10(hi) + 1e-9);
    int step = MAX(1, (e1 - e0 + PLOT_MAX_TICS) / PLOT_MAX_TICS);
    g_autoptr(GArray) at = g_array_new(FALSE, FALSE, sizeof(double));
    for (int e = e0; e <= e1; e += step) {
        g_autofree char *num = plotdata_format_number(pow(10, e));
        g_autofree char *label = plot_tic_text(num);
        plot_push(at, pow(10, e));
        plot_text(j, "ytic", at->len, label);
    }
    plot_var_int(j, "nyt", (long)at->len);
    plot_var_nums(j, "yt", at);
}

/* ------------------------------------------------------------------ runs and colours */

/* The name that picks a run's colour: its primary cause, or its outcome without one. */
static char *plot_color_key(const run_result *r)
{
    if (r->status != RUN_OK)
        return g_strdup("crashed");
    if (r->verdict == VERDICT_HEALTHY)
        return g_strdup("healthy");
    char *c = plotdata_primary_cause(r);
    if (!*c) {
        g_free(c);
        return g_strdup("unknown");
    }
    return c;
}

static void plot_add_unique(GPtrArray *names, const char *name)
{
    if (!g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL))
        g_ptr_array_add(names, g_strdup(name));
}

/* What the key of a chart with one line per run shows: each colour drawn, faded or not,
 * and each kind of marker. */
typedef struct plot_marks {
    GPtrArray *keys; /* "0dead_relu" (drawn full) or "1dead_relu" (faded: warning only) */
    gboolean stopped, detected, nonfinite;
} plot_marks;

static void plot_marks_init(plot_marks *mk)
{
    *mk = (plot_marks){.keys = g_ptr_array_new_with_free_func(g_free)};
}

static void plot_marks_clear(plot_marks *mk)
{
    if (mk->keys)
        g_ptr_array_free(mk->keys, TRUE);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(plot_marks, plot_marks_clear)

/* A run drawn: its colour and whether it is faded go into the key. */
static void plot_mark_run(plot_marks *mk, const run_result *r, const char *key)
{
    g_autofree char *k = g_strdup_printf("%d%s", r->verdict == VERDICT_WARNING, key);
    plot_add_unique(mk->keys, k);
}

/* Key entries causes first (full, then faded), healthy and crashed last: causes are what
 * a reader looks for. */
static int plot_key_rank(const char *k)
{
    return (strcmp(k + 1, "healthy") == 0 || strcmp(k + 1, "crashed") == 0) * 2 + (k[0] == '1');
}

static gint plot_by_key_rank(gconstpointer a, gconstpointer b)
{
    return plot_key_rank(*(char *const *)a) - plot_key_rank(*(char *const *)b);
}

static void plot_mark_vars(plot_job *j, plot_marks *mk)
{
    g_ptr_array_sort(mk->keys, plot_by_key_rank); /* stable: first seen first */
    g_autoptr(GArray) fade = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint k = 0; k < mk->keys->len; k++) {
        const char *key = mk->keys->pdata[k];
        gboolean faded = key[0] == '1';
        const char *name = key + 1;
        g_autofree char *label =
            strcmp(name, "healthy") == 0   ? g_strdup("healthy")
            : strcmp(name, "crashed") == 0 ? g_strdup("crashed")
            : strcmp(name, "unknown") == 0 ? g_strdup(faded ? "warning (no cause given)"
                                                            : "collapsed (no cause given)")
            : faded ? g_strdup_printf("%s (warning only)", name)
                    : g_strdup_printf("%s (collapsed)", name);
        plot_push(fade, faded);
        plot_text(j, "keycolor", k + 1, name);
        plot_text(j, "key", k + 1, label);
    }
    plot_var_int(j, "nkey", (long)mk->keys->len);
    plot_var_nums(j, "keyfade", fade);
    plot_var_int(j, "has_stop", mk->stopped);
    plot_var_int(j, "has_detect", mk->detected);
    plot_var_int(j, "has_top", mk->nonfinite);
}

/* The epoch row of a run's metrics, or -1. */
static int plot_row_of_epoch(const plotdata_metrics *m, int epoch)
{
    int ce = plotdata_metrics_column(m, "epoch");
    for (guint r = 0; r < m->n_rows; r++)
        if ((int)plotdata_metrics_at(m, r, ce) == epoch)
            return (int)r;
    return -1;
}

/* A collapsed run's marker, a line "epoch value colour point-type" in `e`: a filled dot
 * where flatline stopped it, an open one where its collapse began when it ran on, and a
 * triangle on the top edge ("top") where the value was no longer finite. */
static gboolean plot_marker(const run_result *r, const plotdata_metrics *m, int col,
                            const char *key, GString *e, plot_marks *mk)
{
    if (r->status != RUN_OK || r->verdict != VERDICT_COLLAPSED)
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
        plot_num_field(e, v);
    else
        g_string_append(e, "\ttop");
    plot_text_field(e, key);
    g_string_append_printf(e, "\t%d\n", pt);
    return TRUE;
}

/* The start of a run's block in a table of runs: blank lines between runs, a comment. */
static void plot_block_head(GString *s, const run_result *r, double blocks)
{
    g_string_append_printf(s, "%s# run", blocks ? "\n\n" : "");
    plot_text_field(s, r->id);
    g_string_append_printf(s, "\tseed %" G_GINT64_FORMAT, r->seed);
    plot_text_field(s, verdict_name(r->verdict));
    g_string_append_c(s, '\n');
}

/* ------------------------------------------------------------------ panels */

/* The commonest cause of a grid point, or "". */
static char *plot_top_cause(const plotdata_cell *cell)
{
    char *t = g_strdup(cell->primary ? cell->primary : "");
    t[strcspn(t, ";")] = '\0';
    char *colon = strrchr(t, ':');
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

static gboolean plot_pick_panels(plot_ctx *c, GError **error)
{
    g_autoptr(GPtrArray) with = g_ptr_array_new();
    for (guint i = 0; i < c->d->cells->len; i++) {
        plotdata_cell *cell = c->d->cells->pdata[i];
        if (cell->members->len)
            g_ptr_array_add(with, cell);
    }
    if (!with->len) {
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED,
                    "%s: no grid point of cells.csv holds a finished run: run `flatline "
                    "report %s` to rebuild it",
                    c->d->dir, c->d->dir);
        return FALSE;
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
    guint n = c->panels->len;
    c->cols = (int)ceil(sqrt((double)n));
    c->rows = (int)((n + (guint)c->cols - 1) / (guint)c->cols);
    return TRUE;
}

/* "lr=1e-6  init=zeros" ("all runs" without a grid). */
static char *plot_point_name(const plot_ctx *c, const plotdata_cell *cell)
{
    if (!c->d->axes->len)
        return g_strdup("all runs");
    GString *s = g_string_new(NULL);
    for (guint a = 0; a < c->d->axes->len; a++) {
        g_autofree char *k = plotdata_axis_short(c->d, a);
        g_autofree char *v = plotdata_format_label(cell->labels[a] ? cell->labels[a] : "?");
        g_string_append_printf(s, "%s%s=%s", a ? "  " : "", k, v);
    }
    return g_string_free(s, FALSE);
}

/* The run that shows a grid point's usual outcome: when at least half of its runs
 * collapsed, the first collapsed by the point's commonest cause; otherwise the first
 * that did not collapse. */
static const run_result *plot_representative(const plotdata_cell *cell)
{
    g_autofree char *top = plot_top_cause(cell);
    gboolean mostly = cell->runs > 0 && 2 * cell->collapsed >= cell->runs && cell->collapsed;
    for (guint i = 0; i < cell->members->len; i++) {
        const run_result *r = cell->members->pdata[i];
        g_autofree char *p = plotdata_primary_cause(r);
        gboolean coll = r->status == RUN_OK && r->verdict == VERDICT_COLLAPSED;
        if (mostly ? coll && strcmp(p, top) == 0 : !coll && r->status == RUN_OK)
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
        const run_result *r = cell->members->pdata[i];
        timeout += r->status == RUN_TIMEOUT;
        crashed += r->status != RUN_OK && r->status != RUN_TIMEOUT;
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

static char *plot_run_outcome(const run_result *r)
{
    g_autofree char *p = plotdata_primary_cause(r);
    if (r->status != RUN_OK)
        return g_strdup(run_status_name(r->status));
    if (*p)
        return g_strdup_printf("%s (%s)", verdict_name(r->verdict), p);
    return g_strdup(verdict_name(r->verdict));
}

/* Each panel's x axis: it ends at the panel's last epoch drawn, and its label says when
 * that is short of the epochs planned (runs stopped early).  The bottom row always says
 * what the axis is. */
static void plot_xaxis(plot_ctx *c, plot_job *j, GArray *xmax, guint p, int last_epoch,
                       int planned)
{
    int x = MAX(last_epoch, 1);
    plot_push(xmax, x);
    g_autofree char *label = NULL;
    if (last_epoch >= 0 && last_epoch < planned)
        label = g_strdup_printf("epoch (stopped early: by epoch %d of %d)", last_epoch, planned);
    else if (p + (guint)c->cols >= c->panels->len)
        label = g_strdup("epoch");
    if (label)
        plot_text(j, "xlabel", p + 1, label);
}

/* ------------------------------------------------------------------ running gnuplot */

static void plot_common_vars(const plot_ctx *c, plot_job *j, int w, int h)
{
    g_autofree char *out = g_strdup_printf("%s.%s", j->chart->name, c->fmt);
    plot_var_word(j, "fmt", c->fmt);
    plot_var_word(j, "out", out);
    plot_var_word(j, "scripts", c->scripts);
    plot_var_int(j, "W", w);
    plot_var_int(j, "H", h);
}

/* A chart of panels under a title of `title_lines` lines: its canvas is laid out once the
 * key and the panel titles are known (plot_panel_canvas). */
static void plot_panel_vars(plot_job *j, int title_lines)
{
    j->panels = TRUE;
    j->title_lines = title_lines;
}

/* The canvas for a grid of panels, under the title strip, with the key strip on the
 * right wide enough for the longest key text. */
static void plot_panel_canvas(const plot_ctx *c, plot_job *j)
{
    int title_h = PLOT_TITLE_H + 20 * MAX(j->title_lines - 1, 0);
    int extra = 16 * MAX(j->panel_lines - 1, 0);
    int key_w = MAX(PLOT_KEY_W, 110 + 8 * (int)MIN(j->key_chars, 60));
    int pw = c->cols == 1   ? PLOT_ONE_W
             : c->cols == 2 ? (PLOT_ONE_W + PLOT_PANEL_W) / 2
                            : PLOT_PANEL_W;
    int ph = (c->rows == 1   ? PLOT_ONE_H
              : c->rows == 2 ? (PLOT_ONE_H + PLOT_PANEL_H) / 2
                             : PLOT_PANEL_H) +
             extra;
    plot_common_vars(c, j, c->cols * pw + key_w, c->rows * ph + title_h + PLOT_BOTTOM_H);
    plot_var_int(j, "n", (long)c->panels->len);
    plot_var_int(j, "cols", c->cols);
    plot_var_int(j, "rows", c->rows);
    plot_var_int(j, "KW", key_w);
    plot_var_int(j, "TH", title_h);
    plot_var_int(j, "BH", PLOT_BOTTOM_H);
    plot_var_int(j, "MT", 48 + extra);
}

/* A chart's title: its text line, and the lines it takes. */
static int plot_title(plot_job *j, const char *title)
{
    plot_text(j, "title", 1, title);
    return plot_lines(title);
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

static gboolean plot_run(const plot_ctx *c, plot_job *j, GError **error)
{
    g_autofree char *out = g_strdup_printf("%s.%s", j->chart->name, c->fmt);
    g_autofree char *out_path = g_build_filename(c->plots_dir, out, NULL);
    g_autofree char *script = g_build_filename(c->scripts, j->chart->script, NULL);
    if (!g_file_test(script, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED,
                    "%s: chart script missing: reinstall flatline (make install puts the "
                    "scripts in %s/plots)",
                    script, FL_DATADIR);
        return FALSE;
    }
    if (j->panels)
        plot_panel_canvas(c, j);
    g_autofree char *text_name = g_strdup_printf("%s-text.tsv", j->chart->name);
    if (!plot_write(c, text_name, j->text, error))
        return FALSE;
    const char *argv[] = {c->gnuplot, "-e", j->vars->str, script, NULL};
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

/* ------------------------------------------------------------------ loss */

/* What the panels of a loss chart gather for its common scale, key and markers. */
typedef struct plot_loss_state {
    GArray *nrun, *nend, *xmax; /* per panel */
    plot_marks mk;
    double lo, hi; /* the smallest and largest positive loss drawn */
    gboolean any_val, capped_runs;
    int per_panel; /* runs in the fullest panel */
} plot_loss_state;

static void plot_loss_state_init(plot_loss_state *st)
{
    st->nrun = g_array_new(FALSE, FALSE, sizeof(double));
    st->nend = g_array_new(FALSE, FALSE, sizeof(double));
    st->xmax = g_array_new(FALSE, FALSE, sizeof(double));
    plot_marks_init(&st->mk);
    st->lo = INFINITY;
    st->hi = -INFINITY;
}

static void plot_loss_state_clear(plot_loss_state *st)
{
    if (st->nrun)
        g_array_unref(st->nrun);
    if (st->nend)
        g_array_unref(st->nend);
    if (st->xmax)
        g_array_unref(st->xmax);
    plot_marks_clear(&st->mk);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(plot_loss_state, plot_loss_state_clear)

/* Panel p of a loss chart: the runs `members` (run_result*, their metrics.csv under `dir`)
 * written to data/<chart>-PP.dat, one block per run, and their markers to -end.dat. */
static gboolean plot_loss_panel(plot_ctx *c, plot_job *j, plot_loss_state *st, guint p,
                                const char *title, const char *dir, const GPtrArray *members,
                                GError **error)
{
    g_autoptr(GString) s = g_string_new(NULL);
    g_autoptr(GString) e = g_string_new(NULL);
    double blocks = 0, ends = 0;
    int last = -1, planned = 0;
    st->per_panel = MAX(st->per_panel, (int)members->len);
    for (guint i = 0; i < members->len; i++) {
        const run_result *r = members->pdata[i];
        if (i >= PLOT_MAX_RUNS) {
            st->capped_runs = TRUE;
            break;
        }
        planned = MAX(planned, r->epochs_planned);
        g_autoptr(plotdata_metrics) m = plotdata_metrics_read(dir, r->id, NULL);
        if (!m || !m->n_rows)
            continue;
        g_autofree char *key = plot_color_key(r);
        plot_mark_run(&st->mk, r, key);
        int ce = plotdata_metrics_column(m, "epoch"), cl = plotdata_metrics_column(m, "loss"),
            cv = plotdata_metrics_column(m, "val_loss");
        plot_block_head(s, r, blocks);
        for (guint row = 0; row < m->n_rows; row++) {
            double l = plotdata_metrics_at(m, row, cl), vl = plotdata_metrics_at(m, row, cv);
            int epoch = (int)plotdata_metrics_at(m, row, ce);
            last = MAX(last, epoch);
            g_string_append_printf(s, "%d", epoch);
            plot_num_field(s, l);
            plot_num_field(s, vl);
            plot_text_field(s, key);
            plot_text_field(s, verdict_name(r->verdict));
            g_string_append_c(s, '\n');
            for (int k = 0; k < 2; k++) {
                double x = k ? vl : l;
                if (isfinite(x) && x > 0) {
                    st->lo = MIN(st->lo, x);
                    st->hi = MAX(st->hi, x);
                }
            }
            st->any_val |= isfinite(vl);
        }
        blocks++;
        ends += plot_marker(r, m, cl, key, e, &st->mk);
    }
    g_autofree char *name = g_strdup_printf("%s-%02u.dat", j->chart->name, p + 1);
    g_autofree char *end_name = g_strdup_printf("%s-%02u-end.dat", j->chart->name, p + 1);
    if (!plot_write(c, name, s, error) || !plot_write(c, end_name, e, error))
        return FALSE;
    plot_panel_title(j, p, title);
    plot_xaxis(c, j, st->xmax, p, last, planned);
    plot_push(st->nrun, blocks);
    plot_push(st->nend, ends);
    return TRUE;
}

/* The rest of a loss chart once its panels are written: title, key, one y scale. */
static gboolean plot_loss_finish(plot_ctx *c, plot_job *j, plot_loss_state *st,
                                 const char *title, GError **error)
{
    plot_panel_vars(j, plot_title(j, title));
    plot_var_word(j, "stem", j->chart->name);
    plot_var_nums(j, "xmax", st->xmax);
    plot_var_nums(j, "nrun", st->nrun);
    plot_var_nums(j, "nend", st->nend);
    plot_mark_vars(j, &st->mk);
    plot_var_int(j, "has_val", st->any_val);

    /* One y range for every panel, so panels compare at a glance; a log scale when the
     * losses span more than two orders of magnitude. */
    double lo = st->lo, hi = st->hi;
    gboolean logy = isfinite(lo) && hi / lo > 100;
    double ylo = 0, yhi = isfinite(hi) ? hi * 1.05 : 1;
    if (logy) {
        ylo = pow(10, floor(log10(lo)));
        yhi = pow(10, ceil(log10(hi)));
        plot_log_tics(j, ylo, yhi);
    }
    plot_var_int(j, "logy", logy);
    plot_var_num(j, "ylo", ylo);
    plot_var_num(j, "yhi", yhi);
    g_autofree char *ylabel = g_strdup_printf("loss (%s)", c->d->loss_name ? c->d->loss_name
                                                                           : "as trained");
    plot_text(j, "ylabel", 1, ylabel);
    return plot_run(c, j, error);
}

static gboolean plot_loss(plot_ctx *c, const plot_chart *chart, GError **error)
{
    g_auto(plot_job) j = {0};
    plot_job_init(&j, chart);
    g_auto(plot_loss_state) st = {0};
    plot_loss_state_init(&st);
    for (guint p = 0; p < c->panels->len; p++) {
        const plotdata_cell *cell = c->panels->pdata[p];
        g_autofree char *title = plot_cell_title(c, cell);
        if (!plot_loss_panel(c, &j, &st, p, title, c->d->dir, cell->members, error))
            return FALSE;
    }
    g_autoptr(GString) title = g_string_new(NULL);
    g_string_append_printf(title, "%s: training loss%s", c->d->name,
                           c->d->axes->len ? " per grid point" : "");
    if (st.per_panel > 1)
        g_string_append_printf(title, " (%s%d %s, one line per run)",
                               st.capped_runs ? "first 20 of " : "", st.per_panel,
                               c->d->axes->len ? "replicates each" : "runs");
    if (c->cap_note)
        g_string_append_printf(title, "\n%s", c->cap_note);
    return plot_loss_finish(c, &j, &st, title->str, error);
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

static char *plot_rep_title(const plot_ctx *c, const plotdata_cell *cell, const run_result *r)
{
    g_autofree char *outcome = plot_run_outcome(r);
    if (!c->d->axes->len)
        return g_strdup_printf("run %s, seed %" G_GINT64_FORMAT ": %s", r->id, r->seed, outcome);
    g_autofree char *point = plot_point_name(c, cell);
    return g_strdup_printf("%s\nrun %s, seed %" G_GINT64_FORMAT ": %s", point, r->id, r->seed,
                           outcome);
}

/* The representative run of each panel and its metrics (NULL where none were saved). */
typedef struct plot_reps {
    GPtrArray *runs;    /* const run_result* or NULL, per panel */
    GPtrArray *metrics; /* plotdata_metrics* or NULL, per panel */
} plot_reps;

static void plot_reps_read(const plot_ctx *c, plot_reps *reps)
{
    reps->runs = g_ptr_array_new();
    reps->metrics = g_ptr_array_new_with_free_func((GDestroyNotify)plotdata_metrics_free);
    for (guint p = 0; p < c->panels->len; p++) {
        const run_result *r = plot_representative(c->panels->pdata[p]);
        g_ptr_array_add(reps->runs, (gpointer)r);
        g_ptr_array_add(reps->metrics, r ? plotdata_metrics_read(c->d->dir, r->id, NULL) : NULL);
    }
}

static void plot_reps_clear(plot_reps *reps)
{
    if (reps->runs)
        g_ptr_array_free(reps->runs, TRUE);
    if (reps->metrics)
        g_ptr_array_free(reps->metrics, TRUE);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(plot_reps, plot_reps_clear)

/* Panel p's table: epoch, then for each layer one column per suffix.  Fills has[p] (any
 * finite value), the panel's title and x axis, and the smallest positive and the largest
 * value. */
static gboolean plot_layer_table(plot_ctx *c, plot_job *j, const plot_reps *reps, guint p,
                                 const char *const *suffixes, GPtrArray *layers, GArray *has,
                                 GArray *xmax, double *min_pos, double *max_v, GError **error)
{
    const plotdata_cell *cell = c->panels->pdata[p];
    const run_result *r = reps->runs->pdata[p];
    const plotdata_metrics *m = reps->metrics->pdata[p];
    g_autoptr(GString) s = g_string_new("# epoch");
    for (guint l = 0; l < layers->len; l++)
        for (const char *const *x = suffixes; *x; x++) {
            g_autofree char *col = g_strconcat(layers->pdata[l], *x, NULL);
            plot_text_field(s, col);
        }
    g_string_append_c(s, '\n');
    double any = 0;
    int last = -1;
    int ce = m ? plotdata_metrics_column(m, "epoch") : -1;
    for (guint row = 0; m && row < m->n_rows; row++) {
        int epoch = (int)plotdata_metrics_at(m, row, ce);
        last = MAX(last, epoch);
        g_string_append_printf(s, "%d", epoch);
        for (guint l = 0; l < layers->len; l++)
            for (const char *const *x = suffixes; *x; x++) {
                g_autofree char *col = g_strconcat(layers->pdata[l], *x, NULL);
                double val = plotdata_metrics_at(m, row, plotdata_metrics_column(m, col));
                plot_num_field(s, val);
                if (isfinite(val)) {
                    any = 1;
                    *max_v = MAX(*max_v, val);
                    if (val > 0)
                        *min_pos = MIN(*min_pos, val);
                }
            }
        g_string_append_c(s, '\n');
    }
    plot_push(has, any);
    g_autofree char *title = r ? plot_rep_title(c, cell, r) : plot_point_name(c, cell);
    plot_panel_title(j, p, title);
    plot_xaxis(c, j, xmax, p, last, r ? r->epochs_planned : 0);
    g_autofree char *name = g_strdup_printf("%s-%02u.dat", j->chart->name, p + 1);
    return plot_write(c, name, s, error);
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

static void plot_layer_texts(plot_job *j, GPtrArray *layers)
{
    for (guint l = 0; l < layers->len; l++)
        plot_text(j, "layer", l + 1, layers->pdata[l]);
    plot_var_int(j, "nl", (long)layers->len);
}

/* ------------------------------------------------------------------ gradients */

static gboolean plot_gradients(plot_ctx *c, const plot_chart *chart, GError **error)
{
    static const char *const suffixes[] = {"_grad_norm", NULL};
    g_auto(plot_job) j = {0};
    plot_job_init(&j, chart);
    g_auto(plot_reps) reps = {0};
    plot_reps_read(c, &reps);
    g_autoptr(GPtrArray) layers = g_ptr_array_new_with_free_func(g_free);
    for (guint p = 0; p < c->panels->len; p++)
        if (reps.metrics->pdata[p])
            plot_layers_of(reps.metrics->pdata[p], suffixes[0], layers);
    g_autoptr(GArray) has = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) xmax = g_array_new(FALSE, FALSE, sizeof(double));
    double min_pos = INFINITY, max_v = 0;
    for (guint p = 0; p < c->panels->len; p++)
        if (!plot_layer_table(c, &j, &reps, p, suffixes, layers, has, xmax, &min_pos, &max_v,
                              error))
            return FALSE;
    /* One log range for every panel.  A norm of exactly zero (no gradient at all) is drawn
     * on a floor line a decade below the smallest norm, which the chart labels. */
    if (!isfinite(min_pos))
        min_pos = max_v = 1;
    double top = pow(10, ceil(log10(max_v) + 1e-9));
    double gfloor = pow(10, floor(log10(min_pos)) - 1);
    g_autoptr(GString) t = g_string_new(NULL);
    plot_rep_title_text(c, t, "gradient norm per layer");
    plot_panel_vars(&j, plot_title(&j, t->str));
    plot_layer_texts(&j, layers);
    plot_var_nums(&j, "has", has);
    plot_var_nums(&j, "xmax", xmax);
    plot_var_num(&j, "gfloor", gfloor);
    plot_var_num(&j, "ytop", top);
    plot_log_tics(&j, gfloor * 10, top);
    return plot_run(c, &j, error);
}

/* ------------------------------------------------------------------ units */

/* What a layer's "<layer>_dead" column counts, by its activation: units that output the
 * same value for every input are dead in a ReLU layer and merely constant elsewhere.
 * Saturation is measured for sigmoid and tanh only. */
static gboolean plot_act_dies(const char *act)
{
    return act && strcmp(act, "relu") == 0;
}

static gboolean plot_act_saturates(const char *act)
{
    return act && (strcmp(act, "sigmoid") == 0 || strcmp(act, "tanh") == 0);
}

/* Whether a column of panel p's representative metrics holds anything but zeros. */
static gboolean plot_column_nonzero(const plotdata_metrics *m, const char *col)
{
    int k = m ? plotdata_metrics_column(m, col) : -1;
    for (guint r = 0; k >= 0 && r < m->n_rows; r++) {
        double v = plotdata_metrics_at(m, r, k);
        if (isfinite(v) && v != 0)
            return TRUE;
    }
    return FALSE;
}

/* "dead units (relu)", "constant units (tanh, sigmoid)": what a line of the units chart
 * counts and in which activations; NULL without any. */
static char *plot_units_text(const char *what, GPtrArray *acts)
{
    if (!acts->len)
        return NULL;
    GString *s = g_string_new(what);
    for (guint i = 0; i < acts->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : " (", (char *)acts->pdata[i]);
    g_string_append_c(s, ')');
    return g_string_free(s, FALSE);
}

static gboolean plot_units(plot_ctx *c, const plot_chart *chart, GError **error)
{
    static const char *const suffixes[] = {"_dead", "_saturated", NULL};
    g_auto(plot_job) j = {0};
    plot_job_init(&j, chart);
    g_auto(plot_reps) reps = {0};
    plot_reps_read(c, &reps);
    g_autoptr(GPtrArray) layers = g_ptr_array_new_with_free_func(g_free);
    for (guint p = 0; p < c->panels->len; p++)
        if (reps.metrics->pdata[p])
            plot_layers_of(reps.metrics->pdata[p], suffixes[0], layers);
    g_autoptr(GArray) has = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) xmax = g_array_new(FALSE, FALSE, sizeof(double));
    double min_pos = INFINITY, max_v = 0;
    for (guint p = 0; p < c->panels->len; p++)
        if (!plot_layer_table(c, &j, &reps, p, suffixes, layers, has, xmax, &min_pos, &max_v,
                              error))
            return FALSE;

    /* The series: per layer its dead (or constant) units, and its saturated units where
     * the activation has flat ends.  son[(p-1)*ns + s]: series s drawn in panel p. */
    g_autoptr(GArray) scol = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) slayer = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) sdash = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GPtrArray) on = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    for (guint l = 0; l < layers->len; l++) {
        const char *layer = layers->pdata[l];
        /* Its activations across the panels: those that die, and the others. */
        g_autoptr(GPtrArray) dying = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) other = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) flat = g_ptr_array_new_with_free_func(g_free);
        gboolean unknown = FALSE, saturates = FALSE;
        GArray *on_const = g_array_new(FALSE, FALSE, sizeof(double));
        GArray *on_sat = g_array_new(FALSE, FALSE, sizeof(double));
        for (guint p = 0; p < c->panels->len; p++) {
            g_autofree char *act = plotdata_activation(c->d, c->panels->pdata[p], layer);
            g_autofree char *col = g_strconcat(layer, "_saturated", NULL);
            /* Without experiment.cfg the activation is unknown: saturation shows if any. */
            gboolean sat = act ? plot_act_saturates(act)
                               : plot_column_nonzero(reps.metrics->pdata[p], col);
            if (!act)
                unknown = TRUE;
            else
                plot_add_unique(plot_act_dies(act) ? dying : other, act);
            if (act && sat)
                plot_add_unique(flat, act);
            saturates |= sat;
            plot_push(on_const, 1);
            plot_push(on_sat, sat);
        }
        g_autofree char *dead_text = plot_units_text("dead units", dying);
        g_autofree char *const_text = plot_units_text("constant units", other);
        g_autofree char *what = g_strdup_printf(
            "%s: %s%s%s", layer, dead_text ? dead_text : "",
            dead_text && (const_text || unknown) ? " or " : "",
            const_text ? const_text : unknown || !dead_text ? "constant units" : "");
        plot_push(scol, 2 * l + 2);
        plot_push(slayer, l + 1);
        plot_push(sdash, 0);
        g_ptr_array_add(on, on_const);
        plot_text(&j, "series", scol->len, what);
        if (saturates) {
            g_autofree char *flat_text = plot_units_text("saturated units", flat);
            g_autofree char *sat = g_strdup_printf("%s: %s", layer,
                                                   flat_text ? flat_text : "saturated units");
            plot_push(scol, 2 * l + 3);
            plot_push(slayer, l + 1);
            plot_push(sdash, 1);
            g_ptr_array_add(on, on_sat);
            plot_text(&j, "series", scol->len, sat);
        } else {
            g_array_unref(on_sat);
        }
    }
    g_autoptr(GArray) son = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint p = 0; p < c->panels->len; p++)
        for (guint s = 0; s < on->len; s++)
            plot_push(son, g_array_index((GArray *)on->pdata[s], double, p));

    g_autoptr(GString) t = g_string_new(NULL);
    plot_rep_title_text(c, t, "units that no longer respond to the input, per layer");
    plot_panel_vars(&j, plot_title(&j, t->str));
    plot_layer_texts(&j, layers);
    plot_var_nums(&j, "has", has);
    plot_var_nums(&j, "xmax", xmax);
    plot_var_int(&j, "ns", (long)scol->len);
    plot_var_nums(&j, "scol", scol);
    plot_var_nums(&j, "slayer", slayer);
    plot_var_nums(&j, "sdash", sdash);
    plot_var_nums(&j, "son", son);
    return plot_run(c, &j, error);
}

/* ------------------------------------------------------------------ spread */

static gboolean plot_spread(plot_ctx *c, const plot_chart *chart, GError **error)
{
    g_auto(plot_job) j = {0};
    plot_job_init(&j, chart);
    /* The outputs, from run.result (or the metrics' "<out>_std" columns). */
    g_autoptr(GPtrArray) outs = g_ptr_array_new_with_free_func(g_free);
    for (guint p = 0; p < c->panels->len; p++) {
        const plotdata_cell *cell = c->panels->pdata[p];
        for (guint i = 0; i < cell->members->len; i++) {
            const run_result *r = cell->members->pdata[i];
            for (gsize k = 0; k < r->n_outputs; k++)
                plot_add_unique(outs, r->out_names[k]);
        }
    }
    for (guint p = 0; !outs->len && p < c->panels->len; p++) {
        const plotdata_cell *cell = c->panels->pdata[p];
        for (guint i = 0; !outs->len && i < cell->members->len; i++) {
            g_autoptr(plotdata_metrics) m =
                plotdata_metrics_read(c->d->dir, ((run_result *)cell->members->pdata[i])->id, NULL);
            if (m)
                plot_layers_of(m, "_std", outs);
        }
    }
    gboolean capped_outs = outs->len > PLOT_MAX_OUTPUTS;
    if (capped_outs)
        g_ptr_array_set_size(outs, PLOT_MAX_OUTPUTS);
    guint no = outs->len;

    g_autoptr(GArray) nrun = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) nend = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) target = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) xmax = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) ymax = g_array_new(FALSE, FALSE, sizeof(double));
    g_auto(plot_marks) mk = {0};
    plot_marks_init(&mk);
    for (guint p = 0; p < c->panels->len; p++) {
        const plotdata_cell *cell = c->panels->pdata[p];
        g_autoptr(GString) s = g_string_new(NULL);
        g_autoptr(GString) e = g_string_new(NULL);
        double blocks = 0, ends = 0, top = 0;
        int last = -1, planned = 0;
        g_autofree double *tsum = g_new0(double, no + 1);
        g_autofree int *tn = g_new0(int, no + 1);
        for (guint i = 0; i < cell->members->len && i < PLOT_MAX_RUNS; i++) {
            const run_result *r = cell->members->pdata[i];
            planned = MAX(planned, r->epochs_planned);
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
            plot_mark_run(&mk, r, key);
            int ce = plotdata_metrics_column(m, "epoch");
            plot_block_head(s, r, blocks);
            for (guint row = 0; row < m->n_rows; row++) {
                int epoch = (int)plotdata_metrics_at(m, row, ce);
                last = MAX(last, epoch);
                g_string_append_printf(s, "%d", epoch);
                for (guint o = 0; o < no; o++) {
                    g_autofree char *col = g_strconcat(outs->pdata[o], "_std", NULL);
                    double x = plotdata_metrics_at(m, row, plotdata_metrics_column(m, col));
                    plot_num_field(s, x);
                    if (isfinite(x))
                        top = MAX(top, x);
                }
                plot_text_field(s, key);
                plot_text_field(s, verdict_name(r->verdict));
                g_string_append_c(s, '\n');
            }
            blocks++;
            if (no) {
                g_autofree char *col = g_strconcat(outs->pdata[0], "_std", NULL);
                ends += plot_marker(r, m, plotdata_metrics_column(m, col), key, e, &mk);
            }
        }
        /* Each panel's y range holds all of its runs and the target: the spikes of an
         * unstable run are part of what the chart shows. */
        for (guint o = 0; o < no; o++) {
            double t = tn[o] ? tsum[o] / tn[o] : NAN;
            plot_push(target, t);
            if (isfinite(t))
                top = MAX(top, 1.25 * t);
        }
        plot_push(ymax, top > 0 ? top * 1.08 : 1);
        plot_push(nrun, blocks);
        plot_push(nend, ends);
        g_autofree char *name = g_strdup_printf("spread-%02u.dat", p + 1);
        g_autofree char *end_name = g_strdup_printf("spread-%02u-end.dat", p + 1);
        if (!plot_write(c, name, s, error) || !plot_write(c, end_name, e, error))
            return FALSE;
        g_autofree char *title = plot_cell_title(c, cell);
        plot_panel_title(&j, p, title);
        plot_xaxis(c, &j, xmax, p, last, planned);
    }
    for (guint o = 0; o < no; o++)
        plot_text(&j, "output", o + 1, outs->pdata[o]);

    g_autoptr(GString) t = g_string_new(NULL);
    g_string_append_printf(t, "%s: spread of the predictions across inputs (std) against "
                              "the targets' spread (dashed)",
                           c->d->name);
    if (capped_outs)
        g_string_append_printf(t, ", first %d outputs", PLOT_MAX_OUTPUTS);
    if (c->cap_note)
        g_string_append_printf(t, "\n%s", c->cap_note);
    plot_panel_vars(&j, plot_title(&j, t->str));
    plot_var_int(&j, "no", no);
    plot_var_nums(&j, "nrun", nrun);
    plot_var_nums(&j, "nend", nend);
    plot_var_nums(&j, "target", target);
    plot_var_nums(&j, "xmax", xmax);
    plot_var_nums(&j, "ymax", ymax);
    plot_mark_vars(&j, &mk);
    return plot_run(c, &j, error);
}

/* ------------------------------------------------------------------ heatmap */

typedef struct plot_tally {
    int runs, collapsed;
    GHashTable *causes;  /* primary cause -> collapsed runs */
    GHashTable *seconds; /* primary cause -> (second cause -> runs): see plot_tally_run() */
} plot_tally;

static void plot_tally_init(plot_tally *t)
{
    t->causes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    t->seconds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify)g_hash_table_unref);
}

static void plot_tally_clear(plot_tally *t)
{
    g_hash_table_unref(t->causes);
    g_hash_table_unref(t->seconds);
}

static void plot_count(GHashTable *h, const char *name, int n)
{
    n += GPOINTER_TO_INT(g_hash_table_lookup(h, name));
    g_hash_table_insert(h, g_strdup(name), GINT_TO_POINTER(n));
}

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
        plot_count(t->causes, name, atoi(colon + 1));
    }
}

/* A collapsed run whose primary finding is only a warning (no_update flagged first, then
 * bad_init collapsed it): the detector of its first collapsed finding counts as the
 * second cause of that primary one. */
static void plot_tally_run(plot_tally *t, const run_result *r)
{
    if (r->status != RUN_OK || r->verdict != VERDICT_COLLAPSED ||
        !r->findings->len)
        return;
    const finding_rec *first = r->findings->pdata[0];
    if (first->level != FL_LEVEL_WARNING)
        return;
    for (guint k = 1; k < r->findings->len; k++) {
        const finding_rec *f = r->findings->pdata[k];
        if (f->level != FL_LEVEL_COLLAPSED || strcmp(f->detector, first->detector) == 0)
            continue;
        GHashTable *h = g_hash_table_lookup(t->seconds, first->detector);
        if (!h) {
            h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
            g_hash_table_insert(t->seconds, g_strdup(first->detector), h);
        }
        plot_count(h, f->detector, 1);
        return;
    }
}

/* The commonest name (ties: the first by name, so the table never depends on hashing). */
static char *plot_commonest(GHashTable *counts)
{
    const char *best = NULL;
    int best_n = 0;
    GHashTableIter it;
    gpointer k, val;
    g_hash_table_iter_init(&it, counts);
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
    for (int i = 0; label && ax->labels[i]; i++)
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

/* An axis's tic labels, "position label" per line: the script reads them as data, so
 * they are shown as they are (a % included) and never evaluated. */
static gboolean plot_tics(plot_ctx *c, const char *name, const plotdata_axis *ax,
                          GError **error)
{
    g_autoptr(GString) s = g_string_new(NULL);
    for (int i = 0; ax->labels[i]; i++) {
        g_autofree char *l = plotdata_format_label(ax->labels[i]);
        g_string_append_printf(s, "%d", i);
        plot_text_field(s, l);
        g_string_append_c(s, '\n');
    }
    return plot_write(c, name, s, error);
}

static gboolean plot_heatmap(plot_ctx *c, const plot_chart *chart, GError **error)
{
    const plotdata *d = c->d;
    const plotdata_axis *ax = d->axes->pdata[0];
    const plotdata_axis *ay = d->axes->len > 1 ? d->axes->pdata[1] : NULL;
    guint nx = g_strv_length(ax->labels), ny = ay ? g_strv_length(ay->labels) : 1;
    g_autofree plot_tally *t = g_new0(plot_tally, (gsize)nx * ny);
    for (guint i = 0; i < (gsize)nx * ny; i++)
        plot_tally_init(&t[i]);
    int max_runs = 0, min_runs = G_MAXINT;
    for (guint i = 0; i < d->cells->len; i++) {
        const plotdata_cell *cell = d->cells->pdata[i];
        int x, y;
        plot_cell_position(d, cell, &x, &y);
        if (x < 0 || y < 0)
            continue;
        plot_tally *tt = &t[(guint)y * nx + (guint)x];
        plot_tally_add(tt, cell);
        for (guint k = 0; k < cell->members->len; k++)
            plot_tally_run(tt, cell->members->pdata[k]);
    }
    /* x y rate% low% high% collapsed runs cause second-cause; the cause "" when none. */
    g_autoptr(GString) s = g_string_new(NULL);
    for (guint y = 0; y < ny; y++)
        for (guint x = 0; x < nx; x++) {
            const plot_tally *tt = &t[y * nx + x];
            g_autofree char *top = plot_commonest(tt->causes);
            GHashTable *sec = g_hash_table_lookup(tt->seconds, top);
            g_autofree char *second = sec ? plot_commonest(sec) : g_strdup("");
            double lo, hi;
            results_wilson(tt->collapsed, tt->runs, &lo, &hi);
            g_string_append_printf(s, "%u\t%u", x, y);
            /* Without finished runs: zeros, and the runs column (0) says so. */
            plot_num_field(s, tt->runs ? 100.0 * tt->collapsed / tt->runs : 0);
            plot_num_field(s, tt->runs ? 100 * lo : 0);
            plot_num_field(s, tt->runs ? 100 * hi : 0);
            g_string_append_printf(s, "\t%d\t%d", tt->collapsed, tt->runs);
            plot_text_field(s, top);
            plot_text_field(s, second);
            g_string_append_c(s, '\n');
            max_runs = MAX(max_runs, tt->runs);
            min_runs = MIN(min_runs, tt->runs);
        }
    for (guint i = 0; i < (gsize)nx * ny; i++)
        plot_tally_clear(&t[i]);
    if (!plot_write(c, "heatmap.dat", s, error) || !plot_tics(c, "heatmap-xtics.dat", ax, error) ||
        (ay && !plot_tics(c, "heatmap-ytics.dat", ay, error)))
        return FALSE;

    g_auto(plot_job) j = {0};
    plot_job_init(&j, chart);
    g_autoptr(GString) title = g_string_new(NULL);
    g_autofree char *xs = plotdata_axis_short(d, 0);
    g_string_append_printf(title, "%s: collapse rate by %s", d->name, xs);
    if (ay) {
        g_autofree char *ys = plotdata_axis_short(d, 1);
        g_string_append_printf(title, " and %s", ys);
    }
    if (max_runs == min_runs)
        g_string_append_printf(title, " (%d run%s per cell)", max_runs, max_runs == 1 ? "" : "s");
    else
        g_string_append_printf(title, " (%d to %d runs per cell)", min_runs, max_runs);
    if (d->axes->len > 2) {
        g_string_append(title, "\npooled over");
        for (guint a = 2; a < d->axes->len; a++)
            g_string_append_printf(title, "%s %s", a > 2 ? "," : "",
                                   ((plotdata_axis *)d->axes->pdata[a])->key);
    }
    if (!ay)
        g_string_append(title, "\nbars in the colour of the commonest cause; whiskers: "
                               "Wilson 95% interval");
    int lines = plot_title(&j, title->str);
    /* Wide enough for the cells and for the title's longest line. */
    glong title_w = 0;
    g_auto(GStrv) title_lines = g_strsplit(title->str, "\n", -1);
    for (char **l = title_lines; *l; l++)
        title_w = MAX(title_w, 40 + 8 * MIN(g_utf8_strlen(*l, -1), 200));
    if (ay)
        plot_common_vars(c, &j, (int)MAX(MAX(170 * nx + 330, 640u), (guint)title_w),
                         (int)(95 * ny + 130 + 20 * lines));
    else
        plot_common_vars(c, &j, (int)MAX(MAX(130 * nx + 200, 640u), (guint)title_w),
                         400 + 20 * lines);
    plot_var_int(&j, "nx", nx);
    plot_var_int(&j, "ny", ay ? (long)ny : 0);
    plot_var_int(&j, "TL", lines);
    plot_text(&j, "xlabel", 1, ax->key);
    if (ay)
        plot_text(&j, "ylabel", 1, ay->key);
    return plot_run(c, &j, error);
}

/* ------------------------------------------------------------------ fixes */

/* "lr=1e-6  init=zeros" of a verified grid point, in the chart's short axis names when
 * the verification's grid is the results' own. */
static char *plot_fix_point(const plotdata *d, const verify_report *vr, int cell)
{
    GStrv l = vr->cell_labels->pdata[cell];
    if (g_strv_length(l) != d->axes->len || !d->axes->len) {
        char *t = verify_cell_text(vr, cell);
        if (!*t) {
            g_free(t);
            return g_strdup("all runs");
        }
        return t;
    }
    GString *s = g_string_new(NULL);
    for (guint a = 0; a < d->axes->len; a++) {
        g_autofree char *k = plotdata_axis_short(d, a);
        g_autofree char *v = plotdata_format_label(l[a]);
        g_string_append_printf(s, "%s%s=%s", a ? "  " : "", k, v);
    }
    return g_string_free(s, FALSE);
}

/* A fix's label, cut at PLOT_FIX_CHARS. */
static char *plot_fix_label(const verify_trial *t)
{
    g_autofree char *fix = verify_fix_text(t);
    if (g_utf8_strlen(fix, -1) <= PLOT_FIX_CHARS)
        return g_steal_pointer(&fix);
    g_autofree char *cut = g_utf8_substring(fix, 0, PLOT_FIX_CHARS - 1);
    return g_strdup_printf("%s\u2026", cut);
}

/* One row of the fixes table: row, kind (0 a grid point's heading, 1 its collapse rate
 * before, 2 a fix tried, 3 the verified fix), collapse rate in %, the tic or heading text,
 * the text at the bar's end, the cause whose colour the bar takes. */
static void plot_fix_row(GString *s, guint row, int kind, double rate, const char *tic,
                         const char *value, const char *cause)
{
    g_string_append_printf(s, "%u\t%d", row, kind);
    plot_num_field(s, rate);
    plot_text_field(s, tic);
    plot_text_field(s, value);
    plot_text_field(s, cause);
    g_string_append_c(s, '\n');
}

/* The trials of a grid point to draw: the verified one, then the others in the order
 * tried, at most PLOT_MAX_FIX_ROWS; *more receives how many were left out. */
static GPtrArray *plot_fix_trials(const verify_report *vr, const verify_cell *vc, guint *more)
{
    GPtrArray *out = g_ptr_array_new();
    const verify_trial *ok = vc->verified >= 0 ? vr->trials->pdata[vc->verified] : NULL;
    if (ok)
        g_ptr_array_add(out, (gpointer)ok);
    *more = 0;
    for (guint i = 0; i < vr->trials->len; i++) {
        const verify_trial *t = vr->trials->pdata[i];
        if (t->cell != vc->cell || t == ok)
            continue;
        if (out->len < PLOT_MAX_FIX_ROWS)
            g_ptr_array_add(out, (gpointer)t);
        else
            (*more)++;
    }
    return out;
}

/* The verification saved in the results, or NULL with an error saying how to make one. */
static verify_report *plot_verification(const plotdata *d, GError **error)
{
    verify_report *vr = verify_load(d->dir, error);
    if (!vr && error && !*error)
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED,
                    "%s: no verification saved: run the experiment without --no-verify", d->dir);
    return vr;
}

/* Collapse rate of each collapsed grid point before and after each fix tried on the same
 * seeds, the verified fix on a green band. */
static gboolean plot_fixes(plot_ctx *c, const plot_chart *chart, GError **error)
{
    const plotdata *d = c->d;
    g_autoptr(verify_report) vr = plot_verification(d, error);
    if (!vr)
        return FALSE;
    g_autoptr(GString) s = g_string_new(NULL);
    guint row = 0, cells = 0, left_out = 0;
    glong tic_chars = 8;
    for (guint i = 0; i < vr->cells->len && cells < PLOT_MAX_PANELS; i++, cells++) {
        const verify_cell *vc = vr->cells->pdata[i];
        g_autofree char *where = plot_fix_point(d, vr, vc->cell);
        const char *outcome = vc->verified >= 0                     ? "a fix verified"
                              : vc->data_cause && !vc->candidates ? "fix the data"
                              : vc->tried                          ? "no fix verified"
                                                                   : "no fix tried";
        g_autofree char *head = g_strdup_printf("%s: %s", where, outcome);
        plot_fix_row(s, row++, 0, 0, head, "", "");
        g_autofree char *before =
            verify_cell_warning_point(vc)
                ? g_strdup_printf("collapsed %d/%d, healthy %d/%d", vc->collapsed, vc->runs,
                                  vc->healthy, vc->runs)
                : g_strdup_printf("collapsed %d/%d", vc->collapsed, vc->runs);
        plot_fix_row(s, row++, 1, vc->runs ? 100.0 * vc->collapsed / vc->runs : 0, "before",
                     before, "");
        guint more = 0;
        g_autoptr(GPtrArray) shown = plot_fix_trials(vr, vc, &more);
        for (guint k = 0; k < shown->len; k++) {
            const verify_trial *t = shown->pdata[k];
            g_autofree char *label = plot_fix_label(t);
            g_autofree char *cause = g_strdup(t->cause);
            cause[strcspn(cause, "+")] = '\0';
            g_autofree char *value = g_strdup_printf(
                "%d/%d collapsed, %d/%d %s (%s)%s", t->after_k, t->after_n,
                t->warning_point ? t->healthy : t->learned, t->after_n,
                t->warning_point ? "healthy" : "learned", t->cited_cell >= 0 ? "the grid" : "rerun",
                t->verified ? "  \u2713 verified" : "");
            plot_fix_row(s, row++, t->verified ? 3 : 2,
                         t->after_n ? 100.0 * t->after_k / t->after_n : 0, label, value, cause);
            tic_chars = MAX(tic_chars, g_utf8_strlen(label, -1));
        }
        if (more) {
            g_autofree char *m = g_strdup_printf("%u more tried (fixes.csv)", more);
            plot_fix_row(s, row++, 4, 0, m, "", "");
        }
    }
    left_out = vr->cells->len - cells;
    if (!row) {
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED,
                    "%s: every grid point is healthy in most of its runs: no fix to draw",
                    d->dir);
        return FALSE;
    }
    if (!plot_write(c, "fixes.dat", s, error))
        return FALSE;

    g_auto(plot_job) j = {0};
    plot_job_init(&j, chart);
    g_autoptr(GString) title = g_string_new(NULL);
    g_string_append_printf(title, "%s: collapse rate before and after each fix\n(the same "
                                  "seeds rerun with the fix, or the grid point that is the "
                                  "fixed configuration)",
                           d->name);
    if (left_out)
        g_string_append_printf(title, "\nthe first %u of %u collapsed grid points", cells,
                               vr->cells->len);
    int lines = plot_title(&j, title->str);
    int lm = (int)(30 + 7 * tic_chars);
    plot_common_vars(c, &j, MAX(980, lm + 720), (int)(110 + 20 * lines + 24 * row));
    plot_var_int(&j, "NR", (long)row);
    plot_var_int(&j, "LM", lm);
    plot_var_int(&j, "TL", lines);
    return plot_run(c, &j, error);
}

/* The grid point `cell` of the results, or NULL. */
static const plotdata_cell *plot_find_cell(const plotdata *d, int cell)
{
    for (guint i = 0; i < d->cells->len; i++) {
        const plotdata_cell *pc = d->cells->pdata[i];
        if (pc->cell == cell)
            return pc;
    }
    return NULL;
}

/* Training loss of each collapsed grid point whose fix verified (left) beside the same
 * seeds with the fix applied (right): the reruns under DIR/verify/, or the grid point
 * that already is the fixed configuration.  One y scale for every panel. */
static gboolean plot_fixed_loss(plot_ctx *c, const plot_chart *chart, GError **error)
{
    const plotdata *d = c->d;
    g_autoptr(verify_report) vr = plot_verification(d, error);
    if (!vr)
        return FALSE;
    /* The pairs to draw: a panel pair per grid point, in the verification's order. */
    g_autoptr(GPtrArray) pairs = g_ptr_array_new();
    guint verified = 0;
    for (guint i = 0; i < vr->cells->len; i++) {
        const verify_cell *vc = vr->cells->pdata[i];
        if (vc->verified < 0 || !plot_find_cell(d, vc->cell))
            continue;
        verified++;
        if (pairs->len < PLOT_MAX_PANELS / 2)
            g_ptr_array_add(pairs, (gpointer)vc);
    }
    if (!pairs->len) {
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED,
                    "%s: no fix verified: no fixed runs to draw", d->dir);
        return FALSE;
    }
    /* Two columns, a row per grid point: the layout plot_xaxis and the canvas read. */
    plot_ctx two = *c;
    g_autoptr(GPtrArray) slots = g_ptr_array_new();
    for (guint k = 0; k < 2 * pairs->len; k++)
        g_ptr_array_add(slots, (gpointer)d);
    two.panels = slots;
    two.cols = 2;
    two.rows = (int)pairs->len;
    two.cap_note = NULL;

    g_auto(plot_job) j = {0};
    plot_job_init(&j, chart);
    g_auto(plot_loss_state) st = {0};
    plot_loss_state_init(&st);
    g_autoptr(GPtrArray) reruns = g_ptr_array_new_with_free_func((GDestroyNotify)plotdata_free);
    for (guint k = 0; k < pairs->len; k++) {
        const verify_cell *vc = pairs->pdata[k];
        const verify_trial *t = vr->trials->pdata[vc->verified];
        const plotdata_cell *before = plot_find_cell(d, vc->cell);
        g_autofree char *where = plot_fix_point(d, vr, vc->cell);
        g_autofree char *left = g_strdup_printf("%s: %d/%d collapsed", where, vc->collapsed,
                                                vc->runs);
        if (!plot_loss_panel(&two, &j, &st, 2 * k, left, d->dir, before->members, error))
            return FALSE;
        /* The fixed runs: the grid point cited, or the reruns' own results directory. */
        const char *after_dir = d->dir;
        const GPtrArray *after = NULL;
        if (t->cited_cell >= 0) {
            const plotdata_cell *cited = plot_find_cell(d, t->cited_cell);
            after = cited ? cited->members : NULL;
        } else if (t->dir) {
            g_autofree char *rd = g_build_filename(d->dir, t->dir, NULL);
            plotdata *rerun = plotdata_load(rd, NULL);
            if (rerun) {
                g_ptr_array_add(reruns, rerun);
                after_dir = rerun->dir;
                after = rerun->runs;
            }
        }
        g_autoptr(GPtrArray) none = g_ptr_array_new();
        g_autofree char *label = plot_fix_label(t);
        g_autofree char *right =
            g_strdup_printf("%s: %d/%d collapsed (%s)", label, t->after_k, t->after_n,
                            t->cited_cell >= 0 ? "the grid" : after ? "rerun" : "not saved");
        if (!plot_loss_panel(&two, &j, &st, 2 * k + 1, right, after_dir, after ? after : none,
                             error))
            return FALSE;
    }
    g_autoptr(GString) title = g_string_new(NULL);
    g_string_append_printf(title, "%s: training loss before (left) and after (right) the "
                                  "verified fix, on the same seeds",
                           d->name);
    if (verified > pairs->len)
        g_string_append_printf(title, "\nthe first %u of %u grid points with a verified fix",
                               pairs->len, verified);
    return plot_loss_finish(&two, &j, &st, title->str, error);
}

/* Whether verification verified a fix in `dir`. */
static gboolean plot_has_verified(const plotdata *d)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(verify_report) vr = verify_load(d->dir, &err);
    for (guint i = 0; vr && i < vr->cells->len; i++)
        if (((const verify_cell *)vr->cells->pdata[i])->verified >= 0)
            return TRUE;
    return FALSE;
}

/* Whether verification found a grid point to fix in `dir`. */
static gboolean plot_has_fixes(const plotdata *d)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(verify_report) vr = verify_load(d->dir, &err);
    return vr && vr->cells->len > 0;
}

/* ------------------------------------------------------------------ the charts */

static const plot_chart plot_chart_table[] = {
    {"heatmap", "heatmap.gp", "Collapse rate per grid point",
     "The share of runs that collapsed at each grid point over the first two grid axes, "
     "with the commonest primary cause in its colour; when that cause is only a warning, "
     "the cause that collapsed the runs follows it. With a single grid axis, bars with "
     "their Wilson 95% intervals.",
     TRUE, plot_heatmap},
    {"loss", "loss.gp", "Training loss",
     "Training loss (solid) and validation loss (dashed) of every run, one panel per grid "
     "point. Runs are drawn in their primary cause's colour (grey when healthy, faded when "
     "the run only drew a warning); a filled dot marks where flatline stopped a collapsed "
     "run, an open one where a collapse began in a run that went on. Each panel's epoch "
     "axis ends with its runs, and says so when they stopped early.",
     FALSE, plot_loss},
    {"spread", "spread.gp", "Prediction spread: the flatline",
     "The standard deviation of the predictions across inputs for each output, against the "
     "targets' own spread (dashed). A collapsed network lies along zero: it predicts one "
     "value whatever the input. Each panel's y range holds all of its runs, spikes "
     "included.",
     FALSE, plot_spread},
    {"gradients", "gradients.gp", "Gradient norm per layer",
     "The gradient norm of each layer against epoch, on one log scale for every panel, for "
     "one run per grid point (its usual outcome). A norm of exactly zero lies on the dotted "
     "line marked \"zero gradient\" at the bottom.",
     FALSE, plot_gradients},
    {"units", "units.gp", "Dead, constant and saturated units",
     "The share of each layer's units that no longer respond to the input, for one run per "
     "grid point: dead ReLU units (the same output for every input; solid), constant units "
     "of other layers (solid) and saturated sigmoid or tanh units (dashed). Markers tell "
     "apart layers whose lines coincide.",
     FALSE, plot_units},
    {"fixes", "fixes.gp", "Collapse rate before and after each fix",
     "For each grid point where most runs collapsed: its collapse rate as the sweep ran it "
     "(before), then with each fix tried, on the same seeds (rerun) or read from the grid "
     "point that already is the fixed configuration (the grid). Bars take the colour of "
     "the cause that proposed the fix; the fix that verified (most fixed runs healthy and "
     "learning) sits on a green band. A fix whose runs stopped collapsing but learned "
     "nothing is not verified.",
     FALSE, plot_fixes},
    {"fixed-loss", "loss.gp", "Training loss before and after the verified fix",
     "For each grid point where most runs collapsed and a fix verified: the training loss "
     "of its runs as the sweep ran them (left), and beside it the same seeds with the fix "
     "applied (right; rerun, or read from the grid point that already is the fixed "
     "configuration), on one y scale. Colours and markers as in the training loss chart.",
     FALSE, plot_fixed_loss},
};

const plot_chart *plot_charts(guint *n)
{
    *n = G_N_ELEMENTS(plot_chart_table);
    return plot_chart_table;
}

gboolean plot_chart_applies(const plot_chart *chart, const plotdata *d)
{
    /* The fixes chart needs a verification that found something to fix. */
    if (chart->draw == plot_fixes)
        return plot_has_fixes(d);
    if (chart->draw == plot_fixed_loss)
        return plot_has_verified(d);
    return !chart->needs_grid || d->axes->len > 0;
}

/* ------------------------------------------------------------------ all */

/* Old tables go first: a chart must never read data from an earlier drawing. */
static void plot_clear_data(const char *data_dir)
{
    GDir *dir = g_dir_open(data_dir, 0, NULL);
    const char *e;
    while (dir && (e = g_dir_read_name(dir)))
        if (g_str_has_suffix(e, ".dat") || g_str_has_suffix(e, ".tsv")) {
            g_autofree char *p = g_build_filename(data_dir, e, NULL);
            g_unlink(p);
        }
    if (dir)
        g_dir_close(dir);
}

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
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(plot_ctx, plot_ctx_clear)

gboolean plot_draw(const char *dir, const char *format, GHashTable *failed, GError **error)
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
    g_auto(plot_ctx) c = {.d = d, .fmt = fmt};
    c.gnuplot = g_find_program_in_path("gnuplot");
    if (!c.gnuplot) {
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_NO_GNUPLOT,
                    "gnuplot not found: install it (Debian: apt-get install gnuplot-nox) and "
                    "run flatline plot %s",
                    dir);
        return FALSE;
    }
    c.scripts = plot_scripts_dir();
    c.plots_dir = g_build_filename(dir, "plots", NULL);
    c.data_dir = g_build_filename(c.plots_dir, "data", NULL);
    if (g_mkdir_with_parents(c.data_dir, 0755) != 0) {
        int e = errno;
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED, "%s: cannot create: %s", c.data_dir,
                    g_strerror(e));
        return FALSE;
    }
    plot_clear_data(c.data_dir);
    if (!plot_pick_panels(&c, error))
        return FALSE;
    /* Every chart is tried; one that fails is deleted, so neither an empty frame nor an
     * older drawing can pass for it. */
    g_autoptr(GString) why = g_string_new(NULL);
    for (guint k = 0; k < G_N_ELEMENTS(plot_chart_table); k++) {
        const plot_chart *ch = &plot_chart_table[k];
        g_autofree char *file = g_strdup_printf("%s.%s", ch->name, fmt);
        g_autofree char *path = g_build_filename(c.plots_dir, file, NULL);
        g_unlink(path);
        if (!plot_chart_applies(ch, d))
            continue;
        GError *err = NULL;
        if (!ch->draw(&c, ch, &err)) {
            g_unlink(path);
            g_string_append_printf(why, "%s%s: %s", why->len ? "; " : "", file, err->message);
            if (failed)
                g_hash_table_insert(failed, g_strdup(ch->name), g_strdup(err->message));
            g_error_free(err);
        }
    }
    if (why->len) {
        g_set_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED, "%s: charts not drawn: %s",
                    c.plots_dir, why->str);
        return FALSE;
    }
    return TRUE;
}

gboolean plot_all(const char *dir, const char *format, GError **error)
{
    return plot_draw(dir, format, NULL, error);
}
