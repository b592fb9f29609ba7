/* summary.c: the table tf.keras 2.x prints for model.summary(), column for
 * column (65 characters wide, columns ending at 29, 55 and 65; long names
 * wrap as Keras wraps them). */
#include "summary.h"

#include <stdio.h>
#include <string.h>

#include "layer.h"

enum { WIDTH = 65 };

static void rule(seq_buf *out, char c)
{
    char line[WIDTH + 2];
    memset(line, c, WIDTH);
    line[WIDTH] = '\n';
    line[WIDTH + 1] = '\0';
    seq_buf_puts(out, line);
}

/* One row; a field longer than its column continues on the next line, as
 * Keras' print_row cuts it (columns end at 29, 55 and 65; 2 spaces apart). */
static void row(seq_buf *out, const char *name, const char *shape, const char *params)
{
    const char *fields[3] = {name, shape, params};
    const int ends[3] = {29, 55, WIDTH};
    while (*fields[0] || *fields[1] || *fields[2]) {
        size_t start = out->len;
        seq_buf_puts(out, " ");
        for (int col = 0; col < 3; col++) {
            int begin = col ? ends[col - 1] : 0;
            size_t cutoff = (size_t)(ends[col] - begin - (col < 2 ? 2 : 0));
            size_t n = strlen(fields[col]) < cutoff ? strlen(fields[col]) : cutoff;
            seq_buf_add(out, fields[col], n);
            fields[col] += n;
            while (out->len - start < (size_t)ends[col])
                seq_buf_puts(out, " ");
        }
        seq_buf_puts(out, "\n");
    }
}

/* 349057 -> "349,057" */
static void with_commas(char *buf, size_t n, long long x)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", x);
    size_t j = 0;
    for (int i = 0; i < len && j + 1 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0 && j + 2 < n)
            buf[j++] = ',';
        buf[j++] = digits[i];
    }
    buf[j] = '\0';
}

void summary_row(seq_buf *out, const char *name, const char *cls, const char *shape,
                      int64_t n_params)
{
    char label[128], params[32];
    snprintf(label, sizeof label, "%s (%s)", name, cls);
    snprintf(params, sizeof params, "%lld", (long long)n_params);
    row(out, label, shape, params);
    seq_buf_printf(out, "%*s\n", WIDTH, "");
}

void summary_write(const spec *s, seq_buf *out)
{
    seq_buf_printf(out, "Model: \"%s\"\n", s->name);
    rule(out, '_');
    row(out, "Layer (type)", "Output Shape", "Param #");
    rule(out, '=');
    /* a stateful Keras model fixes its batch size (batch_input_shape) */
    char batch[16] = "None";
    if (s->train.stateful)
        snprintf(batch, sizeof batch, "%d", s->batch);
    for (int i = 0; i < s->n_layers; i++) {
        const layer *l = &s->layers[i];
        char shape[48];
        if (l->kind->summary) {
            l->kind->summary(out, s, l, batch);
            continue;
        }
        layer_shape_str(l->out, batch, shape, sizeof shape);
        summary_row(out, l->name, layer_class(l), shape, l->n_params);
    }
    rule(out, '=');
    int64_t frozen = 0;
    for (int i = 0; i < s->n_layers; i++)
        frozen += s->layers[i].frozen ? s->layers[i].n_params : 0;
    char total[32], trainable[32], fixed[32];
    with_commas(total, sizeof total, (long long)spec_total_params(s));
    with_commas(trainable, sizeof trainable, (long long)(spec_total_params(s) - frozen));
    with_commas(fixed, sizeof fixed, (long long)frozen);
    seq_buf_printf(out, "Total params: %s\nTrainable params: %s\nNon-trainable params: %s\n",
                   total, trainable, fixed);
    rule(out, '_');
}
