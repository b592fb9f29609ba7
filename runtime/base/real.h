/* real.h: the precision of the including file. Numeric code is written once
 * in terms of `real` and compiled twice: as float (names seq_s_*, the
 * default) and with SEQ_REAL_DOUBLE defined as double (names seq_d_*). */
#ifndef SEQ_REAL_H
#define SEQ_REAL_H

#ifdef SEQ_REAL_DOUBLE
typedef double real;
#define SEQ_P(name) seq_d_##name
#define SEQ_EXPORT(model) model##_f64
#else
typedef float real;
#define SEQ_P(name) seq_s_##name
#define SEQ_EXPORT(model) model##_f32
#endif

#endif
