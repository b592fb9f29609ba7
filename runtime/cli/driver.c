/* driver.c: the model binary's commands over one compiled model, in the
 * build's precision (the float build trains and predicts, the double build
 * runs the gradient check). */
#include "driver.h"

#include <stdio.h>

#include "dist/dist.h"
#include "kernels/fpmode.h"
#include "kernels/vmath.h"
#include "train/run.h"

/* Whether every rank of the job runs this model's code with the same
 * rounding (AVX2 and AVX-512 give the same bits, the scalar kernels not):
 * else the ranks would train apart without a word. */
static int same_model_everywhere(const seq_model *m)
{
    const char *kernels = seq_simd_current() == SEQ_SIMD_SCALAR ? "scalar" : "AVX2/AVX-512";
    char what[160] = {0}; /* compared whole */
    snprintf(what, sizeof what, "%s %s %s", m->info->spec_sha256, SEQ_PRECISION, kernels);
    int other = seq_dist_differs(what, sizeof what);
    if (other >= 0 && seq_dist_rank() == 0)
        fprintf(stderr, "error: rank %d of the job runs another model, or other kernels, than "
                        "rank 0 (%s, %s kernels): every rank must run the same binary on CPUs "
                        "with AVX2 alike, or all without\n", other, m->info->name, kernels);
    return other < 0;
}

int seq_run(const seq_model *m, const seq_options *o, const char *data_root)
{
    int ranks = seq_dist_ranks();
    if (ranks > 1 && o->cmd != SEQ_CMD_SAMPLE && m->blocks % ranks != 0) {
        if (seq_dist_rank() == 0 && m->blocks == 1) /* every rank finds it: one says it */
            fprintf(stderr, "error: %s's batch of %d is one block of %d rows, which one process "
                            "runs: run it without mpirun, or with a batch of two blocks or more "
                            "(32 rows is two blocks of 16)\n", m->info->name, m->info->batch, m->rows);
        else if (seq_dist_rank() == 0)
            fprintf(stderr, "error: %s's batch of %d is %d blocks of %d rows, which %d processes "
                            "cannot share equally: run a number of processes that divides %d\n",
                    m->info->name, m->info->batch, m->blocks, m->rows, ranks, m->blocks);
        return SEQ_EXIT_USAGE;
    }
    if (ranks > 1 && !same_model_everywhere(m))
        return SEQ_EXIT_FAIL;
#ifndef SEQ_REAL_DOUBLE
    unsigned fp_mode = seq_fp_flush_denormals(); /* see kernels/fpmode.h */
#endif
    run r;
    run_init(&r, m, o);
    int status = SEQ_EXIT_USAGE;
    switch (o->cmd) {
    case SEQ_CMD_TRAIN: status = cmd_train(&r, o, data_root); break;
    case SEQ_CMD_EVAL: status = cmd_eval(&r, o, data_root); break;
    case SEQ_CMD_PREDICT: /* seq_cmd_predict, over the C API */
    case SEQ_CMD_ENCODE: break;
    case SEQ_CMD_GRADS: status = cmd_grads(&r, o, data_root); break;
    case SEQ_CMD_GRADCHECK: status = cmd_gradcheck(&r, o); break;
    case SEQ_CMD_BENCH: status = cmd_bench(&r, o); break;
    case SEQ_CMD_SAMPLE: status = cmd_sample(&r, o); break;
    case SEQ_CMD_EXPORT: status = cmd_export(&r, o); break;
    case SEQ_CMD_EXPORT_ONNX: status = cmd_export_onnx(&r, o); break;
    }
    run_free(&r);
#ifndef SEQ_REAL_DOUBLE
    seq_fp_set_mode(fp_mode);
#endif
    return status;
}
