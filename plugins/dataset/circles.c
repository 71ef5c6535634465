/* circles.c — the `circles` dataset: two concentric rings, a non-linear boundary.
 *
 * Half the samples (rounded down) lie on the outer circle of radius 1 and are class 0, the
 * rest on the inner circle of radius `factor` and are class 1 (as scikit-learn's
 * make_circles); angles are uniform, then Gaussian noise of deviation `noise` moves each
 * point.  The classes are interleaved in random order, so a validation split taken from
 * the end holds both.  The target is one 0/1 column, or two one-hot columns with `onehot`.
 */
#include <stdbool.h>
#include <stddef.h>
#include "synth.h"

typedef struct circles_opts {
    int samples;
    double factor;
    double noise;
    bool onehot;
} circles_opts;

static const fl_param circles_params[] = {
    {"samples", FL_PARAM_INT, "100", "[1, 10000000]", NULL, "number of samples",
     offsetof(circles_opts, samples)},
    {"factor", FL_PARAM_FLOAT, "0.5", "(0, 1)", NULL,
     "radius of the inner circle (class 1); the outer one has radius 1",
     offsetof(circles_opts, factor)},
    {"noise", FL_PARAM_FLOAT, "0.05", "[0, inf)", NULL,
     "standard deviation of Gaussian noise added to each coordinate",
     offsetof(circles_opts, noise)},
    {"onehot", FL_PARAM_BOOL, "false", NULL, NULL,
     "two one-hot target columns instead of one 0/1 column", offsetof(circles_opts, onehot)},
    FL_PARAM_END};

static int circles_load(const fl_host *host, const void *opts_, const char *base_dir,
                        uint64_t seed, fl_dataset *out)
{
    const circles_opts *opts = opts_;
    (void)base_dir;
    size_t n = (size_t)opts->samples;
    if (synth_alloc(host, out, n, 2, opts->onehot ? 2 : 1) < 0)
        return -1;
    synth_rng rng, noise;
    synth_rng_init(&rng, seed, SYNTH_STREAM_SAMPLES);
    synth_rng_init(&noise, seed, SYNTH_STREAM_NOISE);
    uint32_t *labels = synth_scratch(host, n, sizeof *labels);
    if (!labels) {
        synth_free(host, out);
        return -1;
    }
    for (size_t i = n / 2; i < n; i++)
        labels[i] = 1;
    synth_shuffle(&rng, labels, n);
    for (size_t i = 0; i < n; i++) {
        double r = labels[i] ? opts->factor : 1.0;
        double angle = synth_range(&rng, 0.0, 2.0 * M_PI);
        out->x[2 * i] = (float)(r * cos(angle) + opts->noise * synth_normal(&noise));
        out->x[2 * i + 1] = (float)(r * sin(angle) + opts->noise * synth_normal(&noise));
        synth_set_class(out, i, labels[i]);
    }
    host->free(labels);
    return 0;
}

FL_DATASET_PLUGIN("circles", "two noisy concentric circles, inner one class 1 (classification)",
                  circles_params, circles_opts, .load = circles_load);
