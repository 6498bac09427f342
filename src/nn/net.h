/*
 * The forecasting network of DESIGN.md §4, batched: hand-written forward and
 * backward passes over a preallocated workspace, composed of blocks.
 *
 *   x   = [vec(P) ; O ; vec(F)]                         (n_in)
 *   h0  = phi(x W_e + b_e)                              (D)
 *   m   = sigmoid(h0 W_m + b_m [+ u_c d_l^2])           (L*Cp) anomaly mask
 *   x~  = [m . vec(P) ; O ; vec(F)]
 *   h   = phi(x~ W_e + b_e)                             (D)
 *   a   = sigmoid(h W_a + b_a)                          (H x D) per-horizon masks
 *   z_k = a_k . h
 *   y_kq = z_k . V_kq + c_kq + (m . P_target) . S_kq    (H x Q)
 *
 * With mask_local, each past value's mask also sees its own local evidence:
 * d_l, the value minus the mean of its two neighbours in the same channel
 * (the one neighbour at the ends), squared and weighted by a learned u per
 * channel (starting at 0, where the mask is DESIGN.md's). The global term
 * alone cannot tell which position of the window is anomalous (docs/MODEL.md).
 *
 * With horizon_rank r > 0 the masks come from learned horizon embeddings
 * instead of W_a's H*D^2 weights (DESIGN.md §4, docs/MODEL.md):
 *
 *   a_k = sigmoid(phi(h U + e_k) W2 + b_a,k)    U (D x r), e_k (r), W2 (r x D)
 *
 * so the mask parameters grow as H*(r + D) (e_k and the per-horizon bias)
 * rather than H*D^2. b_a keeps its shape (H*D) in both forms.
 *
 * With temporal attention each step's outputs also read a context from the
 * past steps (nn/temporal_attention.h, docs/MODEL.md):
 *
 *   y_kq += ctx_k . C_kq,  ctx_k = sum_l a_kl val_l,  a_k = softmax_l(score(q_k, key_l))
 *
 * Switches: without the anomaly mask m = 1 and h = h0 (one pass); without
 * horizon masks a = 1; without the skip S is absent; the softmax variant
 * sets a_k = D * softmax(h W_a,k + b_a,k) (each mask's mean is 1).
 *
 * Hard attention (mask_topk or anomaly_topk k > 0): each per-horizon mask
 * a_k (each window's anomaly mask m) keeps its k largest weights and zeroes
 * the rest (nn/topk.h) before anything reads it: the heads, dh, x~ and the
 * skip all see the hard weights. The backward pass is straight-through: the
 * hard weights' gradient passes to the soft ones unchanged, then through
 * the sigmoid or softmax at the soft weights. The closing penalty reads the
 * soft anomaly mask.
 *
 * Where things are:
 *   shape.h      the configuration (mc_net_shape)
 *   tensors.[ch] the tensor table: names, shapes, decay, initial values;
 *                the layout (mc_net_plan) and initialisation
 *   blocks.h     the blocks' forward/backward pairs, one file each:
 *                feature.c (h = phi(x W_e + b_e)), anomaly.c (m, x~, local
 *                evidence, closing penalty), horizon.c (per-horizon masks,
 *                full or from embeddings, fused with the heads), skip.c,
 *                temporal.c (temporal attention, over the kernel of
 *                temporal_attention.[ch])
 *   net.c        the composition: which blocks, in which order
 *   work.c       the workspace's buffers
 *   batch.c      mc_net_forward / mc_net_backward: a batch whole or in
 *                slices, and the ordered sum of the slices' gradients
 *
 * Adding a block:
 *   1. its tensors: values appended to mc_tensor (appended: the file order,
 *      and every earlier tensor keeps its initial draws) and their rows in
 *      the table (tensors.c), with `present` saying which configurations
 *      have them; a switch or size in mc_net_shape if it needs one;
 *   2. its file, with a forward/backward pair declared in blocks.h (its own
 *      tensors through mc_block_param/mc_block_grad, the activations it
 *      reads and writes as arguments, shapes commented), listed in
 *      CMakeLists.txt with the other src/nn kernels (no FP contraction);
 *   3. its activations and backward scratch: fields of mc_net_work and rows
 *      of work.c's buffer table (per sample, so that batch slices get them);
 *   4. one call in each of net.c's passes, backward in the reverse order;
 *   5. tests: the finite-difference test (tests/test_net.c) checks every
 *      tensor of the table; give it a variant that switches the block on,
 *      and the workspace list there the new buffers.
 * The model file, `inspect`, AdamW and initialisation follow the table.
 */
#ifndef MC_NN_NET_H
#define MC_NN_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "maskcast/status.h"
#include "nn/activation.h"
#include "nn/gemm.h"
#include "nn/kinds.h"
#include "nn/shape.h"
#include "nn/temporal_attention.h"
#include "nn/tensors.h"

/*
 * Activations kept from the forward pass for the backward pass, and the
 * gradients of the backward pass, for up to `capacity` samples. Allocated
 * once; forward and backward never allocate.
 */
typedef struct mc_net_work {
    size_t capacity;
    size_t bytes;      /* allocated for the buffers below */
    mc_gemm_fn gemm;   /* mc_gemm_blas unless a test swaps it */
    size_t parts;      /* element-wise passes split in this many parts (at most
                          MC_PARALLEL_MAX_PARTS); 0, the default: mc_parallel_parts(), by size */
    size_t slices;     /* a batch split in this many slices, one thread each (at most
                          MC_PARALLEL_MAX_PARTS, and backward at most 1 + slice_blocks);
                          0, the default: mc_parallel_slices(), by batch size */
    float *slice_grads;  /* (slice_blocks, slice_block) gradients of slices 1, 2, ... */
    size_t slice_blocks; /* reserved by mc_net_work_reserve_slices */
    size_t slice_block;  /* values per block: the layout's total it was reserved for */
    /* feature mapping */
    float *pre0, *h0;  /* (B, D) first pass (with the anomaly mask) */
    float *pre, *h;    /* (B, D) second pass (the only one without) */
    float *dh;         /* (B, D) gradient of h, then of h0 */
    float *dpre;       /* (B, D) */
    /* anomaly mask */
    float *x_masked;   /* (B, n_in) x~ */
    float *mask;       /* (B, L*Cp) m, as applied (hard with anomaly_topk) */
    float *mask_soft;  /* (B, L*Cp) m before the top-k (anomaly_topk only) */
    float *local;      /* (B, L*Cp) d: each past value minus its neighbours' mean */
    float *dx_masked;  /* (B, n_in) gradient of x~ */
    float *dmask;      /* (B, L*Cp) gradient of m's pre-activations */
    /* horizon masks and heads */
    float *attn;       /* (B, H*D) a, as applied (hard with mask_topk) */
    float *attn_soft;  /* (B, H*D) a before the top-k (mask_topk only) */
    float *emb_g;      /* (B, r) h U */
    float *emb_pre;    /* (B*H, r) h U + e_k */
    float *emb;        /* (B*H, r) phi(h U + e_k) */
    float *y;          /* (B, H*Q) outputs */
    float *row;        /* (MC_PARALLEL_MAX_PARTS, D) each part's g = dy_k V_k */
    size_t *topk;      /* (MC_PARALLEL_MAX_PARTS, topk_width) each part's top-k scratch */
    size_t topk_width; /* indices a top-k row needs: the larger k below its row's length */
    float *dattn;      /* (B, H*D) gradient of the masks' pre-activations */
    float *demb;       /* (B*H, r) gradient of h U + e_k */
    float *demb_g;     /* (B, r) gradient of h U */
    /* skip */
    float *skip_in;    /* (B, L) m . P_target */
    float *dskip;      /* (B, L) gradient of skip_in */
    float *terms;      /* (B, H*P) the future term's basis at each step */
    float *y_net;      /* (B, H) the network's outputs before the blend */
    float *dy_net;     /* (B, H) their gradient */
    /* temporal attention: the kernel's buffers, each rows of samples (its
       alpha (B, H, L) the attention weights after a forward pass) */
    mc_tattn_work tattn;
} mc_net_work;

mc_status mc_net_work_alloc(mc_net_work *w, const mc_net_shape *s, size_t capacity, mc_error *err);
void mc_net_work_free(mc_net_work *w);

/*
 * Gradient blocks so that mc_net_backward can split a batch into up to
 * `slices` slices, each on its own thread (one block per slice beyond the
 * first, of layout->total values; a no-op when enough are reserved for this
 * layout). Training calls it once, at mc_trainer_init, with
 * mc_parallel_slices(batch); without it (or for another layout) the
 * backward pass runs whole. The forward pass needs nothing reserved.
 */
mc_status mc_net_work_reserve_slices(mc_net_work *w, const mc_net_layout *layout, size_t slices,
                                     mc_error *err);

/*
 * Forward pass for `batch` samples (rows of x, each n_in values). Reads the
 * parameters; writes the workspace, with the outputs in w->y (batch, H*Q).
 */
void mc_net_forward(mc_net_work *w, const float *params, const mc_net_layout *layout,
                    const mc_net_shape *s, const float *x /* (B, n_in) */, size_t batch);

/*
 * The anomaly mask's cost after mc_net_forward: mask_penalty * mean(1 - m)
 * over the batch's past values (0 without a mask or a penalty). Training adds
 * it to the loss, so the mask stays open unless closing pays for itself;
 * mc_net_backward adds its gradient.
 */
double mc_net_mask_penalty(const mc_net_work *w, const mc_net_shape *s, size_t batch);

/*
 * Backward pass after mc_net_forward on the same x: from dy (batch, H*Q),
 * stores the parameter gradients in `grads` (same layout as the parameters;
 * whatever it held is overwritten) and, when dx is not NULL, the gradient
 * with respect to the input in dx (batch, n_in).
 */
void mc_net_backward(mc_net_work *w, float *grads, float *dx /* (B, n_in) or NULL */,
                     const float *params, const mc_net_layout *layout, const mc_net_shape *s,
                     const float *x /* (B, n_in) */, const float *dy /* (B, H*Q) */,
                     size_t batch);

/*
 * mc_net_backward over B samples that are a share of a batch of `batch`
 * samples split over processes: the closing penalty's gradient is that of
 * its mean over the whole batch, so that the shares' gradients sum to the
 * batch's. mc_net_backward is this with batch = B.
 */
void mc_net_backward_share(mc_net_work *w, float *grads, float *dx /* (B, n_in) or NULL */,
                           const float *params, const mc_net_layout *layout,
                           const mc_net_shape *s, const float *x /* (B, n_in) */,
                           const float *dy /* (B, H*Q) */, size_t B, size_t batch);

#endif /* MC_NN_NET_H */
