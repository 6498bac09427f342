/*
 * Sample windows: for an origin t, the past rows [t-L, t-1] and the target
 * rows [t, t+H-1] of a regular series, gathered into the network's input
 * layout on demand (windows are indexes, never all materialised).
 *
 *   x = [ P (L x Cp, row-major) ; O (L) ; F (H x Cf, row-major) ]
 *   P: the target (scaled, minus the window's level) then past covariates
 *   O: 1 where the past target was observed, 0 where filled or missing
 *   F: calendar features of each target time, then known-future covariates
 */
#ifndef MC_DATA_WINDOWS_H
#define MC_DATA_WINDOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/calendar.h"
#include "maskcast/status.h"

/* A regular series as the windows read it; column 0 is the target. */
typedef struct mc_series {
    size_t rows;
    const int64_t *wall;            /* (rows) wall-clock seconds, for calendar features */
    size_t n_columns;
    const double *const *values;    /* [n_columns](rows), NaN where missing */
    const uint8_t *const *states;   /* [n_columns](rows), mc_value_state */
    /* (rows, MC_CALENDAR_CHANNELS) each row's calendar features with the
       spec's holidays, computed once; NULL: computed as windows are
       gathered (the same values) */
    const float *calendar;
} mc_series;

/* value_scaled = (value - mean) / scale, fitted on the training span. */
typedef struct mc_scaler {
    double mean;
    double scale;
} mc_scaler;

typedef struct mc_window_spec {
    size_t lookback;        /* L */
    size_t horizon;         /* H */
    size_t level_steps;     /* the level: mean of the lookback's last level_steps rows */
    size_t n_past;          /* past covariates: series columns (> 0) */
    const size_t *past;
    size_t n_future;        /* known-future covariates: series columns (> 0), taken at target times */
    const size_t *future;
    bool calendar;          /* MC_CALENDAR_CHANNELS leading future channels */
    bool normalize_level;   /* subtract the level from the target */
    const mc_holidays *holidays; /* may be NULL */
    const mc_scaler *scalers;    /* (n_columns) */
} mc_window_spec;

size_t mc_window_past_channels(const mc_window_spec *w);   /* Cp */
size_t mc_window_future_channels(const mc_window_spec *w); /* Cf */
size_t mc_window_input_size(const mc_window_spec *w);      /* n_in */

/*
 * Fits each column's scaler on its observed values in rows [0, rows_end):
 * mean and standard deviation (1 when the column is constant or empty).
 */
void mc_scaler_fit(mc_scaler *out /* (n_columns) */, const mc_series *s, size_t rows_end);

/*
 * Gathers `batch` windows at `origins` (each with L <= t and t + H <= rows of
 * the series, checked by the caller) into x (batch, n_in). When not NULL:
 * target (batch, H) gets the scaled targets minus the level, weight (batch, H)
 * 1 where the target was observed and 0 otherwise (filled values never
 * count), and level (batch) the level added back to outputs.
 */
void mc_window_gather(float *x, float *target, float *weight, float *level, const mc_series *s,
                      const mc_window_spec *w, const size_t *origins, size_t batch);

#endif /* MC_DATA_WINDOWS_H */
