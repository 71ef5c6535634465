/* adagrad.c — Adagrad as Keras 2 `Adagrad` (tf ResourceApplyAdagradV2):
 *     acc += g^2;  w -= lr g / (sqrt(acc) + epsilon)
 * with the accumulator starting at initial_accumulator_value, not zero. */
#include <flatline/plugin.h>
#include <math.h>
#include <stddef.h>

typedef struct adagrad_opts {
    double lr;
    double initial_accumulator_value;
    double epsilon;
} adagrad_opts;

static const fl_param adagrad_params[] = {
    {"lr", FL_PARAM_FLOAT, "0.001", "[0, inf)", NULL, "learning rate",
     offsetof(adagrad_opts, lr)},
    {"initial_accumulator_value", FL_PARAM_FLOAT, "0.1", "[0, inf)", NULL,
     "starting value of the sum of squared gradients",
     offsetof(adagrad_opts, initial_accumulator_value)},
    {"epsilon", FL_PARAM_FLOAT, "1e-7", "(0, inf)", NULL,
     "added to sqrt(acc) in the denominator", offsetof(adagrad_opts, epsilon)},
    FL_PARAM_END};

static size_t adagrad_n_slots(const void *opts)
{
    (void)opts;
    return 1;
}

static void adagrad_init_state(const void *opts, float *state, size_t n)
{
    const adagrad_opts *o = opts;
    for (size_t i = 0; i < n; i++)
        state[i] = (float)o->initial_accumulator_value;
}

static int adagrad_step(const fl_host *host, const void *opts, float *w, const float *dw,
                        float *state, size_t n, double lr, int64_t t)
{
    (void)host;
    (void)t;
    const adagrad_opts *o = opts;
    float *acc = state;
    for (size_t i = 0; i < n; i++) {
        double g = dw[i];
        double ai = acc[i] + g * g;
        acc[i] = (float)ai;
        w[i] = (float)(w[i] - lr * g / (sqrt(ai) + o->epsilon));
    }
    return 0;
}

FL_OPTIMIZER_PLUGIN("adagrad", "Adagrad (Keras 2 defaults)", adagrad_params, adagrad_opts,
                    .n_slots = adagrad_n_slots, .init_state = adagrad_init_state,
                    .step = adagrad_step);
