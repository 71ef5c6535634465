/* listing.c — see listing.h.  Text is wrapped at word boundaries; continuation lines start
 * under the column where the wrapped text began, or below the lead when that leaves too
 * little room. */
#include "listing.h"
#include "params.h"
#include "registry.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

enum { LISTING_DEFAULT_WIDTH = 80, LISTING_MIN_WIDTH = 40, LISTING_MIN_TEXT = 24 };

int listing_width(void)
{
    const char *env = g_getenv("COLUMNS");
    if (env && *env) {
        char *end = NULL;
        long w = strtol(env, &end, 10);
        if (end && !*end && w > 0)
            return w < LISTING_MIN_WIDTH ? LISTING_MIN_WIDTH : (int)MIN(w, 1000);
    }
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return MAX((int)ws.ws_col, LISTING_MIN_WIDTH);
    return LISTING_DEFAULT_WIDTH;
}

/* Columns a UTF-8 text takes (one per character: the texts are plain words). */
static int columns_of(const char *s, gsize bytes)
{
    return (int)g_utf8_strlen(s, (gssize)bytes);
}

/* lead, then text wrapped to width; continuation lines indented to where text began. */
static void wrap(GString *out, const char *lead, const char *text, int width)
{
    int col = columns_of(lead, strlen(lead));
    g_string_append(out, lead);
    int indent = col;
    if (width - col < LISTING_MIN_TEXT) {
        /* Too little room beside the lead: the text goes below it. */
        indent = 8;
        while (out->len && out->str[out->len - 1] == ' ')
            g_string_truncate(out, out->len - 1);
        g_string_append_printf(out, "\n%*s", indent, "");
        col = indent;
    }
    g_auto(GStrv) words = g_strsplit_set(text, " \n", -1);
    gboolean line_empty = TRUE;
    for (char **w = words; *w; w++) {
        if (!**w)
            continue;
        int len = columns_of(*w, strlen(*w));
        if (!line_empty && col + 1 + len > width) {
            g_string_append_c(out, '\n');
            for (int i = 0; i < indent; i++)
                g_string_append_c(out, ' ');
            col = indent;
            line_empty = TRUE;
        }
        if (!line_empty) {
            g_string_append_c(out, ' ');
            col++;
        }
        g_string_append(out, *w);
        col += len;
        line_empty = FALSE;
    }
    g_string_append_c(out, '\n');
}

static const char *type_name(const fl_param *p)
{
    switch (p->type) {
    case FL_PARAM_INT: return "int";
    case FL_PARAM_FLOAT: return "float";
    case FL_PARAM_BOOL: return "bool";
    case FL_PARAM_STRING: return "string";
    case FL_PARAM_CHOICE: return "choice";
    case FL_PARAM_STRINGS: return "strings";
    case FL_PARAM_ACTIVATION: return "activation";
    case FL_PARAM_PLUGIN: return p->choices;
    case FL_PARAM_INTS: return "ints";
    }
    return "?";
}

/* "default 2, in [1, 4096]" — or "required"; empty when there is nothing to say. */
static char *param_facts(const fl_param *q)
{
    GString *s = g_string_new(NULL);
    if (q->def && *q->def)
        g_string_append_printf(s, "default %s", q->def);
    else if (q->def)
        g_string_append(s, "default empty");
    else if (q->type != FL_PARAM_STRINGS)
        g_string_append(s, "required");
    else
        g_string_append(s, "optional");
    if (q->range)
        g_string_append_printf(s, ", in %s", q->range);
    if (q->type == FL_PARAM_CHOICE && q->choices)
        g_string_append_printf(s, ", one of %s", q->choices);
    return g_string_free(s, FALSE);
}

static const char *detector_role(const fl_plugin *p)
{
    if (p->kind != FL_KIND_DETECTOR || !p->ops.detector)
        return "";
    unsigned flags = p->ops.detector->flags;
    return flags & FL_DETECTS_CAUSE ? "[cause] " : flags & FL_DETECTS_SYMPTOM ? "[symptom] " : "";
}

void listing_plugin(GString *out, const fl_plugin *p, int width)
{
    g_autofree char *lead = g_strdup_printf("%-11s %-20s ", fl_kind_name(p->kind), p->name);
    g_autofree char *text = g_strdup_printf("%s%s", detector_role(p), p->summary);
    wrap(out, lead, text, width);
    for (const fl_param *q = params_first(p); q; q = params_next(p, q)) {
        /* A key too long for its column gets a line of its own. */
        gboolean long_key = strlen(q->key) > 18;
        if (long_key)
            g_string_append_printf(out, "    %s\n", q->key);
        g_autofree char *plead =
            g_strdup_printf("    %-18s %-11s ", long_key ? "" : q->key, type_name(q));
        g_autofree char *facts = param_facts(q);
        g_autofree char *ptext = g_strdup_printf("%s%s(%s)", q->help ? q->help : "",
                                                 q->help && *q->help ? " " : "", facts);
        wrap(out, plead, ptext, width);
    }
}

static const char *activation_summary(fl_activation_kind k)
{
    switch (k) {
    case FL_ACT_LINEAR: return "identity: x";
    case FL_ACT_RELU: return "max(0, x)";
    case FL_ACT_LEAKY_RELU: return "x, or alpha * x below zero";
    case FL_ACT_ELU: return "x, or alpha * (exp(x) - 1) below zero";
    case FL_ACT_SELU: return "scaled ELU (self-normalizing)";
    case FL_ACT_SIGMOID: return "1 / (1 + exp(-x)), in (0, 1)";
    case FL_ACT_TANH: return "tanh(x), in (-1, 1)";
    case FL_ACT_SOFTMAX: return "exp(x) / sum exp(x) over the layer's units";
    case FL_ACT_SOFTPLUS: return "log(1 + exp(x))";
    case FL_ACT_COUNT: break;
    }
    return "";
}

static const char *alpha_help(fl_activation_kind k)
{
    return k == FL_ACT_ELU ? "scale of the negative part" : "slope below zero";
}

void listing_activation(GString *out, fl_activation_kind k, int width)
{
    g_autofree char *lead = g_strdup_printf("%-11s %-20s ", "activation", fl_activation_name(k));
    wrap(out, lead, activation_summary(k), width);
    double alpha = params_activation_default_alpha(k);
    if (alpha > 0) {
        g_autofree char *text = g_strdup_printf("%s (default %g)", alpha_help(k), alpha);
        g_autofree char *plead = g_strdup_printf("    %-18s %-11s ", "alpha", "float");
        wrap(out, plead, text, width);
    }
}

/* One "  label: text" line of a page, wrapped under the text. */
static void page_line(GString *out, const char *label, const char *text, int width)
{
    g_autofree char *lead = g_strdup_printf("    %-9s ", label);
    wrap(out, lead, text, width);
}

void listing_plugin_page(GString *out, const fl_plugin *p, const char *path, int width)
{
    g_autofree char *title = g_strdup_printf("%s %s - ", fl_kind_name(p->kind), p->name);
    g_autofree char *text = g_strdup_printf("%s%s", detector_role(p), p->summary);
    wrap(out, title, text, width);
    g_string_append_c(out, '\n');
    if (path)
        page_line(out, "file:", path, width);
    if (p->kind == FL_KIND_DETECTOR && p->ops.detector) {
        const fl_detector_ops *d = p->ops.detector;
        const char *when = d->preflight && d->observe ? "before training (flatline check runs "
                                                        "it) and while training"
                           : d->preflight ? "before training (flatline check runs it)"
                                          : "while training";
        page_line(out, "checks:", when, width);
    }
    g_autofree char *abi = g_strdup_printf("%u.%u", p->abi_major, p->abi_minor);
    page_line(out, "ABI:", abi, width);
    const fl_param *q = params_first(p);
    if (!q) {
        g_string_append(out, "\n    no parameters\n");
        return;
    }
    g_string_append(out, "\nparameters:\n");
    for (; q; q = params_next(p, q)) {
        g_string_append_printf(out, "  %s\n", q->key);
        page_line(out, "type:", type_name(q), width);
        if (q->def && *q->def)
            page_line(out, "default:", q->def, width);
        else if (q->def)
            page_line(out, "default:", "empty", width);
        else
            page_line(out, "default:", q->type == FL_PARAM_STRINGS ? "none (optional)"
                                                                   : "none: required", width);
        if (q->range)
            page_line(out, "range:", q->range, width);
        if (q->type == FL_PARAM_CHOICE && q->choices) {
            g_auto(GStrv) choices = g_strsplit(q->choices, "|", -1);
            g_autofree char *list = g_strjoinv(", ", choices);
            page_line(out, "one of:", list, width);
        }
        if (q->help && *q->help)
            page_line(out, "help:", q->help, width);
    }
}

void listing_activation_page(GString *out, fl_activation_kind k, int width)
{
    g_autofree char *title = g_strdup_printf("activation %s - ", fl_activation_name(k));
    wrap(out, title, activation_summary(k), width);
    double alpha = params_activation_default_alpha(k);
    if (alpha <= 0) {
        g_string_append(out, "\n    no parameters\n");
        return;
    }
    g_autofree char *def = g_strdup_printf("%g", alpha);
    g_string_append(out, "\nparameters:\n  alpha\n");
    page_line(out, "type:", "float", width);
    page_line(out, "default:", def, width);
    page_line(out, "help:", alpha_help(k), width);
}
