/* dist.c: see dist.h. MPI is compiled in with SEQCC_MPI (the CMake option of
 * that name) and joined only when a launcher started the process, so a plain
 * run never touches it. MPI is called from the main thread only (between
 * the pool's jobs). */
#include "dist.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

#ifdef SEQCC_MPI
#include <mpi.h>
#endif

static int joined, rank, ranks = 1;
static seq_dist_totals done;

#ifdef SEQCC_MPI
/* Any exit of a rank still in the job (seq_die, a failed command) ends the
 * whole job: the others would wait for it forever. */
static void abort_unfinished(void)
{
    seq_dist_abort(1);
}
#endif

/* What an MPI launcher sets in each process it starts: Open MPI's mpirun,
 * PMIx launchers (srun), MPICH's Hydra. */
static const char *launched_by_mpi(void)
{
    const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"};
    for (int i = 0; i < 3; i++)
        if (getenv(vars[i]))
            return getenv(vars[i]);
    return NULL;
}

int seq_dist_init(int *argc, char ***argv)
{
    if (!launched_by_mpi())
        return 0;
#ifdef SEQCC_MPI
    if (MPI_Init(argc, argv) != MPI_SUCCESS) {
        fprintf(stderr, "error: cannot join the MPI job\n");
        return -1;
    }
    joined = 1;
    atexit(abort_unfinished);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    if (rank != 0 && !freopen("/dev/null", "w", stdout)) /* rank 0 alone prints */
        return -1;
    return 0;
#else
    (void)argc, (void)argv;
    const char *n = getenv("OMPI_COMM_WORLD_SIZE");
    if (n && atoi(n) > 1) {
        fprintf(stderr, "error: started by mpirun with %s processes, but this binary was built "
                        "without MPI: build seqcc with Open MPI (libopenmpi-dev) and "
                        "-DSEQCC_MPI=ON\n", n);
        return -1;
    }
    return 0;
#endif
}

void seq_dist_finish(void)
{
#ifdef SEQCC_MPI
    if (joined)
        MPI_Finalize();
#endif
    joined = 0;
}

void seq_dist_abort(int status)
{
#ifdef SEQCC_MPI
    if (joined && ranks > 1) {
        fflush(stdout);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, status);
    }
#endif
    (void)status;
}

int seq_dist_rank(void)
{
    return rank;
}

int seq_dist_ranks(void)
{
    return ranks;
}

void seq_dist_blocks(int blocks, int *first, int *last)
{
    if (ranks > 1 && blocks % ranks == 0) {
        *first = blocks / ranks * rank;
        *last = *first + blocks / ranks;
    } else {
        *first = 0;
        *last = blocks;
    }
}

void seq_dist_share(int blocks, size_t bytes, size_t stride, void *base)
{
    if (ranks == 1 || blocks % ranks != 0)
        return;
#ifdef SEQCC_MPI
    double t0 = seq_now();
    int share = blocks / ranks;
    MPI_Datatype regions, one_rank;
    /* this rank's blocks, as one element whose extent is its span: rank
     * k's regions are then the k-th element of the gather */
    if (bytes > (size_t)INT_MAX / 2)
        seq_die("a block's region of %zu bytes is too large to share", bytes);
    MPI_Type_create_hvector(share, (int)bytes, (MPI_Aint)stride, MPI_BYTE, &regions);
    MPI_Type_create_resized(regions, 0, (MPI_Aint)(stride * (size_t)share), &one_rank);
    MPI_Type_commit(&one_rank);
    MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, base, 1, one_rank, MPI_COMM_WORLD);
    MPI_Type_free(&one_rank);
    MPI_Type_free(&regions);
    done.collectives++;
    done.bytes += (double)bytes * blocks;
    done.seconds += seq_now() - t0;
#else
    (void)bytes, (void)stride, (void)base;
#endif
}

seq_dist_totals seq_dist_done(void)
{
    return done;
}
