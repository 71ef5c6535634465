/* verdict.h — a run's verdict.json, the machine-readable account of its diagnosis: the
 * verdict, every finding with its evidence as a sentence and as named numbers, how the run
 * ended, and (added by verification) what rerunning with the proposed fixes showed.
 * Written and edited with json-glib, never as text. */
#ifndef FL_VERDICT_H
#define FL_VERDICT_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "runresult.h"

/* The text of a run's verdict.json.  Caller frees. */
char *verdict_json_text(const run_result *rec);

/* The verdict.json at PATH with member NAME set to VALUE (taken), replacing one of that
 * name; NULL when the file is missing or not a JSON object (then it is not flatline's to
 * edit).  Caller frees and writes it. */
char *verdict_json_with_member(const char *path, const char *name, JsonNode *value);

/* Members of the object a JsonBuilder is building, as verdict.json writes them: a string
 * (null for NULL), an integer, a number (null when not finite: JSON has no NaN or Inf), a
 * boolean, an array of strings. */
void verdict_json_set_string(JsonBuilder *b, const char *name, const char *value);
void verdict_json_set_int(JsonBuilder *b, const char *name, gint64 value);
void verdict_json_set_number(JsonBuilder *b, const char *name, double value);
void verdict_json_set_bool(JsonBuilder *b, const char *name, gboolean value);
void verdict_json_set_strv(JsonBuilder *b, const char *name, char **values);

#endif
