/* memory.h — how much memory this process may use, so that a model too large for it is
 * refused before anything is allocated instead of failing half way. */
#ifndef FL_MEMORY_H
#define FL_MEMORY_H

#include <glib.h>

/* Bytes this process may use at most: the least of the machine's physical memory, the
 * memory limit of its cgroup (containers, Slurm jobs) and its address-space and data
 * rlimits (ulimit -v, -d).  *what (may be NULL) names the limit that decides, for
 * messages ("physical memory", "the cgroup memory limit", "ulimit -v", "ulimit -d"). */
guint64 memory_limit(const char **what);

/* Bytes for people, in SI units with one decimal ("12.0 TB", "512 bytes"); plain ASCII,
 * unlike g_format_size(), whose no-break space a C locale turns into "?".  Caller frees. */
char *memory_format(guint64 bytes);

#endif
