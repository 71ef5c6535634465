/* plotdata.c — see plotdata.h.  Charts and the report share this reader so both show the
 * same runs: those summary.csv lists and whose run.result exists.  The grid comes from the
 * saved experiment.cfg (its axes in file order); when that file is missing the axes are
 * rebuilt from cells.csv, whose rows follow the grid order too. */
#include "plotdata.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(fl-plotdata-error-quark, plotdata_error)

/* ------------------------------------------------------------------------- CSV */

/* Split CSV text into rows of fields: quotes may hold commas, newlines and "" for ". */
static GPtrArray *plotdata_csv_parse(const char *text)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    GPtrArray *fields = g_ptr_array_new();
    GString *f = g_string_new(NULL);
    gboolean quoted = FALSE, any = FALSE;
    for (const char *c = text;; c++) {
        if (quoted) {
            if (*c == '\0')
                quoted = FALSE; /* unterminated: take what there is */
            else if (*c == '"' && c[1] == '"') {
                g_string_append_c(f, '"');
                c++;
                continue;
            } else if (*c == '"') {
                quoted = FALSE;
                continue;
            } else {
                g_string_append_c(f, *c);
                continue;
            }
        }
        if (*c == '"') {
            quoted = TRUE;
            any = TRUE;
        } else if (*c == ',') {
            g_ptr_array_add(fields, g_strdup(f->str));
            g_string_truncate(f, 0);
            any = TRUE;
        } else if (*c == '\n' || *c == '\0') {
            if (any || f->len) {
                g_ptr_array_add(fields, g_strdup(f->str));
                g_ptr_array_add(fields, NULL);
                g_ptr_array_add(rows, g_ptr_array_free(fields, FALSE));
                fields = g_ptr_array_new();
            }
            g_string_truncate(f, 0);
            any = FALSE;
            if (*c == '\0')
                break;
        } else if (*c != '\r') {
            g_string_append_c(f, *c);
        }
    }
    g_ptr_array_free(fields, TRUE);
    g_string_free(f, TRUE);
    return rows;
}

static plotdata_csv *plotdata_csv_from_text(const char *path, const char *text,
                                            GError **error);

plotdata_csv *plotdata_csv_read(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, error))
        return NULL;
    return plotdata_csv_from_text(path, text, error);
}

/* The table in text, read from path (named in messages). */
static plotdata_csv *plotdata_csv_from_text(const char *path, const char *text, GError **error)
{
    GPtrArray *rows = plotdata_csv_parse(text);
    if (rows->len == 0) {
        g_ptr_array_free(rows, TRUE);
        g_set_error(error, PLOTDATA_ERROR, PLOTDATA_ERROR_NO_RESULTS, "%s: empty file", path);
        return NULL;
    }
    plotdata_csv *t = g_new0(plotdata_csv, 1);
    t->header = g_ptr_array_steal_index(rows, 0);
    t->rows = rows;
    return t;
}

void plotdata_csv_free(plotdata_csv *t)
{
    if (!t)
        return;
    g_strfreev(t->header);
    g_ptr_array_free(t->rows, TRUE);
    g_free(t);
}

int plotdata_csv_column(const plotdata_csv *t, const char *name)
{
    for (int i = 0; t->header[i]; i++)
        if (strcmp(t->header[i], name) == 0)
            return i;
    return -1;
}

/* A row's field, or "" past its end (short rows are read leniently). */
static const char *plotdata_field(GStrv row, int i)
{
    if (i < 0)
        return "";
    for (int k = 0; k < i; k++)
        if (!row[k])
            return "";
    return row[i] ? row[i] : "";
}

static double plotdata_number(const char *s)
{
    if (!s || !*s)
        return NAN;
    char *end;
    double v = g_ascii_strtod(s, &end);
    return end == s ? NAN : v;
}

/* ------------------------------------------------------------------------- loading */

static void plotdata_axis_free(plotdata_axis *a)
{
    g_free(a->key);
    g_strfreev(a->values);
    g_strfreev(a->labels);
    g_free(a);
}

static void plotdata_cell_free(plotdata_cell *c)
{
    g_strfreev(c->labels);
    g_free(c->primary);
    if (c->members)
        g_ptr_array_free(c->members, TRUE);
    g_free(c);
}

void plotdata_free(plotdata *d)
{
    if (!d)
        return;
    g_free(d->dir);
    g_free(d->name);
    g_free(d->cfg_text);
    g_free(d->loss_name);
    if (d->activations)
        g_hash_table_unref(d->activations);
    if (d->axes)
        g_ptr_array_free(d->axes, TRUE);
    if (d->runs)
        g_ptr_array_free(d->runs, TRUE);
    if (d->cells)
        g_ptr_array_free(d->cells, TRUE);
    g_free(d);
}

static GStrv plotdata_strv(GPtrArray *a)
{
    GStrv v = g_new0(char *, a->len + 1);
    for (guint i = 0; i < a->len; i++)
        v[i] = g_strdup(a->pdata[i]);
    return v;
}

/* An activation setting's name: "relu", or the plugin of { plugin = "leaky_relu"; ... }. */
static const char *plotdata_setting_plugin(const config_setting_t *s)
{
    if (s && config_setting_type(s) == CONFIG_TYPE_GROUP)
        s = config_setting_get_member(s, "plugin");
    return s && config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s)
                                                              : NULL;
}

/* The experiment's name, loss, layer activations and grid from the saved experiment.cfg. */
static void plotdata_read_experiment(plotdata *d)
{
    g_autofree char *path = g_build_filename(d->dir, "experiment.cfg", NULL);
    if (!g_file_get_contents(path, &d->cfg_text, NULL, NULL))
        return;
    g_autoptr(experiment_file) f = experiment_file_read(path, NULL);
    if (!f)
        return;
    const char *s;
    if (config_lookup_string(&f->cfg, "name", &s))
        d->name = g_strdup(s);
    if (config_lookup_string(&f->cfg, "loss.plugin", &s) ||
        config_lookup_string(&f->cfg, "loss", &s))
        d->loss_name = g_strdup(s);
    const config_setting_t *model = config_lookup(&f->cfg, "model");
    for (int i = 0; model && i < config_setting_length(model); i++) {
        const config_setting_t *layer = config_setting_get_elem(model, (unsigned)i);
        const char *name = NULL;
        const char *act = plotdata_setting_plugin(config_setting_get_member(layer, "activation"));
        if (config_setting_lookup_string(layer, "name", &name) && act)
            g_hash_table_insert(d->activations, g_strdup(name), g_strdup(act));
    }
    for (guint i = 0; i < f->axes->len; i++) {
        const grid_axis *ga = f->axes->pdata[i];
        plotdata_axis *a = g_new0(plotdata_axis, 1);
        a->key = g_strdup(ga->key);
        a->values = plotdata_strv(ga->values);
        a->labels = plotdata_strv(ga->labels);
        g_ptr_array_add(d->axes, a);
    }
}

/* Without experiment.cfg: the axes are cells.csv's columns between "cell" and "runs",
 * their labels in order of first appearance (the grid order). */
static void plotdata_axes_from_cells(plotdata *d, const plotdata_csv *t)
{
    int runs_col = plotdata_csv_column(t, "runs");
    for (int a = 1; a < runs_col; a++) {
        plotdata_axis *ax = g_new0(plotdata_axis, 1);
        ax->key = g_strdup(t->header[a]);
        g_autoptr(GPtrArray) seen = g_ptr_array_new();
        for (guint r = 0; r < t->rows->len; r++) {
            const char *v = plotdata_field(t->rows->pdata[r], a);
            if (!g_ptr_array_find_with_equal_func(seen, v, g_str_equal, NULL))
                g_ptr_array_add(seen, (gpointer)v);
        }
        ax->labels = plotdata_strv(seen);
        ax->values = plotdata_strv(seen);
        g_ptr_array_add(d->axes, ax);
    }
}

static void plotdata_read_cells(plotdata *d, const plotdata_csv *t)
{
    int c_cell = plotdata_csv_column(t, "cell"), c_runs = plotdata_csv_column(t, "runs"),
        c_coll = plotdata_csv_column(t, "collapsed"), c_rate = plotdata_csv_column(t, "rate"),
        c_lo = plotdata_csv_column(t, "rate_low"), c_hi = plotdata_csv_column(t, "rate_high"),
        c_prim = plotdata_csv_column(t, "primary_causes");
    for (guint r = 0; r < t->rows->len; r++) {
        GStrv row = t->rows->pdata[r];
        plotdata_cell *c = g_new0(plotdata_cell, 1);
        c->cell = atoi(plotdata_field(row, c_cell));
        c->labels = g_new0(char *, d->axes->len + 1);
        for (guint a = 0; a < d->axes->len; a++) {
            const plotdata_axis *ax = d->axes->pdata[a];
            c->labels[a] = g_strdup(plotdata_field(row, plotdata_csv_column(t, ax->key)));
        }
        c->runs = atoi(plotdata_field(row, c_runs));
        c->collapsed = atoi(plotdata_field(row, c_coll));
        c->rate = plotdata_number(plotdata_field(row, c_rate));
        c->lo = plotdata_number(plotdata_field(row, c_lo));
        c->hi = plotdata_number(plotdata_field(row, c_hi));
        c->primary = g_strdup(plotdata_field(row, c_prim));
        c->members = g_ptr_array_new();
        g_ptr_array_add(d->cells, c);
    }
}

/* Without cells.csv: group the runs by grid point as the sweep does. */
static void plotdata_cells_from_runs(plotdata *d)
{
    int n = 0;
    for (guint i = 0; i < d->runs->len; i++)
        n = MAX(n, ((run_result *)d->runs->pdata[i])->cell + 1);
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    for (int c = 0; c < n; c++) {
        GStrv l = NULL;
        for (guint i = 0; i < d->runs->len && !l; i++) {
            const run_result *r = d->runs->pdata[i];
            if (r->cell == c && r->axis_values)
                l = g_strdupv(r->axis_values);
        }
        if (!l) {
            l = g_new0(char *, d->axes->len + 1);
            for (guint a = 0; a < d->axes->len; a++)
                l[a] = g_strdup("?");
        }
        g_ptr_array_add(labels, l);
    }
    g_autoptr(GPtrArray) stats = results_cells(d->runs, labels);
    for (guint i = 0; i < stats->len; i++) {
        const cell_stats *s = stats->pdata[i];
        if (s->runs == 0)
            continue;
        plotdata_cell *c = g_new0(plotdata_cell, 1);
        c->cell = s->cell;
        c->labels = g_strdupv(s->labels);
        c->runs = s->runs;
        c->collapsed = s->collapsed;
        c->rate = s->rate;
        c->lo = s->lo;
        c->hi = s->hi;
        c->primary = g_strdup(s->primary);
        c->members = g_ptr_array_new();
        g_ptr_array_add(d->cells, c);
    }
}

plotdata *plotdata_load(const char *dir, GError **error)
{
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, PLOTDATA_ERROR, PLOTDATA_ERROR_NO_RESULTS,
                    "%s: no such results directory: run `flatline run FILE.cfg -o %s` first",
                    dir, dir);
        return NULL;
    }
    g_autoptr(plotdata) d = g_new0(plotdata, 1);
    d->dir = g_strdup(dir);
    d->axes = g_ptr_array_new_with_free_func((GDestroyNotify)plotdata_axis_free);
    d->runs = g_ptr_array_new_with_free_func((GDestroyNotify)run_result_free);
    d->cells = g_ptr_array_new_with_free_func((GDestroyNotify)plotdata_cell_free);
    d->activations = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    g_autofree char *summary_path = g_build_filename(dir, "summary.csv", NULL);
    if (!g_file_test(summary_path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, PLOTDATA_ERROR, PLOTDATA_ERROR_NO_RESULTS,
                    "%s: no results here (no summary.csv): run `flatline run FILE.cfg -o %s` "
                    "first",
                    dir, dir);
        return NULL;
    }
    GError *err = NULL;
    g_autoptr(plotdata_csv) summary = plotdata_csv_read(summary_path, &err);
    if (!summary) {
        g_set_error(error, PLOTDATA_ERROR, PLOTDATA_ERROR_NO_RESULTS, "%s", err->message);
        g_error_free(err);
        return NULL;
    }
    int c_run = plotdata_csv_column(summary, "run");
    for (guint r = 0; c_run >= 0 && r < summary->rows->len; r++) {
        const char *id = plotdata_field(summary->rows->pdata[r], c_run);
        /* Ids name directories: refuse anything that could leave runs/. */
        if (!*id || strchr(id, '/') || strcmp(id, "..") == 0 || strcmp(id, ".") == 0)
            continue;
        run_result *rec = results_load_run(dir, id, error);
        if (!rec && error && *error)
            return NULL;
        if (rec)
            g_ptr_array_add(d->runs, rec);
    }
    if (d->runs->len == 0) {
        g_set_error(error, PLOTDATA_ERROR, PLOTDATA_ERROR_NO_RESULTS,
                    "%s: no finished runs (summary.csv lists none with a runs/<run>/run.result): "
                    "run `flatline run FILE.cfg -o %s` first",
                    dir, dir);
        return NULL;
    }

    plotdata_read_experiment(d);
    g_autofree char *cells_path = g_build_filename(dir, "cells.csv", NULL);
    g_autoptr(plotdata_csv) cells = plotdata_csv_read(cells_path, NULL);
    if (!d->cfg_text && cells)
        plotdata_axes_from_cells(d, cells);
    if (cells)
        plotdata_read_cells(d, cells);
    else
        plotdata_cells_from_runs(d);
    if (!d->name)
        d->name = g_path_get_basename(dir);

    for (guint i = 0; i < d->cells->len; i++) {
        plotdata_cell *c = d->cells->pdata[i];
        for (guint k = 0; k < d->runs->len; k++)
            if (((run_result *)d->runs->pdata[k])->cell == c->cell)
                g_ptr_array_add(c->members, d->runs->pdata[k]);
    }
    return g_steal_pointer(&d);
}

/* ------------------------------------------------------------------------- metrics */

void plotdata_metrics_free(plotdata_metrics *m)
{
    if (!m)
        return;
    g_strfreev(m->cols);
    g_free(m->v);
    g_free(m);
}

plotdata_metrics *plotdata_metrics_read(const char *dir, const char *run_id, GError **error)
{
    g_autofree char *path = g_build_filename(dir, "runs", run_id, "metrics.csv", NULL);
    g_autofree char *text = results_read_part(dir, run_id, "metrics.csv", NULL, error);
    g_autoptr(plotdata_csv) t = text ? plotdata_csv_from_text(path, text, error) : NULL;
    if (!t)
        return NULL;
    plotdata_metrics *m = g_new0(plotdata_metrics, 1);
    m->cols = g_strdupv(t->header);
    m->n_cols = g_strv_length(m->cols);
    m->n_rows = t->rows->len;
    m->v = g_new(double, (gsize)m->n_rows * m->n_cols + 1);
    for (guint r = 0; r < m->n_rows; r++)
        for (guint c = 0; c < m->n_cols; c++)
            m->v[(gsize)r * m->n_cols + c] =
                plotdata_number(plotdata_field(t->rows->pdata[r], (int)c));
    return m;
}

int plotdata_metrics_column(const plotdata_metrics *m, const char *name)
{
    for (guint i = 0; i < m->n_cols; i++)
        if (strcmp(m->cols[i], name) == 0)
            return (int)i;
    return -1;
}

/* ------------------------------------------------------------------------- names */

char *plotdata_primary_cause(const run_result *r)
{
    char *c = g_strdup(r->causes ? r->causes : "");
    char *semi = strchr(c, ';');
    if (semi)
        *semi = '\0';
    return c;
}

char *plotdata_activation(const plotdata *d, const plotdata_cell *cell, const char *layer)
{
    g_autofree char *key = g_strdup_printf("model.%s.activation", layer);
    for (guint a = 0; cell && a < d->axes->len; a++)
        if (strcmp(((plotdata_axis *)d->axes->pdata[a])->key, key) == 0 && cell->labels[a])
            /* A group's label reads "leaky_relu(alpha=0.1)": the name is what comes first. */
            return g_strndup(cell->labels[a], strcspn(cell->labels[a], "("));
    return g_strdup(g_hash_table_lookup(d->activations, layer));
}

/* "1e-06" as "1e-6", "2.5E+07" as "2.5e7": a number's exponent without its plus sign and
 * leading zeros.  Anything else comes back as it is. */
static char *plotdata_short_exponent(const char *text)
{
    char *end;
    const char *e = strpbrk(text, "eE");
    g_ascii_strtod(text, &end);
    if (!e || end == text || *end || strspn(text, "0123456789.eE+-") != strlen(text))
        return g_strdup(text);
    GString *s = g_string_new_len(text, e - text);
    g_string_append_c(s, 'e');
    const char *p = e + 1;
    if (*p == '+')
        p++;
    else if (*p == '-')
        g_string_append_c(s, *p++);
    while (*p == '0' && p[1])
        p++;
    g_string_append(s, p);
    return g_string_free(s, FALSE);
}

char *plotdata_format_number(double v)
{
    if (isnan(v))
        return g_strdup("nan");
    if (isinf(v))
        return g_strdup(v > 0 ? "inf" : "-inf");
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    return plotdata_short_exponent(g_ascii_formatd(buf, sizeof buf, "%.3g", v == 0 ? 0 : v));
}

char *plotdata_format_label(const char *label)
{
    return plotdata_short_exponent(label ? label : "");
}

char *plotdata_axis_short(const plotdata *d, guint axis)
{
    const char *key = ((plotdata_axis *)d->axes->pdata[axis])->key;
    const char *dot = strrchr(key, '.');
    const char *tail = dot ? dot + 1 : key;
    for (guint a = 0; a < d->axes->len; a++) {
        if (a == axis)
            continue;
        const char *other = ((plotdata_axis *)d->axes->pdata[a])->key;
        const char *od = strrchr(other, '.');
        if (strcmp(od ? od + 1 : other, tail) == 0)
            return g_strdup(key);
    }
    return g_strdup(tail);
}
