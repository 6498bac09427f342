/* Temporal attention against a twin written here in double-precision loops
   from the header's formulas: the forward pass for every score kind, global
   and local; every tensor's gradient and the input's against central
   differences of the twin's loss sum(dy . y); the OpenBLAS path against the
   naive loops; the plan's refusals. */
#include "test_util.h"

#include <limits.h>
#include <stdlib.h>

#include "nn/temporal_attention.h"

/* Central differences of a double loss of size ~1: rounding ~1e-16 / H and
   truncation ~H^2 are both ~1e-10, so the tolerance is the float kernel's
   own error; a 5% error in one entry exceeds it (test_check_catches...). */
#define FD_STEP 1e-5
#define GRAD_ATOL 2e-6
#define GRAD_RTOL 5e-5

enum { MAX_L = 64, MAX_H = 16, MAX_D = 32, MAX_C = 8 };

static const mc_tattn_score KINDS[4] = {MC_TATTN_DOT, MC_TATTN_SCALED_DOT, MC_TATTN_COSINE,
                                        MC_TATTN_MLP};


typedef struct fixture {
    mc_tattn_shape s;
    mc_tattn_layout lay;
    size_t B, n_in, HQ;
    float *params, *grads, *x, *dx, *y, *dy, *block;
    double *pd, *xd, *dyd; /* the same point in double, for the twin */
    mc_tattn_work w;
    mc_tattn_params p;
    mc_tattn_grads g;
} fixture;

/* The test's small shape: B=3, L=7, H=4, Cp=2, Cf=3, Q=2, d=5, window 3. */
static mc_tattn_shape small_shape(mc_tattn_score kind, bool local)
{
    return (mc_tattn_shape){.lookback = 7, .horizon = 4, .past_channels = 2,
                            .future_channels = 3, .quantiles = 2, .dim = 5, .score = kind,
                            .local = local, .width = 3.0f};
}

static void setup(fixture *f, const mc_tattn_shape *s, size_t B, uint32_t seed)
{
    memset(f, 0, sizeof *f);
    f->s = *s;
    f->B = B;
    assert_int_equal(mc_tattn_plan(&f->s, B, &f->lay, NULL), MC_OK);
    f->n_in = mc_tattn_n_input(s);
    f->HQ = s->horizon * s->quantiles;
    const size_t P = f->lay.total;
    f->params = malloc(P * sizeof(float));
    f->grads = calloc(P, sizeof(float));
    f->x = malloc(B * f->n_in * sizeof(float));
    f->dx = calloc(B * f->n_in, sizeof(float));
    f->y = calloc(B * f->HQ, sizeof(float));
    f->dy = malloc(B * f->HQ * sizeof(float));
    f->block = malloc(B * f->lay.work_total * sizeof(float));
    f->pd = malloc(P * sizeof(double));
    f->xd = malloc(B * f->n_in * sizeof(double));
    f->dyd = malloc(B * f->HQ * sizeof(double));
    assert_true(f->params && f->grads && f->x && f->dx && f->y && f->dy && f->block && f->pd &&
                f->xd && f->dyd);

    *test_rng() = seed;
    test_fill(f->params, P, -0.6f, 0.6f);
    if (f->lay.rows[MC_TATTN_G])
        f->params[f->lay.offset[MC_TATTN_G]] = 2.385f; /* a softmax neither flat nor one-hot */
    if (f->lay.rows[MC_TATTN_BP])
        f->params[f->lay.offset[MC_TATTN_BP]] = 0.315f;
    test_fill(f->x, B * f->n_in, -1.5f, 1.5f);
    const size_t L = s->lookback, np = L * s->past_channels;
    for (size_t b = 0; b < B; b++)
        for (size_t l = 0; l < L; l++) /* observed flags */
            f->x[b * f->n_in + np + l] = (l + b) % 3 ? 1.0f : 0.0f;
    test_fill(f->dy, B * f->HQ, -1.0f, 1.0f);
    for (size_t i = 0; i < P; i++)
        f->pd[i] = f->params[i];
    for (size_t i = 0; i < B * f->n_in; i++)
        f->xd[i] = f->x[i];
    for (size_t i = 0; i < B * f->HQ; i++)
        f->dyd[i] = f->dy[i];

    mc_tattn_work_bind(&f->w, f->block, &f->s, B, true);
    f->w.gemm = mc_gemm_naive;
    f->p = mc_tattn_params_view(f->params, &f->lay);
    f->g = mc_tattn_grads_view(f->grads, &f->lay);
}

static void teardown(fixture *f)
{
    free(f->params);
    free(f->grads);
    free(f->x);
    free(f->dx);
    free(f->y);
    free(f->dy);
    free(f->block);
    free(f->pd);
    free(f->xd);
    free(f->dyd);
}

/*
 * The layer in double, in plain loops straight from the header's formulas,
 * reading x in place: y (B, H*Q) gets the attention term and alpha (B, H, L)
 * the weights (either may be NULL). Returns sum(dy . y).
 */
static double twin(const fixture *f, const double *par, const double *x, double *y, double *alpha)
{
    const mc_tattn_shape *s = &f->s;
    const size_t L = s->lookback, H = s->horizon, Cp = s->past_channels, Cf = s->future_channels;
    const size_t Q = s->quantiles, d = s->dim;
    assert_true(L <= MAX_L && H <= MAX_H && d <= MAX_D && Cp + 1 <= MAX_C);
    const double *Wq = par + f->lay.offset[MC_TATTN_WQ], *E = par + f->lay.offset[MC_TATTN_E];
    const double *Wk = par + f->lay.offset[MC_TATTN_WK], *Pos = par + f->lay.offset[MC_TATTN_POS];
    const double *Wv = par + f->lay.offset[MC_TATTN_WV], *C = par + f->lay.offset[MC_TATTN_C];
    const double *v = par + f->lay.offset[MC_TATTN_V], *g = par + f->lay.offset[MC_TATTN_G];
    const double *wp = par + f->lay.offset[MC_TATTN_WP], *bp = par + f->lay.offset[MC_TATTN_BP];
    double loss = 0.0;
    for (size_t b = 0; b < f->B; b++) {
        const double *xb = x + b * f->n_in;
        const double *P = xb, *O = xb + L * Cp, *F = xb + L * Cp + L;
        double q[MAX_H][MAX_D], key[MAX_L][MAX_D], val[MAX_L][MAX_D];
        for (size_t k = 0; k < H; k++)
            for (size_t j = 0; j < d; j++) {
                q[k][j] = E[k * d + j];
                for (size_t i = 0; i < Cf; i++)
                    q[k][j] += F[k * Cf + i] * Wq[i * d + j];
            }
        for (size_t l = 0; l < L; l++) {
            double pl[MAX_C];
            for (size_t i = 0; i < Cp; i++)
                pl[i] = P[l * Cp + i];
            pl[Cp] = O[l];
            for (size_t j = 0; j < d; j++) {
                key[l][j] = Pos[l * d + j];
                val[l][j] = 0.0;
                for (size_t i = 0; i <= Cp; i++) {
                    key[l][j] += pl[i] * Wk[i * d + j];
                    val[l][j] += pl[i] * Wv[i * d + j];
                }
            }
        }
        for (size_t k = 0; k < H; k++) {
            double sc[MAX_L], a[MAX_L], qn = 0.0, mx = -INFINITY, sum = 0.0;
            for (size_t j = 0; j < d; j++)
                qn += q[k][j] * q[k][j];
            for (size_t l = 0; l < L; l++) {
                double dot = 0.0, kn = 0.0, add = 0.0;
                for (size_t j = 0; j < d; j++) {
                    dot += q[k][j] * key[l][j];
                    kn += key[l][j] * key[l][j];
                    if (s->score == MC_TATTN_MLP)
                        add += v[j] * tanh(q[k][j] + key[l][j]);
                }
                switch (s->score) {
                case MC_TATTN_DOT: sc[l] = dot; break;
                case MC_TATTN_SCALED_DOT: sc[l] = dot / sqrt((double)d); break;
                case MC_TATTN_COSINE: sc[l] = g[0] * dot / (sqrt(qn) * sqrt(kn) + 1e-6); break;
                case MC_TATTN_MLP: sc[l] = add; break;
                }
                mx = sc[l] > mx ? sc[l] : mx;
            }
            for (size_t l = 0; l < L; l++)
                sum += (a[l] = exp(sc[l] - mx));
            double z = 0.0, centre = 0.0;
            if (s->local) {
                z = bp[0];
                for (size_t j = 0; j < d; j++)
                    z += wp[j] * q[k][j];
                centre = (double)(L - 1) / (1.0 + exp(-z));
            }
            const double sigma = s->width / 2.0;
            for (size_t l = 0; l < L; l++) {
                a[l] /= sum;
                if (s->local)
                    a[l] *= exp(-((double)l - centre) * ((double)l - centre) / (2 * sigma * sigma));
                if (alpha)
                    alpha[(b * H + k) * L + l] = a[l];
            }
            for (size_t qi = 0; qi < Q; qi++) {
                double out = 0.0;
                for (size_t j = 0; j < d; j++) {
                    double ctx = 0.0;
                    for (size_t l = 0; l < L; l++)
                        ctx += a[l] * val[l][j];
                    out += ctx * C[(k * Q + qi) * d + j];
                }
                if (y)
                    y[b * f->HQ + k * Q + qi] = out;
                loss += f->dyd[b * f->HQ + k * Q + qi] * out;
            }
        }
    }
    return loss;
}

static void analytic(fixture *f)
{
    memset(f->grads, 0, f->lay.total * sizeof(float));
    memset(f->dx, 0, f->B * f->n_in * sizeof(float));
    mc_tattn_forward(f->y, &f->w, f->x, &f->p, &f->s, f->B);
    mc_tattn_backward(&f->g, f->dx, &f->w, f->dy, &f->p, &f->s, f->B);
}

typedef struct check_result {
    size_t checked, failed;
    double worst; /* largest |error| / (atol + rtol |fd|) */
} check_result;

/* grad[i] against the central difference of the twin's loss in v[i];
   the first mismatches are printed under the name `what` (NULL: quiet). */
static void check_values(const fixture *f, double *v, const float *grad, size_t n,
                         const char *what, check_result *res)
{
    for (size_t i = 0; i < n; i++) {
        const double keep = v[i];
        v[i] = keep + FD_STEP;
        const double up = twin(f, f->pd, f->xd, NULL, NULL);
        v[i] = keep - FD_STEP;
        const double down = twin(f, f->pd, f->xd, NULL, NULL);
        v[i] = keep;
        const double fd = (up - down) / (2.0 * FD_STEP);
        const double err = fabs(fd - grad[i]) / (GRAD_ATOL + GRAD_RTOL * fabs(fd));
        res->worst = err > res->worst ? err : res->worst;
        res->checked++;
        if (err > 1.0 && res->failed++ < 3 && what != NULL)
            print_message("  %s[%zu]: analytic %.8g, finite difference %.8g\n", what, i,
                          (double)grad[i], fd);
    }
}

static check_result check_all(fixture *f)
{
    check_result res = {0, 0, 0.0};
    for (int t = 0; t < MC_TATTN_T_COUNT; t++)
        check_values(f, f->pd + f->lay.offset[t], f->grads + f->lay.offset[t],
                     f->lay.rows[t] * f->lay.cols[t], mc_tattn_tensor_name((mc_tattn_tensor)t),
                     &res);
    check_values(f, f->xd, f->dx, f->B * f->n_in, "x", &res);
    return res;
}

static void test_forward_matches_twin(void **state)
{
    (void)state;
    for (size_t ki = 0; ki < 4; ki++)
        for (int local = 0; local < 2; local++)
            for (size_t Cf = 0; Cf <= 3; Cf += 3) {
                mc_tattn_shape s = small_shape(KINDS[ki], local);
                s.future_channels = Cf;
                fixture f;
                setup(&f, &s, 3, 2385u + (uint32_t)(ki * 10 + (size_t)local));
                const size_t ny = f.B * f.HQ, na = f.B * s.horizon * s.lookback;
                double *y = malloc(ny * sizeof *y), *alpha = malloc(na * sizeof *alpha);
                assert_true(y && alpha);
                twin(&f, f.pd, f.xd, y, alpha);
                for (int blas = 0; blas < 2; blas++) {
                    f.w.gemm = blas ? mc_gemm_blas : mc_gemm_naive;
                    for (size_t i = 0; i < ny; i++) /* the kernel adds to y */
                        f.y[i] = 0.125f * (float)(i % 7);
                    mc_tattn_forward(f.y, &f.w, f.x, &f.p, &f.s, f.B);
                    for (size_t i = 0; i < ny; i++)
                        assert_close(f.y[i] - 0.125f * (float)(i % 7), y[i], 2e-6, 2e-5);
                    for (size_t i = 0; i < na; i++)
                        assert_close(f.w.alpha[i], alpha[i], 1e-7, 2e-5);
                }
                free(y);
                free(alpha);
                teardown(&f);
            }
}

static void test_gradients_match_finite_differences(void **state)
{
    (void)state;
    size_t cases = 0;
    double worst = 0.0;
    for (size_t ki = 0; ki < 4; ki++)
        for (int local = 0; local < 2; local++)
            for (size_t Cf = 0; Cf <= 3; Cf += 3) {
                mc_tattn_shape s = small_shape(KINDS[ki], local);
                s.future_channels = Cf;
                fixture f;
                setup(&f, &s, 3, 4771u + (uint32_t)(ki * 10 + (size_t)local));
                analytic(&f);
                /* an informative point: the softmax neither flat (1/7) nor one-hot */
                const float *soft = local ? f.w.soft : f.w.alpha;
                float top = 0.0f;
                for (size_t i = 0; i < f.B * s.horizon * s.lookback; i++)
                    top = soft[i] > top ? soft[i] : top;
                if (!(top > 0.2f && top < 0.9f))
                    print_error("score %d local %d Cf %zu: largest weight %g\n", (int)s.score, local, Cf, (double)top);
                assert_true(top > 0.2f && top < 0.9f);
                const check_result r = check_all(&f);
                if (r.failed > 0)
                    print_error("score %d local %d Cf %zu: %zu of %zu wrong\n", (int)s.score,
                                local, Cf, r.failed, r.checked);
                assert_int_equal(r.failed, 0);
                assert_true(r.checked > 150);
                worst = r.worst > worst ? r.worst : worst;
                teardown(&f);
                cases++;
            }
    assert_int_equal(cases, 16);
    print_message("  worst gradient error: %.3g of the tolerance\n", worst);
}

/* The check fails on a gradient 5% off in one entry of any tensor or of
   dx: a check that passed a wrong gradient would be worthless. */
static void test_check_catches_wrong_gradients(void **state)
{
    (void)state;
    bool seen[MC_TATTN_T_COUNT] = {false};
    for (int variant = 0; variant < 2; variant++) {
        /* the cosine globally, then the MLP locally: every tensor in one */
        mc_tattn_shape s = small_shape(variant ? MC_TATTN_MLP : MC_TATTN_COSINE, variant);
        fixture f;
        setup(&f, &s, 3, 99u);
        for (int t = 0; t <= MC_TATTN_T_COUNT; t++) {
            const bool input = t == MC_TATTN_T_COUNT;
            const size_t n = input ? f.B * f.n_in : f.lay.rows[t] * f.lay.cols[t];
            if (n == 0)
                continue;
            if (!input)
                seen[t] = true;
            analytic(&f);
            float *gr = input ? f.dx : f.grads + f.lay.offset[t];
            double *v = input ? f.xd : f.pd + f.lay.offset[t];
            size_t big = 0;
            for (size_t i = 1; i < n; i++)
                big = fabsf(gr[i]) > fabsf(gr[big]) ? i : big;
            gr[big] *= 1.05f;
            check_result r = {0, 0, 0.0};
            check_values(&f, v, gr, n, NULL, &r);
            assert_int_equal(r.failed, 1);
        }
        teardown(&f);
    }
    for (int t = 0; t < MC_TATTN_T_COUNT; t++)
        assert_true(seen[t]);
}

/* q_k in double from the fixture's floats (the twin's formula). */
static double query(const fixture *f, size_t b, size_t k, size_t j)
{
    const size_t L = f->s.lookback, Cp = f->s.past_channels, Cf = f->s.future_channels;
    const size_t d = f->s.dim;
    const float *F = f->x + b * f->n_in + L * Cp + L, *Wq = f->p.t[MC_TATTN_WQ];
    double q = f->p.t[MC_TATTN_E][k * d + j];
    for (size_t i = 0; i < Cf; i++)
        q += (double)F[k * Cf + i] * Wq[i * d + j];
    return q;
}

/* Global weights are a distribution over the lookback; local ones are the
   global ones (same parameters) times the window around the centre. */
static void test_alpha_rows_and_window(void **state)
{
    (void)state;
    for (size_t ki = 0; ki < 4; ki++) {
        fixture g, l;
        mc_tattn_shape sg = small_shape(KINDS[ki], false), sl = small_shape(KINDS[ki], true);
        setup(&l, &sl, 3, 777u);
        setup(&g, &sg, 3, 1u);
        /* g takes l's parameters for the tensors it has */
        for (int t = 0; t < MC_TATTN_T_COUNT; t++)
            if (g.lay.rows[t])
                memcpy(g.params + g.lay.offset[t], l.params + l.lay.offset[t],
                       g.lay.rows[t] * g.lay.cols[t] * sizeof(float));
        memcpy(g.x, l.x, g.B * g.n_in * sizeof(float));
        mc_tattn_forward(g.y, &g.w, g.x, &g.p, &g.s, g.B);
        mc_tattn_forward(l.y, &l.w, l.x, &l.p, &l.s, l.B);
        const size_t L = sl.lookback, H = sl.horizon, d = sl.dim;
        const double sigma = sl.width / 2.0;
        for (size_t b = 0; b < g.B; b++)
            for (size_t k = 0; k < H; k++) {
                double sum = 0.0, z = l.p.t[MC_TATTN_BP][0];
                for (size_t j = 0; j < d; j++)
                    z += l.p.t[MC_TATTN_WP][j] * query(&l, b, k, j);
                const double c = (double)(L - 1) / (1.0 + exp(-z));
                assert_close((L - 1) * l.w.centre[b * H + k], c, 1e-6, 1e-5);
                for (size_t i = 0; i < L; i++) {
                    const float ag = g.w.alpha[(b * H + k) * L + i];
                    assert_true(ag >= 0.0f);
                    sum += ag;
                    const double win = exp(-((double)i - c) * ((double)i - c) / (2 * sigma * sigma));
                    assert_close(l.w.alpha[(b * H + k) * L + i], ag * win, 1e-7, 1e-5);
                    assert_close(l.w.soft[(b * H + k) * L + i], ag, 1e-7, 1e-5);
                }
                assert_close(sum, 1.0, 1e-6, 0.0);
            }
        teardown(&g);
        teardown(&l);
    }
}

/* Outputs, weights and every gradient agree between OpenBLAS and the naive
   loops at a size where BLAS takes its blocked paths. */
static void test_blas_matches_naive(void **state)
{
    (void)state;
    for (size_t ki = 0; ki < 4; ki++)
        for (int local = 0; local < 2; local++) {
            mc_tattn_shape s = {.lookback = 48, .horizon = 12, .past_channels = 3,
                                .future_channels = 4, .quantiles = 3, .dim = 16,
                                .score = KINDS[ki], .local = local, .width = 9.5f};
            fixture f;
            setup(&f, &s, 16, 31337u + (uint32_t)ki);
            /* smaller weights: 16-wide dot products of order 1 */
            for (size_t i = 0; i < f.lay.total; i++)
                f.params[i] *= 0.5f;
            const size_t ny = f.B * f.HQ, na = f.B * s.horizon * s.lookback;
            const size_t nx = f.B * f.n_in, P = f.lay.total;
            float *y = malloc(ny * sizeof(float)), *a = malloc(na * sizeof(float));
            float *gr = malloc(P * sizeof(float)), *dx = malloc(nx * sizeof(float));
            assert_true(y && a && gr && dx);
            f.w.gemm = mc_gemm_naive;
            analytic(&f);
            memcpy(y, f.y, ny * sizeof(float));
            memcpy(a, f.w.alpha, na * sizeof(float));
            memcpy(gr, f.grads, P * sizeof(float));
            memcpy(dx, f.dx, nx * sizeof(float));
            memset(f.y, 0, ny * sizeof(float));
            f.w.gemm = mc_gemm_blas;
            analytic(&f);
            for (size_t i = 0; i < ny; i++)
                assert_close(f.y[i], y[i], 1e-5, 1e-4);
            for (size_t i = 0; i < na; i++)
                assert_close(f.w.alpha[i], a[i], 1e-6, 1e-4);
            for (size_t i = 0; i < P; i++)
                assert_close(f.grads[i], gr[i], 1e-4, 1e-3);
            for (size_t i = 0; i < nx; i++)
                assert_close(f.dx[i], dx[i], 1e-5, 1e-3);
            free(y);
            free(a);
            free(gr);
            free(dx);
            teardown(&f);
        }
}

/* Backward adds to the gradients and dx; a second call doubles them. */
static void test_backward_accumulates(void **state)
{
    (void)state;
    mc_tattn_shape s = small_shape(MC_TATTN_MLP, true);
    fixture f;
    setup(&f, &s, 3, 5u);
    analytic(&f);
    const size_t P = f.lay.total, nx = f.B * f.n_in;
    float *g1 = malloc(P * sizeof(float)), *dx1 = malloc(nx * sizeof(float));
    assert_true(g1 && dx1);
    memcpy(g1, f.grads, P * sizeof(float));
    memcpy(dx1, f.dx, nx * sizeof(float));
    mc_tattn_backward(&f.g, f.dx, &f.w, f.dy, &f.p, &f.s, f.B);
    for (size_t i = 0; i < P; i++)
        assert_close(f.grads[i], 2.0 * g1[i], 1e-7, 1e-6);
    for (size_t i = 0; i < nx; i++)
        assert_close(f.dx[i], 2.0 * dx1[i], 1e-7, 1e-6);
    /* without dx the parameter gradients are the same */
    memset(f.grads, 0, P * sizeof(float));
    mc_tattn_backward(&f.g, NULL, &f.w, f.dy, &f.p, &f.s, f.B);
    for (size_t i = 0; i < P; i++)
        assert_close(f.grads[i], g1[i], 0.0, 0.0);
    free(g1);
    free(dx1);
    teardown(&f);
}

/* A batch run as two slices through mc_tattn_work_rows matches it run
   whole; a workspace bound for the forward pass alone gives the same y. */
static void test_row_views_and_forward_only(void **state)
{
    (void)state;
    mc_tattn_shape s = small_shape(MC_TATTN_COSINE, true);
    fixture f;
    setup(&f, &s, 5, 8u);
    analytic(&f);
    const size_t P = f.lay.total, nx = f.B * f.n_in, ny = f.B * f.HQ;
    float *y = malloc(ny * sizeof(float)), *gr = malloc(P * sizeof(float));
    float *dx = malloc(nx * sizeof(float));
    assert_true(y && gr && dx);
    memcpy(y, f.y, ny * sizeof(float));
    memcpy(gr, f.grads, P * sizeof(float));
    memcpy(dx, f.dx, nx * sizeof(float));

    memset(f.y, 0, ny * sizeof(float));
    memset(f.grads, 0, P * sizeof(float));
    memset(f.dx, 0, nx * sizeof(float));
    const size_t cut = 2;
    mc_tattn_work tail = mc_tattn_work_rows(&f.w, &f.s, cut);
    assert_int_equal(tail.capacity, f.B - cut);
    mc_tattn_forward(f.y, &f.w, f.x, &f.p, &f.s, cut);
    mc_tattn_forward(f.y + cut * f.HQ, &tail, f.x + cut * f.n_in, &f.p, &f.s, f.B - cut);
    mc_tattn_backward(&f.g, f.dx, &f.w, f.dy, &f.p, &f.s, cut);
    mc_tattn_backward(&f.g, f.dx + cut * f.n_in, &tail, f.dy + cut * f.HQ, &f.p, &f.s, f.B - cut);
    for (size_t i = 0; i < ny; i++)
        assert_close(f.y[i], y[i], 0.0, 0.0); /* per-sample work, naive GEMM: the same bits */
    for (size_t i = 0; i < P; i++)
        assert_close(f.grads[i], gr[i], 1e-6, 1e-5); /* sums split in two */
    for (size_t i = 0; i < nx; i++)
        assert_close(f.dx[i], dx[i], 0.0, 0.0);

    float *small = malloc(f.B * f.lay.work_forward * sizeof(float));
    assert_true(small != NULL);
    mc_tattn_work w;
    mc_tattn_work_bind(&w, small, &f.s, f.B, false);
    assert_null(w.dctx);
    assert_null(w.dfin);
    assert_non_null(w.alpha);
    w.gemm = mc_gemm_naive;
    memset(f.y, 0, ny * sizeof(float));
    mc_tattn_forward(f.y, &w, f.x, &f.p, &f.s, f.B);
    for (size_t i = 0; i < ny; i++)
        assert_close(f.y[i], y[i], 0.0, 0.0);
    free(small);
    free(y);
    free(gr);
    free(dx);
    teardown(&f);
}

/* The tensor table: names, which tensors each shape has, the initial
   values, and the workspace formula of the header. */
static void test_layout(void **state)
{
    (void)state;
    const char *names[MC_TATTN_T_COUNT] = {"temporal.Wq", "temporal.E",  "temporal.Wk",
                                           "temporal.P",  "temporal.Wv", "temporal.C",
                                           "temporal.v",  "temporal.g",  "temporal.wp",
                                           "temporal.bp"};
    for (int t = 0; t < MC_TATTN_T_COUNT; t++)
        assert_string_equal(mc_tattn_tensor_name((mc_tattn_tensor)t), names[t]);
    assert_string_equal(mc_tattn_tensor_name(MC_TATTN_T_COUNT), "?");
    for (size_t ki = 0; ki < 4; ki++)
        for (int local = 0; local < 2; local++)
            for (size_t Cf = 0; Cf <= 3; Cf += 3) {
                mc_tattn_shape s = small_shape(KINDS[ki], local);
                s.future_channels = Cf;
                mc_tattn_layout lay;
                assert_int_equal(mc_tattn_plan(&s, 4, &lay, NULL), MC_OK);
                const size_t L = 7, H = 4, Cp = 2, Q = 2, d = 5, c = Cp + 1;
                const bool cos = KINDS[ki] == MC_TATTN_COSINE, mlp = KINDS[ki] == MC_TATTN_MLP;
                assert_int_equal(lay.rows[MC_TATTN_WQ] * lay.cols[MC_TATTN_WQ], Cf * d);
                assert_int_equal(lay.rows[MC_TATTN_C], H * Q);
                assert_int_equal(lay.rows[MC_TATTN_POS], L);
                assert_int_equal(lay.rows[MC_TATTN_V], mlp ? d : 0);
                assert_int_equal(lay.rows[MC_TATTN_G], cos ? 1 : 0);
                assert_int_equal(lay.rows[MC_TATTN_WP], local ? d : 0);
                assert_int_equal(lay.rows[MC_TATTN_BP], local ? 1 : 0);
                size_t total = 0;
                for (int t = 0; t < MC_TATTN_T_COUNT; t++) {
                    assert_int_equal(lay.offset[t], total);
                    total += lay.rows[t] * lay.cols[t];
                }
                assert_int_equal(lay.total, total);
                assert_close(lay.init_scale[MC_TATTN_WK], 1.0 / sqrt((double)c), 1e-12, 0.0);
                assert_close(lay.init_scale[MC_TATTN_C], 1.0 / sqrt((double)d), 1e-12, 0.0);
                assert_close(lay.init_scale[MC_TATTN_E], 1.0, 0.0, 0.0);
                assert_close(lay.init_scale[MC_TATTN_G], 0.0, 0.0, 0.0);
                assert_close(lay.init_value[MC_TATTN_G], 10.0, 0.0, 0.0);
                assert_close(lay.init_scale[MC_TATTN_BP], 0.0, 0.0, 0.0);
                assert_close(lay.init_value[MC_TATTN_BP], 0.0, 0.0, 0.0);
                const size_t fwd = L * c + H * Cf + 2 * H * d + 2 * L * d + H * L +
                                   (local ? H * L + H : 0) + (cos ? H * L + H + L : 0);
                assert_int_equal(lay.work_forward, fwd);
                assert_int_equal(lay.work_total, fwd + L * c + H * Cf + 2 * H * d + 2 * L * d + H * L);
                assert_int_equal(mc_tattn_work_floats(&s, true), lay.work_total);
                /* The buffers one by one, as a caller with a buffer table of
                   its own sees them: every pointer bind sets, each once, the
                   per-sample sizes summing to the formula's, forward first. */
                float block[4 * 1024];
                assert_true(4 * lay.work_total <= sizeof block / sizeof *block);
                mc_tattn_work w;
                mc_tattn_work_bind(&w, block, &s, 4, true);
                size_t per_sample = 0, forward = 0, bound = 0;
                for (size_t i = 0; i < MC_TATTN_WORK_BUFFERS; i++) {
                    float **ptr = NULL;
                    bool backward = true;
                    const size_t n = mc_tattn_work_buffer(&w, &s, i, &ptr, &backward);
                    assert_true((char *)ptr >= (char *)&w && (char *)(ptr + 1) <= (char *)(&w + 1));
                    assert_int_equal(*ptr != NULL, n > 0);
                    for (size_t j = 0; j < i; j++) {
                        float **other = NULL;
                        mc_tattn_work_buffer(&w, &s, j, &other, NULL);
                        assert_true(other != ptr);
                    }
                    per_sample += n;
                    forward += backward ? 0 : n;
                    bound += *ptr != NULL;
                }
                assert_int_equal(per_sample, lay.work_total);
                assert_int_equal(forward, lay.work_forward);
                assert_true(bound >= 12);
            }
    assert_true(mc_tattn_tensor_decays(MC_TATTN_WK) && !mc_tattn_tensor_decays(MC_TATTN_E) &&
                !mc_tattn_tensor_decays(MC_TATTN_POS) && !mc_tattn_tensor_decays(MC_TATTN_G));
    assert_true(mc_tattn_tensor_is_vector(MC_TATTN_BP) && !mc_tattn_tensor_is_vector(MC_TATTN_C));
}

static void expect_refusal(const mc_tattn_shape *s, size_t max_batch, const char *words)
{
    mc_tattn_layout lay;
    mc_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(mc_tattn_plan(s, max_batch, &lay, &err), MC_ERR_ARGUMENT);
    assert_int_equal(err.code, MC_ERR_ARGUMENT);
    assert_contains(err.message, words);
}

static void test_plan_refuses_bad_shapes(void **state)
{
    (void)state;
    const mc_tattn_shape ok = small_shape(MC_TATTN_DOT, true);
    mc_tattn_shape s = ok;
    s.lookback = 0;
    expect_refusal(&s, 4, "at least 1");
    s = ok;
    s.dim = 0;
    expect_refusal(&s, 4, "at least 1");
    expect_refusal(&ok, 0, "at least 1");
    s = ok;
    s.score = (mc_tattn_score)7;
    expect_refusal(&s, 4, "unknown score");
    s = ok;
    s.width = 0.0f;
    expect_refusal(&s, 4, "width");
    s.width = NAN;
    expect_refusal(&s, 4, "width");
    s.local = false; /* a global window ignores the width */
    mc_tattn_layout lay;
    assert_int_equal(mc_tattn_plan(&s, 4, &lay, NULL), MC_OK);
    s = ok;
    s.lookback = (size_t)INT_MAX / 5; /* L*d fits an int; B*L fits up to B = 5 */
    expect_refusal(&s, 6, "too large");
    assert_int_equal(mc_tattn_plan(&s, 5, &lay, NULL), MC_OK);
    s = ok;
    s.dim = SIZE_MAX / 2; /* H*d overflows size_t */
    expect_refusal(&s, 4, "too large");
    s = ok;
    s.past_channels = SIZE_MAX;
    expect_refusal(&s, 4, "too large");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_plan_refuses_bad_shapes),
        cmocka_unit_test(test_forward_matches_twin),
        cmocka_unit_test(test_alpha_rows_and_window),
        cmocka_unit_test(test_blas_matches_naive),
        cmocka_unit_test(test_backward_accumulates),
        cmocka_unit_test(test_row_views_and_forward_only),
        cmocka_unit_test(test_check_catches_wrong_gradients),
        cmocka_unit_test(test_gradients_match_finite_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
