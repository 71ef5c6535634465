/* zeros.c — every value 0 (Keras `Zeros`). Zero kernels give every unit of a layer the same
 * output and the same gradient, the classic cause of identical units. */
#include <flatline/plugin.h>

static int zeros_fill(const fl_host *host, const void *opts, float *w, size_t n, size_t fan_in,
                      size_t fan_out, fl_rng *rng)
{
    (void)host, (void)opts, (void)fan_in, (void)fan_out, (void)rng;
    for (size_t i = 0; i < n; i++)
        w[i] = 0.0f;
    return 0;
}

FL_INITIALIZER_PLUGIN("zeros", "all zeros", NULL, fl_no_opts, .flags = FL_INIT_CONSTANT,
                      .fill = zeros_fill);
