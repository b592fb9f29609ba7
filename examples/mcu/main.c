/* main.c: firmware that classifies a few reviews with a model exported by
 * `MODEL export` (NAME_infer.h and NAME_infer.c) and prints what it finds,
 * over semihosting. Whichever model: model.h names its functions from
 * SEQCC_MODEL and SEQCC_MODEL_UPPER (CMakeLists.txt sets both). */
#include <stdio.h>
#include <string.h>

#include "mcu.h"
#include "model.h"

/* The model's scratch memory, in .bss: static, no malloc. float: aligned
 * as the export needs it. */
static float workspace[(INFER_C(WORKSPACE_BYTES) + 3) / 4];

static const char *const reviews[] = {
    "A wonderful film: the cast is superb and the story moved me to tears.",
    "Dull, predictable and far too long. I wanted my two hours back.",
    "Not bad, not great. The second half drags but the ending works.",
};

int main(void)
{
    int status = 0;
    size_t deepest = 0; /* the stack the model itself needs */
    for (size_t i = 0; i < sizeof reviews / sizeof reviews[0]; i++) {
        float probs[INFER_C(N_PROBS)];
        mcu_stack_paint();
        int rc = INFER(text)(reviews[i], strlen(reviews[i]), workspace, probs);
        size_t used = mcu_stack_used();
        deepest = used > deepest ? used : deepest;
        if (rc != INFER_C(OK)) {
            printf("review %u: error %d\n", (unsigned)i, rc);
            status = 1;
            continue;
        }
        printf("review %u:", (unsigned)i);
        for (int k = 0; k < INFER_C(N_PROBS); k++)
            printf(" %.6f", (double)probs[k]);
        printf("  \"%.40s...\"\n", reviews[i]);
    }
    printf("workspace %u bytes\n", (unsigned)sizeof workspace);
    /* main's own frame and the startup's included: a few dozen bytes */
    printf("stack %u bytes for inference\n", (unsigned)deepest);
    return status;
}
