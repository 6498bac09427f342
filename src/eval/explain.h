/*
 * Which inputs a model's forecasts rest on, per horizon step: permutation
 * importance of groups of inputs (docs/EXPLAIN.md).
 *
 * The model forecasts n origins as they are, then again with one group of
 * inputs (say, the temperature forecast) taken from other origins, shuffled:
 * the rise of the mean absolute error at step k, in the load's units, is the
 * group's importance at step k. A group the network does not use has an
 * importance of exactly 0; one it relies on raises the error by what the
 * forecast loses without it. Each group is shuffled by the same R seeded
 * permutations, and the mean and the spread over them are reported.
 *
 *     mc_explain_options eo;  mc_explain_options_defaults(&eo);
 *     mc_explain *r = NULL;
 *     if (mc_explain_run(&r, model, &bound.series, origins, n, &eo, &err) != MC_OK) ...
 *     for g, k:  r->increase[g * (r->horizon + 1) + k]     (column H: all steps)
 *     mc_explain_free(r);
 */
#ifndef MC_EVAL_EXPLAIN_H
#define MC_EVAL_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "data/windows.h"
#include "maskcast/explain.h"
#include "maskcast/model.h"
#include "maskcast/report.h"
#include "maskcast/status.h"

/* The groups: load recent and earlier, observed flags, each covariate, calendar, holiday. */
enum { MC_EXPLAIN_MAX_GROUPS = 5 + 2 * MC_MAX_COVARIATES };

typedef struct mc_input_group {
    mc_group_kind kind;
    size_t channel;      /* MC_GROUP_PAST: P's channel (1..); MC_GROUP_FUTURE: F's channel */
    size_t first, count; /* the load groups: lookback rows [first, first + count); calendar
                            and holidays: F's channels [first, first + count) */
    char name[96];       /* e.g. "load lags 1-24", "temperature (future)" */
} mc_input_group;

/* The model's input groups, in the order above; returns how many (<= MC_EXPLAIN_MAX_GROUPS). */
size_t mc_explain_groups(const mc_model *m, mc_input_group *groups);

typedef struct mc_explain_options {
    size_t repeats;               /* permutations per group, R (default 5) */
    uint64_t seed;                /* of the permutations (default 1) */
    const size_t *strata;         /* NULL, or a label per origin (n): origins are shuffled
                                     only among those with the same label, e.g. the time
                                     of day, so that what moves keeps its alignment */
    const size_t *permutations;   /* NULL: drawn from the seed; else R x n permutations of
                                     0..n-1 to use (tests, reproducing another tool) */
} mc_explain_options;

void mc_explain_options_defaults(mc_explain_options *opt);

typedef struct mc_explain {
    size_t horizon;               /* H; every per-step array has H + 1 columns, the last
                                     pooling all steps */
    size_t n_origins, repeats, n_groups;
    mc_input_group groups[MC_EXPLAIN_MAX_GROUPS];
    size_t *scored;               /* (H + 1) actuals scored: observed load at the target */
    double *mae;                  /* (H + 1) of the forecasts from the inputs as they are */
    double *increase;             /* (G, H + 1) mean over the permutations of MAE' - MAE */
    double *spread;               /* (G, H + 1) standard deviation of MAE' - MAE over them */
    size_t lookback;              /* L */
    double *attention;            /* (H, L) with temporal attention, else NULL: the mean over
                                     the origins of step k's attention weight on lag j + 1 at
                                     [k * L + j] (lag 1: the lookback's last step, the one
                                     before the origin), from the inputs as they are */
} mc_explain;

/*
 * Permutation importance of every input group of `m` at the n origins of
 * `s` (a series bound to the model, mc_model_bind()), each with L <= t and
 * t + H <= rows. Forecasts are scored against the load at the target times
 * where it was observed; a quantile model is scored by its median (the 0.5
 * level, else the middle one). With temporal attention, also the mean
 * attention weights of the unshuffled forecasts. Needs n >= 2 and R >= 1.
 * Allocates *out, which the caller frees with mc_explain_free(); on failure
 * stores NULL.
 */
mc_status mc_explain_run(mc_explain **out, const mc_model *m, const mc_series *s,
                         const size_t *origins, size_t n, const mc_explain_options *opt,
                         mc_error *err);

void mc_explain_free(mc_explain *r);

/*
 * Draws `repeats` permutations of 0..n-1 into perm (repeats, n) from `seed`
 * (GSL's MT19937), each mapping every index to one with the same label in
 * `strata` (n; NULL: any index). The same arguments give the same draws.
 */
mc_status mc_explain_shuffles(size_t *perm, size_t n, size_t repeats, uint64_t seed,
                              const size_t *strata, mc_error *err);

/* The mean attention weight of step k (k == H: the mean over the steps) on
   lag `lag` (1 .. L); NAN without temporal attention or out of range. */
double mc_explain_attention(const mc_explain *r, size_t k, size_t lag);

/* Group g's share of the importance at step k (k == H: all steps): its
   increase over the sum of all groups' increases, negative increases
   counting as 0; 0 when no group raises the error. */
double mc_explain_share(const mc_explain *r, size_t g, size_t k);

/*
 * Rewrites x (n, n_in), a copy of the gathered inputs x0 with levels level0,
 * so that origin i holds group g's inputs of origin perm[i]; level (n) gets
 * the levels that go with the result. The load is moved in the scale it was
 * gathered in, before the level was subtracted: when the last day moves, its
 * level moves with it and the earlier lags are re-expressed about it, as the
 * model's own gathering would have done.
 */
void mc_explain_permute(float *x, float *level, const float *x0, const float *level0, size_t n,
                        const mc_model *m, const mc_input_group *g, const size_t *perm);

/*
 * The origins `opt` asks for in `s` (bound to `m`; `times` (rows) its
 * instants), as mc_model_explain() documents: opt->origins when given (copied),
 * else every opt->stride back from the last origin whose horizon ends at the
 * last observed load, down to the first at or after opt->start (or whose
 * horizon lies in the last opt->days days), never before the lookback.
 * Stores a malloc'd array the caller frees in *out and its length in *n;
 * fails with MC_ERR_ARGUMENT when fewer than 2 origins fit or the stride is
 * not a multiple of the step.
 */
mc_status mc_explain_pick_origins(size_t **out, size_t *n, const mc_model *m, const mc_series *s,
                                  const int64_t *times, const mc_explanation_options *opt,
                                  mc_error *err);

/* strata (n): the wall-clock time of day of each origin, in seconds, for
   mc_explain_options.strata (shuffling among origins at the same time of day). */
void mc_explain_time_strata(size_t *strata, const mc_series *s, const size_t *origins, size_t n);

/* The result behind a public explanation (explain_api.c). */
const mc_explain *mc_explanation_result(const mc_explanation *x);

/* Appends the explanation `x` to a report (report.c; what
   mc_report_add_explanation() does with the public result). */
mc_status mc_report_add_explain(mc_report *r, const mc_explain *x, mc_error *err);

#endif /* MC_EVAL_EXPLAIN_H */
