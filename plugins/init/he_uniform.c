/* he_uniform.c — Keras `HeUniform`: uniform in [-limit, limit) with
 * limit = sqrt(6 / fan_in), so the variance is 2 / fan_in (suited to ReLU).
 * Keras VarianceScaling(scale=2.0, mode=fan_in, distribution=uniform). */
#include <flatline/plugin.h>
#include "draw.h"

static int he_uniform_fill(const fl_host *host, const void *opts, float *w, size_t n, size_t fan_in,
                           size_t fan_out, fl_rng *rng)
{
    (void)opts;
    return draw_variance_scaling(host, "he_uniform", rng, w, n, fan_in, fan_out, 2.0, DRAW_FAN_IN,
                                 DRAW_UNIFORM);
}

FL_INITIALIZER_PLUGIN("he_uniform", "uniform, limit sqrt(6 / fan_in) (for ReLU)", NULL, fl_no_opts,
                      .flags = FL_INIT_FOR_RELU, .fill = he_uniform_fill);
