/* dist.h: data-parallel training over MPI, one model on several processes
 * (and machines). Each process (rank) runs its share of the batch's blocks;
 * what one block writes and the whole batch reads next (a layer's output, an
 * input gradient, a block's share of a weight gradient) is copied from the
 * rank that ran the block to every rank. Every rank then holds what one
 * process would, byte for byte, and runs the rest (whole-batch layers, the
 * loss, dropout's generator, Adam) itself, so the results are the same bits
 * for any number of ranks. Rank 0 alone writes files and prints.
 *
 * Without MPI (a build with SEQCC_MPI off, or a process no MPI launcher
 * started) there is one rank and these do nothing. */
#ifndef SEQ_DIST_H
#define SEQ_DIST_H

#include <stddef.h>

/* Joins the job when an MPI launcher (mpirun) started the process; rank 0
 * keeps stdout, the others' goes to /dev/null. Returns 0, or -1 after a
 * message (a launcher with several processes, and a build without MPI). */
int seq_dist_init(int *argc, char ***argv);
/* Leaves the job (every rank, at the end of a command that succeeded). */
void seq_dist_finish(void);
/* Ends every rank of the job with STATUS: a rank that fails must not leave
 * the others waiting for it. Returns (does nothing) outside a job. */
void seq_dist_abort(int status);

int seq_dist_rank(void);
int seq_dist_ranks(void);

/* The blocks [*first, *last) of BLOCKS this rank runs: an equal share of
 * consecutive blocks when the ranks divide BLOCKS, else all of them (the
 * prediction pass's single block, run by every rank alike). */
void seq_dist_blocks(int blocks, int *first, int *last);

/* Each of BLOCKS regions of BYTES bytes, STRIDE bytes apart from BASE, from
 * the rank that ran its block to every rank (one collective). Nothing when
 * the blocks are not shared out. */
void seq_dist_share(int blocks, size_t bytes, size_t stride, void *base);

/* -1 when every rank holds the same N bytes at BYTES, else the first rank
 * whose bytes differ from rank 0's. Every rank calls it (a collective). */
int seq_dist_differs(const void *bytes, size_t n);

/* What seq_dist_share has done so far in this process (for the benchmark):
 * collectives, the bytes of their regions (all blocks', as a one-process
 * batch holds them) and the wall-clock seconds spent in them. */
typedef struct seq_dist_totals {
    long collectives;
    double bytes, seconds;
} seq_dist_totals;
seq_dist_totals seq_dist_done(void);

#endif
