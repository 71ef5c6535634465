/* abi_minor.c — a test plugin built for a newer minor ABI than flatline's: it may use
 * fields flatline does not know, so flatline must refuse it naming both versions. */
#include "zero_loss.h"

static const fl_loss_ops abi_minor_ops = {.size = sizeof(fl_loss_ops),
                                          .compute = zero_loss_compute};

FL_EXPORT const fl_plugin flatline_plugin = {.abi_major = FL_ABI_MAJOR,
                                             .abi_minor = FL_ABI_MINOR + 1,
                                             .size = sizeof(fl_plugin),
                                             .kind = FL_KIND_LOSS,
                                             .name = "abi_minor",
                                             .summary = "test plugin built for a newer minor ABI",
                                             .param_size = sizeof(fl_param),
                                             .opts_size = sizeof(fl_no_opts),
                                             .ops.loss = &abi_minor_ops};
