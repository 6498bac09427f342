/*
 * Hard masks from soft ones: keep the k largest weights of each row, zero
 * the rest, and train through the choice with a straight-through estimator.
 *
 *   forward:  out_i = a_i if a_i is among the k largest of its row, else 0
 *   backward: da_i += dout_i   for every i, kept or not
 *
 * The backward pass is not the derivative of the forward one (which is 0
 * for the dropped weights and undefined where the ranking changes): it is
 * the gradient the soft forward out = a would have. So a dropped weight
 * still learns whether it should have been kept, which the true derivative
 * would never tell it. The tests check exactly this: the estimator equals
 * the finite-difference gradient of the soft forward.
 *
 * Ties rank by position (the lower index wins) and NaN ranks below every
 * number, so the kept set is a function of the row alone.
 */
#ifndef MC_NN_TOPK_H
#define MC_NN_TOPK_H

#include <stddef.h>

/*
 * out (rows, n) = each row of a (rows, n) with all but its k largest values
 * set to 0; k >= n copies the row, k = 0 zeroes it. out may be a itself.
 * `scratch` holds at least min(k, n) indices and is overwritten (it may be
 * NULL when k = 0 or k >= n). O(n log k) per row; never allocates.
 */
void mc_topk_forward(float *out /* (rows, n) */, size_t *scratch /* (min(k, n)) */,
                     const float *a /* (rows, n) */, size_t rows, size_t n, size_t k);

/* Straight-through: da (rows, n) += dout (rows, n), for kept and dropped
   weights alike (see above). */
void mc_topk_backward(float *da /* (rows, n) */, const float *dout /* (rows, n) */, size_t rows,
                      size_t n);

#endif /* MC_NN_TOPK_H */
