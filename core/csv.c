/* csv.c — see csv.h.  One rule for every file, so that a name read from a user's CSV
 * header cannot split a column of metrics.csv while summary.csv quotes it. */
#include "csv.h"

#include <math.h>
#include <string.h>

void csv_append_field(GString *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        g_string_append(out, s);
        return;
    }
    g_string_append_c(out, '"');
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            g_string_append_c(out, '"');
        g_string_append_c(out, *c);
    }
    g_string_append_c(out, '"');
}

void csv_append_field2(GString *out, const char *prefix, const char *suffix)
{
    g_autofree char *field = g_strconcat(prefix, suffix, NULL);
    csv_append_field(out, field);
}

void csv_append_number(GString *out, double v)
{
    if (isnan(v))
        g_string_append(out, "nan");
    else if (isinf(v))
        g_string_append(out, v > 0 ? "inf" : "-inf");
    else
        g_string_append_printf(out, "%.9g", v);
}
