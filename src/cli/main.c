#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_mpi.h"

int main(int argc, char **argv)
{
#ifdef MC_MPI
    return mc_cli_mpi_main(argc, argv);
#else
    return mc_cli_run(argc, argv, stdout, stderr);
#endif
}
