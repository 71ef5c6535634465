/* results.c — see results.h.  run.result is a GKeyFile: GLib reads and writes it, so the
 * core needs no JSON parser to resume or to rebuild summary.csv. */
#define _GNU_SOURCE /* syncfs */
#include "results.h"
#include "csv.h"
#include "outdir.h"
#include "detect.h"
#include "journal.h"
#include "recordwire.h"
#include "verdict.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static void write_failed(GError **error, const char *path, int code, const char *detail)
{
    /* GLib names its temporary file; the user needs the file meant and the way out. */
    const char *why = code == G_FILE_ERROR_NOSPC                                ? "no space left on the device"
                      : code == G_FILE_ERROR_ACCES || code == G_FILE_ERROR_PERM ? "permission denied"
                                                                                : detail;
    g_set_error(error, G_FILE_ERROR, code,
                "%s: cannot write it (%s): free some space or fix the permissions, or choose "
                "another directory with -o; results already saved are intact",
                path, why);
}

/* Write to a temporary file beside path, then rename it over path: readers see the old
 * file or the new one, never a part.  No fsync: a crash of the machine may lose it, which
 * results_save_run guards against with one sync before the file that marks a run done. */
static gboolean write_atomic(const char *path, const char *data, gsize len, GError **error)
{
    g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
    int e = 0;
    if (fd < 0) {
        e = errno;
    } else {
        for (gsize off = 0; off < len && !e;) {
            ssize_t n = write(fd, data + off, len - off);
            if (n < 0 && errno != EINTR)
                e = errno;
            else if (n > 0)
                off += (gsize)n;
        }
        if (close(fd) != 0 && !e)
            e = errno;
        if (!e && rename(tmp, path) != 0)
            e = errno;
        if (e)
            g_unlink(tmp);
    }
    if (e)
        write_failed(error, path, g_file_error_from_errno(e), g_strerror(e));
    return e == 0;
}

gboolean results_write(const char *path, const char *data, gssize len, gboolean durable,
                       GError **error)
{
    gsize n = len < 0 ? strlen(data) : (gsize)len;
    if (!durable)
        return write_atomic(path, data, n, error);
    GError *err = NULL;
    if (g_file_set_contents_full(path, data, (gssize)n,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &err))
        return TRUE;
    write_failed(error, path, err->code, err->message);
    g_error_free(err);
    return FALSE;
}

/* ---- What fix verification needs (verify.c): each finding's candidate fixes and
 * flags, and the numbers that tell whether the run learned. */

static const char *const learning_keys[] = {"baseline_loss", "final_data_loss",
                                            "final_accuracy", "majority_accuracy"};

static void results_save_learning(GKeyFile *kf, const run_result *rec)
{
    const double v[] = {rec->baseline_loss, rec->final_data_loss, rec->final_accuracy,
                        rec->majority_accuracy};
    for (guint i = 0; i < G_N_ELEMENTS(v); i++)
        if (isfinite(v[i]))
            g_key_file_set_double(kf, "run", learning_keys[i], v[i]);
}

static void results_load_learning(GKeyFile *kf, run_result *r)
{
    double *v[] = {&r->baseline_loss, &r->final_data_loss, &r->final_accuracy,
                   &r->majority_accuracy};
    for (guint i = 0; i < G_N_ELEMENTS(v); i++) {
        GError *err = NULL;
        *v[i] = g_key_file_get_double(kf, "run", learning_keys[i], &err);
        if (err) {
            *v[i] = NAN;
            g_error_free(err);
        }
    }
}

static void results_save_fixes(GKeyFile *kf, const char *group, const finding_rec *f)
{
    if (f->finding_flags)
        g_key_file_set_integer(kf, group, "flags", (gint)f->finding_flags);
    for (guint k = 0; f->fixes && k < f->fixes->len; k++) {
        const finding_fix *x = f->fixes->pdata[k];
        g_autofree char *key = g_strdup_printf("fix%u", k);
        g_autofree char *why = g_strdup_printf("fix%u_reason", k);
        g_key_file_set_string_list(kf, group, key, (const char *const *)x->edits,
                                   g_strv_length(x->edits));
        if (x->reason)
            g_key_file_set_string(kf, group, why, x->reason);
    }
}

static void results_load_fixes(GKeyFile *kf, const char *group, finding_rec *f)
{
    f->finding_flags = (unsigned)g_key_file_get_integer(kf, group, "flags", NULL);
    for (guint k = 0;; k++) {
        g_autofree char *key = g_strdup_printf("fix%u", k);
        g_autofree char *why = g_strdup_printf("fix%u_reason", k);
        GStrv edits = g_key_file_get_string_list(kf, group, key, NULL, NULL);
        if (!edits)
            break;
        if (!f->fixes)
            f->fixes = g_ptr_array_new_with_free_func(finding_fix_free);
        finding_fix *x = g_new0(finding_fix, 1);
        x->edits = edits;
        x->reason = g_key_file_get_string(kf, group, why, NULL);
        g_ptr_array_add(f->fixes, x);
    }
}

/* run.result's text: the record and its findings as a GLib key file. */
static char *result_text(const run_result *rec, gsize *len)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_key_file_set_string(kf, "run", "id", rec->id);
    g_key_file_set_integer(kf, "run", "index", rec->index);
    g_key_file_set_integer(kf, "run", "cell", rec->cell);
    g_key_file_set_int64(kf, "run", "seed", rec->seed);
    g_key_file_set_string(kf, "run", "status", run_status_name(rec->status));
    if (rec->reason)
        g_key_file_set_string(kf, "run", "reason", rec->reason);
    g_key_file_set_string(kf, "run", "verdict", verdict_name(rec->verdict));
    g_key_file_set_string(kf, "run", "causes", rec->causes ? rec->causes : "");
    g_key_file_set_double(kf, "run", "final_loss", rec->final_loss);
    g_key_file_set_integer(kf, "run", "epochs_run", rec->epochs_run);
    g_key_file_set_integer(kf, "run", "epochs_planned", rec->epochs_planned);
    g_key_file_set_boolean(kf, "run", "stopped_early", rec->stopped_early);
    if (rec->advice)
        g_key_file_set_string(kf, "run", "advice", rec->advice);
    g_key_file_set_double(kf, "run", "wall_ms", rec->wall_ms);
    g_key_file_set_string(kf, "run", "fingerprint", rec->fingerprint);
    results_save_learning(kf, rec);
    for (guint i = 0; rec->axis_keys && rec->axis_keys[i]; i++)
        g_key_file_set_string(kf, "grid", rec->axis_keys[i], rec->axis_values[i]);
    /* What charts need beside metrics.csv: the targets' spread per output. */
    if (rec->out_names && rec->target_std) {
        g_key_file_set_string_list(kf, "data", "outputs", (const char *const *)rec->out_names,
                                   g_strv_length(rec->out_names));
        g_key_file_set_double_list(kf, "data", "target_std", rec->target_std, rec->n_outputs);
    }
    /* The findings too, so reports read one GLib key file per run and no JSON. */
    for (guint i = 0; rec->findings && i < rec->findings->len; i++) {
        const finding_rec *f = rec->findings->pdata[i];
        g_autofree char *group = g_strdup_printf("finding %u", i);
        g_key_file_set_string(kf, group, "detector", f->detector);
        g_key_file_set_string(kf, group, "level",
                              f->level == FL_LEVEL_COLLAPSED ? "collapsed" : "warning");
        g_key_file_set_integer(kf, group, "epoch", f->epoch);
        g_key_file_set_string(kf, group, "evidence", f->evidence);
        g_key_file_set_string(kf, group, "cause", f->cause);
        g_key_file_set_string(kf, group, "advice", f->advice);
        results_save_fixes(kf, group, f);
    }
    return g_key_file_to_data(kf, len, NULL);
}

/* One finished run of a batch whose run.result is still to be written. */
typedef struct batch_entry {
    int index;
    char *id;
    char *text; /* run.result */
    gsize len;
    GBytes *packed; /* the record for the coordinator (recordwire.h), or NULL: the text */
    GError *error; /* why its run.result could not be written, after the commit */
} batch_entry;

struct results_batch {
    char *dir;
    journal_writer *journal; /* the compact layout: records instead of run directories */
    GArray *entries; /* batch_entry */
    gint64 first;    /* when the first entry was added (monotonic, us) */
};

static void batch_entry_clear(gpointer data)
{
    batch_entry *e = data;
    g_free(e->id);
    g_free(e->text);
    g_clear_pointer(&e->packed, g_bytes_unref);
    g_clear_error(&e->error);
}

results_batch *results_batch_new(const char *dir)
{
    results_batch *b = g_new0(results_batch, 1);
    b->dir = g_strdup(dir);
    b->entries = g_array_new(FALSE, TRUE, sizeof(batch_entry));
    g_array_set_clear_func(b->entries, batch_entry_clear);
    return b;
}

void results_batch_free(results_batch *b)
{
    if (!b)
        return;
    g_array_unref(b->entries);
    journal_writer_free(b->journal);
    g_free(b->dir);
    g_free(b);
}

results_batch *results_batch_new_compact(const char *dir)
{
    results_batch *b = results_batch_new(dir);
    b->journal = journal_writer_new(dir);
    return b;
}

guint results_batch_len(const results_batch *b) { return b->entries->len; }

gint64 results_batch_age(const results_batch *b)
{
    return b->entries->len ? g_get_monotonic_time() - b->first : 0;
}

int results_batch_index(const results_batch *b, guint i)
{
    return g_array_index(b->entries, batch_entry, i).index;
}

const GError *results_batch_error(const results_batch *b, guint i)
{
    return g_array_index(b->entries, batch_entry, i).error;
}

const char *results_batch_text(const results_batch *b, guint i, gsize *len)
{
    const batch_entry *e = &g_array_index(b->entries, batch_entry, i);
    *len = e->len;
    return e->text;
}

GBytes *results_batch_packed(const results_batch *b, guint i)
{
    return g_array_index(b->entries, batch_entry, i).packed;
}

/* The compact layout: the run's four texts as one record of the worker's journal. */
static void results_batch_add_record(results_batch *b, const run_result *rec,
                                     const char *run_cfg, batch_entry *e)
{
    e->text = result_text(rec, &e->len);
    const char *result = e->text;
    gsize len = e->len;
    g_autofree char *vj = verdict_json_text(rec);
    const GString *m = rec->metrics;
    const char *texts[JOURNAL_N_PARTS] = {[JOURNAL_RESULT] = result,
                                          [JOURNAL_METRICS] = m ? m->str : "",
                                          [JOURNAL_VERDICT] = vj,
                                          [JOURNAL_CFG] = run_cfg};
    const gssize lens[JOURNAL_N_PARTS] = {[JOURNAL_RESULT] = (gssize)len,
                                          [JOURNAL_METRICS] = m ? (gssize)m->len : 0,
                                          [JOURNAL_VERDICT] = -1,
                                          [JOURNAL_CFG] = -1};
    journal_writer_add(b->journal, rec->id, texts, lens);
}

gboolean results_batch_add(results_batch *b, const run_result *rec, const char *run_cfg,
                           GError **error)
{
    if (b->journal) {
        batch_entry e = {rec->index, g_strdup(rec->id), NULL, 0, record_wire_pack(rec), NULL};
        results_batch_add_record(b, rec, run_cfg, &e);
        if (!b->entries->len)
            b->first = g_get_monotonic_time();
        g_array_append_val(b->entries, e);
        return TRUE;
    }
    g_autofree char *run_dir = g_build_filename(b->dir, "runs", rec->id, NULL);
    /* Never through a link, even one planted after the sweep checked the directory. */
    if (!outdir_make_run_dir(b->dir, rec->id, error))
        return FALSE;
    g_autofree char *metrics = g_build_filename(run_dir, "metrics.csv", NULL);
    g_autofree char *verdict = g_build_filename(run_dir, "verdict.json", NULL);
    g_autofree char *cfg = g_build_filename(run_dir, "run.cfg", NULL);
    g_autofree char *vj = verdict_json_text(rec);
    const GString *m = rec->metrics;
    if (!results_write(metrics, m ? m->str : "", m ? (gssize)m->len : 0, FALSE, error) ||
        !results_write(verdict, vj, -1, FALSE, error) ||
        !results_write(cfg, run_cfg, -1, FALSE, error))
        return FALSE;
    batch_entry e = {rec->index, g_strdup(rec->id), NULL, 0, record_wire_pack(rec), NULL};
    e.text = result_text(rec, &e.len);
    if (!b->entries->len)
        b->first = g_get_monotonic_time();
    g_array_append_val(b->entries, e);
    return TRUE;
}

/* One sync of the file system holding dir: every file written there so far is on disk.
 * syncfs, not an fsync per file: one journal commit for the whole batch. */
static void results_sync(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (syncfs(fd) != 0)
            g_debug("syncfs %s: %s", dir, g_strerror(errno));
        close(fd);
    }
}

void results_batch_commit(results_batch *b)
{
    if (!b->entries->len)
        return;
    if (b->journal) {
        GError *err = NULL;
        if (!journal_writer_commit(b->journal, &err))
            for (guint i = 0; i < b->entries->len; i++)
                g_array_index(b->entries, batch_entry, i).error = g_error_copy(err);
        g_clear_error(&err);
        return;
    }
    /* The batch's files on disk first, so that no run.result written next can mark as
     * done a run whose files a power loss could still take; then the markers, renamed
     * in whole; then one more sync, so that a run answered as saved stays saved. */
    results_sync(b->dir);
    for (guint i = 0; i < b->entries->len; i++) {
        batch_entry *e = &g_array_index(b->entries, batch_entry, i);
        g_autofree char *path = g_build_filename(b->dir, "runs", e->id, "run.result", NULL);
        results_write(path, e->text, (gssize)e->len, FALSE, &e->error);
    }
    results_sync(b->dir);
}

void results_batch_clear(results_batch *b) { g_array_set_size(b->entries, 0); }

gboolean results_save_run(const char *dir, const run_result *rec, const char *run_cfg,
                          GError **error)
{
    g_autoptr(results_batch) b = results_batch_new(dir);
    if (!results_batch_add(b, rec, run_cfg, error))
        return FALSE;
    results_batch_commit(b);
    const GError *err = results_batch_error(b, 0);
    if (err) {
        g_set_error_literal(error, err->domain, err->code, err->message);
        return FALSE;
    }
    return TRUE;
}

gboolean results_any_run(const char *dir)
{
    const char *const where[] = {"runs", JOURNAL_DIR};
    for (size_t i = 0; i < G_N_ELEMENTS(where); i++) {
        g_autofree char *path = g_build_filename(dir, where[i], NULL);
        g_autoptr(GError) err = NULL;
        g_autoptr(GDir) d = g_dir_open(path, 0, &err);
        /* Anything there, or a directory that cannot be listed: look run by run. */
        if (d ? g_dir_read_name(d) != NULL : !g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE;
    }
    return FALSE;
}

gboolean results_run_saved(const char *dir, const char *id)
{
    g_autofree char *path = g_build_filename(dir, "runs", id, "run.result", NULL);
    return g_file_test(path, G_FILE_TEST_IS_REGULAR) || journal_has(dir, id);
}

char *results_read_part(const char *dir, const char *id, const char *file, gsize *len,
                        GError **error)
{
    g_autofree char *path = g_build_filename(dir, "runs", id, file, NULL);
    char *text = NULL;
    if (g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_file_get_contents(path, &text, len, error);
        return text;
    }
    for (int p = 0; p < JOURNAL_N_PARTS; p++)
        if (strcmp(journal_part_file(p), file) == 0) {
            text = journal_read(dir, id, p, len, error);
            break;
        }
    if (!text && error && !*error)
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    "%s: no such file, and no record of run %s in %s/%s", path, id, dir,
                    JOURNAL_DIR);
    return text;
}

gboolean results_unpack_run(const char *dir, const char *id, GError **error)
{
    g_autofree char *run_dir = g_build_filename(dir, "runs", id, NULL);
    g_autofree char *marker = g_build_filename(run_dir, "run.result", NULL);
    if (g_file_test(marker, G_FILE_TEST_IS_REGULAR) || !journal_has(dir, id))
        return TRUE; /* unpacked already, or never packed */
    if (!outdir_make_run_dir(dir, id, error))
        return FALSE;
    /* run.result (part 0) last: a directory without it is not a finished run, and the
     * journal still answers for it. */
    for (int i = 1; i <= JOURNAL_N_PARTS; i++) {
        journal_part part = (journal_part)(i % JOURNAL_N_PARTS);
        gsize len = 0;
        g_autofree char *text = journal_read(dir, id, part, &len, error);
        g_autofree char *path = g_build_filename(run_dir, journal_part_file(part), NULL);
        if (!text || !results_write(path, text, (gssize)len, FALSE, error))
            return FALSE;
    }
    return TRUE;
}

/* A run's result from its run.result, loaded (path names it in messages). */
static run_result *results_from_keyfile(GKeyFile *kf, const char *path, GError **error)
{
    g_autoptr(run_result) r = g_new0(run_result, 1);
    run_result_init(r);
    GError *err = NULL;
    r->id = g_key_file_get_string(kf, "run", "id", &err);
    if (!err)
        r->index = g_key_file_get_integer(kf, "run", "index", &err);
    if (!err)
        r->cell = g_key_file_get_integer(kf, "run", "cell", &err);
    if (!err)
        r->seed = g_key_file_get_int64(kf, "run", "seed", &err);
    g_autofree char *status = NULL, *verdict = NULL;
    if (!err)
        status = g_key_file_get_string(kf, "run", "status", &err);
    if (!err)
        verdict = g_key_file_get_string(kf, "run", "verdict", &err);
    if (!err && !run_status_from_name(status, &r->status))
        g_set_error(&err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    "status \"%s\" is none of ok, crashed, timeout", status);
    if (!err && !verdict_from_name(verdict, &r->verdict))
        g_set_error(&err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    "verdict \"%s\" is none of healthy, warning, collapsed", verdict);
    if (!err)
        r->causes = g_key_file_get_string(kf, "run", "causes", &err);
    if (!err)
        r->final_loss = g_key_file_get_double(kf, "run", "final_loss", &err);
    if (!err)
        r->epochs_run = g_key_file_get_integer(kf, "run", "epochs_run", &err);
    if (!err)
        r->wall_ms = g_key_file_get_double(kf, "run", "wall_ms", &err);
    if (!err)
        r->fingerprint = g_key_file_get_string(kf, "run", "fingerprint", &err);
    if (err) {
        g_propagate_prefixed_error(error, err,
                                   "%s: damaged or from another version of flatline (%s); "
                                   "rerun with --force or use another -o: ",
                                   path, "cannot read it");
        return NULL;
    }
    r->reason = g_key_file_get_string(kf, "run", "reason", NULL);
    r->advice = g_key_file_get_string(kf, "run", "advice", NULL);
    r->epochs_planned = g_key_file_get_integer(kf, "run", "epochs_planned", NULL);
    r->stopped_early = g_key_file_get_boolean(kf, "run", "stopped_early", NULL);
    r->findings = g_ptr_array_new_with_free_func((GDestroyNotify)finding_rec_free);
    for (guint i = 0;; i++) {
        g_autofree char *group = g_strdup_printf("finding %u", i);
        if (!g_key_file_has_group(kf, group))
            break;
        finding_rec *f = g_new0(finding_rec, 1);
        f->detector = g_key_file_get_string(kf, group, "detector", NULL);
        g_autofree char *level = g_key_file_get_string(kf, group, "level", NULL);
        f->level = g_strcmp0(level, "collapsed") == 0 ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING;
        f->epoch = g_key_file_get_integer(kf, group, "epoch", NULL);
        f->evidence = g_key_file_get_string(kf, group, "evidence", NULL);
        f->cause = g_key_file_get_string(kf, group, "cause", NULL);
        f->advice = g_key_file_get_string(kf, group, "advice", NULL);
        results_load_fixes(kf, group, f);
        if (!f->detector)
            f->detector = g_strdup("?");
        g_ptr_array_add(r->findings, f);
    }
    results_load_learning(kf, r);
    r->out_names = g_key_file_get_string_list(kf, "data", "outputs", NULL, NULL);
    gsize n_std = 0;
    r->target_std = g_key_file_get_double_list(kf, "data", "target_std", &n_std, NULL);
    r->n_outputs = r->out_names && r->target_std ? MIN(n_std, g_strv_length(r->out_names)) : 0;
    r->axis_keys = g_key_file_get_keys(kf, "grid", NULL, NULL);
    if (r->axis_keys) {
        guint n = g_strv_length(r->axis_keys);
        r->axis_values = g_new0(char *, n + 1);
        for (guint i = 0; i < n; i++)
            r->axis_values[i] = g_key_file_get_string(kf, "grid", r->axis_keys[i], NULL);
    }
    return g_steal_pointer(&r);
}

/* The message of a run.result that cannot be read, after where it is. */
#define RESULTS_DAMAGED "%s: damaged or from another version of flatline; rerun with --force " \
                        "or use another -o: "

run_result *results_parse_run(const char *text, gsize len, const char *origin, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, error)) {
        g_prefix_error(error, RESULTS_DAMAGED, origin);
        return NULL;
    }
    return results_from_keyfile(kf, origin, error);
}

run_result *results_load_run(const char *dir, const char *id, GError **error)
{
    g_autofree char *path = g_build_filename(dir, "runs", id, "run.result", NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        /* The compact layout: the run's record in a worker's journal. */
        gsize len = 0;
        GError *err = NULL;
        g_autofree char *text = journal_read(dir, id, JOURNAL_RESULT, &len, &err);
        if (!text && !err)
            return NULL;
        g_autofree char *origin = g_strdup_printf("%s/%s (run %s)", dir, JOURNAL_DIR, id);
        if (!text) {
            g_propagate_prefixed_error(error, err, RESULTS_DAMAGED, origin);
            return NULL;
        }
        return results_parse_run(text, len, origin, error);
    }
    g_autoptr(GKeyFile) kf = g_key_file_new();
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error)) {
        g_prefix_error(error, RESULTS_DAMAGED, path);
        return NULL;
    }
    return results_from_keyfile(kf, path, error);
}

gboolean results_write_summary(const char *dir, GPtrArray *records, GStrv axis_keys,
                               GError **error)
{
    GString *s = g_string_new("run");
    for (guint a = 0; axis_keys && axis_keys[a]; a++) {
        g_string_append_c(s, ',');
        csv_append_field(s, axis_keys[a]);
    }
    g_string_append(s, ",seed,status,verdict,causes,final_loss,epochs_run,wall_ms,"
                       "stopped_epoch,epochs_saved,accuracy,majority_accuracy\n");
    for (guint i = 0; i < records->len; i++) {
        const run_result *r = records->pdata[i];
        csv_append_field(s, r->id);
        for (guint a = 0; axis_keys && axis_keys[a]; a++) {
            const char *v = "";
            for (guint k = 0; r->axis_keys && r->axis_keys[k]; k++)
                if (strcmp(r->axis_keys[k], axis_keys[a]) == 0)
                    v = r->axis_values[k];
            g_string_append_c(s, ',');
            csv_append_field(s, v);
        }
        g_string_append_printf(s, ",%" G_GINT64_FORMAT ",", r->seed);
        csv_append_field(s, run_status_name(r->status));
        g_string_append_c(s, ',');
        csv_append_field(s, verdict_name(r->verdict));
        g_string_append_c(s, ',');
        csv_append_field(s, r->causes ? r->causes : "");
        g_string_append_c(s, ',');
        csv_append_number(s, r->final_loss);
        g_string_append_printf(s, ",%d,", r->epochs_run);
        csv_append_number(s, r->wall_ms);
        if (r->stopped_early)
            g_string_append_printf(s, ",%d,%d", r->epochs_run, r->epochs_planned - r->epochs_run);
        else
            g_string_append(s, ",,0");
        /* A classifier's last accuracy beside that of always answering the majority class:
         * "predicts one class" reads as the one equal to the other.  Empty for regression. */
        for (int k = 0; k < 2; k++) {
            double v = k ? r->majority_accuracy : r->final_accuracy;
            g_string_append_c(s, ',');
            if (isfinite(v))
                csv_append_number(s, v);
        }
        g_string_append_c(s, '\n');
    }
    g_autofree char *path = g_build_filename(dir, "summary.csv", NULL);
    gboolean ok = results_write(path, s->str, (gssize)s->len, TRUE, error);
    g_string_free(s, TRUE);
    return ok;
}

void results_wilson(int k, int n, double *lo, double *hi)
{
    if (n <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    const double z = 1.959963984540054; /* 97.5th percentile of the standard normal */
    double p = (double)k / n, z2n = z * z / n;
    double denom = 1 + z2n;
    double center = (p + z2n / 2) / denom;
    double half = z * sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / denom;
    *lo = MAX(0.0, center - half);
    *hi = MIN(1.0, center + half);
}

static void cell_stats_free(cell_stats *c)
{
    g_strfreev(c->labels);
    g_free(c->primary);
    g_free(c);
}

typedef struct cause_count {
    const char *name;
    int n;
} cause_count;

static gint by_count(gconstpointer a, gconstpointer b)
{
    const cause_count *x = a, *y = b;
    if (x->n != y->n)
        return y->n - x->n;
    return strcmp(x->name, y->name);
}

/* "dead_relu:3;oscillation:1" from a cell's counts (GHashTable name -> count). */
static char *primary_text(GHashTable *counts)
{
    g_autoptr(GArray) sorted = g_array_new(FALSE, FALSE, sizeof(cause_count));
    GHashTableIter it;
    gpointer name, n;
    g_hash_table_iter_init(&it, counts);
    while (g_hash_table_iter_next(&it, &name, &n)) {
        cause_count cc = {name, GPOINTER_TO_INT(n)};
        g_array_append_val(sorted, cc);
    }
    g_array_sort(sorted, by_count);
    GString *p = g_string_new(NULL);
    for (guint k = 0; k < sorted->len; k++) {
        cause_count *cc = &g_array_index(sorted, cause_count, k);
        g_string_append_printf(p, "%s%s:%d", k ? ";" : "", cc->name, cc->n);
    }
    return g_string_free(p, FALSE);
}

/* One pass over the records: the cost grows with the runs, not runs times cells. */
GPtrArray *results_cells(GPtrArray *records, GPtrArray *cell_labels)
{
    guint n = cell_labels->len;
    GPtrArray *cells = g_ptr_array_new_full(n, (GDestroyNotify)cell_stats_free);
    g_autofree GHashTable **counts = g_new0(GHashTable *, MAX(n, 1u));
    for (guint c = 0; c < n; c++) {
        cell_stats *cs = g_new0(cell_stats, 1);
        cs->cell = (int)c;
        cs->labels = g_strdupv(cell_labels->pdata[c]);
        g_ptr_array_add(cells, cs);
    }
    for (guint i = 0; i < records->len; i++) {
        const run_result *r = records->pdata[i];
        if (r->cell < 0 || (guint)r->cell >= n || r->status != RUN_OK)
            continue;
        cell_stats *cs = cells->pdata[r->cell];
        cs->runs++;
        if (r->verdict != VERDICT_COLLAPSED)
            continue;
        cs->collapsed++;
        const char *causes = r->causes ? r->causes : "";
        g_autofree char *first = g_strndup(causes, strcspn(causes, ";"));
        if (!*first)
            continue;
        if (!counts[r->cell])
            counts[r->cell] = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        GHashTable *h = counts[r->cell];
        int k = GPOINTER_TO_INT(g_hash_table_lookup(h, first));
        g_hash_table_insert(h, g_steal_pointer(&first), GINT_TO_POINTER(k + 1));
    }
    for (guint c = 0; c < n; c++) {
        cell_stats *cs = cells->pdata[c];
        cs->primary = counts[c] ? primary_text(counts[c]) : g_strdup("");
        if (counts[c])
            g_hash_table_destroy(counts[c]);
        cs->rate = cs->runs ? (double)cs->collapsed / cs->runs : 0;
        results_wilson(cs->collapsed, cs->runs, &cs->lo, &cs->hi);
    }
    return cells;
}

gboolean results_write_cells(const char *dir, GPtrArray *cells, GStrv axis_keys, GError **error)
{
    GString *s = g_string_new("cell");
    for (guint a = 0; axis_keys && axis_keys[a]; a++) {
        g_string_append_c(s, ',');
        csv_append_field(s, axis_keys[a]);
    }
    g_string_append(s, ",runs,collapsed,rate,rate_low,rate_high,primary_causes\n");
    for (guint i = 0; i < cells->len; i++) {
        const cell_stats *c = cells->pdata[i];
        g_string_append_printf(s, "%d", c->cell);
        for (guint a = 0; axis_keys && axis_keys[a]; a++) {
            g_string_append_c(s, ',');
            csv_append_field(s, c->labels[a]);
        }
        g_string_append_printf(s, ",%d,%d,", c->runs, c->collapsed);
        csv_append_number(s, c->rate);
        g_string_append_c(s, ',');
        csv_append_number(s, c->lo);
        g_string_append_c(s, ',');
        csv_append_number(s, c->hi);
        g_string_append_c(s, ',');
        csv_append_field(s, c->primary);
        g_string_append_c(s, '\n');
    }
    g_autofree char *path = g_build_filename(dir, "cells.csv", NULL);
    gboolean ok = results_write(path, s->str, (gssize)s->len, TRUE, error);
    g_string_free(s, TRUE);
    return ok;
}
