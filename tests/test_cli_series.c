/* End-to-end tests of many series on the command line: a long file with a
   series column, files of one series each, a wide file; a global model's
   forecasts against its views' through the library on each series read
   alone; per-series backtests against backtests of each file alone. */
#include "cli_util.h"

#include <math.h>
#include <unistd.h>

#include "maskcast/maskcast.h"

#define TWO_PI 6.283185307179586
enum { DAYS = 20, ROWS = DAYS * 24, FUTURE = 12 };

static const char *NAMES[3] = {"north", "south", "far west"};
static const double SCALE[3] = {1.0, 4.0, 0.25};

static double load_of(size_t s, size_t h)
{
    const double base = 900.0 + 150.0 * sin(TWO_PI * ((double)(h % 24) - 7.0 - (double)s) / 24.0) +
                        (double)((h * 7919 + s * 31) % 23) - 11.0;
    return SCALE[s] * base + 50.0 * (double)s;
}

static double temp_of(size_t h) { return 10.0 + 6.0 * sin(TWO_PI * (double)h / 150.0); }

static void stamp(size_t h, char *out, size_t size)
{
    const size_t day = 1 + h / 24;
    snprintf(out, size, "2022-03-%02zu %02zu:00:00", day, h % 24);
}

/* The long file: rows interleaved by time, the last FUTURE hours of each
   series without load (the forecast's known future). */
static void write_long(temp_csv *t)
{
    FILE *f = temp_open(t);
    fputs("time,zone,load,temp\n", f);
    for (size_t h = 0; h < ROWS; h++)
        for (size_t s = 0; s < 3; s++) {
            char when[32];
            stamp(h, when, sizeof when);
            fprintf(f, "%s,\"%s\",", when, NAMES[s]);
            if (h + FUTURE < ROWS)
                fprintf(f, "%.3f", load_of(s, h));
            fprintf(f, ",%.2f\n", temp_of(h));
        }
    assert_int_equal(fclose(f), 0);
}

/* Series s alone, in a file of its own named NAME.csv in `dir`. */
static void write_one(char *path, size_t size, const char *dir, size_t s, const char *name)
{
    snprintf(path, size, "%s/%s.csv", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "time,mw_%zu,temp\n", s);
    for (size_t h = 0; h < ROWS; h++) {
        char when[32];
        stamp(h, when, sizeof when);
        fprintf(f, "%s,", when);
        if (h + FUTURE < ROWS)
            fprintf(f, "%.3f", load_of(s, h));
        fprintf(f, ",%.2f\n", temp_of(h));
    }
    assert_int_equal(fclose(f), 0);
}

static void make_dir(char *dir, size_t size)
{
    snprintf(dir, size, "%s/mc_cli_series_XXXXXX", tmp_dir());
    assert_non_null(mkdtemp(dir));
}

#define TRAIN_OPTS "--lookback", "48", "--horizon", "12", "--hidden", "8", "--epochs", "2", \
                   "--samples-per-epoch", "256", "--no-linear-candidate", "-q"

static void check_ok(const cli_result *r)
{
    if (r->status != 0)
        print_error("exit %d\n%s\n", r->status, r->err);
    assert_int_equal(r->status, 0);
}

/* A series' frame read alone through the library, for comparisons. */
static mc_frame *read_alone(const char *path)
{
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    const char *cov[] = {"temp"};
    co.covariates = cov;
    co.n_covariates = 1;
    mc_frame *f = NULL;
    assert_int_equal(mc_frame_read_csv(&f, path, &co, NULL), MC_OK);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    assert_int_equal(mc_frame_regularize(f, &ro, NULL), MC_OK);
    return f;
}

static void global_model_train_and_forecast(void **state)
{
    (void)state;
    char dir[4096], model[4200], stat[4200], one[3][4200];
    make_dir(dir, sizeof dir);
    temp_csv longf;
    write_long(&longf);
    snprintf(model, sizeof model, "%s/global.st", dir);
    snprintf(stat, sizeof stat, "%s/static.csv", dir);
    FILE *sf = fopen(stat, "w");
    assert_non_null(sf);
    fputs("zone,class\nfar west,2\nnorth,1\nsouth,1\nelsewhere,3\n", sf);
    assert_int_equal(fclose(sf), 0);
    for (size_t s = 0; s < 3; s++) {
        char name[16];
        snprintf(name, sizeof name, "alone%zu", s);
        write_one(one[s], sizeof one[s], dir, s, name);
    }

    cli_result r = RUN("train", "--csv", longf.path, "--series", "zone", "--target", "load",
                       "--future", "temp", "--static", stat, TRAIN_OPTS, "-o", model);
    check_ok(&r);
    result_free(&r);
    mc_model *g = NULL;
    assert_int_equal(mc_model_load(&g, model, NULL), MC_OK);
    assert_int_equal(mc_model_series(g), 3);
    for (size_t s = 0; s < 3; s++)
        assert_string_equal(mc_model_series_name(g, s), NAMES[s]);

    /* every series' forecast, each as its view forecasts its file alone */
    r = RUN("forecast", "-m", model, "--csv", longf.path, "--series", "zone");
    check_ok(&r);
    assert_non_null(strstr(r.out, "series,timestamp,horizon,forecast\n"));
    for (size_t s = 0; s < 3; s++) {
        mc_model *v = NULL;
        assert_int_equal(mc_model_for_series(&v, g, NAMES[s], NULL), MC_OK);
        mc_frame *f = read_alone(one[s]);
        int64_t times[12];
        double values[12];
        assert_int_equal(mc_model_forecast(v, f, NULL, times, values, NULL), MC_OK);
        for (size_t k = 0; k < 12; k++) {
            /* the k-th row of series s: its forecast column */
            char prefix[64];
            snprintf(prefix, sizeof prefix, "\n%s,", NAMES[s]);
            const char *row = strstr(r.out, prefix);
            assert_non_null(row);
            for (size_t j = 0; j < k; j++)
                row = strchr(row + 1, '\n');
            double got = NAN;
            size_t step = 0;
            char when[40];
            assert_int_equal(sscanf(row + strlen(prefix), "%39[^,],%zu,%lf", when, &step, &got), 3);
            assert_int_equal(step, k + 1);
            assert_true(got == values[k]); /* the same computation */
        }
        mc_frame_free(f);
        mc_model_free(v);
    }
    result_free(&r);

    /* one series by --only: the plain output, the rows the pooled one gives it */
    cli_result all = RUN("forecast", "-m", model, "--csv", longf.path, "--series", "zone");
    check_ok(&all);
    r = RUN("forecast", "-m", model, "--csv", longf.path, "--series", "zone", "--only", "south");
    check_ok(&r);
    assert_true(strncmp(r.out, "timestamp,horizon,forecast\n", 27) == 0);
    for (const char *row = strchr(r.out, '\n') + 1; *row; row = strchr(row, '\n') + 1) {
        char line[256];
        snprintf(line, sizeof line, "\nsouth,%.*s\n", (int)(strchr(row, '\n') - row), row);
        assert_non_null(strstr(all.out, line));
    }
    result_free(&r);
    result_free(&all);
    r = RUN("forecast", "-m", model, "--csv", longf.path, "--series", "zone", "--only", "south",
            "--json");
    check_ok(&r);
    assert_non_null(strstr(r.out, "\"forecasts\""));
    result_free(&r);

    /* refusals: no series column, an unknown series, a static file missing one */
    r = RUN("forecast", "-m", model, "--csv", longf.path);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "global model of 3 series"));
    result_free(&r);
    r = RUN("forecast", "-m", model, "--csv", longf.path, "--series", "zone", "--only", "east");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "east"));
    result_free(&r);
    /* anomalies: every series, each its strongest value as --only finds it */
    r = RUN("anomalies", "-m", model, "--csv", longf.path, "--series", "zone", "--threshold", "0",
            "--top", "1");
    check_ok(&r);
    assert_true(strncmp(r.out, "series,timestamp,value,score", 28) == 0);
    for (size_t s = 0; s < 3; s++) {
        cli_result alone = RUN("anomalies", "-m", model, "--csv", longf.path, "--series", "zone",
                               "--only", NAMES[s], "--threshold", "0", "--top", "1");
        check_ok(&alone);
        const char *row = strchr(alone.out, '\n') + 1; /* its one listed value */
        char line[256];
        snprintf(line, sizeof line, "\n%s,%.*s", NAMES[s], (int)(strchr(row, '\n') - row), row);
        assert_non_null(strstr(r.out, line));
        result_free(&alone);
    }
    result_free(&r);
    /* explain: every series, each the scores --only gives it */
    r = RUN("explain", "-m", model, "--csv", longf.path, "--series", "zone", "--days", "3");
    check_ok(&r);
    assert_true(strncmp(r.out, "series,horizon,group", 20) == 0);
    cli_result south = RUN("explain", "-m", model, "--csv", longf.path, "--series", "zone",
                           "--only", "south", "--days", "3");
    check_ok(&south);
    const char *body = strchr(south.out, '\n') + 1;
    for (const char *row = body; *row; row = strchr(row, '\n') + 1) {
        char line[512];
        snprintf(line, sizeof line, "\nsouth,%.*s\n", (int)(strchr(row, '\n') - row), row);
        assert_non_null(strstr(r.out, line));
    }
    result_free(&south);
    result_free(&r);
    r = RUN("explain", "-m", model, "--csv", longf.path, "--series", "zone", "--report", "x.html");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--only"));
    result_free(&r);
    r = RUN("train", "--csv", one[0], "--static", stat, TRAIN_OPTS, "-o", model);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--static is for many series"));
    result_free(&r);

    mc_model_free(g);
    for (size_t s = 0; s < 3; s++)
        remove(one[s]);
    remove(stat);
    remove(model);
    remove(longf.path);
    rmdir(dir);
}

/* The bytes of the file at `path`. */
static char *read_bytes(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    const long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    char *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return b;
}

/* Counts lines of `text`. */
static size_t lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static void backtests(void **state)
{
    (void)state;
    char dir[4096], one[3][4200], fc[4200], fc1[4200];
    make_dir(dir, sizeof dir);
    for (size_t s = 0; s < 3; s++)
        write_one(one[s], sizeof one[s], dir, s, NAMES[s] + (s == 2 ? 4 : 0));
    snprintf(fc, sizeof fc, "%s/forecasts.csv", dir);
    snprintf(fc1, sizeof fc1, "%s/forecasts1.csv", dir);

    /* a global model over the three files, each a series named by its file */
    cli_result r = RUN("backtest", "--csv", one[0], "--csv", one[1], "--csv", one[2], "--future",
                       "temp", "--test-days", "3", TRAIN_OPTS, "--forecasts", fc);
    check_ok(&r);
    assert_non_null(strstr(r.out, "One global model over 3 series"));
    assert_non_null(strstr(r.out, "\nnorth "));
    assert_non_null(strstr(r.out, "\nwest "));
    assert_non_null(strstr(r.out, "all (MAPE)"));
    result_free(&r);
    FILE *f = fopen(fc, "r");
    assert_non_null(f);
    char *text = slurp(f);
    /* the header, then 3 series x 3 origins (the last 3 days) x 12 steps */
    assert_true(strncmp(text, "series,origin,target_time,step,actual,maskcast", 46) == 0);
    assert_int_equal(lines(text), 1 + 3 * 3 * 12);
    free(text);

    /* one model per series: each series' forecasts are those of its file alone */
    r = RUN("backtest", "--csv", one[0], "--csv", one[1], "--future", "temp", "--test-days", "3",
            "--per-series", TRAIN_OPTS, "--forecasts", fc);
    check_ok(&r);
    assert_non_null(strstr(r.out, "One model per series over 2 series"));
    result_free(&r);
    r = RUN("backtest", "--csv", one[1], "--future", "temp", "--test-days", "3", TRAIN_OPTS,
            "--forecasts", fc1);
    check_ok(&r);
    result_free(&r);
    f = fopen(fc, "r");
    assert_non_null(f);
    char *both = slurp(f);
    f = fopen(fc1, "r");
    assert_non_null(f);
    char *alone = slurp(f);
    /* the south rows of the pooled file, without their series column, are the file alone's */
    const char *south = strstr(both, "\nsouth,");
    assert_non_null(south);
    const char *body = strchr(alone, '\n') + 1;
    for (size_t k = 0; k < 3 * 12; k++) {
        const char *row = south + 1 + strlen("south,");
        const char *end = strchr(row, '\n'), *end1 = strchr(body, '\n');
        assert_int_equal(end - row, end1 - body);
        assert_memory_equal(row, body, (size_t)(end - row));
        south = end;
        body = end1 + 1;
    }
    free(both);
    free(alone);

    /* train --per-series: a model per series in a directory, each the bytes
       of the model trained on its file alone */
    char models[4200], alone_model[4200], path[4300];
    snprintf(models, sizeof models, "%s/models", dir);
    snprintf(alone_model, sizeof alone_model, "%s/alone.st", dir);
    r = RUN("train", "--csv", one[0], "--csv", one[1], "--future", "temp", "--per-series",
            TRAIN_OPTS, "-o", models, "--json");
    check_ok(&r);
    assert_non_null(strstr(r.out, "\"series\":\t\"south\""));
    result_free(&r);
    r = RUN("train", "--csv", one[1], "--future", "temp", TRAIN_OPTS, "-o", alone_model);
    check_ok(&r);
    result_free(&r);
    snprintf(path, sizeof path, "%s/south.safetensors", models);
    size_t n_per = 0, n_own = 0;
    char *per = read_bytes(path, &n_per), *own = read_bytes(alone_model, &n_own);
    assert_true(n_per > 1000);
    assert_int_equal(n_per, n_own);
    assert_memory_equal(per, own, n_per);
    free(per);
    free(own);
    remove(path);
    snprintf(path, sizeof path, "%s/north.safetensors", models);
    assert_int_equal(remove(path), 0);
    rmdir(models);
    remove(alone_model);
    r = RUN("train", "--csv", one[1], "--per-series", TRAIN_OPTS, "-o", models);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--per-series trains many series"));
    result_free(&r);

    /* a wide file: two load columns, a series each */
    temp_csv wide;
    FILE *w = temp_open(&wide);
    fputs("time,a,b,temp\n", w);
    for (size_t h = 0; h + FUTURE < ROWS; h++) {
        char when[32];
        stamp(h, when, sizeof when);
        fprintf(w, "%s,%.3f,%.3f,%.2f\n", when, load_of(0, h), load_of(1, h), temp_of(h));
    }
    assert_int_equal(fclose(w), 0);
    r = RUN("backtest", "--csv", wide.path, "--target", "a,b", "--test-days", "2",
            "--no-baselines", TRAIN_OPTS);
    check_ok(&r);
    assert_non_null(strstr(r.out, "\na "));
    assert_non_null(strstr(r.out, "\nb "));
    result_free(&r);
    /* and the layouts that cannot be read together */
    r = RUN("backtest", "--csv", wide.path, "--target", "a,b", "--series", "zone");
    assert_int_equal(r.status, 2);
    result_free(&r);

    remove(wide.path);
    remove(fc);
    remove(fc1);
    for (size_t s = 0; s < 3; s++)
        remove(one[s]);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(global_model_train_and_forecast),
        cmocka_unit_test(backtests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
