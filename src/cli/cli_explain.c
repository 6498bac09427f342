/* maskcast explain: which inputs the model's forecasts rest on, per horizon step. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/error.h"
#include "cli/cli_data.h"
#include "cli/cli_getopt.h"
#include "cli/cli_model_data.h"
#include "cli/cli_model_opts.h"
#include "cli/cli_output.h"
#include "cli/cli_report.h"
#include "data/timestamp.h"
#include "eval/explain.h"
#include "maskcast/model.h"

enum { OPT_DAYS = MC_OPT_DATA_END, OPT_START, OPT_STRIDE, OPT_SAME_TIME, OPT_REPEATS, OPT_SEED,
       OPT_TABLE, OPT_JSON, OPT_REPORT, OPT_ORIGIN_TIME, OPT_OLD_SEED };

static void help(FILE *f)
{
    fprintf(f,
        "Usage: maskcast explain -m MODEL --csv FILE [--days N | --start TIME] [--stride DUR]\n"
        "                        [--same-time] [--repeats R] [--shuffle-seed N]\n"
        "                        [--table | --json] [-o OUT] [--report FILE.html]\n"
        "\n"
        "For each horizon step, how much the model's forecasts rest on each group of its\n"
        "inputs: the load over the last day of the lookback, the load before that, the\n"
        "load's observed flags, each past input, each known-future input, the calendar\n"
        "(time of day, weekday, season, weekend) and the holidays. The method is\n"
        "permutation importance (docs/EXPLAIN.md): the model forecasts every origin once\n"
        "as is, then again with one group's values taken from other origins, shuffled;\n"
        "the group's importance at step k is the rise of the mean absolute error there,\n"
        "in the load's units, averaged over R shuffles. A group the model ignores scores\n"
        "0; a group it cannot do without scores what the forecast loses without it.\n"
        "Scores are measured against the observed load at the target times, so give data\n"
        "the model was not trained on to see what it has learnt rather than memorised.\n"
        "\n"
        "Output: CSV 'horizon,group,mae,permuted_mae,increase,increase_sd,share', one row\n"
        "per step and group, then the rows of horizon 'all' (every step pooled); 'share'\n"
        "is the group's part of the sum of the positive increases at that step.\n"
        "For a model with temporal attention, --table adds where each step's attention\n"
        "looks (its 3 lags of largest mean weight over the origins; lag 1 is the last\n"
        "step before the origin) and --json the mean weight of every step and lag.\n"
        "\n"
        "  -m, --model FILE       the model file written by 'maskcast train'\n"
        "  --days N               origins whose horizon lies in the last N days of the\n"
        "                         data (default 28)\n"
        "  --start TIME           or origins from this time on (e.g. 2023-10-01)\n"
        "  --stride DUR           time between origins, counted back from the last one\n"
        "                         (default: the data's step, every origin)\n"
        "  --origin-time HH:MM    with a stride of whole days, the origins' time of day, as\n"
        "                         backtest's (default 00:00)\n"
        "  --same-time            shuffle only among origins at the same time of day, so\n"
        "                         that a moved window keeps its daily shape in step with\n"
        "                         the calendar (the time of day itself then counts 0);\n"
        "                         with --stride 1d every origin is at the same time anyway\n"
        "  --repeats R            shuffles per group (default 5)\n"
        "  --shuffle-seed N       which shuffles (default 1; the old name --seed still\n"
        "                         works, with a warning: --seed is the training seed)\n"
        "  --table                a table a person reads at a glance instead of CSV\n"
        "  --json                 one JSON object instead of CSV\n"
        "  -o, --output FILE      write there instead of standard output (atomically)\n"
        MC_CLI_REPORT_HELP
        "                         (the importance heatmap, the attention over the lags)\n"
        "  -h, --help             this help\n"
        "\n"
        "%s"
        "\n"
        "Example (a model trained on all but the last 90 days of the sample; one day-ahead\n"
        "forecast a day at 00:00):\n"
        "  maskcast explain -m load.safetensors --csv data/sample_load.csv --days 90 \\\n"
        "                   --stride 1d --table\n",
        MC_CLI_DATA_HELP);
}

typedef struct explain_args {
    mc_cli_data data;
    const char *model, *start, *output;
    size_t days;
    int64_t stride_seconds;
    mc_explain_options eo;
    bool same_time, table, json;
    bool warned_seed; /* the deprecated --seed, warned about once */
    mc_cli_report_file report;
    int64_t origin_time; /* --origin-time, seconds after midnight */
} explain_args;

static int bad(FILE *err, const char *opt, const char *arg, const char *want)
{
    fprintf(err, "maskcast explain: invalid --%s '%s': expected %s\n", opt, arg, want);
    return -1;
}

/* Applies one explain option; 1 done, 0 not ours, -1 invalid. */
static int explain_option(void *args, int c, const char *arg, FILE *err)
{
    explain_args *a = args;
    const int used = mc_cli_data_option(&a->data, c, arg, err);
    if (used != 0)
        return used;
    size_t v = 0;
    switch (c) {
    case 'm': a->model = arg; return 1;
    case 'o': a->output = arg; return 1;
    case OPT_DAYS: return mc_cli_parse_size(arg, 1, &a->days) ? 1 : bad(err, "days", arg, ">= 1");
    case OPT_START: a->start = arg; return 1;
    case OPT_STRIDE:
        return mc_cli_parse_duration(arg, &a->stride_seconds) && a->stride_seconds > 0
                   ? 1 : bad(err, "stride", arg, "a duration such as 1h or 1d");
    case OPT_REPEATS:
        if (!mc_cli_parse_size(arg, 1, &v) || v > 1000)
            return bad(err, "repeats", arg, "1 to 1000");
        a->eo.repeats = v;
        return 1;
    case OPT_OLD_SEED:
        if (!a->warned_seed)
            fprintf(err, "maskcast explain: warning: --seed is deprecated: use --shuffle-seed "
                         "(--seed is the training seed in train, tune and backtest)\n");
        a->warned_seed = true;
        /* fall through */
    case OPT_SEED:
        if (!mc_cli_parse_size(arg, 0, &v))
            return bad(err, c == OPT_SEED ? "shuffle-seed" : "seed", arg, "a whole number");
        a->eo.seed = v;
        return 1;
    case OPT_SAME_TIME: a->same_time = true; return 1;
    case OPT_TABLE: a->table = true; return 1;
    case OPT_JSON: a->json = true; return 1;
    case OPT_REPORT: a->report.path = arg; return 1;
    case OPT_ORIGIN_TIME:
        return mc_cli_parse_clock(arg, &a->origin_time) ? 1 : bad(err, "origin-time", arg, "HH:MM");
    default: return 0;
    }
}

/* Parses the command line; returns -1 when it ran --help, else an exit status. */
static int parse(explain_args *a, int argc, char **argv, FILE *out, FILE *err)
{
    static const struct option longopts[] = {
        MC_CLI_DATA_LONG_OPTIONS,
        {"model", required_argument, NULL, 'm'},
        {"days", required_argument, NULL, OPT_DAYS},
        {"start", required_argument, NULL, OPT_START},
        {"stride", required_argument, NULL, OPT_STRIDE},
        {"same-time", no_argument, NULL, OPT_SAME_TIME},
        {"repeats", required_argument, NULL, OPT_REPEATS},
        {"shuffle-seed", required_argument, NULL, OPT_SEED},
        {"seed", required_argument, NULL, OPT_OLD_SEED},
        {"table", no_argument, NULL, OPT_TABLE},
        {"json", no_argument, NULL, OPT_JSON},
        {"report", required_argument, NULL, OPT_REPORT},
        {"origin-time", required_argument, NULL, OPT_ORIGIN_TIME},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    static const mc_cli_command cmd = {"explain", "m:o:h", longopts, explain_option, help};
    const int st = mc_cli_parse_options(&cmd, a, argc, argv, out, err);
    if (st != MC_EXIT_OK)
        return st;
    const char *why = NULL;
    if (optind < argc)
        fprintf(err, "maskcast explain: unexpected argument '%s'\n", argv[optind]);
    else if (a->model == NULL || a->data.csv == NULL)
        why = "-m MODEL and --csv FILE are required";
    else if (a->table && a->json)
        why = "--table and --json exclude each other";
    else if (a->start != NULL && a->days > 0)
        why = "--days and --start exclude each other";
    if (why != NULL)
        fprintf(err, "maskcast explain: %s\n", why);
    if (optind < argc || why != NULL || !mc_cli_data_check(&a->data, err)) {
        fprintf(err, "Run 'maskcast explain --help' for the options.\n");
        return MC_EXIT_USAGE;
    }
    return MC_EXIT_OK;
}

/* The origins (mc_explain_pick_origins()): --start read as wall-clock time,
   --stride checked here to name the option. NULL (with a message) when fewer
   than two fit. */
static size_t *choose_origins(const explain_args *a, const mc_model *m, const mc_frame *f,
                              const mc_series *s, size_t *n_out, FILE *err)
{
    mc_explanation_options opt;
    mc_explanation_options_defaults(&opt);
    opt.days = a->days;
    opt.stride = a->stride_seconds;
    opt.origin_time = a->origin_time;
    if (a->start != NULL) {
        mc_time_value tv;
        const char *why = mc_time_parse(a->start, strlen(a->start), MC_TIME_AUTO, &tv);
        if (why != NULL) {
            fprintf(err, "maskcast explain: --start '%s' is not a time: %s\n", a->start, why);
            return NULL;
        }
        /* The first row at or after that wall-clock time, as an instant. */
        size_t i = 0;
        while (i < s->rows && s->wall[i] < tv.wall)
            i++;
        opt.has_start = true;
        opt.start = i < s->rows ? mc_frame_times(f)[i] : INT64_MAX;
    }
    if (opt.stride % mc_model_step(m) != 0) {
        char step[32];
        mc_cli_format_duration(mc_model_step(m), step, sizeof step);
        fprintf(err, "maskcast explain: --stride must be a multiple of the data's step, %s\n",
                step);
        return NULL;
    }
    size_t *origins = NULL;
    mc_error e;
    if (mc_explain_pick_origins(&origins, n_out, m, s, mc_frame_times(f), &opt, &e) != MC_OK) {
        fprintf(err, "maskcast explain: %s\n", e.message);
        return NULL;
    }
    return origins;
}

/* The scores as CSV (after the header when `header`), each row led by the
   series' name when `series` is not NULL. */
static void write_csv(FILE *o, const mc_explain *r, const char *series, bool header)
{
    const size_t K = r->horizon + 1;
    if (header)
        fprintf(o, "%shorizon,group,mae,permuted_mae,increase,increase_sd,share\n",
                series != NULL ? "series," : "");
    for (size_t k = 0; k < K; k++)
        for (size_t g = 0; g < r->n_groups; g++) {
            const double inc = r->increase[g * K + k];
            if (series != NULL) {
                mc_cli_write_csv_field(o, series);
                fputc(',', o);
            }
            if (k < r->horizon)
                fprintf(o, "%zu,", k + 1);
            else
                fprintf(o, "all,");
            const double v[5] = {r->mae[k], r->mae[k] + inc, inc, r->spread[g * K + k],
                                 mc_explain_share(r, g, k)};
            fprintf(o, "%s", r->groups[g].name);
            for (int j = 0; j < 5; j++) {
                char text[32];
                mc_cli_format_number(text, sizeof text, v[j]);
                fprintf(o, ",%s", text);
            }
            fputc('\n', o);
        }
}

static void write_table(FILE *o, const mc_explain *r, const char *first, const char *last,
                        const char *stride, bool same_time)
{
    const size_t K = r->horizon + 1;
    fprintf(o, "Rise of the MAE when a group of inputs is shuffled across the %zu origins\n"
               "(%s to %s, every %s; mean of %zu shuffles%s), in the load's units:\n\n",
            r->n_origins, first, last, stride, r->repeats,
            same_time ? " among origins at the same time of day" : "");
    int width[MC_EXPLAIN_MAX_GROUPS];
    fprintf(o, "%-6s %9s", "step", "MAE");
    for (size_t g = 0; g < r->n_groups; g++) {
        char name[MC_ERROR_NAME_SIZE]; /* control bytes replaced, as in messages */
        mc_error_name(name, r->groups[g].name);
        const int len = (int)strlen(name);
        width[g] = len > 9 ? len : 9;
        fprintf(o, "  %*s", width[g], name);
    }
    fputc('\n', o);
    for (size_t k = 0; k < K; k++) {
        if (k < r->horizon)
            fprintf(o, "%-6zu %9.2f", k + 1, r->mae[k]);
        else
            fprintf(o, "%-6s %9.2f", "all", r->mae[k]);
        for (size_t g = 0; g < r->n_groups; g++)
            fprintf(o, "  %*.2f", width[g], r->increase[g * K + k]);
        fputc('\n', o);
    }
    fprintf(o, "%-6s %9s", "share", "");
    for (size_t g = 0; g < r->n_groups; g++)
        fprintf(o, "  %*.1f%%", width[g] - 1, 100.0 * mc_explain_share(r, g, r->horizon));
    fputc('\n', o);
}

enum { TOP_LAGS = 3 };

/* Step k's TOP_LAGS lags (1 ..) of largest mean weight, largest first (the
   nearer lag first among equals); returns how many (fewer when L is). */
static size_t top_lags(const mc_explain *r, size_t k, size_t top[TOP_LAGS])
{
    size_t n = 0;
    for (size_t lag = 1; lag <= r->lookback; lag++) {
        const double a = mc_explain_attention(r, k, lag);
        size_t at = n < TOP_LAGS ? n++ : TOP_LAGS;
        while (at > 0 && a > mc_explain_attention(r, k, top[at - 1])) {
            if (at < TOP_LAGS)
                top[at] = top[at - 1];
            at--;
        }
        if (at < TOP_LAGS)
            top[at] = lag;
    }
    return n;
}

/* Where the temporal attention looks: each step's largest mean weights.
   `linear`: the model kept is the linear forecaster, which ignores them. */
static void write_attention_table(FILE *o, const mc_explain *r, bool local, bool linear)
{
    fprintf(o, "\nWhere the temporal attention looks: for each step, the %d lags with the\n"
               "largest mean attention weight over the %zu origins (lag 1 is the last step\n"
               "before the origin, lag %zu the lookback's first; spread evenly, each lag\n"
               "would get %.3f%s):\n",
            TOP_LAGS, r->n_origins, r->lookback, 1.0 / (double)r->lookback,
            local ? "; a local window's weights sum to at most 1" : "");
    if (linear)
        fprintf(o, "(the model kept is the linear forecaster, whose forecasts do not use them)\n");
    fputc('\n', o);
    fprintf(o, "%-6s %s\n", "step", "lag (mean weight)");
    for (size_t k = 0; k < r->horizon; k++) {
        size_t top[TOP_LAGS];
        const size_t n = top_lags(r, k, top);
        fprintf(o, "%-6zu", k + 1);
        for (size_t i = 0; i < n; i++)
            fprintf(o, "%slag %zu %.3f", i ? " | " : " ", top[i],
                    mc_explain_attention(r, k, top[i]));
        if (local) {
            double sum = 0.0;
            for (size_t lag = 1; lag <= r->lookback; lag++)
                sum += mc_explain_attention(r, k, lag);
            fprintf(o, "   (sum %.3f)", sum);
        }
        fputc('\n', o);
    }
}

/* The (H, L) mean weights: weights[k][j] is step k + 1's on lag j + 1. */
static void attention_json(cJSON *j, const mc_explain *r, const char *kind)
{
    cJSON *a = cJSON_AddObjectToObject(j, "attention");
    cJSON_AddStringToObject(a, "kind", kind);
    cJSON_AddNumberToObject(a, "lags", (double)r->lookback);
    cJSON_AddStringToObject(a, "weights_are",
                            "weights[k][j]: the mean over the origins of step k+1's attention "
                            "weight on lag j+1, the (j+1)-th step before the origin (lag 1 is the "
                            "last step before it)");
    cJSON *rows = cJSON_AddArrayToObject(a, "weights");
    for (size_t k = 0; k < r->horizon; k++) {
        cJSON *row = cJSON_CreateArray();
        for (size_t lag = 1; lag <= r->lookback; lag++)
            cJSON_AddItemToArray(row, cJSON_CreateNumber(mc_explain_attention(r, k, lag)));
        cJSON_AddItemToArray(rows, row);
    }
}

static cJSON *step_json(const mc_explain *r, size_t k)
{
    const size_t K = r->horizon + 1;
    cJSON *s = cJSON_CreateObject();
    if (k < r->horizon)
        cJSON_AddNumberToObject(s, "horizon", (double)(k + 1));
    else
        cJSON_AddStringToObject(s, "horizon", "all");
    cJSON_AddNumberToObject(s, "scored", (double)r->scored[k]);
    cJSON_AddNumberToObject(s, "mae", r->mae[k]);
    cJSON *groups = cJSON_AddArrayToObject(s, "groups");
    for (size_t g = 0; g < r->n_groups; g++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "group", r->groups[g].name);
        cJSON_AddNumberToObject(x, "increase", r->increase[g * K + k]);
        cJSON_AddNumberToObject(x, "increase_sd", r->spread[g * K + k]);
        cJSON_AddNumberToObject(x, "share", mc_explain_share(r, g, k));
        cJSON_AddItemToArray(groups, x);
    }
    return s;
}

static cJSON *explain_json(const mc_explain *r, const explain_args *a, const char *first,
                           const char *last, int64_t stride, const char *temporal,
                           const char *series)
{
    cJSON *j = cJSON_CreateObject();
    if (series != NULL)
        cJSON_AddStringToObject(j, "series", series);
    cJSON_AddStringToObject(j, "model", a->model);
    cJSON_AddStringToObject(j, "method", "permutation importance (docs/EXPLAIN.md)");
    cJSON_AddNumberToObject(j, "origins", (double)r->n_origins);
    cJSON_AddStringToObject(j, "first_origin", first);
    cJSON_AddStringToObject(j, "last_origin", last);
    cJSON_AddNumberToObject(j, "stride_seconds", (double)stride);
    cJSON_AddNumberToObject(j, "repeats", (double)r->repeats);
    cJSON_AddNumberToObject(j, "seed", (double)a->eo.seed);
    cJSON_AddBoolToObject(j, "same_time_of_day", a->same_time);
    cJSON *steps = cJSON_AddArrayToObject(j, "steps");
    for (size_t k = 0; k < r->horizon; k++)
        cJSON_AddItemToArray(steps, step_json(r, k));
    cJSON_AddItemToObject(j, "all", step_json(r, r->horizon));
    if (r->attention != NULL)
        attention_json(j, r, temporal);
    return j;
}

static int write_json(FILE *o, const mc_explain *r, const explain_args *a, const char *first,
                      const char *last, int64_t stride, const char *temporal, FILE *err)
{
    return mc_cli_print_json(explain_json(r, a, first, last, stride, temporal, NULL), o, err);
}

/* The report: the importance heatmap, and the attention where the model has it. */
static int write_report(explain_args *a, int argc, char **argv, const mc_model *m,
                        const mc_frame *f, const mc_explain *x, FILE *err)
{
    mc_report *r = mc_cli_report_new(argc, argv, &a->data, f, a->model, m, err);
    mc_error e;
    const mc_status st = r != NULL ? mc_report_add_explain(r, x, &e) : MC_ERR_NOMEM;
    return mc_cli_report_finish(&a->report, r, st, &e, err);
}

/* One series of a global model (mc_cli_series_fn), with its view of the
   model: CSV rows, a table under its name, or its JSON object. */
static int explain_series(void *ctx, const mc_model *view, const mc_panel *p, size_t i, FILE *w,
                          cJSON **json, FILE *err)
{
    explain_args *a = ctx;
    const char *name = mc_panel_series_name(p, i);
    const mc_frame *f = mc_panel_frame(p, i);
    char q[MC_ERROR_NAME_SIZE];
    mc_bound b = {0};
    size_t *origins = NULL, *strata = NULL, n = 0;
    mc_explain *r = NULL;
    mc_error e;
    int status = MC_EXIT_FAILURE;
    if (mc_model_bind(&b, view, f, mc_frame_rows(f), &e) != MC_OK) {
        fprintf(err, "maskcast explain: %s\n", e.message);
        goto done;
    }
    if ((origins = choose_origins(a, view, f, &b.series, &n, err)) == NULL)
        goto done;
    mc_explain_options eo = a->eo;
    if (a->same_time) {
        if ((strata = malloc(n * sizeof *strata)) == NULL)
            goto done;
        mc_explain_time_strata(strata, &b.series, origins, n);
        eo.strata = strata;
    }
    if (mc_explain_run(&r, view, &b.series, origins, n, &eo, &e) != MC_OK) {
        fprintf(err, "maskcast explain: %s\n", e.message);
        goto done;
    }
    char first[40], last[40], stride[32], temporal[32];
    mc_cli_row_time(f, origins[0], first, sizeof first);
    mc_cli_row_time(f, origins[n - 1], last, sizeof last);
    const int64_t stride_s =
        n > 1 ? (int64_t)(origins[1] - origins[0]) * mc_model_step(view) : mc_model_step(view);
    mc_cli_format_duration(stride_s, stride, sizeof stride);
    if (mc_model_get_option(view, "temporal", temporal, sizeof temporal, NULL) != MC_OK)
        strcpy(temporal, "none");
    status = MC_EXIT_OK;
    if (json != NULL) {
        *json = explain_json(r, a, first, last, stride_s, temporal, name);
    } else if (a->table) {
        fprintf(w, "%sseries %s\n", i ? "\n" : "", mc_error_name(q, name));
        write_table(w, r, first, last, stride, a->same_time);
        if (r->attention != NULL)
            write_attention_table(w, r, strcmp(temporal, "local") == 0,
                                  mc_model_best_epoch(view) == 0);
    } else {
        write_csv(w, r, name, i == 0);
    }
done:
    mc_explain_free(r);
    free(origins);
    free(strata);
    mc_bound_free(&b);
    return status;
}

/* A global model without --only: every series of the data. */
static int explain_panel(explain_args *a, const mc_model *m, FILE *out, FILE *err)
{
    if (a->report.path != NULL) {
        fprintf(err, "maskcast explain: --report reads one series: add --only ID\n");
        return MC_EXIT_USAGE;
    }
    if (mc_cli_model_time(&a->data, m, "explain", err) != MC_EXIT_OK)
        return MC_EXIT_USAGE;
    mc_panel *p = mc_cli_model_panel_load(&a->data, m, err);
    if (p == NULL)
        return MC_EXIT_FAILURE;
    const int status =
        mc_cli_each_series(p, m, a->model, a->output, a->json, explain_series, a, out, err);
    mc_panel_free(p);
    return status;
}

int mc_cli_explain(int argc, char **argv, FILE *out, FILE *err)
{
    explain_args a;
    memset(&a, 0, sizeof a);
    mc_cli_data_init(&a.data);
    mc_explain_options_defaults(&a.eo);
    int status = parse(&a, argc, argv, out, err);
    mc_model *m = NULL;
    mc_frame *f = NULL;
    mc_bound b = {0};
    size_t *origins = NULL, *strata = NULL, n = 0;
    mc_explain *r = NULL;
    mc_error e;
    if (status != MC_EXIT_OK) {
        status = status < 0 ? MC_EXIT_OK : status;
        goto done;
    }
    status = MC_EXIT_FAILURE;
    if (mc_cli_report_open(&a.report, err) != 0)
        goto done;
    if (mc_model_load(&m, a.model, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        goto done;
    }
    if (mc_model_series(m) > 0 && a.data.only == NULL && mc_cli_data_is_panel(&a.data)) {
        status = explain_panel(&a, m, out, err);
        goto done;
    }
    if ((status = mc_cli_series_model(&m, &a.data, "explain", err)) != MC_EXIT_OK)
        goto done;
    status = MC_EXIT_FAILURE;
    if ((f = mc_cli_model_data_load(&a.data, m, &b, "explain", err)) == NULL ||
        (origins = choose_origins(&a, m, f, &b.series, &n, err)) == NULL)
        goto done;
    if (a.same_time) {
        if ((strata = malloc(n * sizeof *strata)) == NULL) {
            fprintf(err, "maskcast: out of memory\n");
            goto done;
        }
        mc_explain_time_strata(strata, &b.series, origins, n);
        a.eo.strata = strata;
    }
    if (mc_explain_run(&r, m, &b.series, origins, n, &a.eo, &e) != MC_OK) {
        fprintf(err, "maskcast explain: %s\n", e.message);
        goto done;
    }
    char first[40], last[40], stride[32];
    mc_cli_row_time(f, origins[0], first, sizeof first);
    mc_cli_row_time(f, origins[n - 1], last, sizeof last);
    const int64_t stride_s = n > 1 ? (int64_t)(origins[1] - origins[0]) * mc_model_step(m) : mc_model_step(m);
    mc_cli_format_duration(stride_s, stride, sizeof stride);
    mc_cli_output o;
    FILE *w = mc_cli_output_open(&o, a.output, out, err);
    if (w == NULL)
        goto done;
    char temporal[32];
    if (mc_model_get_option(m, "temporal", temporal, sizeof temporal, NULL) != MC_OK)
        strcpy(temporal, "none");
    status = MC_EXIT_OK;
    if (a.json)
        status = write_json(w, r, &a, first, last, stride_s, temporal, err);
    else if (a.table) {
        write_table(w, r, first, last, stride, a.same_time);
        if (r->attention != NULL)
            write_attention_table(w, r, strcmp(temporal, "local") == 0,
                                  mc_model_best_epoch(m) == 0);
    } else
        write_csv(w, r, NULL, true);
    if (mc_cli_output_close(&o, status == MC_EXIT_OK, err) != 0 && status == MC_EXIT_OK)
        status = MC_EXIT_FAILURE;
    if (status == MC_EXIT_OK && a.report.path != NULL)
        status = write_report(&a, argc, argv, m, f, r, err);
done:
    mc_cli_report_close(&a.report, NULL, err);
    mc_explain_free(r);
    free(origins);
    free(strata);
    mc_bound_free(&b);
    mc_frame_free(f);
    mc_model_free(m);
    mc_cli_data_free(&a.data);
    return status;
}
