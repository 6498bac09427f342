/*
 * A report's data as JSON (docs/REPORT.md): the header, and one section per
 * result added. Long arrays are written as raw JSON text, one allocation
 * each, so that a series of 140,000 values costs a buffer, not 140,000 nodes.
 */
#include "maskcast/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "eval/anomalies.h"
#include "eval/explain.h"
#include "eval/report_json.h"
#include "train/model_internal.h"
#include "maskcast/describe.h"
#include "maskcast/version.h"

struct mc_report {
    cJSON *root;
    cJSON *sections;
    char *text; /* the last mc_report_json() */
};

/* ---- raw text ----------------------------------------------------------------- */

typedef struct text {
    char *s;
    size_t len, cap;
    bool failed;
} text;

static void put_text(text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *grown = realloc(t->s, cap);
        if (grown == NULL) {
            t->failed = true;
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void put_number(text *t, double v)
{
    char buf[32];
    int n = isfinite(v) ? snprintf(buf, sizeof buf, "%.6g", v) : snprintf(buf, sizeof buf, "null");
    /* JSON's decimal point, whatever LC_NUMERIC the application set. */
    for (int i = 0; i < n; i++)
        if (buf[i] == ',')
            buf[i] = '.';
    put_text(t, buf, (size_t)n);
}

static void put_integer(text *t, long long v)
{
    char buf[32];
    put_text(t, buf, (size_t)snprintf(buf, sizeof buf, "%lld", v));
}

/* The text as a raw cJSON item; frees the text. */
static cJSON *raw(text *t)
{
    cJSON *item = t->failed ? NULL : cJSON_CreateRaw(t->s);
    free(t->s);
    return item;
}

cJSON *mc_rj_number(double v)
{
    text t = {0};
    put_number(&t, v);
    return raw(&t);
}

cJSON *mc_rj_numbers(const double *v, size_t n, size_t stride)
{
    text t = {0};
    put_text(&t, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            put_text(&t, ",", 1);
        put_number(&t, v[i * stride]);
    }
    put_text(&t, "]", 1);
    return raw(&t);
}

cJSON *mc_rj_indices(const size_t *idx, size_t n)
{
    text t = {0};
    put_text(&t, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            put_text(&t, ",", 1);
        put_integer(&t, (long long)idx[i]);
    }
    put_text(&t, "]", 1);
    return raw(&t);
}

cJSON *mc_rj_runs(const uint8_t *mark, size_t n, uint8_t bits)
{
    text t = {0};
    put_text(&t, "[", 1);
    bool first = true;
    for (size_t i = 0; mark != NULL && i < n;) {
        if (!(mark[i] & bits)) {
            i++;
            continue;
        }
        size_t last = i;
        while (last + 1 < n && (mark[last + 1] & bits))
            last++;
        put_text(&t, first ? "[" : ",[", first ? 1 : 2);
        put_integer(&t, (long long)i);
        put_text(&t, ",", 1);
        put_integer(&t, (long long)last);
        put_text(&t, "]", 1);
        first = false;
        i = last + 1;
    }
    put_text(&t, "]", 1);
    return raw(&t);
}

int64_t mc_rj_wall(const mc_frame *frame, size_t row)
{
    return mc_frame_times(frame)[row] + 60 * (int64_t)mc_frame_utc_offsets(frame)[row];
}

cJSON *mc_rj_series(const mc_frame *frame, size_t first, const double *v, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    ok = ok && mc_rj_put(o, "start", cJSON_CreateNumber(1000.0 * (double)mc_rj_wall(frame, first)));
    ok = ok && mc_rj_put(o, "step", cJSON_CreateNumber(1000.0 * (double)mc_frame_step(frame)));
    ok = ok && mc_rj_put(o, "values", mc_rj_numbers(v, n, 1));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

bool mc_rj_put(cJSON *o, const char *key, cJSON *item)
{
    if (item == NULL)
        return false;
    if (!cJSON_AddItemToObject(o, key, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

mc_status mc_rj_append(mc_report *r, cJSON *section, bool ok, const char *what, mc_error *err)
{
    if (section == NULL || !ok || !cJSON_AddItemToArray(r->sections, section)) {
        cJSON_Delete(section);
        return mc_error_nomem(err, what);
    }
    return MC_OK;
}

/* ---- the report and its header ------------------------------------------------- */

static cJSON *string_or_null(const char *s)
{
    return s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *model_json(const mc_model *m)
{
    if (m == NULL)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    double levels[MC_MAX_QUANTILES];
    const size_t Q = mc_model_loss(m) == MC_LOSS_PINBALL ? mc_model_quantiles(m) : 0;
    for (size_t q = 0; q < Q; q++)
        levels[q] = mc_model_quantile_level(m, q);
    bool ok = o != NULL;
    ok = ok && mc_rj_put(o, "kept", cJSON_CreateString(mc_model_kept(m)));
    ok = ok && mc_rj_put(o, "horizon", cJSON_CreateNumber((double)mc_model_horizon(m)));
    ok = ok && mc_rj_put(o, "lookback", cJSON_CreateNumber((double)mc_model_lookback(m)));
    ok = ok && mc_rj_put(o, "step", cJSON_CreateNumber(1000.0 * (double)mc_model_step(m)));
    ok = ok && mc_rj_put(o, "quantiles", mc_rj_numbers(levels, Q, 1));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *header_json(const mc_report_header *h)
{
    const mc_report_header none = {0};
    if (h == NULL)
        h = &none;
    char created[32] = "";
    const time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) != NULL)
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON *o = cJSON_CreateObject();
    cJSON *columns = o != NULL ? cJSON_AddArrayToObject(o, "columns") : NULL;
    bool ok = columns != NULL;
    for (size_t j = 0; ok && j < h->n_columns; j++)
        ok = cJSON_AddItemToArray(columns, cJSON_CreateString(h->columns[j]));
    ok = ok && mc_rj_put(o, "command", string_or_null(h->command));
    ok = ok && mc_rj_put(o, "data_file", string_or_null(h->data_file));
    ok = ok && mc_rj_put(o, "model_file", string_or_null(h->model_file));
    ok = ok && mc_rj_put(o, "time_column", string_or_null(h->time_column));
    ok = ok && mc_rj_put(o, "target", string_or_null(h->target));
    ok = ok && mc_rj_put(o, "model", model_json(h->model));
    ok = ok && mc_rj_put(o, "maskcast_version", cJSON_CreateString(mc_version()));
    ok = ok && mc_rj_put(o, "created", cJSON_CreateString(created));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

mc_status mc_report_create(mc_report **out, const mc_report_header *h, mc_error *err)
{
    if (out == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "no place for the report");
    *out = NULL;
    mc_report *r = calloc(1, sizeof *r);
    if (r == NULL || (r->root = cJSON_CreateObject()) == NULL) {
        free(r);
        return mc_error_nomem(err, "the report");
    }
    bool ok = mc_rj_put(r->root, "format", cJSON_CreateString("maskcast-report"));
    ok = ok && mc_rj_put(r->root, "version", cJSON_CreateNumber(1));
    ok = ok && mc_rj_put(r->root, "header", header_json(h));
    ok = ok && (r->sections = cJSON_AddArrayToObject(r->root, "sections")) != NULL;
    if (!ok) {
        mc_report_free(r);
        return mc_error_nomem(err, "the report");
    }
    *out = r;
    return MC_OK;
}

void mc_report_free(mc_report *r)
{
    if (r == NULL)
        return;
    cJSON_Delete(r->root);
    free(r->text);
    free(r);
}

const char *mc_report_json(mc_report *r, mc_error *err)
{
    if (r == NULL) {
        mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "no report");
        return NULL;
    }
    char *s = cJSON_PrintUnformatted(r->root);
    if (s == NULL) {
        mc_error_nomem(err, "the report's JSON");
        return NULL;
    }
    /* "<" only occurs inside strings, where "\u003c" means the same; so no
       "</script" nor "<!--" can end or confuse the page's script element. */
    size_t n = 0, extra = 0;
    for (; s[n]; n++)
        extra += s[n] == '<';
    char *t = malloc(n + 5 * extra + 1);
    if (t == NULL) {
        cJSON_free(s);
        mc_error_nomem(err, "the report's JSON");
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '<') {
            memcpy(t + o, "\\u003c", 6);
            o += 6;
        } else
            t[o++] = s[i];
    }
    t[o] = '\0';
    cJSON_free(s);
    free(r->text);
    r->text = t;
    return t;
}

/* ---- sections ------------------------------------------------------------------ */

static cJSON *section(const char *kind)
{
    cJSON *o = cJSON_CreateObject();
    if (o != NULL && !mc_rj_put(o, "kind", cJSON_CreateString(kind))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* 1 where column 0 of rows [first, first + n) was filled, not read. */
static uint8_t *filled_marks(const mc_frame *f, size_t first, size_t n)
{
    uint8_t *mark = malloc(n ? n : 1);
    const uint8_t *state = mc_frame_states(f, 0);
    for (size_t i = 0; mark != NULL && i < n; i++)
        mark[i] = state[first + i] == MC_VALUE_INTERPOLATED || state[first + i] == MC_VALUE_SEASONAL;
    return mark;
}

mc_status mc_report_add_forecast(mc_report *r, const mc_model *model, const mc_frame *history,
                                 size_t history_rows, const int64_t *times, const double *values,
                                 mc_error *err)
{
    if (r == NULL || model == NULL || history == NULL || times == NULL || values == NULL ||
        mc_frame_columns(history) == 0 || mc_frame_step(history) <= 0 || history_rows == 0 ||
        history_rows > mc_frame_rows(history))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "a forecast report needs a model, "
                                                        "a history of load and its forecasts");
    const size_t H = mc_model_horizon(model), Q = mc_model_quantiles(model);
    /* The history up to its last observed load, as the forecast reads it. */
    const uint8_t *state = mc_frame_states(history, 0);
    size_t end = mc_frame_rows(history);
    while (end > 0 && state[end - 1] != MC_VALUE_OBSERVED)
        end--;
    if (history_rows > end)
        history_rows = end;
    if (history_rows == 0)
        return mc_error_set(err, MC_ERR_EMPTY, 0, 0, "%s: no observed load to show",
                            mc_frame_column_name(history, 0));
    const size_t first = end - history_rows;
    const bool quantiles = mc_model_loss(model) == MC_LOSS_PINBALL && Q > 1;
    const size_t median = mc_model_median_output(model);
    uint8_t *mark = filled_marks(history, first, history_rows);
    cJSON *s = section("forecast"), *fc = NULL, *qs = NULL;
    bool ok = s != NULL && mark != NULL;
    cJSON *hist = mc_rj_series(history, first, mc_frame_values(history, 0) + first, history_rows);
    /* On the clock of the last row, as the forecast after it: a week that
       crosses a daylight-saving change shows no gap or overlap there. */
    const double end_ms = 1000.0 * (double)mc_rj_wall(history, end - 1);
    if (hist != NULL)
        cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(hist, "start"),
                             end_ms - 1000.0 * (double)((int64_t)(history_rows - 1) *
                                                        mc_frame_step(history)));
    if (ok)
        ok = mc_rj_put(s, "history", hist);
    else
        cJSON_Delete(hist);
    ok = ok && mc_rj_put(s, "filled", mc_rj_runs(mark, history_rows, 1));
    /* The forecast's instants are the model's grid after the history's last row. */
    const int64_t shift = mc_rj_wall(history, end - 1) - mc_frame_times(history)[end - 1];
    ok = ok && (fc = cJSON_AddObjectToObject(s, "forecast")) != NULL;
    ok = ok && mc_rj_put(fc, "start", cJSON_CreateNumber(1000.0 * (double)(times[0] + shift)));
    ok = ok && mc_rj_put(fc, "step", cJSON_CreateNumber(1000.0 * (double)mc_model_step(model)));
    ok = ok && mc_rj_put(fc, "values", mc_rj_numbers(values + median, H, Q));
    ok = ok && (qs = cJSON_AddArrayToObject(s, "quantiles")) != NULL;
    for (size_t q = 0; ok && quantiles && q < Q; q++) {
        cJSON *level = cJSON_CreateObject();
        ok = level != NULL && cJSON_AddItemToArray(qs, level);
        if (!ok)
            cJSON_Delete(level);
        ok = ok && mc_rj_put(level, "level", mc_rj_number(mc_model_quantile_level(model, q)));
        ok = ok && mc_rj_put(level, "values", mc_rj_numbers(values + q, H, Q));
    }
    free(mark);
    return mc_rj_append(r, s, ok, "the forecast's report", err);
}

mc_status mc_report_add_backtest(mc_report *r, const mc_backtest *b, const mc_frame *frame,
                                 mc_error *err)
{
    if (r == NULL || b == NULL || frame == NULL || mc_frame_columns(frame) == 0 ||
        mc_backtest_origins(b) == 0 || mc_backtest_horizon(b) == 0 || mc_frame_step(frame) <= 0 ||
        mc_frame_rows(frame) < mc_backtest_first_target_row(b, mc_backtest_origins(b) - 1) +
                                   mc_backtest_horizon(b))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a backtest report needs the backtest and the frame it ran on");
    cJSON *s = mc_rj_backtest(b, frame);
    return mc_rj_append(r, s, s != NULL, "the backtest's report", err);
}

/* A groups x H matrix of `get` as an array of arrays. */
static cJSON *group_matrix(const mc_explain *x, double (*get)(const mc_explain *, size_t, size_t))
{
    const size_t G = x->n_groups, H = x->horizon;
    double *row = malloc((H ? H : 1) * sizeof *row);
    cJSON *m = row != NULL ? cJSON_CreateArray() : NULL;
    bool ok = m != NULL;
    for (size_t g = 0; ok && g < G; g++) {
        for (size_t k = 0; k < H; k++)
            row[k] = get(x, g, k);
        cJSON *a = mc_rj_numbers(row, H, 1);
        ok = a != NULL && cJSON_AddItemToArray(m, a);
        if (!ok)
            cJSON_Delete(a);
    }
    free(row);
    if (!ok) {
        cJSON_Delete(m);
        return NULL;
    }
    return m;
}

static double increase(const mc_explain *x, size_t g, size_t k)
{
    return x->increase[g * (x->horizon + 1) + k];
}

static cJSON *attention_json(const mc_explain *x)
{
    if (x->attention == NULL)
        return cJSON_CreateNull();
    const size_t H = x->horizon, L = x->lookback;
    cJSON *o = cJSON_CreateObject();
    cJSON *values = o != NULL ? cJSON_AddArrayToObject(o, "values") : NULL;
    bool ok = values != NULL && mc_rj_put(o, "lags", cJSON_CreateNumber((double)L));
    for (size_t k = 0; ok && k < H; k++) {
        cJSON *a = mc_rj_numbers(x->attention + k * L, L, 1);
        ok = a != NULL && cJSON_AddItemToArray(values, a);
        if (!ok)
            cJSON_Delete(a);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

mc_status mc_report_add_explain(mc_report *r, const mc_explain *x, mc_error *err)
{
    const size_t G = x->n_groups, H = x->horizon;
    cJSON *s = section("explain");
    cJSON *groups = s != NULL ? cJSON_AddArrayToObject(s, "groups") : NULL;
    bool ok = groups != NULL;
    for (size_t g = 0; ok && g < G; g++)
        ok = cJSON_AddItemToArray(groups, cJSON_CreateString(x->groups[g].name));
    ok = ok && mc_rj_put(s, "horizon", cJSON_CreateNumber((double)H));
    ok = ok && mc_rj_put(s, "increase", group_matrix(x, increase));
    ok = ok && mc_rj_put(s, "share", group_matrix(x, mc_explain_share));
    ok = ok && mc_rj_put(s, "mae", mc_rj_numbers(x->mae, H, 1));
    ok = ok && mc_rj_put(s, "attention", attention_json(x));
    return mc_rj_append(r, s, ok, "the explanation's report", err);
}

mc_status mc_report_add_explanation(mc_report *r, const mc_explanation *x, mc_error *err)
{
    if (r == NULL || x == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "an explain report needs the explanation");
    return mc_report_add_explain(r, mc_explanation_result(x), err);
}

/* A flagged row and its score. */
typedef struct flagged_row {
    double score;
    size_t row;
} flagged_row;

/* Strongest first, equal scores in time order. */
static int by_score_desc(const void *a, const void *b)
{
    const flagged_row *x = a, *y = b;
    return x->score < y->score ? 1 : x->score > y->score ? -1 : (x->row > y->row) - (x->row < y->row);
}

mc_status mc_report_add_anomaly_scores(mc_report *r, const mc_anomaly_scores *a,
                                       const mc_frame *history, double threshold,
                                       const uint8_t *recorded, mc_error *err)
{
    const size_t n = a->rows;
    size_t *rows = malloc((n ? n : 1) * sizeof *rows), flagged = 0;
    double *mask = malloc((n ? n : 1) * sizeof *mask);
    double *scores = malloc((n ? n : 1) * sizeof *scores);
    flagged_row *order = malloc((n ? n : 1) * sizeof *order);
    if (rows != NULL && mask != NULL && scores != NULL && order != NULL) {
        for (size_t i = 0; i < n; i++) {
            mask[i] = a->min_mask[i];
            if (!isnan(a->score[i]) && a->score[i] >= threshold)
                order[flagged++] = (flagged_row){a->score[i], i};
        }
        qsort(order, flagged, sizeof *order, by_score_desc);
        for (size_t i = 0; i < flagged; i++) {
            rows[i] = order[i].row;
            scores[i] = order[i].score;
        }
    }
    cJSON *s = section("anomalies");
    bool ok = s != NULL && rows != NULL && mask != NULL && scores != NULL && order != NULL;
    ok = ok && mc_rj_put(s, "load", mc_rj_series(history, 0, mc_frame_values(history, 0), n));
    ok = ok && mc_rj_put(s, "mask", mc_rj_series(history, 0, mask, n));
    ok = ok && mc_rj_put(s, "threshold", mc_rj_number(threshold));
    ok = ok && mc_rj_put(s, "flagged", mc_rj_indices(rows, flagged));
    ok = ok && mc_rj_put(s, "scores", mc_rj_numbers(scores, flagged, 1));
    ok = ok && mc_rj_put(s, "recorded", mc_rj_runs(recorded, n, 1));
    free(rows);
    free(mask);
    free(scores);
    free(order);
    return mc_rj_append(r, s, ok, "the anomalies' report", err);
}

mc_status mc_report_add_anomalies(mc_report *r, const mc_anomalies *a, const mc_frame *history,
                                  double threshold, const uint8_t *recorded, mc_error *err)
{
    if (r == NULL || a == NULL || history == NULL || mc_frame_columns(history) == 0 ||
        mc_anomalies_rows(a) != mc_frame_rows(history) || mc_frame_rows(history) == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "an anomalies report needs the scores and the frame they score");
    return mc_report_add_anomaly_scores(r, mc_anomalies_result(a), history, threshold, recorded,
                                        err);
}

/* A column of the description: its values, fills, outliers and summary. */
static cJSON *column_json(const mc_frame *f, size_t j, size_t *outlier_rows)
{
    const size_t n = mc_frame_rows(f);
    mc_column_summary sum;
    if (mc_frame_describe_column_rows(f, j, &sum, outlier_rows, NULL) != MC_OK)
        return NULL;
    const size_t n_outliers = sum.outliers;
    const uint8_t *state = mc_frame_states(f, j);
    uint8_t *mark = malloc(n);
    if (mark == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        mark[i] = (uint8_t)(1u << state[i]); /* one bit per mc_value_state */
    cJSON *c = cJSON_CreateObject();
    cJSON *summary = c != NULL ? cJSON_AddObjectToObject(c, "summary") : NULL;
    bool ok = summary != NULL;
    ok = ok && mc_rj_put(c, "name", cJSON_CreateString(mc_frame_column_name(f, j)));
    ok = ok && mc_rj_put(c, "series", mc_rj_series(f, 0, mc_frame_values(f, j), n));
    ok = ok && mc_rj_put(c, "interpolated", mc_rj_runs(mark, n, 1u << MC_VALUE_INTERPOLATED));
    ok = ok && mc_rj_put(c, "seasonal", mc_rj_runs(mark, n, 1u << MC_VALUE_SEASONAL));
    ok = ok && mc_rj_put(c, "missing", mc_rj_runs(mark, n, 1u << MC_VALUE_MISSING));
    ok = ok && mc_rj_put(c, "outliers", mc_rj_indices(outlier_rows, n_outliers));
    ok = ok && mc_rj_put(summary, "observed", cJSON_CreateNumber((double)sum.observed));
    ok = ok && mc_rj_put(summary, "min", mc_rj_number(sum.min));
    ok = ok && mc_rj_put(summary, "max", mc_rj_number(sum.max));
    ok = ok && mc_rj_put(summary, "mean", mc_rj_number(sum.mean));
    ok = ok && mc_rj_put(summary, "median", mc_rj_number(sum.median));
    ok = ok && mc_rj_put(summary, "zeros", cJSON_CreateNumber((double)sum.zeros));
    ok = ok && mc_rj_put(summary, "negatives", cJSON_CreateNumber((double)sum.negatives));
    ok = ok && mc_rj_put(summary, "outliers", cJSON_CreateNumber((double)sum.outliers));
    free(mark);
    if (!ok) {
        cJSON_Delete(c);
        return NULL;
    }
    return c;
}

mc_status mc_report_add_description(mc_report *r, const mc_frame *frame, mc_error *err)
{
    if (r == NULL || frame == NULL || mc_frame_step(frame) <= 0 || mc_frame_row_flags(frame) == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a describe report needs a regularised frame");
    const size_t n = mc_frame_rows(frame);
    const uint8_t *flags = mc_frame_row_flags(frame);
    size_t *rows = malloc((n ? n : 1) * sizeof *rows), merged = 0;
    for (size_t i = 0; rows != NULL && i < n; i++)
        if (flags[i] & MC_ROW_MERGED)
            rows[merged++] = i;
    const mc_frame_report *fr = mc_frame_get_report(frame);
    cJSON *s = section("describe"), *rep = NULL, *cols = NULL;
    bool ok = s != NULL && rows != NULL;
    ok = ok && (rep = cJSON_AddObjectToObject(s, "report")) != NULL;
    ok = ok && (cols = cJSON_AddArrayToObject(s, "columns")) != NULL;
    ok = ok && mc_rj_put(rep, "file_rows", cJSON_CreateNumber((double)fr->file_rows));
    ok = ok && mc_rj_put(rep, "duplicate_rows", cJSON_CreateNumber((double)fr->duplicate_rows));
    ok = ok && mc_rj_put(rep, "gap_rows", cJSON_CreateNumber((double)fr->gap_rows));
    ok = ok && mc_rj_put(rep, "off_grid_rows", cJSON_CreateNumber((double)fr->off_grid_rows));
    ok = ok && mc_rj_put(rep, "was_sorted", cJSON_CreateBool(fr->was_sorted));
    ok = ok && mc_rj_put(s, "inserted", mc_rj_runs(flags, n, MC_ROW_INSERTED));
    ok = ok && mc_rj_put(s, "merged", mc_rj_indices(rows, merged));
    for (size_t j = 0; ok && j < mc_frame_columns(frame); j++) {
        cJSON *c = column_json(frame, j, rows);
        ok = c != NULL && cJSON_AddItemToArray(cols, c);
        if (!ok)
            cJSON_Delete(c);
    }
    free(rows);
    return mc_rj_append(r, s, ok, "the description's report", err);
}
