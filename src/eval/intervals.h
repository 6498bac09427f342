/* Prediction intervals from past errors: rolling split conformal. At each
   origin, the errors of the last `window` origins whose targets were all
   observed before it, step by step, give a central interval around the
   point forecast at each level asked for. */
#ifndef MC_EVAL_INTERVALS_H
#define MC_EVAL_INTERVALS_H

#include <stddef.h>

#include "maskcast/frame.h"
#include "maskcast/model.h"
#include "maskcast/status.h"

/*
 * For n origins of H steps: actual and point (n x H; NAN where not
 * observed), origin[i] the row of origin i (the first row it does not see),
 * increasing, its first target `gap` rows later. Writes lower and upper
 * (n x H x L) for the L central levels (each in (0, 1)): with the m errors
 * e = actual - point of step k at the last `window` origins j whose last
 * target row origin[j] + gap + H - 1 lies before origin[i],
 * sorted, the bounds are point + e(floor((m + 1) a)) and point +
 * e(ceil((m + 1) (1 - a))) (1-based order statistics, a = (1 - level) / 2):
 * split conformal's finite-sample rule. NAN where those ranks fall outside
 * 1..m (too few errors yet) or the point forecast is not a number.
 * MC_ERR_NOMEM, or MC_OK.
 */
mc_status mc_rolling_intervals(double *lower, double *upper, const double *actual,
                               const double *point, const size_t *origin, size_t gap, size_t n,
                               size_t H, const double *levels, size_t L, size_t window,
                               mc_error *err);

/*
 * Rolling conformal calibration of quantile forecasts q (n x H x Q, levels
 * increasing in (0, 1)), in place: at origin i, step k and level t, with the
 * m residuals r = actual - q (the forecasts as given) of the last `window`
 * origins whose targets were all observed before origin[i], sorted, the
 * quantile becomes q + r((m + 1) t), the order statistic at that position
 * interpolated linearly between its neighbours: the share of actuals at or
 * below it is t in expectation when residuals are exchangeable (the
 * one-sided conformal rank ceil((m + 1) t) would promise at least t, biasing
 * every level upward, which is not what a reliable quantile needs). Left as
 * given where (m + 1) t is not in [1, m] (too few residuals yet). The Q values of each (i, k) are then sorted, so that the
 * quantiles stay ordered. MC_ERR_NOMEM, or MC_OK.
 */
mc_status mc_rolling_quantile_calibration(double *q, const double *actual, const size_t *origin,
                                          size_t gap, size_t n, size_t H,
                                          const double *levels, size_t Q, size_t window,
                                          mc_error *err);

/*
 * Intervals for the forecast `m` makes from `history` (its origin right
 * after the last observed load) from the model's own recent errors in that
 * history: its point forecasts at the origins `stride` rows apart before the
 * origin whose targets all lie before it and that have a full lookback, the
 * latest `window` of them, against the observed load, step by step; then
 * split conformal's ranks as in mc_rolling_intervals(). lower and upper
 * (H x L, step-major) receive offsets from the point forecast, NAN where a
 * step has too few errors for a level; *used the origins that gave errors,
 * *earliest the row of the first of them.
 * The history must hold the model's inputs (known-future ones too) on its
 * step. MC_ERR_ARGUMENT, MC_ERR_EMPTY (no origin fits), MC_ERR_NOMEM, or
 * MC_OK.
 */
mc_status mc_history_interval_offsets(const mc_model *m, const mc_frame *history, size_t stride,
                                      size_t window, const double *levels, size_t L,
                                      double *lower, double *upper, size_t *used,
                                      size_t *earliest, mc_error *err);

/* The interval (Winkler) score of [lo, hi] at `level` for the actual y:
   its width, plus 2 / (1 - level) times the distance by which y misses it. */
double mc_interval_score(double lo, double hi, double y, double level);

#endif /* MC_EVAL_INTERVALS_H */
