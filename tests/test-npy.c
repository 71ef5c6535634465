/* test-npy.c — the `npy` dataset plugin: .npy files and .npz archives written here byte
 * by byte as np.save and np.savez write them, read back exactly; and one file per mistake
 * (wrong magic, Fortran order, object or big-endian dtype, structured arrays, truncated
 * data, headers that do not match their data, x and y of different lengths, labels out
 * of range, compressed archive members), each refused with a message naming the file and
 * the problem.  When python3 with NumPy is installed, files NumPy itself wrote are read
 * as a cross-check; without it that test is skipped.  An experiment on an .npz file runs
 * end to end through flatline. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include "testutil.h"

/* ---------------------------------------------------------------- writing NumPy files */

/* The bytes of a .npy file as np.save writes it (format 1.0, header padded to 64). */
static GByteArray *npy_image(const char *descr, gboolean fortran, const size_t *shape,
                             size_t rank, const void *data, size_t len)
{
    GString *h = g_string_new(NULL);
    g_string_append_printf(h, "{'descr': '%s', 'fortran_order': %s, 'shape': (", descr,
                           fortran ? "True" : "False");
    for (size_t i = 0; i < rank; i++)
        g_string_append_printf(h, "%zu,%s", shape[i], i + 1 < rank ? " " : "");
    if (rank > 1)
        g_string_truncate(h, h->len - 1); /* "(3, 4)" but "(3,)" */
    g_string_append(h, "), }");
    while ((10 + h->len + 1) % 64)
        g_string_append_c(h, ' ');
    g_string_append_c(h, '\n');
    GByteArray *b = g_byte_array_new();
    guint8 pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (guint8)(h->len & 0xFF),
                      (guint8)(h->len >> 8)};
    g_byte_array_append(b, pre, sizeof pre);
    g_byte_array_append(b, (const guint8 *)h->str, (guint)h->len);
    g_byte_array_append(b, data, (guint)len);
    g_string_free(h, TRUE);
    return b;
}

/* A .npy file made of a raw header text (for the malformed cases). */
static GByteArray *npy_raw(const char *header, const void *data, size_t len)
{
    GByteArray *b = g_byte_array_new();
    size_t n = strlen(header);
    guint8 pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (guint8)(n & 0xFF), (guint8)(n >> 8)};
    g_byte_array_append(b, pre, sizeof pre);
    g_byte_array_append(b, (const guint8 *)header, (guint)n);
    g_byte_array_append(b, data, (guint)len);
    return b;
}

static guint32 crc32_of(const guint8 *p, size_t n)
{
    guint32 c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void put16(GByteArray *b, guint32 v)
{
    guint8 x[2] = {(guint8)v, (guint8)(v >> 8)};
    g_byte_array_append(b, x, 2);
}

static void put32(GByteArray *b, guint32 v)
{
    put16(b, v & 0xFFFF);
    put16(b, v >> 16);
}

static void put64(GByteArray *b, guint64 v)
{
    put32(b, (guint32)v);
    put32(b, (guint32)(v >> 32));
}

typedef struct zip_member {
    const char *name;
    GByteArray *data;
    guint32 method; /* 0 stored; 8 claims deflate (the bytes are not really compressed) */
} zip_member;

/* A zip archive as Python's zipfile writes np.savez's: stored members whose local headers
 * carry a zip64 extra field (numpy opens each with force_zip64); when zip64_central, the
 * central directory gives the sizes and offset through a zip64 extra field too. */
static GByteArray *zip_image(const zip_member *m, size_t n, gboolean zip64_central)
{
    GByteArray *z = g_byte_array_new();
    guint32 *offsets = g_new(guint32, n);
    for (size_t i = 0; i < n; i++) {
        offsets[i] = z->len;
        guint32 crc = crc32_of(m[i].data->data, m[i].data->len);
        put32(z, 0x04034b50);
        put16(z, 45);
        put16(z, 0);
        put16(z, (guint16)m[i].method);
        put32(z, 0); /* time, date */
        put32(z, crc);
        put32(z, 0xFFFFFFFF);
        put32(z, 0xFFFFFFFF);
        put16(z, (guint16)strlen(m[i].name));
        put16(z, 20);
        g_byte_array_append(z, (const guint8 *)m[i].name, (guint)strlen(m[i].name));
        put16(z, 0x0001);
        put16(z, 16);
        put64(z, m[i].data->len);
        put64(z, m[i].data->len);
        g_byte_array_append(z, m[i].data->data, m[i].data->len);
    }
    guint32 cd = z->len;
    for (size_t i = 0; i < n; i++) {
        put32(z, 0x02014b50);
        put16(z, 45);
        put16(z, 45);
        put16(z, 0);
        put16(z, (guint16)m[i].method);
        put32(z, 0);
        put32(z, crc32_of(m[i].data->data, m[i].data->len));
        put32(z, zip64_central ? 0xFFFFFFFF : m[i].data->len);
        put32(z, zip64_central ? 0xFFFFFFFF : m[i].data->len);
        put16(z, (guint16)strlen(m[i].name));
        put16(z, zip64_central ? 28 : 0);
        put16(z, 0);
        put16(z, 0);
        put16(z, 0);
        put32(z, 0);
        put32(z, zip64_central ? 0xFFFFFFFF : offsets[i]);
        g_byte_array_append(z, (const guint8 *)m[i].name, (guint)strlen(m[i].name));
        if (zip64_central) {
            put16(z, 0x0001);
            put16(z, 24);
            put64(z, m[i].data->len);
            put64(z, m[i].data->len);
            put64(z, offsets[i]);
        }
    }
    guint32 cd_size = z->len - cd;
    put32(z, 0x06054b50);
    put16(z, 0);
    put16(z, 0);
    put16(z, (guint16)n);
    put16(z, (guint16)n);
    put32(z, cd_size);
    put32(z, cd);
    put16(z, 0);
    g_free(offsets);
    return z;
}

static void write_bytes(const char *dir, const char *name, GByteArray *b)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) err = NULL;
    g_file_set_contents(path, (const char *)b->data, b->len, &err);
    g_assert_no_error(err);
    g_byte_array_unref(b);
}

/* ---------------------------------------------------------------- loading */

static void dataset_clear(fl_dataset *ds)
{
    fl_host *host = tu_host();
    for (size_t i = 0; ds->in_names && i < ds->n_in; i++)
        host->free(ds->in_names[i]);
    for (size_t i = 0; ds->out_names && i < ds->n_out; i++)
        host->free(ds->out_names[i]);
    host->free(ds->in_names);
    host->free(ds->out_names);
    host->free(ds->x);
    host->free(ds->y);
    memset(ds, 0, sizeof *ds);
}

static int load(const char *const *kv, const char *dir, fl_dataset *ds, GError **error)
{
    fl_ref ref = tu_ref(FL_KIND_DATASET, "npy", kv);
    *ds = (fl_dataset){.size = sizeof *ds};
    fl_host *host = tu_host();
    host_clear_error(host);
    int rc = ref.plugin->ops.dataset->load(host, ref.opts, dir, 1, ds);
    if (rc < 0) {
        host_take_error(host, error, "dataset npy: ");
        /* A refusal leaves the dataset as it was handed over. */
        g_assert_true(ds->n_samples == 0 && ds->n_in == 0 && ds->n_out == 0 && !ds->x &&
                      !ds->y && !ds->in_names && !ds->out_names && ds->in_shape.rank == 0);
    }
    params_ref_clear(&ref);
    return rc;
}

static void load_ok(const char *const *kv, const char *dir, fl_dataset *ds)
{
    g_autoptr(GError) err = NULL;
    int rc = load(kv, dir, ds, &err);
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, 0);
}

static char *load_fail(const char *const *kv, const char *dir)
{
    g_autoptr(GError) err = NULL;
    fl_dataset ds;
    g_assert_cmpint(load(kv, dir, &ds, &err), <, 0);
    g_assert_nonnull(err);
    if (g_test_verbose())
        g_printerr("  %s\n", err->message);
    return g_strdup(err->message);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        g_error("expected \"%s\" in the message: %s", needle, haystack);
}

/* ---------------------------------------------------------------- good files */

/* float32 inputs, float64 targets: the values as written, flat, names x0.. and y0... */
static void test_npy_float(void)
{
    g_autofree char *dir = tu_tmpdir();
    float x[4 * 3];
    double y[4];
    for (size_t i = 0; i < G_N_ELEMENTS(x); i++)
        x[i] = (float)i * 0.25f - 1.5f;
    for (size_t i = 0; i < G_N_ELEMENTS(y); i++)
        y[i] = 1.0 / (double)(i + 3);
    write_bytes(dir, "x.npy", npy_image("<f4", FALSE, (size_t[]){4, 3}, 2, x, sizeof x));
    write_bytes(dir, "y.npy", npy_image("<f8", FALSE, (size_t[]){4}, 1, y, sizeof y));
    fl_dataset ds;
    load_ok((const char *const[]){"x=\"x.npy\"", "y=\"y.npy\"", NULL}, dir, &ds);
    g_assert_cmpuint(ds.n_samples, ==, 4);
    g_assert_cmpuint(ds.n_in, ==, 3);
    g_assert_cmpuint(ds.n_out, ==, 1);
    g_assert_cmpuint(ds.in_shape.rank, ==, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(x); i++)
        g_assert_cmpfloat(ds.x[i], ==, x[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(y); i++)
        g_assert_cmpfloat(ds.y[i], ==, (float)y[i]);
    g_assert_cmpstr(ds.in_names[2], ==, "x2");
    g_assert_cmpstr(ds.out_names[0], ==, "y0");
    dataset_clear(&ds);
    tu_rmtree(dir);
}

/* uint8 images (N, H, W, C) with int64 labels one-hot: the shape from the file. */
static void test_npy_images_one_hot(void)
{
    g_autofree char *dir = tu_tmpdir();
    enum { N = 5, H = 4, W = 3, C = 2 };
    guint8 x[N * H * W * C];
    gint64 labels[N] = {2, 0, 1, 2, 0};
    for (size_t i = 0; i < G_N_ELEMENTS(x); i++)
        x[i] = (guint8)(i * 37 % 256);
    write_bytes(dir, "x.npy", npy_image("|u1", FALSE, (size_t[]){N, H, W, C}, 4, x, sizeof x));
    write_bytes(dir, "y.npy", npy_image("<i8", FALSE, (size_t[]){N}, 1, labels, sizeof labels));
    fl_dataset ds;
    load_ok((const char *const[]){"x=\"x.npy\"", "y=\"y.npy\"", "classes=3", NULL}, dir, &ds);
    g_assert_cmpuint(ds.n_samples, ==, N);
    g_assert_cmpuint(ds.n_in, ==, H * W * C);
    g_assert_cmpuint(ds.n_out, ==, 3);
    g_assert_cmpuint(ds.in_shape.rank, ==, 3);
    g_assert_cmpuint(ds.in_shape.dims[0], ==, H);
    g_assert_cmpuint(ds.in_shape.dims[1], ==, W);
    g_assert_cmpuint(ds.in_shape.dims[2], ==, C);
    for (size_t i = 0; i < G_N_ELEMENTS(x); i++)
        g_assert_cmpfloat(ds.x[i], ==, (float)x[i]);
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < 3; k++)
            g_assert_cmpfloat(ds.y[i * 3 + k], ==, (gint64)k == labels[i] ? 1.0f : 0.0f);
    g_assert_cmpstr(ds.out_names[1], ==, "class1");
    dataset_clear(&ds);
    tu_rmtree(dir);
}

/* (N, H, W) read as the file says, or reshaped by `shape` into one channel; labels as
 * (N, 1) uint8 and the other integer types. */
static void test_npy_shape_key(void)
{
    g_autofree char *dir = tu_tmpdir();
    float x[3 * 2 * 2];
    for (size_t i = 0; i < G_N_ELEMENTS(x); i++)
        x[i] = (float)i;
    guint8 y8[3] = {1, 0, 1};
    gint32 y32[3] = {1, 0, 1};
    guint16 y16[3] = {1, 0, 1};
    write_bytes(dir, "x.npy", npy_image("<f4", FALSE, (size_t[]){3, 2, 2}, 3, x, sizeof x));
    write_bytes(dir, "y8.npy", npy_image("|u1", FALSE, (size_t[]){3, 1}, 2, y8, sizeof y8));
    write_bytes(dir, "y32.npy", npy_image("<i4", FALSE, (size_t[]){3}, 1, y32, sizeof y32));
    write_bytes(dir, "y16.npy", npy_image("<u2", FALSE, (size_t[]){3}, 1, y16, sizeof y16));
    fl_dataset ds;
    load_ok((const char *const[]){"x=\"x.npy\"", "y=\"y8.npy\"", NULL}, dir, &ds);
    g_assert_cmpuint(ds.in_shape.rank, ==, 2);
    g_assert_cmpuint(ds.n_out, ==, 1);
    g_assert_cmpfloat(ds.y[0], ==, 1.0f);
    dataset_clear(&ds);
    const char *labels[] = {"y=\"y8.npy\"", "y=\"y32.npy\"", "y=\"y16.npy\""};
    for (size_t f = 0; f < G_N_ELEMENTS(labels); f++) {
        load_ok((const char *const[]){"x=\"x.npy\"", labels[f], "classes=2", "shape=[2, 2, 1]",
                                      NULL},
                dir, &ds);
        g_assert_cmpuint(ds.in_shape.rank, ==, 3);
        g_assert_cmpuint(ds.in_shape.dims[2], ==, 1);
        g_assert_cmpuint(ds.n_out, ==, 2);
        const float want[] = {0, 1, 1, 0, 0, 1};
        for (size_t i = 0; i < 6; i++)
            g_assert_cmpfloat(ds.y[i], ==, want[i]);
        dataset_clear(&ds);
    }
    tu_rmtree(dir);
}

/* .npz: arrays by name with or without ".npy", central directories with and without
 * zip64 fields, a relative path from base_dir and an absolute one. */
static void test_npz(void)
{
    g_autofree char *dir = tu_tmpdir();
    g_autofree char *sub = g_build_filename(dir, "data", NULL);
    g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
    double x[6] = {1, 2, 3, 4, 5, 6};
    float y[3] = {0.5f, -0.5f, 2.0f};
    for (int z64 = 0; z64 < 2; z64++) {
        zip_member m[] = {
            {"y_train.npy", npy_image("<f4", FALSE, (size_t[]){3}, 1, y, sizeof y), 0},
            {"x_train.npy", npy_image("<f8", FALSE, (size_t[]){3, 2}, 2, x, sizeof x), 0},
        };
        write_bytes(sub, "d.npz", zip_image(m, 2, z64));
        for (size_t i = 0; i < G_N_ELEMENTS(m); i++)
            g_byte_array_unref(m[i].data);
        fl_dataset ds;
        load_ok((const char *const[]){"path=\"data/d.npz\"", "x=\"x_train\"",
                                      "y=\"y_train.npy\"", NULL},
                dir, &ds);
        g_assert_cmpuint(ds.n_samples, ==, 3);
        g_assert_cmpuint(ds.n_in, ==, 2);
        for (size_t i = 0; i < 6; i++)
            g_assert_cmpfloat(ds.x[i], ==, (float)x[i]);
        for (size_t i = 0; i < 3; i++)
            g_assert_cmpfloat(ds.y[i], ==, y[i]);
        dataset_clear(&ds);
    }
    g_autofree char *abs = g_strdup_printf("path=\"%s/data/d.npz\"", dir);
    fl_dataset ds;
    load_ok((const char *const[]){abs, "x=\"x_train\"", "y=\"y_train\"", NULL}, "/nonexistent",
            &ds);
    dataset_clear(&ds);
    tu_rmtree(dir);
}

/* ---------------------------------------------------------------- bad files */

typedef struct bad_case {
    const char *what;
    const char *const *kv;
    const char *want[3];
} bad_case;

static void test_npy_bad(void)
{
    g_autofree char *dir = tu_tmpdir();
    float x6[6] = {1, 2, 3, 4, 5, 6};
    float y3[3] = {0, 1, 0};
    float y2[2] = {0, 1};
    float nan6[6] = {1, 2, 3, NAN, 5, 6};
    double huge[3] = {1, 1e300, 1};
    gint64 labels[3] = {0, 3, 1};
    float frac[3] = {0, 0.5f, 1};
    write_bytes(dir, "x.npy", npy_image("<f4", FALSE, (size_t[]){3, 2}, 2, x6, sizeof x6));
    write_bytes(dir, "y.npy", npy_image("<f4", FALSE, (size_t[]){3}, 1, y3, sizeof y3));
    write_bytes(dir, "y2.npy", npy_image("<f4", FALSE, (size_t[]){2}, 1, y2, sizeof y2));
    write_bytes(dir, "nan.npy", npy_image("<f4", FALSE, (size_t[]){3, 2}, 2, nan6, sizeof nan6));
    write_bytes(dir, "huge.npy", npy_image("<f8", FALSE, (size_t[]){3}, 1, huge, sizeof huge));
    write_bytes(dir, "labels.npy", npy_image("<i8", FALSE, (size_t[]){3}, 1, labels, sizeof labels));
    write_bytes(dir, "frac.npy", npy_image("<f4", FALSE, (size_t[]){3}, 1, frac, sizeof frac));
    write_bytes(dir, "fortran.npy", npy_image("<f4", TRUE, (size_t[]){3, 2}, 2, x6, sizeof x6));
    write_bytes(dir, "object.npy", npy_image("|O", FALSE, (size_t[]){3}, 1, x6, 24));
    write_bytes(dir, "big.npy", npy_image(">f4", FALSE, (size_t[]){3, 2}, 2, x6, sizeof x6));
    write_bytes(dir, "half.npy", npy_image("<f2", FALSE, (size_t[]){3, 2}, 2, x6, 12));
    guint32 ucs4[9] = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'}; /* three "<U3" strings */
    write_bytes(dir, "str.npy", npy_image("<U3", FALSE, (size_t[]){3}, 1, ucs4, sizeof ucs4));
    write_bytes(dir, "truncated.npy", npy_image("<f4", FALSE, (size_t[]){3, 2}, 2, x6, 20));
    write_bytes(dir, "trailing.npy", npy_image("<f4", FALSE, (size_t[]){3, 1}, 2, x6, sizeof x6));
    write_bytes(dir, "scalar.npy", npy_image("<f4", FALSE, NULL, 0, x6, 4));
    write_bytes(dir, "none.npy", npy_image("<f4", FALSE, (size_t[]){0, 2}, 2, x6, 0));
    write_bytes(dir, "structured.npy",
                npy_raw("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }\n",
                        x6, 12));
    write_bytes(dir, "syntax.npy",
                npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2 }\n", x6, 24));
    write_bytes(dir, "nokey.npy", npy_raw("{'descr': '<f4', 'shape': (3, 2), }\n", x6, 24));
    write_bytes(dir, "extrakey.npy",
                npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), 'v': 1}\n",
                        x6, 24));
    GByteArray *longhdr = npy_image("<f4", FALSE, (size_t[]){3, 2}, 2, x6, sizeof x6);
    longhdr->data[8] = 0xFF; /* header length beyond the end of the file */
    write_bytes(dir, "longhdr.npy", longhdr);
    GByteArray *v9 = npy_image("<f4", FALSE, (size_t[]){3, 2}, 2, x6, sizeof x6);
    v9->data[6] = 9;
    write_bytes(dir, "v9.npy", v9);
    g_autofree char *csv = g_build_filename(dir, "x.csv", NULL);
    g_assert_true(g_file_set_contents(csv, "a,b\n1,2\n", -1, NULL));
    g_autofree char *empty = g_build_filename(dir, "empty.npy", NULL);
    g_assert_true(g_file_set_contents(empty, "", 0, NULL));
    zip_member m[] = {
        {"x.npy", npy_image("<f4", FALSE, (size_t[]){3, 2}, 2, x6, sizeof x6), 0},
        {"y.npy", npy_image("<f4", FALSE, (size_t[]){3}, 1, y3, sizeof y3), 8},
    };
    write_bytes(dir, "d.npz", zip_image(m, 2, FALSE));
    GByteArray *cut = zip_image(m, 2, FALSE);
    g_byte_array_set_size(cut, cut->len / 2);
    write_bytes(dir, "cut.npz", cut);
    for (size_t i = 0; i < G_N_ELEMENTS(m); i++)
        g_byte_array_unref(m[i].data);

#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})
    const bad_case cases[] = {
        {"not npy", KV("x=\"x.csv\"", "y=\"y.npy\""), {"x.csv is not a .npy file", "np.save"}},
        {"empty", KV("x=\"empty.npy\"", "y=\"y.npy\""), {"empty.npy is empty"}},
        {"missing", KV("x=\"nope.npy\"", "y=\"y.npy\""), {"cannot open nope.npy", "looked for"}},
        {"directory", KV("x=\".\"", "y=\"y.npy\""), {"is a directory"}},
        {"fortran", KV("x=\"fortran.npy\"", "y=\"y.npy\""),
         {"fortran.npy is in Fortran", "C order", "ascontiguousarray"}},
        {"object", KV("x=\"object.npy\"", "y=\"y.npy\""), {"object.npy: dtype '|O'", "Python objects"}},
        {"big-endian", KV("x=\"big.npy\"", "y=\"y.npy\""), {"big.npy: dtype '>f4'", "big-endian"}},
        {"half", KV("x=\"half.npy\"", "y=\"y.npy\""), {"half.npy: dtype '<f2'", "float32"}},
        {"strings", KV("x=\"str.npy\"", "y=\"y.npy\""), {"str.npy: dtype '<U3'", "strings"}},
        {"structured", KV("x=\"structured.npy\"", "y=\"y.npy\""), {"structured.npy", "structured"}},
        {"syntax", KV("x=\"syntax.npy\"", "y=\"y.npy\""), {"syntax.npy: the header is not"}},
        {"no key", KV("x=\"nokey.npy\"", "y=\"y.npy\""), {"nokey.npy: the header is not"}},
        {"extra key", KV("x=\"extrakey.npy\"", "y=\"y.npy\""), {"extrakey.npy", "key 'v'"}},
        {"long header", KV("x=\"longhdr.npy\"", "y=\"y.npy\""), {"longhdr.npy is truncated", "header"}},
        {"version", KV("x=\"v9.npy\"", "y=\"y.npy\""), {"v9.npy", "version 9.0"}},
        {"truncated", KV("x=\"truncated.npy\"", "y=\"y.npy\""),
         {"truncated.npy is truncated", "(3, 2)", "24 bytes of data"}},
        {"trailing", KV("x=\"trailing.npy\"", "y=\"y.npy\""),
         {"trailing.npy does not match its header", "(3, 1)", "24 bytes follow"}},
        {"scalar", KV("x=\"scalar.npy\"", "y=\"y.npy\""), {"scalar.npy holds a single number"}},
        {"no samples", KV("x=\"none.npy\"", "y=\"y.npy\""), {"none.npy holds no samples"}},
        {"lengths", KV("x=\"x.npy\"", "y=\"y2.npy\""),
         {"x.npy has 3 samples (shape (3, 2))", "y2.npy has 2", "(2,)"}},
        {"nan", KV("x=\"nan.npy\"", "y=\"y.npy\""), {"nan.npy: sample 1, value 1", "not a finite"}},
        {"huge", KV("x=\"x.npy\"", "y=\"huge.npy\""), {"huge.npy: sample 1", "too large"}},
        {"label range", KV("x=\"x.npy\"", "y=\"labels.npy\"", "classes=3"),
         {"labels.npy: sample 1", "label 3", "[0, 3)"}},
        {"label fraction", KV("x=\"x.npy\"", "y=\"frac.npy\"", "classes=2"),
         {"frac.npy: sample 1", "label 0.5"}},
        {"one-hot labels", KV("x=\"x.npy\"", "y=\"x.npy\"", "classes=2"),
         {"x.npy: `classes = 2`", "one integer label", "(3, 2)"}},
        {"shape key", KV("x=\"x.npy\"", "y=\"y.npy\"", "shape=[3, 1, 1]"),
         {"x.npy: `shape = [3, 1, 1]` holds 3 values", "(3, 2) array have 2"}},
        {"npz as npy", KV("x=\"d.npz\"", "y=\"y.npy\""), {"d.npz is a .npz", "`path`"}},
        {"npy as npz", KV("path=\"x.npy\"", "x=\"x\"", "y=\"y\""), {"x.npy is a .npy file", "`path` empty"}},
        {"no member", KV("path=\"d.npz\"", "x=\"x_train\"", "y=\"y\""),
         {"d.npz has no array 'x_train'", "'x', 'y'"}},
        {"compressed", KV("path=\"d.npz\"", "x=\"x\"", "y=\"y\""),
         {"d.npz: array 'y' is compressed", "np.savez"}},
        {"cut archive", KV("path=\"cut.npz\"", "x=\"x\"", "y=\"y\""), {"cut.npz", "truncated"}},
        {"member bad", KV("path=\"d.npz\"", "x=\"x\"", "y=\"x\"", "classes=2"),
         {"d.npz: array 'x': `classes = 2`"}},
    };
#undef KV
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (g_test_verbose())
            g_printerr("%s:\n", cases[i].what);
        g_autofree char *msg = load_fail(cases[i].kv, dir);
        for (size_t k = 0; k < G_N_ELEMENTS(cases[i].want) && cases[i].want[k]; k++)
            assert_contains(msg, cases[i].want[k]);
    }
    tu_rmtree(dir);
}

/* ---------------------------------------------------------------- NumPy itself */

/* Files np.save and np.savez wrote, when python3 has NumPy; skipped otherwise. */
static void test_numpy_cross_check(void)
{
    /* The python3 first in PATH (a virtualenv's, say), else the system's, which is where
     * Debian's python3-numpy is. */
    g_autofree char *first = g_find_program_in_path("python3");
    const char *candidates[] = {first, "/usr/bin/python3"};
    const char *python = NULL;
    g_autofree char *out = NULL, *err = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(candidates) && !python; i++) {
        const char *probe[] = {candidates[i], "-c", "import numpy", NULL};
        if (candidates[i] && g_file_test(candidates[i], G_FILE_TEST_IS_EXECUTABLE) &&
            tu_run(probe, NULL, &out, &err) == 0)
            python = candidates[i];
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
    }
    if (!python) {
        g_test_skip("python3 with numpy is not installed");
        return;
    }
    g_autofree char *dir = tu_tmpdir();
    const char *script =
        "import numpy as np\n"
        "x = (np.arange(2 * 5 * 4 * 3) * 7 % 256).astype(np.uint8).reshape(2 * 5, 2, 3, 2)\n"
        "y = (np.arange(10) % 3)\n"
        "np.save('x.npy', x); np.save('y.npy', y)\n"
        "np.save('xf.npy', np.linspace(-1, 1, 30, dtype=np.float32).reshape(10, 3))\n"
        "np.save('xt.npy', np.asfortranarray(np.ones((10, 3))))\n"
        "np.savez('d.npz', x_train=x, y_train=y)\n"
        "np.savez_compressed('c.npz', x_train=x, y_train=y)\n";
    const char *argv[] = {python, "-c", script, NULL};
    g_assert_cmpint(tu_run(argv, dir, &out, &err), ==, 0);
    fl_dataset ds;
    const char *const *forms[] = {
        (const char *const[]){"x=\"x.npy\"", "y=\"y.npy\"", "classes=3", NULL},
        (const char *const[]){"path=\"d.npz\"", "x=\"x_train\"", "y=\"y_train\"", "classes=3",
                              NULL},
    };
    for (size_t f = 0; f < G_N_ELEMENTS(forms); f++) {
        load_ok(forms[f], dir, &ds);
        g_assert_cmpuint(ds.n_samples, ==, 10);
        g_assert_cmpuint(ds.in_shape.rank, ==, 3);
        g_assert_cmpuint(ds.n_in, ==, 12);
        for (size_t i = 0; i < 120; i++)
            g_assert_cmpfloat(ds.x[i], ==, (float)(i * 7 % 256));
        for (size_t i = 0; i < 10; i++)
            for (size_t k = 0; k < 3; k++)
                g_assert_cmpfloat(ds.y[i * 3 + k], ==, k == i % 3 ? 1.0f : 0.0f);
        dataset_clear(&ds);
    }
    load_ok((const char *const[]){"x=\"xf.npy\"", "y=\"y.npy\"", NULL}, dir, &ds);
    g_assert_cmpfloat(ds.x[0], ==, -1.0f);
    g_assert_cmpfloat(ds.x[29], ==, 1.0f);
    dataset_clear(&ds);
    g_autofree char *msg = load_fail(
        (const char *const[]){"path=\"c.npz\"", "x=\"x_train\"", "y=\"y_train\"", NULL}, dir);
    assert_contains(msg, "compressed");
    g_autofree char *fortran =
        load_fail((const char *const[]){"x=\"xt.npy\"", "y=\"y.npy\"", NULL}, dir);
    assert_contains(fortran, "Fortran");
    tu_rmtree(dir);
}

/* ---------------------------------------------------------------- end to end */

/* An experiment reading an .npz archive trains through flatline. */
static void test_npz_experiment(void)
{
    g_autofree char *dir = tu_tmpdir();
    enum { N = 40, H = 4, W = 4 };
    float x[N * H * W];
    guint8 labels[N];
    for (size_t i = 0; i < N; i++) {
        labels[i] = (guint8)(i % 2);
        for (size_t p = 0; p < H * W; p++)
            x[i * H * W + p] = labels[i] ? (float)(p % W) / W : (float)(p / W) / H;
    }
    zip_member m[] = {
        {"images.npy", npy_image("<f4", FALSE, (size_t[]){N, H, W}, 3, x, sizeof x), 0},
        {"labels.npy", npy_image("|u1", FALSE, (size_t[]){N}, 1, labels, sizeof labels), 0},
    };
    write_bytes(dir, "d.npz", zip_image(m, 2, FALSE));
    for (size_t i = 0; i < G_N_ELEMENTS(m); i++)
        g_byte_array_unref(m[i].data);
    g_autofree char *cfg = g_build_filename(dir, "npz.cfg", NULL);
    g_assert_true(g_file_set_contents(
        cfg,
        "name = \"npz\";\nseed = 1;\n"
        "dataset = { plugin = \"npy\"; path = \"d.npz\"; x = \"images\"; y = \"labels\"; "
        "classes = 2; shape = [4, 4, 1]; validation = 0.25; };\n"
        "model = (\n"
        "  { name = \"c1\"; layer = \"conv2d\"; filters = 2; kernel = 3; activation = \"relu\"; },\n"
        "  { name = \"flat\"; layer = \"flatten\"; },\n"
        "  { name = \"out\"; units = 2; activation = \"softmax\"; }\n);\n"
        "loss = \"cce\";\noptimizer = { plugin = \"adam\"; lr = 0.01; };\n"
        "train = { epochs = 3; batch = 10; };\n",
        -1, NULL));
    g_autofree char *outdir = g_build_filename(dir, "out", NULL);
    const char *argv[] = {tu_flatline(), "run", cfg, "-o", outdir, "--no-verify", "--quiet", NULL};
    g_autofree char *out = NULL, *err = NULL;
    int rc = tu_run(argv, dir, &out, &err);
    if (rc != 0)
        g_error("flatline run failed (%d): %s%s", rc, out, err);
    tu_rmtree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/npy/float", test_npy_float);
    g_test_add_func("/npy/images-one-hot", test_npy_images_one_hot);
    g_test_add_func("/npy/shape-key", test_npy_shape_key);
    g_test_add_func("/npy/npz", test_npz);
    g_test_add_func("/npy/bad", test_npy_bad);
    g_test_add_func("/npy/numpy-cross-check", test_numpy_cross_check);
    g_test_add_func("/npy/npz-experiment", test_npz_experiment);
    return g_test_run();
}
