/* test-registry.c — loading plugins: what is refused, how it is explained, what is exported.
 *
 * tests/plugins/ builds test-only plugins each broken in one way (a newer major or minor
 * ABI, no flatline_plugin symbol, a descriptor name that differs from the file, an empty
 * summary, a malformed parameter range, a missing operation, a descriptor, operations table
 * or parameter row smaller than ABI 2.0's) beside one good control built
 * the same way, and holds a text file named layer-fake.so.  Every one must be refused with a
 * message naming its path and the fault; loading runs in a subprocess
 * (g_test_trap_subprocess) so a loader that crashes on a bad file fails one test instead of
 * the program.  The real plugins of the build tree must each export exactly one dynamic
 * symbol, flatline_plugin (checked with nm -D), and all load.  The command line is checked
 * too: `flatline plugins` names refused files on stderr and still lists the good ones. */
#include "testutil.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

/* The six losses flatline ships (plugins/loss), sorted. */
static const char *const regtest_losses[] = {"bce", "cce", "hinge", "mae", "mse", "step"};

typedef struct regtest_bad {
    const char *file;  /* file name: <kind>-<name>.so */
    gboolean built;    /* built by libtool into tests/plugins/.libs (else in the source tree) */
    const char *needles[4]; /* what the message must say besides the path */
} regtest_bad;

static char regtest_abi_now[32], regtest_abi_next_major[32], regtest_abi_next_minor[32];
/* The sizes the refusals of undersized structs must name, from this build's header. */
static char regtest_small_descriptor[64], regtest_min_descriptor[64];
static char regtest_small_ops[64], regtest_min_ops[64];
static char regtest_small_params[64], regtest_min_params[64];

static regtest_bad regtest_bads[] = {
    {"loss-abi_major.so", TRUE, {"ABI", regtest_abi_next_major, regtest_abi_now, "rebuild"}},
    {"loss-abi_minor.so", TRUE, {"ABI", regtest_abi_next_minor, regtest_abi_now, "rebuild"}},
    {"loss-no_symbol.so", TRUE, {"flatline_plugin", "FL_LOSS_PLUGIN", NULL, NULL}},
    {"loss-misnamed.so", TRUE, {"\"other\"", "loss-other.so", NULL, NULL}},
    {"loss-no_summary.so", TRUE, {"summary", NULL, NULL, NULL}},
    {"loss-bad_range.so", TRUE, {"bad_range.scale", "\"[0, 1\"", NULL, NULL}},
    {"loss-no_compute.so", TRUE, {"operation", NULL, NULL, NULL}},
    {"layer-fake.so", FALSE, {"not a loadable plugin", NULL, NULL, NULL}},
    {"loss-small_descriptor.so",
     TRUE,
     {regtest_small_descriptor, regtest_min_descriptor, "rebuild", NULL}},
    {"loss-small_ops.so", TRUE, {regtest_small_ops, regtest_min_ops, "FL_LOSS_PLUGIN", NULL}},
    {"loss-small_params.so", TRUE, {regtest_small_params, regtest_min_params, "param_size", NULL}},
};

/* ---------------------------------------------------------------- paths and files */

static char *regtest_builddir(void)
{
    const char *b = g_getenv("FL_TEST_BUILDDIR");
    return b ? g_strdup(b) : g_path_get_dirname(FL_BUILD_PLUGINDIR);
}

static char *regtest_path_of(const regtest_bad *bad)
{
    if (!bad->built) {
        g_autofree char *rel = g_build_filename("tests", "plugins", bad->file, NULL);
        return tu_srcpath(rel);
    }
    g_autofree char *b = regtest_builddir();
    return g_build_filename(b, "tests", "plugins", ".libs", bad->file, NULL);
}

static char *regtest_good_test_plugin(void)
{
    g_autofree char *b = regtest_builddir();
    return g_build_filename(b, "tests", "plugins", ".libs", "loss-good.so", NULL);
}

/* The build tree's plugins (FLATLINE_PLUGIN_PATH under make check). */
static char *regtest_plugin_dir(void)
{
    const char *p = g_getenv("FLATLINE_PLUGIN_PATH");
    return g_strdup(p && *p ? p : FL_BUILD_PLUGINDIR);
}

static void regtest_copy(const char *src, const char *dir)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *contents = NULL;
    gsize len = 0;
    g_file_get_contents(src, &contents, &len, &err);
    g_assert_no_error(err);
    g_autofree char *base = g_path_get_basename(src);
    g_autofree char *dst = g_build_filename(dir, base, NULL);
    g_file_set_contents(dst, contents, (gssize)len, &err);
    g_assert_no_error(err);
}

/* A scratch folder with every bad plugin and the good test plugin. */
static char *regtest_bad_dir(void)
{
    char *dir = tu_tmpdir();
    for (guint i = 0; i < G_N_ELEMENTS(regtest_bads); i++) {
        g_autofree char *p = regtest_path_of(&regtest_bads[i]);
        regtest_copy(p, dir);
    }
    g_autofree char *good = regtest_good_test_plugin();
    regtest_copy(good, dir);
    return dir;
}

static void regtest_assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        g_error("expected to find \"%s\" in \"%s\"", needle, haystack);
}

/* Every *.so below dir, recursively (libtool's .libs included). */
static void regtest_find_so(const char *dir, GPtrArray *into)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    if (!d)
        return;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
            regtest_find_so(path, into);
        else if (g_str_has_suffix(name, ".so"))
            g_ptr_array_add(into, g_steal_pointer(&path));
    }
}

/* Run argv with FLATLINE_PLUGIN_PATH set to plugin_path; returns the exit status, -1 for a
 * signal. */
static int regtest_run(const char *const *argv, const char *plugin_path, char **out, char **err)
{
    g_auto(GStrv) env = g_get_environ();
    if (plugin_path)
        env = g_environ_setenv(env, "FLATLINE_PLUGIN_PATH", plugin_path, TRUE);
    g_autoptr(GError) error = NULL;
    int status = -1;
    gboolean ok = g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                               &status, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The plugins `flatline plugins` printed: "kind name" for each line that is not a
 * parameter (parameters are indented). */
static GPtrArray *regtest_listed(const char *out)
{
    GPtrArray *listed = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (!**l || g_ascii_isspace(**l))
            continue;
        g_auto(GStrv) words = g_strsplit_set(*l, " \t", -1);
        const char *kind = words[0], *name = NULL;
        for (char **w = words + 1; *w && !name; w++)
            if (**w)
                name = *w;
        g_ptr_array_add(listed, g_strdup_printf("%s %s", kind, name ? name : ""));
    }
    return listed;
}

static gboolean regtest_has(GPtrArray *a, const char *s)
{
    for (guint i = 0; i < a->len; i++)
        if (strcmp(a->pdata[i], s) == 0)
            return TRUE;
    return FALSE;
}

/* ---------------------------------------------------------------- refusals */

/* Run the current test again in a child (a loader that crashes fails one test, not the
 * program); the child's stderr says what failed. */
static void regtest_in_subprocess(void)
{
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    if (!g_test_trap_has_passed())
        g_test_fail_printf("the check failed in a subprocess (see its stderr above)");
}

/* In the child: load the file directly and through a directory; both must refuse it. */
static void regtest_refuse(const regtest_bad *bad)
{
    g_autofree char *path = regtest_path_of(bad);
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    g_autoptr(registry) reg = registry_new_empty();
    g_autoptr(GError) err = NULL;
    const fl_plugin *p = registry_load_file(reg, path, &err);
    g_assert_null(p);
    g_assert_error(err, FL_REGISTRY_ERROR, REGISTRY_ERROR_REFUSED);
    g_test_message("%s", err->message);
    regtest_assert_contains(err->message, path);
    for (guint i = 0; i < G_N_ELEMENTS(bad->needles) && bad->needles[i]; i++)
        regtest_assert_contains(err->message, bad->needles[i]);
    g_clear_error(&err);

    /* Found in a directory by its file name, then refused on loading. */
    g_autofree char *dir = tu_tmpdir();
    regtest_copy(path, dir);
    g_autofree char *copy = g_build_filename(dir, bad->file, NULL);
    g_autoptr(registry) reg2 = registry_new_empty();
    registry_add_dir(reg2, dir);
    g_autofree char *kind_word = g_strndup(bad->file, strcspn(bad->file, "-"));
    g_autofree char *name = g_strndup(bad->file + strlen(kind_word) + 1,
                                      strlen(bad->file) - strlen(kind_word) - 1 - 3);
    fl_kind kind = FL_KIND_LAYER;
    g_assert_true(fl_kind_from_name(kind_word, &kind));
    g_autoptr(GPtrArray) names = registry_names(reg2, kind);
    g_assert_cmpuint(names->len, ==, 1);
    g_assert_cmpstr(names->pdata[0], ==, name);
    p = registry_find(reg2, kind, name, &err);
    g_assert_null(p);
    g_assert_error(err, FL_REGISTRY_ERROR, REGISTRY_ERROR_REFUSED);
    regtest_assert_contains(err->message, copy);
    tu_rmtree(dir);
}

static void test_refused(gconstpointer data)
{
    if (g_test_subprocess()) {
        regtest_refuse(data);
        return;
    }
    regtest_in_subprocess();
}

static void regtest_missing_file(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = g_build_filename(dir, "loss-absent.so", NULL);
    g_autoptr(registry) reg = registry_new_empty();
    g_autoptr(GError) err = NULL;
    g_assert_null(registry_load_file(reg, path, &err));
    g_assert_error(err, FL_REGISTRY_ERROR, REGISTRY_ERROR_REFUSED);
    regtest_assert_contains(err->message, path);
    tu_rmtree(dir);
}

static void test_missing_file(void)
{
    if (g_test_subprocess()) {
        regtest_missing_file();
        return;
    }
    regtest_in_subprocess();
}

/* A directory named twice, as itself or by another spelling, is searched once; another
 * directory is still added after it. */
static void test_dir_named_twice(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *other = tu_tmpdir();
    g_autofree char *spelled = g_strconcat(dir, "/./", NULL);
    g_autoptr(registry) reg = registry_new_empty();
    registry_add_dir(reg, dir);
    registry_add_dir(reg, spelled);
    registry_add_dir(reg, dir);
    registry_add_dir(reg, other);
    g_autofree char *path = registry_search_path(reg);
    g_autofree char *want = g_strdup_printf("%s, %s", dir, other);
    g_assert_cmpstr(path, ==, want);
    tu_rmtree(dir);
    tu_rmtree(other);
}

/* The control: built like the bad ones, the good test plugin loads. */
static void test_good_test_plugin(void)
{
    g_autofree char *path = regtest_good_test_plugin();
    g_autoptr(registry) reg = registry_new_empty();
    g_autoptr(GError) err = NULL;
    const fl_plugin *p = registry_load_file(reg, path, &err);
    g_assert_no_error(err);
    g_assert_nonnull(p);
    g_assert_cmpint(p->kind, ==, FL_KIND_LOSS);
    g_assert_cmpstr(p->name, ==, "good");
    g_assert_cmpstr(registry_path_of(reg, p), ==, path);
}

/* The real mse loss from the plugin path loads, found by name, and a second load of the
 * same file gives the same descriptor. */
static void test_real_plugin_loads(void)
{
    g_autofree char *dir = regtest_plugin_dir();
    g_autoptr(registry) reg = registry_new_empty();
    g_auto(GStrv) dirs = g_strsplit(dir, G_SEARCHPATH_SEPARATOR_S, -1);
    for (char **d = dirs; *d; d++)
        registry_add_dir(reg, *d);
    g_autoptr(GError) err = NULL;
    const fl_plugin *p = registry_find(reg, FL_KIND_LOSS, "mse", &err);
    g_assert_no_error(err);
    g_assert_nonnull(p);
    g_assert_cmpstr(p->name, ==, "mse");
    g_assert_cmpint(p->kind, ==, FL_KIND_LOSS);
    g_assert_cmpuint(p->abi_major, ==, FL_ABI_MAJOR);
    g_assert_cmpuint(p->abi_minor, <=, FL_ABI_MINOR);
    const char *path = registry_path_of(reg, p);
    g_assert_nonnull(path);
    g_assert_true(g_str_has_suffix(path, G_DIR_SEPARATOR_S "loss-mse.so"));
    g_assert_true(registry_load_file(reg, path, &err) == p);
    g_assert_no_error(err);
}

/* A folder mixing bad and good files: the good ones load, each bad one is reported once
 * by its path, and nothing else is. */
static void regtest_mixed_dir(void)
{
    g_autofree char *dir = regtest_bad_dir();
    g_autofree char *plugins = regtest_plugin_dir();
    g_autofree char *mse = g_build_filename(plugins, "loss", ".libs", "loss-mse.so", NULL);
    g_assert_true(g_file_test(mse, G_FILE_TEST_IS_REGULAR));
    regtest_copy(mse, dir);

    g_autoptr(registry) reg = registry_new_empty();
    registry_add_dir(reg, dir);
    GPtrArray *refused = NULL;
    g_autoptr(GPtrArray) all = registry_load_all(reg, &refused);
    g_assert_cmpuint(all->len, ==, 2);
    g_assert_cmpstr(((const fl_plugin *)all->pdata[0])->name, ==, "good");
    g_assert_cmpstr(((const fl_plugin *)all->pdata[1])->name, ==, "mse");
    g_assert_nonnull(refused);
    for (guint i = 0; i < refused->len; i++)
        g_test_message("refused: %s", (char *)refused->pdata[i]);
    g_assert_cmpuint(refused->len, ==, G_N_ELEMENTS(regtest_bads));
    for (guint i = 0; i < G_N_ELEMENTS(regtest_bads); i++) {
        g_autofree char *path = g_build_filename(dir, regtest_bads[i].file, NULL);
        guint hits = 0;
        for (guint k = 0; k < refused->len; k++)
            hits += g_str_has_prefix(refused->pdata[k], path);
        g_assert_cmpuint(hits, ==, 1);
    }
    g_ptr_array_free(refused, TRUE);
    tu_rmtree(dir);
}

static void test_mixed_dir(void)
{
    if (g_test_subprocess()) {
        regtest_mixed_dir();
        return;
    }
    regtest_in_subprocess();
}

/* ---------------------------------------------------------------- finding by name */

static void test_find_unknown(void)
{
    registry *reg = tu_registry();
    g_autoptr(GError) err = NULL;
    g_assert_null(registry_find(reg, FL_KIND_LOSS, "msee", &err));
    g_assert_error(err, FL_REGISTRY_ERROR, REGISTRY_ERROR_NOT_FOUND);
    g_test_message("%s", err->message);
    regtest_assert_contains(err->message, "no loss plugin named \"msee\"");
    regtest_assert_contains(err->message, "(did you mean \"mse\"?)");
    /* The known names, from the file names found, as the message lists them. */
    g_autoptr(GPtrArray) names = registry_names(reg, FL_KIND_LOSS);
    g_assert_cmpuint(names->len, ==, G_N_ELEMENTS(regtest_losses));
    g_autoptr(GString) known = g_string_new("known: ");
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(known, "%s%s", i ? ", " : "", (char *)names->pdata[i]);
    regtest_assert_contains(err->message, known->str);
    g_clear_error(&err);

    g_assert_null(registry_find(reg, FL_KIND_OPTIMIZER, "adamm", &err));
    g_assert_error(err, FL_REGISTRY_ERROR, REGISTRY_ERROR_NOT_FOUND);
    regtest_assert_contains(err->message, "(did you mean \"adam\"?)");
    regtest_assert_contains(err->message, "sgd");
    g_clear_error(&err);

    /* Nothing close: no suggestion, but still the list. */
    g_assert_null(registry_find(reg, FL_KIND_LOSS, "wasserstein", &err));
    g_assert_error(err, FL_REGISTRY_ERROR, REGISTRY_ERROR_NOT_FOUND);
    g_assert_null(strstr(err->message, "did you mean"));
    regtest_assert_contains(err->message, known->str);
}

/* ---------------------------------------------------------------- exports */

/* nm -D --defined-only lists what a shared object exports; a plugin must export
 * flatline_plugin and nothing else (the loader binds symbols at load time and
 * keeps them local, and a second exported name could clash between plugins).  On this
 * toolchain (GNU ld with libtool's version script) _init, _fini and the like are not
 * exported as defined dynamic symbols, so no name is exempt. */
static void test_exports(void)
{
    g_autofree char *nm = g_find_program_in_path("nm");
    if (!nm) {
        g_test_skip("nm is not installed");
        return;
    }
    g_autofree char *dir = regtest_plugin_dir();
    g_auto(GStrv) dirs = g_strsplit(dir, G_SEARCHPATH_SEPARATOR_S, -1);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    for (char **d = dirs; *d; d++)
        regtest_find_so(*d, files);
    g_assert_cmpuint(files->len, >=, G_N_ELEMENTS(regtest_losses));
    gboolean saw_mse = FALSE;
    for (guint i = 0; i < files->len; i++) {
        const char *path = files->pdata[i];
        saw_mse |= g_str_has_suffix(path, G_DIR_SEPARATOR_S "loss-mse.so");
        const char *argv[] = {nm, "-D", "--defined-only", path, NULL};
        g_autofree char *out = NULL, *err = NULL;
        int status = tu_run(argv, NULL, &out, &err);
        if (status != 0)
            g_error("nm failed on %s: %s", path, err);
        g_autoptr(GString) names = g_string_new(NULL);
        guint n = 0, n_plugin = 0;
        g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
        for (char **l = lines; *l; l++) {
            g_strstrip(*l);
            if (!**l)
                continue;
            /* "0000000000003e00 D flatline_plugin": the name is the last word. */
            const char *sym = strrchr(*l, ' ');
            sym = sym ? sym + 1 : *l;
            n++;
            n_plugin += strcmp(sym, "flatline_plugin") == 0;
            g_string_append_printf(names, " %s", sym);
        }
        if (n != 1 || n_plugin != 1)
            g_error("%s exports%s; a plugin must export only flatline_plugin "
                    "(link with -export-symbols-regex '^flatline_plugin$')",
                    path, n ? names->str : " nothing");
    }
    g_assert_true(saw_mse);
}

/* Every real plugin found loads: none of the build tree's own files is refused, and each
 * .so gives one plugin. */
static void test_all_real_plugins_load(void)
{
    g_autofree char *dir = regtest_plugin_dir();
    g_auto(GStrv) dirs = g_strsplit(dir, G_SEARCHPATH_SEPARATOR_S, -1);
    g_autoptr(registry) reg = registry_new_empty();
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    for (char **d = dirs; *d; d++) {
        registry_add_dir(reg, *d);
        regtest_find_so(*d, files);
    }
    GPtrArray *refused = NULL;
    g_autoptr(GPtrArray) all = registry_load_all(reg, &refused);
    for (guint i = 0; i < refused->len; i++)
        g_test_message("refused: %s", (char *)refused->pdata[i]);
    g_assert_cmpuint(refused->len, ==, 0);
    g_ptr_array_free(refused, TRUE);
    g_assert_cmpuint(all->len, ==, files->len);
}

/* ---------------------------------------------------------------- the command line */

static void test_cli_plugins_refused(void)
{
    g_autofree char *bad = regtest_bad_dir();
    g_autofree char *good = regtest_plugin_dir();
    g_autofree char *path = g_strjoin(G_SEARCHPATH_SEPARATOR_S, bad, good, NULL);
    const char *argv[] = {tu_flatline(), "plugins", NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = regtest_run(argv, path, &out, &err);
    g_test_message("stderr: %s", err);
    /* 1: something was wrong but the command did its job (0 would hide the refusals, 2 is
     * for usage errors). */
    g_assert_cmpint(status, ==, 1);
    for (guint i = 0; i < G_N_ELEMENTS(regtest_bads); i++) {
        g_autofree char *p = g_build_filename(bad, regtest_bads[i].file, NULL);
        g_autofree char *line = g_strdup_printf("refused %s", p);
        regtest_assert_contains(err, line);
    }
    g_autoptr(GPtrArray) listed = regtest_listed(out);
    for (guint i = 0; i < G_N_ELEMENTS(regtest_losses); i++) {
        g_autofree char *want = g_strdup_printf("loss %s", regtest_losses[i]);
        g_assert_true(regtest_has(listed, want));
    }
    g_assert_true(regtest_has(listed, "layer dense"));
    g_assert_true(regtest_has(listed, "loss good"));
    g_assert_false(regtest_has(listed, "loss abi_major"));
    g_assert_false(regtest_has(listed, "loss other"));
    g_assert_false(regtest_has(listed, "layer fake"));
    tu_rmtree(bad);
}

static void test_cli_plugins_loss(void)
{
    const char *argv[] = {tu_flatline(), "plugins", "loss", NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = tu_run(argv, NULL, &out, &err);
    g_test_message("stderr: %s", err);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpstr(err, ==, "");
    g_autoptr(GPtrArray) listed = regtest_listed(out);
    g_assert_cmpuint(listed->len, ==, G_N_ELEMENTS(regtest_losses));
    for (guint i = 0; i < G_N_ELEMENTS(regtest_losses); i++) {
        g_autofree char *want = g_strdup_printf("loss %s", regtest_losses[i]);
        g_assert_cmpstr(listed->pdata[i], ==, want);
    }
}

static void test_cli_plugins_nonsense(void)
{
    const char *argv[] = {tu_flatline(), "plugins", "nonsense", NULL};
    g_autofree char *out = NULL, *err = NULL;
    int status = tu_run(argv, NULL, &out, &err);
    g_assert_cmpint(status, ==, 2);
    g_assert_cmpstr(out, ==, "");
    regtest_assert_contains(err, "\"nonsense\"");
    /* It says which kinds there are. */
    for (int k = FL_KIND_LAYER; k <= FL_KIND_DETECTOR; k++)
        regtest_assert_contains(err, fl_kind_name(k));
}

/* Report every failing case, not only the first: GLib stops at the first failure unless
 * told to keep going, and the cases are independent. */
static char **regtest_keep_going(int *argc, char **argv)
{
    char **args = g_new0(char *, (gsize)*argc + 2);
    for (int i = 0; i < *argc; i++)
        args[i] = argv[i];
    args[(*argc)++] = "--keep-going";
    return args;
}

int main(int argc, char **argv)
{
    g_autofree char **args = regtest_keep_going(&argc, argv);
    g_test_init(&argc, &args, NULL);
    g_snprintf(regtest_abi_now, sizeof regtest_abi_now, "%d.%d", FL_ABI_MAJOR, FL_ABI_MINOR);
    g_snprintf(regtest_abi_next_major, sizeof regtest_abi_next_major, "%d.%d",
               FL_ABI_MAJOR + 1, FL_ABI_MINOR);
    g_snprintf(regtest_abi_next_minor, sizeof regtest_abi_next_minor, "%d.%d", FL_ABI_MAJOR,
               FL_ABI_MINOR + 1);
    /* ABI 2.0's minimum of each struct ends with its last 2.0 field. */
    g_snprintf(regtest_small_descriptor, sizeof regtest_small_descriptor, "descriptor is %zu bytes",
               offsetof(fl_plugin, ops));
    g_snprintf(regtest_min_descriptor, sizeof regtest_min_descriptor, "the %zu bytes of ABI 2.0",
               offsetof(fl_plugin, ops) + sizeof(((fl_plugin *)0)->ops));
    g_snprintf(regtest_small_ops, sizeof regtest_small_ops,
               "operations table (fl_loss_ops) is %zu bytes", offsetof(fl_loss_ops, destroy));
    g_snprintf(regtest_min_ops, sizeof regtest_min_ops, "the %zu bytes of ABI 2.0",
               offsetof(fl_loss_ops, destroy) + sizeof(void (*)(void *)));
    g_snprintf(regtest_small_params, sizeof regtest_small_params, "rows are %zu bytes apart",
               offsetof(fl_param, offset));
    g_snprintf(regtest_min_params, sizeof regtest_min_params, "less than the %zu bytes",
               offsetof(fl_param, offset) + sizeof(size_t));
    for (guint i = 0; i < G_N_ELEMENTS(regtest_bads); i++) {
        g_autofree char *path = g_strdup_printf("/registry/refused/%s", regtest_bads[i].file);
        g_test_add_data_func(path, &regtest_bads[i], test_refused);
    }
    g_test_add_func("/registry/refused/missing-file", test_missing_file);
    g_test_add_func("/registry/good-test-plugin", test_good_test_plugin);
    g_test_add_func("/registry/real-plugin-loads", test_real_plugin_loads);
    g_test_add_func("/registry/mixed-dir", test_mixed_dir);
    g_test_add_func("/registry/find-unknown", test_find_unknown);
    g_test_add_func("/registry/dir-named-twice", test_dir_named_twice);
    g_test_add_func("/registry/exports", test_exports);
    g_test_add_func("/registry/all-real-plugins-load", test_all_real_plugins_load);
    g_test_add_func("/cli/plugins-refused", test_cli_plugins_refused);
    g_test_add_func("/cli/plugins-loss", test_cli_plugins_loss);
    g_test_add_func("/cli/plugins-nonsense", test_cli_plugins_nonsense);
    return g_test_run();
}
