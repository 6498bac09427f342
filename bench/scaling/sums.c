/* The cost of the MPI build's fixed-order sum (cli/cli_mpi.c: all-to-all of
   chunks, rank-order sums, all-gather) against MPI_Allreduce, on n floats
   (a model's parameter count): the median time of a call over `reps`
   calls, and whether MPI_Allreduce's result equals the fixed order's.
   mpirun -np N mc_bench_sums N_FLOATS [REPS] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_mpi.h"

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, by_value);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    if (argc < 2 || !mc_cli_mpi_setup()) {
        fprintf(stderr, "usage: mpirun -np N mc_bench_sums N_FLOATS [REPS]\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    const size_t n = strtoul(argv[1], NULL, 10);
    const int reps = argc > 2 ? atoi(argv[2]) : 50;
    int rank, ranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    float *base = malloc(n * sizeof *base), *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
    double *t_fixed = malloc((size_t)reps * sizeof *t_fixed), *t_mpi = malloc((size_t)reps * sizeof *t_mpi);
    if (!base || !v || !w || !t_fixed || !t_mpi)
        MPI_Abort(MPI_COMM_WORLD, 1);
    unsigned s = 2385u + 7919u * (unsigned)rank;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        base[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 1e-3f;
    }
    bool ok = true;
    for (int r = 0; r < reps; r++) {
        memcpy(v, base, n * sizeof *v);
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        ok = ranks == 1 || (mc_cli_mpi_sum_float(v, n, NULL) && ok);
        t_fixed[r] = MPI_Wtime() - t0;
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = MPI_Wtime();
        MPI_Allreduce(base, w, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        t_mpi[r] = MPI_Wtime() - t0;
    }
    size_t differ = 0;
    for (size_t i = 0; i < n; i++)
        differ += memcmp(&v[i], &w[i], sizeof v[i]) != 0;
    if (rank == 0)
        printf("ranks %d  floats %zu  fixed-order %.3f ms  MPI_Allreduce %.3f ms  "
               "ratio %.2f  values differing %zu%s\n",
               ranks, n, 1e3 * median(t_fixed, reps), 1e3 * median(t_mpi, reps),
               median(t_fixed, reps) / median(t_mpi, reps), differ, ok ? "" : "  (a sum failed)");
    free(base);
    free(v);
    free(w);
    free(t_fixed);
    free(t_mpi);
    mc_cli_mpi_teardown();
    MPI_Finalize();
    return 0;
}
