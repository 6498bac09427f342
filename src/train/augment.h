/* Training-time anomaly augmentation: corrupt past load, keep targets clean. */
#ifndef MC_TRAIN_AUGMENT_H
#define MC_TRAIN_AUGMENT_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "data/windows.h"

/*
 * With probability `prob` per sample, writes one or two anomalies into the
 * past target values of x (batch, n_in): a spike of 3 to 6 standard
 * deviations, a drop-out of 1 to 3 steps to `zero[b]` (where zero load lies
 * in that sample's scaled units), or a reading stuck for 4 to 12 steps. The
 * observed flags, covariates and targets are left as they are: the network
 * must learn to see through the corruption, which is what teaches the
 * anomaly mask.
 */
void mc_augment_batch(float *x, const mc_window_spec *w, size_t batch, double prob,
                      const float *zero, gsl_rng *rng);

/*
 * mc_augment_batch for rows b0 .. b1-1 of a batch of `batch` samples, held
 * in x (b1 - b0, n_in) and zero (b1 - b0): draws from rng exactly what the
 * whole batch would (so processes that each hold a share of the batch stay
 * in step and corrupt their rows as one process would), writes only those
 * rows.
 */
void mc_augment_rows(float *x, const mc_window_spec *w, size_t batch, size_t b0, size_t b1,
                     double prob, const float *zero, gsl_rng *rng);

#endif /* MC_TRAIN_AUGMENT_H */
