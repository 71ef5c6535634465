/* batchnorm.c — cause: batch normalization (layers flagged FL_LAYER_BATCH_STATS) that
 * cannot work as configured.  It normalizes by each batch's statistics in training and by
 * moving averages of them in inference, which gives two failures:
 *
 * - Batches of one row, in a layer whose features are flat (statistics over the rows
 *   alone): every value minus the mean of one row is 0, so the layer passes its offset and
 *   nothing of the input.  Before training, a collapse (a dense relu layer of 16 with
 *   batch normalization on circles at batch 1 stayed at the mean's loss in 5 seeds of 5,
 *   named only `underfit` before).  Convolution outputs are normalized over the positions
 *   too and are not judged.
 * - Moving averages that have not caught up: the network fits in training but answers
 *   every input alike in inference.  With Keras' momentum 0.99 an average keeps 0.99^k of
 *   where it started after k steps: 13% after 200, the 20 epochs of ten batches in which
 *   three sigmoid layers with batch normalization on circles reached 99% of the training
 *   rows right while every probe input got the same answer and the validation rows were
 *   classed at their majority (momentum 0.9, the same training: healthy in 5 seeds of 5).
 *   The training-mode loss (the mean of the epoch's batch losses) at most fit x the mean
 *   predictor's, while every output spreads over the probe inputs (run in inference mode)
 *   by less than flat x its targets' spread, for `patience` epochs: a warning, named as the
 *   cause of the flat output the symptom detectors see.  Still so when the run ends: a
 *   collapse, the trained network answers alike whatever the input. */
#include "evidence.h"
#include "priorities.h"

#include <stddef.h>

typedef struct batchnorm_opts {
    double fit;
    double flat;
    int patience;
} batchnorm_opts;

/* fit 0.5: a training loss at half the mean predictor's is learning by any account (the
 * bound underfit and the end-of-run rule use).  flat 0.1: constant_output's bound for an
 * output flat at a run's end.  patience 5, as the other detectors. */
static const fl_param batchnorm_params[] = {
    {"fit", FL_PARAM_FLOAT, "0.5", "(0, 1]", NULL,
     "the training-mode loss at most this fraction of the mean predictor's: it fits in training",
     offsetof(batchnorm_opts, fit)},
    {"flat", FL_PARAM_FLOAT, "0.1", "(0, 1]", NULL,
     "every output spread over the probe inputs in inference below this fraction of its "
     "targets' spread: it answers alike",
     offsetof(batchnorm_opts, flat)},
    {"patience", FL_PARAM_INT, "5", "[1, 10000]", NULL, "epochs in a row it must hold",
     offsetof(batchnorm_opts, patience)},
    FL_PARAM_END};

/* How many layers normalize by batch statistics (flat_only: over the rows alone, their
 * features flat), their names into `names` (", ") when it is not NULL. */
static size_t batchnorm_layers(const fl_probes *p, bool flat_only, GString *names)
{
    size_t n = 0;
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        if (!(l->layer_flags & FL_LAYER_BATCH_STATS) || (flat_only && l->in_shape.rank > 1))
            continue;
        if (names)
            g_string_append_printf(names, "%s%s", n ? ", " : "", l->name);
        n++;
    }
    return n;
}

/* The widest output spread in inference relative to its targets' at epoch k (NaN when no
 * output has varying targets). */
static double widest_spread(const fl_probes *p, size_t k)
{
    const fl_epoch_probe *e = fl_probes_epoch(p, k);
    double widest = NAN;
    for (size_t o = 0; o < p->n_outputs; o++)
        if (p->target_std[o] > 0 && isfinite(e->out_std[o]))
            widest = isnan(widest) ? e->out_std[o] / p->target_std[o]
                                   : fmax(widest, e->out_std[o] / p->target_std[o]);
    return widest;
}

/* Batches of one row into a layer that normalizes flat features over the rows. */
static int batchnorm_preflight(void *state, const void *opts, const fl_probes *p,
                               fl_report_fn report, void *ctx)
{
    (void)state, (void)opts;
    if (p->batch != 1)
        return 0;
    g_autoptr(GString) names = g_string_new(NULL);
    size_t n = batchnorm_layers(p, true, names);
    if (!n)
        return 0;
    size_t batch = MIN((size_t)32, p->n_train);
    g_autofree char *evidence = g_strdup_printf(
        "train.batch is 1 and %s normalize%s each feature over the batch's rows", names->str,
        n == 1 ? "s" : "");
    g_autofree char *cause = g_strdup_printf(
        "batch normalization over one row: each value minus that row's mean is 0, so %s "
        "pass%s only %s offset, nothing of the input",
        names->str, n == 1 ? "es" : "", n == 1 ? "its" : "their");
    g_autofree char *advice =
        g_strdup_printf("raise train.batch from 1 (try %zu), or remove %s", batch, names->str);
    fl_fix_set fixes = {0};
    if (batch > 1)
        fl_fixes_add(&fixes, "batch statistics of several rows carry the input",
                     "train.batch=%zu", batch);
    fl_measure_set m = {0};
    fl_measures_add(&m, 1.0, "batch");
    fl_measures_add(&m, (double)n, "layers");
    fl_finding f = {.size = sizeof f,
                    .level = FL_LEVEL_COLLAPSED,
                    .epoch = 0,
                    .evidence = evidence,
                    .cause = cause,
                    .advice = advice};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &m);
    report(ctx, &f);
    return 0;
}

static bool batchnorm_holds(const fl_probes *p, size_t k, size_t unused, const void *opts)
{
    (void)unused;
    const batchnorm_opts *op = opts;
    if (k == 0)
        return false; /* epoch 0's loss is the inference network's */
    double fit = fl_fit_ratio(p, fl_probes_epoch(p, k));
    return fit <= op->fit && widest_spread(p, k) < op->flat;
}

static int batchnorm_observe(void *state, const void *opts, const fl_probes *p,
                             fl_report_fn report, void *ctx)
{
    (void)state;
    const batchnorm_opts *op = opts;
    size_t n = p->n_epochs;
    if (!batchnorm_layers(p, false, NULL))
        return 0;
    size_t streak = fl_streak(p, 0, op, batchnorm_holds, NULL);
    bool end = run_ended(p);
    if (!streak || (streak < (size_t)op->patience && !end))
        return 0;
    const fl_epoch_probe *now = fl_probes_now(p);
    double fit = fl_fit_ratio(p, now), spread = widest_spread(p, n);
    size_t steps = n * p->steps_per_epoch;
    g_autoptr(GString) names = g_string_new(NULL);
    batchnorm_layers(p, false, names);
    g_autoptr(GString) evidence = g_string_new(NULL);
    g_string_append_printf(evidence,
                           "in training the loss is %.3g x the mean predictor's (%.3g at epoch "
                           "%zu",
                           fit, fl_data_loss(now), n);
    if (isfinite(now->accuracy))
        g_string_append_printf(evidence, ", %.0f%% of the training rows right", 100 * now->accuracy);
    g_string_append_printf(evidence,
                           "), but in inference every output spreads over the probe inputs by "
                           "at most %.3g x its targets' (below %.3g x)",
                           spread, op->flat);
    if (isfinite(now->val_loss))
        g_string_append_printf(evidence, " and the validation loss is %.3g", now->val_loss);
    if (isfinite(now->val_accuracy))
        g_string_append_printf(evidence, " with %.0f%% of the validation rows right",
                               100 * now->val_accuracy);
    g_string_append_printf(evidence,
                           ", for %zu epochs (since epoch %zu, after %zu steps); %s normalize "
                           "by moving averages in inference",
                           streak, n - streak + 1, steps, names->str);
    fl_measure_set m = {0};
    fl_measures_add(&m, fit, "train_fit");
    fl_measures_add(&m, spread, "inference_spread");
    fl_measures_add(&m, now->val_loss, "val_loss");
    fl_measures_add(&m, (double)steps, "steps");
    fl_measures_add(&m, (double)streak, "epochs");
    g_autoptr(GString) advice = g_string_new(NULL);
    g_string_append_printf(advice,
                           "lower the momentum of %s (try 0.9) so that their moving averages "
                           "follow the batches within the run's steps",
                           names->str);
    fl_fix_set fixes = {0};
    static const double momenta[] = {0.9, 0.5};
    for (size_t v = 0; v < G_N_ELEMENTS(momenta); v++) {
        bool started = false;
        for (size_t k = 0; k < p->n_layers; k++) {
            const fl_layer_desc *l = fl_probes_layer(p, k);
            if (!(l->layer_flags & FL_LAYER_BATCH_STATS))
                continue;
            if (started)
                fl_fixes_also(&fixes, "model.%s.momentum=%g", l->name, momenta[v]);
            else
                started = fl_fixes_add(&fixes,
                                       v == 0 ? "moving averages that keep less of the past "
                                                "catch up with the batches"
                                              : "moving averages that follow the last few "
                                                "batches",
                                       "model.%s.momentum=%g", l->name, momenta[v]);
        }
    }
    /* Smaller batches: more steps for the averages in the same epochs. */
    if (p->batch >= 8) {
        g_string_append_printf(advice, ", or lower train.batch from %zu (try %zu)", p->batch,
                               p->batch / 4);
        fl_fixes_add(&fixes, "smaller batches give the moving averages more steps",
                     "train.batch=%zu", p->batch / 4);
    }
    fl_finding f = {.size = sizeof f,
                    .level = end ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING,
                    .epoch = (int)(n - streak + 1),
                    .evidence = evidence->str,
                    .cause = "batch normalization's moving averages lag the batch statistics: "
                             "the network fits in training and answers alike in inference",
                    .advice = advice->str};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &m);
    report(ctx, &f);
    return 0;
}

FL_DETECTOR_PLUGIN("batchnorm",
                   "batch normalization over one row, or moving averages that lag (fits in "
                   "training, answers alike in inference)",
                   batchnorm_params, batchnorm_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_BATCHNORM, .preflight = batchnorm_preflight,
                   .observe = batchnorm_observe);
