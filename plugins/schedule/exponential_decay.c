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

static int exponential_decay_lr(const fl_host *host, const void *opts, double base_lr,
                                int64_t steps, double *lr)
{
    const exponential_decay_opts *o = opts;
    if (o->decay_steps < 1) {
        host->error(host,
                    "exponential_decay schedule: decay_steps = %d; set decay_steps to 1 "
                    "or more",
                    o->decay_steps);
        return -1;
    }
    double p = (double)steps / (double)o->decay_steps;
    if (o->staircase)
        p = floor(p);
    *lr = base_lr * pow(o->decay_rate, p);
    return 0;
}

FL_SCHEDULE_PLUGIN("exponential_decay",
                   "lr * decay_rate ^ (steps / decay_steps), optionally in steps",
                   exponential_decay_params, exponential_decay_opts, .flags = FL_SCHEDULE_DECAYS,
                   .lr = exponential_decay_lr);
