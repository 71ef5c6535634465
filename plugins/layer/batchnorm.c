/* batchnorm.c — batch normalization over the batch axis (Keras BatchNormalization).
 *
 * y = gamma * (x - mean) / sqrt(var + epsilon) + beta per feature, on oneDNN's batch
 * normalization primitive over plain `nc` data.  Training normalizes with the batch's own
 * mean and (biased) variance, which oneDNN returns, and moves the moving statistics
 * towards them: moving = momentum * moving + (1 - momentum) * batch.  Inference uses the
 * moving statistics (dnnl_use_global_stats).  The moving statistics are tensors of the
 * layer that the core stores but never trains.  Primitives are built once per batch size;
 * the batch statistics of a training forward stay in that size's entry for backward.
 * Samples with several axes (images, channels last) are normalized per channel over the
 * batch and every position, as Keras' axis = -1: a batch of B samples of (H, W, C) is the
 * same primitive over B*H*W rows of C features.
 */
#include <glib.h>
#include <string.h>
#include <flatline/plugin.h>

#include "layer-dnnl.h"

typedef struct batchnorm_opts {
    double momentum;
    double epsilon;
    bool center;
    bool scale;
} batchnorm_opts;

static const fl_param batchnorm_params[] = {
    {"momentum", FL_PARAM_FLOAT, "0.99", "[0, 1]", NULL,
     "weight of the old value in the moving statistics", offsetof(batchnorm_opts, momentum)},
    {"epsilon", FL_PARAM_FLOAT, "0.001", "(0, inf)", NULL,
     "added to the variance before the square root", offsetof(batchnorm_opts, epsilon)},
    {"center", FL_PARAM_BOOL, "true", NULL, NULL, "add a learned offset beta",
     offsetof(batchnorm_opts, center)},
    {"scale", FL_PARAM_BOOL, "true", NULL, NULL, "multiply by a learned gamma",
     offsetof(batchnorm_opts, scale)},
    FL_PARAM_END,
};

/* Everything that depends on the batch size B. */
typedef struct batchnorm_batch {
    size_t batch;
    bool trained;                 /* mean_buf/var_buf hold a training forward's statistics */
    dnnl_memory_t x, y, dy, dx;   /* (B, n) each: the caller's buffers */
    dnnl_memory_t mean, var;      /* (n) each: own batch statistics */
    float *mean_buf, *var_buf;
    float *dx_scratch;            /* (B, n): oneDNN always writes diff_src */
    dnnl_primitive_t fwd_train, fwd_infer, bwd;
} batchnorm_batch;

typedef struct batchnorm {
    const fl_host *host;
    fl_tensor_spec specs[4]; /* as create() reports them */
    size_t n;                /* features: the last axis of a sample */
    size_t positions;        /* rows of n features per sample */
    double momentum;
    float epsilon;
    bool center, scale;
    unsigned flags; /* dnnl_use_scale / dnnl_use_shift */
    size_t i_gamma, i_beta, i_mean, i_var; /* positions in the tensor list */
    float *gamma, *beta, *moving_mean, *moving_var, *dgamma, *dbeta; /* (n) each */
    float *scratch; /* (2n): stands in for gradients the caller did not give */
    bool want_params; /* the caller wants the gradient of gamma or beta */
    dnnl_memory_t gamma_mem, beta_mem, mm_mem, mv_mem, dgamma_mem, dbeta_mem;
    batchnorm_batch **batches;
    size_t n_batches;
} batchnorm;

static void batchnorm_memory_destroy(dnnl_memory_t *m)
{
    if (*m)
        dnnl_memory_destroy(*m);
    *m = NULL;
}

static void batchnorm_primitive_destroy(dnnl_primitive_t *p)
{
    if (*p)
        dnnl_primitive_destroy(*p);
    *p = NULL;
}

static void batchnorm_batch_free(batchnorm_batch *bt)
{
    if (!bt)
        return;
    batchnorm_memory_destroy(&bt->x);
    batchnorm_memory_destroy(&bt->y);
    batchnorm_memory_destroy(&bt->dy);
    batchnorm_memory_destroy(&bt->dx);
    batchnorm_memory_destroy(&bt->mean);
    batchnorm_memory_destroy(&bt->var);
    batchnorm_primitive_destroy(&bt->fwd_train);
    batchnorm_primitive_destroy(&bt->fwd_infer);
    batchnorm_primitive_destroy(&bt->bwd);
    g_free(bt->mean_buf);
    g_free(bt->var_buf);
    g_free(bt->dx_scratch);
    g_free(bt);
}

static int batchnorm_batch_new(batchnorm *b, size_t batch, batchnorm_batch **out)
{
    const fl_host *host = b->host;
    dnnl_engine_t engine = host->dnnl_engine;
    dnnl_primitive_desc_t train_pd = NULL;
    dnnl_memory_desc_t x_md, s_md;
    int rc = 0;
    batchnorm_batch *bt = g_new0(batchnorm_batch, 1);
    bt->batch = batch;

    LAYER_DNNL(host, "batchnorm", layer_dnnl_md_2d(&x_md, batch, b->n, dnnl_nc));
    LAYER_DNNL(host, "batchnorm", layer_dnnl_md_1d(&s_md, b->n));

    dnnl_batch_normalization_desc_t bn;
    LAYER_DNNL(host, "batchnorm",
               dnnl_batch_normalization_forward_desc_init(&bn, dnnl_forward_training, &x_md,
                                                          b->epsilon, b->flags));
    LAYER_DNNL(host, "batchnorm",
               layer_dnnl_primitive(&bt->fwd_train, &train_pd, &bn, engine, NULL));
    LAYER_DNNL(host, "batchnorm",
               dnnl_batch_normalization_forward_desc_init(&bn, dnnl_forward_inference, &x_md,
                                                          b->epsilon,
                                                          b->flags | dnnl_use_global_stats));
    LAYER_DNNL(host, "batchnorm", layer_dnnl_primitive(&bt->fwd_infer, NULL, &bn, engine, NULL));
    /* dnnl_backward also yields the gradients of gamma and beta; without either, only
     * the data gradient is wanted. */
    LAYER_DNNL(host, "batchnorm",
               dnnl_batch_normalization_backward_desc_init(
                   &bn, b->flags ? dnnl_backward : dnnl_backward_data, &x_md, &x_md, b->epsilon,
                   b->flags));
    LAYER_DNNL(host, "batchnorm", layer_dnnl_primitive(&bt->bwd, NULL, &bn, engine, train_pd));

    bt->mean_buf = g_new0(float, b->n);
    bt->var_buf = g_new0(float, b->n);
    LAYER_DNNL(host, "batchnorm", dnnl_memory_create(&bt->x, &x_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "batchnorm", dnnl_memory_create(&bt->y, &x_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "batchnorm", dnnl_memory_create(&bt->dy, &x_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "batchnorm", dnnl_memory_create(&bt->dx, &x_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "batchnorm", dnnl_memory_create(&bt->mean, &s_md, engine, bt->mean_buf));
    LAYER_DNNL(host, "batchnorm", dnnl_memory_create(&bt->var, &s_md, engine, bt->var_buf));

out:
    if (train_pd)
        dnnl_primitive_desc_destroy(train_pd);
    if (rc < 0) {
        batchnorm_batch_free(bt);
        bt = NULL;
    }
    *out = bt;
    return rc;
}

static batchnorm_batch *batchnorm_batch_find(batchnorm *b, size_t batch)
{
    for (size_t i = 0; i < b->n_batches; i++)
        if (b->batches[i]->batch == batch)
            return b->batches[i];
    return NULL;
}

/* The cached entry for batch size B, built on first use. */
static batchnorm_batch *batchnorm_batch_get(batchnorm *b, size_t batch)
{
    batchnorm_batch *bt = batchnorm_batch_find(b, batch);
    if (bt)
        return bt;
    if (batchnorm_batch_new(b, batch, &bt) < 0)
        return NULL;
    b->batches = g_renew(batchnorm_batch *, b->batches, b->n_batches + 1);
    b->batches[b->n_batches++] = bt;
    return bt;
}

static int batchnorm_create(const fl_host *host, const void *opts_, const fl_shape *in,
                            fl_layer_info *info, void **state)
{
    const batchnorm_opts *opts = opts_;
    size_t count = fl_shape_count(in);
    if (count == 0) {
        host->error(host, "batchnorm layer: its input has no features; check the layer it reads");
        return -1;
    }
    if (!(opts->epsilon > 0.0)) {
        host->error(host, "batchnorm layer: epsilon = %g; set a positive epsilon", opts->epsilon);
        return -1;
    }
    if (!(opts->momentum >= 0.0 && opts->momentum <= 1.0)) {
        host->error(host, "batchnorm layer: momentum = %g; set a momentum in [0, 1]",
                    opts->momentum);
        return -1;
    }
    size_t n_in = in->dims[in->rank - 1];
    batchnorm *b = g_new0(batchnorm, 1);
    b->host = host;
    b->n = n_in;
    b->positions = count / n_in;
    b->momentum = opts->momentum;
    b->epsilon = (float)opts->epsilon;
    b->center = opts->center;
    b->scale = opts->scale;
    b->flags = (opts->scale ? dnnl_use_scale : 0u) | (opts->center ? dnnl_use_shift : 0u);

    info->out_shape = *in;
    info->units = n_in;
    info->activation.kind = FL_ACT_LINEAR;
    info->tensors = b->specs;
    info->tensor_stride = sizeof(fl_tensor_spec);
    /* Keras' order: gamma, beta, moving_mean, moving_variance; filled by the core. */
    struct {
        const char *name;
        fl_tensor_role role;
        bool on, trainable;
        double fill;
        size_t *index;
    } specs[] = {
        {"gamma", FL_TENSOR_SCALE, opts->scale, true, 1.0, &b->i_gamma},
        {"beta", FL_TENSOR_SHIFT, opts->center, true, 0.0, &b->i_beta},
        {"moving_mean", FL_TENSOR_STATE, true, false, 0.0, &b->i_mean},
        {"moving_variance", FL_TENSOR_STATE, true, false, 1.0, &b->i_var},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
        if (!specs[i].on)
            continue;
        *specs[i].index = info->n_tensors;
        fl_tensor_spec *t = &b->specs[info->n_tensors++];
        t->size = sizeof *t;
        t->name = specs[i].name;
        t->role = specs[i].role;
        t->n = n_in;
        t->fan_in = n_in;
        t->fan_out = n_in;
        t->init.plugin = NULL;
        t->fill_value = specs[i].fill;
        t->trainable = specs[i].trainable;
    }
    *state = b;
    return 0;
}

static int batchnorm_bind(void *state, const fl_bind *bind)
{
    float *const *tensors = bind->tensors, *const *grads = bind->grads;
    batchnorm *b = state;
    const fl_host *host = b->host;
    dnnl_engine_t engine = host->dnnl_engine;
    dnnl_memory_desc_t s_md;
    int rc = 0;

    if (b->scale) {
        b->gamma = tensors[b->i_gamma];
        b->dgamma = grads ? grads[b->i_gamma] : NULL;
    }
    if (b->center) {
        b->beta = tensors[b->i_beta];
        b->dbeta = grads ? grads[b->i_beta] : NULL;
    }
    b->moving_mean = tensors[b->i_mean];
    b->moving_var = tensors[b->i_var];
    /* oneDNN's dnnl_backward writes both diff_scale and diff_shift when both are used. */
    b->want_params = b->dgamma || b->dbeta;
    if (!b->scratch)
        b->scratch = g_new0(float, 2 * b->n);
    if (b->scale && !b->dgamma)
        b->dgamma = b->scratch;
    if (b->center && !b->dbeta)
        b->dbeta = b->scratch + b->n;

    LAYER_DNNL(host, "batchnorm", layer_dnnl_md_1d(&s_md, b->n));
    dnnl_memory_t *mems[] = {&b->gamma_mem, &b->beta_mem, &b->mm_mem,
                             &b->mv_mem, &b->dgamma_mem, &b->dbeta_mem};
    float *bufs[] = {b->gamma, b->beta, b->moving_mean, b->moving_var, b->dgamma, b->dbeta};
    for (size_t i = 0; i < G_N_ELEMENTS(mems); i++) {
        batchnorm_memory_destroy(mems[i]);
        if (bufs[i])
            LAYER_DNNL(host, "batchnorm", dnnl_memory_create(mems[i], &s_md, engine, bufs[i]));
    }
out:
    return rc;
}

static int batchnorm_forward(void *state, const fl_pass *pass, float *y, const float *x)
{
    batchnorm *b = state;
    size_t batch = pass->batch * b->positions; /* rows of n features */
    bool training = pass->training;
    const fl_host *host = b->host;
    int rc = 0;

    if (!b->mm_mem) {
        host->error(host, "batchnorm layer: forward before bind (a bug in the caller)");
        return -1;
    }
    if (batch == 0) {
        host->error(host, "batchnorm layer: forward on an empty batch (a bug in the caller)");
        return -1;
    }
    batchnorm_batch *bt = batchnorm_batch_get(b, batch);
    if (!bt)
        return -1;
    LAYER_DNNL(host, "batchnorm", dnnl_memory_set_data_handle(bt->x, (void *)x));
    LAYER_DNNL(host, "batchnorm", dnnl_memory_set_data_handle(bt->y, y));

    dnnl_exec_arg_t args[6] = {
        {DNNL_ARG_SRC, bt->x},
        {DNNL_ARG_DST, bt->y},
        {DNNL_ARG_MEAN, training ? bt->mean : b->mm_mem},
        {DNNL_ARG_VARIANCE, training ? bt->var : b->mv_mem},
    };
    int nargs = 4;
    if (b->scale)
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCALE, b->gamma_mem};
    if (b->center)
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SHIFT, b->beta_mem};
    LAYER_DNNL(host, "batchnorm",
               layer_dnnl_run(training ? bt->fwd_train : bt->fwd_infer, host->dnnl_stream,
                              nargs, args));

    if (training) {
        double m = b->momentum;
        for (size_t j = 0; j < b->n; j++) {
            b->moving_mean[j] = (float)(m * b->moving_mean[j] + (1.0 - m) * bt->mean_buf[j]);
            b->moving_var[j] = (float)(m * b->moving_var[j] + (1.0 - m) * bt->var_buf[j]);
        }
        bt->trained = true;
    }
out:
    return rc;
}

static int batchnorm_backward(void *state, const fl_pass *pass, float *dx, const float *dy,
                              const float *y, const float *x)
{
    (void)y;
    batchnorm *b = state;
    size_t batch = pass->batch * b->positions; /* rows of n features */
    const fl_host *host = b->host;
    int rc = 0;

    batchnorm_batch *bt = batchnorm_batch_find(b, batch);
    if (!bt || !bt->trained) {
        host->error(host, "batchnorm layer: backward on a batch of %zu without a training "
                          "forward of that size first (a bug in the caller)", batch);
        return -1;
    }
    if (!dx && !b->want_params)
        return 0;
    if (!dx) {
        if (!bt->dx_scratch)
            bt->dx_scratch = g_try_new(float, batch * b->n);
        if (!bt->dx_scratch) {
            host->error(host,
                        "batchnorm layer: cannot allocate %zu bytes for a batch's input "
                        "gradient; use a smaller batch",
                        batch * b->n * sizeof(float));
            return -1;
        }
        dx = bt->dx_scratch;
    }
    LAYER_DNNL(host, "batchnorm", dnnl_memory_set_data_handle(bt->x, (void *)x));
    LAYER_DNNL(host, "batchnorm", dnnl_memory_set_data_handle(bt->dy, (void *)dy));
    LAYER_DNNL(host, "batchnorm", dnnl_memory_set_data_handle(bt->dx, dx));

    dnnl_exec_arg_t args[9] = {
        {DNNL_ARG_SRC, bt->x},
        {DNNL_ARG_MEAN, bt->mean},
        {DNNL_ARG_VARIANCE, bt->var},
        {DNNL_ARG_DIFF_DST, bt->dy},
        {DNNL_ARG_DIFF_SRC, bt->dx},
    };
    int nargs = 5;
    if (b->scale) {
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCALE, b->gamma_mem};
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SCALE, b->dgamma_mem};
    }
    if (b->center) {
        /* oneDNN 2.6 lists the shift as an input of backward too, although unused. */
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SHIFT, b->beta_mem};
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SHIFT, b->dbeta_mem};
    }
    LAYER_DNNL(host, "batchnorm", layer_dnnl_run(bt->bwd, host->dnnl_stream, nargs, args));
out:
    return rc;
}

static void batchnorm_destroy(void *state)
{
    batchnorm *b = state;
    if (!b)
        return;
    for (size_t i = 0; i < b->n_batches; i++)
        batchnorm_batch_free(b->batches[i]);
    g_free(b->batches);
    batchnorm_memory_destroy(&b->gamma_mem);
    batchnorm_memory_destroy(&b->beta_mem);
    batchnorm_memory_destroy(&b->mm_mem);
    batchnorm_memory_destroy(&b->mv_mem);
    batchnorm_memory_destroy(&b->dgamma_mem);
    batchnorm_memory_destroy(&b->dbeta_mem);
    g_free(b->scratch);
    g_free(b);
}

FL_LAYER_PLUGIN("batchnorm", "batch normalization of each feature (Keras BatchNormalization)",
                batchnorm_params, batchnorm_opts,
                .flags = FL_LAYER_REUSABLE | FL_LAYER_BATCH_STATS,
                .create = batchnorm_create, .bind = batchnorm_bind, .forward = batchnorm_forward,
                .backward = batchnorm_backward, .destroy = batchnorm_destroy);
