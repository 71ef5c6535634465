/* fuzz-experiment.c — libFuzzer target for experiment files.
 *
 * The bytes become an experiment file in a private directory on tmpfs (experiment_file_read
 * takes a path and reads it three times: libconfig, the integer-literal check and, in
 * experiment_resolve, a fresh tree per run).  Comment lines "#set KEY=VALUE" (libconfig
 * ignores them) become `--set` arguments, so the fuzzer mutates those too.  The file then
 * goes the way `flatline check` takes it: read, resolved with the --set overrides,
 * resolved again for the first and the last grid point with that point's values added
 * (as core/sweep.c does), and written back with experiment_to_text.  The written text
 * must read back, resolve and write back unchanged: `flatline run` stores it as
 * experiment.cfg and promises that it runs as it is, so a text it cannot read, or reads
 * differently, is a bug even without a crash, and the target aborts on it.
 *
 * Plugins come from the build tree (FLATLINE_PLUGIN_PATH, set by `make fuzz`) and are all
 * loaded once at start, so no dlopen happens while inputs run.  Everything an input
 * allocates is freed: fuzz/run.sh checks every corpus input for leaks. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "../core/config.h" /* not autoconf's config.h, which -I. finds first */
#include "../core/registry.h"

static registry *fuzz_reg;
static char *fuzz_dir, *fuzz_input, *fuzz_written;

static void fuzz_cleanup(void)
{
    if (fuzz_input)
        g_unlink(fuzz_input);
    if (fuzz_written)
        g_unlink(fuzz_written);
    if (fuzz_dir)
        g_rmdir(fuzz_dir);
}

static void fuzz_write(const char *path, const void *data, size_t size)
{
    GError *err = NULL;
    if (!g_file_set_contents(path, data, (gssize)size, &err)) {
        fprintf(stderr, "fuzz-experiment: cannot write %s: %s\n", path, err->message);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* tmpfs when there is one: the file is rewritten for every input. */
    const char *base = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir();
    fuzz_dir = g_build_filename(base, "flatline-fuzz-XXXXXX", NULL);
    if (!g_mkdtemp(fuzz_dir)) {
        fprintf(stderr, "fuzz-experiment: cannot create %s: %s\n", fuzz_dir, g_strerror(errno));
        abort();
    }
    fuzz_input = g_build_filename(fuzz_dir, "input.cfg", NULL);
    fuzz_written = g_build_filename(fuzz_dir, "written.cfg", NULL);
    atexit(fuzz_cleanup);

    fuzz_reg = registry_new();
    GPtrArray *refused = NULL;
    GPtrArray *all = registry_load_all(fuzz_reg, &refused);
    if (all->len == 0) {
        fprintf(stderr, "fuzz-experiment: no plugins found; set FLATLINE_PLUGIN_PATH to the "
                        "build tree's plugins/ (make fuzz does)\n");
        abort();
    }
    g_ptr_array_free(all, TRUE);
    if (refused)
        g_ptr_array_free(refused, TRUE);
    return 0;
}

/* The "#set KEY=VALUE" lines of the input as overrides (at most 4), or NULL when one is
 * refused as `flatline --set` would refuse it. */
static GPtrArray *fuzz_sets(const uint8_t *data, size_t size)
{
    GPtrArray *sets = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
    const char *p = (const char *)data, *end = p + size;
    while (p < end && sets->len < 4) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        if (line_end - p > 5 && memcmp(p, "#set ", 5) == 0) {
            char *arg = g_strndup(p + 5, (gsize)(line_end - p - 5));
            GError *err = NULL;
            override *o = strlen(arg) == (size_t)(line_end - p - 5) ? override_parse(arg, &err)
                                                                    : NULL;
            g_free(arg);
            if (!o) {
                g_clear_error(&err);
                g_ptr_array_free(sets, TRUE);
                return NULL;
            }
            g_ptr_array_add(sets, o);
        }
        p = line_end + 1;
    }
    return sets;
}

static override *fuzz_override_copy(const override *o)
{
    override *c = g_new0(override, 1);
    c->key = g_strdup(o->key);
    c->text = g_strdup(o->text);
    c->origin = g_strdup(o->origin);
    return c;
}

/* Resolve with the --set overrides then the values of grid point `cell`; NULL if
 * refused. */
static experiment *fuzz_resolve_cell(experiment_file *f, GPtrArray *sets, guint64 cell)
{
    GPtrArray *ov = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
    for (guint k = 0; k < sets->len; k++)
        g_ptr_array_add(ov, fuzz_override_copy(sets->pdata[k]));
    guint n_sets = ov->len;
    for (guint a = f->axes->len; a-- > 0;) {
        const grid_axis *ax = f->axes->pdata[a];
        guint n = ax->values->len;
        override *o = g_new0(override, 1);
        o->key = g_strdup(ax->key);
        o->text = g_strdup(ax->values->pdata[cell % n]);
        o->origin = g_strdup_printf("grid value %s", ax->key);
        g_ptr_array_insert(ov, (gint)n_sets, o);
        cell /= n;
    }
    GError *err = NULL;
    experiment *e = experiment_resolve(f, ov, fuzz_reg, &err);
    g_assert(e || err);
    g_clear_error(&err);
    g_ptr_array_free(ov, TRUE);
    return e;
}

/* The text after its first line, which names the file it was resolved from. */
static const char *fuzz_body(const char *text)
{
    const char *nl = strchr(text, '\n');
    return nl ? nl + 1 : text;
}

/* experiment.cfg as `flatline run` writes it must read back, resolve, and write back the
 * same text: nothing is lost or changed on the way (a value, a quote, a float digit). */
static void fuzz_round_trip(const experiment *e, GPtrArray *axes)
{
    char *text = experiment_to_text(e, axes);
    fuzz_write(fuzz_written, text, strlen(text));
    GError *err = NULL;
    experiment_file *f = experiment_file_read(fuzz_written, &err);
    experiment *again = f ? experiment_resolve(f, NULL, fuzz_reg, &err) : NULL;
    if (!again) {
        fprintf(stderr, "fuzz-experiment: the resolved experiment does not read back: %s\n"
                        "--- text written\n%s---\n",
                err ? err->message : "(no message)", text);
        abort();
    }
    /* Written as it was: a run's own file (no axes) leaves the experiment-level keys out. */
    char *text2 = experiment_to_text(again, axes ? f->axes : NULL);
    if (strcmp(fuzz_body(text), fuzz_body(text2)) != 0) {
        fprintf(stderr, "fuzz-experiment: the resolved experiment changes when read back\n"
                        "--- written\n%s--- read back and written again\n%s---\n",
                text, text2);
        abort();
    }
    g_free(text2);
    experiment_free(again);
    experiment_file_free(f);
    g_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GPtrArray *sets = fuzz_sets(data, size);
    if (!sets)
        return 0;
    fuzz_write(fuzz_input, data, size);
    GError *err = NULL;
    experiment_file *f = experiment_file_read(fuzz_input, &err);
    if (!f) {
        g_assert(err && err->message && *err->message);
        g_error_free(err);
        g_ptr_array_free(sets, TRUE);
        return 0;
    }
    experiment *e = experiment_resolve(f, sets, fuzz_reg, &err);
    if (!e) {
        g_assert(err && err->message && *err->message);
        g_error_free(err);
        experiment_file_free(f);
        g_ptr_array_free(sets, TRUE);
        return 0;
    }
    fuzz_round_trip(e, f->axes);
    experiment_free(e);

    /* The first and the last grid point, as a sweep resolves them. */
    guint64 cells = 1;
    for (guint a = 0; a < f->axes->len && cells < G_MAXUINT32; a++)
        cells *= ((grid_axis *)f->axes->pdata[a])->values->len;
    for (int k = 0; k < (cells > 1 ? 2 : 1) && f->axes->len; k++) {
        experiment *p = fuzz_resolve_cell(f, sets, k ? cells - 1 : 0);
        if (p) {
            fuzz_round_trip(p, NULL);
            experiment_free(p);
        }
    }
    experiment_file_free(f);
    g_ptr_array_free(sets, TRUE);
    return 0;
}
