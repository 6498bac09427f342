/**
 * @file maskcast/explain.h
 * @brief Reading a trained model's masks: which inputs its forecasts rest on
 * (permutation importance per horizon step, and where a model with temporal
 * attention looks in its lookback) and which past load values its anomaly
 * mask shuts out (anomaly scores), with precision and recall against
 * recorded anomalies. docs/EXPLAIN.md gives the methods and their formulas.
 *
 * Both calls read a model and a regularised history frame (column 0 the
 * load, the model's covariates among the other columns by name, on the
 * model's step, as for mc_model_forecast()) and return a result object the
 * caller frees; accessors read the result.
 *
 *     mc_explanation_options eo;
 *     mc_explanation_options_defaults(&eo);      // origins over the last 28 days
 *     mc_explanation *x = NULL;
 *     if (mc_model_explain(&x, model, history, &eo, &err) != MC_OK) ...
 *     size_t H = mc_explanation_horizon(x);
 *     for (size_t g = 0; g < mc_explanation_groups(x); g++)
 *         printf("%s %.1f%%\n", mc_explanation_group_name(x, g),
 *                100 * mc_explanation_share(x, g, H));  // step H: all steps
 *     mc_explanation_free(x);
 *
 *     mc_anomalies *a = NULL;
 *     if (mc_model_score_anomalies(&a, model, history, NULL, &err) != MC_OK) ...
 *     size_t top[20];
 *     size_t n = mc_anomalies_ranked(a, 0.5, top, 20);    // strongest first
 *     ... mc_frame_times(history)[top[0]], mc_anomalies_scores(a)[top[0]] ...
 *     mc_anomalies_free(a);
 *
 * Thread safety: both calls only read the model and the frame, so threads
 * may explain or score with one model at once (each call allocates its own
 * workspace). A result is read-only once returned: threads may read one
 * result at once.
 */
#ifndef MASKCAST_EXPLAIN_H
#define MASKCAST_EXPLAIN_H

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

/** What a group of a model's inputs is (see mc_explanation_group_kind()). */
typedef enum mc_group_kind {
    MC_GROUP_NONE = -1,       /**< no such group (an index out of range) */
    MC_GROUP_LOAD_RECENT = 0, /**< the load over the lookback's last day (and the level from it) */
    MC_GROUP_LOAD_EARLIER,    /**< the load over the rest of the lookback */
    MC_GROUP_OBSERVED,        /**< the flags saying which past loads were observed */
    MC_GROUP_PAST,            /**< one past covariate over the lookback */
    MC_GROUP_FUTURE,          /**< one known-future covariate at the target times */
    MC_GROUP_CALENDAR,        /**< hour, weekday and season sin/cos, weekend */
    MC_GROUP_HOLIDAY          /**< the holiday flag of the target times */
} mc_group_kind;

/**
 * Options for mc_model_explain(); fill with mc_explanation_options_defaults().
 *
 * The origins (forecast times; an origin is the row of its first target) are
 * either given as rows of the history, or chosen as `maskcast explain` does:
 * counted back every `stride` from the last origin whose horizon ends at the
 * last observed load, down to the first at or after `start` (or the first
 * whose horizon lies in the last `days` days), never before the lookback.
 */
typedef struct mc_explanation_options {
    size_t days;           /**< origins whose horizon lies in the last N days (default 28;
                                0 counts as 28); ignored with has_start or origins */
    bool has_start;        /**< true: origins from `start` on instead of the last `days` */
    int64_t start;         /**< an instant, epoch seconds (compared with mc_frame_times()) */
    int64_t stride;        /**< seconds between origins, a multiple of the step; 0 = the step,
                                every origin (default) */
    bool same_time;        /**< shuffle only among origins at the same time of day, so that a
                                moved window keeps its daily shape (default false) */
    size_t repeats;        /**< shuffles per group (default 5) */
    uint64_t seed;         /**< which shuffles (default 1); the same seed gives the same result */
    const size_t *origins; /**< NULL: chosen as above (default); else `n_origins` rows of the
                                history, each with lookback <= row and row + horizon <= rows */
    size_t n_origins;      /**< how many `origins` (at least 2) */
    int64_t origin_time;   /**< with a stride of whole days: the origins' wall-clock time of
                                day, seconds after midnight (default 0, as mc_backtest_run's);
                                ignored for other strides */
} mc_explanation_options;

/** Fills `opt` (not NULL) with the defaults described above. Thread-safe. */
MC_API void mc_explanation_options_defaults(mc_explanation_options *opt);

/** Permutation importance of a model's input groups per horizon step (opaque). */
typedef struct mc_explanation mc_explanation;

/**
 * Measures how much the forecasts of `model` rest on each group of its inputs
 * (docs/EXPLAIN.md): the model forecasts every origin of `history` as it is,
 * then again with one group's values taken from other origins, shuffled; a
 * group's importance at step k is the rise of the mean absolute error there,
 * in the load's units, averaged over `repeats` shuffles. Forecasts are scored
 * against the load at the target times where it was observed (filled values
 * never count); a quantile model is scored by its median.
 *
 * @param out      receives the result, which the caller frees with
 *                 mc_explanation_free(); NULL on failure. Not NULL.
 * @param model    a trained or loaded model. Not NULL.
 * @param history  a regularised frame on the model's step: the load as column
 *                 0, the model's covariates by name (mc_model_column_name()).
 *                 Not NULL.
 * @param opt      the options; NULL for the defaults.
 * @param err      filled on failure; may be NULL.
 * @return MC_OK; MC_ERR_ARGUMENT when the step differs from the model's, the
 *         stride is not a multiple of it, fewer than 2 origins fit or an
 *         origin is out of range; MC_ERR_COLUMN when a covariate is missing;
 *         MC_ERR_NOMEM.
 *
 * The model and the frame are only read and need not outlive the call.
 * Thread-safe for one model shared by several threads.
 */
MC_API mc_status mc_model_explain(mc_explanation **out, const mc_model *model,
                                  const mc_frame *history, const mc_explanation_options *opt,
                                  mc_error *err);

/** Frees a result; strings and arrays obtained from it become invalid. NULL is a no-op. */
MC_API void mc_explanation_free(mc_explanation *x);

/**
 * @name Reading an explanation
 * `x` must not be NULL. A step k runs from 0 to H - 1
 * (H = mc_explanation_horizon()); k == H pools every step. An index out of
 * range gives NAN (numbers), 0 (counts), NULL (strings) or MC_GROUP_NONE.
 * Strings and arrays belong to the result.
 */
/** @{ */

/** Steps per forecast, H. */
MC_API size_t mc_explanation_horizon(const mc_explanation *x);
/** Origins forecast. */
MC_API size_t mc_explanation_origins(const mc_explanation *x);
/** Rows of the history the origins are at (mc_explanation_origins() of them, increasing). */
MC_API const size_t *mc_explanation_origin_rows(const mc_explanation *x);
/** Shuffles per group. */
MC_API size_t mc_explanation_repeats(const mc_explanation *x);

/** Input groups, in this order: the load's recent lags, its earlier lags, its observed
    flags, each past covariate, each known-future covariate, the calendar, the holidays
    (the groups a model does not have are left out). */
MC_API size_t mc_explanation_groups(const mc_explanation *x);
/** Group g's name, e.g. "load lags 1-24" or "temperature (future)". */
MC_API const char *mc_explanation_group_name(const mc_explanation *x, size_t g);
/** What group g is. */
MC_API mc_group_kind mc_explanation_group_kind(const mc_explanation *x, size_t g);
/** The model column group g holds (the load for the load groups, the covariate for
    MC_GROUP_PAST and MC_GROUP_FUTURE); NULL for the calendar and the holidays. */
MC_API const char *mc_explanation_group_column(const mc_explanation *x, size_t g);

/** Actuals scored at step k: observed load at the target times, over all origins. */
MC_API size_t mc_explanation_scored(const mc_explanation *x, size_t k);
/** Mean absolute error at step k of the forecasts from the inputs as they are. */
MC_API double mc_explanation_mae(const mc_explanation *x, size_t k);
/** Group g's importance at step k: the mean over the shuffles of MAE' - MAE, in the
    load's units (0 exactly for inputs the model does not use). */
MC_API double mc_explanation_increase(const mc_explanation *x, size_t g, size_t k);
/** The standard deviation of MAE' - MAE over the shuffles. */
MC_API double mc_explanation_spread(const mc_explanation *x, size_t g, size_t k);
/** Group g's share of the importance at step k: its increase over the sum of every
    group's positive increase (negative ones counting 0), in [0, 1]; 0 when no group
    raises the error. */
MC_API double mc_explanation_share(const mc_explanation *x, size_t g, size_t k);

/**
 * Whether the model explained has temporal attention (docs/MODEL.md), so
 * that mc_explanation_attention() reports where it looks.
 */
MC_API bool mc_explanation_has_attention(const mc_explanation *x);

/** The lags mc_explanation_attention() covers: the model's lookback L with temporal
    attention, 0 without. */
MC_API size_t mc_explanation_attention_lags(const mc_explanation *x);

/**
 * Where the temporal attention of step k looks: the mean over the origins of
 * its weight on lag `lag`, from the forecasts of the inputs as they are (not
 * shuffled). Lag j is the past step j steps before the origin: lag 1 is the
 * lookback's last step (the one right before the first target), lag L its
 * first; for step k (0-based) the target lies k steps after the origin, so
 * lag j is j + k steps before it. Lags run from 1 to
 * mc_explanation_attention_lags(); k == H gives the mean over the steps.
 * A step's weights are in [0, 1] and sum to 1 over the lags for global
 * attention; a local window's sum to at most 1 (it is not renormalised).
 * @return the mean weight; NAN without temporal attention, or for k or lag
 *         out of range.
 */
MC_API double mc_explanation_attention(const mc_explanation *x, size_t k, size_t lag);

/** @} */

/** Options for mc_model_score_anomalies(); fill with mc_anomaly_options_defaults(). */
typedef struct mc_anomaly_options {
    bool has_start; /**< true: rows before `start` are left unscored (e.g. the span the
                         model was trained on); the windows still read them */
    int64_t start;  /**< an instant, epoch seconds (compared with mc_frame_times()) */
} mc_anomaly_options;

/** Fills `opt` (not NULL) with the defaults: every row scored. Thread-safe. */
MC_API void mc_anomaly_options_defaults(mc_anomaly_options *opt);

/** Anomaly scores of every row of a history (opaque). */
typedef struct mc_anomalies mc_anomalies;

/**
 * Scores every past load value of `history` by how far the model's anomaly
 * mask closes on it (docs/EXPLAIN.md). The model reads the data in windows
 * of its lookback L at every origin whose window and horizon fit; a row is
 * seen by up to L windows, each giving it a mask weight in (0, 1). Its score
 * is 1 minus the mean weight over those windows: 0 when every window uses
 * the value, 1 when every window shuts it out. The last H rows, and rows
 * before `opt->start`, are not scored.
 *
 * @param out      receives the result, which the caller frees with
 *                 mc_anomalies_free(); NULL on failure. Not NULL.
 * @param model    a trained or loaded model with an anomaly mask. Not NULL.
 * @param history  as for mc_model_explain(), at least L + H rows. Not NULL.
 * @param opt      the options; NULL for the defaults.
 * @param err      filled on failure; may be NULL.
 * @return MC_OK; MC_ERR_ARGUMENT when the model has no anomaly mask, its mask
 *         is the same everywhere (the linear forecaster training may keep:
 *         mc_model_best_epoch() 0), or the step differs from the model's; MC_ERR_EMPTY when the history is
 *         shorter than L + H; MC_ERR_COLUMN when a covariate is missing;
 *         MC_ERR_NOMEM.
 *
 * The model and the frame are only read and need not outlive the call.
 * Thread-safe for one model shared by several threads.
 */
MC_API mc_status mc_model_score_anomalies(mc_anomalies **out, const mc_model *model,
                                          const mc_frame *history, const mc_anomaly_options *opt,
                                          mc_error *err);

/** Frees a result; arrays obtained from it become invalid. NULL is a no-op. */
MC_API void mc_anomalies_free(mc_anomalies *a);

/**
 * @name Reading anomaly scores
 * `a` must not be NULL. The arrays have one entry per
 * row of the history (mc_anomalies_rows()) and belong to the result.
 */
/** @{ */

/** Rows of the history scored or not. */
MC_API size_t mc_anomalies_rows(const mc_anomalies *a);
/** Scores in [0, 1] (rows); NAN where a row is not scored. */
MC_API const double *mc_anomalies_scores(const mc_anomalies *a);
/** The smallest mask weight any window gave the row (rows); NAN where not scored. */
MC_API const double *mc_anomalies_min_mask(const mc_anomalies *a);
/** Windows that saw the row (rows); 0 where not scored. */
MC_API const size_t *mc_anomalies_windows(const mc_anomalies *a);

/**
 * Ranks the scored rows whose score is at least `threshold`, strongest first
 * (equal scores in time order), and writes the first `capacity` of them
 * into `rows` (may be NULL when capacity is 0).
 * @return how many rows reach the threshold (may exceed `capacity`).
 */
MC_API size_t mc_anomalies_ranked(const mc_anomalies *a, double threshold, size_t *rows,
                                  size_t capacity);

/**
 * The threshold `maskcast anomalies` uses unless told otherwise, from the
 * scores' own distribution: five times the median score of the scored rows
 * (the mask shuts such a value out five times as much as a typical one), at
 * least 0.01 and at most halfway from the median to 1. A fixed threshold
 * does not fit every model: how far a mask closes on ordinary values depends
 * on the data and the training (docs/EXPLAIN.md). NAN when no row is scored.
 */
MC_API double mc_anomalies_default_threshold(const mc_anomalies *a);

/** @} */

/** Lengths in mc_anomaly_agreement. */
enum { MC_ANOMALY_KIND_SIZE = 16, MC_ANOMALY_MAX_KINDS = 8 };

/** One kind of recorded anomaly in mc_anomaly_agreement. */
typedef struct mc_anomaly_kind_agreement {
    char kind[MC_ANOMALY_KIND_SIZE]; /**< as written in the file ("spike", ...), "" without one */
    size_t recorded;                 /**< scored values inside spans of this kind */
    size_t hits;                     /**< of those, flagged */
    size_t events;                   /**< spans of this kind with at least one scored value */
    size_t events_found;             /**< of those, with at least one flagged value */
} mc_anomaly_kind_agreement;

/** How the scores at a threshold agree with recorded anomalies. */
typedef struct mc_anomaly_agreement {
    double threshold;      /**< a value is flagged when its score is at least this */
    size_t scored;         /**< values with a score */
    size_t flagged;        /**< of those, score >= threshold */
    size_t recorded;       /**< of those, inside a recorded span */
    size_t hits;           /**< flagged and recorded */
    double precision;      /**< hits / flagged (NAN when nothing is flagged) */
    double recall;         /**< hits / recorded (NAN when nothing is recorded) */
    size_t events;         /**< recorded spans with at least one scored value */
    size_t events_found;   /**< of those, with at least one flagged value */
    size_t n_kinds;        /**< kinds of event, in order of first appearance; kinds after the
                                first MC_ANOMALY_MAX_KINDS are not broken out */
    mc_anomaly_kind_agreement kinds[MC_ANOMALY_MAX_KINDS]; /**< (n_kinds) */
} mc_anomaly_agreement;

/**
 * Compares the scores with recorded anomalies read from the CSV file at
 * `truth_path`: a header with a column "start" (or "time"), optionally "end"
 * (else a span is one time), "kind" and "column"; both ends included, times
 * read in `format` as wall-clock times, like the data. Rows of kind "missing"
 * and rows whose column is not the history's load column are skipped.
 *
 * @param a          the scores. Not NULL.
 * @param truth_path the recorded anomalies, as data/sample_anomalies.csv. Not NULL.
 * @param format     how its times are written (MC_TIME_AUTO reads ISO 8601).
 * @param threshold  a value is flagged when its score is at least this.
 * @param out        receives the agreement. Not NULL.
 * @param recorded   NULL, or (rows) set to 1 where a row is inside a recorded
 *                   span and 0 elsewhere.
 * @param err        filled on failure; may be NULL.
 * @return MC_OK; MC_ERR_IO, MC_ERR_CSV, MC_ERR_COLUMN or MC_ERR_TIME for a
 *         file that cannot be read (the message names the file, line and
 *         column); MC_ERR_NOMEM. Reads `a` only: thread-safe.
 */
MC_API mc_status mc_anomalies_compare(const mc_anomalies *a, const char *truth_path,
                                      mc_time_format format, double threshold,
                                      mc_anomaly_agreement *out, uint8_t *recorded,
                                      mc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MASKCAST_EXPLAIN_H */
