/*
 * Rolling-origin backtest. Every method forecasts the same origins; each
 * origin is forecast from the rows before it only (the model through
 * mc_model_predict's windows, the baselines by construction), and every model
 * or regression is fitted on rows that end before the first origin it serves.
 */
#include "maskcast/backtest.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/frame_lookup.h"
#include "data/timestamp.h"
#include "eval/baselines.h"
#include "eval/backtest_methods.h"
#include "eval/corrupt.h"
#include "eval/intervals.h"
#include "eval/metrics.h"
#include "train/bind.h"
#include "train/exchange.h"
#include "train/model_internal.h"

enum { METHOD_NAME = 32 };

typedef struct bt_method {
    char name[METHOD_NAME];
    double *point;         /* (origins, H) */
    mc_metric_sums *sums;  /* (H + 1): per step, then overall */
    double seconds;
    size_t models, linear_kept; /* models trained; of those, the linear forecaster */
    size_t blend_kept;          /* and the blend */
    double *quantiles;          /* (origins, H, n_quantiles) of a quantile model, else NULL */
    double *lower, *upper;      /* (origins, H, levels) prediction intervals, else NULL */
    size_t n_quantiles;
    double levels[MC_MAX_QUANTILES];
} bt_method;

struct mc_backtest {
    size_t n_origins, horizon, gap, train_rows;
    size_t *rows;          /* (origins) first row not seen: the origin */
    int64_t *first_time;   /* (origins) instant of the first target */
    double *actual;        /* (origins, H), NAN where not observed */
    double *reference;     /* (origins, H) weekly seasonal naive, for skill */
    double mase_scale;
    size_t n_methods, methods_cap;
    bt_method *methods;    /* (n_methods): grows, so an added ablation needs no limit raised */
    size_t n_levels;       /* prediction interval levels */
    double levels[MC_MAX_INTERVALS];
};

void mc_backtest_options_defaults(mc_backtest_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->ensemble = 1;
    opt->baselines = true;
    opt->corrupt_seed = 1;
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- origins ------------------------------------------------------------------ */

static int64_t time_of_day(int64_t wall) { return wall - 86400 * mc_time_days(wall); }

/* The row holding origin_time at or after `from` within `slack` rows, or SIZE_MAX. */
static size_t aligned_row(const int64_t *wall, size_t rows, size_t from, size_t slack,
                          int64_t origin_time)
{
    for (size_t r = from; r < rows && r <= from + slack; r++)
        if (time_of_day(wall[r]) == origin_time)
            return r;
    return SIZE_MAX;
}

/*
 * Origins from `start` on, each at origin_time of day, `stride` rows apart
 * (re-aligned to origin_time across a daylight-saving change when the
 * stride is whole days), each with its targets inside the data.
 */
static mc_status pick_origins(mc_backtest *b, const int64_t *wall, size_t rows, size_t start,
                              size_t stride, size_t day_steps, size_t lookback,
                              int64_t origin_time, mc_error *err)
{
    const size_t need = b->gap + b->horizon;
    const bool daily = stride % day_steps == 0;
    size_t cap = rows / stride + 2;
    b->rows = mc_realloc_array(NULL, cap, sizeof *b->rows);
    if (b->rows == NULL)
        return mc_error_nomem(err, "choosing the origins");
    size_t o = aligned_row(wall, rows, start, day_steps, origin_time);
    while (o != SIZE_MAX && o + need <= rows && b->n_origins < cap) {
        b->rows[b->n_origins++] = o;
        size_t next = o + stride;
        if (daily && next < rows && time_of_day(wall[next]) != origin_time)
            next = aligned_row(wall, rows, next > 2 ? next - 2 : 0, 4, origin_time);
        o = next;
    }
    if (b->n_origins == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the test span has no origin at %02d:%02d with %zu steps of data "
                            "after it", (int)(origin_time / 3600), (int)(origin_time % 3600 / 60),
                            need);
    if (b->rows[0] < lookback + need + 1)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the test span starts at row %zu, leaving too little data before "
                            "it to train on (the lookback alone is %zu steps)",
                            b->rows[0], lookback);
    return MC_OK;
}

/* The first row of the test span. */
static mc_status test_start_row(size_t *out, const mc_frame *f, const mc_backtest_options *bo,
                                size_t day_steps, mc_error *err)
{
    const size_t rows = mc_frame_rows(f);
    const int64_t *t = mc_frame_times(f);
    if (bo->has_test_start) {
        size_t r = 0;
        while (r < rows && t[r] < bo->test_start)
            r++;
        if (r == rows)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                "the test start is after the last row of the data");
        *out = r;
        return MC_OK;
    }
    const size_t days = rows / day_steps;
    size_t n = bo->test_days;
    if (n == 0) {
        n = days / 5;
        if (n > 365)
            n = 365;
    }
    if (n == 0 || n >= days)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a test span of %zu days does not fit in %zu days of data", n, days);
    *out = rows - n * day_steps;
    return MC_OK;
}

/* ---- methods ------------------------------------------------------------------ */

static bt_method *add_method(mc_backtest *b, const char *name, mc_error *err)
{
    if (b->n_methods == b->methods_cap) {
        const size_t cap = b->methods_cap ? 2 * b->methods_cap : 8;
        bt_method *grown = mc_realloc_array(b->methods, cap, sizeof *grown);
        if (grown == NULL) {
            mc_error_nomem(err, "the backtest's methods");
            return NULL;
        }
        b->methods = grown;
        b->methods_cap = cap;
    }
    bt_method *m = &b->methods[b->n_methods];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->point = mc_realloc_array(NULL, b->n_origins * b->horizon, sizeof *m->point);
    m->sums = calloc(b->horizon + 1, sizeof *m->sums);
    if (m->point == NULL || m->sums == NULL) {
        free(m->point);
        free(m->sums);
        mc_error_nomem(err, "the backtest's forecasts");
        return NULL;
    }
    b->n_methods++;
    return m;
}

mc_status mc_backtest_add_method(mc_backtest *b, const char *name, mc_error *err)
{
    return add_method(b, name, err) != NULL ? MC_OK : MC_ERR_NOMEM;
}

typedef struct fit_report {
    const mc_backtest_options *bo;
    const char *method;
    size_t fit, fits;
} fit_report;

static bool on_train_progress(const mc_train_progress *p, void *user)
{
    const fit_report *r = user;
    const mc_backtest_progress bp = {.method = r->method, .fit = r->fit, .fits = r->fits,
                                     .train = p};
    return r->bo->progress(&bp, r->bo->progress_user);
}

typedef struct model_run {
    const mc_frame *frame;
    const double *input_load;   /* what the origins see as past load (maybe corrupted) */
    const mc_model_options *mo; /* horizon = gap + H */
    const mc_train_options *to;
    const mc_backtest_options *bo;
    const mc_model *fixed;      /* a model given to test (not trained here), or NULL */
    double *quantiles;          /* (origins, H, Q) ensemble mean, for the pinball metrics */
    size_t n_quantiles;
    double levels[MC_MAX_QUANTILES];
} model_run;

/* Room for a method's intervals (origins, H, levels), NAN until set. */
static mc_status interval_room(mc_backtest *b, bt_method *m, size_t L, mc_error *err)
{
    if (m->lower != NULL)
        return MC_OK;
    const size_t cells = (b->n_origins * b->horizon > 0 ? b->n_origins * b->horizon : 1) * L;
    m->lower = mc_realloc_array(NULL, cells, sizeof *m->lower);
    m->upper = mc_realloc_array(NULL, cells, sizeof *m->upper);
    if (m->lower == NULL || m->upper == NULL)
        return mc_error_nomem(err, "the prediction intervals");
    for (size_t i = 0; i < cells; i++)
        m->lower[i] = m->upper[i] = NAN;
    return MC_OK;
}

/* The model's own intervals (its calibration's offsets around its point
   forecasts `out`, (last - first, gap + H, Q)) at origins [first, last). */
static mc_status model_intervals(mc_backtest *b, bt_method *m, const mc_model *model,
                                 const double *out, size_t first, size_t last,
                                 const mc_backtest_options *bo, mc_error *err)
{
    const size_t H = b->horizon, L = bo->n_intervals, Q = model->shape.quantiles;
    const size_t HM = model->shape.horizon, med = mc_model_median_output(model);
    mc_status st = interval_room(b, m, L, err);
    double *lo = mc_realloc_array(NULL, HM, sizeof *lo), *hi = mc_realloc_array(NULL, HM, sizeof *hi);
    if (st == MC_OK && (lo == NULL || hi == NULL))
        st = mc_error_nomem(err, "the prediction intervals");
    for (size_t l = 0; st == MC_OK && l < L; l++) {
        if (mc_model_calibration_origins(model) == 0) {
            st = mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                              "the models' own intervals need a validation tail to calibrate "
                              "them on (validation fraction above 0)");
            break;
        }
        mc_model_interval_offsets(model, bo->intervals[l], lo, hi, NULL);
        for (size_t i = first; i < last; i++)
            for (size_t k = 0; k < H; k++) {
                const double p = out[(i - first) * HM * Q + (b->gap + k) * Q + med];
                m->lower[(i * H + k) * L + l] = p + lo[b->gap + k];
                m->upper[(i * H + k) * L + l] = p + hi[b->gap + k];
            }
    }
    free(lo);
    free(hi);
    return st;
}

/* The training options of member e of the block whose first origin is
   `first`: trained on the rows before it, with seed seed + e. */
static mc_train_options member_options(const mc_backtest *b, const model_run *run, size_t first,
                                       size_t e, fit_report *report)
{
    mc_train_options to = *run->to;
    to.train_rows = b->rows[first];
    to.seed = run->to->seed + e;
    if (run->bo->progress != NULL) {
        to.progress = on_train_progress;
        to.progress_user = report;
    }
    return to;
}

/* Makes the block's E members (freed here, NULL on return) one model
   (mc_model_ensemble, as train --ensemble does), and writes its forecasts at
   origins [first, last) into m->point (and run->quantiles). */
static mc_status forecast_block(mc_backtest *b, bt_method *m, model_run *run, size_t first,
                                size_t last, mc_model **members, mc_error *err)
{
    const size_t E = run->bo->ensemble ? run->bo->ensemble : 1;
    mc_model *model = NULL;
    mc_status st = MC_OK;
    for (size_t e = 0; e < E; e++) {
        m->models++;
        m->linear_kept += run->to->linear_candidate && strcmp(mc_model_kept(members[e]), "linear") == 0;
        m->blend_kept += strcmp(mc_model_kept(members[e]), "blend") == 0;
    }
    if (E == 1) {
        model = members[0];
        members[0] = NULL;
    } else {
        st = mc_model_ensemble(&model, (const mc_model *const *)members, E, err);
        if (st == MC_OK && run->bo->n_intervals > 0 &&
            run->bo->interval_source == MC_INTERVALS_MODEL) {
            mc_train_options to = *run->to; /* the members' validation tail */
            to.train_rows = b->rows[first];
            to.collective = NULL;
            st = mc_model_calibrate(model, run->frame, &to, err);
        }
    }
    for (size_t e = 0; e < E; e++) {
        mc_model_free(members[e]);
        members[e] = NULL;
    }
    if (st != MC_OK) {
        mc_model_free(model);
        return st;
    }
    mc_bound bound;
    if ((st = mc_model_bind(&bound, model, run->frame, mc_frame_rows(run->frame), err)) != MC_OK) {
        mc_model_free(model);
        return st;
    }
    bound.values[0] = run->input_load; /* the series reads values through this array */
    const size_t n = last - first, Q = model->shape.quantiles, HQ = model->shape.horizon * Q;
    double *out = mc_realloc_array(NULL, n, HQ * sizeof *out);
    if (out == NULL)
        st = mc_error_nomem(err, "the model's forecasts");
    if (st == MC_OK)
        st = mc_model_predict(model, &bound.series, b->rows + first, n, out, NULL, err);
    if (st == MC_OK && run->bo->n_intervals > 0 && run->bo->interval_source == MC_INTERVALS_MODEL)
        st = model_intervals(b, m, model, out, first, last, run->bo, err);
    if (st == MC_OK) {
        const size_t med = mc_model_median_output(model), H = b->horizon;
        run->n_quantiles = model->loss.kind == MC_NN_LOSS_PINBALL ? Q : 0;
        for (size_t q = 0; q < run->n_quantiles; q++)
            run->levels[q] = model->loss.quantiles[q];
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < H; k++) {
                const double *o = out + i * HQ + (b->gap + k) * Q;
                m->point[(first + i) * H + k] = o[med];
                for (size_t q = 0; q < run->n_quantiles; q++)
                    run->quantiles[((first + i) * H + k) * Q + q] = o[q];
            }
    }
    free(out);
    mc_bound_free(&bound);
    mc_model_free(model);
    return st;
}

/* Trains bo->ensemble models (seeds seed, seed+1, ...) on the rows before
   origin `first` and forecasts origins [first, last) with them
   (forecast_block). */
static mc_status fit_and_forecast(mc_backtest *b, bt_method *m, model_run *run, size_t first,
                                  size_t last, fit_report *report, mc_error *err)
{
    const size_t E = run->bo->ensemble ? run->bo->ensemble : 1;
    const double t0 = now_seconds();
    mc_model *members[MC_MAX_MEMBERS] = {NULL};
    mc_status st = E <= MC_MAX_MEMBERS ? MC_OK
                                       : mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                                      "an ensemble of at most %d models",
                                                      MC_MAX_MEMBERS);
    if (run->fixed != NULL) /* a model given (E is 1): forecast with a copy of it */
        st = mc_model_clone(&members[0], run->fixed, err);
    for (size_t e = 0; st == MC_OK && run->fixed == NULL && e < E; e++) {
        mc_train_options to = member_options(b, run, first, e, report);
        report->fit++;
        st = mc_model_train(&members[e], run->frame, run->mo, &to, err);
    }
    if (st == MC_OK)
        st = forecast_block(b, m, run, first, last, members, err);
    for (size_t e = 0; e < E && e < MC_MAX_MEMBERS; e++)
        mc_model_free(members[e]);
    m->seconds += now_seconds() - t0;
    return st;
}

/*
 * The training runs of a method (block first / every, member e: run
 * block * E + e) dealt out over the collective's processes in rounds of one
 * run each, run i to rank i % ranks; after each round the round's models
 * are exchanged (mc_model_exchange), and every block whose members have all
 * arrived is forecast on every process (forecast_block): the same models,
 * the same forecasts everywhere. At most a block's members and a round's
 * models are held at once.
 */
static mc_status spread_runs(mc_backtest *b, bt_method *m, model_run *run, size_t every,
                             fit_report *report, mc_error *err)
{
    const mc_collective *c = run->bo->collective;
    const size_t N = b->n_origins, E = run->bo->ensemble ? run->bo->ensemble : 1;
    const size_t blocks = (N + every - 1) / every, runs = blocks * E, R = c->ranks;
    if (E > MC_MAX_MEMBERS)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "an ensemble of at most %d models",
                            MC_MAX_MEMBERS);
    mc_model **held = calloc(runs, sizeof *held), **round = calloc(R, sizeof *round);
    if (held == NULL || round == NULL) {
        free(held);
        free(round);
        return mc_error_nomem(err, "the backtest's models");
    }
    mc_status st = MC_OK;
    size_t next_block = 0; /* the first block not forecast yet */
    for (size_t r0 = 0; st == MC_OK && r0 < runs; r0 += R) {
        const size_t j = r0 + c->rank;
        mc_model *mine = NULL;
        mc_status mine_st = MC_OK;
        report->fit = j < runs ? j + 1 : runs; /* 1-based, as fit_and_forecast counts */
        if (j < runs) {
            mc_train_options to = member_options(b, run, j / E * every, j % E, report);
            to.collective = NULL; /* each process trains runs of its own */
            mine_st = mc_model_train(&mine, run->frame, run->mo, &to, err);
        }
        st = mc_model_exchange(round, mine, mine_st, c, err);
        mc_model_free(mine);
        for (size_t r = 0; st == MC_OK && r < R && r0 + r < runs; r++) {
            held[r0 + r] = round[r];
            round[r] = NULL;
        }
        const size_t arrived = r0 + R < runs ? r0 + R : runs;
        for (; st == MC_OK && next_block < blocks && (next_block + 1) * E <= arrived;
             next_block++) {
            const size_t first = next_block * every, last = first + every < N ? first + every : N;
            st = forecast_block(b, m, run, first, last, held + next_block * E, err);
        }
    }
    for (size_t i = 0; i < runs; i++)
        mc_model_free(held[i]);
    free(held);
    free(round);
    return st;
}

/* Adds every observed (origin, step) pair to its step's sums and the overall
   ones; `quantiles` (origins, H, q; NULL for point forecasts) adds pinball
   and coverage. */
static void score(mc_backtest *b, bt_method *m, const double *quantiles, const double *levels,
                  size_t q)
{
    const size_t H = b->horizon;
    for (size_t i = 0; i < b->n_origins * H; i++) {
        const double a = b->actual[i];
        if (isnan(a))
            continue;
        mc_metric_sums *const sums[2] = {&m->sums[i % H], &m->sums[H]};
        for (int s = 0; s < 2; s++) {
            mc_metric_add(sums[s], a, m->point[i], b->reference[i]);
            if (quantiles != NULL)
                mc_metric_add_quantiles(sums[s], a, quantiles + i * q, levels, q);
        }
    }
}

/* The quantiles recalibrated origin by origin (mc_rolling_quantile_calibration). */
static mc_status calibrate_quantiles(mc_backtest *b, model_run *run, size_t Q, mc_error *err)
{
    return mc_rolling_quantile_calibration(
        run->quantiles, b->actual, b->rows, b->gap, b->n_origins, b->horizon, run->levels, Q,
        run->bo->quantile_window ? run->bo->quantile_window : 30, err);
}

static mc_status run_model(mc_backtest *b, const char *name, model_run *run, mc_error *err)
{
    bt_method *m = add_method(b, name, err);
    if (m == NULL)
        return MC_ERR_NOMEM;
    const size_t N = b->n_origins, H = b->horizon, Q = run->mo->loss.kind == MC_LOSS_PINBALL
                                                             ? run->mo->loss.n_quantiles : 1;
    memset(m->point, 0, N * H * sizeof *m->point);
    run->quantiles = calloc(N * H * Q, sizeof *run->quantiles);
    if (run->quantiles == NULL)
        return mc_error_nomem(err, "the model's forecasts");
    const size_t every = run->bo->refit_every ? run->bo->refit_every : N;
    const size_t E = run->bo->ensemble ? run->bo->ensemble : 1;
    fit_report report = {.bo = run->bo, .method = name, .fits = ((N + every - 1) / every) * E};
    mc_status st = MC_OK;
    const mc_collective *c = run->bo->collective;
    if (c != NULL && c->ranks > 1 && run->fixed == NULL && ((N + every - 1) / every) * E > 1) {
        const double t0 = now_seconds();
        st = spread_runs(b, m, run, every, &report, err);
        m->seconds = now_seconds() - t0;
    } else {
        for (size_t first = 0; st == MC_OK && first < N; first += every) {
            const size_t last = first + every < N ? first + every : N;
            st = fit_and_forecast(b, m, run, first, last, &report, err);
        }
    }
    if (st == MC_OK && run->n_quantiles > 1 && run->bo->calibrate_quantiles)
        st = calibrate_quantiles(b, run, Q, err);
    if (st == MC_OK && run->n_quantiles > 1) {
        score(b, m, run->quantiles, run->levels, Q);
        m->quantiles = run->quantiles; /* kept for the result's readers */
        m->n_quantiles = run->n_quantiles;
        memcpy(m->levels, run->levels, sizeof m->levels);
    } else {
        if (st == MC_OK)
            score(b, m, NULL, run->levels, Q);
        free(run->quantiles);
    }
    run->quantiles = NULL;
    return st;
}

static mc_status run_seasonal(mc_backtest *b, const char *name, const double *input,
                              size_t season, mc_error *err)
{
    bt_method *m = add_method(b, name, err);
    if (m == NULL)
        return MC_ERR_NOMEM;
    const double t0 = now_seconds();
    for (size_t i = 0; i < b->n_origins; i++)
        mc_baseline_seasonal(input, b->rows[i], b->gap, b->horizon, season,
                             m->point + i * b->horizon);
    m->seconds = now_seconds() - t0;
    score(b, m, NULL, NULL, 0);
    return MC_OK;
}

static const double *column_named(const mc_frame *f, const char *name)
{
    size_t j = 0;
    return name != NULL && mc_frame_find_column(f, name, &j) ? mc_frame_values(f, j) : NULL;
}

/* The GEFCom-style regression, refitted on the model's schedule. */
static mc_status run_linear(mc_backtest *b, const mc_frame *f, const int64_t *wall,
                            const mc_backtest_options *bo, mc_error *err)
{
    const double *temp = column_named(f, bo->temperature);
    char q[MC_ERROR_NAME_SIZE];
    if (bo->temperature != NULL && temp == NULL)
        return mc_error_set(err, MC_ERR_COLUMN, 0, 0,
                            "the data has no column \"%s\" for the calendar-regression baseline's temperature "
                            "(read it with --covariates)", mc_error_name(q, bo->temperature));
    bt_method *m = add_method(b, "calendar-regression", err);
    if (m == NULL)
        return MC_ERR_NOMEM;
    const double t0 = now_seconds();
    const size_t N = b->n_origins, H = b->horizon;
    const size_t every = bo->refit_every ? bo->refit_every : N;
    mc_status st = MC_OK;
    for (size_t first = 0; st == MC_OK && first < N; first += every) {
        mc_linear_baseline *lin = NULL;
        st = mc_linear_baseline_fit(&lin, wall, mc_frame_step(f), mc_frame_values(f, 0),
                                    mc_frame_states(f, 0), temp, b->rows[first], err);
        for (size_t i = first; st == MC_OK && i < N && i < first + every; i++) {
            const size_t r = b->rows[i] + b->gap;
            st = mc_linear_baseline_predict(lin, wall + r, temp ? temp + r : NULL, H,
                                            m->point + i * H, err);
        }
        mc_linear_baseline_free(lin);
    }
    m->seconds = now_seconds() - t0;
    if (st == MC_OK)
        score(b, m, NULL, NULL, 0);
    return st;
}

/* Every method's rolling conformal intervals at the levels asked for; with
   the models' own, those were set as they forecast, and the methods without
   a model get none. */
static mc_status add_intervals(mc_backtest *b, const mc_backtest_options *bo, mc_error *err)
{
    const size_t L = bo->n_intervals;
    b->n_levels = L;
    memcpy(b->levels, bo->intervals, L * sizeof *b->levels);
    mc_status st = MC_OK;
    for (size_t m = 0; st == MC_OK && m < b->n_methods; m++) {
        bt_method *bm = &b->methods[m];
        st = interval_room(b, bm, L, err); /* with the models' own: set, or NAN (a baseline) */
        if (st == MC_OK && bo->interval_source == MC_INTERVALS_ROLLING)
            st = mc_rolling_intervals(bm->lower, bm->upper, b->actual, bm->point, b->rows, b->gap,
                                      b->n_origins, b->horizon, b->levels, L,
                                      bo->interval_window ? bo->interval_window : 90, err);
    }
    return st;
}

/* ---- the run ------------------------------------------------------------------ */

static mc_status check_options(const mc_frame *f, const mc_model_options *mo,
                               const mc_backtest_options *bo, mc_error *err)
{
    const int64_t step = mc_frame_step(f);
    if (step <= 0 || 86400 % step != 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "backtests need a step that divides a day (the data's step is %lld s)",
                            (long long)step);
    if (mo->window.horizon == 0 || bo->origin_time < 0 || bo->origin_time >= 86400 ||
        bo->origin_time % step != 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the origin time of day must be a whole number of steps after "
                            "midnight, and the horizon at least one step");
    if (!(bo->corrupt_rate >= 0.0 && bo->corrupt_rate <= 1.0))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the corruption rate must be in [0, 1]");
    if (bo->ensemble > 64)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "at most 64 models per ensemble");
    if (bo->interval_source != MC_INTERVALS_ROLLING && bo->interval_source != MC_INTERVALS_MODEL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "no interval source %d",
                            (int)bo->interval_source);
    const mc_collective *c = bo->collective;
    if (c != NULL && (c->ranks == 0 || c->rank >= c->ranks ||
                      (c->ranks > 1 && (c->sum_float == NULL || c->sum_double == NULL))))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the collective's rank must be below its rank count (at least 1), "
                            "and more than one rank needs both sums");
    if (bo->n_intervals > MC_MAX_INTERVALS)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "at most %d interval levels",
                            MC_MAX_INTERVALS);
    for (size_t l = 0; l < bo->n_intervals; l++)
        if (!(bo->intervals[l] > 0.0 && bo->intervals[l] < 1.0))
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                "an interval's level is a share between 0 and 1, not %g",
                                bo->intervals[l]);
    return MC_OK;
}

/* Actuals and the weekly seasonal-naive reference at every (origin, step). */
static mc_status fill_targets(mc_backtest *b, const mc_frame *f, size_t week, mc_error *err)
{
    const size_t N = b->n_origins, H = b->horizon;
    const double *y = mc_frame_values(f, 0);
    const uint8_t *state = mc_frame_states(f, 0);
    b->actual = mc_realloc_array(NULL, N * H, sizeof *b->actual);
    b->reference = mc_realloc_array(NULL, N * H, sizeof *b->reference);
    b->first_time = mc_realloc_array(NULL, N, sizeof *b->first_time);
    if (b->actual == NULL || b->reference == NULL || b->first_time == NULL)
        return mc_error_nomem(err, "the backtest's actuals");
    for (size_t i = 0; i < N; i++) {
        const size_t r = b->rows[i] + b->gap;
        b->first_time[i] = mc_frame_times(f)[r];
        for (size_t k = 0; k < H; k++)
            b->actual[i * H + k] = state[r + k] == MC_VALUE_OBSERVED ? y[r + k] : NAN;
        mc_baseline_seasonal(y, b->rows[i], b->gap, H, week, b->reference + i * H);
    }
    return mc_mase_scale(&b->mase_scale, y, state, b->train_rows, week, err);
}

/* The backtest of mc_backtest_run(), or of the model `fixed` when it is not
   NULL (mo then its window: horizon the steps scored). */
/* The origins of the test span into b (rows, horizon, gap); `wall` holds
   the frame's wall-clock times. */
static mc_status place_origins(mc_backtest *b, const mc_frame *frame, const int64_t *wall,
                               const mc_model_options *mo, const mc_backtest_options *bo,
                               mc_error *err)
{
    const size_t day_steps = (size_t)(86400 / mc_frame_step(frame));
    b->horizon = mo->window.horizon;
    b->gap = bo->gap;
    size_t start = 0;
    mc_status st = test_start_row(&start, frame, bo, day_steps, err);
    if (st == MC_OK)
        st = pick_origins(b, wall, mc_frame_rows(frame), start,
                          bo->stride ? bo->stride : day_steps, day_steps, mo->window.lookback,
                          bo->origin_time, err);
    return st;
}

static mc_status run_backtest(mc_backtest **out, const mc_frame *frame,
                              const mc_model_options *mo, const mc_train_options *to,
                              const mc_backtest_options *bo, const mc_model *fixed,
                              mc_error *err)
{
    *out = NULL;
    mc_status st = check_options(frame, mo, bo, err);
    if (st != MC_OK)
        return st;
    const size_t rows = mc_frame_rows(frame);
    const size_t day_steps = (size_t)(86400 / mc_frame_step(frame));
    mc_backtest *b = calloc(1, sizeof *b);
    int64_t *wall = mc_realloc_array(NULL, rows ? rows : 1, sizeof *wall);
    double *input = NULL;
    if (b == NULL || wall == NULL) {
        free(b);
        free(wall);
        return mc_error_nomem(err, "the backtest");
    }
    for (size_t r = 0; r < rows; r++)
        wall[r] = mc_frame_wall_time(frame, r);
    st = place_origins(b, frame, wall, mo, bo, err);
    if (st == MC_OK) {
        b->train_rows = b->rows[0];
        st = fill_targets(b, frame, 7 * day_steps, err);
    }
    /* The load as the origins see it: a corrupted copy from the first
       origin's lookback on, when asked. */
    const double *load = mc_frame_values(frame, 0);
    if (st == MC_OK && bo->corrupt_rate > 0.0) {
        input = mc_realloc_array(NULL, rows, sizeof *input);
        if (input == NULL)
            st = mc_error_nomem(err, "the corrupted inputs");
        else {
            memcpy(input, load, rows * sizeof *input);
            const size_t from = b->rows[0] > mo->window.lookback ? b->rows[0] - mo->window.lookback : 0;
            st = mc_corrupt_series(input, rows, from, b->train_rows, bo->corrupt_rate,
                                   bo->corrupt_seed, NULL, err);
            load = input;
        }
    }
    mc_model_options m = *mo;
    m.window.horizon = b->gap + b->horizon;
    model_run run = {.frame = frame, .input_load = load, .mo = &m, .to = to, .bo = bo,
                     .fixed = fixed};
    if (st == MC_OK)
        st = run_model(b, "maskcast", &run, err);
    if (st == MC_OK && fixed == NULL && bo->ablations && mo->network.anomaly_mask) {
        mc_model_options a = m;
        a.network.anomaly_mask = false;
        run.mo = &a;
        st = run_model(b, "no-anomaly-mask", &run, err);
    }
    if (st == MC_OK && fixed == NULL && bo->ablations && mo->network.horizon_masks) {
        mc_model_options a = m;
        a.network.horizon_masks = false;
        run.mo = &a;
        st = run_model(b, "no-horizon-masks", &run, err);
    }
    if (st == MC_OK && bo->baselines) {
        st = run_seasonal(b, "naive", load, 1, err);
        if (st == MC_OK)
            st = run_seasonal(b, "seasonal-day", load, day_steps, err);
        if (st == MC_OK)
            st = run_seasonal(b, "seasonal-week", load, 7 * day_steps, err);
        if (st == MC_OK)
            st = run_linear(b, frame, wall, bo, err);
    }
    if (st == MC_OK && bo->n_intervals > 0)
        st = add_intervals(b, bo, err);
    free(wall);
    free(input);
    if (st != MC_OK) {
        mc_backtest_free(b);
        return st;
    }
    *out = b;
    return MC_OK;
}

mc_status mc_backtest_run(mc_backtest **out, const mc_frame *frame, const mc_model_options *mo,
                          const mc_train_options *to, const mc_backtest_options *bo,
                          mc_error *err)
{
    return run_backtest(out, frame, mo, to, bo, NULL, err);
}

mc_status mc_backtest_model(mc_backtest **out, const mc_frame *frame, const mc_model *model,
                            const mc_backtest_options *bo, mc_error *err)
{
    *out = NULL;
    if (bo->refit_every != 0 || bo->ensemble > 1 || bo->ablations)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a backtest of a given model neither refits, nor makes ensembles, "
                            "nor trains ablations");
    if (mc_model_step(model) != mc_frame_step(frame))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the data's step (%lld s) differs from the model's (%lld s)",
                            (long long)mc_frame_step(frame), (long long)mc_model_step(model));
    if (mc_model_horizon(model) <= bo->gap)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a gap of %zu steps leaves nothing of the model's horizon of %zu",
                            bo->gap, mc_model_horizon(model));
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = mc_model_lookback(model);
    mo.window.horizon = mc_model_horizon(model) - bo->gap;
    mo.loss = model->config.loss;
    mc_train_options to;
    mc_train_options_defaults(&to);
    return run_backtest(out, frame, &mo, &to, bo, model, err);
}

mc_status mc_backtest_first_origin(size_t *row, const mc_frame *frame, const mc_model_options *mo,
                                   const mc_backtest_options *bo, mc_error *err)
{
    mc_status st = check_options(frame, mo, bo, err);
    if (st != MC_OK)
        return st;
    const size_t rows = mc_frame_rows(frame);
    mc_backtest b = {0};
    int64_t *wall = mc_realloc_array(NULL, rows ? rows : 1, sizeof *wall);
    if (wall == NULL)
        return mc_error_nomem(err, "the backtest");
    for (size_t r = 0; r < rows; r++)
        wall[r] = mc_frame_wall_time(frame, r);
    st = place_origins(&b, frame, wall, mo, bo, err);
    if (st == MC_OK)
        *row = b.rows[0];
    free(b.rows);
    free(wall);
    return st;
}

mc_status mc_backtest_test_start(int64_t *out, const mc_frame *frame,
                                 const mc_backtest_options *bo, mc_error *err)
{
    const int64_t step = mc_frame_step(frame);
    if (step <= 0 || 86400 % step != 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "backtests need a step that divides a day (the data's step is %lld s)",
                            (long long)step);
    size_t row = 0;
    mc_status st = test_start_row(&row, frame, bo, (size_t)(86400 / step), err);
    if (st == MC_OK)
        *out = mc_frame_times(frame)[row];
    return st;
}

void mc_backtest_free(mc_backtest *b)
{
    if (b == NULL)
        return;
    for (size_t m = 0; m < b->n_methods; m++) {
        free(b->methods[m].point);
        free(b->methods[m].sums);
        free(b->methods[m].quantiles);
        free(b->methods[m].lower);
        free(b->methods[m].upper);
    }
    free(b->methods);
    free(b->rows);
    free(b->first_time);
    free(b->actual);
    free(b->reference);
    free(b);
}

/* ---- results ------------------------------------------------------------------ */

size_t mc_backtest_methods(const mc_backtest *b) { return b->n_methods; }

const char *mc_backtest_method_name(const mc_backtest *b, size_t method)
{
    return method < b->n_methods ? b->methods[method].name : NULL;
}

double mc_backtest_method_seconds(const mc_backtest *b, size_t method)
{
    return method < b->n_methods ? b->methods[method].seconds : NAN;
}

size_t mc_backtest_method_models(const mc_backtest *b, size_t method)
{
    return method < b->n_methods ? b->methods[method].models : 0;
}

size_t mc_backtest_method_linear_kept(const mc_backtest *b, size_t method)
{
    return method < b->n_methods ? b->methods[method].linear_kept : 0;
}

size_t mc_backtest_method_blend_kept(const mc_backtest *b, size_t method)
{
    return method < b->n_methods ? b->methods[method].blend_kept : 0;
}

void mc_backtest_method_label(const mc_backtest *b, size_t method, char *out, size_t size)
{
    if (size == 0)
        return;
    if (method >= b->n_methods) {
        out[0] = '\0';
        return;
    }
    const bt_method *m = &b->methods[method];
    const size_t network = m->models - m->linear_kept - m->blend_kept;
    if (m->models == 0)
        snprintf(out, size, "%s", m->name);
    else if (network == m->models || m->linear_kept == m->models || m->blend_kept == m->models)
        snprintf(out, size, "%s (%s)", m->name,
                 network == m->models ? "network" : m->linear_kept == m->models ? "linear" : "blend");
    else
        snprintf(out, size, "%s (%zu/%zu/%zu)", m->name, network, m->linear_kept, m->blend_kept);
}

size_t mc_backtest_origins(const mc_backtest *b) { return b->n_origins; }
size_t mc_backtest_horizon(const mc_backtest *b) { return b->horizon; }
size_t mc_backtest_train_rows(const mc_backtest *b) { return b->train_rows; }

int64_t mc_backtest_first_target(const mc_backtest *b, size_t origin)
{
    return origin < b->n_origins ? b->first_time[origin] : 0;
}

size_t mc_backtest_first_target_row(const mc_backtest *b, size_t origin)
{
    return origin < b->n_origins ? b->rows[origin] + b->gap : SIZE_MAX;
}

const double *mc_backtest_actuals(const mc_backtest *b) { return b->actual; }

mc_status mc_backtest_quantile_reliability(const mc_backtest *b, size_t method, size_t q,
                                           size_t step, double *observed, size_t *n,
                                           mc_error *err)
{
    if (method >= b->n_methods || q >= b->methods[method].n_quantiles || step > b->horizon)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "no quantile %zu of method %zu at step %zu", q, method, step);
    const bt_method *m = &b->methods[method];
    const size_t H = b->horizon, Q = m->n_quantiles;
    size_t below = 0, scored = 0;
    for (size_t i = 0; i < b->n_origins * H; i++) {
        if ((step < H && i % H != step) || isnan(b->actual[i]))
            continue;
        scored++;
        below += b->actual[i] <= m->quantiles[i * Q + q];
    }
    *observed = scored ? (double)below / (double)scored : NAN;
    *n = scored;
    return MC_OK;
}

size_t mc_backtest_intervals(const mc_backtest *b) { return b->n_levels; }

double mc_backtest_interval_level(const mc_backtest *b, size_t l)
{
    return l < b->n_levels ? b->levels[l] : NAN;
}

const double *mc_backtest_interval_lower(const mc_backtest *b, size_t method)
{
    return method < b->n_methods ? b->methods[method].lower : NULL;
}

const double *mc_backtest_interval_upper(const mc_backtest *b, size_t method)
{
    return method < b->n_methods ? b->methods[method].upper : NULL;
}

mc_status mc_backtest_interval_metrics_of(const mc_backtest *b, size_t method, size_t l,
                                          size_t step, mc_backtest_interval_metrics *out,
                                          mc_error *err)
{
    if (method >= b->n_methods || l >= b->n_levels || step > b->horizon)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "no method %zu, interval %zu or step %zu (%zu methods, %zu "
                            "intervals, %zu steps)",
                            method, l, step, b->n_methods, b->n_levels, b->horizon);
    const bt_method *m = &b->methods[method];
    const size_t H = b->horizon, L = b->n_levels;
    double inside = 0.0, width = 0.0, score = 0.0;
    size_t n = 0;
    for (size_t i = 0; i < b->n_origins * H; i++) {
        const double y = b->actual[i], lo = m->lower[i * L + l], hi = m->upper[i * L + l];
        if ((step < H && i % H != step) || isnan(y) || isnan(lo) || isnan(hi))
            continue;
        n++;
        inside += y >= lo && y <= hi;
        width += hi - lo;
        score += mc_interval_score(lo, hi, y, b->levels[l]);
    }
    *out = (mc_backtest_interval_metrics){.n = n,
                                          .coverage = n ? inside / (double)n : NAN,
                                          .width = n ? width / (double)n : NAN,
                                          .winkler = n ? score / (double)n : NAN};
    return MC_OK;
}

size_t mc_backtest_method_quantiles(const mc_backtest *b, size_t method)
{
    return method < b->n_methods ? b->methods[method].n_quantiles : 0;
}

double mc_backtest_method_quantile_level(const mc_backtest *b, size_t method, size_t q)
{
    return method < b->n_methods && q < b->methods[method].n_quantiles
               ? b->methods[method].levels[q] : NAN;
}

const double *mc_backtest_method_quantile_forecasts(const mc_backtest *b, size_t method)
{
    return method < b->n_methods ? b->methods[method].quantiles : NULL;
}

const double *mc_backtest_forecasts(const mc_backtest *b, size_t method)
{
    return method < b->n_methods ? b->methods[method].point : NULL;
}

mc_status mc_backtest_metrics_of(const mc_backtest *b, size_t method, size_t step,
                                 mc_backtest_metrics *out, mc_error *err)
{
    if (method >= b->n_methods || step > b->horizon)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "no method %zu or step %zu (%zu methods, %zu steps)", method, step,
                            b->n_methods, b->horizon);
    mc_metrics m;
    mc_metrics_finish(&m, &b->methods[method].sums[step], b->mase_scale);
    *out = (mc_backtest_metrics){.n = m.n, .mae = m.mae, .rmse = m.rmse, .mape = m.mape,
                                 .smape = m.smape, .mase = m.mase, .skill = m.skill,
                                 .pinball = m.pinball, .coverage = m.coverage,
                                 .nominal = m.nominal, .crps = m.crps};
    return MC_OK;
}
