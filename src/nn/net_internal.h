/* What the batch slicing (batch.c) needs from the workspace (work.c) and the
   composition of the blocks (net.c). */
#ifndef MC_NN_NET_INTERNAL_H
#define MC_NN_NET_INTERNAL_H

#include "nn/net.h"

/* Rows b0 .. b0+n-1 of every per-sample buffer of w, as a workspace for n
   samples; everything else as in w. */
mc_net_work mc_net_work_rows(const mc_net_work *w, const mc_net_shape *s, size_t b0, size_t n);

/* The forward pass over B samples on the calling thread (element-wise
   passes split in w->parts). */
void mc_net_forward_rows(mc_net_work *w, const float *params, const mc_net_layout *lay,
                         const mc_net_shape *s, const float *x /* (B, n_in) */, size_t B);

/* The backward pass over B samples on the calling thread, of a batch of
   `batch` samples (the closing penalty is a mean over all of them). */
void mc_net_backward_rows(mc_net_work *w, float *grads, float *dx /* (B, n_in) or NULL */,
                          const float *params, const mc_net_layout *lay, const mc_net_shape *s,
                          const float *x /* (B, n_in) */, const float *dy /* (B, H*Q) */,
                          size_t B, size_t batch);

#endif /* MC_NN_NET_INTERNAL_H */
