/* rmsprop.c — RMSprop as Keras 2 `RMSprop` without momentum or centering:
 *     ms = rho ms + (1 - rho) g^2;  w -= lr g / (sqrt(ms) + epsilon) */
#include <flatline/plugin.h>
#include <math.h>
#include <stddef.h>

typedef struct rmsprop_opts {
    double lr;
    double rho;
    double epsilon;
} rmsprop_opts;

static const fl_param rmsprop_params[] = {
    {"lr", FL_PARAM_FLOAT, "0.001", "[0, inf)", NULL, "learning rate",
     offsetof(rmsprop_opts, lr)},
    {"rho", FL_PARAM_FLOAT, "0.9", "[0, 1)", NULL, "decay of the mean square of gradients",
     offsetof(rmsprop_opts, rho)},
    {"epsilon", FL_PARAM_FLOAT, "1e-7", "(0, inf)", NULL,
     "added to sqrt(ms) in the denominator", offsetof(rmsprop_opts, epsilon)},
    FL_PARAM_END};

static size_t rmsprop_n_slots(const void *opts)
{
    (void)opts;
    return 1;
}

static int rmsprop_step(const fl_host *host, const void *opts, float *w, const float *dw,
                        float *state, size_t n, double lr, int64_t t)
{
    (void)host;
    (void)t;
    const rmsprop_opts *o = opts;
    const double rho = o->rho, eps = o->epsilon;
    float *ms = state;
    for (size_t i = 0; i < n; i++) {
        double g = dw[i];
        double msi = rho * ms[i] + (1.0 - rho) * g * g;
        ms[i] = (float)msi;
        w[i] = (float)(w[i] - lr * g / (sqrt(msi) + eps));
    }
    return 0;
}

FL_OPTIMIZER_PLUGIN("rmsprop", "RMSprop (Keras 2 defaults, no momentum)", rmsprop_params,
                    rmsprop_opts, .n_slots = rmsprop_n_slots, .step = rmsprop_step);
