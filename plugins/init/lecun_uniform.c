/* lecun_uniform.c — Keras `LecunUniform`: uniform in [-limit, limit) with
 * limit = sqrt(3 / fan_in), so the variance is 1 / fan_in.
 * Keras VarianceScaling(scale=1.0, mode=fan_in, distribution=uniform). */
#include <flatline/plugin.h>
#include "draw.h"

static int lecun_uniform_fill(const fl_host *host, const void *opts, float *w, size_t n,
                              size_t fan_in, size_t fan_out, fl_rng *rng)
{
    (void)opts;
    return draw_variance_scaling(host, "lecun_uniform", rng, w, n, fan_in, fan_out, 1.0,
                                 DRAW_FAN_IN, DRAW_UNIFORM);
}

FL_INITIALIZER_PLUGIN("lecun_uniform", "uniform, limit sqrt(3 / fan_in)", NULL, fl_no_opts,
                      .fill = lecun_uniform_fill);
