/* journal.h — the compact layout of a results directory (`flatline run --compact`): each
 * worker appends its finished runs to one file of its own, DIR/journal/<host>-<pid>-<tag>.log,
 * instead of writing a directory of four files per run.
 *
 * A record is a header line
 *     FLJ2 <run> <stamp> <len result> <len metrics> <len verdict> <len cfg> <crc32>\n
 * then the four texts (run.result, metrics.csv, verdict.json, run.cfg) back to back and a
 * newline.  The CRC-32 (8 hex digits) covers the header line before it and the texts, so a
 * record cut short by a kill, or left as zeros by a power loss, is not read: the run counts
 * as unfinished and a resume runs it again.  Records of the first format (FLJ1, a SHA-1
 * over the run's name and the texts) are read too.  A file is only ever appended to by the
 * worker that created it, so such a record can only be a file's last.  Where a run has records in several files (it was run
 * again), the one with the latest stamp is its result.  A batch of records is written with
 * one write and made durable with one fdatasync of that one file: no file-system-wide
 * sync, nothing shared between workers. */
#ifndef FL_JOURNAL_H
#define FL_JOURNAL_H

#include <glib.h>

#define JOURNAL_DIR "journal"

typedef enum journal_part {
    JOURNAL_RESULT,  /* run.result */
    JOURNAL_METRICS, /* metrics.csv */
    JOURNAL_VERDICT, /* verdict.json */
    JOURNAL_CFG,     /* run.cfg */
    JOURNAL_N_PARTS
} journal_part;

/* The file names the parts have in a run's directory ("run.result", ...). */
const char *journal_part_file(journal_part part);

/* ---------------------------------------------------------------- writing */

typedef struct journal_writer journal_writer;

/* A writer for the results directory dir; its file is created at the first commit. */
journal_writer *journal_writer_new(const char *dir);
void journal_writer_free(journal_writer *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(journal_writer, journal_writer_free)

/* Queue one run's record (texts[JOURNAL_N_PARTS], lens[i] < 0: NUL-terminated). */
void journal_writer_add(journal_writer *w, const char *run, const char *const *texts,
                        const gssize *lens);

/* Append what is queued, then fdatasync: TRUE when every queued record is on disk.  The
 * queue is empty afterwards either way. */
gboolean journal_writer_commit(journal_writer *w, GError **error);

/* ---------------------------------------------------------------- reading */

/* Is there a whole record of run in dir's journals? */
gboolean journal_has(const char *dir, const char *run);

/* A part of run's newest record, NUL-terminated (*len its length unless len is NULL), or
 * NULL: with error set when a journal cannot be read, without when there is no record. */
char *journal_read(const char *dir, const char *run, journal_part part, gsize *len,
                   GError **error);

/* Remove dir's journal files (flatline's only: regular files named like a journal) and
 * forget what was read of them. */
void journal_clear(const char *dir);

#endif
