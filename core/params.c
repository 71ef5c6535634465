/* params.c — the core side of declarative parameter tables.
 *
 * Plugins describe their options (flatline/plugin.h: fl_param); this file is the only code
 * that turns configuration into option values.  Every value, whether it comes from the
 * experiment file, a default, `--set` or a grid axis, goes through one path: a libconfig
 * setting checked against the row's type and range.  Text is first parsed as a libconfig
 * value, so `--set optimizer.lr=1e-3` behaves exactly like the file. */
#include "params.h"
#include "suggest.h"

#include <errno.h>
#include <math.h>
#include <string.h>

double params_activation_default_alpha(fl_activation_kind kind)
{
    switch (kind) {
    case FL_ACT_LEAKY_RELU: return 0.3; /* Keras LeakyReLU */
    case FL_ACT_ELU: return 1.0;
    default: return 0.0;
    }
}

static gboolean activation_takes_alpha(fl_activation_kind kind)
{
    return kind == FL_ACT_LEAKY_RELU || kind == FL_ACT_ELU;
}

gboolean params_activation_from_name(const char *name, fl_activation *out)
{
    fl_activation_kind kind;
    if (!fl_activation_from_name(name, &kind))
        return FALSE;
    out->kind = kind;
    out->alpha = params_activation_default_alpha(kind);
    return TRUE;
}

const char *params_alias(const char *key)
{
    /* Names users bring from Keras and PyTorch, mapped to flatline's. */
    static const char *const aliases[][2] = {
        {"learning_rate", "lr"},       {"beta_1", "beta1"},
        {"beta_2", "beta2"},           {"eps", "epsilon"},
        {"betas", "beta1"},            {"kernel_initializer", "init"},
        {"bias_initializer", "bias_init"}, {"weight_decay", "l2"},
        {"kernel_regularizer", "l2"},  {"p", "rate"},
        {"out_features", "units"},     {"nb_epoch", "epochs"},
        {"batch_size", "batch"},       {"validation_split", "validation"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(aliases); i++)
        if (strcmp(key, aliases[i][0]) == 0)
            return aliases[i][1];
    return NULL;
}

/* ---------------------------------------------------------------- setting values */

static char *where(const config_setting_t *s, const char *scope, const char *key)
{
    const char *file = s ? config_setting_source_file(s) : NULL;
    unsigned line = s ? config_setting_source_line(s) : 0;
    GString *w = g_string_new(NULL);
    if (file && line)
        g_string_append_printf(w, "%s:%u: ", file, line);
    if (scope && *scope)
        g_string_append_printf(w, "%s.", scope);
    g_string_append(w, key);
    return g_string_free(w, FALSE);
}

static const char *type_word(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a number";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_ARRAY: return "an array";
    case CONFIG_TYPE_LIST: return "a list";
    case CONFIG_TYPE_GROUP: return "a group";
    }
    return "something else";
}

/* The setting as it would be written, for "got ..." in messages. */
static char *setting_text(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT: return g_strdup_printf("%d", config_setting_get_int(s));
    case CONFIG_TYPE_INT64: return g_strdup_printf("%lld", config_setting_get_int64(s));
    case CONFIG_TYPE_FLOAT: return g_strdup_printf("%g", config_setting_get_float(s));
    case CONFIG_TYPE_BOOL: return g_strdup(config_setting_get_bool(s) ? "true" : "false");
    case CONFIG_TYPE_STRING: return g_strdup_printf("\"%s\"", config_setting_get_string(s));
    default: return g_strdup(type_word(s));
    }
}

static gboolean set_error(GError **error, int code, const config_setting_t *s, const char *scope,
                          const char *key, const char *fmt, ...) G_GNUC_PRINTF(6, 7);
static gboolean set_error(GError **error, int code, const config_setting_t *s, const char *scope,
                          const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autofree char *w = where(s, scope, key);
    g_set_error(error, FL_PARAMS_ERROR, code, "%s: %s", w, msg);
    return FALSE;
}

/* "expected <what>, got <the setting as written>". */
static gboolean type_error(GError **error, const config_setting_t *s, const char *scope,
                           const fl_param *p, const char *what)
{
    g_autofree char *got = setting_text(s);
    return set_error(error, PARAMS_ERROR_TYPE, s, scope, p->key, "expected %s, got %s", what, got);
}

static gboolean is_number(const config_setting_t *s)
{
    int t = config_setting_type(s);
    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
}

static double number_of(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT: return config_setting_get_int(s);
    case CONFIG_TYPE_INT64: return (double)config_setting_get_int64(s);
    default: return config_setting_get_float(s);
    }
}

static gboolean check_range(const fl_param *p, double v, const config_setting_t *s,
                            const char *scope, GError **error)
{
    if (!params_in_range(p, v)) {
        g_autofree char *got = setting_text(s);
        return set_error(error, PARAMS_ERROR_RANGE, s, scope, p->key,
                         "%s is out of range: must lie in %s (%s)", got, p->range, p->help);
    }
    return TRUE;
}

/* An integer setting within the row's range; `element` >= 0 names the element of an
 * array (FL_PARAM_INTS) in messages. */
static gboolean int_of(const config_setting_t *s, const char *scope, const fl_param *p, int element,
                       int *out, GError **error)
{
    g_autofree char *which = element >= 0 ? g_strdup_printf("element %d: ", element) : g_strdup("");
    int t = config_setting_type(s);
    double v;
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        v = number_of(s);
    else if (t == CONFIG_TYPE_FLOAT && number_of(s) == floor(number_of(s)))
        v = number_of(s); /* 1e3 written for 1000 */
    else {
        g_autofree char *got = setting_text(s);
        return set_error(error, PARAMS_ERROR_TYPE, s, scope, p->key,
                         "%sexpected an integer, got %s", which, got);
    }
    if (v < G_MININT || v > G_MAXINT) {
        g_autofree char *got = setting_text(s);
        return set_error(error, PARAMS_ERROR_RANGE, s, scope, p->key, "%s%s is too large", which,
                         got);
    }
    if (!params_in_range(p, v)) {
        g_autofree char *got = setting_text(s);
        return set_error(error, PARAMS_ERROR_RANGE, s, scope, p->key,
                         "%s%s is out of range: must lie in %s (%s)", which, got, p->range,
                         p->help);
    }
    *out = (int)v;
    return TRUE;
}

/* One integer, or an array or list of 1 to FL_MAX_INTS of them. */
static gboolean set_ints(fl_ints *out, const config_setting_t *s, const char *scope,
                         const fl_param *p, GError **error)
{
    int t = config_setting_type(s);
    fl_ints v = {0};
    if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
        int n = config_setting_length(s);
        if (n < 1 || n > FL_MAX_INTS)
            return set_error(error, PARAMS_ERROR_TYPE, s, scope, p->key,
                             "has %d elements: give 1 to %d integers", n, FL_MAX_INTS);
        for (int i = 0; i < n; i++)
            if (!int_of(config_setting_get_elem(s, i), scope, p, i, &v.v[i], error))
                return FALSE;
        v.n = n;
    } else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT) {
        if (!int_of(s, scope, p, -1, &v.v[0], error))
            return FALSE;
        v.n = 1;
    } else {
        return type_error(error, s, scope, p, "an integer or an array of integers");
    }
    *out = v;
    return TRUE;
}

/* The name a reference gives: a string ("relu") or a group's `plugin` member
 * ({ plugin = "leaky_relu"; alpha = 0.1; }).  Messages call the group one "naming
 * <naming>" and say what was `expected` otherwise. */
static gboolean name_of_ref(const config_setting_t *s, const char *scope, const fl_param *p,
                            const char *naming, const char *expected, const char **name,
                            GError **error)
{
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        *name = config_setting_get_string(s);
        return TRUE;
    }
    if (config_setting_is_group(s)) {
        const config_setting_t *ps = config_setting_get_member(s, "plugin");
        if (!ps || config_setting_type(ps) != CONFIG_TYPE_STRING)
            return set_error(error, PARAMS_ERROR_TYPE, s, scope, p->key,
                             "a group naming %s needs plugin = \"name\";", naming);
        *name = config_setting_get_string(ps);
        return TRUE;
    }
    return type_error(error, s, scope, p, expected);
}

static gboolean set_activation(fl_activation *out, const config_setting_t *s, const char *scope,
                               const fl_param *p, GError **error)
{
    const char *name = NULL;
    const config_setting_t *alpha = NULL;
    if (!name_of_ref(s, scope, p, "an activation", "an activation name", &name, error))
        return FALSE;
    if (config_setting_is_group(s)) {
        for (int i = 0; i < config_setting_length(s); i++) {
            const config_setting_t *m = config_setting_get_elem(s, i);
            const char *k = config_setting_name(m);
            if (strcmp(k, "plugin") == 0)
                continue;
            if (strcmp(k, "alpha") != 0)
                return set_error(error, PARAMS_ERROR_UNKNOWN_KEY, m, scope, p->key,
                                 "unknown key \"%s\" for an activation (only alpha)", k);
            alpha = m;
        }
    }
    fl_activation act;
    if (!params_activation_from_name(name, &act)) {
        const char *names[FL_ACT_COUNT];
        for (int k = 0; k < FL_ACT_COUNT; k++)
            names[k] = fl_activation_name((fl_activation_kind)k);
        g_autofree char *hint = suggest_name(name, names, FL_ACT_COUNT);
        return set_error(error, PARAMS_ERROR_TYPE, s, scope, p->key,
                         "unknown activation \"%s\"%s; known: linear, relu, leaky_relu, elu, "
                         "selu, sigmoid, tanh, softmax, softplus",
                         name, hint);
    }
    if (alpha) {
        if (!activation_takes_alpha(act.kind))
            return set_error(error, PARAMS_ERROR_UNKNOWN_KEY, alpha, scope, p->key,
                             "activation \"%s\" takes no alpha (leaky_relu and elu do)", name);
        if (!is_number(alpha))
            return set_error(error, PARAMS_ERROR_TYPE, alpha, scope, p->key,
                             "alpha: expected a number, got %s", type_word(alpha));
        act.alpha = number_of(alpha);
        if (!(act.alpha >= 0) || !isfinite(act.alpha))
            return set_error(error, PARAMS_ERROR_RANGE, alpha, scope, p->key,
                             "alpha must be a finite number >= 0");
    }
    *out = act;
    return TRUE;
}

static gboolean set_plugin_ref(fl_ref *out, const config_setting_t *s, const char *scope,
                               const fl_param *p, registry *reg, GError **error)
{
    fl_kind kind = FL_KIND_LAYER;
    if (!fl_kind_from_name(p->choices, &kind)) /* refused when the plugin loaded */
        return set_error(error, PARAMS_ERROR_TABLE, s, scope, p->key,
                         "the parameter table names no plugin kind (\"%s\")", p->choices);
    const char *name = NULL;
    g_autofree char *expected = g_strdup_printf("the name of a %s plugin", p->choices);
    if (!name_of_ref(s, scope, p, "a plugin", expected, &name, error))
        return FALSE;
    const config_setting_t *group = config_setting_is_group(s) ? s : NULL;
    g_autoptr(GError) err = NULL;
    const fl_plugin *plugin = registry_find(reg, kind, name, &err);
    if (!plugin)
        return set_error(error, PARAMS_ERROR_TYPE, s, scope, p->key, "%s", err->message);
    void *opts = params_opts_new(plugin, reg, error);
    if (!opts)
        return FALSE;
    g_autofree char *inner_scope = scope && *scope ? g_strdup_printf("%s.%s", scope, p->key)
                                                   : g_strdup(p->key);
    static const char *const reserved[] = {"plugin", NULL};
    if (group && (!params_set_from_group(plugin, opts, group, reserved, inner_scope, reg, error) ||
                  !params_check_required(plugin, opts, error))) {
        params_opts_free(plugin, opts);
        return FALSE;
    }
    if (!group && !params_check_required(plugin, opts, error)) {
        g_prefix_error(error, "%s: ", inner_scope);
        params_opts_free(plugin, opts);
        return FALSE;
    }
    if (out->plugin)
        params_opts_free(out->plugin, (void *)out->opts);
    out->plugin = plugin;
    out->opts = opts;
    return TRUE;
}

gboolean params_set_from_setting(const fl_plugin *plugin, void *opts, const fl_param *p,
                                 const config_setting_t *s, const char *scope, registry *reg,
                                 GError **error)
{
    (void)plugin;
    char *field = (char *)opts + p->offset;
    int t = config_setting_type(s);
    switch (p->type) {
    case FL_PARAM_INT: return int_of(s, scope, p, -1, (int *)field, error);
    case FL_PARAM_FLOAT: {
        if (!is_number(s))
            return type_error(error, s, scope, p, "a number");
        double v = number_of(s);
        if (!isfinite(v))
            return set_error(error, PARAMS_ERROR_RANGE, s, scope, p->key, "must be finite");
        if (!check_range(p, v, s, scope, error))
            return FALSE;
        *(double *)field = v;
        return TRUE;
    }
    case FL_PARAM_BOOL:
        if (t != CONFIG_TYPE_BOOL)
            return type_error(error, s, scope, p, "true or false");
        *(bool *)field = config_setting_get_bool(s);
        return TRUE;
    case FL_PARAM_STRING:
        if (t != CONFIG_TYPE_STRING)
            return type_error(error, s, scope, p, "a string");
        g_free(*(char **)field);
        *(char **)field = g_strdup(config_setting_get_string(s));
        return TRUE;
    case FL_PARAM_CHOICE: {
        int idx;
        if (t != CONFIG_TYPE_STRING) {
            g_autofree char *got = setting_text(s);
            return set_error(error, PARAMS_ERROR_TYPE, s, scope, p->key,
                             "expected one of %s, got %s", p->choices, got);
        }
        const char *v = config_setting_get_string(s);
        if (!params_choice_index(p->choices, v, &idx)) {
            g_auto(GStrv) opts_v = g_strsplit(p->choices, "|", -1);
            g_autofree char *hint =
                suggest_name(v, (const char *const *)opts_v, g_strv_length(opts_v));
            return set_error(error, PARAMS_ERROR_TYPE, s, scope, p->key,
                             "\"%s\" is not one of %s%s", v, p->choices, hint);
        }
        *(int *)field = idx;
        return TRUE;
    }
    case FL_PARAM_STRINGS: {
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();
        if (t == CONFIG_TYPE_STRING) {
            g_strv_builder_add(b, config_setting_get_string(s));
        } else if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
            for (int i = 0; i < config_setting_length(s); i++) {
                const config_setting_t *e = config_setting_get_elem(s, i);
                if (config_setting_type(e) != CONFIG_TYPE_STRING)
                    return set_error(error, PARAMS_ERROR_TYPE, s, scope, p->key,
                                     "element %d: expected a string, got %s", i, type_word(e));
                g_strv_builder_add(b, config_setting_get_string(e));
            }
            if (config_setting_length(s) == 0)
                return set_error(error, PARAMS_ERROR_TYPE, s, scope, p->key,
                                 "is empty: give at least one name");
        } else {
            return set_error(error, PARAMS_ERROR_TYPE, s, scope, p->key,
                             "expected a string or an array of strings, got %s", type_word(s));
        }
        g_strfreev(*(char ***)field);
        *(char ***)field = g_strv_builder_end(b);
        return TRUE;
    }
    case FL_PARAM_ACTIVATION:
        return set_activation((fl_activation *)field, s, scope, p, error);
    case FL_PARAM_PLUGIN:
        return set_plugin_ref((fl_ref *)field, s, scope, p, reg, error);
    case FL_PARAM_INTS: return set_ints((fl_ints *)field, s, scope, p, error);
    }
    return FALSE;
}

gboolean params_set_from_group(const fl_plugin *plugin, void *opts,
                               const config_setting_t *group, const char *const *reserved,
                               const char *scope, registry *reg, GError **error)
{
    for (int i = 0; i < config_setting_length(group); i++) {
        const config_setting_t *s = config_setting_get_elem(group, i);
        const char *key = config_setting_name(s);
        if (reserved && g_strv_contains(reserved, key))
            continue;
        const fl_param *p = params_find(plugin, key);
        if (!p) {
            g_autoptr(GPtrArray) keys = g_ptr_array_new();
            for (const fl_param *q = params_first(plugin); q; q = params_next(plugin, q))
                g_ptr_array_add(keys, (gpointer)q->key);
            for (const char *const *r = reserved; r && *r; r++)
                g_ptr_array_add(keys, (gpointer)*r);
            g_autofree char *hint =
                suggest_name(key, (const char *const *)keys->pdata, keys->len);
            const char *alias = params_alias(key);
            if (!*hint && alias && params_find(plugin, alias)) {
                g_free(hint);
                hint = g_strdup_printf(" (did you mean \"%s\"?)", alias);
            }
            g_autoptr(GString) known = g_string_new(NULL);
            for (guint k = 0; k < keys->len; k++)
                g_string_append_printf(known, "%s%s", k ? ", " : "", (char *)keys->pdata[k]);
            g_autofree char *owner =
                plugin->kind ? g_strdup_printf("%s \"%s\"", fl_kind_name(plugin->kind),
                                               plugin->name)
                             : g_strdup_printf("\"%s\"", plugin->name);
            return set_error(error, PARAMS_ERROR_UNKNOWN_KEY, s, scope, key,
                             "unknown key for %s%s; its keys: %s", owner, hint,
                             known->len ? known->str : "none");
        }
        if (!params_set_from_setting(plugin, opts, p, s, scope, reg, error))
            return FALSE;
    }
    return TRUE;
}

gboolean params_parse_value(config_t *cfg, const char *text)
{
    config_init(cfg);
    g_autofree char *doc = g_strdup_printf("v = %s;", text);
    if (config_read_string(cfg, doc) == CONFIG_TRUE)
        /* "1;x=2" parses as two settings: only one value is allowed. */
        return config_setting_length(config_root_setting(cfg)) == 1;
    config_destroy(cfg);
    config_init(cfg);
    g_autoptr(GString) quoted = g_string_new("v = ");
    params_append_quoted(quoted, text);
    g_string_append_c(quoted, ';');
    return config_read_string(cfg, quoted->str) == CONFIG_TRUE;
}

static gboolean set_from_text(const fl_plugin *plugin, void *opts, const fl_param *p,
                              const char *text, const char *scope, registry *reg,
                              GError **error)
{
    config_t cfg;
    gboolean ok = params_parse_value(&cfg, text);
    if (!ok)
        set_error(error, PARAMS_ERROR_TYPE, NULL, scope, p->key, "cannot read value '%s'", text);
    else
        ok = params_set_from_setting(plugin, opts, p, config_lookup(&cfg, "v"), scope, reg, error);
    config_destroy(&cfg);
    return ok;
}

gboolean params_set_from_string(const fl_plugin *plugin, void *opts, const char *key,
                                const char *value, registry *reg, GError **error)
{
    const fl_param *p = params_find(plugin, key);
    if (!p) {
        g_set_error(error, FL_PARAMS_ERROR, PARAMS_ERROR_UNKNOWN_KEY,
                    "%s \"%s\" has no parameter \"%s\"", fl_kind_name(plugin->kind),
                    plugin->name, key);
        return FALSE;
    }
    return set_from_text(plugin, opts, p, value, plugin->name, reg, error);
}

/* ---------------------------------------------------------------- options lifetime */

static gboolean field_is_set(const fl_param *p, const void *opts)
{
    const char *field = (const char *)opts + p->offset;
    switch (p->type) {
    case FL_PARAM_STRING: return *(char *const *)field != NULL;
    case FL_PARAM_STRINGS: return *(char **const *)field != NULL;
    case FL_PARAM_PLUGIN: return ((const fl_ref *)field)->plugin != NULL;
    case FL_PARAM_INTS: return ((const fl_ints *)field)->n > 0;
    default: return TRUE;
    }
}

void *params_opts_new(const fl_plugin *plugin, registry *reg, GError **error)
{
    void *opts = g_malloc0(MAX(plugin->opts_size, (size_t)1));
    for (const fl_param *p = params_first(plugin); p; p = params_next(plugin, p)) {
        if (!p->def) {
            /* Numbers without a default start as NaN/0 and are flagged by check_required. */
            if (p->type == FL_PARAM_FLOAT)
                *(double *)((char *)opts + p->offset) = NAN;
            else if (p->type == FL_PARAM_INT)
                *(int *)((char *)opts + p->offset) = G_MININT;
            continue;
        }
        if (!set_from_text(plugin, opts, p, p->def, plugin->name, reg, error)) {
            g_prefix_error(error, "default of %s \"%s\": ", fl_kind_name(plugin->kind),
                           plugin->name);
            params_opts_free(plugin, opts);
            return NULL;
        }
    }
    return opts;
}

gboolean params_check_required(const fl_plugin *plugin, const void *opts, GError **error)
{
    for (const fl_param *p = params_first(plugin); p; p = params_next(plugin, p)) {
        /* A string list without a default is optional: the plugin picks (csv's target). */
        if (p->def || p->type == FL_PARAM_STRINGS)
            continue;
        const char *field = (const char *)opts + p->offset;
        gboolean missing = !field_is_set(p, opts) ||
                           (p->type == FL_PARAM_FLOAT && isnan(*(const double *)field)) ||
                           (p->type == FL_PARAM_INT && *(const int *)field == G_MININT);
        if (missing) {
            g_set_error(error, FL_PARAMS_ERROR, PARAMS_ERROR_MISSING,
                        "%s \"%s\" needs %s (%s)", fl_kind_name(plugin->kind),
                        plugin->name, p->key, p->help ? p->help : "required");
            return FALSE;
        }
    }
    return TRUE;
}

void params_opts_free(const fl_plugin *plugin, void *opts)
{
    if (!opts)
        return;
    for (const fl_param *p = params_first(plugin); p; p = params_next(plugin, p)) {
        char *field = (char *)opts + p->offset;
        switch (p->type) {
        case FL_PARAM_STRING: g_free(*(char **)field); break;
        case FL_PARAM_STRINGS: g_strfreev(*(char ***)field); break;
        case FL_PARAM_PLUGIN: {
            fl_ref *ref = (fl_ref *)field;
            if (ref->plugin)
                params_opts_free(ref->plugin, (void *)ref->opts);
            break;
        }
        default: break;
        }
    }
    g_free(opts);
}

void *params_opts_copy(const fl_plugin *plugin, const void *opts)
{
    void *copy = g_memdup2(opts, MAX(plugin->opts_size, (size_t)1));
    for (const fl_param *p = params_first(plugin); p; p = params_next(plugin, p)) {
        char *field = (char *)copy + p->offset;
        switch (p->type) {
        case FL_PARAM_STRING: *(char **)field = g_strdup(*(char **)field); break;
        case FL_PARAM_STRINGS: *(char ***)field = g_strdupv(*(char ***)field); break;
        case FL_PARAM_PLUGIN: {
            fl_ref *ref = (fl_ref *)field;
            if (ref->plugin)
                ref->opts = params_opts_copy(ref->plugin, ref->opts);
            break;
        }
        default: break;
        }
    }
    return copy;
}

gboolean params_ref_init(fl_ref *ref, registry *reg, fl_kind kind, const char *name,
                         const char *const *key_values, GError **error)
{
    ref->plugin = NULL;
    ref->opts = NULL;
    const fl_plugin *plugin = registry_find(reg, kind, name, error);
    if (!plugin)
        return FALSE;
    void *opts = params_opts_new(plugin, reg, error);
    if (!opts)
        return FALSE;
    for (const char *const *kv = key_values; kv && *kv; kv++) {
        const char *eq = strchr(*kv, '=');
        g_autofree char *key = eq ? g_strndup(*kv, (gsize)(eq - *kv)) : g_strdup(*kv);
        if (!eq || !params_set_from_string(plugin, opts, key, eq + 1, reg, error)) {
            if (!eq)
                g_set_error(error, FL_PARAMS_ERROR, PARAMS_ERROR_TYPE,
                            "\"%s\": expected key=value", *kv);
            params_opts_free(plugin, opts);
            return FALSE;
        }
    }
    if (!params_check_required(plugin, opts, error)) {
        params_opts_free(plugin, opts);
        return FALSE;
    }
    ref->plugin = plugin;
    ref->opts = opts;
    return TRUE;
}

void params_ref_clear(fl_ref *ref)
{
    if (ref->plugin)
        params_opts_free(ref->plugin, (void *)ref->opts);
    ref->plugin = NULL;
    ref->opts = NULL;
}

/* ---------------------------------------------------------------- text output */

void params_append_quoted(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const char *c = s; *c; c++) {
        if (*c == '"' || *c == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *c);
    }
    g_string_append_c(out, '"');
}

void params_append_double(GString *out, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    /* The fewest digits that read back as the same double: 0.2, not 0.20000000000000001. */
    for (int digits = 6; digits <= 17; digits++) {
        char fmt[8];
        g_snprintf(fmt, sizeof fmt, "%%.%dg", digits);
        g_ascii_formatd(buf, sizeof buf, fmt, v);
        if (g_ascii_strtod(buf, NULL) == v)
            break;
    }
    g_string_append(out, buf);
    if (!strpbrk(buf, ".eEn"))
        g_string_append(out, ".0");
}

char *params_ref_to_string(const fl_ref *ref)
{
    GString *out = g_string_new(NULL);
    if (!ref->plugin) {
        g_string_append(out, "\"\"");
    } else if (!params_first(ref->plugin)) {
        params_append_quoted(out, ref->plugin->name);
    } else {
        g_string_append(out, "{ plugin = ");
        params_append_quoted(out, ref->plugin->name);
        g_string_append(out, "; ");
        for (const fl_param *p = params_first(ref->plugin); p; p = params_next(ref->plugin, p)) {
            g_autofree char *v = params_value_to_string(p, ref->opts);
            g_string_append_printf(out, "%s = %s; ", p->key, v);
        }
        g_string_append_c(out, '}');
    }
    return g_string_free(out, FALSE);
}

char *params_value_to_string(const fl_param *p, const void *opts)
{
    const char *field = (const char *)opts + p->offset;
    GString *out = g_string_new(NULL);
    switch (p->type) {
    case FL_PARAM_INT: g_string_append_printf(out, "%d", *(const int *)field); break;
    case FL_PARAM_FLOAT: params_append_double(out, *(const double *)field); break;
    case FL_PARAM_BOOL: g_string_append(out, *(const bool *)field ? "true" : "false"); break;
    case FL_PARAM_STRING: {
        const char *s = *(char *const *)field;
        params_append_quoted(out, s ? s : "");
        break;
    }
    case FL_PARAM_CHOICE: {
        g_auto(GStrv) opts_v = g_strsplit(p->choices, "|", -1);
        int idx = *(const int *)field;
        params_append_quoted(out, idx >= 0 && idx < (int)g_strv_length(opts_v) ? opts_v[idx] : "");
        break;
    }
    case FL_PARAM_STRINGS: {
        char *const *v = *(char **const *)field;
        g_string_append_c(out, '[');
        for (int i = 0; v && v[i]; i++) {
            if (i)
                g_string_append(out, ", ");
            params_append_quoted(out, v[i]);
        }
        g_string_append_c(out, ']');
        break;
    }
    case FL_PARAM_ACTIVATION: {
        const fl_activation *a = (const fl_activation *)field;
        if (activation_takes_alpha(a->kind)) {
            g_string_append_printf(out, "{ plugin = \"%s\"; alpha = ", fl_activation_name(a->kind));
            params_append_double(out, a->alpha);
            g_string_append(out, "; }");
        } else {
            params_append_quoted(out, fl_activation_name(a->kind));
        }
        break;
    }
    case FL_PARAM_PLUGIN: {
        g_autofree char *s = params_ref_to_string((const fl_ref *)field);
        g_string_append(out, s);
        break;
    }
    case FL_PARAM_INTS: {
        const fl_ints *v = (const fl_ints *)field;
        if (v->n == 1) {
            g_string_append_printf(out, "%d", v->v[0]);
            break;
        }
        g_string_append_c(out, '[');
        for (int i = 0; i < v->n && i < FL_MAX_INTS; i++)
            g_string_append_printf(out, "%s%d", i ? ", " : "", v->v[i]);
        g_string_append_c(out, ']');
        break;
    }
    }
    return g_string_free(out, FALSE);
}

void params_write_text_late(const fl_plugin *plugin, const void *opts, GString *out, int indent,
                            const char *const *late)
{
    for (const fl_param *p = params_first(plugin); p; p = params_next(plugin, p)) {
        /* An unset optional string list (csv's default target) is left out, not "[]". */
        if (!field_is_set(p, opts))
            continue;
        g_autofree char *v = params_value_to_string(p, opts);
        if (late && g_strv_contains(late, p->key) && p->def && strcmp(v, p->def) == 0)
            continue;
        g_string_append_printf(out, "%*s%s = %s;\n", indent, "", p->key, v);
    }
}

void params_write_text(const fl_plugin *plugin, const void *opts, GString *out, int indent)
{
    params_write_text_late(plugin, opts, out, indent, NULL);
}
