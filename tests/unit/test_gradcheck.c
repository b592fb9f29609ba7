/* test_gradcheck.c: the gradient check fails a wrong gradient. A toy model
 * (loss = sum over parameters of w_i^3 / 3 + ids-dependent terms) goes
 * through the same gradcheck command the model binaries run, with its true
 * gradient, with gradients wrong in one entry or in padding rows, and with a
 * kink just beside the checked point (which central differences straddle). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli/cli.h"

int seq_d_run(const seq_d_model *m, const seq_options *o, const char *data_root);

/* 0: the true gradient; 1: one weight's gradient off by 1e-4 relative;
 * 2: padding rows wrongly counted in the backward; 3: the true gradient, and
 * 50 max(0, w_5 - k) in the loss with k 2e-7 right of the first w_5 seen */
static int sabotage;
static double kink = NAN;

static const seq_tensor_info tensors[] = {
    {.name = "toy/w", .offset = 0, .size = 6, .rank = 2, .shape = {2, 3}, .init = SEQ_INIT_ZEROS},
    {.name = "toy/b", .offset = 6, .size = 2, .rank = 1, .shape = {2}, .init = SEQ_INIT_ZEROS},
};

static const seq_model_info info = {
    .name = "toy", .seqcc_version = "test", .spec_file = "toy.yaml", .spec_sha256 = "0",
    .batch = 2, .seq_len = 1, .n_outputs = 1, .simd = SEQ_SIMD_AUTO, .n_params = 8, .n_tensors = 2,
    .tensors = tensors, .summary = "",
    .data = {.vocab_size = 4},
};

static double forward(const double *p, double *a, const seq_batch *in, int training, seq_rng *rng)
{
    (void)training, (void)rng;
    double loss = 0;
    for (int i = 0; i < 6; i++)
        loss += p[i] * p[i] * p[i] / 3;
    for (int r = 0; r < in->n_valid; r++)
        loss += p[6 + r] * (in->ids[r] + 1) * (in->targets[r] + 1);
    if (sabotage == 3) {
        if (isnan(kink))
            kink = p[5] + 2e-7;
        loss += 50 * fmax(0, p[5] - kink);
    }
    a[0] = loss;
    return loss;
}

static void backward(const double *p, double *g, double *a, const seq_batch *in)
{
    (void)a;
    for (int i = 0; i < 6; i++)
        g[i] = p[i] * p[i];
    for (int r = 0; r < 2; r++)
        g[6 + r] = r < in->n_valid || sabotage == 2 ? (in->ids[r] + 1) * (in->targets[r] + 1) : 0;
    if (sabotage == 1)
        g[4] *= 1.0001;
}

static void predict(const double *p, double *a, const seq_batch *in)
{
    (void)p, (void)a, (void)in;
}

static const seq_d_model model = {
    .info = &info, .n_acts = 1, .n_acts_predict = 1, .forward = forward,
    .backward = backward, .predict = predict,
};

int main(void)
{
    seq_options o;
    memset(&o, 0, sizeof o);
    o.cmd = SEQ_CMD_GRADCHECK;
    o.seed = 1;
    o.samples = 8;
    o.tolerance = 1e-6;
    o.threads = 1;
    CHECK(seq_d_run(&model, &o, "") == SEQ_EXIT_OK);
    sabotage = 1;
    CHECK(seq_d_run(&model, &o, "") == SEQ_EXIT_CHECK);
    sabotage = 2;
    CHECK(seq_d_run(&model, &o, "") == SEQ_EXIT_CHECK);
    sabotage = 3; /* the one-sided difference from the left agrees */
    CHECK(seq_d_run(&model, &o, "") == SEQ_EXIT_OK);
    return check_status("test_gradcheck");
}
