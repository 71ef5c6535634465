/* probes.c — see probes.h.  The structs handed to detectors carry their own size and the
 * arrays their stride (flatline/plugin.h, "how the ABI grows"), so a detector built
 * against an older header reads them correctly. */
#include "probes.h"
#include "csv.h"
#include "host.h"
#include "numfmt.h"
#include "params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Epochs of probe arrays allocated at once. */
enum { PROBES_CHUNK = 32 };

struct probe_book {
    model *m;
    const experiment *e;
    fl_probes p;
    fl_layer_desc *descs;
    GArray *history;       /* fl_epoch_probe */
    gboolean classifies;   /* a classification loss: accuracy columns in metrics.csv */
    GPtrArray *blocks;     /* arrays the history points into, each for PROBES_CHUNK epochs */
    size_t chunk_used;     /* epochs of the last block taken */
    float *probe_y;
    float *probe_pred;
    double *target_min, *target_max, *class_fraction;
    double *val_target_min, *val_target_max; /* (n_out), NULL without validation rows */
    float *w_start;        /* (n_w) weights at the start of the epoch */
    double *grad_sum;      /* (n_layers) sum over the epoch's steps of each gradient norm */
    float *unit_lo, *unit_hi; /* (widest layer's units) unit_stats' scratch */
    size_t steps;
    GString *csv;
};

/* Eight running sums: with one, every addition waits for the one before it, and the
 * gradient norms taken after each step of a wide network waited on that chain. */
static double norm_of(const float *v, size_t n)
{
    double s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; j++)
            s[j] += (double)v[i + j] * v[i + j];
    for (; i < n; i++)
        s[0] += (double)v[i] * v[i];
    return sqrt(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])));
}

static void csv_value(GString *s, double v)
{
    if (isnan(v)) {
        g_string_append(s, ",nan");
    } else if (isinf(v)) {
        g_string_append(s, v > 0 ? ",inf" : ",-inf");
    } else {
        char buf[48];
        buf[0] = ',';
        int n = numfmt_g9(buf + 1, sizeof buf - 1, v);
        g_string_append_len(s, buf, n + 1);
    }
}

/* The loss of predicting the training mean for every training row. */
static gboolean baseline_loss(const data_split *d, run_loss *loss, double *out, GError **error)
{
    size_t chunk = 256;
    g_autofree float *pred = g_new(float, chunk * d->n_out);
    for (size_t r = 0; r < chunk; r++)
        for (size_t o = 0; o < d->n_out; o++)
            pred[r * d->n_out + o] = (float)d->target_mean[o];
    double total = 0;
    for (size_t start = 0; start < d->n_train; start += chunk) {
        size_t b = MIN(chunk, d->n_train - start);
        double l;
        if (!loss_compute(loss, &l, NULL, pred, d->y_train + start * d->n_out, b, d->n_out, error))
            return FALSE;
        total += l * (double)b;
    }
    *out = total / (double)d->n_train;
    return TRUE;
}

/* The class of one row of n values: the argmax of several, or one value above the
 * threshold. */
static size_t class_of(const float *row, size_t n, float threshold)
{
    if (n == 1)
        return row[0] > threshold;
    size_t c = 0;
    for (size_t o = 1; o < n; o++)
        if (row[o] > row[c])
            c = o;
    return c;
}

size_t probes_correct(unsigned loss_flags, const float *pred, const float *target, size_t rows,
                      size_t n)
{
    float threshold = loss_flags & FL_LOSS_SIGNED ? 0.0f : 0.5f;
    size_t right = 0;
    for (size_t r = 0; r < rows; r++)
        right += class_of(pred + r * n, n, threshold) == class_of(target + r * n, n, threshold);
    return right;
}

static void class_stats(probe_book *b, const data_split *d, unsigned loss_flags)
{
    if (!(loss_flags & FL_LOSS_CLASSIFICATION))
        return;
    size_t nc = d->n_out == 1 ? 2 : d->n_out;
    b->class_fraction = g_new0(double, nc);
    for (size_t r = 0; r < d->n_train; r++)
        b->class_fraction[class_of(d->y_train + r * d->n_out, d->n_out, 0.5f)] +=
            1.0 / (double)d->n_train;
    b->p.n_classes = nc;
    b->p.class_fraction = b->class_fraction;
}

/* Range and spread of a tensor's values. */
static void tensor_stats(const float *v, size_t n, double *min, double *max, double *std)
{
    double lo = INFINITY, hi = -INFINITY, sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        lo = MIN(lo, x);
        hi = MAX(hi, x);
        sum += x;
        sq += x * x;
    }
    double mean = n ? sum / (double)n : 0;
    *min = lo;
    *max = hi;
    if (std)
        *std = n ? sqrt(MAX(sq / (double)n - mean * mean, 0.0)) : 0;
}

/* The initializer of a tensor: its name and flags; a tensor the core fills with one value
 * is "constant". */
static const char *init_of(const fl_tensor_spec *ts, unsigned *flags)
{
    if (!ts->init.plugin) {
        *flags = FL_INIT_CONSTANT;
        return "constant";
    }
    *flags = ts->init.plugin->ops.init->flags;
    return ts->init.plugin->name;
}

static void describe_layers(probe_book *b)
{
    model *m = b->m;
    b->descs = g_new0(fl_layer_desc, m->n_layers);
    for (size_t k = 0; k < m->n_layers; k++) {
        const model_layer *l = &m->layers[k];
        fl_layer_desc *d = &b->descs[k];
        d->size = sizeof *d;
        d->name = l->name;
        d->plugin = l->plugin->name;
        d->layer_flags = l->plugin->ops.layer->flags;
        d->in_shape = l->in_shape;
        d->out_shape = l->info.out_shape;
        d->n_in = l->n_in;
        d->n_out = l->n_out;
        d->units = l->info.units;
        d->activation = l->info.activation;
        d->is_output = l->is_output;
        d->out_offset = l->out_offset;
        d->input = l->input;
        d->input_name = l->input < 0 ? NULL : m->layers[l->input].name;
        d->has_weights = l->w_count > 0;
        d->drop_rate = l->info.drop_rate;
        for (size_t t = 0; t < l->info.n_tensors; t++) {
            const fl_tensor_spec *ts = model_tensor(l, t);
            d->l1 = MAX(d->l1, ts->l1);
            d->l2 = MAX(d->l2, ts->l2);
            if (ts->role == FL_TENSOR_KERNEL && !d->has_kernel) {
                d->has_kernel = true;
                d->init = init_of(ts, &d->init_flags);
                d->fan_in = ts->fan_in;
                tensor_stats(l->tensors[t], ts->n, &d->init_min, &d->init_max, &d->init_std);
            } else if (ts->role == FL_TENSOR_BIAS && !d->has_bias) {
                unsigned flags;
                d->has_bias = true;
                d->bias_init = init_of(ts, &flags);
                tensor_stats(l->tensors[t], ts->n, &d->bias_min, &d->bias_max, NULL);
            }
        }
    }
}

/* The columns of metrics.csv after epoch, loss, val_loss, lr (and accuracy, val_accuracy
 * for a classifier): per output, then per layer, then the penalty.  One table each drives
 * the header and every row, so a probe added here lands in both. */
typedef struct probe_column {
    const char *suffix; /* after the output's or layer's name */
    size_t offset;      /* of the field in fl_epoch_probe (an array per output) or
                           fl_layer_probe */
} probe_column;

static const probe_column output_columns[] = {
    {"_std", offsetof(fl_epoch_probe, out_std)},
    {"_min", offsetof(fl_epoch_probe, out_min)},
    {"_max", offsetof(fl_epoch_probe, out_max)},
    {"_mean", offsetof(fl_epoch_probe, out_mean)},
};

static const probe_column layer_columns[] = {
    {"_grad_norm", offsetof(fl_layer_probe, grad_norm)},
    {"_weight_norm", offsetof(fl_layer_probe, weight_norm)},
    {"_update_ratio", offsetof(fl_layer_probe, update_ratio)},
    {"_dead", offsetof(fl_layer_probe, dead)},
    {"_saturated", offsetof(fl_layer_probe, saturated)},
};

static double output_value(const fl_epoch_probe *ep, const probe_column *c, size_t o)
{
    const double *values;
    memcpy(&values, (const char *)ep + c->offset, sizeof values);
    return values[o];
}

static double layer_value(const fl_layer_probe *lp, const probe_column *c)
{
    double v;
    memcpy(&v, (const char *)lp + c->offset, sizeof v);
    return v;
}

static void write_header(probe_book *b, const data_split *d)
{
    /* Output names come from the data (a CSV header may say "a,b"): each column is quoted
     * as it needs. */
    GString *s = b->csv;
    g_string_append(s, "epoch,loss,val_loss,lr");
    if (b->classifies)
        g_string_append(s, ",accuracy,val_accuracy");
    for (size_t o = 0; o < d->n_out; o++)
        for (size_t c = 0; c < G_N_ELEMENTS(output_columns); c++) {
            g_string_append_c(s, ',');
            csv_append_field2(s, d->out_names[o], output_columns[c].suffix);
        }
    for (size_t k = 0; k < b->m->n_layers; k++)
        for (size_t c = 0; c < G_N_ELEMENTS(layer_columns); c++) {
            g_string_append_c(s, ',');
            csv_append_field2(s, b->m->layers[k].name, layer_columns[c].suffix);
        }
    g_string_append(s, ",penalty\n");
}

/* The value of an optimizer's FL_PARAM_FLOAT parameter `lr` in opts, or its default when
 * opts is NULL; NaN for an optimizer without one. */
static double optimizer_lr(const fl_ref *opt, gboolean default_value)
{
    const fl_param *lr = params_find(opt->plugin, "lr");
    if (!lr || lr->type != FL_PARAM_FLOAT)
        return NAN;
    if (!default_value)
        return *(const double *)((const char *)opt->opts + lr->offset);
    char *end = NULL;
    double v = lr->def ? g_ascii_strtod(lr->def, &end) : NAN;
    return lr->def && end != lr->def ? v : NAN;
}

static fl_normalize normalize_of(normalize_mode mode)
{
    switch (mode) {
    case NORMALIZE_STANDARD: return FL_NORMALIZE_STANDARD;
    case NORMALIZE_MINMAX: return FL_NORMALIZE_MINMAX;
    default: return FL_NORMALIZE_NONE;
    }
}

/* Each target column's smallest and largest value over rows (n_rows, n_cols), newly
 * allocated (once a run: no need of column_range's interleaving). */
static void target_ranges(const float *y, size_t n_rows, size_t n_cols, double **lo,
                          double **hi)
{
    *lo = g_new(double, n_cols);
    *hi = g_new(double, n_cols);
    for (size_t c = 0; c < n_cols; c++) {
        (*lo)[c] = INFINITY;
        (*hi)[c] = -INFINITY;
        for (size_t r = 0; r < n_rows; r++) {
            (*lo)[c] = MIN((*lo)[c], y[r * n_cols + c]);
            (*hi)[c] = MAX((*hi)[c], y[r * n_cols + c]);
        }
    }
}

probe_book *probes_new(const experiment *e, const data_split *d, run_loss *loss, model *m,
                       fl_host *host, GError **error)
{
    g_autoptr(probe_book) b = g_new0(probe_book, 1);
    b->m = m;
    b->e = e;
    b->history = g_array_new(FALSE, TRUE, sizeof(fl_epoch_probe));
    b->blocks = g_ptr_array_new_with_free_func(g_free);
    b->csv = g_string_new(NULL);
    b->w_start =
        host_try_new0(m->n_w, sizeof(float), "the weights at the start of an epoch", error);
    if (!b->w_start)
        return NULL;
    b->grad_sum = g_new0(double, m->n_layers);
    size_t units = 1;
    for (size_t k = 0; k < m->n_layers; k++)
        units = MAX(units, m->layers[k].info.units);
    b->unit_lo = g_new(float, units);
    b->unit_hi = g_new(float, units);
    describe_layers(b);

    fl_probes *p = &b->p;
    p->size = sizeof *p;
    p->n_outputs = d->n_out;
    p->n_layers = m->n_layers;
    p->n_in = d->n_in;
    p->layers = b->descs;
    p->layer_stride = sizeof(fl_layer_desc);
    p->out_names = (const char *const *)d->out_names;
    p->in_names = (const char *const *)d->in_names;
    p->in_shape =
        d->in_shape.rank ? d->in_shape : (fl_shape){.rank = 1, .dims = {(uint32_t)d->n_in}};
    p->loss = e->loss.plugin->name;
    p->loss_flags = loss_flags(loss);
    p->optimizer = e->optimizer.plugin->name;
    p->optimizer_flags = e->optimizer.plugin->ops.optimizer->flags;
    p->schedule = e->schedule.plugin->name;
    p->schedule_flags = e->schedule.plugin->ops.schedule->flags;
    p->base_lr = optimizer_lr(&e->optimizer, FALSE);
    p->default_lr = optimizer_lr(&e->optimizer, TRUE);
    p->n_train = d->n_train;
    p->n_val = d->n_val;
    p->batch = MIN((size_t)e->train.batch, d->n_train);
    p->steps_per_epoch = (d->n_train + p->batch - 1) / p->batch;
    p->max_epochs = e->train.epochs;
    int64_t last_step = (int64_t)p->steps_per_epoch * e->train.epochs - 1;
    p->final_lr = NAN;
    if (!isnan(p->base_lr)) {
        host_clear_error(host);
        if (e->schedule.plugin->ops.schedule->lr(host, e->schedule.opts, p->base_lr, last_step,
                                                 &p->final_lr) < 0) {
            host_take_error(host, error, "schedule \"%s\": ", e->schedule.plugin->name);
            return NULL;
        }
    }
    p->normalize = normalize_of(e->data.normalize);
    p->input_mean = d->input_mean;
    p->input_std = d->input_std;
    p->input_absmax = d->input_absmax;
    p->target_mean = d->target_mean;
    p->target_std = d->target_std;
    target_ranges(d->y_train, d->n_train, d->n_out, &b->target_min, &b->target_max);
    p->target_min = b->target_min;
    p->target_max = b->target_max;
    /* How the split went: a column constant over the training rows but not over the
     * validation rows was made constant by a split in file order. */
    p->shuffled = e->data.shuffle;
    if (d->n_val)
        target_ranges(d->y_val, d->n_val, d->n_out, &b->val_target_min, &b->val_target_max);
    p->val_target_min = b->val_target_min;
    p->val_target_max = b->val_target_max;
    class_stats(b, d, p->loss_flags);
    b->classifies = (p->loss_flags & FL_LOSS_CLASSIFICATION) != 0;
    if (!baseline_loss(d, loss, &p->baseline_loss, error))
        return NULL;
    /* The probe batch: training rows the data chose (data.h). */
    p->n_probe = d->n_probe;
    p->probe_x = d->x_probe;
    p->probe_y = d->y_probe;
    b->probe_pred = g_new0(float, p->n_probe * d->n_out);
    p->probe_pred = b->probe_pred;
    p->history_stride = sizeof(fl_epoch_probe);
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
    g_free(b->val_target_min);
    g_free(b->val_target_max);
    g_free(b->class_fraction);
    g_free(b->w_start);
    g_free(b->grad_sum);
    g_free(b->unit_lo);
    g_free(b->unit_hi);
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

/* Dead and saturated units of a layer, from its output on the probe batch.  Unit u is
 * every units-th value of a sample (channels last): a conv filter at every position.
 * Saturation is NaN for an activation without flat ends.  lo/hi (units floats each)
 * receive each unit's range. */
/* The range of v[0], v[stride], ... (count values) in four interleaved chains: one
 * chain of min/max waited on itself at every row (a fifth of the probes' time on a
 * 2-10-1 network, whose output unit and two of ten hidden units take this path).  Exact
 * for numbers (a zero's sign aside); FALSE when a value is NaN, whose place in the walk
 * decides the result: the caller walks in order then. */
static gboolean column_range(const float *restrict v, size_t count, size_t stride,
                             float *lo_out, float *hi_out)
{
    float lo[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
    float hi[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    int nan = 0;
    size_t i = 0;
    for (; i + 4 <= count; i += 4)
        for (size_t j = 0; j < 4; j++) {
            float x = v[(i + j) * stride];
            nan |= x != x;
            lo[j] = MIN(lo[j], x);
            hi[j] = MAX(hi[j], x);
        }
    for (; i < count; i++) {
        float x = v[i * stride];
        nan |= x != x;
        lo[0] = MIN(lo[0], x);
        hi[0] = MAX(hi[0], x);
    }
    *lo_out = MIN(MIN(lo[0], lo[1]), MIN(lo[2], lo[3]));
    *hi_out = MAX(MAX(hi[0], hi[1]), MAX(hi[2], hi[3]));
    return !nan;
}

static void unit_stats(const model_layer *l, size_t P, float *restrict lo, float *restrict hi,
                       double *dead_out, double *sat_out)
{
    size_t units = l->info.units, n = l->n_out, dead = 0, sat = 0;
    fl_activation_kind act = l->info.activation.kind;
    /* Eight units at a time in registers, row after row (a walk unit by unit with a
     * branch per value was 5% of a seed-scale run; ranges kept in lo/hi made each row wait
     * on the stores of the row before), the units left over one by one. */
    size_t u0 = 0;
    for (; u0 + 8 <= units; u0 += 8) {
        float l8[8], h8[8];
        for (size_t j = 0; j < 8; j++) {
            l8[j] = INFINITY;
            h8[j] = -INFINITY;
        }
        for (size_t r = 0; r < P; r++)
            for (size_t at = 0; at < n; at += units) {
                const float *restrict v = l->y + r * n + at + u0;
                for (size_t j = 0; j < 8; j++) {
                    l8[j] = MIN(l8[j], v[j]);
                    h8[j] = MAX(h8[j], v[j]);
                }
            }
        memcpy(lo + u0, l8, sizeof l8);
        memcpy(hi + u0, h8, sizeof h8);
    }
    for (; u0 < units; u0++) {
        if (n == units && column_range(l->y + u0, P, n, &lo[u0], &hi[u0]))
            continue;
        float l1 = INFINITY, h1 = -INFINITY;
        for (size_t r = 0; r < P; r++)
            for (size_t at = 0; at < n; at += units) {
                float v = l->y[r * n + at + u0];
                l1 = MIN(l1, v);
                h1 = MAX(h1, v);
            }
        lo[u0] = l1;
        hi[u0] = h1;
    }
    for (size_t u = 0; u < units; u++)
        if (hi[u] - lo[u] <= 1e-6f * (1.0f + fabsf(hi[u])))
            dead++;
    /* Saturated: pre-activation beyond +-5, read off the output. */
    const float *y = l->y;
    if (act == FL_ACT_SIGMOID) {
        for (size_t i = 0; i < n * P; i++)
            sat += y[i] < 0.0066928509f || y[i] > 0.9933071491f;
    } else if (act == FL_ACT_TANH) {
        for (size_t i = 0; i < n * P; i++)
            sat += fabsf(y[i]) > 0.9999092043f;
    }
    *dead_out = (double)dead / (double)units;
    *sat_out = fl_activation_saturates(act) ? (double)sat / (double)(n * P) : NAN;
}

void probes_set_model(probe_book *b, model *m)
{
    b->m = m;
}

void probes_stage(probe_book *b)
{
    memcpy(b->m->x, b->p.probe_x, b->p.n_probe * b->m->n_in * sizeof(float));
}

gboolean probes_record(probe_book *b, int epoch, const probe_scores *sc, GError **error)
{
    probes_stage(b);
    if (!model_forward(b->m, b->p.n_probe, FALSE, NULL, error))
        return FALSE;
    probes_record_staged(b, epoch, sc);
    return TRUE;
}

void probes_record_staged(probe_book *b, int epoch, const probe_scores *sc)
{
    model *m = b->m;
    fl_probes *p = &b->p;
    size_t P = p->n_probe, no = m->n_out, nl = m->n_layers;
    memcpy(b->probe_pred, m->pred, P * no * sizeof(float));

    /* An epoch's arrays come from blocks of PROBES_CHUNK epochs: two allocations an epoch
     * were 4% of a packed run. */
    size_t layer_bytes = MAX(nl, (size_t)1) * sizeof(fl_layer_probe);
    size_t epoch_bytes = layer_bytes + 4 * no * sizeof(double);
    if (!b->blocks->len || b->chunk_used == PROBES_CHUNK) {
        g_ptr_array_add(b->blocks, g_malloc0(PROBES_CHUNK * epoch_bytes));
        b->chunk_used = 0;
    }
    char *at = (char *)g_ptr_array_index(b->blocks, b->blocks->len - 1) +
               b->chunk_used++ * epoch_bytes;
    fl_layer_probe *layers = (fl_layer_probe *)(void *)at;
    double *outs = (double *)(void *)(at + layer_bytes);
    fl_epoch_probe ep = {.size = sizeof ep,
                         .epoch = epoch,
                         .loss = sc->loss,
                         .val_loss = sc->val_loss,
                         .lr = sc->lr,
                         .penalty = model_penalty(m),
                         .accuracy = sc->accuracy,
                         .val_accuracy = sc->val_accuracy,
                         .out_std = outs,
                         .out_min = outs + no,
                         .out_max = outs + 2 * no,
                         .out_mean = outs + 3 * no,
                         .layers = layers,
                         .layer_stride = sizeof(fl_layer_probe)};
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
        lp->size = sizeof *lp;
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
        unit_stats(l, P, b->unit_lo, b->unit_hi, &lp->dead, &lp->saturated);
    }
    g_array_append_val(b->history, ep);
    p->history = (const fl_epoch_probe *)(void *)b->history->data;
    p->n_epochs = b->history->len - 1;

    GString *s = b->csv;
    /* The epoch's number without printf: GLib's printf allocates on every call. */
    char digits[16];
    size_t nd = 0;
    for (unsigned e = (unsigned)epoch; nd == 0 || e; e /= 10)
        digits[nd++] = (char)('0' + e % 10);
    while (nd)
        g_string_append_c(s, digits[--nd]);
    csv_value(s, ep.loss);
    csv_value(s, ep.val_loss);
    csv_value(s, ep.lr);
    if (b->classifies) {
        csv_value(s, ep.accuracy);
        csv_value(s, ep.val_accuracy);
    }
    for (size_t o = 0; o < no; o++)
        for (size_t c = 0; c < G_N_ELEMENTS(output_columns); c++)
            csv_value(s, output_value(&ep, &output_columns[c], o));
    for (size_t k = 0; k < nl; k++)
        for (size_t c = 0; c < G_N_ELEMENTS(layer_columns); c++)
            csv_value(s, layer_value(&layers[k], &layer_columns[c]));
    csv_value(s, ep.penalty);
    g_string_append_c(s, '\n');
}

const fl_probes *probes_view(probe_book *b) { return &b->p; }
GString *probes_take_csv(probe_book *b)
{
    GString *csv = b->csv;
    b->csv = NULL;
    return csv;
}
