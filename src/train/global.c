/*
 * Global models. The series are stacked into one long series: each series'
 * data channels scaled by its own scaler (so that zones of 1,500 and 15,000
 * MW train one network), its constant channels (identity, static
 * covariates) filled with its values, and training origins kept inside each
 * series (mc_stacked_origins). The model then fits its own scalers on the
 * stack as for one series; a series view composes the two scalings.
 */
#include "train/global.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "train/bind.h"
#include "train/model_internal.h"

void mc_series_table_free(mc_series_table *t)
{
    for (size_t i = 0; t->names != NULL && i < t->n; i++)
        free(t->names[i]);
    free(t->names);
    free(t->scalers);
    free(t->constants);
    *t = (mc_series_table){0};
}

/* An empty table for n series of `channels` channels. */
static mc_status table_alloc(mc_series_table *t, size_t n, size_t channels, mc_error *err)
{
    *t = (mc_series_table){0};
    t->names = calloc(n ? n : 1, sizeof *t->names);
    t->scalers = mc_realloc_array(NULL, n ? n : 1, channels * sizeof *t->scalers);
    t->constants = mc_realloc_array(NULL, n ? n : 1, channels * sizeof *t->constants);
    t->n = n;
    if (t->names == NULL || t->scalers == NULL || t->constants == NULL) {
        mc_series_table_free(t);
        return mc_error_nomem(err, "allocating the series table");
    }
    return MC_OK;
}

mc_status mc_series_table_copy(mc_series_table *dst, const mc_series_table *src, size_t channels,
                               mc_error *err)
{
    *dst = (mc_series_table){0};
    if (src->n == 0)
        return MC_OK;
    mc_status st = table_alloc(dst, src->n, channels, err);
    if (st != MC_OK)
        return st;
    memcpy(dst->scalers, src->scalers, src->n * channels * sizeof *dst->scalers);
    memcpy(dst->constants, src->constants, src->n * channels * sizeof *dst->constants);
    for (size_t i = 0; i < src->n; i++)
        if ((dst->names[i] = mc_string_copy(src->names[i])) == NULL) {
            mc_series_table_free(dst);
            return mc_error_nomem(err, "copying the series table");
        }
    return MC_OK;
}

/* ---- the stack ------------------------------------------------------------ */

typedef struct stack {
    size_t rows, channels;
    size_t *segments;   /* (n + 1) */
    int64_t *wall;
    float *calendar;
    double *values;     /* (channels, rows) */
    uint8_t *states;    /* (channels, rows) */
    const double *value_rows[1 + 2 * MC_MAX_COVARIATES];
    const uint8_t *state_rows[1 + 2 * MC_MAX_COVARIATES];
    mc_series series;
} stack;

static void stack_free(stack *s)
{
    free(s->segments);
    free(s->wall);
    free(s->calendar);
    free(s->values);
    free(s->states);
}

static mc_status check_set(const mc_series_set *set, const mc_model_options *mo,
                           const mc_train_options *to, mc_error *err)
{
    if (set->n == 0 || set->frames == NULL || set->names == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "a global model needs at least one series");
    if (to->train_rows != 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a global model trains on every row given: cut the series instead "
                            "of setting train_rows");
    const int64_t step = mc_frame_step(set->frames[0]);
    for (size_t i = 0; i < set->n; i++) {
        char q[MC_ERROR_NAME_SIZE];
        if (set->frames[i] == NULL || set->names[i] == NULL || set->names[i][0] == '\0')
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "series %zu has no frame or no name",
                                i + 1);
        if (mc_frame_step(set->frames[i]) <= 0)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                "series \"%s\" is not regularised (call mc_frame_regularize() "
                                "first)",
                                mc_error_name(q, set->names[i]));
        if (mc_frame_step(set->frames[i]) != step)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                "series \"%s\" has a step of %lld s and the first series one of "
                                "%lld s: a global model needs one step",
                                mc_error_name(q, set->names[i]),
                                (long long)mc_frame_step(set->frames[i]), (long long)step);
        const size_t need = mo->window.lookback + mo->window.horizon + 1;
        if (mc_frame_rows(set->frames[i]) < need)
            return mc_error_set(err, MC_ERR_EMPTY, 0, 0,
                                "series \"%s\" has %zu rows; a lookback of %zu and a horizon of "
                                "%zu need at least %zu (leave the series out, or shorten the "
                                "window)",
                                mc_error_name(q, set->names[i]), mc_frame_rows(set->frames[i]),
                                mo->window.lookback, mo->window.horizon, need);
    }
    const size_t constants = (set->identity ? set->n : 0) + set->n_static;
    if (mo->features.n_future + constants > MC_MAX_COVARIATES)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "%zu known-future covariates, %zu series identity channels and %zu "
                            "static covariates exceed the %d known-future channels a model "
                            "has; leave the identity channels out (they are one per series) "
                            "and describe the series by static covariates",
                            mo->features.n_future, set->identity ? set->n : 0, set->n_static,
                            MC_MAX_COVARIATES);
    return MC_OK;
}

/* The known-future channel names: the options' own, then "series:NAME" per
   series (with identity), then "static:NAME" per static covariate. */
static mc_status future_names(char ***out, size_t *n_out, const mc_series_set *set,
                              const mc_model_options *mo, mc_error *err)
{
    const size_t n = mo->features.n_future + (set->identity ? set->n : 0) + set->n_static;
    char **names = calloc(n ? n : 1, sizeof *names);
    if (names == NULL)
        return mc_error_nomem(err, "naming the channels");
    size_t k = 0;
    bool ok = true;
    for (size_t c = 0; c < mo->features.n_future; c++)
        ok = ok && (names[k++] = mc_string_copy(mo->features.future[c])) != NULL;
    for (size_t i = 0; set->identity && i < set->n; i++) {
        const size_t len = strlen(MC_IDENTITY_PREFIX) + strlen(set->names[i]) + 1;
        ok = ok && (names[k] = malloc(len)) != NULL;
        if (ok)
            snprintf(names[k++], len, "%s%s", MC_IDENTITY_PREFIX, set->names[i]);
    }
    for (size_t j = 0; j < set->n_static; j++) {
        const size_t len = strlen(MC_STATIC_PREFIX) + strlen(set->static_names[j]) + 1;
        ok = ok && (names[k] = malloc(len)) != NULL;
        if (ok)
            snprintf(names[k++], len, "%s%s", MC_STATIC_PREFIX, set->static_names[j]);
    }
    *out = names;
    *n_out = n;
    if (!ok)
        return mc_error_nomem(err, "naming the channels");
    return MC_OK;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; names != NULL && i < n; i++)
        free(names[i]);
    free(names);
}

/* Series i's row of the table: its constants (identity, statics; NaN on
   the data channels), with scalers still to fit. */
static void table_constants(mc_series_table *t, const mc_series_set *set, const mc_model *m,
                            size_t i)
{
    const size_t C = mc_model_channels(m), first = C - (set->identity ? set->n : 0) - set->n_static;
    double *row = t->constants + i * C;
    for (size_t c = 0; c < C; c++) {
        row[c] = NAN;
        t->scalers[i * C + c] = (mc_scaler){0.0, 1.0};
    }
    size_t c = first;
    for (size_t k = 0; set->identity && k < set->n; k++)
        row[c++] = k == i ? 1.0 : 0.0;
    for (size_t j = 0; j < set->n_static; j++)
        row[c++] = set->static_values[j * set->n + i];
}

/* Stacks series i at its segment: data channels in its own scaling. */
static mc_status stack_series(stack *s, mc_series_table *t, mc_model *m, const mc_frame *f,
                              size_t i, mc_error *err)
{
    const size_t C = s->channels, first = s->segments[i], rows = mc_frame_rows(f);
    m->constants = t->constants + i * C; /* borrowed while binding */
    mc_bound b;
    mc_status st = mc_model_bind(&b, m, f, rows, err);
    m->constants = NULL;
    if (st != MC_OK)
        return st;
    mc_scaler fitted[1 + 2 * MC_MAX_COVARIATES];
    mc_scaler_fit(fitted, &b.series, rows);
    for (size_t c = 0; c < C; c++) {
        const bool constant = !isnan(t->constants[i * C + c]);
        const mc_scaler sc = constant ? (mc_scaler){0.0, 1.0} : fitted[c];
        t->scalers[i * C + c] = sc;
        double *v = s->values + c * s->rows + first;
        uint8_t *state = s->states + c * s->rows + first;
        for (size_t r = 0; r < rows; r++) {
            v[r] = (b.series.values[c][r] - sc.mean) / sc.scale; /* NaN stays NaN */
            state[r] = b.series.states[c][r];
        }
    }
    memcpy(s->wall + first, b.wall, rows * sizeof *s->wall);
    if (s->calendar != NULL)
        memcpy(s->calendar + first * MC_CALENDAR_CHANNELS, b.calendar,
               rows * MC_CALENDAR_CHANNELS * sizeof *s->calendar);
    mc_bound_free(&b);
    return MC_OK;
}

static mc_status build_stack(stack *s, mc_series_table *t, mc_model *m, const mc_series_set *set,
                             mc_error *err)
{
    memset(s, 0, sizeof *s);
    s->channels = mc_model_channels(m);
    s->segments = mc_realloc_array(NULL, set->n + 1, sizeof *s->segments);
    if (s->segments == NULL)
        return mc_error_nomem(err, "stacking the series");
    s->segments[0] = 0;
    for (size_t i = 0; i < set->n; i++)
        if (!mc_size_add(s->segments[i], mc_frame_rows(set->frames[i]), &s->segments[i + 1]))
            return mc_error_set(err, MC_ERR_NOMEM, 0, 0, "the series hold too many rows");
    s->rows = s->segments[set->n];
    s->wall = mc_realloc_array(NULL, s->rows, sizeof *s->wall);
    s->values = mc_realloc_array(NULL, s->channels, s->rows * sizeof *s->values);
    s->states = mc_realloc_array(NULL, s->channels, s->rows);
    if (m->calendar)
        s->calendar = mc_realloc_array(NULL, s->rows, MC_CALENDAR_CHANNELS * sizeof *s->calendar);
    if (s->wall == NULL || s->values == NULL || s->states == NULL ||
        (m->calendar && s->calendar == NULL))
        return mc_model_nomem(m, "stacking the series", err);
    mc_status st = MC_OK;
    for (size_t i = 0; st == MC_OK && i < set->n; i++) {
        table_constants(t, set, m, i);
        st = stack_series(s, t, m, set->frames[i], i, err);
        if (st != MC_OK) {
            char why[MC_ERROR_MESSAGE_SIZE], q[MC_ERROR_NAME_SIZE];
            snprintf(why, sizeof why, "%s", err != NULL ? err->message : "");
            st = mc_error_set(err, st, 0, 0, "series \"%s\": %s", mc_error_name(q, set->names[i]),
                              why);
        }
    }
    for (size_t c = 0; c < s->channels; c++) {
        s->value_rows[c] = s->values + c * s->rows;
        s->state_rows[c] = s->states + c * s->rows;
    }
    s->series = (mc_series){.rows = s->rows, .wall = s->wall, .n_columns = s->channels,
                            .values = s->value_rows, .states = s->state_rows,
                            .calendar = s->calendar};
    return st;
}

/* The first and last instants of the series. */
static void time_span(const mc_series_set *set, int64_t *first, int64_t *last)
{
    *first = INT64_MAX;
    *last = INT64_MIN;
    for (size_t i = 0; i < set->n; i++) {
        const int64_t *t = mc_frame_times(set->frames[i]);
        const size_t rows = mc_frame_rows(set->frames[i]);
        if (t[0] < *first)
            *first = t[0];
        if (t[rows - 1] > *last)
            *last = t[rows - 1];
    }
}

mc_status mc_model_train_series(mc_model **out, const mc_series_set *set,
                                const mc_model_options *mo, const mc_train_options *to,
                                bool *stopped, mc_error *err)
{
    if (stopped != NULL)
        *stopped = false;
    *out = NULL;
    mc_status st = check_set(set, mo, to, err);
    if (st != MC_OK)
        return st;
    char **names = NULL;
    size_t n_names = 0;
    if ((st = future_names(&names, &n_names, set, mo, err)) != MC_OK) {
        free_names(names, n_names);
        return st;
    }
    mc_model_options with = *mo;
    with.features.future = (const char *const *)names;
    with.features.n_future = n_names;
    const mc_frame *f0 = set->frames[0];
    mc_trainer *t = NULL;
    st = mc_trainer_begin(&t, &with, to, mc_frame_step(f0), mc_frame_column_name(f0, 0),
                          mc_frame_time_name(f0), mc_frame_time_zone(f0), err);
    free_names(names, n_names);
    if (st != MC_OK)
        return st;
    mc_model *m = mc_trainer_scratch_model(t);
    mc_series_table table = {0};
    stack s = {0};
    st = table_alloc(&table, set->n, mc_model_channels(m), err);
    for (size_t i = 0; st == MC_OK && i < set->n; i++)
        if ((table.names[i] = mc_string_copy(set->names[i])) == NULL)
            st = mc_error_nomem(err, "naming the series");
    if (st == MC_OK)
        st = build_stack(&s, &table, m, set, err);
    int64_t first = 0, last = 0;
    time_span(set, &first, &last);
    /* a load of zero in each series' own scaling: augmentation's drop-outs */
    double *zero = st == MC_OK ? mc_realloc_array(NULL, set->n, sizeof *zero) : NULL;
    if (st == MC_OK && zero == NULL)
        st = mc_error_nomem(err, "stacking the series");
    const size_t C = mc_model_channels(m);
    for (size_t i = 0; st == MC_OK && i < set->n; i++)
        zero[i] = (0.0 - table.scalers[i * C].mean) / table.scalers[i * C].scale;
    if (st == MC_OK)
        st = mc_trainer_attach_stacked(t, &s.series, s.segments, set->n, zero, first, last, err);
    bool done = false;
    while (st == MC_OK && !done)
        st = mc_trainer_step(t, &done, err);
    if (st == MC_ERR_CANCELLED && stopped != NULL) {
        /* interrupted: the best so far, when an epoch (or the linear
           forecaster) gave one */
        const mc_status cancelled = st;
        st = mc_trainer_model(t, out, err);
        if (st == MC_OK && mc_model_best_epoch(*out) == 0 &&
            strcmp(mc_model_kept(*out), "linear") != 0) {
            mc_model_free(*out);
            *out = NULL;
            st = mc_error_set(err, cancelled, 0, 0,
                              "training was interrupted before its first epoch ended: "
                              "nothing to save");
        }
        *stopped = st == MC_OK;
    } else if (st == MC_OK) {
        st = mc_trainer_model(t, out, err);
    }
    mc_trainer_free(t);
    stack_free(&s);
    free(zero);
    if (st == MC_OK) {
        (*out)->series = table;
        return MC_OK;
    }
    mc_series_table_free(&table);
    return st;
}

/* ---- panels --------------------------------------------------------------- */

mc_status mc_series_set_of_panel(mc_series_set *set, const mc_panel *p, bool identity,
                                 mc_error *err)
{
    *set = (mc_series_set){.identity = identity};
    const size_t n = p != NULL ? mc_panel_series(p) : 0, ns = n ? mc_panel_static_count(p) : 0;
    if (n == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the panel holds no series");
    const mc_frame **frames = calloc(n, sizeof *frames);
    const char **names = calloc(n, sizeof *names);
    const char **static_names = calloc(ns ? ns : 1, sizeof *static_names);
    double *values = mc_realloc_array(NULL, ns ? ns : 1, n * sizeof *values);
    if (frames == NULL || names == NULL || static_names == NULL || values == NULL) {
        free(frames);
        free(names);
        free(static_names);
        free(values);
        return mc_error_nomem(err, "listing the series");
    }
    for (size_t i = 0; i < n; i++) {
        frames[i] = mc_panel_frame(p, i);
        names[i] = mc_panel_series_name(p, i);
    }
    for (size_t j = 0; j < ns; j++) {
        static_names[j] = mc_panel_static_name(p, j);
        for (size_t i = 0; i < n; i++)
            values[j * n + i] = mc_panel_static_value(p, j, i);
    }
    *set = (mc_series_set){.n = n, .frames = frames, .names = names, .n_static = ns,
                           .static_names = static_names, .static_values = values,
                           .identity = identity};
    return MC_OK;
}

void mc_series_set_release(mc_series_set *set)
{
    free((void *)set->frames);
    free((void *)set->names);
    free((void *)set->static_names);
    free((void *)set->static_values);
    *set = (mc_series_set){0};
}

mc_status mc_model_train_panel(mc_model **out, const mc_panel *panel, const mc_model_options *mo,
                               const mc_train_options *to, bool identity, mc_error *err)
{
    *out = NULL;
    mc_series_set set;
    mc_status st = mc_series_set_of_panel(&set, panel, identity, err);
    if (st == MC_OK)
        st = mc_model_train_series(out, &set, mo, to, NULL, err);
    mc_series_set_release(&set);
    return st;
}

/* ---- series views --------------------------------------------------------- */

size_t mc_model_series(const mc_model *m) { return m->series.n; }

mc_status mc_global_model_refused(const mc_model *m, mc_error *err)
{
    char q[MC_ERROR_NAME_SIZE];
    return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                        "a global model of %zu series forecasts a series through its view: "
                        "take one with mc_model_for_series() (\"%s\", ...)",
                        m->series.n, mc_error_name(q, m->series.names[0]));
}

bool mc_model_channel_constant(const mc_model *m, size_t c)
{
    if (c >= mc_model_channels(m))
        return false;
    if (m->constants != NULL)
        return !isnan(m->constants[c]);
    return m->series.n > 0 && !isnan(m->series.constants[c]);
}

const char *mc_model_series_name(const mc_model *m, size_t i)
{
    return i < m->series.n ? m->series.names[i] : NULL;
}

mc_status mc_model_for_series(mc_model **out, const mc_model *m, const char *name, mc_error *err)
{
    *out = NULL;
    char q[MC_ERROR_NAME_SIZE];
    if (name == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "no series named");
    if (m->series.n == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the model was trained on one series, not on \"%s\" among others",
                            mc_error_name(q, name));
    size_t i = 0;
    while (i < m->series.n && strcmp(m->series.names[i], name) != 0)
        i++;
    if (i == m->series.n)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the model knows no series \"%s\" (it knows %zu, the first \"%s\")",
                            mc_error_name(q, name), m->series.n, m->series.names[0]);
    mc_model *v = NULL;
    mc_status st = mc_model_clone(&v, m, err);
    if (st != MC_OK)
        return st;
    const size_t C = mc_model_channels(m);
    v->constants = mc_realloc_array(NULL, C, sizeof *v->constants);
    if (v->constants == NULL) {
        mc_model_free(v);
        return mc_error_nomem(err, "making the series' model");
    }
    /* value -> ((value - a) / s - g) / h = (value - (a + s g)) / (s h) */
    for (size_t c = 0; c < C; c++) {
        const mc_scaler own = m->series.scalers[i * C + c], model = m->scalers[c];
        v->scalers[c] = (mc_scaler){own.mean + own.scale * model.mean, own.scale * model.scale};
        v->constants[c] = m->series.constants[i * C + c];
    }
    /* the errors were measured in the series' own scaling */
    const float s = (float)m->series.scalers[i * C].scale;
    for (size_t e = 0; e < mc_calibration_total(&v->calibration); e++)
        v->calibration.errors[e] *= s;
    mc_series_table_free(&v->series);
    *out = v;
    return MC_OK;
}
