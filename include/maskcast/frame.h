/**
 * @file maskcast/frame.h
 * @brief Time-series frames: reading CSV, regularising onto a
 * fixed step, filling gaps, and summarising what was found.
 *
 * A frame holds one time axis and one or more numeric columns (the target
 * first, then covariates in the order they were asked for). Missing values
 * are NaN, and every value carries a state (observed, missing, interpolated,
 * filled from the same time one period earlier), so filled values never count
 * as observed later.
 *
 * Typical use:
 *
 *     mc_csv_options copt;
 *     mc_csv_options_defaults(&copt);
 *     copt.target_column = "load";
 *     mc_frame *f = NULL;
 *     mc_error err;
 *     if (mc_frame_read_csv(&f, "load.csv", &copt, &err) != MC_OK) {
 *         fprintf(stderr, "%s\n", err.message);
 *         return 1;
 *     }
 *     mc_regularize_options ropt;
 *     mc_regularize_options_defaults(&ropt);
 *     if (mc_frame_regularize(f, &ropt, &err) != MC_OK) { ... }
 *     ... mc_frame_values(f, 0) ...
 *     mc_frame_free(f);
 *
 * Thread safety: a frame is not synchronised. Distinct frames may be used
 * from distinct threads at once; const accessors on one frame may be called
 * from several threads as long as no thread modifies it.
 */
#ifndef MASKCAST_FRAME_H
#define MASKCAST_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "maskcast/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A time-series frame: one time axis and numeric columns (opaque). */
typedef struct mc_frame mc_frame;

/** How the time column is written. */
typedef enum mc_time_format {
    MC_TIME_AUTO = 0, /**< ISO 8601 ("2024-03-01T13:00:00+01:00", "2024-03-01 13:00",
                         "2024-03-01"), or Unix epoch seconds when all digits */
    MC_TIME_ISO,      /**< ISO 8601 only */
    MC_TIME_EPOCH,    /**< Unix epoch seconds only */
    MC_TIME_DMY,      /**< "DD/MM/YYYY HH:MM[:SS]" (day first) */
    MC_TIME_MDY       /**< "MM/DD/YYYY HH:MM[:SS]" (month first) */
} mc_time_format;

/**
 * Limit of the reader: the first non-blank line (the header, or the first
 * row without one) must end within the first MC_CSV_FIRST_LINE_LIMIT bytes
 * of the input (1 MiB, a byte-order mark and blank lines before it
 * included), since it is held whole to detect the delimiter. Input without
 * a line break in that much is refused with MC_ERR_CSV after reading at most
 * that much; input with a NUL byte (a binary or UTF-16 file) is refused at
 * the read that brings the first one. Later lines and fields have no limit
 * (a quoted field may hold megabytes).
 */
#define MC_CSV_FIRST_LINE_LIMIT ((size_t)1 << 20)

/**
 * The largest magnitude a value may have. A load of 1e308 is finite, but
 * the means, interpolations, squares and sums that regularising, describing,
 * scaling and training compute from it are not; no measured quantity comes
 * near 1e100, so a value beyond it is refused (MC_ERR_VALUE) by the CSV
 * reader and by mc_frame_from_arrays(), and read as missing under lenient
 * reading (counted as not a number).
 */
#define MC_VALUE_MAX_MAGNITUDE 1e100

/** Options for reading a CSV file; fill with mc_csv_options_defaults(). */
typedef struct mc_csv_options {
    char delimiter;                /**< ',', ';', '|' or a tab; 0 detects it from the first
                                      non-blank line (never ',' with a decimal comma) */
    char decimal;                  /**< decimal mark of numbers: '.' (default) or ',' */
    bool header;                   /**< the first row names the columns (default true);
                                      without it columns are named "1", "2", ... */
    const char *time_column;       /**< NULL: the first column */
    const char *target_column;     /**< NULL: the first column that is not the time column */
    const char *const *covariates; /**< further numeric columns, by name; may be NULL */
    size_t n_covariates;           /**< entries in covariates */
    mc_time_format time_format;    /**< default MC_TIME_AUTO */
    bool lenient;                  /**< a non-numeric value becomes missing and is counted,
                                      instead of failing the read */
    size_t chunk_size;             /**< bytes read at a time; 0 means 256 KiB; at most
                                      64 MiB is used (and no more than
                                      MC_CSV_FIRST_LINE_LIMIT before the first line) */
} mc_csv_options;

/** Fills `opt` (not NULL) with the defaults described above. The strings of
   an options struct belong to the caller and are only read during a call.
   Thread-safe. */
MC_API void mc_csv_options_defaults(mc_csv_options *opt);

/**
 * Reads the CSV file at `path` into a new frame, in file order (call
 * mc_frame_regularize() next). Only the time column and the selected numeric
 * columns are converted; other columns are skipped. Memory grows with the
 * number of rows times the selected columns, not with the size of the text.
 *
 * On success stores a frame the caller frees with mc_frame_free() and returns
 * MC_OK. On failure stores NULL, frees everything it built, fills `err` (may
 * be NULL) and returns its code. `out`, `path` and `opt` must not be NULL.
 * Reentrant: threads may read files at once (numbers are parsed in the C
 * locale, selected for the calling thread only with uselocale()).
 */
MC_API mc_status mc_frame_read_csv(mc_frame **out, const char *path, const mc_csv_options *opt,
                                   mc_error *err);

/**
 * As mc_frame_read_csv(), from an open stream (for example stdin). `name` is
 * used in messages only (NULL: "(stream)"). The stream is read to its end
 * and not closed; the caller keeps it and must not use it from another
 * thread during the call.
 */
MC_API mc_status mc_frame_read_csv_stream(mc_frame **out, FILE *stream, const char *name,
                                          const mc_csv_options *opt, mc_error *err);

/**
 * As mc_frame_read_csv(), from `size` bytes at `data` (the caller keeps
 * ownership; the bytes are not referenced after the call returns). `name`
 * is used in messages only (NULL: "(buffer)"). Reentrant.
 */
MC_API mc_status mc_frame_read_csv_buffer(mc_frame **out, const void *data, size_t size,
                                          const char *name, const mc_csv_options *opt,
                                          mc_error *err);

/**
 * Builds a frame from data already in memory, so an application never has to
 * write a file. The frame is the one mc_frame_read_csv() would build from the
 * equivalent CSV file (a time column named "time", then the columns in the
 * order given): call mc_frame_regularize() next, as after reading a file.
 *
 * times[i] (rows) is row i's instant in seconds since 1970-01-01 00:00 UTC.
 * utc_offsets (rows, minutes east of UTC, within +-18:59) may be NULL: the
 * times are then wall-clock times taken as UTC, like a CSV file whose
 * timestamps carry no offset; calendar features read times[i] + 60 *
 * utc_offsets[i]. Rows need not be sorted (regularisation sorts them).
 * names[j] and columns[j] (n_columns >= 1) name and hold column j; column 0
 * is the load (the target), the others covariates. NaN marks a missing value;
 * an infinity, or a magnitude above MC_VALUE_MAX_MAGNITUDE, is refused.
 * Names must be distinct and non-empty.
 *
 * Everything is copied: the caller keeps ownership of every array and string,
 * which are not referenced after the call. On success stores a frame the
 * caller frees with mc_frame_free() and returns MC_OK. On failure stores NULL
 * (when `out` is not NULL) and returns MC_ERR_ARGUMENT (a NULL array, a
 * missing name), MC_ERR_EMPTY (rows == 0), MC_ERR_COLUMN (a repeated name),
 * MC_ERR_TIME (a time outside the years 1 to 9999, an offset out of range)
 * or MC_ERR_VALUE (an infinity or a value beyond MC_VALUE_MAX_MAGNITUDE),
 * with err->line the 1-based row and
 * err->column the 1-based column where there is one. Messages from
 * mc_frame_regularize() on such a frame say "line" for the 1-based row.
 * Reentrant: threads may build frames at once.
 */
MC_API mc_status mc_frame_from_arrays(mc_frame **out, const int64_t *times,
                                      const int16_t *utc_offsets, size_t rows,
                                      const char *const *names, const double *const *columns,
                                      size_t n_columns, mc_error *err);

/**
 * Reads the frame's times as local time in the time zone `zone` ("Area/City",
 * e.g. "Australia/Melbourne"), from the zone database in the directory
 * `zone_dir` (NULL: "/usr/share/zoneinfo", where the tzdata package puts it;
 * the library reads no environment variable, so an application that honours
 * TZDIR passes it here). Call it after reading and before
 * mc_frame_regularize().
 *
 * Timestamps that carried an offset (or Z) keep their instants and take the
 * zone's offset at each, so that wall-clock times, and the calendar features
 * read from them, are the zone's local time. Naive timestamps are taken as
 * local time in the zone and become instants: a time the clocks showed twice
 * (the fall-back repeat) is the earlier, daylight-saving, instant for the
 * first row in file order that shows it and the later instant for the rows
 * after it; a time the clocks skipped (the spring-forward hole) is refused
 * with MC_ERR_TIME naming its line. Either way the frame then has UTC
 * offsets (mc_frame_report.has_utc_offsets is true), rows that
 * regularisation inserts take the zone's offset, and forecasts past the last
 * row are dated in the zone.
 *
 * MC_ERR_ARGUMENT for a zone name that is not a plain relative name (empty,
 * absolute, with ".." or unusual characters), a zone the database does not
 * have, a frame already regularised or already given a zone; MC_ERR_FORMAT
 * for a zone file that is not valid TZif data; MC_ERR_TIME for a time in a
 * hole, or an offset of local mean time (before a zone adopted standard
 * time) that is not a whole number of minutes; MC_ERR_IO, MC_ERR_NOMEM.
 * Messages name the zone. On failure the frame is unchanged. Reentrant: the
 * zone is read from its file, not through the C library's TZ setting.
 */
MC_API mc_status mc_frame_set_time_zone(mc_frame *frame, const char *zone, const char *zone_dir,
                                        mc_error *err);

/** Frees `frame` and everything it owns; pointers obtained from it become
   invalid. NULL is a no-op. No other thread may be using the frame. */
MC_API void mc_frame_free(mc_frame *frame);

/** What to do with several rows at the same instant. */
typedef enum mc_duplicates {
    MC_DUPLICATES_MEAN = 0, /**< average the observed values (default: the DST fall-back hour) */
    MC_DUPLICATES_FIRST,    /**< keep the first in file order */
    MC_DUPLICATES_LAST,     /**< keep the last in file order */
    MC_DUPLICATES_ERROR     /**< refuse the file */
} mc_duplicates;

/** Where long gaps are filled from. */
typedef enum mc_long_fill {
    MC_LONG_FILL_WEEK = 0, /**< the same time one week earlier, else one day earlier, else
                              (at the start of the series) a week or a day later (default) */
    MC_LONG_FILL_DAY,      /**< the same time one day earlier, else one day later */
    MC_LONG_FILL_NONE      /**< leave long gaps missing */
} mc_long_fill;

/** Options for mc_frame_regularize(); fill with mc_regularize_options_defaults(). */
typedef struct mc_regularize_options {
    int64_t step;               /**< seconds between rows; 0 detects the most common difference */
    mc_duplicates duplicates;   /**< default MC_DUPLICATES_MEAN */
    bool sort;                  /**< sort unsorted input (default true); false refuses it */
    int64_t max_interpolate;    /**< gaps up to this many seconds are interpolated linearly;
                                   default 3 hours */
    mc_long_fill long_fill;     /**< longer gaps; default MC_LONG_FILL_WEEK */
} mc_regularize_options;

/** Fills `opt` (not NULL) with the defaults described above. Thread-safe. */
MC_API void mc_regularize_options_defaults(mc_regularize_options *opt);

/**
 * Puts `frame` on a regular grid: sorts by instant, resolves duplicates,
 * detects the step, drops rows off the grid (counted in the report; more than
 * a tenth of the rows off the grid is refused with MC_ERR_GRID), inserts
 * missing rows for gaps, then fills gaps (linear interpolation for short
 * ones, the same time one week or one day earlier for long ones). Filled
 * values keep a non-observed state. Calling it twice is harmless.
 *
 * When the data are refused (MC_ERR_UNSORTED, MC_ERR_DUPLICATE, MC_ERR_GRID)
 * or an option is invalid, the frame is left unchanged, so the call can be
 * retried with other options. After MC_ERR_NOMEM the frame is still valid and
 * freeable but may be partly regularised. `err` says what went wrong.
 * `frame` and `opt` must not be NULL. The call modifies the frame: pointers
 * obtained from it before become invalid, and no other thread may use the
 * frame during the call.
 */
MC_API mc_status mc_frame_regularize(mc_frame *frame, const mc_regularize_options *opt,
                                     mc_error *err);

/**
 * Copies rows [first, first + rows) of the regularised frame `frame` into a
 * new frame *out (regularised, the same columns, values, fill states and row
 * flags; its reports are the whole file's), for training on part of the data
 * (`maskcast train --from/--until`). The caller frees it with
 * mc_frame_free(). MC_ERR_ARGUMENT for a frame not regularised or rows
 * outside it (or none), MC_ERR_NOMEM; *out is NULL on failure. Reads `frame`
 * only: threads may slice one frame at once.
 */
MC_API mc_status mc_frame_slice(mc_frame **out, const mc_frame *frame, size_t first, size_t rows,
                                mc_error *err);

/** State of one value. */
typedef enum mc_value_state {
    MC_VALUE_OBSERVED = 0,     /**< read from the file */
    MC_VALUE_MISSING = 1,      /**< absent and not filled (NaN) */
    MC_VALUE_INTERPOLATED = 2, /**< filled by linear interpolation */
    MC_VALUE_SEASONAL = 3      /**< filled from one week or one day earlier (or later at the start) */
} mc_value_state;

/*
 * Accessors. `frame` must not be NULL. They only read the frame, so threads
 * may call them at once on a frame that no thread modifies. Pointers and
 * strings returned belong to the frame and stay valid until the frame is
 * regularised or freed; the caller must not free or change them.
 */

/** Where a row of a regularised frame came from: bits of mc_frame_row_flags(). */
typedef enum mc_row_flag {
    MC_ROW_INSERTED = 1, /**< the file had no row at this instant (a gap) */
    MC_ROW_MERGED = 2    /**< several file rows had this instant (merged by the duplicate policy) */
} mc_row_flag;

/** Number of rows. */
MC_API size_t mc_frame_rows(const mc_frame *frame);

/** Number of numeric columns (target first, then covariates). */
MC_API size_t mc_frame_columns(const mc_frame *frame);

/** Name of numeric column `j` as written in the header; NULL if j is out of range. */
MC_API const char *mc_frame_column_name(const mc_frame *frame, size_t j);

/** Name of the time column. */
MC_API const char *mc_frame_time_name(const mc_frame *frame);

/** The time zone given to mc_frame_set_time_zone(), or NULL when none was. */
MC_API const char *mc_frame_time_zone(const mc_frame *frame);

/**
 * Instants of the rows in seconds since 1970-01-01 00:00 UTC. Where the file
 * gives no UTC offset and no time zone was set, the wall-clock time is taken
 * as UTC. Valid until the frame is modified or freed.
 */
MC_API const int64_t *mc_frame_times(const mc_frame *frame);

/**
 * UTC offsets of the rows in minutes (0 where none was written; the zone's
 * after mc_frame_set_time_zone()). The wall-clock time is times[i] + 60 *
 * offsets[i]; calendar features use it.
 */
MC_API const int16_t *mc_frame_utc_offsets(const mc_frame *frame);

/** Values of column `j` (NaN where missing); NULL if j is out of range. */
MC_API const double *mc_frame_values(const mc_frame *frame, size_t j);

/** States of column `j` (mc_value_state as uint8_t); NULL if j is out of range. */
MC_API const uint8_t *mc_frame_states(const mc_frame *frame, size_t j);

/** Step in seconds after regularisation; 0 before. */
MC_API int64_t mc_frame_step(const mc_frame *frame);

/** Per-row mc_row_flag bits (rows), or NULL before mc_frame_regularize(). */
MC_API const uint8_t *mc_frame_row_flags(const mc_frame *frame);

/** What reading and regularising found. Fields are only appended in new versions. */
typedef struct mc_frame_report {
    char delimiter;              /**< the delimiter used */
    size_t file_rows;            /**< data rows read from the file */
    size_t blank_lines;          /**< empty lines skipped */
    bool has_utc_offsets;        /**< timestamps carried Z or +hh:mm, or a time zone was set */
    bool was_sorted;             /**< the file was already in time order */
    size_t duplicate_times;      /**< instants that appeared more than once */
    size_t duplicate_rows;       /**< rows merged away by the duplicate policy */
    size_t off_grid_rows;        /**< rows dropped because they fall between grid points */
    int64_t first_off_grid;      /**< instant of the first such row */
    size_t gap_rows;             /**< rows inserted where the file had no row */
} mc_frame_report;

/** The report; counts of regularisation are zero before mc_frame_regularize(). */
MC_API const mc_frame_report *mc_frame_get_report(const mc_frame *frame);

/** Per-column counts. Fields are only appended in new versions. */
typedef struct mc_column_report {
    size_t missing_in_file;  /**< empty, NA, NaN, null or "-" in the file */
    size_t non_numeric;      /**< unreadable values read as missing under lenient reading */
    size_t interpolated;     /**< values filled by linear interpolation */
    size_t seasonal;         /**< values filled from a week or a day away */
    size_t missing;          /**< values still missing */
} mc_column_report;

/** Counts for column `j`; NULL if j is out of range. */
MC_API const mc_column_report *mc_frame_column_report(const mc_frame *frame, size_t j);

/**
 * Reads holiday dates from the first column of a CSV file with a header
 * ("date,name"; other columns ignored), dates written YYYY-MM-DD, for
 * mc_feature_options.holidays. Stores a malloc'd array of days since
 * 1970-01-01 (sorted, without repeats) in *days and its length in *n; the
 * caller frees it with free(). On failure stores NULL and 0 and returns
 * MC_ERR_IO, MC_ERR_CSV, MC_ERR_TIME or MC_ERR_NOMEM with a message naming
 * the file and line. None of the pointers but `err` may be NULL. Reentrant.
 */
MC_API mc_status mc_holiday_dates_read(const char *path, int64_t **days, size_t *n,
                                       mc_error *err);

/**
 * The dates of a built-in holiday table, by market name: "us", "gb-eng",
 * "au-vic", ... (lower-case ISO 3166 codes, docs/HOLIDAYS.md; the tables are
 * compiled into the library, so no file is read). Each table covers whole
 * years, given by mc_holiday_market_at(): it lists no holiday outside them.
 * Stores the dates as mc_holiday_dates_read() does, and on failure NULL and
 * 0: MC_ERR_ARGUMENT for an unknown name or a NULL `name`, with a message
 * listing the known names, or MC_ERR_NOMEM. `days` and `n` must not be
 * NULL; `err` may be. Reentrant.
 */
MC_API mc_status mc_holiday_market_dates(const char *name, int64_t **days, size_t *n,
                                         mc_error *err);

/**
 * The built-in holiday markets, in name order: the name of market `i`, or
 * NULL when `i` is past the last. Where the pointers are not NULL, stores
 * the region it covers ("Australia: Victoria") and the first and last year
 * of its table. The strings are static (do not free them). Thread-safe.
 */
MC_API const char *mc_holiday_market_at(size_t i, const char **region, int *first_year,
                                        int *last_year);

#ifdef __cplusplus
}
#endif

#endif /* MASKCAST_FRAME_H */
