/* loss.h — the loss of one run: its plugin, options and per-run state (created from the
 * training targets when the plugin asks for it), and calls that turn a failure into a
 * GError naming the plugin. */
#ifndef FL_LOSS_H
#define FL_LOSS_H

#include <glib.h>
#include <flatline/plugin.h>

typedef struct run_loss run_loss;

/* target: the training targets (rows, n), for a plugin with a create() operation. */
run_loss *loss_new(const fl_ref *ref, fl_host *host, const float *target, size_t rows, size_t n,
                   GError **error);
void loss_free(run_loss *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(run_loss, loss_free)

/* *loss: the mean over the batch of the per-sample loss; dpred (batch, n), unless NULL,
 * its gradient.  pred, target: (batch, n). */
gboolean loss_compute(run_loss *l, double *loss, float *dpred, const float *pred,
                      const float *target, size_t batch, size_t n, GError **error);

/* The plugin's FL_LOSS_* flags. */
unsigned loss_flags(const run_loss *l);

#endif
