/* layers/conv_common.h: what the convolution and pooling layers share
 * (layers/conv_common.c). */
#ifndef SEQC_CONV_COMMON_H
#define SEQC_CONV_COMMON_H

#include "layer.h"

/* The keys of conv1d and conv2d. */
extern const char *const conv_keys[];
/* The keys the convolutions share (filters, padding, activation and the
 * initializers), in mapping N of allowed KEYS; kernel_size is the caller's. */
int conv_read(node *n, const char *what, const char *const *keys, layer *l);
/* ", relu" after a convolution's arguments, unless its activation is none. */
void conv_describe_act(seq_buf *out, const layer *l);

/* A convolution's GEMM over M windows of KF values (cols [M, KF], kernel
 * [KF, filters], y [M, filters]): y = cols kernel + bias, then the layer's
 * activation. Its backward: dy through the activation (in place), then
 * d_kernel, d_bias (written) and dcols. */
void emit_conv_gemm(seq_buf *out, const layer *l, int M, int KF);
void emit_conv_gemm_backward(seq_buf *out, const layer *l, int M, int KF);
/* The GEMM, then the end of the block function and the function that runs
 * the blocks; its backward after the block's pointers. */
void conv_gemm_forward(seq_buf *out, const pass *ps, const layer *l, int M, int KF);
void conv_gemm_backward(seq_buf *out, const layer *l, int M, int KF);

/* An image of STEPS x WIDTH x CHANNELS (channels > 0). */
layer_shape image_shape(int steps, int width, int channels);
/* An image's width and channels (the embedding plane has one channel). */
int image_width(layer_shape sh);
int image_channels(layer_shape sh);
/* "static const seq_window2d NAME = {...};": G's members in order. */
void window2d_write(seq_buf *out, const char *name, const int g[9]);
/* The layer's seq_window2d, once, before its first function. */
void window2d_definition(seq_buf *out, const layer *l, int pad_steps, int pad_width,
                         int size_steps, int size_width);

/* A pooling layer's output, and its gradient, as l->out: no scratch. */
void pool_acts(pass *ps, const layer *l);
void pool_grads(pass *ps, const layer *l);

#endif
