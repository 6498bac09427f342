/* The linear forecaster training weighs the network against: its closed-form
   ridge fit against a naive one (an SVD of the design matrix built window by
   window, the penalty chosen by a loop over the same validation windows),
   and the rule that keeps it unless the network beats it clearly. */
#include "synthetic_load.h"

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "data/calendar.h"
#include "nn/future_basis.h"
#include "train/model_internal.h"
#include "train/selection.h"

enum { LOOKBACK = 48, HORIZON = 12, BLEND_EPOCHS = 12 };

/* The penalties src/train/linear_fit.c tries, relative to the mean lag
   variance times the window count. */
static const double PENALTIES[] = {0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0};
enum { N_PENALTIES = sizeof PENALTIES / sizeof PENALTIES[0] };

/* A ridge fit in load units: forecast_k = lv + b_k + sum_l W[l][k] (x_l - lv). */
typedef struct naive_fit {
    double W[LOOKBACK][HORIZON];
    double b[HORIZON];
} naive_fit;

static double level_of(const double *y, size_t origin, size_t level_steps)
{
    double s = 0.0;
    for (size_t i = origin - level_steps; i < origin; i++)
        s += y[i];
    return s / (double)level_steps;
}

/* Every penalty's fit on the training windows, by the SVD of the centred
   design matrix: W = V diag(s / (s^2 + penalty)) U' Yc. */
static void naive_fits(naive_fit *fits, const double *y, const size_t *train, size_t n,
                       size_t level_steps)
{
    gsl_matrix *a = gsl_matrix_alloc(n, LOOKBACK), *v = gsl_matrix_alloc(LOOKBACK, LOOKBACK);
    gsl_matrix *yc = gsl_matrix_alloc(n, HORIZON);
    gsl_vector *s = gsl_vector_alloc(LOOKBACK), *work = gsl_vector_alloc(LOOKBACK);
    assert_true(a && v && yc && s && work);
    double xbar[LOOKBACK] = {0}, ybar[HORIZON] = {0};
    for (size_t i = 0; i < n; i++) {
        const size_t o = train[i];
        const double lv = level_of(y, o, level_steps);
        for (size_t l = 0; l < LOOKBACK; l++) {
            gsl_matrix_set(a, i, l, y[o - LOOKBACK + l] - lv);
            xbar[l] += (y[o - LOOKBACK + l] - lv) / (double)n;
        }
        for (size_t k = 0; k < HORIZON; k++) {
            gsl_matrix_set(yc, i, k, y[o + k] - lv);
            ybar[k] += (y[o + k] - lv) / (double)n;
        }
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t l = 0; l < LOOKBACK; l++)
            gsl_matrix_set(a, i, l, gsl_matrix_get(a, i, l) - xbar[l]);
        for (size_t k = 0; k < HORIZON; k++)
            gsl_matrix_set(yc, i, k, gsl_matrix_get(yc, i, k) - ybar[k]);
    }
    assert_int_equal(gsl_linalg_SV_decomp(a, v, s, work), 0); /* a becomes U */
    double trace = 0.0, top = 0.0;
    for (size_t j = 0; j < LOOKBACK; j++) {
        const double sj = gsl_vector_get(s, j);
        trace += sj * sj;
        top = sj * sj > top ? sj * sj : top;
    }
    for (size_t p = 0; p < N_PENALTIES; p++) {
        const double penalty = PENALTIES[p] * trace / LOOKBACK;
        naive_fit *f = &fits[p];
        memset(f, 0, sizeof *f);
        for (size_t j = 0; j < LOOKBACK; j++) {
            const double sj = gsl_vector_get(s, j);
            if (sj * sj <= 1e-10 * top)
                continue; /* the level makes the lags rank deficient: a pseudo-inverse */
            const double d = sj / (sj * sj + penalty);
            for (size_t k = 0; k < HORIZON; k++) {
                double uy = 0.0; /* (U' Yc)[j][k] */
                for (size_t i = 0; i < n; i++)
                    uy += gsl_matrix_get(a, i, j) * gsl_matrix_get(yc, i, k);
                for (size_t l = 0; l < LOOKBACK; l++)
                    f->W[l][k] += gsl_matrix_get(v, l, j) * d * uy;
            }
        }
        for (size_t k = 0; k < HORIZON; k++) {
            f->b[k] = ybar[k];
            for (size_t l = 0; l < LOOKBACK; l++)
                f->b[k] -= f->W[l][k] * xbar[l];
        }
    }
    gsl_matrix_free(a);
    gsl_matrix_free(v);
    gsl_matrix_free(yc);
    gsl_vector_free(s);
    gsl_vector_free(work);
}

static double naive_forecast(const naive_fit *f, const double *y, size_t origin, size_t k,
                             size_t level_steps)
{
    const double lv = level_of(y, origin, level_steps);
    double out = lv + f->b[k];
    for (size_t l = 0; l < LOOKBACK; l++)
        out += f->W[l][k] * (y[origin - LOOKBACK + l] - lv);
    return out;
}

static double naive_mse(const naive_fit *f, const double *y, const size_t *val, size_t n,
                        size_t level_steps)
{
    double sse = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < HORIZON; k++) {
            const double e = naive_forecast(f, y, val[i], k, level_steps) - y[val[i] + k];
            sse += e * e;
        }
    return sse / (double)(n * HORIZON);
}

/* The penalty whose naive fit has the least validation error. */
static size_t best_naive(const naive_fit *fits, const double *y, const size_t *val, size_t n_val,
                         size_t level_steps)
{
    size_t best = 0;
    double best_mse = INFINITY;
    for (size_t p = 0; p < N_PENALTIES; p++) {
        const double mse = naive_mse(&fits[p], y, val, n_val, level_steps);
        if (mse < best_mse) {
            best_mse = mse;
            best = p;
        }
    }
    return best;
}

/* The small model these tests train: the window above, `hidden` units,
   no anomaly mask (the skip sees the lags as they are). */
static void small_linear_options(mc_model_options *mo, size_t hidden)
{
    mc_model_options_defaults(mo);
    mo->window.lookback = LOOKBACK;
    mo->window.horizon = HORIZON;
    mo->network.hidden = hidden;
    mo->network.anomaly_mask = false;
}

/* The first `rows` data rows of a CSV text (header kept), malloc'd. */
static char *csv_prefix(const char *csv, size_t rows)
{
    const char *p = csv;
    for (size_t i = 0; i <= rows; i++)
        p = strchr(p, '\n') + 1;
    char *out = malloc((size_t)(p - csv) + 1);
    assert_non_null(out);
    memcpy(out, csv, (size_t)(p - csv));
    out[p - csv] = '\0';
    return out;
}

/* Empties the load of data row `row` ("time,load,temp" lines). */
static void blank_load(char *csv, size_t row)
{
    char *p = csv;
    for (size_t i = 0; i <= row; i++)
        p = strchr(p, '\n') + 1;
    char *load = strchr(p, ',') + 1, *end = strchr(load, ',');
    memmove(load, end, strlen(end) + 1);
}

/* The windows whose targets were all observed: those the fit uses. */
static size_t complete_windows(size_t *out, const size_t *origins, size_t n,
                               const uint8_t *states)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        bool all = true;
        for (size_t k = 0; k < HORIZON; k++)
            all = all && states[origins[i] + k] == MC_VALUE_OBSERVED;
        if (all)
            out[kept++] = origins[i];
    }
    return kept;
}

/* The model's forecast from the first `origin` rows of `csv`. */
static void model_forecast(const mc_model *m, const char *full_csv, size_t origin, double *out)
{
    char *csv = csv_prefix(full_csv, origin);
    mc_frame *hist = frame_of(csv);
    int64_t times[HORIZON];
    mc_error err;
    const mc_status st = mc_model_forecast(m, hist, NULL, times, out, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    mc_frame_free(hist);
    free(csv);
}

/* As model_forecast, the known-future rows of the horizon given with their
   load left out. */
static void model_forecast_known(const mc_model *m, const char *full_csv, size_t origin,
                                 double *out)
{
    char *csv = csv_prefix(full_csv, origin + HORIZON);
    for (size_t k = 0; k < HORIZON; k++)
        blank_load(csv, origin + k);
    mc_frame *hist = frame_of(csv);
    int64_t times[HORIZON];
    mc_error err;
    const mc_status st = mc_model_forecast(m, hist, NULL, times, out, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    mc_frame_free(hist);
    free(csv);
}

/* The model of one epoch of a network that stays untrained (so that it
   loses to the linear fit) on f with mo; *t keeps the trainer, for its
   origins (the caller frees both). */
static mc_model *untrained_model(mc_trainer **t, const mc_frame *f, const mc_model_options *mo)
{
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = 1;
    to.learning_rate = 1e-12;
    to.augment_probability = 0.0;
    assert_int_equal(mc_trainer_init(t, f, mo, &to, NULL), MC_OK);
    bool done = false;
    while (!done)
        assert_int_equal(mc_trainer_step(*t, &done, NULL), MC_OK);
    mc_model *m = NULL;
    assert_int_equal(mc_trainer_model(*t, &m, NULL), MC_OK);
    return m;
}

static void test_linear_forecaster_is_the_ridge_fit(void **state)
{
    (void)state;
    /* Three loads missing in the training span: filled, so the windows
       whose targets include them are left out of the fit. */
    char *csv = synthetic_csv(HOURS, 0);
    const size_t gaps[] = {200, 201, 450};
    for (size_t i = 0; i < 3; i++)
        blank_load(csv, gaps[i]);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    small_linear_options(&mo, 8);
    mo.network.future_terms = false; /* the lags alone (the joint fit: below) */
    mc_trainer *t = NULL;
    mc_model *m = untrained_model(&t, f, &mo);
    const size_t *train, *val;
    size_t n_train, n_val;
    mc_trainer_origins(t, &train, &n_train, &val, &n_val);
    assert_true(n_train > 4 * LOOKBACK && n_val > 2 * HORIZON);
    const size_t level_steps = m->level_steps;
    assert_int_equal(level_steps, 24); /* one day, the default */

    const double *y = mc_frame_values(f, 0);
    const uint8_t *states = mc_frame_states(f, 0);
    assert_int_equal(states[gaps[0]], MC_VALUE_INTERPOLATED);
    size_t *fit_train = malloc(n_train * sizeof *fit_train);
    assert_non_null(fit_train);
    const size_t n_fit = complete_windows(fit_train, train, n_train, states);
    /* H + 1 windows reach row 200 or 201, H reach row 450 */
    assert_int_equal(n_fit, n_train - (HORIZON + 1) - HORIZON);
    static naive_fit fits[N_PENALTIES];
    naive_fits(fits, y, fit_train, n_fit, level_steps);
    free(fit_train);
    const size_t best = best_naive(fits, y, val, n_val, level_steps);
    /* The model forecasts what the chosen fit does, at origins in the
       validation tail and after it. */
    const size_t origins[] = {val[0], val[n_val / 2], val[n_val - 1], HOURS - HORIZON};
    double farthest = 0.0; /* from the most different penalty's forecasts */
    for (size_t i = 0; i < sizeof origins / sizeof origins[0]; i++) {
        double got[HORIZON];
        model_forecast(m, csv, origins[i], got);
        for (size_t k = 0; k < HORIZON; k++) {
            const double want = naive_forecast(&fits[best], y, origins[i], k, level_steps);
            assert_close(got[k], want, 1e-3, 1e-5);
            for (size_t p = 0; p < N_PENALTIES; p++)
                farthest = fmax(farthest, fabs(naive_forecast(&fits[p], y, origins[i], k,
                                                              level_steps) - want));
        }
    }
    /* The penalties disagree by far more than the tolerance: matching one
       is a real check of the choice. */
    assert_true(farthest > 0.1);
    mc_model_free(m);
    mc_trainer_free(t);
    mc_frame_free(f);
    free(csv);
}

/* ---- the joint fit: lags and the future term's basis ---------------------- */

enum { TERMS = MC_BASIS_CALENDAR_TERMS + MC_BASIS_COVARIATE_TERMS, COLS = LOOKBACK + TERMS };

/* A joint fit in load units: forecast_k = lv + b_k + sum_l W[k][l] (x_l - lv)
   + sum_j G[k][j] phi_kj. */
typedef struct joint_fit {
    double W[HORIZON][LOOKBACK];
    double G[HORIZON][TERMS];
    double b[HORIZON];
} joint_fit;

/* The basis at row r: the calendar of its time, then the temperature scaled
   by the model's scaler. */
static void basis_at(double *phi, const mc_frame *f, size_t r, const double temp_scaler[2])
{
    float ch[MC_BASIS_CALENDAR_CHANNELS + 1], out[TERMS];
    mc_calendar_features(ch, mc_frame_times(f)[r], NULL);
    ch[MC_BASIS_CALENDAR_CHANNELS] =
        (float)((mc_frame_values(f, 1)[r] - temp_scaler[0]) / temp_scaler[1]);
    mc_future_basis(out, ch, MC_BASIS_CALENDAR_CHANNELS + 1, true);
    for (size_t j = 0; j < TERMS; j++)
        phi[j] = out[j];
}

/* Step k's design row [x - lv ; phi_k] of the window at `origin`. */
static void design_row(double *z, const mc_frame *f, size_t origin, size_t k, size_t level_steps,
                       const double temp_scaler[2])
{
    const double *y = mc_frame_values(f, 0);
    const double lv = level_of(y, origin, level_steps);
    for (size_t l = 0; l < LOOKBACK; l++)
        z[l] = y[origin - LOOKBACK + l] - lv;
    basis_at(z + LOOKBACK, f, origin + k, temp_scaler);
}

/* Every penalty's joint fit, step by step, as the least-squares solution of
   the centred design stacked on the penalty's square root (the lags'
   lambda * trace(Xc'Xc) / L, each basis function's lambda times its own
   centred sum of squares), by an SVD with a pseudo-inverse: no Schur
   complement, no shared eigenbasis. */
static void naive_joint_fits(joint_fit *fits, const mc_frame *f, const size_t *train, size_t n,
                             size_t level_steps, const double temp_scaler[2])
{
    const double *y = mc_frame_values(f, 0);
    gsl_matrix *z = gsl_matrix_alloc(n, COLS);
    gsl_matrix *a = gsl_matrix_alloc(n + COLS, COLS), *v = gsl_matrix_alloc(COLS, COLS);
    gsl_vector *s = gsl_vector_alloc(COLS), *work = gsl_vector_alloc(COLS);
    gsl_vector *rhs = gsl_vector_alloc(n + COLS), *beta = gsl_vector_alloc(COLS);
    double *yc = malloc(n * sizeof *yc);
    assert_true(z && a && v && s && work && rhs && beta && yc);
    for (size_t k = 0; k < HORIZON; k++) {
        double mean[COLS] = {0}, ybar = 0.0, row[COLS];
        for (size_t i = 0; i < n; i++) {
            design_row(row, f, train[i], k, level_steps, temp_scaler);
            for (size_t c = 0; c < COLS; c++) {
                gsl_matrix_set(z, i, c, row[c]);
                mean[c] += row[c] / (double)n;
            }
            yc[i] = y[train[i] + k] - level_of(y, train[i], level_steps);
            ybar += yc[i] / (double)n;
        }
        double trace = 0.0, ss[COLS] = {0};
        for (size_t i = 0; i < n; i++) {
            for (size_t c = 0; c < COLS; c++) {
                const double d = gsl_matrix_get(z, i, c) - mean[c];
                gsl_matrix_set(z, i, c, d);
                ss[c] += d * d;
            }
            yc[i] -= ybar;
        }
        for (size_t l = 0; l < LOOKBACK; l++)
            trace += ss[l];
        for (size_t p = 0; p < N_PENALTIES; p++) {
            gsl_matrix_set_zero(a);
            gsl_vector_set_zero(rhs);
            for (size_t i = 0; i < n; i++) {
                for (size_t c = 0; c < COLS; c++)
                    gsl_matrix_set(a, i, c, gsl_matrix_get(z, i, c));
                gsl_vector_set(rhs, i, yc[i]);
            }
            for (size_t c = 0; c < COLS; c++) {
                const double pen = PENALTIES[p] * (c < LOOKBACK ? trace / LOOKBACK : ss[c]);
                gsl_matrix_set(a, n + c, c, sqrt(pen));
            }
            assert_int_equal(gsl_linalg_SV_decomp(a, v, s, work), 0);
            const double top = gsl_vector_get(s, 0);
            for (size_t c = 0; c < COLS; c++) /* a pseudo-inverse, as the level's collinear lags need */
                if (gsl_vector_get(s, c) <= 1e-7 * top)
                    gsl_vector_set(s, c, 0.0);
            assert_int_equal(gsl_linalg_SV_solve(a, v, s, rhs, beta), 0);
            joint_fit *fit = &fits[p];
            double b = ybar;
            for (size_t c = 0; c < COLS; c++) {
                const double w = gsl_vector_get(beta, c);
                if (c < LOOKBACK)
                    fit->W[k][c] = w;
                else
                    fit->G[k][c - LOOKBACK] = w;
                b -= w * mean[c];
            }
            fit->b[k] = b;
        }
    }
    gsl_matrix_free(z);
    gsl_matrix_free(a);
    gsl_matrix_free(v);
    gsl_vector_free(s);
    gsl_vector_free(work);
    gsl_vector_free(rhs);
    gsl_vector_free(beta);
    free(yc);
}

static double joint_forecast(const joint_fit *fit, const mc_frame *f, size_t origin, size_t k,
                             size_t level_steps, const double temp_scaler[2])
{
    double row[COLS];
    design_row(row, f, origin, k, level_steps, temp_scaler);
    double out = level_of(mc_frame_values(f, 0), origin, level_steps) + fit->b[k];
    for (size_t l = 0; l < LOOKBACK; l++)
        out += fit->W[k][l] * row[l];
    for (size_t j = 0; j < TERMS; j++)
        out += fit->G[k][j] * row[LOOKBACK + j];
    return out;
}

/* With the future term, the fit regresses each step on the lags and on the
   basis of its calendar and temperature, jointly: the model forecasts what a
   naive SVD of the whole design, penalty by penalty, does with the penalty
   chosen on the same validation windows. */
static void test_linear_forecaster_fits_the_future_terms(void **state)
{
    (void)state;
    char *csv = synthetic_csv(HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    small_linear_options(&mo, 8);
    const char *future[] = {"temp"};
    mo.features.future = future;
    mo.features.n_future = 1;
    mc_trainer *t = NULL;
    mc_model *m = untrained_model(&t, f, &mo);
    const size_t *train, *val;
    size_t n_train, n_val;
    mc_trainer_origins(t, &train, &n_train, &val, &n_val);
    assert_int_equal(mc_model_best_epoch(m), 0); /* the linear forecaster */
    assert_int_equal(m->layout.cols[MC_T_SKIP_G], TERMS);
    double temp_scaler[2];
    assert_true(mc_model_column_scaler(m, 1, &temp_scaler[0], &temp_scaler[1]));
    const size_t level_steps = m->level_steps;
    static joint_fit fits[N_PENALTIES];
    naive_joint_fits(fits, f, train, n_train, level_steps, temp_scaler);
    size_t best = 0;
    double best_sse = INFINITY;
    const double *y = mc_frame_values(f, 0);
    for (size_t p = 0; p < N_PENALTIES; p++) {
        double sse = 0.0;
        for (size_t i = 0; i < n_val; i++)
            for (size_t k = 0; k < HORIZON; k++) {
                const double e = joint_forecast(&fits[p], f, val[i], k, level_steps, temp_scaler) -
                                 y[val[i] + k];
                sse += e * e;
            }
        if (sse < best_sse) {
            best_sse = sse;
            best = p;
        }
    }
    const size_t origins[] = {val[0], val[n_val / 2], val[n_val - 1], HOURS - HORIZON};
    double farthest = 0.0;
    for (size_t i = 0; i < sizeof origins / sizeof origins[0]; i++) {
        double got[HORIZON];
        model_forecast_known(m, csv, origins[i], got);
        for (size_t k = 0; k < HORIZON; k++) {
            const double want = joint_forecast(&fits[best], f, origins[i], k, level_steps, temp_scaler);
            assert_close(got[k], want, 1e-3, 1e-5);
            for (size_t p = 0; p < N_PENALTIES; p++)
                farthest = fmax(farthest, fabs(joint_forecast(&fits[p], f, origins[i], k,
                                                              level_steps, temp_scaler) - want));
        }
    }
    assert_true(farthest > 0.1);
    /* And the basis pays: the validation error of the joint fit is below the
       lags' alone (the load drops on weekends and rises with |temp - 15|). */
    static naive_fit lags[N_PENALTIES];
    size_t *fit_train = malloc(n_train * sizeof *fit_train);
    assert_non_null(fit_train);
    const size_t n_fit = complete_windows(fit_train, train, n_train, mc_frame_states(f, 0));
    naive_fits(lags, y, fit_train, n_fit, level_steps);
    free(fit_train);
    double lag_best = INFINITY;
    for (size_t p = 0; p < N_PENALTIES; p++)
        lag_best = fmin(lag_best, naive_mse(&lags[p], y, val, n_val, level_steps));
    assert_true(best_sse / (double)(n_val * HORIZON) < 0.8 * lag_best);
    mc_model_free(m);
    mc_trainer_free(t);
    mc_frame_free(f);
    free(csv);
}

/* Around 1000 with AR(1) noise, plus (when `weekend` is not 0) a daily
   shape and `weekend` less on Saturdays and Sundays: a week the lookback
   cannot see, so only the calendar explains the drop. */
static char *series_csv(size_t hours, double weekend)
{
    const size_t cap = 64 + hours * 48;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "time,load,temp\n");
    uint32_t s = 77;
    double dev = 0.0;
    for (size_t h = 0; h < hours; h++) {
        s = s * 1664525u + 1013904223u;
        dev = 0.8 * dev + ((double)(s >> 8) / 16777216.0 - 0.5) * 40.0;
        char stamp[40];
        mc_time_to_text(mc_days_from_civil(2021, 3, 4) * 86400 + (int64_t)h * 3600, 0, false,
                        stamp, sizeof stamp);
        const size_t dow = (h / 24 + 3) % 7; /* 2021-03-04 is a Thursday: 0 = Monday */
        const double shape = weekend != 0.0 ? 100.0 * sin(TWO_PI * (double)(h % 24) / 24.0) -
                                                  (dow >= 5 ? weekend : 0.0)
                                            : 0.0;
        len += (size_t)snprintf(text + len, cap - len, "%s,%.3f,0\n", stamp,
                                1000.0 + shape + dev);
    }
    return text;
}

/* A blend forecasts w times the network plus 1 - w times the linear
   forecaster, and its linear half is the ridge fit (checked against the
   naive SVD fit above): the model with blend.w set to 1 is the network's
   forecast, with 0 the naive fit's. Weekends that the lags cannot foresee
   and the network's calendar explains, a linear forecaster on the lags
   alone: the mixture beats both. */
static void test_blend_is_the_mixture(void **state)
{
    (void)state;
    char *csv = series_csv(HOURS, 400.0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    small_linear_options(&mo, 16);
    mo.network.future_terms = false;
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = BLEND_EPOCHS;
    to.batch_size = 64;
    to.validation_fraction = 0.2;
    mc_trainer *t = NULL;
    assert_int_equal(mc_trainer_init(&t, f, &mo, &to, NULL), MC_OK);
    bool done = false;
    while (!done)
        assert_int_equal(mc_trainer_step(t, &done, NULL), MC_OK);
    mc_model *m = NULL;
    assert_int_equal(mc_trainer_model(t, &m, NULL), MC_OK);
    if (strcmp(mc_model_kept(m), "blend") != 0)
        print_error("kept %s, blend weight %g\n", mc_model_kept(m), m->record.blend_weight);
    assert_string_equal(mc_model_kept(m), "blend");
    const size_t *train, *val;
    size_t n_train, n_val;
    mc_trainer_origins(t, &train, &n_train, &val, &n_val);
    mc_model *net = NULL, *lin = NULL;
    assert_int_equal(mc_model_clone(&net, m, NULL), MC_OK);
    assert_int_equal(mc_model_clone(&lin, m, NULL), MC_OK);
    const float *w = m->params + m->layout.offset[MC_T_BLEND_W];
    for (size_t k = 0; k < HORIZON; k++) {
        assert_true(w[k] > 0.0f && w[k] < 1.0f);
        net->params[net->layout.offset[MC_T_BLEND_W] + k] = 1.0f;
        lin->params[lin->layout.offset[MC_T_BLEND_W] + k] = 0.0f;
    }
    const double *y = mc_frame_values(f, 0);
    static naive_fit fits[N_PENALTIES];
    naive_fits(fits, y, train, n_train, m->level_steps); /* no load is missing */
    const size_t best = best_naive(fits, y, val, n_val, m->level_steps);
    const size_t origins[] = {val[0], val[n_val - 1], HOURS - HORIZON};
    for (size_t i = 0; i < sizeof origins / sizeof origins[0]; i++) {
        double got[HORIZON], yn[HORIZON], yl[HORIZON];
        model_forecast(m, csv, origins[i], got);
        model_forecast(net, csv, origins[i], yn);
        model_forecast(lin, csv, origins[i], yl);
        for (size_t k = 0; k < HORIZON; k++) {
            assert_close(got[k], w[k] * yn[k] + (1.0 - w[k]) * yl[k], 1e-4, 1e-5);
            assert_close(yl[k], naive_forecast(&fits[best], y, origins[i], k, m->level_steps),
                         1e-3, 1e-5);
        }
    }
    /* The file keeps it. */
    void *bytes = NULL;
    size_t size = 0;
    mc_model *back = NULL;
    assert_int_equal(mc_model_save_buffer(m, &bytes, &size, NULL), MC_OK);
    assert_int_equal(mc_model_load_buffer(&back, bytes, size, "blend", NULL), MC_OK);
    assert_string_equal(mc_model_kept(back), "blend");
    double again[HORIZON], got[HORIZON];
    model_forecast(m, csv, origins[0], got);
    model_forecast(back, csv, origins[0], again);
    for (size_t k = 0; k < HORIZON; k++)
        assert_true(got[k] == again[k]);
    free(bytes);
    mc_model_free(back);
    mc_model_free(net);
    mc_model_free(lin);
    mc_model_free(m);
    mc_trainer_free(t);
    mc_frame_free(f);
    free(csv);
}

static size_t best_epoch_of(const char *csv, bool calendar, bool future_terms)
{
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = LOOKBACK;
    mo.window.horizon = HORIZON;
    mo.network.hidden = 16;
    mo.features.calendar = calendar;
    mo.network.future_terms = future_terms;
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = 12;
    to.batch_size = 64;
    to.validation_fraction = 0.2;
    mc_model *m = NULL;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    const size_t best = m->record.best_epoch;
    mc_model_free(m);
    mc_frame_free(f);
    return best;
}

/* Quantile models keep the network: the linear forecaster has one forecast
   per step, not intervals, so it is not fitted for them. */
static void test_quantile_models_keep_the_network(void **state)
{
    (void)state;
    char *csv = synthetic_csv(HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = LOOKBACK;
    mo.window.horizon = HORIZON;
    mo.network.hidden = 8;
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = 1;
    to.learning_rate = 1e-12; /* an untrained network, which a point model would drop */
    mc_model *m = NULL;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    assert_int_equal(mc_model_best_epoch(m), 0);
    mc_model_free(m);
    mo.loss.kind = MC_LOSS_PINBALL;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    assert_int_equal(mc_model_best_epoch(m), 1);
    mc_model_free(m);
    mc_frame_free(f);
    free(csv);
}

static void test_network_kept_only_when_clearly_better(void **state)
{
    (void)state;
    /* Weekends the lags cannot foresee and the calendar explains, when the
       linear forecaster has only the lags: the network beats it and is
       kept. */
    char *weekly = series_csv(HOURS, 400.0);
    assert_true(best_epoch_of(weekly, true, false) > 0);
    free(weekly);
    /* Noise around a level: the linear forecaster is kept (epoch 0). */
    char *ar = series_csv(HOURS, 0.0);
    assert_int_equal(best_epoch_of(ar, false, true), 0);
    free(ar);
}

/* The rule on losses whose block means are known, blocks of 2 windows, the
   candidate shifted by t. Block means -1, -3, -2, -2 (+ t): deviations 1, -1,
   0, 0, so g0 = 2/4, g1 = -1/4, one standard error sqrt(0.25 / 4) = 0.25:
   clearly better while t < 1.75. Block means -1, -1, -3, -3: deviations
   1, 1, -1, -1, g0 = 1, g1 = 1/4, error sqrt(1.25 / 4) = 0.5590: while
   t < 1.4410. A plain comparison of means would take every t < 2. */
static void check_blocks(const double pairs[4][2], double t, bool want)
{
    double base[9], cand[9];
    for (size_t j = 0; j < 4; j++)
        for (size_t i = 0; i < 2; i++) {
            base[2 * j + i] = 10.0 + (double)j;
            cand[2 * j + i] = base[2 * j + i] + pairs[j][i] + t;
        }
    base[8] = 0.0; /* a partial block: not counted */
    cand[8] = -100.0;
    assert_int_equal(mc_clearly_better(cand, base, 9, 2), want);
}

static void test_one_standard_error_rule(void **state)
{
    (void)state;
    const double uncorrelated[4][2] = {{-0.5, -1.5}, {-3.0, -3.0}, {-1.0, -3.0}, {-2.5, -1.5}};
    const double correlated[4][2] = {{-0.5, -1.5}, {-2.0, 0.0}, {-3.0, -3.0}, {-4.0, -2.0}};
    for (double t = 1.30; t < 1.95; t += 0.02) {
        check_blocks(uncorrelated, t, t < 1.75);
        check_blocks(correlated, t, t < 1.4410);
    }
    /* one block: the plain comparison */
    const double a[3] = {1.0, 2.0, 3.0}, b[3] = {1.0, 2.0, 3.5};
    assert_true(mc_clearly_better(a, b, 3, 5));
    assert_false(mc_clearly_better(b, a, 3, 5));
    assert_false(mc_clearly_better(a, a, 3, 5)); /* a tie keeps the base */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_forecaster_is_the_ridge_fit),
        cmocka_unit_test(test_linear_forecaster_fits_the_future_terms),
        cmocka_unit_test(test_blend_is_the_mixture),
        cmocka_unit_test(test_network_kept_only_when_clearly_better),
        cmocka_unit_test(test_quantile_models_keep_the_network),
        cmocka_unit_test(test_one_standard_error_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
