/* probe-fixture.h — synthetic probe streams for detector tests: build an fl_probes by hand,
 * epoch by epoch, and run detectors over it through the core's detect set.
 *
 * Each detector gets a stream that must fire (level, since-epoch, and the numbers and
 * names a reviewer needs in its evidence and advice, formatted from the values the test
 * put in, not pasted), healthy streams that must stay silent, a stream just on the safe
 * side of each threshold, and where it applies a stream that warns but recovers. */
#ifndef FL_PROBE_FIXTURE_H
#define FL_PROBE_FIXTURE_H

#include <glib.h>
#include <flatline/plugin.h>
#include "detect.h"

#include <string.h>

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
/* The edits of r's k-th candidate fix (most likely first); the test fails when r has
 * fewer. */
const char *const *pfx_fix_at(const finding_rec *r, guint k);

/* ---------------------------------------------------------------- streams */

/* Append an epoch (a copy of the previous one) with this training loss and a validation
 * loss 10% above it. */
pfx_epoch pfx_push_loss(pfx *f, double loss);
/* Append n epochs that change only the training loss. */
void pfx_push_losses(pfx *f, int n, double loss);
/* The layer probes of an epoch already in the stream, writable (the fixture owns them). */
fl_layer_probe *pfx_layers_at(pfx *f, size_t epoch);
/* A regression setup with n_in inputs, a hidden relu layer l0 of `units` and a linear
 * output l1 (40 probe rows). */
pfx *pfx_new_hidden(size_t n_in, size_t units);

/* A detector driven epoch by epoch, for detectors that read the current epoch's
 * predictions (a replay shows them only the last epoch's): start once epoch 0 is pushed
 * (pre-flight), then observe after each push. */
typedef struct pfx_live {
    GPtrArray *refs;
    detect_set *d;
    pfx *f;
} pfx_live;
pfx_live pfx_live_start(pfx *f, const char *detector, const char *const *options);
void pfx_live_observe(pfx_live *l);
/* Push n healthy epochs, observing after each. */
void pfx_live_healthy(pfx_live *l, int n);
void pfx_live_end(pfx_live *l);

/* ---------------------------------------------------------------- assertions */

/* Replay the stream through one detector: its finding, or NULL; *d holds it (detect_free). */
const finding_rec *pfx_run_find(pfx *f, const char *detector, const char *const *options,
                                detect_set **d);
/* Replay the stream through one detector: the level of its finding (0: none), logged. */
int pfx_level(pfx *f, const char *detector, const char *const *options);
/* The finding holds at this level since this epoch, with evidence, cause and advice. */
void pfx_check(const finding_rec *r, fl_level level, int epoch);
/* The detector finds nothing on the stream as it stands (else the finding is printed). */
void pfx_assert_silent(pfx *f, const char *detector, const char *const *options);

/* What every detector of a test file is checked for: pfx_check_descriptor and
 * pfx_assert_healthy_silent, added as the tests PREFIX/descriptors and PREFIX/healthy. */
typedef struct pfx_detector {
    const char *name;
    unsigned flags; /* FL_DETECTS_* */
    int priority;
    size_t min_params;
} pfx_detector;
void pfx_add_detector_tests(const char *prefix, const pfx_detector *detectors, size_t n);

/* A detector's descriptor: this kind of finding (FL_DETECTS_*) and priority, a summary, a
 * pre-flight or observe operation, and at least min_params parameters, each with a
 * default and a help line. */
void pfx_check_descriptor(const char *detector, unsigned flags, int priority,
                          size_t min_params);
/* The detector, with its defaults, stays silent on healthy streams of 60 epochs: one
 * output, three outputs, and a regression and a binary classification with four inputs. */
void pfx_assert_healthy_silent(const char *detector);

/* Text that must (or must not) appear in a finding's text; both texts are logged. */
#define pfx_assert_has(text, needle)                                                       \
    do {                                                                                   \
        const char *t_ = (text), *n_ = (needle);                                           \
        if (!strstr(t_, n_))                                                               \
            g_test_message("expected \"%s\" in \"%s\"", n_, t_);                           \
        g_assert_nonnull(strstr(t_, n_));                                                  \
    } while (0)
#define pfx_assert_lacks(text, needle)                                                     \
    do {                                                                                   \
        const char *t_ = (text), *n_ = (needle);                                           \
        if (strstr(t_, n_))                                                                \
            g_test_message("unexpected \"%s\" in \"%s\"", n_, t_);                         \
        g_assert_null(strstr(t_, n_));                                                     \
    } while (0)

/* printf into a string that lives until the test program ends, for expected texts built
 * from the stream's own values; pfx_num is a number as detectors print it (%.3g). */
const char *pfx_fmt(const char *format, ...) G_GNUC_PRINTF(1, 2);
#define pfx_num(v) pfx_fmt("%.3g", (double)(v))

#endif
