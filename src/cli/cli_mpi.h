/* The command under mpirun (built with -DMC_MPI=ON; docs/SCALING.md): the
   processes of MPI_COMM_WORLD as one mc_collective for train and backtest,
   rank 0 the one that writes and prints. Without MC_MPI, one process. */
#ifndef MC_CLI_CLI_MPI_H
#define MC_CLI_CLI_MPI_H

#include <stdbool.h>

#include "maskcast/model.h"

#ifdef MC_MPI
/* main() under MPI: MPI_Init, mc_cli_run on rank 0's stdout and stderr
   (the other ranks' output is dropped and their diagnostics kept, printed
   only when they fail), MPI_Abort when a rank fails (so that none waits
   for ever), else MPI_Finalize. With several ranks, only train and backtest
   run, each rank on one BLAS thread unless OPENBLAS_NUM_THREADS or
   OMP_NUM_THREADS says otherwise. */
int mc_cli_mpi_main(int argc, char **argv);

/* The world's processes as a collective, or NULL for one process. Its
   sums are in rank order, the same bits on every rank for a given count. */
const mc_collective *mc_cli_collective(void);

/* Whether this process writes the command's files: rank 0. */
bool mc_cli_writes(void);

/* The collective's sums, for the benchmark: in place over MPI_COMM_WORLD,
   each element rank 0's value plus rank 1's and so on, through an
   all-to-all of chunks, each rank summing its chunk in rank order, and an
   all-gather of the sums. */
bool mc_cli_mpi_sum_float(float *v, size_t n, void *user);
bool mc_cli_mpi_sum_double(double *v, size_t n, void *user);

/* After MPI_Init: the world's collective set up (false when out of
   memory); mc_cli_mpi_teardown() frees it before MPI_Finalize. For
   programs other than the command (the benchmark). */
bool mc_cli_mpi_setup(void);
void mc_cli_mpi_teardown(void);
#else
static inline const mc_collective *mc_cli_collective(void) { return NULL; }
static inline bool mc_cli_writes(void) { return true; }
#endif

#endif /* MC_CLI_CLI_MPI_H */
