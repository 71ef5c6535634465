/* exponential_decay.c — Keras `ExponentialDecay`: after `steps` completed steps the rate is
 *     lr * decay_rate ^ (steps / decay_steps)
 * with the exponent floored when `staircase` is set, so the rate drops in discrete jumps
 * every decay_steps steps.  The first step (steps = 0) uses the optimizer's lr unchanged. */
#include <flatline/plugin.h>
#include <math.h>
#include <stddef.h>

typedef struct exponential_decay_opts {
    int decay_steps;
    double decay_rate;
    bool staircase;
} exponential_decay_opts;

static const fl_param exponential_decay_params[] = {
    {"decay_steps", FL_PARAM_INT, NULL, "[1, inf)", NULL,
     "steps over which the rate is multiplied by decay_rate once",
     offsetof(exponential_decay_opts, decay_steps)},
    {"decay_rate", FL_PARAM_FLOAT, NULL, "(0, inf)", NULL,
     "factor per decay_steps steps (below 1 decays)",
     offsetof(exponential_decay_opts, decay_rate)},
    {"staircase", FL_PARAM_BOOL, "false", NULL, NULL,
     "decay in whole jumps every decay_steps steps", offsetof(exponential_decay_opts, staircase)},
    FL_PARAM_END};

static double exponential_decay_lr(const void *opts, double base_lr, int64_t steps)
{
    const exponential_decay_opts *o = opts;
    double p = (double)steps / (double)o->decay_steps;
    if (o->staircase)
        p = floor(p);
    return base_lr * pow(o->decay_rate, p);
}

static const fl_schedule_ops exponential_decay_ops = {
    .lr = exponential_decay_lr,
};

FL_PLUGIN_DEFINE(FL_KIND_SCHEDULE, "exponential_decay",
                 "lr * decay_rate ^ (steps / decay_steps), optionally in steps",
                 exponential_decay_params, exponential_decay_opts, exponential_decay_ops);
