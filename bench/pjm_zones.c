/*
 * PJM's ten zones: a global model against one model per zone, and the
 * zones' forecasts summed against a direct model of their sum
 * (docs/RESULTS.md, "Many series"; bench/run_pjm_zones.sh runs it).
 *
 *   mc_bench_pjm_zones DIR whole|DAYS [EPOCHS SAMPLES TEST_DAYS OFFSET GLOBAL_SAMPLES]
 *
 * Every zone is read from DIR, regularised on its own and cut to the span
 * all ten cover. "whole" backtests on the span's last TEST_DAYS days with
 * everything before them to train on; DAYS (90, 365) keeps DAYS days of
 * each zone from OFFSET days into that span (default 0: the first) to train
 * on, and the TEST_DAYS after them to test. Each per-zone model sees
 * SAMPLES windows an epoch, the global models GLOBAL_SAMPLES (default
 * SAMPLES: a tenth of what the ten per-zone models see together; 0: every
 * origin, as at the default options). Daily
 * origins at midnight, a day ahead, MAPE over every step.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/backtest_global.h"
#include "maskcast/maskcast.h"

enum { ZONES = 10 };
static const char *zone_names[ZONES] = {"AEP", "COMED", "DAYTON", "DEOK", "DOM",
                                        "DUQ", "EKPC",  "FE",     "PJME", "PJMW"};

static void fail(const char *what, const mc_error *e)
{
    fprintf(stderr, "%s: %s\n", what, e->message);
    exit(1);
}

static mc_frame *read_zone(const char *dir, const char *zone)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s_hourly.csv", dir, zone);
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    mc_frame *f = NULL;
    mc_error e;
    if (mc_frame_read_csv(&f, path, &co, &e) != MC_OK)
        fail(path, &e);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    if (mc_frame_regularize(f, &ro, &e) != MC_OK)
        fail(path, &e);
    return f;
}

/* Rows [first instant, last instant] of f. */
static mc_frame *cut(const mc_frame *f, int64_t from, int64_t to)
{
    const int64_t *t = mc_frame_times(f);
    size_t a = 0, b = mc_frame_rows(f);
    while (a < b && t[a] < from)
        a++;
    while (b > a && t[b - 1] > to)
        b--;
    mc_frame *out = NULL;
    mc_error e;
    if (mc_frame_slice(&out, f, a, b - a, &e) != MC_OK)
        fail("cut", &e);
    return out;
}

static double mape(const mc_backtest *b, size_t method)
{
    mc_backtest_metrics m;
    if (mc_backtest_metrics_of(b, method, mc_backtest_horizon(b), &m, NULL) != MC_OK)
        return NAN;
    return m.mape;
}

static size_t method_named(const mc_backtest *b, const char *name)
{
    for (size_t m = 0; m < mc_backtest_methods(b); m++)
        if (strcmp(mc_backtest_method_name(b, m), name) == 0)
            return m;
    return SIZE_MAX;
}

/* MAPE of a summed forecast against the summed actuals. */
static double sum_mape(mc_backtest *const *zones, size_t method_of_local)
{
    const size_t N = mc_backtest_origins(zones[0]), H = mc_backtest_horizon(zones[0]);
    double total = 0.0;
    size_t n = 0;
    for (size_t i = 0; i < N * H; i++) {
        double a = 0.0, f = 0.0;
        bool ok = true;
        for (size_t z = 0; z < ZONES; z++) {
            const double *act = mc_backtest_actuals(zones[z]);
            const double *fc = mc_backtest_forecasts(zones[z], method_of_local);
            ok = ok && !isnan(act[i]) && !isnan(fc[i]);
            a += act[i];
            f += fc[i];
        }
        if (ok && a != 0.0) {
            total += fabs(f - a) / fabs(a);
            n++;
        }
    }
    return n ? 100.0 * total / (double)n : NAN;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DIR whole|DAYS [EPOCHS SAMPLES TEST_DAYS]\n", argv[0]);
        return 2;
    }
    const bool whole = strcmp(argv[2], "whole") == 0;
    const long days = whole ? 0 : atol(argv[2]);
    const size_t epochs = argc > 3 ? (size_t)atol(argv[3]) : 20;
    const size_t samples = argc > 4 ? (size_t)atol(argv[4]) : 16384;
    const size_t test_days = argc > 5 ? (size_t)atol(argv[5]) : 28;
    const long offset = argc > 6 ? atol(argv[6]) : 0;
    const size_t global_samples = argc > 7 ? (size_t)atol(argv[7]) : samples;
    mc_set_blas_threads(1);

    mc_frame *raw[ZONES], *f[ZONES];
    int64_t from = INT64_MIN, to = INT64_MAX;
    for (size_t z = 0; z < ZONES; z++) {
        raw[z] = read_zone(argv[1], zone_names[z]);
        const int64_t *t = mc_frame_times(raw[z]);
        const size_t rows = mc_frame_rows(raw[z]);
        /* whole days from the first midnight */
        const int64_t first = (t[0] + 86399) / 86400 * 86400;
        if (first > from)
            from = first;
        if (t[rows - 1] < to)
            to = t[rows - 1];
    }
    if (!whole) {
        from += (int64_t)offset * 86400;
        to = from + (int64_t)(days + (long)test_days) * 86400 - 3600;
    }
    for (size_t z = 0; z < ZONES; z++) {
        f[z] = cut(raw[z], from, to);
        mc_frame_free(raw[z]);
    }
    printf("span %lld .. %lld (%zu rows per zone), test %zu days, %zu epochs of %zu samples "
           "(global: %zu)\n",
           (long long)from, (long long)to, mc_frame_rows(f[0]), test_days, epochs, samples,
           global_samples);

    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mc_train_options tr;
    mc_train_options_defaults(&tr);
    tr.max_epochs = epochs;
    tr.samples_per_epoch = samples;
    mc_backtest_options bo;
    mc_backtest_options_defaults(&bo);
    bo.test_days = test_days;
    mc_error e;

    /* one model per zone */
    mc_backtest *local[ZONES];
    for (size_t z = 0; z < ZONES; z++)
        if (mc_backtest_run(&local[z], f[z], &mo, &tr, &bo, &e) != MC_OK)
            fail(zone_names[z], &e);
    /* one global model, with and without the identity channels */
    mc_backtest *global[ZONES], *global_id[ZONES];
    mc_series_set set = {.n = ZONES, .frames = (const mc_frame *const *)f, .names = zone_names};
    mc_train_options tg = tr;
    tg.samples_per_epoch = global_samples;
    if (mc_backtest_series(global, NULL, &set, &mo, &tg, &bo, &e) != MC_OK)
        fail("global", &e);
    set.identity = true;
    if (mc_backtest_series(global_id, NULL, &set, &mo, &tg, &bo, &e) != MC_OK)
        fail("global with identity", &e);

    const size_t week = method_named(local[0], "seasonal-week");
    printf("\n%-8s %10s %10s %12s %14s\n", "zone", "per-zone", "global", "global+id",
           "seasonal-week");
    double s_local = 0, s_global = 0, s_id = 0, s_week = 0;
    for (size_t z = 0; z < ZONES; z++) {
        const double l = mape(local[z], 0), g = mape(global[z], 0), gi = mape(global_id[z], 0),
                     w = mape(local[z], week);
        printf("%-8s %9.2f%% %9.2f%% %11.2f%% %13.2f%%\n", zone_names[z], l, g, gi, w);
        s_local += l;
        s_global += g;
        s_id += gi;
        s_week += w;
    }
    printf("%-8s %9.2f%% %9.2f%% %11.2f%% %13.2f%%\n", "mean", s_local / ZONES,
           s_global / ZONES, s_id / ZONES, s_week / ZONES);

    /* the sum of the ten: bottom-up against a direct model */
    const size_t rows = mc_frame_rows(f[0]);
    for (size_t z = 0; z < ZONES; z++)
        if (mc_frame_rows(f[z]) != rows || mc_frame_times(f[z])[0] != mc_frame_times(f[0])[0]) {
            fprintf(stderr, "zone %s is not aligned with %s\n", zone_names[z], zone_names[0]);
            return 1;
        }
    double *sum = calloc(rows, sizeof *sum);
    for (size_t z = 0; z < ZONES; z++)
        for (size_t r = 0; r < rows; r++)
            sum[r] += mc_frame_values(f[z], 0)[r]; /* aligned: one span, one step */
    const char *names[] = {"total"};
    const double *cols[] = {sum};
    mc_frame *total = NULL;
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    if (mc_frame_from_arrays(&total, mc_frame_times(f[0]), NULL, rows, names, cols, 1, &e) !=
            MC_OK ||
        mc_frame_regularize(total, &ro, &e) != MC_OK)
        fail("total", &e);
    mc_backtest *direct = NULL;
    if (mc_backtest_run(&direct, total, &mo, &tr, &bo, &e) != MC_OK)
        fail("direct", &e);
    printf("\nsum of the ten zones, MAPE: direct model %.2f%%, bottom-up per-zone %.2f%%, "
           "bottom-up global %.2f%%, bottom-up global+id %.2f%%, seasonal-week %.2f%%\n",
           mape(direct, 0), sum_mape(local, 0), sum_mape(global, 0), sum_mape(global_id, 0),
           mape(direct, method_named(direct, "seasonal-week")));
    for (size_t z = 0; z < ZONES; z++) {
        mc_backtest_free(local[z]);
        mc_backtest_free(global[z]);
        mc_backtest_free(global_id[z]);
        mc_frame_free(f[z]);
    }
    mc_backtest_free(direct);
    mc_frame_free(total);
    free(sum);
    return 0;
}
