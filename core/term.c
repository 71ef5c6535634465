/* term.c — see term.h.  The escape is applied where text leaves the program (GLib's print
 * handlers) rather than at each call, so no message can forget it; values printed inside
 * a line are escaped once more by their caller, newlines included. */
#include "term.h"

#include <stdio.h>
#include <string.h>

char *term_escape(const char *text, gboolean keep_layout)
{
    GString *out = g_string_sized_new(strlen(text));
    const char *p = text, *end = text + strlen(text);
    while (p < end) {
        gunichar c = g_utf8_get_char_validated(p, end - p);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            g_string_append_printf(out, "\\x%02x", (guchar)*p);
            p++;
            continue;
        }
        const char *next = g_utf8_next_char(p);
        if (keep_layout && (c == '\n' || c == '\t'))
            g_string_append_c(out, (char)c);
        else if (c < 0x20 || c == 0x7f)
            g_string_append_printf(out, "\\x%02x", c);
        else if (c >= 0x80 && c < 0xa0) /* C1 controls: U+009B is a CSI on its own */
            g_string_append_printf(out, "\\u%04x", c);
        else
            g_string_append_len(out, p, next - p);
        p = next;
    }
    return g_string_free(out, FALSE);
}

/* As GLib's own handlers do: the locale's character set when it is not UTF-8. */
static void term_put(FILE *stream, const char *text)
{
    g_autofree char *safe = term_escape(text, TRUE);
    const char *charset;
    g_autofree char *converted = NULL;
    if (!g_get_charset(&charset))
        converted = g_convert_with_fallback(safe, -1, charset, "UTF-8", "?", NULL, NULL, NULL);
    fputs(converted ? converted : safe, stream);
    fflush(stream);
}

static void term_print(const char *text) { term_put(stdout, text); }

static void term_printerr(const char *text) { term_put(stderr, text); }

void term_install(void)
{
    g_set_print_handler(term_print);
    g_set_printerr_handler(term_printerr);
}
