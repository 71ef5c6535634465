/* pool2d.h — 2-D pooling over channels-last images on oneDNN's pooling primitives, the body
 * of max_pool2d.c, avg_pool2d.c and global_avg_pool2d.c (internal).  Before including it a
 * plugin defines
 *   POOL2D_NAME    its name ("max_pool2d")
 *   POOL2D_ALG     dnnl_pooling_max or dnnl_pooling_avg_exclude_padding
 *   POOL2D_GLOBAL  1: one window over the whole image, output (C) (Keras
 *                  GlobalAveragePooling2D); 0: pool/strides/padding parameters
 *
 * Keras semantics: strides default to the pool size; "same" padding never counts the
 * padded positions (an average over the pixels inside the image, a maximum that ignores
 * the border), which is oneDNN's avg_exclude_padding and its max.  The activations are the
 * core's NHWC buffers, given to the primitives as `nhwc` memory: no reorder.  Max pooling
 * keeps, per batch size, the workspace of its last training forward (where each maximum
 * came from) for backward; an inference forward runs a primitive of its own without a
 * workspace, so the probes never disturb a pending backward.
 */
#ifndef FL_POOL2D_H
#define FL_POOL2D_H

#include <glib.h>
#include <string.h>
#include <flatline/plugin.h>

#include "layer-dnnl.h"
#include "layer-window.h"

#if POOL2D_GLOBAL
typedef fl_no_opts pool2d_opts;
#define POOL2D_PARAMS NULL
#else
typedef struct pool2d_opts {
    fl_ints pool;
    fl_ints strides;
    int padding;
} pool2d_opts;

static const fl_param pool2d_params[] = {
    {"pool", FL_PARAM_INTS, "2", "[1, 4096]", NULL, "window: one size or [rows, columns]",
     offsetof(pool2d_opts, pool)},
    {"strides", FL_PARAM_INTS, "0", "[0, 4096]", NULL,
     "step: one size or [rows, columns]; 0: the pool size (Keras' default)",
     offsetof(pool2d_opts, strides)},
    {"padding", FL_PARAM_CHOICE, "\"valid\"", NULL, "valid|same",
     "valid: windows inside the image; same: out = ceil(in / strides), the border ignored",
     offsetof(pool2d_opts, padding)},
    FL_PARAM_END,
};
#define POOL2D_PARAMS pool2d_params
#endif

typedef struct pool2d_batch {
    size_t batch;
    bool trained;
    dnnl_memory_t x, y, dy, dx, ws;
    dnnl_primitive_t fwd_train, fwd_infer, bwd;
} pool2d_batch;

typedef struct pool2d {
    const fl_host *host;
    layer_window win;
    pool2d_batch **batches;
    size_t n_batches;
} pool2d;

static void pool2d_batch_free(pool2d_batch *bt)
{
    if (!bt)
        return;
    dnnl_memory_t mems[] = {bt->x, bt->y, bt->dy, bt->dx, bt->ws};
    for (size_t i = 0; i < G_N_ELEMENTS(mems); i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
    dnnl_primitive_t prims[] = {bt->fwd_train, bt->fwd_infer, bt->bwd};
    for (size_t i = 0; i < G_N_ELEMENTS(prims); i++)
        if (prims[i])
            dnnl_primitive_destroy(prims[i]);
    g_free(bt);
}

static int pool2d_batch_new(pool2d *p, size_t batch, pool2d_batch **out)
{
    const fl_host *host = p->host;
    dnnl_engine_t engine = host->dnnl_engine;
    const layer_window *w = &p->win;
    dnnl_primitive_desc_t train_pd = NULL;
    int rc = 0;
    pool2d_batch *bt = g_new0(pool2d_batch, 1);
    bt->batch = batch;

    dnnl_memory_desc_t x_md, y_md;
    dnnl_dims_t xd = {(dnnl_dim_t)batch, w->c, w->ih, w->iw};
    dnnl_dims_t yd = {(dnnl_dim_t)batch, w->c, w->oh, w->ow};
    LAYER_DNNL(host, POOL2D_NAME, dnnl_memory_desc_init_by_tag(&x_md, 4, xd, dnnl_f32, dnnl_nhwc));
    LAYER_DNNL(host, POOL2D_NAME, dnnl_memory_desc_init_by_tag(&y_md, 4, yd, dnnl_f32, dnnl_nhwc));
    dnnl_dims_t strides = {w->sh, w->sw}, kernel = {w->kh, w->kw};
    dnnl_dims_t pad_l = {w->pad_t, w->pad_l}, pad_r = {w->pad_b, w->pad_r};
    dnnl_pooling_desc_t pd;
    LAYER_DNNL(host, POOL2D_NAME,
               dnnl_pooling_forward_desc_init(&pd, dnnl_forward_training, POOL2D_ALG, &x_md, &y_md,
                                              strides, kernel, pad_l, pad_r));
    LAYER_DNNL(host, POOL2D_NAME,
               layer_dnnl_primitive(&bt->fwd_train, &train_pd, &pd, engine, NULL));
    LAYER_DNNL(host, POOL2D_NAME,
               dnnl_pooling_forward_desc_init(&pd, dnnl_forward_inference, POOL2D_ALG, &x_md,
                                              &y_md, strides, kernel, pad_l, pad_r));
    LAYER_DNNL(host, POOL2D_NAME, layer_dnnl_primitive(&bt->fwd_infer, NULL, &pd, engine, NULL));
    LAYER_DNNL(host, POOL2D_NAME,
               dnnl_pooling_backward_desc_init(&pd, POOL2D_ALG, &x_md, &y_md, strides, kernel,
                                               pad_l, pad_r));
    LAYER_DNNL(host, POOL2D_NAME, layer_dnnl_primitive(&bt->bwd, NULL, &pd, engine, train_pd));

    const dnnl_memory_desc_t *ws_md = dnnl_primitive_desc_query_md(train_pd,
                                                                   dnnl_query_workspace_md, 0);
    if (ws_md && dnnl_memory_desc_get_size(ws_md) > 0)
        LAYER_DNNL(host, POOL2D_NAME,
                   dnnl_memory_create(&bt->ws, ws_md, engine, DNNL_MEMORY_ALLOCATE));
    LAYER_DNNL(host, POOL2D_NAME, dnnl_memory_create(&bt->x, &x_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, POOL2D_NAME, dnnl_memory_create(&bt->dx, &x_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, POOL2D_NAME, dnnl_memory_create(&bt->y, &y_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, POOL2D_NAME, dnnl_memory_create(&bt->dy, &y_md, engine, DNNL_MEMORY_NONE));
out:
    if (train_pd)
        dnnl_primitive_desc_destroy(train_pd);
    if (rc < 0) {
        pool2d_batch_free(bt);
        bt = NULL;
    }
    *out = bt;
    return rc;
}

static pool2d_batch *pool2d_batch_find(pool2d *p, size_t batch)
{
    for (size_t i = 0; i < p->n_batches; i++)
        if (p->batches[i]->batch == batch)
            return p->batches[i];
    return NULL;
}

static int pool2d_create(const fl_host *host, const void *opts_, const fl_shape *in,
                         fl_layer_info *info, void **state)
{
    layer_window win;
#if POOL2D_GLOBAL
    (void)opts_;
    if (in->rank != 3) {
        host->error(host, "%s layer: its input has %u ax%s; it reads images (H, W, C)",
                    POOL2D_NAME, in->rank, in->rank == 1 ? "is" : "es");
        return -1;
    }
    fl_ints window = {.n = 2, .v = {(int)in->dims[0], (int)in->dims[1]}};
    fl_ints step = {.n = 1, .v = {1}};
    if (!layer_window_init(host, POOL2D_NAME, in, &window, &step, LAYER_PAD_VALID, &win))
        return -1;
    info->out_shape = (fl_shape){.rank = 1, .dims = {(uint32_t)win.c}};
#else
    const pool2d_opts *opts = opts_;
    fl_ints step = opts->strides;
    if (step.n == 1 && step.v[0] == 0)
        step = opts->pool; /* Keras: strides default to pool_size */
    for (int i = 0; i < step.n; i++)
        if (step.v[i] < 1) {
            host->error(host, "%s layer: strides must be 1 or more (or 0 alone: the pool size)",
                        POOL2D_NAME);
            return -1;
        }
    if (!layer_window_init(host, POOL2D_NAME, in, &opts->pool, &step, opts->padding, &win))
        return -1;
    info->out_shape = (fl_shape){
        .rank = 3, .dims = {(uint32_t)win.oh, (uint32_t)win.ow, (uint32_t)win.c}};
#endif
    pool2d *p = g_new0(pool2d, 1);
    p->host = host;
    p->win = win;
    info->units = (size_t)win.c;
    info->activation = (fl_activation){.kind = FL_ACT_LINEAR};
    *state = p;
    return 0;
}

static int pool2d_bind(void *state, const fl_bind *bind)
{
    (void)state;
    (void)bind;
    return 0;
}

static int pool2d_forward(void *state, const fl_pass *pass, float *y, const float *x)
{
    pool2d *p = state;
    const fl_host *host = p->host;
    int rc = 0;
    if (pass->batch == 0) {
        host->error(host, "%s layer: forward on an empty batch (a bug in the caller)",
                    POOL2D_NAME);
        return -1;
    }
    pool2d_batch *bt = pool2d_batch_find(p, pass->batch);
    if (!bt) {
        if (pool2d_batch_new(p, pass->batch, &bt) < 0)
            return -1;
        p->batches = g_renew(pool2d_batch *, p->batches, p->n_batches + 1);
        p->batches[p->n_batches++] = bt;
    }
    LAYER_DNNL(host, POOL2D_NAME, dnnl_memory_set_data_handle(bt->x, (void *)x));
    LAYER_DNNL(host, POOL2D_NAME, dnnl_memory_set_data_handle(bt->y, y));
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, bt->x}, {DNNL_ARG_DST, bt->y},
                              {DNNL_ARG_WORKSPACE, bt->ws}};
    bool ws = pass->training && bt->ws;
    LAYER_DNNL(host, POOL2D_NAME,
               layer_dnnl_run(pass->training ? bt->fwd_train : bt->fwd_infer, host->dnnl_stream,
                              ws ? 3 : 2, args));
    if (pass->training)
        bt->trained = true;
out:
    return rc;
}

static int pool2d_backward(void *state, const fl_pass *pass, float *dx, const float *dy,
                           const float *y, const float *x)
{
    pool2d *p = state;
    const fl_host *host = p->host;
    int rc = 0;
    (void)y;
    (void)x;
    pool2d_batch *bt = pool2d_batch_find(p, pass->batch);
    if (!bt || !bt->trained) {
        host->error(host, "%s layer: backward on a batch of %zu without a training forward of "
                          "that size first (a bug in the caller)",
                    POOL2D_NAME, pass->batch);
        return -1;
    }
    if (!dx)
        return 0; /* no weights: nothing else to compute */
    LAYER_DNNL(host, POOL2D_NAME, dnnl_memory_set_data_handle(bt->dy, (void *)dy));
    LAYER_DNNL(host, POOL2D_NAME, dnnl_memory_set_data_handle(bt->dx, dx));
    dnnl_exec_arg_t args[] = {{DNNL_ARG_DIFF_DST, bt->dy}, {DNNL_ARG_DIFF_SRC, bt->dx},
                              {DNNL_ARG_WORKSPACE, bt->ws}};
    LAYER_DNNL(host, POOL2D_NAME,
               layer_dnnl_run(bt->bwd, host->dnnl_stream, bt->ws ? 3 : 2, args));
out:
    return rc;
}

static void pool2d_destroy(void *state)
{
    pool2d *p = state;
    if (!p)
        return;
    for (size_t i = 0; i < p->n_batches; i++)
        pool2d_batch_free(p->batches[i]);
    g_free(p->batches);
    g_free(p);
}

#define POOL2D_PLUGIN(summary_)                                                             \
    FL_LAYER_PLUGIN(POOL2D_NAME, summary_, POOL2D_PARAMS, pool2d_opts,                      \
                    .flags = FL_LAYER_REUSABLE, .create = pool2d_create, .bind = pool2d_bind, \
                    .forward = pool2d_forward, .backward = pool2d_backward,                   \
                    .destroy = pool2d_destroy)

#endif
