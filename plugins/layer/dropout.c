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

static int dropout_create(const fl_host *host, const void *opts_, const fl_shape *in,
                          fl_layer_info *info, void **state)
{
    const dropout_opts *opts = opts_;
    size_t n_in = fl_shape_count(in);
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
    /* Values keep their place: the output has the input's shape and units. */
    info->out_shape = *in;
    info->units = in->dims[in->rank - 1];
    info->activation.kind = FL_ACT_LINEAR;
    if (FL_HAS(fl_layer_info, info, drop_rate))
        info->drop_rate = opts->rate;
    *state = d;
    return 0;
}

static int dropout_bind(void *state, const fl_bind *bind)
{
    (void)state;
    (void)bind;
    return 0;
}

/* The mask of batch size B, allocated on first use; NULL, said through host->error(), when
 * the memory cannot be had. */
static float *dropout_mask(dropout *d, size_t batch)
{
    for (size_t i = 0; i < d->n_batches; i++)
        if (d->batches[i].batch == batch)
            return d->batches[i].mask;
    float *mask = g_try_new0(float, batch * d->n);
    if (!mask) {
        d->host->error(d->host,
                       "dropout layer: cannot allocate %zu bytes for the mask of a "
                       "batch of %zu; use a smaller batch",
                       batch * d->n * sizeof(float), batch);
        return NULL;
    }
    d->batches = g_renew(dropout_batch, d->batches, d->n_batches + 1);
    dropout_batch *bt = &d->batches[d->n_batches++];
    bt->batch = batch;
    bt->mask = mask;
    return bt->mask;
}

static int dropout_forward(void *state, const fl_pass *pass, float *y, const float *x)
{
    dropout *d = state;
    size_t batch = pass->batch;
    fl_rng *rng = pass->rng;
    size_t n = batch * d->n;
    if (!pass->training) {
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
    if (!mask)
        return -1;
    for (size_t i = 0; i < n; i++) {
        /* Keep when u >= rate, as TensorFlow does: probability 1 - rate. */
        mask[i] = d->host->rng_uniform(rng) >= d->rate ? d->scale : 0.0f;
        y[i] = x[i] * mask[i];
    }
    return 0;
}

static int dropout_backward(void *state, const fl_pass *pass, float *dx, const float *dy,
                            const float *y, const float *x)
{
    (void)y;
    (void)x;
    dropout *d = state;
    size_t batch = pass->batch;
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

FL_LAYER_PLUGIN(
    "dropout", "inverted dropout: zero a fraction `rate` of the inputs in training (Keras Dropout)",
    dropout_params, dropout_opts, .flags = FL_LAYER_REUSABLE, .create = dropout_create,
    .bind = dropout_bind, .forward = dropout_forward, .backward = dropout_backward,
    .destroy = dropout_destroy);
