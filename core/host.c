/* host.c — the fl_host given to plugins: logging through GLib, an error slot that a
 * failing plugin fills and the core turns into a GError, GLib-backed random streams, and
 * one CPU oneDNN engine and stream shared by every layer of a run. */
#include "host.h"

#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdarg.h>
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

G_DEFINE_QUARK(flatline-host-error-quark, host_error)

struct fl_rng {
    GRand *rand;
};

typedef struct host_priv {
    GString *error;   /* message from the last failing plugin call, or empty */
    char *last_warning;
} host_priv;

static void host_log(const fl_host *host, fl_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    host_priv *priv = host->priv;
    switch (level) {
    case FL_LOG_DEBUG: g_debug("%s", msg); break;
    case FL_LOG_INFO: g_info("%s", msg); break;
    case FL_LOG_WARNING:
        g_free(priv->last_warning);
        priv->last_warning = g_strdup(msg);
        g_printerr("flatline: warning: %s\n", msg);
        break;
    }
}

static void host_set_error(const fl_host *host, const char *fmt, ...)
{
    host_priv *priv = host->priv;
    va_list ap;
    va_start(ap, fmt);
    /* A plugin may explain in several calls; keep the first explanation whole. */
    if (priv->error->len == 0)
        g_string_vprintf(priv->error, fmt, ap);
    va_end(ap);
}

/* NULL when the memory cannot be had: the plugin says so and fails, and the run is
 * marked crashed instead of the process aborting. */
static void *host_alloc(size_t size) { return g_try_malloc0(size ? size : 1); }
static void host_free_mem(void *ptr) { g_free(ptr); }
static char *host_strdup(const char *s) { return g_strdup(s); }

void host_set_threads(int threads)
{
#ifdef _OPENMP
    /* flatline's networks are small: one thread per run is fastest, and sweeps get their
     * parallelism from running several runs at once. */
    omp_set_num_threads(threads > 0 ? threads : 1);
#else
    (void)threads;
#endif
}

fl_host *host_new(int threads, GError **error)
{
    (void)threads; /* oneDNN's OpenMP threads are set by the caller (omp env) */
    dnnl_engine_t engine = NULL;
    dnnl_stream_t stream = NULL;
    dnnl_status_t st = dnnl_engine_create(&engine, dnnl_cpu, 0);
    if (st != dnnl_success) {
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_DNNL,
                    "oneDNN: cannot create the CPU engine: %s", dnnl_status2str(st));
        return NULL;
    }
    st = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
    if (st != dnnl_success) {
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_DNNL,
                    "oneDNN: cannot create a stream: %s", dnnl_status2str(st));
        dnnl_engine_destroy(engine);
        return NULL;
    }
    fl_host *host = g_new0(fl_host, 1);
    host_priv *priv = g_new0(host_priv, 1);
    priv->error = g_string_new(NULL);
    host->size = sizeof(fl_host);
    host->abi_major = FL_ABI_MAJOR;
    host->abi_minor = FL_ABI_MINOR;
    host->log = host_log;
    host->error = host_set_error;
    host->rng_uniform = rng_uniform;
    host->rng_normal = rng_normal;
    host->rng_below = rng_below;
    host->alloc = host_alloc;
    host->free = host_free_mem;
    host->strdup = host_strdup;
    host->dnnl_engine = engine;
    host->dnnl_stream = stream;
    host->priv = priv;
    return host;
}

void host_free(fl_host *host)
{
    if (!host)
        return;
    host_priv *priv = host->priv;
    if (host->dnnl_stream)
        dnnl_stream_destroy(host->dnnl_stream);
    if (host->dnnl_engine)
        dnnl_engine_destroy(host->dnnl_engine);
    g_string_free(priv->error, TRUE);
    g_free(priv->last_warning);
    g_free(priv);
    g_free(host);
}

void host_take_error(fl_host *host, GError **error, const char *context_fmt, ...)
{
    host_priv *priv = host->priv;
    va_list ap;
    va_start(ap, context_fmt);
    g_autofree char *context = g_strdup_vprintf(context_fmt, ap);
    va_end(ap);
    if (priv->error->len)
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN, "%s%s", context, priv->error->str);
    else
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_PLUGIN,
                    "%sfailed without saying why (a bug in the plugin)", context);
    g_string_truncate(priv->error, 0);
}

void *host_try_new0(size_t n, size_t size, const char *what, GError **error)
{
    size_t bytes = n ? n : 1;
    if (size && bytes > G_MAXSIZE / size) {
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_MEMORY,
                    "cannot allocate %zu x %zu bytes for %s: more than the address space", n, size,
                    what);
        return NULL;
    }
    bytes *= size ? size : 1;
    void *p = g_try_malloc0(bytes);
    if (!p)
        g_set_error(error, FL_HOST_ERROR, HOST_ERROR_MEMORY, "cannot allocate %zu bytes for %s",
                    bytes, what);
    return p;
}

void host_clear_error(fl_host *host)
{
    host_priv *priv = host->priv;
    g_string_truncate(priv->error, 0);
}

const char *host_last_warning(fl_host *host)
{
    return ((host_priv *)host->priv)->last_warning;
}

/* ---- random streams ---- */

/* splitmix64: spreads (seed, stream) into well-separated 32-bit seed words. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

fl_rng *rng_derive(uint64_t seed, uint64_t stream)
{
    uint64_t state = seed ^ (stream * 0xD1B54A32D192ED03ull);
    guint32 words[4];
    for (int i = 0; i < 4; i++)
        words[i] = (guint32)(splitmix64(&state) >> 32);
    fl_rng *rng = g_new0(fl_rng, 1);
    rng->rand = g_rand_new_with_seed_array(words, 4);
    return rng;
}

fl_rng *rng_new(uint64_t seed) { return rng_derive(seed, 0); }

void rng_free(fl_rng *rng)
{
    if (!rng)
        return;
    g_rand_free(rng->rand);
    g_free(rng);
}

double rng_uniform(fl_rng *rng) { return g_rand_double(rng->rand); }

double rng_normal(fl_rng *rng)
{
    /* Box-Muller, one value per call: no cached state, so streams stay easy to reason about. */
    double u1;
    do
        u1 = g_rand_double(rng->rand);
    while (u1 <= 0.0);
    double u2 = g_rand_double(rng->rand);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * G_PI * u2);
}

uint32_t rng_below(fl_rng *rng, uint32_t n)
{
    g_return_val_if_fail(n > 0, 0);
    return (uint32_t)g_rand_int_range(rng->rand, 0, (gint32)MIN(n, (uint32_t)G_MAXINT32));
}

/* g_rand_int_range(rand, 0, n) (GLib 2.2 and later, unless G_RANDOM_VERSION says
 * otherwise) draws 32 bits until they are at most the largest multiple of n less one, then
 * takes them modulo n: two divisions a draw, a third of a seed-scale run's shuffling.  The
 * same numbers here: the bound computed once, the remainder by Lemire's multiplication
 * (exact for every 32-bit dividend and divisor).  tests/test-rng.c compares the two. */
void rng_range_init(rng_range *r, uint32_t n)
{
    g_return_if_fail(n > 0);
    r->n = MIN(n, (uint32_t)G_MAXINT32);
    static gsize asked;
    static gboolean glib_own;
    if (g_once_init_enter(&asked)) {
        glib_own = g_getenv("G_RANDOM_VERSION") != NULL;
        g_once_init_leave(&asked, 1);
    }
    r->glib = glib_own;
    uint32_t leftover = (0x80000000u % r->n) * 2; /* 2^32 mod n */
    if (leftover >= r->n)
        leftover -= r->n;
    r->max = 0xffffffffu - leftover;
    r->magic = UINT64_MAX / r->n + 1;
}

uint32_t rng_below_in(fl_rng *rng, const rng_range *r)
{
    if (G_UNLIKELY(r->glib))
        return (uint32_t)g_rand_int_range(rng->rand, 0, (gint32)r->n);
    uint32_t raw;
    do
        raw = g_rand_int(rng->rand);
    while (raw > r->max);
    __extension__ typedef unsigned __int128 u128;
    return (uint32_t)(((u128)(r->magic * raw) * r->n) >> 64);
}
