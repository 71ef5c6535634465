/* outdir.c — see outdir.h.  Every test of a path here uses lstat or O_NOFOLLOW: a link
 * planted in a results directory (runs/r0000 -> ~/thesis) must make flatline stop and
 * say so, not delete or write what the link points to. */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include "outdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "about.h"
#include "journal.h"

#define OUTDIR_LOCK ".lock"
#define OUTDIR_SHARD_LOCK ".lock-shard-"

static const char *const outdir_top_files[] = {"experiment.cfg", "summary.csv", "cells.csv",
                                               "fixes.csv",      "report.html", "slurm.info",
                                               NULL};
static const char *const outdir_top_dirs[] = {"plots", "slurm", "runs", "verify", JOURNAL_DIR,
                                              NULL};
static const char *const outdir_tables[] = {"summary.csv", "cells.csv", "fixes.csv",
                                            "report.html", NULL};
static const char *const outdir_run_files[] = {"metrics.csv", "verdict.json", "run.cfg",
                                               "run.result", NULL};

/* name is one of files, or the temporary twin of one ("run.cfg.Ab12Cd": GLib's and
 * results_write's write-then-rename). */
static gboolean outdir_is_file_or_twin(const char *name, const char *const *files)
{
    for (const char *const *f = files; *f; f++) {
        size_t n = strlen(*f);
        if (strncmp(name, *f, n) != 0)
            continue;
        if (name[n] == '\0')
            return TRUE;
        if (name[n] != '.' || strlen(name + n + 1) != 6)
            continue;
        gboolean alnum = TRUE;
        for (const char *c = name + n + 1; *c; c++)
            alnum = alnum && g_ascii_isalnum(*c);
        if (alnum)
            return TRUE;
    }
    return FALSE;
}

/* "r0007": a run's directory name. */
gboolean outdir_is_run_name(const char *name)
{
    if (name[0] != 'r' || strlen(name + 1) < 4)
        return FALSE;
    for (const char *c = name + 1; *c; c++)
        if (!g_ascii_isdigit(*c))
            return FALSE;
    return TRUE;
}

/* ".lock-shard-3-of-8" into 3 and 8. */
static gboolean outdir_parse_shard_lock(const char *name, int *index, int *count)
{
    if (!g_str_has_prefix(name, OUTDIR_SHARD_LOCK))
        return FALSE;
    g_auto(GStrv) parts = g_strsplit(name + strlen(OUTDIR_SHARD_LOCK), "-of-", 2);
    guint64 i, n;
    if (g_strv_length(parts) != 2 ||
        !g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXINT, &i, NULL) ||
        !g_ascii_string_to_unsigned(parts[1], 10, 1, G_MAXINT, &n, NULL) || i >= n)
        return FALSE;
    *index = (int)i;
    *count = (int)n;
    return TRUE;
}

static gboolean outdir_is_own_top(const char *name)
{
    int i, n;
    return outdir_is_file_or_twin(name, outdir_top_files) ||
           g_strv_contains(outdir_top_dirs, name) || strcmp(name, OUTDIR_LOCK) == 0 ||
           outdir_parse_shard_lock(name, &i, &n);
}

static gboolean outdir_is_link(const char *path)
{
    GStatBuf st;
    return g_lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static gboolean outdir_is_real_dir(const char *path)
{
    GStatBuf st;
    return g_lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static gboolean outdir_refuse_link(const char *path, GError **error)
{
    g_autofree char *target = g_file_read_link(path, NULL);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                "%s is a symbolic link (to %s): flatline writes and deletes only what it made "
                "itself, never through a link; remove the link, or use another results "
                "directory",
                path, target ? target : "?");
    return FALSE;
}

gboolean outdir_holds_results(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "experiment.cfg", NULL);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return FALSE;
    char head[sizeof RESOLVED_HEADER] = "";
    GStatBuf st;
    ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, head, sizeof head - 1) : 0;
    close(fd);
    head[n > 0 ? n : 0] = '\0';
    return strcmp(head, RESOLVED_HEADER) == 0;
}

/* input is a file flatline writes in dir (experiment.cfg, runs/r0007/run.cfg...). */
static gboolean outdir_check_input(const char *dir, const char *input, GError **error)
{
    g_autofree char *in_real = realpath(input, NULL);
    g_autofree char *dir_real = realpath(dir, NULL);
    if (!in_real || !dir_real)
        return TRUE;
    size_t n = strlen(dir_real);
    if (strncmp(in_real, dir_real, n) != 0 || in_real[n] != '/')
        return TRUE;
    const char *rel = in_real + n + 1;
    const char *slash = strchr(rel, '/');
    g_autofree char *first = slash ? g_strndup(rel, (gsize)(slash - rel)) : g_strdup(rel);
    if (slash ? !g_strv_contains(outdir_top_dirs, first) : !outdir_is_own_top(first))
        return TRUE;
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                "%s is a file of the results in %s (%s), which this sweep would rewrite or "
                "delete: choose another directory with -o%s",
                input, dir, rel,
                g_str_has_prefix(rel, "runs/")
                    ? "; without -o a run's run.cfg reproduces it into results/<its name>"
                : slash ? ""
                        : "; to resume the sweep, run the experiment file it was made from");
    return FALSE;
}

static gint outdir_compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

gboolean outdir_check(const char *dir, const char *input, GError **error)
{
    GStatBuf st;
    /* A path that is not a directory yet: creating it will say what is wrong, if anything. */
    if (g_stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return TRUE;
    if (input && !outdir_check_input(dir, input, error))
        return FALSE;
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &err);
    if (!d) {
        g_set_error(error, G_FILE_ERROR, err->code, "%s: cannot list it: %s; choose another "
                                                    "directory with -o",
                    dir, err->message);
        return FALSE;
    }
    gboolean ours = outdir_holds_results(dir);
    g_autoptr(GPtrArray) foreign = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        int i, n;
        gboolean lock = strcmp(name, OUTDIR_LOCK) == 0 || outdir_parse_shard_lock(name, &i, &n);
        if ((lock || g_strv_contains(outdir_top_dirs, name)) && outdir_is_link(path))
            return outdir_refuse_link(path, error);
        if (!outdir_is_own_top(name))
            g_ptr_array_add(foreign, g_strdup_printf("\"%s\"", name));
    }
    if (!ours && foreign->len) {
        g_ptr_array_sort(foreign, outdir_compare_names);
        guint n_foreign = foreign->len;
        g_ptr_array_set_size(foreign, MIN(n_foreign, 3u));
        g_ptr_array_add(foreign, NULL);
        g_autofree char *list = g_strjoinv(", ", (char **)foreign->pdata);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "%s is not empty and holds no flatline results (it holds %s%s): flatline "
                    "writes only into a new or empty directory, or one it wrote before; choose "
                    "another directory with -o",
                    dir, list, n_foreign > 3 ? ", ..." : "");
        return FALSE;
    }
    /* The charts' tables, cleared before each drawing. */
    g_autofree char *plot_data = g_build_filename(dir, "plots", "data", NULL);
    if (outdir_is_link(plot_data))
        return outdir_refuse_link(plot_data, error);
    /* Run directories: one that is a link would have flatline write into, or clear, the
     * directory it points to. */
    g_autofree char *runs = g_build_filename(dir, "runs", NULL);
    if (!outdir_is_real_dir(runs))
        return TRUE;
    g_autoptr(GDir) r = g_dir_open(runs, 0, NULL);
    while (r && (name = g_dir_read_name(r))) {
        g_autofree char *path = g_build_filename(runs, name, NULL);
        if (outdir_is_run_name(name) && outdir_is_link(path))
            return outdir_refuse_link(path, error);
    }
    return TRUE;
}

/* ---------------------------------------------------------------- locks */

struct outdir_lock {
    int whole;  /* .lock */
    int shard;  /* .lock-shard-I-of-N, or -1 */
};

void outdir_lock_release(outdir_lock *lock)
{
    if (!lock)
        return;
    if (lock->shard >= 0)
        close(lock->shard);
    if (lock->whole >= 0)
        close(lock->whole);
    g_free(lock);
}

/* Open (creating) a lock file, refusing a link or anything but a regular file. */
static int outdir_lock_open(const char *dir, const char *name, GError **error)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd < 0 && errno == ELOOP) {
        outdir_refuse_link(path, error);
        return -1;
    }
    if (fd < 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                    "%s: cannot create: %s; choose another directory with -o", path,
                    g_strerror(e));
        return -1;
    }
    GStatBuf st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "%s is not a regular file: flatline keeps its lock there; remove it, or "
                    "choose another directory with -o",
                    path);
        return -1;
    }
    return fd;
}

static gboolean outdir_lock_try(int fd, short type)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    return fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

/* Does another open file hold an exclusive lock on path?  Asks without taking it, so a
 * writer starting at the same moment is never refused because of the question. */
static gboolean outdir_lock_held(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return FALSE;
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    /* A file system without these locks cannot tell: count it as held, the safe side. */
    gboolean held = fcntl(fd, F_OFD_GETLK, &fl) != 0 || fl.l_type != F_UNLCK;
    close(fd);
    return held;
}

static void outdir_lock_write_pid(int fd)
{
    g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
        g_debug("cannot record the pid in the lock: %s", g_strerror(errno));
}

static char *outdir_lock_pid(const char *path)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &text, &len, NULL) || len > 32)
        return g_strdup("?");
    g_strstrip(text);
    for (const char *c = text; *c; c++)
        if (!g_ascii_isdigit(*c))
            return g_strdup("?");
    return g_strdup(*text ? text : "?");
}

/* Who holds dir's locks, for the message: "pid 123" or "shard 0/2, pid 123; ...". */
static char *outdir_lock_holders(const char *dir, int skip_index, int skip_count,
                                 gboolean overlapping_only)
{
    GString *who = g_string_new(NULL);
    g_autofree char *whole = g_build_filename(dir, OUTDIR_LOCK, NULL);
    if (!overlapping_only && outdir_lock_held(whole)) {
        g_autofree char *pid = outdir_lock_pid(whole);
        g_string_append_printf(who, "pid %s", pid);
    }
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        int j, m;
        if (!outdir_parse_shard_lock(name, &j, &m) || (j == skip_index && m == skip_count))
            continue;
        if (overlapping_only) {
            /* Shards j/m and i/n share the runs k with k = i mod n and k = j mod m: there
             * are such k exactly when i = j mod gcd(n, m). */
            int a = m, b = skip_count;
            while (b) {
                int t = a % b;
                a = b;
                b = t;
            }
            if ((skip_index - j) % a != 0)
                continue;
        }
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (!outdir_lock_held(path))
            continue;
        g_autofree char *pid = outdir_lock_pid(path);
        g_string_append_printf(who, "%sshard %d/%d, pid %s", who->len ? "; " : "", j, m, pid);
    }
    return g_string_free(who, FALSE);
}

static outdir_lock *outdir_lock_busy(const char *dir, const char *who, const char *extra,
                                     GError **error)
{
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                "%s is being written by another flatline (%s)%s: wait for it to finish%s, or "
                "choose another directory with -o",
                dir, *who ? who : "pid ?", extra ? extra : "",
                extra ? ", give every shard of a directory the same count N" : "");
    return NULL;
}

outdir_lock *outdir_lock_take(const char *dir, int shard_index, int shard_count,
                              GError **error)
{
    gboolean sharded = shard_count > 1;
    g_autoptr(outdir_lock) lock = g_new(outdir_lock, 1);
    lock->shard = -1;
    lock->whole = outdir_lock_open(dir, OUTDIR_LOCK, error);
    if (lock->whole < 0)
        return NULL;
    /* The whole directory: exclusive for a sweep of every run, shared among shards. */
    if (!outdir_lock_try(lock->whole, sharded ? F_RDLCK : F_WRLCK)) {
        g_autofree char *who = outdir_lock_holders(dir, -1, 0, FALSE);
        return outdir_lock_busy(dir, who, NULL, error);
    }
    if (!sharded) {
        outdir_lock_write_pid(lock->whole);
        return g_steal_pointer(&lock);
    }
    g_autofree char *name =
        g_strdup_printf(OUTDIR_SHARD_LOCK "%d-of-%d", shard_index, shard_count);
    lock->shard = outdir_lock_open(dir, name, error);
    if (lock->shard < 0)
        return NULL;
    if (!outdir_lock_try(lock->shard, F_WRLCK)) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *pid = outdir_lock_pid(path);
        g_autofree char *who = g_strdup_printf("shard %d/%d, pid %s", shard_index, shard_count, pid);
        return outdir_lock_busy(dir, who, NULL, error);
    }
    /* Taken first, then the others looked at: of two overlapping shards starting at once,
     * at least one sees the other. */
    g_autofree char *who = outdir_lock_holders(dir, shard_index, shard_count, TRUE);
    if (*who) {
        g_autofree char *why =
            g_strdup_printf(", which shares runs with shard %d/%d", shard_index, shard_count);
        return outdir_lock_busy(dir, who, why, error);
    }
    outdir_lock_write_pid(lock->shard);
    return g_steal_pointer(&lock);
}

/* ---------------------------------------------------------------- clearing */

/* Remove the files flatline writes in a run's directory, then the directory if that left
 * it empty. */
static void outdir_clear_run(const char *run_dir)
{
    g_autoptr(GDir) d = g_dir_open(run_dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(run_dir, name, NULL);
        GStatBuf st;
        if (outdir_is_file_or_twin(name, outdir_run_files) && g_lstat(path, &st) == 0 &&
            S_ISREG(st.st_mode))
            g_unlink(path);
    }
    g_rmdir(run_dir); /* fails, leaving it, when it holds something else */
}

void outdir_clear(const char *dir)
{
    journal_clear(dir);
    g_autofree char *runs = g_build_filename(dir, "runs", NULL);
    if (outdir_is_real_dir(runs)) {
        g_autoptr(GDir) d = g_dir_open(runs, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *path = g_build_filename(runs, name, NULL);
            if (outdir_is_run_name(name) && outdir_is_real_dir(path))
                outdir_clear_run(path);
        }
    }
    for (const char *const *t = outdir_tables; *t; t++) {
        g_autofree char *path = g_build_filename(dir, *t, NULL);
        GStatBuf st;
        if (g_lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            g_unlink(path);
    }
}

gboolean outdir_prepare_run(const char *dir, const char *id, GError **error)
{
    g_autofree char *run_dir = g_build_filename(dir, "runs", id, NULL);
    GStatBuf st;
    if (g_lstat(run_dir, &st) != 0)
        return TRUE; /* not started yet */
    if (S_ISLNK(st.st_mode))
        return outdir_refuse_link(run_dir, error);
    g_autofree char *result = g_build_filename(run_dir, "run.result", NULL);
    if (g_lstat(result, &st) == 0 && S_ISREG(st.st_mode) && g_unlink(result) != 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                    "%s: cannot remove it to run the run again: %s", result, g_strerror(e));
        return FALSE;
    }
    g_autoptr(GDir) d = g_dir_open(run_dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        if (!outdir_is_file_or_twin(name, outdir_run_files) ||
            g_strv_contains(outdir_run_files, name))
            continue;
        g_autofree char *path = g_build_filename(run_dir, name, NULL);
        if (g_lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            g_unlink(path);
    }
    return TRUE;
}

/* mkdir that accepts an existing real directory and refuses a link. */
static gboolean outdir_make_dir(const char *path, GError **error)
{
    if (g_mkdir(path, 0755) != 0 && errno != EEXIST) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: cannot create: %s",
                    path, g_strerror(e));
        return FALSE;
    }
    GStatBuf st;
    int got = g_lstat(path, &st);
    if (got == 0 && S_ISLNK(st.st_mode))
        return outdir_refuse_link(path, error);
    if (got != 0 || !S_ISDIR(st.st_mode)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
                    "%s is not a directory: remove it, or choose another directory with -o",
                    path);
        return FALSE;
    }
    return TRUE;
}

gboolean outdir_make_run_dir(const char *dir, const char *id, GError **error)
{
    g_autofree char *runs = g_build_filename(dir, "runs", NULL);
    g_autofree char *run_dir = g_build_filename(runs, id, NULL);
    return outdir_make_dir(runs, error) && outdir_make_dir(run_dir, error);
}
