/* Split-conformal calibration kept in a model: each horizon step's forecast
   errors (actual - point forecast) at the validation origins, sorted, from
   which `forecast` draws prediction intervals at any level. */
#ifndef MC_TRAIN_CALIBRATION_H
#define MC_TRAIN_CALIBRATION_H

#include <stdbool.h>
#include <stddef.h>

#include "data/windows.h"
#include "maskcast/status.h"

/* Order statistics kept per step at most: beyond it, evenly spaced ranks
   (a rank resolution of 0.1%); at or below it, every error (exact). */
#define MC_CALIBRATION_KEEP 1000

typedef struct mc_calibration {
    size_t steps;  /* H; 0: no calibration */
    size_t *count; /* (steps) errors behind each step (m_k) */
    size_t *kept;  /* (steps) order statistics kept of them (K_k <= m_k, <= MC_CALIBRATION_KEEP) */
    float *errors; /* step k's K_k kept errors, increasing, steps end to end */
} mc_calibration;

struct mc_model;

/*
 * Split conformal's finite-sample ranks among m sorted errors for a central
 * interval at `level`: floor((m + 1) a) and ceil((m + 1) (1 - a)), 1-based,
 * a = (1 - level) / 2, with the products taken as the exact decimals they
 * stand for (0.1 * 10 is 1, not 0.99...). False when they fall outside 1..m:
 * too few errors for the level.
 */
bool mc_conformal_ranks(size_t m, double level, size_t *lower, size_t *upper);

/* The rank (1-based, of m) of the j-th of K kept order statistics. */
size_t mc_calibration_rank(size_t j, size_t K, size_t m);

/*
 * The errors actual - point forecast (the median of a quantile model) of
 * step k at the n origins of `s`, observed targets only, sorted into e (n);
 * `out` holds the model's forecasts there, (n, H, Q) as mc_model_predict()
 * writes them. Their count.
 */
size_t mc_step_errors(double *e, const struct mc_model *m, const mc_series *s,
                      const size_t *origins, size_t n, const double *out, size_t k);

/* The calibration of model `m` from its errors at the n origins of `s`
   (observed targets only; filled and missing ones are skipped). */
mc_status mc_calibration_fit(mc_calibration *c, const struct mc_model *m, const mc_series *s,
                             const size_t *origins, size_t n, mc_error *err);

/* Takes over the H-step errors already sorted per step (for the model file):
   checks that counts, kept sizes and order are consistent. */
mc_status mc_calibration_check(const mc_calibration *c, mc_error *err);

mc_status mc_calibration_copy(mc_calibration *dst, const mc_calibration *src, mc_error *err);
void mc_calibration_free(mc_calibration *c);

/* Kept errors in all (the length of `errors`). */
size_t mc_calibration_total(const mc_calibration *c);

/*
 * The central interval at `level` for step k as offsets from the point
 * forecast: split conformal's finite-sample ranks floor((m + 1) a) and
 * ceil((m + 1) (1 - a)), a = (1 - level) / 2, of the m sorted errors (with
 * fewer kept, the nearest kept rank outward). False (offsets NAN) when those
 * ranks fall outside 1..m: too few errors for the level.
 */
bool mc_calibration_offsets(const mc_calibration *c, size_t k, double level, double *lower,
                            double *upper);

#endif /* MC_TRAIN_CALIBRATION_H */
