/* tokenizer.h: text -> word ids, Keras Tokenizer style.
 *
 * Ids: 0 is padding, 1 the out-of-vocabulary token, and 2 .. vocab_size-1 the
 * vocab_size-2 most frequent training words (ties broken by byte order of the
 * word: memcmp, then the shorter first, so the vocabulary is deterministic).
 * If the training texts have fewer distinct words than vocab_size-2, the
 * vocabulary holds only those: seq_vocab_size is still vocab_size, and the
 * ids past the last word are simply never produced. A vocab_size below 2 is
 * taken as 2. */
#ifndef SEQ_TOKENIZER_H
#define SEQ_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "base/kinds.h" /* seq_punct, seq_pad */
#include "base/util.h"

typedef struct seq_tok_config {
    int lowercase;   /* ASCII letters to lower case */
    int strip_html;  /* tags such as <br /> become a space */
    seq_punct punct; /* ASCII punctuation except an apostrophe inside a word */
    int vocab_size;  /* ids in [0, vocab_size) */
} seq_tok_config;

/* Calls FN for each token of TEXT, in order. The token bytes are only valid
 * during the call (they live in a scratch buffer after lowercasing) and are
 * not NUL-terminated.
 *
 * Bytes are classed as whitespace (ASCII space, \t \n \r \f \v, and the
 * other control bytes 0x00-0x1f, 0x7f), punctuation (ASCII
 * !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~) or word characters (everything else,
 * including every byte >= 0x80, kept as is). Whitespace separates tokens.
 * Lowercasing touches A-Z only. With strip_html, a '<' followed by a letter,
 * '/' or '!' opens a tag that ends at the next '>' at most 256 bytes on, and
 * the whole tag acts as whitespace; without such a '>' the '<' is ordinary
 * punctuation. An apostrophe with word characters on both sides is part of
 * the word ("don't"); any other apostrophe is punctuation. Punctuation is
 * then a 1-byte token (SPLIT), a dropped separator (STRIP) or a word
 * character (KEEP). */
typedef void (*seq_tok_fn)(const char *tok, size_t len, void *ctx);
void seq_tok_each(const seq_tok_config *cfg, const char *text, size_t len,
                  seq_tok_fn fn, void *ctx);

typedef struct seq_vocab seq_vocab;

/* Counts tokens over N texts and keeps the vocab_size-2 most frequent. */
seq_vocab *seq_vocab_build(const seq_tok_config *cfg, char *const *texts,
                           const size_t *lens, size_t n);
void seq_vocab_free(seq_vocab *v);
int seq_vocab_size(const seq_vocab *v);            /* == cfg->vocab_size */
const char *seq_vocab_word(const seq_vocab *v, int id); /* "<pad>", "<oov>", words */
int32_t seq_vocab_id(const seq_vocab *v, const char *tok, size_t len); /* 1 if unknown */

/* Serialized form: the words for ids 2.. joined with '\n' (words never
 * contain whitespace), no final newline. seq_vocab_load accepts one final
 * newline and fails on an empty word, a word with whitespace or a control
 * byte, a duplicate, more than vocab_size-2 words, or vocab_size < 2; its
 * messages start "vocab line N:" for the caller to prefix with the file name.
 * Fewer words than vocab_size-2 are fine (see above). */
void seq_vocab_save(const seq_vocab *v, seq_buf *out);
seq_vocab *seq_vocab_load(const char *data, size_t len, int vocab_size, seq_err *err);

/* Encodes TEXT to exactly SEQ_LEN ids: tokens beyond SEQ_LEN are dropped from
 * the front (TRUNC = PRE, keeping the end of the text) or the back (POST);
 * short texts are padded with 0 before (PAD = PRE) or after (POST) them.
 * Returns the number of real (non-padding) ids written, <= SEQ_LEN. */
int seq_tok_encode(const seq_tok_config *cfg, const seq_vocab *v,
                   const char *text, size_t len, int seq_len,
                   seq_pad pad, seq_pad trunc, int32_t *out);

#endif
