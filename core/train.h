/* train.h — one run: data, model, training loop, per-epoch probes and metrics.csv. */
#ifndef FL_TRAIN_H
#define FL_TRAIN_H

#include <glib.h>
#include <flatline/plugin.h>
#include "config.h"
#include "diagnosis.h"

typedef enum { RUN_OK, RUN_CRASHED, RUN_TIMEOUT } run_status;
/* "ok", "crashed", "timeout": the words of run.result, summary.csv and the report. */
const char *run_status_name(run_status st);
/* The status a name stands for; FALSE for any other text. */
gboolean run_status_from_name(const char *name, run_status *st);

typedef struct run_output {
    run_status status;
    char *reason;         /* why it crashed or timed out, else NULL */
    GString *metrics;     /* metrics.csv, whole */
    double final_loss;    /* training loss of the last epoch run (NaN if none) */
    double final_val_loss;
    int epochs_run;
    int epochs_planned;
    double wall_ms;
    gboolean diverged;    /* stopped because the loss was no longer finite */
    gboolean stopped_early; /* stopped by train.stop_on once the collapse was certain */
    verdict_kind verdict;
    char *causes;         /* ';'-separated, primary first */
    GPtrArray *findings;  /* finding_rec*, owned, primary first */
    GStrv out_names;      /* target columns */
    GArray *target_std;   /* double per output: the targets' spread (training rows) */
    /* Whether the run learned (fix verification): the loss of predicting the training
     * mean, the last epoch's data loss (penalty left out), and for classification the
     * last epoch's accuracy and that of always answering the majority class (else NaN). */
    double baseline_loss, final_data_loss, final_accuracy, majority_accuracy;
} run_output;

void run_output_clear(run_output *out);

/* The random streams of a run, each derived from the run seed (host.h: rng_derive), so
 * tests can rebuild a run's initial weights. */
enum { TRAIN_STREAM_INIT = 1, TRAIN_STREAM_SHUFFLE = 2, TRAIN_STREAM_DROPOUT = 3 };

/* Train one run of a resolved experiment with the given seed.  Returns FALSE only for
 * errors in the experiment itself (data or model that cannot be built: the caller reports
 * them as configuration errors); a failure while training is recorded in out->status. */
gboolean train_run(const experiment *e, uint64_t seed, fl_host *host, run_output *out,
                   GError **error);

/* Load the data and build the model of a resolved experiment, then discard them: checks
 * what only the data can tell (files, shapes) before a sweep starts. */
gboolean train_check(const experiment *e, fl_host *host, GError **error);

/* Build a run as train_run does, record the untrained network (epoch 0) and run the
 * detectors' pre-flight checks only; their findings are appended to findings
 * (finding_rec*, owned by the array).  What `flatline check` reports. */
gboolean train_preflight(const experiment *e, uint64_t seed, fl_host *host, GPtrArray *findings,
                         GError **error);

#endif
