/* --holidays MARKET|FILE, and maskcast holidays: the built-in holiday tables. */
#include "cli/cli_holidays.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_getopt.h"
#include "data/holiday_markets.h"
#include "data/timestamp.h"

bool mc_cli_holidays_is_market(const char *arg)
{
    struct stat st;
    return mc_holiday_market_name_form(arg) && stat(arg, &st) != 0;
}

bool mc_cli_holidays_read(const char *arg, int64_t **days, size_t *n, FILE *err)
{
    mc_error e;
    const mc_status st = mc_cli_holidays_is_market(arg)
                             ? mc_holiday_market_dates(arg, days, n, &e)
                             : mc_holiday_dates_read(arg, days, n, &e);
    if (st != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        if (st == MC_ERR_ARGUMENT)
            fprintf(err, "Run 'maskcast holidays' for the markets, or give a CSV file "
                         "of dates (docs/HOLIDAYS.md).\n");
        return false;
    }
    return true;
}

static int64_t year_of(int64_t wall)
{
    int64_t y;
    int m, d;
    mc_civil_from_days(mc_time_days(wall), &y, &m, &d);
    return y;
}

void mc_cli_holidays_check_years(const char *arg, const mc_frame *frame, FILE *err)
{
    const size_t rows = mc_frame_rows(frame);
    if (!mc_cli_holidays_is_market(arg) || rows == 0)
        return;
    const mc_holiday_market *m = mc_holiday_market_find(arg);
    if (m == NULL)
        return;
    const int64_t *t = mc_frame_times(frame);
    const int16_t *off = mc_frame_utc_offsets(frame);
    const int64_t first = year_of(t[0] + 60 * (int64_t)off[0]);
    const int64_t last = year_of(t[rows - 1] + 60 * (int64_t)off[rows - 1]);
    if (first >= m->first_year && last <= m->last_year)
        return;
    fprintf(err, "maskcast: warning: the holiday table '%s' covers %d-%d; the data runs "
                 "from %lld to %lld: no holidays are marked in the years outside the table\n",
            m->name, m->first_year, m->last_year, (long long)first, (long long)last);
}

static void help(FILE *f)
{
    fprintf(f, "Usage: maskcast holidays [MARKET]\n"
               "\n"
               "Without MARKET, lists the holiday tables built into maskcast: each market's\n"
               "name, the years its table covers and the region. With MARKET, prints that\n"
               "table as CSV (date,name), the format --holidays FILE reads. --holidays MARKET\n"
               "in train, backtest and tune uses the same dates (docs/HOLIDAYS.md).\n"
               "\n"
               "  -h, --help             this help\n");
}

static int no_option(void *args, int c, const char *arg, FILE *err)
{
    (void)args;
    (void)c;
    (void)arg;
    (void)err;
    return 0;
}

static void list(FILE *out)
{
    fprintf(out, "%-8s %-10s %s\n", "market", "years", "region");
    for (size_t i = 0; i < mc_holiday_market_count; i++) {
        const mc_holiday_market *m = &mc_holiday_markets[i];
        char years[24];
        snprintf(years, sizeof years, "%d-%d", m->first_year, m->last_year);
        fprintf(out, "%-8s %-10s %s\n", m->name, years, m->region);
    }
    /* Every table says where it comes from; they normally share one source. */
    const mc_holiday_market *m0 = &mc_holiday_markets[0];
    fprintf(out, "\nFrom %s, generated %s", m0->source, m0->generated);
    for (size_t i = 1; i < mc_holiday_market_count; i++) {
        const mc_holiday_market *m = &mc_holiday_markets[i];
        if (strcmp(m->source, m0->source) != 0 || strcmp(m->generated, m0->generated) != 0)
            fprintf(out, "; %s from %s, generated %s", m->name, m->source, m->generated);
    }
    fprintf(out, ".\n");
}

int mc_cli_holidays(int argc, char **argv, FILE *out, FILE *err)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    static const mc_cli_command cmd = {"holidays", "h", longopts, no_option, help};
    const int status = mc_cli_parse_options(&cmd, NULL, argc, argv, out, err);
    if (status != MC_EXIT_OK)
        return status == MC_CLI_HELP_SHOWN ? MC_EXIT_OK : status;
    if (optind + 1 < argc) {
        fprintf(err, "maskcast holidays: one MARKET at most\n"
                     "Run 'maskcast holidays --help' for the usage.\n");
        return MC_EXIT_USAGE;
    }
    if (optind == argc) {
        list(out);
        return MC_EXIT_OK;
    }
    const mc_holiday_market *m = mc_holiday_market_find(argv[optind]);
    if (m == NULL) {
        mc_holidays h;
        mc_error e;
        mc_holiday_market_read(&h, argv[optind], &e); /* for its message */
        fprintf(err, "maskcast holidays: %s\n", e.message);
        return MC_EXIT_USAGE;
    }
    fwrite(m->table, 1, m->size, out);
    return MC_EXIT_OK;
}
