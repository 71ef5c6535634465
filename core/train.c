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

/* Rows an evaluation forwards at a time: the larger of a training batch and the probe
 * batch (the model's batch size, unless the validation rows join the probe forward). */
static size_t eval_rows_of(const experiment *e, const data_split *d)
{
    size_t train = MIN((size_t)e->train.batch, d->n_train);
    return MAX(MAX(train, d->n_probe), (size_t)1);
}

/* The probe rows and the validation rows go through one forward after each epoch when the
 * validation rows are at most one evaluation chunk: two calls a layer fewer an epoch, on
 * the seed-scale sweep a tenth of oneDNN's calls.  0 when they do not. */
static size_t probe_val_rows(const experiment *e, const data_split *d)
{
    return d->n_val && d->n_val <= eval_rows_of(e, d) ? d->n_probe + d->n_val : 0;
}

static size_t max_batch_of(const experiment *e, const data_split *d)
{
    return MAX(eval_rows_of(e, d), probe_val_rows(e, d));
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

/* One run of a pack and what it owns besides its share of the model: its loss, probes,
 * detectors, optimizer state, random streams and batch order.  A run that stops or
 * crashes is `done`: the pack still computes its rows (they cost a batched call nothing
 * extra to speak of) but nothing reads them. */
typedef struct run_slot {
    model *m; /* its member of the pack */
    run_result *out;
    run_loss *loss;
    probe_book *book;
    detect_set *det;
    float *opt_state;
    fl_rng *shuffle_rng, *dropout_rng;
    size_t *idx;
    float *y_batch;
    probe_scores sc;
    int collapsed_since;
    int64_t steps;
    double loss_sum, batch_loss;
    size_t right;
    gboolean done;
    GError *crash; /* why it crashed, once it did */
} run_slot;

static void slot_clear(run_slot *s)
{
    g_clear_pointer(&s->loss, loss_free);
    g_clear_pointer(&s->book, probes_free);
    g_clear_pointer(&s->det, detect_free);
    g_clear_pointer(&s->opt_state, g_free);
    g_clear_pointer(&s->shuffle_rng, rng_free);
    g_clear_pointer(&s->dropout_rng, rng_free);
    g_clear_pointer(&s->idx, g_free);
    g_clear_pointer(&s->y_batch, g_free);
    g_clear_error(&s->crash);
}

/* The run fails here (a loss, optimizer or detector error): it leaves the pack. */
static void slot_crash(run_slot *s, GError **error)
{
    if (!s->crash)
        s->crash = g_steal_pointer(error);
    g_clear_error(error);
    s->done = TRUE;
}

/* What fails the pack's forward or backward fails every run still in it. */
static void pack_crash(run_slot *slots, size_t n, GError **error)
{
    for (size_t i = 0; i < n; i++)
        if (!slots[i].done) {
            GError *copy = g_error_copy(*error);
            slot_crash(&slots[i], &copy);
        }
    g_clear_error(error);
}

/* Add b rows' loss (times b) and rows classed right, predictions pred against targets y,
 * to a run's totals; FALSE when the loss failed (the run crashed). */
static gboolean score_rows(run_slot *s, const float *pred, const float *y, size_t b,
                           size_t n_out, double *total, size_t *right)
{
    GError *err = NULL;
    double l;
    if (!loss_compute(s->loss, &l, NULL, pred, y, b, n_out, &err)) {
        slot_crash(s, &err);
        return FALSE;
    }
    *total += l * (double)b;
    if (loss_flags(s->loss) & FL_LOSS_CLASSIFICATION)
        *right += probes_correct(loss_flags(s->loss), pred, y, b, n_out);
    return TRUE;
}

/* A run's loss (with penalties) and accuracy over n rows from its totals, as validation
 * (val) or training figures. */
static void set_scores(run_slot *s, double total, size_t right, size_t n, gboolean val)
{
    double loss = total / (double)n + model_penalty(s->m);
    double accuracy = loss_flags(s->loss) & FL_LOSS_CLASSIFICATION
                          ? (double)right / (double)n
                          : NAN;
    if (val) {
        s->sc.val_loss = loss;
        s->sc.val_accuracy = accuracy;
    } else {
        s->sc.loss = loss;
        s->sc.accuracy = accuracy;
    }
}

/* Loss (with penalties) over rows (n, n_in)/(n, n_out) in inference mode, in chunks of
 * `chunk` rows, for every run of the pack still in it, and for a classification loss the
 * share of rows classed right: into each run's scores, as validation (val) or training
 * figures. */
static void eval_loss(model *pm, run_slot *slots, const float *x, const float *y, size_t n,
                      size_t chunk, gboolean val)
{
    size_t P = pm->pack;
    g_autofree double *total = g_new0(double, P);
    g_autofree size_t *right = g_new0(size_t, P);
    GError *err = NULL;
    for (size_t start = 0; start < n; start += chunk) {
        size_t b = MIN(chunk, n - start);
        model_set_batch(pm, b);
        for (size_t r = 0; r < P; r++)
            if (!slots[r].done)
                memcpy(slots[r].m->x, x + start * pm->n_in, b * pm->n_in * sizeof(float));
        if (!model_forward(pm, b, FALSE, NULL, &err)) {
            pack_crash(slots, P, &err);
            return;
        }
        for (size_t r = 0; r < P; r++)
            if (!slots[r].done)
                score_rows(&slots[r], slots[r].m->pred, y + start * pm->n_out, b, pm->n_out,
                           &total[r], &right[r]);
    }
    for (size_t r = 0; r < P; r++)
        if (!slots[r].done)
            set_scores(&slots[r], total[r], right[r], n, val);
}

/* The probes of every run still in the pack, from one forward of the probe batch, and
 * with `val` the validation loss too: the validation rows follow the probe rows in that
 * forward (rows are computed apart, so each gets the values it gets alone). */
static void record_probes(const data_split *d, model *pm, run_slot *slots, int epoch,
                          gboolean val)
{
    size_t P = pm->pack, n_probe = 0;
    GError *err = NULL;
    for (size_t r = 0; r < P; r++)
        if (!slots[r].done)
            n_probe = probes_view(slots[r].book)->n_probe;
    if (!n_probe)
        return;
    size_t rows = n_probe + (val ? d->n_val : 0);
    model_set_batch(pm, rows);
    for (size_t r = 0; r < P; r++)
        if (!slots[r].done) {
            probes_stage(slots[r].book);
            if (val)
                memcpy(slots[r].m->x + n_probe * pm->n_in, d->x_val,
                       d->n_val * pm->n_in * sizeof(float));
        }
    if (!model_forward(pm, rows, FALSE, NULL, &err)) {
        pack_crash(slots, P, &err);
        return;
    }
    for (size_t r = 0; r < P; r++) {
        run_slot *s = &slots[r];
        double total = 0;
        size_t right = 0;
        if (val && !s->done &&
            score_rows(s, s->m->pred + n_probe * pm->n_out, d->y_val, d->n_val, pm->n_out,
                       &total, &right))
            set_scores(s, total, right, d->n_val, TRUE);
        if (!s->done)
            probes_record_staged(s->book, epoch, &s->sc);
    }
}

/* After an epoch: the validation loss and the probes, in one forward when they fit. */
static void end_of_epoch_eval(const experiment *e, const data_split *d, model *pm,
                              run_slot *slots, int epoch)
{
    gboolean together = probe_val_rows(e, d) > 0;
    if (d->n_val && !together)
        eval_loss(pm, slots, d->x_val, d->y_val, d->n_val, eval_rows_of(e, d), TRUE);
    record_probes(d, pm, slots, epoch, together);
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

/* Fisher-Yates; below[i] bounds the draw of step i (i + 1 rows left). */
static void shuffle(size_t *idx, size_t n, fl_rng *rng, const rng_range *below)
{
    for (size_t i = n; i-- > 1;) {
        size_t j = rng_below_in(rng, &below[i]);
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

/* The diagnosis of the findings that hold now, as the run's outcome, their words asked
 * for first (detect_describe).  A detector that fails to give them crashes the run. */
static void record_diagnosis(detect_set *det, gboolean final, run_result *out)
{
    GError *err = NULL;
    if (!detect_describe(det, &err)) {
        if (out->status == RUN_OK) {
            out->status = RUN_CRASHED;
            g_free(out->reason);
            out->reason = g_strdup(err->message);
        }
        g_error_free(err);
        final = FALSE;
    }
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

/* Set up run r of the pack: everything of its own, as one run alone would have it.
 * FALSE (error set) for what the experiment itself gets wrong. */
static gboolean slot_init(run_slot *s, const experiment *e, const data_split *d, model *pm,
                          size_t r, uint64_t seed, run_result *out, GError **error)
{
    fl_host *host = pm->host;
    s->m = model_member(pm, r);
    s->out = out;
    s->collapsed_since = -1;
    s->sc = (probe_scores){.val_loss = NAN, .val_accuracy = NAN};
    /* out says which run this is (its identity, or nothing); the outcome is filled here. */
    out->status = RUN_OK;
    out->final_loss = NAN;
    out->final_val_loss = NAN;
    out->baseline_loss = out->final_data_loss = out->final_accuracy = NAN;
    out->majority_accuracy = NAN;
    out->epochs_planned = e->train.epochs;
    out->causes = g_strdup("");
    out->findings = g_ptr_array_new_with_free_func((GDestroyNotify)finding_rec_free);
    if (!(s->loss = loss_new(&e->loss, host, d->y_train, d->n_train, d->n_out, error)) ||
        !(s->book = probes_new(e, d, s->loss, s->m, host, error)))
        return FALSE;
    out->out_names = g_strdupv(d->out_names);
    out->target_std = g_memdup2(d->target_std, d->n_out * sizeof(double));
    out->n_outputs = d->n_out;
    if (!(s->det = detect_new(e->detectors, host, error)))
        return FALSE;
    /* Memory that runs out from here on crashes the run, not the experiment. */
    const fl_optimizer_ops *opt = e->optimizer.plugin->ops.optimizer;
    size_t n_slots = opt->n_slots(e->optimizer.opts);
    GError *err = NULL;
    s->opt_state = host_try_new0(n_slots * pm->n_w, sizeof(float), "the optimizer's state", &err);
    s->idx = s->opt_state ? host_try_new0(d->n_train, sizeof(size_t), "the batch order", &err)
                          : NULL;
    s->y_batch = s->idx ? host_try_new0(pm->max_batch * pm->n_out, sizeof(float),
                                        "the batch targets", &err)
                        : NULL;
    if (!s->y_batch) {
        slot_crash(s, &err);
        return TRUE;
    }
    if (opt->init_state)
        opt->init_state(e->optimizer.opts, s->opt_state, pm->n_w);
    s->shuffle_rng = rng_derive(seed, TRAIN_STREAM_SHUFFLE);
    s->dropout_rng = rng_derive(seed, TRAIN_STREAM_DROPOUT);
    for (size_t i = 0; i < d->n_train; i++)
        s->idx[i] = i;
    return TRUE;
}

/* The run's time: its share of the pack's, from the pack's start. */
static double slot_wall_s(gint64 t0, size_t pack)
{
    return (double)(g_get_monotonic_time() - t0) / 1e6 / (double)pack;
}

/* One step of every run still in the pack on rows [start, start + b) of their orders. */
static void train_step(const experiment *e, const data_split *d, model *pm, run_slot *slots,
                       size_t start, size_t b)
{
    const fl_optimizer_ops *opt = e->optimizer.plugin->ops.optimizer;
    fl_host *host = pm->host;
    size_t P = pm->pack;
    GError *err = NULL;
    model_set_batch(pm, b);
    for (size_t r = 0; r < P; r++)
        if (!slots[r].done) {
            gather_rows(slots[r].m->x, d->x_train, slots[r].idx + start, b, pm->n_in);
            gather_rows(slots[r].y_batch, d->y_train, slots[r].idx + start, b, pm->n_out);
        }
    /* Only a pack of one holds layers that draw (dropout): its run's stream. */
    if (!model_forward(pm, b, TRUE, slots[0].dropout_rng, &err)) {
        pack_crash(slots, P, &err);
        return;
    }
    for (size_t r = 0; r < P; r++) {
        run_slot *s = &slots[r];
        if (s->done)
            continue;
        unsigned flags = loss_flags(s->loss);
        if (!loss_compute(s->loss, &s->batch_loss, s->m->dpred, s->m->pred, s->y_batch, b,
                          pm->n_out, &err)) {
            slot_crash(s, &err);
            continue;
        }
        /* Keras' accuracy: the predictions of the training forward, as the batch saw
         * them. */
        if (flags & FL_LOSS_CLASSIFICATION)
            s->right += probes_correct(flags, s->m->pred, s->y_batch, b, pm->n_out);
        s->batch_loss += model_penalty(s->m);
    }
    if (!model_backward(pm, b, &err)) {
        pack_crash(slots, P, &err);
        return;
    }
    for (size_t r = 0; r < P; r++) {
        run_slot *s = &slots[r];
        if (s->done)
            continue;
        model_add_penalty_grad(s->m);
        probes_add_step(s->book);
        if (!scheduled_lr(e, host, probes_view(s->book)->base_lr, s->steps, &s->sc.lr, &err)) {
            slot_crash(s, &err);
            continue;
        }
        host_clear_error(host);
        if (pm->n_w && opt->step(host, e->optimizer.opts, s->m->w, s->m->dw, s->opt_state,
                                 pm->n_w, s->sc.lr, s->steps + 1) < 0) {
            host_take_error(host, &err, "optimizer \"%s\": ", e->optimizer.plugin->name);
            slot_crash(s, &err);
            continue;
        }
        s->steps++;
        s->loss_sum += s->batch_loss * (double)b;
    }
}

/* After the epoch's steps, validation and probes: what run r's epoch ends with. */
static void end_epoch(const experiment *e, run_slot *s, int epoch, gint64 t0, size_t pack)
{
    GError *err = NULL;
    if (!detect_observe(s->det, probes_view(s->book), &err)) {
        slot_crash(s, &err);
        return;
    }
    run_result *out = s->out;
    out->epochs_run = epoch;
    out->final_loss = s->sc.loss;
    out->final_val_loss = s->sc.val_loss;
    if (diagnose_now(e, s->det, epoch, &s->collapsed_since, out)) {
        out->stopped_early = epoch < e->train.epochs;
        s->done = TRUE;
    } else if (!isfinite(s->sc.loss)) {
        /* Nothing is learned once the loss is NaN/Inf: the run has diverged. */
        out->diverged = TRUE;
        s->done = TRUE;
    } else if (e->train.timeout > 0 && slot_wall_s(t0, pack) > e->train.timeout) {
        out->status = RUN_TIMEOUT;
        out->reason = g_strdup_printf("exceeded train.timeout = %g s after epoch %d",
                                      e->train.timeout, epoch);
        s->done = TRUE;
    }
}

/* When half the runs computed have stopped, those still training move to the front and
 * only they are computed from then on: a pack whose runs mostly stopped early costs what
 * its live runs cost, not what the whole pack did.  Stable: the live runs keep their
 * order, and each its own weights, state and everything it owns. */
static void compact_pack(model *pm, run_slot *slots)
{
    size_t live = 0, runs = pm->runs;
    for (size_t r = 0; r < runs; r++)
        live += !slots[r].done;
    if (runs <= 1 || live == 0 || live > runs / 2)
        return;
    for (size_t r = 0, to = 0; r < runs; r++) {
        if (slots[r].done)
            continue;
        if (r != to) {
            model_move_run(pm, r, to);
            run_slot t = slots[to];
            slots[to] = slots[r];
            slots[r] = t;
        }
        to++;
    }
    for (size_t r = 0; r < runs; r++) {
        slots[r].m = model_member(pm, r);
        probes_set_model(slots[r].book, slots[r].m);
    }
    model_set_runs(pm, live);
}

/* Epoch 0 of every run: the untrained network recorded, then the pre-flight checks. */
static void epoch_zero(const experiment *e, const data_split *d, model *pm, run_slot *slots)
{
    size_t P = pm->pack;
    GError *err = NULL;
    for (size_t r = 0; r < P; r++) {
        run_slot *s = &slots[r];
        if (s->done)
            continue;
        if (!scheduled_lr(e, pm->host, probes_view(s->book)->base_lr, 0, &s->sc.lr, &err))
            slot_crash(s, &err);
        else
            probes_epoch_begin(s->book);
    }
    eval_loss(pm, slots, d->x_train, d->y_train, d->n_train, eval_rows_of(e, d), FALSE);
    end_of_epoch_eval(e, d, pm, slots, 0);
    for (size_t r = 0; r < P; r++)
        if (!slots[r].done && !detect_preflight(slots[r].det, probes_view(slots[r].book), &err))
            slot_crash(&slots[r], &err);
}

static void train_loop(const experiment *e, const data_split *d, model *pm, run_slot *slots,
                       gint64 t0)
{
    size_t P = pm->pack, B = (size_t)MIN((size_t)e->train.batch, d->n_train);
    B = MAX(B, (size_t)1);
    /* The shuffles' bounds, the same every epoch and for every run of the pack. */
    g_autofree rng_range *below = g_new(rng_range, MAX(d->n_train, (size_t)1));
    for (size_t i = 0; i < d->n_train; i++)
        rng_range_init(&below[i], (uint32_t)MIN(i + 1, (size_t)G_MAXINT32));
    epoch_zero(e, d, pm, slots);
    for (size_t r = 0; r < P; r++) {
        run_slot *s = &slots[r];
        if (!s->done && diagnose_now(e, s->det, 0, &s->collapsed_since, s->out)) {
            s->out->stopped_early = TRUE;
            s->done = TRUE;
        }
    }

    for (int epoch = 1; epoch <= e->train.epochs; epoch++) {
        size_t live = 0;
        for (size_t r = 0; r < P; r++) {
            run_slot *s = &slots[r];
            if (s->done)
                continue;
            live++;
            if (e->train.shuffle)
                shuffle(s->idx, d->n_train, s->shuffle_rng, below);
            probes_epoch_begin(s->book);
            s->loss_sum = 0;
            s->right = 0;
        }
        if (!live)
            break;
        compact_pack(pm, slots);
        for (size_t start = 0; start < d->n_train; start += B)
            train_step(e, d, pm, slots, start, MIN(B, d->n_train - start));
        for (size_t r = 0; r < P; r++) {
            run_slot *s = &slots[r];
            if (s->done)
                continue;
            s->sc.loss = s->loss_sum / (double)d->n_train;
            s->sc.accuracy = loss_flags(s->loss) & FL_LOSS_CLASSIFICATION
                                 ? (double)s->right / (double)d->n_train
                                 : NAN;
            s->sc.val_loss = s->sc.val_accuracy = NAN;
        }
        end_of_epoch_eval(e, d, pm, slots, epoch);
        for (size_t r = 0; r < P; r++)
            if (!slots[r].done)
                end_epoch(e, &slots[r], epoch, t0, P);
    }
}

/* A run that trained to its planned end has learned when its loss there is at most half
 * the mean predictor's and no output is flat: each spreads over the probe inputs by at
 * least a tenth of its targets' spread (below that, constant_output's own end-of-run rule
 * calls an output flat).  A collapse is concluded from a stall, and such a run went on past
 * it (measured: three sigmoid layers of 8 on circles under SGD sat at ln 2 for 300 of 2,000
 * epochs, were called collapsed from epoch 1 by vanishing_gradient and constant_output, and
 * ended at 100% accuracy, loss 3e-4). */
static const double LEARNED_FIT = 0.5, LEARNED_SPREAD = 0.1;

static gboolean slot_learned(const run_slot *s, detect_learned *l)
{
    const fl_probes *p = probes_view(s->book);
    if (p->max_epochs <= 0 || p->n_epochs != (size_t)p->max_epochs)
        return FALSE;
    const fl_epoch_probe *now = fl_probes_now(p);
    l->epoch = (int)p->n_epochs;
    l->fit = fl_fit_ratio(p, now);
    l->spread = INFINITY;
    for (size_t o = 0; o < p->n_outputs; o++) {
        /* An output whose targets do not vary gives nothing to judge by. */
        double ratio = p->target_std[o] > 0 ? now->out_std[o] / p->target_std[o] : NAN;
        l->spread = isnan(ratio) ? NAN : MIN(l->spread, ratio);
    }
    return l->fit <= LEARNED_FIT && l->spread >= LEARNED_SPREAD;
}

/* What a run ends with once it left the pack: its final diagnosis and figures. */
static void slot_finish(run_slot *s, gint64 t0, size_t pack)
{
    run_result *out = s->out;
    if (s->crash) {
        out->status = RUN_CRASHED;
        g_free(out->reason);
        out->reason = g_strdup(s->crash->message);
    }
    /* A run that learned by its end has no collapse, and nothing that held on the way
     * makes one of it (diagnosis rule 2 is for runs that end flat). */
    detect_learned learned;
    gboolean overruled = out->status == RUN_OK && slot_learned(s, &learned) &&
                         detect_overrule_collapses(s->det, &learned) > 0;
    /* The final diagnosis; a run that crashed or timed out keeps what held at its last
     * epoch. */
    record_diagnosis(s->det, out->status == RUN_OK && !overruled, out);
    /* Only a run that trained has a last epoch to read. */
    if (out->status == RUN_OK) {
        const fl_probes *view = probes_view(s->book);
        out->baseline_loss = view->baseline_loss;
        out->final_data_loss = fl_data_loss(fl_probes_now(view));
        out->final_accuracy = fl_probes_now(view)->accuracy;
        out->majority_accuracy = fl_majority_accuracy(view);
    }
    if (out->findings->len)
        out->advice = g_strdup(((finding_rec *)out->findings->pdata[0])->advice);
    out->metrics = probes_take_csv(s->book);
    out->wall_ms = slot_wall_s(t0, pack) * 1000.0;
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
    return train_pack_on(e, d, kept, &seed, 1, host, &out, error);
}

/* Products of a run's training step (its weights times the batch) up to which packing
 * pays.  Measured on the 2-core development machine, 16 runs packed against alone: 2-10-1
 * (1.3e3 products a step) 0.65 of the time, 8-16-16-1 (1.3e4) 0.82, 8-64-64-1 (1.5e5) the
 * same, 784-64-64-10 at batch 256 (1.4e7) 1.1: the calls a pack shares matter only while
 * a run's products are few, and beyond that the pack's weight copies cost more. */
enum { TRAIN_PACK_MAX_PRODUCTS = 1 << 17 };

size_t train_pack_size(const experiment *e, const data_split *d, fl_host *host)
{
    if (e->train.pack <= 1 || !model_packs(e))
        return 1;
    size_t n_w = 0, batch = MIN((size_t)e->train.batch, d->n_train);
    if (!model_count_weights(e, &d->in_shape, d->n_in, host, &n_w) ||
        n_w * batch > TRAIN_PACK_MAX_PRODUCTS)
        return 1;
    return (size_t)e->train.pack;
}

gboolean train_pack_on(const experiment *e, const data_split *d, model **kept,
                       const uint64_t *seeds, size_t pack, fl_host *host, run_result **outs,
                       GError **error)
{
    gint64 t0 = g_get_monotonic_time();
    for (size_t r = 0; r < pack; r++)
        g_return_val_if_fail(!outs[r]->findings && !outs[r]->metrics, FALSE);
    g_return_val_if_fail(pack == 1 || model_packs(e), FALSE);
    g_autoptr(GPtrArray) rngs = g_ptr_array_new_with_free_func((GDestroyNotify)rng_free);
    for (size_t r = 0; r < pack; r++)
        g_ptr_array_add(rngs, rng_derive(seeds[r], TRAIN_STREAM_INIT));
    fl_rng *const *init_rngs = (fl_rng *const *)rngs->pdata;
    g_autoptr(model) m = kept && *kept && (*kept)->pack == pack ? g_steal_pointer(kept) : NULL;
    for (size_t r = 0; m && r < pack; r++)
        if (!model_reinit_member(m, r, init_rngs[r], error))
            return FALSE;
    GError *pack_err = NULL;
    if (!m)
        m = model_build_pack(e, &d->in_shape, d->n_in, d->n_out, max_batch_of(e, d), pack,
                             host, init_rngs, pack > 1 ? &pack_err : error);
    if (!m && pack > 1 && g_error_matches(pack_err, FL_HOST_ERROR, HOST_ERROR_MEMORY)) {
        /* A pack that does not fit in memory: its runs train one after another, each
         * fitting as it would alone (or refused as it would be). */
        g_clear_error(&pack_err);
        for (size_t r = 0; r < pack; r++)
            if (!train_pack_on(e, d, kept, &seeds[r], 1, host, &outs[r], error))
                return FALSE;
        return TRUE;
    }
    if (pack_err)
        g_propagate_error(error, pack_err);
    if (!m)
        return FALSE;
    model_set_runs(m, pack);
    g_autofree run_slot *slots = g_new0(run_slot, pack);
    gboolean ok = TRUE;
    for (size_t r = 0; r < pack && ok; r++)
        ok = slot_init(&slots[r], e, d, m, r, seeds[r], outs[r], error);
    if (ok) {
        train_loop(e, d, m, slots, t0);
        for (size_t r = 0; r < pack; r++)
            slot_finish(&slots[r], t0, pack);
    }
    gboolean crashed = FALSE;
    for (size_t r = 0; r < pack; r++) {
        crashed |= slots[r].crash != NULL;
        slot_clear(&slots[r]);
    }
    /* A crashed run may have left a layer mid-pass: only a finished pack's model is kept. */
    if (ok && kept && !crashed && model_reusable(m)) {
        model_free(*kept);
        *kept = g_steal_pointer(&m);
    }
    return ok;
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
    g_autoptr(run_result) out = g_new0(run_result, 1);
    run_slot s = {0};
    gboolean ok = slot_init(&s, e, d, m, 0, seed, out, error);
    /* Epoch 0 exactly as train_loop records it, then the pre-flight checks. */
    if (ok)
        epoch_zero(e, d, m, &s);
    if (ok && s.crash) {
        g_propagate_error(error, g_steal_pointer(&s.crash));
        ok = FALSE;
    }
    if (ok) {
        GPtrArray *now = detect_findings(s.det);
        for (guint i = 0; i < now->len; i++)
            g_ptr_array_add(findings, finding_rec_copy(now->pdata[i]));
    }
    slot_clear(&s);
    return ok;
}
