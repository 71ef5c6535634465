/* fixer.c — test only: a detector that calls a learning rate below 1e-4 a collapse before
 * training and proposes three fixes in this order: the rate it already has (no change: to
 * be skipped), a zero initializer (which does not help: rerun, not verified), then
 * lr = 0.001 (verified, from a grid point that has it or from a rerun).  With
 * train.epochs = 101 it warns at any other rate and proposes 100 epochs. */
#include <flatline/plugin.h>

static int fixer_preflight(void *state, const void *opts, const fl_probes *p,
                           fl_report_fn report, void *ctx)
{
    (void)state, (void)opts;
    /* A warning of its own for 101 epochs, proposing 100: a fix that heals the collapse
     * but leaves the runs warning is completed by this one. */
    if (p->base_lr >= 1e-4 && p->max_epochs == 101) {
        static const char *const more[] = {"train.epochs=100", NULL};
        const fl_fix fix = {.size = sizeof(fl_fix), .edits = more, .reason = "101 is unlucky"};
        report(ctx, &(fl_finding){.size = sizeof(fl_finding),
                                  .level = FL_LEVEL_WARNING,
                                  .epoch = 0,
                                  .evidence = "101 epochs",
                                  .cause = "an unlucky number of epochs",
                                  .fixes = &fix,
                                  .n_fixes = 1,
                                  .fix_stride = sizeof(fl_fix)});
        return 0;
    }
    if (!(p->base_lr < 1e-4))
        return 0;
    static const char *const same[] = {"optimizer.lr=1e-6", NULL};
    static const char *const zeros[] = {"model.h1.init=zeros", NULL};
    static const char *const raise[] = {"optimizer.lr=0.001", NULL};
    const fl_fix fixes[] = {
        {.size = sizeof(fl_fix), .edits = same, .reason = "no change at all"},
        {.size = sizeof(fl_fix), .edits = zeros, .reason = "a wrong fix"},
        {.size = sizeof(fl_fix), .edits = raise, .reason = "the rate is too small"},
    };
    report(ctx, &(fl_finding){.size = sizeof(fl_finding),
                              .level = FL_LEVEL_COLLAPSED,
                              .epoch = 0,
                              .evidence = "lr below 1e-4",
                              .cause = "the learning rate is too small",
                              .fixes = fixes,
                              .n_fixes = 3,
                              .fix_stride = sizeof(fl_fix)});
    return 0;
}

FL_DETECTOR_PLUGIN("fixer", "test only: a tiny rate collapses, with candidate fixes", NULL,
                   fl_no_opts, .flags = FL_DETECTS_CAUSE, .preflight = fixer_preflight);
