/* kernels.h: the operations generated code is made of. Row-major; sizes are
 * the callers' literal constants. Every function exists in float and in
 * double (see base/real.h); generated code calls the plain names below. */
#ifndef SEQ_KERNELS_H
#define SEQ_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "base/real.h"
#include "base/rng.h"

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
#define seq_series_input SEQ_P(series_input)
#define seq_embedding_backward SEQ_P(embedding_backward)
#define seq_char_embedding_forward SEQ_P(char_embedding_forward)
#define seq_char_embedding_backward SEQ_P(char_embedding_backward)
#define seq_lstm_cell_forward SEQ_P(lstm_cell_forward)
#define seq_lstm_cell_backward SEQ_P(lstm_cell_backward)
#define seq_copy_rows SEQ_P(copy_rows)
#define seq_im2col SEQ_P(im2col)
#define seq_col2im SEQ_P(col2im)
#define seq_maxpool_steps SEQ_P(maxpool_steps)
#define seq_maxpool_steps_backward SEQ_P(maxpool_steps_backward)
#define seq_global_max_pool SEQ_P(global_max_pool)
#define seq_global_max_pool_backward SEQ_P(global_max_pool_backward)
#define seq_global_avg_pool SEQ_P(global_avg_pool)
#define seq_global_avg_pool_backward SEQ_P(global_avg_pool_backward)
#define seq_im2col2d SEQ_P(im2col2d)
#define seq_col2im2d SEQ_P(col2im2d)
#define seq_maxpool2d SEQ_P(maxpool2d)
#define seq_maxpool2d_backward SEQ_P(maxpool2d_backward)
#define seq_gru_cell_forward SEQ_P(gru_cell_forward)
#define seq_gru_cell_backward SEQ_P(gru_cell_backward)
#define seq_rnn_cell_forward SEQ_P(rnn_cell_forward)
#define seq_rnn_cell_backward SEQ_P(rnn_cell_backward)
#define seq_dropout_forward SEQ_P(dropout_forward)
#define seq_dropout_backward SEQ_P(dropout_backward)
#define seq_bce_logits_loss SEQ_P(bce_logits_loss)
#define seq_mse_loss SEQ_P(mse_loss)
#define seq_mse_backward SEQ_P(mse_backward)
#define seq_softmax_rows SEQ_P(softmax_rows)
#define seq_sparse_ce_loss SEQ_P(sparse_ce_loss)
#define seq_sparse_ce_backward SEQ_P(sparse_ce_backward)
#define seq_sparse_ce_steps_loss SEQ_P(sparse_ce_steps_loss)
#define seq_sparse_ce_steps_backward SEQ_P(sparse_ce_steps_backward)
#define seq_hold_rows SEQ_P(hold_rows)
#define seq_carry_rows SEQ_P(carry_rows)
#define seq_mask_steps SEQ_P(mask_steps)
#define seq_block_fn SEQ_P(block_fn)
#define seq_block_len_fn SEQ_P(block_len_fn)
#define seq_parallel_blocks_len SEQ_P(parallel_blocks_len)
#define seq_parallel_blocks SEQ_P(parallel_blocks)
#define seq_sum_blocks SEQ_P(sum_blocks)
#define seq_share_blocks SEQ_P(share_blocks)
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
/* The same with WIDTH ids per step (a word's characters), ids [batch, steps,
 * width]; the embedding above is WIDTH 1.
 *   out[b / rows, t, b % rows, w, :] = table[ids[b, t, w], :]
 *   dtable[ids[b, t, w], :] += dout[b / rows, t, b % rows, w, :] */
void seq_char_embedding_forward(int batch, int steps, int width, int dim, int rows,
                                const int32_t *ids, const real *table, real *out);
void seq_char_embedding_backward(int batch, int steps, int width, int dim, int rows,
                                 const int32_t *ids, const real *dout, real *dtable);
/* A series window x [batch, steps, dim] in the same layout:
 *   out[b / rows, t, b % rows, :] = x[b, t, :] */
void seq_series_input(int batch, int steps, int dim, int rows, const float *x, real *out);

/* One LSTM step for a batch. gates [batch, 4*units] hold x W + h U in
 * Keras' gate order (i, f, g, o); the cell adds the bias [4*units] and
 * replaces them by their activations; c = f c_prev + i g; h = o tanh(c). */
void seq_lstm_cell_forward(int batch, int units, const real *bias, real *gates,
                           const real *c_prev, real *c, real *h);
/* Its backward: dh is the gradient reaching h; dc holds the gradient reaching
 * c from later steps and is replaced by the gradient reaching c_prev; dgates
 * gets the gradient of the pre-activations, which is also added to
 * dbias_rows [batch, 4*units] (each row sums its own steps, so the bias
 * gradient does not depend on how rows are split between threads).
 *
 * Masking, in every recurrent backward: with LENGTHS (else NULL), a row whose
 * step T is past its length only held its state, so its gate gradients are 0
 * and dc passes through unchanged. */
void seq_lstm_cell_backward(int batch, int units, const real *gates, const real *c_prev,
                            const real *c, const real *dh, real *dc, real *dgates,
                            real *dbias_rows, const int32_t *lengths, int t);

/* dst[r, 0:cols] = src[r, 0:cols] for r < rows; rows SRC_STRIDE and
 * DST_STRIDE reals apart (the halves of a bidirectional layer's output). */
void seq_copy_rows(int rows, int cols, const real *src, int src_stride, real *dst, int dst_stride);

/* Convolution over time as a GEMM, for one block of ROWS sequences stored
 * time-major (x [steps_in, rows, features]): cols [steps_out, rows,
 * kernel * features] holds, for each output step t, the input steps
 * t - pad .. t - pad + kernel - 1 (zeros outside the sequence). col2im is its
 * backward: dx = the sum of dcols over the windows each input step is in. */
void seq_im2col(int steps_out, int rows, int features, int kernel, int pad, int steps_in,
                const real *x, real *cols);
void seq_col2im(int steps_out, int rows, int features, int kernel, int pad, int steps_in,
                const real *dcols, real *dx);

/* Max over POOL consecutive steps: y [steps_out, width] from x [steps_out *
 * pool (+ unused steps), width]. The backward sends each dy to the first
 * maximum of its window; the other steps (and those past the last window,
 * up to steps_in) get 0. */
void seq_maxpool_steps(int steps_out, int width, int pool, const real *x, real *y);
void seq_maxpool_steps_backward(int steps_out, int width, int pool, int steps_in, const real *x,
                                const real *y, const real *dy, real *dx);

/* Global pooling over time (Keras' GlobalMaxPooling1D and
 * GlobalAveragePooling1D, global_pool.c), for one block of ROWS sequences:
 * x [steps, rows, features] (time major) to y [rows, features]. With LENGTHS
 * [rows] (masked; else NULL: every step), row r pools only its first
 * lengths[r] steps (clamped to [0, steps]); a row of no real step gives 0
 * (Keras' masked average would divide 0 by 0) and gets no gradient.
 *   max: y = the maximum over the steps; padding steps never count. Its
 *        backward sends each dy to the FIRST step holding the maximum (the
 *        earliest of tied steps, found by x == y); every other dx is 0.
 *   avg: y = the sum over the steps (in step order) / their number; its
 *        backward writes dx = dy / n at the real steps and 0 at the others.
 * The backwards write (do not add to) the whole dx [steps, rows, features]. */
void seq_global_max_pool(int steps, int rows, int features, const int32_t *lengths,
                         const real *x, real *y);
void seq_global_max_pool_backward(int steps, int rows, int features, const int32_t *lengths,
                                  const real *x, const real *y, const real *dy, real *dx);
void seq_global_avg_pool(int steps, int rows, int features, const int32_t *lengths,
                         const real *x, real *y);
void seq_global_avg_pool_backward(int steps, int rows, int features, const int32_t *lengths,
                                  const real *dy, real *dx);

#ifndef SEQ_WINDOW2D_DEFINED
#define SEQ_WINDOW2D_DEFINED
/* The geometry of a 2-D convolution or pooling over images stored like
 * sequences: one block's x is [steps_in, rows, width_in, channels] (time
 * major, channels last), its y [steps_out, rows, width_out, *]. */
typedef struct seq_window2d {
    int steps_in, width_in, channels;
    int steps_out, width_out;
    int size_steps, size_width; /* the kernel's or the pool's */
    int pad_steps, pad_width;   /* zeros before the first step and column */
} seq_window2d;
#endif

/* Conv2D as a GEMM: cols [steps_out, rows, width_out, size_steps x
 * size_width x channels] holds each output pixel's window of x (zeros
 * outside the image), in the order of Keras' kernel [kh, kw, in, filters].
 * col2im2d is its backward: dx = the sum of dcols over the windows. */
void seq_im2col2d(const seq_window2d *w, int rows, const real *x, real *cols);
void seq_col2im2d(const seq_window2d *w, int rows, const real *dcols, real *dx);

/* MaxPooling2D, stride = pool (no padding): y [steps_out, rows, width_out,
 * channels] from x. The backward sends each dy to the first maximum of its
 * window (step by step, then column by column); dx is 0 elsewhere, the
 * steps and columns past the last window included. */
void seq_maxpool2d(const seq_window2d *w, int rows, const real *x, real *y);
void seq_maxpool2d_backward(const seq_window2d *w, int rows, const real *x, const real *y,
                            const real *dy, real *dx);

/* One GRU step (Keras' reset_after=True, PyTorch's formulation), gates in
 * Keras' order (z, r, h). xg [batch, 3*units] holds x W and rg h_prev U; the
 * cell adds the input bias b_in to xg and the recurrent bias b_rec to rg and
 *   z = sigmoid(xg_z + rg_z), r = sigmoid(xg_r + rg_r),
 *   n = tanh(xg_h + r rg_h),   h = z h_prev + (1 - z) n,
 * leaving z, r, n in xg and rg_h (with its bias) in rh [batch, units]. */
void seq_gru_cell_forward(int batch, int units, const real *b_in, const real *b_rec, real *xg,
                          real *rg, real *rh, const real *h_prev, real *h);
/* Its backward, from dh (the gradient reaching h): dxg and drg [batch,
 * 3*units] get the gradients of x W + b_in and of h_prev U + b_rec (and are
 * added to dbias_in_rows and dbias_rec_rows, each row its own sum); dh_prev
 * gets dh z (ACCUMULATE: added to it; dh_prev may be dh) - the part through
 * the recurrent kernel is a GEMM the caller adds; a masked row passes dh on
 * whole. */
void seq_gru_cell_backward(int batch, int units, const real *gates, const real *rh,
                           const real *h_prev, const real *dh, real *dh_prev, int accumulate,
                           real *dxg, real *drg, real *dbias_in_rows, real *dbias_rec_rows,
                           const int32_t *lengths, int t);

/* One SimpleRNN step: h = tanh(g + bias), g [batch, units] = x W + h_prev U. */
void seq_rnn_cell_forward(int batch, int units, const real *bias, const real *g, real *h);
/* dg = dh (1 - h^2), added to dbias_rows [batch, units] too. */
void seq_rnn_cell_backward(int batch, int units, const real *h, const real *dh, real *dg,
                           real *dbias_rows, const int32_t *lengths, int t);

/* Masking over time (TF's dynamic_rnn with sequence_length): a row whose
 * step t is at or past its length holds its state and outputs zeros.
 *   hold_rows:  next[r] = prev[r] for such rows (after the cell)
 *   carry_rows: dh_prev[r] = (ACCUMULATE ? dh_prev[r] : 0) + (masked ? dh[r] : 0),
 *               before the recurrent GEMM adds into dh_prev (dh_prev may be dh)
 *   mask_steps: x[t, r] = 0 for every step t at or past row r's length */
void seq_hold_rows(int batch, int width, int t, const int32_t *lengths, const real *prev,
                   real *next);
void seq_carry_rows(int batch, int width, int t, const int32_t *lengths, const real *dh,
                    real *dh_prev, int accumulate);
void seq_mask_steps(int steps, int batch, int width, const int32_t *lengths, real *x);

/* Inverted dropout over n values: y = x mask, mask 0 with probability RATE
 * and 1 / (1 - RATE) otherwise, drawn from RNG; RATE 0 (evaluation) gives a
 * mask of ones and draws nothing (RNG may be NULL). The backward is
 * dx = dy mask. */
void seq_dropout_forward(size_t n, double rate, seq_rng *rng, const real *x, real *mask, real *y);
void seq_dropout_backward(size_t n, const real *mask, const real *dy, real *dx);

/* Runs FN(p, a, blk) for blk = 0 .. BLOCKS-1, the blocks spread over the
 * threads of the pool. A block of batch rows never interacts with another
 * (its data is contiguous, its results do not depend on which thread runs
 * it), so a recurrence runs all its time steps without waiting. In a job of
 * several processes (dist/dist.h) this process runs its share of the blocks. */
typedef void (*seq_block_fn)(const real *p, real *a, int blk);
void seq_parallel_blocks(int blocks, seq_block_fn fn, const real *p, real *a);
/* The same for layers that read per-row integers of the batch: its lengths
 * (masked layers) or its char ids (char_cnn), passed to FN whole. */
typedef void (*seq_block_len_fn)(const real *p, real *a, const int32_t *lengths, int blk);
void seq_parallel_blocks_len(int blocks, seq_block_len_fn fn, const real *p, real *a,
                             const int32_t *lengths);
/* sum[i] = parts[0][i] + parts[1][i] + ..., the BLOCKS arrays of N reals
 * laid end to end, added in block order (the same bits on any thread count);
 * in a job, each block's array first goes from its process to all. */
void seq_sum_blocks(int blocks, size_t n, real *parts, real *sum);
/* In a job of several processes, each of BLOCKS regions of N reals, STRIDE
 * apart from BASE, from the process that ran its block to all (a layer's
 * output or input gradient that the whole batch reads next); else nothing. */
void seq_share_blocks(int blocks, size_t n, size_t stride, real *base);

/* Binary cross-entropy on logits z, stable for any z: the mean over the first
 * n_valid rows of max(z, 0) - z y + log(1 + exp(-|z|)). Its backward writes
 * (sigmoid(z) - y) / n_valid for valid rows and 0 for padding rows. */
real seq_bce_logits_loss(int batch, int n_valid, const real *z, const float *y);

/* p[r, :] = softmax(z[r, :]) for r < rows (the row's maximum subtracted). */
void seq_softmax_rows(int rows, int cols, const real *z, real *p);
/* Sparse categorical cross-entropy on logits z [batch, cols] with class
 * indices y [batch]: the mean over the first n_valid rows of
 * logsumexp(z[r]) - z[r, y[r]]. Its backward writes (p - onehot(y)) / n_valid
 * for valid rows, p = softmax(z), and 0 for padding rows. */
real seq_sparse_ce_loss(int batch, int n_valid, int cols, const real *z, const float *y);
void seq_sparse_ce_backward(int batch, int n_valid, int cols, const real *p, const float *y,
                            real *dz);
/* The same at every step: z and p are blocked sequences [batch / rows, steps,
 * rows, cols], y is [batch, steps]; the mean is over the n_valid rows' steps. */
real seq_sparse_ce_steps_loss(int batch, int steps, int rows, int cols, int n_valid,
                              const real *z, const float *y);
void seq_sparse_ce_steps_backward(int batch, int steps, int rows, int cols, int n_valid,
                                  const real *p, const float *y, real *dz);
void seq_bce_logits_backward(int batch, int n_valid, const real *z, const float *y, real *dz);

/* Mean squared error of predictions z [batch] against y [batch] over the
 * first n_valid rows; its backward writes 2 (z - y) / n_valid for valid rows
 * and 0 for padding rows. */
real seq_mse_loss(int batch, int n_valid, const real *z, const float *y);
void seq_mse_backward(int batch, int n_valid, const real *z, const float *y, real *dz);

#endif
