/* mae.c — mean absolute error (Keras `mean_absolute_error`): per sample, the mean over the
 * outputs of |pred - target|, averaged over the batch.  The gradient is the sign, taken as
 * 0 where pred equals target (as TensorFlow's abs gradient). */
#include <flatline/plugin.h>
#include <math.h>

static int mae_compute(const fl_host *host, const void *opts, void *state, double *loss,
                       float *dpred, const float *pred, const float *target, size_t batch, size_t n)
{
    (void)host, (void)opts, (void)state;
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

FL_LOSS_PLUGIN("mae", "mean absolute error (regression)", NULL, fl_no_opts, .compute = mae_compute);
