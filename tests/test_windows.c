/* Sample windows, scalers, calendar features and holidays, against values
   worked out by hand. */
#include "test_util.h"

#include <stdlib.h>
#include <unistd.h>

#include "data/calendar.h"
#include "data/timestamp.h"
#include "data/windows.h"
#include "maskcast/frame.h"

#define TWO_PI 6.283185307179586

enum { ROWS = 10 };

/* A tiny series: load, a past covariate and a future covariate; row 4's load
   is filled (not observed), row 7's is missing. */
static double load[ROWS] = {10, 12, 14, 11, 13, 15, 17, 16, 18, 20};
static double temp[ROWS] = {1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5};
static double fcst[ROWS] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
static uint8_t load_state[ROWS], temp_state[ROWS], fcst_state[ROWS];
static int64_t wall[ROWS];

static mc_series make_series(const double **values, const uint8_t **states)
{
    for (size_t i = 0; i < ROWS; i++) {
        load_state[i] = MC_VALUE_OBSERVED;
        temp_state[i] = fcst_state[i] = MC_VALUE_OBSERVED;
        wall[i] = mc_days_from_civil(2024, 1, 1) * 86400 + (int64_t)i * 3600;
    }
    load_state[4] = MC_VALUE_INTERPOLATED;
    load_state[7] = MC_VALUE_MISSING;
    load[7] = NAN;
    values[0] = load;
    values[1] = temp;
    values[2] = fcst;
    states[0] = load_state;
    states[1] = temp_state;
    states[2] = fcst_state;
    return (mc_series){.rows = ROWS, .wall = wall, .n_columns = 3, .values = values,
                       .states = states};
}

static void test_scaler_fit(void **state)
{
    (void)state;
    const double *values[3];
    const uint8_t *states[3];
    mc_series s = make_series(values, states);
    mc_scaler sc[3];
    mc_scaler_fit(sc, &s, 8); /* rows 0..7: load observed at 0-3, 5, 6 */
    const double obs[6] = {10, 12, 14, 11, 15, 17};
    double mean = 0, var = 0;
    for (int i = 0; i < 6; i++)
        mean += obs[i] / 6.0;
    for (int i = 0; i < 6; i++)
        var += (obs[i] - mean) * (obs[i] - mean) / 5.0;
    assert_close(sc[0].mean, mean, 1e-12, 0);
    assert_close(sc[0].scale, sqrt(var), 1e-12, 0);
    assert_close(sc[1].mean, 5.0, 1e-12, 0); /* 1.5 .. 8.5 */
    /* A constant column keeps a scale of 1. */
    double flat[ROWS];
    for (size_t i = 0; i < ROWS; i++)
        flat[i] = 2.385;
    values[2] = flat;
    mc_scaler_fit(sc, &s, ROWS);
    assert_close(sc[2].mean, 2.385, 1e-12, 0);
    assert_close(sc[2].scale, 1.0, 0, 0);
}

static void test_gather_layout(void **state)
{
    (void)state;
    const double *values[3];
    const uint8_t *states[3];
    mc_series s = make_series(values, states);
    const mc_scaler sc[3] = {{10.0, 2.0}, {5.0, 0.5}, {4.0, 4.0}};
    const size_t past[1] = {1}, future[1] = {2};
    mc_window_spec w = {.lookback = 3, .horizon = 2, .level_steps = 2, .n_past = 1, .past = past,
                        .n_future = 1, .future = future, .calendar = false,
                        .normalize_level = true, .holidays = NULL, .scalers = sc};
    assert_int_equal(mc_window_past_channels(&w), 2);
    assert_int_equal(mc_window_future_channels(&w), 1);
    assert_int_equal(mc_window_input_size(&w), 3 * 2 + 3 + 2 * 1);
    float x[2 * 11], target[4], weight[4], level[2];
    const size_t origins[2] = {6, 3};
    mc_window_gather(x, target, weight, level, &s, &w, origins, 2);

    /* Origin 6: past rows 3, 4, 5; level = mean of scaled load at rows 4, 5
       (the last day = 2 steps) = ((13-10)/2 + (15-10)/2) / 2 = 2. */
    assert_close(level[0], 2.0, 1e-6, 0);
    const float want0[11] = {
        (11 - 10) / 2.0f - 2, (4.5f - 5) / 0.5f, /* row 3: load - level, temp */
        (13 - 10) / 2.0f - 2, (5.5f - 5) / 0.5f, /* row 4 (filled, still used) */
        (15 - 10) / 2.0f - 2, (6.5f - 5) / 0.5f, /* row 5 */
        1, 0, 1,                                 /* observed flags: row 4 was filled */
        (2 - 4) / 4.0f, (6 - 4) / 4.0f};         /* future covariate at rows 6, 7 */
    for (size_t i = 0; i < 11; i++)
        assert_close(x[i], want0[i], 1e-6, 0);
    assert_close(target[0], (17 - 10) / 2.0 - 2, 1e-6, 0);
    assert_close(weight[0], 1.0, 0, 0);
    assert_close(weight[1], 0.0, 0, 0); /* row 7 is missing: never counts */

    /* Origin 3: past rows 0, 1, 2; targets 3, 4 (4 filled: weight 0). */
    const float lv = ((12 - 10) / 2.0f + (14 - 10) / 2.0f) / 2;
    assert_close(level[1], lv, 1e-6, 0);
    assert_close(x[11 + 0], (10 - 10) / 2.0f - lv, 1e-6, 0);
    assert_close(x[11 + 6], 1, 0, 0);
    assert_close(target[2], (11 - 10) / 2.0 - lv, 1e-6, 0);
    assert_close(weight[2], 1, 0, 0);
    assert_close(weight[3], 0, 0, 0);

    /* A one-step level is the last value: row 5's scaled load. */
    w.level_steps = 1;
    mc_window_gather(x, NULL, NULL, level, &s, &w, origins, 1);
    assert_close(level[0], (15 - 10) / 2.0, 1e-6, 0);
    assert_close(x[0], (11 - 10) / 2.0f - (15 - 10) / 2.0f, 1e-6, 0);

    /* Without level normalisation the load is only scaled. */
    w.normalize_level = false;
    mc_window_gather(x, NULL, NULL, level, &s, &w, origins, 1);
    assert_close(x[0], (11 - 10) / 2.0, 1e-6, 0);
    assert_close(level[0], 0.0, 0, 0);
}

static void test_missing_past_is_zero_and_unobserved(void **state)
{
    (void)state;
    const double *values[3];
    const uint8_t *states[3];
    mc_series s = make_series(values, states);
    const mc_scaler sc[3] = {{10.0, 2.0}, {5.0, 0.5}, {4.0, 4.0}};
    mc_window_spec w = {.lookback = 3, .horizon = 1, .level_steps = 1, .scalers = sc};
    float x[3 + 3];
    const size_t origin = 8; /* past rows 5, 6, 7; row 7's load is missing */
    mc_window_gather(x, NULL, NULL, NULL, &s, &w, &origin, 1);
    assert_close(x[2], 0.0, 0, 0);
    assert_close(x[3 + 2], 0.0, 0, 0);
}

static void test_calendar_features(void **state)
{
    (void)state;
    const int64_t days[3] = {mc_days_from_civil(2024, 12, 25), mc_days_from_civil(2024, 1, 1),
                             mc_days_from_civil(2024, 12, 25)};
    mc_holidays h;
    assert_int_equal(mc_holidays_from_days(&h, days, 3, NULL), MC_OK);
    assert_int_equal(h.n, 2); /* sorted, repeats dropped */
    float f[MC_CALENDAR_CHANNELS];
    /* Monday 2024-01-01 00:00, a holiday: phases 0 everywhere. */
    mc_calendar_features(f, mc_days_from_civil(2024, 1, 1) * 86400, &h);
    const float want[MC_CALENDAR_CHANNELS] = {0, 1, 0, 1, 0, 1, 0, 1};
    for (int i = 0; i < MC_CALENDAR_CHANNELS; i++)
        assert_close(f[i], want[i], 1e-6, 0);
    /* Saturday 2024-03-16 18:00: hour 0.75 of the day, weekday 5.75 of 7,
       day of year 75.75 of 365.25; a weekend, not a holiday. */
    mc_calendar_features(f, mc_days_from_civil(2024, 3, 16) * 86400 + 18 * 3600, &h);
    assert_close(f[0], sin(TWO_PI * 0.75), 1e-6, 0);
    assert_close(f[1], cos(TWO_PI * 0.75), 1e-6, 0);
    assert_close(f[2], sin(TWO_PI * 5.75 / 7), 1e-6, 0);
    assert_close(f[3], cos(TWO_PI * 5.75 / 7), 1e-6, 0);
    assert_close(f[4], sin(TWO_PI * 75.75 / 365.25), 1e-6, 0);
    assert_close(f[5], cos(TWO_PI * 75.75 / 365.25), 1e-6, 0);
    assert_close(f[6], 1, 0, 0);
    assert_close(f[7], 0, 0, 0);
    /* Christmas: a holiday on a Wednesday. */
    mc_calendar_features(f, mc_days_from_civil(2024, 12, 25) * 86400 + 7 * 3600, &h);
    assert_close(f[6], 0, 0, 0);
    assert_close(f[7], 1, 0, 0);
    mc_holidays_free(&h);
}

static void test_holidays_file(void **state)
{
    (void)state;
    const char *dir = getenv("MC_TEST_TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/holidays_test_%ld.csv", dir ? dir : "/tmp", (long)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("date,name\n2023-12-25,Christmas\n2023-01-01,New Year\n2023-12-25,again\n", f);
    fclose(f);
    mc_holidays h;
    assert_int_equal(mc_holidays_read(&h, path, NULL), MC_OK);
    assert_int_equal(h.n, 2);
    assert_true(mc_holidays_contains(&h, mc_days_from_civil(2023, 12, 25)));
    assert_false(mc_holidays_contains(&h, mc_days_from_civil(2023, 12, 26)));
    mc_holidays_free(&h);

    f = fopen(path, "w");
    assert_non_null(f);
    fputs("date,name\n2023-12-25,Christmas\n25/12/2023,bad\n", f);
    fclose(f);
    mc_error err;
    assert_int_equal(mc_holidays_read(&h, path, &err), MC_ERR_TIME);
    assert_int_equal(err.line, 3);
    assert_contains(err.message, "line 3: \"25/12/2023\" is not a date");
    unlink(path);
    assert_int_equal(mc_holidays_read(&h, path, &err), MC_ERR_IO);
    assert_contains(err.message, path);
}

/* The buffer reader is the file reader over bytes in memory: same days, same
   errors, with the name given (or "(holidays)") where the path would be. */
static void test_holidays_buffer(void **state)
{
    (void)state;
    static const char good[] = "\xEF\xBB\xBF" "date;name\r\n2023-12-25;Christmas\r\n"
                               "2023-01-01;New Year\r\n2023-12-25;again\r\n";
    mc_holidays h;
    assert_int_equal(mc_holidays_read_buffer(&h, good, sizeof good - 1, "mem.csv", NULL), MC_OK);
    assert_int_equal(h.n, 2);
    assert_true(h.days[0] == mc_days_from_civil(2023, 1, 1));
    assert_true(h.days[1] == mc_days_from_civil(2023, 12, 25));
    mc_holidays_free(&h);

    static const char bad[] = "date,name\n2023-12-25,Christmas\n25/12/2023,bad\n";
    mc_error err;
    assert_int_equal(mc_holidays_read_buffer(&h, bad, sizeof bad - 1, "mem.csv", &err),
                     MC_ERR_TIME);
    assert_int_equal(err.line, 3);
    assert_contains(err.message, "mem.csv: line 3: \"25/12/2023\" is not a date");
    assert_int_equal(h.n, 0);
    assert_int_equal(mc_holidays_read_buffer(&h, "", 0, NULL, &err), MC_ERR_EMPTY);
    assert_contains(err.message, "(holidays)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scaler_fit),
        cmocka_unit_test(test_gather_layout),
        cmocka_unit_test(test_missing_past_is_zero_and_unobserved),
        cmocka_unit_test(test_calendar_features),
        cmocka_unit_test(test_holidays_file),
        cmocka_unit_test(test_holidays_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
