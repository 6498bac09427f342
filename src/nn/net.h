/*
 * The forecasting network of DESIGN.md §4, batched: shapes, the parameter
 * layout (one block, named views from one size table), and hand-written
 * forward and backward passes over a preallocated workspace.
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
 * Switches: without the anomaly mask m = 1 and h = h0 (one pass); without
 * horizon masks a = 1; without the skip S is absent; the softmax variant
 * sets a_k = D * softmax(h W_a,k + b_a,k) (each mask's mean is 1).
 */
#ifndef MC_NN_NET_H
#define MC_NN_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/kinds.h"
#include "maskcast/status.h"
#include "nn/activation.h"
#include "nn/gemm.h"

typedef struct mc_net_shape {
    size_t lookback;        /* L */
    size_t horizon;         /* H */
    size_t past_channels;   /* Cp: the target first */
    size_t future_channels; /* Cf */
    size_t hidden;          /* D */
    size_t quantiles;       /* Q (1 for point losses) */
    mc_nn_activation activation;
    mc_nn_mask mask_kind;
    bool anomaly_mask;
    bool horizon_masks;
    bool skip;
    bool mask_local;        /* local evidence in the anomaly mask (needs anomaly_mask) */
    size_t horizon_rank;    /* r: 0 for the full W_a, else masks from horizon embeddings */
    float mask_penalty;     /* lambda of lambda * mean(1 - m): closing the mask costs */
} mc_net_shape;

/* The parameter tensors, in file order. */
typedef enum mc_tensor {
    MC_T_FEATURE_W = 0, /* (n_in, D) */
    MC_T_FEATURE_B,     /* (D) */
    MC_T_ANOMALY_W,     /* (D, L*Cp) */
    MC_T_ANOMALY_B,     /* (L*Cp) */
    MC_T_HORIZON_W,     /* (D, H*D) */
    MC_T_HORIZON_B,     /* (H*D) */
    MC_T_HEAD_V,        /* (H*Q, D) */
    MC_T_HEAD_C,        /* (H*Q) */
    MC_T_SKIP_S,        /* (H*Q, L) */
    MC_T_ANOMALY_U,     /* (Cp) weight of each value's local deviation in its mask */
    MC_T_HORIZON_U,     /* (D, r) hidden features into the embedding space */
    MC_T_HORIZON_E,     /* (H, r) e_k, one embedding per horizon */
    MC_T_HORIZON_W2,    /* (r, D) embedding to mask pre-activations */
    MC_T_COUNT
} mc_tensor;

/* Where each tensor lives in the parameter block; absent ones have size 0. */
typedef struct mc_net_layout {
    size_t rows[MC_T_COUNT];
    size_t cols[MC_T_COUNT]; /* 1-D tensors have cols = 1 and are written with one dim */
    size_t offset[MC_T_COUNT];
    size_t total;
} mc_net_layout;

/* The tensor's name in model files ("feature.W"). */
const char *mc_tensor_name(mc_tensor t);

/* Whether tensor t is 1-D (a bias). */
bool mc_tensor_is_vector(mc_tensor t);

/* Whether AdamW's weight decay applies to tensor t: weight matrices yes;
   biases and the horizon embeddings (per-horizon offsets) no. */
bool mc_tensor_decays(mc_tensor t);

/* Derived sizes. */
size_t mc_net_n_past(const mc_net_shape *s);   /* L * Cp */
size_t mc_net_n_input(const mc_net_shape *s);  /* L * Cp + L + H * Cf */
size_t mc_net_n_output(const mc_net_shape *s); /* H * Q */

/*
 * Checks that the shape is usable and that every product of sizes a batch of
 * `max_batch` needs fits both size_t and the int that BLAS takes. Fills the
 * layout on success.
 */
mc_status mc_net_plan(const mc_net_shape *s, size_t max_batch, mc_net_layout *layout,
                      mc_error *err);

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
    float *x_masked;   /* (B, n_in) x~ */
    float *pre0, *h0;  /* (B, D) first pass */
    float *mask;       /* (B, L*Cp) m */
    float *local;      /* (B, L*Cp) d: each past value minus its neighbours' mean */
    float *pre, *h;    /* (B, D) second pass */
    float *attn;       /* (B, H*D) a */
    float *skip_in;    /* (B, L) m . P_target */
    float *y;          /* (B, H*Q) outputs */
    float *row;        /* (MC_PARALLEL_MAX_PARTS, D) each part's g = dy_k V_k */
    float *emb_g;      /* (B, r) h U */
    float *emb_pre;    /* (B*H, r) h U + e_k */
    float *emb;        /* (B*H, r) phi(h U + e_k) */
    /* backward scratch */
    float *dattn;      /* (B, H*D) gradient of the masks' pre-activations */
    float *demb;       /* (B*H, r) gradient of h U + e_k */
    float *demb_g;     /* (B, r) gradient of h U */
    float *dh;         /* (B, D) */
    float *dpre;       /* (B, D) */
    float *dx_masked;  /* (B, n_in) */
    float *dmask;      /* (B, L*Cp) */
    float *dskip;      /* (B, L) */
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

#endif /* MC_NN_NET_H */
