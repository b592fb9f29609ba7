/* fpmode.h: denormals flushed to zero in float work.
 *
 * A float below FLT_MIN (a denormal) makes an x86 multiply or add take
 * about a hundred times as long, and a trained network's small gradients
 * and decayed states reach them. The float build therefore runs with the
 * SSE/AVX control bits FTZ (a denormal result is 0) and DAZ (a denormal
 * input is read as 0) set: for the length of a command, on the calling
 * thread and, through seq_pool_run, on every worker, so results stay the
 * same for any thread count. Double work (the gradient check, f64 models)
 * keeps IEEE denormals. The C API sets the mode for the length of a call
 * and gives the caller's back. Elsewhere than x86-64 these do nothing. */
#ifndef SEQ_FPMODE_H
#define SEQ_FPMODE_H

/* This thread's floating-point control word. */
unsigned seq_fp_mode(void);
/* Sets this thread's control word (one seq_fp_mode returned). */
void seq_fp_set_mode(unsigned mode);
/* Flushes denormals on this thread; returns the mode before, to restore. */
unsigned seq_fp_flush_denormals(void);

#endif
