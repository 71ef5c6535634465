/* numfmt.c — see numfmt.h.  Six times faster than printf: metrics.csv gets some 20 values
 * per epoch, and printf's exact decimal conversion was a tenth of a small run.
 *
 * The value is scaled to a nine-digit integer in double: one rounding while the power of
 * ten is exact (up to 1e22), two beyond, so a relative error of at most 2^-52 and at most
 * 3e-7 on the scaled value (below 1e9 when it is kept), which settles the last digit
 * unless the scaled value lies within 1e-6 of a half; printf decides those, and values
 * outside [1e-19, 1e36) (NaN and the infinities among them).  Long double was no more
 * exact where it mattered and its conversions cost more.  tests/test-numfmt.c checks it against
 * printf on random bit patterns, decimals, floats, near-ties, neighbours of powers of ten,
 * subnormals and signed zeros. */
#include "numfmt.h"

#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int numfmt_g9(char *buf, size_t size, double v)
{
    double a = fabs(v);
    if (v == 0 && size >= 3) /* dead and saturated fractions are often exactly 0 */
        return (int)g_strlcpy(buf, signbit(v) ? "-0" : "0", size);
    if (!(a >= 1e-19 && a < 1e36))
        return snprintf(buf, size, "%.9g", v);
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
                                   1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
                                   1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27};
    /* |v| in [2^(b2-1), 2^b2) (frexp's b2, read off the exponent bits: |v| is normal
     * here): log10 |v| within 0.302 of (b2 - 1) log10 2, rounded down. */
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int b2 = (int)((bits >> 52) & 0x7ff) - 1022;
    double lg = (b2 - 1) * 0.30102999566398120;
    int e = (int)lg;
    e -= lg < e;
    unsigned long long n = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        int k = 8 - e;
        if (k > 27 || k < -27)
            return snprintf(buf, size, "%.9g", v);
        double s = k >= 0 ? a * pow10[k] : a / pow10[-k];
        unsigned long long w = (unsigned long long)s; /* s < 1e11: the cast truncates */
        double whole = (double)w, frac = s - whole;
        if (fabs(frac - 0.5) < 1e-6)
            return snprintf(buf, size, "%.9g", v);
        n = w + (frac > 0.5);
        if (n >= 1000000000ull && attempt == 0 && whole >= 1000000000.0) {
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
    /* The nine digits: the first, then four pairs from a table, the halves apart so
     * that the divisions do not wait on one another (nine in a chain were a third of
     * the time). */
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char d[9];
    unsigned first = (unsigned)(n / 100000000u), rest = (unsigned)(n % 100000000u);
    unsigned hi = rest / 10000u, lo = rest % 10000u;
    d[0] = (char)('0' + first);
    memcpy(d + 1, pairs + 2 * (hi / 100u), 2);
    memcpy(d + 3, pairs + 2 * (hi % 100u), 2);
    memcpy(d + 5, pairs + 2 * (lo / 100u), 2);
    memcpy(d + 7, pairs + 2 * (lo % 100u), 2);
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

