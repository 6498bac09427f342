/* mc_frame_set_time_zone(): offsets of instants, naive times as local time,
   repeats and holes, and what regularisation and slicing keep. The offsets
   expected come from glibc's localtime_r under setenv("TZ"). */
#define _GNU_SOURCE
#include "test_util.h"

#include <stdlib.h>
#include <time.h>

#include "data/timestamp.h"
#include "maskcast/frame.h"

static int64_t utc(int y, int m, int d, int hh, int mm)
{
    return mc_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

/* glibc's offset in minutes at instant t in `zone`. */
static int libc_minutes(const char *zone, int64_t t)
{
    assert_int_equal(setenv("TZ", zone, 1), 0);
    tzset();
    const time_t tt = (time_t)t;
    struct tm tm;
    assert_non_null(localtime_r(&tt, &tm));
    unsetenv("TZ");
    tzset();
    return (int)(tm.tm_gmtoff / 60);
}

static mc_frame *read_text(const char *text)
{
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    mc_frame *f = NULL;
    mc_error err;
    if (mc_frame_read_csv_buffer(&f, text, strlen(text), "zone.csv", &opt, &err) != MC_OK)
        fail_msg("%s", err.message);
    return f;
}

static void set_zone(mc_frame *f, const char *zone)
{
    mc_error err;
    if (mc_frame_set_time_zone(f, zone, NULL, &err) != MC_OK)
        fail_msg("%s", err.message);
}

static void regularize(mc_frame *f)
{
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    mc_error err;
    if (mc_frame_regularize(f, &opt, &err) != MC_OK)
        fail_msg("%s", err.message);
}

/* Instants with Z keep their instants and take the zone's offsets, across
   New York's spring-forward night. */
static void offsets_of_instants(void **state)
{
    (void)state;
    mc_frame *f = read_text("time,load\n"
                            "2024-03-10T05:00:00Z,612.5\n"
                            "2024-03-10T06:00:00Z,598.25\n"
                            "2024-03-10T07:00:00Z,587.75\n"
                            "2024-03-10T08:00:00+01:00,601.5\n");
    const int64_t before[4] = {utc(2024, 3, 10, 5, 0), utc(2024, 3, 10, 6, 0),
                               utc(2024, 3, 10, 7, 0), utc(2024, 3, 10, 7, 0)};
    set_zone(f, "America/New_York");
    assert_string_equal(mc_frame_time_zone(f), "America/New_York");
    assert_true(mc_frame_get_report(f)->has_utc_offsets);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(mc_frame_times(f)[i], before[i]);
        assert_int_equal(mc_frame_utc_offsets(f)[i], libc_minutes("America/New_York", before[i]));
    }
    assert_int_equal(mc_frame_utc_offsets(f)[1], -300);
    assert_int_equal(mc_frame_utc_offsets(f)[2], -240);
    mc_frame_free(f);
}

/* Naive local times become instants: the fall-back hour written twice is
   two hours, the spring-forward hour never written is no gap. */
static void naive_local_times(void **state)
{
    (void)state;
    mc_frame *f = read_text("time,load\n"
                            "2024-11-03 00:00,700.5\n"
                            "2024-11-03 01:00,690.25\n"
                            "2024-11-03 01:00,680.75\n"
                            "2024-11-03 02:00,675.5\n"
                            "2025-03-09 01:00,640.5\n"
                            "2025-03-09 03:00,650.25\n");
    set_zone(f, "America/New_York");
    const int64_t want[6] = {utc(2024, 11, 3, 4, 0), utc(2024, 11, 3, 5, 0),
                             utc(2024, 11, 3, 6, 0), utc(2024, 11, 3, 7, 0),
                             utc(2025, 3, 9, 6, 0),  utc(2025, 3, 9, 7, 0)};
    const int16_t off[6] = {-240, -240, -300, -300, -300, -240};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(mc_frame_times(f)[i], want[i]);
        assert_int_equal(mc_frame_utc_offsets(f)[i], off[i]);
        assert_int_equal(off[i], libc_minutes("America/New_York", want[i]));
    }
    mc_frame_free(f);

    /* Only the rows of the first night: nothing repeated, nothing missing. */
    f = read_text("time,load\n2024-11-03 00:00,700.5\n2024-11-03 01:00,690.25\n"
                  "2024-11-03 01:00,680.75\n2024-11-03 02:00,675.5\n");
    set_zone(f, "America/New_York");
    regularize(f);
    assert_int_equal(mc_frame_rows(f), 4);
    assert_int_equal(mc_frame_get_report(f)->duplicate_rows, 0);
    assert_int_equal(mc_frame_get_report(f)->gap_rows, 0);
    assert_int_equal(mc_frame_step(f), 3600);
    mc_frame_free(f);
}

/* In a repeat the first row showing a time, in file order, is the earlier
   instant, whatever order the rows come in; a third copy is a duplicate. */
static void repeats_in_file_order(void **state)
{
    (void)state;
    mc_frame *f = read_text("time,load\n"
                            "2024-04-07 02:30,410.5\n"  /* Melbourne: 02:30 AEDT */
                            "2024-04-07 02:00,420.25\n" /* 02:00 AEDT */
                            "2024-04-07 02:30,405.75\n" /* 02:30 AEST */
                            "2024-04-07 02:00,415.5\n"  /* 02:00 AEST */
                            "2024-04-07 02:00,999.5\n");
    set_zone(f, "Australia/Melbourne");
    const int64_t *t = mc_frame_times(f);
    assert_int_equal(t[0], utc(2024, 4, 6, 15, 30));
    assert_int_equal(t[1], utc(2024, 4, 6, 15, 0));
    assert_int_equal(t[2], utc(2024, 4, 6, 16, 30));
    assert_int_equal(t[3], utc(2024, 4, 6, 16, 0));
    assert_int_equal(t[4], utc(2024, 4, 6, 16, 0));
    regularize(f);
    assert_int_equal(mc_frame_rows(f), 4);
    assert_int_equal(mc_frame_get_report(f)->duplicate_rows, 1);
    assert_close(mc_frame_values(f, 0)[2], (415.5 + 999.5) / 2, 1e-12, 0);
    mc_frame_free(f);
}

/* A time the clocks skipped is refused, naming the line, the zone and the
   jump; the frame is left as it was. */
static void hole_refused(void **state)
{
    (void)state;
    mc_frame *f = read_text("time,load\n"
                            "2024-03-10 01:30,500.5\n"
                            "2024-03-10 02:30,510.25\n"
                            "2024-03-10 03:30,520.75\n");
    const int64_t was = mc_frame_times(f)[0];
    mc_error err;
    assert_int_equal(mc_frame_set_time_zone(f, "America/New_York", NULL, &err), MC_ERR_TIME);
    assert_int_equal(err.line, 3);
    assert_contains(err.message, "zone.csv: line 3: 2024-03-10 02:30:00 does not exist in "
                                 "America/New_York");
    assert_contains(err.message, "from 02:00 to 03:00");
    assert_null(mc_frame_time_zone(f));
    assert_int_equal(mc_frame_times(f)[0], was);
    assert_int_equal(mc_frame_utc_offsets(f)[0], 0);
    assert_false(mc_frame_get_report(f)->has_utc_offsets);
    /* still usable without a zone */
    regularize(f);
    assert_int_equal(mc_frame_rows(f), 3);
    mc_frame_free(f);
}

static void refusals(void **state)
{
    (void)state;
    mc_frame *f = read_text("time,load\n2024-01-01 00:00,1.5\n2024-01-01 01:00,2.5\n");
    mc_error err;
    assert_int_equal(mc_frame_set_time_zone(f, "Mars/Olympus_Mons", NULL, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "unknown time zone \"Mars/Olympus_Mons\"");
    assert_int_equal(mc_frame_set_time_zone(f, "../zoneinfo/UTC", NULL, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "../zoneinfo/UTC");
    assert_int_equal(mc_frame_set_time_zone(f, "UTC", "/nonexistent-zone-dir", &err),
                     MC_ERR_ARGUMENT);
    assert_contains(err.message, "/nonexistent-zone-dir");
    assert_null(mc_frame_time_zone(f));
    set_zone(f, "Europe/London");
    assert_int_equal(mc_frame_set_time_zone(f, "Europe/Paris", NULL, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "set once");
    mc_frame_free(f);
    f = read_text("time,load\n2024-01-01 00:00,1.5\n2024-01-01 01:00,2.5\n");
    regularize(f);
    assert_int_equal(mc_frame_set_time_zone(f, "Europe/London", NULL, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_frame_set_time_zone(NULL, "Europe/London", NULL, &err), MC_ERR_ARGUMENT);
    mc_frame_free(f);
    /* Kolkata kept Madras time (+05:21:10) until 1906: no whole minutes */
    f = read_text("time,load\n1901-06-01 12:00,1.5\n1901-06-01 13:00,2.5\n");
    assert_int_equal(mc_frame_set_time_zone(f, "Asia/Kolkata", NULL, &err), MC_ERR_TIME);
    assert_contains(err.message, "local mean time");
    assert_int_equal(err.line, 2);
    mc_frame_free(f);
}

/* Rows inserted for a gap across the fall-back night take the zone's
   offsets; a slice keeps the zone. */
static void gaps_and_slices(void **state)
{
    (void)state;
    mc_frame *f = read_text("time,load\n"
                            "2024-10-26 22:00,300.5\n"
                            "2024-10-26 23:00,310.25\n"
                            "2024-10-27 04:00,280.75\n"
                            "2024-10-27 05:00,290.5\n");
    set_zone(f, "Europe/London");
    regularize(f);
    /* 22:00 BST = 21:00Z ... 05:00 GMT = 05:00Z: nine hours */
    assert_int_equal(mc_frame_rows(f), 9);
    assert_int_equal(mc_frame_get_report(f)->gap_rows, 5);
    for (size_t i = 0; i < 9; i++) {
        const int64_t t = mc_frame_times(f)[i];
        assert_int_equal(t, utc(2024, 10, 26, 21, 0) + 3600 * (int64_t)i);
        assert_int_equal(mc_frame_utc_offsets(f)[i], libc_minutes("Europe/London", t));
    }
    assert_int_equal(mc_frame_utc_offsets(f)[3], 60);
    assert_int_equal(mc_frame_utc_offsets(f)[4], 0);
    mc_frame *s = NULL;
    mc_error err;
    assert_int_equal(mc_frame_slice(&s, f, 2, 5, &err), MC_OK);
    assert_string_equal(mc_frame_time_zone(s), "Europe/London");
    assert_int_equal(mc_frame_utc_offsets(s)[0], 60);
    mc_frame_free(s);
    mc_frame_free(f);
}

/* Frames built from arrays take a zone the same way. */
static void frames_from_arrays(void **state)
{
    (void)state;
    const int64_t walls[3] = {utc(2024, 9, 29, 1, 45), utc(2024, 9, 29, 3, 45),
                              utc(2024, 9, 29, 4, 45)};
    const double load[3] = {101.5, 102.25, 103.75};
    const char *const names[1] = {"load"};
    const double *const cols[1] = {load};
    mc_frame *f = NULL;
    mc_error err;
    assert_int_equal(mc_frame_from_arrays(&f, walls, NULL, 3, names, cols, 1, &err), MC_OK);
    set_zone(f, "Pacific/Chatham"); /* 02:45 +1245 became 03:45 +1345 that night */
    for (size_t i = 0; i < 3; i++) {
        const int64_t t = mc_frame_times(f)[i];
        assert_int_equal(mc_frame_utc_offsets(f)[i], libc_minutes("Pacific/Chatham", t));
        assert_int_equal(t + 60 * mc_frame_utc_offsets(f)[i], walls[i]);
    }
    assert_int_equal(mc_frame_times(f)[1] - mc_frame_times(f)[0], 3600);
    mc_frame_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(offsets_of_instants), cmocka_unit_test(naive_local_times),
        cmocka_unit_test(repeats_in_file_order), cmocka_unit_test(hole_refused),
        cmocka_unit_test(refusals), cmocka_unit_test(gaps_and_slices),
        cmocka_unit_test(frames_from_arrays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
