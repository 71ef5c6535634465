/* probe-fixture.c — see probe-fixture.h.  Epoch arrays are allocated per epoch and kept
 * until the fixture is freed, so pointers in earlier history entries stay valid. */
#include "probe-fixture.h"
#include "testutil.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

enum { MAX_EPOCHS = 4096 };

struct pfx {
    fl_probes p;
    fl_layer_desc *layers;
    char **layer_names;
    char **out_names, **in_names;
    pfx_data d;
    fl_epoch_probe *history; /* MAX_EPOCHS + 1 */
    GPtrArray *blocks;       /* per-epoch allocations */
    GRand *rand;
};

pfx *pfx_new(size_t n_outputs, size_t n_layers, size_t n_in, size_t n_probe)
{
    pfx *f = g_new0(pfx, 1);
    f->rand = g_rand_new_with_seed(42);
    f->blocks = g_ptr_array_new_with_free_func(g_free);
    f->layers = g_new0(fl_layer_desc, n_layers);
    f->layer_names = g_new0(char *, n_layers + 1);
    f->out_names = g_new0(char *, n_outputs + 1);
    f->in_names = g_new0(char *, n_in + 1);
    for (size_t o = 0; o < n_outputs; o++)
        f->out_names[o] = g_strdup_printf("y%zu", o);
    for (size_t i = 0; i < n_in; i++)
        f->in_names[i] = g_strdup_printf("x%zu", i);
    size_t width = n_in;
    for (size_t k = 0; k < n_layers; k++) {
        fl_layer_desc *l = &f->layers[k];
        f->layer_names[k] = g_strdup_printf("l%zu", k);
        l->size = sizeof *l;
        l->name = f->layer_names[k];
        l->plugin = "dense";
        l->n_in = width;
        l->n_out = k + 1 == n_layers ? n_outputs : 8;
        l->units = l->n_out;
        l->in_shape = (fl_shape){.rank = 1, .dims = {(uint32_t)l->n_in}};
        l->out_shape = (fl_shape){.rank = 1, .dims = {(uint32_t)l->n_out}};
        width = l->n_out;
        l->activation.kind = k + 1 == n_layers ? FL_ACT_LINEAR : FL_ACT_RELU;
        l->is_output = k + 1 == n_layers;
        l->input = (int)k - 1;
        l->input_name = k ? f->layer_names[k - 1] : NULL;
        l->has_weights = TRUE;
        l->has_kernel = TRUE;
        l->init_min = -0.5;
        l->init_max = 0.5;
        l->init_std = 0.29;
        l->fan_in = l->n_in;
        l->has_bias = TRUE;
        l->bias_init = "zeros";
    }
    size_t n_cls = MAX(n_outputs, (size_t)2);
    f->d.input_mean = g_new0(double, n_in);
    f->d.input_std = g_new0(double, n_in);
    f->d.input_absmax = g_new0(double, n_in);
    f->d.target_mean = g_new0(double, n_outputs);
    f->d.target_std = g_new0(double, n_outputs);
    f->d.target_min = g_new0(double, n_outputs);
    f->d.target_max = g_new0(double, n_outputs);
    f->d.class_fraction = g_new0(double, n_cls);
    f->d.probe_x = g_new0(float, n_probe * n_in);
    f->d.probe_y = g_new0(float, n_probe * n_outputs);
    f->d.probe_pred = g_new0(float, n_probe * n_outputs);
    for (size_t i = 0; i < n_in; i++) {
        f->d.input_std[i] = 1.0;
        f->d.input_absmax[i] = 3.0;
    }
    for (size_t o = 0; o < n_outputs; o++) {
        f->d.target_std[o] = 1.0;
        f->d.target_min[o] = -2.5;
        f->d.target_max[o] = 2.5;
    }
    for (size_t r = 0; r < n_probe; r++) {
        for (size_t i = 0; i < n_in; i++)
            f->d.probe_x[r * n_in + i] = (float)g_rand_double_range(f->rand, -2, 2);
        for (size_t o = 0; o < n_outputs; o++)
            f->d.probe_y[r * n_outputs + o] = (float)g_rand_double_range(f->rand, -1.7, 1.7);
    }
    f->history = g_new0(fl_epoch_probe, MAX_EPOCHS + 1);
    fl_probes *p = &f->p;
    p->size = sizeof *p;
    p->n_outputs = n_outputs;
    p->n_layers = n_layers;
    p->n_in = n_in;
    p->layers = f->layers;
    p->layer_stride = sizeof(fl_layer_desc);
    p->out_names = (const char *const *)f->out_names;
    p->in_names = (const char *const *)f->in_names;
    p->in_shape = (fl_shape){.rank = 1, .dims = {(uint32_t)n_in}};
    pfx_set_loss(f, "mse");
    pfx_set_optimizer(f, "adam");
    pfx_set_schedule(f, "constant");
    for (size_t k = 0; k < n_layers; k++)
        pfx_set_init(f, k, "glorot_uniform");
    p->base_lr = 0.001;
    p->final_lr = 0.001;
    p->normalize = FL_NORMALIZE_NONE;
    p->n_train = 100;
    p->batch = 32;
    p->steps_per_epoch = 4;
    p->max_epochs = 100;
    p->input_mean = f->d.input_mean;
    p->input_std = f->d.input_std;
    p->input_absmax = f->d.input_absmax;
    p->target_mean = f->d.target_mean;
    p->target_std = f->d.target_std;
    p->target_min = f->d.target_min;
    p->target_max = f->d.target_max;
    p->class_fraction = f->d.class_fraction;
    p->baseline_loss = 1.0;
    p->n_probe = n_probe;
    p->probe_x = f->d.probe_x;
    p->probe_y = f->d.probe_y;
    p->probe_pred = f->d.probe_pred;
    p->history = f->history;
    p->history_stride = sizeof(fl_epoch_probe);
    p->n_epochs = 0;
    return f;
}

void pfx_free(pfx *f)
{
    if (!f)
        return;
    g_ptr_array_free(f->blocks, TRUE);
    g_free(f->history);
    g_free(f->layers);
    g_strfreev(f->layer_names);
    g_strfreev(f->out_names);
    g_strfreev(f->in_names);
    g_free(f->d.input_mean);
    g_free(f->d.input_std);
    g_free(f->d.input_absmax);
    g_free(f->d.target_mean);
    g_free(f->d.target_std);
    g_free(f->d.target_min);
    g_free(f->d.target_max);
    g_free(f->d.class_fraction);
    g_free(f->d.probe_x);
    g_free(f->d.probe_y);
    g_free(f->d.probe_pred);
    g_rand_free(f->rand);
    g_free(f);
}

void pfx_set_loss(pfx *f, const char *loss)
{
    f->p.loss = loss;
    f->p.loss_flags = tu_plugin(FL_KIND_LOSS, loss)->ops.loss->flags;
}

void pfx_set_optimizer(pfx *f, const char *optimizer)
{
    const fl_plugin *plugin = tu_plugin(FL_KIND_OPTIMIZER, optimizer);
    f->p.optimizer = optimizer;
    f->p.optimizer_flags = plugin->ops.optimizer->flags;
    const fl_param *lr = params_find(plugin, "lr");
    f->p.default_lr = lr && lr->def ? g_ascii_strtod(lr->def, NULL) : NAN;
}

void pfx_set_schedule(pfx *f, const char *schedule)
{
    f->p.schedule = schedule;
    f->p.schedule_flags = tu_plugin(FL_KIND_SCHEDULE, schedule)->ops.schedule->flags;
}

void pfx_set_init(pfx *f, size_t k, const char *init)
{
    f->layers[k].init = init;
    f->layers[k].init_flags = tu_plugin(FL_KIND_INITIALIZER, init)->ops.init->flags;
}

fl_probes *pfx_probes(pfx *f) { return &f->p; }
fl_layer_desc *pfx_layer(pfx *f, size_t k) { return &f->layers[k]; }
pfx_data pfx_arrays(pfx *f) { return f->d; }

static size_t epoch_count(pfx *f)
{
    /* history holds epochs 0..n_epochs once epoch 0 was pushed. */
    return f->history[0].out_std ? f->p.n_epochs + 1 : 0;
}

pfx_epoch pfx_push(pfx *f)
{
    size_t n = epoch_count(f);
    g_assert_cmpuint(n, <=, MAX_EPOCHS);
    size_t no = f->p.n_outputs, nl = f->p.n_layers;
    double *block = g_new0(double, 4 * no);
    fl_layer_probe *layers = g_new0(fl_layer_probe, MAX(nl, (size_t)1));
    g_ptr_array_add(f->blocks, block);
    g_ptr_array_add(f->blocks, layers);
    pfx_epoch e = {&f->history[n], block, block + no, block + 2 * no, block + 3 * no, layers};
    if (n == 0) {
        e.e->size = sizeof *e.e;
        e.e->layer_stride = sizeof(fl_layer_probe);
        e.e->epoch = 0;
        e.e->accuracy = e.e->val_accuracy = NAN;
        e.e->loss = 1.0;
        e.e->val_loss = NAN;
        e.e->lr = f->p.base_lr;
        for (size_t o = 0; o < no; o++) {
            e.out_std[o] = 0.3;
            e.out_min[o] = -0.8;
            e.out_max[o] = 0.8;
        }
        for (size_t k = 0; k < nl; k++) {
            layers[k].size = sizeof layers[k];
            layers[k].grad_norm = NAN;
            layers[k].weight_norm = 1.0;
            layers[k].update_ratio = 0;
            layers[k].dead = 0.1;
        }
    } else {
        const fl_epoch_probe *prev = &f->history[n - 1];
        *e.e = *prev;
        e.e->epoch = (int)n;
        memcpy(e.out_std, prev->out_std, no * sizeof(double));
        memcpy(e.out_min, prev->out_min, no * sizeof(double));
        memcpy(e.out_max, prev->out_max, no * sizeof(double));
        memcpy(e.out_mean, prev->out_mean, no * sizeof(double));
        memcpy(layers, prev->layers, nl * sizeof(fl_layer_probe));
        f->p.n_epochs = n;
    }
    e.e->out_std = e.out_std;
    e.e->out_min = e.out_min;
    e.e->out_max = e.out_max;
    e.e->out_mean = e.out_mean;
    e.e->layers = layers;
    return e;
}

void pfx_push_healthy(pfx *f, int n)
{
    size_t no = f->p.n_outputs;
    for (int i = 0; i < n; i++) {
        pfx_epoch e = pfx_push(f);
        double t = e.e->epoch;
        e.e->loss = 0.05 + 0.95 * exp(-t / 15.0);
        e.e->val_loss = e.e->loss * 1.1;
        double fit = 1.0 - e.e->loss; /* share of the target spread the model explains */
        for (size_t o = 0; o < no; o++) {
            e.out_std[o] = f->d.target_std[o] * sqrt(MAX(fit, 0.09));
            e.out_min[o] = f->d.target_mean[o] - 2 * e.out_std[o];
            e.out_max[o] = f->d.target_mean[o] + 2 * e.out_std[o];
            e.out_mean[o] = f->d.target_mean[o];
        }
        for (size_t k = 0; k < f->p.n_layers; k++) {
            e.layers[k].grad_norm = 0.1 * (0.5 + 0.5 * exp(-t / 30.0));
            e.layers[k].weight_norm = 1.0 + 0.01 * t;
            e.layers[k].update_ratio = 1e-2 * exp(-t / 50.0);
            e.layers[k].dead = 0.1;
            e.layers[k].saturated = 0;
        }
        for (size_t r = 0; r < f->p.n_probe; r++)
            for (size_t o = 0; o < no; o++)
                f->d.probe_pred[r * no + o] =
                    (float)(f->d.probe_y[r * no + o] * sqrt(MAX(fit, 0.09)) +
                            g_rand_double_range(f->rand, -0.05, 0.05));
    }
}

detect_set *pfx_run(pfx *f, GPtrArray *refs)
{
    g_autoptr(GError) err = NULL;
    size_t last = f->p.n_epochs;
    detect_set *d = detect_new(refs, tu_host(), &err);
    g_assert_no_error(err);
    f->p.n_epochs = 0;
    g_assert_true(detect_preflight(d, &f->p, &err));
    g_assert_no_error(err);
    for (size_t e = 1; e <= last; e++) {
        f->p.n_epochs = e;
        g_assert_true(detect_observe(d, &f->p, &err));
        g_assert_no_error(err);
    }
    f->p.n_epochs = last;
    /* The words of the warnings that stand at the end, as a run's end asks for them. */
    g_assert_true(detect_describe(d, &err));
    g_assert_no_error(err);
    return d;
}

static void ref_free(fl_ref *r)
{
    params_ref_clear(r);
    g_free(r);
}

detect_set *pfx_run_one(pfx *f, const char *detector, const char *const *options)
{
    g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func((GDestroyNotify)ref_free);
    fl_ref *r = g_new0(fl_ref, 1);
    *r = tu_ref(FL_KIND_DETECTOR, detector, options);
    g_ptr_array_add(refs, r);
    return pfx_run(f, refs);
}

const finding_rec *pfx_finding(detect_set *d, const char *detector)
{
    GPtrArray *all = detect_findings(d);
    const finding_rec *best = NULL;
    for (guint i = 0; i < all->len; i++) {
        const finding_rec *r = all->pdata[i];
        if (strcmp(r->detector, detector) == 0 && (!best || r->level > best->level))
            best = r;
    }
    return best;
}

const char *const *pfx_fix_at(const finding_rec *r, guint k)
{
    g_assert_nonnull(r);
    g_assert_nonnull(r->fixes);
    g_assert_cmpuint(k, <, r->fixes->len);
    return (const char *const *)((const finding_fix *)r->fixes->pdata[k])->edits;
}

gboolean pfx_has_fix(const finding_rec *r, const char *const *edits)
{
    for (guint i = 0; r && r->fixes && i < r->fixes->len; i++) {
        const finding_fix *x = r->fixes->pdata[i];
        if (g_strv_equal((const char *const *)x->edits, edits))
            return TRUE;
    }
    for (guint i = 0; r && r->fixes && i < r->fixes->len; i++) {
        g_autofree char *e = g_strjoinv(" ", ((const finding_fix *)r->fixes->pdata[i])->edits);
        g_test_message("%s proposes: %s", r->detector, e);
    }
    return FALSE;
}

/* ---------------------------------------------------------------- streams */

pfx_epoch pfx_push_loss(pfx *f, double loss)
{
    pfx_epoch e = pfx_push(f);
    e.e->loss = loss;
    e.e->val_loss = 1.1 * loss;
    return e;
}

void pfx_push_losses(pfx *f, int n, double loss)
{
    for (int i = 0; i < n; i++)
        pfx_push(f).e->loss = loss;
}

fl_layer_probe *pfx_layers_at(pfx *f, size_t epoch)
{
    return (fl_layer_probe *)fl_probes_epoch(&f->p, epoch)->layers;
}

pfx *pfx_new_hidden(size_t n_in, size_t units)
{
    pfx *f = pfx_new(1, 2, n_in, 40);
    fl_layer_desc *l0 = pfx_layer(f, 0), *l1 = pfx_layer(f, 1);
    l0->n_out = l0->units = l0->out_shape.dims[0] = (uint32_t)units;
    l1->n_in = l1->fan_in = l1->in_shape.dims[0] = (uint32_t)units;
    return f;
}

pfx_live pfx_live_start(pfx *f, const char *detector, const char *const *options)
{
    pfx_live l = {g_ptr_array_new_with_free_func((GDestroyNotify)ref_free), NULL, f};
    fl_ref *r = g_new0(fl_ref, 1);
    *r = tu_ref(FL_KIND_DETECTOR, detector, options);
    g_ptr_array_add(l.refs, r);
    g_autoptr(GError) err = NULL;
    l.d = detect_new(l.refs, tu_host(), &err);
    g_assert_no_error(err);
    g_assert_cmpuint(f->p.n_epochs, ==, 0);
    g_assert_true(detect_preflight(l.d, &f->p, &err));
    return l;
}

void pfx_live_observe(pfx_live *l)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(detect_observe(l->d, &l->f->p, &err));
    g_assert_no_error(err);
    g_assert_true(detect_describe(l->d, &err));
    g_assert_no_error(err);
}

void pfx_live_healthy(pfx_live *l, int n)
{
    for (int i = 0; i < n; i++) {
        pfx_push_healthy(l->f, 1);
        pfx_live_observe(l);
    }
}

void pfx_live_end(pfx_live *l)
{
    detect_free(l->d);
    g_ptr_array_free(l->refs, TRUE);
}

/* ---------------------------------------------------------------- assertions */

const finding_rec *pfx_run_find(pfx *f, const char *detector, const char *const *options,
                                detect_set **d)
{
    *d = pfx_run_one(f, detector, options);
    return pfx_finding(*d, detector);
}

int pfx_level(pfx *f, const char *detector, const char *const *options)
{
    g_autoptr(detect_set) d = pfx_run_one(f, detector, options);
    const finding_rec *r = pfx_finding(d, detector);
    if (r)
        g_test_message("%s: level %d since %d: %s", detector, r->level, r->epoch, r->evidence);
    return r ? (int)r->level : 0;
}

void pfx_check(const finding_rec *r, fl_level level, int epoch)
{
    g_assert_nonnull(r);
    if (r->level != level || r->epoch != epoch)
        g_test_message("%s: level %d since %d: %s", r->detector, r->level, r->epoch, r->evidence);
    g_assert_cmpint(r->level, ==, level);
    g_assert_cmpint(r->epoch, ==, epoch);
    g_assert_cmpuint(strlen(r->evidence), >, 10);
    g_assert_cmpuint(strlen(r->cause), >, 10);
    g_assert_cmpuint(strlen(r->advice), >, 10);
}

void pfx_assert_silent(pfx *f, const char *detector, const char *const *options)
{
    detect_set *d;
    const finding_rec *r = pfx_run_find(f, detector, options, &d);
    if (r)
        g_error("%s fired (%s, epoch %d): %s | %s | %s", detector,
                r->level == FL_LEVEL_COLLAPSED ? "collapsed" : "warning", r->epoch, r->evidence,
                r->cause, r->advice);
    detect_free(d);
}

void pfx_check_descriptor(const char *detector, unsigned flags, int priority, size_t min_params)
{
    g_autoptr(GPtrArray) all = tu_plugins_of(FL_KIND_DETECTOR);
    const fl_plugin *pl = NULL;
    for (guint k = 0; k < all->len; k++)
        if (strcmp(((const fl_plugin *)all->pdata[k])->name, detector) == 0)
            pl = all->pdata[k];
    if (!pl)
        g_error("detector %s not found", detector);
    const fl_detector_ops *ops = pl->ops.detector;
    g_assert_cmpint(pl->kind, ==, FL_KIND_DETECTOR);
    g_assert_nonnull(pl->summary);
    g_assert_cmpuint(strlen(pl->summary), >, 10);
    g_assert_cmpuint(ops->flags, ==, flags);
    g_assert_cmpint(ops->priority, ==, priority);
    g_assert_true(ops->preflight || ops->observe);
    g_assert_nonnull(pl->params);
    /* Every detector names its thresholds, with a default and a help line. */
    size_t rows = 0;
    for (const fl_param *p = params_first(pl); p; p = params_next(pl, p), rows++) {
        g_assert_nonnull(p->def);
        g_assert_nonnull(p->help);
        g_assert_cmpuint(strlen(p->help), >, 10);
    }
    g_assert_cmpuint(rows, >=, min_params);
}

void pfx_assert_healthy_silent(const char *detector)
{
    /* One output and several, three layers, two inputs. */
    for (size_t no = 1; no <= 3; no += 2) {
        g_autoptr(pfx) f = pfx_new(no, 3, 2, 50);
        pfx_push(f);
        pfx_push_healthy(f, 60);
        g_assert_cmpint(pfx_level(f, detector, NULL), ==, 0);
    }
    /* A regression and a binary classification with four inputs. */
    for (int classify = 0; classify < 2; classify++) {
        g_autoptr(pfx) f = pfx_new(1, 3, 4, 50);
        if (classify) {
            pfx_data d = pfx_arrays(f);
            pfx_set_loss(f, "bce");
            f->p.n_classes = 2;
            f->p.baseline_loss = log(2.0);
            d.class_fraction[0] = d.class_fraction[1] = 0.5;
            d.target_mean[0] = 0.5;
            d.target_std[0] = 0.5;
            d.target_min[0] = 0;
            d.target_max[0] = 1;
            pfx_layer(f, 2)->activation.kind = FL_ACT_SIGMOID;
        }
        pfx_push_healthy(f, 60);
        pfx_assert_silent(f, detector, NULL);
    }
}

typedef struct detector_list {
    const pfx_detector *d;
    size_t n;
} detector_list;

static void test_descriptors(gconstpointer data)
{
    const detector_list *l = data;
    for (size_t i = 0; i < l->n; i++)
        pfx_check_descriptor(l->d[i].name, l->d[i].flags, l->d[i].priority, l->d[i].min_params);
}

static void test_healthy(gconstpointer data)
{
    const detector_list *l = data;
    for (size_t i = 0; i < l->n; i++)
        pfx_assert_healthy_silent(l->d[i].name);
}

void pfx_add_detector_tests(const char *prefix, const pfx_detector *detectors, size_t n)
{
    g_autofree char *desc = g_strconcat(prefix, "/descriptors", NULL);
    g_autofree char *healthy = g_strconcat(prefix, "/healthy", NULL);
    /* Static: the tests read the list when they run, after this returns. */
    static detector_list lists[16];
    static size_t n_lists;
    g_assert_cmpuint(n_lists, <, G_N_ELEMENTS(lists));
    detector_list *l = &lists[n_lists++];
    *l = (detector_list){detectors, n};
    g_test_add_data_func(desc, l, test_descriptors);
    g_test_add_data_func(healthy, l, test_healthy);
}

const char *pfx_fmt(const char *format, ...)
{
    /* Kept for the life of the test program, like the literals they stand beside. */
    static GPtrArray *strings;
    if (!strings)
        strings = g_ptr_array_new();
    va_list ap;
    va_start(ap, format);
    char *s = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_ptr_array_add(strings, s);
    return s;
}
