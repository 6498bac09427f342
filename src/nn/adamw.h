/* AdamW over the flat parameter block, with global gradient-norm clipping. */
#ifndef MC_NN_ADAMW_H
#define MC_NN_ADAMW_H

#include <stddef.h>

#include "maskcast/status.h"
#include "nn/net.h"

typedef struct mc_adamw {
    float *m, *v;   /* (n) first and second moments */
    size_t n;
    size_t t;       /* steps taken */
    double beta1, beta2, eps;
    size_t parts;   /* the update split in this many parts; 0, the default:
                       mc_parallel_parts(n) (src/nn/parallel.h) */
} mc_adamw;

mc_status mc_adamw_init(mc_adamw *opt, size_t n, mc_error *err);
void mc_adamw_free(mc_adamw *opt);

/* The L2 norm of the n gradients, in double. */
double mc_grad_norm(const float *grads, size_t n);

/*
 * One step: gradients are first scaled by `grad_scale` (clipping), then
 * Adam's bias-corrected update with learning rate lr; weight decay (decoupled,
 * lr * wd * p) applies to weight matrices only (mc_tensor_decays), not to
 * biases or horizon embeddings.
 */
void mc_adamw_step(mc_adamw *opt, float *params, const float *grads, const mc_net_layout *layout,
                   double lr, double weight_decay, double grad_scale);

#endif /* MC_NN_ADAMW_H */
