/* Prediction intervals kept in a model (train/calibration.c): the errors
   training keeps against the forecasts of the public API at each validation
   origin, ranked by hand; the kept ranks of a long tail; ensembles. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/intervals.h"
#include "synthetic_load.h"
#include "train/calibration.h"
#include "train/model_internal.h"

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The validation origins as training picks them, counted here: every origin
   from L to rows - H (all targets observed), the last ceil(10%) of them. */
static size_t validation_origins(size_t rows, size_t L, size_t H, size_t *first)
{
    const size_t n = rows - H - L + 1;
    const size_t n_val = (size_t)ceil(0.1 * (double)n);
    *first = L + (n - n_val);
    return n_val;
}

/* Checks m's offsets at several levels against the errors of
   mc_model_forecast() on the history before each validation origin, ranked
   by split conformal's rule. */
static void check_against_forecasts(const mc_model *m, const mc_frame *frame)
{
    const size_t L = mc_model_lookback(m), H = mc_model_horizon(m), Q = mc_model_quantiles(m);
    size_t first = 0;
    const size_t n_val = validation_origins(mc_frame_rows(frame), L, H, &first);
    assert_true(n_val < MC_CALIBRATION_KEEP); /* every error kept: exact */
    assert_int_equal(mc_model_calibration_origins(m), n_val);
    size_t median = 0;
    for (size_t q = 0; q < Q; q++)
        if (mc_model_quantile_level(m, q) == 0.5f)
            median = q;
    double *errors = malloc(H * n_val * sizeof *errors);
    int64_t *times = malloc(H * sizeof *times);
    double *values = malloc(H * Q * sizeof *values);
    assert_true(errors && times && values);
    const double *load = mc_frame_values(frame, 0);
    for (size_t i = 0; i < n_val; i++) {
        mc_frame *history = NULL;
        assert_int_equal(mc_frame_slice(&history, frame, 0, first + i, NULL), MC_OK);
        assert_int_equal(mc_model_forecast(m, history, NULL, times, values, NULL), MC_OK);
        for (size_t k = 0; k < H; k++)
            errors[k * n_val + i] = load[first + i + k] - values[k * Q + median];
        mc_frame_free(history);
    }
    const double levels[] = {0.5, 0.8, 0.9, 0.95, 0.98};
    double lo[64], hi[64];
    assert_true(H <= 64);
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        assert_int_equal(mc_model_interval_offsets(m, levels[l], lo, hi, NULL), MC_OK);
        /* in whole numbers: the level in thousandths, a = (1000 - p) / 2000 */
        const long p = lround(levels[l] * 1000.0), n1 = (long)n_val + 1;
        const long r_lo = n1 * (1000 - p) / 2000;
        const long r_hi = (n1 * (1000 + p) + 1999) / 2000;
        for (size_t k = 0; k < H; k++) {
            double *e = errors + k * n_val;
            qsort(e, n_val, sizeof *e, by_value);
            if (r_lo < 1 || r_hi > (long)n_val) {
                assert_true(isnan(lo[k]) && isnan(hi[k]));
                continue;
            }
            /* the model keeps floats; the forecasts went through the same
               network in other batches */
            const double tol = 1e-4 * (1.0 + fabs(e[r_lo - 1]) + fabs(e[r_hi - 1]));
            assert_close(lo[k], e[r_lo - 1], tol, 0.0);
            assert_close(hi[k], e[r_hi - 1], tol, 0.0);
        }
    }
    free(errors);
    free(times);
    free(values);
}

static mc_frame *synthetic_frame(void)
{
    char *csv = synthetic_csv(HOURS, 0);
    mc_frame *f = frame_of(csv);
    free(csv);
    return f;
}

static void small_options(mc_model_options *mo, mc_train_options *to)
{
    synthetic_small_options(mo, to);
    mo->features.n_future = 0; /* the history alone makes a forecast */
}

static void test_point_model_keeps_its_validation_errors(void **state)
{
    (void)state;
    mc_frame *f = synthetic_frame();
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    mc_model *m = NULL;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    check_against_forecasts(m, f);
    mc_model_free(m);
    mc_frame_free(f);
}

static void test_quantile_model_centres_on_its_median(void **state)
{
    (void)state;
    mc_frame *f = synthetic_frame();
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    mo.loss.kind = MC_LOSS_PINBALL;
    mc_model *m = NULL;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    assert_int_equal(mc_model_quantiles(m), 3);
    check_against_forecasts(m, f);
    mc_model_free(m);
    mc_frame_free(f);
}

static void test_ensemble_is_calibrated_on_its_own_errors(void **state)
{
    (void)state;
    mc_frame *f = synthetic_frame();
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    mc_model *members[2] = {NULL, NULL}, *e = NULL;
    for (int i = 0; i < 2; i++) {
        to.seed = 11 + (uint64_t)i;
        assert_int_equal(mc_model_train(&members[i], f, &mo, &to, NULL), MC_OK);
    }
    assert_int_equal(mc_model_ensemble(&e, (const mc_model *const *)members, 2, NULL), MC_OK);
    assert_int_equal(mc_model_calibration_origins(e), 0); /* the members' errors are not its own */
    assert_int_equal(mc_model_calibrate(e, f, &to, NULL), MC_OK);
    check_against_forecasts(e, f);
    for (int i = 0; i < 2; i++)
        mc_model_free(members[i]);
    mc_model_free(e);
    mc_frame_free(f);
}

static void test_no_validation_tail_no_intervals(void **state)
{
    (void)state;
    mc_frame *f = synthetic_frame();
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    to.validation_fraction = 0.0;
    mc_model *m = NULL;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    assert_int_equal(mc_model_calibration_origins(m), 0);
    double lo[24], hi[24];
    assert_int_equal(mc_model_interval_offsets(m, 0.8, lo, hi, NULL), MC_ERR_ARGUMENT);
    mc_model_free(m);
    mc_frame_free(f);
}

/* Intervals from the history's own errors (forecast --interval-source
   rolling) against the rolling intervals of the backtest's code, fed with
   forecasts the public API makes from each earlier slice of the history. */
static void test_history_intervals_match_the_rolling_ones(void **state)
{
    (void)state;
    mc_frame *f = synthetic_frame();
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    mc_model *m = NULL;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    enum { W = 10, HZ = 24, LV = 3 };
    const double levels[LV] = {0.5, 0.8, 0.95};
    const size_t rows = mc_frame_rows(f), stride = 24;
    double lo[HZ * LV], hi[HZ * LV];
    size_t used = 0, earliest = 0;
    assert_int_equal(mc_history_interval_offsets(m, f, stride, W, levels, LV, lo, hi, &used,
                                                 &earliest, NULL),
                     MC_OK);
    assert_int_equal(used, W);
    /* the twin: origins rows - 24 j, j = W .. 1, then the forecast's own */
    size_t origin[W + 1];
    double actual[(W + 1) * HZ], point[(W + 1) * HZ], values[HZ];
    int64_t times[HZ];
    const double *load = mc_frame_values(f, 0);
    for (size_t i = 0; i <= W; i++) {
        origin[i] = rows - stride * (W - i);
        for (size_t k = 0; k < HZ; k++) {
            actual[i * HZ + k] = i < W ? load[origin[i] + k] : NAN;
            point[i * HZ + k] = 0.0; /* the last origin's bounds are then offsets */
        }
        if (i == W)
            break;
        mc_frame *slice = NULL;
        assert_int_equal(mc_frame_slice(&slice, f, 0, origin[i], NULL), MC_OK);
        assert_int_equal(mc_model_forecast(m, slice, NULL, times, values, NULL), MC_OK);
        for (size_t k = 0; k < HZ; k++)
            point[i * HZ + k] = values[k];
        mc_frame_free(slice);
    }
    /* errors a - f: the twin's point is f where actual is a, so shift actual */
    double shifted[(W + 1) * HZ];
    for (size_t i = 0; i < (W + 1) * HZ; i++)
        shifted[i] = actual[i] - point[i];
    double zero[(W + 1) * HZ] = {0};
    double tlo[(W + 1) * HZ * LV], thi[(W + 1) * HZ * LV];
    assert_int_equal(mc_rolling_intervals(tlo, thi, shifted, zero, origin, 0, W + 1, HZ, levels,
                                          LV, W, NULL),
                     MC_OK);
    size_t compared = 0;
    for (size_t k = 0; k < HZ; k++)
        for (size_t l = 0; l < LV; l++) {
            const double a = tlo[(W * HZ + k) * LV + l], b = thi[(W * HZ + k) * LV + l];
            const double x = lo[k * LV + l], y = hi[k * LV + l];
            assert_true(isnan(a) == isnan(x) && isnan(b) == isnan(y));
            if (isnan(a))
                continue;
            assert_close(x, a, 1e-4 * (1.0 + fabs(a)), 0.0);
            assert_close(y, b, 1e-4 * (1.0 + fabs(b)), 0.0);
            compared++;
        }
    assert_int_equal(compared, 2 * HZ); /* 50% and 80%; 95% needs 39 errors */
    /* A history too short for any earlier forecast says so. */
    mc_frame *short_history = NULL;
    assert_int_equal(mc_frame_slice(&short_history, f, 0, 48 + 23, NULL), MC_OK);
    mc_error err;
    assert_int_equal(mc_history_interval_offsets(m, short_history, stride, W, levels, LV, lo, hi,
                                                 &used, &earliest, &err),
                     MC_ERR_EMPTY);
    assert_non_null(strstr(err.message, "no earlier forecast"));
    mc_frame_free(short_history);
    mc_model_free(m);
    mc_frame_free(f);
}

/* A long tail keeps MC_CALIBRATION_KEEP order statistics: with error r at
   rank r, each bound is the nearest kept rank at or beyond the exact one. */
static void test_kept_ranks_bound_outward(void **state)
{
    (void)state;
    const size_t counts[] = {1000, 1001, 5000, 123457};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        const size_t m = counts[i], K = m < MC_CALIBRATION_KEEP ? m : MC_CALIBRATION_KEEP;
        size_t count = m, kept = K;
        float *errors = malloc(K * sizeof *errors);
        assert_non_null(errors);
        for (size_t j = 0; j < K; j++)
            errors[j] = (float)mc_calibration_rank(j, K, m);
        assert_true(errors[0] == 1.0f && errors[K - 1] == (float)m);
        mc_calibration c = {.steps = 1, .count = &count, .kept = &kept, .errors = errors};
        assert_int_equal(mc_calibration_check(&c, NULL), MC_OK);
        const double spacing = (double)(m - 1) / (double)(K > 1 ? K - 1 : 1);
        for (long p = 50; p < 999; p += 17) { /* the level in thousandths */
            const double level = (double)p / 1000.0;
            double lo, hi;
            const double r_lo = (double)((long)(m + 1) * (1000 - p) / 2000);
            const double r_hi = (double)(((long)(m + 1) * (1000 + p) + 1999) / 2000);
            const bool ok = r_lo >= 1.0 && r_hi <= (double)m;
            assert_int_equal(mc_calibration_offsets(&c, 0, level, &lo, &hi), ok);
            if (!ok)
                continue;
            assert_true(lo <= r_lo && lo > r_lo - spacing - 1.0);
            assert_true(hi >= r_hi && hi < r_hi + spacing + 1.0);
            if (K == m) {
                assert_true(lo == r_lo);
                assert_true(hi == r_hi);
            }
        }
        free(errors);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_point_model_keeps_its_validation_errors),
        cmocka_unit_test(test_quantile_model_centres_on_its_median),
        cmocka_unit_test(test_ensemble_is_calibrated_on_its_own_errors),
        cmocka_unit_test(test_no_validation_tail_no_intervals),
        cmocka_unit_test(test_history_intervals_match_the_rolling_ones),
        cmocka_unit_test(test_kept_ranks_bound_outward),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
