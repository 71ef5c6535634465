/* probes.c — see probes.h. */
#include "probes.h"
#include "host.h"
#include "params.h"

#include <math.h>
#include <string.h>

struct probe_book {
    model *m;
    const experiment *e;
    fl_probes p;
    fl_layer_desc *descs;
    GArray *history;       /* fl_epoch_probe */
    GPtrArray *blocks;     /* per-epoch arrays the history points into */
    float *probe_y;
    float *probe_pred;
    double *target_min, *target_max, *class_fraction;
    float *w_start;        /* (n_w) weights at the start of the epoch */
    double *grad_sum;      /* (n_layers) sum over the epoch's steps of each gradient norm */
    size_t steps;
    GString *csv;
};

static double norm_of(const float *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)v[i] * v[i];
    return sqrt(s);
}

static void csv_value(GString *s, double v)
{
    if (isnan(v))
        g_string_append(s, ",nan");
    else if (isinf(v))
        g_string_append(s, v > 0 ? ",inf" : ",-inf");
    else
        g_string_append_printf(s, ",%.9g", v);
}

/* The loss of predicting the training mean for every training row. */
static gboolean baseline_loss(const experiment *e, const data_split *d, double *out,
                              fl_host *host, GError **error)
{
    const fl_loss_ops *ops = e->loss.plugin->ops;
    size_t chunk = 256;
    g_autofree float *pred = g_new(float, chunk * d->n_out);
    for (size_t r = 0; r < chunk; r++)
        for (size_t o = 0; o < d->n_out; o++)
            pred[r * d->n_out + o] = (float)d->target_mean[o];
    double total = 0;
    for (size_t start = 0; start < d->n_train; start += chunk) {
        size_t b = MIN(chunk, d->n_train - start);
        double l;
        if (ops->compute(e->loss.opts, &l, NULL, pred, d->y_train + start * d->n_out, b,
                         d->n_out) < 0) {
            host_take_error(host, error, "loss \"%s\": ", e->loss.plugin->name);
            return FALSE;
        }
        total += l * (double)b;
    }
    *out = total / (double)d->n_train;
    return TRUE;
}

static void class_stats(probe_book *b, const data_split *d, unsigned loss_flags)
{
    if (!(loss_flags & FL_LOSS_CLASSIFICATION))
        return;
    size_t nc = d->n_out == 1 ? 2 : d->n_out;
    b->class_fraction = g_new0(double, nc);
    for (size_t r = 0; r < d->n_train; r++) {
        const float *y = d->y_train + r * d->n_out;
        size_t c = 0;
        if (d->n_out == 1)
            c = y[0] > 0.5f;
        else
            for (size_t o = 1; o < d->n_out; o++)
                if (y[o] > y[c])
                    c = o;
        b->class_fraction[c] += 1.0 / (double)d->n_train;
    }
    b->p.n_classes = nc;
    b->p.class_fraction = b->class_fraction;
}

static void describe_layers(probe_book *b)
{
    model *m = b->m;
    b->descs = g_new0(fl_layer_desc, m->n_layers);
    for (size_t k = 0; k < m->n_layers; k++) {
        const model_layer *l = &m->layers[k];
        fl_layer_desc *d = &b->descs[k];
        d->name = l->name;
        d->plugin = l->plugin->name;
        d->n_in = l->n_in;
        d->n_out = l->info.n_out;
        d->activation = l->info.activation;
        d->is_output = l->is_output;
        d->out_offset = l->out_offset;
        d->input = l->input < 0 ? NULL : m->layers[l->input].name;
        d->has_weights = l->w_count > 0;
        for (size_t t = 0; t < l->info.n_tensors; t++) {
            const fl_tensor_spec *ts = &l->info.tensors[t];
            d->l1 = MAX(d->l1, ts->l1);
            d->l2 = MAX(d->l2, ts->l2);
            if (!ts->trainable || d->init)
                continue;
            d->init = ts->init.plugin ? ts->init.plugin->name : "constant";
            double lo = INFINITY, hi = -INFINITY, sum = 0, sq = 0;
            for (size_t i = 0; i < ts->n; i++) {
                double v = l->tensors[t][i];
                lo = MIN(lo, v);
                hi = MAX(hi, v);
                sum += v;
                sq += v * v;
            }
            double mean = ts->n ? sum / (double)ts->n : 0;
            d->init_min = lo;
            d->init_max = hi;
            d->init_std = ts->n ? sqrt(MAX(sq / (double)ts->n - mean * mean, 0.0)) : 0;
        }
    }
}

static void write_header(probe_book *b, const data_split *d)
{
    GString *s = b->csv;
    g_string_append(s, "epoch,loss,val_loss,lr");
    for (size_t o = 0; o < d->n_out; o++) {
        const char *n = d->out_names[o];
        g_string_append_printf(s, ",%s_std,%s_min,%s_max,%s_mean", n, n, n, n);
    }
    for (size_t k = 0; k < b->m->n_layers; k++) {
        const char *n = b->m->layers[k].name;
        g_string_append_printf(s, ",%s_grad_norm,%s_weight_norm,%s_update_ratio,%s_dead,%s_saturated",
                               n, n, n, n, n);
    }
    g_string_append(s, ",penalty\n");
}

probe_book *probes_new(const experiment *e, const data_split *d, model *m, GError **error)
{
    g_autoptr(probe_book) b = g_new0(probe_book, 1);
    b->m = m;
    b->e = e;
    b->history = g_array_new(FALSE, TRUE, sizeof(fl_epoch_probe));
    b->blocks = g_ptr_array_new_with_free_func(g_free);
    b->csv = g_string_new(NULL);
    b->w_start = g_new0(float, MAX(m->n_w, (size_t)1));
    b->grad_sum = g_new0(double, m->n_layers);
    describe_layers(b);

    fl_probes *p = &b->p;
    p->n_outputs = d->n_out;
    p->n_layers = m->n_layers;
    p->n_in = d->n_in;
    p->layers = b->descs;
    p->out_names = (const char *const *)d->out_names;
    p->in_names = (const char *const *)d->in_names;
    p->loss = e->loss.plugin->name;
    p->loss_flags = ((const fl_loss_ops *)e->loss.plugin->ops)->flags;
    p->optimizer = e->optimizer.plugin->name;
    p->schedule = e->schedule.plugin->name;
    const fl_param *lr = params_find(e->optimizer.plugin, "lr");
    p->base_lr = lr && lr->type == FL_PARAM_FLOAT
                     ? *(const double *)((const char *)e->optimizer.opts + lr->offset)
                     : NAN;
    p->n_train = d->n_train;
    p->n_val = d->n_val;
    p->batch = MIN((size_t)e->train.batch, d->n_train);
    p->steps_per_epoch = (d->n_train + p->batch - 1) / p->batch;
    p->max_epochs = e->train.epochs;
    int64_t last_step = (int64_t)p->steps_per_epoch * e->train.epochs - 1;
    p->final_lr = isnan(p->base_lr)
                      ? NAN
                      : ((const fl_schedule_ops *)e->schedule.plugin->ops)
                            ->lr(e->schedule.opts, p->base_lr, last_step);
    static const char *const modes[] = {"none", "standard", "minmax"};
    p->normalize = modes[e->data.normalize];
    p->input_mean = d->input_mean;
    p->input_std = d->input_std;
    p->input_absmax = d->input_absmax;
    p->target_mean = d->target_mean;
    p->target_std = d->target_std;
    b->target_min = g_new(double, d->n_out);
    b->target_max = g_new(double, d->n_out);
    for (size_t o = 0; o < d->n_out; o++) {
        b->target_min[o] = INFINITY;
        b->target_max[o] = -INFINITY;
        for (size_t r = 0; r < d->n_train; r++) {
            b->target_min[o] = MIN(b->target_min[o], d->y_train[r * d->n_out + o]);
            b->target_max[o] = MAX(b->target_max[o], d->y_train[r * d->n_out + o]);
        }
    }
    p->target_min = b->target_min;
    p->target_max = b->target_max;
    class_stats(b, d, p->loss_flags);
    if (!baseline_loss(e, d, &p->baseline_loss, m->host, error))
        return NULL;
    /* The probe batch: the first training rows (the split was shuffled once). */
    p->n_probe = MIN((size_t)e->train.probe, d->n_train);
    p->probe_x = d->x_train;
    p->probe_y = d->y_train;
    b->probe_pred = g_new0(float, p->n_probe * d->n_out);
    p->probe_pred = b->probe_pred;
    write_header(b, d);
    return g_steal_pointer(&b);
}

void probes_free(probe_book *b)
{
    if (!b)
        return;
    g_free(b->descs);
    if (b->history)
        g_array_free(b->history, TRUE);
    if (b->blocks)
        g_ptr_array_free(b->blocks, TRUE);
    g_free(b->probe_pred);
    g_free(b->target_min);
    g_free(b->target_max);
    g_free(b->class_fraction);
    g_free(b->w_start);
    g_free(b->grad_sum);
    if (b->csv)
        g_string_free(b->csv, TRUE);
    g_free(b);
}

void probes_epoch_begin(probe_book *b)
{
    memcpy(b->w_start, b->m->w, b->m->n_w * sizeof(float));
    memset(b->grad_sum, 0, b->m->n_layers * sizeof(double));
    b->steps = 0;
}

void probes_add_step(probe_book *b)
{
    model *m = b->m;
    for (size_t k = 0; k < m->n_layers; k++)
        if (m->layers[k].w_count)
            b->grad_sum[k] += norm_of(m->dw + m->layers[k].w_offset, m->layers[k].w_count);
    b->steps++;
}

/* Dead and saturated units of a layer, from its output on the probe batch. */
static void unit_stats(const model_layer *l, size_t P, double *dead_out, double *sat_out)
{
    size_t units = l->info.n_out, dead = 0, sat = 0;
    fl_activation_kind act = l->info.activation.kind;
    for (size_t u = 0; u < units; u++) {
        float lo = INFINITY, hi = -INFINITY;
        for (size_t r = 0; r < P; r++) {
            float v = l->y[r * units + u];
            lo = MIN(lo, v);
            hi = MAX(hi, v);
            /* Saturated: pre-activation beyond +-5, read off the output. */
            if (act == FL_ACT_SIGMOID && (v < 0.0066928509f || v > 0.9933071491f))
                sat++;
            else if (act == FL_ACT_TANH && fabsf(v) > 0.9999092043f)
                sat++;
        }
        if (hi - lo <= 1e-6f * (1.0f + fabsf(hi)))
            dead++;
    }
    *dead_out = (double)dead / (double)units;
    *sat_out = (double)sat / (double)(units * P);
}

gboolean probes_record(probe_book *b, int epoch, double loss, double val_loss, double lr,
                       GError **error)
{
    model *m = b->m;
    fl_probes *p = &b->p;
    size_t P = p->n_probe, no = m->n_out, nl = m->n_layers;
    memcpy(m->x, p->probe_x, P * m->n_in * sizeof(float));
    if (!model_forward(m, P, FALSE, NULL, error))
        return FALSE;
    memcpy(b->probe_pred, m->pred, P * no * sizeof(float));

    double *outs = g_new0(double, 4 * no);
    fl_layer_probe *layers = g_new0(fl_layer_probe, MAX(nl, (size_t)1));
    g_ptr_array_add(b->blocks, outs);
    g_ptr_array_add(b->blocks, layers);
    fl_epoch_probe ep = {.epoch = epoch, .loss = loss, .val_loss = val_loss, .lr = lr,
                         .penalty = model_penalty(m), .out_std = outs, .out_min = outs + no,
                         .out_max = outs + 2 * no, .out_mean = outs + 3 * no, .layers = layers};
    for (size_t o = 0; o < no; o++) {
        double sum = 0, lo = INFINITY, hi = -INFINITY;
        for (size_t r = 0; r < P; r++) {
            double v = m->pred[r * no + o];
            sum += v;
            lo = MIN(lo, v);
            hi = MAX(hi, v);
        }
        double mean = sum / (double)P, var = 0;
        for (size_t r = 0; r < P; r++) {
            double dv = m->pred[r * no + o] - mean;
            var += dv * dv;
        }
        outs[o] = sqrt(var / (double)P);
        outs[no + o] = lo;
        outs[2 * no + o] = hi;
        outs[3 * no + o] = mean;
    }
    for (size_t k = 0; k < nl; k++) {
        const model_layer *l = &m->layers[k];
        fl_layer_probe *lp = &layers[k];
        if (l->w_count) {
            const float *w = m->w + l->w_offset, *w0 = b->w_start + l->w_offset;
            double moved = 0;
            for (size_t i = 0; i < l->w_count; i++) {
                double dv = (double)w[i] - w0[i];
                moved += dv * dv;
            }
            moved = sqrt(moved);
            double start = norm_of(w0, l->w_count);
            lp->grad_norm = b->steps ? b->grad_sum[k] / (double)b->steps : NAN;
            lp->weight_norm = norm_of(w, l->w_count);
            lp->update_ratio = start > 0 ? moved / start : (moved > 0 ? INFINITY : 0.0);
        } else {
            lp->grad_norm = lp->weight_norm = lp->update_ratio = NAN;
        }
        unit_stats(l, P, &lp->dead, &lp->saturated);
    }
    g_array_append_val(b->history, ep);
    p->history = (const fl_epoch_probe *)(void *)b->history->data;
    p->n_epochs = b->history->len - 1;

    GString *s = b->csv;
    g_string_append_printf(s, "%d", epoch);
    csv_value(s, loss);
    csv_value(s, val_loss);
    csv_value(s, lr);
    for (size_t o = 0; o < no; o++) {
        csv_value(s, ep.out_std[o]);
        csv_value(s, ep.out_min[o]);
        csv_value(s, ep.out_max[o]);
        csv_value(s, ep.out_mean[o]);
    }
    for (size_t k = 0; k < nl; k++) {
        csv_value(s, layers[k].grad_norm);
        csv_value(s, layers[k].weight_norm);
        csv_value(s, layers[k].update_ratio);
        csv_value(s, layers[k].dead);
        csv_value(s, layers[k].saturated);
    }
    csv_value(s, ep.penalty);
    g_string_append_c(s, '\n');
    return TRUE;
}

const fl_probes *probes_view(probe_book *b) { return &b->p; }
const GString *probes_csv(probe_book *b) { return b->csv; }
