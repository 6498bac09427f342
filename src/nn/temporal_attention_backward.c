/* Temporal attention's backward pass (the forward pass and the tables are
   in temporal_attention.c). */
#include "nn/temporal_attention.h"

#include <math.h>
#include <string.h>

#include "nn/temporal_attention_internal.h"

/* Through the window of sample b: dA (H, L) holds dL/da on entry and
   dL/dsoft on return; the centre's gradient goes to wp, bp and dq. */
static void window_backward(mc_tattn_work *w, float *dA, mc_tattn_grads *g,
                            const mc_tattn_params *p, const mc_tattn_shape *s, size_t b)
{
    const size_t L = s->lookback, H = s->horizon, d = s->dim;
    const float coef = mc_tattn_window_coef(s), span = (float)(L - 1), *wp = p->t[MC_TATTN_WP];
    float *dwp = g->t[MC_TATTN_WP];
    for (size_t k = 0; k < H; k++) {
        const float u = w->centre[b * H + k], ck = span * u;
        const float *a = w->alpha + (b * H + k) * L;
        float *da = dA + k * L, dc = 0.0f;
        for (size_t l = 0; l < L; l++) {
            const float dl = (float)l - ck;
            dc += da[l] * a[l] * dl; /* d a_kl / d c_k = a_kl (l - c_k) / sigma^2 */
            da[l] *= expf(-dl * dl * coef);
        }
        const float dz = dc * 2.0f * coef * span * u * (1.0f - u);
        const float *q = w->q + (b * H + k) * d;
        float *dq = w->dq + (b * H + k) * d;
        g->t[MC_TATTN_BP][0] += dz;
        for (size_t j = 0; j < d; j++) {
            dwp[j] += dz * q[j];
            dq[j] += dz * wp[j];
        }
    }
}

/* dS = a . (dA - sum_l a dA), in place, for rows of the softmax output a. */
static void softmax_backward_rows(float *dS, const float *a, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = dS + r * n, dot = 0.0f;
        const float *ar = a + r * n;
        for (size_t i = 0; i < n; i++)
            dot += ar[i] * row[i];
        for (size_t i = 0; i < n; i++)
            row[i] = ar[i] * (row[i] - dot);
    }
}

/* The cosine's gradient for sample b, apart from its q . key part: dg, and
   the norms' terms into dq and dkey. Leaves dS scaled to dL/d(q . key). */
static void cosine_backward(mc_tattn_work *w, float *dS, mc_tattn_grads *g,
                            const mc_tattn_params *p, const mc_tattn_shape *s, size_t b)
{
    const size_t L = s->lookback, H = s->horizon, d = s->dim;
    const float gt = p->t[MC_TATTN_G][0];
    const float *qn = w->qnorm + b * H, *kn = w->knorm + b * L, *r = w->cosine + b * H * L;
    const float *q = w->q + b * H * d, *key = w->key + b * L * d;
    float *dq = w->dq + b * H * d, *dkey = w->dkey + b * L * d, dg = 0.0f;
    /* d s / d|q_k| = -g r n_k / den, and |q|'s gradient is q / |q| (none at 0). */
    for (size_t k = 0; k < H; k++) {
        float acc = 0.0f;
        for (size_t l = 0; l < L; l++) {
            const float e = dS[k * L + l], den = qn[k] * kn[l] + MC_TATTN_COSINE_EPS;
            dg += e * r[k * L + l];
            acc += e * r[k * L + l] * kn[l] / den;
        }
        for (size_t j = 0; qn[k] > 0.0f && j < d; j++)
            dq[k * d + j] -= gt * acc * q[k * d + j] / qn[k];
    }
    for (size_t l = 0; l < L; l++) {
        float acc = 0.0f;
        for (size_t k = 0; k < H; k++)
            acc += dS[k * L + l] * r[k * L + l] * qn[k] / (qn[k] * kn[l] + MC_TATTN_COSINE_EPS);
        for (size_t j = 0; kn[l] > 0.0f && j < d; j++)
            dkey[l * d + j] -= gt * acc * key[l * d + j] / kn[l];
    }
    for (size_t k = 0; k < H; k++)
        for (size_t l = 0; l < L; l++)
            dS[k * L + l] *= gt / (qn[k] * kn[l] + MC_TATTN_COSINE_EPS);
    g->t[MC_TATTN_G][0] += dg;
}

/* v . tanh(q_k + key_l), backwards for sample b, recomputing the tanh
   (caching it would cost H L d floats a sample). */
static void mlp_backward(mc_tattn_work *w, const float *dS, mc_tattn_grads *g,
                         const mc_tattn_params *p, const mc_tattn_shape *s, size_t b)
{
    const size_t L = s->lookback, H = s->horizon, d = s->dim;
    const float *v = p->t[MC_TATTN_V];
    float *dv = g->t[MC_TATTN_V];
    for (size_t k = 0; k < H; k++)
        for (size_t l = 0; l < L; l++) {
            const float e = dS[k * L + l];
            const float *qk = w->q + (b * H + k) * d, *kl = w->key + (b * L + l) * d;
            float *dqk = w->dq + (b * H + k) * d, *dkl = w->dkey + (b * L + l) * d;
            for (size_t j = 0; j < d; j++) {
                const float t = tanhf(qk[j] + kl[j]), dt = e * v[j] * (1.0f - t * t);
                dv[j] += e * t;
                dqk[j] += dt;
                dkl[j] += dt;
            }
        }
}

/* From dctx of sample b to dval, dq, dkey and the score's own tensors. */
static void sample_backward(mc_tattn_work *w, mc_tattn_grads *g, const mc_tattn_params *p,
                            const mc_tattn_shape *s, size_t b)
{
    const size_t L = s->lookback, H = s->horizon, d = s->dim, HL = H * L;
    const float *a = w->alpha + b * HL, *dctx = w->dctx + b * H * d, *val = w->val + b * L * d;
    const float *q = w->q + b * H * d, *key = w->key + b * L * d;
    float *dS = w->dscore + b * HL, *dq = w->dq + b * H * d, *dkey = w->dkey + b * L * d;
    w->gemm(false, true, H, L, d, 1.0f, dctx, d, val, d, 0.0f, dS, L);
    w->gemm(true, false, L, d, H, 1.0f, a, L, dctx, d, 0.0f, w->dval + b * L * d, d);
    if (s->local)
        window_backward(w, dS, g, p, s, b);
    softmax_backward_rows(dS, s->local ? w->soft + b * HL : a, H, L);
    if (s->score == MC_TATTN_MLP) {
        mlp_backward(w, dS, g, p, s, b);
        return;
    }
    if (s->score == MC_TATTN_COSINE)
        cosine_backward(w, dS, g, p, s, b);
    const float scale = mc_tattn_dot_scale(s);
    w->gemm(false, false, H, d, L, scale, dS, L, key, d, 1.0f, dq, d);
    w->gemm(true, false, L, d, H, scale, dS, L, q, d, 1.0f, dkey, d);
}

/* dx += the gradients of the gathered rows, back to their places in x. */
static void scatter(float *dx, const mc_tattn_work *w, const mc_tattn_shape *s, size_t B)
{
    const size_t L = s->lookback, H = s->horizon, Cp = s->past_channels, Cf = s->future_channels;
    const size_t n_in = mc_tattn_n_input(s), c = Cp + 1;
    for (size_t b = 0; b < B; b++) {
        float *db = dx + b * n_in;
        for (size_t l = 0; l < L; l++) {
            const float *row = w->dkin + (b * L + l) * c;
            for (size_t i = 0; i < Cp; i++)
                db[l * Cp + i] += row[i];
            db[L * Cp + l] += row[Cp];
        }
        for (size_t i = 0; i < H * Cf; i++)
            db[L * Cp + L + i] += w->dfin[b * H * Cf + i];
    }
}

/* de (n, d) += the sum over samples of rows (B*n, d). */
static void sum_rows(float *de, const float *rows, size_t B, size_t n, size_t d)
{
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < n * d; i++)
            de[i] += rows[b * n * d + i];
}

void mc_tattn_backward(mc_tattn_grads *g, float *dx, mc_tattn_work *w, const float *dy,
                       const mc_tattn_params *p, const mc_tattn_shape *s, size_t B)
{
    const size_t L = s->lookback, H = s->horizon, Cf = s->future_channels, d = s->dim;
    const size_t c = s->past_channels + 1, Q = s->quantiles, HQ = H * Q;
    if (B == 0)
        return;
    const float *C = p->t[MC_TATTN_C];
    for (size_t k = 0; k < H; k++) {
        w->gemm(true, false, Q, d, B, 1.0f, dy + k * Q, HQ, w->ctx + k * d, H * d, 1.0f,
                g->t[MC_TATTN_C] + k * Q * d, d);
        w->gemm(false, false, B, d, Q, 1.0f, dy + k * Q, HQ, C + k * Q * d, d, 0.0f,
                w->dctx + k * d, H * d);
    }
    memset(w->dq, 0, B * H * d * sizeof *w->dq);
    memset(w->dkey, 0, B * L * d * sizeof *w->dkey);
    for (size_t b = 0; b < B; b++)
        sample_backward(w, g, p, s, b);

    sum_rows(g->t[MC_TATTN_E], w->dq, B, H, d);
    sum_rows(g->t[MC_TATTN_POS], w->dkey, B, L, d);
    if (Cf > 0)
        w->gemm(true, false, Cf, d, B * H, 1.0f, w->fin, Cf, w->dq, d, 1.0f, g->t[MC_TATTN_WQ], d);
    w->gemm(true, false, c, d, B * L, 1.0f, w->kin, c, w->dkey, d, 1.0f, g->t[MC_TATTN_WK], d);
    w->gemm(true, false, c, d, B * L, 1.0f, w->kin, c, w->dval, d, 1.0f, g->t[MC_TATTN_WV], d);
    if (dx == NULL)
        return;
    w->gemm(false, true, B * L, c, d, 1.0f, w->dkey, d, p->t[MC_TATTN_WK], d, 0.0f, w->dkin, c);
    w->gemm(false, true, B * L, c, d, 1.0f, w->dval, d, p->t[MC_TATTN_WV], d, 1.0f, w->dkin, c);
    if (Cf > 0)
        w->gemm(false, true, B * H, Cf, d, 1.0f, w->dq, d, p->t[MC_TATTN_WQ], d, 0.0f, w->dfin,
                Cf);
    scatter(dx, w, s, B);
}
