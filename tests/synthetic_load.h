/* A small synthetic hourly load series with a temperature column, for tests
   that train: daily and weekly shape, temperature dependence, fixed noise. */
#ifndef MC_TESTS_SYNTHETIC_LOAD_H
#define MC_TESTS_SYNTHETIC_LOAD_H

#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/timestamp.h"
#include "maskcast/maskcast.h"

enum { DAYS = 42, HOURS = DAYS * 24 };
#define TWO_PI 6.283185307179586

/* Hourly load with a daily and weekly shape, a temperature that drives it,
   and deterministic noise; `last_load_rows` rows at the end leave the load
   empty (known-future rows for forecasting); from row `distort_from` on the
   load is tripled (SIZE_MAX: never), for tests that nothing reads ahead. */
static inline char *synthetic_csv_distorted(size_t hours, size_t last_load_rows, size_t distort_from)
{
    const size_t cap = 64 + hours * 64;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "time,load,temp\n");
    uint32_t s = 2385;
    for (size_t h = 0; h < hours; h++) {
        s = s * 1664525u + 1013904223u;
        const double noise = ((double)(s >> 8) / 16777216.0 - 0.5) * 20.0;
        const double temp = 12.0 + 8.0 * sin(TWO_PI * (double)h / (24.0 * 9.0)) +
                            3.0 * sin(TWO_PI * ((double)(h % 24) - 9.0) / 24.0);
        const size_t dow = (h / 24 + 3) % 7; /* 2021-03-04 is a Thursday: 0 = Monday */
        const double load = 1000.0 + 220.0 * sin(TWO_PI * ((double)(h % 24) - 7.0) / 24.0) -
                            (dow >= 5 ? 140.0 : 0.0) + 9.0 * fabs(temp - 15.0) + noise;
        char stamp[40];
        mc_time_to_text(mc_days_from_civil(2021, 3, 4) * 86400 + (int64_t)h * 3600, 0, false,
                        stamp, sizeof stamp);
        const double shown = h >= distort_from ? 3.0 * load + 500.0 : load;
        if (h + last_load_rows >= hours)
            len += (size_t)snprintf(text + len, cap - len, "%s,,%.3f\n", stamp, temp);
        else
            len += (size_t)snprintf(text + len, cap - len, "%s,%.3f,%.3f\n", stamp, shown, temp);
    }
    return text;
}

static inline char *synthetic_csv(size_t hours, size_t last_load_rows)
{
    return synthetic_csv_distorted(hours, last_load_rows, SIZE_MAX);
}

static inline mc_frame *frame_of(const char *csv)
{
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    const char *covs[] = {"temp"};
    co.target_column = "load";
    co.covariates = covs;
    co.n_covariates = 1;
    mc_frame *f = NULL;
    mc_error e;
    mc_status st = mc_frame_read_csv_buffer(&f, csv, strlen(csv), "synthetic.csv", &co, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    assert_int_equal(mc_frame_regularize(f, &ro, NULL), MC_OK);
    return f;
}

/* A small, quick model of the series: a two-day window, a day ahead, the
   temperature known ahead, two short epochs. */
static inline void synthetic_small_options(mc_model_options *mo, mc_train_options *to)
{
    static const char *future[] = {"temp"};
    mc_model_options_defaults(mo);
    mo->window.lookback = 48;
    mo->window.horizon = 24;
    mo->network.hidden = 8;
    mo->features.future = future;
    mo->features.n_future = 1;
    mc_train_options_defaults(to);
    to->max_epochs = 2;
    to->batch_size = 64;
    to->samples_per_epoch = 256;
    to->seed = 7;
}

#endif /* MC_TESTS_SYNTHETIC_LOAD_H */
