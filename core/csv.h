/* csv.h — fields of the CSV files flatline writes (metrics.csv, summary.csv, cells.csv),
 * quoted as RFC 4180 says, so that a column or value holding a comma, a quote or a line
 * break reads back as the one field it is. */
#ifndef FL_CSV_H
#define FL_CSV_H

#include <glib.h>

/* Append s as one field: as it is when it holds none of , " CR LF, else in double quotes
 * with each " doubled. */
void csv_append_field(GString *out, const char *s);

/* Append one field made of prefix and suffix (a column name such as "<layer>_dead"). */
void csv_append_field2(GString *out, const char *prefix, const char *suffix);

/* Append a number as the files write it: %.9g, or nan, inf, -inf. */
void csv_append_number(GString *out, double v);

#endif
