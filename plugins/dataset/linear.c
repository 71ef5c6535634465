/* linear.c — the `linear` dataset: a linear regression task with noise.
 *
 * Inputs are standard normal; each output is y_k = w_k . x + b_k + noise, where the weights
 * w_k (normal, divided by sqrt(features) so that w_k . x has unit spread) and the biases b_k
 * (uniform in [-1, 1]) are drawn once from the seed, from a stream of their own: the task
 * stays the same when only `samples` changes.  The best possible mean squared error is
 * noise^2, which makes underfitting easy to see.
 */
#include <stddef.h>
#include "synth.h"

typedef struct linear_opts {
    int samples;
    int features;
    int outputs;
    double noise;
} linear_opts;

static const fl_param linear_params[] = {
    {"samples", FL_PARAM_INT, "100", "[1, 10000000]", NULL, "number of samples",
     offsetof(linear_opts, samples)},
    {"features", FL_PARAM_INT, "3", "[1, 1000]", NULL, "number of standard normal inputs",
     offsetof(linear_opts, features)},
    {"outputs", FL_PARAM_INT, "1", "[1, 1000]", NULL, "number of targets, each its own w . x + b",
     offsetof(linear_opts, outputs)},
    {"noise", FL_PARAM_FLOAT, "0.1", "[0, inf)", NULL,
     "standard deviation of Gaussian noise added to each target", offsetof(linear_opts, noise)},
    FL_PARAM_END};

static int linear_load(const fl_host *host, const void *opts_, const char *base_dir,
                       uint64_t seed, fl_dataset *out)
{
    const linear_opts *opts = opts_;
    (void)base_dir;
    size_t n = (size_t)opts->samples, f = (size_t)opts->features, m = (size_t)opts->outputs;
    if (synth_alloc(host, out, n, f, m) < 0)
        return -1;
    /* w (m, f) then b (m). */
    double *w = synth_scratch(host, m * f + m, sizeof *w);
    if (!w) {
        synth_free(host, out);
        return -1;
    }
    double *b = w + m * f;
    synth_rng task, rng, noise;
    synth_rng_init(&task, seed, SYNTH_STREAM_TASK);
    synth_rng_init(&rng, seed, SYNTH_STREAM_SAMPLES);
    synth_rng_init(&noise, seed, SYNTH_STREAM_NOISE);
    double scale = 1.0 / sqrt((double)f);
    for (size_t k = 0; k < m * f; k++)
        w[k] = scale * synth_normal(&task);
    for (size_t k = 0; k < m; k++)
        b[k] = synth_range(&task, -1.0, 1.0);
    for (size_t i = 0; i < n; i++) {
        float *x = out->x + i * f;
        for (size_t j = 0; j < f; j++)
            x[j] = (float)synth_normal(&rng);
        for (size_t k = 0; k < m; k++) {
            double y = b[k];
            for (size_t j = 0; j < f; j++)
                y += w[k * f + j] * x[j];
            if (opts->noise > 0.0)
                y += opts->noise * synth_normal(&noise);
            out->y[i * m + k] = (float)y;
        }
    }
    host->free(w);
    return 0;
}

FL_DATASET_PLUGIN("linear",
                  "standard normal inputs, targets w . x + b with fixed random w, b plus noise",
                  linear_params, linear_opts, .load = linear_load);
