/* safetensors.c: a byte-deterministic safetensors writer and a reader that
 * validates everything before trusting it. */
#include "safetensors.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"
#include "json.h"

#define MAX_HEADER_LEN 100000000u /* the reference implementation's limit */

static const struct { const char *name; size_t size; } dtypes[] = {
    [SEQ_F32] = {"F32", 4}, [SEQ_F64] = {"F64", 8}, [SEQ_I32] = {"I32", 4},
    [SEQ_I64] = {"I64", 8}, [SEQ_U8] = {"U8", 1},
};
#define N_DTYPES (sizeof dtypes / sizeof dtypes[0])

size_t seq_dtype_size(seq_dtype t)
{
    return (unsigned)t < N_DTYPES ? dtypes[t].size : 0;
}

const char *seq_dtype_name(seq_dtype t)
{
    return (unsigned)t < N_DTYPES ? dtypes[t].name : "?";
}

/* Bytes of a tensor with non-negative dimensions; -1 if that overflows
 * int64 (offsets are written as JSON integers). Like the reference, a zero
 * dimension does not excuse an overflowing product before it. */
static int tensor_bytes(seq_dtype dtype, int rank, const int64_t *shape, uint64_t *bytes)
{
    uint64_t n = seq_dtype_size(dtype);
    for (int i = 0; i < rank; i++) {
        uint64_t d = (uint64_t)shape[i];
        if (d != 0 && n > (uint64_t)INT64_MAX / d)
            return -1;
        n *= d;
    }
    *bytes = n;
    return 0;
}

/* "[2, 3]" as in the error messages. */
static void format_shape(char *out, size_t size, int rank, const int64_t *shape)
{
    size_t n = (size_t)snprintf(out, size, "[");
    for (int i = 0; i < rank && n < size; i++)
        n += (size_t)snprintf(out + n, size - n, "%s%" PRId64, i ? ", " : "", shape[i]);
    if (n < size)
        snprintf(out + n, size - n, "]");
}

void seq_st_init(seq_st *st)
{
    memset(st, 0, sizeof *st);
}

void seq_st_free(seq_st *st)
{
    for (size_t i = 0; i < st->n_tensors; i++)
        free(st->tensors[i].name);
    for (size_t i = 0; i < st->n_meta; i++) {
        free(st->meta[i].key);
        free(st->meta[i].value);
    }
    free(st->tensors);
    free(st->meta);
    free(st->image);
    seq_st_init(st);
}

const seq_st_tensor *seq_st_find(const seq_st *st, const char *name)
{
    for (size_t i = 0; i < st->n_tensors; i++)
        if (strcmp(st->tensors[i].name, name) == 0)
            return &st->tensors[i];
    return NULL;
}

const char *seq_st_get_meta(const seq_st *st, const char *key)
{
    for (size_t i = 0; i < st->n_meta; i++)
        if (strcmp(st->meta[i].key, key) == 0)
            return st->meta[i].value;
    return NULL;
}

static seq_st_tensor *new_tensor(seq_st *st)
{
    if (st->n_tensors == st->cap_tensors) {
        st->cap_tensors = st->cap_tensors ? 2 * st->cap_tensors : 16;
        st->tensors = seq_xrealloc(st->tensors, st->cap_tensors * sizeof *st->tensors);
    }
    seq_st_tensor *t = &st->tensors[st->n_tensors++];
    memset(t, 0, sizeof *t);
    return t;
}

static void add_meta(seq_st *st, const char *key, const char *value)
{
    if (st->n_meta == st->cap_meta) {
        st->cap_meta = st->cap_meta ? 2 * st->cap_meta : 8;
        st->meta = seq_xrealloc(st->meta, st->cap_meta * sizeof *st->meta);
    }
    st->meta[st->n_meta].key = seq_xstrdup(key);
    st->meta[st->n_meta].value = seq_xstrdup(value);
    st->n_meta++;
}

/* Writers are internal, so a bad tensor here is a bug, not bad input. */
void seq_st_add(seq_st *st, const char *name, seq_dtype dtype, int rank,
                const int64_t *shape, const void *data)
{
    uint64_t nbytes;
    if (strcmp(name, "__metadata__") == 0)
        seq_die("safetensors: \"__metadata__\" cannot be a tensor name");
    if (seq_st_find(st, name))
        seq_die("safetensors: tensor \"%s\" added twice", name);
    if ((unsigned)dtype >= N_DTYPES)
        seq_die("safetensors: tensor \"%s\": unknown dtype %d", name, (int)dtype);
    if (rank < 0 || rank > SEQ_ST_MAX_RANK)
        seq_die("safetensors: tensor \"%s\": rank %d (expected 0 to %d)", name, rank,
                SEQ_ST_MAX_RANK);
    for (int i = 0; i < rank; i++)
        if (shape[i] < 0)
            seq_die("safetensors: tensor \"%s\": dimension %d is negative (%" PRId64 ")",
                    name, i, shape[i]);
    if (tensor_bytes(dtype, rank, shape, &nbytes) || nbytes > SIZE_MAX)
        seq_die("safetensors: tensor \"%s\": size overflows", name);
    if (!data && nbytes)
        seq_die("safetensors: tensor \"%s\": no data", name);
    seq_st_tensor *t = new_tensor(st);
    t->name = seq_xstrdup(name);
    t->dtype = dtype;
    t->rank = rank;
    for (int i = 0; i < rank; i++)
        t->shape[i] = shape[i];
    t->data = data;
    t->nbytes = (size_t)nbytes;
}

void seq_st_set_meta(seq_st *st, const char *key, const char *value)
{
    for (size_t i = 0; i < st->n_meta; i++)
        if (strcmp(st->meta[i].key, key) == 0) {
            free(st->meta[i].value);
            st->meta[i].value = seq_xstrdup(value);
            return;
        }
    add_meta(st, key, value);
}

/* The header as the reference writes it: no spaces, metadata first,
 * consecutive offsets, space padding to a multiple of 8 bytes. */
void seq_st_serialize(const seq_st *st, seq_buf *out)
{
    seq_buf h = {0};
    size_t offset = 0;
    seq_buf_puts(&h, "{");
    if (st->n_meta) {
        seq_buf_puts(&h, "\"__metadata__\":{");
        for (size_t i = 0; i < st->n_meta; i++) {
            if (i)
                seq_buf_puts(&h, ",");
            seq_json_put_string(&h, st->meta[i].key);
            seq_buf_puts(&h, ":");
            seq_json_put_string(&h, st->meta[i].value);
        }
        seq_buf_puts(&h, "}");
    }
    for (size_t i = 0; i < st->n_tensors; i++) {
        const seq_st_tensor *t = &st->tensors[i];
        if (i || st->n_meta)
            seq_buf_puts(&h, ",");
        seq_json_put_string(&h, t->name);
        seq_buf_printf(&h, ":{\"dtype\":\"%s\",\"shape\":[", seq_dtype_name(t->dtype));
        for (int d = 0; d < t->rank; d++)
            seq_buf_printf(&h, "%s%" PRId64, d ? "," : "", t->shape[d]);
        seq_buf_printf(&h, "],\"data_offsets\":[%zu,%zu]}", offset, offset + t->nbytes);
        offset += t->nbytes;
    }
    seq_buf_puts(&h, "}");
    while (h.len % 8)
        seq_buf_puts(&h, " ");

    unsigned char len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)h.len >> (8 * i));
    seq_buf_reserve(out, 8 + h.len + offset);
    seq_buf_add(out, len8, 8);
    seq_buf_add(out, h.data, h.len);
    for (size_t i = 0; i < st->n_tensors; i++)
        seq_buf_add(out, st->tensors[i].data, st->tensors[i].nbytes);
    seq_buf_free(&h);
}

int seq_st_write(const seq_st *st, const char *path, seq_err *err)
{
    seq_buf b = {0};
    seq_st_serialize(st, &b);
    int rc = seq_write_file_atomic(path, b.data, b.len, err);
    seq_buf_free(&b);
    return rc;
}

/* ---- reader ---- */

static const char *kind_name(seq_json_kind k)
{
    static const char *const names[] = {
        [SEQ_JSON_NULL] = "null", [SEQ_JSON_BOOL] = "a boolean",
        [SEQ_JSON_NUMBER] = "a number", [SEQ_JSON_STRING] = "a string",
        [SEQ_JSON_ARRAY] = "an array", [SEQ_JSON_OBJECT] = "an object",
    };
    return names[k];
}

/* S quoted and escaped for a message; hostile names are cut short. */
static void quote(char *out, size_t size, const char *s)
{
    enum { MAX_SHOWN = 200 };
    seq_buf b = {0};
    size_t n = strlen(s);
    if (n > MAX_SHOWN) {
        char *head = seq_xstrndup(s, MAX_SHOWN);
        seq_json_put_string(&b, head);
        seq_buf_puts(&b, "...");
        free(head);
    } else
        seq_json_put_string(&b, s);
    snprintf(out, size, "%s", b.data);
    seq_buf_free(&b);
}

/* What the reader checks a header against. */
typedef struct reader {
    seq_st *st;
    const char *file;
    const char *data; /* the data section, after the header */
    size_t data_len;
    seq_err *err;
} reader;

static int tensor_fail(const reader *r, const char *name, const char *fmt, ...) SEQ_PRINTF(3, 4);

static int tensor_fail(const reader *r, const char *name, const char *fmt, ...)
{
    char q[256], what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    quote(q, sizeof q, name);
    return seq_fail(r->err, "%s: tensor %s: %s", r->file, q, what);
}

/* A JSON integer >= 0, as the shapes and offsets must be. */
static int is_count(const seq_json *v)
{
    return v->kind == SEQ_JSON_NUMBER && v->is_integer && v->integer >= 0;
}

static int load_meta(const reader *r, const seq_json *v)
{
    char q[256];
    if (v->kind != SEQ_JSON_OBJECT)
        return seq_fail(r->err, "%s: \"__metadata__\" must be an object of strings, found %s",
                        r->file, kind_name(v->kind));
    for (size_t i = 0; i < v->len; i++) {
        const seq_json *value = &v->items[i];
        quote(q, sizeof q, v->keys[i]);
        if (value->kind != SEQ_JSON_STRING)
            return seq_fail(r->err, "%s: __metadata__ %s must be a string, found %s",
                            r->file, q, kind_name(value->kind));
        if (strlen(value->string) != value->len)
            return seq_fail(r->err, "%s: __metadata__ %s contains \\u0000 (not supported)",
                            r->file, q);
        add_meta(r->st, v->keys[i], value->string);
    }
    return 0;
}

enum { DTYPE, SHAPE, OFFSETS, N_FIELDS };

/* Finds tensor NAME's fields (indexed as above), each exactly once. */
static int get_fields(const reader *r, const char *name, const seq_json *v,
                      const seq_json *field[N_FIELDS])
{
    static const char *const names[N_FIELDS] = {"dtype", "shape", "data_offsets"};
    char q[256];
    if (v->kind != SEQ_JSON_OBJECT)
        return tensor_fail(r, name, "expected an object with dtype, shape and data_offsets, "
                           "found %s", kind_name(v->kind));
    for (size_t i = 0; i < v->len; i++) {
        size_t k = 0;
        while (k < N_FIELDS && strcmp(v->keys[i], names[k]) != 0)
            k++;
        if (k == N_FIELDS) {
            quote(q, sizeof q, v->keys[i]);
            return tensor_fail(r, name, "unexpected field %s (expected dtype, shape and "
                               "data_offsets)", q);
        }
        if (field[k])
            return tensor_fail(r, name, "field \"%s\" appears twice", names[k]);
        field[k] = &v->items[i];
    }
    for (size_t k = 0; k < N_FIELDS; k++)
        if (!field[k])
            return tensor_fail(r, name, "missing field \"%s\"", names[k]);
    return 0;
}

static int load_tensor(const reader *r, const char *name, const seq_json *v)
{
    const seq_json *field[N_FIELDS] = {NULL, NULL, NULL};
    size_t d = 0;
    int64_t shape[SEQ_ST_MAX_RANK];
    char q[256], shape_text[256];
    uint64_t nbytes;

    if (get_fields(r, name, v, field))
        return -1;
    const seq_json *dtype_name = field[DTYPE], *dims = field[SHAPE], *offsets = field[OFFSETS];
    if (dtype_name->kind != SEQ_JSON_STRING)
        return tensor_fail(r, name, "dtype must be a string, found %s",
                           kind_name(dtype_name->kind));
    while (d < N_DTYPES && strcmp(dtype_name->string, dtypes[d].name) != 0)
        d++;
    if (d == N_DTYPES) {
        quote(q, sizeof q, dtype_name->string);
        return tensor_fail(r, name, "unknown dtype %s (supported: F32, F64, I32, I64, U8)", q);
    }
    seq_dtype dtype = (seq_dtype)d;

    if (dims->kind != SEQ_JSON_ARRAY)
        return tensor_fail(r, name, "shape must be an array, found %s", kind_name(dims->kind));
    if (dims->len > SEQ_ST_MAX_RANK)
        return tensor_fail(r, name, "shape has rank %zu (at most %d supported)", dims->len,
                           SEQ_ST_MAX_RANK);
    int rank = (int)dims->len;
    for (int i = 0; i < rank; i++) {
        if (!is_count(&dims->items[i]))
            return tensor_fail(r, name, "shape element %d is not a non-negative integer", i);
        shape[i] = dims->items[i].integer;
    }
    format_shape(shape_text, sizeof shape_text, rank, shape);
    if (tensor_bytes(dtype, rank, shape, &nbytes))
        return tensor_fail(r, name, "shape %s of %s is too large", shape_text, dtypes[dtype].name);

    if (offsets->kind != SEQ_JSON_ARRAY || offsets->len != 2 ||
        !is_count(&offsets->items[0]) || !is_count(&offsets->items[1]))
        return tensor_fail(r, name, "data_offsets must be [begin, end], two non-negative "
                           "integers");
    uint64_t begin = (uint64_t)offsets->items[0].integer;
    uint64_t end = (uint64_t)offsets->items[1].integer;
    if (end < begin)
        return tensor_fail(r, name, "data_offsets [%" PRIu64 ", %" PRIu64 "] end before they "
                           "begin", begin, end);
    if (end - begin != nbytes)
        return tensor_fail(r, name, "data_offsets [%" PRIu64 ", %" PRIu64 "] do not match "
                           "shape %s of %s (%" PRIu64 " bytes)", begin, end, shape_text,
                           dtypes[dtype].name, nbytes);
    if (end > r->data_len)
        return tensor_fail(r, name, "data_offsets [%" PRIu64 ", %" PRIu64 "] reach past the "
                           "end of the data section (%zu bytes; truncated file?)", begin, end,
                           r->data_len);

    seq_st_tensor *t = new_tensor(r->st);
    t->name = seq_xstrdup(name);
    t->dtype = dtype;
    t->rank = rank;
    memcpy(t->shape, shape, (size_t)rank * sizeof shape[0]);
    t->data = r->data + begin;
    t->nbytes = (size_t)nbytes;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A name that occurs twice in NAMES[0..n) (sorted in place), or NULL. */
static const char *find_duplicate(const char **names, size_t n)
{
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            return names[i];
    return NULL;
}

static int by_offset(const void *a, const void *b)
{
    const seq_st_tensor *x = *(const seq_st_tensor *const *)a;
    const seq_st_tensor *y = *(const seq_st_tensor *const *)b;
    const char *px = x->data, *py = y->data;
    if (px != py)
        return px < py ? -1 : 1;
    if (x->nbytes != y->nbytes)
        return x->nbytes < y->nbytes ? -1 : 1;
    return (x > y) - (x < y);
}

/* The tensors must tile the data section exactly: no overlap, no gap. */
static int check_layout(const reader *r)
{
    const seq_st *st = r->st;
    const seq_st_tensor **order = seq_xmalloc(st->n_tensors * sizeof *order);
    const seq_st_tensor *prev = NULL;
    size_t covered = 0;
    char qa[256], qb[256];
    int rc = 0;
    for (size_t i = 0; i < st->n_tensors; i++)
        order[i] = &st->tensors[i];
    qsort(order, st->n_tensors, sizeof *order, by_offset);
    for (size_t i = 0; i < st->n_tensors && rc == 0; i++) {
        const seq_st_tensor *t = order[i];
        size_t begin = (size_t)((const char *)t->data - r->data);
        if (begin < covered) {
            quote(qa, sizeof qa, prev->name);
            quote(qb, sizeof qb, t->name);
            rc = seq_fail(r->err, "%s: tensors %s (data_offsets [%zu, %zu]) and %s "
                          "(data_offsets [%zu, %zu]) overlap", r->file, qa,
                          covered - prev->nbytes, covered, qb, begin, begin + t->nbytes);
        } else if (begin > covered)
            rc = seq_fail(r->err, "%s: data bytes [%zu, %zu) belong to no tensor (the data "
                          "section must be exactly the tensors' bytes)", r->file, covered, begin);
        covered = begin + t->nbytes;
        prev = t;
    }
    if (rc == 0 && covered != r->data_len)
        rc = seq_fail(r->err, "%s: data bytes [%zu, %zu) belong to no tensor (the data "
                      "section must be exactly the tensors' bytes)", r->file, covered,
                      r->data_len);
    free(order);
    return rc;
}

static int load_header(const reader *r, const seq_json *h)
{
    seq_st *st = r->st;
    int seen_meta = 0;
    if (h->kind != SEQ_JSON_OBJECT)
        return seq_fail(r->err, "%s: header must be a JSON object, found %s", r->file,
                        kind_name(h->kind));
    for (size_t i = 0; i < h->len; i++) {
        if (strcmp(h->keys[i], "__metadata__") == 0) {
            if (seen_meta++)
                return seq_fail(r->err, "%s: \"__metadata__\" appears twice", r->file);
            if (load_meta(r, &h->items[i]))
                return -1;
        } else if (load_tensor(r, h->keys[i], &h->items[i]))
            return -1;
    }

    size_t n = st->n_tensors > st->n_meta ? st->n_tensors : st->n_meta;
    const char **names = seq_xmalloc(n * sizeof *names);
    const char *dup;
    char q[256];
    int rc = 0;
    for (size_t i = 0; i < st->n_meta; i++)
        names[i] = st->meta[i].key;
    if ((dup = find_duplicate(names, st->n_meta))) {
        quote(q, sizeof q, dup);
        rc = seq_fail(r->err, "%s: __metadata__ key %s appears twice", r->file, q);
    }
    for (size_t i = 0; i < st->n_tensors; i++)
        names[i] = st->tensors[i].name;
    if (rc == 0 && (dup = find_duplicate(names, st->n_tensors))) {
        quote(q, sizeof q, dup);
        rc = seq_fail(r->err, "%s: tensor %s appears twice", r->file, q);
    }
    free(names);
    return rc ? rc : check_layout(r);
}

/* Checks and loads the file image already in ST. */
static int load_image(seq_st *st, const char *file, seq_err *err)
{
    const char *image = st->image;
    size_t len = st->image_len;
    uint64_t header_len = 0;
    seq_err json_err;
    if (len < 8)
        return seq_fail(err, "%s: file is %zu bytes, too short for safetensors (it starts "
                        "with an 8-byte header length)", file, len);
    for (int i = 0; i < 8; i++)
        header_len |= (uint64_t)(unsigned char)image[i] << (8 * i);
    if (header_len > len - 8)
        return seq_fail(err, "%s: header length %" PRIu64 " exceeds the %zu bytes after the "
                        "length field (truncated, or not a safetensors file)", file,
                        header_len, len - 8);
    if (header_len > MAX_HEADER_LEN)
        return seq_fail(err, "%s: header length %" PRIu64 " exceeds the limit of %u bytes",
                        file, header_len, MAX_HEADER_LEN);
    seq_json *h = seq_json_parse(image + 8, (size_t)header_len, &json_err);
    if (!h)
        return seq_fail(err, "%s: header is not valid JSON (offsets count from the header's "
                        "start, file byte 8): %s", file, json_err.msg);
    reader r = {st, file, image + 8 + header_len, len - 8 - (size_t)header_len, err};
    int rc = load_header(&r, h);
    seq_json_free(h);
    return rc;
}

/* Takes ownership of IMAGE (LEN bytes plus a NUL). */
static int parse_image(seq_st *st, const char *file, char *image, size_t len, seq_err *err)
{
    seq_st_init(st);
    st->image = image;
    st->image_len = len;
    if (load_image(st, file, err) == 0)
        return 0;
    seq_st_free(st);
    return -1;
}

int seq_st_parse(seq_st *st, const char *name_for_errors, const void *bytes, size_t len,
                 seq_err *err)
{
    char *image = seq_xmalloc(len + 1);
    if (len)
        memcpy(image, bytes, len);
    image[len] = '\0';
    return parse_image(st, name_for_errors, image, len, err);
}

int seq_st_read(seq_st *st, const char *path, seq_err *err)
{
    char *image;
    size_t len;
    seq_st_init(st);
    if (seq_read_file(path, &image, &len, err))
        return -1;
    return parse_image(st, path, image, len, err);
}

/* ---- checksums ---------------------------------------------------------------- */

/* The SHA-256 of the whole file as written with this value all zeros: the
 * header (every other key, every tensor's place) and every tensor's bytes. */
#define CHECKSUM_KEY "checksum_sha256"
#define CHECKSUM_ZERO "0000000000000000000000000000000000000000000000000000000000000000"

int seq_st_write_checksummed(seq_st *st, const char *path, seq_err *err)
{
    static const char placeholder[] = "\"" CHECKSUM_KEY "\":\"" CHECKSUM_ZERO "\"";
    seq_st_set_meta(st, CHECKSUM_KEY, CHECKSUM_ZERO);
    seq_buf b = {0};
    seq_st_serialize(st, &b);
    char *at = strstr(b.data + 8, placeholder); /* the header's only JSON string with it */
    if (!at)
        seq_die("%s: the checksum's place is missing from the header", path);
    char hex[65];
    seq_sha256_hex(b.data, b.len, hex);
    memcpy(at + sizeof placeholder - 2 - 64, hex, 64);
    int rc = seq_write_file_atomic(path, b.data, b.len, err);
    seq_buf_free(&b);
    return rc;
}

int seq_st_verify_checksum(const seq_st *st, const char *path, seq_err *err)
{
    const char *want = seq_st_get_meta(st, CHECKSUM_KEY);
    if (!want)
        return seq_fail(err, "%s: no checksum (metadata \"%s\"): written by a seqcc from before "
                        "checkpoints were verified, or not by seqcc; it cannot be checked, so "
                        "it is not used (train again)", path, CHECKSUM_KEY);
    size_t n = strspn(want, "0123456789abcdef");
    if (n != 64 || want[n])
        return seq_fail(err, "%s: metadata \"%s\" is not 64 lowercase hex digits", path,
                        CHECKSUM_KEY);
    char pattern[128], got[65];
    snprintf(pattern, sizeof pattern, "\"%s\":\"%s\"", CHECKSUM_KEY, want);
    const char *image = st->image, *at = strstr(image + 8, pattern);
    uint64_t header_len = 0; /* checked by seq_st_read */
    for (int i = 0; i < 8; i++)
        header_len |= (uint64_t)(unsigned char)image[i] << (8 * i);
    if (!at || (uint64_t)(at - image) + strlen(pattern) > 8 + header_len)
        return seq_fail(err, "%s: metadata \"%s\" is not where seqcc writes it", path,
                        CHECKSUM_KEY);
    size_t digits = (size_t)(at - image) + strlen(pattern) - 65;
    seq_sha256 h;
    seq_sha256_init(&h);
    seq_sha256_update(&h, image, digits);
    seq_sha256_update(&h, CHECKSUM_ZERO, 64);
    seq_sha256_update(&h, image + digits + 64, st->image_len - digits - 64);
    seq_sha256_final_hex(&h, got);
    if (strcmp(got, want) != 0)
        return seq_fail(err, "%s: the checksum does not match: the file is damaged (its bytes "
                        "hash to %.16s..., it records %.16s...)", path, got, want);
    return 0;
}
