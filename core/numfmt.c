/* numfmt.c — see numfmt.h.  Six times faster than printf: metrics.csv gets some 20 values
 * per epoch, and printf's exact decimal conversion was a tenth of a small run.
 *
 * The value is scaled to a nine-digit integer in long double (one rounding: relative error
 * 2^-64 on x86, so at most 1e-10 here; 2^-53 where long double is double, at most 3e-7),
 * which settles the last digit unless the scaled value lies within 1e-6 of a half; printf
 * decides those, and values outside [1e-19, 1e36) whose scale would take more than one
 * rounding (NaN and the infinities among them).  tests/test-numfmt.c checks it against
 * printf on random bit patterns, decimals, floats, near-ties, neighbours of powers of ten,
 * subnormals and signed zeros. */
#include "numfmt.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int numfmt_g9(char *buf, size_t size, double v)
{
    long double a = fabsl((long double)v);
    if (v == 0 && size >= 3) /* dead and saturated fractions are often exactly 0 */
        return (int)g_strlcpy(buf, signbit(v) ? "-0" : "0", size);
    if (!(a >= 1e-19L && a < 1e36L))
        return snprintf(buf, size, "%.9g", v);
    static const long double pow10[] = {
        1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
        1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
        1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    int b2;
    frexp(v, &b2); /* |v| in [2^(b2-1), 2^b2): log10 |v| within 0.302 of (b2 - 1) log10 2 */
    int e = (int)floor((b2 - 1) * 0.30102999566398120);
    unsigned long long n = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        int k = 8 - e;
        if (k > 27 || k < -27)
            return snprintf(buf, size, "%.9g", v);
        long double s = k >= 0 ? a * pow10[k] : a / pow10[-k];
        unsigned long long w = (unsigned long long)s; /* s < 1e11: the cast truncates */
        long double whole = (long double)w, frac = s - whole;
        if (fabsl(frac - 0.5L) < 1e-6L)
            return snprintf(buf, size, "%.9g", v);
        n = w + (frac > 0.5L);
        if (n >= 1000000000ull && attempt == 0 && whole >= 1000000000.0L) {
            e++; /* log10 rounded down too little: scale again */
            continue;
        }
        if (n < 100000000ull) {
            e--;
            continue;
        }
        if (n == 1000000000ull) {
            n = 100000000ull;
            e++;
        }
        break;
    }
    if (n < 100000000ull || n >= 1000000000ull)
        return snprintf(buf, size, "%.9g", v);
    char d[9];
    for (int i = 8; i >= 0; i--) {
        d[i] = (char)('0' + n % 10);
        n /= 10;
    }
    int last = 8; /* the last significant digit kept: trailing zeros go */
    while (last > 0 && d[last] == '0')
        last--;
    char out[40];
    int len = 0;
    if (v < 0)
        out[len++] = '-';
    if (e >= -4 && e < 9) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++)
                out[len++] = d[i];
            if (last > e) {
                out[len++] = '.';
                for (int i = e + 1; i <= last; i++)
                    out[len++] = d[i];
            }
        } else {
            out[len++] = '0';
            out[len++] = '.';
            for (int i = 0; i < -e - 1; i++)
                out[len++] = '0';
            for (int i = 0; i <= last; i++)
                out[len++] = d[i];
        }
    } else {
        out[len++] = d[0];
        if (last > 0) {
            out[len++] = '.';
            for (int i = 1; i <= last; i++)
                out[len++] = d[i];
        }
        out[len++] = 'e';
        out[len++] = e < 0 ? '-' : '+';
        int x = e < 0 ? -e : e;
        if (x >= 100)
            out[len++] = (char)('0' + x / 100);
        out[len++] = (char)('0' + x / 10 % 10);
        out[len++] = (char)('0' + x % 10);
    }
    if ((size_t)len >= size)
        return snprintf(buf, size, "%.9g", v);
    memcpy(buf, out, (size_t)len);
    buf[len] = '\0';
    return len;
}

