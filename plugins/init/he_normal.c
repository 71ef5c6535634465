/* he_normal.c — Keras `HeNormal`: truncated normal with
 * stddev sqrt(2 / fan_in) / 0.8796..., so the variance is 2 / fan_in (suited to ReLU).
 * Keras VarianceScaling(scale=2.0, mode=fan_in, distribution=truncated_normal). */
#include <flatline/plugin.h>
#include "draw.h"

static int he_normal_fill(const fl_host *host, const void *opts, float *w, size_t n, size_t fan_in,
                          size_t fan_out, fl_rng *rng)
{
    (void)opts;
    return draw_variance_scaling(host, "he_normal", rng, w, n, fan_in, fan_out, 2.0, DRAW_FAN_IN,
                                 DRAW_TRUNCATED_NORMAL);
}

FL_INITIALIZER_PLUGIN("he_normal", "truncated normal, variance 2 / fan_in (for ReLU)", NULL,
                      fl_no_opts, .flags = FL_INIT_FOR_RELU, .fill = he_normal_fill);
