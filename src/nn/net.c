/*
 * The network as a composition of its blocks (nn/blocks.h): the forward
 * pass calls the forwards of the blocks the configuration has, in order; the
 * backward pass calls their backwards in reverse. batch.c runs these over a
 * batch or its slices.
 */
#include <string.h>

#include "nn/blocks.h"
#include "nn/net_internal.h"

static mc_block_pass pass_of(const mc_net_work *w, const mc_net_shape *s,
                             const mc_net_layout *lay, const float *params, float *grads,
                             size_t B, size_t batch)
{
    return (mc_block_pass){.s = s, .lay = lay, .params = params, .grads = grads,
                           .gemm = w->gemm, .parts = w->parts, .B = B, .batch = batch};
}

void mc_net_forward_rows(mc_net_work *w, const float *params, const mc_net_layout *lay,
                         const mc_net_shape *s, const float *x /* (B, n_in) */, size_t B)
{
    const mc_block_pass p = pass_of(w, s, lay, params, NULL, B, B);
    const float *in = x; /* what the feature mapping's second pass sees */
    if (s->anomaly_mask) {
        mc_feature_forward(w->h0, w->pre0, x, &p);
        mc_anomaly_forward(w->x_masked, w->mask, w->mask_soft, w->local, w->topk, w->h0, x, &p);
        in = w->x_masked;
    }
    mc_feature_forward(w->h, w->pre, in, &p);
    mc_horizon_forward(w->y, w->attn, w->attn_soft, w->emb_g, w->emb_pre, w->emb, w->topk, w->h,
                       &p);
    if (s->skip)
        mc_skip_forward(w->y, w->skip_in, x, s->anomaly_mask ? w->mask : NULL, &p);
    if (mc_net_n_terms(s) > 0)
        mc_future_terms_forward(w->y, w->terms, x, &p);
    if (s->temporal != MC_NN_TEMPORAL_NONE)
        mc_temporal_forward(w->y, &w->tattn, x, &p);
    if (s->blend)
        mc_blend_forward(w->y, w->y_net, mc_net_n_terms(s) > 0 ? w->terms : NULL, x, &p);
}

double mc_net_mask_penalty(const mc_net_work *w, const mc_net_shape *s, size_t B)
{
    return mc_anomaly_penalty(w->mask, w->mask_soft, s, B);
}

/* Whether a backward pass writes tensor t whole (a product with beta 0)
   rather than accumulating into it: horizon.W, most of the block (H D^2 of
   about (H + 1) D^2 values), so most of the zeroing is saved. */
static bool written_whole(const mc_net_shape *s, mc_tensor t)
{
    return t == MC_T_HORIZON_W && s->horizon_masks && s->horizon_rank == 0;
}

void mc_net_backward_rows(mc_net_work *w, float *grads, float *dx /* (B, n_in) or NULL */,
                          const float *params, const mc_net_layout *lay, const mc_net_shape *s,
                          const float *x /* (B, n_in) */, const float *dy /* (B, H*Q) */,
                          size_t B, size_t batch)
{
    const mc_block_pass p = pass_of(w, s, lay, params, grads, B, batch);
    for (int t = 0; t < MC_T_COUNT; t++)
        if (!written_whole(s, (mc_tensor)t))
            memset(grads + lay->offset[t], 0, mc_tensor_size(lay, (mc_tensor)t) * sizeof *grads);

    /* The blend came last: the network's blocks see its share of dy. */
    const float *dy_blend = dy;
    if (s->blend) {
        mc_blend_backward(w->dy_net, w->y_net, mc_net_n_terms(s) > 0 ? w->terms : NULL, x, dy, &p);
        dy = w->dy_net;
    }
    const float *dskip = NULL; /* (B, L) the gradient of the skip's m . P_target */
    if (s->skip) {
        mc_skip_backward(w->dskip, w->skip_in, dy, &p);
        dskip = w->dskip;
    }
    mc_horizon_backward(w->dh, w->dattn, w->demb, w->demb_g, w->row, w->attn, w->attn_soft,
                        w->emb_pre, w->emb, w->h, dy, &p);
    /* The second pass's input gradient is x~'s: the mask needs it, and so
       does dx. */
    const float *in = s->anomaly_mask ? w->x_masked : x;
    float *dxm = s->anomaly_mask || dx != NULL ? w->dx_masked : NULL;
    mc_feature_backward(dxm, w->dpre, w->dh, w->pre, in, &p);
    if (!s->anomaly_mask) { /* x~ = x: dx is x~'s gradient plus the skip's */
        if (dx != NULL) {
            const size_t n_in = mc_net_n_input(s), L = s->lookback, Cp = s->past_channels;
            memcpy(dx, w->dx_masked, B * n_in * sizeof *dx);
            for (size_t b = 0; dskip != NULL && b < B; b++)
                for (size_t l = 0; l < L; l++)
                    dx[b * n_in + l * Cp] += dskip[b * L + l];
        }
    } else {
        /* dh0 overwrites dh, which the second pass is done with. */
        mc_anomaly_backward(w->dh, w->dmask, w->mask, w->mask_soft, w->local, w->h0, x,
                            w->dx_masked, dskip, &p);
        mc_feature_backward(dx, w->dpre, w->dh, w->pre0, x, &p);
        if (dx != NULL)
            mc_anomaly_backward_input(dx, w->mask, w->local, w->dmask, w->dx_masked, dskip, &p);
    }
    /* Last, though their forwards came last too: their input gradients add
       to what the blocks above wrote. */
    if (mc_net_n_terms(s) > 0)
        mc_future_terms_backward(dx, w->terms, x, dy, &p);
    if (s->temporal != MC_NN_TEMPORAL_NONE)
        mc_temporal_backward(dx, &w->tattn, dy, &p);
    if (s->blend && dx != NULL)
        mc_blend_backward_input(dx, dy_blend, x, &p);
}
