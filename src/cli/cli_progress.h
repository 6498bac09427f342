/* Training progress on standard error: a live line on a terminal, a line per
   epoch otherwise, nothing with --quiet; a first Ctrl-C cancels cleanly (the
   caller decides what to keep), a second ends the process at once. */
#ifndef MC_CLI_CLI_PROGRESS_H
#define MC_CLI_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#include "maskcast/model.h"

typedef struct mc_cli_progress {
    FILE *err;
    bool quiet;
    bool tty;
    double last_draw; /* seconds, for throttling the live line */
    bool line_open;   /* a live line is on screen without its newline */
} mc_cli_progress;

/* Also installs a SIGINT handler that asks training to stop. */
void mc_cli_progress_init(mc_cli_progress *p, FILE *err, bool quiet);

/* An mc_progress_fn; `user` is the mc_cli_progress. */
bool mc_cli_progress_report(const mc_train_progress *tp, void *user);

/* Closes the live line and restores the default SIGINT handling. */
void mc_cli_progress_end(mc_cli_progress *p);

#endif /* MC_CLI_CLI_PROGRESS_H */
