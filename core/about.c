/* about.c — an experiment's own header comment (see about.h). */
#include "about.h"

#include <string.h>

#define ABOUT_MARK "#|"

/* A line of the opening comment block, its marker removed; NULL when the line is code. */
static const char *comment_body(const char *line)
{
    const char *c = line;
    while (*c == ' ' || *c == '\t')
        c++;
    if (*c == '#')
        c++;
    else if (c[0] == '/' && c[1] == '/')
        c += 2;
    else
        return *c ? NULL : c; /* a blank line stays in the block */
    return *c == ' ' ? c + 1 : c;
}

static char *about_join(GString *s)
{
    /* No blank lines at either end. */
    while (s->len && s->str[s->len - 1] == '\n')
        g_string_truncate(s, s->len - 1);
    gsize lead = 0;
    while (lead < s->len && s->str[lead] == '\n')
        lead++;
    g_string_erase(s, 0, (gssize)lead);
    if (!s->len) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

char *about_from_text(const char *text)
{
    if (!text)
        return NULL;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GString *s = g_string_new(NULL);
    if (g_str_has_prefix(text, RESOLVED_HEADER)) {
        for (char **l = lines; *l && **l == '#'; l++) {
            if (!g_str_has_prefix(*l, ABOUT_MARK))
                continue;
            const char *body = *l + strlen(ABOUT_MARK);
            g_string_append_printf(s, "%s\n", *body == ' ' ? body + 1 : body);
        }
        return about_join(s);
    }
    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        const char *body = comment_body(*l);
        if (!body)
            break;
        g_string_append_printf(s, "%s\n", body);
    }
    return about_join(s);
}

void about_write(GString *out, const char *about)
{
    if (!about)
        return;
    g_string_append(out, "#\n# The experiment file's own header comment:\n");
    g_auto(GStrv) lines = g_strsplit(about, "\n", -1);
    for (char **l = lines; *l; l++)
        g_string_append_printf(out, ABOUT_MARK "%s%s\n", **l ? " " : "", *l);
}
