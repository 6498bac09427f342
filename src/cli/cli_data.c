#include "cli/cli_data.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/error.h"
#include "data/frame_lookup.h"
#include "data/timestamp.h"

const char MC_CLI_DATA_HELP[] =
    "Data options:\n"
    "  --csv FILE             the CSV file to read ('-' reads standard input); given\n"
    "                         several times, one series per file (named by the file)\n"
    "  --time COL             the time column (default: the first column)\n"
    "  --target COL[,COL...]  the load column to forecast (default: the first other column);\n"
    "                         several: a series per column (wide files)\n"
    "  --series COL           the column naming each row's series (long files: zone,\n"
    "                         feeder or meter id); many series train one global model\n"
    "  --static FILE          per-series attributes: a CSV whose first column names the\n"
    "                         series and whose other columns are numbers\n"
    "  --only ID              read the series ID alone\n"
    "  --covariates A,B,...   further numeric columns to read (e.g. temperature,holiday)\n"
    "  --delimiter C          ',' ';' 'tab' or '|' (default: detected from the first line)\n"
    "  --decimal-comma        numbers are written 1234,5 (needs ';' or tab as delimiter)\n"
    "  --no-header            the first row is data; columns are named 1, 2, ...\n"
    "  --time-format F        auto (ISO 8601 or epoch seconds; default), iso, epoch,\n"
    "                         dmy (31/12/2024 23:00) or mdy (12/31/2024 23:00)\n"
    "  --lenient              read values that are not numbers as missing (and count them)\n"
    "                         instead of stopping at the first one\n"
    "  --step DURATION        the data's step (default: the most common difference)\n"
    "  --duplicates POLICY    rows with the same time: mean (default), first, last, error\n"
    "  --no-sort              refuse rows out of time order instead of sorting them\n"
    "  --max-interpolate DUR  gaps up to this long are interpolated linearly (default 3h);\n"
    "                         longer ones are filled per --long-fill\n"
    "  --long-fill FROM       week (same time a week earlier, else a day; default), day, none\n"
    "  --tz ZONE              read the times as local time in ZONE (Area/City, e.g.\n"
    "                         Australia/Melbourne, from the tzdata zone files; TZDIR names\n"
    "                         another directory): times with Z or an offset are shown and\n"
    "                         featured in local time, naive times are taken as local time\n"
    "                         (a model's zone and time column are used when not given)\n"
    "Missing values may be written as empty, NA, NaN, null or '-'; TRUE/FALSE read as 1/0.\n"
    "Timestamps: 2024-03-01T13:00:00+01:00, 2024-03-01 13:00, 2024-03-01 (midnight),\n"
    "24:00 (next midnight), Z or +hh:mm offsets, or epoch seconds. Durations: 90s, 30min, 1h, 1d.\n";

void mc_cli_data_init(mc_cli_data *d)
{
    memset(d, 0, sizeof *d);
    mc_csv_options_defaults(&d->csv_opt);
    mc_regularize_options_defaults(&d->reg_opt);
}

void mc_cli_data_free(mc_cli_data *d)
{
    mc_cli_names_free(&d->covariates);
    mc_cli_names_free(&d->targets);
}

void mc_cli_row_time(const mc_frame *f, size_t row, char *out, size_t size)
{
    mc_time_to_text(mc_frame_times(f)[row], mc_frame_utc_offsets(f)[row],
                    mc_frame_get_report(f)->has_utc_offsets, out, size);
}

bool mc_cli_parse_duration(const char *text, int64_t *seconds)
{
    static const struct { const char *unit; int64_t scale; } units[] = {
        {"", 1}, {"s", 1}, {"sec", 1}, {"m", 60}, {"min", 60}, {"h", 3600},
        {"d", 86400}, {"w", 604800}};
    if (!(text[0] >= '0' && text[0] <= '9'))
        return false; /* digits first, as counts: no blanks, no sign */
    errno = 0;
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || v < 0)
        return false;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            if (v > INT64_MAX / units[i].scale)
                return false;
            *seconds = (int64_t)v * units[i].scale;
            return true;
        }
    }
    return false;
}

void mc_cli_format_duration(int64_t s, char *out, size_t size)
{
    if (s > 0 && s % 604800 == 0)
        snprintf(out, size, "%" PRId64 "w", s / 604800);
    else if (s > 0 && s % 86400 == 0)
        snprintf(out, size, "%" PRId64 "d", s / 86400);
    else if (s > 0 && s % 3600 == 0)
        snprintf(out, size, "%" PRId64 "h", s / 3600);
    else if (s > 0 && s % 60 == 0)
        snprintf(out, size, "%" PRId64 "min", s / 60);
    else
        snprintf(out, size, "%" PRId64 "s", s);
}

bool mc_cli_names_parse(mc_cli_names *l, const char *arg)
{
    mc_cli_names_free(l);
    size_t n = 1;
    for (const char *p = arg; *p; p++)
        n += *p == ',';
    l->text = strdup(arg);
    l->names = calloc(n, sizeof *l->names);
    if (l->text == NULL || l->names == NULL) {
        mc_cli_names_free(l);
        return false;
    }
    for (char *save = NULL, *tok = strtok_r(l->text, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save))
        l->names[l->n++] = tok;
    return true;
}

void mc_cli_names_free(mc_cli_names *l)
{
    free(l->text);
    free(l->names);
    memset(l, 0, sizeof *l);
}

static int set_covariates(mc_cli_data *d, const char *arg, FILE *err)
{
    if (!mc_cli_names_parse(&d->covariates, arg)) {
        fprintf(err, "maskcast: out of memory\n");
        return -1;
    }
    d->csv_opt.covariates = d->covariates.names;
    d->csv_opt.n_covariates = d->covariates.n;
    return 1;
}

static int pick(const char *arg, const char *const *names, size_t n, int *out)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(arg, names[i]) == 0) {
            *out = (int)i;
            return 1;
        }
    return 0;
}

static int bad(FILE *err, const char *option, const char *arg, const char *expected)
{
    fprintf(err, "maskcast: invalid --%s '%s': expected %s\n", option, arg, expected);
    return -1;
}

int mc_cli_data_option(mc_cli_data *d, int code, const char *arg, FILE *err)
{
    static const char *const formats[] = {"auto", "iso", "epoch", "dmy", "mdy"};
    static const char *const dups[] = {"mean", "first", "last", "error"};
    static const char *const fills[] = {"week", "day", "none"};
    int which = 0;
    switch (code) {
    case MC_OPT_CSV:
        if (d->n_csv == MC_CLI_MAX_FILES)
            return bad(err, "csv", arg, "at most 1024 files");
        if (d->csv == NULL)
            d->csv = arg;
        d->csv_list[d->n_csv++] = arg;
        return 1;
    case MC_OPT_TIME: d->csv_opt.time_column = arg; return 1;
    case MC_OPT_TARGET:
        if (strchr(arg, ',') == NULL) {
            mc_cli_names_free(&d->targets);
            d->csv_opt.target_column = arg;
            return 1;
        }
        if (!mc_cli_names_parse(&d->targets, arg) || d->targets.n == 0)
            return bad(err, "target", arg, "column names separated by commas");
        d->csv_opt.target_column = NULL;
        return 1;
    case MC_OPT_SERIES: d->series_column = arg; return 1;
    case MC_OPT_STATIC: d->static_path = arg; return 1;
    case MC_OPT_ONLY: d->only = arg; return 1;
    case MC_OPT_COVARIATES: return set_covariates(d, arg, err);
    case MC_OPT_DELIMITER:
        if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0 || strcmp(arg, "\t") == 0)
            d->csv_opt.delimiter = '\t';
        else if (strlen(arg) == 1 && strchr(",;|", arg[0]) != NULL)
            d->csv_opt.delimiter = arg[0];
        else
            return bad(err, "delimiter", arg, "',', ';', '|' or 'tab'");
        return 1;
    case MC_OPT_DECIMAL_COMMA: d->csv_opt.decimal = ','; return 1;
    case MC_OPT_NO_HEADER: d->csv_opt.header = false; return 1;
    case MC_OPT_TIME_FORMAT:
        if (!pick(arg, formats, 5, &which))
            return bad(err, "time-format", arg, "auto, iso, epoch, dmy or mdy");
        d->csv_opt.time_format = (mc_time_format)which;
        return 1;
    case MC_OPT_LENIENT: d->csv_opt.lenient = true; return 1;
    case MC_OPT_STEP:
        if (!mc_cli_parse_duration(arg, &d->reg_opt.step) || d->reg_opt.step == 0)
            return bad(err, "step", arg, "a duration such as 1h or 30min");
        d->step_given = true;
        return 1;
    case MC_OPT_DUPLICATES:
        if (!pick(arg, dups, 4, &which))
            return bad(err, "duplicates", arg, "mean, first, last or error");
        d->reg_opt.duplicates = (mc_duplicates)which;
        return 1;
    case MC_OPT_NO_SORT: d->reg_opt.sort = false; return 1;
    case MC_OPT_MAX_INTERPOLATE:
        if (!mc_cli_parse_duration(arg, &d->reg_opt.max_interpolate))
            return bad(err, "max-interpolate", arg, "a duration such as 3h");
        return 1;
    case MC_OPT_LONG_FILL:
        if (!pick(arg, fills, 3, &which))
            return bad(err, "long-fill", arg, "week, day or none");
        d->reg_opt.long_fill = (mc_long_fill)which;
        return 1;
    case MC_OPT_TZ: d->tz = arg; return 1;
    default: return 0;
    }
}

/* The command-line option that deals with an error, where one does. */
static const char *cli_hint(const mc_error *e)
{
    switch (e->code) {
    case MC_ERR_VALUE: return "--lenient reads values that are not numbers as missing";
    case MC_ERR_TIME:
        if (strstr(e->message, "does not exist in") != NULL)
            return "with --tz, times without an offset are the zone's local time; is --tz the "
                   "data's zone?";
        if (strstr(e->message, "ambiguous") != NULL)
            return "--time-format dmy (day first) or mdy (month first)";
        return "--time-format chooses how the time column is read; see --help";
    case MC_ERR_DUPLICATE: return "--duplicates mean, first or last resolves repeated times";
    case MC_ERR_UNSORTED: return "without --no-sort the rows are sorted";
    case MC_ERR_COLUMN: return "--time, --target and --covariates choose columns by header name";
    case MC_ERR_ARGUMENT:
        if (strstr(e->message, "time zone") != NULL)
            return "--tz takes a zone of the tz database, such as Europe/London or "
                   "America/New_York (ls /usr/share/zoneinfo)";
        return NULL;
    case MC_ERR_FORMAT:
        if (strstr(e->message, "time zone") != NULL)
            return "reinstall the tzdata package, or point TZDIR at a zone directory";
        return NULL;
    case MC_ERR_GRID: return "--step gives the step (e.g. 1h, 30min)";
    default: return NULL;
    }
}

void mc_cli_data_print_error(const mc_error *e, FILE *err)
{
    fprintf(err, "maskcast: %s\n", e->message);
    const char *hint = cli_hint(e);
    if (hint != NULL)
        fprintf(err, "hint: %s\n", hint);
}

bool mc_cli_data_check(const mc_cli_data *d, FILE *err)
{
    if (d->series_column != NULL && d->targets.n > 1) {
        fprintf(err, "maskcast: --series (a column naming each row's series) and several "
                     "--target columns (a series per column) describe two layouts: give one\n");
        return false;
    }
    if (mc_cli_data_is_panel(d))
        for (size_t i = 0; i < d->n_csv; i++)
            if (strcmp(d->csv_list[i], "-") == 0) {
                fprintf(err, "maskcast: many series are read from files, not standard input\n");
                return false;
            }
    if ((d->static_path != NULL || d->only != NULL) && !mc_cli_data_is_panel(d)) {
        fprintf(err, "maskcast: --%s is for many series: name them with --series COL, several "
                     "--csv files or several --target columns\n",
                d->static_path != NULL ? "static" : "only");
        return false;
    }
    if (d->csv_opt.decimal == ',' && d->csv_opt.delimiter == ',') {
        fprintf(err, "maskcast: --decimal-comma needs another --delimiter (';' or tab)\n");
        return false;
    }
    return true;
}

/* A first column of row numbers (1, 2, 3, ..., as R's write.csv and
   pandas' to_csv write them) reads as Unix seconds in 1970 with a one-second
   step: refused before anyone trains on it, unless --time (or a time format)
   says that column is meant. True when refused, after the message. */
static bool refuse_row_numbers(const mc_cli_data *d, const mc_frame *f, FILE *err)
{
    if (d->csv_opt.time_column != NULL || d->csv_opt.time_format != MC_TIME_AUTO)
        return false;
    const size_t n = mc_frame_rows(f);
    const int64_t *t = mc_frame_times(f);
    if (n < 3 || t[0] < 0 || t[0] > 1)
        return false;
    for (size_t i = 1; i < n; i++)
        if (t[i] != t[0] + (int64_t)i)
            return false;
    char name[MC_ERROR_NAME_SIZE], file[MC_ERROR_NAME_SIZE];
    mc_error_name(name, mc_frame_time_name(f));
    mc_error_name(file, d->csv);
    fprintf(err,
            "maskcast: %s: the first column%s%s%s counts rows (%lld, %lld, %lld, ...): read "
            "as seconds since 1970 it would make a one-second series\n"
            "hint: --time names the column that holds the times\n",
            strcmp(d->csv, "-") == 0 ? "(stdin)" : file, name[0] ? ", '" : " (unnamed)", name,
            name[0] ? "'," : "", (long long)t[0], (long long)t[1], (long long)t[2]);
    return true;
}

mc_frame *mc_cli_data_load(mc_cli_data *d, FILE *err)
{
    if (mc_cli_data_is_panel(d))
        return mc_cli_data_load_one_series(d, err);
    mc_frame *f = NULL;
    mc_error e;
    mc_status st = strcmp(d->csv, "-") == 0
                       ? mc_frame_read_csv_stream(&f, stdin, "(stdin)", &d->csv_opt, &e)
                       : mc_frame_read_csv(&f, d->csv, &d->csv_opt, &e);
    if (st == MC_OK && refuse_row_numbers(d, f, err)) {
        mc_frame_free(f);
        return NULL;
    }
    if (st == MC_OK && d->tz != NULL &&
        (st = mc_frame_set_time_zone(f, d->tz, getenv("TZDIR"), &e)) != MC_OK) {
        mc_frame_free(f);
        f = NULL;
    }
    if (st == MC_OK && (st = mc_frame_regularize(f, &d->reg_opt, &e)) != MC_OK) {
        mc_frame_free(f);
        f = NULL;
    }
    if (st != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        const char *hint = cli_hint(&e);
        if (hint != NULL)
            fprintf(err, "hint: %s\n", hint);
    }
    return f;
}

int mc_cli_row_at(const mc_frame *f, const char *command, const char *option, const char *text,
                  size_t *row, FILE *err)
{
    mc_time_value v;
    const char *why = mc_time_parse(text, strlen(text), MC_TIME_ISO, &v);
    if (why != NULL) {
        fprintf(err, "maskcast %s: invalid %s '%s': %s\n", command, option, text, why);
        return MC_EXIT_USAGE;
    }
    /* Without an offset the time is wall-clock, as the data's calendar is. */
    const size_t rows = mc_frame_rows(f);
    size_t r = 0;
    for (; r < rows; r++) {
        const int64_t t = mc_frame_times(f)[r];
        if (v.has_offset ? t >= v.wall - 60 * (int64_t)v.offset : mc_frame_wall_time(f, r) >= v.wall)
            break;
    }
    *row = r;
    return MC_EXIT_OK;
}

bool mc_cli_parse_clock(const char *arg, int64_t *out)
{
    int h = 0, m = 0;
    char tail = 0;
    if (sscanf(arg, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
        return false;
    *out = 3600 * (int64_t)h + 60 * (int64_t)m;
    return true;
}
