/* Temporal attention as a block of the network: the kernel of
   nn/temporal_attention.h over the rows of the network's tensor table and
   the buffers of its workspace. */
#include "nn/blocks.h"

/* The table's temporal rows are the kernel's tensors, in the kernel's order. */
_Static_assert(MC_T_TEMPORAL_BP - MC_T_TEMPORAL_WQ + 1 == MC_TATTN_T_COUNT,
               "one row per kernel tensor");
_Static_assert(MC_T_TEMPORAL_WQ + MC_TATTN_WQ == MC_T_TEMPORAL_WQ &&
                   MC_T_TEMPORAL_WQ + MC_TATTN_E == MC_T_TEMPORAL_E &&
                   MC_T_TEMPORAL_WQ + MC_TATTN_WK == MC_T_TEMPORAL_WK &&
                   MC_T_TEMPORAL_WQ + MC_TATTN_POS == MC_T_TEMPORAL_P &&
                   MC_T_TEMPORAL_WQ + MC_TATTN_WV == MC_T_TEMPORAL_WV &&
                   MC_T_TEMPORAL_WQ + MC_TATTN_C == MC_T_TEMPORAL_C &&
                   MC_T_TEMPORAL_WQ + MC_TATTN_V == MC_T_TEMPORAL_V &&
                   MC_T_TEMPORAL_WQ + MC_TATTN_G == MC_T_TEMPORAL_G &&
                   MC_T_TEMPORAL_WQ + MC_TATTN_WP == MC_T_TEMPORAL_WP &&
                   MC_T_TEMPORAL_WQ + MC_TATTN_BP == MC_T_TEMPORAL_BP,
               "the kernel's tensor order");

mc_tattn_shape mc_temporal_shape(const mc_net_shape *s)
{
    return (mc_tattn_shape){.lookback = s->lookback, .horizon = s->horizon,
                            .past_channels = s->past_channels,
                            .future_channels = s->future_channels, .quantiles = s->quantiles,
                            .dim = s->temporal_dim, .score = (mc_tattn_score)s->temporal_score,
                            .local = s->temporal == MC_NN_TEMPORAL_LOCAL,
                            .width = (float)s->temporal_width};
}

/* Tensor i of the kernel is row MC_T_TEMPORAL_WQ + i of the table; NULL
   where the configuration has none. */
static const float *param(const mc_block_pass *p, int i)
{
    const mc_tensor t = (mc_tensor)(MC_T_TEMPORAL_WQ + i);
    return mc_tensor_size(p->lay, t) > 0 ? mc_block_param(p, t) : NULL;
}

static mc_tattn_params params_of(const mc_block_pass *p)
{
    mc_tattn_params tp;
    for (int i = 0; i < MC_TATTN_T_COUNT; i++)
        tp.t[i] = param(p, i);
    return tp;
}

static mc_tattn_grads grads_of(const mc_block_pass *p)
{
    mc_tattn_grads g;
    for (int i = 0; i < MC_TATTN_T_COUNT; i++) {
        const mc_tensor t = (mc_tensor)(MC_T_TEMPORAL_WQ + i);
        g.t[i] = mc_tensor_size(p->lay, t) > 0 ? mc_block_grad(p, t) : NULL;
    }
    return g;
}

void mc_temporal_forward(float *y, mc_tattn_work *tw, const float *x, const mc_block_pass *p)
{
    const mc_tattn_shape ts = mc_temporal_shape(p->s);
    const mc_tattn_params tp = params_of(p);
    tw->gemm = p->gemm;
    tw->capacity = p->B;
    mc_tattn_forward(y, tw, x, &tp, &ts, p->B);
}

void mc_temporal_backward(float *dx, mc_tattn_work *tw, const float *dy, const mc_block_pass *p)
{
    const mc_tattn_shape ts = mc_temporal_shape(p->s);
    const mc_tattn_params tp = params_of(p);
    mc_tattn_grads g = grads_of(p);
    tw->gemm = p->gemm;
    tw->capacity = p->B;
    mc_tattn_backward(&g, dx, tw, dy, &tp, &ts, p->B);
}
