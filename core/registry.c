/* registry.c — finds plugin files by name and loads them on demand.
 *
 * File names carry kind and name (layer-dense.so), so finding a plugin needs no dlopen:
 * start-up only lists directories, and a run loads the dozen plugins it uses.  Loading
 * checks everything the core will rely on (ABI, kind, name, parameter table, the kind's
 * required operations) and refuses the file by path otherwise. */
#include "registry.h"
#include "paramtable.h"
#include "paths.h"
#include "suggest.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK(flatline-registry-error-quark, registry_error)

typedef struct loaded {
    char *path;
    void *handle;
    const fl_plugin *plugin;
} loaded;

struct registry {
    GPtrArray *dirs;       /* search order */
    GHashTable *files;     /* "kind-name" -> path (first found wins) */
    GHashTable *by_path;   /* path -> loaded */
    GPtrArray *not_found;  /* "kind \"name\"" asked for and not found, in order */
    gboolean scanned;
};

static void loaded_free(gpointer data)
{
    loaded *l = data;
    if (l->handle)
        dlclose(l->handle);
    g_free(l->path);
    g_free(l);
}

registry *registry_new_empty(void)
{
    registry *reg = g_new0(registry, 1);
    reg->dirs = g_ptr_array_new_with_free_func(g_free);
    reg->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    reg->by_path = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, loaded_free);
    reg->not_found = g_ptr_array_new_with_free_func(g_free);
    return reg;
}

/* The directory of the running binary, with libtool's .libs/ stepped over. */
static char *self_dir(void)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    if (!self)
        return NULL;
    char *dir = g_path_get_dirname(self);
    if (g_str_has_suffix(dir, "/.libs")) {
        char *up = g_path_get_dirname(dir);
        g_free(dir);
        dir = up;
    }
    return dir;
}

/* The plugins of the build tree this binary sits in: the tree it was built in, or a copy
 * or a move of it (config.status beside the binary).  Named even when missing, so that
 * "no plugins found" says where they were looked for. */
static char *build_tree_plugins(const char *dir)
{
    g_autofree char *built = realpath(FL_BUILD_EXE, NULL);
    g_autofree char *built_dir = built ? g_path_get_dirname(built) : NULL;
    if (built_dir && g_strcmp0(built_dir, dir) == 0)
        return g_strdup(FL_BUILD_PLUGINDIR);
    g_autofree char *status = g_build_filename(dir, "config.status", NULL);
    g_autofree char *plugins = g_build_filename(dir, "plugins", NULL);
    if (g_file_test(status, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer(&plugins);
    return NULL;
}

/* An installation moved as a whole: the plugin directory where it lies relative to a
 * binary in DIR, when DIR is not the bindir it was built for. */
static char *moved_install_plugins(const char *dir)
{
    gsize plen = strlen(FL_PREFIX);
    if (g_strcmp0(dir, FL_BINDIR) == 0 || !g_str_has_prefix(FL_BINDIR, FL_PREFIX) ||
        !g_str_has_prefix(FL_PLUGINDIR, FL_PREFIX))
        return NULL;
    const char *bin_tail = &FL_BINDIR[plen]; /* "/bin" */
    if (!*bin_tail || !g_str_has_suffix(dir, bin_tail))
        return NULL;
    g_autofree char *prefix = g_strndup(dir, strlen(dir) - strlen(bin_tail));
    return g_strconcat(prefix, &FL_PLUGINDIR[plen], NULL);
}

registry *registry_new(void)
{
    registry *reg = registry_new_empty();
    const char *env = g_getenv("FLATLINE_PLUGIN_PATH");
    if (env && *env) {
        g_auto(GStrv) parts = g_strsplit(env, G_SEARCHPATH_SEPARATOR_S, -1);
        for (char **p = parts; *p; p++)
            if (**p)
                registry_add_dir(reg, *p);
    }
    g_autofree char *dir = self_dir();
    g_autofree char *build = dir ? build_tree_plugins(dir) : NULL;
    if (build)
        registry_add_dir(reg, build);
    registry_add_dir(reg, FL_PLUGINDIR);
    g_autofree char *moved = dir ? moved_install_plugins(dir) : NULL;
    if (moved && g_strcmp0(moved, FL_PLUGINDIR) != 0)
        registry_add_dir(reg, moved);
    return reg;
}

char *registry_search_path(registry *reg)
{
    g_autoptr(GString) s = g_string_new(NULL);
    for (guint i = 0; i < reg->dirs->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "", (char *)reg->dirs->pdata[i]);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

void registry_add_dir(registry *reg, const char *dir)
{
    /* A directory named twice (FLATLINE_PLUGIN_PATH set to the build tree flatline runs
     * from) is searched once: it can add nothing the first time did not. */
    g_autofree char *canon = g_canonicalize_filename(dir, NULL);
    for (guint i = 0; i < reg->dirs->len; i++) {
        g_autofree char *have = g_canonicalize_filename(reg->dirs->pdata[i], NULL);
        if (strcmp(have, canon) == 0)
            return;
    }
    g_ptr_array_add(reg->dirs, g_strdup(dir));
    reg->scanned = FALSE;
}

void registry_free(registry *reg)
{
    if (!reg)
        return;
    g_hash_table_destroy(reg->by_path);
    g_hash_table_destroy(reg->files);
    g_ptr_array_free(reg->not_found, TRUE);
    g_ptr_array_free(reg->dirs, TRUE);
    g_free(reg);
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Does a file name look like <kind>-<name>.so?  Fills kind and name. */
static gboolean parse_file_name(const char *base, fl_kind *kind, char **name)
{
    if (!g_str_has_suffix(base, ".so"))
        return FALSE;
    const char *dash = strchr(base, '-');
    if (!dash)
        return FALSE;
    g_autofree char *kind_word = g_strndup(base, (gsize)(dash - base));
    if (!fl_kind_from_name(kind_word, kind))
        return FALSE;
    if (dash[1] == '.' && strcmp(dash + 1, ".so") == 0)
        return FALSE; /* "layer-.so": no name */
    *name = g_strndup(dash + 1, strlen(dash + 1) - 3);
    return TRUE;
}

/* One directory entry: its name and whether readdir knew it for a directory, for a
 * regular file, or could not say (a link, or a file system without d_type). */
typedef struct dir_entry {
    char *name;
    unsigned char type;
} dir_entry;

static void dir_entry_free(gpointer p)
{
    dir_entry *e = p;
    g_free(e->name);
    g_free(e);
}

static gint compare_entries(gconstpointer a, gconstpointer b)
{
    const dir_entry *x = *(const dir_entry *const *)a, *y = *(const dir_entry *const *)b;
    return strcmp(x->name, y->name);
}

/* readdir rather than GDir: its d_type spares a stat of every entry, and a build tree's
 * plugin directories hold hundreds (objects, dependency files, libtool's copies). */
static void scan_dir(registry *reg, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    /* Sort entries so the first-found rule does not depend on readdir order. */
    g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(dir_entry_free);
    const struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        dir_entry *e = g_new(dir_entry, 1);
        e->name = g_strdup(de->d_name);
        e->type = de->d_type;
        g_ptr_array_add(entries, e);
    }
    closedir(d);
    g_ptr_array_sort(entries, compare_entries);
    for (guint i = 0; i < entries->len; i++) {
        const dir_entry *e = entries->pdata[i];
        const char *base = e->name;
        fl_kind kind;
        char *name = NULL;
        gboolean known = e->type == DT_DIR || e->type == DT_REG;
        gboolean plugin_file = parse_file_name(base, &kind, &name);
        /* A directory's name can look like anything, a plugin file's cannot: a regular
         * file that is not <kind>-<name>.so needs no further look. */
        if (!plugin_file && e->type == DT_REG)
            continue;
        g_autofree char *path = g_build_filename(dir, base, NULL);
        gboolean is_dir = known ? e->type == DT_DIR : g_file_test(path, G_FILE_TEST_IS_DIR);
        if (is_dir) {
            g_free(name);
            /* libtool leaves modules in .libs; other hidden directories are not ours. */
            if (depth < 4 && (base[0] != '.' || strcmp(base, ".libs") == 0))
                scan_dir(reg, path, depth + 1);
        } else if (plugin_file && !known && !g_file_test(path, G_FILE_TEST_EXISTS)) {
            /* A dangling link: say so once and look further instead of failing later. */
            g_printerr("flatline: warning: %s is a broken link: remove it or fix the link; "
                       "skipping it\n",
                       path);
            g_free(name);
        } else if (plugin_file) {
            char *key = g_strdup_printf("%s-%s", fl_kind_name(kind), name);
            if (!g_hash_table_contains(reg->files, key))
                g_hash_table_insert(reg->files, key, g_steal_pointer(&path));
            else
                g_free(key);
            g_free(name);
        }
    }
}

static void ensure_scanned(registry *reg)
{
    if (reg->scanned)
        return;
    g_hash_table_remove_all(reg->files);
    for (guint i = 0; i < reg->dirs->len; i++)
        scan_dir(reg, reg->dirs->pdata[i], 0);
    reg->scanned = TRUE;
}

/* The end of a field: where a struct written with that field reaches at least. */
#define END_OF(type, field) (offsetof(type, field) + sizeof(((const type *)0)->field))

/* What a plugin built against ABI 2.0 has: the descriptor, a parameter row and each kind's
 * operations table up to their last 2.0 field.  These stay at the 2.0 fields when the
 * header grows: a struct that reaches them is one the core can read (what lies beyond is
 * read only where its size says so). */
static const size_t descriptor_min = END_OF(fl_plugin, ops);
static const size_t param_min = END_OF(fl_param, offset);

typedef struct kind_ops {
    const char *type; /* the C name, for messages */
    const char *macro;
    size_t min;
} kind_ops;

static const kind_ops ops_of_kind[] = {
    [FL_KIND_LAYER] = {"fl_layer_ops", "FL_LAYER_PLUGIN", END_OF(fl_layer_ops, destroy)},
    [FL_KIND_LOSS] = {"fl_loss_ops", "FL_LOSS_PLUGIN", END_OF(fl_loss_ops, destroy)},
    [FL_KIND_OPTIMIZER] = {"fl_optimizer_ops", "FL_OPTIMIZER_PLUGIN",
                           END_OF(fl_optimizer_ops, step)},
    [FL_KIND_SCHEDULE] = {"fl_schedule_ops", "FL_SCHEDULE_PLUGIN", END_OF(fl_schedule_ops, lr)},
    [FL_KIND_INITIALIZER] = {"fl_init_ops", "FL_INITIALIZER_PLUGIN", END_OF(fl_init_ops, fill)},
    [FL_KIND_DATASET] = {"fl_dataset_ops", "FL_DATASET_PLUGIN", END_OF(fl_dataset_ops, load)},
    [FL_KIND_DETECTOR] = {"fl_detector_ops", "FL_DETECTOR_PLUGIN",
                          END_OF(fl_detector_ops, destroy)},
};

static gboolean refuse(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean refuse(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, FL_REGISTRY_ERROR, REGISTRY_ERROR_REFUSED, msg);
    return FALSE;
}

/* The operations table: large enough for this kind at ABI 2.0, with every operation the
 * kind cannot do without. */
static gboolean check_ops(const fl_plugin *p, const char *path, GError **error)
{
    const kind_ops *k = &ops_of_kind[p->kind];
    uint32_t size = *(const uint32_t *)p->ops.any;
    if (size < k->min)
        return refuse(error,
                      "%s: %s plugin \"%s\": its operations table (%s) is %u bytes, smaller "
                      "than the %zu bytes of ABI %d.0: declare the plugin with %s and rebuild "
                      "it against this flatline's flatline/plugin.h",
                      path, fl_kind_name(p->kind), p->name, k->type, size, k->min,
                      FL_ABI_MAJOR, k->macro);
    gboolean ok = TRUE;
    switch (p->kind) {
    case FL_KIND_LAYER: {
        const fl_layer_ops *o = p->ops.layer;
        ok = o->create && o->bind && o->forward && o->backward && o->destroy;
        break;
    }
    case FL_KIND_LOSS: ok = p->ops.loss->compute != NULL; break;
    case FL_KIND_OPTIMIZER: ok = p->ops.optimizer->n_slots && p->ops.optimizer->step; break;
    case FL_KIND_SCHEDULE: ok = p->ops.schedule->lr != NULL; break;
    case FL_KIND_INITIALIZER: ok = p->ops.init->fill != NULL; break;
    case FL_KIND_DATASET: ok = p->ops.dataset->load != NULL; break;
    case FL_KIND_DETECTOR: ok = p->ops.detector->preflight || p->ops.detector->observe; break;
    }
    if (!ok)
        return refuse(error, "%s: %s plugin \"%s\" lacks an operation its kind requires", path,
                      fl_kind_name(p->kind), p->name);
    return TRUE;
}

static gboolean validate(const fl_plugin *p, const char *path, GError **error)
{
    /* abi_major and abi_minor are the only fields every version of the descriptor has. */
    if (p->abi_major != FL_ABI_MAJOR || p->abi_minor > FL_ABI_MINOR)
        return refuse(error,
                      "%s: plugin built for flatline plugin ABI %u.%u, but this flatline "
                      "speaks ABI %d.%d: rebuild the plugin against this flatline's "
                      "flatline/plugin.h",
                      path, p->abi_major, p->abi_minor, FL_ABI_MAJOR, FL_ABI_MINOR);
    if (p->size < descriptor_min)
        return refuse(error,
                      "%s: descriptor is %u bytes, smaller than the %zu bytes of ABI %d.0: "
                      "declare it with a per-kind macro (FL_LAYER_PLUGIN, FL_LOSS_PLUGIN, ...) "
                      "and rebuild the plugin against this flatline's flatline/plugin.h",
                      path, p->size, descriptor_min, FL_ABI_MAJOR);
    if (p->kind < FL_KIND_LAYER || p->kind > FL_KIND_DETECTOR)
        return refuse(error, "%s: descriptor has an unknown kind %d", path, (int)p->kind);
    if (!p->name || !*p->name || !p->summary || !*p->summary || !p->ops.any)
        return refuse(error, "%s: descriptor has an empty name, summary or operations table", path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *expected = g_strdup_printf("%s-%s.so", fl_kind_name(p->kind), p->name);
    if (strcmp(base, expected) != 0)
        return refuse(error, "%s: descriptor says %s \"%s\", so the file must be named %s", path,
                      fl_kind_name(p->kind), p->name, expected);
    if (p->params && p->param_size < param_min)
        return refuse(error,
                      "%s: %s plugin \"%s\": its parameter rows are %zu bytes apart "
                      "(param_size), less than the %zu bytes of an ABI %d.0 fl_param: set "
                      "param_size = sizeof(fl_param) (the per-kind macros do)",
                      path, fl_kind_name(p->kind), p->name, p->param_size, param_min,
                      FL_ABI_MAJOR);
    if (!check_ops(p, path, error))
        return FALSE;
    g_autoptr(GError) table_error = NULL;
    if (!params_check_table(p, &table_error))
        return refuse(error, "%s: %s", path, table_error->message);
    return TRUE;
}

const fl_plugin *registry_load_file(registry *reg, const char *path, GError **error)
{
    loaded *l = g_hash_table_lookup(reg->by_path, path);
    if (l)
        return l->plugin;
    dlerror();
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        g_set_error(error, FL_REGISTRY_ERROR, REGISTRY_ERROR_REFUSED,
                    "%s: not a loadable plugin: %s", path, why ? why : "dlopen failed");
        return NULL;
    }
    const fl_plugin *p = dlsym(handle, "flatline_plugin");
    if (!p) {
        g_set_error(error, FL_REGISTRY_ERROR, REGISTRY_ERROR_REFUSED,
                    "%s: not a flatline plugin: it exports no flatline_plugin descriptor "
                    "(declare one with FL_LAYER_PLUGIN, FL_LOSS_PLUGIN, ... of flatline/plugin.h)",
                    path);
        dlclose(handle);
        return NULL;
    }
    if (!validate(p, path, error)) {
        dlclose(handle);
        return NULL;
    }
    l = g_new0(loaded, 1);
    l->path = g_strdup(path);
    l->handle = handle;
    l->plugin = p;
    g_hash_table_insert(reg->by_path, l->path, l);
    return p;
}

GPtrArray *registry_names(registry *reg, fl_kind kind)
{
    ensure_scanned(reg);
    GPtrArray *names = g_ptr_array_new();
    const char *prefix = fl_kind_name(kind);
    gsize plen = strlen(prefix);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, reg->files);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        const char *k = key;
        if (strncmp(k, prefix, plen) == 0 && k[plen] == '-')
            g_ptr_array_add(names, (gpointer)(k + plen + 1));
    }
    g_ptr_array_sort(names, compare_strings);
    return names;
}

const fl_plugin *registry_find(registry *reg, fl_kind kind, const char *name, GError **error)
{
    ensure_scanned(reg);
    g_autofree char *key = g_strdup_printf("%s-%s", fl_kind_name(kind), name);
    const char *path = g_hash_table_lookup(reg->files, key);
    if (!path) {
        g_ptr_array_add(reg->not_found,
                        g_strdup_printf("%s \"%s\"", fl_kind_name(kind), name));
        g_autoptr(GPtrArray) names = registry_names(reg, kind);
        g_autofree char *hint = suggest_name(name, (const char *const *)names->pdata, names->len);
        g_autoptr(GString) known = g_string_new(NULL);
        for (guint i = 0; i < names->len; i++)
            g_string_append_printf(known, "%s%s", i ? ", " : "", (char *)names->pdata[i]);
        if (!known->len) {
            /* Nothing of this kind at all: the search path itself is what is wrong. */
            g_autofree char *dirs = registry_search_path(reg);
            g_string_printf(known, "none in %s (set FLATLINE_PLUGIN_PATH to the directory "
                            "holding %s-*.so)", dirs, fl_kind_name(kind));
        }
        g_set_error(error, FL_REGISTRY_ERROR, REGISTRY_ERROR_NOT_FOUND,
                    "no %s plugin named \"%s\"%s; known: %s (see `flatline plugins %s`)",
                    fl_kind_name(kind), name, hint, known->len ? known->str : "none",
                    fl_kind_name(kind));
        return NULL;
    }
    return registry_load_file(reg, path, error);
}

static gint compare_plugins(gconstpointer a, gconstpointer b)
{
    const fl_plugin *pa = *(const fl_plugin *const *)a, *pb = *(const fl_plugin *const *)b;
    if (pa->kind != pb->kind)
        return (int)pa->kind - (int)pb->kind;
    return strcmp(pa->name, pb->name);
}

GPtrArray *registry_load_all(registry *reg, GPtrArray **refused)
{
    ensure_scanned(reg);
    GPtrArray *plugins = g_ptr_array_new();
    if (refused)
        *refused = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GList) paths = g_hash_table_get_values(reg->files);
    for (GList *l = paths; l; l = l->next) {
        g_autoptr(GError) err = NULL;
        const fl_plugin *p = registry_load_file(reg, l->data, &err);
        if (p)
            g_ptr_array_add(plugins, (gpointer)p);
        else if (refused)
            g_ptr_array_add(*refused, g_strdup(err->message));
    }
    g_ptr_array_sort(plugins, compare_plugins);
    if (refused)
        g_ptr_array_sort(*refused, compare_strings);
    return plugins;
}

const GPtrArray *registry_not_found(registry *reg)
{
    return reg->not_found;
}

const char *registry_path_of(registry *reg, const fl_plugin *plugin)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, reg->by_path);
    while (g_hash_table_iter_next(&it, NULL, &value))
        if (((loaded *)value)->plugin == plugin)
            return ((loaded *)value)->path;
    return NULL;
}
