/* End-to-end tests of explain and anomalies through mc_cli_run(), on a small
   model trained by the train command. */
#include "cli_util.h"

#include <cjson/cJSON.h>
#include <math.h>

#define TWO_PI 6.283185307179586

enum { DAYS = 21, ROWS = DAYS * 24, HORIZON = 12, SPIKE = 400 };

/* Hourly load and temperature with one spike (row SPIKE, 2024-02-17 16:00). */
static void write_series(temp_csv *t)
{
    FILE *f = temp_open(t);
    fputs("time,load,temperature\n", f);
    for (size_t h = 0; h < ROWS; h++) {
        const double temp = 11.0 + 6.0 * sin(TWO_PI * (double)h / 200.0);
        double load = 900.0 + 180.0 * sin(TWO_PI * ((double)(h % 24) - 7.0) / 24.0) +
                      7.5 * fabs(temp - 14.0) + (double)((h * 7919) % 23) - 11.0;
        if (h == SPIKE)
            load *= 1.8;
        fprintf(f, "2024-02-%02zu %02zu:00:00,%.2f,%.2f\n", 1 + h / 24, h % 24, load, temp);
    }
    assert_int_equal(fclose(f), 0);
}

typedef struct fixture {
    temp_csv data, truth;
    char model[4200], plain[4300]; /* with and without the anomaly mask */
} fixture;

static void train(const char *csv, const char *model, const char *extra)
{
    cli_result r = RUN("train", "--csv", csv, "--target", "load", "--future", "temperature",
                       "--lookback", "48", "--horizon", "12", "--hidden", "8", "--epochs", "2",
                       "--samples-per-epoch", "256", "--no-linear-candidate", "-q", extra, "-o",
                       model);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    result_free(&r);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    write_series(&fx->data);
    temp_write(&fx->truth, "start,end,kind,column\n"
                           "2024-02-17 16:00:00,2024-02-17 16:00:00,spike,load\n"
                           "2024-02-19 03:00:00,2024-02-19 05:00:00,stuck,load\n"
                           "2024-02-10 08:00:00,2024-02-10 08:00:00,missing,load\n");
    snprintf(fx->model, sizeof fx->model, "%s/mc_cli_explain_%ld.safetensors", tmp_dir(),
             (long)getpid());
    snprintf(fx->plain, sizeof fx->plain, "%s.plain", fx->model);
    train(fx->data.path, fx->model, "--seed=7");
    train(fx->data.path, fx->plain, "--no-anomaly-mask");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    unlink(fx->data.path);
    unlink(fx->truth.path);
    unlink(fx->model);
    unlink(fx->plain);
    free(fx);
    return 0;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_help(void **state)
{
    (void)state;
    cli_result r = RUN("explain", "--help");
    assert_int_equal(r.status, 0);
    const char *options[] = {"--model", "--csv", "--days", "--start", "--stride", "--same-time",
                             "--repeats",
                             "--seed", "--table", "--json", "--output", "permutation",
                             "docs/EXPLAIN.md", "Example"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        assert_contains(r.out, options[i]);
    result_free(&r);
    r = RUN("anomalies", "--help");
    assert_int_equal(r.status, 0);
    const char *more[] = {"--model", "--threshold", "--top", "--start", "--truth", "--json",
                          "--output", "1 minus the mean", "Example"};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        assert_contains(r.out, more[i]);
    result_free(&r);
    r = RUN("--help");
    assert_contains(r.out, "explain");
    assert_contains(r.out, "anomalies");
    result_free(&r);
}

static void test_usage_errors(void **state)
{
    (void)state;
    struct { const char *const *args; const char *message; } cases[] = {
        {(const char *const[]){"explain", "--csv", "x.csv", NULL}, "-m MODEL and --csv FILE"},
        {(const char *const[]){"explain", "-m", "m", "--csv", "x", "--table", "--json", NULL},
         "--table and --json exclude each other"},
        {(const char *const[]){"explain", "-m", "m", "--csv", "x", "--days", "3", "--start",
                               "2024-02-10", NULL}, "--days and --start"},
        {(const char *const[]){"explain", "-m", "m", "--csv", "x", "--repeats", "0", NULL},
         "invalid --repeats '0'"},
        {(const char *const[]){"explain", "-m", "m", "--csv", "x", "--stride", "soon", NULL},
         "invalid --stride 'soon'"},
        {(const char *const[]){"explain", "-m", "m", "--csv", "x", "extra", NULL},
         "unexpected argument 'extra'"},
        {(const char *const[]){"anomalies", "-m", "m", NULL}, "-m MODEL and --csv FILE"},
        {(const char *const[]){"anomalies", "-m", "m", "--csv", "x", "--threshold", "1.5", NULL},
         "invalid --threshold '1.5'"},
        {(const char *const[]){"anomalies", "-m", "m", "--csv", "x", "--top", "0", NULL},
         "invalid --top '0'"},
        {(const char *const[]){"anomalies", "-m", "m", "--csv", "x", "--bogus", NULL},
         "unknown or incomplete option '--bogus'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cli_result r = run(cases[i].args);
        assert_int_equal(r.status, 2);
        assert_contains(r.err, cases[i].message);
        assert_string_equal(r.out, "");
        result_free(&r);
    }
}

static void test_explain_outputs(void **state)
{
    fixture *fx = *state;
    /* CSV: (H + 1) x groups rows; the model has load recent and earlier, flags,
       temperature (future), calendar (no holidays file). */
    cli_result r = RUN("explain", "-m", fx->model, "--csv", fx->data.path, "--days", "5",
                       "--repeats", "3");
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "horizon,group,mae,permuted_mae,increase,increase_sd,share\n", 58) ==
                0);
    assert_int_equal(count_lines(r.out), 1 + (HORIZON + 1) * 5);
    assert_contains(r.out, "\n1,load lags 1-24,");
    assert_contains(r.out, "\n12,temperature (future),");
    assert_contains(r.out, "\nall,calendar,");
    /* Each row: permuted_mae = mae + increase; shares of a step sum to 1 (or 0). */
    double share_sum[HORIZON + 1] = {0};
    const char *p = strchr(r.out, '\n') + 1;
    for (size_t row = 0; row < (HORIZON + 1) * 5; row++) {
        char step[8], group[64];
        double mae, perm, inc, sd, share;
        assert_int_equal(sscanf(p, "%7[^,],%63[^,],%lf,%lf,%lf,%lf,%lf", step, group, &mae, &perm,
                                &inc, &sd, &share),
                         7);
        assert_close(perm, mae + inc, 1e-3, 1e-5);
        assert_true(sd >= 0.0 && share >= 0.0 && share <= 1.0);
        share_sum[strcmp(step, "all") == 0 ? HORIZON : (size_t)atoi(step) - 1] += share;
        p = strchr(p, '\n') + 1;
    }
    for (size_t k = 0; k <= HORIZON; k++)
        assert_true(fabs(share_sum[k] - 1.0) < 1e-3 || share_sum[k] == 0.0);
    char *csv = strdup(r.out);
    result_free(&r);

    /* The same seed gives the same numbers, in JSON too. */
    r = RUN("explain", "-m", fx->model, "--csv", fx->data.path, "--days", "5", "--repeats", "3",
            "--json");
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "steps")), HORIZON);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "steps"), 0);
    const cJSON *g0 = cJSON_GetArrayItem(cJSON_GetObjectItem(first, "groups"), 0);
    assert_string_equal(cJSON_GetObjectItem(g0, "group")->valuestring, "load lags 1-24");
    /* The CSV's numbers read back to the very doubles the JSON holds. */
    const char *line = strstr(csv, "\n1,load lags 1-24,");
    assert_non_null(line);
    assert_true(strtod(line + strlen("\n1,load lags 1-24,"), NULL) ==
                cJSON_GetObjectItem(first, "mae")->valuedouble);
    /* 5 days back from the last origin (2024-02-21 12:00), every hour. */
    assert_int_equal(cJSON_GetObjectItem(j, "origins")->valuedouble, 5 * 24 - HORIZON + 1);
    assert_string_equal(cJSON_GetObjectItem(j, "last_origin")->valuestring, "2024-02-21 12:00:00");
    cJSON_Delete(j);
    result_free(&r);
    free(csv);

    /* Shuffling among origins at the same time of day, said in the output. */
    r = RUN("explain", "-m", fx->model, "--csv", fx->data.path, "--days", "5", "--repeats", "3",
            "--same-time", "--json");
    assert_int_equal(r.status, 0);
    j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "same_time_of_day")));
    cJSON_Delete(j);
    result_free(&r);

    /* The table, daily origins. */
    r = RUN("explain", "-m", fx->model, "--csv", fx->data.path, "--start", "2024-02-12",
            "--stride", "1d", "--table");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "across the 10 origins");
    /* Daily origins at midnight, as a backtest's, unless --origin-time says otherwise. */
    assert_contains(r.out, "(2024-02-12 00:00:00 to 2024-02-21 00:00:00, every 1d;");
    result_free(&r);
    r = RUN("explain", "-m", fx->model, "--csv", fx->data.path, "--start", "2024-02-12",
            "--stride", "1d", "--origin-time", "06:00", "--table");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "(2024-02-12 06:00:00 to 2024-02-21 06:00:00, every 1d;");
    assert_contains(r.out, "\nall ");
    assert_contains(r.out, "\nshare ");
    result_free(&r);
}

static void test_explain_failures(void **state)
{
    fixture *fx = *state;
    cli_result r = RUN("explain", "-m", fx->model, "--csv", fx->data.path, "--start",
                       "2024-02-21 12:00");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "1 origin fits");
    result_free(&r);
    r = RUN("explain", "-m", fx->model, "--csv", fx->data.path, "--stride", "90min");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "--stride must be a multiple of the data's step, 1h");
    result_free(&r);
    r = RUN("explain", "-m", fx->model, "--csv", fx->data.path, "--start", "someday");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "--start 'someday' is not a time");
    result_free(&r);
    r = RUN("explain", "-m", "/nonexistent/model", "--csv", fx->data.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "/nonexistent/model");
    result_free(&r);
    /* Data on another step than the model's. */
    temp_csv daily;
    temp_write(&daily, "time,load,temperature\n2024-01-01,1,2\n2024-01-02,3,4\n2024-01-03,5,6\n");
    r = RUN("explain", "-m", fx->model, "--csv", daily.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "the data's step is 1d but the model was trained on a step of 1h");
    result_free(&r);
    unlink(daily.path);
    /* A column the model needs is absent. */
    temp_csv bare;
    temp_write(&bare, "time,load\n2024-01-01 00:00,1\n2024-01-01 01:00,2\n");
    r = RUN("anomalies", "-m", fx->model, "--csv", bare.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "temperature");
    result_free(&r);
    unlink(bare.path);
}

static void test_anomalies_outputs(void **state)
{
    fixture *fx = *state;
    cli_result r = RUN("anomalies", "-m", fx->model, "--csv", fx->data.path, "--threshold", "0");
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "timestamp,value,score,min_mask,windows,observed\n", 48) == 0);
    /* Every row but the last horizon is scored, strongest first. */
    assert_int_equal(count_lines(r.out), 1 + ROWS - HORIZON);
    double previous = INFINITY;
    size_t windows_max = 0;
    for (const char *p = strchr(r.out, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
        char when[32];
        double value, score, least;
        size_t windows;
        int observed;
        assert_int_equal(sscanf(p, "%31[^,],%lf,%lf,%lf,%zu,%d", when, &value, &score, &least,
                                &windows, &observed),
                         6);
        assert_true(score <= previous && score >= 0.0 && score <= 1.0);
        assert_true(1.0 - score >= least - 1e-4); /* the mean is above the smallest */
        windows_max = windows > windows_max ? windows : windows_max;
        previous = score;
    }
    assert_int_equal(windows_max, 48);
    result_free(&r);

    /* Without --threshold: five times the median score (at least 0.01, at
       most halfway to 1), worked out here from every score listed above. */
    {
        size_t n = 0;
        double *scores = malloc(ROWS * sizeof *scores);
        assert_non_null(scores);
        cli_result all = RUN("anomalies", "-m", fx->model, "--csv", fx->data.path, "--threshold",
                             "0");
        for (const char *p = strchr(all.out, '\n') + 1; *p; p = strchr(p, '\n') + 1)
            assert_int_equal(sscanf(p, "%*[^,],%*[^,],%lf", &scores[n++]), 1);
        result_free(&all);
        /* listed strongest first: the median is the middle of the reversed list */
        const double median = n % 2 ? scores[n / 2] : (scores[n / 2 - 1] + scores[n / 2]) / 2.0;
        double want = 5.0 * median < 0.01 ? 0.01 : 5.0 * median;
        want = want < (1.0 + median) / 2.0 ? want : (1.0 + median) / 2.0;
        size_t above = 0;
        for (size_t i = 0; i < n; i++)
            above += scores[i] >= want;
        cli_result d = RUN("anomalies", "-m", fx->model, "--csv", fx->data.path);
        assert_int_equal(d.status, 0);
        char said[160];
        snprintf(said, sizeof said, "maskcast anomalies: threshold %.4g, from the scores (their "
                                    "median %.4g)", want, median);
        assert_contains(d.err, said);
        assert_int_equal(count_lines(d.out), 1 + above);
        result_free(&d);
        free(scores);
    }

    /* --top; with --truth a recorded column and the agreement on stderr. */
    r = RUN("anomalies", "-m", fx->model, "--csv", fx->data.path, "--threshold", "0", "--top",
            "3", "--truth", fx->truth.path);
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "timestamp,value,score,min_mask,windows,observed,recorded\n", 57) ==
                0);
    assert_int_equal(count_lines(r.out), 4);
    assert_contains(r.err, "precision");
    assert_contains(r.err, "of 4 recorded values flagged; 2 of 2 events)"); /* threshold 0 */
    assert_contains(r.err, "stuck      recall 1.000 (3 of 3 values");
    result_free(&r);

    /* JSON: the listed recorded values are the hits (no --top). */
    r = RUN("anomalies", "-m", fx->model, "--csv", fx->data.path, "--threshold", "0.02",
            "--truth", fx->truth.path, "--json");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    const cJSON *list = cJSON_GetObjectItem(j, "anomalies"), *truth = cJSON_GetObjectItem(j, "truth");
    size_t recorded = 0;
    for (const cJSON *x = list->child; x; x = x->next)
        recorded += cJSON_IsTrue(cJSON_GetObjectItem(x, "recorded"));
    assert_int_equal(cJSON_GetObjectItem(truth, "hits")->valuedouble, recorded);
    assert_int_equal(cJSON_GetObjectItem(truth, "flagged")->valuedouble, cJSON_GetArraySize(list));
    assert_int_equal(cJSON_GetObjectItem(truth, "recorded")->valuedouble, 4);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(truth, "kinds")), 2);
    cJSON_Delete(j);
    result_free(&r);

    /* --start leaves the earlier values out. */
    r = RUN("anomalies", "-m", fx->model, "--csv", fx->data.path, "--threshold", "0", "--start",
            "2024-02-20");
    assert_int_equal(r.status, 0);
    assert_int_equal(count_lines(r.out), 1 + 48 - HORIZON);
    result_free(&r);

    /* Nothing at the threshold: the header alone, and a note with the top score. */
    r = RUN("anomalies", "-m", fx->model, "--csv", fx->data.path, "--threshold", "1");
    assert_int_equal(r.status, 0);
    assert_int_equal(count_lines(r.out), 1);
    assert_contains(r.err, "no value scores 1 or more; the highest score is 0.");
    assert_contains(r.err, "lower --threshold");
    result_free(&r);
}

static void test_anomalies_failures(void **state)
{
    fixture *fx = *state;
    cli_result r = RUN("anomalies", "-m", fx->plain, "--csv", fx->data.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "the model has no anomaly mask");
    result_free(&r);
    temp_csv bad;
    temp_write(&bad, "start,end\n2024-02-17 16:00,later\n");
    r = RUN("anomalies", "-m", fx->model, "--csv", fx->data.path, "--truth", bad.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "line 2, column \"end\": \"later\" is not a time");
    assert_string_equal(r.out, "");
    result_free(&r);
    unlink(bad.path);
    r = RUN("anomalies", "-m", fx->model, "--csv", fx->data.path, "--truth", "/nonexistent/t.csv");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "/nonexistent/t.csv: cannot open");
    result_free(&r);
}

/* A model with temporal attention: inspect names the block; explain --table
   prints where each step's attention looks, --json the full (H, L) mean
   weights, each global step's summing to 1; the CSV stays importance only. */
static void test_explain_temporal_attention(void **state)
{
    fixture *fx = *state;
    char model[4400];
    snprintf(model, sizeof model, "%s.temporal", fx->model);
    train(fx->data.path, model, "--temporal=global");
    cli_result r = RUN("inspect", "-m", model);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "; temporal attention global (scaled-dot score, d 16)\n");
    assert_contains(r.out, "temporal.Wq [9, 16]"); /* temperature and the 8 calendar inputs */
    result_free(&r);

    r = RUN("explain", "-m", model, "--csv", fx->data.path, "--days", "3", "--repeats", "1",
            "--table");
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "Where the temporal attention looks");
    assert_contains(r.out, "lag 1 is the last step\nbefore the origin, lag 48 the lookback's first; "
                           "spread evenly, each lag\nwould get 0.021):");
    const char *table = strstr(r.out, "\nstep   lag (mean weight)\n");
    assert_non_null(table);
    table = strchr(table + 1, '\n') + 1;
    for (size_t k = 0; k < HORIZON; k++) { /* "1      lag 24 0.310 | lag 48 0.120 | lag 1 0.080" */
        size_t step, lags[3];
        double a[3];
        assert_int_equal(sscanf(table, "%zu lag %zu %lf | lag %zu %lf | lag %zu %lf", &step,
                                &lags[0], &a[0], &lags[1], &a[1], &lags[2], &a[2]),
                         7);
        assert_int_equal(step, k + 1);
        for (size_t i = 0; i < 3; i++) {
            assert_true(lags[i] >= 1 && lags[i] <= 48);
            assert_true(a[i] > 0.0 && a[i] <= 1.0 && (i == 0 || a[i] <= a[i - 1]));
        }
        table = strchr(table, '\n') + 1;
    }
    assert_string_equal(table, "");
    result_free(&r);

    r = RUN("explain", "-m", model, "--csv", fx->data.path, "--days", "3", "--repeats", "1",
            "--json");
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    const cJSON *att = cJSON_GetObjectItem(j, "attention");
    assert_non_null(att);
    assert_string_equal(cJSON_GetObjectItem(att, "kind")->valuestring, "global");
    assert_int_equal(cJSON_GetObjectItem(att, "lags")->valuedouble, 48);
    const cJSON *weights = cJSON_GetObjectItem(att, "weights");
    assert_int_equal(cJSON_GetArraySize(weights), HORIZON);
    for (const cJSON *row = weights->child; row != NULL; row = row->next) {
        assert_int_equal(cJSON_GetArraySize(row), 48);
        double sum = 0.0;
        for (const cJSON *v = row->child; v != NULL; v = v->next) {
            assert_true(v->valuedouble >= 0.0 && v->valuedouble <= 1.0);
            sum += v->valuedouble;
        }
        assert_close(sum, 1.0, 1e-5, 0.0);
    }
    cJSON_Delete(j);
    result_free(&r);

    /* Without temporal attention: no table, no "attention" in JSON. */
    r = RUN("explain", "-m", fx->model, "--csv", fx->data.path, "--days", "3", "--repeats", "1",
            "--json");
    assert_int_equal(r.status, 0);
    j = cJSON_Parse(r.out);
    assert_null(cJSON_GetObjectItem(j, "attention"));
    cJSON_Delete(j);
    result_free(&r);
    r = RUN("explain", "-m", fx->model, "--csv", fx->data.path, "--days", "3", "--repeats", "1",
            "--table");
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, "attention"));
    result_free(&r);

    /* A local window: each step's weights sum to at most 1, the table says so. */
    train(fx->data.path, model, "--temporal=local");
    r = RUN("explain", "-m", model, "--csv", fx->data.path, "--days", "3", "--repeats", "1",
            "--table");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "a local window's weights sum to at most 1");
    assert_contains(r.out, "(sum 0.");
    result_free(&r);
    unlink(model);
}

/* A model that is the linear forecaster (an untrained network loses to it):
   train says it kept it, inspect shows it, forecast works, and anomalies
   refuses with the reason, since its mask is the same everywhere. */
static void test_linear_forecaster(void **state)
{
    fixture *fx = *state;
    char linear[4400];
    snprintf(linear, sizeof linear, "%s.linear", fx->model);
    /* no known-future input: forecast reads the history alone */
    cli_result r = RUN("train", "--csv", fx->data.path, "--target", "load", "--lookback", "48",
                       "--horizon", "12", "--hidden", "8", "--epochs", "1", "--lr", "1e-9", "-o",
                       linear);
    assert_int_equal(r.status, 0);
    assert_contains(r.err, "kept the linear forecaster");
    result_free(&r);
    r = RUN("inspect", "-m", linear);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "the linear forecaster kept");
    result_free(&r);
    r = RUN("anomalies", "-m", linear, "--csv", fx->data.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "--no-linear-candidate");
    result_free(&r);
    r = RUN("explain", "-m", linear, "--csv", fx->data.path);
    assert_int_equal(r.status, 0);
    result_free(&r);
    r = RUN("forecast", "-m", linear, "--csv", fx->data.path);
    assert_int_equal(r.status, 0);
    assert_int_equal(count_lines(r.out), 1 + 12); /* a header and the horizon */
    result_free(&r);
    unlink(linear);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_explain_outputs),
        cmocka_unit_test(test_explain_failures),
        cmocka_unit_test(test_anomalies_outputs),
        cmocka_unit_test(test_anomalies_failures),
        cmocka_unit_test(test_explain_temporal_attention),
        cmocka_unit_test(test_linear_forecaster),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
