#include <stdio.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
    return mc_cli_run(argc, argv, stdout, stderr);
}
