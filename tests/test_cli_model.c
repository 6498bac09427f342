/* End-to-end tests of train, inspect and forecast through mc_cli_run(). */
#include "cli_util.h"

#include <cjson/cJSON.h>
#include <math.h>

#include "data/timestamp.h"
#include "eval/intervals.h"
#include "maskcast/maskcast.h"

#define TWO_PI 6.283185307179586

enum { DAYS = 21, ROWS = DAYS * 24, LOOKBACK = 48, HORIZON = 12 };

/* Hourly load and temperature; the last `empty` rows have no load (the rows
   a forecast fills, with their temperature known). */
static void write_series(temp_csv *t, size_t rows, size_t empty)
{
    FILE *f = temp_open(t);
    fputs("time,load,temperature\n", f);
    for (size_t h = 0; h < rows; h++) {
        const double temp = 11.0 + 6.0 * sin(TWO_PI * (double)h / 200.0);
        const double load = 900.0 + 180.0 * sin(TWO_PI * ((double)(h % 24) - 7.0) / 24.0) +
                            7.5 * fabs(temp - 14.0) + (double)((h * 7919) % 23) - 11.0;
        fprintf(f, "2024-02-%02zu %02zu:00:00,", 1 + h / 24 % 29, h % 24);
        if (h + empty < rows)
            fprintf(f, "%.2f,%.2f\n", load, temp);
        else
            fprintf(f, ",%.2f\n", temp);
    }
    assert_int_equal(fclose(f), 0);
}

static void model_path(char *out, size_t size)
{
    snprintf(out, size, "%s/mc_cli_model_%ld.safetensors", tmp_dir(), (long)getpid());
}

static void train_small(const char *csv, const char *model, const char *extra)
{
    cli_result r = extra ? RUN("train", "--csv", csv, "--target", "load", "--future",
                               "temperature", "--lookback", "48", "--horizon", "12", "--hidden",
                               "8", "--epochs", "2", "--samples-per-epoch", "256", "-q", extra,
                               "-o", model)
                         : RUN("train", "--csv", csv, "--target", "load", "--future",
                               "temperature", "--lookback", "48", "--horizon", "12", "--hidden",
                               "8", "--epochs", "2", "--samples-per-epoch", "256", "-q", "-o",
                               model);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, ""); /* --quiet */
    result_free(&r);
}

static void test_help_teaches_every_option(void **state)
{
    (void)state;
    cli_result r = RUN("train", "--help");
    assert_int_equal(r.status, 0);
    const char *options[] = {"--past", "--future", "--holidays", "--horizon", "--lookback",
                             "--hidden", "--activation", "--mask", "--no-anomaly-mask",
                             "--no-horizon-masks", "--no-skip", "--loss", "--quantiles",
                             "--huber-delta", "--no-level", "--no-calendar", "--epochs",
                             "--batch", "--lr", "--weight-decay", "--clip", "--patience",
                             "--val-fraction", "--augment", "--samples-per-epoch", "--train-stride",
                             "--seed", "--output", "--quiet", "--csv", "--horizon-rank",
                             "Example"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        assert_contains(r.out, options[i]);
    result_free(&r);
    r = RUN("forecast", "--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "--future-csv");
    assert_contains(r.out, "--json");
    result_free(&r);
    r = RUN("inspect", "--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "--model");
    result_free(&r);
    r = RUN("--help");
    assert_contains(r.out, "train");
    assert_contains(r.out, "forecast");
    assert_contains(r.out, "inspect");
    result_free(&r);
}

static void test_usage_errors(void **state)
{
    (void)state;
    cli_result r = RUN("train", "--csv", "x.csv");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "-o MODEL is required");
    result_free(&r);
    r = RUN("train", "--csv", "x.csv", "-o", "m", "--loss", "cubic");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "invalid --loss 'cubic'");
    result_free(&r);
    r = RUN("train", "--csv", "x.csv", "-o", "m", "--quantiles", "0.9,0.1");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--quantiles");
    result_free(&r);
    r = RUN("train", "--csv", "x.csv", "-o", "m", "--horizon-rank", "4097");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "invalid --horizon-rank '4097': expected auto or 0 to 4096");
    result_free(&r);
    r = RUN("forecast", "--csv", "x.csv");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "-m MODEL and --csv FILE are required");
    result_free(&r);
    r = RUN("inspect");
    assert_int_equal(r.status, 2);
    result_free(&r);
}

static void test_train_inspect_forecast(void **state)
{
    (void)state;
    temp_csv train, hist;
    write_series(&train, ROWS, 0);
    write_series(&hist, ROWS, HORIZON);
    char model[4200];
    model_path(model, sizeof model);
    train_small(train.path, model, NULL);

    cli_result r = RUN("inspect", "-m", model);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "lookback 48 steps, horizon 12 steps");
    assert_contains(r.out, "future      temperature");
    assert_contains(r.out, "head.V     [12, 8]");
    result_free(&r);
    r = RUN("inspect", "-m", model, "--json");
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_int_equal(cJSON_GetObjectItem(j, "horizon")->valuedouble, 12);
    assert_int_equal(cJSON_GetObjectItem(j, "training")->child->valuedouble, 2); /* epochs */
    cJSON_Delete(j);
    result_free(&r);

    /* Forecast the last 12 hours: timestamps follow the last load. */
    r = RUN("forecast", "-m", model, "--csv", hist.path);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "timestamp,horizon,forecast\n", 27) == 0);
    size_t lines = 0;
    for (const char *p = r.out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + HORIZON);
    assert_contains(r.out, "\n2024-02-21 12:00:00,1,");
    assert_contains(r.out, "\n2024-02-21 23:00:00,12,");
    result_free(&r);

    /* JSON, into a file written atomically. */
    char out_path[4300];
    snprintf(out_path, sizeof out_path, "%s.forecast.json", model);
    r = RUN("forecast", "-m", model, "--csv", hist.path, "--json", "-o", out_path);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    result_free(&r);
    FILE *f = fopen(out_path, "r");
    assert_non_null(f);
    char *text = slurp(f);
    j = cJSON_Parse(text);
    assert_non_null(j);
    const cJSON *rows = cJSON_GetObjectItem(j, "forecasts");
    assert_int_equal(cJSON_GetArraySize(rows), HORIZON);
    const double first = cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "forecast")->valuedouble;
    assert_true(first > 500 && first < 1500); /* in the load's units */
    cJSON_Delete(j);
    free(text);
    unlink(out_path);

    /* Refusals: no known-future values; a history shorter than the lookback. */
    r = RUN("forecast", "-m", model, "--csv", train.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "no value of \"temperature\" for 2024-02-22 00:00:00");
    result_free(&r);
    temp_csv tiny;
    write_series(&tiny, 40, 12);
    r = RUN("forecast", "-m", model, "--csv", tiny.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "the history is too short: 28 rows");
    result_free(&r);
    unlink(tiny.path);
    unlink(model);
    unlink(train.path);
    unlink(hist.path);
}

/* --from and --until train on the rows between, whatever else the file has. */
static void test_train_from_until(void **state)
{
    (void)state;
    temp_csv train;
    write_series(&train, ROWS, 0);
    char model[4200];
    model_path(model, sizeof model);
    cli_result r = RUN("train", "--csv", train.path, "--target", "load", "--future", "temperature",
                       "--lookback", "48", "--horizon", "12", "--hidden", "8", "--epochs", "1",
                       "--samples-per-epoch", "256", "--from", "2024-02-05", "--until",
                       "2024-02-19 06:00", "-o", model);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_contains(r.err, "training on 342 of 504 rows, 2024-02-05 00:00:00 .. 2024-02-19 05:00:00");
    result_free(&r);
    mc_model *m = NULL;
    assert_int_equal(mc_model_load(&m, model, NULL), MC_OK);
    mc_training_record rec;
    mc_model_training_record(m, &rec);
    char first[40], last[40];
    mc_time_to_text(rec.first_time, 0, false, first, sizeof first);
    mc_time_to_text(rec.last_time, 0, false, last, sizeof last);
    assert_string_equal(first, "2024-02-05 00:00:00");
    assert_string_equal(last, "2024-02-19 05:00:00");
    mc_model_free(m);
    r = RUN("train", "--csv", train.path, "--target", "load", "--from", "2030-01-01", "-o", model);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "no rows from 2030-01-01 until the end (the data runs from 2024-02-01");
    result_free(&r);
    r = RUN("train", "--csv", train.path, "--target", "load", "--until", "yesterday", "-o", model);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "invalid --until 'yesterday'");
    result_free(&r);
    /* The old spelling of --train-stride works, with a warning, and means the same. */
    char again[4300];
    snprintf(again, sizeof again, "%s.again", model);
    r = RUN("train", "--csv", train.path, "--target", "load", "--lookback", "48", "--horizon", "12",
            "--hidden", "8", "--epochs", "1", "--samples-per-epoch", "256", "-q", "--stride", "3",
            "-o", model);
    assert_int_equal(r.status, 0);
    assert_contains(r.err, "warning: --stride is deprecated here: it is --train-stride");
    result_free(&r);
    r = RUN("train", "--csv", train.path, "--target", "load", "--lookback", "48", "--horizon", "12",
            "--hidden", "8", "--epochs", "1", "--samples-per-epoch", "256", "-q", "--train-stride",
            "3", "-o", again);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    result_free(&r);
    FILE *f1 = fopen(model, "rb"), *f2 = fopen(again, "rb");
    assert_non_null(f1);
    assert_non_null(f2);
    for (int c1 = 0, c2 = 0; c1 != EOF || c2 != EOF;) { /* byte for byte */
        c1 = fgetc(f1);
        c2 = fgetc(f2);
        assert_int_equal(c1, c2);
    }
    fclose(f1);
    fclose(f2);
    unlink(again);
    unlink(model);
    unlink(train.path);
}

static void test_quantile_model_columns(void **state)
{
    (void)state;
    temp_csv train, hist;
    write_series(&train, ROWS, 0);
    write_series(&hist, ROWS, HORIZON);
    char model[4200];
    model_path(model, sizeof model);
    train_small(train.path, model, "--loss=pinball");
    cli_result r = RUN("forecast", "-m", model, "--csv", hist.path);
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "timestamp,horizon,forecast,q0.1,q0.5,q0.9\n", 42) == 0);
    /* Every row: q0.1 <= q0.5 <= q0.9, and forecast is q0.5. */
    const char *p = strchr(r.out, '\n') + 1;
    for (size_t k = 0; k < HORIZON; k++) {
        double fc, q1, q5, q9;
        size_t h;
        assert_int_equal(sscanf(p, "%*[^,],%zu,%lf,%lf,%lf,%lf", &h, &fc, &q1, &q5, &q9), 5);
        assert_int_equal(h, k + 1);
        assert_true(q1 <= q5 && q5 <= q9);
        assert_close(fc, q5, 0, 0);
        p = strchr(p, '\n') + 1;
    }
    /* The CSV's numbers read back to the very doubles the library forecast. */
    mc_model *m = NULL;
    assert_int_equal(mc_model_load(&m, model, NULL), MC_OK);
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    co.target_column = "load";
    co.covariates = (const char *[]){"temperature"};
    co.n_covariates = 1;
    mc_frame *history = NULL;
    assert_int_equal(mc_frame_read_csv(&history, hist.path, &co, NULL), MC_OK);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    assert_int_equal(mc_frame_regularize(history, &ro, NULL), MC_OK);
    int64_t times[HORIZON];
    double values[HORIZON * 3];
    assert_int_equal(mc_model_forecast(m, history, NULL, times, values, NULL), MC_OK);
    p = strchr(r.out, '\n') + 1;
    for (size_t k = 0; k < HORIZON; k++) {
        double fc, q1, q5, q9;
        assert_int_equal(sscanf(p, "%*[^,],%*[^,],%lf,%lf,%lf,%lf", &fc, &q1, &q5, &q9), 4);
        assert_true(q1 == values[3 * k] && q5 == values[3 * k + 1] && q9 == values[3 * k + 2]);
        p = strchr(p, '\n') + 1;
    }
    mc_frame_free(history);
    mc_model_free(m);
    result_free(&r);

    /* The backtest's forecasts file has every quantile of the model. */
    char path[4300];
    snprintf(path, sizeof path, "%s.forecasts.csv", model);
    r = RUN("backtest", "--csv", train.path, "--target", "load", "--future", "temperature",
            "--lookback", "48", "--horizon", "12", "--hidden", "8", "--epochs", "2",
            "--samples-per-epoch", "256", "--test-days", "6", "--loss=pinball", "--quiet",
            "--intervals", "0.5", "--interval-window", "3", "--forecasts", path);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "Prediction intervals (rolling conformal");
    assert_contains(r.out, "\nmaskcast (");
    result_free(&r);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *text = slurp(f);
    assert_true(strncmp(text, "origin,target_time,step,actual,maskcast,maskcast_q0.1,"
                              "maskcast_q0.5,maskcast_q0.9,maskcast_lo50,maskcast_hi50,naive,",
                        116) == 0);
    /* maskcast is its q0.5, and the quantiles are ordered, on every row. */
    size_t rows = 0, with_interval = 0;
    for (const char *line = strchr(text, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        double actual, point, q1, q5, q9, lo, hi;
        const int got = sscanf(line, "%*[^,],%*[^,],%*[^,],%lf,%lf,%lf,%lf,%lf,%lf,%lf", &actual,
                               &point, &q1, &q5, &q9, &lo, &hi);
        assert_true(got == 5 || got == 7); /* the first origins have no interval yet */
        assert_true(point == q5 && q1 <= q5 && q5 <= q9);
        if (got == 7) {
            assert_true(lo <= hi);
            with_interval++;
        }
        rows++;
    }
    assert_int_equal(rows, 6 * HORIZON);
    /* Origins a day apart forecast 12 steps, so every earlier origin's errors
       are known; the 0.5 interval needs 3 of them (ranks 1 and 3 of 3): the
       last 3 of the 6 origins have one. */
    assert_int_equal(with_interval, 3 * HORIZON);

    /* --calibrate-quantiles: the quantiles move (past the first origins), stay
       ordered, and the point forecast stays the raw median. */
    char calibrated[4400];
    snprintf(calibrated, sizeof calibrated, "%s.calibrated.csv", model);
    r = RUN("backtest", "--csv", train.path, "--target", "load", "--future", "temperature",
            "--lookback", "48", "--horizon", "12", "--hidden", "8", "--epochs", "2",
            "--samples-per-epoch", "256", "--test-days", "6", "--loss=pinball", "--quiet",
            "--calibrate-quantiles", "--quantile-window", "3", "--forecasts", calibrated);
    assert_int_equal(r.status, 0);
    result_free(&r);
    f = fopen(calibrated, "r");
    assert_non_null(f);
    char *cal = slurp(f);
    size_t moved = 0;
    for (const char *a = strchr(text, '\n') + 1, *b = strchr(cal, '\n') + 1; *a && *b;
         a = strchr(a, '\n') + 1, b = strchr(b, '\n') + 1) {
        double pa, qa[3], pb, qb[3];
        assert_int_equal(sscanf(a, "%*[^,],%*[^,],%*[^,],%*[^,],%lf,%lf,%lf,%lf", &pa, &qa[0],
                                &qa[1], &qa[2]), 4);
        assert_int_equal(sscanf(b, "%*[^,],%*[^,],%*[^,],%*[^,],%lf,%lf,%lf,%lf", &pb, &qb[0],
                                &qb[1], &qb[2]), 4);
        assert_true(pa == pb && pb == qa[1]); /* the point forecast: the raw median */
        assert_true(qb[0] <= qb[1] && qb[1] <= qb[2]);
        moved += qa[0] != qb[0] || qa[2] != qb[2];
    }
    assert_true(moved > 0);
    free(cal);
    unlink(calibrated);
    free(text);
    unlink(path);
    unlink(model);
    unlink(train.path);
    unlink(hist.path);
}

/* forecast --intervals: the model's own offsets around its forecast, in CSV
   and JSON; inspect says how many errors; backtest measures them. */
static void test_forecast_intervals(void **state)
{
    (void)state;
    temp_csv train, hist;
    write_series(&train, ROWS, 0);
    write_series(&hist, ROWS, HORIZON);
    char model[4200];
    model_path(model, sizeof model);
    train_small(train.path, model, NULL);

    cli_result r = RUN("forecast", "-m", model, "--csv", hist.path, "--intervals", "0.8,0.95");
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "timestamp,horizon,forecast,lo80,hi80,lo95,hi95\n", 47) == 0);
    mc_model *m = NULL;
    assert_int_equal(mc_model_load(&m, model, NULL), MC_OK);
    assert_true(mc_model_calibration_origins(m) > 39); /* enough for 95% */
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    const char *covs[] = {"temperature"};
    co.target_column = "load";
    co.covariates = covs;
    co.n_covariates = 1;
    mc_frame *history = NULL;
    assert_int_equal(mc_frame_read_csv(&history, hist.path, &co, NULL), MC_OK);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    assert_int_equal(mc_frame_regularize(history, &ro, NULL), MC_OK);
    int64_t times[HORIZON];
    double values[HORIZON], lo80[HORIZON], hi80[HORIZON], lo95[HORIZON], hi95[HORIZON];
    assert_int_equal(mc_model_forecast(m, history, NULL, times, values, NULL), MC_OK);
    assert_int_equal(mc_model_interval_offsets(m, 0.8, lo80, hi80, NULL), MC_OK);
    assert_int_equal(mc_model_interval_offsets(m, 0.95, lo95, hi95, NULL), MC_OK);
    const char *p = strchr(r.out, '\n') + 1;
    for (size_t k = 0; k < HORIZON; k++) {
        double fc, a, b, c, d;
        assert_int_equal(sscanf(p, "%*[^,],%*[^,],%lf,%lf,%lf,%lf,%lf", &fc, &a, &b, &c, &d), 5);
        assert_true(fc == values[k]);
        assert_true(a == values[k] + lo80[k] && b == values[k] + hi80[k]);
        assert_true(c == values[k] + lo95[k] && d == values[k] + hi95[k]);
        assert_true(c <= a && a <= b && b <= d);
        p = strchr(p, '\n') + 1;
    }
    result_free(&r);

    r = RUN("forecast", "-m", model, "--csv", hist.path, "--intervals", "0.8", "--json");
    assert_int_equal(r.status, 0);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "forecasts"), 0);
    const cJSON *b80 = cJSON_GetObjectItem(cJSON_GetObjectItem(first, "intervals"), "0.8");
    assert_true(cJSON_GetObjectItem(b80, "lower")->valuedouble == values[0] + lo80[0]);
    assert_true(cJSON_GetObjectItem(b80, "upper")->valuedouble == values[0] + hi80[0]);
    cJSON_Delete(o);
    result_free(&r);

    /* --interval-source rolling: the history's own recent errors, one a day. */
    r = RUN("forecast", "-m", model, "--csv", hist.path, "--intervals", "0.8",
            "--interval-source", "rolling", "--interval-window", "10");
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    {
        const double level = 0.8;
        double rlo[HORIZON], rhi[HORIZON];
        size_t used = 0, earliest = 0;
        assert_int_equal(mc_history_interval_offsets(m, history, 24, 10, &level, 1, rlo, rhi,
                                                     &used, &earliest, NULL),
                         MC_OK);
        assert_int_equal(used, 10); /* 80% needs 9 errors */
        /* the model trained on those very days: said */
        assert_contains(r.err, "warning: the model was trained on data up to");
        const char *q = strchr(r.out, '\n') + 1;
        for (size_t k = 0; k < HORIZON; k++) {
            double fc, a, b;
            assert_int_equal(sscanf(q, "%*[^,],%*[^,],%lf,%lf,%lf", &fc, &a, &b), 3);
            assert_true(a == values[k] + rlo[k] && b == values[k] + rhi[k]);
            q = strchr(q, '\n') + 1;
        }
    }
    result_free(&r);
    /* A level with too few errors: empty bounds, and a word on why. */
    r = RUN("forecast", "-m", model, "--csv", hist.path, "--intervals", "0.95",
            "--interval-source", "rolling", "--interval-window", "10");
    assert_int_equal(r.status, 0);
    assert_contains(r.err, "the 95% interval is empty at 12 of 12 steps");
    result_free(&r);
    r = RUN("forecast", "-m", model, "--csv", hist.path, "--intervals", "0.8,0.8000001");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "the level 80% is given twice");
    result_free(&r);
    r = RUN("forecast", "-m", model, "--csv", hist.path, "--intervals", "0.8",
            "--interval-source", "recent");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "expected model or rolling");
    result_free(&r);

    r = RUN("forecast", "-m", model, "--csv", hist.path, "--intervals", "0.8,1");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "invalid --intervals '0.8,1'");
    result_free(&r);

    r = RUN("inspect", "-m", model);
    assert_int_equal(r.status, 0);
    char line[128];
    snprintf(line, sizeof line, "split conformal from %zu validation origins",
             mc_model_calibration_origins(m));
    assert_contains(r.out, line);
    result_free(&r);

    /* The backtest with the models' own intervals: the model's rows only. */
    r = RUN("backtest", "--csv", train.path, "--target", "load", "--future", "temperature",
            "--lookback", "48", "--horizon", "12", "--hidden", "8", "--epochs", "2",
            "--samples-per-epoch", "256", "--test-days", "4", "--quiet", "--intervals", "0.8",
            "--interval-source", "model");
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "Prediction intervals (each model's own");
    const char *table = strstr(r.out, "Prediction intervals");
    assert_non_null(strstr(table, "\nmaskcast ("));
    assert_null(strstr(table, "\nnaive"));
    result_free(&r);
    r = RUN("backtest", "--csv", train.path, "--target", "load", "--intervals", "0.8",
            "--interval-source", "recent");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "invalid --interval-source 'recent'");
    result_free(&r);

    mc_frame_free(history);
    mc_model_free(m);
    unlink(model);
    unlink(train.path);
    unlink(hist.path);
}

/* A column may be a past input and a known-future one at once (measured
   temperature before the origin, its forecast after): forecast reads it once. */
static void test_column_both_past_and_future(void **state)
{
    (void)state;
    temp_csv train, hist;
    write_series(&train, ROWS, 0);
    write_series(&hist, ROWS, HORIZON);
    char model[4200];
    model_path(model, sizeof model);
    train_small(train.path, model, "--past=temperature");
    cli_result r = RUN("forecast", "-m", model, "--csv", hist.path);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    size_t lines = 0;
    for (const char *p = r.out; *p != '\0'; p++)
        lines += *p == '\n';
    assert_int_equal(lines, HORIZON + 1);
    result_free(&r);
    unlink(model);
    unlink(train.path);
    unlink(hist.path);
}

/* Masks from horizon embeddings, end to end: the rank reaches the file,
   inspect names it and lists the embedding tensors, forecasts come out. */
static void test_horizon_embeddings(void **state)
{
    (void)state;
    temp_csv train, hist;
    write_series(&train, ROWS, 0);
    write_series(&hist, ROWS, HORIZON);
    char model[4200];
    model_path(model, sizeof model);
    train_small(train.path, model, "--horizon-rank=3");
    cli_result r = RUN("inspect", "-m", model);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "horizon masks on (sigmoid, from horizon embeddings of rank 3)");
    assert_contains(r.out, "horizon.U  [8, 3]");
    assert_contains(r.out, "horizon.E  [12, 3]");
    assert_contains(r.out, "horizon.W2 [3, 8]");
    assert_true(strstr(r.out, "horizon.W ") == NULL);
    result_free(&r);
    r = RUN("forecast", "-m", model, "--csv", hist.path);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "\n2024-02-21 23:00:00,12,");
    result_free(&r);
    unlink(model);
    unlink(train.path);
    unlink(hist.path);
}

/* tune: every combination of the tried values scored in the table, the one
   of least MAPE written, trained on all the data with those values; tried
   values are checked before any run, and data columns cannot be tried. */
static void test_tune(void **state)
{
    (void)state;
    temp_csv train;
    write_series(&train, ROWS, 0);
    char model[4200];
    model_path(model, sizeof model);
    cli_result r = RUN("tune", "--csv", train.path, "--target", "load", "--future", "temperature",
                       "--lookback", "48", "--horizon", "12", "--epochs", "2",
                       "--samples-per-epoch", "256", "--test-days", "5", "--try", "hidden=4,8",
                       "--try", "mask_penalty=0.1,0.3,1", "-o", model);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "6 configurations");
    /* The table's rows, and the best by MAPE. */
    double best = INFINITY;
    int best_row = 0;
    char best_hidden[16] = "";
    for (int row = 1; row <= 6; row++) {
        char key[8];
        snprintf(key, sizeof key, "\n%d ", row);
        const char *line = strstr(r.out, key);
        assert_non_null(line);
        int n = 0;
        char hidden[16], penalty[16], kept[16];
        double mape = NAN, mae = NAN;
        assert_int_equal(sscanf(line + 1, "%d %15s %15s %lf %lf %15s", &n, hidden, penalty, &mape,
                                &mae, kept),
                         6);
        assert_int_equal(n, row);
        assert_true(strcmp(hidden, row <= 3 ? "4" : "8") == 0);
        if (mape < best) {
            best = mape;
            best_row = row;
            snprintf(best_hidden, sizeof best_hidden, "%s", hidden);
        }
    }
    char expect[64];
    snprintf(expect, sizeof expect, "best: #%d;", best_row);
    assert_contains(r.out, expect);
    result_free(&r);
    r = RUN("inspect", "-m", model, "--json");
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    char *text = cJSON_PrintUnformatted(j);
    char want[64];
    snprintf(want, sizeof want, "\"hidden\":%s", best_hidden);
    assert_contains(text, want);
    cJSON_free(text);
    cJSON_Delete(j);
    result_free(&r);
    unlink(model);
    /* Refused before anything runs: a bad value, a column list, no such option. */
    r = RUN("tune", "--csv", train.path, "--target", "load", "--try", "hidden=8,x", "-o", model);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "invalid --try 'hidden=8,x'");
    assert_string_equal(r.out, "");
    result_free(&r);
    r = RUN("tune", "--csv", train.path, "--target", "load", "--try", "future=temperature", "-o",
            model);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "cannot be tried");
    result_free(&r);
    r = RUN("tune", "--csv", train.path, "--target", "load", "--try", "width=3", "-o", model);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "no such option");
    result_free(&r);
    assert_int_equal(access(model, F_OK), -1); /* nothing written */
    unlink(train.path);
}

static void test_bad_model_files(void **state)
{
    (void)state;
    temp_csv junk;
    temp_write(&junk, "this is not a model file at all, just text");
    cli_result r = RUN("inspect", "-m", junk.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, junk.path);
    result_free(&r);
    r = RUN("forecast", "-m", "/nonexistent/model.safetensors", "--csv", junk.path);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "/nonexistent/model.safetensors");
    result_free(&r);
    unlink(junk.path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_teaches_every_option),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_train_inspect_forecast),
        cmocka_unit_test(test_quantile_model_columns),
        cmocka_unit_test(test_train_from_until),
        cmocka_unit_test(test_forecast_intervals),
        cmocka_unit_test(test_column_both_past_and_future),
        cmocka_unit_test(test_horizon_embeddings),
        cmocka_unit_test(test_tune),
        cmocka_unit_test(test_bad_model_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
