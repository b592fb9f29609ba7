/* vectors.h: pre-trained word vectors (GloVe, word2vec, fastText .vec) in
 * their text format, for an embedding's `embeddings_initializer: {type:
 * file, path: ...}`. This is the format alone (no vocabulary), so that the
 * compiler can check a spec's file as the runtime reads it.
 *
 * The format: one word per line, then its DIM numbers, separated by spaces
 * or tabs (a final \r and trailing blanks are fine; blank lines are
 * skipped). word2vec's optional first line "COUNT DIM" (two integers and
 * nothing else) is a header: DIM must be the expected width and COUNT the
 * number of vectors that follow. A word may come twice: both are passed on
 * (the embedding keeps the first, as gensim's load_word2vec_format does).
 *
 * The whole file is checked: a line with another number of values than DIM,
 * a value that is not a finite number, a NUL byte or invalid UTF-8 fails
 * with "PATH:LINE: ..."; an unreadable file or one with no vector with
 * "PATH: ...". */
#ifndef SEQ_VECTORS_H
#define SEQ_VECTORS_H

#include "base/util.h"

/* Called for each vector in file order: WORD (NUL-terminated, valid UTF-8,
 * no blank) and its DIM values, read from line LINE; only valid during the
 * call. A non-zero return stops the scan and is returned (FN sets ERR). */
typedef int (*seq_vectors_fn)(const char *word, const double *values, long line, void *ctx,
                              seq_err *err);

/* Reads and checks PATH at width DIM, calling FN (NULL: only check) for each
 * vector; *N gets how many there are. 0, or -1 and ERR. */
int seq_vectors_scan(const char *path, int dim, seq_vectors_fn fn, void *ctx, long *n,
                     seq_err *err);

#endif
