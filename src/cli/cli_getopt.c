#include "cli/cli_getopt.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int mc_cli_parse_options(const mc_cli_command *cmd, void *args, int argc, char **argv, FILE *out,
                         FILE *err)
{
    optind = 0; /* glibc: restart scanning */
    opterr = 0;
    for (int c;
         (c = getopt_long(argc, argv, cmd->short_options, cmd->long_options, NULL)) != -1;) {
        const int used = cmd->apply(args, c, optarg, err);
        if (used < 0)
            return MC_EXIT_USAGE;
        if (used > 0)
            continue;
        if (c == 'h') {
            cmd->help(out);
            return MC_CLI_HELP_SHOWN;
        }
        fprintf(err, "maskcast %s: unknown or incomplete option '%s'\n"
                     "Run 'maskcast %s --help' for the options.\n",
                cmd->name, argv[optind - 1], cmd->name);
        return MC_EXIT_USAGE;
    }
    return MC_EXIT_OK;
}

int mc_cli_check_arguments(const mc_cli_command *cmd, const char *missing, int argc, char **argv,
                           FILE *err)
{
    if (missing == NULL && optind >= argc)
        return MC_EXIT_OK;
    if (optind < argc)
        fprintf(err, "maskcast %s: unexpected argument '%s'\n", cmd->name, argv[optind]);
    else
        fprintf(err, "maskcast %s: %s is required\n", cmd->name, missing);
    fprintf(err, "Run 'maskcast %s --help' for the options.\n", cmd->name);
    return MC_EXIT_USAGE;
}

int mc_cli_parse_levels(const char *name, const char *arg, double *levels, size_t *n, size_t max,
                        FILE *err)
{
    const char *p = arg;
    *n = 0;
    while (*p != '\0') {
        char *end = NULL;
        const double v = strtod(p, &end);
        if (end == p || (*end != ',' && *end != '\0') || !(v > 0.0 && v < 1.0) || *n == max) {
            fprintf(err, "maskcast %s: invalid --intervals '%s': expected levels between 0 and 1, "
                         "e.g. 0.8,0.95 (at most %zu)\n", name, arg, max);
            return -1;
        }
        for (size_t i = 0; i < *n; i++) { /* columns lo80, hi80: one per name */
            char a[32], b[32];
            snprintf(a, sizeof a, "%g", 100.0 * levels[i]);
            snprintf(b, sizeof b, "%g", 100.0 * v);
            if (strcmp(a, b) == 0) {
                fprintf(err, "maskcast %s: invalid --intervals '%s': the level %s%% is given "
                             "twice\n", name, arg, a);
                return -1;
            }
        }
        levels[(*n)++] = v;
        p = *end == ',' ? end + 1 : end;
    }
    if (*n == 0) {
        fprintf(err, "maskcast %s: invalid --intervals '%s': expected levels, e.g. 0.8,0.95\n",
                name, arg);
        return -1;
    }
    return 1;
}
