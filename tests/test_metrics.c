/* Accuracy metrics against values worked out by hand in the comments. */
#include "test_util.h"

#include "eval/metrics.h"
#include "maskcast/frame.h"

/*
 * Five (actual, forecast, reference) pairs:
 *
 *   actual  forecast  ref  |a-f|  (a-f)^2  |a-f|/|a|   2|a-f|/(|a|+|f|)  |a-ref|
 *    100      110      90    10     100     0.1         20/210            10
 *      0        5       2     5      25     (excluded)  10/5 = 2           2
 *    -50      -40     -45    10     100     10/50=0.2   20/90              5
 *    200      170     230    30     900     0.15        60/370            30
 *      0        0       0     0       0     (excluded)  (excluded: 0/0)    0
 *
 *   MAE  = 55 / 5 = 11           RMSE = sqrt(1125 / 5) = 15
 *   MAPE = 100 (0.1 + 0.2 + 0.15) / 3 = 15 %
 *   sMAPE = 100 (20/210 + 2 + 20/90 + 60/370) / 4
 *   reference MAE = 47 / 5 = 9.4, skill = 1 - 11 / 9.4
 *   MASE with scale 4.4 = 11 / 4.4 = 2.5
 */
static const double actual[5] = {100, 0, -50, 200, 0};
static const double forecast[5] = {110, 5, -40, 170, 0};
static const double reference[5] = {90, 2, -45, 230, 0};

/*
 * Quantiles at levels 0.1, 0.5, 0.9; pinball(tau, v) = tau (a-v) when a >= v,
 * else (1-tau)(v-a):
 *
 *   actual 95,  values 90, 100, 120:   0.1*5 + 0.5*5 + 0.1*25   = 5.5  -> 5.5/3, covered
 *   actual 130, values 90, 100, 120:   0.1*40 + 0.5*30 + 0.9*10 = 28   -> 28/3,  not covered
 *   actual 80,  values 80, 86, 87.5:   0 + 0.5*6 + 0.1*7.5      = 3.75 -> 3.75/3, covered (at the edge)
 *
 *   pinball = (5.5 + 28 + 3.75) / 9, coverage = 2/3, nominal = 0.9 - 0.1 = 0.8
 */
static const double levels[3] = {0.1, 0.5, 0.9};
static const double q_actual[3] = {95, 130, 80};
static const double q_values[3][3] = {{90, 100, 120}, {90, 100, 120}, {80, 86, 87.5}};

static void add_range(mc_metric_sums *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        mc_metric_add(s, actual[i], forecast[i], reference[i]);
}

static void add_quantile_range(mc_metric_sums *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        mc_metric_add_quantiles(s, q_actual[i], q_values[i], levels, 3);
}

static void test_point_metrics(void **state)
{
    (void)state;
    mc_metric_sums s = {0};
    add_range(&s, 0, 5);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.n_pct, 3);  /* the two zero actuals are excluded */
    assert_int_equal(s.n_spct, 4); /* only 0 vs 0 is excluded */
    mc_metrics m;
    mc_metrics_finish(&m, &s, 4.4);
    assert_int_equal(m.n, 5);
    assert_close(m.mae, 11.0, 1e-12, 0);
    assert_close(m.rmse, 15.0, 1e-12, 0);
    assert_close(m.mape, 15.0, 1e-12, 0);
    assert_close(m.smape, 100.0 * (20.0 / 210 + 2.0 + 20.0 / 90 + 60.0 / 370) / 4.0, 1e-12, 0);
    assert_close(m.mase, 2.5, 1e-12, 0);
    assert_close(m.skill, 1.0 - 11.0 / 9.4, 1e-12, 0);
    assert_true(isnan(m.pinball)); /* no quantiles added */
    assert_true(isnan(m.coverage));
    assert_true(isnan(m.nominal));
}

/* sMAPE is symmetric: swapping actual and forecast leaves it unchanged,
   while MAPE is not (|a-f|/|a| vs |a-f|/|f|). */
static void test_smape_symmetric(void **state)
{
    (void)state;
    mc_metric_sums s = {0}, t = {0};
    mc_metric_add(&s, 80, 120, NAN);  /* sMAPE 2*40/200 = 0.4, MAPE 40/80 = 0.5 */
    mc_metric_add(&t, 120, 80, NAN);  /* sMAPE 0.4,           MAPE 40/120 */
    mc_metrics ms, mt;
    mc_metrics_finish(&ms, &s, NAN);
    mc_metrics_finish(&mt, &t, NAN);
    assert_close(ms.smape, 40.0, 1e-12, 0);
    assert_close(mt.smape, 40.0, 1e-12, 0);
    assert_close(ms.mape, 50.0, 1e-12, 0);
    assert_close(mt.mape, 100.0 * 40.0 / 120.0, 1e-12, 0);
}

static void test_quantile_metrics(void **state)
{
    (void)state;
    mc_metric_sums s = {0};
    add_quantile_range(&s, 0, 3);
    mc_metrics m;
    mc_metrics_finish(&m, &s, NAN);
    assert_close(m.pinball, (5.5 + 28.0 + 3.75) / 9.0, 1e-12, 0);
    assert_close(m.coverage, 2.0 / 3.0, 1e-12, 0);
    assert_close(m.nominal, 0.8, 1e-12, 0);
    assert_true(isnan(m.mae)); /* no point pairs were added */
    assert_int_equal(m.n, 0);
}

/* Each level on its own: actual 95 against 100 at tau 0.1 costs 0.9*5 = 4.5,
   at tau 0.9 costs 0.1*5 = 0.5; above the quantile, 105 costs 0.1*5 and 0.9*5. */
static void test_pinball_per_level(void **state)
{
    (void)state;
    const double v[1] = {100};
    const struct {
        double actual, level, want;
    } cases[4] = {{95, 0.1, 4.5}, {95, 0.9, 0.5}, {105, 0.1, 0.5}, {105, 0.9, 4.5}};
    for (size_t i = 0; i < 4; i++) {
        mc_metric_sums s = {0};
        mc_metric_add_quantiles(&s, cases[i].actual, v, &cases[i].level, 1);
        mc_metrics m;
        mc_metrics_finish(&m, &s, NAN);
        assert_close(m.pinball, cases[i].want, 1e-12, 0);
        assert_true(isnan(m.coverage)); /* one quantile gives no interval */
        assert_int_equal(s.n_cov, 0);
    }
    mc_metric_sums s = {0};
    mc_metric_add_quantiles(&s, 95, v, levels, 0); /* no quantiles: nothing added */
    assert_int_equal(s.n_q, 0);
}

/* The CRPS of a discrete distribution by its energy form,
   E|X - y| - E|X - X'| / 2, with probability w[k] at x[k]: a computation
   that shares nothing with the integral of the pinball loss. */
static double energy_crps(const double *x, const double *w, size_t q, double y)
{
    double e1 = 0, e2 = 0;
    for (size_t i = 0; i < q; i++) {
        e1 += w[i] * fabs(x[i] - y);
        for (size_t j = 0; j < q; j++)
            e2 += w[i] * w[j] * fabs(x[i] - x[j]);
    }
    return e1 - e2 / 2.0;
}

static void test_crps(void **state)
{
    (void)state;
    /* Each quantile holds the levels nearer to it than to its neighbours. */
    const double lv5[5] = {0.05, 0.25, 0.5, 0.75, 0.95}, w5[5] = {0.15, 0.225, 0.25, 0.225, 0.15};
    const double w3[3] = {0.3, 0.4, 0.3};
    const double ys[] = {-20, 79, 80, 91.5, 100, 119, 121, 150};
    const double v5[5] = {80, 95, 100, 104, 120};
    for (size_t i = 0; i < sizeof ys / sizeof *ys; i++) {
        mc_metric_sums s = {0};
        mc_metrics m;
        mc_metric_add_quantiles(&s, ys[i], v5, lv5, 5);
        mc_metrics_finish(&m, &s, NAN);
        assert_close(m.crps, energy_crps(v5, w5, 5, ys[i]), 1e-12, 1e-12);
        s = (mc_metric_sums){0};
        mc_metric_add_quantiles(&s, ys[i], q_values[0], levels, 3);
        mc_metrics_finish(&m, &s, NAN);
        assert_close(m.crps, energy_crps(q_values[0], w3, 3, ys[i]), 1e-12, 1e-12);
        /* One value is a point forecast: |a - v|. */
        s = (mc_metric_sums){0};
        const double half = 0.5;
        mc_metric_add_quantiles(&s, ys[i], &v5[2], &half, 1);
        mc_metrics_finish(&m, &s, NAN);
        assert_close(m.crps, fabs(ys[i] - v5[2]), 1e-12, 1e-12);
    }
    /* Without quantiles, the point forecasts' CRPS is their MAE. */
    mc_metric_sums s = {0};
    add_range(&s, 0, 5);
    mc_metrics m;
    mc_metrics_finish(&m, &s, NAN);
    assert_true(m.crps == 11.0);
}

static void test_merge_equals_adding_all(void **state)
{
    (void)state;
    mc_metric_sums all = {0}, first = {0}, second = {0}, empty = {0};
    add_range(&all, 0, 5);
    add_quantile_range(&all, 0, 3);
    add_range(&first, 0, 2);
    add_quantile_range(&first, 0, 1);
    add_range(&second, 2, 5);
    add_quantile_range(&second, 1, 3);
    mc_metric_merge(&empty, &first); /* into empty sums: the nominal level comes along */
    mc_metric_merge(&empty, &second);
    assert_int_equal(empty.n, all.n);
    assert_int_equal(empty.n_pct, all.n_pct);
    assert_int_equal(empty.n_spct, all.n_spct);
    assert_int_equal(empty.n_ref, all.n_ref);
    assert_int_equal(empty.n_q, all.n_q);
    assert_int_equal(empty.n_cov, all.n_cov);
    assert_int_equal(empty.covered, all.covered);
    mc_metrics a, b;
    mc_metrics_finish(&a, &all, 3.7);
    mc_metrics_finish(&b, &empty, 3.7);
    const double got[] = {b.mae, b.rmse, b.mape, b.smape, b.mase, b.skill, b.pinball, b.coverage,
                          b.nominal, b.crps};
    const double want[] = {a.mae, a.rmse, a.mape, a.smape, a.mase, a.skill, a.pinball, a.coverage,
                           a.nominal, a.crps};
    for (size_t i = 0; i < sizeof got / sizeof *got; i++) {
        assert_false(isnan(want[i]));
        assert_close(got[i], want[i], 1e-12, 1e-12);
    }
}

static void test_undefined_is_nan(void **state)
{
    (void)state;
    mc_metrics m;
    const mc_metric_sums none = {0};
    mc_metrics_finish(&m, &none, 2.0);
    assert_int_equal(m.n, 0);
    const double all[] = {m.mae, m.rmse, m.mape, m.smape, m.mase, m.skill, m.pinball, m.coverage,
                          m.nominal};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        assert_true(isnan(all[i]));

    /* Only zero actuals: MAPE undefined, the rest defined. Zero or NaN
       MASE scale: MASE undefined. A perfect reference: skill undefined. */
    mc_metric_sums s = {0};
    mc_metric_add(&s, 0, 3, 0);
    mc_metrics_finish(&m, &s, 0.0);
    assert_true(isnan(m.mape));
    assert_close(m.smape, 200.0, 1e-12, 0);
    assert_close(m.mae, 3.0, 1e-12, 0);
    assert_true(isnan(m.mase));
    assert_true(isnan(m.skill));
    mc_metrics_finish(&m, &s, NAN);
    assert_true(isnan(m.mase));

    /* One pair without a reference makes skill undefined for the set. */
    mc_metric_sums r = {0};
    mc_metric_add(&r, 10, 12, 11);
    mc_metric_add(&r, 10, 12, NAN);
    assert_int_equal(r.n_ref, 1);
    mc_metrics_finish(&m, &r, 1.0);
    assert_true(isnan(m.skill));
    assert_close(m.mae, 2.0, 1e-12, 0);
}

/*
 * y = 10 12 15 11 14 18 13, season 2, row 3 interpolated.
 * Pairs (t, t-2): (2,0) |15-10| = 5; (3,1) skipped; (4,2) |14-15| = 1;
 * (5,3) skipped; (6,4) |13-14| = 1  ->  scale 7/3.
 * All observed: 5 + |11-12| + 1 + |18-11| + 1 = 15 over 5 pairs -> 3.
 */
static void test_mase_scale(void **state)
{
    (void)state;
    const double y[7] = {10, 12, 15, 11, 14, 18, 13};
    uint8_t st[7] = {0};
    st[3] = MC_VALUE_INTERPOLATED;
    double scale = 0;
    mc_error err;
    assert_int_equal(mc_mase_scale(&scale, y, st, 7, 2, &err), MC_OK);
    assert_close(scale, 7.0 / 3.0, 1e-12, 0);
    assert_int_equal(mc_mase_scale(&scale, y, NULL, 7, 2, &err), MC_OK);
    assert_close(scale, 3.0, 1e-12, 0);

    /* Shorter than a season, or no observed pair: NaN, not an error. */
    assert_int_equal(mc_mase_scale(&scale, y, st, 2, 2, &err), MC_OK);
    assert_true(isnan(scale));
    const uint8_t gappy[4] = {MC_VALUE_OBSERVED, MC_VALUE_MISSING, MC_VALUE_SEASONAL,
                              MC_VALUE_OBSERVED};
    assert_int_equal(mc_mase_scale(&scale, y, gappy, 4, 2, &err), MC_OK);
    assert_true(isnan(scale));

    assert_int_equal(mc_mase_scale(&scale, y, st, 7, 0, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "season");
    assert_int_equal(mc_mase_scale(NULL, y, st, 7, 2, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_mase_scale(&scale, NULL, st, 7, 2, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_mase_scale(&scale, y, st, 7, 0, NULL), MC_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_point_metrics),
        cmocka_unit_test(test_smape_symmetric),
        cmocka_unit_test(test_quantile_metrics),
        cmocka_unit_test(test_pinball_per_level),
        cmocka_unit_test(test_crps),
        cmocka_unit_test(test_merge_equals_adding_all),
        cmocka_unit_test(test_undefined_is_nan),
        cmocka_unit_test(test_mase_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
