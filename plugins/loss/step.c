/* step.c — a deliberately non-differentiable loss: per sample, the mean over the outputs of
 * (round(pred) - target)^2, averaged over the batch.  Rounding is flat almost everywhere,
 * so the gradient is exactly zero and no optimizer can learn from it; flatline ships it to
 * show what `no_update` looks like.  Rounding is to nearest with ties to even (tf.round). */
#include <flatline/plugin.h>
#include <math.h>
#include <string.h>

static int step_compute(const fl_host *host, const void *opts, void *state, double *loss,
                        float *dpred, const float *pred, const float *target, size_t batch,
                        size_t n)
{
    (void)host, (void)opts, (void)state;
    const double scale = 1.0 / ((double)batch * (double)n);
    double sum = 0.0;
    for (size_t i = 0; i < batch * n; i++) {
        double d = nearbyint((double)pred[i]) - (double)target[i];
        sum += d * d;
    }
    if (dpred)
        memset(dpred, 0, batch * n * sizeof *dpred);
    *loss = sum * scale;
    return 0;
}

FL_LOSS_PLUGIN("step", "squared error of rounded predictions: zero gradient", NULL, fl_no_opts,
               .flags = FL_LOSS_NOT_DIFFERENTIABLE, .compute = step_compute);
