/* verdict.c — see verdict.h. */
#include "verdict.h"

#include <math.h>

void verdict_json_add_number(JsonBuilder *b, double v)
{
    if (isfinite(v))
        json_builder_add_double_value(b, v);
    else
        json_builder_add_null_value(b);
}

static void add_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, value ? value : "");
}

static void add_finding(JsonBuilder *b, const finding_rec *f)
{
    json_builder_begin_object(b);
    add_string(b, "detector", f->detector);
    add_string(b, "level", f->level == FL_LEVEL_COLLAPSED ? "collapsed" : "warning");
    json_builder_set_member_name(b, "epoch");
    json_builder_add_int_value(b, f->epoch);
    add_string(b, "evidence", f->evidence);
    /* The evidence's numbers by name, for programs (the sentence above is for people);
     * left out when the detector gave none. */
    if (f->measures && f->measures->len) {
        json_builder_set_member_name(b, "measures");
        json_builder_begin_object(b);
        for (guint i = 0; i < f->measures->len; i++) {
            const finding_measure *m = &g_array_index(f->measures, finding_measure, i);
            json_builder_set_member_name(b, m->name);
            verdict_json_add_number(b, m->value);
        }
        json_builder_end_object(b);
    }
    add_string(b, "cause", f->cause);
    add_string(b, "advice", f->advice);
    if (f->fixes && f->fixes->len) {
        json_builder_set_member_name(b, "fixes");
        json_builder_begin_array(b);
        for (guint i = 0; i < f->fixes->len; i++) {
            const finding_fix *x = f->fixes->pdata[i];
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "edits");
            json_builder_begin_array(b);
            for (char **e = x->edits; *e; e++)
                json_builder_add_string_value(b, *e);
            json_builder_end_array(b);
            add_string(b, "reason", x->reason);
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
    add_string(b, "run", rec->id);
    add_string(b, "verdict", verdict_name(rec->verdict));
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
    add_string(b, "status", run_status_name(rec->status));
    if (rec->reason)
        add_string(b, "reason", rec->reason);
    json_builder_set_member_name(b, "seed");
    json_builder_add_int_value(b, rec->seed);
    json_builder_set_member_name(b, "epochs_run");
    json_builder_add_int_value(b, rec->epochs_run);
    json_builder_set_member_name(b, "epochs_planned");
    json_builder_add_int_value(b, rec->epochs_planned);
    json_builder_set_member_name(b, "stopped_early");
    json_builder_add_boolean_value(b, rec->stopped_early);
    json_builder_set_member_name(b, "epochs_saved");
    json_builder_add_int_value(b, rec->stopped_early ? rec->epochs_planned - rec->epochs_run : 0);
    json_builder_set_member_name(b, "final_loss");
    verdict_json_add_number(b, rec->final_loss);
    json_builder_set_member_name(b, "final_val_loss");
    verdict_json_add_number(b, rec->final_val_loss);
    json_builder_set_member_name(b, "wall_ms");
    verdict_json_add_number(b, rec->wall_ms);
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
