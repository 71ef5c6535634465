/* plan.c — see plan.h.  Run seeds are the experiment's seed plus the repeat index, so
 * every grid point sees the same seeds (paired comparisons) and one run is reproduced by
 * its run.cfg alone. */
#include "plan.h"
#include "train.h"

#include <math.h>
#include <string.h>

static override *override_copy(const override *o)
{
    override *c = g_new0(override, 1);
    c->key = g_strdup(o->key);
    c->text = g_strdup(o->text);
    c->origin = g_strdup(o->origin);
    return c;
}

void plan_free(plan *p)
{
    if (!p)
        return;
    experiment_file_free(p->file);
    experiment_free(p->base);
    if (p->sets)
        g_ptr_array_free(p->sets, TRUE);
    g_strfreev(p->axis_keys);
    g_free(p->experiment_cfg);
    g_free(p->fingerprint);
    g_free(p);
}

void run_plan_free(run_plan *r)
{
    if (!r)
        return;
    g_free(r->id);
    g_strfreev(r->labels);
    experiment_free(r->exp);
    g_free(r->cfg_text);
    g_free(r);
}

/* The hash of a resolved configuration, its comment header left out: the header names the
 * file it was resolved from, and the same experiment resolved from DIR/experiment.cfg (as
 * merging does) must hash the same. */
static char *fingerprint_of(const char *cfg_text)
{
    const char *body = cfg_text;
    while (*body == '#') {
        const char *nl = strchr(body, '\n');
        if (!nl)
            break;
        body = nl + 1;
    }
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, body, -1);
}

/* The parts of a resolved file that decide the data and the model's shape. */
static char *shape_key(const experiment *e)
{
    g_autofree char *text = experiment_to_text(e, NULL);
    GString *k = g_string_new(NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    gboolean keep = FALSE;
    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "dataset =") || g_str_has_prefix(*l, "model ="))
            keep = TRUE;
        else if (g_str_has_prefix(*l, "loss =") || g_str_has_prefix(*l, "seed =") ||
                 g_str_has_prefix(*l, "optimizer ="))
            keep = FALSE;
        if (keep)
            g_string_append_printf(k, "%s\n", *l);
    }
    return g_string_free(k, FALSE);
}

static const grid_axis *axis_at(const plan *p, guint a)
{
    return p->file->axes->pdata[a];
}

/* The grid value positions of a cell, first axis slowest. */
static void cell_digits(const plan *p, int cell, int *digit)
{
    for (guint a = p->file->axes->len; a-- > 0;) {
        int n = (int)axis_at(p, a)->values->len;
        digit[a] = cell % n;
        cell /= n;
    }
}

/* The --set values, then one value per axis. */
static GPtrArray *overrides_for(const plan *p, const int *digit)
{
    GPtrArray *ov = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
    for (guint k = 0; k < p->sets->len; k++)
        g_ptr_array_add(ov, override_copy(p->sets->pdata[k]));
    for (guint a = 0; a < p->file->axes->len; a++) {
        const grid_axis *ax = axis_at(p, a);
        override *o = g_new0(override, 1);
        o->key = g_strdup(ax->key);
        o->text = g_strdup(ax->values->pdata[digit[a]]);
        o->origin = g_strdup_printf("%s:%d: grid value %s = %s", p->file->path, ax->line,
                                    ax->key, (char *)ax->values->pdata[digit[a]]);
        g_ptr_array_add(ov, o);
    }
    return ov;
}

static experiment *resolve_digits(const plan *p, const int *digit, GError **error)
{
    g_autoptr(GPtrArray) ov = overrides_for(p, digit);
    return experiment_resolve(p->file, ov, p->reg, error);
}

GPtrArray *plan_cell_overrides(const plan *p, int cell)
{
    guint n = p->file->axes->len;
    g_autofree int *digit = g_new0(int, MAX(n, 1u));
    cell_digits(p, cell, digit);
    return overrides_for(p, digit);
}

char *plan_run_id(const plan *p, int index)
{
    return g_strdup_printf("r%0*d", p->id_width, index);
}

int plan_cell_of(const plan *p, int index)
{
    return index / p->repeats;
}

GStrv plan_cell_labels(const plan *p, int cell)
{
    guint n = p->file->axes->len;
    g_autofree int *digit = g_new0(int, MAX(n, 1u));
    cell_digits(p, cell, digit);
    GStrv labels = g_new0(char *, n + 1);
    for (guint a = 0; a < n; a++)
        labels[a] = g_strdup(axis_at(p, a)->labels->pdata[digit[a]]);
    return labels;
}

/* The text of one axis's value for a cell ("0.001"). */
static const char *axis_value(const plan *p, int axis, int cell)
{
    guint n = p->file->axes->len;
    g_autofree int *digit = g_new0(int, MAX(n, 1u));
    cell_digits(p, cell, digit);
    return axis_at(p, (guint)axis)->values->pdata[digit[axis]];
}

gint64 plan_run_seed(const plan *p, int index)
{
    gint64 base = p->base->top.seed;
    if (p->seed_axis >= 0)
        base = g_ascii_strtoll(axis_value(p, p->seed_axis, plan_cell_of(p, index)), NULL, 10);
    return base + index % p->repeats;
}

double plan_run_timeout(const plan *p, int index)
{
    if (p->timeout_axis >= 0)
        return g_ascii_strtod(axis_value(p, p->timeout_axis, plan_cell_of(p, index)), NULL);
    return p->base->train.timeout;
}

run_plan *plan_run_at(plan *p, int index, GError **error)
{
    guint n = p->file->axes->len;
    g_autoptr(run_plan) r = g_new0(run_plan, 1);
    r->index = index;
    r->id = plan_run_id(p, index);
    r->cell = plan_cell_of(p, index);
    r->repeat = index % p->repeats;
    r->labels = plan_cell_labels(p, r->cell);
    g_autofree int *digit = g_new0(int, MAX(n, 1u));
    cell_digits(p, r->cell, digit);
    /* On failure the message names the grid value at fault (its origin). */
    r->exp = resolve_digits(p, digit, error);
    if (!r->exp)
        return NULL;
    r->seed = (gint64)r->exp->top.seed + r->repeat;
    r->exp->top.seed = (int)r->seed;
    r->exp->top.repeats = 1;
    /* run.cfg is named after the run, so that running it to reproduce the run writes into
     * results/<name>-<run>, never into the sweep it came from. */
    char *run_name = g_strdup_printf("%s-%s", r->exp->top.name, r->id);
    g_free(r->exp->top.name);
    r->exp->top.name = run_name;
    r->cfg_text = experiment_to_text(r->exp, NULL);
    return g_steal_pointer(&r);
}

gboolean plan_owns_saved_run(plan *p, int index, const char *saved_fingerprint)
{
    if (!saved_fingerprint)
        return FALSE;
    if (strcmp(saved_fingerprint, p->fingerprint) == 0)
        return TRUE;
    g_autoptr(run_plan) r = plan_run_at(p, index, NULL);
    if (!r)
        return FALSE;
    /* Those versions hashed the run's configuration under the experiment's own name. */
    g_free(r->exp->top.name);
    r->exp->top.name = g_strdup(p->base->top.name);
    g_autofree char *text = experiment_to_text(r->exp, NULL);
    g_autofree char *legacy = fingerprint_of(text);
    return strcmp(saved_fingerprint, legacy) == 0;
}

static gboolean check_axes(plan *p, const char *path, GError **error)
{
    GPtrArray *axes = p->file->axes;
    g_autoptr(GStrvBuilder) kb = g_strv_builder_new();
    gint64 n_cells = 1;
    p->seed_axis = p->timeout_axis = -1;
    for (guint a = 0; a < axes->len; a++) {
        const grid_axis *ax = axes->pdata[a];
        if (strcmp(ax->key, "repeats") == 0 || g_str_has_prefix(ax->key, "grid")) {
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                        "%s:%d: grid: \"%s\" cannot be a grid axis (use repeats for replicates)",
                        path, ax->line, ax->key);
            return FALSE;
        }
        for (guint k = 0; k < p->sets->len; k++)
            if (strcmp(((override *)p->sets->pdata[k])->key, ax->key) == 0) {
                g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                            "--set %s: this key is a grid axis (%s:%d): edit its values in "
                            "the grid, or remove the axis to --set one value",
                            ax->key, path, ax->line);
                return FALSE;
            }
        if (strcmp(ax->key, "seed") == 0)
            p->seed_axis = (int)a;
        if (strcmp(ax->key, "train.timeout") == 0)
            p->timeout_axis = (int)a;
        g_strv_builder_add(kb, ax->key);
        n_cells *= (gint64)ax->values->len;
        if (n_cells > PLAN_MAX_RUNS)
            break;
    }
    p->axis_keys = g_strv_builder_end(kb);
    p->repeats = p->base->top.repeats;
    if (n_cells * p->repeats > PLAN_MAX_RUNS) {
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                    "%s: the grid times repeats is more than %d runs; split the experiment "
                    "into several files",
                    path, PLAN_MAX_RUNS);
        return FALSE;
    }
    p->n_cells = (int)n_cells;
    p->n_runs = p->n_cells * p->repeats;
    p->id_width = MAX(4, (int)g_snprintf(NULL, 0, "%d", p->n_runs - 1));
    return TRUE;
}

/* Load the data and build the model of e unless a configuration of the same shape was;
 * an error names the grid point. */
static gboolean check_shape(const plan *p, const int *digit, const experiment *e,
                            fl_host *host, GHashTable *checked, GError **error)
{
    char *key = shape_key(e);
    if (g_hash_table_contains(checked, key)) {
        g_free(key);
        return TRUE;
    }
    g_hash_table_add(checked, key);
    if (train_check(e, host, error))
        return TRUE;
    if (p->file->axes->len) {
        g_autoptr(GString) where = g_string_new(NULL);
        for (guint a = 0; a < p->file->axes->len; a++)
            g_string_append_printf(where, "%s%s = %s", a ? ", " : "", axis_at(p, a)->key,
                                   (char *)axis_at(p, a)->values->pdata[digit[a]]);
        g_prefix_error(error, "grid point %s: ", where->str);
    }
    return FALSE;
}

/* Each grid value once, the others at their first value; then the data and model of every
 * combination of the values that change them. */
static gboolean check_values(plan *p, fl_host *host, gboolean check_data, GError **error)
{
    guint n = p->file->axes->len;
    g_autofree int *digit = g_new0(int, MAX(n, 1u));
    g_autoptr(GHashTable) checked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *first_shape = NULL;
    {
        g_autoptr(experiment) e = resolve_digits(p, digit, error);
        if (!e)
            return FALSE;
        if (check_data) {
            first_shape = shape_key(e);
            if (!check_shape(p, digit, e, host, checked, error))
                return FALSE;
        }
    }
    /* shape_axis[a]: some value of axis a changes the data or the model. */
    g_autofree gboolean *shape_axis = g_new0(gboolean, MAX(n, 1u));
    gint64 combos = 1;
    for (guint a = 0; a < n; a++) {
        const grid_axis *ax = axis_at(p, a);
        for (guint v = 1; v < ax->values->len; v++) {
            memset(digit, 0, n * sizeof *digit);
            digit[a] = (int)v;
            g_autoptr(experiment) e = resolve_digits(p, digit, error);
            if (!e)
                return FALSE;
            if (!check_data)
                continue;
            g_autofree char *key = shape_key(e);
            if (strcmp(key, first_shape) != 0)
                shape_axis[a] = TRUE;
            if (!check_shape(p, digit, e, host, checked, error))
                return FALSE;
        }
        if (shape_axis[a])
            combos *= (gint64)ax->values->len;
        combos = MIN(combos, (gint64)PLAN_MAX_SHAPE_CHECKS + 1);
    }
    if (!check_data || combos > PLAN_MAX_SHAPE_CHECKS)
        return TRUE;
    /* Every combination of the shape axes' values, odometer style. */
    memset(digit, 0, n * sizeof *digit);
    for (;;) {
        guint a = n;
        while (a-- > 0) {
            if (!shape_axis[a])
                continue;
            if (++digit[a] < (int)axis_at(p, a)->values->len)
                break;
            digit[a] = 0;
        }
        if (a == G_MAXUINT)
            return TRUE;
        g_autoptr(experiment) e = resolve_digits(p, digit, error);
        if (!e || !check_shape(p, digit, e, host, checked, error))
            return FALSE;
    }
}

plan *plan_new(const char *path, GPtrArray *sets, registry *reg, fl_host *host,
               gboolean check_data, GError **error)
{
    g_autoptr(plan) p = g_new0(plan, 1);
    p->reg = reg;
    p->sets = g_ptr_array_new_with_free_func((GDestroyNotify)override_free);
    for (guint k = 0; sets && k < sets->len; k++)
        g_ptr_array_add(p->sets, override_copy(sets->pdata[k]));
    p->file = experiment_file_read(path, error);
    if (!p->file)
        return NULL;
    p->base = experiment_resolve(p->file, p->sets, reg, error);
    if (!p->base || !check_axes(p, path, error) || !check_values(p, host, check_data, error))
        return NULL;
    p->experiment_cfg = experiment_to_text(p->base, p->file->axes);
    p->fingerprint = fingerprint_of(p->experiment_cfg);
    return g_steal_pointer(&p);
}
