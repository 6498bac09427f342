/*
 * train_arrays — train a model from data already in memory, save it, and
 * forecast the next day from the same arrays: no CSV file anywhere.
 *
 * Shows: mc_frame_from_arrays() (epoch-second timestamps, named columns,
 * NaN for missing values); training step by step with mc_trainer_* and a
 * progress callback that can cancel; saving the model; forecasting with
 * known-future temperatures given in the rows after the last load.
 *
 * The data stand in for what an application would fetch from its own
 * database: three months of hourly load with a daily and weekly shape and a
 * temperature dependence, a few readings missing.
 *
 * Build against an installed maskcast:
 *   cc -std=c11 $(pkg-config --cflags maskcast) train_arrays.c \
 *      $(pkg-config --libs maskcast) -lm -o train_arrays
 * or with CMake: find_package(maskcast) and link maskcast::maskcast.
 *
 * Run:
 *   ./train_arrays model.safetensors            (train for up to 20 epochs)
 *   ./train_arrays model.safetensors --epochs 2 (a quick try)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <maskcast/maskcast.h>

enum { DAYS = 92, HOURS = DAYS * 24, AHEAD = 24 };

/* Stand-in for the application's own data source. Fills rows hours of
   history, then AHEAD more rows whose load is unknown (NaN) but whose
   temperature comes from a weather forecast. */
static void fetch_from_database(int64_t *times, double *load, double *temperature, size_t rows)
{
    const double two_pi = 6.283185307179586;
    const int64_t start = 1717200000; /* 2024-06-01 00:00 UTC */
    uint64_t seed = 12345;
    for (size_t i = 0; i < rows; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        const double noise = (double)(seed >> 11) / 9007199254740992.0 - 0.5;
        const double hour = (double)(i % 24), day = (double)(i / 24);
        times[i] = start + 3600 * (int64_t)i;
        temperature[i] = 21.0 + 6.0 * sin(two_pi * (hour - 9.0) / 24.0) - 0.05 * day;
        const bool weekend = (i / 24 + 5) % 7 >= 5; /* 2024-06-01 was a Saturday */
        load[i] = 820.0 + 160.0 * sin(two_pi * (hour - 8.0) / 24.0) - (weekend ? 90.0 : 0.0) +
                  9.0 * fmax(temperature[i] - 18.0, 0.0) + 15.0 * noise;
    }
    load[1000] = NAN; /* a meter that did not report */
    load[1001] = NAN;
    for (size_t i = rows - AHEAD; i < rows; i++)
        load[i] = NAN; /* the future: to be forecast */
}

/* Called after every batch and epoch; returning false cancels training. */
static bool on_progress(const mc_train_progress *p, void *user)
{
    const double *budget_seconds = user;
    if (p->epoch_done)
        printf("epoch %zu/%zu  train loss %.4f  validation loss %.4f\n", p->epoch, p->max_epochs,
               p->train_loss, p->val_loss);
    return p->seconds < *budget_seconds; /* a time budget, as a service would keep */
}

int main(int argc, char **argv)
{
    if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--epochs") == 0)) {
        fprintf(stderr, "usage: %s MODEL [--epochs N]\n", argv[0]);
        return 2;
    }
    const size_t rows = HOURS + AHEAD;
    int64_t *times = malloc(rows * sizeof *times);
    double *load = malloc(rows * sizeof *load), *temperature = malloc(rows * sizeof *temperature);
    mc_error err;
    mc_error_clear(&err);
    if (times == NULL || load == NULL || temperature == NULL) {
        fprintf(stderr, "out of memory\n");
        free(times);
        free(load);
        free(temperature);
        return 1;
    }
    fetch_from_database(times, load, temperature, rows);

    /* Column 0 is the load; the arrays are copied, so they could be freed now. */
    const char *names[] = {"load", "temperature"};
    const double *columns[] = {load, temperature};
    mc_frame *frame = NULL;
    mc_trainer *trainer = NULL;
    mc_model *model = NULL;
    int status = 1;
    if (mc_frame_from_arrays(&frame, times, NULL, rows, names, columns, 2, &err) != MC_OK)
        goto fail;
    mc_regularize_options ropt;
    mc_regularize_options_defaults(&ropt);
    if (mc_frame_regularize(frame, &ropt, &err) != MC_OK)
        goto fail;

    /* Day-ahead from a week of history, the temperature known ahead. */
    static const char *future[] = {"temperature"};
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = 168;
    mo.window.horizon = 24;
    mo.network.hidden = 32;
    mo.features.future = future;
    mo.features.n_future = 1;
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = argc == 4 ? (size_t)strtoul(argv[3], NULL, 10) : 20;
    to.samples_per_epoch = 2048;
    to.train_rows = HOURS; /* the rows with known load */
    double budget_seconds = 120.0;
    to.progress = on_progress;
    to.progress_user = &budget_seconds;

    /* Training as steps: the application owns the loop (mc_model_train()
       does the same in one call). */
    if (mc_trainer_init(&trainer, frame, &mo, &to, &err) != MC_OK)
        goto fail;
    for (bool done = false; !done;) {
        mc_status st = mc_trainer_step(trainer, &done, &err);
        if (st == MC_ERR_CANCELLED) {
            printf("time budget reached: keeping the best epoch so far\n");
            break;
        }
        if (st != MC_OK)
            goto fail;
    }
    if (mc_trainer_model(trainer, &model, &err) != MC_OK ||
        mc_model_save(model, argv[1], &err) != MC_OK)
        goto fail;
    printf("saved %s\n", argv[1]);

    /* Forecast the day after the last known load: the frame's last 24 rows
       hold the temperature forecast. */
    int64_t when[24];
    double *forecast = malloc(24 * mc_model_quantiles(model) * sizeof *forecast);
    if (forecast == NULL) {
        fprintf(stderr, "out of memory\n");
        goto fail;
    }
    if (mc_model_forecast(model, frame, NULL, when, forecast, &err) != MC_OK) {
        free(forecast);
        goto fail;
    }
    for (size_t k = 0; k < 24; k += 6) {
        const time_t t = (time_t)when[k];
        struct tm tm;
        gmtime_r(&t, &tm);
        char text[32];
        strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm);
        printf("%s  %.1f MW\n", text, forecast[k * mc_model_quantiles(model)]);
    }
    free(forecast);
    status = 0;
fail:
    if (status != 0 && err.code != MC_OK)
        fprintf(stderr, "%s (%s)\n", err.message, mc_status_name(err.code));
    mc_model_free(model);
    mc_trainer_free(trainer);
    mc_frame_free(frame);
    free(times);
    free(load);
    free(temperature);
    return status;
}
