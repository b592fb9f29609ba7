/* chars.c: UTF-8 decoding, character vocabularies by frequency, and words
 * spelled as fixed-width rows of char ids. */
#include "chars.h"

#include <stdlib.h>

#include "base/utf8.h"
#include "base/util.h"

enum { N_CODE_POINTS = 0x110000 };

void seq_char_counts_init(seq_char_counts *c)
{
    c->n = seq_xcalloc(N_CODE_POINTS, sizeof *c->n);
}

void seq_char_counts_free(seq_char_counts *c)
{
    free(c->n);
    c->n = NULL;
}

void seq_char_counts_text(seq_char_counts *c, const char *s, size_t len)
{
    for (size_t i = 0; i < len;)
        c->n[seq_utf8_next(s, len, &i)]++;
}

typedef struct char_count {
    int32_t cp;
    uint64_t n;
} char_count;

static int by_count(const void *a, const void *b)
{
    const char_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return (x->cp > y->cp) - (x->cp < y->cp);
}

int32_t *seq_char_counts_top(const seq_char_counts *c, int k, int *n_chars)
{
    size_t seen = 0;
    for (int32_t cp = 0; cp < N_CODE_POINTS; cp++)
        seen += c->n[cp] > 0;
    char_count *counts = seq_xmalloc((seen ? seen : 1) * sizeof *counts);
    size_t j = 0;
    for (int32_t cp = 0; cp < N_CODE_POINTS; cp++)
        if (c->n[cp] > 0)
            counts[j++] = (char_count){cp, c->n[cp]};
    qsort(counts, seen, sizeof *counts, by_count);
    *n_chars = k < 0 ? 0 : seen < (size_t)k ? (int)seen : k;
    int32_t *chars = seq_xmalloc((size_t)(*n_chars ? *n_chars : 1) * sizeof *chars);
    for (int i = 0; i < *n_chars; i++)
        chars[i] = counts[i].cp;
    free(counts);
    return chars;
}

int32_t seq_char_id(const int32_t *chars, int n_chars, int32_t cp)
{
    for (int i = 0; i < n_chars; i++)
        if (chars[i] == cp)
            return i + 1;
    return 0;
}

void seq_spell(const int32_t *chars, int n_chars, const char *tok, size_t len, int width,
               int32_t *out)
{
    size_t i = 0;
    int w = 0;
    for (; w < width && i < len; w++)
        out[w] = seq_char_id(chars, n_chars, seq_utf8_next(tok, len, &i)) + 1;
    for (; w < width; w++)
        out[w] = 0;
}
