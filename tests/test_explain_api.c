/* The public explain and anomaly API (maskcast/explain.h) on a small trained
   model: every number equals the internal computation's (mc_explain_run(),
   mc_anomaly_score(), mc_anomaly_agree()) on origins and truth spans worked
   out here by hand; options, rankings, accessors out of range and every
   error path. */
#include "synthetic_load.h"

#include <unistd.h>

#include "eval/anomalies.h"
#include "eval/explain.h"
#include "train/bind.h"
#include "train/model_internal.h"

enum { L = 48, H = 12, ROWS = HOURS };

typedef struct fixture {
    mc_frame *frame;
    mc_model *model, *plain; /* with and without the anomaly mask */
} fixture;

static mc_model *train_with(const mc_frame *f, bool anomaly_mask, mc_temporal_kind temporal)
{
    static const char *future[] = {"temp"};
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = L;
    mo.window.horizon = H;
    mo.network.hidden = 8;
    mo.features.future = future;
    mo.features.n_future = 1;
    mo.network.anomaly_mask = anomaly_mask;
    mo.network.temporal = temporal;
    mo.network.temporal_dim = 6;
    mo.network.temporal_width = 12;
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = 2;
    to.samples_per_epoch = 256;
    to.seed = 7;
    to.linear_candidate = false; /* a network, whose anomaly mask varies */
    mc_model *m = NULL;
    mc_error e;
    mc_status st = mc_model_train(&m, f, &mo, &to, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
    return m;
}

static mc_model *train(const mc_frame *f, bool anomaly_mask)
{
    return train_with(f, anomaly_mask, MC_TEMPORAL_NONE);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    char *csv = synthetic_csv(ROWS, 0);
    fx->frame = frame_of(csv);
    free(csv);
    assert_int_equal(mc_frame_rows(fx->frame), ROWS);
    fx->model = train(fx->frame, true);
    fx->plain = train(fx->frame, false);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    mc_model_free(fx->model);
    mc_model_free(fx->plain);
    mc_frame_free(fx->frame);
    free(fx);
    return 0;
}

/* The public result holds exactly the internal one for the same origins and shuffles. */
static void assert_same_as_internal(const mc_explanation *x, const fixture *fx,
                                    const size_t *origins, size_t n, size_t repeats,
                                    uint64_t seed, const size_t *strata)
{
    assert_int_equal(mc_explanation_origins(x), n);
    assert_memory_equal(mc_explanation_origin_rows(x), origins, n * sizeof *origins);
    mc_bound b;
    assert_int_equal(mc_model_bind(&b, fx->model, fx->frame, ROWS, NULL), MC_OK);
    mc_explain_options eo;
    mc_explain_options_defaults(&eo);
    eo.repeats = repeats;
    eo.seed = seed;
    eo.strata = strata;
    mc_explain *r = NULL;
    assert_int_equal(mc_explain_run(&r, fx->model, &b.series, origins, n, &eo, NULL), MC_OK);
    assert_int_equal(mc_explanation_horizon(x), H);
    assert_int_equal(mc_explanation_repeats(x), repeats);
    assert_int_equal(mc_explanation_groups(x), r->n_groups);
    for (size_t k = 0; k <= H; k++) {
        assert_int_equal(mc_explanation_scored(x, k), r->scored[k]);
        assert_true(mc_explanation_mae(x, k) == r->mae[k]);
        for (size_t g = 0; g < r->n_groups; g++) {
            assert_true(mc_explanation_increase(x, g, k) == r->increase[g * (H + 1) + k]);
            assert_true(mc_explanation_spread(x, g, k) == r->spread[g * (H + 1) + k]);
            assert_true(mc_explanation_share(x, g, k) == mc_explain_share(r, g, k));
        }
    }
    for (size_t g = 0; g < r->n_groups; g++) {
        assert_string_equal(mc_explanation_group_name(x, g), r->groups[g].name);
        assert_int_equal(mc_explanation_group_kind(x, g), r->groups[g].kind);
    }
    mc_explain_free(r);
    mc_bound_free(&b);
}

static void test_explain_default_origins(void **state)
{
    const fixture *fx = *state;
    mc_explanation_options opt;
    mc_explanation_options_defaults(&opt);
    assert_int_equal(opt.days, 28);
    assert_int_equal(opt.repeats, 5);
    assert_int_equal(opt.seed, 1);
    assert_null(opt.origins);
    opt.days = 5;
    opt.repeats = 3;
    opt.seed = 11;
    mc_explanation *x = NULL;
    mc_error e;
    mc_status st = mc_model_explain(&x, fx->model, fx->frame, &opt, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
    /* Every load is observed: origins every hour from the last whose horizon ends at the
       last row, back to the first whose horizon lies in the last 5 days. */
    size_t origins[5 * 24];
    const size_t n = 5 * 24 - H + 1;
    for (size_t i = 0; i < n; i++)
        origins[i] = ROWS - 5 * 24 + i;
    assert_same_as_internal(x, fx, origins, n, 3, 11, NULL);

    /* The model's groups, and the columns they hold. */
    static const mc_group_kind kinds[] = {MC_GROUP_LOAD_RECENT, MC_GROUP_LOAD_EARLIER,
                                          MC_GROUP_OBSERVED, MC_GROUP_FUTURE, MC_GROUP_CALENDAR};
    static const char *const columns[] = {"load", "load", "load", "temp", NULL};
    assert_int_equal(mc_explanation_groups(x), 5);
    for (size_t g = 0; g < 5; g++) {
        assert_int_equal(mc_explanation_group_kind(x, g), kinds[g]);
        if (columns[g] == NULL)
            assert_null(mc_explanation_group_column(x, g));
        else
            assert_string_equal(mc_explanation_group_column(x, g), columns[g]);
    }
    assert_string_equal(mc_explanation_group_name(x, 0), "load lags 1-24");
    assert_string_equal(mc_explanation_group_name(x, 3), "temp (future)");

    /* Out of range. */
    assert_null(mc_explanation_group_name(x, 5));
    assert_null(mc_explanation_group_column(x, 5));
    assert_int_equal(mc_explanation_group_kind(x, 5), MC_GROUP_NONE);
    assert_true(isnan(mc_explanation_increase(x, 5, 0)));
    assert_true(isnan(mc_explanation_spread(x, 0, H + 1)));
    assert_true(isnan(mc_explanation_share(x, 0, H + 1)));
    assert_true(isnan(mc_explanation_mae(x, H + 1)));
    assert_int_equal(mc_explanation_scored(x, H + 1), 0);
    mc_explanation_free(x);
    mc_explanation_free(NULL);
}

static void test_explain_chosen_origins(void **state)
{
    const fixture *fx = *state;
    mc_explanation_options opt;
    mc_explanation_options_defaults(&opt);
    opt.repeats = 2;

    /* Given rows. */
    size_t given[10];
    for (size_t i = 0; i < 10; i++)
        given[i] = 200 + 10 * i;
    opt.origins = given;
    opt.n_origins = 10;
    mc_explanation *x = NULL;
    assert_int_equal(mc_model_explain(&x, fx->model, fx->frame, &opt, NULL), MC_OK);
    assert_same_as_internal(x, fx, given, 10, 2, 1, NULL);
    mc_explanation_free(x);

    /* From an instant on, a day apart, at midnight as a backtest's origins
       (the data ends at 23:00): 2 origins, 24 and 48 rows before the end. */
    opt.origins = NULL;
    opt.has_start = true;
    opt.start = mc_frame_times(fx->frame)[ROWS - 48];
    opt.stride = 86400;
    assert_int_equal(mc_model_explain(&x, fx->model, fx->frame, &opt, NULL), MC_OK);
    const size_t midnight[] = {ROWS - 48, ROWS - 24};
    assert_same_as_internal(x, fx, midnight, 2, 2, 1, NULL);
    mc_explanation_free(x);
    /* At noon: 12 and 36 rows before the end. */
    opt.origin_time = 12 * 3600;
    assert_int_equal(mc_model_explain(&x, fx->model, fx->frame, &opt, NULL), MC_OK);
    const size_t daily[] = {ROWS - 36, ROWS - 12};
    assert_same_as_internal(x, fx, daily, 2, 2, 1, NULL);
    mc_explanation_free(x);
    opt.origin_time = 0;

    /* Shuffled among origins at the same time of day: strata are the hour (UTC times). */
    opt.has_start = false;
    opt.stride = 0;
    opt.days = 3;
    opt.same_time = true;
    assert_int_equal(mc_model_explain(&x, fx->model, fx->frame, &opt, NULL), MC_OK);
    size_t rows[3 * 24], strata[3 * 24];
    const size_t n = 3 * 24 - H + 1;
    for (size_t i = 0; i < n; i++) {
        rows[i] = ROWS - 3 * 24 + i;
        strata[i] = (size_t)(mc_frame_times(fx->frame)[rows[i]] % 86400);
    }
    assert_same_as_internal(x, fx, rows, n, 2, 1, strata);
    mc_explanation_free(x);

    /* NULL options: the defaults (28 days back). */
    assert_int_equal(mc_model_explain(&x, fx->model, fx->frame, NULL, NULL), MC_OK);
    assert_int_equal(mc_explanation_origins(x), 28 * 24 - H + 1);
    assert_int_equal(mc_explanation_origin_rows(x)[0], ROWS - 28 * 24);
    mc_explanation_free(x);
}

/* Where the temporal attention looks: the mean over the origins of the
   network's attention weights, computed here from its own forward pass on
   the gathered inputs and read back by lag (lag 1 the lookback's last row);
   global rows sum to 1, local ones to at most 1; k == H the mean over the
   steps; NAN out of range and for a model without temporal attention. */
static void test_explain_attention(void **state)
{
    const fixture *fx = *state;
    size_t given[6];
    for (size_t i = 0; i < 6; i++)
        given[i] = 300 + 7 * i;
    mc_explanation_options opt;
    mc_explanation_options_defaults(&opt);
    opt.repeats = 1;
    opt.origins = given;
    opt.n_origins = 6;

    mc_explanation *x = NULL;
    assert_int_equal(mc_model_explain(&x, fx->model, fx->frame, &opt, NULL), MC_OK);
    assert_false(mc_explanation_has_attention(x));
    assert_int_equal(mc_explanation_attention_lags(x), 0);
    assert_true(isnan(mc_explanation_attention(x, 0, 1)));
    mc_explanation_free(x);

    for (int local = 0; local < 2; local++) {
        mc_model *m = train_with(fx->frame, true, local ? MC_TEMPORAL_LOCAL : MC_TEMPORAL_GLOBAL);
        assert_int_equal(mc_model_explain(&x, m, fx->frame, &opt, NULL), MC_OK);
        assert_true(mc_explanation_has_attention(x));
        assert_int_equal(mc_explanation_attention_lags(x), L);

        /* The weights, from a forward pass of the network's own. */
        mc_bound b;
        assert_int_equal(mc_model_bind(&b, m, fx->frame, ROWS, NULL), MC_OK);
        size_t past_idx[MC_MAX_COVARIATES], future_idx[MC_MAX_COVARIATES];
        mc_window_spec spec;
        mc_model_window_spec(m, &spec, past_idx, future_idx);
        const size_t n_in = mc_net_n_input(&m->shape);
        float *xin = malloc(6 * n_in * sizeof *xin), level[6];
        assert_non_null(xin);
        mc_window_gather(xin, NULL, NULL, level, &b.series, &spec, given, 6);
        mc_net_work w;
        assert_int_equal(mc_net_work_alloc(&w, &m->shape, 6, NULL), MC_OK);
        mc_net_forward(&w, m->params, &m->layout, &m->shape, xin, 6);
        for (size_t k = 0; k < H; k++) {
            double sum = 0.0;
            for (size_t lag = 1; lag <= L; lag++) {
                double mean = 0.0;
                for (size_t i = 0; i < 6; i++)
                    mean += w.tattn.alpha[(i * H + k) * L + (L - lag)] / 6.0;
                const double got = mc_explanation_attention(x, k, lag);
                assert_close(got, mean, 1e-12, 1e-9);
                assert_true(got >= 0.0 && got <= 1.0);
                sum += got;
            }
            if (local)
                assert_true(sum <= 1.0 + 1e-6 && sum > 0.0);
            else
                assert_close(sum, 1.0, 1e-5, 0.0);
        }
        for (size_t lag = 1; lag <= L; lag++) {
            double mean = 0.0;
            for (size_t k = 0; k < H; k++)
                mean += mc_explanation_attention(x, k, lag) / (double)H;
            assert_close(mc_explanation_attention(x, H, lag), mean, 1e-15, 1e-12);
        }
        assert_true(isnan(mc_explanation_attention(x, H + 1, 1)));
        assert_true(isnan(mc_explanation_attention(x, 0, 0)));
        assert_true(isnan(mc_explanation_attention(x, 0, L + 1)));
        mc_net_work_free(&w);
        free(xin);
        mc_bound_free(&b);
        mc_explanation_free(x);
        mc_model_free(m);
    }
}

/* A frame from CSV text, regularised (or not). */
static mc_frame *frame_text(const char *csv, const char *covariate, bool regularize)
{
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    co.target_column = "load";
    co.covariates = &covariate;
    co.n_covariates = covariate != NULL;
    mc_frame *f = NULL;
    assert_int_equal(mc_frame_read_csv_buffer(&f, csv, strlen(csv), "t.csv", &co, NULL), MC_OK);
    if (regularize) {
        mc_regularize_options ro;
        mc_regularize_options_defaults(&ro);
        assert_int_equal(mc_frame_regularize(f, &ro, NULL), MC_OK);
    }
    return f;
}

static void test_explain_errors(void **state)
{
    const fixture *fx = *state;
    mc_explanation_options opt;
    mc_explanation_options_defaults(&opt);
    mc_explanation *x = (mc_explanation *)&opt; /* must come back NULL */
    mc_error e;

    opt.stride = 5400;
    assert_int_equal(mc_model_explain(&x, fx->model, fx->frame, &opt, &e), MC_ERR_ARGUMENT);
    assert_null(x);
    assert_contains(e.message, "(5400 s) is not a multiple of the data's step (3600 s)");

    opt.stride = 0;
    opt.has_start = true;
    opt.start = mc_frame_times(fx->frame)[ROWS - H];
    assert_int_equal(mc_model_explain(&x, fx->model, fx->frame, &opt, &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "1 origin fits");

    opt.has_start = false;
    opt.repeats = 0;
    assert_int_equal(mc_model_explain(&x, fx->model, fx->frame, &opt, &e), MC_ERR_ARGUMENT);

    opt.repeats = 1;
    const size_t bad[] = {L - 1, L + 5};
    opt.origins = bad;
    opt.n_origins = 2;
    assert_int_equal(mc_model_explain(&x, fx->model, fx->frame, &opt, &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "origin 47 needs rows");
    opt.n_origins = 1;
    assert_int_equal(mc_model_explain(&x, fx->model, fx->frame, &opt, &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "at least 2 origins; 1 given");

    assert_int_equal(mc_model_explain(&x, NULL, fx->frame, NULL, &e), MC_ERR_ARGUMENT);
    assert_null(x);
    assert_int_equal(mc_model_explain(NULL, fx->model, fx->frame, NULL, &e), MC_ERR_ARGUMENT);

    /* Data on another step, not regularised, without the model's covariate. */
    mc_frame *daily = frame_text("time,load,temp\n2021-03-04,1,2\n2021-03-05,3,4\n"
                                 "2021-03-06,5,6\n", "temp", true);
    assert_int_equal(mc_model_explain(&x, fx->model, daily, NULL, &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "the history's step (86400 s) differs from the model's (3600 s)");
    mc_frame_free(daily);
    mc_frame *raw = frame_text("time,load,temp\n2021-03-04 00:00,1,2\n2021-03-04 01:00,3,4\n",
                               "temp", false);
    assert_int_equal(mc_model_explain(&x, fx->model, raw, NULL, &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "not regularised");
    mc_frame_free(raw);
    mc_frame *bare = frame_text("time,load\n2021-03-04 00:00,1\n2021-03-04 01:00,3\n", NULL, true);
    assert_int_equal(mc_model_explain(&x, fx->model, bare, NULL, &e), MC_ERR_COLUMN);
    assert_contains(e.message, "no column \"temp\"");
    mc_frame_free(bare);
}

/* Scores, windows and smallest masks equal the internal scoring's, row by row. */
static void test_anomalies_match_internal(void **state)
{
    const fixture *fx = *state;
    mc_anomalies *a = NULL;
    mc_error e;
    mc_status st = mc_model_score_anomalies(&a, fx->model, fx->frame, NULL, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
    mc_bound b;
    assert_int_equal(mc_model_bind(&b, fx->model, fx->frame, ROWS, NULL), MC_OK);
    mc_anomaly_scores s;
    assert_int_equal(mc_anomaly_score(&s, fx->model, &b.series, NULL), MC_OK);
    assert_int_equal(mc_anomalies_rows(a), ROWS);
    size_t scored = 0;
    for (size_t i = 0; i < ROWS; i++) {
        const double got = mc_anomalies_scores(a)[i];
        assert_int_equal(mc_anomalies_windows(a)[i], s.windows[i]);
        assert_true(got == s.score[i] || (isnan(got) && isnan(s.score[i])));
        const double mm = mc_anomalies_min_mask(a)[i];
        assert_true(mm == (double)s.min_mask[i] || (isnan(mm) && isnan(s.min_mask[i])));
        /* Rows 0 .. ROWS - H - 1 are seen by a window whose horizon fits; the rest are not. */
        assert_int_equal(s.windows[i] > 0, i + H < ROWS);
        scored += s.windows[i] > 0;
    }
    assert_int_equal(scored, ROWS - H);

    /* From an instant on: earlier rows unscored, later rows unchanged. */
    mc_anomaly_options opt;
    mc_anomaly_options_defaults(&opt);
    assert_false(opt.has_start);
    opt.has_start = true;
    opt.start = mc_frame_times(fx->frame)[500];
    mc_anomalies *late = NULL;
    assert_int_equal(mc_model_score_anomalies(&late, fx->model, fx->frame, &opt, NULL), MC_OK);
    for (size_t i = 0; i < ROWS; i++) {
        if (i < 500) {
            assert_int_equal(mc_anomalies_windows(late)[i], 0);
            assert_true(isnan(mc_anomalies_scores(late)[i]));
            assert_true(isnan(mc_anomalies_min_mask(late)[i]));
        } else {
            assert_int_equal(mc_anomalies_windows(late)[i], s.windows[i]);
        }
    }
    assert_int_equal(mc_anomalies_ranked(late, 0.0, NULL, 0), ROWS - H - 500);
    mc_anomalies_free(late);
    mc_anomaly_scores_free(&s);
    mc_bound_free(&b);
    mc_anomalies_free(a);
    mc_anomalies_free(NULL);
}

/* Ranking against a naive count and order. */
static void test_anomalies_ranked(void **state)
{
    const fixture *fx = *state;
    mc_anomalies *a = NULL;
    assert_int_equal(mc_model_score_anomalies(&a, fx->model, fx->frame, NULL, NULL), MC_OK);
    const double *score = mc_anomalies_scores(a);
    /* A threshold at the median-ish score of row 300 splits the rows. */
    const double threshold = score[300];
    size_t want = 0;
    for (size_t i = 0; i < ROWS; i++)
        want += !isnan(score[i]) && score[i] >= threshold;
    assert_true(want >= 1 && want < ROWS - H);
    assert_int_equal(mc_anomalies_ranked(a, threshold, NULL, 0), want);

    size_t *rows = malloc((want + 1) * sizeof *rows);
    assert_non_null(rows);
    rows[want] = 2385; /* beyond what is asked for: untouched */
    assert_int_equal(mc_anomalies_ranked(a, threshold, rows, want), want);
    assert_int_equal(rows[want], 2385);
    for (size_t j = 0; j < want; j++) {
        assert_true(score[rows[j]] >= threshold);
        if (j > 0) /* strongest first, ties in time order */
            assert_true(score[rows[j]] < score[rows[j - 1]] ||
                        (score[rows[j]] == score[rows[j - 1]] && rows[j] > rows[j - 1]));
    }
    /* The default threshold from the public scores, by a sort of their own. */
    {
        double *v = malloc(ROWS * sizeof *v);
        assert_non_null(v);
        size_t n = 0;
        for (size_t i = 0; i < ROWS; i++)
            if (!isnan(score[i]))
                v[n++] = score[i];
        for (size_t i = 1; i < n; i++) /* insertion sort, increasing */
            for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
                const double t = v[j];
                v[j] = v[j - 1];
                v[j - 1] = t;
            }
        const double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
        double t = 5.0 * median > 0.01 ? 5.0 * median : 0.01;
        t = t < (1.0 + median) / 2.0 ? t : (1.0 + median) / 2.0;
        assert_true(mc_anomalies_default_threshold(a) == t);
        free(v);
    }
    /* The first 3 only; the count is still every row reaching the threshold. */
    size_t top[4] = {0, 0, 0, 2385};
    assert_int_equal(mc_anomalies_ranked(a, threshold, top, 3), want);
    assert_memory_equal(top, rows, 3 * sizeof *top);
    assert_int_equal(top[3], 2385);
    /* Above every score: none. */
    assert_int_equal(mc_anomalies_ranked(a, 1.5, top, 3), 0);
    free(rows);
    mc_anomalies_free(a);
}

/* Recorded anomalies over rows chosen here: spans 300-302 and 400 of the load. */
static void test_anomalies_compare(void **state)
{
    const fixture *fx = *state;
    mc_anomalies *a = NULL;
    assert_int_equal(mc_model_score_anomalies(&a, fx->model, fx->frame, NULL, NULL), MC_OK);
    char t300[40], t302[40], t400[40], t410[40], t420[40];
    const int64_t *t = mc_frame_times(fx->frame);
    mc_time_to_text(t[300], 0, false, t300, sizeof t300);
    mc_time_to_text(t[302], 0, false, t302, sizeof t302);
    mc_time_to_text(t[400], 0, false, t400, sizeof t400);
    mc_time_to_text(t[410], 0, false, t410, sizeof t410);
    mc_time_to_text(t[420], 0, false, t420, sizeof t420);
    const char *dir = getenv("MC_TEST_TMPDIR");
    char path[4200];
    snprintf(path, sizeof path, "%s/mc_explain_api_%ld.csv", dir && *dir ? dir : "/tmp",
             (long)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "start,end,kind,column\n%s,%s,stuck,load\n%s,%s,spike,load\n"
               "%s,%s,missing,load\n%s,%s,spike,temp\n",
            t300, t302, t400, t400, t410, t410, t420, t420);
    assert_int_equal(fclose(f), 0);

    mc_anomaly_agreement got;
    uint8_t *recorded = malloc(ROWS);
    assert_non_null(recorded);
    mc_error e;
    mc_status st = mc_anomalies_compare(a, path, MC_TIME_AUTO, 0.05, &got, recorded, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
    for (size_t i = 0; i < ROWS; i++)
        assert_int_equal(recorded[i], (i >= 300 && i <= 302) || i == 400);
    assert_int_equal(got.scored, ROWS - H);
    assert_int_equal(got.recorded, 4);
    assert_int_equal(got.events, 2);
    assert_int_equal(got.n_kinds, 2);
    assert_string_equal(got.kinds[0].kind, "stuck");
    assert_int_equal(got.kinds[0].recorded, 3);
    assert_string_equal(got.kinds[1].kind, "spike");
    assert_int_equal(got.kinds[1].recorded, 1);
    /* Flagged and hits by hand from the scores. */
    const double *score = mc_anomalies_scores(a);
    size_t flagged = 0, hits = 0;
    for (size_t i = 0; i < ROWS; i++)
        if (!isnan(score[i]) && score[i] >= 0.05) {
            flagged++;
            hits += recorded[i];
        }
    assert_int_equal(got.flagged, flagged);
    assert_int_equal(got.hits, hits);
    assert_true(flagged == 0 ? isnan(got.precision) : got.precision == (double)hits / (double)flagged);
    assert_true(got.recall == (double)hits / 4.0);
    assert_true(got.threshold == 0.05);

    /* The same as the internal reader and comparison. */
    mc_bound b;
    assert_int_equal(mc_model_bind(&b, fx->model, fx->frame, ROWS, NULL), MC_OK);
    mc_anomaly_scores s;
    assert_int_equal(mc_anomaly_score(&s, fx->model, &b.series, NULL), MC_OK);
    mc_anomaly_truth truth;
    assert_int_equal(mc_anomaly_truth_read(&truth, path, "load", MC_TIME_AUTO, NULL), MC_OK);
    mc_anomaly_agreement want;
    mc_anomaly_agree(&want, &s, b.wall, &truth, 0.05);
    assert_int_equal(got.events_found, want.events_found);
    assert_memory_equal(got.kinds, want.kinds, sizeof got.kinds);
    mc_anomaly_truth_free(&truth);
    mc_anomaly_scores_free(&s);
    mc_bound_free(&b);

    /* No recorded flags asked for. */
    assert_int_equal(mc_anomalies_compare(a, path, MC_TIME_AUTO, 0.5, &got, NULL, NULL), MC_OK);
    assert_true(got.threshold == 0.5);
    unlink(path);
    assert_int_equal(mc_anomalies_compare(a, path, MC_TIME_AUTO, 0.5, &got, NULL, &e), MC_ERR_IO);
    assert_contains(e.message, path);
    assert_int_equal(mc_anomalies_compare(a, NULL, MC_TIME_AUTO, 0.5, &got, NULL, &e),
                     MC_ERR_ARGUMENT);
    free(recorded);
    mc_anomalies_free(a);
}

static void test_anomalies_errors(void **state)
{
    const fixture *fx = *state;
    mc_anomalies *a = (mc_anomalies *)fx; /* must come back NULL */
    mc_error e;
    assert_int_equal(mc_model_score_anomalies(&a, fx->plain, fx->frame, NULL, &e),
                     MC_ERR_ARGUMENT);
    assert_null(a);
    assert_contains(e.message, "no anomaly mask");
    /* L + H - 1 rows: no window fits. */
    char *csv = synthetic_csv(L + H - 1, 0);
    mc_frame *shorter = frame_of(csv);
    free(csv);
    assert_int_equal(mc_model_score_anomalies(&a, fx->model, shorter, NULL, &e), MC_ERR_EMPTY);
    assert_contains(e.message, "at least the lookback and the horizon, 60");
    mc_frame_free(shorter);
    assert_int_equal(mc_model_score_anomalies(&a, fx->model, NULL, NULL, &e), MC_ERR_ARGUMENT);
    assert_int_equal(mc_model_score_anomalies(NULL, fx->model, fx->frame, NULL, &e),
                     MC_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explain_default_origins),
        cmocka_unit_test(test_explain_chosen_origins),
        cmocka_unit_test(test_explain_errors),
        cmocka_unit_test(test_explain_attention),
        cmocka_unit_test(test_anomalies_match_internal),
        cmocka_unit_test(test_anomalies_ranked),
        cmocka_unit_test(test_anomalies_compare),
        cmocka_unit_test(test_anomalies_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
