/* Reading frames from CSV: columns by name, values, missing tokens, errors
   that name the file, line, column and text. */
#include "test_util.h"

#include <locale.h>
#include <stdlib.h>

#include "maskcast/maskcast.h"

static mc_status load(const char *text, const mc_csv_options *opt, mc_frame **f, mc_error *err)
{
    return mc_frame_read_csv_buffer(f, text, strlen(text), "meter.csv", opt, err);
}

static mc_frame *load_ok(const char *text, const mc_csv_options *opt)
{
    mc_frame *f = NULL;
    mc_error err;
    mc_status st = load(text, opt, &f, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    return f;
}

static void load_fails(const char *text, const mc_csv_options *opt, mc_status code,
                       size_t line, size_t column, const char *msg)
{
    mc_frame *f = (mc_frame *)&f; /* must be reset to NULL */
    mc_error err;
    assert_int_equal(load(text, opt, &f, &err), code);
    assert_null(f);
    assert_int_equal(err.code, code);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    assert_contains(err.message, "meter.csv");
    assert_contains(err.message, msg);
}

static void test_columns_by_name(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    const char *covs[] = {"temp", "holiday"};
    opt.time_column = "stamp";
    opt.target_column = "mw";
    opt.covariates = covs;
    opt.n_covariates = 2;
    const char *text = "id,holiday,stamp,mw,notes,temp\n"
                       "7,FALSE,2022-05-01 00:00,1523.75,ok,11.5\n"
                       "8,true,2022-05-01 01:00,1498.125,\"a, b\",-2.25\n";
    mc_frame *f = load_ok(text, &opt);
    assert_int_equal(mc_frame_rows(f), 2);
    assert_int_equal(mc_frame_columns(f), 3);
    assert_string_equal(mc_frame_time_name(f), "stamp");
    assert_string_equal(mc_frame_column_name(f, 0), "mw");
    assert_string_equal(mc_frame_column_name(f, 1), "temp");
    assert_string_equal(mc_frame_column_name(f, 2), "holiday");
    assert_null(mc_frame_column_name(f, 3));
    assert_null(mc_frame_values(f, 3));
    assert_close(mc_frame_values(f, 0)[1], 1498.125, 0, 0);
    assert_close(mc_frame_values(f, 1)[1], -2.25, 0, 0);
    assert_close(mc_frame_values(f, 2)[0], 0.0, 0, 0);
    assert_close(mc_frame_values(f, 2)[1], 1.0, 0, 0);
    assert_int_equal(mc_frame_times(f)[1] - mc_frame_times(f)[0], 3600);
    assert_int_equal(mc_frame_step(f), 0); /* not regularised yet */
    mc_frame_free(f);
}

static void test_default_columns(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    mc_frame *f = load_ok("when,load,other\n2022-01-01,3.5,x\n", &opt);
    assert_string_equal(mc_frame_time_name(f), "when");
    assert_string_equal(mc_frame_column_name(f, 0), "load");
    mc_frame_free(f);
    /* With the time column named and not first, the target is the first other one. */
    opt.time_column = "when";
    f = load_ok("load,when\n4.5,2022-01-01\n", &opt);
    assert_string_equal(mc_frame_column_name(f, 0), "load");
    mc_frame_free(f);
}

static void test_missing_tokens(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    const char *text = "t,v\n"
                       "2022-01-01 00:00,\n"
                       "2022-01-01 01:00,NA\n"
                       "2022-01-01 02:00,nan\n"
                       "2022-01-01 03:00,NULL\n"
                       "2022-01-01 04:00,-\n"
                       "2022-01-01 05:00,Na\n"
                       "2022-01-01 06:00,\"\"\n"
                       "2022-01-01 07:00,-0.5e2\n";
    mc_frame *f = load_ok(text, &opt);
    const double *v = mc_frame_values(f, 0);
    const uint8_t *s = mc_frame_states(f, 0);
    for (size_t i = 0; i < 7; i++) {
        assert_true(isnan(v[i]));
        assert_int_equal(s[i], MC_VALUE_MISSING);
    }
    assert_close(v[7], -50.0, 0, 0);
    assert_int_equal(s[7], MC_VALUE_OBSERVED);
    assert_int_equal(mc_frame_column_report(f, 0)->missing_in_file, 7);
    assert_null(mc_frame_column_report(f, 1));
    mc_frame_free(f);
}

static void test_not_a_number(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    const char *covs[] = {"temp"};
    opt.covariates = covs;
    opt.n_covariates = 1;
    const char *text = "time,load,temp\n"
                       "2022-01-01 00:00,12.5,3\n"
                       "2022-01-01 01:00,13.5,3.1\n"
                       "2022-01-01 02:00,14.5,warm\n"
                       "2022-01-01 03:00,0x1A,inf\n";
    load_fails(text, &opt, MC_ERR_VALUE, 4, 3,
               "line 4, column \"temp\" (field 3): \"warm\" is not a number");
    /* Hexadecimal and infinities are not load values either. */
    load_fails("time,load\n2022-01-01,0x1A\n", &opt, MC_ERR_COLUMN, 0, 0, "no covariate column");
    opt.n_covariates = 0;
    load_fails("time,load\n2022-01-01,0x1A\n", &opt, MC_ERR_VALUE, 2, 2, "\"0x1A\" is not a number");
    load_fails("time,load\n2022-01-01,inf\n", &opt, MC_ERR_VALUE, 2, 2, "\"inf\" is not a number");
    load_fails("time,load\n2022-01-01,1e999\n", &opt, MC_ERR_VALUE, 2, 2, "not a number");
    load_fails("time,load\n2022-01-01,12 5\n", &opt, MC_ERR_VALUE, 2, 2, "\"12 5\"");
    /* Finite, but beyond what sums, means and squares of it survive (a
       1e308 made regularising and describing give infinities). */
    load_fails("time,load\n2022-01-01,1e308\n", &opt, MC_ERR_VALUE, 2, 2,
               "\"1e308\" is beyond the 1e100 a value may be");
    load_fails("time,load\n2022-01-01,-1.5e101\n", &opt, MC_ERR_VALUE, 2, 2, "beyond the 1e100");
    mc_frame *edge = load_ok("time,load\n2022-01-01,1e100\n2022-01-02,-1e100\n", &opt);
    assert_true(mc_frame_values(edge, 0)[0] == 1e100 && mc_frame_values(edge, 0)[1] == -1e100);
    mc_frame_free(edge);

    /* Lenient reading counts them as missing instead. */
    opt.n_covariates = 1;
    opt.lenient = true;
    mc_frame *f = load_ok(text, &opt);
    assert_int_equal(mc_frame_rows(f), 4);
    assert_int_equal(mc_frame_column_report(f, 0)->non_numeric, 1);
    assert_int_equal(mc_frame_column_report(f, 1)->non_numeric, 2);
    assert_true(isnan(mc_frame_values(f, 1)[2]));
    assert_int_equal(mc_frame_states(f, 1)[2], MC_VALUE_MISSING);
    mc_frame_free(f);
}

static void test_long_text_is_cut_in_messages(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    char text[600];
    int n = snprintf(text, sizeof text, "time,load\n2022-01-01,");
    memset(text + n, 'q', 400);
    strcpy(text + n + 400, "\n");
    mc_frame *f = NULL;
    mc_error err;
    assert_int_equal(load(text, &opt, &f, &err), MC_ERR_VALUE);
    assert_contains(err.message, "qqq...\" is not a number");
    assert_true(strlen(err.message) < 200);
}

static void test_bad_timestamps(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    load_fails("t,v\n2022-01-01 00:00,1\n2022-02-30 00:00,2\n", &opt, MC_ERR_TIME, 3, 1,
               "line 3, column \"t\" (field 1): \"2022-02-30 00:00\" is not a timestamp: day is "
               "out of range");
    load_fails("v,t\n1,2022-01-01T00:00Z\n2,2022-01-01T01:00\n", &(mc_csv_options){
                   .decimal = '.', .header = true, .time_column = "t"},
               MC_ERR_TIME, 3, 2, "lacks a UTC offset but the first timestamp does");
    load_fails("t,v\n31/01/2022 10:00,1\n", &opt, MC_ERR_TIME, 2, 1, "ambiguous");
    opt.time_format = MC_TIME_DMY;
    mc_frame *f = load_ok("t,v\n31/01/2022 10:00,1\n01/02/2022 10:00,2\n", &opt);
    assert_int_equal(mc_frame_times(f)[1] - mc_frame_times(f)[0], 86400);
    mc_frame_free(f);
}

static void test_offsets_kept(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    mc_frame *f = load_ok("t,v\n2014-04-06T02:30:00+11:00,1\n2014-04-06T02:00:00+10:00,2\n", &opt);
    assert_true(mc_frame_get_report(f)->has_utc_offsets);
    assert_int_equal(mc_frame_utc_offsets(f)[0], 660);
    assert_int_equal(mc_frame_utc_offsets(f)[1], 600);
    /* Instants order the rows: 02:00+10:00 is 30 minutes after 02:30+11:00. */
    assert_int_equal(mc_frame_times(f)[1] - mc_frame_times(f)[0], 1800);
    mc_frame_free(f);
}

static void test_column_errors(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    opt.target_column = "Load";
    load_fails("time,load,temp\n2022-01-01,1,2\n", &opt, MC_ERR_COLUMN, 0, 0,
               "no target column named \"Load\"; did you mean \"load\"?");
    opt.target_column = "demand";
    load_fails("time,load,temp\n2022-01-01,1,2\n", &opt, MC_ERR_COLUMN, 0, 0,
               "the columns are \"time\", \"load\", \"temp\"");
    opt.target_column = "load";
    load_fails("\ntime,load,load\n2022-01-01,1,2\n", &opt, MC_ERR_COLUMN, 2, 3,
               "line 2: the header names column \"load\" twice (fields 2 and 3)");
    const char *covs[] = {"load"};
    opt.covariates = covs;
    opt.n_covariates = 1;
    load_fails("time,load\n2022-01-01,1\n", &opt, MC_ERR_COLUMN, 1, 2, "selected twice");
    mc_csv_options one;
    mc_csv_options_defaults(&one);
    load_fails("time\n2022-01-01\n", &one, MC_ERR_COLUMN, 0, 0, "only one column");
    load_fails("time,load\n", &one, MC_ERR_EMPTY, 0, 0, "no data rows");
}

/* Header names are quoted in messages as values are: control bytes (a
   terminal escape, a bell, a tab, a line break, DEL) become '?'. */
static void test_control_bytes_in_names(void **state)
{
    (void)state;
    static const char *const esc_load[] = {"lo\x1b" "ad"};
    struct {
        const char *text;
        const char *target;
        const char *const *covariates;
        mc_status code;
        const char *shown;
    } cases[] = {
        {"time,\"\x1b[31mLOAD\x07\"\n2022-01-01,1\n", "\x1b[31mload\x07", NULL, MC_ERR_COLUMN,
         "no target column named \"?[31mload?\"; did you mean \"?[31mLOAD?\"?"},
        {"time,\"lo\x1b" "ad\",\"a\tb\x7f\",\"c\nd\"\n2022-01-01,1,2,3\n", "demand", NULL,
         MC_ERR_COLUMN, "the columns are \"time\", \"lo?ad\", \"a?b?\", \"c?d\""},
        {"time,load\n2022-01-01,1\n", "x\x1b]0;title\x07", NULL, MC_ERR_COLUMN,
         "no target column named \"x?]0;title?\""},
        {"time,\"lo\x1b" "ad\",\"lo\x1b" "ad\"\n2022-01-01,1,2\n", "lo\x1b" "ad", NULL,
         MC_ERR_COLUMN, "the header names column \"lo?ad\" twice (fields 2 and 3)"},
        {"time,\"lo\x1b" "ad\"\n2022-01-01,1\n", "lo\x1b" "ad", esc_load, MC_ERR_COLUMN,
         "column \"lo?ad\" is selected twice"},
        {"\"ti\x1bme\"\n2022-01-01\n", NULL, NULL, MC_ERR_COLUMN, "only one column (\"ti?me\")"},
        {"time,\"lo\x1b" "ad\r\"\n2022-01-01,abc\n", NULL, NULL, MC_ERR_VALUE,
         "line 3, column \"lo?ad?\" (field 2): \"abc\" is not a number"}, /* CR: a line */
        {"\"ti\x1bme\",load\nyesterday,1\n", NULL, NULL, MC_ERR_TIME,
         "line 2, column \"ti?me\" (field 1): \"yesterday\" is not a timestamp"},
        {"\"ti\x1bme\",load\n2022-01-01T00:00Z,1\n2022-01-01T01:00,2\n", NULL, NULL, MC_ERR_TIME,
         "line 3, column \"ti?me\": \"2022-01-01T01:00\" lacks a UTC offset"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_csv_options opt;
        mc_csv_options_defaults(&opt);
        opt.target_column = cases[i].target;
        opt.covariates = cases[i].covariates;
        opt.n_covariates = cases[i].covariates != NULL;
        mc_frame *f = NULL;
        mc_error err;
        assert_int_equal(load(cases[i].text, &opt, &f, &err), cases[i].code);
        assert_null(f);
        assert_printable(err.message);
        assert_contains(err.message, cases[i].shown);
    }
}

static void test_decimal_comma(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    opt.decimal = ',';
    mc_frame *f = load_ok("zeit;last\n2022-01-01 00:00;1234,5\n2022-01-01 01:00;-0,25\n", &opt);
    assert_close(mc_frame_values(f, 0)[0], 1234.5, 0, 0);
    assert_close(mc_frame_values(f, 0)[1], -0.25, 0, 0);
    mc_frame_free(f);
    load_fails("zeit;last\n2022-01-01 00:00;1.234,5\n", &opt, MC_ERR_VALUE, 2, 2, "not a number");
    opt.delimiter = ',';
    load_fails("a,b\n", &opt, MC_ERR_ARGUMENT, 0, 0, "decimal comma needs another delimiter");
}

static void test_file_and_stream(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    mc_frame *f = NULL;
    mc_error err;
    assert_int_equal(mc_frame_read_csv(&f, "/nonexistent/dir/load.csv", &opt, &err), MC_ERR_IO);
    assert_null(f);
    assert_contains(err.message, "/nonexistent/dir/load.csv: cannot open");

    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fputs("t,v\n2022-01-01,2.385\n", tmp);
    rewind(tmp);
    assert_int_equal(mc_frame_read_csv_stream(&f, tmp, "pipe", &opt, &err), MC_OK);
    assert_close(mc_frame_values(f, 0)[0], 2.385, 0, 0);
    fclose(tmp);
    mc_frame_free(f);
    mc_frame_free(NULL);
}

/* A host application's locale must not change what "1.5" means. The test
   builds a German locale (decimal comma) with localedef when it can. */
static void test_locale_independent(void **state)
{
    (void)state;
    const char *tmp = getenv("MC_TEST_TMPDIR");
    char dir[512], cmd[1200];
    snprintf(dir, sizeof dir, "%s/locales", tmp ? tmp : "/tmp");
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s' && localedef -i de_DE -f UTF-8 '%s/de_DE.UTF-8' >/dev/null 2>&1", dir,
             dir);
    if (system(cmd) != 0)
        skip(); /* no localedef or no locale sources (Debian package locales) */
    setenv("LOCPATH", dir, 1);
    if (setlocale(LC_ALL, "de_DE.UTF-8") == NULL)
        skip();
    assert_close(strtod("1.5", NULL), 1.0, 0, 0); /* the locale is in force */
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    mc_frame *f = NULL;
    mc_error err;
    const char *text = "t,v\n2022-01-01,1.5\n2022-01-02,-2.25e1\n";
    mc_status st = load(text, &opt, &f, &err);
    setlocale(LC_ALL, "C");
    assert_int_equal(st, MC_OK);
    assert_close(mc_frame_values(f, 0)[0], 1.5, 0, 0);
    assert_close(mc_frame_values(f, 0)[1], -22.5, 0, 0);
    mc_frame_free(f);
}

/* A decimal comma is never the detected delimiter, and messages quote the
   text as written. */
static void test_decimal_comma_detection(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    opt.decimal = ',';
    opt.header = false;
    mc_frame *f = load_ok("2024-01-01 00:00;1,5\n2024-01-01 01:00;2,5\n", &opt);
    assert_int_equal(mc_frame_get_report(f)->delimiter, ';');
    assert_close(mc_frame_values(f, 0)[1], 2.5, 0, 0);
    mc_frame_free(f);
    load_fails("2024-01-01 00:00;1,5\n2024-01-01 01:00;2,5 kW\n", &opt, MC_ERR_VALUE, 2, 2,
               "\"2,5 kW\" is not a number");
}

/* Blank lines before the header do not hide the delimiter. */
static void test_leading_blank_lines(void **state)
{
    (void)state;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    mc_frame *f = load_ok("\r\n\ntime;load\n2024-01-01 00:00;1\n2024-01-01 01:00;2\n", &opt);
    assert_int_equal(mc_frame_get_report(f)->delimiter, ';');
    assert_int_equal(mc_frame_get_report(f)->blank_lines, 2);
    assert_int_equal(mc_frame_rows(f), 2);
    mc_frame_free(f);
    /* An absurd read size is capped, not trusted. */
    opt.chunk_size = SIZE_MAX;
    f = load_ok("time,load\n2024-01-01 00:00,1\n", &opt);
    assert_int_equal(mc_frame_rows(f), 1);
    mc_frame_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_by_name),
        cmocka_unit_test(test_default_columns),
        cmocka_unit_test(test_missing_tokens),
        cmocka_unit_test(test_not_a_number),
        cmocka_unit_test(test_long_text_is_cut_in_messages),
        cmocka_unit_test(test_bad_timestamps),
        cmocka_unit_test(test_offsets_kept),
        cmocka_unit_test(test_column_errors),
        cmocka_unit_test(test_control_bytes_in_names),
        cmocka_unit_test(test_decimal_comma),
        cmocka_unit_test(test_file_and_stream),
        cmocka_unit_test(test_locale_independent),
        cmocka_unit_test(test_decimal_comma_detection),
        cmocka_unit_test(test_leading_blank_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
