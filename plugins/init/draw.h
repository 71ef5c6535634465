/* draw.h — the random fills the initializer plugins share (internal to plugins/init; each
 * plugin still builds into its own module).  Every number comes from the host's seeded
 * stream, so the run seed alone decides the initial weights.  Values are drawn in double
 * and stored as float. */
#ifndef FL_INIT_DRAW_H
#define FL_INIT_DRAW_H

#include <flatline/plugin.h>
#include <math.h>

/* Standard deviation of a standard normal truncated to [-2, 2]; dividing by it makes a
 * truncated normal have the variance asked for (Keras VarianceScaling). */
#define DRAW_TRUNCATED_STDDEV 0.87962566103423978

typedef enum draw_mode { DRAW_FAN_IN, DRAW_FAN_AVG } draw_mode;
typedef enum draw_distribution { DRAW_UNIFORM, DRAW_TRUNCATED_NORMAL } draw_distribution;

/* Uniform in [minval, maxval). */
static inline void draw_uniform(const fl_host *host, fl_rng *rng, float *w, size_t n,
                                double minval, double maxval)
{
    for (size_t i = 0; i < n; i++)
        w[i] = (float)(minval + (maxval - minval) * host->rng_uniform(rng));
}

static inline void draw_normal(const fl_host *host, fl_rng *rng, float *w, size_t n,
                               double mean, double stddev)
{
    for (size_t i = 0; i < n; i++)
        w[i] = (float)(mean + stddev * host->rng_normal(rng));
}

/* Normal with draws beyond two standard deviations redrawn (tf truncated_normal). */
static inline void draw_truncated_normal(const fl_host *host, fl_rng *rng, float *w, size_t n,
                                         double mean, double stddev)
{
    for (size_t i = 0; i < n; i++) {
        double z;
        do
            z = host->rng_normal(rng);
        while (fabs(z) > 2.0);
        w[i] = (float)(mean + stddev * z);
    }
}

/* Keras VarianceScaling: variance scale / fan, where fan is fan_in or the mean of fan_in
 * and fan_out (at least 1, as Keras).  A zero fan means the tensor's shape was not
 * described (Keras never sees one): refuse rather than guess. */
static inline int draw_variance_scaling(const fl_host *host, const char *name, fl_rng *rng,
                                        float *w, size_t n, size_t fan_in, size_t fan_out,
                                        double scale, draw_mode mode,
                                        draw_distribution distribution)
{
    double fan;
    if (mode == DRAW_FAN_IN) {
        if (fan_in == 0) {
            host->error(host,
                        "initializer %s: the tensor has fan_in 0, so its scale (%g / fan_in) "
                        "is undefined; use an initializer without fans (zeros, constant, "
                        "normal, uniform) for this tensor",
                        name, scale);
            return -1;
        }
        fan = (double)fan_in;
    } else {
        if (fan_in + fan_out == 0) {
            host->error(host,
                        "initializer %s: the tensor has fan_in 0 and fan_out 0, so its scale "
                        "(%g / mean fan) is undefined; use an initializer without fans (zeros, "
                        "constant, normal, uniform) for this tensor",
                        name, scale);
            return -1;
        }
        fan = ((double)fan_in + (double)fan_out) / 2.0;
    }
    if (fan < 1.0)
        fan = 1.0;
    const double variance = scale / fan;
    if (distribution == DRAW_UNIFORM) {
        const double limit = sqrt(3.0 * variance);
        draw_uniform(host, rng, w, n, -limit, limit);
    } else {
        draw_truncated_normal(host, rng, w, n, 0.0, sqrt(variance) / DRAW_TRUNCATED_STDDEV);
    }
    return 0;
}

#endif
