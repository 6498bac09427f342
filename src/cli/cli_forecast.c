/* maskcast forecast: a model and recent history in, forecasts with timestamps out. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_data.h"
#include "cli/cli_getopt.h"
#include "cli/cli_model_data.h"
#include "cli/cli_model_opts.h"
#include "cli/cli_output.h"
#include "cli/cli_report.h"
#include "common/error.h"
#include "data/frame_lookup.h"
#include "eval/intervals.h"
#include "data/timestamp.h"
#include "maskcast/backtest.h"
#include "maskcast/model.h"

enum {
    OPT_MODEL = MC_OPT_DATA_END, OPT_FUTURE_CSV, OPT_JSON, OPT_REPORT, OPT_INTERVALS,
    OPT_INTERVAL_SOURCE, OPT_INTERVAL_WINDOW
};

static void help(FILE *f)
{
    fprintf(f,
        "Usage: maskcast forecast -m MODEL --csv HISTORY [--future-csv FILE] [-o OUT] [--json]\n"
        "                         [--intervals L1,L2] [--report FILE.html]\n"
        "\n"
        "Forecasts the model's horizon after the last observed load in HISTORY. The history\n"
        "needs at least the model's lookback of rows on the model's step, the load column\n"
        "(by default the name the model was trained on) and the model's past inputs. The\n"
        "time column and --tz are the model's unless given; with a zone, the timestamps carry\n"
        "each step's offset.\n"
        "Known-future inputs (e.g. a temperature forecast) are read from HISTORY's rows after\n"
        "the last load value (load left empty there), or from --future-csv.\n"
        "\n"
        "Output: CSV 'timestamp,horizon,forecast' (plus one column per quantile for a\n"
        "pinball model, 'forecast' being the median; 'lo80,hi80' per --intervals level)\n"
        "or, with --json, one JSON object.\n"
        "\n"
        "  -m, --model FILE       the model file written by 'maskcast train'\n"
        "  --future-csv FILE      known-future values at the target times (same time format)\n"
        "  -o, --output FILE      write there instead of standard output (atomically)\n"
        "  --json                 JSON instead of CSV\n"
        "  --intervals L1,L2      central prediction intervals at these levels (e.g. 0.8,0.95)\n"
        "                         around the forecast: split conformal from the errors the\n"
        "                         model made on its validation tail at training, each step\n"
        "                         its own (docs/MODEL.md); 'maskcast inspect' shows how many\n"
        "  --interval-source S    model (default, as above) or rolling: from the model's\n"
        "                         errors at the last --interval-window daily origins of the\n"
        "                         history itself, which follow a drift the training never saw\n"
        "                         (as 'backtest --intervals'); for a model in service: days it\n"
        "                         trained on give in-sample errors (a warning says so)\n"
        "  --interval-window N    those origins (default 90)\n"
        MC_CLI_REPORT_HELP
        "                         (the recent history, the forecast, the quantile fan)\n"
        "  -h, --help             this help\n"
        "\n"
        "%s"
        "\n"
        "Example:\n"
        "  maskcast forecast -m load.safetensors --csv data/sample_load.csv\n",
        MC_CLI_DATA_HELP);
}

/* The median column of a quantile model (0.5 if present, else the middle). */
static size_t median_index(const mc_model *m)
{
    for (size_t q = 0; q < mc_model_quantiles(m); q++)
        if (mc_model_quantile_level(m, q) == 0.5f)
            return q;
    return mc_model_quantiles(m) / 2;
}

/* A forecast's time as text: local time with its offset when the history
   has offsets (from the file or its zone), else wall-clock as written. */
static void time_text(const mc_frame *history, int64_t t, char *out, size_t size)
{
    mc_time_to_text(t, mc_frame_offset_at(history, t),
                    mc_frame_get_report(history)->has_utc_offsets, out, size);
}

/* The requested intervals: levels, and the bounds (H x L, lower and upper). */
typedef struct intervals {
    double levels[MC_MAX_INTERVALS];
    size_t n;
    bool rolling;  /* --interval-source rolling: from the history's own errors */
    size_t window; /* its origins, one a day (default 90) */
    double *lower, *upper;
} intervals;

/* The rolling bounds: offsets from the model's errors at the daily origins
   of the history before the forecast's (mc_history_interval_offsets). */
static int history_bounds(intervals *iv, const mc_model *m, const mc_frame *history,
                          const double *values, FILE *err)
{
    const size_t H = mc_model_horizon(m), Q = mc_model_quantiles(m), L = iv->n;
    const size_t point = mc_model_loss(m) == MC_LOSS_PINBALL ? median_index(m) : 0;
    const int64_t step = mc_model_step(m);
    const size_t day = step > 0 && step < 86400 ? (size_t)(86400 / step) : 1;
    size_t used = 0, earliest = 0;
    mc_error e;
    if (mc_history_interval_offsets(m, history, day, iv->window, iv->levels, L, iv->lower,
                                    iv->upper, &used, &earliest, &e) != MC_OK) {
        fprintf(err, "maskcast forecast: --interval-source rolling: %s\n", e.message);
        return MC_EXIT_FAILURE;
    }
    if (used < iv->window)
        fprintf(err, "maskcast forecast: the history holds %zu earlier daily forecasts of the "
                     "%zu --interval-window asks for (a 95%% interval needs 39)\n",
                used, iv->window);
    /* Errors on rows the model trained on (or validated on) are in-sample:
       too small. */
    mc_training_record rec;
    mc_model_training_record(m, &rec);
    if (rec.last_time >= mc_frame_times(history)[earliest]) {
        char trained[40];
        mc_time_to_text(rec.last_time, 0, false, trained, sizeof trained);
        fprintf(err, "maskcast forecast: warning: the model was trained on data up to %s UTC, "
                     "inside the days these errors come from: there they are the fit's own or "
                     "its validation tail's, and the intervals may be too narrow\n",
                trained);
    }
    for (size_t k = 0; k < H; k++)
        for (size_t l = 0; l < L; l++) {
            iv->lower[k * L + l] += values[k * Q + point];
            iv->upper[k * L + l] += values[k * Q + point];
        }
    return MC_EXIT_OK;
}

/* The bounds around the point forecasts: the model's offsets at each level,
   or with --interval-source rolling the history's. */
static int interval_bounds(intervals *iv, const mc_model *m, const mc_frame *history,
                           const double *values, FILE *err)
{
    const size_t H = mc_model_horizon(m), Q = mc_model_quantiles(m);
    size_t L = iv->n;
    const size_t point = mc_model_loss(m) == MC_LOSS_PINBALL ? median_index(m) : 0;
    double *lo = calloc(H, sizeof *lo), *hi = calloc(H, sizeof *hi);
    iv->lower = calloc(H * L, sizeof *iv->lower);
    iv->upper = calloc(H * L, sizeof *iv->upper);
    mc_error e;
    int status = MC_EXIT_OK;
    if (lo == NULL || hi == NULL || iv->lower == NULL || iv->upper == NULL) {
        fprintf(err, "maskcast: out of memory\n");
        status = MC_EXIT_FAILURE;
    } else if (iv->rolling) {
        status = history_bounds(iv, m, history, values, err);
        L = 0; /* done */
    }
    for (size_t l = 0; status == MC_EXIT_OK && l < L; l++) {
        if (mc_model_interval_offsets(m, iv->levels[l], lo, hi, &e) != MC_OK) {
            fprintf(err, "maskcast forecast: --intervals: %s; train the model again with this "
                         "version of maskcast and a validation tail (--val-fraction above 0)\n", e.message);
            status = MC_EXIT_FAILURE;
            break;
        }
        for (size_t k = 0; k < H; k++) {
            iv->lower[k * L + l] = values[k * Q + point] + lo[k];
            iv->upper[k * L + l] = values[k * Q + point] + hi[k];
        }
    }
    free(lo);
    free(hi);
    return status;
}

/* The CSV rows (after the header when `header`), each led by the series'
   name when `series` is not NULL. */
static void write_csv(FILE *f, const mc_model *m, const int64_t *times, const double *values,
                      const intervals *iv, const mc_frame *history, const char *series,
                      bool header)
{
    const size_t H = mc_model_horizon(m), Q = mc_model_quantiles(m), L = iv->n;
    const bool quantiles = mc_model_loss(m) == MC_LOSS_PINBALL;
    if (header) {
        fprintf(f, "%stimestamp,horizon,forecast", series != NULL ? "series," : "");
        for (size_t q = 0; quantiles && q < Q; q++)
            fprintf(f, ",q%g", (double)mc_model_quantile_level(m, q));
        for (size_t l = 0; l < L; l++)
            fprintf(f, ",lo%g,hi%g", 100.0 * iv->levels[l], 100.0 * iv->levels[l]);
        fputc('\n', f);
    }
    for (size_t k = 0; k < H; k++) {
        char when[40];
        time_text(history, times[k], when, sizeof when);
        if (series != NULL)
            mc_cli_write_csv_field(f, series);
        char text[32];
        mc_cli_format_number(text, sizeof text, values[k * Q + (quantiles ? median_index(m) : 0)]);
        fprintf(f, "%s%s,%zu,%s", series != NULL ? "," : "", when, k + 1, text);
        for (size_t q = 0; quantiles && q < Q; q++) {
            mc_cli_format_number(text, sizeof text, values[k * Q + q]);
            fprintf(f, ",%s", text);
        }
        for (size_t l = 0; l < L; l++) { /* empty where a step has too few errors */
            mc_cli_format_number(text, sizeof text, iv->lower[k * L + l]);
            fprintf(f, ",%s", isnan(iv->lower[k * L + l]) ? "" : text);
            mc_cli_format_number(text, sizeof text, iv->upper[k * L + l]);
            fprintf(f, ",%s", isnan(iv->upper[k * L + l]) ? "" : text);
        }
        fputc('\n', f);
    }
}

/* The forecast as a JSON object (NULL when out of memory); with `series`,
   its name first. */
static cJSON *forecast_json(const mc_model *m, const char *model_path, const int64_t *times,
                            const double *values, const intervals *iv, const mc_frame *history,
                            const char *series)
{
    const size_t H = mc_model_horizon(m), Q = mc_model_quantiles(m), L = iv->n;
    const bool quantiles = mc_model_loss(m) == MC_LOSS_PINBALL;
    cJSON *o = cJSON_CreateObject();
    if (series != NULL)
        cJSON_AddStringToObject(o, "series", series);
    cJSON_AddStringToObject(o, "model", model_path);
    cJSON_AddStringToObject(o, "target", mc_model_column_name(m, 0));
    cJSON_AddNumberToObject(o, "step_seconds", (double)mc_model_step(m));
    const char *zone = mc_frame_time_zone(history);
    cJSON_AddItemToObject(o, "time_zone", zone ? cJSON_CreateString(zone) : cJSON_CreateNull());
    cJSON *rows = cJSON_AddArrayToObject(o, "forecasts");
    for (size_t k = 0; k < H; k++) {
        char when[40];
        time_text(history, times[k], when, sizeof when);
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "timestamp", when);
        cJSON_AddNumberToObject(r, "horizon", (double)(k + 1));
        cJSON_AddNumberToObject(r, "forecast", values[k * Q + (quantiles ? median_index(m) : 0)]);
        if (quantiles) {
            cJSON *qs = cJSON_AddObjectToObject(r, "quantiles");
            for (size_t q = 0; q < Q; q++) {
                char key[32];
                snprintf(key, sizeof key, "%g", (double)mc_model_quantile_level(m, q));
                cJSON_AddNumberToObject(qs, key, values[k * Q + q]);
            }
        }
        cJSON *ivs = L > 0 ? cJSON_AddObjectToObject(r, "intervals") : NULL;
        for (size_t l = 0; l < L; l++) { /* null where a step has too few errors */
            char key[32];
            snprintf(key, sizeof key, "%g", iv->levels[l]);
            cJSON *b = cJSON_AddObjectToObject(ivs, key);
            const double lo = iv->lower[k * L + l], hi = iv->upper[k * L + l];
            cJSON_AddItemToObject(b, "lower", isnan(lo) ? cJSON_CreateNull() : cJSON_CreateNumber(lo));
            cJSON_AddItemToObject(b, "upper", isnan(hi) ? cJSON_CreateNull() : cJSON_CreateNumber(hi));
        }
        cJSON_AddItemToArray(rows, r);
    }
    return o;
}

/* Reads the known-future file with the same data options, its own columns. */
static mc_frame *load_future(mc_cli_data *d, const char *path, const mc_model *m, FILE *err)
{
    mc_cli_data fd = *d;
    memset(&fd.covariates, 0, sizeof fd.covariates);
    fd.csv = path;
    const size_t first = 1 + mc_model_past_columns(m), n = mc_model_future_columns(m);
    const char *names[MC_MAX_COVARIATES];
    for (size_t c = 1; c < n; c++)
        names[c - 1] = mc_model_column_name(m, first + c);
    fd.csv_opt.target_column = mc_model_column_name(m, first);
    fd.csv_opt.covariates = names;
    fd.csv_opt.n_covariates = n - 1;
    return mc_cli_data_load(&fd, err); /* names are read during the call only */
}

typedef struct forecast_args {
    mc_cli_data data;
    const char *model_path, *future_path, *output;
    bool json;
    intervals iv;
    mc_cli_report_file report;
} forecast_args;

static int forecast_option(void *args, int c, const char *arg, FILE *err)
{
    forecast_args *a = args;
    const int used = mc_cli_data_option(&a->data, c, arg, err);
    if (used != 0)
        return used;
    switch (c) {
    case 'm': a->model_path = arg; return 1;
    case OPT_FUTURE_CSV: a->future_path = arg; return 1;
    case 'o': a->output = arg; return 1;
    case OPT_JSON: a->json = true; return 1;
    case OPT_REPORT: a->report.path = arg; return 1;
    case OPT_INTERVALS:
        return mc_cli_parse_levels("forecast", arg, a->iv.levels, &a->iv.n, MC_MAX_INTERVALS, err);
    case OPT_INTERVAL_SOURCE:
        if (strcmp(arg, "model") == 0 || strcmp(arg, "rolling") == 0) {
            a->iv.rolling = arg[0] == 'r';
            return 1;
        }
        fprintf(err, "maskcast forecast: invalid --interval-source '%s': expected model or "
                     "rolling\n", arg);
        return -1;
    case OPT_INTERVAL_WINDOW:
        if (mc_cli_parse_size(arg, 2, &a->iv.window))
            return 1;
        fprintf(err, "maskcast forecast: invalid --interval-window '%s': expected a count of "
                     "origins, at least 2\n", arg);
        return -1;
    default: return 0;
    }
}

/* The report: the forecast after the recent history (a lookback, at least a week). */
static int write_report(forecast_args *a, int argc, char **argv, const mc_model *m,
                        const mc_frame *history, const int64_t *times, const double *values,
                        FILE *err)
{
    const size_t week = (size_t)(7 * 86400 / mc_model_step(m)), rows = mc_frame_rows(history);
    size_t shown = mc_model_lookback(m) > week ? mc_model_lookback(m) : week;
    if (shown > rows)
        shown = rows;
    mc_report *r = mc_cli_report_new(argc, argv, &a->data, history, a->model_path, m, err);
    mc_error e;
    const mc_status st = r != NULL ? mc_report_add_forecast(r, m, history, shown, times, values, &e) : MC_ERR_NOMEM;
    return mc_cli_report_finish(&a->report, r, st, &e, err);
}

/* One series' forecast and intervals into times (H) and values (H, Q). */
static int forecast_one(forecast_args *a, const mc_model *view, const mc_frame *history,
                        int64_t *times, double *values, FILE *err)
{
    mc_error e;
    if (mc_model_forecast(view, history, NULL, times, values, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        return MC_EXIT_FAILURE;
    }
    free(a->iv.lower);
    free(a->iv.upper);
    a->iv.lower = a->iv.upper = NULL;
    return a->iv.n > 0 ? interval_bounds(&a->iv, view, history, values, err) : MC_EXIT_OK;
}

/* One series of a global model (mc_cli_series_fn): its forecast with its
   view of the model, as CSV rows or its JSON object. */
static int forecast_series(void *ctx, const mc_model *view, const mc_panel *p, size_t i, FILE *w,
                           cJSON **json, FILE *err)
{
    forecast_args *a = ctx;
    const size_t H = mc_model_horizon(view), Q = mc_model_quantiles(view);
    int64_t *times = calloc(H, sizeof *times);
    double *values = calloc(H * Q, sizeof *values);
    int status = times != NULL && values != NULL ? MC_EXIT_OK : MC_EXIT_FAILURE;
    if (status == MC_EXIT_OK)
        status = forecast_one(a, view, mc_panel_frame(p, i), times, values, err);
    if (status == MC_EXIT_OK && json != NULL)
        *json = forecast_json(view, a->model_path, times, values, &a->iv, mc_panel_frame(p, i),
                              mc_panel_series_name(p, i));
    else if (status == MC_EXIT_OK)
        write_csv(w, view, times, values, &a->iv, mc_panel_frame(p, i),
                  mc_panel_series_name(p, i), i == 0);
    free(times);
    free(values);
    return status;
}

/* A global model's forecasts for every series of the panel the data
   options read, each with its view of the model. */
static int forecast_global(forecast_args *a, const mc_model *m, FILE *out, FILE *err)
{
    if (!mc_cli_data_is_panel(&a->data)) {
        fprintf(err, "maskcast forecast: %s is a global model of %zu series (\"%s\", ...): give "
                     "their histories with --series COL, several --csv files or several "
                     "--target columns (--only ID forecasts one)\n",
                a->model_path, mc_model_series(m), mc_model_series_name(m, 0));
        return MC_EXIT_USAGE;
    }
    if (a->future_path != NULL || a->report.path != NULL) {
        fprintf(err, "maskcast forecast: with many series, give known-future values in each "
                     "series' rows after its last load (--%s reads one series: add --only ID)\n",
                a->future_path != NULL ? "future-csv" : "report");
        return MC_EXIT_USAGE;
    }
    mc_panel *p = mc_cli_model_panel_load(&a->data, m, err);
    if (p == NULL)
        return MC_EXIT_FAILURE;
    const int status = mc_cli_each_series(p, m, a->model_path, a->output, a->json,
                                          forecast_series, a, out, err);
    mc_panel_free(p);
    return status;
}

int mc_cli_forecast(int argc, char **argv, FILE *out, FILE *err)
{
    static const struct option longopts[] = {
        MC_CLI_DATA_LONG_OPTIONS,
        {"model", required_argument, NULL, 'm'},
        {"future-csv", required_argument, NULL, OPT_FUTURE_CSV},
        {"output", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, OPT_JSON},
        {"report", required_argument, NULL, OPT_REPORT},
        {"intervals", required_argument, NULL, OPT_INTERVALS},
        {"interval-source", required_argument, NULL, OPT_INTERVAL_SOURCE},
        {"interval-window", required_argument, NULL, OPT_INTERVAL_WINDOW},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    static const mc_cli_command cmd = {"forecast", "m:o:h", longopts, forecast_option, help};
    forecast_args a = {.model_path = NULL, .iv = {.window = 90}};
    mc_cli_data_init(&a.data);
    mc_model *m = NULL;
    mc_frame *history = NULL, *future = NULL;
    int64_t *times = NULL;
    double *values = NULL;
    int status = mc_cli_parse_options(&cmd, &a, argc, argv, out, err);
    if (status != MC_EXIT_OK) {
        status = status == MC_CLI_HELP_SHOWN ? MC_EXIT_OK : status;
        goto done;
    }
    if (a.model_path == NULL || a.data.csv == NULL || optind < argc ||
        !mc_cli_data_check(&a.data, err)) {
        if (optind < argc)
            fprintf(err, "maskcast forecast: unexpected argument '%s'\n", argv[optind]);
        else if (a.model_path == NULL || a.data.csv == NULL)
            fprintf(err, "maskcast forecast: -m MODEL and --csv FILE are required\n");
        fprintf(err, "Run 'maskcast forecast --help' for the options.\n");
        status = MC_EXIT_USAGE;
        goto done;
    }
    mc_error e;
    if (mc_cli_report_open(&a.report, err) != 0) {
        status = MC_EXIT_FAILURE;
        goto done;
    }
    if (mc_model_load(&m, a.model_path, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        status = MC_EXIT_FAILURE;
        goto done;
    }
    /* one series of a global model: its view, as for a model of one series
       (before the data options take the model's strings) */
    if (a.data.only != NULL &&
        (status = mc_cli_series_model(&m, &a.data, "forecast", err)) != MC_EXIT_OK)
        goto done;
    /* The model's time column and zone unless the options name them. */
    if ((status = mc_cli_model_time(&a.data, m, "forecast", err)) != MC_EXIT_OK)
        goto done;
    if (mc_model_series(m) > 0) {
        status = forecast_global(&a, m, out, err);
        goto done;
    }
    /* The history holds the load and the past inputs, and the known-future
       inputs too unless they come from their own file. */
    mc_cli_model_target(&a.data, m);
    /* Each column once: a column may be both a past and a known-future input. */
    const char *columns[2 * MC_MAX_COVARIATES];
    if (a.data.covariates.n == 0) {
        a.data.csv_opt.covariates = columns;
        a.data.csv_opt.n_covariates = mc_cli_model_covariates(
            m, mc_model_past_columns(m) +
                   (a.future_path == NULL || a.iv.rolling ? mc_model_future_columns(m) : 0),
            a.data.csv_opt.target_column,
            columns);
    }
    if ((history = mc_cli_data_load(&a.data, err)) == NULL ||
        (a.future_path != NULL && mc_model_future_columns(m) > 0 &&
         (future = load_future(&a.data, a.future_path, m, err)) == NULL)) {
        status = MC_EXIT_FAILURE;
        goto done;
    }
    const size_t H = mc_model_horizon(m), Q = mc_model_quantiles(m);
    times = calloc(H, sizeof *times);
    values = calloc(H * Q, sizeof *values);
    if (times == NULL || values == NULL) {
        fprintf(err, "maskcast: out of memory\n");
        status = MC_EXIT_FAILURE;
        goto done;
    }
    if (mc_model_forecast(m, history, future, times, values, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        status = MC_EXIT_FAILURE;
        goto done;
    }
    if (a.iv.n > 0 && (status = interval_bounds(&a.iv, m, history, values, err)) != MC_EXIT_OK)
        goto done;
    for (size_t l = 0; l < a.iv.n; l++) { /* say why a level's bounds are empty */
        size_t empty = 0;
        for (size_t k = 0; k < H; k++)
            empty += isnan(a.iv.lower[k * a.iv.n + l]);
        if (empty > 0)
            fprintf(err, "maskcast forecast: the %g%% interval is empty at %zu of %zu steps: too "
                         "few errors for that level (a 95%% interval needs 39)\n",
                    100.0 * a.iv.levels[l], empty, H);
    }
    mc_cli_output o;
    FILE *f = mc_cli_output_open(&o, a.output, out, err);
    if (f == NULL) {
        status = MC_EXIT_FAILURE;
        goto done;
    }
    if (a.json)
        status = mc_cli_print_json(forecast_json(m, a.model_path, times, values, &a.iv, history,
                                                 NULL),
                                   f, err);
    else
        write_csv(f, m, times, values, &a.iv, history, NULL, true);
    if (mc_cli_output_close(&o, status == MC_EXIT_OK, err) != 0 && status == MC_EXIT_OK)
        status = MC_EXIT_FAILURE;
    if (status == MC_EXIT_OK && a.report.path != NULL)
        status = write_report(&a, argc, argv, m, history, times, values, err);
done:
    mc_cli_report_close(&a.report, NULL, err);
    free(times);
    free(values);
    free(a.iv.lower);
    free(a.iv.upper);
    mc_frame_free(history);
    mc_frame_free(future);
    mc_model_free(m);
    mc_cli_data_free(&a.data);
    return status;
}
