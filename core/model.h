/* model.h — the network of a run: layer plugins wired by `from`, the parameter arrays the
 * core owns, the activation buffers, and forward/backward over a batch.
 *
 * Trainable tensors of all layers live in one flat array `w` (gradients in `dw`, same
 * layout), so penalties, the optimizer and the probes each make one pass over n floats;
 * each layer's tensors are contiguous in it.  Non-trainable state (moving statistics)
 * lives in `state`. */
#ifndef FL_MODEL_H
#define FL_MODEL_H

#include <glib.h>
#include <flatline/plugin.h>
#include "config.h"

typedef struct model_layer {
    const char *name;         /* borrowed from the experiment */
    const char *where;        /* "file.cfg:12" of its group (borrowed) */
    const fl_plugin *plugin;
    void *state;
    fl_layer_info info;       /* as create() described the layer; info.tensors is the layer's */
    fl_shape in_shape;        /* one input sample */
    size_t n_in, n_out;       /* values per sample in and out */
    int input;                /* index (topological order) of the layer read, -1: the data */
    int n_consumers;
    gboolean is_output;
    size_t out_offset;        /* first column of this head in the model output */
    float *y, *dy;            /* (max_batch, n_out) */
    gboolean dy_set;          /* during backward: dy holds a first contribution */
    float **tensors, **grads; /* (info.n_tensors) views into model.w / model.state */
    size_t w_offset, w_count; /* the layer's trainable floats in model.w */
} model_layer;

/* Tensor t of a layer, as the layer described it (read with the layer's stride). */
static inline const fl_tensor_spec *model_tensor(const model_layer *l, size_t t)
{
    return FL_AT_CONST(fl_tensor_spec, l->info.tensors, l->info.tensor_stride, t);
}

typedef struct model_penalty_term {
    size_t offset, n;
    double l1, l2;
} model_penalty_term;

typedef struct model {
    fl_host *host;
    size_t n_layers;
    model_layer *layers;  /* topological order */
    size_t n_in, n_out, max_batch;
    float *w, *dw;        /* (n_w) trainable parameters and their gradients */
    size_t n_w;
    float *state;         /* (n_state) non-trainable tensors */
    size_t n_state;
    float *x;             /* (max_batch, n_in): the batch to run */
    float *pred;          /* (max_batch, n_out): the concatenated heads */
    float *dpred;         /* (max_batch, n_out): loss gradient */
    float *scratch;       /* (max_batch, widest layer) */
    GArray *penalties;    /* model_penalty_term */
} model;

/* Build, initialize (with init_rng) and bind every layer.  in_shape: one input sample of
 * the data (rank 0: n_in flat values); n_out: the data's target width, which the
 * concatenated heads must match.  Before allocating anything large, the parameters, their
 * gradients, the optimizer's state and the activations of a max_batch batch are weighed
 * against the memory this process may use: a model that cannot fit is refused naming the
 * bytes it needs and its largest layer. */
model *model_build(const experiment *e, const fl_shape *in_shape, size_t n_in, size_t n_out,
                   size_t max_batch, fl_host *host, fl_rng *init_rng, GError **error);
/* Whether every layer is FL_LAYER_REUSABLE: the model may then train the next run of the
 * same configuration after model_reinit, keeping its layers' primitives. */
gboolean model_reusable(const model *m);
/* Initialize the tensors anew from init_rng, exactly as model_build would with it, and clear
 * the gradients.  Only for a reusable model. */
gboolean model_reinit(model *m, fl_rng *init_rng, GError **error);
void model_free(model *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(model, model_free)

/* pred (B, n_out) from x (B, n_in). */
gboolean model_forward(model *m, size_t batch, gboolean training, fl_rng *rng, GError **error);
/* dw from dpred (B, n_out), after a training forward of the same batch. */
gboolean model_backward(model *m, size_t batch, GError **error);
/* The L1/L2 penalty of the current weights, and its gradient added into dw. */
double model_penalty(const model *m);
void model_add_penalty_grad(model *m);

#endif
