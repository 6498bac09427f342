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

#endif /* MC_NN_LOSS_H */
