/* no_compute.c — a test loss without its compute operation: the core would call NULL, so
 * the loader refuses it. */
#include <flatline/plugin.h>

static const fl_loss_ops no_compute_ops = {NULL, 0};

FL_PLUGIN_DEFINE(FL_KIND_LOSS, "no_compute", "test plugin lacking its operation", NULL,
                 fl_no_opts, no_compute_ops);
