/*
 * Where the anomaly mask closes, measured on the bundled sample: a model is
 * trained on all but the last 90 days (as tests/test_accuracy.c does), then
 *  1. anomalies are injected into the inputs of every daily origin of the last
 *     90 days (spikes, drop-outs, stuck readings, as in training; never into
 *     the actuals), and
 *  2. the anomalies recorded in data/sample_anomalies.csv that fall inside
 *     those origins' lookback windows are looked up,
 * and for each the mask value at anomalous and clean past values is compared:
 * mean mask, and precision / recall of "closed" (mask below a threshold).
 *
 *   mc_bench_mask_eval SOURCE_DIR [THRESHOLD [PENALTY [local|global]]]
 *
 * PENALTY is the mask penalty (default: the model default); "global" trains
 * DESIGN.md's mask without the local evidence. (`maskcast anomalies` scores
 * every value of a history from all the windows that see it; docs/EXPLAIN.md.)
 */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/timestamp.h"
#include "eval/anomalies.h"
#include "maskcast/maskcast.h"
#include "train/augment.h"
#include "train/bind.h"
#include "train/model_internal.h"

enum { TEST_DAYS = 90, DAY = 24 };

typedef struct stats {
    size_t tp, fp, fn, bad, good;
    double mask_bad, mask_good;
} stats;

static void add(stats *s, bool bad, float mask, float threshold)
{
    const bool closed = mask < threshold;
    s->tp += bad && closed;
    s->fp += !bad && closed;
    s->fn += bad && !closed;
    if (bad) {
        s->bad++;
        s->mask_bad += mask;
    } else {
        s->good++;
        s->mask_good += mask;
    }
}

static void report(const char *what, const stats *s, float threshold)
{
    printf("%-28s anomalous values %6zu  mean mask %.3f (clean %.3f)  closed < %.2f: "
           "precision %.3f recall %.3f\n",
           what, s->bad, s->bad ? s->mask_bad / (double)s->bad : NAN,
           s->good ? s->mask_good / (double)s->good : NAN, threshold,
           s->tp + s->fp ? (double)s->tp / (double)(s->tp + s->fp) : 0.0,
           s->tp + s->fn ? (double)s->tp / (double)(s->tp + s->fn) : 0.0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOURCE_DIR [THRESHOLD [PENALTY [local|global]]]\n", argv[0]);
        return 2;
    }
    const float threshold = argc > 2 ? (float)atof(argv[2]) : 0.5f;
    char path[1024], holidays[1024], truth[1024];
    snprintf(path, sizeof path, "%s/data/sample_load.csv", argv[1]);
    snprintf(holidays, sizeof holidays, "%s/data/sample_holidays.csv", argv[1]);
    snprintf(truth, sizeof truth, "%s/data/sample_anomalies.csv", argv[1]);

    mc_csv_options co;
    mc_csv_options_defaults(&co);
    const char *covs[] = {"temperature"};
    co.target_column = "load";
    co.covariates = covs;
    co.n_covariates = 1;
    mc_frame *frame = NULL;
    mc_error e;
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    if (mc_frame_read_csv(&frame, path, &co, &e) != MC_OK ||
        mc_frame_regularize(frame, &ro, &e) != MC_OK) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    const size_t train_rows = mc_frame_rows(frame) - TEST_DAYS * DAY;
    size_t origins[TEST_DAYS];
    for (size_t d = 0; d < TEST_DAYS; d++)
        origins[d] = train_rows + d * DAY;
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    const char *future[] = {"temperature"};
    mo.features.future = future;
    mo.features.n_future = 1;
    int64_t *holiday_days = NULL;
    if (mc_holiday_dates_read(holidays, &holiday_days, &mo.features.n_holidays, &e) != MC_OK) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    mo.features.holidays = holiday_days;
    if (argc > 3)
        mo.network.mask_penalty = atof(argv[3]);
    if (argc > 4)
        mo.network.mask_local = strcmp(argv[4], "global") != 0;
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = 40;
    to.samples_per_epoch = 8192;
    to.train_rows = train_rows;
    mc_model *m = NULL;
    if (mc_model_train(&m, frame, &mo, &to, &e) != MC_OK) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }

    mc_bound b;
    if (mc_model_bind(&b, m, frame, mc_frame_rows(frame), &e) != MC_OK)
        return 1;
    size_t past_idx[MC_MAX_COVARIATES], future_idx[MC_MAX_COVARIATES];
    mc_window_spec spec;
    mc_model_window_spec(m, &spec, past_idx, future_idx);
    const size_t n_in = mc_net_n_input(&m->shape), L = m->shape.lookback;
    const size_t Cp = m->shape.past_channels, np = mc_net_n_past(&m->shape);
    float *x = malloc(TEST_DAYS * n_in * sizeof *x), *clean = malloc(TEST_DAYS * n_in * sizeof *x);
    float level[TEST_DAYS], zero[TEST_DAYS];
    mc_net_work w;
    if (x == NULL || clean == NULL || mc_net_work_alloc(&w, &m->shape, TEST_DAYS, &e) != MC_OK)
        return 1;
    mc_window_gather(clean, NULL, NULL, level, &b.series, &spec, origins, TEST_DAYS);

    /* 2. The recorded anomalies (not the missing cells), in the clean inputs. */
    mc_anomaly_truth events;
    if (mc_anomaly_truth_read(&events, truth, "load", MC_TIME_ISO, &e) != MC_OK) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    const size_t n_events = events.n;
    mc_net_forward(&w, m->params, &m->layout, &m->shape, clean, TEST_DAYS);
    stats recorded = {0};
    for (size_t d = 0; d < TEST_DAYS; d++)
        for (size_t l = 0; l < L; l++) {
            const bool bad = mc_anomaly_truth_contains(&events, b.series.wall[origins[d] - L + l]);
            add(&recorded, bad, w.mask[d * np + l * Cp], threshold);
        }
    mc_anomaly_truth_free(&events);

    /* 1. Injected anomalies. */
    for (size_t d = 0; d < TEST_DAYS; d++)
        zero[d] = (float)((0.0 - m->scalers[0].mean) / m->scalers[0].scale) - level[d];
    memcpy(x, clean, TEST_DAYS * n_in * sizeof *x);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2385);
    mc_augment_batch(x, &spec, TEST_DAYS, 1.0, zero, rng);
    gsl_rng_free(rng);
    mc_net_forward(&w, m->params, &m->layout, &m->shape, x, TEST_DAYS);
    stats injected = {0};
    for (size_t d = 0; d < TEST_DAYS; d++)
        for (size_t l = 0; l < L; l++)
            add(&injected, x[d * n_in + l * Cp] != clean[d * n_in + l * Cp],
                w.mask[d * np + l * Cp], threshold);

    printf("mask_eval: %d daily origins, lookback %zu, %zu recorded load anomalies; mask %s, "
           "penalty %g\n",
           TEST_DAYS, L, n_events, mo.network.mask_local ? "with local evidence" : "global only",
           mo.network.mask_penalty);
    report("injected into the inputs", &injected, threshold);
    report("recorded in the sample", &recorded, threshold);
    mc_net_work_free(&w);
    mc_bound_free(&b);
    free(x);
    free(clean);
    mc_model_free(m);
    mc_frame_free(frame);
    return 0;
}
