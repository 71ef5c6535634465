/* bad_range.c — a test plugin whose parameter table has a range that does not parse
 * ("[0, 1" lacks its closing bracket): the table is checked when the plugin loads, so the
 * mistake shows at once rather than when someone sets the parameter. */
#include "zero_loss.h"

typedef struct bad_range_opts {
    double scale;
} bad_range_opts;

static const fl_param bad_range_params[] = {
    {"scale", FL_PARAM_FLOAT, "0.5", "[0, 1", NULL, "a factor", offsetof(bad_range_opts, scale)},
    FL_PARAM_END};

FL_LOSS_PLUGIN("bad_range", "test plugin with a malformed parameter range", bad_range_params,
               bad_range_opts, .compute = zero_loss_compute);
