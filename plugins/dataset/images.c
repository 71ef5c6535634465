/* images.c — the `images` dataset: small synthetic pictures for convolutional networks, so
 * every image experiment runs without downloads.
 *
 * Class k draws one pattern at a random phase or place: 0 horizontal stripes, 1 vertical
 * stripes, 2 a filled square, 3 diagonal stripes.  Pixels are 0.25 (background) or up to
 * 0.75 (pattern) before Gaussian noise (`noise`), clipped back to [0, 1] and multiplied
 * by `scale` (255: raw 8-bit pixels, the classic unscaled-input failure).  Each channel shows the pattern at its own
 * brightness.  Samples are (size, size, channels), channels last; targets are one-hot.
 * `imbalance` makes class 0 the majority as in `blobs`: every other class gets
 * floor(samples / (imbalance + classes - 1)) samples and class 0 the rest. */
#include <math.h>
#include <flatline/plugin.h>

#include "synth.h"

typedef struct images_opts {
    int samples;
    int size;
    int channels;
    int classes;
    double noise;
    double scale;
    double imbalance;
} images_opts;

static const fl_param images_params[] = {
    {"samples", FL_PARAM_INT, "600", "[1, 10000000]", NULL, "number of images",
     offsetof(images_opts, samples)},
    {"size", FL_PARAM_INT, "8", "[4, 512]", NULL, "rows and columns of each image",
     offsetof(images_opts, size)},
    {"channels", FL_PARAM_INT, "1", "[1, 64]", NULL, "channels per pixel",
     offsetof(images_opts, channels)},
    {"classes", FL_PARAM_INT, "3", "[2, 4]", NULL,
     "patterns: horizontal stripes, vertical stripes, square, diagonal stripes",
     offsetof(images_opts, classes)},
    {"noise", FL_PARAM_FLOAT, "0.1", "[0, inf)", NULL, "std of the Gaussian pixel noise",
     offsetof(images_opts, noise)},
    {"scale", FL_PARAM_FLOAT, "1", "(0, inf)", NULL,
     "largest pixel value (255: raw 8-bit pixels)", offsetof(images_opts, scale)},
    {"imbalance", FL_PARAM_FLOAT, "1.0", "[1, inf)", NULL,
     "class 0 has about this many times the samples of each other class",
     offsetof(images_opts, imbalance)},
    FL_PARAM_END};

/* The clean pattern of class k at pixel (r, q): 0 or 1. */
static double images_pattern(uint32_t k, int r, int q, int phase, int top, int left, int side)
{
    switch (k) {
    case 0: return ((r + phase) / 2) % 2;
    case 1: return ((q + phase) / 2) % 2;
    case 2: return r >= top && r < top + side && q >= left && q < left + side;
    default: return ((r + q + phase) / 2) % 2;
    }
}

static int images_load(const fl_host *host, const void *opts_, const char *base_dir,
                       uint64_t seed, fl_dataset *out)
{
    const images_opts *opts = opts_;
    (void)base_dir;
    size_t n = (size_t)opts->samples, c = (size_t)opts->classes;
    int size = opts->size, ch = opts->channels;
    if (n < c) {
        host->error(host, "samples = %zu is fewer than classes = %zu; raise `samples`", n, c);
        return -1;
    }
    size_t per_other = (size_t)floor((double)n / (opts->imbalance + (double)(c - 1)));
    if (per_other < 1)
        per_other = 1;
    size_t n_first = n - (c - 1) * per_other;
    size_t n_in = (size_t)size * (size_t)size * (size_t)ch;
    if (synth_alloc(host, out, n, n_in, c) < 0)
        return -1;
    out->in_shape = (fl_shape){.rank = 3, .dims = {(uint32_t)size, (uint32_t)size, (uint32_t)ch}};
    uint32_t *labels = synth_scratch(host, n, sizeof *labels);
    if (!labels) {
        synth_free(host, out);
        return -1;
    }
    synth_rng rng, noise;
    synth_rng_init(&rng, seed, SYNTH_STREAM_SAMPLES);
    synth_rng_init(&noise, seed, SYNTH_STREAM_NOISE);
    for (size_t i = 0; i < n; i++)
        labels[i] = i < n_first ? 0 : (uint32_t)(1 + (i - n_first) / per_other);
    synth_shuffle(&rng, labels, n);
    for (size_t i = 0; i < n; i++) {
        int phase = (int)synth_below(&rng, 4);
        int side = size / 2;
        int top = (int)synth_below(&rng, (uint64_t)(size - side + 1));
        int left = (int)synth_below(&rng, (uint64_t)(size - side + 1));
        float *img = out->x + i * n_in;
        for (int r = 0; r < size; r++)
            for (int q = 0; q < size; q++)
                for (int k = 0; k < ch; k++) {
                    double gain = 1.0 - 0.5 * (double)k / (double)ch;
                    /* Levels 0.25 and 0.75 leave room for the noise: clipping is rare, so
                     * two seeds give different pixels almost everywhere. */
                    double v = 0.25 + 0.5 * gain * images_pattern(labels[i], r, q, phase, top,
                                                                  left, side);
                    v += opts->noise * synth_normal(&noise);
                    v = v < 0 ? 0 : v > 1 ? 1 : v;
                    img[(r * size + q) * ch + k] = (float)(v * opts->scale);
                }
        synth_set_class(out, i, labels[i]);
    }
    host->free(labels);
    return 0;
}

FL_DATASET_PLUGIN("images", "synthetic (size, size, channels) pictures: stripes and squares, "
                            "with noise, a pixel scale and class imbalance",
                  images_params, images_opts, .load = images_load);
