/* Rolling split-conformal intervals (intervals.h). */
#include "eval/intervals.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "train/bind.h"
#include "train/calibration.h"
#include "train/model_internal.h"

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The first origin after those [0, known) whose targets all lie before
   origin i (origin j's last target row is origin[j] + gap + H - 1). */
static size_t known_before(size_t known, size_t i, const size_t *origin, size_t gap, size_t H)
{
    while (known < i && origin[known] + gap + H <= origin[i])
        known++;
    return known;
}

/* The residuals actual - forecast of step k at origins [from, known), the
   forecast of origin j being forecast[(j * H + k) * stride]; NANs skipped;
   sorted into e. Their count. */
static size_t sorted_residuals(double *e, const double *actual, const double *forecast,
                               size_t stride, size_t from, size_t known, size_t H, size_t k)
{
    size_t m = 0;
    for (size_t j = from; j < known; j++) {
        const double r = actual[j * H + k] - forecast[(j * H + k) * stride];
        if (!isnan(r))
            e[m++] = r;
    }
    qsort(e, m, sizeof *e, by_value);
    return m;
}

mc_status mc_rolling_intervals(double *lower, double *upper, const double *actual,
                               const double *point, const size_t *origin, size_t gap, size_t n,
                               size_t H, const double *levels, size_t L, size_t window,
                               mc_error *err)
{
    double *e = mc_realloc_array(NULL, window ? window : 1, sizeof *e);
    if (e == NULL)
        return mc_error_nomem(err, "the prediction intervals");
    size_t known = 0;
    for (size_t i = 0; i < n; i++) {
        known = known_before(known, i, origin, gap, H);
        const size_t from = known > window ? known - window : 0;
        for (size_t k = 0; k < H; k++) {
            const size_t m = sorted_residuals(e, actual, point, 1, from, known, H, k);
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
                                          size_t gap, size_t n, size_t H,
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
    size_t known = 0;
    for (size_t i = 0; i < n; i++) {
        known = known_before(known, i, origin, gap, H);
        const size_t from = known > window ? known - window : 0;
        for (size_t k = 0; k < H; k++) {
            double *out = q + (i * H + k) * Q;
            for (size_t l = 0; l < Q; l++) {
                const size_t m = sorted_residuals(e, actual, raw + l, Q, from, known, H, k);
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

mc_status mc_history_interval_offsets(const mc_model *m, const mc_frame *history, size_t stride,
                                      size_t window, const double *levels, size_t L,
                                      double *lower, double *upper, size_t *used,
                                      size_t *earliest, mc_error *err)
{
    const size_t lookback = m->shape.lookback, H = m->shape.horizon, Q = m->shape.quantiles;
    *used = *earliest = 0;
    if (stride == 0 || window == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "a stride and a window of at least 1");
    size_t origin = mc_frame_rows(history);
    while (origin > 0 && mc_frame_states(history, 0)[origin - 1] != MC_VALUE_OBSERVED)
        origin--;
    /* the origins on the grid origin - j * stride, j >= 1, whose whole horizon
       lies before the origin (j * stride >= H): the latest `window` of them */
    const size_t first_back = (H + stride - 1) / stride * stride;
    size_t n = 0;
    while (n < window && origin >= lookback && first_back + n * stride <= origin - lookback)
        n++;
    if (n == 0)
        return mc_error_set(err, MC_ERR_EMPTY, 0, 0,
                            "the history holds no earlier forecast to learn the errors from: it "
                            "needs the lookback (%zu rows) and a horizon (%zu) before the last "
                            "observed load, and has %zu rows up to it",
                            lookback, H, origin);
    mc_bound b;
    mc_status st = mc_model_bind_history(&b, m, history, err);
    if (st != MC_OK)
        return st;
    size_t *origins = mc_realloc_array(NULL, n, sizeof *origins);
    double *out = mc_realloc_array(NULL, n, H * Q * sizeof *out);
    double *e = mc_realloc_array(NULL, n, sizeof *e);
    if (origins == NULL || out == NULL || e == NULL)
        st = mc_error_nomem(err, "the prediction intervals");
    for (size_t i = 0; st == MC_OK && i < n; i++)
        origins[i] = origin - first_back - (n - 1 - i) * stride; /* increasing */
    if (st == MC_OK)
        st = mc_model_predict(m, &b.series, origins, n, out, NULL, err);
    for (size_t k = 0; st == MC_OK && k < H; k++) {
        const size_t cnt = mc_step_errors(e, m, &b.series, origins, n, out, k);
        for (size_t l = 0; l < L; l++) {
            size_t lo, hi;
            const bool ok = mc_conformal_ranks(cnt, levels[l], &lo, &hi);
            lower[k * L + l] = ok ? e[lo - 1] : NAN;
            upper[k * L + l] = ok ? e[hi - 1] : NAN;
        }
    }
    if (st == MC_OK) {
        *used = n;
        *earliest = origins[0];
    }
    free(origins);
    free(out);
    free(e);
    mc_bound_free(&b);
    return st;
}
