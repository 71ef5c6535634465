/* zero_loss.h — the one operation the broken test plugins share: a loss that is always 0.
 * Each plugin is its own module; this is included, not linked. */
#ifndef TEST_ZERO_LOSS_H
#define TEST_ZERO_LOSS_H

#include <flatline/plugin.h>

static int zero_loss_compute(const fl_host *host, const void *opts, void *state, double *loss,
                             float *dpred, const float *pred, const float *target, size_t batch,
                             size_t n)
{
    (void)host, (void)opts, (void)state, (void)dpred;
    (void)pred, (void)target, (void)batch, (void)n;
    *loss = 0.0;
    return 0;
}

#endif
