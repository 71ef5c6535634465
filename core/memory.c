/* memory.c — see memory.h.  Each source is read when asked: limits can change between
 * runs (a Slurm job step), and asking is cheap next to building a model. */
#include "memory.h"

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* A number from the first line of a file; FALSE when the file is absent or says "max". */
static gboolean read_bytes(const char *path, guint64 *out)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return FALSE;
    char *end = NULL;
    guint64 v = g_ascii_strtoull(text, &end, 10);
    if (end == text)
        return FALSE;
    *out = v;
    return TRUE;
}

/* The limit of this process's memory cgroup, v2 ("0::/path": memory.max) or v1
 * ("N:memory:/path": memory.limit_in_bytes, which reads as ~2^63 when unlimited). */
static gboolean cgroup_limit(guint64 *out)
{
    g_autofree char *self = NULL;
    if (!g_file_get_contents("/proc/self/cgroup", &self, NULL, NULL))
        return FALSE;
    g_auto(GStrv) lines = g_strsplit(self, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = g_strsplit(*l, ":", 3);
        if (g_strv_length(f) != 3)
            continue;
        g_autofree char *path = NULL;
        if (strcmp(f[0], "0") == 0 && !*f[1])
            path = g_build_filename("/sys/fs/cgroup", f[2], "memory.max", NULL);
        else if (strcmp(f[1], "memory") == 0)
            path = g_build_filename("/sys/fs/cgroup/memory", f[2], "memory.limit_in_bytes", NULL);
        if (path && read_bytes(path, out))
            return TRUE;
    }
    return read_bytes("/sys/fs/cgroup/memory/memory.limit_in_bytes", out);
}

static void take(guint64 *limit, const char **what, guint64 v, const char *name)
{
    if (v < *limit) {
        *limit = v;
        *what = name;
    }
}

guint64 memory_limit(const char **what)
{
    guint64 limit = G_MAXUINT64;
    const char *name = "the address space";
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0)
        take(&limit, &name, (guint64)pages * (guint64)page, "physical memory");
    guint64 cg;
    if (cgroup_limit(&cg))
        take(&limit, &name, cg, "the cgroup memory limit");
    struct rlimit r;
    if (getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
        take(&limit, &name, (guint64)r.rlim_cur, "ulimit -v");
    if (getrlimit(RLIMIT_DATA, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
        take(&limit, &name, (guint64)r.rlim_cur, "ulimit -d");
    if (what)
        *what = name;
    return limit;
}

char *memory_format(guint64 bytes)
{
    static const char *const units[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
    if (bytes < 1000)
        return g_strdup_printf("%" G_GUINT64_FORMAT " bytes", bytes);
    double v = (double)bytes / 1000.0;
    size_t u = 0;
    while (v >= 999.95 && u + 1 < G_N_ELEMENTS(units)) {
        v /= 1000.0;
        u++;
    }
    return g_strdup_printf("%.1f %s", v, units[u]);
}
