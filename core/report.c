/* report.c — see report.h. */
#include "report.h"

gboolean report_write(const char *dir, GError **error)
{
    (void)dir;
    (void)error;
    return TRUE;
}
