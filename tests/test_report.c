/* A report's data (maskcast/report.h): each section read back from its JSON
   and checked against the results it came from, the aggregates against
   naive loops of their own. */
#include "synthetic_load.h"

#include <cjson/cJSON.h>

enum { BT_HOURS = 40 * 24, TEST_DAYS = 6 };

/* The 0.1, 0.5 and 0.9 quantiles. */
static void pinball(mc_model_options *mo)
{
    mo->loss.kind = MC_LOSS_PINBALL;
    mo->loss.n_quantiles = 3;
    mo->loss.quantiles[0] = 0.1;
    mo->loss.quantiles[1] = 0.5;
    mo->loss.quantiles[2] = 0.9;
}

/* The report's JSON parsed, and its only section. */
static cJSON *parse(mc_report *r, cJSON **section)
{
    mc_error e;
    const char *text = mc_report_json(r, &e);
    assert_non_null(text);
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "format")->valuestring, "maskcast-report");
    cJSON *sections = cJSON_GetObjectItem(doc, "sections");
    assert_int_equal(cJSON_GetArraySize(sections), 1);
    *section = cJSON_GetArrayItem(sections, 0);
    return doc;
}

static cJSON *item(const cJSON *o, const char *key)
{
    cJSON *i = cJSON_GetObjectItemCaseSensitive(o, key);
    if (i == NULL)
        fail_msg("no member %s", key);
    return i;
}

/* Element i of a numeric array, NAN for null. */
static double at(const cJSON *a, size_t i)
{
    const cJSON *v = cJSON_GetArrayItem(a, (int)i);
    assert_non_null(v);
    return cJSON_IsNull(v) ? NAN : v->valuedouble;
}

/* Six significant digits, as the report writes numbers; NAN as null. */
#define assert_same(got, want) same((got), (want), #got, __FILE__, __LINE__)

static void same(double got, double want, const char *expr, const char *file, int line)
{
    if (isnan(want) != isnan(got)) {
        print_error("%s = %g, expected %g\n", expr, got, want);
        _fail(file, line);
    }
    if (!isnan(want))
        mc_assert_close(got, want, 1e-9, 6e-6, expr, file, line);
}

static mc_report *new_report(void)
{
    mc_report *r = NULL;
    const mc_report_header h = {.command = "maskcast test", .target = "load"};
    assert_int_equal(mc_report_create(&r, &h, NULL), MC_OK);
    return r;
}

static mc_backtest *backtest(const mc_frame *f, bool quantiles)
{
    mc_model_options mo;
    mc_train_options to;
    synthetic_small_options(&mo, &to);
    if (quantiles)
        pinball(&mo);
    mc_backtest_options bo;
    mc_backtest_options_defaults(&bo);
    bo.test_days = TEST_DAYS;
    bo.baselines = !quantiles;
    mc_backtest *b = NULL;
    mc_error e;
    const mc_status st = mc_backtest_run(&b, f, &mo, &to, &bo, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
    return b;
}

/* Hour of day and weekday (Monday 0) of a row of a frame without UTC offsets. */
static size_t hour_of(const mc_frame *f, size_t row)
{
    return (size_t)((mc_frame_times(f)[row] % 86400) / 3600);
}

static size_t weekday_of(const mc_frame *f, size_t row)
{
    return (size_t)((mc_frame_times(f)[row] / 86400 + 3) % 7); /* 1970-01-01: a Thursday */
}

static void test_backtest_section(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_backtest *b = backtest(f, false);
    mc_report *r = new_report();
    assert_int_equal(mc_report_add_backtest(r, b, f, NULL), MC_OK);
    cJSON *s;
    cJSON *doc = parse(r, &s);
    assert_string_equal(item(s, "kind")->valuestring, "backtest");
    const size_t N = mc_backtest_origins(b), H = mc_backtest_horizon(b), M = mc_backtest_methods(b);
    assert_int_equal(item(s, "horizon")->valuedouble, H);
    assert_int_equal(item(s, "origins")->valuedouble, N);
    const cJSON *methods = item(s, "methods");
    assert_int_equal(cJSON_GetArraySize(methods), M);
    const double *actual = mc_backtest_actuals(b);
    size_t best = SIZE_MAX;
    double best_mae = INFINITY;
    for (size_t m = 0; m < M; m++) {
        const cJSON *mj = cJSON_GetArrayItem(methods, (int)m);
        char label[64];
        mc_backtest_method_label(b, m, label, sizeof label);
        assert_string_equal(item(mj, "name")->valuestring, label);
        mc_backtest_metrics x;
        for (size_t k = 0; k < H; k++) {
            assert_int_equal(mc_backtest_metrics_of(b, m, k, &x, NULL), MC_OK);
            assert_same(at(item(item(mj, "by_step"), "mape"), k), x.mape);
            assert_same(at(item(item(mj, "by_step"), "mae"), k), x.mae);
        }
        assert_int_equal(mc_backtest_metrics_of(b, m, H, &x, NULL), MC_OK);
        assert_same(item(item(mj, "metrics"), "mae")->valuedouble, x.mae);
        if (m > 0 && mc_backtest_method_models(b, m) == 0 && x.mae < best_mae) {
            best_mae = x.mae;
            best = m;
        }
        /* By hour and weekday: each class's mean absolute error, by hand. */
        double hour_sum[24] = {0}, day_sum[7] = {0};
        size_t hour_n[24] = {0}, day_n[7] = {0};
        const double *point = mc_backtest_forecasts(b, m);
        for (size_t i = 0; i < N; i++)
            for (size_t k = 0; k < H; k++) {
                const size_t row = mc_backtest_first_target_row(b, i) + k;
                if (isnan(actual[i * H + k]))
                    continue;
                const double d = fabs(point[i * H + k] - actual[i * H + k]);
                hour_sum[hour_of(f, row)] += d;
                hour_n[hour_of(f, row)]++;
                day_sum[weekday_of(f, row)] += d;
                day_n[weekday_of(f, row)]++;
            }
        for (size_t h = 0; h < 24; h++)
            assert_same(at(item(item(mj, "by_hour"), "mae"), h),
                        hour_n[h] ? hour_sum[h] / (double)hour_n[h] : NAN);
        for (size_t d = 0; d < 7; d++)
            assert_same(at(item(item(mj, "by_weekday"), "mae"), d),
                        day_n[d] ? day_sum[d] / (double)day_n[d] : NAN);
    }
    assert_true(best != SIZE_MAX);
    assert_int_equal(item(s, "best_baseline")->valuedouble, best);

    /* The path: daily origins, a day ahead, so the span is tiled exactly. */
    const cJSON *path = item(s, "path");
    assert_int_equal(cJSON_GetArraySize(item(path, "actual")), N * H);
    assert_int_equal(item(path, "step")->valuedouble, 3600000.0);
    const size_t row0 = mc_backtest_first_target_row(b, 0);
    assert_int_equal(item(path, "start")->valuedouble, 1000.0 * (double)mc_frame_times(f)[row0]);
    const cJSON *series = item(path, "series");
    assert_int_equal(cJSON_GetArraySize(series), 2);
    const double *base = mc_backtest_forecasts(b, best);
    for (size_t i = 0; i < N * H; i++) {
        assert_same(at(item(path, "actual"), i), actual[i]);
        assert_same(at(item(cJSON_GetArrayItem(series, 1), "values"), i), base[i]);
    }

    /* The worst days: maskcast's daily MAPE by hand, highest first. */
    const double *point = mc_backtest_forecasts(b, 0);
    double worst = -1.0;
    for (size_t day = 0; day < N; day++) {
        double sum = 0.0;
        for (size_t k = 0; k < H; k++)
            sum += 100.0 * fabs(point[day * H + k] - actual[day * H + k]) / actual[day * H + k];
        if (sum / (double)H > worst)
            worst = sum / (double)H;
    }
    const cJSON *days = item(s, "worst_days");
    assert_int_equal(cJSON_GetArraySize(days), N < 10 ? N : 10);
    assert_same(item(cJSON_GetArrayItem(days, 0), "mape")->valuedouble, worst);
    for (int i = 1; i < cJSON_GetArraySize(days); i++)
        assert_true(item(cJSON_GetArrayItem(days, i - 1), "mape")->valuedouble >=
                    item(cJSON_GetArrayItem(days, i), "mape")->valuedouble);
    assert_true(cJSON_IsNull(item(s, "reliability")));
    cJSON_Delete(doc);
    mc_report_free(r);
    mc_backtest_free(b);
    mc_frame_free(f);
    free(csv);
}

static void test_quantile_reliability(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_backtest *b = backtest(f, true);
    assert_int_equal(mc_backtest_method_quantiles(b, 0), 3);
    assert_true(mc_backtest_method_quantile_level(b, 0, 2) == (double)0.9f); /* stored as float */
    assert_true(isnan(mc_backtest_method_quantile_level(b, 0, 3)));
    mc_report *r = new_report();
    assert_int_equal(mc_report_add_backtest(r, b, f, NULL), MC_OK);
    cJSON *s;
    cJSON *doc = parse(r, &s);
    const cJSON *rel = item(s, "reliability");
    const size_t N = mc_backtest_origins(b), H = mc_backtest_horizon(b);
    const double *actual = mc_backtest_actuals(b);
    const double *q = mc_backtest_method_quantile_forecasts(b, 0);
    assert_non_null(q);
    for (size_t j = 0; j < 3; j++) {
        size_t below = 0;
        for (size_t i = 0; i < N * H; i++)
            below += actual[i] <= q[i * 3 + j];
        assert_same(at(item(rel, "observed"), j), (double)below / (double)(N * H));
        double share;
        size_t n;
        assert_int_equal(mc_backtest_quantile_reliability(b, 0, j, H, &share, &n, NULL), MC_OK);
        assert_int_equal(n, N * H);
        assert_true(share == (double)below / (double)(N * H));
        size_t below0 = 0; /* and at the first step alone */
        for (size_t i = 0; i < N; i++)
            below0 += actual[i * H] <= q[i * H * 3 + j];
        assert_int_equal(mc_backtest_quantile_reliability(b, 0, j, 0, &share, &n, NULL), MC_OK);
        assert_true(n == N && share == (double)below0 / (double)N);
    }
    for (size_t k = 0; k < H; k++) {
        size_t inside = 0;
        for (size_t i = 0; i < N; i++) {
            const double a = actual[i * H + k], *qk = q + (i * H + k) * 3;
            inside += a >= qk[0] && a <= qk[2];
        }
        assert_same(at(item(rel, "coverage_by_step"), k), (double)inside / (double)N);
    }
    double share;
    size_t n;
    assert_int_equal(mc_backtest_quantile_reliability(b, 0, 3, H, &share, &n, NULL),
                     MC_ERR_ARGUMENT);
    assert_int_equal(mc_backtest_quantile_reliability(b, 0, 0, H + 1, &share, &n, NULL),
                     MC_ERR_ARGUMENT);
    /* The median is the point forecast. */
    for (size_t i = 0; i < N * H; i++)
        assert_true(q[i * 3 + 1] == mc_backtest_forecasts(b, 0)[i]);
    cJSON_Delete(doc);
    mc_report_free(r);
    mc_backtest_free(b);
    mc_frame_free(f);
    free(csv);
}

/* Rows 0-2 hourly, 02:00 twice, 03:00 missing, 04:00 without a load, a spike. */
static const char MARKED[] = "time,load\n"
                             "2024-01-01 00:00,100\n2024-01-01 01:00,101\n"
                             "2024-01-01 02:00,102\n2024-01-01 02:00,104\n"
                             "2024-01-01 05:00,\n2024-01-01 06:00,106\n"
                             "2024-01-01 07:00,107\n2024-01-01 08:00,108\n"
                             "2024-01-01 09:00,109\n2024-01-01 10:00,110\n"
                             "2024-01-01 11:00,900\n2024-01-01 12:00,112\n"
                             "2024-01-01 13:00,113\n2024-01-01 14:00,114\n"
                             "2024-01-01 15:00,115\n2024-01-01 16:00,116\n"
                             "2024-01-01 17:00,117\n2024-01-01 18:00,118\n";

static void test_description_marks(void **state)
{
    (void)state;
    mc_frame *f = NULL;
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    assert_int_equal(mc_frame_read_csv_buffer(&f, MARKED, strlen(MARKED), "marked.csv", &co, NULL),
                     MC_OK);
    mc_report *r = new_report();
    assert_int_equal(mc_report_add_description(r, f, NULL), MC_ERR_ARGUMENT); /* not regular */
    assert_null(mc_frame_row_flags(f));
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    assert_int_equal(mc_frame_regularize(f, &ro, NULL), MC_OK);
    const uint8_t *flags = mc_frame_row_flags(f);
    assert_non_null(flags);
    assert_int_equal(mc_frame_rows(f), 19);
    for (size_t i = 0; i < 19; i++)
        assert_int_equal(flags[i], i == 2 ? MC_ROW_MERGED : i == 3 || i == 4 ? MC_ROW_INSERTED : 0);
    assert_int_equal(mc_report_add_description(r, f, NULL), MC_OK);
    cJSON *s;
    cJSON *doc = parse(r, &s);
    const char *text = cJSON_PrintUnformatted(item(s, "inserted"));
    assert_string_equal(text, "[[3,4]]");
    cJSON_free((void *)text);
    text = cJSON_PrintUnformatted(item(s, "merged"));
    assert_string_equal(text, "[2]");
    cJSON_free((void *)text);
    const cJSON *col = cJSON_GetArrayItem(item(s, "columns"), 0);
    assert_string_equal(item(col, "name")->valuestring, "load");
    text = cJSON_PrintUnformatted(item(col, "interpolated"));
    assert_string_equal(text, "[[3,5]]"); /* 03:00-05:00: two rows absent, one value empty */
    cJSON_free((void *)text);
    /* Every outlier the summary counts, its examples (the spike among them) too. */
    mc_column_summary sum;
    assert_int_equal(mc_frame_describe_column(f, 0, &sum, NULL), MC_OK);
    const cJSON *outliers = item(col, "outliers");
    assert_int_equal(cJSON_GetArraySize(outliers), sum.outliers);
    assert_int_equal(sum.example_rows[0], 11);
    for (size_t k = 0; k < sum.n_examples; k++) {
        bool listed = false;
        for (size_t i = 0; i < sum.outliers; i++)
            listed |= (size_t)at(outliers, i) == sum.example_rows[k];
        assert_true(listed);
    }
    assert_same(at(item(item(col, "series"), "values"), 2), 103.0); /* the duplicates' mean */
    assert_int_equal(item(item(s, "report"), "duplicate_rows")->valuedouble, 1);
    cJSON_Delete(doc);
    mc_report_free(r);
    mc_frame_free(f);
}

/* A small network (never the linear forecaster, so that it has a mask). */
static mc_model *train(const mc_frame *f, bool quantiles)
{
    mc_model_options mo;
    mc_train_options to;
    synthetic_small_options(&mo, &to);
    to.linear_candidate = false;
    if (quantiles)
        pinball(&mo);
    mc_model *m = NULL;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    return m;
}

static void test_forecast_section(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_HOURS, 24);
    mc_frame *f = frame_of(csv);
    mc_model *m = train(f, true);
    int64_t times[24];
    double values[24 * 3];
    assert_int_equal(mc_model_forecast(m, f, NULL, times, values, NULL), MC_OK);
    mc_report *r = new_report();
    assert_int_equal(mc_report_add_forecast(r, m, f, 0, times, values, NULL), MC_ERR_ARGUMENT);
    assert_int_equal(mc_report_add_forecast(r, m, f, 100, times, values, NULL), MC_OK);
    cJSON *s;
    cJSON *doc = parse(r, &s);
    const cJSON *hist = item(s, "history"), *fc = item(s, "forecast");
    const size_t rows = mc_frame_rows(f) - 24; /* up to the last observed load */
    assert_int_equal(cJSON_GetArraySize(item(hist, "values")), 100);
    assert_int_equal(item(hist, "start")->valuedouble, 1000.0 * (double)mc_frame_times(f)[rows - 100]);
    assert_same(at(item(hist, "values"), 0), mc_frame_values(f, 0)[rows - 100]);
    assert_int_equal(item(fc, "start")->valuedouble, 1000.0 * (double)times[0]);
    const cJSON *qs = item(s, "quantiles");
    assert_int_equal(cJSON_GetArraySize(qs), 3);
    for (size_t k = 0; k < 24; k++) {
        assert_same(at(item(fc, "values"), k), values[k * 3 + 1]);
        for (size_t q = 0; q < 3; q++)
            assert_same(at(item(cJSON_GetArrayItem(qs, (int)q), "values"), k), values[k * 3 + q]);
    }
    assert_same(item(cJSON_GetArrayItem(qs, 0), "level")->valuedouble, 0.1);
    assert_int_equal(item(fc, "start")->valuedouble - item(hist, "start")->valuedouble,
                     100 * 3600000.0); /* the forecast follows the history */
    char *filled = cJSON_PrintUnformatted(item(s, "filled"));
    assert_string_equal(filled, "[]");
    cJSON_free(filled);
    cJSON_Delete(doc);
    mc_report_free(r);
    mc_model_free(m);
    mc_frame_free(f);
    free(csv);
}

static void test_anomalies_and_explanation(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model *m = train(f, false);
    mc_anomalies *a = NULL;
    assert_int_equal(mc_model_score_anomalies(&a, m, f, NULL, NULL), MC_OK);
    mc_report *r = new_report();
    const double threshold = 0.05;
    uint8_t *recorded = calloc(mc_frame_rows(f), 1);
    recorded[500] = recorded[501] = recorded[700] = 1;
    assert_int_equal(mc_report_add_anomalies(r, a, f, threshold, recorded, NULL), MC_OK);
    cJSON *s;
    cJSON *doc = parse(r, &s);
    const size_t n = mc_frame_rows(f);
    const double *score = mc_anomalies_scores(a);
    size_t flagged = 0;
    for (size_t i = 0; i < n; i++)
        flagged += !isnan(score[i]) && score[i] >= threshold;
    const cJSON *rows = item(s, "flagged"), *scores = item(s, "scores");
    assert_int_equal(cJSON_GetArraySize(rows), flagged);
    for (size_t i = 0; i < flagged; i++) {
        const size_t row = (size_t)at(rows, i);
        assert_same(at(scores, i), score[row]);
        assert_true(score[row] >= threshold);
        if (i > 0)
            assert_true(at(scores, i - 1) >= at(scores, i));
    }
    for (size_t i = 0; i < n; i++)
        assert_same(at(item(item(s, "mask"), "values"), i), mc_anomalies_min_mask(a)[i]);
    const char *runs = cJSON_PrintUnformatted(item(s, "recorded"));
    assert_string_equal(runs, "[[500,501],[700,700]]");
    cJSON_free((void *)runs);
    cJSON_Delete(doc);
    mc_report_free(r);

    mc_explanation_options eo;
    mc_explanation_options_defaults(&eo);
    eo.days = 3;
    eo.repeats = 2;
    mc_explanation *x = NULL;
    assert_int_equal(mc_model_explain(&x, m, f, &eo, NULL), MC_OK);
    r = new_report();
    assert_int_equal(mc_report_add_explanation(r, x, NULL), MC_OK);
    doc = parse(r, &s);
    const size_t G = mc_explanation_groups(x), H = mc_explanation_horizon(x);
    assert_int_equal(cJSON_GetArraySize(item(s, "groups")), G);
    for (size_t g = 0; g < G; g++) {
        assert_string_equal(cJSON_GetArrayItem(item(s, "groups"), (int)g)->valuestring,
                            mc_explanation_group_name(x, g));
        for (size_t k = 0; k < H; k++) {
            assert_same(at(cJSON_GetArrayItem(item(s, "share"), (int)g), k),
                        mc_explanation_share(x, g, k));
            assert_same(at(cJSON_GetArrayItem(item(s, "increase"), (int)g), k),
                        mc_explanation_increase(x, g, k));
        }
    }
    assert_true(cJSON_IsNull(item(s, "attention")));
    cJSON_Delete(doc);
    mc_report_free(r);
    mc_explanation_free(x);
    free(recorded);
    mc_anomalies_free(a);
    mc_model_free(m);
    mc_frame_free(f);
    free(csv);
}

/* Strings cannot end the script element the page holds the JSON in. */
static void test_header_and_script_end(void **state)
{
    (void)state;
    const char *columns[] = {"temp", "holiday"};
    const mc_report_header h = {.command = "maskcast describe --csv '<!--<script>.csv'",
                                .data_file = "a</script><b>.csv", .columns = columns,
                                .n_columns = 2};
    mc_report *r = NULL;
    assert_int_equal(mc_report_create(NULL, &h, NULL), MC_ERR_ARGUMENT);
    assert_int_equal(mc_report_create(&r, &h, NULL), MC_OK);
    const char *text = mc_report_json(r, NULL);
    assert_non_null(text);
    assert_null(strchr(text, '<'));
    assert_non_null(strstr(text, "a\\u003c/script>\\u003cb>"));
    cJSON *doc = cJSON_Parse(text);
    const cJSON *hj = item(doc, "header");
    assert_string_equal(item(hj, "data_file")->valuestring, "a</script><b>.csv");
    assert_true(cJSON_IsNull(item(hj, "model")));
    assert_true(cJSON_IsNull(item(hj, "model_file")));
    assert_string_equal(cJSON_GetArrayItem(item(hj, "columns"), 1)->valuestring, "holiday");
    assert_string_equal(item(hj, "maskcast_version")->valuestring, mc_version());
    assert_int_equal(cJSON_GetArraySize(item(doc, "sections")), 0);
    cJSON_Delete(doc);
    assert_int_equal(mc_report_add_backtest(r, NULL, NULL, NULL), MC_ERR_ARGUMENT);
    assert_int_equal(mc_report_add_explanation(r, NULL, NULL), MC_ERR_ARGUMENT);
    assert_int_equal(mc_report_add_anomalies(r, NULL, NULL, 0.5, NULL, NULL), MC_ERR_ARGUMENT);
    mc_report_free(r);
    mc_report_free(NULL);
    assert_int_equal(mc_report_create(&r, NULL, NULL), MC_OK); /* an empty header */
    mc_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backtest_section),
        cmocka_unit_test(test_quantile_reliability),
        cmocka_unit_test(test_description_marks),
        cmocka_unit_test(test_forecast_section),
        cmocka_unit_test(test_anomalies_and_explanation),
        cmocka_unit_test(test_header_and_script_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
