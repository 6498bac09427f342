/* Reports (docs/REPORT.md): --report FILE.html on the commands that draw,
   and the page written from the library's JSON, the template and the chart
   library compiled into the tool. */
#ifndef MC_CLI_CLI_REPORT_H
#define MC_CLI_CLI_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/cli_data.h"
#include "cli/cli_output.h"
#include "maskcast/maskcast.h"

#define MC_CLI_REPORT_HELP                                                                      \
    "  --report FILE.html     also write the results as charts in one self-contained HTML\n"   \
    "                         file that opens offline in a browser (docs/REPORT.md)\n"

typedef struct mc_cli_report_file {
    const char *path; /* --report; NULL when none was asked for */
    mc_cli_output out;
    bool opened;
} mc_cli_report_file;

/* Opens the report's file before the work, so that a path that cannot be
   written fails first. 0, or -1 after a message. Nothing to do without a path. */
int mc_cli_report_open(mc_cli_report_file *rep, FILE *err);

/* A report whose header says what ran: the subcommand's argv, the data file
   and the frame read from it (its time, load and other columns), the model
   file and model. Every argument after argv may be NULL. NULL after a message. */
mc_report *mc_cli_report_new(int argc, char **argv, const mc_cli_data *d, const mc_frame *frame,
                             const char *model_file, const mc_model *model, FILE *err);

/* Writes the page for `r` and puts it in place; with `r` NULL (the command
   failed) removes the temporary instead. 0, or -1 after a message. */
int mc_cli_report_close(mc_cli_report_file *rep, mc_report *r, FILE *err);

/* Finishes a command's report: `r` (taken over and freed; NULL when it could
   not be made) with its section added with status `added` (`e` says why
   when not MC_OK). MC_EXIT_OK, or MC_EXIT_FAILURE after a message. */
int mc_cli_report_finish(mc_cli_report_file *rep, mc_report *r, mc_status added,
                         const mc_error *e, FILE *err);

#endif /* MC_CLI_CLI_REPORT_H */
