/* test-recordwire.c — the record a worker packs for its coordinator unpacks to exactly what
 * reading its run.result text gives, field by field: for records trained from experiment
 * files (collapses with findings and fixes, classifiers, several heads, a diverging run)
 * and for made-up ones that test each rule (absent and odd texts, non-finite numbers, data
 * lists that disagree in length); a record whose text run.result could not carry as it is
 * is not packed; bytes that are not a packed record are refused. */
#include "testutil.h"
#include "detect.h"
#include "plan.h"
#include "recordwire.h"
#include "results.h"
#include "runner.h"

#include <math.h>
#include <string.h>

/* Two doubles that print and compare alike: the same bits, or both NaN. */
static void assert_same_double(double a, double b, const char *what)
{
    if (isnan(a) && isnan(b))
        return;
    if (memcmp(&a, &b, sizeof a) != 0)
        g_error("%s: %.17g from the packed record, %.17g from the text", what, a, b);
}

static void assert_same_strv(char **a, char **b, const char *what)
{
    if (!a || !b) {
        if (a != b)
            g_error("%s: %s from the packed record, %s from the text", what, a ? "a list" : "none",
                    b ? "a list" : "none");
        return;
    }
    g_assert_cmpuint(g_strv_length(a), ==, g_strv_length(b));
    for (guint i = 0; a[i]; i++)
        g_assert_cmpstr(a[i], ==, b[i]);
}

static void assert_same_finding(const finding_rec *a, const finding_rec *b)
{
    g_assert_cmpstr(a->detector, ==, b->detector);
    g_assert_cmpint(a->level, ==, b->level);
    g_assert_cmpint(a->epoch, ==, b->epoch);
    g_assert_cmpint(a->reported, ==, b->reported);
    g_assert_cmpstr(a->evidence, ==, b->evidence);
    g_assert_cmpstr(a->cause, ==, b->cause);
    g_assert_cmpstr(a->advice, ==, b->advice);
    g_assert_cmpuint(a->finding_flags, ==, b->finding_flags);
    g_assert_cmpuint(a->flags, ==, b->flags);
    g_assert_cmpint(a->priority, ==, b->priority);
    g_assert_cmpint(a->sticky, ==, b->sticky);
    g_assert_cmpint(a->brief, ==, b->brief);
    g_assert_true((a->measures == NULL) == (b->measures == NULL));
    g_assert_true((a->fixes == NULL) == (b->fixes == NULL));
    for (guint k = 0; a->fixes && k < a->fixes->len; k++) {
        g_assert_cmpuint(a->fixes->len, ==, b->fixes->len);
        const finding_fix *x = a->fixes->pdata[k], *y = b->fixes->pdata[k];
        assert_same_strv(x->edits, y->edits, "a fix's edits");
        g_assert_cmpstr(x->reason, ==, y->reason);
    }
}

/* Every field of run_result, the metrics included (neither carries them). */
static void assert_same_record(const run_result *a, const run_result *b)
{
    g_assert_cmpstr(a->id, ==, b->id);
    g_assert_cmpint(a->index, ==, b->index);
    g_assert_cmpint(a->cell, ==, b->cell);
    g_assert_cmpint(a->seed, ==, b->seed);
    g_assert_cmpstr(a->fingerprint, ==, b->fingerprint);
    assert_same_strv(a->axis_keys, b->axis_keys, "grid keys");
    assert_same_strv(a->axis_values, b->axis_values, "grid values");
    g_assert_cmpint(a->status, ==, b->status);
    g_assert_cmpstr(a->reason, ==, b->reason);
    g_assert_cmpint(a->verdict, ==, b->verdict);
    g_assert_cmpstr(a->causes, ==, b->causes);
    g_assert_cmpstr(a->advice, ==, b->advice);
    assert_same_double(a->final_loss, b->final_loss, "final_loss");
    assert_same_double(a->final_val_loss, b->final_val_loss, "final_val_loss");
    g_assert_cmpint(a->epochs_run, ==, b->epochs_run);
    g_assert_cmpint(a->epochs_planned, ==, b->epochs_planned);
    g_assert_cmpint(a->stopped_early, ==, b->stopped_early);
    g_assert_cmpint(a->diverged, ==, b->diverged);
    assert_same_double(a->wall_ms, b->wall_ms, "wall_ms");
    assert_same_strv(a->out_names, b->out_names, "outputs");
    g_assert_cmpuint(a->n_outputs, ==, b->n_outputs);
    g_assert_true((a->target_std == NULL) == (b->target_std == NULL));
    for (gsize i = 0; i < a->n_outputs; i++)
        assert_same_double(a->target_std[i], b->target_std[i], "target_std");
    assert_same_double(a->baseline_loss, b->baseline_loss, "baseline_loss");
    assert_same_double(a->final_data_loss, b->final_data_loss, "final_data_loss");
    assert_same_double(a->final_accuracy, b->final_accuracy, "final_accuracy");
    assert_same_double(a->majority_accuracy, b->majority_accuracy, "majority_accuracy");
    g_assert_null(a->metrics);
    g_assert_null(b->metrics);
    g_assert_true((a->findings == NULL) == (b->findings == NULL));
    g_assert_cmpuint(a->findings->len, ==, b->findings->len);
    for (guint i = 0; i < a->findings->len; i++)
        assert_same_finding(a->findings->pdata[i], b->findings->pdata[i]);
}

/* Entry i of batch, packed and as text, read back both ways and compared; the number of
 * findings it had. */
static guint assert_entry_agrees(results_batch *batch, guint i)
{
    GBytes *packed = results_batch_packed(batch, i);
    g_assert_nonnull(packed);
    gsize len = 0, text_len = 0;
    const void *data = g_bytes_get_data(packed, &len);
    const char *text = results_batch_text(batch, i, &text_len);
    /* Unaligned, as the record lies in the coordinator's read buffer. */
    g_autofree char *shifted = g_malloc(len + 1);
    memcpy(shifted + 1, data, len);
    g_autoptr(GError) err = NULL;
    g_autoptr(run_result) from_wire = record_wire_unpack(shifted + 1, len, "packed", &err);
    g_assert_no_error(err);
    g_autoptr(run_result) from_text = results_parse_run(text, text_len, "text", &err);
    g_assert_no_error(err);
    assert_same_record(from_wire, from_text);
    return from_text->findings->len;
}

/* The runs of the experiment file `name` (experiments/), at most `most`, trained as a
 * worker trains them; each entry compared.  The findings counted into *findings. */
static void check_experiment(const char *name, int most, guint *findings, guint *collapsed)
{
    g_autofree char *path = tu_srcpath(name);
    g_autoptr(GError) err = NULL;
    g_autoptr(plan) p = plan_new(path, NULL, tu_registry(), tu_host(), FALSE, &err);
    g_assert_no_error(err);
    g_autofree char *dir = tu_tmpdir();
    g_autoptr(results_batch) batch = results_batch_new_compact(dir);
    g_autoptr(runner_cache) cache = runner_cache_new();
    int n = MIN(most, p->n_runs);
    for (int i = 0; i < n; i++) {
        g_assert_true(runner_run(p, i, FALSE, cache, batch, tu_host(), &err));
        g_assert_no_error(err);
    }
    g_assert_cmpuint(results_batch_len(batch), ==, (guint)n);
    for (guint i = 0; i < results_batch_len(batch); i++) {
        *findings += assert_entry_agrees(batch, i);
        gsize len = 0;
        const char *text = results_batch_text(batch, i, &len);
        *collapsed += strstr(text, "verdict=collapsed") != NULL;
    }
    tu_rmtree(dir);
}

static void test_trained_records(void)
{
    guint findings = 0, collapsed = 0;
    /* A dead ReLU output (findings with fixes), a rate that diverges (NaN losses), two
     * heads, a classifier (accuracies), a healthy grid (no findings). */
    const char *files[] = {"experiments/relu-output.cfg", "experiments/lr-too-large.cfg",
                           "experiments/identical-heads.cfg", "experiments/class-imbalance.cfg",
                           "experiments/relu-output-fixed.cfg"};
    for (guint i = 0; i < G_N_ELEMENTS(files); i++)
        check_experiment(files[i], 3, &findings, &collapsed);
    /* The comparison covered findings and collapses, not only quiet runs. */
    g_assert_cmpuint(findings, >=, 10);
    g_assert_cmpuint(collapsed, >=, 3);
}

static finding_rec *made_finding(const char *detector, fl_level level, const char *evidence)
{
    finding_rec *f = g_new0(finding_rec, 1);
    f->detector = g_strdup(detector);
    f->level = level;
    f->epoch = 7;
    f->reported = 9; /* not kept in run.result */
    f->evidence = g_strdup(evidence);
    f->cause = g_strdup(" a cause with a leading space, a tab\tand\na newline ");
    f->advice = g_strdup("");
    f->finding_flags = 0x80000001u;
    f->flags = 3;
    f->priority = 5;
    f->sticky = TRUE;
    f->measures = g_array_new(FALSE, TRUE, sizeof(finding_measure));
    return f;
}

static void add_fix(finding_rec *f, const char *const *edits, const char *reason)
{
    if (!f->fixes)
        f->fixes = g_ptr_array_new_with_free_func(finding_fix_free);
    finding_fix *x = g_new0(finding_fix, 1);
    x->edits = g_strdupv((char **)edits);
    x->reason = g_strdup(reason);
    g_ptr_array_add(f->fixes, x);
}

/* A record with every rule's odd case. */
static run_result *made_record(void)
{
    run_result *r = g_new0(run_result, 1);
    run_result_init(r);
    r->id = g_strdup("r0042");
    r->index = 42;
    r->cell = 3;
    r->seed = G_GINT64_CONSTANT(9007199254740993);
    r->fingerprint = g_strdup("0123abcd");
    const char *keys[] = {"optimizer.lr", "model.h1.init", NULL};
    const char *values[] = {"1e-05", "semi;colon = and [brackets] ", NULL};
    r->axis_keys = g_strdupv((char **)keys);
    r->axis_values = g_strdupv((char **)values);
    r->status = RUN_OK;
    r->verdict = VERDICT_COLLAPSED;
    r->causes = NULL;            /* written as "" */
    r->reason = g_strdup("");    /* an empty text is still a text */
    r->advice = g_strdup("\\s not an escape; \xc3\xa9t\xc3\xa9");
    r->final_loss = INFINITY;
    r->final_val_loss = 0.25;    /* not kept */
    r->epochs_run = 3;
    r->epochs_planned = 100;
    r->stopped_early = 7;        /* any true value reads back as TRUE */
    r->diverged = TRUE;          /* not kept */
    r->wall_ms = 0.1 + 0.2;
    const char *outs[] = {"y;0", "", " y2", NULL};
    r->out_names = g_strdupv((char **)outs);
    r->target_std = g_new(double, 2);
    r->target_std[0] = 5e-324;
    r->target_std[1] = NAN;
    r->n_outputs = 2;            /* fewer than the names */
    r->baseline_loss = -INFINITY; /* not finite: not kept */
    r->final_data_loss = -0.0;
    r->final_accuracy = NAN;
    r->majority_accuracy = 1.0 / 3;
    r->metrics = g_string_new("epoch,loss\n"); /* not kept */
    r->findings = g_ptr_array_new_with_free_func((GDestroyNotify)finding_rec_free);
    finding_rec *f = made_finding("output_activation", FL_LEVEL_COLLAPSED, "evidence\r\nwith a return");
    const char *e1[] = {"optimizer.lr=0.001", "model.h1.init=a;b", NULL};
    const char *e2[] = {NULL};
    add_fix(f, e1, "smaller");
    add_fix(f, e2, NULL);
    g_ptr_array_add(r->findings, f);
    g_ptr_array_add(r->findings, made_finding("dead_relu", (fl_level)0, ""));
    return r;
}

/* r through a batch: its packed record and its text read back, compared. */
static void assert_record_agrees(run_result *r)
{
    g_autofree char *dir = tu_tmpdir();
    g_autoptr(results_batch) batch = results_batch_new_compact(dir);
    g_autoptr(GError) err = NULL;
    g_assert_true(results_batch_add(batch, r, "seed = 1;\n", &err));
    g_assert_no_error(err);
    assert_entry_agrees(batch, 0);
    tu_rmtree(dir);
}

static void test_made_records(void)
{
    run_result *r = made_record();
    assert_record_agrees(r);
    /* More spreads than names; without grid, reason; a crashed run. */
    const char *one[] = {"y", NULL};
    g_strfreev(r->out_names);
    r->out_names = g_strdupv((char **)one);
    r->status = RUN_CRASHED;
    r->verdict = VERDICT_HEALTHY;
    r->causes = g_strdup("dead_relu;bad_init");
    g_clear_pointer(&r->reason, g_free);
    g_clear_pointer(&r->axis_keys, g_strfreev);
    g_clear_pointer(&r->axis_values, g_strfreev);
    assert_record_agrees(r);
    /* An empty grid and an empty list of spreads: neither group is kept. */
    const char *none[] = {NULL};
    r->axis_keys = g_strdupv((char **)none);
    r->axis_values = g_strdupv((char **)none);
    r->n_outputs = 0;
    g_ptr_array_set_size(r->findings, 0);
    assert_record_agrees(r);
    /* No data at all (a run that crashed before loading it). */
    g_clear_pointer(&r->out_names, g_strfreev);
    r->n_outputs = 2;
    assert_record_agrees(r);
    run_result_free(r);
}

/* Texts run.result would not carry as they are: the record is not packed. */
static void test_not_packed(void)
{
    run_result *r = made_record();
    g_autoptr(GBytes) plain = record_wire_pack(r);
    g_assert_nonnull(plain);
    char *keep = r->axis_keys[1];
    const char *bad_keys[] = {"model.h 1.init", "lr=", "", "#lr", "optimizer.lr"};
    for (guint i = 0; i < G_N_ELEMENTS(bad_keys); i++) {
        r->axis_keys[1] = (char *)bad_keys[i];
        g_autoptr(GBytes) b = record_wire_pack(r);
        if (b)
            g_error("grid key \"%s\" was packed", bad_keys[i]);
    }
    r->axis_keys[1] = keep;
    finding_rec *f = r->findings->pdata[0];
    char *evidence = f->evidence;
    f->evidence = (char *)"not UTF-8: \xff\xfe";
    g_autoptr(GBytes) b = record_wire_pack(r);
    g_assert_null(b);
    f->evidence = evidence;
    g_clear_pointer(&r->fingerprint, g_free);
    g_autoptr(GBytes) c = record_wire_pack(r);
    g_assert_null(c);
    run_result_free(r);
}

static void test_refuses_other_bytes(void)
{
    g_autoptr(GError) err = NULL;
    const char text[] = "[run]\nid=r0000\n";
    run_result *r = record_wire_unpack(text, sizeof text - 1, "the answer", &err);
    g_assert_null(r);
    g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL);
    g_assert_nonnull(strstr(err->message, "the answer"));
    g_clear_error(&err);
    r = record_wire_unpack("", 0, "nothing", &err);
    g_assert_null(r);
    g_assert_nonnull(err);
    g_clear_error(&err);
    /* A packed record cut short anywhere is refused; one with a byte changed is refused
     * or read, never read past its end (AddressSanitizer and valgrind watch). */
    g_autoptr(run_result) made = made_record();
    g_autoptr(GBytes) packed = record_wire_pack(made);
    gsize len = 0;
    const guchar *data = g_bytes_get_data(packed, &len);
    for (gsize cut = 0; cut < len; cut++) {
        g_autofree guchar *part = g_memdup2(data, MAX(cut, 1));
        r = record_wire_unpack(part, cut, "cut", &err);
        if (r)
            g_error("a record cut to %zu of %zu bytes was read", cut, len);
        g_clear_error(&err);
    }
    g_autofree guchar *changed = g_memdup2(data, len);
    for (gsize at = 0; at < len; at++) {
        guchar keep = changed[at];
        changed[at] = (guchar)(keep ^ 0xa5);
        r = record_wire_unpack(changed, len, "changed", &err);
        g_assert_true((r == NULL) == (err != NULL));
        run_result_free(r);
        g_clear_error(&err);
        changed[at] = keep;
    }
    r = record_wire_unpack(changed, len, "whole", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(r->id, ==, "r0042");
    run_result_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/recordwire/trained-records", test_trained_records);
    g_test_add_func("/recordwire/made-records", test_made_records);
    g_test_add_func("/recordwire/not-packed", test_not_packed);
    g_test_add_func("/recordwire/refuses-other-bytes", test_refuses_other_bytes);
    return g_test_run();
}
