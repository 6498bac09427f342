/*
 * fuzz_model: the model loader from memory (mc_model_load_buffer), and what
 * a model it accepts can do.
 *
 * Input: a safetensors model file (seeds: tests/fuzz/make_model_seeds.sh).
 *
 * Asserts, for a file that loads: the model's sizes and column names are
 * consistent; saving it gives bytes that load, and saving that model again
 * gives the same bytes; a forecast from a small complete synthetic history
 * either fails cleanly or gives finite values at times one step apart, the
 * same bits from the model and from its saved-and-loaded copy. A file that
 * does not load fails cleanly (MC_ERR_FORMAT, or MC_ERR_NOMEM).
 */
#include <math.h>
#include <string.h>

#include "fuzz_util.h"

/* 2021-01-04 00:00 UTC, a Monday; histories must end before year 10000. */
#define HISTORY_START INT64_C(1609718400)
#define LAST_INSTANT INT64_C(253402300799)
/* Observed load rows beyond the lookback. */
enum { EXTRA_ROWS = 2 };

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mc_set_blas_threads(1); /* deterministic and cheap: one sample per forecast */
    return 0;
}

static void check_sizes(const mc_model *m)
{
    const size_t columns = 1 + mc_model_past_columns(m) + mc_model_future_columns(m);
    FUZZ_ASSERT(mc_model_horizon(m) >= 1 && mc_model_lookback(m) >= 1);
    FUZZ_ASSERT(mc_model_quantiles(m) >= 1 && mc_model_quantiles(m) <= MC_MAX_QUANTILES);
    FUZZ_ASSERT(mc_model_step(m) > 0);
    FUZZ_ASSERT(mc_model_past_columns(m) <= MC_MAX_COVARIATES);
    FUZZ_ASSERT(mc_model_future_columns(m) <= MC_MAX_COVARIATES);
    for (size_t j = 0; j < columns; j++)
        FUZZ_ASSERT(mc_model_column_name(m, j) != NULL);
    FUZZ_ASSERT(mc_model_column_name(m, columns) == NULL);
}

/* Saves `m`, loads the bytes and saves again: the bytes must not change.
   Returns the reloaded model. */
static mc_model *round_trip(const mc_model *m)
{
    void *first = NULL, *second = NULL;
    size_t first_size = 0, second_size = 0;
    mc_error err;
    mc_model *again = NULL;
    FUZZ_ASSERT(mc_model_save_buffer(m, &first, &first_size, &err) == MC_OK);
    FUZZ_ASSERT(mc_model_load_buffer(&again, first, first_size, "saved", &err) == MC_OK);
    FUZZ_ASSERT(mc_model_save_buffer(again, &second, &second_size, &err) == MC_OK);
    FUZZ_ASSERT(first_size == second_size && memcmp(first, second, first_size) == 0);
    free(first);
    free(second);
    return again;
}

/*
 * A regular history on the model's step with every column the model reads
 * (each name once): the load observed for lookback + EXTRA_ROWS rows, then
 * missing for the horizon, whose rows hold the known-future values. NULL
 * when the model's names or step cannot make one (an empty name, a step
 * that runs past year 9999): from_arrays refuses those, cleanly.
 */
static mc_frame *synthetic_history(const mc_model *m)
{
    const size_t L = mc_model_lookback(m), H = mc_model_horizon(m);
    const size_t rows = L + EXTRA_ROWS + H;
    const int64_t step = mc_model_step(m);
    const size_t channels = 1 + mc_model_past_columns(m) + mc_model_future_columns(m);
    const char *names[1 + 2 * MC_MAX_COVARIATES];
    size_t n = 0;
    for (size_t c = 0; c < channels; c++) {
        const char *name = mc_model_column_name(m, c);
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcmp(names[k], name) == 0;
        if (!seen)
            names[n++] = name;
    }
    if (step > (LAST_INSTANT - HISTORY_START) / (int64_t)rows)
        return NULL;
    int64_t *times = malloc(rows * sizeof *times);
    double *values = malloc(n * rows * sizeof *values);
    const double *columns[1 + 2 * MC_MAX_COVARIATES];
    FUZZ_ASSERT(times != NULL && values != NULL);
    for (size_t i = 0; i < rows; i++) {
        times[i] = HISTORY_START + (int64_t)i * step;
        const double phase = 6.283185307179586 * (double)(i % 24) / 24.0;
        values[i] = i < L + EXTRA_ROWS ? 1432.5 + 187.25 * sin(phase) : NAN;
        for (size_t j = 1; j < n; j++)
            values[j * rows + i] = 11.375 + 4.5 * cos(phase + (double)j);
    }
    for (size_t j = 0; j < n; j++)
        columns[j] = values + j * rows;
    mc_frame *f = NULL;
    mc_error err;
    mc_status st = mc_frame_from_arrays(&f, times, NULL, rows, names, columns, n, &err);
    free(times);
    free(values);
    if (st != MC_OK) {
        fuzz_assert_clean_error(st, &err);
        return NULL;
    }
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    ro.step = step;
    FUZZ_ASSERT(mc_frame_regularize(f, &ro, &err) == MC_OK);
    return f;
}

/* Forecasts from `m` and from its reloaded copy: the same bits, finite. */
static void check_forecast(const mc_model *m, const mc_model *again)
{
    mc_frame *history = synthetic_history(m);
    if (history == NULL)
        return;
    const size_t H = mc_model_horizon(m), Q = mc_model_quantiles(m);
    int64_t *times = calloc(2 * H, sizeof *times);
    double *values = calloc(2 * H * Q, sizeof *values);
    FUZZ_ASSERT(times != NULL && values != NULL);
    mc_error err, err_again;
    const mc_status st = mc_model_forecast(m, history, NULL, times, values, &err);
    const mc_status st_again =
        mc_model_forecast(again, history, NULL, times + H, values + H * Q, &err_again);
    FUZZ_ASSERT(st == st_again);
    if (st == MC_OK) {
        FUZZ_ASSERT(memcmp(times, times + H, H * sizeof *times) == 0);
        FUZZ_ASSERT(memcmp(values, values + H * Q, H * Q * sizeof *values) == 0);
        for (size_t k = 0; k < H; k++) {
            FUZZ_ASSERT(k == 0 || times[k] - times[k - 1] == mc_model_step(m));
            for (size_t q = 0; q < Q; q++) {
                FUZZ_ASSERT(isfinite(values[k * Q + q]));
                FUZZ_ASSERT(q == 0 || values[k * Q + q - 1] <= values[k * Q + q]);
            }
        }
    } else {
        fuzz_assert_clean_error(st, &err);
        fuzz_assert_same_error(&err, &err_again);
    }
    free(times);
    free(values);
    mc_frame_free(history);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mc_model *m = NULL;
    mc_error err;
    const mc_status st = mc_model_load_buffer(&m, data, size, "fuzz.safetensors", &err);
    if (st != MC_OK) {
        fuzz_assert_clean_error(st, &err);
        FUZZ_ASSERT(st == MC_ERR_FORMAT || st == MC_ERR_NOMEM);
        FUZZ_ASSERT(m == NULL);
        return 0;
    }
    check_sizes(m);
    mc_model *again = round_trip(m);
    check_forecast(m, again);
    mc_model_free(again);
    mc_model_free(m);
    return 0;
}
