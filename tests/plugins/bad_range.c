/* bad_range.c — a test plugin whose parameter table has a range that does not parse
 * ("[0, 1" lacks its closing bracket): the table is checked when the plugin loads, so the
 * mistake shows at once rather than when someone sets the parameter. */
#include <flatline/plugin.h>

typedef struct bad_range_opts {
    double scale;
} bad_range_opts;

static const fl_param bad_range_params[] = {
    {"scale", FL_PARAM_FLOAT, "0.5", "[0, 1", NULL, "a factor", offsetof(bad_range_opts, scale)},
    FL_PARAM_END};

static int bad_range_compute(const void *opts, double *loss, float *dpred, const float *pred,
                             const float *target, size_t batch, size_t n)
{
    (void)opts;
    (void)dpred;
    (void)pred;
    (void)target;
    (void)batch;
    (void)n;
    *loss = 0.0;
    return 0;
}

static const fl_loss_ops bad_range_ops = {bad_range_compute, 0};

FL_PLUGIN_DEFINE(FL_KIND_LOSS, "bad_range", "test plugin with a malformed parameter range",
                 bad_range_params, bad_range_opts, bad_range_ops);
