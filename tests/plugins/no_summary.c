/* no_summary.c — a test plugin with an empty summary, which `flatline plugins` could not
 * describe: refused. */
#include <flatline/plugin.h>

static int no_summary_compute(const void *opts, double *loss, float *dpred, const float *pred,
                              const float *target, size_t batch, size_t n)
{
    (void)opts;
    (void)dpred;
    (void)pred;
    (void)target;
    (void)batch;
    (void)n;
    *loss = 0.0;
    return 0;
}

static const fl_loss_ops no_summary_ops = {no_summary_compute, 0};

FL_PLUGIN_DEFINE(FL_KIND_LOSS, "no_summary", "", NULL, fl_no_opts, no_summary_ops);
