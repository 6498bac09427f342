/*
 * The linear forecaster that training weighs the network against: a ridge
 * regression of each horizon step's target on the window's load lags (what
 * the skip sees) and on the future term's basis of that step's calendar and
 * known-future inputs (nn/future_basis.h), fitted in closed form, its
 * penalty chosen on the validation tail. It is written as the network's own
 * parameters (the skip's S and G, the head offsets, the heads' weights at
 * zero, the anomaly mask constant), so that a model file holds either
 * forecaster.
 */
#ifndef MC_TRAIN_LINEAR_FIT_H
#define MC_TRAIN_LINEAR_FIT_H

#include <stdbool.h>
#include <stddef.h>

#include "data/windows.h"
#include "maskcast/status.h"
#include "nn/net.h"
#include "train/model_internal.h"

/* The penalty used when there is no validation tail to choose one. */
#define MC_LINEAR_DEFAULT_LAMBDA 1e-2

/*
 * Fits the linear forecaster of m (which must have a skip) on the windows at
 * `train`, choosing the penalty on those at `val` (n_val may be 0), into
 * `params` (layout.total floats): m's parameters with the anomaly mask made
 * constant (its weights and local-evidence weights zero: every lag scaled by
 * the same sigmoid of its bias), the skip S the fit, the head offsets c its
 * intercepts and the heads' weights V zero (temporal attention's C too). The network with `params`
 * forecasts exactly the fit. w is a workspace for `batch` samples; x,
 * target, weight and level are gather buffers for `batch` windows.
 * Of more than 32768 training windows, a regular subsample of about that
 * many is fitted on (every stride-th). Deterministic; allocates
 * O(L^2 + H (L P + P^2)) doubles, P the basis size. Sets *fitted to false (and
 * `params` holds no forecaster) when too few windows had every target
 * observed, the lags never vary, or no penalty could be scored.
 */
mc_status mc_linear_fit_params(float *params, const mc_model *m, mc_net_work *w,
                               const mc_series *s, const mc_window_spec *spec,
                               const size_t *train, size_t n_train, const size_t *val,
                               size_t n_val, size_t batch, float *x, float *target, float *weight,
                               float *level, bool *fitted, mc_error *err);

#endif /* MC_TRAIN_LINEAR_FIT_H */
