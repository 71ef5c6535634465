/* adam.c — Adam as Keras 2 `Adam` (tf ResourceApplyAdam, the "epsilon hat" form):
 *     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *     lr_t = lr sqrt(1 - b2^t) / (1 - b1^t);  w -= lr_t m / (sqrt(v) + epsilon)
 * The bias corrections are computed in double: b2^t stays distinguishable from 1 in double
 * long after it would round to 1 in float. */
#include <flatline/plugin.h>
#include <math.h>
#include <stddef.h>

typedef struct adam_opts {
    double lr;
    double beta1;
    double beta2;
    double epsilon;
} adam_opts;

static const fl_param adam_params[] = {
    {"lr", FL_PARAM_FLOAT, "0.001", "[0, inf)", NULL, "learning rate", offsetof(adam_opts, lr)},
    {"beta1", FL_PARAM_FLOAT, "0.9", "[0, 1)", NULL, "decay of the first-moment estimate",
     offsetof(adam_opts, beta1)},
    {"beta2", FL_PARAM_FLOAT, "0.999", "[0, 1)", NULL, "decay of the second-moment estimate",
     offsetof(adam_opts, beta2)},
    {"epsilon", FL_PARAM_FLOAT, "1e-7", "(0, inf)", NULL,
     "added to sqrt(v) in the denominator", offsetof(adam_opts, epsilon)},
    FL_PARAM_END};

static size_t adam_n_slots(const void *opts)
{
    (void)opts;
    return 2;
}

static int adam_step(const fl_host *host, const void *opts, float *w, const float *dw, float *state,
                     size_t n, double lr, int64_t t)
{
    (void)host;
    const adam_opts *o = opts;
    const double b1 = o->beta1, b2 = o->beta2, eps = o->epsilon;
    /* The bias correction of step t, kept from the call before: the runs of a pack step
     * one after another with the same t and betas, and its two pow() calls were a third
     * of a small network's step.  Per thread, so concurrent callers never share it. */
    static _Thread_local struct {
        double b1, b2, root, denominator;
        int64_t t;
    } last; /* t = 0 never matches: steps count from 1 */
    if (last.t != t || last.b1 != b1 || last.b2 != b2) {
        last.b1 = b1;
        last.b2 = b2;
        last.t = t;
        last.root = sqrt(1.0 - pow(b2, (double)t));
        last.denominator = 1.0 - pow(b1, (double)t);
    }
    const double lr_t = lr * last.root / last.denominator;
    float *m = state, *v = state + n;
    for (size_t i = 0; i < n; i++) {
        double g = dw[i];
        double mi = b1 * m[i] + (1.0 - b1) * g;
        double vi = b2 * v[i] + (1.0 - b2) * g * g;
        m[i] = (float)mi;
        v[i] = (float)vi;
        w[i] = (float)(w[i] - lr_t * mi / (sqrt(vi) + eps));
    }
    return 0;
}

FL_OPTIMIZER_PLUGIN("adam", "Adam (Keras 2 defaults, epsilon 1e-7)", adam_params, adam_opts,
                    .n_slots = adam_n_slots, .step = adam_step);
