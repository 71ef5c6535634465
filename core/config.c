/* config.c — from an experiment file to resolved runs.
 *
 * The file is parsed by libconfig.  Overrides (`--set`, grid values) are applied to a
 * fresh tree of the file for each run, so a value from the grid is checked exactly like
 * the same value written in the file.  Resolution then walks the tree: the experiment's
 * own groups (top level, dataset's common keys, train) are filled through parameter
 * tables just like plugins' options, so every key gets the same type and range checks,
 * unknown-key errors and "did you mean". */
#include "config.h"
#include "about.h"
#include "params.h"
#include "suggest.h"
#include "term.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK(flatline-config-error-quark, config_error)

/* ---------------------------------------------------------------- own tables */

static const fl_param top_params[] = {
    {"name", FL_PARAM_STRING, "\"\"", NULL, NULL,
     "experiment name (default: the file name); names the results directory",
     offsetof(top_opts, name)},
    {"seed", FL_PARAM_INT, "0", "[0, 2147483647]", NULL,
     "base seed; repeat r of a grid point runs with seed + r", offsetof(top_opts, seed)},
    {"repeats", FL_PARAM_INT, "1", "[1, 100000]", NULL, "runs per grid point",
     offsetof(top_opts, repeats)},
    {"data_dir", FL_PARAM_STRING, "\"\"", NULL, NULL,
     "directory relative data paths start from (default: the file's directory)",
     offsetof(top_opts, data_dir)},
    FL_PARAM_END};
static const fl_plugin top_table = {.name = "experiment",
                                    .summary = "top level",
                                    .params = top_params,
                                    .param_size = sizeof(fl_param),
                                    .opts_size = sizeof(top_opts)};

static const fl_param dataset_params[] = {
    {"normalize", FL_PARAM_CHOICE, "\"none\"", NULL, "none|standard|minmax",
     "scale inputs with statistics of the training split", offsetof(dataset_opts, normalize)},
    {"normalize_targets", FL_PARAM_CHOICE, "\"none\"", NULL, "none|standard",
     "scale regression targets with statistics of the training split (losses and metrics "
     "are then in those units)",
     offsetof(dataset_opts, normalize_targets)},
    {"validation", FL_PARAM_FLOAT, "0.0", "[0, 1)", NULL, "fraction of samples held out",
     offsetof(dataset_opts, validation)},
    {"shuffle", FL_PARAM_BOOL, "true", NULL, NULL, "shuffle samples once before the split",
     offsetof(dataset_opts, shuffle)},
    {"seed", FL_PARAM_INT, "-1", "[-1, 2147483647]", NULL,
     "seed of generated data and of the split (-1: the experiment's seed)",
     offsetof(dataset_opts, seed)},
    FL_PARAM_END};
/* Dataset keys added after results were first saved: written only when set. */
static const char *const dataset_late_keys[] = {"normalize_targets", NULL};
static const fl_plugin dataset_table = {.name = "dataset",
                                        .summary = "dataset",
                                        .params = dataset_params,
                                        .param_size = sizeof(fl_param),
                                        .opts_size = sizeof(dataset_opts)};

static const fl_param train_params[] = {
    {"epochs", FL_PARAM_INT, "100", "[1, 10000000]", NULL, "passes over the training split",
     offsetof(train_opts, epochs)},
    {"batch", FL_PARAM_INT, "32", "[1, 10000000]", NULL, "samples per step",
     offsetof(train_opts, batch)},
    {"shuffle", FL_PARAM_BOOL, "true", NULL, NULL, "reshuffle training samples every epoch",
     offsetof(train_opts, shuffle)},
    {"stop_on", FL_PARAM_CHOICE, "\"collapsed\"", NULL, "collapsed|never",
     "stop a run once its collapse is certain", offsetof(train_opts, stop_on)},
    {"timeout", FL_PARAM_FLOAT, "0.0", "[0, inf)", NULL, "seconds one run may take (0: none)",
     offsetof(train_opts, timeout)},
    {"probe", FL_PARAM_INT, "100", "[1, 100000]", NULL,
     "training samples in the fixed probe batch", offsetof(train_opts, probe)},
    {"pack", FL_PARAM_INT, "32", "[1, 4096]", NULL,
     "repeats of a grid point trained together as one batched computation",
     offsetof(train_opts, pack)},
    FL_PARAM_END};
/* Train keys added after results were first saved: written only when set. */
static const char *const train_late_keys[] = {"pack", NULL};
static const fl_plugin train_table = {.name = "train",
                                      .summary = "train",
                                      .params = train_params,
                                      .param_size = sizeof(fl_param),
                                      .opts_size = sizeof(train_opts)};

static const char *const top_keys[] = {"name", "seed", "repeats", "data_dir", "dataset",
                                       "model", "loss", "optimizer", "train", "detectors",
                                       "grid", "verify", NULL};

/* ---------------------------------------------------------------- small helpers */

/* "file.cfg:12" of a setting, or the file alone when it has no line (an override). */
static char *where_of(const config_setting_t *s, const char *path)
{
    const char *file = s ? config_setting_source_file(s) : NULL;
    unsigned line = s ? config_setting_source_line(s) : 0;
    if (file && line)
        return g_strdup_printf("%s:%u", file, line);
    return g_strdup(path);
}

static gboolean fail(GError **error, const config_setting_t *s, const char *path,
                     const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static gboolean fail(GError **error, const config_setting_t *s, const char *path,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    const char *file = s ? config_setting_source_file(s) : NULL;
    unsigned line = s ? config_setting_source_line(s) : 0;
    if (file && line)
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID, "%s:%u: %s%s%s", file, line,
                    path ? path : "", path ? ": " : "", msg);
    else
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID, "%s%s%s", path ? path : "",
                    path ? ": " : "", msg);
    return FALSE;
}

/* A setting in experiment-file syntax; `label` drops quotes and braces for tables. */
static void setting_append(GString *out, const config_setting_t *s, gboolean label)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT: g_string_append_printf(out, "%d", config_setting_get_int(s)); break;
    case CONFIG_TYPE_INT64:
        /* With its L: without it libconfig would read 4294967297 back as 1. */
        g_string_append_printf(out, "%lld%s", config_setting_get_int64(s), label ? "" : "L");
        break;
    case CONFIG_TYPE_FLOAT:
        if (label)
            g_string_append_printf(out, "%g", config_setting_get_float(s));
        else
            params_append_double(out, config_setting_get_float(s));
        break;
    case CONFIG_TYPE_BOOL: g_string_append(out, config_setting_get_bool(s) ? "true" : "false"); break;
    case CONFIG_TYPE_STRING:
        if (label)
            g_string_append(out, config_setting_get_string(s));
        else
            params_append_quoted(out, config_setting_get_string(s));
        break;
    case CONFIG_TYPE_ARRAY:
    case CONFIG_TYPE_LIST: {
        gboolean array = config_setting_type(s) == CONFIG_TYPE_ARRAY;
        g_string_append(out, array ? "[" : "(");
        for (int i = 0; i < config_setting_length(s); i++) {
            if (i)
                g_string_append(out, ", ");
            setting_append(out, config_setting_get_elem(s, i), label);
        }
        g_string_append(out, array ? "]" : ")");
        break;
    }
    case CONFIG_TYPE_GROUP: {
        if (label) {
            /* { plugin = "normal"; stddev = 1.0; } reads as normal(stddev=1) */
            const config_setting_t *p = config_setting_get_member(s, "plugin");
            g_string_append(out, p && config_setting_type(p) == CONFIG_TYPE_STRING
                                      ? config_setting_get_string(p)
                                      : "");
            gboolean first = TRUE;
            for (int i = 0; i < config_setting_length(s); i++) {
                const config_setting_t *m = config_setting_get_elem(s, i);
                if (strcmp(config_setting_name(m), "plugin") == 0)
                    continue;
                g_string_append_printf(out, "%s%s=", first ? "(" : ",", config_setting_name(m));
                setting_append(out, m, TRUE);
                first = FALSE;
            }
            if (!first)
                g_string_append_c(out, ')');
        } else {
            g_string_append(out, "{ ");
            for (int i = 0; i < config_setting_length(s); i++) {
                const config_setting_t *m = config_setting_get_elem(s, i);
                g_string_append_printf(out, "%s = ", config_setting_name(m));
                setting_append(out, m, FALSE);
                g_string_append(out, "; ");
            }
            g_string_append_c(out, '}');
        }
        break;
    }
    }
}

static char *setting_to_text(const config_setting_t *s, gboolean label)
{
    GString *out = g_string_new(NULL);
    setting_append(out, s, label);
    return g_string_free(out, FALSE);
}

/* Copy src (from any tree) into parent as `name` (NULL inside lists and arrays). */
static config_setting_t *setting_copy(config_setting_t *parent, const char *name,
                                      const config_setting_t *src)
{
    int type = config_setting_type(src);
    config_setting_t *dst = config_setting_add(parent, name, type);
    if (!dst)
        return NULL;
    switch (type) {
    case CONFIG_TYPE_INT: config_setting_set_int(dst, config_setting_get_int(src)); break;
    case CONFIG_TYPE_INT64: config_setting_set_int64(dst, config_setting_get_int64(src)); break;
    case CONFIG_TYPE_FLOAT: config_setting_set_float(dst, config_setting_get_float(src)); break;
    case CONFIG_TYPE_BOOL: config_setting_set_bool(dst, config_setting_get_bool(src)); break;
    case CONFIG_TYPE_STRING: config_setting_set_string(dst, config_setting_get_string(src)); break;
    default:
        for (int i = 0; i < config_setting_length(src); i++) {
            const config_setting_t *e = config_setting_get_elem(src, i);
            if (!setting_copy(dst, type == CONFIG_TYPE_GROUP ? config_setting_name(e) : NULL, e))
                return NULL;
        }
    }
    return dst;
}

/* ---------------------------------------------------------------- reading the file */

static void axis_free(grid_axis *a)
{
    g_free(a->key);
    g_ptr_array_free(a->values, TRUE);
    g_ptr_array_free(a->labels, TRUE);
    g_free(a);
}

void experiment_file_free(experiment_file *f)
{
    if (!f)
        return;
    config_destroy(&f->cfg);
    if (f->axes)
        g_ptr_array_free(f->axes, TRUE);
    g_free(f->path);
    g_free(f->about);
    g_free(f);
}

/* libconfig says only "cannot open include file": read the @include line it stopped at
 * for the name, and say where that name was looked for.  NULL if the line holds none. */
static char *include_problem(const char *file, int line)
{
    g_autofree char *text = NULL;
    if (line < 1 || !g_file_get_contents(file, &text, NULL, NULL))
        return NULL;
    g_auto(GStrv) lines = g_strsplit(text, "\n", line + 1);
    if (g_strv_length(lines) < (guint)line)
        return NULL;
    const char *at = strstr(lines[line - 1], "@include");
    const char *open = at ? strchr(at, '"') : NULL;
    const char *close = open ? strchr(open + 1, '"') : NULL;
    if (!close)
        return NULL;
    g_autofree char *name = g_strndup(open + 1, (gsize)(close - open - 1));
    /* No include directory is set: libconfig opens the name as it is, from the working
     * directory. */
    g_autofree char *looked = g_canonicalize_filename(name, NULL);
    int err = ENOENT;
    FILE *probe = fopen(looked, "r");
    if (probe) {
        fclose(probe);
        err = 0;
    } else {
        err = errno;
    }
    return g_strdup_printf("cannot open the included file \"%s\" (looked for %s: %s); an "
                           "@include path is read from the directory flatline runs in: give "
                           "it from there, or as an absolute path",
                           name, looked, err ? g_strerror(err) : "not readable as a file");
}

static gboolean read_tree(config_t *cfg, const char *path, GError **error)
{
    config_init(cfg);
    if (config_read_file(cfg, path) == CONFIG_TRUE)
        return TRUE;
    if (config_error_type(cfg) == CONFIG_ERR_FILE_IO) {
        /* Say which: libconfig only knows that fopen failed. */
        int err = 0;
        FILE *probe = fopen(path, "r");
        if (probe)
            fclose(probe);
        else
            err = errno;
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_READ,
                    "%s: cannot read the experiment file (%s)", path,
                    g_file_test(path, G_FILE_TEST_IS_DIR)
                        ? "a directory, not a file: give the path of the .cfg file itself"
                    : !g_file_test(path, G_FILE_TEST_EXISTS) ? "no such file"
                    : err ? g_strerror(err)
                          : "not a file it can read");
    } else {
        const char *file = config_error_file(cfg) ? config_error_file(cfg) : path;
        g_autofree char *include = NULL;
        if (config_error_text(cfg) && strstr(config_error_text(cfg), "include file"))
            include = include_problem(file, config_error_line(cfg));
        if (include)
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_READ, "%s:%d: %s", file,
                        config_error_line(cfg), include);
        else
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_READ,
                        "%s:%d: %s (libconfig syntax: key = value; groups { }, lists ( ), "
                        "arrays [ ])",
                        file, config_error_line(cfg), config_error_text(cfg));
    }
    return FALSE;
}

static gboolean read_grid(experiment_file *f, GError **error)
{
    f->axes = g_ptr_array_new_with_free_func((GDestroyNotify)axis_free);
    config_setting_t *grid = config_lookup(&f->cfg, "grid");
    if (!grid)
        return TRUE;
    if (!config_setting_is_list(grid) && !config_setting_is_array(grid))
        return fail(error, grid, "grid", "expected a list of axes: ( { key = \"optimizer.lr\"; "
                                         "values = [ 1e-3, 1e-2 ]; } )");
    for (int i = 0; i < config_setting_length(grid); i++) {
        config_setting_t *ax = config_setting_get_elem(grid, i);
        g_autofree char *where = g_strdup_printf("grid axis %d", i + 1);
        if (!config_setting_is_group(ax))
            return fail(error, ax, where, "expected a group { key = \"...\"; values = [ ... ]; }");
        const config_setting_t *key = NULL, *values = NULL;
        for (int m = 0; m < config_setting_length(ax); m++) {
            config_setting_t *s = config_setting_get_elem(ax, m);
            const char *name = config_setting_name(s);
            if (strcmp(name, "key") == 0)
                key = s;
            else if (strcmp(name, "values") == 0)
                values = s;
            else {
                static const char *const known[] = {"key", "values"};
                g_autofree char *hint = suggest_name(name, known, 2);
                return fail(error, s, where, "unknown key \"%s\"%s; an axis has key and values",
                            name, hint);
            }
        }
        if (!key || config_setting_type(key) != CONFIG_TYPE_STRING)
            return fail(error, ax, where, "needs key = \"group.key\"; (the key to vary)");
        if (!values || (!config_setting_is_array(values) && !config_setting_is_list(values)))
            return fail(error, ax, where, "needs values = [ ... ]; (the values to try)");
        if (config_setting_length(values) == 0)
            return fail(error, values, where, "values is empty: give at least one value");
        grid_axis *a = g_new0(grid_axis, 1);
        a->key = g_strdup(config_setting_get_string(key));
        a->line = config_setting_source_line(ax);
        a->values = g_ptr_array_new_with_free_func(g_free);
        a->labels = g_ptr_array_new_with_free_func(g_free);
        for (int v = 0; v < config_setting_length(values); v++) {
            const config_setting_t *e = config_setting_get_elem(values, v);
            /* libconfig reads 1e999 as infinity, which no key accepts and no file can
             * hold: refuse it here, where the axis still has its line. */
            if (config_setting_type(e) == CONFIG_TYPE_FLOAT &&
                !isfinite(config_setting_get_float(e))) {
                fail(error, values, where,
                     "value %d is beyond the range of a double (read as infinity); use a "
                     "finite number",
                     v + 1);
                axis_free(a);
                return FALSE;
            }
            g_ptr_array_add(a->values, setting_to_text(e, FALSE));
            g_ptr_array_add(a->labels, setting_to_text(e, TRUE));
        }
        for (guint k = 0; k < f->axes->len; k++)
            if (strcmp(((grid_axis *)f->axes->pdata[k])->key, a->key) == 0) {
                fail(error, key, where, "key \"%s\" is already an axis of the grid", a->key);
                axis_free(a);
                return FALSE;
            }
        g_ptr_array_add(f->axes, a);
    }
    return TRUE;
}

/* libconfig 1.5 wraps an integer beyond 32 bits written without L (seed = 4294967297;
 * reads as 1), silently.  Find such literals in the text before trusting the tree. */
static gboolean check_int_literals(const char *path, const char *text, gsize len,
                                   GError **error)
{
    /* libconfig reads past a NUL byte but this scan would stop at it, and miss a wrapped
     * integer after it: refuse the byte, which has no place in a text file anyway. */
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        unsigned nul_line = 1;
        for (const char *c = text; c < nul; c++)
            nul_line += *c == '\n';
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                    "%s:%u: the file holds a NUL byte, which a text experiment file never "
                    "does: remove it, or check that this is the file you meant",
                    path, nul_line);
        return FALSE;
    }
    unsigned line = 1;
    g_autofree char *key = NULL; /* the last "name =" seen, to name the setting */
    for (const char *c = text; *c;) {
        if (*c == '\n') {
            line++;
            c++;
        } else if (*c == '#' || (c[0] == '/' && c[1] == '/')) {
            while (*c && *c != '\n')
                c++;
        } else if (c[0] == '/' && c[1] == '*') {
            for (c += 2; *c && !(c[0] == '*' && c[1] == '/'); c++)
                line += *c == '\n';
            c += *c ? 2 : 0;
        } else if (*c == '"') {
            for (c++; *c && *c != '"'; c++) {
                if (*c == '\\' && c[1])
                    c++;
                line += *c == '\n';
            }
            c += *c ? 1 : 0;
        } else if (g_ascii_isalpha(*c) || *c == '_') {
            const char *start = c;
            while (g_ascii_isalnum(*c) || *c == '_' || *c == '-' || *c == '*')
                c++;
            const char *after = c;
            while (*after == ' ' || *after == '\t')
                after++;
            if (*after == '=' || *after == ':') {
                g_free(key);
                key = g_strndup(start, (gsize)(c - start));
            }
        } else if (g_ascii_isdigit(*c)) {
            const char *start = c;
            gboolean hex = c[0] == '0' && (c[1] == 'x' || c[1] == 'X');
            gboolean is_float = FALSE;
            c += hex ? 2 : 0;
            while (g_ascii_isxdigit(*c) || *c == '.' ||
                   ((*c == 'e' || *c == 'E' || *c == '+' || *c == '-') && !hex)) {
                if (!hex && (*c == '.' || *c == 'e' || *c == 'E'))
                    is_float = TRUE;
                if ((*c == '+' || *c == '-') && !(c[-1] == 'e' || c[-1] == 'E'))
                    break;
                c++;
            }
            if (is_float || *c == 'L')
                continue;
            g_autofree char *num = g_strndup(start, (gsize)(c - start));
            errno = 0;
            /* Base 10 unless hex: libconfig reads 04294967316 as decimal (and wraps it to
             * 20), where base 0 would stop at the 9 of an "octal" number. */
            gint64 v = g_ascii_strtoll(num, NULL, hex ? 16 : 10);
            gboolean negative = start > text && start[-1] == '-';
            if (v > (negative ? (gint64)G_MAXINT32 + 1 : G_MAXINT32) || errno == ERANGE) {
                g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                            "%s:%u: %s: the integer %s%s is too %s (%s): libconfig would "
                            "silently wrap it; use a value in range, or write %s%s.0 if a "
                            "number is meant",
                            path, line, key ? key : "value", negative ? "-" : "", num,
                            negative ? "small" : "large",
                            negative ? "at least -2147483648" : "at most 2147483647",
                            negative ? "-" : "", num);
                return FALSE;
            }
        } else {
            c++;
        }
    }
    return TRUE;
}

experiment_file *experiment_file_read(const char *path, GError **error)
{
    g_autoptr(experiment_file) f = g_new0(experiment_file, 1);
    f->path = g_strdup(path);
    if (!read_tree(&f->cfg, path, error))
        return NULL;
    /* The text itself, read once: for what libconfig does not say, and the header comment.
     * (Unreadable after libconfig read it: nothing to add.) */
    g_autofree char *text = NULL;
    gsize len = 0;
    if (g_file_get_contents(path, &text, &len, NULL)) {
        if (!check_int_literals(path, text, len, error))
            return NULL;
        f->about = about_from_text(text);
    }
    if (!read_grid(f, error))
        return NULL;
    return g_steal_pointer(&f);
}

/* ---------------------------------------------------------------- overrides */

void override_free(override *o)
{
    if (!o)
        return;
    g_free(o->key);
    g_free(o->text);
    g_free(o->origin);
    g_free(o);
}

override *override_parse(const char *arg, GError **error)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                    "--set %s: expected KEY=VALUE, as in --set optimizer.lr=0.01", arg);
        return NULL;
    }
    override *o = g_new0(override, 1);
    o->key = g_strstrip(g_strndup(arg, (gsize)(eq - arg)));
    o->text = g_strdup(eq + 1);
    o->origin = g_strdup_printf("--set %s", arg);
    return o;
}

/* The group a plugin-valued setting must become to take a member: "adam" turns into
 * { plugin = "adam"; }. */
static config_setting_t *as_group(config_setting_t *parent, const char *name)
{
    config_setting_t *s = config_setting_get_member(parent, name);
    if (s && config_setting_is_group(s))
        return s;
    g_autofree char *plugin = NULL;
    if (s && config_setting_type(s) == CONFIG_TYPE_STRING)
        plugin = g_strdup(config_setting_get_string(s));
    else if (s)
        return NULL;
    if (s)
        config_setting_remove(parent, name);
    s = config_setting_add(parent, name, CONFIG_TYPE_GROUP);
    if (s && plugin)
        config_setting_set_string(config_setting_add(s, "plugin", CONFIG_TYPE_STRING), plugin);
    return s;
}

/* A layer without `name` is named by its plugin and position (1-based): dense2. */
static char *layer_default_name(const char *plugin, int i)
{
    return g_strdup_printf("%s%d", plugin, i + 1);
}

/* The name of the model's i-th layer group, as written or by default (caller frees). */
static char *layer_setting_name(const config_setting_t *l, int i)
{
    const char *name = NULL, *plugin = "dense";
    if (config_setting_lookup_string(l, "name", &name))
        return g_strdup(name);
    config_setting_lookup_string(l, "layer", &plugin);
    return layer_default_name(plugin, i);
}

static config_setting_t *find_layer(config_setting_t *model, const char *name)
{
    for (int i = 0; i < config_setting_length(model); i++) {
        config_setting_t *l = config_setting_get_elem(model, i);
        if (!config_setting_is_group(l))
            continue;
        g_autofree char *n = layer_setting_name(l, i);
        if (strcmp(n, name) == 0)
            return l;
    }
    return NULL;
}

/* The model's layers in a new order: model is emptied and refilled from a copy, with
 * `layer` (a group) at position `at`, replacing the layer there when `replace`. */
static gboolean model_rebuild(config_setting_t *root, int at, gboolean replace,
                              const config_setting_t *layer)
{
    config_t copy;
    config_init(&copy);
    config_setting_t *old = setting_copy(config_root_setting(&copy), "model",
                                         config_setting_get_member(root, "model"));
    gboolean ok = old != NULL && config_setting_remove(root, "model") == CONFIG_TRUE;
    config_setting_t *model = ok ? config_setting_add(root, "model", CONFIG_TYPE_LIST) : NULL;
    int n = old ? config_setting_length(old) : 0;
    for (int i = 0; model && i <= n; i++) {
        if (i == at && !setting_copy(model, NULL, layer))
            model = NULL;
        if (model && i < n && !(replace && i == at) &&
            !setting_copy(model, NULL, config_setting_get_elem(old, i)))
            model = NULL;
    }
    config_destroy(&copy);
    return model != NULL;
}

/* --set model.NAME={ ... }: the layer NAME, whole.  An existing layer is replaced in its
 * place; a new one goes just before the first output layer (the last layer when none is
 * marked), reading what that layer read, which then reads it.  The structural fixes of
 * verification (a hidden layer for a linear model, a layer of its own for each head) are
 * such edits. */
static gboolean apply_layer_override(config_t *cfg, const override *o, const char *name,
                                     GError **error)
{
    config_setting_t *root = config_root_setting(cfg);
    config_setting_t *model = config_setting_get_member(root, "model");
    config_t value;
    gboolean parsed = params_parse_value(&value, o->text);
    config_setting_t *v = parsed ? config_lookup(&value, "v") : NULL;
    if (!v || !config_setting_is_group(v)) {
        config_destroy(&value);
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                    "%s: a layer is a group, as in model.%s={ units = 16; activation = "
                    "\"relu\"; }; to change one key, name it, as in model.%s.units",
                    o->origin, name, name);
        return FALSE;
    }
    const char *given = NULL;
    if (config_setting_lookup_string(v, "name", &given) && strcmp(given, name) != 0) {
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                    "%s: the layer is named \"%s\" in the value: leave name out, or make it "
                    "\"%s\"",
                    o->origin, given, name);
        config_destroy(&value);
        return FALSE;
    }
    if (!given)
        config_setting_set_string(config_setting_add(v, "name", CONFIG_TYPE_STRING), name);
    int n = model && config_setting_is_list(model) ? config_setting_length(model) : -1;
    int at = -1, first_output = -1;
    for (int i = 0; i < n; i++) {
        config_setting_t *l = config_setting_get_elem(model, i);
        if (!config_setting_is_group(l))
            continue;
        g_autofree char *ln = layer_setting_name(l, i);
        if (strcmp(ln, name) == 0)
            at = i;
        int out = 0;
        if (first_output < 0 && config_setting_lookup_bool(l, "output", &out) && out)
            first_output = i;
    }
    gboolean replace = at >= 0;
    if (!replace && n > 0) {
        at = first_output >= 0 ? first_output : n - 1;
        config_setting_t *next = config_setting_get_elem(model, at);
        const char *from = NULL;
        if (config_setting_is_group(next) && config_setting_lookup_string(next, "from", &from)) {
            if (!config_setting_get_member(v, "from"))
                config_setting_set_string(config_setting_add(v, "from", CONFIG_TYPE_STRING),
                                          from);
            config_setting_remove(next, "from");
            config_setting_set_string(config_setting_add(next, "from", CONFIG_TYPE_STRING),
                                      name);
        }
    }
    gboolean ok = n > 0 && model_rebuild(root, at, replace, v);
    config_destroy(&value);
    if (!ok)
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                    "%s: the experiment has no model (a list of layers) to put layer %s in",
                    o->origin, name);
    return ok;
}

static gboolean apply_override(config_t *cfg, const override *o, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(o->key, ".", -1);
    guint n = g_strv_length(parts);
    if (n == 0 || !*parts[0]) {
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID, "%s: empty key", o->origin);
        return FALSE;
    }
    for (guint i = 0; i < n; i++)
        if (!*parts[i]) {
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                        "%s: malformed key \"%s\"", o->origin, o->key);
            return FALSE;
        }
    if (strcmp(parts[0], "grid") == 0) {
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                    "%s: the grid cannot be set from the command line; edit the grid in the "
                    "file, or --set the key you want with one value",
                    o->origin);
        return FALSE;
    }
    if (!g_strv_contains(top_keys, parts[0])) {
        g_autofree char *hint = suggest_name(parts[0], top_keys, g_strv_length((GStrv)top_keys));
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                    "%s: \"%s\" is not a top-level key of an experiment%s", o->origin, parts[0],
                    hint);
        return FALSE;
    }
    config_setting_t *parent = config_root_setting(cfg);
    guint i = 0;
    if (strcmp(parts[0], "model") == 0 && n == 2)
        return apply_layer_override(cfg, o, parts[1], error);
    if (strcmp(parts[0], "model") == 0 && n >= 2) {
        config_setting_t *model = config_setting_get_member(parent, "model");
        config_setting_t *layer = model ? find_layer(model, parts[1]) : NULL;
        if (!layer) {
            g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
            for (int k = 0; model && k < config_setting_length(model); k++) {
                const config_setting_t *l = config_setting_get_elem(model, k);
                if (config_setting_is_group(l))
                    g_ptr_array_add(names, layer_setting_name(l, k));
            }
            g_autofree char *hint =
                suggest_name(parts[1], (const char *const *)names->pdata, names->len);
            g_ptr_array_add(names, NULL);
            g_autofree char *list = g_strjoinv(", ", (char **)names->pdata);
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                        "%s: the model has no layer named \"%s\"%s; its layers: %s", o->origin,
                        parts[1], hint, *list ? list : "none");
            return FALSE;
        }
        parent = layer;
        i = 2;
    }
    /* Walk (and create) the groups down to the last part. */
    for (; i + 1 < n; i++) {
        parent = as_group(parent, parts[i]);
        if (!parent) {
            g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID,
                        "%s: \"%s\" is not a group, so it has no key \"%s\"", o->origin,
                        parts[i], parts[i + 1]);
            return FALSE;
        }
    }
    config_t value;
    if (!params_parse_value(&value, o->text)) {
        config_destroy(&value);
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID, "%s: cannot read the value",
                    o->origin);
        return FALSE;
    }
    const char *last = parts[n - 1];
    if (config_setting_get_member(parent, last))
        config_setting_remove(parent, last);
    gboolean ok = setting_copy(parent, last, config_lookup(&value, "v")) != NULL;
    config_destroy(&value);
    if (!ok)
        g_set_error(error, FL_CONFIG_ERROR, CONFIG_ERROR_INVALID, "%s: cannot set %s here",
                    o->origin, o->key);
    return ok;
}

/* ---------------------------------------------------------------- resolving */

static void layer_spec_free(layer_spec *l)
{
    g_free(l->where);
    g_free(l->name);
    g_free(l->from);
    params_ref_clear(&l->layer);
    g_free(l);
}

static void ref_free(fl_ref *r)
{
    params_ref_clear(r);
    g_free(r);
}

void experiment_free(experiment *e)
{
    if (!e)
        return;
    g_free(e->path);
    g_free(e->about);
    g_free(e->dataset_where);
    g_free(e->base_dir);
    g_free(e->top.name);
    g_free(e->top.data_dir);
    params_ref_clear(&e->dataset);
    if (e->layers)
        g_ptr_array_free(e->layers, TRUE);
    params_ref_clear(&e->loss);
    params_ref_clear(&e->optimizer);
    params_ref_clear(&e->schedule);
    if (e->detectors)
        g_ptr_array_free(e->detectors, TRUE);
    g_free(e);
}

gboolean experiment_layer_is_output(const experiment *e, guint i)
{
    gboolean any_output = FALSE;
    for (guint k = 0; k < e->layers->len; k++)
        any_output |= ((const layer_spec *)e->layers->pdata[k])->output;
    return any_output ? ((const layer_spec *)e->layers->pdata[i])->output
                      : i + 1 == e->layers->len;
}

/* Fill a plugin reference from a string or a group; members of the group go to the plugin
 * unless `extra` (a table of the experiment's own, may be NULL) has them. */
static gboolean resolve_ref(fl_ref *ref, config_setting_t *s, fl_kind kind, const char *scope,
                            const char *plugin_key, const char *default_name,
                            const fl_plugin *extra, void *extra_opts,
                            const char *const *also_reserved, registry *reg, GError **error)
{
    const char *name = NULL;
    config_setting_t *name_setting = s;
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        name = config_setting_get_string(s);
    } else if (config_setting_is_group(s)) {
        name_setting = config_setting_get_member(s, plugin_key);
        if (!name_setting && default_name) {
            name = default_name;
            name_setting = s;
        } else if (!name_setting || config_setting_type(name_setting) != CONFIG_TYPE_STRING) {
            return fail(error, name_setting ? name_setting : s, scope,
                        "needs %s = \"name\"; (see `flatline plugins %s`)", plugin_key,
                        fl_kind_name(kind));
        } else {
            name = config_setting_get_string(name_setting);
        }
    } else {
        return fail(error, s, scope, "expected %s %s name or a group { %s = \"...\"; }",
                    strchr("aeiou", fl_kind_name(kind)[0]) ? "an" : "a",
                    fl_kind_name(kind), plugin_key);
    }
    g_autoptr(GError) err = NULL;
    const fl_plugin *plugin = registry_find(reg, kind, name, &err);
    if (!plugin)
        return fail(error, name_setting, scope, "%s", err->message);
    void *opts = params_opts_new(plugin, reg, error);
    if (!opts)
        return FALSE;
    ref->plugin = plugin;
    ref->opts = opts;
    if (config_setting_is_group(s)) {
        g_autoptr(GStrvBuilder) rb = g_strv_builder_new();
        g_strv_builder_add(rb, plugin_key);
        for (const char *const *r = also_reserved; r && *r; r++)
            g_strv_builder_add(rb, *r);
        for (const fl_param *p = extra ? params_first(extra) : NULL; p; p = params_next(extra, p))
            g_strv_builder_add(rb, p->key);
        g_auto(GStrv) reserved = g_strv_builder_end(rb);
        if (!params_set_from_group(plugin, opts, s, (const char *const *)reserved, scope, reg,
                                   error))
            return FALSE;
        if (extra) {
            for (int i = 0; i < config_setting_length(s); i++) {
                config_setting_t *m = config_setting_get_elem(s, i);
                const fl_param *p = params_find(extra, config_setting_name(m));
                if (p && !params_set_from_setting(extra, extra_opts, p, m, scope, reg, error))
                    return FALSE;
            }
        }
    }
    if (!params_check_required(plugin, opts, error)) {
        g_autofree char *msg = g_strdup((*error)->message);
        g_clear_error(error);
        return fail(error, s, scope, "%s", msg);
    }
    return TRUE;
}

static gboolean valid_layer_name(const char *name)
{
    if (!*name || g_ascii_isdigit(name[0]))
        return FALSE;
    for (const char *c = name; *c; c++)
        if (!g_ascii_isalnum(*c) && *c != '_' && *c != '-')
            return FALSE;
    return TRUE;
}

int experiment_layer_input(const experiment *e, guint i)
{
    const layer_spec *l = e->layers->pdata[i];
    if (!l->from)
        return (int)i - 1;
    if (strcmp(l->from, CONFIG_FROM_DATA) == 0)
        return -1;
    for (guint k = 0; k < e->layers->len; k++)
        if (strcmp(((layer_spec *)e->layers->pdata[k])->name, l->from) == 0)
            return (int)k;
    return -1;
}

/* Every path must start at the data and every layer must lead somewhere. */
static gboolean check_wiring(experiment *e, config_setting_t *model, GError **error)
{
    guint n = e->layers->len;
    for (guint i = 0; i < n; i++) {
        const layer_spec *l = e->layers->pdata[i];
        config_setting_t *s = config_setting_get_elem(model, i);
        g_autofree char *where = g_strdup_printf("model.%s.from", l->name);
        if (l->from && strcmp(l->from, l->name) == 0)
            return fail(error, config_setting_get_member(s, "from"), where,
                        "names the layer itself: a layer cannot read its own output; name "
                        "an earlier layer, or leave from out to read the previous one");
        /* Follow the inputs back: they must reach the data within n steps. */
        int k = (int)i;
        guint steps = 0;
        while (k >= 0 && steps <= n) {
            k = experiment_layer_input(e, (guint)k);
            steps++;
        }
        if (k >= 0) {
            /* A cycle: name its members in reading order, starting from this layer. */
            g_autoptr(GString) cycle = g_string_new(l->name);
            int c = experiment_layer_input(e, i);
            for (guint guard = 0; c >= 0 && c != (int)i && guard < n; guard++) {
                g_string_append_printf(cycle, " <- %s", ((layer_spec *)e->layers->pdata[c])->name);
                c = experiment_layer_input(e, (guint)c);
            }
            if (c == (int)i) {
                g_string_append_printf(cycle, " <- %s", l->name);
                return fail(error, config_setting_get_member(s, "from"), where,
                            "layers read each other in a cycle (%s): every path must start "
                            "at the data; give the first layer of the path no from",
                            cycle->str);
            }
        }
    }
    for (guint i = 0; i < n; i++) {
        const layer_spec *l = e->layers->pdata[i];
        gboolean is_output = experiment_layer_is_output(e, i);
        gboolean read = FALSE;
        for (guint k = 0; k < n && !read; k++)
            read = k != i && experiment_layer_input(e, k) == (int)i;
        if (!is_output && !read) {
            g_autofree char *where = g_strdup_printf("model.%s", l->name);
            return fail(error, config_setting_get_elem(model, i), where,
                        "nothing reads this layer's output: mark it output = true or name it "
                        "in another layer's from");
        }
    }
    return TRUE;
}

static gboolean resolve_model(experiment *e, config_setting_t *model, registry *reg,
                              GError **error)
{
    if (!config_setting_is_list(model) && !config_setting_is_array(model))
        return fail(error, model, "model", "expected a list of layers: ( { name = \"h1\"; "
                                           "layer = \"dense\"; units = 10; }, ... )");
    if (config_setting_length(model) == 0)
        return fail(error, model, "model", "has no layers");
    e->layers = g_ptr_array_new_with_free_func((GDestroyNotify)layer_spec_free);
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    for (int i = 0; i < config_setting_length(model); i++) {
        config_setting_t *s = config_setting_get_elem(model, i);
        g_autofree char *where = g_strdup_printf("model layer %d", i + 1);
        if (!config_setting_is_group(s))
            return fail(error, s, where, "expected a group { name = ...; layer = ...; }");
        layer_spec *l = g_new0(layer_spec, 1);
        g_ptr_array_add(e->layers, l);
        l->where = where_of(s, e->path);
        const char *plugin = "dense", *name = NULL;
        config_setting_t *m;
        if ((m = config_setting_get_member(s, "layer"))) {
            if (config_setting_type(m) != CONFIG_TYPE_STRING)
                return fail(error, m, where, "layer: expected a layer plugin name (\"dense\")");
            plugin = config_setting_get_string(m);
        }
        if ((m = config_setting_get_member(s, "name"))) {
            if (config_setting_type(m) != CONFIG_TYPE_STRING)
                return fail(error, m, where, "name: expected a string");
            name = config_setting_get_string(m);
            if (!valid_layer_name(name))
                return fail(error, m, where,
                            "name \"%s\": use letters, digits, _ and -, not starting with a "
                            "digit",
                            name);
        }
        l->name = name ? g_strdup(name) : layer_default_name(plugin, i);
        if (g_hash_table_contains(names, l->name))
            return fail(error, s, where, "a second layer named \"%s\": layer names must differ",
                        l->name);
        g_hash_table_add(names, l->name);
        if ((m = config_setting_get_member(s, "from"))) {
            if (config_setting_type(m) != CONFIG_TYPE_STRING)
                return fail(error, m, where,
                            "from: expected the name of another layer, or \"" CONFIG_FROM_DATA
                            "\" for the data");
            l->from = g_strdup(config_setting_get_string(m));
        }
        if ((m = config_setting_get_member(s, "output"))) {
            if (config_setting_type(m) != CONFIG_TYPE_BOOL)
                return fail(error, m, where, "output: expected true or false");
            l->output = config_setting_get_bool(m);
        }
        g_autofree char *scope = g_strdup_printf("model.%s", l->name);
        static const char *const reserved[] = {"name", "from", "output", NULL};
        if (!resolve_ref(&l->layer, s, FL_KIND_LAYER, scope, "layer", "dense", NULL, NULL,
                         reserved, reg, error))
            return FALSE;
    }
    /* `from` must name a layer of the model, or the data. */
    for (guint i = 0; i < e->layers->len; i++) {
        layer_spec *l = e->layers->pdata[i];
        if (l->from && strcmp(l->from, CONFIG_FROM_DATA) != 0 &&
            !g_hash_table_contains(names, l->from)) {
            g_autoptr(GPtrArray) all = g_ptr_array_new();
            for (guint k = 0; k < e->layers->len; k++)
                g_ptr_array_add(all, ((layer_spec *)e->layers->pdata[k])->name);
            g_autofree char *hint =
                suggest_name(l->from, (const char *const *)all->pdata, all->len);
            config_setting_t *s = config_setting_get_elem(model, i);
            g_autofree char *where = g_strdup_printf("model.%s.from", l->name);
            return fail(error, config_setting_get_member(s, "from"), where,
                        "no layer named \"%s\"%s (\"" CONFIG_FROM_DATA "\" reads the data)",
                        l->from, hint);
        }
    }
    return check_wiring(e, model, error);
}

static gboolean resolve_detectors(experiment *e, config_setting_t *s, registry *reg,
                                  GError **error)
{
    e->detectors = g_ptr_array_new_with_free_func((GDestroyNotify)ref_free);
    if (!s) {
        /* Default: every detector found. */
        g_autoptr(GPtrArray) names = registry_names(reg, FL_KIND_DETECTOR);
        for (guint i = 0; i < names->len; i++) {
            fl_ref *r = g_new0(fl_ref, 1);
            g_ptr_array_add(e->detectors, r);
            if (!params_ref_init(r, reg, FL_KIND_DETECTOR, names->pdata[i], NULL, error))
                return FALSE;
        }
        return TRUE;
    }
    if (!config_setting_is_list(s) && !config_setting_is_array(s))
        return fail(error, s, "detectors", "expected a list: ( \"all\" ), ( ) or names and "
                                           "groups ( { plugin = \"...\"; ... } )");
    for (int i = 0; i < config_setting_length(s); i++) {
        config_setting_t *d = config_setting_get_elem(s, i);
        if (config_setting_type(d) == CONFIG_TYPE_STRING &&
            strcmp(config_setting_get_string(d), "all") == 0) {
            g_autoptr(GPtrArray) names = registry_names(reg, FL_KIND_DETECTOR);
            for (guint k = 0; k < names->len; k++) {
                gboolean listed = FALSE;
                for (guint j = 0; j < e->detectors->len; j++)
                    listed |= strcmp(((fl_ref *)e->detectors->pdata[j])->plugin->name,
                                     names->pdata[k]) == 0;
                if (listed)
                    continue;
                fl_ref *r = g_new0(fl_ref, 1);
                g_ptr_array_add(e->detectors, r);
                if (!params_ref_init(r, reg, FL_KIND_DETECTOR, names->pdata[k], NULL, error))
                    return FALSE;
            }
            continue;
        }
        fl_ref *r = g_new0(fl_ref, 1);
        g_autofree char *scope = g_strdup_printf("detectors[%d]", i);
        if (!resolve_ref(r, d, FL_KIND_DETECTOR, scope, "plugin", NULL, NULL, NULL, NULL, reg,
                         error)) {
            ref_free(r);
            return FALSE;
        }
        /* Named explicitly after "all": this entry, with its options, replaces that one. */
        for (guint j = 0; j < e->detectors->len; j++)
            if (((fl_ref *)e->detectors->pdata[j])->plugin == r->plugin)
                g_ptr_array_remove_index(e->detectors, j--);
        g_ptr_array_add(e->detectors, r);
    }
    return TRUE;
}

/* The name is the results directory's (results/<name>) and appears in reports, job names
 * and on the terminal, so it must be one plain file name.  A bad one is refused, not
 * mapped to a safe one: two names mapped alike would share a directory, and results
 * would land where the user does not look.  Why it is refused, or NULL if it is fine. */
static const char *name_problem(const char *name)
{
    if (strlen(name) > 200)
        return "is longer than 200 bytes";
    if (name[0] == '.')
        return "begins with a dot (., .. and hidden directories are not results directories)";
    if (!g_utf8_validate(name, -1, NULL))
        return "is not UTF-8 text";
    for (const char *c = name; *c; c = g_utf8_next_char(c)) {
        gunichar u = g_utf8_get_char(c);
        if (u == '/')
            return "holds a '/': it names one directory, not a path (use -o for a path)";
        if (u < 0x20 || (u >= 0x7f && u < 0xa0))
            return "holds a control character";
    }
    return NULL;
}

static gboolean check_name(const char *name, const config_setting_t *s, const char *path,
                           GError **error)
{
    const char *why = name_problem(name);
    if (!why)
        return TRUE;
    g_autofree char *shown = term_escape(name, FALSE);
    if (s)
        return fail(error, s, "name", "\"%s\" %s: choose a plain file name such as "
                                      "\"lr-sweep\"",
                    shown, why);
    return fail(error, NULL, path, "the experiment is named after its file, \"%s\", which %s: "
                                   "set name = \"...\"; in the file",
                shown, why);
}

/* verify = 1.0; (extra runs per sweep run), or true / false. */
static gboolean resolve_verify(experiment *e, const config_setting_t *s, GError **error)
{
    e->verify = 1.0;
    if (!s)
        return TRUE;
    int type = config_setting_type(s);
    if (type == CONFIG_TYPE_BOOL)
        e->verify = config_setting_get_bool(s) ? 1.0 : 0.0;
    else if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
        e->verify = (double)config_setting_get_int64(s);
    else if (type == CONFIG_TYPE_FLOAT)
        e->verify = config_setting_get_float(s);
    else
        return fail(error, s, "verify",
                    "expected the fix-verification budget in extra runs per sweep run "
                    "(verify = 1.0; the default), or true / false");
    if (!(e->verify >= 0 && e->verify <= 100))
        return fail(error, s, "verify", "%g: give between 0 (no verification) and 100 extra "
                                        "runs per sweep run", e->verify);
    return TRUE;
}

static gboolean resolve_tree(experiment *e, config_t *cfg, registry *reg, GError **error)
{
    config_setting_t *root = config_root_setting(cfg);
    /* Top-level keys: the experiment's own, then one group per part. */
    for (int i = 0; i < config_setting_length(root); i++) {
        config_setting_t *s = config_setting_get_elem(root, i);
        const char *key = config_setting_name(s);
        if (!g_strv_contains(top_keys, key)) {
            g_autofree char *hint =
                suggest_name(key, top_keys, g_strv_length((GStrv)top_keys));
            return fail(error, s, key,
                        "unknown top-level key%s; an experiment has name, seed, repeats, "
                        "data_dir, dataset, model, loss, optimizer, train, detectors, grid, "
                        "verify",
                        hint);
        }
    }
    if (!params_set_from_group(&top_table, &e->top, root, top_keys + 4, NULL, reg, error))
        return FALSE;
    if (*e->top.name &&
        !check_name(e->top.name, config_setting_get_member(root, "name"), e->path, error))
        return FALSE;
    if (!resolve_verify(e, config_setting_get_member(root, "verify"), error))
        return FALSE;

    static const char *const parts[] = {"dataset", "model", "loss", "optimizer"};
    for (guint i = 0; i < G_N_ELEMENTS(parts); i++)
        if (!config_setting_get_member(root, parts[i]))
            return fail(error, NULL, e->path, "no %s: an experiment needs dataset, model, loss "
                                              "and optimizer",
                        parts[i]);

    config_setting_t *s = config_setting_get_member(root, "dataset");
    e->dataset_where = where_of(s, e->path);
    if (!resolve_ref(&e->dataset, s, FL_KIND_DATASET, "dataset", "plugin", NULL, &dataset_table,
                     &e->data, NULL, reg, error))
        return FALSE;
    if (!resolve_model(e, config_setting_get_member(root, "model"), reg, error))
        return FALSE;
    if (!resolve_ref(&e->loss, config_setting_get_member(root, "loss"), FL_KIND_LOSS, "loss",
                     "plugin", NULL, NULL, NULL, NULL, reg, error))
        return FALSE;
    /* Classes and probabilities mean what they are: only regression targets are scaled. */
    unsigned loss_flags = e->loss.plugin->ops.loss->flags;
    if (e->data.normalize_targets != NORMALIZE_NONE &&
        (loss_flags & (FL_LOSS_CLASSIFICATION | FL_LOSS_PROBABILITIES)))
        return fail(error, config_setting_get_member(s, "normalize_targets"), e->path,
                    "dataset.normalize_targets = \"standard\" with the loss \"%s\", whose "
                    "targets are classes or probabilities: scaled, they would no longer be; "
                    "set it to \"none\", or use a regression loss such as mse",
                    e->loss.plugin->name);
    static const char *const opt_reserved[] = {"schedule", NULL};
    s = config_setting_get_member(root, "optimizer");
    if (!resolve_ref(&e->optimizer, s, FL_KIND_OPTIMIZER, "optimizer", "plugin", NULL, NULL,
                     NULL, opt_reserved, reg, error))
        return FALSE;
    config_setting_t *sched = config_setting_is_group(s) ? config_setting_get_member(s, "schedule")
                                                         : NULL;
    if (sched) {
        if (!resolve_ref(&e->schedule, sched, FL_KIND_SCHEDULE, "optimizer.schedule", "plugin",
                         NULL, NULL, NULL, NULL, reg, error))
            return FALSE;
    } else if (!params_ref_init(&e->schedule, reg, FL_KIND_SCHEDULE, "constant", NULL, error)) {
        return FALSE;
    }
    if ((s = config_setting_get_member(root, "train"))) {
        if (!config_setting_is_group(s))
            return fail(error, s, "train", "expected a group { epochs = 100; batch = 32; }");
        if (!params_set_from_group(&train_table, &e->train, s, NULL, "train", reg, error))
            return FALSE;
    }
    return resolve_detectors(e, config_setting_get_member(root, "detectors"), reg, error);
}

experiment *experiment_resolve(experiment_file *f, GPtrArray *overrides, registry *reg,
                               GError **error)
{
    g_autoptr(experiment) e = g_new0(experiment, 1);
    e->path = g_strdup(f->path);
    e->about = g_strdup(f->about);
    GError *err = NULL;
    void *defaults;
    /* Start from the defaults of the experiment's own tables. */
    defaults = params_opts_new(&top_table, reg, &err);
    g_assert_no_error(err);
    e->top = *(top_opts *)defaults;
    g_free(defaults);
    defaults = params_opts_new(&dataset_table, reg, &err);
    g_assert_no_error(err);
    e->data = *(dataset_opts *)defaults;
    g_free(defaults);
    defaults = params_opts_new(&train_table, reg, &err);
    g_assert_no_error(err);
    e->train = *(train_opts *)defaults;
    g_free(defaults);

    config_t cfg;
    if (!read_tree(&cfg, f->path, error)) {
        config_destroy(&cfg);
        return NULL;
    }
    gboolean ok = TRUE;
    for (guint i = 0; ok && overrides && i < overrides->len; i++)
        ok = apply_override(&cfg, overrides->pdata[i], error);
    if (ok && !(ok = resolve_tree(e, &cfg, reg, error))) {
        /* An overridden value has no line of its own: say where it came from. */
        for (guint i = overrides ? overrides->len : 0; i-- > 0;) {
            const override *o = overrides->pdata[i];
            if (strstr((*error)->message, o->key)) {
                g_prefix_error(error, "%s: ", o->origin);
                break;
            }
        }
    }
    config_destroy(&cfg);
    if (!ok)
        return NULL;

    if (!*e->top.name) {
        g_autofree char *base = g_path_get_basename(f->path);
        char *dot = strrchr(base, '.');
        if (dot && dot != base)
            *dot = '\0';
        g_free(e->top.name);
        e->top.name = g_strdup(base);
        if (!check_name(e->top.name, NULL, f->path, error))
            return NULL;
    }
    if (*e->top.data_dir)
        e->base_dir = g_canonicalize_filename(e->top.data_dir, NULL);
    else {
        g_autofree char *dir = g_path_get_dirname(f->path);
        e->base_dir = g_canonicalize_filename(dir, NULL);
    }
    if (e->data.seed < 0)
        e->data.seed = e->top.seed;
    return g_steal_pointer(&e);
}

/* ---------------------------------------------------------------- writing back */

static void write_ref_group(GString *out, const char *key, const fl_ref *ref, const char *extra,
                            int indent)
{
    g_string_append_printf(out, "%*s%s = {\n%*splugin = \"%s\";\n", indent, "", key,
                           indent + 2, "", ref->plugin->name);
    params_write_text(ref->plugin, ref->opts, out, indent + 2);
    if (extra)
        g_string_append(out, extra);
    g_string_append_printf(out, "%*s};\n", indent, "");
}

void experiment_write_top(const experiment *e, GString *out)
{
    /* data_dir is written out (absolute) so relative data paths still resolve from the
     * resolved file wherever it is read. */
    top_opts top = e->top;
    top.data_dir = e->base_dir;
    params_write_text(&top_table, &top, out, 0);
}

char *experiment_to_text(const experiment *e, GPtrArray *axes)
{
    return experiment_to_text_at(e, axes, NULL, NULL);
}

char *experiment_to_text_at(const experiment *e, GPtrArray *axes, gsize *top_start,
                            gsize *top_end)
{
    GString *out = g_string_new(NULL);
    g_string_append_printf(out, RESOLVED_HEADER PACKAGE_VERSION " from %s\n", e->path);
    g_string_append(out, "# Every default is written out; `flatline run` reads it as it is.\n");
    /* The experiment's own file only (a run's file is about training): what it is for. */
    if (axes)
        about_write(out, e->about);
    if (top_start)
        *top_start = out->len;
    experiment_write_top(e, out);
    if (top_end)
        *top_end = out->len;

    GString *common = g_string_new(NULL);
    params_write_text_late(&dataset_table, &e->data, common, 2, dataset_late_keys);
    g_autofree char *common_text = g_string_free(common, FALSE);
    write_ref_group(out, "dataset", &e->dataset, common_text, 0);

    g_string_append(out, "model = (\n");
    for (guint i = 0; i < e->layers->len; i++) {
        const layer_spec *l = e->layers->pdata[i];
        g_string_append_printf(out, "  {\n    name = \"%s\";\n    layer = \"%s\";\n", l->name,
                               l->layer.plugin->name);
        if (l->from)
            g_string_append_printf(out, "    from = \"%s\";\n", l->from);
        if (l->output)
            g_string_append(out, "    output = true;\n");
        params_write_text(l->layer.plugin, l->layer.opts, out, 4);
        g_string_append_printf(out, "  }%s\n", i + 1 < e->layers->len ? "," : "");
    }
    g_string_append(out, ");\n");
    write_ref_group(out, "loss", &e->loss, NULL, 0);
    g_autofree char *sched = params_ref_to_string(&e->schedule);
    g_autofree char *sched_line = g_strdup_printf("  schedule = %s;\n", sched);
    write_ref_group(out, "optimizer", &e->optimizer, sched_line, 0);
    g_string_append(out, "train = {\n");
    params_write_text_late(&train_table, &e->train, out, 2, train_late_keys);
    g_string_append(out, "};\n");
    g_string_append(out, "detectors = (");
    for (guint i = 0; i < e->detectors->len; i++) {
        g_autofree char *d = params_ref_to_string(e->detectors->pdata[i]);
        g_string_append_printf(out, "%s%s", i ? ", " : " ", d);
    }
    g_string_append(out, " );\n");
    /* The experiment's own file only: a run's file is about training, and a run's
     * fingerprint must not change with the verification budget. */
    if (axes)
        g_string_append_printf(out, "verify = %.17g;\n", e->verify);
    if (axes && axes->len) {
        g_string_append(out, "grid = (\n");
        for (guint i = 0; i < axes->len; i++) {
            const grid_axis *a = axes->pdata[i];
            /* Quoted like any string: a key with a quote must not end the file's syntax. */
            g_string_append(out, "  { key = ");
            params_append_quoted(out, a->key);
            g_string_append(out, "; values = ( ");
            for (guint v = 0; v < a->values->len; v++)
                g_string_append_printf(out, "%s%s", v ? ", " : "", (char *)a->values->pdata[v]);
            g_string_append_printf(out, " ); }%s\n", i + 1 < axes->len ? "," : "");
        }
        g_string_append(out, ");\n");
    }
    return g_string_free(out, FALSE);
}
