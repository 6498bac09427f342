/* maskcast anomalies: the past load values the model's anomaly mask shuts out. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_data.h"
#include "cli/cli_getopt.h"
#include "cli/cli_model_data.h"
#include "cli/cli_model_opts.h"
#include "cli/cli_output.h"
#include "cli/cli_report.h"
#include "common/error.h"
#include "data/timestamp.h"
#include "eval/anomalies.h"
#include "maskcast/model.h"

enum { OPT_THRESHOLD = MC_OPT_DATA_END, OPT_TOP, OPT_TRUTH, OPT_START, OPT_JSON, OPT_REPORT };

static void help(FILE *f)
{
    fprintf(f,
        "Usage: maskcast anomalies -m MODEL --csv FILE [--threshold T] [--top N]\n"
        "                          [--start TIME] [--truth FILE] [--json] [-o OUT]\n"
        "                          [--report FILE.html]\n"
        "\n"
        "Scores every past load value by how far the model's anomaly mask closes on it\n"
        "and lists the strongest. The model reads the data in windows of its lookback; a\n"
        "value is seen by up to that many windows, each of which gives it a mask weight\n"
        "between 0 (shut out) and 1 (used as is). Its score is 1 minus the mean weight\n"
        "over those windows (docs/EXPLAIN.md): 0 when every window uses it, 1 when every\n"
        "window shuts it out. The last horizon of rows is in no window whose horizon fits\n"
        "the data and is not scored.\n"
        "\n"
        "Output: CSV 'timestamp,value,score,min_mask,windows,observed' (and 'recorded' with\n"
        "--truth), strongest first; min_mask is the smallest weight any window gave the\n"
        "value, observed 0 for a value the loader filled in.\n"
        "\n"
        "  -m, --model FILE       the model file written by 'maskcast train'\n"
        "  --threshold T          list values scoring at least T (default: from the scores,\n"
        "                         five times their median, at least 0.01 and at most\n"
        "                         halfway from the median to 1; printed on standard error)\n"
        "  --top N                and at most the N strongest (default: all)\n"
        "  --start TIME           leave out the values before TIME (e.g. the span the model\n"
        "                         was trained on); the windows still read them\n"
        "  --truth FILE           recorded anomalies, as data/sample_anomalies.csv: columns\n"
        "                         start[,end][,kind][,column] (times as written, both ends\n"
        "                         included; kind 'missing' and other columns are skipped).\n"
        "                         Adds precision and recall of 'score >= T' over every\n"
        "                         scored value, overall and by kind: on standard error\n"
        "                         after the CSV, in the object with --json\n"
        "  --json                 one JSON object instead of CSV\n"
        "  -o, --output FILE      write there instead of standard output (atomically)\n"
        MC_CLI_REPORT_HELP
        "                         (the load with the flagged values and the recorded\n"
        "                         anomalies, the mask's weight beneath it)\n"
        "  -h, --help             this help\n"
        "\n"
        "%s"
        "\n"
        "Example (the bundled sample and its recorded anomalies):\n"
        "  maskcast anomalies -m load.safetensors --csv data/sample_load.csv \\\n"
        "                     --truth data/sample_anomalies.csv --top 30\n",
        MC_CLI_DATA_HELP);
}

typedef struct anomaly_args {
    mc_cli_data data;
    const char *model, *truth, *output, *start;
    double threshold;
    size_t top;
    bool json;
    mc_cli_report_file report;
} anomaly_args;

static int bad(FILE *err, const char *opt, const char *arg, const char *want)
{
    fprintf(err, "maskcast anomalies: invalid --%s '%s': expected %s\n", opt, arg, want);
    return -1;
}

static int anomaly_option(void *args, int c, const char *arg, FILE *err)
{
    anomaly_args *a = args;
    const int used = mc_cli_data_option(&a->data, c, arg, err);
    if (used != 0)
        return used;
    switch (c) {
    case 'm': a->model = arg; return 1;
    case 'o': a->output = arg; return 1;
    case OPT_THRESHOLD:
        return mc_cli_parse_real(arg, 0.0, 1.0, &a->threshold)
                   ? 1 : bad(err, "threshold", arg, "a score from 0 to 1");
    case OPT_TOP: return mc_cli_parse_size(arg, 1, &a->top) ? 1 : bad(err, "top", arg, ">= 1");
    case OPT_TRUTH: a->truth = arg; return 1;
    case OPT_START: a->start = arg; return 1;
    case OPT_JSON: a->json = true; return 1;
    case OPT_REPORT: a->report.path = arg; return 1;
    default: return 0;
    }
}

/* Parses the command line; returns -1 when it ran --help, else an exit status. */
static int parse(anomaly_args *a, int argc, char **argv, FILE *out, FILE *err)
{
    static const struct option longopts[] = {
        MC_CLI_DATA_LONG_OPTIONS,
        {"model", required_argument, NULL, 'm'},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"top", required_argument, NULL, OPT_TOP},
        {"truth", required_argument, NULL, OPT_TRUTH},
        {"start", required_argument, NULL, OPT_START},
        {"json", no_argument, NULL, OPT_JSON},
        {"report", required_argument, NULL, OPT_REPORT},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    static const mc_cli_command cmd = {"anomalies", "m:o:h", longopts, anomaly_option, help};
    const int st = mc_cli_parse_options(&cmd, a, argc, argv, out, err);
    if (st != MC_EXIT_OK)
        return st;
    if (optind < argc)
        fprintf(err, "maskcast anomalies: unexpected argument '%s'\n", argv[optind]);
    else if (a->model == NULL || a->data.csv == NULL)
        fprintf(err, "maskcast anomalies: -m MODEL and --csv FILE are required\n");
    if (optind < argc || a->model == NULL || a->data.csv == NULL ||
        !mc_cli_data_check(&a->data, err)) {
        fprintf(err, "Run 'maskcast anomalies --help' for the options.\n");
        return MC_EXIT_USAGE;
    }
    return MC_EXIT_OK;
}

/* The rows to list, strongest first (mc_anomaly_rank()), at most --top of them. */
static size_t *listed_rows(const mc_anomaly_scores *s, const anomaly_args *a, size_t *n_out)
{
    size_t *rows = malloc((s->rows ? s->rows : 1) * sizeof *rows);
    size_t n = 0;
    if (rows == NULL || mc_anomaly_rank(rows, &n, s, a->threshold, NULL) != MC_OK) {
        free(rows);
        return NULL;
    }
    *n_out = a->top > 0 && a->top < n ? a->top : n;
    return rows;
}

/* Leaves the rows before `start` unscored; false (with a message) when it is not a time. */
static bool drop_before(mc_anomaly_scores *s, const int64_t *wall, const char *start, FILE *err)
{
    mc_time_value tv;
    const char *why = mc_time_parse(start, strlen(start), MC_TIME_AUTO, &tv);
    if (why != NULL) {
        fprintf(err, "maskcast anomalies: --start '%s' is not a time: %s\n", start, why);
        return false;
    }
    for (size_t i = 0; i < s->rows && wall[i] < tv.wall; i++) {
        s->windows[i] = 0;
        s->score[i] = NAN;
        s->min_mask[i] = NAN;
    }
    return true;
}

typedef struct listing {
    const mc_frame *frame;
    const mc_anomaly_scores *scores;
    const size_t *rows;
    size_t n;
    const mc_anomaly_truth *truth;     /* NULL without --truth */
    const mc_anomaly_agreement *agree; /* NULL without --truth */
    const int64_t *wall;
} listing;

/* The listed rows as CSV (after the header when `header`), each led by the
   series' name when `series` is not NULL. */
static void write_csv(FILE *o, const listing *l, const char *series, bool header)
{
    if (header)
        fprintf(o, "%stimestamp,value,score,min_mask,windows,observed%s\n",
                series != NULL ? "series," : "", l->truth ? ",recorded" : "");
    for (size_t j = 0; j < l->n; j++) {
        const size_t i = l->rows[j];
        char when[40];
        mc_cli_row_time(l->frame, i, when, sizeof when);
        if (series != NULL) {
            mc_cli_write_csv_field(o, series);
            fputc(',', o);
        }
        const double v = mc_frame_values(l->frame, 0)[i];
        char value[32] = "";
        if (!isnan(v))
            mc_cli_format_number(value, sizeof value, v);
        fprintf(o, "%s,%s", when, value);
        fprintf(o, ",%.4f,%.4f,%zu,%d", l->scores->score[i], (double)l->scores->min_mask[i],
                l->scores->windows[i], mc_frame_states(l->frame, 0)[i] == MC_VALUE_OBSERVED);
        if (l->truth)
            fprintf(o, ",%d", mc_anomaly_truth_contains(l->truth, l->wall[i]));
        fputc('\n', o);
    }
}

static void print_agreement(FILE *f, const mc_anomaly_agreement *a)
{
    fprintf(f,
            "against the recorded anomalies, score >= %g over %zu values scored:\n"
            "  precision %.3f (%zu of %zu flagged values are recorded anomalies)\n"
            "  recall    %.3f (%zu of %zu recorded values flagged; %zu of %zu events)\n",
            a->threshold, a->scored, a->precision, a->hits, a->flagged, a->recall, a->hits,
            a->recorded, a->events_found, a->events);
    for (size_t k = 0; k < a->n_kinds; k++)
        if (a->kinds[k].kind[0] != '\0')
            fprintf(f, "    %-10s recall %.3f (%zu of %zu values; %zu of %zu events)\n",
                    a->kinds[k].kind,
                    a->kinds[k].recorded ? (double)a->kinds[k].hits / (double)a->kinds[k].recorded
                                         : NAN,
                    a->kinds[k].hits, a->kinds[k].recorded, a->kinds[k].events_found,
                    a->kinds[k].events);
}

/* JSON has no NaN: undefined ratios are null. */
static void add_ratio(cJSON *o, const char *name, double v)
{
    if (isnan(v))
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddNumberToObject(o, name, v);
}

/* The listing as a JSON object; with `series`, its name first. */
static cJSON *listing_json(const listing *l, const char *model, double threshold,
                           const char *series)
{
    cJSON *j = cJSON_CreateObject();
    if (series != NULL)
        cJSON_AddStringToObject(j, "series", series);
    cJSON_AddStringToObject(j, "model", model);
    cJSON_AddStringToObject(j, "score", "1 - mean anomaly mask over the windows (docs/EXPLAIN.md)");
    cJSON_AddNumberToObject(j, "threshold", threshold);
    size_t scored = 0;
    for (size_t i = 0; i < l->scores->rows; i++)
        scored += l->scores->windows[i] > 0;
    cJSON_AddNumberToObject(j, "scored", (double)scored);
    cJSON *list = cJSON_AddArrayToObject(j, "anomalies");
    for (size_t k = 0; k < l->n; k++) {
        const size_t i = l->rows[k];
        char when[40];
        mc_cli_row_time(l->frame, i, when, sizeof when);
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "timestamp", when);
        const double v = mc_frame_values(l->frame, 0)[i];
        if (isnan(v))
            cJSON_AddNullToObject(x, "value");
        else
            cJSON_AddNumberToObject(x, "value", v);
        cJSON_AddNumberToObject(x, "score", l->scores->score[i]);
        cJSON_AddNumberToObject(x, "min_mask", (double)l->scores->min_mask[i]);
        cJSON_AddNumberToObject(x, "windows", (double)l->scores->windows[i]);
        cJSON_AddBoolToObject(x, "observed",
                              mc_frame_states(l->frame, 0)[i] == MC_VALUE_OBSERVED);
        if (l->truth)
            cJSON_AddBoolToObject(x, "recorded", mc_anomaly_truth_contains(l->truth, l->wall[i]));
        cJSON_AddItemToArray(list, x);
    }
    if (l->agree != NULL) {
        const mc_anomaly_agreement *a = l->agree;
        cJSON *t = cJSON_AddObjectToObject(j, "truth");
        cJSON_AddNumberToObject(t, "flagged", (double)a->flagged);
        cJSON_AddNumberToObject(t, "recorded", (double)a->recorded);
        cJSON_AddNumberToObject(t, "hits", (double)a->hits);
        add_ratio(t, "precision", a->precision);
        add_ratio(t, "recall", a->recall);
        cJSON_AddNumberToObject(t, "events", (double)a->events);
        cJSON_AddNumberToObject(t, "events_found", (double)a->events_found);
        cJSON *kinds = cJSON_AddArrayToObject(t, "kinds");
        for (size_t k = 0; k < a->n_kinds; k++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "kind", a->kinds[k].kind);
            cJSON_AddNumberToObject(x, "recorded", (double)a->kinds[k].recorded);
            cJSON_AddNumberToObject(x, "hits", (double)a->kinds[k].hits);
            add_ratio(x, "recall", a->kinds[k].recorded ? (double)a->kinds[k].hits /
                                                              (double)a->kinds[k].recorded
                                                        : NAN);
            cJSON_AddNumberToObject(x, "events", (double)a->kinds[k].events);
            cJSON_AddNumberToObject(x, "events_found", (double)a->kinds[k].events_found);
            cJSON_AddItemToArray(kinds, x);
        }
    }
    return j;
}

static int write_json(FILE *o, const listing *l, const char *model, double threshold, FILE *err)
{
    return mc_cli_print_json(listing_json(l, model, threshold, NULL), o, err);
}

/* An empty list is an answer, not a failure: say so, with the highest score
   and where it is, so that a lower --threshold can be chosen. */
static void say_nothing_flagged(FILE *err, const mc_frame *f, const mc_anomaly_scores *s,
                                double threshold)
{
    size_t top = SIZE_MAX;
    for (size_t i = 0; i < s->rows; i++)
        if (!isnan(s->score[i]) && (top == SIZE_MAX || s->score[i] > s->score[top]))
            top = i;
    if (top == SIZE_MAX) {
        fprintf(err, "maskcast anomalies: no value was scored\n");
        return;
    }
    char when[40];
    mc_cli_row_time(f, top, when, sizeof when);
    fprintf(err,
            "maskcast anomalies: no value scores %g or more; the highest score is %.4f, at %s "
            "(lower --threshold to list more)\n",
            threshold, s->score[top], when);
}

/* The report: the load, the flagged values and the recorded anomalies (truth
   may be NULL), and the mask's weight. */
static int write_report(anomaly_args *a, int argc, char **argv, const mc_model *m,
                        const mc_frame *f, const mc_anomaly_scores *s,
                        const mc_anomaly_truth *truth, const int64_t *wall, FILE *err)
{
    uint8_t *recorded = truth != NULL ? malloc(s->rows ? s->rows : 1) : NULL;
    if (truth != NULL && recorded == NULL) {
        fprintf(err, "maskcast: out of memory\n");
        return MC_EXIT_FAILURE;
    }
    for (size_t i = 0; recorded != NULL && i < s->rows; i++)
        recorded[i] = mc_anomaly_truth_contains(truth, wall[i]);
    mc_report *r = mc_cli_report_new(argc, argv, &a->data, f, a->model, m, err);
    mc_error e;
    const mc_status st = r != NULL ? mc_report_add_anomaly_scores(r, s, f, a->threshold,
                                                                   recorded, &e)
                                   : MC_ERR_NOMEM;
    free(recorded);
    return mc_cli_report_finish(&a->report, r, st, &e, err);
}

/* The default threshold from the scores (mc_anomaly_threshold_of_median),
   said on `err` (after "series NAME: " when `series` is not NULL); false
   after a message when none can be drawn. */
static bool default_threshold(const mc_anomaly_scores *s, const char *series, double *threshold,
                              FILE *err)
{
    char q[MC_ERROR_NAME_SIZE], who[MC_ERROR_NAME_SIZE + 16] = "";
    if (series != NULL)
        snprintf(who, sizeof who, "series \"%s\": ", mc_error_name(q, series));
    double median = NAN;
    mc_error e;
    if (mc_anomaly_median_score(s, &median, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        return false;
    }
    *threshold = mc_anomaly_threshold_of_median(median);
    if (isnan(*threshold)) {
        fprintf(err, "maskcast anomalies: %sno value is scored (none is seen by a window after "
                     "--start)\n", who);
        return false;
    }
    fprintf(err, "maskcast anomalies: %sthreshold %.4g, from the scores (their median %.4g); "
                 "--threshold T to choose another\n", who, *threshold, median);
    return true;
}

/* One series of a global model (mc_cli_series_fn): its scores with its view
   of the model, the threshold its own scores give unless --threshold. */
typedef struct series_ctx {
    anomaly_args *a;
    bool fixed; /* --threshold given */
} series_ctx;

static int anomalies_of_series(void *ctx, const mc_model *view, const mc_panel *p, size_t i,
                               FILE *w, cJSON **json, FILE *err)
{
    series_ctx *c = ctx;
    anomaly_args *a = c->a;
    const char *name = mc_panel_series_name(p, i);
    const mc_frame *f = mc_panel_frame(p, i);
    mc_bound b = {0};
    mc_anomaly_scores s = {0};
    size_t *rows = NULL;
    mc_error e;
    int status = MC_EXIT_FAILURE;
    double threshold = c->fixed ? a->threshold : NAN;
    if (mc_model_bind(&b, view, f, mc_frame_rows(f), &e) != MC_OK ||
        mc_anomaly_score(&s, view, &b.series, &e) != MC_OK) {
        fprintf(err, "maskcast anomalies: %s\n", e.message);
        goto done;
    }
    if (a->start != NULL && !drop_before(&s, b.series.wall, a->start, err))
        goto done;
    if (isnan(threshold) && !default_threshold(&s, name, &threshold, err))
        goto done;
    listing l = {.frame = f, .scores = &s, .wall = b.series.wall};
    a->threshold = threshold; /* listed_rows reads it */
    rows = listed_rows(&s, a, &l.n);
    if (rows == NULL) {
        fprintf(err, "maskcast: out of memory\n");
        goto done;
    }
    l.rows = rows;
    status = MC_EXIT_OK;
    if (json != NULL)
        *json = listing_json(&l, a->model, threshold, name);
    else
        write_csv(w, &l, name, i == 0);
done:
    free(rows);
    mc_anomaly_scores_free(&s);
    mc_bound_free(&b);
    return status;
}

/* A global model without --only: every series of the data, each with its
   view of the model and its own threshold. */
static int anomalies_panel(anomaly_args *a, const mc_model *m, FILE *out, FILE *err)
{
    if (a->truth != NULL || a->report.path != NULL) {
        fprintf(err, "maskcast anomalies: --%s reads one series: add --only ID\n",
                a->truth != NULL ? "truth" : "report");
        return MC_EXIT_USAGE;
    }
    if (mc_cli_model_time(&a->data, m, "anomalies", err) != MC_EXIT_OK)
        return MC_EXIT_USAGE;
    mc_panel *p = mc_cli_model_panel_load(&a->data, m, err);
    if (p == NULL)
        return MC_EXIT_FAILURE;
    series_ctx c = {.a = a, .fixed = !isnan(a->threshold)};
    const int status = mc_cli_each_series(p, m, a->model, a->output, a->json,
                                          anomalies_of_series, &c, out, err);
    mc_panel_free(p);
    return status;
}

int mc_cli_anomalies(int argc, char **argv, FILE *out, FILE *err)
{
    anomaly_args a;
    memset(&a, 0, sizeof a);
    mc_cli_data_init(&a.data);
    a.threshold = NAN; /* from the scores unless --threshold */
    int status = parse(&a, argc, argv, out, err);
    mc_model *m = NULL;
    mc_frame *f = NULL;
    mc_bound b = {0};
    mc_anomaly_scores s = {0};
    mc_anomaly_truth truth = {0};
    mc_anomaly_agreement agree;
    size_t *rows = NULL;
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
        status = anomalies_panel(&a, m, out, err);
        goto done;
    }
    if ((status = mc_cli_series_model(&m, &a.data, "anomalies", err)) != MC_EXIT_OK)
        goto done;
    status = MC_EXIT_FAILURE;
    if ((f = mc_cli_model_data_load(&a.data, m, &b, "anomalies", err)) == NULL)
        goto done;
    if (a.truth != NULL && mc_anomaly_truth_read(&truth, a.truth, mc_frame_column_name(f, 0),
                                                 a.data.csv_opt.time_format, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        goto done;
    }
    if (mc_anomaly_score(&s, m, &b.series, &e) != MC_OK) {
        fprintf(err, "maskcast anomalies: %s\n", e.message);
        goto done;
    }
    if (a.start != NULL && !drop_before(&s, b.series.wall, a.start, err))
        goto done;
    if (isnan(a.threshold) && !default_threshold(&s, NULL, &a.threshold, err))
        goto done;
    listing l = {.frame = f, .scores = &s, .wall = b.series.wall};
    if (a.truth != NULL) {
        mc_anomaly_agree(&agree, &s, b.series.wall, &truth, a.threshold);
        l.truth = &truth;
        l.agree = &agree;
    }
    if ((rows = listed_rows(&s, &a, &l.n)) == NULL) {
        fprintf(err, "maskcast: out of memory\n");
        goto done;
    }
    l.rows = rows;
    mc_cli_output o;
    FILE *w = mc_cli_output_open(&o, a.output, out, err);
    if (w == NULL)
        goto done;
    status = MC_EXIT_OK;
    if (a.json)
        status = write_json(w, &l, a.model, a.threshold, err);
    else
        write_csv(w, &l, NULL, true);
    if (mc_cli_output_close(&o, status == MC_EXIT_OK, err) != 0 && status == MC_EXIT_OK)
        status = MC_EXIT_FAILURE;
    if (status == MC_EXIT_OK && !a.json && l.agree != NULL)
        print_agreement(err, l.agree);
    if (status == MC_EXIT_OK && l.n == 0)
        say_nothing_flagged(err, f, &s, a.threshold);
    if (status == MC_EXIT_OK && a.report.path != NULL)
        status = write_report(&a, argc, argv, m, f, &s, l.truth, b.series.wall, err);
done:
    mc_cli_report_close(&a.report, NULL, err);
    free(rows);
    mc_anomaly_truth_free(&truth);
    mc_anomaly_scores_free(&s);
    mc_bound_free(&b);
    mc_frame_free(f);
    mc_model_free(m);
    mc_cli_data_free(&a.data);
    return status;
}
