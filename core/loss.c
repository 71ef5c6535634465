/* loss.c — see loss.h. */
#include "loss.h"
#include "host.h"

struct run_loss {
    const fl_plugin *plugin;
    const void *opts;
    void *state;
    fl_host *host;
};

run_loss *loss_new(const fl_ref *ref, fl_host *host, const float *target, size_t rows, size_t n,
                   GError **error)
{
    run_loss *l = g_new0(run_loss, 1);
    l->plugin = ref->plugin;
    l->opts = ref->opts;
    l->host = host;
    const fl_loss_ops *ops = ref->plugin->ops.loss;
    if (ops->create) {
        host_clear_error(host);
        if (ops->create(host, ref->opts, target, rows, n, &l->state) < 0) {
            l->state = NULL;
            host_take_error(host, error, "loss \"%s\": ", ref->plugin->name);
            loss_free(l);
            return NULL;
        }
    }
    return l;
}

void loss_free(run_loss *l)
{
    if (!l)
        return;
    const fl_loss_ops *ops = l->plugin->ops.loss;
    if (ops->destroy && l->state)
        ops->destroy(l->state);
    g_free(l);
}

gboolean loss_compute(run_loss *l, double *loss, float *dpred, const float *pred,
                      const float *target, size_t batch, size_t n, GError **error)
{
    host_clear_error(l->host);
    if (l->plugin->ops.loss->compute(l->host, l->opts, l->state, loss, dpred, pred, target,
                                     batch, n) < 0) {
        host_take_error(l->host, error, "loss \"%s\": ", l->plugin->name);
        return FALSE;
    }
    return TRUE;
}

unsigned loss_flags(const run_loss *l) { return l->plugin->ops.loss->flags; }
