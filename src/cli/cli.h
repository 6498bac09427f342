/* The maskcast command line, callable in-process (main() is one line). */
#ifndef MC_CLI_CLI_H
#define MC_CLI_CLI_H

#include <stdio.h>

/* Exit statuses of the command. */
enum { MC_EXIT_OK = 0, MC_EXIT_FAILURE = 1, MC_EXIT_USAGE = 2 };

/* Runs `maskcast argv[1] ...`, writing data to `out` and diagnostics to `err`. */
int mc_cli_run(int argc, char **argv, FILE *out, FILE *err);

/* Subcommands: argv[0] is the subcommand's name. */
int mc_cli_describe(int argc, char **argv, FILE *out, FILE *err);
int mc_cli_train(int argc, char **argv, FILE *out, FILE *err);
int mc_cli_forecast(int argc, char **argv, FILE *out, FILE *err);
int mc_cli_inspect(int argc, char **argv, FILE *out, FILE *err);
int mc_cli_backtest(int argc, char **argv, FILE *out, FILE *err);
int mc_cli_tune(int argc, char **argv, FILE *out, FILE *err);
int mc_cli_explain(int argc, char **argv, FILE *out, FILE *err);
int mc_cli_anomalies(int argc, char **argv, FILE *out, FILE *err);
int mc_cli_report(int argc, char **argv, FILE *out, FILE *err);
int mc_cli_holidays(int argc, char **argv, FILE *out, FILE *err);

#endif /* MC_CLI_CLI_H */
