/* fuzz_text.c: text as the runtime reads it, on arbitrary bytes: UTF-8
 * validation and decoding, the NUL check, the tokenizer in the configuration
 * the first byte picks, a vocabulary built from the text (saved and loaded
 * again), encoding, char_cnn spelling, and the vocabulary reader on the
 * bytes themselves. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/chars.h"
#include "data/textset.h"
#include "data/tokenizer.h"
#include "base/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { VOCAB = 40, SEQ_LEN = 16, WIDTH = 6 };

static void decode(const char *s, size_t len)
{
    size_t bad_line, offset, line;
    int valid = seq_utf8_valid(s, len, &bad_line);
    for (size_t i = 0; i < len;) {
        size_t was = i;
        int32_t cp = seq_utf8_next(s, len, &i);
        if (i <= was || i > len || cp < 0 || cp > 0x10FFFF || (valid && cp == 0xFFFD &&
                                                               memcmp(s + was, "\xEF\xBF\xBD", 3)))
            abort();
    }
    if (seq_text_has_nul(s, len, &offset, &line) && (offset >= len || s[offset] || line < 1))
        abort();
}

static void spell(const char *tok, size_t len, void *ctx)
{
    static const int32_t chars[] = {'e', 't', 'a', 'o', 0xE9, 0x1F600};
    int32_t ids[WIDTH];
    (void)ctx;
    if (len == 0)
        abort();
    seq_spell(chars, 6, tok, len, WIDTH, ids);
    for (int k = 0; k < WIDTH; k++)
        if (ids[k] < 0 || ids[k] > 7)
            abort();
}

static void tokenize(const seq_tok_config *cfg, char *text, size_t len)
{
    seq_tok_each(cfg, text, len, spell, NULL);
    seq_vocab *v = seq_vocab_build(cfg, &text, &len, 1);
    int32_t ids[SEQ_LEN];
    for (int pad = 0; pad < 2; pad++) {
        int n = seq_tok_encode(cfg, v, text, len, SEQ_LEN, (seq_pad)pad, (seq_pad)!pad, ids);
        for (int t = 0; t < SEQ_LEN; t++)
            if (n < 0 || n > SEQ_LEN || ids[t] < 0 || ids[t] >= VOCAB)
                abort();
    }
    seq_buf saved = {0};
    seq_vocab_save(v, &saved);
    seq_err err;
    seq_vocab *back = seq_vocab_load(saved.data ? saved.data : "", saved.len, VOCAB, &err);
    if (!back)
        abort();
    seq_vocab_free(back);
    seq_buf_free(&saved);
    seq_vocab_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    seq_tok_config cfg = {data[0] & 1, data[0] >> 1 & 1, (seq_punct)((data[0] >> 2) % 3), VOCAB};
    size_t len = size - 1;
    char *text = malloc(len + 1);
    memcpy(text, data + 1, len);
    text[len] = '\0';
    decode(text, len);
    tokenize(&cfg, text, len);
    seq_err err;
    seq_vocab *v = seq_vocab_load(text, len, VOCAB, &err); /* a vocabulary file */
    if (v)
        seq_vocab_free(v);
    free(text);
    return 0;
}
