/* constant.c — the schedule that keeps the optimizer's `lr` for every step. */
#include <flatline/plugin.h>

static int constant_lr(const fl_host *host, const void *opts, double base_lr, int64_t steps,
                       double *lr)
{
    (void)host, (void)opts, (void)steps;
    *lr = base_lr;
    return 0;
}

FL_SCHEDULE_PLUGIN("constant", "keeps the optimizer's lr unchanged", NULL, fl_no_opts,
                   .lr = constant_lr);
