/* suggest.c — see suggest.h. */
#include "suggest.h"

#include <flatline/plugin.h>
#include <string.h>

char *suggest_name(const char *word, const char *const *candidates, gsize n)
{
    const char *best = NULL;
    gsize best_d = G_MAXSIZE;
    for (gsize i = 0; i < n; i++) {
        gsize d = fl_edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    /* Close means: a typo or two, scaled with the length of the word. */
    gsize limit = MAX((gsize)1, strlen(word) / 3);
    if (best && best_d <= limit)
        return g_strdup_printf(" (did you mean \"%s\"?)", best);
    return g_strdup("");
}
