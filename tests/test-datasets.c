/* test-datasets.c — the dataset plugins: the csv reader on good and bad files, and every
 * synthetic generator's shapes, determinism and statistics.
 *
 * CSV fixtures live in tests/data (good files) and tests/data/csv-bad (one mistake each);
 * files that are impractical to keep in the tree (a line over 1 MiB, a NUL byte) are
 * written to a scratch directory.  Generator targets are checked against the formulas the
 * plugins document, recomputed here from the stored inputs.
 */
#include <float.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "testutil.h"

/* ---------------------------------------------------------------- helpers */

static const fl_dataset_ops *ops_of(const fl_plugin *plugin)
{
    g_assert_cmpint(plugin->kind, ==, FL_KIND_DATASET);
    return plugin->ops.dataset;
}

static void dataset_clear(fl_dataset *ds)
{
    fl_host *host = tu_host();
    for (size_t i = 0; ds->in_names && i < ds->n_in; i++)
        host->free(ds->in_names[i]);
    for (size_t i = 0; ds->out_names && i < ds->n_out; i++)
        host->free(ds->out_names[i]);
    host->free(ds->in_names);
    host->free(ds->out_names);
    host->free(ds->x);
    host->free(ds->y);
    memset(ds, 0, sizeof *ds);
}

static gboolean dataset_is_empty(const fl_dataset *ds)
{
    return ds->n_samples == 0 && ds->n_in == 0 && ds->n_out == 0 && !ds->x && !ds->y &&
           !ds->in_names && !ds->out_names;
}

/* Load dataset `name` with options "key=value"...; returns the plugin's result.  On
 * failure *error holds the plugin's message and ds is checked to be left empty. */
static int load(const char *name, const char *const *kv, const char *base_dir, uint64_t seed,
                fl_dataset *ds, GError **error)
{
    fl_ref ref = tu_ref(FL_KIND_DATASET, name, kv);
    *ds = (fl_dataset){.size = sizeof *ds}; /* as the core hands it over */
    fl_host *host = tu_host();
    host_clear_error(host);
    int rc = ops_of(ref.plugin)->load(host, ref.opts, base_dir, seed, ds);
    if (rc < 0) {
        host_take_error(host, error, "dataset %s: ", name);
        g_assert_true(dataset_is_empty(ds));
    }
    params_ref_clear(&ref);
    return rc;
}

/* Load and require success. */
static void load_ok(const char *name, const char *const *kv, const char *base_dir,
                    uint64_t seed, fl_dataset *ds)
{
    g_autoptr(GError) err = NULL;
    int rc = load(name, kv, base_dir, seed, ds, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, 0);
    g_assert_nonnull(ds->x);
    g_assert_nonnull(ds->y);
}

/* Load and require failure; returns the message (caller frees). */
static char *load_fail(const char *name, const char *const *kv, const char *base_dir)
{
    g_autoptr(GError) err = NULL;
    fl_dataset ds;
    int rc = load(name, kv, base_dir, 1, &ds, &err);
    g_assert_cmpint(rc, <, 0);
    g_assert_nonnull(err);
    if (g_test_verbose())
        g_printerr("  %s\n", err->message);
    return g_strdup(err->message);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        g_error("expected \"%s\" in the message: %s", needle, haystack);
}

static double column_mean(const float *a, size_t n, size_t stride, size_t col)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i * stride + col];
    return s / (double)n;
}

static double column_std(const float *a, size_t n, size_t stride, size_t col)
{
    double m = column_mean(a, n, stride, col), s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = a[i * stride + col] - m;
        s += d * d;
    }
    return sqrt(s / (double)n);
}

static double correlation(const float *a, size_t sa, size_t ca, const float *b, size_t sb,
                          size_t cb, size_t n)
{
    double ma = column_mean(a, n, sa, ca), mb = column_mean(b, n, sb, cb);
    double sab = 0.0, saa = 0.0, sbb = 0.0;
    for (size_t i = 0; i < n; i++) {
        double da = a[i * sa + ca] - ma, db = b[i * sb + cb] - mb;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    return sab / sqrt(saa * sbb);
}

/* Exact float comparison of a loaded table against the expected values. */
static void assert_floats(const float *got, const double *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != (float)want[i])
            g_error("element %zu: got %.9g, want %.9g", i, got[i], want[i]);
}

static void assert_names(char **names, size_t n, const char *const *want)
{
    g_assert_nonnull(names);
    for (size_t i = 0; i < n; i++)
        g_assert_cmpstr(names[i], ==, want[i]);
}

static char *data_dir(void) { return tu_srcpath("tests/data"); }

/* ---------------------------------------------------------------- csv: good files */

static void test_csv_basic(void)
{
    g_autofree char *dir = data_dir();
    fl_dataset ds;
    load_ok("csv", (const char *const[]){"path=\"basic.csv\"", NULL}, dir, 1, &ds);
    g_assert_cmpuint(ds.n_samples, ==, 3);
    g_assert_cmpuint(ds.n_in, ==, 2);
    g_assert_cmpuint(ds.n_out, ==, 1);
    assert_floats(ds.x, (const double[]){1, 2, -1.5, 2.25, 1e-3, 4}, 6);
    assert_floats(ds.y, (const double[]){3, 0.125, -7}, 3);
    assert_names(ds.in_names, 2, (const char *const[]){"a", "b"});
    assert_names(ds.out_names, 1, (const char *const[]){"y"});
    dataset_clear(&ds);
}

/* Targets named as one string, an array and a list, in the order given. */
static void test_csv_targets(void)
{
    g_autofree char *dir = data_dir();
    const double x0[] = {1, 3, 5}, y0[] = {10, 30, 50}, x1[] = {2, 4, 6}, y1[] = {20, 40, 60};
    fl_dataset ds;

    load_ok("csv", (const char *const[]){"path=\"multi.csv\"", "target=\"y0\"", NULL}, dir, 1,
            &ds);
    g_assert_cmpuint(ds.n_in, ==, 3);
    g_assert_cmpuint(ds.n_out, ==, 1);
    assert_names(ds.in_names, 3, (const char *const[]){"x0", "x1", "y1"});
    assert_names(ds.out_names, 1, (const char *const[]){"y0"});
    for (size_t i = 0; i < 3; i++) {
        g_assert_cmpfloat(ds.x[i * 3], ==, x0[i]);
        g_assert_cmpfloat(ds.x[i * 3 + 1], ==, x1[i]);
        g_assert_cmpfloat(ds.x[i * 3 + 2], ==, y1[i]);
        g_assert_cmpfloat(ds.y[i], ==, y0[i]);
    }
    dataset_clear(&ds);

    const char *forms[] = {"target=[\"y0\", \"y1\"]", "target=(\"y0\", \"y1\")"};
    for (size_t f = 0; f < G_N_ELEMENTS(forms); f++) {
        load_ok("csv", (const char *const[]){"path=\"multi.csv\"", forms[f], NULL}, dir, 1, &ds);
        g_assert_cmpuint(ds.n_samples, ==, 3);
        g_assert_cmpuint(ds.n_in, ==, 2);
        g_assert_cmpuint(ds.n_out, ==, 2);
        assert_names(ds.in_names, 2, (const char *const[]){"x0", "x1"});
        assert_names(ds.out_names, 2, (const char *const[]){"y0", "y1"});
        for (size_t i = 0; i < 3; i++) {
            g_assert_cmpfloat(ds.x[i * 2], ==, x0[i]);
            g_assert_cmpfloat(ds.x[i * 2 + 1], ==, x1[i]);
            g_assert_cmpfloat(ds.y[i * 2], ==, y0[i]);
            g_assert_cmpfloat(ds.y[i * 2 + 1], ==, y1[i]);
        }
        dataset_clear(&ds);
    }

    /* The order of `target` is the order of the outputs, not the file's. */
    load_ok("csv", (const char *const[]){"path=\"multi.csv\"", "target=[\"y1\", \"y0\"]", NULL},
            dir, 1, &ds);
    assert_names(ds.out_names, 2, (const char *const[]){"y1", "y0"});
    for (size_t i = 0; i < 3; i++) {
        g_assert_cmpfloat(ds.y[i * 2], ==, y1[i]);
        g_assert_cmpfloat(ds.y[i * 2 + 1], ==, y0[i]);
    }
    dataset_clear(&ds);
}

/* CRLF line endings, a byte-order mark, blank lines inside and at the end. */
static void test_csv_crlf(void)
{
    g_autofree char *dir = data_dir();
    fl_dataset ds;
    load_ok("csv", (const char *const[]){"path=\"crlf.csv\"", NULL}, dir, 1, &ds);
    g_assert_cmpuint(ds.n_samples, ==, 3);
    assert_names(ds.in_names, 2, (const char *const[]){"a", "b"});
    assert_names(ds.out_names, 1, (const char *const[]){"y"});
    assert_floats(ds.x, (const double[]){1, 2, 4, 5, 7, 8}, 6);
    assert_floats(ds.y, (const double[]){3, 6, 9}, 3);
    dataset_clear(&ds);
}

static void test_csv_quoted(void)
{
    g_autofree char *dir = data_dir();
    fl_dataset ds;
    load_ok("csv", (const char *const[]){"path=\"quoted.csv\"", NULL}, dir, 1, &ds);
    g_assert_cmpuint(ds.n_samples, ==, 2);
    assert_names(ds.in_names, 3, (const char *const[]){"first name", "say \"hi\"", "plain"});
    assert_names(ds.out_names, 1, (const char *const[]){"z"});
    assert_floats(ds.x, (const double[]){1, 2, 3, 5, 6, 7}, 6);
    assert_floats(ds.y, (const double[]){4, 8}, 2);
    dataset_clear(&ds);
    load_ok("csv", (const char *const[]){"path=\"quoted.csv\"", "target=\"say \\\"hi\\\"\"", NULL},
            dir, 1, &ds);
    assert_names(ds.out_names, 1, (const char *const[]){"say \"hi\""});
    assert_floats(ds.y, (const double[]){2, 6}, 2);
    dataset_clear(&ds);
}

/* A relative path is read from base_dir; an absolute one ignores it. */
static void test_csv_paths(void)
{
    g_autofree char *tests = tu_srcpath("tests");
    g_autofree char *abs = tu_srcpath("tests/data/basic.csv");
    g_autofree char *abs_kv = g_strdup_printf("path=\"%s\"", abs);
    fl_dataset ds;

    load_ok("csv", (const char *const[]){"path=\"data/basic.csv\"", NULL}, tests, 1, &ds);
    g_assert_cmpuint(ds.n_samples, ==, 3);
    assert_floats(ds.y, (const double[]){3, 0.125, -7}, 3);
    dataset_clear(&ds);

    load_ok("csv", (const char *const[]){abs_kv, NULL}, "/nonexistent-dir", 1, &ds);
    g_assert_cmpuint(ds.n_samples, ==, 3);
    dataset_clear(&ds);
    load_ok("csv", (const char *const[]){abs_kv, NULL}, NULL, 1, &ds);
    g_assert_cmpuint(ds.n_samples, ==, 3);
    dataset_clear(&ds);

    /* The same relative name under another base_dir is another file (or none). */
    g_autofree char *msg =
        load_fail("csv", (const char *const[]){"path=\"data/basic.csv\"", NULL},
                  "/nonexistent-dir");
    assert_contains(msg, "data/basic.csv");
    assert_contains(msg, "/nonexistent-dir/data/basic.csv");
}

/* ---------------------------------------------------------------- csv: bad files */

typedef struct bad_case {
    const char *file;
    const char *target; /* "target=..." or NULL */
    const char *expect[4];
} bad_case;

static const bad_case bad_cases[] = {
    {"empty.csv", NULL, {"empty.csv is empty", "header"}},
    {"blank.csv", NULL, {"blank.csv is empty"}},
    {"header-only.csv", NULL, {"header-only.csv has a header (line 1)", "no data rows"}},
    {"nan.csv", NULL, {"nan.csv:3: column 'b'", "\"nan\"", "not a finite number"}},
    {"inf.csv", NULL, {"inf.csv:4: column 'y'", "\"-inf\"", "not a finite number"}},
    {"huge.csv", NULL, {"huge.csv:2: column 'b'", "1e39", "too large"}},
    {"empty-cell.csv", NULL, {"empty-cell.csv:2: column 'b'", "empty cell"}},
    {"text-cell.csv", NULL, {"text-cell.csv:3: column 'a'", "\"abc\"", "not a number"}},
    {"partial-number.csv", NULL, {"partial-number.csv:2: column 'b'", "\"2x\"", "not a number"}},
    {"short-row.csv", NULL, {"short-row.csv:4: column 'y' is missing", "2 fields", "3 columns"}},
    {"long-row.csv", NULL, {"long-row.csv:3:", "4 fields", "3 columns", "column 'y'"}},
    {"dup-header.csv", NULL, {"dup-header.csv:1: column 'a' appears twice", "columns 1 and 3"}},
    {"empty-name.csv", NULL, {"empty-name.csv:1: column 2", "no name"}},
    {"unterminated.csv", NULL, {"unterminated.csv:1: column 2", "never closed"}},
    {"after-quote.csv", NULL, {"after-quote.csv:2: column 'b'", "after the closing quote"}},
    {"crlf-bad.csv", NULL, {"crlf-bad.csv:5: column 'y'", "\"nine\"", "not a number"}},
    {"semicolon.csv", NULL, {"semicolon.csv", "'a;b;y'", "separated by commas"}},
    {"../basic.csv", "target=\"yy\"", {"basic.csv", "'yy' is not in the header",
                                      "did you mean 'y'?", "'a', 'b', 'y'"}},
    {"../basic.csv", "target=\"B\"", {"'B' is not in the header", "did you mean 'b'?"}},
    {"../basic.csv", "target=[\"a\", \"b\", \"y\"]", {"basic.csv", "every column", "no input"}},
    {"../basic.csv", "target=[\"y\", \"y\"]", {"basic.csv", "'y' is listed twice"}},
    {"missing.csv", NULL, {"cannot open missing.csv", "csv-bad/missing.csv", "No such file"}},
};

static void test_csv_bad_files(void)
{
    g_autofree char *dir = tu_srcpath("tests/data/csv-bad");
    for (size_t c = 0; c < G_N_ELEMENTS(bad_cases); c++) {
        const bad_case *bc = &bad_cases[c];
        g_autofree char *path_kv = g_strdup_printf("path=\"%s\"", bc->file);
        const char *kv[] = {path_kv, bc->target, NULL};
        g_autofree char *msg = load_fail("csv", kv, dir);
        assert_contains(msg, "dataset csv: ");
        for (size_t e = 0; e < G_N_ELEMENTS(bc->expect) && bc->expect[e]; e++)
            assert_contains(msg, bc->expect[e]);
    }
}

/* Files written on the spot: a line over 1 MiB, a NUL byte, a directory, an unreadable
 * file, an empty path. */
static void test_csv_bad_generated(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *long_path = g_build_filename(dir, "long.csv", NULL);
    GString *text = g_string_new("a,b,y\n1,2,3\n");
    while (text->len < 12 + ((size_t)1 << 20) + 10)
        g_string_append(text, "1234567,");
    g_string_append(text, "5\n");
    g_assert_true(g_file_set_contents(long_path, text->str, (gssize)text->len, NULL));
    g_string_free(text, TRUE);
    g_autofree char *msg = load_fail("csv", (const char *const[]){"path=\"long.csv\"", NULL}, dir);
    assert_contains(msg, "long.csv: line 3 is longer than 1 MiB: is this a CSV file?");

    /* Just under the limit is still read. */
    g_autofree char *wide_path = g_build_filename(dir, "wide.csv", NULL);
    size_t n_cols = 100000;
    GString *hdr = g_string_new(NULL), *row = g_string_new(NULL);
    for (size_t k = 0; k < n_cols; k++) {
        g_string_append_printf(hdr, "%sc%zu", k ? "," : "", k);
        g_string_append_printf(row, "%s%zu", k ? "," : "", k % 10);
    }
    g_assert_cmpuint(hdr->len, <=, (size_t)1 << 20);
    g_string_append_printf(hdr, "\n%s\n", row->str);
    g_assert_true(g_file_set_contents(wide_path, hdr->str, (gssize)hdr->len, NULL));
    g_string_free(hdr, TRUE);
    g_string_free(row, TRUE);
    fl_dataset ds;
    load_ok("csv", (const char *const[]){"path=\"wide.csv\"", NULL}, dir, 1, &ds);
    g_assert_cmpuint(ds.n_in, ==, n_cols - 1);
    g_assert_cmpfloat(ds.y[0], ==, (double)((n_cols - 1) % 10));
    for (size_t k = 0; k < n_cols - 1; k++)
        g_assert_cmpfloat(ds.x[k], ==, (double)(k % 10));
    dataset_clear(&ds);

    g_autofree char *nul_path = g_build_filename(dir, "nul.csv", NULL);
    g_assert_true(g_file_set_contents(nul_path, "a,b,y\n1,2,3\n4,\0,6\n", 18, NULL));
    g_autofree char *msg_nul =
        load_fail("csv", (const char *const[]){"path=\"nul.csv\"", NULL}, dir);
    assert_contains(msg_nul, "nul.csv:3:");
    assert_contains(msg_nul, "NUL byte");

    g_autofree char *sub = g_build_filename(dir, "sub.csv", NULL);
    g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
    g_autofree char *msg_dir =
        load_fail("csv", (const char *const[]){"path=\"sub.csv\"", NULL}, dir);
    assert_contains(msg_dir, "sub.csv is a directory");

    g_autofree char *msg_empty = load_fail("csv", (const char *const[]){"path=\"\"", NULL}, dir);
    assert_contains(msg_empty, "`path` is empty");

    g_autofree char *locked = g_build_filename(dir, "locked.csv", NULL);
    g_assert_true(g_file_set_contents(locked, "a,y\n1,2\n", -1, NULL));
    g_assert_cmpint(g_chmod(locked, 0), ==, 0);
    if (access(locked, R_OK) == 0) {
        /* root reads anything: the case cannot be built here. */
        g_test_message("running as a user who can read a mode-000 file: skipping that case");
    } else {
        g_autofree char *msg_locked =
            load_fail("csv", (const char *const[]){"path=\"locked.csv\"", NULL}, dir);
        assert_contains(msg_locked, "cannot open locked.csv");
        assert_contains(msg_locked, "Permission denied");
    }
    tu_rmtree(dir);
}

static void test_csv_params(void)
{
    const fl_plugin *csv = tu_plugin(FL_KIND_DATASET, "csv");
    const fl_param *path = params_find(csv, "path");
    const fl_param *target = params_find(csv, "target");
    g_assert_nonnull(path);
    g_assert_nonnull(target);
    g_assert_cmpint(path->type, ==, FL_PARAM_STRING);
    g_assert_null(path->def);
    g_assert_cmpint(target->type, ==, FL_PARAM_STRINGS);
    /* path is required: a reference without it is refused. */
    fl_ref ref;
    g_autoptr(GError) err = NULL;
    g_assert_false(params_ref_init(&ref, tu_registry(), FL_KIND_DATASET, "csv", NULL, &err));
    g_assert_nonnull(err);
    assert_contains(err->message, "path");
}

/* ---------------------------------------------------------------- generators: all */

/* The file readers (csv, npy) need a path; every other dataset generates its data. */
static gboolean is_generator(const fl_plugin *p)
{
    return strcmp(p->name, "csv") != 0 && strcmp(p->name, "npy") != 0;
}

static const char *const generator_names[] = {"sine2d", "polynomial", "linear", "xor",
                                              "circles", "blobs", "mixed_scales", "constant",
                                              "multi_output", "teacher"};

/* Every generator found: default options give consistent, finite, varying data, with
 * names, and `samples` sets the count. */
static void test_generators_defaults(void)
{
    g_autoptr(GPtrArray) all = tu_plugins_of(FL_KIND_DATASET);
    guint n_generators = 0;
    for (guint p = 0; p < all->len; p++) {
        const fl_plugin *plugin = all->pdata[p];
        /* The core owns these keys for every dataset. */
        const char *core_keys[] = {"normalize", "validation", "shuffle", "seed"};
        for (size_t k = 0; k < G_N_ELEMENTS(core_keys); k++)
            g_assert_null(params_find(plugin, core_keys[k]));
        if (!is_generator(plugin))
            continue;
        n_generators++;
        const fl_param *samples = params_find(plugin, "samples");
        g_assert_nonnull(samples);
        g_assert_cmpint(samples->type, ==, FL_PARAM_INT);

        fl_dataset ds;
        load_ok(plugin->name, NULL, NULL, 11, &ds);
        g_assert_cmpuint(ds.n_samples, ==, (size_t)atoi(samples->def));
        g_assert_cmpuint(ds.n_in, >=, 1);
        g_assert_cmpuint(ds.n_out, >=, 1);
        for (size_t i = 0; i < ds.n_samples * ds.n_in; i++)
            g_assert_true(isfinite(ds.x[i]));
        for (size_t i = 0; i < ds.n_samples * ds.n_out; i++)
            g_assert_true(isfinite(ds.y[i]));
        for (size_t j = 0; j < ds.n_in; j++) {
            g_autofree char *want = g_strdup_printf("x%zu", j);
            g_assert_cmpstr(ds.in_names[j], ==, want);
            /* Every input varies across samples. */
            g_assert_cmpfloat(column_std(ds.x, ds.n_samples, ds.n_in, j), >, 1e-3);
        }
        for (size_t k = 0; k < ds.n_out; k++) {
            g_autofree char *want = g_strdup_printf("y%zu", k);
            g_assert_cmpstr(ds.out_names[k], ==, want);
        }
        size_t n_in = ds.n_in, n_out = ds.n_out;
        dataset_clear(&ds);

        load_ok(plugin->name, (const char *const[]){"samples=7", NULL}, NULL, 11, &ds);
        g_assert_cmpuint(ds.n_samples, ==, 7);
        g_assert_cmpuint(ds.n_in, ==, n_in);
        g_assert_cmpuint(ds.n_out, ==, n_out);
        dataset_clear(&ds);
    }
    /* Every generator this file knows about was found. */
    for (size_t k = 0; k < G_N_ELEMENTS(generator_names); k++) {
        gboolean found = FALSE;
        for (guint p = 0; p < all->len; p++)
            found |= strcmp(((const fl_plugin *)all->pdata[p])->name, generator_names[k]) == 0;
        if (!found)
            g_error("generator %s not found", generator_names[k]);
    }
    g_assert_cmpuint(n_generators, >=, G_N_ELEMENTS(generator_names));
}

/* Same seed: the same bytes; another seed: other data. */
static void test_generators_determinism(void)
{
    g_autoptr(GPtrArray) all = tu_plugins_of(FL_KIND_DATASET);
    for (guint p = 0; p < all->len; p++) {
        const fl_plugin *plugin = all->pdata[p];
        if (!is_generator(plugin))
            continue;
        fl_dataset a, b, c;
        load_ok(plugin->name, NULL, NULL, 42, &a);
        load_ok(plugin->name, NULL, NULL, 42, &b);
        load_ok(plugin->name, NULL, NULL, 43, &c);
        g_assert_cmpuint(a.n_samples, ==, b.n_samples);
        g_assert_cmpmem(a.x, a.n_samples * a.n_in * sizeof(float), b.x,
                        b.n_samples * b.n_in * sizeof(float));
        g_assert_cmpmem(a.y, a.n_samples * a.n_out * sizeof(float), b.y,
                        b.n_samples * b.n_out * sizeof(float));
        g_assert_cmpuint(a.n_samples * a.n_in, ==, c.n_samples * c.n_in);
        size_t differ = 0;
        for (size_t i = 0; i < a.n_samples * a.n_in; i++)
            differ += a.x[i] != c.x[i];
        /* Nearly every value differs, not just a few. */
        g_assert_cmpuint(differ, >, a.n_samples * a.n_in * 9 / 10);
        dataset_clear(&a);
        dataset_clear(&b);
        dataset_clear(&c);
    }
}

/* Fewer samples of the same seed are the first rows of more: the task does not move. */
static void test_generators_prefix(void)
{
    for (size_t g = 0; g < G_N_ELEMENTS(generator_names); g++) {
        const char *name = generator_names[g];
        if (strcmp(name, "circles") == 0 || strcmp(name, "blobs") == 0)
            continue; /* these shuffle their class layout, which depends on the count */
        fl_dataset small, big;
        load_ok(name, (const char *const[]){"samples=20", NULL}, NULL, 5, &small);
        load_ok(name, (const char *const[]){"samples=60", NULL}, NULL, 5, &big);
        g_assert_cmpmem(small.x, 20 * small.n_in * sizeof(float), big.x,
                        20 * big.n_in * sizeof(float));
        g_assert_cmpmem(small.y, 20 * small.n_out * sizeof(float), big.y,
                        20 * big.n_out * sizeof(float));
        dataset_clear(&small);
        dataset_clear(&big);
    }
}

/* ---------------------------------------------------------------- generators: each */

static double sine2d_target(double u0, double u1) { return sin(G_PI * u0) * cos(G_PI * u1 / 2); }

static void test_sine2d(void)
{
    fl_dataset ds, wide, noisy;
    load_ok("sine2d", (const char *const[]){"samples=2000", NULL}, NULL, 3, &ds);
    g_assert_cmpuint(ds.n_in, ==, 2);
    g_assert_cmpuint(ds.n_out, ==, 1);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < ds.n_samples; i++) {
        for (int j = 0; j < 2; j++) {
            lo = fmin(lo, ds.x[2 * i + j]);
            hi = fmax(hi, ds.x[2 * i + j]);
        }
        g_assert_cmpfloat_with_epsilon(ds.y[i], sine2d_target(ds.x[2 * i], ds.x[2 * i + 1]), 1e-5);
    }
    g_assert_cmpfloat(lo, >=, -1.0);
    g_assert_cmpfloat(hi, <=, 1.0);
    g_assert_cmpfloat(lo, <, -0.95);
    g_assert_cmpfloat(hi, >, 0.95);
    /* Over the square the target has mean 0 and deviation 0.5. */
    double sd = column_std(ds.y, ds.n_samples, 1, 0);
    g_assert_cmpfloat(sd, >, 0.45);
    g_assert_cmpfloat(sd, <, 0.55);
    g_assert_cmpfloat(fabs(column_mean(ds.y, ds.n_samples, 1, 0)), <, 0.05);

    /* range scales the inputs and keeps the task. */
    load_ok("sine2d", (const char *const[]){"samples=2000", "range=3", NULL}, NULL, 3, &wide);
    for (size_t i = 0; i < 2 * ds.n_samples; i++)
        g_assert_cmpfloat_with_epsilon(wide.x[i], 3.0 * ds.x[i], 1e-5);
    for (size_t i = 0; i < ds.n_samples; i++)
        g_assert_cmpfloat_with_epsilon(wide.y[i], ds.y[i], 1e-6);

    /* noise moves the targets only, by about its deviation. */
    load_ok("sine2d", (const char *const[]){"samples=2000", "noise=0.1", NULL}, NULL, 3, &noisy);
    g_assert_cmpmem(noisy.x, 2 * ds.n_samples * sizeof(float), ds.x,
                    2 * ds.n_samples * sizeof(float));
    double s = 0.0;
    for (size_t i = 0; i < ds.n_samples; i++)
        s += (noisy.y[i] - ds.y[i]) * (noisy.y[i] - ds.y[i]);
    double noise_sd = sqrt(s / (double)ds.n_samples);
    g_assert_cmpfloat(noise_sd, >, 0.09);
    g_assert_cmpfloat(noise_sd, <, 0.11);
    dataset_clear(&ds);
    dataset_clear(&wide);
    dataset_clear(&noisy);
}

static void test_polynomial(void)
{
    fl_dataset ds;
    load_ok("polynomial", NULL, NULL, 4, &ds);
    g_assert_cmpuint(ds.n_in, ==, 1);
    for (size_t i = 0; i < ds.n_samples; i++) {
        double x = ds.x[i];
        g_assert_cmpfloat(fabs(x), <=, 1.0);
        g_assert_cmpfloat_with_epsilon(ds.y[i], 4 * x * x * x - 3 * x, 1e-5);
    }
    g_assert_cmpfloat(column_std(ds.y, ds.n_samples, 1, 0), >, 0.3);
    dataset_clear(&ds);

    load_ok("polynomial", (const char *const[]){"degree=1", NULL}, NULL, 4, &ds);
    for (size_t i = 0; i < ds.n_samples; i++)
        g_assert_cmpfloat_with_epsilon(ds.y[i], ds.x[i], 1e-6);
    dataset_clear(&ds);

    load_ok("polynomial", (const char *const[]){"degree=2", "features=2", NULL}, NULL, 4, &ds);
    g_assert_cmpuint(ds.n_in, ==, 2);
    for (size_t i = 0; i < ds.n_samples; i++) {
        double a = ds.x[2 * i], b = ds.x[2 * i + 1];
        double want = ((2 * a * a - 1) + (2 * b * b - 1)) / sqrt(2.0);
        g_assert_cmpfloat_with_epsilon(ds.y[i], want, 1e-5);
    }
    dataset_clear(&ds);
}

/* Solve the n x n system a z = b in place (Gaussian elimination, partial pivoting). */
static void solve(double *a, double *b, size_t n)
{
    for (size_t c = 0; c < n; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < n; r++)
            if (fabs(a[r * n + c]) > fabs(a[piv * n + c]))
                piv = r;
        for (size_t k = 0; k < n; k++) {
            double t = a[c * n + k];
            a[c * n + k] = a[piv * n + k];
            a[piv * n + k] = t;
        }
        double t = b[c];
        b[c] = b[piv];
        b[piv] = t;
        for (size_t r = c + 1; r < n; r++) {
            double f = a[r * n + c] / a[c * n + c];
            for (size_t k = c; k < n; k++)
                a[r * n + k] -= f * a[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (size_t c = n; c-- > 0;) {
        for (size_t k = c + 1; k < n; k++)
            b[c] -= a[c * n + k] * b[k];
        b[c] /= a[c * n + c];
    }
}

/* Least-squares affine fit of output k; returns the residual deviation, coef (n_in + 1). */
static double affine_fit(const fl_dataset *ds, size_t k, double *coef)
{
    size_t m = ds->n_in + 1;
    double *a = g_new0(double, m * m);
    for (size_t r = 0; r < m; r++)
        coef[r] = 0.0;
    for (size_t i = 0; i < ds->n_samples; i++) {
        for (size_t r = 0; r < m; r++) {
            double xr = r < ds->n_in ? ds->x[i * ds->n_in + r] : 1.0;
            for (size_t c = 0; c < m; c++)
                a[r * m + c] += xr * (c < ds->n_in ? ds->x[i * ds->n_in + c] : 1.0);
            coef[r] += xr * ds->y[i * ds->n_out + k];
        }
    }
    solve(a, coef, m);
    double s = 0.0;
    for (size_t i = 0; i < ds->n_samples; i++) {
        double pred = coef[ds->n_in];
        for (size_t j = 0; j < ds->n_in; j++)
            pred += coef[j] * ds->x[i * ds->n_in + j];
        double d = pred - ds->y[i * ds->n_out + k];
        s += d * d;
    }
    g_free(a);
    return sqrt(s / (double)ds->n_samples);
}

static void test_linear(void)
{
    fl_dataset ds;
    double coef0[4], coef1[4];
    load_ok("linear", (const char *const[]){"samples=500", "noise=0", "outputs=2", NULL}, NULL,
            6, &ds);
    g_assert_cmpuint(ds.n_in, ==, 3);
    g_assert_cmpuint(ds.n_out, ==, 2);
    /* Without noise the targets are exactly affine in the inputs... */
    g_assert_cmpfloat(affine_fit(&ds, 0, coef0), <, 1e-5);
    g_assert_cmpfloat(affine_fit(&ds, 1, coef1), <, 1e-5);
    /* ...with weights that matter, different for each output. */
    double norm = 0.0, diff = 0.0;
    for (int j = 0; j < 3; j++) {
        norm += coef0[j] * coef0[j];
        diff += (coef0[j] - coef1[j]) * (coef0[j] - coef1[j]);
    }
    g_assert_cmpfloat(sqrt(norm), >, 0.2);
    g_assert_cmpfloat(sqrt(diff), >, 0.2);
    g_assert_cmpfloat(column_std(ds.y, ds.n_samples, 2, 0), >, 0.2);
    dataset_clear(&ds);

    /* The default noise (0.1) is the residual of the best affine fit. */
    load_ok("linear", (const char *const[]){"samples=2000", NULL}, NULL, 6, &ds);
    double resid = affine_fit(&ds, 0, coef0);
    g_assert_cmpfloat(resid, >, 0.09);
    g_assert_cmpfloat(resid, <, 0.11);
    dataset_clear(&ds);
}

static void test_xor(void)
{
    fl_dataset ds, hot;
    load_ok("xor", (const char *const[]){"samples=400", NULL}, NULL, 7, &ds);
    g_assert_cmpuint(ds.n_in, ==, 2);
    g_assert_cmpuint(ds.n_out, ==, 1);
    size_t ones = 0;
    for (size_t i = 0; i < ds.n_samples; i++) {
        double a = ds.x[2 * i], b = ds.x[2 * i + 1];
        g_assert_cmpfloat(ds.y[i], ==, a * b < 0 ? 1.0 : 0.0);
        /* Near a corner: noise 0.1 keeps every point well inside its quadrant. */
        g_assert_cmpfloat(fabs(fabs(a) - 1.0), <, 0.6);
        g_assert_cmpfloat(fabs(fabs(b) - 1.0), <, 0.6);
        ones += ds.y[i] == 1.0f;
    }
    g_assert_cmpuint(ones, >, 400 * 4 / 10);
    g_assert_cmpuint(ones, <, 400 * 6 / 10);

    load_ok("xor", (const char *const[]){"samples=400", "onehot=true", NULL}, NULL, 7, &hot);
    g_assert_cmpuint(hot.n_out, ==, 2);
    g_assert_cmpmem(hot.x, 800 * sizeof(float), ds.x, 800 * sizeof(float));
    for (size_t i = 0; i < ds.n_samples; i++) {
        g_assert_cmpfloat(hot.y[2 * i + 1], ==, ds.y[i]);
        g_assert_cmpfloat(hot.y[2 * i], ==, 1.0 - ds.y[i]);
    }
    dataset_clear(&ds);
    dataset_clear(&hot);
}

static void test_circles(void)
{
    fl_dataset ds, hot;
    load_ok("circles", (const char *const[]){"samples=101", "noise=0", "factor=0.3", NULL}, NULL,
            8, &ds);
    size_t ones = 0, first_half_ones = 0;
    for (size_t i = 0; i < ds.n_samples; i++) {
        double r = hypot(ds.x[2 * i], ds.x[2 * i + 1]);
        g_assert_true(ds.y[i] == 0.0f || ds.y[i] == 1.0f);
        g_assert_cmpfloat_with_epsilon(r, ds.y[i] == 1.0f ? 0.3 : 1.0, 1e-6);
        ones += ds.y[i] == 1.0f;
        first_half_ones += i < 50 && ds.y[i] == 1.0f;
    }
    /* Half (rounded down) outside, the rest inside... */
    g_assert_cmpuint(ones, ==, 101 - 101 / 2);
    /* ...in random order, not class by class. */
    g_assert_cmpuint(first_half_ones, >, 10);
    g_assert_cmpuint(first_half_ones, <, 40);
    dataset_clear(&ds);

    load_ok("circles", (const char *const[]){"samples=101", NULL}, NULL, 8, &ds);
    load_ok("circles", (const char *const[]){"samples=101", "onehot=true", NULL}, NULL, 8, &hot);
    g_assert_cmpuint(hot.n_out, ==, 2);
    g_assert_cmpmem(hot.x, 202 * sizeof(float), ds.x, 202 * sizeof(float));
    for (size_t i = 0; i < ds.n_samples; i++) {
        g_assert_cmpfloat(hot.y[2 * i + 1], ==, ds.y[i]);
        g_assert_cmpfloat(hot.y[2 * i], ==, 1.0 - ds.y[i]);
    }
    dataset_clear(&ds);
    dataset_clear(&hot);
}

static void test_blobs_counts(void)
{
    const struct {
        int samples, classes;
        double imbalance;
    } cases[] = {{100, 3, 1.0}, {100, 3, 4.0}, {10, 3, 100.0}, {7, 3, 1.5},
                 {1000, 5, 2.5}, {3, 3, 1.0}, {50, 1, 3.0}};
    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        g_autofree char *s = g_strdup_printf("samples=%d", cases[c].samples);
        g_autofree char *k = g_strdup_printf("classes=%d", cases[c].classes);
        char num[G_ASCII_DTOSTR_BUF_SIZE];
        g_autofree char *imb = g_strdup_printf(
            "imbalance=%s", g_ascii_dtostr(num, sizeof num, cases[c].imbalance));
        fl_dataset ds;
        load_ok("blobs", (const char *const[]){s, k, imb, NULL}, NULL, 9, &ds);
        size_t n = (size_t)cases[c].samples, nc = (size_t)cases[c].classes;
        g_assert_cmpuint(ds.n_out, ==, nc);
        size_t *count = g_new0(size_t, nc);
        for (size_t i = 0; i < n; i++) {
            size_t hot = nc;
            for (size_t j = 0; j < nc; j++) {
                float v = ds.y[i * nc + j];
                g_assert_true(v == 0.0f || v == 1.0f);
                if (v == 1.0f) {
                    g_assert_cmpuint(hot, ==, nc); /* only one hot column */
                    hot = j;
                }
            }
            g_assert_cmpuint(hot, <, nc);
            count[hot]++;
        }
        /* The documented split: floor(samples / (imbalance + classes - 1)) for each other
         * class, at least 1, and the rest for class 0. */
        size_t other = (size_t)floor((double)n / (cases[c].imbalance + (double)(nc - 1)));
        other = other < 1 ? 1 : other;
        for (size_t j = 1; j < nc; j++)
            g_assert_cmpuint(count[j], ==, other);
        g_assert_cmpuint(count[0], ==, n - (nc - 1) * other);
        g_assert_cmpuint(count[0], >=, 1);
        /* So class 0 is `imbalance` times as large up to the rounding of `other`: from
         * other <= n / (imbalance + nc - 1) < other + 1. */
        if (nc > 1 && other > 1) {
            double imb = cases[c].imbalance, ratio = (double)count[0] / (double)other;
            g_assert_cmpfloat(ratio, >=, imb - 1e-9);
            g_assert_cmpfloat(ratio, <, imb + (imb + (double)nc - 1.0) / (double)other);
        }
        g_free(count);
        dataset_clear(&ds);
    }

    g_autofree char *msg =
        load_fail("blobs", (const char *const[]){"samples=2", "classes=3", NULL}, NULL);
    assert_contains(msg, "samples = 2");
    assert_contains(msg, "classes = 3");
    /* A table too large to allocate is refused before anything is allocated. */
    g_autofree char *msg_big = load_fail(
        "blobs", (const char *const[]){"samples=10000000", "features=1000", NULL}, NULL);
    assert_contains(msg_big, "`samples`");
    assert_contains(msg_big, "4 GiB");
}

/* With the default spread the clusters are separable: every sample is nearest to the mean
 * of its own class, and the class means are far apart. */
static void test_blobs_separable(void)
{
    const char *feature_counts[] = {"features=1", "features=2", "features=5"};
    for (size_t f = 0; f < G_N_ELEMENTS(feature_counts); f++) {
        fl_dataset ds;
        load_ok("blobs", (const char *const[]){"samples=300", "classes=4", feature_counts[f], NULL},
                NULL, 10, &ds);
        size_t n = ds.n_samples, nf = ds.n_in, nc = ds.n_out;
        double *mean = g_new0(double, nc * nf);
        size_t *count = g_new0(size_t, nc);
        size_t *label = g_new0(size_t, n);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < nc; j++)
                if (ds.y[i * nc + j] == 1.0f)
                    label[i] = j;
            count[label[i]]++;
            for (size_t d = 0; d < nf; d++)
                mean[label[i] * nf + d] += ds.x[i * nf + d];
        }
        for (size_t j = 0; j < nc; j++)
            for (size_t d = 0; d < nf; d++)
                mean[j * nf + d] /= (double)count[j];
        for (size_t a = 0; a < nc; a++)
            for (size_t b = a + 1; b < nc; b++) {
                double s = 0.0;
                for (size_t d = 0; d < nf; d++)
                    s += pow(mean[a * nf + d] - mean[b * nf + d], 2);
                g_assert_cmpfloat(sqrt(s), >, 7.0);
            }
        for (size_t i = 0; i < n; i++) {
            size_t best = nc;
            double best_d = INFINITY;
            for (size_t j = 0; j < nc; j++) {
                double s = 0.0;
                for (size_t d = 0; d < nf; d++)
                    s += pow(ds.x[i * nf + d] - mean[j * nf + d], 2);
                if (s < best_d) {
                    best_d = s;
                    best = j;
                }
            }
            g_assert_cmpuint(best, ==, label[i]);
        }
        /* Within a cluster, the deviation is `spread`. */
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += pow(ds.x[i * nf] - mean[label[i] * nf], 2);
        double sd = sqrt(s / (double)n);
        g_assert_cmpfloat(sd, >, 0.85);
        g_assert_cmpfloat(sd, <, 1.15);
        g_free(mean);
        g_free(count);
        g_free(label);
        dataset_clear(&ds);
    }
}

static void test_mixed_scales(void)
{
    const struct {
        const char *features, *orders;
        int n_f;
        double n_orders;
    } cases[] = {{"features=4", "orders=6", 4, 6.0}, {"features=3", "orders=2.5", 3, 2.5},
                 {"features=2", "orders=0", 2, 0.0}};
    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        fl_dataset ds;
        load_ok("mixed_scales",
                (const char *const[]){"samples=1000", cases[c].features, cases[c].orders, NULL},
                NULL, 12, &ds);
        size_t f = (size_t)cases[c].n_f, n = ds.n_samples;
        g_assert_cmpuint(ds.n_in, ==, f);
        double sd0 = column_std(ds.x, n, f, 0);
        g_assert_cmpfloat(sd0, >, 0.9);
        g_assert_cmpfloat(sd0, <, 1.1);
        for (size_t j = 1; j < f; j++) {
            double want = (double)j * cases[c].n_orders / (double)(f - 1);
            double got = log10(column_std(ds.x, n, f, j) / sd0);
            g_assert_cmpfloat(fabs(got - want), <, 0.1);
        }
        /* The target is sin of the alternating sum of the unscaled inputs / sqrt(f). */
        for (size_t i = 0; i < n; i++) {
            double sum = 0.0;
            for (size_t j = 0; j < f; j++) {
                double scale = pow(10.0, (double)j * cases[c].n_orders / (double)(f - 1));
                double u = ds.x[i * f + j] / scale;
                sum += j % 2 ? -u : u;
            }
            g_assert_cmpfloat_with_epsilon(ds.y[i], sin(sum / sqrt((double)f)), 1e-5);
        }
        g_assert_cmpfloat(column_std(ds.y, n, 1, 0), >, 0.4);
        dataset_clear(&ds);
    }
}

static void test_constant(void)
{
    fl_dataset ds;
    load_ok("constant", NULL, NULL, 13, &ds);
    g_assert_cmpuint(ds.n_in, ==, 2);
    g_assert_cmpuint(ds.n_out, ==, 1);
    for (size_t i = 0; i < ds.n_samples; i++)
        g_assert_cmpfloat(ds.y[i], ==, 0.0);
    g_assert_cmpfloat(column_std(ds.x, ds.n_samples, 2, 0), >, 0.5);
    dataset_clear(&ds);

    load_ok("constant", (const char *const[]){"value=2.5", "outputs=3", "features=4", NULL},
            NULL, 13, &ds);
    g_assert_cmpuint(ds.n_in, ==, 4);
    g_assert_cmpuint(ds.n_out, ==, 3);
    for (size_t i = 0; i < ds.n_samples * 3; i++)
        g_assert_cmpfloat(ds.y[i], ==, 2.5);
    dataset_clear(&ds);

    g_autofree char *msg =
        load_fail("constant", (const char *const[]){"value=1e300", NULL}, NULL);
    assert_contains(msg, "value");
}

static void test_multi_output(void)
{
    fl_dataset ds;
    load_ok("multi_output", (const char *const[]){"samples=3000", NULL}, NULL, 14, &ds);
    size_t n = ds.n_samples;
    g_assert_cmpuint(ds.n_in, ==, 3);
    g_assert_cmpuint(ds.n_out, ==, 3);
    for (size_t i = 0; i < n; i++) {
        double u0 = ds.x[3 * i], u1 = ds.x[3 * i + 1], u2 = ds.x[3 * i + 2];
        g_assert_cmpfloat_with_epsilon(ds.y[3 * i], u0, 1e-5);
        g_assert_cmpfloat_with_epsilon(ds.y[3 * i + 1], (u1 * u1 - 1) / sqrt(2.0), 1e-4);
        g_assert_cmpfloat_with_epsilon(ds.y[3 * i + 2], (u2 * u2 * u2 - 3 * u2) / sqrt(6.0),
                                       1e-4 * fmax(1.0, fabs(ds.y[3 * i + 2])));
    }
    /* Targets vary, with unit spread, and are not correlated with each other. */
    for (size_t a = 0; a < 3; a++) {
        double sd = column_std(ds.y, n, 3, a);
        g_assert_cmpfloat(sd, >, 0.8);
        g_assert_cmpfloat(sd, <, 1.2);
        for (size_t b = a + 1; b < 3; b++)
            g_assert_cmpfloat(fabs(correlation(ds.y, 3, a, ds.y, 3, b, n)), <, 0.1);
    }
    dataset_clear(&ds);

    /* One feature: three different functions of it, still uncorrelated. */
    load_ok("multi_output", (const char *const[]){"samples=3000", "features=1", NULL}, NULL, 14,
            &ds);
    for (size_t a = 0; a < 3; a++)
        for (size_t b = a + 1; b < 3; b++)
            g_assert_cmpfloat(fabs(correlation(ds.y, 3, a, ds.y, 3, b, ds.n_samples)), <, 0.1);
    dataset_clear(&ds);

    g_autofree char *msg = load_fail(
        "multi_output", (const char *const[]){"features=2", "outputs=7", NULL}, NULL);
    assert_contains(msg, "outputs");
    assert_contains(msg, "features");
}

static void test_teacher(void)
{
    fl_dataset ds, other;
    load_ok("teacher", (const char *const[]){"samples=500", NULL}, NULL, 15, &ds);
    g_assert_cmpuint(ds.n_in, ==, 4);
    g_assert_cmpuint(ds.n_out, ==, 1);
    g_assert_cmpfloat(column_std(ds.y, ds.n_samples, 1, 0), >, 0.1);
    /* The target is a function of the inputs, and not an affine one. */
    double coef[5];
    double resid = affine_fit(&ds, 0, coef);
    g_assert_cmpfloat(resid, >, 0.02);
    load_ok("teacher", (const char *const[]){"samples=500", "outputs=2", NULL}, NULL, 15, &other);
    g_assert_cmpuint(other.n_out, ==, 2);
    g_assert_cmpfloat(fabs(correlation(other.y, 2, 0, other.y, 2, 1, 500)), <, 0.999);
    dataset_clear(&ds);
    dataset_clear(&other);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/datasets/csv/basic", test_csv_basic);
    g_test_add_func("/datasets/csv/targets", test_csv_targets);
    g_test_add_func("/datasets/csv/crlf", test_csv_crlf);
    g_test_add_func("/datasets/csv/quoted", test_csv_quoted);
    g_test_add_func("/datasets/csv/paths", test_csv_paths);
    g_test_add_func("/datasets/csv/bad-files", test_csv_bad_files);
    g_test_add_func("/datasets/csv/bad-generated", test_csv_bad_generated);
    g_test_add_func("/datasets/csv/params", test_csv_params);
    g_test_add_func("/datasets/generators/defaults", test_generators_defaults);
    g_test_add_func("/datasets/generators/determinism", test_generators_determinism);
    g_test_add_func("/datasets/generators/prefix", test_generators_prefix);
    g_test_add_func("/datasets/sine2d", test_sine2d);
    g_test_add_func("/datasets/polynomial", test_polynomial);
    g_test_add_func("/datasets/linear", test_linear);
    g_test_add_func("/datasets/xor", test_xor);
    g_test_add_func("/datasets/circles", test_circles);
    g_test_add_func("/datasets/blobs/counts", test_blobs_counts);
    g_test_add_func("/datasets/blobs/separable", test_blobs_separable);
    g_test_add_func("/datasets/mixed_scales", test_mixed_scales);
    g_test_add_func("/datasets/constant", test_constant);
    g_test_add_func("/datasets/multi_output", test_multi_output);
    g_test_add_func("/datasets/teacher", test_teacher);
    int rc = g_test_run();
    host_free(tu_host());
    registry_free(tu_registry());
    return rc;
}
