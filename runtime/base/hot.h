/* hot.h: SEQ_HOT marks an elementwise loop worth compiling for several
 * x86-64 levels (AVX-512, AVX2, baseline); the loader picks the best the CPU
 * has. Every level gives the same bits: the build turns off FMA contraction,
 * and none of these loops reassociates a sum. */
#ifndef SEQ_HOT_H
#define SEQ_HOT_H

/* GCC only: clang 14 emits no resolver for a clone called from another file. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SEQ_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SEQ_HOT
#endif

#endif
