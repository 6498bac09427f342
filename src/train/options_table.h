/*
 * The one description of every model and training option (maskcast/model.h,
 * "Options by name"): the public table, and what the model file needs of
 * it — where each value lives, whether the file records it, what a file
 * without it means — so that the writer, the reader, inspect, the command
 * line and the Python module read one list.
 */
#ifndef MC_TRAIN_OPTIONS_TABLE_H
#define MC_TRAIN_OPTIONS_TABLE_H

#include <cjson/cJSON.h>

#include "maskcast/model.h"

/* The value of entry i of a model's configuration as JSON (NULL for an entry
   the file does not record, or when cJSON runs out of memory: check
   mc_option_in_file first). */
cJSON *mc_option_to_json(const mc_model *m, size_t i);

/* Whether the model file records entry i for model m: every entry of format
   1 always; an entry added since, only when its value differs from what a
   file without it means (so older configurations keep their bytes). */
bool mc_option_in_file(const mc_model *m, size_t i);

/* Reads the configuration object `c` of a model file into `mo` (filled with
   defaults first) and the facts: every recorded entry checked against its
   type and range. On failure writes a message ("configuration \"hidden\"
   must be a whole number from 1 to 16777216") into what (size bytes) and
   returns false. */
bool mc_options_from_json(const cJSON *c, mc_model_options *mo, size_t *past_channels,
                          size_t *future_channels, int64_t *step_seconds, char *what,
                          size_t size);

#endif /* MC_TRAIN_OPTIONS_TABLE_H */
