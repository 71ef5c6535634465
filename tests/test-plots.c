/* test-plots.c — charts and the report from a small sweep run by the real binary: every
 * chart is a real PNG (or SVG/PDF), the tables gnuplot draws hold the numbers of the saved
 * files (checked against a naive reading of metrics.csv and summary.csv here), a copied
 * directory gives the same tables byte for byte, and the errors without gnuplot or without
 * results say what to do.  Strings from the results are drawn as they are and never run:
 * a name, grid key or value, layer, output or cause holding a backquoted command, a %,
 * quotes or a backslash leaves no trace of the command and shows up verbatim in the SVG.
 * A chart gnuplot fails on is deleted and the report says so in its place.  The report is
 * checked for its rows, its escaping, its colours and its embedded charts; test-report.sh
 * loads it in a browser. */
#include "testutil.h"
#include "plot.h"
#include "plotdata.h"
#include "report.h"
#include "results.h"
#include "verify.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* 2 learning rates x 2 initializers x 2 seeds, 10 epochs: collapses (lr 1e-6, zeros) beside
 * healthy runs (lr 0.01 with He).  The name holds markup to test the report's escaping. */
static const char tiny_cfg[] =
    "name = \"tiny <grid> & co\";\n"
    "seed = 5;\n"
    "repeats = 2;\n"
    "dataset = { plugin = \"sine2d\"; samples = 40; normalize = \"none\"; validation = 0.25; };\n"
    "model = ( { name = \"h1\"; units = 6; activation = \"relu\"; init = \"he_uniform\"; },\n"
    "          { name = \"out\"; units = 1; } );\n"
    "loss = \"mse\";\n"
    "optimizer = { plugin = \"adam\"; lr = 0.001; };\n"
    "train = { epochs = 10; batch = 10; };\n"
    "detectors = ( \"all\" );\n"
    "grid = ( { key = \"optimizer.lr\"; values = [ 1e-6, 1e-2 ]; },\n"
    "         { key = \"model.h1.init\"; values = [ \"zeros\", \"he_uniform\" ]; } );\n";

/* lr = 1e-6 collapses in most runs, so verification finds fixes and "fixes" is drawn; a
 * fix verifies (lr = 1e-2 is in the grid), so "fixed-loss" is drawn too. */
static const char *const charts[] = {"loss",  "heatmap", "gradients",  "spread",
                                     "units", "fixes",   "fixed-loss", NULL};

static guint n_charts(void)
{
    return g_strv_length((GStrv)charts);
}

/* A results directory under a fresh temporary directory (returned in *tmp). */
static char *make_results(char **tmp)
{
    *tmp = tu_tmpdir();
    g_autofree char *cfg = g_build_filename(*tmp, "tiny.cfg", NULL);
    g_assert_true(g_file_set_contents(cfg, tiny_cfg, -1, NULL));
    char *dir = g_build_filename(*tmp, "res", NULL);
    const char *argv[] = {tu_flatline(), "run", cfg, "-o", dir, "--no-plots", "-q", NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = tu_run(argv, NULL, &out, &err);
    if (status != 0)
        g_test_message("flatline run: %s%s", out, err);
    g_assert_cmpint(status, ==, 0);
    return dir;
}

static char *read_file(const char *path, gsize *len)
{
    char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_file_get_contents(path, &text, len, &error);
    g_assert_no_error(error);
    return text;
}

/* summary.csv's rows as field vectors (no quoted fields in this experiment). */
static GPtrArray *read_summary(const char *dir, GStrv *header)
{
    g_autofree char *path = g_build_filename(dir, "summary.csv", NULL);
    g_autofree char *text = read_file(path, NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    *header = g_strsplit(lines[0], ",", -1);
    for (char **l = lines + 1; *l; l++)
        if (**l)
            g_ptr_array_add(rows, g_strsplit(*l, ",", -1));
    return rows;
}

static int column(GStrv header, const char *name)
{
    for (int i = 0; header[i]; i++)
        if (strcmp(header[i], name) == 0)
            return i;
    g_assert_not_reached();
    return -1;
}

/* The grid points in the order summary.csv first shows them (the grid order). */
static GPtrArray *points_of(GPtrArray *rows, int c_lr, int c_init)
{
    GPtrArray *points = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < rows->len; i++) {
        GStrv r = rows->pdata[i];
        g_autofree char *p = g_strdup_printf("%s|%s", r[c_lr], r[c_init]);
        if (!g_ptr_array_find_with_equal_func(points, p, g_str_equal, NULL))
            g_ptr_array_add(points, g_steal_pointer(&p));
    }
    return points;
}

static gboolean png_ok(const char *path, guint *w, guint *h, gsize *len)
{
    g_autofree char *bytes = NULL;
    if (!g_file_get_contents(path, &bytes, len, NULL) || *len < 24)
        return FALSE;
    const guchar *b = (const guchar *)bytes;
    *w = (guint)b[16] << 24 | (guint)b[17] << 16 | (guint)b[18] << 8 | b[19];
    *h = (guint)b[20] << 24 | (guint)b[21] << 16 | (guint)b[22] << 8 | b[23];
    return memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(bytes + 12, "IHDR", 4) == 0;
}

/* A run's metrics.csv column by name, read naively. */
static GArray *metrics_column(const char *dir, const char *run, const char *name)
{
    g_autofree char *path = g_build_filename(dir, "runs", run, "metrics.csv", NULL);
    g_autofree char *text = read_file(path, NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
    int c = column(head, name);
    GArray *v = g_array_new(FALSE, FALSE, sizeof(double));
    for (char **l = lines + 1; *l; l++) {
        if (!**l)
            continue;
        g_auto(GStrv) f = g_strsplit(*l, ",", -1);
        double x = g_ascii_strtod(f[c], NULL);
        g_array_append_val(v, x);
    }
    return v;
}

/* The lines of a chart table: tab-separated fields, comments and blank lines left out. */
static GPtrArray *table_rows(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, "plots", "data", name, NULL);
    g_autofree char *text = read_file(path, NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    for (char **l = lines; *l; l++)
        if (**l && **l != '#')
            g_ptr_array_add(rows, g_strsplit(*l, "\t", -1));
    return rows;
}

/* A text field of a table as gnuplot reads it: without its leading '=', with \134, \042
 * and \n decoded (style.gp). */
static char *text_of(const char *field)
{
    g_assert_true(field[0] == '=');
    GString *s = g_string_new(NULL);
    for (const char *p = field + 1; *p; p++) {
        if (g_str_has_prefix(p, "\\134")) {
            g_string_append_c(s, '\\');
            p += 3;
        } else if (g_str_has_prefix(p, "\\042")) {
            g_string_append_c(s, '"');
            p += 3;
        } else if (g_str_has_prefix(p, "\\n")) {
            g_string_append_c(s, '\n');
            p += 1;
        } else {
            g_assert_true(*p != '\\' && *p != '"' && *p != '\t');
            g_string_append_c(s, *p);
        }
    }
    return g_string_free(s, FALSE);
}

/* A chart's text file as "kind index" -> decoded text. */
static GHashTable *chart_texts(const char *dir, const char *chart)
{
    g_autofree char *name = g_strdup_printf("%s-text.tsv", chart);
    g_autoptr(GPtrArray) rows = table_rows(dir, name);
    GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; i < rows->len; i++) {
        GStrv f = rows->pdata[i];
        g_assert_cmpuint(g_strv_length(f), ==, 3);
        g_hash_table_insert(t, g_strdup_printf("%s %s", f[0], f[1]), text_of(f[2]));
    }
    return t;
}

/* Two numbers equal to the 6 significant digits the tables keep (NaN equals NaN). */
static gboolean same_number(double table, double saved)
{
    if (isnan(saved) || isnan(table))
        return isnan(saved) && isnan(table);
    return fabs(table - saved) <= 1e-5 * fabs(saved) + 1e-12;
}

/* A table value: "?" is missing. */
static double table_number(const char *s)
{
    return strcmp(s, "?") == 0 ? NAN : g_ascii_strtod(s, NULL);
}

static void check_loss_tables(const char *dir, GPtrArray *rows, GStrv header, GPtrArray *points)
{
    int c_run = column(header, "run"), c_lr = column(header, "optimizer.lr"),
        c_init = column(header, "model.h1.init");
    guint compared = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (guint p = 0; p < points->len; p++) {
        g_autofree char *name = g_strdup_printf("loss-%02u.dat", p + 1);
        g_autofree char *path = g_build_filename(dir, "plots", "data", name, NULL);
        g_autofree char *text = read_file(path, NULL);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        /* The panel's runs, in run order, one block each. */
        g_autoptr(GPtrArray) expect = g_ptr_array_new();
        for (guint i = 0; i < rows->len; i++) {
            GStrv r = rows->pdata[i];
            g_autofree char *pt = g_strdup_printf("%s|%s", r[c_lr], r[c_init]);
            if (strcmp(pt, points->pdata[p]) == 0)
                g_ptr_array_add(expect, r[c_run]);
        }
        g_assert_cmpuint(expect->len, ==, 2);
        int block = -1;
        guint row = 0;
        g_autoptr(GArray) loss = NULL, val = NULL;
        for (char **l = lines; *l; l++) {
            if (g_str_has_prefix(*l, "# run\t")) {
                block++;
                g_assert_cmpint(block, <, (int)expect->len);
                g_auto(GStrv) w = g_strsplit(*l, "\t", -1);
                g_autofree char *id = text_of(w[1]);
                g_assert_cmpstr(id, ==, expect->pdata[block]);
                if (loss) /* the previous block held every epoch */
                    g_assert_cmpuint(row, ==, loss->len);
                g_clear_pointer(&loss, g_array_unref);
                g_clear_pointer(&val, g_array_unref);
                loss = metrics_column(dir, expect->pdata[block], "loss");
                val = metrics_column(dir, expect->pdata[block], "val_loss");
                row = 0;
                continue;
            }
            if (!**l)
                continue;
            g_assert_nonnull(loss);
            g_auto(GStrv) f = g_strsplit(*l, "\t", -1);
            g_assert_cmpuint(g_strv_length(f), ==, 5);
            g_assert_cmpint(atoi(f[0]), ==, (int)row);
            g_assert_cmpuint(row, <, loss->len);
            double saved = g_array_index(loss, double, row);
            g_assert_true(same_number(table_number(f[1]), saved));
            g_assert_true(same_number(table_number(f[2]), g_array_index(val, double, row)));
            lo = MIN(lo, saved);
            hi = MAX(hi, saved);
            compared++;
            row++;
        }
        g_assert_cmpint(block, ==, (int)expect->len - 1);
        g_assert_cmpuint(row, ==, loss->len);
    }
    /* Zero trust: the runs last 5 to 10 epochs and their losses differ. */
    g_assert_cmpuint(compared, >=, 40);
    g_assert_cmpfloat(hi - lo, >, 0.05);
}

/* What a run.result says of its findings, read naively: the detector and the level of
 * each "[finding N]" in order. */
static GPtrArray *findings_of(const char *dir, const char *run)
{
    g_autofree char *path = g_build_filename(dir, "runs", run, "run.result", NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_assert_true(g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL));
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    for (int k = 0;; k++) {
        g_autofree char *group = g_strdup_printf("finding %d", k);
        if (!g_key_file_has_group(kf, group))
            break;
        g_autofree char *det = g_key_file_get_string(kf, group, "detector", NULL);
        g_autofree char *level = g_key_file_get_string(kf, group, "level", NULL);
        g_ptr_array_add(out, g_strdup_printf("%s %s", level, det));
    }
    return out;
}

/* Each cell of the heatmap: its runs and collapses from summary.csv, its cause the
 * commonest primary cause of its collapsed runs, and when those runs' first finding is
 * only a warning, the detector of their first collapsed finding beside it. */
static void check_heatmap_table(const char *dir, GPtrArray *rows, GStrv header)
{
    int c_lr = column(header, "optimizer.lr"), c_init = column(header, "model.h1.init"),
        c_verdict = column(header, "verdict"), c_status = column(header, "status"),
        c_causes = column(header, "causes"), c_run = column(header, "run");
    static const char *const lrs[] = {"1e-06", "0.01"}, *const inits[] = {"zeros", "he_uniform"};
    g_autoptr(GPtrArray) cells = table_rows(dir, "heatmap.dat");
    gboolean saw_zero = FALSE, saw_full = FALSE, saw_second = FALSE;
    for (guint c = 0; c < cells->len; c++) {
        GStrv f = cells->pdata[c];
        g_assert_cmpuint(g_strv_length(f), ==, 9);
        int x = atoi(f[0]), y = atoi(f[1]);
        g_assert_true(x >= 0 && x < 2 && y >= 0 && y < 2);
        int runs = 0, collapsed = 0;
        const char *first_run = NULL;
        g_autofree char *primary = NULL;
        for (guint i = 0; i < rows->len; i++) {
            GStrv r = rows->pdata[i];
            if (strcmp(r[c_lr], lrs[x]) || strcmp(r[c_init], inits[y]) ||
                strcmp(r[c_status], "ok"))
                continue;
            runs++;
            if (strcmp(r[c_verdict], "collapsed") != 0)
                continue;
            collapsed++;
            g_auto(GStrv) causes = g_strsplit(r[c_causes], ";", 2);
            /* Both replicates of a cell collapse the same way in this experiment. */
            if (!primary) {
                primary = g_strdup(causes[0]);
                first_run = r[c_run];
            }
            g_assert_cmpstr(causes[0], ==, primary);
        }
        g_assert_cmpint(atoi(f[6]), ==, runs);
        g_assert_cmpint(atoi(f[5]), ==, collapsed);
        g_assert_cmpfloat_with_epsilon(g_ascii_strtod(f[2], NULL), 100.0 * collapsed / runs, 1e-3);
        g_autofree char *cause = text_of(f[7]), *second = text_of(f[8]);
        g_assert_cmpstr(cause, ==, primary ? primary : "");
        const char *expect_second = "";
        g_autoptr(GPtrArray) found = first_run ? findings_of(dir, first_run) : NULL;
        if (found && found->len && g_str_has_prefix(found->pdata[0], "warning "))
            for (guint k = 1; k < found->len && !*expect_second; k++)
                if (g_str_has_prefix(found->pdata[k], "collapsed "))
                    expect_second = (char *)found->pdata[k] + strlen("collapsed ");
        g_assert_cmpstr(second, ==, expect_second);
        saw_second |= *second != '\0';
        saw_zero |= collapsed == 0;
        saw_full |= collapsed == runs;
    }
    g_assert_cmpuint(cells->len, ==, 4);
    g_assert_true(saw_zero && saw_full);
    /* A collapsed finding now outranks a warning, so lr = 1e-6 with zeros is bad_init
     * first and no grid point here shows a second cause; each cell's second cause is
     * still checked against its first run's findings above. */
    (void)saw_second;
}

/* Each loss panel's x axis ends with its runs: the label says when they stopped early, by
 * the last epoch any of them reached. */
static void check_loss_axes(const char *dir, GPtrArray *rows, GStrv header, GPtrArray *points)
{
    int c_lr = column(header, "optimizer.lr"), c_init = column(header, "model.h1.init"),
        c_epochs = column(header, "epochs_run");
    g_autoptr(GHashTable) texts = chart_texts(dir, "loss");
    guint stopped = 0;
    for (guint p = 0; p < points->len; p++) {
        int last = 0;
        for (guint i = 0; i < rows->len; i++) {
            GStrv r = rows->pdata[i];
            g_autofree char *pt = g_strdup_printf("%s|%s", r[c_lr], r[c_init]);
            if (strcmp(pt, points->pdata[p]) == 0)
                last = MAX(last, atoi(r[c_epochs]));
        }
        g_autofree char *key = g_strdup_printf("xlabel %u", p + 1);
        const char *label = g_hash_table_lookup(texts, key);
        if (last < 10) {
            g_autofree char *expect =
                g_strdup_printf("epoch (stopped early: by epoch %d of 10)", last);
            g_assert_cmpstr(label, ==, expect);
            stopped++;
        } else {
            g_assert_true(!label || strcmp(label, "epoch") == 0);
        }
    }
    g_assert_cmpuint(stopped, >, 0);
    g_assert_cmpuint(stopped, <, points->len);
}

/* The units chart: a ReLU layer's dead units and nothing about saturation, the linear
 * output's constant units, never called dead. */
static void check_units_series(const char *dir)
{
    g_autoptr(GHashTable) texts = chart_texts(dir, "units");
    g_assert_cmpstr(g_hash_table_lookup(texts, "series 1"), ==, "h1: dead units (relu)");
    g_assert_cmpstr(g_hash_table_lookup(texts, "series 2"), ==, "out: constant units (linear)");
    g_assert_null(g_hash_table_lookup(texts, "series 3"));
    /* The gradient chart's log axis has no tic for zero (it has none). */
    g_autoptr(GHashTable) grad = chart_texts(dir, "gradients");
    GHashTableIter it;
    gpointer k, v;
    guint tics = 0;
    g_hash_table_iter_init(&it, grad);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (g_str_has_prefix(k, "ytic ")) {
            tics++;
            g_assert_cmpfloat(g_ascii_strtod(v, NULL), >, 0);
        }
    g_assert_cmpuint(tics, >=, 2);
}

/* fixes.dat against fixes.csv, read naively: under each grid point's heading, its rate
 * before, then one row per fix tried with the collapse rate after it, the verified one
 * marked; as many fix rows as fixes.csv has. */
static void check_fixes_table(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "fixes.csv", NULL);
    g_autofree char *csv = read_file(path, NULL);
    g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
    g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
    int c_lr = column(head, "optimizer.lr"), c_init = column(head, "model.h1.init"),
        c_fix = column(head, "fix"), c_before = column(head, "collapsed_before"),
        c_after = column(head, "collapsed_after"), c_verified = column(head, "verified");
    g_autoptr(GPtrArray) rows = table_rows(dir, "fixes.dat");
    g_autofree char *heading = NULL;
    guint fix_rows = 0, csv_rows = 0;
    for (char **l = lines + 1; *l; l++)
        csv_rows += **l != '\0';
    g_assert_cmpuint(csv_rows, >, 0);
    for (guint r = 0; r < rows->len; r++) {
        GStrv f = rows->pdata[r];
        g_assert_cmpuint(g_strv_length(f), ==, 6);
        g_assert_cmpint(atoi(f[0]), ==, (int)r);
        int kind = atoi(f[1]);
        g_autofree char *tic = text_of(f[3]);
        if (kind == 0) {
            g_free(heading);
            heading = g_steal_pointer(&tic);
            continue;
        }
        g_assert_nonnull(heading);
        gboolean found = FALSE;
        for (char **l = lines + 1; *l && !found; l++) {
            if (!**l)
                continue;
            g_auto(GStrv) c = g_strsplit(*l, ",", -1);
            g_autofree char *lr = plotdata_format_label(c[c_lr]);
            g_autofree char *where = g_strdup_printf("lr=%s  init=%s:", lr, c[c_init]);
            if (!g_str_has_prefix(heading, where))
                continue;
            const char *ratio = kind == 1 ? c[c_before] : c[c_after];
            if (kind != 1 && strcmp(c[c_fix], tic) != 0)
                continue;
            int k = 0, n = 0;
            g_assert_cmpint(sscanf(ratio, "%d/%d", &k, &n), ==, 2);
            g_assert_cmpfloat_with_epsilon(g_ascii_strtod(f[2], NULL), 100.0 * k / n, 1e-3);
            if (kind != 1)
                g_assert_cmpint(kind == 3, ==, strcmp(c[c_verified], "yes") == 0);
            found = TRUE;
        }
        g_test_message("fixes.dat row %u: %s", r, tic);
        g_assert_true(found);
        fix_rows += kind >= 2;
    }
    g_assert_cmpuint(fix_rows, ==, csv_rows);
}

/* The run blocks ("# run" lines) of a table. */
static guint table_blocks(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, "plots", "data", name, NULL);
    g_autofree char *text = read_file(path, NULL);
    guint n = 0;
    for (const char *p = text; (p = strstr(p, "# run")); p++)
        n++;
    return n;
}

/* fixed-loss against fixes.csv: a pair of panels per grid point's chosen (verified) fix,
 * the left drawing the grid point's runs (as many as collapsed_before counts), the right
 * the same seeds with the fix (as many as collapsed_after counts), each titled with its
 * rate, the right one with the fix. */
static void check_fixed_loss_tables(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "fixes.csv", NULL);
    g_autofree char *csv = read_file(path, NULL);
    g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
    g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
    int c_before = column(head, "collapsed_before"), c_after = column(head, "collapsed_after"),
        c_verified = column(head, "verified"), c_fix = column(head, "fix"),
        c_chosen = column(head, "chosen");
    g_autoptr(GHashTable) texts = chart_texts(dir, "fixed-loss");
    g_autoptr(GPtrArray) chosen = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    for (char **l = lines + 1; *l; l++) {
        if (!**l)
            continue;
        g_test_message("fixes.csv: %s", *l);
        GStrv c = g_strsplit(*l, ",", -1);
        if (strcmp(c[c_chosen], "yes") == 0) {
            g_assert_cmpstr(c[c_verified], ==, "yes");
            g_ptr_array_add(chosen, c);
        } else {
            g_strfreev(c);
        }
    }
    g_assert_cmpuint(chosen->len, >, 0);
    /* The panels go by grid point, the rows by the order tried: match each pair of panels
     * to the chosen row its right title names. */
    for (guint pair = 0; pair < chosen->len; pair++) {
        char *titles[2] = {NULL, NULL}; /* freed below (g_autofree frees one pointer) */
        for (int side = 0; side < 2; side++) {
            g_autofree char *key = g_strdup_printf("panel %u", 2 * pair + side + 1);
            /* Long titles are wrapped: a line break where there was a space. */
            titles[side] = g_strdup(g_hash_table_lookup(texts, key));
            g_assert_nonnull(titles[side]);
            g_strdelimit(titles[side], "\n", ' ');
            g_test_message("fixed-loss %s: %s", key, titles[side]);
        }
        GStrv row = NULL;
        for (guint i = 0; i < chosen->len && !row; i++) {
            GStrv c = chosen->pdata[i];
            if (g_str_has_prefix(titles[1], c[c_fix]))
                row = c;
        }
        g_assert_nonnull(row);
        const char *ratio[2] = {row[c_before], row[c_after]};
        for (int side = 0; side < 2; side++) {
            int k = 0, n = 0;
            g_assert_cmpint(sscanf(ratio[side], "%d/%d", &k, &n), ==, 2);
            g_autofree char *table = g_strdup_printf("fixed-loss-%02u.dat", 2 * pair + side + 1);
            g_assert_cmpuint(table_blocks(dir, table), ==, (guint)n);
            g_autofree char *rate = g_strdup_printf(": %d/%d collapsed", k, n);
            g_assert_nonnull(strstr(titles[side], rate));
        }
        g_free(titles[0]);
        g_free(titles[1]);
    }
    g_autofree char *past = g_strdup_printf("panel %u", 2 * chosen->len + 1);
    g_assert_null(g_hash_table_lookup(texts, past));
}

static void test_png(void)
{
    g_autofree char *tmp = NULL;
    g_autofree char *dir = make_results(&tmp);
    g_autoptr(GError) error = NULL;
    g_assert_true(plot_all(dir, "png", &error));
    g_assert_no_error(error);
    for (const char *const *c = charts; *c; c++) {
        g_autofree char *file = g_strdup_printf("%s.png", *c);
        g_autofree char *path = g_build_filename(dir, "plots", file, NULL);
        guint w = 0, h = 0;
        gsize len = 0;
        g_test_message("%s", path);
        g_assert_true(png_ok(path, &w, &h, &len));
        g_assert_cmpuint(w, >=, 500);
        g_assert_cmpuint(h, >=, 300);
        g_assert_cmpuint(len, >, 15000); /* axes alone compress to a few kB */
    }
    GStrv header = NULL;
    g_autoptr(GPtrArray) rows = read_summary(dir, &header);
    g_assert_cmpuint(rows->len, ==, 8);
    g_autoptr(GPtrArray) points =
        points_of(rows, column(header, "optimizer.lr"), column(header, "model.h1.init"));
    g_assert_cmpuint(points->len, ==, 4);
    check_loss_tables(dir, rows, header, points);
    check_loss_axes(dir, rows, header, points);
    check_heatmap_table(dir, rows, header);
    check_units_series(dir);
    check_fixes_table(dir);
    check_fixed_loss_tables(dir);
    g_strfreev(header);
    tu_rmtree(tmp);
}

/* Each table of data/ by name. */
static GHashTable *read_tables(const char *dir)
{
    GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autofree char *data = g_build_filename(dir, "plots", "data", NULL);
    GDir *d = g_dir_open(data, 0, NULL);
    g_assert_nonnull(d);
    const char *e;
    while ((e = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(data, e, NULL);
        g_hash_table_insert(t, g_strdup(e), read_file(p, NULL));
    }
    g_dir_close(d);
    return t;
}

/* The charts read only the results: a copy elsewhere, the original gone, draws the same
 * tables byte for byte (through `flatline plot`, the original through plot_all()). */
static void test_copy(void)
{
    g_autofree char *tmp = NULL;
    g_autofree char *dir = make_results(&tmp);
    g_autoptr(GError) error = NULL;
    g_assert_true(plot_all(dir, "png", &error));
    g_autoptr(GHashTable) before = read_tables(dir);
    g_assert_cmpuint(g_hash_table_size(before), >=, 20);

    g_autofree char *copy = g_build_filename(tmp, "elsewhere", NULL);
    g_autofree char *cp_path = g_find_program_in_path("cp");
    g_assert_nonnull(cp_path);
    const char *cp[] = {cp_path, "-r", dir, copy, NULL};
    g_assert_cmpint(tu_run(cp, NULL, NULL, NULL), ==, 0);
    tu_rmtree(dir);
    g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
    g_autofree char *plots = g_build_filename(copy, "plots", NULL);
    tu_rmtree(plots);

    const char *argv[] = {tu_flatline(), "plot", copy, NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = tu_run(argv, NULL, &out, &err);
    if (status != 0)
        g_test_message("flatline plot: %s%s", out, err);
    g_assert_cmpint(status, ==, 0);
    g_autoptr(GHashTable) after = read_tables(copy);
    g_assert_cmpuint(g_hash_table_size(after), ==, g_hash_table_size(before));
    GHashTableIter it;
    gpointer name, text;
    g_hash_table_iter_init(&it, before);
    while (g_hash_table_iter_next(&it, &name, &text)) {
        const char *other = g_hash_table_lookup(after, name);
        g_test_message("%s", (char *)name);
        g_assert_nonnull(other);
        g_assert_cmpstr(other, ==, text);
    }
    for (const char *const *c = charts; *c; c++) {
        g_autofree char *file = g_strdup_printf("%s.png", *c);
        g_autofree char *path = g_build_filename(plots, file, NULL);
        guint w, h;
        gsize len;
        g_assert_true(png_ok(path, &w, &h, &len));
    }
    tu_rmtree(tmp);
}

static void test_svg_pdf(void)
{
    g_autofree char *tmp = NULL;
    g_autofree char *dir = make_results(&tmp);
    g_autoptr(GError) error = NULL;
    g_assert_true(plot_all(dir, "svg", &error));
    g_assert_true(plot_all(dir, "pdf", &error));
    g_assert_no_error(error);
    for (const char *const *c = charts; *c; c++) {
        g_autofree char *svg = g_strdup_printf("%s/plots/%s.svg", dir, *c);
        g_autofree char *pdf = g_strdup_printf("%s/plots/%s.pdf", dir, *c);
        gsize len = 0;
        g_autofree char *text = read_file(svg, &len);
        g_assert_nonnull(strstr(text, "<svg"));
        g_assert_nonnull(strstr(text, "</svg>"));
        g_assert_cmpuint(len, >, 15000);
        g_autofree char *bytes = read_file(pdf, &len);
        g_assert_cmpuint(len, >, 5000);
        g_assert_true(memcmp(bytes, "%PDF-", 5) == 0);
    }
    g_assert_false(plot_all(dir, "jpeg", &error));
    g_assert_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED);
    tu_rmtree(tmp);
}

static void test_no_gnuplot(void)
{
    g_autofree char *tmp = NULL;
    g_autofree char *dir = make_results(&tmp);
    g_autofree char *path = g_strdup(g_getenv("PATH"));
    g_autofree char *empty = g_build_filename(tmp, "empty-bin", NULL);
    g_assert_cmpint(g_mkdir(empty, 0755), ==, 0);
    g_setenv("PATH", empty, TRUE);
    g_autoptr(GError) error = NULL;
    gboolean ok = plot_all(dir, "png", &error);

    /* The report still comes out, and says why it has no charts. */
    g_autoptr(GError) rerr = NULL;
    gboolean rok = report_write(dir, &rerr);
    g_setenv("PATH", path, TRUE);

    g_assert_false(ok);
    g_assert_error(error, FL_PLOT_ERROR, PLOT_ERROR_NO_GNUPLOT);
    g_assert_nonnull(strstr(error->message, "gnuplot not found"));
    g_assert_nonnull(strstr(error->message, "apt-get install gnuplot-nox"));
    g_assert_nonnull(strstr(error->message, dir));
    g_autofree char *loss = g_build_filename(dir, "plots", "loss.png", NULL);
    g_assert_false(g_file_test(loss, G_FILE_TEST_EXISTS));

    g_assert_no_error(rerr);
    g_assert_true(rok);
    g_autofree char *html_path = g_build_filename(dir, "report.html", NULL);
    g_autofree char *html = read_file(html_path, NULL);
    g_assert_null(strstr(html, "<img"));
    g_assert_nonnull(strstr(html, "gnuplot not found"));
    tu_rmtree(tmp);
}

static void test_no_results(void)
{
    g_autofree char *tmp = tu_tmpdir();
    g_autoptr(GError) error = NULL;
    g_assert_false(plot_all(tmp, "png", &error));
    g_assert_error(error, PLOTDATA_ERROR, PLOTDATA_ERROR_NO_RESULTS);
    g_assert_nonnull(strstr(error->message, "no results"));
    g_clear_error(&error);

    g_autofree char *missing = g_build_filename(tmp, "nothing-here", NULL);
    g_assert_false(plot_all(missing, "png", &error));
    g_assert_error(error, PLOTDATA_ERROR, PLOTDATA_ERROR_NO_RESULTS);
    g_clear_error(&error);

    /* A summary without finished runs is no results either. */
    g_autofree char *summary = g_build_filename(tmp, "summary.csv", NULL);
    g_assert_true(g_file_set_contents(
        summary, "run,seed,status,verdict,causes,final_loss,epochs_run,wall_ms\n", -1, NULL));
    g_assert_false(plot_all(tmp, "png", &error));
    g_assert_error(error, PLOTDATA_ERROR, PLOTDATA_ERROR_NO_RESULTS);
    g_clear_error(&error);
    g_assert_false(report_write(tmp, &error));
    g_assert_error(error, PLOTDATA_ERROR, PLOTDATA_ERROR_NO_RESULTS);
    tu_rmtree(tmp);
}

static guint count(const char *text, const char *needle)
{
    guint n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_report(void)
{
    g_autofree char *tmp = NULL;
    g_autofree char *dir = make_results(&tmp);
    g_autoptr(GError) error = NULL;
    /* No charts yet: the report draws them. */
    g_assert_true(report_write(dir, &error));
    g_assert_no_error(error);
    g_autofree char *path = g_build_filename(dir, "report.html", NULL);
    g_autofree char *html = read_file(path, NULL);

    GStrv header = NULL;
    g_autoptr(GPtrArray) rows = read_summary(dir, &header);
    g_assert_cmpuint(count(html, "<tr class=\"run "), ==, rows->len);
    g_assert_cmpuint(count(html, "id=\"runs\""), ==, 1);
    /* Every run id appears in its row. */
    for (guint i = 0; i < rows->len; i++) {
        g_autofree char *cell = g_strdup_printf(">%s<", ((GStrv)rows->pdata[i])[0]);
        g_assert_nonnull(strstr(html, cell));
    }
    g_strfreev(header);

    /* Escaped, never raw. */
    g_assert_nonnull(strstr(html, "tiny &lt;grid&gt; &amp; co"));
    g_assert_null(strstr(html, "<grid>"));

    /* Every chart, each the PNG of plots/ as a data: URI. */
    g_assert_cmpuint(count(html, "<img "), ==, n_charts());
    g_assert_cmpuint(count(html, "src=\"data:image/png;base64,"), ==, n_charts());
    g_assert_null(strstr(html, "http://"));
    g_assert_null(strstr(html, "https://"));
    const char *b64 = strstr(html, "base64,") + 7;
    g_autofree char *enc = g_strndup(b64, (gsize)(strchr(b64, '"') - b64));
    gsize len = 0;
    g_autofree guchar *png = g_base64_decode(enc, &len);
    g_autofree char *heat = g_build_filename(dir, "plots", "heatmap.png", NULL);
    gsize file_len = 0;
    g_autofree char *file = read_file(heat, &file_len);
    g_assert_cmpuint(len, ==, file_len);
    g_assert_true(memcmp(png, file, len) == 0);

    /* Findings of a collapsed run: each finding's evidence and advice, escaped. */
    g_assert_nonnull(strstr(html, "<details id=\"run-r0000\">"));
    g_autoptr(run_result) rec = results_load_run(dir, "r0000", &error);
    g_assert_no_error(error);
    g_assert_nonnull(rec);
    g_assert_cmpuint(rec->findings->len, >, 0);
    for (guint k = 0; k < rec->findings->len; k++) {
        const finding_rec *f = rec->findings->pdata[k];
        g_autofree char *ev = g_markup_escape_text(f->evidence, -1);
        g_autofree char *adv = g_markup_escape_text(f->advice, -1);
        g_assert_nonnull(strstr(html, ev));
        g_assert_nonnull(strstr(html, adv));
    }
    tu_rmtree(tmp);
}

/* The report's verified fixes: one row per trial of fixes.csv, the verified ones
 * highlighted, the healthy region and the cost as verify/verification.result says, and
 * each collapsed grid point's primary cause judged.  Without verification the section
 * says so and shows no fix. */
static void test_report_verification(void)
{
    g_autofree char *tmp = NULL;
    g_autofree char *dir = make_results(&tmp);
    g_autoptr(GError) error = NULL;
    g_assert_true(report_write(dir, &error));
    g_assert_no_error(error);
    g_autofree char *path = g_build_filename(dir, "report.html", NULL);
    g_autofree char *html = read_file(path, NULL);
    g_autoptr(verify_report) vr = verify_load(dir, &error);
    g_assert_no_error(error);
    g_assert_nonnull(vr);
    g_assert_cmpuint(vr->cells->len, >, 0); /* lr = 1e-6 x zeros collapses */

    /* fixes.csv, read naively: "yes" and "no" in the verified column. */
    g_autofree char *csv_path = g_build_filename(dir, "fixes.csv", NULL);
    g_autofree char *csv = read_file(csv_path, NULL);
    g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
    g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
    int c_verified = column(head, "verified");
    guint yes = 0, no = 0;
    for (char **l = lines + 1; *l; l++) {
        if (!**l)
            continue;
        g_auto(GStrv) f = g_strsplit(*l, ",", -1);
        yes += strcmp(f[c_verified], "yes") == 0;
        no += strcmp(f[c_verified], "no") == 0;
    }
    g_assert_cmpuint(yes + no, >, 0);
    g_assert_nonnull(strstr(html, "<h2 id=\"fixes\">Verified fixes</h2>"));
    g_assert_cmpuint(count(html, "<tr class=\"verified\">"), ==, yes);
    g_assert_cmpuint(count(html, "<tr class=\"refuted\">"), ==, no);
    /* One heading per collapsed grid point, each with its before numbers. */
    g_assert_cmpuint(count(html, "<p class=\"fixcell\">"), ==, vr->cells->len);
    for (guint i = 0; i < vr->cells->len; i++) {
        const verify_cell *vc = vr->cells->pdata[i];
        g_autofree char *where = verify_cell_text(vr, vc->cell);
        g_autofree char *heading = g_strdup_printf("<p class=\"fixcell\">%s: collapsed %d/%d",
                                                   where, vc->collapsed, vc->runs);
        g_assert_nonnull(strstr(html, heading));
    }
    for (guint i = 0; i < vr->trials->len; i++) {
        const verify_trial *t = vr->trials->pdata[i];
        g_autofree char *ba = g_strdup_printf("%d/%d \u2192 %d/%d", t->before_k, t->before_n,
                                              t->after_k, t->after_n);
        g_assert_nonnull(strstr(html, ba));
    }
    g_assert_nonnull(vr->healthy);
    g_autofree char *healthy = g_markup_escape_text(vr->healthy, -1);
    g_assert_nonnull(strstr(html, healthy));
    g_autofree char *cost = g_strdup_printf("Cost: %d run", vr->runs_added);
    g_assert_nonnull(strstr(html, cost));
    /* Every collapsed grid point's primary cause is judged, and only those. */
    g_assert_cmpuint(count(html, "<span class=\"check "), ==, vr->cells->len);

    /* Without verification: said so, no fix shown. */
    g_autofree char *cfg = g_build_filename(tmp, "tiny.cfg", NULL);
    const char *argv[] = {tu_flatline(), "run", cfg, "-o", dir, "--no-plots", "-q",
                          "--no-verify", NULL};
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(tu_run(argv, NULL, &out, &err), ==, 0);
    g_assert_true(report_write(dir, &error));
    g_assert_no_error(error);
    g_autofree char *html2 = read_file(path, NULL);
    g_assert_nonnull(strstr(html2, "<h2 id=\"fixes\">Verified fixes</h2>"));
    g_assert_nonnull(strstr(html2, "ran without verification"));
    g_assert_cmpuint(count(html2, "<tr class=\"verified\">"), ==, 0);
    g_assert_cmpuint(count(html2, "<span class=\"check "), ==, 0);
    /* ... and no fixes charts: the ones drawn before are not shown, and go at the next
     * drawing. */
    g_assert_cmpuint(count(html2, "<img "), ==, n_charts() - 2);
    g_autofree char *fixes_png = g_build_filename(dir, "plots", "fixes.png", NULL);
    g_assert_true(g_file_test(fixes_png, G_FILE_TEST_IS_REGULAR));
    g_assert_true(plot_all(dir, "png", &error));
    g_assert_no_error(error);
    g_assert_false(g_file_test(fixes_png, G_FILE_TEST_EXISTS));
    tu_rmtree(tmp);
}

/* ------------------------------------------------------------------ hostile strings */

/* Text with a command in backquotes that would create `marker` if anything evaluated it,
 * a % that gnuplot would take as a format, an apostrophe and (when `quote`) a double quote
 * and a backslash. */
static char *payload(const char *lead, const char *marker, gboolean quote)
{
    return g_strdup_printf("%s `touch %s` 5%% it's%s", lead, marker, quote ? " \"q\" a\\b" : "");
}

/* `text` written in an experiment file: quotes and backslashes escaped. */
static char *cfg_string(const char *text)
{
    g_autofree char *e = g_strescape(text, NULL);
    return g_strdup_printf("\"%s\"", e);
}

static void replace_in_file(const char *path, const char *from, const char *to)
{
    g_autofree char *text = read_file(path, NULL);
    g_auto(GStrv) parts = g_strsplit(text, from, -1);
    g_autofree char *joined = g_strjoinv(to, parts);
    g_assert_true(g_file_set_contents(path, joined, -1, NULL));
}

/* Whether the SVG of a chart holds `text` verbatim (gnuplot writes & and < as entities). */
static gboolean svg_has(const char *dir, const char *chart, const char *text)
{
    g_autofree char *path = g_strdup_printf("%s/plots/%s.svg", dir, chart);
    g_autofree char *svg = read_file(path, NULL);
    g_autofree char *esc = g_markup_escape_text(text, -1);
    g_auto(GStrv) parts = g_strsplit(esc, "&apos;", -1);
    g_autofree char *plain = g_strjoinv("'", parts);
    g_auto(GStrv) parts2 = g_strsplit(plain, "&quot;", -1);
    g_autofree char *plain2 = g_strjoinv("\"", parts2);
    return strstr(svg, plain2) != NULL;
}

/* Whether fixes.csv has a verified fix. */
static gboolean has_verified_fix(const char *dir)
{
    g_autofree char *csv_path = g_build_filename(dir, "fixes.csv", NULL);
    g_autofree char *csv = NULL;
    return g_file_get_contents(csv_path, &csv, NULL, NULL) && strstr(csv, ",yes,");
}

/* Every chart is drawn; fixed-loss exactly when fixes.csv has a verified fix. */
static void assert_charts(const char *dir, const char *fmt)
{
    gboolean verified = has_verified_fix(dir);
    for (const char *const *c = charts; *c; c++) {
        g_autofree char *path = g_strdup_printf("%s/plots/%s.%s", dir, *c, fmt);
        g_test_message("%s", path);
        g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR) ==
                      (strcmp(*c, "fixed-loss") != 0 || verified));
    }
}

static void run_ok(const char *const *argv)
{
    g_autofree char *out = NULL, *err = NULL;
    int status = tu_run(argv, NULL, &out, &err);
    if (status != 0 || *err)
        g_test_message("%s %s: %s%s", argv[1], argv[2], out, err);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpstr(err, ==, "");
}

/* Every string that reaches a chart script: the experiment's name, grid values and the
 * target and input column names through a real run; then, as in a results directory
 * someone sent, layer and cause names edited into its runs and the directory's own name;
 * last, without experiment.cfg, a grid key from cells.csv.  Nothing is ever run, every
 * chart is drawn, and the texts show verbatim in the SVG. */
static guint count(const char *text, const char *needle);

static void test_hostile_strings(void)
{
    g_autofree char *tmp = tu_tmpdir();
    const char *whats[] = {"name", "grid", "input", "target", "layer", "cause", "key", "dir"};
    char *marker[G_N_ELEMENTS(whats)];
    /* A name is a file name, not a path: the name and the values of its grid axis carry a
     * relative marker, which a command would create where gnuplot runs (plots/). */
    for (guint i = 0; i < G_N_ELEMENTS(whats); i++)
        marker[i] = i < 2 ? g_strdup_printf("pwned-%s", whats[i])
                          : g_strdup_printf("%s/pwned-%s", tmp, whats[i]);
    g_autofree char *name = payload("evil", marker[0], TRUE);
    g_autofree char *grid_a = payload("a", marker[1], TRUE);
    const char *grid_b = "b'c 100%";
    g_autofree char *input = payload("x", marker[2], FALSE);
    g_autofree char *target = payload("y", marker[3], FALSE);

    g_autofree char *csv = g_build_filename(tmp, "data.csv", NULL);
    GString *rows = g_string_new(NULL);
    g_string_append_printf(rows, "u 50%%,%s,%s\n", input, target);
    /* A target the network learns at lr = 0.01, so the fix of lr = 1e-6 verifies and the
     * fixed-loss chart is drawn too. */
    for (int i = 0; i < 40; i++)
        g_string_append_printf(rows, "%d,%d,%g\n", i % 7, (i * 3) % 11,
                               0.3 * (i % 7) - 0.2 * ((i * 3) % 11));
    g_assert_true(g_file_set_contents(csv, rows->str, -1, NULL));
    g_string_free(rows, TRUE);
    g_autofree char *q_name = cfg_string(name), *q_a = cfg_string(grid_a),
                    *q_b = cfg_string(grid_b), *q_target = cfg_string(target);
    g_autofree char *cfg_text = g_strdup_printf(
        "name = %s;\nseed = 5;\nrepeats = 1;\n"
        "dataset = { plugin = \"csv\"; path = \"data.csv\"; target = %s; "
        "normalize = \"standard\"; validation = 0.2; };\n"
        "model = ( { name = \"h1\"; units = 6; activation = \"relu\"; init = \"he_uniform\"; },\n"
        "          { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\noptimizer = { plugin = \"adam\"; lr = 0.001; };\n"
        "train = { epochs = 40; batch = 8; };\n"
        "grid = ( { key = \"optimizer.lr\"; values = [ 1e-6, 0.01 ]; },\n"
        "         { key = \"name\"; values = [ %s, %s ]; } );\n",
        q_name, q_target, q_a, q_b);
    g_autofree char *cfg = g_build_filename(tmp, "evil.cfg", NULL);
    g_assert_true(g_file_set_contents(cfg, cfg_text, -1, NULL));
    g_autofree char *dir = g_build_filename(tmp, "res", NULL);

    /* flatline run draws the charts and writes the report. */
    const char *run[] = {tu_flatline(), "run", cfg, "-o", dir, "-q", NULL};
    {
        g_autofree char *out = NULL, *err = NULL;
        int status = tu_run(run, NULL, &out, &err);
        if (status != 0)
            g_test_message("flatline run: %s%s", out, err);
        g_assert_cmpint(status, ==, 0);
        g_assert_null(strstr(err, "no charts"));
    }
    assert_charts(dir, "png");
    const char *svg[] = {tu_flatline(), "plot", dir, "--format", "svg", NULL};
    run_ok(svg);
    assert_charts(dir, "svg");
    g_assert_true(svg_has(dir, "loss", name));
    g_assert_true(svg_has(dir, "heatmap", grid_a));
    g_assert_true(svg_has(dir, "heatmap", grid_b));
    g_autofree char *target_label = g_strdup_printf("target %s", target);
    g_assert_true(svg_has(dir, "spread", target_label));
    g_assert_true(svg_has(dir, "fixes", grid_a));
    g_assert_true(has_verified_fix(dir));
    g_assert_true(svg_has(dir, "fixed-loss", grid_a));

    /* A directory someone sent, under a hostile name, its runs naming hostile layers and
     * causes: flatline plot and report merge it and draw from it. */
    g_autofree char *layer = payload("L", marker[4], FALSE);
    g_autofree char *cause = payload("C", marker[5], FALSE);
    /* A directory's name holds no '/': its command works where gnuplot runs, in plots/. */
    g_autofree char *sent_base = payload("res", "pwned-dir", FALSE);
    g_autofree char *sent = g_build_filename(tmp, sent_base, NULL);
    g_autofree char *sent_marker = g_build_filename(sent, "plots", "pwned-dir", NULL);
    for (const char *const *r = (const char *const[]){"r0000", "r0001", "r0002", "r0003", NULL};
         *r; r++) {
        g_autofree char *result = g_build_filename(dir, "runs", *r, "run.result", NULL);
        g_autofree char *metrics = g_build_filename(dir, "runs", *r, "metrics.csv", NULL);
        g_autofree char *prefix = g_strdup_printf("%s_", layer);
        replace_in_file(result, "no_update", cause);
        replace_in_file(metrics, "h1_", prefix);
    }
    /* The verification's causes too: they pick the fixes chart's colours. */
    g_autofree char *verification = g_build_filename(dir, "verify", "verification.result", NULL);
    replace_in_file(verification, "no_update", cause);
    g_assert_cmpint(g_rename(dir, sent), ==, 0);
    const char *plot[] = {tu_flatline(), "plot", sent, "--format", "svg", NULL};
    run_ok(plot);
    assert_charts(sent, "svg");
    g_autofree char *cause_key = g_strdup_printf("%s (collapsed)", cause);
    g_assert_true(svg_has(sent, "loss", cause_key));
    g_assert_true(svg_has(sent, "heatmap", cause));
    g_assert_true(svg_has(sent, "gradients", layer));
    g_assert_true(svg_has(sent, "loss", name));
    const char *png[] = {tu_flatline(), "plot", sent, NULL};
    run_ok(png);
    assert_charts(sent, "png");
    const char *report[] = {tu_flatline(), "report", sent, NULL};
    run_ok(report);
    g_autofree char *html_path = g_build_filename(sent, "report.html", NULL);
    g_autofree char *html = read_file(html_path, NULL);
    g_assert_cmpuint(count(html, "<img "), ==, n_charts());
    g_assert_null(strstr(html, "class=\"missing\""));

    /* Without experiment.cfg the charts take the grid from cells.csv, whose key may be
     * anything, and the experiment's name from the directory's. */
    g_autofree char *key = payload("k", marker[6], TRUE);
    g_autofree char *experiment = g_build_filename(sent, "experiment.cfg", NULL);
    g_assert_cmpint(g_unlink(experiment), ==, 0);
    g_auto(GStrv) key_parts = g_strsplit(key, "\"", -1);
    g_autofree char *key_csv = g_strjoinv("\"\"", key_parts);
    g_autofree char *key_column = g_strdup_printf(",\"%s\",", key_csv);
    for (const char *const *f = (const char *const[]){"summary.csv", "cells.csv", NULL}; *f;
         f++) {
        g_autofree char *path = g_build_filename(sent, *f, NULL);
        replace_in_file(path, ",name,", key_column);
    }
    g_autoptr(GError) error = NULL;
    g_assert_true(plot_all(sent, "svg", &error));
    g_assert_no_error(error);
    g_assert_true(svg_has(sent, "heatmap", key));
    g_assert_true(svg_has(sent, "loss", sent_base));
    g_assert_true(plot_all(sent, "png", &error));
    g_assert_true(report_write(sent, &error));
    g_assert_no_error(error);

    for (guint i = 0; i < G_N_ELEMENTS(whats); i++) {
        g_autofree char *in_plots = g_build_filename(sent, "plots", marker[i], NULL);
        g_test_message("%s", marker[i]);
        g_assert_false(g_file_test(marker[i], G_FILE_TEST_EXISTS));
        g_assert_false(g_file_test(in_plots, G_FILE_TEST_EXISTS));
        g_free(marker[i]);
    }
    g_assert_false(g_file_test(sent_marker, G_FILE_TEST_EXISTS));
    tu_rmtree(tmp);
}

/* A chart gnuplot fails on is deleted, whatever it left, the others are still drawn, and
 * the report puts a note with the reason in its place, never an empty image. */
static void test_failed_chart(void)
{
    g_autofree char *tmp = NULL;
    g_autofree char *dir = make_results(&tmp);
    g_autofree char *real = g_find_program_in_path("gnuplot");
    g_assert_nonnull(real);
    g_autofree char *bin = g_build_filename(tmp, "bin", NULL);
    g_assert_cmpint(g_mkdir(bin, 0755), ==, 0);
    g_autofree char *fake = g_build_filename(bin, "gnuplot", NULL);
    g_autofree char *script = g_strdup_printf(
        "#!/bin/sh\n"
        "# Fails on the loss chart after writing half a file, draws the others.\n"
        "case \"$2\" in *\"out='loss.png'\"*) printf 'half a chart' > loss.png; "
        "echo 'gnuplot stand-in: loss refused' >&2; exit 1;; esac\n"
        "exec '%s' \"$@\"\n",
        real);
    g_assert_true(g_file_set_contents(fake, script, -1, NULL));
    g_assert_cmpint(g_chmod(fake, 0755), ==, 0);
    g_autofree char *path = g_strdup(g_getenv("PATH"));
    g_autofree char *fake_path = g_strdup_printf("%s:%s", bin, path);
    g_setenv("PATH", fake_path, TRUE);

    g_autoptr(GError) error = NULL;
    g_autoptr(GHashTable) failed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    gboolean ok = plot_draw(dir, "png", failed, &error);
    g_autoptr(GError) rerr = NULL;
    gboolean rok = report_write(dir, &rerr);
    g_setenv("PATH", path, TRUE);

    g_assert_false(ok);
    g_assert_error(error, FL_PLOT_ERROR, PLOT_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "loss.png"));
    g_assert_cmpuint(g_hash_table_size(failed), ==, 1);
    g_assert_nonnull(strstr(g_hash_table_lookup(failed, "loss"), "loss refused"));
    g_autofree char *loss = g_build_filename(dir, "plots", "loss.png", NULL);
    g_assert_false(g_file_test(loss, G_FILE_TEST_EXISTS));
    for (const char *const *c = charts; *c; c++) {
        if (strcmp(*c, "loss") == 0)
            continue;
        g_autofree char *file = g_strdup_printf("%s/plots/%s.png", dir, *c);
        guint w, h;
        gsize len;
        g_assert_true(png_ok(file, &w, &h, &len));
    }

    g_assert_no_error(rerr);
    g_assert_true(rok);
    g_autofree char *html_path = g_build_filename(dir, "report.html", NULL);
    g_autofree char *html = read_file(html_path, NULL);
    g_assert_cmpuint(count(html, "<img "), ==, n_charts() - 1);
    g_assert_cmpuint(count(html, "class=\"missing\""), ==, 1);
    g_assert_nonnull(strstr(html, "Training loss: chart not drawn. "));
    g_assert_nonnull(strstr(html, "loss refused"));
    tu_rmtree(tmp);
}

/* ------------------------------------------------------------------ one way, one place */

/* The cause colours are plots/causes.tsv's, in flatline, in the report and in gnuplot. */
static void test_cause_colors(void)
{
    g_autofree char *src = tu_srcpath("plots/causes.tsv");
    g_autofree char *text = read_file(src, NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GHashTable) colors = plot_cause_colors();
    guint n = 0;
    for (char **l = lines; *l; l++) {
        if (!**l || **l == '#')
            continue;
        g_auto(GStrv) f = g_strsplit(*l, "\t", -1);
        g_assert_cmpuint(g_strv_length(f), ==, 2);
        g_assert_cmpstr(g_hash_table_lookup(colors, strcmp(f[0], "*") ? f[0] : ""), ==, f[1]);
        n++;
    }
    g_assert_cmpuint(n, >=, 15);
    g_assert_cmpuint(g_hash_table_size(colors), ==, n);

    g_autofree char *tmp = NULL;
    g_autofree char *dir = make_results(&tmp);
    g_autoptr(GError) error = NULL;
    g_assert_true(plot_all(dir, "svg", &error));
    g_assert_true(report_write(dir, &error));
    g_assert_no_error(error);
    g_autofree char *svg_path = g_build_filename(dir, "plots", "loss.svg", NULL);
    g_autofree char *svg = read_file(svg_path, NULL);
    g_autofree char *html_path = g_build_filename(dir, "report.html", NULL);
    g_autofree char *html = read_file(html_path, NULL);
    /* Every colour the loss chart's key names is drawn, as causes.tsv gives it. */
    g_autoptr(GHashTable) texts = chart_texts(dir, "loss");
    guint seen = 0;
    for (guint k = 1;; k++) {
        g_autofree char *id = g_strdup_printf("keycolor %u", k);
        const char *cause = g_hash_table_lookup(texts, id);
        if (!cause)
            break;
        const char *hex = g_hash_table_lookup(colors, cause);
        g_assert_nonnull(hex);
        unsigned rgb = (unsigned)strtoul(hex + 1, NULL, 16);
        g_autofree char *stroke = g_strdup_printf("stroke='rgb(%3u, %3u, %3u)'", rgb >> 16,
                                                  (rgb >> 8) & 0xff, rgb & 0xff);
        g_test_message("%s %s", cause, stroke);
        g_assert_nonnull(strstr(svg, stroke));
        if (strcmp(cause, "healthy") != 0) {
            g_autofree char *swatch = g_strdup_printf("<i style=\"background:%s\"></i>%s", hex,
                                                      cause);
            g_assert_nonnull(strstr(html, swatch));
        }
        seen++;
    }
    g_assert_cmpuint(seen, >=, 3);
    tu_rmtree(tmp);
}

/* Numbers look the same everywhere: three significant digits and a short exponent; grid
 * values keep every digit they were written with. */
static void test_numbers(void)
{
    static const struct {
        double v;
        const char *text;
    } nums[] = {{0.0878028038, "0.0878"}, {0.0964905802, "0.0965"}, {1e-6, "1e-6"},
                {2.5e7, "2.5e7"},         {-3.14159, "-3.14"},      {100, "100"},
                {0.0001, "0.0001"},       {1e-5, "1e-5"},           {0, "0"}};
    for (gsize i = 0; i < G_N_ELEMENTS(nums); i++) {
        g_autofree char *t = plotdata_format_number(nums[i].v);
        g_assert_cmpstr(t, ==, nums[i].text);
    }
    g_autofree char *nan_text = plotdata_format_number(NAN);
    g_assert_cmpstr(nan_text, ==, "nan");
    static const char *const labels[][2] = {
        {"1e-06", "1e-6"}, {"2.5E+07", "2.5e7"}, {"0.00123456", "0.00123456"},
        {"he_uniform", "he_uniform"}, {"1e-06x", "1e-06x"}, {"1e+00", "1e0"}};
    for (gsize i = 0; i < G_N_ELEMENTS(labels); i++) {
        g_autofree char *t = plotdata_format_label(labels[i][0]);
        g_assert_cmpstr(t, ==, labels[i][1]);
    }

    /* The charts and the report show the tiny sweep's values through them. */
    g_autofree char *tmp = NULL;
    g_autofree char *dir = make_results(&tmp);
    g_autoptr(GError) error = NULL;
    g_assert_true(report_write(dir, &error));
    g_assert_no_error(error);
    g_autoptr(GPtrArray) xt = table_rows(dir, "heatmap-xtics.dat");
    g_assert_cmpuint(xt->len, ==, 2);
    g_autofree char *lr0 = text_of(((GStrv)xt->pdata[0])[1]);
    g_assert_cmpstr(lr0, ==, "1e-6");
    g_autofree char *html_path = g_build_filename(dir, "report.html", NULL);
    g_autofree char *html = read_file(html_path, NULL);
    g_assert_null(strstr(html, ">1e-06<"));
    g_assert_nonnull(strstr(html, ">1e-6<"));
    GStrv header = NULL;
    g_autoptr(GPtrArray) rows = read_summary(dir, &header);
    int c_loss = column(header, "final_loss");
    for (guint i = 0; i < rows->len; i++) {
        g_autofree char *t =
            plotdata_format_number(g_ascii_strtod(((GStrv)rows->pdata[i])[c_loss], NULL));
        g_autofree char *cell = g_strdup_printf("<td class=\"num\">%s</td>", t);
        g_assert_nonnull(strstr(html, cell));
    }
    g_strfreev(header);
    tu_rmtree(tmp);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plots/png", test_png);
    g_test_add_func("/plots/copy", test_copy);
    g_test_add_func("/plots/svg-pdf", test_svg_pdf);
    g_test_add_func("/plots/no-gnuplot", test_no_gnuplot);
    g_test_add_func("/plots/no-results", test_no_results);
    g_test_add_func("/plots/report", test_report);
    g_test_add_func("/plots/report-verification", test_report_verification);
    g_test_add_func("/plots/hostile-strings", test_hostile_strings);
    g_test_add_func("/plots/failed-chart", test_failed_chart);
    g_test_add_func("/plots/cause-colors", test_cause_colors);
    g_test_add_func("/plots/numbers", test_numbers);
    return g_test_run();
}
