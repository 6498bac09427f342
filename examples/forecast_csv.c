/*
 * forecast_csv — forecast the next horizon from a saved model and a CSV of
 * recent history.
 *
 * Shows: loading a model file; asking the model which columns it reads;
 * reading and regularising a CSV with exactly those columns; forecasting
 * into caller-provided buffers; printing quantiles; error handling with
 * mc_error.
 *
 * The history needs the model's lookback of rows up to the last observed
 * load. Known-future inputs (a temperature forecast) go in the rows after
 * it, with the load left empty — as `maskcast forecast` reads them.
 *
 * Build against an installed maskcast:
 *   cc -std=c11 $(pkg-config --cflags maskcast) forecast_csv.c \
 *      $(pkg-config --libs maskcast) -o forecast_csv
 * or with CMake: find_package(maskcast) and link maskcast::maskcast
 * (examples/CMakeLists.txt builds every example).
 *
 * Run:
 *   maskcast train --csv data/sample_load.csv --target load --future temperature \
 *                  -o load.safetensors
 *   ./forecast_csv load.safetensors recent.csv
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <maskcast/maskcast.h>

/* Writes a frame instant as the wall-clock time it stands for. */
static void format_time(int64_t t, int offset_minutes, char *out, size_t size)
{
    const time_t wall = (time_t)(t + 60 * (int64_t)offset_minutes);
    struct tm tm;
    gmtime_r(&wall, &tm);
    strftime(out, size, "%Y-%m-%d %H:%M", &tm);
}

/* Reads `path` with the load as the target and every other column the
   model uses as a covariate, then puts it on its time grid. */
static mc_frame *read_history(const mc_model *model, const char *path, mc_error *err)
{
    const size_t n = 1 + mc_model_past_columns(model) + mc_model_future_columns(model);
    const char **covariates = calloc(n, sizeof *covariates);
    size_t n_cov = 0;
    if (covariates == NULL)
        return NULL;
    for (size_t j = 1; j < n; j++) { /* a column may be both past and future: list it once */
        const char *name = mc_model_column_name(model, j);
        bool seen = false;
        for (size_t k = 0; k < n_cov; k++)
            seen = seen || strcmp(covariates[k], name) == 0;
        if (!seen)
            covariates[n_cov++] = name;
    }
    mc_csv_options copt;
    mc_csv_options_defaults(&copt);
    copt.target_column = mc_model_column_name(model, 0);
    copt.covariates = covariates;
    copt.n_covariates = n_cov;
    mc_frame *history = NULL;
    if (mc_frame_read_csv(&history, path, &copt, err) == MC_OK) {
        mc_regularize_options ropt;
        mc_regularize_options_defaults(&ropt);
        if (mc_frame_regularize(history, &ropt, err) != MC_OK) {
            mc_frame_free(history);
            history = NULL;
        }
    }
    free(covariates);
    return history;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL HISTORY.csv\n", argv[0]);
        return 2;
    }
    mc_error err;
    mc_model *model = NULL;
    if (mc_model_load(&model, argv[1], &err) != MC_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    mc_frame *history = read_history(model, argv[2], &err);
    if (history == NULL) {
        fprintf(stderr, "%s\n", err.message);
        mc_model_free(model);
        return 1;
    }

    const size_t H = mc_model_horizon(model), Q = mc_model_quantiles(model);
    int64_t *times = malloc(H * sizeof *times);
    double *values = malloc(H * Q * sizeof *values);
    int status = 1;
    if (times == NULL || values == NULL) {
        fprintf(stderr, "out of memory\n");
    } else if (mc_model_forecast(model, history, NULL, times, values, &err) != MC_OK) {
        fprintf(stderr, "%s\n", err.message);
    } else {
        /* Times are shown in the UTC offset of the history's last row. */
        const int offset = mc_frame_utc_offsets(history)[mc_frame_rows(history) - 1];
        printf("time");
        for (size_t q = 0; q < Q; q++) {
            if (Q == 1)
                printf(",forecast");
            else
                printf(",q%02.0f", 100.0 * mc_model_quantile_level(model, q));
        }
        printf("\n");
        for (size_t k = 0; k < H; k++) {
            char when[32];
            format_time(times[k], offset, when, sizeof when);
            printf("%s", when);
            for (size_t q = 0; q < Q; q++)
                printf(",%.1f", values[k * Q + q]);
            printf("\n");
        }
        status = 0;
    }
    free(times);
    free(values);
    mc_frame_free(history);
    mc_model_free(model);
    return status;
}
