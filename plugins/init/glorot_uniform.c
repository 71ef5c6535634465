/* glorot_uniform.c — Keras `GlorotUniform`: uniform in [-limit, limit) with
 * limit = sqrt(6 / (fan_in + fan_out)), so the variance is 2 / (fan_in + fan_out).
 * Keras VarianceScaling(scale=1.0, mode=fan_avg, distribution=uniform). */
#include <flatline/plugin.h>
#include "draw.h"

static int glorot_uniform_fill(const fl_host *host, const void *opts, float *w, size_t n,
                               size_t fan_in, size_t fan_out, fl_rng *rng)
{
    (void)opts;
    return draw_variance_scaling(host, "glorot_uniform", rng, w, n, fan_in, fan_out, 1.0,
                                 DRAW_FAN_AVG, DRAW_UNIFORM);
}

FL_INITIALIZER_PLUGIN("glorot_uniform",
                      "uniform, limit sqrt(6 / (fan_in + fan_out)) (Keras default kernel)", NULL,
                      fl_no_opts, .fill = glorot_uniform_fill);
