/*
 * The built-in holiday tables: one per market ("us", "gb-eng", "au-vic",
 * ...), generated from the python-holidays package into data/holidays and
 * compiled into the library at build time (cmake/embed_holidays.c), so that
 * a market's holidays need no file at run time. docs/HOLIDAYS.md lists them.
 */
#ifndef MC_DATA_HOLIDAY_MARKETS_H
#define MC_DATA_HOLIDAY_MARKETS_H

#include <stdbool.h>
#include <stddef.h>

#include "data/calendar.h"
#include "maskcast/status.h"

typedef struct mc_holiday_market {
    const char *name;            /* "au-vic" */
    const char *region;          /* "Australia: Victoria" */
    int first_year, last_year;   /* the table covers 1 January to 31 December of these */
    const char *source;          /* "python-holidays 0.10.1" */
    const char *generated;       /* the generation date, YYYY-MM-DD */
    const unsigned char *table;  /* the CSV "date,name", NUL-terminated */
    unsigned long size;          /* its bytes, without the NUL */
} mc_holiday_market;

/* In name order (strcmp); defined by the generated source. */
extern const mc_holiday_market mc_holiday_markets[];
extern const size_t mc_holiday_market_count;

/* Whether `s` has a market name's form, [a-z]{2}(-[a-z]+)?. */
bool mc_holiday_market_name_form(const char *s);

/* The market named `name`, or NULL. */
const mc_holiday_market *mc_holiday_market_find(const char *name);

/*
 * Reads the dates of the market named `name` into `out` (freed with
 * mc_holidays_free). An unknown name is MC_ERR_ARGUMENT, with a message that
 * lists the known names.
 */
mc_status mc_holiday_market_read(mc_holidays *out, const char *name, mc_error *err);

#endif /* MC_DATA_HOLIDAY_MARKETS_H */
