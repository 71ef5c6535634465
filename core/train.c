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
#include "loss.h"
#include "model.h"
#include "params.h"
#include "probes.h"
#include "detect.h"

#include <math.h>
#include <string.h>

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
    g_autoptr(model) m =
        model_build(e, &d->in_shape, d->n_in, d->n_out, max_batch_of(e, d), host, rng, error);
    if (!m)
        return FALSE;
    g_autoptr(run_loss) loss = loss_new(&e->loss, host, d->y_train, d->n_train, d->n_out, error);
    return loss != NULL;
}

/* Loss (with penalties) over rows (n, n_in)/(n, n_out) in inference mode, in chunks, and
 * for a classification loss the share of rows classed right (*accuracy, else NaN). */
static gboolean eval_loss(model *m, run_loss *loss, const float *x, const float *y, size_t n,
                          double *out, double *accuracy, GError **error)
{
    unsigned flags = loss_flags(loss);
    double total = 0;
    size_t right = 0;
    for (size_t start = 0; start < n; start += m->max_batch) {
        size_t b = MIN(m->max_batch, n - start);
        memcpy(m->x, x + start * m->n_in, b * m->n_in * sizeof(float));
        if (!model_forward(m, b, FALSE, NULL, error))
            return FALSE;
        double l;
        if (!loss_compute(loss, &l, NULL, m->pred, y + start * m->n_out, b, m->n_out, error))
            return FALSE;
        total += l * (double)b;
        if (flags & FL_LOSS_CLASSIFICATION)
            right += probes_correct(flags, m->pred, y + start * m->n_out, b, m->n_out);
    }
    *out = total / (double)n + model_penalty(m);
    *accuracy = flags & FL_LOSS_CLASSIFICATION ? (double)right / (double)n : NAN;
    return TRUE;
}

/* dst (n, width) = rows idx[0..n) of src.  Rows of a few values (the seed-scale sweep has
 * two inputs and one target) are copied value by value: a memcpy call per row was 4% of
 * a run. */
static void gather_rows(float *restrict dst, const float *restrict src, const size_t *idx,
                        size_t n, size_t width)
{
    if (width > 8) {
        for (size_t r = 0; r < n; r++)
            memcpy(dst + r * width, src + idx[r] * width, width * sizeof(float));
        return;
    }
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < width; j++)
            dst[r * width + j] = src[idx[r] * width + j];
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

/* A collapsed symptom with no cause yet: epochs to wait for the cause detectors (whose
 * patience is typically 5) before stopping, so the run ends with its reason and not only
 * its symptom (measured: a dead 1-unit bottleneck showed constant_output at epoch 3 and
 * dead_relu only at epoch 6). */
enum { STOP_WAIT_FOR_CAUSE = 5 };

/* The diagnosis of the findings that hold now, as the run's outcome. */
static void record_diagnosis(detect_set *det, gboolean final, run_result *out)
{
    diagnosis dg;
    diagnose(detect_findings(det), final, &dg);
    out->verdict = dg.verdict;
    g_free(out->causes);
    out->causes = diagnosis_causes(&dg);
    g_ptr_array_set_size(out->findings, 0);
    for (guint i = 0; i < dg.ordered->len; i++)
        g_ptr_array_add(out->findings, finding_rec_copy(dg.ordered->pdata[i]));
    diagnosis_clear(&dg);
}

/* TRUE when the run should stop here: its diagnosis is a certain collapse (recorded in
 * out then).  *since: the epoch the verdict first became collapsed (-1 until then).  Only
 * the verdict is needed to decide, so the findings are copied out only when the run
 * stops: a run that goes on is diagnosed again at its end (measured: copying them every
 * epoch was a fifth of what the detectors cost on the seed-scale sweep). */
static gboolean diagnose_now(const experiment *e, detect_set *det, int epoch, int *since,
                             run_result *out)
{
    if (e->train.stop_on != STOP_ON_COLLAPSED)
        return FALSE;
    diagnosis dg;
    diagnose(detect_findings(det), FALSE, &dg);
    gboolean collapsed = dg.verdict == VERDICT_COLLAPSED, has_cause = FALSE;
    for (guint i = 0; i < dg.ordered->len; i++)
        has_cause |= diagnosis_is_cause(dg.ordered->pdata[i]);
    diagnosis_clear(&dg);
    if (!collapsed)
        return FALSE;
    if (*since < 0)
        *since = epoch;
    if (!has_cause && epoch - *since < STOP_WAIT_FOR_CAUSE)
        return FALSE;
    record_diagnosis(det, FALSE, out);
    return TRUE;
}

/* The schedule's rate for the step after `steps` steps (NaN: an optimizer without lr). */
static gboolean scheduled_lr(const experiment *e, fl_host *host, double lr0, int64_t steps,
                             double *lr, GError **error)
{
    *lr = NAN;
    if (isnan(lr0))
        return TRUE;
    host_clear_error(host);
    if (e->schedule.plugin->ops.schedule->lr(host, e->schedule.opts, lr0, steps, lr) < 0) {
        host_take_error(host, error, "schedule \"%s\": ", e->schedule.plugin->name);
        return FALSE;
    }
    return TRUE;
}

static gboolean train_loop(const experiment *e, uint64_t seed, model *m, const data_split *d,
                           run_loss *loss, probe_book *book, detect_set *det, run_result *out,
                           gint64 t0, GError **error)
{
    const fl_optimizer_ops *opt = e->optimizer.plugin->ops.optimizer;
    const fl_probes *view = probes_view(book);
    fl_host *host = m->host;
    unsigned flags = loss_flags(loss);
    gboolean classifies = (flags & FL_LOSS_CLASSIFICATION) != 0;
    double lr0 = view->base_lr;
    size_t n_slots = opt->n_slots(e->optimizer.opts);
    g_autofree float *opt_state =
        host_try_new0(n_slots * m->n_w, sizeof(float), "the optimizer's state", error);
    if (!opt_state)
        return FALSE;
    if (opt->init_state)
        opt->init_state(e->optimizer.opts, opt_state, m->n_w);
    g_autoptr(fl_rng) shuffle_rng = rng_derive(seed, TRAIN_STREAM_SHUFFLE);
    g_autoptr(fl_rng) dropout_rng = rng_derive(seed, TRAIN_STREAM_DROPOUT);
    g_autofree size_t *idx = host_try_new0(d->n_train, sizeof(size_t), "the batch order", error);
    g_autofree float *y_batch =
        host_try_new0(m->max_batch * m->n_out, sizeof(float), "the batch targets", error);
    if (!idx || !y_batch)
        return FALSE;
    for (size_t i = 0; i < d->n_train; i++)
        idx[i] = i;
    size_t B = view->batch;
    int64_t steps = 0;
    probe_scores sc = {.val_loss = NAN, .val_accuracy = NAN};
    if (!scheduled_lr(e, host, lr0, 0, &sc.lr, error))
        return FALSE;

    /* Epoch 0: the untrained network, then the pre-flight checks. */
    probes_epoch_begin(book);
    if (!eval_loss(m, loss, d->x_train, d->y_train, d->n_train, &sc.loss, &sc.accuracy, error) ||
        (d->n_val && !eval_loss(m, loss, d->x_val, d->y_val, d->n_val, &sc.val_loss,
                                &sc.val_accuracy, error)) ||
        !probes_record(book, 0, &sc, error) || !detect_preflight(det, view, error))
        return FALSE;
    int collapsed_since = -1;
    if (diagnose_now(e, det, 0, &collapsed_since, out)) {
        out->stopped_early = TRUE;
        return TRUE;
    }

    for (int epoch = 1; epoch <= e->train.epochs; epoch++) {
        if (e->train.shuffle)
            shuffle(idx, d->n_train, shuffle_rng);
        probes_epoch_begin(book);
        double loss_sum = 0;
        size_t right = 0;
        for (size_t start = 0; start < d->n_train; start += B) {
            size_t b = MIN(B, d->n_train - start);
            gather_rows(m->x, d->x_train, idx + start, b, m->n_in);
            gather_rows(y_batch, d->y_train, idx + start, b, m->n_out);
            if (!model_forward(m, b, TRUE, dropout_rng, error))
                return FALSE;
            double batch_loss;
            if (!loss_compute(loss, &batch_loss, m->dpred, m->pred, y_batch, b, m->n_out, error))
                return FALSE;
            /* Keras' accuracy: the predictions of the training forward, as the batch saw
             * them. */
            if (classifies)
                right += probes_correct(flags, m->pred, y_batch, b, m->n_out);
            batch_loss += model_penalty(m);
            if (!model_backward(m, b, error))
                return FALSE;
            model_add_penalty_grad(m);
            probes_add_step(book);
            if (!scheduled_lr(e, host, lr0, steps, &sc.lr, error))
                return FALSE;
            host_clear_error(host);
            if (m->n_w && opt->step(host, e->optimizer.opts, m->w, m->dw, opt_state, m->n_w, sc.lr,
                                    steps + 1) < 0) {
                host_take_error(host, error, "optimizer \"%s\": ", e->optimizer.plugin->name);
                return FALSE;
            }
            steps++;
            loss_sum += batch_loss * (double)b;
        }
        sc.loss = loss_sum / (double)d->n_train;
        sc.accuracy = classifies ? (double)right / (double)d->n_train : NAN;
        sc.val_loss = sc.val_accuracy = NAN;
        if (d->n_val && !eval_loss(m, loss, d->x_val, d->y_val, d->n_val, &sc.val_loss,
                                   &sc.val_accuracy, error))
            return FALSE;
        if (!probes_record(book, epoch, &sc, error) || !detect_observe(det, view, error))
            return FALSE;
        out->epochs_run = epoch;
        out->final_loss = sc.loss;
        out->final_val_loss = sc.val_loss;
        if (diagnose_now(e, det, epoch, &collapsed_since, out)) {
            out->stopped_early = epoch < e->train.epochs;
            break;
        }
        if (!isfinite(sc.loss)) {
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

gboolean train_run(const experiment *e, uint64_t seed, fl_host *host, run_result *out,
                   GError **error)
{
    g_autoptr(data_split) d = data_load(e, host, error);
    return d && train_run_on(e, d, NULL, seed, host, out, error);
}

gboolean train_run_on(const experiment *e, const data_split *d, model **kept, uint64_t seed,
                      fl_host *host, run_result *out, GError **error)
{
    gint64 t0 = g_get_monotonic_time();
    /* out says which run this is (its identity, or nothing); the outcome is filled here. */
    g_return_val_if_fail(!out->findings && !out->metrics, FALSE);
    out->status = RUN_OK;
    out->final_loss = NAN;
    out->final_val_loss = NAN;
    out->baseline_loss = out->final_data_loss = out->final_accuracy = NAN;
    out->majority_accuracy = NAN;
    out->epochs_planned = e->train.epochs;
    out->causes = g_strdup("");
    out->findings = g_ptr_array_new_with_free_func((GDestroyNotify)finding_rec_free);
    g_autoptr(fl_rng) init_rng = rng_derive(seed, TRAIN_STREAM_INIT);
    g_autoptr(model) m = kept ? g_steal_pointer(kept) : NULL;
    if (m && !model_reinit(m, init_rng, error))
        return FALSE;
    if (!m)
        m = model_build(e, &d->in_shape, d->n_in, d->n_out, max_batch_of(e, d), host, init_rng,
                        error);
    if (!m)
        return FALSE;
    g_autoptr(run_loss) loss = loss_new(&e->loss, host, d->y_train, d->n_train, d->n_out, error);
    if (!loss)
        return FALSE;
    g_autoptr(probe_book) book = probes_new(e, d, loss, m, host, error);
    if (!book)
        return FALSE;
    out->out_names = g_strdupv(d->out_names);
    out->target_std = g_memdup2(d->target_std, d->n_out * sizeof(double));
    out->n_outputs = d->n_out;
    g_autoptr(detect_set) det = detect_new(e->detectors, host, error);
    if (!det)
        return FALSE;
    g_autoptr(GError) err = NULL;
    if (!train_loop(e, seed, m, d, loss, book, det, out, t0, &err)) {
        out->status = RUN_CRASHED;
        out->reason = g_strdup(err->message);
    }
    /* The final diagnosis; a run that crashed or timed out keeps what held at its last
     * epoch. */
    record_diagnosis(det, out->status == RUN_OK, out);
    /* Only a run that trained has a last epoch to read. */
    if (out->status == RUN_OK) {
        const fl_probes *view = probes_view(book);
        out->baseline_loss = view->baseline_loss;
        out->final_data_loss = fl_data_loss(fl_probes_now(view));
        out->final_accuracy = fl_probes_now(view)->accuracy;
        out->majority_accuracy = fl_majority_accuracy(view);
    }
    if (out->findings->len)
        out->advice = g_strdup(((finding_rec *)out->findings->pdata[0])->advice);
    out->metrics = g_string_new_len(probes_csv(book)->str, (gssize)probes_csv(book)->len);
    out->wall_ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
    /* A crashed run may have left a layer mid-pass: only a finished run's model is kept. */
    if (kept && out->status != RUN_CRASHED && model_reusable(m))
        *kept = g_steal_pointer(&m);
    return TRUE;
}

gboolean train_preflight(const experiment *e, uint64_t seed, fl_host *host, GPtrArray *findings,
                         GError **error)
{
    g_autoptr(data_split) d = data_load(e, host, error);
    if (!d)
        return FALSE;
    g_autoptr(fl_rng) init_rng = rng_derive(seed, TRAIN_STREAM_INIT);
    g_autoptr(model) m =
        model_build(e, &d->in_shape, d->n_in, d->n_out, max_batch_of(e, d), host, init_rng, error);
    if (!m)
        return FALSE;
    g_autoptr(run_loss) loss = loss_new(&e->loss, host, d->y_train, d->n_train, d->n_out, error);
    if (!loss)
        return FALSE;
    g_autoptr(probe_book) book = probes_new(e, d, loss, m, host, error);
    if (!book)
        return FALSE;
    g_autoptr(detect_set) det = detect_new(e->detectors, host, error);
    if (!det)
        return FALSE;
    /* Epoch 0 exactly as train_loop records it, then the pre-flight checks. */
    const fl_probes *view = probes_view(book);
    probe_scores sc = {.val_loss = NAN, .val_accuracy = NAN};
    if (!scheduled_lr(e, host, view->base_lr, 0, &sc.lr, error))
        return FALSE;
    probes_epoch_begin(book);
    if (!eval_loss(m, loss, d->x_train, d->y_train, d->n_train, &sc.loss, &sc.accuracy, error) ||
        (d->n_val && !eval_loss(m, loss, d->x_val, d->y_val, d->n_val, &sc.val_loss,
                                &sc.val_accuracy, error)) ||
        !probes_record(book, 0, &sc, error) || !detect_preflight(det, view, error))
        return FALSE;
    GPtrArray *now = detect_findings(det);
    for (guint i = 0; i < now->len; i++)
        g_ptr_array_add(findings, finding_rec_copy(now->pdata[i]));
    return TRUE;
}
