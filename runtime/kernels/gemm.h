/* gemm.h: C = A B with B packed once for many products (the recurrent
 * weights of every step). Row-major, A [m, k] and C [m, n] dense. */
#ifndef SEQ_GEMM_H
#define SEQ_GEMM_H

#include <stddef.h>

#include "base/real.h"

#define SEQ_PANEL 16 /* columns of B per packed panel */

#define seq_packed_size SEQ_P(packed_size)
#define seq_pack_b SEQ_P(pack_b)
#define seq_pack_bt SEQ_P(pack_bt)
#define seq_matmul_packed SEQ_P(matmul_packed)
#define seq_vecmat SEQ_P(vecmat)
#define seq_gemm SEQ_P(gemm)

/* Reals that B [k, n] takes packed: k x n rounded up to whole panels. */
size_t seq_packed_size(int k, int n);
/* packed = B, given as b [k, n] */
void seq_pack_b(int k, int n, const real *b, real *packed);
/* packed = B = b^T, given as b [n, k] */
void seq_pack_bt(int k, int n, const real *b, real *packed);
/* C[m,n] = A[m,k] B[k,n] + beta C, beta 0 or 1, B packed by seq_pack_b(t) */
void seq_matmul_packed(int m, int n, int k, const real *a, const real *packed, real beta, real *c);
/* C[n] = A[k] B[k, n] + beta C, B as it is, where the SIMD level has a
 * kernel for it (AVX2, AVX-512, float): returns 1, or 0 having done nothing. */
int seq_vecmat(int n, int k, const real *a, const real *b, real beta, real *c);
/* C[m,n] = A B + beta C with A = a [m,k] (or a [k,m] holding A^T, A_TRANSPOSED)
 * and B = b [k,n] (or b [n,k] holding B^T), on the packed products' tiles,
 * where the SIMD level has them (AVX2, AVX-512, float): returns 1, or 0
 * having done nothing (the caller's CBLAS does it). */
int seq_gemm(int m, int n, int k, const real *a, int a_transposed, const real *b,
             int b_transposed, real beta, real *c);

#endif
