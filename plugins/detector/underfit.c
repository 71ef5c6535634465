/* underfit.c — the `underfit` detector: the loss has stopped improving far above what the
 * data allows.
 *
 * The reference is the baseline loss, that of predicting the training mean for every row
 * (fl_probes.baseline_loss; for mse, FL_LOSS_SQUARED_ERROR, it is the target variance, so
 * loss / baseline is the share of the variance left unexplained).  After a warm-up (20% of the
 * planned epochs, at least 10: healthy runs may sit on a plateau early), when the loss has not
 * decreased by 1% over the last 10 epochs (the patience and min_delta of Keras-style early
 * stopping), without the steady slope of a slow run that is still learning at its own pace
 * (underfit_steady), and the data loss is still above half the baseline, the model has
 * settled for a poor fit: too small, too linear or too constrained.  This is a warning,
 * never final: the diagnosis names a more specific cause when one fires, and makes it a
 * collapse together with a symptom.
 *
 * "What the data allows" is not the mean's loss when the targets are noisy: a healthy net
 * on y = w.x + noise of std 2 plateaus at 93% of the baseline, because that is the noise.
 * For mse the noise floor is estimated with the delta test (Pi and Peterson, Neural
 * Computation 1994): half the mean squared target difference between each probe row and
 * its nearest neighbour in input space.  A plateau within `floor_factor` times that floor
 * is the data's limit, not the model's, and is not reported.  Neighbours far apart (many
 * inputs, few rows) make the estimate too high, which only makes the detector quieter.
 * A classifier's floor is the same neighbours' leave-one-out accuracy: a model that classes
 * the probe rows as well as their nearest neighbours do has learned what overlapping
 * classes allow.  Neighbours far apart make that accuracy too low, which again only makes
 * the detector quieter. */
#include <flatline/plugin.h>
#include <stddef.h>
#include "evidence.h"
#include "priorities.h"

typedef struct underfit_opts {
    int min_epochs;
    double min_fraction;
    int patience;
    double min_delta;
    double ratio;
    double floor_factor;
    bool nn_floor;
} underfit_opts;

static const fl_param underfit_params[] = {
    {"min_epochs", FL_PARAM_INT, "10", "[1, 100000]", NULL,
     "never before this epoch", offsetof(underfit_opts, min_epochs)},
    {"min_fraction", FL_PARAM_FLOAT, "0.2", "[0, 1]", NULL,
     "never before this fraction of the planned epochs", offsetof(underfit_opts, min_fraction)},
    {"patience", FL_PARAM_INT, "10", "[1, 100000]", NULL,
     "epochs without improvement that make a plateau", offsetof(underfit_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1)", NULL,
     "relative loss decrease over the patience window that counts as improving",
     offsetof(underfit_opts, min_delta)},
    /* Our own number: a model that leaves more than half of what the mean leaves has not
     * learned the bulk of the signal. */
    {"ratio", FL_PARAM_FLOAT, "0.5", "(0, inf)", NULL,
     "a plateau is a problem while the data loss exceeds this times the loss of predicting "
     "the mean",
     offsetof(underfit_opts, ratio)},
    {"floor_factor", FL_PARAM_FLOAT, "2", "[0, inf)", NULL,
     "mse: not reported while the data loss is within this times the noise floor estimated "
     "from nearest neighbours (0: off)",
     offsetof(underfit_opts, floor_factor)},
    {"nn_floor", FL_PARAM_BOOL, "true", NULL, NULL,
     "classification: not reported while the model classes the probe rows at least as well "
     "as each row's nearest neighbour does (leave-one-out)",
     offsetof(underfit_opts, nn_floor)},
    FL_PARAM_END};

/* The probe row nearest to probe row i in input space (i itself if there is no other). */
static size_t underfit_nearest(const fl_probes *p, size_t i)
{
    size_t P = p->n_probe, n = p->n_in, best = i;
    double best_d = INFINITY;
    for (size_t j = 0; j < P; j++) {
        if (j == i)
            continue;
        double d = 0;
        for (size_t f = 0; f < n && d < best_d; f++) {
            double dx = (double)p->probe_x[i * n + f] - p->probe_x[j * n + f];
            d += dx * dx;
        }
        if (d < best_d) {
            best_d = d;
            best = j;
        }
    }
    return best;
}

/* The class of a row (row_class), or (size_t)-1 for targets of several columns that are
 * not one class per row (multi-label). */
static size_t underfit_class(const fl_probes *p, const float *row)
{
    if (p->n_outputs > 1 && !(p->loss_flags & FL_LOSS_ONE_HOT))
        return (size_t)-1;
    return row_class(p, row);
}

/* Share of the probe rows whose nearest neighbour (leave-one-out) has their class: what the
 * labels allow a classifier without any model.  Its error is at most about twice the
 * least any classifier can have (Cover and Hart, 1967), so a model that classifies the
 * probe rows as well has learned what the noise in the labels leaves.  NaN with fewer
 * than 10 rows, or targets that are not one class per row. */
static double underfit_nn_accuracy(const fl_probes *p)
{
    size_t P = p->n_probe, no = p->n_outputs;
    if (P < 10 || !p->probe_x || !p->probe_y || no == 0 ||
        !(p->loss_flags & FL_LOSS_CLASSIFICATION))
        return NAN;
    size_t right = 0;
    for (size_t i = 0; i < P; i++) {
        size_t c = underfit_class(p, p->probe_y + i * no);
        if (c == (size_t)-1)
            return NAN;
        right += underfit_class(p, p->probe_y + underfit_nearest(p, i) * no) == c;
    }
    return (double)right / (double)P;
}

/* The model's share of probe rows classed right (the current epoch's predictions). */
static double underfit_probe_accuracy(const fl_probes *p)
{
    size_t P = p->n_probe, no = p->n_outputs, right = 0;
    if (!P || !p->probe_pred || !p->probe_y)
        return NAN;
    for (size_t i = 0; i < P; i++) {
        size_t c = underfit_class(p, p->probe_y + i * no);
        right += c != (size_t)-1 && underfit_class(p, p->probe_pred + i * no) == c;
    }
    return (double)right / (double)P;
}

/* The delta test over the probe rows: (1 / 2P) sum_i mean_o (y_i - y_nn(i))^2, with nn(i)
 * the row nearest to row i in input space.  NaN with fewer than 10 rows. */
static double underfit_noise_floor(const fl_probes *p)
{
    size_t P = p->n_probe, no = p->n_outputs;
    if (P < 10 || !p->probe_x || !p->probe_y || no == 0)
        return NAN;
    double sum = 0;
    for (size_t i = 0; i < P; i++) {
        size_t best = underfit_nearest(p, i);
        double sq = 0;
        for (size_t o = 0; o < no; o++) {
            double dy = (double)p->probe_y[i * no + o] - p->probe_y[best * no + o];
            sq += dy * dy;
        }
        sum += sq / (double)no;
    }
    return sum / (2.0 * (double)P);
}

/* "2-4-1 (h1 relu, out linear)": input width, then the weighted layers in data order. */
static char *underfit_shape(const fl_probes *p)
{
    GString *sizes = g_string_new(NULL), *acts = g_string_new(NULL);
    g_string_append_printf(sizes, "%zu", p->n_in);
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        if (!l->has_weights || !l->has_kernel)
            continue;
        g_string_append_printf(sizes, "-%zu", l->units);
        g_string_append_printf(acts, "%s%s %s", acts->len ? ", " : "", l->name,
                               fl_activation_name(l->activation.kind));
    }
    char *s = g_strdup_printf("%s (%s)", sizes->str, acts->str);
    g_string_free(sizes, TRUE);
    g_string_free(acts, TRUE);
    return s;
}

/* Every probe target exactly 0 or 1, both present, under a loss not made for classes:
 * labels fitted as values.  A regression loss there has no pull towards confident
 * predictions (mae's is the same for every prediction between the labels, so the loss of
 * 0.5 on balanced labels is a plateau), which bce with a sigmoid output has. */
static bool underfit_labels_as_values(const fl_probes *p)
{
    if ((p->loss_flags & FL_LOSS_CLASSIFICATION) || !p->probe_y || p->n_probe < 2)
        return false;
    bool zero = false, one = false;
    for (size_t i = 0; i < p->n_probe * p->n_outputs; i++) {
        float y = p->probe_y[i];
        if (y != 0.0f && y != 1.0f)
            return false;
        zero |= y == 0.0f;
        one |= y == 1.0f;
    }
    return zero && one;
}

/* A layer name the model does not use yet: h1, else hidden, hidden2, ... */
static bool underfit_free_name(const fl_probes *p, char *buf, size_t size)
{
    for (int i = 0; i < 100; i++) {
        if (i < 2)
            snprintf(buf, size, "%s", i ? "hidden" : "h1");
        else
            snprintf(buf, size, "hidden%d", i);
        bool used = false;
        for (size_t k = 0; k < p->n_layers && !used; k++)
            used = strcmp(fl_probes_layer(p, k)->name, buf) == 0;
        if (!used)
            return true;
    }
    return false;
}

/* Layers without weights between the data and the first weighted layer that keep at most
 * one input value in UNDERFIT_SQUEEZE (three 2x2 poolings before a convolution leave it one
 * pixel of 64: an image's mean, which stripes of either class share): no capacity
 * downstream can learn what they threw away.  *first: that weighted layer; *head, *tail:
 * the first and last of the layers before it, which then are one chain from the data. */
enum { UNDERFIT_SQUEEZE = 16 };
static bool underfit_squeezed(const fl_probes *p, size_t *first, size_t *head, size_t *tail)
{
    size_t w = p->n_layers;
    for (size_t k = 0; k < p->n_layers && w == p->n_layers; k++)
        if (fl_probes_layer(p, k)->has_weights)
            w = k;
    if (w == p->n_layers)
        return false;
    const fl_layer_desc *l = fl_probes_layer(p, w);
    /* It must be able to read the data in their place, and they its output. */
    if (l->input < 0 || l->n_in * UNDERFIT_SQUEEZE > p->n_in ||
        l->in_shape.rank != p->in_shape.rank || l->out_shape.rank != p->in_shape.rank)
        return false;
    size_t k = (size_t)l->input;
    *tail = k;
    for (size_t steps = 0; steps <= p->n_layers; steps++) {
        const fl_layer_desc *b = fl_probes_layer(p, k);
        if (b->has_weights)
            return false;
        if (b->input < 0) {
            *first = w;
            *head = k;
            return true;
        }
        k = (size_t)b->input;
    }
    return false;
}

/* The advice in words, and its candidate fixes: first, for an input squeezed before any
 * weight sees it, the weighted layer moved to the front; for a loss that never moved from
 * its start, a larger rate (a model too small still learns what it can: its loss falls
 * before it settles); for 0/1 labels under a regression loss, bce; then more capacity:
 * a wider layer where one can grow, a hidden layer (model.NAME={...} adds it before the
 * output) where the model has none; and more epochs. */
static char *underfit_advice(const fl_probes *p, fl_fix_set *fixes)
{
    const fl_layer_desc *narrow = NULL, *first_out = NULL;
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        if (l->is_output && !first_out)
            first_out = l;
        if (!l->has_weights || !l->has_kernel || l->is_output ||
            l->activation.kind == FL_ACT_LINEAR)
            continue;
        if (!narrow || l->units < narrow->units)
            narrow = l;
    }
    char *shape = underfit_shape(p);
    char *advice;
    /* A layer with a spatial output grows by its filters (conv2d), a flat one by units. */
    const char *width_key = narrow && narrow->out_shape.rank > 1 ? "filters" : "units";
    size_t first, head, tail;
    bool squeezed = underfit_squeezed(p, &first, &head, &tail);
    if (squeezed) {
        /* The weighted layer first, reading the data; the squeezing layers after it; what
         * read it reads the last of them. */
        const char *w = fl_probes_layer(p, first)->name;
        const char *t = fl_probes_layer(p, tail)->name;
        fl_fixes_add(fixes, "the weighted layer sees the whole input before it is shrunk",
                     "model.%s.from=\"(data)\"", w);
        fl_fixes_also(fixes, "model.%s.from=%s", fl_probes_layer(p, head)->name, w);
        for (size_t k = 0; k < p->n_layers; k++)
            if (fl_probes_layer(p, k)->input == (int)first)
                fl_fixes_also(fixes, "model.%s.from=%s", fl_probes_layer(p, k)->name, t);
    }
    if (loss_still_since_start(p) && isfinite(p->base_lr) && p->base_lr > 0)
        fix_lr_raised(fixes, p);
    if (underfit_labels_as_values(p) && first_out && first_out->units == p->n_outputs) {
        /* One class a row on a softmax: its own loss is cce (a softmax of ten classes under
         * mse and SGD at 0.01 sat at the mean's loss for 50 epochs; under cce it learned,
         * where sigmoid units under bce would answer each class apart). */
        if (first_out->activation.kind == FL_ACT_SOFTMAX && first_out->units > 1 &&
            probe_rows_one_hot(p, 0, p->n_outputs)) {
            fl_fixes_add(fixes, "the loss made for one class a row", "loss=cce");
        } else {
            fl_fixes_add(fixes, "the loss made for 0/1 labels", "loss=bce");
            if (first_out->activation.kind != FL_ACT_SIGMOID)
                fl_fixes_also(fixes, "model.%s.activation=sigmoid", first_out->name);
        }
    }
    if (narrow)
        fl_fixes_add(fixes, "a wider layer gives the model the capacity to fit",
                     "model.%s.%s=%zu", narrow->name, width_key, 4 * narrow->units);
    char hidden[32];
    if (!narrow && first_out && first_out->in_shape.rank == 1 &&
        underfit_free_name(p, hidden, sizeof hidden))
        fl_fixes_add(fixes, "a nonlinear hidden layer gives a linear model the curves it lacks",
                     "model.%s={units=32;activation=\"relu\";}", hidden);
    if (p->max_epochs > 0)
        fl_fixes_add(fixes, "more epochs let a slow fit finish", "train.epochs=%d",
                     4 * p->max_epochs);
    if (!narrow)
        advice = g_strdup_printf(
            "the model is %s with no nonlinear hidden layer: add one before %s, e.g. { name = "
            "\"h1\"; layer = \"dense\"; units = 32; activation = \"relu\"; }; raise "
            "train.epochs from %d only if the loss is still creeping down",
            shape, first_out ? first_out->name : "the output", p->max_epochs);
    else
        advice =
            g_strdup_printf("the model is %s: raise model.%s.%s from %zu (try %zu) or "
                            "add a hidden layer; raise train.epochs from %d only if the "
                            "loss is still creeping down",
                            shape, narrow->name, width_key, narrow->units, 4 * narrow->units,
                            p->max_epochs);
    g_free(shape);
    if (squeezed) {
        const fl_layer_desc *w = fl_probes_layer(p, first);
        char *moved = g_strdup_printf(
            "the layers from %s to %s leave %s %zu of the %zu input values before any weight "
            "sees them: put %s first (model.%s.from = \"(data)\", model.%s.from = \"%s\", "
            "and what reads %s reads %s); %s",
            fl_probes_layer(p, head)->name, fl_probes_layer(p, tail)->name, w->name, w->n_in,
            p->n_in, w->name, w->name, fl_probes_layer(p, head)->name, w->name, w->name,
            fl_probes_layer(p, tail)->name, advice);
        g_free(advice);
        advice = moved;
    }
    return advice;
}

/* The noise floor and the nearest-neighbour accuracy depend on the probe rows alone:
 * computed once per run (each is quadratic in them), not at every epoch of a plateau. */
enum { UNDERFIT_FLOOR, UNDERFIT_NN, UNDERFIT_CACHED };
typedef struct underfit_state {
    bool have[UNDERFIT_CACHED];
    double value[UNDERFIT_CACHED];
} underfit_state;

static int underfit_create(const fl_host *host, const void *opts, void **state)
{
    (void)host, (void)opts;
    *state = g_new0(underfit_state, 1);
    return 0;
}

static void underfit_destroy(void *state) { g_free(state); }

/* compute(p), the first time this run (which: UNDERFIT_FLOOR or UNDERFIT_NN); every time
 * without a state. */
static double underfit_once(underfit_state *st, int which,
                            double (*compute)(const fl_probes *), const fl_probes *p)
{
    if (!st)
        return compute(p);
    if (!st->have[which]) {
        st->value[which] = compute(p);
        st->have[which] = true;
    }
    return st->value[which];
}

/* The loss has come down steadily since the start and still does: over the last `window`
 * epochs it gained (fl_loss_improvement) at least half its average gain per `window` epochs
 * since epoch 0, that average is at least half of min_delta, and the model does better
 * than predicting the mean.  Such a run has not stopped improving: it is slow, and a
 * plateau test with a fixed min_delta mistakes it for one (sigmoid and bce under SGD 0.01
 * on circles lose a steady 0.8% per 10 epochs for 100 epochs).  A plateau slows down: its
 * last window gains a small share of its average.  Above the mean's loss, which the
 * output bias alone reaches quickly, the same creep is a run that is not learning. */
static bool underfit_steady(const fl_probes *p, int window, double min_delta)
{
    size_t n = p->n_epochs;
    if (!(fl_fit_ratio(p, fl_probes_now(p)) < 1.0))
        return false;
    double first = fl_probes_epoch(p, 0)->loss, best = first;
    for (size_t e = 1; e <= n; e++) {
        double l = fl_probes_epoch(p, e)->loss;
        if (isfinite(l) && l < best)
            best = l;
    }
    double recent = fl_loss_improvement(p, window);
    if (!(first > 0) || !(best > 0) || !isfinite(recent) || n < (size_t)window)
        return false;
    double average = 1.0 - pow(best / first, (double)window / (double)n);
    return average >= 0.5 * min_delta && recent >= 0.5 * average;
}

/* Every output's spread across the probe rows under 1% of its targets' (constant_output's
 * measure) for the whole window: the model answers one value whatever it is shown.  The
 * warm-up is for a healthy run that pauses early while its outputs already move; a run
 * that answers one value is not pausing, and it is stopped (stop_on) long before the
 * warm-up of a long run would end: underfit must speak before, or a model too small for
 * its data is told only that its output is constant. */
static bool underfit_answers_one_value(const fl_probes *p, int window)
{
    if ((int)p->n_epochs < window)
        return false;
    for (size_t o = 0; o < p->n_outputs; o++) {
        if (target_flat(p, o))
            continue;
        for (size_t e = p->n_epochs - (size_t)window + 1; e <= p->n_epochs; e++)
            if (!output_spread_below(p, e, o, 0.01))
                return false;
    }
    return true;
}

/* observe() reports the warning brief (its level and epoch: the tests above decide it),
 * describe() the same in full: its sentences, fixes and measures cost more than the tests
 * and a plateau stands for many epochs. */
static int underfit_judge(void *state, const void *opts_, const fl_probes *p,
                          fl_report_fn report, void *ctx, bool brief)
{
    const underfit_opts *o = opts_;
    int start = MAX(o->min_epochs, (int)ceil(o->min_fraction * p->max_epochs));
    /* The steady-pace test walks the history: last, once the cheap tests have passed. */
    if ((int)p->n_epochs < o->min_epochs ||
        ((int)p->n_epochs < start && !underfit_answers_one_value(p, o->patience)) ||
        !fl_loss_plateau(p, o->patience, o->min_delta) ||
        !(fl_fit_ratio(p, fl_probes_now(p)) > o->ratio) ||
        underfit_steady(p, o->patience, o->min_delta))
        return 0;
    const fl_epoch_probe *now = fl_probes_epoch(p, p->n_epochs);
    double data = fl_data_loss(now), share = data / p->baseline_loss;
    bool mse = p->loss_flags & FL_LOSS_SQUARED_ERROR;
    double noise = mse && o->floor_factor > 0
                       ? underfit_once(state, UNDERFIT_FLOOR, underfit_noise_floor, p)
                       : NAN;
    if (isfinite(noise) && data <= o->floor_factor * noise)
        return 0;
    /* A classifier's floor: classing the probe rows as well as their nearest neighbours
     * do is what overlapping classes allow (noisy circles plateau at half the prior's
     * loss with 84% right, which is all the labels leave to learn). */
    double nn = o->nn_floor ? underfit_once(state, UNDERFIT_NN, underfit_nn_accuracy, p) : NAN;
    if (isfinite(nn) && underfit_probe_accuracy(p) >= nn)
        return 0;
    int since = (int)p->n_epochs - o->patience;
    if (brief) {
        report(ctx, &(fl_finding){.size = sizeof(fl_finding),
                                  .level = FL_LEVEL_WARNING,
                                  .epoch = since,
                                  .flags = FL_FINDING_BRIEF});
        return 0;
    }
    char *flat = loss_note(p, o->patience, o->min_delta);
    /* Clearly above the baseline the model has not even learned the mean, which its
     * output bias alone can: capacity is not what limits it.  At the baseline itself it
     * may well be capacity: a linear model on a target with no linear part (an even
     * polynomial, experiments/underfit.cfg) sits at 101% of it. */
    bool no_mean = share > 1.1;
    char *explained = no_mean ? g_strdup(": worse than predicting the mean")
                      : mse   ? g_strdup_printf(": the model explains only %.0f%% of the "
                                                "target variance",
                                                100.0 * fmax(0.0, 1.0 - share))
                              : g_strdup("");
    char *floor_text = isfinite(noise)
                           ? g_strdup_printf("; the noise floor estimated from nearest "
                                             "neighbours over %zu probe rows is %.3g",
                                             p->n_probe, noise)
                           : g_strdup("");
    char *evidence = g_strdup_printf("training data loss %.3g = %.0f%% of the loss of "
                                     "predicting the mean (%.3g)%s; %s%s",
                                     data, 100.0 * share, p->baseline_loss, explained, flat,
                                     floor_text);
    g_free(floor_text);
    fl_fix_set fixes = {0};
    if (no_mean)
        fixes_lr_either_way(&fixes, p);
    char *advice = no_mean ? g_strdup("the model has not learned even the mean, which its "
                                      "output bias alone can: more capacity will not help; "
                                      "look at the causes listed before this one (learning "
                                      "rate, updates, initialization)")
                           : underfit_advice(p, &fixes);
    fl_finding f = {.size = sizeof f,
                    .level = FL_LEVEL_WARNING,
                    .epoch = since,
                    .evidence = evidence,
                    .cause = no_mean ? "the loss has stopped improving at or above the loss of "
                                       "predicting the mean: the model is not learning"
                                     : "the loss has stopped improving far above what the data "
                                       "allows: the model is too small or too constrained to "
                                       "fit it",
                    .advice = advice};
    fl_finding_fixes(&f, &fixes);
    /* "loss" is the data loss the fit is judged by; the plateau's losses are the total. */
    fl_measure_set m = {0};
    fl_measures_add(&m, data, "loss");
    fl_measures_add(&m, p->baseline_loss, "baseline_loss");
    fl_measures_add(&m, share, "fit");
    if (!no_mean && mse)
        fl_measures_add(&m, fmax(0.0, 1.0 - share), "variance_explained");
    loss_measures(&m, p, o->patience);
    if (isfinite(noise)) {
        fl_measures_add(&m, noise, "noise_floor");
        fl_measures_add(&m, (double)p->n_probe, "probe_rows");
    }
    fl_finding_measures(&f, &m);
    report(ctx, &f);
    g_free(flat);
    g_free(explained);
    g_free(evidence);
    g_free(advice);
    return 0;
}

static int underfit_observe(void *state, const void *opts, const fl_probes *p,
                            fl_report_fn report, void *ctx)
{
    return underfit_judge(state, opts, p, report, ctx, true);
}

static int underfit_describe(void *state, const void *opts, const fl_probes *p,
                             fl_report_fn report, void *ctx)
{
    return underfit_judge(state, opts, p, report, ctx, false);
}

FL_DETECTOR_PLUGIN("underfit", "the loss plateaus far above the loss of predicting the mean",
                   underfit_params, underfit_opts, .flags = FL_DETECTS_CAUSE,
                   .priority = PRIORITY_UNDERFIT, .create = underfit_create,
                   .observe = underfit_observe, .destroy = underfit_destroy,
                   .describe = underfit_describe);
