/* verdict.c — see verdict.h. */
#include "verdict.h"

#include <math.h>

void verdict_json_set_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

void verdict_json_set_int(JsonBuilder *b, const char *name, gint64 value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, value);
}

void verdict_json_set_number(JsonBuilder *b, const char *name, double value)
{
    json_builder_set_member_name(b, name);
    if (isfinite(value))
        json_builder_add_double_value(b, value);
    else
        json_builder_add_null_value(b);
}

void verdict_json_set_bool(JsonBuilder *b, const char *name, gboolean value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_boolean_value(b, value);
}

void verdict_json_set_strv(JsonBuilder *b, const char *name, char **values)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
    for (char **v = values; v && *v; v++)
        json_builder_add_string_value(b, *v);
    json_builder_end_array(b);
}

/* A run's own texts are written as strings even when missing. */
static const char *or_empty(const char *s) { return s ? s : ""; }

static void add_finding(JsonBuilder *b, const finding_rec *f)
{
    json_builder_begin_object(b);
    verdict_json_set_string(b, "detector", or_empty(f->detector));
    verdict_json_set_string(b, "level", f->level == FL_LEVEL_COLLAPSED ? "collapsed" : "warning");
    verdict_json_set_int(b, "epoch", f->epoch);
    verdict_json_set_string(b, "evidence", or_empty(f->evidence));
    /* The evidence's numbers by name, for programs (the sentence above is for people);
     * left out when the detector gave none. */
    if (f->measures && f->measures->len) {
        json_builder_set_member_name(b, "measures");
        json_builder_begin_object(b);
        for (guint i = 0; i < f->measures->len; i++) {
            const finding_measure *m = &g_array_index(f->measures, finding_measure, i);
            verdict_json_set_number(b, m->name, m->value);
        }
        json_builder_end_object(b);
    }
    verdict_json_set_string(b, "cause", or_empty(f->cause));
    verdict_json_set_string(b, "advice", or_empty(f->advice));
    if (f->fixes && f->fixes->len) {
        json_builder_set_member_name(b, "fixes");
        json_builder_begin_array(b);
        for (guint i = 0; i < f->fixes->len; i++) {
            const finding_fix *x = f->fixes->pdata[i];
            json_builder_begin_object(b);
            verdict_json_set_strv(b, "edits", x->edits);
            verdict_json_set_string(b, "reason", or_empty(x->reason));
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
}

static char *to_text(JsonNode *root)
{
    g_autoptr(JsonGenerator) g = json_generator_new();
    json_generator_set_pretty(g, TRUE);
    json_generator_set_indent(g, 2);
    json_generator_set_root(g, root);
    char *text = json_generator_to_data(g, NULL);
    /* A text file ends with a newline. */
    char *out = g_strconcat(text, "\n", NULL);
    g_free(text);
    return out;
}

char *verdict_json_text(const run_result *rec)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    verdict_json_set_string(b, "run", or_empty(rec->id));
    verdict_json_set_string(b, "verdict", verdict_name(rec->verdict));
    json_builder_set_member_name(b, "causes");
    json_builder_begin_array(b);
    g_auto(GStrv) causes = g_strsplit(rec->causes ? rec->causes : "", ";", -1);
    for (char **c = causes; *c; c++)
        if (**c)
            json_builder_add_string_value(b, *c);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "findings");
    json_builder_begin_array(b);
    for (guint i = 0; rec->findings && i < rec->findings->len; i++)
        add_finding(b, rec->findings->pdata[i]);
    json_builder_end_array(b);
    verdict_json_set_string(b, "status", run_status_name(rec->status));
    if (rec->reason)
        verdict_json_set_string(b, "reason", rec->reason);
    verdict_json_set_int(b, "seed", rec->seed);
    verdict_json_set_int(b, "epochs_run", rec->epochs_run);
    verdict_json_set_int(b, "epochs_planned", rec->epochs_planned);
    verdict_json_set_bool(b, "stopped_early", rec->stopped_early);
    verdict_json_set_int(b, "epochs_saved",
                         rec->stopped_early ? rec->epochs_planned - rec->epochs_run : 0);
    verdict_json_set_number(b, "final_loss", rec->final_loss);
    verdict_json_set_number(b, "final_val_loss", rec->final_val_loss);
    verdict_json_set_number(b, "wall_ms", rec->wall_ms);
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    return to_text(root);
}

char *verdict_json_with_member(const char *path, const char *name, JsonNode *value)
{
    g_autoptr(JsonNode) owned = value;
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_file(parser, path, NULL))
        return NULL;
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root))
        return NULL;
    json_object_set_member(json_node_get_object(root), name, g_steal_pointer(&owned));
    return to_text(root);
}
