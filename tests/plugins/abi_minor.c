/* abi_minor.c — a test plugin built for a newer minor ABI than flatline's: it may use
 * fields flatline does not know, so flatline must refuse it naming both versions. */
#include <flatline/plugin.h>

static int abi_minor_compute(const void *opts, double *loss, float *dpred, const float *pred,
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

static const fl_loss_ops abi_minor_ops = {abi_minor_compute, 0};

FL_EXPORT const fl_plugin flatline_plugin = {
    FL_ABI_MAJOR, FL_ABI_MINOR + 1, FL_KIND_LOSS, "abi_minor",
    "test plugin built for a newer minor ABI", NULL, sizeof(fl_no_opts), &abi_minor_ops};
