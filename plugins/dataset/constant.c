/* constant.c — the `constant` dataset: random inputs and a target that never varies.
 *
 * Inputs are standard normal; every target is exactly `value` (0 gives all-zero labels).
 * A network trained on it should predict a constant: this is the case where a constant
 * output is right, and the constant_target detector, not a training failure, explains it.
 */
#include <stddef.h>
#include "synth.h"

typedef struct constant_opts {
    int samples;
    int features;
    int outputs;
    double value;
} constant_opts;

static const fl_param constant_params[] = {
    {"samples", FL_PARAM_INT, "100", "[1, 10000000]", NULL, "number of samples",
     offsetof(constant_opts, samples)},
    {"features", FL_PARAM_INT, "2", "[1, 1000]", NULL, "number of standard normal inputs",
     offsetof(constant_opts, features)},
    {"outputs", FL_PARAM_INT, "1", "[1, 1000]", NULL, "number of target columns",
     offsetof(constant_opts, outputs)},
    {"value", FL_PARAM_FLOAT, "0.0", NULL, NULL, "the value of every target",
     offsetof(constant_opts, value)},
    FL_PARAM_END};

static int constant_load(const fl_host *host, const void *opts_, const char *base_dir,
                         uint64_t seed, fl_dataset *out)
{
    const constant_opts *opts = opts_;
    (void)base_dir;
    size_t n = (size_t)opts->samples, f = (size_t)opts->features, m = (size_t)opts->outputs;
    float value = (float)opts->value;
    if (!isfinite(value)) {
        host->error(host, "value = %g does not fit in a float; use a smaller value",
                    opts->value);
        return -1;
    }
    if (synth_alloc(host, out, n, f, m) < 0)
        return -1;
    synth_rng rng;
    synth_rng_init(&rng, seed, SYNTH_STREAM_SAMPLES);
    for (size_t i = 0; i < n * f; i++)
        out->x[i] = (float)synth_normal(&rng);
    for (size_t i = 0; i < n * m; i++)
        out->y[i] = value;
    return 0;
}

FL_DATASET_PLUGIN("constant", "standard normal inputs, every target equal to `value`",
                  constant_params, constant_opts, .load = constant_load);
