/* What train and tune print with --json: the model written and its training. */
#ifndef MC_CLI_CLI_SUMMARY_H
#define MC_CLI_CLI_SUMMARY_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "maskcast/maskcast.h"

/*
 * A JSON object (the caller deletes it; NULL when out of memory) for the
 * model `m` written to `path`: what training kept, its epochs and best
 * epoch, the validation losses, the seconds, the training, validation and
 * calibration origins (mc_model_calibration_origins()), the window and the
 * seed; `interrupted` when Ctrl-C ended training early.
 */
cJSON *mc_cli_training_json(const mc_model *m, const char *path, bool interrupted);

#endif /* MC_CLI_CLI_SUMMARY_H */
