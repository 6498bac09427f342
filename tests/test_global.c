/* Global models (train/global.c): origins never cross series; a series ten
   times another gets forecasts ten times the other's; identity and static
   channels; series views through every file round trip; refusals. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synthetic_load.h"
#include "eval/backtest_global.h"
#include "train/global.h"
#include "train/model_internal.h"

/* The synthetic series with its load multiplied by `factor` and `offset` added. */
static mc_frame *scaled_frame(double factor, double offset)
{
    char *csv = synthetic_csv(HOURS, 0);
    mc_frame *base = frame_of(csv);
    free(csv);
    const size_t rows = mc_frame_rows(base);
    double *load = malloc(rows * sizeof *load);
    assert_non_null(load);
    for (size_t i = 0; i < rows; i++)
        load[i] = factor * mc_frame_values(base, 0)[i] + offset;
    const char *names[] = {"load", "temp"};
    const double *cols[] = {load, mc_frame_values(base, 1)};
    mc_frame *f = NULL;
    assert_int_equal(mc_frame_from_arrays(&f, mc_frame_times(base), NULL, rows, names, cols, 2,
                                          NULL),
                     MC_OK);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    assert_int_equal(mc_frame_regularize(f, &ro, NULL), MC_OK);
    free(load);
    mc_frame_free(base);
    return f;
}

/* Each segment's origins are those of mc_training_origins() on that segment
   alone, shifted by its first row: training ones first, then the tails. */
static void stacked_origins_stay_inside(void **state)
{
    (void)state;
    mc_frame *a = scaled_frame(1.0, 0.0);
    const size_t rows = mc_frame_rows(a);
    const double *values[] = {mc_frame_values(a, 0)};
    const uint8_t *states[] = {mc_frame_states(a, 0)};
    /* three segments of 300, 500 and the rest of a concatenation of copies */
    const size_t seg[] = {0, 300, 800, 800 + (rows - 100)};
    double *v = malloc(seg[3] * sizeof *v);
    uint8_t *s = malloc(seg[3]);
    int64_t *wall = calloc(seg[3], sizeof *wall);
    assert_true(v && s && wall);
    for (size_t i = 0; i < seg[3]; i++) {
        const size_t src = i < 800 ? i % 300 : i - 800 + 100;
        v[i] = values[0][src];
        s[i] = states[0][src];
    }
    s[310] = MC_VALUE_MISSING; /* one unobserved target changes nothing alone */
    const double *vv[] = {v};
    const uint8_t *ss[] = {s};
    mc_series stack = {.rows = seg[3], .wall = wall, .n_columns = 1, .values = vv, .states = ss};
    size_t *all = NULL, *val = NULL, n_train = 0, n_val = 0;
    assert_int_equal(mc_stacked_origins(&stack, seg, 3, 48, 24, 5, 0.2, &all, &n_train, &val,
                                        &n_val, NULL),
                     MC_OK);
    size_t t_at = 0, v_at = 0;
    for (size_t g = 0; g < 3; g++) {
        const double *sv[] = {v + seg[g]};
        const uint8_t *sst[] = {s + seg[g]};
        mc_series one = {.rows = seg[g + 1] - seg[g], .wall = wall, .n_columns = 1, .values = sv,
                         .states = sst};
        size_t *a1 = NULL, *v1 = NULL, nt = 0, nv = 0;
        assert_int_equal(mc_training_origins(&one, 48, 24, 5, 0.2, &a1, &nt, &v1, &nv, NULL),
                         MC_OK);
        for (size_t i = 0; i < nt; i++) {
            assert_int_equal(all[t_at + i], a1[i] + seg[g]);
            assert_true(all[t_at + i] >= seg[g] + 48 && all[t_at + i] + 24 <= seg[g + 1]);
        }
        for (size_t i = 0; i < nv; i++)
            assert_int_equal(val[v_at + i], v1[i] + seg[g]);
        t_at += nt;
        v_at += nv;
        free(a1);
    }
    assert_int_equal(t_at, n_train);
    assert_int_equal(v_at, n_val);
    free(all);
    free(v);
    free(s);
    free(wall);
    mc_frame_free(a);
}

static void options(mc_model_options *mo, mc_train_options *to)
{
    synthetic_small_options(mo, to);
    to->max_epochs = 3;
}

static void forecast(const mc_model *m, const mc_frame *history, const mc_frame *future,
                     double *out)
{
    int64_t times[64];
    mc_error e;
    mc_status st = mc_model_forecast(m, history, future, times, out, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
}

/* Without identity or statics, a series that is another times ten plus an
   offset is the same series once each is scaled on its own: its forecasts
   (and intervals) are the other's times ten plus the offset. */
static void scaling_is_per_series(void **state)
{
    (void)state;
    mc_frame *a = scaled_frame(1.0, 0.0), *b = scaled_frame(10.0, 250.0);
    const mc_frame *frames[] = {a, b};
    const char *names[] = {"small", "large"};
    mc_series_set set = {.n = 2, .frames = frames, .names = names};
    mc_model_options mo;
    mc_train_options to;
    options(&mo, &to);
    mc_model *g = NULL;
    mc_error e;
    mc_status st = mc_model_train_series(&g, &set, &mo, &to, NULL, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
    assert_int_equal(mc_model_series(g), 2);
    assert_string_equal(mc_model_series_name(g, 1), "large");
    assert_null(mc_model_series_name(g, 2));
    mc_model *va = NULL, *vb = NULL;
    assert_int_equal(mc_model_for_series(&va, g, "small", NULL), MC_OK);
    assert_int_equal(mc_model_for_series(&vb, g, "large", NULL), MC_OK);
    assert_int_equal(mc_model_series(va), 0);
    mc_frame *ha = NULL, *hb = NULL;
    assert_int_equal(mc_frame_slice(&ha, a, 0, 700, NULL), MC_OK);
    assert_int_equal(mc_frame_slice(&hb, b, 0, 700, NULL), MC_OK);
    double fa[24], fb[24];
    forecast(va, ha, a, fa);
    forecast(vb, hb, b, fb);
    for (size_t k = 0; k < 24; k++)
        assert_close(fb[k], 10.0 * fa[k] + 250.0, 1e-3 * fabs(fb[k]), 0.0);
    double la[24], ua[24], lb[24], ub[24];
    assert_int_equal(mc_model_interval_offsets(va, 0.8, la, ua, NULL), MC_OK);
    assert_int_equal(mc_model_interval_offsets(vb, 0.8, lb, ub, NULL), MC_OK);
    for (size_t k = 0; k < 24; k++) {
        assert_close(lb[k], 10.0 * la[k], 1e-2 * fabs(lb[k]) + 1e-3, 0.0);
        assert_close(ub[k], 10.0 * ua[k], 1e-2 * fabs(ub[k]) + 1e-3, 0.0);
    }
    /* the global model itself forecasts no series: its view does */
    double fg[24];
    int64_t tg[24];
    assert_int_equal(mc_model_forecast(g, ha, a, tg, fg, &e), MC_ERR_ARGUMENT);
    assert_non_null(strstr(e.message, "mc_model_for_series"));
    mc_model_free(vb);
    assert_int_equal(mc_model_for_series(&vb, va, "large", &e), MC_ERR_ARGUMENT);
    assert_int_equal(mc_model_for_series(&vb, g, "medium", &e), MC_ERR_ARGUMENT);
    assert_non_null(strstr(e.message, "medium"));
    assert_null(vb);
    mc_model_free(va);
    mc_frame_free(ha);
    mc_frame_free(hb);
    mc_model_free(g);
    mc_frame_free(a);
    mc_frame_free(b);
}

/* Identity and static channels: named, constant per series in the view, and
   through a file the same forecasts. */
static void identity_and_statics_round_trip(void **state)
{
    (void)state;
    mc_frame *a = scaled_frame(1.0, 0.0), *b = scaled_frame(3.0, -100.0),
             *c = scaled_frame(0.5, 40.0);
    const mc_frame *frames[] = {a, b, c};
    const char *names[] = {"north", "south", "west"};
    const char *static_names[] = {"class", "area"};
    const double static_values[] = {1, 2, 1, /* class */ 10.5, 3.25, 7}; /* area */
    mc_series_set set = {.n = 3, .frames = frames, .names = names, .n_static = 2,
                         .static_names = static_names, .static_values = static_values,
                         .identity = true};
    mc_model_options mo;
    mc_train_options to;
    options(&mo, &to);
    mc_model *g = NULL;
    assert_int_equal(mc_model_train_series(&g, &set, &mo, &to, NULL, NULL), MC_OK);
    /* temp, three identities, two statics */
    assert_int_equal(mc_model_future_columns(g), 6);
    assert_string_equal(mc_model_column_name(g, 2), "series:north");
    assert_string_equal(mc_model_column_name(g, 6), "static:area");
    void *buf = NULL;
    size_t size = 0;
    assert_int_equal(mc_model_save_buffer(g, &buf, &size, NULL), MC_OK);
    mc_model *loaded = NULL;
    mc_error e;
    mc_status st = mc_model_load_buffer(&loaded, buf, size, "global.st", &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
    assert_int_equal(mc_model_series(loaded), 3);
    for (size_t i = 0; i < 3; i++) {
        mc_model *v1 = NULL, *v2 = NULL;
        assert_int_equal(mc_model_for_series(&v1, g, names[i], NULL), MC_OK);
        assert_int_equal(mc_model_for_series(&v2, loaded, names[i], NULL), MC_OK);
        /* the view's constants: its identity 1, the others 0, its statics */
        for (size_t k = 0; k < 3; k++)
            assert_true(v1->constants[2 + k] == (k == i ? 1.0 : 0.0));
        assert_true(v1->constants[5] == static_values[i]);
        assert_true(v1->constants[6] == static_values[3 + i]);
        assert_true(isnan(v1->constants[0]) && isnan(v1->constants[1]));
        mc_frame *h = NULL;
        assert_int_equal(mc_frame_slice(&h, frames[i], 0, 800, NULL), MC_OK);
        double f1[24], f2[24];
        forecast(v1, h, frames[i], f1);
        forecast(v2, h, frames[i], f2);
        for (size_t k = 0; k < 24; k++)
            assert_true(f1[k] == f2[k]);
        /* a view saved and loaded keeps its constants */
        void *vbuf = NULL;
        size_t vsize = 0;
        mc_model *v3 = NULL;
        assert_int_equal(mc_model_save_buffer(v1, &vbuf, &vsize, NULL), MC_OK);
        assert_int_equal(mc_model_load_buffer(&v3, vbuf, vsize, "view.st", NULL), MC_OK);
        forecast(v3, h, frames[i], f2);
        for (size_t k = 0; k < 24; k++)
            assert_true(f1[k] == f2[k]);
        free(vbuf);
        mc_model_free(v3);
        mc_frame_free(h);
        mc_model_free(v1);
        mc_model_free(v2);
    }
    free(buf);
    mc_model_free(loaded);
    mc_model_free(g);
    mc_frame_free(a);
    mc_frame_free(b);
    mc_frame_free(c);
}

static void refusals(void **state)
{
    (void)state;
    mc_frame *a = scaled_frame(1.0, 0.0), *shortf = NULL;
    assert_int_equal(mc_frame_slice(&shortf, a, 0, 50, NULL), MC_OK);
    mc_model_options mo;
    mc_train_options to;
    options(&mo, &to);
    mc_model *g = NULL;
    mc_error e;
    const mc_frame *frames[] = {a, shortf};
    const char *names[] = {"long", "short"};
    mc_series_set set = {.n = 2, .frames = frames, .names = names};
    assert_int_equal(mc_model_train_series(&g, &set, &mo, &to, NULL, &e), MC_ERR_EMPTY);
    assert_non_null(strstr(e.message, "\"short\""));
    assert_null(g);
    set.n = 0;
    assert_int_equal(mc_model_train_series(&g, &set, &mo, &to, NULL, &e), MC_ERR_ARGUMENT);
    /* more identity channels than a model has room for */
    enum { MANY = 40 };
    const mc_frame *many[MANY];
    const char *many_names[MANY];
    char text[MANY][8];
    for (size_t i = 0; i < MANY; i++) {
        many[i] = a;
        snprintf(text[i], sizeof text[i], "s%zu", i);
        many_names[i] = text[i];
    }
    mc_series_set big = {.n = MANY, .frames = many, .names = many_names, .identity = true};
    assert_int_equal(mc_model_train_series(&g, &big, &mo, &to, NULL, &e), MC_ERR_ARGUMENT);
    assert_non_null(strstr(e.message, "identity"));
    mc_frame_free(shortf);
    mc_frame_free(a);
}

/* The global backtest: one test start for every series; each series'
   forecasts are those its view makes from the rows before each origin. */
static void backtest_forecasts_are_the_views(void **state)
{
    (void)state;
    mc_frame *a = scaled_frame(1.0, 0.0), *b = NULL, *full_b = scaled_frame(4.0, 10.0);
    /* b ends two days earlier: the common start is the earliest */
    assert_int_equal(mc_frame_slice(&b, full_b, 0, mc_frame_rows(full_b) - 48, NULL), MC_OK);
    const mc_frame *frames[] = {a, b};
    const char *names[] = {"a", "b"};
    mc_series_set set = {.n = 2, .frames = frames, .names = names, .identity = true};
    mc_model_options mo;
    mc_train_options to;
    options(&mo, &to);
    mc_backtest_options bo;
    mc_backtest_options_defaults(&bo);
    bo.test_days = 5;
    mc_backtest *res[2] = {NULL, NULL};
    mc_model *g = NULL;
    mc_error e;
    mc_status st = mc_backtest_series(res, &g, &set, &mo, &to, &bo, &e);
    if (st != MC_OK)
        print_error("%s\n", e.message);
    assert_int_equal(st, MC_OK);
    /* b's own last 5 days start 2 days before a's: both start there */
    const int64_t start = mc_frame_times(b)[mc_frame_rows(b) - 5 * 24];
    assert_true(mc_model_series(g) == 2);
    for (size_t i = 0; i < 2; i++) {
        assert_true(mc_backtest_first_target(res[i], 0) == start);
        assert_int_equal(mc_backtest_origins(res[i]), i == 0 ? 7 : 5);
        assert_true(mc_backtest_methods(res[i]) > 1); /* the baselines too */
        assert_string_equal(mc_backtest_method_name(res[i], 0), "maskcast");
        mc_model *view = NULL;
        assert_int_equal(mc_model_for_series(&view, g, names[i], NULL), MC_OK);
        const double *fc = mc_backtest_forecasts(res[i], 0);
        for (size_t o = 0; o < mc_backtest_origins(res[i]); o++) {
            mc_frame *h = NULL;
            assert_int_equal(mc_frame_slice(&h, frames[i], 0,
                                            mc_backtest_first_target_row(res[i], o), NULL),
                             MC_OK);
            double f[24];
            forecast(view, h, frames[i], f);
            for (size_t k = 0; k < 24; k++)
                assert_close(fc[o * 24 + k], f[k], 1e-6 * fabs(f[k]), 0.0); /* batches round apart */
            mc_frame_free(h);
        }
        mc_model_free(view);
        mc_backtest_free(res[i]);
    }
    /* a gap: the model forecasts it and the horizon, the backtest scores the
       horizon after it, as for one series */
    mc_model_free(g);
    bo.gap = 3;
    assert_int_equal(mc_backtest_series(res, &g, &set, &mo, &to, &bo, NULL), MC_OK);
    assert_int_equal(mc_model_horizon(g), 27);
    {
        mc_model *view = NULL;
        assert_int_equal(mc_model_for_series(&view, g, "a", NULL), MC_OK);
        assert_int_equal(mc_backtest_horizon(res[0]), 24);
        mc_frame *h = NULL;
        const size_t first = mc_backtest_first_target_row(res[0], 0);
        assert_int_equal(mc_frame_slice(&h, a, 0, first - 3, NULL), MC_OK);
        double f[27];
        int64_t t[27];
        assert_int_equal(mc_model_forecast(view, h, a, t, f, NULL), MC_OK);
        for (size_t k = 0; k < 24; k++)
            assert_close(mc_backtest_forecasts(res[0], 0)[k], f[3 + k], 1e-6 * fabs(f[3 + k]), 0.0);
        mc_frame_free(h);
        mc_model_free(view);
    }
    mc_backtest_free(res[0]);
    mc_backtest_free(res[1]);
    bo.gap = 0;
    /* refits are refused: the global model trains once */
    bo.refit_every = 2;
    assert_int_equal(mc_backtest_series(res, NULL, &set, &mo, &to, &bo, &e), MC_ERR_ARGUMENT);
    assert_null(res[0]);
    mc_model_free(g);
    mc_frame_free(a);
    mc_frame_free(b);
    mc_frame_free(full_b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stacked_origins_stay_inside),
        cmocka_unit_test(scaling_is_per_series),
        cmocka_unit_test(identity_and_statics_round_trip),
        cmocka_unit_test(refusals),
        cmocka_unit_test(backtest_forecasts_are_the_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
