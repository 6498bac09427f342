/* Accuracy smoke on the bundled sample (label "accuracy", about 15 s): the
   day-ahead forecast beats the weekly seasonal-naive forecast clearly on the
   last 90 days. Prints the figures; asserts the claim. (What the anomaly mask
   does is measured by bench/mask_eval, not asserted: see docs/MODEL.md.) */
#include "test_util.h"

#include <stdlib.h>

#include "maskcast/maskcast.h"
#include "train/bind.h"
#include "train/model_internal.h"

enum { TEST_DAYS = 90, DAY = 24, WEEK = 168 };

#ifndef MC_SOURCE_DIR
#define MC_SOURCE_DIR "."
#endif

typedef struct fixture {
    mc_frame *frame;
    mc_model *model;
    size_t train_rows;
    size_t origins[TEST_DAYS];
} fixture;

static fixture fx;

static int setup(void **state)
{
    (void)state;
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    const char *covs[] = {"temperature"};
    co.target_column = "load";
    co.covariates = covs;
    co.n_covariates = 1;
    mc_error e;
    if (mc_frame_read_csv(&fx.frame, MC_SOURCE_DIR "/data/sample_load.csv", &co, &e) != MC_OK) {
        print_error("%s\n", e.message);
        return -1;
    }
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    if (mc_frame_regularize(fx.frame, &ro, &e) != MC_OK)
        return -1;
    /* Rows start at 00:00, so multiples of 24 are midnights. */
    fx.train_rows = mc_frame_rows(fx.frame) - TEST_DAYS * DAY;
    for (size_t d = 0; d < TEST_DAYS; d++)
        fx.origins[d] = fx.train_rows + d * DAY;
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    const char *future[] = {"temperature"};
    mo.features.future = future;
    mo.features.n_future = 1;
    int64_t *holidays = NULL;
    if (mc_holiday_dates_read(MC_SOURCE_DIR "/data/sample_holidays.csv", &holidays,
                              &mo.features.n_holidays, &e) != MC_OK) {
        print_error("%s\n", e.message);
        return -1;
    }
    mo.features.holidays = holidays;
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = 40;
    to.samples_per_epoch = 8192;
    to.train_rows = fx.train_rows;
    const mc_status st = mc_model_train(&fx.model, fx.frame, &mo, &to, &e);
    free(holidays);
    if (st != MC_OK) {
        print_error("%s\n", e.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mc_model_free(fx.model);
    mc_frame_free(fx.frame);
    return 0;
}

/* Day-ahead MAPE over observed actuals, against the load one week before. */
static void test_beats_weekly_seasonal_naive(void **state)
{
    (void)state;
    mc_bound b;
    assert_int_equal(mc_model_bind(&b, fx.model, fx.frame, mc_frame_rows(fx.frame), NULL), MC_OK);
    double *out = malloc(TEST_DAYS * DAY * sizeof *out);
    assert_non_null(out);
    assert_int_equal(mc_model_predict(fx.model, &b.series, fx.origins, TEST_DAYS, out, NULL, NULL),
                     MC_OK);
    const double *v = mc_frame_values(fx.frame, 0);
    const uint8_t *st = mc_frame_states(fx.frame, 0);
    double model = 0, naive = 0;
    size_t n = 0;
    for (size_t d = 0; d < TEST_DAYS; d++)
        for (size_t k = 0; k < DAY; k++) {
            const size_t t = fx.origins[d] + k;
            if (st[t] != MC_VALUE_OBSERVED || st[t - WEEK] != MC_VALUE_OBSERVED || v[t] == 0.0)
                continue;
            model += fabs(out[d * DAY + k] - v[t]) / fabs(v[t]);
            naive += fabs(v[t - WEEK] - v[t]) / fabs(v[t]);
            n++;
        }
    model *= 100.0 / (double)n;
    naive *= 100.0 / (double)n;
    print_message("day-ahead MAPE over the last %d days (%zu hours): maskcast %.2f%%, weekly "
                  "seasonal naive %.2f%%\n",
                  TEST_DAYS, n, model, naive);
    assert_true(n > TEST_DAYS * DAY * 9 / 10);
    assert_true(model < 0.75 * naive); /* clearly, not by a hair */
    free(out);
    mc_bound_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_beats_weekly_seasonal_naive),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
