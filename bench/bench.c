/* bench.c — flatline's speed figures (issue 7), printed and appended to a CSV.
 *
 *   bench [--only NAME] [--reps N] [--label TEXT] [--cpu-time] [CSV]
 *                NAME: seed, sweep, mlp, overhead, verdict, scaling, split, pack, torch
 *
 * 1. seed:     one 2-10-1 ReLU run (sine2d, 100 samples, batch 32, 100 epochs, Adam, every
 *              detector, stop_on = "never"), in process, 1 thread: ms per run.
 * 2. sweep:    a 240-run grid of that network through `flatline run -j 2 --quiet
 *              --no-plots`, process start and result files included: runs per second.
 * 3. mlp:      784-512-512-10 ReLU/softmax, batch 256, CCE, SGD on blobs: training samples
 *              per second and GFLOP/s (2*in*out per dense layer per sample forward, x3 for
 *              forward + backward) next to dnnl_sgemm on a 1024^3 product in this process
 *              with the same thread count; with 2 threads and with 1.
 * 4. overhead: the seed run and the MLP with every detector against none, in %: for the
 *              seed run the median of 301 paired ratios, each pair's order alternating.
 * 5. verdict:  wall time until a doomed run (the lr-too-large shape) stops early, in ms.
 * 6. scaling:  the seed-scale sweep of issue 14 -- 1200 runs of a 2-10-1 ReLU on `teacher`
 *              (100 rows, 2 features), batch 32, 100 epochs, Adam, lr 1e-4..1 x 3 inits x
 *              100 seeds, every detector, stop_on = "never" -- through `flatline run -j J
 *              --quiet --no-plots --no-verify` for J = 1 and every power of two up to the
 *              cores: runs per second, parallel efficiency (rate / (J x rate at -j 1)), the
 *              serial fraction that efficiency implies (Karp-Flatt) and what Amdahl's law
 *              then gives for 16 cores; then the same sweeps with --compact (a journal file
 *              per worker instead of four files per run), timed in rounds of -j 1, -j J
 *              and J independent -j 1 --compact sweeps at once (each of those is two
 *              processes, a worker and its coordinator beside it, so together they share
 *              the cores with their coordinators), each round its own efficiency, the
 *              medians reported; and in the same rounds what the machine gives J
 *              processes of pure computation (J single-threaded sgemm loops at once
 *              against one alone): the ceiling of a sweep's efficiency here.
 * 7. split:    where a run of that sweep goes at -j 1, per run: training (in packs of 32
 *              as the sweep trains; probes included: they are the metrics), detectors
 *              (all against none, in process),
 *              files (metrics.csv, verdict.json, run.cfg, run.result written and committed
 *              by batches as a worker does, and as they were before, one sync pair per
 *              run, and as --compact writes them), and coordination (the rest of the sweep's wall time per run: process
 *              start, planning, dispatch, summary tables).
 * 8. pack:     the runs of that sweep trained in process with no detectors (training and
 *              probes only), 32 seeds of each cell: alone, one after another as a worker
 *              trains them with train.pack = 1 (data loaded once, model kept), and as one
 *              pack of 32, train.pack's default (train_pack_on): ms per run each and their ratio, the per-core
 *              training cost of a run in a pack against alone.
 * 9. torch:    the same sweep in PyTorch (bench/torch_ensemble.py with Debian's
 *              python3-torch, when installed): all runs as one stacked ensemble with the
 *              cores' threads, and a few runs one at a time; said so when absent.  Three
 *              pairs, each flatline's --compact sweep on every core right before the
 *              ensemble: the median of the pairs' ratios is the yardstick.
 *
 * Each figure is the median of the repetitions (at least 5).  The MLP's figures are the
 * marginal cost of an epoch — the difference between a long and a short run — so data
 * generation and start-up, which do not grow with training, stay out of them.  Rows go to
 * bench/results.csv of the source tree (or CSV) with a timestamp, `git describe` (or
 * --label), the load average and how busy the machine was just before: on two cores,
 * anyone else's work halves the two-thread figures.  The sweep writes its results under
 * /tmp; on ext4 without a journal, creating files right after many were deleted costs
 * far more kernel time (free inodes deleted in the last minutes are skipped one by one),
 * so sweeps measured minutes apart are not alike either.  --cpu-time times in-process
 * figures by CPU time for A/B comparisons and writes no row.  Timings, not tests:
 * nothing here fails.
 */
#include "diagnosis.h"
#include "host.h"
#include "registry.h"
#include "results.h"
#include "sweep.h"
#include "train.h"

#include <oneapi/dnnl/dnnl.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#define BENCH_SEED_CFG                                                                     \
    "name = \"bench-seed\";\n"                                                             \
    "seed = 7;\n"                                                                          \
    "repeats = %d;\n"                                                                      \
    "dataset = { plugin = \"sine2d\"; samples = 100; normalize = \"none\"; validation = "  \
    "0.2; };\n"                                                                            \
    "model = (\n"                                                                          \
    "  { name = \"h1\"; units = 10; activation = \"relu\"; init = \"he_uniform\"; },\n"    \
    "  { name = \"out\"; units = 1; }\n"                                                   \
    ");\n"                                                                                 \
    "loss = \"mse\";\n"                                                                    \
    "optimizer = { plugin = \"adam\"; lr = 0.001; };\n"                                    \
    "train = { epochs = 100; batch = 32; %s };\n"                                          \
    "detectors = %s;\n"

#define BENCH_SWEEP_GRID                                                                   \
    "grid = (\n"                                                                           \
    "  { key = \"optimizer.lr\"; values = [ 1e-4, 1e-3, 1e-2, 1.0 ]; },\n"                 \
    "  { key = \"model.h1.init\"; values = [ \"zeros\", \"normal\", \"glorot_uniform\", "  \
    "\"he_uniform\" ]; }\n"                                                                \
    ");\n"

#define BENCH_MLP_CFG                                                                      \
    "name = \"bench-mlp\";\n"                                                              \
    "seed = 3;\n"                                                                          \
    "dataset = { plugin = \"blobs\"; samples = 4096; features = 784; classes = 10; };\n"   \
    "model = (\n"                                                                          \
    "  { name = \"h1\"; units = 512; activation = \"relu\"; init = \"he_uniform\"; },\n"   \
    "  { name = \"h2\"; units = 512; activation = \"relu\"; init = \"he_uniform\"; },\n"   \
    "  { name = \"out\"; units = 10; activation = \"softmax\"; }\n"                        \
    ");\n"                                                                                 \
    "loss = \"cce\";\n"                                                                    \
    "optimizer = { plugin = \"sgd\"; lr = 0.01; };\n"                                      \
    "train = { epochs = %d; batch = 256; stop_on = \"never\"; };\n"                        \
    "detectors = %s;\n"

/* experiments/lr-too-large.cfg: Adam at lr = 1 kills a 2-16-16-1 ReLU net in every seed. */
#define BENCH_VERDICT_CFG                                                                  \
    "name = \"bench-verdict\";\n"                                                          \
    "seed = 1;\n"                                                                          \
    "repeats = 5;\n"                                                                       \
    "dataset = { plugin = \"sine2d\"; samples = 200; validation = 0.2; };\n"               \
    "model = (\n"                                                                          \
    "  { name = \"h1\"; units = 16; activation = \"relu\"; init = \"he_uniform\"; },\n"    \
    "  { name = \"h2\"; units = 16; activation = \"relu\"; init = \"he_uniform\"; },\n"    \
    "  { name = \"out\"; units = 1; }\n"                                                   \
    ");\n"                                                                                 \
    "loss = \"mse\";\n"                                                                    \
    "optimizer = { plugin = \"adam\"; lr = 1.0; };\n"                                      \
    "train = { epochs = 100; batch = 32; };\n"                                             \
    "detectors = ( \"all\" );\n"

/* Issue 14's seed-scale sweep: 4 x 3 cells x 100 seeds = 1200 runs. */
#define BENCH_SEED1200_CFG                                                                 \
    "name = \"bench-seed1200\";\n"                                                          \
    "seed = 7;\n"                                                                          \
    "repeats = 100;\n"                                                                     \
    "dataset = { plugin = \"teacher\"; samples = 100; features = 2; validation = 0.2; };\n" \
    "model = (\n"                                                                          \
    "  { name = \"h1\"; units = 10; activation = \"relu\"; init = \"he_uniform\"; },\n"    \
    "  { name = \"out\"; units = 1; }\n"                                                   \
    ");\n"                                                                                 \
    "loss = \"mse\";\n"                                                                    \
    "optimizer = { plugin = \"adam\"; lr = 0.001; };\n"                                    \
    "train = { epochs = 100; batch = 32; stop_on = \"never\"; };\n"                        \
    "detectors = %s;\n"                                                                    \
    "grid = (\n"                                                                           \
    "  { key = \"optimizer.lr\"; values = [ 1e-4, 1e-3, 1e-2, 1.0 ]; },\n"                 \
    "  { key = \"model.h1.init\"; values = [ \"zeros\", \"glorot_uniform\", \"he_uniform\" "  \
    "]; }\n"                                                                               \
    ");\n"

enum { BENCH_SEED1200_RUNS = 1200 };

enum { BENCH_MLP_SHORT = 1, BENCH_MLP_LONG = 4, BENCH_MLP_SAMPLES = 4096 };

typedef struct bench {
    registry *reg;
    fl_host *host;
    char *tmp;       /* scratch directory: experiment files and sweep outputs */
    int reps;
    int cores;
    char *onednn;    /* "2.6.3" */
    char *git;       /* `git describe` of the source tree, or "" */
    char *stamp;     /* ISO 8601, the same on every row of one invocation */
    double load;     /* 1-minute load average at the start: others' work skews figures */
    double busy;     /* % of the machine's CPU time in use during the second before */
    FILE *csv;
    double rate_j1;  /* runs/s of the 1200-run sweep at -j 1 (scaling), 0 until measured */
} bench;

/* --cpu-time: in-process figures count this process's CPU time instead of wall time, so
 * that A/B comparisons on a busy machine are not skewed by other processes (the sweep,
 * which waits on children, always counts wall time). */
static gboolean bench_cpu_time;

static double bench_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double bench_wall(void) { return bench_clock(CLOCK_MONOTONIC); }

static double bench_now(void)
{
    return bench_clock(bench_cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC);
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* One figure: on the terminal, and a row of the CSV. */
static void bench_report(bench *b, const char *figure, int threads, double value,
                         const char *unit, const char *target, int met)
{
    printf("  %-26s %2d thr  %12.3f %-10s %-12s %s\n", figure, threads, value, unit,
           target ? target : "", met < 0 ? "" : met ? "met" : "NOT MET");
    fflush(stdout);
    if (b->csv) {
        fprintf(b->csv, "%s,%s,%d,%s,%.2f,%.0f,%s,%d,%.6g,%s,%s,%s,%d\n", b->stamp, b->git,
                b->cores, b->onednn, b->load, b->busy, figure, threads, value, unit, target ? target : "",
                met < 0 ? "" : met ? "yes" : "no", b->reps);
        fflush(b->csv);
    }
}

static char *bench_write_cfg(bench *b, const char *name, const char *text)
{
    char *path = g_build_filename(b->tmp, name, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_file_set_contents(path, text, -1, &err)) {
        g_printerr("bench: %s\n", err->message);
        exit(1);
    }
    return path;
}

static plan *bench_plan(bench *b, const char *name, const char *text)
{
    g_autofree char *path = bench_write_cfg(b, name, text);
    g_autoptr(GError) err = NULL;
    plan *s = plan_new(path, NULL, b->reg, b->host, FALSE, &err);
    if (!s) {
        g_printerr("bench: %s: %s\n", name, err->message);
        exit(1);
    }
    return s;
}

/* One in-process run of plan position i; returns its wall time in seconds. */
static double bench_train(bench *b, plan *s, guint i, run_result *keep)
{
    g_autoptr(GError) err = NULL;
    /* Resolved before the clock starts: the training alone is timed. */
    g_autoptr(run_plan) p = plan_run_at(s, (int)(i % (guint)s->n_runs), &err);
    if (!p) {
        g_printerr("bench: %s\n", err->message);
        exit(1);
    }
    run_result out = {0};
    double t0 = bench_now();
    if (!train_run(p->exp, (uint64_t)p->seed, b->host, &out, &err)) {
        g_printerr("bench: run %s: %s\n", p->id, err->message);
        exit(1);
    }
    double t = bench_now() - t0;
    if (out.status != RUN_OK) {
        g_printerr("bench: run %s: %s\n", p->id, out.reason ? out.reason : "failed");
        exit(1);
    }
    if (p->exp->train.stop_on == STOP_ON_NEVER && out.epochs_run != p->exp->train.epochs &&
        !out.diverged) {
        g_printerr("bench: run %s stopped after %d of %d epochs\n", p->id, out.epochs_run,
                   p->exp->train.epochs);
        exit(1);
    }
    if (keep)
        *keep = out;
    else
        run_result_clear(&out);
    return t;
}

/* Median seconds of a run of s, after one warm-up run (plugins loaded, kernels built). */
static double bench_runs(bench *b, plan *s, int reps)
{
    double *t = g_new(double, reps);
    bench_train(b, s, 0, NULL);
    for (int r = 0; r < reps; r++)
        t[r] = bench_train(b, s, (guint)r, NULL);
    double m = bench_median(t, reps);
    g_free(t);
    return m;
}

static plan *bench_seed_plan(bench *b, gboolean detectors)
{
    g_autofree char *text = g_strdup_printf(BENCH_SEED_CFG, 1, "stop_on = \"never\";",
                                            detectors ? "( \"all\" )" : "( )");
    return bench_plan(b, detectors ? "seed.cfg" : "seed-none.cfg", text);
}

static void bench_seed(bench *b)
{
    host_set_threads(1);
    g_autoptr(plan) s = bench_seed_plan(b, TRUE);
    double ms = 1e3 * bench_runs(b, s, MAX(b->reps, 21));
    bench_report(b, "seed_run_ms", 1, ms, "ms", "<= 2.5", ms <= 2.5);
}

static void bench_sweep(bench *b)
{
    g_autofree char *text = g_strdup_printf(BENCH_SEED_CFG BENCH_SWEEP_GRID, 15, "",
                                            "( \"all\" )");
    g_autofree char *path = bench_write_cfg(b, "sweep.cfg", text);
    double *t = g_new(double, b->reps + 1);
    int runs = 4 * 4 * 15;
    /* The same runs trained here one after another, nothing saved: what the sweep costs
     * beyond the training itself is the difference. */
    host_set_threads(1);
    g_autoptr(plan) s = bench_plan(b, "sweep-inprocess.cfg", text);
    bench_train(b, s, 0, NULL);
    for (int r = 0; r <= b->reps; r++) {
        double t0 = bench_now();
        for (guint i = 0; i < (guint)s->n_runs; i++)
            bench_train(b, s, i, NULL);
        t[r] = bench_now() - t0;
    }
    double inproc = (guint)s->n_runs / bench_median(t, b->reps + 1);
    bench_report(b, "sweep_inprocess_runs_per_s", 1, inproc, "runs/s", NULL, -1);
    for (int r = 0; r <= b->reps; r++) {
        g_autofree char *out = g_strdup_printf("%s/sweep-%d", b->tmp, r);
        char *argv[] = {FL_BUILD_EXE, "run", path, "-o", out, "-j", "2", "--quiet",
                        "--no-plots", NULL};
        g_autofree char *so = NULL, *se = NULL;
        g_autoptr(GError) err = NULL;
        int status = 0;
        double t0 = bench_wall();
        gboolean ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &so, &se,
                                   &status, &err);
        t[r] = bench_wall() - t0;
        if (!ok || !g_spawn_check_wait_status(status, NULL)) {
            g_printerr("bench: flatline run failed: %s%s\n", err ? err->message : "", se ? se : "");
            exit(1);
        }
    }
    /* The first sweep warms the page cache; it is left out. */
    double rate = runs / bench_median(t + 1, b->reps);
    g_free(t);
    bench_report(b, "sweep_runs_per_s", 2, rate, "runs/s", ">= 500", rate >= 500);
}

/* The operands of an n x n sgemm: A and B filled with a fixed pattern in [-0.5, 0.5), C
 * zeroed. */
static void bench_sgemm_operands(dnnl_dim_t n, float **A, float **B, float **C)
{
    *A = g_new(float, n * n);
    *B = g_new(float, n * n);
    *C = g_new0(float, n * n);
    for (dnnl_dim_t i = 0; i < n * n; i++) {
        (*A)[i] = (float)((i * 7) % 13) / 13.0f - 0.5f;
        (*B)[i] = (float)((i * 5) % 11) / 11.0f - 0.5f;
    }
}

static double bench_sgemm_gflops(bench *b, int threads)
{
    host_set_threads(threads);
    const dnnl_dim_t n = 1024;
    float *A, *B, *C;
    bench_sgemm_operands(n, &A, &B, &C);
    double *t = g_new(double, b->reps);
    dnnl_sgemm('N', 'N', n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
    for (int r = 0; r < b->reps; r++) {
        double t0 = bench_now();
        dnnl_sgemm('N', 'N', n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
        t[r] = bench_now() - t0;
    }
    double gf = 2.0 * (double)n * n * n / bench_median(t, b->reps) / 1e9;
    g_free(t);
    g_free(A);
    g_free(B);
    g_free(C);
    return gf;
}

/* Seconds per training epoch of the MLP: the marginal cost of BENCH_MLP_LONG -
 * BENCH_MLP_SHORT epochs. */
static double bench_mlp_epoch(bench *b, int threads, gboolean detectors)
{
    host_set_threads(threads);
    const char *det = detectors ? "( \"all\" )" : "( )";
    g_autofree char *t_short = g_strdup_printf(BENCH_MLP_CFG, BENCH_MLP_SHORT, det);
    g_autofree char *t_long = g_strdup_printf(BENCH_MLP_CFG, BENCH_MLP_LONG, det);
    g_autoptr(plan) s_short = bench_plan(b, "mlp-short.cfg", t_short);
    g_autoptr(plan) s_long = bench_plan(b, "mlp-long.cfg", t_long);
    double *ts = g_new(double, b->reps), *tl = g_new(double, b->reps);
    bench_train(b, s_short, 0, NULL);
    for (int r = 0; r < b->reps; r++) {
        ts[r] = bench_train(b, s_short, 0, NULL);
        tl[r] = bench_train(b, s_long, 0, NULL);
    }
    double e = (bench_median(tl, b->reps) - bench_median(ts, b->reps)) /
               (BENCH_MLP_LONG - BENCH_MLP_SHORT);
    g_free(ts);
    g_free(tl);
    return e;
}

static void bench_mlp(bench *b)
{
    const double flop = 3.0 * 2.0 * (784.0 * 512 + 512.0 * 512 + 512.0 * 10);
    for (int threads = 2; threads >= 1; threads--) {
        double epoch = bench_mlp_epoch(b, threads, TRUE);
        double sps = BENCH_MLP_SAMPLES / epoch, gf = sps * flop / 1e9;
        double sg = bench_sgemm_gflops(b, threads);
        bench_report(b, "mlp_samples_per_s", threads, sps, "samples/s", NULL, -1);
        bench_report(b, "mlp_gflops", threads, gf, "GFLOP/s", NULL, -1);
        bench_report(b, "sgemm_gflops", threads, sg, "GFLOP/s", NULL, -1);
        bench_report(b, "mlp_vs_sgemm_pct", threads, 100 * gf / sg, "%", ">= 60", gf / sg >= 0.6);
    }
}

static void bench_overhead(bench *b)
{
    host_set_threads(1);
    g_autoptr(plan) all = bench_seed_plan(b, TRUE);
    g_autoptr(plan) none = bench_seed_plan(b, FALSE);
    int reps = MAX(b->reps, 301);
    double *ta = g_new(double, reps), *tn = g_new(double, reps);
    bench_train(b, all, 0, NULL);
    bench_train(b, none, 0, NULL);
    /* Interleaved in pairs, the order alternating, and the median of the pairs' ratios:
     * this machine's speed moves by a third from one moment to the next, which a ratio
     * of two medians took for the detectors' cost (4-10% from one invocation to the
     * next). */
    for (int r = 0; r < reps; r++) {
        if (r % 2) {
            tn[r] = bench_train(b, none, 0, NULL);
            ta[r] = bench_train(b, all, 0, NULL);
        } else {
            ta[r] = bench_train(b, all, 0, NULL);
            tn[r] = bench_train(b, none, 0, NULL);
        }
        ta[r] /= tn[r];
    }
    double pct = 100 * (bench_median(ta, reps) - 1);
    bench_report(b, "detector_overhead_seed_pct", 1, pct, "%", "<= 5", pct <= 5);
    /* The MLP: the same long run with and without detectors, interleaved; the extra time
     * against the training time of its epochs (run time less data and set-up, which the
     * marginal epoch gives).  One thread: the detectors run between epochs on one thread
     * anyway, and a second thread's figure mostly measures what else the machine does. */
    host_set_threads(1);
    double epoch = bench_mlp_epoch(b, 1, FALSE);
    g_autofree char *t_all = g_strdup_printf(BENCH_MLP_CFG, BENCH_MLP_LONG, "( \"all\" )");
    g_autofree char *t_none = g_strdup_printf(BENCH_MLP_CFG, BENCH_MLP_LONG, "( )");
    g_autoptr(plan) s_all = bench_plan(b, "mlp-all.cfg", t_all);
    g_autoptr(plan) s_none = bench_plan(b, "mlp-none.cfg", t_none);
    reps = MAX(b->reps, 9);
    ta = g_renew(double, ta, reps);
    tn = g_renew(double, tn, reps);
    for (int r = 0; r < reps; r++) {
        ta[r] = bench_train(b, s_all, 0, NULL);
        tn[r] = bench_train(b, s_none, 0, NULL);
    }
    pct = 100 * (bench_median(ta, reps) - bench_median(tn, reps)) / (epoch * BENCH_MLP_LONG);
    bench_report(b, "detector_overhead_mlp_pct", 1, pct, "%", "<= 5", pct <= 5);
    g_free(ta);
    g_free(tn);
}

static void bench_verdict(bench *b)
{
    host_set_threads(1);
    g_autoptr(plan) s = bench_plan(b, "verdict.cfg", BENCH_VERDICT_CFG);
    int reps = MAX(b->reps, 10);
    double *t = g_new(double, reps);
    int epochs_min = G_MAXINT, epochs_max = 0;
    bench_train(b, s, 0, NULL);
    for (int r = 0; r < reps; r++) {
        run_result out = {0};
        t[r] = bench_train(b, s, (guint)r, &out);
        if (!out.stopped_early) {
            g_printerr("bench: the doomed run %d was not stopped early (verdict %d)\n",
                       r % 5, (int)out.verdict);
            exit(1);
        }
        epochs_min = MIN(epochs_min, out.epochs_run);
        epochs_max = MAX(epochs_max, out.epochs_run);
        run_result_clear(&out);
    }
    double ms = 1e3 * bench_median(t, reps);
    g_free(t);
    printf("  (the doomed runs stopped after %d-%d epochs of 100)\n", epochs_min, epochs_max);
    bench_report(b, "time_to_verdict_ms", 1, ms, "ms", "<= 50", ms <= 50);
}

static void bench_remove_tree(const char *path)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            bench_remove_tree(child);
        }
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

/* ---------------------------------------------------------------- issue 14: the sweep */

static char *bench_seed1200_cfg(bench *b, gboolean detectors)
{
    g_autofree char *text =
        g_strdup_printf(BENCH_SEED1200_CFG, detectors ? "( \"all\" )" : "( )");
    return bench_write_cfg(b, detectors ? "seed1200.cfg" : "seed1200-none.cfg", text);
}

/* Seconds for `flatline run` of path at -j jobs, result files included (a fresh
 * directory, removed afterwards). */
static double bench_sweep_once(bench *b, const char *path, int jobs, gboolean compact)
{
    static int serial;
    g_autofree char *out = g_strdup_printf("%s/sweep1200-%d", b->tmp, serial++);
    g_autofree char *j = g_strdup_printf("%d", jobs);
    char *argv[] = {FL_BUILD_EXE, "run",   (char *)path,  "-o",          out,
                    "-j",         j,       "--quiet",     "--no-plots",  "--no-verify",
                    compact ? "--compact" : NULL, NULL};
    g_autofree char *so = NULL, *se = NULL;
    g_autoptr(GError) err = NULL;
    int status = 0;
    double t0 = bench_wall();
    gboolean ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &so, &se, &status,
                               &err);
    double t = bench_wall() - t0;
    if (!ok || !g_spawn_check_wait_status(status, NULL)) {
        g_printerr("bench: flatline run -j %d failed: %s%s\n", jobs, err ? err->message : "",
                   se ? se : "");
        exit(1);
    }
    bench_remove_tree(out);
    return t;
}

/* Starts the n programs argvs[0..n-1] at once (their output discarded) and waits for
 * all: the seconds until the last ended.  The bench stops if one cannot start or fails
 * (`what` names them). */
static double bench_at_once(char **const *argvs, int n, const char *what)
{
    GPid *pids = g_new0(GPid, n);
    double t0 = bench_wall();
    for (int i = 0; i < n; i++) {
        g_autoptr(GError) err = NULL;
        if (!g_spawn_async(NULL, argvs[i], NULL,
                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                           &pids[i], &err)) {
            g_printerr("bench: %s\n", err->message);
            exit(1);
        }
    }
    for (int i = 0; i < n; i++) {
        int status = 0;
        while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
            ;
        if (!g_spawn_check_wait_status(status, NULL)) {
            g_printerr("bench: %s failed\n", what);
            exit(1);
        }
    }
    g_free(pids);
    return bench_wall() - t0;
}

/* Runs/s together of n independent `--compact -j 1` sweeps started at once (all their
 * runs over the time the last one took). */
static double bench_sweeps_side_by_side(bench *b, const char *path, int n)
{
    static int serial;
    char **outs = g_new0(char *, n + 1);
    char ***argvs = g_new0(char **, n);
    for (int i = 0; i < n; i++) {
        outs[i] = g_strdup_printf("%s/side-%d-%d", b->tmp, serial++, i);
        char *argv[] = {FL_BUILD_EXE, "run",     (char *)path,  "-o",          outs[i],
                        "-j",         "1",       "--quiet",     "--no-plots",  "--no-verify",
                        "--compact",  NULL};
        argvs[i] = g_memdup2(argv, sizeof argv);
    }
    double t = bench_at_once(argvs, n, "a side-by-side sweep");
    for (int i = 0; i < n; i++) {
        bench_remove_tree(outs[i]);
        g_free(argvs[i]);
    }
    g_free(argvs);
    g_strfreev(outs);
    return n * BENCH_SEED1200_RUNS / t;
}

/* The compute load of the machine check: `iters` single-threaded dnnl_sgemm products of
 * 128x128 matrices (their 192 KB stay in a core's own caches), run by this program
 * itself as `bench --compute-load ITERS`. */
enum { BENCH_LOAD_N = 128, BENCH_LOAD_ITERS = 30000 };

static int bench_compute_load(int iters)
{
    host_set_threads(1);
    const dnnl_dim_t n = BENCH_LOAD_N;
    float *A, *B, *C;
    bench_sgemm_operands(n, &A, &B, &C);
    for (int r = 0; r < iters; r++)
        if (dnnl_sgemm('N', 'N', n, n, n, 1.0f, A, n, B, n, 0.5f, C, n) != dnnl_success)
            return 1;
    int bad = !isfinite(C[0]);
    g_free(A);
    g_free(B);
    g_free(C);
    return bad;
}

static char *bench_self;

/* Seconds until n copies of the compute load started at once have all finished. */
static double bench_loads_at_once(int n)
{
    g_autofree char *iters = g_strdup_printf("%d", BENCH_LOAD_ITERS);
    char *argv[] = {bench_self, "--compute-load", iters, NULL};
    char ***argvs = g_new(char **, n);
    for (int i = 0; i < n; i++)
        argvs[i] = argv;
    double t = bench_at_once(argvs, n, "a compute load");
    g_free(argvs);
    return t;
}

/* Median runs/s of the 1200-run sweep at -j jobs over reps sweeps. */
static double bench_sweep_rate(bench *b, const char *path, int jobs, int reps,
                               gboolean compact)
{
    double *t = g_new(double, reps);
    for (int r = 0; r < reps; r++)
        t[r] = bench_sweep_once(b, path, jobs, compact);
    double rate = BENCH_SEED1200_RUNS / bench_median(t, reps);
    g_free(t);
    return rate;
}

static void bench_scaling(bench *b)
{
    g_autofree char *path = bench_seed1200_cfg(b, TRUE);
    /* Sweeps are long: three each, after one that warms the page cache. */
    int reps = 3;
    bench_sweep_once(b, path, MIN(b->cores, 2), FALSE);
    double r1 = 0;
    for (int j = 1; j <= b->cores; j *= 2) {
        double rate = bench_sweep_rate(b, path, j, reps, FALSE);
        if (j == 1) {
            r1 = b->rate_j1 = rate;
            bench_report(b, "sweep1200_runs_per_s", 1, rate, "runs/s", NULL, -1);
            continue;
        }
        double eff = rate / (j * r1);
        /* Karp-Flatt: the serial fraction that explains the speed-up j workers gave. */
        double speedup = rate / r1, serial = (1 / speedup - 1.0 / j) / (1 - 1.0 / j);
        g_autofree char *name = g_strdup_printf("sweep1200_runs_per_s_j%d", j);
        g_autofree char *eff_name = g_strdup_printf("parallel_efficiency_j%d", j);
        g_autofree char *ser_name = g_strdup_printf("serial_fraction_j%d", j);
        bench_report(b, name, j, rate, "runs/s", j == 2 ? ">= 1000" : NULL,
                     j == 2 ? rate >= 1000 : -1);
        bench_report(b, eff_name, j, 100 * eff, "%", ">= 90", eff >= 0.9);
        bench_report(b, ser_name, j, 100 * serial, "%", NULL, -1);
        /* Amdahl: the same serial fraction on 16 cores. */
        double s16 = 1 / (serial + (1 - serial) / 16);
        printf("  (Amdahl with that serial fraction: %.1fx at -j 16, %.0f runs/s if a core "
               "runs as fast as here)\n",
               s16, s16 * r1);
    }
    /* The compact layout (run --compact): one journal file per worker, no file per run.
     * This machine's speed drifts by a quarter within minutes, so -j 1, -j J and J
     * independent -j 1 sweeps side by side are timed in turn, `reps` rounds, and each
     * round gives its own efficiency and ceiling: a drift hits a round's three alike. */
    double *t1 = g_new(double, reps), *tj = g_new(double, reps), *eff = g_new(double, reps),
           *ceil_r = g_new(double, reps), *side_r = g_new(double, reps),
           *machine_r = g_new(double, reps), *share_r = g_new(double, reps);
    for (int r = 0; r < reps; r++)
        t1[r] = bench_sweep_once(b, path, 1, TRUE);
    double c1 = BENCH_SEED1200_RUNS / bench_median(t1, reps);
    bench_report(b, "sweep1200_compact_runs_per_s_j1", 1, c1, "runs/s", NULL, -1);
    for (int j = 2; j <= b->cores; j *= 2) {
        for (int r = 0; r < reps; r++) {
            t1[r] = bench_sweep_once(b, path, 1, TRUE);
            tj[r] = bench_sweep_once(b, path, j, TRUE);
            double side = bench_sweeps_side_by_side(b, path, j);
            machine_r[r] = bench_loads_at_once(1) / bench_loads_at_once(j);
            eff[r] = t1[r] / (j * tj[r]);
            ceil_r[r] = side * t1[r] / (j * BENCH_SEED1200_RUNS);
            side_r[r] = (BENCH_SEED1200_RUNS / tj[r]) / side;
            share_r[r] = eff[r] / machine_r[r];
        }
        double rate = BENCH_SEED1200_RUNS / bench_median(tj, reps);
        double e_med = bench_median(eff, reps), c_med = bench_median(ceil_r, reps),
               s_med = bench_median(side_r, reps);
        g_autofree char *name = g_strdup_printf("sweep1200_compact_runs_per_s_j%d", j);
        g_autofree char *eff_name = g_strdup_printf("parallel_efficiency_compact_j%d", j);
        g_autofree char *ceil_name = g_strdup_printf("independent_sweeps_efficiency_j%d", j);
        bench_report(b, name, j, rate, "runs/s", j == 2 ? ">= 1000" : NULL,
                     j == 2 ? rate >= 1000 : -1);
        bench_report(b, eff_name, j, 100 * e_med, "%", ">= 90", e_med >= 0.9);
        /* What the machine gives processes that share nothing: as many independent -j 1
         * sweeps at once, each in its own directory.  Their efficiency is the ceiling a
         * sweep's workers can reach here (shared caches, memory bandwidth, a VM's cores). */
        bench_report(b, ceil_name, j, 100 * c_med, "%", NULL, -1);
        /* What the machine gives j processes of pure computation: a -j 1 sweep is two
         * processes (its worker and, beside it, its coordinator), so the independent sweeps
         * above share the cores with their coordinators and are no ceiling. */
        g_autofree char *machine_name = g_strdup_printf("machine_compute_efficiency_j%d", j);
        bench_report(b, machine_name, j, 100 * bench_median(machine_r, reps), "%", NULL, -1);
        /* The sweep's efficiency over the machine's, round by round: this machine's second
         * core gives anything from 55% to 100% of the first from one minute to the next,
         * and a round's two figures move together. */
        g_autofree char *share_name = g_strdup_printf("efficiency_of_machine_compact_j%d", j);
        bench_report(b, share_name, j, 100 * bench_median(share_r, reps), "%", NULL, -1);
        printf("  (%d rounds of -j 1, -j %d and %d independent -j 1 sweeps at once, medians "
               "of the rounds: -j %d reaches %.0f%% of what the independent sweeps do "
               "together)\n",
               reps, j, j, j, 100 * s_med);
    }
    g_free(t1);
    g_free(tj);
    g_free(eff);
    g_free(ceil_r);
    g_free(side_r);
    g_free(machine_r);
    g_free(share_r);
}

/* Which run of s a trained result is, as a worker's runner says before saving it. */
static void bench_identify(plan *s, int i, run_result *rec)
{
    if (rec->id)
        return;
    rec->id = plan_run_id(s, i);
    rec->index = i;
    rec->cell = plan_cell_of(s, i);
    rec->seed = plan_run_seed(s, i);
    rec->fingerprint = g_strdup(s->fingerprint);
    rec->axis_keys = g_strdupv(s->axis_keys);
    rec->axis_values = plan_cell_labels(s, rec->cell);
}

/* Seconds per run to save n runs' files into dir: by batches of RESULTS_BATCH_RUNS (what
 * a worker does), or each run on its own with its two syncs (batched = FALSE: before). */
static double bench_files(bench *b, plan *s, run_result *outs, const char *cfg_text, int n,
                          gboolean batched, gboolean compact)
{
    g_autofree char *dir = g_strdup_printf("%s/files-%s", b->tmp,
                                           compact ? "compact" : batched ? "batched" : "single");
    g_mkdir_with_parents(dir, 0755);
    g_autoptr(GError) err = NULL;
    g_autoptr(results_batch) batch =
        compact ? results_batch_new_compact(dir) : results_batch_new(dir);
    double t0 = bench_wall();
    for (int i = 0; i < n; i++) {
        bench_identify(s, i, &outs[i]);
        gboolean ok = batched ? results_batch_add(batch, &outs[i], cfg_text, &err)
                              : results_save_run(dir, &outs[i], cfg_text, &err);
        if (!ok) {
            g_printerr("bench: %s\n", err->message);
            exit(1);
        }
        if (batched && (results_batch_len(batch) >= RESULTS_BATCH_RUNS || i == n - 1)) {
            results_batch_commit(batch);
            results_batch_clear(batch);
        }
    }
    double t = (bench_wall() - t0) / n;
    bench_remove_tree(dir);
    return t;
}

enum { BENCH_PACK = 32 };
static double bench_pack_cell(bench *b, plan *s, int c, gboolean packed);

static void bench_split(bench *b)
{
    host_set_threads(1);
    g_autofree char *path_all = bench_seed1200_cfg(b, TRUE);
    g_autofree char *path_none = bench_seed1200_cfg(b, FALSE);
    g_autoptr(plan) all = plan_new(path_all, NULL, b->reg, b->host, FALSE, NULL);
    g_autoptr(plan) none = plan_new(path_none, NULL, b->reg, b->host, FALSE, NULL);
    if (!all || !none) {
        g_printerr("bench: cannot plan the 1200-run sweep\n");
        exit(1);
    }
    /* A sample of every cell in the sweep's order (cell after cell): 12 cells x 20 seeds,
     * each run with and without detectors, interleaved so that drift in the machine's
     * speed hits both alike.  Means, not medians: the split must add up to the sweep's
     * time. */
    enum { SEEDS = 20 };
    int cells = all->n_cells, n = cells * SEEDS;
    run_result *outs = g_new0(run_result, n);
    for (int k = 0; k < n; k++) /* what the files hold */
        bench_train(b, all, (guint)((k / SEEDS) * all->repeats + k % SEEDS), &outs[k]);
    /* Training as the sweep trains it, in packs. */
    double t_all = 0, t_none = 0;
    bench_pack_cell(b, all, 0, TRUE);
    bench_pack_cell(b, none, 0, TRUE);
    for (int c = 0; c < cells; c++) {
        t_all += bench_pack_cell(b, all, c, TRUE);
        t_none += bench_pack_cell(b, none, c, TRUE);
    }
    t_all /= cells * BENCH_PACK;
    t_none /= cells * BENCH_PACK;
    g_autoptr(GError) err = NULL;
    g_autoptr(run_plan) one = plan_run_at(all, 0, &err);
    double files = bench_files(b, all, outs, one ? one->cfg_text : "", n, TRUE, FALSE);
    double files_single = bench_files(b, all, outs, one ? one->cfg_text : "", n, FALSE, FALSE);
    double files_compact = bench_files(b, all, outs, one ? one->cfg_text : "", n, TRUE, TRUE);
    for (int k = 0; k < n; k++)
        run_result_clear(&outs[k]);
    g_free(outs);
    if (!(b->rate_j1 > 0))
        b->rate_j1 = bench_sweep_rate(b, path_all, 1, 3, FALSE);
    double per_run = 1 / b->rate_j1;
    double coord = per_run - t_all - files;
    bench_report(b, "split_train_ms", 1, 1e3 * t_none, "ms/run", NULL, -1);
    bench_report(b, "split_detectors_ms", 1, 1e3 * (t_all - t_none), "ms/run", NULL, -1);
    bench_report(b, "split_files_ms", 1, 1e3 * files, "ms/run", NULL, -1);
    bench_report(b, "split_files_per_run_sync_ms", 1, 1e3 * files_single, "ms/run", NULL, -1);
    bench_report(b, "split_files_compact_ms", 1, 1e3 * files_compact, "ms/run", NULL, -1);
    bench_report(b, "split_coordination_ms", 1, 1e3 * coord, "ms/run", NULL, -1);
    printf("  (at -j 1 a run takes %.3f ms: train and probes %.0f%%, detectors %.0f%%, files "
           "%.0f%%, coordination %.0f%%; files with a sync pair per run would take %.3f ms, "
           "with --compact %.3f ms)\n",
           1e3 * per_run, 100 * t_none / per_run, 100 * (t_all - t_none) / per_run,
           100 * files / per_run, 100 * coord / per_run, 1e3 * files_single,
           1e3 * files_compact);
    /* Creating files costs what the disk's state makes it: right after a sweep's tree was
     * deleted the kernel may still be freeing its inodes. */
    if (coord < 0)
        printf("  (the parts, measured in process, add up to more than a run took in the "
               "sweep: the files' time is not this sweep's; take coordination as unknown)\n");
}

/* Seconds to train BENCH_PACK runs of cell c of s: alone one after another (kept model, as
 * a worker with train.pack = 1), or as one pack. */
static double bench_pack_cell(bench *b, plan *s, int c, gboolean packed)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(run_plan) p = plan_run_at(s, c * s->repeats, &err);
    g_autoptr(data_split) d = p ? data_load(p->exp, b->host, &err) : NULL;
    if (!d) {
        g_printerr("bench: %s\n", err->message);
        exit(1);
    }
    uint64_t seeds[BENCH_PACK];
    run_result outs[BENCH_PACK] = {{0}};
    run_result *out_ptrs[BENCH_PACK];
    for (int i = 0; i < BENCH_PACK; i++) {
        seeds[i] = (uint64_t)plan_run_seed(s, c * s->repeats + i);
        out_ptrs[i] = &outs[i];
    }
    g_autoptr(model) kept = NULL;
    double t0 = bench_now();
    gboolean ok = TRUE;
    if (packed)
        ok = train_pack_on(p->exp, d, &kept, seeds, BENCH_PACK, b->host, out_ptrs, &err);
    for (int i = 0; !packed && ok && i < BENCH_PACK; i++)
        ok = train_run_on(p->exp, d, &kept, seeds[i], b->host, &outs[i], &err);
    double t = bench_now() - t0;
    if (!ok) {
        g_printerr("bench: %s\n", err->message);
        exit(1);
    }
    for (int i = 0; i < BENCH_PACK; i++) {
        if (outs[i].epochs_run != p->exp->train.epochs && !outs[i].diverged) {
            g_printerr("bench: a packed run stopped after %d epochs\n", outs[i].epochs_run);
            exit(1);
        }
        run_result_clear(&outs[i]);
    }
    return t;
}

static void bench_pack(bench *b)
{
    host_set_threads(1);
    g_autofree char *path = bench_seed1200_cfg(b, FALSE);
    g_autoptr(plan) s = plan_new(path, NULL, b->reg, b->host, FALSE, NULL);
    if (!s) {
        g_printerr("bench: cannot plan the 1200-run sweep\n");
        exit(1);
    }
    /* Every cell, alone and packed interleaved so that drift hits both alike; the totals
     * of several passes (means: every cell counts as in the sweep). */
    int passes = MAX(b->reps / 2, 3);
    double alone = 0, packed = 0;
    bench_pack_cell(b, s, 0, FALSE);
    bench_pack_cell(b, s, 0, TRUE);
    for (int r = 0; r < passes; r++)
        for (int c = 0; c < s->n_cells; c++) {
            alone += bench_pack_cell(b, s, c, FALSE);
            packed += bench_pack_cell(b, s, c, TRUE);
        }
    double runs = (double)passes * s->n_cells * BENCH_PACK;
    double ratio = packed / alone;
    bench_report(b, "pack_alone_train_ms", 1, 1e3 * alone / runs, "ms/run", NULL, -1);
    bench_report(b, "pack_of_32_train_ms", 1, 1e3 * packed / runs, "ms/run", NULL, -1);
    bench_report(b, "pack_train_cost_ratio", 1, ratio, "x", "<= 0.25", ratio <= 0.25);
}

static void bench_torch(bench *b)
{
    g_autofree char *script = g_build_filename(FL_SRCDIR, "bench", "torch_ensemble.py", NULL);
    const char *python = "/usr/bin/python3"; /* Debian's, where python3-torch installs */
    char *probe[] = {(char *)python, "-c", "import torch", NULL};
    int status = 0;
    if (!g_spawn_sync(NULL, probe, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, NULL, NULL, &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL)) {
        printf("  (PyTorch comparison skipped: python3-torch is not installed; apt-get install "
               "python3-torch)\n");
        return;
    }
    g_autofree char *threads = g_strdup_printf("%d", b->cores);
    g_autofree char *runs = g_strdup_printf("%d", BENCH_SEED1200_RUNS);
    g_autofree char *path = bench_seed1200_cfg(b, TRUE);
    /* Pairs, each flatline's --compact sweep on every core and then the ensemble on as
     * many threads, and the median of the pairs' ratios: this machine's speed moves by a
     * third between minutes, and not alike for both programs, so figures taken minutes
     * apart compared the moments more than the programs. */
    enum { PAIRS = 3 };
    double ensemble[PAIRS], flat[PAIRS], ratio[PAIRS], single = 0;
    for (int i = 0; i < PAIRS; i++) {
        flat[i] = BENCH_SEED1200_RUNS / bench_sweep_once(b, path, b->cores, TRUE);
        char *argv[] = {(char *)python, script, threads, runs, i == 0 ? "10" : "0", NULL};
        g_autofree char *so = NULL, *se = NULL;
        if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &so, &se, &status,
                          NULL) ||
            !g_spawn_check_wait_status(status, NULL)) {
            printf("  (PyTorch comparison failed: %s)\n", se ? g_strstrip(se) : "?");
            return;
        }
        ensemble[i] = 0;
        g_auto(GStrv) lines = g_strsplit(so, "\n", -1);
        for (char **l = lines; *l; l++) {
            if (g_str_has_prefix(*l, "ensemble "))
                ensemble[i] = g_ascii_strtod(*l + 9, NULL);
            else if (g_str_has_prefix(*l, "single "))
                single = g_ascii_strtod(*l + 7, NULL);
        }
        if (!(ensemble[i] > 0)) {
            printf("  (PyTorch comparison failed: no ensemble figure in its output)\n");
            return;
        }
        ratio[i] = flat[i] / ensemble[i];
    }
    /* bench_median sorts: each array runs from its least to its most afterwards. */
    double x = bench_median(ratio, PAIRS), ens = bench_median(ensemble, PAIRS);
    bench_median(flat, PAIRS);
    bench_report(b, "torch_stacked_runs_per_s", b->cores, ens, "runs/s", NULL, -1);
    bench_report(b, "torch_single_runs_per_s", 1, single, "runs/s", NULL, -1);
    /* The yardstick: flatline's fastest sweep on these cores against the ensemble
     * on as many threads, measured side by side. */
    bench_report(b, "sweep_vs_torch_stacked_x", b->cores, x, "x", ">= 3", x >= 3);
    printf("  (%d pairs: flatline --compact -j %d %.0f-%.0f runs/s, the ensemble %.0f-%.0f, "
           "ratios %.2f-%.2f)\n",
           PAIRS, b->cores, flat[0], flat[PAIRS - 1], ensemble[0], ensemble[PAIRS - 1],
           ratio[0], ratio[PAIRS - 1]);
    if (b->rate_j1 > 0)
        printf("  (flatline at -j 1, default layout: %.2fx the stacked ensemble on %d threads)\n",
               b->rate_j1 / ens, b->cores);
}

/* Total and idle jiffies of all CPUs, from the first line of /proc/stat. */
static gboolean bench_cpu_jiffies(double *total, double *idle)
{
    g_autofree char *stat = NULL;
    if (!g_file_get_contents("/proc/stat", &stat, NULL, NULL))
        return FALSE;
    g_auto(GStrv) f = g_strsplit_set(stat, " \n", 12);
    if (g_strv_length(f) < 12 || strcmp(f[0], "cpu") != 0)
        return FALSE;
    *total = 0;
    for (int i = 2; i < 10; i++) /* "cpu", "", then user .. steal */
        *total += g_ascii_strtod(f[i], NULL);
    *idle = g_ascii_strtod(f[5], NULL) + g_ascii_strtod(f[6], NULL); /* idle, iowait */
    return TRUE;
}

/* How busy the machine is before we start (others' work skews every figure), in %. */
static double bench_busy(void)
{
    double t0, i0, t1, i1;
    if (!bench_cpu_jiffies(&t0, &i0))
        return NAN;
    g_usleep(1000000);
    if (!bench_cpu_jiffies(&t1, &i1) || t1 <= t0)
        return NAN;
    return 100 * (1 - (i1 - i0) / (t1 - t0));
}

static char *bench_git_describe(void)
{
    char *argv[] = {"git", "-C", FL_SRCDIR, "describe", "--always", "--dirty", "--tags", NULL};
    g_autofree char *so = NULL;
    int status = 0;
    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                      NULL, &so, NULL, &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL) || !so)
        return g_strdup("");
    return g_strdup(g_strstrip(so));
}

int main(int argc, char **argv)
{
    char *only = NULL, *label = NULL;
    int reps = 5, compute_load = 0;
    GOptionEntry entries[] = {
        {"only", 0, 0, G_OPTION_ARG_STRING, &only, "one figure: seed, sweep, mlp, overhead, verdict, scaling, split, pack, torch",
         "NAME"},
        {"reps", 0, 0, G_OPTION_ARG_INT, &reps, "repetitions per figure (at least 5)", "N"},
        {"label", 0, 0, G_OPTION_ARG_STRING, &label,
         "what the git column of the CSV records (default: git describe)", "TEXT"},
        {"compute-load", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &compute_load,
         "run the machine check's compute load N times and exit", "N"},
        {"cpu-time", 0, 0, G_OPTION_ARG_NONE, &bench_cpu_time,
         "time in-process figures by CPU time, for A/B comparisons on a busy machine (no CSV "
         "row)", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new("[CSV]");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc > 2) {
        g_printerr("bench: %s\n", err ? err->message : "usage: bench [--only NAME] [CSV]");
        return 2;
    }
    if (compute_load > 0)
        return bench_compute_load(compute_load);
    bench_self = g_file_read_link("/proc/self/exe", NULL);
    if (!bench_self)
        bench_self = g_strdup(argv[0]);
    /* The build tree's plugins, unless the caller chose others. */
    if (!g_getenv("FLATLINE_PLUGIN_PATH"))
        g_setenv("FLATLINE_PLUGIN_PATH", FL_BUILD_PLUGINDIR, TRUE);

    bench b = {0};
    b.reps = MAX(reps, 5);
    b.cores = (int)g_get_num_processors();
    const dnnl_version_t *v = dnnl_version();
    b.onednn = g_strdup_printf("%d.%d.%d", v->major, v->minor, v->patch);
    b.git = label ? g_strdup(label) : bench_git_describe();
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    b.stamp = g_date_time_format_iso8601(now);
    b.tmp = g_dir_make_tmp("flatline-bench-XXXXXX", &err);
    if (!b.tmp) {
        g_printerr("bench: %s\n", err->message);
        return 1;
    }
    g_autofree char *csv_path =
        argc == 2 ? g_strdup(argv[1]) : g_build_filename(FL_SRCDIR, "bench", "results.csv", NULL);
    gboolean fresh = !g_file_test(csv_path, G_FILE_TEST_EXISTS);
    /* CPU-time figures are for A/B comparisons, not for the record. */
    b.csv = bench_cpu_time ? NULL : fopen(csv_path, "a");
    if (!b.csv && !bench_cpu_time) {
        g_printerr("bench: %s: cannot append: %s\n", csv_path, g_strerror(errno));
        return 1;
    }
    if (fresh && b.csv)
        fprintf(b.csv, "timestamp,git,cores,onednn,load,busy_pct,figure,threads,value,unit,target,met,reps\n");
    g_autofree char *loadavg = NULL;
    if (g_file_get_contents("/proc/loadavg", &loadavg, NULL, NULL))
        b.load = g_ascii_strtod(loadavg, NULL);
    b.busy = bench_busy();
    host_set_threads(1);
    b.reg = registry_new();
    b.host = host_new(1, &err);
    if (!b.host) {
        g_printerr("bench: %s\n", err->message);
        return 1;
    }
    printf("flatline bench: %d cores, oneDNN %s, %s, load %.2f, %.0f%% busy before, median of "
           "%d+ repetitions%s -> %s\n",
           b.cores, b.onednn, *b.git ? b.git : "(no git)", b.load, b.busy, b.reps,
           bench_cpu_time ? ", CPU time" : "", csv_path);

    static const struct {
        const char *name;
        void (*fn)(bench *);
    } figures[] = {{"seed", bench_seed},         {"sweep", bench_sweep}, {"mlp", bench_mlp},
                   {"overhead", bench_overhead}, {"verdict", bench_verdict},
                   {"scaling", bench_scaling},   {"split", bench_split},
                   {"pack", bench_pack},         {"torch", bench_torch}};
    gboolean any = FALSE;
    for (size_t i = 0; i < G_N_ELEMENTS(figures); i++)
        if (!only || strcmp(only, figures[i].name) == 0) {
            figures[i].fn(&b);
            any = TRUE;
        }
    if (!any)
        g_printerr("bench: --only %s: no such figure (seed, sweep, mlp, overhead, verdict, "
                   "scaling, split, pack, torch)\n",
                   only);

    if (b.csv)
        fclose(b.csv);
    bench_remove_tree(b.tmp);
    host_free(b.host);
    registry_free(b.reg);
    g_free(b.tmp);
    g_free(b.onednn);
    g_free(b.git);
    g_free(b.stamp);
    g_free(only);
    g_free(label);
    return any ? 0 : 2;
}
