/* misnamed.c — a test plugin whose descriptor calls it "other" while its file is
 * loss-misnamed.so: the name in experiment files and the file name must agree. */
#include "zero_loss.h"

FL_LOSS_PLUGIN("other", "test plugin whose name differs from its file", NULL, fl_no_opts,
               .compute = zero_loss_compute);
