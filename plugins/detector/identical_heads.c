/* identical_heads.c — symptom: two outputs predict the same value as each other for
 * every probe input although their targets differ.  Heads initialized alike (zeros,
 * ones, a constant) from the same trunk receive the same gradient at every step and stay
 * copies of one another forever.
 *
 * The comparison needs the predictions column by column, and the core keeps only the
 * current epoch's (p->probe_pred), so the detector keeps per run, for each pair of
 * outputs, the first epoch of its current run of identical predictions.  A warning once
 * a pair has been identical `patience` epochs; a collapse when the loss has also stopped
 * improving over that window. */
#include "evidence.h"
#include "priorities.h"

#include <limits.h>
#include <stddef.h>

typedef struct identical_heads_opts {
    double tol;
    double target_gap;
    int patience;
    double min_delta;
} identical_heads_opts;

/* Our own defaults: predictions within 1e-3 of the targets' std of each
 * other are the same value for any purpose; targets more than 0.1 std apart somewhere
 * in the probe batch are clearly different columns.  patience and min_delta as in
 * constant_output. */
static const fl_param identical_heads_params[] = {
    {"tol", FL_PARAM_FLOAT, "1e-3", "[0, 1)", NULL,
     "largest prediction difference, as a fraction of the larger target std, that counts as "
     "identical",
     offsetof(identical_heads_opts, tol)},
    {"target_gap", FL_PARAM_FLOAT, "0.1", "(0, inf)", NULL,
     "the targets must differ by more than this fraction of the larger target std",
     offsetof(identical_heads_opts, target_gap)},
    {"patience", FL_PARAM_INT, "5", "[1, 10000]", NULL,
     "epochs in a row a pair must stay identical before it is reported",
     offsetof(identical_heads_opts, patience)},
    {"min_delta", FL_PARAM_FLOAT, "0.01", "[0, 1]", NULL,
     "relative loss improvement over the patience window that still counts as learning",
     offsetof(identical_heads_opts, min_delta)},
    FL_PARAM_END};

typedef struct identical_heads_state {
    size_t n_outputs;
    int *since;        /* (n_outputs, n_outputs), used for i < j: 0 = not identical now */
    size_t last_epoch; /* the epoch observed last; a gap restarts every count */
} identical_heads_state;

static int identical_heads_create(const fl_host *host, const void *opts, void **state)
{
    (void)host, (void)opts;
    *state = g_new0(identical_heads_state, 1);
    return 0;
}

static void identical_heads_destroy(void *state)
{
    identical_heads_state *s = state;
    g_free(s->since);
    g_free(s);
}

/* Largest |a - b| over the probe rows for columns i and j of m (n_probe, n); NaN if any
 * value is not finite.  The walk stops at the first difference beyond `bound` and returns
 * it, which says as much as the largest (most pairs of heads that learn differ beyond the
 * tolerance in the first rows); INFINITY walks every row. */
static double identical_heads_maxdiff(const float *m, size_t rows, size_t n, size_t i, size_t j,
                                      double bound)
{
    double d = 0;
    for (size_t r = 0; r < rows; r++) {
        double v = fabs((double)m[r * n + i] - (double)m[r * n + j]);
        if (!isfinite(v))
            return NAN;
        if (v > bound)
            return v;
        d = fmax(d, v);
    }
    return d;
}

/* A pair reported, for the finding's measures. */
typedef struct identical_heads_pair {
    size_t i, j;
    double dp, dy;
    int first;
} identical_heads_pair;


/* A head that passes on another layer's values, and that layer. */
typedef struct shared_head {
    size_t source, head;
} shared_head;

/* Heads that pass on the same layer's values: each (source, head) once. */
static void shared_add(GArray *shared, size_t source, size_t head)
{
    for (guint i = 0; i < shared->len; i++) {
        const shared_head *e = &g_array_index(shared, shared_head, i);
        if (e->source == source && e->head == head)
            return;
    }
    shared_head e = {source, head};
    g_array_append_val(shared, e);
}

/* "y0, y1 and y2 pass on z's values: ..." once per shared layer, and the fix: every head
 * but the first becomes a layer like the shared one, reading what it reads (a dense
 * layer reading another layer: the data cannot be named in `from`). */
static void shared_advice(const fl_probes *p, GArray *shared, GString *advice,
                          fl_fix_set *fixes)
{
    for (guint i = 0; i < shared->len; i++) {
        size_t source = g_array_index(shared, shared_head, i).source;
        bool seen = false;
        for (guint k = 0; k < i && !seen; k++)
            seen = g_array_index(shared, shared_head, k).source == source;
        if (seen)
            continue;
        guint n = 0, total = 0;
        for (guint k = i; k < shared->len; k++)
            total += g_array_index(shared, shared_head, k).source == source;
        if (advice->len)
            g_string_append(advice, "; ");
        for (guint k = i; k < shared->len; k++) {
            const shared_head *e = &g_array_index(shared, shared_head, k);
            if (e->source != source)
                continue;
            n++;
            g_string_append_printf(advice, "%s%s", n == 1 ? "" : n == total ? " and " : ", ",
                                   fl_probes_layer(p, e->head)->name);
        }
        const fl_layer_desc *sl = fl_probes_layer(p, source);
        const char *src = sl->name;
        g_string_append_printf(advice,
                               " pass on %s's values: give each head a layer of its own (a "
                               "dense layer each on what %s reads)",
                               src, src);
        if (!sl->plugin || strcmp(sl->plugin, "dense") != 0 || !sl->input_name)
            continue;
        bool first = true, added = false;
        for (guint k = i; k < shared->len; k++) {
            const shared_head *e = &g_array_index(shared, shared_head, k);
            if (e->source != source)
                continue;
            if (first) {
                first = false; /* it keeps the shared layer */
                continue;
            }
            const char *fmt = "model.%s={units=%zu;activation=\"%s\";from=\"%s\";output=true;}";
            const char *head = fl_probes_layer(p, e->head)->name;
            const char *act = fl_activation_name(sl->activation.kind);
            if (!added)
                added = fl_fixes_add(fixes, "a layer of its own for each head", fmt, head,
                                     sl->units, act, sl->input_name);
            else
                fl_fixes_also(fixes, fmt, head, sl->units, act, sl->input_name);
        }
    }
}

/* The finding's measures: the counts and the loss first, then pair by pair (in the order
 * of the evidence) each where it fits whole: the largest prediction and target differences,
 * the target std of each output not named yet (the larger of a pair's two is its scale),
 * and the epoch the pair became identical where that is not the finding's. */
static void identical_heads_measures(fl_measure_set *m, const fl_probes *p,
                                     const identical_heads_opts *op, const GArray *pairs,
                                     int since)
{
    char bi[32], bj[32];
    fl_measures_add(m, (double)pairs->len, "identical_pairs");
    fl_measures_add(m, (double)p->n_probe, "probe_rows");
    loss_measures(m, p, op->patience);
    bool *named = g_new0(bool, p->n_outputs);
    for (guint k = 0; k < pairs->len; k++) {
        const identical_heads_pair *q = &g_array_index(pairs, identical_heads_pair, k);
        size_t need = 2 + !named[q->i] + !named[q->j] + (q->first != since);
        if (m->n + need > FL_MEASURES_MAX)
            continue; /* a later pair may need fewer */
        const char *ni = fl_output_name(p, q->i, bi, sizeof bi);
        const char *nj = fl_output_name(p, q->j, bj, sizeof bj);
        fl_measures_add(m, q->dp, "%s_%s_pred_diff", ni, nj);
        fl_measures_add(m, q->dy, "%s_%s_target_diff", ni, nj);
        for (size_t t = 0; t < 2; t++) {
            size_t o = t ? q->j : q->i;
            if (!named[o])
                fl_measures_add(m, p->target_std[o], "%s_target_std", t ? nj : ni);
            named[o] = true;
        }
        if (q->first != since)
            fl_measures_add(m, q->first, "%s_%s_since_epoch", ni, nj);
    }
    g_free(named);
}

static int identical_heads_observe(void *state, const void *opts, const fl_probes *p,
                                   fl_report_fn report, void *ctx)
{
    identical_heads_state *s = state;
    const identical_heads_opts *op = opts;
    size_t no = p->n_outputs, n = p->n_epochs;
    if (no < 2 || !p->n_probe || !p->probe_pred || !p->probe_y)
        return 0;
    if (s->n_outputs != no) {
        g_free(s->since);
        s->since = g_new0(int, no * no);
        s->n_outputs = no;
    } else if (s->last_epoch + 1 != n) {
        memset(s->since, 0, no * no * sizeof *s->since);
    }
    s->last_epoch = n;
    /* The plateau, the texts, the fixes and the pairs are made for the first pair that has
     * been identical `patience` epochs: an epoch without one only compares the columns. */
    bool stalled = false;
    GArray *shared = NULL; /* shared_head: heads that pass on one layer's values */
    fl_level level = 0;
    int since = INT_MAX;
    GString *evidence = NULL, *advice = NULL;
    fl_fix_set *fixes = NULL;
    GArray *pairs = NULL;
    char bi[32], bj[32];
    for (size_t i = 0; i < no; i++)
        for (size_t j = i + 1; j < no; j++) {
            int *first = &s->since[i * no + j];
            /* Two columns of one softmax share their mass: equal probabilities for two
             * classes are single_class's business, not two heads copying each other. */
            size_t li = fl_output_layer(p, i), lj = fl_output_layer(p, j);
            if (li == lj && li < p->n_layers &&
                fl_probes_layer(p, li)->activation.kind == FL_ACT_SOFTMAX) {
                *first = 0;
                continue;
            }
            /* The predictions only as far as they can still be the same, and the targets
             * only behind predictions that are. */
            double scale = fmax(p->target_std[i], p->target_std[j]), bound = op->tol * scale;
            double dp = scale > 0 ? identical_heads_maxdiff(p->probe_pred, p->n_probe, no, i,
                                                            j, bound)
                                  : NAN;
            double dy = dp <= bound ? identical_heads_maxdiff(p->probe_y, p->n_probe, no, i, j,
                                                              INFINITY)
                                    : NAN;
            bool same = scale > 0 && dp <= bound && dy > op->target_gap * scale;
            if (!same) {
                *first = 0;
                continue;
            }
            if (!*first)
                *first = (int)n;
            if (n - (size_t)*first + 1 < (size_t)op->patience)
                continue;
            if (!pairs) {
                stalled = fl_loss_plateau(p, op->patience, op->min_delta);
                evidence = g_string_new(NULL);
                advice = g_string_new(NULL);
                fixes = fixes_new();
                pairs = g_array_new(FALSE, FALSE, sizeof(identical_heads_pair));
            }
            fl_level l = stalled ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING;
            level = l > level ? l : level;
            since = *first < since ? *first : since;
            const char *ni = fl_output_name(p, i, bi, sizeof bi);
            const char *nj = fl_output_name(p, j, bj, sizeof bj);
            g_string_append_printf(evidence,
                                   "%soutputs %s and %s: predictions differ by at most %.3g "
                                   "across %zu probe inputs (tolerance %.3g = %.3g x target std "
                                   "%.3g) while their targets differ by up to %.3g, since "
                                   "epoch %d",
                                   evidence->len ? "; " : "", ni, nj, dp, p->n_probe,
                                   op->tol * scale, op->tol, scale, dy, *first);
            identical_heads_pair q = {i, j, dp, dy, *first};
            g_array_append_val(pairs, q);
            /* Heads that pass on the same layer's values are copies by construction: no
             * initializer tells them apart, only a layer of their own each. */
            size_t si = li < p->n_layers ? layer_source(p, li) : li;
            size_t sj = lj < p->n_layers ? layer_source(p, lj) : lj;
            if (li != lj && si == sj && si < p->n_layers) {
                if (!shared)
                    shared = g_array_new(FALSE, FALSE, sizeof(shared_head));
                shared_add(shared, si, li);
                shared_add(shared, si, lj);
                continue;
            }
            /* Name the heads' layers when their initializer makes them copies. */
            for (size_t t = 0; t < 2; t++) {
                size_t k = t ? lj : li;
                if (k >= p->n_layers || (t && lj == li) ||
                    !symmetric_init(fl_probes_layer(p, k)))
                    continue;
                char *key = g_strdup_printf("model.%s.init", fl_probes_layer(p, k)->name);
                if (!strstr(advice->str, key)) {
                    g_string_append_printf(advice, "%sset %s = \"glorot_uniform\" (now %s)",
                                           advice->len ? "; " : "", key,
                                           fl_probes_layer(p, k)->init);
                    fixes_init(fixes, fl_probes_layer(p, k),
                               "random weights give each head its own start");
                }
                g_free(key);
            }
        }
    if (level) {
        char *loss = loss_note(p, op->patience, op->min_delta);
        g_string_append_printf(evidence, "; %s", loss);
        g_free(loss);
        if (shared)
            shared_advice(p, shared, advice, fixes);
        else {
            if (advice->len)
                g_string_append(advice, "; ");
            g_string_append(advice,
                            "give each head weights of its own: a random initializer rather "
                            "than zeros/ones/constant, and see the causes listed first");
        }
        fl_finding f = {.size = sizeof f,
                        .level = level,
                        .epoch = since,
                        .evidence = evidence->str,
                        .cause = "several outputs predict the same values as each other although "
                                 "their targets differ: the heads are not told apart",
                        .advice = advice->str};
        fl_finding_fixes(&f, fixes);
        fl_measure_set m = {0};
        identical_heads_measures(&m, p, op, pairs, since);
        fl_finding_measures(&f, &m);
        report(ctx, &f);
    }
    if (shared)
        g_array_free(shared, TRUE);
    if (pairs) {
        g_array_free(pairs, TRUE);
        g_string_free(evidence, TRUE);
        g_string_free(advice, TRUE);
        g_free(fixes);
    }
    return 0;
}

FL_DETECTOR_PLUGIN("identical_heads",
                   "several outputs predict the same values as each other while their targets "
                   "differ",
                   identical_heads_params, identical_heads_opts, .flags = FL_DETECTS_SYMPTOM,
                   .priority = PRIORITY_SYMPTOM, .create = identical_heads_create,
                   .observe = identical_heads_observe, .destroy = identical_heads_destroy);
