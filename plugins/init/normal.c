/* normal.c — Keras `RandomNormal`: independent normal draws, mean 0 and standard deviation
 * 0.05 by default.  The fixed stddev ignores the layer's fans, which is why wide layers
 * initialized this way shrink or blow up signals. */
#include <flatline/plugin.h>
#include <stddef.h>
#include "draw.h"

typedef struct normal_opts {
    double mean;
    double stddev;
} normal_opts;

static const fl_param normal_params[] = {
    {"mean", FL_PARAM_FLOAT, "0.0", NULL, NULL, "mean of the draws", offsetof(normal_opts, mean)},
    {"stddev", FL_PARAM_FLOAT, "0.05", "[0, inf)", NULL, "standard deviation of the draws",
     offsetof(normal_opts, stddev)},
    FL_PARAM_END};

static int normal_fill(const fl_host *host, const void *opts, float *w, size_t n,
                       size_t fan_in, size_t fan_out, fl_rng *rng)
{
    (void)fan_in, (void)fan_out;
    const normal_opts *o = opts;
    draw_normal(host, rng, w, n, o->mean, o->stddev);
    return 0;
}

FL_INITIALIZER_PLUGIN("normal", "normal draws (mean 0, stddev 0.05)", normal_params, normal_opts,
                      .fill = normal_fill);
