/* verify.h — diagnosis by intervention: after a sweep, every grid point whose runs
 * collapsed (a majority of them) is rerun with the candidate fixes its findings proposed,
 * same seeds, and a fix is verified when the fixed runs are healthy in a clear majority
 * and actually learn.  With budget left after those, so is every grid point whose runs
 * mostly draw a warning (a "warning point"): its fix must also make them healthy.  The sweep itself is evidence first: when another grid point already
 * is the fixed configuration, its runs are cited instead of rerunning.
 *
 * Reruns are sweeps of their own (one grid point, the cell's seeds, the edits applied),
 * each in DIR/verify/<trial>/ beside its file DIR/verify/<trial>.cfg, so they resume
 * after a kill like any sweep.  What was found is kept in DIR/verify/verification.result
 * (read back by the report and the charts) and DIR/fixes.csv. */
#ifndef FL_VERIFY_H
#define FL_VERIFY_H

#include <glib.h>
#include "sweep.h"

/* A fix tried on one grid point. */
typedef struct verify_trial {
    int cell;              /* the grid point fixed */
    char *cause;           /* the detector(s) that proposed it ("a+b" for a pair) */
    GStrv edits;           /* "key=value" each, as --set takes them */
    char *reason;          /* the detector's reason, or NULL */
    int before_k, before_n; /* collapsed runs of the grid point, of its runs */
    int after_k, after_n;   /* collapsed (or failed) runs with the fix, of its runs */
    int learned;           /* fixed runs that finished, did not collapse and learned */
    int healthy;           /* fixed runs that finished healthy: no warning either */
    int before_healthy;    /* the grid point's runs that finished healthy */
    gboolean warning_point; /* the grid point mostly warned (verify_cell_warning_point) */
    gboolean verified;
    int cited_cell;        /* the grid point that is the fixed configuration, or -1 */
    char *dir;             /* rerun: "verify/<trial>" under DIR, else NULL */
    double before_fit, after_fit; /* median final loss / loss of predicting the mean */
} verify_trial;

/* What was found for one grid point that collapsed (or warned) in most of its runs. */
typedef struct verify_cell {
    int cell;
    int collapsed, runs;
    int healthy;           /* its runs that finished healthy */
    int verified;          /* index into trials of the verified fix, or -1 */
    char *data_cause;      /* a cause no configuration change can help (fix the data) */
    int candidates;        /* distinct candidate fixes its findings proposed */
    int tried;             /* of them (and pairs), tried */
} verify_cell;

typedef struct verify_report {
    GStrv axis_keys;
    GPtrArray *cell_labels; /* GStrv per grid point: its value on each axis */
    GPtrArray *trials;     /* verify_trial*, in the order tried */
    GPtrArray *cells;      /* verify_cell*, every grid point that collapsed */
    int sweep_runs;        /* the sweep's runs */
    int budget;            /* extra runs allowed */
    int runs_added;        /* reruns planned (resumed ones included) */
    double sweep_ms, added_ms; /* compute: the sweep's runs, the reruns' (wall_ms sums) */
    gint64 sweep_epochs, added_epochs; /* the same in epochs trained: the work itself,
                                          without what starting a process costs */
    char *healthy;         /* "healthy: key = v with key2 = a, b", or NULL without a grid */
} verify_report;

verify_report *verify_report_new(void);
void verify_report_free(verify_report *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(verify_report, verify_report_free)

typedef struct verify_options {
    const sweep_options *run; /* as the sweep ran: out_dir, jobs, threads, force */
    double budget;            /* extra runs per sweep run */
    registry *reg;
    fl_host *host;
} verify_options;

/* Verify the fixes of every collapsed grid point of a finished sweep in opt->run->out_dir,
 * then write fixes.csv, verify/verification.result and each collapsed run's verdict.json
 * section.  FALSE with an error only when the results cannot be read or written. */
verify_report *verify_sweep(plan *s, const verify_options *opt, GError **error);

/* After `flatline run`: verify with the given budget (0: none, and what an earlier
 * verification left is forgotten), print the result, return it (NULL when not verified;
 * *failed and an error when it could not be done). */
verify_report *verify_after_run(plan *s, const sweep_options *run, registry *reg,
                                fl_host *host, double budget, gboolean *failed,
                                GError **error);

/* The report of a results directory's last verification, or NULL (no error) if none. */
verify_report *verify_load(const char *dir, GError **error);

/* Remove what an earlier verification left at the top of dir (fixes.csv and the saved
 * report): a sweep run without verification must not show stale fixes. */
void verify_forget(const char *dir);

/* The closing lines of `flatline run`: per collapsed grid point, the verified fix with its
 * before/after numbers, or what was tried; the healthy region; the cost. */
void verify_print(const verify_report *r);

/* "12 runs added (budget 36, the sweep had 36), 1200 epochs trained (85% of the sweep's
 * 1404), 0.1 s of compute (113% of the sweep's)" (caller frees). */
char *verify_cost_text(const verify_report *r);

/* "optimizer.lr = 0.001; model.h1.init = he_uniform" (caller frees). */
char *verify_fix_text(const verify_trial *t);

/* What the fix changed: "collapsed 4/5 -> 0/5", or for a warning point
 * "healthy 0/5 -> 5/5" (caller frees). */
char *verify_change_text(const verify_trial *t);

/* A grid point that mostly warned, not collapsed: its fix has to make it healthy. */
gboolean verify_cell_warning_point(const verify_cell *vc);

/* "optimizer.lr=1e-06 model.h1.init=zeros" of a grid point (caller frees). */
char *verify_cell_text(const verify_report *r, int cell);

/* A grid point's configuration with the edits applied, with its own seeds and the
 * experiment's repeats: one configuration, no grid. */
experiment *verify_fixed_experiment(plan *s, int cell, GStrv edits, registry *reg,
                                    GError **error);

/* fixes.c: `flatline fix DIR`: write the experiment of a collapsed grid point (cell, or
 * -1: the only one) with its verified fix applied to out (NULL: DIR/fixed.cfg or
 * DIR/fixed-cell<N>.cfg).  Prints what it did or why it wrote nothing.  Returns 0 when it
 * wrote a file or there was nothing to fix, 1 when no fix verified, 2 on a usage or
 * configuration error (the message printed). */
int fixes_command(const char *dir, int cell, const char *out, registry *reg, fl_host *host);

/* fixes.c: DIR/fixes.csv from a report. */
gboolean fixes_write_csv(const char *dir, const verify_report *r, GError **error);

/* fixes.c: the report as a key file (verify/verification.result) and back. */
char *fixes_report_to_data(const verify_report *r);
verify_report *fixes_report_from_file(const char *path, GError **error);

#endif
