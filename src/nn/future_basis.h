/*
 * The basis of the skip's known-future term (nn/future_terms.c, DESIGN notes
 * in docs/MODEL.md): fixed functions of one target step's future channels
 * F_k — the calendar channels, when the model has them, then the known-future
 * covariates in scaled units — that the term weighs linearly, as the classic
 * load regressions do:
 *
 *   calendar (26): hour of day to its third harmonic; the weekday (Tuesday to
 *     Sunday against Monday); the season to its second harmonic; weekend and
 *     holiday flags; the daily shape's first two harmonics times each flag
 *     (weekends and holidays have their own daily profile);
 *   each covariate c (9): c, the hinges max(0, c - k) at k = -1, -0.5, 0,
 *     0.5, 1 (a piecewise-linear response, as heating and cooling load to
 *     temperature), c times the hour of day's sine and cosine, c on weekends.
 *
 * The calendar channels are read in mc_calendar_features()'s order (hour
 * sin/cos, week sin/cos, year sin/cos, weekend, holiday); train/model.c
 * checks that count against MC_BASIS_CALENDAR_CHANNELS.
 */
#ifndef MC_NN_FUTURE_BASIS_H
#define MC_NN_FUTURE_BASIS_H

#include <stdbool.h>
#include <stddef.h>

enum {
    MC_BASIS_CALENDAR_CHANNELS = 8, /* the calendar channels F_k starts with */
    MC_BASIS_CALENDAR_TERMS = 26,   /* the basis functions of the calendar */
    MC_BASIS_COVARIATE_TERMS = 9    /* the basis functions of each covariate */
};

/* The number of basis functions P for `future_channels` channels per step
   (the calendar's first when `calendar`). */
size_t mc_future_basis_size(size_t future_channels, bool calendar);

/* phi (P) = the basis at one step's channels f (future_channels). */
void mc_future_basis(float *phi, const float *f, size_t future_channels, bool calendar);

/* df (future_channels) += J' g: the gradient of g . phi(f) with respect to
   f, the weekday's indicators and the hinges' kinks taken as flat and as
   their right-hand slope. */
void mc_future_basis_backward(float *df, const float *f, const float *g, size_t future_channels,
                              bool calendar);

#endif /* MC_NN_FUTURE_BASIS_H */
