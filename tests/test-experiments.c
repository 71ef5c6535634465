/* test-experiments.c — every experiment in experiments/ reproduces what its header says.
 *
 * Each experiments/<name>.cfg (but seed-failures.cfg, the main sweep) carries two
 * machine-readable header lines:
 *     # expect-verdict: collapsed | warning | healthy
 *     # expect-cause: name [name ...]      (not for healthy files)
 * The files are found when the test starts, one test case each, so a new experiment is
 * tested without touching this file.  A case runs the experiment over 5 seeds with the
 * real binary ($FLATLINE run FILE --set repeats=5) and reads summary.csv:
 *  - a failure experiment must show the expected verdict together with one of the
 *    expected primary causes (the first entry of `causes`) in a majority of the seeds;
 *  - a fixed twin or a healthy experiment must be healthy in every seed, without warnings.
 * Every finding whose evidence states a number carries that number by name in its
 * verdict.json "measures", as numbers (or null).
 * A further case checks the pairing: every failure has its <name>-fixed.cfg twin that
 * expects healthy, or is listed below as intentionally single, and every -fixed file
 * has its failure. */
#include "testutil.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define EXPERIMENTS_SEEDS 5
/* Fewer experiments than this means the directory was not found or was emptied: the
 * other cases would then pass on nothing. */
#define EXPERIMENTS_MIN_FILES 20

/* Failure experiments that have no -fixed twin on purpose, with the reason (none at
 * present; the NULL row ends the table).  Healthy experiments such as zero-last-layer.cfg
 * need no twin and are not listed. */
static const char *const experiments_single[][2] = {
    {NULL, NULL},
};

typedef struct experiment_file {
    char *name; /* file name without .cfg */
    char *path;
    char *verdict;  /* expect-verdict */
    GStrv causes;   /* expect-cause, NULL-terminated (empty for healthy) */
} experiment_file;

static GPtrArray *experiments_all; /* experiment_file */

static void experiment_file_free(gpointer p)
{
    experiment_file *e = p;
    g_free(e->name);
    g_free(e->path);
    g_free(e->verdict);
    g_strfreev(e->causes);
    g_free(e);
}

/* The value of a "# key: value" header line, or NULL. */
static char *experiments_header_value(const char *text, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *prefix = g_strdup_printf("# %s:", key);
    for (int i = 0; lines[i]; i++)
        if (g_str_has_prefix(lines[i], prefix))
            return g_strstrip(g_strdup(lines[i] + strlen(prefix)));
    return NULL;
}

static gboolean experiments_is_fixed(const char *name)
{
    return g_str_has_suffix(name, "-fixed");
}

/* Read the experiment list from FL_TEST_SRCDIR/experiments, sorted by name. */
static GPtrArray *experiments_scan(void)
{
    GPtrArray *all = g_ptr_array_new_with_free_func(experiment_file_free);
    g_autofree char *dir = tu_srcpath("experiments");
    g_autoptr(GError) err = NULL;
    GDir *d = g_dir_open(dir, 0, &err);
    if (!d) {
        g_printerr("test-experiments: cannot list %s: %s\n", dir, err->message);
        return all;
    }
    const char *f;
    while ((f = g_dir_read_name(d))) {
        if (!g_str_has_suffix(f, ".cfg") || strcmp(f, "seed-failures.cfg") == 0)
            continue;
        experiment_file *e = g_new0(experiment_file, 1);
        e->name = g_strndup(f, strlen(f) - strlen(".cfg"));
        e->path = g_build_filename(dir, f, NULL);
        g_autofree char *text = NULL;
        if (g_file_get_contents(e->path, &text, NULL, NULL)) {
            e->verdict = experiments_header_value(text, "expect-verdict");
            g_autofree char *causes = experiments_header_value(text, "expect-cause");
            e->causes = g_strsplit_set(causes ? causes : "", " \t", -1);
            /* Drop the empty strings left by repeated blanks. */
            int k = 0;
            for (int i = 0; e->causes[i]; i++) {
                if (*e->causes[i])
                    e->causes[k++] = e->causes[i];
                else
                    g_free(e->causes[i]);
            }
            e->causes[k] = NULL;
        }
        if (!e->causes)
            e->causes = g_new0(char *, 1);
        g_ptr_array_add(all, e);
    }
    g_dir_close(d);
    return all;
}

static gint experiments_by_name(gconstpointer a, gconstpointer b)
{
    const experiment_file *ea = *(const experiment_file *const *)a;
    const experiment_file *eb = *(const experiment_file *const *)b;
    return strcmp(ea->name, eb->name);
}

static const experiment_file *experiments_find(const char *name)
{
    for (guint i = 0; i < experiments_all->len; i++) {
        const experiment_file *e = experiments_all->pdata[i];
        if (strcmp(e->name, name) == 0)
            return e;
    }
    return NULL;
}

static gboolean experiments_listed_single(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(experiments_single); i++)
        if (experiments_single[i][0] && strcmp(experiments_single[i][0], name) == 0)
            return TRUE;
    return FALSE;
}

/* One row of summary.csv, the columns this test reads. */
typedef struct experiments_row {
    char *run, *seed, *status, *verdict, *causes;
} experiments_row;

static void experiments_row_clear(gpointer p)
{
    experiments_row *r = p;
    g_free(r->run);
    g_free(r->seed);
    g_free(r->status);
    g_free(r->verdict);
    g_free(r->causes);
}

/* Parse summary.csv by its header names; NULL (and the test failed) when it is missing
 * or malformed. */
static GArray *experiments_read_summary(const char *path)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_test_fail_printf("cannot read %s: %s", path, err->message);
        return NULL;
    }
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_auto(GStrv) head = g_strsplit(lines[0] ? lines[0] : "", ",", -1);
    int c_run = -1, c_seed = -1, c_status = -1, c_verdict = -1, c_causes = -1;
    int n_cols = (int)g_strv_length(head);
    for (int i = 0; i < n_cols; i++) {
        if (!strcmp(head[i], "run"))
            c_run = i;
        else if (!strcmp(head[i], "seed"))
            c_seed = i;
        else if (!strcmp(head[i], "status"))
            c_status = i;
        else if (!strcmp(head[i], "verdict"))
            c_verdict = i;
        else if (!strcmp(head[i], "causes"))
            c_causes = i;
    }
    /* The column order of the contract: run, grid axes, seed, status, verdict, causes. */
    if (c_run != 0 || c_seed < 1 || c_status != c_seed + 1 || c_verdict != c_status + 1 ||
        c_causes != c_verdict + 1) {
        g_test_fail_printf("%s: unexpected header \"%s\"", path, lines[0]);
        return NULL;
    }
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(experiments_row));
    g_array_set_clear_func(rows, experiments_row_clear);
    for (int l = 1; lines[l]; l++) {
        if (!*lines[l])
            continue;
        g_auto(GStrv) cells = g_strsplit(lines[l], ",", -1);
        if ((int)g_strv_length(cells) != n_cols) {
            g_test_fail_printf("%s: row %d has %u cells for %d columns", path, l,
                               g_strv_length(cells), n_cols);
            g_array_unref(rows);
            return NULL;
        }
        experiments_row r = {g_strdup(cells[c_run]), g_strdup(cells[c_seed]),
                             g_strdup(cells[c_status]), g_strdup(cells[c_verdict]),
                             g_strdup(cells[c_causes])};
        g_array_append_val(rows, r);
    }
    return rows;
}

/* The primary cause of a row: the first entry of `causes` (caller frees). */
static char *experiments_primary(const experiments_row *r)
{
    const char *semi = strchr(r->causes, ';');
    return semi ? g_strndup(r->causes, (gsize)(semi - r->causes)) : g_strdup(r->causes);
}

/* Every finding of the run's verdict.json whose evidence states a number (a digit that is
 * not part of a name such as "h1") has measures, each a number or null.  Returns the
 * number of findings checked, or -1 after failing the test. */
static int experiments_check_measures(const char *res, const char *run)
{
    g_autofree char *path = g_build_filename(res, "runs", run, "verdict.json", NULL);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    if (!json_parser_load_from_file(parser, path, &err)) {
        g_test_fail_printf("%s: not JSON: %s", path, err->message);
        return -1;
    }
    g_autoptr(GRegex) number = g_regex_new("(?<![A-Za-z0-9_.])[0-9]", 0, 0, NULL);
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    JsonArray *findings = json_object_get_array_member(root, "findings");
    int checked = 0;
    for (guint i = 0; i < json_array_get_length(findings); i++) {
        JsonObject *f = json_array_get_object_element(findings, i);
        const char *detector = json_object_get_string_member(f, "detector");
        const char *evidence = json_object_get_string_member(f, "evidence");
        if (!g_regex_match(number, evidence, 0, NULL))
            continue;
        JsonObject *m = json_object_has_member(f, "measures")
                            ? json_object_get_object_member(f, "measures")
                            : NULL;
        if (!m || json_object_get_size(m) == 0) {
            g_test_fail_printf("%s: %s states numbers but has no measures: %s", path, detector,
                               evidence);
            return -1;
        }
        g_autoptr(GList) names = json_object_get_members(m);
        for (GList *n = names; n; n = n->next) {
            JsonNode *v = json_object_get_member(m, n->data);
            if (!JSON_NODE_HOLDS_NULL(v) && json_node_get_value_type(v) != G_TYPE_DOUBLE &&
                json_node_get_value_type(v) != G_TYPE_INT64) {
                g_test_fail_printf("%s: %s measure %s is not a number", path, detector,
                                   (const char *)n->data);
                return -1;
            }
        }
        checked++;
    }
    return checked;
}

static void test_experiment(gconstpointer data)
{
    const experiment_file *e = data;
    if (!e->verdict) {
        g_test_fail_printf("%s: no \"# expect-verdict:\" header line", e->path);
        return;
    }
    gboolean healthy = strcmp(e->verdict, "healthy") == 0;
    g_assert_true(healthy || !strcmp(e->verdict, "warning") || !strcmp(e->verdict, "collapsed"));
    if (healthy)
        g_assert_cmpuint(g_strv_length(e->causes), ==, 0);
    else
        g_assert_cmpuint(g_strv_length(e->causes), >, 0);

    g_autofree char *dir = tu_tmpdir();
    g_autofree char *res = g_build_filename(dir, "res", NULL);
    const char *argv[] = {tu_flatline(), "run", e->path, "-o", res, "--set", "repeats=5",
                          "--quiet", NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = tu_run(argv, NULL, &out, &err);
    if (status != 0) {
        g_test_fail_printf("%s: flatline exited with %d: %s", e->name, status, err);
        tu_rmtree(dir);
        return;
    }

    g_autofree char *summary = g_build_filename(res, "summary.csv", NULL);
    g_autoptr(GArray) rows = experiments_read_summary(summary);
    if (!rows) {
        tu_rmtree(dir);
        return;
    }
    /* One grid point, five seeds: a file with a grid would need to say which of its
     * points is the fix; this suite wants the fix in a -fixed file instead. */
    g_assert_cmpuint(rows->len, ==, EXPERIMENTS_SEEDS);
    g_autoptr(GHashTable) seeds = g_hash_table_new(g_str_hash, g_str_equal);
    guint matches = 0, healthy_runs = 0;
    for (guint i = 0; i < rows->len; i++) {
        const experiments_row *r = &g_array_index(rows, experiments_row, i);
        g_assert_cmpstr(r->status, ==, "ok");
        g_hash_table_add(seeds, r->seed);
        g_autofree char *primary = experiments_primary(r);
        /* The summary must be self-consistent: causes exactly when not healthy. */
        g_assert_cmpint(!strcmp(r->verdict, "healthy"), ==, *r->causes == '\0');
        g_test_message("%s %s seed %s: %s [%s]", e->name, r->run, r->seed, r->verdict,
                       r->causes);
        if (!strcmp(r->verdict, "healthy"))
            healthy_runs++;
        if (experiments_check_measures(res, r->run) < 0) {
            tu_rmtree(dir);
            return;
        }
        if (!healthy && !strcmp(r->verdict, e->verdict) &&
            g_strv_contains((const char *const *)e->causes, primary))
            matches++;
    }
    g_assert_cmpuint(g_hash_table_size(seeds), ==, EXPERIMENTS_SEEDS);
    if (healthy) {
        g_assert_cmpuint(healthy_runs, ==, EXPERIMENTS_SEEDS);
    } else {
        /* A majority of the seeds, the expected verdict and cause together. */
        g_autofree char *wanted = g_strjoinv(" ", e->causes);
        if (matches * 2 <= EXPERIMENTS_SEEDS)
            g_test_message("%s: expected %s with primary cause in {%s} in most seeds, got it "
                           "in %u of %d",
                           e->name, e->verdict, wanted, matches, EXPERIMENTS_SEEDS);
        g_assert_cmpuint(matches * 2, >, EXPERIMENTS_SEEDS);
    }
    tu_rmtree(dir);
}

/* Every failure has a healthy twin (or is listed as single); every twin has its failure;
 * the headers name the fix and the expectation in words as well. */
static void test_twins(void)
{
    g_assert_cmpuint(experiments_all->len, >=, EXPERIMENTS_MIN_FILES);
    /* An expected cause must be a detector that exists: a misspelt name could never match. */
    g_autoptr(GPtrArray) detectors = tu_plugins_of(FL_KIND_DETECTOR);
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < detectors->len; i++)
        g_hash_table_add(names, (gpointer)((const fl_plugin *)detectors->pdata[i])->name);
    guint failures = 0, fixed = 0;
    for (guint i = 0; i < experiments_all->len; i++) {
        const experiment_file *e = experiments_all->pdata[i];
        g_autofree char *wanted = g_strjoinv(" ", e->causes);
        g_test_message("%s: expect %s {%s}", e->name, e->verdict ? e->verdict : "?", wanted);
        for (int k = 0; e->causes[k]; k++)
            if (!g_hash_table_contains(names, e->causes[k]))
                g_test_fail_printf("%s: expect-cause %s is not a detector", e->name,
                                   e->causes[k]);
        g_autofree char *text = NULL;
        if (!e->verdict || !g_file_get_contents(e->path, &text, NULL, NULL)) {
            g_test_fail_printf("%s: unreadable or without \"# expect-verdict:\"", e->path);
            continue;
        }
        g_assert_nonnull(strstr(text, "# Expected:"));
        if (experiments_is_fixed(e->name)) {
            fixed++;
            g_assert_cmpstr(e->verdict, ==, "healthy");
            g_autofree char *base = g_strndup(e->name, strlen(e->name) - strlen("-fixed"));
            const experiment_file *failure = experiments_find(base);
            if (!failure)
                g_test_fail_printf("%s has no %s.cfg", e->name, base);
            else
                g_assert_cmpstr(failure->verdict, !=, "healthy");
            continue;
        }
        if (!strcmp(e->verdict, "healthy"))
            continue;
        failures++;
        g_assert_nonnull(strstr(text, "# Fixed by:"));
        g_autofree char *twin = g_strdup_printf("%s-fixed", e->name);
        if (experiments_listed_single(e->name))
            continue;
        if (!experiments_find(twin))
            g_test_fail_printf("%s has no twin %s.cfg and is not listed as single", e->name,
                               twin);
        g_autofree char *mention = g_strdup_printf("%s.cfg", twin);
        g_assert_nonnull(strstr(text, mention)); /* the header names its twin */
    }
    g_assert_cmpuint(failures, >, 0);
    g_assert_cmpuint(fixed, >, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* One experiment that fails must not hide the others: keep going after a failed
     * assertion, and mark the case failed. */
    g_test_set_nonfatal_assertions();
    experiments_all = experiments_scan();
    g_ptr_array_sort(experiments_all, experiments_by_name);
    g_test_add_func("/experiments/twins", test_twins);
    for (guint i = 0; i < experiments_all->len; i++) {
        const experiment_file *e = experiments_all->pdata[i];
        g_autofree char *path = g_strdup_printf("/experiments/run/%s", e->name);
        g_test_add_data_func(path, e, test_experiment);
    }
    int status = g_test_run();
    g_ptr_array_free(experiments_all, TRUE);
    return status;
}
