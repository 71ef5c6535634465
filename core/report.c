/* report.c — see report.h.  One HTML file that opens anywhere, offline: the CSS is inline,
 * the charts are the PNGs of DIR/plots embedded as data: URIs, and the only script counts
 * the images that decoded (document.body.dataset.images = "ok/total") so a test can tell
 * a broken page from a good one.  Every text from the results is escaped.  The charts,
 * their captions and the cause colours come from plot.c's chart table and plots/causes.tsv,
 * as the charts themselves do.  When a PNG is missing the charts are drawn first; a chart
 * that still cannot be drawn is a note saying why, never an empty image. */
#include "report.h"
#include "about.h"
#include "plot.h"
#include "plotdata.h"
#include "results.h"
#include "verify.h"

#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <string.h>

static char *report_command; /* set once by the program: report_set_command */

void report_set_command(int argc, char **argv)
{
    g_free(report_command);
    GString *s = g_string_new(NULL);
    for (int i = 0; i < argc; i++) {
        g_autofree char *q = g_shell_quote(argv[i]);
        /* Plain words stay plain: quote only what a shell would read otherwise. */
        gboolean plain = *argv[i] && strspn(argv[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                                                      "OPQRSTUVWXYZ0123456789-_./=:,+@%") ==
                                                 strlen(argv[i]);
        g_string_append_printf(s, "%s%s", i ? " " : "", plain ? argv[i] : q);
    }
    report_command = g_string_free(s, FALSE);
}

static void report_esc(GString *h, const char *s)
{
    g_autofree char *e = g_markup_escape_text(s ? s : "", -1);
    g_string_append(h, e);
}

/* <td>text</td>, escaped, with an optional class. */
static void report_td(GString *h, const char *cls, const char *text)
{
    if (cls)
        g_string_append_printf(h, "<td class=\"%s\">", cls);
    else
        g_string_append(h, "<td>");
    report_esc(h, text);
    g_string_append(h, "</td>");
}

static const char *report_color(GHashTable *colors, const char *cause)
{
    const char *c = g_hash_table_lookup(colors, cause);
    if (!c)
        c = g_hash_table_lookup(colors, "");
    return c ? c : "#555555";
}

/* A cause name with the swatch of its colour in the charts. */
static void report_cause(GString *h, GHashTable *colors, const char *cause)
{
    g_string_append_printf(h, "<span class=\"cause\"><i style=\"background:%s\"></i>",
                           report_color(colors, cause));
    report_esc(h, cause);
    g_string_append(h, "</span>");
}

/* "dead_relu;constant_output" or "dead_relu:3;oscillation:1" as swatched names. */
static void report_causes(GString *h, GHashTable *colors, const char *list)
{
    g_auto(GStrv) parts = g_strsplit(list ? list : "", ";", -1);
    gboolean first = TRUE;
    for (char **p = parts; *p; p++) {
        if (!**p)
            continue;
        if (!first)
            g_string_append(h, " ");
        g_autofree char *name = g_strdup(*p);
        char *colon = strrchr(name, ':');
        if (colon)
            *colon = '\0';
        report_cause(h, colors, name);
        if (colon)
            g_string_append_printf(h, "<small>&times;%s</small>", colon + 1);
        first = FALSE;
    }
}

static const char *report_axis_value(const run_result *r, const char *key)
{
    for (guint k = 0; r->axis_keys && r->axis_keys[k]; k++)
        if (strcmp(r->axis_keys[k], key) == 0)
            return r->axis_values[k];
    return "";
}

static const char report_css[] =
    "body{font:14px/1.45 'DejaVu Sans',system-ui,sans-serif;color:#1d1d1f;margin:0;"
    "background:#fafafa}"
    "main{max-width:1400px;margin:0 auto;padding:24px 32px 64px}"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:36px 0 10px;"
    "border-bottom:1px solid #ddd;padding-bottom:4px}"
    ".sub{color:#555;margin:0 0 16px}"
    ".about{max-width:980px;margin:0 0 18px;padding:2px 14px;border-left:3px solid #bbb;"
    "color:#333}.about p{margin:6px 0}"
    ".tally span{display:inline-block;margin:0 14px 6px 0;padding:4px 10px;border-radius:4px;"
    "background:#eee}"
    ".tally .collapsed{background:#fbe3e3}.tally .warning{background:#fdf1d8}"
    ".tally .healthy{background:#e5f3e5}.tally .crashed{background:#ddd}"
    "table{border-collapse:collapse;background:#fff;margin:8px 0}"
    "th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0;font-weight:600}td.num{text-align:right;"
    "font-variant-numeric:tabular-nums}"
    "tr.collapsed td.verdict{color:#b00;font-weight:600}"
    "tr.warning td.verdict{color:#a60}tr.healthy td.verdict{color:#276b27}"
    "tr.crashed td,tr.timeout td{color:#777}"
    ".cause{white-space:nowrap}.cause i{display:inline-block;width:10px;height:10px;"
    "border-radius:2px;margin-right:4px;vertical-align:baseline}"
    "small{color:#666;margin-left:2px}"
    "figure{margin:18px 0 28px;background:#fff;border:1px solid #e2e2e2;padding:12px}"
    "figure img{max-width:100%;height:auto;display:block}"
    "figcaption{color:#444;margin-top:8px;max-width:980px}"
    ".missing{padding:16px;background:#fff4e5;border:1px solid #f0c36d}"
    "pre{background:#fff;border:1px solid #ddd;padding:10px;overflow:auto;font-size:12px}"
    "details{margin:6px 0;background:#fff;border:1px solid #e2e2e2;padding:6px 10px}"
    "summary{cursor:pointer}details table{margin-top:8px}"
    "td.evidence,td.advice{max-width:480px}"
    "tr.verified td{background:#e5f3e5}tr.verified td.outcome{color:#276b27;font-weight:600}"
    "tr.refuted td.outcome{color:#b00}table.fixes{width:100%}"
    "table.fixes td.evidence{overflow-wrap:anywhere}"
    ".check{display:block;font-size:12px;margin-top:2px}.check.confirmed{color:#276b27}"
    ".check.refuted{color:#b00}.check.open{color:#a60}"
    ".fixcell{margin:14px 0 4px;font-weight:600}.healthy-region{padding:6px 10px;"
    "background:#e5f3e5;border-radius:4px;display:inline-block}";

/* Counts the images that decoded (the test of the report reads body[data-images]), and
 * sorts a table.sortable by the column whose heading is clicked: numbers (a cell's
 * leading number) as numbers, the rest as text; a second click reverses. */
static const char report_js[] =
    "window.addEventListener('load',function(){var im=document.images,ok=0;"
    "for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0)ok++;}"
    "document.body.dataset.images=ok+'/'+im.length;"
    "document.querySelectorAll('table.sortable th').forEach(function(th){"
    "th.title='sort by this column';th.style.cursor='pointer';"
    "th.addEventListener('click',function(){"
    "var t=th.closest('table'),b=t.tBodies[0],k=th.cellIndex,"
    "up=th.dataset.dir!=='up';t.querySelectorAll('th').forEach(function(x){"
    "delete x.dataset.dir;});th.dataset.dir=up?'up':'down';"
    "var key=function(r){var s=r.cells[k]?r.cells[k].textContent.trim():'',"
    "n=parseFloat(s);return isNaN(n)?[1,s]:[0,n];};"
    "var rows=Array.prototype.slice.call(b.rows).map(function(r,i){return [key(r),i,r];});"
    "rows.sort(function(x,y){var a=x[0],c=y[0],o=a[0]-c[0]||"
    "(a[0]?String(a[1]).localeCompare(c[1]):a[1]-c[1]);return (up?o:-o)||x[1]-y[1];});"
    "rows.forEach(function(x){b.appendChild(x[2]);});});});"
    "document.body.dataset.sortable=document.querySelectorAll('table.sortable').length;});";

/* A list item of a comment ("- ...", "* ...", "1. ...") starts a line of its own. */
static gboolean report_starts_item(const char *line)
{
    if ((line[0] == '-' || line[0] == '*') && line[1] == ' ')
        return TRUE;
    const char *c = line;
    while (g_ascii_isdigit(*c))
        c++;
    return c > line && (*c == '.' || *c == ')') && c[1] == ' ';
}

/* The experiment file's own header comment, as its author wrote it: paragraphs at blank
 * lines, wrapped lines joined, list items kept on lines of their own. */
static void report_about(GString *h, const char *cfg_text)
{
    g_autofree char *about = about_from_text(cfg_text);
    if (!about)
        return;
    g_string_append(h, "<div class=\"about\" id=\"about\"><p>");
    g_auto(GStrv) lines = g_strsplit(about, "\n", -1);
    gboolean fresh = TRUE; /* at the start of a paragraph */
    for (char **l = lines; *l; l++) {
        const char *text = g_strstrip(*l);
        if (!*text) {
            if (!fresh)
                g_string_append(h, "</p><p>");
            fresh = TRUE;
            continue;
        }
        if (!fresh)
            g_string_append(h, report_starts_item(text) ? "<br>" : " ");
        report_esc(h, text);
        fresh = FALSE;
    }
    g_string_append(h, "</p></div>\n");
}

static void report_tally(GString *h, const plotdata *d)
{
    int n[5] = {0}; /* collapsed, warning, healthy, crashed, timeout */
    for (guint i = 0; i < d->runs->len; i++) {
        const run_result *r = d->runs->pdata[i];
        if (r->status == RUN_TIMEOUT)
            n[4]++;
        else if (r->status != RUN_OK)
            n[3]++;
        else if (r->verdict == VERDICT_COLLAPSED)
            n[0]++;
        else if (r->verdict == VERDICT_WARNING)
            n[1]++;
        else
            n[2]++;
    }
    static const char *const names[] = {"collapsed", "warning", "healthy", "crashed", "timeout"};
    g_string_append_printf(h, "<p class=\"tally\"><span>%u runs</span>", d->runs->len);
    for (int k = 0; k < 5; k++)
        if (n[k] || k < 3)
            g_string_append_printf(h, "<span class=\"%s\">%d %s</span>", names[k], n[k],
                                   names[k]);
    g_string_append(h, "</p>\n");
}

static void report_grid(GString *h, const plotdata *d)
{
    g_string_append(h, "<h2 id=\"grid\">Grid</h2>\n");
    if (!d->axes->len) {
        g_string_append(h, "<p>No grid: every run uses the same settings, with its own "
                           "seed.</p>\n");
        return;
    }
    g_string_append(h, "<table><tr><th>axis</th><th>values</th></tr>\n");
    for (guint a = 0; a < d->axes->len; a++) {
        const plotdata_axis *ax = d->axes->pdata[a];
        g_string_append(h, "<tr>");
        report_td(h, NULL, ax->key);
        g_autoptr(GString) vals = g_string_new(NULL);
        for (char **v = ax->labels; *v; v++) {
            g_autofree char *l = plotdata_format_label(*v);
            g_string_append_printf(vals, "%s%s", vals->len ? ", " : "", l);
        }
        report_td(h, NULL, vals->str);
        g_string_append(h, "</tr>\n");
    }
    g_string_append(h, "</table>\n");
}

/* The verification's finding for a grid point, or NULL when it was not fixed (healthy, or
 * collapsed in a minority of its runs).  The labels must agree: a report of another
 * grid is not evidence. */
static const verify_cell *report_vcell(const verify_report *vr, const plotdata *d,
                                       const plotdata_cell *c)
{
    for (guint i = 0; vr && i < vr->cells->len; i++) {
        const verify_cell *vc = vr->cells->pdata[i];
        if (vc->cell != c->cell)
            continue;
        GStrv l = vr->cell_labels->pdata[vc->cell];
        if (g_strv_length(l) != d->axes->len)
            return NULL;
        for (guint a = 0; a < d->axes->len; a++)
            if (!c->labels[a] || strcmp(l[a], c->labels[a]) != 0)
                return NULL;
        return vc;
    }
    return NULL;
}

/* Whether `cause` is one of the causes of a trial ("a" or "a+b"). */
static gboolean report_trial_has(const verify_trial *t, const char *cause)
{
    g_auto(GStrv) parts = g_strsplit(t->cause, "+", -1);
    return g_strv_contains((const char *const *)parts, cause);
}

/* What verification says of the diagnosis' primary cause: confirmed when the fix that
 * healed is (or holds) its fix, refuted when its own fixes were rerun and did not heal,
 * open otherwise.  Sets *cls to "confirmed", "refuted" or "open". */
static char *report_judgement(const verify_report *vr, const verify_cell *vc,
                              const char *primary, const char **cls)
{
    const verify_trial *ok = vc->verified >= 0 ? vr->trials->pdata[vc->verified] : NULL;
    int own_tried = 0;
    for (guint i = 0; i < vr->trials->len; i++) {
        const verify_trial *t = vr->trials->pdata[i];
        own_tried += t->cell == vc->cell && strcmp(t->cause, primary) == 0;
    }
    if (vc->data_cause && !vc->candidates) {
        *cls = strcmp(vc->data_cause, primary) == 0 ? "confirmed" : "open";
        return g_strdup_printf("%s: no configuration change can help; fix the data",
                               vc->data_cause);
    }
    if (ok && report_trial_has(ok, primary)) {
        *cls = "confirmed";
        if (strcmp(ok->cause, primary) == 0)
            return g_strdup("confirmed by verification: its fix heals the runs");
        g_auto(GStrv) parts = g_strsplit(ok->cause, "+", -1);
        g_autoptr(GString) others = g_string_new(NULL);
        for (char **p = parts; *p; p++)
            if (strcmp(*p, primary) != 0)
                g_string_append_printf(others, "%s%s", others->len ? ", " : "", *p);
        return g_strdup_printf("confirmed by verification together with %s: the fix that "
                               "heals changes both",
                               others->str);
    }
    if (ok) {
        *cls = own_tried ? "refuted" : "open";
        return own_tried ? g_strdup_printf("refuted by verification: its fix did not heal the "
                                           "runs; %s's did",
                                           ok->cause)
                         : g_strdup_printf("not tested; %s's fix heals the runs", ok->cause);
    }
    *cls = own_tried ? "refuted" : "open";
    return g_strdup(own_tried ? "not confirmed: its fix did not heal the runs, nor did any "
                                "other tried"
                              : "not verified: no fix was tried (see Verified fixes)");
}

static void report_cells(GString *h, const plotdata *d, GHashTable *colors,
                         const verify_report *vr)
{
    g_string_append_printf(h, "<h2 id=\"cells\">Collapse rate%s</h2>\n<table id=\"cells-table\" "
                              "class=\"sortable\"><thead><tr>",
                           d->axes->len ? " per grid point" : "");
    for (guint a = 0; a < d->axes->len; a++) {
        g_string_append(h, "<th>");
        report_esc(h, ((plotdata_axis *)d->axes->pdata[a])->key);
        g_string_append(h, "</th>");
    }
    g_string_append(h, "<th>runs</th><th>collapsed</th><th>rate (Wilson 95% interval)</th>"
                       "<th>primary causes</th></tr></thead>\n<tbody>\n");
    for (guint i = 0; i < d->cells->len; i++) {
        const plotdata_cell *c = d->cells->pdata[i];
        g_string_append(h, "<tr>");
        for (guint a = 0; a < d->axes->len; a++) {
            g_autofree char *l = plotdata_format_label(c->labels[a]);
            report_td(h, NULL, l);
        }
        g_string_append_printf(h, "<td class=\"num\">%d</td><td class=\"num\">%d</td>", c->runs,
                               c->collapsed);
        g_autofree char *rate =
            c->runs ? g_strdup_printf("%.0f%% (%.0f\u2013%.0f%%)", 100 * c->rate, 100 * c->lo,
                                      100 * c->hi)
                    : g_strdup("no finished runs");
        report_td(h, "num", rate);
        g_string_append(h, "<td>");
        report_causes(h, colors, c->primary);
        const verify_cell *vc = report_vcell(vr, d, c);
        if (vc) {
            g_autofree char *top = g_strdup(c->primary ? c->primary : "");
            top[strcspn(top, ";:")] = '\0';
            const char *cls = "open";
            g_autofree char *judged = report_judgement(vr, vc, top, &cls);
            g_string_append_printf(h, "<span class=\"check %s\">", cls);
            report_esc(h, judged);
            g_string_append(h, "</span>");
        }
        g_string_append(h, "</td></tr>\n");
    }
    g_string_append(h, "</tbody></table>\n");
}

static char *report_fit(double v)
{
    return isfinite(v) ? plotdata_format_number(v) : g_strdup("?");
}

/* One collapsed grid point: what was tried, with its before/after numbers, the fix that
 * healed first in the table. */
static void report_fix_cell(GString *h, const verify_report *vr, const verify_cell *vc,
                            GHashTable *colors)
{
    g_autofree char *where = verify_cell_text(vr, vc->cell);
    g_string_append(h, "<p class=\"fixcell\">");
    report_esc(h, *where ? where : "all runs");
    g_string_append_printf(h, ": collapsed %d/%d", vc->collapsed, vc->runs);
    const verify_trial *ok = vc->verified >= 0 ? vr->trials->pdata[vc->verified] : NULL;
    if (ok) {
        g_autofree char *fix = verify_fix_text(ok);
        g_string_append(h, " \u2014 verified fix: <code>");
        report_esc(h, fix);
        g_string_append(h, "</code> (");
        g_auto(GStrv) causes = g_strsplit(ok->cause, "+", -1);
        for (char **c = causes; *c; c++) {
            if (c != causes)
                g_string_append(h, " + ");
            report_cause(h, colors, *c);
        }
        g_string_append(h, ")");
    } else if (vc->data_cause && !vc->candidates) {
        g_string_append(h, " \u2014 ");
        report_esc(h, vc->data_cause);
        g_string_append(h, ": no configuration change can help; fix the data");
    } else {
        g_string_append(h, " \u2014 no fix verified");
        if (!vc->tried)
            report_esc(h, vc->candidates ? ": no budget left to try the candidates (raise "
                                           "verify)"
                                         : ": the findings proposed none");
        else
            g_string_append(h, "; the diagnosis' ranking stands");
        /* Planned runs are counted against the budget: too few left for another trial. */
        if (vc->tried && vr->budget - vr->runs_added < vc->runs)
            g_string_append(h, " (the verification budget ran out: run again with --set "
                               "verify=2 to try more)");
    }
    g_string_append_printf(h, "<small> %d candidate%s, %d tried</small></p>\n", vc->candidates,
                           vc->candidates == 1 ? "" : "s", vc->tried);
    if (!vc->tried)
        return;
    g_string_append_printf(h, "<table class=\"fixes\"><tr><th>cause</th><th>fix</th>"
                              "<th>evidence</th>"
                       "<th>%s before \u2192 after</th><th>learned after</th>"
                       "<th>fit before \u2192 after</th><th>outcome</th></tr>\n",
                           verify_cell_warning_point(vc) ? "healthy" : "collapsed");
    /* The verified fix first, then the others in the order tried. */
    for (int pass = 0; pass < 2; pass++)
        for (guint i = 0; i < vr->trials->len; i++) {
            const verify_trial *t = vr->trials->pdata[i];
            if (t->cell != vc->cell || (pass == 0) != (t == ok))
                continue;
            g_string_append_printf(h, "<tr class=\"%s\"><td>", t->verified ? "verified"
                                                                           : "refuted");
            g_auto(GStrv) causes = g_strsplit(t->cause, "+", -1);
            for (char **c = causes; *c; c++) {
                if (c != causes)
                    g_string_append(h, " + ");
                report_cause(h, colors, *c);
            }
            g_string_append(h, "</td>");
            g_autofree char *fix = verify_fix_text(t);
            g_string_append(h, "<td><code>");
            report_esc(h, fix);
            g_string_append(h, "</code>");
            if (t->reason) {
                g_string_append(h, "<small> ");
                report_esc(h, t->reason);
                g_string_append(h, "</small>");
            }
            g_string_append(h, "</td>");
            g_autofree char *cited = t->cited_cell >= 0 ? verify_cell_text(vr, t->cited_cell)
                                                        : NULL;
            g_autofree char *ev = cited ? g_strdup_printf("the grid holds it: %s", cited)
                                        : g_strdup_printf("rerun, same seeds: %s",
                                                          t->dir ? t->dir : "?");
            report_td(h, "evidence", ev);
            g_autofree char *ba =
                t->warning_point ? g_strdup_printf("%d/%d \u2192 %d/%d", t->before_healthy,
                                                   t->before_n, t->healthy, t->after_n)
                                 : g_strdup_printf("%d/%d \u2192 %d/%d", t->before_k,
                                                   t->before_n, t->after_k, t->after_n);
            report_td(h, "num", ba);
            g_autofree char *learned = g_strdup_printf("%d/%d", t->learned, t->after_n);
            report_td(h, "num", learned);
            g_autofree char *fb = report_fit(t->before_fit), *fa = report_fit(t->after_fit);
            g_autofree char *fit = g_strdup_printf("%s \u2192 %s", fb, fa);
            report_td(h, "num", fit);
            report_td(h, "outcome", t->verified ? "verified" : "did not heal");
            g_string_append(h, "</tr>\n");
        }
    g_string_append(h, "</table>\n");
}

/* The verification: per collapsed grid point its verified fix or what was tried, the
 * healthy region of the grid and what it cost. */
static void report_verification(GString *h, const verify_report *vr, const char *why,
                                GHashTable *colors)
{
    g_string_append(h, "<h2 id=\"fixes\">Verified fixes</h2>\n");
    if (!vr) {
        g_string_append(h, "<p>");
        report_esc(h, why ? why
                          : "No fix was verified: this sweep ran without verification "
                            "(--no-verify or verify = false). Run it again without them to "
                            "rerun each collapsed grid point with its candidate fixes.");
        g_string_append(h, "</p>\n");
        return;
    }
    g_string_append(h, "<p>Each grid point where most runs collapsed was rerun on the same "
                       "seeds with each candidate fix its findings proposed (or the grid "
                       "point that already is the fixed configuration was cited), and with "
                       "pairs of fixes where no single one healed; with budget left, so was "
                       "each grid point where most runs drew a warning. A fix is verified "
                       "when at least two thirds of the fixed runs learn and do not collapse "
                       "(and, where the runs only warned, are healthy). "
                       "<i>Fit</i> is the median final loss over the loss of predicting the "
                       "mean: 1 learned nothing.</p>\n");
    if (vr->healthy) {
        g_string_append(h, "<p class=\"healthy-region\">");
        report_esc(h, vr->healthy);
        g_string_append(h, "</p>\n");
    }
    if (!vr->cells->len)
        g_string_append(h, "<p>Every grid point is healthy in most of its runs: nothing "
                           "to fix.</p>\n");
    for (guint i = 0; i < vr->cells->len; i++)
        report_fix_cell(h, vr, vr->cells->pdata[i], colors);
    if (vr->cells->len) {
        g_autofree char *text = verify_cost_text(vr);
        g_autofree char *cost = g_strdup_printf("Cost: %s.", text);
        g_string_append(h, "<p id=\"fix-cost\">");
        report_esc(h, cost);
        g_string_append(h, "</p>\n");
    }
}

/* The charts, embedded.  One that is not there is a note: `failed` says why, per chart,
 * `why` why none could be drawn (both may be empty). */
static void report_figures(GString *h, const plotdata *d, GHashTable *failed, const char *why)
{
    g_string_append(h, "<h2 id=\"charts\">Charts</h2>\n");
    guint n;
    const plot_chart *charts = plot_charts(&n);
    for (guint k = 0; k < n; k++) {
        const plot_chart *ch = &charts[k];
        if (!plot_chart_applies(ch, d))
            continue;
        g_autofree char *file = g_strdup_printf("%s.png", ch->name);
        g_autofree char *path = g_build_filename(d->dir, "plots", file, NULL);
        g_autofree char *bytes = NULL;
        gsize len = 0;
        g_string_append(h, "<figure>");
        if (g_file_get_contents(path, &bytes, &len, NULL) && len > 8 &&
            memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0) {
            g_autofree char *b64 = g_base64_encode((const guchar *)bytes, len);
            g_string_append(h, "<img alt=\"");
            report_esc(h, ch->title);
            g_string_append_printf(h, "\" src=\"data:image/png;base64,%s\">", b64);
        } else {
            const char *reason = failed ? g_hash_table_lookup(failed, ch->name) : NULL;
            g_autofree char *missing = g_strdup_printf("plots/%s is missing: run flatline plot "
                                                       "%s, then flatline report %s",
                                                       file, d->dir, d->dir);
            g_string_append(h, "<div class=\"missing\">");
            report_esc(h, ch->title);
            g_string_append(h, ": chart not drawn. ");
            report_esc(h, reason ? reason : why ? why : missing);
            g_string_append(h, "</div>");
        }
        g_string_append(h, "<figcaption><b>");
        report_esc(h, ch->title);
        g_string_append(h, ".</b> ");
        report_esc(h, ch->caption);
        g_string_append(h, "</figcaption></figure>\n");
    }
}

static void report_runs(GString *h, const plotdata *d, GHashTable *colors)
{
    g_string_append(h, "<h2 id=\"verdicts\">Verdict per run</h2>\n<table id=\"runs\" class=\"sortable\"><thead><tr>"
                       "<th>run</th>");
    for (guint a = 0; a < d->axes->len; a++) {
        g_string_append(h, "<th>");
        report_esc(h, ((plotdata_axis *)d->axes->pdata[a])->key);
        g_string_append(h, "</th>");
    }
    /* Classifiers: the accuracy that tells "predicts one class" (equal to the majority
     * class's) from learning. */
    gboolean classifies = FALSE;
    for (guint i = 0; i < d->runs->len && !classifies; i++)
        classifies = isfinite(((const run_result *)d->runs->pdata[i])->majority_accuracy);
    g_string_append(h, "<th>seed</th><th>status</th><th>verdict</th><th>causes</th>"
                       "<th>final loss</th>");
    if (classifies)
        g_string_append(h, "<th>accuracy (majority class)</th>");
    g_string_append(h, "<th>epochs run / planned</th><th>stopped early</th>"
                       "</tr></thead>\n<tbody>\n");
    for (guint i = 0; i < d->runs->len; i++) {
        const run_result *r = d->runs->pdata[i];
        const char *state = r->status == RUN_OK ? verdict_name(r->verdict) : run_status_name(r->status);
        g_autofree char *cls = g_markup_escape_text(state, -1);
        g_string_append_printf(h, "<tr class=\"run %s\">", cls);
        if (r->findings->len || r->reason) {
            g_autofree char *anchor = g_markup_escape_text(r->id, -1);
            g_string_append_printf(h, "<td><a href=\"#run-%s\">%s</a></td>", anchor, anchor);
        } else {
            report_td(h, NULL, r->id);
        }
        for (guint a = 0; a < d->axes->len; a++) {
            const char *key = ((plotdata_axis *)d->axes->pdata[a])->key;
            g_autofree char *l = plotdata_format_label(report_axis_value(r, key));
            report_td(h, NULL, l);
        }
        g_autofree char *seed = g_strdup_printf("%" G_GINT64_FORMAT, r->seed);
        report_td(h, "num", seed);
        report_td(h, NULL, run_status_name(r->status));
        report_td(h, "verdict", r->status == RUN_OK ? verdict_name(r->verdict) : "");
        g_string_append(h, "<td>");
        report_causes(h, colors, r->causes);
        g_string_append(h, "</td>");
        g_autofree char *loss = plotdata_format_number(r->final_loss);
        report_td(h, "num", loss);
        if (classifies) {
            g_autofree char *acc =
                isfinite(r->final_accuracy) && isfinite(r->majority_accuracy)
                    ? g_strdup_printf("%.3f (%.3f)", r->final_accuracy, r->majority_accuracy)
                    : g_strdup("");
            report_td(h, "num", acc);
        }
        g_autofree char *epochs = g_strdup_printf("%d / %d", r->epochs_run, r->epochs_planned);
        report_td(h, "num", epochs);
        report_td(h, NULL, r->stopped_early ? "yes" : "no");
        g_string_append(h, "</tr>\n");
    }
    g_string_append(h, "</tbody></table>\n");
}

static void report_findings(GString *h, const plotdata *d, GHashTable *colors)
{
    g_string_append(h, "<h2 id=\"findings\">Findings per run</h2>\n");
    gboolean any = FALSE;
    for (guint i = 0; i < d->runs->len; i++) {
        const run_result *r = d->runs->pdata[i];
        if (!r->findings->len && !r->reason)
            continue;
        any = TRUE;
        g_autofree char *anchor = g_markup_escape_text(r->id, -1);
        g_string_append_printf(h, "<details id=\"run-%s\"><summary><b>%s</b> ", anchor, anchor);
        for (guint a = 0; a < d->axes->len; a++) {
            const char *key = ((plotdata_axis *)d->axes->pdata[a])->key;
            g_autofree char *l = plotdata_format_label(report_axis_value(r, key));
            report_esc(h, key);
            g_string_append_c(h, '=');
            report_esc(h, l);
            g_string_append_c(h, ' ');
        }
        g_string_append_printf(h, "seed %" G_GINT64_FORMAT ": ", r->seed);
        report_esc(h, r->status == RUN_OK ? verdict_name(r->verdict) : run_status_name(r->status));
        g_string_append(h, " ");
        report_causes(h, colors, r->causes);
        g_string_append(h, "</summary>\n");
        if (r->reason) {
            g_string_append(h, "<p>");
            report_esc(h, run_status_name(r->status));
            g_string_append(h, ": ");
            report_esc(h, r->reason);
            g_string_append(h, "</p>\n");
        }
        if (r->findings->len) {
            g_string_append(h, "<table><tr><th>detector</th><th>level</th><th>since epoch</th>"
                               "<th>evidence</th><th>cause</th><th>advice</th></tr>\n");
            for (guint k = 0; k < r->findings->len; k++) {
                const finding_rec *f = r->findings->pdata[k];
                g_string_append(h, "<tr><td>");
                report_cause(h, colors, f->detector);
                g_string_append(h, "</td>");
                report_td(h, NULL, f->level == FL_LEVEL_COLLAPSED ? "collapsed" : "warning");
                g_autofree char *ep = g_strdup_printf("%d", f->epoch);
                report_td(h, "num", ep);
                report_td(h, "evidence", f->evidence);
                report_td(h, NULL, f->cause);
                report_td(h, "advice", f->advice);
                g_string_append(h, "</tr>\n");
            }
            g_string_append(h, "</table>\n");
        }
        g_string_append(h, "</details>\n");
    }
    if (!any)
        g_string_append(h, "<p>No detector reported anything.</p>\n");
}

/* Whether every chart the report shows exists as a PNG. */
static gboolean report_have_pngs(const plotdata *d)
{
    guint n;
    const plot_chart *charts = plot_charts(&n);
    for (guint k = 0; k < n; k++) {
        if (!plot_chart_applies(&charts[k], d))
            continue;
        g_autofree char *file = g_strdup_printf("%s.png", charts[k].name);
        g_autofree char *path = g_build_filename(d->dir, "plots", file, NULL);
        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
            return FALSE;
    }
    return TRUE;
}

gboolean report_write(const char *dir, GError **error)
{
    g_return_val_if_fail(dir != NULL, FALSE);
    g_autoptr(plotdata) d = plotdata_load(dir, error);
    if (!d)
        return FALSE;
    g_autofree char *why = NULL;
    g_autoptr(GHashTable) failed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (!report_have_pngs(d)) {
        GError *err = NULL;
        if (!plot_draw(dir, "png", failed, &err)) {
            why = g_strdup(err->message);
            g_error_free(err);
        }
    }
    g_autoptr(GHashTable) colors = plot_cause_colors();
    /* A damaged verification is said so in its section; the rest of the report stands. */
    g_autoptr(GError) verr = NULL;
    g_autoptr(verify_report) vr = verify_load(dir, &verr);

    GString *h = g_string_new("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                              "<meta name=\"viewport\" content=\"width=device-width\">\n<title>");
    report_esc(h, d->name);
    g_string_append(h, " \u2014 flatline report</title>\n<style>");
    g_string_append(h, report_css);
    g_string_append(h, "</style>\n<script>");
    g_string_append(h, report_js);
    g_string_append(h, "</script>\n</head>\n<body><main>\n<h1>");
    report_esc(h, d->name);
    g_string_append(h, "</h1>\n<p class=\"sub\">Results in <code>");
    report_esc(h, dir);
    /* When, where and how the page was made: what a reviewer asks first. */
    const dnnl_version_t *dv = dnnl_version();
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *when = g_date_time_format(now, "%Y-%m-%d %H:%M UTC");
    g_string_append_printf(h, "</code>; this page written %s on <code>", when);
    report_esc(h, g_get_host_name());
    g_string_append_printf(h, "</code> by flatline " PACKAGE_VERSION " (oneDNN %d.%d.%d)",
                           dv->major, dv->minor, dv->patch);
    if (report_command) {
        g_string_append(h, ", as <code>");
        report_esc(h, report_command);
        g_string_append(h, "</code>");
    }
    g_string_append(h, ".</p>\n");
    report_about(h, d->cfg_text);
    report_tally(h, d);
    if (d->cfg_text) {
        g_string_append(h, "<details id=\"experiment\"><summary>Experiment file: "
                           "experiment.cfg as resolved, every default written out</summary>"
                           "<pre>");
        report_esc(h, d->cfg_text);
        g_string_append(h, "</pre></details>\n");
    } else {
        g_string_append(h, "<p>experiment.cfg is missing from the results directory.</p>\n");
    }
    report_grid(h, d);
    report_cells(h, d, colors, vr);
    report_verification(h, vr, verr ? verr->message : NULL, colors);
    report_figures(h, d, failed, why);
    report_runs(h, d, colors);
    report_findings(h, d, colors);
    g_string_append(h, "</main></body></html>\n");

    g_autofree char *path = g_build_filename(dir, "report.html", NULL);
    gboolean ok = results_write(path, h->str, (gssize)h->len, FALSE, error);
    g_string_free(h, TRUE);
    return ok;
}
