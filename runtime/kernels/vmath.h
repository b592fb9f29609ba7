/* vmath.h: vectorized exp, sigmoid and tanh over float arrays.
 *
 * Each function has one algorithm (range reduction plus a polynomial) written
 * twice: as portable scalar C (the reference, and the fallback on any CPU)
 * and with AVX2+FMA / AVX-512 intrinsics. The vector paths give the same bits
 * as the scalar reference; all stay within a few ulp of libm. The level is
 * picked once, from the CPU, unless set explicitly. */
#ifndef SEQ_VMATH_H
#define SEQ_VMATH_H

#include <stddef.h>

#include "base/kinds.h" /* seq_simd */

/* Best level this CPU supports. */
seq_simd seq_simd_detect(void);
/* Selects LEVEL (AUTO = detect); returns -1 if the CPU lacks it. */
int seq_simd_select(seq_simd level);
seq_simd seq_simd_current(void);
const char *seq_simd_name(seq_simd level);

/* y[i] = f(x[i]) for i < n; x and y may be the same array. */
void seq_vexpf(size_t n, const float *x, float *y);
void seq_vsigmoidf(size_t n, const float *x, float *y);
void seq_vtanhf(size_t n, const float *x, float *y);

/* The scalar references the vector paths must match. */
float seq_expf_ref(float x);
float seq_sigmoidf_ref(float x);
float seq_tanhf_ref(float x);

#endif
