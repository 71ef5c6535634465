/* data.c — see data.h.  The shuffle and split use the data seed, not the run seed, so
 * every run of an experiment trains and validates on the same rows: runs differ by their
 * weights and batch order, never by which samples they saw. */
#include "data.h"
#include "host.h"

#include <math.h>
#include <string.h>

enum { STREAM_SPLIT = 101 };

void data_free(data_split *d)
{
    if (!d)
        return;
    g_free(d->x_train);
    g_free(d->y_train);
    g_free(d->x_val);
    g_free(d->y_val);
    if (d->probe_own) {
        g_free(d->x_probe);
        g_free(d->y_probe);
    }
    g_strfreev(d->in_names);
    g_strfreev(d->out_names);
    g_free(d->input_std);
    g_free(d->input_absmax);
    g_free(d->input_mean);
    g_free(d->target_std);
    g_free(d->target_mean);
    g_free(d);
}

static void free_plugin_data(fl_host *host, fl_dataset *ds)
{
    host->free(ds->x);
    host->free(ds->y);
    for (size_t i = 0; ds->in_names && i < ds->n_in; i++)
        host->free(ds->in_names[i]);
    for (size_t i = 0; ds->out_names && i < ds->n_out; i++)
        host->free(ds->out_names[i]);
    host->free(ds->in_names);
    host->free(ds->out_names);
}

static char **names_or_default(char **names, size_t n, const char *prefix)
{
    char **out = g_new0(char *, n + 1);
    for (size_t i = 0; i < n; i++)
        out[i] = names && names[i] ? g_strdup(names[i]) : g_strdup_printf("%s%zu", prefix, i);
    return out;
}

/* Mean and (population) standard deviation of each column of rows (n, cols). */
static void column_stats(const float *rows, size_t n, size_t cols, double *mean, double *std,
                         double *absmax)
{
    for (size_t c = 0; c < cols; c++) {
        double s = 0, m = 0;
        for (size_t r = 0; r < n; r++) {
            double v = rows[r * cols + c];
            s += v;
            if (absmax)
                m = MAX(m, fabs(v));
        }
        double mu = n ? s / (double)n : 0;
        double var = 0;
        for (size_t r = 0; r < n; r++) {
            double d = rows[r * cols + c] - mu;
            var += d * d;
        }
        mean[c] = mu;
        std[c] = n ? sqrt(var / (double)n) : 0;
        if (absmax)
            absmax[c] = m;
    }
}

/* Column c of the training and validation rows (cols values each) as (v - shift) / scale:
 * both splits with the training rows' numbers. */
static void scale_column(float *train, size_t n_train, float *val, size_t n_val, size_t cols,
                         size_t c, double shift, double scale)
{
    for (size_t r = 0; r < n_train; r++)
        train[r * cols + c] = (float)((train[r * cols + c] - shift) / scale);
    for (size_t r = 0; r < n_val; r++)
        val[r * cols + c] = (float)((val[r * cols + c] - shift) / scale);
}

/* Regression targets to mean 0 and std 1 per column, with the training rows' statistics
 * (a constant column is only shifted).  Everything after reads the scaled targets: losses,
 * metrics and detectors are in these units. */
static void standardize_targets(data_split *d)
{
    for (size_t c = 0; c < d->n_out; c++)
        scale_column(d->y_train, d->n_train, d->y_val, d->n_val, d->n_out, c, d->target_mean[c],
                     d->target_std[c] > 0 ? d->target_std[c] : 1.0);
}

static void normalize(data_split *d, normalize_mode mode)
{
    if (mode == NORMALIZE_NONE)
        return;
    for (size_t c = 0; c < d->n_in; c++) {
        double shift, scale;
        if (mode == NORMALIZE_STANDARD) {
            shift = d->input_mean[c];
            scale = d->input_std[c] > 0 ? d->input_std[c] : 1.0; /* a constant column stays 0 */
        } else {
            double lo = INFINITY, hi = -INFINITY;
            for (size_t r = 0; r < d->n_train; r++) {
                lo = MIN(lo, d->x_train[r * d->n_in + c]);
                hi = MAX(hi, d->x_train[r * d->n_in + c]);
            }
            shift = lo;
            scale = hi > lo ? hi - lo : 1.0;
        }
        scale_column(d->x_train, d->n_train, d->x_val, d->n_val, d->n_in, c, shift, scale);
    }
}


/* The probe batch: the first training rows, a sample of them since the rows were
 * shuffled before the split.  Unshuffled (dataset.shuffle = false) the first rows are the
 * file's first, often one class of a file sorted by label, where a classifier that is
 * right on every probe row looks constant: rows spread evenly over the training rows. */
static gboolean probe_rows(data_split *d, const experiment *e, GError **error)
{
    d->n_probe = MIN((size_t)MAX(e->train.probe, 0), d->n_train);
    d->x_probe = d->x_train;
    d->y_probe = d->y_train;
    if (e->data.shuffle || d->n_probe == 0 || d->n_probe == d->n_train)
        return TRUE;
    float *x = host_try_new0(d->n_probe * d->n_in, sizeof(float), "the probe inputs", error);
    float *y = x ? host_try_new0(d->n_probe * d->n_out, sizeof(float), "the probe targets",
                                 error)
                 : NULL;
    if (!y) {
        g_free(x);
        return FALSE;
    }
    for (size_t i = 0; i < d->n_probe; i++) {
        size_t r = i * d->n_train / d->n_probe;
        memcpy(x + i * d->n_in, d->x_train + r * d->n_in, d->n_in * sizeof(float));
        memcpy(y + i * d->n_out, d->y_train + r * d->n_out, d->n_out * sizeof(float));
    }
    d->x_probe = x;
    d->y_probe = y;
    d->probe_own = TRUE;
    return TRUE;
}
data_split *data_load(const experiment *e, fl_host *host, GError **error)
{
    const fl_dataset_ops *ops = e->dataset.plugin->ops.dataset;
    fl_dataset ds = {.size = sizeof ds};
    host_clear_error(host);
    if (ops->load(host, e->dataset.opts, e->base_dir, (uint64_t)e->data.seed, &ds) < 0) {
        free_plugin_data(host, &ds);
        host_take_error(host, error, "%s: dataset \"%s\": ", e->dataset_where,
                        e->dataset.plugin->name);
        return NULL;
    }
    if (ds.n_samples == 0 || ds.n_in == 0 || ds.n_out == 0 || !ds.x || !ds.y) {
        free_plugin_data(host, &ds);
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                    "%s: dataset \"%s\": produced no samples, inputs or targets",
                    e->dataset_where, e->dataset.plugin->name);
        return NULL;
    }
    if (ds.in_shape.rank > FL_MAX_RANK ||
        (ds.in_shape.rank && fl_shape_count(&ds.in_shape) != ds.n_in)) {
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                    "%s: dataset \"%s\": its input shape (rank %u, %zu values) does not hold "
                    "its %zu inputs (a bug in the plugin)",
                    e->dataset_where, e->dataset.plugin->name, ds.in_shape.rank,
                    ds.in_shape.rank > FL_MAX_RANK ? 0 : fl_shape_count(&ds.in_shape), ds.n_in);
        free_plugin_data(host, &ds);
        return NULL;
    }
    size_t n = ds.n_samples;
    for (size_t i = 0; i < n * ds.n_in; i++)
        if (!isfinite(ds.x[i])) {
            g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                        "dataset \"%s\": sample %zu, input %zu is not a finite number",
                        e->dataset.plugin->name, i / ds.n_in + 1, i % ds.n_in);
            free_plugin_data(host, &ds);
            return NULL;
        }
    for (size_t i = 0; i < n * ds.n_out; i++)
        if (!isfinite(ds.y[i])) {
            g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                        "dataset \"%s\": sample %zu, target %zu is not a finite number",
                        e->dataset.plugin->name, i / ds.n_out + 1, i % ds.n_out);
            free_plugin_data(host, &ds);
            return NULL;
        }

    /* Row order: shuffled once with the data seed (Fisher-Yates), so validation rows are
     * not simply the tail of a sorted file. */
    g_autofree size_t *order = host_try_new0(n, sizeof(size_t), "the row order", error);
    if (!order) {
        free_plugin_data(host, &ds);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    if (e->data.shuffle) {
        g_autoptr(fl_rng) rng = rng_derive((uint64_t)e->data.seed, STREAM_SPLIT);
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = rng_below(rng, (uint32_t)(i + 1));
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
    /* Keras' validation_split: the last fraction of the rows is held out. */
    size_t n_train = (size_t)floor((double)n * (1.0 - e->data.validation));
    if (n_train < 1) {
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                    "%s: dataset.validation = %g leaves no training sample out of %zu: lower "
                    "dataset.validation or add samples",
                    e->dataset_where, e->data.validation, n);
        free_plugin_data(host, &ds);
        return NULL;
    }
    g_autoptr(data_split) d = g_new0(data_split, 1);
    d->n_in = ds.n_in;
    d->n_out = ds.n_out;
    d->in_shape = ds.in_shape;
    d->n_train = n_train;
    d->n_val = n - n_train;
    if (!(d->x_train =
              host_try_new0(d->n_train * d->n_in, sizeof(float), "the training inputs", error)) ||
        !(d->y_train =
              host_try_new0(d->n_train * d->n_out, sizeof(float), "the training targets", error)) ||
        !(d->x_val = host_try_new0(MAX(d->n_val, (size_t)1) * d->n_in, sizeof(float),
                                   "the validation inputs", error)) ||
        !(d->y_val = host_try_new0(MAX(d->n_val, (size_t)1) * d->n_out, sizeof(float),
                                   "the validation targets", error))) {
        free_plugin_data(host, &ds);
        return NULL;
    }
    for (size_t r = 0; r < n; r++) {
        gboolean train = r < n_train;
        size_t dst = train ? r : r - n_train;
        memcpy((train ? d->x_train : d->x_val) + dst * d->n_in, ds.x + order[r] * ds.n_in,
               d->n_in * sizeof(float));
        memcpy((train ? d->y_train : d->y_val) + dst * d->n_out, ds.y + order[r] * ds.n_out,
               d->n_out * sizeof(float));
    }
    d->in_names = names_or_default(ds.in_names, ds.n_in, "x");
    d->out_names = names_or_default(ds.out_names, ds.n_out, "y");
    free_plugin_data(host, &ds);

    d->input_mean = g_new(double, d->n_in);
    d->input_std = g_new(double, d->n_in);
    d->input_absmax = g_new(double, d->n_in);
    column_stats(d->x_train, d->n_train, d->n_in, d->input_mean, d->input_std, d->input_absmax);
    d->target_mean = g_new(double, d->n_out);
    d->target_std = g_new(double, d->n_out);
    column_stats(d->y_train, d->n_train, d->n_out, d->target_mean, d->target_std, NULL);
    if (e->data.normalize_targets == NORMALIZE_STANDARD) {
        standardize_targets(d);
        column_stats(d->y_train, d->n_train, d->n_out, d->target_mean, d->target_std, NULL);
    }
    normalize(d, e->data.normalize);
    if (!probe_rows(d, e, error))
        return NULL;
    return g_steal_pointer(&d);
}
