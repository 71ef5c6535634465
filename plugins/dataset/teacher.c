/* teacher.c — the `teacher` dataset: targets computed by a fixed random network.
 *
 * Inputs are standard normal; the target is the output of a teacher network with `depth`
 * tanh layers of `hidden` units and a linear output layer.  The teacher's weights are
 * normal with deviation gain / sqrt(fan_in) (gain 2 in the tanh layers, so they bend the
 * data without saturating it; 1 in the output layer) and its biases normal with deviation
 * 0.1, drawn from the seed on a stream of their own, so the task stays the same when only
 * `samples` changes.  A student at least as large as the teacher can fit it exactly; a
 * smaller one underfits by a measurable margin.
 */
#include <stddef.h>
#include "synth.h"

typedef struct teacher_opts {
    int samples;
    int features;
    int outputs;
    int hidden;
    int depth;
    double noise;
} teacher_opts;

static const fl_param teacher_params[] = {
    {"samples", FL_PARAM_INT, "100", "[1, 10000000]", NULL, "number of samples",
     offsetof(teacher_opts, samples)},
    {"features", FL_PARAM_INT, "4", "[1, 1000]", NULL, "number of standard normal inputs",
     offsetof(teacher_opts, features)},
    {"outputs", FL_PARAM_INT, "1", "[1, 1000]", NULL, "number of targets (teacher outputs)",
     offsetof(teacher_opts, outputs)},
    {"hidden", FL_PARAM_INT, "16", "[1, 1000]", NULL, "units in each hidden teacher layer",
     offsetof(teacher_opts, hidden)},
    {"depth", FL_PARAM_INT, "2", "[1, 20]", NULL, "number of hidden tanh layers of the teacher",
     offsetof(teacher_opts, depth)},
    {"noise", FL_PARAM_FLOAT, "0.0", "[0, inf)", NULL,
     "standard deviation of Gaussian noise added to each target", offsetof(teacher_opts, noise)},
    FL_PARAM_END};

/* One teacher layer: y (n_out) = act(W (n_out, n_in) x (n_in) + b). */
static void teacher_layer(double *y, const double *w, const double *b, const double *x,
                          size_t n_in, size_t n_out, int tanh_act)
{
    for (size_t o = 0; o < n_out; o++) {
        double s = b[o];
        for (size_t i = 0; i < n_in; i++)
            s += w[o * n_in + i] * x[i];
        y[o] = tanh_act ? tanh(s) : s;
    }
}

static int teacher_load(const fl_host *host, const void *opts_, const char *base_dir,
                        uint64_t seed, fl_dataset *out)
{
    const teacher_opts *opts = opts_;
    (void)base_dir;
    size_t n = (size_t)opts->samples, f = (size_t)opts->features, m = (size_t)opts->outputs;
    size_t h = (size_t)opts->hidden, depth = (size_t)opts->depth;
    if (synth_alloc(host, out, n, f, m) < 0)
        return -1;

    /* Layer l reads width in[l] and writes width outw[l]; weights of all layers, then biases,
     * in one block. */
    size_t n_layers = depth + 1, n_weights = 0, n_biases = 0;
    for (size_t l = 0; l < n_layers; l++) {
        size_t in = l == 0 ? f : h, ow = l == depth ? m : h;
        n_weights += in * ow;
        n_biases += ow;
    }
    double *w = synth_scratch(host, n_weights + n_biases, sizeof *w);
    if (!w) {
        synth_free(host, out);
        return -1;
    }
    double *b = w + n_weights;
    synth_rng task, rng, noise;
    synth_rng_init(&task, seed, SYNTH_STREAM_TASK);
    synth_rng_init(&rng, seed, SYNTH_STREAM_SAMPLES);
    synth_rng_init(&noise, seed, SYNTH_STREAM_NOISE);
    {
        double *wp = w, *bp = b;
        for (size_t l = 0; l < n_layers; l++) {
            size_t in = l == 0 ? f : h, ow = l == depth ? m : h;
            double dev = (l == depth ? 1.0 : 2.0) / sqrt((double)in);
            for (size_t k = 0; k < in * ow; k++)
                *wp++ = dev * synth_normal(&task);
            for (size_t k = 0; k < ow; k++)
                *bp++ = 0.1 * synth_normal(&task);
        }
    }

    size_t width = f > h ? f : h;
    width = width > m ? width : m;
    double *a = synth_scratch(host, 2 * width, sizeof *a);
    if (!a) {
        host->free(w);
        synth_free(host, out);
        return -1;
    }
    double *next = a + width;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < f; j++) {
            out->x[i * f + j] = (float)synth_normal(&rng);
            a[j] = out->x[i * f + j];
        }
        const double *wp = w, *bp = b;
        for (size_t l = 0; l < n_layers; l++) {
            size_t in = l == 0 ? f : h, ow = l == depth ? m : h;
            teacher_layer(next, wp, bp, a, in, ow, l != depth);
            for (size_t k = 0; k < ow; k++)
                a[k] = next[k];
            wp += in * ow;
            bp += ow;
        }
        for (size_t k = 0; k < m; k++) {
            double y = a[k];
            if (opts->noise > 0.0)
                y += opts->noise * synth_normal(&noise);
            out->y[i * m + k] = (float)y;
        }
    }
    host->free(a);
    host->free(w);
    return 0;
}

FL_DATASET_PLUGIN("teacher", "normal inputs, targets from a fixed random tanh teacher network",
                  teacher_params, teacher_opts, .load = teacher_load);
