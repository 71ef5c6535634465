/* small_descriptor.c — a test plugin whose descriptor says it is smaller than an ABI 2.0
 * descriptor (as one written by hand for a struct that lacks fields would): flatline must
 * refuse it rather than read past its end. */
#include "zero_loss.h"

static const fl_loss_ops small_descriptor_ops = {.size = sizeof(fl_loss_ops),
                                                 .compute = zero_loss_compute};

FL_EXPORT const fl_plugin flatline_plugin = {
    .abi_major = FL_ABI_MAJOR,
    .abi_minor = FL_ABI_MINOR,
    .size = offsetof(fl_plugin, ops),
    .kind = FL_KIND_LOSS,
    .name = "small_descriptor",
    .summary = "test plugin whose descriptor is too small",
    .param_size = sizeof(fl_param),
    .opts_size = sizeof(fl_no_opts),
    .ops.loss = &small_descriptor_ops};
