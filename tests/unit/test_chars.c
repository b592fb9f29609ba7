/* test_chars.c: character vocabularies by frequency, words spelled as char
 * ids, and a text's word ids and char ids at the same positions. */
#include <stdlib.h>
#include <string.h>

#include "data/chars.h"
#include "check.h"
#include "data/dataset.h"

static void test_vocabulary(void)
{
    seq_char_counts c;
    seq_char_counts_init(&c);
    seq_char_counts_text(&c, "banana \xc3\xa9", 9);
    int n;
    int32_t *top = seq_char_counts_top(&c, 3, &n);
    CHECK(n == 3 && top[0] == 'a' && top[1] == 'n' && top[2] == ' '); /* ' ' ties with b, é */
    free(top);
    top = seq_char_counts_top(&c, 10, &n);
    CHECK(n == 5 && top[3] == 'b' && top[4] == 0xE9);
    CHECK(seq_char_id(top, n, 'n') == 2 && seq_char_id(top, n, 'z') == 0);
    free(top);
    top = seq_char_counts_top(&c, 0, &n);
    CHECK(n == 0);
    free(top);
    seq_char_counts_free(&c);

    const int32_t chars[3] = {'a', 'n', 0xE9};
    int32_t out[5];
    seq_spell(chars, 3, "nb\xc3\xa9", 4, 5, out);
    CHECK(out[0] == 3 && out[1] == 1 && out[2] == 4 && out[3] == 0 && out[4] == 0);
    seq_spell(chars, 3, "banana", 6, 3, out); /* cut at the width */
    CHECK(out[0] == 1 && out[1] == 2 && out[2] == 3);
}

/* Word ids and char ids of a text come from the same tokens at the same
 * positions, an out-of-vocabulary word keeping its spelling. */
static void test_encode_text(void)
{
    seq_model_info info = {.seq_len = 4, .word_len = 3};
    info.data = (seq_data_info){.lowercase = 1, .strip_html = 1, .punct = SEQ_PUNCT_STRIP,
                                .vocab_size = 4, .padding = SEQ_PAD_PRE,
                                .truncation = SEQ_PAD_PRE, .char_vocab_size = 5};
    seq_tok_config cfg = seq_tok_config_of(&info.data);
    char *texts[1] = {"the cat, the hat"};
    size_t lens[1] = {strlen(texts[0])};
    const int32_t chars[3] = {'t', 'h', 'a'};
    seq_data d = {.vocab = seq_vocab_build(&cfg, texts, lens, 1), .chars = (int32_t *)chars,
                  .n_chars = 3};
    char text[] = "The CAT sat on a mat";
    int32_t ids[4], got[4 * 3];
    int n = seq_encode_text(&info, &d, text, strlen(text), ids, got);
    CHECK(n == 4); /* the last 4 of 6 words: sat on a mat */
    CHECK(ids[0] == 1 && ids[1] == 1 && ids[2] == 1 && ids[3] == 1);
    const int32_t want[4 * 3] = {1, 4, 2, 1, 1, 0, 4, 0, 0, 1, 4, 2};
    CHECK(memcmp(got, want, sizeof want) == 0);
    char short_text[] = "Cat!";
    n = seq_encode_text(&info, &d, short_text, strlen(short_text), ids, got);
    CHECK(n == 1 && ids[0] == 0 && ids[3] == 3); /* "the" is id 2, "cat" 3 */
    const int32_t padded[4 * 3] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 2};
    CHECK(memcmp(got, padded, sizeof padded) == 0);
    seq_vocab_free(d.vocab);
}

/* A batch's char ids: each row's words spelled, padding rows zero. */
static void test_batch_chars(void)
{
    int32_t words[3 * 2] = {2, 3, 0, 2, 3, 3}, spellings[4 * 2] = {0, 0, 0, 0, 5, 6, 7, 0};
    seq_examples ex = {.n = 3, .seq_len = 2, .word_len = 2, .words = words,
                       .spellings = spellings};
    uint32_t order[3] = {2, 0, 1};
    int32_t chars[2 * 2 * 2];
    seq_batch_chars(&ex, order, 0, 2, chars);
    const int32_t want[8] = {7, 0, 7, 0, 5, 6, 7, 0};
    CHECK(memcmp(chars, want, sizeof want) == 0);
    seq_batch_chars(&ex, order, 2, 2, chars);
    const int32_t last[8] = {0, 0, 5, 6, 0, 0, 0, 0};
    CHECK(memcmp(chars, last, sizeof last) == 0);
}

int main(void)
{
    test_vocabulary();
    test_encode_text();
    test_batch_chars();
    return check_status("test_chars");
}
