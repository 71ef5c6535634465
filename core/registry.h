/* registry.h — finds plugin files and loads their descriptors.
 *
 * Plugins are files named <kind>-<name>.so (detector-dead_relu.so) found, in this order, in
 * the directories of FLATLINE_PLUGIN_PATH (':'-separated), the build tree (when the
 * uninstalled binary runs, from where it was built or a copy of the tree), the installed
 * plugin directory and, for an installation moved elsewhere, the plugin directory at the
 * same place relative to the binary; each directory is searched
 * with its subdirectories.  A name found twice is taken from the first directory.  Files
 * are dlopen()ed only when a plugin of that kind and name is asked for, or when everything
 * is listed.
 */
#ifndef FL_REGISTRY_H
#define FL_REGISTRY_H

#include <glib.h>
#include <flatline/plugin.h>

#define FL_REGISTRY_ERROR (registry_error_quark())
GQuark registry_error_quark(void);
typedef enum {
    REGISTRY_ERROR_NOT_FOUND,
    REGISTRY_ERROR_REFUSED, /* a file that is not a valid plugin */
} RegistryError;

typedef struct registry registry;

/* The default search path: FLATLINE_PLUGIN_PATH, the build tree, the install dir. */
registry *registry_new(void);
/* An empty registry searching only the directories added. */
registry *registry_new_empty(void);
void registry_add_dir(registry *reg, const char *dir);
void registry_free(registry *reg);
/* The directories searched, in order, as one line "a, b, c" for messages. */
char *registry_search_path(registry *reg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(registry, registry_free)

/* The plugin of that kind and name, loaded on first use.  The error names the kind, the
 * name, the directories searched and a close name ("did you mean"). */
const fl_plugin *registry_find(registry *reg, fl_kind kind, const char *name, GError **error);

/* Load one file and check it is a valid plugin (ABI, fields, name matches file). */
const fl_plugin *registry_load_file(registry *reg, const char *path, GError **error);

/* Load every plugin found; returns borrowed descriptors sorted by kind then name.  Files
 * that are refused are skipped and described in *refused (one line each, may be NULL). */
GPtrArray *registry_load_all(registry *reg, GPtrArray **refused);

/* Names of the plugins of a kind, found without loading them (sorted, borrowed). */
GPtrArray *registry_names(registry *reg, fl_kind kind);

/* The plugins asked for by name and not found, as "kind \"name\"" each (borrowed):
 * tells a caller that an error was a plugin missing here. */
const GPtrArray *registry_not_found(registry *reg);

/* The file a loaded plugin came from (borrowed) or NULL. */
const char *registry_path_of(registry *reg, const fl_plugin *plugin);

#endif
