/* Rolling split-conformal intervals against a twin written from their
   definition: the eligible origins found by a scan, the errors sorted by
   insertion, the ranks counted out. */
#include "test_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "eval/intervals.h"

enum { N = 60, H = 5, L = 3, WINDOW = 17 };

static const double LEVELS[L] = {0.5, 0.8, 0.95};

/* The definition, literally. */
static void twin(double *lower, double *upper, const double *actual, const double *point,
                 const size_t *origin, const size_t *first, size_t window)
{
    double e[N];
    for (size_t i = 0; i < N; i++) {
        size_t eligible[N], n_el = 0;
        for (size_t j = 0; j < N; j++)
            if (first[j] + H - 1 < origin[i])
                eligible[n_el++] = j;
        const size_t from = n_el > window ? n_el - window : 0;
        for (size_t k = 0; k < H; k++) {
            size_t m = 0;
            for (size_t t = from; t < n_el; t++) {
                const double r = actual[eligible[t] * H + k] - point[eligible[t] * H + k];
                if (isnan(r))
                    continue;
                size_t at = m++;
                while (at > 0 && e[at - 1] > r) {
                    e[at] = e[at - 1];
                    at--;
                }
                e[at] = r;
            }
            for (size_t l = 0; l < L; l++) {
                /* in whole numbers: the level in thousandths, a = (1000 - p) / 2000 */
                const long p = lround(LEVELS[l] * 1000.0), n = (long)m + 1;
                const long lo = n * (1000 - p) / 2000;
                const long hi = (n * (1000 + p) + 1999) / 2000;
                const size_t at = (i * H + k) * L + l;
                const bool ok = lo >= 1 && hi <= (long)m;
                lower[at] = ok ? point[i * H + k] + e[lo - 1] : NAN;
                upper[at] = ok ? point[i * H + k] + e[hi - 1] : NAN;
            }
        }
    }
}

static void test_against_twin(void **state)
{
    (void)state;
    double actual[N * H], point[N * H];
    size_t origin[N], first[N];
    /* Origins a step or two apart, forecasting from a gap of 1: several are
       pending (targets not yet observed) at each origin. */
    size_t row = 30;
    for (size_t i = 0; i < N; i++) {
        origin[i] = row;
        first[i] = row + 1;
        row += 1 + (i % 2);
        for (size_t k = 0; k < H; k++) {
            actual[i * H + k] = 100.0 + test_uniform(-10.0f, 10.0f);
            point[i * H + k] = 100.0 + test_uniform(-10.0f, 10.0f);
        }
    }
    actual[7 * H + 2] = NAN; /* an unobserved target is no error */
    for (size_t window = 1; window <= N; window += WINDOW) {
        double lo[N * H * L], hi[N * H * L], tlo[N * H * L], thi[N * H * L];
        assert_int_equal(mc_rolling_intervals(lo, hi, actual, point, origin, 1, N, H, LEVELS,
                                              L, window, NULL),
                         MC_OK);
        twin(tlo, thi, actual, point, origin, first, window);
        size_t with = 0;
        for (size_t i = 0; i < N * H * L; i++) {
            assert_true(isnan(lo[i]) == isnan(tlo[i]) && isnan(hi[i]) == isnan(thi[i]));
            if (!isnan(lo[i])) {
                assert_true(lo[i] == tlo[i] && hi[i] == thi[i]);
                assert_true(lo[i] <= hi[i]);
                with++;
            }
        }
        /* Past the first origins, a window of 18 or more holds enough errors. */
        if (window >= 18)
            assert_true(with > N * H * L / 2);
    }
}

enum { Q = 3 };
static const double QLEVELS[Q] = {0.1, 0.5, 0.9};

/* Quantile calibration, literally: the eligible origins by a scan, each
   level's residuals against the given forecasts sorted by insertion, the
   position (m + 1) t in whole tenths, interpolated, then each (i, k) sorted. */
static void quantile_twin(double *out, const double *q, const double *actual,
                          const size_t *origin, const size_t *first, size_t window)
{
    double e[N];
    for (size_t i = 0; i < N; i++) {
        size_t eligible[N], n_el = 0;
        for (size_t j = 0; j < N; j++)
            if (first[j] + H - 1 < origin[i])
                eligible[n_el++] = j;
        const size_t from = n_el > window ? n_el - window : 0;
        for (size_t k = 0; k < H; k++) {
            double *o = out + (i * H + k) * Q;
            for (size_t l = 0; l < Q; l++) {
                size_t m = 0;
                for (size_t t = from; t < n_el; t++) {
                    const size_t at = (eligible[t] * H + k) * Q + l;
                    const double r = actual[eligible[t] * H + k] - q[at];
                    if (isnan(r))
                        continue;
                    size_t pos = m++;
                    while (pos > 0 && e[pos - 1] > r) {
                        e[pos] = e[pos - 1];
                        pos--;
                    }
                    e[pos] = r;
                }
                /* the position (m + 1) t in tenths: whole part and remainder */
                const long tenths = lround(QLEVELS[l] * 10.0), pos10 = ((long)m + 1) * tenths;
                const long r = pos10 / 10, rem = pos10 % 10;
                double shift = 0.0;
                if (r >= 1 && (r < (long)m || (r == (long)m && rem == 0)))
                    shift = rem == 0 ? e[r - 1] : e[r - 1] + (double)rem / 10.0 * (e[r] - e[r - 1]);
                o[l] = q[(i * H + k) * Q + l] + shift;
            }
            for (size_t a = 1; a < Q; a++) /* ordered */
                for (size_t b = a; b > 0 && o[b - 1] > o[b]; b--) {
                    const double t = o[b];
                    o[b] = o[b - 1];
                    o[b - 1] = t;
                }
        }
    }
}

static void test_quantile_calibration_against_twin(void **state)
{
    (void)state;
    double actual[N * H], q[N * H * Q];
    size_t origin[N], first[N];
    size_t row = 30;
    for (size_t i = 0; i < N; i++) {
        origin[i] = row;
        first[i] = row + 1;
        row += 1 + (i % 2);
        for (size_t k = 0; k < H; k++) {
            /* quantiles too narrow around a biased centre */
            const double centre = 103.0 + test_uniform(-2.0f, 2.0f);
            q[(i * H + k) * Q + 0] = centre - 2.0;
            q[(i * H + k) * Q + 1] = centre;
            q[(i * H + k) * Q + 2] = centre + 2.0;
            actual[i * H + k] = 100.0 + test_uniform(-10.0f, 10.0f);
        }
    }
    actual[9 * H + 1] = NAN;
    for (size_t window = 1; window <= N; window += WINDOW) {
        double got[N * H * Q], want[N * H * Q];
        memcpy(got, q, sizeof got);
        assert_int_equal(mc_rolling_quantile_calibration(got, actual, origin, 1, N, H, QLEVELS,
                                                         Q, window, NULL),
                         MC_OK);
        quantile_twin(want, q, actual, origin, first, window);
        size_t moved = 0;
        for (size_t i = 0; i < N * H * Q; i++) {
            assert_close(got[i], want[i], 1e-12, 1e-12); /* a fraction in binary vs tenths */
            moved += got[i] != q[i];
        }
        if (window >= 18)
            assert_true(moved > N * H * Q / 2);
    }
    /* The calibrated quantiles hold about their levels of the later actuals. */
    double got[N * H * Q];
    memcpy(got, q, sizeof got);
    assert_int_equal(mc_rolling_quantile_calibration(got, actual, origin, 1, N, H, QLEVELS, Q,
                                                     N, NULL),
                     MC_OK);
    size_t below[Q] = {0}, n = 0;
    for (size_t i = N / 2; i < N; i++)
        for (size_t k = 0; k < H; k++) {
            if (isnan(actual[i * H + k]))
                continue;
            n++;
            for (size_t l = 0; l < Q; l++)
                below[l] += actual[i * H + k] <= got[(i * H + k) * Q + l];
        }
    for (size_t l = 0; l < Q; l++) /* raw: 0.1 would hold about 0.25, 0.9 about 0.65 */
        assert_close((double)below[l] / (double)n, QLEVELS[l], 0.1, 0.0);
}

static void test_interval_score(void **state)
{
    (void)state;
    /* Inside: the width. Below or above: plus 2 / alpha times the miss. */
    assert_true(mc_interval_score(10.0, 20.0, 15.0, 0.8) == 10.0);
    assert_close(mc_interval_score(10.0, 20.0, 8.0, 0.8), 10.0 + 2.0 / 0.2 * 2.0, 1e-12, 0);
    assert_close(mc_interval_score(10.0, 20.0, 23.0, 0.9), 10.0 + 2.0 / 0.1 * 3.0, 1e-12, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_twin),
        cmocka_unit_test(test_quantile_calibration_against_twin),
        cmocka_unit_test(test_interval_score),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
