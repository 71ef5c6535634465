/* faulty.c — a test-only layer that misbehaves on purpose: it passes its input through
 * unchanged (mode "ok"), or crashes, aborts, hangs, runs out of memory (an allocation
 * through the host, which aborts like the core's own) or fails with a message holding a
 * terminal escape sequence on its first forward pass, so the sweep tests can check that
 * one bad run costs one run and what they say reaches the terminal escaped.  It can train
 * in a pack of runs (FL_LAYER_PACKS: it passes every run's batch through), and mode
 * "pack_segv" crashes only in a pack of more than one run, never alone. */
#include <flatline/plugin.h>
#include <glib.h>

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct faulty_opts {
    int mode;
} faulty_opts;

enum { MODE_OK, MODE_SEGV, MODE_ABORT, MODE_HANG, MODE_OOM, MODE_ERROR, MODE_PACK_SEGV };

static const fl_param faulty_params[] = {
    {"mode", FL_PARAM_CHOICE, "\"ok\"", NULL, "ok|segv|abort|hang|oom|error|pack_segv",
     "how to misbehave on the first forward pass", offsetof(faulty_opts, mode)},
    FL_PARAM_END};

typedef struct faulty {
    const fl_host *host;
    int mode;
    size_t n;
    size_t pack; /* runs per pass unless the pass says fewer */
} faulty;

static int faulty_create(const fl_host *host, const void *opts, const fl_shape *in,
                         fl_layer_info *info, void **state)
{
    faulty *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->host = host;
    f->mode = ((const faulty_opts *)opts)->mode;
    f->n = fl_shape_count(in);
    info->out_shape = *in;
    info->activation.kind = FL_ACT_LINEAR;
    *state = f;
    return 0;
}

static int faulty_bind(void *state, const fl_bind *bind)
{
    faulty *f = state;
    f->pack = FL_HAS(fl_bind, bind, pack_strides) && bind->pack > 1 ? bind->pack : 1;
    return 0;
}

static size_t faulty_runs(const faulty *f, const fl_pass *pass)
{
    return FL_HAS(fl_pass, pass, runs) && pass->runs ? pass->runs : f->pack;
}

static int faulty_forward(void *state, const fl_pass *pass, float *y, const float *x)
{
    faulty *f = state;
    switch (f->mode) {
    case MODE_SEGV: raise(SIGSEGV); break;
    case MODE_ABORT: abort();
    case MODE_HANG:
        for (;;)
            pause();
    /* An allocation that aborts on failure, as GLib's g_malloc does anywhere in the core. */
    case MODE_OOM: g_free(g_malloc(SIZE_MAX / 2)); break;
    case MODE_ERROR:
        /* A title-setting OSC sequence and a screen clear, as a hostile file name would
         * carry them into a message. */
        f->host->error(f->host, "bad input \033]0;pwned\007\033[2J here");
        return -1;
    case MODE_PACK_SEGV:
        if (faulty_runs(f, pass) > 1)
            raise(SIGSEGV);
        break;
    default: break;
    }
    memcpy(y, x, faulty_runs(f, pass) * pass->batch * f->n * sizeof(float));
    return 0;
}

static int faulty_backward(void *state, const fl_pass *pass, float *dx, const float *dy,
                           const float *y, const float *x)
{
    faulty *f = state;
    (void)y, (void)x;
    if (dx)
        memcpy(dx, dy, faulty_runs(f, pass) * pass->batch * f->n * sizeof(float));
    return 0;
}

static void faulty_destroy(void *state) { free(state); }

FL_LAYER_PLUGIN("faulty", "test only: passes through, or crashes, hangs or runs out of memory",
                faulty_params, faulty_opts, .flags = FL_LAYER_REUSABLE | FL_LAYER_PACKS,
                .create = faulty_create, .bind = faulty_bind,
                .forward = faulty_forward, .backward = faulty_backward, .destroy = faulty_destroy);
