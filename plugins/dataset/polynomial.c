/* polynomial.c — the `polynomial` dataset: a one-dimensional (or additive) non-linear
 * regression task.
 *
 * Each input is uniform in [-1, 1] and the target is the Chebyshev polynomial of the chosen
 * degree, summed over the inputs and divided by sqrt(features) so that its spread does not
 * grow with their number: y = sum_i T_d(x_i) / sqrt(features).  For the default degree 3,
 * T_3(x) = 4x^3 - 3x is the cubic x^3 - x stretched to span [-1, 1]: it bends twice, so a
 * linear model underfits it while a small ReLU network fits it.  Degree 1 gives a linear
 * task for comparison.
 */
#include <stddef.h>
#include "synth.h"

typedef struct polynomial_opts {
    int samples;
    int features;
    int degree;
    double noise;
} polynomial_opts;

static const fl_param polynomial_params[] = {
    {"samples", FL_PARAM_INT, "100", "[1, 10000000]", NULL, "number of samples",
     offsetof(polynomial_opts, samples)},
    {"features", FL_PARAM_INT, "1", "[1, 1000]", NULL, "number of inputs, each uniform in [-1, 1]",
     offsetof(polynomial_opts, features)},
    {"degree", FL_PARAM_INT, "3", "[1, 9]", NULL,
     "degree of the Chebyshev polynomial T_d applied to each input (3: 4x^3 - 3x)",
     offsetof(polynomial_opts, degree)},
    {"noise", FL_PARAM_FLOAT, "0.0", "[0, inf)", NULL,
     "standard deviation of Gaussian noise added to the target",
     offsetof(polynomial_opts, noise)},
    FL_PARAM_END};

/* T_d(x) by the recurrence T_{k+1} = 2x T_k - T_{k-1}. */
static double polynomial_chebyshev(int degree, double x)
{
    double prev = 1.0, cur = x;
    for (int k = 1; k < degree; k++) {
        double next = 2.0 * x * cur - prev;
        prev = cur;
        cur = next;
    }
    return degree == 0 ? 1.0 : cur;
}

static int polynomial_load(const fl_host *host, const void *opts_, const char *base_dir,
                           uint64_t seed, fl_dataset *out)
{
    const polynomial_opts *opts = opts_;
    (void)base_dir;
    size_t n = (size_t)opts->samples, f = (size_t)opts->features;
    if (synth_alloc(host, out, n, f, 1) < 0)
        return -1;
    synth_rng rng, noise;
    synth_rng_init(&rng, seed, SYNTH_STREAM_SAMPLES);
    synth_rng_init(&noise, seed, SYNTH_STREAM_NOISE);
    double scale = 1.0 / sqrt((double)f);
    for (size_t i = 0; i < n; i++) {
        double y = 0.0;
        for (size_t j = 0; j < f; j++) {
            double x = synth_range(&rng, -1.0, 1.0);
            out->x[i * f + j] = (float)x;
            y += polynomial_chebyshev(opts->degree, x);
        }
        y *= scale;
        if (opts->noise > 0.0)
            y += opts->noise * synth_normal(&noise);
        out->y[i] = (float)y;
    }
    return 0;
}

FL_DATASET_PLUGIN("polynomial",
                  "uniform inputs in [-1, 1], target a Chebyshev polynomial (default cubic)",
                  polynomial_params, polynomial_opts, .load = polynomial_load);
