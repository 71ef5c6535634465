/* train.c — the training loop of one run and the probes it records each epoch.
 *
 * Keras semantics where they matter for comparison: the epoch's loss is the mean of its
 * batch losses weighted by batch size, penalties included; the last batch may be short;
 * validation loss is computed in inference mode after the epoch.  After every epoch
 * (and once before training: epoch 0) the probes are recorded (probes.c) and the
 * detectors observe them; once the diagnosis is a certain collapse and
 * train.stop_on = "collapsed", the run stops there. */
#include "train.h"
#include "data.h"
#include "host.h"
#include "model.h"
#include "params.h"
#include "probes.h"
#include "detect.h"

#include <math.h>
#include <string.h>

void run_output_clear(run_output *out)
{
    g_clear_pointer(&out->reason, g_free);
    g_clear_pointer(&out->causes, g_free);
    if (out->findings)
        g_ptr_array_free(out->findings, TRUE);
    out->findings = NULL;
    g_clear_pointer(&out->out_names, g_strfreev);
    if (out->target_std)
        g_array_free(out->target_std, TRUE);
    out->target_std = NULL;
    if (out->metrics)
        g_string_free(out->metrics, TRUE);
    out->metrics = NULL;
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

static void shuffle(size_t *idx, size_t n, fl_rng *rng)
{
    for (size_t i = n; i-- > 1;) {
        size_t j = rng_below(rng, (uint32_t)(i + 1));
        size_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

static finding_rec *finding_copy(const finding_rec *f)
{
    finding_rec *c = g_memdup2(f, sizeof *f);
    c->detector = g_strdup(f->detector);
    c->evidence = g_strdup(f->evidence);
    c->cause = g_strdup(f->cause);
    c->advice = g_strdup(f->advice);
    return c;
}

/* A collapsed symptom with no cause yet: epochs to wait for the cause detectors (whose
 * patience is typically 5) before stopping, so the run ends with its reason and not only
 * its symptom (measured: a dead 1-unit bottleneck showed constant_output at epoch 3 and
 * dead_relu only at epoch 6). */
enum { STOP_WAIT_FOR_CAUSE = 5 };

/* Diagnose the findings that hold now; TRUE when the run should stop here.  *since: the
 * epoch the verdict first became collapsed (-1 until then). */
static gboolean diagnose_now(const experiment *e, detect_set *det, gboolean final, int epoch,
                             int *since, run_output *out)
{
    diagnosis dg;
    diagnose(detect_findings(det), final, &dg);
    out->verdict = dg.verdict;
    g_free(out->causes);
    out->causes = diagnosis_causes(&dg);
    g_ptr_array_set_size(out->findings, 0);
    gboolean has_cause = FALSE;
    for (guint i = 0; i < dg.ordered->len; i++) {
        const finding_rec *f = dg.ordered->pdata[i];
        has_cause |= !(f->flags & FL_DETECTS_SYMPTOM) || (f->flags & FL_DETECTS_CAUSE);
        g_ptr_array_add(out->findings, finding_copy(f));
    }
    diagnosis_clear(&dg);
    if (final || e->train.stop_on != STOP_ON_COLLAPSED || out->verdict != VERDICT_COLLAPSED)
        return FALSE;
    if (*since < 0)
        *since = epoch;
    return has_cause || epoch - *since >= STOP_WAIT_FOR_CAUSE;
}

static gboolean train_loop(const experiment *e, uint64_t seed, model *m, const data_split *d,
                           probe_book *book, detect_set *det, run_output *out, gint64 t0,
                           GError **error)
{
    const fl_loss_ops *loss = e->loss.plugin->ops;
    const fl_optimizer_ops *opt = e->optimizer.plugin->ops;
    const fl_schedule_ops *sched = e->schedule.plugin->ops;
    const fl_probes *view = probes_view(book);
    double lr0 = view->base_lr;
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
    size_t B = view->batch;
    int64_t steps = 0;
    double lr = isnan(lr0) ? NAN : sched->lr(e->schedule.opts, lr0, 0);

    /* Epoch 0: the untrained network, then the pre-flight checks. */
    double loss0, val0 = NAN;
    probes_epoch_begin(book);
    if (!eval_loss(m, &e->loss, d->x_train, d->y_train, d->n_train, &loss0, error) ||
        (d->n_val && !eval_loss(m, &e->loss, d->x_val, d->y_val, d->n_val, &val0, error)) ||
        !probes_record(book, 0, loss0, val0, lr, error) || !detect_preflight(det, view, error))
        return FALSE;
    int collapsed_since = -1;
    if (diagnose_now(e, det, FALSE, 0, &collapsed_since, out)) {
        out->stopped_early = TRUE;
        return TRUE;
    }

    for (int epoch = 1; epoch <= e->train.epochs; epoch++) {
        if (e->train.shuffle)
            shuffle(idx, d->n_train, shuffle_rng);
        probes_epoch_begin(book);
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
            probes_add_step(book);
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
        if (!probes_record(book, epoch, epoch_loss, val_loss, lr, error) ||
            !detect_observe(det, view, error))
            return FALSE;
        out->epochs_run = epoch;
        out->final_loss = epoch_loss;
        out->final_val_loss = val_loss;
        if (diagnose_now(e, det, FALSE, epoch, &collapsed_since, out)) {
            out->stopped_early = epoch < e->train.epochs;
            break;
        }
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
    out->epochs_planned = e->train.epochs;
    out->causes = g_strdup("");
    out->findings = g_ptr_array_new_with_free_func((GDestroyNotify)finding_rec_free);
    g_autoptr(data_split) d = data_load(e, host, error);
    if (!d)
        return FALSE;
    g_autoptr(fl_rng) init_rng = rng_derive(seed, TRAIN_STREAM_INIT);
    g_autoptr(model) m = model_build(e, d->n_in, d->n_out, max_batch_of(e, d), host, init_rng, error);
    if (!m)
        return FALSE;
    g_autoptr(probe_book) book = probes_new(e, d, m, error);
    if (!book)
        return FALSE;
    out->out_names = g_strdupv(d->out_names);
    out->target_std = g_array_new(FALSE, FALSE, sizeof(double));
    g_array_append_vals(out->target_std, d->target_std, d->n_out);
    g_autoptr(detect_set) det = detect_new(e->detectors, host, error);
    if (!det)
        return FALSE;
    g_autoptr(GError) err = NULL;
    if (!train_loop(e, seed, m, d, book, det, out, t0, &err)) {
        out->status = RUN_CRASHED;
        out->reason = g_strdup(err->message);
    }
    int unused = -1;
    if (out->status == RUN_OK)
        diagnose_now(e, det, TRUE, out->epochs_run, &unused, out);
    out->metrics = g_string_new_len(probes_csv(book)->str, (gssize)probes_csv(book)->len);
    out->wall_ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
    return TRUE;
}
