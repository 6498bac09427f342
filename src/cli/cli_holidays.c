/* --holidays MARKET|FILE, and maskcast holidays: the built-in holiday tables. */
#include "cli/cli_holidays.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_getopt.h"
#include "cli/cli_output.h"
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
    fprintf(f, "Usage: maskcast holidays [--json] [MARKET]\n"
               "\n"
               "Without MARKET, lists the holiday tables built into maskcast: each market's\n"
               "name, the years its table covers and the region. With MARKET, prints that\n"
               "table as CSV (date,name), the format --holidays FILE reads. --holidays MARKET\n"
               "in train, backtest and tune uses the same dates (docs/HOLIDAYS.md).\n"
               "\n"
               "  --json                 one JSON object instead: the markets (name, first and\n"
               "                         last year, region, source, generated), or MARKET's\n"
               "                         table with its holidays as {date, name}\n"
               "  -h, --help             this help\n");
}

enum { OPT_JSON = 1000 };

static int holidays_option(void *args, int c, const char *arg, FILE *err)
{
    (void)arg;
    (void)err;
    if (c != OPT_JSON)
        return 0;
    *(bool *)args = true;
    return 1;
}

/* The fields of a market, as list() prints them. */
static cJSON *market_json(const mc_holiday_market *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "market", m->name);
    cJSON_AddNumberToObject(o, "first_year", m->first_year);
    cJSON_AddNumberToObject(o, "last_year", m->last_year);
    cJSON_AddStringToObject(o, "region", m->region);
    cJSON_AddStringToObject(o, "source", m->source);
    cJSON_AddStringToObject(o, "generated", m->generated);
    return o;
}

/* Reads one CSV field of the generated table at *p (quoted with "" for a
   quote, or bare) into out; *p moves past its delimiter. */
static void table_field(const char **p, char *out, size_t size)
{
    const char *s = *p;
    size_t n = 0;
    const bool quoted = *s == '"';
    s += quoted;
    for (; *s != '\0'; s++) {
        if (quoted && *s == '"' && s[1] == '"')
            s++;
        else if (quoted ? *s == '"' : (*s == ',' || *s == '\n' || *s == '\r'))
            break;
        if (n + 1 < size)
            out[n++] = *s;
    }
    out[n] = '\0';
    s += quoted && *s == '"';
    while (*s == '\r')
        s++;
    *p = *s == '\0' ? s : s + 1;
}

/* A market's table as JSON: its fields and {date, name} per holiday. */
static cJSON *table_json(const mc_holiday_market *m)
{
    cJSON *o = market_json(m);
    cJSON *days = cJSON_AddArrayToObject(o, "holidays");
    const char *p = (const char *)m->table;
    p += strcspn(p, "\n"); /* the header, date,name */
    p += *p == '\n';
    while (*p != '\0') {
        char date[32], name[256];
        table_field(&p, date, sizeof date);
        if (p[-1] == ',')
            table_field(&p, name, sizeof name);
        else
            name[0] = '\0';
        if (date[0] == '\0')
            continue;
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "date", date);
        cJSON_AddStringToObject(d, "name", name);
        cJSON_AddItemToArray(days, d);
    }
    return o;
}

static cJSON *list_json(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *all = cJSON_AddArrayToObject(o, "markets");
    for (size_t i = 0; i < mc_holiday_market_count; i++)
        cJSON_AddItemToArray(all, market_json(&mc_holiday_markets[i]));
    return o;
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
    static const struct option longopts[] = {{"json", no_argument, NULL, OPT_JSON},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    static const mc_cli_command cmd = {"holidays", "h", longopts, holidays_option, help};
    bool json = false;
    const int status = mc_cli_parse_options(&cmd, &json, argc, argv, out, err);
    if (status != MC_EXIT_OK)
        return status == MC_CLI_HELP_SHOWN ? MC_EXIT_OK : status;
    if (optind + 1 < argc) {
        fprintf(err, "maskcast holidays: one MARKET at most\n"
                     "Run 'maskcast holidays --help' for the usage.\n");
        return MC_EXIT_USAGE;
    }
    if (optind == argc && json)
        return mc_cli_print_json(list_json(), out, err);
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
    if (json)
        return mc_cli_print_json(table_json(m), out, err);
    fwrite(m->table, 1, m->size, out);
    return MC_EXIT_OK;
}
