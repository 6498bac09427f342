/* The backtest's list of methods, for the tests: any number of them. */
#ifndef MC_EVAL_BACKTEST_METHODS_H
#define MC_EVAL_BACKTEST_METHODS_H

#include "maskcast/backtest.h"

/* Appends a method named `name` (at most 31 bytes kept) with room for its
   forecasts, unscored; the list grows as needed. MC_ERR_NOMEM on failure,
   with `b` unchanged. */
mc_status mc_backtest_add_method(mc_backtest *b, const char *name, mc_error *err);

#endif /* MC_EVAL_BACKTEST_METHODS_H */
