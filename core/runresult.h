/* runresult.h — one run's result, the same type from training to run.result and back:
 * which run it is (from the plan), how it ended, what the detectors found, and the numbers
 * verification and the charts read.  train_run fills the outcome, the runner the identity,
 * results.c writes it and reads it back (without the metrics, which stay in metrics.csv). */
#ifndef FL_RUNRESULT_H
#define FL_RUNRESULT_H

#include <glib.h>
#include "diagnosis.h"

typedef enum { RUN_OK, RUN_CRASHED, RUN_TIMEOUT } run_status;
/* "ok", "crashed", "timeout": the words of run.result, summary.csv and the report. */
const char *run_status_name(run_status st);
/* The status a name stands for; FALSE for any other text. */
gboolean run_status_from_name(const char *name, run_status *st);

typedef struct run_result {
    /* Which run: known from the plan alone. */
    char *id;
    int index;
    int cell;             /* grid point */
    gint64 seed;
    char *fingerprint;    /* of the run's resolved configuration */
    GStrv axis_keys;      /* grid keys and the run's values (labels) */
    GStrv axis_values;

    /* How it ended. */
    run_status status;
    char *reason;         /* why it crashed or timed out, else NULL */
    verdict_kind verdict; /* VERDICT_HEALTHY unless status is RUN_OK */
    char *causes;         /* ';'-separated, primary first */
    GPtrArray *findings;  /* finding_rec*, primary first (empty if none) */
    char *advice;         /* the primary finding's advice, or NULL */
    double final_loss;    /* training loss of the last epoch run (NaN if none) */
    double final_val_loss; /* NaN if none (not kept in run.result) */
    int epochs_run;
    int epochs_planned;
    gboolean stopped_early; /* stopped by train.stop_on once the collapse was certain */
    gboolean diverged;    /* stopped because the loss was no longer finite */
    double wall_ms;

    /* The data it trained on: target columns (NULL if the run crashed before loading
     * data) and their spread over the training rows, n_outputs values. */
    GStrv out_names;
    double *target_std;
    gsize n_outputs;
    /* Whether it learned (fix verification): the loss of predicting the training mean,
     * the last epoch's data loss (penalty left out), and for classification the last
     * epoch's accuracy and that of always answering the majority class (else NaN). */
    double baseline_loss, final_data_loss, final_accuracy, majority_accuracy;

    /* metrics.csv as trained; NULL in a result read back from run.result. */
    GString *metrics;
} run_result;

/* A result with no outcome yet: every number NaN, status ok, verdict healthy. */
void run_result_init(run_result *r);
/* Free what r holds (r itself stays, zeroed). */
void run_result_clear(run_result *r);
void run_result_free(run_result *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(run_result, run_result_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(run_result, run_result_clear)

#endif
