/* The model object: options, creation, initial weights, accessors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/calendar.h"
#include "nn/future_basis.h"
#include "nn/temporal_attention.h"
#include "train/model_internal.h"

enum { DAY_SECONDS = 86400 };

/* The public enums carry the network's values (nn/kinds.h): a model's
   options pass to the network unchanged. */
_Static_assert((int)MC_CALENDAR_CHANNELS == (int)MC_BASIS_CALENDAR_CHANNELS,
               "the future term's basis reads the calendar's channels");
_Static_assert(MC_ACTIVATION_RELU == (int)MC_NN_RELU && MC_ACTIVATION_GELU == (int)MC_NN_GELU,
               "activations");
_Static_assert(MC_MASK_SIGMOID == (int)MC_NN_MASK_SIGMOID &&
                   MC_MASK_SOFTMAX == (int)MC_NN_MASK_SOFTMAX,
               "mask kinds");
_Static_assert(MC_LOSS_MAE == (int)MC_NN_LOSS_MAE && MC_LOSS_MSE == (int)MC_NN_LOSS_MSE &&
                   MC_LOSS_HUBER == (int)MC_NN_LOSS_HUBER &&
                   MC_LOSS_PINBALL == (int)MC_NN_LOSS_PINBALL,
               "losses");
_Static_assert(MC_MAX_QUANTILES == MC_NN_MAX_QUANTILES, "quantile counts");
_Static_assert(MC_TEMPORAL_NONE == (int)MC_NN_TEMPORAL_NONE &&
                   MC_TEMPORAL_GLOBAL == (int)MC_NN_TEMPORAL_GLOBAL &&
                   MC_TEMPORAL_LOCAL == (int)MC_NN_TEMPORAL_LOCAL,
               "temporal attention kinds");
_Static_assert(MC_SCORE_DOT == (int)MC_TATTN_DOT && MC_SCORE_SCALED_DOT == (int)MC_TATTN_SCALED_DOT &&
                   MC_SCORE_COSINE == (int)MC_TATTN_COSINE && MC_SCORE_MLP == (int)MC_TATTN_MLP,
               "temporal scores");

void mc_model_options_defaults(mc_model_options *o)
{
    memset(o, 0, sizeof *o);
    o->window = (mc_window_options){.lookback = 168, .horizon = 24};
    o->features = (mc_feature_options){.calendar = true, .normalize_level = true};
    o->network = (mc_network_options){.hidden = 64, .activation = MC_ACTIVATION_RELU,
                                      .mask_kind = MC_MASK_SIGMOID, .anomaly_mask = true,
                                      .horizon_masks = true,
                                      .horizon_rank = MC_HORIZON_RANK_AUTO, .skip = true,
                                      .mask_local = true, .mask_penalty = 0.1,
                                      .temporal = MC_TEMPORAL_NONE,
                                      .temporal_score = MC_SCORE_SCALED_DOT,
                                      .temporal_dim = 16, .future_terms = true,
                                      .members = 1};
    o->loss = (mc_loss_options){.kind = MC_LOSS_MAE, .huber_delta = 1.0, .n_quantiles = 3,
                                .quantiles = {0.1, 0.5, 0.9}};
}

size_t mc_model_channels(const mc_model *m) { return 1 + m->n_past + m->n_future; }
size_t mc_model_horizon(const mc_model *m) { return m->shape.horizon; }
size_t mc_model_lookback(const mc_model *m) { return m->shape.lookback; }
size_t mc_model_quantiles(const mc_model *m) { return m->shape.quantiles; }
int64_t mc_model_step(const mc_model *m) { return m->step; }
double mc_model_train_seconds(const mc_model *m) { return m->record.seconds; }
size_t mc_model_best_epoch(const mc_model *m) { return m->record.best_epoch; }

void mc_model_free(mc_model *m)
{
    if (m == NULL)
        return;
    for (size_t c = 0; m->names != NULL && c < mc_model_channels(m); c++)
        free(m->names[c]);
    free(m->names);
    free(m->time_name);
    free(m->time_zone);
    free(m->scalers);
    free(m->params);
    mc_holidays_free(&m->holidays);
    mc_calibration_free(&m->calibration);
    free(m->constants);
    mc_series_table_free(&m->series);
    free(m);
}

static mc_status check_options(const mc_model_options *mo, mc_error *err)
{
    const mc_network_options *net = &mo->network;
    const mc_loss_options *loss = &mo->loss;
    if (mo->features.n_past > MC_MAX_COVARIATES || mo->features.n_future > MC_MAX_COVARIATES)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "at most %d past and %d future covariates",
                            MC_MAX_COVARIATES, MC_MAX_COVARIATES);
    if (net->members > MC_MAX_MEMBERS)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "at most %d members", MC_MAX_MEMBERS);
    if (loss->kind == MC_LOSS_PINBALL) {
        if (loss->n_quantiles == 0 || loss->n_quantiles > MC_MAX_QUANTILES)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "between 1 and %d quantiles",
                                MC_MAX_QUANTILES);
        /* Checked as the model keeps them, in single precision: 0.99999999
           is below 1 but rounds to 1, and such a model's file would not load. */
        for (size_t q = 0; q < loss->n_quantiles; q++) {
            const float level = (float)loss->quantiles[q];
            if (!(level > 0.0f && level < 1.0f) ||
                (q > 0 && !(level > (float)loss->quantiles[q - 1])))
                return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                    "quantile levels must be increasing and between 0 and 1, "
                                    "as single-precision numbers (0.99999999 is 1 there)");
        }
    }
    if ((unsigned)loss->kind > MC_LOSS_PINBALL || (unsigned)net->activation > MC_ACTIVATION_GELU ||
        (unsigned)net->mask_kind > MC_MASK_SOFTMAX)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "unknown loss, activation or mask kind");
    if (!(net->mask_penalty >= 0.0 && net->mask_penalty <= 100.0))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the mask penalty must be in [0, 100]");
    if (net->horizon_rank != MC_HORIZON_RANK_AUTO && net->horizon_rank > MC_HORIZON_RANK_MAX)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the horizon rank must be at most %d (0 for the full masks)",
                            MC_HORIZON_RANK_MAX);
    if ((unsigned)net->temporal > MC_TEMPORAL_LOCAL || (unsigned)net->temporal_score > MC_SCORE_MLP)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "unknown temporal attention or score");
    if (net->temporal != MC_TEMPORAL_NONE &&
        !(net->temporal_dim >= 1 && net->temporal_dim <= MC_TEMPORAL_DIM_MAX))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the temporal attention's width d must be from 1 to %d",
                            MC_TEMPORAL_DIM_MAX);
    if (mo->features.n_holidays > 0 && mo->features.holidays == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "holidays counted but not given");
    if (loss->kind == MC_LOSS_HUBER && !(loss->huber_delta > 0.0))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the Huber threshold must be positive");
    return MC_OK;
}

/* The rank the options ask for, with "auto" resolved from the horizon. */
static size_t horizon_rank(const mc_model_options *mo)
{
    if (!mo->network.horizon_masks)
        return 0;
    if (mo->network.horizon_rank == MC_HORIZON_RANK_AUTO)
        return mo->window.horizon <= MC_HORIZON_FULL_MAX ? 0 : MC_HORIZON_RANK_DEFAULT;
    return mo->network.horizon_rank;
}

void mc_model_shape(const mc_model_options *mo, mc_net_shape *shape)
{
    const mc_network_options *net = &mo->network;
    mc_window_spec spec = {.n_past = mo->features.n_past, .n_future = mo->features.n_future,
                           .calendar = mo->features.calendar, .lookback = mo->window.lookback,
                           .horizon = mo->window.horizon};
    *shape = (mc_net_shape){.lookback = mo->window.lookback, .horizon = mo->window.horizon,
                            .past_channels = mc_window_past_channels(&spec),
                            .future_channels = mc_window_future_channels(&spec),
                            .hidden = net->hidden,
                            .quantiles = mo->loss.kind == MC_LOSS_PINBALL ? mo->loss.n_quantiles : 1,
                            .activation = (mc_nn_activation)net->activation,
                            .mask_kind = (mc_nn_mask)net->mask_kind,
                            .anomaly_mask = net->anomaly_mask,
                            .horizon_masks = net->horizon_masks,
                            .horizon_rank = horizon_rank(mo), .skip = net->skip,
                            .future_terms = net->future_terms,
                            .blend = net->blend,
                            .calendar = mo->features.calendar,
                            .mask_local = net->anomaly_mask && net->mask_local,
                            .mask_penalty = net->anomaly_mask ? (float)net->mask_penalty : 0.0f,
                            .mask_topk = net->horizon_masks ? net->mask_topk : 0,
                            .anomaly_topk = net->anomaly_mask ? net->anomaly_topk : 0,
                            .temporal = (mc_nn_temporal)net->temporal,
                            .temporal_score = net->temporal != MC_TEMPORAL_NONE
                                                  ? (int)net->temporal_score : 0,
                            .temporal_dim = net->temporal != MC_TEMPORAL_NONE ? net->temporal_dim
                                                                               : 0,
                            .temporal_width = net->temporal == MC_TEMPORAL_LOCAL
                                                  ? net->temporal_width : 0};
}

/* The options as the model is: "auto" resolved, values as the network keeps
   them (single precision), switched-off parts' settings at their off
   values, no pointers. What its file records and inspect shows. */
static mc_model_options resolved_options(const mc_model *m, const mc_model_options *mo)
{
    mc_model_options c = *mo;
    c.features = (mc_feature_options){.calendar = m->calendar,
                                      .normalize_level = m->normalize_level,
                                      .level_steps = m->level_steps,
                                      .n_past = m->n_past, .n_future = m->n_future,
                                      .n_holidays = m->holidays.n};
    c.network.horizon_rank = m->shape.horizon_rank;
    c.network.mask_local = m->shape.mask_local;
    c.network.mask_penalty = (double)m->shape.mask_penalty;
    c.network.mask_topk = m->shape.mask_topk;
    c.network.anomaly_topk = m->shape.anomaly_topk;
    c.network.temporal_score = (mc_temporal_score)m->shape.temporal_score;
    c.network.temporal_dim = m->shape.temporal_dim;
    c.network.temporal_width = m->shape.temporal_width;
    c.network.future_terms = mc_net_n_terms(&m->shape) > 0;
    c.loss.n_quantiles = m->loss.kind == MC_NN_LOSS_PINBALL ? m->loss.n_quantiles : 0;
    for (size_t q = 0; q < MC_MAX_QUANTILES; q++)
        c.loss.quantiles[q] = q < c.loss.n_quantiles ? (double)m->loss.quantiles[q] : 0.0;
    return c;
}

size_t mc_model_median_output(const mc_model *m)
{
    for (size_t q = 0; q < m->shape.quantiles; q++)
        if (m->loss.quantiles[q] == 0.5f)
            return q;
    return m->shape.quantiles / 2;
}

mc_status mc_model_nomem(const mc_model *m, const char *what, mc_error *err)
{
    const double days = (double)m->shape.lookback * (double)m->step / 86400.0;
    return mc_error_set(err, MC_ERR_NOMEM, 0, 0,
                        "out of memory while %s: a lookback of %zu steps of %lld s (%.1f days) "
                        "and a horizon of %zu steps make %zu parameters (%.0f MB) and %zu inputs "
                        "per window; a shorter lookback or fewer hidden units need less",
                        what, m->shape.lookback, (long long)m->step, days, m->shape.horizon,
                        m->layout.total, 4e-6 * (double)m->layout.total,
                        mc_net_n_input(&m->shape));
}

mc_status mc_model_create(mc_model **out, const mc_model_options *mo, int64_t step,
                          const char *target, mc_holidays *holidays, mc_error *err)
{
    *out = NULL;
    mc_status st = check_options(mo, err);
    if (st != MC_OK)
        return st;
    if (step <= 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the data step must be positive");
    mc_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return mc_error_nomem(err, "allocating a model");
    m->step = step;
    m->record.network_val_loss = m->record.linear_val_loss = NAN;
    m->record.blend_weight = m->record.blend_val_loss = NAN;
    m->day_steps = step < DAY_SECONDS ? (size_t)(DAY_SECONDS / step) : 1;
    const mc_feature_options *feat = &mo->features;
    m->calendar = feat->calendar;
    m->normalize_level = feat->normalize_level;
    m->level_steps = feat->level_steps && feat->level_steps < m->day_steps ? feat->level_steps
                                                                           : m->day_steps;
    m->n_past = feat->n_past;
    m->n_future = feat->n_future;
    m->holidays = *holidays;
    holidays->days = NULL;
    holidays->n = 0;

    const bool pinball = mo->loss.kind == MC_LOSS_PINBALL;
    m->loss.kind = (mc_nn_loss)mo->loss.kind;
    m->loss.huber_delta = mo->loss.huber_delta;
    m->loss.n_quantiles = pinball ? mo->loss.n_quantiles : 1;
    for (size_t q = 0; q < m->loss.n_quantiles; q++)
        m->loss.quantiles[q] = pinball ? (float)mo->loss.quantiles[q] : 0.5f;

    mc_model_shape(mo, &m->shape);
    if (m->shape.temporal == MC_NN_TEMPORAL_LOCAL && m->shape.temporal_width == 0)
        m->shape.temporal_width = m->day_steps; /* "a day": needs the step */
    m->config = resolved_options(m, mo);
    /* The plan bounds every size for batches up to 2^20 samples. */
    if ((st = mc_net_plan(&m->shape, (size_t)1 << 20, &m->layout, err)) != MC_OK) {
        mc_model_free(m);
        return st;
    }
    const size_t channels = mc_model_channels(m);
    m->members = mo->network.members > 1 ? mo->network.members : 1;
    m->config.network.members = m->members;
    m->params = mc_realloc_array(NULL, m->members, m->layout.total * sizeof *m->params);
    m->scalers = calloc(channels, sizeof *m->scalers);
    m->names = calloc(channels, sizeof *m->names);
    if (m->params == NULL || m->scalers == NULL || m->names == NULL) {
        st = mc_model_nomem(m, "creating the model", err);
        mc_model_free(m);
        return st;
    }
    m->names[0] = mc_string_copy(target);
    for (size_t c = 0; c < feat->n_past; c++)
        m->names[1 + c] = mc_string_copy(feat->past[c]);
    for (size_t c = 0; c < feat->n_future; c++)
        m->names[1 + feat->n_past + c] = mc_string_copy(feat->future[c]);
    for (size_t c = 0; c < channels; c++)
        if (m->names[c] == NULL) {
            mc_model_free(m);
            return mc_error_nomem(err, "copying the model's column names");
        }
    *out = m;
    return MC_OK;
}

mc_status mc_model_set_time(mc_model *m, const char *time_name, const char *time_zone,
                            mc_error *err)
{
    char *name = time_name != NULL ? mc_string_copy(time_name) : NULL;
    char *zone = time_zone != NULL ? mc_string_copy(time_zone) : NULL;
    if ((time_name != NULL && name == NULL) || (time_zone != NULL && zone == NULL)) {
        free(name);
        free(zone);
        return mc_error_nomem(err, "copying the model's time column");
    }
    free(m->time_name);
    free(m->time_zone);
    m->time_name = name;
    m->time_zone = zone;
    return MC_OK;
}

mc_status mc_model_clone(mc_model **out, const mc_model *m, mc_error *err)
{
    *out = NULL;
    mc_model *c = calloc(1, sizeof *c);
    if (c == NULL)
        return mc_error_nomem(err, "copying the model");
    *c = *m;
    c->params = NULL;
    c->scalers = NULL;
    c->names = NULL;
    c->time_name = c->time_zone = NULL;
    c->holidays = (mc_holidays){NULL, 0};
    c->calibration = (mc_calibration){0};
    c->constants = NULL;
    c->series = (mc_series_table){0};
    const size_t channels = mc_model_channels(m);
    c->params = mc_realloc_array(NULL, m->members, m->layout.total * sizeof *c->params);
    c->scalers = mc_realloc_array(NULL, channels, sizeof *c->scalers);
    c->names = calloc(channels, sizeof *c->names);
    mc_status st = c->params && c->scalers && c->names
                       ? mc_holidays_from_days(&c->holidays, m->holidays.days, m->holidays.n, err)
                       : mc_error_nomem(err, "copying the model");
    if (st == MC_OK)
        st = mc_calibration_copy(&c->calibration, &m->calibration, err);
    for (size_t i = 0; st == MC_OK && i < channels; i++)
        if ((c->names[i] = mc_string_copy(m->names[i])) == NULL)
            st = mc_error_nomem(err, "copying the model");
    if (st == MC_OK)
        st = mc_model_set_time(c, m->time_name, m->time_zone, err);
    if (st == MC_OK && m->constants != NULL) {
        c->constants = mc_realloc_array(NULL, channels, sizeof *c->constants);
        if (c->constants != NULL)
            memcpy(c->constants, m->constants, channels * sizeof *c->constants);
        else
            st = mc_error_nomem(err, "copying the model");
    }
    if (st == MC_OK)
        st = mc_series_table_copy(&c->series, &m->series, channels, err);
    if (st != MC_OK) {
        mc_model_free(c);
        return st;
    }
    memcpy(c->params, m->params, m->members * m->layout.total * sizeof *c->params);
    memcpy(c->scalers, m->scalers, channels * sizeof *c->scalers);
    *out = c;
    return MC_OK;
}

void mc_model_window_spec(const mc_model *m, mc_window_spec *spec, size_t *past_idx,
                          size_t *future_idx)
{
    for (size_t c = 0; c < m->n_past; c++)
        past_idx[c] = 1 + c;
    for (size_t c = 0; c < m->n_future; c++)
        future_idx[c] = 1 + m->n_past + c;
    *spec = (mc_window_spec){.lookback = m->shape.lookback, .horizon = m->shape.horizon,
                             .level_steps = m->level_steps, .n_past = m->n_past, .past = past_idx,
                             .n_future = m->n_future, .future = future_idx,
                             .calendar = m->calendar, .normalize_level = m->normalize_level,
                             .holidays = &m->holidays, .scalers = m->scalers};
}

mc_status mc_model_init_params(mc_model *m, uint64_t seed, mc_error *err)
{
    return mc_net_init_params(m->params, &m->layout, &m->shape, seed, err);
}

/* The linear forecaster's constant mask on each lag (1 without the anomaly
   mask): its weights are zero, so one forward pass on any window gives it. */
static mc_status linear_mask(const mc_model *m, const float *linear, float *out, mc_error *err)
{
    const size_t L = m->shape.lookback, Cp = m->shape.past_channels;
    for (size_t l = 0; l < L; l++)
        out[l] = 1.0f;
    if (!m->shape.anomaly_mask)
        return MC_OK;
    mc_net_work w;
    mc_status st = mc_net_work_alloc(&w, &m->shape, 1, err);
    float *x = calloc(mc_net_n_input(&m->shape), sizeof *x);
    if (st == MC_OK && x == NULL)
        st = mc_error_nomem(err, "blending the forecasters");
    if (st == MC_OK) {
        mc_net_forward(&w, linear, &m->layout, &m->shape, x, 1);
        for (size_t l = 0; l < L; l++)
            out[l] = w.mask[l * Cp];
    }
    free(x);
    mc_net_work_free(&w);
    return st;
}

mc_status mc_model_set_blend(mc_model *m, const float *linear, const float *w, mc_error *err)
{
    if (m->members != 1)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a blend is made of one network, not an ensemble");
    mc_net_shape shape = m->shape;
    shape.blend = true;
    mc_net_layout lay;
    mc_status st = mc_net_plan(&shape, (size_t)1 << 20, &lay, err);
    if (st != MC_OK)
        return st;
    const size_t L = shape.lookback, H = shape.horizon, P = mc_net_n_terms(&shape);
    float *p = calloc(lay.total, sizeof *p), *mask = calloc(L, sizeof *mask);
    if (p == NULL || mask == NULL) {
        free(p);
        free(mask);
        return mc_error_nomem(err, "blending the forecasters");
    }
    if ((st = linear_mask(m, linear, mask, err)) != MC_OK) {
        free(p);
        free(mask);
        return st;
    }
    mc_tensors_copy(p, &lay, m->params, &m->layout); /* the network's own tensors */
    const float *S = linear + m->layout.offset[MC_T_SKIP_S], *c = linear + m->layout.offset[MC_T_HEAD_C];
    const float *G = linear + m->layout.offset[MC_T_SKIP_G];
    for (size_t k = 0; k < H; k++) {
        for (size_t l = 0; l < L; l++)
            p[lay.offset[MC_T_LINEAR_S] + k * L + l] = S[k * L + l] * mask[l];
        for (size_t j = 0; j < P; j++)
            p[lay.offset[MC_T_LINEAR_G] + k * P + j] = G[k * P + j];
        p[lay.offset[MC_T_LINEAR_C] + k] = c[k];
        p[lay.offset[MC_T_BLEND_W] + k] = w[k];
    }
    free(mask);
    free(m->params);
    m->params = p;
    m->shape = shape;
    m->layout = lay;
    m->config.network.blend = true;
    return MC_OK;
}

