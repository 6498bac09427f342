/* A global model's series table and a series view's constant channels in
   the model file's metadata "series" (model_file.c holds the rest). */
#ifndef MC_TRAIN_MODEL_FILE_SERIES_H
#define MC_TRAIN_MODEL_FILE_SERIES_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "train/model_internal.h"

/* Whether `m` has anything for the metadata "series". */
bool mc_series_meta_needed(const mc_model *m);

/* The metadata "series" of `m`; NULL when out of memory. */
cJSON *mc_series_meta_json(const mc_model *m);

/* Reads it into `m` (channels known), checking everything; a message
   starting "metadata \"series\"" on failure (MC_ERR_FORMAT, `name` the file). */
mc_status mc_series_meta_read(mc_model *m, const cJSON *j, const char *name, mc_error *err);

#endif /* MC_TRAIN_MODEL_FILE_SERIES_H */
