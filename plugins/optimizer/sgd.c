/* sgd.c — stochastic gradient descent with optional momentum and Nesterov momentum, as
 * Keras 2 `SGD` (tf ResourceApplyKerasMomentum):
 *     v = momentum v - lr_t g;  w += v                      (momentum)
 *     v = momentum v - lr_t g;  w += momentum v - lr_t g    (nesterov)
 *     w -= lr_t g                                           (no momentum)
 * with Keras' legacy time decay lr_t = lr / (1 + decay (t - 1)), t - 1 being the number of
 * completed steps (Keras `iterations`). */
#include <flatline/plugin.h>
#include <stddef.h>

typedef struct sgd_opts {
    double lr;
    double momentum;
    bool nesterov;
    double decay;
} sgd_opts;

static const fl_param sgd_params[] = {
    {"lr", FL_PARAM_FLOAT, "0.01", "[0, inf)", NULL, "learning rate", offsetof(sgd_opts, lr)},
    {"momentum", FL_PARAM_FLOAT, "0.0", "[0, 1]", NULL,
     "momentum factor (0: plain gradient descent)", offsetof(sgd_opts, momentum)},
    {"nesterov", FL_PARAM_BOOL, "false", NULL, NULL, "use Nesterov momentum",
     offsetof(sgd_opts, nesterov)},
    {"decay", FL_PARAM_FLOAT, "0.0", "[0, inf)", NULL,
     "legacy time decay: lr / (1 + decay * iterations)", offsetof(sgd_opts, decay)},
    FL_PARAM_END};

/* The velocity slot exists only with momentum, as Keras creates it only then. */
static size_t sgd_n_slots(const void *opts)
{
    const sgd_opts *o = opts;
    return o->momentum > 0.0 ? 1 : 0;
}

static int sgd_step(const fl_host *host, const void *opts, float *w, const float *dw, float *state,
                    size_t n, double lr, int64_t t)
{
    (void)host;
    const sgd_opts *o = opts;
    const double lr_t = lr / (1.0 + o->decay * (double)(t - 1));
    if (o->momentum <= 0.0) {
        for (size_t i = 0; i < n; i++)
            w[i] = (float)(w[i] - lr_t * dw[i]);
        return 0;
    }
    const double m = o->momentum;
    float *v = state;
    for (size_t i = 0; i < n; i++) {
        double vi = m * v[i] - lr_t * dw[i];
        v[i] = (float)vi;
        if (o->nesterov)
            w[i] = (float)(w[i] + m * vi - lr_t * dw[i]);
        else
            w[i] = (float)(w[i] + vi);
    }
    return 0;
}

FL_OPTIMIZER_PLUGIN("sgd", "gradient descent with optional (Nesterov) momentum", sgd_params,
                    sgd_opts, .n_slots = sgd_n_slots, .step = sgd_step);
