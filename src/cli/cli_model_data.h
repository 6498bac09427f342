/* Reading the data a model file looks at, for the commands that explain and
   score a trained model over a history (explain, anomalies). */
#ifndef MC_CLI_CLI_MODEL_DATA_H
#define MC_CLI_CLI_MODEL_DATA_H

#include <stdio.h>

#include "cli/cli_data.h"
#include "train/bind.h"

/*
 * Reads and regularises d's CSV with the columns model `m` needs: the load
 * (--target, by default the name the model was trained with) and every
 * covariate by the model's names, each once (unless --covariates lists the
 * columns). Checks the step against the model's, then binds the frame to the
 * model. On failure prints why (naming `command`) and returns NULL; on
 * success the caller frees the frame after mc_bound_free(bound).
 */
mc_frame *mc_cli_model_data_load(mc_cli_data *d, const mc_model *m, mc_bound *bound,
                                 const char *command, FILE *err);

#endif /* MC_CLI_CLI_MODEL_DATA_H */
