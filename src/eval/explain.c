#include "eval/explain.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "train/bind.h"
#include "train/model_internal.h"

/* Calendar channels before the holiday flag (calendar.h's order). */
enum { CALENDAR_PLAIN = MC_CALENDAR_CHANNELS - 1 };

void mc_explain_options_defaults(mc_explain_options *opt)
{
    *opt = (mc_explain_options){.repeats = 5, .seed = 1, .strata = NULL, .permutations = NULL};
}

static mc_input_group group(mc_group_kind kind, size_t channel, size_t first, size_t count)
{
    return (mc_input_group){.kind = kind, .channel = channel, .first = first, .count = count};
}

size_t mc_explain_groups(const mc_model *m, mc_input_group *g)
{
    const size_t L = m->shape.lookback;
    const size_t recent = m->day_steps < L ? m->day_steps : L;
    const size_t cal = m->calendar ? MC_CALENDAR_CHANNELS : 0;
    size_t n = 0;
    g[n] = group(MC_GROUP_LOAD_RECENT, 0, L - recent, recent);
    snprintf(g[n].name, sizeof g[n].name, "%s lags 1-%zu", m->names[0], recent);
    n++;
    if (recent < L) {
        g[n] = group(MC_GROUP_LOAD_EARLIER, 0, 0, L - recent);
        snprintf(g[n].name, sizeof g[n].name, "%s lags %zu-%zu", m->names[0], recent + 1, L);
        n++;
    }
    g[n] = group(MC_GROUP_OBSERVED, 0, 0, L);
    snprintf(g[n].name, sizeof g[n].name, "%s observed flags", m->names[0]);
    n++;
    for (size_t c = 0; c < m->n_past; c++, n++) {
        g[n] = group(MC_GROUP_PAST, 1 + c, 0, L);
        snprintf(g[n].name, sizeof g[n].name, "%s (past)", m->names[1 + c]);
    }
    for (size_t c = 0; c < m->n_future; c++, n++) {
        g[n] = group(MC_GROUP_FUTURE, cal + c, 0, 0);
        snprintf(g[n].name, sizeof g[n].name, "%s (future)", m->names[1 + m->n_past + c]);
    }
    if (m->calendar) {
        g[n] = group(MC_GROUP_CALENDAR, 0, 0, CALENDAR_PLAIN);
        snprintf(g[n].name, sizeof g[n].name, "calendar");
        n++;
    }
    if (m->calendar && m->holidays.n > 0) {
        g[n] = group(MC_GROUP_HOLIDAY, 0, CALENDAR_PLAIN, 1);
        snprintf(g[n].name, sizeof g[n].name, "holidays");
        n++;
    }
    return n;
}

/* dst[i] = src[donor i] at `count` inputs starting at `at`, `stride` apart. */
static void move_inputs(float *x, const float *x0, size_t n, size_t n_in, const size_t *perm,
                        size_t at, size_t count, size_t stride)
{
    for (size_t i = 0; i < n; i++) {
        float *to = x + i * n_in + at;
        const float *from = x0 + perm[i] * n_in + at;
        for (size_t j = 0; j < count; j++)
            to[j * stride] = from[j * stride];
    }
}

/* Load lags of rows [first, first + count) from the donors, moved in the
   gathered scale: x + level is what the gather saw before subtracting the
   level. `shift_rest` when the moved rows carry the level (the last day). */
static void move_load(float *x, float *level, const float *x0, const float *level0, size_t n,
                      const mc_model *m, const mc_input_group *g, const size_t *perm)
{
    const size_t L = m->shape.lookback, Cp = m->shape.past_channels;
    const size_t n_in = mc_net_n_input(&m->shape);
    const bool carries_level = g->kind == MC_GROUP_LOAD_RECENT;
    for (size_t i = 0; i < n; i++) {
        const size_t d = perm[i];
        /* Computed in double: with d == i the shift is exactly 0 and x is unchanged. */
        const double shift = (double)level0[d] - (double)level0[i];
        float *row = x + i * n_in;
        for (size_t l = 0; l < L; l++) {
            const bool moved = l >= g->first && l < g->first + g->count;
            if (moved)
                row[l * Cp] = carries_level ? x0[d * n_in + l * Cp]
                                            : (float)((double)x0[d * n_in + l * Cp] + shift);
            else if (carries_level)
                row[l * Cp] = (float)((double)x0[i * n_in + l * Cp] - shift);
        }
        level[i] = carries_level ? level0[d] : level0[i];
    }
}

void mc_explain_permute(float *x, float *level, const float *x0, const float *level0, size_t n,
                        const mc_model *m, const mc_input_group *g, const size_t *perm)
{
    const size_t L = m->shape.lookback, H = m->shape.horizon, Cp = m->shape.past_channels;
    const size_t Cf = m->shape.future_channels, n_in = mc_net_n_input(&m->shape);
    const size_t future_at = L * Cp + L;
    memcpy(x, x0, n * n_in * sizeof *x);
    memcpy(level, level0, n * sizeof *level);
    switch (g->kind) {
    case MC_GROUP_LOAD_RECENT:
    case MC_GROUP_LOAD_EARLIER:
        move_load(x, level, x0, level0, n, m, g, perm);
        break;
    case MC_GROUP_OBSERVED:
        move_inputs(x, x0, n, n_in, perm, L * Cp, L, 1);
        break;
    case MC_GROUP_PAST:
        move_inputs(x, x0, n, n_in, perm, g->channel, L, Cp);
        break;
    case MC_GROUP_FUTURE:
        move_inputs(x, x0, n, n_in, perm, future_at + g->channel, H, Cf);
        break;
    case MC_GROUP_CALENDAR:
    case MC_GROUP_HOLIDAY:
        for (size_t c = g->first; c < g->first + g->count; c++)
            move_inputs(x, x0, n, n_in, perm, future_at + c, H, Cf);
        break;
    case MC_GROUP_NONE: /* not a group: nothing moves */
        break;
    }
}

void mc_explain_free(mc_explain *r)
{
    if (r == NULL)
        return;
    free(r->scored);
    free(r->mae);
    free(r->increase);
    free(r->spread);
    free(r->attention);
    free(r);
}

double mc_explain_attention(const mc_explain *r, size_t k, size_t lag)
{
    const size_t H = r->horizon, L = r->lookback;
    if (r->attention == NULL || k > H || lag < 1 || lag > L)
        return NAN;
    if (k < H)
        return r->attention[k * L + lag - 1];
    double sum = 0.0;
    for (size_t j = 0; j < H; j++)
        sum += r->attention[j * L + lag - 1];
    return sum / (double)H;
}

double mc_explain_share(const mc_explain *r, size_t g, size_t k)
{
    const size_t K = r->horizon + 1;
    double total = 0.0;
    for (size_t j = 0; j < r->n_groups; j++)
        total += fmax(r->increase[j * K + k], 0.0);
    return total > 0.0 ? fmax(r->increase[g * K + k], 0.0) / total : 0.0;
}

/* Mean absolute error per step (H + 1 values, the last over all steps) of
   forecasts `out` (n, H*Q) against `actual` (n, H; NaN = not scored). */
static void step_mae(double *mae, const double *out, const double *actual, size_t n,
                     const mc_model *m)
{
    const size_t H = m->shape.horizon, Q = m->shape.quantiles, q = mc_model_median_output(m);
    double total = 0.0;
    size_t all = 0;
    for (size_t k = 0; k < H; k++) {
        double sum = 0.0;
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
            const double a = actual[i * H + k];
            if (isnan(a))
                continue;
            sum += fabs(out[(i * H + k) * Q + q] - a);
            count++;
        }
        mae[k] = count ? sum / (double)count : NAN;
        total += sum;
        all += count;
    }
    mae[H] = all ? total / (double)all : NAN;
}

/* Working memory of one run, freed together. */
typedef struct explain_work {
    float *x0, *x, *level0, *level;
    double *actual, *out, *mae_perm; /* mae_perm (R, H + 1) for one group */
    size_t *perm;                    /* (R, n) */
} explain_work;

static void work_free(explain_work *w)
{
    free(w->x0);
    free(w->x);
    free(w->level0);
    free(w->level);
    free(w->actual);
    free(w->out);
    free(w->mae_perm);
    free(w->perm);
}

static mc_status check_args(const mc_model *m, const mc_series *s, const size_t *origins,
                            size_t n, const mc_explain_options *opt, mc_error *err)
{
    const size_t L = m->shape.lookback, H = m->shape.horizon;
    if (n < 2)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "permutation importance needs at least 2 origins; %zu given", n);
    if (opt->repeats < 1)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "at least one permutation is needed");
    for (size_t i = 0; i < n; i++)
        if (origins[i] < L || origins[i] + H > s->rows)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                "origin %zu needs rows %zu to %zu; the data has %zu", origins[i],
                                origins[i] < L ? 0 : origins[i] - L, origins[i] + H, s->rows);
    if (opt->permutations == NULL)
        return MC_OK;
    uint8_t *seen = malloc(n);
    if (seen == NULL)
        return mc_error_nomem(err, "checking the permutations");
    mc_status st = MC_OK;
    for (size_t r = 0; st == MC_OK && r < opt->repeats; r++) {
        const size_t *p = opt->permutations + r * n;
        memset(seen, 0, n);
        for (size_t i = 0; st == MC_OK && i < n; i++) { /* every index in range, none twice */
            if (p[i] >= n || seen[p[i]])
                st = mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                  "permutation %zu is not a permutation of 0..%zu", r, n - 1);
            else
                seen[p[i]] = 1;
        }
    }
    free(seen);
    return st;
}

static mc_status work_alloc(explain_work *w, mc_explain **out, const mc_model *m, size_t n,
                            size_t R, mc_error *err)
{
    const size_t H = m->shape.horizon, K = H + 1, n_in = mc_net_n_input(&m->shape);
    const size_t HQ = H * m->shape.quantiles;
    size_t nx, nh, nq, rn;
    if (!mc_size_mul(n, n_in, &nx) || !mc_size_mul(n, H, &nh) || !mc_size_mul(n, HQ, &nq) ||
        !mc_size_mul(R, n, &rn))
        return mc_error_nomem(err, "explaining: too many origins");
    w->x0 = mc_realloc_array(NULL, nx, sizeof *w->x0);
    w->x = mc_realloc_array(NULL, nx, sizeof *w->x);
    w->level0 = mc_realloc_array(NULL, n, sizeof *w->level0);
    w->level = mc_realloc_array(NULL, n, sizeof *w->level);
    w->actual = mc_realloc_array(NULL, nh, sizeof *w->actual);
    w->out = mc_realloc_array(NULL, nq, sizeof *w->out);
    w->mae_perm = mc_realloc_array(NULL, R, K * sizeof *w->mae_perm);
    w->perm = mc_realloc_array(NULL, rn, sizeof *w->perm);
    mc_explain *r = calloc(1, sizeof *r);
    if (r != NULL) {
        r->scored = calloc(K, sizeof *r->scored);
        r->mae = calloc(K, sizeof *r->mae);
        r->increase = mc_realloc_array(NULL, MC_EXPLAIN_MAX_GROUPS, K * sizeof *r->increase);
        r->spread = mc_realloc_array(NULL, MC_EXPLAIN_MAX_GROUPS, K * sizeof *r->spread);
        if (m->shape.temporal != MC_NN_TEMPORAL_NONE)
            r->attention = calloc(H * m->shape.lookback, sizeof *r->attention);
    }
    *out = r;
    if (!w->x0 || !w->x || !w->level0 || !w->level || !w->actual || !w->out || !w->mae_perm ||
        !w->perm || !r || !r->scored || !r->mae || !r->increase || !r->spread ||
        (m->shape.temporal != MC_NN_TEMPORAL_NONE && !r->attention))
        return mc_error_nomem(err, "explaining the model");
    return MC_OK;
}

/* One shuffle of 0..n-1 within strata: members (2n scratch) gathers each
   stratum's indexes, shuffled among themselves. */
static void shuffle_within(size_t *p, size_t n, const size_t *strata, size_t *scratch,
                           gsl_rng *rng)
{
    size_t *members = scratch, *moved = scratch + n;
    for (size_t i = 0; i < n; i++)
        p[i] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != SIZE_MAX)
            continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            if (strata[j] == strata[i])
                members[k++] = j;
        memcpy(moved, members, k * sizeof *moved);
        gsl_ran_shuffle(rng, moved, k, sizeof *moved);
        for (size_t j = 0; j < k; j++)
            p[members[j]] = moved[j];
    }
}

mc_status mc_explain_shuffles(size_t *perm, size_t n, size_t repeats, uint64_t seed,
                              const size_t *strata, mc_error *err)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    size_t *scratch = strata != NULL ? mc_realloc_array(NULL, n, 2 * sizeof *scratch) : NULL;
    if (rng == NULL || (strata != NULL && scratch == NULL)) {
        if (rng != NULL)
            gsl_rng_free(rng);
        free(scratch);
        return mc_error_nomem(err, "drawing the permutations");
    }
    gsl_rng_set(rng, (unsigned long)(seed ^ (seed >> 32)));
    for (size_t r = 0; r < repeats; r++) {
        size_t *p = perm + r * n;
        if (strata != NULL) {
            shuffle_within(p, n, strata, scratch, rng);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            p[i] = i;
        gsl_ran_shuffle(rng, p, n, sizeof *p);
    }
    gsl_rng_free(rng);
    free(scratch);
    return MC_OK;
}

/* Mean and standard deviation over the R permutations of MAE' - MAE. */
static void summarise(mc_explain *r, size_t g, const double *mae_perm)
{
    const size_t K = r->horizon + 1, R = r->repeats;
    for (size_t k = 0; k < K; k++) {
        double mean = 0.0, sq = 0.0;
        for (size_t j = 0; j < R; j++)
            mean += mae_perm[j * K + k] - r->mae[k];
        mean /= (double)R;
        for (size_t j = 0; j < R; j++) {
            const double d = mae_perm[j * K + k] - r->mae[k] - mean;
            sq += d * d;
        }
        r->increase[g * K + k] = mean;
        r->spread[g * K + k] = R > 1 ? sqrt(sq / (double)(R - 1)) : 0.0;
    }
}

/* Sums over n origins of each step's weights by lookback row (a (H, L)
   block, row L - 1 the last) into means by lag (lag j + 1 at j), in place. */
static void attention_by_lag(double *a, size_t H, size_t L, size_t n)
{
    for (size_t k = 0; k < H; k++) {
        double *row = a + k * L;
        for (size_t i = 0, j = L - 1; i < j; i++, j--) {
            const double t = row[i];
            row[i] = row[j];
            row[j] = t;
        }
        for (size_t j = 0; j < L; j++)
            row[j] /= (double)n;
    }
}

mc_status mc_explain_run(mc_explain **out, const mc_model *m, const mc_series *s,
                         const size_t *origins, size_t n, const mc_explain_options *opt,
                         mc_error *err)
{
    *out = NULL;
    mc_status st = check_args(m, s, origins, n, opt, err);
    if (st != MC_OK)
        return st;
    const size_t H = m->shape.horizon, K = H + 1, R = opt->repeats;
    explain_work w;
    memset(&w, 0, sizeof w);
    mc_explain *r = NULL;
    st = work_alloc(&w, &r, m, n, R, err);
    if (st == MC_OK) {
        r->horizon = H;
        r->lookback = m->shape.lookback;
        r->n_origins = n;
        r->repeats = R;
        r->n_groups = mc_explain_groups(m, r->groups);
        size_t past_idx[MC_MAX_COVARIATES], future_idx[MC_MAX_COVARIATES];
        mc_window_spec spec;
        mc_model_window_spec(m, &spec, past_idx, future_idx);
        mc_window_gather(w.x0, NULL, NULL, w.level0, s, &spec, origins, n);
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < H; k++) {
                const size_t row = origins[i] + k;
                const bool seen = s->states[0][row] == MC_VALUE_OBSERVED;
                w.actual[i * H + k] = seen ? s->values[0][row] : NAN;
                r->scored[k] += seen;
                r->scored[H] += seen;
            }
        if (opt->permutations != NULL)
            memcpy(w.perm, opt->permutations, R * n * sizeof *w.perm);
        else
            st = mc_explain_shuffles(w.perm, n, R, opt->seed, opt->strata, err);
    }
    /* The forecasts from the inputs as they are, with where their attention looks. */
    double *rows = r != NULL ? r->attention : NULL; /* (H, L), l the lookback's row */
    if (st == MC_OK)
        st = mc_model_predict_inputs(m, w.x0, w.level0, n, w.out, NULL, rows, err);
    if (st == MC_OK)
        step_mae(r->mae, w.out, w.actual, n, m);
    if (st == MC_OK && rows != NULL)
        attention_by_lag(rows, H, m->shape.lookback, n);
    for (size_t g = 0; st == MC_OK && g < r->n_groups; g++) {
        for (size_t j = 0; st == MC_OK && j < R; j++) {
            mc_explain_permute(w.x, w.level, w.x0, w.level0, n, m, &r->groups[g], w.perm + j * n);
            st = mc_model_predict_inputs(m, w.x, w.level, n, w.out, NULL, NULL, err);
            if (st == MC_OK)
                step_mae(w.mae_perm + j * K, w.out, w.actual, n, m);
        }
        if (st == MC_OK)
            summarise(r, g, w.mae_perm);
    }
    work_free(&w);
    if (st != MC_OK) {
        mc_explain_free(r);
        return st;
    }
    *out = r;
    return MC_OK;
}
