/* cli.h: the model binary's command line, shared by every model. */
#ifndef SEQ_CLI_H
#define SEQ_CLI_H

#include "base/model.h"
#include "train/options.h"
#include "seqcc.h"

/* predict: one answer per line of o->input, through the C API. Returns an
 * exit status. */
int seq_cmd_predict(const seqcc_model_def *def, const seq_options *o);

/* The whole main() of a model binary. SPEC_DIR is the spec's folder, where
 * data.path starts: relative to the binary's own folder, or absolute. */
int seq_main(int argc, char **argv, const seq_model_info *info, const seq_s_model *f32,
             const seq_d_model *f64, const char *spec_dir);

#endif
