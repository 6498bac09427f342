/*
 * The network's vocabulary: which activation, which mask and which loss. The
 * nn layer owns these; the public options (maskcast/model.h) carry their own
 * enums, with the same values, and training translates one into the other
 * (train/model.c checks that the values agree).
 */
#ifndef MC_NN_KINDS_H
#define MC_NN_KINDS_H

typedef enum mc_nn_activation {
    MC_NN_RELU = 0,
    MC_NN_GELU = 1 /* exact x * Phi(x) */
} mc_nn_activation;

typedef enum mc_nn_mask {
    MC_NN_MASK_SIGMOID = 0, /* a = sigmoid(pre), each weight in (0, 1) */
    MC_NN_MASK_SOFTMAX = 1  /* a = D * softmax(pre), weights with mean 1 */
} mc_nn_mask;

typedef enum mc_nn_loss {
    MC_NN_LOSS_MAE = 0,
    MC_NN_LOSS_MSE = 1,
    MC_NN_LOSS_HUBER = 2,
    MC_NN_LOSS_PINBALL = 3
} mc_nn_loss;

typedef enum mc_nn_temporal {
    MC_NN_TEMPORAL_NONE = 0,
    MC_NN_TEMPORAL_GLOBAL = 1, /* attention over all L past steps */
    MC_NN_TEMPORAL_LOCAL = 2   /* over a window around a predicted centre */
} mc_nn_temporal;

/* Most quantile outputs a network has. */
#define MC_NN_MAX_QUANTILES 16

#endif /* MC_NN_KINDS_H */
