/* Column summaries: range, counts, and outliers against a rolling median. */
#include "maskcast/describe.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "common/gsl_quiet.h"
#include "data/frame_internal.h"

enum { HALF_WINDOW = 3 }; /* the 3 values on each side */

/* 1.4826 * MAD estimates the standard deviation of normal data. */
#define MAD_TO_SD 1.4826

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

/* Distance of value i from the median of the known values around it, itself
   left out: on a smooth ramp that median is the neighbours' midpoint, so only
   a value that breaks the local shape stands out. */
static double rolling_residual(const double *v, size_t n, size_t i)
{
    double w[2 * HALF_WINDOW];
    size_t m = 0;
    size_t lo = i >= HALF_WINDOW ? i - HALF_WINDOW : 0;
    size_t hi = i + HALF_WINDOW < n ? i + HALF_WINDOW : n - 1;
    for (size_t k = lo; k <= hi; k++)
        if (k != i && !isnan(v[k]))
            w[m++] = v[k];
    return m > 0 ? v[i] - small_median(w, m) : 0.0;
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

mc_status mc_frame_describe_column(const mc_frame *f, size_t j, mc_column_summary *out,
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

    /* Residuals of observed values from their rolling median, and their spread. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (f->states[j][i] == MC_VALUE_OBSERVED)
            scratch[m++] = resid[i] = rolling_residual(f->values[j], n, i);
    if (m > 0) {
        const double centre = gsl_stats_median(scratch, 1, m);
        for (size_t k = 0, i = 0; i < n; i++)
            if (f->states[j][i] == MC_VALUE_OBSERVED)
                scratch[k++] = fabs(resid[i] - centre);
        s.robust_sd = MAD_TO_SD * gsl_stats_median(scratch, 1, m);
        for (size_t i = 0; s.robust_sd > 0.0 && i < n; i++) {
            if (f->states[j][i] != MC_VALUE_OBSERVED)
                continue;
            double score = fabs(resid[i] - centre) / s.robust_sd;
            if (score > MC_OUTLIER_SIGMAS) {
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
