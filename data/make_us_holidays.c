/*
 * Writes OUT_DIR/us_holidays.csv: the days United States load drops like a
 * Sunday, 2000-2035, for backtests on US system load (docs/RESULTS.md uses
 * it with PJM's series). The federal holidays on the days they are observed
 * (a Saturday holiday on the Friday before, a Sunday one on the Monday
 * after), plus the Friday after Thanksgiving and Christmas Eve, which most
 * businesses close. Format: "date,name", dates YYYY-MM-DD, in date order.
 *
 *   mc_make_us_holidays OUT_DIR
 */
#include <stdio.h>
#include <stdlib.h>

#include "data/timestamp.h"

enum { FIRST_YEAR = 2000, LAST_YEAR = 2035, MAX_DAYS = 16 };

typedef struct holiday {
    int64_t day;
    const char *name;
} holiday;

/* The n-th (1-based) weekday `wd` (0 = Monday) of a month; n = -1: the last. */
static int64_t nth_weekday(int y, int m, int wd, int n)
{
    if (n < 0) {
        int64_t d = (m == 12 ? mc_days_from_civil(y + 1, 1, 1) : mc_days_from_civil(y, m + 1, 1)) - 1;
        while (mc_weekday_from_days(d) != wd)
            d--;
        return d;
    }
    int64_t d = mc_days_from_civil(y, m, 1);
    while (mc_weekday_from_days(d) != wd)
        d++;
    return d + 7 * (n - 1);
}

/* A fixed-date holiday on the weekday it is observed. */
static int64_t observed(int y, int m, int d)
{
    const int64_t day = mc_days_from_civil(y, m, d);
    const int wd = mc_weekday_from_days(day);
    return wd == 5 ? day - 1 : wd == 6 ? day + 1 : day;
}

static int by_day(const void *a, const void *b)
{
    const int64_t x = ((const holiday *)a)->day, y = ((const holiday *)b)->day;
    return (x > y) - (x < y);
}

static size_t year_holidays(holiday *h, int y)
{
    size_t n = 0;
    h[n++] = (holiday){observed(y, 1, 1), "New Year's Day"};
    h[n++] = (holiday){nth_weekday(y, 1, 0, 3), "Martin Luther King Jr. Day"};
    h[n++] = (holiday){nth_weekday(y, 2, 0, 3), "Washington's Birthday"};
    h[n++] = (holiday){nth_weekday(y, 5, 0, -1), "Memorial Day"};
    h[n++] = (holiday){observed(y, 7, 4), "Independence Day"};
    h[n++] = (holiday){nth_weekday(y, 9, 0, 1), "Labor Day"};
    h[n++] = (holiday){nth_weekday(y, 10, 0, 2), "Columbus Day"};
    h[n++] = (holiday){observed(y, 11, 11), "Veterans Day"};
    const int64_t thanksgiving = nth_weekday(y, 11, 3, 4);
    h[n++] = (holiday){thanksgiving, "Thanksgiving Day"};
    h[n++] = (holiday){thanksgiving + 1, "Day after Thanksgiving"};
    h[n++] = (holiday){mc_days_from_civil(y, 12, 24), "Christmas Eve"};
    h[n++] = (holiday){observed(y, 12, 25), "Christmas Day"};
    qsort(h, n, sizeof *h, by_day);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mc_make_us_holidays OUT_DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/us_holidays.csv", argv[1]);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    fputs("date,name\n", f);
    int64_t last = -1;
    for (int y = FIRST_YEAR; y <= LAST_YEAR; y++) {
        holiday h[MAX_DAYS];
        const size_t n = year_holidays(h, y);
        for (size_t i = 0; i < n; i++) {
            if (h[i].day == last) /* e.g. an observed New Year's Day on Dec 31 */
                continue;
            int64_t yy;
            int m, d;
            mc_civil_from_days(h[i].day, &yy, &m, &d);
            fprintf(f, "%04lld-%02d-%02d,%s\n", (long long)yy, m, d, h[i].name);
            last = h[i].day;
        }
    }
    if (fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}
