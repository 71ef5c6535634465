/* synth.h — what the synthetic dataset generators share: a small seeded random stream and
 * the allocation of an fl_dataset with generic column names.
 *
 * A dataset's load() receives a seed, not one of the core's streams, and the data must be
 * the same for a seed on every machine and in every build, so the generators carry their
 * own generator: xoshiro256** seeded through splitmix64 (Blackman and Vigna), with
 * one-value-per-call Box-Muller normals.  A `stream` number separates independent draws
 * (the hidden weights of a task from its samples), so that changing `samples` keeps the
 * task itself the same.  Everything here is static inline: each generator is its own
 * shared object and uses only part of it.
 */
#ifndef FL_DATASET_SYNTH_H
#define FL_DATASET_SYNTH_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <flatline/plugin.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
/* Write class `label` of sample i into the zeroed y: one 0/1 column, or one-hot columns
 * when n_out > 1. */
static inline void synth_set_class(fl_dataset *out, size_t i, uint32_t label)
{
    if (out->n_out == 1)
        out->y[i] = (float)label;
    else
        out->y[i * out->n_out + label] = 1.0f;
}

#endif

/* Streams: drawing noise or the task's hidden weights from their own streams keeps the
 * inputs of a seed the same whatever `noise` is, and the task the same whatever `samples`
 * is. */
enum { SYNTH_STREAM_SAMPLES = 0, SYNTH_STREAM_TASK = 1, SYNTH_STREAM_NOISE = 2 };

typedef struct synth_rng {
    uint64_t s[4];
} synth_rng;

static inline uint64_t synth_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A stream for (seed, stream): distinct pairs give unrelated sequences. */
static inline void synth_rng_init(synth_rng *rng, uint64_t seed, uint64_t stream)
{
    uint64_t state = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (int i = 0; i < 4; i++)
        rng->s[i] = synth_splitmix64(&state);
}

static inline uint64_t synth_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t synth_next(synth_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = synth_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = synth_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1), 53 random bits. */
static inline double synth_uniform(synth_rng *rng)
{
    return (double)(synth_next(rng) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi). */
static inline double synth_range(synth_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * synth_uniform(rng);
}

/* Standard normal (Box-Muller; u1 in (0, 1] keeps the logarithm finite). */
static inline double synth_normal(synth_rng *rng)
{
    double u1 = 1.0 - synth_uniform(rng);
    double u2 = synth_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Uniform integer in [0, n), n > 0; the multiply-shift bias is below 2^-32 for the sizes
 * used here. */
static inline uint64_t synth_below(synth_rng *rng, uint64_t n)
{
    return (uint64_t)(synth_uniform(rng) * (double)n) % n;
}

/* Shuffle labels[0..n) in place (Fisher-Yates), so that a dataset built class by class is
 * not stored sorted: a validation split taken from the end still sees every class. */
static inline void synth_shuffle(synth_rng *rng, uint32_t *labels, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)synth_below(rng, i);
        uint32_t t = labels[i - 1];
        labels[i - 1] = labels[j];
        labels[j] = t;
    }
}

/* n zeroed elements of `size` bytes from host->alloc, or NULL after saying why. */
static inline void *synth_scratch(const fl_host *host, size_t n, size_t size)
{
    void *p = host->alloc(n * size);
    if (!p)
        host->error(host, "cannot allocate %zu bytes for the dataset; lower `samples`", n * size);
    return p;
}

static inline char **synth_names(const fl_host *host, const char *prefix, size_t n)
{
    char **names = host->alloc(n * sizeof *names);
    if (!names)
        return NULL;
    char buf[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "%s%zu", prefix, i);
        names[i] = host->strdup(buf);
    }
    return names;
}

/* Give back what synth_alloc took, leaving *out as it was handed over (all zero but its
 * size). */
static inline void synth_free(const fl_host *host, fl_dataset *out)
{
    for (size_t i = 0; out->in_names && i < out->n_in; i++)
        host->free(out->in_names[i]);
    for (size_t i = 0; out->out_names && i < out->n_out; i++)
        host->free(out->out_names[i]);
    host->free(out->in_names);
    host->free(out->out_names);
    host->free(out->x);
    host->free(out->y);
    *out = (fl_dataset){.size = out->size};
}

/* Refuse a table over 2^30 floats (4 GiB): such a size is a typo in `samples` or
 * `features` rather than an experiment for this program. */
#define SYNTH_MAX_FLOATS ((size_t)1 << 30)

/* Give *out zeroed x (n, n_in) and y (n, n_out) and the names x0.. and y0..; the core
 * frees them.  Fails, explaining why, when the table would be too large. */
static inline int synth_alloc(const fl_host *host, fl_dataset *out, size_t n, size_t n_in,
                              size_t n_out)
{
    size_t width = n_in > n_out ? n_in : n_out;
    if (width != 0 && n > SYNTH_MAX_FLOATS / width) {
        host->error(host,
                    "%zu samples of %zu values each are more than 2^30 floats (4 GiB); lower "
                    "`samples`",
                    n, width);
        return -1;
    }
    out->n_samples = n;
    out->n_in = n_in;
    out->n_out = n_out;
    out->x = host->alloc(n * n_in * sizeof(float));
    out->y = host->alloc(n * n_out * sizeof(float));
    out->in_names = synth_names(host, "x", n_in);
    out->out_names = synth_names(host, "y", n_out);
    if (!out->x || !out->y || !out->in_names || !out->out_names) {
        host->error(host,
                    "cannot allocate %zu samples of %zu values (%zu bytes); lower "
                    "`samples`",
                    n, n_in + n_out, n * (n_in + n_out) * sizeof(float));
        synth_free(host, out);
        return -1;
    }
    return 0;
}

/* Write class `label` of sample i into the zeroed y: one 0/1 column, or one-hot columns
 * when n_out > 1. */
static inline void synth_set_class(fl_dataset *out, size_t i, uint32_t label)
{
    if (out->n_out == 1)
        out->y[i] = (float)label;
    else
        out->y[i * out->n_out + label] = 1.0f;
}

#endif
