/* numfmt.h — numbers as text for the CSV files, fast. */
#ifndef FL_NUMFMT_H
#define FL_NUMFMT_H

#include <stddef.h>

/* Exactly what snprintf(buf, size, "%.9g", v) writes (any v: NaN, infinities, -0 and
 * subnormals included), and returns the same.  tests/test-numfmt compares the two. */
int numfmt_g9(char *buf, size_t size, double v);

#endif
