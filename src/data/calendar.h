/* Calendar features of a wall-clock time, and a set of holiday dates. */
#ifndef MC_DATA_CALENDAR_H
#define MC_DATA_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maskcast/status.h"

/* hour-of-day sin/cos, day-of-week sin/cos, day-of-year sin/cos, weekend, holiday */
enum { MC_CALENDAR_CHANNELS = 8 };

/* Holiday dates as sorted, distinct days since 1970-01-01. */
typedef struct mc_holidays {
    int64_t *days;
    size_t n;
} mc_holidays;

/*
 * Reads holiday dates from the first column of a CSV file with a header
 * ("date,name"), dates written YYYY-MM-DD. Other columns are ignored.
 */
mc_status mc_holidays_read(mc_holidays *out, const char *path, mc_error *err);

/* As mc_holidays_read(), from `size` bytes at `data` (not kept after the
   call); `name` (NULL: "(holidays)") names the source in messages. */
mc_status mc_holidays_read_buffer(mc_holidays *out, const void *data, size_t size,
                                  const char *name, mc_error *err);

/* Takes a copy of `n` days (any order, repeats allowed). */
mc_status mc_holidays_from_days(mc_holidays *out, const int64_t *days, size_t n, mc_error *err);

void mc_holidays_free(mc_holidays *h);

bool mc_holidays_contains(const mc_holidays *h, int64_t day);

/* Writes the MC_CALENDAR_CHANNELS features of wall-clock time `wall` (seconds). */
void mc_calendar_features(float *out, int64_t wall, const mc_holidays *holidays);

#endif /* MC_DATA_CALENDAR_H */
