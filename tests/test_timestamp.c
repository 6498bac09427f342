/* Timestamps: every accepted spelling, every refusal, and the calendar
   arithmetic against a day-by-day count. */
#include "test_util.h"

#include "data/timestamp.h"

/* Seconds since the epoch of a wall-clock time, computed by walking the
   calendar one day at a time: independent of the era arithmetic under test. */
static int64_t naive_seconds(int y, int m, int d, int hh, int mm, int ss)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t days = 0;
    for (int yy = 1970; yy < y; yy++)
        days += ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0) ? 366 : 365;
    for (int yy = y; yy < 1970; yy++)
        days -= ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0) ? 366 : 365;
    for (int mo = 1; mo < m; mo++)
        days += mdays[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    days += d - 1;
    return days * 86400 + hh * 3600 + mm * 60 + ss;
}

static mc_time_value parse_ok(const char *text, mc_time_format fmt)
{
    mc_time_value tv;
    const char *why = mc_time_parse(text, strlen(text), fmt, &tv);
    if (why != NULL)
        print_error("\"%s\": %s\n", text, why);
    assert_null(why);
    return tv;
}

static void assert_refused(const char *text, mc_time_format fmt, const char *reason)
{
    mc_time_value tv;
    const char *why = mc_time_parse(text, strlen(text), fmt, &tv);
    if (why == NULL)
        print_error("\"%s\" was accepted\n", text);
    assert_non_null(why);
    assert_contains(why, reason);
}

static void test_iso_spellings(void **state)
{
    (void)state;
    const int64_t want = naive_seconds(2023, 7, 19, 13, 45, 0);
    const char *same[] = {"2023-07-19T13:45:00", "2023-07-19 13:45:00", "2023-07-19 13:45",
                          "2023-07-19T13:45", "2023-07-19 13:45:00.000", "2023-07-19t13:45"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        mc_time_value tv = parse_ok(same[i], MC_TIME_AUTO);
        assert_int_equal(tv.wall, want);
        assert_false(tv.has_offset);
    }
    /* Single-digit hours, as spreadsheets write them. */
    assert_int_equal(parse_ok("2023-07-19 7:05", MC_TIME_ISO).wall, naive_seconds(2023, 7, 19, 7, 5, 0));
}

static void test_offsets(void **state)
{
    (void)state;
    mc_time_value z = parse_ok("2011-12-31T13:00:00Z", MC_TIME_AUTO);
    assert_true(z.has_offset);
    assert_int_equal(z.offset, 0);
    assert_int_equal(z.wall, naive_seconds(2011, 12, 31, 13, 0, 0));

    mc_time_value plus = parse_ok("2012-01-01T00:00:00+11:00", MC_TIME_AUTO);
    assert_int_equal(plus.offset, 660);
    assert_int_equal(plus.wall - 60 * plus.offset, z.wall); /* the same instant */

    assert_int_equal(parse_ok("2020-06-01 08:30-05:30", MC_TIME_ISO).offset, -330);
    assert_int_equal(parse_ok("2020-06-01 08:30+0200", MC_TIME_ISO).offset, 120);
    assert_int_equal(parse_ok("2020-06-01 08:30+02", MC_TIME_ISO).offset, 120);
}

static void test_bare_date_and_24h(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2012-01-01", MC_TIME_AUTO).wall, naive_seconds(2012, 1, 1, 0, 0, 0));
    /* 24:00 is the next midnight, across a month and a leap day. */
    assert_int_equal(parse_ok("2012-01-31 24:00", MC_TIME_AUTO).wall,
                     naive_seconds(2012, 2, 1, 0, 0, 0));
    assert_int_equal(parse_ok("2024-02-28 24:00:00", MC_TIME_AUTO).wall,
                     naive_seconds(2024, 2, 29, 0, 0, 0));
    assert_int_equal(parse_ok("2023-12-31 24:00", MC_TIME_AUTO).wall,
                     naive_seconds(2024, 1, 1, 0, 0, 0));
    assert_refused("2023-12-31 24:30", MC_TIME_AUTO, "hour is out of range");
}

static void test_day_month_orders(void **state)
{
    (void)state;
    const int64_t want = naive_seconds(2002, 12, 31, 1, 0, 0);
    assert_int_equal(parse_ok("31/12/2002 01:00", MC_TIME_DMY).wall, want);
    assert_int_equal(parse_ok("31/12/2002 1:00", MC_TIME_DMY).wall, want);
    assert_int_equal(parse_ok("12/31/2002 01:00:00", MC_TIME_MDY).wall, want);
    assert_int_equal(parse_ok("05/03/2021", MC_TIME_DMY).wall, naive_seconds(2021, 3, 5, 0, 0, 0));
    assert_int_equal(parse_ok("05/03/2021", MC_TIME_MDY).wall, naive_seconds(2021, 5, 3, 0, 0, 0));
    /* Only when asked for: in auto mode the order is ambiguous. */
    assert_refused("05/03/2021 10:00", MC_TIME_AUTO, "ambiguous");
    assert_refused("31/12/2002 01:00", MC_TIME_MDY, "month is out of range");
    assert_refused("2002-12-31 01:00", MC_TIME_DMY, "DD/MM/YYYY");
}

static void test_epoch(void **state)
{
    (void)state;
    mc_time_value tv = parse_ok("1356998400", MC_TIME_AUTO);
    assert_int_equal(tv.wall, naive_seconds(2013, 1, 1, 0, 0, 0));
    assert_true(tv.has_offset); /* epoch seconds are UTC instants */
    assert_int_equal(parse_ok("1356998400.000", MC_TIME_EPOCH).wall, tv.wall);
    assert_int_equal(parse_ok("-86400", MC_TIME_EPOCH).wall, -86400);
    assert_refused("1356998400.5", MC_TIME_EPOCH, "sub-second");
    assert_refused("2013-01-01", MC_TIME_EPOCH, "epoch");
}

static void test_refusals(void **state)
{
    (void)state;
    assert_refused("", MC_TIME_AUTO, "empty");
    assert_refused("2023-13-01 00:00", MC_TIME_AUTO, "month is out of range");
    assert_refused("2023-02-29 00:00", MC_TIME_AUTO, "day is out of range");
    assert_refused("2023-04-31", MC_TIME_AUTO, "day is out of range");
    assert_refused("2023-04-30 25:00", MC_TIME_AUTO, "hour is out of range");
    assert_refused("2023-04-30 23:60", MC_TIME_AUTO, "minute is out of range");
    assert_refused("2023-04-30 23:59:60", MC_TIME_AUTO, "second is out of range");
    assert_refused("2023-04-30 23:59:07.25", MC_TIME_AUTO, "sub-second");
    assert_refused("2023-04-30 23", MC_TIME_AUTO, "HH:MM");
    assert_refused("2023-04-30_23:00", MC_TIME_AUTO, "'T' or a space");
    assert_refused("2023-04-30 23:00 CET", MC_TIME_AUTO, "unexpected text");
    assert_refused("2023-04-30 23:00+25:00", MC_TIME_AUTO, "out of range");
    assert_refused("2023-04-30 23:00+01:", MC_TIME_AUTO, "two-digit minutes");
    assert_refused("yesterday", MC_TIME_AUTO, "ISO 8601");
    assert_refused("23-04-30", MC_TIME_AUTO, "ISO 8601");
}

/* The era arithmetic agrees with a day-by-day walk over four centuries,
   including 1900 (not leap) and 2000 (leap), and round-trips. */
static void test_calendar_against_walk(void **state)
{
    (void)state;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t days = mc_days_from_civil(1800, 1, 1);
    assert_int_equal(days * 86400, naive_seconds(1800, 1, 1, 0, 0, 0));
    for (int y = 1800; y < 2200; y++) {
        const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            const int n = mdays[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= n; d++, days++) {
                assert_int_equal(mc_days_from_civil(y, m, d), days);
                int64_t yy;
                int mm, dd;
                mc_civil_from_days(days, &yy, &mm, &dd);
                assert_true(yy == y && mm == m && dd == d);
            }
        }
    }
}

static void test_to_text(void **state)
{
    (void)state;
    char buf[40];
    mc_time_to_text(naive_seconds(1999, 12, 31, 23, 59, 58), 0, false, buf, sizeof buf);
    assert_string_equal(buf, "1999-12-31 23:59:58");
    /* An instant shown in local time with its offset. */
    mc_time_to_text(naive_seconds(2011, 12, 31, 13, 0, 0), 660, true, buf, sizeof buf);
    assert_string_equal(buf, "2012-01-01 00:00:00+11:00");
    mc_time_to_text(naive_seconds(1969, 12, 31, 23, 0, 0), -90, true, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31 21:30:00-01:30");
    assert_int_equal(mc_time_days(-1), -1);
    assert_int_equal(mc_time_days(86399), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_spellings),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_bare_date_and_24h),
        cmocka_unit_test(test_day_month_orders),
        cmocka_unit_test(test_epoch),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_calendar_against_walk),
        cmocka_unit_test(test_to_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
