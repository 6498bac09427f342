/* The feature mapping, h = phi(in W_e + b_e). */
#include "nn/activation.h"
#include "nn/blocks.h"

void mc_feature_forward(float *h /* (B, D) */, float *pre /* (B, D) */,
                        const float *in /* (B, n_in) */, const mc_block_pass *p)
{
    const size_t B = p->B, D = p->s->hidden, n_in = mc_net_n_input(p->s);
    const float *We = mc_block_param(p, MC_T_FEATURE_W); /* (n_in, D) */
    const float *be = mc_block_param(p, MC_T_FEATURE_B); /* (D) */
    p->gemm(false, false, B, D, n_in, 1.0f, in, n_in, We, D, 0.0f, pre, D);
    mc_add_bias(pre, be, B, D);
    mc_activation_forward(h, pre, B * D, p->s->activation);
}

void mc_feature_backward(float *din /* (B, n_in) or NULL */, float *dpre /* (B, D) */,
                         const float *dh /* (B, D) */, const float *pre /* (B, D) */,
                         const float *in /* (B, n_in) */, const mc_block_pass *p)
{
    const size_t B = p->B, D = p->s->hidden, n_in = mc_net_n_input(p->s);
    const float *We = mc_block_param(p, MC_T_FEATURE_W); /* (n_in, D) */
    float *dWe = mc_block_grad(p, MC_T_FEATURE_W);       /* (n_in, D) */
    float *dbe = mc_block_grad(p, MC_T_FEATURE_B);       /* (D) */
    mc_activation_backward(dpre, dh, pre, B * D, p->s->activation);
    mc_bias_backward(dbe, dpre, B, D);
    p->gemm(true, false, n_in, D, B, 1.0f, in, n_in, dpre, D, 1.0f, dWe, D);
    if (din != NULL)
        p->gemm(false, true, B, n_in, D, 1.0f, dpre, D, We, D, 0.0f, din, n_in);
}
