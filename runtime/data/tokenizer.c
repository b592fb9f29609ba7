/* tokenizer.c: word tokenizer, frequency vocabulary and fixed-length encoding. */
#include "tokenizer.h"

#include <stdlib.h>
#include <string.h>

#define TAG_MAX 256 /* a '>' further than this from its '<' does not close a tag */

/* ASCII whitespace and the other control bytes: they never belong in a word,
 * which also keeps every vocabulary word on one line of the saved form. */
static int is_space(unsigned char c)
{
    return c <= ' ' || c == 0x7F;
}

static int is_punct(unsigned char c)
{
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~');
}

static int is_word_char(unsigned char c)
{
    return !is_space(c) && !is_punct(c);
}

static int is_ascii_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* If an HTML tag starts at T[I], returns the index of its closing '>', else 0. */
static size_t tag_end(const unsigned char *t, size_t len, size_t i)
{
    if (i + 1 >= len || !(is_ascii_letter(t[i + 1]) || t[i + 1] == '/' || t[i + 1] == '!'))
        return 0;
    size_t stop = len - i > TAG_MAX ? i + TAG_MAX : len - 1;
    for (size_t j = i + 2; j <= stop; j++)
        if (t[j] == '>')
            return j;
    return 0;
}

/* Calls FN on T[START, END), lowercased into SCRATCH if the config asks. */
static void emit(const seq_tok_config *cfg, const unsigned char *t, size_t start, size_t end,
                 seq_buf *scratch, seq_tok_fn fn, void *ctx)
{
    size_t n = end - start;
    const char *tok = (const char *)t + start;
    if (cfg->lowercase) {
        scratch->len = 0;
        seq_buf_add(scratch, tok, n);
        for (size_t k = 0; k < n; k++)
            if (scratch->data[k] >= 'A' && scratch->data[k] <= 'Z')
                scratch->data[k] += 'a' - 'A';
        tok = scratch->data;
    }
    fn(tok, n, ctx);
}

void seq_tok_each(const seq_tok_config *cfg, const char *text, size_t len,
                  seq_tok_fn fn, void *ctx)
{
    const unsigned char *t = (const unsigned char *)text;
    seq_buf scratch = {0};
    size_t start = 0; /* first byte of the word being read */
    int in_word = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = t[i];
        size_t tag_close = c == '<' && cfg->strip_html ? tag_end(t, len, i) : 0;
        int word = !is_space(c) && !tag_close;
        if (word && is_punct(c) && cfg->punct != SEQ_PUNCT_KEEP)
            word = c == '\'' && i > 0 && i + 1 < len && is_word_char(t[i - 1]) &&
                   is_word_char(t[i + 1]);
        if (word) {
            if (!in_word)
                start = i, in_word = 1;
            continue;
        }
        if (in_word)
            emit(cfg, t, start, i, &scratch, fn, ctx), in_word = 0;
        if (tag_close)
            i = tag_close;
        else if (is_punct(c) && cfg->punct == SEQ_PUNCT_SPLIT)
            emit(cfg, t, i, i + 1, &scratch, fn, ctx);
    }
    if (in_word)
        emit(cfg, t, start, len, &scratch, fn, ctx);
    seq_buf_free(&scratch);
}

/* Open-addressing hash table of distinct words, each with a count; entry
 * indices are stable, so a vocabulary's entry k is the word with id k+2. */
typedef struct word_entry {
    uint64_t hash;
    size_t off, len; /* bytes in the table's arena, NUL-terminated there */
    uint64_t count;
} word_entry;

typedef struct word_table {
    uint32_t *slots; /* 0 = empty, else entry index + 1 */
    size_t mask;
    word_entry *entries;
    size_t n, cap;
    seq_buf arena;
} word_table;

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

static void table_init(word_table *t, size_t expected)
{
    size_t slots = 64;
    while (slots < 2 * expected)
        slots *= 2;
    memset(t, 0, sizeof *t);
    t->slots = seq_xcalloc(slots, sizeof *t->slots);
    t->mask = slots - 1;
}

static void table_free(word_table *t)
{
    free(t->slots);
    free(t->entries);
    seq_buf_free(&t->arena);
}

static const char *table_word(const word_table *t, size_t k)
{
    return t->arena.data + t->entries[k].off;
}

/* The slot holding the word, or the empty slot where it belongs. */
static size_t table_slot(const word_table *t, const char *s, size_t n, uint64_t h)
{
    size_t i = (size_t)h & t->mask;
    for (;; i = (i + 1) & t->mask) {
        uint32_t e = t->slots[i];
        if (e == 0)
            return i;
        const word_entry *w = &t->entries[e - 1];
        if (w->hash == h && w->len == n && memcmp(table_word(t, e - 1), s, n) == 0)
            return i;
    }
}

/* Index of the word's entry, or -1 if absent. */
static long table_find(const word_table *t, const char *s, size_t n)
{
    uint32_t e = t->slots[table_slot(t, s, n, fnv1a(s, n))];
    return (long)e - 1;
}

static void table_grow(word_table *t)
{
    size_t slots = 2 * (t->mask + 1);
    free(t->slots);
    t->slots = seq_xcalloc(slots, sizeof *t->slots);
    t->mask = slots - 1;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = (size_t)t->entries[k].hash & t->mask;
        while (t->slots[i])
            i = (i + 1) & t->mask;
        t->slots[i] = (uint32_t)(k + 1);
    }
}

/* The word's entry, added with count 0 if new. */
static word_entry *table_intern(word_table *t, const char *s, size_t n)
{
    uint64_t h = fnv1a(s, n);
    size_t i = table_slot(t, s, n, h);
    if (t->slots[i])
        return &t->entries[t->slots[i] - 1];
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->entries = seq_xrealloc(t->entries, t->cap * sizeof *t->entries);
    }
    word_entry *w = &t->entries[t->n];
    w->hash = h;
    w->off = t->arena.len;
    w->len = n;
    w->count = 0;
    seq_buf_add(&t->arena, s, n);
    seq_buf_add(&t->arena, "", 1);
    t->slots[i] = (uint32_t)++t->n;
    if (2 * t->n > t->mask + 1)
        table_grow(t);
    return w;
}

struct seq_vocab {
    int size;
    word_table words; /* entry k has id k + 2 */
};

static void count_token(const char *tok, size_t len, void *ctx)
{
    table_intern(ctx, tok, len)->count++;
}

typedef struct ranked_word {
    const char *s;
    size_t len;
    uint64_t count;
} ranked_word;

/* Most frequent first; ties by bytes, then the shorter first. */
static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked_word *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
    if (c)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

seq_vocab *seq_vocab_build(const seq_tok_config *cfg, char *const *texts,
                           const size_t *lens, size_t n)
{
    word_table counts;
    table_init(&counts, 0);
    for (size_t i = 0; i < n; i++)
        seq_tok_each(cfg, texts[i], lens[i], count_token, &counts);
    ranked_word *ranked = seq_xmalloc(counts.n * sizeof *ranked);
    for (size_t k = 0; k < counts.n; k++)
        ranked[k] = (ranked_word){table_word(&counts, k), counts.entries[k].len,
                                  counts.entries[k].count};
    qsort(ranked, counts.n, sizeof *ranked, cmp_ranked);

    seq_vocab *v = seq_xmalloc(sizeof *v);
    v->size = cfg->vocab_size > 2 ? cfg->vocab_size : 2;
    size_t keep = (size_t)(v->size - 2) < counts.n ? (size_t)(v->size - 2) : counts.n;
    table_init(&v->words, keep);
    for (size_t k = 0; k < keep; k++)
        table_intern(&v->words, ranked[k].s, ranked[k].len);
    free(ranked);
    table_free(&counts);
    return v;
}

void seq_vocab_free(seq_vocab *v)
{
    if (!v)
        return;
    table_free(&v->words);
    free(v);
}

int seq_vocab_size(const seq_vocab *v)
{
    return v->size;
}

const char *seq_vocab_word(const seq_vocab *v, int id)
{
    if (id == 0)
        return "<pad>";
    if (id == 1)
        return "<oov>";
    if (id < 2 || (size_t)(id - 2) >= v->words.n)
        return NULL;
    return table_word(&v->words, (size_t)(id - 2));
}

int32_t seq_vocab_id(const seq_vocab *v, const char *tok, size_t len)
{
    long k = table_find(&v->words, tok, len);
    return k < 0 ? 1 : (int32_t)(k + 2);
}

void seq_vocab_save(const seq_vocab *v, seq_buf *out)
{
    for (size_t k = 0; k < v->words.n; k++) {
        if (k)
            seq_buf_add(out, "\n", 1);
        seq_buf_add(out, table_word(&v->words, k), v->words.entries[k].len);
    }
}

seq_vocab *seq_vocab_load(const char *data, size_t len, int vocab_size, seq_err *err)
{
    if (vocab_size < 2) {
        seq_fail(err, "vocab: vocab_size %d is too small (expected at least 2: <pad> and <oov>)",
                 vocab_size);
        return NULL;
    }
    if (len > 0 && data[len - 1] == '\n')
        len--; /* one final newline is allowed */
    seq_vocab *v = seq_xmalloc(sizeof *v);
    v->size = vocab_size;
    table_init(&v->words, 0);
    size_t max_words = (size_t)vocab_size - 2, line = 1;
    for (size_t i = 0, n; len > 0 && i <= len; i += n + 1, line++) {
        const char *s = data + i;
        const char *nl = memchr(s, '\n', len - i);
        n = nl ? (size_t)(nl - s) : len - i;
        if (n == 0) {
            seq_fail(err, "vocab line %zu: empty word (expected one word per line)", line);
            goto fail;
        }
        for (size_t k = 0; k < n; k++) {
            if (is_space((unsigned char)s[k])) {
                seq_fail(err, "vocab line %zu: word contains whitespace or a control byte "
                              "(expected one word per line)", line);
                goto fail;
            }
        }
        if (v->words.n == max_words) {
            seq_fail(err, "vocab line %zu: more than %zu words (expected at most vocab_size-2 "
                          "= %d - 2)", line, max_words, vocab_size);
            goto fail;
        }
        word_entry *w = table_intern(&v->words, s, n);
        if (w->count) { /* marks a word already read */
            seq_fail(err, "vocab line %zu: duplicate word \"%.*s\" (first on line %zu)", line,
                     n > 64 ? 64 : (int)n, s, (size_t)(w - v->words.entries) + 1);
            goto fail;
        }
        w->count = 1;
    }
    return v;
fail:
    seq_vocab_free(v);
    return NULL;
}

/* Collects ids into the output as a ring of SEQ_LEN, so with TRUNC = PRE the
 * last SEQ_LEN survive without a second buffer. */
typedef struct encoder {
    const seq_vocab *v;
    int32_t *out;
    size_t seq_len, n; /* n counts every token seen */
    int keep_end;
} encoder;

static void encode_token(const char *tok, size_t len, void *ctx)
{
    encoder *e = ctx;
    if (e->n < e->seq_len || e->keep_end)
        e->out[e->n % e->seq_len] = seq_vocab_id(e->v, tok, len);
    e->n++;
}

static void reverse(int32_t *a, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        int32_t t = a[i];
        a[i] = a[n - 1 - i];
        a[n - 1 - i] = t;
    }
}

int seq_tok_encode(const seq_tok_config *cfg, const seq_vocab *v,
                   const char *text, size_t len, int seq_len,
                   seq_pad pad, seq_pad trunc, int32_t *out)
{
    if (seq_len <= 0)
        return 0;
    encoder e = {v, out, (size_t)seq_len, 0, trunc == SEQ_PAD_PRE};
    seq_tok_each(cfg, text, len, encode_token, &e);
    size_t width = e.seq_len;
    if (e.n >= width) {
        /* Rotate the ring so the oldest kept id comes first. */
        size_t head = e.keep_end ? e.n % width : 0;
        if (head) {
            reverse(out, head);
            reverse(out + head, width - head);
            reverse(out, width);
        }
        return seq_len;
    }
    size_t pad_len = width - e.n;
    if (pad == SEQ_PAD_PRE) {
        memmove(out + pad_len, out, e.n * sizeof *out);
        memset(out, 0, pad_len * sizeof *out);
    } else {
        memset(out + e.n, 0, pad_len * sizeof *out);
    }
    return (int)e.n;
}
