/* report.h — dir/report.html: one self-contained page for a review. */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include <glib.h>

/* Write dir/report.html from saved results (and the PNG charts in dir/plots/, embedded). */
gboolean report_write(const char *dir, GError **error);

#endif
