/* test-rng.c — rng_below_in, the shuffle's division-free draw, against rng_below
 * (g_rand_int_range) itself: the same numbers from the same stream for every bound up to a
 * few thousand, for bounds drawn over the whole range, and for bounds just under and over
 * the powers of two where the redraw limit changes; and, with G_RANDOM_VERSION set (GLib's
 * older algorithm), that it hands the draw to GLib. */
#include "host.h"

#include <glib.h>
#include <stdint.h>

/* n draws below `bound` from two streams of one seed: rng_below on one, rng_below_in on the
 * other, so both streams consume alike only if every draw (and redraw) agrees. */
static void compare(uint64_t seed, uint32_t bound, int n)
{
    g_autoptr(fl_rng) a = rng_new(seed);
    g_autoptr(fl_rng) b = rng_new(seed);
    rng_range r;
    rng_range_init(&r, bound);
    for (int i = 0; i < n; i++) {
        uint32_t want = rng_below(a, bound), got = rng_below_in(b, &r);
        if (want != got)
            g_error("bound %u, seed %" G_GUINT64_FORMAT ", draw %d: %u, GLib %u", bound, seed, i,
                    got, want);
        g_assert_cmpuint(got, <, bound);
    }
    /* The streams are still in step: the next raw numbers agree. */
    g_assert_cmpuint(rng_below(a, G_MAXINT32), ==, rng_below(b, G_MAXINT32));
}

static void test_small_bounds(void)
{
    for (uint32_t n = 1; n <= 3000; n++)
        compare(n, n, 64);
}

static void test_edges(void)
{
    for (int k = 1; k < 31; k++) {
        uint32_t p = 1u << k;
        compare(k, p - 1, 200);
        compare(k, p, 200);
        compare(k, p + 1, 200);
    }
    /* Just over 2^30 a raw draw is redrawn almost one time in four: the loop is exercised. */
    compare(3, (1u << 30) + 12345, 2000);
    compare(4, G_MAXINT32, 2000);
    compare(5, G_MAXINT32 - 1, 2000);
}

static void test_random_bounds(void)
{
    g_autoptr(GRand) pick = g_rand_new_with_seed(2026);
    for (int i = 0; i < 2000; i++) {
        uint32_t bound = (uint32_t)g_rand_int_range(pick, 1, G_MAXINT32);
        compare((uint64_t)i, bound, 50);
    }
}

/* A Fisher-Yates shuffle as training does it, both ways: the same order. */
static void test_shuffle(void)
{
    enum { N = 1000 };
    rng_range below[N];
    for (uint32_t i = 0; i < N; i++)
        rng_range_init(&below[i], i + 1);
    g_autoptr(fl_rng) a = rng_derive(7, 3);
    g_autoptr(fl_rng) b = rng_derive(7, 3);
    size_t x[N], y[N];
    for (size_t i = 0; i < N; i++)
        x[i] = y[i] = i;
    for (int epoch = 0; epoch < 20; epoch++)
        for (size_t i = N; i-- > 1;) {
            size_t j = rng_below(a, (uint32_t)(i + 1)), k = rng_below_in(b, &below[i]);
            size_t t = x[i];
            x[i] = x[j];
            x[j] = t;
            t = y[i];
            y[i] = y[k];
            y[k] = t;
        }
    g_assert_cmpmem(x, sizeof x, y, sizeof y);
}

/* GLib 2.0's algorithm (G_RANDOM_VERSION=2.0) maps draws differently: the range then asks
 * GLib, and agrees again.  In a subprocess: the variable is read once. */
static void test_glib_version(void)
{
    if (g_test_subprocess()) {
        g_setenv("G_RANDOM_VERSION", "2.0", TRUE);
        for (uint32_t n = 1; n <= 500; n++)
            compare(n, n * 7919u, 32);
        rng_range r;
        rng_range_init(&r, 10);
        g_assert_true(r.glib);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rng/small-bounds", test_small_bounds);
    g_test_add_func("/rng/edges", test_edges);
    g_test_add_func("/rng/random-bounds", test_random_bounds);
    g_test_add_func("/rng/shuffle", test_shuffle);
    g_test_add_func("/rng/glib-version", test_glib_version);
    return g_test_run();
}
