/* The TZif reader checked against the C library: glibc's localtime_r under
   setenv("TZ") is the independent computation (the test may touch global
   state; the library must not). */
#define _GNU_SOURCE
#include "test_util.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "data/timestamp.h"
#include "data/tzfile.h"

static const char *const ZONES[] = {"America/New_York",    "Europe/London",
                                    "Australia/Melbourne", "Asia/Kolkata",
                                    "Pacific/Chatham",     "America/Sao_Paulo",
                                    "UTC"};
enum { N_ZONES = sizeof ZONES / sizeof ZONES[0] };

static int64_t utc(int y, int m, int d, int hh, int mm)
{
    return mc_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

static const int64_t Y1900 = -2208988800, Y2101 = 4133980800;

/* glibc's offset at t under the TZ setting in force. */
static long libc_offset(int64_t t)
{
    const time_t tt = (time_t)t;
    struct tm tm;
    assert_non_null(localtime_r(&tt, &tm));
    return tm.tm_gmtoff;
}

static void use_tz(const char *tz)
{
    assert_int_equal(setenv("TZ", tz, 1), 0);
    tzset();
}

static uint64_t next_random(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11;
}

/* Offsets of thousands of instants across 1900..2100, and of the seconds
   around every transition, against glibc; returns how many were compared. */
static size_t compare_offsets(const mc_tz *tz, int64_t from, int64_t to)
{
    size_t n = 0;
    uint64_t s = 0x2385u;
    for (int i = 0; i < 4000; i++, n++) {
        const int64_t t = from + (int64_t)(next_random(&s) % (uint64_t)(to - from));
        if (mc_tz_offset(tz, t) != libc_offset(t))
            fail_msg("%s at %lld: %d, libc %ld", mc_tz_name(tz), (long long)t,
                     mc_tz_offset(tz, t), libc_offset(t));
    }
    for (int64_t t = mc_tz_next_transition(tz, from); t < to; t = mc_tz_next_transition(tz, t))
        for (int64_t d = -1; d <= 1; d++, n++)
            if (mc_tz_offset(tz, t + d) != libc_offset(t + d))
                fail_msg("%s at %lld (transition %+lld): %d, libc %ld", mc_tz_name(tz),
                         (long long)t, (long long)d, mc_tz_offset(tz, t + d), libc_offset(t + d));
    return n;
}

static void offsets_match_libc(void **state)
{
    (void)state;
    for (size_t z = 0; z < N_ZONES; z++) {
        mc_tz *tz = NULL;
        mc_error err;
        assert_int_equal(mc_tz_load(&tz, ZONES[z], NULL, &err), MC_OK);
        use_tz(ZONES[z]);
        assert_true(compare_offsets(tz, Y1900, Y2101) >= 4000);
        /* past 2037 the files hold no transitions: the footer rule speaks */
        assert_true(compare_offsets(tz, utc(2040, 1, 1, 0, 0), Y2101) >= 4000);
        mc_tz_free(tz);
    }
    unsetenv("TZ");
    tzset();
}

/* A version 2 file with no transitions, one type and `rule` as its footer:
   every instant follows the rule, which glibc reads from TZ directly. */
static size_t rule_only_file(unsigned char *out, size_t size, const char *rule)
{
    const unsigned char type[8] = {0, 0, 0, 0, 0, 0, 'X', 0}; /* utoff 0, std, "X" */
    size_t n = 0;
    for (int part = 0; part < 2; part++) {
        unsigned char h[44] = {'T', 'Z', 'i', 'f', '2'};
        h[39] = 1; /* typecnt */
        h[43] = 2; /* charcnt */
        memcpy(out + n, h, 44);
        memcpy(out + n + 44, type, 8);
        n += 52;
    }
    n += (size_t)snprintf((char *)out + n, size - n, "\n%s\n", rule);
    return n;
}

static void footer_rules_match_libc(void **state)
{
    (void)state;
    static const char *const rules[] = {
        "EST5EDT,M3.2.0,M11.1.0",    "AEST-10AEDT,M10.1.0,M4.1.0/3",
        "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", "GMT0BST,M3.5.0/1,M10.5.0",
        "IST-5:30",                  "<-03>3",
        "CET-1CEST,M3.5.0,M10.5.0/3", "NZST-12NZDT,J270,J96",
        "XST3XDT,60/1:30,300/0:30",
        "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"};
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        unsigned char file[256];
        const size_t n = rule_only_file(file, sizeof file, rules[r]);
        mc_tz *tz = NULL;
        mc_error err;
        assert_int_equal(mc_tz_parse(&tz, file, n, rules[r], &err), MC_OK);
        use_tz(rules[r]);
        assert_true(compare_offsets(tz, utc(1971, 1, 1, 0, 0), Y2101) >= 4000);
        mc_tz_free(tz);
    }
    unsetenv("TZ");
    tzset();
}

/* RFC 8536's daylight-saving time all year: glibc decides by the UTC year of
   an instant, so between 00:00 UTC and the local new year it says standard
   time; the rule says daylight-saving time every hour of every year. */
static void daylight_saving_all_year(void **state)
{
    (void)state;
    unsigned char file[256];
    const size_t n = rule_only_file(file, sizeof file, "EST5EDT,0/0,J365/25");
    mc_tz *tz = NULL;
    mc_error err;
    assert_int_equal(mc_tz_parse(&tz, file, n, "all year", &err), MC_OK);
    for (int y = 2020; y < 2030; y++)
        for (int64_t t = utc(y, 12, 31, 0, 0); t < utc(y + 1, 1, 2, 0, 0); t += 1800)
            assert_int_equal(mc_tz_offset(tz, t), -4 * 3600);
    assert_int_equal(mc_tz_offset(tz, utc(2068, 7, 1, 0, 0)), -4 * 3600);
    mc_tz_free(tz);
}

/* Reads a zone file whole. */
static unsigned char *read_zone(const char *name, size_t *size)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", MC_TZ_DEFAULT_DIR, name);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    unsigned char *data = malloc(1 << 16);
    assert_non_null(data);
    *size = fread(data, 1, 1 << 16, fp);
    fclose(fp);
    return data;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The version 1 (32-bit) part alone, read as a version 1 file: the table to
   2037, no footer. */
static void version1_matches_libc(void **state)
{
    (void)state;
    size_t size = 0;
    unsigned char *data = read_zone("Europe/London", &size);
    const unsigned char *h = data;
    const size_t block = get32(h + 32) * 5 + get32(h + 36) * 6 + get32(h + 40) +
                         get32(h + 28) * 8 + get32(h + 24) + get32(h + 20);
    data[4] = 0;
    mc_tz *tz = NULL;
    mc_error err;
    assert_int_equal(mc_tz_parse(&tz, data, 44 + block, "v1", &err), MC_OK);
    use_tz("Europe/London");
    assert_true(compare_offsets(tz, utc(1902, 1, 1, 0, 0), utc(2037, 12, 1, 0, 0)) >= 4000);
    unsetenv("TZ");
    tzset();
    mc_tz_free(tz);
    free(data);
}

/* Every instant t with t + offset(t) == wall, in increasing order, by trying
   every offset a whole number of quarter hours within a day of UTC under
   glibc. */
static size_t libc_instants(int64_t wall, int64_t out[4])
{
    size_t n = 0;
    for (int64_t o = 26 * 3600; o >= -26 * 3600; o -= 900) {
        const int64_t t = wall - o;
        if (libc_offset(t) == o && n < 4)
            out[n++] = t;
    }
    return n;
}

static void instants_match_libc(void **state)
{
    (void)state;
    for (size_t z = 0; z < N_ZONES; z++) {
        mc_tz *tz = NULL;
        mc_error err;
        assert_int_equal(mc_tz_load(&tz, ZONES[z], NULL, &err), MC_OK);
        use_tz(ZONES[z]);
        uint64_t s = 0x1f2e3du;
        size_t checked = 0, holes = 0, repeats = 0;
        /* walls near every transition from 1950 (after local mean time),
           every 15 minutes, and walls at random */
        for (int64_t t = mc_tz_next_transition(tz, utc(1950, 1, 1, 0, 0)); t < Y2101;
             t = mc_tz_next_transition(tz, t)) {
            for (int64_t d = -3 * 3600; d <= 3 * 3600; d += 900) {
                const int64_t wall = t + mc_tz_offset(tz, t) + d;
                int64_t got[2], want[4];
                const size_t n = mc_tz_instants(tz, wall, got), m = libc_instants(wall, want);
                assert_int_equal(n, m);
                for (size_t i = 0; i < n; i++)
                    if (got[i] != want[i])
                        fail_msg("%s wall %lld: instant %zu of %zu is %lld, libc %lld",
                                 ZONES[z], (long long)wall, i, n, (long long)got[i],
                                 (long long)want[i]);
                holes += n == 0;
                repeats += n == 2;
                checked++;
            }
        }
        for (int i = 0; i < 300; i++, checked++) {
            const int64_t wall = utc(1950, 1, 1, 0, 0) +
                                 900 * (int64_t)(next_random(&s) % (151u * 365 * 96));
            int64_t got[2], want[4];
            const size_t n = mc_tz_instants(tz, wall, got), m = libc_instants(wall, want);
            assert_int_equal(n, m);
            for (size_t k = 0; k < n; k++)
                assert_int_equal(got[k], want[k]);
        }
        assert_true(checked >= 300);
        /* zones with daylight saving time have both */
        if (strcmp(ZONES[z], "UTC") != 0 && strcmp(ZONES[z], "Asia/Kolkata") != 0)
            assert_true(holes > 0 && repeats > 0);
        mc_tz_free(tz);
    }
    unsetenv("TZ");
    tzset();
}

/* Known cases, written from the zones' published rules. */
static void holes_and_repeats(void **state)
{
    (void)state;
    mc_tz *ny = NULL, *mel = NULL, *cha = NULL;
    mc_error err;
    assert_int_equal(mc_tz_load(&ny, "America/New_York", NULL, &err), MC_OK);
    assert_int_equal(mc_tz_load(&mel, "Australia/Melbourne", NULL, &err), MC_OK);
    assert_int_equal(mc_tz_load(&cha, "Pacific/Chatham", NULL, &err), MC_OK);
    int64_t t[2], before = 0, after = 0;
    /* New York, 2024-03-10: 02:00 EST became 03:00 EDT */
    assert_int_equal(mc_tz_instants(ny, utc(2024, 3, 10, 2, 30), t), 0);
    assert_int_equal(mc_tz_hole(ny, utc(2024, 3, 10, 2, 30), &before, &after), 1);
    assert_int_equal(before, utc(2024, 3, 10, 2, 0));
    assert_int_equal(after, utc(2024, 3, 10, 3, 0));
    assert_int_equal(mc_tz_hole(ny, utc(2024, 3, 10, 3, 0), &before, &after), 0);
    /* 2024-11-03 01:30 happened at 05:30Z (EDT) and 06:30Z (EST) */
    assert_int_equal(mc_tz_instants(ny, utc(2024, 11, 3, 1, 30), t), 2);
    assert_int_equal(t[0], utc(2024, 11, 3, 5, 30));
    assert_int_equal(t[1], utc(2024, 11, 3, 6, 30));
    assert_int_equal(mc_tz_instants(ny, utc(2024, 7, 1, 12, 0), t), 1);
    assert_int_equal(t[0], utc(2024, 7, 1, 16, 0));
    /* Melbourne, 2012-04-01: 03:00 AEDT became 02:00 AEST; 2012-10-07 02:00 -> 03:00 */
    assert_int_equal(mc_tz_instants(mel, utc(2012, 4, 1, 2, 30), t), 2);
    assert_int_equal(t[0], utc(2012, 3, 31, 15, 30));
    assert_int_equal(t[1], utc(2012, 3, 31, 16, 30));
    assert_int_equal(mc_tz_instants(mel, utc(2012, 10, 7, 2, 0), t), 0);
    /* Chatham, past the table (2090): 02:45 +1245 became 03:45 +1345 on the
       last Sunday of September */
    assert_int_equal(mc_tz_instants(cha, utc(2090, 9, 24, 3, 0), t), 0);
    assert_int_equal(mc_tz_hole(cha, utc(2090, 9, 24, 3, 0), &before, &after), 1);
    assert_int_equal(before, utc(2090, 9, 24, 2, 45));
    assert_int_equal(after, utc(2090, 9, 24, 3, 45));
    mc_tz_free(ny);
    mc_tz_free(mel);
    mc_tz_free(cha);
}

/* Every truncation of a real file, a bad magic, and random corruption:
   refused cleanly or read, never a crash or a leak (the sanitizers watch). */
static void corrupt_files_refused(void **state)
{
    (void)state;
    size_t size = 0;
    unsigned char *data = read_zone("Australia/Melbourne", &size);
    mc_tz *tz = (mc_tz *)1;
    mc_error err;
    for (size_t n = 0; n < size; n++) {
        assert_int_not_equal(mc_tz_parse(&tz, data, n, "Australia/Melbourne", &err), MC_OK);
        assert_null(tz);
        assert_true(err.code == MC_ERR_FORMAT);
        assert_contains(err.message, "Australia/Melbourne");
    }
    assert_int_equal(mc_tz_parse(&tz, data, size, "whole", &err), MC_OK);
    mc_tz_free(tz);
    data[0] = 'X';
    assert_int_equal(mc_tz_parse(&tz, data, size, "Bad/Magic", &err), MC_ERR_FORMAT);
    assert_contains(err.message, "bad magic");
    data[0] = 'T';
    uint64_t s = 77;
    unsigned char *copy = malloc(size);
    assert_non_null(copy);
    for (int round = 0; round < 2000; round++) {
        memcpy(copy, data, size);
        for (int k = 0; k < 3; k++)
            copy[next_random(&s) % size] = (unsigned char)next_random(&s);
        if (mc_tz_parse(&tz, copy, size, "fuzz", &err) == MC_OK) {
            int64_t t[2];
            (void)mc_tz_offset(tz, utc(2024, 1, 1, 0, 0));
            (void)mc_tz_instants(tz, utc(2024, 4, 7, 2, 30), t);
            mc_tz_free(tz);
        } else {
            assert_null(tz);
        }
    }
    free(copy);
    free(data);
}

static void names_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"../../etc/passwd", "/etc/localtime", "Europe/../UTC",
                                      "", "Europe/London ", "Foo/Bar", "America"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_tz *tz = (mc_tz *)1;
        mc_error err;
        assert_int_equal(mc_tz_load(&tz, bad[i], NULL, &err), MC_ERR_ARGUMENT);
        assert_null(tz);
        assert_contains(err.message, "time zone");
        if (bad[i][0] != '\0')
            assert_contains(err.message, bad[i]);
    }
    mc_tz *tz = NULL;
    mc_error err;
    assert_int_equal(mc_tz_load(&tz, "Foo/Bar", NULL, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "unknown time zone \"Foo/Bar\"");
}

/* A zone directory of one's own (what TZDIR names for the command line). */
static void own_directory(void **state)
{
    (void)state;
    const char *tmp = getenv("MC_TEST_TMPDIR");
    char dir[512], sub[600], path[700];
    snprintf(dir, sizeof dir, "%s/tzdir-%d", tmp ? tmp : "/tmp", (int)getpid());
    snprintf(sub, sizeof sub, "%s/Test", dir);
    snprintf(path, sizeof path, "%s/Zone", sub);
    assert_int_equal(mkdir(dir, 0700) == 0 || errno == EEXIST, 1);
    assert_int_equal(mkdir(sub, 0700) == 0 || errno == EEXIST, 1);
    unsigned char file[256];
    const size_t n = rule_only_file(file, sizeof file, "<+0545>-5:45");
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(file, 1, n, fp), n);
    fclose(fp);
    mc_tz *tz = NULL, *copy = NULL;
    mc_error err;
    assert_int_equal(mc_tz_load(&tz, "Test/Zone", dir, &err), MC_OK);
    assert_string_equal(mc_tz_name(tz), "Test/Zone");
    assert_int_equal(mc_tz_offset(tz, utc(2031, 5, 6, 7, 8)), 5 * 3600 + 45 * 60);
    assert_int_equal(mc_tz_clone(&copy, tz, &err), MC_OK);
    mc_tz_free(tz);
    assert_int_equal(mc_tz_offset(copy, utc(1999, 1, 1, 0, 0)), 5 * 3600 + 45 * 60);
    assert_int_equal(mc_tz_next_transition(copy, 0), INT64_MAX);
    mc_tz_free(copy);
    assert_int_equal(mc_tz_load(&tz, "Europe/London", dir, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, dir);
    remove(path);
    rmdir(sub);
    rmdir(dir);
}

static void leap_second_zones_refused(void **state)
{
    (void)state;
    mc_tz *tz = NULL;
    mc_error err;
    FILE *fp = fopen(MC_TZ_DEFAULT_DIR "/right/UTC", "rb");
    if (fp == NULL)
        skip();
    fclose(fp);
    assert_int_equal(mc_tz_load(&tz, "right/UTC", NULL, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "leap seconds");
    assert_null(tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(offsets_match_libc),
        cmocka_unit_test(footer_rules_match_libc),
        cmocka_unit_test(daylight_saving_all_year),
        cmocka_unit_test(version1_matches_libc),
        cmocka_unit_test(instants_match_libc),
        cmocka_unit_test(holes_and_repeats),
        cmocka_unit_test(corrupt_files_refused),
        cmocka_unit_test(names_refused),
        cmocka_unit_test(own_directory),
        cmocka_unit_test(leap_second_zones_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
