/*
 * Allocation-failure injection. Each path (reading a CSV, or building a frame
 * from arrays, then regularising and describing it; reading panels of many
 * series in each layout, regularising them, giving them static covariates;
 * parsing JSON; saving and loading a model; one epoch of training, by steps
 * and by mc_model_train; forecasting, with a forecaster and with
 * mc_model_forecast; a report of a
 * description, a forecast, a backtest and an explanation; the model paths
 * for a point and a quantile model) runs clean to count its allocations K,
 * then K times with the N-th allocation refused and K times with every
 * allocation from the N-th on refused. Every call must return MC_OK or
 * MC_ERR_NOMEM with `err` filled to match: any other status fails the test,
 * and so does an MC_OK whose results differ from the clean run's (a failure
 * swallowed into a different answer). After each run every block it
 * allocated must be free again: the wrappers track live blocks, so a leak
 * names its path and N in the plain build too (ASan's leak checker adds its
 * own check at exit in the sanitize build).
 *
 * Refused alone, two kinds of allocation are recovered from, with the clean
 * run's results: libcsv's growth of its field buffer (it retries with half
 * the block) and mc_frame_shrink's shrinking realloc (the larger block is
 * kept). The test lists the N of every recovery it sees.
 *
 * What is injected, and what is not: alloc_wrap.c.
 *
 * MC_ALLOC_TRACE=1 prints a backtrace where each refused allocation was asked
 * for (resolve the offsets with addr2line -f -e test_alloc_fail).
 */
#include "test_util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_wrap.h"
#include "common/error.h"
#include "data/timestamp.h"
#include "io/json.h"
#include "maskcast/maskcast.h"
#include "train/global.h"

/* ---- fingerprints of results ----------------------------------------------- */

static uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * UINT64_C(0x100000001b3);
    return h;
}

#define HASH_INIT UINT64_C(0xcbf29ce484222325)
#define HASH_VALUE(h, v) hash_bytes((h), &(v), sizeof(v))

/* ---- the paths --------------------------------------------------------------- */

/* One sequence of calls under injection. `run` makes the calls and keeps
   what they made in the state; `fingerprint` (not injected) summarises a
   successful run's results; `release` (not injected) frees them. */
typedef struct path {
    const char *name;
    mc_status (*run)(void *state, mc_error *err);
    uint64_t (*fingerprint)(void *state);
    void (*release)(void *state);
} path;

enum { LOOKBACK = 24, HORIZON = 6, HIDDEN = 8, DAYS = 12, ROWS = DAYS * 24 };
static const char *const FUTURE[] = {"temp"};

typedef struct fixture {
    char *csv;             /* the CSV text of the csv path */
    char *csv_plain;       /* and of the csv-plain path */
    const char *json_text; /* the text of the json paths */
    cJSON *json;
    char holidays[512];    /* path of a holidays file */
    int64_t *holiday_days; /* its dates */
    size_t n_holidays;
    char model_path[512];  /* where the save-file path writes */
    char panel_files[4][512]; /* the panel paths' files: long, wide, statics, one series */
    mc_frame *frame;       /* ROWS hourly rows of load and temp, regularised */
    mc_frame *history;     /* the same, the last HORIZON loads left out */
    /* The model of each variant, trained on `frame`, and its file's bytes. */
    int variant;           /* 0: point forecasts; 1: quantiles, other parts */
    mc_model *models[2];
    void *model_bytes[2];
    size_t model_size[2];

    /* What a run made. */
    mc_frame *out_frame;
    mc_panel *out_panels[3];
    mc_column_summary summary[2];
    mc_model *out_model;
    mc_trainer *trainer;
    void *out_bytes;
    size_t out_size;
    mc_forecaster *forecaster;
    int64_t times[HORIZON];
    double values[HORIZON * 3];
    /* The results a report is made of (setup), and the report a run made. */
    mc_backtest *backtests[2];
    mc_explanation *explanation;
    mc_report *report;
    const char *report_json;
} fixture;

/* Hourly load and temperature from 2023-03-20 on, with what regularising
   has to deal with: rows out of order, a repeated instant, an off-grid row, a
   two-hour gap to interpolate, a six-hour one to fill from a day earlier, an
   empty value and a column nobody reads (with quotes and a line break). */
static char *messy_csv(void)
{
    const size_t rows = 5 * 24, cap = 128 + rows * 96;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "time,note,load,temp\n");
    const int64_t t0 = mc_days_from_civil(2023, 3, 20) * 86400;
    for (size_t h = 0; h < rows; h++) {
        if ((h >= 50 && h < 52) || (h >= 80 && h < 86))
            continue; /* gaps */
        const size_t r = h == 30 ? 31 : h == 31 ? 30 : h; /* two rows swapped */
        char stamp[40];
        mc_time_to_text(t0 + (int64_t)r * 3600, 0, false, stamp, sizeof stamp);
        const double load = 812.5 + 143.25 * sin(6.283185307179586 * (double)(r % 24) / 24.0) +
                            0.375 * (double)((r * 37) % 11);
        const double temp = 7.125 + 3.5 * cos(6.283185307179586 * (double)(r % 24) / 24.0);
        const char *note = r == 60 ? "\"line one\nline two\"" : r % 7 == 0 ? "\"a, b\"" : "x";
        if (r == 44)
            len += (size_t)snprintf(text + len, cap - len, "%s,%s,,%.3f\n", stamp, note, temp);
        else
            len += (size_t)snprintf(text + len, cap - len, "%s,%s,%.3f,%.3f\n", stamp, note, load,
                                    temp);
        if (r == 70) { /* the same instant again, and a row off the grid */
            len += (size_t)snprintf(text + len, cap - len, "%s,dup,%.3f,%.3f\n", stamp, load + 2.5,
                                    temp);
            mc_time_to_text(t0 + (int64_t)r * 3600 + 1800, 0, false, stamp, sizeof stamp);
            len += (size_t)snprintf(text + len, cap - len, "%s,off,%.3f,%.3f\n", stamp, load, temp);
        }
    }
    return text;
}

/* The messy file read, in time zone `zone` unless it is NULL, regularised
   and described. */
static mc_status csv_zone_run(void *state, const char *zone, mc_error *err)
{
    fixture *fx = state;
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    co.target_column = "load";
    const char *covs[] = {"temp"};
    co.covariates = covs;
    co.n_covariates = 1;
    co.chunk_size = 16; /* the first line is read in pieces, the rest in many chunks */
    mc_status st = mc_frame_read_csv_buffer(&fx->out_frame, fx->csv, strlen(fx->csv), "messy.csv",
                                            &co, err);
    if (st != MC_OK)
        return st;
    if (zone != NULL && (st = mc_frame_set_time_zone(fx->out_frame, zone, NULL, err)) != MC_OK)
        return st;
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    ro.long_fill = MC_LONG_FILL_DAY;
    if ((st = mc_frame_regularize(fx->out_frame, &ro, err)) != MC_OK)
        return st;
    for (size_t j = 0; j < 2 && st == MC_OK; j++)
        st = mc_frame_describe_column(fx->out_frame, j, &fx->summary[j], err);
    return st;
}

static mc_status csv_run(void *state, mc_error *err)
{
    return csv_zone_run(state, NULL, err);
}

/* The zone file read, and the naive times turned into its instants. */
static mc_status zone_run(void *state, mc_error *err)
{
    return csv_zone_run(state, "Asia/Kolkata", err);
}

/* Everything reading and regularising made of a frame. */
static uint64_t frame_hash(uint64_t h, const mc_frame *f)
{
    const size_t rows = mc_frame_rows(f), cols = mc_frame_columns(f);
    h = HASH_VALUE(h, rows);
    h = HASH_VALUE(h, cols);
    h = hash_bytes(h, mc_frame_times(f), rows * sizeof(int64_t));
    h = hash_bytes(h, mc_frame_utc_offsets(f), rows * sizeof(int16_t));
    for (size_t j = 0; j < cols; j++) {
        h = hash_bytes(h, mc_frame_values(f, j), rows * sizeof(double));
        h = hash_bytes(h, mc_frame_states(f, j), rows);
        const mc_column_report *cr = mc_frame_column_report(f, j);
        const size_t counts[] = {cr->missing_in_file, cr->non_numeric, cr->interpolated,
                                 cr->seasonal, cr->missing};
        h = hash_bytes(h, counts, sizeof counts);
    }
    const mc_frame_report *r = mc_frame_get_report(f);
    const size_t counts[] = {r->file_rows, r->blank_lines, r->duplicate_times, r->duplicate_rows,
                             r->off_grid_rows, r->gap_rows, (size_t)r->was_sorted};
    return hash_bytes(h, counts, sizeof counts);
}

static uint64_t csv_fingerprint(void *state)
{
    const fixture *fx = state;
    uint64_t h = frame_hash(HASH_INIT, fx->out_frame);
    for (size_t j = 0; j < 2; j++) {
        const mc_column_summary *s = &fx->summary[j];
        const double stats[] = {s->min, s->max, s->mean, s->median, s->robust_sd};
        const size_t n[] = {s->observed, s->zeros, s->negatives, s->outliers, s->n_examples};
        h = hash_bytes(h, stats, sizeof stats);
        h = hash_bytes(h, n, sizeof n);
    }
    return h;
}

static void csv_release(void *state)
{
    fixture *fx = state;
    mc_frame_free(fx->out_frame);
    fx->out_frame = NULL;
}

/* ---- panels ------------------------------------------------------------------ */

enum { PANEL_LONG, PANEL_WIDE, PANEL_STATIC, PANEL_SINGLE };

/* Three feeders' hourly load and temperature in one long file, rows
   interleaved, with a repeated hour, a gap, rows out of order and an empty
   value; the same loads side by side in a wide file; their statics. */
static void write_panel_files(fixture *fx)
{
    static const char *const names[] = {"feeder 1", "\"feeder, 2\"", "F3"};
    FILE *lf = fopen(fx->panel_files[PANEL_LONG], "w");
    FILE *wf = fopen(fx->panel_files[PANEL_WIDE], "w");
    FILE *sf = fopen(fx->panel_files[PANEL_STATIC], "w");
    FILE *of = fopen(fx->panel_files[PANEL_SINGLE], "w");
    assert_true(lf && wf && sf && of);
    fputs("time,feeder,load,temp\n", lf);
    fputs("time,f1,temp,f2\n", wf);
    fputs("time,load\n", of);
    const int64_t t0 = mc_days_from_civil(2023, 3, 20) * 86400;
    for (size_t h = 0; h < 4 * 24; h++) {
        char stamp[40];
        const size_t r = h == 30 ? 31 : h == 31 ? 30 : h;
        mc_time_to_text(t0 + (int64_t)r * 3600, 0, false, stamp, sizeof stamp);
        const double temp = 7.125 + 3.5 * cos(6.283185307179586 * (double)(r % 24) / 24.0);
        double load[3];
        for (size_t k = 0; k < 3; k++)
            load[k] = 412.5 + 71.25 * (double)k +
                      143.25 * sin(6.283185307179586 * (double)((r + 3 * k) % 24) / 24.0);
        for (size_t k = 0; k < 3; k++) {
            const size_t s = (h + k * (h % 5)) % 3; /* interleaved */
            if (s == 1 && h >= 50 && h < 56)
                continue; /* a gap */
            if (s == 2 && h == 40)
                fprintf(lf, "%s,%s,,%.3f\n", stamp, names[s], temp);
            else
                fprintf(lf, "%s,%s,%.3f,%.3f\n", stamp, names[s], load[s], temp);
            if (s == 0 && h == 60) /* the same hour again */
                fprintf(lf, "%s,%s,%.3f,%.3f\n", stamp, names[s], load[s] + 2.5, temp);
        }
        fprintf(wf, "%s,%.3f,%.3f,%.3f\n", stamp, load[0], temp, load[1]);
        fprintf(of, "%s,%.3f\n", stamp, load[2]);
    }
    fputs("feeder,class,area\nF3,2,17.5\nfeeder 1,1,3.25\nother,4,1\n\"feeder, 2\",3,8.125\n", sf);
    assert_int_equal(fclose(lf) | fclose(wf) | fclose(sf) | fclose(of), 0);
}

/* The long file read, regularised and given its statics; the wide file and
   the one-series file read and regularised. */
static mc_status panel_run(void *state, mc_error *err)
{
    fixture *fx = state;
    static const char *const temp[] = {"temp"};
    static const char *const targets[] = {"f2", "f1"};
    mc_panel_options po;
    mc_panel_options_defaults(&po);
    po.csv.covariates = temp;
    po.csv.n_covariates = 1;
    po.series_column = "feeder";
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    const char *paths[] = {fx->panel_files[PANEL_LONG], fx->panel_files[PANEL_WIDE],
                           fx->panel_files[PANEL_SINGLE]};
    mc_status st;
    if ((st = mc_panel_read_csv(&fx->out_panels[0], &paths[0], 1, &po, err)) != MC_OK ||
        (st = mc_panel_regularize(fx->out_panels[0], &ro, err)) != MC_OK ||
        (st = mc_panel_read_static(fx->out_panels[0], fx->panel_files[PANEL_STATIC], NULL,
                                   err)) != MC_OK)
        return st;
    po.series_column = NULL;
    po.targets = targets;
    po.n_targets = 2;
    if ((st = mc_panel_read_csv(&fx->out_panels[1], &paths[1], 1, &po, err)) != MC_OK ||
        (st = mc_panel_regularize(fx->out_panels[1], &ro, err)) != MC_OK)
        return st;
    static const char *const statics[] = {"class"};
    const double values[] = {1.5, 2.5};
    if ((st = mc_panel_set_static(fx->out_panels[1], statics, 1, values, err)) != MC_OK)
        return st;
    po.targets = NULL;
    po.n_targets = 0;
    po.csv.n_covariates = 0;
    if ((st = mc_panel_read_csv(&fx->out_panels[2], &paths[2], 1, &po, err)) != MC_OK)
        return st;
    return mc_panel_regularize(fx->out_panels[2], &ro, err);
}

static uint64_t panel_fingerprint(void *state)
{
    const fixture *fx = state;
    uint64_t h = HASH_INIT;
    for (size_t k = 0; k < 3; k++) {
        const mc_panel *p = fx->out_panels[k];
        for (size_t i = 0; i < mc_panel_series(p); i++) {
            const char *name = mc_panel_series_name(p, i);
            h = hash_bytes(h, name, strlen(name));
            h = frame_hash(h, mc_panel_frame(p, i));
            for (size_t j = 0; j < mc_panel_static_count(p); j++) {
                const double v = mc_panel_static_value(p, j, i);
                h = HASH_VALUE(h, v);
            }
        }
    }
    return h;
}

static void panel_release(void *state)
{
    fixture *fx = state;
    for (size_t k = 0; k < 3; k++) {
        mc_panel_free(fx->out_panels[k]);
        fx->out_panels[k] = NULL;
    }
}

/* A model's fingerprint: its file's bytes. */
static uint64_t model_hash(const mc_model *m)
{
    void *bytes = NULL;
    size_t size = 0;
    mc_error err;
    assert_int_equal(mc_model_save_buffer(m, &bytes, &size, &err), MC_OK);
    const uint64_t h = hash_bytes(HASH_INIT, bytes, size);
    free(bytes);
    return h;
}

static uint64_t model_fingerprint(void *state)
{
    return model_hash(((fixture *)state)->out_model);
}

static void model_release(void *state)
{
    fixture *fx = state;
    mc_model_free(fx->out_model);
    fx->out_model = NULL;
    mc_trainer_free(fx->trainer);
    fx->trainer = NULL;
}

static mc_status load_run(void *state, mc_error *err)
{
    fixture *fx = state;
    return mc_model_load_buffer(&fx->out_model, fx->model_bytes[fx->variant],
                                fx->model_size[fx->variant], "tiny", err);
}

static mc_status save_run(void *state, mc_error *err)
{
    fixture *fx = state;
    return mc_model_save_buffer(fx->models[fx->variant], &fx->out_bytes, &fx->out_size, err);
}

static uint64_t save_fingerprint(void *state)
{
    const fixture *fx = state;
    return hash_bytes(HASH_INIT, fx->out_bytes, fx->out_size);
}

static void save_release(void *state)
{
    fixture *fx = state;
    free(fx->out_bytes);
    fx->out_bytes = NULL;
    fx->out_size = 0;
}

/* Saving to a file: the atomic writer's names and directory scan too. */
static mc_status save_file_run(void *state, mc_error *err)
{
    fixture *fx = state;
    return mc_model_save(fx->models[fx->variant], fx->model_path, err);
}

static uint64_t save_file_fingerprint(void *state)
{
    const fixture *fx = state;
    FILE *f = fopen(fx->model_path, "rb");
    assert_non_null(f);
    unsigned char buf[4096];
    uint64_t h = HASH_INIT;
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;)
        h = hash_bytes(h, buf, n);
    fclose(f);
    return h;
}

/* Whatever the run returned, no temporary is left beside the file. */
static void save_file_release(void *state)
{
    const fixture *fx = state;
    char tmp_prefix[600];
    snprintf(tmp_prefix, sizeof tmp_prefix, "%s.tmp.", strrchr(fx->model_path, '/') + 1);
    char dir[512];
    snprintf(dir, sizeof dir, "%s", fx->model_path);
    *strrchr(dir, '/') = '\0';
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strncmp(e->d_name, tmp_prefix, strlen(tmp_prefix)) == 0)
            fail_msg("a temporary was left behind: %s", e->d_name);
    closedir(d);
}

/* Variant 0: a point model with holidays and the linear candidate. Variant 1:
   three quantiles (no linear candidate), softmax masks from horizon
   embeddings, GELU, the temperature as a past input too, no holidays. */
static void tiny_options(const fixture *fx, mc_model_options *mo, mc_train_options *to)
{
    mc_model_options_defaults(mo);
    mo->window.lookback = LOOKBACK;
    mo->window.horizon = HORIZON;
    mo->network.hidden = HIDDEN;
    mo->features.future = FUTURE;
    mo->features.n_future = 1;
    mo->features.holidays = fx->holiday_days;
    mo->features.n_holidays = fx->n_holidays;
    if (fx->variant == 1) {
        mo->loss.kind = MC_LOSS_PINBALL;
        mo->network.mask_kind = MC_MASK_SOFTMAX;
        mo->network.horizon_rank = 2;
        mo->network.activation = MC_ACTIVATION_GELU;
        mo->features.past = FUTURE;
        mo->features.n_past = 1;
        mo->features.holidays = NULL;
        mo->features.n_holidays = 0;
    }
    mc_train_options_defaults(to);
    to->max_epochs = 1;
    to->batch_size = 16;
    to->samples_per_epoch = 32;
    to->seed = 2385;
}

static mc_status train_steps_run(void *state, mc_error *err)
{
    fixture *fx = state;
    mc_model_options mo;
    mc_train_options to;
    tiny_options(fx, &mo, &to);
    mc_status st = mc_trainer_init(&fx->trainer, fx->frame, &mo, &to, err);
    bool done = false;
    const size_t before = alloc_count();
    if (st == MC_OK)
        st = mc_trainer_step(fx->trainer, &done, err);
    assert_int_equal(alloc_count(), before); /* a step does not allocate */
    if (st == MC_OK)
        st = mc_trainer_model(fx->trainer, &fx->out_model, err);
    return st;
}

static mc_status train_run(void *state, mc_error *err)
{
    fixture *fx = state;
    mc_model_options mo;
    mc_train_options to;
    tiny_options(fx, &mo, &to);
    return mc_model_train(&fx->out_model, fx->frame, &mo, &to, err);
}

/* A global model of two series (identity and a static covariate) through
   its file, and one series' view of it. */
static mc_status global_run(void *state, mc_error *err)
{
    fixture *fx = state;
    mc_model_options mo;
    mc_train_options to;
    tiny_options(fx, &mo, &to);
    const mc_frame *frames[] = {fx->frame, fx->history};
    static const char *const names[] = {"a", "b"}, *const statics[] = {"class"};
    static const double values[] = {1.0, 2.0};
    const mc_series_set set = {.n = 2, .frames = frames, .names = names, .n_static = 1,
                               .static_names = statics, .static_values = values,
                               .identity = true};
    mc_model *g = NULL, *loaded = NULL;
    void *bytes = NULL;
    size_t size = 0;
    mc_status st = mc_model_train_series(&g, &set, &mo, &to, NULL, err);
    if (st == MC_OK)
        st = mc_model_save_buffer(g, &bytes, &size, err);
    if (st == MC_OK)
        st = mc_model_load_buffer(&loaded, bytes, size, "global", err);
    if (st == MC_OK)
        st = mc_model_for_series(&fx->out_model, loaded, "b", err);
    free(bytes);
    mc_model_free(loaded);
    mc_model_free(g);
    return st;
}

static mc_status forecaster_run(void *state, mc_error *err)
{
    fixture *fx = state;
    mc_status st = mc_forecaster_create(&fx->forecaster, fx->models[fx->variant], err);
    const size_t before = alloc_count();
    if (st == MC_OK)
        st = mc_forecaster_run(fx->forecaster, fx->history, NULL, fx->times, fx->values, err);
    assert_int_equal(alloc_count(), before); /* nor does a forecaster's run */
    return st;
}

static mc_status forecast_run(void *state, mc_error *err)
{
    fixture *fx = state;
    return mc_model_forecast(fx->models[fx->variant], fx->history, NULL, fx->times, fx->values, err);
}

static uint64_t forecast_fingerprint(void *state)
{
    const fixture *fx = state;
    uint64_t h = hash_bytes(HASH_INIT, fx->times, sizeof fx->times);
    return hash_bytes(h, fx->values, sizeof fx->values);
}

static void forecast_release(void *state)
{
    fixture *fx = state;
    mc_forecaster_free(fx->forecaster);
    fx->forecaster = NULL;
    memset(fx->times, 0, sizeof fx->times);
    memset(fx->values, 0, sizeof fx->values);
}

/* A report of every kind the fixture has results for: the frame described,
   the history's forecast, a backtest and an explanation of the variant. */
static mc_status report_run(void *state, mc_error *err)
{
    fixture *fx = state;
    const mc_model *m = fx->models[fx->variant];
    const char *columns[] = {"temp"};
    const mc_report_header h = {.command = "maskcast report", .target = "load",
                                .columns = columns, .n_columns = 1, .model = m};
    mc_status st = mc_model_forecast(m, fx->history, NULL, fx->times, fx->values, err);
    if (st == MC_OK)
        st = mc_report_create(&fx->report, &h, err);
    if (st == MC_OK)
        st = mc_report_add_description(fx->report, fx->frame, err);
    if (st == MC_OK)
        st = mc_report_add_forecast(fx->report, m, fx->history, 2 * LOOKBACK, fx->times,
                                    fx->values, err);
    if (st == MC_OK)
        st = mc_report_add_backtest(fx->report, fx->backtests[fx->variant], fx->frame, err);
    if (st == MC_OK && fx->variant == 0)
        st = mc_report_add_explanation(fx->report, fx->explanation, err);
    if (st == MC_OK && (fx->report_json = mc_report_json(fx->report, err)) == NULL)
        st = err->code;
    return st;
}

/* The sections, not the header (which holds the time it was made). */
static uint64_t report_fingerprint(void *state)
{
    const fixture *fx = state;
    const char *sections = strstr(fx->report_json, "\"sections\"");
    assert_non_null(sections);
    return hash_bytes(HASH_INIT, sections, strlen(sections));
}

static void report_release(void *state)
{
    fixture *fx = state;
    mc_report_free(fx->report);
    fx->report = NULL;
    fx->report_json = NULL;
}

/* A JSON text with every kind of value, escape and nesting cJSON reads: under
   any refusal mc_json_parse must say MC_ERR_NOMEM, never MC_ERR_FORMAT. */
static const char JSON_TEXT[] =
    " {\"n\": [0, -0, 12, -3.25, 2.5e-3, 1E+2, 7e9, 123456789012345678901234567890],"
    " \"s\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t \\u00e9\\u20AC \\ud83d\\ude00 \u00e9\","
    " \"l\": [true, false, null, \"\", [], {}, [[[{\"deep\": [[1]]}]]]],"
    " \"\\u0041key\": {\"x\": {\"y\": \"z\"}}}\t\r\n";

static mc_status json_run(void *state, mc_error *err)
{
    fixture *fx = state;
    const mc_status st = mc_json_parse(&fx->json, fx->json_text, true, NULL);
    if (st != MC_OK) /* mc_json_parse leaves the message to its caller */
        mc_error_set(err, st, 0, 0, "mc_json_parse: %s", mc_status_name(st));
    return st;
}

static uint64_t json_fingerprint(void *state)
{
    fixture *fx = state;
    char *text = cJSON_PrintUnformatted(fx->json);
    assert_non_null(text);
    const uint64_t h = hash_bytes(HASH_INIT, text, strlen(text));
    cJSON_free(text);
    return h;
}

static void json_release(void *state)
{
    fixture *fx = state;
    cJSON_Delete(fx->json);
    fx->json = NULL;
}

/* The CSV text without a header, ';' between fields, decimal commas, day
   first, a value that is not a number (read leniently as missing). */
static char *plain_csv(void)
{
    const size_t rows = 3 * 24, cap = 64 + rows * 64;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = 0;
    for (size_t h = 0; h < rows; h++) {
        const double load = 640.25 + 97.5 * cos(6.283185307179586 * (double)(h % 24) / 24.0);
        char value[32];
        snprintf(value, sizeof value, "%.2f", load);
        *strchr(value, '.') = ',';
        len += (size_t)snprintf(text + len, cap - len, "%02zu/04/2023 %02zu:00;%s;%s\n",
                                1 + h / 24, h % 24, h == 17 ? "n/a" : value, h % 5 ? "x" : "y");
    }
    return text;
}

static mc_status csv_plain_run(void *state, mc_error *err)
{
    fixture *fx = state;
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    co.header = false;
    co.decimal = ',';
    co.time_format = MC_TIME_DMY;
    co.lenient = true;
    co.target_column = "2";
    mc_status st = mc_frame_read_csv_buffer(&fx->out_frame, fx->csv_plain, strlen(fx->csv_plain),
                                            NULL, &co, err);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    if (st == MC_OK)
        st = mc_frame_regularize(fx->out_frame, &ro, err);
    if (st == MC_OK)
        st = mc_frame_describe_column(fx->out_frame, 0, &fx->summary[0], err);
    return st;
}

static uint64_t csv_plain_fingerprint(void *state)
{
    const fixture *fx = state;
    const mc_frame *f = fx->out_frame;
    const size_t rows = mc_frame_rows(f);
    uint64_t h = HASH_INIT;
    h = hash_bytes(h, mc_frame_times(f), rows * sizeof(int64_t));
    h = hash_bytes(h, mc_frame_values(f, 0), rows * sizeof(double));
    h = hash_bytes(h, mc_frame_states(f, 0), rows);
    h = hash_bytes(h, mc_frame_column_name(f, 0), 2);
    const mc_column_summary *s = &fx->summary[0];
    const double stats[] = {s->min, s->max, s->mean, s->median, s->robust_sd};
    h = hash_bytes(h, stats, sizeof stats);
    return hash_bytes(h, &mc_frame_column_report(f, 0)->non_numeric, sizeof(size_t));
}

/* A frame from arrays, unsorted with a gap, regularised. */
static mc_status arrays_run(void *state, mc_error *err)
{
    fixture *fx = state;
    enum { N = 60 };
    int64_t times[N];
    int16_t offsets[N];
    double load[N], temp[N];
    for (size_t i = 0; i < N; i++) {
        const size_t r = i < 30 ? 29 - i : i + 4; /* backwards, then a four-hour gap */
        times[i] = 1700000000 - 1700000000 % 3600 + 3600 * (int64_t)r;
        offsets[i] = 60;
        load[i] = 512.75 + 31.5 * sin(0.2618 * (double)r);
        temp[i] = i == 40 ? NAN : 3.5 + 0.125 * (double)r;
    }
    const char *names[] = {"load", "temp"};
    const double *cols[] = {load, temp};
    mc_status st = mc_frame_from_arrays(&fx->out_frame, times, offsets, N, names, cols, 2, err);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    if (st == MC_OK)
        st = mc_frame_regularize(fx->out_frame, &ro, err);
    for (size_t j = 0; j < 2 && st == MC_OK; j++)
        st = mc_frame_describe_column(fx->out_frame, j, &fx->summary[j], err);
    return st;
}

/* ---- the harness ------------------------------------------------------------- */

/* Runs `p` with allocation fail_at refused (0: none) and stores its status
   in *st. Returns false, saying why, on a wrong status, an unfilled error, a
   result that differs from *hash (when hash_set) or a block left allocated. */
static bool run_once(const path *p, fixture *fx, size_t fail_at, bool sticky, uint64_t *hash,
                     bool hash_set, size_t *count, mc_status *st)
{
    const size_t live = alloc_live();
    mc_error err;
    mc_error_clear(&err);
    alloc_inject(fail_at, sticky);
    *st = p->run(fx, &err);
    *count = alloc_disarm();
    if (fail_at > *count) {
        print_error("%s: allocation %zu was never reached (%zu made)\n", p->name, fail_at, *count);
        return false;
    }
    const char *mode = fail_at == 0 ? "none: the clean run" : sticky ? "and every one after it"
                                                                      : "alone";
    bool ok = true;
    if (*st != MC_OK && *st != MC_ERR_NOMEM) {
        print_error("%s: allocation %zu refused (%s): %s (%s)\n", p->name, fail_at, mode,
                    mc_status_name(*st), err.message);
        ok = false;
    } else if (*st != MC_OK && (err.code != *st || err.message[0] == '\0')) {
        print_error("%s: allocation %zu refused (%s): returned %s but the error says %s \"%s\"\n",
                    p->name, fail_at, mode, mc_status_name(*st), mc_status_name(err.code),
                    err.message);
        ok = false;
    } else if (*st == MC_ERR_NOMEM && (strstr(err.message, "creating the model") != NULL ||
                                       strstr(err.message, "training buffers") != NULL ||
                                       strstr(err.message, "the linear forecaster:") != NULL) &&
               strstr(err.message, "a lookback of 24 steps of 3600 s") == NULL) {
        /* The model's and the batches' memory grow with the window: say it. */
        print_error("%s: allocation %zu refused (%s): the message does not give the window: "
                    "\"%s\"\n", p->name, fail_at, mode, err.message);
        ok = false;
    }
    if (*st == MC_OK) {
        const uint64_t h = p->fingerprint(fx);
        if (hash_set && h != *hash) {
            print_error("%s: allocation %zu refused (%s): MC_OK with results that differ from "
                        "the clean run's\n",
                        p->name, fail_at, mode);
            ok = false;
        }
        if (!hash_set)
            *hash = h;
    }
    p->release(fx);
    const size_t left = alloc_live();
    if (left != live) {
        print_error("%s: allocation %zu refused (%s): %zu block(s) left allocated\n", p->name,
                    fail_at, mode, left - live);
        ok = false;
    }
    return ok;
}

static void exercise(const path *p, fixture *fx)
{
    uint64_t want = 0;
    size_t k = 0, again = 0;
    mc_status st;
    /* Clean three times: the first run may set up what later runs find made
       (the GSL handler, OpenBLAS's buffers); the count must then be stable. */
    assert_true(run_once(p, fx, 0, false, &want, false, &k, &st));
    assert_int_equal(st, MC_OK);
    assert_true(run_once(p, fx, 0, false, &want, true, &k, &st));
    assert_int_equal(st, MC_OK);
    assert_true(run_once(p, fx, 0, false, &want, true, &again, &st));
    assert_int_equal(st, MC_OK);
    assert_int_equal(k, again);
    assert_true(k > 0);
    char recovered[256] = "";
    size_t n_recovered = 0, used = 0, bad = 0;
    for (int sticky = 0; sticky <= 1; sticky++)
        for (size_t n = 1; n <= k; n++) {
            size_t count = 0;
            bad += !run_once(p, fx, n, sticky, &want, true, &count, &st);
            if (st == MC_OK && !sticky) {
                /* Listed: libcsv's field buffer or mc_frame_shrink (see the
                   top of this file and docs/ROBUSTNESS.md). */
                n_recovered++;
                if (used + 24 < sizeof recovered)
                    used += (size_t)snprintf(recovered + used, sizeof recovered - used, " %zu", n);
            }
        }
    print_message("%-12s K = %3zu allocations; %zu of them refused alone are recovered from%s%s\n",
                  p->name, k, n_recovered, n_recovered ? ":" : "", recovered);
    if (bad > 0) {
        print_error("%s: %zu of %zu runs went wrong\n", p->name, bad, 2 * k);
        fail();
    }
}

/* ---- the tests --------------------------------------------------------------- */

static void test_csv(void **state)
{
    const path p = {"csv", csv_run, csv_fingerprint, csv_release};
    exercise(&p, *state);
}

static void test_panel(void **state)
{
    const path p = {"panel", panel_run, panel_fingerprint, panel_release};
    exercise(&p, *state);
}

static void test_zone(void **state)
{
    const path p = {"zone", zone_run, csv_fingerprint, csv_release};
    exercise(&p, *state);
}

static void test_csv_plain(void **state)
{
    const path p = {"csv-plain", csv_plain_run, csv_plain_fingerprint, csv_release};
    exercise(&p, *state);
}

static void test_arrays(void **state)
{
    const path p = {"arrays", arrays_run, csv_fingerprint, csv_release};
    exercise(&p, *state);
}

static void test_json(void **state)
{
    fixture *fx = *state;
    fx->json_text = JSON_TEXT;
    const path p = {"json", json_run, json_fingerprint, json_release};
    exercise(&p, fx);
}

/* Texts at cJSON's limits, where the check could be stricter than cJSON by
   mistake: the first, a middle and the last allocation refused. */
static void test_json_limits(void **state)
{
    fixture *fx = *state;
    enum { DEPTH = CJSON_NESTING_LIMIT };
    char *deep = malloc(2 * DEPTH + 2);
    assert_non_null(deep);
    memset(deep, '[', DEPTH);
    deep[DEPTH] = '7';
    memset(deep + DEPTH + 1, ']', DEPTH);
    deep[2 * DEPTH + 1] = '\0';
    const char *texts[] = {deep, "[-1234567890123456789012345678901234567890.1234567890123456e-300]",
                           "\"\\udbff\\udfff\\ud800\\udc00\\u0000\"", "{\"\":{\"\":\"\"}}"};
    const path p = {"json", json_run, json_fingerprint, json_release};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        fx->json_text = texts[i];
        uint64_t want = 0;
        size_t k = 0;
        mc_status st;
        assert_true(run_once(&p, fx, 0, false, &want, false, &k, &st));
        assert_int_equal(st, MC_OK);
        const size_t ns[] = {1, (k + 1) / 2, k};
        for (size_t j = 0; j < 3; j++) {
            size_t count;
            assert_true(run_once(&p, fx, ns[j], false, &want, true, &count, &st));
            assert_int_equal(st, MC_ERR_NOMEM);
        }
    }
    free(deep);
}

static void test_load(void **state)
{
    fixture *fx = *state;
    const path p[2] = {{"load", load_run, model_fingerprint, model_release},
                       {"load-q", load_run, model_fingerprint, model_release}};
    for (fx->variant = 0; fx->variant < 2; fx->variant++)
        exercise(&p[fx->variant], fx);
    fx->variant = 0;
}

static void test_save(void **state)
{
    fixture *fx = *state;
    const path p[2] = {{"save", save_run, save_fingerprint, save_release},
                       {"save-q", save_run, save_fingerprint, save_release}};
    for (fx->variant = 0; fx->variant < 2; fx->variant++)
        exercise(&p[fx->variant], fx);
    fx->variant = 0;
}

static void test_save_file(void **state)
{
    fixture *fx = *state;
    const path p = {"save-file", save_file_run, save_file_fingerprint, save_file_release};
    exercise(&p, fx);
}

static void test_train_steps(void **state)
{
    fixture *fx = *state;
    const path p[2] = {{"trainer", train_steps_run, model_fingerprint, model_release},
                       {"trainer-q", train_steps_run, model_fingerprint, model_release}};
    for (fx->variant = 0; fx->variant < 2; fx->variant++)
        exercise(&p[fx->variant], fx);
    fx->variant = 0;
}

static void test_train(void **state)
{
    fixture *fx = *state;
    const path p[2] = {{"train", train_run, model_fingerprint, model_release},
                       {"train-q", train_run, model_fingerprint, model_release}};
    for (fx->variant = 0; fx->variant < 2; fx->variant++)
        exercise(&p[fx->variant], fx);
    fx->variant = 0;
}

static void test_global(void **state)
{
    const path p = {"global", global_run, model_fingerprint, model_release};
    exercise(&p, *state);
}

static void test_forecaster(void **state)
{
    fixture *fx = *state;
    const path p[2] = {{"forecaster", forecaster_run, forecast_fingerprint, forecast_release},
                       {"forecaster-q", forecaster_run, forecast_fingerprint, forecast_release}};
    for (fx->variant = 0; fx->variant < 2; fx->variant++)
        exercise(&p[fx->variant], fx);
    fx->variant = 0;
}

static void test_report(void **state)
{
    fixture *fx = *state;
    const path p[2] = {{"report", report_run, report_fingerprint, report_release},
                       {"report-q", report_run, report_fingerprint, report_release}};
    for (fx->variant = 0; fx->variant < 2; fx->variant++)
        exercise(&p[fx->variant], fx);
    fx->variant = 0;
}

static void test_forecast(void **state)
{
    fixture *fx = *state;
    const path p[2] = {{"forecast", forecast_run, forecast_fingerprint, forecast_release},
                       {"forecast-q", forecast_run, forecast_fingerprint, forecast_release}};
    for (fx->variant = 0; fx->variant < 2; fx->variant++)
        exercise(&p[fx->variant], fx);
    fx->variant = 0;
}

/* Hourly load with a daily shape and a temperature; the history leaves the
   last HORIZON loads out (the temperature there is the known future). */
static mc_frame *series_frame(bool history)
{
    int64_t times[ROWS];
    double load[ROWS], temp[ROWS];
    uint32_t s = 2385;
    for (size_t i = 0; i < ROWS; i++) {
        s = s * 1664525u + 1013904223u;
        const double day = 6.283185307179586 * (double)(i % 24) / 24.0;
        times[i] = mc_days_from_civil(2023, 11, 6) * 86400 + 3600 * (int64_t)i;
        temp[i] = 4.75 + 3.25 * sin(day - 1.3);
        load[i] = history && i + HORIZON >= ROWS
                      ? NAN
                      : 1210.0 + 180.0 * sin(day - 2.1) - 95.0 * ((i / 24) % 7 >= 5) -
                            7.5 * temp[i] + 23.0 * ((double)(s >> 8) / 16777216.0 - 0.5);
    }
    const char *names[] = {"load", "temp"};
    const double *cols[] = {load, temp};
    mc_frame *f = NULL;
    assert_int_equal(mc_frame_from_arrays(&f, times, NULL, ROWS, names, cols, 2, NULL), MC_OK);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    ro.long_fill = MC_LONG_FILL_NONE;
    assert_int_equal(mc_frame_regularize(f, &ro, NULL), MC_OK);
    return f;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->csv = messy_csv();
    fx->csv_plain = plain_csv();
    const char *dir = getenv("MC_TEST_TMPDIR");
    snprintf(fx->holidays, sizeof fx->holidays, "%s/alloc_fail_holidays.csv", dir ? dir : ".");
    snprintf(fx->model_path, sizeof fx->model_path, "%s/alloc_fail_model.safetensors",
             dir ? dir : ".");
    static const char *const panel_names[] = {"long", "wide", "static", "single"};
    for (size_t k = 0; k < 4; k++)
        snprintf(fx->panel_files[k], sizeof fx->panel_files[k], "%s/alloc_fail_panel_%s.csv",
                 dir ? dir : ".", panel_names[k]);
    write_panel_files(fx);
    FILE *fp = fopen(fx->holidays, "w");
    assert_non_null(fp);
    fputs("date,name\n2023-11-11,Armistice\n2023-11-01,All Saints\n", fp);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(mc_holiday_dates_read(fx->holidays, &fx->holiday_days, &fx->n_holidays, NULL),
                     MC_OK);
    fx->frame = series_frame(false);
    fx->history = series_frame(true);
    for (fx->variant = 0; fx->variant < 2; fx->variant++) {
        mc_model_options mo;
        mc_train_options to;
        tiny_options(fx, &mo, &to);
        to.max_epochs = 2;
        mc_error err;
        mc_model **m = &fx->models[fx->variant];
        mc_status st = mc_model_train(m, fx->frame, &mo, &to, &err);
        if (st != MC_OK)
            print_error("%s\n", err.message);
        assert_int_equal(st, MC_OK);
        assert_int_equal(mc_model_save_buffer(*m, &fx->model_bytes[fx->variant],
                                              &fx->model_size[fx->variant], &err),
                         MC_OK);
        mc_backtest_options bo;
        mc_backtest_options_defaults(&bo);
        bo.test_days = 2;
        bo.stride = HORIZON;
        st = mc_backtest_run(&fx->backtests[fx->variant], fx->frame, &mo, &to, &bo, &err);
        if (st != MC_OK)
            print_error("%s\n", err.message);
        assert_int_equal(st, MC_OK);
    }
    mc_explanation_options eo;
    mc_explanation_options_defaults(&eo);
    eo.days = 2;
    eo.repeats = 1;
    assert_int_equal(mc_model_explain(&fx->explanation, fx->models[0], fx->frame, &eo, NULL), MC_OK);
    assert_int_equal(mc_model_quantiles(fx->models[1]), 3);
    fx->variant = 0;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    for (int v = 0; v < 2; v++) {
        free(fx->model_bytes[v]);
        mc_model_free(fx->models[v]);
        mc_backtest_free(fx->backtests[v]);
    }
    mc_explanation_free(fx->explanation);
    mc_frame_free(fx->history);
    mc_frame_free(fx->frame);
    remove(fx->holidays);
    for (size_t k = 0; k < 4; k++)
        remove(fx->panel_files[k]);
    free(fx->holiday_days);
    remove(fx->model_path);
    free(fx->csv_plain);
    free(fx->csv);
    free(fx);
    return 0;
}

int main(void)
{
    /* cJSON's allocations go through the wrappers too. */
    alloc_setup(getenv("MC_ALLOC_TRACE") != NULL);
    /* One BLAS thread: these products are tiny, and tests run two at a time. */
    mc_set_blas_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),        cmocka_unit_test(test_csv_plain),
        cmocka_unit_test(test_arrays),     cmocka_unit_test(test_zone),
        cmocka_unit_test(test_panel),
        cmocka_unit_test(test_json),       cmocka_unit_test(test_json_limits),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_save),       cmocka_unit_test(test_save_file),
        cmocka_unit_test(test_train_steps),
        cmocka_unit_test(test_train),      cmocka_unit_test(test_global),
        cmocka_unit_test(test_forecaster),
        cmocka_unit_test(test_forecast),   cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
