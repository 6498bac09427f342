/*
 * Time zones from the system's zone database: TZif files (RFC 8536; v1, and
 * the 64-bit data and the POSIX TZ footer of v2 and later), read without the
 * C library's global TZ state (no setenv, tzset or localtime), so threads may
 * use distinct or shared zones at once.
 */
#ifndef MC_DATA_TZFILE_H
#define MC_DATA_TZFILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Where Debian's tzdata installs the zone files. */
#define MC_TZ_DEFAULT_DIR "/usr/share/zoneinfo"

/* The widest UTC offsets a TZif file may hold (seconds, RFC 8536). */
enum { MC_TZ_MIN_OFFSET = -89999, MC_TZ_MAX_OFFSET = 93599 };

/* A zone: its transitions, local time types and footer rule (opaque). */
typedef struct mc_tz mc_tz;

/*
 * Loads zone `name` ("Area/City", e.g. "Europe/London") from the directory
 * `dir` (NULL: MC_TZ_DEFAULT_DIR). A name that is empty, absolute, holds
 * "..", or characters other than letters, digits and "/_+-." is refused with
 * MC_ERR_ARGUMENT, as is a name with no zone file; a file that is not a valid
 * TZif file gives MC_ERR_FORMAT. Messages name the zone. On failure *out is
 * NULL.
 */
mc_status mc_tz_load(mc_tz **out, const char *name, const char *dir, mc_error *err);

/* As mc_tz_load(), from `size` bytes of a TZif file at `data` (not kept). */
mc_status mc_tz_parse(mc_tz **out, const void *data, size_t size, const char *name, mc_error *err);

/* A deep copy of `tz`; MC_ERR_NOMEM. */
mc_status mc_tz_clone(mc_tz **out, const mc_tz *tz, mc_error *err);

/* Frees `tz`; NULL is a no-op. */
void mc_tz_free(mc_tz *tz);

/* The zone's name as it was loaded. */
const char *mc_tz_name(const mc_tz *tz);

/* The UTC offset in seconds east of UTC in force at instant `t` (seconds
   since 1970-01-01 00:00 UTC). */
int32_t mc_tz_offset(const mc_tz *tz, int64_t t);

/* The first instant after `t` at which the zone's offset or rule type
   changes; INT64_MAX when none does. */
int64_t mc_tz_next_transition(const mc_tz *tz, int64_t t);

/*
 * The instants whose local wall-clock time is `wall` (seconds since
 * 1970-01-01 00:00 as if UTC), in increasing order in out[0], out[1].
 * Returns 1 for an ordinary time, 0 for a time the clocks skipped (a
 * spring-forward hole), 2 for a time they showed twice (a fall-back repeat:
 * out[0] the earlier, daylight-saving, instant). Where a zone's history
 * shows a time more than twice, the earliest and the latest are given.
 */
size_t mc_tz_instants(const mc_tz *tz, int64_t wall, int64_t out[2]);

/*
 * For a wall time in a hole (mc_tz_instants() gives 0): the wall-clock times
 * at which the clocks jumped, from *before to *after (e.g. 02:00 to 03:00).
 * Returns 0 when `wall` is not in a hole, 1 otherwise.
 */
int mc_tz_hole(const mc_tz *tz, int64_t wall, int64_t *before, int64_t *after);

#endif /* MC_DATA_TZFILE_H */
