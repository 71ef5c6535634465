/* replay.c — the inputs kept in fuzz/regressions/<target>, replayed by `make check`.
 *
 * A fuzz target (fuzz-experiment.c, fuzz-csv.c) linked with this main instead of
 * libFuzzer's: every file of the directory FUZZ_REGRESSIONS is one test, run through the
 * target's LLVMFuzzerTestOneInput exactly as the fuzzer ran it.  So the bugs fuzzing found
 * stay fixed in the ordinary build and under the sanitizer build of CI, without clang.
 * A target aborts on a wrong result; a crash or a sanitizer report fails the test. */
#include <stdint.h>
#include <string.h>
#include <glib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void replay_one(gconstpointer path)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) err = NULL;
    g_file_get_contents(path, &data, &len, &err);
    g_assert_no_error(err);
    g_assert_cmpint(LLVMFuzzerTestOneInput((const uint8_t *)data, len), ==, 0);
}

static void replay_none(void)
{
    g_test_skip("no input kept in " FUZZ_REGRESSIONS " yet");
}

static gint replay_compare(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    LLVMFuzzerInitialize(&argc, &argv);
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) dir = g_dir_open(FUZZ_REGRESSIONS, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir)))
        g_ptr_array_add(paths, g_build_filename(FUZZ_REGRESSIONS, name, NULL));
    g_ptr_array_sort(paths, replay_compare);
    /* No input kept yet for this target: say so rather than pass silently. */
    if (paths->len == 0)
        g_test_add_func("/fuzz-regressions/none-kept", replay_none);
    for (guint i = 0; i < paths->len; i++) {
        g_autofree char *base = g_path_get_basename(paths->pdata[i]);
        g_autofree char *test = g_strdup_printf("/fuzz-regressions/%s", base);
        g_test_add_data_func(test, paths->pdata[i], replay_one);
    }
    return g_test_run();
}
