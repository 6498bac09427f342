/*
 * Baselines: the seasonal naive against hand-worked indices and a naive
 * loop; the linear regression against exact coefficients on noiseless data
 * built from the model's own design, and against a dense least-squares solve
 * by GSL's dense SVD least squares. The test writes its own design rows with its own
 * calendar (the days of 2023), so neither side shares code with the other.
 */
#include "test_util.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/gsl_quiet.h"
#include "eval/baselines.h"
#include "maskcast/frame.h"

/* ---------------------------------------------------------------- seasonal */

/* y[i] = 3 i + 0.5, so every value names its row. */
static double *row_numbered(size_t n)
{
    double *y = malloc(n * sizeof *y);
    assert_non_null(y);
    for (size_t i = 0; i < n; i++)
        y[i] = 3.0 * (double)i + 0.5;
    return y;
}

static double y_at(size_t row) { return 3.0 * (double)row + 0.5; }

/* The definition, literally: try k = 1, 2, ... until the row is before origin. */
static double naive_seasonal(const double *y, size_t origin, size_t r, size_t season)
{
    for (size_t k = 1;; k++) {
        if (k * season > r)
            return NAN;
        if (r - k * season < origin)
            return y[r - k * season];
    }
}

static void check_against_loop(const double *y, size_t origin, size_t gap, size_t horizon,
                               size_t season, const double *out)
{
    for (size_t i = 0; i < horizon; i++) {
        const double want = naive_seasonal(y, origin, origin + gap + i, season);
        if (isnan(want))
            assert_true(isnan(out[i]));
        else
            assert_close(out[i], want, 0, 0);
    }
}

static void test_seasonal_naive(void **state)
{
    (void)state;
    double *y = row_numbered(1000);
    double out[400];

    /* season 1, origin 10, gap 3: every target row gets the last known, y[9]. */
    mc_baseline_seasonal(y, 10, 3, 5, 1, out);
    for (size_t i = 0; i < 5; i++)
        assert_close(out[i], y_at(9), 0, 0);

    /* season 24, origin 100, gap 5, horizon 50: rows 105..154.
       105..123 (less than a day past origin) come from 81..99 (k = 1),
       124..147 from 76..99 (k = 2), 148..154 from 76..82 (k = 3). */
    mc_baseline_seasonal(y, 100, 5, 50, 24, out);
    assert_close(out[0], y_at(81), 0, 0);
    assert_close(out[18], y_at(99), 0, 0);
    assert_close(out[19], y_at(76), 0, 0);
    assert_close(out[42], y_at(99), 0, 0);
    assert_close(out[43], y_at(76), 0, 0);
    assert_close(out[49], y_at(82), 0, 0);
    check_against_loop(y, 100, 5, 50, 24, out);

    /* season 168, origin 400, gap 24, horizon 336: rows 424..759.
       424 <- 256, 567 <- 399 (k = 1); 568 <- 232 (k = 2); 759 <- 759 - 3*168 = 255. */
    mc_baseline_seasonal(y, 400, 24, 336, 168, out);
    assert_close(out[0], y_at(256), 0, 0);
    assert_close(out[143], y_at(399), 0, 0);
    assert_close(out[144], y_at(232), 0, 0);
    assert_close(out[335], y_at(255), 0, 0);
    check_against_loop(y, 400, 24, 336, 168, out);

    /* Not a full season known: rows without a source are NaN. origin 30, season 24:
       30 <- 6, 53 <- 29, 54 <- 54 - 48 = 6; origin 10: 10 - 24 < 0. */
    mc_baseline_seasonal(y, 30, 0, 25, 24, out);
    assert_close(out[0], y_at(6), 0, 0);
    assert_close(out[23], y_at(29), 0, 0);
    assert_close(out[24], y_at(6), 0, 0);
    mc_baseline_seasonal(y, 10, 0, 3, 24, out);
    assert_true(isnan(out[0]) && isnan(out[2]));
    mc_baseline_seasonal(y, 10, 0, 3, 0, out);
    assert_true(isnan(out[1]));
    free(y);
}

/* ------------------------------------------------------- linear regression */

enum { DAY = 86400, YEAR_DAYS = 365 };
static const int64_t JAN_1_2023 = 1672531200; /* 2023-01-01 00:00, a Sunday */
static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* Month 1..12 and weekday (Monday = 0) of day d (0-based) of 2023. */
static void date_of(size_t d, int *month, size_t *weekday)
{
    *weekday = (d + 6) % 7;
    int m = 0;
    size_t start = 0;
    while (d >= start + (size_t)month_days[m])
        start += (size_t)month_days[m++];
    *month = m + 1;
}

/* A year of rows at `step` and their standardisation statistics. */
typedef struct series {
    int64_t step;
    size_t slots, rows, p;
    bool with_temp;
    int64_t *wall;
    double *temp, *load;
    uint8_t *state;
    double wall_mean, wall_sd, temp_mean, temp_sd;
} series;

static size_t size_for(size_t slots, bool with_temp)
{
    return 1 + 7 * slots + 11 + (with_temp ? 3 * slots + 33 : 0);
}

/* Temperature with a yearly and a daily cycle plus noise, in degrees. */
static series make_series(int64_t step, bool with_temp, gsl_rng *rng)
{
    series s = {.step = step, .slots = (size_t)(DAY / step), .with_temp = with_temp};
    s.rows = YEAR_DAYS * s.slots;
    s.p = size_for(s.slots, with_temp);
    s.wall = malloc(s.rows * sizeof *s.wall);
    s.temp = malloc(s.rows * sizeof *s.temp);
    s.load = malloc(s.rows * sizeof *s.load);
    s.state = calloc(s.rows, 1);
    assert_true(s.wall && s.temp && s.load && s.state);
    for (size_t i = 0; i < s.rows; i++) {
        s.wall[i] = JAN_1_2023 + (int64_t)i * step;
        const double day = (double)i / (double)s.slots;
        s.temp[i] = 14.5 - 7.25 * cos(6.283185307179586 * day / 365.0) -
                    4.5 * cos(6.283185307179586 * (day - 0.15)) + 2.0 * gsl_rng_uniform(rng);
    }
    return s;
}

static void free_series(series *s)
{
    free(s->wall);
    free(s->temp);
    free(s->load);
    free(s->state);
}

/* Mean and sd (dividing by the count) of wall and temperature over observed rows [a, b). */
static void standardise(series *s, size_t a, size_t b)
{
    double sw = 0, st = 0, qw = 0, qt = 0;
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        if (s->state[i] == MC_VALUE_OBSERVED) {
            sw += (double)s->wall[i];
            st += s->temp[i];
            n++;
        }
    s->wall_mean = sw / (double)n;
    s->temp_mean = st / (double)n;
    for (size_t i = a; i < b; i++)
        if (s->state[i] == MC_VALUE_OBSERVED) {
            qw += ((double)s->wall[i] - s->wall_mean) * ((double)s->wall[i] - s->wall_mean);
            qt += (s->temp[i] - s->temp_mean) * (s->temp[i] - s->temp_mean);
        }
    s->wall_sd = sqrt(qw / (double)n);
    s->temp_sd = sqrt(qt / (double)n);
}

/* The dense design row of row i, in the coefficient order of baselines.h. */
static void design_row(double *x, const series *s, size_t i)
{
    memset(x, 0, s->p * sizeof *x);
    const size_t d = i / s->slots, h = i % s->slots;
    int month;
    size_t weekday;
    date_of(d, &month, &weekday);
    const size_t month_at = 1 + 7 * s->slots;
    const size_t temp_at = month_at + 11;
    const size_t temp_month_at = temp_at + 3 * s->slots;
    x[0] = ((double)s->wall[i] - s->wall_mean) / s->wall_sd;
    x[1 + weekday * s->slots + h] = 1;
    if (month > 1)
        x[month_at + (size_t)(month - 2)] = 1;
    if (s->with_temp) {
        const double z = (s->temp[i] - s->temp_mean) / s->temp_sd;
        for (size_t k = 0; k < 3; k++) {
            const double zk = pow(z, (double)(k + 1));
            x[temp_at + k * s->slots + h] = zk;
            if (month > 1)
                x[temp_month_at + k * 11 + (size_t)(month - 2)] = zk;
        }
    }
}

static double dot(const double *a, const double *b, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += a[i] * b[i];
    return sum;
}

/* Coefficients of the size of a load model: weekday-slot levels near 3000, the rest smaller. */
static double *true_coefficients(const series *s, gsl_rng *rng)
{
    double *beta = malloc(s->p * sizeof *beta);
    assert_non_null(beta);
    beta[0] = 125.75;
    for (size_t j = 1; j < s->p; j++)
        beta[j] = (j <= 7 * s->slots ? 3000.0 : 0.0) + 400.0 * (gsl_rng_uniform(rng) - 0.5);
    return beta;
}

/* Some filled rows carry absurd load: the fit must not see them. */
static void mark_filled(series *s)
{
    for (size_t i = 17; i < s->rows; i += 97) {
        s->state[i] = (i % 2) ? MC_VALUE_INTERPOLATED : MC_VALUE_SEASONAL;
        s->load[i] = 1e7;
    }
}

/* Noiseless load from known coefficients; the fit must give them back. */
static void check_recovery(int64_t step, bool with_temp)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, (unsigned long)(step + with_temp));
    series s = make_series(step, with_temp, rng);
    mark_filled(&s);
    standardise(&s, 0, s.rows);
    double *beta = true_coefficients(&s, rng);
    double *x = malloc(s.p * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < s.rows; i++)
        if (s.state[i] == MC_VALUE_OBSERVED) {
            design_row(x, &s, i);
            s.load[i] = dot(x, beta, s.p);
        }

    mc_linear_baseline *b = NULL;
    mc_error err;
    assert_int_equal(mc_linear_baseline_fit(&b, s.wall, step, s.load, s.state,
                                            with_temp ? s.temp : NULL, s.rows, &err),
                     MC_OK);
    assert_int_equal(mc_linear_baseline_size(b), s.p);
    assert_int_equal(mc_linear_baseline_rank(b), s.p);
    const double *got = mc_linear_baseline_coefficients(b);
    for (size_t j = 0; j < s.p; j++)
        assert_close(got[j], beta[j], 1e-6, 1e-8);

    /* Predictions at the filled rows are the model's values there. */
    double pred;
    for (size_t i = 17; i < s.rows; i += 97 * 7) {
        assert_int_equal(mc_linear_baseline_predict(b, s.wall + i, s.temp + i, 1, &pred, &err),
                         MC_OK);
        design_row(x, &s, i);
        assert_close(pred, dot(x, beta, s.p), 1e-6, 1e-10);
    }
    mc_linear_baseline_free(b);
    free(x);
    free(beta);
    free_series(&s);
    gsl_rng_free(rng);
}

static void test_linear_recovers_hourly(void **state)
{
    (void)state;
    check_recovery(3600, false);
}

static void test_linear_recovers_hourly_temperature(void **state)
{
    (void)state;
    check_recovery(3600, true);
}

static void test_linear_recovers_half_hourly(void **state)
{
    (void)state;
    check_recovery(1800, false);
}

static void test_linear_recovers_half_hourly_temperature(void **state)
{
    (void)state;
    check_recovery(1800, true);
}

/*
 * Solves rows [a, b) of `s` (observed ones) densely by truncated SVD
 * (gsl_multifit_linear_tsvd) and returns its coefficients (p), the fitted
 * values at every row of [a, b), and the rank. The truncation is relative
 * 1e-12: at gsl_multifit_linear's default (machine epsilon) a rounding-level
 * singular value of a never-seen dummy survives and spoils the fit.
 */
static size_t dense_fit(const series *s, size_t a, size_t b, double *coef, double *fitted)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        n += s->state[i] == MC_VALUE_OBSERVED;
    gsl_matrix *X = gsl_matrix_alloc(n, s->p);
    gsl_vector *y = gsl_vector_alloc(n);
    gsl_vector *c = gsl_vector_alloc(s->p);
    gsl_matrix *cov = gsl_matrix_alloc(s->p, s->p);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, s->p);
    assert_true(X && y && c && cov && w);
    size_t r = 0;
    for (size_t i = a; i < b; i++)
        if (s->state[i] == MC_VALUE_OBSERVED) {
            design_row(gsl_matrix_ptr(X, r, 0), s, i);
            gsl_vector_set(y, r++, s->load[i]);
        }
    double chisq;
    size_t rank;
    assert_int_equal(gsl_multifit_linear_tsvd(X, y, 1e-12, c, cov, &chisq, &rank, w), 0);
    double *x = malloc(s->p * sizeof *x);
    assert_non_null(x);
    for (size_t j = 0; j < s->p; j++)
        coef[j] = gsl_vector_get(c, j);
    for (size_t i = a; i < b; i++) {
        design_row(x, s, i);
        fitted[i - a] = dot(x, coef, s->p);
    }
    free(x);
    gsl_multifit_linear_free(w);
    gsl_matrix_free(cov);
    gsl_vector_free(c);
    gsl_vector_free(y);
    gsl_matrix_free(X);
    return rank;
}

/* Noisy load (not in the model's span): least-squares coefficients must agree. */
static void test_linear_matches_dense_solve(void **state)
{
    (void)state;
    mc_gsl_quiet();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2385);
    series s = make_series(3 * 3600, true, rng); /* 8 slots: p = 125, 2920 rows */
    mark_filled(&s);
    standardise(&s, 0, s.rows);
    for (size_t i = 0; i < s.rows; i++)
        if (s.state[i] == MC_VALUE_OBSERVED)
            s.load[i] = 5000.0 + 40.0 * (s.temp[i] - 18.0) * (s.temp[i] - 18.0) +
                        300.0 * sin((double)i) + 150.0 * gsl_rng_uniform(rng);

    double *coef = malloc(s.p * sizeof *coef), *fitted = malloc(s.rows * sizeof *fitted),
           *pred = malloc(s.rows * sizeof *pred);
    assert_true(coef && fitted && pred);
    assert_int_equal(dense_fit(&s, 0, s.rows, coef, fitted), s.p);

    mc_linear_baseline *b = NULL;
    mc_error err;
    assert_int_equal(mc_linear_baseline_fit(&b, s.wall, s.step, s.load, s.state, s.temp, s.rows,
                                            &err),
                     MC_OK);
    assert_int_equal(mc_linear_baseline_rank(b), s.p);
    const double *got = mc_linear_baseline_coefficients(b);
    for (size_t j = 0; j < s.p; j++)
        assert_close(got[j], coef[j], 1e-6, 1e-7);
    assert_int_equal(mc_linear_baseline_predict(b, s.wall, s.temp, s.rows, pred, &err), MC_OK);
    for (size_t i = 0; i < s.rows; i++)
        assert_close(pred[i], fitted[i], 1e-6, 1e-9);
    mc_linear_baseline_free(b);
    free(pred);
    free(fitted);
    free(coef);
    free_series(&s);
    gsl_rng_free(rng);
}

/*
 * Rank deficiency. (1) A year of hourly rows with every Wednesday missing:
 * 24 weekday-slot dummies never occur, rank p - 24, and those coefficients
 * are 0. (2) February alone, with temperature: eleven month terms and their
 * 33 temperature terms never occur, and the February dummy and its three
 * temperature terms equal sums of weekday-slot and slot terms, so the rank
 * is p - 10 - 30 - 4. The fitted values are unique either way and must
 * match the dense solve.
 */
static void check_deficient(series *s, size_t a, size_t b, size_t want_rank)
{
    double *coef = malloc(s->p * sizeof *coef), *fitted = malloc((b - a) * sizeof *fitted),
           *pred = malloc((b - a) * sizeof *pred);
    assert_true(coef && fitted && pred);
    standardise(s, a, b);
    assert_int_equal(dense_fit(s, a, b, coef, fitted), want_rank);
    mc_linear_baseline *m = NULL;
    mc_error err;
    assert_int_equal(mc_linear_baseline_fit(&m, s->wall + a, s->step, s->load + a, s->state + a,
                                            s->with_temp ? s->temp + a : NULL, b - a, &err),
                     MC_OK);
    assert_int_equal(mc_linear_baseline_rank(m), want_rank);
    assert_int_equal(mc_linear_baseline_predict(m, s->wall + a, s->temp + a, b - a, pred, &err),
                     MC_OK);
    for (size_t i = a; i < b; i++)
        if (s->state[i] == MC_VALUE_OBSERVED)
            assert_close(pred[i - a], fitted[i - a], 1e-6, 1e-9);
    mc_linear_baseline_free(m);
    free(pred);
    free(fitted);
    free(coef);
}

static void test_linear_rank_deficient(void **state)
{
    (void)state;
    mc_gsl_quiet();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 4871);
    series s = make_series(3600, false, rng);
    for (size_t i = 0; i < s.rows; i++) {
        int month;
        size_t weekday;
        date_of(i / 24, &month, &weekday);
        s.load[i] = 3000.0 + 500.0 * sin(6.283185307179586 * (double)(i % 24) / 24.0) +
                    80.0 * (double)month + 100.0 * gsl_rng_uniform(rng);
        if (weekday == 2) {
            s.state[i] = MC_VALUE_MISSING;
            s.load[i] = NAN;
        }
    }
    check_deficient(&s, 0, s.rows, s.p - 24);
    mc_linear_baseline *m = NULL;
    assert_int_equal(mc_linear_baseline_fit(&m, s.wall, s.step, s.load, s.state, NULL, s.rows, NULL),
                     MC_OK);
    const double *c = mc_linear_baseline_coefficients(m);
    for (size_t h = 0; h < 24; h++)
        assert_close(c[1 + 2 * 24 + h], 0.0, 0, 0); /* Wednesday = 2 */
    mc_linear_baseline_free(m);
    free_series(&s);

    series t = make_series(3600, true, rng);
    for (size_t i = 0; i < t.rows; i++)
        t.load[i] = 4000.0 + 25.0 * t.temp[i] * t.temp[i] / 10.0 + 100.0 * gsl_rng_uniform(rng);
    check_deficient(&t, 31 * 24, 59 * 24, t.p - 10 - 30 - 4);
    free_series(&t);
    gsl_rng_free(rng);
}

static void test_linear_bad_input(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    series s = make_series(3600, true, rng);
    for (size_t i = 0; i < s.rows; i++)
        s.load[i] = 1000.0 + (double)(i % 24);
    mc_linear_baseline *b = (mc_linear_baseline *)&s; /* must be overwritten with NULL */
    mc_error err;

    assert_int_equal(mc_linear_baseline_fit(&b, NULL, 3600, s.load, s.state, NULL, s.rows, &err),
                     MC_ERR_ARGUMENT);
    assert_null(b);
    assert_int_equal(mc_linear_baseline_fit(&b, s.wall, 3600, NULL, s.state, NULL, s.rows, &err),
                     MC_ERR_ARGUMENT);
    assert_int_equal(mc_linear_baseline_fit(&b, s.wall, 3600, s.load, NULL, NULL, s.rows, &err),
                     MC_ERR_ARGUMENT);
    assert_int_equal(mc_linear_baseline_fit(NULL, s.wall, 3600, s.load, s.state, NULL, s.rows,
                                            &err),
                     MC_ERR_ARGUMENT);
    const int64_t bad_steps[4] = {0, -3600, 7 * 3600, 600}; /* 600 s: 144 slots, too many */
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(mc_linear_baseline_fit(&b, s.wall, bad_steps[k], s.load, s.state, NULL,
                                                s.rows, &err),
                         MC_ERR_ARGUMENT);
        assert_contains(err.message, "step");
        assert_null(b);
    }
    /* Six days and 23 hours of rows: fewer than a week. */
    assert_int_equal(mc_linear_baseline_fit(&b, s.wall, 3600, s.load, s.state, NULL, 167, &err),
                     MC_ERR_ARGUMENT);
    assert_contains(err.message, "week");
    assert_null(b);
    /* A year of rows, but no finite temperature: no usable row. */
    for (size_t i = 0; i < s.rows; i++)
        s.temp[i] = NAN;
    assert_int_equal(mc_linear_baseline_fit(&b, s.wall, 3600, s.load, s.state, s.temp, s.rows,
                                            &err),
                     MC_ERR_ARGUMENT);
    assert_contains(err.message, "temperature");

    /* Fitted with temperature, predicted without: refused; NaN temperature: NaN. */
    for (size_t i = 0; i < s.rows; i++)
        s.temp[i] = 10.0 + (double)(i % 7);
    assert_int_equal(mc_linear_baseline_fit(&b, s.wall, 3600, s.load, s.state, s.temp, 400, &err),
                     MC_OK);
    double out[2];
    assert_int_equal(mc_linear_baseline_predict(b, s.wall, NULL, 2, out, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "temperature");
    const double temps[2] = {12.5, NAN};
    assert_int_equal(mc_linear_baseline_predict(b, s.wall, temps, 2, out, &err), MC_OK);
    assert_true(isfinite(out[0]));
    assert_true(isnan(out[1]));
    assert_int_equal(mc_linear_baseline_predict(NULL, s.wall, temps, 2, out, &err),
                     MC_ERR_ARGUMENT);
    assert_int_equal(mc_linear_baseline_predict(b, NULL, temps, 2, out, &err), MC_ERR_ARGUMENT);
    mc_linear_baseline_free(b);
    mc_linear_baseline_free(NULL);
    free_series(&s);
    gsl_rng_free(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seasonal_naive),
        cmocka_unit_test(test_linear_recovers_hourly),
        cmocka_unit_test(test_linear_recovers_hourly_temperature),
        cmocka_unit_test(test_linear_recovers_half_hourly),
        cmocka_unit_test(test_linear_recovers_half_hourly_temperature),
        cmocka_unit_test(test_linear_matches_dense_solve),
        cmocka_unit_test(test_linear_rank_deficient),
        cmocka_unit_test(test_linear_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
