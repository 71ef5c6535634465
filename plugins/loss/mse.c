/* mse.c — mean squared error (Keras `mean_squared_error`): per sample, the mean over the
 * outputs of (pred - target)^2; the loss is the mean of that over the batch. */
#include <flatline/plugin.h>

static int mse_compute(const fl_host *host, const void *opts, void *state, double *loss,
                       float *dpred, const float *pred, const float *target, size_t batch, size_t n)
{
    (void)host, (void)opts, (void)state;
    /* Both means fold into one scale: every element weighs 1 / (B n). */
    const double scale = 1.0 / ((double)batch * (double)n);
    double sum = 0.0;
    for (size_t i = 0; i < batch * n; i++) {
        double d = (double)pred[i] - (double)target[i];
        sum += d * d;
        if (dpred)
            dpred[i] = (float)(2.0 * d * scale);
    }
    *loss = sum * scale;
    return 0;
}

FL_LOSS_PLUGIN("mse", "mean squared error (regression)", NULL, fl_no_opts,
               .flags = FL_LOSS_SQUARED_ERROR, .compute = mse_compute);
