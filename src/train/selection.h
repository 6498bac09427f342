/*
 * Choosing between two forecasters on the validation tail by the
 * one-standard-error rule: the simpler one is kept unless the other's loss is
 * lower by more than one standard error of the difference.
 */
#ifndef MC_TRAIN_SELECTION_H
#define MC_TRAIN_SELECTION_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether `candidate` beats `base` by more than one standard error, from
 * each validation window's loss (n windows in time order). Consecutive
 * windows overlap and their errors are correlated, so the error is that of
 * the mean of block means: d_j, the mean of candidate - base over block j of
 * `per_block` consecutive windows (a horizon's worth of origins), for the
 * m = n / per_block whole blocks. Neighbouring blocks still share targets
 * (a block's last window reaches H - 1 steps into the next block's), so the
 * variance is Newey-West's with one lag: (g0 + g1) / m, g0 and g1 the block
 * means' variance and lag-1 covariance (both over m). The rule is
 * mean(d) + sqrt((g0 + g1) / m) < 0. With fewer than two blocks, whether
 * the candidate's mean over all windows is lower.
 */
bool mc_clearly_better(const double *candidate, const double *base, size_t n, size_t per_block);

#endif /* MC_TRAIN_SELECTION_H */
