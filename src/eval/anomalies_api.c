/* The public anomaly-score API (maskcast/explain.h): a thin result object
   over mc_anomaly_score(), mc_anomaly_rank() and the recorded-anomaly reader. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "eval/anomalies.h"
#include "train/bind.h"
#include "train/model_internal.h"

struct mc_anomalies {
    mc_anomaly_scores s;
    double *min_mask; /* (rows) s.min_mask as doubles */
    size_t *ranked;   /* (n_ranked) every scored row, strongest first */
    size_t n_ranked;
    int64_t *wall;    /* (rows) wall-clock times, for recorded anomalies */
    char *target;     /* the history's load column, which recorded anomalies name */
};

void mc_anomaly_options_defaults(mc_anomaly_options *opt)
{
    *opt = (mc_anomaly_options){.has_start = false, .start = 0};
}

void mc_anomalies_free(mc_anomalies *a)
{
    if (a == NULL)
        return;
    mc_anomaly_scores_free(&a->s);
    free(a->min_mask);
    free(a->ranked);
    free(a->wall);
    free(a->target);
    free(a);
}

/* Leaves the rows before the instant `start` unscored. */
static void drop_before(mc_anomaly_scores *s, const int64_t *times, int64_t start)
{
    for (size_t i = 0; i < s->rows && times[i] < start; i++) {
        s->windows[i] = 0;
        s->score[i] = NAN;
        s->min_mask[i] = NAN;
    }
}

/* Everything but the scores: the copies the accessors and the comparison read. */
static mc_status keep_copies(mc_anomalies *a, const mc_bound *b, const mc_frame *history,
                             mc_error *err)
{
    const size_t rows = a->s.rows;
    a->min_mask = mc_realloc_array(NULL, rows ? rows : 1, sizeof *a->min_mask);
    a->ranked = mc_realloc_array(NULL, rows ? rows : 1, sizeof *a->ranked);
    a->wall = mc_realloc_array(NULL, rows ? rows : 1, sizeof *a->wall);
    a->target = strdup(mc_frame_column_name(history, 0));
    if (!a->min_mask || !a->ranked || !a->wall || !a->target)
        return mc_error_nomem(err, "scoring anomalies");
    for (size_t i = 0; i < rows; i++)
        a->min_mask[i] = (double)a->s.min_mask[i];
    memcpy(a->wall, b->wall, rows * sizeof *a->wall);
    /* Ranked once, so that reading a threshold's rows is a prefix: no allocation, no failure. */
    return mc_anomaly_rank(a->ranked, &a->n_ranked, &a->s, -INFINITY, err);
}

mc_status mc_model_score_anomalies(mc_anomalies **out, const mc_model *model,
                                   const mc_frame *history, const mc_anomaly_options *opt,
                                   mc_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || model == NULL || history == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "scoring anomalies needs a result pointer, a model and a history");
    mc_bound b;
    mc_status st = mc_model_bind_history(&b, model, history, err);
    if (st != MC_OK)
        return st;
    mc_anomalies *a = calloc(1, sizeof *a);
    if (a == NULL)
        st = mc_error_nomem(err, "scoring anomalies");
    if (st == MC_OK)
        st = mc_anomaly_score(&a->s, model, &b.series, err);
    if (st == MC_OK && opt != NULL && opt->has_start)
        drop_before(&a->s, mc_frame_times(history), opt->start);
    if (st == MC_OK)
        st = keep_copies(a, &b, history, err);
    mc_bound_free(&b);
    if (st != MC_OK) {
        mc_anomalies_free(a);
        return st;
    }
    *out = a;
    return MC_OK;
}

const mc_anomaly_scores *mc_anomalies_result(const mc_anomalies *a) { return &a->s; }

size_t mc_anomalies_rows(const mc_anomalies *a) { return a->s.rows; }
const double *mc_anomalies_scores(const mc_anomalies *a) { return a->s.score; }
const double *mc_anomalies_min_mask(const mc_anomalies *a) { return a->min_mask; }
const size_t *mc_anomalies_windows(const mc_anomalies *a) { return a->s.windows; }

size_t mc_anomalies_ranked(const mc_anomalies *a, double threshold, size_t *rows,
                           size_t capacity)
{
    size_t n = 0;
    while (n < a->n_ranked && a->s.score[a->ranked[n]] >= threshold)
        n++;
    if (rows != NULL)
        memcpy(rows, a->ranked, (n < capacity ? n : capacity) * sizeof *rows);
    return n;
}

double mc_anomalies_default_threshold(const mc_anomalies *a)
{
    const size_t n = a->n_ranked; /* every scored row, strongest first */
    if (n == 0)
        return NAN;
    const double median = n % 2 ? a->s.score[a->ranked[n / 2]]
                                : (a->s.score[a->ranked[n / 2 - 1]] + a->s.score[a->ranked[n / 2]]) / 2.0;
    return mc_anomaly_threshold_of_median(median);
}

mc_status mc_anomalies_compare(const mc_anomalies *a, const char *truth_path,
                               mc_time_format format, double threshold,
                               mc_anomaly_agreement *out, uint8_t *recorded, mc_error *err)
{
    if (a == NULL || truth_path == NULL || out == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "comparing needs scores, a file of recorded anomalies and a result");
    mc_anomaly_truth truth;
    mc_status st = mc_anomaly_truth_read(&truth, truth_path, a->target, format, err);
    if (st != MC_OK)
        return st;
    mc_anomaly_agree(out, &a->s, a->wall, &truth, threshold);
    if (recorded != NULL)
        for (size_t i = 0; i < a->s.rows; i++)
            recorded[i] = mc_anomaly_truth_contains(&truth, a->wall[i]);
    mc_anomaly_truth_free(&truth);
    return MC_OK;
}
