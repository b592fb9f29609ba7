/* fpmode.c: see fpmode.h. */
#include "fpmode.h"

#if defined(__x86_64__) || defined(__SSE2__)
#include <immintrin.h>

enum { MXCSR_DAZ = 1u << 6, MXCSR_FTZ = 1u << 15 };

unsigned seq_fp_mode(void)
{
    return _mm_getcsr();
}

void seq_fp_set_mode(unsigned mode)
{
    _mm_setcsr(mode);
}

unsigned seq_fp_flush_denormals(void)
{
    unsigned mode = _mm_getcsr();
    _mm_setcsr(mode | MXCSR_DAZ | MXCSR_FTZ);
    return mode;
}
#else
unsigned seq_fp_mode(void)
{
    return 0;
}

void seq_fp_set_mode(unsigned mode)
{
    (void)mode;
}

unsigned seq_fp_flush_denormals(void)
{
    return 0;
}
#endif
