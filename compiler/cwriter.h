/* cwriter.h: the C writer: helpers every emitter writes generated code
 * with, so that pointers, dimensions and sections read the same in every
 * layer's code. */
#ifndef SEQC_CWRITER_H
#define SEQC_CWRITER_H

#include <stddef.h>

#include "base/util.h"
#include "spec.h"

/* "[32, 120]" style dimension text. */
const char *dims1(char *buf, size_t n, long a);
const char *dims2(char *buf, size_t n, long a, long b);
const char *dims3(char *buf, size_t n, long a, long b, long c);
const char *dims4(char *buf, size_t n, long a, long b, long c, long d);
/* "    const real *NAME = BASE + OFFSET;   / * COMMENT * /" with aligned comments. */
void emit_ptr(seq_buf *out, int is_const, const char *name, char base, size_t offset,
              const char *comment);
/* The same for a pointer to row block b0 of a tensor whose rows are
 * ROW_OFFSET (e.g. "256 * b0") apart: "BASE + OFFSET + ROW_OFFSET". */
void emit_ptr_rows(seq_buf *out, int is_const, const char *name, char base, size_t offset,
                   const char *row_offset, const char *comment);
/* The same for block blk of an activation whose blocks are STRIDE reals apart. */
void emit_block_ptr(seq_buf *out, int is_const, const char *name, size_t offset, size_t stride,
                    const char *comment);
/* A section rule: "/ * ---- TITLE ----...---- * /". */
/* A blocked layer's backward: its blocks in parallel, then the blocks'
 * kernel (KERNEL reals each) and bias (BIAS reals each) gradient shares,
 * summed in block order into the gradients at G_KERNEL and G_BIAS. */
void emit_sum_blocks(seq_buf *out, const layer *l, int blocks, size_t kernel, size_t bias,
                     size_t kernel_shares, size_t bias_shares, size_t g_kernel, size_t g_bias);
void emit_rule(seq_buf *out, const char *fmt, ...) SEQ_PRINTF(2, 3);


/* TEXT's lines as the array NAME[]: one C string a line, then NULL. */
void emit_lines_array(seq_buf *out, const char *name, const seq_buf *text);

/* The first lines of a generated FILE's comment: what it holds, and which
 * seqcc and spec (SHA256 digest) wrote it. */
void emit_banner(seq_buf *out, const spec *s, const char *file, const char *what,
                 const char *sha256);

#endif
