/* detect.c — see detect.h.  Each detector gets one slot; a new report replaces the
 * slot's finding unless that finding is final (collapsed or pre-flight), and a warning
 * that is not reported again in the next epoch is dropped. */
#include "detect.h"
#include "host.h"

#include <string.h>

typedef struct slot {
    const fl_plugin *plugin;
    const void *opts;
    void *state;
    finding_rec *finding;    /* what holds now, or NULL */
    finding_rec *preflight;  /* kept apart: a pre-flight finding is final */
    int epoch;               /* epoch being observed, for the report callback */
    gboolean in_preflight;
    const fl_probes *seen;   /* what the latest observe() read, for describe() */
    /* The plugin's observe(), kept here: reached through its descriptor it cost a cache
     * miss per detector and epoch (1% of a seed-scale run). */
    int (*observe)(void *, const void *, const fl_probes *, fl_report_fn, void *);
} slot;

struct detect_set {
    fl_host *host;
    GArray *slots; /* slot */
    GPtrArray *current;
};

void finding_fix_free(gpointer data)
{
    finding_fix *x = data;
    g_strfreev(x->edits);
    g_free(x->reason);
    g_free(x);
}

static finding_fix *finding_fix_new(GStrv edits, const char *reason)
{
    finding_fix *x = g_new0(finding_fix, 1);
    x->edits = edits;
    x->reason = g_strdup(reason ? reason : "");
    return x;
}

void finding_rec_free(finding_rec *f)
{
    if (!f)
        return;
    g_free(f->detector);
    g_free(f->evidence);
    g_free(f->cause);
    g_free(f->advice);
    if (f->fixes)
        g_ptr_array_free(f->fixes, TRUE);
    if (f->measures)
        g_array_unref(f->measures);
    g_free(f);
}

static void finding_measure_clear(gpointer p)
{
    g_free(((finding_measure *)p)->name);
}

static GArray *measures_new(void)
{
    GArray *m = g_array_new(FALSE, FALSE, sizeof(finding_measure));
    g_array_set_clear_func(m, finding_measure_clear);
    return m;
}

finding_rec *finding_rec_copy(const finding_rec *f)
{
    finding_rec *c = g_memdup2(f, sizeof *f);
    c->detector = g_strdup(f->detector);
    c->evidence = g_strdup(f->evidence);
    c->cause = g_strdup(f->cause);
    c->advice = g_strdup(f->advice);
    c->fixes = NULL;
    if (f->fixes) {
        c->fixes = g_ptr_array_new_with_free_func(finding_fix_free);
        for (guint i = 0; i < f->fixes->len; i++) {
            const finding_fix *x = f->fixes->pdata[i];
            g_ptr_array_add(c->fixes, finding_fix_new(g_strdupv(x->edits), x->reason));
        }
    }
    c->measures = NULL;
    if (f->measures) {
        c->measures = measures_new();
        for (guint i = 0; i < f->measures->len; i++) {
            const finding_measure *m = &g_array_index(f->measures, finding_measure, i);
            finding_measure x = {.name = g_strdup(m->name), .value = m->value};
            g_array_append_val(c->measures, x);
        }
    }
    return c;
}

static const fl_detector_ops *ops_of(const slot *s) { return s->plugin->ops.detector; }

/* The detector's describe(), when its table is new enough to hold one (rule 5). */
static int (*describe_of(const slot *s))(void *, const void *, const fl_probes *, fl_report_fn,
                                          void *)
{
    const fl_detector_ops *ops = ops_of(s);
    return FL_HAS(fl_detector_ops, ops, describe) ? ops->describe : NULL;
}

/* Bounds on what a detector may hand over, so a garbled finding cannot run away. */
enum { MAX_FIXES = 64, MAX_EDITS = 64, MAX_MEASURES = 64, MAX_MEASURE_NAME = 63 };

static gboolean measure_name_ok(const char *name)
{
    size_t n = 0;
    for (const char *c = name; c && *c; c++, n++)
        if (!(g_ascii_islower(*c) || g_ascii_isdigit(*c) || *c == '_') || n >= MAX_MEASURE_NAME)
            return FALSE;
    return n > 0;
}

/* The measures of a finding (ABI 2.1), read as far as its size and each one's size say;
 * a malformed or repeated name is dropped. */
static GArray *copy_measures(const fl_finding *f)
{
    if (!FL_HAS(fl_finding, f, measure_stride) || !f->measures || !f->n_measures ||
        f->measure_stride < sizeof(uint32_t))
        return NULL;
    GArray *out = measures_new();
    for (size_t i = 0; i < f->n_measures && i < MAX_MEASURES; i++) {
        const fl_measure *m = FL_AT_CONST(fl_measure, f->measures, f->measure_stride, i);
        if (!FL_HAS(fl_measure, m, value) || !measure_name_ok(m->name))
            continue;
        gboolean seen = FALSE;
        for (guint k = 0; k < out->len && !seen; k++)
            seen = strcmp(g_array_index(out, finding_measure, k).name, m->name) == 0;
        if (seen)
            continue;
        finding_measure x = {.name = g_strdup(m->name), .value = m->value};
        g_array_append_val(out, x);
    }
    if (!out->len)
        g_clear_pointer(&out, g_array_unref);
    return out;
}

/* The fixes of a finding, read as far as its size and each fix's size say. */
static GPtrArray *copy_fixes(const fl_finding *f)
{
    if (!FL_HAS(fl_finding, f, fix_stride) || !f->fixes || !f->n_fixes ||
        f->fix_stride < sizeof(uint32_t))
        return NULL;
    GPtrArray *fixes = g_ptr_array_new_with_free_func(finding_fix_free);
    for (size_t i = 0; i < f->n_fixes && i < MAX_FIXES; i++) {
        const fl_fix *x = FL_AT_CONST(fl_fix, f->fixes, f->fix_stride, i);
        if (!FL_HAS(fl_fix, x, edits) || !x->edits || !x->edits[0])
            continue;
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();
        for (size_t k = 0; x->edits[k] && k < MAX_EDITS; k++)
            g_strv_builder_add(b, x->edits[k]);
        g_ptr_array_add(fixes, finding_fix_new(g_strv_builder_end(b),
                                               FL_HAS(fl_fix, x, reason) ? x->reason : NULL));
    }
    if (!fixes->len)
        g_clear_pointer(&fixes, g_ptr_array_unref);
    return fixes;
}

/* Advice in words from the fixes, for a finding that leaves it to them:
 * "set optimizer.lr=0.001 (the rate is too large); or set ...". */
static char *advice_from_fixes(const GPtrArray *fixes)
{
    GString *a = g_string_new(NULL);
    for (guint i = 0; fixes && i < fixes->len; i++) {
        const finding_fix *x = fixes->pdata[i];
        g_autofree char *edits = g_strjoinv(" ", x->edits);
        g_string_append_printf(a, "%sset %s", i ? "; or " : "", edits);
        if (*x->reason)
            g_string_append_printf(a, " (%s)", x->reason);
    }
    return g_string_free(a, FALSE);
}

detect_set *detect_new(GPtrArray *refs, fl_host *host, GError **error)
{
    detect_set *d = g_new0(detect_set, 1);
    d->host = host;
    d->slots = g_array_new(FALSE, TRUE, sizeof(slot));
    d->current = g_ptr_array_new();
    for (guint i = 0; refs && i < refs->len; i++) {
        const fl_ref *r = refs->pdata[i];
        slot s = {.plugin = r->plugin, .opts = r->opts,
                  .observe = r->plugin->ops.detector->observe};
        if (ops_of(&s)->create) {
            host_clear_error(host);
            if (ops_of(&s)->create(host, r->opts, &s.state) < 0) {
                host_take_error(host, error, "detector \"%s\": ", r->plugin->name);
                detect_free(d);
                return NULL;
            }
        }
        g_array_append_val(d->slots, s);
    }
    return d;
}

void detect_free(detect_set *d)
{
    if (!d)
        return;
    for (guint i = 0; i < d->slots->len; i++) {
        slot *s = &g_array_index(d->slots, slot, i);
        if (ops_of(s)->destroy && s->state)
            ops_of(s)->destroy(s->state);
        finding_rec_free(s->finding);
        finding_rec_free(s->preflight);
    }
    g_array_free(d->slots, TRUE);
    g_ptr_array_free(d->current, TRUE);
    g_free(d);
}

static void on_report(void *ctx, const fl_finding *f)
{
    slot *s = ctx;
    /* Every field is read only as far as the detector's struct reaches (rule 2 of
     * flatline/plugin.h): one built against an older header has fewer. */
    if (!f || !FL_HAS(fl_finding, f, level) ||
        (f->level != FL_LEVEL_WARNING && f->level != FL_LEVEL_COLLAPSED))
        return;
    finding_rec **target = s->in_preflight ? &s->preflight : &s->finding;
    finding_rec *old = *target;
    /* A final finding stays; a later report may only make it more severe. */
    if (old && old->sticky && f->level <= old->level) {
        old->reported = s->epoch;
        return;
    }
    unsigned flags = FL_HAS(fl_finding, f, flags) ? f->flags : 0;
    gboolean brief = (flags & FL_FINDING_BRIEF) && f->level == FL_LEVEL_WARNING &&
                     !s->in_preflight && describe_of(s);
    /* A brief warning standing again: the same record, its epochs moved (no copies). */
    if (brief && old && old->brief) {
        old->epoch = FL_HAS(fl_finding, f, epoch) ? f->epoch : 0;
        old->reported = s->epoch;
        old->finding_flags = flags & ~(unsigned)FL_FINDING_BRIEF;
        return;
    }
    finding_rec *n = g_new0(finding_rec, 1);
    n->detector = g_strdup(s->plugin->name);
    n->level = f->level;
    n->epoch = s->in_preflight || !FL_HAS(fl_finding, f, epoch) ? 0 : f->epoch;
    n->reported = s->epoch;
    const char *evidence = FL_HAS(fl_finding, f, evidence) ? f->evidence : NULL;
    const char *cause = FL_HAS(fl_finding, f, cause) ? f->cause : NULL;
    const char *advice = FL_HAS(fl_finding, f, advice) ? f->advice : NULL;
    n->evidence = g_strdup(evidence ? evidence : "");
    n->cause = g_strdup(cause ? cause : "");
    n->fixes = copy_fixes(f);
    n->measures = copy_measures(f);
    n->advice = advice ? g_strdup(advice) : advice_from_fixes(n->fixes);
    n->finding_flags = flags & ~(unsigned)FL_FINDING_BRIEF;
    n->brief = brief;
    n->flags = ops_of(s)->flags;
    n->priority = ops_of(s)->priority ? ops_of(s)->priority : 100;
    n->sticky = s->in_preflight || f->level == FL_LEVEL_COLLAPSED;
    finding_rec_free(old);
    *target = n;
}

gboolean detect_preflight(detect_set *d, const fl_probes *p, GError **error)
{
    for (guint i = 0; i < d->slots->len; i++) {
        slot *s = &g_array_index(d->slots, slot, i);
        if (!ops_of(s)->preflight)
            continue;
        s->in_preflight = TRUE;
        s->epoch = 0;
        host_clear_error(d->host);
        int rc = ops_of(s)->preflight(s->state, s->opts, p, on_report, s);
        s->in_preflight = FALSE;
        if (rc < 0) {
            host_take_error(d->host, error, "detector \"%s\" (pre-flight): ", s->plugin->name);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean detect_observe(detect_set *d, const fl_probes *p, GError **error)
{
    int epoch = (int)p->n_epochs;
    for (guint i = 0; i < d->slots->len; i++) {
        slot *s = &g_array_index(d->slots, slot, i);
        if (!s->observe)
            continue;
        /* A collapsed finding is final and nothing the detector reports can change it
         * (on_report): it is not asked again (measured: a run that goes on after its
         * collapse spent most of its detectors' time re-reporting it). */
        if (s->finding && s->finding->sticky && s->finding->level == FL_LEVEL_COLLAPSED)
            continue;
        s->epoch = epoch;
        s->seen = p;
        host_clear_error(d->host);
        if (s->observe(s->state, s->opts, p, on_report, s) < 0) {
            host_take_error(d->host, error, "detector \"%s\" (epoch %d): ", s->plugin->name,
                            epoch);
            return FALSE;
        }
        /* A warning not repeated this epoch no longer holds. */
        if (s->finding && !s->finding->sticky && s->finding->reported < epoch)
            g_clear_pointer(&s->finding, finding_rec_free);
    }
    return TRUE;
}

gboolean detect_describe(detect_set *d, GError **error)
{
    for (guint i = 0; i < d->slots->len; i++) {
        slot *s = &g_array_index(d->slots, slot, i);
        if (!s->finding || !s->finding->brief)
            continue;
        /* The probes as that observe() read them: the run may have recorded an epoch
         * since (a crash before the next observe). */
        fl_probes view = *s->seen;
        view.n_epochs = (size_t)s->epoch;
        host_clear_error(d->host);
        if (describe_of(s)(s->state, s->opts, &view, on_report, s) < 0) {
            host_take_error(d->host, error, "detector \"%s\" (epoch %d): ", s->plugin->name,
                            s->epoch);
            return FALSE;
        }
        /* Not confirmed in full: it does not stand. */
        if (s->finding && s->finding->brief)
            g_clear_pointer(&s->finding, finding_rec_free);
    }
    return TRUE;
}

/* Set a measure of f, replacing one of the same name. */
static void finding_set_measure(finding_rec *f, const char *name, double value)
{
    if (!f->measures)
        f->measures = measures_new();
    for (guint k = 0; k < f->measures->len; k++) {
        finding_measure *m = &g_array_index(f->measures, finding_measure, k);
        if (strcmp(m->name, name) == 0) {
            m->value = value;
            return;
        }
    }
    finding_measure x = {.name = g_strdup(name), .value = value};
    g_array_append_val(f->measures, x);
}

static gboolean overrule(finding_rec *f, const char *why, const detect_learned *l)
{
    if (!f || f->level != FL_LEVEL_COLLAPSED)
        return FALSE;
    f->level = FL_LEVEL_WARNING;
    char *evidence = g_strconcat(f->evidence, *f->evidence ? "; " : "", why, NULL);
    g_free(f->evidence);
    f->evidence = evidence;
    finding_set_measure(f, "learned_epoch", l->epoch);
    finding_set_measure(f, "learned_fit", l->fit);
    finding_set_measure(f, "learned_spread", l->spread);
    return TRUE;
}

guint detect_overrule_collapses(detect_set *d, const detect_learned *l)
{
    g_autofree char *why = g_strdup_printf(
        "but the run went on to learn: at epoch %d, its end, the loss was %.3g x the mean "
        "predictor's and every output spread over the probe inputs at least %.3g x its "
        "targets'",
        l->epoch, l->fit, l->spread);
    guint n = 0;
    for (guint i = 0; i < d->slots->len; i++) {
        slot *s = &g_array_index(d->slots, slot, i);
        n += overrule(s->finding, why, l);
        n += overrule(s->preflight, why, l);
    }
    return n;
}

GPtrArray *detect_findings(detect_set *d)
{
    g_ptr_array_set_size(d->current, 0);
    for (guint i = 0; i < d->slots->len; i++) {
        slot *s = &g_array_index(d->slots, slot, i);
        /* Training findings first: they are measured; pre-flight ones are predictions. */
        if (s->finding)
            g_ptr_array_add(d->current, s->finding);
        if (s->preflight && !(s->finding && s->finding->level >= s->preflight->level))
            g_ptr_array_add(d->current, s->preflight);
    }
    return d->current;
}
