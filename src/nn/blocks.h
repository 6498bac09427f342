/*
 * The network's blocks, each a forward/backward pair in a file of its own;
 * net.c composes them. A block reads its own tensors from the parameter
 * block (its rows of the tensor table, nn/tensors.h) and takes the
 * activations that flow between blocks as arguments, with their shapes.
 *
 * Conventions: B samples per pass; forward passes write their outputs;
 * backward passes accumulate (+=) into the parameter gradients and write the
 * gradients of their inputs (overwrite), except where a comment says
 * otherwise. Buffers marked "scratch" hold a backward pass's intermediate
 * values and may be read by a later call of the same block.
 */
#ifndef MC_NN_BLOCKS_H
#define MC_NN_BLOCKS_H

#include <stddef.h>

#include "nn/gemm.h"
#include "nn/shape.h"
#include "nn/temporal_attention.h"
#include "nn/tensors.h"

/* What every block's pass reads besides its activations. */
typedef struct mc_block_pass {
    const mc_net_shape *s;
    const mc_net_layout *lay;
    const float *params; /* (lay->total) */
    float *grads;        /* (lay->total), backward passes only */
    mc_gemm_fn gemm;
    size_t parts;        /* element-wise passes split in this many parts; 0: by size */
    size_t B;            /* samples in this pass */
    size_t batch;        /* samples in the whole batch this pass is a slice of */
} mc_block_pass;

/* Tensor t of the parameters, and of the gradients. */
static inline const float *mc_block_param(const mc_block_pass *p, mc_tensor t)
{
    return p->params + p->lay->offset[t];
}

static inline float *mc_block_grad(const mc_block_pass *p, mc_tensor t)
{
    return p->grads + p->lay->offset[t];
}

/* Where step k's future channels F_k start in one sample's input row. */
static inline size_t mc_block_future_at(const mc_net_shape *s, size_t k)
{
    return mc_net_n_past(s) + s->lookback + k * s->future_channels;
}

/* ---- feature mapping (feature.c): h = phi(in W_e + b_e) -------------------- */

/* Run on x, and with the anomaly mask a second time on x~ (sharing W_e, b_e). */
void mc_feature_forward(float *h /* (B, D) */, float *pre /* (B, D) */,
                        const float *in /* (B, n_in) */, const mc_block_pass *p);

/* dpre = dh . phi'(pre); db_e, dW_e; din = dpre W_e^T unless din is NULL. */
void mc_feature_backward(float *din /* (B, n_in) or NULL */, float *dpre /* (B, D) scratch */,
                         const float *dh /* (B, D) */, const float *pre /* (B, D) */,
                         const float *in /* (B, n_in) */, const mc_block_pass *p);

/* ---- anomaly mask (anomaly.c) -------------------------------------------------
   m = sigmoid(h0 W_m + b_m [+ u_c d^2]),  x~ = [m . P ; O ; F]; with
   anomaly_topk, m keeps each window's k largest weights (the soft m kept in
   mask_soft). `topk` holds min(k, L*Cp) indices per part when k < L*Cp. */

void mc_anomaly_forward(float *x_masked /* (B, n_in) x~ */, float *mask /* (B, L*Cp) m */,
                        float *mask_soft /* (B, L*Cp) with anomaly_topk */,
                        float *local /* (B, L*Cp) d, with local evidence */,
                        size_t *topk /* (MC_PARALLEL_MAX_PARTS, k) scratch */,
                        const float *h0 /* (B, D) */, const float *x /* (B, n_in) */,
                        const mc_block_pass *p);

/* The closing penalty, mask_penalty * mean(1 - m) over B samples, on the
   soft m. */
double mc_anomaly_penalty(const float *mask /* (B, L*Cp) */,
                          const float *mask_soft /* (B, L*Cp) with anomaly_topk */,
                          const mc_net_shape *s, size_t B);

/* From the gradients of x~ and of the skip's input m . P_target (NULL
   without the skip), with the closing penalty's (a mean over p->batch
   samples): the mask's pre-activation gradient into dmask (straight through
   a top-k), dW_m, db_m, du, and dh0 = dmask W_m^T. */
void mc_anomaly_backward(float *dh0 /* (B, D) */, float *dmask /* (B, L*Cp) scratch */,
                         const float *mask /* (B, L*Cp) */,
                         const float *mask_soft /* (B, L*Cp) with anomaly_topk */,
                         const float *local /* (B, L*Cp) */,
                         const float *h0 /* (B, D) */, const float *x /* (B, n_in) */,
                         const float *dx_masked /* (B, n_in) */,
                         const float *dskip /* (B, L) or NULL */, const mc_block_pass *p);

/* dx += what reaches x through x~, the skip's m . P_target and the local
   evidence; after mc_anomaly_backward and the first feature pass's din. */
void mc_anomaly_backward_input(float *dx /* (B, n_in) += */, const float *mask /* (B, L*Cp) */,
                               const float *local /* (B, L*Cp) */,
                               const float *dmask /* (B, L*Cp) */,
                               const float *dx_masked /* (B, n_in) */,
                               const float *dskip /* (B, L) or NULL */, const mc_block_pass *p);

/* ---- horizon masks and heads (horizon.c) --------------------------------------
   a_k = sigmoid(h W_a,k + b_a,k) (or D softmax; or W_a,k's product from the
   horizon embeddings, phi(h U + e_k) W2), y_kq = (a_k . h) . V_kq + c_kq;
   without masks y = h V^T + c. The masks and heads are one block: each
   (sample, horizon) row is masked and read by its heads while in cache.
   With mask_topk, each a_k keeps its k largest weights (the soft a kept in
   attn_soft); `topk` holds min(k, D) indices per part when k < D. */

void mc_horizon_forward(float *y /* (B, H*Q) */, float *attn /* (B, H*D) a */,
                        float *attn_soft /* (B, H*D) with mask_topk */,
                        float *emb_g /* (B, r) h U */, float *emb_pre /* (B*H, r) h U + e_k */,
                        float *emb /* (B*H, r) phi(h U + e_k) */,
                        size_t *topk /* (MC_PARALLEL_MAX_PARTS, k) scratch */,
                        const float *h /* (B, D) */, const mc_block_pass *p);

/* dc, dV and the masks' gradients from dy (straight through a top-k), and dh. */
void mc_horizon_backward(float *dh /* (B, D) */, float *dattn /* (B, H*D) scratch */,
                         float *demb /* (B*H, r) scratch */, float *demb_g /* (B, r) scratch */,
                         float *row /* (MC_PARALLEL_MAX_PARTS, D) scratch */,
                         const float *attn /* (B, H*D) */,
                         const float *attn_soft /* (B, H*D) with mask_topk */,
                         const float *emb_pre /* (B*H, r) */, const float *emb /* (B*H, r) */,
                         const float *h /* (B, D) */, const float *dy /* (B, H*Q) */,
                         const mc_block_pass *p);

/* ---- skip (skip.c): y += (m . P_target) S^T ----------------------------------- */

/* m = 1 when mask is NULL (no anomaly mask). */
void mc_skip_forward(float *y /* (B, H*Q) += */, float *skip_in /* (B, L) m . P_target */,
                     const float *x /* (B, n_in) */, const float *mask /* (B, L*Cp) or NULL */,
                     const mc_block_pass *p);

/* dS, and the gradient of the skip's input. */
void mc_skip_backward(float *dskip /* (B, L) */, const float *skip_in /* (B, L) */,
                      const float *dy /* (B, H*Q) */, const mc_block_pass *p);

/* ---- the skip's known-future term (future_terms.c) -------------------------------
   y_kq += G_kq . phi(F_k): each step's own future channels (calendar, then
   covariates) through the fixed basis of nn/future_basis.h, weighed
   linearly. It reads x as given: its inputs are known, never masked. */

/* terms (B, H*P) keeps each step's basis for the backward pass. */
void mc_future_terms_forward(float *y /* (B, H*Q) += */, float *terms /* (B, H*P) */,
                             const float *x /* (B, n_in) */, const mc_block_pass *p);

/* dG; dx += the gradient through the basis unless dx is NULL. */
void mc_future_terms_backward(float *dx /* (B, n_in) += or NULL */,
                              const float *terms /* (B, H*P) */, const float *x /* (B, n_in) */,
                              const float *dy /* (B, H*Q) */, const mc_block_pass *p);

/* ---- the blend (blend.c) ------------------------------------------------------------
   y_k = w_k y_k + (1 - w_k) (S_k . P_target + G_k . phi(F_k) + c_k): the
   network's output (all blocks above) blended with a linear forecaster's
   on the unmasked load lags and the future term's basis (Q = 1). Last in
   the forward pass, first in the backward. */

/* y_net keeps the network's own outputs for the backward pass; terms is the
   future term's basis (NULL without one). */
void mc_blend_forward(float *y /* (B, H) in: the network's, out: the blend */,
                      float *y_net /* (B, H) */, const float *terms /* (B, H*P) or NULL */,
                      const float *x /* (B, n_in) */, const mc_block_pass *p);

/* dS_l, dG_l, dc_l, dw, and dy_net = w . dy, the gradient the network's
   blocks see. */
void mc_blend_backward(float *dy_net /* (B, H) */, const float *y_net /* (B, H) */,
                       const float *terms /* (B, H*P) or NULL */, const float *x /* (B, n_in) */,
                       const float *dy /* (B, H) */, const mc_block_pass *p);

/* dx += the linear forecaster's input gradients (lags, and the basis's
   channels through nn/future_basis.h). */
void mc_blend_backward_input(float *dx /* (B, n_in) */, const float *dy /* (B, H) */,
                             const float *x /* (B, n_in) */, const mc_block_pass *p);

/* ---- temporal attention (temporal.c) -------------------------------------------
   y_kq += ctx_k . C_kq, ctx_k = sum_l a_kl val_l: for each step k a query
   from its known-future inputs attends over the L past steps of x (the
   kernel of nn/temporal_attention.h, over rows of the tensor table). It
   reads x as given, not x~: the anomaly mask gates the feature mapping and
   the skip, and attention weighs the past steps by itself. */

/* The kernel's shape for the network's (temporal attention switched on). */
mc_tattn_shape mc_temporal_shape(const mc_net_shape *s);

/* y += the attention term; fills the kernel's forward cache, tw->alpha (B, H, L)
   the attention weights. tw: the kernel's buffers for these B samples. */
void mc_temporal_forward(float *y /* (B, H*Q) += */, mc_tattn_work *tw,
                         const float *x /* (B, n_in) */, const mc_block_pass *p);

/* After mc_temporal_forward on the same samples: the temporal tensors'
   gradients (+=) from dy and, when dx is not NULL, dx += what reaches x
   through the attention. Overwrites tw's backward scratch. */
void mc_temporal_backward(float *dx /* (B, n_in) += or NULL */, mc_tattn_work *tw,
                          const float *dy /* (B, H*Q) */, const mc_block_pass *p);

#endif /* MC_NN_BLOCKS_H */
