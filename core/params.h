/* params.h — fills plugin options structs from parameter tables.
 *
 * Every plugin declares its parameters in a table (flatline/plugin.h); this module
 * allocates an options struct holding the defaults, sets
 * values from libconfig settings or from text (`--set`, the grid), and writes values back
 * as text for the resolved experiment file.  Plugin-valued parameters (FL_PARAM_PLUGIN)
 * own a nested options struct, so freeing is recursive.  The table itself (its rows,
 * ranges, choices and the checks when the plugin loads) is paramtable.h's.
 */
#ifndef FL_PARAMS_H
#define FL_PARAMS_H

#include <glib.h>
#include <libconfig.h>
#include <flatline/plugin.h>
#include "paramtable.h"
#include "registry.h"

/* A new options struct with every default set.  Required parameters are left zero and
 * reported by params_check_required(). */
void *params_opts_new(const fl_plugin *plugin, registry *reg, GError **error);
void params_opts_free(const fl_plugin *plugin, void *opts);
/* A deep copy. */
void *params_opts_copy(const fl_plugin *plugin, const void *opts);

/* `scope` is the path of the group in messages ("optimizer", "model.h1"); errors read
 * "file.cfg:14: optimizer.lr: expected a number, got \"fast\"". */
/* Set one parameter from a libconfig setting (any type the parameter accepts; a group
 * for FL_PARAM_PLUGIN and FL_PARAM_ACTIVATION).  Errors name the file:line and key. */
gboolean params_set_from_setting(const fl_plugin *plugin, void *opts, const fl_param *param,
                                 const config_setting_t *setting, const char *scope,
                                 registry *reg, GError **error);
/* Set every key of a group; keys listed in `reserved` (NULL-terminated) are skipped;
 * unknown keys are errors with file:line and "did you mean". */
gboolean params_set_from_group(const fl_plugin *plugin, void *opts,
                               const config_setting_t *group, const char *const *reserved,
                               const char *scope, registry *reg, GError **error);
/* Parse text in experiment-file syntax ("0.01", "true", "[1, 2]"; bare words are strings)
 * as the one setting "v" of cfg, which this initializes: config_destroy it either way.
 * FALSE when the text is not one value. */
gboolean params_parse_value(config_t *cfg, const char *text);
/* Set one parameter from text in experiment-file syntax ("0.01", "true", "\"he_normal\"",
 * bare words are strings). */
gboolean params_set_from_string(const fl_plugin *plugin, void *opts, const char *key,
                                const char *value, registry *reg, GError **error);
/* Fail naming the first required parameter never set. */
gboolean params_check_required(const fl_plugin *plugin, const void *opts, GError **error);

/* A value as text in experiment-file syntax (caller frees). */
char *params_value_to_string(const fl_param *param, const void *opts);
/* Append every parameter as "key = value;" lines, indented, for experiment.cfg. */
void params_write_text(const fl_plugin *plugin, const void *opts, GString *out, int indent);
/* The same, leaving out the keys in `late` (NULL-terminated) while they hold their default:
 * keys added after results were first saved, so that those results keep their
 * fingerprint (the resolved text is what is hashed). */
void params_write_text_late(const fl_plugin *plugin, const void *opts, GString *out, int indent,
                            const char *const *late);
/* A plugin reference in experiment-file syntax: "\"zeros\"" or "{ plugin = ...; ... }". */
char *params_ref_to_string(const fl_ref *ref);

/* Activations by name (the names are fl_activation_name()'s), with their default alpha. */
gboolean params_activation_from_name(const char *name, fl_activation *out);
/* Default alpha of an activation (leaky_relu 0.3, elu 1.0, others 0). */
double params_activation_default_alpha(fl_activation_kind kind);

/* A reference to a plugin by name with default options, then "key=value" pairs (NULL
 * terminated).  For tests and built-in defaults; free with params_ref_clear(). */
gboolean params_ref_init(fl_ref *ref, registry *reg, fl_kind kind, const char *name,
                         const char *const *key_values, GError **error);
void params_ref_clear(fl_ref *ref);

/* Text helpers shared with the experiment writer: a double in the fewest digits that
 * read back exactly (always with a '.' or exponent), and a quoted, escaped string. */
void params_append_double(GString *out, double v);
void params_append_quoted(GString *out, const char *s);

/* flatline's name for a key users bring from Keras or PyTorch ("learning_rate" -> "lr"),
 * or NULL. */
const char *params_alias(const char *key);

#endif
