/* lecun_normal.c — Keras `LecunNormal`: truncated normal with
 * stddev sqrt(1 / fan_in) / 0.8796..., so the variance is 1 / fan_in (suited to SELU).
 * Keras VarianceScaling(scale=1.0, mode=fan_in, distribution=truncated_normal). */
#include <flatline/plugin.h>
#include "draw.h"

static int lecun_normal_fill(const fl_host *host, const void *opts, float *w, size_t n,
                             size_t fan_in, size_t fan_out, fl_rng *rng)
{
    (void)opts;
    return draw_variance_scaling(host, "lecun_normal", rng, w, n, fan_in, fan_out, 1.0, DRAW_FAN_IN,
                                 DRAW_TRUNCATED_NORMAL);
}

FL_INITIALIZER_PLUGIN("lecun_normal", "truncated normal, variance 1 / fan_in (for SELU)", NULL,
                      fl_no_opts, .fill = lecun_normal_fill);
