/* dist.c: see dist.h. Built with SEQCC_MPI (the CMake option of that name),
 * it joins a job only when a launcher started the process, and only then
 * loads Open MPI's library (dlopen): a binary built with MPI starts and runs
 * alone on a machine without Open MPI. MPI is called from the main thread
 * only (between the pool's jobs). */
#include "dist.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"

#ifdef SEQCC_MPI
#include <dlfcn.h>
#include <mpi.h>
#endif

static int joined, rank, ranks = 1;
static seq_dist_totals done;

/* What an MPI launcher sets in each process it starts: Open MPI's mpirun,
 * PMIx launchers (srun), MPICH's Hydra. */
static int launched_by_mpi(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_SIZE");
}

#ifdef SEQCC_MPI
/* The MPI functions called, found in the library at run time with the
 * prototypes of mpi.h; the handles are Open MPI's (its predefined objects'
 * addresses, which mpi.h's MPI_COMM_WORLD and MPI_BYTE name). */
#define MPI_CALLS(X)                                                                     \
    X(MPI_Init) X(MPI_Finalize) X(MPI_Abort) X(MPI_Comm_rank) X(MPI_Comm_size)            \
    X(MPI_Allgather) X(MPI_Type_create_hvector) X(MPI_Type_create_resized)                \
    X(MPI_Type_commit) X(MPI_Type_free)
#define MPI_FIELD(name) __typeof__(name) *name;
static struct {
    MPI_CALLS(MPI_FIELD)
    MPI_Comm world;
    MPI_Datatype byte, none;
} mpi;

static int load_mpi(void)
{
    static const char *const libraries[] = {"libmpi.so.40", "libmpi.so"}; /* Open MPI 3 to 5 */
    void *lib = NULL;
    for (int i = 0; i < 2 && !lib; i++)
        lib = dlopen(libraries[i], RTLD_NOW | RTLD_GLOBAL); /* GLOBAL: for its own plugins */
    if (!lib) {
        fprintf(stderr, "error: started by an MPI launcher, but Open MPI's library cannot be "
                        "loaded (%s): install Open MPI (Debian: openmpi-bin) on every machine "
                        "of the job\n", dlerror());
        return -1;
    }
    const char *missing = NULL;
#define MPI_LOAD(name)                                                                   \
    if (!(mpi.name = (__typeof__(mpi.name))dlsym(lib, #name)))                             \
        missing = #name;
    MPI_CALLS(MPI_LOAD)
    if (!(mpi.world = (MPI_Comm)dlsym(lib, "ompi_mpi_comm_world")))
        missing = "ompi_mpi_comm_world";
    if (!(mpi.byte = (MPI_Datatype)dlsym(lib, "ompi_mpi_byte")))
        missing = "ompi_mpi_byte";
    if (!(mpi.none = (MPI_Datatype)dlsym(lib, "ompi_mpi_datatype_null")))
        missing = "ompi_mpi_datatype_null";
    if (missing) {
        fprintf(stderr, "error: the MPI library loaded is not Open MPI's (it lacks %s): seqcc "
                        "trains over Open MPI\n", missing);
        return -1;
    }
    return 0;
}

/* Any exit of a rank still in the job (seq_die, a failed command) ends the
 * whole job: the others would wait for it forever. */
static void abort_unfinished(void)
{
    seq_dist_abort(1);
}
#endif

int seq_dist_init(int *argc, char ***argv)
{
    if (!launched_by_mpi())
        return 0;
#ifdef SEQCC_MPI
    if (load_mpi() != 0)
        return -1;
    if (mpi.MPI_Init(argc, argv) != MPI_SUCCESS) {
        fprintf(stderr, "error: cannot join the MPI job\n");
        return -1;
    }
    joined = 1;
    atexit(abort_unfinished);
    mpi.MPI_Comm_rank(mpi.world, &rank);
    mpi.MPI_Comm_size(mpi.world, &ranks);
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
        mpi.MPI_Finalize();
#endif
    joined = 0;
}

void seq_dist_abort(int status)
{
#ifdef SEQCC_MPI
    if (joined && ranks > 1) {
        fflush(stdout);
        fflush(stderr);
        /* the launcher forwards what a rank wrote from a pipe, which the
         * abort would otherwise close before the last message is read */
        nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
        mpi.MPI_Abort(mpi.world, status);
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
    if (bytes > (size_t)INT_MAX)
        seq_die("a block's region of %zu bytes is too large to share", bytes);
    /* this rank's blocks as one element whose extent is their span: rank
     * k's regions are then the k-th element of the gather */
    MPI_Datatype regions, one_rank;
    mpi.MPI_Type_create_hvector(share, (int)bytes, (MPI_Aint)stride, mpi.byte, &regions);
    mpi.MPI_Type_create_resized(regions, 0, (MPI_Aint)(stride * (size_t)share), &one_rank);
    mpi.MPI_Type_commit(&one_rank);
    mpi.MPI_Allgather(MPI_IN_PLACE, 0, mpi.none, base, 1, one_rank, mpi.world);
    mpi.MPI_Type_free(&one_rank);
    mpi.MPI_Type_free(&regions);
    done.collectives++;
    done.bytes += (double)bytes * blocks;
    done.seconds += seq_now() - t0;
#else
    (void)bytes, (void)stride, (void)base;
#endif
}

int seq_dist_differs(const void *bytes, size_t n)
{
    int differs = -1;
#ifdef SEQCC_MPI
    if (ranks == 1)
        return -1;
    unsigned char *all = seq_xmalloc(n * (size_t)ranks);
    mpi.MPI_Allgather(bytes, (int)n, mpi.byte, all, (int)n, mpi.byte, mpi.world);
    for (int k = 1; k < ranks && differs < 0; k++)
        if (memcmp(all, all + n * (size_t)k, n) != 0)
            differs = k;
    free(all);
#else
    (void)bytes, (void)n;
#endif
    return differs;
}

seq_dist_totals seq_dist_done(void)
{
    return done;
}
