/* The model and training options that `train` and `backtest` share. */
#ifndef MC_CLI_CLI_MODEL_OPTS_H
#define MC_CLI_CLI_MODEL_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/cli_data.h"

/* getopt codes, after the data options. */
enum {
    MC_OPT_PAST = MC_OPT_DATA_END, MC_OPT_FUTURE, MC_OPT_HOLIDAYS, MC_OPT_HORIZON, MC_OPT_LOOKBACK,
    MC_OPT_HIDDEN, MC_OPT_ACTIVATION, MC_OPT_MASK, MC_OPT_NO_ANOMALY, MC_OPT_NO_HORIZON,
    MC_OPT_NO_SKIP, MC_OPT_LOSS, MC_OPT_QUANTILES, MC_OPT_HUBER, MC_OPT_NO_LEVEL,
    MC_OPT_NO_CALENDAR, MC_OPT_EPOCHS, MC_OPT_BATCH, MC_OPT_LR, MC_OPT_WD, MC_OPT_CLIP,
    MC_OPT_PATIENCE, MC_OPT_VAL, MC_OPT_AUGMENT, MC_OPT_SAMPLES, MC_OPT_TRAIN_STRIDE, MC_OPT_SEED,
    MC_OPT_NO_MASK_LOCAL, MC_OPT_MASK_PENALTY, MC_OPT_LEVEL_STEPS, MC_OPT_HORIZON_RANK,
    MC_OPT_NO_LINEAR,
    MC_OPT_MODEL_END /* subcommands number their own options from here */
};

/* `stride_name` is the long name of the training-origin stride ("stride" for
   train; backtest uses --stride for its forecast origins). */
#define MC_CLI_MODEL_LONG_OPTIONS(stride_name)                                                   \
    {"past", required_argument, NULL, MC_OPT_PAST},                                              \
    {"future", required_argument, NULL, MC_OPT_FUTURE},                                          \
    {"holidays", required_argument, NULL, MC_OPT_HOLIDAYS},                                      \
    {"horizon", required_argument, NULL, MC_OPT_HORIZON},                                        \
    {"lookback", required_argument, NULL, MC_OPT_LOOKBACK},                                      \
    {"hidden", required_argument, NULL, MC_OPT_HIDDEN},                                          \
    {"activation", required_argument, NULL, MC_OPT_ACTIVATION},                                  \
    {"mask", required_argument, NULL, MC_OPT_MASK},                                              \
    {"no-anomaly-mask", no_argument, NULL, MC_OPT_NO_ANOMALY},                                   \
    {"no-horizon-masks", no_argument, NULL, MC_OPT_NO_HORIZON},                                  \
    {"no-skip", no_argument, NULL, MC_OPT_NO_SKIP},                                              \
    {"no-mask-local", no_argument, NULL, MC_OPT_NO_MASK_LOCAL},                                  \
    {"mask-penalty", required_argument, NULL, MC_OPT_MASK_PENALTY},                              \
    {"horizon-rank", required_argument, NULL, MC_OPT_HORIZON_RANK},                              \
    {"loss", required_argument, NULL, MC_OPT_LOSS},                                              \
    {"quantiles", required_argument, NULL, MC_OPT_QUANTILES},                                    \
    {"huber-delta", required_argument, NULL, MC_OPT_HUBER},                                      \
    {"no-level", no_argument, NULL, MC_OPT_NO_LEVEL},                                            \
    {"level-steps", required_argument, NULL, MC_OPT_LEVEL_STEPS},                                \
    {"no-calendar", no_argument, NULL, MC_OPT_NO_CALENDAR},                                      \
    {"epochs", required_argument, NULL, MC_OPT_EPOCHS},                                          \
    {"batch", required_argument, NULL, MC_OPT_BATCH},                                            \
    {"lr", required_argument, NULL, MC_OPT_LR},                                                  \
    {"weight-decay", required_argument, NULL, MC_OPT_WD},                                        \
    {"clip", required_argument, NULL, MC_OPT_CLIP},                                              \
    {"patience", required_argument, NULL, MC_OPT_PATIENCE},                                      \
    {"val-fraction", required_argument, NULL, MC_OPT_VAL},                                       \
    {"augment", required_argument, NULL, MC_OPT_AUGMENT},                                        \
    {"no-linear-candidate", no_argument, NULL, MC_OPT_NO_LINEAR},                           \
    {"samples-per-epoch", required_argument, NULL, MC_OPT_SAMPLES},                              \
    {stride_name, required_argument, NULL, MC_OPT_TRAIN_STRIDE},                                 \
    {"seed", required_argument, NULL, MC_OPT_SEED}

/* Help for the model's inputs, the network, and training; `stride_line` is
   the help line of the training-origin stride option. */
void mc_cli_model_help(FILE *f, const char *stride_line);

typedef struct mc_cli_model {
    mc_model_options mo;
    mc_train_options to;
    mc_cli_names past, future;
    bool horizon_given, lookback_given;
} mc_cli_model;

/* Defaults of the library. */
void mc_cli_model_init(mc_cli_model *m);
void mc_cli_model_free(mc_cli_model *m);

/*
 * Applies option `code`; 1 applied, 0 not a model option, -1 invalid (after
 * a message naming `command` on `err`).
 */
int mc_cli_model_option(mc_cli_model *m, int code, const char *arg, const char *command,
                        FILE *err);

/*
 * Reads and regularises d's CSV with every column the model needs
 * (--covariates, --past, --future; `columns`, room for 3 * MC_MAX_COVARIATES
 * names, must outlive the call's use of d), then sets the lookback and
 * horizon not given to a week back and a day ahead, whatever the step.
 * NULL (with a message) on failure; the caller frees the frame.
 */
mc_frame *mc_cli_model_load(mc_cli_model *m, mc_cli_data *d, const char **columns, FILE *err);

/* Parses a whole number >= lo written in decimal digits only (no blank, no
   sign) / a real in [lo, hi] with no leading blank; false when invalid. */
bool mc_cli_parse_size(const char *arg, size_t lo, size_t *out);
bool mc_cli_parse_real(const char *arg, double lo, double hi, double *out);

#endif /* MC_CLI_CLI_MODEL_OPTS_H */
