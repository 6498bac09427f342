#include "data/timestamp.h"

#include <stdio.h>

enum { SECONDS_PER_DAY = 86400 };

/* Era-based conversion: 400-year eras of 146097 days make leap rules exact. */
int64_t mc_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;                          /* [0, 399] */
    const int64_t mp = m > 2 ? m - 3 : m + 9;                   /* March = 0 */
    const int64_t doy = (153 * mp + 2) / 5 + d - 1;             /* [0, 365] */
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void mc_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const int64_t doe = days - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int64_t mc_time_days(int64_t seconds)
{
    int64_t q = seconds / SECONDS_PER_DAY;
    return (seconds % SECONDS_PER_DAY < 0) ? q - 1 : q;
}

int mc_weekday_from_days(int64_t days)
{
    return (int)(((days + 3) % 7 + 7) % 7);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && is_leap(y)) ? 29 : days[m - 1];
}

/* A cursor over the text being parsed. */
typedef struct cursor {
    const char *p;
    const char *end;
} cursor;

static bool at_end(const cursor *c) { return c->p >= c->end; }

static bool accept(cursor *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* Reads between min and max decimal digits; -1 when fewer than min. */
static int64_t digits(cursor *c, int min, int max)
{
    int64_t v = 0;
    int n = 0;
    while (n < max && c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        v = v * 10 + (*c->p - '0');
        c->p++;
        n++;
    }
    return n >= min ? v : -1;
}

/* Optional ":SS" and ".000"; sub-second precision must be zero. */
static const char *seconds_part(cursor *c, int64_t *sec)
{
    *sec = 0;
    if (!accept(c, ':'))
        return NULL;
    if ((*sec = digits(c, 2, 2)) < 0)
        return "seconds need two digits";
    if (accept(c, '.') || accept(c, ',')) {
        bool any = false;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (*c->p != '0')
                return "sub-second timestamps are not supported";
            c->p++;
            any = true;
        }
        if (!any)
            return "a fraction of a second needs digits";
    }
    return NULL;
}

/* "HH:MM[:SS]" with 24:00 allowed; stores seconds into the day (86400 for 24:00). */
static const char *clock_part(cursor *c, int64_t *secs)
{
    int64_t h = digits(c, 1, 2);
    if (h < 0)
        return "the time of day needs hours";
    if (!accept(c, ':'))
        return "the time of day needs HH:MM";
    int64_t mi = digits(c, 2, 2);
    if (mi < 0)
        return "minutes need two digits";
    int64_t s = 0;
    const char *why = seconds_part(c, &s);
    if (why != NULL)
        return why;
    if (h == 24 && mi == 0 && s == 0) {
        *secs = SECONDS_PER_DAY; /* 24:00 is the next midnight */
        return NULL;
    }
    if (h > 23)
        return "hour is out of range";
    if (mi > 59)
        return "minute is out of range";
    if (s > 59)
        return "second is out of range";
    *secs = h * 3600 + mi * 60 + s;
    return NULL;
}

/* "Z", "+hh:mm", "+hhmm" or "+hh" (or '-'); nothing at all leaves no offset. */
static const char *offset_part(cursor *c, mc_time_value *out)
{
    out->has_offset = false;
    out->offset = 0;
    if (at_end(c))
        return NULL;
    if (accept(c, 'Z') || accept(c, 'z')) {
        out->has_offset = true;
        return NULL;
    }
    int sign = 0;
    if (accept(c, '+'))
        sign = 1;
    else if (accept(c, '-'))
        sign = -1;
    else
        return "unexpected text after the time";
    int64_t hh = digits(c, 2, 2);
    if (hh < 0)
        return "a UTC offset needs two-digit hours";
    const bool colon = accept(c, ':');
    int64_t mm = at_end(c) && !colon ? 0 : digits(c, 2, 2);
    if (mm < 0)
        return "a UTC offset needs two-digit minutes";
    if (hh > 18 || mm > 59)
        return "UTC offset is out of range";
    out->has_offset = true;
    out->offset = (int16_t)(sign * (hh * 60 + mm));
    return NULL;
}

static const char *check_date(int64_t y, int64_t m, int64_t d)
{
    if (y < 1 || y > 9999)
        return "year is out of range";
    if (m < 1 || m > 12)
        return "month is out of range";
    if (d < 1 || d > days_in_month(y, (int)m))
        return "day is out of range for its month";
    return NULL;
}

/* After the date: end (midnight), or a separator and a clock, then an offset. */
static const char *finish(cursor *c, int64_t y, int64_t m, int64_t d, bool iso, mc_time_value *out)
{
    const char *why = check_date(y, m, d);
    if (why != NULL)
        return why;
    int64_t secs = 0;
    if (!at_end(c)) {
        if (!(accept(c, ' ') || (iso && (accept(c, 'T') || accept(c, 't')))))
            return "expected 'T' or a space between date and time";
        if ((why = clock_part(c, &secs)) != NULL)
            return why;
    }
    if ((why = offset_part(c, out)) != NULL)
        return why;
    if (!at_end(c))
        return "unexpected text after the time";
    out->wall = mc_days_from_civil(y, (int)m, (int)d) * SECONDS_PER_DAY + secs;
    return NULL;
}

static const char *parse_iso(cursor *c, mc_time_value *out)
{
    int64_t y = digits(c, 4, 4);
    if (y < 0 || !accept(c, '-'))
        return "not an ISO 8601 date (YYYY-MM-DD)";
    int64_t m = digits(c, 1, 2);
    if (m < 0 || !accept(c, '-'))
        return "not an ISO 8601 date (YYYY-MM-DD)";
    int64_t d = digits(c, 1, 2);
    if (d < 0)
        return "not an ISO 8601 date (YYYY-MM-DD)";
    return finish(c, y, m, d, true, out);
}

static const char *parse_slashed(cursor *c, bool day_first, mc_time_value *out)
{
    int64_t a = digits(c, 1, 2);
    if (a < 0 || !accept(c, '/'))
        return day_first ? "not a DD/MM/YYYY date" : "not a MM/DD/YYYY date";
    int64_t b = digits(c, 1, 2);
    if (b < 0 || !accept(c, '/'))
        return day_first ? "not a DD/MM/YYYY date" : "not a MM/DD/YYYY date";
    int64_t y = digits(c, 4, 4);
    if (y < 0)
        return "the year needs four digits";
    return finish(c, y, day_first ? b : a, day_first ? a : b, false, out);
}

static const char *parse_epoch(cursor *c, mc_time_value *out)
{
    bool negative = accept(c, '-');
    const char *start = c->p;
    int64_t v = digits(c, 1, 12);
    if (v < 0 || (c->p < c->end && *c->p >= '0' && *c->p <= '9'))
        return start == c->p ? "not a number of epoch seconds" : "epoch seconds out of range";
    if (accept(c, '.')) {
        while (c->p < c->end && *c->p == '0')
            c->p++;
        if (!at_end(c))
            return "sub-second timestamps are not supported";
    }
    if (!at_end(c))
        return "not a number of epoch seconds";
    out->wall = negative ? -v : v;
    out->has_offset = true; /* epoch seconds are UTC instants */
    out->offset = 0;
    return NULL;
}

static bool all_epoch_chars(const char *text, size_t len)
{
    size_t i = (len > 0 && text[0] == '-') ? 1 : 0;
    if (i == len)
        return false;
    for (; i < len; i++)
        if (!((text[i] >= '0' && text[i] <= '9') || text[i] == '.'))
            return false;
    return true;
}

const char *mc_time_parse(const char *text, size_t len, mc_time_format format, mc_time_value *out)
{
    cursor c = {text, text + len};
    if (len == 0)
        return "the timestamp is empty";
    switch (format) {
    case MC_TIME_AUTO:
        if (all_epoch_chars(text, len))
            return parse_epoch(&c, out);
        if (len >= 3 && (text[1] == '/' || text[2] == '/'))
            return "dates like DD/MM/YYYY are ambiguous: choose day-first or month-first";
        return parse_iso(&c, out);
    case MC_TIME_ISO: return parse_iso(&c, out);
    case MC_TIME_EPOCH: return parse_epoch(&c, out);
    case MC_TIME_DMY: return parse_slashed(&c, true, out);
    case MC_TIME_MDY: return parse_slashed(&c, false, out);
    }
    return "unknown time format";
}

void mc_time_to_text(int64_t seconds, int offset_min, bool with_offset, char *out, size_t size)
{
    int64_t wall = with_offset ? seconds + 60 * (int64_t)offset_min : seconds;
    int64_t days = mc_time_days(wall);
    int64_t rem = wall - days * SECONDS_PER_DAY;
    int64_t y;
    int m, d;
    mc_civil_from_days(days, &y, &m, &d);
    int n = snprintf(out, size, "%04lld-%02d-%02d %02d:%02d:%02d", (long long)y, m, d,
                     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    if (with_offset && n > 0 && (size_t)n < size) {
        int a = offset_min < 0 ? -offset_min : offset_min;
        snprintf(out + n, size - (size_t)n, "%c%02d:%02d", offset_min < 0 ? '-' : '+', a / 60,
                 a % 60);
    }
}
