#include "eval/baselines.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/error.h"
#include "common/gsl_quiet.h"
#include "data/timestamp.h"
#include "maskcast/frame.h"

enum {
    DAY = 86400,
    MAX_SLOTS = 96, /* 15-minute steps: p stays near a thousand */
    MONTH_TERMS = 11, /* February .. December; January is the reference */
    POWERS = 3,       /* cubic in temperature */
    MAX_NONZERO = 3 + 2 * POWERS /* trend, weekday-slot, month, z^k x slot, z^k x month */
};

/* Eigenvalues of the equilibrated normal equations below this fraction of
   the largest are treated as zero: it keeps directions with a singular value
   ratio down to about 1e-5 and drops exact collinearities (~1e-13). */
static const double RANK_TOLERANCE = 1e-10;

void mc_baseline_seasonal(const double *y, size_t origin, size_t gap, size_t horizon,
                          size_t season, double *out)
{
    for (size_t i = 0; i < horizon; i++) {
        const size_t ahead = gap + i; /* row r = origin + ahead */
        if (season == 0) {
            out[i] = NAN;
            continue;
        }
        /* Smallest k >= 1 with r - k*season < origin: k = ahead / season + 1. */
        const size_t back = (ahead / season + 1) * season - ahead; /* origin - source row */
        out[i] = back <= origin ? y[origin - back] : NAN;
    }
}

struct mc_linear_baseline {
    int64_t step;
    size_t slots;            /* time-of-day slots per day */
    bool has_temperature;
    double wall_mean, wall_scale;
    double temp_mean, temp_scale;
    size_t p, rank;
    double *beta;            /* (p) */
};

/* Offsets of the regressor groups in the coefficient vector. */
static size_t weekday_slot_base(void) { return 1; }
static size_t month_base(const mc_linear_baseline *b) { return 1 + 7 * b->slots; }
static size_t temp_slot_base(const mc_linear_baseline *b) { return month_base(b) + MONTH_TERMS; }
static size_t temp_month_base(const mc_linear_baseline *b)
{
    return temp_slot_base(b) + POWERS * b->slots;
}

static size_t regressor_count(size_t slots, bool has_temperature)
{
    const size_t calendar = 1 + 7 * slots + MONTH_TERMS;
    return has_temperature ? calendar + POWERS * slots + POWERS * MONTH_TERMS : calendar;
}

/*
 * The nonzero regressors of one row as (index, value) pairs; returns their
 * count (at most MAX_NONZERO). `temp` is ignored without temperature.
 */
static size_t design_row(const mc_linear_baseline *b, int64_t wall, double temp, size_t *idx,
                         double *val)
{
    const int64_t day = mc_time_days(wall);
    const size_t slot = (size_t)((wall - day * DAY) / b->step);
    const size_t weekday = (size_t)mc_weekday_from_days(day);
    int64_t year;
    int month, mday;
    mc_civil_from_days(day, &year, &month, &mday);

    size_t n = 0;
    idx[n] = 0;
    val[n++] = ((double)wall - b->wall_mean) / b->wall_scale;
    idx[n] = weekday_slot_base() + weekday * b->slots + slot;
    val[n++] = 1.0;
    if (month > 1) {
        idx[n] = month_base(b) + (size_t)(month - 2);
        val[n++] = 1.0;
    }
    if (b->has_temperature) {
        const double z = (temp - b->temp_mean) / b->temp_scale;
        double zk = 1.0;
        for (size_t k = 0; k < POWERS; k++) {
            zk *= z;
            idx[n] = temp_slot_base(b) + k * b->slots + slot;
            val[n++] = zk;
            if (month > 1) {
                idx[n] = temp_month_base(b) + k * MONTH_TERMS + (size_t)(month - 2);
                val[n++] = zk;
            }
        }
    }
    return n;
}

/* A row the fit uses: observed, finite load and (when used) finite temperature. */
static bool usable(const double *load, const uint8_t *state, const double *temp, size_t i)
{
    return state[i] == MC_VALUE_OBSERVED && isfinite(load[i]) &&
           (temp == NULL || isfinite(temp[i]));
}

/* Mean and standard deviation (dividing by the count; 1 when zero) of x over usable rows. */
static void moments(double *mean, double *scale, const int64_t *wall, const double *x,
                    const double *load, const uint8_t *state, const double *temp, size_t rows)
{
    double sum = 0, sq = 0;
    size_t n = 0;
    for (size_t i = 0; i < rows; i++)
        if (usable(load, state, temp, i)) {
            sum += x != NULL ? x[i] : (double)wall[i];
            n++;
        }
    *mean = n > 0 ? sum / (double)n : 0.0;
    for (size_t i = 0; i < rows; i++)
        if (usable(load, state, temp, i)) {
            const double d = (x != NULL ? x[i] : (double)wall[i]) - *mean;
            sq += d * d;
        }
    const double sd = n > 0 ? sqrt(sq / (double)n) : 0.0;
    *scale = sd > 0 ? sd : 1.0;
}

/* Accumulates X'X (upper and lower) and X'y over the usable rows, one sparse row at a time. */
static void accumulate(gsl_matrix *xtx, gsl_vector *xty, const mc_linear_baseline *b,
                       const int64_t *wall, const double *load, const uint8_t *state,
                       const double *temp, size_t rows)
{
    size_t idx[MAX_NONZERO];
    double val[MAX_NONZERO];
    for (size_t i = 0; i < rows; i++) {
        if (!usable(load, state, temp, i))
            continue;
        const size_t nz = design_row(b, wall[i], temp != NULL ? temp[i] : 0.0, idx, val);
        for (size_t a = 0; a < nz; a++) {
            double *row = gsl_matrix_ptr(xtx, idx[a], 0);
            for (size_t c = 0; c < nz; c++)
                row[idx[c]] += val[a] * val[c];
            *gsl_vector_ptr(xty, idx[a]) += val[a] * load[i];
        }
    }
}

/*
 * Solves X'X beta = X'y for the minimum-norm solution in equilibrated
 * coordinates: columns are scaled to unit diagonal (a dummy seen 10 times and
 * one seen 10,000 times weigh alike), regressors never seen get 0, and the
 * eigenvalues of the scaled matrix below RANK_TOLERANCE * the largest are
 * dropped. Stores the numerical rank in b->rank.
 */
static mc_status solve_normal(mc_linear_baseline *b, const gsl_matrix *xtx, const gsl_vector *xty,
                              mc_error *err)
{
    const size_t p = b->p;
    size_t *active = malloc(p * sizeof *active);
    double *scale = malloc(p * sizeof *scale);
    size_t m = 0;
    if (active == NULL || scale == NULL) {
        free(active);
        free(scale);
        return mc_error_nomem(err, "fitting the linear baseline");
    }
    for (size_t j = 0; j < p; j++) {
        const double d = gsl_matrix_get(xtx, j, j);
        if (d > 0) {
            scale[m] = sqrt(d);
            active[m++] = j;
        }
    }
    gsl_matrix *a = gsl_matrix_alloc(m, m);
    gsl_matrix *evec = gsl_matrix_alloc(m, m);
    gsl_vector *eval = gsl_vector_alloc(m);
    gsl_vector *rhs = gsl_vector_alloc(m);
    gsl_vector *coef = gsl_vector_alloc(m);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(m);
    mc_status st = MC_OK;
    if (a == NULL || evec == NULL || eval == NULL || rhs == NULL || coef == NULL || w == NULL) {
        st = mc_error_nomem(err, "fitting the linear baseline");
        goto done;
    }
    for (size_t r = 0; r < m; r++) {
        for (size_t c = 0; c < m; c++)
            gsl_matrix_set(a, r, c,
                           gsl_matrix_get(xtx, active[r], active[c]) / (scale[r] * scale[c]));
        gsl_vector_set(rhs, r, gsl_vector_get(xty, active[r]) / scale[r]);
    }
    const int gs = gsl_eigen_symmv(a, eval, evec, w);
    if (gs != GSL_SUCCESS) {
        st = mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                          "linear baseline: the normal equations could not be solved (%s)",
                          gsl_strerror(gs));
        goto done;
    }
    /* coef = V' rhs, divided by the kept eigenvalues, zero for the rest; then V coef. */
    gsl_blas_dgemv(CblasTrans, 1.0, evec, rhs, 0.0, coef);
    const double top = gsl_vector_max(eval);
    b->rank = 0;
    for (size_t k = 0; k < m; k++) {
        const double lambda = gsl_vector_get(eval, k);
        if (top > 0 && lambda > RANK_TOLERANCE * top) {
            gsl_vector_set(coef, k, gsl_vector_get(coef, k) / lambda);
            b->rank++;
        } else {
            gsl_vector_set(coef, k, 0.0);
        }
    }
    gsl_blas_dgemv(CblasNoTrans, 1.0, evec, coef, 0.0, rhs);
    for (size_t r = 0; r < m; r++)
        b->beta[active[r]] = gsl_vector_get(rhs, r) / scale[r];
done:
    gsl_eigen_symmv_free(w);
    gsl_vector_free(coef);
    gsl_vector_free(rhs);
    gsl_vector_free(eval);
    gsl_matrix_free(evec);
    gsl_matrix_free(a);
    free(scale);
    free(active);
    return st;
}

mc_status mc_linear_baseline_fit(mc_linear_baseline **out, const int64_t *wall, int64_t step,
                                 const double *load, const uint8_t *load_state,
                                 const double *temperature, size_t rows, mc_error *err)
{
    if (out == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "linear baseline: no place for the model");
    *out = NULL;
    if (wall == NULL || load == NULL || load_state == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "linear baseline: times, load and load states are required");
    if (step <= 0 || step > DAY || DAY % step != 0 || DAY / step > MAX_SLOTS)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "linear baseline: a step of %lld s does not divide a day into at most "
                            "%d time-of-day slots (steps of 15 minutes to a day that divide 24 h "
                            "are supported)",
                            (long long)step, MAX_SLOTS);
    const size_t slots = (size_t)(DAY / step);
    size_t used = 0;
    for (size_t i = 0; i < rows; i++)
        used += usable(load, load_state, temperature, i);
    if (used < 7 * slots)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "linear baseline: %zu usable rows (observed load%s), at least one week "
                            "(%zu) is needed",
                            used, temperature != NULL ? " and temperature" : "", 7 * slots);

    mc_gsl_quiet();
    mc_linear_baseline *b = calloc(1, sizeof *b);
    if (b == NULL)
        return mc_error_nomem(err, "fitting the linear baseline");
    b->step = step;
    b->slots = slots;
    b->has_temperature = temperature != NULL;
    b->p = regressor_count(slots, b->has_temperature);
    moments(&b->wall_mean, &b->wall_scale, wall, NULL, load, load_state, temperature, rows);
    b->temp_mean = 0.0;
    b->temp_scale = 1.0;
    if (temperature != NULL)
        moments(&b->temp_mean, &b->temp_scale, wall, temperature, load, load_state, temperature,
                rows);

    b->beta = calloc(b->p, sizeof *b->beta);
    gsl_matrix *xtx = gsl_matrix_calloc(b->p, b->p);
    gsl_vector *xty = gsl_vector_calloc(b->p);
    mc_status st = MC_OK;
    if (b->beta == NULL || xtx == NULL || xty == NULL)
        st = mc_error_nomem(err, "fitting the linear baseline");
    if (st == MC_OK) {
        accumulate(xtx, xty, b, wall, load, load_state, temperature, rows);
        st = solve_normal(b, xtx, xty, err);
    }
    gsl_vector_free(xty);
    gsl_matrix_free(xtx);
    if (st != MC_OK) {
        mc_linear_baseline_free(b);
        return st;
    }
    *out = b;
    return MC_OK;
}

mc_status mc_linear_baseline_predict(const mc_linear_baseline *b, const int64_t *wall,
                                     const double *temperature, size_t n, double *out,
                                     mc_error *err)
{
    if (b == NULL || (n > 0 && (wall == NULL || out == NULL)))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "linear baseline: a model, times and an output are required");
    if (b->has_temperature && n > 0 && temperature == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "linear baseline: the model was fitted with temperature; "
                            "temperatures at the forecast times are required");
    size_t idx[MAX_NONZERO];
    double val[MAX_NONZERO];
    for (size_t i = 0; i < n; i++) {
        const double temp = b->has_temperature ? temperature[i] : 0.0;
        if (!isfinite(temp)) {
            out[i] = NAN;
            continue;
        }
        const size_t nz = design_row(b, wall[i], temp, idx, val);
        double sum = 0;
        for (size_t k = 0; k < nz; k++)
            sum += val[k] * b->beta[idx[k]];
        out[i] = sum;
    }
    return MC_OK;
}

size_t mc_linear_baseline_size(const mc_linear_baseline *b) { return b->p; }

const double *mc_linear_baseline_coefficients(const mc_linear_baseline *b) { return b->beta; }

size_t mc_linear_baseline_rank(const mc_linear_baseline *b) { return b->rank; }

void mc_linear_baseline_free(mc_linear_baseline *b)
{
    if (b == NULL)
        return;
    free(b->beta);
    free(b);
}
