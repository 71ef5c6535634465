/* bce.c — binary cross-entropy on probabilities (Keras `binary_crossentropy`, not from
 * logits).  As Keras, predictions are clipped to [1e-7, 1 - 1e-7] before the logarithms, so
 * a saturated sigmoid gives a large but finite loss; where the clip is active the gradient
 * is zero, which is exactly how a saturated output stops learning.  Per sample the loss is
 * the mean over the outputs, then the mean over the batch.  class_weight = "balanced"
 * weighs each target by its class (class-weight.h). */
#include <flatline/plugin.h>
#include <math.h>

#include "class-weight.h"

/* Keras backend.epsilon(). */
#define BCE_EPSILON 1e-7

static const fl_param bce_params[] = {CLASS_WEIGHT_PARAM, FL_PARAM_END};

static int bce_create(const fl_host *host, const void *opts, const float *target, size_t rows,
                      size_t n, void **state)
{
    return class_weight_create(host, opts, target, rows, n, false, state);
}

static int bce_compute(const fl_host *host, const void *opts, void *state, double *loss,
                       float *dpred, const float *pred, const float *target, size_t batch, size_t n)
{
    (void)host, (void)opts;
    const class_weight_state *weights = state;
    const double scale = 1.0 / ((double)batch * (double)n);
    double sum = 0.0;
    for (size_t i = 0; i < batch * n; i++) {
        double p = pred[i], y = target[i];
        bool clipped = !(p >= BCE_EPSILON && p <= 1.0 - BCE_EPSILON);
        if (p < BCE_EPSILON)
            p = BCE_EPSILON;
        else if (p > 1.0 - BCE_EPSILON)
            p = 1.0 - BCE_EPSILON;
        double w = class_weight_binary(weights, i % n, y);
        sum -= w * (y * log(p) + (1.0 - y) * log(1.0 - p));
        if (dpred)
            dpred[i] = clipped ? 0.0f : (float)(w * scale * ((1.0 - y) / (1.0 - p) - y / p));
    }
    *loss = sum * scale;
    return 0;
}

FL_LOSS_PLUGIN("bce", "binary cross-entropy on probabilities (0/1 targets)", bce_params,
               class_weight_opts, .flags = FL_LOSS_CLASSIFICATION | FL_LOSS_PROBABILITIES | FL_LOSS_CLASS_WEIGHT,
               .create = bce_create, .compute = bce_compute, .destroy = class_weight_destroy);
