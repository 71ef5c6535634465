/* good.c — a valid test plugin, built exactly like the broken ones beside it: it proves
 * that they are refused for what is wrong with each, not for how tests/ builds plugins. */
#include <flatline/plugin.h>

static int good_compute(const fl_host *host, const void *opts, void *state, double *loss,
                        float *dpred, const float *pred, const float *target, size_t batch,
                        size_t n)
{
    (void)host, (void)opts, (void)state, (void)pred, (void)target;
    *loss = 0.0;
    for (size_t i = 0; dpred && i < batch * n; i++)
        dpred[i] = 0.0f;
    return 0;
}

FL_LOSS_PLUGIN("good", "test plugin: always zero", NULL, fl_no_opts,
               .flags = FL_LOSS_NOT_DIFFERENTIABLE, .compute = good_compute);
