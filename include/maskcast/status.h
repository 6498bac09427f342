/**
 * @file maskcast/status.h
 * @brief Status codes and the caller-owned error object.
 *
 * Every fallible maskcast call returns an mc_status and, when it fails and
 * the caller passed a non-NULL mc_error, fills that error with the same code,
 * the position the failure refers to (when it refers to one) and a message a
 * person can act on. The error object belongs to the caller; the library
 * never allocates it and never keeps a pointer to it.
 */
#ifndef MASKCAST_STATUS_H
#define MASKCAST_STATUS_H

#include <stddef.h>

#include "maskcast/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a call did: MC_OK, or why it failed. New values are appended;
    existing values never change meaning. */
typedef enum mc_status {
    MC_OK = 0,        /**< success */
    MC_ERR_NOMEM,     /**< an allocation failed or a size overflowed */
    MC_ERR_IO,        /**< a file could not be opened, read or written */
    MC_ERR_ARGUMENT,  /**< an argument or option is invalid */
    MC_ERR_CSV,       /**< the CSV structure is malformed (field count, NUL byte, quotes) */
    MC_ERR_COLUMN,    /**< a requested column does not exist or is ambiguous */
    MC_ERR_VALUE,     /**< a value where a number belongs is not a number */
    MC_ERR_TIME,      /**< a timestamp cannot be read or is out of range */
    MC_ERR_DUPLICATE, /**< duplicate timestamps under the "error" policy */
    MC_ERR_UNSORTED,  /**< timestamps out of order while sorting is refused */
    MC_ERR_EMPTY,     /**< no data rows */
    MC_ERR_GRID,      /**< no regular step can be established for the series */
    MC_ERR_CANCELLED, /**< a callback asked to stop */
    MC_ERR_FORMAT,    /**< a model file is truncated, corrupt or inconsistent */
    MC_ERR_DIVERGED   /**< training produced a loss that is not a finite number */
} mc_status;

/** Size of mc_error.message, including the terminating NUL. */
#define MC_ERROR_MESSAGE_SIZE 512

/**
 * What went wrong, filled by a failing call. `line` is the 1-based line of
 * the input the failure refers to and `column` the 1-based field number on
 * that line; both are 0 when the failure has no position. The message already
 * names the file, line and column name in words; the numbers are for tools.
 * Text from the input quoted in a message (values, column names) has its
 * control bytes (below 0x20, and DEL) replaced by '?' and is cut with "..."
 * when long, so a message is safe to print to a terminal.
 */
typedef struct mc_error {
    mc_status code;                      /**< the status the call returned */
    size_t line;                         /**< 1-based line of the input; 0: none */
    size_t column;                       /**< 1-based field on that line; 0: none */
    char message[MC_ERROR_MESSAGE_SIZE]; /**< what went wrong, NUL-terminated */
} mc_error;

/** Resets `err` to MC_OK with an empty message. NULL is a no-op. The error
   belongs to the caller: use one per thread. */
MC_API void mc_error_clear(mc_error *err);

/** A short constant name for `status` ("MC_ERR_VALUE"); never NULL, and
   "MC_ERR_UNKNOWN" for a value no version defines. The string is static (do
   not free it). Thread-safe. */
MC_API const char *mc_status_name(mc_status status);

#ifdef __cplusplus
}
#endif

#endif /* MASKCAST_STATUS_H */
