/* model.c — see model.h.  Layers are put in topological order of their `from` links; a
 * layer without `from` reads the one before it in the file (the first reads the data).
 * The wiring itself (no cycles, every layer read or an output) is checked by config.c,
 * where the file and line are known.
 * In backward, a layer read by several others (a shared trunk) sums their input
 * gradients: the first contribution is written straight into its dy, later ones go
 * through the scratch buffer and are added. */
#include "model.h"
#include "host.h"
#include "params.h"

#include <math.h>
#include <string.h>

static gboolean build_order(const experiment *e, int *order, int *input_of, GError **error)
{
    guint n = e->layers->len;
    g_autoptr(GHashTable) index = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < n; i++)
        g_hash_table_insert(index, ((layer_spec *)e->layers->pdata[i])->name, GINT_TO_POINTER(i));
    /* input_of[i]: file index of the layer i reads, -1 for the data. */
    for (guint i = 0; i < n; i++) {
        const layer_spec *l = e->layers->pdata[i];
        if (l->from)
            input_of[i] = GPOINTER_TO_INT(g_hash_table_lookup(index, l->from));
        else
            input_of[i] = (int)i - 1;
    }
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

static gboolean create_layers(model *m, const experiment *e, const int *order,
                              const int *input_of, GError **error)
{
    guint n = e->layers->len;
    g_autofree int *pos = g_new(int, n); /* file index -> topological position */
    for (guint k = 0; k < n; k++)
        pos[order[k]] = (int)k;
    gboolean any_output = FALSE;
    for (guint i = 0; i < n; i++)
        any_output |= ((layer_spec *)e->layers->pdata[i])->output;
    for (guint k = 0; k < n; k++) {
        const layer_spec *spec = e->layers->pdata[order[k]];
        model_layer *l = &m->layers[k];
        l->name = spec->name;
        l->where = spec->where;
        l->plugin = spec->layer.plugin;
        l->input = input_of[order[k]] < 0 ? -1 : pos[input_of[order[k]]];
        l->n_in = l->input < 0 ? m->n_in : m->layers[l->input].info.n_out;
        l->is_output = any_output ? spec->output : (guint)order[k] == n - 1;
        if (l->input >= 0)
            m->layers[l->input].n_consumers++;
        const fl_layer_ops *ops = l->plugin->ops;
        host_clear_error(m->host);
        if (ops->create(m->host, spec->layer.opts, l->n_in, &l->info, &l->state) < 0) {
            l->state = NULL;
            host_take_error(m->host, error, "model.%s (%s): ", l->name, l->plugin->name);
            return FALSE;
        }
        if (l->info.n_out == 0 || l->info.n_tensors > FL_MAX_TENSORS) {
            g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                        "model.%s (%s): the layer plugin reported %zu outputs and %zu tensors",
                        l->name, l->plugin->name, l->info.n_out, l->info.n_tensors);
            return FALSE;
        }
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
                offset += m->layers[k].info.n_out;
            }
    m->n_out = offset;
}

static gboolean init_tensors(model *m, fl_rng *init_rng, GError **error)
{
    size_t n_w = 0, n_state = 0;
    for (size_t k = 0; k < m->n_layers; k++) {
        model_layer *l = &m->layers[k];
        l->w_offset = n_w;
        for (size_t t = 0; t < l->info.n_tensors; t++) {
            if (l->info.tensors[t].trainable)
                n_w += l->info.tensors[t].n;
            else
                n_state += l->info.tensors[t].n;
        }
        l->w_count = n_w - l->w_offset;
    }
    m->n_w = n_w;
    m->n_state = n_state;
    m->w = g_new0(float, MAX(n_w, (size_t)1));
    m->dw = g_new0(float, MAX(n_w, (size_t)1));
    m->state = g_new0(float, MAX(n_state, (size_t)1));
    m->penalties = g_array_new(FALSE, FALSE, sizeof(model_penalty_term));
    size_t wo = 0, so = 0;
    for (size_t k = 0; k < m->n_layers; k++) {
        model_layer *l = &m->layers[k];
        for (size_t t = 0; t < l->info.n_tensors; t++) {
            const fl_tensor_spec *ts = &l->info.tensors[t];
            float *dst;
            if (ts->trainable) {
                dst = m->w + wo;
                l->grads[t] = m->dw + wo;
                if (ts->l1 > 0 || ts->l2 > 0) {
                    model_penalty_term term = {wo, ts->n, ts->l1, ts->l2};
                    g_array_append_val(m->penalties, term);
                }
                wo += ts->n;
            } else {
                dst = m->state + so;
                l->grads[t] = NULL;
                so += ts->n;
            }
            l->tensors[t] = dst;
            if (ts->init.plugin) {
                const fl_init_ops *ops = ts->init.plugin->ops;
                host_clear_error(m->host);
                if (ops->fill(m->host, ts->init.opts, dst, ts->n, ts->fan_in, ts->fan_out,
                              init_rng) < 0) {
                    host_take_error(m->host, error, "model.%s: %s initializer \"%s\": ", l->name,
                                    ts->name, ts->init.plugin->name);
                    return FALSE;
                }
            } else {
                for (size_t i = 0; i < ts->n; i++)
                    dst[i] = (float)ts->fill_value;
            }
        }
        const fl_layer_ops *ops = l->plugin->ops;
        host_clear_error(m->host);
        if (ops->bind(l->state, l->tensors, l->grads) < 0) {
            host_take_error(m->host, error, "model.%s (%s): ", l->name, l->plugin->name);
            return FALSE;
        }
    }
    return TRUE;
}

model *model_build(const experiment *e, size_t n_in, size_t n_out, size_t max_batch,
                   fl_host *host, fl_rng *init_rng, GError **error)
{
    guint n = e->layers->len;
    g_autofree int *order = g_new(int, n);
    g_autofree int *input_of = g_new(int, n);
    if (!build_order(e, order, input_of, error))
        return NULL;
    g_autoptr(model) m = g_new0(model, 1);
    m->host = host;
    m->n_layers = n;
    m->layers = g_new0(model_layer, n);
    m->n_in = n_in;
    m->max_batch = max_batch;
    if (!create_layers(m, e, order, input_of, error))
        return NULL;
    assign_out_offsets(m, e, order);
    if (m->n_out != n_out) {
        g_autoptr(GString) heads = g_string_new(NULL);
        const char *where = e->path;
        for (size_t k = 0; k < m->n_layers; k++)
            if (m->layers[k].is_output) {
                if (!heads->len)
                    where = m->layers[k].where;
                g_string_append_printf(heads, "%s%s (%zu)", heads->len ? ", " : "",
                                       m->layers[k].name, m->layers[k].info.n_out);
            }
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                    "%s: model: the output layers give %zu value%s [%s] but the dataset has "
                    "%zu target column%s: make the output units add up to %zu",
                    where, m->n_out, m->n_out == 1 ? "" : "s", heads->str, n_out,
                    n_out == 1 ? "" : "s", n_out);
        return NULL;
    }
    size_t widest = n_in;
    for (size_t k = 0; k < n; k++) {
        model_layer *l = &m->layers[k];
        widest = MAX(widest, MAX(l->info.n_out, l->n_in));
        l->y = g_new0(float, max_batch * l->info.n_out);
        l->dy = g_new0(float, max_batch * l->info.n_out);
    }
    m->x = g_new0(float, max_batch * n_in);
    m->pred = g_new0(float, max_batch * m->n_out);
    m->dpred = g_new0(float, max_batch * m->n_out);
    m->scratch = g_new0(float, max_batch * widest);
    if (!init_tensors(m, init_rng, error))
        return NULL;
    return g_steal_pointer(&m);
}

void model_free(model *m)
{
    if (!m)
        return;
    for (size_t k = 0; k < m->n_layers; k++) {
        model_layer *l = &m->layers[k];
        if (l->state)
            ((const fl_layer_ops *)l->plugin->ops)->destroy(l->state);
        g_free(l->y);
        g_free(l->dy);
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
    g_return_val_if_fail(batch <= m->max_batch, FALSE);
    for (size_t k = 0; k < m->n_layers; k++) {
        model_layer *l = &m->layers[k];
        const float *x = l->input < 0 ? m->x : m->layers[l->input].y;
        if (((const fl_layer_ops *)l->plugin->ops)->forward(l->state, l->y, x, batch, training,
                                                             rng) < 0) {
            host_take_error(m->host, error, "model.%s (%s) forward: ", l->name, l->plugin->name);
            return FALSE;
        }
        if (l->is_output) {
            size_t w = l->info.n_out;
            for (size_t r = 0; r < batch; r++)
                memcpy(m->pred + r * m->n_out + l->out_offset, l->y + r * w, w * sizeof(float));
        }
    }
    return TRUE;
}

gboolean model_backward(model *m, size_t batch, GError **error)
{
    for (size_t k = 0; k < m->n_layers; k++) {
        model_layer *l = &m->layers[k];
        l->dy_set = l->is_output;
        if (l->is_output) {
            size_t w = l->info.n_out;
            for (size_t r = 0; r < batch; r++)
                memcpy(l->dy + r * w, m->dpred + r * m->n_out + l->out_offset, w * sizeof(float));
        }
    }
    for (size_t k = m->n_layers; k-- > 0;) {
        model_layer *l = &m->layers[k];
        model_layer *src = l->input < 0 ? NULL : &m->layers[l->input];
        float *dx = NULL;
        if (src)
            dx = src->dy_set ? m->scratch : src->dy;
        const float *x = src ? src->y : m->x;
        if (((const fl_layer_ops *)l->plugin->ops)->backward(l->state, dx, l->dy, l->y, x,
                                                              batch) < 0) {
            host_take_error(m->host, error, "model.%s (%s) backward: ", l->name,
                            l->plugin->name);
            return FALSE;
        }
        if (src && src->dy_set) {
            size_t count = batch * src->info.n_out;
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
