/* none.c — an optimizer that never changes the weights.  It has no `lr`, so no schedule
 * applies; a run with it shows what `no_update` looks like. */
#include <flatline/plugin.h>

static size_t none_n_slots(const void *opts)
{
    (void)opts;
    return 0;
}

static int none_step(const fl_host *host, const void *opts, float *w, const float *dw, float *state,
                     size_t n, double lr, int64_t t)
{
    (void)host, (void)opts, (void)w, (void)dw, (void)state, (void)n, (void)lr, (void)t;
    return 0;
}

FL_OPTIMIZER_PLUGIN("none", "never updates the weights", NULL, fl_no_opts,
                    .flags = FL_OPTIMIZER_NEVER_STEPS, .n_slots = none_n_slots, .step = none_step);
