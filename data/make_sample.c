/* make_sample: writes the sample data maskcast ships (data/README.md).
 *
 *   make_sample OUT_DIR
 *
 * Writes OUT_DIR/sample_load.csv (hourly load, temperature, holiday flag for
 * 2021-2023), OUT_DIR/sample_anomalies.csv (the ground truth of every
 * injected anomaly and missing value) and OUT_DIR/sample_holidays.csv.
 * The output is a pure function of this file: a fixed GSL seed, calendar
 * arithmetic done here, and values printed with one decimal. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "data/timestamp.h"

#define SEED 20240521UL
#define START_YEAR 2021
#define N_DAYS 1095 /* 2021-01-01 .. 2023-12-31, no leap day */
#define N_HOURS (N_DAYS * 24)
#define MAX_PATH_LEN 4096

static const double TWO_PI = 6.283185307179586;
static const double YEAR_DAYS = 365.25;

/* Temperature (°C): annual cycle, asymmetric daily cycle, and two AR(1)
 * weather components whose multi-day persistence makes spells. */
static const double TEMP_MEAN = 11.0;
static const double TEMP_ANNUAL_AMP = 11.5;
static const double TEMP_COLDEST_DOY = 20.0;
static const double TEMP_DAILY_AMP_WINTER = 3.0;
static const double TEMP_DAILY_AMP_SUMMER = 5.5;
static const double TEMP_DAILY_MIN_HOUR = 5.0;
static const double TEMP_DAILY_MAX_HOUR = 15.0;
static const double WEATHER_FAST_TAU_H = 72.0; /* synoptic: ~3 days */
static const double WEATHER_FAST_SD = 3.0;
static const double WEATHER_SLOW_TAU_H = 288.0; /* spells: ~12 days */
static const double WEATHER_SLOW_SD = 1.8;
static const double TEMP_WHITE_SD = 0.25;

/* Load (MW). */
static const double LOAD_BASE_MW = 1400.0;
static const double LOAD_TREND_PER_YEAR = 0.01;
static const double LIGHTING_AMP = 0.03; /* longer evenings in winter */
static const double WINTER_SOLSTICE_DOY = 355.0;
static const double VACATION_DEPTH = 0.05; /* industrial summer break */
static const double VACATION_CENTER_DOY = 218.0;
static const double VACATION_WIDTH_DAYS = 14.0;
static const double SATURDAY_LEVEL = 0.90;
static const double SUNDAY_LEVEL = 0.84; /* Sundays and public holidays */
static const double BRIDGE_WEIGHT = 0.5; /* how Sunday-like a bridge day is */
static const int NIGHT_CARRY_HOURS = 6;  /* the night belongs to the day before */
static const double HEAT_BASE_C = 15.0;
static const double HEAT_MW_PER_C = 14.0;
static const double HEAT_TAU_H = 24.0; /* buildings respond to yesterday's cold */
static const double COOL_BASE_C = 20.0;
static const double COOL_MW_PER_C = 22.0;
static const double COOL_MW_PER_C2 = 1.2;
static const double COOL_TAU_H = 4.0;
static const double COOL_PEAK_HOUR = 15.0;
static const double COOL_PEAK_WIDTH_H = 4.5;
static const double COOL_NIGHT_SHARE = 0.35;
static const double NOISE_AR_PHI = 0.95;
static const double NOISE_AR_SD = 0.025; /* stationary sd, relative */
static const double NOISE_WHITE_MW = 8.0;

/* Relative hourly shapes; the night trough, morning ramp and evening peak
 * come later and softer on days off. */
static const double WORKDAY_SHAPE[24] = {
    0.86, 0.82, 0.80, 0.79, 0.80, 0.84, 0.93, 1.02, 1.07, 1.09, 1.10, 1.10,
    1.08, 1.07, 1.06, 1.05, 1.06, 1.09, 1.13, 1.14, 1.11, 1.05, 0.98, 0.91};
static const double DAYOFF_SHAPE[24] = {
    0.90, 0.85, 0.82, 0.80, 0.79, 0.79, 0.81, 0.85, 0.91, 0.97, 1.02, 1.05,
    1.06, 1.04, 1.01, 0.99, 1.00, 1.05, 1.11, 1.13, 1.10, 1.05, 0.99, 0.93};
/* Monday .. Friday: Monday starts slowly, Friday ends early. */
static const double WORKDAY_LEVEL[5] = {0.99, 1.00, 1.00, 1.00, 0.98};

/* Public holidays: a fixed month/day, or (month 0) days after Easter Sunday. */
static const struct holiday_rule {
    int month;
    int day;
    const char *name;
} HOLIDAYS[] = {
    {1, 1, "New Year's Day"},  {0, -2, "Good Friday"},  {0, 1, "Easter Monday"},
    {5, 1, "Labour Day"},      {0, 39, "Ascension Day"}, {0, 50, "Whit Monday"},
    {8, 15, "Assumption Day"}, {10, 3, "National Day"}, {12, 25, "Christmas Day"},
    {12, 26, "Boxing Day"},
};

enum event_kind { EV_SPIKE, EV_DROPOUT, EV_STUCK, EV_MISSING };
enum event_column { COL_LOAD, COL_TEMPERATURE };

/* Injected defects. A spike multiplies one value by `factor`; a dropout
 * writes zeros; a stuck meter repeats the reading before it; missing cells
 * are left empty (load) or written NA (temperature). */
static const struct event {
    int year, month, day, hour;
    int hours;
    enum event_kind kind;
    enum event_column column;
    double factor;
} EVENTS[] = {
    {2021, 1, 26, 18, 1, EV_SPIKE, COL_LOAD, 1.45},
    {2021, 2, 17, 10, 1, EV_MISSING, COL_LOAD, 0},
    {2021, 3, 22, 15, 1, EV_SPIKE, COL_LOAD, 0.62},
    {2021, 4, 6, 9, 1, EV_MISSING, COL_TEMPERATURE, 0},
    {2021, 5, 8, 3, 1, EV_MISSING, COL_LOAD, 0},
    {2021, 7, 19, 2, 1, EV_DROPOUT, COL_LOAD, 0},
    {2021, 8, 23, 14, 1, EV_MISSING, COL_LOAD, 0},
    {2021, 9, 14, 13, 3, EV_MISSING, COL_LOAD, 0},
    {2021, 10, 12, 8, 6, EV_STUCK, COL_LOAD, 0},
    {2021, 11, 30, 21, 1, EV_MISSING, COL_LOAD, 0},
    {2021, 12, 8, 20, 1, EV_SPIKE, COL_LOAD, 1.55},
    {2022, 1, 12, 7, 1, EV_MISSING, COL_LOAD, 0},
    {2022, 2, 8, 13, 2, EV_DROPOUT, COL_LOAD, 0},
    {2022, 3, 9, 18, 30, EV_MISSING, COL_LOAD, 0},
    {2022, 4, 21, 9, 1, EV_SPIKE, COL_LOAD, 1.40},
    {2022, 5, 30, 20, 12, EV_STUCK, COL_LOAD, 0},
    {2022, 6, 19, 16, 1, EV_MISSING, COL_LOAD, 0},
    {2022, 7, 7, 12, 1, EV_SPIKE, COL_LOAD, 0.55},
    {2022, 8, 2, 15, 1, EV_MISSING, COL_TEMPERATURE, 0},
    {2022, 9, 13, 17, 1, EV_SPIKE, COL_LOAD, 1.60},
    {2022, 10, 4, 1, 1, EV_MISSING, COL_LOAD, 0},
    {2022, 11, 17, 6, 3, EV_DROPOUT, COL_LOAD, 0},
    {2022, 12, 21, 3, 4, EV_STUCK, COL_LOAD, 0},
    {2023, 1, 18, 4, 1, EV_SPIKE, COL_LOAD, 0.45},
    {2023, 2, 27, 12, 1, EV_MISSING, COL_LOAD, 0},
    {2023, 3, 15, 8, 1, EV_SPIKE, COL_LOAD, 1.30},
    {2023, 4, 25, 11, 9, EV_STUCK, COL_LOAD, 0},
    {2023, 5, 16, 22, 1, EV_MISSING, COL_TEMPERATURE, 0},
    {2023, 6, 6, 23, 2, EV_DROPOUT, COL_LOAD, 0},
    {2023, 7, 14, 19, 1, EV_MISSING, COL_LOAD, 0},
    {2023, 8, 29, 14, 1, EV_SPIKE, COL_LOAD, 1.50},
    {2023, 9, 19, 22, 7, EV_STUCK, COL_LOAD, 0},
    {2023, 10, 24, 10, 1, EV_SPIKE, COL_LOAD, 0.68},
    {2023, 11, 3, 16, 1, EV_DROPOUT, COL_LOAD, 0},
    {2023, 11, 21, 5, 1, EV_MISSING, COL_LOAD, 0},
    {2023, 12, 5, 9, 5, EV_STUCK, COL_LOAD, 0},
    {2023, 12, 12, 19, 1, EV_SPIKE, COL_LOAD, 1.38},
};

#define N_HOLIDAYS (sizeof HOLIDAYS / sizeof HOLIDAYS[0])
#define N_EVENTS (sizeof EVENTS / sizeof EVENTS[0])

static const char *const KIND_NAMES[] = {"spike", "dropout", "stuck", "missing"};
static const char *const COLUMN_NAMES[] = {"load", "temperature"};

/* Everything the writers need; NaN in an *_out array is a missing cell. */
struct sample {
    double temp[N_HOURS];     /* true temperature, °C */
    double load[N_HOURS];     /* clean load, MW */
    double temp_out[N_HOURS]; /* temperature as written */
    double load_out[N_HOURS]; /* load as written */
};

/* The calendar arithmetic is the library's (src/data/timestamp.c). */
static void civil_from_days(long z, int *y, int *m, int *d)
{
    int64_t year;
    mc_civil_from_days(z, &year, m, d);
    *y = (int)year;
}

/* 0 = Monday .. 6 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(long days)
{
    const long w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* Easter Sunday of year y (anonymous Gregorian algorithm), in days. */
static long easter_days(int y)
{
    const int a = y % 19, b = y / 100, c = y % 100;
    const int h = (19 * a + b - b / 4 - (b - (b + 8) / 25 + 1) / 3 + 15) % 30;
    const int l = (32 + 2 * (b % 4) + 2 * (c / 4) - h - c % 4) % 7;
    const int m = (a + 11 * h + 22 * l) / 451;
    const int n = h + l - 7 * m + 114;
    return mc_days_from_civil(y, n / 31, n % 31 + 1);
}

/* The holiday's name on day `days`, or NULL on an ordinary day. */
static const char *holiday_of(long days)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    for (size_t i = 0; i < N_HOLIDAYS; i++) {
        const struct holiday_rule *r = &HOLIDAYS[i];
        if (r->month == 0 ? days == easter_days(y) + r->day : (m == r->month && d == r->day))
            return r->name;
    }
    return NULL;
}

static int is_day_off(long days)
{
    return weekday(days) == 6 || holiday_of(days) != NULL;
}

/* A working day many people take off: squeezed between a holiday and a
 * weekend, or in the week between Christmas and New Year. */
static int is_bridge_day(long days)
{
    int y, m, d;
    if (weekday(days) >= 5 || holiday_of(days) != NULL)
        return 0;
    civil_from_days(days, &y, &m, &d);
    if (m == 12 && (d == 24 || d >= 27))
        return 1;
    return (holiday_of(days - 1) && weekday(days + 1) == 5) ||
           (holiday_of(days + 1) && weekday(days - 1) == 6);
}

/* The weekly and daily pattern of one calendar day at one hour. */
static double day_factor(long days, int hour)
{
    const double sunday = SUNDAY_LEVEL * DAYOFF_SHAPE[hour];
    if (is_day_off(days))
        return sunday;
    if (weekday(days) == 5)
        return SATURDAY_LEVEL * DAYOFF_SHAPE[hour];
    const double work = WORKDAY_LEVEL[weekday(days)] * WORKDAY_SHAPE[hour];
    return is_bridge_day(days) ? BRIDGE_WEIGHT * sunday + (1.0 - BRIDGE_WEIGHT) * work : work;
}

/* day_factor, with the small hours blended towards the previous day so that
 * Sunday night does not jump to Monday's level at midnight. */
static double calendar_factor(long days, int hour)
{
    const double today = day_factor(days, hour);
    if (hour >= NIGHT_CARRY_HOURS)
        return today;
    const double w = (NIGHT_CARRY_HOURS - hour) / (NIGHT_CARRY_HOURS + 1.0);
    return w * day_factor(days - 1, hour) + (1.0 - w) * today;
}

/* 0 at the daily minimum, 1 at the maximum: warming is faster than cooling. */
static double daily_temperature_shape(int hour)
{
    const double rise = TEMP_DAILY_MAX_HOUR - TEMP_DAILY_MIN_HOUR;
    if (hour >= TEMP_DAILY_MIN_HOUR && hour < TEMP_DAILY_MAX_HOUR)
        return 0.5 - 0.5 * cos(TWO_PI / 2.0 * (hour - TEMP_DAILY_MIN_HOUR) / rise);
    const double since_max = fmod(hour - TEMP_DAILY_MAX_HOUR + 24.0, 24.0);
    return 0.5 + 0.5 * cos(TWO_PI / 2.0 * since_max / (24.0 - rise));
}

/* One step of an AR(1) process whose stationary sd is `sd`. */
static double ar1_step(gsl_rng *rng, double x, double phi, double sd)
{
    return phi * x + gsl_ran_gaussian(rng, sd * sqrt(1.0 - phi * phi));
}

static void simulate_temperature(gsl_rng *rng, struct sample *s)
{
    const double fast_phi = exp(-1.0 / WEATHER_FAST_TAU_H);
    const double slow_phi = exp(-1.0 / WEATHER_SLOW_TAU_H);
    double fast = gsl_ran_gaussian(rng, WEATHER_FAST_SD);
    double slow = gsl_ran_gaussian(rng, WEATHER_SLOW_SD);
    for (long t = 0; t < N_HOURS; t++) {
        const double day = (double)(t / 24); /* 2021-01-01 is day 0 of the cycle */
        const double season = -cos(TWO_PI * (day - TEMP_COLDEST_DOY) / YEAR_DAYS);
        const double amp = TEMP_DAILY_AMP_WINTER +
                           (TEMP_DAILY_AMP_SUMMER - TEMP_DAILY_AMP_WINTER) * 0.5 * (1.0 + season);
        const double daily = amp * (2.0 * daily_temperature_shape((int)(t % 24)) - 1.0);
        fast = ar1_step(rng, fast, fast_phi, WEATHER_FAST_SD);
        slow = ar1_step(rng, slow, slow_phi, WEATHER_SLOW_SD);
        s->temp[t] = TEMP_MEAN + TEMP_ANNUAL_AMP * season + daily + fast + slow +
                     gsl_ran_gaussian(rng, TEMP_WHITE_SD);
    }
}

/* Seasonality that temperature does not explain: lighting, summer break. */
static double season_factor(double doy)
{
    const double lighting = LIGHTING_AMP * cos(TWO_PI * (doy - WINTER_SOLSTICE_DOY) / YEAR_DAYS);
    const double z = (doy - VACATION_CENTER_DOY) / VACATION_WIDTH_DAYS;
    return 1.0 + lighting - VACATION_DEPTH * exp(-z * z);
}

/* Air conditioning runs hardest in the afternoon. */
static double cooling_hour_weight(int hour)
{
    const double z = (hour - COOL_PEAK_HOUR) / COOL_PEAK_WIDTH_H;
    return COOL_NIGHT_SHARE + (1.0 - COOL_NIGHT_SHARE) * exp(-z * z);
}

static void simulate_load(gsl_rng *rng, struct sample *s)
{
    const long day0 = mc_days_from_civil(START_YEAR, 1, 1);
    const double heat_alpha = 1.0 - exp(-1.0 / HEAT_TAU_H);
    const double cool_alpha = 1.0 - exp(-1.0 / COOL_TAU_H);
    double heat_temp = s->temp[0], cool_temp = s->temp[0];
    double noise = gsl_ran_gaussian(rng, NOISE_AR_SD);
    for (long t = 0; t < N_HOURS; t++) {
        const long days = day0 + t / 24;
        const int hour = (int)(t % 24);
        int y, m, d;
        civil_from_days(days, &y, &m, &d);
        const double doy = (double)(days - mc_days_from_civil(y, 1, 1));
        const double cal = calendar_factor(days, hour);
        const double years = (double)t / (24.0 * YEAR_DAYS);
        const double base = LOAD_BASE_MW * (1.0 + LOAD_TREND_PER_YEAR * years);
        heat_temp += heat_alpha * (s->temp[t] - heat_temp);
        cool_temp += cool_alpha * (s->temp[t] - cool_temp);
        const double hdd = fmax(0.0, HEAT_BASE_C - heat_temp);
        const double cdd = fmax(0.0, cool_temp - COOL_BASE_C);
        const double heat = HEAT_MW_PER_C * hdd * cal;
        const double cool =
            (COOL_MW_PER_C * cdd + COOL_MW_PER_C2 * cdd * cdd) * cooling_hour_weight(hour);
        noise = ar1_step(rng, noise, NOISE_AR_PHI, NOISE_AR_SD);
        s->load[t] = (base * cal * season_factor(doy) + heat + cool) * (1.0 + noise) +
                     gsl_ran_gaussian(rng, NOISE_WHITE_MW);
    }
}

/* The first hour of an event, counted from 2021-01-01 00:00. */
static long event_start(const struct event *e)
{
    return (mc_days_from_civil(e->year, e->month, e->day) - mc_days_from_civil(START_YEAR, 1, 1)) * 24 +
           e->hour;
}

/* Guards edits to EVENTS: each event lies inside the series, has a clean
 * hour before it (a stuck meter repeats that reading), and does not touch
 * another event, so every row of the ground truth describes what was written. */
static int events_valid(void)
{
    long prev_end = 0;
    for (size_t i = 0; i < N_EVENTS; i++) {
        const long t0 = event_start(&EVENTS[i]);
        if (EVENTS[i].hours < 1 || t0 < prev_end + 1 || t0 + EVENTS[i].hours > N_HOURS) {
            fprintf(stderr, "make_sample: EVENTS[%zu] is out of order, touches another event "
                            "or leaves the series\n", i);
            return 0;
        }
        prev_end = t0 + EVENTS[i].hours;
    }
    return 1;
}

/* Copies the clean series to the written ones, then damages them. */
static void inject_events(struct sample *s)
{
    memcpy(s->load_out, s->load, sizeof s->load);
    memcpy(s->temp_out, s->temp, sizeof s->temp);
    for (size_t i = 0; i < N_EVENTS; i++) {
        const struct event *e = &EVENTS[i];
        const long t0 = event_start(e);
        double *out = e->column == COL_LOAD ? s->load_out : s->temp_out;
        for (long t = t0; t < t0 + e->hours; t++) {
            switch (e->kind) {
            case EV_SPIKE: out[t] = s->load[t] * e->factor; break;
            case EV_DROPOUT: out[t] = 0.0; break;
            case EV_STUCK: out[t] = s->load[t0 - 1]; break;
            case EV_MISSING: out[t] = NAN; break;
            }
        }
    }
}

static FILE *open_output(const char *dir, const char *name, char *path)
{
    const int n = snprintf(path, MAX_PATH_LEN, "%s/%s", dir, name);
    if (n < 0 || n >= MAX_PATH_LEN) {
        fprintf(stderr, "make_sample: output path too long: %s/%s\n", dir, name);
        return NULL;
    }
    /* Binary mode: the committed files are compared byte for byte. */
    FILE *f = fopen(path, "wb");
    if (!f)
        fprintf(stderr, "make_sample: cannot open %s: %s\n", path, strerror(errno));
    return f;
}

/* Closes f; reports and fails if any write to it failed. */
static int close_output(FILE *f, const char *path, int ok)
{
    ok = ok && !ferror(f);
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "make_sample: cannot write %s: %s\n", path, strerror(errno));
    return ok;
}

static int print_time(FILE *f, long t)
{
    int y, m, d;
    civil_from_days(mc_days_from_civil(START_YEAR, 1, 1) + t / 24, &y, &m, &d);
    return fprintf(f, "%04d-%02d-%02d %02d:00:00", y, m, d, (int)(t % 24)) >= 0;
}

/* One decimal; rounds -0.04 to "0.0", not "-0.0". */
static int print_value(FILE *f, double v)
{
    return fprintf(f, "%.1f", fabs(v) < 0.05 ? 0.0 : v) >= 0;
}

static int write_load_csv(const char *dir, const struct sample *s)
{
    char path[MAX_PATH_LEN];
    FILE *f = open_output(dir, "sample_load.csv", path);
    if (!f)
        return 0;
    const long day0 = mc_days_from_civil(START_YEAR, 1, 1);
    int ok = fputs("time,load,temperature,holiday\n", f) >= 0;
    for (long t = 0; ok && t < N_HOURS; t++) {
        ok = print_time(f, t) && fputc(',', f) != EOF;
        if (ok && !isnan(s->load_out[t]))
            ok = print_value(f, s->load_out[t]);
        ok = ok && fputc(',', f) != EOF;
        ok = ok && (isnan(s->temp_out[t]) ? fputs("NA", f) >= 0 : print_value(f, s->temp_out[t]));
        ok = ok && fputs(holiday_of(day0 + t / 24) ? ",TRUE\n" : ",FALSE\n", f) >= 0;
    }
    return close_output(f, path, ok);
}

static int write_anomalies_csv(const char *dir, const struct sample *s)
{
    char path[MAX_PATH_LEN];
    FILE *f = open_output(dir, "sample_anomalies.csv", path);
    if (!f)
        return 0;
    int ok = fputs("start,end,kind,column,true_value,written_value\n", f) >= 0;
    for (size_t i = 0; ok && i < N_EVENTS; i++) {
        const struct event *e = &EVENTS[i];
        const long t0 = event_start(e);
        const double *clean = e->column == COL_LOAD ? s->load : s->temp;
        const double *out = e->column == COL_LOAD ? s->load_out : s->temp_out;
        ok = print_time(f, t0) && fputc(',', f) != EOF && print_time(f, t0 + e->hours - 1) &&
             fprintf(f, ",%s,%s,", KIND_NAMES[e->kind], COLUMN_NAMES[e->column]) >= 0 &&
             print_value(f, clean[t0]) && fputc(',', f) != EOF;
        if (ok && !isnan(out[t0]))
            ok = print_value(f, out[t0]);
        ok = ok && fputc('\n', f) != EOF;
    }
    return close_output(f, path, ok);
}

static int write_holidays_csv(const char *dir)
{
    char path[MAX_PATH_LEN];
    FILE *f = open_output(dir, "sample_holidays.csv", path);
    if (!f)
        return 0;
    const long day0 = mc_days_from_civil(START_YEAR, 1, 1);
    int ok = fputs("date,name\n", f) >= 0;
    for (long days = day0; ok && days < day0 + N_DAYS; days++) {
        const char *name = holiday_of(days);
        int y, m, d;
        civil_from_days(days, &y, &m, &d);
        if (name)
            ok = fprintf(f, "%04d-%02d-%02d,%s\n", y, m, d, name) >= 0;
    }
    return close_output(f, path, ok);
}

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '\0') {
        fprintf(stderr, "usage: %s OUT_DIR\n"
                        "writes sample_load.csv, sample_anomalies.csv and sample_holidays.csv "
                        "into the existing directory OUT_DIR\n",
                argc > 0 ? argv[0] : "make_sample");
        return 2;
    }
    gsl_set_error_handler_off();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    struct sample *s = calloc(1, sizeof *s);
    if (!rng || !s) {
        fprintf(stderr, "make_sample: out of memory\n");
        gsl_rng_free(rng);
        free(s);
        return 1;
    }
    if (!events_valid()) {
        gsl_rng_free(rng);
        free(s);
        return 1;
    }
    gsl_rng_set(rng, SEED);
    simulate_temperature(rng, s);
    simulate_load(rng, s);
    inject_events(s);
    const int ok = write_load_csv(argv[1], s) && write_anomalies_csv(argv[1], s) &&
                   write_holidays_csv(argv[1]);
    gsl_rng_free(rng);
    free(s);
    return ok ? 0 : 1;
}
