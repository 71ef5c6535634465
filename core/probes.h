/* probes.h — what a run measures each epoch, kept for the detectors (flatline/plugin.h:
 * fl_probes) and written to metrics.csv.
 *
 * The book owns every array the fl_probes points to.  An epoch's probes are taken from
 * buffers the model has just filled: one inference pass over the fixed probe batch, the
 * weights before and after the epoch, and the gradient norms the training loop summed. */
#ifndef FL_PROBES_H
#define FL_PROBES_H

#include <glib.h>
#include <flatline/plugin.h>
#include "config.h"
#include "data.h"
#include "loss.h"
#include "model.h"

typedef struct probe_book probe_book;

/* Set up from the experiment, its data, its loss and the freshly initialized model;
 * computes the data statistics and the baseline loss. */
probe_book *probes_new(const experiment *e, const data_split *d, run_loss *loss, model *m,
                       fl_host *host, GError **error);
void probes_free(probe_book *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(probe_book, probes_free)

/* What the training loop measured over an epoch. */
typedef struct probe_scores {
    double loss, val_loss;         /* val_loss: NaN without validation rows */
    double lr;                     /* NaN: an optimizer without one */
    double accuracy, val_accuracy; /* see fl_epoch_probe; NaN for regression */
} probe_scores;

/* Rows of (rows, n) predictions whose class matches the targets' (flatline/plugin.h:
 * fl_epoch_probe.accuracy): the argmax of several outputs, or one output above 0.5 (above
 * 0 for FL_LOSS_SIGNED losses). */
size_t probes_correct(unsigned loss_flags, const float *pred, const float *target, size_t rows,
                      size_t n);

/* Per epoch: call probes_epoch_begin before the first step, probes_add_step after each
 * step's backward (gradient norms), then probes_record after the epoch (epoch 0: before
 * training, with no steps).  record runs the probe batch through the model. */
void probes_epoch_begin(probe_book *b);
void probes_add_step(probe_book *b);
gboolean probes_record(probe_book *b, int epoch, const probe_scores *s, GError **error);
/* probes_record in two halves, for a pack whose runs share one forward: probes_stage puts
 * the probe batch in the run's input (the model's batch set to the probe batch's size),
 * and after the forward probes_record_staged records what it gave. */
void probes_stage(probe_book *b);
/* The run's model moved (a pack's runs moved to the front): read it there from now on. */
void probes_set_model(probe_book *b, model *m);
void probes_record_staged(probe_book *b, int epoch, const probe_scores *s);

/* What detectors read (valid until the next record). */
const fl_probes *probes_view(probe_book *b);

/* metrics.csv as recorded (header and one row per epoch), handed over: the book records no
 * further epoch.  A run's last step, which keeps its metrics without copying them. */
GString *probes_take_csv(probe_book *b);

#endif
