/* test-plan.c — planning without resolving every run: a million-run grid planned in a few
 * MB, positions turned into ids, grid values and seeds by arithmetic, each grid value
 * checked once with the value named on error, and saved runs recognised by fingerprint. */
#include "testutil.h"
#include "plan.h"
#include "runner.h"

#include <string.h>
#include <unistd.h>

static char *write_cfg(const char *dir, const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static long resident_kb(void)
{
    g_autofree char *statm = NULL;
    g_assert_true(g_file_get_contents("/proc/self/statm", &statm, NULL, NULL));
    long size = 0, resident = 0;
    g_assert_cmpint(sscanf(statm, "%ld %ld", &size, &resident), ==, 2);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* 1000 learning rates x 1000 repeats: a valid experiment of a million runs. */
static char *million_cfg(void)
{
    g_autoptr(GString) values = g_string_new(NULL);
    for (int i = 0; i < 1000; i++)
        g_string_append_printf(values, "%s%g", i ? ", " : "", 1e-4 * (i + 1));
    return g_strdup_printf(
        "name = \"m\";\nseed = 5;\nrepeats = 1000;\n"
        "dataset = { plugin = \"linear\"; samples = 40; };\n"
        "model = ( { name = \"h1\"; units = 3; activation = \"relu\"; },\n"
        "          { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\noptimizer = \"adam\";\n"
        "grid = ( { key = \"optimizer.lr\"; values = [ %s ]; } );\n",
        values->str);
}

static void test_million_runs(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *text = million_cfg();
    g_autofree char *path = write_cfg(dir, "m.cfg", text);
    tu_registry();
    tu_host();
    long before = resident_kb();
    g_autoptr(GError) err = NULL;
    g_autoptr(plan) p = plan_new(path, NULL, tu_registry(), tu_host(), TRUE, &err);
    g_assert_no_error(err);
    long grown = resident_kb() - before;
    g_assert_cmpint(p->n_runs, ==, 1000000);
    g_assert_cmpint(p->n_cells, ==, 1000);
    /* Runs are not held: the plan stays far below a kilobyte per run.  AddressSanitizer
     * keeps freed memory in quarantine and pads every block, and valgrind's own memory
     * (its preload library in LD_PRELOAD says it runs us) is resident too, so the size
     * says nothing about the plan there: the bound is checked in the ordinary build. */
    const char *preload = g_getenv("LD_PRELOAD");
    gboolean checker = preload && strstr(preload, "vgpreload");
#if defined(__SANITIZE_ADDRESS__)
    checker = TRUE;
#endif
    if (checker)
        g_test_message("resident growth %ld KiB, not bounded under a memory checker", grown);
    else
        g_assert_cmpint(grown, <, 40 * 1024);
    g_autofree char *last = plan_run_id(p, 999999);
    g_assert_cmpstr(last, ==, "r999999");
    g_autofree char *first = plan_run_id(p, 0);
    g_assert_cmpstr(first, ==, "r000000");
    /* Position 123456: grid point 123 (lr = 1.24e-2), repeat 456, seed 5 + 456. */
    g_assert_cmpint(plan_cell_of(p, 123456), ==, 123);
    g_assert_cmpint(plan_run_seed(p, 123456), ==, 5 + 456);
    g_auto(GStrv) labels = plan_cell_labels(p, 123);
    g_assert_cmpstr(labels[0], ==, "0.0124");
    g_autoptr(run_plan) r = plan_run_at(p, 123456, &err);
    g_assert_no_error(err);
    g_assert_cmpint(r->seed, ==, 461);
    g_assert_cmpint(r->exp->top.seed, ==, 461);
    g_assert_nonnull(strstr(r->cfg_text, "lr = 0.0124"));
    g_assert_nonnull(strstr(r->cfg_text, "name = \"m-r123456\""));
    tu_rmtree(dir);
}

static void test_saved_runs_recognised(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *text = million_cfg();
    g_autofree char *path = write_cfg(dir, "m.cfg", text);
    g_autoptr(GError) err = NULL;
    g_autoptr(plan) p = plan_new(path, NULL, tu_registry(), tu_host(), FALSE, &err);
    g_assert_no_error(err);
    g_assert_true(plan_owns_saved_run(p, 7, p->fingerprint));
    g_assert_false(plan_owns_saved_run(p, 7, "0123456789abcdef"));
    g_assert_false(plan_owns_saved_run(p, 7, NULL));
    /* The experiment as the results directory holds it plans to the same fingerprint. */
    g_autofree char *saved = write_cfg(dir, "experiment.cfg", p->experiment_cfg);
    g_autoptr(plan) again = plan_new(saved, NULL, tu_registry(), tu_host(), FALSE, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(again->fingerprint, ==, p->fingerprint);
    /* Another learning rate is another experiment. */
    g_autofree char *other_text = g_strdup(text);
    char *at = strstr(other_text, "0.0001,");
    g_assert_nonnull(at);
    at[5] = '2';
    g_autofree char *other_path = write_cfg(dir, "other.cfg", other_text);
    g_autoptr(plan) other = plan_new(other_path, NULL, tu_registry(), tu_host(), FALSE, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(other->fingerprint, !=, p->fingerprint);
    tu_rmtree(dir);
}

/* A bad grid value is named with its line even when it is not the first value. */
static void test_bad_value_named(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(
        dir, "bad.cfg",
        "name = \"b\";\n"
        "dataset = { plugin = \"linear\"; samples = 40; };\n"
        "model = ( { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\noptimizer = \"adam\";\n"
        "grid = ( { key = \"optimizer.lr\"; values = [ 0.1, 0.01 ]; },\n"
        "         { key = \"model.out.init\"; values = ( \"zeros\", \"he_unifrom\" ); } );\n");
    g_autoptr(GError) err = NULL;
    g_autoptr(plan) p = plan_new(path, NULL, tu_registry(), tu_host(), TRUE, &err);
    g_assert_null(p);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "bad.cfg:7"));
    g_assert_nonnull(strstr(err->message, "he_unifrom"));
    tu_rmtree(dir);
}

/* A data file that only one grid point uses is loaded before the sweep, and its error
 * names that grid point. */
static void test_bad_data_named(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *good = write_cfg(dir, "good.csv", "x,y\n1,2\n2,4\n3,6\n4,8\n5,10\n");
    g_autofree char *path = write_cfg(
        dir, "data.cfg",
        "name = \"d\";\n"
        "dataset = { plugin = \"csv\"; path = \"good.csv\"; target = \"y\"; };\n"
        "model = ( { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\noptimizer = \"adam\";\n"
        "grid = ( { key = \"optimizer.lr\"; values = [ 0.1, 0.01 ]; },\n"
        "         { key = \"dataset.path\"; values = [ \"good.csv\", \"missing.csv\" ]; } );\n");
    g_autoptr(GError) err = NULL;
    g_autoptr(plan) p = plan_new(path, NULL, tu_registry(), tu_host(), TRUE, &err);
    g_assert_null(p);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "grid point"));
    g_assert_nonnull(strstr(err->message, "missing.csv"));
    tu_rmtree(dir);
}

/* Packs split a grid point's repeats into the fewest packs of at most train.pack runs,
 * as equal as they can be: every repeat in exactly one pack of consecutive repeats of its
 * own grid point, sizes one apart at most, whichever run of the pack is asked about. */
static void test_packs_even(void)
{
    static const struct {
        int repeats, pack, n_packs, largest;
    } cases[] = {{100, 32, 4, 25}, {100, 64, 2, 50}, {65, 64, 2, 33}, {17, 16, 2, 9},
                 {5, 32, 1, 5},    {1, 32, 1, 1},    {7, 1, 7, 1},    {96, 32, 3, 32}};
    g_autofree char *dir = tu_tmpdir();
    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        g_autofree char *text = g_strdup_printf(
            "name = \"p\";\nrepeats = %d;\n"
            "dataset = { plugin = \"linear\"; samples = 40; };\n"
            "model = ( { name = \"out\"; units = 1; } );\n"
            "loss = \"mse\";\noptimizer = \"adam\";\ntrain = { pack = %d; };\n"
            "grid = ( { key = \"optimizer.lr\"; values = [ 0.1, 0.01, 0.001 ]; } );\n",
            cases[c].repeats, cases[c].pack);
        g_autofree char *path = write_cfg(dir, "p.cfg", text);
        g_autoptr(GError) err = NULL;
        g_autoptr(plan) p = plan_new(path, NULL, tu_registry(), tu_host(), TRUE, &err);
        g_assert_no_error(err);
        int R = cases[c].repeats;
        for (int cell = 0; cell < 3; cell++) {
            int n_packs = 0, smallest = R, largest = 0;
            for (int i = cell * R; i < (cell + 1) * R;) {
                int first = -1, count = 0;
                runner_pack_of(p, i, &first, &count);
                g_assert_cmpint(first, ==, i);
                g_assert_cmpint(count, >=, 1);
                g_assert_cmpint(count, <=, cases[c].pack);
                g_assert_cmpint(first + count, <=, (cell + 1) * R);
                /* Every run of the pack names the same pack. */
                for (int j = first; j < first + count; j++) {
                    int f2 = -1, c2 = 0;
                    runner_pack_of(p, j, &f2, &c2);
                    g_assert_cmpint(f2, ==, first);
                    g_assert_cmpint(c2, ==, count);
                }
                n_packs++;
                smallest = MIN(smallest, count);
                largest = MAX(largest, count);
                i += count;
            }
            g_assert_cmpint(n_packs, ==, cases[c].n_packs);
            g_assert_cmpint(largest, ==, cases[c].largest);
            g_assert_cmpint(largest - smallest, <=, 1);
        }
    }
    tu_rmtree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plan/million-runs", test_million_runs);
    g_test_add_func("/plan/saved-runs-recognised", test_saved_runs_recognised);
    g_test_add_func("/plan/bad-value-named", test_bad_value_named);
    g_test_add_func("/plan/bad-data-named", test_bad_data_named);
    g_test_add_func("/plan/packs-even", test_packs_even);
    return g_test_run();
}
