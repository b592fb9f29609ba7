/* kernels.h: the operations generated code is made of. Row-major; sizes are
 * the callers' literal constants. Every function exists in float and in
 * double (see real.h); generated code calls the plain names below. */
#ifndef SEQ_KERNELS_H
#define SEQ_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "real.h"

#define seq_zero SEQ_P(zero)
#define seq_copy SEQ_P(copy)
#define seq_fill_rows SEQ_P(fill_rows)
#define seq_colsum SEQ_P(colsum)
#define seq_matmul SEQ_P(matmul)
#define seq_matmul_at SEQ_P(matmul_at)
#define seq_matmul_bt SEQ_P(matmul_bt)
#define seq_relu SEQ_P(relu)
#define seq_relu_backward SEQ_P(relu_backward)
#define seq_tanh SEQ_P(tanh)
#define seq_tanh_backward SEQ_P(tanh_backward)
#define seq_sigmoid SEQ_P(sigmoid)
#define seq_sigmoid_backward SEQ_P(sigmoid_backward)
#define seq_embedding_forward SEQ_P(embedding_forward)
#define seq_embedding_backward SEQ_P(embedding_backward)
#define seq_lstm_cell_forward SEQ_P(lstm_cell_forward)
#define seq_lstm_cell_backward SEQ_P(lstm_cell_backward)
#define seq_bce_logits_loss SEQ_P(bce_logits_loss)
#define seq_block_fn SEQ_P(block_fn)
#define seq_parallel_blocks SEQ_P(parallel_blocks)
#define seq_sum_blocks SEQ_P(sum_blocks)
#define seq_bce_logits_backward SEQ_P(bce_logits_backward)

void seq_zero(size_t n, real *x);
void seq_copy(size_t n, const real *x, real *y);
/* y[r, :] = v for r < rows (a bias broadcast, before a GEMM adds into y) */
void seq_fill_rows(int rows, int cols, const real *v, real *y);
/* s[c] = sum over r of x[r, c] */
void seq_colsum(int rows, int cols, const real *x, real *s);

/* GEMMs through CBLAS, beta = 0 (write) or 1 (add):
 *   matmul:    C[m,n] = A[m,k] B[k,n]   + beta C
 *   matmul_at: C[m,n] = A[k,m]^T B[k,n] + beta C
 *   matmul_bt: C[m,n] = A[m,k] B[n,k]^T + beta C */
void seq_matmul(int m, int n, int k, const real *a, const real *b, real beta, real *c);
void seq_matmul_at(int m, int n, int k, const real *a, const real *b, real beta, real *c);
void seq_matmul_bt(int m, int n, int k, const real *a, const real *b, real beta, real *c);

/* Activations y = f(x) (in place allowed) and their backward: dx = dy f'(.)
 * written in terms of the output y; dx may be dy. */
void seq_relu(size_t n, const real *x, real *y);
void seq_relu_backward(size_t n, const real *y, const real *dy, real *dx);
void seq_tanh(size_t n, const real *x, real *y);
void seq_tanh_backward(size_t n, const real *y, const real *dy, real *dx);
void seq_sigmoid(size_t n, const real *x, real *y);
void seq_sigmoid_backward(size_t n, const real *y, const real *dy, real *dx);

/* Sequences are stored in blocks of ROWS batch rows, each block time-major:
 * [batch / rows, steps, rows, dim]. ids are [batch, steps].
 *   out[b / rows, t, b % rows, :] = table[ids[b, t], :] */
void seq_embedding_forward(int batch, int steps, int dim, int rows, const int32_t *ids,
                           const real *table, real *out);
/* dtable[ids[b, t], :] += dout[b / rows, t, b % rows, :] */
void seq_embedding_backward(int batch, int steps, int dim, int rows, const int32_t *ids,
                            const real *dout, real *dtable);

/* One LSTM step for a batch. gates [batch, 4*units] hold x W + h U in
 * Keras' gate order (i, f, g, o); the cell adds the bias [4*units] and
 * replaces them by their activations; c = f c_prev + i g; h = o tanh(c). */
void seq_lstm_cell_forward(int batch, int units, const real *bias, real *gates,
                           const real *c_prev, real *c, real *h);
/* Its backward: dh is the gradient reaching h; dc holds the gradient reaching
 * c from later steps and is replaced by the gradient reaching c_prev; dgates
 * gets the gradient of the pre-activations, which is also added to
 * dbias_rows [batch, 4*units] (each row sums its own steps, so the bias
 * gradient does not depend on how rows are split between threads). */
void seq_lstm_cell_backward(int batch, int units, const real *gates, const real *c_prev,
                            const real *c, const real *dh, real *dc, real *dgates,
                            real *dbias_rows);

/* Runs FN(p, a, blk) for blk = 0 .. BLOCKS-1, the blocks spread over the
 * threads of the pool. A block of batch rows never interacts with another
 * (its data is contiguous, its results do not depend on which thread runs
 * it), so a recurrence runs all its time steps without waiting. */
typedef void (*seq_block_fn)(const real *p, real *a, int blk);
void seq_parallel_blocks(int blocks, seq_block_fn fn, const real *p, real *a);
/* sum[i] = parts[0][i] + parts[1][i] + ..., the BLOCKS arrays of N reals
 * laid end to end, added in block order (the same bits on any thread count) */
void seq_sum_blocks(int blocks, size_t n, const real *parts, real *sum);

/* Binary cross-entropy on logits z, stable for any z: the mean over the first
 * n_valid rows of max(z, 0) - z y + log(1 + exp(-|z|)). Its backward writes
 * (sigmoid(z) - y) / n_valid for valid rows and 0 for padding rows. */
real seq_bce_logits_loss(int batch, int n_valid, const real *z, const float *y);
void seq_bce_logits_backward(int batch, int n_valid, const real *z, const float *y, real *dz);

#endif
