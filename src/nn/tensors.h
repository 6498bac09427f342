/*
 * The network's parameter tensors, described once: one row per tensor in
 * MC_TENSORS (tensors.c) gives its name in model files, its shape as a
 * function of the configuration (no rows when the configuration switches its
 * block off), whether it is 1-D, whether AdamW decays it, and its initial
 * value. The layout of the parameter block, the initial weights, the model
 * file's writer and reader, `inspect` and the gradient tests all read it.
 *
 * A new tensor: a value appended to mc_tensor (the enum is the row index and
 * the file order), its row in MC_TENSORS, and a dimension in mc_dim if the
 * shape needs one not already there.
 */
#ifndef MC_NN_TENSORS_H
#define MC_NN_TENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maskcast/status.h"
#include "nn/shape.h"

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
    /* temporal attention (nn/temporal_attention.h, in its tensor order) */
    MC_T_TEMPORAL_WQ,   /* (Cf, d) known-future inputs to queries */
    MC_T_TEMPORAL_E,    /* (H, d) horizon embedding, the queries' offset */
    MC_T_TEMPORAL_WK,   /* (Cp+1, d) past values and flag to keys */
    MC_T_TEMPORAL_P,    /* (L, d) lag-position embedding, the keys' offset */
    MC_T_TEMPORAL_WV,   /* (Cp+1, d) past values and flag to values */
    MC_T_TEMPORAL_C,    /* (H*Q, d) context to outputs */
    MC_T_TEMPORAL_V,    /* (d) the additive score's weights */
    MC_T_TEMPORAL_G,    /* (1) the cosine score's temperature */
    MC_T_TEMPORAL_WP,   /* (d) query to the local window's centre */
    MC_T_TEMPORAL_BP,   /* (1) the centre's bias */
    MC_T_SKIP_G,        /* (H*Q, P) the skip's known-future term (nn/future_basis.h) */
    /* the blend with a linear forecaster (blend.c) */
    MC_T_LINEAR_S,      /* (H, L) its lag weights, on the unmasked lags */
    MC_T_LINEAR_G,      /* (H, P) its basis weights */
    MC_T_LINEAR_C,      /* (H) its intercepts */
    MC_T_BLEND_W,       /* (H) the network's weight in each step's forecast */
    MC_T_COUNT
} mc_tensor;

/* The sizes a tensor's shape is made of. */
typedef enum mc_dim {
    MC_DIM_ONE = 0,  /* 1 */
    MC_DIM_INPUT,    /* n_in = L*Cp + L + H*Cf */
    MC_DIM_HIDDEN,   /* D */
    MC_DIM_PAST,     /* L*Cp */
    MC_DIM_CHANNELS, /* Cp */
    MC_DIM_LOOKBACK, /* L */
    MC_DIM_HORIZON,  /* H */
    MC_DIM_MASKS,    /* H*D */
    MC_DIM_OUTPUT,   /* H*Q */
    MC_DIM_RANK,     /* r (0 without horizon masks) */
    MC_DIM_FUTURE,   /* Cf */
    MC_DIM_KEY,      /* Cp + 1: a past step's values and observed flag */
    MC_DIM_ATTENTION, /* d (0 without temporal attention) */
    MC_DIM_TERMS      /* P (0 without the future term) */
} mc_dim;

/* One row of the tensor table. */
typedef struct mc_tensor_spec {
    const char *name;  /* in model files: "feature.W" */
    /* Whether the configuration has the tensor; NULL: always. */
    bool (*present)(const mc_net_shape *s);
    mc_dim rows, cols; /* a 1-D tensor has cols MC_DIM_ONE */
    bool vector;       /* 1-D (a bias, a per-channel weight): written with one dimension */
    bool decays;       /* AdamW's weight decay applies: weight matrices yes, offsets no */
    /* Initial values uniform in +-1/sqrt(fan_in), or, when `constant` is not
       NULL, all equal to constant(s) (drawn first all the same: see
       mc_net_init_params). */
    mc_dim fan_in;
    float (*constant)(const mc_net_shape *s);
} mc_tensor_spec;

/* The table's row of tensor t (t < MC_T_COUNT). */
const mc_tensor_spec *mc_tensor_info(mc_tensor t);

/* Shortcuts to the row: its name ("?" out of range), whether it is 1-D,
   whether AdamW decays it. */
const char *mc_tensor_name(mc_tensor t);
bool mc_tensor_is_vector(mc_tensor t);
bool mc_tensor_decays(mc_tensor t);

/* The value of dimension d for the configuration. */
size_t mc_net_dim(const mc_net_shape *s, mc_dim d);

/* Where each tensor lives in the parameter block; absent ones have size 0. */
typedef struct mc_net_layout {
    size_t rows[MC_T_COUNT];
    size_t cols[MC_T_COUNT]; /* 1-D tensors have cols = 1 and are written with one dim */
    size_t offset[MC_T_COUNT];
    size_t total;
} mc_net_layout;

/* Values of tensor t in the layout (0 when the configuration has none). */
static inline size_t mc_tensor_size(const mc_net_layout *lay, mc_tensor t)
{
    return lay->rows[t] * lay->cols[t];
}

/* Tensor t's shape as model files and `inspect` write it: its dimensions in
   dims and their count, 1 for a 1-D tensor and 2 otherwise; 0 when the
   configuration has no such tensor. */
size_t mc_tensor_dims(const mc_net_layout *lay, mc_tensor t, size_t dims[2]);

/* Copies every tensor of `from` (laid out by from_lay) into `to` (laid out
   by to_lay, a layout of the same network with blocks added): tensors
   to_lay has and from_lay does not are left as they are. */
void mc_tensors_copy(float *to, const mc_net_layout *to_lay, const float *from,
                     const mc_net_layout *from_lay);

/*
 * Checks that the shape is usable and that every product of sizes a batch of
 * `max_batch` needs fits both size_t and the int that BLAS takes. Fills the
 * layout from the tensor table on success.
 */
mc_status mc_net_plan(const mc_net_shape *s, size_t max_batch, mc_net_layout *layout,
                      mc_error *err);

/*
 * Fills params (layout->total values, as mc_net_plan laid out for s) with the
 * initial weights: GSL's mt19937 seeded from `seed`, deterministic. Every
 * tensor draws its uniform values in table order, those set to a constant
 * afterwards included, so that each tensor's values stay where the stream
 * put them in every earlier model. MC_ERR_NOMEM when the generator cannot be
 * allocated (params untouched).
 */
mc_status mc_net_init_params(float *params, const mc_net_layout *layout, const mc_net_shape *s,
                             uint64_t seed, mc_error *err);

#endif /* MC_NN_TENSORS_H */
