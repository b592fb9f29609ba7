/* layers/conv_common.c: what the convolution and pooling layers share
 * (conv1d, conv2d, char_cnn; maxpool1d, maxpool2d): their keys, the GEMM of
 * a convolution over unfolded windows (im2col), an image's sizes and 2-D
 * window, and the output buffers of a pooling layer. */
#include <stdio.h>

#include "layers/conv_common.h"
#include "read.h"

const char *const conv_keys[] = {"type", "name", "filters", "kernel_size", "padding",
                                 "activation", "kernel_initializer", "bias_initializer", NULL};

int conv_read(node *n, const char *what, const char *const *keys, layer *l)
{
    static const char *const paddings[] = {"valid", "same", NULL};
    int rc = check_map(n, what, keys);
    l->kernel_init = (init_spec){.kind = SEQ_INIT_GLOROT_UNIFORM, .scale = 1};
    l->bias_init = (init_spec){.kind = SEQ_INIT_ZEROS, .scale = 1};
    l->act = ACT_NONE;
    rc |= read_int32(n, "filters", what, 1, 1, SPEC_MAX_UNITS, &l->filters);
    rc |= read_enum(n, "padding", what, 0, paddings, &l->same);
    rc |= read_activation(n, what, &l->act);
    rc |= read_init(n, "kernel_initializer", &l->kernel_init);
    rc |= read_init(n, "bias_initializer", &l->bias_init);
    return rc;
}

void conv_describe_act(seq_buf *out, const layer *l)
{
    if (l->act != ACT_NONE)
        seq_buf_printf(out, ", %s", activation_name(l->act));
}

layer_shape image_shape(int steps, int width, int channels)
{
    return (layer_shape){1, steps, width * channels, channels};
}

void emit_conv_gemm(seq_buf *out, const layer *l, int M, int KF)
{
    int C = l->filters;
    seq_buf_printf(out, "    seq_fill_rows(%d, %d, bias, y);\n", M, C);
    seq_buf_printf(out, "    seq_matmul(%d, %d, %d, cols, kernel, 1, y);\n", M, C, KF);
    if (l->act != ACT_NONE)
        seq_buf_printf(out, "    seq_%s(%ld, y, y);\n", activation_name(l->act), (long)M * C);
}

void emit_conv_gemm_backward(seq_buf *out, const layer *l, int M, int KF)
{
    int C = l->filters;
    if (l->act != ACT_NONE)
        seq_buf_printf(out, "    seq_%s_backward(%ld, y, dy, dy);\n", activation_name(l->act), (long)M * C);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, cols, dy, 0, d_kernel);\n", KF, C, M);
    seq_buf_printf(out, "    seq_colsum(%d, %d, dy, d_bias);\n", M, C);
    seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, dy, kernel, 0, dcols);\n", M, KF, C);
}

void conv_gemm_forward(seq_buf *out, const pass *ps, const layer *l, int M, int KF)
{
    emit_conv_gemm(out, l, M, KF);
    seq_buf_printf(out, "}\n\nstatic void %s_%s(const real *p, real *a)\n{\n"
                        "    seq_parallel_blocks(%d, %s_%s_block, p, a);\n}\n",
                   l->name, ps->suffix, ps->blocks, l->name, ps->suffix);
}

void conv_gemm_backward(seq_buf *out, const layer *l, int M, int KF)
{
    seq_buf_puts(out, "\n    (void)p;\n");
    emit_conv_gemm_backward(out, l, M, KF);
}

int image_width(layer_shape sh)
{
    return sh.channels ? sh.features / sh.channels : sh.features;
}

int image_channels(layer_shape sh)
{
    return sh.channels ? sh.channels : 1;
}

void window2d_write(seq_buf *out, const char *name, const int g[9])
{
    /* in the members' order (no designators: an export compiles as C++ too) */
    seq_buf_printf(out, "\nstatic const seq_window2d %s = {\n"
                        "    %d, %d, %d,  /* steps_in, width_in, channels */\n"
                        "    %d, %d,      /* steps_out, width_out */\n"
                        "    %d, %d,      /* size_steps, size_width */\n"
                        "    %d, %d,      /* pad_steps, pad_width */\n};\n",
                   name, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8]);
}

void window2d_definition(seq_buf *out, const layer *l, int pad_steps, int pad_width,
                         int size_steps, int size_width)
{
    char name[96];
    snprintf(name, sizeof name, "%s_window", l->name);
    const int g[9] = {l->in.steps, image_width(l->in), image_channels(l->in), l->out.steps,
                      image_width(l->out), size_steps, size_width, pad_steps, pad_width};
    window2d_write(out, name, g);
}

void pool_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->by_blocks = 1;
    io->out = pass_add_seq(ps, l, "out", l->out.steps, l->out.features);
    io->out_stride = (size_t)l->out.steps * ps->rows * l->out.features;
}

void pool_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->dout = pass_add_seq(ps, l, "d out", l->out.steps, l->out.features);
    io->dout_stride = io->out_stride;
}
