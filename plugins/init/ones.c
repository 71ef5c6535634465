/* ones.c — every value 1 (Keras `Ones`). */
#include <flatline/plugin.h>

static int ones_fill(const fl_host *host, const void *opts, float *w, size_t n, size_t fan_in,
                     size_t fan_out, fl_rng *rng)
{
    (void)host, (void)opts, (void)fan_in, (void)fan_out, (void)rng;
    for (size_t i = 0; i < n; i++)
        w[i] = 1.0f;
    return 0;
}

FL_INITIALIZER_PLUGIN("ones", "all ones", NULL, fl_no_opts, .flags = FL_INIT_CONSTANT,
                      .fill = ones_fill);
