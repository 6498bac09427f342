/* The model's layout, shared by training, forecasting and model files. */
#ifndef MC_TRAIN_MODEL_INTERNAL_H
#define MC_TRAIN_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/calendar.h"
#include "data/windows.h"
#include "maskcast/model.h"
#include "nn/loss.h"
#include "nn/net.h"
#include "train/calibration.h"

/* What training did, kept in the model file. */
typedef struct mc_train_record {
    size_t epochs;          /* epochs run */
    size_t best_epoch;
    double best_val_loss;   /* scaled units */
    double last_train_loss;
    double seconds;
    size_t train_origins, val_origins;
    int64_t first_time, last_time; /* instants of the rows trained on */
    uint64_t seed;
    /* the candidates' validation losses: the network's best epoch, the
       linear forecaster (NAN where there was none) */
    double network_val_loss, linear_val_loss;
    /* the blend of the two: the network's weight and the validation loss
       (NAN where none was weighed) */
    double blend_weight, blend_val_loss;
    bool time_limited; /* stopped by mc_train_options.time_limit (not in the file) */
} mc_train_record;

/*
 * Channels, in model order: 0 the target, then the past covariates, then the
 * known-future covariates (a column may be both). Scalers follow that order.
 */
/* Makes m's forecasts w (H) times the network's plus 1 - w times those of the
   linear forecaster in `linear` (a parameter block of m's layout, as
   mc_linear_fit_params writes it): the network's configuration with the
   blend's tensors added, m's own tensors kept. */
mc_status mc_model_set_blend(mc_model *m, const float *linear, const float *w, mc_error *err);

/*
 * A global model's series (mc_model_train_panel): each series' own scalers,
 * applied before the model's, and its values of the constant channels (the
 * series identity and the static covariates). n is 0 for a model of one
 * series.
 */
typedef struct mc_series_table {
    size_t n;
    char **names;          /* (n) */
    mc_scaler *scalers;    /* (n, channels) mean 0 and scale 1 on constant channels */
    double *constants;     /* (n, channels) NaN on the channels read from data */
} mc_series_table;

void mc_series_table_free(mc_series_table *t);
mc_status mc_series_table_copy(mc_series_table *dst, const mc_series_table *src, size_t channels,
                               mc_error *err);

struct mc_model {
    mc_net_shape shape;
    mc_net_layout layout;
    size_t members;           /* networks averaged (mc_model_ensemble), at least 1 */
    float *params;            /* (members, layout.total): member j at j * layout.total */
    mc_loss_spec loss;
    int64_t step;             /* seconds between rows */
    size_t day_steps;
    size_t level_steps;       /* the level is the mean of the lookback's last level_steps */
    bool calendar;
    bool normalize_level;
    size_t n_past, n_future;
    char **names;             /* (1 + n_past + n_future) column names */
    char *time_name;          /* the time column trained on; NULL when not known */
    char *time_zone;          /* the time zone the data were read in; NULL for none */
    mc_scaler *scalers;       /* (1 + n_past + n_future) */
    mc_holidays holidays;
    mc_train_record record;
    mc_calibration calibration; /* prediction intervals; steps 0 where none */
    /* (channels) the fixed value of a known-future channel that is not read
       from data (a series view's identity and static covariates), NaN where
       it is; NULL when every channel is read */
    double *constants;
    mc_series_table series;   /* a global model's series; n 0 otherwise */
    mc_model_options config;  /* the options as the model is (no pointers): what its file
                                 records and inspect shows */
};

/* The output column of a quantile model's median (the 0.5 level, else the
   middle one); 0 for a point model. */
size_t mc_model_median_output(const mc_model *m);

/* MC_ERR_ARGUMENT for a global model given where one series' model is
   needed, saying to take its view (mc_model_for_series()). */
mc_status mc_global_model_refused(const mc_model *m, mc_error *err);

/* Whether channel c holds a constant rather than a column of the data: a
   series view's identity and static channels, or a global model's. */
bool mc_model_channel_constant(const mc_model *m, size_t c);

/* Channel count of the model: 1 + n_past + n_future. */
size_t mc_model_channels(const mc_model *m);

/*
 * An empty model for the options and data step: names and shapes set,
 * parameters allocated (not initialised), scalers zeroed. Holidays are
 * taken over (the caller's struct is emptied).
 */
mc_status mc_model_create(mc_model **out, const mc_model_options *mo, int64_t step,
                          const char *target, mc_holidays *holidays, mc_error *err);

/* The network shape the options describe (nothing allocated). */
void mc_model_shape(const mc_model_options *mo, mc_net_shape *shape);

/* The window specification a model's inputs are gathered with. */
void mc_model_window_spec(const mc_model *m, mc_window_spec *spec, size_t *past_idx,
                          size_t *future_idx);

/* Records the time column and zone of the data (either may be NULL). */
mc_status mc_model_set_time(mc_model *m, const char *time_name, const char *time_zone,
                            mc_error *err);

/* A deep copy of `m`. */
mc_status mc_model_clone(mc_model **out, const mc_model *m, mc_error *err);

/* Fills the parameters with the initial values (seeded, deterministic);
   MC_ERR_NOMEM when the generator cannot be allocated. */
mc_status mc_model_init_params(mc_model *m, uint64_t seed, mc_error *err);

/*
 * Training's forecast origins in `s` (those with an observed target, every
 * `stride` rows): *all (owned by the caller) lists them, its first n_train
 * for training and *val (pointing into *all) the n_val of the validation
 * tail, with no training target on or after the first validation origin.
 */
mc_status mc_training_origins(const mc_series *s, size_t L, size_t H, size_t stride,
                              double validation_fraction, size_t **all, size_t *n_train,
                              size_t **val, size_t *n_val, mc_error *err);

/*
 * Calibrates m's prediction intervals (mc_model_interval_offsets) on the
 * validation tail that training with `to` on `frame` holds out: for models
 * made otherwise than by one training run, such as ensembles.
 */
mc_status mc_model_calibrate(mc_model *m, const mc_frame *frame, const mc_train_options *to,
                             mc_error *err);

/*
 * As mc_training_origins() for a stacked series, whose segment g holds rows
 * [segments[g], segments[g + 1]) (n_segments + 1 entries): each segment's
 * origins and validation tail on their own, windows never crossing
 * segments; *all lists every segment's training origins, then every
 * segment's validation tail.
 */
mc_status mc_stacked_origins(const mc_series *s, const size_t *segments, size_t n_segments,
                             size_t L, size_t H, size_t stride, double validation_fraction,
                             size_t **all, size_t *n_train, size_t **val, size_t *n_val,
                             mc_error *err);

/*
 * Training over data other than one frame (global models): begin makes the
 * trainer and its model (names, shapes) for the options; the caller reads
 * the model to bind its data, then attaches the stacked series (which must
 * outlive the trainer) with its segments and where each segment's load is
 * zero in its values (for the drop-outs augmentation draws), the instants of
 * the first and last rows trained on going into the training record. On failure of either the
 * caller frees the trainer.
 */
mc_status mc_trainer_begin(mc_trainer **out, const mc_model_options *mo,
                           const mc_train_options *to, int64_t step, const char *target,
                           const char *time_name, const char *time_zone, mc_error *err);
mc_model *mc_trainer_scratch_model(mc_trainer *t);
mc_status mc_trainer_attach_stacked(mc_trainer *t, const mc_series *s, const size_t *segments,
                                    size_t n_segments, const double *segment_zero,
                                    int64_t first_time, int64_t last_time, mc_error *err);

/* The trainer's forecast origins (rows of the frame), for tests of the split. */
void mc_trainer_origins(const mc_trainer *t, const size_t **train, size_t *n_train,
                        const size_t **val, size_t *n_val);

/* MC_ERR_NOMEM while `what`, with the window and the sizes it makes, so that
   a lookback too long for the memory says so. */
mc_status mc_model_nomem(const mc_model *m, const char *what, mc_error *err);

#endif /* MC_TRAIN_MODEL_INTERNAL_H */
