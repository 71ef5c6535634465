/* lint.h — what `flatline check` finds before training: every detector's pre-flight check
 * run on each distinct configuration of an experiment (grid points that differ only by
 * seed count once), on the untrained network of its first seed. */
#ifndef FL_LINT_H
#define FL_LINT_H

#include <glib.h>
#include "plan.h"

/* Configurations checked at most; a larger grid is checked on its first ones, and says so. */
#define LINT_MAX_CONFIGS 64

typedef struct lint_totals {
    int configs;   /* distinct configurations seen (all of them unless the cap was hit) */
    int checked;   /* of those, checked */
    int findings;  /* pre-flight findings, all configurations */
    int collapsed; /* of those, collapsed-level */
} lint_totals;

/* Run the pre-flight checks and append what they find, as text for a terminal, to out.
 * FALSE (error set) only when a configuration cannot be built. */
gboolean lint_plan(plan *p, fl_host *host, GString *out, lint_totals *t, GError **error);

#endif
