/* Options every data-reading subcommand shares, and loading the frame. */
#ifndef MC_CLI_CLI_DATA_H
#define MC_CLI_CLI_DATA_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "maskcast/maskcast.h"

/* getopt codes of the shared options, clear of ASCII short options. */
enum {
    MC_OPT_CSV = 1000, MC_OPT_TIME, MC_OPT_TARGET, MC_OPT_COVARIATES, MC_OPT_DELIMITER,
    MC_OPT_DECIMAL_COMMA, MC_OPT_NO_HEADER, MC_OPT_TIME_FORMAT, MC_OPT_LENIENT, MC_OPT_STEP,
    MC_OPT_DUPLICATES, MC_OPT_NO_SORT, MC_OPT_MAX_INTERPOLATE, MC_OPT_LONG_FILL, MC_OPT_TZ,
    MC_OPT_SERIES, MC_OPT_STATIC, MC_OPT_ONLY,
    MC_OPT_DATA_END /* subcommands number their own options from here */
};

#define MC_CLI_DATA_LONG_OPTIONS                                                                 \
    {"csv", required_argument, NULL, MC_OPT_CSV},                                                \
    {"time", required_argument, NULL, MC_OPT_TIME},                                              \
    {"target", required_argument, NULL, MC_OPT_TARGET},                                          \
    {"covariates", required_argument, NULL, MC_OPT_COVARIATES},                                  \
    {"delimiter", required_argument, NULL, MC_OPT_DELIMITER},                                    \
    {"decimal-comma", no_argument, NULL, MC_OPT_DECIMAL_COMMA},                                  \
    {"no-header", no_argument, NULL, MC_OPT_NO_HEADER},                                          \
    {"time-format", required_argument, NULL, MC_OPT_TIME_FORMAT},                                \
    {"lenient", no_argument, NULL, MC_OPT_LENIENT},                                              \
    {"step", required_argument, NULL, MC_OPT_STEP},                                              \
    {"duplicates", required_argument, NULL, MC_OPT_DUPLICATES},                                  \
    {"no-sort", no_argument, NULL, MC_OPT_NO_SORT},                                              \
    {"max-interpolate", required_argument, NULL, MC_OPT_MAX_INTERPOLATE},                        \
    {"long-fill", required_argument, NULL, MC_OPT_LONG_FILL},                                    \
    {"tz", required_argument, NULL, MC_OPT_TZ},                                                  \
    {"series", required_argument, NULL, MC_OPT_SERIES},                                          \
    {"static", required_argument, NULL, MC_OPT_STATIC},                                          \
    {"only", required_argument, NULL, MC_OPT_ONLY}

/* The help text of the shared options. */
extern const char MC_CLI_DATA_HELP[];

/* A comma-separated list of names, split into an owned copy. */
typedef struct mc_cli_names {
    char *text;         /* the copy, split in place */
    const char **names; /* (n) pointers into text */
    size_t n;
} mc_cli_names;

/* Splits "a,b,c" (empty items dropped); false when out of memory. */
bool mc_cli_names_parse(mc_cli_names *l, const char *arg);
void mc_cli_names_free(mc_cli_names *l);

/* The most --csv files a command reads at once. */
#define MC_CLI_MAX_FILES 1024

typedef struct mc_cli_data {
    const char *csv; /* path, or "-" for stdin: the first --csv */
    const char *csv_list[MC_CLI_MAX_FILES]; /* every --csv, in order */
    size_t n_csv;
    const char *series_column; /* --series: the column naming each row's series */
    mc_cli_names targets;      /* --target A,B,...: several load columns, a series each */
    const char *static_path;   /* --static: the series' static covariates */
    const char *only;          /* --only: the one series to read */
    mc_csv_options csv_opt;
    mc_regularize_options reg_opt;
    bool step_given;
    mc_cli_names covariates; /* --covariates */
    const char *tz;          /* --tz, or the model's zone; NULL: none */
} mc_cli_data;

void mc_cli_data_init(mc_cli_data *d);
void mc_cli_data_free(mc_cli_data *d);

/*
 * Applies option `code` with argument `arg`. Returns 1 if the option is a
 * data option and was applied, 0 if it is not a data option, and -1 (after
 * a message on `err`) if its argument is invalid.
 */
int mc_cli_data_option(mc_cli_data *d, int code, const char *arg, FILE *err);

/* Checks that the data options agree with each other (a usage error if not). */
bool mc_cli_data_check(const mc_cli_data *d, FILE *err);

/* Reads the CSV, reads its times in --tz's zone (from the directory TZDIR
   names, else the system's) and regularises it; on failure prints the error
   and returns NULL. With many series (mc_cli_data_is_panel()) the one --only
   names, or the only one there is; more is an error telling so. */
mc_frame *mc_cli_data_load(mc_cli_data *d, FILE *err);

/* Whether the data options describe many series: --series, several --csv
   files, or several --target columns. */
bool mc_cli_data_is_panel(const mc_cli_data *d);

/* Reads the series the data options describe (only --only's when given),
   in --tz's zone, regularised each on its own, with --static's covariates;
   on failure prints the error and returns NULL. */
mc_panel *mc_cli_data_load_panel(mc_cli_data *d, FILE *err);

/* mc_cli_data_load() for many series: the one series a panel comes down to
   (a copy of its frame), or NULL after a message. */
mc_frame *mc_cli_data_load_one_series(mc_cli_data *d, FILE *err);

/* Prints a data error and the option that deals with it, where one does. */
void mc_cli_data_print_error(const mc_error *e, FILE *err);

/* Row `row`'s time as written: wall clock, with its UTC offset when the file
   had offsets. `size` of 32 always suffices. */
void mc_cli_row_time(const mc_frame *f, size_t row, char *out, size_t size);

/* The first row of the regularised frame `f` at or after the time `text`
   (ISO 8601; wall-clock like the data unless it carries an offset) into
   *row, mc_frame_rows(f) when none is. MC_EXIT_OK, or MC_EXIT_USAGE after a
   message naming `command` and `option` when the time does not parse. */
int mc_cli_row_at(const mc_frame *f, const char *command, const char *option, const char *text,
                  size_t *row, FILE *err);

/* Parses "90s", "30min", "1h", "2d", "1w" or plain seconds (digits first: no
   blank, no sign); false if invalid. */
bool mc_cli_parse_duration(const char *text, int64_t *seconds);

/* Parses a time of day "HH:MM" into seconds after midnight; false if invalid. */
bool mc_cli_parse_clock(const char *arg, int64_t *out);

/* Writes a duration compactly ("1h", "30min", "90s"). */
void mc_cli_format_duration(int64_t seconds, char *out, size_t size);

#endif /* MC_CLI_CLI_DATA_H */
