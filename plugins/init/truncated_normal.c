/* truncated_normal.c — Keras `TruncatedNormal`: normal draws (mean 0, stddev 0.05 by
 * default) where any draw more than two standard deviations from the mean is redrawn.  The
 * spread is therefore about 0.88 stddev; the variance-scaling initializers correct for
 * that, this one does not, as in Keras. */
#include <flatline/plugin.h>
#include <stddef.h>
#include "draw.h"

typedef struct truncated_normal_opts {
    double mean;
    double stddev;
} truncated_normal_opts;

static const fl_param truncated_normal_params[] = {
    {"mean", FL_PARAM_FLOAT, "0.0", NULL, NULL, "mean of the draws",
     offsetof(truncated_normal_opts, mean)},
    {"stddev", FL_PARAM_FLOAT, "0.05", "[0, inf)", NULL,
     "standard deviation before truncation at 2 stddev", offsetof(truncated_normal_opts, stddev)},
    FL_PARAM_END};

static int truncated_normal_fill(const fl_host *host, const void *opts, float *w, size_t n,
                                 size_t fan_in, size_t fan_out, fl_rng *rng)
{
    (void)fan_in, (void)fan_out;
    const truncated_normal_opts *o = opts;
    draw_truncated_normal(host, rng, w, n, o->mean, o->stddev);
    return 0;
}

FL_INITIALIZER_PLUGIN("truncated_normal", "normal draws cut at 2 stddev (mean 0, stddev 0.05)",
                      truncated_normal_params, truncated_normal_opts,
                      .fill = truncated_normal_fill);
