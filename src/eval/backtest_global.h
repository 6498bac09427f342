/* Backtests of a global model: one model trained on every series before a
   common test start, then each series backtested with its own view of it. */
#ifndef MC_EVAL_BACKTEST_GLOBAL_H
#define MC_EVAL_BACKTEST_GLOBAL_H

#include "maskcast/backtest.h"
#include "train/global.h"

/*
 * Trains a global model (mc_model_train_series) on every series' rows
 * before the earliest test start of any of them (so that no series' test
 * span is trained on through another), then backtests each series from that
 * instant on with its view of the model (mc_backtest_model), baselines and
 * intervals as bo asks. out (set->n) receives one result per series, in
 * the set's order (all NULL on failure). When `model` is not NULL it
 * receives the global model (the caller frees it).
 */
mc_status mc_backtest_series(mc_backtest **out, mc_model **model, const mc_series_set *set,
                             const mc_model_options *mo, const mc_train_options *to,
                             const mc_backtest_options *bo, mc_error *err);

/*
 * One model per series: each series' result is mc_backtest_run()'s on it.
 * With bo->collective spanning several processes (and no refits, ensembles
 * or ablations), the series are dealt over the processes, `ranks` at a time:
 * each trains its series' model alone, the models are exchanged
 * (mc_model_exchange), and every process forecasts and scores every series
 * with them, so that all hold the same results, equal to one process's.
 * Otherwise the series go one after the other, each backtest spreading its
 * own training runs as mc_backtest_run() does. out (set->n) as above.
 */
mc_status mc_backtest_each_series(mc_backtest **out, const mc_series_set *set,
                                  const mc_model_options *mo, const mc_train_options *to,
                                  const mc_backtest_options *bo, mc_error *err);

#endif /* MC_EVAL_BACKTEST_GLOBAL_H */
