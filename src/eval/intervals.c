/* Rolling split-conformal intervals (intervals.h). */
#include "eval/intervals.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "train/calibration.h"

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

mc_status mc_rolling_intervals(double *lower, double *upper, const double *actual,
                               const double *point, const size_t *origin,
                               const size_t *first_target, size_t n, size_t H,
                               const double *levels, size_t L, size_t window, mc_error *err)
{
    double *e = mc_realloc_array(NULL, window ? window : 1, sizeof *e);
    if (e == NULL)
        return mc_error_nomem(err, "the prediction intervals");
    size_t known = 0; /* origins [0, known) have every target before origin i */
    for (size_t i = 0; i < n; i++) {
        while (known < i && first_target[known] + H <= origin[i])
            known++;
        const size_t from = known > window ? known - window : 0;
        for (size_t k = 0; k < H; k++) {
            size_t m = 0;
            for (size_t j = from; j < known; j++) {
                const double r = actual[j * H + k] - point[j * H + k];
                if (!isnan(r))
                    e[m++] = r;
            }
            qsort(e, m, sizeof *e, by_value);
            const double p = point[i * H + k];
            for (size_t l = 0; l < L; l++) {
                size_t lo_rank, hi_rank;
                const bool ok = mc_conformal_ranks(m, levels[l], &lo_rank, &hi_rank) && !isnan(p);
                const size_t at = (i * H + k) * L + l;
                lower[at] = ok ? p + e[lo_rank - 1] : NAN;
                upper[at] = ok ? p + e[hi_rank - 1] : NAN;
            }
        }
    }
    free(e);
    return MC_OK;
}

mc_status mc_rolling_quantile_calibration(double *q, const double *actual, const size_t *origin,
                                          const size_t *first_target, size_t n, size_t H,
                                          const double *levels, size_t Q, size_t window,
                                          mc_error *err)
{
    const size_t cells = n * H * Q;
    double *raw = mc_realloc_array(NULL, cells ? cells : 1, sizeof *raw);
    double *e = mc_realloc_array(NULL, window ? window : 1, sizeof *e);
    if (raw == NULL || e == NULL) {
        free(raw);
        free(e);
        return mc_error_nomem(err, "calibrating the quantiles");
    }
    memcpy(raw, q, cells * sizeof *raw);
    size_t known = 0; /* origins [0, known) have every target before origin i */
    for (size_t i = 0; i < n; i++) {
        while (known < i && first_target[known] + H <= origin[i])
            known++;
        const size_t from = known > window ? known - window : 0;
        for (size_t k = 0; k < H; k++) {
            double *out = q + (i * H + k) * Q;
            for (size_t l = 0; l < Q; l++) {
                size_t m = 0;
                for (size_t j = from; j < known; j++) {
                    const double r = actual[j * H + k] - raw[(j * H + k) * Q + l];
                    if (!isnan(r))
                        e[m++] = r;
                }
                qsort(e, m, sizeof *e, by_value);
                double at = (double)(m + 1) * levels[l]; /* 1-based, interpolated */
                if (fabs(at - round(at)) < 1e-9 * (double)(m + 1))
                    at = round(at); /* 0.1 x 90 is 9, not 9.000000000000002 */
                if (at >= 1.0 && at <= (double)m) {
                    const size_t r = (size_t)floor(at);
                    const double frac = at - (double)r;
                    const double shift = r < m ? e[r - 1] + frac * (e[r] - e[r - 1]) : e[m - 1];
                    out[l] = raw[(i * H + k) * Q + l] + shift;
                }
            }
            qsort(out, Q, sizeof *out, by_value);
        }
    }
    free(raw);
    free(e);
    return MC_OK;
}

double mc_interval_score(double lo, double hi, double y, double level)
{
    const double alpha = 1.0 - level;
    double s = hi - lo;
    if (y < lo)
        s += 2.0 / alpha * (lo - y);
    else if (y > hi)
        s += 2.0 / alpha * (y - hi);
    return s;
}
