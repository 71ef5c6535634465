/* csv.c — the `csv` dataset: a table of numbers with a header row.
 *
 * The first non-blank line names the columns (trimmed; a name may be quoted, "" standing
 * for a quote inside it); `target` picks the target columns by name, the last column when
 * none is given, and every other column is an input, in file order.  Each further
 * non-blank line is a sample whose cells must all be finite numbers in C syntax
 * (g_ascii_strtod, so the decimal point does not depend on the locale); a classification
 * target is written as one-hot columns.  CRLF line endings, a UTF-8 byte-order mark and
 * blank lines are accepted; a carriage return inside a line (old Mac line endings) is not.
 *
 * Every refusal names the file, the 1-based line and the column, and says what to change,
 * because a data file is usually written by hand or by another program and the first run
 * is where its mistakes show.  The file is read in chunks and a line may not exceed 1 MiB,
 * so that pointing `path` at a large binary file fails at once instead of filling memory.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <flatline/plugin.h>

#define CSV_MAX_LINE ((size_t)1 << 20)
/* fuzz/local.mk builds the reader with a tiny chunk, so short inputs cross reads. */
#ifndef CSV_CHUNK
#define CSV_CHUNK 65536
#endif
/* The most values a table may hold, as for the generators: GArray lengths are 32-bit. */
#define CSV_MAX_FLOATS ((size_t)1 << 30)
/* How many column names an error lists before it abbreviates. */
#define CSV_MAX_LISTED 20

typedef struct csv_opts {
    char *path;
    char **target;
    fl_ints shape;
} csv_opts;

static const fl_param csv_params[] = {
    {"path", FL_PARAM_STRING, NULL, NULL, NULL,
     "CSV file with a header row; relative to the experiment file's directory",
     offsetof(csv_opts, path)},
    {"target", FL_PARAM_STRINGS, NULL, NULL, NULL,
     "target column name(s); default: the last column; all others are inputs",
     offsetof(csv_opts, target)},
    {"shape", FL_PARAM_INTS, "0", "[0, 16777216]", NULL,
     "one input sample's shape, e.g. [H, W, C] for images whose pixels a row holds "
     "channels last (Keras' reshape); 0: flat",
     offsetof(csv_opts, shape)},
    FL_PARAM_END};

/* Buffered line reader: the current line (without its end-of-line) in `line`. */
typedef struct csv_reader {
    const fl_host *host;
    const char *name; /* the file as the user wrote it, for messages */
    FILE *file;
    char buf[CSV_CHUNK];
    size_t pos, len;
    bool eof;
    GString *line;
    size_t line_no; /* of the line in `line`, from 1 */
} csv_reader;

/* Everything load() builds, released in one place on success and on failure. */
typedef struct csv_state {
    csv_reader *reader;
    char *full_path;
    GPtrArray *fields;   /* borrowed pointers into reader->line */
    GPtrArray *header;   /* owned column names */
    int *role;           /* per column: -1 input, else the index of the target */
    GArray *x, *y;       /* floats, row by row */
} csv_state;

static void csv_state_clear(csv_state *s)
{
    if (s->reader) {
        if (s->reader->file)
            fclose(s->reader->file);
        if (s->reader->line)
            g_string_free(s->reader->line, TRUE);
        g_free(s->reader);
    }
    g_free(s->full_path);
    if (s->fields)
        g_ptr_array_free(s->fields, TRUE);
    if (s->header)
        g_ptr_array_free(s->header, TRUE);
    g_free(s->role);
    if (s->x)
        g_array_free(s->x, TRUE);
    if (s->y)
        g_array_free(s->y, TRUE);
}

/* Read the next line into r->line.  Returns 1 for a line, 0 at the end of the file, -1 on
 * failure (explained through host->error). */
static int csv_read_line(csv_reader *r)
{
    g_string_truncate(r->line, 0);
    bool any = false;
    for (;;) {
        if (r->pos == r->len) {
            if (r->eof)
                break;
            r->len = fread(r->buf, 1, sizeof r->buf, r->file);
            r->pos = 0;
            if (r->len == 0) {
                if (ferror(r->file)) {
                    r->host->error(r->host, "%s: cannot read after line %zu: %s", r->name,
                                   r->line_no, g_strerror(errno));
                    return -1;
                }
                r->eof = true;
                break;
            }
        }
        any = true;
        const char *start = r->buf + r->pos;
        const char *nl = memchr(start, '\n', r->len - r->pos);
        size_t n = nl ? (size_t)(nl - start) : r->len - r->pos;
        if (r->line->len + n > CSV_MAX_LINE) {
            r->host->error(r->host, "%s: line %zu is longer than 1 MiB: is this a CSV file?",
                           r->name, r->line_no + 1);
            return -1;
        }
        g_string_append_len(r->line, start, (gssize)n);
        r->pos += n + (nl ? 1 : 0);
        if (nl)
            break;
    }
    if (!any)
        return 0;
    r->line_no++;
    if (r->line->len && r->line->str[r->line->len - 1] == '\r')
        g_string_truncate(r->line, r->line->len - 1);
    if (r->line_no == 1 && g_str_has_prefix(r->line->str, "\xEF\xBB\xBF"))
        g_string_erase(r->line, 0, 3);
    /* Spreadsheets save "Unicode text" as UTF-16: every other byte is NUL. */
    if (r->line_no == 1 && r->line->len >= 2 &&
        (memcmp(r->line->str, "\xFF\xFE", 2) == 0 ||
         memcmp(r->line->str, "\xFE\xFF", 2) == 0)) {
        r->host->error(r->host,
                       "%s is UTF-16 text (it starts with a UTF-16 byte-order mark); save it "
                       "as UTF-8 (in a spreadsheet: CSV UTF-8)",
                       r->name);
        return -1;
    }
    /* Classic Mac files end lines with a lone CR: the whole file would read as one line
     * and the refusal would be about something else. */
    if (memchr(r->line->str, '\r', r->line->len)) {
        r->host->error(r->host,
                       "%s:%zu: a carriage return (\\r) inside the line: the file seems to "
                       "use old Mac line endings; save it with LF or CRLF line endings",
                       r->name, r->line_no);
        return -1;
    }
    if (memchr(r->line->str, '\0', r->line->len)) {
        r->host->error(r->host, "%s:%zu: the line holds a NUL byte: is this a text file?",
                       r->name, r->line_no);
        return -1;
    }
    return 1;
}

static bool csv_is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

/* How a message names field k: by its header name once the header is known. */
static void csv_field_label(char *buf, size_t size, const GPtrArray *header, size_t k)
{
    if (header && k < header->len)
        g_snprintf(buf, size, "column '%s'", (const char *)g_ptr_array_index(header, k));
    else
        g_snprintf(buf, size, "column %zu", k + 1);
}

/* Split r->line at commas, in place, into s->fields: surrounding spaces trimmed, quotes
 * removed and "" turned into ".  header: the column names, or NULL while reading them. */
static int csv_split(csv_state *s, const GPtrArray *header)
{
    csv_reader *r = s->reader;
    char *p = r->line->str, *end = p + r->line->len;
    char label[256];
    g_ptr_array_set_size(s->fields, 0);
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        char *start, *field_end;
        if (p < end && *p == '"') {
            start = field_end = ++p;
            for (;;) {
                if (p == end) {
                    csv_field_label(label, sizeof label, header, s->fields->len);
                    r->host->error(r->host,
                                   "%s:%zu: %s: the quote that opens the field is never "
                                   "closed; close it (quotes cannot span lines)",
                                   r->name, r->line_no, label);
                    return -1;
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *field_end++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *field_end++ = *p++;
            }
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            if (p < end && *p != ',') {
                csv_field_label(label, sizeof label, header, s->fields->len);
                r->host->error(r->host,
                               "%s:%zu: %s: text after the closing quote; write a quote "
                               "inside a quoted field as \"\"",
                               r->name, r->line_no, label);
                return -1;
            }
        } else {
            start = p;
            while (p < end && *p != ',')
                p++;
            field_end = p;
            while (field_end > start && (field_end[-1] == ' ' || field_end[-1] == '\t'))
                field_end--;
        }
        bool more = p < end && *p == ',';
        *field_end = '\0';
        g_ptr_array_add(s->fields, start);
        if (!more)
            return 0;
        p++;
    }
}

/* Parse one non-empty cell; NULL on success, else why it is refused (a static string to
 * follow the quoted cell). */
static const char *csv_parse_cell(const char *cell, float *value)
{
    char *end;
    double d = g_ascii_strtod(cell, &end);
    if (end == cell || *end != '\0')
        return "is not a number; every cell must be a number (write a class as one-hot "
               "columns)";
    /* A number beyond the double range (1e999) parses as inf too: it is too large, not
     * "not finite" as written, so only the words nan and inf get that message. */
    const char *word = cell + (*cell == '+' || *cell == '-');
    if (isnan(d) || (isinf(d) && g_ascii_strncasecmp(word, "inf", 3) == 0))
        return "is not a finite number; replace it with a number or remove the row";
    if (!isfinite(d) || fabs(d) > FLT_MAX)
        return "is too large for a 32-bit float; rescale the column";
    *value = (float)d;
    return NULL;
}

/* " (did you mean 'x'?)" for the closest column name, or "" when none is close. */
static char *csv_suggest(const char *word, const GPtrArray *header)
{
    size_t len = strlen(word), limit = len / 3 < 1 ? 1 : (len / 3 > 3 ? 3 : len / 3);
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (guint k = 0; k < header->len; k++) {
        size_t d = fl_edit_distance(word, g_ptr_array_index(header, k));
        if (d < best_d) {
            best_d = d;
            best = g_ptr_array_index(header, k);
        }
    }
    return best ? g_strdup_printf(" (did you mean '%s'?)", best) : g_strdup("");
}

/* "'a', 'b', 'c'", abbreviated after CSV_MAX_LISTED names. */
static char *csv_list_columns(const GPtrArray *header)
{
    GString *s = g_string_new(NULL);
    for (guint k = 0; k < header->len && k < CSV_MAX_LISTED; k++)
        g_string_append_printf(s, "%s'%s'", k ? ", " : "",
                               (const char *)g_ptr_array_index(header, k));
    if (header->len > CSV_MAX_LISTED)
        g_string_append_printf(s, " and %u more", header->len - CSV_MAX_LISTED);
    return g_string_free(s, FALSE);
}

/* Read the header line into s->header.  Returns 0 or -1. */
static int csv_read_header(csv_state *s)
{
    csv_reader *r = s->reader;
    int got;
    while ((got = csv_read_line(r)) == 1 && csv_is_blank(r->line->str))
        ;
    if (got < 0)
        return -1;
    if (got == 0) {
        r->host->error(r->host,
                       "%s is empty: expected a header row naming the columns, then one row "
                       "of numbers per sample",
                       r->name);
        return -1;
    }
    if (csv_split(s, NULL) < 0)
        return -1;
    s->header = g_ptr_array_new_with_free_func(g_free);
    /* name -> 1-based column, to find repeated names in one pass over wide files */
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    int ret = 0;
    for (guint k = 0; k < s->fields->len; k++) {
        const char *name = g_ptr_array_index(s->fields, k);
        if (*name == '\0') {
            r->host->error(r->host,
                           "%s:%zu: column %u of the header has no name; the first row must "
                           "name every column",
                           r->name, r->line_no, k + 1);
            ret = -1;
            break;
        }
        guint first = GPOINTER_TO_UINT(g_hash_table_lookup(seen, name));
        if (first) {
            r->host->error(r->host,
                           "%s:%zu: column '%s' appears twice in the header (columns %u "
                           "and %u); give every column its own name",
                           r->name, r->line_no, name, first, k + 1);
            ret = -1;
            break;
        }
        char *copy = g_strdup(name);
        g_ptr_array_add(s->header, copy);
        g_hash_table_insert(seen, copy, GUINT_TO_POINTER(k + 1));
    }
    g_hash_table_destroy(seen);
    return ret;
}

/* Fill s->role from the target names; returns the number of targets, or -1. */
static long csv_resolve_targets(csv_state *s, char *const *target)
{
    csv_reader *r = s->reader;
    guint n_cols = s->header->len;
    s->role = g_new(int, n_cols);
    for (guint k = 0; k < n_cols; k++)
        s->role[k] = -1;
    bool none = target == NULL || target[0] == NULL || (target[0][0] == '\0' && !target[1]);
    if (none) {
        s->role[n_cols - 1] = 0;
    } else {
        for (int t = 0; target[t]; t++) {
            guint k = 0;
            while (k < n_cols && strcmp(target[t], g_ptr_array_index(s->header, k)) != 0)
                k++;
            if (k == n_cols) {
                char *list = csv_list_columns(s->header);
                char *hint = csv_suggest(target[t], s->header);
                r->host->error(r->host,
                               "%s: target column '%s' is not in the header%s; the columns "
                               "are %s",
                               r->name, target[t], hint, list);
                g_free(hint);
                g_free(list);
                return -1;
            }
            if (s->role[k] >= 0) {
                r->host->error(r->host,
                               "%s: target column '%s' is listed twice in `target`; name it "
                               "once",
                               r->name, target[t]);
                return -1;
            }
            s->role[k] = t;
        }
    }
    long n_out = 0;
    for (guint k = 0; k < n_cols; k++)
        n_out += s->role[k] >= 0;
    if ((guint)n_out == n_cols) {
        const char *first = g_ptr_array_index(s->header, 0);
        if (n_cols == 1 && (strchr(first, ';') || strchr(first, '\t')))
            r->host->error(r->host,
                           "%s: the header has a single column '%.60s%s', which is the "
                           "target, so no input is left; columns must be separated by commas",
                           r->name, first, strlen(first) > 60 ? "..." : "");
        else {
            char *list = csv_list_columns(s->header);
            r->host->error(r->host,
                           "%s: every column (%s) is a target, so no input is left; name fewer "
                           "columns in `target`",
                           r->name, list);
            g_free(list);
        }
        return -1;
    }
    return n_out;
}

/* Read every data row into s->x and s->y; returns the number of rows or -1. */
static long csv_read_rows(csv_state *s, size_t n_out)
{
    csv_reader *r = s->reader;
    guint n_cols = s->header->len;
    size_t header_line = r->line_no;
    float *ybuf = g_new(float, n_out);
    long n_rows = 0;
    int got;
    while ((got = csv_read_line(r)) == 1) {
        if (csv_is_blank(r->line->str))
            continue;
        if (csv_split(s, s->header) < 0)
            goto fail;
        if ((size_t)s->x->len + (size_t)s->y->len + n_cols > CSV_MAX_FLOATS) {
            r->host->error(r->host,
                           "%s:%zu: the table holds more than 2^30 values (4 GiB); use fewer "
                           "rows or columns",
                           r->name, r->line_no);
            goto fail;
        }
        if (s->fields->len < n_cols) {
            r->host->error(r->host,
                           "%s:%zu: column '%s' is missing: the row has %u fields but the "
                           "header names %u columns; complete the row or remove it",
                           r->name, r->line_no,
                           (const char *)g_ptr_array_index(s->header, s->fields->len),
                           s->fields->len, n_cols);
            goto fail;
        }
        if (s->fields->len > n_cols) {
            r->host->error(r->host,
                           "%s:%zu: the row has %u fields but the header names %u columns "
                           "(after column '%s'); remove the extra fields or name them in the "
                           "header",
                           r->name, r->line_no, s->fields->len, n_cols,
                           (const char *)g_ptr_array_index(s->header, n_cols - 1));
            goto fail;
        }
        for (guint k = 0; k < n_cols; k++) {
            const char *cell = g_ptr_array_index(s->fields, k);
            const char *column = g_ptr_array_index(s->header, k);
            if (*cell == '\0') {
                r->host->error(r->host,
                               "%s:%zu: column '%s': empty cell; fill it in or remove the row",
                               r->name, r->line_no, column);
                goto fail;
            }
            float v = 0.0f;
            const char *why = csv_parse_cell(cell, &v);
            if (why) {
                r->host->error(r->host, "%s:%zu: column '%s': \"%.40s%s\" %s", r->name,
                               r->line_no, column, cell, strlen(cell) > 40 ? "..." : "", why);
                goto fail;
            }
            if (s->role[k] < 0)
                g_array_append_val(s->x, v);
            else
                ybuf[s->role[k]] = v;
        }
        g_array_append_vals(s->y, ybuf, (guint)n_out);
        n_rows++;
    }
    if (got < 0)
        goto fail;
    if (n_rows == 0) {
        r->host->error(r->host,
                       "%s has a header (line %zu) but no data rows; add one row of numbers "
                       "per sample",
                       r->name, header_line);
        goto fail;
    }
    g_free(ybuf);
    return n_rows;
fail:
    g_free(ybuf);
    return -1;
}

static char **csv_copy_names(const fl_host *host, const GPtrArray *header, const int *role,
                             bool targets, size_t n)
{
    char **names = host->alloc(n * sizeof *names);
    if (!names)
        return NULL;
    size_t next = 0;
    for (guint k = 0; k < header->len; k++) {
        const char *name = g_ptr_array_index(header, k);
        if (targets && role[k] >= 0)
            names[role[k]] = host->strdup(name);
        else if (!targets && role[k] < 0)
            names[next++] = host->strdup(name);
    }
    return names;
}

/* The shape `shape` gives one sample of n_in inputs; rank 0 (flat) for `shape = 0`. */
static int csv_shape(const fl_host *host, const csv_opts *opts, size_t n_in, fl_shape *shape)
{
    const fl_ints *s = &opts->shape;
    *shape = (fl_shape){0};
    if (s->n == 1 && s->v[0] == 0)
        return 0;
    size_t count = 1;
    GString *text = g_string_new(NULL);
    for (int i = 0; i < s->n; i++) {
        count *= s->v[i] > 0 ? (size_t)s->v[i] : 0;
        g_string_append_printf(text, "%s%d", i ? ", " : "", s->v[i]);
    }
    if (s->n < 1 || s->n > FL_MAX_RANK || count != n_in) {
        host->error(host,
                    "%s: `shape = [%s]` holds %zu values but each row has %zu inputs; give "
                    "[H, W, C] with H*W*C = %zu (channels last), or drop `shape`",
                    opts->path, text->str, count, n_in, n_in);
        g_string_free(text, TRUE);
        return -1;
    }
    g_string_free(text, TRUE);
    shape->rank = (uint32_t)s->n;
    for (int i = 0; i < s->n; i++)
        shape->dims[i] = (uint32_t)s->v[i];
    return 0;
}

static int csv_load(const fl_host *host, const void *opts_, const char *base_dir,
                    uint64_t seed, fl_dataset *out)
{
    const csv_opts *opts = opts_;
    (void)seed;
    if (!opts->path || !*opts->path) {
        host->error(host, "`path` is empty; set it to the CSV file to read");
        return -1;
    }
    csv_state s = {0};
    int ret = -1;
    if (g_path_is_absolute(opts->path) || !base_dir || !*base_dir)
        s.full_path = g_strdup(opts->path);
    else
        s.full_path = g_build_filename(base_dir, opts->path, NULL);

    if (g_file_test(s.full_path, G_FILE_TEST_IS_DIR)) {
        host->error(host, "%s is a directory (%s), not a CSV file; set `path` to a file",
                    opts->path, s.full_path);
        goto out;
    }
    FILE *file = fopen(s.full_path, "rb");
    if (!file) {
        int err = errno;
        if (g_path_is_absolute(opts->path))
            host->error(host, "cannot open %s: %s", opts->path, g_strerror(err));
        else
            host->error(host,
                        "cannot open %s (looked for %s): %s; a relative `path` is read from "
                        "the experiment file's directory",
                        opts->path, s.full_path, g_strerror(err));
        goto out;
    }
    s.reader = g_new0(csv_reader, 1);
    s.reader->host = host;
    s.reader->name = opts->path;
    s.reader->file = file;
    s.reader->line = g_string_sized_new(256);
    s.fields = g_ptr_array_new();

    if (csv_read_header(&s) < 0)
        goto out;
    long n_out = csv_resolve_targets(&s, opts->target);
    if (n_out < 0)
        goto out;
    size_t n_in = s.header->len - (size_t)n_out;
    s.x = g_array_new(FALSE, FALSE, sizeof(float));
    s.y = g_array_new(FALSE, FALSE, sizeof(float));
    long n_rows = csv_read_rows(&s, (size_t)n_out);
    if (n_rows < 0)
        goto out;

    if (csv_shape(host, opts, n_in, &out->in_shape) < 0)
        goto out;
    out->n_samples = (size_t)n_rows;
    out->n_in = n_in;
    out->n_out = (size_t)n_out;
    out->x = host->alloc(s.x->len * sizeof(float));
    out->y = host->alloc(s.y->len * sizeof(float));
    out->in_names = csv_copy_names(host, s.header, s.role, false, n_in);
    out->out_names = csv_copy_names(host, s.header, s.role, true, (size_t)n_out);
    if (!out->x || !out->y || !out->in_names || !out->out_names) {
        host->error(host, "%s: cannot allocate %zu bytes for its %ld rows", opts->path,
                    (s.x->len + s.y->len) * sizeof(float), n_rows);
        for (size_t i = 0; out->in_names && i < n_in; i++)
            host->free(out->in_names[i]);
        for (size_t i = 0; out->out_names && i < (size_t)n_out; i++)
            host->free(out->out_names[i]);
        host->free(out->in_names);
        host->free(out->out_names);
        host->free(out->x);
        host->free(out->y);
        *out = (fl_dataset){.size = out->size};
        goto out;
    }
    memcpy(out->x, s.x->data, s.x->len * sizeof(float));
    memcpy(out->y, s.y->data, s.y->len * sizeof(float));
    ret = 0;
out:
    csv_state_clear(&s);
    return ret;
}

FL_DATASET_PLUGIN("csv", "a CSV file with a header row; target columns by name (default: the last)",
                  csv_params, csv_opts, .load = csv_load);
