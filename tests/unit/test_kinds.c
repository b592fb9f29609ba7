/* test_kinds.c: the kinds shared by the compiler and the runtime (kinds.h):
 * each enum, its spec words and its constants' names in step, and the
 * header self-contained C99 (this file is built with -std=c99 -pedantic and
 * includes nothing else of seqcc's, as the compiler does). */
#include "base/kinds.h"

#include "check.h"

/* Entries of a NULL-terminated table. */
static int count(const char *const *t)
{
    int n = 0;
    while (t[n])
        n++;
    return n;
}

/* WORDS and IDENTS have N entries; each word and ident finds its kind. */
static void check_tables(const char *what, const char *const *words, const char *const *idents,
                         int n)
{
    CHECK_MSG(count(words) == n && count(idents) == n, "%s: %d words, %d idents, %d kinds", what,
              count(words), count(idents), n);
    for (int k = 0; k < n; k++) {
        CHECK_MSG(seq_kind_of(words, words[k]) == k, "%s: word %s", what, words[k]);
        CHECK_MSG(seq_kind_of(idents, idents[k]) == k, "%s: ident %s", what, idents[k]);
        CHECK_MSG(strncmp(idents[k], "SEQ_", 4) == 0, "%s: ident %s", what, idents[k]);
        CHECK_STR(seq_kind_name(words, k), words[k]);
    }
    CHECK_STR(seq_kind_name(words, n), "unknown");
    CHECK_STR(seq_kind_name(words, -1), "unknown");
    CHECK(seq_kind_of(words, "no-such-kind") == -1);
}

static void test_tables(void)
{
    check_tables("init", seq_init_words(), seq_init_idents(), SEQ_INIT_FILE + 1);
    check_tables("loss", seq_loss_words(), seq_loss_idents(), SEQ_LOSS_MSE + 1);
    check_tables("punct", seq_punct_words(), seq_punct_idents(), SEQ_PUNCT_KEEP + 1);
    check_tables("pad", seq_pad_words(), seq_pad_idents(), SEQ_PAD_POST + 1);
    check_tables("data kind", seq_data_kind_words(), seq_data_kind_idents(), SEQ_DATA_SERIES + 1);
    check_tables("format", seq_data_format_words(), seq_data_format_idents(),
                 SEQ_FORMAT_SINE + 1);
    check_tables("optimizer", seq_optimizer_words(), seq_optimizer_idents(),
                 SEQ_OPTIM_ADAMW + 1);
    check_tables("simd", seq_simd_words(), seq_simd_idents(), SEQ_SIMD_AVX512 + 1);
}

/* The spec's words and the generated code's constants, as the README and
 * the committed generated/ files spell them. */
static void test_spellings(void)
{
    CHECK(seq_kind_of(seq_init_words(), "glorot_uniform") == SEQ_INIT_GLOROT_UNIFORM);
    CHECK(seq_kind_of(seq_loss_words(), "sparse_categorical_crossentropy") ==
          SEQ_LOSS_SPARSE_CE);
    CHECK(seq_kind_of(seq_punct_words(), "strip") == SEQ_PUNCT_STRIP);
    CHECK(seq_kind_of(seq_pad_words(), "post") == SEQ_PAD_POST);
    CHECK(seq_kind_of(seq_data_kind_words(), "text-classification") ==
          SEQ_DATA_TEXT_CLASSIFICATION);
    CHECK(seq_kind_of(seq_data_kind_words(), "char-lm") == SEQ_DATA_CHAR_LM);
    CHECK(seq_kind_of(seq_data_format_words(), "aclimdb") == SEQ_FORMAT_ACLIMDB);
    CHECK(seq_kind_of(seq_data_format_words(), "text") == SEQ_FORMAT_TEXT);
    CHECK(seq_kind_of(seq_optimizer_words(), "adamw") == SEQ_OPTIM_ADAMW);
    CHECK(seq_kind_of(seq_simd_words(), "avx512") == SEQ_SIMD_AVX512);
    CHECK(SEQ_SIMD_AUTO == 0); /* a zeroed info picks the best level */
    CHECK_STR(seq_kind_name(seq_init_idents(), SEQ_INIT_ZEROS), "SEQ_INIT_ZEROS");
    CHECK_STR(seq_kind_name(seq_data_format_idents(), SEQ_FORMAT_CSV), "SEQ_FORMAT_CSV");
    CHECK_STR(seq_kind_name(seq_optimizer_idents(), SEQ_OPTIM_ADAM), "SEQ_OPTIM_ADAM");
}

SEQ_KIND_ASSERT(SEQ_LOSS_MSE == 2, static_assert_compiles);

int main(void)
{
    test_tables();
    test_spellings();
    return check_status("test_kinds");
}
