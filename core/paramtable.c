/* paramtable.c — see paramtable.h. */
#include "paramtable.h"

#include <errno.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK(flatline-params-error-quark, params_error)

/* ---------------------------------------------------------------- parameter rows */

const fl_param *params_first(const fl_plugin *plugin)
{
    if (!plugin->params || !plugin->params->key)
        return NULL;
    return plugin->params;
}

const fl_param *params_next(const fl_plugin *plugin, const fl_param *row)
{
    const fl_param *next = (const fl_param *)(const void *)((const char *)row + plugin->param_size);
    return next->key ? next : NULL;
}

/* ---------------------------------------------------------------- ranges */

typedef struct range {
    double lo, hi;
    gboolean lo_open, hi_open;
} range;

static gboolean parse_bound(const char *s, double *v)
{
    g_autofree char *t = g_strstrip(g_strdup(s));
    if (g_ascii_strcasecmp(t, "inf") == 0 || g_ascii_strcasecmp(t, "+inf") == 0) {
        *v = INFINITY;
        return TRUE;
    }
    if (g_ascii_strcasecmp(t, "-inf") == 0) {
        *v = -INFINITY;
        return TRUE;
    }
    char *end = NULL;
    errno = 0;
    *v = g_ascii_strtod(t, &end);
    return *t && end && *end == '\0' && errno == 0;
}

static gboolean parse_range(const char *text, range *r)
{
    gsize len = text ? strlen(text) : 0;
    if (len < 5)
        return FALSE;
    if ((text[0] != '[' && text[0] != '(') || (text[len - 1] != ']' && text[len - 1] != ')'))
        return FALSE;
    g_autofree char *inner = g_strndup(text + 1, len - 2);
    g_auto(GStrv) parts = g_strsplit(inner, ",", -1);
    if (g_strv_length(parts) != 2)
        return FALSE;
    if (!parse_bound(parts[0], &r->lo) || !parse_bound(parts[1], &r->hi) || r->lo > r->hi)
        return FALSE;
    r->lo_open = text[0] == '(';
    r->hi_open = text[len - 1] == ')';
    return TRUE;
}

gboolean params_in_range(const fl_param *p, double v)
{
    range r;
    if (!p->range || !parse_range(p->range, &r))
        return TRUE; /* no range; an unreadable one was refused when the plugin loaded */
    if (isnan(v))
        return FALSE;
    if (r.lo_open ? !(v > r.lo) : !(v >= r.lo))
        return FALSE;
    if (r.hi_open ? !(v < r.hi) : !(v <= r.hi))
        return FALSE;
    return TRUE;
}

/* ---------------------------------------------------------------- table checks */

static gsize type_size(fl_param_type t)
{
    switch (t) {
    case FL_PARAM_INT: return sizeof(int);
    case FL_PARAM_FLOAT: return sizeof(double);
    case FL_PARAM_BOOL: return sizeof(bool);
    case FL_PARAM_STRING: return sizeof(char *);
    case FL_PARAM_CHOICE: return sizeof(int);
    case FL_PARAM_STRINGS: return sizeof(char **);
    case FL_PARAM_ACTIVATION: return sizeof(fl_activation);
    case FL_PARAM_PLUGIN: return sizeof(fl_ref);
    case FL_PARAM_INTS: return sizeof(fl_ints);
    }
    return 0;
}

gboolean params_choice_index(const char *choices, const char *value, int *index)
{
    g_auto(GStrv) opts = g_strsplit(choices, "|", -1);
    for (int i = 0; opts[i]; i++)
        if (strcmp(opts[i], value) == 0) {
            *index = i;
            return TRUE;
        }
    return FALSE;
}

#define TABLE_ERROR(...) \
    (g_set_error(error, FL_PARAMS_ERROR, PARAMS_ERROR_TABLE, __VA_ARGS__), FALSE)

gboolean params_check_table(const fl_plugin *plugin, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (const fl_param *p = params_first(plugin); p; p = params_next(plugin, p)) {
        if (!*p->key || g_hash_table_contains(seen, p->key))
            return TABLE_ERROR("parameter table of \"%s\": empty or repeated key \"%s\"",
                               plugin->name, p->key);
        g_hash_table_add(seen, (gpointer)p->key);
        gsize size = type_size(p->type);
        if (size == 0)
            return TABLE_ERROR("parameter %s.%s: unknown type %d", plugin->name, p->key, p->type);
        if (p->offset + size > plugin->opts_size)
            return TABLE_ERROR("parameter %s.%s: offset %zu lies outside the %zu-byte options",
                               plugin->name, p->key, p->offset, plugin->opts_size);
        range r;
        if (p->range && !parse_range(p->range, &r))
            return TABLE_ERROR("parameter %s.%s: cannot read range \"%s\" (write \"[0, 1)\")",
                               plugin->name, p->key, p->range);
        fl_kind kind;
        if (p->type == FL_PARAM_CHOICE && (!p->choices || !*p->choices))
            return TABLE_ERROR("parameter %s.%s: a choice needs its choices", plugin->name, p->key);
        if (p->type == FL_PARAM_PLUGIN && !fl_kind_from_name(p->choices, &kind))
            return TABLE_ERROR("parameter %s.%s: choices must name a plugin kind, not \"%s\"",
                               plugin->name, p->key, p->choices ? p->choices : "(null)");
        if (p->type == FL_PARAM_CHOICE && p->def) {
            int idx;
            g_autofree char *bare = g_strdup(p->def);
            g_strdelimit(bare, "\"", ' ');
            g_strstrip(bare);
            if (!params_choice_index(p->choices, bare, &idx))
                return TABLE_ERROR("parameter %s.%s: default \"%s\" is not one of %s",
                                   plugin->name, p->key, p->def, p->choices);
        }
    }
    return TRUE;
}

const fl_param *params_find(const fl_plugin *plugin, const char *key)
{
    for (const fl_param *p = params_first(plugin); p; p = params_next(plugin, p))
        if (strcmp(p->key, key) == 0)
            return p;
    return NULL;
}
