/* flatten.c — a sample of any shape as a flat vector (Keras Flatten).
 *
 * Samples are row-major and channels last, so Keras' order (rows, then columns, then
 * channels) is the order the values already have: forward and backward are copies. */
#include <glib.h>
#include <string.h>
#include <flatline/plugin.h>

typedef struct flatten {
    size_t n;
} flatten;

static int flatten_create(const fl_host *host, const void *opts, const fl_shape *in,
                          fl_layer_info *info, void **state)
{
    (void)opts;
    size_t n = fl_shape_count(in);
    if (n == 0 || n > UINT32_MAX) {
        host->error(host, "flatten layer: its input has %zu values per sample; check the layer "
                          "it reads", n);
        return -1;
    }
    flatten *f = g_new0(flatten, 1);
    f->n = n;
    info->out_shape = (fl_shape){.rank = 1, .dims = {(uint32_t)n}};
    info->units = n;
    info->activation = (fl_activation){.kind = FL_ACT_LINEAR};
    *state = f;
    return 0;
}

static int flatten_bind(void *state, const fl_bind *bind)
{
    (void)state;
    (void)bind;
    return 0;
}

static int flatten_forward(void *state, const fl_pass *pass, float *y, const float *x)
{
    const flatten *f = state;
    memcpy(y, x, pass->batch * f->n * sizeof(float));
    return 0;
}

static int flatten_backward(void *state, const fl_pass *pass, float *dx, const float *dy,
                            const float *y, const float *x)
{
    const flatten *f = state;
    (void)y;
    (void)x;
    if (dx)
        memcpy(dx, dy, pass->batch * f->n * sizeof(float));
    return 0;
}

static void flatten_destroy(void *state)
{
    g_free(state);
}

FL_LAYER_PLUGIN("flatten", "a sample of any shape as a flat vector, in Keras' order (Flatten)",
                NULL, fl_no_opts, .flags = FL_LAYER_RESHAPES | FL_LAYER_REUSABLE,
                .create = flatten_create, .bind = flatten_bind, .forward = flatten_forward,
                .backward = flatten_backward, .destroy = flatten_destroy);
