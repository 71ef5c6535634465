/* group-a-util.h — what the group-A detectors (symptoms and training dynamics) share:
 * look-backs over the epoch history ("held for `patience` epochs" is a streak counted
 * back from the current epoch, never a counter), the loss-improvement test that tells a
 * stalled run from a slow one, the rates named in advice, and names for outputs and
 * classes.  Internal to plugins/detector: every detector is its own module and includes
 * this header, so everything here is static. */
#ifndef GROUP_A_UTIL_H
#define GROUP_A_UTIL_H

#include <flatline/plugin.h>

#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A condition of one epoch, for one output, layer or pair (`index`). */
typedef bool (*group_a_test)(const fl_probes *p, size_t epoch, const void *opts, size_t index);

/* How many epochs in a row, ending at the current one, the test holds.  Epoch 0 is the
 * untrained network: what it looks like says nothing about training, so streaks stop at
 * epoch 1. */
static inline size_t group_a_streak(const fl_probes *p, group_a_test test, const void *opts,
                                    size_t index)
{
    size_t count = 0;
    for (size_t k = p->n_epochs; k >= 1 && test(p, k, opts, index); k--)
        count++;
    return count;
}

/* Relative improvement of the training loss over the last `window` epochs: how far the
 * best loss of epochs (n - window, n] lies below the loss at n - window, as a fraction of
 * it.  INFINITY when the history is too short to judge (the window may not start at
 * epoch 0, whose loss is measured in inference mode rather than averaged over the
 * epoch's batches) or when the loss at the start is already ~0 (nothing left to learn);
 * 0 when a loss in the window is not finite (that is divergence, not learning). */
static inline double group_a_improvement(const fl_probes *p, int window)
{
    size_t n = p->n_epochs;
    if (window < 1 || n < (size_t)window + 1)
        return INFINITY;
    double start = fl_probes_epoch(p, n - (size_t)window)->loss;
    if (!isfinite(start))
        return 0;
    double best = INFINITY;
    for (size_t k = n - (size_t)window + 1; k <= n; k++) {
        double l = fl_probes_epoch(p, k)->loss;
        if (!isfinite(l))
            return 0;
        best = fmin(best, l);
    }
    if (fabs(start) <= 1e-12)
        return INFINITY;
    return (start - best) / fabs(start);
}

/* One sentence on the loss over that window, for evidence ("loss 0.98 at epoch 7, lowest
 * in epochs 8-12 0.975: improved by 0.51%, below the 1% that counts as learning").
 * Caller frees. */
static inline char *group_a_loss_note(const fl_probes *p, int window, double min_delta)
{
    size_t n = p->n_epochs;
    if (window < 1 || n < (size_t)window + 1)
        return g_strdup_printf("loss %.3g at epoch %zu", fl_probes_epoch(p, n)->loss, n);
    size_t from = n - (size_t)window;
    double best = INFINITY;
    for (size_t k = from + 1; k <= n; k++)
        best = fmin(best, fl_probes_epoch(p, k)->loss);
    double gain = group_a_improvement(p, window);
    return g_strdup_printf("loss %.3g at epoch %zu, lowest in epochs %zu-%zu %.3g: improved by "
                           "%.3g%%, %s the %.3g%% that counts as learning",
                           fl_probes_epoch(p, from)->loss, from, from + 1, n, best, 100.0 * gain,
                           gain < min_delta ? "below" : "at least", 100.0 * min_delta);
}

/* A loss or norm that is not finite, as people write it ("NaN", "+Inf", "-Inf"); printf
 * would show the sign bit of a NaN ("-nan"). */
static inline const char *group_a_nonfinite(double v)
{
    return isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}

/* The optimizer's usual rate (the default of its lr, Keras'): what advice suggests
 * trying; 0.001 for an optimizer without one. */
static inline double group_a_default_lr(const fl_probes *p)
{
    return isnan(p->default_lr) ? 0.001 : p->default_lr;
}

/* A rate to try instead of `lr` when it is too small: the optimizer's usual rate, or ten
 * times `lr` if that is already above it. */
static inline double group_a_raise_lr(const fl_probes *p, double lr)
{
    double d = group_a_default_lr(p);
    return lr < d ? d : 10 * lr;
}

/* A target column that (nearly) does not vary: float32 targets hold about 7 digits, so a
 * spread below 1e-6 of their magnitude is rounding.  constant_target names that case. */
static inline bool group_a_target_flat(const fl_probes *p, size_t o)
{
    double s = p->target_std[o];
    return !(s > 1e-12) || s <= 1e-6 * fabs(p->target_mean[o]);
}

/* The name of output column o into buf. */
static inline const char *group_a_out_name(const fl_probes *p, size_t o, char *buf, size_t size)
{
    if (p->out_names && p->out_names[o])
        return p->out_names[o];
    snprintf(buf, size, "output %zu", o);
    return buf;
}

/* Weighted layers: the first and last in data-flow order, and how many there are.
 * first/last are n_layers when there are none. */
static inline size_t group_a_weighted(const fl_probes *p, size_t *first, size_t *last)
{
    size_t count = 0;
    *first = *last = p->n_layers;
    for (size_t k = 0; k < p->n_layers; k++) {
        if (!fl_probes_layer(p, k)->has_weights)
            continue;
        if (!count)
            *first = k;
        *last = k;
        count++;
    }
    return count;
}

/* Whether layer a feeds layer b, directly or through other layers (each layer reads one
 * layer, so the graph is a tree rooted at the data). */
static inline bool group_a_feeds(const fl_probes *p, size_t a, size_t b)
{
    return fl_layer_feeds(p, a, b);
}

/* The output layer that produces model column o, or n_layers. */
static inline size_t group_a_layer_of_output(const fl_probes *p, size_t o)
{
    return fl_output_layer(p, o);
}

/* A kernel initializer that gives every unit of a layer the same weights. */
static inline bool group_a_symmetric_init(const fl_layer_desc *l)
{
    return l->has_kernel && (l->init_flags & FL_INIT_CONSTANT);
}

#endif
