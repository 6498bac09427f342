/* A frame seen through a model: its columns in the model's channel order,
   and batched predictions at chosen origins. */
#ifndef MC_TRAIN_BIND_H
#define MC_TRAIN_BIND_H

#include <stddef.h>
#include <stdint.h>

#include "data/windows.h"
#include "train/model_internal.h"

typedef struct mc_bound {
    int64_t *wall; /* (rows) wall-clock times */
    float *calendar; /* (rows, MC_CALENDAR_CHANNELS) with a calendar, else NULL */
    double *constant_values;   /* (channels, rows) the model's constant channels, else NULL */
    uint8_t *constant_states;  /* (channels, rows) all observed */
    const double *values[1 + 2 * MC_MAX_COVARIATES];
    const uint8_t *states[1 + 2 * MC_MAX_COVARIATES];
    mc_series series; /* points into this struct: use it in place, never copy it */
} mc_bound;

/*
 * Binds rows [0, rows) of `f`: column 0 is the load, the model's covariates
 * are found by name, and its constant channels (a series view's identity
 * and static covariates) hold their value. The frame must outlive the
 * binding.
 */
mc_status mc_model_bind(mc_bound *b, const mc_model *m, const mc_frame *f, size_t rows,
                        mc_error *err);
void mc_bound_free(mc_bound *b);

/* As mc_model_bind() over every row, after checking that `f` is regularised
   on the model's step (MC_ERR_ARGUMENT otherwise): for the public calls that
   read a history through a model. */
mc_status mc_model_bind_history(mc_bound *b, const mc_model *m, const mc_frame *f,
                                mc_error *err);

/*
 * Forecasts at each of the n origins of the series (each with L <= t and
 * t + H <= rows), in the load's units: out (n, H*Q), quantiles increasing.
 * When mask is not NULL it receives the anomaly mask over the past load,
 * (n, L) (1 where the model has no anomaly mask).
 */
mc_status mc_model_predict(const mc_model *m, const mc_series *s, const size_t *origins, size_t n,
                           double *out, float *mask, mc_error *err);

/*
 * As mc_model_predict(), from n inputs already gathered with
 * mc_window_gather() and the model's window spec: x (n, n_in) and the levels
 * the gather returned (n). For callers that change the inputs before the
 * forward pass (permutation importance); nothing is checked but the sizes the
 * model implies. When `attention` is not NULL and the model has temporal
 * attention, attention (H, L) += the attention weights a_kl of the n
 * forecasts, summed over them (l the lookback's row, L - 1 the last).
 */
mc_status mc_model_predict_inputs(const mc_model *m, const float *x, const float *level, size_t n,
                                  double *out, float *mask, double *attention, mc_error *err);

/* What predictions need for batches of up to `capacity` origins, allocated once. */
typedef struct mc_predict_work {
    size_t capacity;
    mc_net_work net;
    float *x;     /* (capacity, n_in) */
    float *level; /* (capacity) */
    float *sum;   /* (capacity, H*Q + L*Cp) an ensemble's sums; NULL for one member */
} mc_predict_work;

/* Sizes a workspace for `m` (capacity 0 counts as 1); on failure it is empty. */
mc_status mc_predict_work_alloc(mc_predict_work *w, const mc_model *m, size_t capacity,
                                mc_error *err);
void mc_predict_work_free(mc_predict_work *w);

/* As mc_model_predict(), in batches of the workspace's capacity; does not
   allocate. The model is only read. */
mc_status mc_model_predict_with(const mc_model *m, mc_predict_work *w, const mc_series *s,
                                const size_t *origins, size_t n, double *out, float *mask,
                                mc_error *err);

#endif /* MC_TRAIN_BIND_H */
