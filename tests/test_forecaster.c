/* Forecasting workspaces: a forecaster gives bit-for-bit the forecasts of
   the full-series prediction path, and 8 threads forecasting at once from
   one loaded model, each with its own forecaster, give bit-for-bit the
   single-threaded results. Built under ThreadSanitizer by `.ci/test tsan`. */
#include "test_util.h"

#include <pthread.h>
#include <stdlib.h>

#include "maskcast/maskcast.h"
#include "train/bind.h"

enum {
    ROWS = 24 * 50,   /* hourly, 50 days */
    H = 24,
    HISTORIES = 24,   /* histories of different lengths, each forecast by every thread */
    THREADS = 8,
    ROUNDS = 3
};

static const char *FUTURE[] = {"temp"};
static const double TWO_PI = 6.283185307179586;

/* A load series with a daily shape, a weekly one and a temperature
   dependence, plus noise from a fixed linear congruential generator. */
typedef struct synthetic {
    int64_t times[ROWS];
    double load[ROWS], temp[ROWS];
} synthetic;

static void make_synthetic(synthetic *s)
{
    uint64_t state = 2385;
    for (size_t i = 0; i < ROWS; i++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        const double noise = (double)(state >> 11) / 9007199254740992.0 - 0.5;
        const double day = TWO_PI * (double)(i % 24) / 24.0;
        s->times[i] = 1704067200 + 3600 * (int64_t)i; /* 2024-01-01 00:00 */
        s->temp[i] = 6.5 + 4.25 * sin(day - 1.3) + 0.02 * (double)(i / 24);
        s->load[i] = 1210.0 + 180.0 * sin(day - 2.1) - 95.0 * ((i / 24) % 7 >= 5) -
                     7.5 * s->temp[i] + 23.0 * noise;
    }
}

/* The first `rows` rows as a regularised frame; the last H rows keep the
   temperature (known ahead) but not the load. */
static mc_frame *history_frame(const synthetic *s, size_t rows, bool hide_last)
{
    double *load = malloc(rows * sizeof *load);
    assert_non_null(load);
    for (size_t i = 0; i < rows; i++)
        load[i] = hide_last && i + H >= rows ? NAN : s->load[i];
    const char *names[2] = {"load", "temp"};
    const double *cols[2] = {load, s->temp};
    mc_frame *f = NULL;
    mc_error err;
    assert_int_equal(mc_frame_from_arrays(&f, s->times, NULL, rows, names, cols, 2, &err), MC_OK);
    free(load);
    mc_regularize_options ropt;
    mc_regularize_options_defaults(&ropt);
    ropt.long_fill = MC_LONG_FILL_NONE;
    assert_int_equal(mc_frame_regularize(f, &ropt, &err), MC_OK);
    return f;
}

/* A small quantile model trained on the series, saved and loaded back: the
   model the threads share is one read from a file's bytes. */
static mc_model *trained_model(const synthetic *s)
{
    mc_frame *f = history_frame(s, ROWS, false);
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = 48;
    mo.window.horizon = H;
    mo.network.hidden = 16;
    mo.loss.kind = MC_LOSS_PINBALL;
    mo.features.future = FUTURE;
    mo.features.n_future = 1;
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = 2;
    to.batch_size = 64;
    to.samples_per_epoch = 256;
    to.seed = 2385;
    mc_error err;
    mc_model *trained = NULL, *loaded = NULL;
    mc_status st = mc_model_train(&trained, f, &mo, &to, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    void *bytes = NULL;
    size_t size = 0;
    assert_int_equal(mc_model_save_buffer(trained, &bytes, &size, &err), MC_OK);
    assert_int_equal(mc_model_load_buffer(&loaded, bytes, size, "model", &err), MC_OK);
    free(bytes);
    mc_model_free(trained);
    mc_frame_free(f);
    return loaded;
}

typedef struct fixture {
    synthetic series;
    mc_model *model;
    size_t Q;
    mc_frame *histories[HISTORIES];
    int64_t times[HISTORIES][H];
    double *values[HISTORIES]; /* (H x Q) single-threaded reference */
} fixture;

static int setup(void **state)
{
    /* OpenBLAS is not built with ThreadSanitizer. With several BLAS threads,
       its workers hand results back through spin-waits on plain flags that
       TSan cannot see, so TSan would report OpenBLAS's own hand-over as races
       on our buffers (or lose track of them). One BLAS thread per calling
       thread keeps every product on the thread that asked for it; it is also
       what a program forecasting from its own threads should choose. */
    mc_set_blas_threads(1);
    fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    make_synthetic(&fx->series);
    fx->model = trained_model(&fx->series);
    fx->Q = mc_model_quantiles(fx->model);
    for (size_t k = 0; k < HISTORIES; k++) {
        fx->histories[k] = history_frame(&fx->series, 400 + 31 * k, true);
        fx->values[k] = malloc(H * fx->Q * sizeof(double));
        if (fx->values[k] == NULL)
            return -1;
        mc_error err;
        if (mc_model_forecast(fx->model, fx->histories[k], NULL, fx->times[k], fx->values[k],
                              &err) != MC_OK) {
            print_error("%s\n", err.message);
            return -1;
        }
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    for (size_t k = 0; k < HISTORIES; k++) {
        mc_frame_free(fx->histories[k]);
        free(fx->values[k]);
    }
    mc_model_free(fx->model);
    free(fx);
    return 0;
}

/* The forecaster reads a window of L + H rows; the full-series path binds the
   whole history and predicts at its origin. Both must agree bit for bit. */
static void test_same_as_full_series(void **state)
{
    fixture *fx = *state;
    assert_int_equal(mc_blas_threads(), 1);
    assert_int_equal(fx->Q, 3);
    mc_forecaster *fc = NULL;
    mc_error err;
    assert_int_equal(mc_forecaster_create(&fc, fx->model, &err), MC_OK);
    assert_ptr_equal(mc_forecaster_model(fc), fx->model);
    double *got = malloc(H * fx->Q * sizeof *got), *want = malloc(H * fx->Q * sizeof *want);
    assert_non_null(got);
    assert_non_null(want);
    for (size_t k = 0; k < HISTORIES; k++) {
        const mc_frame *h = fx->histories[k];
        int64_t times[H];
        assert_int_equal(mc_forecaster_run(fc, h, NULL, times, got, &err), MC_OK);
        mc_bound b;
        assert_int_equal(mc_model_bind(&b, fx->model, h, mc_frame_rows(h), &err), MC_OK);
        const size_t origin = mc_frame_rows(h) - H;
        assert_int_equal(mc_model_predict(fx->model, &b.series, &origin, 1, want, NULL, &err),
                         MC_OK);
        mc_bound_free(&b);
        assert_memory_equal(got, want, H * fx->Q * sizeof *got);
        assert_memory_equal(got, fx->values[k], H * fx->Q * sizeof *got);
        for (size_t i = 0; i < H; i++)
            assert_int_equal(times[i], mc_frame_times(h)[origin + i]);
        for (size_t i = 0; i < H; i++) /* quantiles increase at each step */
            assert_true(got[i * 3] <= got[i * 3 + 1] && got[i * 3 + 1] <= got[i * 3 + 2]);
    }
    free(got);
    free(want);
    mc_forecaster_free(fc);
}

typedef struct worker {
    const fixture *fx;
    size_t id;
    size_t forecasts, mismatches, failures;
} worker;

static void *forecast_all(void *arg)
{
    worker *w = arg;
    const fixture *fx = w->fx;
    mc_forecaster *fc = NULL;
    mc_error err;
    double *values = malloc(H * fx->Q * sizeof *values);
    if (values == NULL || mc_forecaster_create(&fc, fx->model, &err) != MC_OK) {
        free(values);
        w->failures++;
        return NULL;
    }
    for (size_t r = 0; r < ROUNDS; r++) {
        for (size_t n = 0; n < HISTORIES; n++) {
            const size_t k = (n + 5 * w->id + r) % HISTORIES; /* each thread its own order */
            int64_t times[H];
            if (mc_forecaster_run(fc, fx->histories[k], NULL, times, values, &err) != MC_OK) {
                w->failures++;
                continue;
            }
            w->forecasts++;
            if (memcmp(values, fx->values[k], H * fx->Q * sizeof *values) != 0 ||
                memcmp(times, fx->times[k], sizeof times) != 0)
                w->mismatches++;
        }
    }
    mc_forecaster_free(fc);
    free(values);
    return NULL;
}

static void test_threads_share_one_model(void **state)
{
    const fixture *fx = *state;
    pthread_t threads[THREADS];
    worker workers[THREADS];
    for (size_t i = 0; i < THREADS; i++) {
        workers[i] = (worker){.fx = fx, .id = i};
        assert_int_equal(pthread_create(&threads[i], NULL, forecast_all, &workers[i]), 0);
    }
    for (size_t i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (size_t i = 0; i < THREADS; i++) {
        assert_int_equal(workers[i].failures, 0);
        assert_int_equal(workers[i].forecasts, ROUNDS * HISTORIES);
        assert_int_equal(workers[i].mismatches, 0);
    }
}

static void test_refusals(void **state)
{
    fixture *fx = *state;
    mc_error err;
    mc_forecaster *fc = (mc_forecaster *)&fc;
    assert_int_equal(mc_forecaster_create(&fc, NULL, &err), MC_ERR_ARGUMENT);
    assert_null(fc);
    assert_int_equal(mc_forecaster_create(NULL, fx->model, &err), MC_ERR_ARGUMENT);
    assert_null(mc_forecaster_model(NULL));
    mc_forecaster_free(NULL);
    assert_int_equal(mc_forecaster_create(&fc, fx->model, &err), MC_OK);
    int64_t times[H];
    double *values = malloc(H * fx->Q * sizeof *values);
    assert_non_null(values);
    assert_int_equal(mc_forecaster_run(fc, NULL, NULL, times, values, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_forecaster_run(fc, fx->histories[0], NULL, NULL, values, &err),
                     MC_ERR_ARGUMENT);
    assert_int_equal(mc_forecaster_run(NULL, fx->histories[0], NULL, times, values, &err),
                     MC_ERR_ARGUMENT);
    /* Too short a history, then the forecaster still works. */
    mc_frame *shortf = history_frame(&fx->series, 60, true);
    assert_int_equal(mc_forecaster_run(fc, shortf, NULL, times, values, &err), MC_ERR_EMPTY);
    assert_contains(err.message, "too short");
    mc_frame_free(shortf);
    assert_int_equal(mc_forecaster_run(fc, fx->histories[3], NULL, times, values, &err), MC_OK);
    assert_memory_equal(values, fx->values[3], H * fx->Q * sizeof *values);
    free(values);
    mc_forecaster_free(fc);
}

/* What an application needs to prepare a model's data. */
static void test_model_columns(void **state)
{
    const fixture *fx = *state;
    assert_int_equal(mc_model_past_columns(fx->model), 0);
    assert_int_equal(mc_model_future_columns(fx->model), 1);
    assert_string_equal(mc_model_column_name(fx->model, 0), "load");
    assert_string_equal(mc_model_column_name(fx->model, 1), "temp");
    assert_null(mc_model_column_name(fx->model, 2));
    assert_close(mc_model_quantile_level(fx->model, 0), 0.1, 1e-7, 0);
    assert_close(mc_model_quantile_level(fx->model, 1), 0.5, 0, 0);
    assert_close(mc_model_quantile_level(fx->model, 2), 0.9, 1e-7, 0);
    assert_true(isnan(mc_model_quantile_level(fx->model, 3)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_full_series),
        cmocka_unit_test(test_threads_share_one_model),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_model_columns),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
