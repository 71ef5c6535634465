/* paramtable.h — a plugin's parameter table (flatline/plugin.h: fl_param) as a table: its
 * rows, a row by key, ranges and choices, and the checks made when the plugin is loaded.
 * Apart from params.h, which sets option values and needs the registry for plugin-valued
 * parameters, because the registry checks every table it loads: this sits below both. */
#ifndef FL_PARAMTABLE_H
#define FL_PARAMTABLE_H

#include <glib.h>
#include <flatline/plugin.h>

#define FL_PARAMS_ERROR (params_error_quark())
GQuark params_error_quark(void);
typedef enum {
    PARAMS_ERROR_UNKNOWN_KEY,
    PARAMS_ERROR_TYPE,
    PARAMS_ERROR_RANGE,
    PARAMS_ERROR_MISSING,
    PARAMS_ERROR_TABLE, /* the plugin's own table is malformed */
} ParamsError;

/* Check a plugin's table: known types, parsable ranges and defaults, offsets inside
 * opts_size, no duplicate keys. */
gboolean params_check_table(const fl_plugin *plugin, GError **error);

/* The rows of a plugin's parameter table, read with its param_size as the stride:
 *     for (const fl_param *p = params_first(plugin); p; p = params_next(plugin, p))
 * NULL after the last row (or for a plugin without parameters). */
const fl_param *params_first(const fl_plugin *plugin);
const fl_param *params_next(const fl_plugin *plugin, const fl_param *row);

/* Look up a parameter row by key; NULL if there is none. */
const fl_param *params_find(const fl_plugin *plugin, const char *key);

/* TRUE when v lies in the row's range (or the row has none). */
gboolean params_in_range(const fl_param *p, double v);
/* The position of `value` among the '|'-separated `choices`; FALSE if it is none of them. */
gboolean params_choice_index(const char *choices, const char *value, int *index);

#endif
