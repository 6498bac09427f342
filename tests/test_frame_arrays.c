/* Frames from the caller's arrays: the same frame as from the equivalent CSV
   text (values, states, times, offsets, reports, before and after
   regularisation), and every bad input refused with a clear error. */
#include "test_util.h"

#include <stdlib.h>
#include <time.h>

#include "maskcast/maskcast.h"

enum { ROWS = 40, COLS = 2 };

/* An hourly series with what regularisation has to deal with: a gap of five
   hours (one long fill), two rows swapped, a duplicated hour, missing values. */
typedef struct series {
    int64_t times[ROWS];
    int16_t offsets[ROWS];
    double load[ROWS], temp[ROWS];
} series;

static void make_series(series *s, bool with_offsets)
{
    const int64_t t0 = 1710000000 - 1710000000 % 3600; /* 2024-03-09 16:00 UTC */
    for (size_t i = 0; i < ROWS; i++) {
        const size_t hour = i < 20 ? i : i + 5;
        s->times[i] = t0 + (int64_t)hour * 3600;
        s->offsets[i] = with_offsets ? (int16_t)(i < 30 ? 60 : 120) : 0;
        s->load[i] = 1523.375 + 97.25 * sin(0.4 * (double)i) + 0.001 * (double)(i * i);
        s->temp[i] = -3.625 + 0.5 * (double)(i % 7);
    }
    s->load[6] = NAN;
    s->load[7] = NAN;
    s->temp[11] = NAN;
    /* rows 13 and 14 swapped; row 31 repeats row 30's hour */
    const int64_t t = s->times[13];
    s->times[13] = s->times[14];
    s->times[14] = t;
    s->times[31] = s->times[30];
}

/* The CSV text of the same series, written independently of the library. */
static char *series_csv(const series *s, bool with_offsets)
{
    size_t size = 128 + ROWS * 128, used = 0;
    char *text = malloc(size);
    assert_non_null(text);
    used += (size_t)snprintf(text, size, "time,load,temp\n");
    for (size_t i = 0; i < ROWS; i++) {
        const time_t wall = (time_t)(s->times[i] + 60 * (int64_t)s->offsets[i]);
        struct tm tm;
        gmtime_r(&wall, &tm);
        char when[32], off[16] = "";
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        if (with_offsets)
            snprintf(off, sizeof off, "+%02d:%02d", s->offsets[i] / 60, s->offsets[i] % 60);
        char lv[32] = "", tv[32] = "";
        if (!isnan(s->load[i]))
            snprintf(lv, sizeof lv, "%.17g", s->load[i]);
        if (!isnan(s->temp[i]))
            snprintf(tv, sizeof tv, "%.17g", s->temp[i]);
        used += (size_t)snprintf(text + used, size - used, "%s%s,%s,%s\n", when, off, lv, tv);
        assert_true(used < size);
    }
    return text;
}

static void assert_same_frame(const mc_frame *a, const mc_frame *b)
{
    const size_t n = mc_frame_rows(a);
    assert_int_equal(n, mc_frame_rows(b));
    assert_int_equal(mc_frame_columns(a), mc_frame_columns(b));
    assert_int_equal(mc_frame_step(a), mc_frame_step(b));
    assert_string_equal(mc_frame_time_name(a), mc_frame_time_name(b));
    assert_memory_equal(mc_frame_times(a), mc_frame_times(b), n * sizeof(int64_t));
    assert_memory_equal(mc_frame_utc_offsets(a), mc_frame_utc_offsets(b), n * sizeof(int16_t));
    for (size_t j = 0; j < mc_frame_columns(a); j++) {
        assert_string_equal(mc_frame_column_name(a, j), mc_frame_column_name(b, j));
        assert_memory_equal(mc_frame_states(a, j), mc_frame_states(b, j), n);
        const double *va = mc_frame_values(a, j), *vb = mc_frame_values(b, j);
        for (size_t i = 0; i < n; i++) {
            if (isnan(va[i]) || isnan(vb[i]))
                assert_true(isnan(va[i]) && isnan(vb[i]));
            else
                assert_memory_equal(&va[i], &vb[i], sizeof(double)); /* bit for bit */
        }
        const mc_column_report *ra = mc_frame_column_report(a, j);
        const mc_column_report *rb = mc_frame_column_report(b, j);
        assert_memory_equal(ra, rb, sizeof *ra);
    }
    const mc_frame_report *ra = mc_frame_get_report(a), *rb = mc_frame_get_report(b);
    assert_int_equal(ra->file_rows, rb->file_rows);
    assert_int_equal(ra->has_utc_offsets, rb->has_utc_offsets);
    assert_int_equal(ra->was_sorted, rb->was_sorted);
    assert_int_equal(ra->duplicate_times, rb->duplicate_times);
    assert_int_equal(ra->duplicate_rows, rb->duplicate_rows);
    assert_int_equal(ra->off_grid_rows, rb->off_grid_rows);
    assert_int_equal(ra->gap_rows, rb->gap_rows);
}

static void check_equals_csv(bool with_offsets)
{
    series s;
    make_series(&s, with_offsets);
    const char *names[COLS] = {"load", "temp"};
    const double *cols[COLS] = {s.load, s.temp};
    mc_error err;
    mc_frame *fa = NULL, *fc = NULL;
    assert_int_equal(mc_frame_from_arrays(&fa, s.times, with_offsets ? s.offsets : NULL, ROWS,
                                          names, cols, COLS, &err),
                     MC_OK);
    assert_int_equal(err.code, MC_OK);

    char *text = series_csv(&s, with_offsets);
    mc_csv_options copt;
    mc_csv_options_defaults(&copt);
    const char *covs[] = {"temp"};
    copt.covariates = covs;
    copt.n_covariates = 1;
    assert_int_equal(mc_frame_read_csv_buffer(&fc, text, strlen(text), "x.csv", &copt, &err),
                     MC_OK);
    free(text);

    assert_same_frame(fa, fc);
    assert_int_equal(mc_frame_column_report(fa, 0)->missing_in_file, 2);
    assert_int_equal(mc_frame_get_report(fa)->has_utc_offsets, with_offsets);

    mc_regularize_options ropt;
    mc_regularize_options_defaults(&ropt);
    assert_int_equal(mc_frame_regularize(fa, &ropt, &err), MC_OK);
    assert_int_equal(mc_frame_regularize(fc, &ropt, &err), MC_OK);
    assert_same_frame(fa, fc);
    /* The regulariser saw what was built in: 40 rows, a duplicate merged,
       5 + 1 hours inserted (the gap, and the hour the duplicate left empty),
       rows out of order. */
    assert_int_equal(mc_frame_rows(fa), ROWS - 1 + 6);
    assert_int_equal(mc_frame_step(fa), 3600);
    assert_int_equal(mc_frame_get_report(fa)->duplicate_rows, 1);
    assert_int_equal(mc_frame_get_report(fa)->gap_rows, 6);
    assert_false(mc_frame_get_report(fa)->was_sorted);
    mc_frame_free(fa);
    mc_frame_free(fc);
}

static void test_equals_csv_wall_clock(void **state)
{
    (void)state;
    check_equals_csv(false);
}

static void test_equals_csv_with_offsets(void **state)
{
    (void)state;
    check_equals_csv(true);
}

/* The caller's arrays are copied, not referenced. */
static void test_copies_the_arrays(void **state)
{
    (void)state;
    int64_t t[3] = {7200, 3600 * 3, 3600 * 4};
    double v[3] = {2.385, NAN, 4.75};
    char name[8] = "mw";
    const char *names[1] = {name};
    const double *cols[1] = {v};
    mc_frame *f = NULL;
    assert_int_equal(mc_frame_from_arrays(&f, t, NULL, 3, names, cols, 1, NULL), MC_OK);
    t[0] = 0;
    v[0] = 9.0;
    name[0] = 'x';
    assert_int_equal(mc_frame_times(f)[0], 7200);
    assert_close(mc_frame_values(f, 0)[0], 2.385, 0, 0);
    assert_true(isnan(mc_frame_values(f, 0)[1]));
    assert_int_equal(mc_frame_states(f, 0)[1], MC_VALUE_MISSING);
    assert_int_equal(mc_frame_states(f, 0)[2], MC_VALUE_OBSERVED);
    assert_string_equal(mc_frame_column_name(f, 0), "mw");
    assert_string_equal(mc_frame_time_name(f), "time");
    mc_frame_free(f);
}

/* Calls mc_frame_from_arrays, expecting it to fail with `code` at (line,
   column) and a message containing `msg`, storing NULL. */
static void fails(const int64_t *t, const int16_t *o, size_t rows, const char *const *names,
                  const double *const *cols, size_t n, mc_status code, size_t line,
                  size_t column, const char *msg)
{
    mc_frame *f = (mc_frame *)&f; /* must be reset to NULL */
    mc_error err;
    assert_int_equal(mc_frame_from_arrays(&f, t, o, rows, names, cols, n, &err), code);
    assert_null(f);
    assert_int_equal(err.code, code);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    assert_contains(err.message, "arrays");
    assert_contains(err.message, msg);
    assert_printable(err.message);
}

static void test_bad_input(void **state)
{
    (void)state;
    const int64_t t[3] = {0, 3600, 7200};
    const double a[3] = {1.5, 2.5, 3.5}, b[3] = {4.5, INFINITY, 6.5};
    const char *names[2] = {"load", "temp"};
    const double *cols[2] = {a, a};
    mc_error err;
    assert_int_equal(mc_frame_from_arrays(NULL, t, NULL, 3, names, cols, 1, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "no place");
    fails(t, NULL, 0, names, cols, 1, MC_ERR_EMPTY, 0, 0, "no rows");
    fails(NULL, NULL, 3, names, cols, 1, MC_ERR_ARGUMENT, 0, 0, "no times");
    fails(t, NULL, 3, names, cols, 0, MC_ERR_ARGUMENT, 0, 0, "no columns");
    fails(t, NULL, 3, NULL, cols, 1, MC_ERR_ARGUMENT, 0, 0, "no columns");
    fails(t, NULL, 3, names, NULL, 1, MC_ERR_ARGUMENT, 0, 0, "no columns");

    const double *null_col[2] = {a, NULL};
    fails(t, NULL, 3, names, null_col, 2, MC_ERR_ARGUMENT, 0, 2, "column 2 has no values");
    const char *unnamed[2] = {"load", ""};
    fails(t, NULL, 3, unnamed, cols, 2, MC_ERR_ARGUMENT, 0, 2, "column 2 has no name");
    const char *null_name[2] = {NULL, "temp"};
    fails(t, NULL, 3, null_name, cols, 2, MC_ERR_ARGUMENT, 0, 1, "column 1 has no name");
    const char *twice[2] = {"load", "load"};
    fails(t, NULL, 3, twice, cols, 2, MC_ERR_COLUMN, 0, 2, "columns 1 and 2 are both named \"load\"");

    const double *with_inf[2] = {a, b};
    fails(t, NULL, 3, names, with_inf, 2, MC_ERR_VALUE, 2, 2, "row 2, column \"temp\": +inf");
    const double enormous[3] = {1.5, -1e308, 3.5};
    const double *with_huge[2] = {a, enormous};
    fails(t, NULL, 3, names, with_huge, 2, MC_ERR_VALUE, 2, 2,
          "row 2, column \"temp\": -1e+308 is not a number a load series can hold (beyond 1e100)");
    /* Names are quoted as in a CSV file's messages: control bytes become '?'. */
    const char *escaped[2] = {"lo\x1b[2Jad\x7f", "lo\x1b[2Jad\x7f"};
    fails(t, NULL, 3, escaped, cols, 2, MC_ERR_COLUMN, 0, 2, "both named \"lo?[2Jad?\"");
    const char *bell[2] = {"load", "te\amp\n"};
    fails(t, NULL, 3, bell, with_inf, 2, MC_ERR_VALUE, 2, 2, "row 2, column \"te?mp?\": +inf");

    const int16_t wide[3] = {60, -(19 * 60), 60};
    fails(t, wide, 3, names, cols, 1, MC_ERR_TIME, 2, 0, "row 2: UTC offset -1140 minutes");
    const int64_t far[3] = {0, 253402300800, 7200}; /* 10000-01-01 00:00 */
    fails(far, NULL, 3, names, cols, 1, MC_ERR_TIME, 2, 0, "outside the years 1 to 9999");
    const int64_t huge[3] = {0, 3600, INT64_MAX};
    fails(huge, NULL, 3, names, cols, 1, MC_ERR_TIME, 3, 0, "row 3");
    const int64_t before[3] = {-62135596801, 0, 3600}; /* 0000-12-31 23:59:59 */
    fails(before, NULL, 3, names, cols, 1, MC_ERR_TIME, 1, 0, "outside the years 1 to 9999");
    /* The last second of 9999 and the first of year 1 are fine; an offset
       may carry the wall clock out of range. */
    const int64_t edge[2] = {-62135596800, 253402300799};
    mc_frame *f = NULL;
    assert_int_equal(mc_frame_from_arrays(&f, edge, NULL, 2, names, cols, 1, &err), MC_OK);
    mc_frame_free(f);
    const int16_t east[2] = {0, 60};
    fails(edge, east, 2, names, cols, 1, MC_ERR_TIME, 2, 0, "outside the years 1 to 9999");
}

/* The regulariser's messages give 1-based rows where a file's give lines. */
static void test_regularize_errors_name_rows(void **state)
{
    (void)state;
    const int64_t t[4] = {0, 3600, 3600, 7200};
    const double v[4] = {1.5, 2.5, 3.5, 4.5};
    const char *names[1] = {"load"};
    const double *cols[1] = {v};
    mc_frame *f = NULL;
    mc_error err;
    assert_int_equal(mc_frame_from_arrays(&f, t, NULL, 4, names, cols, 1, &err), MC_OK);
    mc_regularize_options ropt;
    mc_regularize_options_defaults(&ropt);
    ropt.duplicates = MC_DUPLICATES_ERROR;
    assert_int_equal(mc_frame_regularize(f, &ropt, &err), MC_ERR_DUPLICATE);
    assert_int_equal(err.line, 3);
    assert_contains(err.message, "arrays: lines 2 and 3 have the same time");
    mc_frame_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equals_csv_wall_clock),
        cmocka_unit_test(test_equals_csv_with_offsets),
        cmocka_unit_test(test_copies_the_arrays),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_regularize_errors_name_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
