/* test-train.c — training end to end: networks learn, runs are reproducible to the bit,
 * seeds matter, heads branch, and the results directory resumes and refuses mixing. */
#include "testutil.h"
#include "config.h"
#include "sweep.h"
#include "train.h"

#include <math.h>
#include <glib/gstdio.h>
#include <string.h>

static char *write_cfg(const char *dir, const char *text)
{
    char *path = g_build_filename(dir, "e.cfg", NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

/* Train run 0 of an experiment text; returns its output (caller clears). */
static run_output train_text(const char *text, gint64 seed_offset)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, text);
    g_autoptr(GError) err = NULL;
    g_autoptr(sweep) s = sweep_plan(path, NULL, tu_registry(), tu_host(), TRUE, &err);
    g_assert_no_error(err);
    const run_plan *p = s->runs->pdata[0];
    run_output out;
    g_assert_true(train_run(p->exp, (uint64_t)(p->seed + seed_offset), tu_host(), &out, &err));
    g_assert_no_error(err);
    g_assert_cmpint(out.status, ==, RUN_OK);
    tu_rmtree(dir);
    return out;
}

/* Column `name` of metrics.csv as numbers. */
static GArray *metrics_column(const char *csv, const char *name)
{
    g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
    g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
    int col = -1;
    for (int i = 0; head[i]; i++)
        if (strcmp(head[i], name) == 0)
            col = i;
    g_assert_cmpint(col, >=, 0);
    GArray *v = g_array_new(FALSE, FALSE, sizeof(double));
    for (int l = 1; lines[l] && *lines[l]; l++) {
        g_auto(GStrv) cells = g_strsplit(lines[l], ",", -1);
        double x = g_ascii_strtod(cells[col], NULL);
        g_array_append_val(v, x);
    }
    return v;
}

static const char regression_cfg[] =
    "seed = 3;\n"
    "dataset = { plugin = \"sine2d\"; samples = 200; validation = 0.25; };\n"
    "model = ( { name = \"h1\"; units = 16; activation = \"tanh\"; },\n"
    "          { name = \"h2\"; units = 16; activation = \"relu\"; init = \"he_uniform\"; },\n"
    "          { name = \"out\"; units = 1; } );\n"
    "loss = \"mse\";\noptimizer = { plugin = \"adam\"; lr = 0.01; };\n"
    "train = { epochs = 80; batch = 16; };\n";

static const char classification_cfg[] =
    "seed = 5;\n"
    "dataset = { plugin = \"blobs\"; samples = 150; classes = 3; spread = 1.0; "
    "normalize = \"standard\"; validation = 0.2; };\n"
    "model = ( { name = \"h\"; units = 8; activation = \"relu\"; },\n"
    "          { name = \"p\"; units = 3; activation = \"softmax\"; } );\n"
    "loss = \"cce\";\noptimizer = { plugin = \"sgd\"; lr = 0.1; momentum = 0.9; };\n"
    "train = { epochs = 40; batch = 20; };\n";

static void assert_learns(const char *cfg, double factor)
{
    run_output out = train_text(cfg, 0);
    g_autoptr(GArray) loss = metrics_column(out.metrics->str, "loss");
    g_autoptr(GArray) val = metrics_column(out.metrics->str, "val_loss");
    double first = g_array_index(loss, double, 0), last = g_array_index(loss, double, loss->len - 1);
    double vfirst = g_array_index(val, double, 0), vlast = g_array_index(val, double, val->len - 1);
    g_test_message("loss %g -> %g, val_loss %g -> %g", first, last, vfirst, vlast);
    g_assert_true(isfinite(first) && isfinite(last));
    g_assert_cmpfloat(last, <, factor * first);
    g_assert_cmpfloat(vlast, <, factor * vfirst);
    g_assert_cmpfloat_with_epsilon(out.final_loss, last, 1e-8 * last); /* %.9g in the CSV */
    run_output_clear(&out);
}

static void test_regression_learns(void) { assert_learns(regression_cfg, 0.3); }
static void test_classification_learns(void) { assert_learns(classification_cfg, 0.2); }

static void test_bit_identical_and_seeds(void)
{
    run_output a = train_text(regression_cfg, 0);
    run_output b = train_text(regression_cfg, 0);
    run_output c = train_text(regression_cfg, 1);
    g_assert_cmpuint(a.metrics->len, >, 1000);
    g_assert_cmpstr(a.metrics->str, ==, b.metrics->str);
    g_assert_cmpstr(a.metrics->str, !=, c.metrics->str);
    run_output_clear(&a);
    run_output_clear(&b);
    run_output_clear(&c);
}

/* A trunk and two heads that read it: both heads learn their own target. */
static void test_branching_heads(void)
{
    static const char cfg[] =
        "seed = 1;\n"
        "dataset = { plugin = \"multi_output\"; samples = 200; features = 3; outputs = 2; };\n"
        "model = ( { name = \"trunk\"; units = 16; activation = \"tanh\"; },\n"
        "          { name = \"a\"; from = \"trunk\"; units = 1; output = true; },\n"
        "          { name = \"b\"; from = \"trunk\"; units = 1; output = true; } );\n"
        "loss = \"mse\";\noptimizer = { plugin = \"adam\"; lr = 0.01; };\n"
        "train = { epochs = 60; batch = 20; };\n";
    run_output out = train_text(cfg, 0);
    g_autoptr(GArray) loss = metrics_column(out.metrics->str, "loss");
    g_assert_cmpfloat(g_array_index(loss, double, loss->len - 1), <,
                      0.6 * g_array_index(loss, double, 0));
    /* Two outputs, both varying across inputs, and not equal to each other. */
    g_autoptr(GArray) s0 = metrics_column(out.metrics->str, "y0_std");
    g_autoptr(GArray) s1 = metrics_column(out.metrics->str, "y1_std");
    g_autoptr(GArray) m0 = metrics_column(out.metrics->str, "y0_mean");
    g_autoptr(GArray) m1 = metrics_column(out.metrics->str, "y1_mean");
    guint last = s0->len - 1;
    g_assert_cmpfloat(g_array_index(s0, double, last), >, 0.1);
    g_assert_cmpfloat(g_array_index(s1, double, last), >, 0.1);
    g_assert_cmpfloat(fabs(g_array_index(s0, double, last) - g_array_index(s1, double, last)) +
                          fabs(g_array_index(m0, double, last) - g_array_index(m1, double, last)),
                      >, 1e-3);
    run_output_clear(&out);
}

/* No optimizer step: the weights, and so the predictions, never move. */
static void test_none_optimizer_freezes(void)
{
    g_autofree char *cfg = g_strdup(regression_cfg);
    char *p = strstr(cfg, "{ plugin = \"adam\"; lr = 0.01; }");
    const char *none = "\"none\"";
    size_t span = strlen("{ plugin = \"adam\"; lr = 0.01; }");
    memset(p, ' ', span);
    memcpy(p, none, strlen(none));
    /* Let it run its course: the pre-flight would stop it at epoch 0. */
    g_autofree char *full = g_strdup_printf("%s\ntrain = { epochs = 30; stop_on = \"never\"; };\n",
                                            cfg);
    char *old = strstr(full, "train = { epochs = 80; batch = 16; };");
    memcpy(old, "                                     ", strlen("train = { epochs = 80; batch = 16; };"));
    run_output out = train_text(full, 0);
    g_autoptr(GArray) ratio = metrics_column(out.metrics->str, "h1_update_ratio");
    g_autoptr(GArray) loss = metrics_column(out.metrics->str, "loss");
    g_assert_cmpuint(loss->len, ==, 31); /* epochs 0..30 */
    for (guint i = 0; i < ratio->len; i++)
        g_assert_cmpfloat(g_array_index(ratio, double, i), ==, 0.0);
    /* Epochs 1 and 30 see the same batches in another order: the same loss up to rounding. */
    g_assert_cmpfloat_with_epsilon(g_array_index(loss, double, 1),
                                   g_array_index(loss, double, loss->len - 1),
                                   1e-6 * g_array_index(loss, double, 1));
    run_output_clear(&out);
}

static void test_dead_and_saturated_probes(void)
{
    /* Zero weights and bias -20 in a ReLU layer: every unit dead. */
    static const char dead_cfg[] =
        "dataset = { plugin = \"linear\"; samples = 64; };\n"
        "model = ( { name = \"h\"; units = 5; activation = \"relu\"; init = \"zeros\"; "
        "bias_init = { plugin = \"constant\"; value = -20.0; }; },\n"
        "          { name = \"s\"; from = \"h\"; units = 4; activation = \"sigmoid\"; "
        "init = { plugin = \"constant\"; value = 0.0; }; bias_init = { plugin = \"constant\"; value = 8.0; }; },\n"
        "          { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\noptimizer = \"none\";\ntrain = { epochs = 2; stop_on = \"never\"; };\n";
    run_output out = train_text(dead_cfg, 0);
    g_autoptr(GArray) dead = metrics_column(out.metrics->str, "h_dead");
    g_autoptr(GArray) sat = metrics_column(out.metrics->str, "s_saturated");
    g_autoptr(GArray) hsat = metrics_column(out.metrics->str, "h_saturated");
    g_assert_cmpfloat(g_array_index(dead, double, 0), ==, 1.0);
    g_assert_cmpfloat(g_array_index(sat, double, 0), ==, 1.0);
    g_assert_cmpfloat(g_array_index(hsat, double, 0), ==, 0.0);
    run_output_clear(&out);
    /* The healthy regression net has live units. */
    run_output ok = train_text(regression_cfg, 0);
    g_autoptr(GArray) d2 = metrics_column(ok.metrics->str, "h2_dead");
    g_assert_cmpfloat(g_array_index(d2, double, d2->len - 1), <, 0.5);
    run_output_clear(&ok);
}

/* ---- the command line and the results directory ---- */

static int run_cli(const char *const *argv, char **out, char **err)
{
    return tu_run(argv, NULL, out, err);
}

static void test_cli_results_resume_force(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *cfg = g_strdup_printf(
        "%s\nrepeats = 2;\ngrid = ( { key = \"optimizer.lr\"; values = [ 0.01, 0.001 ]; } );\n",
        regression_cfg);
    char *e = strstr(cfg, "epochs = 80");
    memcpy(e, "epochs = 5 ", 11);
    g_autofree char *path = write_cfg(dir, cfg);
    g_autofree char *res = g_build_filename(dir, "res", NULL);
    const char *argv[] = {tu_flatline(), "run", path, "-o", res, NULL};
    g_autofree char *o1 = NULL, *e1 = NULL;
    g_assert_cmpint(run_cli(argv, &o1, &e1), ==, 0);
    g_assert_nonnull(strstr(o1, "4 runs: 4 ok"));
    g_autofree char *summary_path = g_build_filename(res, "summary.csv", NULL);
    g_autofree char *summary = NULL;
    g_assert_true(g_file_get_contents(summary_path, &summary, NULL, NULL));
    g_auto(GStrv) rows = g_strsplit(summary, "\n", -1);
    g_assert_cmpstr(rows[0], ==,
                    "run,optimizer.lr,seed,status,verdict,causes,final_loss,epochs_run,wall_ms,"
                    "stopped_epoch,epochs_saved");
    g_assert_cmpuint(g_strv_length(rows), ==, 6); /* header, 4 runs, trailing empty */
    g_assert_true(g_str_has_prefix(rows[1], "r0000,0.01,3,ok,healthy,,"));
    g_assert_true(g_str_has_prefix(rows[4], "r0003,0.001,4,ok,healthy,,"));
    for (int r = 0; r < 4; r++)
        for (const char *const *f = (const char *const[]){"metrics.csv", "verdict.json", "run.cfg",
                                                          "run.result", NULL};
             *f; f++) {
            g_autofree char *id = g_strdup_printf("r%04d", r);
            g_autofree char *file = g_build_filename(res, "runs", id, *f, NULL);
            g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));
        }
    g_autofree char *metrics_path = g_build_filename(res, "runs", "r0002", "metrics.csv", NULL);
    g_autofree char *m1 = NULL;
    g_assert_true(g_file_get_contents(metrics_path, &m1, NULL, NULL));

    /* Rerun: everything already finished, nothing rerun. Remove one run: only it reruns. */
    g_autofree char *gone = g_build_filename(res, "runs", "r0002", "run.result", NULL);
    g_autofree char *kept = g_build_filename(res, "runs", "r0001", "run.result", NULL);
    GStatBuf before, after;
    g_assert_cmpint(g_stat(kept, &before), ==, 0);
    g_assert_cmpint(g_unlink(gone), ==, 0);
    g_autofree char *o2 = NULL, *e2 = NULL;
    g_assert_cmpint(run_cli(argv, &o2, &e2), ==, 0);
    g_assert_nonnull(strstr(o2, "3 runs already finished"));
    /* r0002 was written again (results are renamed into place: a new inode); r0001 not. */
    g_assert_true(g_file_test(gone, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpint(g_stat(kept, &after), ==, 0);
    g_assert_cmpuint(before.st_ino, ==, after.st_ino);
    g_autofree char *m2 = NULL;
    g_assert_true(g_file_get_contents(metrics_path, &m2, NULL, NULL));
    g_assert_cmpstr(m1, ==, m2); /* the rerun reproduces the run to the bit */

    /* Another experiment into the same directory is refused, with the way out. */
    const char *other[] = {tu_flatline(), "run", path, "-o", res, "--set", "train.batch=8", NULL};
    g_autofree char *o3 = NULL, *e3 = NULL;
    g_assert_cmpint(run_cli(other, &o3, &e3), ==, 2);
    g_assert_nonnull(strstr(e3, "holds results of a different experiment"));
    g_assert_nonnull(strstr(e3, "--force"));
    /* --force replaces them. */
    const char *forced[] = {tu_flatline(), "run", path, "-o", res, "--set", "train.batch=8",
                            "--force", "--quiet", NULL};
    g_autofree char *o4 = NULL, *e4 = NULL;
    g_assert_cmpint(run_cli(forced, &o4, &e4), ==, 0);
    g_assert_nonnull(strstr(o4, "4 runs: 4 ok"));
    g_autofree char *m4 = NULL;
    g_assert_true(g_file_get_contents(metrics_path, &m4, NULL, NULL));
    g_assert_cmpstr(m1, !=, m4);
    tu_rmtree(dir);
}

static void test_cli_check_and_plugins(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, classification_cfg);
    const char *argv[] = {tu_flatline(), "check", path, "--set", "repeats=3", NULL};
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(argv, &out, &err), ==, 0);
    g_assert_nonnull(strstr(out, "1 grid point x 3 repeats = 3 runs"));
    g_assert_nonnull(strstr(out, "r0002\t7"));
    g_autofree char *res = g_build_filename(dir, "results", NULL);
    g_assert_false(g_file_test(res, G_FILE_TEST_EXISTS)); /* check runs nothing */
    const char *plugins[] = {tu_flatline(), "plugins", "optimizer", NULL};
    g_autofree char *po = NULL, *pe = NULL;
    g_assert_cmpint(run_cli(plugins, &po, &pe), ==, 0);
    for (const char *const *n = (const char *const[]){"none", "sgd", "adam", "rmsprop", "adagrad", NULL};
         *n; n++)
        g_assert_nonnull(strstr(po, *n));
    g_assert_null(strstr(po, "dense"));
    const char *version[] = {tu_flatline(), "--version", NULL};
    g_autofree char *vo = NULL, *ve = NULL;
    g_assert_cmpint(run_cli(version, &vo, &ve), ==, 0);
    g_assert_true(g_str_has_prefix(vo, "flatline "));
    const char *bad[] = {tu_flatline(), "rnu", NULL};
    g_autofree char *bo = NULL, *be = NULL;
    g_assert_cmpint(run_cli(bad, &bo, &be), ==, 2);
    g_assert_nonnull(strstr(be, "did you mean \"run\""));
    tu_rmtree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/regression-learns", test_regression_learns);
    g_test_add_func("/train/classification-learns", test_classification_learns);
    g_test_add_func("/train/bit-identical-and-seeds", test_bit_identical_and_seeds);
    g_test_add_func("/train/branching-heads", test_branching_heads);
    g_test_add_func("/train/none-optimizer-freezes", test_none_optimizer_freezes);
    g_test_add_func("/train/dead-and-saturated-probes", test_dead_and_saturated_probes);
    g_test_add_func("/cli/results-resume-force", test_cli_results_resume_force);
    g_test_add_func("/cli/check-and-plugins", test_cli_check_and_plugins);
    return g_test_run();
}
