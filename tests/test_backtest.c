/* The rolling-origin backtest: origins, no leakage, filled actuals never
   scored, baselines at the right rows, corruption of inputs only. */
#include "synthetic_load.h"

#include "eval/backtest_methods.h"
#include "eval/corrupt.h"

enum { BT_DAYS = 40, BT_HOURS = BT_DAYS * 24, TEST_DAYS = 6 };

static void small_options(mc_model_options *mo, mc_train_options *to, mc_backtest_options *bo)
{
    synthetic_small_options(mo, to);
    mc_backtest_options_defaults(bo);
    bo->test_days = TEST_DAYS;
    bo->temperature = "temp";
}

static mc_backtest *run(const mc_frame *f, const mc_model_options *mo, const mc_train_options *to,
                        const mc_backtest_options *bo)
{
    mc_backtest *b = NULL;
    mc_error e;
    mc_status st = mc_backtest_run(&b, f, mo, to, bo, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
    return b;
}

static size_t method_index(const mc_backtest *b, const char *name)
{
    for (size_t m = 0; m < mc_backtest_methods(b); m++)
        if (strcmp(mc_backtest_method_name(b, m), name) == 0)
            return m;
    fail_msg("no method %s", name);
    return 0;
}

static void test_origins_daily_at_midnight(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    mc_backtest_options bo;
    small_options(&mo, &to, &bo);
    mc_backtest *b = run(f, &mo, &to, &bo);
    assert_int_equal(mc_backtest_origins(b), TEST_DAYS);
    assert_int_equal(mc_backtest_horizon(b), 24);
    assert_int_equal(mc_backtest_train_rows(b), BT_HOURS - TEST_DAYS * 24);
    for (size_t i = 0; i < TEST_DAYS; i++) {
        assert_int_equal(mc_backtest_first_target_row(b, i), BT_HOURS - (TEST_DAYS - i) * 24);
        assert_int_equal(mc_backtest_first_target(b, i) % 86400, 0);
    }
    /* Methods: the model, then the four baselines. */
    const char *names[] = {"maskcast", "naive", "seasonal-day", "seasonal-week", "calendar-regression"};
    assert_int_equal(mc_backtest_methods(b), 5);
    for (size_t m = 0; m < 5; m++)
        assert_string_equal(mc_backtest_method_name(b, m), names[m]);
    mc_backtest_free(b);
    mc_frame_free(f);
    free(csv);
}

/* An origin at 10:00 with a 14 h gap scores the next day 00:00 to 23:00. */
static void test_gap_and_origin_time(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    mc_backtest_options bo;
    small_options(&mo, &to, &bo);
    bo.origin_time = 10 * 3600;
    bo.gap = 14;
    bo.baselines = true;
    mc_backtest *b = run(f, &mo, &to, &bo);
    /* The span starts at 00:00 six days before the end; its first 10:00
       origin's targets end inside the data, the last day's do not. */
    assert_int_equal(mc_backtest_origins(b), TEST_DAYS - 1);
    const size_t first = BT_HOURS - TEST_DAYS * 24;
    assert_int_equal(mc_backtest_train_rows(b), first + 10);
    for (size_t i = 0; i < mc_backtest_origins(b); i++)
        assert_int_equal(mc_backtest_first_target_row(b, i), first + 24 * (i + 1));
    /* Naive: the last value before the origin (row origin - 1), every step. */
    const double *naive = mc_backtest_forecasts(b, method_index(b, "naive"));
    const double *y = mc_frame_values(f, 0);
    for (size_t i = 0; i < mc_backtest_origins(b); i++)
        for (size_t k = 0; k < 24; k++)
            assert_true(naive[i * 24 + k] == y[first + 10 + 24 * i - 1]);
    /* Seasonal day: the same hour of the day before the origin's day... as
       long as that row is before the origin: target 00:00-09:00 of day d+1
       comes from day d, 10:00-23:00 from day d - 1. */
    const double *day = mc_backtest_forecasts(b, method_index(b, "seasonal-day"));
    for (size_t i = 0; i < mc_backtest_origins(b); i++)
        for (size_t k = 0; k < 24; k++) {
            const size_t target = first + 24 * (i + 1) + k;
            const size_t source = k < 10 ? target - 24 : target - 48;
            assert_true(day[i * 24 + k] == y[source]);
        }
    mc_backtest_free(b);
    mc_frame_free(f);
    free(csv);
}

/*
 * No leakage: tripling the load from the last origin on changes no forecast
 * of any method at any origin (only the actuals), with and without refits.
 */
static void test_no_method_sees_the_future(void **state)
{
    (void)state;
    mc_model_options mo;
    mc_train_options to;
    mc_backtest_options bo;
    small_options(&mo, &to, &bo);
    for (int refit = 0; refit < 2; refit++) {
        bo.refit_every = refit ? 2 : 0;
        char *clean_csv = synthetic_csv(BT_HOURS, 0);
        mc_frame *clean = frame_of(clean_csv);
        mc_backtest *a = run(clean, &mo, &to, &bo);
        const size_t N = mc_backtest_origins(a), H = mc_backtest_horizon(a);
        const size_t last = mc_backtest_first_target_row(a, N - 1);
        char *bent_csv = synthetic_csv_distorted(BT_HOURS, 0, last);
        mc_frame *bent = frame_of(bent_csv);
        mc_backtest *b = run(bent, &mo, &to, &bo);
        for (size_t m = 0; m < mc_backtest_methods(a); m++)
            for (size_t i = 0; i < N * H; i++)
                assert_true(mc_backtest_forecasts(a, m)[i] == mc_backtest_forecasts(b, m)[i]);
        /* The distortion is real: the last origin's actuals differ. */
        assert_true(mc_backtest_actuals(a)[(N - 1) * H] != mc_backtest_actuals(b)[(N - 1) * H]);
        mc_backtest_free(a);
        mc_backtest_free(b);
        mc_frame_free(clean);
        mc_frame_free(bent);
        free(clean_csv);
        free(bent_csv);
    }
}

/* A gap in the test span is filled in the frame but never scored, and the
   metrics agree with a recomputation from the forecasts and actuals. */
static void test_filled_actuals_not_scored(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_HOURS, 0);
    /* Blank the load of 5 hours in the middle of the test span. */
    const size_t hole = BT_HOURS - 3 * 24 + 5;
    char *blank = malloc(strlen(csv) + 1), *to_ = blank;
    assert_non_null(blank);
    size_t row = 0;
    for (const char *line = csv; *line != '\0'; row++) {
        const char *end = strchr(line, '\n') + 1;
        const char *c1 = strchr(line, ','), *c2 = strchr(c1 + 1, ',');
        const bool gone = row >= hole + 1 && row < hole + 6; /* row 0 is the header */
        const char *resume = gone ? c2 : c1 + 1;
        memcpy(to_, line, (size_t)(c1 + 1 - line));
        to_ += c1 + 1 - line;
        if (row == 0)
            resume = c1 + 1;
        memcpy(to_, resume, (size_t)(end - resume));
        to_ += end - resume;
        line = end;
    }
    *to_ = '\0';
    free(csv);
    csv = blank;
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    mc_backtest_options bo;
    small_options(&mo, &to, &bo);
    mc_backtest *b = run(f, &mo, &to, &bo);
    const size_t N = mc_backtest_origins(b), H = mc_backtest_horizon(b);
    const double *actual = mc_backtest_actuals(b);
    size_t missing = 0;
    for (size_t i = 0; i < N * H; i++)
        missing += isnan(actual[i]);
    assert_int_equal(missing, 5);
    const size_t m = method_index(b, "seasonal-week");
    mc_backtest_metrics x;
    assert_int_equal(mc_backtest_metrics_of(b, m, H, &x, NULL), MC_OK);
    assert_int_equal(x.n, N * H - 5);
    double abs_sum = 0.0;
    for (size_t i = 0; i < N * H; i++)
        if (!isnan(actual[i]))
            abs_sum += fabs(actual[i] - mc_backtest_forecasts(b, m)[i]);
    assert_close(x.mae, abs_sum / (double)(N * H - 5), 1e-9, 1e-12);
    /* The weekly seasonal naive is the skill reference: its skill is 0. */
    assert_close(x.skill, 0.0, 1e-12, 0.0);
    /* Per step: step k counts the origins whose step k was observed. */
    size_t total = 0;
    for (size_t k = 0; k < H; k++) {
        assert_int_equal(mc_backtest_metrics_of(b, m, k, &x, NULL), MC_OK);
        total += x.n;
    }
    assert_int_equal(total, N * H - 5);
    assert_int_equal(mc_backtest_metrics_of(b, m, H + 1, &x, NULL), MC_ERR_ARGUMENT);
    mc_backtest_free(b);
    mc_frame_free(f);
    free(csv);
}

/* Corruption changes the inputs (so the naive forecast), never the actuals. */
static void test_corruption_touches_inputs_only(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    mc_backtest_options bo;
    small_options(&mo, &to, &bo);
    mc_backtest *a = run(f, &mo, &to, &bo);
    bo.corrupt_rate = 0.5;
    mc_backtest *b = run(f, &mo, &to, &bo);
    const size_t N = mc_backtest_origins(a), H = mc_backtest_horizon(a);
    size_t changed = 0;
    for (size_t i = 0; i < N * H; i++) {
        assert_true(mc_backtest_actuals(a)[i] == mc_backtest_actuals(b)[i]);
        const size_t naive = method_index(a, "naive");
        changed += mc_backtest_forecasts(a, naive)[i] != mc_backtest_forecasts(b, naive)[i];
    }
    assert_true(changed > 0);
    /* The calendar regression sees no lags: corruption cannot change it. */
    const size_t lin = method_index(a, "calendar-regression");
    for (size_t i = 0; i < N * H; i++)
        assert_true(mc_backtest_forecasts(a, lin)[i] == mc_backtest_forecasts(b, lin)[i]);
    mc_backtest_free(a);
    mc_backtest_free(b);
    mc_frame_free(f);
    free(csv);
}

/* The corruption itself: the rate, the rows before `from` untouched, the
   recorded truth matching the changed values, the seed reproducing it. */
static void test_corrupt_series(void **state)
{
    (void)state;
    enum { N = 20000, FROM = 1000 };
    double *y = malloc(N * sizeof *y), *z = malloc(N * sizeof *z);
    uint8_t *truth = malloc(N);
    assert_true(y && z && truth);
    for (size_t i = 0; i < N; i++)
        y[i] = z[i] = 100.0 + 10.0 * sin((double)i * 0.3);
    assert_int_equal(mc_corrupt_series(z, N, FROM, FROM, 0.1, 3, truth, NULL), MC_OK);
    size_t marked = 0;
    for (size_t i = 0; i < N; i++) {
        if (i < FROM)
            assert_true(z[i] == y[i] && truth[i] == 0);
        if (z[i] != y[i])
            assert_int_equal(truth[i], 1);
        marked += truth[i];
    }
    const double share = (double)marked / (double)(N - FROM);
    assert_true(share > 0.08 && share < 0.12);
    double *w = malloc(N * sizeof *w);
    assert_non_null(w);
    memcpy(w, y, N * sizeof *w);
    assert_int_equal(mc_corrupt_series(w, N, FROM, FROM, 0.1, 3, NULL, NULL), MC_OK);
    assert_memory_equal(w, z, N * sizeof *w);
    assert_int_equal(mc_corrupt_series(w, N, FROM, FROM, 1.5, 3, NULL, NULL), MC_ERR_ARGUMENT);
    free(y);
    free(z);
    free(w);
    free(truth);
}

/* Models are counted per method, and so are those that are the linear
   forecaster: all of them when the network cannot learn (a learning rate
   of 1e-12), none when the candidate is off. */
static void test_linear_forecaster_counted(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    mc_backtest_options bo;
    small_options(&mo, &to, &bo);
    to.learning_rate = 1e-12;
    bo.ensemble = 2;
    bo.refit_every = 3; /* TEST_DAYS origins: two fits */
    bo.baselines = true;
    mc_backtest *b = run(f, &mo, &to, &bo);
    assert_int_equal(mc_backtest_method_models(b, 0), 4);
    assert_int_equal(mc_backtest_method_linear_kept(b, 0), 4);
    const size_t naive = method_index(b, "naive");
    assert_int_equal(mc_backtest_method_models(b, naive), 0);
    assert_int_equal(mc_backtest_method_linear_kept(b, naive), 0);
    assert_int_equal(mc_backtest_method_models(b, 99), 0);
    mc_backtest_free(b);
    to.linear_candidate = false;
    b = run(f, &mo, &to, &bo);
    assert_int_equal(mc_backtest_method_models(b, 0), 4);
    assert_int_equal(mc_backtest_method_linear_kept(b, 0), 0);
    mc_backtest_free(b);
    mc_frame_free(f);
    free(csv);
}

/* The method list grows: a fixed table of 8 once overflowed at the ninth
   (seven are used with --ablations). Under AddressSanitizer the old table
   fails this test at the first method past its end. */
static void test_methods_list_grows(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    mc_backtest_options bo;
    small_options(&mo, &to, &bo);
    bo.ablations = true;
    mc_backtest *b = run(f, &mo, &to, &bo);
    const size_t before = mc_backtest_methods(b);
    assert_int_equal(before, 7);
    char name[40];
    for (size_t i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "extra-%zu", i);
        assert_int_equal(mc_backtest_add_method(b, name, NULL), MC_OK);
    }
    assert_int_equal(mc_backtest_methods(b), before + 40);
    assert_string_equal(mc_backtest_method_name(b, 0), "maskcast");
    assert_string_equal(mc_backtest_method_name(b, before + 39), "extra-39");
    /* The earlier methods' forecasts survive the list's moves. */
    const double *point = mc_backtest_forecasts(b, 0);
    assert_non_null(point);
    assert_true(isfinite(point[0]));
    mc_backtest_free(b);
    mc_frame_free(f);
    free(csv);
}

static void test_refusals(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    mc_backtest_options bo;
    small_options(&mo, &to, &bo);
    mc_backtest *b = (mc_backtest *)&bo; /* must be reset to NULL on failure */
    mc_error e;
    bo.test_days = BT_DAYS;
    assert_int_equal(mc_backtest_run(&b, f, &mo, &to, &bo, &e), MC_ERR_ARGUMENT);
    assert_null(b);
    assert_contains(e.message, "does not fit");
    bo.test_days = TEST_DAYS;
    bo.origin_time = 1800; /* not on the hourly grid */
    assert_int_equal(mc_backtest_run(&b, f, &mo, &to, &bo, &e), MC_ERR_ARGUMENT);
    bo.origin_time = 0;
    bo.temperature = "nope";
    assert_int_equal(mc_backtest_run(&b, f, &mo, &to, &bo, &e), MC_ERR_COLUMN);
    assert_contains(e.message, "nope");
    bo.temperature = NULL;
    bo.test_days = BT_DAYS - 2; /* leaves two days: less than lookback + horizon + 1 */
    assert_int_equal(mc_backtest_run(&b, f, &mo, &to, &bo, &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "too little data");
    mc_frame_free(f);
    free(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_origins_daily_at_midnight),
        cmocka_unit_test(test_methods_list_grows),
        cmocka_unit_test(test_gap_and_origin_time),
        cmocka_unit_test(test_no_method_sees_the_future),
        cmocka_unit_test(test_filled_actuals_not_scored),
        cmocka_unit_test(test_corruption_touches_inputs_only),
        cmocka_unit_test(test_corrupt_series),
        cmocka_unit_test(test_linear_forecaster_counted),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
