/* layer-window.h — the geometry of a 2-D sliding window (convolution, pooling) as Keras
 * computes it (internal; each plugin compiles its own copy).
 *
 * "valid": no padding, out = floor((in - k) / s) + 1, and the window must fit.
 * "same":  out = ceil(in / s), padded by max((out - 1) s + k - in, 0) split with the odd
 *          one at the bottom/right (TensorFlow's rule), so padding_l <= padding_r.
 */
#ifndef FL_LAYER_WINDOW_H
#define FL_LAYER_WINDOW_H

#include <flatline/plugin.h>

enum { LAYER_PAD_VALID = 0, LAYER_PAD_SAME = 1 };

typedef struct layer_window {
    int kh, kw, sh, sw;
    int ih, iw, c;   /* the input sample (H, W, C) */
    int oh, ow;      /* the output's rows and columns */
    int pad_t, pad_l, pad_b, pad_r;
} layer_window;

/* Two ints from an `fl_ints` (one value: both), each >= 1; false otherwise. */
static inline bool layer_window_pair(const fl_ints *v, int *a, int *b)
{
    if (v->n == 1) {
        *a = *b = v->v[0];
    } else if (v->n == 2) {
        *a = v->v[0];
        *b = v->v[1];
    } else {
        return false;
    }
    return *a >= 1 && *b >= 1;
}

static inline void layer_window_axis(int in, int k, int s, int padding, int *out, int *lo,
                                     int *hi)
{
    if (padding == LAYER_PAD_SAME) {
        *out = (in + s - 1) / s;
        int total = (*out - 1) * s + k - in;
        if (total < 0)
            total = 0;
        *lo = total / 2;
        *hi = total - *lo;
    } else {
        *out = in >= k ? (in - k) / s + 1 : 0;
        *lo = *hi = 0;
    }
}

/* Fill w from the input shape, kernel, strides and padding.  Returns false, after saying
 * why through host->error(), when the input is not (H, W, C) or the window does not fit. */
static inline bool layer_window_init(const fl_host *host, const char *layer, const fl_shape *in,
                                     const fl_ints *kernel, const fl_ints *strides, int padding,
                                     layer_window *w)
{
    if (in->rank != 3) {
        host->error(host,
                    "%s layer: its input has %u ax%s; it reads images (H, W, C): give the "
                    "dataset `shape = [H, W, C]` or read a conv/pool layer",
                    layer, in->rank, in->rank == 1 ? "is" : "es");
        return false;
    }
    w->ih = (int)in->dims[0];
    w->iw = (int)in->dims[1];
    w->c = (int)in->dims[2];
    if (!layer_window_pair(kernel, &w->kh, &w->kw)) {
        host->error(host, "%s layer: the window must be one size or [rows, columns], each 1 or "
                          "more", layer);
        return false;
    }
    if (!layer_window_pair(strides, &w->sh, &w->sw)) {
        host->error(host, "%s layer: strides must be one int or [rows, columns], each 1 or more",
                    layer);
        return false;
    }
    layer_window_axis(w->ih, w->kh, w->sh, padding, &w->oh, &w->pad_t, &w->pad_b);
    layer_window_axis(w->iw, w->kw, w->sw, padding, &w->ow, &w->pad_l, &w->pad_r);
    if (w->oh < 1 || w->ow < 1) {
        host->error(host,
                    "%s layer: a %dx%d window does not fit its %dx%dx%d input with padding "
                    "\"valid\": use a smaller window, padding = \"same\", or fewer pooling "
                    "layers before it",
                    layer, w->kh, w->kw, w->ih, w->iw, w->c);
        return false;
    }
    return true;
}

#endif
