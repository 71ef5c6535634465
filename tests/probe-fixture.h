/* probe-fixture.h — synthetic probe streams for detector tests: build an fl_probes by hand,
 * epoch by epoch, and run detectors over it through the core's detect set. */
#ifndef FL_PROBE_FIXTURE_H
#define FL_PROBE_FIXTURE_H

#include <glib.h>
#include <flatline/plugin.h>
#include "detect.h"

typedef struct pfx pfx;

/* Mutable views of the data statistics and the probe batch (sizes as given to pfx_new). */
typedef struct pfx_data {
    double *input_mean, *input_std, *input_absmax;  /* (n_in) */
    double *target_mean, *target_std, *target_min, *target_max; /* (n_outputs) */
    double *class_fraction;                          /* (n_outputs, or 2) */
    float *probe_x;    /* (n_probe, n_in) */
    float *probe_y;    /* (n_probe, n_outputs) */
    float *probe_pred; /* (n_probe, n_outputs): the current epoch's predictions */
} pfx_data;

typedef struct pfx_epoch {
    fl_epoch_probe *e;
    double *out_std, *out_min, *out_max, *out_mean; /* (n_outputs) */
    fl_layer_probe *layers;                         /* (n_layers) */
} pfx_epoch;

/* A regression setup: layers named l0, l1, ... (dense, linear, with weights; the last is
 * the output), target mean 0 and std 1, inputs standard normal, mse, adam lr 0.001,
 * 100 training rows, batch 32, 100 epochs planned, probe = training rows.  Change what a
 * test needs through pfx_probes()/pfx_layer()/pfx_data(). */
pfx *pfx_new(size_t n_outputs, size_t n_layers, size_t n_in, size_t n_probe);
void pfx_free(pfx *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(pfx, pfx_free)

fl_probes *pfx_probes(pfx *f);
fl_layer_desc *pfx_layer(pfx *f, size_t k);
pfx_data pfx_arrays(pfx *f);

/* Describe the configuration as the core would for the named plugins: the name and the
 * capability flags the plugin declares (and an optimizer's default rate), looked up in the
 * registry.  pfx_set_init sets the initializer of layer k's kernel. */
void pfx_set_loss(pfx *f, const char *loss);
void pfx_set_optimizer(pfx *f, const char *optimizer);
void pfx_set_schedule(pfx *f, const char *schedule);
void pfx_set_init(pfx *f, size_t k, const char *init);

/* Append an epoch, copying the previous one (or healthy defaults for epoch 0). */
pfx_epoch pfx_push(pfx *f);

/* Append n epochs of a healthy run: loss falling from 1 towards 0.05, outputs spread like
 * the targets, gradient norms ~0.1, update ratios ~1e-2, 10% dead units, nothing
 * saturated.  Predictions follow the targets with noise. */
void pfx_push_healthy(pfx *f, int n);

/* Run detectors over the stream as it stands: pre-flight on epoch 0, then observe each
 * later epoch in turn.  Returns the detect set (its findings hold the result). */
detect_set *pfx_run(pfx *f, GPtrArray *refs);
/* Same for one detector by name with "key=value" options (NULL-terminated, may be NULL). */
detect_set *pfx_run_one(pfx *f, const char *detector, const char *const *options);
/* The finding of a detector in a set, or NULL. */
const finding_rec *pfx_finding(detect_set *d, const char *detector);
/* Does the finding propose a fix making exactly these edits ("key=value", NULL-ended), in
 * this order?  Lists the fixes it has in the test log when not. */
gboolean pfx_has_fix(const finding_rec *r, const char *const *edits);

#endif
