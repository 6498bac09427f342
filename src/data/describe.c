/* Column summaries: range, counts, and outliers against a rolling median. */
#include "maskcast/describe.h"

#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "common/gsl_quiet.h"
#include "data/frame_internal.h"

enum {
    HALF_WINDOW = 3, /* neighbours on each side */
    MAX_REACH = 5    /* rows searched on each side: neighbours must be near */
};

/* 1.4826 * MAD estimates the standard deviation of normal data. */
#define MAD_TO_SD 1.4826

/* With independent noise of variance s^2, v minus the median of 6
   neighbours has a variance of about (1 + pi/12) s^2. */
#define MEDIAN_RESIDUAL_VARIANCE 1.2617993877991494

/* The robust SD is at least this fraction of the series' scale (see
   series_scale): on a smooth or constant series most residuals are zero up
   to rounding, and their MAD is the rounding of the written values or of
   double arithmetic (2.6e-15 on a sine written with 3 decimals), not noise. */
#define SPREAD_FLOOR 1e-3


static double small_median(double *w, size_t n)
{
    for (size_t i = 1; i < n; i++) { /* insertion sort: n <= 2 * HALF_WINDOW */
        double x = w[i];
        size_t k = i;
        for (; k > 0 && w[k - 1] > x; k--)
            w[k] = w[k - 1];
        w[k] = x;
    }
    return n % 2 ? w[n / 2] : 0.5 * (w[n / 2 - 1] + w[n / 2]);
}

/* The nearest observed rows on one side of i (dir -1 or +1), at most `want`. */
static size_t nearest_observed(const uint8_t *state, size_t n, size_t i, int dir, size_t want,
                               size_t *rows)
{
    size_t got = 0;
    for (size_t d = 1; d <= MAX_REACH && got < want; d++) {
        if (dir < 0 ? d > i : i + d >= n)
            break;
        const size_t r = dir < 0 ? i - d : i + d;
        if (state[r] == MC_VALUE_OBSERVED)
            rows[got++] = r;
    }
    return got;
}

/*
 * Distance of value i from what its observed neighbours predict, itself left
 * out: the median of the HALF_WINDOW nearest on each side (within MAX_REACH
 * rows), so on a smooth ramp the neighbours' midpoint and only a value that
 * breaks the local shape stands out. Where one side has fewer (the ends of
 * the series, the edge of a long gap), the line through the two nearest on
 * the other side: a one-sided median would take the end of a ramp for an
 * outlier. NAN (not scored) without even that. Filled values never count.
 */
static double rolling_residual(const double *v, const uint8_t *state, size_t n, size_t i)
{
    size_t left[HALF_WINDOW], right[HALF_WINDOW];
    const size_t nl = nearest_observed(state, n, i, -1, HALF_WINDOW, left);
    const size_t nr = nearest_observed(state, n, i, +1, HALF_WINDOW, right);
    if (nl == HALF_WINDOW && nr == HALF_WINDOW) {
        double w[2 * HALF_WINDOW];
        for (size_t k = 0; k < HALF_WINDOW; k++) {
            w[k] = v[left[k]];
            w[HALF_WINDOW + k] = v[right[k]];
        }
        return v[i] - small_median(w, 2 * HALF_WINDOW);
    }
    const size_t *side = nr >= 2 ? right : nl >= 2 ? left : NULL;
    if (side == NULL)
        return NAN;
    const double d1 = fabs((double)side[0] - (double)i), d2 = fabs((double)side[1] - (double)i);
    const double b = d1 / (d2 - d1), a = 1.0 + b;
    const double predicted = a * v[side[0]] - b * v[side[1]];
    /* v - a v0 + b v1 has noise variance (1 + a^2 + b^2) s^2: scaled to the
       two-sided residual's, noise alone scores alike at the edges and inside. */
    return (v[i] - predicted) / sqrt((1.0 + a * a + b * b) / MEDIAN_RESIDUAL_VARIANCE);
}

/* Keeps the MC_SUMMARY_EXAMPLES highest scores, highest first. */
static void keep_example(mc_column_summary *s, size_t row, double score)
{
    size_t k = s->n_examples < MC_SUMMARY_EXAMPLES ? s->n_examples++ : MC_SUMMARY_EXAMPLES;
    if (k == MC_SUMMARY_EXAMPLES) {
        if (score <= s->example_scores[k - 1])
            return;
        k--;
    }
    for (; k > 0 && s->example_scores[k - 1] < score; k--) {
        s->example_scores[k] = s->example_scores[k - 1];
        s->example_rows[k] = s->example_rows[k - 1];
    }
    s->example_scores[k] = score;
    s->example_rows[k] = row;
}

static void basic_stats(const mc_frame *f, size_t j, double *scratch, mc_column_summary *s)
{
    const double *v = f->values[j];
    const uint8_t *state = f->states[j];
    double sum = 0.0;
    s->min = INFINITY;
    s->max = -INFINITY;
    for (size_t i = 0; i < f->rows; i++) {
        if (state[i] != MC_VALUE_OBSERVED)
            continue;
        scratch[s->observed++] = v[i];
        sum += v[i];
        s->min = fmin(s->min, v[i]);
        s->max = fmax(s->max, v[i]);
        s->zeros += v[i] == 0.0;
        s->negatives += v[i] < 0.0;
    }
    if (s->observed == 0) {
        s->min = s->max = s->mean = s->median = NAN;
        return;
    }
    s->mean = sum / (double)s->observed;
    s->median = gsl_stats_median(scratch, 1, s->observed);
}

/* The larger of the interquartile range and the median absolute value of
   the n observed values in `obs` (reordered); when both are zero (a column
   of zeros but for a few values), the largest absolute value. */
static double series_scale(double *obs, size_t n)
{
    if (n == 0)
        return 0.0;
    gsl_sort(obs, 1, n);
    const double iqr = gsl_stats_quantile_from_sorted_data(obs, 1, n, 0.75) -
                       gsl_stats_quantile_from_sorted_data(obs, 1, n, 0.25);
    const double largest = fmax(fabs(obs[0]), fabs(obs[n - 1]));
    for (size_t i = 0; i < n; i++)
        obs[i] = fabs(obs[i]);
    const double scale = fmax(iqr, gsl_stats_median(obs, 1, n));
    return scale > 0.0 ? scale : largest;
}

/* Whether the column is a 0/1 flag (holiday, workday) whose rarer value
   never stands alone between observed neighbours of the other: it changes
   in steps, and its steps are not suspicious. A lone value in a flag, and a
   drop-out or stuck run in a constant column of any other values, are. */
static bool steps_of_a_flag(const double *v, const uint8_t *state, size_t n, double lo, double hi)
{
    if (lo != 0.0 || hi != 1.0)
        return false;
    size_t n_lo = 0, n_hi = 0;
    for (size_t i = 0; i < n; i++)
        if (state[i] == MC_VALUE_OBSERVED) {
            if (v[i] != lo && v[i] != hi)
                return false;
            n_lo += v[i] == lo;
            n_hi += v[i] == hi;
        }
    if (n_lo == 0 || n_hi == 0)
        return false;
    const double rare = n_lo < n_hi ? lo : hi;
    for (size_t i = 0; i < n; i++) {
        if (state[i] != MC_VALUE_OBSERVED || v[i] != rare)
            continue;
        size_t before, after;
        const bool same_before = nearest_observed(state, n, i, -1, 1, &before) == 1 &&
                                 v[before] == rare;
        const bool same_after = nearest_observed(state, n, i, +1, 1, &after) == 1 &&
                                v[after] == rare;
        if (!same_before && !same_after)
            return false;
    }
    return true;
}

static mc_status describe(const mc_frame *f, size_t j, mc_column_summary *out, size_t *rows,
                          mc_error *err)
{
    if (j >= f->n_columns)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "column %zu does not exist", j);
    mc_gsl_quiet();
    mc_column_summary s;
    memset(&s, 0, sizeof s);
    const size_t n = f->rows;
    double *resid = mc_realloc_array(NULL, n, sizeof *resid);
    double *scratch = mc_realloc_array(NULL, n, sizeof *scratch);
    if (resid == NULL || scratch == NULL) {
        free(resid);
        free(scratch);
        return mc_error_nomem(err, "summarising a column");
    }
    basic_stats(f, j, scratch, &s);
    const double scale = series_scale(scratch, s.observed);

    /* Residuals of observed values from their rolling median, and their spread. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        resid[i] = f->states[j][i] == MC_VALUE_OBSERVED
                       ? rolling_residual(f->values[j], f->states[j], n, i)
                       : NAN;
        if (!isnan(resid[i]))
            scratch[m++] = resid[i];
    }
    if (m > 0 && !steps_of_a_flag(f->values[j], f->states[j], n, s.min, s.max)) {
        const double centre = gsl_stats_median(scratch, 1, m);
        for (size_t k = 0, i = 0; i < n; i++)
            if (!isnan(resid[i]))
                scratch[k++] = fabs(resid[i] - centre);
        /* Floored: a spread below SPREAD_FLOOR of the scale is rounding, not noise. */
        s.robust_sd = fmax(MAD_TO_SD * gsl_stats_median(scratch, 1, m), SPREAD_FLOOR * scale);
        for (size_t i = 0; s.robust_sd > 0.0 && i < n; i++) {
            if (isnan(resid[i]))
                continue;
            double score = fabs(resid[i] - centre) / s.robust_sd;
            if (score > MC_OUTLIER_SIGMAS) {
                if (rows != NULL)
                    rows[s.outliers] = i;
                s.outliers++;
                keep_example(&s, i, score);
            }
        }
    }
    free(resid);
    free(scratch);
    *out = s;
    return MC_OK;
}

mc_status mc_frame_describe_column(const mc_frame *f, size_t j, mc_column_summary *out,
                                   mc_error *err)
{
    return describe(f, j, out, NULL, err);
}

mc_status mc_frame_describe_column_rows(const mc_frame *f, size_t j, mc_column_summary *out,
                                        size_t *rows, mc_error *err)
{
    if (rows == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "no room for the outliers' rows");
    return describe(f, j, out, rows, err);
}
