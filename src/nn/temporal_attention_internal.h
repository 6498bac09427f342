/* What temporal_attention.c and temporal_attention_backward.c share. */
#ifndef MC_NN_TEMPORAL_ATTENTION_INTERNAL_H
#define MC_NN_TEMPORAL_ATTENTION_INTERNAL_H

#include <math.h>

#include "nn/temporal_attention.h"

/* The score's scale on q . key: 1/sqrt(d) for the scaled kind, else 1. */
static inline float mc_tattn_dot_scale(const mc_tattn_shape *s)
{
    return s->score == MC_TATTN_SCALED_DOT ? 1.0f / sqrtf((float)s->dim) : 1.0f;
}

/* 1 / (2 sigma^2) of the local window, sigma = width / 2. */
static inline float mc_tattn_window_coef(const mc_tattn_shape *s)
{
    return 2.0f / (s->width * s->width);
}

#endif /* MC_NN_TEMPORAL_ATTENTION_INTERNAL_H */
