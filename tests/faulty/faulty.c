/* faulty.c — a test-only layer that misbehaves on purpose: it passes its input through
 * unchanged (mode "ok"), or crashes, aborts or hangs on its first forward pass, so the
 * sweep tests can check that one bad run costs one run. */
#include <flatline/plugin.h>

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct faulty_opts {
    int mode;
} faulty_opts;

enum { MODE_OK, MODE_SEGV, MODE_ABORT, MODE_HANG };

static const fl_param faulty_params[] = {
    {"mode", FL_PARAM_CHOICE, "\"ok\"", NULL, "ok|segv|abort|hang",
     "how to misbehave on the first forward pass", offsetof(faulty_opts, mode)},
    FL_PARAM_END};

typedef struct faulty {
    int mode;
    size_t n;
} faulty;

static int faulty_create(const fl_host *host, const void *opts, size_t n_in,
                         fl_layer_info *info, void **state)
{
    (void)host;
    faulty *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->mode = ((const faulty_opts *)opts)->mode;
    f->n = n_in;
    info->n_out = n_in;
    info->activation.kind = FL_ACT_LINEAR;
    info->n_tensors = 0;
    *state = f;
    return 0;
}

static int faulty_bind(void *state, float *const *t, float *const *g)
{
    (void)state, (void)t, (void)g;
    return 0;
}

static int faulty_forward(void *state, float *y, const float *x, size_t batch, bool training,
                          fl_rng *rng)
{
    faulty *f = state;
    (void)training, (void)rng;
    switch (f->mode) {
    case MODE_SEGV: raise(SIGSEGV); break;
    case MODE_ABORT: abort();
    case MODE_HANG:
        for (;;)
            pause();
    default: break;
    }
    memcpy(y, x, batch * f->n * sizeof(float));
    return 0;
}

static int faulty_backward(void *state, float *dx, const float *dy, const float *y,
                           const float *x, size_t batch)
{
    faulty *f = state;
    (void)y, (void)x;
    if (dx)
        memcpy(dx, dy, batch * f->n * sizeof(float));
    return 0;
}

static void faulty_destroy(void *state) { free(state); }

static const fl_layer_ops faulty_ops = {faulty_create, faulty_bind, faulty_forward,
                                        faulty_backward, faulty_destroy};

FL_PLUGIN_DEFINE(FL_KIND_LAYER, "faulty", "test only: passes through, or crashes or hangs",
                 faulty_params, faulty_opts, faulty_ops);
