/*
 * The linear forecaster fitted in closed form (see linear_fit.h).
 *
 * With X the skip's inputs (n, L) and Y the targets (n, H) of the windows
 * whose targets were all observed, centred by their training means, the fit
 * for a penalty lambda is W = (Xc'Xc + lambda n s I)^+ Xc'Yc, s the mean lag
 * variance, with intercepts b = mean(Y) - W' mean(X). One eigendecomposition
 * Xc'Xc = Q diag(e) Q' gives every penalty's W as Q diag(1 / (e + lambda n s))
 * Q'Xc'Yc, and each W's validation error follows from the validation tail's
 * sums (X'X, X'Y, the column sums, Y'Y): every window is read once.
 */
#include "train/linear_fit.h"

#include <gsl/gsl_cblas.h> /* OpenBLAS provides these symbols (cmake/MaskcastDeps.cmake) */
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/gsl_quiet.h"

/* Eigenvalues below this share of the largest count as zero (a pseudo-
   inverse): with a last-value level the newest lag is always 0. */
#define RANK_TOLERANCE 1e-10

/* The penalties tried, relative to n s (n windows, s the mean lag variance). */
static const double PENALTIES[] = {0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0};

/* Sums over windows with every target observed. */
typedef struct sums {
    size_t n;
    double *xx; /* (L, L): X'X, upper triangle until mirrored */
    double *xy; /* (L, H): X'Y */
    double *sx; /* (L) */
    double *sy; /* (H) */
    double yy;
} sums;

/* Gather buffers for `batch` windows, and their rows in double. */
typedef struct gather {
    size_t batch;
    float *x, *target, *weight, *level;
    double *dx; /* (batch, L) */
    double *dy; /* (batch, H) */
} gather;

static bool sums_alloc(sums *a, size_t L, size_t H)
{
    memset(a, 0, sizeof *a);
    a->xx = calloc(L * L, sizeof(double));
    a->xy = calloc(L * H, sizeof(double));
    a->sx = calloc(L, sizeof(double));
    a->sy = calloc(H, sizeof(double));
    return a->xx && a->xy && a->sx && a->sy;
}

static void sums_free(sums *a)
{
    free(a->xx);
    free(a->xy);
    free(a->sx);
    free(a->sy);
}

static bool all_observed(const float *weight, size_t H)
{
    for (size_t k = 0; k < H; k++)
        if (weight[k] == 0.0f)
            return false;
    return true;
}

/* Adds the windows at `origins` whose targets were all observed; the skip's
   inputs come from a forward pass with `params` (the mask scales them). */
static void accumulate(sums *a, const mc_model *m, const float *params, mc_net_work *w,
                       const mc_series *s, const mc_window_spec *spec, const size_t *origins,
                       size_t n, const gather *g)
{
    const size_t L = m->shape.lookback, H = m->shape.horizon;
    for (size_t i = 0; i < n; i += g->batch) {
        const size_t batch = n - i < g->batch ? n - i : g->batch;
        mc_window_gather(g->x, g->target, g->weight, g->level, s, spec, origins + i, batch);
        mc_net_forward(w, params, &m->layout, &m->shape, g->x, batch);
        size_t k = 0;
        for (size_t b = 0; b < batch; b++) {
            if (!all_observed(g->weight + b * H, H))
                continue;
            for (size_t l = 0; l < L; l++) {
                const double v = w->skip_in[b * L + l];
                g->dx[k * L + l] = v;
                a->sx[l] += v;
            }
            for (size_t h = 0; h < H; h++) {
                const double y = g->target[b * H + h];
                g->dy[k * H + h] = y;
                a->sy[h] += y;
                a->yy += y * y;
            }
            k++;
        }
        if (k == 0)
            continue;
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)L, (int)k, 1.0, g->dx, (int)L,
                    1.0, a->xx, (int)L);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)L, (int)H, (int)k, 1.0, g->dx,
                    (int)L, g->dy, (int)H, 1.0, a->xy, (int)H);
        a->n += k;
    }
}

static void mirror_upper(double *a, size_t L)
{
    for (size_t r = 0; r < L; r++)
        for (size_t c = 0; c < r; c++)
            a[r * L + c] = a[c * L + r];
}

/* The validation sum of squared errors of forecasts X W + b, from the sums
   (xx mirrored); gw is (L, H) scratch. */
static double validation_sse(const sums *v, const double *W, const double *b, double *gw,
                             size_t L, size_t H)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)L, (int)H, (int)L, 1.0, v->xx,
                (int)L, W, (int)H, 0.0, gw, (int)H);
    double sse = v->yy;
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++)
            sse += W[l * H + h] * (gw[l * H + h] - 2.0 * v->xy[l * H + h] +
                                   2.0 * b[h] * v->sx[l]);
    for (size_t h = 0; h < H; h++)
        sse += b[h] * ((double)v->n * b[h] - 2.0 * v->sy[h]);
    return sse > 0.0 ? sse : 0.0;
}

static void zero_tensor(float *params, const mc_net_layout *lay, mc_tensor t)
{
    memset(params + lay->offset[t], 0, lay->rows[t] * lay->cols[t] * sizeof(float));
}

/* The skip S = W' on every quantile's rows, the offsets c = b, V = 0, and
   temporal attention's context weights C = 0 (its term vanishes). */
static void write_params(float *params, const mc_model *m, const double *W, const double *b)
{
    const mc_net_layout *lay = &m->layout;
    const size_t L = m->shape.lookback, H = m->shape.horizon, Q = m->shape.quantiles;
    float *S = params + lay->offset[MC_T_SKIP_S], *c = params + lay->offset[MC_T_HEAD_C];
    for (size_t k = 0; k < H; k++)
        for (size_t q = 0; q < Q; q++) {
            for (size_t l = 0; l < L; l++)
                S[(k * Q + q) * L + l] = (float)W[l * H + k];
            c[k * Q + q] = (float)b[k];
        }
    zero_tensor(params, lay, MC_T_HEAD_V);
    zero_tensor(params, lay, MC_T_TEMPORAL_C);
}

/* Scratch of the solve, all (L, H) but the vectors. */
typedef struct solve {
    double *z, *W, *best_W, *gw, *b, *best_b, *xbar, *ybar;
} solve;

static bool solve_alloc(solve *v, size_t L, size_t H)
{
    v->z = calloc(L * H, sizeof(double));
    v->W = calloc(L * H, sizeof(double));
    v->best_W = calloc(L * H, sizeof(double));
    v->gw = calloc(L * H, sizeof(double));
    v->b = calloc(H, sizeof(double));
    v->best_b = calloc(H, sizeof(double));
    v->xbar = calloc(L, sizeof(double));
    v->ybar = calloc(H, sizeof(double));
    return v->z && v->W && v->best_W && v->gw && v->b && v->best_b && v->xbar && v->ybar;
}

static void solve_free(solve *v)
{
    free(v->z);
    free(v->W);
    free(v->best_W);
    free(v->gw);
    free(v->b);
    free(v->best_b);
    free(v->xbar);
    free(v->ybar);
}

/* Every penalty's fit from the training sums (xx is overwritten), the best
   on validation kept in v->best_W and v->best_b. */
static mc_status fit_penalties(sums *tr, const sums *va, solve *v, size_t L, size_t H,
                               bool *fitted, mc_error *err)
{
    const double n = (double)tr->n;
    for (size_t l = 0; l < L; l++)
        v->xbar[l] = tr->sx[l] / n;
    for (size_t h = 0; h < H; h++)
        v->ybar[h] = tr->sy[h] / n;
    /* Centre: Xc'Xc = X'X - n xbar xbar', Xc'Yc = X'Y - n xbar ybar'. */
    mirror_upper(tr->xx, L);
    double trace = 0.0;
    for (size_t r = 0; r < L; r++) {
        for (size_t c = 0; c < L; c++)
            tr->xx[r * L + c] -= n * v->xbar[r] * v->xbar[c];
        trace += tr->xx[r * L + r];
        for (size_t h = 0; h < H; h++)
            tr->xy[r * H + h] -= n * v->xbar[r] * v->ybar[h];
    }
    if (!(trace > 0.0))
        return MC_OK; /* the lags never vary: nothing to fit */
    const double unit = trace / (double)L; /* n s */

    gsl_matrix_view a = gsl_matrix_view_array(tr->xx, L, L);
    gsl_matrix *q = gsl_matrix_alloc(L, L);
    gsl_vector *e = gsl_vector_alloc(L);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(L);
    mc_status st = MC_OK;
    if (q == NULL || e == NULL || ws == NULL) {
        st = mc_error_nomem(err, "fitting the linear forecaster");
        goto done;
    }
    const int gs = gsl_eigen_symmv(&a.matrix, e, q, ws);
    if (gs != GSL_SUCCESS) {
        st = mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                          "fitting the linear forecaster: the eigendecomposition failed (%s)",
                          gsl_strerror(gs));
        goto done;
    }
    /* z = Q' Xc'Yc */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)L, (int)H, (int)L, 1.0, q->data,
                (int)q->tda, tr->xy, (int)H, 0.0, v->z, (int)H);
    const double top = gsl_vector_max(e);
    const size_t n_pen = va->n > 0 ? sizeof PENALTIES / sizeof PENALTIES[0] : 1;
    double best = INFINITY;
    for (size_t p = 0; p < n_pen; p++) {
        const double lambda = va->n > 0 ? PENALTIES[p] : MC_LINEAR_DEFAULT_LAMBDA;
        /* W = Q diag(1 / (e + lambda n s)) z, through the scaled rows of z */
        for (size_t i = 0; i < L; i++) {
            const double ei = gsl_vector_get(e, i);
            const double d = ei > RANK_TOLERANCE * top ? 1.0 / (ei + lambda * unit) : 0.0;
            for (size_t h = 0; h < H; h++)
                v->gw[i * H + h] = d * v->z[i * H + h];
        }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)L, (int)H, (int)L, 1.0,
                    q->data, (int)q->tda, v->gw, (int)H, 0.0, v->W, (int)H);
        for (size_t h = 0; h < H; h++) {
            double s = v->ybar[h];
            for (size_t l = 0; l < L; l++)
                s -= v->W[l * H + h] * v->xbar[l];
            v->b[h] = s;
        }
        const double mse = va->n > 0 ? validation_sse(va, v->W, v->b, v->gw, L, H) /
                                           ((double)va->n * (double)H)
                                     : NAN;
        if (va->n == 0 || mse < best) {
            best = mse;
            memcpy(v->best_W, v->W, L * H * sizeof(double));
            memcpy(v->best_b, v->b, H * sizeof(double));
        }
    }
    *fitted = va->n == 0 || isfinite(best); /* no penalty scored: no forecaster */
done:
    gsl_eigen_symmv_free(ws);
    gsl_vector_free(e);
    gsl_matrix_free(q);
    return st;
}

mc_status mc_linear_fit_params(float *params, const mc_model *m, mc_net_work *w,
                               const mc_series *s, const mc_window_spec *spec,
                               const size_t *train, size_t n_train, const size_t *val,
                               size_t n_val, size_t batch, float *x, float *target, float *weight,
                               float *level, bool *fitted, mc_error *err)
{
    *fitted = false;
    if (!m->shape.skip)
        return MC_OK;
    mc_gsl_quiet();
    const size_t L = m->shape.lookback, H = m->shape.horizon;
    memcpy(params, m->params, m->layout.total * sizeof(float));
    if (m->shape.anomaly_mask) { /* a constant mask: the forecaster stays linear */
        zero_tensor(params, &m->layout, MC_T_ANOMALY_W);
        zero_tensor(params, &m->layout, MC_T_ANOMALY_U);
    }
    sums tr, va;
    solve v = {0};
    gather g = {batch, x, target, weight, level, NULL, NULL};
    g.dx = calloc(batch * L, sizeof(double));
    g.dy = calloc(batch * H, sizeof(double));
    const bool ok_tr = sums_alloc(&tr, L, H), ok_va = sums_alloc(&va, L, H);
    mc_status st = MC_OK;
    if (!ok_tr || !ok_va || g.dx == NULL || g.dy == NULL || !solve_alloc(&v, L, H)) {
        st = mc_error_nomem(err, "fitting the linear forecaster");
        goto done;
    }
    accumulate(&tr, m, params, w, s, spec, train, n_train, &g);
    accumulate(&va, m, params, w, s, spec, val, n_val, &g);
    if (tr.n < 2)
        goto done;
    mirror_upper(va.xx, L);
    st = fit_penalties(&tr, &va, &v, L, H, fitted, err);
    if (st == MC_OK && *fitted)
        write_params(params, m, v.best_W, v.best_b);
done:
    solve_free(&v);
    sums_free(&tr);
    sums_free(&va);
    free(g.dx);
    free(g.dy);
    return st;
}
