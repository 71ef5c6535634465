/* test-plots.c — charts and the report from a small sweep run by the real binary: every
 * chart is a real PNG (or SVG/PDF), the tables gnuplot draws hold the numbers of the saved
 * files (checked against a naive reading of metrics.csv and summary.csv here), a copied
 * directory gives the same tables byte for byte, and the errors without gnuplot or without
 * results say what to do.  The report is checked for its rows, its escaping and its
 * embedded charts; test-report.sh loads it in a browser. */
#include "testutil.h"
#include "plot.h"
#include "report.h"
#include "results.h"

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

static const char *const charts[] = {"loss", "heatmap", "gradients", "spread", "units", NULL};

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
            if (g_str_has_prefix(*l, "# run ")) {
                block++;
                g_assert_cmpint(block, <, (int)expect->len);
                g_auto(GStrv) w = g_strsplit(*l + 6, " ", -1);
                g_assert_cmpstr(w[0], ==, expect->pdata[block]);
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
            g_auto(GStrv) f = g_strsplit(*l, " ", -1);
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

static void check_heatmap_table(const char *dir, GPtrArray *rows, GStrv header)
{
    int c_lr = column(header, "optimizer.lr"), c_init = column(header, "model.h1.init"),
        c_verdict = column(header, "verdict"), c_status = column(header, "status");
    static const char *const lrs[] = {"1e-06", "0.01"}, *const inits[] = {"zeros", "he_uniform"};
    g_autofree char *path = g_build_filename(dir, "plots", "data", "heatmap.dat", NULL);
    g_autofree char *text = read_file(path, NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint n_lines = 0;
    gboolean saw_zero = FALSE, saw_full = FALSE;
    for (char **l = lines; *l; l++) {
        if (!**l)
            continue;
        n_lines++;
        g_auto(GStrv) f = g_strsplit(*l, " ", -1);
        g_assert_cmpuint(g_strv_length(f), ==, 8);
        int x = atoi(f[0]), y = atoi(f[1]);
        g_assert_true(x >= 0 && x < 2 && y >= 0 && y < 2);
        int runs = 0, collapsed = 0;
        for (guint i = 0; i < rows->len; i++) {
            GStrv r = rows->pdata[i];
            if (strcmp(r[c_lr], lrs[x]) || strcmp(r[c_init], inits[y]) ||
                strcmp(r[c_status], "ok"))
                continue;
            runs++;
            collapsed += strcmp(r[c_verdict], "collapsed") == 0;
        }
        g_assert_cmpint(atoi(f[6]), ==, runs);
        g_assert_cmpint(atoi(f[5]), ==, collapsed);
        g_assert_cmpfloat_with_epsilon(g_ascii_strtod(f[2], NULL), 100.0 * collapsed / runs, 1e-3);
        saw_zero |= collapsed == 0;
        saw_full |= collapsed == runs;
    }
    g_assert_cmpuint(n_lines, ==, 4);
    g_assert_true(saw_zero && saw_full);
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
    check_heatmap_table(dir, rows, header);
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
    g_assert_error(error, FL_PLOT_ERROR, PLOT_ERROR_NO_RESULTS);
    g_assert_nonnull(strstr(error->message, "no results"));
    g_clear_error(&error);

    g_autofree char *missing = g_build_filename(tmp, "nothing-here", NULL);
    g_assert_false(plot_all(missing, "png", &error));
    g_assert_error(error, FL_PLOT_ERROR, PLOT_ERROR_NO_RESULTS);
    g_clear_error(&error);

    /* A summary without finished runs is no results either. */
    g_autofree char *summary = g_build_filename(tmp, "summary.csv", NULL);
    g_assert_true(g_file_set_contents(
        summary, "run,seed,status,verdict,causes,final_loss,epochs_run,wall_ms\n", -1, NULL));
    g_assert_false(plot_all(tmp, "png", &error));
    g_assert_error(error, FL_PLOT_ERROR, PLOT_ERROR_NO_RESULTS);
    g_clear_error(&error);
    g_assert_false(report_write(tmp, &error));
    g_assert_error(error, FL_PLOT_ERROR, PLOT_ERROR_NO_RESULTS);
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

    /* Five charts, each the PNG of plots/ as a data: URI. */
    g_assert_cmpuint(count(html, "<img "), ==, 5);
    g_assert_cmpuint(count(html, "src=\"data:image/png;base64,"), ==, 5);
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
    g_autoptr(run_record) rec = results_load_run(dir, "r0000", &error);
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plots/png", test_png);
    g_test_add_func("/plots/copy", test_copy);
    g_test_add_func("/plots/svg-pdf", test_svg_pdf);
    g_test_add_func("/plots/no-gnuplot", test_no_gnuplot);
    g_test_add_func("/plots/no-results", test_no_results);
    g_test_add_func("/plots/report", test_report);
    return g_test_run();
}
