/* testutil.c — shared fixtures for the test programs (see testutil.h). */
#include "testutil.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

static registry *the_registry;
static fl_host *the_host;

registry *tu_registry(void)
{
    if (!the_registry)
        the_registry = registry_new();
    return the_registry;
}

fl_host *tu_host(void)
{
    if (!the_host) {
        g_autoptr(GError) err = NULL;
        the_host = host_new(1, &err);
        g_assert_no_error(err);
    }
    return the_host;
}

const fl_plugin *tu_plugin(fl_kind kind, const char *name)
{
    g_autoptr(GError) err = NULL;
    const fl_plugin *p = registry_find(tu_registry(), kind, name, &err);
    g_assert_no_error(err);
    g_assert_nonnull(p);
    return p;
}

fl_ref tu_ref(fl_kind kind, const char *name, const char *const *key_values)
{
    fl_ref ref;
    g_autoptr(GError) err = NULL;
    gboolean ok = params_ref_init(&ref, tu_registry(), kind, name, key_values, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    return ref;
}

GPtrArray *tu_plugins_of(fl_kind kind)
{
    g_autoptr(GPtrArray) names = registry_names(tu_registry(), kind);
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < names->len; i++)
        g_ptr_array_add(out, (gpointer)tu_plugin(kind, names->pdata[i]));
    return out;
}

char *tu_srcpath(const char *rel)
{
    const char *src = g_getenv("FL_TEST_SRCDIR");
    return g_build_filename(src ? src : FL_SRCDIR, rel, NULL);
}

char *tu_tmpdir(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("flatline-test-XXXXXX", &err);
    g_assert_no_error(err);
    return dir;
}

void tu_rmtree(const char *path)
{
    if (!path || !g_file_test(path, G_FILE_TEST_EXISTS))
        return;
    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        GDir *d = g_dir_open(path, 0, NULL);
        const char *e;
        while (d && (e = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, e, NULL);
            tu_rmtree(child);
        }
        if (d)
            g_dir_close(d);
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

const char *tu_flatline(void)
{
    const char *exe = g_getenv("FLATLINE");
    return exe ? exe : FL_BUILD_EXE;
}

int tu_run(const char *const *argv, const char *cwd, char **out, char **err)
{
    g_autoptr(GError) error = NULL;
    int status = -1;
    gboolean ok = g_spawn_sync(cwd, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                               &status, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return -1;
}
