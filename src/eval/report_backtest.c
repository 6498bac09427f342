/*
 * The backtest section of a report (docs/REPORT.md): what the summary table
 * gives, and the views of the same errors a person draws — by hour of day
 * and weekday, over the test span, the worst days, the quantiles' reliability.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "data/timestamp.h"
#include "eval/report_json.h"

enum { WORST_DAYS = 10, LABEL = 64 };

/* Mean absolute and absolute percentage errors in `bins` classes. */
typedef struct binned {
    double abs[24], pct[24];
    size_t n[24], n_pct[24];
} binned;

static void add_error(binned *e, size_t bin, double actual, double forecast)
{
    const double d = fabs(forecast - actual);
    e->abs[bin] += d;
    e->n[bin]++;
    if (actual != 0.0) {
        e->pct[bin] += 100.0 * d / fabs(actual);
        e->n_pct[bin]++;
    }
}

/* {"mae": [bins], "mape": [bins]}, null where a class is empty. */
static cJSON *binned_json(const binned *e, size_t bins)
{
    double mae[24], mape[24];
    for (size_t i = 0; i < bins; i++) {
        mae[i] = e->n[i] ? e->abs[i] / (double)e->n[i] : NAN;
        mape[i] = e->n_pct[i] ? e->pct[i] / (double)e->n_pct[i] : NAN;
    }
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && mc_rj_put(o, "mae", mc_rj_numbers(mae, bins, 1));
    ok = ok && mc_rj_put(o, "mape", mc_rj_numbers(mape, bins, 1));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *metrics_json(const mc_backtest_metrics *x)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && mc_rj_put(o, "mae", mc_rj_number(x->mae));
    ok = ok && mc_rj_put(o, "rmse", mc_rj_number(x->rmse));
    ok = ok && mc_rj_put(o, "mape", mc_rj_number(x->mape));
    ok = ok && mc_rj_put(o, "smape", mc_rj_number(x->smape));
    ok = ok && mc_rj_put(o, "mase", mc_rj_number(x->mase));
    ok = ok && mc_rj_put(o, "skill", mc_rj_number(x->skill));
    ok = ok && mc_rj_put(o, "coverage", mc_rj_number(x->coverage));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* One method: its label, metrics overall, by step, by hour and by weekday. */
static cJSON *method_json(const mc_backtest *b, const mc_frame *f, size_t m)
{
    const size_t N = mc_backtest_origins(b), H = mc_backtest_horizon(b);
    const double *actual = mc_backtest_actuals(b), *point = mc_backtest_forecasts(b, m);
    binned *hour = calloc(2, sizeof *hour), *weekday = hour + 1;
    double *mape = malloc((H ? H : 1) * sizeof *mape), *mae = malloc((H ? H : 1) * sizeof *mae);
    char label[LABEL];
    mc_backtest_method_label(b, m, label, sizeof label);
    mc_backtest_metrics x = {0};
    cJSON *o = cJSON_CreateObject(), *steps = NULL;
    bool ok = o != NULL && hour != NULL && mape != NULL && mae != NULL;
    for (size_t k = 0; ok && k < H; k++) {
        mc_backtest_metrics_of(b, m, k, &x, NULL);
        mape[k] = x.mape;
        mae[k] = x.mae;
    }
    for (size_t i = 0; ok && i < N; i++)
        for (size_t k = 0; k < H; k++) {
            const double a = actual[i * H + k];
            if (isnan(a))
                continue;
            const int64_t wall = mc_rj_wall(f, mc_backtest_first_target_row(b, i) + k);
            const int64_t day = mc_time_days(wall);
            add_error(hour, (size_t)((wall - 86400 * day) / 3600), a, point[i * H + k]);
            add_error(weekday, (size_t)mc_weekday_from_days(day), a, point[i * H + k]);
        }
    ok = ok && mc_backtest_metrics_of(b, m, H, &x, NULL) == MC_OK;
    ok = ok && mc_rj_put(o, "name", cJSON_CreateString(label));
    ok = ok && mc_rj_put(o, "metrics", metrics_json(&x));
    ok = ok && (steps = cJSON_AddObjectToObject(o, "by_step")) != NULL;
    ok = ok && mc_rj_put(steps, "mape", mc_rj_numbers(mape, H, 1));
    ok = ok && mc_rj_put(steps, "mae", mc_rj_numbers(mae, H, 1));
    ok = ok && mc_rj_put(o, "by_hour", binned_json(hour, 24));
    ok = ok && mc_rj_put(o, "by_weekday", binned_json(weekday, 7));
    free(hour);
    free(mape);
    free(mae);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The baseline (a method that trains no model) with the lowest MAE, or SIZE_MAX. */
static size_t best_baseline(const mc_backtest *b)
{
    size_t best = SIZE_MAX;
    double best_mae = INFINITY;
    for (size_t m = 1; m < mc_backtest_methods(b); m++) {
        mc_backtest_metrics x;
        if (mc_backtest_method_models(b, m) == 0 &&
            mc_backtest_metrics_of(b, m, mc_backtest_horizon(b), &x, NULL) == MC_OK &&
            x.mae < best_mae) {
            best = m;
            best_mae = x.mae;
        }
    }
    return best;
}

/* Actual against maskcast and the best baseline, each origin's first steps
   up to the next origin's first target, on the rows they cover. */
static cJSON *path_json(const mc_backtest *b, const mc_frame *f, size_t baseline)
{
    const size_t N = mc_backtest_origins(b), H = mc_backtest_horizon(b);
    const size_t first = mc_backtest_first_target_row(b, 0);
    const size_t rows = mc_backtest_first_target_row(b, N - 1) + H - first;
    const size_t methods[2] = {0, baseline}, M = baseline == SIZE_MAX ? 1 : 2;
    double *v = mc_realloc_array(NULL, 1 + M, rows * sizeof *v);
    cJSON *o = NULL, *series = NULL;
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < (1 + M) * rows; i++)
        v[i] = NAN;
    for (size_t i = 0; i < N; i++) {
        const size_t row = mc_backtest_first_target_row(b, i) - first;
        const size_t next = i + 1 < N ? mc_backtest_first_target_row(b, i + 1) - first : rows;
        for (size_t k = 0; k < H && row + k < next; k++) {
            v[row + k] = mc_backtest_actuals(b)[i * H + k];
            for (size_t m = 0; m < M; m++)
                v[(1 + m) * rows + row + k] = mc_backtest_forecasts(b, methods[m])[i * H + k];
        }
    }
    o = mc_rj_series(f, first, v, rows); /* start, step; "values" renamed "actual" */
    cJSON *values = o != NULL ? cJSON_DetachItemFromObjectCaseSensitive(o, "values") : NULL;
    bool ok = values != NULL && mc_rj_put(o, "actual", values);
    ok = ok && (series = cJSON_AddArrayToObject(o, "series")) != NULL;
    for (size_t m = 0; ok && m < M; m++) {
        char label[LABEL];
        mc_backtest_method_label(b, methods[m], label, sizeof label);
        cJSON *s = cJSON_CreateObject();
        ok = s != NULL && cJSON_AddItemToArray(series, s);
        if (!ok)
            cJSON_Delete(s);
        ok = ok && mc_rj_put(s, "name", cJSON_CreateString(label));
        ok = ok && mc_rj_put(s, "values", mc_rj_numbers(v + (1 + m) * rows, rows, 1));
    }
    free(v);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

typedef struct day_error {
    int64_t day;
    double abs, pct;
    size_t n, n_pct;
} day_error;

static int by_mape_desc(const void *a, const void *b)
{
    const day_error *x = a, *y = b;
    const double mx = x->pct / (double)x->n_pct, my = y->pct / (double)y->n_pct;
    return mx < my ? 1 : mx > my ? -1 : (x->day > y->day) - (x->day < y->day);
}

/* Maskcast's days (of the target times' wall clock) with the highest MAPE. */
static cJSON *worst_days_json(const mc_backtest *b, const mc_frame *f)
{
    const size_t N = mc_backtest_origins(b), H = mc_backtest_horizon(b);
    const double *actual = mc_backtest_actuals(b), *point = mc_backtest_forecasts(b, 0);
    const int64_t day0 = mc_time_days(mc_rj_wall(f, mc_backtest_first_target_row(b, 0)));
    const int64_t day1 = mc_time_days(mc_rj_wall(f, mc_backtest_first_target_row(b, N - 1) + H - 1));
    const size_t days = (size_t)(day1 - day0 + 1);
    day_error *d = calloc(days, sizeof *d);
    cJSON *list = d != NULL ? cJSON_CreateArray() : NULL;
    if (list == NULL) {
        free(d);
        return NULL;
    }
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < H; k++) {
            const double a = actual[i * H + k];
            const int64_t day = mc_time_days(mc_rj_wall(f, mc_backtest_first_target_row(b, i) + k));
            if (isnan(a) || day < day0 || day > day1)
                continue;
            day_error *e = &d[day - day0];
            e->day = day;
            e->abs += fabs(point[i * H + k] - a);
            e->n++;
            if (a != 0.0) {
                e->pct += 100.0 * fabs(point[i * H + k] - a) / fabs(a);
                e->n_pct++;
            }
        }
    size_t used = 0;
    for (size_t i = 0; i < days; i++)
        if (d[i].n_pct > 0)
            d[used++] = d[i];
    qsort(d, used, sizeof *d, by_mape_desc);
    bool ok = true;
    for (size_t i = 0; ok && i < used && i < WORST_DAYS; i++) {
        cJSON *o = cJSON_CreateObject();
        ok = o != NULL && cJSON_AddItemToArray(list, o);
        if (!ok)
            cJSON_Delete(o);
        ok = ok && mc_rj_put(o, "day", cJSON_CreateNumber(86400000.0 * (double)d[i].day));
        ok = ok && mc_rj_put(o, "mape", mc_rj_number(d[i].pct / (double)d[i].n_pct));
        ok = ok && mc_rj_put(o, "mae", mc_rj_number(d[i].abs / (double)d[i].n));
    }
    free(d);
    if (!ok) {
        cJSON_Delete(list);
        return NULL;
    }
    return list;
}

/* For a quantile model: the share of actuals at or below each quantile, and
   inside the outer pair at each step. Null for point forecasts. */
static cJSON *reliability_json(const mc_backtest *b)
{
    const size_t Q = mc_backtest_method_quantiles(b, 0);
    const double *qf = mc_backtest_method_quantile_forecasts(b, 0);
    if (Q < 2 || qf == NULL)
        return cJSON_CreateNull();
    const size_t N = mc_backtest_origins(b), H = mc_backtest_horizon(b);
    const double *actual = mc_backtest_actuals(b);
    double levels[MC_MAX_QUANTILES], below[MC_MAX_QUANTILES];
    double *inside = calloc(2 * (H ? H : 1), sizeof *inside), *scored = inside + H;
    if (inside == NULL)
        return NULL;
    for (size_t i = 0; i < N * H; i++) {
        if (isnan(actual[i]))
            continue;
        const double *q = qf + i * Q;
        inside[i % H] += actual[i] >= q[0] && actual[i] <= q[Q - 1];
        scored[i % H]++;
    }
    for (size_t j = 0; j < Q; j++) {
        size_t n;
        levels[j] = mc_backtest_method_quantile_level(b, 0, j);
        if (mc_backtest_quantile_reliability(b, 0, j, H, &below[j], &n, NULL) != MC_OK)
            below[j] = NAN;
    }
    for (size_t k = 0; k < H; k++)
        inside[k] = scored[k] > 0 ? inside[k] / scored[k] : NAN;
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && mc_rj_put(o, "levels", mc_rj_numbers(levels, Q, 1));
    ok = ok && mc_rj_put(o, "observed", mc_rj_numbers(below, Q, 1));
    ok = ok && mc_rj_put(o, "nominal", mc_rj_number(levels[Q - 1] - levels[0]));
    ok = ok && mc_rj_put(o, "coverage_by_step", mc_rj_numbers(inside, H, 1));
    free(inside);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *mc_rj_backtest(const mc_backtest *b, const mc_frame *f)
{
    const size_t N = mc_backtest_origins(b), H = mc_backtest_horizon(b);
    const size_t baseline = best_baseline(b);
    cJSON *s = cJSON_CreateObject(), *methods = NULL;
    bool ok = s != NULL && N > 0 && H > 0 && mc_rj_put(s, "kind", cJSON_CreateString("backtest"));
    ok = ok && mc_rj_put(s, "horizon", cJSON_CreateNumber((double)H));
    ok = ok && mc_rj_put(s, "step", cJSON_CreateNumber(1000.0 * (double)mc_frame_step(f)));
    ok = ok && mc_rj_put(s, "origins", cJSON_CreateNumber((double)N));
    ok = ok && mc_rj_put(s, "train_end", cJSON_CreateNumber(
                                            1000.0 * (double)mc_rj_wall(f, mc_backtest_train_rows(b) - 1)));
    ok = ok && (methods = cJSON_AddArrayToObject(s, "methods")) != NULL;
    for (size_t m = 0; ok && m < mc_backtest_methods(b); m++) {
        cJSON *mo = method_json(b, f, m);
        ok = mo != NULL && cJSON_AddItemToArray(methods, mo);
        if (!ok)
            cJSON_Delete(mo);
    }
    ok = ok && mc_rj_put(s, "best_baseline", baseline == SIZE_MAX
                                                 ? cJSON_CreateNull()
                                                 : cJSON_CreateNumber((double)baseline));
    ok = ok && mc_rj_put(s, "path", path_json(b, f, baseline));
    ok = ok && mc_rj_put(s, "worst_days", worst_days_json(b, f));
    ok = ok && mc_rj_put(s, "reliability", reliability_json(b));
    if (!ok) {
        cJSON_Delete(s);
        return NULL;
    }
    return s;
}
