/* Building a frame from the caller's arrays: the same frame the CSV loader
   builds from the equivalent file, so regularisation, training and
   forecasting cannot tell the two apart. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "data/frame_internal.h"
#include "data/timestamp.h"

/* Messages name the data this way; positions count rows from 1. */
#define SOURCE "arrays"

enum { MAX_OFFSET_MINUTES = 18 * 60 + 59 }; /* the widest offset a CSV timestamp may carry */

static mc_status check_names(const char *const *names, size_t n_columns, mc_error *err)
{
    for (size_t j = 0; j < n_columns; j++) {
        if (names[j] == NULL || names[j][0] == '\0')
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, j + 1,
                                SOURCE ": column %zu has no name", j + 1);
        for (size_t k = 0; k < j; k++)
            if (strcmp(names[k], names[j]) == 0) {
                char q[MC_ERROR_NAME_SIZE];
                return mc_error_set(err, MC_ERR_COLUMN, 0, j + 1,
                                    SOURCE ": columns %zu and %zu are both named \"%s\"", k + 1,
                                    j + 1, mc_error_name(q, names[j]));
            }
    }
    return MC_OK;
}

/* Wall-clock times must lie in years 1 to 9999, as in a CSV file, so that
   calendar arithmetic and differences between rows cannot overflow. */
static mc_status check_times(const int64_t *times, const int16_t *offsets, size_t rows,
                             mc_error *err)
{
    const int64_t lo = mc_days_from_civil(1, 1, 1) * 86400;
    const int64_t hi = mc_days_from_civil(10000, 1, 1) * 86400;
    for (size_t i = 0; i < rows; i++) {
        const int offset = offsets != NULL ? offsets[i] : 0;
        if (offset < -MAX_OFFSET_MINUTES || offset > MAX_OFFSET_MINUTES)
            return mc_error_set(err, MC_ERR_TIME, i + 1, 0,
                                SOURCE ": row %zu: UTC offset %d minutes is out of range "
                                "(at most 18:59 either way)",
                                i + 1, offset);
        if (times[i] < lo - 60 * MAX_OFFSET_MINUTES || times[i] >= hi + 60 * MAX_OFFSET_MINUTES ||
            times[i] + 60 * (int64_t)offset < lo || times[i] + 60 * (int64_t)offset >= hi)
            return mc_error_set(err, MC_ERR_TIME, i + 1, 0,
                                SOURCE ": row %zu: time %lld s is outside the years 1 to 9999",
                                i + 1, (long long)times[i]);
    }
    return MC_OK;
}

static mc_status check_arguments(mc_frame **out, const int64_t *times, size_t rows,
                                 const char *const *names, const double *const *columns,
                                 size_t n_columns, mc_error *err)
{
    if (out == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, SOURCE ": no place to store the frame");
    *out = NULL;
    if (rows == 0)
        return mc_error_set(err, MC_ERR_EMPTY, 0, 0, SOURCE ": no rows");
    if (times == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, SOURCE ": no times");
    if (n_columns == 0 || names == NULL || columns == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            SOURCE ": no columns; the load (column 1) is needed");
    for (size_t j = 0; j < n_columns; j++)
        if (columns[j] == NULL)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, j + 1,
                                SOURCE ": column %zu has no values", j + 1);
    return MC_OK;
}

/* Copies column j; NaN is missing, an infinity or a magnitude beyond
   MC_VALUE_MAX_MAGNITUDE is refused as a CSV file's "inf" or "1e308" would be. */
static mc_status copy_column(mc_frame *f, size_t j, const double *v, size_t rows, mc_error *err)
{
    for (size_t i = 0; i < rows; i++) {
        if (fabs(v[i]) > MC_VALUE_MAX_MAGNITUDE) { /* false for NaN */
            char q[MC_ERROR_NAME_SIZE];
            return mc_error_set(err, MC_ERR_VALUE, i + 1, j + 1,
                                SOURCE ": row %zu, column \"%s\": %+g is not a number a load "
                                "series can hold (beyond 1e100); use NaN for a missing value",
                                i + 1, mc_error_name(q, f->names[j]), v[i]);
        }
        f->values[j][i] = isnan(v[i]) ? NAN : v[i];
        f->states[j][i] = isnan(v[i]) ? MC_VALUE_MISSING : MC_VALUE_OBSERVED;
        if (isnan(v[i]))
            f->column_reports[j].missing_in_file++;
    }
    return MC_OK;
}

mc_status mc_frame_from_arrays(mc_frame **out, const int64_t *times, const int16_t *utc_offsets,
                               size_t rows, const char *const *names,
                               const double *const *columns, size_t n_columns, mc_error *err)
{
    mc_status st = check_arguments(out, times, rows, names, columns, n_columns, err);
    if (st != MC_OK)
        return st;
    if ((st = check_names(names, n_columns, err)) != MC_OK ||
        (st = check_times(times, utc_offsets, rows, err)) != MC_OK)
        return st;
    mc_frame *f = mc_frame_alloc(SOURCE, "time", names, n_columns);
    /* Row 1 at "line" 1: the regulariser's messages then give row numbers. */
    if (f == NULL || !mc_frame_reserve(f, rows) || !mc_frame_mark_line(f, 0, 1)) {
        mc_frame_free(f);
        return mc_error_nomem(err, "copying the arrays");
    }
    memcpy(f->time, times, rows * sizeof *f->time);
    for (size_t i = 0; i < rows; i++)
        f->offset[i] = utc_offsets != NULL ? utc_offsets[i] : 0;
    for (size_t j = 0; j < n_columns; j++)
        if ((st = copy_column(f, j, columns[j], rows, err)) != MC_OK) {
            mc_frame_free(f);
            return st;
        }
    mc_frame_shrink(f, rows);
    f->report.file_rows = rows;
    f->report.has_utc_offsets = utc_offsets != NULL;
    *out = f;
    if (err != NULL)
        mc_error_clear(err);
    return MC_OK;
}
