/* reporter.c — a detector that reports one finding before training, built twice: against
 * this tree's flatline/plugin.h (detector-reporter.so: with candidate fixes, a flag and
 * measures, and advice left to the fixes), and against a copy in which fl_finding ends before `fixes`, as
 * a plugin built for an older minor would have it (detector-older.so, REPORTER_OLDER).
 *
 * The older one places its finding at the very end of a readable page followed by one that
 * cannot be read, so a core that read a field past the size the plugin gave would fault
 * instead of quietly reading garbage.  Its evidence states that size for the test to check. */
#include <flatline/plugin.h>

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef REPORTER_OLDER
#define REPORTER_NAME "older"
#else
#define REPORTER_NAME "reporter"
#endif

static int reporter_preflight(void *state, const void *opts, const fl_probes *p,
                              fl_report_fn report, void *ctx)
{
    (void)state, (void)opts, (void)p;
    char evidence[64];
    snprintf(evidence, sizeof evidence, "a finding of %zu bytes", sizeof(fl_finding));
#ifdef REPORTER_OLDER
    long page = sysconf(_SC_PAGESIZE);
    char *pages = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED || mprotect(pages + page, (size_t)page, PROT_NONE) != 0)
        return -1;
    fl_finding *f = (fl_finding *)(void *)(pages + page - sizeof(fl_finding));
    *f = (fl_finding){.size = sizeof(fl_finding),
                      .level = FL_LEVEL_WARNING,
                      .epoch = 0,
                      .evidence = evidence,
                      .cause = "an older plugin's finding",
                      .advice = "nothing to do"};
    report(ctx, f);
    munmap(pages, 2 * (size_t)page);
#else
    static const char *const lower[] = {"optimizer.lr=0.0001", NULL};
    static const char *const both[] = {"optimizer.lr=0.001", "model.h1.init=he_uniform", NULL};
    const fl_fix fixes[] = {
        {.size = sizeof(fl_fix), .edits = lower, .reason = "the rate is too large"},
        {.size = sizeof(fl_fix), .edits = both, .reason = "a gentler start"},
    };
    /* Two good measures (one not finite), then a repeated name, a malformed one and none. */
    const fl_measure measures[] = {
        {.size = sizeof(fl_measure), .name = "h1_dead", .value = 0.25},
        {.size = sizeof(fl_measure), .name = "loss", .value = NAN},
        {.size = sizeof(fl_measure), .name = "h1_dead", .value = 2.0},
        {.size = sizeof(fl_measure), .name = "Bad name", .value = 3.0},
        {.size = sizeof(fl_measure), .name = NULL, .value = 4.0},
    };
    report(ctx, &(fl_finding){.size = sizeof(fl_finding),
                              .level = FL_LEVEL_COLLAPSED,
                              .epoch = 0,
                              .evidence = evidence,
                              .cause = "a finding with fixes",
                              .advice = NULL,
                              .fixes = fixes,
                              .n_fixes = 2,
                              .fix_stride = sizeof(fl_fix),
                              .flags = FL_FINDING_FIX_THE_DATA,
                              .measures = measures,
                              .n_measures = 5,
                              .measure_stride = sizeof(fl_measure)});
#endif
    return 0;
}

FL_DETECTOR_PLUGIN(REPORTER_NAME, "test only: reports one finding before training", NULL,
                   fl_no_opts, .flags = FL_DETECTS_CAUSE, .preflight = reporter_preflight);
