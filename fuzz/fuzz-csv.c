/* fuzz-csv.c — libFuzzer target for the csv dataset plugin.
 *
 * The bytes become a file in a private directory on tmpfs, and the csv plugin, found
 * through the registry as flatline finds it, loads it with a real host twice: with the
 * default target (the last column) and with target = ["y", "x"] (a fixed list, so that
 * the name lookup and the target reordering run too).  A load must either succeed with a
 * consistent table (rows, inputs and targets, every value finite, a name for every
 * column) or fail with a message naming the file and leave the dataset empty.
 *
 * `make fuzz` builds the plugin itself with coverage instrumentation into fuzz/build and
 * points FLATLINE_PLUGIN_PATH there, so libFuzzer sees the reader's branches. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "../core/host.h"
#include "../core/params.h"
#include "../core/registry.h"

static registry *fuzz_reg;
static fl_host *fuzz_host;
static fl_ref fuzz_default, fuzz_named;
static char *fuzz_dir, *fuzz_input;

static void fuzz_cleanup(void)
{
    if (fuzz_input)
        g_unlink(fuzz_input);
    if (fuzz_dir)
        g_rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *base = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir();
    fuzz_dir = g_build_filename(base, "flatline-fuzz-XXXXXX", NULL);
    if (!g_mkdtemp(fuzz_dir)) {
        fprintf(stderr, "fuzz-csv: cannot create %s: %s\n", fuzz_dir, g_strerror(errno));
        abort();
    }
    fuzz_input = g_build_filename(fuzz_dir, "input.csv", NULL);
    atexit(fuzz_cleanup);

    GError *err = NULL;
    fuzz_reg = registry_new();
    fuzz_host = host_new(1, &err);
    /* A relative path, read from base_dir, as an experiment file gives it. */
    if (!fuzz_host ||
        !params_ref_init(&fuzz_default, fuzz_reg, FL_KIND_DATASET, "csv",
                         (const char *const[]){"path=\"input.csv\"", NULL}, &err) ||
        !params_ref_init(&fuzz_named, fuzz_reg, FL_KIND_DATASET, "csv",
                         (const char *const[]){"path=\"input.csv\"", "target=[\"y\", \"x\"]",
                                               NULL},
                         &err)) {
        fprintf(stderr, "fuzz-csv: %s (set FLATLINE_PLUGIN_PATH to a directory holding "
                        "dataset-csv.so; make fuzz does)\n",
                err->message);
        abort();
    }
    return 0;
}

static void fuzz_check_and_free(int rc, fl_dataset *ds)
{
    if (rc < 0) {
        GError *err = NULL;
        host_take_error(fuzz_host, &err, "csv: ");
        /* The message names the file the user wrote. */
        if (!strstr(err->message, "input.csv")) {
            fprintf(stderr, "fuzz-csv: a refusal that does not name the file: %s\n",
                    err->message);
            abort();
        }
        g_error_free(err);
        if (ds->x || ds->y || ds->in_names || ds->out_names || ds->n_samples) {
            fprintf(stderr, "fuzz-csv: a failed load left a partial dataset\n");
            abort();
        }
        return;
    }
    if (ds->n_samples == 0 || ds->n_in == 0 || ds->n_out == 0 || !ds->x || !ds->y) {
        fprintf(stderr, "fuzz-csv: a load that succeeded with an empty table (%zu x %zu+%zu)\n",
                ds->n_samples, ds->n_in, ds->n_out);
        abort();
    }
    for (size_t i = 0; i < ds->n_samples * ds->n_in; i++)
        if (!isfinite(ds->x[i]))
            abort();
    for (size_t i = 0; i < ds->n_samples * ds->n_out; i++)
        if (!isfinite(ds->y[i]))
            abort();
    for (size_t k = 0; k < ds->n_in; k++) {
        if (!ds->in_names[k])
            abort();
        fuzz_host->free(ds->in_names[k]);
    }
    for (size_t k = 0; k < ds->n_out; k++) {
        if (!ds->out_names[k])
            abort();
        fuzz_host->free(ds->out_names[k]);
    }
    fuzz_host->free(ds->in_names);
    fuzz_host->free(ds->out_names);
    fuzz_host->free(ds->x);
    fuzz_host->free(ds->y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GError *err = NULL;
    if (!g_file_set_contents(fuzz_input, (const char *)data, (gssize)size, &err)) {
        fprintf(stderr, "fuzz-csv: cannot write %s: %s\n", fuzz_input, err->message);
        abort();
    }
    const fl_ref *refs[] = {&fuzz_default, &fuzz_named};
    for (size_t i = 0; i < G_N_ELEMENTS(refs); i++) {
        const fl_dataset_ops *ops = refs[i]->plugin->ops.dataset;
        fl_dataset ds = {.size = sizeof ds};
        host_clear_error(fuzz_host);
        int rc = ops->load(fuzz_host, refs[i]->opts, fuzz_dir, 1, &ds);
        fuzz_check_and_free(rc, &ds);
    }
    return 0;
}
