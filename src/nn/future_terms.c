/* The skip's known-future term: y_kq += G_kq . phi(F_k), phi the fixed basis
   of nn/future_basis.h at step k's future channels. Its weights are what the
   closed-form linear forecaster fits beside the skip's S
   (train/linear_fit.c); the network trains them with the rest. */
#include <string.h>

#include "nn/blocks.h"
#include "nn/future_basis.h"

void mc_future_terms_forward(float *y, float *terms, const float *x, const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t B = p->B, H = s->horizon, Q = s->quantiles, P = mc_net_n_terms(s);
    const size_t n_in = mc_net_n_input(s), HQ = mc_net_n_output(s);
    const float *G = mc_block_param(p, MC_T_SKIP_G);
    for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < H; k++) {
            float *phi = terms + (b * H + k) * P;
            mc_future_basis(phi, x + b * n_in + mc_block_future_at(s, k), s->future_channels,
                            s->calendar);
            for (size_t q = 0; q < Q; q++) {
                const float *g = G + (k * Q + q) * P;
                float acc = 0.0f;
                for (size_t j = 0; j < P; j++)
                    acc += g[j] * phi[j];
                y[b * HQ + k * Q + q] += acc;
            }
        }
}

void mc_future_terms_backward(float *dx, const float *terms, const float *x, const float *dy,
                              const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t B = p->B, H = s->horizon, Q = s->quantiles, P = mc_net_n_terms(s);
    const size_t n_in = mc_net_n_input(s), HQ = mc_net_n_output(s);
    const float *G = mc_block_param(p, MC_T_SKIP_G);
    float *dG = mc_block_grad(p, MC_T_SKIP_G);
    float g[MC_NET_MAX_TERMS];
    for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < H; k++) {
            const float *phi = terms + (b * H + k) * P;
            if (dx != NULL)
                memset(g, 0, P * sizeof *g);
            for (size_t q = 0; q < Q; q++) {
                const float d = dy[b * HQ + k * Q + q];
                float *dg = dG + (k * Q + q) * P;
                for (size_t j = 0; j < P; j++)
                    dg[j] += d * phi[j];
                if (dx != NULL)
                    for (size_t j = 0; j < P; j++)
                        g[j] += d * G[(k * Q + q) * P + j];
            }
            if (dx != NULL) {
                const size_t f = b * n_in + mc_block_future_at(s, k);
                mc_future_basis_backward(dx + f, x + f, g, s->future_channels, s->calendar);
            }
        }
}
