/* test_utf8.c: the one UTF-8 module: well-formed sequences and the bad
 * ones (overlongs, surrogates, past U+10FFFF, truncated, stray continuation
 * bytes), decoding any bytes, and the encoder's round trip. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "base/utf8.h"

static void test_length(void)
{
    CHECK(seq_utf8_length("a", 1) == 1);
    CHECK(seq_utf8_length("\x7f", 1) == 1);
    CHECK(seq_utf8_length("\xc2\x80", 2) == 2);
    CHECK(seq_utf8_length("\xe0\xa0\x80", 3) == 3);
    CHECK(seq_utf8_length("\xf4\x8f\xbf\xbf", 4) == 4);
    CHECK(seq_utf8_length("\xf0\x9f\x98\x80xyz", 7) == 4); /* only the first */
    CHECK(seq_utf8_length("\xf0\x9f\x98\x80", 3) == 0);    /* AVAIL cuts it */
    CHECK(seq_utf8_length("\xc1\xbf", 2) == 0);
    CHECK(seq_utf8_length("\xed\xa0\x80", 3) == 0);
    CHECK(seq_utf8_length("\xf4\x90\x80\x80", 4) == 0);
    CHECK(seq_utf8_length("\xbf", 1) == 0);
    CHECK(seq_utf8_continues(0x80) && seq_utf8_continues(0xBF));
    CHECK(!seq_utf8_continues('a') && !seq_utf8_continues(0xC2) && !seq_utf8_continues(0xFF));
}

static void test_valid(void)
{
    static const struct {
        const char *s;
        size_t len;
        int valid;
        size_t line;
    } cases[] = {
        {"", 0, 1, 0},
        {"plain ascii\n", 12, 1, 0},
        {"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xef\xbf\xbf \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf", 23, 1,
         0},
        {"\xed\x9f\xbf \xee\x80\x80", 7, 1, 0},  /* around the surrogates */
        {"a\0b", 3, 1, 0},                        /* U+0000 is valid */
        {"\xc0\x80", 2, 0, 1},                    /* overlong NUL */
        {"\xc1\xbf", 2, 0, 1},                    /* overlong 2-byte */
        {"\xe0\x80\x80", 3, 0, 1},                /* overlong 3-byte */
        {"\xe0\x9f\xbf", 3, 0, 1},
        {"\xf0\x80\x80\x80", 4, 0, 1},            /* overlong 4-byte */
        {"\xf0\x8f\xbf\xbf", 4, 0, 1},
        {"\xed\xa0\x80", 3, 0, 1},                /* U+D800 */
        {"\xed\xbf\xbf", 3, 0, 1},                /* U+DFFF */
        {"\xf4\x90\x80\x80", 4, 0, 1},            /* U+110000 */
        {"\xf5\x80\x80\x80", 4, 0, 1},
        {"\xff", 1, 0, 1},
        {"\xfe", 1, 0, 1},
        {"\x80", 1, 0, 1},                        /* lone continuation */
        {"ok \xe2\x82", 5, 0, 1},                 /* truncated at the end */
        {"\xf0\x9f\x8e", 3, 0, 1},
        {"\xe2\x28\xa1", 3, 0, 1},                /* bad continuation */
        {"\xf0\x9f\x28\xac", 4, 0, 1},
        {"\xe2\x82\xac\xe2\x82\xac", 4, 0, 1},    /* cut by LEN */
        {"a\nb\n\nc\xc3", 7, 0, 4},
        {"\n\n\xc3\xa9\n\xa9", 6, 0, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t line = 0;
        int ok = seq_utf8_valid(cases[i].s, cases[i].len, &line);
        CHECK_MSG(ok == cases[i].valid, "case %zu", i);
        if (!cases[i].valid)
            CHECK_MSG(line == cases[i].line, "case %zu: line %zu, expected %zu", i, line,
                      cases[i].line);
    }
    CHECK(seq_utf8_valid("\xff", 1, NULL) == 0);
    CHECK(seq_utf8_valid("ab\xff", 2, NULL) == 1); /* bytes past LEN are not read */
}

/* Decodes S (LEN bytes) into at most 16 code points; returns how many. */
static int decode(const char *s, size_t len, int32_t *cp)
{
    int n = 0;
    for (size_t i = 0; i < len && n < 16;)
        cp[n++] = seq_utf8_next(s, len, &i);
    return n;
}

static void test_next(void)
{
    int32_t cp[16];
    CHECK(decode("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10, cp) == 4);
    CHECK(cp[0] == 'a' && cp[1] == 0xE9 && cp[2] == 0x20AC && cp[3] == 0x1F600);
    /* a stray continuation byte, an invalid lead byte, an overlong '/', a
     * surrogate: each bad byte on its own is U+FFFD, then decoding goes on */
    CHECK(decode("\x80x\xffy", 4, cp) == 4);
    CHECK(cp[0] == 0xFFFD && cp[1] == 'x' && cp[2] == 0xFFFD && cp[3] == 'y');
    CHECK(decode("\xc0\xaf", 2, cp) == 2 && cp[0] == 0xFFFD && cp[1] == 0xFFFD);
    CHECK(decode("\xe0\x80\xaf", 3, cp) == 3 && cp[0] == 0xFFFD);
    CHECK(decode("\xed\xa0\x80", 3, cp) == 3 && cp[0] == 0xFFFD);
    CHECK(decode("\xf4\x90\x80\x80", 4, cp) == 4 && cp[0] == 0xFFFD); /* past U+10FFFF */
    /* a sequence cut short by the end, or by an ASCII byte */
    CHECK(decode("\xe2\x82", 2, cp) == 2 && cp[0] == 0xFFFD && cp[1] == 0xFFFD);
    CHECK(decode("\xe2" "a", 2, cp) == 2 && cp[0] == 0xFFFD && cp[1] == 'a');
}

/* Every code point but the surrogates encodes to a well-formed sequence of
 * the shortest length that decodes back to it; a surrogate encodes to the
 * 3 bytes the validator rejects. */
static void test_round_trip(void)
{
    int bad = 0;
    for (uint32_t cp = 0; cp <= 0x10FFFF && bad < 5; cp++) {
        char u[SEQ_UTF8_MAX];
        size_t n = seq_utf8_encode(cp, u), i = 0;
        size_t want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        int surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        int ok = n == want && seq_utf8_valid(u, n, NULL) == !surrogate;
        if (ok && !surrogate)
            ok = seq_utf8_next(u, n, &i) == (int32_t)cp && i == n &&
                 seq_utf8_length(u, n) == n;
        if (!ok) {
            CHECK_MSG(0, "U+%04X", (unsigned)cp);
            bad++;
        }
    }
    char u[SEQ_UTF8_MAX];
    CHECK(seq_utf8_encode(0x20AC, u) == 3 && memcmp(u, "\xe2\x82\xac", 3) == 0);
    CHECK(seq_utf8_encode(0x10FFFF, u) == 4 && memcmp(u, "\xf4\x8f\xbf\xbf", 4) == 0);
    CHECK(seq_utf8_encode(0, u) == 1 && u[0] == 0);
}

int main(void)
{
    test_length();
    test_valid();
    test_next();
    test_round_trip();
    return check_status("test_utf8");
}
