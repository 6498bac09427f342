/*
 * The linear forecaster fitted in closed form (see linear_fit.h).
 *
 * For horizon step k the regressors are the skip's inputs x (L lags, shared
 * by every step) and the future term's basis phi_k (P functions of step k's
 * calendar and known-future inputs, nn/future_basis.h; none without the
 * term), over the windows whose targets were all observed, centred by their
 * training means. For a penalty lambda the fit of step k solves
 *
 *   [ A + lambda u I    B_k                    ] [w_k]   [r_k]
 *   [ B_k'              C_k + lambda diag(C_k) ] [g_k] = [s_k]
 *
 * with A = X'X, B_k = X'Phi_k, C_k = Phi_k'Phi_k, r_k = X'y_k, s_k =
 * Phi_k'y_k (all centred) and u = trace(A) / L, the mean lag variance times
 * the window count: the lags' penalty as before the term existed, and each
 * basis function's scaled by its own spread, so that the penalty does not
 * depend on a function's units. One eigendecomposition A = Q diag(e) Q'
 * serves every step and penalty: g_k solves the P x P Schur complement
 * S = C_k + lambda diag(C_k) - B_k'(A + lambda u)^+ B_k (by its own
 * eigendecomposition, as a pseudo-inverse: the weekday indicators and the
 * weekend flag are collinear), then w_k = (A + lambda u)^+ (r_k - B_k g_k).
 * The intercepts are b_k = mean(y_k) - w_k'mean(x) - g_k'mean(phi_k). Each
 * penalty's validation error follows from the validation tail's sums: every
 * window is read once. One penalty serves all steps, the one with the least
 * validation error summed over them.
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

/* At most about this many training windows go into the fit, a regular
   subsample of longer histories: neighbouring origins' windows overlap in
   all but one row, so the subsample loses little, and the sums cost
   n H L P operations (PJME's sixteen years: 122,000 windows). */
#define MAX_FIT_WINDOWS 32768

/* The penalties tried, relative to n s (n windows, s the mean lag variance). */
static const double PENALTIES[] = {0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0};
enum { N_PENALTIES = sizeof PENALTIES / sizeof PENALTIES[0] };

/* Sums over windows with every target observed. */
typedef struct sums {
    size_t n;
    double *xx;   /* (L, L): X'X, upper triangle until mirrored */
    double *xy;   /* (L, H): X'Y */
    double *sx;   /* (L) */
    double *sy;   /* (H) */
    double *yy;   /* (H) */
    double *xp;   /* (H, L, P): X'Phi_k */
    double *pp;   /* (H, P, P): Phi_k'Phi_k, upper triangle until mirrored */
    double *py;   /* (H, P): Phi_k'y_k */
    double *sp;   /* (H, P) */
} sums;

/* Gather buffers for `batch` windows, and their rows in double. */
typedef struct gather {
    size_t batch;
    float *x, *target, *weight, *level;
    double *dx;   /* (batch, L) */
    double *dy;   /* (batch, H) */
    double *dp;   /* (batch, H*P) */
} gather;

/* The problem's sizes. */
typedef struct dims {
    size_t L, H, P;
} dims;

static bool sums_alloc(sums *a, dims d)
{
    memset(a, 0, sizeof *a);
    const size_t L = d.L, H = d.H, P = d.P;
    a->xx = calloc(L * L, sizeof(double));
    a->xy = calloc(L * H, sizeof(double));
    a->sx = calloc(L, sizeof(double));
    a->sy = calloc(H, sizeof(double));
    a->yy = calloc(H, sizeof(double));
    a->xp = calloc(H * L * P + 1, sizeof(double));
    a->pp = calloc(H * P * P + 1, sizeof(double));
    a->py = calloc(H * P + 1, sizeof(double));
    a->sp = calloc(H * P + 1, sizeof(double));
    return a->xx && a->xy && a->sx && a->sy && a->yy && a->xp && a->pp && a->py && a->sp;
}

static void sums_free(sums *a)
{
    free(a->xx);
    free(a->xy);
    free(a->sx);
    free(a->sy);
    free(a->yy);
    free(a->xp);
    free(a->pp);
    free(a->py);
    free(a->sp);
}

static bool all_observed(const float *weight, size_t H)
{
    for (size_t k = 0; k < H; k++)
        if (weight[k] == 0.0f)
            return false;
    return true;
}

/* Adds the windows at `origins` whose targets were all observed; the skip's
   inputs and the basis come from a forward pass with `params` (the mask
   scales the lags). */
static void accumulate(sums *a, const mc_model *m, const float *params, mc_net_work *w,
                       const mc_series *s, const mc_window_spec *spec, const size_t *origins,
                       size_t n, const gather *g, dims d)
{
    const size_t L = d.L, H = d.H, P = d.P, HP = H * P;
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
                a->yy[h] += y * y;
            }
            for (size_t j = 0; j < HP; j++) {
                const double v = w->terms[b * HP + j];
                g->dp[k * HP + j] = v;
                a->sp[j] += v;
            }
            k++;
        }
        if (k == 0)
            continue;
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)L, (int)k, 1.0, g->dx, (int)L,
                    1.0, a->xx, (int)L);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)L, (int)H, (int)k, 1.0, g->dx,
                    (int)L, g->dy, (int)H, 1.0, a->xy, (int)H);
        for (size_t h = 0; P > 0 && h < H; h++) {
            const double *phi = g->dp + h * P; /* rows of stride H*P */
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)L, (int)P, (int)k, 1.0,
                        g->dx, (int)L, phi, (int)HP, 1.0, a->xp + h * L * P, (int)P);
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)P, (int)k, 1.0, phi,
                        (int)HP, 1.0, a->pp + h * P * P, (int)P);
            cblas_dgemv(CblasRowMajor, CblasTrans, (int)k, (int)P, 1.0, phi, (int)HP,
                        g->dy + h, (int)H, 1.0, a->py + h * P, 1);
        }
        a->n += k;
    }
}

static void mirror_upper(double *a, size_t L)
{
    for (size_t r = 0; r < L; r++)
        for (size_t c = 0; c < r; c++)
            a[r * L + c] = a[c * L + r];
}

/* One step's fit: lag weights w (L), basis weights g (P), intercept b. */
typedef struct step_fit {
    double *w, *g, b;
} step_fit;

/* The validation sum of squared errors of step k's forecasts x w + phi_k g + b
   (the sums' square blocks mirrored); t is (L) scratch. */
static double validation_sse(const sums *v, const step_fit *f, size_t k, dims d, double *t)
{
    const size_t L = d.L, H = d.H, P = d.P;
    const double *xp = v->xp + k * L * P, *pp = v->pp + k * P * P, *py = v->py + k * P;
    const double *sp = v->sp + k * P, b = f->b, n = (double)v->n;
    /* sum y f and sum f^2, f = x w + phi g + b */
    double yf = b * v->sy[k], ff = n * b * b;
    for (size_t l = 0; l < L; l++)
        yf += f->w[l] * v->xy[l * H + k];
    for (size_t j = 0; j < P; j++)
        yf += f->g[j] * py[j];
    cblas_dsymv(CblasRowMajor, CblasUpper, (int)L, 1.0, v->xx, (int)L, f->w, 1, 0.0, t, 1);
    for (size_t l = 0; l < L; l++)
        ff += f->w[l] * (t[l] + 2.0 * b * v->sx[l]);
    for (size_t j = 0; j < P; j++) {
        double pg = 0.0, xw = 0.0;
        for (size_t i = 0; i < P; i++)
            pg += pp[j * P + i] * f->g[i];
        for (size_t l = 0; l < L; l++)
            xw += f->w[l] * xp[l * P + j];
        ff += f->g[j] * (pg + 2.0 * xw + 2.0 * b * sp[j]);
    }
    const double sse = v->yy[k] - 2.0 * yf + ff;
    return sse > 0.0 ? sse : 0.0;
}

/* Scratch of the solve. */
typedef struct solve {
    gsl_matrix *q;          /* (L, L) A's eigenvectors */
    gsl_vector *e;          /* (L) its eigenvalues */
    double unit, top;       /* u = trace(A) / L; the largest eigenvalue */
    double *xbar, *ybar;    /* (L), (H) */
    double *bq;             /* (L, P) Q'B_k */
    double *rq;             /* (L) Q'r_k */
    double *dq;             /* (L) diag(1 / (e + lambda u)), 0 for null directions */
    double *schur;          /* (P, P) */
    double *rhs, *t;        /* (P) and (L) */
    gsl_matrix *sq;         /* (P, P) the Schur complement's eigenvectors */
    gsl_vector *se;         /* (P) its eigenvalues */
    gsl_eigen_symmv_workspace *ws_l, *ws_p;
    double *sse;            /* (penalties) summed over steps */
    step_fit fit;           /* w (L), g (P) */
} solve;

static bool solve_alloc(solve *v, dims d)
{
    memset(v, 0, sizeof *v);
    const size_t L = d.L, H = d.H, P = d.P, Pm = P > 0 ? P : 1;
    v->q = gsl_matrix_alloc(L, L);
    v->e = gsl_vector_alloc(L);
    v->ws_l = gsl_eigen_symmv_alloc(L);
    v->sq = gsl_matrix_alloc(Pm, Pm);
    v->se = gsl_vector_alloc(Pm);
    v->ws_p = gsl_eigen_symmv_alloc(Pm);
    v->xbar = calloc(L, sizeof(double));
    v->ybar = calloc(H, sizeof(double));
    v->bq = calloc(L * Pm, sizeof(double));
    v->rq = calloc(L, sizeof(double));
    v->dq = calloc(L, sizeof(double));
    v->schur = calloc(Pm * Pm, sizeof(double));
    v->rhs = calloc(Pm, sizeof(double));
    v->t = calloc(L, sizeof(double));
    v->sse = calloc(N_PENALTIES, sizeof(double));
    v->fit.w = calloc(L, sizeof(double));
    v->fit.g = calloc(Pm, sizeof(double));
    return v->q && v->e && v->ws_l && v->sq && v->se && v->ws_p && v->xbar && v->ybar && v->bq &&
           v->rq && v->dq && v->schur && v->rhs && v->t && v->sse && v->fit.w && v->fit.g;
}

static void solve_free(solve *v)
{
    gsl_matrix_free(v->q);
    gsl_vector_free(v->e);
    gsl_eigen_symmv_free(v->ws_l);
    gsl_matrix_free(v->sq);
    gsl_vector_free(v->se);
    gsl_eigen_symmv_free(v->ws_p);
    free(v->xbar);
    free(v->ybar);
    free(v->bq);
    free(v->rq);
    free(v->dq);
    free(v->schur);
    free(v->rhs);
    free(v->t);
    free(v->sse);
    free(v->fit.w);
    free(v->fit.g);
}

/* Centres the training sums in place (the square blocks mirrored first):
   X'X - n xbar xbar', and so on for every block. */
static void centre(sums *tr, solve *v, dims d)
{
    const size_t L = d.L, H = d.H, P = d.P;
    const double n = (double)tr->n;
    for (size_t l = 0; l < L; l++)
        v->xbar[l] = tr->sx[l] / n;
    for (size_t h = 0; h < H; h++)
        v->ybar[h] = tr->sy[h] / n;
    mirror_upper(tr->xx, L);
    for (size_t r = 0; r < L; r++) {
        for (size_t c = 0; c < L; c++)
            tr->xx[r * L + c] -= n * v->xbar[r] * v->xbar[c];
        for (size_t h = 0; h < H; h++)
            tr->xy[r * H + h] -= n * v->xbar[r] * v->ybar[h];
    }
    for (size_t h = 0; h < H; h++) {
        const double *sp = tr->sp + h * P;
        double *xp = tr->xp + h * L * P, *pp = tr->pp + h * P * P, *py = tr->py + h * P;
        mirror_upper(pp, P);
        for (size_t j = 0; j < P; j++) {
            for (size_t i = 0; i < P; i++)
                pp[j * P + i] -= sp[j] * sp[i] / n;
            for (size_t l = 0; l < L; l++)
                xp[l * P + j] -= v->xbar[l] * sp[j];
            py[j] -= sp[j] * v->ybar[h];
        }
    }
}

/* (A + lambda u)^+ on the eigenbasis: dq. */
static void penalised_inverse(solve *v, double lambda, size_t L)
{
    for (size_t i = 0; i < L; i++) {
        const double ei = gsl_vector_get(v->e, i);
        v->dq[i] = ei > RANK_TOLERANCE * v->top ? 1.0 / (ei + lambda * v->unit) : 0.0;
    }
}

/* Step k's fit for penalty lambda into v->fit (bq and rq already Q'B_k and
   Q'r_k; dq set for lambda). */
static mc_status fit_step(solve *v, const sums *tr, size_t k, double lambda, dims d,
                          mc_error *err)
{
    const size_t L = d.L, H = d.H, P = d.P;
    /* z = diag(dq) rq, the lags' own fit in the eigenbasis */
    for (size_t l = 0; l < L; l++)
        v->t[l] = v->dq[l] * v->rq[l];
    if (P > 0) {
        const double *pp = tr->pp + k * P * P, *py = tr->py + k * P;
        /* S = C + lambda diag(C) - Bq' diag(dq) Bq; rhs = s - Bq' diag(dq) rq */
        for (size_t j = 0; j < P; j++) {
            for (size_t i = j; i < P; i++) {
                double acc = pp[j * P + i] + (i == j ? lambda * pp[j * P + j] : 0.0);
                for (size_t l = 0; l < L; l++)
                    acc -= v->bq[l * P + j] * v->dq[l] * v->bq[l * P + i];
                v->schur[j * P + i] = v->schur[i * P + j] = acc;
            }
            double r = py[j];
            for (size_t l = 0; l < L; l++)
                r -= v->bq[l * P + j] * v->t[l];
            v->rhs[j] = r;
        }
        gsl_matrix_view a = gsl_matrix_view_array(v->schur, P, P);
        const int gs = gsl_eigen_symmv(&a.matrix, v->se, v->sq, v->ws_p);
        if (gs != GSL_SUCCESS)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                "fitting the linear forecaster: the eigendecomposition failed "
                                "(%s)",
                                gsl_strerror(gs));
        const double top = gsl_vector_max(v->se);
        /* g = S^+ rhs */
        memset(v->fit.g, 0, P * sizeof(double));
        for (size_t i = 0; i < P; i++) {
            const double ei = gsl_vector_get(v->se, i);
            if (!(ei > RANK_TOLERANCE * top))
                continue;
            double c = 0.0;
            for (size_t j = 0; j < P; j++)
                c += gsl_matrix_get(v->sq, j, i) * v->rhs[j];
            c /= ei;
            for (size_t j = 0; j < P; j++)
                v->fit.g[j] += c * gsl_matrix_get(v->sq, j, i);
        }
        /* z -= diag(dq) Bq g */
        for (size_t l = 0; l < L; l++) {
            double bg = 0.0;
            for (size_t j = 0; j < P; j++)
                bg += v->bq[l * P + j] * v->fit.g[j];
            v->t[l] -= v->dq[l] * bg;
        }
    }
    /* w = Q z */
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)L, (int)L, 1.0, v->q->data, (int)v->q->tda,
                v->t, 1, 0.0, v->fit.w, 1);
    double b = v->ybar[k];
    for (size_t l = 0; l < L; l++)
        b -= v->fit.w[l] * v->xbar[l];
    for (size_t j = 0; j < P; j++)
        b -= v->fit.g[j] * tr->sp[k * P + j] / (double)tr->n;
    v->fit.b = b;
    (void)H;
    return MC_OK;
}

/* Q'B_k and Q'r_k for step k. */
static void rotate_step(solve *v, const sums *tr, size_t k, dims d)
{
    const size_t L = d.L, H = d.H, P = d.P;
    if (P > 0)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)L, (int)P, (int)L, 1.0,
                    v->q->data, (int)v->q->tda, tr->xp + k * L * P, (int)P, 0.0, v->bq, (int)P);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)L, (int)L, 1.0, v->q->data, (int)v->q->tda,
                tr->xy + k, (int)H, 0.0, v->rq, 1);
}

static void zero_tensor(float *params, const mc_net_layout *lay, mc_tensor t)
{
    memset(params + lay->offset[t], 0, lay->rows[t] * lay->cols[t] * sizeof(float));
}

/* Step k's fit on every quantile's rows: S = w', G = g', c = b. */
static void write_step(float *params, const mc_model *m, const step_fit *f, size_t k, dims d)
{
    const mc_net_layout *lay = &m->layout;
    const size_t L = d.L, P = d.P, Q = m->shape.quantiles;
    float *S = params + lay->offset[MC_T_SKIP_S], *c = params + lay->offset[MC_T_HEAD_C];
    float *G = params + lay->offset[MC_T_SKIP_G];
    for (size_t q = 0; q < Q; q++) {
        for (size_t l = 0; l < L; l++)
            S[(k * Q + q) * L + l] = (float)f->w[l];
        for (size_t j = 0; j < P; j++)
            G[(k * Q + q) * P + j] = (float)f->g[j];
        c[k * Q + q] = (float)f->b;
    }
}

/* Every penalty's fit from the centred training sums, the best on validation
   written into params (V and temporal attention's C zero: their terms
   vanish). */
static mc_status fit_penalties(float *params, const mc_model *m, sums *tr, const sums *va,
                               solve *v, dims d, bool *fitted, mc_error *err)
{
    const size_t L = d.L, H = d.H;
    double trace = 0.0;
    for (size_t r = 0; r < L; r++)
        trace += tr->xx[r * L + r];
    if (!(trace > 0.0))
        return MC_OK; /* the lags never vary: nothing to fit */
    v->unit = trace / (double)L;
    gsl_matrix_view a = gsl_matrix_view_array(tr->xx, L, L);
    const int gs = gsl_eigen_symmv(&a.matrix, v->e, v->q, v->ws_l);
    if (gs != GSL_SUCCESS)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "fitting the linear forecaster: the eigendecomposition failed (%s)",
                            gsl_strerror(gs));
    v->top = gsl_vector_max(v->e);
    const bool scored = va->n > 0;
    const size_t n_pen = scored ? N_PENALTIES : 0;
    mc_status st = MC_OK;
    for (size_t k = 0; k < H && st == MC_OK; k++) {
        rotate_step(v, tr, k, d);
        for (size_t p = 0; p < n_pen && st == MC_OK; p++) {
            penalised_inverse(v, PENALTIES[p], L);
            st = fit_step(v, tr, k, PENALTIES[p], d, err);
            v->sse[p] += validation_sse(va, &v->fit, k, d, v->t);
        }
    }
    if (st != MC_OK)
        return st;
    double lambda = MC_LINEAR_DEFAULT_LAMBDA, best = INFINITY;
    for (size_t p = 0; p < n_pen; p++)
        if (v->sse[p] < best) {
            best = v->sse[p];
            lambda = PENALTIES[p];
        }
    if (scored && !isfinite(best))
        return MC_OK; /* no penalty scored: no forecaster */
    penalised_inverse(v, lambda, L);
    for (size_t k = 0; k < H && st == MC_OK; k++) {
        rotate_step(v, tr, k, d);
        st = fit_step(v, tr, k, lambda, d, err);
        write_step(params, m, &v->fit, k, d);
    }
    if (st == MC_OK) {
        zero_tensor(params, &m->layout, MC_T_HEAD_V);
        zero_tensor(params, &m->layout, MC_T_TEMPORAL_C);
        *fitted = true;
    }
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
    const dims d = {m->shape.lookback, m->shape.horizon, mc_net_n_terms(&m->shape)};
    memcpy(params, m->params, m->layout.total * sizeof(float));
    if (m->shape.anomaly_mask) { /* a constant mask: the forecaster stays linear */
        zero_tensor(params, &m->layout, MC_T_ANOMALY_W);
        zero_tensor(params, &m->layout, MC_T_ANOMALY_U);
    }
    sums tr, va;
    solve v;
    gather g = {batch, x, target, weight, level, NULL, NULL, NULL};
    g.dx = calloc(batch * d.L, sizeof(double));
    g.dy = calloc(batch * d.H, sizeof(double));
    g.dp = calloc(batch * d.H * d.P + 1, sizeof(double));
    const bool ok_tr = sums_alloc(&tr, d), ok_va = sums_alloc(&va, d), ok_v = solve_alloc(&v, d);
    mc_status st = MC_OK;
    if (!ok_tr || !ok_va || !ok_v || g.dx == NULL || g.dy == NULL || g.dp == NULL) {
        /* Its sums grow as the lookback squared: say how long it is. */
        st = mc_model_nomem(m, "fitting the linear forecaster", err);
        goto done;
    }
    /* Every stride-th window of a long history. */
    const size_t stride = (n_train + MAX_FIT_WINDOWS - 1) / MAX_FIT_WINDOWS;
    size_t *subset = NULL, n_fit = n_train;
    if (stride > 1) {
        n_fit = (n_train + stride - 1) / stride;
        subset = malloc(n_fit * sizeof *subset);
        if (subset == NULL) {
            st = mc_error_nomem(err, "fitting the linear forecaster");
            goto done;
        }
        for (size_t i = 0; i < n_fit; i++)
            subset[i] = train[i * stride];
    }
    accumulate(&tr, m, params, w, s, spec, subset != NULL ? subset : train, n_fit, &g, d);
    free(subset);
    accumulate(&va, m, params, w, s, spec, val, n_val, &g, d);
    if (tr.n < 2)
        goto done;
    mirror_upper(va.xx, d.L);
    for (size_t h = 0; h < d.H; h++)
        mirror_upper(va.pp + h * d.P * d.P, d.P);
    centre(&tr, &v, d);
    st = fit_penalties(params, m, &tr, &va, &v, d, fitted, err);
done:
    solve_free(&v);
    sums_free(&tr);
    sums_free(&va);
    free(g.dx);
    free(g.dy);
    free(g.dp);
    return st;
}
