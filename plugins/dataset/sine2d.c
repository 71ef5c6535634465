/* sine2d.c — the `sine2d` dataset: a smooth two-dimensional regression task.
 *
 * Inputs are uniform in [-range, range]^2 and the target is
 * y = sin(pi u0) * cos(pi u1 / 2) with u = x / range, so `range` changes only the scale of
 * the inputs, never the shape of the task.  Over the square the target has mean 0 and
 * standard deviation 0.5, and a 2-10-1 ReLU network trained with Adam (lr 0.01) fits it to
 * a small fraction of its variance within 100-200 epochs: a healthy baseline that the
 * failure experiments then break.  `noise` adds Gaussian noise of that deviation to y.
 */
#include <stddef.h>
#include "synth.h"

typedef struct sine2d_opts {
    int samples;
    double range;
    double noise;
} sine2d_opts;

static const fl_param sine2d_params[] = {
    {"samples", FL_PARAM_INT, "100", "[1, 10000000]", NULL, "number of samples",
     offsetof(sine2d_opts, samples)},
    {"range", FL_PARAM_FLOAT, "1.0", "(0, inf)", NULL,
     "inputs are uniform in [-range, range]; the target keeps its shape",
     offsetof(sine2d_opts, range)},
    {"noise", FL_PARAM_FLOAT, "0.0", "[0, inf)", NULL,
     "standard deviation of Gaussian noise added to the target", offsetof(sine2d_opts, noise)},
    FL_PARAM_END};

static int sine2d_load(const fl_host *host, const void *opts_, const char *base_dir,
                       uint64_t seed, fl_dataset *out)
{
    const sine2d_opts *opts = opts_;
    (void)base_dir;
    size_t n = (size_t)opts->samples;
    if (synth_alloc(host, out, n, 2, 1) < 0)
        return -1;
    synth_rng rng, noise;
    synth_rng_init(&rng, seed, SYNTH_STREAM_SAMPLES);
    synth_rng_init(&noise, seed, SYNTH_STREAM_NOISE);
    for (size_t i = 0; i < n; i++) {
        double u0 = synth_range(&rng, -1.0, 1.0);
        double u1 = synth_range(&rng, -1.0, 1.0);
        double y = sin(M_PI * u0) * cos(M_PI * u1 / 2.0);
        if (opts->noise > 0.0)
            y += opts->noise * synth_normal(&noise);
        out->x[2 * i] = (float)(u0 * opts->range);
        out->x[2 * i + 1] = (float)(u1 * opts->range);
        out->y[i] = (float)y;
    }
    return 0;
}

FL_DATASET_PLUGIN("sine2d",
                  "2 uniform inputs, smooth target sin(pi x0) cos(pi x1 / 2) (regression)",
                  sine2d_params, sine2d_opts, .load = sine2d_load);
