#include "data/holiday_markets.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "maskcast/frame.h"

bool mc_holiday_market_name_form(const char *s)
{
    const size_t n = strlen(s);
    if (n < 2 || s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z')
        return false;
    if (n == 2)
        return true;
    if (s[2] != '-' || n == 3)
        return false;
    for (size_t i = 3; i < n; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return false;
    return true;
}

static int by_name(const void *key, const void *elem)
{
    return strcmp(key, ((const mc_holiday_market *)elem)->name);
}

const mc_holiday_market *mc_holiday_market_find(const char *name)
{
    return bsearch(name, mc_holiday_markets, mc_holiday_market_count,
                   sizeof mc_holiday_markets[0], by_name);
}

/* Appends `s` to the message being built in `buf` (size `cap`), if it fits. */
static void append(char *buf, size_t cap, size_t *len, const char *s)
{
    const size_t n = strlen(s);
    if (*len + n < cap) {
        memcpy(buf + *len, s, n + 1);
        *len += n;
    }
}

/* The known names, the subdivisions of a country in braces: "ar, at, au,
   au-{act,nsw,...}, be, ...", so that the list fits an error message. */
static void known_names(char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < mc_holiday_market_count;) {
        const char *name = mc_holiday_markets[i].name;
        if (i > 0)
            append(buf, cap, &len, ", ");
        if (name[2] == '\0') {
            append(buf, cap, &len, name);
            i++;
            continue;
        }
        /* A run of subdivisions of one country. */
        size_t j = i;
        while (j < mc_holiday_market_count &&
               strncmp(mc_holiday_markets[j].name, name, 3) == 0)
            j++;
        char country[4] = {name[0], name[1], '-', '\0'};
        append(buf, cap, &len, country);
        append(buf, cap, &len, j - i > 1 ? "{" : "");
        for (size_t k = i; k < j; k++) {
            append(buf, cap, &len, k > i ? "," : "");
            append(buf, cap, &len, mc_holiday_markets[k].name + 3);
        }
        append(buf, cap, &len, j - i > 1 ? "}" : "");
        i = j;
    }
}

mc_status mc_holiday_market_read(mc_holidays *out, const char *name, mc_error *err)
{
    out->days = NULL;
    out->n = 0;
    if (name == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "no holiday market named");
    const mc_holiday_market *m = mc_holiday_market_find(name);
    if (m == NULL) {
        char quoted[64], known[MC_ERROR_MESSAGE_SIZE];
        mc_error_quote(quoted, sizeof quoted, name, strlen(name));
        known_names(known, sizeof known);
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "no holiday table for the market \"%s\"; known: %s", quoted, known);
    }
    char source[64];
    snprintf(source, sizeof source, "holidays %s", m->name);
    return mc_holidays_read_buffer(out, m->table, m->size, source, err);
}

mc_status mc_holiday_market_dates(const char *name, int64_t **days, size_t *n, mc_error *err)
{
    mc_holidays h;
    const mc_status st = mc_holiday_market_read(&h, name, err);
    *days = h.days; /* NULL and 0 on failure */
    *n = h.n;
    return st;
}

const char *mc_holiday_market_at(size_t i, const char **region, int *first_year, int *last_year)
{
    if (i >= mc_holiday_market_count)
        return NULL;
    const mc_holiday_market *m = &mc_holiday_markets[i];
    if (region != NULL)
        *region = m->region;
    if (first_year != NULL)
        *first_year = m->first_year;
    if (last_year != NULL)
        *last_year = m->last_year;
    return m->name;
}
