/* The option loop every subcommand runs: getopt_long over its options, each
   handed to the subcommand, --help printed, unknown options reported. */
#ifndef MC_CLI_CLI_GETOPT_H
#define MC_CLI_CLI_GETOPT_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* Applies one option to `args`: 1 taken, 0 not one of the subcommand's,
   -1 invalid (the message already written to err). */
typedef int (*mc_cli_option_fn)(void *args, int c, const char *arg, FILE *err);

typedef struct mc_cli_command {
    const char *name;                  /* "train", for messages */
    const char *short_options;         /* getopt's string, with 'h' */
    const struct option *long_options; /* ending with a zeroed entry */
    mc_cli_option_fn apply;
    void (*help)(FILE *out);
} mc_cli_command;

/* mc_cli_parse_options() printed the help: the command is done. */
enum { MC_CLI_HELP_SHOWN = -1 };

/*
 * Runs getopt_long over argv (from the start: the CLI may run more than once
 * in a process), handing each option to cmd->apply; -h / --help prints the
 * help. Returns MC_EXIT_OK when every option was taken (optind then indexes
 * the first argument that is not an option), MC_CLI_HELP_SHOWN after the
 * help, or MC_EXIT_USAGE after a message.
 */
int mc_cli_parse_options(const mc_cli_command *cmd, void *args, int argc, char **argv, FILE *out,
                         FILE *err);

/*
 * After mc_cli_parse_options(): MC_EXIT_USAGE after a message when an
 * argument is left over or `missing` (the spelling of a required option not
 * given, "--csv FILE"; NULL when none is) is not NULL, else MC_EXIT_OK.
 */
int mc_cli_check_arguments(const mc_cli_command *cmd, const char *missing, int argc, char **argv,
                           FILE *err);

/*
 * Parses "0.8,0.95" (--intervals) into at most `max` levels, each strictly
 * between 0 and 1, into levels[0 .. *n). 1, or -1 after a message naming
 * the command `name` and the option.
 */
int mc_cli_parse_levels(const char *name, const char *arg, double *levels, size_t *n, size_t max,
                        FILE *err);

#endif /* MC_CLI_CLI_GETOPT_H */
