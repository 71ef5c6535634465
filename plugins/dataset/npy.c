/* npy.c — the `npy` dataset: inputs and targets from NumPy .npy files or a .npz archive.
 *
 * `x` and `y` are two .npy files (np.save), or, when `path` names a .npz archive
 * (np.savez), the names of two arrays in it.  The first axis of each array is the
 * samples; the rest of x is one input sample's shape, so x of shape (N, H, W, C) gives
 * (H, W, C) images as csv's `shape` does, and `shape` may reshape it (MNIST's (N, 28, 28)
 * as [28, 28, 1]).  y of shape (N,) or (N, k) is the targets as they are, or, with
 * `classes = K`, integer class labels 0..K-1 that are one-hot encoded into K columns
 * (K is given rather than guessed from the largest label, which a split may lack).
 *
 * Element types: little-endian float32 and float64 ('<f4', '<f8'), uint8 ('|u1', 8-bit
 * pixels) and the other little-endian integers (labels are int64 by default in NumPy);
 * C order only.  A .npz member must be stored, as np.savez writes it: np.savez_compressed
 * deflates its members, and this plugin does not link zlib, so it asks for np.savez.
 *
 * Every refusal names the file (and the archive member), says what is wrong and what to
 * do, as the csv reader's do: the files come from other programs, and a header that does
 * not match its data would otherwise train on garbage.  Files are mapped, not read. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <flatline/plugin.h>

#include "synth.h"

/* As for the csv reader and the generators: GArray lengths and memory stay sane. */
#define NPY_MAX_FLOATS ((size_t)1 << 30)
/* NumPy's own limit on dimensions. */
#define NPY_MAX_DIMS 64
/* How many archive members an error lists before it abbreviates. */
#define NPY_MAX_LISTED 12

typedef struct npy_opts {
    char *path;
    char *x;
    char *y;
    int classes;
    fl_ints shape;
} npy_opts;

static const fl_param npy_params[] = {
    {"path", FL_PARAM_STRING, "\"\"", NULL, NULL,
     ".npz archive (np.savez, not _compressed) holding x and y; empty: x and y are .npy "
     "files; relative to the experiment file's directory",
     offsetof(npy_opts, path)},
    {"x", FL_PARAM_STRING, NULL, NULL, NULL,
     "inputs: a .npy file, or an array's name in the `path` archive; first axis: samples",
     offsetof(npy_opts, x)},
    {"y", FL_PARAM_STRING, NULL, NULL, NULL,
     "targets: a .npy file, or an array's name in the `path` archive; first axis: samples",
     offsetof(npy_opts, y)},
    {"classes", FL_PARAM_INT, "0", "[0, 16777216]", NULL,
     "0: y holds the targets as they are; K: y holds integer class labels 0..K-1, one-hot "
     "encoded into K columns",
     offsetof(npy_opts, classes)},
    {"shape", FL_PARAM_INTS, "0", "[0, 16777216]", NULL,
     "one input sample's shape instead of the file's, e.g. [28, 28, 1] for (N, 28, 28) "
     "images; 0: the file's",
     offsetof(npy_opts, shape)},
    FL_PARAM_END};

typedef enum npy_kind { NPY_FLOAT, NPY_INT, NPY_UINT } npy_kind;

/* One array as its header describes it, its data borrowed from the mapped file. */
typedef struct npy_array {
    char *name; /* for messages: "x.npy", or "d.npz: array 'x_train'" */
    npy_kind kind;
    size_t itemsize;
    char descr[32];
    size_t rank;
    size_t dims[NPY_MAX_DIMS];
    size_t count; /* elements */
    const guint8 *data;
} npy_array;

static void npy_array_clear(npy_array *a)
{
    g_free(a->name);
    a->name = NULL;
}

/* "(60000, 28, 28)", as Python prints a shape. */
static char *npy_shape_text(const npy_array *a)
{
    GString *s = g_string_new("(");
    for (size_t i = 0; i < a->rank; i++)
        g_string_append_printf(s, "%s%zu", i ? ", " : "", a->dims[i]);
    g_string_append(s, a->rank == 1 ? ",)" : ")");
    return g_string_free(s, FALSE);
}

/* ---------------------------------------------------------------- the header */

/* A cursor over the header's Python dict literal. */
typedef struct npy_lexer {
    const char *p, *end;
} npy_lexer;

static void npy_skip_space(npy_lexer *lx)
{
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' ||
                               *lx->p == '\r'))
        lx->p++;
}

static bool npy_accept(npy_lexer *lx, char c)
{
    npy_skip_space(lx);
    if (lx->p < lx->end && *lx->p == c) {
        lx->p++;
        return true;
    }
    return false;
}

/* A quoted string (no escapes: NumPy writes none in these headers), copied to buf. */
static bool npy_string(npy_lexer *lx, char *buf, size_t size)
{
    npy_skip_space(lx);
    if (lx->p == lx->end || (*lx->p != '\'' && *lx->p != '"'))
        return false;
    char quote = *lx->p++;
    const char *start = lx->p;
    while (lx->p < lx->end && *lx->p != quote && *lx->p != '\\')
        lx->p++;
    if (lx->p == lx->end || *lx->p != quote || (size_t)(lx->p - start) >= size)
        return false;
    memcpy(buf, start, (size_t)(lx->p - start));
    buf[lx->p - start] = '\0';
    lx->p++;
    return true;
}

static bool npy_word(npy_lexer *lx, const char *word)
{
    npy_skip_space(lx);
    size_t n = strlen(word);
    if ((size_t)(lx->end - lx->p) >= n && memcmp(lx->p, word, n) == 0) {
        lx->p += n;
        return true;
    }
    return false;
}

/* "(3, 4)", "(5,)" or "()"; Python 2 wrote longs as "3L". */
static bool npy_tuple(npy_lexer *lx, npy_array *a)
{
    if (!npy_accept(lx, '('))
        return false;
    a->rank = 0;
    for (;;) {
        if (npy_accept(lx, ')'))
            return true;
        npy_skip_space(lx);
        if (lx->p == lx->end || !g_ascii_isdigit(*lx->p) || a->rank == NPY_MAX_DIMS)
            return false;
        size_t v = 0;
        while (lx->p < lx->end && g_ascii_isdigit(*lx->p)) {
            if (v > (SIZE_MAX - 9) / 10)
                return false;
            v = v * 10 + (size_t)(*lx->p++ - '0');
        }
        if (lx->p < lx->end && *lx->p == 'L')
            lx->p++;
        a->dims[a->rank++] = v;
        if (!npy_accept(lx, ',')) {
            return npy_accept(lx, ')');
        }
    }
}

/* The element type from descr; -1 with the reason when flatline cannot read it. */
static int npy_dtype(const fl_host *host, npy_array *a)
{
    static const struct {
        const char *descr;
        npy_kind kind;
        size_t size;
    } known[] = {
        {"<f4", NPY_FLOAT, 4}, {"<f8", NPY_FLOAT, 8}, {"|u1", NPY_UINT, 1},
        {"<u1", NPY_UINT, 1},  {"|i1", NPY_INT, 1},   {"<i1", NPY_INT, 1},
        {"<u2", NPY_UINT, 2},  {"<i2", NPY_INT, 2},   {"<u4", NPY_UINT, 4},
        {"<i4", NPY_INT, 4},   {"<u8", NPY_UINT, 8},  {"<i8", NPY_INT, 8},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
        if (strcmp(a->descr, known[i].descr) == 0) {
            a->kind = known[i].kind;
            a->itemsize = known[i].size;
            return 0;
        }
    const char *d = a->descr;
    const char *why;
    if (d[0] == '|' && d[1] == 'O')
        why = "holds Python objects (dtype object), not numbers; convert it, e.g. "
              "np.save(f, np.asarray(a, dtype=np.float32))";
    else if (d[0] == '>' && strlen(d) > 2 && d[2] != '1')
        why = "is big-endian; save it little-endian, e.g. np.save(f, a.astype('<f4'))";
    else if (d[1] == 'U' || d[1] == 'S' || d[1] == 'a')
        why = "holds strings, not numbers; convert them to numbers (class names to integer "
              "labels with `classes`)";
    else if (d[1] == 'b')
        why = "holds booleans; save them as numbers, e.g. a.astype(np.uint8)";
    else if (d[1] == 'f' || d[1] == 'c')
        why = "is a float type flatline does not read (float16, complex or extended); save "
              "it as float32, e.g. a.astype(np.float32)";
    else
        why = "is not a type flatline reads; save float32, float64, uint8 or integers";
    host->error(host, "%s: dtype '%s' %s", a->name, a->descr, why);
    return -1;
}

/* Parse a .npy image (bytes, len) into *a, checking its header against its data. */
static int npy_parse(const fl_host *host, const guint8 *bytes, size_t len, npy_array *a)
{
    static const guint8 magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (len < 10 || memcmp(bytes, magic, 6) != 0) {
        if (len == 0)
            host->error(host, "%s is empty; write the array with np.save", a->name);
        else if (len >= 4 && memcmp(bytes, "PK\x03\x04", 4) == 0)
            host->error(host, "%s is a .npz (zip) archive, not a .npy file; set `path` to "
                              "it and `x`, `y` to the names of its arrays",
                        a->name);
        else
            host->error(host, "%s is not a .npy file (it does not start with \\x93NUMPY); "
                              "write it with np.save",
                        a->name);
        return -1;
    }
    unsigned major = bytes[6];
    size_t header_len, start;
    if (major == 1) {
        header_len = (size_t)bytes[8] | (size_t)bytes[9] << 8;
        start = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12) {
            host->error(host, "%s is truncated: it ends inside its header; write it again",
                        a->name);
            return -1;
        }
        header_len = (size_t)bytes[8] | (size_t)bytes[9] << 8 | (size_t)bytes[10] << 16 |
                     (size_t)bytes[11] << 24;
        start = 12;
    } else {
        host->error(host, "%s: .npy format version %u.%u is not one flatline reads (1.0 to "
                          "3.0); write it with np.save",
                    a->name, major, bytes[7]);
        return -1;
    }
    if (header_len > len - start) {
        host->error(host, "%s is truncated: its header says it is %zu bytes long, but the "
                          "file ends %zu bytes after the header's start; write it again",
                    a->name, header_len, len - start);
        return -1;
    }
    npy_lexer lx = {(const char *)bytes + start, (const char *)bytes + start + header_len};
    bool have_descr = false, have_order = false, have_shape = false, fortran = false;
    char key[32];
    if (!npy_accept(&lx, '{'))
        goto syntax;
    while (!npy_accept(&lx, '}')) {
        if (!npy_string(&lx, key, sizeof key) || !npy_accept(&lx, ':'))
            goto syntax;
        if (strcmp(key, "descr") == 0) {
            npy_skip_space(&lx);
            if (lx.p < lx.end && *lx.p == '[') {
                host->error(host, "%s holds a structured array (a dtype with named fields); "
                                  "save each field as its own array",
                            a->name);
                return -1;
            }
            if (!npy_string(&lx, a->descr, sizeof a->descr))
                goto syntax;
            have_descr = true;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (npy_word(&lx, "True"))
                fortran = true;
            else if (!npy_word(&lx, "False"))
                goto syntax;
            have_order = true;
        } else if (strcmp(key, "shape") == 0) {
            if (!npy_tuple(&lx, a))
                goto syntax;
            have_shape = true;
        } else {
            host->error(host, "%s: the header has a key '%s' besides descr, fortran_order "
                              "and shape; is it a .npy file? write it with np.save",
                        a->name, key);
            return -1;
        }
        if (!npy_accept(&lx, ',')) {
            if (!npy_accept(&lx, '}'))
                goto syntax;
            break;
        }
    }
    npy_skip_space(&lx);
    if (lx.p != lx.end || !have_descr || !have_order || !have_shape)
        goto syntax;
    if (npy_dtype(host, a) < 0)
        return -1;
    if (fortran) {
        host->error(host, "%s is in Fortran (column-major) order; save it in C order, e.g. "
                          "np.save(f, np.ascontiguousarray(a))",
                    a->name);
        return -1;
    }
    /* The element count, refusing a product that overflows or exceeds the limit. */
    a->count = 1;
    for (size_t i = 0; i < a->rank; i++) {
        if (a->dims[i] != 0 && a->count > NPY_MAX_FLOATS / a->dims[i]) {
            g_autofree char *shape = npy_shape_text(a);
            host->error(host, "%s: shape %s holds more than 2^30 values (4 GiB as floats); "
                              "use a smaller array",
                        a->name, shape);
            return -1;
        }
        a->count *= a->dims[i];
    }
    size_t have = len - start - header_len, need = a->count * a->itemsize;
    if (have != need) {
        g_autofree char *shape = npy_shape_text(a);
        host->error(host, "%s %s: its header promises shape %s of '%s' (%zu bytes of data) but "
                          "%zu bytes follow; write it again with np.save",
                    a->name, have < need ? "is truncated" : "does not match its header", shape,
                    a->descr, need, have);
        return -1;
    }
    a->data = bytes + start + header_len;
    return 0;
syntax:
    host->error(host, "%s: the header is not a dict of descr, fortran_order and shape as "
                      "np.save writes it; write the file again with np.save",
                a->name);
    return -1;
}

/* ---------------------------------------------------------------- .npz archives */

static guint32 npy_le16(const guint8 *p) { return (guint32)p[0] | (guint32)p[1] << 8; }
static guint32 npy_le32(const guint8 *p) { return npy_le16(p) | npy_le16(p + 2) << 16; }
static guint64 npy_le64(const guint8 *p) { return npy_le32(p) | (guint64)npy_le32(p + 4) << 32; }

/* The .npy image of array `member` in the zip archive (bytes, len), into *a.  `archive`
 * is the archive as the user wrote it. */
static int npy_zip_member(const fl_host *host, const char *archive, const guint8 *bytes,
                          size_t len, const char *member, npy_array *a)
{
    /* The end-of-central-directory record: 22 bytes and a comment of up to 64 KiB. */
    size_t eocd = SIZE_MAX;
    for (size_t back = 22; back <= len && back <= 22 + 65535; back++)
        if (npy_le32(bytes + len - back) == 0x06054b50) {
            eocd = len - back;
            break;
        }
    if (eocd == SIZE_MAX) {
        if (len >= 6 && memcmp(bytes, "\x93NUMPY", 6) == 0)
            host->error(host, "%s is a .npy file, not a .npz archive; set `x` or `y` to it and "
                              "leave `path` empty",
                        archive);
        else
            host->error(host, "%s is not a .npz (zip) archive, or it is truncated: it has no "
                              "zip directory at its end; write it with np.savez",
                        archive);
        return -1;
    }
    size_t n_entries = npy_le16(bytes + eocd + 10);
    size_t cd_size = npy_le32(bytes + eocd + 12), cd_off = npy_le32(bytes + eocd + 16);
    if (n_entries == 0xFFFF || cd_off == 0xFFFFFFFF) {
        host->error(host, "%s is a zip64 archive (over 4 GiB or 65535 arrays); save smaller "
                          "arrays",
                    archive);
        return -1;
    }
    if (cd_off > eocd || cd_size > eocd - cd_off) {
        host->error(host, "%s: its zip directory points outside the file; the archive is "
                          "damaged, write it again with np.savez",
                    archive);
        return -1;
    }
    g_autofree char *wanted = g_str_has_suffix(member, ".npy") ? g_strdup(member)
                                                              : g_strconcat(member, ".npy", NULL);
    GString *names = g_string_new(NULL);
    size_t listed = 0;
    const guint8 *p = bytes + cd_off, *cd_end = bytes + cd_off + cd_size;
    int ret = -1;
    for (size_t e = 0; e < n_entries; e++) {
        if (cd_end - p < 46 || npy_le32(p) != 0x02014b50) {
            host->error(host, "%s: its zip directory is damaged (entry %zu of %zu); write it "
                              "again with np.savez",
                        archive, e + 1, n_entries);
            goto out;
        }
        guint32 flags = npy_le16(p + 8), method = npy_le16(p + 10);
        guint64 csize = npy_le32(p + 20), usize = npy_le32(p + 24), off = npy_le32(p + 42);
        size_t nlen = npy_le16(p + 28), xlen = npy_le16(p + 30), clen = npy_le16(p + 32);
        if ((size_t)(cd_end - p) - 46 < nlen + xlen + clen) {
            host->error(host, "%s: its zip directory is damaged (entry %zu of %zu); write it "
                              "again with np.savez",
                        archive, e + 1, n_entries);
            goto out;
        }
        const char *name = (const char *)p + 46;
        /* Sizes and offset of 0xFFFFFFFF are in the zip64 extra field, in this order. */
        for (const guint8 *x = p + 46 + nlen, *x_end = x + xlen; x_end - x >= 4;) {
            size_t id = npy_le16(x), n = npy_le16(x + 2);
            if ((size_t)(x_end - x) - 4 < n)
                break;
            if (id == 0x0001) {
                const guint8 *v = x + 4, *v_end = x + 4 + n;
                if (usize == 0xFFFFFFFF && v_end - v >= 8)
                    usize = npy_le64(v), v += 8;
                if (csize == 0xFFFFFFFF && v_end - v >= 8)
                    csize = npy_le64(v), v += 8;
                if (off == 0xFFFFFFFF && v_end - v >= 8)
                    off = npy_le64(v);
            }
            x += 4 + n;
        }
        p += 46 + nlen + xlen + clen;
        bool match = nlen == strlen(wanted) && memcmp(name, wanted, nlen) == 0;
        if (!match) {
            if (listed++ < NPY_MAX_LISTED) {
                size_t shown = nlen >= 4 && memcmp(name + nlen - 4, ".npy", 4) == 0 ? nlen - 4
                                                                                  : nlen;
                g_string_append_printf(names, "%s'%.*s'", names->len ? ", " : "", (int)shown,
                                       name);
            }
            continue;
        }
        if (flags & 1) {
            host->error(host, "%s: array '%s' is encrypted; save the archive with np.savez",
                        archive, member);
            goto out;
        }
        if (method == 8) {
            host->error(host, "%s: array '%s' is compressed (np.savez_compressed); flatline "
                              "reads stored members only: save with np.savez, or each array "
                              "with np.save",
                        archive, member);
            goto out;
        }
        if (method != 0) {
            host->error(host, "%s: array '%s' uses zip compression method %u; flatline reads "
                              "stored members only: save with np.savez",
                        archive, member, method);
            goto out;
        }
        if (csize != usize || off > len || len - off < 30 || npy_le32(bytes + off) != 0x04034b50) {
            host->error(host, "%s: the zip entry of array '%s' is damaged; write the archive "
                              "again with np.savez",
                        archive, member);
            goto out;
        }
        guint64 data = off + 30 + npy_le16(bytes + off + 26) + npy_le16(bytes + off + 28);
        if (data > len || csize > len - data) {
            host->error(host, "%s is truncated: array '%s' needs %" G_GUINT64_FORMAT
                              " bytes, but the file ends first; write it again",
                        archive, member, csize);
            goto out;
        }
        a->name = g_strdup_printf("%s: array '%s'", archive, member);
        ret = npy_parse(host, bytes + data, (size_t)csize, a);
        goto out;
    }
    if (listed > NPY_MAX_LISTED)
        g_string_append_printf(names, " and %zu more", listed - NPY_MAX_LISTED);
    host->error(host, "%s has no array '%s'; its arrays are %s", archive, member,
                names->len ? names->str : "none");
out:
    g_string_free(names, TRUE);
    return ret;
}

/* ---------------------------------------------------------------- loading */

/* A mapped file, or NULL with the reason given (`shown`: the path as the user wrote it). */
static GMappedFile *npy_map(const fl_host *host, const char *shown, const char *base_dir)
{
    g_autofree char *full = g_path_is_absolute(shown) || !base_dir || !*base_dir
                                ? g_strdup(shown)
                                : g_build_filename(base_dir, shown, NULL);
    if (g_file_test(full, G_FILE_TEST_IS_DIR)) {
        host->error(host, "%s is a directory (%s), not a NumPy file; name a file", shown, full);
        return NULL;
    }
    GError *err = NULL;
    GMappedFile *map = g_mapped_file_new(full, FALSE, &err);
    if (!map) {
        /* GLib's message repeats the path; the reason alone reads better after ours. */
        const char *why = g_file_test(full, G_FILE_TEST_EXISTS) ? err->message
                                                                : g_strerror(ENOENT);
        if (g_path_is_absolute(shown))
            host->error(host, "cannot open %s: %s", shown, why);
        else
            host->error(host, "cannot open %s (looked for %s): %s; a relative path is read "
                              "from the experiment file's directory",
                        shown, full, why);
        g_error_free(err);
    }
    return map;
}

static const guint8 *npy_bytes(GMappedFile *map, size_t *len)
{
    *len = g_mapped_file_get_length(map);
    const guint8 *b = (const guint8 *)g_mapped_file_get_contents(map);
    return b ? b : (const guint8 *)"";
}

/* Element i of a as a double (little-endian on every host). */
static double npy_value(const npy_array *a, size_t i)
{
    const guint8 *p = a->data + i * a->itemsize;
    switch (a->kind) {
    case NPY_FLOAT:
        if (a->itemsize == 4) {
            guint32 bits = npy_le32(p);
            float f;
            memcpy(&f, &bits, sizeof f);
            return f;
        } else {
            guint64 bits = npy_le64(p);
            double d;
            memcpy(&d, &bits, sizeof d);
            return d;
        }
    case NPY_UINT:
        switch (a->itemsize) {
        case 1: return p[0];
        case 2: return npy_le16(p);
        case 4: return npy_le32(p);
        default: return (double)npy_le64(p);
        }
    case NPY_INT:
    default:
        switch (a->itemsize) {
        case 1: return (gint8)p[0];
        case 2: return (gint16)npy_le16(p);
        case 4: return (gint32)npy_le32(p);
        default: return (double)(gint64)npy_le64(p);
        }
    }
}

/* "sample 3, value 5" of an element, for messages. */
static void npy_where(char *buf, size_t size, size_t i, size_t per_sample)
{
    if (per_sample == 1)
        g_snprintf(buf, size, "sample %zu", i);
    else
        g_snprintf(buf, size, "sample %zu, value %zu", i / per_sample, i % per_sample);
}

/* Copy a's n elements into floats, refusing what is not a finite 32-bit float. */
static int npy_to_floats(const fl_host *host, const npy_array *a, size_t per_sample, float *out)
{
    char where[96];
    for (size_t i = 0; i < a->count; i++) {
        double v = npy_value(a, i);
        if (!isfinite(v) || fabs(v) > FLT_MAX) {
            npy_where(where, sizeof where, i, per_sample);
            host->error(host, "%s: %s (counting from 0) is %g, %s", a->name, where, v,
                        isnan(v) || isinf(v)
                            ? "not a finite number; replace it or drop the sample"
                            : "too large for a 32-bit float; rescale the array");
            return -1;
        }
        out[i] = (float)v;
    }
    return 0;
}

/* y's integer labels as one-hot rows of `classes` columns. */
static int npy_one_hot(const fl_host *host, const npy_array *y, size_t classes, float *out)
{
    char where[96];
    for (size_t i = 0; i < y->count; i++) {
        double v = npy_value(y, i);
        if (!(v >= 0 && v < (double)classes && v == floor(v))) {
            npy_where(where, sizeof where, i, 1);
            host->error(host, "%s: %s (counting from 0) has label %g, not an integer in [0, "
                              "%zu); fix the label or set `classes` to the number of classes",
                        y->name, where, v, classes);
            return -1;
        }
        out[i * classes + (size_t)v] = 1.0f;
    }
    return 0;
}

/* One input sample's shape: `shape` when given, else the file's (flat for rank <= 2). */
static int npy_in_shape(const fl_host *host, const npy_opts *opts, const npy_array *x,
                        size_t n_in, fl_shape *shape)
{
    *shape = (fl_shape){0};
    const fl_ints *s = &opts->shape;
    if (s->n == 1 && s->v[0] == 0) {
        if (x->rank <= 2)
            return 0;
        if (x->rank - 1 > FL_MAX_RANK) {
            g_autofree char *text = npy_shape_text(x);
            host->error(host, "%s: shape %s gives samples of %zu dimensions; flatline takes "
                              "up to %d: set `shape`, e.g. [%zu] to read them flat",
                        x->name, text, x->rank - 1, FL_MAX_RANK, n_in);
            return -1;
        }
        shape->rank = (uint32_t)(x->rank - 1);
        for (size_t i = 1; i < x->rank; i++)
            shape->dims[i - 1] = (uint32_t)x->dims[i];
        return 0;
    }
    size_t count = 1;
    GString *text = g_string_new(NULL);
    for (int i = 0; i < s->n; i++) {
        count *= s->v[i] > 0 ? (size_t)s->v[i] : 0;
        g_string_append_printf(text, "%s%d", i ? ", " : "", s->v[i]);
    }
    if (count != n_in) {
        g_autofree char *file_shape = npy_shape_text(x);
        host->error(host, "%s: `shape = [%s]` holds %zu values but the samples of this %s "
                          "array have %zu each; give a shape whose product is %zu (channels "
                          "last), or drop `shape`",
                    x->name, text->str, count, file_shape, n_in, n_in);
        g_string_free(text, TRUE);
        return -1;
    }
    g_string_free(text, TRUE);
    shape->rank = (uint32_t)s->n;
    for (int i = 0; i < s->n; i++)
        shape->dims[i] = (uint32_t)s->v[i];
    return 0;
}

/* Check x and y against each other and fill *out. */
static int npy_build(const fl_host *host, const npy_opts *opts, const npy_array *x,
                     const npy_array *y, fl_dataset *out)
{
    if (x->rank == 0 || y->rank == 0) {
        const npy_array *a = x->rank == 0 ? x : y;
        host->error(host, "%s holds a single number (shape ()); its first axis must be the "
                          "samples",
                    a->name);
        return -1;
    }
    size_t n = x->dims[0];
    if (n == 0) {
        host->error(host, "%s holds no samples (its first axis is 0); save the data", x->name);
        return -1;
    }
    if (y->dims[0] != n) {
        g_autofree char *xs = npy_shape_text(x);
        g_autofree char *ys = npy_shape_text(y);
        host->error(host, "%s has %zu samples (shape %s) but %s has %zu (shape %s); both first "
                          "axes must count the same samples",
                    x->name, n, xs, y->name, y->dims[0], ys);
        return -1;
    }
    size_t n_in = x->count / n, per_y = y->count / n;
    if (n_in == 0 || per_y == 0) {
        const npy_array *a = n_in == 0 ? x : y;
        g_autofree char *s = npy_shape_text(a);
        host->error(host, "%s: shape %s gives samples of no values; save non-empty samples",
                    a->name, s);
        return -1;
    }
    size_t classes = (size_t)opts->classes, n_out = classes ? classes : per_y;
    if (classes && per_y != 1) {
        g_autofree char *s = npy_shape_text(y);
        host->error(host, "%s: `classes = %zu` wants one integer label per sample, shape (%zu,) "
                          "or (%zu, 1), but its shape is %s; drop `classes` for targets that "
                          "are already one-hot",
                    y->name, classes, n, n, s);
        return -1;
    }
    if (n > NPY_MAX_FLOATS / n_out) {
        host->error(host, "%s: %zu samples of %zu one-hot columns are more than 2^30 floats; "
                          "use fewer classes or samples",
                    y->name, n, n_out);
        return -1;
    }
    fl_shape in_shape;
    if (npy_in_shape(host, opts, x, n_in, &in_shape) < 0)
        return -1;
    out->n_samples = n;
    out->n_in = n_in;
    out->n_out = n_out;
    out->in_shape = in_shape;
    out->x = host->alloc(n * n_in * sizeof(float));
    out->y = host->alloc(n * n_out * sizeof(float));
    out->in_names = synth_names(host, "x", n_in);
    out->out_names = synth_names(host, classes ? "class" : "y", n_out);
    if (!out->x || !out->y || !out->in_names || !out->out_names) {
        host->error(host, "%s: cannot allocate %zu bytes for %zu samples", x->name,
                    n * (n_in + n_out) * sizeof(float), n);
        synth_free(host, out);
        return -1;
    }
    if (npy_to_floats(host, x, n_in, out->x) < 0 ||
        (classes ? npy_one_hot(host, y, classes, out->y)
                 : npy_to_floats(host, y, per_y, out->y)) < 0) {
        synth_free(host, out);
        return -1;
    }
    return 0;
}

static int npy_load(const fl_host *host, const void *opts_, const char *base_dir,
                    uint64_t seed, fl_dataset *out)
{
    const npy_opts *opts = opts_;
    (void)seed;
    if (!opts->x || !*opts->x || !opts->y || !*opts->y) {
        host->error(host, "`%s` is empty; set it to a .npy file, or to an array's name in the "
                          "`path` archive",
                    !opts->x || !*opts->x ? "x" : "y");
        return -1;
    }
    npy_array x = {0}, y = {0};
    GMappedFile *maps[2] = {NULL, NULL};
    int ret = -1;
    size_t len;
    if (opts->path && *opts->path) {
        if (!(maps[0] = npy_map(host, opts->path, base_dir)))
            goto out;
        const guint8 *b = npy_bytes(maps[0], &len);
        if (npy_zip_member(host, opts->path, b, len, opts->x, &x) < 0 ||
            npy_zip_member(host, opts->path, b, len, opts->y, &y) < 0)
            goto out;
    } else {
        npy_array *arrays[2] = {&x, &y};
        const char *paths[2] = {opts->x, opts->y};
        for (int i = 0; i < 2; i++) {
            arrays[i]->name = g_strdup(paths[i]);
            if (!(maps[i] = npy_map(host, paths[i], base_dir)))
                goto out;
            const guint8 *b = npy_bytes(maps[i], &len);
            if (npy_parse(host, b, len, arrays[i]) < 0)
                goto out;
        }
    }
    ret = npy_build(host, opts, &x, &y, out);
out:
    for (int i = 0; i < 2; i++)
        if (maps[i])
            g_mapped_file_unref(maps[i]);
    npy_array_clear(&x);
    npy_array_clear(&y);
    return ret;
}

FL_DATASET_PLUGIN("npy", "NumPy .npy files or a .npz archive: x and y arrays, first axis the "
                         "samples; integer labels one-hot with `classes`",
                  npy_params, npy_opts, .load = npy_load);
