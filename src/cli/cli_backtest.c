/* maskcast backtest: rolling-origin evaluation of the model against baselines. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/error.h"
#include "eval/backtest_global.h"
#include "cli/cli_data.h"
#include "cli/cli_getopt.h"
#include "cli/cli_model_opts.h"
#include "cli/cli_output.h"
#include "cli/cli_mpi.h"
#include "cli/cli_progress.h"
#include "cli/cli_report.h"
#include "data/frame_lookup.h"
#include "data/timestamp.h"
#include "maskcast/backtest.h"

enum {
    OPT_TEST_START = MC_OPT_MODEL_END, OPT_TEST_DAYS, OPT_STRIDE, OPT_ORIGIN_TIME, OPT_GAP,
    OPT_REFIT, OPT_ENSEMBLE, OPT_ABLATIONS, OPT_NO_BASELINES, OPT_TEMPERATURE, OPT_CORRUPT,
    OPT_CORRUPT_SEED, OPT_FORECASTS, OPT_METRICS, OPT_JSON, OPT_REPORT, OPT_INTERVALS,
    OPT_INTERVAL_WINDOW, OPT_INTERVAL_SOURCE, OPT_METRICS_JSON, OPT_CALIBRATE_QUANTILES,
    OPT_QUANTILE_WINDOW, OPT_PER_SERIES, OPT_NO_IDENTITY
};

static void help(FILE *f)
{
    fprintf(f,
        "Usage: maskcast backtest --csv FILE --target COL [--test-days N | --test-start TIME]\n"
        "                         [--stride DUR] [--origin-time HH:MM] [--gap DUR]\n"
        "                         [--refit-every N] [--ensemble N] [--ablations]\n"
        "                         [--forecasts FILE] [--metrics FILE] [--metrics-json FILE]\n"
        "                         [--json] [--report FILE.html] [model and training options]\n"
        "\n"
        "Rolling-origin evaluation. Origins are placed in a test span at the end of the\n"
        "data, one every --stride at --origin-time; each forecasts --horizon steps starting\n"
        "--gap after the origin, from the data before the origin only. The model is trained\n"
        "on the rows before the first origin (and validated on their tail), or retrained from\n"
        "scratch on the rows before every N-th origin with --refit-every. Baselines forecast\n"
        "the very same origins: naive (last value), seasonal naive (a day and a week back) and\n"
        "calendar-regression (least squares on trend, time of day x weekday, month, and a\n"
        "temperature cubic per time of day when --temperature names a column). The model's\n"
        "row names what its trained models kept: maskcast (network), maskcast (linear) for\n"
        "the linear forecaster training fits beside the network, maskcast (blend) for a\n"
        "blend of the two, or maskcast (N/L/B) counting each among refitted models. Filled (not observed) actuals\n"
        "are never scored. Known-future inputs (--future) are read at the target times: when\n"
        "those are measurements, the scores are those of a perfect weather forecast.\n"
        "\n"
        "The test span and the origins:\n"
        "  --test-days N          the last N days (default: 20%% of the days, at most 365)\n"
        "  --test-start TIME      or from this time on (e.g. 2017-01-01)\n"
        "  --stride DUR           time between origins (default 1d)\n"
        "  --origin-time HH:MM    wall-clock time of the origins (default 00:00)\n"
        "  --gap DUR              from an origin to its first forecast step (default 0); a\n"
        "                         day-ahead market bid at 10:00 for the next day is\n"
        "                         --origin-time 10:00 --gap 14h\n"
        "  --refit-every N        retrain from scratch every N origins (default: train once)\n"
        "\n"
        "What is compared:\n"
        "  --ensemble N           average N models trained with seeds seed..seed+N-1 (default 1)\n"
        "  --ablations            also the model without the anomaly mask and without the\n"
        "                         per-horizon masks\n"
        "  --no-baselines         only the model (and ablations)\n"
        "  --temperature COL      temperature column for the calendar-regression baseline\n"
        "                         (default: the first --future column, if any)\n"
        "  --corrupt-inputs RATE  corrupt this share of the load the test origins see as input\n"
        "                         (spikes, drop-outs, stuck readings; actuals untouched), to\n"
        "                         measure robustness\n"
        "  --corrupt-seed N       which corruption (default 1)\n"
        "  --intervals L1,L2      central prediction intervals at these levels for every\n"
        "                         method (e.g. 0.8,0.95), by rolling conformal: at each\n"
        "                         origin, the errors of the last --interval-window origins\n"
        "                         already scored give the bounds, step by step; their\n"
        "                         coverage, width and interval score follow the table\n"
        "  --interval-window N    origins whose errors make the intervals (default 90)\n"
        "  --interval-source S    rolling (default, as above) or model: each trained model's\n"
        "                         own intervals from its validation tail, what 'forecast\n"
        "                         --intervals' gives (the baselines then get none)\n"
        "  --calibrate-quantiles  a quantile model's quantiles recalibrated at each origin\n"
        "                         on the residuals of the last --quantile-window origins,\n"
        "                         each level its own; its point forecast stays the raw\n"
        "                         median\n"
        "  --quantile-window N    origins whose residuals recalibrate them (default 30)\n"
        "\n");
    fprintf(f,
        "Many series (--series COL, several --csv files or several --target columns): one\n"
        "global model is trained on every series' rows before the earliest test start, and\n"
        "each series is backtested from that start with its own view of it (no refits,\n"
        "ensembles or ablations); the table gives each series and every series' pairs\n"
        "together. Outputs gain a series column (a list of series in JSON).\n"
        "  --per-series           one model per series instead of the global one\n"
        "  --no-series-identity   the global model without its channel per series\n"
        "\n");
    fprintf(f,
        "Outputs (the summary table goes to standard output, or with --json the JSON):\n"
        "  --forecasts FILE       per-origin forecasts of every method, CSV (every quantile\n"
        "                         of a quantile model too)\n"
        "  --metrics FILE         metrics per method and horizon step, CSV ('all' = overall)\n"
        "  --metrics-json FILE    the metrics as JSON: per method overall and per step, with\n"
        "                         the intervals and the quantiles' reliability\n"
        "  --json                 that JSON on standard output instead of the summary table\n"
        "                         (the old '--json FILE' still writes FILE, with a warning)\n"
        MC_CLI_REPORT_HELP
        "                         (actual against forecast, errors by step, hour and\n"
        "                         weekday, the worst days)\n"
        "  -q, --quiet            no progress\n"
        "  -h, --help             this help\n"
        "\n");
    mc_cli_model_help(f, "train-stride");
    fprintf(f,
        "\n"
        "%s"
        "\n"
        "Example (the bundled sample, day-ahead, the last 60 days):\n"
        "  maskcast backtest --csv data/sample_load.csv --target load --future temperature \\\n"
        "                    --holidays data/sample_holidays.csv --test-days 60\n",
        MC_CLI_DATA_HELP);
}

typedef struct backtest_args {
    mc_cli_data data;
    mc_cli_model model;
    mc_backtest_options bo;
    const char *test_start, *forecasts, *metrics, *json;
    bool json_stdout; /* --json: the JSON instead of the summary */
    bool warned_json; /* the deprecated --json FILE, warned about once */
    mc_cli_report_file report;
    int64_t stride_seconds, gap_seconds;
    bool quiet;
    bool per_series, no_identity; /* many series: --per-series, --no-series-identity */
} backtest_args;

static int bad(FILE *err, const char *opt, const char *arg, const char *want)
{
    fprintf(err, "maskcast backtest: invalid --%s '%s': expected %s\n", opt, arg, want);
    return -1;
}

/* Applies one backtest option; 1 done, 0 not ours, -1 invalid. */
static int backtest_option(void *args, int c, const char *arg, FILE *err)
{
    backtest_args *a = args;
    int used = mc_cli_data_option(&a->data, c, arg, err);
    if (used == 0)
        used = mc_cli_model_option(&a->model, c, arg, "backtest", err);
    if (used != 0)
        return used;
    mc_backtest_options *bo = &a->bo;
    switch (c) {
    case 'q': a->quiet = true; return 1;
    case OPT_PER_SERIES: a->per_series = true; return 1;
    case OPT_NO_IDENTITY: a->no_identity = true; return 1;
    case OPT_TEST_START: a->test_start = arg; return 1;
    case OPT_TEST_DAYS:
        return mc_cli_parse_size(arg, 1, &bo->test_days) ? 1 : bad(err, "test-days", arg, ">= 1");
    case OPT_STRIDE:
        return mc_cli_parse_duration(arg, &a->stride_seconds) && a->stride_seconds > 0
                   ? 1 : bad(err, "stride", arg, "a duration such as 1d or 6h");
    case OPT_GAP:
        return mc_cli_parse_duration(arg, &a->gap_seconds) && a->gap_seconds >= 0
                   ? 1 : bad(err, "gap", arg, "a duration such as 14h");
    case OPT_ORIGIN_TIME:
        return mc_cli_parse_clock(arg, &bo->origin_time) ? 1 : bad(err, "origin-time", arg, "HH:MM");
    case OPT_REFIT:
        return mc_cli_parse_size(arg, 1, &bo->refit_every) ? 1 : bad(err, "refit-every", arg, ">= 1");
    case OPT_ENSEMBLE: {
        size_t n = 0;
        if (!mc_cli_parse_size(arg, 1, &n) || n > 64)
            return bad(err, "ensemble", arg, "1 to 64 models");
        bo->ensemble = n;
        return 1;
    }
    case OPT_ABLATIONS: bo->ablations = true; return 1;
    case OPT_NO_BASELINES: bo->baselines = false; return 1;
    case OPT_TEMPERATURE: bo->temperature = arg; return 1;
    case OPT_INTERVALS:
        return mc_cli_parse_levels("backtest", arg, bo->intervals, &bo->n_intervals,
                                   MC_MAX_INTERVALS, err);
    case OPT_INTERVAL_SOURCE:
        if (strcmp(arg, "rolling") == 0 || strcmp(arg, "model") == 0) {
            bo->interval_source = arg[0] == 'm' ? MC_INTERVALS_MODEL : MC_INTERVALS_ROLLING;
            return 1;
        }
        return bad(err, "interval-source", arg, "rolling or model");
    case OPT_CALIBRATE_QUANTILES: bo->calibrate_quantiles = true; return 1;
    case OPT_QUANTILE_WINDOW:
        return mc_cli_parse_size(arg, 2, &bo->quantile_window)
                   ? 1 : bad(err, "quantile-window", arg, "a count of origins, at least 2");
    case OPT_INTERVAL_WINDOW:
        return mc_cli_parse_size(arg, 2, &bo->interval_window)
                   ? 1 : bad(err, "interval-window", arg, "a count of origins, at least 2");
    case OPT_CORRUPT:
        return mc_cli_parse_real(arg, 0, 1, &bo->corrupt_rate)
                   ? 1 : bad(err, "corrupt-inputs", arg, "a share from 0 to 1 (0.05 is 5%)");
    case OPT_CORRUPT_SEED: {
        size_t seed = 0;
        if (!mc_cli_parse_size(arg, 0, &seed))
            return bad(err, "corrupt-seed", arg, "a whole number");
        bo->corrupt_seed = seed;
        return 1;
    }
    case OPT_FORECASTS: a->forecasts = arg; return 1;
    case OPT_METRICS: a->metrics = arg; return 1;
    case OPT_METRICS_JSON: a->json = arg; return 1;
    case OPT_JSON:
        if (arg != NULL) { /* --json=FILE, the old spelling */
            if (!a->warned_json)
                fprintf(err, "maskcast backtest: warning: --json FILE is deprecated: use "
                             "--metrics-json FILE (--json alone prints the JSON)\n");
            a->warned_json = true;
            a->json = arg;
        } else {
            a->json_stdout = true;
        }
        return 1;
    case OPT_REPORT: a->report.path = arg; return 1;
    default: return 0;
    }
}

static int parse_args(backtest_args *a, int argc, char **argv, FILE *out, FILE *err)
{
    static const struct option own[] = {
        MC_CLI_DATA_LONG_OPTIONS,
        {"test-start", required_argument, NULL, OPT_TEST_START},
        {"test-days", required_argument, NULL, OPT_TEST_DAYS},
        {"stride", required_argument, NULL, OPT_STRIDE},
        {"origin-time", required_argument, NULL, OPT_ORIGIN_TIME},
        {"gap", required_argument, NULL, OPT_GAP},
        {"refit-every", required_argument, NULL, OPT_REFIT},
        {"ensemble", required_argument, NULL, OPT_ENSEMBLE},
        {"ablations", no_argument, NULL, OPT_ABLATIONS},
        {"no-baselines", no_argument, NULL, OPT_NO_BASELINES},
        {"temperature", required_argument, NULL, OPT_TEMPERATURE},
        {"corrupt-inputs", required_argument, NULL, OPT_CORRUPT},
        {"corrupt-seed", required_argument, NULL, OPT_CORRUPT_SEED},
        {"forecasts", required_argument, NULL, OPT_FORECASTS},
        {"metrics", required_argument, NULL, OPT_METRICS},
        {"json", optional_argument, NULL, OPT_JSON},
        {"metrics-json", required_argument, NULL, OPT_METRICS_JSON},
        {"report", required_argument, NULL, OPT_REPORT},
        {"intervals", required_argument, NULL, OPT_INTERVALS},
        {"interval-window", required_argument, NULL, OPT_INTERVAL_WINDOW},
        {"interval-source", required_argument, NULL, OPT_INTERVAL_SOURCE},
        {"calibrate-quantiles", no_argument, NULL, OPT_CALIBRATE_QUANTILES},
        {"quantile-window", required_argument, NULL, OPT_QUANTILE_WINDOW},
        {"per-series", no_argument, NULL, OPT_PER_SERIES},
        {"no-series-identity", no_argument, NULL, OPT_NO_IDENTITY},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct option longopts[MC_CLI_MAX_OPTIONS];
    const mc_cli_command cmd = {"backtest", "qh",
                                mc_cli_model_long_options(longopts, own, "train-stride"),
                                backtest_option, help};
    const int st = mc_cli_parse_options(&cmd, a, argc, argv, out, err);
    if (st != MC_EXIT_OK)
        return st;
    /* "--json FILE", the old spelling: backtest takes no other argument */
    if (a->json_stdout && optind == argc - 1 && argv[optind][0] != '-') {
        if (!a->warned_json)
            fprintf(err, "maskcast backtest: warning: --json FILE is deprecated: use "
                         "--metrics-json FILE (--json alone prints the JSON)\n");
        a->json = argv[optind++];
        a->json_stdout = false;
    }
    if (a->json_stdout && a->json != NULL) {
        fprintf(err, "maskcast backtest: --json prints what --metrics-json writes: give one\n");
        return MC_EXIT_USAGE;
    }
    if (a->json_stdout) {
        const char *to_stdout = a->forecasts != NULL && strcmp(a->forecasts, "-") == 0
                                    ? "--forecasts"
                                : a->metrics != NULL && strcmp(a->metrics, "-") == 0 ? "--metrics"
                                                                                     : NULL;
        if (to_stdout != NULL) {
            fprintf(err, "maskcast backtest: --json prints the JSON on standard output; give %s "
                         "a file\n", to_stdout);
            return MC_EXIT_USAGE;
        }
        a->json = "-";
    }
    const int rest = mc_cli_check_arguments(&cmd, a->data.csv == NULL ? "--csv FILE" : NULL,
                                            argc, argv, err);
    if (rest != MC_EXIT_OK)
        return rest;
    if (a->test_start != NULL && a->bo.test_days != 0) {
        fprintf(err, "maskcast backtest: give --test-start or --test-days, not both\n");
        return MC_EXIT_USAGE;
    }
    if ((a->per_series || a->no_identity) &&
        (!mc_cli_data_is_panel(&a->data) || a->data.only != NULL)) {
        fprintf(err, "maskcast backtest: --%s is for many series (--series COL, several --csv "
                     "files or several --target columns, without --only)\n",
                a->per_series ? "per-series" : "no-series-identity");
        return MC_EXIT_USAGE;
    }
    return mc_cli_data_check(&a->data, err) ? MC_EXIT_OK : MC_EXIT_USAGE;
}

/* Durations and the test start, which need the data's step and times. */
static int resolve_times(backtest_args *a, const mc_frame *f, FILE *err)
{
    const int64_t step = mc_frame_step(f);
    if (a->stride_seconds % step != 0 || a->gap_seconds % step != 0) {
        fprintf(err, "maskcast backtest: --stride and --gap must be whole steps of the data "
                     "(%lld s)\n", (long long)step);
        return MC_EXIT_USAGE;
    }
    a->bo.stride = (size_t)(a->stride_seconds / step);
    a->bo.gap = (size_t)(a->gap_seconds / step);
    if (a->test_start == NULL)
        return MC_EXIT_OK;
    size_t r;
    const int st = mc_cli_row_at(f, "backtest", "--test-start", a->test_start, &r, err);
    if (st != MC_EXIT_OK)
        return st;
    const size_t rows = mc_frame_rows(f);
    a->bo.has_test_start = true;
    a->bo.test_start = r < rows ? mc_frame_times(f)[r] : INT64_MAX;
    return MC_EXIT_OK;
}

typedef struct progress_ctx {
    mc_cli_progress line;
    const char *method;
    size_t fit;
    FILE *err;
} progress_ctx;

static bool on_progress(const mc_backtest_progress *p, void *user)
{
    progress_ctx *c = user;
    if ((c->method != p->method || c->fit != p->fit) && !c->line.quiet) {
        mc_cli_progress_end(&c->line);
        fprintf(c->err, "maskcast: training %s (%zu of %zu)\n", p->method, p->fit, p->fits);
        mc_cli_progress_init(&c->line, c->err, false);
        c->method = p->method;
        c->fit = p->fit;
    }
    return mc_cli_progress_report(p->train, &c->line);
}

/* ---- output ------------------------------------------------------------------- */

/* ",v" in the shortest form that reads back exactly; "," alone for NaN. */
static void put_number(FILE *f, double v)
{
    char text[32];
    if (isnan(v)) {
        fputs(",", f);
        return;
    }
    mc_cli_format_number(text, sizeof text, v);
    fprintf(f, ",%s", text);
}

/* Every method's point forecast, and after it each quantile of a quantile
   model's ("maskcast_q0.1", ...). */
static void write_forecasts(FILE *f, const mc_backtest *b, const mc_frame *frame, size_t gap,
                            const char *series, bool header)
{
    const size_t H = mc_backtest_horizon(b), M = mc_backtest_methods(b);
    if (header)
        fputs(series != NULL ? "series,origin,target_time,step,actual"
                             : "origin,target_time,step,actual",
              f);
    for (size_t m = 0; header && m < M; m++) {
        fprintf(f, ",%s", mc_backtest_method_name(b, m));
        for (size_t q = 0; q < mc_backtest_method_quantiles(b, m); q++)
            fprintf(f, ",%s_q%g", mc_backtest_method_name(b, m),
                    mc_backtest_method_quantile_level(b, m, q));
        for (size_t l = 0; l < mc_backtest_intervals(b); l++)
            fprintf(f, ",%s_lo%g,%s_hi%g", mc_backtest_method_name(b, m),
                    100.0 * mc_backtest_interval_level(b, l), mc_backtest_method_name(b, m),
                    100.0 * mc_backtest_interval_level(b, l));
    }
    if (header)
        fputc('\n', f);
    const double *actual = mc_backtest_actuals(b);
    for (size_t i = 0; i < mc_backtest_origins(b); i++) {
        const size_t first = mc_backtest_first_target_row(b, i);
        char origin[40], when[40];
        mc_cli_row_time(frame, first - gap, origin, sizeof origin);
        for (size_t k = 0; k < H; k++) {
            mc_cli_row_time(frame, first + k, when, sizeof when);
            if (series != NULL) {
                mc_cli_write_csv_field(f, series);
                fputc(',', f);
            }
            fprintf(f, "%s,%s,%zu", origin, when, k + 1);
            put_number(f, actual[i * H + k]);
            for (size_t m = 0; m < M; m++) {
                put_number(f, mc_backtest_forecasts(b, m)[i * H + k]);
                const size_t Q = mc_backtest_method_quantiles(b, m);
                for (size_t q = 0; q < Q; q++)
                    put_number(f, mc_backtest_method_quantile_forecasts(b, m)[(i * H + k) * Q + q]);
                const size_t L = mc_backtest_intervals(b);
                for (size_t l = 0; l < L; l++) {
                    put_number(f, mc_backtest_interval_lower(b, m)[(i * H + k) * L + l]);
                    put_number(f, mc_backtest_interval_upper(b, m)[(i * H + k) * L + l]);
                }
            }
            fputc('\n', f);
        }
    }
}

static void write_metrics_csv(FILE *f, const mc_backtest *b, const char *series, bool header)
{
    const size_t H = mc_backtest_horizon(b), L = mc_backtest_intervals(b);
    if (header) {
        fprintf(f, "%smethod,step,n,mae,rmse,mape,smape,mase,skill,pinball,coverage,crps",
                series != NULL ? "series," : "");
        for (size_t l = 0; l < L; l++) { /* each interval's, per step too */
            const double pct = 100.0 * mc_backtest_interval_level(b, l);
            fprintf(f, ",coverage%g,width%g,score%g", pct, pct, pct);
        }
        fputc('\n', f);
    }
    for (size_t m = 0; m < mc_backtest_methods(b); m++)
        for (size_t k = 0; k <= H; k++) {
            mc_backtest_metrics x;
            mc_backtest_metrics_of(b, m, k, &x, NULL);
            if (series != NULL) {
                mc_cli_write_csv_field(f, series);
                fputc(',', f);
            }
            if (k == H)
                fprintf(f, "%s,all,%zu", mc_backtest_method_name(b, m), x.n);
            else
                fprintf(f, "%s,%zu,%zu", mc_backtest_method_name(b, m), k + 1, x.n);
            const double v[] = {x.mae, x.rmse, x.mape, x.smape, x.mase,
                                x.skill, x.pinball, x.coverage, x.crps};
            for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
                put_number(f, v[j]);
            for (size_t l = 0; l < L; l++) {
                mc_backtest_interval_metrics im;
                mc_backtest_interval_metrics_of(b, m, l, k, &im, NULL);
                put_number(f, im.coverage);
                put_number(f, im.width);
                put_number(f, im.winkler);
            }
            fputc('\n', f);
        }
}

static void add_number(cJSON *o, const char *name, double v)
{
    if (isnan(v))
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddNumberToObject(o, name, v);
}

static cJSON *metrics_json(const mc_backtest_metrics *x)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n", (double)x->n);
    add_number(o, "mae", x->mae);
    add_number(o, "rmse", x->rmse);
    add_number(o, "mape", x->mape);
    add_number(o, "smape", x->smape);
    add_number(o, "mase", x->mase);
    add_number(o, "skill", x->skill);
    add_number(o, "pinball", x->pinball);
    add_number(o, "coverage", x->coverage);
    add_number(o, "crps", x->crps);
    return o;
}

/* Each interval's metrics over step k (k == H: all steps). */
static cJSON *intervals_json(const mc_backtest *b, size_t m, size_t k)
{
    cJSON *iv = cJSON_CreateArray();
    for (size_t l = 0; l < mc_backtest_intervals(b); l++) {
        mc_backtest_interval_metrics im;
        mc_backtest_interval_metrics_of(b, m, l, k, &im, NULL);
        cJSON *io = cJSON_CreateObject();
        cJSON_AddNumberToObject(io, "level", mc_backtest_interval_level(b, l));
        cJSON_AddNumberToObject(io, "n", (double)im.n);
        add_number(io, "coverage", im.coverage);
        add_number(io, "width", im.width);
        add_number(io, "score", im.winkler);
        cJSON_AddItemToArray(iv, io);
    }
    return iv;
}

/* The result as JSON; with `series`, its name first. */
static cJSON *backtest_json(const mc_backtest *b, const backtest_args *a, const char *series)
{
    const size_t H = mc_backtest_horizon(b);
    cJSON *o = cJSON_CreateObject();
    if (series != NULL)
        cJSON_AddStringToObject(o, "series", series);
    cJSON_AddStringToObject(o, "csv", a->data.csv);
    cJSON_AddNumberToObject(o, "origins", (double)mc_backtest_origins(b));
    cJSON_AddNumberToObject(o, "horizon", (double)H);
    cJSON_AddNumberToObject(o, "train_rows", (double)mc_backtest_train_rows(b));
    cJSON *methods = cJSON_AddArrayToObject(o, "methods");
    for (size_t m = 0; m < mc_backtest_methods(b); m++) {
        cJSON *mo = cJSON_CreateObject();
        cJSON_AddStringToObject(mo, "name", mc_backtest_method_name(b, m));
        cJSON_AddNumberToObject(mo, "seconds", mc_backtest_method_seconds(b, m));
        if (mc_backtest_method_models(b, m) > 0) {
            cJSON_AddNumberToObject(mo, "models", (double)mc_backtest_method_models(b, m));
            cJSON_AddNumberToObject(mo, "linear_kept",
                                    (double)mc_backtest_method_linear_kept(b, m));
            cJSON_AddNumberToObject(mo, "blend_kept",
                                    (double)mc_backtest_method_blend_kept(b, m));
        }
        mc_backtest_metrics x;
        mc_backtest_metrics_of(b, m, H, &x, NULL);
        cJSON_AddItemToObject(mo, "overall", metrics_json(&x));
        if (mc_backtest_intervals(b) > 0)
            cJSON_AddItemToObject(mo, "intervals", intervals_json(b, m, H));
        if (mc_backtest_method_quantiles(b, m) > 0) {
            cJSON *rel = cJSON_AddArrayToObject(mo, "reliability");
            for (size_t q = 0; q < mc_backtest_method_quantiles(b, m); q++) {
                double share = NAN;
                size_t n = 0;
                mc_backtest_quantile_reliability(b, m, q, H, &share, &n, NULL);
                cJSON *ro = cJSON_CreateObject();
                cJSON_AddNumberToObject(ro, "level", mc_backtest_method_quantile_level(b, m, q));
                add_number(ro, "observed", share);
                cJSON_AddNumberToObject(ro, "n", (double)n);
                cJSON_AddItemToArray(rel, ro);
            }
        }
        cJSON *steps = cJSON_AddArrayToObject(mo, "steps");
        for (size_t k = 0; k < H; k++) {
            mc_backtest_metrics_of(b, m, k, &x, NULL);
            cJSON *step = metrics_json(&x);
            if (mc_backtest_intervals(b) > 0)
                cJSON_AddItemToObject(step, "intervals", intervals_json(b, m, k));
            cJSON_AddItemToArray(steps, step);
        }
        cJSON_AddItemToArray(methods, mo);
    }
    return o;
}

static int write_json(FILE *f, const mc_backtest *b, const backtest_args *a, FILE *err)
{
    return mc_cli_print_json(backtest_json(b, a, NULL), f, err) == MC_EXIT_OK ? 0 : -1;
}

/* Writes one output into `o`, opened before the run, and puts it in place. */
static int write_file(mc_cli_output *o, FILE *err, const mc_backtest *b, const backtest_args *a,
                      const mc_frame *frame, int kind)
{
    int status = MC_EXIT_OK;
    if (kind == 0)
        write_forecasts(o->f, b, frame, a->bo.gap, NULL, true);
    else if (kind == 1)
        write_metrics_csv(o->f, b, NULL, true);
    else if (write_json(o->f, b, a, err) != 0)
        status = MC_EXIT_FAILURE;
    if (mc_cli_output_close(o, status == MC_EXIT_OK, err) != 0)
        status = MC_EXIT_FAILURE;
    return status;
}

/* v with `digits` decimals, or `digits` significant digits when general; "-" for NAN. */
static void fmt(char *out, size_t size, double v, int digits, bool general)
{
    if (isnan(v))
        snprintf(out, size, "-");
    else if (general)
        snprintf(out, size, "%.*g", digits, v);
    else
        snprintf(out, size, "%.*f", digits, v);
}

enum { MAX_SUMMARY_METHODS = 16 };

/* Each method's intervals: coverage against the level, width, interval score. */
static void interval_table(FILE *f, const mc_backtest *b, char label[][64], int name_width,
                           mc_interval_source source)
{
    const size_t M = mc_backtest_methods(b), H = mc_backtest_horizon(b);
    fprintf(f, "\nPrediction intervals (%s)\n%-*s %6s %9s %10s %10s %8s\n",
            source == MC_INTERVALS_MODEL
                ? "each model's own, from the errors on its validation tail"
                : "rolling conformal: at each origin, the errors of the last origins already "
                  "scored",
            name_width, "method", "level", "coverage", "width", "score", "n");
    for (size_t m = 0; m < M && m < MAX_SUMMARY_METHODS; m++)
        for (size_t l = 0; l < mc_backtest_intervals(b); l++) {
            mc_backtest_interval_metrics x;
            mc_backtest_interval_metrics_of(b, m, l, H, &x, NULL);
            if (source == MC_INTERVALS_MODEL && x.n == 0)
                continue; /* a baseline: no model, no intervals */
            char c[3][24];
            fmt(c[0], 24, 100.0 * x.coverage, 1, false);
            fmt(c[1], 24, x.width, 5, true);
            fmt(c[2], 24, x.winkler, 5, true);
            fprintf(f, "%-*s %5g%% %8s%% %10s %10s %8zu\n", name_width, label[m],
                    100.0 * mc_backtest_interval_level(b, l), c[0], c[1], c[2], x.n);
        }
    fputs(source == MC_INTERVALS_MODEL
              ? "score: the mean interval (Winkler) score, width plus 2 / (1 - level) times the "
                "miss.\n"
              : "score: the mean interval (Winkler) score, width plus 2 / (1 - level) times the "
                "miss; the first origins, with too few errors behind them, have no interval.\n",
          f);
}

/* The table a person reads: overall metrics, then MAPE by horizon step. */
static void summary(FILE *f, const mc_backtest *b, const backtest_args *a, const mc_frame *frame)
{
    const size_t H = mc_backtest_horizon(b), N = mc_backtest_origins(b);
    const size_t M = mc_backtest_methods(b) < MAX_SUMMARY_METHODS ? mc_backtest_methods(b)
                                                                  : MAX_SUMMARY_METHODS;
    char first[40], last[40], step[16], train_end[40];
    mc_cli_row_time(frame, mc_backtest_first_target_row(b, 0), first, sizeof first);
    mc_cli_row_time(frame, mc_backtest_first_target_row(b, N - 1) + H - 1, last, sizeof last);
    mc_cli_row_time(frame, mc_backtest_train_rows(b) - 1, train_end, sizeof train_end);
    mc_cli_format_duration(mc_frame_step(frame), step, sizeof step);
    char name[MC_ERROR_NAME_SIZE];
    fprintf(f, "Backtest of %s on %s: %zu origins, %zu steps of %s each, targets %s .. %s\n",
            mc_error_name(name, mc_frame_column_name(frame, 0)), a->data.csv, N, H, step, first,
            last);
    fprintf(f, "Trained on %zu rows up to %s%s.", mc_backtest_train_rows(b), train_end,
            a->bo.refit_every ? " (then refitted)" : "");
    for (size_t i = 0; i < a->model.future.n; i++)
        fprintf(f, "%s%s", i ? ", " : " Known-future inputs read at the target times: ",
                mc_error_name(name, a->model.future.names[i]));
    if (a->model.future.n > 0)
        fputs(" (where those are measurements, the scores assume perfect forecasts of them).", f);
    if (a->bo.corrupt_rate > 0)
        fprintf(f, " Inputs corrupted at rate %g.", a->bo.corrupt_rate);
    for (size_t m = 0; m < mc_backtest_methods(b); m++)
        if (mc_backtest_method_linear_kept(b, m) > 0)
            fprintf(f, " %s: the linear forecaster (ridge on the load lags, calendar and "
                       "known-future inputs) was kept in %zu of %zu models, the network not "
                       "beating it on validation.",
                    mc_backtest_method_name(b, m), mc_backtest_method_linear_kept(b, m),
                    mc_backtest_method_models(b, m));
    fputs("\n\n", f);
    int name_width = 18;
    char label[MAX_SUMMARY_METHODS][64];
    for (size_t m = 0; m < M; m++) {
        mc_backtest_method_label(b, m, label[m], sizeof label[m]);
        if ((int)strlen(label[m]) > name_width)
            name_width = (int)strlen(label[m]);
    }
    fprintf(f, "%-*s %10s %10s %7s %7s %6s %6s %10s %9s %8s\n", name_width, "method", "MAE",
            "RMSE", "MAPE%", "sMAPE%", "MASE", "skill", "CRPS", "coverage", "seconds");
    for (size_t m = 0; m < M; m++) {
        mc_backtest_metrics x;
        mc_backtest_metrics_of(b, m, H, &x, NULL);
        char c[9][24];
        fmt(c[0], 24, x.mae, 5, true);
        fmt(c[1], 24, x.rmse, 5, true);
        fmt(c[2], 24, x.mape, 2, false);
        fmt(c[3], 24, x.smape, 2, false);
        fmt(c[4], 24, x.mase, 3, false);
        fmt(c[5], 24, x.skill, 3, false);
        fmt(c[6], 24, x.coverage, 3, false);
        fmt(c[7], 24, mc_backtest_method_seconds(b, m), 1, false);
        fmt(c[8], 24, x.crps, 5, true);
        fprintf(f, "%-*s %10s %10s %7s %7s %6s %6s %10s %9s %8s\n", name_width, label[m],
                c[0], c[1], c[2], c[3], c[4], c[5], c[8], c[6], c[7]);
    }
    fprintf(f, "\nMAPE%% by horizon step%s\n%-6s", H > 48 ? " (every 24th)" : "", "step");
    int width[MAX_SUMMARY_METHODS];
    for (size_t m = 0; m < M && m < MAX_SUMMARY_METHODS; m++) {
        const size_t len = strlen(mc_backtest_method_name(b, m));
        width[m] = len > 7 ? (int)len : 7;
        fprintf(f, " %*s", width[m], mc_backtest_method_name(b, m));
    }
    fputc('\n', f);
    for (size_t k = 0; k < H; k++) {
        if (H > 48 && (k + 1) % 24 != 0 && k != 0)
            continue;
        fprintf(f, "%-6zu", k + 1);
        for (size_t m = 0; m < M; m++) {
            mc_backtest_metrics x;
            mc_backtest_metrics_of(b, m, k, &x, NULL);
            char c[24];
            fmt(c, sizeof c, x.mape, 2, false);
            fprintf(f, " %*s", width[m], c);
        }
        fputc('\n', f);
    }
    fputs("\nskill = 1 - MAE / MAE of the weekly seasonal naive on the same points;"
          " MASE scales by its in-sample MAE.\nCRPS: from a quantile model's quantiles;"
          " a point forecast's equals its MAE.\n", f);
    if (mc_backtest_intervals(b) > 0)
        interval_table(f, b, label, name_width, a->bo.interval_source);
    for (size_t m = 0; m < M; m++)
        if (mc_backtest_method_quantiles(b, m) > 0) {
            fprintf(f, "\n%s: observed share at or below each quantile:", label[m]);
            for (size_t q = 0; q < mc_backtest_method_quantiles(b, m); q++) {
                double share = NAN;
                size_t n = 0;
                mc_backtest_quantile_reliability(b, m, q, H, &share, &n, NULL);
                fprintf(f, " q%g %.1f%%", mc_backtest_method_quantile_level(b, m, q),
                        100.0 * share);
            }
            fputc('\n', f);
        }
}

/* The report: the backtest's charts. MC_EXIT_OK or MC_EXIT_FAILURE. */
static int write_report(backtest_args *a, int argc, char **argv, const mc_backtest *b,
                        const mc_frame *frame, FILE *err)
{
    mc_report *r = mc_cli_report_new(argc, argv, &a->data, frame, NULL, NULL, err);
    mc_error e;
    const mc_status st = r != NULL ? mc_report_add_backtest(r, b, frame, &e) : MC_ERR_NOMEM;
    return mc_cli_report_finish(&a->report, r, st, &e, err);
}

/* ---- many series ------------------------------------------------------------ */

/* Every series' pairs together: each metric of method m weighted by the
   pairs it was measured on (MAE and RMSE are left out: their units differ
   from series to series). */
static void pooled(mc_backtest *const *res, size_t n, size_t m, mc_backtest_metrics *out)
{
    double w = 0, mape = 0, smape = 0, mase = 0, skill = 0;
    for (size_t i = 0; i < n; i++) {
        mc_backtest_metrics x;
        if (mc_backtest_metrics_of(res[i], m, mc_backtest_horizon(res[i]), &x, NULL) != MC_OK ||
            x.n == 0)
            continue;
        w += (double)x.n;
        mape += (double)x.n * x.mape;
        smape += (double)x.n * x.smape;
        mase += (double)x.n * x.mase;
        skill += (double)x.n * x.skill;
    }
    *out = (mc_backtest_metrics){.n = (size_t)w, .mae = NAN, .rmse = NAN, .pinball = NAN,
                                 .coverage = NAN, .crps = NAN, .nominal = NAN};
    out->mape = w > 0 ? mape / w : NAN;
    out->smape = w > 0 ? smape / w : NAN;
    out->mase = w > 0 ? mase / w : NAN;
    out->skill = w > 0 ? skill / w : NAN;
}

/* Each series' MAPE for every method, then every series' pairs together. */
static void panel_summary(FILE *f, mc_backtest *const *res, const mc_panel *p,
                          const backtest_args *a)
{
    const size_t n = mc_panel_series(p), M = mc_backtest_methods(res[0]);
    fprintf(f, "%s over %zu series: MAPE (%%) per series and method\n",
            a->per_series ? "One model per series" : "One global model", n);
    fprintf(f, "%-16s %7s", "series", "origins");
    for (size_t m = 0; m < M; m++)
        fprintf(f, " %14s", mc_backtest_method_name(res[0], m));
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%-16.16s %7zu", mc_panel_series_name(p, i), mc_backtest_origins(res[i]));
        for (size_t m = 0; m < M; m++) {
            mc_backtest_metrics x;
            mc_backtest_metrics_of(res[i], m, mc_backtest_horizon(res[i]), &x, NULL);
            fprintf(f, " %14.3f", x.mape);
        }
        fputc('\n', f);
    }
    const char *rows[] = {"all (MAPE)", "all (sMAPE)", "all (MASE)", "all (skill)"};
    for (int r = 0; r < 4; r++) {
        fprintf(f, "%-16s %7s", rows[r], "");
        for (size_t m = 0; m < M; m++) {
            mc_backtest_metrics x;
            pooled(res, n, m, &x);
            const double v[] = {x.mape, x.smape, x.mase, x.skill};
            fprintf(f, " %14.3f", v[r]);
        }
        fputc('\n', f);
    }
    fprintf(f, "('all': every series' pairs together, each metric weighted by its pairs; "
               "skill = 1 - MAE / MAE of seasonal-week)\n");
}

static cJSON *panel_json(mc_backtest *const *res, const mc_panel *p, const backtest_args *a)
{
    const size_t n = mc_panel_series(p);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", a->per_series ? "per-series" : "global");
    cJSON *list = cJSON_AddArrayToObject(o, "series");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(list, backtest_json(res[i], a, mc_panel_series_name(p, i)));
    cJSON *all = cJSON_AddArrayToObject(o, "all");
    for (size_t m = 0; m < mc_backtest_methods(res[0]); m++) {
        mc_backtest_metrics x;
        pooled(res, n, m, &x);
        cJSON *mo = metrics_json(&x);
        cJSON_AddStringToObject(mo, "name", mc_backtest_method_name(res[0], m));
        cJSON_AddItemToArray(all, mo);
    }
    return o;
}

/* Backtests of every series: one global model, or with --per-series one
   model each; results into res (n). */
static int run_panel(backtest_args *a, const mc_panel *p, mc_backtest **res, FILE *err)
{
    const size_t n = mc_panel_series(p);
    progress_ctx progress = {.err = err};
    mc_cli_progress_init(&progress.line, err, a->quiet);
    a->bo.progress = on_progress;
    a->bo.progress_user = &progress;
    mc_error e;
    mc_status st = MC_OK;
    const mc_collective *c = a->bo.collective;
    if (a->per_series && c != NULL && c->ranks > 1) {
        /* under mpirun: the series dealt over the processes */
        mc_series_set set;
        if ((st = mc_series_set_of_panel(&set, p, false, &e)) == MC_OK) {
            st = mc_backtest_each_series(res, &set, &a->model.mo, &a->model.to, &a->bo, &e);
            mc_series_set_release(&set);
        }
    } else if (a->per_series) {
        for (size_t i = 0; st == MC_OK && i < n; i++) {
            if (!a->quiet)
                fprintf(err, "maskcast: series %zu of %zu: %s\n", i + 1, n,
                        mc_panel_series_name(p, i));
            st = mc_backtest_run(&res[i], mc_panel_frame(p, i), &a->model.mo, &a->model.to,
                                 &a->bo, &e);
            if (st != MC_OK) {
                char why[MC_ERROR_MESSAGE_SIZE], q[MC_ERROR_NAME_SIZE];
                snprintf(why, sizeof why, "%s", e.message);
                mc_error_set(&e, st, 0, 0, "series \"%s\": %s",
                             mc_error_name(q, mc_panel_series_name(p, i)), why);
            }
        }
    } else {
        const size_t used = a->model.mo.features.n_future + mc_panel_static_count(p);
        const size_t room = used < MC_MAX_COVARIATES ? MC_MAX_COVARIATES - used : 0;
        const bool identity = !a->no_identity && n <= room;
        if (!a->quiet)
            fprintf(err, "maskcast: a global model of %zu series%s\n", n,
                    identity ? ", with a channel per series" : "");
        mc_train_options to = a->model.to; /* the one training's progress */
        to.progress = mc_cli_progress_report;
        to.progress_user = &progress.line;
        st = mc_backtest_run_panel(res, NULL, p, &a->model.mo, &to, &a->bo, identity, &e);
    }
    mc_cli_progress_end(&progress.line);
    if (st != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        return MC_EXIT_FAILURE;
    }
    return MC_EXIT_OK;
}

/* backtest over many series: runs, prints, writes. */
static int backtest_panel(backtest_args *a, mc_cli_output *files, const char *const *paths,
                          const char **columns, FILE *out, FILE *err)
{
    if (a->report.path != NULL) {
        fprintf(err, "maskcast backtest: --report draws one series: add --only ID\n");
        return MC_EXIT_USAGE;
    }
    mc_panel *p = mc_cli_model_load_panel(&a->model, &a->data, columns, err);
    if (p == NULL)
        return MC_EXIT_FAILURE;
    int status = resolve_times(a, mc_panel_frame(p, 0), err);
    if (status == MC_EXIT_OK && a->test_start != NULL) {
        /* the earliest instant at or after --test-start in any series */
        int64_t start = INT64_MAX;
        for (size_t i = 0; status == MC_EXIT_OK && i < mc_panel_series(p); i++) {
            const mc_frame *f = mc_panel_frame(p, i);
            size_t r = 0;
            status = mc_cli_row_at(f, "backtest", "--test-start", a->test_start, &r, err);
            if (status == MC_EXIT_OK && r < mc_frame_rows(f) && mc_frame_times(f)[r] < start)
                start = mc_frame_times(f)[r];
        }
        a->bo.test_start = start;
    }
    const size_t n = mc_panel_series(p);
    mc_backtest **res = calloc(n, sizeof *res);
    if (status == MC_EXIT_OK && res == NULL)
        status = MC_EXIT_FAILURE;
    if (a->bo.temperature == NULL && a->model.future.n > 0)
        a->bo.temperature = a->model.future.names[0];
    if (status == MC_EXIT_OK)
        status = run_panel(a, p, res, err);
    if (status == MC_EXIT_OK && !a->json_stdout)
        panel_summary(out, res, p, a);
    for (int k = 0; status == MC_EXIT_OK && k < 3; k++) {
        if (paths[k] == NULL || files[k].f == NULL) /* none, or another rank's to write */
            continue;
        int written = MC_EXIT_OK;
        for (size_t i = 0; k < 2 && i < n; i++) {
            const char *name = mc_panel_series_name(p, i);
            if (k == 0)
                write_forecasts(files[k].f, res[i], mc_panel_frame(p, i), a->bo.gap, name, i == 0);
            else
                write_metrics_csv(files[k].f, res[i], name, i == 0);
        }
        if (k == 2 && mc_cli_print_json(panel_json(res, p, a), files[k].f, err) != MC_EXIT_OK)
            written = MC_EXIT_FAILURE;
        if (mc_cli_output_close(&files[k], written == MC_EXIT_OK, err) != 0)
            written = MC_EXIT_FAILURE;
        status |= written;
    }
    for (size_t i = 0; res != NULL && i < n; i++)
        mc_backtest_free(res[i]);
    free(res);
    mc_panel_free(p);
    return status;
}

int mc_cli_backtest(int argc, char **argv, FILE *out, FILE *err)
{
    backtest_args a;
    memset(&a, 0, sizeof a);
    mc_cli_data_init(&a.data);
    mc_cli_model_init(&a.model, "train-stride");
    mc_backtest_options_defaults(&a.bo);
    int status = parse_args(&a, argc, argv, out, err);
    mc_frame *frame = NULL;
    mc_backtest *b = NULL;
    const char *columns[3 * MC_MAX_COVARIATES];
    /* The output files (forecasts, metrics, JSON), created before the run so
       that one that cannot be written fails first; "-" is standard output. */
    const char *const paths[3] = {a.forecasts, a.metrics, a.json};
    mc_cli_output files[3];
    memset(files, 0, sizeof files);
    if (status != MC_EXIT_OK)
        goto done;
    const bool writes = mc_cli_writes(); /* under mpirun, rank 0 alone */
    for (int k = 0; k < 3; k++)
        if (writes && paths[k] != NULL && mc_cli_output_open(&files[k], paths[k], out, err) == NULL) {
            status = MC_EXIT_FAILURE;
            goto done;
        }
    if (!writes)
        a.report.path = NULL;
    if (mc_cli_report_open(&a.report, err) != 0) {
        status = MC_EXIT_FAILURE;
        goto done;
    }
    /* under mpirun: the training runs (or series) dealt out over the ranks,
       or a single run data-parallel */
    a.bo.collective = mc_cli_collective();
    a.model.to.collective = mc_cli_collective();
    if (mc_cli_data_is_panel(&a.data) && a.data.only == NULL) {
        status = backtest_panel(&a, files, paths, columns, out, err);
        if (fflush(out) != 0 || ferror(out))
            status = MC_EXIT_FAILURE;
        goto done;
    }
    if ((frame = mc_cli_model_load(&a.model, &a.data, columns, err)) == NULL) {
        status = MC_EXIT_FAILURE;
        goto done;
    }
    if ((status = resolve_times(&a, frame, err)) != MC_EXIT_OK)
        goto done;
    if (a.bo.temperature == NULL && a.model.future.n > 0)
        a.bo.temperature = a.model.future.names[0];
    progress_ctx progress = {.err = err};
    mc_cli_progress_init(&progress.line, err, a.quiet);
    a.bo.progress = on_progress;
    a.bo.progress_user = &progress;
    mc_error e;
    mc_status st = mc_backtest_run(&b, frame, &a.model.mo, &a.model.to, &a.bo, &e);
    mc_cli_progress_end(&progress.line);
    if (st != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        status = MC_EXIT_FAILURE;
        goto done;
    }
    if (!a.json_stdout)
        summary(out, b, &a, frame);
    for (int k = 0; k < 3; k++)
        if (writes && paths[k] != NULL)
            status |= write_file(&files[k], err, b, &a, frame, k);
    if (status == MC_EXIT_OK && a.report.path != NULL)
        status = write_report(&a, argc, argv, b, frame, err);
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(err, "maskcast: cannot write the summary\n");
        status = MC_EXIT_FAILURE;
    }
done:
    for (int k = 0; k < 3; k++)
        mc_cli_output_close(&files[k], false, err); /* those not written: removed */
    mc_cli_report_close(&a.report, NULL, err);
    mc_backtest_free(b);
    mc_frame_free(frame);
    mc_cli_model_free(&a.model);
    mc_cli_data_free(&a.data);
    return status < 0 ? MC_EXIT_OK : status;
}
