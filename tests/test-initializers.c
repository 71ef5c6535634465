/* test-initializers.c — every initializer on a large tensor (200000 values, fan_in 300,
 * fan_out 200) against the Keras 2 rules: exact values for the constant ones; for the random
 * ones the sample mean, variance and bounds against what the Keras formula implies, with
 * the variance of a normal truncated at two standard deviations computed here from erf()
 * rather than taken from the plugins' constant.  Also: the run's seed alone decides the
 * draws, fans of zero are refused, and nothing is written past the tensor. */
#include <math.h>
#include <string.h>

#include "testutil.h"

#define N 200000
#define FAN_IN 300
#define FAN_OUT 200

/* ---------------------------------------------------------------- expectations */

typedef enum shape { EXACT, UNIFORM, NORMAL, TRUNCATED } shape;

typedef struct expect {
    shape shape;
    double mean;
    double value;  /* EXACT */
    double lo, hi; /* UNIFORM: the interval */
    double stddev; /* NORMAL, TRUNCATED: of the normal before truncation */
} expect;

/* Variance of a standard normal truncated to [-2, 2]:
 * 1 - 2 * 2 phi(2) / (Phi(2) - Phi(-2)). */
static double truncated_variance(void)
{
    double phi2 = exp(-2.0) / sqrt(2.0 * G_PI);
    double mass = erf(2.0 / sqrt(2.0));
    return 1.0 - 4.0 * phi2 / mass;
}

/* Keras VarianceScaling: variance scale / fan; uniform limit sqrt(3 variance), truncated
 * normal stddev sqrt(variance) / (stddev of the truncated standard normal). */
static expect variance_scaling(double scale, double fan, gboolean uniform)
{
    double variance = scale / fan;
    expect e = {.shape = uniform ? UNIFORM : TRUNCATED};
    if (uniform) {
        e.hi = sqrt(3.0 * variance);
        e.lo = -e.hi;
    } else {
        e.stddev = sqrt(variance / truncated_variance());
    }
    return e;
}

/* What a named initializer with the given options must produce; FALSE if unknown. */
static gboolean expected(const char *name, const char *const *kv, expect *e)
{
    const double fan_avg = (FAN_IN + FAN_OUT) / 2.0;
    memset(e, 0, sizeof *e);
    if (!strcmp(name, "zeros")) {
        *e = (expect){.shape = EXACT, .value = 0.0};
    } else if (!strcmp(name, "ones")) {
        *e = (expect){.shape = EXACT, .value = 1.0};
    } else if (!strcmp(name, "constant")) {
        *e = (expect){.shape = EXACT, .value = kv ? 0.25 : 0.0};
    } else if (!strcmp(name, "normal")) {
        *e = kv ? (expect){.shape = NORMAL, .mean = 1.0, .stddev = 2.0}
                : (expect){.shape = NORMAL, .mean = 0.0, .stddev = 0.05};
    } else if (!strcmp(name, "uniform")) {
        *e = kv ? (expect){.shape = UNIFORM, .lo = 1.0, .hi = 3.0}
                : (expect){.shape = UNIFORM, .lo = -0.05, .hi = 0.05};
    } else if (!strcmp(name, "truncated_normal")) {
        *e = kv ? (expect){.shape = TRUNCATED, .mean = -0.5, .stddev = 0.3}
                : (expect){.shape = TRUNCATED, .mean = 0.0, .stddev = 0.05};
    } else if (!strcmp(name, "glorot_uniform")) {
        *e = variance_scaling(1.0, fan_avg, TRUE);
    } else if (!strcmp(name, "glorot_normal")) {
        *e = variance_scaling(1.0, fan_avg, FALSE);
    } else if (!strcmp(name, "he_uniform")) {
        *e = variance_scaling(2.0, FAN_IN, TRUE);
    } else if (!strcmp(name, "he_normal")) {
        *e = variance_scaling(2.0, FAN_IN, FALSE);
    } else if (!strcmp(name, "lecun_uniform")) {
        *e = variance_scaling(1.0, FAN_IN, TRUE);
    } else if (!strcmp(name, "lecun_normal")) {
        *e = variance_scaling(1.0, FAN_IN, FALSE);
    } else {
        return FALSE;
    }
    return TRUE;
}

/* Non-default options for the initializers that take any, with the expectation above. */
static const char *const *custom_options(const char *name)
{
    static const char *const constant[] = {"value=0.25", NULL};
    static const char *const normal[] = {"mean=1", "stddev=2", NULL};
    static const char *const uniform[] = {"minval=1", "maxval=3", NULL};
    static const char *const truncated[] = {"mean=-0.5", "stddev=0.3", NULL};
    if (!strcmp(name, "constant"))
        return constant;
    if (!strcmp(name, "normal"))
        return normal;
    if (!strcmp(name, "uniform"))
        return uniform;
    if (!strcmp(name, "truncated_normal"))
        return truncated;
    return NULL;
}

/* ---------------------------------------------------------------- filling */

#define GUARD 8
#define GUARD_VALUE 9876.5f

/* Fill a fresh tensor from a fresh stream of `seed`; GUARD floats after it must survive. */
static float *fill(const fl_ref *ref, size_t n, size_t fan_in, size_t fan_out, uint64_t seed,
                   int *rc)
{
    float *w = g_new(float, n + GUARD);
    for (size_t i = 0; i < n + GUARD; i++)
        w[i] = i < n ? NAN : GUARD_VALUE; /* a plugin that skips values leaves NaN */
    g_autoptr(fl_rng) rng = rng_new(seed);
    const fl_init_ops *ops = ref->plugin->ops.init;
    *rc = ops->fill(tu_host(), ref->opts, w, n, fan_in, fan_out, rng);
    for (size_t i = n; i < n + GUARD; i++)
        g_assert_cmpfloat(w[i], ==, GUARD_VALUE);
    return w;
}

static float *fill_ok(const fl_ref *ref, uint64_t seed)
{
    int rc;
    float *w = fill(ref, N, FAN_IN, FAN_OUT, seed, &rc);
    if (rc < 0) {
        g_autoptr(GError) err = NULL;
        host_take_error(tu_host(), &err, "%s: ", ref->plugin->name);
        g_error("%s", err->message);
    }
    return w;
}

/* ---------------------------------------------------------------- checks */

static void check_distribution(const char *name, const float *w, const expect *e)
{
    double sum = 0.0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < N; i++) {
        g_assert_true(isfinite(w[i]));
        sum += w[i];
        lo = MIN(lo, w[i]);
        hi = MAX(hi, w[i]);
    }
    const double mean = sum / N;
    double ss = 0.0;
    size_t beyond2 = 0;
    for (size_t i = 0; i < N; i++) {
        ss += (w[i] - mean) * (w[i] - mean);
        if (e->shape == NORMAL || e->shape == TRUNCATED)
            beyond2 += fabs(w[i] - e->mean) > 2.0 * e->stddev;
    }
    const double variance = ss / (N - 1);

    double want_mean, want_var;
    switch (e->shape) {
    case EXACT:
        for (size_t i = 0; i < N; i++)
            if (w[i] != (float)e->value)
                g_error("%s: w[%zu] = %.9g, want exactly %.9g", name, i, w[i], e->value);
        return;
    case UNIFORM:
        want_mean = (e->lo + e->hi) / 2.0;
        want_var = (e->hi - e->lo) * (e->hi - e->lo) / 12.0; /* limit^2 / 3 when symmetric */
        g_assert_cmpfloat(lo, >=, (float)e->lo);
        g_assert_cmpfloat(hi, <=, (float)e->hi);
        /* The whole interval is used, not a narrower one. */
        g_assert_cmpfloat(lo, <, e->lo + 1e-3 * (e->hi - e->lo));
        g_assert_cmpfloat(hi, >, e->hi - 1e-3 * (e->hi - e->lo));
        break;
    case NORMAL:
        want_mean = e->mean;
        want_var = e->stddev * e->stddev;
        /* Untruncated: about 4.55% of draws lie beyond two standard deviations. */
        g_assert_cmpfloat((double)beyond2 / N, >, 0.040);
        g_assert_cmpfloat((double)beyond2 / N, <, 0.051);
        break;
    case TRUNCATED:
        want_mean = e->mean;
        want_var = e->stddev * e->stddev * truncated_variance();
        /* Nothing beyond two standard deviations (beyond float rounding), but the cut is
         * at two, not closer in. */
        g_assert_cmpfloat(lo, >=, e->mean - 2.0 * e->stddev * (1.0 + 1e-6));
        g_assert_cmpfloat(hi, <=, e->mean + 2.0 * e->stddev * (1.0 + 1e-6));
        g_assert_cmpfloat(hi - lo, >, 3.98 * e->stddev);
        break;
    default:
        g_assert_not_reached();
    }
    /* Five standard errors: the mean's is sqrt(var / N); the variance's relative one is
     * about sqrt(2 / N) for these light-tailed shapes (0.3%). */
    double sd = sqrt(want_var);
    g_test_message("%s: mean %.6g (want %.6g), variance %.6g (want %.6g), range [%.6g, %.6g]",
                   name, mean, want_mean, variance, want_var, lo, hi);
    g_assert_cmpfloat(fabs(mean - want_mean), <, 5.0 * sd / sqrt(N));
    g_assert_cmpfloat(fabs(variance / want_var - 1.0), <, 5.0 * sqrt(2.0 / N));
}

typedef struct init_case {
    const fl_plugin *plugin;
    gboolean custom; /* with custom_options() instead of the defaults */
} init_case;

static void test_distribution(gconstpointer data)
{
    const init_case *c = data;
    const char *const *kv = c->custom ? custom_options(c->plugin->name) : NULL;
    expect e;
    if (!expected(c->plugin->name, kv, &e))
        g_error("initializer %s has no expectation in test-initializers.c", c->plugin->name);
    fl_ref ref = tu_ref(FL_KIND_INITIALIZER, c->plugin->name, kv);
    g_autofree float *w = fill_ok(&ref, 17);
    check_distribution(c->plugin->name, w, &e);
    params_ref_clear(&ref);
}

/* The same seed gives the same tensor, another seed another one (random initializers). */
static void test_seed(gconstpointer data)
{
    const init_case *c = data;
    expect e;
    g_assert_true(expected(c->plugin->name, NULL, &e));
    fl_ref ref = tu_ref(FL_KIND_INITIALIZER, c->plugin->name, NULL);
    g_autofree float *a = fill_ok(&ref, 5);
    g_autofree float *b = fill_ok(&ref, 5);
    g_autofree float *d = fill_ok(&ref, 6);
    g_assert_cmpmem(a, N * sizeof *a, b, N * sizeof *b);
    size_t differ = 0;
    for (size_t i = 0; i < N; i++)
        differ += a[i] != d[i];
    if (e.shape == EXACT)
        g_assert_cmpuint(differ, ==, 0);
    else
        g_assert_cmpuint(differ, >, N * 99 / 100);
    params_ref_clear(&ref);
}

/* Fans of zero leave a variance-scaling formula undefined: refused with a message naming
 * the initializer.  Initializers without fans accept them. */
static void test_zero_fans(void)
{
    static const struct {
        const char *name;
        size_t fan_in, fan_out;
        gboolean ok;
    } cases[] = {
        {"he_uniform", 0, 10, FALSE},     {"he_normal", 0, 10, FALSE},
        {"lecun_uniform", 0, 10, FALSE},  {"lecun_normal", 0, 10, FALSE},
        {"glorot_uniform", 0, 0, FALSE},  {"glorot_normal", 0, 0, FALSE},
        {"he_uniform", 10, 0, TRUE},      {"glorot_uniform", 10, 0, TRUE},
        {"zeros", 0, 0, TRUE},            {"normal", 0, 0, TRUE},
        {"uniform", 0, 0, TRUE},          {"truncated_normal", 0, 0, TRUE},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        fl_ref ref = tu_ref(FL_KIND_INITIALIZER, cases[i].name, NULL);
        int rc;
        g_autofree float *w = fill(&ref, 16, cases[i].fan_in, cases[i].fan_out, 1, &rc);
        g_autoptr(GError) err = NULL;
        if (cases[i].ok) {
            g_assert_cmpint(rc, ==, 0);
            for (size_t j = 0; j < 16; j++)
                g_assert_true(isfinite(w[j]));
        } else {
            g_assert_cmpint(rc, <, 0);
            host_take_error(tu_host(), &err, "test: ");
            g_test_message("%s", err->message);
            g_assert_nonnull(strstr(err->message, cases[i].name));
            g_assert_nonnull(strstr(err->message, "fan_in"));
        }
        params_ref_clear(&ref);
    }
}

/* Keras' fan for a glorot tensor is the mean of both fans: fan_in 10, fan_out 0 is a fan of
 * 5, so the limit is sqrt(3 / 5). */
static void test_glorot_one_sided(void)
{
    fl_ref ref = tu_ref(FL_KIND_INITIALIZER, "glorot_uniform", NULL);
    int rc;
    g_autofree float *w = fill(&ref, N, 10, 0, 2, &rc);
    g_assert_cmpint(rc, ==, 0);
    expect e = variance_scaling(1.0, 5.0, TRUE);
    check_distribution("glorot_uniform (10, 0)", w, &e);
    params_ref_clear(&ref);
}

static void test_uniform_order(void)
{
    const char *const kv[] = {"minval=1", "maxval=-1", NULL};
    fl_ref ref = tu_ref(FL_KIND_INITIALIZER, "uniform", kv);
    int rc;
    g_autofree float *w = fill(&ref, 16, 4, 4, 1, &rc);
    g_assert_cmpint(rc, <, 0);
    g_autoptr(GError) err = NULL;
    host_take_error(tu_host(), &err, "test: ");
    g_assert_nonnull(strstr(err->message, "minval"));
    params_ref_clear(&ref);
}

/* The twelve names of the design contract. */
static void test_builtin(void)
{
    static const char *const names[] = {
        "zeros",          "ones",          "constant",      "normal",
        "uniform",        "truncated_normal", "glorot_uniform", "glorot_normal",
        "he_uniform",     "he_normal",     "lecun_uniform", "lecun_normal",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        g_assert_cmpstr(tu_plugin(FL_KIND_INITIALIZER, names[i])->name, ==, names[i]);
    /* The truncation constant of the plugins is this file's, computed independently. */
    g_assert_cmpfloat(fabs(sqrt(truncated_variance()) - 0.87962566103423978), <, 1e-12);
}

/* The capability flags detectors read instead of names: FL_INIT_CONSTANT exactly for the
 * initializers whose fill is one value (checked on a fill here), FL_INIT_FOR_RELU for He's
 * variance 2 / fan_in (checked on the spread of a large fill). */
static void test_flags(void)
{
    g_autoptr(GPtrArray) plugins = tu_plugins_of(FL_KIND_INITIALIZER);
    guint n_constant = 0, n_relu = 0;
    for (guint i = 0; i < plugins->len; i++) {
        const fl_plugin *p = plugins->pdata[i];
        unsigned flags = p->ops.init->flags;
        fl_ref ref = tu_ref(FL_KIND_INITIALIZER, p->name, NULL);
        int rc;
        const size_t fan_in = 50;
        g_autofree float *w = fill(&ref, N, fan_in, 10, 3, &rc);
        g_assert_cmpint(rc, ==, 0);
        double sum = 0, sq = 0;
        gboolean one_value = TRUE;
        for (size_t j = 0; j < N; j++) {
            one_value = one_value && w[j] == w[0];
            sum += w[j];
            sq += (double)w[j] * w[j];
        }
        double std = sqrt(sq / N - (sum / N) * (sum / N));
        g_test_message("%s: flags %#x, std x sqrt(fan_in) %.4f", p->name, flags,
                       std * sqrt((double)fan_in));
        g_assert_true(!!(flags & FL_INIT_CONSTANT) == one_value);
        if (flags & FL_INIT_FOR_RELU)
            g_assert_cmpfloat(fabs(std * sqrt((double)fan_in) - sqrt(2.0)), <, 0.03);
        g_assert_cmpuint(flags & ~(unsigned)(FL_INIT_CONSTANT | FL_INIT_FOR_RELU), ==, 0);
        n_constant += !!(flags & FL_INIT_CONSTANT);
        n_relu += !!(flags & FL_INIT_FOR_RELU);
        params_ref_clear(&ref);
    }
    /* zeros, ones, constant; he_uniform, he_normal. */
    g_assert_cmpuint(n_constant, ==, 3);
    g_assert_cmpuint(n_relu, ==, 2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/initializers/builtin", test_builtin);
    g_test_add_func("/initializers/flags", test_flags);
    g_autoptr(GPtrArray) plugins = tu_plugins_of(FL_KIND_INITIALIZER);
    g_assert_cmpuint(plugins->len, >=, 12);
    g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < plugins->len; i++) {
        const fl_plugin *p = plugins->pdata[i];
        for (int custom = 0; custom <= 1; custom++) {
            if (custom && !custom_options(p->name))
                continue;
            init_case *c = g_new0(init_case, 1);
            c->plugin = p;
            c->custom = custom;
            g_ptr_array_add(cases, c);
            g_autofree char *path = g_strdup_printf("/initializers/%s/%s", p->name,
                                                    custom ? "options" : "defaults");
            g_test_add_data_func(path, c, test_distribution);
            if (!custom) {
                g_autofree char *seed = g_strdup_printf("/initializers/%s/seed", p->name);
                g_test_add_data_func(seed, c, test_seed);
            }
        }
    }
    g_test_add_func("/initializers/zero-fans", test_zero_fans);
    g_test_add_func("/initializers/glorot-one-sided", test_glorot_one_sided);
    g_test_add_func("/initializers/uniform-order", test_uniform_order);
    return g_test_run();
}
