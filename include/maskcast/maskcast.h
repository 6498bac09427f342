/*
 * maskcast.h — multi-step electricity load forecasting, as a C library.
 *
 * The one header an application includes. It brings in:
 *   maskcast/status.h    status codes and the caller-owned error object
 *   maskcast/frame.h     reading CSV load data, regularising, gap filling
 *   maskcast/describe.h  a column summary with suspicious values
 *   maskcast/model.h     the forecasting model: training, forecasting, files
 *   maskcast/backtest.h  rolling-origin backtests against baselines
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
 *     chooses it with mc_set_blas_threads() (or OPENBLAS_NUM_THREADS).
 *   - GSL's error handler: the first time the library calls GSL it switches
 *     GSL's handler off (gsl_set_error_handler_off, once per process), so
 *     that GSL reports through return codes instead of aborting the process.
 *     An application that relies on GSL's default handler must set it again,
 *     and then GSL errors inside maskcast calls go to that handler too.
 *
 * Example — load a CSV, put it on its grid, look at the target:
 *
 *     #include <maskcast/maskcast.h>
 *
 *     mc_csv_options copt;
 *     mc_csv_options_defaults(&copt);
 *     copt.target_column = "load";
 *     mc_error err;
 *     mc_frame *f = NULL;
 *     if (mc_frame_read_csv(&f, "load.csv", &copt, &err) != MC_OK) {
 *         fprintf(stderr, "%s\n", err.message);
 *         return 1;
 *     }
 *     mc_regularize_options ropt;
 *     mc_regularize_options_defaults(&ropt);
 *     if (mc_frame_regularize(f, &ropt, &err) != MC_OK) {
 *         fprintf(stderr, "%s\n", err.message);
 *         mc_frame_free(f);
 *         return 1;
 *     }
 *     const double *load = mc_frame_values(f, 0);
 *     const uint8_t *state = mc_frame_states(f, 0); // MC_VALUE_OBSERVED ...
 *     ...
 *     mc_frame_free(f);
 */
#ifndef MASKCAST_MASKCAST_H
#define MASKCAST_MASKCAST_H

#include "maskcast/backtest.h"
#include "maskcast/describe.h"
#include "maskcast/frame.h"
#include "maskcast/model.h"
#include "maskcast/status.h"
#include "maskcast/version.h"

#endif /* MASKCAST_MASKCAST_H */
