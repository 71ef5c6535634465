/* brief.c — test only: a detector that warns brief (FL_FINDING_BRIEF) at every epoch from
 * epoch 1 and says in full, when asked (describe), how often it was called.  At epoch 4 it
 * does not confirm its warning, which must then be dropped. */
#include <flatline/plugin.h>

#include <stdio.h>

typedef struct brief_state {
    int observes, describes;
} brief_state;

static int brief_create(const fl_host *host, const void *opts, void **state)
{
    (void)host, (void)opts;
    *state = calloc(1, sizeof(brief_state));
    return *state ? 0 : -1;
}

static int brief_observe(void *state, const void *opts, const fl_probes *p,
                         fl_report_fn report, void *ctx)
{
    (void)opts;
    brief_state *st = state;
    st->observes++;
    if (p->n_epochs >= 1)
        report(ctx, &(fl_finding){.size = sizeof(fl_finding),
                                  .level = FL_LEVEL_WARNING,
                                  .epoch = (int)p->n_epochs,
                                  .flags = FL_FINDING_BRIEF});
    return 0;
}

static int brief_describe(void *state, const void *opts, const fl_probes *p,
                          fl_report_fn report, void *ctx)
{
    (void)opts;
    brief_state *st = state;
    st->describes++;
    if (p->n_epochs == 4)
        return 0;
    char evidence[96];
    snprintf(evidence, sizeof evidence, "epoch %zu, %d observes, %d describes", p->n_epochs,
             st->observes, st->describes);
    static const char *const more[] = {"train.epochs=100", NULL};
    const fl_fix fix = {.size = sizeof(fl_fix), .edits = more, .reason = "a test"};
    report(ctx, &(fl_finding){.size = sizeof(fl_finding),
                              .level = FL_LEVEL_WARNING,
                              .epoch = (int)p->n_epochs,
                              .evidence = evidence,
                              .cause = "a warning said in full",
                              .fixes = &fix,
                              .n_fixes = 1,
                              .fix_stride = sizeof(fl_fix)});
    return 0;
}

FL_DETECTOR_PLUGIN("brief", "test only: warns brief, describes when asked", NULL, fl_no_opts,
                   .flags = FL_DETECTS_CAUSE, .create = brief_create, .observe = brief_observe,
                   .destroy = free, .describe = brief_describe);
