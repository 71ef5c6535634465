/* diagnosis.h — from a run's findings to its verdict and ordered causes.  All the rules
 * are in diagnosis.c, with their reasons. */
#ifndef FL_DIAGNOSIS_H
#define FL_DIAGNOSIS_H

#include <glib.h>
#include "detect.h"

typedef enum { VERDICT_HEALTHY, VERDICT_WARNING, VERDICT_COLLAPSED } verdict_kind;

typedef struct diagnosis {
    verdict_kind verdict;
    GPtrArray *ordered; /* finding_rec* (borrowed), primary first, one per detector */
} diagnosis;

/* final: the run is over (a symptom and a cause that still hold then confirm each other). */
void diagnose(GPtrArray *findings, gboolean final, diagnosis *out);
void diagnosis_clear(diagnosis *d);

const char *verdict_name(verdict_kind v);
/* The verdict a name stands for (as verdict_name writes it); FALSE for any other text. */
gboolean verdict_from_name(const char *name, verdict_kind *v);
/* The finding explains the collapse (FL_DETECTS_CAUSE) rather than only showing it; a
 * detector that declares neither is taken as a cause. */
gboolean diagnosis_is_cause(const finding_rec *f);
/* "dead_relu;constant_output" (caller frees). */
char *diagnosis_causes(const diagnosis *d);

#endif
