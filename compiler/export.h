/* export.h: the template of a model's freestanding export. `NAME export`
 * (runtime/cli/export.c) writes NAME_infer.h and NAME_infer.c from it and a
 * checkpoint: plain C99 with the weights as static const data, the binary's
 * prediction pass (the layers' forward emitters on an exported pass) and
 * the kernels it calls (export/kernels.c), no allocation and no state.
 *
 * The template is lines of text, written into NAME_info.c. A line may start
 * with a tag, which the exporter strips: "@f32 " or "@int8 " (kept only in
 * that weights mode), "@text " (left out by --no-tokenizer). What remains
 * is C, or a directive the exporter replaces with data from the checkpoint:
 *   @values NAME   tensor NAME's values as floats, 8 a line
 *   @q8 NAME       its values as int8, each column scaled to [-127, 127]
 *   @scales NAME   its columns' scales (max |w| / 127; 1 for a zero column)
 *   @vocab         the vocabulary: enum VOCAB_WORDS, the words' bytes in byte
 *                  order (vocab_bytes, vocab_start[VOCAB_WORDS + 1]) and
 *                  their ids (vocab_id)
 *   @chars         the characters: enum N_CHARS, chars_table (code points)
 *   @classes       class_names[], the classes' names
 *   @scale         a series' scale_mean[], scale_std[] and SCALE_TARGET
 *   @checkpoint    a comment line naming the checkpoint and its step
 * A matrix (a parameter of rank 2 or more but a bias) is quantized by its
 * last dimension's columns (plan.h's param.quantized). */
#ifndef SEQC_EXPORT_H
#define SEQC_EXPORT_H

#include "base/util.h"
#include "plan.h"

/* NAME_info.c's export_header[] and export_source[] (NULL-terminated lines)
 * for PL. */
void emit_export(seq_buf *out, const plan *pl, const char *sha256);

#endif
