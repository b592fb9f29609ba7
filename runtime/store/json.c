/* json.c: an RFC 8259 JSON parser into seq_json trees, and string escaping. */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

#define MAX_DEPTH 64

typedef struct parser {
    const unsigned char *s;
    size_t len, pos;
    seq_err *err;
} parser;

static int parse_value(parser *p, seq_json *v, int depth);

static int fail_at(parser *p, size_t pos, const char *fmt, ...) SEQ_PRINTF(3, 4);

static int fail_at(parser *p, size_t pos, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return seq_fail(p->err, "%s at byte %zu", what, pos);
}

/* "expected WHAT but found X at byte N", X being the byte at the cursor. */
static int expected(parser *p, const char *what)
{
    char found[32];
    if (p->pos >= p->len)
        snprintf(found, sizeof found, "end of input");
    else if (p->s[p->pos] >= 0x20 && p->s[p->pos] < 0x7f)
        snprintf(found, sizeof found, "'%c'", p->s[p->pos]);
    else
        snprintf(found, sizeof found, "byte 0x%02x", p->s[p->pos]);
    return fail_at(p, p->pos, "expected %s but found %s", what, found);
}

static void skip_space(parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

/* Reads the 4 hex digits of a \u escape whose backslash is at AT. */
static int read_hex4(parser *p, size_t at, uint32_t *cp)
{
    *cp = 0;
    for (size_t i = at + 2; i < at + 6; i++) {
        unsigned c = i < p->len ? p->s[i] : 0;
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return fail_at(p, at, "expected 4 hex digits after \\u");
        *cp = *cp << 4 | d;
    }
    return 0;
}

/* Decodes the \ escape at the cursor onto B. */
static int parse_escape(parser *p, seq_buf *b)
{
    size_t at = p->pos;
    char c = at + 1 < p->len ? (char)p->s[at + 1] : '\0';
    const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit) {
        seq_buf_add(b, &to[hit - from], 1);
        p->pos += 2;
        return 0;
    }
    if (c != 'u') {
        if (c >= 0x20 && c < 0x7f)
            return fail_at(p, at, "invalid escape '\\%c' in string", c);
        return fail_at(p, at, "invalid escape in string");
    }
    uint32_t cp;
    if (read_hex4(p, at, &cp))
        return -1;
    p->pos += 6;
    if (cp >= 0xdc00 && cp <= 0xdfff)
        return fail_at(p, at, "lone low surrogate \\u%04X in string", (unsigned)cp);
    if (cp >= 0xd800 && cp <= 0xdbff) {
        uint32_t low;
        if (p->pos + 1 >= p->len || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
            return fail_at(p, at, "high surrogate \\u%04X not followed by a \\u low surrogate",
                           (unsigned)cp);
        if (read_hex4(p, p->pos, &low))
            return -1;
        if (low < 0xdc00 || low > 0xdfff)
            return fail_at(p, p->pos, "expected a low surrogate \\uDC00-\\uDFFF after \\u%04X, "
                           "found \\u%04X", (unsigned)cp, (unsigned)low);
        p->pos += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    char u[SEQ_UTF8_MAX];
    seq_buf_add(b, u, seq_utf8_encode(cp, u));
    return 0;
}

/* Parses the string at the cursor (on its opening quote) into a malloc'd,
 * NUL-terminated UTF-8 buffer. */
static int parse_string(parser *p, char **out, size_t *out_len)
{
    size_t start = p->pos++;
    seq_buf b = {0};
    seq_buf_reserve(&b, 0);
    b.data[0] = '\0';
    for (;;) {
        size_t run = p->pos;
        while (p->pos < p->len) {
            unsigned char c = p->s[p->pos];
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            size_t n = seq_utf8_length((const char *)p->s + p->pos, p->len - p->pos);
            if (n == 0) {
                seq_buf_free(&b);
                return fail_at(p, p->pos, "invalid UTF-8 in string");
            }
            p->pos += n;
        }
        seq_buf_add(&b, p->s + run, p->pos - run);
        if (p->pos >= p->len) {
            seq_buf_free(&b);
            return fail_at(p, p->pos, "unterminated string (it starts at byte %zu)", start);
        }
        unsigned char c = p->s[p->pos];
        if (c == '"')
            break;
        if (c < 0x20) {
            seq_buf_free(&b);
            return fail_at(p, p->pos, "control character 0x%02x in string (it must be escaped)",
                           c);
        }
        if (parse_escape(p, &b)) {
            seq_buf_free(&b);
            return -1;
        }
    }
    p->pos++;
    *out = b.data;
    *out_len = b.len;
    return 0;
}

static int digit_at(const parser *p, size_t i)
{
    return i < p->len && p->s[i] >= '0' && p->s[i] <= '9';
}

static int parse_number(parser *p, seq_json *v)
{
    size_t start = p->pos;
    int integral = 1;
    if (p->s[p->pos] == '-')
        p->pos++;
    if (!digit_at(p, p->pos))
        return expected(p, "a digit");
    if (p->s[p->pos] == '0' && digit_at(p, p->pos + 1))
        return fail_at(p, p->pos, "leading zero in number");
    while (digit_at(p, p->pos))
        p->pos++;
    if (p->pos < p->len && p->s[p->pos] == '.') {
        integral = 0;
        p->pos++;
        if (!digit_at(p, p->pos))
            return expected(p, "a digit after '.'");
        while (digit_at(p, p->pos))
            p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        integral = 0;
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (!digit_at(p, p->pos))
            return expected(p, "a digit in the exponent");
        while (digit_at(p, p->pos))
            p->pos++;
    }

    /* strtod needs a terminated copy; the grammar above is the C locale's. */
    size_t n = p->pos - start;
    char small[64];
    char *text = n < sizeof small ? small : seq_xmalloc(n + 1);
    memcpy(text, p->s + start, n);
    text[n] = '\0';
    v->kind = SEQ_JSON_NUMBER;
    v->number = strtod(text, NULL);
    if (text != small)
        free(text);
    if (isinf(v->number))
        return fail_at(p, start, "number out of range for a double");

    if (integral) {
        int negative = p->s[start] == '-';
        uint64_t magnitude = 0, limit = negative ? (uint64_t)1 << 63 : (uint64_t)INT64_MAX;
        for (size_t i = start + (size_t)negative; i < p->pos; i++) {
            unsigned d = p->s[i] - '0';
            if (magnitude > (limit - d) / 10)
                return 0; /* does not fit int64: a double only */
            magnitude = magnitude * 10 + d;
        }
        v->is_integer = 1;
        if (!negative)
            v->integer = (int64_t)magnitude;
        else
            v->integer = magnitude == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)magnitude;
    }
    return 0;
}

static int parse_literal(parser *p, seq_json *v)
{
    static const struct { const char *word; seq_json_kind kind; int boolean; } literals[] = {
        {"true", SEQ_JSON_BOOL, 1}, {"false", SEQ_JSON_BOOL, 0}, {"null", SEQ_JSON_NULL, 0},
    };
    for (size_t i = 0; i < sizeof literals / sizeof literals[0]; i++) {
        size_t n = strlen(literals[i].word);
        if (p->len - p->pos >= n && memcmp(p->s + p->pos, literals[i].word, n) == 0) {
            v->kind = literals[i].kind;
            v->boolean = literals[i].boolean;
            p->pos += n;
            return 0;
        }
    }
    return fail_at(p, p->pos, "invalid literal (expected true, false or null)");
}

static void free_contents(seq_json *v)
{
    if (v->keys)
        for (size_t i = 0; i < v->len; i++)
            free(v->keys[i]);
    if (v->items)
        for (size_t i = 0; i < v->len; i++)
            free_contents(&v->items[i]);
    free(v->keys);
    free(v->items);
    free(v->string);
    memset(v, 0, sizeof *v);
}

/* Makes room for one more element of the array or object V. */
static void grow(seq_json *v, size_t *cap)
{
    if (v->len < *cap)
        return;
    *cap = *cap ? *cap * 2 : 4;
    v->items = seq_xrealloc(v->items, *cap * sizeof *v->items);
    if (v->kind == SEQ_JSON_OBJECT)
        v->keys = seq_xrealloc(v->keys, *cap * sizeof *v->keys);
}

static int parse_array(parser *p, seq_json *v, int depth)
{
    size_t cap = 0;
    v->kind = SEQ_JSON_ARRAY;
    p->pos++;
    skip_space(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return 0;
    }
    for (;;) {
        grow(v, &cap);
        if (parse_value(p, &v->items[v->len], depth + 1))
            break;
        v->len++;
        skip_space(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == ']') {
            p->pos++;
            return 0;
        }
        expected(p, "',' or ']' in array");
        break;
    }
    free_contents(v);
    return -1;
}

static int parse_object(parser *p, seq_json *v, int depth)
{
    size_t cap = 0;
    v->kind = SEQ_JSON_OBJECT;
    p->pos++;
    skip_space(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return 0;
    }
    for (;;) {
        char *key;
        size_t key_len, key_at;
        skip_space(p);
        if (p->pos >= p->len || p->s[p->pos] != '"') {
            expected(p, "a string key in object");
            break;
        }
        key_at = p->pos;
        if (parse_string(p, &key, &key_len))
            break;
        /* keys are C strings: one with a NUL inside would be misread */
        if (strlen(key) != key_len) {
            free(key);
            fail_at(p, key_at, "object key contains \\u0000 (not supported)");
            break;
        }
        skip_space(p);
        if (p->pos >= p->len || p->s[p->pos] != ':') {
            free(key);
            expected(p, "':' after object key");
            break;
        }
        p->pos++;
        grow(v, &cap);
        if (parse_value(p, &v->items[v->len], depth + 1)) {
            free(key);
            break;
        }
        v->keys[v->len++] = key;
        skip_space(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == '}') {
            p->pos++;
            return 0;
        }
        expected(p, "',' or '}' in object");
        break;
    }
    free_contents(v);
    return -1;
}

/* DEPTH counts the arrays and objects around V; on failure V is left empty. */
static int parse_value(parser *p, seq_json *v, int depth)
{
    memset(v, 0, sizeof *v);
    skip_space(p);
    if (p->pos >= p->len)
        return expected(p, "a value");
    unsigned char c = p->s[p->pos];
    if ((c == '[' || c == '{') && depth >= MAX_DEPTH)
        return fail_at(p, p->pos, "arrays and objects nested deeper than %d", MAX_DEPTH);
    if (c == '[')
        return parse_array(p, v, depth);
    if (c == '{')
        return parse_object(p, v, depth);
    if (c == '"') {
        v->kind = SEQ_JSON_STRING;
        return parse_string(p, &v->string, &v->len);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(p, v);
    if (c == 't' || c == 'f' || c == 'n')
        return parse_literal(p, v);
    return expected(p, "a value");
}

seq_json *seq_json_parse(const char *text, size_t len, seq_err *err)
{
    parser p = {(const unsigned char *)text, len, 0, err};
    seq_json *v = seq_xmalloc(sizeof *v);
    if (parse_value(&p, v, 0) == 0) {
        skip_space(&p);
        if (p.pos == p.len)
            return v;
        expected(&p, "end of input after the JSON value");
        free_contents(v);
    }
    free(v);
    return NULL;
}

void seq_json_free(seq_json *v)
{
    if (!v)
        return;
    free_contents(v);
    free(v);
}

const seq_json *seq_json_get(const seq_json *obj, const char *key)
{
    if (!obj || obj->kind != SEQ_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->len; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

/* The two-character escape of C, or NULL. */
static const char *short_escape(unsigned char c)
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\t': return "\\t";
    case '\r': return "\\r";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default: return NULL;
    }
}

void seq_json_put_string(seq_buf *b, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s), run = 0, i = 0;
    seq_buf_add(b, "\"", 1);
    while (i < len) {
        unsigned char c = u[i];
        size_t n = seq_utf8_length(s + i, len - i);
        if (c >= 0x20 && c != '"' && c != '\\' && n > 0) {
            i += n;
            continue;
        }
        seq_buf_add(b, u + run, i - run);
        const char *escape = short_escape(c);
        if (escape)
            seq_buf_puts(b, escape);
        else if (c < 0x20)
            seq_buf_printf(b, "\\u%04x", c);
        else
            seq_buf_puts(b, "\\ufffd"); /* a byte that is not UTF-8 */
        run = ++i;
    }
    seq_buf_add(b, u + run, i - run);
    seq_buf_add(b, "\"", 1);
}
