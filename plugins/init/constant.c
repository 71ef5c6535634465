/* constant.c — every value the same (Keras `Constant`, value 0 by default). */
#include <flatline/plugin.h>
#include <stddef.h>

typedef struct constant_opts {
    double value;
} constant_opts;

static const fl_param constant_params[] = {
    {"value", FL_PARAM_FLOAT, "0.0", NULL, NULL, "the value of every weight",
     offsetof(constant_opts, value)},
    FL_PARAM_END};

static int constant_fill(const fl_host *host, const void *opts, float *w, size_t n,
                         size_t fan_in, size_t fan_out, fl_rng *rng)
{
    (void)host, (void)fan_in, (void)fan_out, (void)rng;
    const constant_opts *o = opts;
    for (size_t i = 0; i < n; i++)
        w[i] = (float)o->value;
    return 0;
}

FL_INITIALIZER_PLUGIN("constant", "every weight set to `value`", constant_params, constant_opts,
                      .flags = FL_INIT_CONSTANT, .fill = constant_fill);
