/* abi_major.c — a test plugin built for the next major ABI, which flatline must refuse
 * naming both versions.  The descriptor is written by hand because FL_PLUGIN_DEFINE always
 * stamps this build's version. */
#include <flatline/plugin.h>

static int abi_major_compute(const void *opts, double *loss, float *dpred, const float *pred,
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

static const fl_loss_ops abi_major_ops = {abi_major_compute, 0};

FL_EXPORT const fl_plugin flatline_plugin = {
    FL_ABI_MAJOR + 1, FL_ABI_MINOR, FL_KIND_LOSS, "abi_major",
    "test plugin built for a newer major ABI", NULL, sizeof(fl_no_opts), &abi_major_ops};
