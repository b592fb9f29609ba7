/* adam.h: Adam and AdamW with clipping by global norm, in PyTorch's
 * formulation (torch.optim.Adam/AdamW, torch.nn.utils.clip_grad_norm_). */
#ifndef SEQ_ADAM_H
#define SEQ_ADAM_H

#include <stddef.h>

#include "base/model.h"
#include "base/real.h"

#define seq_grad_norm SEQ_P(grad_norm)
#define seq_adam_step SEQ_P(adam_step)
#define seq_trainable_grad_norm SEQ_P(trainable_grad_norm)
#define seq_adam_update SEQ_P(adam_update)

/* sqrt(sum g^2), accumulated in double in index order (deterministic). */
double seq_grad_norm(size_t n, const real *g);

/* One update at step T (1-based) of N parameters P with gradients G and
 * moments M, V. Gradients are multiplied by GRAD_SCALE first (the clipping
 * factor, 1 when not clipping):
 *   Adam:  g += weight_decay p
 *   AdamW: p -= lr weight_decay p
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps) */
void seq_adam_step(const seq_optim_info *o, long t, size_t n, real *p, const real *g,
                   real *m, real *v, double grad_scale);

/* The model's versions, over its trainable tensors only: a frozen one
 * (trainable: false) is never updated (no step, no weight decay; its moments
 * stay 0) and its gradient is left out of the global norm, as Keras clips
 * the trainable variables' gradients only. Adjacent trainable tensors are
 * one call to the above; without a frozen tensor these are seq_grad_norm
 * and seq_adam_step over all n_params (the same bits). */
double seq_trainable_grad_norm(const seq_model_info *info, const real *g);
void seq_adam_update(const seq_model_info *info, long t, real *p, const real *g, real *m,
                     real *v, double grad_scale);

#endif
