/* api_model.c: the C API's work in the model's precision: loading a
 * checkpoint into a handle (as the binary's commands do) and running the
 * batch-1 predict pass. Compiled twice, as float and as double. */
#include "api.h"

#include <string.h>

#include "kernels/fpmode.h"
#include "train/run.h"

#define seq_api_load SEQ_P(api_load)
#define seq_api_predict SEQ_P(api_predict)

#ifdef SEQ_REAL_DOUBLE
#define PASSES(h) ((h)->f64)
#else
#define PASSES(h) ((h)->f32)
#endif

int seq_api_load(seqcc_model *h, const char *checkpoint, char **classes, seq_err *err)
{
    run r; /* only what load_checkpoint reads and fills without resume */
    memset(&r, 0, sizeof r);
    r.m = PASSES(h);
    r.info = h->info;
    r.params = alloc_reals(h->info->n_params);
    if (load_checkpoint(&r, checkpoint, 0, err) != 0) {
        run_free(&r);
        return -1;
    }
    h->params = r.params;
    h->acts = alloc_reals(r.m->n_acts_predict);
    h->vocab = r.vocab;
    h->chars = r.chars;
    h->n_chars = r.n_chars;
    h->scale = r.scale;
    *classes = r.classes.data ? r.classes.data : seq_xstrdup("");
    return 0;
}

void seq_api_predict(seqcc_model *h, const seq_batch *one, double *out)
{
    const seq_model *m = PASSES(h);
    real *acts = h->acts;
#ifndef SEQ_REAL_DOUBLE
    unsigned fp_mode = seq_fp_flush_denormals(); /* as training ran; see kernels/fpmode.h */
#endif
    m->predict(h->params, acts, one);
#ifndef SEQ_REAL_DOUBLE
    seq_fp_set_mode(fp_mode);
#endif
    for (int k = 0; k < h->info->n_outputs; k++)
        out[k] = (double)acts[m->output_predict + k];
}
