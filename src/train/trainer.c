/* Training as steps: init (data, split, network, the linear forecaster),
   one epoch per step, evaluation on the validation tail, early stopping with
   the best weights, and the choice between those and the linear forecaster. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/checked.h"
#include "common/error.h"
#include "common/gsl_quiet.h"
#include "nn/adamw.h"
#include "nn/parallel.h"
#include "train/augment.h"
#include "train/bind.h"
#include "train/linear_fit.h"
#include "train/selection.h"
#include "train/model_internal.h"

#define PI 3.14159265358979323846
#define FINAL_LR_FRACTION 0.1 /* the cosine schedule ends at a tenth of the peak */

struct mc_trainer {
    mc_model *model;   /* the weights being trained live in model->params */
    mc_train_options opt;
    mc_bound data; /* the frame in model channel order (one series) */
    mc_series series; /* what training reads: data's, or the stacked series of
                         mc_trainer_init_stacked() */
    const size_t *segments; /* stacked: the n_segments + 1 first rows of its
                               series (not owned); NULL for one series */
    size_t n_segments;
    const double *segment_zero; /* stacked: where each segment has a load of zero (not owned) */
    size_t past_idx[MC_MAX_COVARIATES], future_idx[MC_MAX_COVARIATES];
    mc_window_spec spec;
    /* the network */
    mc_net_work work;
    float *grads, *best;
    mc_adamw adam;
    /* samples */
    size_t *train, n_train, *val, n_val; /* val is the tail of train's array */
    float *x, *target, *weight, *level, *dy, *zero;
    gsl_rng *rng;
    /* progress */
    size_t epoch, steps_done, total_steps, batches_per_epoch;
    double best_val;
    size_t best_epoch, since_best;
    /* the linear forecaster (NULL without one) and each validation window's
       loss: of the last evaluation, of the best epoch, of the linear one */
    float *linear;
    double linear_val;
    double *window_loss, *best_loss, *linear_loss;
    /* the blend of the best epoch and the linear forecaster, weighed when
       training ends: the network's weight, its loss, each window's */
    bool blend_weighed;
    double blend_w, blend_val;
    double *blend_loss;
    float *blend_buf; /* (4, n_val, H) scratch: linear, network, targets, weights; and (H) */
    bool done;
    mc_train_progress progress;
    struct timespec t0, t_epochs; /* mc_trainer_init; the first epoch's start */
};

void mc_train_options_defaults(mc_train_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_epochs = 60;
    o->batch_size = 256;
    o->patience = 8;
    o->origin_stride = 1;
    o->learning_rate = 1e-3;
    o->weight_decay = 1e-4;
    o->clip_norm = 1.0;
    o->warmup_fraction = 0.02;
    o->validation_fraction = 0.1;
    o->augment_probability = 0.5;
    o->linear_candidate = true;
    o->seed = 1;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + 1e-9 * (double)(now.tv_nsec - t0->tv_nsec);
}

void mc_trainer_free(mc_trainer *t)
{
    if (t == NULL)
        return;
    mc_model_free(t->model);
    mc_bound_free(&t->data);
    mc_net_work_free(&t->work);
    free(t->grads);
    free(t->best);
    mc_adamw_free(&t->adam);
    free(t->train); /* val points into the same array */
    free(t->x);
    free(t->target);
    free(t->weight);
    free(t->level);
    free(t->dy);
    free(t->zero);
    free(t->linear);
    free(t->window_loss);
    free(t->best_loss);
    free(t->linear_loss);
    free(t->blend_loss);
    free(t->blend_buf);
    if (t->rng != NULL)
        gsl_rng_free(t->rng);
    free(t);
}

static mc_status check_train_options(const mc_train_options *o, mc_error *err)
{
    if (o->batch_size == 0 || o->max_epochs == 0 || o->origin_stride == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "batch size, epochs and origin stride must be at least 1");
    if (!(o->learning_rate > 0.0) || o->weight_decay < 0.0 || o->clip_norm < 0.0 ||
        !(o->time_limit >= 0.0) ||
        !(o->warmup_fraction >= 0.0 && o->warmup_fraction < 1.0) ||
        !(o->validation_fraction >= 0.0 && o->validation_fraction < 0.9) ||
        !(o->augment_probability >= 0.0 && o->augment_probability <= 1.0))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "learning rate > 0, weight decay, clip and time limit >= 0, warm-up in "
                            "[0, 1), "
                            "validation fraction in [0, 0.9), augmentation in [0, 1]");
    const mc_collective *c = o->collective;
    if (c != NULL && (c->ranks == 0 || c->rank >= c->ranks ||
                      (c->ranks > 1 && (c->sum_float == NULL || c->sum_double == NULL))))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the collective's rank must be below its rank count (at least 1), "
                            "and more than one rank needs both sums");
    return MC_OK;
}

static bool any_observed_target(const mc_series *s, size_t origin, size_t horizon)
{
    for (size_t k = 0; k < horizon; k++)
        if (s->states[0][origin + k] == MC_VALUE_OBSERVED)
            return true;
    return false;
}

mc_status mc_training_origins(const mc_series *s, size_t L, size_t H, size_t stride,
                              double validation_fraction, size_t **all_out, size_t *n_train_out,
                              size_t **val_out, size_t *n_val_out, mc_error *err)
{
    const size_t rows = s->rows;
    *all_out = NULL;
    if (rows < L + H + 1)
        return mc_error_set(err, MC_ERR_EMPTY, 0, 0,
                            "%zu rows are too few for a lookback of %zu and a horizon of %zu "
                            "steps; at least %zu are needed",
                            rows, L, H, L + H + 1);
    size_t n = 0;
    for (size_t o = L; o + H <= rows; o += stride)
        n += any_observed_target(s, o, H);
    if (n == 0)
        return mc_error_set(err, MC_ERR_EMPTY, 0, 0,
                            "no training window has an observed load value: every horizon of %zu "
                            "steps after a lookback of %zu (in %zu rows) has its load missing; "
                            "give data with observed load",
                            H, L, rows);
    size_t *all = mc_realloc_array(NULL, n, sizeof *all);
    if (all == NULL)
        return mc_error_nomem(err, "listing training origins");
    n = 0;
    for (size_t o = L; o + H <= rows; o += stride)
        if (any_observed_target(s, o, H))
            all[n++] = o;
    size_t n_val = (size_t)ceil(validation_fraction * (double)n);
    if (validation_fraction > 0.0 && n_val == 0)
        n_val = 1;
    size_t n_train = n - n_val;
    if (n_val > 0)
        while (n_train > 0 && all[n_train - 1] + H > all[n - n_val])
            n_train--;
    if (n_train == 0) {
        free(all);
        return mc_error_set(err, MC_ERR_EMPTY, 0, 0,
                            "no training origins are left after the validation tail (%zu origins "
                            "in all); give more data or a smaller horizon",
                            n);
    }
    *all_out = all;
    *n_train_out = n_train;
    *val_out = n_val ? all + (n - n_val) : NULL;
    *n_val_out = n_val;
    return MC_OK;
}

mc_status mc_stacked_origins(const mc_series *s, const size_t *segments, size_t n_segments,
                             size_t L, size_t H, size_t stride, double validation_fraction,
                             size_t **all_out, size_t *n_train_out, size_t **val_out,
                             size_t *n_val_out, mc_error *err)
{
    *all_out = NULL;
    size_t **parts = calloc(n_segments ? n_segments : 1, sizeof *parts);
    size_t *n_tr = calloc(n_segments ? n_segments : 1, sizeof *n_tr);
    size_t *n_va = calloc(n_segments ? n_segments : 1, sizeof *n_va);
    size_t *at_va = calloc(n_segments ? n_segments : 1, sizeof *at_va); /* where the tail starts */
    mc_status st = parts && n_tr && n_va && at_va ? MC_OK
                                                  : mc_error_nomem(err, "listing training origins");
    size_t train_total = 0, val_total = 0;
    for (size_t g = 0; st == MC_OK && g < n_segments; g++) {
        /* segment g seen as a series of its own: its origins count from its first row */
        const size_t first = segments[g];
        const double *values[1 + 2 * MC_MAX_COVARIATES];
        const uint8_t *states[1 + 2 * MC_MAX_COVARIATES];
        for (size_t c = 0; c < s->n_columns; c++) {
            values[c] = s->values[c] + first;
            states[c] = s->states[c] + first;
        }
        mc_series one = {.rows = segments[g + 1] - first, .wall = s->wall + first,
                         .n_columns = s->n_columns, .values = values, .states = states,
                         .calendar = s->calendar ? s->calendar + first * MC_CALENDAR_CHANNELS
                                                 : NULL};
        size_t *val = NULL;
        st = mc_training_origins(&one, L, H, stride, validation_fraction, &parts[g], &n_tr[g],
                                 &val, &n_va[g], err);
        at_va[g] = val != NULL ? (size_t)(val - parts[g]) : n_tr[g];
        for (size_t i = 0; st == MC_OK && i < at_va[g] + n_va[g]; i++)
            parts[g][i] += first;
        train_total += n_tr[g];
        val_total += n_va[g];
    }
    size_t *all = st == MC_OK ? mc_realloc_array(NULL, train_total + val_total, sizeof *all) : NULL;
    if (st == MC_OK && all == NULL)
        st = mc_error_nomem(err, "listing training origins");
    if (st == MC_OK) {
        /* every series' training origins, then every series' validation tail */
        size_t a = 0, v = train_total;
        for (size_t g = 0; g < n_segments; g++) {
            memcpy(all + a, parts[g], n_tr[g] * sizeof *all);
            memcpy(all + v, parts[g] + at_va[g], n_va[g] * sizeof *all);
            a += n_tr[g];
            v += n_va[g];
        }
        *all_out = all;
        *n_train_out = train_total;
        *val_out = val_total ? all + train_total : NULL;
        *n_val_out = val_total;
    }
    for (size_t g = 0; parts != NULL && g < n_segments; g++)
        free(parts[g]);
    free(parts);
    free(n_tr);
    free(n_va);
    free(at_va);
    return st;
}

/* Origins with at least one observed target, split into training and a
   validation tail; no training target falls on or after a validation one. */
static mc_status split_origins(mc_trainer *t, mc_error *err)
{
    if (t->segments == NULL)
        return mc_training_origins(&t->series, t->spec.lookback, t->spec.horizon,
                                   t->opt.origin_stride, t->opt.validation_fraction, &t->train,
                                   &t->n_train, &t->val, &t->n_val, err);
    return mc_stacked_origins(&t->series, t->segments, t->n_segments, t->spec.lookback,
                              t->spec.horizon, t->opt.origin_stride, t->opt.validation_fraction,
                              &t->train, &t->n_train, &t->val, &t->n_val, err);
}

static mc_status allocate_training(mc_trainer *t, mc_error *err)
{
    const mc_model *m = t->model;
    const size_t B = t->opt.batch_size, n_in = mc_net_n_input(&m->shape);
    const size_t H = m->shape.horizon, HQ = mc_net_n_output(&m->shape);
    mc_net_layout check;
    mc_status st = mc_net_plan(&m->shape, B, &check, err);
    if (st != MC_OK || (st = mc_net_work_alloc(&t->work, &m->shape, B, err)) != MC_OK ||
        (st = mc_net_work_reserve_slices(&t->work, &m->layout, mc_parallel_slices(B), err)) !=
            MC_OK ||
        (st = mc_adamw_init(&t->adam, m->layout.total, err)) != MC_OK)
        return st;
    t->grads = mc_realloc_array(NULL, m->layout.total, sizeof(float));
    t->best = mc_realloc_array(NULL, m->layout.total, sizeof(float));
    t->x = mc_realloc_array(NULL, B, n_in * sizeof(float));
    t->target = mc_realloc_array(NULL, B, H * sizeof(float));
    t->weight = mc_realloc_array(NULL, B, H * sizeof(float));
    t->dy = mc_realloc_array(NULL, B, HQ * sizeof(float));
    t->level = mc_realloc_array(NULL, B, sizeof(float));
    t->zero = mc_realloc_array(NULL, B, sizeof(float));
    const size_t n_val = t->n_val ? t->n_val : 1;
    t->window_loss = mc_realloc_array(NULL, n_val, sizeof(double));
    t->best_loss = mc_realloc_array(NULL, n_val, sizeof(double));
    t->linear_loss = mc_realloc_array(NULL, n_val, sizeof(double));
    t->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!t->grads || !t->best || !t->x || !t->target || !t->weight || !t->dy || !t->level ||
        !t->zero || !t->window_loss || !t->best_loss || !t->linear_loss || !t->rng)
        return mc_model_nomem(m, "allocating training buffers", err);
    return MC_OK;
}

static double sum_of(const float *w, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += w[i];
    return s;
}

/* The validation loss of `params`, and each window's in `per_window` (n_val). */
static double evaluate_params(mc_trainer *t, const float *params, double *per_window)
{
    const mc_model *m = t->model;
    const size_t B = t->opt.batch_size, H = m->shape.horizon, HQ = mc_net_n_output(&m->shape);
    double total = 0.0, weight = 0.0;
    for (size_t i = 0; i < t->n_val; i += B) {
        const size_t batch = t->n_val - i < B ? t->n_val - i : B;
        mc_window_gather(t->x, t->target, t->weight, t->level, &t->series, &t->spec, t->val + i,
                         batch);
        mc_net_forward(&t->work, params, &m->layout, &m->shape, t->x, batch);
        for (size_t b = 0; b < batch; b++) {
            const double w = sum_of(t->weight + b * H, H);
            const double loss = mc_loss_eval(NULL, t->work.y + b * HQ, t->target + b * H,
                                             t->weight + b * H, 1, H, &m->loss);
            per_window[i + b] = loss;
            total += w * loss;
            weight += w;
        }
    }
    return weight > 0.0 ? total / weight : NAN;
}

/* The linear forecaster, fitted and scored on validation; none without a
   validation tail to weigh it on, without a skip to hold it, for quantile
   models (it has one forecast, not intervals), or when nothing could be
   fitted. */
static mc_status fit_linear(mc_trainer *t, mc_error *err)
{
    mc_model *m = t->model;
    if (!t->opt.linear_candidate || !m->shape.skip || t->n_val == 0 || m->shape.quantiles > 1)
        return MC_OK;
    t->linear = mc_realloc_array(NULL, m->layout.total, sizeof(float));
    if (t->linear == NULL)
        return mc_error_nomem(err, "allocating the linear forecaster");
    bool fitted = false;
    mc_status st = mc_linear_fit_params(t->linear, m, &t->work, &t->series, &t->spec,
                                        t->train, t->n_train, t->val, t->n_val,
                                        t->opt.batch_size, t->x, t->target, t->weight, t->level,
                                        &fitted, err);
    if (st != MC_OK && st != MC_ERR_NOMEM)
        st = MC_OK; /* the solve failed: an optional candidate, not a failed training */
    if (st != MC_OK || !fitted) {
        free(t->linear);
        t->linear = NULL;
        return st;
    }
    t->linear_val = evaluate_params(t, t->linear, t->linear_loss);
    /* The blend's scratch, now, so that no training step allocates. */
    if (m->shape.quantiles == 1) {
        const size_t H = m->shape.horizon;
        t->blend_loss = mc_realloc_array(NULL, t->n_val, sizeof(double));
        t->blend_buf = mc_realloc_array(NULL, 4 * t->n_val + 1, H * sizeof(float));
        if (t->blend_loss == NULL || t->blend_buf == NULL)
            return mc_error_nomem(err, "allocating the blend's validation outputs");
    }
    return MC_OK;
}

mc_status mc_trainer_begin(mc_trainer **out, const mc_model_options *mo,
                           const mc_train_options *to, int64_t step, const char *target,
                           const char *time_name, const char *time_zone, mc_error *err)
{
    *out = NULL;
    mc_status st = check_train_options(to, err);
    if (st != MC_OK)
        return st;
    if (mo->network.members > 1)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "\"members\" is set by mc_model_ensemble() from models trained "
                            "one by one; training makes one");
    if (mo->network.blend)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "\"blend\" is set by training when it keeps a blend of the network "
                            "and the linear forecaster; it cannot be asked for");
    if (step <= 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the frame must be regularised before training");
    mc_gsl_quiet();
    mc_holidays holidays = {NULL, 0};
    if (mo->features.n_holidays > 0 && mo->features.holidays != NULL &&
        (st = mc_holidays_from_days(&holidays, mo->features.holidays, mo->features.n_holidays,
                                    err)) != MC_OK)
        return st;
    mc_trainer *t = calloc(1, sizeof *t);
    if (t == NULL) {
        mc_holidays_free(&holidays);
        return mc_error_nomem(err, "creating the trainer");
    }
    clock_gettime(CLOCK_MONOTONIC, &t->t0);
    t->opt = *to;
    st = mc_model_create(&t->model, mo, step, target, &holidays, err);
    mc_holidays_free(&holidays); /* emptied when the model took it over */
    if (st == MC_OK)
        st = mc_model_set_time(t->model, time_name, time_zone, err);
    if (st != MC_OK) {
        mc_trainer_free(t);
        return st;
    }
    *out = t;
    return MC_OK;
}

mc_model *mc_trainer_scratch_model(mc_trainer *t) { return t->model; }

/* The rest of the set-up once t->series holds the data: scalers fitted on
   its first `scaler_rows` rows, the split, the buffers, the initial weights
   and the linear forecaster. */
static mc_status finish_init(mc_trainer *t, size_t scaler_rows, int64_t first_time,
                             int64_t last_time, mc_error *err)
{
    const mc_train_options *to = &t->opt;
    mc_scaler_fit(t->model->scalers, &t->series, scaler_rows);
    mc_model_window_spec(t->model, &t->spec, t->past_idx, t->future_idx);
    mc_status st = split_origins(t, err);
    if (st == MC_OK)
        st = allocate_training(t, err);
    if (st == MC_OK)
        st = mc_model_init_params(t->model, to->seed, err);
    if (st == MC_OK)
        st = fit_linear(t, err);
    if (st != MC_OK)
        return st;
    memcpy(t->best, t->model->params, t->model->layout.total * sizeof(float));
    gsl_rng_set(t->rng, (unsigned long)(to->seed * 2654435761u + 1));
    const size_t use = to->samples_per_epoch && to->samples_per_epoch < t->n_train
                           ? to->samples_per_epoch : t->n_train;
    t->batches_per_epoch = (use + to->batch_size - 1) / to->batch_size;
    t->total_steps = t->batches_per_epoch * to->max_epochs;
    t->best_val = INFINITY;
    t->model->record.seed = to->seed;
    t->model->record.train_origins = t->n_train;
    t->model->record.val_origins = t->n_val;
    t->model->record.first_time = first_time;
    t->model->record.last_time = last_time;
    t->progress = (mc_train_progress){.max_epochs = to->max_epochs,
                                      .batches = t->batches_per_epoch, .val_loss = NAN,
                                      .best_val_loss = NAN};
    return MC_OK;
}

mc_status mc_trainer_attach_stacked(mc_trainer *t, const mc_series *s, const size_t *segments,
                                    size_t n_segments, const double *segment_zero,
                                    int64_t first_time, int64_t last_time, mc_error *err)
{
    t->series = *s;
    t->segments = segments;
    t->n_segments = n_segments;
    t->segment_zero = segment_zero;
    return finish_init(t, s->rows, first_time, last_time, err);
}

mc_status mc_trainer_init(mc_trainer **out, const mc_frame *frame, const mc_model_options *mo,
                          const mc_train_options *to, mc_error *err)
{
    *out = NULL;
    mc_trainer *t = NULL;
    mc_status st = mc_trainer_begin(&t, mo, to, mc_frame_step(frame), mc_frame_column_name(frame, 0),
                                    mc_frame_time_name(frame), mc_frame_time_zone(frame), err);
    if (st != MC_OK)
        return st;
    const size_t rows = to->train_rows && to->train_rows < mc_frame_rows(frame) ? to->train_rows
                                                                                : mc_frame_rows(frame);
    st = mc_model_bind(&t->data, t->model, frame, rows, err);
    if (st == MC_OK) {
        t->series = t->data.series; /* data outlives t->series: both live in t */
        const int64_t *times = mc_frame_times(frame);
        st = finish_init(t, rows, rows ? times[0] : 0, rows ? times[rows - 1] : 0, err);
    }
    if (st != MC_OK) {
        mc_trainer_free(t);
        return st;
    }
    *out = t;
    return MC_OK;
}

/* The blend's weights tried: the network's share in steps of 1/BLEND_STEPS. */
#define BLEND_STEPS 20

/* The validation windows' outputs of `params` into y (n_val, H), with the
   targets and weights when those are not NULL. */
static void validation_outputs(mc_trainer *t, const float *params, float *y, float *target,
                               float *weight)
{
    const mc_model *m = t->model;
    const size_t B = t->opt.batch_size, H = m->shape.horizon;
    for (size_t i = 0; i < t->n_val; i += B) {
        const size_t batch = t->n_val - i < B ? t->n_val - i : B;
        mc_window_gather(t->x, t->target, t->weight, t->level, &t->series, &t->spec, t->val + i,
                         batch);
        mc_net_forward(&t->work, params, &m->layout, &m->shape, t->x, batch);
        memcpy(y + i * H, t->work.y, batch * H * sizeof *y);
        if (target != NULL) {
            memcpy(target + i * H, t->target, batch * H * sizeof *target);
            memcpy(weight + i * H, t->weight, batch * H * sizeof *weight);
        }
    }
}

/* Weighs the blend w * network + (1 - w) * linear on the validation tail:
   the w of least loss on a grid from 0 to 1 (one for all steps), and each
   window's loss at it. Only point models with a linear forecaster (whose
   fit allocated the scratch) and an epoch. */
static void weigh_blend(mc_trainer *t)
{
    const mc_model *m = t->model;
    if (t->blend_buf == NULL || t->best_epoch == 0 || t->n_val == 0)
        return;
    const size_t H = m->shape.horizon, n = t->n_val;
    float *yl = t->blend_buf, *yn = yl + n * H, *tg = yn + n * H, *wt = tg + n * H;
    float *row = wt + n * H;
    {
        validation_outputs(t, t->linear, yl, NULL, NULL);
        validation_outputs(t, t->best, yn, tg, wt);
        double best = INFINITY;
        for (int g = 0; g <= BLEND_STEPS; g++) {
            const float w = (float)g / BLEND_STEPS;
            double total = 0.0, weight = 0.0;
            for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < H; k++)
                    row[k] = w * yn[i * H + k] + (1.0f - w) * yl[i * H + k];
                const double ws = sum_of(wt + i * H, H);
                total += ws * mc_loss_eval(NULL, row, tg + i * H, wt + i * H, 1, H, &m->loss);
                weight += ws;
            }
            const double loss = weight > 0.0 ? total / weight : NAN;
            if (loss < best) {
                best = loss;
                t->blend_w = w;
            }
        }
        const float w = (float)t->blend_w;
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; k < H; k++)
                row[k] = w * yn[i * H + k] + (1.0f - w) * yl[i * H + k];
            t->blend_loss[i] = mc_loss_eval(NULL, row, tg + i * H, wt + i * H, 1, H, &m->loss);
        }
        t->blend_val = best;
        t->blend_weighed = isfinite(best);
    }
}

/* Warm-up, then cosine decay to FINAL_LR_FRACTION of the peak. */
static double learning_rate(const mc_trainer *t)
{
    const double peak = t->opt.learning_rate;
    const double warm = ceil(t->opt.warmup_fraction * (double)t->total_steps);
    const double s = (double)t->steps_done;
    if (s < warm)
        return peak * (s + 1.0) / warm;
    const double span = (double)t->total_steps - warm;
    const double p = span > 0 ? (s - warm) / span : 1.0;
    return peak * (FINAL_LR_FRACTION + (1.0 - FINAL_LR_FRACTION) * 0.5 * (1.0 + cos(PI * p)));
}

/* Where zero load lies in each sample's scaled units, for drop-outs. */
static void zero_levels(mc_trainer *t, const size_t *origins, size_t batch)
{
    const mc_scaler *sc = &t->model->scalers[0];
    for (size_t b = 0; b < batch; b++) {
        double zero = 0.0; /* a load of zero, in the series' own units */
        if (t->segment_zero != NULL) { /* stacked: in its segment's scaling */
            size_t lo = 0, hi = t->n_segments;
            while (hi - lo > 1) {
                const size_t mid = lo + (hi - lo) / 2;
                if (t->segments[mid] <= origins[b])
                    lo = mid;
                else
                    hi = mid;
            }
            zero = t->segment_zero[lo];
        }
        t->zero[b] = (float)((zero - sc->mean) / sc->scale) - t->level[b];
    }
}

/* One data-parallel step on this process's share of a batch (the
   collective's contiguous part of it): the forward pass of the share; the
   batch's target weight, loss and penalty summed over the processes; the
   backward pass of the share scaled by the whole batch's weight; the
   gradients summed; then the step as in train_batch, the same on every
   process. Returns the batch's loss, or NAN with *failed set when a sum
   failed. */
static double train_share(mc_trainer *t, const size_t *origins, size_t batch, bool *failed)
{
    mc_model *m = t->model;
    const mc_collective *c = t->opt.collective;
    const size_t H = m->shape.horizon, Q = m->loss.n_quantiles;
    size_t b0, b1;
    mc_part_range(batch, c->rank, c->ranks, &b0, &b1);
    const size_t share = b1 - b0;
    /* weight, loss numerator, penalty: this share's parts of the batch's */
    double sums[3] = {0.0, 0.0, 0.0};
    if (share > 0) {
        mc_window_gather(t->x, t->target, t->weight, t->level, &t->series, &t->spec,
                         origins + b0, share);
        if (t->opt.augment_probability > 0.0 && m->shape.anomaly_mask)
            zero_levels(t, origins + b0, share);
    }
    if (t->opt.augment_probability > 0.0 && m->shape.anomaly_mask)
        mc_augment_rows(t->x, &t->spec, batch, b0, b1, t->opt.augment_probability, t->zero,
                        t->rng);
    if (share > 0) {
        mc_net_forward(&t->work, m->params, &m->layout, &m->shape, t->x, share);
        sums[0] = mc_loss_weight(t->weight, share * H);
        sums[1] = mc_loss_sum(NULL, t->work.y, t->target, t->weight, share, H, &m->loss, 0.0);
        sums[2] = mc_net_mask_penalty(&t->work, &m->shape, share) * (double)share /
                  (double)batch;
    }
    if (!c->sum_double(sums, 3, c->user)) {
        *failed = true;
        return NAN;
    }
    const double scale = sums[0] > 0.0 ? 1.0 / (sums[0] * (double)Q) : 0.0;
    const double loss = sums[1] * scale + sums[2];
    if (share > 0) {
        memset(t->dy, 0, share * H * Q * sizeof *t->dy);
        if (sums[0] > 0.0)
            mc_loss_sum(t->dy, t->work.y, t->target, t->weight, share, H, &m->loss, scale);
        mc_net_backward_share(&t->work, t->grads, NULL, m->params, &m->layout, &m->shape, t->x,
                              t->dy, share, batch);
    } else {
        memset(t->grads, 0, m->layout.total * sizeof *t->grads);
    }
    if (!c->sum_float(t->grads, m->layout.total, c->user)) {
        *failed = true;
        return NAN;
    }
    const double norm = mc_grad_norm(t->grads, m->layout.total);
    const double clip = t->opt.clip_norm > 0.0 && norm > t->opt.clip_norm ? t->opt.clip_norm / norm
                                                                          : 1.0;
    mc_adamw_step(&t->adam, m->params, t->grads, &m->layout, learning_rate(t),
                  t->opt.weight_decay, clip);
    t->steps_done++;
    return loss;
}

/* One optimisation step on a batch; returns its loss (NAN with *failed set
   when a collective's sum failed). */
static double train_batch(mc_trainer *t, const size_t *origins, size_t batch, bool *failed)
{
    if (t->opt.collective != NULL && t->opt.collective->ranks > 1)
        return train_share(t, origins, batch, failed);
    mc_model *m = t->model;
    mc_window_gather(t->x, t->target, t->weight, t->level, &t->series, &t->spec, origins, batch);
    if (t->opt.augment_probability > 0.0 && m->shape.anomaly_mask) {
        zero_levels(t, origins, batch);
        mc_augment_batch(t->x, &t->spec, batch, t->opt.augment_probability, t->zero, t->rng);
    }
    mc_net_forward(&t->work, m->params, &m->layout, &m->shape, t->x, batch);
    const double loss = mc_loss_eval(t->dy, t->work.y, t->target, t->weight, batch,
                                     m->shape.horizon, &m->loss) +
                        mc_net_mask_penalty(&t->work, &m->shape, batch);
    mc_net_backward(&t->work, t->grads, NULL, m->params, &m->layout, &m->shape, t->x, t->dy,
                    batch);
    const double norm = mc_grad_norm(t->grads, m->layout.total);
    const double scale = t->opt.clip_norm > 0.0 && norm > t->opt.clip_norm ? t->opt.clip_norm / norm
                                                                           : 1.0;
    mc_adamw_step(&t->adam, m->params, t->grads, &m->layout, learning_rate(t),
                  t->opt.weight_decay, scale);
    t->steps_done++;
    return loss;
}

mc_status mc_trainer_evaluate(mc_trainer *t, double *val_loss, mc_error *err)
{
    (void)err;
    *val_loss = evaluate_params(t, t->model->params, t->window_loss);
    return MC_OK;
}

/* Processes training together take rank 0's validation losses (each
   computed them whole, from the same weights): early stopping and the best
   epoch must be decided alike everywhere, even if a kernel rounded
   differently on another machine. */
static bool agree_on_validation(mc_trainer *t, double *val)
{
    const mc_collective *c = t->opt.collective;
    if (c == NULL || c->ranks <= 1)
        return true;
    if (c->rank != 0) {
        memset(t->window_loss, 0, t->n_val * sizeof *t->window_loss);
        *val = 0.0;
    }
    return c->sum_double(t->window_loss, t->n_val, c->user) && c->sum_double(val, 1, c->user);
}

static bool report(mc_trainer *t)
{
    t->progress.seconds = seconds_since(&t->t0);
    return t->opt.progress == NULL || t->opt.progress(&t->progress, t->opt.progress_user);
}

/* Keeps the best weights and decides whether to stop. */
static void close_epoch(mc_trainer *t, double train_loss, double val)
{
    mc_model *m = t->model;
    const bool has_val = t->n_val > 0;
    if (!has_val || val < t->best_val) {
        t->best_val = has_val ? val : train_loss;
        t->best_epoch = t->epoch;
        t->since_best = 0;
        memcpy(t->best, m->params, m->layout.total * sizeof(float));
        if (has_val)
            memcpy(t->best_loss, t->window_loss, t->n_val * sizeof(double));
    } else {
        t->since_best++;
    }
    m->record.epochs = t->epoch;
    m->record.best_epoch = t->best_epoch;
    m->record.best_val_loss = t->best_val;
    m->record.last_train_loss = train_loss;
    if (t->epoch >= t->opt.max_epochs || (has_val && t->since_best >= t->opt.patience))
        t->done = true;
}

mc_status mc_trainer_step(mc_trainer *t, bool *done, mc_error *err)
{
    if (t->epoch == 0)
        clock_gettime(CLOCK_MONOTONIC, &t->t_epochs);
    if (!t->done && t->epoch > 0 && t->opt.time_limit > 0.0) {
        /* Another epoch as long as the mean one so far (the set-up and the
           linear fit before the first not counted) would end past it. */
        const double spent = seconds_since(&t->t0);
        double stop = spent + seconds_since(&t->t_epochs) / (double)t->epoch > t->opt.time_limit;
        /* processes training together stop together: when any would */
        const mc_collective *c = t->opt.collective;
        if (c != NULL && c->ranks > 1 && !c->sum_double(&stop, 1, c->user))
            return mc_error_set(err, MC_ERR_IO, 0, 0,
                                "agreeing on the time limit across processes failed");
        if (stop > 0.0) {
            t->done = true;
            t->model->record.time_limited = true;
            weigh_blend(t);
        }
    }
    if (t->done) {
        *done = true;
        return MC_OK;
    }
    const size_t B = t->opt.batch_size;
    const size_t use = t->batches_per_epoch * B < t->n_train ? t->batches_per_epoch * B : t->n_train;
    gsl_ran_shuffle(t->rng, t->train, t->n_train, sizeof *t->train);
    t->epoch++;
    t->progress.epoch = t->epoch;
    t->progress.epoch_done = false;
    double loss_sum = 0.0;
    size_t batches = 0;
    for (size_t i = 0; i < use; i += B) {
        const size_t batch = use - i < B ? use - i : B;
        bool failed = false;
        const double loss = train_batch(t, t->train + i, batch, &failed);
        if (failed)
            return mc_error_set(err, MC_ERR_IO, 0, 0,
                                "summing the gradients across processes failed in epoch %zu",
                                t->epoch);
        if (!isfinite(loss))
            return mc_error_set(err, MC_ERR_DIVERGED, 0, 0,
                                "training diverged in epoch %zu (loss %g); try a lower learning "
                                "rate",
                                t->epoch, loss);
        loss_sum += loss;
        t->progress.batch = ++batches;
        t->progress.train_loss = loss_sum / (double)batches;
        if (!report(t))
            return mc_error_set(err, MC_ERR_CANCELLED, 0, 0, "training was cancelled");
    }
    double val = NAN;
    if (t->n_val > 0)
        mc_trainer_evaluate(t, &val, err);
    if (t->n_val > 0 && !agree_on_validation(t, &val))
        return mc_error_set(err, MC_ERR_IO, 0, 0,
                            "sharing the validation loss across processes failed in epoch %zu",
                            t->epoch);
    close_epoch(t, t->progress.train_loss, val);
    if (t->done)
        weigh_blend(t);
    t->model->record.seconds = seconds_since(&t->t0);
    t->progress.val_loss = val;
    t->progress.best_val_loss = t->best_val;
    t->progress.best_epoch = t->best_epoch;
    t->progress.epoch_done = true;
    *done = t->done;
    if (!report(t))
        return mc_error_set(err, MC_ERR_CANCELLED, 0, 0, "training was cancelled");
    return MC_OK;
}

void mc_trainer_origins(const mc_trainer *t, const size_t **train, size_t *n_train,
                        const size_t **val, size_t *n_val)
{
    *train = t->train;
    *n_train = t->n_train;
    *val = t->val;
    *n_val = t->n_val;
}

/* The network is kept only when its best epoch beats the linear forecaster
   clearly (mc_clearly_better): the simpler forecaster wins ties and noise. */
static bool network_beats_linear(const mc_trainer *t)
{
    if (t->best_epoch == 0)
        return false; /* no epoch yet */
    const size_t stride = t->opt.origin_stride, H = t->model->shape.horizon;
    return mc_clearly_better(t->best_loss, t->linear_loss, t->n_val, (H + stride - 1) / stride);
}

/* The blend is kept when it beats the linear forecaster clearly, as the
   network must. */
static bool blend_beats_linear(const mc_trainer *t)
{
    if (!t->blend_weighed)
        return false;
    const size_t stride = t->opt.origin_stride, H = t->model->shape.horizon;
    return mc_clearly_better(t->blend_loss, t->linear_loss, t->n_val, (H + stride - 1) / stride);
}

/* The model kept: the network's best epoch, the linear forecaster or the blend. */
static mc_status chosen_model(const mc_trainer *t, mc_model **out, mc_error *err)
{
    mc_status st = mc_model_clone(out, t->model, err);
    if (st != MC_OK)
        return st;
    (*out)->record.network_val_loss = t->best_epoch > 0 && t->n_val > 0 ? t->best_val : NAN;
    (*out)->record.linear_val_loss = t->linear != NULL ? t->linear_val : NAN;
    (*out)->record.blend_weight = t->blend_weighed ? t->blend_w : NAN;
    (*out)->record.blend_val_loss = t->blend_weighed ? t->blend_val : NAN;
    if (blend_beats_linear(t) && t->blend_w < 1.0) {
        memcpy((*out)->params, t->best, t->model->layout.total * sizeof(float));
        const size_t H = t->model->shape.horizon;
        float *w = mc_realloc_array(NULL, H, sizeof *w);
        for (size_t k = 0; w != NULL && k < H; k++)
            w[k] = (float)t->blend_w;
        (*out)->record.best_val_loss = t->blend_val;
        st = w != NULL ? mc_model_set_blend(*out, t->linear, w, err)
                       : mc_error_nomem(err, "blending the forecasters");
        free(w);
        if (st != MC_OK) {
            mc_model_free(*out);
            *out = NULL;
        }
        return st;
    }
    if (t->linear != NULL && !network_beats_linear(t)) {
        memcpy((*out)->params, t->linear, t->model->layout.total * sizeof(float));
        (*out)->record.best_epoch = 0;
        (*out)->record.best_val_loss = t->linear_val;
    } else {
        memcpy((*out)->params, t->best, t->model->layout.total * sizeof(float));
    }
    return MC_OK;
}

mc_status mc_trainer_model(const mc_trainer *t, mc_model **out, mc_error *err)
{
    mc_status st = chosen_model(t, out, err);
    if (st != MC_OK || t->n_val == 0)
        return st;
    mc_calibration_free(&(*out)->calibration);
    st = mc_calibration_fit(&(*out)->calibration, *out, &t->series, t->val, t->n_val, err);
    if (st != MC_OK) {
        mc_model_free(*out);
        *out = NULL;
    }
    return st;
}

mc_status mc_model_train(mc_model **out, const mc_frame *frame, const mc_model_options *mo,
                         const mc_train_options *to, mc_error *err)
{
    *out = NULL;
    mc_trainer *t = NULL;
    mc_status st = mc_trainer_init(&t, frame, mo, to, err);
    bool done = false;
    while (st == MC_OK && !done)
        st = mc_trainer_step(t, &done, err);
    if (st == MC_OK)
        st = mc_trainer_model(t, out, err);
    mc_trainer_free(t);
    return st;
}
