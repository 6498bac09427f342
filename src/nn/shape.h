/*
 * The network's configuration (DESIGN.md §4): its sizes and which blocks it
 * has. Everything else about a network (its tensors, its workspace, its
 * passes) follows from this struct.
 */
#ifndef MC_NN_SHAPE_H
#define MC_NN_SHAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/kinds.h"

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
    bool future_terms;      /* the skip's known-future term (future_terms.c) */
    bool calendar;          /* F_k starts with the calendar channels (nn/future_basis.h) */
    bool blend;             /* outputs blended with a linear forecaster's (blend.c; Q = 1) */
    bool mask_local;        /* local evidence in the anomaly mask (needs anomaly_mask) */
    size_t horizon_rank;    /* r: 0 for the full W_a, else masks from horizon embeddings */
    float mask_penalty;     /* lambda of lambda * mean(1 - m): closing the mask costs */
    size_t mask_topk;       /* k > 0: hard horizon masks, each keeps its k largest weights */
    size_t anomaly_topk;    /* k > 0: a hard anomaly mask keeping its k largest weights */
    mc_nn_temporal temporal;   /* temporal attention over the lookback */
    int temporal_score;     /* mc_tattn_score (nn/temporal_attention.h) */
    size_t temporal_dim;    /* d */
    size_t temporal_width;  /* local window, in steps */
} mc_net_shape;

/* Derived sizes. */
size_t mc_net_n_past(const mc_net_shape *s);   /* L * Cp */
size_t mc_net_n_input(const mc_net_shape *s);  /* L * Cp + L + H * Cf */
size_t mc_net_n_output(const mc_net_shape *s); /* H * Q */
size_t mc_net_n_terms(const mc_net_shape *s);  /* P: the future term's basis, 0 without it */

/* The most basis functions a future term may have (mc_net_plan checks). */
enum { MC_NET_MAX_TERMS = 512 };

#endif /* MC_NN_SHAPE_H */
