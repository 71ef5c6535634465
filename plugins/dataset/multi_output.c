/* multi_output.c — the `multi_output` dataset: several targets that differ from each
 * other, for networks with several heads.
 *
 * Inputs u are standard normal.  Output k is a normalized Hermite polynomial of one input:
 * input k % features, of degree 1 + (k % features + k / features) % 3, i.e. u, (u^2 - 1)/sqrt 2
 * or (u^3 - 3u)/sqrt 6.  Hermite polynomials of a standard normal are orthogonal, and
 * different inputs are independent, so every target has mean 0 and variance 1 and no two
 * targets are correlated: heads that predict the same value for all outputs are wrong.
 * The rule gives 3 * features distinct targets; more would repeat, so they are refused.
 */
#include <stddef.h>
#include "synth.h"

typedef struct multi_output_opts {
    int samples;
    int features;
    int outputs;
    double noise;
} multi_output_opts;

static const fl_param multi_output_params[] = {
    {"samples", FL_PARAM_INT, "100", "[1, 10000000]", NULL, "number of samples",
     offsetof(multi_output_opts, samples)},
    {"features", FL_PARAM_INT, "3", "[1, 1000]", NULL, "number of standard normal inputs",
     offsetof(multi_output_opts, features)},
    {"outputs", FL_PARAM_INT, "3", "[1, 3000]", NULL,
     "number of uncorrelated targets (at most 3 * features)",
     offsetof(multi_output_opts, outputs)},
    {"noise", FL_PARAM_FLOAT, "0.0", "[0, inf)", NULL,
     "standard deviation of Gaussian noise added to each target",
     offsetof(multi_output_opts, noise)},
    FL_PARAM_END};

/* Probabilists' Hermite polynomial He_d(u) / sqrt(d!) for d = 1, 2, 3. */
static double multi_output_hermite(int degree, double u)
{
    switch (degree) {
    case 1: return u;
    case 2: return (u * u - 1.0) / sqrt(2.0);
    default: return (u * u * u - 3.0 * u) / sqrt(6.0);
    }
}

static int multi_output_load(const fl_host *host, const void *opts_, const char *base_dir,
                             uint64_t seed, fl_dataset *out)
{
    const multi_output_opts *opts = opts_;
    (void)base_dir;
    size_t n = (size_t)opts->samples, f = (size_t)opts->features, m = (size_t)opts->outputs;
    if (m > 3 * f) {
        host->error(host,
                    "outputs = %zu but %zu features give only %zu distinct "
                    "targets; raise `features` to at least %zu or lower `outputs`",
                    m, f, 3 * f, (m + 2) / 3);
        return -1;
    }
    if (synth_alloc(host, out, n, f, m) < 0)
        return -1;
    synth_rng rng, noise;
    synth_rng_init(&rng, seed, SYNTH_STREAM_SAMPLES);
    synth_rng_init(&noise, seed, SYNTH_STREAM_NOISE);
    for (size_t i = 0; i < n; i++) {
        float *x = out->x + i * f;
        for (size_t j = 0; j < f; j++)
            x[j] = (float)synth_normal(&rng);
        for (size_t k = 0; k < m; k++) {
            int degree = 1 + (int)((k % f + k / f) % 3);
            double y = multi_output_hermite(degree, x[k % f]);
            if (opts->noise > 0.0)
                y += opts->noise * synth_normal(&noise);
            out->y[i * m + k] = (float)y;
        }
    }
    return 0;
}

FL_DATASET_PLUGIN("multi_output",
                  "normal inputs, uncorrelated targets (Hermite polynomials of the inputs)",
                  multi_output_params, multi_output_opts, .load = multi_output_load);
