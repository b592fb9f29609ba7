/* init.h: parameter initialization (Keras' initializers). */
#ifndef SEQ_INIT_H
#define SEQ_INIT_H

#include <stdint.h>

#include "base/model.h"
#include "base/real.h"
#include "base/util.h"
#include "data/tokenizer.h"

#define seq_init_params SEQ_P(init_params)
#define seq_init_tensor SEQ_P(init_tensor)

/* Fills every parameter tensor of INFO from SEED. Each tensor draws from its
 * own stream (seeded by SEED and the tensor's name), so the float and double
 * builds start from the same values and adding a layer leaves the others'
 * starting values alone. */
void seq_init_params(const seq_model_info *info, uint64_t seed, real *params);
void seq_init_tensor(const seq_tensor_info *t, uint64_t seed, real *params);

#define seq_init_files SEQ_P(init_files)
/* After seq_init_params, once VOCAB is known: the rows of the vocabulary's
 * words in each SEQ_INIT_FILE tensor (an embedding [input_dim, output_dim])
 * from its vectors file, SPEC_DIR/path (data/vectors.h); a word given twice keeps
 * its first vector; the other rows, ids 0 and 1 included, keep their draws.
 * Prints one line per file to stderr: how many of the vocabulary's words it
 * had. Fails on a bad file (then the run must stop: the rows before the bad
 * line are written). A resumed run skips this: its parameters come from its
 * checkpoint. */
int seq_init_files(const seq_model_info *info, const char *spec_dir, const seq_vocab *vocab,
                   real *params, seq_err *err);

#endif
