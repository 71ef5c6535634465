/* runner.c — see runner.h. */
#include "runner.h"
#include "diagnosis.h"
#include "term.h"
#include "train.h"

#include <math.h>
#include <string.h>

/* A run's result with what the plan alone knows: which run it is. */
static run_result *record_new(const plan *p, int index)
{
    run_result *rec = g_new0(run_result, 1);
    run_result_init(rec);
    rec->id = plan_run_id(p, index);
    rec->index = index;
    rec->cell = plan_cell_of(p, index);
    rec->seed = plan_run_seed(p, index);
    rec->fingerprint = g_strdup(p->fingerprint);
    rec->axis_keys = g_strdupv(p->axis_keys);
    rec->axis_values = plan_cell_labels(p, rec->cell);
    rec->epochs_planned = p->base->train.epochs;
    return rec;
}

/* The run.cfg of a run that could not be resolved says so instead. */
static char *unresolved_cfg(const char *why)
{
    g_autofree char *one_line = g_strdelimit(g_strdup(why), "\r\n", ' ');
    return g_strdup_printf("# this run could not be resolved: %s\n", one_line);
}

/* Into batch when there is one (a worker's run), else saved at once (the coordinator). */
static gboolean save_failure(plan *p, int index, const char *out_dir, results_batch *batch,
                             run_status status, const char *reason, double wall_ms,
                             const char *cfg_text, GError **error)
{
    g_autoptr(run_result) rec = record_new(p, index);
    rec->status = status;
    rec->reason = g_strdup(reason);
    rec->causes = g_strdup("");
    rec->wall_ms = wall_ms;
    return batch ? results_batch_add(batch, rec, cfg_text, error)
                 : results_save_run(out_dir, rec, cfg_text, error);
}

gboolean runner_record_failure(plan *p, int index, const char *out_dir, run_status status,
                               const char *reason, double wall_ms, GError **error)
{
    GError *err = NULL;
    g_autoptr(run_plan) r = plan_run_at(p, index, &err);
    g_autofree char *cfg = r ? g_strdup(r->cfg_text) : unresolved_cfg(err->message);
    g_clear_error(&err);
    return save_failure(p, index, out_dir, NULL, status, reason, wall_ms, cfg, error);
}

/* The runs of one grid point differ only in their seed and their name: a worker, sent a
 * cell's runs one after another, resolves the cell once and gives each run its own seed,
 * name and run.cfg, as plan_run_at does (plan.c).  They share their data too (the data
 * seed is the experiment's): loaded once per grid point (measured: loading it was 4% of a
 * seed-scale run), and their model when its layers allow it (FL_LAYER_REUSABLE). */
struct runner_cache {
    const plan *p;
    int cell;
    run_plan *r;       /* the cell's first run asked for, resolved */
    gint64 cell_seed;  /* its seed less its repeat */
    char *cell_name;   /* its experiment name less "-<id>" */
    /* Its run.cfg text before and after the top-level settings, the same for all its
     * runs (NULL until a second run asks): writing the whole text was 4% of a run. */
    char *cfg_head, *cfg_tail;
    data_split *data;  /* the cell's data, once a run loaded it */
    model *model;      /* the cell's last model when reusable (train_run_on) */
    /* The pack trained last (train_pack_on): plan indices [pack_first, pack_first +
     * pack_count), the outcomes and run.cfg texts not handed out yet (NULL once they
     * are). */
    int pack_size;     /* the cell's train_pack_size, 0 until known */
    int pack_first, pack_count;
    run_result **pack_recs;
    char **pack_cfgs;
};

runner_cache *runner_cache_new(void) { return g_new0(runner_cache, 1); }

static void cache_drop_pack(runner_cache *c)
{
    for (int i = 0; i < c->pack_count; i++) {
        run_result_free(c->pack_recs[i]);
        g_free(c->pack_cfgs[i]);
    }
    g_clear_pointer(&c->pack_recs, g_free);
    g_clear_pointer(&c->pack_cfgs, g_free);
    c->pack_count = 0;
}

static void runner_cache_clear(runner_cache *c)
{
    cache_drop_pack(c);
    g_clear_pointer(&c->r, run_plan_free);
    g_clear_pointer(&c->cell_name, g_free);
    g_clear_pointer(&c->cfg_head, g_free);
    g_clear_pointer(&c->cfg_tail, g_free);
    g_clear_pointer(&c->model, model_free);
    g_clear_pointer(&c->data, data_free);
    c->pack_size = 0;
    c->p = NULL;
}

void runner_cache_free(runner_cache *c)
{
    if (!c)
        return;
    runner_cache_clear(c);
    g_free(c);
}

/* Run `index` resolved (owned by the cache, valid until its next call) with its seed and
 * run.cfg text (the caller's); NULL with the reason when it cannot be resolved. */
static const experiment *cache_resolve(runner_cache *c, plan *p, int index, gint64 *seed,
                                       char **cfg_text, GError **error)
{
    int cell = plan_cell_of(p, index);
    if (c->p != p || c->cell != cell || !c->r) {
        runner_cache_clear(c);
        run_plan *r = plan_run_at(p, index, error);
        if (!r)
            return NULL;
        c->p = p;
        c->cell = cell;
        c->r = r;
        c->cell_seed = r->seed - r->repeat;
        const char *name = r->exp->top.name;
        gsize n = strlen(name), tail = strlen(r->id) + 1;
        c->cell_name = g_strndup(name, n > tail ? n - tail : 0);
        *seed = r->seed;
        *cfg_text = g_steal_pointer(&r->cfg_text);
        return r->exp;
    }
    experiment *e = c->r->exp;
    g_autofree char *id = plan_run_id(p, index);
    *seed = c->cell_seed + index % p->repeats;
    e->top.seed = (int)*seed;
    g_free(e->top.name);
    e->top.name = g_strdup_printf("%s-%s", c->cell_name, id);
    if (!c->cfg_head) {
        gsize start = 0, end = 0;
        char *text = experiment_to_text_at(e, NULL, &start, &end);
        c->cfg_head = g_strndup(text, start);
        c->cfg_tail = g_strdup(text + end);
        g_free(text);
    }
    GString *text = g_string_new(c->cfg_head);
    experiment_write_top(e, text);
    g_string_append(text, c->cfg_tail);
    *cfg_text = g_string_free(text, FALSE);
    return e;
}

/* A finished run's outcome as the run's files say it. */
static void settle_record(run_result *rec, GError *err)
{
    if (err) {
        /* Checked before the sweep; if it still fails (a file changed), say so per run. */
        rec->status = RUN_CRASHED;
        g_free(rec->reason);
        rec->reason = g_strdup(err->message);
    }
    /* A run that did not finish has no verdict. */
    if (rec->status != RUN_OK)
        rec->verdict = VERDICT_HEALTHY;
    if (!rec->causes)
        rec->causes = g_strdup("");
}

/* The pack of run `index`: consecutive repeats of its grid point, split into the fewest
 * packs of at most `pack` runs, as equal as they can be (100 repeats at most 64 a pack:
 * two of 50, not 64 and 36, so that neither pack trains its runs at the smaller pack's
 * higher cost a run and the workers' shares stay even).  The same for every worker and
 * every resume, so a run's outcome never depends on who ran it or when. */
static void pack_bounds(const plan *p, int index, int pack, int *first, int *count)
{
    int repeat = index % p->repeats, n_packs = (p->repeats + pack - 1) / pack;
    int base = p->repeats / n_packs, extra = p->repeats % n_packs;
    /* The first `extra` packs hold base + 1 runs, the others base. */
    int big = extra * (base + 1), k, start;
    if (repeat < big) {
        k = repeat / (base + 1);
        start = k * (base + 1);
        *count = base + 1;
    } else {
        k = (repeat - big) / base;
        start = big + k * base;
        *count = base;
    }
    *first = index - (repeat - start);
}

void runner_pack_of(plan *p, int index, int *first, int *count)
{
    const experiment *e = p->base;
    pack_bounds(p, index, model_packs(e) ? MAX(e->train.pack, 1) : 1, first, count);
}

/* Train the pack [first, first + count) into the cache, whose data is loaded. */
static void run_pack(plan *p, runner_cache *c, int first, int count, fl_host *host)
{
    cache_drop_pack(c);
    c->pack_first = first;
    c->pack_count = count;
    c->pack_recs = g_new0(run_result *, count);
    c->pack_cfgs = g_new0(char *, count);
    g_autofree uint64_t *seeds = g_new0(uint64_t, count);
    GError *err = NULL;
    const experiment *exp = NULL;
    /* The runs of one grid point: cache_resolve cannot fail after it resolved one. */
    for (int i = 0; i < count; i++) {
        gint64 seed = 0;
        exp = cache_resolve(c, p, first + i, &seed, &c->pack_cfgs[i], &err);
        g_assert(exp);
        seeds[i] = (uint64_t)seed;
        c->pack_recs[i] = record_new(p, first + i);
    }
    train_pack_on(exp, c->data, &c->model, seeds, (size_t)count, host, c->pack_recs, &err);
    for (int i = 0; i < count; i++)
        settle_record(c->pack_recs[i], err);
    g_clear_error(&err);
}

gboolean runner_holds(const runner_cache *cache, const plan *p, int index)
{
    int at = index - cache->pack_first;
    return cache->p == p && cache->pack_count && at >= 0 && at < cache->pack_count &&
           cache->pack_recs[at];
}

gboolean runner_run(plan *p, int index, gboolean solo, runner_cache *cache,
                    results_batch *batch, fl_host *host, GError **error)
{
    GError *err = NULL;
    gint64 seed = 0;
    g_autofree char *cfg_text = NULL;
    /* A run its pack trained already. */
    int at = index - cache->pack_first;
    if (!solo && runner_holds(cache, p, index)) {
        g_autoptr(run_result) rec = g_steal_pointer(&cache->pack_recs[at]);
        cfg_text = g_steal_pointer(&cache->pack_cfgs[at]);
        return results_batch_add(batch, rec, cfg_text, error);
    }
    const experiment *exp = cache_resolve(cache, p, index, &seed, &cfg_text, &err);
    if (!exp) {
        /* A combination of grid values that planning did not try on its own. */
        g_autofree char *cfg = unresolved_cfg(err->message);
        g_autofree char *why = g_strdup(err->message);
        g_clear_error(&err);
        return save_failure(p, index, NULL, batch, RUN_CRASHED, why, 0, cfg, error);
    }
    int first = index, count = 1;
    if (!cache->data)
        cache->data = data_load(exp, host, &err);
    /* The cell's pack size, once: it builds the layers to count the weights. */
    if (cache->data && cache->pack_size == 0)
        cache->pack_size = (int)train_pack_size(exp, cache->data, host);
    if (!solo && cache->data)
        pack_bounds(p, index, cache->pack_size, &first, &count);
    if (count > 1) {
        run_pack(p, cache, first, count, host);
        return runner_run(p, index, FALSE, cache, batch, host, error);
    }
    g_autoptr(run_result) rec = record_new(p, index);
    if (cache->data)
        train_run_on(exp, cache->data, &cache->model, (uint64_t)seed, host, rec, &err);
    settle_record(rec, err);
    g_clear_error(&err);
    return results_batch_add(batch, rec, cfg_text, error);
}

void runner_print(const run_result *rec)
{
    g_autoptr(GString) line = g_string_new(rec->id);
    for (guint a = 0; rec->axis_keys && rec->axis_keys[a]; a++)
        g_string_append_printf(line, " %s=%s", rec->axis_keys[a], rec->axis_values[a]);
    g_string_append_printf(line, " seed=%" G_GINT64_FORMAT ": ", rec->seed);
    if (rec->status != RUN_OK) {
        g_string_append_printf(line, "%s: %s", run_status_name(rec->status), rec->reason ? rec->reason : "");
    } else {
        g_autofree char *primary = g_strdup(rec->causes);
        char *semi = strchr(primary, ';');
        if (semi)
            *semi = '\0';
        g_string_append(line, verdict_name(rec->verdict));
        if (*primary)
            g_string_append_printf(line, " (%s)", primary);
        if (rec->stopped_early)
            g_string_append_printf(line, ", stopped at epoch %d of %d", rec->epochs_run,
                                   rec->epochs_planned);
        g_string_append_printf(line, ", loss %.4g", rec->final_loss);
        if (rec->advice && *rec->advice && rec->verdict != VERDICT_HEALTHY)
            g_string_append_printf(line, " - fix: %s", rec->advice);
    }
    /* Values from files may hold control characters: shown escaped, one line per run. */
    g_autofree char *shown = term_escape(line->str, FALSE);
    g_print("%s\n", shown);
}
