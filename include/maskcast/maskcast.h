/**
 * @file maskcast/maskcast.h
 * @brief Multi-step electricity load forecasting, as a C library.
 *
 * The one header an application includes. It brings in:
 *   - maskcast/status.h    status codes and the caller-owned error object
 *   - maskcast/frame.h     reading CSV load data, regularising, gap filling
 *   - maskcast/panel.h     many named series (zones, feeders), static covariates
 *   - maskcast/describe.h  a column summary with suspicious values
 *   - maskcast/model.h     the forecasting model: training, forecasting, files
 *   - maskcast/backtest.h  rolling-origin backtests against baselines
 *   - maskcast/explain.h   what the forecasts rest on; anomaly scores from the mask
 *   - maskcast/report.h    a report's data as JSON, for pictures (docs/REPORT.md)
 *
 * Conventions: every name starts with mc_; every fallible call returns an
 * mc_status (MC_OK is 0) and fills an mc_error the caller owns; every
 * allocating call has a matching *_free that accepts NULL; option structs are
 * filled by *_defaults() before use. The library never prints, never exits
 * and never reads the environment.
 *
 * Threads and global state: the library keeps no global mutable state of
 * its own. Objects (frames, models, trainers, forecasters) are not
 * synchronised: distinct objects may be used from distinct threads at once,
 * and a trained or loaded model is read-only, so many threads may forecast
 * from one model at once, each with its own mc_forecaster (model.h). Two
 * process-wide settings belong to libraries maskcast uses:
 *   - OpenBLAS's thread count: maskcast never changes it; the application
 *     chooses it with mc_set_blas_threads() (or OPENBLAS_NUM_THREADS;
 *     OMP_NUM_THREADS in a build with MC_OPENMP).
 *   - GSL's error handler: the first time the library calls GSL it switches
 *     GSL's handler off (gsl_set_error_handler_off, once per process), so
 *     that GSL reports through return codes instead of aborting the process.
 *     An application that relies on GSL's default handler must set it again,
 *     and then GSL errors inside maskcast calls go to that handler too.
 *
 * Example — train a day-ahead model on a CSV, save it, load it back and
 * forecast the day after the history (examples/ has complete programs):
 *
 *     #include <stdio.h>
 *     #include <maskcast/maskcast.h>
 *
 *     mc_error err;
 *     mc_error_clear(&err);
 *     mc_frame *f = NULL, *recent = NULL;
 *     mc_model *model = NULL;
 *     mc_forecaster *fc = NULL;
 *     static const char *future[] = {"temperature"};
 *
 *     mc_csv_options copt;
 *     mc_csv_options_defaults(&copt);
 *     copt.target_column = "load";               // column 0 of the frame
 *     copt.covariates = future;
 *     copt.n_covariates = 1;
 *     mc_regularize_options ropt;
 *     mc_regularize_options_defaults(&ropt);
 *     if (mc_frame_read_csv(&f, "load.csv", &copt, &err) != MC_OK ||
 *         mc_frame_regularize(f, &ropt, &err) != MC_OK)
 *         goto fail;
 *
 *     mc_model_options mo;                       // a week back, a day ahead
 *     mc_model_options_defaults(&mo);
 *     mo.future = future;                        // known at the target times
 *     mo.n_future = 1;
 *     mc_train_options to;
 *     mc_train_options_defaults(&to);
 *     if (mc_model_train(&model, f, &mo, &to, &err) != MC_OK ||
 *         mc_model_save(model, "load.safetensors", &err) != MC_OK)
 *         goto fail;
 *     mc_model_free(model);
 *
 *     // Later, or in another process: the recent history ends with 24 rows
 *     // holding the temperature forecast and no load.
 *     if (mc_model_load(&model, "load.safetensors", &err) != MC_OK ||
 *         mc_frame_read_csv(&recent, "recent.csv", &copt, &err) != MC_OK ||
 *         mc_frame_regularize(recent, &ropt, &err) != MC_OK ||
 *         mc_forecaster_create(&fc, model, &err) != MC_OK)
 *         goto fail;
 *     int64_t times[24];                         // mc_model_horizon(model)
 *     double load[24];                           // x mc_model_quantiles(model)
 *     if (mc_forecaster_run(fc, recent, NULL, times, load, &err) != MC_OK)
 *         goto fail;
 *     for (int k = 0; k < 24; k++)
 *         printf("%lld %.1f\n", (long long)times[k], load[k]);
 * fail:
 *     if (err.code != MC_OK)
 *         fprintf(stderr, "%s\n", err.message);
 *     mc_forecaster_free(fc);                    // before its model
 *     mc_model_free(model);
 *     mc_frame_free(recent);
 *     mc_frame_free(f);
 *
 * Frames also come from arrays in memory (mc_frame_from_arrays()), models
 * from memory buffers (mc_model_load_buffer()), and training can run step by
 * step with progress and cancellation (mc_trainer_init()).
 */
#ifndef MASKCAST_MASKCAST_H
#define MASKCAST_MASKCAST_H

#include "maskcast/backtest.h"
#include "maskcast/describe.h"
#include "maskcast/explain.h"
#include "maskcast/frame.h"
#include "maskcast/model.h"
#include "maskcast/panel.h"
#include "maskcast/report.h"
#include "maskcast/status.h"
#include "maskcast/version.h"

#endif /* MASKCAST_MASKCAST_H */
