/* test-optimizers.c — optimizers and learning-rate schedules against naive double-precision
 * loops written here from the Keras 2 formulas (Adam's bias correction and epsilon-hat
 * form, SGD momentum, Nesterov and legacy decay, RMSprop's rho, Adagrad's initial
 * accumulator).  Hyperparameters are read back from each plugin's options through its
 * parameter table, so the test also proves the keys of the design contract exist. */
#include <math.h>
#include <string.h>

#include "testutil.h"

#define N 257     /* parameters per run: odd, so no loop can assume a multiple of 4 */
#define STEPS 10

/* ---------------------------------------------------------------- options */

static double opt_double(const fl_ref *ref, const char *key)
{
    const fl_param *p = params_find(ref->plugin, key);
    if (!p)
        g_error("%s has no parameter \"%s\"", ref->plugin->name, key);
    g_assert_cmpint(p->type, ==, FL_PARAM_FLOAT);
    return *(const double *)((const char *)ref->opts + p->offset);
}

static gboolean opt_bool(const fl_ref *ref, const char *key)
{
    const fl_param *p = params_find(ref->plugin, key);
    if (!p)
        g_error("%s has no parameter \"%s\"", ref->plugin->name, key);
    g_assert_cmpint(p->type, ==, FL_PARAM_BOOL);
    return *(const bool *)((const char *)ref->opts + p->offset);
}

/* ---------------------------------------------------------------- naive references */

/* Whatever state the formulas need, in double; zeroed before the first step (Adagrad
 * sets its accumulator at t = 1). */
typedef struct naive_state {
    double m[N], v[N];
} naive_state;

static gboolean naive_step(const fl_ref *ref, double *w, const double *g, naive_state *s,
                           double lr, int64_t t)
{
    const char *name = ref->plugin->name;
    if (!strcmp(name, "sgd")) {
        double momentum = opt_double(ref, "momentum"), decay = opt_double(ref, "decay");
        gboolean nesterov = opt_bool(ref, "nesterov");
        double lr_t = lr / (1.0 + decay * (double)(t - 1));
        for (size_t i = 0; i < N; i++) {
            if (momentum == 0.0) {
                w[i] -= lr_t * g[i];
                continue;
            }
            s->m[i] = momentum * s->m[i] - lr_t * g[i];
            w[i] += nesterov ? momentum * s->m[i] - lr_t * g[i] : s->m[i];
        }
    } else if (!strcmp(name, "adam")) {
        double b1 = opt_double(ref, "beta1"), b2 = opt_double(ref, "beta2");
        double eps = opt_double(ref, "epsilon");
        double b1t = 1.0, b2t = 1.0;
        for (int64_t k = 0; k < t; k++) {
            b1t *= b1;
            b2t *= b2;
        }
        for (size_t i = 0; i < N; i++) {
            s->m[i] = b1 * s->m[i] + (1.0 - b1) * g[i];
            s->v[i] = b2 * s->v[i] + (1.0 - b2) * g[i] * g[i];
            w[i] -= lr * sqrt(1.0 - b2t) / (1.0 - b1t) * s->m[i] / (sqrt(s->v[i]) + eps);
        }
    } else if (!strcmp(name, "rmsprop")) {
        double rho = opt_double(ref, "rho"), eps = opt_double(ref, "epsilon");
        for (size_t i = 0; i < N; i++) {
            s->v[i] = rho * s->v[i] + (1.0 - rho) * g[i] * g[i];
            w[i] -= lr * g[i] / (sqrt(s->v[i]) + eps);
        }
    } else if (!strcmp(name, "adagrad")) {
        double eps = opt_double(ref, "epsilon");
        for (size_t i = 0; i < N; i++) {
            if (t == 1)
                s->v[i] = opt_double(ref, "initial_accumulator_value");
            s->v[i] += g[i] * g[i];
            w[i] -= lr * g[i] / (sqrt(s->v[i]) + eps);
        }
    } else if (strcmp(name, "none")) {
        return FALSE;
    }
    return TRUE;
}

/* ---------------------------------------------------------------- running */

typedef struct opt_case {
    const char *name;
    const char *const *key_values;
} opt_case;

/* Each configuration is chosen so a wrong formula shows: large epsilons tell
 * sqrt(v) + eps from sqrt(v + eps), decay halves the rate within the run, and gradients
 * span four orders of magnitude so the adaptive denominators matter. */
static const char *const sgd_plain[] = {"lr=0.05", NULL};
static const char *const sgd_momentum[] = {"lr=0.05", "momentum=0.9", NULL};
static const char *const sgd_nesterov[] = {"lr=0.05", "momentum=0.8", "nesterov=true", NULL};
static const char *const sgd_decay[] = {"lr=0.05", "decay=0.1", NULL};
static const char *const sgd_all[] = {"lr=0.03", "momentum=0.5", "nesterov=true", "decay=0.2",
                                      NULL};
static const char *const adam_default[] = {NULL};
static const char *const adam_custom[] = {"lr=0.02", "beta1=0.5", "beta2=0.8", "epsilon=0.3",
                                          NULL};
static const char *const rmsprop_default[] = {NULL};
static const char *const rmsprop_custom[] = {"lr=0.01", "rho=0.5", "epsilon=0.2", NULL};
static const char *const adagrad_default[] = {NULL};
static const char *const adagrad_custom[] = {"lr=0.05", "initial_accumulator_value=2.5",
                                             "epsilon=0.4", NULL};

static const opt_case opt_cases[] = {
    {"sgd", sgd_plain},         {"sgd", sgd_momentum},       {"sgd", sgd_nesterov},
    {"sgd", sgd_decay},         {"sgd", sgd_all},            {"adam", adam_default},
    {"adam", adam_custom},      {"rmsprop", rmsprop_default}, {"rmsprop", rmsprop_custom},
    {"adagrad", adagrad_default}, {"adagrad", adagrad_custom},
};

/* Run STEPS updates through the plugin and through the naive loop from the same w and
 * gradients, the rate changing from step to step as a schedule would change it. */
static void run_case(const opt_case *oc)
{
    fl_ref ref = tu_ref(FL_KIND_OPTIMIZER, oc->name, oc->key_values);
    const fl_optimizer_ops *ops = ref.plugin->ops.optimizer;
    const double base_lr = opt_double(&ref, "lr");
    size_t n_slots = ops->n_slots(ref.opts);
    g_assert_cmpuint(n_slots, <=, 4);
    /* One guard float past the state: an optimizer must keep to n_slots * n. */
    g_autofree float *state = g_new0(float, n_slots * N + 1);
    state[n_slots * N] = 1234.5f;
    if (ops->init_state)
        ops->init_state(ref.opts, state, N);

    g_autoptr(GRand) r = g_rand_new_with_seed(42);
    float w[N], w0[N], dw[N];
    double wd[N], gd[N];
    static naive_state ns;
    memset(&ns, 0, sizeof ns);
    for (size_t i = 0; i < N; i++) {
        w[i] = (float)g_rand_double_range(r, -0.1, 0.1);
        w0[i] = w[i];
        wd[i] = w[i];
    }
    for (int64_t t = 1; t <= STEPS; t++) {
        for (size_t i = 0; i < N; i++) {
            /* Magnitudes from 1e-3 to 1 and both signs. */
            double mag = pow(10.0, -3.0 * (double)(i % 7) / 6.0);
            dw[i] = (float)(mag * g_rand_double_range(r, -1.0, 1.0));
            gd[i] = dw[i];
        }
        double lr = base_lr * (1.0 - 0.05 * (double)(t - 1));
        g_assert_cmpint(ops->step(tu_host(), ref.opts, w, dw, state, N, lr, t), ==, 0);
        g_assert_true(naive_step(&ref, wd, gd, &ns, lr, t));
    }
    g_assert_cmpfloat(state[n_slots * N], ==, 1234.5f);

    /* Errors relative to |w|, or to 0.1 for weights near zero: 1e-6 of that is 1e-7, at
     * least a thousand times less than the run moves the weights (zero-trust). */
    double moved = 0.0, worst = 0.0;
    for (size_t i = 0; i < N; i++) {
        moved += fabs(wd[i] - w0[i]) / N;
        double err = fabs((double)w[i] - wd[i]) / MAX(fabs(wd[i]), 0.1);
        worst = MAX(worst, err);
    }
    g_test_message("%s: mean |dw| %.3g, worst rel err %.3g", oc->name, moved, worst);
    g_assert_cmpfloat(moved, >, 1e-4);
    g_assert_cmpfloat(worst, <, 1e-6);
    params_ref_clear(&ref);
}

static void test_case(gconstpointer data)
{
    run_case(data);
}

/* ---------------------------------------------------------------- tests */

/* The keys of the design contract, with Keras 2 defaults. */
static void test_defaults(void)
{
    static const struct {
        const char *name, *key;
        double def;
    } want[] = {
        {"sgd", "lr", 0.01},         {"sgd", "momentum", 0.0},
        {"sgd", "decay", 0.0},       {"adam", "lr", 0.001},
        {"adam", "beta1", 0.9},      {"adam", "beta2", 0.999},
        {"adam", "epsilon", 1e-7},   {"rmsprop", "lr", 0.001},
        {"rmsprop", "rho", 0.9},     {"rmsprop", "epsilon", 1e-7},
        {"adagrad", "lr", 0.001},    {"adagrad", "initial_accumulator_value", 0.1},
        {"adagrad", "epsilon", 1e-7},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        fl_ref ref = tu_ref(FL_KIND_OPTIMIZER, want[i].name, NULL);
        g_test_message("%s.%s", want[i].name, want[i].key);
        g_assert_cmpfloat_with_epsilon(opt_double(&ref, want[i].key), want[i].def, 1e-15);
        params_ref_clear(&ref);
    }
    fl_ref sgd = tu_ref(FL_KIND_OPTIMIZER, "sgd", NULL);
    g_assert_false(opt_bool(&sgd, "nesterov"));
    /* Without momentum Keras keeps no velocity; with it, one slot. */
    g_assert_cmpuint(sgd.plugin->ops.optimizer->n_slots(sgd.opts), ==, 0);
    g_assert_cmpuint(sgd.plugin->ops.optimizer->flags, ==, 0);
    params_ref_clear(&sgd);
    fl_ref none = tu_ref(FL_KIND_OPTIMIZER, "none", NULL);
    g_assert_null(params_find(none.plugin, "lr")); /* nothing to schedule */
    g_assert_cmpuint(none.plugin->ops.optimizer->n_slots(none.opts), ==, 0);
    /* It says so: detectors read the flag, not the name. */
    g_assert_cmpuint(none.plugin->ops.optimizer->flags, ==, FL_OPTIMIZER_NEVER_STEPS);
    params_ref_clear(&none);
}

/* Every optimizer built has a reference here, and a rate named "lr" unless it is `none`. */
static void test_all_covered(void)
{
    g_autoptr(GPtrArray) plugins = tu_plugins_of(FL_KIND_OPTIMIZER);
    g_assert_cmpuint(plugins->len, >=, 5);
    for (guint i = 0; i < plugins->len; i++) {
        const fl_plugin *p = plugins->pdata[i];
        fl_ref ref = tu_ref(FL_KIND_OPTIMIZER, p->name, NULL);
        double w[N] = {0}, g[N] = {0};
        static naive_state ns;
        if (!naive_step(&ref, w, g, &ns, 0.0, 1))
            g_error("optimizer %s has no naive reference in test-optimizers.c", p->name);
        if (strcmp(p->name, "none"))
            g_assert_cmpfloat(opt_double(&ref, "lr"), >, 0.0);
        params_ref_clear(&ref);
    }
}

/* `none` leaves the weights bit for bit as they were, whatever the gradient and rate. */
static void test_none(void)
{
    fl_ref ref = tu_ref(FL_KIND_OPTIMIZER, "none", NULL);
    const fl_optimizer_ops *ops = ref.plugin->ops.optimizer;
    g_autoptr(GRand) r = g_rand_new_with_seed(3);
    float w[N], w0[N], dw[N];
    for (size_t i = 0; i < N; i++)
        w0[i] = w[i] = (float)g_rand_double_range(r, -5.0, 5.0);
    for (int64_t t = 1; t <= STEPS; t++) {
        for (size_t i = 0; i < N; i++)
            dw[i] = (float)g_rand_double_range(r, -10.0, 10.0);
        g_assert_cmpint(ops->step(tu_host(), ref.opts, w, dw, NULL, N, 1.0, t), ==, 0);
    }
    g_assert_cmpmem(w, sizeof w, w0, sizeof w0);
    params_ref_clear(&ref);
}

/* Adam's first step: the bias corrections make lr_t m / sqrt(v) = lr sign(g), and in the
 * epsilon-hat form epsilon is not corrected, so it acts as epsilon / sqrt(1 - beta2):
 * w = -lr g / (|g| + epsilon / sqrt(1 - beta2)).  A gradient of 1e-3 shows the difference
 * (0.3%) from the textbook form, where epsilon would be added to sqrt of the corrected v. */
static void test_adam_first_step(void)
{
    const char *const kv[] = {"lr=0.01", NULL};
    fl_ref ref = tu_ref(FL_KIND_OPTIMIZER, "adam", kv);
    const fl_optimizer_ops *ops = ref.plugin->ops.optimizer;
    float w[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    const float dw[4] = {1e-3f, -0.5f, 20.0f, -3e-2f};
    float state[8] = {0};
    g_assert_cmpuint(ops->n_slots(ref.opts), ==, 2);
    g_assert_cmpint(ops->step(tu_host(), ref.opts, w, dw, state, 4, 0.01, 1), ==, 0);
    for (size_t i = 0; i < 4; i++) {
        double g = fabs(dw[i]);
        double want = -copysign(0.01 * g / (g + 1e-7 / sqrt(1.0 - 0.999)), dw[i]);
        g_assert_cmpfloat_with_epsilon(w[i], want, 1e-8);
    }
    params_ref_clear(&ref);
}

static double schedule_lr(const fl_ref *ref, double base, int64_t steps)
{
    double lr = NAN;
    g_assert_cmpint(ref->plugin->ops.schedule->lr(tu_host(), ref->opts, base, steps, &lr), ==, 0);
    return lr;
}

static void test_schedule_constant(void)
{
    fl_ref ref = tu_ref(FL_KIND_SCHEDULE, "constant", NULL);
    g_assert_cmpuint(ref.plugin->ops.schedule->flags, ==, 0);
    const int64_t steps[] = {0, 1, 7, 1000, 123456789};
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
        g_assert_cmpfloat(schedule_lr(&ref, 0.125, steps[i]), ==, 0.125);
        g_assert_cmpfloat(schedule_lr(&ref, 3e-5, steps[i]), ==, 3e-5);
    }
    params_ref_clear(&ref);
}

static void test_schedule_exponential(void)
{
    const int64_t steps[] = {0, 1, 5, 9, 10, 11, 19, 20, 25, 99, 100, 1001};
    for (int staircase = 0; staircase <= 1; staircase++) {
        const char *const kv[] = {"decay_steps=10", "decay_rate=0.5",
                                  staircase ? "staircase=true" : "staircase=false", NULL};
        fl_ref ref = tu_ref(FL_KIND_SCHEDULE, "exponential_decay", kv);
        g_assert_cmpuint(ref.plugin->ops.schedule->flags, ==, FL_SCHEDULE_DECAYS);
        int n_distinct = 0;
        double last = -1.0;
        for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
            double e = (double)steps[i] / 10.0;
            if (staircase)
                e = floor(e);
            double want = 0.2 * pow(0.5, e);
            double got = schedule_lr(&ref, 0.2, steps[i]);
            g_test_message("staircase %d steps %" G_GINT64_FORMAT ": %.10g want %.10g",
                           staircase, steps[i], got, want);
            g_assert_cmpfloat(fabs(got - want), <=, 1e-12 * want);
            n_distinct += got != last;
            last = got;
        }
        /* Zero-trust: the rate really moved, and the first step keeps the base rate. */
        g_assert_cmpint(n_distinct, >=, staircase ? 6 : 11);
        g_assert_cmpfloat(schedule_lr(&ref, 0.2, 0), ==, 0.2);
        params_ref_clear(&ref);
    }
    /* A rate above 1 grows, as Keras allows. */
    const char *const grow[] = {"decay_steps=4", "decay_rate=3", NULL};
    fl_ref ref = tu_ref(FL_KIND_SCHEDULE, "exponential_decay", grow);
    g_assert_cmpfloat(fabs(schedule_lr(&ref, 0.01, 6) - 0.01 * pow(3.0, 1.5)), <=, 1e-15);
    params_ref_clear(&ref);
}

/* decay_steps and decay_rate have no default, as in Keras. */
static void test_schedule_required(void)
{
    const char *const only_rate[] = {"decay_rate=0.5", NULL};
    const char *const only_steps[] = {"decay_steps=100", NULL};
    const char *const *cases[] = {only_rate, only_steps};
    const char *missing[] = {"decay_steps", "decay_rate"};
    for (size_t i = 0; i < 2; i++) {
        fl_ref ref;
        g_autoptr(GError) err = NULL;
        gboolean ok = params_ref_init(&ref, tu_registry(), FL_KIND_SCHEDULE, "exponential_decay",
                                      cases[i], &err);
        g_assert_false(ok);
        g_assert_error(err, FL_PARAMS_ERROR, PARAMS_ERROR_MISSING);
        g_assert_nonnull(strstr(err->message, missing[i]));
    }
    /* decay_steps 0 would divide by zero: the range refuses it. */
    const char *const zero[] = {"decay_steps=0", "decay_rate=0.5", NULL};
    fl_ref ref;
    g_autoptr(GError) err = NULL;
    g_assert_false(params_ref_init(&ref, tu_registry(), FL_KIND_SCHEDULE, "exponential_decay",
                                   zero, &err));
    g_assert_error(err, FL_PARAMS_ERROR, PARAMS_ERROR_RANGE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/optimizers/defaults", test_defaults);
    g_test_add_func("/optimizers/all-covered", test_all_covered);
    g_test_add_func("/optimizers/none", test_none);
    g_test_add_func("/optimizers/adam/first-step", test_adam_first_step);
    for (size_t i = 0; i < G_N_ELEMENTS(opt_cases); i++) {
        g_autofree char *kv = g_strjoinv(",", (char **)opt_cases[i].key_values);
        g_autofree char *path = g_strdup_printf("/optimizers/%s/%s", opt_cases[i].name,
                                                *kv ? kv : "defaults");
        g_test_add_data_func(path, &opt_cases[i], test_case);
    }
    g_test_add_func("/schedules/constant", test_schedule_constant);
    g_test_add_func("/schedules/exponential_decay", test_schedule_exponential);
    g_test_add_func("/schedules/exponential_decay/required", test_schedule_required);
    return g_test_run();
}
