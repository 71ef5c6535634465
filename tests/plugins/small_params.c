/* small_params.c — a test loss whose parameter rows are declared smaller than ABI 2.0's
 * fl_param (param_size ends before `offset`): flatline must refuse the table rather than
 * read its rows at the wrong stride. */
#include "zero_loss.h"

typedef struct small_params_opts {
    double scale;
} small_params_opts;

static const fl_param small_params_params[] = {
    {"scale", FL_PARAM_FLOAT, "0.5", "[0, 1]", NULL, "a factor",
     offsetof(small_params_opts, scale)},
    FL_PARAM_END};

static const fl_loss_ops small_params_ops = {.size = sizeof(fl_loss_ops),
                                             .compute = zero_loss_compute};

FL_EXPORT const fl_plugin flatline_plugin = {
    .abi_major = FL_ABI_MAJOR,
    .abi_minor = FL_ABI_MINOR,
    .size = sizeof(fl_plugin),
    .kind = FL_KIND_LOSS,
    .name = "small_params",
    .summary = "test plugin whose parameter rows are too small",
    .params = small_params_params,
    .param_size = offsetof(fl_param, offset),
    .opts_size = sizeof(small_params_opts),
    .ops.loss = &small_params_ops};
