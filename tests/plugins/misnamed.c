/* misnamed.c — a test plugin whose descriptor calls it "other" while its file is
 * loss-misnamed.so: the name in experiment files and the file name must agree. */
#include <flatline/plugin.h>

static int misnamed_compute(const void *opts, double *loss, float *dpred, const float *pred,
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

static const fl_loss_ops misnamed_ops = {misnamed_compute, 0};

FL_PLUGIN_DEFINE(FL_KIND_LOSS, "other", "test plugin whose name differs from its file", NULL,
                 fl_no_opts, misnamed_ops);
