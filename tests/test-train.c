/* test-train.c — training end to end: networks learn, runs are reproducible to the bit,
 * seeds matter, heads branch, and the results directory resumes and refuses mixing. */
#include "testutil.h"
#include "config.h"
#include "data.h"
#include "model.h"
#include "probes.h"
#include "sweep.h"
#include "train.h"

#include <math.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static char *write_cfg(const char *dir, const char *text)
{
    char *path = g_build_filename(dir, "e.cfg", NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

/* Run 0 of an experiment text, resolved (from a directory of its own, removed after: for
 * generated data, which reads no file). */
static run_plan *resolve_run0(const char *text)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, text);
    g_autoptr(GError) err = NULL;
    g_autoptr(plan) s = plan_new(path, NULL, tu_registry(), tu_host(), FALSE, &err);
    g_assert_no_error(err);
    run_plan *r = plan_run_at(s, 0, &err);
    g_assert_no_error(err);
    tu_rmtree(dir);
    return r;
}

/* Train run 0 of an experiment text; returns its output (caller clears). */
static run_result train_text(const char *text, gint64 seed_offset)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, text);
    g_autoptr(GError) err = NULL;
    g_autoptr(plan) s = plan_new(path, NULL, tu_registry(), tu_host(), TRUE, &err);
    g_assert_no_error(err);
    g_autoptr(run_plan) p = plan_run_at(s, (int)0, &err);
    g_assert_no_error(err);
    run_result out = {0};
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
    run_result out = train_text(cfg, 0);
    g_autoptr(GArray) loss = metrics_column(out.metrics->str, "loss");
    g_autoptr(GArray) val = metrics_column(out.metrics->str, "val_loss");
    double first = g_array_index(loss, double, 0), last = g_array_index(loss, double, loss->len - 1);
    double vfirst = g_array_index(val, double, 0), vlast = g_array_index(val, double, val->len - 1);
    g_test_message("loss %g -> %g, val_loss %g -> %g", first, last, vfirst, vlast);
    g_assert_true(isfinite(first) && isfinite(last));
    g_assert_cmpfloat(last, <, factor * first);
    g_assert_cmpfloat(vlast, <, factor * vfirst);
    g_assert_cmpfloat_with_epsilon(out.final_loss, last, 1e-8 * last); /* %.9g in the CSV */
    run_result_clear(&out);
}

static void test_regression_learns(void) { assert_learns(regression_cfg, 0.3); }
static void test_classification_learns(void) { assert_learns(classification_cfg, 0.2); }

static void test_bit_identical_and_seeds(void)
{
    run_result a = train_text(regression_cfg, 0);
    run_result b = train_text(regression_cfg, 0);
    run_result c = train_text(regression_cfg, 1);
    g_assert_cmpuint(a.metrics->len, >, 1000);
    g_assert_cmpstr(a.metrics->str, ==, b.metrics->str);
    g_assert_cmpstr(a.metrics->str, !=, c.metrics->str);
    run_result_clear(&a);
    run_result_clear(&b);
    run_result_clear(&c);
}

/* The runs of one configuration share a model (train_run_on's kept): a run on the model
 * the previous run left trains to the same bytes as the same seed on a new model, with
 * the moving statistics of a batchnorm, dropout masks, a leaky ReLU and a softmax head. */
static void test_reused_model(void)
{
    static const char cfg[] =
        "seed = 5;\n"
        "dataset = { plugin = \"blobs\"; samples = 150; classes = 3; validation = 0.2; };\n"
        "model = ( { name = \"h1\"; units = 12; activation = \"leaky_relu\"; },\n"
        "          { name = \"bn\"; layer = \"batchnorm\"; },\n"
        "          { name = \"drop\"; layer = \"dropout\"; rate = 0.2; },\n"
        "          { name = \"out\"; units = 3; activation = \"softmax\"; } );\n"
        "loss = \"cce\";\noptimizer = { plugin = \"adam\"; lr = 0.01; };\n"
        "train = { epochs = 30; batch = 16; };\n";
    g_autoptr(run_plan) p = resolve_run0(cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(data_split) d = data_load(p->exp, tu_host(), &err);
    g_assert_no_error(err);
    uint64_t seeds[] = {11, 12, 11};
    g_autoptr(model) kept = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(seeds); i++) {
        run_result shared = {0}, fresh = {0};
        g_assert_true(train_run_on(p->exp, d, &kept, seeds[i], tu_host(), &shared, &err));
        g_assert_no_error(err);
        /* Every built-in layer may be kept. */
        g_assert_nonnull(kept);
        g_assert_true(train_run_on(p->exp, d, NULL, seeds[i], tu_host(), &fresh, &err));
        g_assert_cmpint(shared.status, ==, RUN_OK);
        g_assert_cmpuint(shared.metrics->len, >, 1000);
        g_assert_cmpstr(shared.metrics->str, ==, fresh.metrics->str);
        g_assert_cmpstr(shared.causes, ==, fresh.causes);
        run_result_clear(&shared);
        run_result_clear(&fresh);
    }
}

static const char packed_relu_cfg[] =
    "seed = 2;\n"
    "dataset = { plugin = \"teacher\"; samples = 100; features = 2; validation = 0.2; };\n"
    "model = ( { name = \"h1\"; units = 10; activation = \"relu\"; init = \"he_uniform\"; "
    "l2 = 0.001; },\n"
    "          { name = \"out\"; units = 1; } );\n"
    "loss = \"mse\";\noptimizer = { plugin = \"adam\"; lr = 0.01; };\n"
    "train = { epochs = 40; batch = 32; stop_on = \"never\"; };\n";

/* A bias of -3 kills a two-unit ReLU layer at its start for some seeds (here 5, 7 and 8:
 * they stop at epoch 5), not for others (3 and 6 train on): who stops depends on the
 * initial weights, not on rounding, so the comparison holds on any CPU's kernels. */
static const char packed_stopping_cfg[] =
    "seed = 2;\n"
    "dataset = { plugin = \"teacher\"; samples = 100; features = 2; };\n"
    "model = ( { name = \"h1\"; units = 2; activation = \"relu\";\n"
    "            bias_init = { plugin = \"constant\"; value = -3.0; }; },\n"
    "          { name = \"out\"; units = 1; } );\n"
    "loss = \"mse\";\noptimizer = { plugin = \"adam\"; lr = 0.01; };\n"
    "train = { epochs = 40; batch = 32; };\n";

static const char packed_softmax_cfg[] =
    "seed = 5;\n"
    "dataset = { plugin = \"blobs\"; samples = 150; classes = 3; validation = 0.2; };\n"
    "model = ( { name = \"h1\"; units = 8; activation = \"sigmoid\"; },\n"
    "          { name = \"h2\"; units = 6; activation = \"tanh\"; use_bias = false; },\n"
    "          { name = \"out\"; units = 3; activation = \"softmax\"; } );\n"
    "loss = \"cce\";\noptimizer = { plugin = \"sgd\"; lr = 0.1; momentum = 0.9; };\n"
    "train = { epochs = 30; batch = 16; };\n";

/* One sigmoid unit under bce: the output layer of one unit runs in its row form, its
 * activation after the bias, with and without a bias. */
static const char packed_sigmoid_cfg[] =
    "seed = 4;\n"
    "dataset = { plugin = \"circles\"; samples = 120; validation = 0.25; };\n"
    "model = ( { name = \"h1\"; units = 6; activation = \"tanh\"; },\n"
    "          { name = \"h2\"; units = 1; activation = \"selu\"; use_bias = false; },\n"
    "          { name = \"out\"; units = 1; activation = \"sigmoid\"; } );\n"
    "loss = \"bce\";\noptimizer = { plugin = \"adam\"; lr = 0.02; };\n"
    "train = { epochs = 30; batch = 16; stop_on = \"never\"; };\n";

static const char packed_heads_cfg[] =
    "seed = 1;\n"
    "dataset = { plugin = \"multi_output\"; samples = 120; features = 3; outputs = 2; };\n"
    "model = ( { name = \"trunk\"; units = 16; activation = \"elu\"; },\n"
    "          { name = \"a\"; from = \"trunk\"; units = 1; output = true; },\n"
    "          { name = \"b\"; from = \"trunk\"; units = 1; output = true; } );\n"
    "loss = \"mse\";\noptimizer = \"adam\";\ntrain = { epochs = 25; batch = 20; };\n";

/* Bytes of address space this process maps now (/proc/self/statm: pages). */
static guint64 mapped_bytes(void)
{
    g_autofree char *statm = NULL;
    g_assert_true(g_file_get_contents("/proc/self/statm", &statm, NULL, NULL));
    return g_ascii_strtoull(statm, NULL, 10) * (guint64)sysconf(_SC_PAGESIZE);
}

/* Tests that limit the address space cannot run under AddressSanitizer or valgrind: TRUE,
 * after saying so, when this one cannot. */
static gboolean skip_without_address_limit(void)
{
#if defined(__SANITIZE_ADDRESS__)
    g_test_skip("AddressSanitizer maps terabytes of shadow memory: no address-space limit");
    return TRUE;
#endif
    const char *preload = g_getenv("LD_PRELOAD");
    if (preload && strstr(preload, "valgrind")) {
        g_test_skip("valgrind keeps its own address space");
        return TRUE;
    }
    return FALSE;
}

/* Every number of two metrics.csv texts agrees to 1e-5 relative (1e-6 absolute near
 * zero); the same rows, the same columns, the same empty fields. */
static void assert_metrics_close(const char *a, const char *b)
{
    g_auto(GStrv) la = g_strsplit(a, "\n", -1), lb = g_strsplit(b, "\n", -1);
    g_assert_cmpuint(g_strv_length(la), ==, g_strv_length(lb));
    for (guint i = 0; la[i]; i++) {
        g_auto(GStrv) fa = g_strsplit(la[i], ",", -1), fb = g_strsplit(lb[i], ",", -1);
        g_assert_cmpuint(g_strv_length(fa), ==, g_strv_length(fb));
        for (guint j = 0; fa[j]; j++) {
            char *end = NULL;
            double x = g_ascii_strtod(fa[j], &end);
            if (!*fa[j] || *end || i == 0) {
                g_assert_cmpstr(fa[j], ==, fb[j]); /* the header, an empty field */
                continue;
            }
            double y = g_ascii_strtod(fb[j], NULL);
            if (isnan(x) || isinf(x)) {
                g_assert_cmpstr(fa[j], ==, fb[j]);
                continue;
            }
            if (fabs(x - y) > 1e-5 * fmax(fabs(x), fabs(y)) + 1e-6)
                g_error("row %u column %u: %s alone, %s in the pack", i, j, fa[j], fb[j]);
        }
    }
}

/* A pack of runs (train_pack_on) trains each run as it trains alone: its metrics agree to
 * 1e-5 relative, epoch by epoch, and its verdict and causes are the same; a run that stops
 * early leaves the others training.  Dense layers with a fused ReLU, sigmoid and softmax
 * activations, two heads on one trunk, a validation split and an L2 penalty. */
static void test_packed_runs(gconstpointer data)
{
    g_autoptr(run_plan) p = resolve_run0(data);
    g_autoptr(GError) err = NULL;
    g_assert_true(model_packs(p->exp));
    g_autoptr(data_split) d = data_load(p->exp, tu_host(), &err);
    g_assert_no_error(err);
    const uint64_t seeds[] = {3, 5, 6, 7, 8};
    enum { N = G_N_ELEMENTS(seeds) };
    run_result packed[N] = {{0}};
    run_result *outs[N];
    for (size_t i = 0; i < N; i++)
        outs[i] = &packed[i];
    g_autoptr(model) kept = NULL;
    g_assert_true(train_pack_on(p->exp, d, &kept, seeds, N, tu_host(), outs, &err));
    g_assert_no_error(err);
    g_assert_nonnull(kept);
    g_assert_cmpuint(kept->pack, ==, N);
    /* Once most runs stopped, only the others were computed. */
    if (data == packed_stopping_cfg)
        g_assert_cmpuint(kept->runs, <, N);
    else
        g_assert_cmpuint(kept->runs, ==, N);
    int stopped = 0;
    for (size_t i = 0; i < N; i++) {
        run_result alone = {0};
        g_assert_true(train_run_on(p->exp, d, NULL, seeds[i], tu_host(), &alone, &err));
        g_assert_cmpint(packed[i].status, ==, RUN_OK);
        g_assert_cmpint(alone.status, ==, RUN_OK);
        g_assert_cmpuint(alone.metrics->len, >, 200);
        assert_metrics_close(alone.metrics->str, packed[i].metrics->str);
        g_assert_cmpint(packed[i].epochs_run, ==, alone.epochs_run);
        g_assert_cmpint(packed[i].verdict, ==, alone.verdict);
        g_assert_cmpstr(packed[i].causes, ==, alone.causes);
        stopped += alone.stopped_early;
        run_result_clear(&alone);
        run_result_clear(&packed[i]);
    }
    g_test_message("%d of %d runs stopped early", stopped, (int)N);
    if (data == packed_stopping_cfg)
        g_assert_cmpint(stopped, >, 0); /* and the others trained on after them */
}

/* A pack that does not fit in memory trains its runs one after another, each as it
 * would alone: 4.0e6 weights are 64 MB a run with Adam's state, 512 MB for a pack of 8,
 * and the address space left is 250 MB. */
static void test_pack_too_big(void)
{
    if (skip_without_address_limit())
        return;
    static const char cfg[] =
        "seed = 1;\ndataset = { plugin = \"teacher\"; samples = 16; features = 2; };\n"
        "model = ( { name = \"h1\"; units = 2000; activation = \"relu\"; },\n"
        "          { name = \"h2\"; units = 2000; activation = \"relu\"; },\n"
        "          { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\noptimizer = \"adam\";\n"
        "train = { epochs = 1; batch = 16; probe = 8; stop_on = \"never\"; };\n"
        "detectors = ( );\n";
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
        g_test_trap_assert_passed();
        return;
    }
    g_autoptr(run_plan) p = resolve_run0(cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(data_split) d = data_load(p->exp, tu_host(), &err);
    g_assert_no_error(err);
    struct rlimit lim = {.rlim_cur = mapped_bytes() + 250ull * 1000 * 1000,
                         .rlim_max = RLIM_INFINITY};
    g_assert_cmpint(setrlimit(RLIMIT_AS, &lim), ==, 0);
    enum { N = 8 };
    uint64_t seeds[N];
    run_result outs[N] = {{0}};
    run_result *out_ptrs[N];
    for (size_t i = 0; i < N; i++) {
        seeds[i] = 10 + i;
        out_ptrs[i] = &outs[i];
    }
    g_autoptr(model) kept = NULL;
    g_assert_true(train_pack_on(p->exp, d, &kept, seeds, N, tu_host(), out_ptrs, &err));
    g_assert_no_error(err);
    for (size_t i = 0; i < N; i++) {
        g_assert_cmpint(outs[i].status, ==, RUN_OK);
        g_assert_cmpint(outs[i].epochs_run, ==, 1);
        run_result_clear(&outs[i]);
    }
    /* The model kept is a run's own. */
    g_assert_nonnull(kept);
    g_assert_cmpuint(kept->pack, ==, 1);
}

/* A layer that cannot train a pack (dropout) keeps the model to one run. */
static void test_pack_needs_every_layer(void)
{
    static const char cfg[] =
        "seed = 1;\ndataset = { plugin = \"teacher\"; samples = 50; features = 2; };\n"
        "model = ( { name = \"h1\"; units = 4; activation = \"relu\"; },\n"
        "          { name = \"drop\"; layer = \"dropout\"; rate = 0.2; },\n"
        "          { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\noptimizer = \"adam\";\ntrain = { epochs = 2; pack = 8; };\n";
    g_autoptr(run_plan) p = resolve_run0(cfg);
    g_assert_false(model_packs(p->exp));
    g_autoptr(GError) err = NULL;
    g_autoptr(data_split) d = data_load(p->exp, tu_host(), &err);
    g_assert_no_error(err);
    g_assert_cmpuint(train_pack_size(p->exp, d, tu_host()), ==, 1);
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
    run_result out = train_text(cfg, 0);
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
    run_result_clear(&out);
}

/* No optimizer step: the weights, and so the predictions, never move. */
/* Three sigmoid layers of 8 on circles under SGD at 0.5 sit at ln 2 for a few hundred
 * epochs and then learn; at 0.01 they never leave it.  The detectors call both collapsed
 * within the first epochs.  Trained to the end (stop_on never), the first run's end
 * overrules them, the second's does not; stopped at its collapse, the first is collapsed. */
#define STALL_CFG(LR, STOP)                                                                \
    "name = \"stall\";\n"                                                                  \
    "seed = 1;\n"                                                                          \
    "dataset = { plugin = \"circles\"; samples = 400; validation = 0.2; };\n"              \
    "model = (\n"                                                                          \
    "  { name = \"h1\"; units = 8; activation = \"sigmoid\"; },\n"                         \
    "  { name = \"h2\"; units = 8; activation = \"sigmoid\"; },\n"                         \
    "  { name = \"h3\"; units = 8; activation = \"sigmoid\"; },\n"                         \
    "  { name = \"out\"; units = 1; activation = \"sigmoid\"; }\n"                         \
    ");\n"                                                                                 \
    "loss = \"bce\";\n"                                                                    \
    "optimizer = { plugin = \"sgd\"; lr = " LR "; };\n"                                    \
    "train = { epochs = 1000; batch = 32; stop_on = \"" STOP "\"; };\n"                    \
    "detectors = ( \"all\" );\n"

static const finding_rec *finding_of(const run_result *r, const char *detector)
{
    for (guint i = 0; i < r->findings->len; i++) {
        const finding_rec *f = r->findings->pdata[i];
        if (strcmp(f->detector, detector) == 0)
            return f;
    }
    return NULL;
}

static double measure_of(const finding_rec *f, const char *name)
{
    for (guint i = 0; f->measures && i < f->measures->len; i++)
        if (strcmp(g_array_index(f->measures, finding_measure, i).name, name) == 0)
            return g_array_index(f->measures, finding_measure, i).value;
    return NAN;
}

static void test_learned_after_stall(void)
{
    run_result learned = train_text(STALL_CFG("0.5", "never"), 0);
    g_assert_cmpint(learned.epochs_run, ==, 1000);
    g_assert_cmpfloat(learned.final_data_loss, <=, 0.5 * learned.baseline_loss);
    g_assert_cmpint(learned.verdict, ==, VERDICT_WARNING);
    const finding_rec *f = finding_of(&learned, "vanishing_gradient");
    g_assert_nonnull(f);
    g_assert_cmpint(f->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(f->epoch, <, 50); /* what held while it stalled is kept */
    g_assert_nonnull(strstr(f->evidence, "went on to learn"));
    g_assert_cmpfloat(measure_of(f, "learned_epoch"), ==, 1000);
    g_assert_cmpfloat_with_epsilon(measure_of(f, "learned_fit"),
                                   learned.final_data_loss / learned.baseline_loss, 1e-9);
    g_assert_cmpfloat(measure_of(f, "learned_spread"), >=, 0.1);
    for (guint i = 0; i < learned.findings->len; i++)
        g_assert_cmpint(((const finding_rec *)learned.findings->pdata[i])->level, ==,
                        FL_LEVEL_WARNING);
    run_result_clear(&learned);

    run_result stuck = train_text(STALL_CFG("0.01", "never"), 0);
    g_assert_cmpint(stuck.epochs_run, ==, 1000);
    g_assert_cmpint(stuck.verdict, ==, VERDICT_COLLAPSED);
    f = finding_of(&stuck, "vanishing_gradient");
    g_assert_nonnull(f);
    g_assert_cmpint(f->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_true(isnan(measure_of(f, "learned_fit")));
    run_result_clear(&stuck);

    run_result stopped = train_text(STALL_CFG("0.5", "collapsed"), 0);
    g_assert_true(stopped.stopped_early);
    g_assert_cmpint(stopped.epochs_run, <, 50);
    g_assert_cmpint(stopped.verdict, ==, VERDICT_COLLAPSED);
    run_result_clear(&stopped);
}

/* Two sigmoid layers, each followed by batch normalization (Keras' momentum 0.99), on
 * circles: in training the network fits within 20 epochs, in inference (the probes, the
 * validation rows) it answers every input alike until the moving averages catch up.
 * batchnorm names that, with the momentum as its fix; at momentum 0.9 the same
 * training is healthy in every seed, with no oscillation read into the batch noise of a
 * loss near 0. */
#define BATCHNORM_CFG(MOMENTUM)                                                            \
    "name = \"bn\";\n"                                                                     \
    "seed = 1;\n"                                                                          \
    "dataset = { plugin = \"circles\"; samples = 400; validation = 0.2; };\n"              \
    "model = (\n"                                                                          \
    "  { name = \"h1\"; units = 16; activation = \"sigmoid\"; },\n"                        \
    "  { name = \"b1\"; layer = \"batchnorm\"; momentum = " MOMENTUM "; },\n"              \
    "  { name = \"h2\"; units = 16; activation = \"sigmoid\"; },\n"                        \
    "  { name = \"b2\"; layer = \"batchnorm\"; momentum = " MOMENTUM "; },\n"              \
    "  { name = \"out\"; units = 1; activation = \"sigmoid\"; }\n"                         \
    ");\n"                                                                                 \
    "loss = \"bce\";\n"                                                                    \
    "optimizer = { plugin = \"adam\"; lr = 0.01; };\n"                                     \
    "train = { epochs = 100; batch = 32; };\n"                                             \
    "detectors = ( \"all\" );\n"

static void test_batchnorm(void)
{
    for (gint64 seed = 0; seed < 5; seed++) {
        run_result lag = train_text(BATCHNORM_CFG("0.99"), seed);
        g_assert_cmpint(lag.verdict, ==, VERDICT_COLLAPSED);
        g_assert_true(g_str_has_prefix(lag.causes, "batchnorm"));
        const finding_rec *f = finding_of(&lag, "batchnorm");
        g_assert_cmpfloat(measure_of(f, "train_fit"), <=, 0.5);
        g_assert_cmpfloat(measure_of(f, "inference_spread"), <, 0.1);
        const finding_fix *fix = f->fixes->pdata[0];
        g_assert_cmpstr(fix->edits[0], ==, "model.b1.momentum=0.9");
        g_assert_cmpstr(fix->edits[1], ==, "model.b2.momentum=0.9");
        g_assert_null(fix->edits[2]);
        run_result_clear(&lag);

        run_result fixed = train_text(BATCHNORM_CFG("0.9"), seed);
        g_assert_cmpint(fixed.epochs_run, ==, 100);
        g_assert_cmpint(fixed.verdict, ==, VERDICT_HEALTHY);
        run_result_clear(&fixed);
    }
}

/* The same with a third such layer at momentum 0.9 trains to 99-100% of the rows right in
 * every seed, its loss bouncing between about 0.01 and 0.1 of the mean predictor's from
 * batch noise: not steps too large (oscillation keeps quiet at a tenth of the mean's). */
static void test_no_oscillation_at_fit(void)
{
    g_autofree char *three = g_strdup(BATCHNORM_CFG("0.9"));
    char *out = strstr(three, "  { name = \"out\"");
    g_assert_nonnull(out);
    g_autofree char *cfg = g_strdup_printf(
        "%.*s  { name = \"h3\"; units = 16; activation = \"sigmoid\"; },\n"
        "  { name = \"b3\"; layer = \"batchnorm\"; momentum = 0.9; },\n%s",
        (int)(out - three), three, out);
    for (gint64 seed = 0; seed < 5; seed++) {
        run_result r = train_text(cfg, seed);
        g_assert_cmpint(r.epochs_run, ==, 100);
        g_assert_cmpfloat(r.final_data_loss, <=, 0.2 * r.baseline_loss);
        g_assert_null(finding_of(&r, "oscillation"));
        g_assert_cmpint(r.verdict, ==, VERDICT_HEALTHY);
        run_result_clear(&r);
    }
}

/* Ten blob classes on a softmax under mse and SGD at 0.01 sit at the mean's loss: the
 * fix underfit proposes for the labels is the softmax's own loss, cce (which learns there),
 * not sigmoid units under bce. */
static void test_underfit_softmax_labels(void)
{
    run_result r = train_text(
        "name = \"softmax-mse\";\nseed = 1;\n"
        "dataset = { plugin = \"blobs\"; classes = 10; features = 8; samples = 1000; "
        "validation = 0.2; normalize = \"standard\"; };\n"
        "model = ( { name = \"h1\"; units = 32; activation = \"sigmoid\"; },\n"
        "          { name = \"out\"; units = 10; activation = \"softmax\"; } );\n"
        "loss = \"mse\";\noptimizer = { plugin = \"sgd\"; lr = 0.01; };\n"
        "train = { epochs = 50; batch = 32; };\ndetectors = ( \"all\" );\n",
        0);
    const finding_rec *f = finding_of(&r, "underfit");
    g_assert_nonnull(f);
    g_assert_cmpfloat(r.final_data_loss, >=, 0.95 * r.baseline_loss);
    const finding_fix *first = f->fixes->pdata[0];
    g_assert_cmpstr(first->edits[0], ==, "loss=cce");
    g_assert_null(first->edits[1]);
    for (guint i = 0; i < f->fixes->len; i++) {
        const finding_fix *x = f->fixes->pdata[i];
        for (guint e = 0; x->edits[e]; e++)
            g_assert_cmpstr(x->edits[e], !=, "loss=bce");
    }
    run_result_clear(&r);
}

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
    run_result out = train_text(full, 0);
    g_autoptr(GArray) ratio = metrics_column(out.metrics->str, "h1_update_ratio");
    g_autoptr(GArray) loss = metrics_column(out.metrics->str, "loss");
    g_assert_cmpuint(loss->len, ==, 31); /* epochs 0..30 */
    for (guint i = 0; i < ratio->len; i++)
        g_assert_cmpfloat(g_array_index(ratio, double, i), ==, 0.0);
    /* Epochs 1 and 30 see the same batches in another order: the same loss up to rounding. */
    g_assert_cmpfloat_with_epsilon(g_array_index(loss, double, 1),
                                   g_array_index(loss, double, loss->len - 1),
                                   1e-6 * g_array_index(loss, double, 1));
    run_result_clear(&out);
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
    run_result out = train_text(dead_cfg, 0);
    g_autoptr(GArray) dead = metrics_column(out.metrics->str, "h_dead");
    g_autoptr(GArray) sat = metrics_column(out.metrics->str, "s_saturated");
    g_autoptr(GArray) hsat = metrics_column(out.metrics->str, "h_saturated");
    g_assert_cmpfloat(g_array_index(dead, double, 0), ==, 1.0);
    g_assert_cmpfloat(g_array_index(sat, double, 0), ==, 1.0);
    /* ReLU has no flat ends: its saturation is not 0 but no number at all. */
    g_assert_true(isnan(g_array_index(hsat, double, 0)));
    g_assert_nonnull(strstr(out.metrics->str, ",nan,"));
    run_result_clear(&out);
    /* The healthy regression net has live units. */
    run_result ok = train_text(regression_cfg, 0);
    g_autoptr(GArray) d2 = metrics_column(ok.metrics->str, "h2_dead");
    g_assert_cmpfloat(g_array_index(d2, double, d2->len - 1), <, 0.5);
    run_result_clear(&ok);
}

/* probes_correct on rows written by hand: the argmax of several outputs, one output above
 * 0.5, or above 0 for a loss that reads the sign. */
static void test_accuracy_rule(void)
{
    const float pred3[] = {0.1f, 0.7f, 0.2f, 0.5f, 0.4f, 0.1f, 0.2f, 0.2f, 0.6f, 0.3f, 0.3f, 0.4f};
    const float y3[] = {0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0};
    /* Rows 0 and 2 right; 1 (argmax 0, class 2) and 3 (argmax 2, class 0) wrong. */
    g_assert_cmpuint(probes_correct(FL_LOSS_CLASSIFICATION | FL_LOSS_ONE_HOT, pred3, y3, 4, 3), ==,
                     2);
    const float pred1[] = {0.6f, 0.4f, 0.2f, -0.3f, 0.51f};
    const float y01[] = {1, 1, 0, 0, 1};
    /* Above 0.5: rows 0, 2, 3, 4 right. */
    g_assert_cmpuint(probes_correct(FL_LOSS_CLASSIFICATION, pred1, y01, 5, 1), ==, 4);
    /* Above 0 (hinge): 0.4 and 0.2 are now class 1, so row 1 is right and row 2 wrong;
     * -1/+1 targets read as 0/1 ones do. */
    const float ypm[] = {1, 1, -1, -1, 1};
    g_assert_cmpuint(probes_correct(FL_LOSS_CLASSIFICATION | FL_LOSS_SIGNED, pred1, ypm, 5, 1), ==,
                     4);
    g_assert_cmpuint(probes_correct(FL_LOSS_CLASSIFICATION | FL_LOSS_SIGNED, pred1, y01, 5, 1), ==,
                     4);
    const float y_row2[] = {1, 1, 1, 0, 1};
    g_assert_cmpuint(probes_correct(FL_LOSS_CLASSIFICATION, pred1, y_row2, 5, 1), ==, 3);
    g_assert_cmpuint(probes_correct(FL_LOSS_CLASSIFICATION | FL_LOSS_SIGNED, pred1, y_row2, 5, 1),
                     ==, 5);
}

/* The class of a row as this test reads it: the argmax of several values, or one value
 * above the threshold. */
static size_t row_class(const float *row, size_t n, double threshold)
{
    size_t c = 0;
    if (n == 1)
        return row[0] > threshold;
    for (size_t o = 1; o < n; o++)
        if (row[o] > row[c])
            c = o;
    return c;
}

/* Share of rows (n, n_in) the untrained network of run 0 classes right, computed here from
 * the model rebuilt with the run's seed. */
static double accuracy_of(model *m, const float *x, const float *y, size_t rows, double threshold)
{
    size_t right = 0;
    for (size_t start = 0; start < rows; start += m->max_batch) {
        size_t b = MIN(m->max_batch, rows - start);
        memcpy(m->x, x + start * m->n_in, b * m->n_in * sizeof(float));
        g_autoptr(GError) err = NULL;
        g_assert_true(model_forward(m, b, FALSE, NULL, &err));
        for (size_t r = 0; r < b; r++)
            right += row_class(m->pred + r * m->n_out, m->n_out, threshold) ==
                     row_class(y + (start + r) * m->n_out, m->n_out, threshold);
    }
    return (double)right / (double)rows;
}

/* The loss of the untrained network of m on rows (rows, n_in)/(rows, n_out), in one
 * forward (m's batch holds them). */
static double loss_of(const experiment *e, model *m, const data_split *d, const float *x,
                      const float *y, size_t rows)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(run_loss) loss = loss_new(&e->loss, tu_host(), d->y_train, d->n_train, d->n_out,
                                        &err);
    g_assert_no_error(err);
    g_assert_cmpuint(rows, <=, m->max_batch);
    memcpy(m->x, x, rows * m->n_in * sizeof(float));
    g_assert_true(model_forward(m, rows, FALSE, NULL, &err));
    double l = 0;
    g_assert_true(loss_compute(loss, &l, NULL, m->pred, y, rows, m->n_out, &err));
    return l;
}

/* accuracy and val_accuracy follow lr in metrics.csv for classification losses only.
 * With the `none` optimizer and no dropout the network never changes and a training
 * forward equals an inference one, so every epoch's accuracy is what the untrained network
 * scores, which this test computes itself: three one-hot classes (cce) and one 0/1 column
 * with its -1/+1 twin (bce at 0.5, hinge at 0).  The validation loss too, both when the
 * validation rows go through the probe batch's forward (probe = 100) and when they are
 * evaluated apart, in chunks (probe = 8: chunks of 16 rows). */
static void test_accuracy_columns(void)
{
    run_result reg = train_text(regression_cfg, 0);
    g_assert_true(g_str_has_prefix(reg.metrics->str, "epoch,loss,val_loss,lr,y0_std,"));
    g_assert_null(strstr(reg.metrics->str, "accuracy"));
    run_result_clear(&reg);

    static const struct {
        const char *dataset, *model, *loss;
        double threshold;
    } cases[] = {
        {"plugin = \"blobs\"; samples = 150; classes = 3; spread = 3.0;",
         "{ name = \"h\"; units = 8; activation = \"relu\"; }, "
         "{ name = \"p\"; units = 3; activation = \"softmax\"; }",
         "cce", 0.5},
        {"plugin = \"xor\"; samples = 150; noise = 0.5;",
         "{ name = \"h\"; units = 8; activation = \"tanh\"; }, "
         "{ name = \"p\"; units = 1; activation = \"sigmoid\"; }",
         "bce", 0.5},
        {"plugin = \"xor\"; samples = 150; noise = 0.5;",
         "{ name = \"h\"; units = 8; activation = \"tanh\"; }, { name = \"p\"; units = 1; }",
         "hinge", 0.0},
    };
    for (size_t k = 0; k < 2 * G_N_ELEMENTS(cases); k++) {
        size_t i = k / 2;
        int probe = k % 2 ? 8 : 100;
        g_autofree char *cfg = g_strdup_printf(
            "seed = 4;\ndataset = { %s validation = 0.2; };\nmodel = ( %s );\n"
            "loss = \"%s\";\noptimizer = \"none\";\n"
            "train = { epochs = 3; batch = 16; probe = %d; stop_on = \"never\"; };\n",
            cases[i].dataset, cases[i].model, cases[i].loss, probe);
        g_autofree char *dir = tu_tmpdir();
        g_autofree char *path = write_cfg(dir, cfg);
        g_autoptr(GError) err = NULL;
        g_autoptr(plan) s = plan_new(path, NULL, tu_registry(), tu_host(), TRUE, &err);
        g_assert_no_error(err);
        g_autoptr(run_plan) p = plan_run_at(s, (int)0, &err);
        g_assert_no_error(err);
        run_result out = {0};
        g_assert_true(train_run(p->exp, (uint64_t)p->seed, tu_host(), &out, &err));
        g_assert_no_error(err);
        g_assert_true(
            g_str_has_prefix(out.metrics->str, "epoch,loss,val_loss,lr,accuracy,val_accuracy,"));

        g_autoptr(data_split) d = data_load(p->exp, tu_host(), &err);
        g_assert_no_error(err);
        g_autoptr(fl_rng) init = rng_derive((uint64_t)p->seed, TRAIN_STREAM_INIT);
        g_autoptr(model) m = model_build(p->exp, &d->in_shape, d->n_in, d->n_out, d->n_val,
                                         tu_host(), init, &err);
        g_assert_no_error(err);
        double want = accuracy_of(m, d->x_train, d->y_train, d->n_train, cases[i].threshold);
        double want_val = accuracy_of(m, d->x_val, d->y_val, d->n_val, cases[i].threshold);
        double want_val_loss = loss_of(p->exp, m, d, d->x_val, d->y_val, d->n_val);
        g_test_message("%s: accuracy %.4f, val_accuracy %.4f", cases[i].loss, want, want_val);
        /* Zero-trust: neither all right nor all wrong, so a miscount shows. */
        g_assert_cmpfloat(want, >, 0.05);
        g_assert_cmpfloat(want, <, 0.95);
        g_autoptr(GArray) acc = metrics_column(out.metrics->str, "accuracy");
        g_autoptr(GArray) val = metrics_column(out.metrics->str, "val_accuracy");
        g_autoptr(GArray) val_loss = metrics_column(out.metrics->str, "val_loss");
        g_assert_cmpuint(acc->len, ==, 4); /* epochs 0..3 */
        g_assert_cmpuint(d->n_val, ==, 30);
        for (guint e = 0; e < acc->len; e++) {
            g_assert_cmpfloat_with_epsilon(g_array_index(acc, double, e), want, 1e-8);
            g_assert_cmpfloat_with_epsilon(g_array_index(val, double, e), want_val, 1e-8);
            g_assert_cmpfloat_with_epsilon(g_array_index(val_loss, double, e), want_val_loss,
                                           1e-6 * fabs(want_val_loss));
        }
        run_result_clear(&out);
        tu_rmtree(dir);
    }
}

/* The data of run 0 of an experiment text, and its resolved text in *cfg_text. */
static data_split *load_run0(const char *text, char **cfg_text)
{
    g_autoptr(run_plan) r = resolve_run0(text);
    g_autoptr(GError) err = NULL;
    *cfg_text = g_strdup(r->cfg_text);
    data_split *d = data_load(r->exp, tu_host(), &err);
    g_assert_no_error(err);
    return d;
}

/* The probe batch: the first training rows when the rows were shuffled before the split;
 * unshuffled (the file's order, often sorted by label), rows spread evenly over the
 * training rows, so that a file sorted by class does not probe one class. */
static void test_probe_rows(void)
{
    static const char base[] =
        "seed = 3;\n"
        "dataset = { plugin = \"linear\"; samples = 100; validation = 0.2; shuffle = %s; };\n"
        "model = ( { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\n"
        "optimizer = \"adam\";\n"
        "train = { epochs = 2; probe = 20; };\n";
    for (int shuffled = 0; shuffled < 2; shuffled++) {
        g_autofree char *text = g_strdup_printf(base, shuffled ? "true" : "false");
        g_autofree char *cfg = NULL;
        g_autoptr(data_split) d = load_run0(text, &cfg);
        g_assert_cmpuint(d->n_train, ==, 80);
        g_assert_cmpuint(d->n_probe, ==, 20);
        for (size_t i = 0; i < d->n_probe; i++) {
            size_t r = shuffled ? i : i * 4; /* 80 rows, 20 probes: every fourth */
            g_assert_cmpmem(d->x_probe + i * d->n_in, d->n_in * sizeof(float),
                            d->x_train + r * d->n_in, d->n_in * sizeof(float));
            g_assert_cmpfloat(d->y_probe[i], ==, d->y_train[r]);
        }
        g_assert_true(shuffled ? d->x_probe == d->x_train : d->x_probe != d->x_train);
    }
}

/* dataset.normalize_targets = "standard": the training targets come out with mean 0 and
 * std 1 per column, the validation rows scaled by the training rows' statistics (not their
 * own), the target statistics describe the scaled targets; a classification loss refuses
 * the key naming it; the resolved text carries the key only when it is set, so results
 * saved before the key existed keep their fingerprint. */
static void test_normalize_targets(void)
{
    static const char base[] =
        "seed = 3;\n"
        "dataset = { plugin = \"linear\"; samples = 80; validation = 0.25;%s };\n"
        "model = ( { name = \"out\"; units = 1; } );\n"
        "loss = \"%s\";\n"
        "optimizer = \"adam\";\n"
        "train = { epochs = 2; };\n";
    g_autoptr(GError) err = NULL;

    g_autofree char *raw_text = g_strdup_printf(base, "", "mse");
    g_autofree char *raw_cfg = NULL;
    g_autoptr(data_split) a = load_run0(raw_text, &raw_cfg);
    g_assert_null(strstr(raw_cfg, "normalize_targets"));

    g_autofree char *std_text = g_strdup_printf(base, " normalize_targets = \"standard\";", "mse");
    g_autofree char *std_cfg = NULL;
    g_autoptr(data_split) b = load_run0(std_text, &std_cfg);
    g_assert_nonnull(strstr(std_cfg, "normalize_targets = \"standard\";"));

    g_assert_cmpuint(a->n_train, ==, 60);
    g_assert_cmpuint(b->n_val, ==, a->n_val);
    g_assert_cmpfloat(a->target_std[0], >, 0);
    double sum = 0, sq = 0;
    for (size_t r = 0; r < b->n_train; r++) {
        double y = b->y_train[r];
        double want = (a->y_train[r] - a->target_mean[0]) / a->target_std[0];
        g_assert_cmpfloat_with_epsilon(y, want, 1e-5 * MAX(1.0, fabs(want)));
        sum += y;
        sq += y * y;
    }
    g_assert_cmpfloat_with_epsilon(sum / (double)b->n_train, 0.0, 1e-5);
    g_assert_cmpfloat_with_epsilon(sqrt(sq / (double)b->n_train), 1.0, 1e-5);
    g_assert_cmpfloat_with_epsilon(b->target_mean[0], 0.0, 1e-5);
    g_assert_cmpfloat_with_epsilon(b->target_std[0], 1.0, 1e-5);
    for (size_t r = 0; r < b->n_val; r++) {
        double want = (a->y_val[r] - a->target_mean[0]) / a->target_std[0];
        g_assert_cmpfloat_with_epsilon(b->y_val[r], want, 1e-5 * MAX(1.0, fabs(want)));
    }
    /* Inputs are untouched by the target key. */
    g_assert_cmpmem(a->x_train, a->n_train * a->n_in * sizeof(float), b->x_train,
                    b->n_train * b->n_in * sizeof(float));

    g_autofree char *dir3 = tu_tmpdir();
    g_autofree char *bce_text =
        g_strdup_printf(base, " normalize_targets = \"standard\";", "bce");
    g_autofree char *bce_path = write_cfg(dir3, bce_text);
    g_autoptr(plan) bad = plan_new(bce_path, NULL, tu_registry(), tu_host(), FALSE, &err);
    g_assert_null(bad);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, ":2: "));
    g_assert_nonnull(strstr(err->message, "dataset.normalize_targets"));
    g_assert_nonnull(strstr(err->message, "\"bce\""));
    tu_rmtree(dir3);
}

/* What detectors are told about a run: every field of fl_probes and fl_layer_desc filled
 * from the configuration and the model, layers found by index, initial values measured on
 * the model's own tensors. */
static void test_probes_describe(void)
{
    static const char cfg[] =
        "seed = 2;\n"
        "dataset = { plugin = \"xor\"; samples = 60; normalize = \"standard\"; "
        "validation = 0.25; };\n"
        "model = ( { name = \"h1\"; units = 5; activation = \"relu\"; init = \"he_uniform\"; "
        "bias_init = { plugin = \"constant\"; value = 0.5; }; },\n"
        "          { name = \"bn\"; layer = \"batchnorm\"; },\n"
        "          { name = \"out\"; units = 1; activation = \"sigmoid\"; } );\n"
        "loss = \"bce\";\n"
        "optimizer = { plugin = \"sgd\"; lr = 0.05; schedule = { plugin = "
        "\"exponential_decay\"; decay_steps = 10; decay_rate = 0.5; }; };\n"
        "train = { epochs = 4; batch = 15; };\n";
    g_autoptr(run_plan) rp = resolve_run0(cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(data_split) d = data_load(rp->exp, tu_host(), &err);
    g_assert_no_error(err);
    g_autoptr(fl_rng) init = rng_derive((uint64_t)rp->seed, TRAIN_STREAM_INIT);
    g_autoptr(model) m =
        model_build(rp->exp, &d->in_shape, d->n_in, d->n_out, 45, tu_host(), init, &err);
    g_assert_no_error(err);
    g_autoptr(run_loss) loss = loss_new(&rp->exp->loss, tu_host(), d->y_train, d->n_train,
                                        d->n_out, &err);
    g_assert_no_error(err);
    g_autoptr(probe_book) book = probes_new(rp->exp, d, loss, m, tu_host(), &err);
    g_assert_no_error(err);
    const fl_probes *p = probes_view(book);

    g_assert_cmpuint(p->size, ==, sizeof *p);
    g_assert_cmpuint(p->layer_stride, ==, sizeof(fl_layer_desc));
    g_assert_cmpuint(p->n_layers, ==, 3);
    g_assert_cmpuint(p->in_shape.rank, ==, 1);
    g_assert_cmpuint(p->in_shape.dims[0], ==, 2);
    g_assert_cmpuint(p->loss_flags, ==, tu_plugin(FL_KIND_LOSS, "bce")->ops.loss->flags);
    g_assert_true(p->loss_flags & FL_LOSS_PROBABILITIES);
    g_assert_cmpuint(p->optimizer_flags, ==, 0);
    g_assert_cmpuint(p->schedule_flags, ==, FL_SCHEDULE_DECAYS);
    g_assert_cmpfloat(p->base_lr, ==, 0.05);
    g_assert_cmpfloat(p->default_lr, ==, 0.01); /* sgd's own default, Keras' */
    g_assert_cmpint(p->normalize, ==, FL_NORMALIZE_STANDARD);
    /* 4 epochs of 3 steps: the rate of step 11 is 0.05 * 0.5^(11 / 10). */
    g_assert_cmpfloat_with_epsilon(p->final_lr, 0.05 * pow(0.5, 1.1), 1e-15);

    const fl_layer_desc *h1 = fl_probes_layer(p, 0), *bn = fl_probes_layer(p, 1),
                        *out = fl_probes_layer(p, 2);
    g_assert_cmpuint(h1->size, ==, sizeof *h1);
    g_assert_cmpstr(h1->name, ==, "h1");
    g_assert_cmpint(h1->input, ==, -1);
    g_assert_null(h1->input_name);
    g_assert_cmpint(bn->input, ==, 0);
    g_assert_cmpstr(bn->input_name, ==, "h1");
    g_assert_cmpint(out->input, ==, 1);
    g_assert_cmpuint(h1->units, ==, 5);
    g_assert_cmpuint(h1->n_in, ==, 2);
    g_assert_cmpuint(h1->n_out, ==, 5);
    g_assert_cmpuint(h1->out_shape.dims[0], ==, 5);
    g_assert_cmpuint(bn->in_shape.dims[0], ==, 5);
    /* The kernel: He's initializer, measured on the model's own values. */
    g_assert_true(h1->has_kernel && h1->has_weights);
    g_assert_cmpstr(h1->init, ==, "he_uniform");
    g_assert_cmpuint(h1->init_flags, ==, FL_INIT_FOR_RELU);
    g_assert_cmpuint(h1->fan_in, ==, 2);
    const float *kernel = m->layers[0].tensors[0];
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < 10; i++) {
        lo = fmin(lo, kernel[i]);
        hi = fmax(hi, kernel[i]);
    }
    g_assert_cmpfloat(h1->init_min, ==, lo);
    g_assert_cmpfloat(h1->init_max, ==, hi);
    g_assert_cmpfloat(hi - lo, >, 0.1);
    g_assert_cmpfloat(hi, <=, sqrt(6.0 / 2));
    /* The bias: its own initializer and values. */
    g_assert_true(h1->has_bias);
    g_assert_cmpstr(h1->bias_init, ==, "constant");
    g_assert_cmpfloat(h1->bias_min, ==, 0.5);
    g_assert_cmpfloat(h1->bias_max, ==, 0.5);
    /* Batchnorm learns a scale and a shift, not a kernel. */
    g_assert_true(bn->has_weights);
    g_assert_false(bn->has_kernel || bn->has_bias);
    g_assert_null(bn->init);
    g_assert_cmpuint(out->init_flags, ==, 0); /* glorot_uniform, Keras' default */
    g_assert_true(out->is_output);

    memcpy(m->x, d->x_train, 15 * d->n_in * sizeof(float));
    probe_scores sc = {.loss = 1, .val_loss = 2, .lr = 0.05, .accuracy = 0.25,
                       .val_accuracy = 0.75};
    g_assert_true(probes_record(book, 0, &sc, &err));
    g_assert_no_error(err);
    p = probes_view(book);
    g_assert_cmpuint(p->history_stride, ==, sizeof(fl_epoch_probe));
    const fl_epoch_probe *e0 = fl_probes_now(p);
    g_assert_cmpuint(e0->size, ==, sizeof *e0);
    g_assert_cmpuint(e0->layer_stride, ==, sizeof(fl_layer_probe));
    g_assert_cmpfloat(e0->accuracy, ==, 0.25);
    g_assert_cmpfloat(e0->val_accuracy, ==, 0.75);
    g_assert_cmpuint(fl_epoch_layer(e0, 2)->size, ==, sizeof(fl_layer_probe));
    /* Saturation is a number for the sigmoid only. */
    g_assert_true(isnan(fl_epoch_layer(e0, 0)->saturated));
    g_assert_true(isnan(fl_epoch_layer(e0, 1)->saturated));
    g_assert_true(isfinite(fl_epoch_layer(e0, 2)->saturated));
}

/* Memory that runs out in the middle of a run crashes that run with the reason, and does
 * not abort the process.  32000059 weights (2x1e6 + 1e6, 1e6x29 + 29, 29 + 1): the weights
 * and their gradients (256 MB), the weights at the start of an epoch (128 MB) and
 * activations of 4 rows (~50 MB) fit in 560 MB more than is mapped now; Adam's two slots
 * (2 x 32000059 floats) then do not.  The model itself (1 GB with Adam) is below the
 * address-space limit, so the check before training lets it pass. */
static void test_allocation_failure(void)
{
    if (skip_without_address_limit())
        return;
    static const char cfg[] =
        "seed = 1;\ndataset = { plugin = \"sine2d\"; samples = 4; };\n"
        "model = ( { name = \"h1\"; units = 1000000; activation = \"relu\"; },\n"
        "          { name = \"h2\"; units = 29; activation = \"relu\"; },\n"
        "          { name = \"out\"; units = 1; } );\n"
        "loss = \"mse\";\noptimizer = \"adam\";\ntrain = { epochs = 1; batch = 4; };\n"
        "detectors = ( );\n";
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
        g_test_trap_assert_passed();
        return;
    }
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_cfg(dir, cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(plan) s = plan_new(path, NULL, tu_registry(), tu_host(), FALSE, &err);
    g_assert_no_error(err);
    g_autoptr(run_plan) p = plan_run_at(s, (int)0, &err);
    g_assert_no_error(err);
    struct rlimit lim = {.rlim_cur = mapped_bytes() + 560ull * 1000 * 1000,
                         .rlim_max = RLIM_INFINITY};
    g_assert_cmpint(setrlimit(RLIMIT_AS, &lim), ==, 0);
    run_result out = {0};
    g_assert_true(train_run(p->exp, (uint64_t)p->seed, tu_host(), &out, &err));
    g_assert_no_error(err);
    g_test_message("status %d: %s", (int)out.status, out.reason);
    g_assert_cmpint(out.status, ==, RUN_CRASHED);
    g_autofree char *want = g_strdup_printf("cannot allocate %zu bytes for the optimizer's state",
                                            (size_t)2 * 32000059 * sizeof(float));
    g_assert_nonnull(strstr(out.reason, want));
    run_result_clear(&out);
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
                    "stopped_epoch,epochs_saved,accuracy,majority_accuracy");
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
    g_test_add_func("/train/reused-model", test_reused_model);
    g_test_add_data_func("/train/packed/relu", packed_relu_cfg, test_packed_runs);
    g_test_add_data_func("/train/packed/stopping", packed_stopping_cfg, test_packed_runs);
    g_test_add_data_func("/train/packed/softmax", packed_softmax_cfg, test_packed_runs);
    g_test_add_data_func("/train/packed/two-heads", packed_heads_cfg, test_packed_runs);
    g_test_add_data_func("/train/packed/sigmoid", packed_sigmoid_cfg, test_packed_runs);
    g_test_add_func("/train/packed/needs-every-layer", test_pack_needs_every_layer);
    g_test_add_func("/train/packed/too-big-for-memory", test_pack_too_big);
    g_test_add_func("/train/branching-heads", test_branching_heads);
    g_test_add_func("/train/none-optimizer-freezes", test_none_optimizer_freezes);
    g_test_add_func("/train/learned-after-stall", test_learned_after_stall);
    g_test_add_func("/train/batchnorm-moving-averages", test_batchnorm);
    g_test_add_func("/train/no-oscillation-at-fit", test_no_oscillation_at_fit);
    g_test_add_func("/train/underfit-softmax-labels", test_underfit_softmax_labels);
    g_test_add_func("/train/dead-and-saturated-probes", test_dead_and_saturated_probes);
    g_test_add_func("/train/accuracy-rule", test_accuracy_rule);
    g_test_add_func("/train/accuracy-columns", test_accuracy_columns);
    g_test_add_func("/train/allocation-failure", test_allocation_failure);
    g_test_add_func("/train/probes-describe", test_probes_describe);
    g_test_add_func("/train/normalize-targets", test_normalize_targets);
    g_test_add_func("/train/probe-rows", test_probe_rows);
    g_test_add_func("/cli/results-resume-force", test_cli_results_resume_force);
    g_test_add_func("/cli/check-and-plugins", test_cli_check_and_plugins);
    return g_test_run();
}
