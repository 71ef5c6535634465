/* model.h — the network of a run: layer plugins wired by `from`, the parameter arrays the
 * core owns, the activation buffers, and forward/backward over a batch.
 *
 * Trainable tensors of all layers live in one flat array `w` (gradients in `dw`, same
 * layout), so penalties, the optimizer and the probes each make one pass over n floats;
 * each layer's tensors are contiguous in it.  Non-trainable state (moving statistics)
 * lives in `state`.
 *
 * A model may hold a pack of runs of one configuration (model_build_pack), trained
 * together by layers that can (FL_LAYER_PACKS): every array holds the runs one after
 * another (run r's weights n_w floats after run r-1's; a batch's buffers (pack, B, n)).
 * Each run is also seen as a model of its own, model_member(): its weights, gradients,
 * batch, predictions and activations, for everything that works on one run (loss,
 * penalties, optimizer, probes); forward and backward run on the pack. */
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
    size_t pack;          /* runs trained together (1: one) */
    size_t runs;          /* of them, the first `runs` are computed (model_set_runs) */
    struct model *members; /* (pack) views of each run, when pack > 1 */
    struct model *owner;  /* for a member: its pack */
} model;

/* Build, initialize (with init_rng) and bind every layer.  in_shape: one input sample of
 * the data (rank 0: n_in flat values); n_out: the data's target width, which the
 * concatenated heads must match.  Before allocating anything large, the parameters, their
 * gradients, the optimizer's state and the activations of a max_batch batch are weighed
 * against the memory this process may use: a model that cannot fit is refused naming the
 * bytes it needs and its largest layer. */
model *model_build(const experiment *e, const fl_shape *in_shape, size_t n_in, size_t n_out,
                   size_t max_batch, fl_host *host, fl_rng *init_rng, GError **error);
/* The same for a pack of runs, run r's tensors drawn from init_rngs[r]; pack > 1 only when
 * model_packs(e). */
model *model_build_pack(const experiment *e, const fl_shape *in_shape, size_t n_in,
                        size_t n_out, size_t max_batch, size_t pack, fl_host *host,
                        fl_rng *const *init_rngs, GError **error);
/* Whether e's layers can train a pack of runs: each FL_LAYER_PACKS and FL_LAYER_REUSABLE. */
gboolean model_packs(const experiment *e);
/* The trainable floats of one run of e's model, from its layers' descriptions alone
 * (nothing allocated for the tensors); FALSE when a layer refuses its configuration. */
gboolean model_count_weights(const experiment *e, const fl_shape *in_shape, size_t n_in,
                             fl_host *host, size_t *n_w);
/* Run r of the pack, as a model of its own (m itself when it holds one run).  Its batch
 * buffers are those of the last model_set_batch. */
model *model_member(model *m, size_t r);
/* Point the members' batch buffers (x, pred, dpred, the layers' y and dy) at their place
 * for batches of B: call before filling a batch of that size or reading its results. */
void model_set_batch(model *m, size_t batch);
/* Compute only the first `runs` runs of the pack from now on (all of them after a build or
 * a reinit); model_move_run puts a run still training in a place among them. */
void model_set_runs(model *m, size_t runs);
/* Copy run `from`'s tensors (weights and layer state) over run `to`'s. */
void model_move_run(model *m, size_t from, size_t to);
/* Whether every layer is FL_LAYER_REUSABLE: the model may then train the next run of the
 * same configuration after model_reinit_member, keeping its layers' primitives. */
gboolean model_reusable(const model *m);
/* Initialize run r's tensors anew from init_rng, exactly as model_build(_pack) would with
 * it, and clear its gradients.  Only for a reusable model. */
gboolean model_reinit_member(model *m, size_t r, fl_rng *init_rng, GError **error);
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
