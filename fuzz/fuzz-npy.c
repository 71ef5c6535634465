/* fuzz-npy.c — libFuzzer target for the npy dataset plugin: the .npy header parser and
 * the .npz (zip) directory reader.
 *
 * The bytes become a file in a private directory on tmpfs, written twice: as input.npy,
 * which the npy plugin, found through the registry as flatline finds it, loads as both x
 * and y (plain, and with classes = 3 so that the one-hot path runs); and as input.npz,
 * loaded with x = "x" and y = "y".  A load must either succeed with a consistent dataset
 * (samples, inputs and targets, every value finite, a shape that matches the inputs, a
 * name for every column) or fail with a message naming the file and leave the dataset
 * empty.
 *
 * `make fuzz` builds the plugin itself with coverage instrumentation into fuzz/build and
 * points FLATLINE_PLUGIN_PATH there, so libFuzzer sees the parser's branches. */
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
static fl_ref fuzz_plain, fuzz_classes, fuzz_archive;
static char *fuzz_dir, *fuzz_npy, *fuzz_npz;

static void fuzz_cleanup(void)
{
    if (fuzz_npy)
        g_unlink(fuzz_npy);
    if (fuzz_npz)
        g_unlink(fuzz_npz);
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
        fprintf(stderr, "fuzz-npy: cannot create %s: %s\n", fuzz_dir, g_strerror(errno));
        abort();
    }
    fuzz_npy = g_build_filename(fuzz_dir, "input.npy", NULL);
    fuzz_npz = g_build_filename(fuzz_dir, "input.npz", NULL);
    atexit(fuzz_cleanup);

    GError *err = NULL;
    fuzz_reg = registry_new();
    fuzz_host = host_new(1, &err);
    /* A relative path, read from base_dir, as an experiment file gives it. */
    if (!fuzz_host ||
        !params_ref_init(&fuzz_plain, fuzz_reg, FL_KIND_DATASET, "npy",
                         (const char *const[]){"x=\"input.npy\"", "y=\"input.npy\"", NULL},
                         &err) ||
        !params_ref_init(&fuzz_classes, fuzz_reg, FL_KIND_DATASET, "npy",
                         (const char *const[]){"x=\"input.npy\"", "y=\"input.npy\"",
                                               "classes=3", NULL},
                         &err) ||
        !params_ref_init(&fuzz_archive, fuzz_reg, FL_KIND_DATASET, "npy",
                         (const char *const[]){"path=\"input.npz\"", "x=\"x\"", "y=\"y\"",
                                               NULL},
                         &err)) {
        fprintf(stderr, "fuzz-npy: %s (set FLATLINE_PLUGIN_PATH to a directory holding "
                        "dataset-npy.so; make fuzz does)\n",
                err->message);
        abort();
    }
    return 0;
}

static void fuzz_check_and_free(int rc, fl_dataset *ds)
{
    if (rc < 0) {
        GError *err = NULL;
        host_take_error(fuzz_host, &err, "npy: ");
        /* The message names the file the user wrote. */
        if (!strstr(err->message, "input.np")) {
            fprintf(stderr, "fuzz-npy: a refusal that does not name the file: %s\n",
                    err->message);
            abort();
        }
        g_error_free(err);
        if (ds->x || ds->y || ds->in_names || ds->out_names || ds->n_samples) {
            fprintf(stderr, "fuzz-npy: a failed load left a partial dataset\n");
            abort();
        }
        return;
    }
    if (ds->n_samples == 0 || ds->n_in == 0 || ds->n_out == 0 || !ds->x || !ds->y) {
        fprintf(stderr, "fuzz-npy: a load that succeeded with an empty table (%zu x %zu+%zu)\n",
                ds->n_samples, ds->n_in, ds->n_out);
        abort();
    }
    if (ds->in_shape.rank > FL_MAX_RANK ||
        (ds->in_shape.rank && fl_shape_count(&ds->in_shape) != ds->n_in)) {
        fprintf(stderr, "fuzz-npy: a shape of rank %u that does not hold the %zu inputs\n",
                ds->in_shape.rank, ds->n_in);
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

static void fuzz_write(const char *path, const uint8_t *data, size_t size)
{
    GError *err = NULL;
    if (!g_file_set_contents(path, (const char *)data, (gssize)size, &err)) {
        fprintf(stderr, "fuzz-npy: cannot write %s: %s\n", path, err->message);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write(fuzz_npy, data, size);
    fuzz_write(fuzz_npz, data, size);
    const fl_ref *refs[] = {&fuzz_plain, &fuzz_classes, &fuzz_archive};
    for (size_t i = 0; i < G_N_ELEMENTS(refs); i++) {
        const fl_dataset_ops *ops = refs[i]->plugin->ops.dataset;
        fl_dataset ds = {.size = sizeof ds};
        host_clear_error(fuzz_host);
        int rc = ops->load(fuzz_host, refs[i]->opts, fuzz_dir, 1, &ds);
        fuzz_check_and_free(rc, &ds);
    }
    return 0;
}
