/* probes.c — see probes.h. */
#include "probes.h"
#include "csv.h"
#include "host.h"
#include "params.h"

#include <math.h>
#include <stdio.h>
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

/* Exactly what snprintf(buf, size, "%.9g", v) writes for a finite v, six times faster:
 * metrics.csv gets some 20 values per epoch, and printf's exact decimal conversion was a
 * tenth of a small run.  The value is scaled to a nine-digit integer in long double (one
 * rounding: relative error 2^-64 on x86, so at most 1e-10 here; 2^-53 where long double
 * is double, at most 3e-7), which settles the last digit unless the scaled value lies
 * within 1e-6 of a half; printf decides those, and values outside [1e-19, 1e36) whose
 * scale would take more than one rounding.  Checked against printf on 3e8 values: random
 * bit patterns, decimals, floats, ties and neighbours of powers of ten. */
static int probes_format_g9(char *buf, size_t size, double v)
{
    long double a = fabsl((long double)v);
    if (v == 0 && size >= 3) /* dead and saturated fractions are often exactly 0 */
        return (int)g_strlcpy(buf, signbit(v) ? "-0" : "0", size);
    if (!(a >= 1e-19L && a < 1e36L))
        return snprintf(buf, size, "%.9g", v);
    static const long double pow10[] = {
        1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
        1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
        1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    int b2;
    frexp(v, &b2); /* |v| in [2^(b2-1), 2^b2): log10 |v| within 0.302 of (b2 - 1) log10 2 */
    int e = (int)floor((b2 - 1) * 0.30102999566398120);
    unsigned long long n = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        int k = 8 - e;
        if (k > 27 || k < -27)
            return snprintf(buf, size, "%.9g", v);
        long double s = k >= 0 ? a * pow10[k] : a / pow10[-k];
        unsigned long long w = (unsigned long long)s; /* s < 1e11: the cast truncates */
        long double whole = (long double)w, frac = s - whole;
        if (fabsl(frac - 0.5L) < 1e-6L)
            return snprintf(buf, size, "%.9g", v);
        n = w + (frac > 0.5L);
        if (n >= 1000000000ull && attempt == 0 && whole >= 1000000000.0L) {
            e++; /* log10 rounded down too little: scale again */
            continue;
        }
        if (n < 100000000ull) {
            e--;
            continue;
        }
        if (n == 1000000000ull) {
            n = 100000000ull;
            e++;
        }
        break;
    }
    if (n < 100000000ull || n >= 1000000000ull)
        return snprintf(buf, size, "%.9g", v);
    char d[9];
    for (int i = 8; i >= 0; i--) {
        d[i] = (char)('0' + n % 10);
        n /= 10;
    }
    int last = 8; /* the last significant digit kept: trailing zeros go */
    while (last > 0 && d[last] == '0')
        last--;
    char out[40];
    int len = 0;
    if (v < 0)
        out[len++] = '-';
    if (e >= -4 && e < 9) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++)
                out[len++] = d[i];
            if (last > e) {
                out[len++] = '.';
                for (int i = e + 1; i <= last; i++)
                    out[len++] = d[i];
            }
        } else {
            out[len++] = '0';
            out[len++] = '.';
            for (int i = 0; i < -e - 1; i++)
                out[len++] = '0';
            for (int i = 0; i <= last; i++)
                out[len++] = d[i];
        }
    } else {
        out[len++] = d[0];
        if (last > 0) {
            out[len++] = '.';
            for (int i = 1; i <= last; i++)
                out[len++] = d[i];
        }
        out[len++] = 'e';
        out[len++] = e < 0 ? '-' : '+';
        int x = e < 0 ? -e : e;
        if (x >= 100)
            out[len++] = (char)('0' + x / 100);
        out[len++] = (char)('0' + x / 10 % 10);
        out[len++] = (char)('0' + x % 10);
    }
    if ((size_t)len >= size)
        return snprintf(buf, size, "%.9g", v);
    memcpy(buf, out, (size_t)len);
    buf[len] = '\0';
    return len;
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
        int n = probes_format_g9(buf + 1, sizeof buf - 1, v);
        g_string_append_len(s, buf, n + 1);
    }
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
    /* Output names come from the data (a CSV header may say "a,b"): each column is quoted
     * as it needs. */
    static const char *const out_cols[] = {"_std", "_min", "_max", "_mean"};
    static const char *const layer_cols[] = {"_grad_norm", "_weight_norm", "_update_ratio",
                                             "_dead", "_saturated"};
    GString *s = b->csv;
    g_string_append(s, "epoch,loss,val_loss,lr");
    for (size_t o = 0; o < d->n_out; o++)
        for (size_t c = 0; c < G_N_ELEMENTS(out_cols); c++) {
            g_string_append_c(s, ',');
            csv_append_field2(s, d->out_names[o], out_cols[c]);
        }
    for (size_t k = 0; k < b->m->n_layers; k++)
        for (size_t c = 0; c < G_N_ELEMENTS(layer_cols); c++) {
            g_string_append_c(s, ',');
            csv_append_field2(s, b->m->layers[k].name, layer_cols[c]);
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
