/* abi_major.c — a test plugin built for the next major ABI, which flatline must refuse
 * naming both versions.  The descriptor is written by hand because the per-kind macros
 * always stamp this build's version. */
#include "zero_loss.h"

static const fl_loss_ops abi_major_ops = {.size = sizeof(fl_loss_ops),
                                          .compute = zero_loss_compute};

FL_EXPORT const fl_plugin flatline_plugin = {.abi_major = FL_ABI_MAJOR + 1,
                                             .abi_minor = FL_ABI_MINOR,
                                             .size = sizeof(fl_plugin),
                                             .kind = FL_KIND_LOSS,
                                             .name = "abi_major",
                                             .summary = "test plugin built for a newer major ABI",
                                             .param_size = sizeof(fl_param),
                                             .opts_size = sizeof(fl_no_opts),
                                             .ops.loss = &abi_major_ops};
