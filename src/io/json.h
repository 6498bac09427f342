/*
 * Parsing JSON with cJSON, telling a text that is not JSON from one that
 * cJSON could not build for want of memory: cJSON returns NULL for both.
 */
#ifndef MC_IO_JSON_H
#define MC_IO_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "maskcast/status.h"

/*
 * Parses the NUL-terminated `text` into *out (the caller frees it with
 * cJSON_Delete); with `whole`, nothing but whitespace may follow the value.
 * Returns MC_OK; MC_ERR_FORMAT when the text is not JSON that cJSON reads,
 * with *stop (may be NULL) the offset where cJSON stopped; or MC_ERR_NOMEM
 * when it is, but cJSON ran out of memory. *out is NULL on failure. Fills no
 * mc_error: the caller words the message. Reentrant as cJSON_Parse is.
 */
mc_status mc_json_parse(cJSON **out, const char *text, bool whole, size_t *stop);

/*
 * Adds `item` to the object `o` under `key`, or to the array `o` when key is
 * NULL. False when o or item is NULL or cJSON runs out of memory; the item
 * is then freed, and the caller drops the whole text (a text missing a field
 * would be a file that does not load).
 */
bool mc_json_put(cJSON *o, const char *key, cJSON *item);

/* A double written with 17 significant digits, which reads back exactly
   (cJSON prints 15 when they look equal, which can lose the last bit); a
   NaN or infinity as 0, or as null when `null_for_nan`. NULL when out of
   memory. */
cJSON *mc_json_exact(double v, bool null_for_nan);

#endif /* MC_IO_JSON_H */
