/* hinge.c — hinge loss (Keras `hinge`): per sample, the mean over the outputs of
 * max(1 - y p, 0), averaged over the batch.  As Keras, targets given as 0/1 (every target
 * of the batch is 0 or 1) are first mapped to -1/+1; targets already in -1/+1 are used as
 * they are.  At the kink the gradient is -y, as TensorFlow's maximum passes it on ties. */
#include <flatline/plugin.h>

/* Keras' _maybe_convert_labels: convert only when the whole batch is 0/1. */
static bool hinge_targets_are_binary(const float *target, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (target[i] != 0.0f && target[i] != 1.0f)
            return false;
    return true;
}

static int hinge_compute(const fl_host *host, const void *opts, void *state, double *loss,
                         float *dpred, const float *pred, const float *target, size_t batch,
                         size_t n)
{
    (void)host, (void)opts, (void)state;
    const double scale = 1.0 / ((double)batch * (double)n);
    const bool binary = hinge_targets_are_binary(target, batch * n);
    double sum = 0.0;
    for (size_t i = 0; i < batch * n; i++) {
        double y = binary ? 2.0 * target[i] - 1.0 : target[i];
        double margin = 1.0 - y * (double)pred[i];
        if (margin > 0.0)
            sum += margin;
        if (dpred)
            dpred[i] = margin >= 0.0 ? (float)(-y * scale) : 0.0f;
    }
    *loss = sum * scale;
    return 0;
}

FL_LOSS_PLUGIN("hinge", "hinge loss (0/1 or -1/+1 targets)", NULL, fl_no_opts,
               .flags = FL_LOSS_CLASSIFICATION | FL_LOSS_SIGNED, .compute = hinge_compute);
