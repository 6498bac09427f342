/* The skip: a linear map of the masked target lags into every head,
   y += (m . P_target) S^T (m = 1 without the anomaly mask). */
#include "nn/blocks.h"

void mc_skip_forward(float *y /* (B, H*Q) */, float *skip_in /* (B, L) */,
                     const float *x /* (B, n_in) */, const float *mask /* (B, L*Cp) or NULL */,
                     const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t B = p->B, L = s->lookback, Cp = s->past_channels, np = mc_net_n_past(s);
    const size_t n_in = mc_net_n_input(s), HQ = mc_net_n_output(s);
    for (size_t b = 0; b < B; b++)
        for (size_t l = 0; l < L; l++) {
            const float m = mask != NULL ? mask[b * np + l * Cp] : 1.0f;
            skip_in[b * L + l] = m * x[b * n_in + l * Cp];
        }
    p->gemm(false, true, B, HQ, L, 1.0f, skip_in, L, mc_block_param(p, MC_T_SKIP_S), L, 1.0f, y,
            HQ);
}

void mc_skip_backward(float *dskip /* (B, L) */, const float *skip_in /* (B, L) */,
                      const float *dy /* (B, H*Q) */, const mc_block_pass *p)
{
    const size_t B = p->B, L = p->s->lookback, HQ = mc_net_n_output(p->s);
    p->gemm(true, false, HQ, L, B, 1.0f, dy, HQ, skip_in, L, 1.0f, mc_block_grad(p, MC_T_SKIP_S), L);
    p->gemm(false, false, B, L, HQ, 1.0f, dy, HQ, mc_block_param(p, MC_T_SKIP_S), L, 0.0f, dskip, L);
}
