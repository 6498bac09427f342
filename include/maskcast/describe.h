/**
 * @file maskcast/describe.h
 * @brief A column summary for people: counts, range, and the
 * values that look suspicious for a load series.
 */
#ifndef MASKCAST_DESCRIBE_H
#define MASKCAST_DESCRIBE_H

#include <stddef.h>

#include "maskcast/frame.h"
#include "maskcast/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How many of the most extreme suspicious values a summary lists. */
#define MC_SUMMARY_EXAMPLES 5

/**
 * Summary of one column. Statistics are over observed values only. A value
 * is an outlier when its distance from what its observed neighbours predict
 * exceeds `MC_OUTLIER_SIGMAS` robust standard deviations: 1.4826 times the
 * median absolute deviation of those distances over the whole column, but
 * at least 1/1000 of the column's scale (the larger of the interquartile
 * range and the median absolute value of its observed values, or their
 * largest absolute value when both are 0), since on a
 * smooth or constant series that median deviation is only rounding. The
 * prediction is the median of the 3 nearest observed values on each side
 * (within 5 rows, itself left out), or, where one side has fewer (the ends
 * of a series, the edges of long gaps), the line through the 2 nearest on
 * the other side. Spikes, drop-outs and short stuck runs stand out; smooth
 * series and daily ramps do not; a constant series flags its spike (a
 * column of zeros too: its scale is then its largest absolute value). A 0/1
 * column whose rarer value never stands alone (a holiday or workday flag)
 * changes in steps and reports no outliers.
 */
#define MC_OUTLIER_SIGMAS 6.0

/** A summary of one column, from mc_frame_describe_column(). */
typedef struct mc_column_summary {
    size_t observed;   /**< values read from the file */
    double min;        /**< of the observed values */
    double max;        /**< of the observed values */
    double mean;       /**< of the observed values */
    double median;     /**< of the observed values */
    size_t zeros;      /**< observed values equal to 0 */
    size_t negatives;  /**< observed values below 0 */
    size_t outliers;   /**< observed values beyond MC_OUTLIER_SIGMAS robust SDs */
    double robust_sd;  /**< the robust standard deviation used (floored as above) */
    size_t n_examples;                       /**< entries used in example_rows */
    size_t example_rows[MC_SUMMARY_EXAMPLES];/**< rows of the most extreme outliers */
    double example_scores[MC_SUMMARY_EXAMPLES]; /**< their distances in robust SDs */
} mc_column_summary;

/**
 * Summarises column `j` of `frame` into `out`. Works on any frame, though
 * the rolling median is meaningful after mc_frame_regularize(). Allocates
 * scratch memory of a few values per row and frees it before returning.
 * Returns MC_ERR_ARGUMENT if `j` is out of range, MC_ERR_NOMEM on allocation
 * failure; `out` is filled only on MC_OK. `frame` and `out` must not be NULL;
 * `err` may be. Reads the frame only: threads may describe one frame at once
 * while no thread modifies it.
 */
MC_API mc_status mc_frame_describe_column(const mc_frame *frame, size_t j, mc_column_summary *out,
                                          mc_error *err);

/**
 * As mc_frame_describe_column(), and writes the row of every outlier, in
 * row order, into `rows` (room for mc_frame_rows(frame) entries, not NULL:
 * MC_ERR_ARGUMENT); out->outliers of them are written.
 */
MC_API mc_status mc_frame_describe_column_rows(const mc_frame *frame, size_t j,
                                               mc_column_summary *out, size_t *rows,
                                               mc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MASKCAST_DESCRIBE_H */
