/* The blend of the network's forecast with a linear forecaster's, one weight
   per horizon step: what training keeps when the mixture, with the
   network's weight below 1, beats the linear forecaster clearly on the
   validation tail (train/trainer.c). The linear part is the closed-form fit
   of train/linear_fit.c, its lag weights taken on the unmasked lags (the
   fit's constant mask folded in). */
#include <string.h>

#include "nn/blocks.h"
#include "nn/future_basis.h"

/* Step k's linear forecast for sample row x (terms: its basis rows). */
static float linear_at(const mc_block_pass *p, const float *x, const float *terms, size_t k)
{
    const mc_net_shape *s = p->s;
    const size_t L = s->lookback, Cp = s->past_channels, P = mc_net_n_terms(s);
    const float *S = mc_block_param(p, MC_T_LINEAR_S) + k * L;
    float acc = mc_block_param(p, MC_T_LINEAR_C)[k];
    for (size_t l = 0; l < L; l++)
        acc += S[l] * x[l * Cp];
    if (P > 0) {
        const float *G = mc_block_param(p, MC_T_LINEAR_G) + k * P;
        for (size_t j = 0; j < P; j++)
            acc += G[j] * terms[k * P + j];
    }
    return acc;
}

void mc_blend_forward(float *y, float *y_net, const float *terms, const float *x,
                      const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t B = p->B, H = s->horizon, n_in = mc_net_n_input(s), P = mc_net_n_terms(s);
    const float *w = mc_block_param(p, MC_T_BLEND_W);
    memcpy(y_net, y, B * H * sizeof *y);
    for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < H; k++) {
            const float lin = linear_at(p, x + b * n_in, terms ? terms + b * H * P : NULL, k);
            y[b * H + k] = w[k] * y_net[b * H + k] + (1.0f - w[k]) * lin;
        }
}

void mc_blend_backward(float *dy_net, const float *y_net, const float *terms, const float *x,
                       const float *dy, const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t B = p->B, H = s->horizon, L = s->lookback, Cp = s->past_channels;
    const size_t n_in = mc_net_n_input(s), P = mc_net_n_terms(s);
    const float *w = mc_block_param(p, MC_T_BLEND_W);
    float *dS = mc_block_grad(p, MC_T_LINEAR_S), *dc = mc_block_grad(p, MC_T_LINEAR_C);
    float *dG = P > 0 ? mc_block_grad(p, MC_T_LINEAR_G) : NULL;
    float *dw = mc_block_grad(p, MC_T_BLEND_W);
    for (size_t b = 0; b < B; b++) {
        const float *xb = x + b * n_in;
        const float *tb = terms ? terms + b * H * P : NULL;
        for (size_t k = 0; k < H; k++) {
            const float d = dy[b * H + k], lin = linear_at(p, xb, tb, k);
            dy_net[b * H + k] = w[k] * d;
            dw[k] += d * (y_net[b * H + k] - lin);
            const float dl = (1.0f - w[k]) * d;
            dc[k] += dl;
            for (size_t l = 0; l < L; l++)
                dS[k * L + l] += dl * xb[l * Cp];
            for (size_t j = 0; j < P; j++)
                dG[k * P + j] += dl * tb[k * P + j];
        }
    }
}

void mc_blend_backward_input(float *dx, const float *dy, const float *x, const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t B = p->B, H = s->horizon, L = s->lookback, Cp = s->past_channels;
    const size_t n_in = mc_net_n_input(s), P = mc_net_n_terms(s), Cf = s->future_channels;
    const float *w = mc_block_param(p, MC_T_BLEND_W), *S = mc_block_param(p, MC_T_LINEAR_S);
    const float *G = P > 0 ? mc_block_param(p, MC_T_LINEAR_G) : NULL;
    float g[MC_NET_MAX_TERMS];
    for (size_t b = 0; b < B; b++) {
        float *dxb = dx + b * n_in;
        const float *xb = x + b * n_in;
        for (size_t k = 0; k < H; k++) {
            const float dl = (1.0f - w[k]) * dy[b * H + k];
            for (size_t l = 0; l < L; l++)
                dxb[l * Cp] += dl * S[k * L + l];
            if (P == 0)
                continue;
            for (size_t j = 0; j < P; j++)
                g[j] = dl * G[k * P + j];
            const size_t f = mc_block_future_at(s, k);
            mc_future_basis_backward(dxb + f, xb + f, g, Cf, s->calendar);
        }
    }
}
