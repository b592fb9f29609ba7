/* init.h: parameter initialization (Keras' initializers). */
#ifndef SEQ_INIT_H
#define SEQ_INIT_H

#include <stdint.h>

#include "model.h"
#include "real.h"

#define seq_init_params SEQ_P(init_params)
#define seq_init_tensor SEQ_P(init_tensor)

/* Fills every parameter tensor of INFO from SEED. Each tensor draws from its
 * own stream (seeded by SEED and the tensor's name), so the float and double
 * builds start from the same values and adding a layer leaves the others'
 * starting values alone. */
void seq_init_params(const seq_model_info *info, uint64_t seed, real *params);
void seq_init_tensor(const seq_tensor_info *t, uint64_t seed, real *params);

#endif
