/* xor.c — the `xor` dataset: the classic task no linear model can solve.
 *
 * Each sample starts at a random corner of the square (+-1, +-1) and moves by Gaussian
 * noise of deviation `noise`; its class is 1 when its two coordinates have opposite signs
 * and 0 otherwise, read from the stored inputs, so that the labels always agree with the
 * data even when the noise is large.  The target is one 0/1 column (for bce), or two
 * one-hot columns (class 0, class 1) with `onehot` (for cce).
 */
#include <stdbool.h>
#include <stddef.h>
#include "synth.h"

typedef struct xor_opts {
    int samples;
    double noise;
    bool onehot;
} xor_opts;

static const fl_param xor_params[] = {
    {"samples", FL_PARAM_INT, "100", "[1, 10000000]", NULL, "number of samples",
     offsetof(xor_opts, samples)},
    {"noise", FL_PARAM_FLOAT, "0.1", "[0, inf)", NULL,
     "standard deviation of the Gaussian spread around each corner", offsetof(xor_opts, noise)},
    {"onehot", FL_PARAM_BOOL, "false", NULL, NULL,
     "two one-hot target columns instead of one 0/1 column", offsetof(xor_opts, onehot)},
    FL_PARAM_END};

static int xor_load(const fl_host *host, const void *opts_, const char *base_dir, uint64_t seed,
                    fl_dataset *out)
{
    const xor_opts *opts = opts_;
    (void)base_dir;
    size_t n = (size_t)opts->samples;
    if (synth_alloc(host, out, n, 2, opts->onehot ? 2 : 1) < 0)
        return -1;
    synth_rng rng, noise;
    synth_rng_init(&rng, seed, SYNTH_STREAM_SAMPLES);
    synth_rng_init(&noise, seed, SYNTH_STREAM_NOISE);
    for (size_t i = 0; i < n; i++) {
        uint64_t corner = synth_below(&rng, 4);
        float *x = out->x + 2 * i;
        x[0] = (float)((corner & 1 ? 1.0 : -1.0) + opts->noise * synth_normal(&noise));
        x[1] = (float)((corner & 2 ? 1.0 : -1.0) + opts->noise * synth_normal(&noise));
        synth_set_class(out, i, (x[0] > 0.0f) != (x[1] > 0.0f));
    }
    return 0;
}

FL_DATASET_PLUGIN("xor",
                  "noisy corners of the square, class 1 where the signs differ (classification)",
                  xor_params, xor_opts, .load = xor_load);
