/* mixed_scales.c — the `mixed_scales` dataset: inputs whose scales differ by orders of
 * magnitude, for the unscaled_input failure.
 *
 * Hidden standard normal features u_i are stored multiplied by
 * 10^(i * orders / (features - 1)), so the first input has unit scale and the last is
 * 10^orders times larger.  The target depends on every hidden feature equally,
 * y = sin(sum_i s_i u_i / sqrt(features)) with alternating signs s_i = +1, -1, ..., so the
 * task is easy once the inputs are standardized and hard without: the large inputs swamp
 * the small ones and the learning rate that suits one scale is wrong for the others.
 */
#include <stddef.h>
#include "synth.h"

typedef struct mixed_scales_opts {
    int samples;
    int features;
    double orders;
} mixed_scales_opts;

static const fl_param mixed_scales_params[] = {
    {"samples", FL_PARAM_INT, "100", "[1, 10000000]", NULL, "number of samples",
     offsetof(mixed_scales_opts, samples)},
    {"features", FL_PARAM_INT, "4", "[2, 1000]", NULL, "number of inputs",
     offsetof(mixed_scales_opts, features)},
    {"orders", FL_PARAM_FLOAT, "6.0", "[0, 30]", NULL,
     "orders of magnitude between the scales of the first and the last input",
     offsetof(mixed_scales_opts, orders)},
    FL_PARAM_END};

static int mixed_scales_load(const fl_host *host, const void *opts_, const char *base_dir,
                             uint64_t seed, fl_dataset *out)
{
    const mixed_scales_opts *opts = opts_;
    (void)base_dir;
    size_t n = (size_t)opts->samples, f = (size_t)opts->features;
    if (synth_alloc(host, out, n, f, 1) < 0)
        return -1;
    double *scale = synth_scratch(host, f, sizeof *scale);
    if (!scale) {
        synth_free(host, out);
        return -1;
    }
    for (size_t j = 0; j < f; j++)
        scale[j] = pow(10.0, (double)j * opts->orders / (double)(f - 1));
    synth_rng rng;
    synth_rng_init(&rng, seed, SYNTH_STREAM_SAMPLES);
    double norm = 1.0 / sqrt((double)f);
    for (size_t i = 0; i < n; i++) {
        double sum = 0.0;
        for (size_t j = 0; j < f; j++) {
            double u = synth_normal(&rng);
            sum += (j % 2 ? -u : u);
            out->x[i * f + j] = (float)(u * scale[j]);
        }
        out->y[i] = (float)sin(sum * norm);
    }
    host->free(scale);
    return 0;
}

FL_DATASET_PLUGIN("mixed_scales",
                  "normal inputs scaled over `orders` orders of magnitude, smooth target",
                  mixed_scales_params, mixed_scales_opts, .load = mixed_scales_load);
