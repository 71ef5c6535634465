/* recordwire.c — see recordwire.h.  Each rule below says what run.result's text does with
 * the field, and the packed record does the same.
 *
 * The encoding is flat: numbers as the bytes of the C type (the record goes down a pipe to
 * the same program on the same machine), a text as its 32-bit length and its bytes (a
 * length of ~0: none), a list as its 32-bit count and its members.  GVariant was tried
 * first: packing and unpacking a record took 30 us each, more than parsing its text. */
#include "recordwire.h"
#include "detect.h"

#include <math.h>
#include <string.h>

#define WIRE_MAGIC "FLW1"
#define WIRE_NONE G_MAXUINT32

/* Text run.result carries as it is: UTF-8 (GKeyFile refuses to read anything else). */
static gboolean wire_text_ok(const char *s) { return !s || g_utf8_validate(s, -1, NULL); }

/* A grid key GKeyFile writes and reads back unchanged: a plain name.  Others are legal
 * in a key file only in part (no '=', '[', leading or trailing spaces, '#' first). */
static gboolean wire_key_ok(const char *k)
{
    if (!k || !*k)
        return FALSE;
    for (const char *c = k; *c; c++)
        if (!g_ascii_isalnum(*c) && !strchr("._-", *c))
            return FALSE;
    return TRUE;
}

static gboolean wire_strv_ok(char *const *v)
{
    for (guint i = 0; v && v[i]; i++)
        if (!wire_text_ok(v[i]))
            return FALSE;
    return TRUE;
}

/* Whether every text of rec reads back from run.result as it is. */
static gboolean wire_packable(const run_result *rec)
{
    /* run.result without them cannot be read at all: the text says so. */
    if (!rec->id || !rec->fingerprint)
        return FALSE;
    const char *texts[] = {rec->id, rec->reason, rec->causes, rec->advice, rec->fingerprint};
    for (guint i = 0; i < G_N_ELEMENTS(texts); i++)
        if (!wire_text_ok(texts[i]))
            return FALSE;
    for (guint i = 0; rec->axis_keys && rec->axis_keys[i]; i++) {
        if (!wire_key_ok(rec->axis_keys[i]) || !rec->axis_values ||
            !rec->axis_values[i] || !wire_text_ok(rec->axis_values[i]))
            return FALSE;
        for (guint j = 0; j < i; j++)
            if (strcmp(rec->axis_keys[i], rec->axis_keys[j]) == 0)
                return FALSE; /* the key file keeps the last */
    }
    if (!wire_strv_ok(rec->out_names))
        return FALSE;
    for (guint i = 0; rec->findings && i < rec->findings->len; i++) {
        const finding_rec *f = rec->findings->pdata[i];
        if (!wire_text_ok(f->detector) || !wire_text_ok(f->evidence) ||
            !wire_text_ok(f->cause) || !wire_text_ok(f->advice))
            return FALSE;
        for (guint k = 0; f->fixes && k < f->fixes->len; k++) {
            const finding_fix *x = f->fixes->pdata[k];
            if (!wire_strv_ok(x->edits) || !wire_text_ok(x->reason))
                return FALSE;
        }
    }
    return TRUE;
}

/* run.result keeps a learning number only when it is finite. */
static double wire_finite_or_nan(double v) { return isfinite(v) ? v : NAN; }

/* ---------------------------------------------------------------- writing */

static void put(GByteArray *b, const void *v, gsize n) { g_byte_array_append(b, v, (guint)n); }
static void put_u32(GByteArray *b, guint32 v) { put(b, &v, sizeof v); }
static void put_i32(GByteArray *b, gint32 v) { put(b, &v, sizeof v); }
static void put_i64(GByteArray *b, gint64 v) { put(b, &v, sizeof v); }
static void put_double(GByteArray *b, double v) { put(b, &v, sizeof v); }

static void put_text(GByteArray *b, const char *s)
{
    if (!s) {
        put_u32(b, WIRE_NONE);
        return;
    }
    gsize n = strlen(s);
    put_u32(b, (guint32)n);
    put(b, s, n);
}

static void put_strv(GByteArray *b, char *const *v)
{
    guint n = v ? g_strv_length((char **)v) : 0;
    put_u32(b, n);
    for (guint i = 0; i < n; i++)
        put_text(b, v[i]);
}

static void put_finding(GByteArray *b, const finding_rec *f)
{
    /* A finding without a detector's name reads back as "?"; any level but collapsed as
     * a warning; the flags as the integer the key file holds. */
    put_text(b, f->detector ? f->detector : "?");
    put_i32(b, f->level == FL_LEVEL_COLLAPSED);
    put_i32(b, f->epoch);
    put_text(b, f->evidence);
    put_text(b, f->cause);
    put_text(b, f->advice);
    put_u32(b, (guint32)(gint)f->finding_flags);
    guint n = f->fixes ? f->fixes->len : 0;
    put_u32(b, n);
    for (guint k = 0; k < n; k++) {
        const finding_fix *x = f->fixes->pdata[k];
        put_strv(b, x->edits);
        put_text(b, x->reason);
    }
}

GBytes *record_wire_pack(const run_result *rec)
{
    if (!wire_packable(rec))
        return NULL;
    GByteArray *b = g_byte_array_sized_new(1024);
    put(b, WIRE_MAGIC, 4);
    put_text(b, rec->id);
    put_i32(b, rec->index);
    put_i32(b, rec->cell);
    put_i64(b, rec->seed);
    /* The words run.result writes for them, and what reading those words gives. */
    run_status status = RUN_CRASHED;
    verdict_kind verdict = VERDICT_HEALTHY;
    run_status_from_name(run_status_name(rec->status), &status);
    verdict_from_name(verdict_name(rec->verdict), &verdict);
    put_i32(b, (gint32)status);
    put_i32(b, (gint32)verdict);
    put_text(b, rec->reason);
    put_text(b, rec->causes ? rec->causes : "");
    put_double(b, rec->final_loss);
    put_i32(b, rec->epochs_run);
    put_i32(b, rec->epochs_planned);
    put_i32(b, rec->stopped_early != 0);
    put_text(b, rec->advice);
    put_double(b, rec->wall_ms);
    put_text(b, rec->fingerprint);
    const double learning[] = {rec->baseline_loss, rec->final_data_loss, rec->final_accuracy,
                               rec->majority_accuracy};
    for (guint i = 0; i < G_N_ELEMENTS(learning); i++)
        put_double(b, wire_finite_or_nan(learning[i]));
    /* The grid, key and value by turns. */
    guint n_keys = rec->axis_keys ? g_strv_length(rec->axis_keys) : 0;
    put_u32(b, n_keys);
    for (guint i = 0; i < n_keys; i++) {
        put_text(b, rec->axis_keys[i]);
        put_text(b, rec->axis_values[i]);
    }
    /* The data group is written only with both lists; the spread holds n_outputs values. */
    gboolean data = rec->out_names && rec->target_std;
    put_i32(b, data);
    if (data) {
        put_strv(b, rec->out_names);
        put_u32(b, (guint32)rec->n_outputs);
        put(b, rec->target_std, rec->n_outputs * sizeof(double));
    }
    guint n = rec->findings ? rec->findings->len : 0;
    put_u32(b, n);
    for (guint i = 0; i < n; i++)
        put_finding(b, rec->findings->pdata[i]);
    return g_byte_array_free_to_bytes(b);
}

/* ---------------------------------------------------------------- reading */

/* Where reading is; `bad` once anything ran past the end or made no sense. */
typedef struct wire_reader {
    const guchar *at, *end;
    gboolean bad;
} wire_reader;

static gboolean get(wire_reader *r, void *v, gsize n)
{
    if (r->bad || (gsize)(r->end - r->at) < n) {
        r->bad = TRUE;
        memset(v, 0, n);
        return FALSE;
    }
    memcpy(v, r->at, n);
    r->at += n;
    return TRUE;
}

static guint32 get_u32(wire_reader *r)
{
    guint32 v;
    get(r, &v, sizeof v);
    return v;
}

static gint32 get_i32(wire_reader *r)
{
    gint32 v;
    get(r, &v, sizeof v);
    return v;
}

static double get_double(wire_reader *r)
{
    double v;
    return get(r, &v, sizeof v) ? v : NAN;
}

static char *get_text(wire_reader *r)
{
    guint32 n = get_u32(r);
    if (r->bad || n == WIRE_NONE)
        return NULL;
    if ((gsize)(r->end - r->at) < n) {
        r->bad = TRUE;
        return NULL;
    }
    char *s = g_strndup((const char *)r->at, n);
    r->at += n;
    return s;
}

/* A count of things each at least `least` bytes long: no more than the bytes left hold. */
static guint32 get_count(wire_reader *r, gsize least)
{
    guint32 n = get_u32(r);
    if (!r->bad && (gsize)n > (gsize)(r->end - r->at) / least)
        r->bad = TRUE;
    return r->bad ? 0 : n;
}

/* A list of texts (an empty list for none, as the key file reads one). */
static GStrv get_strv(wire_reader *r)
{
    guint32 n = get_count(r, 4);
    if (r->bad)
        return NULL;
    GStrv v = g_new0(char *, n + 1);
    for (guint32 i = 0; i < n; i++)
        if (!(v[i] = get_text(r)))
            v[i] = g_strdup(""); /* only in damaged bytes, which are refused */
    return v;
}

static finding_rec *get_finding(wire_reader *r)
{
    finding_rec *f = g_new0(finding_rec, 1);
    f->detector = get_text(r);
    f->level = get_i32(r) ? FL_LEVEL_COLLAPSED : FL_LEVEL_WARNING;
    f->epoch = get_i32(r);
    f->evidence = get_text(r);
    f->cause = get_text(r);
    f->advice = get_text(r);
    f->finding_flags = get_u32(r);
    guint32 n = get_count(r, 8);
    for (guint32 k = 0; k < n; k++) {
        if (!f->fixes)
            f->fixes = g_ptr_array_new_with_free_func(finding_fix_free);
        finding_fix *x = g_new0(finding_fix, 1);
        x->edits = get_strv(r);
        x->reason = get_text(r);
        g_ptr_array_add(f->fixes, x);
    }
    return f;
}

run_result *record_wire_unpack(const void *data, gsize len, const char *origin, GError **error)
{
    wire_reader rd = {data, (const guchar *)data + len, FALSE};
    wire_reader *r = &rd;
    char magic[4];
    if (!get(r, magic, 4) || memcmp(magic, WIRE_MAGIC, 4) != 0)
        r->bad = TRUE;
    g_autoptr(run_result) rec = g_new0(run_result, 1);
    run_result_init(rec);
    rec->id = get_text(r);
    rec->index = get_i32(r);
    rec->cell = get_i32(r);
    get(r, &rec->seed, sizeof rec->seed);
    gint32 status = get_i32(r), verdict = get_i32(r);
    rec->status = (run_status)status;
    rec->verdict = (verdict_kind)verdict;
    rec->reason = get_text(r);
    rec->causes = get_text(r);
    rec->final_loss = get_double(r);
    rec->epochs_run = get_i32(r);
    rec->epochs_planned = get_i32(r);
    rec->stopped_early = get_i32(r) != 0;
    rec->advice = get_text(r);
    rec->wall_ms = get_double(r);
    rec->fingerprint = get_text(r);
    rec->baseline_loss = get_double(r);
    rec->final_data_loss = get_double(r);
    rec->final_accuracy = get_double(r);
    rec->majority_accuracy = get_double(r);
    /* As the key file: the grid group exists only with a key in it (else NULL, not an
     * empty list). */
    guint32 n_keys = get_count(r, 8);
    if (n_keys) {
        rec->axis_keys = g_new0(char *, n_keys + 1);
        rec->axis_values = g_new0(char *, n_keys + 1);
        for (guint32 i = 0; i < n_keys; i++) {
            rec->axis_keys[i] = get_text(r);
            rec->axis_values[i] = get_text(r);
            if (!rec->axis_keys[i] || !rec->axis_values[i]) {
                r->bad = TRUE; /* damaged: the lists end here, as they are freed */
                g_clear_pointer(&rec->axis_keys[i], g_free);
                g_clear_pointer(&rec->axis_values[i], g_free);
                break;
            }
        }
    }
    if (get_i32(r)) {
        rec->out_names = get_strv(r);
        guint32 n_std = get_count(r, sizeof(double));
        /* As the key file: an empty list of numbers reads back as none. */
        if (n_std) {
            rec->target_std = g_new(double, n_std);
            get(r, rec->target_std, n_std * sizeof(double));
        }
        rec->n_outputs = rec->target_std ? MIN(n_std, g_strv_length(rec->out_names)) : 0;
    }
    rec->findings = g_ptr_array_new_with_free_func((GDestroyNotify)finding_rec_free);
    guint32 n = get_count(r, 32);
    for (guint32 i = 0; i < n; i++)
        g_ptr_array_add(rec->findings, get_finding(r));
    if (r->bad || r->at != r->end || !rec->id || !*rec->id || !rec->fingerprint ||
        !rec->causes || status < RUN_OK || status > RUN_TIMEOUT || verdict < VERDICT_HEALTHY ||
        verdict > VERDICT_COLLAPSED) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: not a record flatline's worker packed (%zu bytes)", origin, len);
        return NULL;
    }
    return g_steal_pointer(&rec);
}
