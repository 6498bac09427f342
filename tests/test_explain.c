/* Permutation importance: the groups, the permutation of inputs (the load's
   level included), the increase of the error against a hand computation on
   a model that is linear in its load lags, exact zeros for inputs the network
   cannot see, and a trained model on a series whose answer is known. */
#include "test_util.h"

#include <stdlib.h>

#include "data/timestamp.h"
#include "eval/explain.h"
#include "maskcast/maskcast.h"
#include "train/bind.h"
#include "train/model_internal.h"

enum { ROWS = 400, L = 48, H = 6, DAY = 24, N_ORIGINS = 40 };

static const char *PAST[] = {"p"};
static const char *FUTURE[] = {"f"};

/* An hourly series held in arrays: load, a past input p, a future input f. */
typedef struct test_series {
    int64_t wall[ROWS];
    double v[3][ROWS];
    uint8_t st[3][ROWS];
    const double *values[3];
    const uint8_t *states[3];
    mc_series s;
} test_series;

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static double uniform(uint32_t *s) { return (double)lcg(s) / 16777216.0; } /* [0, 1) */

static void make_series(test_series *t)
{
    uint32_t seed = 2385;
    const int64_t t0 = mc_days_from_civil(2023, 3, 6) * 86400;
    for (size_t i = 0; i < ROWS; i++) {
        t->wall[i] = t0 + (int64_t)i * 3600;
        t->v[1][i] = 7.3 + 4.1 * sin((double)i / 17.0) + uniform(&seed);
        t->v[2][i] = 11.9 + 3.7 * cos((double)i / 29.0);
        t->v[0][i] = 1385.0 + 211.0 * sin(6.283185307179586 * (double)(i % DAY) / DAY) +
                     6.1 * t->v[1][i] + 40.0 * uniform(&seed);
        for (size_t c = 0; c < 3; c++)
            t->st[c][i] = MC_VALUE_OBSERVED;
    }
    t->st[0][ROWS - 9] = MC_VALUE_INTERPOLATED; /* filled actuals are never scored */
    t->st[0][ROWS - 30] = MC_VALUE_SEASONAL;
    for (size_t c = 0; c < 3; c++) {
        t->values[c] = t->v[c];
        t->states[c] = t->st[c];
    }
    t->s = (mc_series){.rows = ROWS, .wall = t->wall, .n_columns = 3, .values = t->values,
                       .states = t->states};
}

/* An untrained model with the series' three channels, hourly, seeded. */
static mc_model *untrained(bool level, bool calendar)
{
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = L;
    mo.window.horizon = H;
    mo.network.hidden = 8;
    mo.features.past = PAST;
    mo.features.n_past = 1;
    mo.features.future = FUTURE;
    mo.features.n_future = 1;
    mo.features.normalize_level = level;
    mo.features.calendar = calendar;
    const int64_t day = mc_days_from_civil(2023, 3, 20);
    mc_holidays hol = {NULL, 0};
    assert_int_equal(mc_holidays_from_days(&hol, &day, 1, NULL), MC_OK);
    mc_model *m = NULL;
    assert_int_equal(mc_model_create(&m, &mo, 3600, "load", &hol, NULL), MC_OK);
    assert_int_equal(mc_model_init_params(m, 2385, NULL), MC_OK);
    const mc_scaler sc[3] = {{1391.7, 163.2}, {7.9, 3.1}, {12.3, 2.6}};
    memcpy(m->scalers, sc, sizeof sc);
    return m;
}

static void origins_of(size_t *origins)
{
    for (size_t i = 0; i < N_ORIGINS; i++)
        origins[i] = ROWS - H - 7 * i; /* every 7 hours back from the end */
}

static mc_explain *explain(const mc_model *m, const test_series *t, const size_t *perm,
                           size_t repeats)
{
    size_t origins[N_ORIGINS];
    origins_of(origins);
    mc_explain_options eo;
    mc_explain_options_defaults(&eo);
    eo.repeats = repeats;
    eo.permutations = perm;
    mc_explain *r = NULL;
    mc_error e;
    mc_status st = mc_explain_run(&r, m, &t->s, origins, N_ORIGINS, &eo, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
    return r;
}

static size_t find_group(const mc_explain *r, mc_group_kind kind)
{
    for (size_t g = 0; g < r->n_groups; g++)
        if (r->groups[g].kind == kind)
            return g;
    fail_msg("no group of kind %d", (int)kind);
    return 0;
}

static void test_groups(void **state)
{
    (void)state;
    mc_model *m = untrained(true, true);
    mc_input_group g[MC_EXPLAIN_MAX_GROUPS];
    const size_t n = mc_explain_groups(m, g);
    const char *names[] = {"load lags 1-24", "load lags 25-48", "load observed flags",
                           "p (past)", "f (future)", "calendar", "holidays"};
    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(g[i].name, names[i]);
    assert_int_equal(g[0].first, 24);
    assert_int_equal(g[0].count, 24);
    assert_int_equal(g[1].first, 0);
    assert_int_equal(g[1].count, 24);
    assert_int_equal(g[3].channel, 1);
    assert_int_equal(g[4].channel, MC_CALENDAR_CHANNELS); /* after the calendar in F */
    assert_int_equal(g[5].first, 0);
    assert_int_equal(g[5].count, MC_CALENDAR_CHANNELS - 1);
    assert_int_equal(g[6].first, MC_CALENDAR_CHANNELS - 1); /* the last calendar channel */
    assert_int_equal(g[6].count, 1);
    mc_model_free(m);
    /* No calendar: no calendar or holiday group, and f is F's first channel. */
    m = untrained(true, false);
    assert_int_equal(mc_explain_groups(m, g), 5);
    assert_int_equal(g[4].channel, 0);
    mc_model_free(m);
}

/* Moving a group moves exactly its inputs, and the last day its level. */
static void test_permute_moves_the_group(void **state)
{
    (void)state;
    test_series t;
    make_series(&t);
    mc_model *m = untrained(true, true);
    const size_t n = 3, n_in = mc_net_n_input(&m->shape), Cp = 2, Cf = MC_CALENDAR_CHANNELS + 1;
    const size_t origins[3] = {100, 217, 338}, perm[3] = {2, 0, 1};
    size_t past_idx[MC_MAX_COVARIATES], future_idx[MC_MAX_COVARIATES];
    mc_window_spec spec;
    mc_model_window_spec(m, &spec, past_idx, future_idx);
    float *x0 = malloc(n * n_in * sizeof *x0), *x = malloc(n * n_in * sizeof *x);
    float level0[3], level[3];
    assert_non_null(x0);
    assert_non_null(x);
    mc_window_gather(x0, NULL, NULL, level0, &t.s, &spec, origins, n);
    mc_input_group g[MC_EXPLAIN_MAX_GROUPS];
    mc_explain_groups(m, g);
    const double mean = m->scalers[0].mean, scale = m->scalers[0].scale;
    for (size_t gi = 0; gi < 2; gi++) { /* the load: last day, then earlier */
        mc_explain_permute(x, level, x0, level0, n, m, &g[gi], perm);
        for (size_t i = 0; i < n; i++) {
            /* The window origin i now sees, in scaled units, and its last day's mean. */
            double want[L], lv = 0.0;
            for (size_t l = 0; l < L; l++) {
                const bool moved = l >= g[gi].first && l < g[gi].first + g[gi].count;
                const size_t row = (moved ? origins[perm[i]] : origins[i]) - L + l;
                want[l] = (t.v[0][row] - mean) / scale;
                lv += l >= L - DAY ? want[l] / DAY : 0.0;
            }
            assert_close(level[i], lv, 1e-5, 1e-5);
            for (size_t l = 0; l < L; l++)
                assert_close(x[i * n_in + l * Cp], want[l] - lv, 1e-5, 1e-5);
            /* Nothing else moved. */
            for (size_t j = 0; j < n_in; j++)
                if (j >= L * Cp || j % Cp != 0)
                    assert_true(x[i * n_in + j] == x0[i * n_in + j]);
        }
    }
    /* The future input f, the calendar, the holidays: F's channels 8, 0-6, 7 at every
       step, and nothing else. The past input p: P's channel 1. The flags: O. */
    const size_t F = L * Cp + L;
    for (size_t gi = 2; gi < 7; gi++) {
        mc_explain_permute(x, level, x0, level0, n, m, &g[gi], perm);
        for (size_t i = 0; i < n; i++) {
            assert_true(level[i] == level0[i]);
            for (size_t j = 0; j < n_in; j++) {
                const size_t c = (j - F) % Cf;
                const bool moves[7] = {false, false, j >= L * Cp && j < F,
                                       j < L * Cp && j % Cp == 1,
                                       j >= F && c == MC_CALENDAR_CHANNELS,
                                       j >= F && c < MC_CALENDAR_CHANNELS - 1,
                                       j >= F && c == MC_CALENDAR_CHANNELS - 1};
                assert_true(x[i * n_in + j] == x0[(moves[gi] ? perm[i] : i) * n_in + j]);
            }
        }
    }
    /* The holiday channel is not constant in these windows (2023-03-20). */
    bool differs = false;
    for (size_t k = 0; k < H; k++)
        differs = differs || x0[F + k * Cf + 7] != x0[2 * n_in + F + k * Cf + 7];
    assert_true(differs);
    /* The identity moves nothing, bit for bit, level shifts included. */
    const size_t same[3] = {0, 1, 2};
    for (size_t gi = 0; gi < 7; gi++) {
        mc_explain_permute(x, level, x0, level0, n, m, &g[gi], same);
        assert_memory_equal(x, x0, n * n_in * sizeof *x);
        assert_memory_equal(level, level0, sizeof level);
    }
    free(x0);
    free(x);
    mc_model_free(m);
}

/* Inputs the network cannot see have an importance of exactly 0. */
static void test_unseen_inputs_count_zero(void **state)
{
    (void)state;
    test_series t;
    make_series(&t);
    mc_model *m = untrained(true, true);
    const size_t D = m->shape.hidden, Cp = 2, Cf = MC_CALENDAR_CHANNELS + 1;
    float *We = m->params + m->layout.offset[MC_T_FEATURE_W]; /* (n_in, D) */
    for (size_t l = 0; l < L; l++) /* p's rows */
        memset(We + (l * Cp + 1) * D, 0, D * sizeof *We);
    for (size_t k = 0; k < H; k++) /* f's rows */
        memset(We + (L * Cp + L + k * Cf + MC_CALENDAR_CHANNELS) * D, 0, D * sizeof *We);
    mc_explain *r = explain(m, &t, NULL, 3);
    const size_t K = H + 1, p = find_group(r, MC_GROUP_PAST), f = find_group(r, MC_GROUP_FUTURE);
    const size_t load = find_group(r, MC_GROUP_LOAD_RECENT);
    double seen = 0.0;
    for (size_t k = 0; k < K; k++) {
        assert_true(r->increase[p * K + k] == 0.0);
        assert_true(r->spread[p * K + k] == 0.0);
        assert_true(r->increase[f * K + k] == 0.0);
        assert_true(mc_explain_share(r, p, k) == 0.0);
        seen += fabs(r->increase[load * K + k]);
    }
    assert_true(seen > 1e-3); /* the load, which it sees, does count */
    /* Actuals scored: observed ones only (two target rows were filled). */
    size_t scored = 0;
    for (size_t k = 0; k < H; k++)
        scored += r->scored[k];
    assert_int_equal(r->scored[H], scored);
    assert_true(scored < N_ORIGINS * H);
    mc_explain_free(r);
    mc_model_free(m);
}

/* A network reduced to its linear skip over the load lags:
   forecast_k = ((c_k + sum_l S_kl x_l) + level) * scale + mean. */
static mc_model *linear(bool level)
{
    mc_model *m = untrained(level, true);
    memset(m->params, 0, m->layout.total * sizeof *m->params);
    float *bm = m->params + m->layout.offset[MC_T_ANOMALY_B];
    for (size_t i = 0; i < m->layout.rows[MC_T_ANOMALY_B]; i++)
        bm[i] = 40.0f; /* the mask wide open: sigmoid(40) is 1 in float */
    float *S = m->params + m->layout.offset[MC_T_SKIP_S], *c = m->params + m->layout.offset[MC_T_HEAD_C];
    uint32_t seed = 77;
    for (size_t i = 0; i < H * L; i++)
        S[i] = (float)(0.08 * (uniform(&seed) - 0.5));
    for (size_t k = 0; k < H; k++) {
        S[k * L + L - 1 - k] += 0.6f; /* each step leans on a different recent lag */
        c[k] = (float)(0.1 * (double)k - 0.2);
    }
    return m;
}

/* The forecast of the linear model at step k from the scaled window u (L). */
static double linear_forecast(const mc_model *m, const double *u, size_t k, bool level)
{
    const float *S = m->params + m->layout.offset[MC_T_SKIP_S];
    double lv = 0.0;
    for (size_t l = L - DAY; level && l < L; l++)
        lv += u[l] / DAY;
    double y = m->params[m->layout.offset[MC_T_HEAD_C] + k];
    for (size_t l = 0; l < L; l++)
        y += (double)S[k * L + l] * (u[l] - lv);
    return (y + lv) * m->scalers[0].scale + m->scalers[0].mean;
}

/* MAE at each step (H + 1, the last pooled) with group [first, first + count)
   of the load taken from the donors perm (NULL: no change). */
static void hand_mae(double *mae, const mc_model *m, const test_series *t, const size_t *perm,
                     size_t first, size_t count, bool level)
{
    size_t origins[N_ORIGINS];
    origins_of(origins);
    double total = 0.0;
    size_t all = 0;
    for (size_t k = 0; k < H; k++) {
        double sum = 0.0;
        size_t n = 0;
        for (size_t i = 0; i < N_ORIGINS; i++) {
            const size_t a = origins[i] + k;
            if (t->st[0][a] != MC_VALUE_OBSERVED)
                continue;
            double u[L];
            for (size_t l = 0; l < L; l++) {
                const bool moved = perm != NULL && l >= first && l < first + count;
                const size_t row = (moved ? origins[perm[i]] : origins[i]) - L + l;
                u[l] = (t->v[0][row] - m->scalers[0].mean) / m->scalers[0].scale;
            }
            sum += fabs(linear_forecast(m, u, k, level) - t->v[0][a]);
            n++;
        }
        mae[k] = sum / (double)n;
        total += sum;
        all += n;
    }
    mae[H] = total / (double)all;
}

static void test_increase_matches_hand_computation(void **state)
{
    (void)state;
    test_series t;
    make_series(&t);
    size_t perm[2 * N_ORIGINS];
    for (size_t i = 0; i < N_ORIGINS; i++) {
        perm[i] = (i + 11) % N_ORIGINS;                       /* a rotation */
        perm[N_ORIGINS + i] = (i * 7 + 3) % N_ORIGINS;        /* 7 is prime to 40 */
    }
    for (int level = 0; level <= 1; level++) {
        mc_model *m = linear(level);
        mc_explain *r = explain(m, &t, perm, 2);
        const size_t K = H + 1;
        double base[H + 1], p1[H + 1], p2[H + 1];
        hand_mae(base, m, &t, NULL, 0, 0, level);
        for (size_t k = 0; k < K; k++)
            assert_close(r->mae[k], base[k], 1e-3, 1e-5);
        for (size_t g = 0; g < 2; g++) { /* last day, earlier */
            const mc_input_group *grp = &r->groups[g];
            hand_mae(p1, m, &t, perm, grp->first, grp->count, level);
            hand_mae(p2, m, &t, perm + N_ORIGINS, grp->first, grp->count, level);
            for (size_t k = 0; k < K; k++) {
                const double d1 = p1[k] - base[k], d2 = p2[k] - base[k];
                assert_close(r->increase[g * K + k], (d1 + d2) / 2.0, 2e-3, 1e-4);
                assert_close(r->spread[g * K + k], fabs(d1 - d2) / sqrt(2.0), 3e-3, 1e-3);
            }
        }
        /* The linear model sees nothing else: every other group counts exactly 0. */
        for (size_t g = 2; g < r->n_groups; g++)
            for (size_t k = 0; k < K; k++)
                assert_true(r->increase[g * K + k] == 0.0);
        /* Shares of the positive increases sum to 1 (0 when none is positive). */
        for (size_t k = 0; k < K; k++) {
            double sum = 0.0;
            bool any = false;
            for (size_t g = 0; g < r->n_groups; g++) {
                sum += mc_explain_share(r, g, k);
                any = any || r->increase[g * K + k] > 0.0;
            }
            assert_close(sum, any ? 1.0 : 0.0, 1e-12, 0.0);
        }
        mc_explain_free(r);
        mc_model_free(m);
    }
}

/* Shuffles are permutations, seeded, and stay within their strata. */
static void test_shuffles(void **state)
{
    (void)state;
    enum { N = 50, R = 3 };
    size_t strata[N], a[R * N], b[R * N], c[R * N];
    for (size_t i = 0; i < N; i++)
        strata[i] = (i * 7) % 4; /* four interleaved strata */
    assert_int_equal(mc_explain_shuffles(a, N, R, 2385, strata, NULL), MC_OK);
    assert_int_equal(mc_explain_shuffles(b, N, R, 2385, strata, NULL), MC_OK);
    assert_int_equal(mc_explain_shuffles(c, N, R, 2386, strata, NULL), MC_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    size_t moved = 0;
    for (size_t r = 0; r < R; r++) {
        bool seen[N] = {false};
        for (size_t i = 0; i < N; i++) {
            const size_t d = a[r * N + i];
            assert_true(d < N && !seen[d]);
            seen[d] = true;
            assert_int_equal(strata[d], strata[i]);
            moved += d != i;
        }
    }
    assert_true(moved > R * N / 2); /* shuffled, not the identity */
    /* Without strata: any index may go anywhere. */
    assert_int_equal(mc_explain_shuffles(a, N, R, 2385, NULL, NULL), MC_OK);
    size_t across = 0;
    for (size_t i = 0; i < R * N; i++)
        across += strata[a[i]] != strata[i % N];
    assert_true(across > 0);
}

static void test_refusals(void **state)
{
    (void)state;
    test_series t;
    make_series(&t);
    mc_model *m = untrained(true, true);
    mc_explain_options eo;
    mc_explain_options_defaults(&eo);
    mc_explain *r = (mc_explain *)&eo; /* must be reset to NULL */
    mc_error e;
    size_t origins[2] = {200, 300};
    assert_int_equal(mc_explain_run(&r, m, &t.s, origins, 1, &eo, &e), MC_ERR_ARGUMENT);
    assert_null(r);
    assert_contains(e.message, "at least 2 origins");
    origins[1] = ROWS - H + 1;
    assert_int_equal(mc_explain_run(&r, m, &t.s, origins, 2, &eo, &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "the data has 400");
    origins[1] = L - 1;
    assert_int_equal(mc_explain_run(&r, m, &t.s, origins, 2, &eo, &e), MC_ERR_ARGUMENT);
    origins[1] = 300;
    eo.repeats = 0;
    assert_int_equal(mc_explain_run(&r, m, &t.s, origins, 2, &eo, &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "at least one permutation");
    const size_t twice[2] = {1, 1}, out_of_range[2] = {0, 2};
    eo.repeats = 1;
    eo.permutations = twice;
    assert_int_equal(mc_explain_run(&r, m, &t.s, origins, 2, &eo, &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "not a permutation");
    eo.permutations = out_of_range;
    assert_int_equal(mc_explain_run(&r, m, &t.s, origins, 2, &eo, &e), MC_ERR_ARGUMENT);
    assert_null(r);
    mc_model_free(m);
}

/* ---- a trained model on a series with a known answer ------------------------ */

enum { KDAYS = 600, KHELD = 120, KL = 168, KH = 24, KDRIVEN = 4 };

/*
 * Hourly load: a daily shape, a level for each weekday that shows from 06:00
 * on (barely at night), and in the first KDRIVEN hours of each day 150 times
 * the value p had at 23:00 the day before (p: white noise, a past input).
 * Forecasting a day from 00:00, the first KDRIVEN steps depend on p and on
 * nothing else that varies; the steps from 06:00 on depend on the weekday's
 * level, which only the load a week back (lags 25-168) tells: the calendar
 * is off, and p has no bearing on those hours.
 */
static char *known_answer_csv(void)
{
    const double level[7] = {12.5, 31.0, -8.5, 22.0, -17.5, -131.0, -164.5};
    const size_t rows = KDAYS * 24, cap = 64 + rows * 48;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "time,load,p\n");
    uint32_t seed = 2385;
    double p_at_23 = 0.0;
    for (size_t i = 0; i < rows; i++) {
        const size_t h = i % 24, d = i / 24;
        const double p = 2.0 * uniform(&seed) - 1.0;
        const double load = 1000.0 - 180.0 * cos(6.283185307179586 * (double)h / 24.0) +
                            level[d % 7] * (h >= 6 ? 1.0 : 0.05) +
                            (h < KDRIVEN ? 150.0 * p_at_23 : 0.0) + 10.0 * (uniform(&seed) - 0.5);
        if (h == 23)
            p_at_23 = p;
        int64_t y;
        int mo, da;
        mc_civil_from_days(mc_days_from_civil(2019, 1, 7) + (int64_t)d, &y, &mo, &da);
        len += (size_t)snprintf(text + len, cap - len, "%04lld-%02d-%02d %02zu:00,%.3f,%.4f\n",
                                (long long)y, mo, da, h, load, p);
    }
    return text;
}

static void test_known_answer(void **state)
{
    (void)state;
    char *csv = known_answer_csv();
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    co.target_column = "load";
    co.covariates = PAST;
    co.n_covariates = 1;
    mc_frame *f = NULL;
    mc_error e;
    assert_int_equal(mc_frame_read_csv_buffer(&f, csv, strlen(csv), "known.csv", &co, &e), MC_OK);
    free(csv);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    assert_int_equal(mc_frame_regularize(f, &ro, NULL), MC_OK);
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = KL;
    mo.window.horizon = KH;
    /* Learning p's effect is a plateau the training leaves or not: with
       D = 16 it did in 3 of 6 seeds tried, with D = 32 in 12 of 13. (A model
       that never learnt it gets an importance of 0 for p, which is right for
       that model but not the test wanted here.) */
    mo.network.hidden = 32;
    mo.features.past = PAST;
    mo.features.n_past = 1;
    mo.features.calendar = false;        /* the weekday must come from the load itself */
    mo.features.normalize_level = false; /* no level carried by the last day */
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = 100;
    to.patience = 15;
    to.batch_size = 32;
    to.learning_rate = 3e-3;
    to.origin_stride = 24; /* origins at 00:00, as explained below */
    to.seed = 2385;
    to.train_rows = (KDAYS - KHELD) * 24;
    mc_model *m = NULL;
    mc_status st = mc_model_train(&m, f, &mo, &to, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);

    /* One origin at 00:00 of every held-out day. */
    mc_bound b;
    assert_int_equal(mc_model_bind(&b, m, f, mc_frame_rows(f), &e), MC_OK);
    size_t origins[KHELD - 1];
    const size_t n = KHELD - 1;
    for (size_t i = 0; i < n; i++)
        origins[i] = (KDAYS - KHELD + i) * 24;
    mc_explain_options eo;
    mc_explain_options_defaults(&eo);
    mc_explain *r = NULL;
    assert_int_equal(mc_explain_run(&r, m, &b.series, origins, n, &eo, &e), MC_OK);
    const size_t K = KH + 1, p = find_group(r, MC_GROUP_PAST);
    const size_t week = find_group(r, MC_GROUP_LOAD_EARLIER);
    for (size_t k = 0; k < KH; k++) {
        const size_t top = k < KDRIVEN ? p : week, other = k < KDRIVEN ? week : p;
        if (k >= KDRIVEN && k < 6)
            continue; /* 04:00 and 05:00 depend on neither */
        for (size_t g = 0; g < r->n_groups; g++)
            if (g != top && !(r->increase[top * K + k] > 4.0 * fabs(r->increase[g * K + k]))) {
                print_error("step %zu: %s raises the MAE by %.3f, %s by %.3f\n", k + 1,
                            r->groups[top].name, r->increase[top * K + k], r->groups[g].name,
                            r->increase[g * K + k]);
                fail();
            }
        assert_true(mc_explain_share(r, top, k) > 0.75);
        assert_true(mc_explain_share(r, other, k) < 0.1);
    }
    mc_explain_free(r);
    mc_bound_free(&b);
    mc_model_free(m);
    mc_frame_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_permute_moves_the_group),
        cmocka_unit_test(test_unseen_inputs_count_zero),
        cmocka_unit_test(test_increase_matches_hand_computation),
        cmocka_unit_test(test_shuffles),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_known_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
