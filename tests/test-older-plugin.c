/* test-older-plugin.c — the ABI grows without breaking plugins built before.
 *
 * tests/plugins/reporter.c is built twice.  detector-older.so is compiled against a copy of
 * flatline/plugin.h in which fl_finding ends before `fixes` (make generates it from this
 * tree's header, as an older minor would have had it) and hands its finding from the end of
 * a readable page, so a core that read past the size the plugin gave would fault.  It must
 * load, run, and its finding arrive whole, with no fixes and no flags.  detector-reporter.so,
 * built against this header, hands candidate fixes (with a stride) and a flag and leaves the
 * advice to the fixes: they must arrive too.  Each runs in a subprocess, so a fault fails
 * one test, not the program.  tests/plugins/brief.c reports its warnings brief (ABI 2.3)
 * and describes them when asked. */
#include "testutil.h"
#include "detect.h"
#include "probe-fixture.h"

#include <string.h>

/* Load test detector `name` from the build tree (tests/<subdir>) into a detector set. */
static detect_set *load_detector(const char *subdir, const char *name, registry *reg,
                                 fl_ref *ref, GPtrArray *refs)
{
    const char *b = g_getenv("FL_TEST_BUILDDIR");
    g_assert_nonnull(b);
    g_autofree char *file = g_strdup_printf("detector-%s.so", name);
    g_autofree char *path = g_build_filename(b, "tests", subdir, ".libs", file, NULL);
    g_autoptr(GError) err = NULL;
    const fl_plugin *plugin = registry_load_file(reg, path, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(plugin->name, ==, name);
    *ref = (fl_ref){.plugin = plugin, .opts = params_opts_new(plugin, reg, &err)};
    g_assert_no_error(err);
    g_ptr_array_add(refs, ref);
    detect_set *d = detect_new(refs, tu_host(), &err);
    g_assert_no_error(err);
    return d;
}

/* Load a test detector from the build tree and run its pre-flight over a small fixture;
 * returns a copy of its one finding. */
static finding_rec *run_detector(const char *subdir, const char *name)
{
    g_autoptr(registry) reg = registry_new_empty();
    g_autoptr(GPtrArray) refs = g_ptr_array_new();
    fl_ref ref;
    g_autoptr(detect_set) d = load_detector(subdir, name, reg, &ref, refs);
    g_autoptr(GError) err = NULL;
    g_autoptr(pfx) f = pfx_new(1, 2, 2, 10);
    pfx_push(f);
    g_assert_true(detect_preflight(d, pfx_probes(f), &err));
    g_assert_no_error(err);
    GPtrArray *found = detect_findings(d);
    g_assert_cmpuint(found->len, ==, 1);
    finding_rec *copy = finding_rec_copy(found->pdata[0]);
    params_opts_free(ref.plugin, (void *)ref.opts);
    return copy;
}

static void in_subprocess(void)
{
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
}

static void test_older_finding(void)
{
    if (!g_test_subprocess()) {
        in_subprocess();
        return;
    }
    finding_rec *r = run_detector("older", "older");
    /* The plugin's fl_finding really is the shorter one: it ends where `fixes` starts. */
    g_autofree char *size = g_strdup_printf("a finding of %zu bytes", offsetof(fl_finding, fixes));
    g_assert_cmpuint(offsetof(fl_finding, fixes), <, sizeof(fl_finding));
    g_assert_cmpstr(r->evidence, ==, size);
    g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
    g_assert_cmpint(r->epoch, ==, 0);
    g_assert_cmpstr(r->cause, ==, "an older plugin's finding");
    g_assert_cmpstr(r->advice, ==, "nothing to do");
    g_assert_null(r->fixes);
    g_assert_null(r->measures);
    g_assert_cmpuint(r->finding_flags, ==, 0);
    g_assert_cmpuint(r->flags, ==, FL_DETECTS_CAUSE);
    finding_rec_free(r);
}

static void test_finding_with_fixes(void)
{
    if (!g_test_subprocess()) {
        in_subprocess();
        return;
    }
    finding_rec *r = run_detector("plugins", "reporter");
    g_autofree char *size = g_strdup_printf("a finding of %zu bytes", sizeof(fl_finding));
    g_assert_cmpstr(r->evidence, ==, size);
    g_assert_cmpint(r->level, ==, FL_LEVEL_COLLAPSED);
    g_assert_cmpuint(r->finding_flags, ==, FL_FINDING_FIX_THE_DATA);
    g_assert_nonnull(r->fixes);
    g_assert_cmpuint(r->fixes->len, ==, 2);
    const finding_fix *a = r->fixes->pdata[0], *b = r->fixes->pdata[1];
    g_assert_cmpuint(g_strv_length(a->edits), ==, 1);
    g_assert_cmpstr(a->edits[0], ==, "optimizer.lr=0.0001");
    g_assert_cmpstr(a->reason, ==, "the rate is too large");
    g_assert_cmpuint(g_strv_length(b->edits), ==, 2);
    g_assert_cmpstr(b->edits[1], ==, "model.h1.init=he_uniform");
    /* The measures: the first of a repeated name kept, a malformed or missing name
     * dropped, a value that is not finite kept as it is. */
    g_assert_nonnull(r->measures);
    g_assert_cmpuint(r->measures->len, ==, 2);
    const finding_measure *m0 = &g_array_index(r->measures, finding_measure, 0);
    const finding_measure *m1 = &g_array_index(r->measures, finding_measure, 1);
    g_assert_cmpstr(m0->name, ==, "h1_dead");
    g_assert_cmpfloat(m0->value, ==, 0.25);
    g_assert_cmpstr(m1->name, ==, "loss");
    g_assert_true(isnan(m1->value));
    /* No advice in words: the core says the fixes. */
    g_assert_cmpstr(r->advice, ==,
                    "set optimizer.lr=0.0001 (the rate is too large); or set "
                    "optimizer.lr=0.001 model.h1.init=he_uniform (a gentler start)");
    finding_rec_free(r);
}

/* fl_measure_set, the header's builder: names made lower-case [a-z0-9_], a name too long
 * or a full set refused, and what it hands over is what it holds. */
static void test_measure_set(void)
{
    fl_measure_set m = {0};
    g_assert_true(fl_measures_add(&m, 1.5, "%s.Dead-%d", "H1", 2));
    g_assert_false(fl_measures_add(&m, 1.0, "%s", ""));
    char longname[FL_MEASURE_NAME_MAX + 1];
    memset(longname, 'a', FL_MEASURE_NAME_MAX);
    longname[FL_MEASURE_NAME_MAX] = '\0';
    g_assert_false(fl_measures_add(&m, 1.0, "%s", longname));
    for (int i = 1; i < FL_MEASURES_MAX; i++)
        g_assert_true(fl_measures_add(&m, i, "m%d", i));
    g_assert_false(fl_measures_add(&m, 0, "one_too_many"));
    fl_finding f = {.size = sizeof f};
    fl_finding_measures(&f, &m);
    g_assert_cmpuint(f.n_measures, ==, FL_MEASURES_MAX);
    g_assert_cmpuint(f.measure_stride, ==, sizeof(fl_measure));
    g_assert_cmpstr(f.measures[0].name, ==, "h1_dead_2");
    g_assert_cmpfloat(f.measures[0].value, ==, 1.5);
    g_assert_cmpstr(f.measures[FL_MEASURES_MAX - 1].name, ==, "m15");
}

/* The one finding that stands after epoch e's observe (and describe when `words`). */
static const finding_rec *brief_epoch(detect_set *d, pfx *f, size_t e, gboolean words)
{
    g_autoptr(GError) err = NULL;
    pfx_push(f);
    g_assert_cmpuint(pfx_probes(f)->n_epochs, ==, e);
    g_assert_true(detect_observe(d, pfx_probes(f), &err));
    g_assert_no_error(err);
    if (words) {
        g_assert_true(detect_describe(d, &err));
        g_assert_no_error(err);
    }
    GPtrArray *found = detect_findings(d);
    return found->len ? found->pdata[0] : NULL;
}

/* A warning reported brief stands with its level and epoch and no words until the core
 * asks for them (describe, once, from the probes of that epoch); a warning the detector
 * does not confirm is dropped; a brief report again replaces the words. */
static void test_brief_warning(void)
{
    g_autoptr(registry) reg = registry_new_empty();
    g_autoptr(GPtrArray) refs = g_ptr_array_new();
    fl_ref ref;
    g_autoptr(detect_set) d = load_detector("plugins", "brief", reg, &ref, refs);
    g_autoptr(pfx) f = pfx_new(1, 2, 2, 10);
    pfx_push(f);
    g_autoptr(GError) err = NULL;
    g_assert_true(detect_preflight(d, pfx_probes(f), &err));
    for (size_t e = 1; e <= 3; e++) {
        const finding_rec *r = brief_epoch(d, f, e, FALSE);
        g_assert_nonnull(r);
        g_assert_true(r->brief);
        g_assert_cmpint(r->level, ==, FL_LEVEL_WARNING);
        g_assert_cmpint(r->epoch, ==, (int)e);
        g_assert_cmpint(r->reported, ==, (int)e);
        g_assert_cmpstr(r->cause, ==, "");
        g_assert_null(r->fixes);
        g_assert_cmpuint(r->finding_flags, ==, 0);
    }
    g_assert_true(detect_describe(d, &err));
    const finding_rec *r = detect_findings(d)->pdata[0];
    g_assert_false(r->brief);
    g_assert_cmpstr(r->evidence, ==, "epoch 3, 3 observes, 1 describes");
    g_assert_cmpstr(r->cause, ==, "a warning said in full");
    g_assert_cmpuint(r->fixes->len, ==, 1);
    /* Asked again at the same epoch: the words are there, the detector is not called. */
    g_assert_true(detect_describe(d, &err));
    g_assert_cmpstr(((finding_rec *)detect_findings(d)->pdata[0])->evidence, ==,
                    "epoch 3, 3 observes, 1 describes");
    /* Not confirmed at epoch 4: nothing stands. */
    g_assert_null(brief_epoch(d, f, 4, TRUE));
    r = brief_epoch(d, f, 5, TRUE);
    g_assert_cmpstr(r->evidence, ==, "epoch 5, 5 observes, 3 describes");
    g_assert_cmpint(r->epoch, ==, 5);
    params_opts_free(ref.plugin, (void *)ref.opts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/abi/older-finding", test_older_finding);
    g_test_add_func("/abi/finding-with-fixes", test_finding_with_fixes);
    g_test_add_func("/abi/measure-set", test_measure_set);
    g_test_add_func("/abi/brief-warning", test_brief_warning);
    return g_test_run();
}
