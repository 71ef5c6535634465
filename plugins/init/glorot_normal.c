/* glorot_normal.c — Keras `GlorotNormal`: truncated normal with
 * stddev sqrt(2 / (fan_in + fan_out)) / 0.8796..., so the variance is 2 / (fan_in + fan_out).
 * Keras VarianceScaling(scale=1.0, mode=fan_avg, distribution=truncated_normal). */
#include <flatline/plugin.h>
#include "draw.h"

static int glorot_normal_fill(const fl_host *host, const void *opts, float *w, size_t n,
                              size_t fan_in, size_t fan_out, fl_rng *rng)
{
    (void)opts;
    return draw_variance_scaling(host, "glorot_normal", rng, w, n, fan_in, fan_out, 1.0,
                                 DRAW_FAN_AVG, DRAW_TRUNCATED_NORMAL);
}

FL_INITIALIZER_PLUGIN("glorot_normal", "truncated normal, variance 2 / (fan_in + fan_out)", NULL,
                      fl_no_opts, .fill = glorot_normal_fill);
