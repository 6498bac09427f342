/* Training losses over the network's outputs, with targets that may be missing. */
#ifndef MC_NN_LOSS_H
#define MC_NN_LOSS_H

#include <stddef.h>

#include "nn/kinds.h"

typedef struct mc_loss_spec {
    mc_nn_loss kind;
    double huber_delta;               /* Huber: quadratic within +-delta (scaled units) */
    size_t n_quantiles;               /* Q: 1 for point losses */
    float quantiles[MC_NN_MAX_QUANTILES]; /* pinball levels in (0, 1), increasing */
} mc_loss_spec;

/*
 * Mean loss over the targets with weight > 0 (and over the Q outputs of each),
 * as sum(weight * loss) / sum(weight). When dy is not NULL, writes dL/dy
 * (B, H*Q). y is (B, H*Q), target and weight are (B, H). Returns 0 with a zero
 * gradient when every weight is 0.
 */
double mc_loss_eval(float *dy, const float *y, const float *target, const float *weight,
                    size_t batch, size_t horizon, const mc_loss_spec *spec);

/* The sum of the positive weights among weight[0 .. n-1]: the loss's
   normaliser over those targets. */
double mc_loss_weight(const float *weight, size_t n);

/*
 * The unnormalised loss sum(weight * loss) over the targets with weight > 0
 * (and the Q outputs of each); when dy is not NULL, writes weight * dloss/dy
 * * scale at those targets and leaves the others as they are (the caller
 * zeroes dy). mc_loss_eval is this with scale 1 / (Q * mc_loss_weight):
 * a batch split over processes passes the whole batch's scale.
 */
double mc_loss_sum(float *dy, const float *y, const float *target, const float *weight,
                   size_t batch, size_t horizon, const mc_loss_spec *spec, double scale);

#endif /* MC_NN_LOSS_H */
