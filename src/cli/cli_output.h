/* Output files written whole or not at all (io/atomic_file.h): a temporary
   beside the target, renamed over it only when everything was written; a
   device or FIFO written through; a symbolic link's target replaced. */
#ifndef MC_CLI_CLI_OUTPUT_H
#define MC_CLI_CLI_OUTPUT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include "io/atomic_file.h"

typedef struct mc_cli_output {
    FILE *f;
    mc_atomic_file file;
    const char *path; /* the path given; NULL when writing to the stream */
} mc_cli_output;

/* Opens `path` for writing (NULL, "-" or "/dev/stdout": `stream` itself),
   creating the temporary now: commands with long work (train, backtest) call
   it first, so that an output that cannot be written fails before the work.
   NULL on failure, with a message. */
FILE *mc_cli_output_open(mc_cli_output *o, const char *path, FILE *stream, FILE *err);

/* Finishes: with `keep`, flushes and renames into place; otherwise removes the
   temporary. Returns 0 on success, -1 (with a message) on failure. */
int mc_cli_output_close(mc_cli_output *o, bool keep, FILE *err);

/* Writes v in the shortest form that reads back to the same double (at most
   17 significant digits; "nan", "inf" and "-inf" as printf writes them), for
   CSV numbers that lose nothing. `size` of 32 always suffices. */
void mc_cli_format_number(char *out, size_t size, double v);

/* Prints the JSON document `doc` (taken over and deleted) with a newline.
   MC_EXIT_OK, or MC_EXIT_FAILURE with a message when it cannot be printed. */
int mc_cli_print_json(cJSON *doc, FILE *f, FILE *err);

/* Writes `text` as one CSV field: as is, or quoted (quotes doubled) when it
   holds a comma, a quote or a line break. */
void mc_cli_write_csv_field(FILE *f, const char *text);

#endif /* MC_CLI_CLI_OUTPUT_H */
