/* test-numfmt.c — core/numfmt.c's %.9g formatter against snprintf("%.9g") itself, byte for
 * byte, on values chosen to find its edges: random bit patterns over every exponent,
 * decimals as people write them, floats (what metrics.csv mostly holds), near-ties of the
 * tenth digit, the neighbours of every power of ten, subnormals, the ends of the range it
 * handles itself (1e-19 and 1e36), signed zeros, infinities and NaN.  Small buffers too:
 * the return value must be snprintf's, the text truncated the same way. */
#include "numfmt.h"

#include <float.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static guint64 n_checked;

static void check(double v)
{
    char want[64], got[64];
    int nw = snprintf(want, sizeof want, "%.9g", v);
    memset(got, 0x55, sizeof got);
    int ng = numfmt_g9(got, sizeof got, v);
    if (ng != nw || strcmp(got, want) != 0)
        g_error("numfmt_g9(%a) wrote \"%s\" (%d), printf \"%s\" (%d)", v, got, ng, want, nw);
    n_checked++;
}

static double from_bits(guint64 bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static guint64 random_bits(GRand *r)
{
    return ((guint64)g_rand_int(r) << 32) | g_rand_int(r);
}

static void test_bit_patterns(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(1);
    for (int i = 0; i < 600000; i++)
        check(from_bits(random_bits(r))); /* every exponent, NaNs and infinities included */
}

/* What metrics.csv holds most: floats widened to double. */
static void test_floats(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(2);
    for (int i = 0; i < 600000; i++) {
        guint32 bits = g_rand_int(r);
        float f;
        memcpy(&f, &bits, sizeof f);
        check((double)f);
    }
}

/* Decimals of 1 to 17 significant digits over a wide range of exponents, as parsed. */
static void test_decimals(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(3);
    char text[64];
    for (int i = 0; i < 300000; i++) {
        int digits = g_rand_int_range(r, 1, 18);
        guint64 m = random_bits(r) % (guint64)pow(10, digits);
        int e = g_rand_int_range(r, -40, 45);
        snprintf(text, sizeof text, "%s%" G_GUINT64_FORMAT "e%d", g_rand_boolean(r) ? "-" : "",
                 m, e);
        check(g_ascii_strtod(text, NULL));
    }
}

/* Ten significant digits ending in 5: the nearest doubles lie within an ulp of a tie of
 * the ninth digit, on either side, where one rounding too many shows. */
static void test_ties(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(4);
    char text[64];
    for (int i = 0; i < 250000; i++) {
        guint64 m = 100000000 + random_bits(r) % 900000000;
        int e = g_rand_int_range(r, -30, 40);
        snprintf(text, sizeof text, "%" G_GUINT64_FORMAT "5e%d", m, e);
        double v = g_ascii_strtod(text, NULL);
        check(v);
        check(nextafter(v, INFINITY));
        check(nextafter(v, -INFINITY));
    }
}

/* Powers of ten and their neighbours a few ulps away, and 9.99999999x just below them,
 * where the digit count changes. */
static void test_powers_of_ten(void)
{
    char text[64];
    for (int e = -325; e <= 308; e++) {
        snprintf(text, sizeof text, "1e%d", e);
        double p = g_ascii_strtod(text, NULL);
        double up = p, down = p;
        for (int k = 0; k < 8; k++) {
            check(up);
            check(down);
            check(-up);
            up = nextafter(up, INFINITY);
            down = nextafter(down, 0);
        }
        for (int d = 0; d <= 9; d++) {
            snprintf(text, sizeof text, "9.99999999%de%d", d, e - 1);
            check(g_ascii_strtod(text, NULL));
        }
    }
}

static void test_subnormals(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(5);
    for (int i = 0; i < 200000; i++)
        check(from_bits(random_bits(r) & 0x800fffffffffffffull));
    check(DBL_TRUE_MIN);
    check(-DBL_TRUE_MIN);
    check(DBL_MIN);
    check(nextafter(DBL_MIN, 0));
    check(DBL_MAX);
}

/* Where the formatter hands over to printf: around 1e-19 and 1e36. */
static void test_range_ends(void)
{
    const double ends[] = {1e-19, 1e36, 1e-20, 1e35, 5e-20, 5e35};
    for (size_t i = 0; i < G_N_ELEMENTS(ends); i++) {
        double up = ends[i], down = ends[i];
        for (int k = 0; k < 1000; k++) {
            check(up);
            check(down);
            up = nextafter(up, INFINITY);
            down = nextafter(down, 0);
        }
    }
}

static void test_special(void)
{
    const double v[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1e-6, 123456789.0, 1234567890.0,
                        999999999.5, 0.0001, 0.00001, INFINITY, -INFINITY, NAN, -NAN};
    for (size_t i = 0; i < G_N_ELEMENTS(v); i++)
        check(v[i]);
    /* Small buffers: the same count and the same truncated text as snprintf. */
    g_autoptr(GRand) r = g_rand_new_with_seed(6);
    for (int i = 0; i < 20000; i++) {
        double x = i < 10 ? v[i] : from_bits(random_bits(r));
        for (size_t size = 1; size <= 16; size++) {
            char want[32], got[32];
            int nw = snprintf(want, size, "%.9g", x);
            int ng = numfmt_g9(got, size, x);
            g_assert_cmpint(ng, ==, nw);
            g_assert_cmpstr(got, ==, want);
        }
    }
}

static void test_count(void)
{
    g_test_message("%" G_GUINT64_FORMAT " values compared with printf", n_checked);
    g_assert_cmpuint(n_checked, >, 2000000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/numfmt/bit-patterns", test_bit_patterns);
    g_test_add_func("/numfmt/floats", test_floats);
    g_test_add_func("/numfmt/decimals", test_decimals);
    g_test_add_func("/numfmt/ties", test_ties);
    g_test_add_func("/numfmt/powers-of-ten", test_powers_of_ten);
    g_test_add_func("/numfmt/subnormals", test_subnormals);
    g_test_add_func("/numfmt/range-ends", test_range_ends);
    g_test_add_func("/numfmt/special", test_special);
    g_test_add_func("/numfmt/zz-count", test_count);
    return g_test_run();
}
