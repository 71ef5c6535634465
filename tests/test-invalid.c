/* test-invalid.c — bad input is data: every folder of tests/invalid is one case.
 *
 * A case folder holds input.cfg (and the data files it reads), `expected` (substrings that
 * must appear on stderr, one per line; a line starting with '!' must not appear), and
 * optionally `args` (extra arguments, shell-quoted) and `command` (check or run).  Folders
 * are listed when the program starts, so a new folder is a new test without a code change.
 *
 * Each case runs in a scratch copy of its folder, so messages name "input.cfg:9:" whatever
 * the build directory, and anything flatline writes by mistake is seen: a refused file must
 * leave no results directory behind (`run` gets `-o out`, which must stay absent or empty)
 * and print nothing on stdout.  The verdict is the exit status 2 (usage or config error,
 * flatline(1), EXIT STATUS); a signal is a crash and fails the case.
 *
 * The /valid/ tests are the controls: the file the cases are made from, with one thing
 * changed each, passes `check` and `run`, and so does `lr = 1;` (an integer where a float is
 * expected, which libconfig 1.5 would otherwise refuse). */
#include "testutil.h"

#include <glib/gstdio.h>
#include <string.h>

enum { INVALID_EXIT_USAGE = 2 };

/* The valid experiment the cases vary; keep it in step with tests/invalid/<case>/input.cfg. */
static const char invalid_base_cfg[] =
    "seed = 1;\n"
    "dataset = { plugin = \"sine2d\"; samples = 20; };\n"
    "model = (\n"
    "  { name = \"h1\"; layer = \"dense\"; units = 4; activation = \"relu\"; },\n"
    "  { name = \"out\"; layer = \"dense\"; units = 1; }\n"
    ");\n"
    "loss = \"mse\";\n"
    "optimizer = { plugin = \"adam\"; lr = 0.01; };\n"
    "train = { epochs = 2; batch = 8; };\n"
    "detectors = ( );\n";

/* ---------------------------------------------------------------- files */

static gint invalid_compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names in a folder, sorted. */
static GPtrArray *invalid_list_dir(const char *dir)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &err);
    g_assert_no_error(err);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, invalid_compare_names);
    return names;
}

/* Copy src (a file or a folder, recursively) to dst. */
static void invalid_copy_tree(const char *src, const char *dst)
{
    g_autoptr(GError) err = NULL;
    if (g_file_test(src, G_FILE_TEST_IS_DIR)) {
        g_assert_cmpint(g_mkdir_with_parents(dst, 0755), ==, 0);
        g_autoptr(GPtrArray) names = invalid_list_dir(src);
        for (guint i = 0; i < names->len; i++) {
            g_autofree char *s = g_build_filename(src, names->pdata[i], NULL);
            g_autofree char *d = g_build_filename(dst, names->pdata[i], NULL);
            invalid_copy_tree(s, d);
        }
        return;
    }
    g_autofree char *contents = NULL;
    gsize len = 0;
    g_file_get_contents(src, &contents, &len, &err);
    g_assert_no_error(err);
    g_file_set_contents(dst, contents, (gssize)len, &err);
    g_assert_no_error(err);
}

/* Every path under root, relative to it, sorted ("out", "out/x", ...). */
static void invalid_walk(const char *root, const char *rel, GPtrArray *into)
{
    g_autofree char *dir = rel ? g_build_filename(root, rel, NULL) : g_strdup(root);
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
        return;
    g_autoptr(GPtrArray) names = invalid_list_dir(dir);
    for (guint i = 0; i < names->len; i++) {
        char *child = rel ? g_build_filename(rel, names->pdata[i], NULL)
                          : g_strdup(names->pdata[i]);
        g_ptr_array_add(into, child);
        invalid_walk(root, child, into);
    }
}

static GPtrArray *invalid_tree_listing(const char *root)
{
    GPtrArray *all = g_ptr_array_new_with_free_func(g_free);
    invalid_walk(root, NULL, all);
    g_ptr_array_sort(all, invalid_compare_names);
    return all;
}

static gboolean invalid_listing_has(GPtrArray *listing, const char *path)
{
    for (guint i = 0; i < listing->len; i++)
        if (strcmp(listing->pdata[i], path) == 0)
            return TRUE;
    return FALSE;
}

/* A file of the case, or NULL if the case has none. */
static char *invalid_read_optional(const char *case_dir, const char *name)
{
    g_autofree char *path = g_build_filename(case_dir, name, NULL);
    char *text = NULL;
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return NULL;
    g_autoptr(GError) err = NULL;
    g_file_get_contents(path, &text, NULL, &err);
    g_assert_no_error(err);
    return text;
}

/* ---------------------------------------------------------------- one case */

/* Run flatline on a folder; returns the exit status (-1: killed by a signal). */
static int invalid_run(const char *dir, const char *command, char **extra, char **out,
                       char **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)tu_flatline());
    g_ptr_array_add(argv, (gpointer)command);
    g_ptr_array_add(argv, "input.cfg");
    if (strcmp(command, "run") == 0) {
        g_ptr_array_add(argv, "-o");
        g_ptr_array_add(argv, "out");
    }
    for (char **a = extra; a && *a; a++)
        g_ptr_array_add(argv, *a);
    g_ptr_array_add(argv, NULL);
    return tu_run((const char *const *)argv->pdata, dir, out, err);
}

static void invalid_case(gconstpointer data)
{
    const char *case_dir = data;
    g_autofree char *expected = invalid_read_optional(case_dir, "expected");
    g_assert_nonnull(expected);
    g_auto(GStrv) lines = g_strsplit(expected, "\n", -1);
    guint n_positive = 0;
    for (char **l = lines; *l; l++)
        n_positive += **l && **l != '!';
    /* A case that expects nothing would pass on any message. */
    g_assert_cmpuint(n_positive, >, 0);

    g_autofree char *command = invalid_read_optional(case_dir, "command");
    if (command)
        g_strstrip(command);
    const char *cmd = command ? command : "check";
    g_assert_true(strcmp(cmd, "check") == 0 || strcmp(cmd, "run") == 0);
    g_autofree char *args_text = invalid_read_optional(case_dir, "args");
    g_auto(GStrv) args = NULL;
    if (args_text && *g_strstrip(args_text)) {
        g_autoptr(GError) err = NULL;
        g_shell_parse_argv(args_text, NULL, &args, &err);
        g_assert_no_error(err);
    }

    g_autofree char *tmp = tu_tmpdir();
    invalid_copy_tree(case_dir, tmp);
    g_autoptr(GPtrArray) before = invalid_tree_listing(tmp);

    g_autofree char *out = NULL, *err = NULL;
    int status = invalid_run(tmp, cmd, args, &out, &err);
    g_test_message("flatline %s: exit %d, stderr:\n%s", cmd, status, err);

    /* Collect every problem, so one run of the suite tells the whole story of a case. */
    g_autoptr(GString) why = g_string_new(NULL);
    if (status != INVALID_EXIT_USAGE)
        g_string_append_printf(why, "\n  exit status %d (%s), expected %d", status,
                               status < 0 ? "killed by a signal" : "not a config error",
                               INVALID_EXIT_USAGE);
    for (char **l = lines; *l; l++) {
        if (!**l)
            continue;
        gboolean banned = **l == '!';
        const char *needle = banned ? *l + 1 : *l;
        gboolean found = strstr(err, needle) != NULL;
        if (banned && found)
            g_string_append_printf(why, "\n  stderr must not contain: %s", needle);
        else if (!banned && !found)
            g_string_append_printf(why, "\n  stderr lacks: %s", needle);
    }
    /* GLib criticals or printf of a NULL string are bugs even inside a good message. */
    static const char *const never[] = {"CRITICAL", "WARNING **", "(null)", "assertion"};
    for (guint i = 0; i < G_N_ELEMENTS(never); i++)
        if (strstr(err, never[i]))
            g_string_append_printf(why, "\n  stderr contains %s", never[i]);
    if (*out)
        g_string_append_printf(why, "\n  stdout is not empty: %s", out);

    /* Nothing new in the folder, except an empty `out` that run may have made. */
    g_autoptr(GPtrArray) after = invalid_tree_listing(tmp);
    for (guint i = 0; i < after->len; i++) {
        const char *p = after->pdata[i];
        if (invalid_listing_has(before, p))
            continue;
        if (strcmp(p, "out") == 0) {
            g_autofree char *o = g_build_filename(tmp, "out", NULL);
            if (g_file_test(o, G_FILE_TEST_IS_DIR))
                continue; /* its contents, if any, are listed as out/... and refused */
        }
        g_string_append_printf(why, "\n  left behind: %s", p);
    }
    tu_rmtree(tmp);
    if (why->len)
        g_test_fail_printf("%s%s\n  stderr was: %s", case_dir, why->str, err);
}

/* ---------------------------------------------------------------- controls */

/* Write cfg (and data.csv when given) into a scratch folder, run flatline there. */
static int invalid_run_text(const char *cfg, const char *csv, const char *command,
                            char **extra, char **tmp_out, char **out, char **err)
{
    char *tmp = tu_tmpdir();
    g_autofree char *cfg_path = g_build_filename(tmp, "input.cfg", NULL);
    g_autoptr(GError) error = NULL;
    g_file_set_contents(cfg_path, cfg, -1, &error);
    g_assert_no_error(error);
    if (csv) {
        g_autofree char *csv_path = g_build_filename(tmp, "data.csv", NULL);
        g_file_set_contents(csv_path, csv, -1, &error);
        g_assert_no_error(error);
    }
    int status = invalid_run(tmp, command, extra, out, err);
    *tmp_out = tmp;
    return status;
}

static char *invalid_replace(const char *text, const char *from, const char *to)
{
    g_assert_nonnull(strstr(text, from));
    g_auto(GStrv) parts = g_strsplit(text, from, 2);
    return g_strconcat(parts[0], to, parts[1], NULL);
}

static void invalid_check_ok(const char *cfg, const char *csv, char **extra)
{
    g_autofree char *tmp = NULL, *out = NULL, *err = NULL;
    int status = invalid_run_text(cfg, csv, "check", extra, &tmp, &out, &err);
    g_test_message("stderr: %s", err);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpstr(err, ==, "");
    /* check lists the one run it planned. */
    g_assert_nonnull(strstr(out, "= 1 run"));
    tu_rmtree(tmp);
}

static void test_valid_base(void)
{
    invalid_check_ok(invalid_base_cfg, NULL, NULL);
}

static void test_valid_lr_integer(void)
{
    g_autofree char *cfg = invalid_replace(invalid_base_cfg, "lr = 0.01;", "lr = 1;");
    invalid_check_ok(cfg, NULL, NULL);
}

static void test_valid_lr_integer_set(void)
{
    char *extra[] = {"--set", "optimizer.lr=1", NULL};
    invalid_check_ok(invalid_base_cfg, NULL, extra);
}

/* The csv cases' file with a good data.csv. */
static void test_valid_csv(void)
{
    g_autofree char *cfg = invalid_replace(invalid_base_cfg,
                                           "{ plugin = \"sine2d\"; samples = 20; }",
                                           "{ plugin = \"csv\"; path = \"data.csv\"; }");
    invalid_check_ok(cfg, "x0,x1,y\n1,2,3\n4,5,6\n7,8,9\n", NULL);
}

/* `run` on the valid file writes its results: the run cases leave nothing because they are
 * refused, not because run never writes. */
static void test_valid_run_writes(void)
{
    g_autofree char *tmp = NULL, *out = NULL, *err = NULL;
    char *extra[] = {"--no-plots", "--quiet", NULL};
    int status = invalid_run_text(invalid_base_cfg, NULL, "run", extra, &tmp, &out, &err);
    g_test_message("stderr: %s", err);
    g_assert_cmpint(status, ==, 0);
    g_autofree char *summary = g_build_filename(tmp, "out", "summary.csv", NULL);
    g_assert_true(g_file_test(summary, G_FILE_TEST_IS_REGULAR));
    tu_rmtree(tmp);
}

/* The contract asks for at least 40 bad-input cases. */
static void test_case_count(gconstpointer data)
{
    g_assert_cmpuint(GPOINTER_TO_UINT(data), >=, 40);
}

/* Report every failing case, not only the first: GLib stops at the first failure unless
 * told to keep going, and the cases are independent. */
static char **invalid_keep_going(int *argc, char **argv)
{
    char **args = g_new0(char *, (gsize)*argc + 2);
    for (int i = 0; i < *argc; i++)
        args[i] = argv[i];
    args[(*argc)++] = "--keep-going";
    return args;
}

int main(int argc, char **argv)
{
    g_autofree char **args = invalid_keep_going(&argc, argv);
    g_test_init(&argc, &args, NULL);
    g_test_add_func("/valid/base", test_valid_base);
    g_test_add_func("/valid/lr-integer", test_valid_lr_integer);
    g_test_add_func("/valid/lr-integer-set", test_valid_lr_integer_set);
    g_test_add_func("/valid/csv", test_valid_csv);
    g_test_add_func("/valid/run-writes", test_valid_run_writes);

    g_autofree char *root = tu_srcpath("tests/invalid");
    g_autoptr(GPtrArray) names = invalid_list_dir(root);
    guint n_cases = 0;
    for (guint i = 0; i < names->len; i++) {
        char *dir = g_build_filename(root, names->pdata[i], NULL);
        if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
            g_free(dir);
            continue;
        }
        g_autofree char *path = g_strdup_printf("/invalid/%s", (char *)names->pdata[i]);
        g_test_add_data_func_full(path, dir, invalid_case, g_free);
        n_cases++;
    }
    g_test_add_data_func("/invalid-count", GUINT_TO_POINTER(n_cases), test_case_count);
    return g_test_run();
}
