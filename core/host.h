/* host.h — the services the core gives plugins (flatline/plugin.h: fl_host): logging,
 * error reporting, seeded random streams, memory and the shared oneDNN engine. */
#ifndef FL_HOST_H
#define FL_HOST_H

#include <glib.h>
#include <flatline/plugin.h>

#define FL_HOST_ERROR (host_error_quark())
GQuark host_error_quark(void);
typedef enum { HOST_ERROR_PLUGIN, HOST_ERROR_DNNL, HOST_ERROR_MEMORY } HostError;

/* oneDNN's (OpenMP) threads for this process; 0 or less: 1. */
void host_set_threads(int threads);

/* A host with a CPU oneDNN engine and stream.  threads: oneDNN threads (0: leave as is). */
fl_host *host_new(int threads, GError **error);
void host_free(fl_host *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fl_host, host_free)

/* After a plugin operation returned < 0: move the message it gave host->error() into
 * *error, prefixed with the context ("layer h1 (dense): ").  Without a message the error
 * says the plugin failed without saying why. */
void host_take_error(fl_host *host, GError **error, const char *context_fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* Forget any message left by a plugin. */
void host_clear_error(fl_host *host);
/* Messages logged at WARNING, for tests: the last one or NULL. */
const char *host_last_warning(fl_host *host);

/* n zeroed elements of `size` bytes for the core's big arrays (weights, activations, data),
 * or NULL with *error saying "cannot allocate N bytes for <what>": a run that does not fit
 * crashes with a reason instead of aborting the process. */
void *host_try_new0(size_t n, size_t size, const char *what, GError **error);

/* Seeded random streams (GLib's Mersenne Twister).  rng_derive gives an independent stream
 * for (seed, stream id): the run seed drives init, shuffling and dropout separately. */
fl_rng *rng_new(uint64_t seed);
fl_rng *rng_derive(uint64_t seed, uint64_t stream);
void rng_free(fl_rng *rng);
double rng_uniform(fl_rng *rng);
double rng_normal(fl_rng *rng);
uint32_t rng_below(fl_rng *rng, uint32_t n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fl_rng, rng_free)

/* rng_below(rng, n)'s number, with the bound's constants worked out once: a loop that draws
 * below the same bounds again and again (an epoch's shuffle) pays no division a draw. */
typedef struct rng_range {
    uint32_t n;     /* draws are below n, 1 <= n <= 2^31 - 1 */
    uint32_t max;   /* larger raw draws are drawn again */
    uint64_t magic; /* 2^64 / n rounded up: the remainder by a multiplication */
    gboolean glib;  /* G_RANDOM_VERSION asks GLib for another algorithm: ask GLib */
} rng_range;
void rng_range_init(rng_range *r, uint32_t n);
uint32_t rng_below_in(fl_rng *rng, const rng_range *r);

#endif
