/* detect.h — runs a set of detector plugins over a run's probes and keeps their findings.
 *
 * Warnings hold for the epoch they are reported in; collapsed findings and pre-flight
 * findings stay.  The core never knows a detector by name: what a finding means for the
 * verdict comes from the detector's flags and priority (see diagnosis.h). */
#ifndef FL_DETECT_H
#define FL_DETECT_H

#include <glib.h>
#include <flatline/plugin.h>

/* A candidate fix as the detector gave it (flatline/plugin.h: fl_fix). */
typedef struct finding_fix {
    GStrv edits; /* "key=value" each, as --set takes them */
    char *reason;
} finding_fix;

/* One number of a finding's evidence, by name (flatline/plugin.h: fl_measure). */
typedef struct finding_measure {
    char *name; /* [a-z0-9_]{1,63} */
    double value;
} finding_measure;

typedef struct finding_rec {
    char *detector;
    fl_level level;
    int epoch;          /* since when (0: pre-flight) */
    int reported;       /* epoch of the latest report */
    char *evidence, *cause, *advice;
    GPtrArray *fixes;       /* finding_fix*, most likely first, or NULL */
    GArray *measures;       /* finding_measure, in the detector's order, or NULL */
    unsigned finding_flags; /* FL_FINDING_* */
    unsigned flags;     /* FL_DETECTS_* of the detector */
    int priority;
    gboolean sticky;
    gboolean brief; /* a warning without its texts yet (FL_FINDING_BRIEF): detect_describe */
} finding_rec;

void finding_rec_free(finding_rec *f);
/* Free a finding_fix (the free function of finding_rec.fixes). */
void finding_fix_free(gpointer fix);
finding_rec *finding_rec_copy(const finding_rec *f);

typedef struct detect_set detect_set;

/* Create every detector (refs: fl_ref* with filled options). */
detect_set *detect_new(GPtrArray *refs, fl_host *host, GError **error);
void detect_free(detect_set *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(detect_set, detect_free)

gboolean detect_preflight(detect_set *d, const fl_probes *p, GError **error);
gboolean detect_observe(detect_set *d, const fl_probes *p, GError **error);

/* Ask the detectors whose standing warning came brief (FL_FINDING_BRIEF) for its texts,
 * fixes and measures, from the probes their latest observe read.  Before findings are
 * written or shown; a warning the detector does not confirm is dropped. */
gboolean detect_describe(detect_set *d, GError **error);

/* The findings that hold now, in detector order (borrowed).  A brief warning has its
 * level, epochs, flags and priority, and empty texts until detect_describe. */
GPtrArray *detect_findings(detect_set *d);

/* How a run that trained to its planned end fits its targets there (train.c decides
 * when that contradicts a collapse). */
typedef struct detect_learned {
    int epoch;     /* the run's last */
    double fit;    /* data loss / the mean predictor's */
    double spread; /* the least, over the outputs, of out_std / target_std */
} detect_learned;

/* A collapse is concluded from a stall; a run that went on and learned contradicts it.
 * Each collapsed finding becomes a warning (it held while the run stalled), its evidence
 * says how the run ended and its measures gain learned_epoch, learned_fit and
 * learned_spread.  Returns how many were overruled. */
guint detect_overrule_collapses(detect_set *d, const detect_learned *l);

#endif
