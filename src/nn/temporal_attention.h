/*
 * Temporal attention over the lookback: for each forecast step k, a query
 * made from step k's known-future inputs attends over the L past steps, and
 * the context it reads joins step k's outputs.
 *
 *   p_l  = [P_l ; O_l]                      (Cp + 1) past values and flag
 *   q_k  = F_k Wq + E_k                     (d)  q_k = E_k when Cf = 0
 *   key_l = p_l Wk + Pos_l                  (d)
 *   val_l = p_l Wv                          (d)
 *   s_kl = score(q_k, key_l)                see mc_tattn_score
 *   a_k  = softmax_l(s_k)                   global
 *   a_kl = softmax_l(s_k)_l exp(-(l - c_k)^2 / (2 sigma^2))    local (Luong's
 *          local-p), c_k = (L - 1) sigmoid(wp . q_k + bp), sigma = width / 2,
 *          not renormalised; the gradient flows through c_k
 *   ctx_k = sum_l a_kl val_l                (d)
 *   y_kq += ctx_k . C_kq                    (H x Q)
 *
 * x is the network's input row [vec(P) ; O ; vec(F)] (n_in = L*Cp + L + H*Cf)
 * and y its output row (H*Q); the kernel adds its term to whatever y holds.
 * Past calendar is not in x, so "same hour yesterday" can only come from the
 * learned lag-position embedding Pos.
 *
 * Use:
 *
 *   mc_tattn_layout lay;
 *   if (mc_tattn_plan(&shape, max_batch, &lay, err) != MC_OK) ...
 *   float *params = ..., *grads = ...;           // lay.total each
 *   float *block = malloc(max_batch * lay.work_total * sizeof(float));
 *   mc_tattn_work w;
 *   mc_tattn_work_bind(&w, block, &shape, max_batch, true);
 *   mc_tattn_params p = mc_tattn_params_view(params, &lay);
 *   mc_tattn_grads g = mc_tattn_grads_view(grads, &lay);
 *   mc_tattn_forward(y, &w, x, &p, &shape, batch);             // y += ...
 *   mc_tattn_backward(&g, dx, &w, dy, &p, &shape, batch);      // g, dx += ...
 *
 * A caller with its own parameter table points the params/grads structs at
 * its own storage instead of using the views; the layout's rows, cols and
 * init fields are the rows to add to that table.
 */
#ifndef MC_NN_TEMPORAL_ATTENTION_H
#define MC_NN_TEMPORAL_ATTENTION_H

#include <stdbool.h>
#include <stddef.h>

#include "maskcast/status.h"
#include "nn/gemm.h"

/* How a query scores a key. Values are appended, never renumbered. */
typedef enum mc_tattn_score {
    MC_TATTN_DOT = 0,        /* q . key */
    MC_TATTN_SCALED_DOT = 1, /* q . key / sqrt(d) */
    MC_TATTN_COSINE = 2,     /* g (q . key) / (|q| |key| + MC_TATTN_COSINE_EPS), g learned */
    MC_TATTN_MLP = 3         /* additive: v . tanh(q + key), v learned */
} mc_tattn_score;

/* Keeps the cosine finite for a zero query or key; negligible otherwise. */
#define MC_TATTN_COSINE_EPS 1e-6f

/* The cosine's temperature g starts here: a cosine in [-1, 1] times 10 lets
   the softmax range from flat to sharp (e^20 between best and worst key). */
#define MC_TATTN_COSINE_G0 10.0f

typedef struct mc_tattn_shape {
    size_t lookback;        /* L */
    size_t horizon;         /* H */
    size_t past_channels;   /* Cp: the load first */
    size_t future_channels; /* Cf: may be 0 */
    size_t quantiles;       /* Q */
    size_t dim;             /* d: query, key and value width */
    mc_tattn_score score;
    bool local;             /* Luong's local-p window around a predicted centre */
    float width;            /* the window's width in steps (sigma = width / 2); local only */
} mc_tattn_shape;

/* The parameter tensors, in file order; a tensor the shape does not use has
   0 rows. */
typedef enum mc_tattn_tensor {
    MC_TATTN_WQ = 0, /* (Cf, d)     "temporal.Wq"  only when Cf > 0 */
    MC_TATTN_E,      /* (H, d)      "temporal.E"   horizon embedding */
    MC_TATTN_WK,     /* (Cp+1, d)   "temporal.Wk" */
    MC_TATTN_POS,    /* (L, d)      "temporal.P"   lag-position embedding */
    MC_TATTN_WV,     /* (Cp+1, d)   "temporal.Wv" */
    MC_TATTN_C,      /* (H*Q, d)    "temporal.C"   context to outputs */
    MC_TATTN_V,      /* (d)         "temporal.v"   MLP score only */
    MC_TATTN_G,      /* (1)         "temporal.g"   cosine score only */
    MC_TATTN_WP,     /* (d)         "temporal.wp"  local only */
    MC_TATTN_BP,     /* (1)         "temporal.bp"  local only */
    MC_TATTN_T_COUNT
} mc_tattn_tensor;

/*
 * Where each tensor lives in one parameter block, how to initialise it, and
 * the workspace a sample needs. Tensors start uniform in
 * [-init_scale, init_scale] when init_scale > 0, else all equal to
 * init_value: weights at 1/sqrt(fan in) (Wq: Cf, Wk and Wv: Cp+1, C, v and
 * wp: d); E and Pos, offsets of projections of order 1, at 1; g at
 * MC_TATTN_COSINE_G0; bp at 0 (every window starts near the middle until
 * wp . q moves it).
 */
typedef struct mc_tattn_layout {
    size_t rows[MC_TATTN_T_COUNT];
    size_t cols[MC_TATTN_T_COUNT]; /* 1-D tensors have cols = 1 */
    size_t offset[MC_TATTN_T_COUNT];
    double init_scale[MC_TATTN_T_COUNT];
    float init_value[MC_TATTN_T_COUNT];
    size_t total;        /* parameter floats */
    size_t work_forward; /* workspace floats per sample for the forward pass alone */
    size_t work_total;   /* ... for forward and backward */
} mc_tattn_layout;

/* "temporal.Wq", ...; "?" out of range. */
const char *mc_tattn_tensor_name(mc_tattn_tensor t);

/* Whether t is 1-D (v, g, wp, bp). */
bool mc_tattn_tensor_is_vector(mc_tattn_tensor t);

/* Whether weight decay applies: the projections Wq, Wk, Wv, C, v and wp;
   not the embeddings E and Pos, the temperature g or the bias bp. */
bool mc_tattn_tensor_decays(mc_tattn_tensor t);

/* L*Cp + L + H*Cf, the input row the kernel reads. */
size_t mc_tattn_n_input(const mc_tattn_shape *s);

/*
 * Checks the shape (L, H, Cp, Q, d and max_batch at least 1, a known score,
 * a finite width > 0 when local) and that every BLAS dimension for batches
 * of up to max_batch samples fits an int (max_batch*L, max_batch*H, H*Q,
 * H*d, ...) and every buffer size a size_t; fills `lay`. Forward and
 * backward trust a shape that passed here, with batch <= max_batch.
 *
 * Workspace floats per sample (c = Cp + 1):
 *   forward  = L c + H Cf + 2 H d + 2 L d + H L
 *              [+ H L + H local] [+ H L + H + L cosine]
 *   total    = forward + L c + H Cf + 2 H d + 2 L d + H L
 */
mc_status mc_tattn_plan(const mc_tattn_shape *s, size_t max_batch, mc_tattn_layout *lay,
                        mc_error *err);

/* Pointers to each tensor, NULL for those the shape does not use. */
typedef struct mc_tattn_params {
    const float *t[MC_TATTN_T_COUNT];
} mc_tattn_params;

typedef struct mc_tattn_grads {
    float *t[MC_TATTN_T_COUNT];
} mc_tattn_grads;

/* Views of one block laid out as `lay` says. */
mc_tattn_params mc_tattn_params_view(const float *block, const mc_tattn_layout *lay);
mc_tattn_grads mc_tattn_grads_view(float *block, const mc_tattn_layout *lay);

/*
 * The workspace: buffers of rows of samples inside one caller-owned block.
 * Sample b's rows start at b times each buffer's per-sample size, so a batch
 * occupies the first rows of every buffer; buffers a shape does not use are
 * NULL.
 */
typedef struct mc_tattn_work {
    mc_gemm_fn gemm; /* mc_gemm_blas after bind; tests swap in mc_gemm_naive */
    size_t capacity; /* samples */
    /* forward cache */
    float *kin;    /* (B*L, Cp+1) p_l */
    float *fin;    /* (B*H, Cf) F_k */
    float *q;      /* (B*H, d) */
    float *key;    /* (B*L, d) */
    float *val;    /* (B*L, d) */
    float *alpha;  /* (B, H, L) the attention weights a_kl: where step k looks */
    float *ctx;    /* (B*H, d) */
    float *soft;   /* (B, H, L) softmax before the window (local) */
    float *centre; /* (B, H) sigmoid(wp . q_k + bp); c_k = (L - 1) times it (local) */
    float *cosine; /* (B, H, L) q . key / (|q| |key| + eps) (cosine) */
    float *qnorm;  /* (B, H) |q_k| (cosine) */
    float *knorm;  /* (B, L) |key_l| (cosine) */
    /* backward scratch (NULL when bound for forward only) */
    float *dctx;   /* (B*H, d) */
    float *dscore; /* (B, H, L) gradient of a, then of s */
    float *dq;     /* (B*H, d) */
    float *dkey;   /* (B*L, d) */
    float *dval;   /* (B*L, d) */
    float *dkin;   /* (B*L, Cp+1) */
    float *dfin;   /* (B*H, Cf) */
} mc_tattn_work;

/* Workspace floats per sample: lay->work_total with backward, else
   lay->work_forward (the same numbers, from a planned shape). */
size_t mc_tattn_work_floats(const mc_tattn_shape *s, bool backward);

/* The workspace's buffers, one by one (mc_tattn_work_buffer). */
enum { MC_TATTN_WORK_BUFFERS = 19 };

/*
 * Buffer i of w (i < MC_TATTN_WORK_BUFFERS), for a caller that keeps the
 * buffers in a table of its own rather than in one block (the network's
 * workspace, whose batch slices are rows of every buffer): stores the
 * address of w's pointer in *p and, when `backward` is not NULL, whether
 * the buffer is backward scratch; returns its floats per sample, 0 for a
 * buffer the shape does not use. Such a caller fills gemm and capacity
 * itself.
 */
size_t mc_tattn_work_buffer(mc_tattn_work *w, const mc_tattn_shape *s, size_t i, float ***p,
                            bool *backward);

/*
 * Points w's buffers into `block`, which holds capacity *
 * mc_tattn_work_floats(s, backward) floats and stays the caller's; without
 * `backward` the scratch pointers are NULL and only the forward pass may run.
 */
void mc_tattn_work_bind(mc_tattn_work *w, float *block, const mc_tattn_shape *s, size_t capacity,
                        bool backward);

/* Rows b0 .. capacity-1 of w as a workspace of their own (a batch slice for
   another thread). b0 <= w->capacity. */
mc_tattn_work mc_tattn_work_rows(const mc_tattn_work *w, const mc_tattn_shape *s, size_t b0);

/*
 * y += the attention term for `batch` samples; fills w's forward cache,
 * w->alpha included. Never allocates.
 */
void mc_tattn_forward(float *y /* (B, H*Q) */, mc_tattn_work *w, const float *x /* (B, n_in) */,
                      const mc_tattn_params *p, const mc_tattn_shape *s, size_t batch);

/*
 * After mc_tattn_forward with the same p and batch (the input is read from
 * w's cache, so x is not passed again): adds the gradient of sum(dy . y) to
 * every used tensor of g (+=) and, when dx is not NULL, to dx (B, n_in)
 * (+=). Overwrites w's backward scratch; never allocates.
 */
void mc_tattn_backward(mc_tattn_grads *g, float *dx /* (B, n_in) or NULL */, mc_tattn_work *w,
                       const float *dy /* (B, H*Q) */, const mc_tattn_params *p,
                       const mc_tattn_shape *s, size_t batch);

#endif /* MC_NN_TEMPORAL_ATTENTION_H */
