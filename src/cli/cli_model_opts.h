/* The model and training options that `train` and `backtest` share. */
#ifndef MC_CLI_CLI_MODEL_OPTS_H
#define MC_CLI_CLI_MODEL_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/cli_data.h"

/* getopt codes, after the data options: option i of the library's option
   table (mc_option_at) has code MC_OPT_MODEL + i. */
enum {
    MC_OPT_MODEL = MC_OPT_DATA_END,
    MC_OPT_MODEL_END = MC_OPT_MODEL + 64, /* subcommands number their own options from here */
    MC_OPT_MODEL_OLD_STRIDE = MC_OPT_MODEL_END - 1 /* --stride for --train-stride, deprecated */
};

/* Most long options a command has: its own and the model's. */
enum { MC_CLI_MAX_OPTIONS = 160 };

/*
 * The command's long options: `own` (ending with a zeroed entry) followed by
 * every model and training option of the library's table that the command
 * line spells, the origin stride as `stride_name` ("train-stride"). Where
 * `own` has no --stride of its own (backtest's spaces forecast origins),
 * --stride is kept as the origin stride's deprecated old spelling, applied
 * with a warning by mc_cli_model_option(). Written into out
 * (MC_CLI_MAX_OPTIONS entries), which is returned, terminated.
 */
const struct option *mc_cli_model_long_options(struct option *out, const struct option *own,
                                               const char *stride_name);

/* Help for the model's window and inputs, the network, the loss and
   training, from the library's option table. */
void mc_cli_model_help(FILE *f, const char *stride_name);

typedef struct mc_cli_model {
    mc_model_options mo;
    mc_train_options to;
    mc_cli_names past, future;
    const char *holidays_path; /* --holidays MARKET or FILE, read by mc_cli_model_load() */
    int64_t *holidays;         /* its dates (owned), which mo points at */
    const char *stride_name;   /* the origin stride's spelling, for messages */
    bool horizon_given, lookback_given;
    bool warned_stride; /* the deprecated --stride, warned about once */
} mc_cli_model;

/* Defaults of the library; `stride_name` as for mc_cli_model_long_options(). */
void mc_cli_model_init(mc_cli_model *m, const char *stride_name);
void mc_cli_model_free(mc_cli_model *m);

/*
 * Applies option `code`; 1 applied, 0 not a model option, -1 invalid (after
 * a message naming `command` on `err`).
 */
int mc_cli_model_option(mc_cli_model *m, int code, const char *arg, const char *command,
                        FILE *err);

/*
 * Reads the holidays given (a market or a file; warns when a market's table
 * misses some of the data's years), and reads and regularises d's CSV with
 * every column the model needs (--covariates, --past, --future; `columns`,
 * room for 3 * MC_MAX_COVARIATES names, must outlive the call's use of d),
 * then sets the lookback and horizon not given to a week back and a day
 * ahead, whatever the step.
 * NULL (with a message) on failure; the caller frees the frame.
 */
mc_frame *mc_cli_model_load(mc_cli_model *m, mc_cli_data *d, const char **columns, FILE *err);

/* As mc_cli_model_load(), for many series (mc_cli_data_load_panel()); the
   window's defaults follow the first series' step. */
mc_panel *mc_cli_model_load_panel(mc_cli_model *m, mc_cli_data *d, const char **columns,
                                  FILE *err);

/* Parses a whole number >= lo written in decimal digits only (no blank, no
   sign) / a real in [lo, hi] with no leading blank; false when invalid. */
bool mc_cli_parse_size(const char *arg, size_t lo, size_t *out);
bool mc_cli_parse_real(const char *arg, double lo, double hi, double *out);

#endif /* MC_CLI_CLI_MODEL_OPTS_H */
