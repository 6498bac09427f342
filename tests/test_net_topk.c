/* Hard attention in the network (mask_topk, anomaly_topk; nn/topk.h).

   The backward pass is a straight-through estimator, not the derivative of
   the forward pass, so finite differences of the network cannot check it.
   What it is, exactly: the gradient of a surrogate network in which each
   top-k is replaced by a_soft + (a_hard0 - a_soft0), the offset frozen at
   the evaluation point. At the point the surrogate computes what the
   network does; around it, it is smooth (no ranking can change).

   The surrogate is a twin of the whole forward pass written here in double,
   from net.h's equations and the tensor table's layout, rather than a
   switch in the library that freezes the offset: the library keeps no
   test-only path, and the twin checks the forward pass independently too.
   The twin takes the frozen offset from the network's own forward pass at
   the point (its hard and soft weights), so both keep the same weights.
   The same twin with the kept set frozen instead (a_soft where a_hard0 is
   kept, 0 elsewhere: the true derivative of the hard network) must
   disagree with the estimator, or the check could not tell them apart. */
#include "test_util.h"

#include <stdbool.h>
#include <stdlib.h>

#include "nn/net.h"
#include "nn/parallel.h"

enum { BATCH = 4 };

/* The twin evaluates in double and steps in double, so its differences are
   clean to about 1e-12 / EPS; the truncation error is about EPS^2. What is
   left is the float rounding of the network's backward pass. */
#define EPS 1e-3
#define RTOL 1e-3
#define ATOL 2e-5
#define RELU_MARGIN 0.02


/* ---- the twin ------------------------------------------------------------------ */

/* Sizes the twin's rows are kept within (the shapes below are small). */
enum { MAX_IN = 128, MAX_D = 16, MAX_NP = 32, MAX_R = 4 };

typedef enum twin_mode {
    TWIN_SURROGATE, /* a_soft + (a_hard0 - a_soft0): what the estimator differentiates */
    TWIN_KEPT_SET   /* a_soft where a_hard0 kept it, 0 elsewhere: the true derivative */
} twin_mode;

typedef struct twin {
    const mc_net_shape *s;
    const mc_net_layout *lay;
    twin_mode mode;
    double *p, *x;           /* (lay->total), (B, n_in): where the twin is evaluated */
    const float *c;          /* (B, H*Q) the objective's weights: J = sum c y + penalty */
    /* the network's weights at the point (top-k masks only) */
    float *attn_hard, *attn_soft; /* (B, H*D) */
    float *mask_hard, *mask_soft; /* (B, L*Cp) */
    /* the last evaluation */
    double y[BATCH * 64];
    double penalty;          /* mask_penalty * mean(1 - m_soft) */
    uint64_t kinks;          /* fingerprint of the ReLU inputs' signs */
    double margin;           /* the smallest |ReLU input| */
} twin;

static double phi(twin *t, double v)
{
    if (t->s->activation == MC_NN_GELU)
        return 0.5 * v * (1.0 + erf(v / sqrt(2.0)));
    t->kinks = (t->kinks ^ (uint64_t)(v > 0.0)) * 1099511628211ull;
    t->margin = fmin(t->margin, fabs(v));
    return v > 0.0 ? v : 0.0;
}

static const double *param(const twin *t, mc_tensor k) { return t->p + t->lay->offset[k]; }

/* h = phi(in W_e + b_e) */
static void twin_feature(twin *t, double *h, const double *in)
{
    const size_t D = t->s->hidden, n_in = mc_net_n_input(t->s);
    const double *W = param(t, MC_T_FEATURE_W), *bias = param(t, MC_T_FEATURE_B);
    for (size_t d = 0; d < D; d++) {
        double v = bias[d];
        for (size_t i = 0; i < n_in; i++)
            v += in[i] * W[i * D + d];
        h[d] = phi(t, v);
    }
}

/* The value minus its neighbours' mean in its channel (net.h). */
static double deviation(const double *x, size_t l, size_t c, size_t L, size_t Cp)
{
    if (L < 2)
        return 0.0;
    if (l == 0)
        return x[c] - x[Cp + c];
    if (l == L - 1)
        return x[l * Cp + c] - x[(l - 1) * Cp + c];
    return x[l * Cp + c] - 0.5 * (x[(l - 1) * Cp + c] + x[(l + 1) * Cp + c]);
}

/* The weights a top-k row applies, as the twin's mode has them. */
static void harden(const twin *t, double *a, const double *soft, const float *hard0,
                   const float *soft0, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = t->mode == TWIN_SURROGATE ? soft[i] + ((double)hard0[i] - (double)soft0[i])
                                         : (hard0[i] != 0.0f ? soft[i] : 0.0);
}

/* J = sum_i c_i y_i + mask_penalty * mean(1 - m_soft), and the outputs in t->y. */
static double twin_objective(twin *t)
{
    const mc_net_shape *s = t->s;
    const size_t D = s->hidden, H = s->horizon, Q = s->quantiles, L = s->lookback;
    const size_t Cp = s->past_channels, np = mc_net_n_past(s), n_in = mc_net_n_input(s);
    const size_t HD = H * D, HQ = H * Q, r = s->horizon_masks ? s->horizon_rank : 0;
    t->kinks = 1469598103934665603ull;
    t->margin = INFINITY;
    double J = 0.0, closed = 0.0;
    for (size_t b = 0; b < BATCH; b++) {
        const double *xb = t->x + b * n_in;
        double xm[MAX_IN], m[MAX_NP], h0[MAX_D], h[MAX_D];
        memcpy(xm, xb, n_in * sizeof *xm);
        for (size_t j = 0; j < np; j++)
            m[j] = 1.0;
        if (s->anomaly_mask) {
            const double *W = param(t, MC_T_ANOMALY_W), *bias = param(t, MC_T_ANOMALY_B);
            double soft[MAX_NP];
            twin_feature(t, h0, xb);
            for (size_t j = 0; j < np; j++) {
                double v = bias[j];
                for (size_t d = 0; d < D; d++)
                    v += h0[d] * W[d * np + j];
                if (s->mask_local) {
                    const double dv = deviation(xb, j / Cp, j % Cp, L, Cp);
                    v += param(t, MC_T_ANOMALY_U)[j % Cp] * dv * dv;
                }
                soft[j] = 1.0 / (1.0 + exp(-v));
                closed += 1.0 - soft[j];
            }
            if (s->anomaly_topk > 0)
                harden(t, m, soft, t->mask_hard + b * np, t->mask_soft + b * np, np);
            else
                memcpy(m, soft, np * sizeof *m);
            for (size_t j = 0; j < np; j++)
                xm[j] = m[j] * xb[j];
        }
        twin_feature(t, h, xm);
        for (size_t k = 0; k < H; k++) {
            double a[MAX_D];
            for (size_t d = 0; d < D; d++)
                a[d] = 1.0;
            if (s->horizon_masks) {
                double pre[MAX_D], soft[MAX_D], emb[MAX_R];
                for (size_t j = 0; j < r; j++) {
                    double v = param(t, MC_T_HORIZON_E)[k * r + j];
                    for (size_t d = 0; d < D; d++)
                        v += h[d] * param(t, MC_T_HORIZON_U)[d * r + j];
                    emb[j] = phi(t, v);
                }
                for (size_t e = 0; e < D; e++) {
                    double v = param(t, MC_T_HORIZON_B)[k * D + e];
                    for (size_t d = 0; r == 0 && d < D; d++)
                        v += h[d] * param(t, MC_T_HORIZON_W)[d * HD + k * D + e];
                    for (size_t j = 0; j < r; j++)
                        v += emb[j] * param(t, MC_T_HORIZON_W2)[j * D + e];
                    pre[e] = v;
                }
                if (s->mask_kind == MC_NN_MASK_SOFTMAX) {
                    double mx = pre[0], sum = 0.0;
                    for (size_t e = 1; e < D; e++)
                        mx = fmax(mx, pre[e]);
                    for (size_t e = 0; e < D; e++)
                        sum += exp(pre[e] - mx);
                    for (size_t e = 0; e < D; e++)
                        soft[e] = (double)D * exp(pre[e] - mx) / sum;
                } else {
                    for (size_t e = 0; e < D; e++)
                        soft[e] = 1.0 / (1.0 + exp(-pre[e]));
                }
                if (s->mask_topk > 0)
                    harden(t, a, soft, t->attn_hard + (b * H + k) * D,
                           t->attn_soft + (b * H + k) * D, D);
                else
                    memcpy(a, soft, D * sizeof *a);
            }
            for (size_t q = 0; q < Q; q++) {
                const size_t o = k * Q + q;
                double y = param(t, MC_T_HEAD_C)[o];
                for (size_t d = 0; d < D; d++)
                    y += a[d] * h[d] * param(t, MC_T_HEAD_V)[o * D + d];
                for (size_t l = 0; s->skip && l < L; l++)
                    y += m[l * Cp] * xb[l * Cp] * param(t, MC_T_SKIP_S)[o * L + l];
                t->y[b * HQ + o] = y;
                J += (double)t->c[b * HQ + o] * y;
            }
        }
    }
    t->penalty = s->anomaly_mask ? (double)s->mask_penalty * closed / (double)(BATCH * np) : 0.0;
    return J + t->penalty;
}

/* ---- the network at a point ---------------------------------------------------- */

typedef struct fixture {
    mc_net_shape s;
    mc_net_layout lay;
    mc_net_work w;
    size_t n_in;
    float *params, *grads, *x, *dx, *c;
    twin t;
} fixture;

/* Runs the network forward and backward (dy = c) at the fixture's point and
   hands the twin the point and the weights the network kept there. */
static void network_at_point(fixture *f)
{
    const size_t HD = f->s.horizon * f->s.hidden, np = mc_net_n_past(&f->s);
    mc_net_forward(&f->w, f->params, &f->lay, &f->s, f->x, BATCH);
    for (size_t i = 0; i < f->lay.total; i++)
        f->grads[i] = NAN; /* backward overwrites */
    mc_net_backward(&f->w, f->grads, f->dx, f->params, &f->lay, &f->s, f->x, f->c, BATCH);
    for (size_t i = 0; i < f->lay.total; i++)
        f->t.p[i] = f->params[i];
    for (size_t i = 0; i < BATCH * f->n_in; i++)
        f->t.x[i] = f->x[i];
    if (f->s.mask_topk > 0) {
        memcpy(f->t.attn_hard, f->w.attn, BATCH * HD * sizeof(float));
        memcpy(f->t.attn_soft, f->w.attn_soft, BATCH * HD * sizeof(float));
    }
    if (f->s.anomaly_topk > 0) {
        memcpy(f->t.mask_hard, f->w.mask, BATCH * np * sizeof(float));
        memcpy(f->t.mask_soft, f->w.mask_soft, BATCH * np * sizeof(float));
    }
}

/* A point whose ReLU inputs (in the twin, offsets frozen there) are all
   clear of 0. */
static void setup_fixture(fixture *f, const mc_net_shape *s)
{
    memset(f, 0, sizeof *f);
    f->s = *s;
    assert_int_equal(mc_net_plan(&f->s, BATCH, &f->lay, NULL), MC_OK);
    assert_int_equal(mc_net_work_alloc(&f->w, &f->s, BATCH, NULL), MC_OK);
    f->n_in = mc_net_n_input(&f->s);
    const size_t HQ = mc_net_n_output(&f->s), HD = f->s.horizon * f->s.hidden;
    const size_t np = mc_net_n_past(&f->s);
    assert_true(f->n_in <= MAX_IN && f->s.hidden <= MAX_D && np <= MAX_NP &&
                f->s.horizon_rank <= MAX_R && HQ <= 64);
    f->params = calloc(f->lay.total, sizeof(float));
    f->grads = calloc(f->lay.total, sizeof(float));
    f->x = calloc(BATCH * f->n_in, sizeof(float));
    f->dx = calloc(BATCH * f->n_in, sizeof(float));
    f->c = calloc(BATCH * HQ, sizeof(float));
    f->t = (twin){.s = &f->s, .lay = &f->lay, .c = f->c,
                  .p = calloc(f->lay.total, sizeof(double)),
                  .x = calloc(BATCH * f->n_in, sizeof(double)),
                  .attn_hard = calloc(BATCH * HD, sizeof(float)),
                  .attn_soft = calloc(BATCH * HD, sizeof(float)),
                  .mask_hard = calloc(BATCH * np, sizeof(float)),
                  .mask_soft = calloc(BATCH * np, sizeof(float))};
    assert_true(f->params && f->grads && f->x && f->dx && f->c && f->t.p && f->t.x &&
                f->t.attn_hard && f->t.attn_soft && f->t.mask_hard && f->t.mask_soft);
    *test_rng() = 2385u;
    for (int attempt = 0;; attempt++) {
        assert_true(attempt < 5000);
        test_fill(f->params, f->lay.total, -0.45f, 0.45f);
        /* The masks' weights spread out, so that kept and dropped differ. */
        test_fill(f->params + f->lay.offset[MC_T_ANOMALY_B], f->lay.rows[MC_T_ANOMALY_B], -1.0f, 2.0f);
        test_fill(f->params + f->lay.offset[MC_T_HORIZON_B], f->lay.rows[MC_T_HORIZON_B], -1.0f, 1.5f);
        float *E = f->params + f->lay.offset[MC_T_HORIZON_E];
        for (size_t i = 0; i < f->lay.rows[MC_T_HORIZON_E] * f->lay.cols[MC_T_HORIZON_E]; i++)
            E[i] = (i % 2 ? 1.0f : -1.0f) * test_uniform(0.3f, 0.7f);
        test_fill(f->x, BATCH * f->n_in, -1.5f, 1.5f);
        for (size_t b = 0; b < BATCH; b++)
            for (size_t l = 0; l < f->s.lookback; l++) /* observed flags */
                f->x[b * f->n_in + np + l] = (l + b) % 3 ? 1.0f : 0.0f;
        test_fill(f->c, BATCH * HQ, -1.0f, 1.0f);
        network_at_point(f);
        f->t.mode = TWIN_SURROGATE;
        twin_objective(&f->t);
        if (f->t.margin >= RELU_MARGIN)
            break;
    }
}

static void teardown_fixture(fixture *f)
{
    mc_net_work_free(&f->w);
    free(f->params);
    free(f->grads);
    free(f->x);
    free(f->dx);
    free(f->c);
    free(f->t.p);
    free(f->t.x);
    free(f->t.attn_hard);
    free(f->t.attn_soft);
    free(f->t.mask_hard);
    free(f->t.mask_soft);
}

typedef struct check_result {
    size_t checked, skipped, failed;
} check_result;

/* grad[i] against the twin's central difference in v[i] (a value of the
   twin's point), i < n; entries with a ReLU kink within EPS are skipped. */
static void check_values(twin *t, double *v, const float *grad, size_t n, const char *what,
                         bool quiet, check_result *res)
{
    twin_objective(t);
    const uint64_t base = t->kinks;
    for (size_t i = 0; i < n; i++) {
        const double keep = v[i];
        v[i] = keep + EPS;
        const double up = twin_objective(t);
        const uint64_t k_up = t->kinks;
        v[i] = keep - EPS;
        const double down = twin_objective(t);
        const uint64_t k_down = t->kinks;
        v[i] = keep;
        if (k_up != base || k_down != base) {
            res->skipped++;
            continue;
        }
        const double fd = (up - down) / (2.0 * EPS);
        res->checked++;
        if (!(fabs(fd - grad[i]) <= ATOL + RTOL * fabs(fd)) && res->failed++ < 3 && !quiet)
            print_message("  %s[%zu]: estimator %.9g, surrogate's difference %.9g\n", what, i,
                          (double)grad[i], fd);
    }
}

/* Every tensor the configuration has, and the input. */
static check_result check_all(fixture *f)
{
    check_result res = {0, 0, 0};
    for (int t = 0; t < MC_T_COUNT; t++)
        check_values(&f->t, f->t.p + f->lay.offset[t], f->grads + f->lay.offset[t],
                     mc_tensor_size(&f->lay, (mc_tensor)t), mc_tensor_name((mc_tensor)t), false,
                     &res);
    check_values(&f->t, f->t.x, f->dx, BATCH * f->n_in, "input", false, &res);
    return res;
}

/* L 5, H 3, two past and two future channels, D 6: each horizon mask keeps 3
   of 6, each window's anomaly mask 6 of 10. */
static mc_net_shape small_shape(void)
{
    return (mc_net_shape){.lookback = 5, .horizon = 3, .past_channels = 2, .future_channels = 2,
                          .hidden = 6, .quantiles = 2, .activation = MC_NN_GELU,
                          .mask_kind = MC_NN_MASK_SIGMOID, .anomaly_mask = true,
                          .horizon_masks = true, .skip = true, .mask_local = true,
                          .mask_penalty = 0.3f, .mask_topk = 3, .anomaly_topk = 6};
}

/* Variant v of the gradient check: the horizon masks v % 4 (sigmoid,
   softmax; from W_a, then from embeddings of rank 2); which top-k
   (v / 4) % 3 (both, the horizon masks' alone, the anomaly mask's alone);
   GELU below 12, ReLU from there; the last two without one of the masks. */
enum { GRAD_VARIANTS = 24 };

static mc_net_shape gradient_shape(int v)
{
    mc_net_shape s = small_shape();
    const int masks = v % 4, which = (v / 4) % 3;
    s.mask_kind = masks % 2 ? MC_NN_MASK_SOFTMAX : MC_NN_MASK_SIGMOID;
    s.horizon_rank = masks >= 2 ? 2 : 0;
    s.activation = v >= 12 ? MC_NN_RELU : MC_NN_GELU;
    s.mask_topk = which == 2 ? 0 : 3;
    s.anomaly_topk = which == 1 ? 0 : 6;
    if (v == 23) { /* the anomaly mask's top-k with nothing else around it */
        s.horizon_masks = s.skip = s.mask_local = false;
        s.mask_penalty = 0.0f;
    }
    if (v == 22) { /* the horizon masks' with no anomaly mask */
        s.mask_topk = 3;
        s.anomaly_mask = false;
        s.anomaly_topk = 0;
        s.mask_penalty = 0.0f;
    }
    return s;
}

/* (a) The estimator is the exact gradient of the surrogate: every tensor and
   the input, both top-k, both mask kinds, both forms of the horizon masks,
   both activations. */
static void test_estimator_is_the_surrogate_gradient(void **state)
{
    (void)state;
    for (int v = 0; v < GRAD_VARIANTS; v++) {
        const mc_net_shape s = gradient_shape(v);
        fixture f;
        setup_fixture(&f, &s);
        f.t.mode = TWIN_SURROGATE;
        check_result r = check_all(&f);
        if (r.failed > 0 || r.skipped * 50 > r.checked)
            print_error("variant %d: %zu of %zu wrong, %zu skipped at kinks\n", v, r.failed,
                        r.checked, r.skipped);
        assert_int_equal(r.failed, 0);
        assert_true(r.skipped * 50 <= r.checked);
        assert_true(r.checked > 200);
        teardown_fixture(&f);
    }
}

/* The check tells the estimator from the true derivative (dropped weights
   learning nothing), in each mask's tensors, and from a gradient 5% off in
   one entry of any tensor. */
static void test_check_is_sharp(void **state)
{
    (void)state;
    for (size_t rank = 0; rank <= 2; rank += 2) {
        mc_net_shape s = small_shape();
        s.horizon_rank = rank;
        fixture f;
        setup_fixture(&f, &s);
        const mc_tensor mask_tensors[] = {MC_T_HORIZON_B, MC_T_ANOMALY_B, MC_T_ANOMALY_W};
        f.t.mode = TWIN_KEPT_SET;
        for (size_t i = 0; i < 3; i++) {
            const mc_tensor t = mask_tensors[i];
            check_result r = {0, 0, 0};
            check_values(&f.t, f.t.p + f.lay.offset[t], f.grads + f.lay.offset[t],
                         mc_tensor_size(&f.lay, t), "kept set", true, &r);
            assert_true(r.failed > 0);
        }
        f.t.mode = TWIN_SURROGATE;
        for (int t = 0; t < MC_T_COUNT; t++) {
            const size_t n = mc_tensor_size(&f.lay, (mc_tensor)t);
            if (n == 0)
                continue;
            float *g = f.grads + f.lay.offset[t];
            size_t big = 0;
            for (size_t i = 1; i < n; i++)
                big = fabsf(g[i]) > fabsf(g[big]) ? i : big;
            const float keep = g[big];
            g[big] *= 1.05f;
            check_result r = {0, 0, 0};
            check_values(&f.t, f.t.p + f.lay.offset[t], g, n, "corrupt", true, &r);
            assert_int_equal(r.failed, 1);
            g[big] = keep;
        }
        teardown_fixture(&f);
    }
}

/* ---- the forward pass ------------------------------------------------------- */

/* Whether index i of a row ranks above j (nn/topk.h's order: larger first,
   then the lower index). */
static bool ranks_above(const float *a, size_t i, size_t j)
{
    return a[i] > a[j] || (a[i] == a[j] && i < j);
}

/* Each of `rows` rows of `hard` keeps exactly k entries of `soft` (bit for
   bit), the k that rank highest, and zeroes the rest. */
static void assert_top_k_rows(const float *hard, const float *soft, size_t rows, size_t n,
                              size_t k)
{
    for (size_t r = 0; r < rows; r++) {
        const float *h = hard + r * n, *a = soft + r * n;
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            size_t above = 0;
            for (size_t j = 0; j < n; j++)
                above += j != i && ranks_above(a, j, i);
            assert_true(a[i] > 0.0f); /* a soft weight is positive: kept is nonzero */
            if (above < k) {
                assert_memory_equal(&h[i], &a[i], sizeof(float));
                kept++;
            } else {
                assert_true(h[i] == 0.0f);
            }
        }
        assert_int_equal(kept, k);
    }
}

/* (b) With k below the row, each row keeps exactly its k largest weights;
   x~ and the outputs are what the hard weights give, by a naive
   recomputation from the network's h and by the twin from the input; the
   closing penalty is the soft mask's. */
static void test_forward_keeps_the_k_largest(void **state)
{
    (void)state;
    for (int masks = 0; masks < 4; masks++) {
        mc_net_shape s = small_shape();
        s.mask_kind = masks % 2 ? MC_NN_MASK_SOFTMAX : MC_NN_MASK_SIGMOID;
        s.horizon_rank = masks >= 2 ? 2 : 0;
        s.activation = MC_NN_RELU;
        fixture f;
        setup_fixture(&f, &s);
        const mc_net_work *w = &f.w;
        const size_t D = s.hidden, H = s.horizon, Q = s.quantiles, L = s.lookback;
        const size_t Cp = s.past_channels, np = mc_net_n_past(&s), HQ = H * Q, n_in = f.n_in;
        assert_top_k_rows(w->attn, w->attn_soft, BATCH * H, D, s.mask_topk);
        assert_top_k_rows(w->mask, w->mask_soft, BATCH, np, s.anomaly_topk);
        for (size_t b = 0; b < BATCH; b++)
            for (size_t i = 0; i < n_in; i++) {
                const float want = i < np ? w->mask[b * np + i] * f.x[b * n_in + i]
                                          : f.x[b * n_in + i];
                assert_memory_equal(&w->x_masked[b * n_in + i], &want, sizeof want);
            }
        const float *V = f.params + f.lay.offset[MC_T_HEAD_V];
        const float *c = f.params + f.lay.offset[MC_T_HEAD_C];
        const float *S = f.params + f.lay.offset[MC_T_SKIP_S];
        f.t.mode = TWIN_SURROGATE;
        twin_objective(&f.t);
        assert_close(mc_net_mask_penalty(&f.w, &s, BATCH), f.t.penalty, 1e-9, 1e-5);
        for (size_t b = 0; b < BATCH; b++)
            for (size_t k = 0; k < H; k++)
                for (size_t q = 0; q < Q; q++) {
                    const size_t o = k * Q + q;
                    double y = c[o];
                    for (size_t d = 0; d < D; d++)
                        y += (double)w->attn[(b * H + k) * D + d] * w->h[b * D + d] * V[o * D + d];
                    for (size_t l = 0; l < L; l++)
                        y += (double)w->mask[b * np + l * Cp] * f.x[b * n_in + l * Cp] *
                             S[o * L + l];
                    assert_close(w->y[b * HQ + o], y, 1e-6, 1e-5);
                    assert_close(w->y[b * HQ + o], f.t.y[b * HQ + o], 1e-5, 1e-4);
                }
        teardown_fixture(&f);
    }
}

/* (b) With k at least the row's length nothing is dropped: outputs, penalty,
   gradients and input gradient are the soft network's, bit for bit. */
static void test_k_at_least_the_row_is_the_soft_network(void **state)
{
    (void)state;
    for (int masks = 0; masks < 4; masks++) {
        mc_net_shape soft = small_shape();
        soft.mask_kind = masks % 2 ? MC_NN_MASK_SOFTMAX : MC_NN_MASK_SIGMOID;
        soft.horizon_rank = masks >= 2 ? 2 : 0;
        soft.mask_topk = soft.anomaly_topk = 0;
        fixture f;
        setup_fixture(&f, &soft);
        const size_t HQ = mc_net_n_output(&soft), np = mc_net_n_past(&soft);
        const size_t D = soft.hidden;
        float *y0 = malloc(BATCH * HQ * sizeof(float)), *g0 = malloc(f.lay.total * sizeof(float));
        float *dx0 = malloc(BATCH * f.n_in * sizeof(float));
        assert_true(y0 && g0 && dx0);
        memcpy(y0, f.w.y, BATCH * HQ * sizeof(float));
        memcpy(g0, f.grads, f.lay.total * sizeof(float));
        memcpy(dx0, f.dx, BATCH * f.n_in * sizeof(float));
        const double penalty0 = mc_net_mask_penalty(&f.w, &soft, BATCH);
        const size_t ks[][2] = {{D, np}, {D + 3, np + 7}, {D, 0}, {0, np}};
        for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
            mc_net_shape hard = soft;
            hard.mask_topk = ks[i][0];
            hard.anomaly_topk = ks[i][1];
            mc_net_layout lay;
            assert_int_equal(mc_net_plan(&hard, BATCH, &lay, NULL), MC_OK);
            assert_memory_equal(&lay, &f.lay, sizeof lay); /* no tensors of its own */
            mc_net_work w;
            assert_int_equal(mc_net_work_alloc(&w, &hard, BATCH, NULL), MC_OK);
            mc_net_forward(&w, f.params, &lay, &hard, f.x, BATCH);
            mc_net_backward(&w, f.grads, f.dx, f.params, &lay, &hard, f.x, f.c, BATCH);
            assert_memory_equal(w.y, y0, BATCH * HQ * sizeof(float));
            assert_memory_equal(f.grads, g0, f.lay.total * sizeof(float));
            assert_memory_equal(f.dx, dx0, BATCH * f.n_in * sizeof(float));
            assert_true(mc_net_mask_penalty(&w, &hard, BATCH) == penalty0);
            if (hard.mask_topk > 0)
                assert_memory_equal(w.attn, w.attn_soft, BATCH * soft.horizon * D * sizeof(float));
            if (hard.anomaly_topk > 0)
                assert_memory_equal(w.mask, w.mask_soft, BATCH * np * sizeof(float));
            mc_net_work_free(&w);
        }
        free(y0);
        free(g0);
        free(dx0);
        teardown_fixture(&f);
    }
}

/* The soft masks' buffers exist only with a top-k, and the index scratch
   only with one that drops weights: a network without top-k needs the bytes
   it always did. */
static void test_workspace_only_with_top_k(void **state)
{
    (void)state;
    enum { CAP = 7 };
    mc_net_shape s = small_shape();
    s.mask_topk = s.anomaly_topk = 0;
    mc_net_work w;
    assert_int_equal(mc_net_work_alloc(&w, &s, CAP, NULL), MC_OK);
    const size_t base = w.bytes;
    assert_int_equal(w.topk_width, 0);
    mc_net_work_free(&w);
    const size_t HD = s.horizon * s.hidden, np = mc_net_n_past(&s);
    const struct { size_t mask, anomaly, width, extra; } cases[] = {
        {3, 0, 3, HD}, {0, 6, 6, np}, {3, 6, 6, HD + np}, {6, 10, 0, HD + np},
        {2, 99, 2, HD + np}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s.mask_topk = cases[i].mask;
        s.anomaly_topk = cases[i].anomaly;
        assert_int_equal(mc_net_work_alloc(&w, &s, CAP, NULL), MC_OK);
        assert_int_equal(w.topk_width, cases[i].width);
        assert_int_equal(w.bytes, base + CAP * cases[i].extra * sizeof(float) +
                                      MC_PARALLEL_MAX_PARTS * cases[i].width * sizeof(size_t));
        mc_net_work_free(&w);
    }
    /* A top-k of a switched-off mask is moot. */
    s.horizon_masks = s.anomaly_mask = false;
    s.mask_topk = 3;
    s.anomaly_topk = 6;
    assert_int_equal(mc_net_work_alloc(&w, &s, CAP, NULL), MC_OK);
    assert_int_equal(w.topk_width, 0);
    mc_net_work_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workspace_only_with_top_k),
        cmocka_unit_test(test_k_at_least_the_row_is_the_soft_network),
        cmocka_unit_test(test_forward_keeps_the_k_largest),
        cmocka_unit_test(test_check_is_sharp),
        cmocka_unit_test(test_estimator_is_the_surrogate_gradient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
