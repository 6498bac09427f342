/* Internal helpers for filling the caller's mc_error. */
#ifndef MC_COMMON_ERROR_H
#define MC_COMMON_ERROR_H

#include <stddef.h>

#include "maskcast/status.h"

#if defined(__GNUC__)
#define MC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MC_PRINTF(fmt, args)
#endif

/*
 * Fills `err` (may be NULL) with `code`, the position and a formatted
 * message, and returns `code` so callers can write `return mc_error_set(...)`.
 * A message longer than the buffer is cut with "...".
 */
mc_status mc_error_set(mc_error *err, mc_status code, size_t line, size_t column,
                       const char *fmt, ...) MC_PRINTF(5, 6);

/* Shorthand for an out-of-memory error. */
mc_status mc_error_nomem(mc_error *err, const char *what);

/*
 * Writes `text` (of `len` bytes) into `out` (of `size` bytes) for quoting in
 * a message: control bytes become '?', and long text is cut with "...".
 */
void mc_error_quote(char *out, size_t size, const char *text, size_t len);

/* Room for a column name quoted by mc_error_name (longer names are cut). */
#define MC_ERROR_NAME_SIZE 96

/* A NUL-terminated name (a header's column name, say) quoted as by
   mc_error_quote into `out` of MC_ERROR_NAME_SIZE bytes; returns `out`, so
   it can be an argument of the message: header names are text from the file
   as much as values are. */
const char *mc_error_name(char out[MC_ERROR_NAME_SIZE], const char *name);

#endif /* MC_COMMON_ERROR_H */
