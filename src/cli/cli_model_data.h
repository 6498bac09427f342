/* Reading the data a model file looks at, for the commands that explain and
   score a trained model over a history (explain, anomalies). */
#ifndef MC_CLI_CLI_MODEL_DATA_H
#define MC_CLI_CLI_MODEL_DATA_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/cli_data.h"
#include "train/bind.h"

/*
 * Writes into `out` (room for 2 * MC_MAX_COVARIATES) the names of the model's
 * channels 1 .. n, each once (a column can be both a past and a known-future
 * input), leaving out `skip` (may be NULL); returns how many.
 */
size_t mc_cli_model_covariates(const mc_model *m, size_t n, const char *skip, const char **out);

/* Without --target, the load column the model was trained on, where the
   layout names it so: one series, or a long file (--series); files of one
   series each, and wide files, name their load themselves. */
void mc_cli_model_target(mc_cli_data *d, const mc_model *m);

/*
 * Takes the model's time column and time zone as d's where the options gave
 * none (model files from before they were recorded have neither). --tz naming
 * another zone than the model's is refused: the model's calendar features
 * are its zone's local time. --tz for a model trained without a zone is
 * allowed with a warning. --time, --target and --covariates name the file's
 * columns and win over the model's names (a file whose columns are named
 * otherwise). Returns MC_EXIT_OK, or MC_EXIT_USAGE after a message naming
 * `command`. d keeps pointers into the model: it must outlive d's use.
 */
int mc_cli_model_time(mc_cli_data *d, const mc_model *m, const char *command, FILE *err);

/*
 * Reads and regularises d's CSV with the columns model `m` needs, in its
 * time zone and by its time column (mc_cli_model_time()): the load
 * (--target, by default the name the model was trained with) and every
 * covariate by the model's names, each once (unless --covariates lists the
 * columns). Checks the step against the model's, then binds the frame to the
 * model. On failure prints why (naming `command`) and returns NULL; on
 * success the caller frees the frame after mc_bound_free(bound).
 */
mc_frame *mc_cli_model_data_load(mc_cli_data *d, const mc_model *m, mc_bound *bound,
                                 const char *command, FILE *err);

/*
 * A global model's series as the command reads it: *m replaced by its view
 * of the series --only names (the data then hold that series alone). A
 * model of one series is left as it is. MC_EXIT_OK, or an exit status after
 * a message naming `command` (a global model without --only and many-series
 * data, a series it does not know).
 */
int mc_cli_series_model(mc_model **m, const mc_cli_data *d, const char *command, FILE *err);

/*
 * Reads the series a global model `m` is given (every series of d's panel,
 * or --only's): the load (as trained, for long files) and the model's
 * covariates, not its identity and static channels. Call
 * mc_cli_model_time() first. NULL after a message on failure.
 */
mc_panel *mc_cli_model_panel_load(mc_cli_data *d, const mc_model *m, FILE *err);

/* One series' part of a command over a global model's series: `view` is the
   series' model; writes its rows to `w` (a header with series 0) or, with
   JSON, stores its object in *json (json not NULL). Returns an exit status
   after a message. */
typedef int (*mc_cli_series_fn)(void *ctx, const mc_model *view, const mc_panel *p, size_t i,
                                FILE *w, cJSON **json, FILE *err);

/*
 * Runs `fn` on every series of `p` with its view of the global model `m`,
 * into `output` (NULL: `out`), written atomically, or as one JSON object
 * {"model": model_path, "series": [...]} with `json`; a series' failure ends
 * the run (its name printed after its error) and removes the output.
 */
int mc_cli_each_series(const mc_panel *p, const mc_model *m, const char *model_path,
                       const char *output, bool json, mc_cli_series_fn fn, void *ctx, FILE *out,
                       FILE *err);

#endif /* MC_CLI_CLI_MODEL_DATA_H */
