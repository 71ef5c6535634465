/* test-losses.c — every loss plugin found, checked against a naive double-precision
 * computation written here and, when differentiable, against central differences of its
 * own value.  Losses flagged FL_LOSS_NOT_DIFFERENTIABLE must write an exactly zero
 * gradient.  Test cases are generated from the plugins the registry finds, so a new loss
 * is covered (at least by the gradient check) as soon as it is built. */
#include <math.h>
#include <string.h>

#include "gradcheck.h"
#include "testutil.h"

#define BATCH 5
#define WIDTH 3
#define COUNT (BATCH * WIDTH)

/* Keras backend.epsilon(), the clip bound of the cross-entropies. */
#define KERAS_EPSILON 1e-7

/* ---------------------------------------------------------------- naive references */

static double clip(double p)
{
    return p < KERAS_EPSILON ? KERAS_EPSILON : p > 1.0 - KERAS_EPSILON ? 1.0 - KERAS_EPSILON : p;
}

/* The per-sample loss of a named loss, straight from the Keras definitions; returns FALSE
 * for a loss this file does not know. */
static gboolean naive_sample_loss(const char *name, const float *p, const float *y, size_t n,
                                  gboolean hinge_binary, double *out)
{
    double s = 0.0;
    if (!strcmp(name, "mse")) {
        for (size_t j = 0; j < n; j++)
            s += ((double)p[j] - y[j]) * ((double)p[j] - y[j]) / (double)n;
    } else if (!strcmp(name, "mae")) {
        for (size_t j = 0; j < n; j++)
            s += fabs((double)p[j] - y[j]) / (double)n;
    } else if (!strcmp(name, "bce")) {
        for (size_t j = 0; j < n; j++) {
            double q = clip(p[j]);
            s += -(y[j] * log(q) + (1.0 - y[j]) * log(1.0 - q)) / (double)n;
        }
    } else if (!strcmp(name, "cce")) {
        double total = 0.0;
        for (size_t j = 0; j < n; j++)
            total += p[j];
        for (size_t j = 0; j < n; j++)
            s -= y[j] * log(clip(p[j] / total));
    } else if (!strcmp(name, "hinge")) {
        for (size_t j = 0; j < n; j++) {
            double t = hinge_binary ? (y[j] == 1.0f ? 1.0 : -1.0) : y[j];
            s += MAX(1.0 - t * p[j], 0.0) / (double)n;
        }
    } else if (!strcmp(name, "step")) {
        /* Inputs avoid .5 ties, so plain rounding up from .5 is enough here. */
        for (size_t j = 0; j < n; j++) {
            double d = floor((double)p[j] + 0.5) - y[j];
            s += d * d / (double)n;
        }
    } else {
        return FALSE;
    }
    *out = s;
    return TRUE;
}

static gboolean naive_loss(const char *name, const float *pred, const float *target,
                           size_t batch, size_t n, double *out)
{
    /* Keras' hinge maps 0/1 targets to -1/+1 only when the whole batch is 0/1. */
    gboolean binary = TRUE;
    for (size_t i = 0; i < batch * n; i++)
        binary = binary && (target[i] == 0.0f || target[i] == 1.0f);
    double total = 0.0;
    for (size_t b = 0; b < batch; b++) {
        double s;
        if (!naive_sample_loss(name, pred + b * n, target + b * n, n, binary, &s))
            return FALSE;
        total += s;
    }
    *out = total / (double)batch;
    return TRUE;
}

/* ---------------------------------------------------------------- test data */

typedef struct loss_case {
    const fl_plugin *plugin;
    const fl_loss_ops *ops;
    const void *opts;
    float pred[COUNT];   /* (B, n) */
    float target[COUNT]; /* (B, n) */
} loss_case;

static double uniform(GRand *r, double lo, double hi)
{
    return g_rand_double_range(r, lo, hi);
}

/* Inputs where the loss is smooth within the gradient check's step: targets valid for the
 * loss, predictions away from clip bounds, kinks and rounding ties. */
static void loss_case_fill(loss_case *c, guint32 seed)
{
    const char *name = c->plugin->name;
    gboolean classification = (c->ops->flags & FL_LOSS_CLASSIFICATION) != 0;
    g_autoptr(GRand) r = g_rand_new_with_seed(seed);
    for (size_t b = 0; b < BATCH; b++) {
        float *p = c->pred + b * WIDTH, *y = c->target + b * WIDTH;
        if (!strcmp(name, "cce")) {
            size_t hot = g_rand_int_range(r, 0, WIDTH);
            for (size_t j = 0; j < WIDTH; j++)
                y[j] = j == hot ? 1.0f : 0.0f;
        } else if (classification) {
            for (size_t j = 0; j < WIDTH; j++)
                y[j] = (float)g_rand_int_range(r, 0, 2);
        } else {
            for (size_t j = 0; j < WIDTH; j++)
                y[j] = (float)uniform(r, -1.0, 1.0);
        }
        for (size_t j = 0; j < WIDTH; j++) {
            if (!strcmp(name, "mae")) {
                /* |p - y| at least 0.05: far from the kink at 0. */
                double sign = g_rand_boolean(r) ? 1.0 : -1.0;
                p[j] = (float)(y[j] + sign * uniform(r, 0.05, 1.0));
            } else if (!strcmp(name, "hinge")) {
                /* Margin 1 - y'p of either sign, at least 0.1 from the kink. */
                double t = y[j] == 1.0f ? 1.0 : -1.0;
                double margin = (g_rand_boolean(r) ? 1.0 : -1.0) * uniform(r, 0.1, 1.0);
                p[j] = (float)((1.0 - margin) / t);
            } else if (!strcmp(name, "step")) {
                /* Away from the .5 rounding ties. */
                p[j] = (float)(floor(uniform(r, -3.0, 3.0)) + uniform(r, 0.1, 0.4) +
                               (g_rand_boolean(r) ? 0.5 : 0.0));
            } else if (classification) {
                /* Inside (0, 1), where the logs' third derivatives stay small enough for
                 * central differences. */
                p[j] = (float)uniform(r, 0.1, 0.9);
            } else {
                p[j] = (float)uniform(r, -2.0, 2.0);
            }
        }
    }
    /* Every 0/1 batch must hold both classes, or half the loss would go untested. */
    if (classification && strcmp(name, "cce")) {
        c->target[0] = 0.0f;
        c->target[1] = 1.0f;
        if (!strcmp(name, "hinge")) {
            c->pred[0] = -0.5f; /* margins 0.5 and 0.5: inside the hinge */
            c->pred[1] = 0.5f;
        }
    }
}

/* One call of compute, with the per-run state of a plugin that keeps one created from the
 * same targets (as the core creates it from the training targets). */
static double run_compute(const fl_loss_ops *ops, const void *opts, float *dpred, const float *pred,
                          const float *target, size_t batch, size_t n)
{
    void *state = NULL;
    if (ops->create)
        g_assert_cmpint(ops->create(tu_host(), opts, target, batch, n, &state), ==, 0);
    double loss = NAN;
    int rc = ops->compute(tu_host(), opts, state, &loss, dpred, pred, target, batch, n);
    if (ops->destroy && state)
        ops->destroy(state);
    g_assert_cmpint(rc, ==, 0);
    return loss;
}

static double loss_case_eval(void *ctx)
{
    loss_case *c = ctx;
    return run_compute(c->ops, c->opts, NULL, c->pred, c->target, BATCH, WIDTH);
}

/* The plugin's options with every default (losses have few or none). */
static fl_ref loss_ref(const fl_plugin *plugin)
{
    return tu_ref(FL_KIND_LOSS, plugin->name, NULL);
}

static double compute(const fl_ref *ref, float *dpred, const float *pred, const float *target,
                      size_t batch, size_t n)
{
    return run_compute(ref->plugin->ops.loss, ref->opts, dpred, pred, target, batch, n);
}

static void assert_close(double got, double want, double rel, const char *what)
{
    double err = fabs(got - want) / MAX(fabs(want), 1e-12);
    if (!(err <= rel))
        g_error("%s: got %.12g, want %.12g (rel err %.3g > %.3g)", what, got, want, err, rel);
}

/* ---------------------------------------------------------------- tests */

/* The built-in names of the design contract, with their flags. */
static void test_builtin(void)
{
    static const struct {
        const char *name;
        unsigned flags;
    } want[] = {
        {"mse", FL_LOSS_SQUARED_ERROR},
        {"mae", 0},
        {"bce", FL_LOSS_CLASSIFICATION | FL_LOSS_PROBABILITIES | FL_LOSS_CLASS_WEIGHT},
        {"cce", FL_LOSS_CLASSIFICATION | FL_LOSS_PROBABILITIES | FL_LOSS_ONE_HOT |
                    FL_LOSS_CLASS_WEIGHT},
        {"hinge", FL_LOSS_CLASSIFICATION | FL_LOSS_SIGNED},
        {"step", FL_LOSS_NOT_DIFFERENTIABLE},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        const fl_plugin *p = tu_plugin(FL_KIND_LOSS, want[i].name);
        g_assert_cmpstr(p->name, ==, want[i].name);
        g_assert_cmpuint(p->ops.loss->flags, ==, want[i].flags);
    }
}

/* The value against the naive reference, with and without dpred, on several batches. */
static void test_value(gconstpointer data)
{
    const fl_plugin *plugin = data;
    fl_ref ref = loss_ref(plugin);
    loss_case c = {.plugin = plugin, .ops = plugin->ops.loss, .opts = ref.opts};
    double first = NAN;
    for (guint32 seed = 1; seed <= 4; seed++) {
        loss_case_fill(&c, seed);
        double want;
        if (!naive_loss(plugin->name, c.pred, c.target, BATCH, WIDTH, &want)) {
            params_ref_clear(&ref);
            g_test_skip("no naive reference for this loss in test-losses.c");
            return;
        }
        /* Zero-trust: a reference of 0 would accept a plugin that returns nothing. */
        g_assert_cmpfloat(fabs(want), >, 1e-3);
        float dpred[COUNT];
        double with_grad = compute(&ref, dpred, c.pred, c.target, BATCH, WIDTH);
        double without = compute(&ref, NULL, c.pred, c.target, BATCH, WIDTH);
        assert_close(with_grad, want, 1e-9, plugin->name);
        assert_close(without, want, 1e-9, plugin->name);
        if (seed == 1)
            first = want;
        else if (seed == 2)
            g_assert_cmpfloat(want, !=, first); /* different data, different loss */
    }
    /* The batch loss is a mean: one sample alone gives that sample's loss. */
    double one_want = NAN;
    g_assert_true(naive_loss(plugin->name, c.pred + WIDTH, c.target + WIDTH, 1, WIDTH,
                             &one_want));
    assert_close(compute(&ref, NULL, c.pred + WIDTH, c.target + WIDTH, 1, WIDTH), one_want,
                 1e-9, plugin->name);
    params_ref_clear(&ref);
}

/* Central differences for differentiable losses, exact zeros for the others. */
static void test_gradient(gconstpointer data)
{
    const fl_plugin *plugin = data;
    fl_ref ref = loss_ref(plugin);
    loss_case c = {.plugin = plugin, .ops = plugin->ops.loss, .opts = ref.opts};
    for (guint32 seed = 11; seed <= 13; seed++) {
        loss_case_fill(&c, seed);
        float dpred[COUNT];
        /* NaN sentinels: a plugin that leaves dpred alone fails. */
        memset(dpred, 0xff, sizeof dpred);
        compute(&ref, dpred, c.pred, c.target, BATCH, WIDTH);
        if (c.ops->flags & FL_LOSS_NOT_DIFFERENTIABLE) {
            for (size_t i = 0; i < COUNT; i++)
                g_assert_cmpfloat(dpred[i], ==, 0.0f);
            continue;
        }
        size_t n_nonzero = 0;
        gboolean all_equal = TRUE;
        for (size_t i = 0; i < COUNT; i++) {
            g_assert_true(isfinite(dpred[i]));
            n_nonzero += dpred[i] != 0.0f;
            all_equal = all_equal && dpred[i] == dpred[0];
        }
        g_assert_cmpuint(n_nonzero, >=, COUNT / 3);
        g_assert_false(all_equal);
        /* Float inputs limit a random direction's difference quotient to about 1e-4 of
         * the gradient norm (each component's step is rounded), and a direction can nearly
         * cancel: errors are taken relative to at least a tenth of that norm. */
        double norm = 0.0;
        for (size_t i = 0; i < COUNT; i++)
            norm += (double)dpred[i] * dpred[i];
        norm = sqrt(norm);
        gc_result r = gradcheck(loss_case_eval, &c, c.pred, dpred, COUNT, 3e-3, 12, COUNT,
                                seed, 0.1 * norm);
        g_test_message("%s seed %u: max rel err %.3g (%s), %zu of %zu nonzero", plugin->name,
                       seed, r.max_rel_err, r.worst, (size_t)r.n_nonzero, (size_t)r.n_checked);
        if (r.max_rel_err > 2e-3)
            g_error("%s: gradient check failed: %s", plugin->name, r.worst);
        g_assert_cmpuint(r.n_nonzero, >=, r.n_checked / 3);
        gc_result_clear(&r);
    }
    params_ref_clear(&ref);
}

/* bce: saturated predictions are clipped to [1e-7, 1 - 1e-7]: finite loss, zero gradient. */
static void test_bce_clipped(void)
{
    fl_ref ref = tu_ref(FL_KIND_LOSS, "bce", NULL);
    const float pred[4] = {0.0f, 1.0f, 1e-9f, 0.3f};
    const float target[4] = {1.0f, 0.0f, 1.0f, 1.0f};
    float dpred[4];
    double loss = compute(&ref, dpred, pred, target, 1, 4);
    double want = NAN;
    g_assert_true(naive_loss("bce", pred, target, 1, 4, &want));
    assert_close(loss, want, 1e-9, "bce clipped");
    /* -log(1e-7) is about 16: three clipped terms dominate, and stay finite. */
    g_assert_cmpfloat(loss, >, 10.0);
    g_assert_true(isfinite(loss));
    g_assert_cmpfloat(dpred[0], ==, 0.0f);
    g_assert_cmpfloat(dpred[1], ==, 0.0f);
    g_assert_cmpfloat(dpred[2], ==, 0.0f);
    assert_close(dpred[3], -1.0 / 0.3f / 4.0, 1e-6, "bce gradient beside clipped ones");
    params_ref_clear(&ref);
}

/* cce: rows are normalized before the log, so scaling a row leaves the loss unchanged and
 * the gradient orthogonal to the row; a clipped entry contributes through the sum only. */
static void test_cce_normalization(void)
{
    fl_ref ref = tu_ref(FL_KIND_LOSS, "cce", NULL);
    const float pred[6] = {0.2f, 0.5f, 0.3f, 0.4f, 1.0f, 0.6f}; /* row 2 = 2 x row 1 */
    const float target[6] = {0.0f, 1.0f, 0.0f, 0.0f, 1.0f, 0.0f};
    float dpred[6];
    double loss = compute(&ref, dpred, pred, target, 2, 3);
    double want = NAN;
    g_assert_true(naive_loss("cce", pred, target, 2, 3, &want));
    assert_close(loss, want, 1e-9, "cce");
    assert_close(loss, -log(0.5), 1e-6, "cce of normalized rows");
    for (size_t b = 0; b < 2; b++) {
        double dot = 0.0, norm = 0.0;
        for (size_t j = 0; j < 3; j++) {
            dot += (double)dpred[b * 3 + j] * pred[b * 3 + j];
            norm += fabs(dpred[b * 3 + j]);
        }
        g_assert_cmpfloat(norm, >, 0.1);
        g_assert_cmpfloat(fabs(dot), <, 1e-6 * norm);
    }
    /* An entry of 0 on the hot class is clipped: the loss is -log(1e-7). */
    const float zero_hot[3] = {0.0f, 0.5f, 0.5f};
    const float hot0[3] = {1.0f, 0.0f, 0.0f};
    loss = compute(&ref, dpred, zero_hot, hot0, 1, 3);
    assert_close(loss, -log(KERAS_EPSILON), 1e-6, "cce clipped");
    g_assert_cmpfloat(dpred[0], ==, 0.0f);
    params_ref_clear(&ref);
}

/* hinge: -1/+1 targets are used as they are and give the same loss as the 0/1 form. */
static void test_hinge_signed_targets(void)
{
    fl_ref ref = tu_ref(FL_KIND_LOSS, "hinge", NULL);
    const float pred[4] = {0.3f, -0.2f, 1.5f, -0.7f};
    const float binary[4] = {1.0f, 0.0f, 1.0f, 1.0f};
    const float sign[4] = {1.0f, -1.0f, 1.0f, 1.0f};
    float d_binary[4], d_sign[4];
    double l_binary = compute(&ref, d_binary, pred, binary, 2, 2);
    double l_sign = compute(&ref, d_sign, pred, sign, 2, 2);
    double want = NAN;
    g_assert_true(naive_loss("hinge", pred, sign, 2, 2, &want));
    /* (0.7 + 0.8 + 0 + 1.7) / 4 */
    assert_close(want, (0.7 + 0.8 + 0.0 + 1.7) / 4.0, 1e-6, "hinge reference");
    assert_close(l_sign, want, 1e-9, "hinge -1/+1");
    assert_close(l_binary, want, 1e-9, "hinge 0/1");
    for (size_t i = 0; i < 4; i++)
        g_assert_cmpfloat(d_binary[i], ==, d_sign[i]);
    g_assert_cmpfloat(d_sign[2], ==, 0.0f); /* margin satisfied: no gradient */
    params_ref_clear(&ref);
}

/* class_weight = "balanced" (Keras): class c weighs n_samples / (n_classes * count_c) over
 * the targets the state was created from.  The value against a naive weighted mean with
 * weights worked out here by hand, the gradient against central differences, and the
 * balance itself: every class then carries the same total weight. */
static void test_class_weight(gconstpointer data)
{
    const char *name = data;
    gboolean one_hot = !strcmp(name, "cce");
    fl_ref ref = tu_ref(FL_KIND_LOSS, name, (const char *const[]){"class_weight=\"balanced\"",
                                                                   NULL});
    loss_case c = {.plugin = ref.plugin, .ops = ref.plugin->ops.loss, .opts = ref.opts};
    for (guint32 seed = 21; seed <= 23; seed++) {
        loss_case_fill(&c, seed);
        /* Unbalanced on purpose: rows 1..4 of class 0 in every column (one-hot: class 0),
         * row 0 the other class, so the weights differ by 4x. */
        for (size_t b = 0; b < BATCH; b++)
            for (size_t j = 0; j < WIDTH; j++)
                c.target[b * WIDTH + j] =
                    one_hot ? (float)(j == (b == 0 ? 1u : 0u)) : (float)(b == 0);
        if (!one_hot)
            c.target[1 * WIDTH + 2] = 1.0f; /* column 2: 2 of 5 in class 1 */
        double want = 0.0, total_weight[2][WIDTH] = {{0}};
        for (size_t b = 0; b < BATCH; b++) {
            const float *p = c.pred + b * WIDTH, *y = c.target + b * WIDTH;
            if (one_hot) {
                size_t cls = b == 0 ? 1 : 0;
                size_t count = cls == 1 ? 1 : BATCH - 1;
                double w = (double)BATCH / (WIDTH * (double)count);
                double s;
                g_assert_true(naive_sample_loss(name, p, y, WIDTH, TRUE, &s));
                want += w * s;
                total_weight[0][cls] += w;
            } else {
                for (size_t j = 0; j < WIDTH; j++) {
                    size_t ones = j == 2 ? 2 : 1;
                    size_t count = y[j] == 1.0f ? ones : BATCH - ones;
                    double w = (double)BATCH / (2.0 * (double)count);
                    double s;
                    g_assert_true(naive_sample_loss(name, p + j, y + j, 1, TRUE, &s));
                    want += w * s / WIDTH;
                    total_weight[y[j] == 1.0f][j] += w;
                }
            }
        }
        want /= BATCH;
        /* The balance: each present class carries n_samples / n_classes of weight. */
        if (one_hot) {
            assert_close(total_weight[0][0], (double)BATCH / WIDTH, 1e-12, "class 0 weight");
            assert_close(total_weight[0][1], (double)BATCH / WIDTH, 1e-12, "class 1 weight");
        } else {
            for (size_t j = 0; j < WIDTH; j++)
                assert_close(total_weight[0][j], total_weight[1][j], 1e-12, "column balance");
        }
        float dpred[COUNT];
        double got = compute(&ref, dpred, c.pred, c.target, BATCH, WIDTH);
        assert_close(got, want, 1e-9, name);
        /* The unweighted loss differs: the option is not ignored. */
        fl_ref plain = loss_ref(c.plugin);
        double unweighted = compute(&plain, NULL, c.pred, c.target, BATCH, WIDTH);
        params_ref_clear(&plain);
        g_assert_cmpfloat(fabs(unweighted - want), >, 1e-3 * fabs(want));
        double norm = 0.0;
        for (size_t i = 0; i < COUNT; i++)
            norm += (double)dpred[i] * dpred[i];
        norm = sqrt(norm);
        gc_result r = gradcheck(loss_case_eval, &c, c.pred, dpred, COUNT, 3e-3, 12, COUNT,
                                seed, 0.1 * norm);
        g_test_message("%s balanced seed %u: max rel err %.3g (%s)", name, seed, r.max_rel_err,
                       r.worst);
        if (r.max_rel_err > 2e-3)
            g_error("%s balanced: gradient check failed: %s", name, r.worst);
        gc_result_clear(&r);
    }
    params_ref_clear(&ref);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/losses/builtin", test_builtin);
    g_autoptr(GPtrArray) plugins = tu_plugins_of(FL_KIND_LOSS);
    g_assert_cmpuint(plugins->len, >=, 6);
    for (guint i = 0; i < plugins->len; i++) {
        const fl_plugin *p = plugins->pdata[i];
        g_autofree char *value = g_strdup_printf("/losses/%s/value", p->name);
        g_autofree char *grad = g_strdup_printf("/losses/%s/gradient", p->name);
        g_test_add_data_func(value, p, test_value);
        g_test_add_data_func(grad, p, test_gradient);
    }
    g_test_add_func("/losses/bce/clipped", test_bce_clipped);
    g_test_add_func("/losses/cce/normalization", test_cce_normalization);
    g_test_add_func("/losses/hinge/signed-targets", test_hinge_signed_targets);
    g_test_add_data_func("/losses/bce/class-weight", "bce", test_class_weight);
    g_test_add_data_func("/losses/cce/class-weight", "cce", test_class_weight);
    return g_test_run();
}
