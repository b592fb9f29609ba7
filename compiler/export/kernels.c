/* export/kernels.c: the freestanding kernels of an exported model
 * (NAME_infer.c), plain C99 on <stdint.h>, <stddef.h>, <string.h> and
 * <math.h>: no allocation, no state, no threads.
 *
 * seqcc copies the blocks an export calls into its NAME_infer.c (export.c):
 * a block runs from a line "@kernel NAME [f32|int8]" in a comment to the
 * line "@end" in a comment; a block is taken when NAME appears in the
 * prediction pass or in a block already taken, and only in its weights' mode
 * when it names one ("int8": weight matrices stored as int8 with an f32
 * scale per column, seq_q8). Blocks keep this file's order, so a block
 * comes after the blocks it calls. Text outside blocks (this comment, the
 * test harness below) is never copied. The kernels have the runtime's
 * semantics (runtime/kernels.h) at batch 1 and on blocked sequences of any
 * rows; the test suite checks an export against the binary's predictions.
 *
 * Compiled as it stands by tests/unit/test_export_kernels.c, once per mode
 * (SEQ_EXPORT_INT8 0 or 1), with the tables the text kernels read. */
#ifndef SEQ_EXPORT_TEST
#error "compiled only by the kernels' unit test; seqcc copies its blocks into exports"
#endif

/* @kernel @prelude */
typedef float real;

/* One example: ids [steps] (or a series' inputs [steps, features]), its
 * real length, and a char-CNN model's char ids [steps, word_len]. */
typedef struct seq_batch {
    const int32_t *ids;
    const int32_t *lengths;
    const float *inputs;
    const int32_t *chars;
} seq_batch;
/* @end */

#if SEQ_EXPORT_INT8
/* @kernel seq_q8 int8 */
/* A weight matrix [rows, cols] as int8 with one scale per column:
 * w[r, c] = q[r * cols + c] * scale[c]. */
typedef struct seq_q8 {
    const int8_t *q;
    const float *scale;
} seq_q8;
/* @end */
#endif

/* @kernel seq_zero */
static void seq_zero(size_t n, real *x)
{
    memset(x, 0, n * sizeof *x);
}
/* @end */

/* @kernel seq_copy */
static void seq_copy(size_t n, const real *x, real *y)
{
    memcpy(y, x, n * sizeof *y);
}
/* @end */

/* @kernel seq_fill_rows */
/* y[r, :] = v for r < rows */
static void seq_fill_rows(int rows, int cols, const real *v, real *y)
{
    int r;
    for (r = 0; r < rows; r++)
        memcpy(y + (size_t)r * cols, v, (size_t)cols * sizeof *v);
}
/* @end */

/* @kernel seq_copy_rows */
/* dst[r, 0:cols] = src[r, 0:cols], rows SRC_STRIDE and DST_STRIDE apart */
static void seq_copy_rows(int rows, int cols, const real *src, int src_stride, real *dst,
                          int dst_stride)
{
    int r;
    for (r = 0; r < rows; r++)
        memcpy(dst + (size_t)r * dst_stride, src + (size_t)r * src_stride,
               (size_t)cols * sizeof *dst);
}
/* @end */

#if !SEQ_EXPORT_INT8
/* @kernel seq_matmul f32 */
/* C[m, n] = A[m, k] B[k, n] + beta C, beta 0 or 1; row by row, the inner
 * loop over C's row (contiguous: the compiler vectorizes it). */
static void seq_matmul(int m, int n, int k, const real *a, const real *b, real beta, real *c)
{
    int i, j, l;
    for (i = 0; i < m; i++) {
        real *ci = c + (size_t)i * n;
        const real *ai = a + (size_t)i * k;
        if (beta == 0)
            memset(ci, 0, (size_t)n * sizeof *ci);
        for (l = 0; l < k; l++) {
            const real x = ai[l], *bl = b + (size_t)l * n;
            for (j = 0; j < n; j++)
                ci[j] += x * bl[j];
        }
    }
}
/* @end */
#else
/* @kernel seq_matmul int8 */
/* C[m, n] = A[m, k] B[k, n] + beta C, B as int8 with a scale per column:
 * each row's sums for 64 columns at a time in float, then scaled once. */
static void seq_matmul(int m, int n, int k, const real *a, seq_q8 b, real beta, real *c)
{
    enum { COLS = 64 };
    int i, j, l, j0;
    for (i = 0; i < m; i++) {
        real *ci = c + (size_t)i * n;
        const real *ai = a + (size_t)i * k;
        for (j0 = 0; j0 < n; j0 += COLS) {
            int w = n - j0 < COLS ? n - j0 : COLS;
            real sum[COLS];
            for (j = 0; j < w; j++)
                sum[j] = 0;
            for (l = 0; l < k; l++) {
                const real x = ai[l];
                const int8_t *bl = b.q + (size_t)l * n + j0;
                for (j = 0; j < w; j++)
                    sum[j] += x * (real)bl[j];
            }
            for (j = 0; j < w; j++)
                ci[j0 + j] = (beta == 0 ? 0 : ci[j0 + j]) + sum[j] * b.scale[j0 + j];
        }
    }
}
/* @end */
#endif

/* @kernel seq_sigmoidf */
static real seq_sigmoidf(real x)
{
    return 1 / (1 + expf(-x));
}
/* @end */

/* @kernel seq_relu */
static void seq_relu(size_t n, const real *x, real *y)
{
    size_t i;
    for (i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : 0;
}
/* @end */

/* @kernel seq_tanh */
static void seq_tanh(size_t n, const real *x, real *y)
{
    size_t i;
    for (i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}
/* @end */

/* @kernel seq_sigmoid */
static void seq_sigmoid(size_t n, const real *x, real *y)
{
    size_t i;
    for (i = 0; i < n; i++)
        y[i] = seq_sigmoidf(x[i]);
}
/* @end */

/* @kernel seq_blocked_row */
/* Where row b of step t of a blocked sequence [batch / rows, steps, rows,
 * dim] starts. */
static size_t seq_blocked_row(int b, int t, int steps, int rows, int dim)
{
    return (((size_t)(b / rows) * steps + t) * rows + b % rows) * dim;
}
/* @end */

#if !SEQ_EXPORT_INT8
/* @kernel seq_char_embedding_forward f32 */
/* out[b / rows, t, b % rows, w, :] = table[ids[b, t, w], :] */
static void seq_char_embedding_forward(int batch, int steps, int width, int dim, int rows,
                                       const int32_t *ids, const real *table, real *out)
{
    int b, t, w;
    for (b = 0; b < batch; b++)
        for (t = 0; t < steps; t++) {
            real *o = out + seq_blocked_row(b, t, steps, rows, width * dim);
            const int32_t *id = ids + ((size_t)b * steps + t) * width;
            for (w = 0; w < width; w++)
                memcpy(o + (size_t)w * dim, table + (size_t)id[w] * dim,
                       (size_t)dim * sizeof *out);
        }
}
/* @end */

/* @kernel seq_embedding_forward f32 */
/* out[b / rows, t, b % rows, :] = table[ids[b, t], :] */
static void seq_embedding_forward(int batch, int steps, int dim, int rows, const int32_t *ids,
                                  const real *table, real *out)
{
    seq_char_embedding_forward(batch, steps, 1, dim, rows, ids, table, out);
}
/* @end */
#else
/* @kernel seq_char_embedding_forward int8 */
/* out[b / rows, t, b % rows, w, :] = table[ids[b, t, w], :], each column
 * scaled */
static void seq_char_embedding_forward(int batch, int steps, int width, int dim, int rows,
                                       const int32_t *ids, seq_q8 table, real *out)
{
    int b, t, w, j;
    for (b = 0; b < batch; b++)
        for (t = 0; t < steps; t++) {
            real *o = out + seq_blocked_row(b, t, steps, rows, width * dim);
            const int32_t *id = ids + ((size_t)b * steps + t) * width;
            for (w = 0; w < width; w++) {
                const int8_t *q = table.q + (size_t)id[w] * dim;
                for (j = 0; j < dim; j++)
                    o[(size_t)w * dim + j] = (real)q[j] * table.scale[j];
            }
        }
}
/* @end */

/* @kernel seq_embedding_forward int8 */
/* out[b / rows, t, b % rows, :] = table[ids[b, t], :] */
static void seq_embedding_forward(int batch, int steps, int dim, int rows, const int32_t *ids,
                                  seq_q8 table, real *out)
{
    seq_char_embedding_forward(batch, steps, 1, dim, rows, ids, table, out);
}
/* @end */
#endif

/* @kernel seq_series_input */
/* out[b / rows, t, b % rows, :] = x[b, t, :] */
static void seq_series_input(int batch, int steps, int dim, int rows, const float *x, real *out)
{
    int b, t;
    for (b = 0; b < batch; b++)
        for (t = 0; t < steps; t++)
            memcpy(out + seq_blocked_row(b, t, steps, rows, dim),
                   x + ((size_t)b * steps + t) * dim, (size_t)dim * sizeof *out);
}
/* @end */

/* @kernel seq_lstm_cell_forward */
/* One LSTM step: gates [batch, 4 units] hold x W + h U in Keras' order
 * (i, f, g, o); adds the bias, then c = f c_prev + i g, h = o tanh(c). */
static void seq_lstm_cell_forward(int batch, int units, const real *bias, real *gates,
                                  const real *c_prev, real *c, real *h)
{
    size_t H = (size_t)units, j;
    int b;
    for (b = 0; b < batch; b++) {
        real *g = gates + 4 * H * b;
        const real *cp = c_prev + H * b;
        real *cb = c + H * b, *hb = h + H * b;
        for (j = 0; j < H; j++) {
            real i = seq_sigmoidf(g[j] + bias[j]);
            real f = seq_sigmoidf(g[H + j] + bias[H + j]);
            real gg = tanhf(g[2 * H + j] + bias[2 * H + j]);
            real o = seq_sigmoidf(g[3 * H + j] + bias[3 * H + j]);
            cb[j] = f * cp[j] + i * gg;
            hb[j] = o * tanhf(cb[j]);
        }
    }
}
/* @end */

/* @kernel seq_gru_cell_forward */
/* One GRU step (reset_after): xg = x W, rg = h_prev U, gates (z, r, h);
 * z = sigmoid(xg_z + b_in_z + rg_z + b_rec_z), r likewise,
 * n = tanh(xg_h + b_in_h + r (rg_h + b_rec_h)), h = z h_prev + (1 - z) n.
 * RH (the runtime's backward keeps r's input there) is unused here. */
static void seq_gru_cell_forward(int batch, int units, const real *b_in, const real *b_rec,
                                 real *xg, real *rg, real *rh, const real *h_prev, real *h)
{
    size_t H = (size_t)units, j;
    int b;
    (void)rh;
    for (b = 0; b < batch; b++) {
        const real *x = xg + 3 * H * b, *g = rg + 3 * H * b, *hp = h_prev + H * b;
        real *hb = h + H * b;
        for (j = 0; j < H; j++) {
            real z = seq_sigmoidf(x[j] + b_in[j] + (g[j] + b_rec[j]));
            real r = seq_sigmoidf(x[H + j] + b_in[H + j] + (g[H + j] + b_rec[H + j]));
            real n = tanhf(x[2 * H + j] + b_in[2 * H + j] + r * (g[2 * H + j] + b_rec[2 * H + j]));
            hb[j] = z * hp[j] + (1 - z) * n;
        }
    }
}
/* @end */

/* @kernel seq_rnn_cell_forward */
/* One SimpleRNN step: h = tanh(g + bias), g = x W + h_prev U. */
static void seq_rnn_cell_forward(int batch, int units, const real *bias, const real *g, real *h)
{
    size_t H = (size_t)units, j;
    int b;
    for (b = 0; b < batch; b++)
        for (j = 0; j < H; j++)
            h[H * b + j] = tanhf(g[H * b + j] + bias[j]);
}
/* @end */

/* @kernel seq_hold_rows */
/* A row whose step t is at or past its length keeps its state. */
static void seq_hold_rows(int batch, int width, int t, const int32_t *lengths, const real *prev,
                          real *next)
{
    int b;
    for (b = 0; b < batch; b++)
        if (t >= lengths[b])
            memcpy(next + (size_t)width * b, prev + (size_t)width * b,
                   (size_t)width * sizeof *next);
}
/* @end */

/* @kernel seq_mask_steps */
/* x[t, b] = 0 for every step t at or past row b's length */
static void seq_mask_steps(int steps, int batch, int width, const int32_t *lengths, real *x)
{
    int t, b;
    for (t = 0; t < steps; t++)
        for (b = 0; b < batch; b++)
            if (t >= lengths[b])
                memset(x + ((size_t)t * batch + b) * width, 0, (size_t)width * sizeof *x);
}
/* @end */

/* @kernel seq_window2d */
/* The geometry of a 2-D convolution or pooling over [steps, rows, width,
 * channels] (time major, channels last). */
typedef struct seq_window2d {
    int steps_in, width_in, channels;
    int steps_out, width_out;
    int size_steps, size_width; /* the kernel's or the pool's */
    int pad_steps, pad_width;   /* zeros before the first step and column */
} seq_window2d;

/* The offset of pixel (t, r, w) of an image of WIDTH x CHANNELS per row. */
static size_t seq_pixel(int t, int r, int w, int rows, int width, int channels)
{
    return (((size_t)t * rows + r) * width + w) * channels;
}
/* @end */

/* @kernel seq_im2col2d */
/* cols [steps_out, rows, width_out, size_steps x size_width x channels]:
 * each output pixel's window of x, zeros outside the image. */
static void seq_im2col2d(const seq_window2d *w, int rows, const real *x, real *cols)
{
    size_t C = (size_t)w->channels;
    real *c = cols;
    int t, r, v, i, j;
    for (t = 0; t < w->steps_out; t++)
        for (r = 0; r < rows; r++)
            for (v = 0; v < w->width_out; v++)
                for (i = 0; i < w->size_steps; i++) {
                    int ti = t - w->pad_steps + i;
                    for (j = 0; j < w->size_width; j++, c += C) {
                        int vi = v - w->pad_width + j;
                        if (ti >= 0 && ti < w->steps_in && vi >= 0 && vi < w->width_in)
                            memcpy(c, x + seq_pixel(ti, r, vi, rows, w->width_in, (int)C),
                                   C * sizeof *c);
                        else
                            memset(c, 0, C * sizeof *c);
                    }
                }
}
/* @end */

/* @kernel seq_maxpool2d */
/* The maximum of each pool window (stride = pool, no padding). */
static void seq_maxpool2d(const seq_window2d *w, int rows, const real *x, real *y)
{
    int C = w->channels, t, r, v, i, j, k;
    for (t = 0; t < w->steps_out; t++)
        for (r = 0; r < rows; r++)
            for (v = 0; v < w->width_out; v++) {
                real *o = y + seq_pixel(t, r, v, rows, w->width_out, C);
                for (i = 0; i < w->size_steps; i++)
                    for (j = 0; j < w->size_width; j++) {
                        const real *in = x + seq_pixel(t * w->size_steps + i, r,
                                                       v * w->size_width + j, rows,
                                                       w->width_in, C);
                        if (i == 0 && j == 0)
                            memcpy(o, in, (size_t)C * sizeof *o);
                        for (k = 0; k < C; k++)
                            o[k] = in[k] > o[k] ? in[k] : o[k];
                    }
            }
}
/* @end */

/* @kernel seq_time_window */
/* A sequence [steps, rows, features] as an image one pixel wide. */
static seq_window2d seq_time_window(int steps_in, int steps_out, int channels, int size, int pad)
{
    seq_window2d w;
    w.steps_in = steps_in;
    w.width_in = 1;
    w.channels = channels;
    w.steps_out = steps_out;
    w.width_out = 1;
    w.size_steps = size;
    w.size_width = 1;
    w.pad_steps = pad;
    w.pad_width = 0;
    return w;
}
/* @end */

/* @kernel seq_im2col */
/* Conv1D's windows: cols [steps_out, rows, kernel x features]. */
static void seq_im2col(int steps_out, int rows, int features, int kernel, int pad, int steps_in,
                       const real *x, real *cols)
{
    seq_window2d w = seq_time_window(steps_in, steps_out, features, kernel, pad);
    seq_im2col2d(&w, rows, x, cols);
}
/* @end */

/* @kernel seq_maxpool_steps */
/* The maximum over POOL consecutive steps, x [steps_out * pool, width]. */
static void seq_maxpool_steps(int steps_out, int width, int pool, const real *x, real *y)
{
    seq_window2d w = seq_time_window(steps_out * pool, steps_out, width, pool, 0);
    seq_maxpool2d(&w, 1, x, y);
}
/* @end */

/* @kernel seq_real_steps */
/* The steps row R pools: its length within [0, STEPS], or every step. */
static int seq_real_steps(const int32_t *lengths, int r, int steps)
{
    if (!lengths)
        return steps;
    return lengths[r] < 0 ? 0 : lengths[r] > steps ? steps : (int)lengths[r];
}
/* @end */

/* @kernel seq_global_max_pool */
/* y [rows, features] = the maximum over each row's real steps (0 for none) */
static void seq_global_max_pool(int steps, int rows, int features, const int32_t *lengths,
                                const real *x, real *y)
{
    size_t F = (size_t)features, stride = (size_t)rows * F, j;
    int r, t;
    for (r = 0; r < rows; r++) {
        real *yr = y + F * r;
        const real *xr = x + F * r;
        int n = seq_real_steps(lengths, r, steps);
        if (n == 0) {
            memset(yr, 0, F * sizeof *yr);
            continue;
        }
        memcpy(yr, xr, F * sizeof *yr);
        for (t = 1; t < n; t++)
            for (j = 0; j < F; j++)
                yr[j] = xr[stride * t + j] > yr[j] ? xr[stride * t + j] : yr[j];
    }
}
/* @end */

/* @kernel seq_global_avg_pool */
/* y [rows, features] = the mean over each row's real steps (0 for none) */
static void seq_global_avg_pool(int steps, int rows, int features, const int32_t *lengths,
                                const real *x, real *y)
{
    size_t F = (size_t)features, stride = (size_t)rows * F, j;
    int r, t;
    memset(y, 0, stride * sizeof *y);
    for (r = 0; r < rows; r++) {
        real *yr = y + F * r;
        int n = seq_real_steps(lengths, r, steps);
        for (t = 0; t < n; t++)
            for (j = 0; j < F; j++)
                yr[j] += x[stride * t + F * r + j];
        for (j = 0; n && j < F; j++)
            yr[j] /= (real)n;
    }
}
/* @end */

/* @kernel seq_softmax_rows */
static void seq_softmax_rows(int rows, int cols, const real *z, real *p)
{
    int r, c;
    for (r = 0; r < rows; r++) {
        const real *zr = z + (size_t)r * cols;
        real *pr = p + (size_t)r * cols, max = zr[0], sum = 0;
        for (c = 1; c < cols; c++)
            max = zr[c] > max ? zr[c] : max;
        for (c = 0; c < cols; c++) {
            pr[c] = expf(zr[c] - max);
            sum += pr[c];
        }
        for (c = 0; c < cols; c++)
            pr[c] /= sum;
    }
}
/* @end */

/* @kernel seq_parallel_blocks */
/* The blocks of a layer, one after the other (the runtime spreads them over
 * threads; an export runs one example, one block). */
static void seq_parallel_blocks(int blocks, void (*fn)(const real *, real *, int), const real *p,
                                real *a)
{
    int blk;
    for (blk = 0; blk < blocks; blk++)
        fn(p, a, blk);
}
/* @end */

/* @kernel seq_parallel_blocks_len */
/* The same for layers that read the rows' lengths or char ids. */
static void seq_parallel_blocks_len(int blocks,
                                    void (*fn)(const real *, real *, const int32_t *, int),
                                    const real *p, real *a, const int32_t *lengths)
{
    int blk;
    for (blk = 0; blk < blocks; blk++)
        fn(p, a, lengths, blk);
}
/* @end */

/* ---- text: UTF-8 and the tokenizer (runtime/utf8.c, runtime/tokenizer.c) ---- */

/* @kernel seq_utf8_length */
/* The bytes of the UTF-8 sequence at S (AVAIL bytes left), 0 if it is not
 * one: overlongs, surrogates and code points past U+10FFFF are not. */
static size_t seq_utf8_length(const unsigned char *s, size_t avail)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t n, k;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (k = 2; k < n; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return n;
}
/* @end */

/* @kernel seq_utf8_valid */
static int seq_utf8_valid(const unsigned char *s, size_t len)
{
    size_t i, n;
    for (i = 0; i < len; i += n)
        if ((n = seq_utf8_length(s + i, len - i)) == 0)
            return 0;
    return 1;
}
/* @end */

/* @kernel seq_utf8_next */
/* The code point at S[*I] (valid UTF-8), *I moved past it. */
static uint32_t seq_utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    static const unsigned char lead_bits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    size_t n = seq_utf8_length(s + *i, len - *i), k;
    uint32_t cp;
    if (n == 0) {
        *i += 1;
        return 0xFFFD;
    }
    cp = s[*i] & lead_bits[n];
    for (k = 1; k < n; k++)
        cp = cp << 6 | (s[*i + k] & 0x3F);
    *i += n;
    return cp;
}
/* @end */

/* @kernel seq_tok_blank */
/* Nothing but ASCII white space (the runtime's "empty text"). */
static int seq_tok_blank(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (!(s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
            return 0;
    return 1;
}
/* @end */

/* @kernel seq_tok_space */
/* Whitespace: ASCII space and every control byte. */
static int seq_tok_space(unsigned char c)
{
    return c <= ' ' || c == 0x7F;
}
/* @end */

/* @kernel seq_tok_punct */
/* ASCII punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ */
static int seq_tok_punct(unsigned char c)
{
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~');
}
/* @end */

/* @kernel seq_tok_word_char */
/* A word character: neither of those (every byte from 0x80 on included). */
static int seq_tok_word_char(unsigned char c)
{
    return !seq_tok_space(c) && !seq_tok_punct(c);
}
/* @end */

/* @kernel seq_tok_lower */
static unsigned char seq_tok_lower(unsigned char c, int lowercase)
{
    return lowercase && c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}
/* @end */

/* @kernel seq_tok_tag_end */
/* If an HTML tag starts at T[I] ('<' then a letter, '/' or '!', closed by
 * a '>' at most 256 bytes on), the index of its '>', else 0. */
static size_t seq_tok_tag_end(const unsigned char *t, size_t len, size_t i)
{
    size_t stop, j;
    unsigned char c;
    if (i + 1 >= len)
        return 0;
    c = t[i + 1];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!'))
        return 0;
    stop = len - i > 256 ? i + 256 : len - 1;
    for (j = i + 2; j <= stop; j++)
        if (t[j] == '>')
            return j;
    return 0;
}
/* @end */

/* @kernel seq_word_id */
/* The id of token T[0, LEN) (lowercased as the spec says), by binary search
 * of the vocabulary's words in byte order; 1 (out of vocabulary) if none. */
static int32_t seq_word_id(const unsigned char *t, size_t len, int lowercase)
{
    size_t lo = 0, hi = VOCAB_WORDS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, k;
        const unsigned char *w = vocab_bytes + vocab_start[mid];
        size_t wlen = vocab_start[mid + 1] - vocab_start[mid];
        int cmp = 0;
        for (k = 0; k < len && k < wlen && cmp == 0; k++)
            cmp = (int)seq_tok_lower(t[k], lowercase) - (int)w[k];
        if (cmp == 0)
            cmp = len < wlen ? -1 : len > wlen ? 1 : 0;
        if (cmp == 0)
            return vocab_id[mid];
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 1;
}
/* @end */

/* @kernel seq_char_id */
/* A character's id: its place in the character table + 1, 0 if unknown. */
static int32_t seq_char_id(uint32_t cp)
{
    int32_t i;
    for (i = 0; i < N_CHARS; i++)
        if (chars_table[i] == cp)
            return i + 1;
    return 0;
}
/* @end */

/* @kernel seq_tok_ring */
/* The tokens of a text as ids in a ring of SEQ_LEN slots (the last SEQ_LEN
 * survive when KEEP_END, else the first), and each kept token's spelling
 * (a char-CNN model: WIDTH char ids per slot, else none). */
typedef struct seq_tok_ring {
    int32_t *ids, *chars;
    size_t seq_len, width, n; /* n counts every token seen */
    int keep_end, lowercase;
} seq_tok_ring;
/* @end */

/* @kernel seq_tok_spell */
/* Row OUT[0, WIDTH) for token T[0, LEN): its first characters' ids + 1
 * (1: a character the model does not know), then 0. */
static void seq_tok_spell(const unsigned char *t, size_t len, int lowercase, size_t width,
                          int32_t *out)
{
    unsigned char buf[4];
    size_t i = 0, w = 0, k, n;
    for (; w < width && i < len; w++) {
        n = seq_utf8_length(t + i, len - i);
        n = n ? n : 1;
        for (k = 0; k < n && k < 4; k++)
            buf[k] = seq_tok_lower(t[i + k], lowercase);
        k = 0;
        out[w] = seq_char_id(seq_utf8_next(buf, n, &k)) + 1;
        i += n;
    }
    for (; w < width; w++)
        out[w] = 0;
}
/* @end */

/* @kernel seq_tok_put */
static void seq_tok_put(seq_tok_ring *r, const unsigned char *t, size_t len)
{
    if (r->n < r->seq_len || r->keep_end) {
        size_t slot = r->n % r->seq_len;
        r->ids[slot] = seq_word_id(t, len, r->lowercase);
        if (r->chars)
            seq_tok_spell(t, len, r->lowercase, r->width, r->chars + slot * r->width);
    }
    r->n++;
}
/* @end */

/* @kernel seq_tok_scan */
/* Splits TEXT into tokens as the runtime's tokenizer does
 * (runtime/tokenizer.h): whitespace separates them, STRIP_HTML makes a tag
 * whitespace, an apostrophe between word characters is part of a word;
 * other punctuation is a token of its own (PUNCT 0, split), a separator
 * (1, strip) or a word character (2, keep). */
static void seq_tok_scan(seq_tok_ring *r, const unsigned char *t, size_t len, int strip_html,
                         int punct)
{
    size_t start = 0, i;
    int in_word = 0;
    for (i = 0; i < len; i++) {
        unsigned char c = t[i];
        size_t tag_close = c == '<' && strip_html ? seq_tok_tag_end(t, len, i) : 0;
        int word = !seq_tok_space(c) && !tag_close;
        if (word && seq_tok_punct(c) && punct != 2)
            word = c == '\'' && i > 0 && i + 1 < len && seq_tok_word_char(t[i - 1]) &&
                   seq_tok_word_char(t[i + 1]);
        if (word) {
            if (!in_word)
                start = i, in_word = 1;
            continue;
        }
        if (in_word)
            seq_tok_put(r, t + start, i - start), in_word = 0;
        if (tag_close)
            i = tag_close;
        else if (seq_tok_punct(c) && punct == 0)
            seq_tok_put(r, t + i, 1);
    }
    if (in_word)
        seq_tok_put(r, t + start, len - start);
}
/* @end */

/* @kernel seq_rows_reverse */
/* Reverses the order of N rows of WIDTH ids (WIDTH 0: nothing). */
static void seq_rows_reverse(int32_t *a, size_t n, size_t width)
{
    size_t i, k;
    for (i = 0; i < n / 2; i++)
        for (k = 0; k < width; k++) {
            int32_t x = a[i * width + k];
            a[i * width + k] = a[(n - 1 - i) * width + k];
            a[(n - 1 - i) * width + k] = x;
        }
}
/* @end */

/* @kernel seq_rows_rotate */
/* Rows [head, n) then [0, head): a ring's oldest row first. */
static void seq_rows_rotate(int32_t *a, size_t n, size_t head, size_t width)
{
    seq_rows_reverse(a, head, width);
    seq_rows_reverse(a + head * width, n - head, width);
    seq_rows_reverse(a, n, width);
}
/* @end */

/* @kernel seq_rows_pad */
/* N real rows of WIDTH at the front of A [seq_len, width] moved to the end
 * (PAD_PRE) with zero rows before them, or zero rows after them. */
static void seq_rows_pad(int32_t *a, size_t n, size_t seq_len, size_t width, int pad_pre)
{
    size_t pad = seq_len - n;
    if (pad_pre) {
        memmove(a + pad * width, a, n * width * sizeof *a);
        memset(a, 0, pad * width * sizeof *a);
    } else {
        memset(a + n * width, 0, pad * width * sizeof *a);
    }
}
/* @end */

/* @kernel seq_tok_finish */
/* The ring in text order, padded; returns the number of real tokens. */
static int32_t seq_tok_finish(seq_tok_ring *r, int pad_pre)
{
    size_t T = r->seq_len;
    if (r->n >= T) {
        size_t head = r->keep_end ? r->n % T : 0;
        if (head) {
            seq_rows_rotate(r->ids, T, head, 1);
            if (r->chars)
                seq_rows_rotate(r->chars, T, head, r->width);
        }
        return (int32_t)T;
    }
    seq_rows_pad(r->ids, r->n, T, 1, pad_pre);
    if (r->chars)
        seq_rows_pad(r->chars, r->n, T, r->width, pad_pre);
    return (int32_t)r->n;
}
/* @end */

/* @kernel seq_ids_fit */
/* N ids cut and padded to SEQ_LEN as the tokenizer does: OUT gets the last
 * (KEEP_END) or first SEQ_LEN, with zeros before (PAD_PRE) or after them.
 * Returns the number kept. */
static int32_t seq_ids_fit(const int32_t *ids, size_t n, size_t seq_len, int keep_end,
                           int pad_pre, int32_t *out)
{
    size_t keep = n < seq_len ? n : seq_len;
    const int32_t *from = keep_end ? ids + (n - keep) : ids;
    size_t at = pad_pre ? seq_len - keep : 0;
    memset(out, 0, seq_len * sizeof *out);
    memcpy(out + at, from, keep * sizeof *out);
    return (int32_t)keep;
}
/* @end */

/* @kernel seq_finite */
/* X is a finite float (no isfinite: C99's is a macro C++ may lack). */
static int seq_finite(float x)
{
    return x == x && x - x == 0;
}
/* @end */

#ifdef SEQ_EXPORT_TEST_MAIN
SEQ_EXPORT_TEST_MAIN
#endif
