/* zero_output.c — symptom: every probe prediction of an output is (nearly) zero while
 * the targets are not.  This is what a network shows when nothing reaches its last layer
 * (all hidden units dead, zero weights and biases) or when a penalty has shrunk every
 * weight away.  "Nearly" is an absolute floor plus a fraction of the targets' scale
 * (the larger of |mean| and std), so the test reads the same in any units.  A warning
 * once it has held `patience` epochs; a collapse when the loss has also stopped
 * improving and the predictions are not growing away from zero, or when they are
 * exactly zero.  Targets centred at zero are left out: there predicting zero is
 * predicting the mean, a constant output like any other. */
#include "evidence.h"
#include "priorities.h"

#include <limits.h>
#include <stddef.h>

typedef struct zero_output_opts {
    double abs_tol;
    double rel_tol;
    int patience;
    double min_delta;
    double max_growth;
    double min_mean;
} zero_output_opts;

/* Defaults are our own: abs_tol 1e-6 is float32 noise around zero for
 * unit-scale values; rel_tol 1e-3 keeps predictions a thousand times smaller than the
 * targets "zero" (their squared error is the full target power).  patience, min_delta
 * and max_growth as in constant_output.  min_mean is our own: on targets centred at 0
 * (sine2d) a network that learned only the mean predicts ~0 too, which says nothing the
 * constant_output finding does not; zero is a distinct symptom only when the mean sits
 * clearly away from it, a tenth of a standard deviation or more. */
static const fl_param zero_output_params[] = {
    {"abs_tol", FL_PARAM_FLOAT, "1e-6", "[0, inf)", NULL,
     "absolute part of the tolerance around zero", offsetof(zero_output_opts, abs_tol)},
    {"rel_tol", FL_PARAM_FLOAT, "1e-3", "[0, 1)", NULL,
     "part of the tolerance relative to the targets' scale max(|mean|, std)",
     offsetof(zero_output_opts, rel_tol)},
    {"patience", FL_PARAM_INT, "5", "[1, 10000]", NULL,
     "epochs in a row the predictions must stay ~0 before it is reported",
     offsetof(zero_output_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "relative loss improvement over the patience window that still counts as learning",
     offsetof(zero_output_opts, min_delta)},
    {"max_growth", FL_PARAM_FLOAT, "2", "[1, inf)", NULL,
     "largest |prediction| growing by more than this factor over the window counts as "
     "recovering",
     offsetof(zero_output_opts, max_growth)},
    {"min_mean", FL_PARAM_FLOAT, "0.1", "[0, inf)", NULL,
     "only outputs whose target |mean| exceeds this fraction of the target std: otherwise zero "
     "is the mean, and predicting it is constant_output's case",
     offsetof(zero_output_opts, min_mean)},
    FL_PARAM_END};

static double zero_output_tol(const zero_output_opts *op, const fl_probes *p, size_t o)
{
    return op->abs_tol + op->rel_tol * fmax(fabs(p->target_mean[o]), p->target_std[o]);
}

static double zero_output_absmax(const fl_epoch_probe *e, size_t o)
{
    return fmax(fabs(e->out_min[o]), fabs(e->out_max[o]));
}

static bool zero_output_near(const fl_probes *p, size_t k, size_t o, const void *opts)
{
    double m = zero_output_absmax(fl_probes_epoch(p, k), o);
    return isfinite(m) && m < zero_output_tol(opts, p, o);
}

static bool zero_output_exact(const fl_probes *p, size_t k, size_t o, const void *opts)
{
    (void)opts;
    return zero_output_absmax(fl_probes_epoch(p, k), o) == 0;
}

/* An output that shows it, for the measures. */
typedef struct zero_output_hit {
    size_t o;
    int since;
    double max_abs, tol, before; /* before: the |prediction| `patience`-1 epochs ago, when
                                  * it is growing away from zero; NaN otherwise */
} zero_output_hit;

/* Closest to zero for its tolerance first: the worst output leads the measures. */
static int zero_output_hit_compare(const void *a, const void *b)
{
    const zero_output_hit *x = a, *y = b;
    double rx = x->max_abs / x->tol, ry = y->max_abs / y->tol;
    return rx < ry ? -1 : rx > ry ? 1 : 0;
}

/* The outputs' numbers, the worst first and whole outputs only, as many as fit beside the
 * loss, the probe rows and (for several outputs) their count. */
static void zero_output_measures(fl_measure_set *m, const fl_probes *p, zero_output_hit *hits,
                                 size_t n_hits, int since, int patience)
{
    qsort(hits, n_hits, sizeof *hits, zero_output_hit_compare);
    size_t shared = (p->n_epochs >= (size_t)patience + 1 ? 3 : 1) + 1 + (n_hits > 1);
    char buf[32];
    for (size_t i = 0; i < n_hits; i++) {
        const zero_output_hit *h = &hits[i];
        size_t group = 4 + !isnan(h->before) + (h->since != since);
        if (m->n + group + shared > FL_MEASURES_MAX)
            break;
        const char *out = fl_output_name(p, h->o, buf, sizeof buf);
        fl_measures_add(m, h->max_abs, "%s_max_abs", out);
        fl_measures_add(m, h->tol, "%s_tol", out);
        fl_measures_add(m, p->target_mean[h->o], "%s_target_mean", out);
        fl_measures_add(m, p->target_std[h->o], "%s_target_std", out);
        if (!isnan(h->before))
            fl_measures_add(m, h->before, "%s_max_abs_first", out);
        if (h->since != since)
            fl_measures_add(m, h->since, "%s_since_epoch", out);
    }
    loss_measures(m, p, patience);
    fl_measures_add(m, (double)p->n_probe, "probe_rows");
    if (n_hits > 1)
        fl_measures_add(m, (double)n_hits, "zero_outputs");
}

static int zero_output_observe(void *state, const void *opts, const fl_probes *p,
                               fl_report_fn report, void *ctx)
{
    (void)state;
    const zero_output_opts *op = opts;
    size_t n = p->n_epochs, patience = (size_t)op->patience;
    const fl_epoch_probe *now = fl_probes_epoch(p, n);
    bool stalled = false;
    fl_level level = 0;
    int since = INT_MAX;
    bool exact_any = false;
    GString *evidence = NULL; /* made for the first output that shows it, with the plateau
                               * test: a healthy epoch allocates and computes neither */
    char buf[32];
    zero_output_hit *hits = NULL;
    size_t n_hits = 0;
    for (size_t o = 0; o < p->n_outputs; o++) {
        /* Targets that are all ~0 make zero predictions right, not a symptom; so do
         * targets ~0 on every probe row (a class none of them belongs to: one of fifty,
         * say), where zero is the right answer to every input the output is judged on
         * (tested last: it reads every probe row). */
        if (fmax(fabs(p->target_min[o]), fabs(p->target_max[o])) <= op->abs_tol)
            continue;
        if (!(fabs(p->target_mean[o]) > op->min_mean * p->target_std[o]))
            continue;
        size_t streak = fl_streak(p, o, op, zero_output_near, NULL);
        if (streak < patience)
            continue;
        float lo, hi;
        if (probe_targets_range(p, o, &lo, &hi) &&
            fmax(fabs(lo), fabs(hi)) <= zero_output_tol(op, p, o))
            continue;
        if (!evidence) {
            stalled = fl_loss_plateau(p, op->patience, op->min_delta);
            evidence = g_string_new(NULL);
        }
        bool exact = (size_t)fl_streak(p, o, op, zero_output_exact, NULL) >= patience;
        double m = zero_output_absmax(now, o);
        double then = zero_output_absmax(fl_probes_epoch(p, n - patience + 1), o);
        /* Below abs_tol a value is float noise around zero, not a start to grow from. */
        bool growing = m > op->max_growth * fmax(then, op->abs_tol);
        fl_level l = exact || (stalled && !growing) ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING;
        int s = (int)(n - streak + 1);
        level = l > level ? l : level;
        since = s < since ? s : since;
        exact_any |= exact;
        g_string_append_printf(evidence,
                               "%soutput %s: largest |prediction| across %zu probe inputs %.3g "
                               "< %.3g (%.3g + %.3g x target scale %.3g; target mean %.3g, std "
                               "%.3g), since epoch %d",
                               evidence->len ? "; " : "", fl_output_name(p, o, buf, sizeof buf),
                               p->n_probe, m, zero_output_tol(op, p, o), op->abs_tol, op->rel_tol,
                               fmax(fabs(p->target_mean[o]), p->target_std[o]),
                               p->target_mean[o], p->target_std[o], s);
        if (!hits)
            hits = g_new(zero_output_hit, p->n_outputs);
        hits[n_hits++] = (zero_output_hit){o, s, m, zero_output_tol(op, p, o),
                                           !exact && growing ? then : NAN};
        if (exact)
            g_string_append(evidence, ", every prediction exactly 0");
        else if (growing)
            g_string_append_printf(evidence, ", growing (%.3g %d epochs ago)", then,
                                   (int)patience - 1);
    }
    if (level) {
        char *loss = loss_note(p, op->patience, op->min_delta);
        g_string_append_printf(evidence, "; %s", loss);
        g_free(loss);
        const char *cause = exact_any
                                ? "the network outputs exactly zero for every input: nothing "
                                  "reaches the output layer"
                                : "the network predicts (nearly) zero for every input";
        /* A symptom's own candidates, for when no cause explains it: regression targets
         * far from unit scale scaled, then the rate, both ways (which way it is off cannot
         * be told from a flat output). */
        fl_fix_set fixes = {0};
        fixes_targets_scale(&fixes, p);
        if (isfinite(p->base_lr) && p->base_lr > 0) {
            fl_fixes_add(&fixes, "a smaller rate stops overshooting", "optimizer.lr=%.3g",
                         fl_lr_lower(p->base_lr, 1));
            fl_fixes_add(&fixes, "a larger rate moves the weights", "optimizer.lr=%.3g",
                         fl_lr_raise(p->base_lr, 1));
        }
        fl_finding f = {.size = sizeof f,
                        .level = level,
                        .epoch = since,
                        .evidence = evidence->str,
                        .cause = cause,
                        .advice = "see the causes listed first (dead units, zero initialization, an "
                                   "overwhelming l1/l2 penalty, the learning rate)"};
        fl_finding_fixes(&f, &fixes);
        fl_measure_set measures = {0};
        zero_output_measures(&measures, p, hits, n_hits, since, op->patience);
        fl_finding_measures(&f, &measures);
        report(ctx, &f);
    }
    g_free(hits);
    if (evidence)
        g_string_free(evidence, TRUE);
    return 0;
}

FL_DETECTOR_PLUGIN("zero_output",
                   "predictions are (near) zero for every input while the targets are not",
                   zero_output_params, zero_output_opts, .flags = FL_DETECTS_SYMPTOM,
                   .priority = PRIORITY_SYMPTOM, .observe = zero_output_observe);
