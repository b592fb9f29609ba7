/* kinds.h: what the compiler and the runtime must agree on, in one place:
 * the kinds a spec names (initializers, losses, the tokenizer's punctuation
 * mode and padding side, data kinds and formats, optimizers, SIMD levels),
 * each listed once with its spec word. The list makes the enum, the words
 * (NULL-terminated, in enum order: what the spec reader accepts and
 * messages print) and the constants' C names (what the compiler writes
 * into NAME_info.c). Plain C99, no other seqcc header: the compiler
 * includes it too. */
#ifndef SEQ_KINDS_H
#define SEQ_KINDS_H

#include <string.h>

/* FILE: an embedding drawn UNIFORM (scale), then the rows of the words found
 * in a vectors file (data/vectors.h). */
#define SEQ_INIT_KINDS(X)                                                        \
    X(SEQ_INIT_ZEROS, "zeros") X(SEQ_INIT_ONES, "ones") X(SEQ_INIT_UNIFORM, "uniform") \
    X(SEQ_INIT_NORMAL, "normal") X(SEQ_INIT_GLOROT_UNIFORM, "glorot_uniform")   \
    X(SEQ_INIT_ORTHOGONAL, "orthogonal") X(SEQ_INIT_FILE, "file")

#define SEQ_LOSS_KINDS(X)                                                         \
    X(SEQ_LOSS_BCE, "binary_crossentropy")                                        \
    X(SEQ_LOSS_SPARSE_CE, "sparse_categorical_crossentropy") X(SEQ_LOSS_MSE, "mse")

/* SPLIT: each punctuation character is a token of its own; STRIP:
 * punctuation separates words and is dropped; KEEP: only whitespace
 * separates words. */
#define SEQ_PUNCT_KINDS(X) X(SEQ_PUNCT_SPLIT, "split") X(SEQ_PUNCT_STRIP, "strip") \
    X(SEQ_PUNCT_KEEP, "keep")

/* Where padding goes, and which end truncation cuts. */
#define SEQ_PAD_KINDS(X) X(SEQ_PAD_PRE, "pre") X(SEQ_PAD_POST, "post")

#define SEQ_DATA_KINDS(X)                                                         \
    X(SEQ_DATA_TEXT_CLASSIFICATION, "text-classification")                        \
    X(SEQ_DATA_CHAR_LM, "char-lm") X(SEQ_DATA_SERIES, "series")

#define SEQ_FORMAT_KINDS(X) X(SEQ_FORMAT_ACLIMDB, "aclimdb") X(SEQ_FORMAT_CSV, "csv") \
    X(SEQ_FORMAT_TEXT, "text") X(SEQ_FORMAT_SINE, "sine")

#define SEQ_OPTIM_KINDS(X) X(SEQ_OPTIM_ADAM, "adam") X(SEQ_OPTIM_ADAMW, "adamw")

/* AUTO: the best the CPU supports. */
#define SEQ_SIMD_KINDS(X) X(SEQ_SIMD_AUTO, "auto") X(SEQ_SIMD_SCALAR, "scalar") \
    X(SEQ_SIMD_AVX2, "avx2") X(SEQ_SIMD_AVX512, "avx512")

#define SEQ_KIND_ENUMERATOR(id, word) id,
#define SEQ_KIND_WORD(id, word) word,
#define SEQ_KIND_IDENT(id, word) #id,

/* typedef enum TYPE {...} TYPE; and TYPE_words(), TYPE_idents(). */
#define SEQ_KIND_DEFINE(type, LIST)                                               \
    typedef enum type { LIST(SEQ_KIND_ENUMERATOR) } type;                         \
    static inline const char *const *type##_words(void)                           \
    {                                                                             \
        static const char *const words[] = {LIST(SEQ_KIND_WORD) NULL};            \
        return words;                                                             \
    }                                                                             \
    static inline const char *const *type##_idents(void)                          \
    {                                                                             \
        static const char *const idents[] = {LIST(SEQ_KIND_IDENT) NULL};          \
        return idents;                                                            \
    }

SEQ_KIND_DEFINE(seq_init, SEQ_INIT_KINDS)
SEQ_KIND_DEFINE(seq_loss, SEQ_LOSS_KINDS)
SEQ_KIND_DEFINE(seq_punct, SEQ_PUNCT_KINDS)
SEQ_KIND_DEFINE(seq_pad, SEQ_PAD_KINDS)
SEQ_KIND_DEFINE(seq_data_kind, SEQ_DATA_KINDS)
SEQ_KIND_DEFINE(seq_data_format, SEQ_FORMAT_KINDS)
SEQ_KIND_DEFINE(seq_optimizer, SEQ_OPTIM_KINDS)
SEQ_KIND_DEFINE(seq_simd, SEQ_SIMD_KINDS)

/* Entry K of the NULL-terminated table T (words or idents), or "unknown". */
static inline const char *seq_kind_name(const char *const *t, int k)
{
    for (int i = 0; t[i]; i++)
        if (i == k)
            return t[i];
    return "unknown";
}

/* The kind whose word (or ident) in T is S, or -1. */
static inline int seq_kind_of(const char *const *t, const char *s)
{
    for (int i = 0; t[i]; i++)
        if (strcmp(t[i], s) == 0)
            return i;
    return -1;
}

/* C99's static assertion: a negative array size when COND is false. */
#define SEQ_KIND_ASSERT(cond, tag) typedef char seq_kind_assert_##tag[(cond) ? 1 : -1]

#endif
