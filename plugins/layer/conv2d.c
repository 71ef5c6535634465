/* conv2d.c — the 2-D convolution, y = act(conv(x, K) + b) (Keras Conv2D, channels last), on
 * oneDNN's convolution primitives.
 *
 * Every tensor stays in the layout the core and the neighbouring layers use, and the
 * primitives are asked for exactly those layouts, so nothing is reordered at all: the
 * activations are NHWC (the core's channels-last samples), the kernel is the core's
 * (kh, kw, c_in, filters) array — Keras' own kernel layout, oneDNN's `hwio` — and the bias
 * is (filters).  The optimizer, L1/L2 and probes see the kernel as Keras does.
 *   forward   z  = conv(x, K) + b           convolution forward (training)
 *   backward  dK, db from x and dz         convolution backward weights
 *             dx from dz and K             convolution backward data
 * The activation runs as eltwise/softmax primitives over the (B*OH*OW, filters) matrix
 * (layer-act.h).  Primitives and memory objects are built once per batch size and reused;
 * each call only points the memory objects at the caller's buffers.  A training forward
 * keeps the pre-activation for backward; an inference forward works in place in y, so the
 * probes never overwrite what a pending backward needs.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <flatline/plugin.h>

#include "layer-act.h"
#include "layer-dnnl.h"
#include "layer-window.h"

typedef struct conv_opts {
    int filters;
    fl_ints kernel;
    fl_ints strides;
    int padding;
    fl_activation activation;
    fl_ref init;
    fl_ref bias_init;
    bool use_bias;
    double l1;
    double l2;
} conv_opts;

static const fl_param conv_params[] = {
    {"filters", FL_PARAM_INT, NULL, "[1, 65536]", NULL, "number of filters (output channels)",
     offsetof(conv_opts, filters)},
    {"kernel", FL_PARAM_INTS, "3", "[1, 4096]", NULL, "window: one size or [rows, columns]",
     offsetof(conv_opts, kernel)},
    {"strides", FL_PARAM_INTS, "1", "[1, 4096]", NULL, "step: one size or [rows, columns]",
     offsetof(conv_opts, strides)},
    {"padding", FL_PARAM_CHOICE, "\"valid\"", NULL, "valid|same",
     "valid: no padding; same: zero padding so that out = ceil(in / strides)",
     offsetof(conv_opts, padding)},
    {"activation", FL_PARAM_ACTIVATION, "linear", NULL, NULL,
     "activation applied to conv(x, K) + b", offsetof(conv_opts, activation)},
    {"init", FL_PARAM_PLUGIN, "glorot_uniform", NULL, "initializer",
     "initializer of the kernel (fan_in kh*kw*c_in, fan_out kh*kw*filters)",
     offsetof(conv_opts, init)},
    {"bias_init", FL_PARAM_PLUGIN, "zeros", NULL, "initializer", "initializer of the bias",
     offsetof(conv_opts, bias_init)},
    {"use_bias", FL_PARAM_BOOL, "true", NULL, NULL, "add a bias per filter",
     offsetof(conv_opts, use_bias)},
    {"l1", FL_PARAM_FLOAT, "0", "[0, inf)", NULL, "L1 penalty on the kernel",
     offsetof(conv_opts, l1)},
    {"l2", FL_PARAM_FLOAT, "0", "[0, inf)", NULL, "L2 penalty on the kernel",
     offsetof(conv_opts, l2)},
    FL_PARAM_END,
};

/* Everything that depends on the batch size B. */
typedef struct conv_batch {
    size_t batch;
    bool trained; /* a training forward ran at this size: z and t hold its values */
    dnnl_memory_t x, y, dy, dx;            /* the caller's buffers */
    dnnl_memory_t z, t, dz;                /* own: pre-activation, SELU's ELU, gradient */
    /* The same bytes under the other descriptor: the convolution reads and writes nhwc
     * (B, C, H, W), the stages the (B*OH*OW, filters) matrix. */
    dnnl_memory_t y2, dy2, z4, dz2;
    float *z_buf, *t_buf, *dz_buf;
    dnnl_primitive_t fwd, bwd_data, bwd_weights;
    dnnl_primitive_t stage_fwd[2], stage_bwd[2];
} conv_batch;

typedef struct conv {
    const fl_host *host;
    fl_tensor_spec specs[2];
    layer_window win;
    size_t filters, n_in, n_out;
    bool use_bias;
    layer_act act;
    float *w, *b, *dw, *db;
    dnnl_memory_t w_mem, b_mem, dw_mem, db_mem;
    conv_batch **batches;
    size_t n_batches;
} conv;

static void conv_memory_destroy(dnnl_memory_t *m)
{
    if (*m)
        dnnl_memory_destroy(*m);
    *m = NULL;
}

static void conv_primitive_destroy(dnnl_primitive_t *p)
{
    if (*p)
        dnnl_primitive_destroy(*p);
    *p = NULL;
}

static void conv_batch_free(conv_batch *bt)
{
    if (!bt)
        return;
    dnnl_memory_t *mems[] = {&bt->x, &bt->y,   &bt->dy,  &bt->dx, &bt->z,  &bt->t,
                             &bt->dz, &bt->y2, &bt->dy2, &bt->z4, &bt->dz2};
    for (size_t i = 0; i < G_N_ELEMENTS(mems); i++)
        conv_memory_destroy(mems[i]);
    conv_primitive_destroy(&bt->fwd);
    conv_primitive_destroy(&bt->bwd_data);
    conv_primitive_destroy(&bt->bwd_weights);
    for (int i = 0; i < 2; i++) {
        conv_primitive_destroy(&bt->stage_fwd[i]);
        conv_primitive_destroy(&bt->stage_bwd[i]);
    }
    g_free(bt->z_buf);
    g_free(bt->t_buf);
    g_free(bt->dz_buf);
    g_free(bt);
}

/* The plain descriptors: x (B, C, H, W) as nhwc, y likewise, K (O, I, kh, kw) as hwio. */
static dnnl_status_t conv_mds(const conv *cv, size_t batch, dnnl_memory_desc_t *x_md,
                              dnnl_memory_desc_t *y_md, dnnl_memory_desc_t *w_md,
                              dnnl_memory_desc_t *b_md, dnnl_memory_desc_t *rows_md)
{
    const layer_window *w = &cv->win;
    dnnl_status_t st;
    dnnl_dims_t xd = {(dnnl_dim_t)batch, w->c, w->ih, w->iw};
    dnnl_dims_t yd = {(dnnl_dim_t)batch, (dnnl_dim_t)cv->filters, w->oh, w->ow};
    dnnl_dims_t wd = {(dnnl_dim_t)cv->filters, w->c, w->kh, w->kw};
    if ((st = dnnl_memory_desc_init_by_tag(x_md, 4, xd, dnnl_f32, dnnl_nhwc)) ||
        (st = dnnl_memory_desc_init_by_tag(y_md, 4, yd, dnnl_f32, dnnl_nhwc)) ||
        (st = dnnl_memory_desc_init_by_tag(w_md, 4, wd, dnnl_f32, dnnl_hwio)) ||
        (st = layer_dnnl_md_1d(b_md, cv->filters)))
        return st;
    return layer_dnnl_md_2d(rows_md, batch * (size_t)w->oh * (size_t)w->ow, cv->filters, dnnl_ab);
}

static float *conv_buffer(const conv *cv, size_t batch)
{
    float *buf = g_try_new0(float, batch * cv->n_out);
    if (!buf)
        cv->host->error(cv->host,
                        "conv2d layer: cannot allocate %zu bytes for a batch of %zu; use fewer "
                        "filters or a smaller batch",
                        batch * cv->n_out * sizeof(float), batch);
    return buf;
}

static int conv_batch_new(conv *cv, size_t batch, conv_batch **out)
{
    const fl_host *host = cv->host;
    dnnl_engine_t engine = host->dnnl_engine;
    const layer_window *w = &cv->win;
    dnnl_primitive_desc_t fwd_pd = NULL;
    dnnl_memory_desc_t x_md, y_md, w_md, b_md, rows_md;
    int rc = 0;
    conv_batch *bt = g_new0(conv_batch, 1);
    bt->batch = batch;

    LAYER_DNNL(host, "conv2d", conv_mds(cv, batch, &x_md, &y_md, &w_md, &b_md, &rows_md));
    dnnl_dims_t strides = {w->sh, w->sw};
    dnnl_dims_t pad_l = {w->pad_t, w->pad_l}, pad_r = {w->pad_b, w->pad_r};
    const dnnl_memory_desc_t *bias = cv->use_bias ? &b_md : NULL;
    dnnl_convolution_desc_t cd;
    LAYER_DNNL(host, "conv2d",
               dnnl_convolution_forward_desc_init(&cd, dnnl_forward_training,
                                                  dnnl_convolution_direct, &x_md, &w_md, bias,
                                                  &y_md, strides, pad_l, pad_r));
    LAYER_DNNL(host, "conv2d", layer_dnnl_primitive(&bt->fwd, &fwd_pd, &cd, engine, NULL));
    LAYER_DNNL(host, "conv2d",
               dnnl_convolution_backward_data_desc_init(&cd, dnnl_convolution_direct, &x_md,
                                                        &w_md, &y_md, strides, pad_l, pad_r));
    LAYER_DNNL(host, "conv2d", layer_dnnl_primitive(&bt->bwd_data, NULL, &cd, engine, fwd_pd));
    LAYER_DNNL(host, "conv2d",
               dnnl_convolution_backward_weights_desc_init(&cd, dnnl_convolution_direct, &x_md,
                                                           &w_md, bias, &y_md, strides, pad_l,
                                                           pad_r));
    LAYER_DNNL(host, "conv2d",
               layer_dnnl_primitive(&bt->bwd_weights, NULL, &cd, engine, fwd_pd));
    for (int i = 0; i < cv->act.n_stages; i++)
        LAYER_DNNL(host, "conv2d",
                   layer_act_primitives(&cv->act.stages[i], &rows_md, engine, &bt->stage_fwd[i],
                                        &bt->stage_bwd[i]));

    LAYER_DNNL(host, "conv2d", dnnl_memory_create(&bt->x, &x_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "conv2d", dnnl_memory_create(&bt->dx, &x_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "conv2d", dnnl_memory_create(&bt->y, &y_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "conv2d", dnnl_memory_create(&bt->dy, &y_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "conv2d", dnnl_memory_create(&bt->y2, &rows_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "conv2d", dnnl_memory_create(&bt->dy2, &rows_md, engine, DNNL_MEMORY_NONE));
    if (cv->act.n_stages > 0) {
        if (!(bt->z_buf = conv_buffer(cv, batch)) || !(bt->dz_buf = conv_buffer(cv, batch))) {
            rc = -1;
            goto out;
        }
        LAYER_DNNL(host, "conv2d", dnnl_memory_create(&bt->z, &rows_md, engine, bt->z_buf));
        LAYER_DNNL(host, "conv2d", dnnl_memory_create(&bt->z4, &y_md, engine, bt->z_buf));
        LAYER_DNNL(host, "conv2d", dnnl_memory_create(&bt->dz, &y_md, engine, bt->dz_buf));
        LAYER_DNNL(host, "conv2d", dnnl_memory_create(&bt->dz2, &rows_md, engine, bt->dz_buf));
    }
    if (cv->act.n_stages > 1) {
        if (!(bt->t_buf = conv_buffer(cv, batch))) {
            rc = -1;
            goto out;
        }
        LAYER_DNNL(host, "conv2d", dnnl_memory_create(&bt->t, &rows_md, engine, bt->t_buf));
    }
out:
    if (fwd_pd)
        dnnl_primitive_desc_destroy(fwd_pd);
    if (rc < 0) {
        conv_batch_free(bt);
        bt = NULL;
    }
    *out = bt;
    return rc;
}

static conv_batch *conv_batch_find(conv *cv, size_t batch)
{
    for (size_t i = 0; i < cv->n_batches; i++)
        if (cv->batches[i]->batch == batch)
            return cv->batches[i];
    return NULL;
}

static conv_batch *conv_batch_get(conv *cv, size_t batch)
{
    conv_batch *bt = conv_batch_find(cv, batch);
    if (bt)
        return bt;
    if (conv_batch_new(cv, batch, &bt) < 0)
        return NULL;
    cv->batches = g_renew(conv_batch *, cv->batches, cv->n_batches + 1);
    cv->batches[cv->n_batches++] = bt;
    return bt;
}

static int conv_create(const fl_host *host, const void *opts_, const fl_shape *in,
                       fl_layer_info *info, void **state)
{
    const conv_opts *opts = opts_;
    layer_window win;
    if (!layer_window_init(host, "conv2d", in, &opts->kernel, &opts->strides, opts->padding,
                           &win))
        return -1;
    if (opts->filters < 1) {
        host->error(host, "conv2d layer: filters = %d; set filters to 1 or more", opts->filters);
        return -1;
    }
    size_t filters = (size_t)opts->filters;
    size_t n_kernel = (size_t)win.kh * (size_t)win.kw * (size_t)win.c * filters;
    size_t n_out = (size_t)win.oh * (size_t)win.ow * filters;
    if (n_kernel > (size_t)INT32_MAX || n_out > (size_t)INT32_MAX) {
        host->error(host, "conv2d layer: %zu kernel weights and %zu outputs per sample are too "
                          "many; use fewer filters or a smaller window",
                    n_kernel, n_out);
        return -1;
    }
    layer_act act;
    if (!layer_act_of(opts->activation, &act)) {
        host->error(host, "conv2d layer: unknown activation kind %d", (int)opts->activation.kind);
        return -1;
    }
    conv *cv = g_new0(conv, 1);
    cv->host = host;
    cv->win = win;
    cv->filters = filters;
    cv->n_in = fl_shape_count(in);
    cv->n_out = n_out;
    cv->use_bias = opts->use_bias;
    cv->act = act;

    info->out_shape = (fl_shape){.rank = 3,
                                 .dims = {(uint32_t)win.oh, (uint32_t)win.ow, (uint32_t)filters}};
    info->units = filters;
    info->activation = opts->activation;
    info->tensors = cv->specs;
    info->tensor_stride = sizeof(fl_tensor_spec);
    size_t window = (size_t)win.kh * (size_t)win.kw;
    fl_tensor_spec *k = &cv->specs[info->n_tensors++];
    k->size = sizeof *k;
    k->name = "kernel";
    k->role = FL_TENSOR_KERNEL;
    k->n = n_kernel;
    k->fan_in = window * (size_t)win.c; /* Keras' _compute_fans for a conv kernel */
    k->fan_out = window * filters;
    k->init = opts->init;
    k->l1 = opts->l1;
    k->l2 = opts->l2;
    k->trainable = true;
    if (opts->use_bias) {
        fl_tensor_spec *b = &cv->specs[info->n_tensors++];
        b->size = sizeof *b;
        b->name = "bias";
        b->role = FL_TENSOR_BIAS;
        b->n = filters;
        b->fan_in = k->fan_in;
        b->fan_out = k->fan_out;
        b->init = opts->bias_init;
        b->trainable = true;
    }
    *state = cv;
    return 0;
}

static int conv_bind(void *state, const fl_bind *bind)
{
    conv *cv = state;
    const fl_host *host = cv->host;
    dnnl_engine_t engine = host->dnnl_engine;
    dnnl_memory_desc_t x_md, y_md, w_md, b_md, rows_md;
    int rc = 0;

    cv->w = bind->tensors[0];
    cv->dw = bind->grads ? bind->grads[0] : NULL;
    if (cv->use_bias) {
        cv->b = bind->tensors[1];
        cv->db = bind->grads ? bind->grads[1] : NULL;
    }
    LAYER_DNNL(host, "conv2d", conv_mds(cv, 1, &x_md, &y_md, &w_md, &b_md, &rows_md));
    conv_memory_destroy(&cv->w_mem);
    conv_memory_destroy(&cv->dw_mem);
    conv_memory_destroy(&cv->b_mem);
    conv_memory_destroy(&cv->db_mem);
    LAYER_DNNL(host, "conv2d", dnnl_memory_create(&cv->w_mem, &w_md, engine, cv->w));
    if (cv->dw)
        LAYER_DNNL(host, "conv2d", dnnl_memory_create(&cv->dw_mem, &w_md, engine, cv->dw));
    if (cv->use_bias) {
        LAYER_DNNL(host, "conv2d", dnnl_memory_create(&cv->b_mem, &b_md, engine, cv->b));
        if (cv->db)
            LAYER_DNNL(host, "conv2d", dnnl_memory_create(&cv->db_mem, &b_md, engine, cv->db));
    }
out:
    return rc;
}

static int conv_forward(void *state, const fl_pass *pass, float *y, const float *x)
{
    conv *cv = state;
    const fl_host *host = cv->host;
    dnnl_stream_t stream = host->dnnl_stream;
    int rc = 0;
    if (!cv->w_mem || pass->batch == 0) {
        host->error(host, "conv2d layer: forward before bind or on an empty batch (a bug in the "
                          "caller)");
        return -1;
    }
    conv_batch *bt = conv_batch_get(cv, pass->batch);
    if (!bt)
        return -1;
    LAYER_DNNL(host, "conv2d", dnnl_memory_set_data_handle(bt->x, (void *)x));
    LAYER_DNNL(host, "conv2d", dnnl_memory_set_data_handle(bt->y, y));
    LAYER_DNNL(host, "conv2d", dnnl_memory_set_data_handle(bt->y2, y));

    /* Training keeps z (and SELU's t) for backward; inference works in place in y. */
    int n = cv->act.n_stages;
    bool keep = pass->training && n > 0;
    dnnl_memory_t z = keep ? bt->z4 : bt->y;
    dnnl_exec_arg_t args[] = {
        {DNNL_ARG_SRC, bt->x},
        {DNNL_ARG_WEIGHTS, cv->w_mem},
        {DNNL_ARG_DST, z},
        {DNNL_ARG_BIAS, cv->b_mem},
    };
    LAYER_DNNL(host, "conv2d", layer_dnnl_exec(bt->fwd, stream, cv->use_bias ? 4 : 3, args));
    for (int i = 0; i < n; i++) {
        dnnl_memory_t src = bt->y2, dst = bt->y2;
        if (keep) {
            src = i == 0 ? bt->z : bt->t;
            dst = i == n - 1 ? bt->y2 : bt->t;
        }
        dnnl_exec_arg_t sargs[] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
        LAYER_DNNL(host, "conv2d", layer_dnnl_exec(bt->stage_fwd[i], stream, 2, sargs));
    }
    LAYER_DNNL(host, "conv2d", dnnl_stream_wait(stream));
    if (pass->training)
        bt->trained = true;
out:
    return rc;
}

static int conv_backward(void *state, const fl_pass *pass, float *dx, const float *dy,
                         const float *y, const float *x)
{
    conv *cv = state;
    const fl_host *host = cv->host;
    dnnl_stream_t stream = host->dnnl_stream;
    int rc = 0;
    conv_batch *bt = conv_batch_find(cv, pass->batch);
    if (!bt || !bt->trained) {
        host->error(host, "conv2d layer: backward on a batch of %zu without a training forward "
                          "of that size first (a bug in the caller)",
                    pass->batch);
        return -1;
    }
    LAYER_DNNL(host, "conv2d", dnnl_memory_set_data_handle(bt->x, (void *)x));
    LAYER_DNNL(host, "conv2d", dnnl_memory_set_data_handle(bt->y2, (void *)y));
    LAYER_DNNL(host, "conv2d", dnnl_memory_set_data_handle(bt->dy2, (void *)dy));
    LAYER_DNNL(host, "conv2d", dnnl_memory_set_data_handle(bt->dy, (void *)dy));

    /* dz = d(loss)/d(pre-activation), walking the stages backwards in place in dz. */
    dnnl_memory_t diff = bt->dy;
    int n = cv->act.n_stages;
    if (n > 0) {
        dnnl_memory_t d_in = bt->dy2;
        for (int i = n - 1; i >= 0; i--) {
            dnnl_memory_t src = i == 0 ? bt->z : bt->t;
            dnnl_exec_arg_t sargs[] = {
                cv->act.stages[i].softmax ? (dnnl_exec_arg_t){DNNL_ARG_DST, bt->y2}
                                          : (dnnl_exec_arg_t){DNNL_ARG_SRC, src},
                {DNNL_ARG_DIFF_DST, d_in},
                {DNNL_ARG_DIFF_SRC, bt->dz2},
            };
            LAYER_DNNL(host, "conv2d", layer_dnnl_exec(bt->stage_bwd[i], stream, 3, sargs));
            d_in = bt->dz2;
        }
        diff = bt->dz;
    }
    if (cv->dw_mem) {
        dnnl_exec_arg_t args[] = {
            {DNNL_ARG_SRC, bt->x},
            {DNNL_ARG_DIFF_DST, diff},
            {DNNL_ARG_DIFF_WEIGHTS, cv->dw_mem},
            {DNNL_ARG_DIFF_BIAS, cv->db_mem},
        };
        LAYER_DNNL(host, "conv2d",
                   layer_dnnl_exec(bt->bwd_weights, stream, cv->db_mem ? 4 : 3, args));
    }
    if (dx) {
        LAYER_DNNL(host, "conv2d", dnnl_memory_set_data_handle(bt->dx, dx));
        dnnl_exec_arg_t args[] = {
            {DNNL_ARG_DIFF_DST, diff},
            {DNNL_ARG_WEIGHTS, cv->w_mem},
            {DNNL_ARG_DIFF_SRC, bt->dx},
        };
        LAYER_DNNL(host, "conv2d", layer_dnnl_exec(bt->bwd_data, stream, 3, args));
    }
    LAYER_DNNL(host, "conv2d", dnnl_stream_wait(stream));
out:
    return rc;
}

static void conv_destroy(void *state)
{
    conv *cv = state;
    if (!cv)
        return;
    for (size_t i = 0; i < cv->n_batches; i++)
        conv_batch_free(cv->batches[i]);
    g_free(cv->batches);
    conv_memory_destroy(&cv->w_mem);
    conv_memory_destroy(&cv->dw_mem);
    conv_memory_destroy(&cv->b_mem);
    conv_memory_destroy(&cv->db_mem);
    g_free(cv);
}

FL_LAYER_PLUGIN("conv2d", "2-D convolution over (H, W, C) images: act(conv(x, K) + b) (Keras Conv2D)",
                conv_params, conv_opts, .flags = FL_LAYER_REUSABLE, .create = conv_create,
                .bind = conv_bind, .forward = conv_forward, .backward = conv_backward,
                .destroy = conv_destroy);
