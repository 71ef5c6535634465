/* dropout.c — inverted dropout (Keras Dropout).
 *
 * In training each value is kept with probability 1 - rate and scaled by 1 / (1 - rate),
 * so the expected output equals the input and inference is the identity.  The mask of the
 * last training forward is kept per batch size, as the other layers keep their per-size
 * work, so backward finds the mask of the matching forward even if a forward of another
 * size (the probe batch) ran in between.  The work is one multiply per value: plain loops.
 */
#include <glib.h>
#include <string.h>
#include <flatline/plugin.h>

typedef struct dropout_opts {
    double rate;
} dropout_opts;

static const fl_param dropout_params[] = {
    {"rate", FL_PARAM_FLOAT, NULL, "[0, 1)", NULL, "fraction of the inputs dropped in training",
     offsetof(dropout_opts, rate)},
    FL_PARAM_END,
};

typedef struct dropout_batch {
    size_t batch;
    float *mask; /* (B, n): 0 or 1 / (1 - rate) */
} dropout_batch;

typedef struct dropout {
    const fl_host *host;
    size_t n;
    double rate;
    float scale; /* 1 / (1 - rate) */
    dropout_batch *batches;
    size_t n_batches;
} dropout;

static int dropout_create(const fl_host *host, const void *opts_, size_t n_in,
                          fl_layer_info *info, void **state)
{
    const dropout_opts *opts = opts_;
    if (n_in == 0) {
        host->error(host, "dropout layer: its input has no features; check the layer it reads");
        return -1;
    }
    if (!(opts->rate >= 0.0 && opts->rate < 1.0)) {
        host->error(host, "dropout layer: rate = %g; set a rate in [0, 1)", opts->rate);
        return -1;
    }
    dropout *d = g_new0(dropout, 1);
    d->host = host;
    d->n = n_in;
    d->rate = opts->rate;
    d->scale = (float)(1.0 / (1.0 - opts->rate));
    memset(info, 0, sizeof *info);
    info->n_out = n_in;
    info->activation.kind = FL_ACT_LINEAR;
    *state = d;
    return 0;
}

static int dropout_bind(void *state, float *const *tensors, float *const *grads)
{
    (void)state;
    (void)tensors;
    (void)grads;
    return 0;
}

/* The mask of batch size B, allocated on first use. */
static float *dropout_mask(dropout *d, size_t batch)
{
    for (size_t i = 0; i < d->n_batches; i++)
        if (d->batches[i].batch == batch)
            return d->batches[i].mask;
    d->batches = g_renew(dropout_batch, d->batches, d->n_batches + 1);
    dropout_batch *bt = &d->batches[d->n_batches++];
    bt->batch = batch;
    bt->mask = g_new0(float, batch * d->n);
    return bt->mask;
}

static int dropout_forward(void *state, float *y, const float *x, size_t batch, bool training,
                           fl_rng *rng)
{
    dropout *d = state;
    size_t n = batch * d->n;
    if (!training) {
        if (y != x)
            memmove(y, x, n * sizeof *y);
        return 0;
    }
    if (!rng) {
        d->host->error(d->host, "dropout layer: a training forward needs a random stream "
                                "(a bug in the caller)");
        return -1;
    }
    float *mask = dropout_mask(d, batch);
    for (size_t i = 0; i < n; i++) {
        /* Keep when u >= rate, as TensorFlow does: probability 1 - rate. */
        mask[i] = d->host->rng_uniform(rng) >= d->rate ? d->scale : 0.0f;
        y[i] = x[i] * mask[i];
    }
    return 0;
}

static int dropout_backward(void *state, float *dx, const float *dy, const float *y,
                            const float *x, size_t batch)
{
    (void)y;
    (void)x;
    dropout *d = state;
    const float *mask = NULL;
    for (size_t i = 0; i < d->n_batches; i++)
        if (d->batches[i].batch == batch)
            mask = d->batches[i].mask;
    if (!mask) {
        d->host->error(d->host, "dropout layer: backward on a batch of %zu without a training "
                                "forward of that size first (a bug in the caller)", batch);
        return -1;
    }
    if (dx)
        for (size_t i = 0; i < batch * d->n; i++)
            dx[i] = dy[i] * mask[i];
    return 0;
}

static void dropout_destroy(void *state)
{
    dropout *d = state;
    if (!d)
        return;
    for (size_t i = 0; i < d->n_batches; i++)
        g_free(d->batches[i].mask);
    g_free(d->batches);
    g_free(d);
}

static const fl_layer_ops dropout_ops = {
    .create = dropout_create,
    .bind = dropout_bind,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .destroy = dropout_destroy,
};

FL_PLUGIN_DEFINE(FL_KIND_LAYER, "dropout",
                 "inverted dropout: zero a fraction `rate` of the inputs in training (Keras Dropout)",
                 dropout_params, dropout_opts, dropout_ops);
