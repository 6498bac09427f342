/* The backtest's list of methods, for the tests: any number of them. */
#ifndef MC_EVAL_BACKTEST_METHODS_H
#define MC_EVAL_BACKTEST_METHODS_H

#include "maskcast/backtest.h"
#include "maskcast/model.h"

/* Appends a method named `name` (at most 31 bytes kept) with room for its
   forecasts, unscored; the list grows as needed. MC_ERR_NOMEM on failure,
   with `b` unchanged. */
mc_status mc_backtest_add_method(mc_backtest *b, const char *name, mc_error *err);

/* The backtest of a model given instead of trained: its forecasts from the
   rows before each origin of the test span (no refits, ensembles or
   ablations), scored with the baselines as mc_backtest_run() scores them. */
mc_status mc_backtest_model(mc_backtest **out, const mc_frame *frame, const mc_model *model,
                            const mc_backtest_options *bo, mc_error *err);

/* The row of the first origin mc_backtest_run() would place in `frame`:
   its models train on the rows before it. */
mc_status mc_backtest_first_origin(size_t *row, const mc_frame *frame, const mc_model_options *mo,
                                   const mc_backtest_options *bo, mc_error *err);

/* The instant the test span of `frame` starts at under `bo`. */
mc_status mc_backtest_test_start(int64_t *out, const mc_frame *frame,
                                 const mc_backtest_options *bo, mc_error *err);

#endif /* MC_EVAL_BACKTEST_METHODS_H */
