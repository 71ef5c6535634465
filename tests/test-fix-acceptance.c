/* test-fix-acceptance.c — fix verification judged on the experiments in experiments/,
 * run by the real binary with verification at its default budget.
 *
 * The seed-failure sweep (experiments/seed-failures.cfg, 36 runs): every grid point that
 * collapsed in most of its runs gets a verified fix; no verified fix lands on a grid point
 * that the sweep itself shows collapsing (at lr = 1e-6 x zeros, raising the rate alone
 * leads to lr = 0.001 x zeros: when that collapses, the fix must change the initializer);
 * a fix cited from the grid carries that grid point's numbers; the healthy region is the
 * set of grid points cells.csv shows without a collapse; the reruns stay in the budget.
 *
 * Failures with a -fixed twin: the verified fix heals (most fixed runs learn), its cause
 * is one the file's header names, and it changes what the twin changes: each line of the
 * resolved experiment that the fix changes is a line the twin changes too (the value may
 * differ: lr = 0.01 where the twin has 0.1).  `flatline fix` writes the repaired file,
 * whose runs collapse exactly as the verification measured (the same seeds).  What to
 * expect is read from the files and the saved results, never written here. */
#include "testutil.h"
#include "config.h"
#include "plotdata.h"
#include "verify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A failure run through verification, and the results read back. */
typedef struct fixed_run {
    char *tmp, *dir;
    verify_report *vr;
    plotdata_csv *cells;
} fixed_run;

static void fixed_run_free(fixed_run *f)
{
    verify_report_free(f->vr);
    if (f->cells)
        plotdata_csv_free(f->cells);
    tu_rmtree(f->tmp);
    g_free(f->tmp);
    g_free(f->dir);
    g_free(f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fixed_run, fixed_run_free)

static fixed_run *run_experiment(const char *name)
{
    fixed_run *f = g_new0(fixed_run, 1);
    f->tmp = tu_tmpdir();
    f->dir = g_build_filename(f->tmp, "res", NULL);
    g_autofree char *rel = g_strdup_printf("experiments/%s.cfg", name);
    g_autofree char *cfg = tu_srcpath(rel);
    const char *argv[] = {tu_flatline(), "run", cfg, "-o", f->dir, "-j", "2", "--no-plots",
                          "-q", NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = tu_run(argv, NULL, &out, &err);
    if (status != 0)
        g_test_message("flatline run %s: %s%s", name, out, err);
    g_assert_cmpint(status, ==, 0);
    g_autoptr(GError) error = NULL;
    f->vr = verify_load(f->dir, &error);
    g_assert_no_error(error);
    g_assert_nonnull(f->vr);
    g_autofree char *cells = g_build_filename(f->dir, "cells.csv", NULL);
    f->cells = plotdata_csv_read(cells, &error);
    g_assert_no_error(error);
    return f;
}

static int col(const plotdata_csv *t, const char *name)
{
    int c = plotdata_csv_column(t, name);
    g_assert_cmpint(c, >=, 0);
    return c;
}

/* The cells.csv row of a grid point (by its index), or NULL. */
static GStrv cells_row(const fixed_run *f, int cell)
{
    int c = col(f->cells, "cell");
    for (guint i = 0; i < f->cells->rows->len; i++) {
        GStrv r = f->cells->rows->pdata[i];
        if (atoi(r[c]) == cell)
            return r;
    }
    return NULL;
}

/* The grid point whose labels are these (numbers compared as numbers), or -1. */
static int find_cell(const fixed_run *f, const char *const *values)
{
    const verify_report *vr = f->vr;
    for (guint c = 0; c < vr->cell_labels->len; c++) {
        GStrv l = vr->cell_labels->pdata[c];
        gboolean same = TRUE;
        for (guint a = 0; l[a] && same; a++) {
            char *end1, *end2;
            double x = g_ascii_strtod(l[a], &end1), y = g_ascii_strtod(values[a], &end2);
            same = (!*end1 && !*end2) ? x == y : strcmp(l[a], values[a]) == 0;
        }
        if (same)
            return (int)c;
    }
    return -1;
}

static void cell_counts(const fixed_run *f, int cell, int *collapsed, int *runs)
{
    GStrv r = cells_row(f, cell);
    g_assert_nonnull(r);
    *collapsed = atoi(r[col(f->cells, "collapsed")]);
    *runs = atoi(r[col(f->cells, "runs")]);
}

static const verify_cell *verified_cell(const fixed_run *f, int cell)
{
    for (guint i = 0; i < f->vr->cells->len; i++) {
        const verify_cell *vc = f->vr->cells->pdata[i];
        if (vc->cell == cell)
            return vc;
    }
    return NULL;
}

/* The value a fix gives `key`, or NULL. */
static const char *edit_value(const verify_trial *t, const char *key)
{
    gsize n = strlen(key);
    for (char **e = t->edits; *e; e++)
        if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* ------------------------------------------------------------------ seed failures */

static void test_seed_failures(void)
{
    g_autoptr(fixed_run) f = run_experiment("seed-failures");
    const verify_report *vr = f->vr;
    g_assert_cmpuint(g_strv_length(vr->axis_keys), ==, 2);
    g_assert_cmpstr(vr->axis_keys[0], ==, "optimizer.lr");
    g_assert_cmpstr(vr->axis_keys[1], ==, "model.h1.init");
    int n_cells = (int)vr->cell_labels->len;
    g_assert_cmpint(n_cells, ==, 12);

    /* Every grid point collapsed in most of its runs has a verified fix, and the grid
     * never contradicts it. */
    int fixed = 0;
    for (int c = 0; c < n_cells; c++) {
        int k, n;
        cell_counts(f, c, &k, &n);
        if (2 * k <= n)
            continue;
        const verify_cell *vc = verified_cell(f, c);
        g_autofree char *where = verify_cell_text(vr, c);
        g_test_message("%s: collapsed %d/%d", where, k, n);
        g_assert_nonnull(vc);
        g_assert_cmpint(vc->collapsed, ==, k);
        g_assert_cmpint(vc->verified, >=, 0);
        const verify_trial *t = vr->trials->pdata[vc->verified];
        g_autofree char *fix = verify_fix_text(t);
        g_test_message("  verified: %s (%s): %d/%d -> %d/%d, %d learned", fix, t->cause,
                       t->before_k, t->before_n, t->after_k, t->after_n, t->learned);
        g_assert_true(3 * t->learned >= 2 * t->after_n);
        /* Where the fixed configuration is a grid point, the sweep shows it healthy. */
        GStrv l = vr->cell_labels->pdata[c];
        const char *lr = edit_value(t, "optimizer.lr"), *init = edit_value(t, "model.h1.init");
        guint other = g_strv_length(t->edits) - (lr != NULL) - (init != NULL);
        const char *at[] = {lr ? lr : l[0], init ? init : l[1], NULL};
        int landing = other ? -1 : find_cell(f, at);
        if (landing >= 0) {
            int lk, ln;
            cell_counts(f, landing, &lk, &ln);
            g_assert_cmpint(3 * lk, <=, ln);
        }
        fixed++;
    }
    g_assert_cmpint(fixed, >, 0);

    /* lr = 1e-6 x zeros: when raising the rate alone lands on a collapsing grid point,
     * the verified fix changes the initializer to a non-zero one. */
    const char *slow_zeros[] = {"1e-6", "zeros", NULL}, *ok_zeros[] = {"0.001", "zeros", NULL};
    int cz = find_cell(f, slow_zeros), oz = find_cell(f, ok_zeros);
    g_assert_cmpint(cz, >=, 0);
    g_assert_cmpint(oz, >=, 0);
    int k, n;
    cell_counts(f, oz, &k, &n);
    const verify_cell *vz = verified_cell(f, cz);
    if (vz && 2 * k > n) {
        g_assert_cmpint(vz->verified, >=, 0);
        const char *init = edit_value(vr->trials->pdata[vz->verified], "model.h1.init");
        g_assert_nonnull(init);
        g_assert_cmpstr(init, !=, "zeros");
    }

    /* A fix cited from the grid carries the numbers of the grid point it cites. */
    for (guint i = 0; i < vr->trials->len; i++) {
        const verify_trial *t = vr->trials->pdata[i];
        if (t->cited_cell < 0)
            continue;
        int ck, cn;
        cell_counts(f, t->cited_cell, &ck, &cn);
        g_assert_cmpint(t->after_k, ==, ck);
        g_assert_cmpint(t->after_n, ==, cn);
        g_assert_null(t->dir);
    }

    /* The healthy region: the grid points of cells.csv without a collapse, by rate. */
    g_autoptr(GString) want = g_string_new("healthy: ");
    gboolean any = FALSE;
    for (int c = 0; c < n_cells; c += 4) {
        g_autoptr(GString) inits = g_string_new(NULL);
        int healthy = 0;
        for (int i = c; i < c + 4; i++) {
            int hk, hn;
            cell_counts(f, i, &hk, &hn);
            if (hk || hn != 3)
                continue;
            healthy++;
            g_string_append_printf(inits, "%s%s", inits->len ? ", " : "",
                                   ((GStrv)vr->cell_labels->pdata[i])[1]);
        }
        if (!healthy)
            continue;
        g_string_append_printf(want, "%soptimizer.lr = %s with model.h1.init = %s",
                               any ? "; " : "", ((GStrv)vr->cell_labels->pdata[c])[0],
                               healthy == 4 ? "any value" : inits->str);
        any = TRUE;
    }
    g_test_message("%s", vr->healthy);
    g_assert_true(any);
    g_assert_cmpstr(vr->healthy, ==, want->str);
    g_assert_nonnull(strstr(vr->healthy, "optimizer.lr = 0.001 with model.h1.init = "));
    g_assert_null(strstr(vr->healthy, "zeros"));

    /* The cost: within the default budget of one extra run per sweep run. */
    g_assert_cmpint(vr->sweep_runs, ==, 36);
    g_assert_cmpint(vr->budget, ==, 36);
    g_assert_cmpint(vr->runs_added, <=, vr->budget);
}

/* ------------------------------------------------------------------ twins */

/* The resolved experiment's lines, its comments and name left out. */
static GStrv resolved_lines(const char *path, GStrv edits)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(experiment_file) file = experiment_file_read(path, &error);
    g_assert_no_error(error);
    g_autoptr(GPtrArray) ov = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
    for (char **e = edits; e && *e; e++) {
        override *o = override_parse(*e, &error);
        g_assert_no_error(error);
        g_ptr_array_add(ov, o);
    }
    g_autoptr(experiment) x = experiment_resolve(file, ov, tu_registry(), &error);
    g_assert_no_error(error);
    g_autofree char *text = experiment_to_text(x, NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    for (char **l = lines; *l; l++)
        if (**l != '#' && !g_str_has_prefix(*l, "name ="))
            g_strv_builder_add(b, *l);
    return g_strv_builder_end(b);
}

/* What a file says after `mark`, up to the first of `stops`. */
static char *text_after(const char *path, const char *mark, const char *stops)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    const char *p = strstr(text, mark);
    g_assert_nonnull(p);
    p += strlen(mark);
    return g_strndup(p, strcspn(p, stops));
}

/* One of the causes joined by "+" in `cause` is one the header of the experiment at path
 * names ("# expect-cause:"). */
static gboolean cause_named(const char *path, const char *cause)
{
    g_autofree char *line = text_after(path, "# expect-cause:", "\n");
    g_auto(GStrv) expect = g_strsplit_set(g_strstrip(line), " ", -1);
    g_auto(GStrv) causes = g_strsplit(cause, "+", -1);
    gboolean named = FALSE;
    for (char **c = causes; *c; c++)
        named |= g_strv_contains((const char *const *)expect, *c);
    return named;
}

/* Run a repaired file (one grid point) into dir: its runs, and how many collapsed. */
static void run_repaired(const char *cfg, const char *dir, int *runs, int *collapsed)
{
    const char *run[] = {tu_flatline(), "run", cfg, "-o", dir, "-j", "2", "--no-plots", "-q",
                         NULL};
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(tu_run(run, NULL, &out, &err), ==, 0);
    g_autofree char *cells_path = g_build_filename(dir, "cells.csv", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(plotdata_csv) cells = plotdata_csv_read(cells_path, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(cells->rows->len, ==, 1);
    GStrv row = cells->rows->pdata[0];
    *runs = atoi(row[col(cells, "runs")]);
    *collapsed = atoi(row[col(cells, "collapsed")]);
}

static void test_twin(gconstpointer data)
{
    const char *name = data;
    g_autoptr(fixed_run) f = run_experiment(name);
    const verify_report *vr = f->vr;
    g_autofree char *rel = g_strdup_printf("experiments/%s.cfg", name);
    g_autofree char *rel_twin = g_strdup_printf("experiments/%s-fixed.cfg", name);
    g_autofree char *path = tu_srcpath(rel), *twin = tu_srcpath(rel_twin);

    /* It collapsed (its own test says so over five seeds): one grid point to fix. */
    g_assert_cmpuint(vr->cells->len, ==, 1);
    const verify_cell *vc = vr->cells->pdata[0];
    g_test_message("%s: collapsed %d/%d, %d candidates, %d tried", name, vc->collapsed,
                   vc->runs, vc->candidates, vc->tried);
    for (guint i = 0; i < vr->trials->len; i++) {
        const verify_trial *t = vr->trials->pdata[i];
        g_autofree char *fix = verify_fix_text(t);
        g_test_message("  %s (%s): %d/%d -> %d/%d, %d learned%s", fix, t->cause, t->before_k,
                       t->before_n, t->after_k, t->after_n, t->learned,
                       t->verified ? ": verified" : "");
    }
    g_assert_cmpint(vc->verified, >=, 0);
    const verify_trial *t = vr->trials->pdata[vc->verified];
    g_assert_true(2 * t->after_k < t->after_n);
    g_assert_true(3 * t->learned >= 2 * t->after_n);

    /* Its cause is one the header names. */
    g_assert_true(cause_named(path, t->cause));

    /* It changes what the twin changes. */
    g_auto(GStrv) before = resolved_lines(path, NULL);
    g_auto(GStrv) after = resolved_lines(path, t->edits);
    g_auto(GStrv) fixed_twin = resolved_lines(twin, NULL);
    guint n = g_strv_length(before);
    g_assert_cmpuint(g_strv_length(after), ==, n);
    g_assert_cmpuint(g_strv_length(fixed_twin), ==, n);
    guint changed = 0;
    for (guint i = 0; i < n; i++) {
        if (strcmp(before[i], after[i]) == 0)
            continue;
        changed++;
        g_test_message("  fix: %s -> %s; twin: %s", g_strstrip(before[i]),
                       g_strstrip(after[i]), g_strstrip(fixed_twin[i]));
        g_assert_cmpstr(before[i], !=, fixed_twin[i]);
    }
    g_assert_cmpuint(changed, >, 0);

    /* flatline fix writes the repaired file; run on the same seeds, it collapses exactly
     * as the verification measured. */
    g_autofree char *fixed_cfg = g_build_filename(f->tmp, "fixed.cfg", NULL);
    g_autofree char *fixed_dir = g_build_filename(f->tmp, "fixed", NULL);
    const char *fix[] = {tu_flatline(), "fix", f->dir, "-o", fixed_cfg, NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = tu_run(fix, NULL, &out, &err);
    g_test_message("flatline fix: %s%s", out, err);
    g_assert_cmpint(status, ==, 0);
    int runs, collapsed;
    run_repaired(fixed_cfg, fixed_dir, &runs, &collapsed);
    g_assert_cmpint(runs, ==, t->after_n);
    g_assert_cmpint(collapsed, ==, t->after_k);
}

/* flatline fix FILE.cfg, at its own budget (larger than a sweep's): a failure whose fix
 * the sweep's budget does not reach (the candidates every run proposes go first) is
 * repaired, the cause it names is one the header names, and the file trains healthy. */
static void test_fix_file(gconstpointer data)
{
    const char *name = data;
    g_autofree char *rel = g_strdup_printf("experiments/%s.cfg", name);
    g_autofree char *path = tu_srcpath(rel);
    g_autofree char *tmp = tu_tmpdir();
    g_autofree char *res = g_build_filename(tmp, "res", NULL);
    g_autofree char *fixed_cfg = g_build_filename(tmp, "fixed.cfg", NULL);
    g_autofree char *fixed_dir = g_build_filename(tmp, "fixed", NULL);
    const char *fix[] = {tu_flatline(), "fix", path, "--results", res, "-o", fixed_cfg,
                         "-j", "2", "-q", NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = tu_run(fix, NULL, &out, &err);
    g_test_message("flatline fix: %s%s", out, err);
    g_assert_cmpint(status, ==, 0);

    g_autofree char *cause = text_after(fixed_cfg, "(cause ", ")");
    g_test_message("%s: verified cause %s", name, cause);
    g_assert_true(cause_named(path, cause));

    int runs, collapsed;
    run_repaired(fixed_cfg, fixed_dir, &runs, &collapsed);
    g_test_message("%s fixed: collapsed %d/%d", name, collapsed, runs);
    g_assert_cmpint(runs, >, 0);
    g_assert_cmpint(collapsed, ==, 0);
    tu_rmtree(tmp);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fix-acceptance/seed-failures", test_seed_failures);
    /* A few failures of different kinds: step size, initializer, output activation,
     * regularization, input scale, loss, a convolutional network, a rate too large. */
    static const char *const twins[] = {"tiny-lr",       "zero-init",      "relu-output",
                                        "l2-too-strong", "unscaled-input", "step-loss",
                                        "cnn-softmax-one-unit", "lr-too-large"};
    for (guint i = 0; i < G_N_ELEMENTS(twins); i++) {
        g_autofree char *path = g_strdup_printf("/fix-acceptance/twin/%s", twins[i]);
        g_test_add_data_func(path, twins[i], test_twin);
    }
    /* Three poolings before the convolution: the fix moves it to the front. */
    g_test_add_data_func("/fix-acceptance/fix-file/cnn-pooling-stack", "cnn-pooling-stack",
                         test_fix_file);
    return g_test_run();
}
