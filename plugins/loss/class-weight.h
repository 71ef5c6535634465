/* class-weight.h — Keras' class_weight = "balanced" for the cross-entropies: the weight of
 * class c is n_samples / (n_classes * count_c), counted over the training targets, so that
 * every class carries the same total weight and a minority class is not drowned out.  A
 * row's weight is linear in its target (sum_c y_c w_c), which is the class weight for 0/1
 * and one-hot targets.  The batch loss stays the mean of the weighted per-sample losses
 * (Keras' sample weights, reduced over the batch size).  Shared by bce.c and cce.c; each
 * plugin is its own module, so everything here is static inline. */
#ifndef FL_LOSS_CLASS_WEIGHT_H
#define FL_LOSS_CLASS_WEIGHT_H

#include <flatline/plugin.h>
#include <stddef.h>

enum { CLASS_WEIGHT_NONE, CLASS_WEIGHT_BALANCED };

typedef struct class_weight_opts {
    int class_weight; /* CLASS_WEIGHT_* */
} class_weight_opts;

#define CLASS_WEIGHT_PARAM                                                                     \
    {"class_weight", FL_PARAM_CHOICE, "\"none\"", NULL, "none|balanced",                       \
     "\"balanced\": weight each class by n_samples / (n_classes * its count) in the training " \
     "targets (Keras), so a minority class counts as much as the majority",                    \
     offsetof(class_weight_opts, class_weight)}

/* Per-run weights: w[2 * j + c] for class c (0/1) of column j (binary: one pair per
 * column), or w[j] for class j (one-hot). */
typedef struct class_weight_state {
    const fl_host *host; /* whose free() destroy() calls */
    size_t n;
    double w[];
} class_weight_state;

static inline void class_weight_destroy(void *state)
{
    class_weight_state *s = state;
    if (s)
        s->host->free(s);
}

/* Count the classes of the training targets (rows, n) and keep their weights; *state stays
 * NULL without weighting.  one_hot: the n columns are the classes of one row; else each
 * column is a 0/1 class of its own. */
static inline int class_weight_create(const fl_host *host, const void *opts, const float *target,
                               size_t rows, size_t n, bool one_hot, void **state)
{
    const class_weight_opts *o = opts;
    *state = NULL;
    if (o->class_weight != CLASS_WEIGHT_BALANCED || rows == 0 || n == 0)
        return 0;
    size_t m = one_hot ? n : 2 * n;
    class_weight_state *s = host->alloc(sizeof *s + m * sizeof(double));
    if (!s) {
        host->error(host, "class_weight: cannot allocate %zu class weights", m);
        return -1;
    }
    s->host = host;
    s->n = m;
    double *count = s->w; /* counts first, weights in place after */
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++) {
            double y = target[r * n + j];
            if (one_hot)
                count[j] += y;
            else
                count[2 * j] += 1 - y, count[2 * j + 1] += y;
        }
    size_t classes = one_hot ? n : 2;
    for (size_t c = 0; c < m; c++)
        /* A class absent from the training rows weighs nothing in any row: leave it 1. */
        s->w[c] = count[c] > 0 ? (double)rows / ((double)classes * count[c]) : 1.0;
    *state = s;
    return 0;
}

/* The weight of column j's 0/1 target y (binary), 1 without weighting. */
static inline double class_weight_binary(const class_weight_state *s, size_t j, double y)
{
    return s ? (1 - y) * s->w[2 * j] + y * s->w[2 * j + 1] : 1.0;
}

/* The weight of a one-hot row y (n), 1 without weighting. */
static inline double class_weight_row(const class_weight_state *s, const float *y, size_t n)
{
    if (!s)
        return 1.0;
    double w = 0;
    for (size_t j = 0; j < n; j++)
        w += (double)y[j] * s->w[j];
    return w;
}

#endif
