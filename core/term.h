/* term.h — text bound for a terminal.  Names, grid values, reasons and messages come from
 * files flatline did not write (experiment files, CSV headers, plugins): a control
 * character among them (an ESC sequence, a carriage return) would drive the terminal
 * instead of being read.  They are shown escaped: ESC as \x1b, U+009B as \u009b, a byte
 * that is not UTF-8 as \xff. */
#ifndef FL_TERM_H
#define FL_TERM_H

#include <glib.h>

/* text with its control characters escaped; newlines and tabs are kept when keep_layout
 * (a message), escaped otherwise (one value inside a line).  The caller frees. */
char *term_escape(const char *text, gboolean keep_layout);

/* Route g_print and g_printerr through term_escape (keeping the layout), so no message
 * reaches the terminal raw. */
void term_install(void);

#endif
