/* test-layers.c — every layer plugin found, checked against central differences, plus
 * naive double-precision references for dense, batchnorm and dropout.
 *
 * The gradient cases are generated from the registry: for each layer plugin, options are
 * built from its own parameter table (required numbers get a small value, every activation
 * is tried for ACTIVATION parameters, both values for BOOL, each choice for CHOICE), so a
 * new layer is covered as soon as it is built.  The test allocates and fills the layer's
 * tensors itself and checks d/d(x) and d/d(every trainable tensor) of L = sum(r * y), r
 * random, against backward with dy = r.
 *
 * Tolerances: layers compute in float, so L carries rounding of ~1e-7 relative, and the
 * perturbed inputs are themselves rounded to float, so a step of eps along a random
 * direction is off by ~1e-7 / eps per element.  With eps = 1e-3 both give errors of ~1e-4
 * in absolute terms; derivatives are therefore compared with a relative tolerance of 1e-2,
 * and those below GC_FLOOR = 0.05 in absolute terms (5e-4).  Zero-trust: in each check most
 * derivatives must exceed GC_FLOOR, and over the program at least 80%. */
#include <math.h>
#include <string.h>

#include "gradcheck.h"
#include "testutil.h"

#define N_IN 4
#define BATCH 5
#define GC_EPS 1e-3
#define GC_RTOL 1e-2
#define GC_FLOOR 5e-2
#define REF_RTOL 1e-5 /* float layer against a double reference */

/* SELU constants as Keras defines them. */
#define SELU_ALPHA 1.6732632423543772
#define SELU_SCALE 1.0507009873554805

/* ---------------------------------------------------------------- a layer under test */

typedef struct layer_case {
    const fl_plugin *plugin;
    const fl_layer_ops *ops;
    fl_ref ref;
    fl_layer_info info;
    void *state;
    size_t n_in, n_out, batch; /* values per sample in and out */
    float **tensors;           /* (info.n_tensors): (spec(t)->n) each */
    float **grads;             /* trainable ones only */
    float *x;                  /* (batch, n_in) */
    float *y;                  /* (batch, n_out) */
    float *r;                  /* (batch, n_out): weights of L = sum(r * y) */
    guint64 rng_seed;          /* dropout masks: the same stream for every evaluation */
} layer_case;

/* Tensor t as the layer described it, read with its stride. */
static const fl_tensor_spec *spec(const layer_case *c, size_t t)
{
    return FL_AT_CONST(fl_tensor_spec, c->info.tensors, c->info.tensor_stride, t);
}

/* A plugin call that must succeed; on failure, show the plugin's own explanation. */
static void case_check_rc(int rc, const layer_case *c, const char *op)
{
    if (rc < 0) {
        g_autoptr(GError) err = NULL;
        host_take_error(tu_host(), &err, "%s %s: ", c->plugin->name, op);
        g_assert_no_error(err);
    }
    g_assert_cmpint(rc, ==, 0);
}

static int tensor_index(const layer_case *c, const char *name)
{
    for (size_t t = 0; t < c->info.n_tensors; t++)
        if (!strcmp(spec(c, t)->name, name))
            return (int)t;
    return -1;
}

static void fill_normal(float *v, size_t n, double scale, fl_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(scale * rng_normal(rng));
}

/* Create the layer from "key=value" options for samples of shape `in`, fill its tensors
 * with random values (trainable: normal, scale 0.5; state like moving statistics: its fill
 * value plus up to 0.25, so a variance stays positive) and bind them with gradient arrays
 * for the trainable ones. */
static void case_setup_shape(layer_case *c, const fl_plugin *plugin, const char *const *kv,
                             const fl_shape *in, size_t batch, guint64 seed)
{
    memset(c, 0, sizeof *c);
    c->plugin = plugin;
    c->ops = plugin->ops.layer;
    c->n_in = fl_shape_count(in);
    c->batch = batch;
    c->rng_seed = seed + 1000;
    c->ref = tu_ref(FL_KIND_LAYER, plugin->name, kv);
    c->info.size = sizeof c->info;
    case_check_rc(c->ops->create(tu_host(), c->ref.opts, in, &c->info, &c->state), c, "create");
    g_assert_cmpuint(c->info.size, ==, sizeof c->info); /* the layer leaves it alone */
    c->n_out = fl_shape_count(&c->info.out_shape);
    g_assert_cmpuint(c->n_out, >, 0);
    g_assert_cmpuint(c->info.units, >, 0);
    g_assert_cmpuint(c->n_out % c->info.units, ==, 0);
    if (c->info.n_tensors)
        g_assert_cmpuint(c->info.tensor_stride, ==, sizeof(fl_tensor_spec));

    g_autoptr(fl_rng) rng = rng_new(seed);
    c->tensors = g_new0(float *, c->info.n_tensors + 1);
    c->grads = g_new0(float *, c->info.n_tensors + 1);
    for (size_t t = 0; t < c->info.n_tensors; t++) {
        const fl_tensor_spec *s = spec(c, t);
        g_assert_cmpuint(s->size, ==, sizeof *s);
        g_assert_cmpint(s->role, >=, FL_TENSOR_KERNEL);
        g_assert_cmpint(s->role, <=, FL_TENSOR_STATE);
        g_assert_true(s->trainable == (s->role != FL_TENSOR_STATE));
        g_assert_nonnull(s->name);
        g_assert_cmpuint(s->n, >, 0);
        c->tensors[t] = g_new(float, s->n);
        if (s->trainable) {
            fill_normal(c->tensors[t], s->n, 0.5, rng);
            c->grads[t] = g_new(float, s->n);
            /* Garbage that a layer accumulating instead of overwriting would keep. */
            for (size_t i = 0; i < s->n; i++)
                c->grads[t][i] = 1234.5f;
        } else {
            for (size_t i = 0; i < s->n; i++)
                c->tensors[t][i] = (float)(s->fill_value + 0.25 * rng_uniform(rng));
        }
    }
    fl_bind bind = {.size = sizeof bind, .tensors = c->tensors, .grads = c->grads};
    case_check_rc(c->ops->bind(c->state, &bind), c, "bind");
    c->x = g_new(float, batch * c->n_in);
    c->y = g_new(float, batch * c->n_out);
    c->r = g_new(float, batch * c->n_out);
    fill_normal(c->x, batch * c->n_in, 1.0, rng);
    fill_normal(c->r, batch * c->n_out, 1.0, rng);
}

/* The same for flat samples of n_in values. */
static void case_setup(layer_case *c, const fl_plugin *plugin, const char *const *kv, size_t n_in,
                       size_t batch, guint64 seed)
{
    fl_shape in = {.rank = 1, .dims = {(uint32_t)n_in}};
    case_setup_shape(c, plugin, kv, &in, batch, seed);
}

static void case_clear(layer_case *c)
{
    if (c->state)
        c->ops->destroy(c->state);
    for (size_t t = 0; t < c->info.n_tensors; t++) {
        g_free(c->tensors[t]);
        g_free(c->grads[t]);
    }
    g_free(c->tensors);
    g_free(c->grads);
    g_free(c->x);
    g_free(c->y);
    g_free(c->r);
    params_ref_clear(&c->ref);
    memset(c, 0, sizeof *c);
}

static void case_forward(layer_case *c, float *y, const float *x, size_t batch, gboolean training)
{
    g_autoptr(fl_rng) rng = rng_new(c->rng_seed);
    fl_pass pass = {.size = sizeof pass, .batch = batch, .training = training, .rng = rng};
    case_check_rc(c->ops->forward(c->state, &pass, y, x), c, "forward");
}

/* Backward after a training forward of the same batch. */
static int case_backward(layer_case *c, float *dx, const float *dy, const float *y, const float *x,
                         size_t batch)
{
    fl_pass pass = {.size = sizeof pass, .batch = batch, .training = true};
    return c->ops->backward(c->state, &pass, dx, dy, y, x);
}

/* L = sum(r * y) after a training forward, in double. */
static double case_loss(void *ctx)
{
    layer_case *c = ctx;
    case_forward(c, c->y, c->x, c->batch, TRUE);
    double l = 0.0;
    for (size_t i = 0; i < c->batch * c->n_out; i++)
        l += (double)c->r[i] * c->y[i];
    return l;
}

/* ---------------------------------------------------------------- naive references */

static double ref_act(fl_activation act, double z)
{
    switch (act.kind) {
    case FL_ACT_LINEAR: return z;
    case FL_ACT_RELU: return z > 0 ? z : 0.0;
    case FL_ACT_LEAKY_RELU: return z > 0 ? z : act.alpha * z;
    case FL_ACT_ELU: return z > 0 ? z : act.alpha * expm1(z);
    case FL_ACT_SELU: return SELU_SCALE * (z > 0 ? z : SELU_ALPHA * expm1(z));
    case FL_ACT_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case FL_ACT_TANH: return tanh(z);
    case FL_ACT_SOFTPLUS: return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
    default: g_assert_not_reached();
    }
    return 0.0;
}

/* The pre-activation z = x Wᵀ + b of a dense layer, from the tensors the test filled;
 * the kernel is (units, n_in) row-major. */
static void ref_dense_z(const layer_case *c, const float *x, size_t batch, double *z)
{
    int k = tensor_index(c, "kernel"), b = tensor_index(c, "bias");
    g_assert_cmpint(k, >=, 0);
    size_t n_out = c->n_out;
    for (size_t s = 0; s < batch; s++)
        for (size_t j = 0; j < n_out; j++) {
            double v = b >= 0 ? c->tensors[b][j] : 0.0;
            for (size_t i = 0; i < c->n_in; i++)
                v += (double)x[s * c->n_in + i] * c->tensors[k][j * c->n_in + i];
            z[s * n_out + j] = v;
        }
}

static void ref_dense(const layer_case *c, const float *x, size_t batch, double *y)
{
    size_t n_out = c->n_out;
    ref_dense_z(c, x, batch, y);
    fl_activation act = c->info.activation;
    for (size_t s = 0; s < batch; s++) {
        double *row = y + s * n_out;
        if (act.kind == FL_ACT_SOFTMAX) {
            double max = row[0], sum = 0.0;
            for (size_t j = 1; j < n_out; j++)
                max = MAX(max, row[j]);
            for (size_t j = 0; j < n_out; j++)
                sum += row[j] = exp(row[j] - max);
            for (size_t j = 0; j < n_out; j++)
                row[j] /= sum;
        } else {
            for (size_t j = 0; j < n_out; j++)
                row[j] = ref_act(act, row[j]);
        }
    }
}

/* Redraw x until every pre-activation is at least `margin` from 0, where ReLU, leaky ReLU
 * and SELU have kinks that central differences would straddle. */
static void dense_avoid_kinks(layer_case *c, double margin, fl_rng *rng)
{
    size_t n = c->batch * c->n_out;
    g_autofree double *z = g_new(double, n);
    for (int attempt = 0; attempt < 1000; attempt++) {
        ref_dense_z(c, c->x, c->batch, z);
        double closest = INFINITY;
        for (size_t i = 0; i < n; i++)
            closest = MIN(closest, fabs(z[i]));
        if (closest >= margin)
            return;
        fill_normal(c->x, c->batch * c->n_in, 1.0, rng);
    }
    g_assert_not_reached();
}

/* Element-wise comparison with a relative tolerance (absolute below `floor`), and the
 * zero-trust rule: the reference must not be mostly zeros or all equal. */
static void assert_close(const float *got, const double *want, size_t n, double rtol,
                         double floor, const char *what)
{
    size_t n_nonzero = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double err = fabs((double)got[i] - want[i]);
        if (!(err <= rtol * MAX(fabs(want[i]), floor)))
            g_error("%s: element %zu is %.9g, the reference says %.9g", what, i, got[i], want[i]);
        n_nonzero += fabs(want[i]) > 1e-3;
        lo = MIN(lo, want[i]);
        hi = MAX(hi, want[i]);
    }
    if (n_nonzero * 4 < n || hi - lo < 1e-3)
        g_error("%s: the reference is mostly zero or constant (%zu of %zu non-zero, range "
                "%g): the comparison proves nothing", what, n_nonzero, n, hi - lo);
}

/* ---------------------------------------------------------------- generated variants */

typedef struct variant {
    const fl_plugin *plugin;
    fl_shape in; /* one input sample: flat, or an image for layers that read images */
    char **kv;   /* "key=value", NULL-terminated */
    char *label; /* "dense:activation=elu(alpha=0.7)", one test path component */
} variant;

static void variant_free(gpointer data)
{
    variant *v = data;
    g_strfreev(v->kv);
    g_free(v->label);
    g_free(v);
}

static variant *variant_new(const fl_plugin *plugin, char **kv, const char *label)
{
    variant *v = g_new0(variant, 1);
    v->plugin = plugin;
    v->kv = kv;
    v->label = g_strdup_printf("%s:%s", plugin->name, label);
    v->in = (fl_shape){.rank = 1, .dims = {N_IN}};
    return v;
}

/* The input a layer is checked on: flat samples of N_IN values if it takes them, else a
 * small (H, W, C) image (conv2d and the pools read only images). */
static fl_shape input_for(const fl_plugin *plugin, char **kv)
{
    fl_shape flat = {.rank = 1, .dims = {N_IN}};
    fl_ref ref = tu_ref(FL_KIND_LAYER, plugin->name, (const char *const *)kv);
    fl_layer_info info = {.size = sizeof info};
    void *state = NULL;
    int rc = plugin->ops.layer->create(tu_host(), ref.opts, &flat, &info, &state);
    if (rc == 0)
        plugin->ops.layer->destroy(state);
    host_clear_error(tu_host());
    params_ref_clear(&ref);
    return rc == 0 ? flat : (fl_shape){.rank = 3, .dims = {3, 3, 2}};
}

/* g_strv_builder_take() is newer than GLib 2.74. */
static void strv_take(GStrvBuilder *b, char *s)
{
    g_strv_builder_add(b, s);
    g_free(s);
}

/* A value for a parameter without a default. */
static char *required_value(const fl_param *p)
{
    switch (p->type) {
    case FL_PARAM_INT: return g_strdup("3");
    case FL_PARAM_FLOAT: return g_strdup("0.3");
    case FL_PARAM_BOOL: return g_strdup("true");
    case FL_PARAM_ACTIVATION: return g_strdup("tanh");
    case FL_PARAM_CHOICE: {
        g_auto(GStrv) names = g_strsplit(p->choices, "|", -1);
        return g_strdup(names[0]);
    }
    default:
        g_error("layer parameter %s of type %d is required and this test cannot invent a "
                "value for it: extend required_value()", p->key, (int)p->type);
    }
    return NULL;
}

/* The values tried for one parameter, as experiment-file text, with a short label for
 * each; FALSE when the parameter is not varied. */
static gboolean varied_values(const fl_param *p, GStrv *values, GStrv *labels)
{
    g_autoptr(GStrvBuilder) vb = g_strv_builder_new();
    g_autoptr(GStrvBuilder) lb = g_strv_builder_new();
    switch (p->type) {
    case FL_PARAM_ACTIVATION:
        for (int k = 0; k < FL_ACT_COUNT; k++) {
            const char *name = fl_activation_name(k);
            g_strv_builder_add(vb, name);
            g_strv_builder_add(lb, name);
            /* An alpha away from the default proves the layer reads it. */
            if (params_activation_default_alpha(k) != 0.0) {
                strv_take(vb, g_strdup_printf("{ plugin = \"%s\"; alpha = 0.7; }", name));
                strv_take(lb, g_strdup_printf("%s(alpha=0.7)", name));
            }
        }
        break;
    case FL_PARAM_BOOL:
        g_strv_builder_add(vb, "true");
        g_strv_builder_add(vb, "false");
        g_strv_builder_add(lb, "true");
        g_strv_builder_add(lb, "false");
        break;
    case FL_PARAM_CHOICE: {
        g_auto(GStrv) names = g_strsplit(p->choices, "|", -1);
        g_strv_builder_addv(vb, (const char **)names);
        g_strv_builder_addv(lb, (const char **)names);
        break;
    }
    default: return FALSE;
    }
    *values = g_strv_builder_end(vb);
    *labels = g_strv_builder_end(lb);
    return TRUE;
}

/* The base options (required parameters only) plus, one parameter at a time, each of its
 * varied values. */
static GPtrArray *variants_of(const fl_plugin *plugin)
{
    GPtrArray *out = g_ptr_array_new();
    g_autoptr(GStrvBuilder) base = g_strv_builder_new();
    for (const fl_param *p = params_first(plugin); p; p = params_next(plugin, p))
        if (!p->def) {
            g_autofree char *value = required_value(p);
            strv_take(base, g_strdup_printf("%s=%s", p->key, value));
        }
    g_auto(GStrv) base_kv = g_strv_builder_end(base);
    for (const fl_param *p = params_first(plugin); p; p = params_next(plugin, p)) {
        g_auto(GStrv) values = NULL;
        g_auto(GStrv) labels = NULL;
        if (!varied_values(p, &values, &labels))
            continue;
        for (size_t i = 0; values[i]; i++) {
            g_autoptr(GStrvBuilder) b = g_strv_builder_new();
            for (char **kv = base_kv; *kv; kv++)
                if (!g_str_has_prefix(*kv, p->key) || (*kv)[strlen(p->key)] != '=')
                    g_strv_builder_add(b, *kv);
            strv_take(b, g_strdup_printf("%s=%s", p->key, values[i]));
            g_autofree char *label = g_strdup_printf("%s=%s", p->key, labels[i]);
            g_ptr_array_add(out, variant_new(plugin, g_strv_builder_end(b), label));
        }
    }
    if (out->len == 0) {
        g_autofree char *label = g_strjoinv(",", base_kv);
        g_ptr_array_add(out, variant_new(plugin, g_strdupv(base_kv), *label ? label : "defaults"));
    }
    return out;
}

/* ---------------------------------------------------------------- gradient checks */

static gsize total_checked, total_nonzero;

static void check_one(layer_case *c, float *wrt, const float *g, size_t n, const char *what)
{
    gc_result r = gradcheck(case_loss, c, wrt, g, n, GC_EPS, 4, 64, 77, GC_FLOOR);
    g_test_message("%s: %s: %zu checks, %zu non-zero, worst rel err %.3g (%s)",
                   c->plugin->name, what, r.n_checked, r.n_nonzero, r.max_rel_err, r.worst);
    if (r.max_rel_err > GC_RTOL)
        g_error("%s: gradient w.r.t. %s is wrong: %s", c->plugin->name, what, r.worst);
    /* Most derivatives must be non-zero (dropout zeroes a fraction `rate` of them). */
    if (r.n_nonzero * 2 < r.n_checked)
        g_error("%s: gradient w.r.t. %s: only %zu of %zu checks non-zero: the check proves "
                "little", c->plugin->name, what, r.n_nonzero, r.n_checked);
    total_checked += r.n_checked;
    total_nonzero += r.n_nonzero;
    gc_result_clear(&r);
}

/* The same for any other layer with an `activation`: the pre-activations are the output
 * of a twin layer with activation=linear and the same tensors (same seed). */
static void avoid_kinks_via_linear(layer_case *c, const variant *v, double margin, fl_rng *rng)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    gboolean has_activation = FALSE;
    for (char **kv = v->kv; *kv; kv++) {
        if (g_str_has_prefix(*kv, "activation="))
            has_activation = TRUE;
        else
            g_strv_builder_add(b, *kv);
    }
    if (!has_activation)
        return;
    g_strv_builder_add(b, "activation=linear");
    g_auto(GStrv) kv = g_strv_builder_end(b);
    layer_case lin;
    case_setup_shape(&lin, v->plugin, (const char *const *)kv, &v->in, c->batch, 11);
    for (size_t t = 0; t < c->info.n_tensors; t++)
        g_assert_cmpmem(lin.tensors[t], spec(&lin, t)->n * sizeof(float), c->tensors[t],
                        spec(c, t)->n * sizeof(float));
    for (int attempt = 0; attempt < 1000; attempt++) {
        memcpy(lin.x, c->x, c->batch * c->n_in * sizeof(float));
        case_forward(&lin, lin.y, lin.x, c->batch, FALSE);
        double closest = INFINITY;
        for (size_t i = 0; i < c->batch * lin.n_out; i++)
            closest = MIN(closest, fabs(lin.y[i]));
        if (closest >= margin) {
            case_clear(&lin);
            return;
        }
        fill_normal(c->x, c->batch * c->n_in, 1.0, rng);
    }
    g_assert_not_reached();
}

static void test_gradients(gconstpointer data)
{
    const variant *v = data;
    layer_case c;
    case_setup_shape(&c, v->plugin, (const char *const *)v->kv, &v->in, BATCH, 11);
    if (!strcmp(v->plugin->name, "dense")) {
        g_autoptr(fl_rng) rng = rng_new(12);
        dense_avoid_kinks(&c, 0.05, rng);
    } else {
        g_autoptr(fl_rng) rng = rng_new(12);
        avoid_kinks_via_linear(&c, v, 0.05, rng);
    }
    size_t n_x = c.batch * c.n_in;

    case_loss(&c);
    g_autofree float *dx = g_new(float, n_x);
    case_check_rc(case_backward(&c, dx, c.r, c.y, c.x, c.batch), &c, "backward");

    /* Backward again must overwrite, giving the same numbers (not twice them). */
    g_autofree float *dx2 = g_new(float, n_x);
    g_autofree float **g1 = g_new0(float *, c.info.n_tensors + 1);
    for (size_t t = 0; t < c.info.n_tensors; t++)
        if (c.grads[t])
            g1[t] = g_memdup2(c.grads[t], spec(&c, t)->n * sizeof(float));
    case_check_rc(case_backward(&c, dx2, c.r, c.y, c.x, c.batch), &c, "backward");
    g_assert_cmpmem(dx, n_x * sizeof(float), dx2, n_x * sizeof(float));
    for (size_t t = 0; t < c.info.n_tensors; t++)
        if (g1[t])
            g_assert_cmpmem(g1[t], spec(&c, t)->n * sizeof(float), c.grads[t],
                            spec(&c, t)->n * sizeof(float));

    /* dx = NULL is allowed and must still give the tensor gradients. */
    for (size_t t = 0; t < c.info.n_tensors; t++)
        if (c.grads[t])
            memset(c.grads[t], 0xff, spec(&c, t)->n * sizeof(float)); /* NaN */
    case_check_rc(case_backward(&c, NULL, c.r, c.y, c.x, c.batch), &c, "backward");
    for (size_t t = 0; t < c.info.n_tensors; t++)
        if (g1[t])
            g_assert_cmpmem(g1[t], spec(&c, t)->n * sizeof(float), c.grads[t],
                            spec(&c, t)->n * sizeof(float));

    check_one(&c, c.x, dx, n_x, "x");
    for (size_t t = 0; t < c.info.n_tensors; t++) {
        if (!spec(&c, t)->trainable)
            continue;
        check_one(&c, c.tensors[t], g1[t], spec(&c, t)->n, spec(&c, t)->name);
        g_free(g1[t]);
    }
    case_clear(&c);
}

/* ---------------------------------------------------------------- batch sizes */

static void fill_nan(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = NAN;
}

/* Forward at batch 7, then 3, then 7 again, each time with fresh buffers while the old
 * ones are overwritten: rows must agree and old buffers stay untouched (the per-size cache
 * must point its memory at each call's buffers).  Inference is row-wise for every layer;
 * in training dropout draws masks and batchnorm uses batch statistics. */
static void test_batch_sizes(gconstpointer data)
{
    const variant *v = data;
    layer_case c;
    case_setup_shape(&c, v->plugin, (const char *const *)v->kv, &v->in, 7, 21);
    size_t n_in = c.n_in, n_out = c.n_out;
    size_t nx = 7 * n_in * sizeof(float), ny = 7 * n_out * sizeof(float);

    g_autofree float *y7 = g_new(float, 7 * n_out);
    case_forward(&c, y7, c.x, 7, FALSE);
    g_autofree double *want = g_new(double, 7 * n_out);
    for (size_t i = 0; i < 7 * n_out; i++)
        want[i] = y7[i];
    g_autofree float *x3 = g_memdup2(c.x, 3 * n_in * sizeof(float));
    g_autofree float *y3 = g_new(float, 3 * n_out);
    fill_nan(y3, 3 * n_out);
    case_forward(&c, y3, x3, 3, FALSE);
    assert_close(y3, want, 3 * n_out, 1e-6, 1e-3, "batch 3 against batch 7");

    g_autofree float *x7b = g_memdup2(c.x, nx);
    g_autofree float *y7b = g_new(float, 7 * n_out);
    fill_nan(y7b, 7 * n_out);
    for (size_t i = 0; i < 7 * n_in; i++) /* the first call's input, now stale */
        c.x[i] = 100.0f + (float)i;
    g_autofree float *y7_before = g_memdup2(y7, ny);
    case_forward(&c, y7b, x7b, 7, FALSE);
    assert_close(y7b, want, 7 * n_out, 1e-6, 1e-3, "batch 7 again, new buffers");
    g_assert_cmpmem(y7, ny, y7_before, ny);

    /* Backward finds the state of the training forward of its own size even after a
     * forward of another size, and reads and writes this call's buffers. */
    g_autofree float *dx_a = g_new(float, 7 * n_in);
    g_autofree float *dx_b = g_new(float, 7 * n_in);
    g_autofree float **g_a = g_new0(float *, c.info.n_tensors + 1);
    memcpy(c.x, x7b, nx);
    case_forward(&c, y7, c.x, 7, TRUE);
    case_check_rc(case_backward(&c, dx_a, c.r, y7, c.x, 7), &c, "backward");
    for (size_t t = 0; t < c.info.n_tensors; t++)
        if (c.grads[t])
            g_a[t] = g_memdup2(c.grads[t], spec(&c, t)->n * sizeof(float));
    g_autofree float *r_b = g_memdup2(c.r, ny);
    g_autofree float *y7_train = g_memdup2(y7, ny);
    g_autofree float *dx_a_before = g_memdup2(dx_a, nx);
    /* Scribble over the first call's buffers: a layer still reading them would notice. */
    for (size_t i = 0; i < 7 * n_in; i++)
        c.x[i] = 100.0f + (float)i;
    for (size_t i = 0; i < 7 * n_out; i++)
        y7[i] = c.r[i] = -100.0f - (float)i;
    fill_nan(dx_b, 7 * n_in);
    fill_nan(y7b, 7 * n_out);
    case_forward(&c, y7b, x7b, 7, TRUE);
    g_assert_cmpmem(y7b, ny, y7_train, ny);
    /* Between a training forward and its backward: a training forward of another size
     * (another random stream, so dropout draws another mask) and an inference forward of
     * the same size on other data (the probes) must not disturb what backward needs. */
    c.rng_seed++;
    case_forward(&c, y3, x3, 3, TRUE);
    g_autofree float *y_other = g_new(float, 7 * n_out);
    case_forward(&c, y_other, c.x, 7, FALSE);
    c.rng_seed--;
    case_check_rc(case_backward(&c, dx_b, r_b, y7b, x7b, 7), &c, "backward");
    g_assert_cmpmem(dx_a_before, nx, dx_b, nx);
    g_assert_cmpmem(dx_a_before, nx, dx_a, nx);
    for (size_t t = 0; t < c.info.n_tensors; t++)
        if (g_a[t]) {
            g_assert_cmpmem(g_a[t], spec(&c, t)->n * sizeof(float), c.grads[t],
                            spec(&c, t)->n * sizeof(float));
            g_free(g_a[t]);
        }
    case_clear(&c);
}

/* ---------------------------------------------------------------- dense */

static void test_dense_reference(void)
{
    const fl_plugin *dense = tu_plugin(FL_KIND_LAYER, "dense");
    const size_t batch = 6;
    for (int k = 0; k < FL_ACT_COUNT; k++) {
        for (int with_alpha = 0; with_alpha < 2; with_alpha++) {
            if (with_alpha && params_activation_default_alpha(k) == 0.0)
                continue;
            for (int use_bias = 0; use_bias < 2; use_bias++) {
                g_autofree char *act =
                    with_alpha ? g_strdup_printf("activation={ plugin = \"%s\"; alpha = 0.7; }",
                                                 fl_activation_name(k))
                               : g_strdup_printf("activation=%s", fl_activation_name(k));
                const char *kv[] = {"units=5", act, use_bias ? "use_bias=true" : "use_bias=false",
                                    NULL};
                layer_case c;
                case_setup(&c, dense, kv, N_IN, batch, 31 + k);
                g_test_message("dense %s use_bias=%d", act, use_bias);
                g_assert_cmpint(c.info.activation.kind, ==, k);
                g_assert_cmpfloat(c.info.activation.alpha, ==,
                                  with_alpha ? 0.7 : params_activation_default_alpha(k));
                g_autofree double *want = g_new(double, batch *c.n_out);
                ref_dense(&c, c.x, batch, want);
                case_forward(&c, c.y, c.x, batch, TRUE);
                assert_close(c.y, want, batch * c.n_out, REF_RTOL, 0.1, act);
                memset(c.y, 0, batch * c.n_out * sizeof(float));
                case_forward(&c, c.y, c.x, batch, FALSE);
                assert_close(c.y, want, batch * c.n_out, REF_RTOL, 0.1, act);
                case_clear(&c);
            }
        }
    }
}

/* What create() tells the core: widths, tensors, fans, initializers, penalties. */
static void test_dense_info(void)
{
    const fl_plugin *dense = tu_plugin(FL_KIND_LAYER, "dense");
    for (int use_bias = 0; use_bias < 2; use_bias++) {
        const char *kv[] = {"units=7", "l1=0.01", "l2=0.02", "init=he_normal",
                            use_bias ? "use_bias=true" : "use_bias=false", NULL};
        layer_case c;
        case_setup(&c, dense, kv, 3, 2, 41);
        g_assert_cmpuint(c.n_out, ==, 7);
        g_assert_cmpuint(c.info.out_shape.rank, ==, 1);
        g_assert_cmpuint(c.info.out_shape.dims[0], ==, 7);
        g_assert_cmpuint(c.info.units, ==, 7);
        g_assert_cmpuint(c.info.n_tensors, ==, use_bias ? 2 : 1);
        const fl_tensor_spec *k = spec(&c, 0);
        g_assert_cmpstr(k->name, ==, "kernel");
        g_assert_cmpint(k->role, ==, FL_TENSOR_KERNEL);
        g_assert_cmpuint(k->n, ==, 7 * 3);
        g_assert_cmpuint(k->fan_in, ==, 3);
        g_assert_cmpuint(k->fan_out, ==, 7);
        g_assert_cmpfloat(k->l1, ==, 0.01);
        g_assert_cmpfloat(k->l2, ==, 0.02);
        g_assert_true(k->trainable);
        g_assert_nonnull(k->init.plugin);
        g_assert_cmpstr(k->init.plugin->name, ==, "he_normal");
        if (use_bias) {
            const fl_tensor_spec *b = spec(&c, 1);
            g_assert_cmpstr(b->name, ==, "bias");
            g_assert_cmpint(b->role, ==, FL_TENSOR_BIAS);
            g_assert_cmpuint(b->n, ==, 7);
            g_assert_cmpfloat(b->l1, ==, 0.0); /* Keras regularizes the kernel only */
            g_assert_cmpfloat(b->l2, ==, 0.0);
            g_assert_true(b->trainable);
            g_assert_nonnull(b->init.plugin);
            g_assert_cmpstr(b->init.plugin->name, ==, "zeros");
        }
        case_clear(&c);
    }
    /* Keras defaults: glorot_uniform kernel, linear activation. */
    const char *kv[] = {"units=2", NULL};
    layer_case c;
    case_setup(&c, dense, kv, 3, 2, 42);
    g_assert_cmpstr(spec(&c, 0)->init.plugin->name, ==, "glorot_uniform");
    g_assert_cmpint(c.info.activation.kind, ==, FL_ACT_LINEAR);
    g_assert_cmpuint(c.info.n_tensors, ==, 2);
    case_clear(&c);
}

/* Dense reads flat samples: an image-shaped input is refused with the way out. */
static void test_dense_shaped_input(void)
{
    const char *kv[] = {"units=2", NULL};
    fl_ref ref = tu_ref(FL_KIND_LAYER, "dense", kv);
    fl_layer_info info = {.size = sizeof info};
    fl_shape image = {.rank = 3, .dims = {4, 4, 2}};
    void *state = NULL;
    host_clear_error(tu_host());
    g_assert_cmpint(ref.plugin->ops.layer->create(tu_host(), ref.opts, &image, &info, &state), <,
                    0);
    g_autoptr(GError) err = NULL;
    host_take_error(tu_host(), &err, "dense: ");
    g_assert_nonnull(strstr(err->message, "3 axes"));
    g_assert_nonnull(strstr(err->message, "flatten"));
    params_ref_clear(&ref);
}

/* A bad configuration is reported, not a crash: units missing or out of range is the
 * core's to catch from the table; an input of width 0 is the plugin's. */
static void test_dense_bad_options(void)
{
    tu_plugin(FL_KIND_LAYER, "dense"); /* present, so the failures below are the options' */
    fl_ref ref;
    g_autoptr(GError) err = NULL;
    const char *none[] = {NULL};
    g_assert_false(params_ref_init(&ref, tu_registry(), FL_KIND_LAYER, "dense", none, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "units"));
    g_clear_error(&err);
    const char *zero[] = {"units=0", NULL};
    g_assert_false(params_ref_init(&ref, tu_registry(), FL_KIND_LAYER, "dense", zero, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "units"));
    g_clear_error(&err);
    const char *act[] = {"units=2", "activation=relux", NULL};
    g_assert_false(params_ref_init(&ref, tu_registry(), FL_KIND_LAYER, "dense", act, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
}

/* Every layer refuses an input of width 0 with an explanation. */
static void test_zero_width(void)
{
    g_autoptr(GPtrArray) layers = tu_plugins_of(FL_KIND_LAYER);
    for (guint i = 0; i < layers->len; i++) {
        const fl_plugin *p = layers->pdata[i];
        g_autoptr(GPtrArray) vs = variants_of(p);
        const variant *v = vs->pdata[0];
        fl_ref ref = tu_ref(FL_KIND_LAYER, p->name, (const char *const *)v->kv);
        const fl_layer_ops *ops = p->ops.layer;
        fl_layer_info info = {.size = sizeof info};
        fl_shape empty = {.rank = 1, .dims = {0}};
        void *state = NULL;
        host_clear_error(tu_host());
        int rc = ops->create(tu_host(), ref.opts, &empty, &info, &state);
        g_assert_cmpint(rc, <, 0);
        g_autoptr(GError) err = NULL;
        host_take_error(tu_host(), &err, "%s: ", p->name);
        g_assert_nonnull(err);
        g_assert_null(strstr(err->message, "without saying why"));
        g_test_message("%s", err->message);
        params_ref_clear(&ref);
        g_ptr_array_set_free_func(vs, variant_free);
    }
}

/* ---------------------------------------------------------------- batchnorm */

static void test_batchnorm_reference(void)
{
    const fl_plugin *bn = tu_plugin(FL_KIND_LAYER, "batchnorm");
    const size_t batch = 8, n = 4;
    const double momentum = 0.9, eps = 0.01;
    const char *kv[] = {"momentum=0.9", "epsilon=0.01", NULL};
    layer_case c;
    case_setup(&c, bn, kv, n, batch, 51);
    g_assert_cmpuint(c.n_out, ==, n);
    int ig = tensor_index(&c, "gamma"), ib = tensor_index(&c, "beta");
    int im = tensor_index(&c, "moving_mean"), iv = tensor_index(&c, "moving_variance");
    g_assert_cmpint(ig, >=, 0);
    g_assert_cmpint(ib, >=, 0);
    g_assert_cmpint(im, >=, 0);
    g_assert_cmpint(iv, >=, 0);
    g_assert_true(spec(&c, ig)->trainable && spec(&c, ib)->trainable);
    g_assert_false(spec(&c, im)->trainable || spec(&c, iv)->trainable);
    /* Keras' initial values, filled by the core. */
    g_assert_null(spec(&c, ig)->init.plugin);
    g_assert_cmpfloat(spec(&c, ig)->fill_value, ==, 1.0);
    g_assert_cmpfloat(spec(&c, ib)->fill_value, ==, 0.0);
    g_assert_cmpfloat(spec(&c, im)->fill_value, ==, 0.0);
    g_assert_cmpfloat(spec(&c, iv)->fill_value, ==, 1.0);

    /* Features with their own offsets and spreads. */
    for (size_t s = 0; s < batch; s++)
        for (size_t j = 0; j < n; j++)
            c.x[s * n + j] = (float)(c.x[s * n + j] * (0.5 + j) + 2.0 * j - 3.0);
    const float *gamma = c.tensors[ig], *beta = c.tensors[ib];
    g_autofree float *mm0 = g_memdup2(c.tensors[im], n * sizeof(float));
    g_autofree float *mv0 = g_memdup2(c.tensors[iv], n * sizeof(float));

    double mean[4] = {0}, var[4] = {0};
    for (size_t j = 0; j < n; j++) {
        for (size_t s = 0; s < batch; s++)
            mean[j] += c.x[s * n + j] / (double)batch;
        for (size_t s = 0; s < batch; s++)
            var[j] += pow(c.x[s * n + j] - mean[j], 2) / (double)batch; /* biased */
    }
    g_autofree double *want = g_new(double, batch * n);
    for (size_t s = 0; s < batch; s++)
        for (size_t j = 0; j < n; j++)
            want[s * n + j] = gamma[j] * (c.x[s * n + j] - mean[j]) / sqrt(var[j] + eps) + beta[j];
    case_forward(&c, c.y, c.x, batch, TRUE);
    assert_close(c.y, want, batch * n, REF_RTOL, 0.1, "batchnorm training forward");

    double want_mm[4], want_mv[4];
    for (size_t j = 0; j < n; j++) {
        want_mm[j] = momentum * mm0[j] + (1 - momentum) * mean[j];
        want_mv[j] = momentum * mv0[j] + (1 - momentum) * var[j];
        /* The update must be visible, or the comparison below proves nothing. */
        g_assert_cmpfloat(fabs(want_mm[j] - mm0[j]), >, 1e-3);
        g_assert_cmpfloat(fabs(want_mv[j] - mv0[j]), >, 1e-3);
    }
    assert_close(c.tensors[im], want_mm, n, REF_RTOL, 0.1, "moving_mean after one step");
    assert_close(c.tensors[iv], want_mv, n, REF_RTOL, 0.1, "moving_variance after one step");

    /* Inference uses the moving statistics and leaves them alone. */
    for (size_t s = 0; s < batch; s++)
        for (size_t j = 0; j < n; j++)
            want[s * n + j] = gamma[j] * (c.x[s * n + j] - want_mm[j]) / sqrt(want_mv[j] + eps) +
                              beta[j];
    case_forward(&c, c.y, c.x, batch, FALSE);
    assert_close(c.y, want, batch * n, REF_RTOL, 0.1, "batchnorm inference forward");
    assert_close(c.tensors[im], want_mm, n, REF_RTOL, 0.1, "moving_mean after inference");
    case_clear(&c);

    /* Without center and scale: only the moving statistics, and y is plain standardization. */
    const char *plain[] = {"center=false", "scale=false", NULL};
    case_setup(&c, bn, plain, n, batch, 52);
    g_assert_cmpuint(c.info.n_tensors, ==, 2);
    g_assert_cmpint(tensor_index(&c, "gamma"), <, 0);
    g_assert_cmpint(tensor_index(&c, "beta"), <, 0);
    case_forward(&c, c.y, c.x, batch, TRUE);
    for (size_t j = 0; j < n; j++) {
        double m = 0, v2 = 0;
        for (size_t s = 0; s < batch; s++)
            m += c.x[s * n + j] / (double)batch;
        for (size_t s = 0; s < batch; s++)
            v2 += pow(c.x[s * n + j] - m, 2) / (double)batch;
        for (size_t s = 0; s < batch; s++)
            want[s * n + j] = (c.x[s * n + j] - m) / sqrt(v2 + 0.001); /* Keras epsilon */
    }
    assert_close(c.y, want, batch * n, REF_RTOL, 0.1, "batchnorm without center and scale");
    case_clear(&c);
}

/* Samples of shape (H, W, C), channels last: each channel is normalized over the batch and
 * every position (Keras' axis = -1), with one gamma, beta and moving statistic per
 * channel; the output keeps the input's shape and counts C units. */
static void test_batchnorm_channels(void)
{
    const fl_plugin *bn = tu_plugin(FL_KIND_LAYER, "batchnorm");
    enum { B = 3, H = 2, W = 3, C = 2, PER = H * W * C };
    const char *kv[] = {"epsilon=0.01", NULL};
    fl_shape in = {.rank = 3, .dims = {H, W, C}};
    layer_case c;
    case_setup_shape(&c, bn, kv, &in, B, 53);
    g_assert_cmpuint(c.info.out_shape.rank, ==, 3);
    g_assert_cmpmem(c.info.out_shape.dims, sizeof in.dims, in.dims, sizeof in.dims);
    g_assert_cmpuint(c.info.units, ==, C);
    int ig = tensor_index(&c, "gamma"), ib = tensor_index(&c, "beta");
    g_assert_cmpuint(spec(&c, ig)->n, ==, C);
    g_assert_cmpint(spec(&c, ig)->role, ==, FL_TENSOR_SCALE);
    g_assert_cmpint(spec(&c, ib)->role, ==, FL_TENSOR_SHIFT);
    g_assert_cmpint(spec(&c, tensor_index(&c, "moving_mean"))->role, ==, FL_TENSOR_STATE);
    /* Channel 1 far from channel 0, so mixing them up would show. */
    for (size_t i = 0; i < B * PER; i++)
        if (i % C == 1)
            c.x[i] = 5.0f + 3.0f * c.x[i];
    double mean[C] = {0}, var[C] = {0};
    for (size_t i = 0; i < B * PER; i++)
        mean[i % C] += c.x[i] / (double)(B * H * W);
    for (size_t i = 0; i < B * PER; i++)
        var[i % C] += pow(c.x[i] - mean[i % C], 2) / (double)(B * H * W);
    g_autofree double *want = g_new(double, B *PER);
    for (size_t i = 0; i < B * PER; i++) {
        size_t ch = i % C;
        want[i] =
            c.tensors[ig][ch] * (c.x[i] - mean[ch]) / sqrt(var[ch] + 0.01) + c.tensors[ib][ch];
    }
    case_forward(&c, c.y, c.x, B, TRUE);
    assert_close(c.y, want, B * PER, REF_RTOL, 0.1, "batchnorm over (H, W, C)");
    /* Its gradients hold on shaped samples too. */
    case_loss(&c);
    g_autofree float *dx = g_new(float, B *PER);
    case_check_rc(case_backward(&c, dx, c.r, c.y, c.x, B), &c, "backward");
    g_autofree float *dgamma = g_memdup2(c.grads[ig], C * sizeof(float));
    check_one(&c, c.x, dx, B * PER, "x of (H, W, C)");
    check_one(&c, c.tensors[ig], dgamma, C, "gamma of (H, W, C)");
    case_clear(&c);
}

/* Dropout keeps the shape of what it reads. */
static void test_dropout_shape(void)
{
    const char *kv[] = {"rate=0.5", NULL};
    fl_shape in = {.rank = 3, .dims = {2, 3, 4}};
    layer_case c;
    case_setup_shape(&c, tu_plugin(FL_KIND_LAYER, "dropout"), kv, &in, 2, 64);
    g_assert_cmpuint(c.info.out_shape.rank, ==, 3);
    g_assert_cmpmem(c.info.out_shape.dims, sizeof in.dims, in.dims, sizeof in.dims);
    g_assert_cmpuint(c.info.units, ==, 4);
    case_clear(&c);
}

/* ---------------------------------------------------------------- dropout */

static void test_dropout_statistics(void)
{
    const fl_plugin *dropout = tu_plugin(FL_KIND_LAYER, "dropout");
    const size_t batch = 500, n = 200, total = batch * n;
    const double rate = 0.3;
    const char *kv[] = {"rate=0.3", NULL};
    layer_case c;
    case_setup(&c, dropout, kv, n, batch, 61);
    g_assert_cmpuint(c.n_out, ==, n);
    g_assert_cmpuint(c.info.n_tensors, ==, 0);
    /* Inputs bounded away from 0, so a dropped value is exactly the zeros. */
    g_autoptr(fl_rng) rng = rng_new(62);
    for (size_t i = 0; i < total; i++)
        c.x[i] = (float)((rng_uniform(rng) < 0.5 ? -1 : 1) * (0.5 + rng_uniform(rng)));

    case_forward(&c, c.y, c.x, batch, TRUE);
    size_t kept = 0;
    double scale = 1.0 / (1.0 - rate);
    for (size_t i = 0; i < total; i++) {
        if (c.y[i] == 0.0f)
            continue;
        kept++;
        double ratio = (double)c.y[i] / c.x[i];
        if (fabs(ratio - scale) > 1e-6 * scale)
            g_error("dropout: element %zu kept as %.9g from %.9g: ratio %.9g, want %.9g", i,
                    c.y[i], c.x[i], ratio, scale);
    }
    /* Binomial(total, 1 - rate): within 5 standard deviations. */
    double frac = (double)kept / (double)total;
    double sd = sqrt(rate * (1 - rate) / (double)total);
    g_test_message("dropout: kept %.5f, want %.5f +- %.5f", frac, 1 - rate, 5 * sd);
    g_assert_cmpfloat(fabs(frac - (1 - rate)), <, 5 * sd);

    /* Backward: dx = dy * mask, from the mask of the forward. */
    g_autofree float *dx = g_new(float, total);
    g_autofree float *dy = g_new(float, total);
    fill_normal(dy, total, 1.0, rng);
    case_check_rc(case_backward(&c, dx, dy, c.y, c.x, batch), &c, "backward");
    for (size_t i = 0; i < total; i++) {
        double want = c.y[i] == 0.0f ? 0.0 : dy[i] * scale;
        if (fabs(dx[i] - want) > 1e-6 * fabs(want))
            g_error("dropout backward: element %zu is %.9g, want %.9g", i, dx[i], want);
    }

    /* The same stream gives the same mask; another stream another one. */
    g_autofree float *y_same = g_new(float, total);
    case_forward(&c, y_same, c.x, batch, TRUE);
    g_assert_cmpmem(y_same, total * sizeof(float), c.y, total * sizeof(float));
    c.rng_seed++;
    case_forward(&c, y_same, c.x, batch, TRUE);
    size_t differ = 0;
    for (size_t i = 0; i < total; i++)
        differ += (y_same[i] == 0.0f) != (c.y[i] == 0.0f);
    /* Two independent masks disagree at a rate of 2 rate (1 - rate) = 0.42. */
    g_assert_cmpfloat((double)differ / (double)total, >, 0.35);

    /* Inference is the identity. */
    case_forward(&c, c.y, c.x, batch, FALSE);
    g_assert_cmpmem(c.y, total * sizeof(float), c.x, total * sizeof(float));
    case_clear(&c);

    /* rate = 0 keeps everything, unscaled, in training too. */
    const char *none[] = {"rate=0", NULL};
    case_setup(&c, dropout, none, 8, 16, 63);
    case_forward(&c, c.y, c.x, 16, TRUE);
    g_assert_cmpmem(c.y, 16 * 8 * sizeof(float), c.x, 16 * 8 * sizeof(float));
    case_clear(&c);
}

/* ---------------------------------------------------------------- main */

static void test_totals(void)
{
    /* Zero-trust over the whole program: most derivatives checked were non-zero. */
    if (total_checked == 0) {
        g_test_skip("no gradient case ran");
        return;
    }
    g_test_message("gradient checks: %zu, non-zero: %zu", total_checked, total_nonzero);
    g_assert_cmpfloat((double)total_nonzero, >, 0.8 * (double)total_checked);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_autoptr(GPtrArray) layers = tu_plugins_of(FL_KIND_LAYER);
    const char *expected[] = {"dense", "dropout", "batchnorm"};
    for (size_t e = 0; e < G_N_ELEMENTS(expected); e++) {
        gboolean found = FALSE;
        for (guint i = 0; i < layers->len; i++)
            found = found || !strcmp(((const fl_plugin *)layers->pdata[i])->name, expected[e]);
        if (!found)
            g_error("layer plugin \"%s\" not found under FLATLINE_PLUGIN_PATH", expected[e]);
    }
    for (guint i = 0; i < layers->len; i++) {
        const fl_plugin *p = layers->pdata[i];
        g_autoptr(GPtrArray) vs = variants_of(p); /* the tests own the variants */
        for (guint j = 0; j < vs->len; j++) {
            variant *v = vs->pdata[j];
            v->in = input_for(p, v->kv);
            g_autofree char *gpath = g_strdup_printf("/layers/gradient/%s", v->label);
            g_test_add_data_func_full(gpath, v, test_gradients, variant_free);
            /* The batch-size check once per plugin and once per dense activation. */
            if (j == 0 || !strcmp(p->name, "dense")) {
                variant *w = variant_new(p, g_strdupv(v->kv), strchr(v->label, ':') + 1);
                w->in = v->in;
                g_autofree char *bpath = g_strdup_printf("/layers/batch-sizes/%s", w->label);
                g_test_add_data_func_full(bpath, w, test_batch_sizes, variant_free);
            }
        }
    }
    /* Inserted after every gradient case of its suite, so it runs after them. */
    g_test_add_func("/layers/gradient/zz-totals", test_totals);
    g_test_add_func("/layers/dense/reference", test_dense_reference);
    g_test_add_func("/layers/dense/info", test_dense_info);
    g_test_add_func("/layers/dense/bad-options", test_dense_bad_options);
    g_test_add_func("/layers/dense/shaped-input", test_dense_shaped_input);
    g_test_add_func("/layers/zero-width", test_zero_width);
    g_test_add_func("/layers/batchnorm/reference", test_batchnorm_reference);
    g_test_add_func("/layers/batchnorm/channels", test_batchnorm_channels);
    g_test_add_func("/layers/dropout/shape", test_dropout_shape);
    g_test_add_func("/layers/dropout/statistics", test_dropout_statistics);
    return g_test_run();
}
