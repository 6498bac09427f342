/**
 * @file maskcast/backtest.h
 * Rolling-origin backtests: the model and simple baselines forecast the same
 * origins of a test span from data up to each origin only, and are scored
 * against the observed load.
 */
#ifndef MASKCAST_BACKTEST_H
#define MASKCAST_BACKTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maskcast/export.h"
#include "maskcast/frame.h"
#include "maskcast/model.h"
#include "maskcast/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a backtest is doing, for a progress callback. */
typedef struct mc_backtest_progress {
    const char *method;           /**< the model being trained ("maskcast", "no-anomaly-mask", ...) */
    size_t fit;                   /**< 1-based training run of this method (refits, ensemble members) */
    size_t fits;                  /**< training runs of this method */
    const mc_train_progress *train; /**< the run's own progress */
} mc_backtest_progress;

/** Return false to cancel the backtest (it then fails with MC_ERR_CANCELLED). */
typedef bool (*mc_backtest_progress_fn)(const mc_backtest_progress *progress, void *user);

/** The most interval levels a backtest computes (mc_backtest_options.intervals). */
#define MC_MAX_INTERVALS 8

/** Where a backtest's prediction intervals come from. */
typedef enum mc_interval_source {
    MC_INTERVALS_ROLLING = 0, /**< rolling conformal from the backtest's own recent errors,
                                   for every method (default) */
    MC_INTERVALS_MODEL = 1    /**< each model's own calibration from its validation tail
                                   (mc_model_interval_offsets(), what `forecast --intervals`
                                   gives); methods without a model (the baselines) get none */
} mc_interval_source;

/** Options for mc_backtest_run(); fill with mc_backtest_options_defaults(). */
typedef struct mc_backtest_options {
    bool has_test_start;      /**< true: the test span starts at test_start */
    int64_t test_start;       /**< epoch seconds; the first origin is the first at or after it */
    size_t test_days;         /**< else the last N days; 0 = 20% of the days, at most 365 */
    size_t stride;            /**< steps between origins; 0 = one day of steps (default) */
    int64_t origin_time;      /**< wall-clock seconds after midnight of the origins (default 0) */
    size_t gap;               /**< steps between an origin and its first target (default 0) */
    size_t refit_every;       /**< retrain from scratch every N origins; 0 = train once (default) */
    size_t ensemble;          /**< models averaged per method, seeds seed .. seed+N-1 (default 1) */
    bool baselines;           /**< naive, seasonal naive (day, week), calendar regression (default true) */
    bool ablations;           /**< also the model without the anomaly mask / per-horizon masks */
    const char *temperature;  /**< column the calendar-regression baseline uses as temperature, or NULL */
    double corrupt_rate;      /**< share of the test origins' input load values corrupted (0) */
    uint64_t corrupt_seed;    /**< default 1 */
    mc_backtest_progress_fn progress; /**< may be NULL */
    void *progress_user;      /**< passed to progress */
    size_t n_intervals;       /**< central prediction intervals per method (0: none, the
                                   default; at most MC_MAX_INTERVALS) */
    double intervals[MC_MAX_INTERVALS]; /**< their levels, in (0, 1), e.g. 0.8 and 0.95 */
    size_t interval_window;   /**< rolling conformal: the errors of the last N origins whose
                                   targets were all observed before each origin (0: 90) */
    mc_interval_source interval_source; /**< rolling (default) or the models' own */
    bool calibrate_quantiles; /**< a quantile model's quantiles recalibrated at each origin on
                                   the residuals of the last quantile_window origins, each level
                                   its own (default false); the point forecast (the raw median)
                                   is left alone */
    size_t quantile_window;   /**< origins whose residuals recalibrate the quantiles (0: 30;
                                   shorter than the intervals' window, to follow a drifting
                                   bias: docs/RESULTS.md) */
    const mc_collective *collective; /**< NULL (default): one process. Else every process
                                   calls the same backtest, the training runs of every method
                                   (refit blocks times ensemble members) are dealt out over
                                   the processes (run i to rank i % ranks), the trained models
                                   are exchanged through the collective's sums, and every
                                   process forecasts and scores with all of them: the same
                                   result on every process as on one. With a single run (no
                                   refit, no ensemble) that run trains data-parallel through
                                   the train options' collective, when set. */
} mc_backtest_options;

/** Fills `opt` (not NULL) with the defaults described above. Thread-safe. */
MC_API void mc_backtest_options_defaults(mc_backtest_options *opt);

/** Accuracy of one method, over one horizon step or all of them. Undefined
   values (no pairs, no quantiles) are NAN. Filled actuals never count. */
typedef struct mc_backtest_metrics {
    size_t n;       /**< (actual, forecast) pairs scored */
    double mae;         /**< mean absolute error, in the load's units */
    double rmse;        /**< root mean squared error, in the load's units */
    double mape;        /**< mean absolute percentage error, percent; skips zero actuals */
    double smape;       /**< symmetric MAPE, percent */
    double mase;        /**< MAE / in-sample MAE of the weekly seasonal naive on the training span */
    double skill;       /**< 1 - MAE / MAE of the weekly seasonal naive on the same pairs */
    double pinball;     /**< mean pinball loss over the quantile levels (quantile models) */
    double coverage;    /**< share of actuals inside [lowest, highest] quantile */
    double nominal;     /**< highest - lowest quantile level */
    double crps;        /**< continuous ranked probability score, in the load's units, of
                             the distribution a quantile model's quantiles describe, each
                             holding the levels nearer to it than to its neighbours (0.1,
                             0.5, 0.9 hold 0.3, 0.4, 0.3); a point forecast's is its
                             absolute error (= mae) */
} mc_backtest_metrics;

/** A backtest's result (opaque): read with the accessors below. */
typedef struct mc_backtest mc_backtest;

/**
 * Runs a backtest on `frame` (regularised; column 0 the load): picks the
 * origins of the test span, trains the model (options `mo`, `to`) on the
 * rows before the first origin — or from scratch on the rows before every
 * refit_every-th origin — and forecasts every origin from the rows before it
 * only. Scalers are fitted on each training span. Known-future covariates
 * are read at the target times from `frame`: when those are measurements
 * (actual temperature), the scores are those of a perfect weather forecast.
 * With corrupt_rate > 0, a copy of the load seen as input by the test origins
 * is corrupted (spikes, drop-outs to zero, stuck readings); the actuals are
 * never touched. On success stores a result the caller frees with
 * mc_backtest_free(); on failure stores NULL. `out`, `frame`, `mo`, `to` and
 * `bo` must not be NULL; `err` may be. The frame and options are only read
 * and need not outlive the call (the result keeps none of them). Not
 * thread-safe for one frame shared with writers; otherwise reentrant.
 */
MC_API mc_status mc_backtest_run(mc_backtest **out, const mc_frame *frame,
                                 const mc_model_options *mo, const mc_train_options *to,
                                 const mc_backtest_options *bo, mc_error *err);

/**
 * Backtests a global model (mc_model_train_panel()) on every series of
 * `panel`: one model trained on every series' rows before the earliest
 * test start any series' span gives (so that no series is tested on times
 * another trained on), then each series backtested from that instant with
 * its own view of the model (mc_model_for_series()) and the baselines, as
 * mc_backtest_run() does for one series. out has room for one result per
 * series, stored in the panel's order (the caller frees each; all NULL on
 * failure). When `model` is not NULL it receives the global model (the
 * caller frees it). refit_every, ensemble and ablations are refused (the
 * global model trains once). Errors name the series. Reentrant.
 */
MC_API mc_status mc_backtest_run_panel(mc_backtest **out, mc_model **model, const mc_panel *panel,
                                       const mc_model_options *mo, const mc_train_options *to,
                                       const mc_backtest_options *bo, bool identity,
                                       mc_error *err);

/** Frees a result; arrays obtained from it become invalid. NULL is a no-op. */
MC_API void mc_backtest_free(mc_backtest *b);

/**
 * @name Reading a result
 * `b` must not be NULL. The accessors only read it, so
 * threads may call them at once. Strings and arrays returned belong to the
 * result and stay valid until mc_backtest_free(). An index out of range
 * gives NULL (names, arrays), NAN (seconds), 0 (times) or SIZE_MAX (rows).
 */
/** @{ */

/** Methods scored: "maskcast" first, then ablations and baselines. */
MC_API size_t mc_backtest_methods(const mc_backtest *b);
/** Name of a method, as in the summary table ("maskcast" for method 0). */
MC_API const char *mc_backtest_method_name(const mc_backtest *b, size_t method);
/** Seconds spent training (all fits) and forecasting with a method. */
MC_API double mc_backtest_method_seconds(const mc_backtest *b, size_t method);
/** Models a method trained (0 for baselines; seeds times refits for the network). */
MC_API size_t mc_backtest_method_models(const mc_backtest *b, size_t method);
/** Of those, how many are the linear forecaster training kept instead of the
    network (mc_model_best_epoch() 0; docs/MODEL.md). */
MC_API size_t mc_backtest_method_linear_kept(const mc_backtest *b, size_t method);

/** Of those models, how many blend the network with the linear forecaster
   (mc_model_kept() "blend"). */
MC_API size_t mc_backtest_method_blend_kept(const mc_backtest *b, size_t method);

/** Writes a method's name with what training kept into `out` (`size` bytes,
    truncated): "maskcast (blend)", "maskcast (2/1/0)" for a mix of
    network / linear / blend models, the bare name for baselines. */
MC_API void mc_backtest_method_label(const mc_backtest *b, size_t method, char *out, size_t size);

/** Origins scored. */
MC_API size_t mc_backtest_origins(const mc_backtest *b);
MC_API size_t mc_backtest_horizon(const mc_backtest *b); /**< steps scored per origin (H) */
/** Instant of origin i's first target (after the gap), epoch seconds. */
MC_API int64_t mc_backtest_first_target(const mc_backtest *b, size_t origin);
/** Row of `frame` of origin i's first target. */
MC_API size_t mc_backtest_first_target_row(const mc_backtest *b, size_t origin);
/** Rows the model was first trained on: [0, rows). */
MC_API size_t mc_backtest_train_rows(const mc_backtest *b);

/** Actuals (origins x H), NAN where the load was not observed. */
MC_API const double *mc_backtest_actuals(const mc_backtest *b);
/** Point forecasts of a method (origins x H): the median for quantile models. */
MC_API const double *mc_backtest_forecasts(const mc_backtest *b, size_t method);

/** Quantile levels of a quantile model's method (Q), 0 for point forecasts. */
MC_API size_t mc_backtest_method_quantiles(const mc_backtest *b, size_t method);
/** Level q (increasing) of a method's quantiles, NAN out of range. */
MC_API double mc_backtest_method_quantile_level(const mc_backtest *b, size_t method, size_t q);
/** Every quantile of a quantile model's method (origins x H x Q), NULL for
    point forecasts. */
MC_API const double *mc_backtest_method_quantile_forecasts(const mc_backtest *b, size_t method);
/** Reliability of quantile q of a method at step `step` (0-based), or over every step when
    step == H: the share of observed actuals at or below it (ideally its level), into
    *observed, over *n actuals. MC_ERR_ARGUMENT for an index out of range or a method
    without quantiles. */
MC_API mc_status mc_backtest_quantile_reliability(const mc_backtest *b, size_t method, size_t q,
                                                  size_t step, double *observed, size_t *n,
                                                  mc_error *err);

/**
 * @name Prediction intervals
 * With mc_backtest_options.n_intervals, every method gets central
 * intervals around its point forecasts by rolling split conformal: at each
 * origin, the errors at each step of the last interval_window origins whose
 * targets were all observed before it give the bounds (split conformal's
 * finite-sample ranks); NAN while too few errors exist for a level (the
 * first origins). Works for point and quantile models alike.
 */
/** @{ */

/** Interval levels (0 when none were asked for). */
MC_API size_t mc_backtest_intervals(const mc_backtest *b);
/** Level l, NAN out of range. */
MC_API double mc_backtest_interval_level(const mc_backtest *b, size_t l);
/** Lower bounds of a method's intervals (origins x H x levels; NAN where an origin has
    none yet), NULL without intervals. */
MC_API const double *mc_backtest_interval_lower(const mc_backtest *b, size_t method);
/** Upper bounds, as mc_backtest_interval_lower(). */
MC_API const double *mc_backtest_interval_upper(const mc_backtest *b, size_t method);

/** How a method's intervals at one level did. */
typedef struct mc_backtest_interval_metrics {
    size_t n;        /**< observed actuals with an interval */
    double coverage; /**< share of them inside it */
    double width;    /**< mean width, in the load's units */
    double winkler;  /**< mean interval (Winkler) score: width plus 2 / (1 - level) times the miss */
} mc_backtest_interval_metrics;

/** A method's interval metrics at level l and step `step` (0-based), or over every step
   when step == H, into *out. MC_ERR_ARGUMENT for an index out of range. */
MC_API mc_status mc_backtest_interval_metrics_of(const mc_backtest *b, size_t method, size_t l,
                                                 size_t step, mc_backtest_interval_metrics *out,
                                                 mc_error *err);

/** @} */

/** Metrics of a method at horizon step `step` (0-based), or overall when
   step == mc_backtest_horizon(b), into *out (not NULL). */
MC_API mc_status mc_backtest_metrics_of(const mc_backtest *b, size_t method, size_t step,
                                        mc_backtest_metrics *out, mc_error *err);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* MASKCAST_BACKTEST_H */
