#include "data/calendar.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/timestamp.h"
#include "io/csv_reader.h"
#include "maskcast/frame.h"

#define TWO_PI 6.283185307179586

static int compare_days(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

mc_status mc_holidays_from_days(mc_holidays *out, const int64_t *days, size_t n, mc_error *err)
{
    out->days = mc_realloc_array(NULL, n ? n : 1, sizeof *out->days);
    out->n = 0;
    if (out->days == NULL)
        return mc_error_nomem(err, "storing holidays");
    if (n > 0)
        memcpy(out->days, days, n * sizeof *days);
    qsort(out->days, n, sizeof *out->days, compare_days);
    for (size_t i = 0; i < n; i++)
        if (out->n == 0 || out->days[out->n - 1] != out->days[i])
            out->days[out->n++] = out->days[i];
    return MC_OK;
}

void mc_holidays_free(mc_holidays *h)
{
    if (h == NULL)
        return;
    free(h->days);
    h->days = NULL;
    h->n = 0;
}

bool mc_holidays_contains(const mc_holidays *h, int64_t day)
{
    if (h == NULL || h->n == 0)
        return false;
    return bsearch(&day, h->days, h->n, sizeof *h->days, compare_days) != NULL;
}

/* Collects the first column's dates while the CSV reader streams the file. */
typedef struct holiday_reader {
    const char *path;
    int64_t *days;
    size_t n, cap;
} holiday_reader;

static mc_status first_column(void *ctx, const char *const *names, size_t n, size_t line,
                              size_t *select, size_t *n_select, mc_error *err)
{
    (void)ctx;
    (void)line;
    (void)names;
    (void)n;
    (void)err;
    select[0] = 0;
    *n_select = 1;
    return MC_OK;
}

static mc_status holiday_row(void *ctx, mc_csv_field *fields, size_t line, mc_error *err)
{
    holiday_reader *r = ctx;
    mc_time_value tv;
    const char *why = mc_time_parse(fields[0].text, fields[0].len, MC_TIME_ISO, &tv);
    if (why != NULL) {
        char quoted[64];
        mc_error_quote(quoted, sizeof quoted, fields[0].text, fields[0].len);
        return mc_error_set(err, MC_ERR_TIME, line, 1, "%s: line %zu: \"%s\" is not a date: %s",
                            r->path, line, quoted, why);
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        int64_t *d = mc_realloc_array(r->days, cap, sizeof *d);
        if (d == NULL)
            return mc_error_nomem(err, "reading holidays");
        r->days = d;
        r->cap = cap;
    }
    r->days[r->n++] = mc_time_days(tv.wall);
    return MC_OK;
}

/* Both readers: the dates of `src`'s first column, sorted and distinct. */
static mc_status read_holidays(mc_holidays *out, const mc_csv_source *src, mc_error *err)
{
    holiday_reader r = {.path = src->name};
    const mc_csv_reader_options opt = {0, true, 0, '.'};
    const mc_csv_handler handler = {first_column, holiday_row};
    mc_csv_stats stats;
    mc_status st = mc_csv_read(src, &opt, &handler, &r, &stats, err);
    if (st == MC_OK)
        st = mc_holidays_from_days(out, r.days, r.n, err);
    free(r.days);
    return st;
}

mc_status mc_holidays_read(mc_holidays *out, const char *path, mc_error *err)
{
    out->days = NULL;
    out->n = 0;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return mc_error_set(err, MC_ERR_IO, 0, 0, "%s: cannot open the holidays file", path);
    const mc_csv_source src = mc_csv_source_stream(fp, path);
    mc_status st = read_holidays(out, &src, err);
    fclose(fp);
    return st;
}

mc_status mc_holiday_dates_read(const char *path, int64_t **days, size_t *n, mc_error *err)
{
    mc_holidays h;
    const mc_status st = mc_holidays_read(&h, path, err);
    *days = h.days; /* NULL and 0 on failure */
    *n = h.n;
    return st;
}

mc_status mc_holidays_read_buffer(mc_holidays *out, const void *data, size_t size,
                                  const char *name, mc_error *err)
{
    out->days = NULL;
    out->n = 0;
    mc_csv_buffer buf = {data, size, 0};
    const mc_csv_source src = mc_csv_source_buffer(&buf, name != NULL ? name : "(holidays)");
    return read_holidays(out, &src, err); /* the reader reads a small buffer in one chunk */
}

void mc_calendar_features(float *out, int64_t wall, const mc_holidays *holidays)
{
    const int64_t day = mc_time_days(wall);
    const double day_frac = (double)(wall - day * 86400) / 86400.0;
    const int dow = mc_weekday_from_days(day); /* Monday = 0 */
    int64_t y;
    int m, d;
    mc_civil_from_days(day, &y, &m, &d);
    const double doy = (double)(day - mc_days_from_civil(y, 1, 1)) + day_frac;
    const double week_frac = ((double)dow + day_frac) / 7.0;
    out[0] = (float)sin(TWO_PI * day_frac);
    out[1] = (float)cos(TWO_PI * day_frac);
    out[2] = (float)sin(TWO_PI * week_frac);
    out[3] = (float)cos(TWO_PI * week_frac);
    out[4] = (float)sin(TWO_PI * doy / 365.25);
    out[5] = (float)cos(TWO_PI * doy / 365.25);
    out[6] = dow >= 5 ? 1.0f : 0.0f;
    out[7] = mc_holidays_contains(holidays, day) ? 1.0f : 0.0f;
}
