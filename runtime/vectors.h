/* vectors.h: pre-trained word vectors (GloVe, word2vec, fastText .vec) in
 * their text format, for an embedding's `embeddings_initializer: {type:
 * file, path: ...}`.
 *
 * The format: one word per line, then its DIM numbers, separated by spaces
 * or tabs (a final \r and trailing blanks are fine; blank lines are
 * skipped). word2vec's optional first line "COUNT DIM" (two integers and
 * nothing else) is a header: DIM must be the embedding's width and COUNT the
 * number of vectors that follow. Words are matched byte for byte against the
 * vocabulary's (which the tokenizer has lowercased when the spec says so);
 * words outside the vocabulary are read, checked and skipped. A word given
 * twice keeps its first vector, as gensim's load_word2vec_format does (the
 * later lines are still checked).
 *
 * The whole file is checked: a line with another number of values than DIM,
 * a value that is not a finite number, a NUL byte or invalid UTF-8 fails
 * with "PATH:LINE: ..."; an unreadable or empty file with "PATH: ...". */
#ifndef SEQ_VECTORS_H
#define SEQ_VECTORS_H

#include "tokenizer.h"
#include "util.h"

/* The vectors of a vocabulary's words: row id of VALUES [rows, dim] holds
 * word id's vector when FOUND[id] (ids 0 and 1, padding and unknown, never). */
typedef struct seq_vectors {
    int rows, dim;
    double *values;
    unsigned char *found;
    int n_found;       /* vocabulary words found */
    int n_words;       /* the vocabulary's words (ids 2 ..) */
    long n_lines;      /* vectors in the file */
} seq_vectors;

/* Reads PATH for the words of VOCAB at width DIM into *OUT (zeroed on
 * failure; free it with seq_vectors_free either way). */
int seq_vectors_read(const char *path, const seq_vocab *vocab, int dim, seq_vectors *out,
                     seq_err *err);
void seq_vectors_free(seq_vectors *v);

#endif
