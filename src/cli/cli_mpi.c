/* MPI for the command: init and finalise, the collective over
   MPI_COMM_WORLD, who writes. The sums fix their order themselves instead
   of trusting MPI_Allreduce's: the MPI standard only recommends that a
   reduction give the same bits on every process and from run to run
   (docs/SCALING.md cites it), and training needs both. */
#include "cli/cli_mpi.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

typedef struct world {
    int rank, ranks;
    int *counts, *displs, *rcounts, *rdispls; /* (ranks) each */
    void *scratch;                            /* ranks chunks received */
    size_t scratch_size;
    mc_collective c;
    bool active;
} world;

static world W;

const mc_collective *mc_cli_collective(void) { return W.active ? &W.c : NULL; }

bool mc_cli_writes(void) { return W.rank == 0; }

/* Chunk r of n elements over the ranks: [begin, begin + count). */
static void chunk(size_t n, int r, int ranks, size_t *begin, size_t *count)
{
    const size_t R = (size_t)ranks, q = n / R, extra = n % R, i = (size_t)r;
    *begin = q * i + (i < extra ? i : extra);
    *count = q + (i < extra ? 1 : 0);
}

/* Rank r's chunk of v goes to rank r, so each rank holds every rank's
   values of its own chunk, in rank order, in W.scratch. */
static bool exchange_chunks(void *v, size_t n, size_t size, MPI_Datatype type, size_t *mine)
{
    size_t begin, count;
    chunk(n, W.rank, W.ranks, &begin, mine);
    if (*mine * (size_t)W.ranks > (size_t)INT_MAX || n > (size_t)INT_MAX)
        return false;
    const size_t need = *mine * (size_t)W.ranks * size;
    if (need > W.scratch_size) {
        void *grown = realloc(W.scratch, need);
        if (grown == NULL)
            return false;
        W.scratch = grown;
        W.scratch_size = need;
    }
    for (int r = 0; r < W.ranks; r++) {
        chunk(n, r, W.ranks, &begin, &count);
        W.counts[r] = (int)count;
        W.displs[r] = (int)begin;
        W.rcounts[r] = (int)*mine;
        W.rdispls[r] = (int)(*mine * (size_t)r);
    }
    return MPI_Alltoallv(v, W.counts, W.displs, type, W.scratch, W.rcounts, W.rdispls, type,
                         MPI_COMM_WORLD) == MPI_SUCCESS;
}

/* Every rank's chunk of sums to every rank, in place. */
static bool gather_sums(void *v, MPI_Datatype type)
{
    return MPI_Allgatherv(MPI_IN_PLACE, 0, type, v, W.counts, W.displs, type, MPI_COMM_WORLD) ==
           MPI_SUCCESS;
}

bool mc_cli_mpi_sum_float(float *v, size_t n, void *user)
{
    (void)user;
    size_t mine, begin, count;
    if (!exchange_chunks(v, n, sizeof *v, MPI_FLOAT, &mine))
        return false;
    chunk(n, W.rank, W.ranks, &begin, &count);
    const float *in = W.scratch;
    for (size_t i = 0; i < mine; i++) {
        float s = in[i];
        for (int r = 1; r < W.ranks; r++)
            s += in[(size_t)r * mine + i];
        v[begin + i] = s;
    }
    return gather_sums(v, MPI_FLOAT);
}

bool mc_cli_mpi_sum_double(double *v, size_t n, void *user)
{
    (void)user;
    size_t mine, begin, count;
    if (!exchange_chunks(v, n, sizeof *v, MPI_DOUBLE, &mine))
        return false;
    chunk(n, W.rank, W.ranks, &begin, &count);
    const double *in = W.scratch;
    for (size_t i = 0; i < mine; i++) {
        double s = in[i];
        for (int r = 1; r < W.ranks; r++)
            s += in[(size_t)r * mine + i];
        v[begin + i] = s;
    }
    return gather_sums(v, MPI_DOUBLE);
}

/* The commands that spread over ranks; the others would only repeat
   themselves (and write the same files from every rank). */
static bool spreads(int argc, char **argv)
{
    return argc < 2 || strcmp(argv[1], "train") == 0 || strcmp(argv[1], "backtest") == 0 ||
           strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
           strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--version") == 0;
}

void mc_cli_mpi_teardown(void)
{
    free(W.counts);
    free(W.displs);
    free(W.rcounts);
    free(W.rdispls);
    free(W.scratch);
    memset(&W, 0, sizeof W);
}

bool mc_cli_mpi_setup(void)
{
    MPI_Comm_rank(MPI_COMM_WORLD, &W.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &W.ranks);
    if (W.ranks <= 1)
        return true;
    const size_t R = (size_t)W.ranks;
    W.counts = calloc(R, sizeof(int));
    W.displs = calloc(R, sizeof(int));
    W.rcounts = calloc(R, sizeof(int));
    W.rdispls = calloc(R, sizeof(int));
    if (W.counts == NULL || W.displs == NULL || W.rcounts == NULL || W.rdispls == NULL)
        return false;
    W.c = (mc_collective){.rank = (size_t)W.rank, .ranks = R, .sum_float = mc_cli_mpi_sum_float,
                          .sum_double = mc_cli_mpi_sum_double};
    W.active = true;
    return true;
}

int mc_cli_mpi_main(int argc, char **argv)
{
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "maskcast: MPI_Init failed\n");
        return MC_EXIT_FAILURE;
    }
    if (!mc_cli_mpi_setup()) {
        fprintf(stderr, "maskcast: out of memory on rank %d\n", W.rank);
        MPI_Abort(MPI_COMM_WORLD, MC_EXIT_FAILURE);
    }
    FILE *out = stdout, *err = stderr, *null = NULL, *kept = NULL;
    char *said = NULL;
    size_t said_size = 0;
    int status = MC_EXIT_OK;
    if (W.ranks > 1) {
        if (getenv("OPENBLAS_NUM_THREADS") == NULL && getenv("OMP_NUM_THREADS") == NULL)
            mc_set_blas_threads(1); /* the ranks are the parallelism */
        if (W.rank != 0) {
            null = fopen("/dev/null", "w");
            kept = open_memstream(&said, &said_size);
            if (null == NULL || kept == NULL) {
                fprintf(stderr, "maskcast: rank %d cannot silence its output\n", W.rank);
                MPI_Abort(MPI_COMM_WORLD, MC_EXIT_FAILURE);
            }
            out = null;
            err = kept;
        }
        if (!spreads(argc, argv)) {
            if (W.rank == 0)
                fprintf(stderr, "maskcast: only train and backtest run on several processes; "
                                "run '%s' without mpirun (or with -np 1)\n", argv[1]);
            status = MC_EXIT_USAGE;
        }
    }
    if (status == MC_EXIT_OK)
        status = mc_cli_run(argc, argv, out, err);
    if (kept != NULL) {
        fclose(kept);
        if (status == MC_EXIT_FAILURE && said_size > 0)
            fprintf(stderr, "maskcast (rank %d of %d):\n%s", W.rank, W.ranks, said);
        free(said);
    }
    if (null != NULL)
        fclose(null);
    if (W.ranks > 1 && status == MC_EXIT_FAILURE) {
        /* the others may be waiting in a sum this rank never joins */
        fflush(stdout);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, status);
    }
    mc_cli_mpi_teardown();
    MPI_Finalize();
    return status;
}
