/* small_ops.c — a test loss whose operations table is smaller than ABI 2.0's fl_loss_ops
 * (it ends before `destroy`): flatline must refuse it rather than read an operation past
 * its end. */
#include "zero_loss.h"

static const fl_loss_ops small_ops_ops = {.size = offsetof(fl_loss_ops, destroy),
                                          .compute = zero_loss_compute};

FL_EXPORT const fl_plugin flatline_plugin = {
    .abi_major = FL_ABI_MAJOR,
    .abi_minor = FL_ABI_MINOR,
    .size = sizeof(fl_plugin),
    .kind = FL_KIND_LOSS,
    .name = "small_ops",
    .summary = "test plugin whose operations table is too small",
    .param_size = sizeof(fl_param),
    .opts_size = sizeof(fl_no_opts),
    .ops.loss = &small_ops_ops};
