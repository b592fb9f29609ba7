/* test_tokenizer.c: tokenizing rules, vocabulary building, save/load and encoding. */
#include "check.h"
#include "data/tokenizer.h"

#include <stdlib.h>

static void join_token(const char *tok, size_t len, void *ctx)
{
    seq_buf *b = ctx;
    if (b->len)
        seq_buf_add(b, "|", 1);
    seq_buf_add(b, tok, len);
}

/* The tokens of TEXT joined with '|'; "" for none. Caller frees. */
static char *tokens_n(int lowercase, int strip_html, seq_punct punct, const char *text,
                      size_t len)
{
    seq_tok_config cfg = {lowercase, strip_html, punct, 100};
    seq_buf b = {0};
    seq_buf_add(&b, "", 0);
    seq_tok_each(&cfg, text, len, join_token, &b);
    return b.data;
}

static char *tokens(int lowercase, int strip_html, seq_punct punct, const char *text)
{
    return tokens_n(lowercase, strip_html, punct, text, strlen(text));
}

#define CHECK_TOKENS(lc, html, punct, text, want)          \
    do {                                                   \
        char *got_ = tokens(lc, html, punct, text);        \
        CHECK_STR(got_, want);                             \
        free(got_);                                        \
    } while (0)

static void count_tokens(const char *tok, size_t len, void *ctx)
{
    (void)tok;
    (void)len;
    ++*(int *)ctx;
}

static void test_punct_modes(void)
{
    const char *t = "Hello, world!! (x-y) a_b";
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, t, "hello|,|world|!|!|(|x|-|y|)|a|_|b");
    CHECK_TOKENS(1, 1, SEQ_PUNCT_STRIP, t, "hello|world|x|y|a|b");
    CHECK_TOKENS(1, 1, SEQ_PUNCT_KEEP, t, "hello,|world!!|(x-y)|a_b");

    /* Every ASCII punctuation character, and nothing else, is punctuation. */
    const char *all = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    CHECK(strlen(all) == 32);
    seq_tok_config split = {0, 0, SEQ_PUNCT_SPLIT, 10}, strip = {0, 0, SEQ_PUNCT_STRIP, 10};
    int n = 0;
    seq_tok_each(&split, all, 32, count_tokens, &n);
    CHECK(n == 32);
    n = 0;
    seq_tok_each(&strip, all, 32, count_tokens, &n);
    CHECK(n == 0);
    for (int c = 0; c < 128; c++) {
        if (strchr(all, c) || c <= ' ' || c == 0x7F)
            continue;
        char s[4] = {'(', (char)c, ')', 0};
        char *got = tokens(0, 0, SEQ_PUNCT_STRIP, s);
        CHECK_MSG(strlen(got) == 1 && got[0] == c, "byte 0x%02x -> \"%s\"", c, got);
        free(got);
    }
    CHECK_TOKENS(0, 0, SEQ_PUNCT_SPLIT, "a...b", "a|.|.|.|b");
    CHECK_TOKENS(0, 0, SEQ_PUNCT_KEEP, "...", "...");
}

static void test_whitespace_and_case(void)
{
    CHECK_TOKENS(0, 0, SEQ_PUNCT_SPLIT, "a\tb\nc\rd\fe\vf   g", "a|b|c|d|e|f|g");
    CHECK_TOKENS(0, 0, SEQ_PUNCT_KEEP, "a\x01" "b\x7f" "c", "a|b|c"); /* control bytes */
    CHECK_TOKENS(0, 0, SEQ_PUNCT_SPLIT, "  \t\n ", "");
    CHECK_TOKENS(0, 0, SEQ_PUNCT_SPLIT, "", "");
    CHECK_TOKENS(1, 0, SEQ_PUNCT_SPLIT, "The MOVIE Was 10/10", "the|movie|was|10|/|10");
    CHECK_TOKENS(0, 0, SEQ_PUNCT_SPLIT, "The MOVIE", "The|MOVIE");
    /* Bytes >= 0x80 are word characters, never case-folded or split. */
    CHECK_TOKENS(1, 0, SEQ_PUNCT_SPLIT, "Caf\xc3\xa9 \xc3\x9c" "BER-Cool \xe2\x80\x94 don\xe2\x80\x99t",
                 "caf\xc3\xa9|\xc3\x9c" "ber|-|cool|\xe2\x80\x94|don\xe2\x80\x99t");
    /* A NUL byte inside the given length separates, the length is honoured. */
    char *got = tokens_n(0, 0, SEQ_PUNCT_SPLIT, "ab\0cd ef", 5);
    CHECK_STR(got, "ab|cd");
    free(got);
    /* A token may be longer than any fixed scratch buffer. */
    char big[5001];
    memset(big, 'Q', 5000);
    big[5000] = 0;
    got = tokens(1, 0, SEQ_PUNCT_SPLIT, big);
    CHECK(strlen(got) == 5000 && got[0] == 'q' && got[4999] == 'q');
    free(got);
}

static void test_html(void)
{
    const char *t = "Great<br /><br />movie.<i>Really</I> <!-- note -->good";
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, t, "great|movie|.|really|good");
    CHECK_TOKENS(1, 1, SEQ_PUNCT_KEEP, t, "great|movie.|really|good");
    CHECK_TOKENS(1, 0, SEQ_PUNCT_SPLIT, "a<br />b", "a|<|br|/|>|b");
    CHECK_TOKENS(1, 0, SEQ_PUNCT_STRIP, "a<br />b", "a|br|b");
    /* '<' not followed by a letter, '/' or '!' is punctuation. */
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, "1 < 2 > 0", "1|<|2|>|0");
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, "i <3 it>", "i|<|3|it|>");
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, "a <> b", "a|<|>|b");
    /* No '>' at all: ordinary punctuation. */
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, "x <b y", "x|<|b|y");
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, "end<", "end|<");
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, "end</", "end|<|/");

    /* The '>' may be at most 256 bytes after the '<'. */
    char s[400];
    for (int dist = 255; dist <= 257; dist++) {
        memset(s, 0, sizeof s);
        s[0] = '<';
        memset(s + 1, 'a', (size_t)dist - 1);
        s[dist] = '>';
        strcpy(s + dist + 1, " z");
        char *got = tokens(0, 1, SEQ_PUNCT_STRIP, s);
        if (dist <= 256) {
            CHECK_STR(got, "z");
        } else {
            CHECK_MSG(strlen(got) == 256 + 2 && got[255] == 'a' && got[256] == '|',
                      "dist %d: \"%s\"", dist, got);
        }
        free(got);
    }
}

static void test_apostrophes(void)
{
    const char *t = "Don't it's 'quoted' dogs' rock'n'roll '' a''b '90s";
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, t,
                 "don't|it's|'|quoted|'|dogs|'|rock'n'roll|'|'|a|'|'|b|'|90s");
    CHECK_TOKENS(1, 1, SEQ_PUNCT_STRIP, t, "don't|it's|quoted|dogs|rock'n'roll|a|b|90s");
    CHECK_TOKENS(1, 1, SEQ_PUNCT_KEEP, "'tis dogs' don't", "'tis|dogs'|don't");
    /* Next to punctuation or a tag the apostrophe is not inside a word. */
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, "x,'y <b>'z", "x|,|'|y|'|z");
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, "\xc3\xa9'\xc3\xa9", "\xc3\xa9'\xc3\xa9");
    CHECK_TOKENS(1, 1, SEQ_PUNCT_SPLIT, "'", "'");
}

static seq_vocab *build(int vocab_size, const char *const *texts, size_t n)
{
    seq_tok_config cfg = {1, 1, SEQ_PUNCT_SPLIT, vocab_size};
    size_t lens[16];
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(texts[i]);
    return seq_vocab_build(&cfg, (char *const *)texts, lens, n);
}

static char *saved(const seq_vocab *v)
{
    seq_buf b = {0};
    seq_buf_add(&b, "", 0);
    seq_vocab_save(v, &b);
    return b.data;
}

static void test_vocab_build(void)
{
    /* Counts after lowercasing: a 4, zz 3, ab 2, b 2, ba 1, c 1, d 1. */
    const char *texts[] = {"a b ab c", "A a ba", "a B ab d", "zz zz zz"};
    seq_vocab *v = build(100, texts, 4);
    CHECK(seq_vocab_size(v) == 100);
    CHECK_STR(seq_vocab_word(v, 0), "<pad>");
    CHECK_STR(seq_vocab_word(v, 1), "<oov>");
    CHECK_STR(seq_vocab_word(v, 2), "a");  /* 4 */
    CHECK_STR(seq_vocab_word(v, 3), "zz"); /* 3 */
    CHECK_STR(seq_vocab_word(v, 4), "ab"); /* 2: "ab" < "b" by bytes */
    CHECK_STR(seq_vocab_word(v, 5), "b");
    CHECK_STR(seq_vocab_word(v, 6), "ba"); /* 1: "ba" < "c" < "d" */
    CHECK_STR(seq_vocab_word(v, 7), "c");
    CHECK_STR(seq_vocab_word(v, 8), "d");
    /* Fewer words than vocab_size-2: unused ids have no word. */
    CHECK(seq_vocab_word(v, 9) == NULL);
    CHECK(seq_vocab_word(v, 99) == NULL);
    CHECK(seq_vocab_word(v, 100) == NULL);
    CHECK(seq_vocab_word(v, -1) == NULL);
    CHECK(seq_vocab_id(v, "a", 1) == 2);
    CHECK(seq_vocab_id(v, "ab", 2) == 4);
    CHECK(seq_vocab_id(v, "abc", 2) == 4); /* length is honoured */
    CHECK(seq_vocab_id(v, "A", 1) == 1);   /* lookup takes tokens as they are */
    CHECK(seq_vocab_id(v, "nope", 4) == 1);
    CHECK(seq_vocab_id(v, "", 0) == 1);
    char *s = saved(v);
    CHECK_STR(s, "a\nzz\nab\nb\nba\nc\nd");
    free(s);
    seq_vocab_free(v);

    /* Prefix ties: the shorter word first. */
    const char *pre[] = {"abc ab a b"};
    v = build(10, pre, 1);
    s = saved(v);
    CHECK_STR(s, "a\nab\nabc\nb");
    free(s);
    seq_vocab_free(v);

    /* vocab_size cuts the tail; dropped words become OOV. */
    v = build(4, texts, 4);
    CHECK(seq_vocab_size(v) == 4);
    CHECK_STR(seq_vocab_word(v, 3), "zz");
    CHECK(seq_vocab_word(v, 4) == NULL);
    CHECK(seq_vocab_id(v, "ab", 2) == 1);
    seq_vocab_free(v);

    /* Only the reserved ids. */
    v = build(2, texts, 4);
    CHECK(seq_vocab_size(v) == 2 && seq_vocab_word(v, 2) == NULL);
    CHECK(seq_vocab_id(v, "a", 1) == 1);
    seq_vocab_free(v);

    /* No texts at all. */
    v = build(5, texts, 0);
    CHECK(seq_vocab_size(v) == 5 && seq_vocab_word(v, 2) == NULL);
    seq_vocab_free(v);

    /* The order of the texts does not change the vocabulary. */
    const char *shuffled[] = {"zz zz zz", "a B ab d", "a b ab c", "A a ba"};
    seq_vocab *v1 = build(100, texts, 4), *v2 = build(100, shuffled, 4);
    char *s1 = saved(v1), *s2 = saved(v2);
    CHECK_STR(s1, s2);
    free(s1);
    free(s2);
    seq_vocab_free(v1);
    seq_vocab_free(v2);
}

/* Enough distinct words to grow the hash tables several times. */
static void test_vocab_many_words(void)
{
    enum { N = 5000 };
    seq_buf text = {0};
    for (int i = 0; i < N; i++)
        for (int r = 0; r <= i % 3; r++)
            seq_buf_printf(&text, "w%d ", i);
    seq_tok_config cfg = {1, 1, SEQ_PUNCT_SPLIT, N + 2};
    seq_vocab *v = seq_vocab_build(&cfg, &text.data, &text.len, 1);
    int ok = 1;
    for (int i = 0; i < N; i++) {
        char w[16];
        int n = snprintf(w, sizeof w, "w%d", i);
        int32_t id = seq_vocab_id(v, w, (size_t)n);
        const char *back = seq_vocab_word(v, id);
        ok &= id >= 2 && back && strcmp(back, w) == 0;
    }
    CHECK(ok);
    CHECK_STR(seq_vocab_word(v, 2), "w1001"); /* first by bytes of w2, w5, w8, ... */
    CHECK(seq_vocab_word(v, N + 1) != NULL);
    seq_vocab_free(v);
    seq_buf_free(&text);
}

static void test_vocab_save_load(void)
{
    const char *texts[] = {"the cat sat on the mat", "the dog's \xc3\xa9t\xc3\xa9 mat!"};
    seq_vocab *v = build(50, texts, 2);
    char *s = saved(v);
    seq_err err = {{0}};
    seq_vocab *w = seq_vocab_load(s, strlen(s), 50, &err);
    CHECK_MSG(w != NULL, "%s", err.msg);
    if (w) {
        CHECK(seq_vocab_size(w) == 50);
        for (int id = 0; id < 50; id++) {
            const char *a = seq_vocab_word(v, id), *b = seq_vocab_word(w, id);
            CHECK_MSG((a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0), "id %d", id);
            if (a)
                CHECK(seq_vocab_id(w, a, strlen(a)) == (id < 2 ? 1 : id));
        }
        char *again = saved(w);
        CHECK_STR(again, s);
        free(again);
        seq_vocab_free(w);
    }
    /* One final newline is accepted. */
    seq_buf nl = {0};
    seq_buf_puts(&nl, s);
    seq_buf_puts(&nl, "\n");
    w = seq_vocab_load(nl.data, nl.len, 50, &err);
    CHECK(w && seq_vocab_id(w, "mat", 3) == seq_vocab_id(v, "mat", 3));
    seq_vocab_free(w);
    seq_buf_free(&nl);
    free(s);
    seq_vocab_free(v);

    /* An empty vocabulary, and exactly vocab_size-2 words. */
    w = seq_vocab_load("", 0, 2, &err);
    CHECK(w && seq_vocab_word(w, 2) == NULL);
    seq_vocab_free(w);
    w = seq_vocab_load("x\ny", 3, 4, &err);
    CHECK(w && seq_vocab_id(w, "y", 1) == 3);
    seq_vocab_free(w);

    static const struct {
        const char *data;
        int vocab_size;
        const char *want;
    } bad[] = {
        {"a\n\nb", 10, "vocab line 2: empty word"},
        {"\na", 10, "vocab line 1: empty word"},
        {"a\n\n", 10, "vocab line 2: empty word"},
        {"a\nb c", 10, "vocab line 2: word contains whitespace"},
        {"a\tb", 10, "vocab line 1: word contains whitespace"},
        {"a\r\nb", 10, "vocab line 1: word contains whitespace"},
        {"a\nb\na", 10, "vocab line 3: duplicate word \"a\" (first on line 1)"},
        {"a\nb\nc", 4, "vocab line 3: more than 2 words"},
        {"a", 2, "vocab line 1: more than 0 words"},
        {"", 1, "vocab_size 1 is too small"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = 0;
        w = seq_vocab_load(bad[i].data, strlen(bad[i].data), bad[i].vocab_size, &err);
        CHECK_MSG(w == NULL, "case %zu loaded", i);
        CHECK_MSG(strstr(err.msg, bad[i].want) != NULL, "case %zu: \"%s\" lacks \"%s\"", i,
                  err.msg, bad[i].want);
        seq_vocab_free(w);
    }
}

static void check_ids(const int32_t *got, const int32_t *want, int n, const char *what)
{
    for (int i = 0; i < n; i++)
        CHECK_MSG(got[i] == want[i], "%s: id[%d] = %d, expected %d", what, i, (int)got[i],
                  (int)want[i]);
}

static void test_encode(void)
{
    /* ids: the 2, a 3, bad 4, good 5, movie 6 */
    const char *texts[] = {"the the the the a a a bad bad good movie"};
    seq_tok_config cfg = {1, 1, SEQ_PUNCT_STRIP, 7};
    size_t len0 = strlen(texts[0]);
    seq_vocab *v = seq_vocab_build(&cfg, (char *const *)texts, &len0, 1);
    CHECK_STR(seq_vocab_word(v, 6), "movie");

    const char *t = "THE movie, a <br />GOOD one";  /* the movie a good one(OOV) */
    size_t n = strlen(t);
    int32_t out[8];

    /* Exactly seq_len tokens: no padding, no truncation, either way. */
    static const int32_t exact[] = {2, 6, 3, 5, 1};
    for (int pad = 0; pad < 2; pad++)
        for (int trunc = 0; trunc < 2; trunc++) {
            CHECK(seq_tok_encode(&cfg, v, t, n, 5, pad, trunc, out) == 5);
            check_ids(out, exact, 5, "exact");
        }

    static const int32_t pre[] = {0, 0, 0, 2, 6, 3, 5, 1}, post[] = {2, 6, 3, 5, 1, 0, 0, 0};
    CHECK(seq_tok_encode(&cfg, v, t, n, 8, SEQ_PAD_PRE, SEQ_PAD_PRE, out) == 5);
    check_ids(out, pre, 8, "pad pre");
    CHECK(seq_tok_encode(&cfg, v, t, n, 8, SEQ_PAD_POST, SEQ_PAD_PRE, out) == 5);
    check_ids(out, post, 8, "pad post");

    static const int32_t keep_end[] = {3, 5, 1}, keep_start[] = {2, 6, 3};
    CHECK(seq_tok_encode(&cfg, v, t, n, 3, SEQ_PAD_POST, SEQ_PAD_PRE, out) == 3);
    check_ids(out, keep_end, 3, "trunc pre");
    CHECK(seq_tok_encode(&cfg, v, t, n, 3, SEQ_PAD_PRE, SEQ_PAD_POST, out) == 3);
    check_ids(out, keep_start, 3, "trunc post");
    static const int32_t last[] = {1}, first[] = {2};
    CHECK(seq_tok_encode(&cfg, v, t, n, 1, SEQ_PAD_PRE, SEQ_PAD_PRE, out) == 1);
    check_ids(out, last, 1, "seq_len 1 pre");
    CHECK(seq_tok_encode(&cfg, v, t, n, 1, SEQ_PAD_PRE, SEQ_PAD_POST, out) == 1);
    check_ids(out, first, 1, "seq_len 1 post");

    /* Many times longer than seq_len: the ring wraps more than once. */
    const char *l = "a the bad good movie a the bad good movie a"; /* 11 tokens */
    static const int32_t tail4[] = {4, 5, 6, 3}, head4[] = {3, 2, 4, 5};
    CHECK(seq_tok_encode(&cfg, v, l, strlen(l), 4, SEQ_PAD_PRE, SEQ_PAD_PRE, out) == 4);
    check_ids(out, tail4, 4, "wrap pre");
    CHECK(seq_tok_encode(&cfg, v, l, strlen(l), 4, SEQ_PAD_PRE, SEQ_PAD_POST, out) == 4);
    check_ids(out, head4, 4, "wrap post");

    /* Empty text: all padding. */
    static const int32_t zeros[] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        out[i] = 77;
    CHECK(seq_tok_encode(&cfg, v, "", 0, 4, SEQ_PAD_POST, SEQ_PAD_PRE, out) == 0);
    check_ids(out, zeros, 4, "empty");
    CHECK(seq_tok_encode(&cfg, v, " <br /> !", 9, 4, SEQ_PAD_PRE, SEQ_PAD_PRE, out) == 0);
    check_ids(out, zeros, 4, "only separators");

    /* seq_len 0 writes nothing. */
    out[0] = 77;
    CHECK(seq_tok_encode(&cfg, v, t, n, 0, SEQ_PAD_PRE, SEQ_PAD_PRE, out) == 0);
    CHECK(out[0] == 77);
    seq_vocab_free(v);
}

int main(void)
{
    test_punct_modes();
    test_whitespace_and_case();
    test_html();
    test_apostrophes();
    test_vocab_build();
    test_vocab_many_words();
    test_vocab_save_load();
    test_encode();
    return check_status("test_tokenizer");
}
