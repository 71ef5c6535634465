/* blobs.c — the `blobs` dataset: Gaussian clusters, one per class, with one-hot targets.
 *
 * Class centers are at least 8 apart: in the first two dimensions they sit evenly on a
 * circle whose adjacent centers are 8 apart (on a line with spacing 8 when there is one
 * feature), at a phase drawn from the seed; further dimensions add random offsets, which
 * only separate the centers more.  Each sample is its center plus Gaussian noise of
 * deviation `spread`, so with the default spread of 1 the classes are separable by a wide
 * margin and raising `spread` makes them overlap.
 *
 * `imbalance` makes class 0 the majority: every other class gets
 * floor(samples / (imbalance + classes - 1)) samples (at least 1) and class 0 the rest, so
 * the counts add up to `samples` and class 0 has about `imbalance` times as many as each
 * other class.  The samples are stored in random order, not class by class.
 */
#include <stddef.h>
#include "synth.h"

typedef struct blobs_opts {
    int samples;
    int classes;
    int features;
    double spread;
    double imbalance;
} blobs_opts;

static const fl_param blobs_params[] = {
    {"samples", FL_PARAM_INT, "100", "[1, 10000000]", NULL, "number of samples",
     offsetof(blobs_opts, samples)},
    {"classes", FL_PARAM_INT, "3", "[1, 1000]", NULL,
     "number of clusters, one class each (one-hot target columns)",
     offsetof(blobs_opts, classes)},
    {"features", FL_PARAM_INT, "2", "[1, 1000]", NULL, "number of inputs",
     offsetof(blobs_opts, features)},
    {"spread", FL_PARAM_FLOAT, "1.0", "(0, inf)", NULL,
     "standard deviation of each cluster; centers are at least 8 apart",
     offsetof(blobs_opts, spread)},
    {"imbalance", FL_PARAM_FLOAT, "1.0", "[1, inf)", NULL,
     "class 0 has this many times as many samples as each other class",
     offsetof(blobs_opts, imbalance)},
    FL_PARAM_END};

/* Fill centers (classes, features). */
static void blobs_centers(double *centers, size_t c, size_t f, synth_rng *task)
{
    if (f == 1) {
        double shift = synth_range(task, -2.0, 2.0);
        for (size_t k = 0; k < c; k++)
            centers[k] = 8.0 * ((double)k - (double)(c - 1) / 2.0) + shift;
        return;
    }
    /* A chord of 8 between neighbours on a circle of c points: 2 R sin(pi / c) = 8. */
    double radius = c > 1 ? 4.0 / sin(M_PI / (double)c) : 0.0;
    double phase = synth_range(task, 0.0, 2.0 * M_PI);
    for (size_t k = 0; k < c; k++) {
        double angle = phase + 2.0 * M_PI * (double)k / (double)c;
        double *center = centers + k * f;
        center[0] = radius * cos(angle);
        center[1] = radius * sin(angle);
        for (size_t j = 2; j < f; j++)
            center[j] = 2.0 * synth_normal(task);
    }
}

static int blobs_load(const fl_host *host, const void *opts_, const char *base_dir,
                      uint64_t seed, fl_dataset *out)
{
    const blobs_opts *opts = opts_;
    (void)base_dir;
    size_t n = (size_t)opts->samples, c = (size_t)opts->classes, f = (size_t)opts->features;
    if (n < c) {
        host->error(host,
                    "samples = %zu is fewer than classes = %zu; every class needs a "
                    "sample: raise `samples` or lower `classes`",
                    n, c);
        return -1;
    }
    size_t per_other = (size_t)floor((double)n / (opts->imbalance + (double)(c - 1)));
    if (per_other < 1)
        per_other = 1;
    size_t n_first = n - (c - 1) * per_other;

    if (synth_alloc(host, out, n, f, c) < 0)
        return -1;
    synth_rng task, rng;
    synth_rng_init(&task, seed, SYNTH_STREAM_TASK);
    synth_rng_init(&rng, seed, SYNTH_STREAM_SAMPLES);
    double *centers = synth_scratch(host, c * f, sizeof *centers);
    if (!centers) {
        synth_free(host, out);
        return -1;
    }
    blobs_centers(centers, c, f, &task);

    uint32_t *labels = synth_scratch(host, n, sizeof *labels);
    if (!labels) {
        host->free(centers);
        synth_free(host, out);
        return -1;
    }
    for (size_t i = n_first; i < n; i++)
        labels[i] = (uint32_t)(1 + (i - n_first) / per_other);
    synth_shuffle(&rng, labels, n);

    for (size_t i = 0; i < n; i++) {
        const double *center = centers + labels[i] * f;
        for (size_t j = 0; j < f; j++)
            out->x[i * f + j] = (float)(center[j] + opts->spread * synth_normal(&rng));
        out->y[i * c + labels[i]] = 1.0f;
    }
    host->free(labels);
    host->free(centers);
    return 0;
}

FL_DATASET_PLUGIN("blobs", "Gaussian clusters, one per class, one-hot targets, optional imbalance",
                  blobs_params, blobs_opts, .load = blobs_load);
