/* test_json.c: the JSON parser against valid and invalid corpora, and escaping. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "store/json.h"

static seq_json *parse(const char *text)
{
    seq_err err = {{0}};
    seq_json *v = seq_json_parse(text, strlen(text), &err);
    CHECK_MSG(v != NULL, "%s: %s", text, err.msg);
    return v;
}

/* TEXT must fail with a message containing WANT. */
static void reject(const char *text, size_t len, const char *want)
{
    seq_err err = {{0}};
    seq_json *v = seq_json_parse(text, len, &err);
    CHECK_MSG(v == NULL, "accepted invalid JSON %s", text);
    CHECK_MSG(err.msg[0] != '\0', "no message for %s", text);
    CHECK_MSG(strstr(err.msg, want) != NULL, "%s: message \"%s\" lacks \"%s\"", text, err.msg,
              want);
    seq_json_free(v);
}

static void test_valid_corpus(void)
{
    static const char *const corpus[] = {
        "null", "true", "false", "0", "-1", "3.25", "1e5", "1E+5", "1e-5", "-0.0e0",
        "\"\"", "\"abc\"", "[]", "{}", " \t\r\n[ 1 , 2 ]\n", "[[[]]]", "{\"a\":{\"b\":[{}]}}",
        "\"\\u00e9\\u20AC\"", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "\"\x7f\"",
        "{\"a\":1,\"a\":2}",
    };
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++)
        seq_json_free(parse(corpus[i]));
}

static void test_invalid_corpus(void)
{
    static const struct { const char *text, *want; } corpus[] = {
        {"", "expected a value but found end of input at byte 0"},
        {"   ", "at byte 3"},
        {"[1,]", "expected a value but found ']' at byte 3"},
        {"{\"a\":1,}", "expected a string key in object but found '}' at byte 7"},
        {"[1 2]", "expected ',' or ']' in array but found '2' at byte 3"},
        {"{\"a\" 1}", "expected ':' after object key but found '1' at byte 5"},
        {"{1:2}", "expected a string key"},
        {"{\"a\":1", "expected ',' or '}' in object but found end of input at byte 6"},
        {"[1", "end of input"},
        {"01", "leading zero in number at byte 0"},
        {"-01", "leading zero"},
        {"00", "leading zero"},
        {"1.", "expected a digit after '.'"},
        {".5", "expected a value"},
        {"+1", "expected a value"},
        {"-", "expected a digit"},
        {"1e", "expected a digit in the exponent"},
        {"1e+", "exponent"},
        {"0x10", "expected end of input after the JSON value but found 'x' at byte 1"},
        {"1e400", "number out of range for a double at byte 0"},
        {"-1e400", "out of range"},
        {"NaN", "expected a value"},
        {"Infinity", "expected a value"},
        {"tru", "invalid literal"},
        {"nul", "invalid literal"},
        {"True", "expected a value"},
        {"true false", "expected end of input"},
        {"{} x", "found 'x' at byte 3"},
        {"\"abc", "unterminated string (it starts at byte 0) at byte 4"},
        {"\"a\tb\"", "control character 0x09 in string"},
        {"\"a\nb\"", "control character 0x0a"},
        {"\"\\x\"", "invalid escape '\\x'"},
        {"\"\\", "invalid escape"},
        {"\"\\u12\"", "expected 4 hex digits after \\u"},
        {"\"\\u12G4\"", "hex digits"},
        {"\"\\ud800\"", "high surrogate \\uD800 not followed"},
        {"\"\\ud800\\u0041\"", "expected a low surrogate"},
        {"\"\\udc00\"", "lone low surrogate"},
        {"\"\xff\"", "invalid UTF-8 in string at byte 1"},
        {"\"\xc3\"", "invalid UTF-8"},
        {"\"\xc0\xaf\"", "invalid UTF-8"},           /* overlong '/' */
        {"\"\xe0\x80\xaf\"", "invalid UTF-8"},       /* overlong, 3 bytes */
        {"\"\xed\xa0\x80\"", "invalid UTF-8"},       /* encoded surrogate */
        {"\"\xf4\x90\x80\x80\"", "invalid UTF-8"},   /* past U+10FFFF */
        {"\"\xe2\x82\"", "invalid UTF-8"},           /* truncated sequence */
        {"\xef\xbb\xbf{}", "expected a value but found byte 0xef"},
        {"{\"a\\u0000b\":1}", "object key contains \\u0000"},
        {"[1]]", "expected end of input"},
        {"'a'", "expected a value"},
    };
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++)
        reject(corpus[i].text, strlen(corpus[i].text), corpus[i].want);
    reject("[1,\0]", 5, "found byte 0x00 at byte 3");
}

static void test_tree(void)
{
    seq_json *v = parse("{\"z\":1,\"a\":[true,false,null,\"s\"],\"m\":{},\"z\":2}");
    CHECK(v && v->kind == SEQ_JSON_OBJECT && v->len == 4);
    if (!v)
        return;
    CHECK_STR(v->keys[0], "z");
    CHECK_STR(v->keys[1], "a");
    CHECK_STR(v->keys[2], "m");
    CHECK_STR(v->keys[3], "z");
    const seq_json *z = seq_json_get(v, "z"), *a = seq_json_get(v, "a");
    CHECK(z && z->kind == SEQ_JSON_NUMBER && z->integer == 1);
    CHECK(a && a->kind == SEQ_JSON_ARRAY && a->len == 4);
    if (a && a->len == 4) {
        CHECK(a->items[0].kind == SEQ_JSON_BOOL && a->items[0].boolean == 1);
        CHECK(a->items[1].kind == SEQ_JSON_BOOL && a->items[1].boolean == 0);
        CHECK(a->items[2].kind == SEQ_JSON_NULL);
        CHECK(a->items[3].kind == SEQ_JSON_STRING);
        CHECK_STR(a->items[3].string, "s");
    }
    CHECK(seq_json_get(v, "missing") == NULL);
    CHECK(seq_json_get(a, "z") == NULL);
    CHECK(seq_json_get(v, "m")->kind == SEQ_JSON_OBJECT);
    seq_json_free(v);

    /* only LEN bytes are read: no NUL needed after them */
    seq_err err;
    v = seq_json_parse("[7]garbage", 3, &err);
    CHECK(v && v->len == 1 && v->items[0].integer == 7);
    seq_json_free(v);
    seq_json_free(NULL);
}

static void test_numbers(void)
{
    seq_json *v = parse("[0, -0, 42, -17, 3.5, 1e2, 9223372036854775807, -9223372036854775808,"
                        " 9223372036854775808, 12345678901234567890, -9223372036854775809,"
                        " 1e-400, 2.5E-3, 1.7976931348623157e308]");
    CHECK(v && v->len == 14);
    if (!v || v->len != 14)
        return;
    const seq_json *n = v->items;
    CHECK(n[0].is_integer && n[0].integer == 0 && n[0].number == 0.0);
    CHECK(n[1].is_integer && n[1].integer == 0 && n[1].number == 0.0 && signbit(n[1].number));
    CHECK(n[2].is_integer && n[2].integer == 42 && n[2].number == 42.0);
    CHECK(n[3].is_integer && n[3].integer == -17);
    CHECK(!n[4].is_integer && n[4].number == 3.5);
    CHECK(!n[5].is_integer && n[5].number == 100.0); /* exponent: not an integer token */
    CHECK(n[6].is_integer && n[6].integer == INT64_MAX);
    CHECK(n[7].is_integer && n[7].integer == INT64_MIN);
    CHECK(!n[8].is_integer && n[8].number == 9223372036854775808.0);
    CHECK(!n[9].is_integer && n[9].number == 12345678901234567890.0);
    CHECK(!n[10].is_integer && n[10].number == -9223372036854775808.0);
    CHECK(!n[11].is_integer && n[11].number == 0.0); /* underflow is fine */
    CHECK(n[12].number == 2.5e-3);
    CHECK(n[13].number == 1.7976931348623157e308);
    seq_json_free(v);
}

static void test_strings(void)
{
    seq_json *v = parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"");
    if (v)
        CHECK_STR(v->string, "q\" b\\ s/ \b\f\n\r\t");
    seq_json_free(v);

    v = parse("\"\\u0041\\u00e9\\u20ac\\uD83D\\uDE00x\"");
    if (v) {
        CHECK_STR(v->string, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x");
        CHECK(v->len == 1 + 2 + 3 + 4 + 1);
    }
    seq_json_free(v);

    v = parse("\"\\udbff\\udfff\""); /* U+10FFFF, the last code point */
    if (v)
        CHECK_STR(v->string, "\xf4\x8f\xbf\xbf");
    seq_json_free(v);

    v = parse("\"a\\u0000b\""); /* a NUL inside a value is kept, LEN says so */
    CHECK(v && v->len == 3 && memcmp(v->string, "a\0b", 4) == 0);
    seq_json_free(v);
}

static void test_depth(void)
{
    char text[2 * 200 + 1];
    seq_err err;
    for (int depth = 63; depth <= 66; depth++) {
        memset(text, '[', (size_t)depth);
        memset(text + depth, ']', (size_t)depth);
        seq_json *v = seq_json_parse(text, 2 * (size_t)depth, &err);
        if (depth <= 64)
            CHECK_MSG(v != NULL, "depth %d: %s", depth, err.msg);
        else
            CHECK_MSG(v == NULL && strstr(err.msg, "nested deeper than 64 at byte 64"),
                      "depth %d: %s", depth, err.msg);
        seq_json_free(v);
    }
    /* objects count too: {"a":{"a":...{}...}} */
    seq_buf obj = {0};
    for (int i = 0; i < 64; i++)
        seq_buf_puts(&obj, "{\"a\":");
    seq_buf_puts(&obj, "{}");
    for (int i = 0; i < 64; i++)
        seq_buf_puts(&obj, "}");
    seq_json *v = seq_json_parse(obj.data, obj.len, &err);
    CHECK_MSG(v == NULL && strstr(err.msg, "deeper than 64 at byte 320"), "%s", err.msg);
    seq_json_free(v);
    v = seq_json_parse(obj.data + 5, obj.len - 6, &err); /* one level less */
    CHECK_MSG(v != NULL, "%s", err.msg);
    seq_json_free(v);
    seq_buf_free(&obj);

    /* far deeper than any stack would allow if recursion were unbounded */
    size_t n = 1000000;
    char *deep = malloc(n);
    memset(deep, '[', n);
    v = seq_json_parse(deep, n, &err);
    CHECK(v == NULL && strstr(err.msg, "deeper"));
    free(deep);
}

static char *escaped(const char *s)
{
    seq_buf b = {0};
    seq_json_put_string(&b, s);
    return b.data;
}

static void check_escape(const char *s, const char *want)
{
    char *got = escaped(s);
    CHECK_STR(got, want);
    seq_err err;
    seq_json *v = seq_json_parse(got, strlen(got), &err);
    CHECK_MSG(v && v->kind == SEQ_JSON_STRING, "%s: %s", got, err.msg);
    free(got);
    seq_json_free(v);
}

static void test_put_string(void)
{
    check_escape("", "\"\"");
    check_escape("plain/text", "\"plain/text\"");
    check_escape("q\"b\\", "\"q\\\"b\\\\\"");
    check_escape("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
    check_escape("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
    check_escape("caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
    check_escape("a\xff" "b\xc3", "\"a\\ufffdb\\ufffd\"");
    check_escape("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");

    /* appends to what the buffer holds */
    seq_buf b = {0};
    seq_buf_puts(&b, "k=");
    seq_json_put_string(&b, "v");
    CHECK_STR(b.data, "k=\"v\"");
    seq_buf_free(&b);

    /* every single byte and a few sequences survive escape + parse */
    for (int c = 1; c < 0x80; c++) {
        char s[2] = {(char)c, '\0'};
        char *text = escaped(s);
        seq_err err;
        seq_json *v = seq_json_parse(text, strlen(text), &err);
        CHECK_MSG(v && v->len == 1 && v->string[0] == (char)c, "byte 0x%02x: %s", c, text);
        seq_json_free(v);
        free(text);
    }
}

int main(void)
{
    test_valid_corpus();
    test_invalid_corpus();
    test_tree();
    test_numbers();
    test_strings();
    test_depth();
    test_put_string();
    return check_status("test_json");
}
