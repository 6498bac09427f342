/* Forecasting from a history: the origin is right after the last observed
   load; known-future covariates come from the history's rows after it or
   from a separate frame of future values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/frame_lookup.h"
#include "data/timestamp.h"
#include "maskcast/frame.h"
#include "train/bind.h"
#include "train/model_internal.h"

/* A forecast reads the L rows before the origin and the H rows after it, so
   its series is built in buffers of L + H rows, sized once per forecaster. */
struct mc_forecaster {
    const mc_model *model;
    size_t rows;      /* L + H */
    int64_t *wall;    /* (rows) */
    double *values;   /* (channels, rows) */
    uint8_t *states;  /* (channels, rows) */
    const double *value_rows[1 + 2 * MC_MAX_COVARIATES];
    const uint8_t *state_rows[1 + 2 * MC_MAX_COVARIATES];
    mc_predict_work work; /* one origin at a time */
};

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
    char when[40], q[MC_ERROR_NAME_SIZE];
    mc_time_to_text(t, offset, with_offset, when, sizeof when);
    return mc_error_set(err, MC_ERR_COLUMN, 0, 0,
                        "no value of \"%s\" for %s: give the known-future values in the rows "
                        "after the last load, or in a separate file of future values",
                        mc_error_name(q, name), when);
}

/* Fills channel c's rows [0, L) of the window from rows [first, first + L)
   of the history column j. */
static void copy_history(mc_forecaster *fc, size_t c, const mc_frame *h, size_t j, size_t first)
{
    const size_t L = fc->model->shape.lookback;
    for (size_t i = 0; i < L; i++) {
        fc->values[c * fc->rows + i] = mc_frame_values(h, j)[first + i];
        fc->states[c * fc->rows + i] = mc_frame_states(h, j)[first + i];
    }
}

/* Builds the window of history rows [origin - L, origin + H): the history's
   own rows, then (past its end) instants one step apart. */
static mc_status build_window(mc_forecaster *fc, const mc_frame *h, const mc_frame *future,
                              size_t origin, mc_error *err)
{
    const mc_model *m = fc->model;
    const size_t channels = mc_model_channels(m), n = mc_frame_rows(h);
    const size_t first = origin - m->shape.lookback;
    const bool offsets = mc_frame_get_report(h)->has_utc_offsets;
    const int64_t *t = mc_frame_times(h);
    const int16_t *o = mc_frame_utc_offsets(h);
    for (size_t w = 0; w < fc->rows; w++) {
        const size_t i = first + w, src = i < n ? i : n - 1;
        const int64_t instant = t[src] + (int64_t)(i - src) * m->step;
        /* past the history, the zone's clock where it has one */
        const int offset = i < n ? o[i] : mc_frame_offset_at(h, instant);
        fc->wall[w] = instant + 60 * (int64_t)offset;
    }
    for (size_t c = 0; c < channels * fc->rows; c++) {
        fc->values[c] = NAN;
        fc->states[c] = MC_VALUE_MISSING;
    }
    copy_history(fc, 0, h, 0, first);
    for (size_t c = 1; c <= m->n_past; c++) {
        size_t j;
        char q[MC_ERROR_NAME_SIZE];
        if (!mc_frame_find_column(h, m->names[c], &j))
            return mc_error_set(err, MC_ERR_COLUMN, 0, 0,
                                "the history has no column \"%s\", which the model takes as a "
                                "past input",
                                mc_error_name(q, m->names[c]));
        copy_history(fc, c, h, j, first);
    }
    for (size_t c = 1 + m->n_past; c < channels; c++) {
        if (m->constants != NULL && !isnan(m->constants[c])) {
            for (size_t w = m->shape.lookback; w < fc->rows; w++) {
                fc->values[c * fc->rows + w] = m->constants[c];
                fc->states[c * fc->rows + w] = MC_VALUE_OBSERVED;
            }
            continue;
        }
        size_t jh = 0, jf = 0;
        const bool in_h = mc_frame_find_column(h, m->names[c], &jh);
        const bool in_f = mc_frame_find_column(future, m->names[c], &jf);
        for (size_t w = m->shape.lookback; w < fc->rows; w++) {
            const size_t i = first + w;
            const int64_t instant = t[i < n ? i : n - 1] + (int64_t)(i < n ? 0 : i - n + 1) * m->step;
            size_t row;
            double v = NAN;
            if (in_h && i < n && mc_frame_states(h, jh)[i] != MC_VALUE_MISSING)
                v = mc_frame_values(h, jh)[i];
            else if (in_f && row_at(future, instant, &row) &&
                     mc_frame_states(future, jf)[row] != MC_VALUE_MISSING)
                v = mc_frame_values(future, jf)[row];
            if (isnan(v))
                return missing_future(m, m->names[c], instant,
                                      (int16_t)(i < n ? o[i] : mc_frame_offset_at(h, instant)),
                                      offsets, err);
            fc->values[c * fc->rows + w] = v;
            fc->states[c * fc->rows + w] = MC_VALUE_OBSERVED;
        }
    }
    return MC_OK;
}

mc_status mc_forecaster_create(mc_forecaster **out, const mc_model *model, mc_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || model == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a forecaster needs a model and a place to store it");
    if (model->series.n > 0)
        return mc_global_model_refused(model, err);
    mc_forecaster *fc = calloc(1, sizeof *fc);
    if (fc == NULL)
        return mc_error_nomem(err, "creating a forecaster");
    const size_t channels = mc_model_channels(model);
    fc->model = model;
    fc->rows = model->shape.lookback + model->shape.horizon;
    fc->wall = mc_realloc_array(NULL, fc->rows, sizeof *fc->wall);
    fc->values = mc_realloc_array(NULL, channels * fc->rows, sizeof *fc->values);
    fc->states = mc_realloc_array(NULL, channels * fc->rows, sizeof *fc->states);
    if (fc->wall == NULL || fc->values == NULL || fc->states == NULL) {
        mc_forecaster_free(fc);
        return mc_error_nomem(err, "creating a forecaster");
    }
    mc_status st = mc_predict_work_alloc(&fc->work, model, 1, err);
    if (st != MC_OK) {
        mc_forecaster_free(fc);
        return st;
    }
    for (size_t c = 0; c < channels; c++) {
        fc->value_rows[c] = fc->values + c * fc->rows;
        fc->state_rows[c] = fc->states + c * fc->rows;
    }
    *out = fc;
    return MC_OK;
}

void mc_forecaster_free(mc_forecaster *fc)
{
    if (fc == NULL)
        return;
    mc_predict_work_free(&fc->work);
    free(fc->wall);
    free(fc->values);
    free(fc->states);
    free(fc);
}

const mc_model *mc_forecaster_model(const mc_forecaster *fc)
{
    return fc != NULL ? fc->model : NULL;
}

mc_status mc_forecaster_run(mc_forecaster *fc, const mc_frame *history, const mc_frame *future,
                            int64_t *times, double *values, mc_error *err)
{
    if (fc == NULL || history == NULL || times == NULL || values == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a forecast needs a forecaster, a history and buffers for the result");
    const mc_model *m = fc->model;
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
    mc_status st = build_window(fc, history, future, origin, err);
    if (st != MC_OK)
        return st;
    const mc_series s = {.rows = fc->rows, .wall = fc->wall, .n_columns = mc_model_channels(m),
                         .values = fc->value_rows, .states = fc->state_rows};
    const size_t window_origin = L;
    if ((st = mc_model_predict_with(m, &fc->work, &s, &window_origin, 1, values, NULL, err)) !=
        MC_OK)
        return st;
    /* Finite inputs can still overflow: a load of 1e308, or a model file's
       finite but huge weights. Refused rather than handed on as inf. */
    const size_t n_values = H * mc_model_quantiles(m);
    for (size_t i = 0; i < n_values; i++)
        if (!isfinite(values[i]))
            return mc_error_set(err, MC_ERR_VALUE, 0, 0,
                                "the forecast at step %zu is not a finite number: the history's "
                                "values are far outside the range the model was trained on, or "
                                "the model file's weights are",
                                i / mc_model_quantiles(m) + 1);
    const int64_t t_last = mc_frame_times(history)[origin - 1];
    for (size_t k = 0; k < H; k++)
        times[k] = t_last + (int64_t)(k + 1) * m->step;
    if (err != NULL)
        mc_error_clear(err);
    return MC_OK;
}

mc_status mc_model_forecast(const mc_model *m, const mc_frame *history, const mc_frame *future,
                            int64_t *times, double *values, mc_error *err)
{
    mc_forecaster *fc = NULL;
    mc_status st = mc_forecaster_create(&fc, m, err);
    if (st == MC_OK)
        st = mc_forecaster_run(fc, history, future, times, values, err);
    mc_forecaster_free(fc);
    return st;
}
