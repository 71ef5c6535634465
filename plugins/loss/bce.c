/* bce.c — binary cross-entropy on probabilities (Keras `binary_crossentropy`, not from
 * logits).  As Keras, predictions are clipped to [1e-7, 1 - 1e-7] before the logarithms, so
 * a saturated sigmoid gives a large but finite loss; where the clip is active the gradient
 * is zero, which is exactly how a saturated output stops learning.  Per sample the loss is
 * the mean over the outputs, then the mean over the batch. */
#include <flatline/plugin.h>
#include <math.h>

/* Keras backend.epsilon(). */
#define BCE_EPSILON 1e-7

static int bce_compute(const fl_host *host, const void *opts, void *state, double *loss,
                       float *dpred, const float *pred, const float *target, size_t batch, size_t n)
{
    (void)host, (void)opts, (void)state;
    const double scale = 1.0 / ((double)batch * (double)n);
    double sum = 0.0;
    for (size_t i = 0; i < batch * n; i++) {
        double p = pred[i], y = target[i];
        bool clipped = !(p >= BCE_EPSILON && p <= 1.0 - BCE_EPSILON);
        if (p < BCE_EPSILON)
            p = BCE_EPSILON;
        else if (p > 1.0 - BCE_EPSILON)
            p = 1.0 - BCE_EPSILON;
        sum -= y * log(p) + (1.0 - y) * log(1.0 - p);
        if (dpred)
            dpred[i] = clipped ? 0.0f : (float)(scale * ((1.0 - y) / (1.0 - p) - y / p));
    }
    *loss = sum * scale;
    return 0;
}

FL_LOSS_PLUGIN("bce", "binary cross-entropy on probabilities (0/1 targets)", NULL, fl_no_opts,
               .flags = FL_LOSS_CLASSIFICATION | FL_LOSS_PROBABILITIES, .compute = bce_compute);
