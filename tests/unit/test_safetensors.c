/* test_safetensors.c: round trips, byte-exact output, and a corpus of
 * malformed files the reader must reject with a message naming the file. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "store/safetensors.h"

#define FILE_NAME "ckpt.safetensors"

/* The example tensors, one of every dtype plus a scalar and empty ones. */
static const float f32[6] = {1.5f, -2.0f, 0.0f, 3.25f, -0.0f, 1e-30f};
static const double f64[4] = {3.141592653589793, -1e300, 0.1, 2.0};
static const int32_t i32[4] = {INT32_MIN, -1, 0, INT32_MAX};
static const int64_t i64[3] = {INT64_MIN, 42, INT64_MAX};
static const uint8_t u8[5] = {0, 'a', 0x7f, 0x80, 0xff};
static const double scalar = -7.5;

static void build_example(seq_st *st)
{
    static const int64_t s23[] = {2, 3}, s4[] = {4}, s22[] = {2, 2}, s3[] = {3}, s5[] = {5},
                         s30[] = {3, 0}, s0[] = {0};
    seq_st_init(st);
    seq_st_set_meta(st, "format", "seqcc");
    seq_st_set_meta(st, "step", "0");
    seq_st_set_meta(st, "odd \"key\"", "caf\xc3\xa9\n\t\\");
    seq_st_add(st, "lstm/kernel", SEQ_F32, 2, s23, f32);
    seq_st_add(st, "f64", SEQ_F64, 1, s4, f64);
    seq_st_add(st, "empty", SEQ_F32, 2, s30, NULL);
    seq_st_add(st, "i32", SEQ_I32, 2, s22, i32);
    seq_st_add(st, "i64", SEQ_I64, 1, s3, i64);
    seq_st_add(st, "tokenizer/vocab", SEQ_U8, 1, s5, u8);
    seq_st_add(st, "scalar", SEQ_F64, 0, NULL, &scalar);
    seq_st_add(st, "empty_u8", SEQ_U8, 1, s0, u8);
    seq_st_set_meta(st, "step", "12"); /* replaces, keeps its place */
}

static void serialize(const seq_st *st, seq_buf *out)
{
    memset(out, 0, sizeof *out);
    seq_st_serialize(st, out);
}

/* R must hold exactly what W was built with, in the same order. */
static void check_same(const seq_st *w, const seq_st *r)
{
    CHECK(r->n_tensors == w->n_tensors);
    CHECK(r->n_meta == w->n_meta);
    for (size_t i = 0; i < w->n_meta && i < r->n_meta; i++) {
        CHECK_STR(r->meta[i].key, w->meta[i].key);
        CHECK_STR(r->meta[i].value, w->meta[i].value);
    }
    for (size_t i = 0; i < w->n_tensors && i < r->n_tensors; i++) {
        const seq_st_tensor *a = &w->tensors[i], *b = &r->tensors[i];
        CHECK_STR(b->name, a->name);
        CHECK(b->dtype == a->dtype);
        CHECK(b->rank == a->rank);
        CHECK(memcmp(b->shape, a->shape, (size_t)a->rank * sizeof a->shape[0]) == 0);
        CHECK(b->nbytes == a->nbytes);
        CHECK(a->nbytes == 0 || memcmp(b->data, a->data, a->nbytes) == 0);
        CHECK(seq_st_find(r, a->name) == b);
    }
}

static void test_dtypes(void)
{
    static const struct { seq_dtype t; const char *name; size_t size; } want[] = {
        {SEQ_F32, "F32", 4}, {SEQ_F64, "F64", 8}, {SEQ_I32, "I32", 4},
        {SEQ_I64, "I64", 8}, {SEQ_U8, "U8", 1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        CHECK_STR(seq_dtype_name(want[i].t), want[i].name);
        CHECK(seq_dtype_size(want[i].t) == want[i].size);
    }
}

static void test_round_trip(const char *dir)
{
    seq_st w, r;
    seq_buf bytes;
    seq_err err = {{0}};
    build_example(&w);
    serialize(&w, &bytes);

    CHECK_MSG(seq_st_parse(&r, FILE_NAME, bytes.data, bytes.len, &err) == 0, "%s", err.msg);
    check_same(&w, &r);
    CHECK_STR(seq_st_get_meta(&r, "step"), "12");
    CHECK_STR(seq_st_get_meta(&r, "odd \"key\""), "caf\xc3\xa9\n\t\\");
    CHECK(seq_st_get_meta(&r, "absent") == NULL);
    CHECK(seq_st_find(&r, "absent") == NULL);
    const seq_st_tensor *s = seq_st_find(&r, "scalar");
    double x = 0;
    CHECK(s && s->rank == 0 && s->nbytes == 8);
    if (s)
        memcpy(&x, s->data, sizeof x);
    CHECK(x == scalar);
    const seq_st_tensor *e = seq_st_find(&r, "empty");
    CHECK(e && e->rank == 2 && e->shape[0] == 3 && e->shape[1] == 0 && e->nbytes == 0);
    seq_st_free(&r);
    CHECK(r.tensors == NULL && r.n_tensors == 0 && r.image == NULL);

    /* through a file, written atomically: nothing else is left behind */
    char *path = seq_path_join(dir, "model.safetensors");
    CHECK_MSG(seq_st_write(&w, path, &err) == 0, "%s", err.msg);
    CHECK_MSG(seq_st_read(&r, path, &err) == 0, "%s", err.msg);
    check_same(&w, &r);
    seq_st_free(&r);
    char *on_disk;
    size_t len;
    CHECK(seq_read_file(path, &on_disk, &len, &err) == 0);
    CHECK(len == bytes.len && memcmp(on_disk, bytes.data, len) == 0);
    free(on_disk);
    int entries = 0;
    DIR *d = opendir(dir);
    for (struct dirent *ent; d && (ent = readdir(d));)
        entries += ent->d_name[0] != '.';
    if (d)
        closedir(d);
    CHECK(entries == 1);

    CHECK(seq_st_read(&r, "/nonexistent/x.safetensors", &err) == -1);
    CHECK(strncmp(err.msg, "/nonexistent/x.safetensors: ", 28) == 0);
    remove(path);
    free(path);
    seq_buf_free(&bytes);
    seq_st_free(&w);
}

static void test_determinism(void)
{
    seq_st a, b;
    seq_buf x, y, z;
    build_example(&a);
    build_example(&b);
    serialize(&a, &x);
    serialize(&a, &y);
    serialize(&b, &z);
    CHECK(x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
    CHECK(x.len == z.len && memcmp(x.data, z.data, x.len) == 0);
    uint64_t header_len = 0;
    for (int i = 0; i < 8; i++)
        header_len |= (uint64_t)(unsigned char)x.data[i] << (8 * i);
    CHECK(header_len % 8 == 0);
    CHECK(x.len == 8 + header_len + 24 + 32 + 16 + 24 + 5 + 8);
    seq_buf_free(&x);
    seq_buf_free(&y);
    seq_buf_free(&z);
    seq_st_free(&a);
    seq_st_free(&b);
}

static void test_exact_bytes(void)
{
    static const char header[] =
        "{\"__metadata__\":{\"step\":\"7\"},"
        "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
        "\"b\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[24,25]}}";
    static const int64_t s23[] = {2, 3};
    const uint8_t byte = 0x5a;
    seq_st st;
    seq_buf out;
    seq_st_init(&st);
    seq_st_set_meta(&st, "step", "7");
    seq_st_add(&st, "w", SEQ_F32, 2, s23, f32);
    seq_st_add(&st, "b", SEQ_U8, 0, NULL, &byte);
    serialize(&st, &out);
    CHECK(strlen(header) == 138);
    CHECK(out.len == 8 + 144 + 25);
    CHECK(memcmp(out.data, "\x90\0\0\0\0\0\0\0", 8) == 0); /* 144, little-endian */
    CHECK(memcmp(out.data + 8, header, 138) == 0);
    CHECK(memcmp(out.data + 8 + 138, "      ", 6) == 0);
    CHECK(memcmp(out.data + 152, f32, 24) == 0);
    CHECK((uint8_t)out.data[176] == byte);
    seq_buf_free(&out);
    seq_st_free(&st);

    /* no metadata: no __metadata__ entry, no leading comma */
    seq_st_init(&st);
    seq_st_add(&st, "x", SEQ_I32, 1, (const int64_t[]){1}, i32);
    serialize(&st, &out);
    static const char header_x[] = "{\"x\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    CHECK(strlen(header_x) == 54);
    CHECK(out.len == 8 + 56 + 4 && memcmp(out.data, "\x38\0\0\0\0\0\0\0", 8) == 0);
    CHECK(memcmp(out.data + 8, header_x, 54) == 0 && memcmp(out.data + 62, "  ", 2) == 0);
    seq_buf_free(&out);
    seq_st_free(&st);

    /* nothing at all */
    seq_st_init(&st);
    serialize(&st, &out);
    CHECK(out.len == 16 && memcmp(out.data, "\x08\0\0\0\0\0\0\0{}      ", 16) == 0);
    seq_st r;
    seq_err err;
    CHECK_MSG(seq_st_parse(&r, FILE_NAME, out.data, out.len, &err) == 0, "%s", err.msg);
    CHECK(r.n_tensors == 0 && r.n_meta == 0);
    seq_st_free(&r);
    seq_buf_free(&out);
    seq_st_free(&st);
}

/* A file made of HEADER (unpadded) and DATA_LEN bytes of data. */
static seq_buf make_file(const char *header, size_t data_len)
{
    seq_buf b = {0};
    uint64_t n = strlen(header);
    for (int i = 0; i < 8; i++) {
        unsigned char c = (unsigned char)(n >> (8 * i));
        seq_buf_add(&b, &c, 1);
    }
    seq_buf_puts(&b, header);
    for (size_t i = 0; i < data_len; i++)
        seq_buf_add(&b, "\xab", 1);
    return b;
}

static void expect_bad_bytes(const void *bytes, size_t len, const char *want)
{
    seq_st st;
    seq_err err = {{0}};
    int rc = seq_st_parse(&st, FILE_NAME, bytes, len, &err);
    CHECK_MSG(rc == -1, "accepted a bad file; wanted \"%s\"", want);
    CHECK_MSG(strncmp(err.msg, FILE_NAME ": ", strlen(FILE_NAME) + 2) == 0,
              "message does not name the file: %s", err.msg);
    CHECK_MSG(strstr(err.msg, want) != NULL, "message \"%s\" lacks \"%s\"", err.msg, want);
    CHECK(st.n_tensors == 0 && st.n_meta == 0 && st.image == NULL && st.tensors == NULL);
    if (rc == 0)
        seq_st_free(&st);
}

static void expect_bad(const char *header, size_t data_len, const char *want)
{
    seq_buf b = make_file(header, data_len);
    expect_bad_bytes(b.data, b.len, want);
    seq_buf_free(&b);
}

static void expect_good(const char *header, size_t data_len, size_t n_tensors)
{
    seq_buf b = make_file(header, data_len);
    seq_st st;
    seq_err err = {{0}};
    CHECK_MSG(seq_st_parse(&st, FILE_NAME, b.data, b.len, &err) == 0, "%s: %s", header,
              err.msg);
    CHECK(st.n_tensors == n_tensors);
    seq_st_free(&st);
    seq_buf_free(&b);
}

#define T(name, dtype, shape, offsets) \
    "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":" offsets "}"

static void test_malformed(void)
{
    static const char valid[] = "{" T("a", "F32", "[2]", "[0,8]") "}";
    seq_buf b = make_file(valid, 8);
    expect_good(valid, 8, 1);

    /* sizes */
    expect_bad_bytes("", 0, "file is 0 bytes, too short");
    expect_bad_bytes("\x10\0\0\0\0", 5, "file is 5 bytes, too short");
    expect_bad_bytes(b.data, 20, "header length 54 exceeds the 12 bytes after the length field");
    expect_bad_bytes(b.data, b.len - 1, "reach past the end of the data section (7 bytes");
    seq_buf big = make_file("{}", 0);
    big.data[0] = 100;
    expect_bad_bytes(big.data, big.len, "header length 100 exceeds the 2 bytes");
    memset(big.data, 0xff, 8);
    expect_bad_bytes(big.data, big.len, "header length 18446744073709551615 exceeds");
    seq_buf_free(&big);

    /* the header as JSON */
    expect_bad("", 0, "header is not valid JSON");
    expect_bad("{\"a\":", 0, "header is not valid JSON");
    expect_bad("{\"a\":", 0, "expected a value but found end of input at byte 5");
    expect_bad("{}xxxxxx", 0, "expected end of input");
    expect_bad("{\"\xff\":{}}", 0, "invalid UTF-8");
    expect_bad("[]", 0, "header must be a JSON object, found an array");
    expect_bad("\"{}\"", 0, "header must be a JSON object, found a string");

    /* metadata */
    expect_bad("{\"__metadata__\":{\"step\":7}}", 0,
               "__metadata__ \"step\" must be a string, found a number");
    expect_bad("{\"__metadata__\":[]}", 0, "\"__metadata__\" must be an object of strings");
    expect_bad("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "\"__metadata__\" appears twice");
    expect_bad("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0,
               "__metadata__ key \"k\" appears twice");
    expect_bad("{\"__metadata__\":{\"k\":\"a\\u0000b\"}}", 0, "contains \\u0000");

    /* one tensor's entry */
    expect_bad("{\"a\":5}", 0, "tensor \"a\": expected an object with dtype, shape and "
               "data_offsets, found a number");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8,
               "tensor \"a\": missing field \"data_offsets\"");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8,
               "tensor \"a\": unexpected field \"x\"");
    expect_bad("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],"
               "\"data_offsets\":[0,8]}}", 8, "field \"dtype\" appears twice");
    expect_bad("{" T("a", "BF16", "[2]", "[0,4]") "}", 4,
               "tensor \"a\": unknown dtype \"BF16\" (supported: F32, F64, I32, I64, U8)");
    expect_bad("{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
               "dtype must be a string, found a number");
    expect_bad("{" T("a", "F32", "2", "[0,8]") "}", 8, "shape must be an array, found a number");
    expect_bad("{" T("a", "F32", "[-2]", "[0,8]") "}", 8,
               "shape element 0 is not a non-negative integer");
    expect_bad("{" T("a", "F32", "[2.0]", "[0,8]") "}", 8, "shape element 0 is not");
    expect_bad("{" T("a", "F32", "[1,99999999999999999999]", "[0,8]") "}", 8,
               "shape element 1 is not");
    expect_bad("{" T("a", "F32", "[1,1,1,1,1,1,1,1,1]", "[0,4]") "}", 4,
               "shape has rank 9 (at most 8 supported)");
    expect_bad("{" T("a", "U8", "[4294967296,4294967296]", "[0,0]") "}", 0,
               "shape [4294967296, 4294967296] of U8 is too large");
    expect_bad("{" T("a", "U8", "[4294967296,4294967296,4294967296,0]", "[0,0]") "}", 0,
               "too large");
    expect_bad("{" T("a", "F32", "[2]", "[0,8,9]") "}", 8, "data_offsets must be [begin, end]");
    expect_bad("{" T("a", "F32", "[2]", "[-8,0]") "}", 8, "data_offsets must be");
    expect_bad("{" T("a", "F32", "[2]", "[\"0\",\"8\"]") "}", 8, "data_offsets must be");
    expect_bad("{" T("a", "F32", "[2]", "{}") "}", 8, "data_offsets must be");
    expect_bad("{" T("a", "F32", "[2]", "[8,0]") "}", 8, "data_offsets [8, 0] end before");
    expect_bad("{" T("a", "F32", "[2]", "[0,8]") "}", 4,
               "tensor \"a\": data_offsets [0, 8] reach past the end of the data section");
    expect_bad("{" T("a", "F32", "[2]", "[8,16]") "}", 8, "reach past the end");
    expect_bad("{" T("x\\ny", "BF16", "[2]", "[0,4]") "}", 4, "tensor \"x\\ny\": unknown");

    /* the example message, exactly */
    seq_buf m = make_file("{" T("lstm/kernel", "F32", "[2,3]", "[0,12]") "}", 12);
    seq_st st;
    seq_err err;
    CHECK(seq_st_parse(&st, FILE_NAME, m.data, m.len, &err) == -1);
    CHECK_STR(err.msg, "ckpt.safetensors: tensor \"lstm/kernel\": data_offsets [0, 12] do not "
                       "match shape [2, 3] of F32 (24 bytes)");
    seq_buf_free(&m);

    /* the tensors together */
    expect_bad("{" T("a", "F32", "[2]", "[0,8]") "," T("a", "F32", "[2]", "[8,16]") "}", 16,
               "tensor \"a\" appears twice");
    expect_bad("{" T("a", "F32", "[2]", "[0,8]") "," T("b", "F32", "[2]", "[4,12]") "}", 12,
               "tensors \"a\" (data_offsets [0, 8]) and \"b\" (data_offsets [4, 12]) overlap");
    expect_bad("{" T("a", "F32", "[2]", "[0,8]") "," T("b", "F32", "[2]", "[0,8]") "}", 8,
               "overlap");
    expect_bad("{" T("a", "F32", "[2]", "[0,8]") "," T("z", "F32", "[0]", "[4,4]") "}", 8,
               "overlap");
    expect_bad("{" T("a", "F32", "[2]", "[0,8]") "," T("b", "F32", "[2]", "[12,20]") "}", 20,
               "data bytes [8, 12) belong to no tensor");
    expect_bad("{" T("a", "F32", "[2]", "[4,12]") "}", 12, "data bytes [0, 4) belong to no");
    expect_bad("{" T("a", "F32", "[2]", "[0,8]") "}", 12, "data bytes [8, 12) belong to no");
    expect_bad("{}", 3, "data bytes [0, 3) belong to no tensor");

    /* what other writers may do and the reference accepts */
    expect_good("{" T("b", "F32", "[2]", "[8,16]") "," T("a", "F32", "[2]", "[0,8]") "}", 16, 2);
    expect_good("{" T("a", "F32", "[2]", "[0,8]") "," T("z", "U8", "[0]", "[8,8]") ","
                T("y", "U8", "[0]", "[0,0]") "," T("x", "U8", "[3,0]", "[0,0]") "}", 8, 4);
    expect_good(" \n{\"__metadata__\":{}}\t", 0, 0);

    /* a hostile name is shown escaped and cut short */
    seq_buf long_name = {0}, header = {0};
    for (int i = 0; i < 1000; i++)
        seq_buf_puts(&long_name, "n");
    seq_buf_printf(&header, "{\"%s\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}",
                   long_name.data);
    expect_bad(header.data, 0, "nnn\"...: unknown dtype \"X\"");
    seq_buf_free(&long_name);
    seq_buf_free(&header);
    seq_buf_free(&b);
}

/* Every truncation of a valid file fails; bytes flipped anywhere never
 * crash the reader (the sanitizer builds watch for that). */
static void test_damage(void)
{
    seq_st w, r;
    seq_buf good;
    seq_err err;
    build_example(&w);
    serialize(&w, &good);
    for (size_t n = 0; n < good.len; n++)
        expect_bad_bytes(good.data, n, "");
    char *copy = seq_xmalloc(good.len);
    for (size_t i = 0; i < good.len; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, good.data, good.len);
            copy[i] ^= (char)(1 << bit);
            if (seq_st_parse(&r, FILE_NAME, copy, good.len, &err) == 0)
                seq_st_free(&r);
            else
                CHECK_MSG(strncmp(err.msg, FILE_NAME ": ", strlen(FILE_NAME) + 2) == 0, "%s",
                          err.msg);
        }
    free(copy);
    seq_buf_free(&good);
    seq_st_free(&w);
}

/* Programming errors in a writer end the program with a message. */
static seq_st die_st; /* global, so the dying child's memory is not a leak */

static void expect_death(int which, const char *want)
{
    int fds[2];
    if (pipe(fds) != 0) {
        CHECK(0);
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        static const int64_t ok[] = {2}, negative[] = {2, -1}, nine[9] = {1, 1, 1, 1, 1, 1, 1,
                                                                          1, 1};
        dup2(fds[1], 2);
        close(fds[0]);
        seq_st_init(&die_st);
        seq_st_add(&die_st, "a", SEQ_F32, 1, ok, f32);
        if (which == 0)
            seq_st_add(&die_st, "a", SEQ_F32, 1, ok, f32);
        else if (which == 1)
            seq_st_add(&die_st, "b", SEQ_F32, 9, nine, f32);
        else if (which == 2)
            seq_st_add(&die_st, "c", SEQ_F32, 2, negative, f32);
        else
            seq_st_add(&die_st, "__metadata__", SEQ_F32, 1, ok, f32);
        _exit(0);
    }
    close(fds[1]);
    char msg[512] = {0};
    size_t got = 0;
    ssize_t n;
    while (got < sizeof msg - 1 && (n = read(fds[0], msg + got, sizeof msg - 1 - got)) > 0)
        got += (size_t)n;
    close(fds[0]);
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 1, "case %d: status %d", which,
              status);
    CHECK_MSG(strstr(msg, want) != NULL, "case %d: \"%s\" lacks \"%s\"", which, msg, want);
}

static void test_writer_errors(void)
{
    expect_death(0, "tensor \"a\" added twice");
    expect_death(1, "tensor \"b\": rank 9 (expected 0 to 8)");
    expect_death(2, "tensor \"c\": dimension 1 is negative (-1)");
    expect_death(3, "\"__metadata__\" cannot be a tensor name");
}

int main(void)
{
    char dir[] = "/tmp/test_safetensors.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_dtypes();
    test_round_trip(dir);
    test_determinism();
    test_exact_bytes();
    test_malformed();
    test_damage();
    test_writer_errors();
    rmdir(dir);
    return check_status("test_safetensors");
}
