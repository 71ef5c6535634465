/* test-journal.c — the records of the compact layout: what a writer commits reads back part
 * by part; a record whose bytes changed, or that a kill cut short, is not read (nor anything
 * after it in its file); records of the first format (FLJ1, a SHA-1 check) are still read. */
#include "testutil.h"
#include "journal.h"

#include <glib/gstdio.h>
#include <string.h>

static const char *const texts_a[JOURNAL_N_PARTS] = {
    "[run]\nid=r0000\n", "epoch,loss\n0,1\n1,0.5\n", "{ \"verdict\" : \"healthy\" }\n",
    "seed = 1;\n"};
static const char *const texts_b[JOURNAL_N_PARTS] = {"[run]\nid=r0001\n", "epoch,loss\n0,2\n",
                                                     "{}\n", "seed = 2;\n"};
static const gssize whole[JOURNAL_N_PARTS] = {-1, -1, -1, -1};

/* Commit records of r0000 and r0001 into dir's journal; the file's path. */
static char *write_two(const char *dir)
{
    g_autoptr(journal_writer) w = journal_writer_new(dir);
    journal_writer_add(w, "r0000", texts_a, whole);
    journal_writer_add(w, "r0001", texts_b, whole);
    g_autoptr(GError) err = NULL;
    g_assert_true(journal_writer_commit(w, &err));
    g_assert_no_error(err);
    g_autofree char *jdir = g_build_filename(dir, JOURNAL_DIR, NULL);
    g_autoptr(GDir) d = g_dir_open(jdir, 0, NULL);
    g_assert_nonnull(d);
    const char *name = g_dir_read_name(d);
    g_assert_nonnull(name);
    g_assert_null(g_dir_read_name(d));
    return g_build_filename(jdir, name, NULL);
}

static void assert_reads(const char *dir, const char *run, const char *const *texts)
{
    for (int p = 0; p < JOURNAL_N_PARTS; p++) {
        gsize len = 0;
        g_autoptr(GError) err = NULL;
        g_autofree char *t = journal_read(dir, run, (journal_part)p, &len, &err);
        g_assert_no_error(err);
        g_assert_cmpstr(t, ==, texts[p]);
        g_assert_cmpuint(len, ==, strlen(texts[p]));
    }
}

static void test_round_trip(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *path = write_two(dir);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_true(g_str_has_prefix(text, "FLJ2 r0000 "));
    assert_reads(dir, "r0000", texts_a);
    assert_reads(dir, "r0001", texts_b);
    g_assert_false(journal_has(dir, "r0002"));
    tu_rmtree(dir);
}

/* A directory of its own with r0000 and r0001 committed: its journal file's path and
 * bytes (len of them). */
static char *fresh_two(char **path, char **text, gsize *len)
{
    char *dir = tu_tmpdir();
    *path = write_two(dir);
    g_assert_true(g_file_get_contents(*path, text, len, NULL));
    return dir;
}

/* One byte of r0000's metrics changed, then the file cut inside r0001's record: neither is
 * read (a damaged record ends its file's scan, so r0001 is not read either). */
static void test_damage_is_not_read(void)
{
    g_autofree char *path = NULL, *text = NULL;
    gsize len = 0;
    g_autofree char *dir = fresh_two(&path, &text, &len);
    char *loss = strstr(text, "0,1\n1,0.5");
    g_assert_nonnull(loss);
    loss[2] = '7';
    g_assert_true(g_file_set_contents(path, text, (gssize)len, NULL));
    g_assert_false(journal_has(dir, "r0000"));
    g_assert_false(journal_has(dir, "r0001"));

    g_autofree char *path2 = NULL, *text2 = NULL;
    g_autofree char *dir2 = fresh_two(&path2, &text2, &len);
    g_assert_true(g_file_set_contents(path2, text2, (gssize)len - 3, NULL));
    g_assert_true(journal_has(dir2, "r0000"));
    g_assert_false(journal_has(dir2, "r0001"));
    /* The header's own fields are covered too: a length that moves texts between parts
     * (same total) is damage. */
    g_autofree char *path3 = NULL, *text3 = NULL;
    g_autofree char *dir3 = fresh_two(&path3, &text3, &len);
    g_autofree char *lens = g_strdup_printf(" %zu %zu ", strlen(texts_a[0]), strlen(texts_a[1]));
    g_autofree char *moved =
        g_strdup_printf(" %zu %zu ", strlen(texts_a[0]) + 1, strlen(texts_a[1]) - 1);
    char *at = strstr(text3, lens);
    g_assert_nonnull(at);
    g_assert_cmpuint(strlen(lens), ==, strlen(moved));
    memcpy(at, moved, strlen(moved));
    g_assert_true(g_file_set_contents(path3, text3, (gssize)len, NULL));
    g_assert_false(journal_has(dir3, "r0000"));
    tu_rmtree(dir);
    tu_rmtree(dir2);
    tu_rmtree(dir3);
}

/* A record as flatline wrote them before FLJ2: a SHA-1 over the run's name with its NUL
 * and the texts. */
static void append_flj1(GString *out, const char *run, const char *const *texts, gboolean spoil)
{
    g_autoptr(GString) payload = g_string_new(NULL);
    for (int p = 0; p < JOURNAL_N_PARTS; p++)
        g_string_append(payload, texts[p]);
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA1);
    g_checksum_update(sum, (const guchar *)run, (gssize)strlen(run) + 1);
    g_checksum_update(sum, (const guchar *)payload->str, (gssize)payload->len);
    g_string_append_printf(out, "FLJ1 %s 1000 %zu %zu %zu %zu %s\n", run, strlen(texts[0]),
                           strlen(texts[1]), strlen(texts[2]), strlen(texts[3]),
                           g_checksum_get_string(sum));
    if (spoil)
        payload->str[0] ^= 1;
    g_string_append_len(out, payload->str, (gssize)payload->len);
    g_string_append_c(out, '\n');
}

static void test_first_format(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *jdir = g_build_filename(dir, JOURNAL_DIR, NULL);
    g_assert_cmpint(g_mkdir(jdir, 0755), ==, 0);
    g_autoptr(GString) log = g_string_new(NULL);
    append_flj1(log, "r0000", texts_a, FALSE);
    append_flj1(log, "r0001", texts_b, TRUE);
    g_autofree char *path = g_build_filename(jdir, "old-1-0.log", NULL);
    g_assert_true(g_file_set_contents(path, log->str, (gssize)log->len, NULL));
    assert_reads(dir, "r0000", texts_a);
    g_assert_false(journal_has(dir, "r0001"));
    tu_rmtree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/journal/round-trip", test_round_trip);
    g_test_add_func("/journal/damage-is-not-read", test_damage_is_not_read);
    g_test_add_func("/journal/first-format", test_first_format);
    return g_test_run();
}
