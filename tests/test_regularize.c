/* Regularisation: order, duplicates, step, off-grid rows, gaps, gap filling. */
#include "test_util.h"

#include <stdlib.h>

#include "data/timestamp.h"
#include "maskcast/maskcast.h"

enum { HOUR = 3600, DAY = 86400 };

/* "YYYY-MM-DD HH:MM:SS" of `seconds` after 2023-03-01 00:00. */
static void stamp(int64_t seconds, char *out)
{
    mc_time_to_text(mc_days_from_civil(2023, 3, 1) * DAY + seconds, 0, false, out, 40);
}

static mc_frame *read_text(const char *csv)
{
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    mc_frame *f = NULL;
    mc_error err;
    mc_status st = mc_frame_read_csv_buffer(&f, csv, strlen(csv), "series.csv", &opt, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    return f;
}

static void regularize_ok(mc_frame *f, const mc_regularize_options *opt)
{
    mc_error err;
    mc_status st = mc_frame_regularize(f, opt, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
}

/* Hourly load with a daily and a weekly shape, so seasonal fills are checkable. */
static double shape(int64_t hour)
{
    return 1000.0 + 250.0 * sin(6.283185307179586 * (double)(hour % 24) / 24.0) +
           80.0 * (double)((hour / 24) % 7) + 0.385 * (double)hour;
}

static void test_regular_series(void **state)
{
    (void)state;
    test_text t = {0};
    test_text_add(&t, "time,load\n");
    for (int h = 0; h < 48; h++) {
        char s[40];
        stamp(h * HOUR, s);
        test_text_add(&t, "%s,%.3f\n", s, shape(h));
    }
    mc_frame *f = read_text(t.s);
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    regularize_ok(f, &opt);
    assert_int_equal(mc_frame_step(f), HOUR);
    assert_int_equal(mc_frame_rows(f), 48);
    const mc_frame_report *r = mc_frame_get_report(f);
    assert_true(r->was_sorted);
    assert_int_equal(r->gap_rows, 0);
    assert_int_equal(r->duplicate_rows, 0);
    assert_int_equal(r->off_grid_rows, 0);
    regularize_ok(f, &opt); /* twice is harmless */
    assert_int_equal(mc_frame_rows(f), 48);
    mc_frame_free(f);
    free(t.s);
}

static void test_gaps_and_interpolation(void **state)
{
    (void)state;
    /* Half-hourly, with rows 5-6 (1 hour) and 20-29 (5 hours) absent. */
    test_text t = {0};
    test_text_add(&t, "time,load\n");
    for (int i = 0; i < 40; i++) {
        if ((i >= 5 && i <= 6) || (i >= 20 && i <= 29))
            continue;
        char s[40];
        stamp(i * 1800, s);
        test_text_add(&t, "%s,%.3f\n", s, 100.0 + 2.385 * i * i);
    }
    mc_frame *f = read_text(t.s);
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    regularize_ok(f, &opt);
    assert_int_equal(mc_frame_step(f), 1800);
    assert_int_equal(mc_frame_rows(f), 40);
    assert_int_equal(mc_frame_get_report(f)->gap_rows, 12);
    const double *v = mc_frame_values(f, 0);
    const uint8_t *s = mc_frame_states(f, 0);
    for (int i = 0; i < 40; i++)
        assert_int_equal(mc_frame_times(f)[i] - mc_frame_times(f)[0], i * 1800);
    /* The short gap lies on the line between rows 4 and 7. */
    const double y4 = 100.0 + 2.385 * 16, y7 = 100.0 + 2.385 * 49;
    assert_close(v[5], y4 + (y7 - y4) / 3.0, 1e-9, 1e-12);
    assert_close(v[6], y4 + 2.0 * (y7 - y4) / 3.0, 1e-9, 1e-12);
    assert_int_equal(s[5], MC_VALUE_INTERPOLATED);
    assert_int_equal(s[4], MC_VALUE_OBSERVED);
    /* The 5-hour gap is longer than the 3-hour default, and a day or a week
       ago does not exist in 20 hours of data: left missing. */
    for (int i = 20; i <= 29; i++) {
        assert_int_equal(s[i], MC_VALUE_MISSING);
        assert_true(isnan(v[i]));
    }
    const mc_column_report *c = mc_frame_column_report(f, 0);
    assert_int_equal(c->interpolated, 2);
    assert_int_equal(c->seasonal, 0);
    assert_int_equal(c->missing, 10);
    mc_frame_free(f);

    /* Raising the limit interpolates the long gap too. */
    f = read_text(t.s);
    opt.max_interpolate = 5 * HOUR;
    regularize_ok(f, &opt);
    assert_int_equal(mc_frame_column_report(f, 0)->interpolated, 12);
    mc_frame_free(f);
    free(t.s);
}

static test_text weeks_with_gap(int days, int gap_from, int gap_len, bool at_start)
{
    test_text t = {0};
    test_text_add(&t, "time,load\n");
    for (int h = 0; h < days * 24; h++) {
        if (h >= gap_from && h < gap_from + gap_len)
            continue;
        if (at_start && h < gap_len)
            continue;
        char s[40];
        stamp(h * HOUR, s);
        test_text_add(&t, "%s,%.3f\n", s, shape(h));
    }
    return t;
}

static void test_long_gaps_from_a_week_or_a_day(void **state)
{
    (void)state;
    /* 16 days; a 10-hour gap on day 9 is filled from day 2 (a week earlier). */
    test_text t = weeks_with_gap(16, 9 * 24 + 5, 10, false);
    mc_frame *f = read_text(t.s);
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    regularize_ok(f, &opt);
    const double *v = mc_frame_values(f, 0);
    const uint8_t *s = mc_frame_states(f, 0);
    for (int h = 9 * 24 + 5; h < 9 * 24 + 15; h++) {
        assert_int_equal(s[h], MC_VALUE_SEASONAL);
        assert_close(v[h], shape(h - 7 * 24), 6e-4, 0); /* written with 3 decimals */
    }
    assert_int_equal(mc_frame_column_report(f, 0)->seasonal, 10);
    mc_frame_free(f);

    /* With the day policy, from the day before. */
    f = read_text(t.s);
    opt.long_fill = MC_LONG_FILL_DAY;
    regularize_ok(f, &opt);
    v = mc_frame_values(f, 0);
    for (int h = 9 * 24 + 5; h < 9 * 24 + 15; h++)
        assert_close(v[h], shape(h - 24), 6e-4, 0);
    mc_frame_free(f);

    /* With none, left missing. */
    f = read_text(t.s);
    opt.long_fill = MC_LONG_FILL_NONE;
    regularize_ok(f, &opt);
    assert_int_equal(mc_frame_column_report(f, 0)->missing, 10);
    mc_frame_free(f);
    free(t.s);

    /* On day 3 there is no week before: the day before serves. */
    t = weeks_with_gap(16, 3 * 24 + 2, 6, false);
    f = read_text(t.s);
    opt.long_fill = MC_LONG_FILL_WEEK;
    regularize_ok(f, &opt);
    v = mc_frame_values(f, 0);
    for (int h = 3 * 24 + 2; h < 3 * 24 + 8; h++)
        assert_close(v[h], shape(h - 24), 6e-4, 0);
    mc_frame_free(f);
    free(t.s);
}

static void test_leading_gap_from_later(void **state)
{
    (void)state;
    /* Step and grid come from the rows present; a series starting with a gap
       cannot show it, so the missing start is made by a given value's absence:
       the first 5 rows have an empty load. */
    test_text t = {0};
    test_text_add(&t, "time,load\n");
    for (int h = 0; h < 10 * 24; h++) {
        char s[40];
        stamp(h * HOUR, s);
        if (h < 5)
            test_text_add(&t, "%s,\n", s);
        else
            test_text_add(&t, "%s,%.3f\n", s, shape(h));
    }
    mc_frame *f = read_text(t.s);
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    regularize_ok(f, &opt);
    const double *v = mc_frame_values(f, 0);
    for (int h = 0; h < 5; h++) {
        assert_int_equal(mc_frame_states(f, 0)[h], MC_VALUE_SEASONAL);
        assert_close(v[h], shape(h + 7 * 24), 6e-4, 0);
    }
    assert_int_equal(mc_frame_column_report(f, 0)->missing_in_file, 5);
    mc_frame_free(f);
    free(t.s);
}

static const char *UNSORTED_WITH_DUPLICATE = "time,load,temp\n"
                                             "2023-03-01 02:00,12.5,1\n"
                                             "2023-03-01 00:00,10.5,2\n"
                                             "2023-03-01 01:00,11.5,\n"
                                             "2023-03-01 03:00,13.5,4\n"
                                             "2023-03-01 01:00,14.25,6\n";

static void test_sorting_and_duplicate_policies(void **state)
{
    (void)state;
    struct { mc_duplicates policy; double load1, temp1; } cases[] = {
        {MC_DUPLICATES_FIRST, 11.5, NAN},
        {MC_DUPLICATES_LAST, 14.25, 6.0},
        {MC_DUPLICATES_MEAN, (11.5 + 14.25) / 2.0, 6.0}, /* the missing one is left out */
    };
    const char *covs[] = {"temp"};
    for (size_t k = 0; k < 3; k++) {
        mc_csv_options copt;
        mc_csv_options_defaults(&copt);
        copt.covariates = covs;
        copt.n_covariates = 1;
        mc_frame *f = NULL;
        assert_int_equal(mc_frame_read_csv_buffer(&f, UNSORTED_WITH_DUPLICATE,
                                                  strlen(UNSORTED_WITH_DUPLICATE), "s.csv", &copt,
                                                  NULL),
                         MC_OK);
        mc_regularize_options opt;
        mc_regularize_options_defaults(&opt);
        opt.duplicates = cases[k].policy;
        opt.max_interpolate = 0;
        opt.long_fill = MC_LONG_FILL_NONE;
        regularize_ok(f, &opt);
        assert_int_equal(mc_frame_rows(f), 4);
        const mc_frame_report *r = mc_frame_get_report(f);
        assert_false(r->was_sorted);
        assert_int_equal(r->duplicate_times, 1);
        assert_int_equal(r->duplicate_rows, 1);
        const double *load = mc_frame_values(f, 0), *temp = mc_frame_values(f, 1);
        assert_close(load[0], 10.5, 0, 0);
        assert_close(load[1], cases[k].load1, 1e-12, 0);
        assert_close(load[2], 12.5, 0, 0);
        assert_close(load[3], 13.5, 0, 0);
        if (isnan(cases[k].temp1)) {
            assert_true(isnan(temp[1]));
            assert_int_equal(mc_frame_states(f, 1)[1], MC_VALUE_MISSING);
        } else {
            assert_close(temp[1], cases[k].temp1, 0, 0);
        }
        assert_close(temp[2], 1.0, 0, 0);
        mc_frame_free(f);
    }
}

static void test_refusals_leave_frame_unchanged(void **state)
{
    (void)state;
    mc_frame *f = read_text(UNSORTED_WITH_DUPLICATE);
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    mc_error err;

    opt.duplicates = MC_DUPLICATES_ERROR;
    assert_int_equal(mc_frame_regularize(f, &opt, &err), MC_ERR_DUPLICATE);
    assert_contains(err.message, "series.csv: lines 4 and 6 have the same time 2023-03-01 01:00:00");
    assert_int_equal(err.line, 6);

    opt.duplicates = MC_DUPLICATES_MEAN;
    opt.sort = false;
    assert_int_equal(mc_frame_regularize(f, &opt, &err), MC_ERR_UNSORTED);
    assert_int_equal(err.line, 3);
    assert_contains(err.message, "series.csv: line 3: time 2023-03-01 00:00:00 comes before "
                                 "2023-03-01 02:00:00");

    /* Unchanged: still in file order, and it can still be regularised. */
    assert_int_equal(mc_frame_rows(f), 5);
    assert_close(mc_frame_values(f, 0)[0], 12.5, 0, 0);
    opt.sort = true;
    regularize_ok(f, &opt);
    assert_int_equal(mc_frame_rows(f), 4);
    mc_frame_free(f);
}

/* A grid refusal comes before sorting, merging or dropping anything. */
static void test_grid_refusal_is_atomic(void **state)
{
    (void)state;
    mc_frame *f = read_text("time,load\n"
                            "2024-03-01 02:00,3.5\n2024-03-01 00:00,1.5\n2024-03-01 01:00,2.5\n"
                            "2024-03-01 01:00,2.7\n2024-03-01 01:17,9.9\n2024-03-01 03:00,4.5\n");
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    opt.step = 1; /* one second: 10,801 rows for 5 times */
    mc_error err;
    assert_int_equal(mc_frame_regularize(f, &opt, &err), MC_ERR_GRID);
    assert_int_equal(mc_frame_rows(f), 6);
    assert_close(mc_frame_values(f, 0)[0], 3.5, 0, 0);
    const mc_frame_report *r = mc_frame_get_report(f);
    assert_true(r->was_sorted);
    assert_int_equal(r->duplicate_rows, 0);
    assert_int_equal(r->off_grid_rows, 0);
    assert_int_equal(mc_frame_step(f), 0);
    /* The retry with the right step sees the data as read. */
    opt.step = HOUR;
    regularize_ok(f, &opt);
    assert_int_equal(mc_frame_rows(f), 4);
    assert_int_equal(r->duplicate_rows, 1);
    assert_int_equal(r->off_grid_rows, 1);
    assert_close(mc_frame_values(f, 0)[1], 2.6, 1e-12, 0);
    mc_frame_free(f);
}

static void test_off_grid_and_given_step(void **state)
{
    (void)state;
    const char *csv = "t,v\n"
                      "2023-03-01 00:00,1\n2023-03-01 01:00,2\n2023-03-01 01:17,99\n"
                      "2023-03-01 02:00,3\n2023-03-01 03:00,4\n";
    mc_frame *f = read_text(csv);
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    regularize_ok(f, &opt);
    const mc_frame_report *r = mc_frame_get_report(f);
    assert_int_equal(r->off_grid_rows, 1);
    assert_int_equal(r->first_off_grid, mc_days_from_civil(2023, 3, 1) * DAY + HOUR + 17 * 60);
    assert_int_equal(mc_frame_rows(f), 4);
    for (size_t i = 0; i < 4; i++)
        assert_close(mc_frame_values(f, 0)[i], (double)(i + 1), 0, 0);
    mc_frame_free(f);

    /* A given step of 30 minutes puts a missing row between each pair. */
    f = read_text("t,v\n2023-03-01 00:00,1\n2023-03-01 01:00,2\n");
    opt.step = 1800;
    regularize_ok(f, &opt);
    assert_int_equal(mc_frame_rows(f), 3);
    assert_int_equal(mc_frame_step(f), 1800);
    assert_close(mc_frame_values(f, 0)[1], 1.5, 1e-12, 0);
    mc_frame_free(f);
}

/* Timestamps a second or two off the hour would lose most rows: refused. */
static void test_jittered_times_refused(void **state)
{
    (void)state;
    test_text t = {0};
    test_text_add(&t, "time,load\n");
    for (int i = 0; i < 48; i++) {
        char s[40];
        stamp(i * HOUR + i % 3, s);
        test_text_add(&t, "%s,%.3f\n", s, shape(i));
    }
    mc_frame *f = read_text(t.s);
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    mc_error err;
    assert_int_equal(mc_frame_regularize(f, &opt, &err), MC_ERR_GRID);
    assert_contains(err.message, "rows fall between the points of a");
    opt.step = HOUR;
    assert_int_equal(mc_frame_regularize(f, &opt, &err), MC_ERR_GRID);
    assert_contains(err.message, "32 of 48 rows fall between the points of a 3600 s grid");
    assert_int_equal(mc_frame_rows(f), 48);
    mc_frame_free(f);
    free(t.s);
}

/* Gap rows across a clock change take the offset that fits the rows around them. */
static void test_gap_across_offset_change(void **state)
{
    (void)state;
    mc_frame *f = read_text("time,load\n2024-10-27T00:00:00+02:00,1\n2024-10-27T01:00:00+02:00,2\n"
                            "2024-10-27T03:00:00+01:00,5\n2024-10-27T04:00:00+01:00,6\n");
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    regularize_ok(f, &opt);
    /* 22:00Z .. 03:00Z hourly; 00:00Z and 01:00Z inserted. The clocks went
       back at 01:00Z, so the inserted rows read 02:00+02:00 and 02:00+01:00
       (the repeated hour), not 03:00+02:00 on top of the next row's 03:00. */
    assert_int_equal(mc_frame_rows(f), 6);
    const int16_t *o = mc_frame_utc_offsets(f);
    const int16_t want[6] = {120, 120, 120, 60, 60, 60};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(o[i], want[i]);
    mc_frame_free(f);
}

static void test_grid_errors(void **state)
{
    (void)state;
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    mc_error err;
    /* A mistyped year would make a grid of millions of rows. */
    mc_frame *f = read_text("t,v\n2023-03-01 00:00,1\n2023-03-01 01:00,2\n2203-03-01 02:00,3\n");
    assert_int_equal(mc_frame_regularize(f, &opt, &err), MC_ERR_GRID);
    assert_contains(err.message, "series.csv: 3 rows from 2023-03-01 00:00:00 to 2203-03-01 02:00:00");
    assert_contains(err.message, "mistyped timestamp");
    mc_frame_free(f);

    f = read_text("t,v\n2023-03-01 00:00,1\n");
    assert_int_equal(mc_frame_regularize(f, &opt, &err), MC_ERR_GRID);
    assert_contains(err.message, "give the step");
    opt.step = HOUR;
    regularize_ok(f, &opt);
    assert_int_equal(mc_frame_rows(f), 1);
    mc_frame_free(f);

    f = read_text("t,v\n2023-03-01 00:00,1\n");
    opt.step = -5;
    assert_int_equal(mc_frame_regularize(f, &opt, &err), MC_ERR_ARGUMENT);
    opt.step = 0;
    opt.duplicates = (mc_duplicates)42;
    assert_int_equal(mc_frame_regularize(f, &opt, &err), MC_ERR_ARGUMENT);
    mc_frame_free(f);
}

/* Local wall-clock exports repeat the fall-back hour and skip the spring one. */
static void test_daylight_saving_artefacts(void **state)
{
    (void)state;
    mc_frame *f = read_text("t,v\n"
                            "2014-04-06 01:00,10\n2014-04-06 01:30,11\n"
                            "2014-04-06 02:00,12\n2014-04-06 02:30,13\n"
                            "2014-04-06 02:00,14\n2014-04-06 02:30,15\n"
                            "2014-04-06 03:00,16\n");
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    regularize_ok(f, &opt);
    const mc_frame_report *r = mc_frame_get_report(f);
    assert_int_equal(r->duplicate_times, 2);
    assert_int_equal(r->duplicate_rows, 2);
    assert_false(r->was_sorted);
    assert_int_equal(mc_frame_rows(f), 5);
    const double *v = mc_frame_values(f, 0);
    assert_close(v[2], 13.0, 0, 0); /* mean of 12 and 14 */
    assert_close(v[3], 14.0, 0, 0); /* mean of 13 and 15 */
    mc_frame_free(f);

    /* The skipped 02:00 and 02:30 in October lie on the line from 21 to 24. */
    f = read_text("t,v\n2014-10-05 01:00,20\n2014-10-05 01:30,21\n2014-10-05 03:00,24\n"
                  "2014-10-05 03:30,25\n");
    regularize_ok(f, &opt);
    v = mc_frame_values(f, 0);
    assert_int_equal(mc_frame_get_report(f)->gap_rows, 2);
    assert_close(v[2], 22.0, 1e-12, 0);
    assert_close(v[3], 23.0, 1e-12, 0);
    assert_int_equal(mc_frame_states(f, 0)[2], MC_VALUE_INTERPOLATED);
    mc_frame_free(f);

    /* With offsets written, the instants are distinct and regular. */
    f = read_text("t,v\n2014-04-06T02:00:00+11:00,1\n2014-04-06T02:30:00+11:00,2\n"
                  "2014-04-06T02:00:00+10:00,3\n2014-04-06T02:30:00+10:00,4\n");
    regularize_ok(f, &opt);
    assert_int_equal(mc_frame_get_report(f)->duplicate_times, 0);
    assert_int_equal(mc_frame_rows(f), 4);
    assert_int_equal(mc_frame_step(f), 1800);
    assert_int_equal(mc_frame_utc_offsets(f)[3], 600);
    mc_frame_free(f);
}

/* A slice holds the rows asked for, with their states and row flags. */
static void test_slice(void **state)
{
    (void)state;
    mc_frame *f = read_text("time,load\n2024-01-01 00:00,1\n2024-01-01 01:00,2\n"
                            "2024-01-01 01:00,4\n2024-01-01 03:00,5\n2024-01-01 04:00,\n"
                            "2024-01-01 05:00,7\n");
    mc_frame *s = NULL;
    assert_int_equal(mc_frame_slice(&s, f, 0, 2, NULL), MC_ERR_ARGUMENT); /* not regular */
    assert_null(s);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    regularize_ok(f, &ro);
    assert_int_equal(mc_frame_rows(f), 6);
    assert_int_equal(mc_frame_slice(&s, f, 5, 2, NULL), MC_ERR_ARGUMENT);
    assert_int_equal(mc_frame_slice(&s, f, 1, 0, NULL), MC_ERR_ARGUMENT);
    assert_int_equal(mc_frame_slice(&s, f, 1, 4, NULL), MC_OK);
    assert_int_equal(mc_frame_rows(s), 4);
    assert_int_equal(mc_frame_step(s), 3600);
    assert_int_equal(mc_frame_times(s)[0], mc_frame_times(f)[1]);
    assert_true(mc_frame_values(s, 0)[0] == 3.0); /* the duplicates' mean */
    const uint8_t want_flags[4] = {MC_ROW_MERGED, MC_ROW_INSERTED, 0, 0};
    const uint8_t want_states[4] = {MC_VALUE_OBSERVED, MC_VALUE_INTERPOLATED, MC_VALUE_OBSERVED,
                                    MC_VALUE_INTERPOLATED};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(mc_frame_row_flags(s)[i], want_flags[i]);
        assert_int_equal(mc_frame_states(s, 0)[i], want_states[i]);
        assert_true(mc_frame_values(s, 0)[i] == mc_frame_values(f, 0)[i + 1]);
    }
    assert_string_equal(mc_frame_column_name(s, 0), "load");
    assert_int_equal(mc_frame_get_report(s)->duplicate_rows, 1);
    mc_frame_free(s);
    mc_frame_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regular_series),
        cmocka_unit_test(test_gaps_and_interpolation),
        cmocka_unit_test(test_long_gaps_from_a_week_or_a_day),
        cmocka_unit_test(test_leading_gap_from_later),
        cmocka_unit_test(test_sorting_and_duplicate_policies),
        cmocka_unit_test(test_refusals_leave_frame_unchanged),
        cmocka_unit_test(test_grid_refusal_is_atomic),
        cmocka_unit_test(test_off_grid_and_given_step),
        cmocka_unit_test(test_grid_errors),
        cmocka_unit_test(test_jittered_times_refused),
        cmocka_unit_test(test_gap_across_offset_change),
        cmocka_unit_test(test_daylight_saving_artefacts),
        cmocka_unit_test(test_slice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
