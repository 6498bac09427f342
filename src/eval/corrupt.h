/* Anomalies injected into a load series, for robustness measurements. */
#ifndef MC_EVAL_CORRUPT_H
#define MC_EVAL_CORRUPT_H

#include <stddef.h>
#include <stdint.h>

#include "maskcast/status.h"

/*
 * Corrupts about `rate` of the values in rows [from, rows) of `y` in place:
 * events start at a row with probability rate / 2 and are, with equal
 * chance, a spike (the value plus or minus 3 to 6 standard deviations of
 * rows [0, stats_rows)), a drop-out to zero, or a stuck reading (the value
 * before the event repeated for 2 to 6 rows), so that an event lasts 2 rows
 * on average. `truth` (rows; may be NULL) gets 1 at corrupted rows, 0
 * elsewhere. The same seed corrupts the same rows the same way.
 */
mc_status mc_corrupt_series(double *y, size_t rows, size_t from, size_t stats_rows, double rate,
                            uint64_t seed, uint8_t *truth, mc_error *err);

#endif /* MC_EVAL_CORRUPT_H */
