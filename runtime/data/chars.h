/* chars.h: characters as ids. A character vocabulary is a list of code
 * points, the most frequent of some text first (ties: the lower code point
 * first). A char-lm numbers them from 1 (0: any other character); a
 * char_cnn spells words with them from 2 (0: padding after a word, 1: a
 * character not in the list). */
#ifndef SEQ_CHARS_H
#define SEQ_CHARS_H

#include <stddef.h>
#include <stdint.h>

/* How often each code point occurs. */
typedef struct seq_char_counts {
    uint64_t *n; /* [0x110000] */
} seq_char_counts;

void seq_char_counts_init(seq_char_counts *c);
void seq_char_counts_free(seq_char_counts *c);
/* Counts every character of the UTF-8 text S of LEN bytes. */
void seq_char_counts_text(seq_char_counts *c, const char *s, size_t len);
/* The up to K most frequent characters counted (never a character counted
 * 0 times), in vocabulary order; malloc'd, *N_CHARS of them. */
int32_t *seq_char_counts_top(const seq_char_counts *c, int k, int *n_chars);

/* A character's id in a char-lm vocabulary: 1 + its index in CHARS, or 0. */
int32_t seq_char_id(const int32_t *chars, int n_chars, int32_t cp);

/* The WIDTH char ids of the word TOK (LEN bytes of UTF-8) for a char_cnn:
 * its first WIDTH characters, each 2 + its index in CHARS or 1, then 0. */
void seq_spell(const int32_t *chars, int n_chars, const char *tok, size_t len, int width,
               int32_t *out);

#endif
