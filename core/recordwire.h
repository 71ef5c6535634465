/* recordwire.h — a finished run's record as a worker hands it to its coordinator: a
 * GVariant of exactly what run.result keeps, so that the coordinator's tables need neither
 * read back the worker's files nor parse their text (parsing run.result with GKeyFile was
 * the largest part of the coordinator's work while runs train, about 20 us a run).
 *
 * Unpacking a packed record gives, field for field, what results_parse_run gives for the
 * run.result text of the same record: the same numbers bit for bit (run.result writes
 * doubles so that they read back exactly), NaN where run.result keeps no value, the same
 * strings, and nothing of what run.result leaves out (metrics, measures, the validation
 * loss).  A record holding text that run.result could not carry as it is (not UTF-8, a
 * grid key GKeyFile refuses or repeats) is not packed: its text goes instead. */
#ifndef FL_RECORDWIRE_H
#define FL_RECORDWIRE_H

#include <glib.h>
#include "runresult.h"

/* rec packed, or NULL when it must travel as its run.result text. */
GBytes *record_wire_pack(const run_result *rec);

/* The record packed in data[0..len) (any alignment), or NULL with error set when it is not
 * one; origin names it in the message. */
run_result *record_wire_unpack(const void *data, gsize len, const char *origin, GError **error);

#endif
