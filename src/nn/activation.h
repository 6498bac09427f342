/* Element-wise layers: forward writes outputs, backward accumulates (+=). */
#ifndef MC_NN_ACTIVATION_H
#define MC_NN_ACTIVATION_H

#include <stddef.h>

#include "nn/kinds.h"

/* out[i] = phi(pre[i]) for n values. */
void mc_activation_forward(float *out, const float *pre, size_t n, mc_nn_activation act);

/* dpre[i] = dout[i] * phi'(pre[i]) (overwrites). */
void mc_activation_backward(float *dpre, const float *dout, const float *pre, size_t n,
                            mc_nn_activation act);

/* out[i] = 1 / (1 + exp(-pre[i])), in place allowed. */
void mc_sigmoid_forward(float *out, const float *pre, size_t n);

/* dpre[i] = dout[i] * s[i] * (1 - s[i]) from the sigmoid outputs s (in place allowed). */
void mc_sigmoid_backward(float *dpre, const float *dout, const float *s, size_t n);

/* rows x cols: out = cols * softmax(pre) per row, so each row's mean is 1. */
void mc_mean_one_softmax_forward(float *out, const float *pre, size_t rows, size_t cols);

/* Backward of the above from its outputs; dpre may alias dout. */
void mc_mean_one_softmax_backward(float *dpre, const float *dout, const float *out, size_t rows,
                                  size_t cols);

/* y[r][c] += b[c] for rows x cols. */
void mc_add_bias(float *y, const float *b, size_t rows, size_t cols);

/* db[c] += sum over rows of dy[r][c]. */
void mc_bias_backward(float *db, const float *dy, size_t rows, size_t cols);

#endif /* MC_NN_ACTIVATION_H */
