/*
 * TZif files (RFC 8536) and the POSIX TZ rule of their footer. The file gives
 * a table of transitions (instants at which a local time type, an offset
 * from UTC, takes effect); instants on and after the last one follow the
 * footer's rule, which names a standard and a daylight-saving offset and the
 * dates on which the clocks change every year.
 */
#include "data/tzfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/checked.h"
#include "data/timestamp.h"

enum {
    HEADER_SIZE = 44,
    MAX_FILE_SIZE = 1 << 20,     /* the largest zone files are a few kilobytes */
    MAX_TRANSITIONS = 1 << 20,
    MAX_CHARS = 1 << 16,
    MAX_NAME = 255,
    MAX_RULE_HOURS = 167,        /* RFC 8536 version 3 lets rule times reach +-167 h */
    DAY = 86400
};

/* A date of the footer's rule: Jn (1..365, February 29 never counted), n
   (0..365, counting it) or Mm.w.d (day d of week w of month m, w = 5 the
   last), with the local time of day the change happens at. */
typedef struct rule_date {
    char kind; /* 'J', 'N' or 'M' */
    int a, b, c;
    int32_t time;
} rule_date;

typedef struct posix_rule {
    int32_t std_off, dst_off; /* seconds east of UTC */
    bool has_dst;
    rule_date start, end; /* daylight-saving time begins, ends */
} posix_rule;

typedef struct tz_type {
    int32_t utoff;
    bool isdst;
} tz_type;

struct mc_tz {
    char *name;
    size_t n_trans;
    int64_t *trans;  /* (n_trans) increasing */
    uint8_t *index;  /* (n_trans) the type each transition brings */
    size_t n_types;
    tz_type *types;  /* (n_types) */
    bool has_rule;   /* a footer rule governs instants from the last transition on */
    posix_rule rule;
};

/* ---- the footer's rule --------------------------------------------------------- */

typedef struct scan {
    const char *p, *end;
} scan;

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A zone abbreviation: three or more letters, or <...> of letters, digits, '+' and '-'. */
static bool scan_name(scan *s)
{
    size_t n = 0;
    if (s->p < s->end && *s->p == '<') {
        s->p++;
        while (s->p < s->end && (is_alpha(*s->p) || is_digit(*s->p) || *s->p == '+' || *s->p == '-')) {
            s->p++;
            n++;
        }
        if (s->p >= s->end || *s->p != '>')
            return false;
        s->p++;
        return n >= 3;
    }
    while (s->p < s->end && is_alpha(*s->p)) {
        s->p++;
        n++;
    }
    return n >= 3;
}

/* An unsigned number of 1 to `digits` digits, at most `max`. */
static bool scan_number(scan *s, int digits, int max, int *out)
{
    int v = 0, n = 0;
    while (n < digits && s->p < s->end && is_digit(*s->p)) {
        v = v * 10 + (*s->p++ - '0');
        n++;
    }
    if (n == 0 || v > max)
        return false;
    *out = v;
    return true;
}

/* [+-]hh[:mm[:ss]] into seconds. */
static bool scan_clock(scan *s, int max_hours, int32_t *out)
{
    int sign = 1, h = 0, m = 0, sec = 0;
    if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        sign = *s->p++ == '-' ? -1 : 1;
    if (!scan_number(s, 3, max_hours, &h))
        return false;
    if (s->p < s->end && *s->p == ':') {
        s->p++;
        if (!scan_number(s, 2, 59, &m))
            return false;
        if (s->p < s->end && *s->p == ':') {
            s->p++;
            if (!scan_number(s, 2, 59, &sec))
                return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return true;
}

static bool scan_date(scan *s, rule_date *d)
{
    d->time = 2 * 3600;
    d->b = d->c = 0;
    if (s->p >= s->end)
        return false;
    bool ok;
    if (*s->p == 'J') {
        s->p++;
        d->kind = 'J';
        ok = scan_number(s, 3, 365, &d->a) && d->a >= 1;
    } else if (*s->p == 'M') {
        s->p++;
        d->kind = 'M';
        ok = scan_number(s, 2, 12, &d->a) && d->a >= 1 && s->p < s->end && *s->p++ == '.' &&
             scan_number(s, 1, 5, &d->b) && d->b >= 1 && s->p < s->end && *s->p++ == '.' &&
             scan_number(s, 1, 6, &d->c);
    } else {
        d->kind = 'N';
        ok = scan_number(s, 3, 365, &d->a);
    }
    if (ok && s->p < s->end && *s->p == '/') {
        s->p++;
        ok = scan_clock(s, MAX_RULE_HOURS, &d->time);
    }
    return ok;
}

/* A POSIX TZ string such as "AEST-10AEDT,M10.1.0,M4.1.0/3". POSIX offsets
   count hours west of UTC; the rule keeps them east, as TZif does. */
static bool parse_rule(const char *text, size_t len, posix_rule *r)
{
    scan s = {text, text + len};
    int32_t off = 0;
    memset(r, 0, sizeof *r);
    if (!scan_name(&s) || !scan_clock(&s, 24, &off))
        return false;
    r->std_off = -off;
    if (s.p == s.end)
        return true;
    if (!scan_name(&s))
        return false;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (s.p < s.end && *s.p != ',') {
        if (!scan_clock(&s, 24, &off))
            return false;
        r->dst_off = -off;
    }
    if (s.p == s.end) { /* POSIX's default: the United States' rule since 2007 */
        r->start = (rule_date){'M', 3, 2, 0, 2 * 3600};
        r->end = (rule_date){'M', 11, 1, 0, 2 * 3600};
        return true;
    }
    return *s.p++ == ',' && scan_date(&s, &r->start) && s.p < s.end && *s.p++ == ',' &&
           scan_date(&s, &r->end) && s.p == s.end;
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* The instant at which date d of year y happens, while `offset` is in force. */
static int64_t rule_instant(const rule_date *d, int64_t y, int32_t offset)
{
    int64_t day;
    if (d->kind == 'J') {
        day = mc_days_from_civil(y, 1, 1) + d->a - 1 + (is_leap(y) && d->a >= 60);
    } else if (d->kind == 'N') {
        day = mc_days_from_civil(y, 1, 1) + d->a;
    } else {
        static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        const int64_t first = mc_days_from_civil(y, d->a, 1);
        const int sunday0 = (mc_weekday_from_days(first) + 1) % 7; /* Sunday = 0 */
        day = first + (d->c - sunday0 + 7) % 7 + 7 * (int64_t)(d->b - 1);
        const int length = month_days[d->a - 1] + (d->a == 2 && is_leap(y));
        while (day >= first + length)
            day -= 7;
    }
    return day * DAY + d->time - offset;
}

/* The local year of t in standard time (clamped far beyond any data). */
static int64_t rule_year(const posix_rule *r, int64_t t)
{
    const int64_t limit = (int64_t)1e13; /* some 300,000 years */
    t = t < -limit ? -limit : t > limit ? limit : t;
    int64_t y;
    int m, d;
    mc_civil_from_days(mc_time_days(t + r->std_off), &y, &m, &d);
    return y;
}

static int32_t rule_offset(const posix_rule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    const int64_t y = rule_year(r, t);
    int64_t best = INT64_MIN;
    bool dst = false;
    for (int64_t yy = y - 1; yy <= y + 1; yy++) {
        const int64_t end = rule_instant(&r->end, yy, r->dst_off);
        const int64_t start = rule_instant(&r->start, yy, r->std_off);
        if (end <= t && end > best) {
            best = end;
            dst = false;
        }
        /* A start at the instant of an end wins: daylight-saving time all year. */
        if (start <= t && start >= best) {
            best = start;
            dst = true;
        }
    }
    return dst ? r->dst_off : r->std_off;
}

static int64_t rule_next(const posix_rule *r, int64_t t)
{
    if (!r->has_dst)
        return INT64_MAX;
    const int64_t y = rule_year(r, t);
    int64_t next = INT64_MAX;
    for (int64_t yy = y - 1; yy <= y + 2; yy++) {
        const int64_t e[2] = {rule_instant(&r->end, yy, r->dst_off),
                              rule_instant(&r->start, yy, r->std_off)};
        for (int k = 0; k < 2; k++)
            if (e[k] > t && e[k] < next)
                next = e[k];
    }
    return next;
}

/* ---- the binary file ----------------------------------------------------------- */

typedef struct header {
    char version;
    uint32_t isut, isstd, leap, time, type, chars;
} header;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static mc_status corrupt(const char *name, const char *what, mc_error *err)
{
    char q[MC_ERROR_NAME_SIZE];
    return mc_error_set(err, MC_ERR_FORMAT, 0, 0,
                        "time zone \"%s\": the zone file is not valid TZif data: %s",
                        mc_error_name(q, name), what);
}

static mc_status read_header(const unsigned char *p, size_t avail, header *h, const char *name,
                             mc_error *err)
{
    if (avail < HEADER_SIZE)
        return corrupt(name, "truncated header", err);
    if (memcmp(p, "TZif", 4) != 0)
        return corrupt(name, "bad magic (not \"TZif\")", err);
    h->version = (char)p[4];
    if (h->version != 0 && h->version < '2')
        return corrupt(name, "unknown version", err);
    h->isut = be32(p + 20);
    h->isstd = be32(p + 24);
    h->leap = be32(p + 28);
    h->time = be32(p + 32);
    h->type = be32(p + 36);
    h->chars = be32(p + 40);
    if (h->type == 0 || h->type > 256 || h->chars == 0 || h->chars > MAX_CHARS ||
        h->time > MAX_TRANSITIONS || h->leap > MAX_TRANSITIONS ||
        (h->isstd != 0 && h->isstd != h->type) || (h->isut != 0 && h->isut != h->type))
        return corrupt(name, "impossible counts in the header", err);
    return MC_OK;
}

/* Bytes of the data block after a header, with `ts` bytes per time. */
static size_t block_size(const header *h, size_t ts)
{
    return (size_t)h->time * (ts + 1) + (size_t)h->type * 6 + h->chars +
           (size_t)h->leap * (ts + 4) + h->isstd + h->isut;
}

/* The transitions and types of the data block at p (checked to be there). */
static mc_status read_block(mc_tz *tz, const unsigned char *p, const header *h, size_t ts,
                            const char *name, mc_error *err)
{
    char q[MC_ERROR_NAME_SIZE];
    if (h->leap != 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "time zone \"%s\": zones that count leap seconds (\"right/\") are "
                            "not supported; use the zone's plain name",
                            mc_error_name(q, name));
    tz->n_trans = h->time;
    tz->n_types = h->type;
    tz->trans = mc_realloc_array(NULL, tz->n_trans + 1, sizeof *tz->trans);
    tz->index = malloc(tz->n_trans + 1);
    tz->types = mc_realloc_array(NULL, tz->n_types, sizeof *tz->types);
    if (tz->trans == NULL || tz->index == NULL || tz->types == NULL)
        return mc_error_nomem(err, "reading a time zone");
    for (size_t i = 0; i < tz->n_trans; i++, p += ts) {
        tz->trans[i] = ts == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
        if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
            return corrupt(name, "transitions out of order", err);
    }
    for (size_t i = 0; i < tz->n_trans; i++) {
        tz->index[i] = *p++;
        if (tz->index[i] >= tz->n_types)
            return corrupt(name, "a transition to a type that does not exist", err);
    }
    for (size_t i = 0; i < tz->n_types; i++, p += 6) {
        const int32_t off = (int32_t)be32(p);
        if (off < MC_TZ_MIN_OFFSET || off > MC_TZ_MAX_OFFSET || p[4] > 1 || p[5] >= h->chars)
            return corrupt(name, "a local time type out of range", err);
        tz->types[i] = (tz_type){off, p[4] == 1};
    }
    return MC_OK;
}

static mc_status parse(mc_tz *tz, const unsigned char *data, size_t size, const char *name,
                       mc_error *err)
{
    header h;
    mc_status st = read_header(data, size, &h, name, err);
    if (st != MC_OK)
        return st;
    size_t at = HEADER_SIZE, ts = 4;
    if (h.version != 0) { /* the 64-bit data follow the version 1 data */
        const size_t skip = block_size(&h, 4);
        if (size - at < skip)
            return corrupt(name, "truncated data", err);
        at += skip;
        if ((st = read_header(data + at, size - at, &h, name, err)) != MC_OK)
            return st;
        at += HEADER_SIZE;
        ts = 8;
    }
    const size_t need = block_size(&h, ts);
    if (size - at < need)
        return corrupt(name, "truncated data", err);
    if ((st = read_block(tz, data + at, &h, ts, name, err)) != MC_OK)
        return st;
    at += need;
    if (ts == 4)
        return MC_OK; /* version 1 has no footer */
    const unsigned char *nl = at < size && data[at] == '\n'
                                  ? memchr(data + at + 1, '\n', size - at - 1) : NULL;
    if (nl == NULL)
        return corrupt(name, "truncated footer", err);
    const char *text = (const char *)data + at + 1;
    const size_t len = (size_t)((const char *)nl - text);
    if (len == 0)
        return MC_OK; /* no rule: the last transition's type stays */
    if (!parse_rule(text, len, &tz->rule))
        return corrupt(name, "the footer is not a POSIX TZ rule", err);
    tz->has_rule = true;
    return MC_OK;
}

mc_status mc_tz_parse(mc_tz **out, const void *data, size_t size, const char *name,
                      mc_error *err)
{
    *out = NULL;
    mc_tz *tz = calloc(1, sizeof *tz);
    if (tz == NULL || (tz->name = strdup(name != NULL ? name : "(zone)")) == NULL) {
        free(tz);
        return mc_error_nomem(err, "reading a time zone");
    }
    const mc_status st = parse(tz, data, size, tz->name, err);
    if (st != MC_OK) {
        mc_tz_free(tz);
        return st;
    }
    *out = tz;
    return MC_OK;
}

/* Area/City names only: no way out of the zone directory. */
static bool name_is_safe(const char *name)
{
    const size_t n = strlen(name);
    if (n == 0 || n > MAX_NAME || name[0] == '/' || strstr(name, "..") != NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        const char c = name[i];
        if (!(is_alpha(c) || is_digit(c) || c == '/' || c == '_' || c == '+' || c == '-' ||
              c == '.'))
            return false;
    }
    return true;
}

static mc_status unknown(const char *name, const char *dir, const char *why, mc_error *err)
{
    char q[MC_ERROR_NAME_SIZE], d[MC_ERROR_NAME_SIZE];
    return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                        "unknown time zone \"%s\": %s in %s (zones are named Area/City, as "
                        "Europe/London or America/New_York, from the tzdata package)",
                        mc_error_name(q, name), why, mc_error_name(d, dir));
}

mc_status mc_tz_load(mc_tz **out, const char *name, const char *dir, mc_error *err)
{
    *out = NULL;
    if (dir == NULL || dir[0] == '\0')
        dir = MC_TZ_DEFAULT_DIR;
    char q[MC_ERROR_NAME_SIZE];
    if (name == NULL || !name_is_safe(name))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "invalid time zone name \"%s\": a zone is named Area/City (e.g. "
                            "Europe/London), without \"..\", a leading '/' or spaces",
                            mc_error_name(q, name != NULL ? name : ""));
    const size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (path == NULL)
        return mc_error_nomem(err, "reading a time zone");
    snprintf(path, len, "%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    free(path);
    if (fp == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return unknown(name, dir, "no such zone", err);
        return mc_error_set(err, MC_ERR_IO, 0, 0, "time zone \"%s\": cannot open %s/%s: %s",
                            mc_error_name(q, name), dir, name, strerror(errno));
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return unknown(name, dir, "a directory of zones, not a zone,", err);
    }
    if (sb.st_size > MAX_FILE_SIZE) {
        fclose(fp);
        return corrupt(name, "too large for a zone file", err);
    }
    unsigned char *data = malloc((size_t)sb.st_size + 1);
    if (data == NULL) {
        fclose(fp);
        return mc_error_nomem(err, "reading a time zone");
    }
    const size_t got = fread(data, 1, (size_t)sb.st_size, fp);
    const bool failed = ferror(fp) != 0;
    fclose(fp);
    mc_status st = failed ? mc_error_set(err, MC_ERR_IO, 0, 0, "time zone \"%s\": read error",
                                         mc_error_name(q, name))
                          : mc_tz_parse(out, data, got, name, err);
    free(data);
    return st;
}

mc_status mc_tz_clone(mc_tz **out, const mc_tz *tz, mc_error *err)
{
    *out = NULL;
    mc_tz *c = calloc(1, sizeof *c);
    if (c == NULL)
        return mc_error_nomem(err, "copying a time zone");
    *c = *tz;
    c->name = strdup(tz->name);
    c->trans = mc_realloc_array(NULL, tz->n_trans + 1, sizeof *c->trans);
    c->index = malloc(tz->n_trans + 1);
    c->types = mc_realloc_array(NULL, tz->n_types, sizeof *c->types);
    if (c->name == NULL || c->trans == NULL || c->index == NULL || c->types == NULL) {
        mc_tz_free(c);
        return mc_error_nomem(err, "copying a time zone");
    }
    memcpy(c->trans, tz->trans, tz->n_trans * sizeof *c->trans);
    memcpy(c->index, tz->index, tz->n_trans);
    memcpy(c->types, tz->types, tz->n_types * sizeof *c->types);
    *out = c;
    return MC_OK;
}

void mc_tz_free(mc_tz *tz)
{
    if (tz == NULL)
        return;
    free(tz->name);
    free(tz->trans);
    free(tz->index);
    free(tz->types);
    free(tz);
}

const char *mc_tz_name(const mc_tz *tz) { return tz->name; }

/* ---- queries ------------------------------------------------------------------- */

/* The number of transitions at or before t. */
static size_t transitions_upto(const mc_tz *tz, int64_t t)
{
    size_t lo = 0, hi = tz->n_trans;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int32_t mc_tz_offset(const mc_tz *tz, int64_t t)
{
    const size_t k = transitions_upto(tz, t);
    if (tz->has_rule && k == tz->n_trans)
        return rule_offset(&tz->rule, t);
    return tz->types[k == 0 ? 0 : tz->index[k - 1]].utoff;
}

int64_t mc_tz_next_transition(const mc_tz *tz, int64_t t)
{
    const size_t k = transitions_upto(tz, t);
    if (k < tz->n_trans)
        return tz->trans[k];
    return tz->has_rule ? rule_next(&tz->rule, t) : INT64_MAX;
}

enum { MAX_WINDOW_TRANSITIONS = 64 };

/* The distinct offsets in force at some instant in [lo, hi]. */
static size_t window_offsets(const mc_tz *tz, int64_t lo, int64_t hi, int32_t *offs)
{
    size_t n = 0;
    int64_t t = lo;
    for (int k = 0; k < MAX_WINDOW_TRANSITIONS && t <= hi; k++) {
        const int32_t o = mc_tz_offset(tz, t);
        bool seen = false;
        for (size_t i = 0; i < n && !seen; i++)
            seen = offs[i] == o;
        if (!seen)
            offs[n++] = o;
        t = mc_tz_next_transition(tz, t);
    }
    return n;
}

size_t mc_tz_instants(const mc_tz *tz, int64_t wall, int64_t out[2])
{
    /* A solution t = wall - offset(t) lies within the widest offsets of wall. */
    int32_t offs[MAX_WINDOW_TRANSITIONS];
    const size_t n = window_offsets(tz, wall - MC_TZ_MAX_OFFSET, wall - MC_TZ_MIN_OFFSET, offs);
    size_t found = 0;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        const int64_t t = wall - offs[i];
        if (mc_tz_offset(tz, t) != offs[i])
            continue;
        found++;
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
    }
    if (found == 0)
        return 0;
    out[0] = lo;
    out[1] = hi;
    return found == 1 ? 1 : 2;
}

int mc_tz_hole(const mc_tz *tz, int64_t wall, int64_t *before, int64_t *after)
{
    int64_t t = wall - MC_TZ_MAX_OFFSET;
    for (int k = 0; k < MAX_WINDOW_TRANSITIONS; k++) {
        t = mc_tz_next_transition(tz, t);
        if (t == INT64_MAX || t > wall - MC_TZ_MIN_OFFSET)
            return 0;
        const int64_t ob = mc_tz_offset(tz, t - 1), oa = mc_tz_offset(tz, t);
        if (oa > ob && wall >= t + ob && wall < t + oa) {
            *before = t + ob;
            *after = t + oa;
            return 1;
        }
    }
    return 0;
}
