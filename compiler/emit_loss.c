/* emit_loss.c: the loss section, computed from the last layer's logits
 * (stable for any logit): binary cross-entropy with the output
 * sigmoid(logits), or sparse categorical cross-entropy (one class index per
 * example) with the output softmax(logits); or the mean squared error of a
 * regression, whose output is the last layer's. */
#include <stdio.h>

#include "emit.h"

void loss_emit(seq_buf *out, const plan *pl)
{
    const spec *s = pl->s;
    const layer *last = &s->layers[s->n_layers - 1];
    const pass *tr = &pl->train;
    int B = tr->batch, N = last->units, ce = s->loss.kind == SEQ_LOSS_SPARSE_CE;
    int mse = s->loss.kind == SEQ_LOSS_MSE;
    int seq = last->out.is_seq, T = steps_out(tr, last);
    /* positions: one per example, or one per step of every example */
    int P = seq ? B * T : B;
    char d[64], c[96];

    if (mse)
        emit_rule(out, "loss: mean squared error of %s's output", last->name);
    else if (ce)
        emit_rule(out, "loss: sparse categorical cross-entropy on %s's logits", last->name);
    else
        emit_rule(out, "loss: binary cross-entropy on %s's logits", last->name);
    seq_buf_puts(out, "\nstatic real loss_forward(real *a, const seq_batch *in)\n{\n");
    snprintf(c, sizeof c, "%s %s.out", dims2(d, sizeof d, P, N), last->name);
    emit_ptr(out, 1, mse ? "z" : "logits", 'a', tr->loss.in, c);
    snprintf(c, sizeof c, "%s the model output, %s", dims2(d, sizeof d, P, N),
             mse ? "z" : ce ? "softmax(logits)" : "sigmoid(logits)");
    emit_ptr(out, 0, "output", 'a', tr->loss.out, c);
    if (mse) {
        seq_buf_printf(out, "\n    seq_copy(%d, z, output);\n", B);
        seq_buf_printf(out, "    return in->targets ? seq_mse_loss(%d, in->n_valid, z, in->targets) : 0;\n}\n", B);
    } else if (ce && seq) {
        seq_buf_printf(out, "\n    seq_softmax_rows(%d, %d, logits, output);\n", P, N);
        seq_buf_printf(out, "    return in->targets ? seq_sparse_ce_steps_loss(%d, %d, %d, %d, in->n_valid, logits, in->targets) : 0;\n}\n",
                       B, T, tr->rows, N);
    } else if (ce) {
        seq_buf_printf(out, "\n    seq_softmax_rows(%d, %d, logits, output);\n", B, N);
        seq_buf_printf(out, "    return in->targets ? seq_sparse_ce_loss(%d, in->n_valid, %d, logits, in->targets) : 0;\n}\n",
                       B, N);
    } else {
        seq_buf_printf(out, "\n    seq_sigmoid(%d, logits, output);\n", B * N);
        seq_buf_printf(out, "    return in->targets ? seq_bce_logits_loss(%d, in->n_valid, logits, in->targets) : 0;\n}\n", B);
    }

    seq_buf_puts(out, "\nstatic void loss_backward(real *a, const seq_batch *in)\n{\n");
    if (ce) {
        snprintf(c, sizeof c, "%s softmax(logits)", dims2(d, sizeof d, B, N));
        emit_ptr(out, 1, "output", 'a', tr->loss.out, c);
    } else {
        snprintf(c, sizeof c, "%s %s.out", dims2(d, sizeof d, B, N), last->name);
        emit_ptr(out, 1, mse ? "z" : "logits", 'a', tr->loss.in, c);
    }
    snprintf(c, sizeof c, "%s d %s.out", dims2(d, sizeof d, B, N), last->name);
    emit_ptr(out, 0, mse ? "dz" : "d_logits", 'a', tr->io[last->index].dout, c);
    if (mse)
        seq_buf_printf(out, "\n    seq_mse_backward(%d, in->n_valid, z, in->targets, dz);\n}\n", B);
    else if (ce && seq)
        seq_buf_printf(out, "\n    seq_sparse_ce_steps_backward(%d, %d, %d, %d, in->n_valid, output, in->targets, d_logits);\n}\n",
                       B, T, tr->rows, N);
    else if (ce)
        seq_buf_printf(out, "\n    seq_sparse_ce_backward(%d, in->n_valid, %d, output, in->targets, d_logits);\n}\n",
                       B, N);
    else
        seq_buf_printf(out, "\n    seq_bce_logits_backward(%d, in->n_valid, logits, in->targets, d_logits);\n}\n", B);

    loss_emit_predict(out, pl);
}

void loss_emit_predict(seq_buf *out, const plan *pl)
{
    const spec *s = pl->s;
    const layer *last = &s->layers[s->n_layers - 1];
    const pass *pr = &pl->predict;
    int N = last->units, ce = s->loss.kind == SEQ_LOSS_SPARSE_CE;
    int mse = s->loss.kind == SEQ_LOSS_MSE;
    int seq = last->out.is_seq, Tp = steps_out(pr, last);
    char d[64];

    seq_buf_puts(out, "\nstatic void loss_predict(real *a)\n{\n");
    emit_ptr(out, 1, mse ? "z" : "logits", 'a', pr->loss.in, dims2(d, sizeof d, 1, N));
    emit_ptr(out, 0, "output", 'a', pr->loss.out, dims2(d, sizeof d, 1, N));
    if (mse)
        seq_buf_printf(out, "\n    seq_copy(%d, z, output);\n}\n", N);
    else if (ce)
        seq_buf_printf(out, "\n    seq_softmax_rows(%d, %d, logits, output);\n}\n", seq ? Tp : 1, N);
    else
        seq_buf_printf(out, "\n    seq_sigmoid(%d, logits, output);\n}\n", N);
}
