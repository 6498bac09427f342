/*
 * Forecast-accuracy metrics, accumulated as running sums so that a backtest
 * can add pairs origin by origin, keep one set of sums per horizon, and merge
 * them into a total at the end.
 *
 *     mc_metric_sums s = {0};
 *     for (each target row the model forecast)
 *         if (the actual is observed)          <- the caller's job
 *             mc_metric_add(&s, actual, forecast, seasonal_naive);
 *     mc_metrics m;
 *     mc_metrics_finish(&m, &s, mase_scale);
 *
 * Callers skip actuals that were filled (interpolated, seasonal) or missing:
 * a filled value is not a measurement, and scoring against it would reward
 * a forecaster for copying the filler. The sums do not check this; a NaN
 * actual, forecast or quantile passed in makes the affected sums NaN.
 *
 * Every metric that is undefined (no pairs, a zero denominator) comes out as
 * NAN, never as a division by zero or a made-up number.
 */
#ifndef MC_EVAL_METRICS_H
#define MC_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "maskcast/status.h"

/* Running sums; zero-initialise, then add. */
typedef struct mc_metric_sums {
    size_t n;                /* (actual, forecast) pairs */
    double abs_err, sq_err;  /* sum |a-f|, sum (a-f)^2 */
    size_t n_pct;            /* pairs with |a| > 0 */
    double ape;              /* sum |a-f|/|a| over those */
    size_t n_spct;           /* pairs with |a| + |f| > 0 */
    double sape;             /* sum 2|a-f|/(|a|+|f|) over those */
    size_t n_ref;            /* pairs whose reference was finite */
    double ref_abs_err;      /* sum |a - reference| over those (the weekly seasonal naive) */
    size_t n_q;              /* actuals scored against a set of quantiles */
    double pinball;          /* sum over them of the mean pinball loss over levels */
    double crps;             /* sum over them of the CRPS the quantiles estimate */
    size_t n_cov, covered;   /* actuals with >= 2 quantiles; of those, inside [lowest, highest] */
    double nominal;          /* highest - lowest level, for reporting */
} mc_metric_sums;

/*
 * Adds one (actual, forecast) pair. `reference` is the baseline's forecast
 * of the same actual, for the skill score; pass NAN when there is none (the
 * pair then counts in every sum but the reference's, and skill is NAN).
 */
void mc_metric_add(mc_metric_sums *s, double actual, double forecast, double reference);

/*
 * Adds one actual scored against `q` quantile forecasts `values` (q), in
 * increasing order, at probability levels `levels` (q), increasing, in
 * (0, 1). The pinball loss at level tau of value v is tau * (a - v) when
 * a >= v and (1 - tau) * (v - a) otherwise; its mean over the q levels is
 * added. With q >= 2 the actual also counts for coverage: covered when
 * values[0] <= a <= values[q-1]. q == 0 adds nothing.
 *
 * The CRPS added is that of the distribution the quantiles describe when
 * each stands for the levels nearer to it than to its neighbours (0.1, 0.5
 * and 0.9 hold probability 0.3, 0.4 and 0.3): twice the pinball loss
 * integrated over the levels, exactly, for that step-shaped quantile
 * function. A single value is a point forecast: its CRPS is |a - v|.
 */
void mc_metric_add_quantiles(mc_metric_sums *s, double actual, const double *values,
                             const double *levels, size_t q);

/* Adds the sums `from` into `into`: the same as adding all pairs to one. */
void mc_metric_merge(mc_metric_sums *into, const mc_metric_sums *from);

/* Metrics from finished sums; NAN wherever undefined. */
typedef struct mc_metrics {
    size_t n;
    double mae, rmse, mape, smape;     /* mape and smape in percent */
    double mase;                       /* mae / mase_scale */
    double skill;                      /* 1 - mae / reference mae */
    double pinball, coverage, nominal; /* NAN when no quantiles were added */
    double crps;                       /* from the quantiles; without any, the point
                                          forecast's (its MAE) */
} mc_metrics;

/*
 * Turns sums into metrics. `mase_scale` is the in-sample scale from
 * mc_mase_scale(); MASE is NAN when it is not a positive finite number.
 * Skill is NAN unless every pair had a reference and the reference's error
 * is positive.
 */
void mc_metrics_finish(mc_metrics *out, const mc_metric_sums *s, double mase_scale);

/*
 * The in-sample MASE scale: the mean of |y[t] - y[t-season]| over t in
 * [season, n) where both rows are observed (state[t] == MC_VALUE_OBSERVED;
 * `state` NULL means every row is). Stores NAN when no pair qualifies (the
 * series is shorter than a season or too gappy) and still returns MC_OK; a
 * zero scale (a series that repeats exactly) is stored as 0, and MASE then
 * comes out NAN. Refuses NULL `out` or `y`, and season == 0.
 */
mc_status mc_mase_scale(double *out, const double *y /* (n) */, const uint8_t *state /* (n) */,
                        size_t n, size_t season, mc_error *err);

#endif /* MC_EVAL_METRICS_H */
