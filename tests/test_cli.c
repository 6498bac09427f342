/*
 * End-to-end tests of the maskcast command, run in-process through
 * mc_cli_run() with its output and diagnostics captured in temporary files.
 * Inputs are written by the tests into MC_TEST_TMPDIR (or /tmp).
 *
 * argv[1], when given, is data/sample_load.csv; otherwise it is found next to
 * this source file.
 */
#include "test_util.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli_util.h"
#include "maskcast/maskcast.h"

static const char *g_sample_csv;
static char g_sample_buf[4096];

/*
 * 24 hourly rows of load and temperature from 2024-05-06 00:00; row `bad`
 * (0-based) gets `bad_text` as its load.
 */
static void write_small(temp_csv *t, size_t bad, const char *bad_text)
{
    FILE *f = temp_open(t);
    fputs("time,load,temperature\n", f);
    for (size_t i = 0; i < 24; i++) {
        if (i == bad)
            fprintf(f, "2024-05-06 %02zu:00:00,%s,%.3f\n", i, bad_text, 11.385 + 0.25 * (double)i);
        else
            fprintf(f, "2024-05-06 %02zu:00:00,%.3f,%.3f\n", i, 1385.62 + 41.7 * sin((double)i),
                    11.385 + 0.25 * (double)i);
    }
    assert_int_equal(fclose(f), 0);
}

#define TWO_PI 6.283185307179586

/* Deterministic noise in [-a, a]. */
static double noise(size_t i, double a)
{
    return a * ((double)((i * 7919) % 101) / 50.0 - 1.0);
}

enum {
    HOURS = 72,           /* 2021-03-01 00:00 .. 2021-03-03 23:00 */
    ZERO_ROW = 12,        /* load 0 */
    ABSENT_ROW = 30,      /* no row in the file: one gap */
    TEMP_NA_FIRST = 34,   /* temperature NA for 5 hours: longer than the 3 h */
    TEMP_NA_LAST = 38,    /* interpolation limit, so filled from a day earlier */
    DUPLICATE_ROW = 40,   /* written twice */
    LOAD_EMPTY_ROW = 45,  /* load empty: interpolated */
    SPIKE_ROW = 50,       /* load 4871.385, far above its neighbours */
    NEGATIVE_ROW = 60     /* load -17.25 */
};

/*
 * Three days of hourly load (a daily sine around 1000 MW with noise) and
 * temperature, with one absent hour, one duplicated row, one empty load,
 * five NA temperatures, a zero, a negative load and a spike. The spike,
 * the zero and the negative are the only values beyond 6 robust SDs (the
 * next-largest load score is about 4.2, the largest temperature one 4.5).
 */
static void write_three_days(temp_csv *t)
{
    FILE *f = temp_open(t);
    fputs("time,load,temperature\n", f);
    for (size_t i = 0; i < HOURS; i++) {
        if (i == ABSENT_ROW)
            continue;
        double load = 1000.0 + 237.5 * sin(TWO_PI * (double)i / 24.0) + noise(i, 23.85);
        double temp = 6.2 + 4.385 * sin(TWO_PI * ((double)i - 15.0) / 24.0) +
                      noise(i * 3 + 1, 0.385);
        char load_text[32], temp_text[32];
        snprintf(load_text, sizeof load_text, "%.3f", load);
        snprintf(temp_text, sizeof temp_text, "%.3f", temp);
        if (i == ZERO_ROW)
            snprintf(load_text, sizeof load_text, "0");
        if (i == NEGATIVE_ROW)
            snprintf(load_text, sizeof load_text, "-17.25");
        if (i == SPIKE_ROW)
            snprintf(load_text, sizeof load_text, "4871.385");
        if (i == LOAD_EMPTY_ROW)
            load_text[0] = '\0';
        if (i >= TEMP_NA_FIRST && i <= TEMP_NA_LAST)
            snprintf(temp_text, sizeof temp_text, "NA");
        fprintf(f, "2021-03-%02zu %02zu:00:00,%s,%s\n", 1 + i / 24, i % 24, load_text, temp_text);
        if (i == DUPLICATE_ROW)
            fprintf(f, "2021-03-%02zu %02zu:00:00,%.3f,%.3f\n", 1 + i / 24, i % 24, load + 31.7,
                    temp + 0.25);
    }
    assert_int_equal(fclose(f), 0);
}

/* ---- JSON helpers --------------------------------------------------------- */

static const cJSON *member(const cJSON *o, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    if (m == NULL)
        fail_msg("JSON has no \"%s\"", name);
    return m;
}

static double number(const cJSON *o, const char *name)
{
    const cJSON *m = member(o, name);
    if (!cJSON_IsNumber(m))
        fail_msg("JSON \"%s\" is not a number", name);
    return m->valuedouble;
}

static const char *string(const cJSON *o, const char *name)
{
    const cJSON *m = member(o, name);
    if (!cJSON_IsString(m))
        fail_msg("JSON \"%s\" is not a string", name);
    return m->valuestring;
}

/* ---- top level ------------------------------------------------------------- */

static void test_help_lists_describe(void **state)
{
    (void)state;
    cli_result r = RUN("--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "Usage: maskcast COMMAND");
    assert_contains(r.out, "\n  describe ");
    assert_string_equal(r.err, "");
    result_free(&r);
}

static void test_version_prints_library_version(void **state)
{
    (void)state;
    cli_result r = RUN("--version");
    assert_int_equal(r.status, 0);
    char want[64];
    snprintf(want, sizeof want, "maskcast %s\n", mc_version());
    assert_string_equal(r.out, want);
    assert_string_equal(mc_version(), MC_VERSION_STRING);
    result_free(&r);
}

static void test_no_command_is_usage_error(void **state)
{
    (void)state;
    char *argv[] = {"maskcast", NULL};
    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    assert_int_equal(mc_cli_run(1, argv, out, err), MC_EXIT_USAGE);
    char *o = slurp(out), *e = slurp(err);
    assert_string_equal(o, "");
    assert_contains(e, "Usage: maskcast COMMAND");
    free(o);
    free(e);
}

static void test_unknown_command_is_usage_error(void **state)
{
    (void)state;
    cli_result r = RUN("forecastx", "--csv", "x.csv");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "unknown command 'forecastx'");
    assert_contains(r.err, "describe");
    assert_string_equal(r.out, "");
    result_free(&r);
}

/* ---- describe: usage ---------------------------------------------------------- */

static void test_describe_help_mentions_every_option(void **state)
{
    (void)state;
    static const char *const options[] = {
        "--csv", "--time", "--target", "--covariates", "--delimiter", "--decimal-comma",
        "--no-header", "--time-format", "--lenient", "--step", "--duplicates", "--no-sort",
        "--max-interpolate", "--long-fill", "--json", "--help"};
    cli_result r = RUN("describe", "--help");
    assert_int_equal(r.status, 0);
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        char listed[64]; /* as an option entry, not just somewhere in a sentence */
        snprintf(listed, sizeof listed, "%s ", options[i]);
        assert_contains(r.out, listed);
    }
    assert_string_equal(r.err, "");
    result_free(&r);
}

static void test_describe_without_csv_is_usage_error(void **state)
{
    (void)state;
    cli_result r = RUN("describe", "--target", "load");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--csv FILE is required");
    assert_string_equal(r.out, "");
    result_free(&r);
}

static void test_describe_invalid_option_values(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        /* option, value, text the message must contain */
        {"--duplicates", "bogus", "invalid --duplicates 'bogus'"},
        {"--step", "0", "invalid --step '0'"},
        {"--step", "1.5h", "invalid --step '1.5h'"},
        {"--max-interpolate", "-3h", "invalid --max-interpolate '-3h'"},
        {"--long-fill", "month", "invalid --long-fill 'month'"},
        {"--time-format", "ymd", "invalid --time-format 'ymd'"},
        {"--delimiter", "::", "invalid --delimiter '::'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cli_result r = RUN("describe", "--csv", "never-read.csv", cases[i][0], cases[i][1]);
        assert_int_equal(r.status, 2);
        assert_contains(r.err, cases[i][2]);
        assert_string_equal(r.out, "");
        result_free(&r);
    }
}

static void test_describe_unknown_option_and_extra_argument(void **state)
{
    (void)state;
    cli_result r = RUN("describe", "--csv", "a.csv", "--bogus");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "unknown or incomplete option '--bogus'");
    result_free(&r);
    r = RUN("describe", "--csv", "a.csv", "stray.csv");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "unexpected argument 'stray.csv'");
    result_free(&r);
    r = RUN("describe", "--csv");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "'--csv'");
    result_free(&r);
}

/* ---- describe: data errors ---------------------------------------------------- */

static void test_describe_missing_file(void **state)
{
    (void)state;
    temp_csv t;
    temp_write(&t, "");
    assert_int_equal(unlink(t.path), 0); /* a unique name that no longer exists */
    cli_result r = RUN("describe", "--csv", t.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, t.path);
    assert_contains(r.err, "cannot open");
    assert_string_equal(r.out, "");
    result_free(&r);
}

static void test_describe_non_numeric_value(void **state)
{
    (void)state;
    temp_csv t;
    write_small(&t, 5, "2.38x5"); /* data row 6 is line 7 */
    cli_result r = RUN("describe", "--csv", t.path);
    unlink(t.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, t.path);
    assert_contains(r.err, "line 7");
    assert_contains(r.err, "column \"load\"");
    assert_contains(r.err, "\"2.38x5\" is not a number");
    assert_contains(r.err, "--lenient"); /* the hint names the option that reads past it */
    assert_string_equal(r.out, "");
    result_free(&r);
}

static void test_describe_lenient_counts_non_numeric(void **state)
{
    (void)state;
    temp_csv t;
    write_small(&t, 5, "2.38x5");
    cli_result r = RUN("describe", "--csv", t.path, "--lenient");
    unlink(t.path);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    const char *row = strstr(r.out, "\n  load ");
    assert_non_null(row);
    size_t observed = 0, missing = 0, non_numeric = 0, interpolated = 0;
    assert_int_equal(sscanf(row, " load %zu %zu %zu %zu", &observed, &missing, &non_numeric,
                            &interpolated),
                     4);
    assert_int_equal(observed, 23);
    assert_int_equal(missing, 0);
    assert_int_equal(non_numeric, 1);
    assert_int_equal(interpolated, 1); /* the unreadable value is filled like a missing one */
    result_free(&r);
}

/* A first column of row numbers, as R's write.csv writes it: read as Unix
   seconds by default, with a warning that names --time; none once the time
   column is named. */
static void test_row_numbers_refused(void **state)
{
    (void)state;
    temp_csv t;
    temp_write(&t, "\"\",\"Time\",\"Demand\"\n"
                   "\"1\",2012-01-01 00:00:00,4382.8\n"
                   "\"2\",2012-01-01 00:30:00,4263.4\n"
                   "\"3\",2012-01-01 01:00:00,4048.9\n"
                   "\"4\",2012-01-01 01:30:00,3877.6\n");
    cli_result r = RUN("describe", "--csv", t.path, "--target", "Demand");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, t.path);
    assert_contains(r.err, ": the first column (unnamed) counts rows (1, 2, 3, ...)");
    assert_contains(r.err, "hint: --time names the column");
    assert_string_equal(r.out, "");
    result_free(&r);
    r = RUN("describe", "--csv", t.path, "--target", "Demand", "--time", "Time");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    result_free(&r);
    unlink(t.path);
}

/* Header names with terminal escapes reach neither the terminal nor a log
   raw: the command's own warning and its table quote them as the library's
   messages do, control bytes shown as '?'. */
static void test_control_bytes_in_names(void **state)
{
    (void)state;
    temp_csv t;
    temp_write(&t, "\"\x1b]0;x\x07\",\"De\x1b[2Jmand\"\n"
                   "1,4382.8\n2,4263.4\n3,4048.9\n4,3877.6\n");
    cli_result r = RUN("describe", "--csv", t.path, "--target", "De\x1b[2Jmand");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, ": the first column, '?]0;x?', counts rows (1, 2, 3, ...)");
    assert_lines_printable(r.err);
    result_free(&r);
    r = RUN("describe", "--csv", t.path, "--target", "De\x1b[2Jmand", "--time", "\x1b]0;x\x07");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "  De?[2Jmand ");
    assert_lines_printable(r.out);
    result_free(&r);
    r = RUN("describe", "--csv", t.path, "--target", "de\x1b[2Jmand");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "no target column named \"de?[2Jmand\"; did you mean \"De?[2Jmand\"?");
    assert_lines_printable(r.err);
    result_free(&r);
    unlink(t.path);
}

static void test_describe_unknown_column(void **state)
{
    (void)state;
    temp_csv t;
    write_small(&t, 99, "");
    cli_result r = RUN("describe", "--csv", t.path, "--target", "Load");
    unlink(t.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "no target column named \"Load\"; did you mean \"load\"?");
    result_free(&r);
}

static void test_describe_duplicates_error_policy(void **state)
{
    (void)state;
    temp_csv t;
    write_three_days(&t);
    cli_result r = RUN("describe", "--csv", t.path, "--duplicates", "error");
    unlink(t.path);
    assert_int_equal(r.status, 1);
    /* The duplicated hour (2021-03-02 16:00) is on lines 41 and 42: one row absent before it. */
    assert_contains(r.err, "lines 41 and 42 have the same time 2021-03-02 16:00:00");
    assert_contains(r.err, "--duplicates");
    result_free(&r);
}

/* ---- describe: results -------------------------------------------------------- */

static void test_describe_json_on_hand_made_series(void **state)
{
    (void)state;
    temp_csv t;
    write_three_days(&t);
    cli_result r = RUN("describe", "--csv", t.path, "--target", "load", "--covariates",
                       "temperature", "--json");
    unlink(t.path);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);

    assert_string_equal(string(j, "file"), t.path);
    assert_string_equal(string(j, "time_column"), "time");
    assert_int_equal(number(j, "file_rows"), HOURS); /* one absent, one written twice */
    assert_int_equal(number(j, "rows"), HOURS);
    assert_int_equal(number(j, "step_seconds"), 3600);
    assert_int_equal(number(j, "gap_rows"), 1);
    assert_int_equal(number(j, "duplicate_times"), 1);
    assert_int_equal(number(j, "duplicate_rows_merged"), 1);
    assert_int_equal(number(j, "off_grid_rows"), 0);
    assert_true(cJSON_IsTrue(member(j, "was_sorted")));
    assert_true(cJSON_IsFalse(member(j, "utc_offsets")));
    assert_string_equal(string(j, "first"), "2021-03-01 00:00:00");
    assert_string_equal(string(j, "last"), "2021-03-03 23:00:00");
    assert_string_equal(string(j, "delimiter"), ",");

    const cJSON *cols = member(j, "columns");
    assert_int_equal(cJSON_GetArraySize(cols), 2);
    const cJSON *load = cJSON_GetArrayItem(cols, 0);
    assert_string_equal(string(load, "name"), "load");
    assert_int_equal(number(load, "observed"), HOURS - 2); /* absent hour, empty cell */
    assert_int_equal(number(load, "missing_in_file"), 1);
    assert_int_equal(number(load, "non_numeric"), 0);
    assert_int_equal(number(load, "interpolated"), 2);
    assert_int_equal(number(load, "seasonal_filled"), 0);
    assert_int_equal(number(load, "still_missing"), 0);
    assert_int_equal(number(load, "zeros"), 1);
    assert_int_equal(number(load, "negatives"), 1);
    assert_int_equal(number(load, "outliers"), 3);
    assert_close(number(load, "min"), -17.25, 1e-9, 0.0);
    assert_close(number(load, "max"), 4871.385, 1e-9, 0.0);
    /* Computed independently from the same 70 values (the duplicate's two loads averaged). */
    assert_close(number(load, "median"), 987.8365, 1e-9, 1e-12);
    assert_close(number(load, "robust_sd"), 38.1092947152, 1e-6, 1e-9);
    const cJSON *sus = member(load, "most_suspicious");
    assert_int_equal(cJSON_GetArraySize(sus), 3);
    const cJSON *top = cJSON_GetArrayItem(sus, 0);
    assert_string_equal(string(top, "time"), "2021-03-03 02:00:00");
    assert_close(number(top, "value"), 4871.385, 1e-9, 0.0);
    assert_close(number(top, "robust_sds"), 98.09737128, 1e-6, 1e-9);
    assert_string_equal(string(cJSON_GetArrayItem(sus, 1), "time"), "2021-03-03 12:00:00");
    assert_close(number(cJSON_GetArrayItem(sus, 1), "value"), -17.25, 1e-9, 0.0);
    assert_string_equal(string(cJSON_GetArrayItem(sus, 2), "time"), "2021-03-01 12:00:00");
    assert_close(number(cJSON_GetArrayItem(sus, 2), "value"), 0.0, 1e-12, 0.0);

    const cJSON *temp = cJSON_GetArrayItem(cols, 1);
    assert_string_equal(string(temp, "name"), "temperature");
    assert_int_equal(number(temp, "observed"), HOURS - 1 - 5);
    assert_int_equal(number(temp, "missing_in_file"), 5);
    assert_int_equal(number(temp, "interpolated"), 1);   /* the absent hour */
    assert_int_equal(number(temp, "seasonal_filled"), 5); /* 5 h > the 3 h limit */
    assert_int_equal(number(temp, "still_missing"), 0);
    assert_int_equal(number(temp, "zeros"), 0);
    assert_int_equal(number(temp, "negatives"), 0);
    assert_int_equal(number(temp, "outliers"), 0);
    assert_int_equal(cJSON_GetArraySize(member(temp, "most_suspicious")), 0);

    cJSON_Delete(j);
    result_free(&r);
}

static void test_describe_table_shows_span_and_step(void **state)
{
    (void)state;
    temp_csv t;
    write_three_days(&t);
    cli_result r = RUN("describe", "--csv", t.path, "--covariates", "temperature");
    cli_result given = RUN("describe", "--csv", t.path, "--step", "60min");
    unlink(t.path);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, t.path);
    assert_contains(r.out, "72 in the file, 72 on the grid (1 inserted for gaps)");
    assert_contains(r.out, "span        2021-03-01 00:00:00 .. 2021-03-03 23:00:00 (3.0 days)");
    assert_contains(r.out, "step        1h (detected)");
    assert_contains(r.out, "1 time repeated, 1 row merged");
    assert_contains(r.out, "most suspicious values");
    assert_contains(r.out, "2021-03-03 02:00:00");
    assert_contains(r.out, "\n  temperature ");
    assert_int_equal(given.status, 0);
    assert_contains(given.out, "step        1h (given)");
    result_free(&r);
    result_free(&given);
}

/* ---- the committed sample ------------------------------------------------------ */

static void test_describe_sample_load(void **state)
{
    (void)state;
    cli_result r = RUN("describe", "--csv", g_sample_csv, "--target", "load", "--covariates",
                       "temperature,holiday", "--json");
    if (r.status != 0)
        fail_msg("describe %s failed: %s", g_sample_csv, r.err);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_int_equal(number(j, "file_rows"), 26280);
    assert_int_equal(number(j, "rows"), 26280);
    assert_int_equal(number(j, "step_seconds"), 3600);
    assert_int_equal(number(j, "gap_rows"), 0);
    assert_string_equal(string(j, "first"), "2021-01-01 00:00:00");
    assert_string_equal(string(j, "last"), "2023-12-31 23:00:00");
    const cJSON *cols = member(j, "columns");
    assert_int_equal(cJSON_GetArraySize(cols), 3);
    assert_string_equal(string(cJSON_GetArrayItem(cols, 0), "name"), "load");
    assert_string_equal(string(cJSON_GetArrayItem(cols, 1), "name"), "temperature");
    assert_string_equal(string(cJSON_GetArrayItem(cols, 2), "name"), "holiday");
    /* data/README.md: 43 empty load cells and 3 NA temperatures, all filled. */
    assert_int_equal(number(cJSON_GetArrayItem(cols, 0), "missing_in_file"), 43);
    assert_int_equal(number(cJSON_GetArrayItem(cols, 1), "missing_in_file"), 3);
    for (int k = 0; k < 3; k++)
        assert_int_equal(number(cJSON_GetArrayItem(cols, k), "still_missing"), 0);
    cJSON_Delete(j);
    result_free(&r);

    r = RUN("describe", "--csv", g_sample_csv, "--target", "load", "--covariates",
            "temperature,holiday");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "26280 in the file, 26280 on the grid");
    assert_contains(r.out, "step        1h (detected)");
    result_free(&r);
}

/* The page written by `report describe`: the template with the data and the
   chart library in place of its markers, nothing of the usual output. */
static void test_report_writes_one_page(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/mc_cli_report_%d.html", tmp_dir(), (int)getpid());
    cli_result r = RUN("report", "describe", "--csv", g_sample_csv, "--target", "load", "-o", path);
    if (r.status != 0)
        fail_msg("report describe failed: %s", r.err);
    assert_string_equal(r.out, "");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *page = slurp(f);
    assert_true(strncmp(page, "<!DOCTYPE html>", 15) == 0);
    assert_null(strstr(page, "@MC_REPORT_DATA@"));
    assert_null(strstr(page, "/*@MC_CHART_LIBRARY@*/"));
    assert_contains(page, "Licensed to the Apache Software Foundation");
    /* The data, between the script element's tags, parses as the report. */
    const char *open = strstr(page, "id=\"mc-data\">");
    assert_non_null(open);
    open += strlen("id=\"mc-data\">");
    const char *close = strstr(open, "</script>");
    assert_non_null(close);
    char *json = strndup(open, (size_t)(close - open));
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    const cJSON *header = member(j, "header");
    assert_contains(string(header, "command"), "maskcast describe --csv");
    assert_string_equal(string(header, "target"), "load");
    const cJSON *section = cJSON_GetArrayItem(member(j, "sections"), 0);
    assert_string_equal(string(section, "kind"), "describe");
    assert_int_equal(number(member(section, "report"), "file_rows"), 26280);
    cJSON_Delete(j);
    free(json);
    free(page);
    remove(path);
    result_free(&r);

    /* --report on the command itself: the usual output, and the same page. */
    r = RUN("describe", "--csv", g_sample_csv, "--target", "load", "--report", path);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "26280 in the file");
    assert_int_equal(access(path, F_OK), 0);
    remove(path);
    result_free(&r);
}

static void test_report_refusals(void **state)
{
    (void)state;
    cli_result r = RUN("report", "describe", "--csv", g_sample_csv);
    assert_int_equal(r.status, MC_EXIT_USAGE);
    assert_contains(r.err, "-o FILE.html");
    result_free(&r);
    r = RUN("report", "train", "--csv", g_sample_csv, "-o", "x.html");
    assert_int_equal(r.status, MC_EXIT_USAGE);
    assert_contains(r.err, "'train' draws no report");
    result_free(&r);
    r = RUN("report");
    assert_int_equal(r.status, MC_EXIT_USAGE);
    assert_contains(r.err, "Usage: maskcast report COMMAND");
    result_free(&r);
    r = RUN("describe", "--csv", g_sample_csv, "--report", "-");
    assert_int_equal(r.status, MC_EXIT_FAILURE);
    assert_contains(r.err, "a report is a file");
    result_free(&r);
    r = RUN("report", "describe", "--csv", g_sample_csv, "-o", "/dev/stdout");
    assert_int_equal(r.status, MC_EXIT_FAILURE);
    assert_contains(r.err, "a report is a file");
    result_free(&r);
    r = RUN("report", "describe", "--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "Usage: maskcast report COMMAND");
    result_free(&r);
    /* A report that cannot be written fails before the work, leaving nothing. */
    r = RUN("describe", "--csv", g_sample_csv, "--report", "/nonexistent-dir/r.html");
    assert_int_equal(r.status, MC_EXIT_FAILURE);
    assert_contains(r.err, "/nonexistent-dir/r.html");
    assert_string_equal(r.out, "");
    result_free(&r);
    /* A failing command leaves no report behind. */
    char path[4200];
    snprintf(path, sizeof path, "%s/mc_cli_report_fail_%d.html", tmp_dir(), (int)getpid());
    r = RUN("report", "describe", "--csv", "/nonexistent-file.csv", "-o", path);
    assert_int_equal(r.status, MC_EXIT_FAILURE);
    assert_int_equal(access(path, F_OK), -1);
    result_free(&r);
    r = RUN("report", "--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "maskcast report backtest");
    result_free(&r);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        g_sample_csv = argv[1];
    } else {
        /* tests/test_cli.c -> data/sample_load.csv */
        snprintf(g_sample_buf, sizeof g_sample_buf, "%s", __FILE__);
        char *slash = strrchr(g_sample_buf, '/');
        if (slash != NULL)
            *slash = '\0';
        slash = strrchr(g_sample_buf, '/');
        size_t keep = slash != NULL ? (size_t)(slash - g_sample_buf) + 1 : 0;
        snprintf(g_sample_buf + keep, sizeof g_sample_buf - keep, "data/sample_load.csv");
        g_sample_csv = g_sample_buf;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_lists_describe),
        cmocka_unit_test(test_version_prints_library_version),
        cmocka_unit_test(test_no_command_is_usage_error),
        cmocka_unit_test(test_unknown_command_is_usage_error),
        cmocka_unit_test(test_describe_help_mentions_every_option),
        cmocka_unit_test(test_describe_without_csv_is_usage_error),
        cmocka_unit_test(test_describe_invalid_option_values),
        cmocka_unit_test(test_describe_unknown_option_and_extra_argument),
        cmocka_unit_test(test_describe_missing_file),
        cmocka_unit_test(test_describe_non_numeric_value),
        cmocka_unit_test(test_describe_lenient_counts_non_numeric),
        cmocka_unit_test(test_row_numbers_refused),
        cmocka_unit_test(test_control_bytes_in_names),
        cmocka_unit_test(test_describe_unknown_column),
        cmocka_unit_test(test_describe_duplicates_error_policy),
        cmocka_unit_test(test_describe_json_on_hand_made_series),
        cmocka_unit_test(test_describe_table_shows_span_and_step),
        cmocka_unit_test(test_describe_sample_load),
        cmocka_unit_test(test_report_writes_one_page),
        cmocka_unit_test(test_report_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
