/*
 * Where the anomaly mask closes: a score for every past load value, from the
 * mask of every window that sees it, and a comparison with recorded
 * anomalies (docs/EXPLAIN.md).
 *
 * The mask m_t(l) in (0, 1) weights the l-th past load value of the window
 * at origin t, row t - L + l. A row i is seen by the windows at origins
 * t = i + 1 .. i + L that fit the data (L <= t, t + H <= rows), so by up to L
 * of them, each at another position of the window. Its score is
 *
 *     score(i) = 1 - mean over those windows of m_t(i - t + L)
 *
 * 0 where every window keeps the value, 1 where every window masks it out.
 * The smallest mask over the windows is kept too. The last H rows are in no
 * window whose horizon fits the data and have no score (NaN); the rows near
 * either end are seen by fewer than L windows.
 */
#ifndef MC_EVAL_ANOMALIES_H
#define MC_EVAL_ANOMALIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/timestamp.h"
#include "data/windows.h"
#include "maskcast/explain.h"
#include "maskcast/model.h"
#include "maskcast/report.h"
#include "maskcast/status.h"

typedef struct mc_anomaly_scores {
    size_t rows;
    size_t *windows;  /* (rows) windows that saw the row; 0: not scored */
    double *score;    /* (rows) 1 - mean mask; NaN when not scored */
    float *min_mask;  /* (rows) the smallest mask over those windows; NaN when not scored */
    double *sum;      /* (rows) running sum of the masks (accumulation state) */
} mc_anomaly_scores;

/* Zeroed scores for `rows` rows; free with mc_anomaly_scores_free(). */
mc_status mc_anomaly_scores_alloc(mc_anomaly_scores *s, size_t rows, mc_error *err);
void mc_anomaly_scores_free(mc_anomaly_scores *s);

/*
 * Adds the masks (n, L) of the windows at `origins` (n; each >= L and with
 * its window inside the rows) to the running sums. Call any number of times,
 * then mc_anomaly_scores_finish().
 */
void mc_anomaly_scores_add(mc_anomaly_scores *s, const float *mask, const size_t *origins,
                           size_t n, size_t lookback);

/* Turns the sums into scores. */
void mc_anomaly_scores_finish(mc_anomaly_scores *s);

/*
 * Scores every row of `series` (bound to `m`, mc_model_bind()) with the
 * model's anomaly mask, from the windows at every origin that fits. Fails
 * when the model has no anomaly mask or the series is shorter than L + H.
 */
mc_status mc_anomaly_score(mc_anomaly_scores *out, const mc_model *m, const mc_series *series,
                           mc_error *err);

/* Recorded anomalies: wall-clock spans [start, end], both inclusive. */
typedef struct mc_anomaly_truth {
    size_t n;
    int64_t *start, *end;
    char (*kind)[MC_ANOMALY_KIND_SIZE]; /* (n) "spike", ... ("" without a kind column); may be
                                           NULL when n is 0 */
} mc_anomaly_truth;

/*
 * Reads recorded anomalies from a CSV file with a header: a column "start"
 * (or "time"), optionally "end" (else the span is one time), "kind" and
 * "column". Rows whose kind is "missing" (a value absent from the data is
 * not a value the mask can see) and rows whose column is not `target` are
 * skipped when those columns exist. Kinds longer than 15 bytes are cut. Times are read in `format` as written
 * (wall clock), like the data. Errors name the file, line and column.
 */
mc_status mc_anomaly_truth_read(mc_anomaly_truth *out, const char *path, const char *target,
                                mc_time_format format, mc_error *err);
void mc_anomaly_truth_free(mc_anomaly_truth *t);

/* mc_anomaly_agreement and the MC_ANOMALY_* sizes are public: maskcast/explain.h. */

/* Compares scores of rows at wall-clock times `wall` (rows) with the truth. */
void mc_anomaly_agree(mc_anomaly_agreement *out, const mc_anomaly_scores *s, const int64_t *wall,
                      const mc_anomaly_truth *truth, double threshold);

/* Whether wall-clock time t is inside a recorded span. */
bool mc_anomaly_truth_contains(const mc_anomaly_truth *t, int64_t wall);

/*
 * Writes the scored rows of `s` whose score is at least `threshold` into
 * rows (s->rows), strongest first, equal scores in time order, and their
 * count into *n. Allocates a scratch array: MC_ERR_NOMEM (and *n = 0) when
 * it cannot.
 */
mc_status mc_anomaly_rank(size_t *rows, size_t *n, const mc_anomaly_scores *s, double threshold,
                          mc_error *err);

/*
 * The default threshold (docs/EXPLAIN.md): five times the median score of
 * the scored rows -- the mask shuts the value out five times as much as it
 * does a typical one --, at least MC_ANOMALY_MIN_THRESHOLD and at most
 * halfway from the median to 1. NAN when no row is scored.
 */
#define MC_ANOMALY_MIN_THRESHOLD 0.01
double mc_anomaly_threshold_of_median(double median);

/* The median score of the scored rows of `s` (NAN when none): in *out,
   MC_ERR_NOMEM when the scratch copy cannot be made. */
mc_status mc_anomaly_median_score(const mc_anomaly_scores *s, double *out, mc_error *err);

/* The scores behind a public result (anomalies_api.c). */
const mc_anomaly_scores *mc_anomalies_result(const mc_anomalies *a);

/* Appends the scores `a` of the rows of `history` to a report (report.c;
   what mc_report_add_anomalies() does with the public result). */
mc_status mc_report_add_anomaly_scores(mc_report *r, const mc_anomaly_scores *a,
                                       const mc_frame *history, double threshold,
                                       const uint8_t *recorded, mc_error *err);

#endif /* MC_EVAL_ANOMALIES_H */
