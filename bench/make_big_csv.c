/*
 * mc_make_big_csv — writes a large, deterministic, realistic load CSV for the
 * ingest benchmark.
 *
 *     mc_make_big_csv OUT.csv [MEGABYTES]     (default 200; 1 MB = 10^6 bytes; "-" = stdout)
 *
 * Columns: time,load,temperature,holiday,note
 *   time         "YYYY-MM-DD HH:MM:SS", a 1-minute step from 2000-01-01 00:00:00
 *                (200 MB is about 4.3 million rows, about 8 years)
 *   load         MW with two decimals (daily, weekly and yearly cycles plus AR(1)
 *                noise, around 8,000-17,000); about 1 in 2,000 values empty
 *   temperature  degrees C with one decimal
 *   holiday      TRUE / FALSE (fixed-date holidays)
 *   note         short free text, often empty, sometimes quoted with a comma
 *                inside; the benchmark does not select it
 *
 * The same arguments always give the same bytes: the noise comes from an
 * inline 64-bit LCG, never from rand().
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/timestamp.h"

#define STEP_SECONDS 60
#define DEFAULT_MEGABYTES 200.0
#define TWO_PI 6.283185307179586

/* Knuth's MMIX LCG; the top bits are good enough for benchmark noise. */
typedef struct lcg {
    uint64_t state;
} lcg;

static double lcg_uniform(lcg *g)
{
    g->state = g->state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(g->state >> 11) * 0x1p-53;
}

/* Roughly standard normal: the sum of 4 uniforms, centred and scaled. */
static double lcg_normal(lcg *g)
{
    double s = lcg_uniform(g) + lcg_uniform(g) + lcg_uniform(g) + lcg_uniform(g);
    return (s - 2.0) * 1.7320508075688772;
}

typedef struct civil {
    int year, month, day;
} civil;

/* A date from days since 1970-01-01, by the library's calendar arithmetic. */
static civil civil_from_days(int64_t z)
{
    int64_t y;
    int m, d;
    mc_civil_from_days(z, &y, &m, &d);
    return (civil){(int)y, m, d};
}

static int is_holiday(civil c)
{
    static const int days[][2] = {{1, 1}, {5, 1}, {7, 4}, {11, 11}, {12, 25}, {12, 26}};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        if (c.month == days[i][0] && c.day == days[i][1])
            return 1;
    return 0;
}

/* Writes `v` in exactly `width` digits, zero-padded; returns the end. */
static char *put_padded(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Writes `v` / 10^decimals with that many decimals ("-3.4", "12345.67"). */
static char *put_fixed(char *p, int64_t v, int decimals)
{
    if (v < 0) {
        *p++ = '-';
        v = -v;
    }
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    char digits[24];
    int n = 0;
    int64_t whole = v / scale;
    do {
        digits[n++] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole > 0);
    while (n > 0)
        *p++ = digits[--n];
    *p++ = '.';
    return put_padded(p, (unsigned)(v % scale), decimals);
}

static char *put_text(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* State carried from row to row: the noise processes. */
typedef struct series {
    lcg rng;
    double load_noise; /* AR(1), MW */
    double temp_noise; /* AR(1), degrees */
} series;

/* A note: mostly empty, else a short word, sometimes a quoted phrase with a comma. */
static char *put_note(char *p, series *s)
{
    static const char *const words[] = {"ok", "estimated", "meter-read", "scada", "backfilled",
                                        "manual", "check", "storm"};
    static const char *const quoted[] = {"\"meter swap, verified\"", "\"storm, feeder 12 down\"",
                                         "\"estimated, awaiting read\""};
    double u = lcg_uniform(&s->rng);
    if (u < 0.55)
        return p;
    if (u < 0.97)
        return put_text(p, words[(size_t)(lcg_uniform(&s->rng) * 8) % 8]);
    return put_text(p, quoted[(size_t)(lcg_uniform(&s->rng) * 3) % 3]);
}

static double load_mw(int64_t t, int holiday, series *s)
{
    const double h = (double)(t % 86400) / 86400.0;     /* fraction of the day */
    const double y = (double)(t % 31557600) / 31557600.0; /* fraction of the year */
    const int64_t weekday = (t / 86400 + 4) % 7;           /* 0 = Sunday; 1970-01-01 a Thursday */
    double daily = 1.0 + 0.22 * sin(TWO_PI * (h - 0.30)) + 0.08 * sin(2.0 * TWO_PI * (h - 0.10));
    double yearly = 1.0 + 0.10 * cos(TWO_PI * y) + 0.06 * cos(2.0 * TWO_PI * (y - 0.05));
    double weekly = (weekday == 0 || weekday == 6) ? 0.86 : 1.0;
    double special = holiday ? 0.82 : 1.0;
    s->load_noise = 0.995 * s->load_noise + 12.0 * lcg_normal(&s->rng);
    return 12000.0 * daily * yearly * weekly * special + s->load_noise;
}

static double temperature_c(int64_t t, series *s)
{
    const double h = (double)(t % 86400) / 86400.0;
    const double y = (double)(t % 31557600) / 31557600.0;
    s->temp_noise = 0.999 * s->temp_noise + 0.05 * lcg_normal(&s->rng);
    return 12.0 - 10.0 * cos(TWO_PI * (y - 0.04)) + 4.0 * sin(TWO_PI * (h - 0.375)) + s->temp_noise;
}

/* Formats one row into `p` (at most ~120 bytes); returns the end. */
static char *put_row(char *p, int64_t t, series *s)
{
    const civil c = civil_from_days(t / 86400);
    const int sec = (int)(t % 86400);
    const int holiday = is_holiday(c);
    p = put_padded(p, (unsigned)c.year, 4);
    *p++ = '-';
    p = put_padded(p, (unsigned)c.month, 2);
    *p++ = '-';
    p = put_padded(p, (unsigned)c.day, 2);
    *p++ = ' ';
    p = put_padded(p, (unsigned)(sec / 3600), 2);
    *p++ = ':';
    p = put_padded(p, (unsigned)(sec / 60 % 60), 2);
    *p++ = ':';
    p = put_padded(p, (unsigned)(sec % 60), 2);
    *p++ = ',';
    const double load = load_mw(t, holiday, s);
    if (lcg_uniform(&s->rng) >= 1.0 / 2000.0) /* a few readings are missing */
        p = put_fixed(p, llround(load * 100.0), 2);
    *p++ = ',';
    p = put_fixed(p, llround(temperature_c(t, s) * 10.0), 1);
    *p++ = ',';
    p = put_text(p, holiday ? "TRUE" : "FALSE");
    *p++ = ',';
    p = put_note(p, s);
    *p++ = '\n';
    return p;
}

static int parse_megabytes(const char *arg, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno != 0 || end == arg || *end != '\0' || !(v > 0.0) || v > 1e6)
        return -1;
    *out = v;
    return 0;
}

/* Writes rows until at least `target` bytes are out; returns 0 or -1 on a write error. */
static int write_rows(FILE *out, uint64_t target, uint64_t *rows_out)
{
    enum { BUF = 1 << 20, ROW_MAX = 256 };
    static char buf[BUF];
    const int64_t start = 946684800; /* 2000-01-01 00:00:00 UTC */
    series s = {.rng = {0x9E3779B97F4A7C15ULL}};
    const char header[] = "time,load,temperature,holiday,note\n";
    size_t used = sizeof header - 1;
    memcpy(buf, header, used);
    uint64_t written = 0, rows = 0;
    while (written + used < target) {
        used = (size_t)(put_row(buf + used, start + (int64_t)rows * STEP_SECONDS, &s) - buf);
        rows++;
        if (used > BUF - ROW_MAX) {
            if (fwrite(buf, 1, used, out) != used)
                return -1;
            written += used;
            used = 0;
        }
    }
    if (used > 0 && fwrite(buf, 1, used, out) != used)
        return -1;
    *rows_out = rows;
    return 0;
}

int main(int argc, char **argv)
{
    double megabytes = DEFAULT_MEGABYTES;
    if (argc < 2 || argc > 3 || (argc == 3 && parse_megabytes(argv[2], &megabytes) != 0)) {
        fprintf(stderr, "usage: %s OUT.csv [MEGABYTES]   (default %.0f; 1 MB = 10^6 bytes)\n",
                argv[0], DEFAULT_MEGABYTES);
        return 2;
    }
    const int to_stdout = strcmp(argv[1], "-") == 0;
    FILE *out = to_stdout ? stdout : fopen(argv[1], "wb");
    if (out == NULL) {
        fprintf(stderr, "%s: cannot open %s: %s\n", argv[0], argv[1], strerror(errno));
        return 1;
    }
    uint64_t rows = 0;
    int failed = write_rows(out, (uint64_t)(megabytes * 1e6), &rows) != 0;
    if ((to_stdout ? fflush(out) : fclose(out)) != 0)
        failed = 1;
    if (failed) {
        fprintf(stderr, "%s: writing %s failed: %s\n", argv[0], argv[1], strerror(errno));
        return 1;
    }
    fprintf(stderr, "%s: %llu rows, 1-minute step from 2000-01-01 00:00:00\n", argv[1],
            (unsigned long long)rows);
    return 0;
}
