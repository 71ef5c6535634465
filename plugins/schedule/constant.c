/* constant.c — the schedule that keeps the optimizer's `lr` for every step. */
#include <flatline/plugin.h>

static double constant_lr(const void *opts, double base_lr, int64_t steps)
{
    (void)opts, (void)steps;
    return base_lr;
}

static const fl_schedule_ops constant_ops = {
    .lr = constant_lr,
};

FL_PLUGIN_DEFINE(FL_KIND_SCHEDULE, "constant", "keeps the optimizer's lr unchanged", NULL,
                 fl_no_opts, constant_ops);
