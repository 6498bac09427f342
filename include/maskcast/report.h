/**
 * @file maskcast/report.h
 * @brief The data of a report: what `maskcast report` draws, as JSON.
 *
 * A report is a header and a list of sections, one per result added
 * (a forecast, a backtest, an explanation, anomaly scores, a frame's
 * description). mc_report_json() writes it as one JSON text whose layout
 * docs/REPORT.md specifies; the command line puts that text into an HTML
 * page that draws it. Building a report only reads the results added, and
 * copies what it needs from them: they may be freed afterwards.
 */
#ifndef MASKCAST_REPORT_H
#define MASKCAST_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "maskcast/backtest.h"
#include "maskcast/explain.h"
#include "maskcast/frame.h"
#include "maskcast/model.h"
#include "maskcast/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a report is about, for its header. Every member may be NULL (0). */
typedef struct mc_report_header {
    const char *command;              /**< the command line that made it */
    const char *data_file;            /**< the data read */
    const char *model_file;           /**< the model file read or written */
    const char *time_column;          /**< the time column's name */
    const char *target;               /**< the load column's name */
    const char *const *columns;       /**< the other columns used */
    size_t n_columns;                 /**< entries in columns */
    const mc_model *model;            /**< what training kept, the window and the quantiles */
} mc_report_header;

/** A report being built. Opaque. */
typedef struct mc_report mc_report;

/**
 * Creates a report with the header `h` (copied; NULL for an empty header)
 * into *out, which the caller frees with mc_report_free(). MC_ERR_ARGUMENT
 * for a NULL `out`, MC_ERR_NOMEM. Stores NULL in *out on failure.
 */
MC_API mc_status mc_report_create(mc_report **out, const mc_report_header *h, mc_error *err);

/** Frees a report. NULL is a no-op. */
MC_API void mc_report_free(mc_report *r);

/**
 * @name Adding sections
 * Each call appends one section. On failure the report is as it was
 * before the call. `r` and the results must not be NULL (MC_ERR_ARGUMENT).
 */
/** @{ */

/**
 * A forecast: `history_rows` rows of load in `history` (column 0, a
 * regularised frame; at least 1 and at most the frame's rows, fewer shown
 * when the load's last observed value comes earlier) up to that value, with the filled values marked, and the forecast
 * `values` (H x Q, as mc_model_forecast() writes it from that history) at the
 * instants `times` (H) of `model`. MC_ERR_EMPTY when no load is observed.
 */
MC_API mc_status mc_report_add_forecast(mc_report *r, const mc_model *model,
                                        const mc_frame *history, size_t history_rows,
                                        const int64_t *times, const double *values,
                                        mc_error *err);

/**
 * A backtest of the load in `frame` (column 0; the frame the backtest ran
 * on): the metrics of every method, by step, by hour of day and by weekday,
 * actual against maskcast and the best baseline over the test span, the ten
 * worst days, and for quantile models the reliability of each quantile.
 */
MC_API mc_status mc_report_add_backtest(mc_report *r, const mc_backtest *b, const mc_frame *frame,
                                        mc_error *err);

/** An explanation: the importance of each input group by horizon step, and the
    temporal attention by step and lag where the model has it. */
MC_API mc_status mc_report_add_explanation(mc_report *r, const mc_explanation *x,
                                           mc_error *err);

/**
 * Anomaly scores of the load in `history` (column 0, the frame scored):
 * the load, the lowest mask weight of each row, the rows scoring at least
 * `threshold`, and `recorded` (rows, 1 inside a recorded anomaly; may be
 * NULL), as mc_anomalies_compare() fills it.
 */
MC_API mc_status mc_report_add_anomalies(mc_report *r, const mc_anomalies *a,
                                         const mc_frame *history, double threshold,
                                         const uint8_t *recorded, mc_error *err);

/** A regularised frame's description: every column with its inserted rows,
    filled values, merged duplicates and suspicious values. */
MC_API mc_status mc_report_add_description(mc_report *r, const mc_frame *frame, mc_error *err);

/** @} */

/**
 * The report as one JSON text (docs/REPORT.md), NUL-terminated, with every
 * "<" written "\u003c" so that the text can sit inside an HTML script element.
 * The text belongs to the report and stays valid until the next call on it
 * or mc_report_free(). NULL on allocation failure (`err` says so).
 */
MC_API const char *mc_report_json(mc_report *r, mc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MASKCAST_REPORT_H */
