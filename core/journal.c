/* journal.c — see journal.h. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define JOURNAL_MAGIC "FLJ2"
/* Records a flatline before FLJ2 wrote (a SHA-1 over the run and its texts): still read. */
#define JOURNAL_MAGIC_SHA1 "FLJ1"
#define JOURNAL_SUFFIX ".log"
/* A header line is short; anything longer is not a header. */
#define JOURNAL_HEADER_MAX 256
/* No run's record is near this large: a length beyond it is damage, not data. */
#define JOURNAL_RECORD_MAX ((gsize)1 << 30)

static const char *const journal_part_files[JOURNAL_N_PARTS] = {"run.result", "metrics.csv",
                                                                 "verdict.json", "run.cfg"};

const char *journal_part_file(journal_part part) { return journal_part_files[part]; }

/* An FLJ1 record's check: SHA-1 over the run's name (with its NUL) and the texts. */
static char *journal_digest_sha1(const char *run, const char *payload, gsize len)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA1);
    g_checksum_update(sum, (const guchar *)run, (gssize)strlen(run) + 1);
    g_checksum_update(sum, (const guchar *)payload, (gssize)len);
    return g_strdup(g_checksum_get_string(sum));
}

/* An FLJ2 record's check: CRC-32 over its header line up to the check (run, stamp,
 * lengths) and the texts.  A CRC finds the torn and zeroed records a checksum is here for
 * as surely as SHA-1 and five times faster: SHA-1 of a seed-scale sweep's 27 MB of
 * records was a third of the time its coordinator spent after the workers, and 2% of
 * each worker's. */
static char *journal_digest_crc(const char *head, gsize head_len, const char *const *parts,
                                const gsize *lens, int n_parts)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32_z(crc, (const Bytef *)head, head_len);
    for (int i = 0; i < n_parts; i++)
        crc = crc32_z(crc, (const Bytef *)parts[i], lens[i]);
    return g_strdup_printf("%08lx", crc & 0xffffffffUL);
}

/* ---------------------------------------------------------------- writing */

struct journal_writer {
    char *dir;    /* the results directory */
    char *path;   /* this writer's file, once created */
    int fd;       /* open for appending, or -1 */
    GString *queue;
};

journal_writer *journal_writer_new(const char *dir)
{
    journal_writer *w = g_new0(journal_writer, 1);
    w->dir = g_strdup(dir);
    w->fd = -1;
    w->queue = g_string_new(NULL);
    return w;
}

void journal_writer_free(journal_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    g_string_free(w->queue, TRUE);
    g_free(w->path);
    g_free(w->dir);
    g_free(w);
}

void journal_writer_add(journal_writer *w, const char *run, const char *const *texts,
                        const gssize *lens)
{
    const char *t[JOURNAL_N_PARTS];
    gsize n[JOURNAL_N_PARTS];
    for (int i = 0; i < JOURNAL_N_PARTS; i++) {
        t[i] = texts[i] ? texts[i] : "";
        n[i] = lens[i] < 0 || !texts[i] ? strlen(t[i]) : (gsize)lens[i];
    }
    g_autofree char *head = g_strdup_printf(JOURNAL_MAGIC " %s %" G_GINT64_FORMAT
                                                          " %zu %zu %zu %zu",
                                            run, g_get_real_time(), n[0], n[1], n[2], n[3]);
    g_autofree char *digest = journal_digest_crc(head, strlen(head), t, n, JOURNAL_N_PARTS);
    /* Straight into the queue: a record's texts are copied once. */
    g_string_append_printf(w->queue, "%s %s\n", head, digest);
    for (int i = 0; i < JOURNAL_N_PARTS; i++)
        g_string_append_len(w->queue, t[i], (gssize)n[i]);
    g_string_append_c(w->queue, '\n');
}

static gboolean journal_fail(GError **error, const char *path, const char *what, int e)
{
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: cannot %s: %s", path,
                what, g_strerror(e));
    return FALSE;
}

/* The host's name as a file name can carry it. */
static char *journal_host(void)
{
    char *h = g_strdup(g_get_host_name());
    for (char *c = h; *c; c++)
        if (!g_ascii_isalnum(*c) && *c != '-' && *c != '.')
            *c = '_';
    return h;
}

/* Create this writer's file, and make its name durable (the directory synced). */
static gboolean journal_writer_open(journal_writer *w, GError **error)
{
    g_autofree char *jdir = g_build_filename(w->dir, JOURNAL_DIR, NULL);
    if (g_mkdir(jdir, 0755) != 0 && errno != EEXIST)
        return journal_fail(error, jdir, "create it", errno);
    GStatBuf st;
    if (g_lstat(jdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
                    "%s is not a directory (a link is refused): remove it, or choose another "
                    "directory with -o",
                    jdir);
        return FALSE;
    }
    g_autofree char *host = journal_host();
    g_free(w->path);
    w->path = g_strdup_printf("%s/%s-%d-%08" PRIx32 JOURNAL_SUFFIX, jdir, host, (int)getpid(),
                              g_random_int());
    w->fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (w->fd < 0)
        return journal_fail(error, w->path, "create it", errno);
    int dfd = open(jdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) != 0)
            g_debug("fsync %s: %s", jdir, g_strerror(errno));
        close(dfd);
    }
    return TRUE;
}

gboolean journal_writer_commit(journal_writer *w, GError **error)
{
    if (!w->queue->len)
        return TRUE;
    gboolean ok = w->fd >= 0 || journal_writer_open(w, error);
    for (gsize done = 0; ok && done < w->queue->len;) {
        ssize_t n = write(w->fd, w->queue->str + done, w->queue->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            ok = journal_fail(error, w->path, "append to it", n < 0 ? errno : ENOSPC);
        else
            done += (gsize)n;
    }
    if (ok && fdatasync(w->fd) != 0)
        ok = journal_fail(error, w->path, "sync it", errno);
    g_string_truncate(w->queue, 0);
    /* A failed append may have left part of a record: later ones would sit behind it,
     * unreadable, so the next batch starts a file of its own. */
    if (!ok && w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    return ok;
}

/* ---------------------------------------------------------------- reading */

typedef struct journal_file {
    char *path;
    goffset scanned; /* records before this offset are read (and whole) */
    int fd;          /* kept open for reading records, or -1 */
} journal_file;

typedef struct journal_entry {
    journal_file *file;
    gint64 stamp;
    goffset off[JOURNAL_N_PARTS];
    gsize len[JOURNAL_N_PARTS];
} journal_entry;

typedef struct journal_index {
    GHashTable *files; /* name -> journal_file */
    GHashTable *runs;  /* run -> journal_entry */
} journal_index;

/* What has been read of each results directory's journals, by the directory's path. */
static GHashTable *journal_indexes;

/* Journal files open for reading, over every index: reading a sweep's records back
 * opened and closed a file per run. */
static int journal_fds_open;
#define JOURNAL_FDS_MAX 16

static void journal_file_close(journal_file *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
        journal_fds_open--;
    }
}

static void journal_file_free(gpointer p)
{
    journal_file *f = p;
    journal_file_close(f);
    g_free(f->path);
    g_free(f);
}

static void journal_index_free(gpointer p)
{
    journal_index *x = p;
    g_hash_table_unref(x->runs);
    g_hash_table_unref(x->files);
    g_free(x);
}

static gboolean journal_pread(int fd, void *buf, gsize len, goffset off)
{
    for (gsize done = 0; done < len;) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, off + (goffset)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        done += (gsize)n;
    }
    return TRUE;
}

/* Open a journal for reading: a regular file only (a FIFO put in its place would block a
 * plain open, a link is not followed). */
static int journal_open_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

/* Read f's whole records from where the last scan stopped up to size. */
static void journal_scan(journal_index *x, journal_file *f, goffset size)
{
    int fd = journal_open_read(f->path);
    if (fd < 0)
        return;
    g_autoptr(GByteArray) payload = g_byte_array_new();
    while (f->scanned < size) {
        char head[JOURNAL_HEADER_MAX + 1];
        gsize want = (gsize)MIN((goffset)JOURNAL_HEADER_MAX, size - f->scanned);
        if (!journal_pread(fd, head, want, f->scanned))
            break;
        head[want] = '\0';
        char *nl = memchr(head, '\n', want);
        if (!nl)
            break;
        *nl = '\0';
        char magic[5], run[65], digest[41];
        gint64 stamp;
        gsize len[JOURNAL_N_PARTS];
        int used = 0, checked = 0;
        if (sscanf(head, "%4s %64s %" G_GINT64_FORMAT " %zu %zu %zu %zu%n %40s%n", magic, run,
                   &stamp, &len[0], &len[1], &len[2], &len[3], &checked, digest, &used) != 8 ||
            head + used != nl)
            break;
        gboolean sha1 = strcmp(magic, JOURNAL_MAGIC_SHA1) == 0;
        if (!sha1 && strcmp(magic, JOURNAL_MAGIC) != 0)
            break;
        gsize total = 0;
        gboolean sane = TRUE;
        for (int i = 0; i < JOURNAL_N_PARTS; i++) {
            sane = sane && len[i] < JOURNAL_RECORD_MAX;
            total += len[i];
        }
        sane = sane && total < JOURNAL_RECORD_MAX;
        goffset body = f->scanned + (goffset)(nl - head) + 1;
        /* Cut short (a kill while appending, or an append still under way): not yet. */
        if (!sane || body + (goffset)total + 1 > size)
            break;
        g_byte_array_set_size(payload, (guint)total + 1);
        if (!journal_pread(fd, payload->data, total + 1, body) || payload->data[total] != '\n')
            break;
        const char *whole = (const char *)payload->data;
        g_autofree char *sum = sha1 ? journal_digest_sha1(run, whole, total)
                                    : journal_digest_crc(head, (gsize)checked, &whole, &total, 1);
        if (strcmp(sum, digest) != 0)
            break;
        journal_entry *old = g_hash_table_lookup(x->runs, run);
        if (!old || old->stamp <= stamp) {
            journal_entry *e = g_new0(journal_entry, 1);
            e->file = f;
            e->stamp = stamp;
            goffset at = body;
            for (int i = 0; i < JOURNAL_N_PARTS; i++) {
                e->off[i] = at;
                e->len[i] = len[i];
                at += (goffset)len[i];
            }
            g_hash_table_replace(x->runs, g_strdup(run), e);
        }
        f->scanned = body + (goffset)total + 1;
    }
    close(fd);
}

/* dir's index, brought up to date with its journal files. */
static journal_index *journal_index_of(const char *dir)
{
    if (!journal_indexes)
        journal_indexes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                journal_index_free);
    journal_index *x = g_hash_table_lookup(journal_indexes, dir);
    if (!x) {
        x = g_new0(journal_index, 1);
        x->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, journal_file_free);
        x->runs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_hash_table_insert(journal_indexes, g_strdup(dir), x);
    }
    g_autofree char *jdir = g_build_filename(dir, JOURNAL_DIR, NULL);
    GStatBuf st;
    if (g_lstat(jdir, &st) != 0 || !S_ISDIR(st.st_mode))
        return x;
    g_autoptr(GDir) d = g_dir_open(jdir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        if (!g_str_has_suffix(name, JOURNAL_SUFFIX))
            continue;
        g_autofree char *path = g_build_filename(jdir, name, NULL);
        if (g_lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        journal_file *f = g_hash_table_lookup(x->files, name);
        if (!f) {
            f = g_new0(journal_file, 1);
            f->fd = -1;
            f->path = g_steal_pointer(&path);
            g_hash_table_insert(x->files, g_strdup(name), f);
        }
        if (st.st_size > f->scanned)
            journal_scan(x, f, st.st_size);
    }
    return x;
}

/* run's record in dir's journals, or NULL.  The journals are listed again only when the
 * index lacks the run: a record is never rewritten, and one found stays right (a run
 * recorded twice was run twice on the same configuration and seed).  Listing the
 * directory for every run read back was a fifth of what a sweep did after its workers. */
static journal_entry *journal_entry_of(const char *dir, const char *run)
{
    journal_entry *e = NULL;
    if (journal_indexes) {
        journal_index *x = g_hash_table_lookup(journal_indexes, dir);
        e = x ? g_hash_table_lookup(x->runs, run) : NULL;
    }
    return e ? e : g_hash_table_lookup(journal_index_of(dir)->runs, run);
}

gboolean journal_has(const char *dir, const char *run)
{
    return journal_entry_of(dir, run) != NULL;
}

char *journal_read(const char *dir, const char *run, journal_part part, gsize *len,
                   GError **error)
{
    journal_entry *e = journal_entry_of(dir, run);
    if (!e)
        return NULL;
    journal_file *f = e->file;
    if (f->fd < 0) {
        if (journal_fds_open >= JOURNAL_FDS_MAX) {
            /* Many files (many workers over many sessions): start the set afresh. */
            GHashTableIter it, fit;
            gpointer x, file;
            g_hash_table_iter_init(&it, journal_indexes);
            while (g_hash_table_iter_next(&it, NULL, &x)) {
                g_hash_table_iter_init(&fit, ((journal_index *)x)->files);
                while (g_hash_table_iter_next(&fit, NULL, &file))
                    journal_file_close(file);
            }
        }
        f->fd = journal_open_read(f->path);
        if (f->fd < 0) {
            journal_fail(error, f->path, "open it", errno);
            return NULL;
        }
        journal_fds_open++;
    }
    char *text = g_malloc(e->len[part] + 1);
    gboolean ok = journal_pread(f->fd, text, e->len[part], e->off[part]);
    if (!ok) {
        g_free(text);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_IO,
                    "%s: cannot read run %s's record: the file changed after it was read; "
                    "rerun with --force or use another -o",
                    e->file->path, run);
        return NULL;
    }
    text[e->len[part]] = '\0';
    if (len)
        *len = e->len[part];
    return text;
}

void journal_clear(const char *dir)
{
    if (journal_indexes)
        g_hash_table_remove(journal_indexes, dir);
    g_autofree char *jdir = g_build_filename(dir, JOURNAL_DIR, NULL);
    GStatBuf st;
    if (g_lstat(jdir, &st) != 0 || !S_ISDIR(st.st_mode))
        return;
    g_autoptr(GDir) d = g_dir_open(jdir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(jdir, name, NULL);
        if (g_str_has_suffix(name, JOURNAL_SUFFIX) && g_lstat(path, &st) == 0 &&
            S_ISREG(st.st_mode))
            g_unlink(path);
    }
    g_rmdir(jdir); /* fails, leaving it, when it holds something else */
}
