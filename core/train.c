/* train.c — the training loop of one run and the probes it records each epoch.
 *
 * Keras semantics where they matter for comparison: the epoch's loss is the mean of its
 * batch losses weighted by batch size, penalties included; the last batch may be short;
 * validation loss is computed in inference mode after the epoch.  Probes are computed on
 * a fixed probe batch (the first `train.probe` training rows) in inference mode, from
 * buffers the forward pass already filled: nothing is recomputed per detector. */
#include "train.h"
#include "data.h"
#include "host.h"
#include "model.h"
#include "params.h"

#include <math.h>
#include <string.h>

void run_output_clear(run_output *out)
{
    g_clear_pointer(&out->reason, g_free);
    if (out->metrics)
        g_string_free(out->metrics, TRUE);
    out->metrics = NULL;
}

/* The rate the optimizer was configured with: its "lr" parameter, NaN without one. */
static double base_lr(const fl_ref *optimizer)
{
    const fl_param *p = params_find(optimizer->plugin, "lr");
    if (!p || p->type != FL_PARAM_FLOAT)
        return NAN;
    return *(const double *)((const char *)optimizer->opts + p->offset);
}

static size_t max_batch_of(const experiment *e, const data_split *d)
{
    size_t train = MIN((size_t)e->train.batch, d->n_train);
    size_t probe = MIN((size_t)e->train.probe, d->n_train);
    return MAX(MAX(train, probe), (size_t)1);
}

gboolean train_check(const experiment *e, fl_host *host, GError **error)
{
    g_autoptr(data_split) d = data_load(e, host, error);
    if (!d)
        return FALSE;
    g_autoptr(fl_rng) rng = rng_derive(0, TRAIN_STREAM_INIT);
    g_autoptr(model) m = model_build(e, d->n_in, d->n_out, max_batch_of(e, d), host, rng, error);
    return m != NULL;
}

static void format_value(GString *s, double v)
{
    if (isnan(v))
        g_string_append(s, ",nan");
    else if (isinf(v))
        g_string_append(s, v > 0 ? ",inf" : ",-inf");
    else
        g_string_append_printf(s, ",%.9g", v);
}

static void write_header(GString *s, const model *m, const data_split *d)
{
    g_string_append(s, "epoch,loss,val_loss,lr");
    for (size_t o = 0; o < d->n_out; o++)
        g_string_append_printf(s, ",%s_std,%s_min,%s_max,%s_mean", d->out_names[o],
                               d->out_names[o], d->out_names[o], d->out_names[o]);
    for (size_t k = 0; k < m->n_layers; k++) {
        const char *n = m->layers[k].name;
        g_string_append_printf(s, ",%s_grad_norm,%s_weight_norm,%s_update_ratio,%s_dead,%s_saturated",
                               n, n, n, n, n);
    }
    g_string_append_c(s, '\n');
}

/* Loss (with penalties) over rows (n, n_in)/(n, n_out) in inference mode, in chunks. */
static gboolean eval_loss(model *m, const fl_ref *loss, const float *x, const float *y, size_t n,
                          double *out, GError **error)
{
    const fl_loss_ops *ops = loss->plugin->ops;
    double total = 0;
    for (size_t start = 0; start < n; start += m->max_batch) {
        size_t b = MIN(m->max_batch, n - start);
        memcpy(m->x, x + start * m->n_in, b * m->n_in * sizeof(float));
        if (!model_forward(m, b, FALSE, NULL, error))
            return FALSE;
        double l;
        if (ops->compute(loss->opts, &l, NULL, m->pred, y + start * m->n_out, b, m->n_out) < 0) {
            host_take_error(m->host, error, "loss \"%s\": ", loss->plugin->name);
            return FALSE;
        }
        total += l * (double)b;
    }
    *out = total / (double)n + model_penalty(m);
    return TRUE;
}

typedef struct probe_state {
    size_t n_probe;
    float *x, *y;          /* (n_probe, n_in), (n_probe, n_out) */
    float *w_start;        /* weights at the start of the epoch */
    double *grad_sq_sum;   /* per layer: sum over steps of the gradient norm */
    size_t steps;
} probe_state;

static double layer_norm(const float *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)v[i] * v[i];
    return sqrt(s);
}

/* Probe the model on the fixed batch; append the epoch's row. */
static gboolean probe_epoch(model *m, const data_split *d, probe_state *ps, GString *csv,
                            int epoch, double loss, double val_loss, double lr, GError **error)
{
    size_t P = ps->n_probe;
    memcpy(m->x, ps->x, P * m->n_in * sizeof(float));
    if (!model_forward(m, P, FALSE, NULL, error))
        return FALSE;
    g_string_append_printf(csv, "%d", epoch);
    format_value(csv, loss);
    format_value(csv, val_loss);
    format_value(csv, lr);
    for (size_t o = 0; o < m->n_out; o++) {
        double sum = 0, lo = INFINITY, hi = -INFINITY;
        for (size_t r = 0; r < P; r++) {
            double v = m->pred[r * m->n_out + o];
            sum += v;
            lo = MIN(lo, v);
            hi = MAX(hi, v);
        }
        double mean = sum / (double)P, var = 0;
        for (size_t r = 0; r < P; r++) {
            double dv = m->pred[r * m->n_out + o] - mean;
            var += dv * dv;
        }
        format_value(csv, sqrt(var / (double)P));
        format_value(csv, lo);
        format_value(csv, hi);
        format_value(csv, mean);
    }
    (void)d;
    for (size_t k = 0; k < m->n_layers; k++) {
        const model_layer *l = &m->layers[k];
        if (l->w_count) {
            double wn = layer_norm(m->w + l->w_offset, l->w_count);
            double dn = 0, sn = layer_norm(ps->w_start + l->w_offset, l->w_count);
            for (size_t i = 0; i < l->w_count; i++) {
                double dv = (double)m->w[l->w_offset + i] - ps->w_start[l->w_offset + i];
                dn += dv * dv;
            }
            dn = sqrt(dn);
            format_value(csv, ps->steps ? ps->grad_sq_sum[k] / (double)ps->steps : 0.0);
            format_value(csv, wn);
            format_value(csv, sn > 0 ? dn / sn : (dn > 0 ? INFINITY : 0.0));
        } else {
            g_string_append(csv, ",nan,nan,nan");
        }
        /* Dead: the unit's output is the same for every probe input. */
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
        format_value(csv, (double)dead / (double)units);
        format_value(csv, (double)sat / (double)(units * P));
    }
    g_string_append_c(csv, '\n');
    return TRUE;
}

static void shuffle(size_t *idx, size_t n, fl_rng *rng)
{
    for (size_t i = n; i-- > 1;) {
        size_t j = rng_below(rng, (uint32_t)(i + 1));
        size_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

static gboolean train_loop(const experiment *e, uint64_t seed, model *m, const data_split *d,
                           run_output *out, gint64 t0, GError **error)
{
    const fl_loss_ops *loss = e->loss.plugin->ops;
    const fl_optimizer_ops *opt = e->optimizer.plugin->ops;
    const fl_schedule_ops *sched = e->schedule.plugin->ops;
    double lr0 = base_lr(&e->optimizer);
    size_t n_slots = opt->n_slots(e->optimizer.opts);
    g_autofree float *opt_state = g_new0(float, MAX(n_slots * m->n_w, (size_t)1));
    if (opt->init_state)
        opt->init_state(e->optimizer.opts, opt_state, m->n_w);
    g_autoptr(fl_rng) shuffle_rng = rng_derive(seed, TRAIN_STREAM_SHUFFLE);
    g_autoptr(fl_rng) dropout_rng = rng_derive(seed, TRAIN_STREAM_DROPOUT);
    g_autofree size_t *idx = g_new(size_t, d->n_train);
    for (size_t i = 0; i < d->n_train; i++)
        idx[i] = i;
    g_autofree float *y_batch = g_new(float, m->max_batch * m->n_out);
    probe_state ps = {0};
    ps.n_probe = MIN((size_t)e->train.probe, d->n_train);
    ps.x = d->x_train; /* the first rows of the (once-shuffled) training split */
    g_autofree float *w_start = g_new(float, MAX(m->n_w, (size_t)1));
    g_autofree double *grad_sum = g_new0(double, m->n_layers);
    ps.w_start = w_start;
    ps.grad_sq_sum = grad_sum;
    size_t B = MIN((size_t)e->train.batch, d->n_train);
    int64_t steps = 0;
    double lr = isnan(lr0) ? NAN : sched->lr(e->schedule.opts, lr0, 0);

    for (int epoch = 1; epoch <= e->train.epochs; epoch++) {
        if (e->train.shuffle)
            shuffle(idx, d->n_train, shuffle_rng);
        memcpy(w_start, m->w, m->n_w * sizeof(float));
        memset(grad_sum, 0, m->n_layers * sizeof(double));
        ps.steps = 0;
        double loss_sum = 0;
        for (size_t start = 0; start < d->n_train; start += B) {
            size_t b = MIN(B, d->n_train - start);
            for (size_t r = 0; r < b; r++) {
                memcpy(m->x + r * m->n_in, d->x_train + idx[start + r] * m->n_in,
                       m->n_in * sizeof(float));
                memcpy(y_batch + r * m->n_out, d->y_train + idx[start + r] * m->n_out,
                       m->n_out * sizeof(float));
            }
            if (!model_forward(m, b, TRUE, dropout_rng, error))
                return FALSE;
            double batch_loss;
            if (loss->compute(e->loss.opts, &batch_loss, m->dpred, m->pred, y_batch, b,
                              m->n_out) < 0) {
                host_take_error(m->host, error, "loss \"%s\": ", e->loss.plugin->name);
                return FALSE;
            }
            batch_loss += model_penalty(m);
            if (!model_backward(m, b, error))
                return FALSE;
            model_add_penalty_grad(m);
            for (size_t k = 0; k < m->n_layers; k++)
                if (m->layers[k].w_count)
                    grad_sum[k] += layer_norm(m->dw + m->layers[k].w_offset, m->layers[k].w_count);
            ps.steps++;
            lr = isnan(lr0) ? NAN : sched->lr(e->schedule.opts, lr0, steps);
            if (m->n_w && opt->step(e->optimizer.opts, m->w, m->dw, opt_state, m->n_w, lr,
                                    steps + 1) < 0) {
                host_take_error(m->host, error, "optimizer \"%s\": ", e->optimizer.plugin->name);
                return FALSE;
            }
            steps++;
            loss_sum += batch_loss * (double)b;
        }
        double epoch_loss = loss_sum / (double)d->n_train;
        double val_loss = NAN;
        if (d->n_val && !eval_loss(m, &e->loss, d->x_val, d->y_val, d->n_val, &val_loss, error))
            return FALSE;
        if (!probe_epoch(m, d, &ps, out->metrics, epoch, epoch_loss, val_loss, lr, error))
            return FALSE;
        out->epochs_run = epoch;
        out->final_loss = epoch_loss;
        out->final_val_loss = val_loss;
        if (!isfinite(epoch_loss)) {
            /* Nothing is learned once the loss is NaN/Inf: the run has diverged. */
            out->diverged = TRUE;
            break;
        }
        if (e->train.timeout > 0 &&
            (double)(g_get_monotonic_time() - t0) / 1e6 > e->train.timeout) {
            out->status = RUN_TIMEOUT;
            out->reason = g_strdup_printf("exceeded train.timeout = %g s after epoch %d",
                                          e->train.timeout, epoch);
            break;
        }
    }
    return TRUE;
}

gboolean train_run(const experiment *e, uint64_t seed, fl_host *host, run_output *out,
                   GError **error)
{
    gint64 t0 = g_get_monotonic_time();
    memset(out, 0, sizeof *out);
    out->status = RUN_OK;
    out->final_loss = NAN;
    out->final_val_loss = NAN;
    out->metrics = g_string_new(NULL);
    g_autoptr(data_split) d = data_load(e, host, error);
    if (!d)
        return FALSE;
    g_autoptr(fl_rng) init_rng = rng_derive(seed, TRAIN_STREAM_INIT);
    g_autoptr(model) m = model_build(e, d->n_in, d->n_out, max_batch_of(e, d), host, init_rng, error);
    if (!m)
        return FALSE;
    write_header(out->metrics, m, d);
    g_autoptr(GError) err = NULL;
    if (!train_loop(e, seed, m, d, out, t0, &err)) {
        out->status = RUN_CRASHED;
        out->reason = g_strdup(err->message);
    }
    out->wall_ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
    return TRUE;
}
