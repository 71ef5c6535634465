/* stuck_above_baseline.c — an example detector built outside flatline's tree.
 *
 * This file is the whole recipe for a custom detector.  It includes one header, declares
 * its options in a table, says what it watches, and exports one descriptor.  Build it
 * against an installed flatline and point flatline at the directory that holds it:
 *
 *   cc -shared -fPIC -O2 $(pkg-config --cflags flatline) \
 *      -o detector-stuck_above_baseline.so stuck_above_baseline.c
 *   FLATLINE_PLUGIN_PATH=$PWD flatline plugins detector
 *
 * The file name matters: flatline finds plugins by it, <kind>-<name>.so, and refuses a
 * file whose descriptor names something else.
 *
 * What it detects: the training loss has stopped improving while still above a share of
 * the loss of the best constant prediction (predicting the training mean for every
 * input).  A network stuck there has learned little more than the mean: the usual prelude
 * to a flat output. */
#include <flatline/plugin.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>

/* 1. Options.  flatline fills this struct from the experiment file, for example
 *      detectors = ( { plugin = "stuck_above_baseline"; ratio = 0.8; } );
 *    using the table below: the plugin never parses anything.  FL_PARAM_FLOAT fields are
 *    doubles, FL_PARAM_INT fields ints. */
typedef struct stuck_opts {
    double ratio;     /* share of the baseline loss that counts as stuck */
    int patience;     /* epochs without improvement before reporting */
    double min_delta; /* relative improvement that still counts as learning */
} stuck_opts;

/* 2. The parameter table: key, type, default (as written in a file), range, choices,
 *    help, and where the value goes.  `flatline plugins detector` prints it, and the
 *    core checks types and ranges against it before the run starts. */
static const fl_param stuck_params[] = {
    {"ratio", FL_PARAM_FLOAT, "0.9", "(0, inf)", NULL,
     "report when the loss stays above this share of the constant-prediction loss",
     offsetof(stuck_opts, ratio)},
    {"patience", FL_PARAM_INT, "10", "[1, 100000]", NULL,
     "epochs the loss must stay flat before a report", offsetof(stuck_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "relative loss improvement over the patience window that counts as learning",
     offsetof(stuck_opts, min_delta)},
    FL_PARAM_END};

/* 3. The check.  flatline calls observe() after every epoch with everything it measured
 *    (flatline/plugin.h: fl_probes).  Epochs are read through fl_probes_epoch(p, e):
 *    epoch 0 is the untrained network and fl_probes_now(p) the epoch just finished, so a
 *    detector needs no state of its own.  (Arrays of structs are never indexed with []:
 *    the accessors step by the stride the core gives, so this file keeps working with a
 *    newer flatline whose structs have grown.)  It reports through report(); the strings
 *    are copied, so stack buffers are fine.  A warning holds for the epoch it is reported
 *    in: report it again while it holds. */
static int stuck_observe(void *state, const void *opts, const fl_probes *p,
                         fl_report_fn report, void *ctx)
{
    const stuck_opts *o = opts;
    (void)state;
    size_t now = p->n_epochs;
    /* The toolkit at the end of flatline/plugin.h: a plateau over the patience window, and
     * the loss as a share of that of predicting the mean (NaN without a baseline). */
    if (!fl_loss_plateau(p, o->patience, o->min_delta) ||
        !(fl_fit_ratio(p, fl_probes_now(p)) > o->ratio))
        return 0;
    double loss = fl_probes_now(p)->loss;
    double before = fl_probes_epoch(p, now - (size_t)o->patience)->loss;

    char evidence[256], advice[256];
    snprintf(evidence, sizeof evidence,
             "training loss %.4g at epoch %zu is %.0f%% of the constant-prediction loss %.4g "
             "and improved by %.2g%% over the last %d epochs",
             loss, now, 100 * loss / p->baseline_loss, p->baseline_loss,
             before > 0 ? 100 * (before - loss) / before : 0.0, o->patience);
    snprintf(advice, sizeof advice,
             "the network has learned little beyond the mean: look at the other findings "
             "first; if none, give the model more capacity or a larger optimizer.lr");
    /* Candidate fixes: edits exactly as `--set` takes them; flatline can rerun the run
     * with each.  Two magnitudes of a larger rate, and more epochs. */
    fl_fix_set fixes = {0};
    fl_fixes_lr(&fixes, p->base_lr, +1, "a larger rate moves the weights further");
    fl_fixes_add(&fixes, "more epochs let a slow fit finish", "train.epochs=%d",
                 2 * p->max_epochs);
    /* Name the fields: `size` tells flatline how much of the struct this file knows. */
    /* The evidence's numbers by name, for programs reading verdict.json (its "measures"). */
    fl_measure_set measures = {0};
    fl_measures_add(&measures, loss, "loss");
    fl_measures_add(&measures, p->baseline_loss, "baseline_loss");
    fl_measures_add(&measures, loss / p->baseline_loss, "fit");
    /* Name the fields: `size` tells flatline how much of the struct this file knows. */
    fl_finding f = {.size = sizeof f,
                    .level = FL_LEVEL_WARNING,
                    .epoch = (int)(now - (size_t)o->patience),
                    .evidence = evidence,
                    .cause = "the loss is stuck near that of predicting the mean",
                    .advice = advice};
    fl_finding_fixes(&f, &fixes);
    fl_finding_measures(&f, &measures);
    report(ctx, &f);
    return 0;
}

/* 4. The one exported symbol, with the operations.  FL_DETECTOR_PLUGIN records the ABI this
 *    file was built against, so an incompatible flatline refuses the file by name instead
 *    of crashing, and takes the operations as designated initializers of fl_detector_ops:
 *    an operation of another kind (.compute, .fill) does not compile.  No create/destroy
 *    (no state) and no pre-flight check here.  It names a cause; the priority ranks it
 *    among causes (lower first; in-tree detectors use 10..80), so 90 puts it after the
 *    specific ones. */
FL_DETECTOR_PLUGIN("stuck_above_baseline",
                   "training loss stuck above a share of the constant-prediction loss",
                   stuck_params, stuck_opts, .flags = FL_DETECTS_CAUSE, .priority = 90,
                   .observe = stuck_observe);
