/* driver.h: the model binary's commands (train, eval, predict, grads,
 * gradcheck, bench) over one compiled model, in the build's precision. */
#ifndef SEQ_DRIVER_H
#define SEQ_DRIVER_H

#include "base/model.h"
#include "base/real.h"
#include "cli.h"

#define seq_run SEQ_P(run)

/* Runs O->cmd; DATA_ROOT is the data folder. Returns an exit status. */
int seq_run(const seq_model *m, const seq_options *o, const char *data_root);

#endif
