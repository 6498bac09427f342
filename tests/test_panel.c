/* Panels: the three CSV layouts, regularising per series, keep-only, static
   covariates, and every error a caller can meet. Each series read from a
   pooled file is checked against the same rows read alone by the one-series
   reader, an independent path through the loader. */
#include "test_util.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "data/timestamp.h"
#include "maskcast/maskcast.h"

enum { HOUR = 3600, DAY = 86400, MAX_ROWS = 256, N_SERIES = 3 };

static const char *const SERIES[N_SERIES] = {"AEP", "feeder 12", "Zone, C"};
/* How a name is written in a CSV field. */
static const char *const WRITTEN[N_SERIES] = {"AEP", "feeder 12", "\"Zone, C\""};

/* A path under the test directory; the directory is made once. */
static const char *tmp_path(char *out, size_t size, const char *name)
{
    const char *tmp = getenv("MC_TEST_TMPDIR");
    char dir[400];
    snprintf(dir, sizeof dir, "%s/panel-test", tmp ? tmp : "/tmp");
    mkdir(dir, 0777);
    snprintf(out, size, "%s/%s", dir, name);
    return out;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void stamp(int64_t seconds, char *out)
{
    mc_time_to_text(mc_days_from_civil(2023, 3, 1) * DAY + seconds, 0, false, out, 40);
}

/* One row of a series: its hour, and its load and temperature as written. */
typedef struct row {
    int hour;
    char load[24], temp[24];
} row;

typedef struct series_rows {
    row rows[MAX_ROWS];
    size_t n;
} series_rows;

static void push(series_rows *s, int hour, int variant, bool load_missing)
{
    assert_true(s->n < MAX_ROWS);
    row *r = &s->rows[s->n++];
    r->hour = hour;
    const double load = 500.0 + 120.0 * sin(6.283185307179586 * hour / 24.0) + 0.731 * hour +
                        13.375 * variant;
    if (load_missing)
        r->load[0] = '\0';
    else
        snprintf(r->load, sizeof r->load, "%.4f", load);
    snprintf(r->temp, sizeof r->temp, "%.3f", 11.5 + 4.25 * cos(6.283185307179586 * hour / 24.0));
}

/* Series 0: a duplicate hour, a 2-hour and a 6-hour gap. Series 1: rows out
   of order and a missing load. Series 2: starts later, a missing one too. */
static void make_series(series_rows s[N_SERIES])
{
    memset(s, 0, N_SERIES * sizeof *s);
    for (int h = 0; h < 72; h++) {
        if ((h >= 10 && h < 12) || (h >= 30 && h < 36))
            continue;
        push(&s[0], h, 0, false);
        if (h == 20)
            push(&s[0], h, 1, false); /* the same hour again, another value */
    }
    for (int h = 0; h < 72; h++) {
        const int hour = h == 40 ? 41 : h == 41 ? 40 : h == 50 ? 55 : h == 55 ? 50 : h;
        push(&s[1], hour, 2, hour == 5);
    }
    for (int h = 12; h < 60; h++)
        push(&s[2], h, 3, h == 30);
}

static void add_row(test_text *t, const row *r, const char *series)
{
    char when[40];
    stamp((int64_t)r->hour * HOUR, when);
    if (series != NULL)
        test_text_add(t, "%s,%s,%s,%s\n", when, series, r->load, r->temp);
    else
        test_text_add(t, "%s,%s,%s\n", when, r->load, r->temp);
}

/* The long file: rows of the series interleaved in a fixed pseudo-random
   order, each series' rows kept in its order. Records the file line of
   every row of each series in lines[s][k]. */
static char *long_text(const series_rows s[N_SERIES], size_t lines[N_SERIES][MAX_ROWS])
{
    test_text t = {0};
    test_text_add(&t, "time,zone,load,temp\n");
    size_t next[N_SERIES] = {0}, line = 2;
    *test_rng() = 2385u;
    for (;;) {
        size_t left = 0;
        for (size_t k = 0; k < N_SERIES; k++)
            left += s[k].n - next[k];
        if (left == 0)
            break;
        size_t k = (size_t)test_uniform(0.0f, (float)N_SERIES) % N_SERIES;
        while (next[k] == s[k].n)
            k = (k + 1) % N_SERIES;
        lines[k][next[k]] = line++;
        add_row(&t, &s[k].rows[next[k]++], WRITTEN[k]);
    }
    return t.s;
}

static mc_frame *read_single(const char *path, const char *target)
{
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    static const char *const covs[] = {"temp"};
    opt.target_column = target;
    opt.covariates = covs;
    opt.n_covariates = 1;
    mc_frame *f = NULL;
    mc_error err;
    mc_status st = mc_frame_read_csv(&f, path, &opt, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    return f;
}

static void assert_same_values(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(b[i]))
            assert_true(isnan(a[i]));
        else
            assert_true(a[i] == b[i]);
    }
}

/* Everything the loader made of the rows is the same. */
static void assert_same_frame(const mc_frame *a, const mc_frame *b)
{
    const size_t rows = mc_frame_rows(b);
    assert_int_equal(mc_frame_rows(a), rows);
    assert_int_equal(mc_frame_columns(a), mc_frame_columns(b));
    assert_int_equal(mc_frame_step(a), mc_frame_step(b));
    assert_string_equal(mc_frame_time_name(a), mc_frame_time_name(b));
    assert_memory_equal(mc_frame_times(a), mc_frame_times(b), rows * sizeof(int64_t));
    assert_memory_equal(mc_frame_utc_offsets(a), mc_frame_utc_offsets(b), rows * sizeof(int16_t));
    assert_int_equal(mc_frame_row_flags(a) != NULL, mc_frame_row_flags(b) != NULL);
    if (mc_frame_row_flags(b) != NULL)
        assert_memory_equal(mc_frame_row_flags(a), mc_frame_row_flags(b), rows);
    for (size_t j = 0; j < mc_frame_columns(b); j++) {
        assert_string_equal(mc_frame_column_name(a, j), mc_frame_column_name(b, j));
        assert_same_values(mc_frame_values(a, j), mc_frame_values(b, j), rows);
        assert_memory_equal(mc_frame_states(a, j), mc_frame_states(b, j), rows);
        assert_memory_equal(mc_frame_column_report(a, j), mc_frame_column_report(b, j),
                            sizeof(mc_column_report));
    }
    const mc_frame_report *ra = mc_frame_get_report(a), *rb = mc_frame_get_report(b);
    assert_int_equal(ra->file_rows, rb->file_rows);
    assert_int_equal(ra->was_sorted, rb->was_sorted);
    assert_int_equal(ra->duplicate_times, rb->duplicate_times);
    assert_int_equal(ra->duplicate_rows, rb->duplicate_rows);
    assert_int_equal(ra->gap_rows, rb->gap_rows);
    assert_int_equal(ra->has_utc_offsets, rb->has_utc_offsets);
}

static mc_panel *read_ok(const char *const *paths, size_t n, const mc_panel_options *opt)
{
    mc_panel *p = NULL;
    mc_error err;
    mc_status st = mc_panel_read_csv(&p, paths, n, opt, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    assert_non_null(p);
    return p;
}

static void regularize_ok(mc_panel *p)
{
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    mc_error err;
    mc_status st = mc_panel_regularize(p, &ro, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
}

static const char *const TEMP[] = {"temp"};

static void long_options(mc_panel_options *po)
{
    mc_panel_options_defaults(po);
    po->series_column = "zone";
    po->csv.covariates = TEMP;
    po->csv.n_covariates = 1;
}

/* The long file of make_series(), where it is, the lines of its rows, and
   the panel read from it. */
typedef struct long_panel {
    series_rows s[N_SERIES];
    size_t lines[N_SERIES][MAX_ROWS];
    char path[512];
    mc_panel *p;
} long_panel;

static long_panel *read_long_panel(void)
{
    long_panel *lp = calloc(1, sizeof *lp);
    assert_non_null(lp);
    make_series(lp->s);
    char *csv = long_text(lp->s, lp->lines);
    tmp_path(lp->path, sizeof lp->path, "long.csv");
    write_file(lp->path, csv);
    free(csv);
    mc_panel_options po;
    long_options(&po);
    const char *paths[] = {lp->path};
    lp->p = read_ok(paths, 1, &po);
    return lp;
}

static void test_long_matches_single_files(void **state)
{
    (void)state;
    long_panel *lp = read_long_panel();
    mc_panel *p = lp->p;
    const series_rows *s = lp->s;
    size_t(*lines)[MAX_ROWS] = lp->lines;
    assert_int_equal(mc_panel_series(p), N_SERIES);
    /* Series in order of first appearance in the file. */
    size_t order[N_SERIES];
    for (size_t k = 0; k < N_SERIES; k++)
        order[k] = k;
    for (size_t a = 0; a < N_SERIES; a++)
        for (size_t b = a + 1; b < N_SERIES; b++)
            if (lines[order[b]][0] < lines[order[a]][0]) {
                const size_t x = order[a];
                order[a] = order[b];
                order[b] = x;
            }
    for (size_t i = 0; i < N_SERIES; i++)
        assert_string_equal(mc_panel_series_name(p, i), SERIES[order[i]]);
    assert_null(mc_panel_series_name(p, N_SERIES));
    assert_null(mc_panel_frame(p, N_SERIES));
    assert_null(mc_panel_frame_mutable(p, N_SERIES));
    assert_int_equal(mc_panel_find(p, "nobody"), SIZE_MAX);

    /* Before regularising, and after: the frame of the rows read alone. */
    mc_frame *single[N_SERIES];
    for (size_t k = 0; k < N_SERIES; k++) {
        test_text t = {0};
        test_text_add(&t, "time,load,temp\n");
        for (size_t r = 0; r < s[k].n; r++)
            add_row(&t, &s[k].rows[r], NULL);
        char one[512], name[32];
        snprintf(name, sizeof name, "single%zu.csv", k);
        write_file(tmp_path(one, sizeof one, name), t.s);
        free(t.s);
        single[k] = read_single(one, NULL);
        const size_t i = mc_panel_find(p, SERIES[k]);
        assert_true(i < N_SERIES);
        assert_ptr_equal(mc_panel_frame(p, i), mc_panel_frame_mutable(p, i));
        assert_same_frame(mc_panel_frame(p, i), single[k]);
        assert_int_equal(mc_frame_get_report(mc_panel_frame(p, i))->file_rows, s[k].n);
    }
    regularize_ok(p);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    mc_error err;
    for (size_t k = 0; k < N_SERIES; k++) {
        assert_int_equal(mc_frame_regularize(single[k], &ro, &err), MC_OK);
        assert_same_frame(mc_panel_frame(p, mc_panel_find(p, SERIES[k])), single[k]);
        assert_int_equal(mc_frame_get_report(single[k])->was_sorted, k != 1);
        mc_frame_free(single[k]);
    }
    /* What the data held shows in the frames: a merged duplicate, gaps filled. */
    const mc_frame *aep = mc_panel_frame(p, mc_panel_find(p, "AEP"));
    assert_int_equal(mc_frame_get_report(aep)->duplicate_rows, 1);
    assert_int_equal(mc_frame_get_report(aep)->gap_rows, 8);
    assert_int_equal(mc_frame_step(aep), HOUR);
    mc_panel_free(p);
    free(lp);
}

/* Errors in regularising name the series, and lines of the pooled file. */
static void test_regularize_error_names_series_and_lines(void **state)
{
    (void)state;
    long_panel *lp = read_long_panel();
    mc_panel *p = lp->p;
    size_t(*lines)[MAX_ROWS] = lp->lines;
    const char *path = lp->path;
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    ro.duplicates = MC_DUPLICATES_ERROR;
    mc_error err;
    assert_int_equal(mc_panel_regularize(p, &ro, &err), MC_ERR_DUPLICATE);
    /* Series 0's rows 18 and 19 are hour 20 (hours 10 and 11 are missing). */
    char want[800];
    snprintf(want, sizeof want, "series \"AEP\": %s: lines %zu and %zu have the same time", path,
             lines[0][18], lines[0][19]);
    assert_contains(err.message, want);
    assert_int_equal(err.line, lines[0][19]);
    mc_panel_free(p);
    free(lp);
}

static void test_wide_layout(void **state)
{
    (void)state;
    test_text t = {0};
    test_text_add(&t, "time,north,temp,south\n");
    for (int h = 0; h < 30; h++) {
        char when[40];
        stamp((int64_t)h * HOUR, when);
        test_text_add(&t, "%s,%.3f,%.2f,%s\n", when, 812.5 + 3.25 * h, 9.5 - 0.125 * h,
            h == 7 ? "NA" : h % 2 ? "431.75" : "402.125");
    }
    char path[512];
    write_file(tmp_path(path, sizeof path, "wide.csv"), t.s);
    free(t.s);
    mc_panel_options po;
    mc_panel_options_defaults(&po);
    static const char *const targets[] = {"south", "north"};
    po.targets = targets;
    po.n_targets = 2;
    po.csv.covariates = TEMP;
    po.csv.n_covariates = 1;
    const char *paths[] = {path};
    mc_panel *p = read_ok(paths, 1, &po);
    assert_int_equal(mc_panel_series(p), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(mc_panel_series_name(p, i), targets[i]);
        mc_frame *alone = read_single(path, targets[i]);
        assert_same_frame(mc_panel_frame(p, i), alone);
        assert_string_equal(mc_frame_column_name(mc_panel_frame(p, i), 1), "temp");
        mc_frame_free(alone);
    }
    assert_int_equal(mc_frame_column_report(mc_panel_frame(p, 0), 0)->missing_in_file, 1);
    regularize_ok(p);
    mc_panel_free(p);

    /* A target the file lacks; a target given twice. */
    static const char *const absent[] = {"north", "east"};
    po.targets = absent;
    mc_error err;
    mc_panel *q = (mc_panel *)&err; /* must become NULL */
    assert_int_equal(mc_panel_read_csv(&q, paths, 1, &po, &err), MC_ERR_COLUMN);
    assert_null(q);
    assert_contains(err.message, "no target column named \"east\"");
    static const char *const twice[] = {"north", "north"};
    po.targets = twice;
    assert_int_equal(mc_panel_read_csv(&q, paths, 1, &po, &err), MC_ERR_COLUMN);
    assert_contains(err.message, "selected twice");
    /* A wide target met again in a second file. */
    po.targets = targets;
    const char *two[] = {path, path};
    assert_int_equal(mc_panel_read_csv(&q, two, 2, &po, &err), MC_ERR_DUPLICATE);
    assert_contains(err.message, "series \"south\" was already read from");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 4);
}

static void test_files_with_different_targets(void **state)
{
    (void)state;
    char a[512], b[512], c[512];
    write_file(tmp_path(a, sizeof a, "north.csv"),
               "time,mw\n2023-03-01 00:00,1.5\n2023-03-01 01:00,1.75\n2023-03-01 02:00,2.125\n");
    write_file(tmp_path(b, sizeof b, "south.zone.csv"),
               "kw;time\n310;2023-03-01 00:00\n;2023-03-01 01:00\n325.5;2023-03-01 02:00\n");
    mc_panel_options po;
    mc_panel_options_defaults(&po);
    po.csv.time_column = "time";
    const char *paths[] = {a, b};
    mc_panel *p = read_ok(paths, 2, &po);
    assert_int_equal(mc_panel_series(p), 2);
    assert_string_equal(mc_panel_series_name(p, 0), "north");
    assert_string_equal(mc_panel_series_name(p, 1), "south.zone");
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    co.time_column = "time";
    for (size_t i = 0; i < 2; i++) {
        mc_frame *alone = NULL;
        mc_error err;
        assert_int_equal(mc_frame_read_csv(&alone, paths[i], &co, &err), MC_OK);
        assert_same_frame(mc_panel_frame(p, i), alone);
        assert_int_equal(mc_frame_get_report(mc_panel_frame(p, i))->delimiter, i ? ';' : ',');
        mc_frame_free(alone);
    }
    assert_string_equal(mc_frame_column_name(mc_panel_frame(p, 0), 0), "mw");
    assert_string_equal(mc_frame_column_name(mc_panel_frame(p, 1), 0), "kw");
    regularize_ok(p);
    mc_panel_free(p);

    /* Two files of one base name in two directories. */
    const char *tmp = getenv("MC_TEST_TMPDIR");
    snprintf(c, sizeof c, "%s/panel-test/other", tmp ? tmp : "/tmp");
    mkdir(c, 0777);
    strncat(c, "/north.csv", sizeof c - strlen(c) - 1);
    write_file(c, "time,mw\n2023-03-01 00:00,1.5\n");
    const char *same[] = {a, c};
    mc_error err;
    assert_int_equal(mc_panel_read_csv(&p, same, 2, &po, &err), MC_ERR_DUPLICATE);
    assert_null(p);
    assert_contains(err.message, c);
    assert_contains(err.message, a);
    assert_contains(err.message, "series \"north\"");
    /* A file that cannot be opened, and one without rows. */
    const char *missing[] = {a, "/nonexistent/x.csv"};
    assert_int_equal(mc_panel_read_csv(&p, missing, 2, &po, &err), MC_ERR_IO);
    assert_contains(err.message, "/nonexistent/x.csv");
    write_file(b, "time,kw\n");
    assert_int_equal(mc_panel_read_csv(&p, paths, 2, &po, &err), MC_ERR_EMPTY);
    assert_contains(err.message, b);
}

static void test_long_duplicate_across_files(void **state)
{
    (void)state;
    char a[512], b[512];
    write_file(tmp_path(a, sizeof a, "first.csv"),
               "time,zone,load\n2023-03-01 00:00,AEP,1.5\n2023-03-01 00:00,DOM,2.5\n"
               "2023-03-01 01:00,AEP,1.75\n");
    write_file(tmp_path(b, sizeof b, "second.csv"),
               "zone,time,load\nPJM,2023-03-01 00:00,3.5\nDOM,2023-03-01 01:00,2.75\n");
    mc_panel_options po;
    mc_panel_options_defaults(&po);
    po.series_column = "zone";
    po.csv.time_column = "time";
    const char *paths[] = {a, b};
    mc_panel *p = NULL;
    mc_error err;
    assert_int_equal(mc_panel_read_csv(&p, paths, 2, &po, &err), MC_ERR_DUPLICATE);
    assert_null(p);
    char want[1200];
    snprintf(want, sizeof want, "%s: line 3 (field 1): series \"DOM\" was already read from %s, "
             "line 3", b, a);
    assert_contains(err.message, want);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 1);

    /* Without the repeat the series pool, in order of appearance. */
    write_file(b, "zone,time,load\nPJM,2023-03-01 00:00,3.5\nPJM,2023-03-01 01:00,3.25\n");
    p = read_ok(paths, 2, &po);
    assert_int_equal(mc_panel_series(p), 3);
    assert_string_equal(mc_panel_series_name(p, 2), "PJM");
    assert_int_equal(mc_frame_rows(mc_panel_frame(p, 0)), 2);
    assert_close(mc_frame_values(mc_panel_frame(p, 2), 0)[1], 3.25, 0, 0);
    mc_panel_free(p);
}

static void test_row_errors_name_file_line_column(void **state)
{
    (void)state;
    char a[512];
    tmp_path(a, sizeof a, "bad.csv");
    mc_panel_options po;
    mc_panel_options_defaults(&po);
    po.series_column = "zone";
    const char *paths[] = {a};
    mc_panel *p = NULL;
    mc_error err;

    write_file(a, "time,zone,load\n2023-03-01 00:00,AEP,1.5\n\n2023-03-01 01:00,,1.75\n");
    assert_int_equal(mc_panel_read_csv(&p, paths, 1, &po, &err), MC_ERR_VALUE);
    assert_null(p);
    assert_contains(err.message, "line 4, column \"zone\" (field 2): the series name is empty");
    assert_int_equal(err.line, 4);
    assert_int_equal(err.column, 2);

    write_file(a, "time,zone,load\n2023-03-01 00:00,AEP,1.5\n2023-03-01 01:00,DOM,1.7x\n");
    assert_int_equal(mc_panel_read_csv(&p, paths, 1, &po, &err), MC_ERR_VALUE);
    assert_contains(err.message, "line 3, column \"load\" (field 3): \"1.7x\" is not a number");
    assert_int_equal(err.column, 3);

    write_file(a, "time,zone,load\n2023-03-01 00:00,AEP,1.5\n2023-03-01 01:00Z,DOM,1.7\n");
    assert_int_equal(mc_panel_read_csv(&p, paths, 1, &po, &err), MC_ERR_TIME);
    assert_int_equal(err.line, 3);

    po.series_column = "area";
    assert_int_equal(mc_panel_read_csv(&p, paths, 1, &po, &err), MC_ERR_COLUMN);
    assert_contains(err.message, "no series column named \"area\"");

    /* Options that contradict each other, and no files. */
    static const char *const targets[] = {"load"};
    po.targets = targets;
    po.n_targets = 1;
    assert_int_equal(mc_panel_read_csv(&p, paths, 1, &po, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_panel_read_csv(&p, paths, 0, &po, &err), MC_ERR_ARGUMENT);
    /* Only a time and a series column: no load. */
    po.targets = NULL;
    po.n_targets = 0;
    po.series_column = "zone";
    write_file(a, "time,zone\n2023-03-01 00:00,AEP\n");
    assert_int_equal(mc_panel_read_csv(&p, paths, 1, &po, &err), MC_ERR_COLUMN);
    assert_contains(err.message, "no column for the load");
}

/* Two hourly series and a quarter-hourly one. */
static mc_panel *three_frames(int64_t third_step)
{
    mc_frame *frames[3];
    static const char *const names[] = {"A", "B", "C"};
    for (size_t k = 0; k < 3; k++) {
        const int64_t step = k == 2 ? third_step : HOUR;
        int64_t times[40];
        double load[40];
        for (size_t i = 0; i < 40; i++) {
            times[i] = 1677628800 + (int64_t)i * step;
            load[i] = 71.25 + 3.5 * (double)k + 0.625 * (double)i;
        }
        const char *cols[] = {"load"};
        const double *data[] = {load};
        mc_error err;
        assert_int_equal(mc_frame_from_arrays(&frames[k], times, NULL, 40, cols, data, 1, &err),
                         MC_OK);
    }
    mc_panel *p = NULL;
    mc_error err;
    assert_int_equal(mc_panel_from_frames(&p, frames, names, 3, &err), MC_OK);
    return p;
}

static void test_different_steps_refused(void **state)
{
    (void)state;
    mc_panel *p = three_frames(900);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    mc_error err;
    assert_int_equal(mc_panel_regularize(p, &ro, &err), MC_ERR_GRID);
    assert_contains(err.message, "series \"A\" has a step of 1 h but series \"C\" one of 15 min");
    mc_panel_free(p);
    p = three_frames(HOUR);
    regularize_ok(p);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(mc_frame_step(mc_panel_frame(p, i)), HOUR);
    mc_panel_free(p);
}

static void test_from_frames_errors(void **state)
{
    (void)state;
    mc_frame *frames[3];
    static const char *const dup[] = {"A", "B", "A"};
    static const char *const empty[] = {"A", "", "C"};
    mc_error err;
    mc_panel *p = NULL;
    for (int round = 0; round < 3; round++) {
        for (size_t k = 0; k < 3; k++) {
            int64_t t = 1677628800;
            double v = 1.5;
            const char *cols[] = {"load"};
            const double *data[] = {&v};
            assert_int_equal(mc_frame_from_arrays(&frames[k], &t, NULL, 1, cols, data, 1, &err),
                             MC_OK);
        }
        /* The frames are the panel's even when it fails: nothing leaks. */
        if (round == 0) {
            assert_int_equal(mc_panel_from_frames(&p, frames, dup, 3, &err), MC_ERR_DUPLICATE);
            assert_contains(err.message, "\"A\"");
        } else if (round == 1) {
            assert_int_equal(mc_panel_from_frames(&p, frames, empty, 3, &err), MC_ERR_ARGUMENT);
            assert_contains(err.message, "series 2");
        } else {
            assert_int_equal(mc_panel_from_frames(&p, frames, NULL, 3, &err), MC_ERR_ARGUMENT);
        }
        assert_null(p);
    }
    assert_int_equal(mc_panel_from_frames(&p, frames, dup, 0, &err), MC_ERR_EMPTY);
    mc_panel_free(NULL);
}

static void test_keep_only(void **state)
{
    (void)state;
    mc_panel *p = three_frames(HOUR);
    static const char *const names[] = {"class", "area"};
    const double values[] = {1, 2, 3, 10.5, 20.25, 30.125};
    mc_error err;
    assert_int_equal(mc_panel_set_static(p, names, 2, values, &err), MC_OK);
    const mc_frame *b = mc_panel_frame(p, 1);
    assert_int_equal(mc_panel_keep_only(p, "D", &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "no series named \"D\"; the series are \"A\", \"B\", \"C\"");
    assert_int_equal(mc_panel_series(p), 3);
    assert_int_equal(mc_panel_keep_only(p, "B", &err), MC_OK);
    assert_int_equal(mc_panel_series(p), 1);
    assert_string_equal(mc_panel_series_name(p, 0), "B");
    assert_ptr_equal(mc_panel_frame(p, 0), b);
    assert_int_equal(mc_panel_find(p, "B"), 0);
    assert_int_equal(mc_panel_find(p, "A"), SIZE_MAX);
    assert_int_equal(mc_panel_static_count(p), 2);
    assert_close(mc_panel_static_value(p, 0, 0), 2, 0, 0);
    assert_close(mc_panel_static_value(p, 1, 0), 20.25, 0, 0);
    assert_true(isnan(mc_panel_static_value(p, 0, 1)));
    regularize_ok(p);
    mc_panel_free(p);

    /* Many series: the list is cut at 12, with the count. */
    enum { MANY = 30 };
    mc_frame *frames[MANY];
    char name_buf[MANY][8];
    const char *many[MANY];
    for (size_t k = 0; k < MANY; k++) {
        int64_t t = 1677628800;
        double v = 1.5 + (double)k;
        const char *cols[] = {"load"};
        const double *data[] = {&v};
        assert_int_equal(mc_frame_from_arrays(&frames[k], &t, NULL, 1, cols, data, 1, &err),
                         MC_OK);
        snprintf(name_buf[k], sizeof name_buf[k], "s%zu", k);
        many[k] = name_buf[k];
    }
    assert_int_equal(mc_panel_from_frames(&p, frames, many, MANY, &err), MC_OK);
    for (size_t k = 0; k < MANY; k++)
        assert_int_equal(mc_panel_find(p, many[k]), k);
    assert_int_equal(mc_panel_keep_only(p, "x", &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "\"s11\", ... (30 in all)");
    assert_true(strstr(err.message, "\"s12\"") == NULL);
    assert_int_equal(mc_panel_keep_only(p, "s29", &err), MC_OK);
    assert_close(mc_frame_values(mc_panel_frame(p, 0), 0)[0], 30.5, 0, 0);
    mc_panel_free(p);
}

static void test_static_from_file(void **state)
{
    (void)state;
    mc_panel *p = three_frames(HOUR);
    char path[512];
    tmp_path(path, sizeof path, "static.csv");
    mc_error err;
    /* Series in another order, one the panel lacks (with junk: ignored). */
    write_file(path, "class,zone,area\n3,C,30.125\n7,X,n/a\n1,A,10.5\n2,B,-20.25\n");
    assert_int_equal(mc_panel_read_static(p, path, "zone", &err), MC_OK);
    assert_int_equal(mc_panel_static_count(p), 2);
    assert_string_equal(mc_panel_static_name(p, 0), "class");
    assert_string_equal(mc_panel_static_name(p, 1), "area");
    assert_null(mc_panel_static_name(p, 2));
    const double want[2][3] = {{1, 2, 3}, {10.5, -20.25, 30.125}};
    for (size_t j = 0; j < 2; j++)
        for (size_t i = 0; i < 3; i++)
            assert_close(mc_panel_static_value(p, j, i), want[j][i], 0, 0);
    assert_true(isnan(mc_panel_static_value(p, 2, 0)));

    /* The series column defaults to the first; semicolons are detected. */
    write_file(path, "zone;size\nB;5\nA;4\nC;6\n");
    assert_int_equal(mc_panel_read_static(p, path, NULL, &err), MC_OK);
    assert_int_equal(mc_panel_static_count(p), 1);
    assert_string_equal(mc_panel_static_name(p, 0), "size");
    assert_close(mc_panel_static_value(p, 0, 1), 5, 0, 0);

    /* Every error leaves the statics as they were. */
    struct {
        const char *csv, *column;
        mc_status status;
        const char *message;
        size_t line, field;
    } cases[] = {
        {"zone,size\nA,1\nC,3\n", NULL, MC_ERR_ARGUMENT, "no row for series \"B\"", 0, 0},
        {"zone,size\nA,1\nB,2\nA,1\nC,3\n", NULL, MC_ERR_DUPLICATE,
         "line 4: a second row for series \"A\" (the first is line 2)", 4, 1},
        {"zone,size\nA,1\nB,big\nC,3\n", NULL, MC_ERR_VALUE,
         "line 3, column \"size\" (field 2): \"big\" is not a number", 3, 2},
        {"zone,size\nA,1\nB,\nC,3\n", NULL, MC_ERR_VALUE, "\"\" is not a number", 3, 2},
        {"zone,size\nA,1\nB,1e300\nC,3\n", NULL, MC_ERR_VALUE, "beyond the 1e100", 3, 2},
        {"zone,size\nA,1\nB,2\nC,3\n", "region", MC_ERR_COLUMN,
         "no series column named \"region\"; the columns are \"zone\", \"size\"", 0, 0},
        {"zone\nA\nB\nC\n", NULL, MC_ERR_COLUMN, "no column of static covariates", 1, 0},
        {"zone,size,size\nA,1,1\nB,2,2\nC,3,3\n", NULL, MC_ERR_COLUMN,
         "the header names column \"size\" twice (fields 2 and 3)", 1, 3},
        {"zone,size\nA,1\nB,2,7\nC,3\n", NULL, MC_ERR_CSV, "line 3 has 3 fields", 3, 3},
        {"", NULL, MC_ERR_EMPTY, "empty", 0, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        write_file(path, cases[c].csv);
        mc_status st = mc_panel_read_static(p, path, cases[c].column, &err);
        if (st != cases[c].status)
            print_error("case %zu: %s\n", c, err.message);
        assert_int_equal(st, cases[c].status);
        assert_contains(err.message, cases[c].message);
        assert_contains(err.message, path);
        assert_int_equal(err.line, cases[c].line);
        assert_int_equal(err.column, cases[c].field);
        assert_int_equal(mc_panel_static_count(p), 1);
        assert_close(mc_panel_static_value(p, 0, 1), 5, 0, 0);
    }
    assert_int_equal(mc_panel_read_static(p, "/nonexistent/static.csv", NULL, &err), MC_ERR_IO);
    mc_panel_free(p);
}

static void test_static_from_arrays(void **state)
{
    (void)state;
    mc_panel *p = three_frames(HOUR);
    static const char *const names[] = {"class", "area"};
    double values[] = {1, 2, 3, 10.5, 20.25, 30.125};
    mc_error err;
    assert_int_equal(mc_panel_set_static(p, names, 2, values, &err), MC_OK);
    values[4] = 99; /* copied: the caller's array is not referenced */
    assert_close(mc_panel_static_value(p, 1, 1), 20.25, 0, 0);
    assert_close(mc_panel_static_value(p, 0, 2), 3, 0, 0);
    assert_string_equal(mc_panel_static_name(p, 1), "area");

    static const char *const twice[] = {"class", "class"};
    static const char *const empty[] = {"class", ""};
    assert_int_equal(mc_panel_set_static(p, twice, 2, values, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "\"class\" is named twice");
    assert_int_equal(mc_panel_set_static(p, empty, 2, values, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_panel_set_static(p, NULL, 2, values, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_panel_set_static(p, names, 2, NULL, &err), MC_ERR_ARGUMENT);
    values[5] = NAN;
    assert_int_equal(mc_panel_set_static(p, names, 2, values, &err), MC_ERR_VALUE);
    assert_contains(err.message, "static covariate 2 of series \"C\"");
    values[5] = INFINITY;
    assert_int_equal(mc_panel_set_static(p, names, 2, values, &err), MC_ERR_VALUE);
    values[5] = 2e100;
    assert_int_equal(mc_panel_set_static(p, names, 2, values, &err), MC_ERR_VALUE);
    assert_int_equal(mc_panel_static_count(p), 2);
    assert_close(mc_panel_static_value(p, 1, 1), 20.25, 0, 0);
    assert_int_equal(mc_panel_set_static(p, NULL, 0, NULL, &err), MC_OK);
    assert_int_equal(mc_panel_static_count(p), 0);
    assert_true(isnan(mc_panel_static_value(p, 0, 0)));
    mc_panel_free(p);
}

static void test_time_zone(void **state)
{
    (void)state;
    mc_panel *p = three_frames(HOUR);
    mc_error err;
    assert_int_equal(mc_panel_set_time_zone(p, "../etc/passwd", NULL, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "series \"A\": ");
    FILE *z = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
    if (z == NULL) {
        mc_panel_free(p);
        skip(); /* no tzdata */
    }
    fclose(z);
    assert_int_equal(mc_panel_set_time_zone(p, "Europe/Berlin", NULL, &err), MC_OK);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(mc_frame_time_zone(mc_panel_frame(p, i)), "Europe/Berlin");
    /* A zone is set once: the second call fails at the first series. */
    assert_int_equal(mc_panel_set_time_zone(p, "Europe/Berlin", NULL, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "series \"A\": ");
    regularize_ok(p);
    mc_panel_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_matches_single_files),
        cmocka_unit_test(test_regularize_error_names_series_and_lines),
        cmocka_unit_test(test_wide_layout),
        cmocka_unit_test(test_files_with_different_targets),
        cmocka_unit_test(test_long_duplicate_across_files),
        cmocka_unit_test(test_row_errors_name_file_line_column),
        cmocka_unit_test(test_different_steps_refused),
        cmocka_unit_test(test_from_frames_errors),
        cmocka_unit_test(test_keep_only),
        cmocka_unit_test(test_static_from_file),
        cmocka_unit_test(test_static_from_arrays),
        cmocka_unit_test(test_time_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
