/* test-config.c — experiment files resolved: defaults, overrides, the grid, seeds and the
 * resolved file reading back as itself. */
#include "testutil.h"
#include "config.h"
#include "sweep.h"

#include <math.h>
#include <string.h>

static const char base_cfg[] =
    "name = \"t\";\nseed = 7;\nrepeats = 2;\n"
    "dataset = { plugin = \"linear\"; samples = 50; validation = 0.2; };\n"
    "model = ( { name = \"h1\"; units = 4; activation = \"relu\"; },\n"
    "          { name = \"out\"; layer = \"dense\"; units = 1; } );\n"
    "loss = \"mse\";\noptimizer = { plugin = \"adam\"; lr = 1; };\n"
    "grid = ( { key = \"optimizer.lr\"; values = [ 0.1, 0.01, 0.001 ]; },\n"
    "         { key = \"model.h1.init\"; values = ( \"zeros\", { plugin = \"normal\"; stddev = 1.0; } ); } );\n";

static char *write_cfg(const char *dir, const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static double opt_double(const fl_ref *ref, const char *key)
{
    const fl_param *p = params_find(ref->plugin, key);
    g_assert_nonnull(p);
    return *(const double *)((const char *)ref->opts + p->offset);
}

static void test_defaults_and_int_as_float(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, "e.cfg", base_cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(experiment_file) f = experiment_file_read(path, &err);
    g_assert_no_error(err);
    g_autoptr(experiment) e = experiment_resolve(f, NULL, tu_registry(), &err);
    g_assert_no_error(err);
    /* lr = 1 (an int in libconfig) is accepted as a float. */
    g_assert_cmpfloat(opt_double(&e->optimizer, "lr"), ==, 1.0);
    /* Keras defaults fill what the file leaves out. */
    g_assert_cmpfloat(opt_double(&e->optimizer, "beta1"), ==, 0.9);
    g_assert_cmpfloat(opt_double(&e->optimizer, "epsilon"), ==, 1e-7);
    g_assert_cmpint(e->train.epochs, ==, 100);
    g_assert_cmpint(e->train.batch, ==, 32);
    g_assert_cmpint(e->layers->len, ==, 2);
    layer_spec *h1 = e->layers->pdata[0];
    g_assert_cmpstr(h1->layer.plugin->name, ==, "dense"); /* layer defaults to dense */
    g_assert_cmpstr(e->schedule.plugin->name, ==, "constant");
    g_assert_cmpint(e->data.seed, ==, 7); /* data seed follows the experiment seed */
    tu_rmtree(dir);
}

static void test_overrides(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, "e.cfg", base_cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(experiment_file) f = experiment_file_read(path, &err);
    g_assert_no_error(err);
    g_autoptr(GPtrArray) ov = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
    g_ptr_array_add(ov, override_parse("optimizer.beta1=0.5", &err));
    g_ptr_array_add(ov, override_parse("model.h1.units=7", &err));
    g_ptr_array_add(ov, override_parse("model.h1.init.stddev=2", &err)); /* string -> group */
    g_ptr_array_add(ov, override_parse("model.h1.init=normal", &err));   /* bare word */
    g_ptr_array_add(ov, override_parse("train.epochs=5", &err));
    g_ptr_array_add(ov, override_parse("loss.plugin=mae", &err));
    g_assert_no_error(err);
    g_autoptr(experiment) e = experiment_resolve(f, ov, tu_registry(), &err);
    g_assert_no_error(err);
    g_assert_cmpfloat(opt_double(&e->optimizer, "beta1"), ==, 0.5);
    g_assert_cmpint(e->train.epochs, ==, 5);
    g_assert_cmpstr(e->loss.plugin->name, ==, "mae");
    layer_spec *h1 = e->layers->pdata[0];
    g_autofree char *units = params_value_to_string(params_find(h1->layer.plugin, "units"),
                                                    h1->layer.opts);
    g_assert_cmpstr(units, ==, "7");
    g_autofree char *init = params_value_to_string(params_find(h1->layer.plugin, "init"),
                                                   h1->layer.opts);
    /* The later bare "normal" replaced the group: default stddev again. */
    g_assert_cmpstr(init, ==, "{ plugin = \"normal\"; mean = 0.0; stddev = 0.05; }");

    g_ptr_array_add(ov, override_parse("model.h9.units=3", &err));
    g_autoptr(experiment) bad = experiment_resolve(f, ov, tu_registry(), &err);
    g_assert_null(bad);
    g_assert_nonnull(strstr(err->message, "no layer named \"h9\""));
    tu_rmtree(dir);
}

static void test_grid_and_seeds(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, "e.cfg", base_cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(sweep) s = sweep_plan(path, NULL, tu_registry(), tu_host(), FALSE, &err);
    g_assert_no_error(err);
    g_assert_cmpint(s->n_cells, ==, 6);
    g_assert_cmpuint(s->runs->len, ==, 12);
    /* First axis slowest, repeats innermost, seeds = seed + repeat. */
    const double lrs[] = {0.1, 0.01, 0.001};
    for (guint i = 0; i < s->runs->len; i++) {
        const run_plan *p = s->runs->pdata[i];
        g_assert_cmpint(p->index, ==, (int)i);
        g_assert_cmpint(p->seed, ==, 7 + (gint64)(i % 2));
        g_assert_cmpint(p->cell, ==, (int)i / 2);
        g_assert_cmpfloat(opt_double(&p->exp->optimizer, "lr"), ==, lrs[i / 4]);
        layer_spec *h1 = p->exp->layers->pdata[0];
        const fl_ref *init = (const fl_ref *)((const char *)h1->layer.opts +
                                              params_find(h1->layer.plugin, "init")->offset);
        g_assert_cmpstr(init->plugin->name, ==, (i / 2) % 2 ? "normal" : "zeros");
    }
    const run_plan *p5 = s->runs->pdata[7];
    g_assert_cmpstr(p5->id, ==, "r0007");
    g_assert_cmpstr(p5->labels[0], ==, "0.01");
    g_assert_cmpstr(p5->labels[1], ==, "normal(stddev=1)");
    tu_rmtree(dir);
}

/* The resolved file is a fixed point: resolving it again gives the same text. */
static void test_resolved_text_round_trip(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, "e.cfg", base_cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(sweep) s = sweep_plan(path, NULL, tu_registry(), tu_host(), FALSE, &err);
    g_assert_no_error(err);
    for (guint i = 0; i < s->runs->len; i += 5) {
        const run_plan *p = s->runs->pdata[i];
        g_autofree char *again = write_cfg(dir, "again.cfg", p->cfg_text);
        g_autoptr(experiment_file) f = experiment_file_read(again, &err);
        g_assert_no_error(err);
        g_autoptr(experiment) e = experiment_resolve(f, NULL, tu_registry(), &err);
        g_assert_no_error(err);
        g_autofree char *text = experiment_to_text(e, NULL);
        /* Only the first comment line (the source path) may differ. */
        g_assert_cmpstr(strchr(text, '\n'), ==, strchr(p->cfg_text, '\n'));
    }
    tu_rmtree(dir);
}

static void test_did_you_mean(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *text = g_strdup_printf("%s\ntrian = { epochs = 3; };\n", base_cfg);
    g_autofree char *path = write_cfg(dir, "e.cfg", text);
    g_autoptr(GError) err = NULL;
    g_autoptr(experiment_file) f = experiment_file_read(path, &err);
    g_assert_no_error(err);
    g_autoptr(experiment) e = experiment_resolve(f, NULL, tu_registry(), &err);
    g_assert_null(e);
    /* The misspelt key sits two lines after the base text (a blank line between). */
    guint line = 2;
    for (const char *c = base_cfg; *c; c++)
        line += *c == '\n';
    g_autofree char *where = g_strdup_printf("e.cfg:%u: trian", line);
    g_assert_nonnull(strstr(err->message, where));
    g_assert_nonnull(strstr(err->message, "did you mean \"train\""));
    tu_rmtree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config/defaults-int-as-float", test_defaults_and_int_as_float);
    g_test_add_func("/config/overrides", test_overrides);
    g_test_add_func("/config/grid-and-seeds", test_grid_and_seeds);
    g_test_add_func("/config/resolved-round-trip", test_resolved_text_round_trip);
    g_test_add_func("/config/did-you-mean", test_did_you_mean);
    return g_test_run();
}
