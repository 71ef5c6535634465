/* test-config.c — experiment files resolved: defaults, overrides, the grid, seeds and the
 * resolved file reading back as itself. */
#include "testutil.h"
#include "config.h"
#include "model.h"
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

/* The names of e's layers, in order, and what each reads ("-" for the previous layer). */
static char *layer_order(const experiment *e)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < e->layers->len; i++) {
        const layer_spec *l = e->layers->pdata[i];
        g_string_append_printf(s, "%s%s<%s", i ? " " : "", l->name, l->from ? l->from : "-");
    }
    return g_string_free(s, FALSE);
}

static experiment *resolve_with(experiment_file *f, const char *const *sets, GError **err)
{
    g_autoptr(GPtrArray) ov = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
    for (const char *const *set = sets; *set; set++)
        g_ptr_array_add(ov, override_parse(*set, err));
    return experiment_resolve(f, ov, tu_registry(), err);
}

/* --set model.NAME={...}: a whole layer.  A new one goes before the first output layer
 * and takes over what that layer read; an existing one is replaced in its place. */
static void test_layer_overrides(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, "e.cfg", base_cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(experiment_file) f = experiment_file_read(path, &err);
    g_assert_no_error(err);

    g_autoptr(experiment) added =
        resolve_with(f, (const char *const[]){"model.h2={units=6;activation=\"tanh\";}", NULL},
                     &err);
    g_assert_no_error(err);
    g_autofree char *order = layer_order(added);
    g_assert_cmpstr(order, ==, "h1<- h2<- out<-");
    layer_spec *h2 = added->layers->pdata[1];
    g_autofree char *units = params_value_to_string(params_find(h2->layer.plugin, "units"),
                                                    h2->layer.opts);
    g_assert_cmpstr(units, ==, "6");

    /* Replaced in place, whole: the old activation is gone with the old layer. */
    g_autoptr(experiment) replaced =
        resolve_with(f, (const char *const[]){"model.h1={units=3;}", NULL}, &err);
    g_assert_no_error(err);
    g_autofree char *order2 = layer_order(replaced);
    g_assert_cmpstr(order2, ==, "h1<- out<-");
    layer_spec *h1 = replaced->layers->pdata[0];
    g_autofree char *act = params_value_to_string(params_find(h1->layer.plugin, "activation"),
                                                  h1->layer.opts);
    g_assert_cmpstr(act, ==, "\"linear\"");

    /* Heads that name what they read: the new layer reads that, the head reads it. */
    static const char heads_cfg[] =
        "name = \"t\";\nseed = 7;\n"
        "dataset = { plugin = \"multi_output\"; outputs = 2; samples = 50; validation = 0.2; };\n"
        "model = ( { name = \"trunk\"; units = 4; activation = \"relu\"; },\n"
        "          { name = \"a\"; units = 1; from = \"trunk\"; output = true; },\n"
        "          { name = \"b\"; units = 1; from = \"trunk\"; output = true; } );\n"
        "loss = \"mse\";\noptimizer = \"adam\";\n";
    g_autofree char *hpath = write_cfg(dir, "h.cfg", heads_cfg);
    g_autoptr(experiment_file) hf = experiment_file_read(hpath, &err);
    g_assert_no_error(err);
    g_autoptr(experiment) inserted =
        resolve_with(hf, (const char *const[]){"model.mid={units=2;}", NULL}, &err);
    g_assert_no_error(err);
    g_autofree char *order3 = layer_order(inserted);
    g_assert_cmpstr(order3, ==, "trunk<- mid<trunk a<mid b<trunk");

    /* Not a group, or a group that names another layer: refused, and said why. */
    g_autoptr(experiment) bad =
        resolve_with(f, (const char *const[]){"model.h1=3", NULL}, &err);
    g_assert_null(bad);
    g_assert_nonnull(strstr(err->message, "a layer is a group"));
    g_clear_error(&err);
    g_autoptr(experiment) bad2 =
        resolve_with(f, (const char *const[]){"model.h1={name=\"h7\"; units=2;}", NULL}, &err);
    g_assert_null(bad2);
    g_assert_nonnull(strstr(err->message, "named \"h7\" in the value"));
    tu_rmtree(dir);
}

/* from = "(data)": a layer reads the data wherever it stands in the file, so edits can
 * move a layer to the front (b, then a, then out), and the model is built in that order. */
static void test_from_data(void)
{
    static const char cfg[] =
        "name = \"t\";\nseed = 7;\n"
        "dataset = { plugin = \"linear\"; samples = 50; validation = 0.2; };\n"
        "model = ( { name = \"a\"; units = 4; }, { name = \"b\"; units = 3; },\n"
        "          { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\noptimizer = \"adam\";\n";
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, "d.cfg", cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(experiment_file) f = experiment_file_read(path, &err);
    g_assert_no_error(err);
    g_autoptr(experiment) moved = resolve_with(
        f, (const char *const[]){"model.b.from=\"(data)\"", "model.a.from=b", "model.out.from=a",
                                 NULL},
        &err);
    g_assert_no_error(err);
    g_autofree char *order = layer_order(moved);
    g_assert_cmpstr(order, ==, "a<b b<(data) out<a");
    g_autofree char *text = experiment_to_text(moved, NULL);
    g_assert_nonnull(strstr(text, "from = \"(data)\";"));
    /* Built data -> b (2x3 + 3) -> a (3x4 + 4) -> out (4 + 1); in the file's order it would
     * be 2x4 + 4, 4x3 + 3, 3 + 1. */
    fl_shape flat = {0};
    size_t n_w = 0;
    g_assert_true(model_count_weights(moved, &flat, 2, tu_host(), &n_w));
    g_assert_cmpuint(n_w, ==, 9 + 16 + 5);

    /* A name that is neither a layer nor the data: refused, naming both. */
    g_autoptr(experiment) bad =
        resolve_with(f, (const char *const[]){"model.b.from=\"(dat)\"", NULL}, &err);
    g_assert_null(bad);
    g_assert_nonnull(strstr(err->message, "no layer named \"(dat)\""));
    g_assert_nonnull(strstr(err->message, "\"(data)\" reads the data"));
    tu_rmtree(dir);
}

static void test_grid_and_seeds(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, "e.cfg", base_cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(plan) s = plan_new(path, NULL, tu_registry(), tu_host(), FALSE, &err);
    g_assert_no_error(err);
    g_assert_cmpint(s->n_cells, ==, 6);
    g_assert_cmpuint((guint)s->n_runs, ==, 12);
    /* First axis slowest, repeats innermost, seeds = seed + repeat. */
    const double lrs[] = {0.1, 0.01, 0.001};
    for (guint i = 0; i < (guint)s->n_runs; i++) {
        g_autoptr(run_plan) p = plan_run_at(s, (int)i, &err);
        g_assert_no_error(err);
        g_assert_cmpint(p->index, ==, (int)i);
        g_assert_cmpint(p->seed, ==, 7 + (gint64)(i % 2));
        g_assert_cmpint(p->cell, ==, (int)i / 2);
        g_assert_cmpfloat(opt_double(&p->exp->optimizer, "lr"), ==, lrs[i / 4]);
        layer_spec *h1 = p->exp->layers->pdata[0];
        const fl_ref *init = (const fl_ref *)((const char *)h1->layer.opts +
                                              params_find(h1->layer.plugin, "init")->offset);
        g_assert_cmpstr(init->plugin->name, ==, (i / 2) % 2 ? "normal" : "zeros");
    }
    g_autoptr(run_plan) p5 = plan_run_at(s, (int)7, &err);
    g_assert_no_error(err);
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
    g_autoptr(plan) s = plan_new(path, NULL, tu_registry(), tu_host(), FALSE, &err);
    g_assert_no_error(err);
    for (guint i = 0; i < (guint)s->n_runs; i += 5) {
        g_autoptr(run_plan) p = plan_run_at(s, (int)i, &err);
        g_assert_no_error(err);
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

/* fl_edit_distance (three rows) against the whole matrix of the optimal string alignment,
 * written out directly, over random words from a small alphabet (so swaps and repeats are
 * common), plus the cases the hints rely on. */
static gsize osa_reference(const char *a, const char *b)
{
    gsize la = strlen(a), lb = strlen(b), w = lb + 1;
    g_autofree gsize *d = g_new(gsize, (la + 1) * w);
    for (gsize i = 0; i <= la; i++)
        d[i * w] = i;
    for (gsize j = 0; j <= lb; j++)
        d[j] = j;
    for (gsize i = 1; i <= la; i++)
        for (gsize j = 1; j <= lb; j++) {
            char x = g_ascii_tolower(a[i - 1]), y = g_ascii_tolower(b[j - 1]);
            gsize v = MIN(MIN(d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1),
                          d[(i - 1) * w + j - 1] + (x != y));
            if (i > 1 && j > 1 && x == g_ascii_tolower(b[j - 2]) && g_ascii_tolower(a[i - 2]) == y)
                v = MIN(v, d[(i - 2) * w + j - 2] + 1);
            d[i * w + j] = v;
        }
    return d[la * w + lb];
}

static void test_edit_distance(void)
{
    g_assert_cmpuint(fl_edit_distance("trian", "train"), ==, 1);
    g_assert_cmpuint(fl_edit_distance("Adam", "adam"), ==, 0);
    g_assert_cmpuint(fl_edit_distance("", "abc"), ==, 3);
    g_assert_cmpuint(fl_edit_distance("abc", ""), ==, 3);
    g_assert_cmpuint(fl_edit_distance("kitten", "sitting"), ==, 3);
    g_assert_cmpuint(fl_edit_distance("ca", "abc"), ==, 3); /* OSA: no edit after a swap */
    g_autoptr(GRand) rng = g_rand_new_with_seed(12);
    for (int t = 0; t < 5000; t++) {
        char a[9], b[9];
        int la = g_rand_int_range(rng, 0, 9), lb = g_rand_int_range(rng, 0, 9);
        for (int i = 0; i < la; i++)
            a[i] = "abcAB"[g_rand_int_range(rng, 0, 5)];
        for (int i = 0; i < lb; i++)
            b[i] = "abcAB"[g_rand_int_range(rng, 0, 5)];
        a[la] = b[lb] = '\0';
        g_assert_cmpuint(fl_edit_distance(a, b), ==, osa_reference(a, b));
    }
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

/* ---- parameter tables: integer lists, and rows read by their stride ---- */

typedef struct ints_opts {
    fl_ints kernel;
    fl_ints pool;
    fl_ints shape;
} ints_opts;

static const fl_param ints_params[] = {
    {"kernel", FL_PARAM_INTS, "[3, 3]", "[1, 64]", NULL, "kernel size",
     offsetof(ints_opts, kernel)},
    {"pool", FL_PARAM_INTS, "2", "[1, 8]", NULL, "pool size", offsetof(ints_opts, pool)},
    {"shape", FL_PARAM_INTS, NULL, "[1, inf)", NULL, "a required shape",
     offsetof(ints_opts, shape)},
    FL_PARAM_END};

static const fl_plugin ints_plugin = {.abi_major = FL_ABI_MAJOR,
                                      .abi_minor = FL_ABI_MINOR,
                                      .size = sizeof(fl_plugin),
                                      .kind = FL_KIND_LAYER,
                                      .name = "ints",
                                      .summary = "a test table",
                                      .params = ints_params,
                                      .param_size = sizeof(fl_param),
                                      .opts_size = sizeof(ints_opts)};

static void assert_ints(const fl_ints *v, int n, int a, int b, int c)
{
    const int want[] = {a, b, c};
    g_assert_cmpint(v->n, ==, n);
    for (int i = 0; i < n; i++)
        g_assert_cmpint(v->v[i], ==, want[i]);
}

static void set_fails(void *opts, const char *key, const char *value, const char *needle)
{
    g_autoptr(GError) err = NULL;
    g_assert_false(params_set_from_string(&ints_plugin, opts, key, value, tu_registry(), &err));
    g_test_message("%s=%s: %s", key, value, err->message);
    g_assert_nonnull(strstr(err->message, needle));
}

/* FL_PARAM_INTS: one integer or an array of up to FL_MAX_INTS, each element range-checked,
 * written back as read. */
static void test_param_ints(void)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(params_check_table(&ints_plugin, &err));
    g_assert_no_error(err);
    ints_opts *o = params_opts_new(&ints_plugin, tu_registry(), &err);
    g_assert_no_error(err);
    assert_ints(&o->kernel, 2, 3, 3, 0);
    assert_ints(&o->pool, 1, 2, 0, 0);
    /* Required: nothing set yet. */
    g_assert_false(params_check_required(&ints_plugin, o, &err));
    g_assert_nonnull(strstr(err->message, "shape"));
    g_clear_error(&err);
    g_assert_true(
        params_set_from_string(&ints_plugin, o, "shape", "[28, 28, 1]", tu_registry(), &err));
    g_assert_no_error(err);
    assert_ints(&o->shape, 3, 28, 28, 1);
    g_assert_true(params_check_required(&ints_plugin, o, &err));
    g_assert_true(params_set_from_string(&ints_plugin, o, "kernel", "5", tu_registry(), &err));
    assert_ints(&o->kernel, 1, 5, 0, 0);
    g_assert_true(
        params_set_from_string(&ints_plugin, o, "kernel", "( 1, 2 )", tu_registry(), &err));
    assert_ints(&o->kernel, 2, 1, 2, 0);
    /* Written back as read: a single int bare, several as an array. */
    g_autofree char *k = params_value_to_string(params_find(&ints_plugin, "kernel"), o);
    g_autofree char *pool = params_value_to_string(params_find(&ints_plugin, "pool"), o);
    g_assert_cmpstr(k, ==, "[1, 2]");
    g_assert_cmpstr(pool, ==, "2");
    g_autoptr(GString) text = g_string_new(NULL);
    params_write_text(&ints_plugin, o, text, 0);
    g_assert_cmpstr(text->str, ==, "kernel = [1, 2];\npool = 2;\nshape = [28, 28, 1];\n");
    /* Each element in range, a count of 1 to FL_MAX_INTS, integers only. */
    set_fails(o, "kernel", "[3, 0]", "element 1: 0 is out of range: must lie in [1, 64]");
    set_fails(o, "kernel", "65", "65 is out of range");
    set_fails(o, "kernel", "[1, 2, 3, 4, 5]", "has 5 elements: give 1 to 4 integers");
    set_fails(o, "kernel", "[]", "has 0 elements");
    set_fails(o, "kernel", "[1.5, 2.5]", "element 0: expected an integer, got 1.5");
    set_fails(o, "kernel", "( 1, \"a\" )", "element 1: expected an integer, got \"a\"");
    set_fails(o, "kernel", "\"big\"", "expected an integer or an array of integers");
    assert_ints(&o->kernel, 2, 1, 2, 0); /* refused values leave the field alone */
    params_opts_free(&ints_plugin, o);
}

/* A table whose rows are larger than this build's fl_param (a newer minor's, with a field
 * appended): rows are found at the stride param_size gives. */
typedef struct wide_row {
    fl_param p;
    const char *later; /* what a newer minor might append */
} wide_row;

static void test_param_stride(void)
{
    static const wide_row rows[] = {
        {{"a", FL_PARAM_INT, "1", NULL, NULL, "first", offsetof(ints_opts, kernel)}, "x"},
        {{"b", FL_PARAM_INT, "2", NULL, NULL, "second", offsetof(ints_opts, pool)}, "y"},
        {FL_PARAM_END, NULL}};
    fl_plugin wide = ints_plugin;
    wide.params = &rows[0].p;
    wide.param_size = sizeof(wide_row);
    g_autoptr(GError) err = NULL;
    g_assert_true(params_check_table(&wide, &err));
    g_assert_no_error(err);
    guint n = 0;
    for (const fl_param *p = params_first(&wide); p; p = params_next(&wide, p))
        n++;
    g_assert_cmpuint(n, ==, 2);
    g_assert_true(params_find(&wide, "b") == &rows[1].p);
    void *o = params_opts_new(&wide, tu_registry(), &err);
    g_assert_no_error(err);
    g_assert_cmpint(*(const int *)((const char *)o + offsetof(ints_opts, pool)), ==, 2);
    params_opts_free(&wide, o);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config/defaults-int-as-float", test_defaults_and_int_as_float);
    g_test_add_func("/config/overrides", test_overrides);
    g_test_add_func("/config/layer-overrides", test_layer_overrides);
    g_test_add_func("/config/from-data", test_from_data);
    g_test_add_func("/config/grid-and-seeds", test_grid_and_seeds);
    g_test_add_func("/config/resolved-round-trip", test_resolved_text_round_trip);
    g_test_add_func("/config/did-you-mean", test_did_you_mean);
    g_test_add_func("/config/edit-distance", test_edit_distance);
    g_test_add_func("/config/param-ints", test_param_ints);
    g_test_add_func("/config/param-stride", test_param_stride);
    return g_test_run();
}
