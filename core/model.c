/* model.c — see model.h.  Layers are put in topological order of their `from` links; a
 * layer without `from` reads the one before it in the file (the first reads the data), and
 * `from = "(data)"` reads the data wherever the layer stands.
 * The wiring itself (no cycles, every layer read or an output) is checked by config.c,
 * where the file and line are known.
 * In backward, a layer read by several others (a shared trunk) sums their input
 * gradients: the first contribution is written straight into its dy, later ones go
 * through the scratch buffer and are added. */
#include "model.h"
#include "host.h"
#include "memory.h"
#include "params.h"

#include <math.h>
#include <string.h>

static gboolean build_order(const experiment *e, int *order, int *input_of, GError **error)
{
    guint n = e->layers->len;
    /* input_of[i]: file index of the layer i reads, -1 for the data. */
    for (guint i = 0; i < n; i++)
        input_of[i] = experiment_layer_input(e, i);
    /* Kahn's algorithm, taking the earliest ready layer in file order each time. */
    g_autofree gboolean *placed = g_new0(gboolean, n);
    for (guint k = 0; k < n; k++) {
        int pick = -1;
        for (guint i = 0; i < n && pick < 0; i++)
            if (!placed[i] && (input_of[i] < 0 || placed[input_of[i]]))
                pick = (int)i;
        if (pick < 0) {
            /* config.c refuses cycles with the file and line; this is a last guard. */
            g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                        "model: the layers read each other in a cycle");
            return FALSE;
        }
        placed[pick] = TRUE;
        order[k] = pick;
    }
    return TRUE;
}

/* What the core needs of a tensor spec: a struct reaching `trainable` (ABI 2.0). */
#define MODEL_SPEC_MIN (offsetof(fl_tensor_spec, trainable) + sizeof(bool))

/* Check what create() reported: a shape with values, units that divide it, a readable
 * tensor list. */
static gboolean check_info(model_layer *l, GError **error)
{
    fl_layer_info *info = &l->info;
    const fl_shape *out = &info->out_shape;
    gboolean shape_ok = out->rank >= 1 && out->rank <= FL_MAX_RANK;
    for (uint32_t i = 0; shape_ok && i < out->rank; i++)
        shape_ok = out->dims[i] > 0;
    if (!shape_ok) {
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                    "model.%s (%s): the layer plugin reported an output shape of rank %u "
                    "without values (a bug in the plugin)",
                    l->name, l->plugin->name, out->rank);
        return FALSE;
    }
    l->n_out = fl_shape_count(out);
    if (info->units == 0)
        info->units = out->dims[out->rank - 1];
    if (l->n_out % info->units != 0) {
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                    "model.%s (%s): the layer plugin reported %zu units, which do not divide "
                    "its %zu output values (a bug in the plugin)",
                    l->name, l->plugin->name, info->units, l->n_out);
        return FALSE;
    }
    if (info->n_tensors && (!info->tensors || info->tensor_stride < MODEL_SPEC_MIN)) {
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                    "model.%s (%s): the layer plugin reported %zu tensors without a list of "
                    "them %zu bytes apart or more (a bug in the plugin)",
                    l->name, l->plugin->name, info->n_tensors, (size_t)MODEL_SPEC_MIN);
        return FALSE;
    }
    for (size_t t = 0; t < info->n_tensors; t++)
        if (model_tensor(l, t)->size < MODEL_SPEC_MIN) {
            g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                        "model.%s (%s): tensor %zu is described in %u bytes, fewer than the "
                        "%zu of ABI 2.0 (set its size to sizeof(fl_tensor_spec))",
                        l->name, l->plugin->name, t, model_tensor(l, t)->size,
                        (size_t)MODEL_SPEC_MIN);
            return FALSE;
        }
    return TRUE;
}

static gboolean create_layers(model *m, const experiment *e, const int *order, const int *input_of,
                              const fl_shape *in_shape, GError **error)
{
    guint n = e->layers->len;
    g_autofree int *pos = g_new(int, n); /* file index -> topological position */
    for (guint k = 0; k < n; k++)
        pos[order[k]] = (int)k;
    for (guint k = 0; k < n; k++) {
        const layer_spec *spec = e->layers->pdata[order[k]];
        model_layer *l = &m->layers[k];
        l->name = spec->name;
        l->where = spec->where;
        l->plugin = spec->layer.plugin;
        l->input = input_of[order[k]] < 0 ? -1 : pos[input_of[order[k]]];
        l->in_shape = l->input < 0 ? *in_shape : m->layers[l->input].info.out_shape;
        l->n_in = fl_shape_count(&l->in_shape);
        l->is_output = experiment_layer_is_output(e, (guint)order[k]);
        if (l->input >= 0)
            m->layers[l->input].n_consumers++;
        l->info.size = sizeof(fl_layer_info);
        host_clear_error(m->host);
        if (l->plugin->ops.layer->create(m->host, spec->layer.opts, &l->in_shape, &l->info,
                                         &l->state) < 0) {
            l->state = NULL;
            host_take_error(m->host, error, "model.%s (%s): ", l->name, l->plugin->name);
            return FALSE;
        }
        if (!check_info(l, error))
            return FALSE;
    }
    return TRUE;
}

/* Heads are concatenated in file order, not topological order. */
static void assign_out_offsets(model *m, const experiment *e, const int *order)
{
    size_t offset = 0;
    for (guint i = 0; i < e->layers->len; i++)
        for (size_t k = 0; k < m->n_layers; k++)
            if ((guint)order[k] == i && m->layers[k].is_output) {
                m->layers[k].out_offset = offset;
                offset += m->layers[k].n_out;
            }
    m->n_out = offset;
}

/* Bytes the model's arrays take: the trainable floats with their gradients and n_slots
 * floats of optimizer state each, the non-trainable ones, and the activations (output and
 * its gradient) of a max_batch batch; *largest: the layer that takes most. */
static guint64 model_bytes(const model *m, size_t n_slots, size_t *largest, guint64 *largest_bytes)
{
    guint64 total = 0, widest = m->n_in;
    *largest = 0;
    *largest_bytes = 0;
    for (size_t k = 0; k < m->n_layers; k++) {
        const model_layer *l = &m->layers[k];
        guint64 floats = 2 * (guint64)m->max_batch * l->n_out;
        for (size_t t = 0; t < l->info.n_tensors; t++) {
            const fl_tensor_spec *ts = model_tensor(l, t);
            floats += ts->trainable ? (2 + (guint64)n_slots) * ts->n : ts->n;
        }
        guint64 bytes = floats * sizeof(float);
        if (bytes > *largest_bytes) {
            *largest = k;
            *largest_bytes = bytes;
        }
        total += bytes;
        widest = MAX(widest, MAX(l->n_out, l->n_in));
    }
    /* The batch, the concatenated heads and their gradient, the scratch buffer. */
    total += (guint64)m->max_batch * (m->n_in + 2 * m->n_out + widest) * sizeof(float);
    *largest_bytes *= m->pack;
    return total * m->pack;
}

static gboolean check_memory(const model *m, const experiment *e, GError **error)
{
    const fl_optimizer_ops *opt = e->optimizer.plugin->ops.optimizer;
    size_t n_slots = opt->n_slots(e->optimizer.opts);
    size_t k;
    guint64 layer_bytes;
    guint64 need = model_bytes(m, n_slots, &k, &layer_bytes);
    const char *what;
    guint64 limit = memory_limit(&what);
    if (need <= limit)
        return TRUE;
    const model_layer *l = &m->layers[k];
    g_autofree char *need_text = memory_format(need);
    g_autofree char *limit_text = memory_format(limit);
    g_autofree char *layer_text = memory_format(layer_bytes);
    g_set_error(error, FL_HOST_ERROR, HOST_ERROR_MEMORY,
                "%s: model.%s (%s): the model would need %s (%" G_GUINT64_FORMAT " bytes) for "
                "its weights, their gradients, the optimizer's state and the activations of a "
                "batch of %zu, more than the %s of %s (%" G_GUINT64_FORMAT " bytes); model.%s "
                "alone takes %s: make it smaller or lower train.batch",
                l->where, l->name, l->plugin->name, need_text, need, m->max_batch, limit_text, what,
                limit, l->name, layer_text);
    return FALSE;
}

static gboolean alloc_arrays(model *m, GError **error)
{
    size_t n_w = 0, n_state = 0, widest = m->n_in;
    for (size_t k = 0; k < m->n_layers; k++) {
        model_layer *l = &m->layers[k];
        l->w_offset = n_w;
        for (size_t t = 0; t < l->info.n_tensors; t++) {
            const fl_tensor_spec *ts = model_tensor(l, t);
            if (ts->trainable)
                n_w += ts->n;
            else
                n_state += ts->n;
        }
        l->w_count = n_w - l->w_offset;
        widest = MAX(widest, MAX(l->n_out, l->n_in));
    }
    m->n_w = n_w;
    m->n_state = n_state;
    /* A pack's arrays hold its runs one after another. */
    size_t P = m->pack, B = m->max_batch * P;
    if (!(m->w = host_try_new0(P * n_w, sizeof(float), "the weights", error)) ||
        !(m->dw = host_try_new0(P * n_w, sizeof(float), "the gradients", error)) ||
        !(m->state = host_try_new0(P * n_state, sizeof(float), "the layers' state", error)) ||
        !(m->x = host_try_new0(B * m->n_in, sizeof(float), "the input batch", error)) ||
        !(m->pred = host_try_new0(B * m->n_out, sizeof(float), "the predictions", error)) ||
        !(m->dpred = host_try_new0(B * m->n_out, sizeof(float), "the loss gradient", error)) ||
        !(m->scratch = host_try_new0(B * widest, sizeof(float), "the scratch buffer", error)))
        return FALSE;
    for (size_t k = 0; k < m->n_layers; k++) {
        model_layer *l = &m->layers[k];
        g_autofree char *what = g_strdup_printf("the activations of model.%s", l->name);
        if (!(l->y = host_try_new0(B * l->n_out, sizeof(float), what, error)) ||
            !(l->dy = host_try_new0(B * l->n_out, sizeof(float), what, error)))
            return FALSE;
    }
    return TRUE;
}

/* Fill layer l's tensors: its initializer's draws from init_rng, or its constant.  l may
 * be a member's: its tensors are that run's. */
static gboolean fill_tensors(model *m, model_layer *l, fl_rng *init_rng, GError **error)
{
    for (size_t t = 0; t < l->info.n_tensors; t++) {
        const fl_tensor_spec *ts = model_tensor(l, t);
        float *dst = l->tensors[t];
        if (ts->init.plugin) {
            host_clear_error(m->host);
            if (ts->init.plugin->ops.init->fill(m->host, ts->init.opts, dst, ts->n, ts->fan_in,
                                                ts->fan_out, init_rng) < 0) {
                host_take_error(m->host, error, "model.%s: %s initializer \"%s\": ", l->name,
                                ts->name, ts->init.plugin->name);
                return FALSE;
            }
        } else {
            for (size_t i = 0; i < ts->n; i++)
                dst[i] = (float)ts->fill_value;
        }
    }
    return TRUE;
}

/* The members of a pack: each a copy of the model whose arrays are its run's. */
static void make_members(model *m)
{
    m->members = g_new0(model, m->pack);
    for (size_t r = 0; r < m->pack; r++) {
        model *v = &m->members[r];
        *v = *m;
        v->pack = v->runs = 1;
        v->members = NULL;
        v->owner = m;
        v->w = m->w + r * m->n_w;
        v->dw = m->dw + r * m->n_w;
        v->state = m->state + r * m->n_state;
        v->scratch = NULL;
        v->layers = g_memdup2(m->layers, m->n_layers * sizeof(model_layer));
        for (size_t k = 0; k < m->n_layers; k++) {
            model_layer *l = &v->layers[k], *src = &m->layers[k];
            size_t n = MAX(l->info.n_tensors, (size_t)1);
            l->tensors = g_new0(float *, n);
            l->grads = g_new0(float *, n);
            for (size_t t = 0; t < l->info.n_tensors; t++) {
                gboolean trainable = src->grads[t] != NULL;
                l->tensors[t] = src->tensors[t] + r * (trainable ? m->n_w : m->n_state);
                l->grads[t] = trainable ? src->grads[t] + r * m->n_w : NULL;
            }
        }
    }
    model_set_batch(m, m->max_batch);
}

static gboolean init_tensors(model *m, fl_rng *const *init_rngs, GError **error)
{
    m->penalties = g_array_new(FALSE, FALSE, sizeof(model_penalty_term));
    size_t wo = 0, so = 0;
    for (size_t k = 0; k < m->n_layers; k++) {
        model_layer *l = &m->layers[k];
        l->tensors = g_new0(float *, MAX(l->info.n_tensors, (size_t)1));
        l->grads = g_new0(float *, MAX(l->info.n_tensors, (size_t)1));
        for (size_t t = 0; t < l->info.n_tensors; t++) {
            const fl_tensor_spec *ts = model_tensor(l, t);
            if (ts->trainable) {
                l->tensors[t] = m->w + wo;
                l->grads[t] = m->dw + wo;
                if (ts->l1 > 0 || ts->l2 > 0) {
                    model_penalty_term term = {wo, ts->n, ts->l1, ts->l2};
                    g_array_append_val(m->penalties, term);
                }
                wo += ts->n;
            } else {
                l->tensors[t] = m->state + so;
                l->grads[t] = NULL;
                so += ts->n;
            }
        }
        if (m->pack == 1 && !fill_tensors(m, l, init_rngs[0], error))
            return FALSE;
        g_autofree size_t *strides = g_new0(size_t, MAX(l->info.n_tensors, (size_t)1));
        for (size_t t = 0; t < l->info.n_tensors; t++)
            strides[t] = model_tensor(l, t)->trainable ? m->n_w : m->n_state;
        fl_bind bind = {.size = sizeof bind,
                        .tensors = l->tensors,
                        .grads = l->grads,
                        .pack = m->pack,
                        .pack_strides = strides};
        host_clear_error(m->host);
        if (l->plugin->ops.layer->bind(l->state, &bind) < 0) {
            host_take_error(m->host, error, "model.%s (%s): ", l->name, l->plugin->name);
            return FALSE;
        }
    }
    if (m->pack == 1)
        return TRUE;
    /* Each run draws its tensors from its own stream, layer by layer as one run does. */
    make_members(m);
    for (size_t r = 0; r < m->pack; r++)
        if (!model_reinit_member(m, r, init_rngs[r], error))
            return FALSE;
    return TRUE;
}

model *model_build(const experiment *e, const fl_shape *in_shape, size_t n_in, size_t n_out,
                   size_t max_batch, fl_host *host, fl_rng *init_rng, GError **error)
{
    return model_build_pack(e, in_shape, n_in, n_out, max_batch, 1, host, &init_rng, error);
}

/* A model of e's layers, created in topological order (order: e->layers->len entries,
 * filled), nothing else allocated yet. */
static model *model_with_layers(const experiment *e, const fl_shape *in_shape, size_t n_in,
                                fl_host *host, int *order, GError **error)
{
    guint n = e->layers->len;
    g_autofree int *input_of = g_new(int, n);
    if (!build_order(e, order, input_of, error))
        return NULL;
    /* Flat data is one sample of (n_in) values. */
    fl_shape data_shape = {.rank = 1, .dims = {(uint32_t)n_in}};
    if (in_shape && in_shape->rank)
        data_shape = *in_shape;
    g_autoptr(model) m = g_new0(model, 1);
    m->host = host;
    m->n_layers = n;
    m->layers = g_new0(model_layer, n);
    m->n_in = n_in;
    if (!create_layers(m, e, order, input_of, &data_shape, error))
        return NULL;
    return g_steal_pointer(&m);
}

gboolean model_count_weights(const experiment *e, const fl_shape *in_shape, size_t n_in,
                             fl_host *host, size_t *n_w)
{
    g_autofree int *order = g_new(int, e->layers->len);
    g_autoptr(model) m = model_with_layers(e, in_shape, n_in, host, order, NULL);
    if (!m)
        return FALSE;
    *n_w = 0;
    for (size_t k = 0; k < m->n_layers; k++)
        for (size_t t = 0; t < m->layers[k].info.n_tensors; t++)
            if (model_tensor(&m->layers[k], t)->trainable)
                *n_w += model_tensor(&m->layers[k], t)->n;
    return TRUE;
}

gboolean model_packs(const experiment *e)
{
    for (guint i = 0; i < e->layers->len; i++) {
        unsigned flags = ((layer_spec *)e->layers->pdata[i])->layer.plugin->ops.layer->flags;
        if (!(flags & FL_LAYER_PACKS) || !(flags & FL_LAYER_REUSABLE))
            return FALSE;
    }
    return TRUE;
}

model *model_build_pack(const experiment *e, const fl_shape *in_shape, size_t n_in,
                        size_t n_out, size_t max_batch, size_t pack, fl_host *host,
                        fl_rng *const *init_rngs, GError **error)
{
    g_return_val_if_fail(pack >= 1 && (pack == 1 || model_packs(e)), NULL);
    g_autofree int *order = g_new(int, e->layers->len);
    g_autoptr(model) m = model_with_layers(e, in_shape, n_in, host, order, error);
    if (!m)
        return NULL;
    m->max_batch = max_batch;
    m->pack = pack;
    m->runs = pack;
    assign_out_offsets(m, e, order);
    if (m->n_out != n_out) {
        g_autoptr(GString) heads = g_string_new(NULL);
        const char *where = e->path;
        for (size_t k = 0; k < m->n_layers; k++)
            if (m->layers[k].is_output) {
                if (!heads->len)
                    where = m->layers[k].where;
                g_string_append_printf(heads, "%s%s (%zu)", heads->len ? ", " : "",
                                       m->layers[k].name, m->layers[k].n_out);
            }
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                    "%s: model: the output layers give %zu value%s [%s] but the dataset has "
                    "%zu target column%s: make the output units add up to %zu",
                    where, m->n_out, m->n_out == 1 ? "" : "s", heads->str, n_out,
                    n_out == 1 ? "" : "s", n_out);
        return NULL;
    }
    if (!check_memory(m, e, error) || !alloc_arrays(m, error) || !init_tensors(m, init_rngs, error))
        return NULL;
    return g_steal_pointer(&m);
}

gboolean model_reusable(const model *m)
{
    for (size_t k = 0; k < m->n_layers; k++)
        if (!(m->layers[k].plugin->ops.layer->flags & FL_LAYER_REUSABLE))
            return FALSE;
    return TRUE;
}

gboolean model_reinit_member(model *m, size_t r, fl_rng *init_rng, GError **error)
{
    g_return_val_if_fail(model_reusable(m) && r < m->pack, FALSE);
    model *v = model_member(m, r);
    /* The same draws in the same order as model_build: the weights are a new model's. */
    for (size_t k = 0; k < v->n_layers; k++)
        if (!fill_tensors(m, &v->layers[k], init_rng, error))
            return FALSE;
    memset(v->dw, 0, v->n_w * sizeof(float));
    return TRUE;
}

void model_set_runs(model *m, size_t runs)
{
    m->runs = CLAMP(runs, (size_t)1, m->pack);
}

void model_move_run(model *m, size_t from, size_t to)
{
    if (from == to)
        return;
    memcpy(m->w + to * m->n_w, m->w + from * m->n_w, m->n_w * sizeof(float));
    memcpy(m->state + to * m->n_state, m->state + from * m->n_state, m->n_state * sizeof(float));
}

model *model_member(model *m, size_t r)
{
    return m->pack == 1 ? m : &m->members[r];
}

void model_set_batch(model *m, size_t batch)
{
    for (size_t r = 0; r < m->pack && m->pack > 1; r++) {
        model *v = &m->members[r];
        v->x = m->x + r * batch * m->n_in;
        v->pred = m->pred + r * batch * m->n_out;
        v->dpred = m->dpred + r * batch * m->n_out;
        for (size_t k = 0; k < m->n_layers; k++) {
            v->layers[k].y = m->layers[k].y + r * batch * m->layers[k].n_out;
            v->layers[k].dy = m->layers[k].dy + r * batch * m->layers[k].n_out;
        }
    }
}

void model_free(model *m)
{
    if (!m)
        return;
    for (size_t r = 0; m->members && r < m->pack; r++) {
        for (size_t k = 0; k < m->n_layers; k++) {
            g_free(m->members[r].layers[k].tensors);
            g_free(m->members[r].layers[k].grads);
        }
        g_free(m->members[r].layers);
    }
    g_free(m->members);
    for (size_t k = 0; k < m->n_layers; k++) {
        model_layer *l = &m->layers[k];
        if (l->state)
            l->plugin->ops.layer->destroy(l->state);
        g_free(l->y);
        g_free(l->dy);
        g_free(l->tensors);
        g_free(l->grads);
    }
    g_free(m->layers);
    g_free(m->w);
    g_free(m->dw);
    g_free(m->state);
    g_free(m->x);
    g_free(m->pred);
    g_free(m->dpred);
    g_free(m->scratch);
    if (m->penalties)
        g_array_free(m->penalties, TRUE);
    g_free(m);
}

gboolean model_forward(model *m, size_t batch, gboolean training, fl_rng *rng, GError **error)
{
    g_return_val_if_fail(batch <= m->max_batch && !m->owner, FALSE);
    size_t rows = batch * m->runs; /* the runs' batches one after another */
    fl_pass pass = {
        .size = sizeof pass, .batch = batch, .training = training, .rng = rng, .runs = m->runs};
    for (size_t k = 0; k < m->n_layers; k++) {
        model_layer *l = &m->layers[k];
        const float *x = l->input < 0 ? m->x : m->layers[l->input].y;
        host_clear_error(m->host);
        if (l->plugin->ops.layer->forward(l->state, &pass, l->y, x) < 0) {
            host_take_error(m->host, error, "model.%s (%s) forward: ", l->name, l->plugin->name);
            return FALSE;
        }
        if (l->is_output && l->n_out == m->n_out) {
            memcpy(m->pred, l->y, rows * m->n_out * sizeof(float)); /* the only head */
        } else if (l->is_output) {
            size_t w = l->n_out;
            for (size_t r = 0; r < rows; r++)
                memcpy(m->pred + r * m->n_out + l->out_offset, l->y + r * w, w * sizeof(float));
        }
    }
    return TRUE;
}

gboolean model_backward(model *m, size_t batch, GError **error)
{
    g_return_val_if_fail(!m->owner, FALSE);
    size_t rows = batch * m->runs;
    for (size_t k = 0; k < m->n_layers; k++) {
        model_layer *l = &m->layers[k];
        l->dy_set = l->is_output;
        if (l->is_output && l->n_out == m->n_out) {
            memcpy(l->dy, m->dpred, rows * m->n_out * sizeof(float)); /* the only head */
        } else if (l->is_output) {
            size_t w = l->n_out;
            for (size_t r = 0; r < rows; r++)
                memcpy(l->dy + r * w, m->dpred + r * m->n_out + l->out_offset, w * sizeof(float));
        }
    }
    fl_pass pass = {.size = sizeof pass, .batch = batch, .training = true, .runs = m->runs};
    for (size_t k = m->n_layers; k-- > 0;) {
        model_layer *l = &m->layers[k];
        model_layer *src = l->input < 0 ? NULL : &m->layers[l->input];
        float *dx = NULL;
        if (src)
            dx = src->dy_set ? m->scratch : src->dy;
        const float *x = src ? src->y : m->x;
        host_clear_error(m->host);
        if (l->plugin->ops.layer->backward(l->state, &pass, dx, l->dy, l->y, x) < 0) {
            host_take_error(m->host, error, "model.%s (%s) backward: ", l->name,
                            l->plugin->name);
            return FALSE;
        }
        if (src && src->dy_set) {
            size_t count = rows * src->n_out;
            for (size_t i = 0; i < count; i++)
                src->dy[i] += m->scratch[i];
        }
        if (src)
            src->dy_set = TRUE;
    }
    return TRUE;
}

double model_penalty(const model *m)
{
    double total = 0;
    for (guint p = 0; p < m->penalties->len; p++) {
        const model_penalty_term *t = &g_array_index(m->penalties, model_penalty_term, p);
        double s1 = 0, s2 = 0;
        for (size_t i = 0; i < t->n; i++) {
            double w = m->w[t->offset + i];
            s1 += fabs(w);
            s2 += w * w;
        }
        total += t->l1 * s1 + t->l2 * s2;
    }
    return total;
}

void model_add_penalty_grad(model *m)
{
    for (guint p = 0; p < m->penalties->len; p++) {
        const model_penalty_term *t = &g_array_index(m->penalties, model_penalty_term, p);
        for (size_t i = 0; i < t->n; i++) {
            float w = m->w[t->offset + i];
            float sign = (float)((w > 0) - (w < 0));
            m->dw[t->offset + i] += (float)(t->l1 * sign + 2.0 * t->l2 * w);
        }
    }
}
