/* no_summary.c — a test plugin with an empty summary, which `flatline plugins` could not
 * describe: refused. */
#include "zero_loss.h"

FL_LOSS_PLUGIN("no_summary", "", NULL, fl_no_opts, .compute = zero_loss_compute);
