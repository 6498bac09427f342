/* Forecasting from a history: the origin is right after the last observed
   load; known-future covariates come from the history's rows after it or
   from a separate frame of future values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/timestamp.h"
#include "maskcast/frame.h"
#include "train/bind.h"
#include "train/model_internal.h"

/* The arrays a forecast's series is built in, freed together. */
typedef struct forecast_data {
    size_t rows;
    int64_t *wall;
    double *values;   /* (channels, rows) */
    uint8_t *states;  /* (channels, rows) */
    const double *value_rows[1 + 2 * MC_MAX_COVARIATES];
    const uint8_t *state_rows[1 + 2 * MC_MAX_COVARIATES];
} forecast_data;

static void forecast_data_free(forecast_data *d)
{
    free(d->wall);
    free(d->values);
    free(d->states);
}

static bool find_column(const mc_frame *f, const char *name, size_t *out)
{
    for (size_t j = 0; f != NULL && j < mc_frame_columns(f); j++)
        if (strcmp(mc_frame_column_name(f, j), name) == 0) {
            *out = j;
            return true;
        }
    return false;
}

/* The row of `f` at instant t, if any (f is regular). */
static bool row_at(const mc_frame *f, int64_t t, size_t *row)
{
    if (f == NULL || mc_frame_rows(f) == 0 || mc_frame_step(f) <= 0)
        return false;
    const int64_t t0 = mc_frame_times(f)[0], step = mc_frame_step(f);
    if (t < t0 || (t - t0) % step != 0)
        return false;
    const uint64_t i = (uint64_t)(t - t0) / (uint64_t)step;
    if (i >= mc_frame_rows(f))
        return false;
    *row = (size_t)i;
    return true;
}

static mc_status missing_future(const mc_model *m, const char *name, int64_t t, int16_t offset,
                                bool with_offset, mc_error *err)
{
    (void)m;
    char when[40];
    mc_time_to_text(t, offset, with_offset, when, sizeof when);
    return mc_error_set(err, MC_ERR_COLUMN, 0, 0,
                        "no value of \"%s\" for %s: give the known-future values in the rows "
                        "after the last load, or in a separate file of future values",
                        name, when);
}

/* Fills channel c's rows [0, origin) from the history column j. */
static void copy_history(forecast_data *d, size_t c, const mc_frame *h, size_t j, size_t origin)
{
    for (size_t i = 0; i < origin; i++) {
        d->values[c * d->rows + i] = mc_frame_values(h, j)[i];
        d->states[c * d->rows + i] = mc_frame_states(h, j)[i];
    }
}

static mc_status build_series(forecast_data *d, const mc_model *m, const mc_frame *h,
                              const mc_frame *future, size_t origin, mc_error *err)
{
    const size_t H = m->shape.horizon, channels = mc_model_channels(m), n = mc_frame_rows(h);
    const bool offsets = mc_frame_get_report(h)->has_utc_offsets;
    d->rows = origin + H;
    d->wall = mc_realloc_array(NULL, d->rows, sizeof *d->wall);
    d->values = mc_realloc_array(NULL, channels * d->rows, sizeof *d->values);
    d->states = mc_realloc_array(NULL, channels * d->rows, sizeof *d->states);
    if (!d->wall || !d->values || !d->states)
        return mc_error_nomem(err, "preparing the forecast");
    const int64_t *t = mc_frame_times(h);
    const int16_t *o = mc_frame_utc_offsets(h);
    for (size_t i = 0; i < d->rows; i++) {
        const size_t src = i < n ? i : n - 1;
        const int64_t instant = t[src] + (int64_t)(i - src) * m->step;
        d->wall[i] = instant + 60 * (int64_t)o[src];
    }
    for (size_t c = 0; c < channels * d->rows; c++) {
        d->values[c] = NAN;
        d->states[c] = MC_VALUE_MISSING;
    }
    copy_history(d, 0, h, 0, origin);
    for (size_t c = 1; c <= m->n_past; c++) {
        size_t j;
        if (!find_column(h, m->names[c], &j))
            return mc_error_set(err, MC_ERR_COLUMN, 0, 0,
                                "the history has no column \"%s\", which the model takes as a "
                                "past input",
                                m->names[c]);
        copy_history(d, c, h, j, origin);
    }
    for (size_t c = 1 + m->n_past; c < channels; c++) {
        size_t jh = 0, jf = 0;
        const bool in_h = find_column(h, m->names[c], &jh);
        const bool in_f = find_column(future, m->names[c], &jf);
        for (size_t i = origin; i < d->rows; i++) {
            const int64_t instant = t[i < n ? i : n - 1] + (int64_t)(i < n ? 0 : i - n + 1) * m->step;
            size_t row;
            double v = NAN;
            if (in_h && i < n && mc_frame_states(h, jh)[i] != MC_VALUE_MISSING)
                v = mc_frame_values(h, jh)[i];
            else if (in_f && row_at(future, instant, &row) &&
                     mc_frame_states(future, jf)[row] != MC_VALUE_MISSING)
                v = mc_frame_values(future, jf)[row];
            if (isnan(v))
                return missing_future(m, m->names[c], instant, o[n - 1], offsets, err);
            d->values[c * d->rows + i] = v;
            d->states[c * d->rows + i] = MC_VALUE_OBSERVED;
        }
    }
    for (size_t c = 0; c < channels; c++) {
        d->value_rows[c] = d->values + c * d->rows;
        d->state_rows[c] = d->states + c * d->rows;
    }
    return MC_OK;
}

mc_status mc_model_forecast(const mc_model *m, const mc_frame *history, const mc_frame *future,
                            int64_t *times, double *values, mc_error *err)
{
    const size_t L = m->shape.lookback, H = m->shape.horizon;
    if (mc_frame_step(history) != m->step) {
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the history's step (%lld s) differs from the model's (%lld s)",
                            (long long)mc_frame_step(history), (long long)m->step);
    }
    if (future != NULL && mc_frame_step(future) > 0 && mc_frame_step(future) != m->step)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the future values' step (%lld s) differs from the model's (%lld s)",
                            (long long)mc_frame_step(future), (long long)m->step);
    size_t origin = mc_frame_rows(history);
    while (origin > 0 && mc_frame_states(history, 0)[origin - 1] != MC_VALUE_OBSERVED)
        origin--;
    if (origin < L)
        return mc_error_set(err, MC_ERR_EMPTY, 0, 0,
                            "the history is too short: %zu rows up to the last observed load, and "
                            "the model looks back %zu",
                            origin, L);
    forecast_data d;
    memset(&d, 0, sizeof d);
    mc_status st = build_series(&d, m, history, future, origin, err);
    if (st == MC_OK) {
        const mc_series s = {.rows = d.rows, .wall = d.wall, .n_columns = mc_model_channels(m),
                             .values = d.value_rows, .states = d.state_rows};
        st = mc_model_predict(m, &s, &origin, 1, values, NULL, err);
    }
    if (st == MC_OK) {
        const int64_t t_last = mc_frame_times(history)[origin - 1];
        for (size_t k = 0; k < H; k++)
            times[k] = t_last + (int64_t)(k + 1) * m->step;
    }
    forecast_data_free(&d);
    return st;
}
