/* The pieces a report's sections are built from (report.c), in the layout
   docs/REPORT.md gives. Every function returns NULL when memory runs out. */
#ifndef MC_EVAL_REPORT_JSON_H
#define MC_EVAL_REPORT_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maskcast/frame.h"
#include "maskcast/report.h"

/* A number with six significant digits, or null when not finite. */
cJSON *mc_rj_number(double v);

/* The array of n numbers v[0], v[stride], ... as mc_rj_number writes them. */
cJSON *mc_rj_numbers(const double *v, size_t n, size_t stride);

/* The array of n indices. */
cJSON *mc_rj_indices(const size_t *idx, size_t n);

/* The runs of consecutive i in [0, n) where mark[i] & bits, as [[first, last], ...]. */
cJSON *mc_rj_runs(const uint8_t *mark, size_t n, uint8_t bits);

/* {"start", "step", "values"}: n values on the grid of `frame` from row `first`
   (start in milliseconds of the first row's wall clock). */
cJSON *mc_rj_series(const mc_frame *frame, size_t first, const double *v, size_t n);

/* The wall-clock time of a frame's row, seconds (its instant plus its offset). */
int64_t mc_rj_wall(const mc_frame *frame, size_t row);

/* Adds `item` to object `o` under `key`; false (item freed) when item is NULL
   or cannot be added. */
bool mc_rj_put(cJSON *o, const char *key, cJSON *item);

/* Appends the finished `section` to the report, or frees it and fails when it
   is NULL or `ok` is false: MC_ERR_NOMEM naming `what`. */
mc_status mc_rj_append(mc_report *r, cJSON *section, bool ok, const char *what, mc_error *err);

/* The backtest section's aggregates (report_backtest.c). */
cJSON *mc_rj_backtest(const mc_backtest *b, const mc_frame *frame);

#endif /* MC_EVAL_REPORT_JSON_H */
