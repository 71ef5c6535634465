/* no_compute.c — a test loss without its compute operation: the core would call NULL, so
 * the loader refuses it. */
#include <flatline/plugin.h>

FL_LOSS_PLUGIN("no_compute", "test plugin lacking its operation", NULL, fl_no_opts,
               .compute = NULL);
