/* mae.c — mean absolute error (Keras `mean_absolute_error`): per sample, the mean over the
 * outputs of |pred - target|, averaged over the batch.  The gradient is the sign, taken as
 * 0 where pred equals target (as TensorFlow's abs gradient). */
#include <flatline/plugin.h>
#include <math.h>

static int mae_compute(const void *opts, double *loss, float *dpred, const float *pred,
                       const float *target, size_t batch, size_t n)
{
    (void)opts;
    const double scale = 1.0 / ((double)batch * (double)n);
    double sum = 0.0;
    for (size_t i = 0; i < batch * n; i++) {
        double d = (double)pred[i] - (double)target[i];
        sum += fabs(d);
        if (dpred)
            dpred[i] = (float)(d > 0.0 ? scale : d < 0.0 ? -scale : 0.0);
    }
    *loss = sum * scale;
    return 0;
}

static const fl_loss_ops mae_ops = {
    .compute = mae_compute,
    .flags = 0,
};

FL_PLUGIN_DEFINE(FL_KIND_LOSS, "mae", "mean absolute error (regression)", NULL, fl_no_opts,
                 mae_ops);
