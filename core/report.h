/* report.h — dir/report.html: one self-contained page for a review. */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include <glib.h>

/* The command line that writes the reports of this process, shown in them (the program
 * sets it once; without it the report says it was written by flatline). */
void report_set_command(int argc, char **argv);

/* Write dir/report.html from saved results (and the PNG charts in dir/plots/, embedded). */
gboolean report_write(const char *dir, GError **error);

#endif
