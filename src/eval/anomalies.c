#include "eval/anomalies.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "io/csv_reader.h"
#include "train/bind.h"
#include "train/model_internal.h"

/* Origins per forward pass: bounds the mask and forecast buffers. */
enum { SCORE_CHUNK = 1024 };

mc_status mc_anomaly_scores_alloc(mc_anomaly_scores *s, size_t rows, mc_error *err)
{
    memset(s, 0, sizeof *s);
    s->rows = rows;
    s->windows = calloc(rows ? rows : 1, sizeof *s->windows);
    s->score = calloc(rows ? rows : 1, sizeof *s->score);
    s->min_mask = mc_realloc_array(NULL, rows, sizeof *s->min_mask);
    s->sum = calloc(rows ? rows : 1, sizeof *s->sum);
    if (!s->windows || !s->score || !s->min_mask || !s->sum) {
        mc_anomaly_scores_free(s);
        return mc_error_nomem(err, "scoring anomalies");
    }
    for (size_t i = 0; i < rows; i++)
        s->min_mask[i] = INFINITY;
    return MC_OK;
}

void mc_anomaly_scores_free(mc_anomaly_scores *s)
{
    free(s->windows);
    free(s->score);
    free(s->min_mask);
    free(s->sum);
    memset(s, 0, sizeof *s);
}

void mc_anomaly_scores_add(mc_anomaly_scores *s, const float *mask, const size_t *origins,
                           size_t n, size_t lookback)
{
    for (size_t j = 0; j < n; j++)
        for (size_t l = 0; l < lookback; l++) {
            const size_t row = origins[j] - lookback + l;
            const float v = mask[j * lookback + l];
            s->sum[row] += v;
            s->windows[row]++;
            s->min_mask[row] = v < s->min_mask[row] ? v : s->min_mask[row];
        }
}

void mc_anomaly_scores_finish(mc_anomaly_scores *s)
{
    for (size_t i = 0; i < s->rows; i++) {
        if (s->windows[i] == 0) {
            s->score[i] = NAN;
            s->min_mask[i] = NAN;
        } else {
            s->score[i] = 1.0 - s->sum[i] / (double)s->windows[i];
        }
    }
}

/* No weights reach the mask's pre-activation: it is the same at every value
   (the linear forecaster training may keep, docs/MODEL.md). */
static bool mask_is_constant(const mc_model *m)
{
    const mc_net_layout *lay = &m->layout;
    const mc_tensor inputs[] = {MC_T_ANOMALY_W, MC_T_ANOMALY_U};
    for (size_t j = 0; j < m->members; j++)
        for (size_t t = 0; t < 2; t++) {
            const float *p = m->params + j * lay->total + lay->offset[inputs[t]];
            for (size_t i = 0; i < lay->rows[inputs[t]] * lay->cols[inputs[t]]; i++)
                if (p[i] != 0.0f)
                    return false;
        }
    return true;
}

mc_status mc_anomaly_score(mc_anomaly_scores *out, const mc_model *m, const mc_series *series,
                           mc_error *err)
{
    memset(out, 0, sizeof *out);
    const size_t L = m->shape.lookback, H = m->shape.horizon, HQ = H * m->shape.quantiles;
    if (!m->shape.anomaly_mask)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the model has no anomaly mask (it was trained with "
                            "--no-anomaly-mask), so there is nothing to score with");
    if (mask_is_constant(m))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the model is the linear forecaster training kept instead of the "
                            "network, and its anomaly mask is the same everywhere; train with "
                            "--no-linear-candidate to keep the network and score anomalies");
    if (series->rows < L + H)
        return mc_error_set(err, MC_ERR_EMPTY, 0, 0,
                            "the data has %zu rows; scoring needs at least the lookback and the "
                            "horizon, %zu",
                            series->rows, L + H);
    mc_status st = mc_anomaly_scores_alloc(out, series->rows, err);
    if (st != MC_OK)
        return st;
    size_t *origins = mc_realloc_array(NULL, SCORE_CHUNK, sizeof *origins);
    float *mask = mc_realloc_array(NULL, SCORE_CHUNK, L * sizeof *mask);
    double *forecast = mc_realloc_array(NULL, SCORE_CHUNK, HQ * sizeof *forecast);
    if (!origins || !mask || !forecast)
        st = mc_error_nomem(err, "scoring anomalies");
    /* Every origin whose window and horizon fit: t = L .. rows - H. */
    for (size_t t = L; st == MC_OK && t + H <= series->rows;) {
        size_t n = 0;
        for (; n < SCORE_CHUNK && t + H <= series->rows; n++, t++)
            origins[n] = t;
        st = mc_model_predict(m, series, origins, n, forecast, mask, err);
        if (st == MC_OK)
            mc_anomaly_scores_add(out, mask, origins, n, L);
    }
    free(origins);
    free(mask);
    free(forecast);
    if (st != MC_OK) {
        mc_anomaly_scores_free(out);
        return st;
    }
    mc_anomaly_scores_finish(out);
    return MC_OK;
}

/* ---- recorded anomalies ------------------------------------------------------- */

enum { COL_START, COL_END, COL_KIND, COL_COLUMN, COLS };
static const char *const COLUMN_NAMES[COLS] = {"start", "end", "kind", "column"};

typedef struct truth_reader {
    const char *path, *target;
    mc_time_format format;
    size_t at[COLS];      /* position of each column among the selected fields, or COLS */
    size_t file_col[COLS]; /* 1-based column in the file, for messages */
    mc_anomaly_truth *out;
    size_t cap;
} truth_reader;

static mc_status truth_columns(void *ctx, const char *const *names, size_t n, size_t line,
                               size_t *select, size_t *n_select, mc_error *err)
{
    truth_reader *r = ctx;
    *n_select = 0;
    for (size_t c = 0; c < COLS; c++) {
        r->at[c] = COLS;
        for (size_t j = 0; j < n; j++)
            if (strcmp(names[j], COLUMN_NAMES[c]) == 0 ||
                (c == COL_START && strcmp(names[j], "time") == 0)) {
                r->at[c] = *n_select;
                r->file_col[c] = j + 1;
                select[(*n_select)++] = j;
                break;
            }
    }
    if (r->at[COL_START] == COLS)
        return mc_error_set(err, MC_ERR_COLUMN, line, 0,
                            "%s: line %zu: no column \"start\" (or \"time\") with the times of "
                            "the recorded anomalies",
                            r->path, line);
    return MC_OK;
}

static mc_status read_time(const truth_reader *r, const mc_csv_field *f, size_t c, size_t line,
                           int64_t *out, mc_error *err)
{
    mc_time_value tv;
    const char *why = mc_time_parse(f->text, f->len, r->format, &tv);
    if (why != NULL) {
        char quoted[64];
        mc_error_quote(quoted, sizeof quoted, f->text, f->len);
        return mc_error_set(err, MC_ERR_TIME, line, r->file_col[c],
                            "%s: line %zu, column \"%s\": \"%s\" is not a time: %s", r->path,
                            line, COLUMN_NAMES[c], quoted, why);
    }
    *out = tv.wall;
    return MC_OK;
}

static mc_status truth_row(void *ctx, mc_csv_field *fields, size_t line, mc_error *err)
{
    truth_reader *r = ctx;
    if (r->at[COL_KIND] != COLS && strcmp(fields[r->at[COL_KIND]].text, "missing") == 0)
        return MC_OK;
    if (r->at[COL_COLUMN] != COLS && strcmp(fields[r->at[COL_COLUMN]].text, r->target) != 0)
        return MC_OK;
    int64_t start = 0, end = 0; /* set by read_time; zeroed for -O3's flow analysis */
    mc_status st = read_time(r, &fields[r->at[COL_START]], COL_START, line, &start, err);
    if (st != MC_OK)
        return st;
    end = start;
    if (r->at[COL_END] != COLS && fields[r->at[COL_END]].len > 0 &&
        (st = read_time(r, &fields[r->at[COL_END]], COL_END, line, &end, err)) != MC_OK)
        return st;
    if (end < start)
        return mc_error_set(err, MC_ERR_TIME, line, r->file_col[COL_END],
                            "%s: line %zu: the anomaly ends before it starts", r->path, line);
    mc_anomaly_truth *t = r->out;
    if (t->n == r->cap) {
        const size_t cap = r->cap ? 2 * r->cap : 64;
        int64_t *s = mc_realloc_array(t->start, cap, sizeof *s);
        if (s != NULL)
            t->start = s;
        int64_t *e = s ? mc_realloc_array(t->end, cap, sizeof *e) : NULL;
        if (e != NULL)
            t->end = e;
        char(*k)[MC_ANOMALY_KIND_SIZE] = e ? mc_realloc_array(t->kind, cap, sizeof *k) : NULL;
        if (k == NULL)
            return mc_error_nomem(err, "reading the recorded anomalies");
        t->kind = k;
        r->cap = cap;
    }
    t->start[t->n] = start;
    t->end[t->n] = end;
    t->kind[t->n][0] = '\0';
    if (r->at[COL_KIND] != COLS)
        snprintf(t->kind[t->n], MC_ANOMALY_KIND_SIZE, "%s", fields[r->at[COL_KIND]].text);
    t->n++;
    return MC_OK;
}

mc_status mc_anomaly_truth_read(mc_anomaly_truth *out, const char *path, const char *target,
                                mc_time_format format, mc_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return mc_error_set(err, MC_ERR_IO, 0, 0, "%s: cannot open the file of recorded anomalies",
                            path);
    truth_reader r = {.path = path, .target = target, .format = format, .out = out};
    const mc_csv_source src = mc_csv_source_stream(fp, path);
    const mc_csv_reader_options opt = {0, true, 0, '.'};
    const mc_csv_handler handler = {truth_columns, truth_row};
    mc_csv_stats stats;
    mc_status st = mc_csv_read(&src, &opt, &handler, &r, &stats, err);
    fclose(fp);
    if (st != MC_OK)
        mc_anomaly_truth_free(out);
    return st;
}

void mc_anomaly_truth_free(mc_anomaly_truth *t)
{
    free(t->start);
    free(t->end);
    free(t->kind);
    memset(t, 0, sizeof *t);
}

bool mc_anomaly_truth_contains(const mc_anomaly_truth *t, int64_t wall)
{
    for (size_t e = 0; e < t->n; e++)
        if (wall >= t->start[e] && wall <= t->end[e])
            return true;
    return false;
}

void mc_anomaly_agree(mc_anomaly_agreement *out, const mc_anomaly_scores *s, const int64_t *wall,
                      const mc_anomaly_truth *truth, double threshold)
{
    memset(out, 0, sizeof *out);
    out->threshold = threshold;
    for (size_t i = 0; i < s->rows; i++) {
        if (s->windows[i] == 0)
            continue;
        const bool flagged = s->score[i] >= threshold;
        const bool recorded = mc_anomaly_truth_contains(truth, wall[i]);
        out->scored++;
        out->flagged += flagged;
        out->recorded += recorded;
        out->hits += flagged && recorded;
    }
    out->precision = out->flagged ? (double)out->hits / (double)out->flagged : NAN;
    out->recall = out->recorded ? (double)out->hits / (double)out->recorded : NAN;
    /* An event counts when the mask saw any of its rows, and is found when any was flagged. */
    for (size_t e = 0; e < truth->n; e++) {
        size_t seen = 0, found = 0;
        for (size_t i = 0; i < s->rows; i++)
            if (s->windows[i] > 0 && wall[i] >= truth->start[e] && wall[i] <= truth->end[e]) {
                seen++;
                found += s->score[i] >= threshold;
            }
        out->events += seen > 0;
        out->events_found += found > 0;
        size_t k = 0;
        while (k < out->n_kinds && strcmp(out->kinds[k].kind, truth->kind[e]) != 0)
            k++;
        if (k == MC_ANOMALY_MAX_KINDS)
            continue;
        if (k == out->n_kinds)
            memcpy(out->kinds[out->n_kinds++].kind, truth->kind[e], MC_ANOMALY_KIND_SIZE);
        out->kinds[k].recorded += seen;
        out->kinds[k].hits += found;
        out->kinds[k].events += seen > 0;
        out->kinds[k].events_found += found > 0;
    }
}

/* ---- ranking ------------------------------------------------------------------- */

/* A row and its score, sorted together (qsort has no context argument). */
typedef struct ranked_row {
    double score;
    size_t row;
} ranked_row;

/* Strongest first; equal scores in time order. */
static int by_score(const void *pa, const void *pb)
{
    const ranked_row *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

mc_status mc_anomaly_rank(size_t *rows, size_t *n_out, const mc_anomaly_scores *s,
                          double threshold, mc_error *err)
{
    *n_out = 0;
    ranked_row *r = mc_realloc_array(NULL, s->rows ? s->rows : 1, sizeof *r);
    if (r == NULL)
        return mc_error_nomem(err, "ranking the anomaly scores");
    size_t n = 0;
    for (size_t i = 0; i < s->rows; i++)
        if (s->windows[i] > 0 && s->score[i] >= threshold)
            r[n++] = (ranked_row){s->score[i], i};
    qsort(r, n, sizeof *r, by_score);
    for (size_t j = 0; j < n; j++)
        rows[j] = r[j].row;
    free(r);
    *n_out = n;
    return MC_OK;
}

double mc_anomaly_threshold_of_median(double median)
{
    if (isnan(median))
        return NAN;
    double t = 5.0 * median;
    if (t < MC_ANOMALY_MIN_THRESHOLD)
        t = MC_ANOMALY_MIN_THRESHOLD;
    const double halfway = (1.0 + median) / 2.0;
    return t < halfway ? t : halfway;
}

static int ascending(const void *pa, const void *pb)
{
    const double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

mc_status mc_anomaly_median_score(const mc_anomaly_scores *s, double *out, mc_error *err)
{
    *out = NAN;
    double *v = malloc((s->rows ? s->rows : 1) * sizeof *v);
    if (v == NULL)
        return mc_error_nomem(err, "the anomaly scores' median");
    size_t n = 0;
    for (size_t i = 0; i < s->rows; i++)
        if (s->windows[i] > 0 && !isnan(s->score[i]))
            v[n++] = s->score[i];
    qsort(v, n, sizeof *v, ascending);
    if (n > 0)
        *out = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    free(v);
    return MC_OK;
}
