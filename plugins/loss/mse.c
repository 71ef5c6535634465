/* mse.c — mean squared error (Keras `mean_squared_error`): per sample, the mean over the
 * outputs of (pred - target)^2; the loss is the mean of that over the batch. */
#include <flatline/plugin.h>

static int mse_compute(const void *opts, double *loss, float *dpred, const float *pred,
                       const float *target, size_t batch, size_t n)
{
    (void)opts;
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

static const fl_loss_ops mse_ops = {
    .compute = mse_compute,
    .flags = 0,
};

FL_PLUGIN_DEFINE(FL_KIND_LOSS, "mse", "mean squared error (regression)", NULL, fl_no_opts,
                 mse_ops);
