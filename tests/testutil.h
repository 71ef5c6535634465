/* testutil.h — what every test program shares: the build tree's plugins, a host, plugin
 * references by name, and a scratch directory. */
#ifndef FL_TESTUTIL_H
#define FL_TESTUTIL_H

#include <glib.h>
#include <flatline/plugin.h>
#include "registry.h"
#include "params.h"
#include "host.h"

/* The registry over FLATLINE_PLUGIN_PATH (the build tree's plugins/ under make check). */
registry *tu_registry(void);
/* A host with a oneDNN engine, one thread; shared by the test program. */
fl_host *tu_host(void);
/* A plugin by kind and name; fails the test if it is missing. */
const fl_plugin *tu_plugin(fl_kind kind, const char *name);
/* A reference with options set from "key=value" strings (NULL-terminated); fails the test
 * on error.  Free with params_ref_clear(). */
fl_ref tu_ref(fl_kind kind, const char *name, const char *const *key_values);
/* All loaded plugins of a kind (borrowed descriptors). */
GPtrArray *tu_plugins_of(fl_kind kind);
/* Source tree path of a file: FL_TEST_SRCDIR/rel (caller frees). */
char *tu_srcpath(const char *rel);
/* A fresh temporary directory, removed by tu_rmtree() (caller frees the path). */
char *tu_tmpdir(void);
void tu_rmtree(const char *path);
/* The flatline binary under test ($FLATLINE). */
const char *tu_flatline(void);
/* Run argv, capture both streams; returns the exit status (-1 if it did not exit). */
int tu_run(const char *const *argv, const char *cwd, char **out, char **err);

#endif
