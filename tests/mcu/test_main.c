/* test_main.c: the firmware (or, with -DSEQCC_MCU_HOST, the host program)
 * that runs an exported model on the cases of a generated cases.h and prints
 * what it computes, for tests/lua/mcu_spec.lua to compare with the host's.
 * Compiled with -DSEQCC_MODEL=NAME -DSEQCC_MODEL_UPPER=UPPER (model.h) and
 * the kind of model (build.sh reads it from the header):
 *
 * a classifier: cases.h has `case_ids[N][LEN]` (int32_t) and `case_len[N]`;
 *   case K prints `case K: p0 p1 ...`, NAME_infer_ids' probabilities;
 * with -DSEQCC_IDS_CHARS (a char-word classifier), also
 *   `case_word_chars[N][LEN * UPPER_INFER_WORD_LEN]`, for NAME_infer_ids_chars;
 * with -DSEQCC_WINDOW (a series model): `case_values[N][...]` (float) and
 *   `case_len[N]` (values); case K prints `case K: y`, NAME_infer_window's;
 * with -DSEQCC_CHAR_LM (a character language model): `case_chars[]`
 *   (int32_t) and CASE_GENERATE; the prime goes through NAME_infer_step from a
 *   reset state, `case 0: p0 p1 ...` is the distribution after it, and
 *   `generate: id ...` the CASE_GENERATE ids picked greedily (the most
 *   likely, the lowest id on a tie), each fed back.
 *
 * Then `workspace BYTES` (or `state BYTES`, the size of NAME_infer_state)
 * and, on the MCU, `stack BYTES`: the deepest stack a call of the model
 * reached, the frames of the startup code and of main included (a few dozen
 * bytes). Any status but UPPER_INFER_OK prints `case K: error STATUS` and
 * main returns 1.
 *
 * Floats print as %.6f prints them, by print_fixed: newlib-nano's printf
 * has no %f unless linked with -u _printf_float. */
#include <math.h> /* signbit */
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "cases.h"

#ifdef SEQCC_MCU_HOST
static void mcu_stack_paint(void) {}
static void measure(void) {}
#else
#include "mcu.h"

static size_t deepest; /* bytes of stack, the most any call took */

static void measure(void)
{
    size_t used = mcu_stack_used();
    deepest = used > deepest ? used : deepest;
}
#endif

/* " V" as printf's " %.6f" prints it (for |V| below 2^32): the fraction
 * times 10^6 is exact in a double, and a tie rounds to even. */
static void print_fixed(float v)
{
    if (v != v) {
        fputs(" nan", stdout);
        return;
    }
    double a = signbit(v) ? -(double)v : (double)v;
    if (a >= 4294967296.0) {
        fputs(signbit(v) ? " -huge" : " huge", stdout);
        return;
    }
    unsigned long whole = (unsigned long)a;
    double micro = (a - (double)whole) * 1e6;
    unsigned long frac = (unsigned long)micro;
    double rest = micro - (double)frac;
    if (rest > 0.5 || (rest == 0.5 && (frac & 1u)))
        frac++;
    if (frac == 1000000) {
        whole++;
        frac = 0;
    }
    printf(" %s%lu.%06lu", signbit(v) ? "-" : "", whole, frac);
}

static void print_floats(unsigned k, const float *v, size_t n)
{
    printf("case %u:", k);
    for (size_t i = 0; i < n; i++)
        print_fixed(v[i]);
    putchar('\n');
}

#ifndef SEQCC_CHAR_LM

static float workspace[(INFER_C(WORKSPACE_BYTES) + 3) / 4];

/* Case K through the model: its status, OUT[] its probabilities (or the
 * window's forecast). */
static int run_case(unsigned k, float *out)
{
#if defined(SEQCC_WINDOW)
    return INFER(window)(case_values[k], (size_t)case_len[k], workspace, out);
#elif defined(SEQCC_IDS_CHARS)
    return INFER(ids_chars)(case_ids[k], case_word_chars[k], (size_t)case_len[k], workspace, out);
#else
    return INFER(ids)(case_ids[k], (size_t)case_len[k], workspace, out);
#endif
}

int main(void)
{
    int status = 0;
    for (unsigned k = 0; k < sizeof case_len / sizeof case_len[0]; k++) {
#ifdef SEQCC_WINDOW
        float out[1];
#else
        float out[INFER_C(N_PROBS)];
#endif
        mcu_stack_paint();
        int rc = run_case(k, out);
        measure();
        if (rc != INFER_C(OK)) {
            printf("case %u: error %d\n", k, rc);
            status = 1;
            continue;
        }
        print_floats(k, out, sizeof out / sizeof out[0]);
    }
    printf("workspace %lu\n", (unsigned long)INFER_C(WORKSPACE_BYTES));
#ifndef SEQCC_MCU_HOST
    printf("stack %lu\n", (unsigned long)deepest);
#endif
    return status;
}

#else

static INFER(state) state;

/* One step of the model on ID: 0, or 1 after printing its status. */
static int step(int32_t id, float *probs)
{
    mcu_stack_paint();
    int rc = INFER(step)(&state, id, probs);
    measure();
    if (rc != INFER_C(OK))
        printf("case 0: error %d\n", rc);
    return rc != INFER_C(OK);
}

int main(void)
{
    float probs[INFER_C(N_PROBS)];
    INFER(reset)(&state);
    for (size_t i = 0; i < sizeof case_chars / sizeof case_chars[0]; i++)
        if (step(case_chars[i], probs))
            return 1;
    print_floats(0, probs, INFER_C(N_PROBS));
    fputs("generate:", stdout);
    for (int g = 0; g < CASE_GENERATE; g++) {
        int32_t best = 0;
        for (int32_t i = 1; i < INFER_C(N_PROBS); i++)
            if (probs[i] > probs[best])
                best = i;
        printf(" %ld", (long)best);
        if (step(best, probs))
            return 1;
    }
    putchar('\n');
    printf("state %lu\n", (unsigned long)sizeof state);
#ifndef SEQCC_MCU_HOST
    printf("stack %lu\n", (unsigned long)deepest);
#endif
    return 0;
}

#endif
