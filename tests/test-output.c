/* test-output.c — what flatline writes for others to read.
 *
 * The CSV files (metrics.csv, summary.csv, cells.csv) are parsed back with a strict RFC
 * 4180 reader written here, not flatline's: a target column named "a,b" or say "hi", and
 * grid values that are file names holding a comma or a quote, must each come back as one
 * field, with every row as wide as its header.
 *
 * What flatline prints must carry no control character from a file: a data file named with
 * an escape sequence (ESC, or the one-character CSI U+009B) shows as \x1b and \u009b in
 * `check` and `run`, and so does one in the experiment's name in the error that refuses
 * it. */
#include "testutil.h"
#include "term.h"

#include <string.h>

/* ---------------------------------------------------------------- RFC 4180 */

/* Records of fields: separated by commas, records by LF or CRLF; a field in double quotes
 * may hold commas, line breaks and "" for one quote.  A quote inside an unquoted field, or
 * anything but a separator after a closing quote, fails the test: that is the file a
 * careless writer makes. */
static GPtrArray *rfc4180_parse(const char *text)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    GPtrArray *fields = g_ptr_array_new_with_free_func(g_free);
    GString *f = g_string_new(NULL);
    const char *c = text;
    while (*c) {
        if (*c == '"') {
            for (c++;; c++) {
                g_assert_true(*c != '\0'); /* unterminated quote */
                if (*c == '"' && c[1] == '"') {
                    g_string_append_c(f, '"');
                    c++;
                } else if (*c == '"') {
                    c++;
                    break;
                } else {
                    g_string_append_c(f, *c);
                }
            }
            g_assert_true(*c == ',' || *c == '\n' || *c == '\0' || (*c == '\r' && c[1] == '\n'));
        } else {
            while (*c && *c != ',' && *c != '\n' && *c != '\r') {
                g_assert_true(*c != '"'); /* a quote inside an unquoted field */
                g_string_append_c(f, *c++);
            }
        }
        g_ptr_array_add(fields, g_string_free(g_steal_pointer(&f), FALSE));
        f = g_string_new(NULL);
        if (*c == ',') {
            c++;
            continue;
        }
        if (*c == '\r')
            c++;
        if (*c == '\n')
            c++;
        g_ptr_array_add(fields, NULL);
        g_ptr_array_add(rows, g_ptr_array_steal(fields, NULL));
    }
    g_assert_cmpuint(fields->len, ==, 0);
    g_ptr_array_free(fields, TRUE);
    g_string_free(f, TRUE);
    return rows;
}

/* A results file parsed; every row as wide as the header. */
static GPtrArray *read_csv(const char *dir, const char *rel)
{
    g_autofree char *path = g_build_filename(dir, rel, NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_file_get_contents(path, &text, NULL, &err);
    g_assert_no_error(err);
    GPtrArray *rows = rfc4180_parse(text);
    g_assert_cmpuint(rows->len, >=, 2);
    guint width = g_strv_length(rows->pdata[0]);
    for (guint i = 1; i < rows->len; i++)
        g_assert_cmpuint(g_strv_length(rows->pdata[i]), ==, width);
    return rows;
}

static int column_of(GPtrArray *rows, const char *name)
{
    GStrv header = rows->pdata[0];
    for (int i = 0; header[i]; i++)
        if (strcmp(header[i], name) == 0)
            return i;
    g_test_message("no column \"%s\"", name);
    g_assert_not_reached();
}

/* ---------------------------------------------------------------- scratch experiments */

static void write_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) err = NULL;
    g_file_set_contents(path, text, -1, &err);
    g_assert_no_error(err);
}

/* A CSV of 24 rows: one input, then the two targets (header given). */
static void write_data(const char *dir, const char *name, const char *header)
{
    g_autoptr(GString) csv = g_string_new(header);
    for (int i = 0; i < 24; i++)
        g_string_append_printf(csv, "%d,%d,%d\n", i, (i * 7) % 5, (i * 3) % 4);
    write_file(dir, name, csv->str);
}

/* An experiment over a grid of data files: path_a and path_b as written in the file
 * (libconfig escapes allowed). */
static char *grid_cfg(const char *name, const char *path_a, const char *path_b,
                      const char *targets)
{
    return g_strdup_printf(
        "name = \"%s\";\n"
        "seed = 3;\n"
        "dataset = { plugin = \"csv\"; path = \"%s\"; target = %s; };\n"
        "model = ( { name = \"h\"; units = 4; activation = \"relu\"; },\n"
        "          { name = \"out\"; units = 2; } );\n"
        "loss = \"mse\";\n"
        "optimizer = { plugin = \"adam\"; lr = 0.01; };\n"
        "train = { epochs = 2; batch = 8; };\n"
        "detectors = ( );\n"
        "grid = ( { key = \"dataset.path\"; values = [ \"%s\", \"%s\" ]; } );\n",
        name, path_a, targets, path_a, path_b);
}

static int flatline(const char *cwd, char **out, char **err, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)tu_flatline());
    va_list ap;
    va_start(ap, err);
    for (const char *a; (a = va_arg(ap, const char *));)
        g_ptr_array_add(argv, (gpointer)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    return tu_run((const char *const *)argv->pdata, cwd, out, err);
}

/* ---------------------------------------------------------------- CSV files */

static void test_csv_fields_read_back(void)
{
    g_autofree char *dir = tu_tmpdir();
    /* Target columns named a,b and say "hi"; the files' names hold a comma and a quote. */
    const char *header = "x,\"a,b\",\"say \"\"hi\"\"\"\n";
    const char *const targets[] = {"a,b", "say \"hi\""};
    const char *const files[] = {"d,1.csv", "d\"2.csv"};
    write_data(dir, files[0], header);
    write_data(dir, files[1], header);
    g_autofree char *cfg = grid_cfg("quoted", "d,1.csv", "d\\\"2.csv",
                                    "[ \"a,b\", \"say \\\"hi\\\"\" ]");
    write_file(dir, "quoted.cfg", cfg);
    g_autofree char *out = NULL, *err = NULL;
    int status = flatline(dir, &out, &err, "run", "quoted.cfg", "-o", "res", "-q", "--no-plots",
                          "-j", "1", NULL);
    g_test_message("stderr: %s", err);
    g_assert_cmpint(status, ==, 0);
    g_autofree char *res = g_build_filename(dir, "res", NULL);

    /* metrics.csv: each target's columns are one field each, named after it. */
    g_autoptr(GPtrArray) metrics = read_csv(res, "runs/r0000/metrics.csv");
    GStrv head = metrics->pdata[0];
    g_assert_cmpstr(head[0], ==, "epoch");
    g_assert_cmpstr(head[3], ==, "lr");
    for (guint t = 0; t < G_N_ELEMENTS(targets); t++)
        for (const char *const *sfx = (const char *const[]){"_std", "_min", "_max", "_mean", NULL};
             *sfx; sfx++) {
            g_autofree char *col = g_strconcat(targets[t], *sfx, NULL);
            column_of(metrics, col);
        }
    g_assert_cmpuint(metrics->len, ==, 1 + 3); /* header, epochs 0 to 2 */

    /* summary.csv and cells.csv: the grid value, the file name, comes back whole. */
    g_autoptr(GPtrArray) summary = read_csv(res, "summary.csv");
    g_autoptr(GPtrArray) cells = read_csv(res, "cells.csv");
    g_assert_cmpuint(summary->len, ==, 1 + 2);
    g_assert_cmpuint(cells->len, ==, 1 + 2);
    int s_path = column_of(summary, "dataset.path"), c_path = column_of(cells, "dataset.path");
    int s_run = column_of(summary, "run"), s_status = column_of(summary, "status");
    for (guint r = 0; r < 2; r++) {
        GStrv srow = summary->pdata[r + 1], crow = cells->pdata[r + 1];
        g_autofree char *id = g_strdup_printf("r%04u", r);
        g_assert_cmpstr(srow[s_run], ==, id);
        g_assert_cmpstr(srow[s_path], ==, files[r]);
        g_assert_cmpstr(srow[s_status], ==, "ok");
        g_assert_cmpstr(crow[c_path], ==, files[r]);
    }
    tu_rmtree(dir);
}

/* The reader itself: it must refuse what a careless writer makes, or the test above
 * could pass on a broken file. */
static void test_rfc4180_reader_refuses(void)
{
    if (g_test_subprocess()) {
        g_autoptr(GPtrArray) rows = rfc4180_parse("a,b\n1,x\"y\n");
        return;
    }
    g_autoptr(GPtrArray) ok = rfc4180_parse("a,\"b,c\",\"d\"\"e\"\r\n1,\"2\n3\",4\n");
    g_assert_cmpuint(ok->len, ==, 2);
    g_assert_cmpstr(((GStrv)ok->pdata[0])[1], ==, "b,c");
    g_assert_cmpstr(((GStrv)ok->pdata[0])[2], ==, "d\"e");
    g_assert_cmpstr(((GStrv)ok->pdata[1])[1], ==, "2\n3");
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
}

/* ---------------------------------------------------------------- the terminal */

static void assert_no_control(const char *what, const char *text)
{
    g_test_message("%s: %s", what, text);
    g_assert_null(strchr(text, '\033'));
    g_assert_null(strstr(text, "\xc2\x9b"));
}

static void test_terminal_gets_escapes_escaped(void)
{
    g_autofree char *dir = tu_tmpdir();
    const char *header = "x,y0,y1\n";
    write_data(dir, "p\033[31m.csv", header);
    write_data(dir, "q\xc2\x9b" "2J.csv", header);
    g_autofree char *cfg =
        grid_cfg("escapes", "p\\x1b[31m.csv", "q\\xc2\\x9b2J.csv", "[ \"y0\", \"y1\" ]");
    write_file(dir, "esc.cfg", cfg);

    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(flatline(dir, &out, &err, "check", "esc.cfg", NULL), ==, 0);
    assert_no_control("check stdout", out);
    assert_no_control("check stderr", err);
    g_assert_nonnull(strstr(out, "p\\x1b[31m.csv"));
    g_assert_nonnull(strstr(out, "q\\u009b2J.csv"));

    g_autofree char *rout = NULL, *rerr = NULL;
    g_assert_cmpint(flatline(dir, &rout, &rerr, "run", "esc.cfg", "-o", "res", "--no-plots",
                             "-j", "1", NULL),
                    ==, 0);
    assert_no_control("run stdout", rout);
    assert_no_control("run stderr", rerr);
    g_assert_nonnull(strstr(rout, "p\\x1b[31m.csv")); /* the table's grid values */

    /* The refused name in the error. */
    g_autofree char *bad = grid_cfg("x\\x1b]0;pwned\\x07", "p\\x1b[31m.csv", "q\\xc2\\x9b2J.csv",
                                    "[ \"y0\", \"y1\" ]");
    write_file(dir, "name.cfg", bad);
    g_autofree char *nout = NULL, *nerr = NULL;
    g_assert_cmpint(flatline(dir, &nout, &nerr, "run", "name.cfg", "-q", NULL), ==, 2);
    assert_no_control("refused name", nerr);
    g_assert_nonnull(strstr(nerr, "name.cfg:1: name: \"x\\x1b]0;pwned\\x07\""));
    tu_rmtree(dir);
}

static void test_term_escape(void)
{
    static const struct {
        const char *in, *value, *message;
    } cases[] = {
        {"plain é ünïcode", "plain é ünïcode", "plain é ünïcode"},
        {"a\033[2Jb", "a\\x1b[2Jb", "a\\x1b[2Jb"},
        {"tab\there\nnext", "tab\\x09here\\x0anext", "tab\there\nnext"},
        {"cr\rdel\x7f", "cr\\x0ddel\\x7f", "cr\\x0ddel\\x7f"},
        {"csi\xc2\x9b" "1m", "csi\\u009b1m", "csi\\u009b1m"},
        {"bad\xff\xc3", "bad\\xff\\xc3", "bad\\xff\\xc3"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *v = term_escape(cases[i].in, FALSE);
        g_autofree char *m = term_escape(cases[i].in, TRUE);
        g_assert_cmpstr(v, ==, cases[i].value);
        g_assert_cmpstr(m, ==, cases[i].message);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/output/rfc4180-reader", test_rfc4180_reader_refuses);
    g_test_add_func("/output/csv-fields-read-back", test_csv_fields_read_back);
    g_test_add_func("/output/terminal-escaped", test_terminal_gets_escapes_escaped);
    g_test_add_func("/output/term-escape", test_term_escape);
    return g_test_run();
}
