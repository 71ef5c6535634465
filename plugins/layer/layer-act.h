/* layer-act.h — an activation as oneDNN eltwise/softmax primitives over a (rows, units)
 * tensor, for layers whose output is channels last (internal; each plugin compiles its own
 * copy).  An (B, H, W, C) output is the plain matrix (B*H*W, C), so a softmax "over the
 * units" is a softmax over the channels at every position (Keras' last axis).
 *
 * oneDNN 2.6 has no SELU: it is ELU(alpha) followed by a linear scale (lambda), hence up to
 * two stages.  Backward of an eltwise stage reads its input (kept by a training forward);
 * backward of a softmax reads its output.
 */
#ifndef FL_LAYER_ACT_H
#define FL_LAYER_ACT_H

#include <string.h>
#include "layer-dnnl.h"

/* Keras' SELU constants (tf.keras.activations.selu). */
#define LAYER_ACT_SELU_ALPHA 1.6732632423543772
#define LAYER_ACT_SELU_SCALE 1.0507009873554805

typedef struct layer_act_stage {
    bool softmax;
    dnnl_alg_kind_t alg;
    float alpha, beta;
} layer_act_stage;

typedef struct layer_act {
    int n_stages;
    layer_act_stage stages[2];
} layer_act;

/* The stages of an activation; false for an unknown kind. */
static inline bool layer_act_of(fl_activation act, layer_act *out)
{
    memset(out, 0, sizeof *out);
    layer_act_stage *s = out->stages;
    out->n_stages = 1;
    switch (act.kind) {
    case FL_ACT_LINEAR: out->n_stages = 0; break;
    case FL_ACT_RELU: s[0].alg = dnnl_eltwise_relu; break;
    case FL_ACT_LEAKY_RELU:
        s[0].alg = dnnl_eltwise_relu;
        s[0].alpha = (float)act.alpha;
        break;
    case FL_ACT_ELU:
        s[0].alg = dnnl_eltwise_elu;
        s[0].alpha = (float)act.alpha;
        break;
    case FL_ACT_SELU:
        s[0].alg = dnnl_eltwise_elu;
        s[0].alpha = (float)LAYER_ACT_SELU_ALPHA;
        s[1].alg = dnnl_eltwise_linear;
        s[1].alpha = (float)LAYER_ACT_SELU_SCALE;
        out->n_stages = 2;
        break;
    case FL_ACT_SIGMOID: s[0].alg = dnnl_eltwise_logistic; break;
    case FL_ACT_TANH: s[0].alg = dnnl_eltwise_tanh; break;
    case FL_ACT_SOFTMAX: s[0].softmax = true; break;
    case FL_ACT_SOFTPLUS: s[0].alg = dnnl_eltwise_soft_relu; break;
    default: return false;
    }
    return true;
}

/* Forward and backward primitives of stage i over md (the (rows, units) plain matrix). */
static inline dnnl_status_t layer_act_primitives(const layer_act_stage *s,
                                                 const dnnl_memory_desc_t *md,
                                                 dnnl_engine_t engine, dnnl_primitive_t *fwd,
                                                 dnnl_primitive_t *bwd)
{
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t st;
    if (s->softmax) {
        dnnl_softmax_desc_t sm;
        if ((st = dnnl_softmax_forward_desc_init(&sm, dnnl_forward_training, md, 1)) ||
            (st = layer_dnnl_primitive(fwd, &pd, &sm, engine, NULL)) ||
            (st = dnnl_softmax_backward_desc_init(&sm, md, md, 1)))
            goto out;
        st = layer_dnnl_primitive(bwd, NULL, &sm, engine, pd);
    } else {
        dnnl_eltwise_desc_t el;
        if ((st = dnnl_eltwise_forward_desc_init(&el, dnnl_forward_training, s->alg, md,
                                                 s->alpha, s->beta)) ||
            (st = layer_dnnl_primitive(fwd, &pd, &el, engine, NULL)) ||
            (st = dnnl_eltwise_backward_desc_init(&el, s->alg, md, md, s->alpha, s->beta)))
            goto out;
        st = layer_dnnl_primitive(bwd, NULL, &el, engine, pd);
    }
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    return st;
}

#endif
