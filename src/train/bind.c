#include "train/bind.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/frame_lookup.h"

mc_status mc_model_bind(mc_bound *b, const mc_model *m, const mc_frame *f, size_t rows,
                        mc_error *err)
{
    memset(b, 0, sizeof *b);
    const size_t channels = mc_model_channels(m);
    if (rows > mc_frame_rows(f))
        rows = mc_frame_rows(f);
    b->wall = mc_realloc_array(NULL, rows ? rows : 1, sizeof *b->wall);
    if (b->wall == NULL)
        return mc_error_nomem(err, "preparing the data");
    for (size_t i = 0; i < rows; i++)
        b->wall[i] = mc_frame_wall_time(f, i);
    b->values[0] = mc_frame_values(f, 0);
    b->states[0] = mc_frame_states(f, 0);
    if (m->constants != NULL) {
        b->constant_values = mc_realloc_array(NULL, channels, (rows ? rows : 1) * sizeof(double));
        b->constant_states = mc_realloc_array(NULL, channels, rows ? rows : 1);
        if (b->constant_values == NULL || b->constant_states == NULL) {
            mc_bound_free(b);
            return mc_error_nomem(err, "preparing the data");
        }
    }
    for (size_t c = 1; c < channels; c++) {
        size_t j = 0;
        if (m->constants != NULL && !isnan(m->constants[c])) {
            double *v = b->constant_values + c * rows;
            uint8_t *s = b->constant_states + c * rows;
            for (size_t i = 0; i < rows; i++) {
                v[i] = m->constants[c];
                s[i] = MC_VALUE_OBSERVED;
            }
            b->values[c] = v;
            b->states[c] = s;
            continue;
        }
        if (!mc_frame_find_column(f, m->names[c], &j)) {
            mc_bound_free(b);
            char q[MC_ERROR_NAME_SIZE];
            return mc_error_set(err, MC_ERR_COLUMN, 0, 0,
                                "the data has no column \"%s\" (read it as a covariate)",
                                mc_error_name(q, m->names[c]));
        }
        b->values[c] = mc_frame_values(f, j);
        b->states[c] = mc_frame_states(f, j);
    }
    /* Each row's calendar once: windows overlap, and a row's features would
       otherwise be computed once per window that reaches it. */
    if (m->calendar) {
        b->calendar = mc_realloc_array(NULL, rows ? rows : 1,
                                       MC_CALENDAR_CHANNELS * sizeof *b->calendar);
        if (b->calendar == NULL) {
            mc_bound_free(b);
            return mc_error_nomem(err, "preparing the data");
        }
        for (size_t i = 0; i < rows; i++)
            mc_calendar_features(b->calendar + i * MC_CALENDAR_CHANNELS, b->wall[i],
                                 &m->holidays);
    }
    b->series = (mc_series){.rows = rows, .wall = b->wall, .n_columns = channels,
                            .values = b->values, .states = b->states, .calendar = b->calendar};
    return MC_OK;
}

mc_status mc_model_bind_history(mc_bound *b, const mc_model *m, const mc_frame *f,
                                mc_error *err)
{
    memset(b, 0, sizeof *b);
    if (m->series.n > 0)
        return mc_global_model_refused(m, err);
    if (mc_frame_step(f) == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the history is not regularised (call mc_frame_regularize() first)");
    if (mc_frame_step(f) != m->step)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the history's step (%lld s) differs from the model's (%lld s)",
                            (long long)mc_frame_step(f), (long long)m->step);
    return mc_model_bind(b, m, f, mc_frame_rows(f), err);
}

void mc_bound_free(mc_bound *b)
{
    free(b->wall);
    free(b->calendar);
    free(b->constant_values);
    free(b->constant_states);
    b->wall = NULL;
    b->calendar = NULL;
    b->constant_values = NULL;
    b->constant_states = NULL;
}

enum { PREDICT_BATCH = 256 };

/* Non-crossing quantiles by rearrangement: sorting each step's outputs never
   worsens the pinball loss. */
static void sort_quantiles(double *v, size_t q)
{
    for (size_t i = 1; i < q; i++) {
        const double x = v[i];
        size_t k = i;
        for (; k > 0 && v[k - 1] > x; k--)
            v[k] = v[k - 1];
        v[k] = x;
    }
}

/* One batch's outputs in the load's units, and its anomaly mask over the past load. */
static void write_outputs(const mc_model *m, const mc_net_work *w, const float *level,
                          size_t batch, double *out, float *mask)
{
    const size_t L = m->shape.lookback, H = m->shape.horizon, Q = m->shape.quantiles;
    const size_t HQ = H * Q, Cp = m->shape.past_channels, np = mc_net_n_past(&m->shape);
    const mc_scaler *sc = &m->scalers[0];
    for (size_t b = 0; b < batch; b++) {
        double *o = out + b * HQ;
        for (size_t j = 0; j < HQ; j++)
            o[j] = ((double)w->y[b * HQ + j] + (double)level[b]) * sc->scale + sc->mean;
        for (size_t k = 0; k < H; k++)
            sort_quantiles(o + k * Q, Q);
        for (size_t l = 0; mask != NULL && l < L; l++)
            mask[b * L + l] = m->shape.anomaly_mask ? w->mask[b * np + l * Cp] : 1.0f;
    }
}

/* Per sample, the outputs and the anomaly mask an ensemble sums. */
static size_t member_sums(const mc_model *m)
{
    return mc_net_n_output(&m->shape) + mc_net_n_past(&m->shape);
}

/* attention (H, L) += scale times the batch's attention weights, summed over
   its samples. */
static void add_attention(double *attention, const mc_model *m, const mc_net_work *w,
                          size_t batch, double scale)
{
    const size_t HL = m->shape.horizon * m->shape.lookback;
    for (size_t b = 0; b < batch; b++)
        for (size_t i = 0; i < HL; i++)
            attention[i] += scale * (double)w->tattn.alpha[b * HL + i];
}

/* The forward pass of every member on x, leaving in w->y and w->mask the
   members' mean outputs and masks (summed in member order, so the same for
   any batch); `sum` (batch, member_sums) is scratch, NULL for one member.
   attention (may be NULL) gets the members' mean weights. */
static void forward_members(const mc_model *m, mc_net_work *w, float *sum, const float *x,
                            size_t batch, double *attention)
{
    const size_t HQ = mc_net_n_output(&m->shape), np = mc_net_n_past(&m->shape);
    const size_t per = member_sums(m), M = m->members;
    const bool temporal = attention != NULL && m->shape.temporal != MC_NN_TEMPORAL_NONE;
    for (size_t j = 0; j < M; j++) {
        mc_net_forward(w, m->params + j * m->layout.total, &m->layout, &m->shape, x, batch);
        if (temporal)
            add_attention(attention, m, w, batch, 1.0 / (double)M);
        if (M == 1)
            return;
        for (size_t b = 0; b < batch; b++) {
            float *s = sum + b * per;
            for (size_t i = 0; i < HQ; i++)
                s[i] = (j ? s[i] : 0.0f) + w->y[b * HQ + i];
            for (size_t i = 0; m->shape.anomaly_mask && i < np; i++)
                s[HQ + i] = (j ? s[HQ + i] : 0.0f) + w->mask[b * np + i];
        }
    }
    for (size_t b = 0; b < batch; b++) {
        const float *s = sum + b * per;
        for (size_t i = 0; i < HQ; i++)
            w->y[b * HQ + i] = s[i] / (float)M;
        for (size_t i = 0; m->shape.anomaly_mask && i < np; i++)
            w->mask[b * np + i] = s[HQ + i] / (float)M;
    }
}

mc_status mc_predict_work_alloc(mc_predict_work *w, const mc_model *m, size_t capacity,
                                mc_error *err)
{
    memset(w, 0, sizeof *w);
    const size_t B = capacity ? capacity : 1;
    mc_status st = mc_net_work_alloc(&w->net, &m->shape, B, err);
    if (st != MC_OK)
        return st;
    w->x = mc_realloc_array(NULL, B, mc_net_n_input(&m->shape) * sizeof *w->x);
    w->level = mc_realloc_array(NULL, B, sizeof *w->level);
    if (m->members > 1)
        w->sum = mc_realloc_array(NULL, B, member_sums(m) * sizeof *w->sum);
    if (w->x == NULL || w->level == NULL || (m->members > 1 && w->sum == NULL)) {
        mc_predict_work_free(w);
        return mc_error_nomem(err, "allocating the forecasting workspace");
    }
    w->capacity = B;
    return MC_OK;
}

void mc_predict_work_free(mc_predict_work *w)
{
    mc_net_work_free(&w->net);
    free(w->x);
    free(w->level);
    free(w->sum);
    memset(w, 0, sizeof *w);
}

mc_status mc_model_predict_with(const mc_model *m, mc_predict_work *w, const mc_series *s,
                                const size_t *origins, size_t n, double *out, float *mask,
                                mc_error *err)
{
    const size_t L = m->shape.lookback, H = m->shape.horizon, Q = m->shape.quantiles;
    const size_t HQ = H * Q, B = w->capacity;
    for (size_t i = 0; i < n; i++)
        if (origins[i] < L || origins[i] + H > s->rows)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                "origin %zu needs rows %zu to %zu; the data has %zu", origins[i],
                                origins[i] < L ? 0 : origins[i] - L, origins[i] + H, s->rows);
    size_t past_idx[MC_MAX_COVARIATES], future_idx[MC_MAX_COVARIATES];
    mc_window_spec spec;
    mc_model_window_spec(m, &spec, past_idx, future_idx);
    for (size_t i = 0; i < n; i += B) {
        const size_t batch = n - i < B ? n - i : B;
        mc_window_gather(w->x, NULL, NULL, w->level, s, &spec, origins + i, batch);
        forward_members(m, &w->net, w->sum, w->x, batch, NULL);
        write_outputs(m, &w->net, w->level, batch, out + i * HQ, mask ? mask + i * L : NULL);
    }
    return MC_OK;
}

mc_status mc_model_predict(const mc_model *m, const mc_series *s, const size_t *origins, size_t n,
                           double *out, float *mask, mc_error *err)
{
    mc_predict_work w;
    mc_status st = mc_predict_work_alloc(&w, m, n < PREDICT_BATCH ? n : PREDICT_BATCH, err);
    if (st == MC_OK)
        st = mc_model_predict_with(m, &w, s, origins, n, out, mask, err);
    mc_predict_work_free(&w);
    return st;
}

mc_status mc_model_predict_inputs(const mc_model *m, const float *x, const float *level, size_t n,
                                  double *out, float *mask, double *attention, mc_error *err)
{
    const size_t L = m->shape.lookback, HQ = mc_net_n_output(&m->shape);
    const size_t n_in = mc_net_n_input(&m->shape);
    const size_t B = n < PREDICT_BATCH ? (n ? n : 1) : PREDICT_BATCH;
    mc_net_work w;
    mc_status st = mc_net_work_alloc(&w, &m->shape, B, err);
    float *sum = NULL;
    if (st == MC_OK && m->members > 1 &&
        (sum = mc_realloc_array(NULL, B, member_sums(m) * sizeof *sum)) == NULL)
        st = mc_error_nomem(err, "allocating the forecasting workspace");
    for (size_t i = 0; st == MC_OK && i < n; i += B) {
        const size_t batch = n - i < B ? n - i : B;
        forward_members(m, &w, sum, x + i * n_in, batch, attention);
        write_outputs(m, &w, level + i, batch, out + i * HQ, mask ? mask + i * L : NULL);
    }
    free(sum);
    mc_net_work_free(&w);
    return st;
}
