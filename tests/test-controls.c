/* test-controls.c — well-posed networks that must not be called collapsed.
 *
 * False alarms are bugs: a detector that fires on a network that learns teaches users to
 * ignore it.  Each control below is a small, healthy setup unlike the experiments in
 * experiments/ (other datasets, activations, optimizers, layers), run over 5 seeds with the
 * real binary.  Asserted: every run finishes, learns (final loss below half the epoch-0
 * loss: the control is a working network, not a vacuous one), and is never `collapsed`;
 * and over all controls at most a minority of the runs carry a `warning`.  Each warning
 * is printed with its causes and evidence so that it can be judged. */
#include "testutil.h"

#include <math.h>
#include <string.h>

#define CONTROLS_SEEDS 5

typedef struct control {
    const char *name;
    const char *why;
    const char *cfg;
} control;

static const control controls[] = {
    {"deep-tanh", "a deep tanh stack (five layers) that Glorot init and Adam train well",
     "name = \"deep-tanh\";\n"
     "dataset = { plugin = \"sine2d\"; samples = 200; validation = 0.2; };\n"
     "model = (\n"
     "  { name = \"h1\"; units = 16; activation = \"tanh\"; },\n"
     "  { name = \"h2\"; units = 16; activation = \"tanh\"; },\n"
     "  { name = \"h3\"; units = 16; activation = \"tanh\"; },\n"
     "  { name = \"h4\"; units = 16; activation = \"tanh\"; },\n"
     "  { name = \"h5\"; units = 16; activation = \"tanh\"; },\n"
     "  { name = \"out\"; units = 1; }\n"
     ");\n"
     "loss = \"mse\";\n"
     "optimizer = { plugin = \"adam\"; lr = 0.005; };\n"
     "train = { epochs = 80; batch = 32; };\n"},
    {"multi-head", "two branches with two heads each on uncorrelated targets: heads that truly differ",
     "name = \"multi-head\";\n"
     "dataset = { plugin = \"multi_output\"; features = 2; outputs = 4; samples = 300; validation = 0.2; };\n"
     "model = (\n"
     "  { name = \"trunk\"; units = 32; activation = \"tanh\"; },\n"
     "  { name = \"a\"; from = \"trunk\"; units = 8; activation = \"tanh\"; },\n"
     "  { name = \"ya\"; from = \"a\"; units = 2; output = true; },\n"
     "  { name = \"b\"; from = \"trunk\"; units = 8; activation = \"elu\"; },\n"
     "  { name = \"yb\"; from = \"b\"; units = 2; output = true; }\n"
     ");\n"
     "loss = \"mse\";\n"
     "optimizer = { plugin = \"adam\"; lr = 0.01; };\n"
     "train = { epochs = 80; batch = 32; };\n"},
    {"imbalanced-separable", "20:1 class imbalance on well separated blobs, learned to ~1e-3 loss",
     "name = \"imbalanced-separable\";\n"
     "dataset = { plugin = \"blobs\"; classes = 3; imbalance = 20.0; spread = 1.0; samples = 400; validation = 0.2; normalize = \"standard\"; };\n"
     "model = (\n"
     "  { name = \"h1\"; units = 16; activation = \"relu\"; init = \"he_uniform\"; },\n"
     "  { name = \"out\"; units = 3; activation = \"softmax\"; }\n"
     ");\n"
     "loss = \"cce\";\n"
     "optimizer = { plugin = \"adam\"; lr = 0.01; };\n"
     "train = { epochs = 60; batch = 32; };\n"},
    {"batchnorm", "batch normalization between dense layers on xor",
     "name = \"batchnorm\";\n"
     "dataset = { plugin = \"xor\"; samples = 300; noise = 0.2; validation = 0.2; };\n"
     "model = (\n"
     "  { name = \"h1\"; units = 16; },\n"
     "  { name = \"bn1\"; layer = \"batchnorm\"; },\n"
     "  { name = \"a1\"; units = 16; activation = \"relu\"; init = \"he_uniform\"; },\n"
     "  { name = \"bn2\"; layer = \"batchnorm\"; },\n"
     "  { name = \"out\"; units = 1; activation = \"sigmoid\"; }\n"
     ");\n"
     "loss = \"bce\";\n"
     "optimizer = { plugin = \"adam\"; lr = 0.01; };\n"
     "train = { epochs = 60; batch = 32; };\n"},
    {"dropout", "dropout 0.2 on circles",
     "name = \"dropout\";\n"
     "dataset = { plugin = \"circles\"; samples = 400; noise = 0.05; validation = 0.2; };\n"
     "model = (\n"
     "  { name = \"h1\"; units = 32; activation = \"relu\"; init = \"he_uniform\"; },\n"
     "  { name = \"d1\"; layer = \"dropout\"; rate = 0.2; },\n"
     "  { name = \"h2\"; units = 32; activation = \"relu\"; init = \"he_uniform\"; },\n"
     "  { name = \"d2\"; layer = \"dropout\"; rate = 0.2; },\n"
     "  { name = \"out\"; units = 1; activation = \"sigmoid\"; }\n"
     ");\n"
     "loss = \"bce\";\n"
     "optimizer = { plugin = \"adam\"; lr = 0.01; };\n"
     "train = { epochs = 60; batch = 32; };\n"},
    {"sgd-momentum", "SGD with Nesterov momentum on a tanh teacher",
     "name = \"sgd-momentum\";\n"
     "dataset = { plugin = \"teacher\"; features = 4; hidden = 8; depth = 2; samples = 300; validation = 0.2; };\n"
     "model = (\n"
     "  { name = \"h1\"; units = 32; activation = \"tanh\"; },\n"
     "  { name = \"h2\"; units = 16; activation = \"tanh\"; },\n"
     "  { name = \"out\"; units = 1; }\n"
     ");\n"
     "loss = \"mse\";\n"
     "optimizer = { plugin = \"sgd\"; lr = 0.02; momentum = 0.9; nesterov = true; };\n"
     "train = { epochs = 80; batch = 32; };\n"},
    {"rmsprop", "RMSprop on a cubic",
     "name = \"rmsprop\";\n"
     "dataset = { plugin = \"polynomial\"; degree = 3; samples = 300; validation = 0.2; };\n"
     "model = (\n"
     "  { name = \"h1\"; units = 32; activation = \"relu\"; init = \"he_uniform\"; },\n"
     "  { name = \"out\"; units = 1; }\n"
     ");\n"
     "loss = \"mse\";\n"
     "optimizer = { plugin = \"rmsprop\"; lr = 0.003; };\n"
     "train = { epochs = 80; batch = 32; };\n"},
    {"adagrad", "Adagrad with an MAE loss and two linear targets",
     "name = \"adagrad\";\n"
     "dataset = { plugin = \"linear\"; features = 5; outputs = 2; samples = 300; validation = 0.2; };\n"
     "model = (\n"
     "  { name = \"h1\"; units = 16; activation = \"softplus\"; },\n"
     "  { name = \"out\"; units = 2; }\n"
     ");\n"
     "loss = \"mae\";\n"
     "optimizer = { plugin = \"adagrad\"; lr = 0.1; };\n"
     "train = { epochs = 80; batch = 32; };\n"},
    {"selu-classes", "selu and leaky_relu units, 4 blob classes, small batches",
     "name = \"selu-classes\";\n"
     "dataset = { plugin = \"blobs\"; classes = 4; features = 3; spread = 2.0; samples = 400; validation = 0.2; normalize = \"standard\"; };\n"
     "model = (\n"
     "  { name = \"h1\"; units = 24; activation = \"selu\"; init = \"lecun_normal\"; },\n"
     "  { name = \"h2\"; units = 24; activation = { plugin = \"leaky_relu\"; alpha = 0.1; }; init = \"he_normal\"; },\n"
     "  { name = \"out\"; units = 4; activation = \"softmax\"; }\n"
     ");\n"
     "loss = \"cce\";\n"
     "optimizer = { plugin = \"sgd\"; lr = 0.05; momentum = 0.5; };\n"
     "train = { epochs = 60; batch = 16; };\n"},
    {"standardized-mixed-scales", "a sigmoid layer on mixed-scale inputs after standardization",
     "name = \"standardized-mixed-scales\";\n"
     "dataset = { plugin = \"mixed_scales\"; features = 4; orders = 4; samples = 300; normalize = \"standard\"; validation = 0.2; };\n"
     "model = (\n"
     "  { name = \"h1\"; units = 32; activation = \"sigmoid\"; },\n"
     "  { name = \"out\"; units = 1; }\n"
     ");\n"
     "loss = \"mse\";\n"
     "optimizer = { plugin = \"adam\"; lr = 0.02; };\n"
     "train = { epochs = 80; batch = 32; };\n"},
};

static guint controls_runs, controls_warnings;

/* Column `name` of a CSV header line, or -1. */
static int controls_column(const char *header, const char *name)
{
    g_auto(GStrv) head = g_strsplit(header, ",", -1);
    for (int i = 0; head[i]; i++)
        if (!strcmp(head[i], name))
            return i;
    return -1;
}

/* The loss at epoch 0 of one run, from its metrics.csv. */
static double controls_loss0(const char *res, const char *run)
{
    g_autofree char *path = g_build_filename(res, "runs", run, "metrics.csv", NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        g_test_fail_printf("cannot read %s", path);
        return NAN;
    }
    g_auto(GStrv) lines = g_strsplit(text, "\n", 3);
    if (!lines[0] || !lines[1]) {
        g_test_fail_printf("%s has no epoch-0 row", path);
        return NAN;
    }
    int c_epoch = controls_column(lines[0], "epoch"), c_loss = controls_column(lines[0], "loss");
    g_assert_cmpint(c_epoch, ==, 0);
    g_assert_cmpint(c_loss, >, 0);
    g_auto(GStrv) cells = g_strsplit(lines[1], ",", -1);
    if (c_epoch != 0 || c_loss < 1 || (int)g_strv_length(cells) <= c_loss ||
        strcmp(cells[0], "0") != 0) {
        g_test_fail_printf("%s: unexpected layout", path);
        return NAN;
    }
    return g_ascii_strtod(cells[c_loss], NULL);
}

/* The findings of a run's verdict.json, as text for a message. */
static char *controls_findings(const char *res, const char *run)
{
    g_autofree char *path = g_build_filename(res, "runs", run, "verdict.json", NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return g_strdup("(no verdict.json)");
    const char *f = strstr(text, "\"findings\"");
    return g_strdup(f ? f : text);
}

static void test_control(gconstpointer data)
{
    const control *c = data;
    g_test_message("%s: %s", c->name, c->why);
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *cfg = g_build_filename(dir, "control.cfg", NULL);
    g_assert_true(g_file_set_contents(cfg, c->cfg, -1, NULL));
    g_autofree char *res = g_build_filename(dir, "res", NULL);
    const char *argv[] = {tu_flatline(), "run", cfg, "-o", res, "--set", "repeats=5", "--quiet",
                          NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = tu_run(argv, NULL, &out, &err);
    g_autofree char *summary_path = g_build_filename(res, "summary.csv", NULL);
    g_autofree char *summary = NULL;
    if (status != 0 || !g_file_get_contents(summary_path, &summary, NULL, NULL)) {
        g_test_fail_printf("%s: flatline exited with %d: %s", c->name, status, err);
        tu_rmtree(dir);
        return;
    }
    g_auto(GStrv) lines = g_strsplit(summary, "\n", -1);
    int c_run = controls_column(lines[0], "run"), c_status = controls_column(lines[0], "status");
    int c_verdict = controls_column(lines[0], "verdict");
    int c_causes = controls_column(lines[0], "causes");
    int c_final = controls_column(lines[0], "final_loss");
    g_assert_cmpint(c_run, ==, 0);
    g_assert_cmpint(c_status, >, 0);
    g_assert_cmpint(c_verdict, >, 0);
    g_assert_cmpint(c_causes, >, 0);
    g_assert_cmpint(c_final, >, 0);
    if (c_run != 0 || c_status < 1 || c_verdict < 1 || c_causes < 1 || c_final < 1) {
        tu_rmtree(dir);
        return;
    }
    g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
    guint n = 0;
    for (int l = 1; lines[l]; l++) {
        if (!*lines[l])
            continue;
        g_auto(GStrv) cells = g_strsplit(lines[l], ",", -1);
        if (g_strv_length(cells) != g_strv_length(head)) {
            g_test_fail_printf("%s: summary row %d has %u cells", c->name, l,
                               g_strv_length(cells));
            continue;
        }
        n++;
        g_assert_cmpstr(cells[c_status], ==, "ok");
        double loss0 = controls_loss0(res, cells[c_run]);
        double final = g_ascii_strtod(cells[c_final], NULL);
        g_test_message("%s %s: %s [%s], loss %.4g -> %.4g", c->name, cells[c_run],
                       cells[c_verdict], cells[c_causes], loss0, final);
        g_assert_cmpfloat(final, <, 0.5 * loss0);
        if (!strcmp(cells[c_verdict], "warning")) {
            g_autofree char *findings = controls_findings(res, cells[c_run]);
            g_test_message("%s %s: warning [%s]: %s", c->name, cells[c_run], cells[c_causes],
                           findings);
            controls_warnings++;
        }
        g_assert_cmpstr(cells[c_verdict], !=, "collapsed");
        g_assert_true(!strcmp(cells[c_verdict], "healthy") || !strcmp(cells[c_verdict], "warning"));
        controls_runs++;
    }
    g_assert_cmpuint(n, ==, CONTROLS_SEEDS);
    tu_rmtree(dir);
}

/* Runs after every control: warnings on at most a minority of all runs. */
static void test_warnings_minority(void)
{
    if (controls_runs == 0) {
        g_test_skip("no control ran");
        return;
    }
    g_test_message("%u warnings in %u control runs", controls_warnings, controls_runs);
    g_assert_cmpuint(2 * controls_warnings, <, controls_runs);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* One control that fails must not hide the others. */
    g_test_set_nonfatal_assertions();
    g_assert_cmpuint(G_N_ELEMENTS(controls), >=, 8);
    for (gsize i = 0; i < G_N_ELEMENTS(controls); i++) {
        g_autofree char *path = g_strdup_printf("/controls/%s", controls[i].name);
        g_test_add_data_func(path, &controls[i], test_control);
    }
    g_test_add_func("/controls/warnings-minority", test_warnings_minority);
    return g_test_run();
}
