/* uniform.c — Keras `RandomUniform`: independent draws in [minval, maxval), by default
 * [-0.05, 0.05). */
#include <flatline/plugin.h>
#include <stddef.h>
#include "draw.h"

typedef struct uniform_opts {
    double minval;
    double maxval;
} uniform_opts;

static const fl_param uniform_params[] = {
    {"minval", FL_PARAM_FLOAT, "-0.05", NULL, NULL, "lower bound of the draws",
     offsetof(uniform_opts, minval)},
    {"maxval", FL_PARAM_FLOAT, "0.05", NULL, NULL, "upper bound of the draws",
     offsetof(uniform_opts, maxval)},
    FL_PARAM_END};

static int uniform_fill(const fl_host *host, const void *opts, float *w, size_t n,
                        size_t fan_in, size_t fan_out, fl_rng *rng)
{
    (void)fan_in, (void)fan_out;
    const uniform_opts *o = opts;
    /* The table cannot relate two parameters, so the order is checked here. */
    if (o->minval > o->maxval) {
        host->error(host,
                    "initializer uniform: minval (%g) is greater than maxval (%g); swap them",
                    o->minval, o->maxval);
        return -1;
    }
    draw_uniform(host, rng, w, n, o->minval, o->maxval);
    return 0;
}

FL_INITIALIZER_PLUGIN("uniform", "uniform draws in [minval, maxval)", uniform_params, uniform_opts,
                      .fill = uniform_fill);
