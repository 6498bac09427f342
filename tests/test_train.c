/* Training and forecasting end to end on a small synthetic series: the split,
   determinism, early stopping, cancellation, augmentation, and every refusal. */
#include "synthetic_load.h"

#include <stdlib.h>

#include "data/timestamp.h"
#include "maskcast/maskcast.h"
#include "train/augment.h"
#include "train/model_internal.h"

static const char *FUTURE[] = {"temp"};

static void small_options(mc_model_options *mo, mc_train_options *to)
{
    mc_model_options_defaults(mo);
    mo->window.lookback = 48;
    mo->window.horizon = 12;
    mo->network.hidden = 16;
    mo->features.future = FUTURE;
    mo->features.n_future = 1;
    mc_train_options_defaults(to);
    to->max_epochs = 4;
    to->batch_size = 64;
    to->samples_per_epoch = 512;
    to->seed = 2385;
}

static void test_split_keeps_validation_apart(void **state)
{
    (void)state;
    char *csv = synthetic_csv(HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    mc_trainer *t = NULL;
    assert_int_equal(mc_trainer_init(&t, f, &mo, &to, NULL), MC_OK);
    const size_t *train, *val;
    size_t n_train, n_val;
    mc_trainer_origins(t, &train, &n_train, &val, &n_val);
    /* Every origin with a full window; the last tenth validates. */
    const size_t all = HOURS - 48 - 12 + 1;
    assert_int_equal(n_val, (size_t)ceil(0.1 * (double)all));
    size_t last_train = 0;
    for (size_t i = 0; i < n_train; i++) {
        assert_true(train[i] >= 48 && train[i] + 12 <= HOURS);
        last_train = train[i] > last_train ? train[i] : last_train;
    }
    /* No training target reaches the first validation target. */
    assert_true(last_train + 12 <= val[0]);
    assert_true(n_train + n_val >= all - 12);
    for (size_t i = 1; i < n_val; i++)
        assert_true(val[i] > val[i - 1]);
    mc_trainer_free(t);

    /* Training on a prefix never sees the rows after it. */
    to.train_rows = HOURS / 2;
    assert_int_equal(mc_trainer_init(&t, f, &mo, &to, NULL), MC_OK);
    mc_trainer_origins(t, &train, &n_train, &val, &n_val);
    for (size_t i = 0; i < n_val; i++)
        assert_true(val[i] + 12 <= HOURS / 2);
    mc_trainer_free(t);
    mc_frame_free(f);
    free(csv);
}

/* Validation losses by epoch, and a cancellation point. */
typedef struct watcher {
    double val[16];
    size_t epochs;
    size_t cancel_at_batch; /* 0: never */
    size_t calls;
} watcher;

static bool watch(const mc_train_progress *p, void *user)
{
    watcher *w = user;
    w->calls++;
    if (p->epoch_done && w->epochs < 16)
        w->val[w->epochs++] = p->val_loss;
    return !(w->cancel_at_batch && p->batch == w->cancel_at_batch && !p->epoch_done);
}

static void test_learns_and_keeps_best(void **state)
{
    (void)state;
    char *csv = synthetic_csv(HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    to.max_epochs = 8;
    to.linear_candidate = false; /* the network alone: its best epoch is kept */
    watcher w = {.epochs = 0};
    to.progress = watch;
    to.progress_user = &w;
    mc_trainer *t = NULL;
    assert_int_equal(mc_trainer_init(&t, f, &mo, &to, NULL), MC_OK);
    double before;
    assert_int_equal(mc_trainer_evaluate(t, &before, NULL), MC_OK);
    bool done = false;
    while (!done)
        assert_int_equal(mc_trainer_step(t, &done, NULL), MC_OK);
    assert_int_equal(w.epochs, 8);
    size_t best = 0;
    for (size_t e = 1; e < w.epochs; e++)
        best = w.val[e] < w.val[best] ? e : best;
    /* Learning happened: well below the untrained network. */
    assert_true(w.val[best] < 0.5 * before);
    mc_model *m = NULL;
    assert_int_equal(mc_trainer_model(t, &m, NULL), MC_OK);
    assert_int_equal(m->record.best_epoch, best + 1);
    assert_close(m->record.best_val_loss, w.val[best], 1e-12, 0);
    assert_int_equal(m->record.epochs, 8);
    mc_model_free(m);
    mc_trainer_free(t);
    mc_frame_free(f);
    free(csv);
}

static void test_same_seed_same_file(void **state)
{
    (void)state;
    char *csv = synthetic_csv(HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    void *buf[3];
    size_t size[3];
    for (int run = 0; run < 3; run++) {
        to.seed = run < 2 ? 2385 : 2386;
        mc_model *m = NULL;
        assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
        assert_int_equal(mc_model_save_buffer(m, &buf[run], &size[run], NULL), MC_OK);
        mc_model_free(m);
    }
    assert_int_equal(size[0], size[1]);
    assert_memory_equal(buf[0], buf[1], size[0]);
    assert_true(size[0] != size[2] || memcmp(buf[0], buf[2], size[0]) != 0);
    for (int run = 0; run < 3; run++)
        free(buf[run]);
    mc_frame_free(f);
    free(csv);
}

static void test_cancellation(void **state)
{
    (void)state;
    char *csv = synthetic_csv(HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    watcher w = {.cancel_at_batch = 3};
    to.progress = watch;
    to.progress_user = &w;
    mc_trainer *t = NULL;
    assert_int_equal(mc_trainer_init(&t, f, &mo, &to, NULL), MC_OK);
    bool done = false;
    mc_error err;
    assert_int_equal(mc_trainer_step(t, &done, &err), MC_ERR_CANCELLED);
    assert_contains(err.message, "cancelled");
    assert_int_equal(w.calls, 3);
    /* The trainer stays usable: a model can still be taken. */
    mc_model *m = NULL;
    assert_int_equal(mc_trainer_model(t, &m, NULL), MC_OK);
    mc_model_free(m);
    mc_trainer_free(t);
    assert_int_equal(mc_model_train(&m, f, &mo, &to, &err), MC_ERR_CANCELLED);
    assert_null(m);
    mc_frame_free(f);
    free(csv);
}

/* A time limit stops training before an epoch that would end past it: with
   a limit no epoch can meet, the first runs and no other; the record says
   so, and a negative limit is refused. */
static void test_time_limit(void **state)
{
    (void)state;
    char *csv = synthetic_csv(HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    to.time_limit = 1e-9;
    mc_model *m = NULL;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    mc_training_record rec;
    mc_model_training_record(m, &rec);
    assert_int_equal(rec.epochs, 1);
    assert_true(rec.time_limited);
    mc_model_free(m);
    /* A limit never reached changes nothing: the same file as without. */
    to.time_limit = 1e6;
    void *with = NULL, *without = NULL;
    size_t n_with = 0, n_without = 0;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    mc_model_training_record(m, &rec);
    assert_int_equal(rec.epochs, to.max_epochs);
    assert_false(rec.time_limited);
    assert_int_equal(mc_model_save_buffer(m, &with, &n_with, NULL), MC_OK);
    mc_model_free(m);
    to.time_limit = 0.0;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    assert_int_equal(mc_model_save_buffer(m, &without, &n_without, NULL), MC_OK);
    assert_int_equal(n_with, n_without);
    assert_memory_equal(with, without, n_with);
    mc_model_free(m);
    free(with);
    free(without);
    to.time_limit = -1.0;
    mc_error err;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "time limit");
    mc_frame_free(f);
    free(csv);
}

/* An ensemble forecasts the mean of its members' forecasts (members trained
   for different epochs, so that what each kept may differ); its file holds
   every member; members trained on other data, an ensemble as a member and
   an ensemble asked of training are refused. */
static void test_ensemble_is_the_mean(void **state)
{
    (void)state;
    char *csv = synthetic_csv(HOURS, 0), *hist_csv = synthetic_csv(HOURS, 12);
    mc_frame *f = frame_of(csv), *hist = frame_of(hist_csv);
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    to.train_rows = HOURS - 12;
    enum { N = 3 };
    mc_model *members[N];
    for (size_t i = 0; i < N; i++) {
        to.seed = 100 + i;
        to.max_epochs = 2 + 2 * i; /* members of different kinds, likely */
        assert_int_equal(mc_model_train(&members[i], f, &mo, &to, NULL), MC_OK);
    }
    mc_model *e = NULL;
    assert_int_equal(mc_model_ensemble(&e, (const mc_model *const *)members, N, NULL), MC_OK);
    assert_int_equal(mc_model_members(e), N);
    assert_string_equal(mc_model_kept(e), "ensemble");
    int64_t times[12];
    double want[12] = {0}, got[12], one[12];
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(mc_model_forecast(members[i], hist, NULL, times, one, NULL), MC_OK);
        for (size_t k = 0; k < 12; k++)
            want[k] += one[k] / N;
    }
    assert_int_equal(mc_model_forecast(e, hist, NULL, times, got, NULL), MC_OK);
    for (size_t k = 0; k < 12; k++)
        assert_close(got[k], want[k], 1e-4, 1e-6);
    /* The file keeps every member. */
    void *bytes = NULL;
    size_t size = 0;
    mc_model *back = NULL;
    assert_int_equal(mc_model_save_buffer(e, &bytes, &size, NULL), MC_OK);
    assert_int_equal(mc_model_load_buffer(&back, bytes, size, "ensemble", NULL), MC_OK);
    assert_int_equal(mc_model_members(back), N);
    double again[12];
    assert_int_equal(mc_model_forecast(back, hist, NULL, times, again, NULL), MC_OK);
    for (size_t k = 0; k < 12; k++)
        assert_true(again[k] == got[k]);
    free(bytes);
    mc_model_free(back);
    /* Refusals. */
    mc_error err;
    mc_model *other = NULL, *bad = NULL;
    to.train_rows = HOURS - 48; /* other data: other scalers */
    assert_int_equal(mc_model_train(&other, f, &mo, &to, NULL), MC_OK);
    const mc_model *mixed[2] = {members[0], other};
    assert_int_equal(mc_model_ensemble(&bad, mixed, 2, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "member 2 differs");
    const mc_model *nested[2] = {members[0], e};
    assert_int_equal(mc_model_ensemble(&bad, nested, 2, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "an ensemble itself");
    assert_int_equal(mc_model_ensemble(&bad, nested, 0, &err), MC_ERR_ARGUMENT);
    assert_null(bad);
    /* Training refuses to make one. */
    mo.network.members = 2;
    assert_int_equal(mc_model_train(&bad, f, &mo, &to, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "members");
    mc_model_free(other);
    mc_model_free(e);
    for (size_t i = 0; i < N; i++)
        mc_model_free(members[i]);
    mc_frame_free(f);
    mc_frame_free(hist);
    free(csv);
    free(hist_csv);
}

static void test_augmentation_touches_only_past_load(void **state)
{
    (void)state;
    const size_t past[1] = {1}, future[1] = {2};
    mc_window_spec w = {.lookback = 24, .horizon = 6, .n_past = 1, .past = past, .n_future = 1,
                        .future = future, .calendar = true};
    const size_t n_in = mc_window_input_size(&w), B = 64, Cp = 2;
    float *x = malloc(B * n_in * sizeof *x), *orig = malloc(B * n_in * sizeof *x);
    float zero[64];
    for (size_t i = 0; i < B * n_in; i++)
        orig[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
    for (size_t b = 0; b < B; b++)
        zero[b] = -4.385f;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2385);
    memcpy(x, orig, B * n_in * sizeof *x);
    mc_augment_batch(x, &w, B, 0.0, zero, rng);
    assert_memory_equal(x, orig, B * n_in * sizeof *x);
    mc_augment_batch(x, &w, B, 1.0, zero, rng);
    size_t changed = 0, dropouts = 0;
    for (size_t b = 0; b < B; b++) {
        size_t changed_here = 0;
        for (size_t i = 0; i < n_in; i++) {
            const size_t k = b * n_in + i;
            const bool load_lag = i < 24 * Cp && i % Cp == 0;
            if (!load_lag)
                assert_true(x[k] == orig[k]); /* covariates, flags, future: untouched */
            else if (x[k] != orig[k]) {
                changed_here++;
                dropouts += x[k] == zero[b];
            }
        }
        changed += changed_here > 0;
    }
    assert_true(changed >= B * 9 / 10); /* nearly every sample got an anomaly */
    assert_true(dropouts > 0);
    gsl_rng_free(rng);
    free(x);
    free(orig);
}

static void test_refusals(void **state)
{
    (void)state;
    char *csv = synthetic_csv(HOURS, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    mc_model *m = (mc_model *)&m;
    mc_error err;

    to.batch_size = 0;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, &err), MC_ERR_ARGUMENT);
    assert_null(m);
    small_options(&mo, &to);
    mo.loss.kind = MC_LOSS_PINBALL;
    mo.loss.quantiles[1] = 0.05; /* not increasing */
    assert_int_equal(mc_model_train(&m, f, &mo, &to, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "increasing");
    /* Levels are kept as floats: below 1 as a double but 1 as a float, or
       distinct doubles that are one float (found by fuzz_model: such a
       model saved a file that did not load again). */
    const double rounding[2][3] = {{0.1, 0.5, 0.99999999}, {0.1, 0.3, 0.30000000001}};
    for (size_t k = 0; k < 2; k++) {
        small_options(&mo, &to);
        mo.loss.kind = MC_LOSS_PINBALL;
        memcpy(mo.loss.quantiles, rounding[k], sizeof rounding[k]);
        mo.loss.n_quantiles = 3;
        assert_int_equal(mc_model_train(&m, f, &mo, &to, &err), MC_ERR_ARGUMENT);
        assert_contains(err.message, "as single-precision numbers");
    }
    small_options(&mo, &to);
    const char *nope[] = {"humidity"};
    mo.features.past = nope;
    mo.features.n_past = 1;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, &err), MC_ERR_COLUMN);
    assert_contains(err.message, "\"humidity\"");
    small_options(&mo, &to);
    mo.window.lookback = HOURS;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, &err), MC_ERR_EMPTY);
    assert_contains(err.message, "too few");
    mc_frame_free(f);

    /* A frame that was never regularised. */
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    assert_int_equal(mc_frame_read_csv_buffer(&f, csv, strlen(csv), "s.csv", &co, NULL), MC_OK);
    small_options(&mo, &to);
    mo.features.n_future = 0;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "regularised");
    mc_frame_free(f);
    free(csv);
}

/* No window with an observed target: a clear refusal, not a wrapped count
   (the validation tail of zero origins used to underflow into a crash). */
static void test_no_observed_target(void **state)
{
    (void)state;
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    mc_error err;
    /* The load missing everywhere, and observed only in the first 20 rows
       (before any window's horizon can reach it, lookback 48). */
    const size_t observed_rows[] = {0, 20};
    for (size_t c = 0; c < 2; c++) {
        char *csv = synthetic_csv(HOURS, HOURS - observed_rows[c]);
        mc_frame *f = frame_of(csv);
        mc_model *m = (mc_model *)&m;
        assert_int_equal(mc_model_train(&m, f, &mo, &to, &err), MC_ERR_EMPTY);
        assert_null(m);
        assert_contains(err.message, "no training window has an observed load value");
        mc_trainer *t = (mc_trainer *)&t;
        assert_int_equal(mc_trainer_init(&t, f, &mo, &to, &err), MC_ERR_EMPTY);
        assert_null(t);
        /* Without a validation tail as well. */
        to.validation_fraction = 0.0;
        assert_int_equal(mc_model_train(&m, f, &mo, &to, &err), MC_ERR_EMPTY);
        to.validation_fraction = 0.1;
        mc_frame_free(f);
        free(csv);
    }
}

static void test_forecast(void **state)
{
    (void)state;
    /* Train on all but the last day; forecast that day from a history whose
       last day carries the temperature and no load. */
    char *csv = synthetic_csv(HOURS, 0), *hist_csv = synthetic_csv(HOURS, 12);
    mc_frame *f = frame_of(csv), *hist = frame_of(hist_csv);
    mc_model_options mo;
    mc_train_options to;
    small_options(&mo, &to);
    mo.loss.kind = MC_LOSS_PINBALL;
    to.max_epochs = 6;
    to.train_rows = HOURS - 12;
    mc_model *m = NULL;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, NULL), MC_OK);
    int64_t times[12];
    double values[12 * 3];
    mc_error err;
    mc_status st = mc_model_forecast(m, hist, NULL, times, values, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    const int64_t *t = mc_frame_times(f);
    const double *actual = mc_frame_values(f, 0);
    double ape = 0.0;
    for (size_t k = 0; k < 12; k++) {
        assert_int_equal(times[k], t[HOURS - 12 + k]);
        assert_true(values[k * 3] <= values[k * 3 + 1] && values[k * 3 + 1] <= values[k * 3 + 2]);
        ape += fabs(values[k * 3 + 1] - actual[HOURS - 12 + k]) / actual[HOURS - 12 + k];
    }
    /* The median forecast is close to the truth (the series is easy). */
    assert_true(ape / 12 < 0.08);

    /* The same known-future values from a separate frame give the same forecast. */
    char *short_csv = synthetic_csv(HOURS - 12, 0);
    mc_frame *short_hist = frame_of(short_csv);
    double values2[12 * 3];
    int64_t times2[12];
    assert_int_equal(mc_model_forecast(m, short_hist, f, times2, values2, NULL), MC_OK);
    assert_memory_equal(values, values2, sizeof values);
    assert_memory_equal(times, times2, sizeof times);

    /* Without them: refused, naming the column and time. */
    assert_int_equal(mc_model_forecast(m, short_hist, NULL, times, values, &err), MC_ERR_COLUMN);
    assert_contains(err.message, "no value of \"temp\" for 2021-04-14 12:00:00");

    /* Too short a history. */
    char *tiny_csv = synthetic_csv(30, 0);
    mc_frame *tiny = frame_of(tiny_csv);
    assert_int_equal(mc_model_forecast(m, tiny, f, times, values, &err), MC_ERR_EMPTY);
    assert_contains(err.message, "too short");
    mc_frame_free(tiny);
    free(tiny_csv);

    /* A different step. */
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    const char *covs[] = {"temp"};
    co.covariates = covs;
    co.n_covariates = 1;
    mc_frame *half = NULL;
    assert_int_equal(mc_frame_read_csv_buffer(&half, hist_csv, strlen(hist_csv), "h.csv", &co, NULL),
                     MC_OK);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    ro.step = 1800;
    ro.long_fill = MC_LONG_FILL_NONE;
    assert_int_equal(mc_frame_regularize(half, &ro, NULL), MC_OK);
    assert_int_equal(mc_model_forecast(m, half, NULL, times, values, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "step (1800 s) differs from the model's (3600 s)");
    mc_frame_free(half);

    /* A finite load the network overflows on (found by fuzzing; the reader
       now refuses beyond 1e100, so 9e99): refused, where it used to come
       back as inf with MC_OK. */
    char *huge_csv = malloc(strlen(hist_csv) + 64);
    assert_non_null(huge_csv);
    strcpy(huge_csv, hist_csv);
    /* The load of the last observed row (row HOURS - 13) becomes 1e308. */
    char *row = huge_csv;
    for (size_t line = 0; line < HOURS - 12; line++)
        row = strchr(row, '\n') + 1;
    char *comma = strchr(row, ',');
    char *next = strchr(comma + 1, ',');
    memmove(comma + 5, next, strlen(next) + 1);
    memcpy(comma + 1, "9e99", 4);
    mc_frame *huge = frame_of(huge_csv);
    assert_true(mc_frame_values(huge, 0)[HOURS - 13] == 9e99);
    assert_int_equal(mc_model_forecast(m, huge, NULL, times, values, &err), MC_ERR_VALUE);
    assert_contains(err.message, "is not a finite number");
    mc_frame_free(huge);
    free(huge_csv);
    /* A model whose weights are finite but huge (as a model file's may be). */
    mc_model *heavy = NULL;
    assert_int_equal(mc_model_train(&heavy, f, &mo, &to, NULL), MC_OK);
    for (size_t i = 0; i < heavy->layout.total; i++)
        heavy->params[i] = i % 2 ? 3e37f : -2.5e37f;
    assert_int_equal(mc_model_forecast(heavy, hist, NULL, times, values, &err), MC_ERR_VALUE);
    assert_contains(err.message, "the forecast at step 1 is not a finite number");
    mc_model_free(heavy);

    mc_frame_free(short_hist);
    free(short_csv);
    mc_model_free(m);
    mc_frame_free(f);
    mc_frame_free(hist);
    free(csv);
    free(hist_csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_keeps_validation_apart),
        cmocka_unit_test(test_learns_and_keeps_best),
        cmocka_unit_test(test_same_seed_same_file),
        cmocka_unit_test(test_cancellation),
        cmocka_unit_test(test_time_limit),
        cmocka_unit_test(test_ensemble_is_the_mean),
        cmocka_unit_test(test_augmentation_touches_only_past_load),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_no_observed_target),
        cmocka_unit_test(test_forecast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
