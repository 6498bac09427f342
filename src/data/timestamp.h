/* Reading and writing timestamps; calendar arithmetic without time zones. */
#ifndef MC_DATA_TIMESTAMP_H
#define MC_DATA_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maskcast/frame.h"

/* One parsed timestamp. */
typedef struct mc_time_value {
    int64_t wall;    /* wall-clock time as written, seconds since 1970-01-01 00:00 as if UTC */
    int16_t offset;  /* minutes east of UTC when has_offset */
    bool has_offset; /* the text carried Z or +hh:mm */
} mc_time_value;

/*
 * Parses `len` bytes of `text` as a timestamp in `format`. Returns NULL on
 * success, or a constant phrase saying what is wrong ("month is out of
 * range") for the caller to put into an error message.
 */
const char *mc_time_parse(const char *text, size_t len, mc_time_format format, mc_time_value *out);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12). */
int64_t mc_days_from_civil(int64_t y, int m, int d);

/* The date of `days` since 1970-01-01. */
void mc_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Day of the week of `days` since 1970-01-01 (a Thursday), Monday = 0 .. Sunday = 6. */
int mc_weekday_from_days(int64_t days);

/* Floor division of seconds into days (correct for negative times). */
int64_t mc_time_days(int64_t seconds);

/*
 * Writes `seconds` (wall clock) as "YYYY-MM-DD HH:MM:SS" into `out`; when
 * `with_offset`, the instant `seconds` is shown in local time with the offset
 * `offset_min` appended as "+hh:mm". `size` of 32 always suffices.
 */
void mc_time_to_text(int64_t seconds, int offset_min, bool with_offset, char *out, size_t size);

#endif /* MC_DATA_TIMESTAMP_H */
