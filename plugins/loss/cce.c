/* cce.c — categorical cross-entropy on probabilities with one-hot targets (Keras
 * `categorical_crossentropy`, not from logits).  As Keras, each row of predictions is first
 * divided by its sum, then clipped to [1e-7, 1 - 1e-7]; per sample the loss is
 * -sum_j y_j log q_j and the batch loss is the mean over samples.  The gradient is the
 * exact one of that expression, normalization included, with zero through clipped entries.
 * A row summing to zero gives NaN, as it does in Keras.  class_weight = "balanced" weighs
 * each row by its class (class-weight.h). */
#include <flatline/plugin.h>
#include <math.h>

#include "class-weight.h"

/* Keras backend.epsilon(). */
#define CCE_EPSILON 1e-7

static bool cce_unclipped(double q)
{
    return q >= CCE_EPSILON && q <= 1.0 - CCE_EPSILON;
}

static const fl_param cce_params[] = {CLASS_WEIGHT_PARAM, FL_PARAM_END};

static int cce_create(const fl_host *host, const void *opts, const float *target, size_t rows,
                      size_t n, void **state)
{
    return class_weight_create(host, opts, target, rows, n, true, state);
}

static int cce_compute(const fl_host *host, const void *opts, void *state, double *loss,
                       float *dpred, const float *pred, const float *target, size_t batch, size_t n)
{
    (void)host, (void)opts;
    const class_weight_state *weights = state;
    double total = 0.0;
    for (size_t b = 0; b < batch; b++) {
        const float *p = pred + b * n, *y = target + b * n;
        double w = class_weight_row(weights, y, n);
        double s = 0.0;
        for (size_t j = 0; j < n; j++)
            s += p[j];
        /* First pass: the loss, and sum_j dL/dq_j q_j, which the normalization feeds back
         * into every entry of the row. */
        double dot = 0.0;
        for (size_t j = 0; j < n; j++) {
            double q = p[j] / s;
            if (cce_unclipped(q))
                dot -= y[j];
            else if (q < CCE_EPSILON)
                q = CCE_EPSILON;
            else if (q > 1.0 - CCE_EPSILON)
                q = 1.0 - CCE_EPSILON;
            total -= w * (double)y[j] * log(q);
        }
        if (!dpred)
            continue;
        /* dL/dp_k = (dL/dq_k - sum_j dL/dq_j q_j) / s, with dL/dq_j = -y_j / q_j where
         * q_j is not clipped (so dL/dq_j q_j = -y_j) and 0 where it is. */
        for (size_t j = 0; j < n; j++) {
            double q = p[j] / s;
            double dq = cce_unclipped(q) ? -(double)y[j] / q : 0.0;
            dpred[b * n + j] = (float)(w * (dq - dot) / s / (double)batch);
        }
    }
    *loss = total / (double)batch;
    return 0;
}

FL_LOSS_PLUGIN("cce", "categorical cross-entropy on probabilities (one-hot targets)", cce_params,
               class_weight_opts,
               .flags = FL_LOSS_CLASSIFICATION | FL_LOSS_PROBABILITIES | FL_LOSS_ONE_HOT | FL_LOSS_CLASS_WEIGHT,
               .create = cce_create, .compute = cce_compute, .destroy = class_weight_destroy);
