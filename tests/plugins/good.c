/* good.c — a valid test plugin, built exactly like the broken ones beside it: it proves
 * that they are refused for what is wrong with each, not for how tests/ builds plugins. */
#include <flatline/plugin.h>

static int good_compute(const void *opts, double *loss, float *dpred, const float *pred,
                        const float *target, size_t batch, size_t n)
{
    (void)opts;
    (void)pred;
    (void)target;
    *loss = 0.0;
    for (size_t i = 0; dpred && i < batch * n; i++)
        dpred[i] = 0.0f;
    return 0;
}

static const fl_loss_ops good_ops = {good_compute, FL_LOSS_NOT_DIFFERENTIABLE};

FL_PLUGIN_DEFINE(FL_KIND_LOSS, "good", "test plugin: always zero", NULL, fl_no_opts, good_ops);
