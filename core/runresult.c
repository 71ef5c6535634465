/* runresult.c — see runresult.h. */
#include "runresult.h"

#include <math.h>
#include <string.h>

const char *run_status_name(run_status st)
{
    switch (st) {
    case RUN_OK: return "ok";
    case RUN_CRASHED: return "crashed";
    case RUN_TIMEOUT: return "timeout";
    }
    return "crashed";
}

gboolean run_status_from_name(const char *name, run_status *st)
{
    for (run_status k = RUN_OK; k <= RUN_TIMEOUT; k++)
        if (name && strcmp(name, run_status_name(k)) == 0) {
            *st = k;
            return TRUE;
        }
    return FALSE;
}

void run_result_init(run_result *r)
{
    memset(r, 0, sizeof *r);
    r->status = RUN_OK;
    r->verdict = VERDICT_HEALTHY;
    r->final_loss = r->final_val_loss = r->wall_ms = NAN;
    r->baseline_loss = r->final_data_loss = r->final_accuracy = r->majority_accuracy = NAN;
}

void run_result_clear(run_result *r)
{
    g_free(r->id);
    g_free(r->fingerprint);
    g_strfreev(r->axis_keys);
    g_strfreev(r->axis_values);
    g_free(r->reason);
    g_free(r->causes);
    if (r->findings)
        g_ptr_array_free(r->findings, TRUE);
    g_free(r->advice);
    g_strfreev(r->out_names);
    g_free(r->target_std);
    if (r->metrics)
        g_string_free(r->metrics, TRUE);
    memset(r, 0, sizeof *r);
}

void run_result_free(run_result *r)
{
    if (!r)
        return;
    run_result_clear(r);
    g_free(r);
}
