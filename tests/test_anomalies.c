/* Anomaly scores from the mask: the accumulation against a hand computation,
   scoring a whole series against a naive loop over every window, the
   recorded-anomaly reader, and precision and recall by hand. */
#include "test_util.h"

#include <stdlib.h>
#include <unistd.h>

#include "data/timestamp.h"
#include "eval/anomalies.h"
#include "maskcast/maskcast.h"
#include "train/bind.h"
#include "train/model_internal.h"

/* ---- the accumulation, by hand ------------------------------------------------ */

/* 8 rows, lookback 3, windows at origins 3..6 (as with a horizon of 2). */
static const size_t ORIGINS[4] = {3, 4, 5, 6};
static const float MASK[4][3] = {
    {0.9f, 0.8f, 0.2f}, {0.7f, 0.1f, 0.95f}, {0.3f, 0.85f, 0.6f}, {0.75f, 0.5f, 0.4f}};

static void tiny_scores(mc_anomaly_scores *s)
{
    assert_int_equal(mc_anomaly_scores_alloc(s, 8, NULL), MC_OK);
    /* In two calls: the sums carry over. */
    mc_anomaly_scores_add(s, &MASK[0][0], ORIGINS, 1, 3);
    mc_anomaly_scores_add(s, &MASK[1][0], ORIGINS + 1, 3, 3);
    mc_anomaly_scores_finish(s);
}

static void test_scores_by_hand(void **state)
{
    (void)state;
    mc_anomaly_scores s;
    tiny_scores(&s);
    /* Row 2 is seen by origin 3 at position 2, origin 4 at 1, origin 5 at 0:
       masks 0.2, 0.1, 0.3, mean 0.2, score 0.8, smallest 0.1. */
    const size_t windows[8] = {1, 2, 3, 3, 2, 1, 0, 0};
    const double score[6] = {1 - 0.9, 1 - (0.8 + 0.7) / 2, 1 - (0.2 + 0.1 + 0.3) / 3,
                             1 - (0.95 + 0.85 + 0.75) / 3, 1 - (0.6 + 0.5) / 2, 1 - 0.4};
    const float least[6] = {0.9f, 0.7f, 0.1f, 0.75f, 0.5f, 0.4f};
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(s.windows[i], windows[i]);
        if (i < 6) {
            assert_close(s.score[i], score[i], 1e-7, 0.0);
            assert_close(s.min_mask[i], least[i], 0.0, 0.0);
        } else {
            assert_true(isnan(s.score[i]) && isnan(s.min_mask[i]));
        }
    }
    mc_anomaly_scores_free(&s);
    mc_anomaly_scores_free(&s); /* freeing twice is harmless */
}

/* The default threshold: scores 0.1 0.25 0.8 0.15 0.45 0.6 (rows 6-7 not
   scored) have the median (0.25 + 0.45) / 2 = 0.35; five times it is 1.75,
   over halfway to 1, (1 + 0.35) / 2 = 0.675. */
static void test_default_threshold_by_hand(void **state)
{
    (void)state;
    mc_anomaly_scores s;
    tiny_scores(&s);
    double median = 0.0;
    assert_int_equal(mc_anomaly_median_score(&s, &median, NULL), MC_OK);
    assert_close(median, 0.35, 1e-7, 0.0);
    assert_close(mc_anomaly_threshold_of_median(median), 0.675, 1e-7, 0.0);
    s.windows[2] = 0; /* drop 0.8: 0.1 0.15 0.25 0.45 0.6, median 0.25 */
    s.score[2] = NAN;
    assert_int_equal(mc_anomaly_median_score(&s, &median, NULL), MC_OK);
    assert_close(median, 0.25, 1e-7, 0.0);
    assert_close(mc_anomaly_threshold_of_median(median), 0.625, 1e-7, 0.0);
    /* small medians: five times them, and never under 0.01 */
    assert_close(mc_anomaly_threshold_of_median(0.008), 0.04, 1e-15, 0.0);
    assert_true(mc_anomaly_threshold_of_median(0.001) == 0.01);
    assert_true(mc_anomaly_threshold_of_median(0.0) == 0.01);
    for (size_t i = 0; i < 8; i++)
        s.windows[i] = 0; /* nothing scored */
    assert_int_equal(mc_anomaly_median_score(&s, &median, NULL), MC_OK);
    assert_true(isnan(median) && isnan(mc_anomaly_threshold_of_median(median)));
    mc_anomaly_scores_free(&s);
}

static void test_agreement_by_hand(void **state)
{
    (void)state;
    mc_anomaly_scores s;
    tiny_scores(&s); /* scores 0.1 0.25 0.8 0.15 0.45 0.6, rows 6-7 unscored */
    int64_t wall[8];
    for (size_t i = 0; i < 8; i++)
        wall[i] = 1700000000 + 3600 * (int64_t)i;
    /* Recorded: row 0, row 2, rows 3-4, row 7 (never scored). */
    int64_t start[4] = {wall[0], wall[2], wall[3], wall[7]};
    int64_t end[4] = {wall[0], wall[2], wall[4], wall[7]};
    char kinds[4][MC_ANOMALY_KIND_SIZE] = {"spike", "spike", "stuck", "dropout"};
    const mc_anomaly_truth truth = {4, start, end, kinds};
    mc_anomaly_agreement a;
    mc_anomaly_agree(&a, &s, wall, &truth, 0.4);
    /* Flagged (>= 0.4): rows 2, 4, 5. Recorded and scored: 0, 2, 3, 4. */
    assert_int_equal(a.scored, 6);
    assert_int_equal(a.flagged, 3);
    assert_int_equal(a.recorded, 4);
    assert_int_equal(a.hits, 2);
    assert_close(a.precision, 2.0 / 3.0, 1e-15, 0.0);
    assert_close(a.recall, 2.0 / 4.0, 1e-15, 0.0);
    assert_int_equal(a.events, 3);       /* the one at row 7 was never seen */
    assert_int_equal(a.events_found, 2); /* row 0's was not flagged */
    /* By kind: spikes at rows 0 and 2 (2 flagged), stuck at 3-4 (4 flagged), a
       dropout never seen. */
    assert_int_equal(a.n_kinds, 3);
    assert_string_equal(a.kinds[0].kind, "spike");
    assert_int_equal(a.kinds[0].recorded, 2);
    assert_int_equal(a.kinds[0].hits, 1);
    assert_int_equal(a.kinds[0].events, 2);
    assert_int_equal(a.kinds[0].events_found, 1);
    assert_string_equal(a.kinds[1].kind, "stuck");
    assert_int_equal(a.kinds[1].recorded, 2);
    assert_int_equal(a.kinds[1].hits, 1);
    assert_int_equal(a.kinds[1].events_found, 1);
    assert_string_equal(a.kinds[2].kind, "dropout");
    assert_int_equal(a.kinds[2].recorded, 0);
    assert_int_equal(a.kinds[2].events, 0);
    assert_true(mc_anomaly_truth_contains(&truth, wall[3] + 1800));
    assert_false(mc_anomaly_truth_contains(&truth, wall[5]));
    /* Nothing flagged: precision is undefined, not 0. */
    mc_anomaly_agree(&a, &s, wall, &truth, 0.95);
    assert_int_equal(a.flagged, 0);
    assert_true(isnan(a.precision));
    assert_close(a.recall, 0.0, 0.0, 0.0);
    mc_anomaly_scores_free(&s);
}

/* ---- scoring a series with a model ------------------------------------------- */

enum { ROWS = 300, L = 48, H = 12 };

typedef struct test_series {
    int64_t wall[ROWS];
    double v[2][ROWS];
    uint8_t st[2][ROWS];
    const double *values[2];
    const uint8_t *states[2];
    mc_series s;
} test_series;

static void make_series(test_series *t, size_t rows)
{
    uint32_t seed = 2385;
    for (size_t i = 0; i < ROWS; i++) {
        seed = seed * 1664525u + 1013904223u;
        t->wall[i] = mc_days_from_civil(2023, 5, 1) * 86400 + (int64_t)i * 3600;
        t->v[1][i] = 14.2 + 5.3 * sin((double)i / 23.0);
        t->v[0][i] = 1211.0 + 187.0 * sin(6.283185307179586 * (double)(i % 24) / 24.0) +
                     (double)(seed >> 8) / 16777216.0 * 30.0;
        t->st[0][i] = t->st[1][i] = MC_VALUE_OBSERVED;
    }
    t->v[0][150] *= 1.7; /* a spike */
    for (size_t c = 0; c < 2; c++) {
        t->values[c] = t->v[c];
        t->states[c] = t->st[c];
    }
    t->s = (mc_series){.rows = rows, .wall = t->wall, .n_columns = 2, .values = t->values,
                       .states = t->states};
}

static const char *FUTURE[] = {"temperature"};

static mc_model *untrained(bool anomaly_mask)
{
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = L;
    mo.window.horizon = H;
    mo.network.hidden = 8;
    mo.features.future = FUTURE;
    mo.features.n_future = 1;
    mo.network.anomaly_mask = anomaly_mask;
    mc_holidays hol = {NULL, 0};
    mc_model *m = NULL;
    assert_int_equal(mc_model_create(&m, &mo, 3600, "load", &hol, NULL), MC_OK);
    assert_int_equal(mc_model_init_params(m, 2385, NULL), MC_OK);
    /* Closing where the local deviation is large, so that masks vary. */
    if (anomaly_mask)
        m->params[m->layout.offset[MC_T_ANOMALY_U]] = -0.3f;
    const mc_scaler sc[2] = {{1208.3, 141.9}, {13.8, 3.9}};
    memcpy(m->scalers, sc, sizeof sc);
    return m;
}

static void test_score_series_against_every_window(void **state)
{
    (void)state;
    test_series t;
    make_series(&t, ROWS);
    mc_model *m = untrained(true);
    mc_anomaly_scores s;
    mc_error e;
    assert_int_equal(mc_anomaly_score(&s, m, &t.s, &e), MC_OK);
    assert_int_equal(s.rows, ROWS);
    /* Naively: every origin's masks, then each row's over the windows that see it. */
    const size_t n = ROWS - H - L + 1;
    size_t *origins = malloc(n * sizeof *origins);
    float *mask = malloc(n * L * sizeof *mask);
    double *out = malloc(n * H * sizeof *out);
    assert_non_null(origins);
    assert_non_null(mask);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++)
        origins[i] = L + i;
    assert_int_equal(mc_model_predict(m, &t.s, origins, n, out, mask, NULL), MC_OK);
    for (size_t row = 0; row < ROWS; row++) {
        double sum = 0.0, least = INFINITY;
        size_t k = 0;
        for (size_t o = L; o + H <= ROWS; o++)
            if (row + 1 <= o && o <= row + L) {
                const double v = mask[(o - L) * L + (row - (o - L))];
                sum += v;
                least = fmin(least, v);
                k++;
            }
        assert_int_equal(s.windows[row], k);
        if (k == 0) {
            assert_true(isnan(s.score[row]));
            continue;
        }
        assert_close(s.score[row], 1.0 - sum / (double)k, 1e-12, 0.0);
        assert_close(s.min_mask[row], least, 0.0, 0.0);
    }
    assert_int_equal(s.windows[0], 1);
    assert_int_equal(s.windows[100], L);
    assert_int_equal(s.windows[ROWS - H], 0);
    /* The spike sticks out: the local evidence closes the mask on it. */
    for (size_t row = 120; row < 180; row++)
        if (row != 150)
            assert_true(s.score[150] > s.score[row]);
    free(origins);
    free(mask);
    free(out);
    mc_anomaly_scores_free(&s);
    mc_model_free(m);
}

static void test_score_refusals(void **state)
{
    (void)state;
    test_series t;
    make_series(&t, L + H - 1);
    mc_model *m = untrained(true);
    mc_anomaly_scores s;
    mc_error e;
    assert_int_equal(mc_anomaly_score(&s, m, &t.s, &e), MC_ERR_EMPTY);
    assert_contains(e.message, "at least the lookback and the horizon, 60");
    assert_null(s.score);
    mc_model_free(m);
    m = untrained(false);
    make_series(&t, ROWS);
    assert_int_equal(mc_anomaly_score(&s, m, &t.s, &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "no anomaly mask");
    mc_model_free(m);
}

/* ---- the recorded anomalies --------------------------------------------------- */

typedef struct temp_file {
    char path[4096];
} temp_file;

static void write_temp(temp_file *t, const char *text)
{
    const char *dir = getenv("MC_TEST_TMPDIR");
    snprintf(t->path, sizeof t->path, "%s/mc_truth_XXXXXX", dir && *dir ? dir : "/tmp");
    const int fd = mkstemp(t->path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int64_t at(int y, int mo, int d, int h)
{
    return mc_days_from_civil(y, mo, d) * 86400 + 3600 * (int64_t)h;
}

static void test_truth_reader(void **state)
{
    (void)state;
    temp_file t;
    write_temp(&t, "start,end,kind,column,true_value,written_value\n"
                   "2021-01-26 18:00:00,2021-01-26 18:00:00,spike,load,1856.2,2691.5\n"
                   "2021-02-17 10:00:00,2021-02-17 10:00:00,missing,load,1727.7,\n"
                   "2021-04-06 09:00:00,2021-04-06 09:00:00,missing,temperature,7.7,\n"
                   "2021-10-12 08:00:00,2021-10-12 13:00:00,stuck,load,1767.0,1648.3\n"
                   "2021-11-02 04:00:00,2021-11-02 05:00:00,spike,temperature,3.1,9.8\n"
                   "2022-02-08 13:00:00,,dropout,load,1857.2,0.0\n");
    mc_anomaly_truth tr;
    mc_error e;
    assert_int_equal(mc_anomaly_truth_read(&tr, t.path, "load", MC_TIME_AUTO, &e), MC_OK);
    /* Missing values and other columns are skipped; an empty end is the start. */
    assert_int_equal(tr.n, 3);
    assert_true(tr.start[0] == at(2021, 1, 26, 18) && tr.end[0] == at(2021, 1, 26, 18));
    assert_true(tr.start[1] == at(2021, 10, 12, 8) && tr.end[1] == at(2021, 10, 12, 13));
    assert_true(tr.start[2] == at(2022, 2, 8, 13) && tr.end[2] == tr.start[2]);
    assert_string_equal(tr.kind[1], "stuck");
    mc_anomaly_truth_free(&tr);
    /* Another target column. */
    assert_int_equal(mc_anomaly_truth_read(&tr, t.path, "temperature", MC_TIME_AUTO, &e), MC_OK);
    assert_int_equal(tr.n, 1);
    mc_anomaly_truth_free(&tr);
    unlink(t.path);

    /* Only a time column: every row is an anomaly of one time. */
    write_temp(&t, "time\n2023-03-05 01:00\n2023-03-05 07:00\n");
    assert_int_equal(mc_anomaly_truth_read(&tr, t.path, "load", MC_TIME_AUTO, &e), MC_OK);
    assert_int_equal(tr.n, 2);
    assert_true(tr.end[1] == at(2023, 3, 5, 7));
    assert_string_equal(tr.kind[0], "");
    mc_anomaly_truth_free(&tr);
    unlink(t.path);

    /* Refusals name the file, the line and the column. */
    write_temp(&t, "start,end\n2023-03-05 01:00,2023-03-05 02:00\n2023-03-05 01:00,tomorrow\n");
    assert_int_equal(mc_anomaly_truth_read(&tr, t.path, "load", MC_TIME_AUTO, &e), MC_ERR_TIME);
    assert_contains(e.message, t.path);
    assert_contains(e.message, "line 3, column \"end\": \"tomorrow\" is not a time");
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 2);
    assert_int_equal(tr.n, 0);
    unlink(t.path);
    write_temp(&t, "start,end\n2023-03-05 04:00,2023-03-05 02:00\n");
    assert_int_equal(mc_anomaly_truth_read(&tr, t.path, "load", MC_TIME_AUTO, &e), MC_ERR_TIME);
    assert_contains(e.message, "line 2: the anomaly ends before it starts");
    unlink(t.path);
    write_temp(&t, "when,what\n2023-03-05 04:00,spike\n");
    assert_int_equal(mc_anomaly_truth_read(&tr, t.path, "load", MC_TIME_AUTO, &e), MC_ERR_COLUMN);
    assert_contains(e.message, "no column \"start\"");
    unlink(t.path);
    assert_int_equal(mc_anomaly_truth_read(&tr, t.path, "load", MC_TIME_AUTO, &e), MC_ERR_IO);
    assert_contains(e.message, "cannot open");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scores_by_hand),
        cmocka_unit_test(test_default_threshold_by_hand),
        cmocka_unit_test(test_agreement_by_hand),
        cmocka_unit_test(test_score_series_against_every_window),
        cmocka_unit_test(test_score_refusals),
        cmocka_unit_test(test_truth_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
