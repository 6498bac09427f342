/*
 * Baseline forecasters a backtest measures the model against: the seasonal
 * naive (last value, same time yesterday, same time last week), and a
 * calendar-and-temperature linear regression in the style of the GEFCom2012
 * load-forecasting benchmark.
 */
#ifndef MC_EVAL_BASELINES_H
#define MC_EVAL_BASELINES_H

#include <stddef.h>
#include <stdint.h>

#include "maskcast/status.h"

/*
 * Seasonal naive forecast of the target rows origin+gap .. origin+gap+horizon-1
 * when rows < origin are known: row r gets y[r - k*season] with the smallest
 * k >= 1 that lands before origin, so a horizon longer than a season repeats
 * the last known season. season = 1 is the naive (last value) forecast.
 * Only y[0 .. origin-1] is read. Writes `horizon` values to `out`; a row
 * whose source would fall before row 0 (origin < season), or any row when
 * season == 0, gets NAN.
 */
void mc_baseline_seasonal(const double *y, size_t origin, size_t gap, size_t horizon,
                          size_t season, double *out /* (horizon) */);

/*
 * The linear regression ("vanilla" benchmark model). With slots = 86400/step
 * time-of-day slots, weekday Monday = 0 and month 1..12 of the wall-clock
 * time, the regressors are, in coefficient order:
 *
 *   [0]                    trend: (wall - m_w) / s_w
 *   [1 + d*slots + h]      1 when weekday == d and slot == h   (7*slots)
 *   [.. + (month - 2)]     1 when month == 2..12 (January is the reference)
 *   with temperature, z = (T - m_T) / s_T:
 *   [.. + (k-1)*slots + h] z^k when slot == h, k = 1, 2, 3      (3*slots)
 *   [.. + (k-1)*11 + (month - 2)]  z^k when month == 2..12      (3*11)
 *
 * m and s are the mean and standard deviation (dividing by the count; 1 when
 * zero) of wall and T over the rows the fit uses. The weekday-slot dummies
 * together act as the intercept. There is no January term, so with a full
 * year of data the design has full rank; when it does not (a weekday or month
 * that never occurs in the training rows, a single month), the fit is the
 * minimum-norm least-squares solution on equilibrated normal equations, and
 * a level never seen in training contributes nothing to a prediction.
 */
typedef struct mc_linear_baseline mc_linear_baseline;

/*
 * Fits the regression on rows [0, rows) whose load is observed
 * (load_state[i] == MC_VALUE_OBSERVED; filled load is not trained on) and,
 * with temperature, whose temperature is finite. `wall` is wall-clock
 * seconds as written in the file, `step` the series step in seconds, which
 * must divide a day into at most 96 slots (15 minutes or longer).
 * `temperature` may be NULL for a model without it. The normal equations are
 * accumulated row by row (each row has at most 9 nonzero regressors), so
 * memory is O(p^2) for p regressors, not O(rows * p).
 *
 * Needs at least one week of usable rows (7 * slots). On success stores a
 * model the caller frees with mc_linear_baseline_free(); on failure stores
 * NULL and fills `err`.
 */
mc_status mc_linear_baseline_fit(mc_linear_baseline **out, const int64_t *wall /* (rows) */,
                                 int64_t step, const double *load /* (rows) */,
                                 const uint8_t *load_state /* (rows) */,
                                 const double *temperature /* (rows) or NULL */, size_t rows,
                                 mc_error *err);

/*
 * Predicts `n` rows at wall-clock times `wall` into `out`. `temperature` (n)
 * is required when the model was fitted with temperature (a non-finite
 * temperature gives NAN for that row) and ignored otherwise.
 */
mc_status mc_linear_baseline_predict(const mc_linear_baseline *b, const int64_t *wall /* (n) */,
                                     const double *temperature /* (n) or NULL */, size_t n,
                                     double *out /* (n) */, mc_error *err);

/* Number of coefficients p, and the coefficients in the order above. */
size_t mc_linear_baseline_size(const mc_linear_baseline *b);
const double *mc_linear_baseline_coefficients(const mc_linear_baseline *b);

/* The numerical rank of the fitted design (p when it had full rank). */
size_t mc_linear_baseline_rank(const mc_linear_baseline *b);

/* NULL is a no-op. */
void mc_linear_baseline_free(mc_linear_baseline *b);

#endif /* MC_EVAL_BASELINES_H */
