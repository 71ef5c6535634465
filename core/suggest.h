/* suggest.h — "did you mean": the closest of the names a word could have been. */
#ifndef FL_SUGGEST_H
#define FL_SUGGEST_H

#include <glib.h>

/* A suffix for an error message, " (did you mean \"adam\"?)", naming the candidate fewest
 * typos away (fl_edit_distance) when it is close enough, or "" (caller frees either). */
char *suggest_name(const char *word, const char *const *candidates, gsize n);

#endif
