/* End-to-end tests of --tz: instants and naive times read in a zone,
   forecasts dated in it, and models that remember their zone and time
   column. Expected local times come from glibc's localtime_r under
   setenv("TZ") (the test's own global state; the library has none). */
#define _GNU_SOURCE
#include "cli_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <time.h>

#include "data/timestamp.h"

#define TWO_PI 6.283185307179586

static const char NY[] = "America/New_York";

static int64_t utc(int y, int m, int d, int hh, int mm)
{
    return mc_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

/* Instant t as local time in `zone`, "YYYY-MM-DD HH:MM:SS" and, when
   with_offset, "+hh:mm" after it, by glibc. */
static void libc_local(const char *zone, int64_t t, bool with_offset, char *out, size_t size)
{
    assert_int_equal(setenv("TZ", zone, 1), 0);
    tzset();
    const time_t tt = (time_t)t;
    struct tm tm;
    assert_non_null(localtime_r(&tt, &tm));
    const size_t n = strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
    const long off = tm.tm_gmtoff / 60, a = labs(off);
    if (with_offset)
        snprintf(out + n, size - n, "%c%02ld:%02ld", off < 0 ? '-' : '+', a / 60, a % 60);
    unsetenv("TZ");
    tzset();
}

/* Hourly load, a time column named "stamp" second, and temperature, written
   in New York's wall-clock time without offsets from the instant `t0` on;
   the last `empty` rows have temperature only (a forecast's future). */
static void write_local_series(temp_csv *t, int64_t t0, size_t rows, size_t empty)
{
    FILE *f = temp_open(t);
    fputs("load,stamp,temperature\n", f);
    for (size_t h = 0; h < rows; h++) {
        char when[40];
        libc_local(NY, t0 + 3600 * (int64_t)h, false, when, sizeof when);
        const double temp = 9.5 + 5.0 * sin(TWO_PI * (double)h / 170.0);
        const double load = 850.0 + 160.0 * sin(TWO_PI * ((double)(h % 24) - 8.0) / 24.0) +
                            6.5 * fabs(temp - 15.0) + (double)((h * 7919) % 19) - 9.0;
        if (h + empty < rows)
            fprintf(f, "%.2f,%s,%.2f\n", load, when, temp);
        else
            fprintf(f, ",%s,%.2f\n", when, temp);
    }
    assert_int_equal(fclose(f), 0);
}

static void model_file(char *out, size_t size, const char *tag)
{
    snprintf(out, size, "%s/mc_cli_tz_%s_%ld.safetensors", tmp_dir(), tag, (long)getpid());
}

static void train(const char *csv, const char *model, int with_zone)
{
    cli_result r = with_zone == 2
                       ? RUN("train", "--csv", csv, "--time", "stamp", "--target", "load",
                             "--tz", NY, "--lookback", "48", "--horizon", "12", "--hidden", "8",
                             "--epochs", "2", "--samples-per-epoch", "256",
                             "--no-linear-candidate", "-q", "-o", model)
                   : with_zone
                       ? RUN("train", "--csv", csv, "--time", "stamp", "--target", "load",
                             "--future", "temperature", "--tz", NY, "--lookback", "48",
                             "--horizon", "12", "--hidden", "8", "--epochs", "2",
                             "--samples-per-epoch", "256", "--no-linear-candidate", "-q", "-o",
                             model)
                       : RUN("train", "--csv", csv, "--time", "stamp", "--target", "load",
                             "--future", "temperature", "--lookback", "48", "--horizon", "12",
                             "--hidden", "8", "--epochs", "2", "--samples-per-epoch", "256", "-q",
                             "-o", model);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    result_free(&r);
}

/* The forecast's timestamps, one a line after the header, into out[]. */
static size_t forecast_times(const char *csv_text, char out[][40], size_t max)
{
    size_t n = 0;
    const char *p = strchr(csv_text, '\n');
    while (p != NULL && p[1] != '\0' && n < max) {
        p++;
        const char *comma = strchr(p, ',');
        assert_non_null(comma);
        snprintf(out[n++], 40, "%.*s", (int)(comma - p), p);
        p = strchr(p, '\n');
    }
    return n;
}

/* Trained in New York local time; the forecast needs neither --time nor
   --tz, and its horizon, across the fall-back night, is dated hour by hour
   in local time with the offset of each hour. */
static void test_model_keeps_zone_and_time_column(void **state)
{
    (void)state;
    const int64_t t0 = utc(2024, 10, 19, 4, 0); /* 00:00 EDT */
    const size_t rows = 14 * 24 + 21;          /* to 2024-11-02 20:00 EDT */
    temp_csv train_csv, history;
    write_local_series(&train_csv, t0, rows, 0);
    write_local_series(&history, t0, rows + 12, 12);
    char model[600];
    model_file(model, sizeof model, "ny");
    train(train_csv.path, model, true);

    cli_result r = RUN("inspect", "-m", model);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "time        column stamp, local time in America/New_York");
    result_free(&r);

    r = RUN("forecast", "-m", model, "--csv", history.path);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    char got[16][40];
    assert_int_equal(forecast_times(r.out, got, 16), 12);
    const int64_t last = t0 + 3600 * (int64_t)(rows - 1);
    size_t standard = 0;
    for (size_t k = 0; k < 12; k++) {
        char want[40];
        libc_local(NY, last + 3600 * (int64_t)(k + 1), true, want, sizeof want);
        assert_string_equal(got[k], want);
        standard += strstr(got[k], "-05:00") != NULL;
    }
    assert_true(standard > 0 && standard < 12); /* the clocks went back inside */
    char *first = strdup(r.out);
    assert_non_null(first);
    result_free(&r);

    /* the same zone given again: the same forecast */
    r = RUN("forecast", "-m", model, "--csv", history.path, "--tz", NY, "--time", "stamp");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, first);
    result_free(&r);
    free(first);

    /* JSON names the zone */
    r = RUN("forecast", "-m", model, "--csv", history.path, "--json");
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "time_zone")->valuestring, NY);
    cJSON_Delete(j);
    result_free(&r);

    /* another zone contradicts the model */
    r = RUN("forecast", "-m", model, "--csv", history.path, "--tz", "Europe/London");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--tz Europe/London contradicts the model, trained on data in "
                           "America/New_York");
    result_free(&r);

    /* explain and anomalies read the model's time column ("stamp", not the
       first column) and zone as well */
    r = RUN("anomalies", "-m", model, "--csv", train_csv.path);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    result_free(&r);
    r = RUN("anomalies", "-m", model, "--csv", train_csv.path, "--tz", "Asia/Kolkata");
    assert_int_not_equal(r.status, 0);
    assert_contains(r.err, "contradicts the model");
    result_free(&r);

    assert_int_equal(remove(model), 0);
    remove(train_csv.path);
    remove(history.path);
}

/* Past the history's last row, a forecast's calendar is the zone's: a load
   only model forecasts the same from a history with rows for the horizon
   (their offsets read from the file's times) as from one without (their
   offsets from the zone), across the fall-back night. */
static void test_horizon_past_the_history(void **state)
{
    (void)state;
    const int64_t t0 = utc(2024, 10, 19, 4, 0);
    const size_t rows = 14 * 24 + 21;
    temp_csv with_rows, without;
    write_local_series(&with_rows, t0, rows + 12, 12);
    write_local_series(&without, t0, rows, 0);
    char model[600];
    model_file(model, sizeof model, "load");
    train(without.path, model, 2);
    cli_result a = RUN("forecast", "-m", model, "--csv", with_rows.path);
    cli_result b = RUN("forecast", "-m", model, "--csv", without.path);
    assert_int_equal(a.status, 0);
    assert_int_equal(b.status, 0);
    assert_string_equal(a.out, b.out);
    assert_contains(b.out, "2024-11-03 01:00:00-04:00,");
    assert_contains(b.out, "2024-11-03 01:00:00-05:00,");
    result_free(&a);
    result_free(&b);
    assert_int_equal(remove(model), 0);
    remove(with_rows.path);
    remove(without.path);
}

/* A model trained without a zone records none: --tz then warns. */
static void test_model_without_zone(void **state)
{
    (void)state;
    const int64_t t0 = utc(2024, 6, 1, 4, 0);
    const size_t rows = 10 * 24;
    temp_csv train_csv, history;
    write_local_series(&train_csv, t0, rows, 0);
    write_local_series(&history, t0, rows + 12, 12);
    char model[600];
    model_file(model, sizeof model, "none");
    train(train_csv.path, model, false);
    cli_result r = RUN("inspect", "-m", model, "--json");
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "time_column")->valuestring, "stamp");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "time_zone")));
    cJSON_Delete(j);
    result_free(&r);

    r = RUN("forecast", "-m", model, "--csv", history.path);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_contains(r.out, "2024-06-11 00:00:00,1,"); /* wall clock as written, no offset */
    result_free(&r);
    r = RUN("forecast", "-m", model, "--csv", history.path, "--tz", NY);
    assert_int_equal(r.status, 0);
    assert_contains(r.err, "warning: the model records no time zone");
    assert_contains(r.out, "2024-06-11 00:00:00-04:00,1,");
    result_free(&r);
    assert_int_equal(remove(model), 0);
    remove(train_csv.path);
    remove(history.path);
}

/* Instants with Z are shown in local time; naive times are local time, the
   repeated fall-back hour two hours and the skipped hour no gap. */
static void test_describe_in_a_zone(void **state)
{
    (void)state;
    temp_csv z, naive;
    temp_write(&z, "time,load\n2024-03-10T05:00:00Z,500.5\n2024-03-10T06:00:00Z,510.25\n"
                   "2024-03-10T07:00:00Z,520.75\n2024-03-10T08:00:00Z,530.5\n");
    cli_result r = RUN("describe", "--csv", z.path, "--tz", NY, "--json");
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "first")->valuestring, "2024-03-10 00:00:00-05:00");
    assert_string_equal(cJSON_GetObjectItem(j, "last")->valuestring, "2024-03-10 04:00:00-04:00");
    assert_string_equal(cJSON_GetObjectItem(j, "time_zone")->valuestring, NY);
    cJSON_Delete(j);
    result_free(&r);

    temp_write(&naive, "time,load\n2024-11-03 00:00,700.5\n2024-11-03 01:00,690.25\n"
                       "2024-11-03 01:00,680.75\n2024-11-03 02:00,675.5\n");
    r = RUN("describe", "--csv", naive.path, "--tz", NY);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "4 in the file, 4 on the grid (0 inserted for gaps)");
    assert_contains(r.out, "2024-11-03 00:00:00-04:00 .. 2024-11-03 02:00:00-05:00");
    assert_contains(r.out, "0 times repeated");
    assert_contains(r.out, "time zone   America/New_York");
    result_free(&r);
    /* without --tz, as before: the repeated hour is merged */
    r = RUN("describe", "--csv", naive.path);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "1 time repeated, 1 row merged");
    result_free(&r);
    remove(z.path);
    remove(naive.path);
}

static void test_zone_errors(void **state)
{
    (void)state;
    temp_csv hole;
    temp_write(&hole, "time,load\n2024-03-10 01:00,500.5\n2024-03-10 02:00,510.25\n"
                      "2024-03-10 03:00,520.75\n");
    cli_result r = RUN("describe", "--csv", hole.path, "--tz", NY);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "line 3: 2024-03-10 02:00:00 does not exist in America/New_York: "
                           "the clocks went from 02:00 to 03:00");
    assert_contains(r.err, "hint: with --tz");
    result_free(&r);
    r = RUN("describe", "--csv", hole.path, "--tz", "Atlantis/Capital");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "unknown time zone \"Atlantis/Capital\"");
    assert_contains(r.err, "hint: --tz takes a zone");
    result_free(&r);
    r = RUN("train", "--csv", hole.path, "--tz", "../../etc/passwd", "-o", "unused");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "invalid time zone name \"../../etc/passwd\"");
    result_free(&r);
    /* TZDIR names the zone directory */
    assert_int_equal(setenv("TZDIR", "/nonexistent-zones", 1), 0);
    r = RUN("describe", "--csv", hole.path, "--tz", "UTC");
    unsetenv("TZDIR");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "/nonexistent-zones");
    result_free(&r);
    remove(hole.path);
}

static void test_every_data_command_has_tz(void **state)
{
    (void)state;
    static const char *const commands[] = {"describe", "train",   "tune",     "forecast",
                                           "backtest", "explain", "anomalies"};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        cli_result r = RUN(commands[i], "--help");
        assert_int_equal(r.status, 0);
        assert_contains(r.out, "--tz ZONE");
        result_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_in_a_zone),
        cmocka_unit_test(test_zone_errors),
        cmocka_unit_test(test_every_data_command_has_tz),
        cmocka_unit_test(test_model_keeps_zone_and_time_column),
        cmocka_unit_test(test_model_without_zone),
        cmocka_unit_test(test_horizon_past_the_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
