/*
 * fuzz_forecast: the forecast command's input path, through the public API
 * the way `maskcast forecast` uses it (src/cli/cli_forecast.c): a history
 * CSV with the load, the past inputs and (without a future file) the
 * known-future inputs; optionally a future CSV whose first column after the
 * time is the first known-future input; both read with the same options and
 * regularised; then one forecast.
 *
 * The model is trained once, at start-up, on a synthetic hourly frame: a
 * tiny network (lookback 8, horizon 4, 4 hidden units; two epochs), so that
 * the harness needs no file and every run uses the same model.
 *
 * Input: 2 option bytes, then the history CSV; a NUL byte, when there is
 * one, ends the history and starts the future CSV.
 *
 * Asserts: frames that read and regularise lie on a regular grid; the
 * one-shot mc_model_forecast() and one forecaster run twice give the same
 * status, or the same times and values to the bit; forecasts are finite,
 * increasing across quantiles, at times one step apart after the last
 * observed load.
 */
#include <math.h>
#include <string.h>

#include "fuzz_util.h"

enum { LOOKBACK = 8, HORIZON = 4, HIDDEN = 4, TRAIN_DAYS = 21, STEP = 3600 };

static const char *const PAST[] = {"temperature"};
static const char *const FUTURE[] = {"temp_fc"};
static mc_model *model;

/* Three weeks of hourly load with a daily and a weekly cycle, driven by a
   temperature and its forecast. */
static mc_frame *training_frame(void)
{
    enum { ROWS = TRAIN_DAYS * 24 };
    static int64_t times[ROWS];
    static double load[ROWS], temperature[ROWS], forecast[ROWS];
    for (size_t i = 0; i < ROWS; i++) {
        const double day = 6.283185307179586 * (double)(i % 24) / 24.0;
        const double week = 6.283185307179586 * (double)(i % 168) / 168.0;
        times[i] = INT64_C(1609459200) + (int64_t)i * STEP;
        temperature[i] = 8.25 + 6.5 * sin(day - 2.0) + 0.37 * (double)(i % 7);
        forecast[i] = temperature[i] + 0.125 * cos(week);
        load[i] = 1432.5 + 187.25 * sin(day) + 61.5 * cos(week) - 9.75 * temperature[i];
    }
    const char *names[] = {"load", "temperature", "temp_fc"};
    const double *columns[] = {load, temperature, forecast};
    mc_frame *f = NULL;
    mc_error err;
    FUZZ_ASSERT(mc_frame_from_arrays(&f, times, NULL, ROWS, names, columns, 3, &err) == MC_OK);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    FUZZ_ASSERT(mc_frame_regularize(f, &ro, &err) == MC_OK);
    return f;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mc_set_blas_threads(1); /* the same bits on every machine */
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = LOOKBACK;
    mo.window.horizon = HORIZON;
    mo.network.hidden = HIDDEN;
    mo.features.past = PAST;
    mo.features.n_past = 1;
    mo.features.future = FUTURE;
    mo.features.n_future = 1;
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = 2;
    to.batch_size = 32;
    to.linear_candidate = false; /* the network, not the ridge fallback */
    mc_frame *f = training_frame();
    mc_error err;
    FUZZ_ASSERT(mc_model_train(&model, f, &mo, &to, &err) == MC_OK);
    mc_frame_free(f);
    return 0;
}

/* Reads and regularises like mc_cli_data_load(); NULL after a clean failure. */
static mc_frame *load(const uint8_t *data, size_t size, const char *name,
                      const mc_csv_options *csv, const mc_regularize_options *reg)
{
    /* One read of the whole buffer: chunking is fuzz_csv's business, and the
       default 256 KiB chunk costs two mmaps per read under ASan. */
    mc_csv_options opt = *csv;
    opt.chunk_size = size + 1;
    mc_frame *f = NULL;
    mc_error err;
    mc_status st = mc_frame_read_csv_buffer(&f, data, size, name, &opt, &err);
    if (st == MC_OK && (st = mc_frame_regularize(f, reg, &err)) != MC_OK) {
        mc_frame_free(f);
        f = NULL;
    }
    if (st != MC_OK) {
        fuzz_assert_clean_error(st, &err);
        return NULL;
    }
    fuzz_assert_regular(f);
    return f;
}

static void check_forecasts(const mc_frame *history, const mc_frame *future)
{
    const size_t H = mc_model_horizon(model), Q = mc_model_quantiles(model);
    int64_t times[3][HORIZON];
    double values[3][HORIZON * MC_MAX_QUANTILES];
    mc_error errs[3];
    mc_status st[3];
    st[0] = mc_model_forecast(model, history, future, times[0], values[0], &errs[0]);
    mc_forecaster *fc = NULL;
    FUZZ_ASSERT(mc_forecaster_create(&fc, model, &errs[1]) == MC_OK);
    for (int k = 1; k < 3; k++)
        st[k] = mc_forecaster_run(fc, history, future, times[k], values[k], &errs[k]);
    mc_forecaster_free(fc);
    for (int k = 1; k < 3; k++) {
        FUZZ_ASSERT(st[k] == st[0]);
        if (st[0] == MC_OK) {
            FUZZ_ASSERT(memcmp(times[k], times[0], H * sizeof times[0][0]) == 0);
            FUZZ_ASSERT(memcmp(values[k], values[0], H * Q * sizeof values[0][0]) == 0);
        } else {
            fuzz_assert_same_error(&errs[k], &errs[0]);
        }
    }
    if (st[0] != MC_OK) {
        fuzz_assert_clean_error(st[0], &errs[0]);
        return;
    }
    /* The first target is one step after the last observed load. */
    const int64_t *t = mc_frame_times(history);
    const uint8_t *state = mc_frame_states(history, 0);
    size_t last = mc_frame_rows(history);
    while (state[last - 1] != MC_VALUE_OBSERVED)
        last--;
    FUZZ_ASSERT(times[0][0] == t[last - 1] + STEP);
    for (size_t k = 0; k < H; k++) {
        FUZZ_ASSERT(k == 0 || times[0][k] - times[0][k - 1] == STEP);
        for (size_t q = 0; q < Q; q++) {
            FUZZ_ASSERT(isfinite(values[0][k * Q + q]));
            FUZZ_ASSERT(q == 0 || values[0][k * Q + q - 1] <= values[0][k * Q + q]);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delimiters[] = {0, ',', ';', '\t'};
    fuzz_input in = {data, size};
    const uint8_t b0 = fuzz_byte(&in), b1 = fuzz_byte(&in);
    mc_csv_options csv;
    mc_csv_options_defaults(&csv);
    csv.delimiter = delimiters[b0 % 4];
    csv.decimal = (b0 & 0x04) && csv.delimiter != ',' ? ',' : '.';
    csv.lenient = (b0 & 0x08) != 0;
    csv.time_format = (mc_time_format)((b0 >> 4) % 5);
    mc_regularize_options reg;
    mc_regularize_options_defaults(&reg);
    reg.duplicates = (mc_duplicates)(b1 % 4);
    reg.long_fill = (mc_long_fill)((b1 >> 2) % 3);
    reg.max_interpolate = (b1 & 0x10) ? 0 : reg.max_interpolate;

    const uint8_t *nul = memchr(in.data, '\0', in.size);
    const size_t history_size = nul != NULL ? (size_t)(nul - in.data) : in.size;
    /* The history holds the known-future input too unless a file gives it. */
    const char *columns[] = {"temperature", "temp_fc"};
    csv.target_column = "load";
    csv.covariates = columns;
    csv.n_covariates = nul != NULL ? 1 : 2;
    mc_frame *history = load(in.data, history_size, "history.csv", &csv, &reg);
    mc_frame *future = NULL;
    if (history != NULL && nul != NULL) {
        csv.target_column = "temp_fc";
        csv.n_covariates = 0;
        future = load(nul + 1, in.size - history_size - 1, "future.csv", &csv, &reg);
    }
    if (history != NULL && (nul == NULL || future != NULL))
        check_forecasts(history, future);
    mc_frame_free(history);
    mc_frame_free(future);
    return 0;
}
