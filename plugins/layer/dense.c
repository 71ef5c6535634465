/* dense.c — the fully connected layer, y = act(x Wᵀ + b), on oneDNN primitives.
 *
 * The kernel W is the core's (units, n_in) row-major array; the products run as oneDNN
 * matmul primitives straight on the core's tensors and gradients, read through plain
 * row-major views (Wᵀ and dzᵀ are the same memory with the dimensions swapped, tag `ba`):
 *   forward   y  = x Wᵀ + b        (B, n_in) x (n_in, units)
 *   backward  dW = dzᵀ x           (units, B) x (B, n_in)
 *             dx = dz W            (B, units) x (units, n_in)
 *             db = column sums of dz, a loop here.
 * Matmul rather than inner product because for the small layers flatline trains a
 * primitive's fixed cost per call is what a step costs: measured on oneDNN 2.6 (AVX-512,
 * one thread), matmul runs a 32x2x10 product in 0.35 us against 0.8 us, and its first
 * call in a process costs 0.03 ms against 24 ms for the inner product's gemm kernels,
 * which every worker of a sweep paid.
 *
 * The activation runs as one or two eltwise primitives, or a softmax over the units;
 * oneDNN 2.6 has no SELU, so SELU is ELU(alpha) followed by a linear scale (lambda).
 * ReLU and leaky ReLU (slope >= 0) run as a post-op of the forward matmul instead, with
 * no pre-activation kept: their derivative is read off the output exactly (y > 0 exactly
 * when the pre-activation is), and backward gets y from the caller.  That derivative is a
 * loop here, not a primitive: a call cost more than the loop (2% of a seed-scale run).
 * Primitives and memory objects are built once per batch size (training batches, the last
 * short batch and the probe batch differ) and reused; each call only points the memory
 * objects at the caller's buffers.
 *
 * A pack of runs (FL_LAYER_PACKS) runs the same primitives with a leading batch dimension
 * over the runs: one call for all of them, each run's product with its own weights.
 * oneDNN 2.6 picks its brgemm kernels for that only when each run's weights are dense
 * (measured: strided weights fall back to plain gemm, 2-3x slower per run than no pack),
 * so the layer gathers the runs' kernels and biases into its own packed copies before a
 * forward and scatters the gradients back after a backward: a few dozen floats a run.
 * The biases join as a binary post-op, (P, 1, units) broadcast over each run's rows.  Two
 * products of a pack are turned around where that suits the brgemm kernels, which spread
 * a product's last dimension over vector lanes: a layer of one unit computes each run's
 * outputs as a row, y (1, B) = w (1, n_in) x xᵀ (n_in, B), its bias added after; a layer
 * with more units than inputs computes dWᵀ = xᵀ dz and turns it around as it scatters it.
 * A training forward keeps the pre-activation (B, units) of its batch size for backward;
 * an inference forward applies the activation in place in y so it never overwrites what a
 * pending backward needs.  Each call queues its primitives on the in-order stream and
 * waits once (the row form waits once more, before its bias).
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <flatline/plugin.h>

#include "layer-dnnl.h"

/* Keras' SELU constants (tf.keras.activations.selu). */
#define DENSE_SELU_ALPHA 1.6732632423543772
#define DENSE_SELU_SCALE 1.0507009873554805

typedef struct dense_opts {
    int units;
    fl_activation activation;
    fl_ref init;
    fl_ref bias_init;
    bool use_bias;
    double l1;
    double l2;
} dense_opts;

static const fl_param dense_params[] = {
    {"units", FL_PARAM_INT, NULL, "[1, 1000000]", NULL, "number of output units",
     offsetof(dense_opts, units)},
    {"activation", FL_PARAM_ACTIVATION, "linear", NULL, NULL,
     "activation applied to x W^T + b", offsetof(dense_opts, activation)},
    {"init", FL_PARAM_PLUGIN, "glorot_uniform", NULL, "initializer",
     "initializer of the kernel", offsetof(dense_opts, init)},
    {"bias_init", FL_PARAM_PLUGIN, "zeros", NULL, "initializer", "initializer of the bias",
     offsetof(dense_opts, bias_init)},
    {"use_bias", FL_PARAM_BOOL, "true", NULL, NULL, "add a bias vector",
     offsetof(dense_opts, use_bias)},
    {"l1", FL_PARAM_FLOAT, "0", "[0, inf)", NULL, "L1 penalty on the kernel",
     offsetof(dense_opts, l1)},
    {"l2", FL_PARAM_FLOAT, "0", "[0, inf)", NULL, "L2 penalty on the kernel",
     offsetof(dense_opts, l2)},
    FL_PARAM_END,
};

/* One activation stage: an eltwise algorithm, or the softmax over axis 1. */
typedef struct dense_stage {
    bool softmax;
    dnnl_alg_kind_t alg;
    float alpha, beta;
} dense_stage;

/* Everything that depends on the batch size B. */
typedef struct dense_batch {
    size_t batch;
    size_t runs;  /* of a pack: the runs the pass covers (1 without a pack) */
    bool trained; /* a training forward ran at this size: z and t hold its values */
    bool fused;   /* the activation is a post-op of the forward matmul; backward reads y */
    bool row;     /* a pack's one output unit, computed as a row: see dense_batch_new */
    bool dw_t;    /* a pack's kernel gradients computed transposed: see dense_batch_new */
    /* The caller's buffers: x (B, n_in), y, dy (B, units) and dy's transposed view
     * (units, B), dx (B, n_in). */
    dnnl_memory_t x, y, dy, dy_t, dx;
    /* The row form's views: x as each run's (n_in, B), the output as each run's (1, B);
     * x_t also reads x for the transposed kernel gradients. */
    dnnl_memory_t x_t, y_row;
    /* Own: pre-activation, SELU's ELU output, the gradient before the activation and its
     * transposed view. */
    dnnl_memory_t z, t, dz, dz_t;
    /* The weights these primitives read and write: W, Wᵀ (n_in, units), b (1, units), dW,
     * on the core's tensors for one run, on the packed copies for a pack's runs. */
    dnnl_memory_t w, w_t, b, dw;
    float *z_buf, *t_buf, *dz_buf; /* (B, units) each, when the activation needs them */
    dnnl_primitive_t fwd, bwd_data, bwd_weights;
    dnnl_primitive_t stage_fwd[2], stage_bwd[2];
} dense_batch;

typedef struct dense {
    const fl_host *host;
    fl_tensor_spec specs[2]; /* kernel and bias, as create() reports them */
    size_t n_in, n_out;
    bool use_bias;
    int n_stages;
    dense_stage stages[2];
    bool fusable; /* one ReLU stage whose derivative the output gives exactly */
    float *w, *b, *dw, *db; /* the core's: (units, n_in), (units) and their gradients */
    dense_batch **batches;
    size_t n_batches;
    /* A pack of runs (1: one run, the core's tensors used in place): the core's strides
     * between the runs' copies, and the packed copies the primitives read and write. */
    size_t pack, w_stride, b_stride;
    float *w_pack, *b_pack, *dw_pack;
} dense;

/* The oneDNN stages of an activation; false for an unknown kind. */
static bool dense_stages_of(fl_activation act, dense_stage stages[2], int *n_stages)
{
    memset(stages, 0, 2 * sizeof *stages);
    *n_stages = 1;
    switch (act.kind) {
    case FL_ACT_LINEAR: *n_stages = 0; break;
    case FL_ACT_RELU: stages[0].alg = dnnl_eltwise_relu; break;
    case FL_ACT_LEAKY_RELU:
        stages[0].alg = dnnl_eltwise_relu;
        stages[0].alpha = (float)act.alpha; /* slope below zero */
        break;
    case FL_ACT_ELU:
        stages[0].alg = dnnl_eltwise_elu;
        stages[0].alpha = (float)act.alpha;
        break;
    case FL_ACT_SELU:
        stages[0].alg = dnnl_eltwise_elu;
        stages[0].alpha = (float)DENSE_SELU_ALPHA;
        stages[1].alg = dnnl_eltwise_linear;
        stages[1].alpha = (float)DENSE_SELU_SCALE;
        *n_stages = 2;
        break;
    case FL_ACT_SIGMOID: stages[0].alg = dnnl_eltwise_logistic; break;
    case FL_ACT_TANH: stages[0].alg = dnnl_eltwise_tanh; break;
    case FL_ACT_SOFTMAX: stages[0].softmax = true; break;
    case FL_ACT_SOFTPLUS: stages[0].alg = dnnl_eltwise_soft_relu; break; /* log(1 + e^x) */
    default: return false;
    }
    return true;
}

static void dense_memory_destroy(dnnl_memory_t *m)
{
    if (*m)
        dnnl_memory_destroy(*m);
    *m = NULL;
}

static void dense_primitive_destroy(dnnl_primitive_t *p)
{
    if (*p)
        dnnl_primitive_destroy(*p);
    *p = NULL;
}

static void dense_batch_free(dense_batch *bt)
{
    if (!bt)
        return;
    dnnl_memory_t *mems[] = {&bt->x, &bt->y,  &bt->dy, &bt->dy_t, &bt->dx,  &bt->z,
                             &bt->t, &bt->dz, &bt->dz_t, &bt->w,  &bt->w_t, &bt->b,
                             &bt->dw, &bt->x_t, &bt->y_row};
    for (size_t i = 0; i < G_N_ELEMENTS(mems); i++)
        dense_memory_destroy(mems[i]);
    dense_primitive_destroy(&bt->fwd);
    dense_primitive_destroy(&bt->bwd_data);
    dense_primitive_destroy(&bt->bwd_weights);
    for (int i = 0; i < 2; i++) {
        dense_primitive_destroy(&bt->stage_fwd[i]);
        dense_primitive_destroy(&bt->stage_bwd[i]);
    }
    g_free(bt->z_buf);
    g_free(bt->t_buf);
    g_free(bt->dz_buf);
    g_free(bt);
}

/* A matmul primitive dst = src x weights (+ bias), with attributes or NULL. */
static dnnl_status_t dense_matmul(dnnl_primitive_t *prim, const dnnl_memory_desc_t *src,
                                  const dnnl_memory_desc_t *weights,
                                  const dnnl_memory_desc_t *bias, const dnnl_memory_desc_t *dst,
                                  const_dnnl_primitive_attr_t attr, dnnl_engine_t engine)
{
    dnnl_matmul_desc_t mm;
    dnnl_status_t st = dnnl_matmul_desc_init(&mm, src, weights, bias, dst);
    if (st != dnnl_success)
        return st;
    return layer_dnnl_primitive_attr(prim, NULL, &mm, attr, engine, NULL);
}

/* A row-major (rows, cols) descriptor of each run's matrix, or its transposed view
 * (`transposed`: stored as (cols, rows)); with a pack, (pack, rows, cols), the runs one
 * after another. */
static dnnl_status_t dense_md(const dense *d, dnnl_memory_desc_t *md, size_t runs, size_t rows,
                              size_t cols, bool transposed)
{
    if (d->pack <= 1)
        return layer_dnnl_md_2d(md, rows, cols, transposed ? dnnl_ba : dnnl_ab);
    dnnl_dims_t dims = {(dnnl_dim_t)runs, (dnnl_dim_t)rows, (dnnl_dim_t)cols};
    return dnnl_memory_desc_init_by_tag(md, 3, dims, dnnl_f32, transposed ? dnnl_acb : dnnl_abc);
}

/* A (runs, B, units) buffer of the layer's own; NULL, said through host->error(), when the
 * memory cannot be had. */
static float *dense_buffer(const dense *d, size_t runs, size_t batch)
{
    float *buf = g_try_new0(float, runs * batch * d->n_out);
    if (!buf)
        d->host->error(d->host,
                       "dense layer: cannot allocate %zu bytes for a batch of %zu; use "
                       "fewer units or a smaller batch",
                       runs * batch * d->n_out * sizeof(float), batch);
    return buf;
}

/* Build the primitives and memory objects for batch size B over `runs` runs. */
static int dense_batch_new(dense *d, size_t batch, size_t runs, dense_batch **out)
{
    const fl_host *host = d->host;
    dnnl_engine_t engine = host->dnnl_engine;
    dnnl_primitive_desc_t stage_pd[2] = {NULL, NULL};
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t post_ops = NULL;
    dnnl_memory_desc_t x_md, y_md, y_t_md, w_md, w_t_md, b_md;
    int rc = 0;
    dense_batch *bt = g_new0(dense_batch, 1);
    bt->batch = batch;
    bt->runs = runs;

    LAYER_DNNL(host, "dense", dense_md(d, &x_md, runs, batch, d->n_in, false));
    LAYER_DNNL(host, "dense", dense_md(d, &y_md, runs, batch, d->n_out, false));
    LAYER_DNNL(host, "dense", dense_md(d, &y_t_md, runs, d->n_out, batch, true));
    LAYER_DNNL(host, "dense", dense_md(d, &w_md, runs, d->n_out, d->n_in, false));
    LAYER_DNNL(host, "dense", dense_md(d, &w_t_md, runs, d->n_in, d->n_out, true));
    LAYER_DNNL(host, "dense", dense_md(d, &b_md, runs, 1, d->n_out, false));
    bool packed = d->pack > 1;
    float *w_data = packed ? d->w_pack : d->w, *dw_data = packed ? d->dw_pack : d->dw;
    LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->w, &w_md, engine, w_data));
    LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->w_t, &w_t_md, engine, w_data));
    /* A pack's layer with more units than inputs computes its kernel gradients
     * transposed, dWᵀ (n_in, units) = xᵀ (n_in, B) x dz (B, units), into the packed copy
     * that goes back to the runs' arrays anyway (the backward turns it around there):
     * oneDNN 2.6's brgemm kernels spread the wider dimension over vector lanes (the
     * seed-scale network's 10 x 2 kernel: 0.13 against 0.18 us a run in a pack of 25). */
    bt->dw_t = packed && d->dw && d->n_out > d->n_in;
    dnnl_memory_desc_t dw_t_md, x_t_md;
    LAYER_DNNL(host, "dense", dense_md(d, &dw_t_md, runs, d->n_in, d->n_out, false));
    LAYER_DNNL(host, "dense", dense_md(d, &x_t_md, runs, d->n_in, batch, true));
    if (d->dw)
        LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->dw, bt->dw_t ? &dw_t_md : &w_md,
                                                     engine, dw_data));
    if (d->use_bias)
        LAYER_DNNL(host, "dense",
                   dnnl_memory_create(&bt->b, &b_md, engine, packed ? d->b_pack : d->b));
    /* One run: the bias is the matmul's own argument.  A pack: a binary post-op, the only
     * form oneDNN 2.6 broadcasts per run with its brgemm kernels. */
    bool bias_arg = d->use_bias && d->pack <= 1, bias_post = d->use_bias && d->pack > 1;

    /* A pack's layer of one unit (a regression output) computes each run's outputs as a
     * row, y (1, B) = w (1, n_in) x xᵀ (n_in, B), and adds the bias after: the same
     * products summed in the same order (measured: the same bytes as a run alone), but
     * oneDNN 2.6's brgemm kernels spread a row over vector lanes where a column of B rows
     * took one lane a row (a pack of 25: 0.14 against 0.26 us a run for B = 32, 0.21
     * against 0.48 for 80).  A bias broadcast per run along a row has no brgemm form,
     * hence the loop. */
    bt->row = packed && d->n_out == 1 && !d->fusable;
    if (bt->row) {
        dnnl_memory_desc_t row_md;
        LAYER_DNNL(host, "dense", dense_md(d, &row_md, runs, 1, batch, false));
        LAYER_DNNL(host, "dense", dense_matmul(&bt->fwd, &w_md, &x_t_md, NULL, &row_md, NULL,
                                               engine));
        LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->y_row, &row_md, engine,
                                                     DNNL_MEMORY_NONE));
    } else if (d->fusable || bias_post) {
        LAYER_DNNL(host, "dense", dnnl_primitive_attr_create(&attr));
        LAYER_DNNL(host, "dense", dnnl_post_ops_create(&post_ops));
        if (bias_post)
            LAYER_DNNL(host, "dense",
                       dnnl_post_ops_append_binary(post_ops, dnnl_binary_add, &b_md));
        if (d->fusable)
            LAYER_DNNL(host, "dense",
                       dnnl_post_ops_append_eltwise(post_ops, 1.0f, dnnl_eltwise_relu,
                                                    d->stages[0].alpha, 0.0f));
        LAYER_DNNL(host, "dense", dnnl_primitive_attr_set_post_ops(attr, post_ops));
        /* An implementation without the ReLU post-op is no error: run the stage apart. */
        bt->fused = d->fusable && dense_matmul(&bt->fwd, &x_md, &w_t_md,
                                               bias_arg ? &b_md : NULL, &y_md, attr,
                                               engine) == dnnl_success;
    }
    if (!bt->row && !bt->fused && bias_post) {
        dnnl_post_ops_destroy(post_ops);
        LAYER_DNNL(host, "dense", dnnl_post_ops_create(&post_ops));
        LAYER_DNNL(host, "dense", dnnl_post_ops_append_binary(post_ops, dnnl_binary_add, &b_md));
        LAYER_DNNL(host, "dense", dnnl_primitive_attr_set_post_ops(attr, post_ops));
    }
    if (!bt->row && !bt->fused)
        LAYER_DNNL(host, "dense", dense_matmul(&bt->fwd, &x_md, &w_t_md, bias_arg ? &b_md : NULL,
                                               &y_md, bias_post ? attr : NULL, engine));
    LAYER_DNNL(host, "dense",
               bt->dw_t ? dense_matmul(&bt->bwd_weights, &x_t_md, &y_md, NULL, &dw_t_md, NULL,
                                       engine)
                        : dense_matmul(&bt->bwd_weights, &y_t_md, &x_md, NULL, &w_md, NULL,
                                       engine));
    if (bt->row || bt->dw_t)
        LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->x_t, &x_t_md, engine,
                                                     DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "dense",
               dense_matmul(&bt->bwd_data, &y_md, &w_md, NULL, &x_md, NULL, engine));

    for (int i = 0; i < d->n_stages && !bt->fused; i++) {
        const dense_stage *s = &d->stages[i];
        if (s->softmax) {
            dnnl_softmax_desc_t sm;
            LAYER_DNNL(host, "dense",
                       dnnl_softmax_forward_desc_init(&sm, dnnl_forward_training, &y_md,
                                                      d->pack > 1 ? 2 : 1));
            LAYER_DNNL(host, "dense",
                       layer_dnnl_primitive(&bt->stage_fwd[i], &stage_pd[i], &sm, engine,
                                            NULL));
            LAYER_DNNL(host, "dense", dnnl_softmax_backward_desc_init(&sm, &y_md, &y_md,
                                                                      d->pack > 1 ? 2 : 1));
            LAYER_DNNL(host, "dense",
                       layer_dnnl_primitive(&bt->stage_bwd[i], NULL, &sm, engine,
                                            stage_pd[i]));
        } else {
            dnnl_eltwise_desc_t el;
            LAYER_DNNL(host, "dense",
                       dnnl_eltwise_forward_desc_init(&el, dnnl_forward_training, s->alg,
                                                      &y_md, s->alpha, s->beta));
            LAYER_DNNL(host, "dense",
                       layer_dnnl_primitive(&bt->stage_fwd[i], &stage_pd[i], &el, engine,
                                            NULL));
            LAYER_DNNL(host, "dense",
                       dnnl_eltwise_backward_desc_init(&el, s->alg, &y_md, &y_md, s->alpha,
                                                       s->beta));
            LAYER_DNNL(host, "dense",
                       layer_dnnl_primitive(&bt->stage_bwd[i], NULL, &el, engine,
                                            stage_pd[i]));
        }
    }

    LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->x, &x_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->dx, &x_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->y, &y_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->dy, &y_md, engine, DNNL_MEMORY_NONE));
    LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->dy_t, &y_t_md, engine, DNNL_MEMORY_NONE));
    if (d->n_stages > 0) {
        if (!(bt->dz_buf = dense_buffer(d, runs, batch))) {
            rc = -1;
            goto out;
        }
        LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->dz, &y_md, engine, bt->dz_buf));
        LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->dz_t, &y_t_md, engine, bt->dz_buf));
    }
    if (d->n_stages > 0 && !bt->fused) {
        if (!(bt->z_buf = dense_buffer(d, runs, batch))) {
            rc = -1;
            goto out;
        }
        LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->z, &y_md, engine, bt->z_buf));
    }
    if (d->n_stages > 1) {
        if (!(bt->t_buf = dense_buffer(d, runs, batch))) {
            rc = -1;
            goto out;
        }
        LAYER_DNNL(host, "dense", dnnl_memory_create(&bt->t, &y_md, engine, bt->t_buf));
    }

out:
    if (post_ops)
        dnnl_post_ops_destroy(post_ops);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    for (int i = 0; i < 2; i++)
        if (stage_pd[i])
            dnnl_primitive_desc_destroy(stage_pd[i]);
    if (rc < 0) {
        dense_batch_free(bt);
        bt = NULL;
    }
    *out = bt;
    return rc;
}

/* The runs a pass covers: the first pass->runs of the pack (ABI 2.2), or all of it. */
static size_t dense_runs(const dense *d, const fl_pass *pass)
{
    size_t runs = FL_HAS(fl_pass, pass, runs) && pass->runs ? pass->runs : d->pack;
    return MIN(runs, d->pack);
}

/* The cached entry for batch size B over `runs` runs, built on first use. */
static dense_batch *dense_batch_get(dense *d, size_t batch, size_t runs)
{
    for (size_t i = 0; i < d->n_batches; i++)
        if (d->batches[i]->batch == batch && d->batches[i]->runs == runs)
            return d->batches[i];
    dense_batch *bt;
    if (dense_batch_new(d, batch, runs, &bt) < 0)
        return NULL;
    d->batches = g_renew(dense_batch *, d->batches, d->n_batches + 1);
    d->batches[d->n_batches++] = bt;
    return bt;
}

static int dense_create(const fl_host *host, const void *opts_, const fl_shape *in,
                        fl_layer_info *info, void **state)
{
    const dense_opts *opts = opts_;
    if (in->rank > 1) {
        host->error(host,
                    "dense layer: its input has %u axes; it reads flat samples, so "
                    "flatten its input first",
                    in->rank);
        return -1;
    }
    size_t n_in = fl_shape_count(in);
    if (n_in == 0) {
        host->error(host, "dense layer: its input has no features; check the layer it reads");
        return -1;
    }
    if (opts->units < 1) {
        host->error(host, "dense layer: units = %d; set units to 1 or more", opts->units);
        return -1;
    }
    size_t units = (size_t)opts->units;
    if (n_in > (size_t)INT32_MAX / units) {
        host->error(host,
                    "dense layer: a kernel of %zu x %zu weights is too large; use fewer units",
                    units, n_in);
        return -1;
    }
    dense_stage stages[2];
    int n_stages;
    if (!dense_stages_of(opts->activation, stages, &n_stages)) {
        host->error(host, "dense layer: unknown activation kind %d; use one of linear, relu, "
                          "leaky_relu, elu, selu, sigmoid, tanh, softmax, softplus",
                    (int)opts->activation.kind);
        return -1;
    }

    dense *d = g_new0(dense, 1);
    d->host = host;
    d->pack = 1;
    d->n_in = n_in;
    d->n_out = units;
    d->use_bias = opts->use_bias;
    d->n_stages = n_stages;
    memcpy(d->stages, stages, sizeof stages);
    /* With a slope >= 0 below zero, y > 0 exactly when x W^T + b > 0. */
    d->fusable = n_stages == 1 && !stages[0].softmax && stages[0].alg == dnnl_eltwise_relu &&
                 stages[0].alpha >= 0.0f;

    info->out_shape = (fl_shape){.rank = 1, .dims = {(uint32_t)units}};
    info->units = units;
    info->activation = opts->activation;
    info->tensors = d->specs;
    info->tensor_stride = sizeof(fl_tensor_spec);
    fl_tensor_spec *k = &d->specs[info->n_tensors++];
    k->size = sizeof *k;
    k->name = "kernel";
    k->role = FL_TENSOR_KERNEL;
    k->n = units * n_in;
    k->fan_in = n_in;
    k->fan_out = units;
    k->init = opts->init;
    k->l1 = opts->l1;
    k->l2 = opts->l2;
    k->trainable = true;
    if (opts->use_bias) {
        /* Keras regularizes the kernel only (bias_regularizer defaults to None). */
        fl_tensor_spec *b = &d->specs[info->n_tensors++];
        b->size = sizeof *b;
        b->name = "bias";
        b->role = FL_TENSOR_BIAS;
        b->n = units;
        b->fan_in = n_in;
        b->fan_out = units;
        b->init = opts->bias_init;
        b->trainable = true;
    }
    *state = d;
    return 0;
}

static int dense_bind(void *state, const fl_bind *bind)
{
    float *const *tensors = bind->tensors, *const *grads = bind->grads;
    dense *d = state;
    d->w = tensors[0];
    d->dw = grads ? grads[0] : NULL;
    if (d->use_bias) {
        d->b = tensors[1];
        d->db = grads ? grads[1] : NULL;
    }
    /* The cached primitives and memory objects point at the tensors and are built for one
     * pack size: they are built anew. */
    for (size_t i = 0; i < d->n_batches; i++)
        dense_batch_free(d->batches[i]);
    d->n_batches = 0;
    d->pack = FL_HAS(fl_bind, bind, pack_strides) && bind->pack > 1 ? bind->pack : 1;
    g_clear_pointer(&d->w_pack, g_free);
    g_clear_pointer(&d->b_pack, g_free);
    g_clear_pointer(&d->dw_pack, g_free);
    if (d->pack > 1) {
        d->w_stride = bind->pack_strides[0];
        d->b_stride = d->use_bias ? bind->pack_strides[1] : 0;
        size_t nw = d->pack * d->n_out * d->n_in;
        d->w_pack = g_try_new0(float, nw);
        d->dw_pack = g_try_new0(float, nw);
        d->b_pack = g_try_new0(float, d->pack * d->n_out);
        if (!d->w_pack || !d->dw_pack || !d->b_pack) {
            d->host->error(d->host,
                           "dense layer: cannot allocate the kernels of a pack of %zu runs; "
                           "use a smaller train.pack",
                           d->pack);
            return -1;
        }
    }
    return 0;
}

static int dense_forward(void *state, const fl_pass *pass, float *y, const float *x)
{
    dense *d = state;
    size_t batch = pass->batch;
    bool training = pass->training;
    const fl_host *host = d->host;
    dnnl_stream_t stream = host->dnnl_stream;
    int rc = 0;

    if (!d->w) {
        host->error(host, "dense layer: forward before bind (a bug in the caller)");
        return -1;
    }
    if (batch == 0) {
        host->error(host, "dense layer: forward on an empty batch (a bug in the caller)");
        return -1;
    }
    size_t runs = dense_runs(d, pass);
    dense_batch *bt = dense_batch_get(d, batch, runs);
    if (!bt)
        return -1;
    /* A pack reads packed copies of the runs' weights, as they are now. */
    for (size_t r = 0; d->pack > 1 && r < runs; r++) {
        size_t nw = d->n_out * d->n_in;
        memcpy(d->w_pack + r * nw, d->w + r * d->w_stride, nw * sizeof(float));
        if (d->use_bias)
            memcpy(d->b_pack + r * d->n_out, d->b + r * d->b_stride, d->n_out * sizeof(float));
    }
    LAYER_DNNL(host, "dense", dnnl_memory_set_data_handle(bt->x, (void *)x));
    LAYER_DNNL(host, "dense", dnnl_memory_set_data_handle(bt->y, y));

    /* Training keeps z (and SELU's t) for backward; inference works in place in y.  A
     * fused activation needs neither: y alone is what backward reads. */
    int n_stages = bt->fused ? 0 : d->n_stages;
    bool keep = training && n_stages > 0;
    dnnl_memory_t z = keep ? bt->z : bt->y;
    if (bt->row) {
        float *out = keep ? bt->z_buf : y;
        LAYER_DNNL(host, "dense", dnnl_memory_set_data_handle(bt->x_t, (void *)x));
        LAYER_DNNL(host, "dense", dnnl_memory_set_data_handle(bt->y_row, out));
        dnnl_exec_arg_t row_args[] = {
            {DNNL_ARG_SRC, bt->w},
            {DNNL_ARG_WEIGHTS, bt->x_t},
            {DNNL_ARG_DST, bt->y_row},
        };
        LAYER_DNNL(host, "dense", layer_dnnl_exec(bt->fwd, stream, 3, row_args));
        LAYER_DNNL(host, "dense", dnnl_stream_wait(stream));
        for (size_t r = 0; d->use_bias && r < runs; r++) {
            float bias = d->b[r * d->b_stride], *restrict o = out + r * batch;
            for (size_t i = 0; i < batch; i++)
                o[i] += bias;
        }
    } else {
        dnnl_exec_arg_t mm_args[] = {
            {DNNL_ARG_SRC, bt->x},
            {DNNL_ARG_WEIGHTS, bt->w_t},
            {DNNL_ARG_DST, z},
            {d->pack > 1 ? DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1 : DNNL_ARG_BIAS,
             bt->b},
        };
        LAYER_DNNL(host, "dense",
                   layer_dnnl_exec(bt->fwd, stream, d->use_bias ? 4 : 3, mm_args));
    }

    for (int i = 0; i < n_stages; i++) {
        dnnl_memory_t src = bt->y, dst = bt->y;
        if (keep) {
            src = i == 0 ? bt->z : bt->t;
            dst = i == n_stages - 1 ? bt->y : bt->t;
        }
        dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
        LAYER_DNNL(host, "dense", layer_dnnl_exec(bt->stage_fwd[i], stream, 2, args));
    }
    LAYER_DNNL(host, "dense", dnnl_stream_wait(stream));
    if (training)
        bt->trained = true;
out:
    return rc;
}

/* db[o] = the sum of dz[r][o] over the rows, added row after row from zero.  Eight
 * columns at a time in registers: summed in db itself, each row's add waited on the
 * store of the one before (a tenth of a small network's backward). */
static void dense_bias_grad(float *restrict db, const float *restrict dz, size_t rows,
                            size_t n)
{
    size_t o = 0;
    for (; o + 8 <= n; o += 8) {
        float acc[8] = {0};
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < 8; j++)
                acc[j] += dz[r * n + o + j];
        memcpy(db + o, acc, sizeof acc);
    }
    for (; o < n; o++) {
        float acc = 0;
        for (size_t r = 0; r < rows; r++)
            acc += dz[r * n + o];
        db[o] = acc;
    }
}

static int dense_backward(void *state, const fl_pass *pass, float *dx, const float *dy,
                          const float *y, const float *x)
{
    dense *d = state;
    size_t batch = pass->batch;
    const fl_host *host = d->host;
    dnnl_stream_t stream = host->dnnl_stream;
    int rc = 0;

    size_t runs = dense_runs(d, pass);
    dense_batch *bt = NULL;
    for (size_t i = 0; i < d->n_batches; i++)
        if (d->batches[i]->batch == batch && d->batches[i]->runs == runs)
            bt = d->batches[i];
    if (!bt || !bt->trained) {
        host->error(host, "dense layer: backward on a batch of %zu without a training forward "
                          "of that size first (a bug in the caller)", batch);
        return -1;
    }
    LAYER_DNNL(host, "dense", dnnl_memory_set_data_handle(bt->x, (void *)x));
    LAYER_DNNL(host, "dense", dnnl_memory_set_data_handle(bt->y, (void *)y));
    LAYER_DNNL(host, "dense", dnnl_memory_set_data_handle(bt->dy, (void *)dy));

    /* dz = d(loss)/d(pre-activation), walking the stages backwards; stages after the
     * first write dz in place (oneDNN allows diff_dst == diff_src). */
    dnnl_memory_t diff = bt->dy, diff_t = bt->dy_t;
    const float *diff_buf = dy;
    if (bt->fused) {
        /* The (leaky) ReLU's derivative read off its output, as oneDNN's relu backward
         * from dst computes it (dy, or dy times the slope): on a small layer the
         * primitive call cost more than the loop. */
        size_t count = runs * batch * d->n_out;
        float slope = d->stages[0].alpha, *restrict dz = bt->dz_buf;
        /* dy times 1 or the slope, chosen by a bit mask: the sign of y is a coin toss
         * that a branch mispredicts half the time (dy * 1 is dy to the bit). */
        uint32_t one_bits, slope_bits;
        float one = 1.0f;
        memcpy(&one_bits, &one, sizeof one);
        memcpy(&slope_bits, &slope, sizeof slope);
        for (size_t i = 0; i < count; i++) {
            uint32_t up = -(uint32_t)(y[i] > 0), bits = (one_bits & up) | (slope_bits & ~up);
            float factor;
            memcpy(&factor, &bits, sizeof factor);
            dz[i] = dy[i] * factor;
        }
        diff = bt->dz;
        diff_t = bt->dz_t;
        diff_buf = bt->dz_buf;
    }
    for (int i = bt->fused ? -1 : d->n_stages - 1; i >= 0; i--) {
        dnnl_memory_t src = i == 0 ? bt->z : bt->t;
        dnnl_memory_t dst = i == d->n_stages - 1 ? bt->y : bt->t;
        dnnl_exec_arg_t args[] = {
            d->stages[i].softmax ? (dnnl_exec_arg_t){DNNL_ARG_DST, dst}
                                 : (dnnl_exec_arg_t){DNNL_ARG_SRC, src},
            {DNNL_ARG_DIFF_DST, diff},
            {DNNL_ARG_DIFF_SRC, bt->dz},
        };
        LAYER_DNNL(host, "dense", layer_dnnl_exec(bt->stage_bwd[i], stream, 3, args));
        diff = bt->dz;
        diff_t = bt->dz_t;
        diff_buf = bt->dz_buf;
    }
    if (diff_t == bt->dy_t)
        LAYER_DNNL(host, "dense", dnnl_memory_set_data_handle(bt->dy_t, (void *)dy));

    if (bt->dw_t) {
        LAYER_DNNL(host, "dense", dnnl_memory_set_data_handle(bt->x_t, (void *)x));
        dnnl_exec_arg_t args[] = {
            {DNNL_ARG_SRC, bt->x_t},
            {DNNL_ARG_WEIGHTS, diff},
            {DNNL_ARG_DST, bt->dw},
        };
        LAYER_DNNL(host, "dense", layer_dnnl_exec(bt->bwd_weights, stream, 3, args));
    } else if (bt->dw) {
        dnnl_exec_arg_t args[] = {
            {DNNL_ARG_SRC, diff_t},
            {DNNL_ARG_WEIGHTS, bt->x},
            {DNNL_ARG_DST, bt->dw},
        };
        LAYER_DNNL(host, "dense", layer_dnnl_exec(bt->bwd_weights, stream, 3, args));
    }
    if (dx) {
        LAYER_DNNL(host, "dense", dnnl_memory_set_data_handle(bt->dx, dx));
        dnnl_exec_arg_t args[] = {
            {DNNL_ARG_SRC, diff},
            {DNNL_ARG_WEIGHTS, bt->w},
            {DNNL_ARG_DST, bt->dx},
        };
        LAYER_DNNL(host, "dense", layer_dnnl_exec(bt->bwd_data, stream, 3, args));
    }
    LAYER_DNNL(host, "dense", dnnl_stream_wait(stream));
    /* A pack's kernel gradients go back to the runs' own arrays, turned around when
     * they were computed transposed. */
    for (size_t r = 0; d->pack > 1 && d->dw && r < runs; r++) {
        size_t nw = d->n_out * d->n_in;
        float *restrict to = d->dw + r * d->w_stride;
        const float *restrict from = d->dw_pack + r * nw;
        if (!bt->dw_t) {
            memcpy(to, from, nw * sizeof(float));
            continue;
        }
        for (size_t o = 0; o < d->n_out; o++)
            for (size_t i = 0; i < d->n_in; i++)
                to[o * d->n_in + i] = from[i * d->n_out + o];
    }
    /* db: the sum of dz over each run's batch (the core's db never aliases dz). */
    for (size_t run = 0; d->db && run < runs; run++)
        dense_bias_grad(d->db + run * d->b_stride, diff_buf + run * batch * d->n_out, batch,
                        d->n_out);
out:
    return rc;
}

static void dense_destroy(void *state)
{
    dense *d = state;
    if (!d)
        return;
    for (size_t i = 0; i < d->n_batches; i++)
        dense_batch_free(d->batches[i]);
    g_free(d->batches);
    g_free(d->w_pack);
    g_free(d->b_pack);
    g_free(d->dw_pack);
    g_free(d);
}

FL_LAYER_PLUGIN("dense", "fully connected layer: act(x W^T + b) (Keras Dense)", dense_params,
                dense_opts, .flags = FL_LAYER_REUSABLE | FL_LAYER_PACKS, .create = dense_create,
                .bind = dense_bind, .forward = dense_forward, .backward = dense_backward,
                .destroy = dense_destroy);
