/* Model files (DESIGN.md §5): save and load of every tensor set and of a
   trained model, bit for bit down to the forecasts; a cut at every byte;
   header mutations; crafted files, each refused with a message saying what
   is wrong; a missing path; atomic saves. CI runs it under ASan and UBSan. */
#include "test_util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/timestamp.h"
#include "io/safetensors.h"
#include "maskcast/maskcast.h"
#include "train/model_internal.h"

/* A crafted file may ask for an absurd allocation; the loader has to answer
   with a status, so under ASan such a malloc returns NULL instead of ending
   the whole run. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

#define NAME "model.safetensors"
#define TWO_PI 6.283185307179586

enum {
    LOOKBACK = 12,
    HORIZON = 4,
    HIDDEN = 5,
    MAX_STEPS = 8,                        /* horizons of the models here */
    MAX_OUT = MAX_STEPS * MC_MAX_QUANTILES,
    N_VARIANTS = 16
};

static const char *const PAST[] = {"temp"};
static const char *const FUTURE[] = {"temp_fc"};
static const double LEVELS[3] = {0.1375, 0.5, 0.8625};
static const char *const META_KEYS[] = {"format",   "format_version", "config",
                                        "channels", "holidays",       "training"};
#define N_META_KEYS (sizeof META_KEYS / sizeof META_KEYS[0])

/* ---- data and models -------------------------------------------------------- */

/* Hourly load with a daily shape driven by a temperature, the temperature's
   forecast, and deterministic noise, from hour `start` (since 1970); the last
   `blank` rows leave the load empty (the known-future rows of a forecast). */
static char *load_csv(int64_t start, size_t hours, size_t blank)
{
    const size_t cap = 64 + hours * 96;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "time,load,temp,temp_fc\n");
    uint32_t s = 2385;
    for (size_t h = 0; h < hours; h++) {
        s = s * 1664525u + 1013904223u;
        const double noise = ((double)(s >> 8) / 16777216.0 - 0.5) * 23.7;
        const double hour = (double)((start + (int64_t)h) % 24);
        const double temp = 7.385 + 4.25 * sin(TWO_PI * (double)h / 211.0) +
                            2.9 * sin(TWO_PI * (hour - 9.0) / 24.0);
        const double fc = temp + 0.4375 * cos(TWO_PI * (double)h / 31.0);
        const double load = 1427.385 + 235.187 * sin(TWO_PI * (hour - 7.0) / 24.0) +
                            11.3 * fabs(temp - 15.0) + noise;
        char stamp[40];
        mc_time_to_text((start + (int64_t)h) * 3600, 0, false, stamp, sizeof stamp);
        if (h + blank >= hours)
            len += (size_t)snprintf(text + len, cap - len, "%s,,%.3f,%.3f\n", stamp, temp, fc);
        else
            len += (size_t)snprintf(text + len, cap - len, "%s,%.3f,%.3f,%.3f\n", stamp, load,
                                    temp, fc);
    }
    return text;
}

static mc_frame *load_frame(int64_t start, size_t hours, size_t blank)
{
    char *csv = load_csv(start, hours, blank);
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    const char *covs[] = {"temp", "temp_fc"};
    co.target_column = "load";
    co.covariates = covs;
    co.n_covariates = 2;
    mc_frame *f = NULL;
    mc_error err;
    mc_status st = mc_frame_read_csv_buffer(&f, csv, strlen(csv), "load.csv", &co, &err);
    free(csv);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    assert_int_equal(mc_frame_regularize(f, &ro, &err), MC_OK);
    return f;
}

static int64_t hour_of(int64_t y, int m, int d, int h)
{
    return mc_days_from_civil(y, m, d) * 24 + h;
}

/* 70 observed hours up to 2021-12-23 21:00, then four known-future rows that
   run into the Christmas Eve holiday. */
static mc_frame *small_history(void)
{
    return load_frame(hour_of(2021, 12, 21, 0), 74, HORIZON);
}

typedef struct variant {
    mc_loss_kind loss;
    bool anomaly_mask, horizon_masks, skip, calendar, normalize_level, mask_local;
    bool future_terms;
    mc_activation activation;
    mc_mask_kind mask_kind;
    size_t horizon_rank; /* 0: the full W_a */
    size_t mask_topk, anomaly_topk; /* 0: soft masks */
    mc_temporal_kind temporal;
    mc_temporal_score temporal_score;
} variant;

/* Bits 0-2 switch the three ablations, bit 3 pinball or MAE: every tensor set
   with both head widths; the other switches vary along. */
static variant variant_of(unsigned i)
{
    return (variant){.loss = (i & 8) ? MC_LOSS_MAE : MC_LOSS_PINBALL,
                     .anomaly_mask = !(i & 1),
                     .horizon_masks = !(i & 2),
                     .skip = !(i & 4),
                     .calendar = i % 5 != 3,
                     .normalize_level = i % 7 != 4,
                     .activation = i % 3 == 1 ? MC_ACTIVATION_GELU : MC_ACTIVATION_RELU,
                     .mask_kind = i % 4 == 2 ? MC_MASK_SOFTMAX : MC_MASK_SIGMOID,
                     .mask_local = i % 3 == 2,
                     /* variant 0 (the crafted files' base) ends with skip.S */
                     .future_terms = i % 4 == 1 || i % 4 == 2};
}

/* An untrained model with seeded weights and high-entropy scalers and record. */
static mc_model *small_model(const variant *v, uint64_t seed)
{
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = LOOKBACK;
    mo.window.horizon = HORIZON;
    mo.network.hidden = HIDDEN;
    mo.network.activation = v->activation;
    mo.network.mask_kind = v->mask_kind;
    mo.network.anomaly_mask = v->anomaly_mask;
    mo.network.horizon_masks = v->horizon_masks;
    mo.network.horizon_rank = v->horizon_rank;
    mo.network.skip = v->skip;
    mo.network.future_terms = v->future_terms;
    mo.network.mask_local = v->mask_local;
    mo.network.mask_topk = v->mask_topk;
    mo.network.anomaly_topk = v->anomaly_topk;
    mo.network.temporal = v->temporal;
    mo.network.temporal_score = v->temporal_score;
    mo.network.temporal_dim = 3;
    mo.network.temporal_width = 5;
    mo.features.calendar = v->calendar;
    mo.features.normalize_level = v->normalize_level;
    mo.loss.kind = v->loss;
    mo.loss.huber_delta = 1.385;
    mo.loss.n_quantiles = 3;
    memcpy(mo.loss.quantiles, LEVELS, sizeof LEVELS);
    mo.features.past = PAST;
    mo.features.n_past = 1;
    mo.features.future = FUTURE;
    mo.features.n_future = 1;
    const int64_t days[] = {mc_days_from_civil(2021, 12, 25), mc_days_from_civil(2021, 12, 24),
                            mc_days_from_civil(2022, 1, 1), mc_days_from_civil(2021, 4, 5),
                            mc_days_from_civil(2021, 12, 26), mc_days_from_civil(2021, 12, 25)};
    mc_holidays hol = {NULL, 0};
    mc_error err;
    assert_int_equal(mc_holidays_from_days(&hol, days, 6, &err), MC_OK);
    mc_model *m = NULL;
    mc_status st = mc_model_create(&m, &mo, 3600, "load", &hol, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    assert_null(hol.days); /* taken over */
    assert_int_equal(m->holidays.n, 5);
    assert_int_equal(mc_model_init_params(m, seed, NULL), MC_OK);
    /* Values a careless text or cast would lose: -0 and the smallest denormal. */
    m->params[0] = -0.0f;
    m->params[m->layout.total - 1] = 1.4e-45f;
    /* Scalers as fitted ones look: all 17 significant digits in use. */
    const mc_scaler sc[3] = {
        {1427.3851234567891, 235.18731927180001}, {7.3851, 4.1271}, {1.0 / 3.0, 0.1 + 0.2}};
    assert_int_equal(mc_model_channels(m), 3);
    memcpy(m->scalers, sc, sizeof sc);
    m->record = (mc_train_record){.epochs = 17, .best_epoch = 11, .best_val_loss = 0.23851937,
                                  .last_train_loss = 0.3141592653589793, .seconds = 12.75,
                                  .train_origins = 4093, .val_origins = 455,
                                  .first_time = hour_of(2021, 3, 4, 0) * 3600,
                                  .last_time = hour_of(2021, 12, 20, 23) * 3600, .seed = seed};
    return m;
}

static void save_buffer(const mc_model *m, unsigned char **buf, size_t *size)
{
    void *b = NULL;
    mc_error err;
    mc_status st = mc_model_save_buffer(m, &b, size, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    assert_non_null(b);
    *buf = b;
}

static mc_model *load_buffer(const void *b, size_t size)
{
    mc_model *m = NULL;
    mc_error err;
    mc_status st = mc_model_load_buffer(&m, b, size, NAME, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    assert_non_null(m);
    return m;
}

static size_t forecast(const mc_model *m, const mc_frame *history, int64_t *times,
                       double *values)
{
    mc_error err;
    mc_status st = mc_model_forecast(m, history, NULL, times, values, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    const size_t n = mc_model_horizon(m) * mc_model_quantiles(m);
    for (size_t i = 0; i < n; i++)
        assert_true(isfinite(values[i]));
    return n;
}

/* Everything a model holds but its scalers, bit for bit (the scalers are
   compared by check_same_numbers). */
static void assert_models_equal(const mc_model *a, const mc_model *b)
{
    const mc_net_shape *s = &a->shape, *t = &b->shape;
    assert_int_equal(s->lookback, t->lookback);
    assert_int_equal(s->horizon, t->horizon);
    assert_int_equal(s->past_channels, t->past_channels);
    assert_int_equal(s->future_channels, t->future_channels);
    assert_int_equal(s->hidden, t->hidden);
    assert_int_equal(s->quantiles, t->quantiles);
    assert_int_equal(s->activation, t->activation);
    assert_int_equal(s->mask_kind, t->mask_kind);
    assert_int_equal(s->anomaly_mask, t->anomaly_mask);
    assert_int_equal(s->horizon_masks, t->horizon_masks);
    assert_int_equal(s->skip, t->skip);
    assert_int_equal(s->mask_topk, t->mask_topk);
    assert_int_equal(s->anomaly_topk, t->anomaly_topk);
    assert_memory_equal(&a->layout, &b->layout, sizeof a->layout);
    assert_memory_equal(a->params, b->params, a->layout.total * sizeof *a->params);
    assert_int_equal(a->loss.kind, b->loss.kind);
    assert_int_equal(a->loss.n_quantiles, b->loss.n_quantiles);
    assert_memory_equal(a->loss.quantiles, b->loss.quantiles,
                        a->loss.n_quantiles * sizeof *a->loss.quantiles);
    assert_memory_equal(&a->loss.huber_delta, &b->loss.huber_delta, sizeof(double));
    assert_int_equal(a->step, b->step);
    assert_int_equal(a->day_steps, b->day_steps);
    assert_int_equal(a->calendar, b->calendar);
    assert_int_equal(a->normalize_level, b->normalize_level);
    assert_int_equal(a->n_past, b->n_past);
    assert_int_equal(a->n_future, b->n_future);
    for (size_t c = 0; c < mc_model_channels(a); c++)
        assert_string_equal(a->names[c], b->names[c]);
    assert_int_equal(a->holidays.n, b->holidays.n);
    if (a->holidays.n > 0)
        assert_memory_equal(a->holidays.days, b->holidays.days,
                            a->holidays.n * sizeof *a->holidays.days);
    const mc_train_record *r = &a->record, *q = &b->record;
    assert_int_equal(r->epochs, q->epochs);
    assert_int_equal(r->best_epoch, q->best_epoch);
    /* The record informs (its losses through cJSON's shortest text; the
       seconds not at all, so that a seed gives the same bytes). */
    assert_close(q->best_val_loss, r->best_val_loss, 0.0, 1e-15);
    assert_close(q->last_train_loss, r->last_train_loss, 0.0, 1e-15);
    assert_int_equal(r->train_origins, q->train_origins);
    assert_int_equal(r->val_origins, q->val_origins);
    assert_int_equal(r->first_time, q->first_time);
    assert_int_equal(r->last_time, q->last_time);
    assert_int_equal(r->seed, q->seed);
    const mc_calibration *ca = &a->calibration, *cb = &b->calibration;
    assert_int_equal(ca->steps, cb->steps);
    if (ca->steps > 0) {
        assert_memory_equal(ca->count, cb->count, ca->steps * sizeof *ca->count);
        assert_memory_equal(ca->kept, cb->kept, ca->steps * sizeof *ca->kept);
        assert_memory_equal(ca->errors, cb->errors,
                            mc_calibration_total(ca) * sizeof *ca->errors);
    }
}

/* ---- files and directories -------------------------------------------------- */

static void make_temp_dir(char *dir, size_t size)
{
    const char *root = getenv("MC_TEST_TMPDIR");
    int n = snprintf(dir, size, "%s/mc_model_XXXXXX", root != NULL && *root ? root : "/tmp");
    assert_true(n > 0 && (size_t)n < size);
    assert_non_null(mkdtemp(dir));
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The names in `dir`, sorted and joined with '|'. */
static void list_dir(const char *dir, char *out, size_t size)
{
    char names[16][256];
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        assert_true(n < 16);
        snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_names);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "|" : "", names[i]);
    assert_true(used < size);
}

static unsigned char *read_whole(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    const long n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    unsigned char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *size = (size_t)n;
    return b;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

/* ---- round trips ------------------------------------------------------------ */

/* The tensors and metadata keys a variant's file holds, with their shapes. */
static void check_tensor_set(const unsigned char *b, size_t size, const variant *v)
{
    mc_st_file *f = NULL;
    mc_error err;
    assert_int_equal(mc_st_parse(&f, b, size, NAME, &err), MC_OK);
    const struct { const char *name; bool present; } want[] = {
        {"feature.W", true},           {"feature.b", true},
        {"anomaly.W", v->anomaly_mask}, {"anomaly.b", v->anomaly_mask},
        {"horizon.W", v->horizon_masks}, {"horizon.b", v->horizon_masks},
        {"head.V", true},              {"head.c", true},
        {"skip.S", v->skip},           {"anomaly.u", v->anomaly_mask && v->mask_local},
        {"skip.G", v->future_terms}};
    size_t present = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(mc_st_find(f, want[i].name) != NULL, want[i].present);
        present += want[i].present;
    }
    assert_int_equal(mc_st_count(f), present);
    const size_t q = v->loss == MC_LOSS_PINBALL ? 3 : 1;
    const size_t n_in = 2 * LOOKBACK + LOOKBACK + HORIZON * ((v->calendar ? 8 : 0) + 1);
    const mc_st_tensor_info *fw = mc_st_find(f, "feature.W"), *hv = mc_st_find(f, "head.V");
    assert_int_equal(fw->ndim, 2);
    assert_int_equal(fw->shape[0], n_in);
    assert_int_equal(fw->shape[1], HIDDEN);
    assert_int_equal(hv->shape[0], HORIZON * q);
    assert_int_equal(hv->shape[1], HIDDEN);
    assert_int_equal(mc_st_find(f, "head.c")->ndim, 1);
    for (size_t k = 0; k < N_META_KEYS; k++)
        assert_non_null(mc_st_metadata(f, META_KEYS[k]));
    assert_string_equal(mc_st_metadata(f, "format"), "maskcast-model");
    assert_string_equal(mc_st_metadata(f, "format_version"), "1");
    /* Soft masks write the configuration format 1 did: no top-k keys. */
    assert_null(strstr(mc_st_metadata(f, "config"), "topk"));
    mc_st_free(f);
}

/* The forecasts and scalers of `b` against those of `a`: bit for bit when
   `bits`, else within a few ulps (so that the rest of a round trip is
   checked before an exactness defect stops the test). */
static void check_same_numbers(const mc_model *a, const mc_model *b, const mc_frame *history,
                               bool bits)
{
    int64_t t0[MAX_STEPS], t1[MAX_STEPS];
    double v0[MAX_OUT], v1[MAX_OUT];
    assert_true(mc_model_horizon(a) <= MAX_STEPS);
    const size_t n = forecast(a, history, t0, v0);
    memset(v1, 0xA5, sizeof v1);
    assert_int_equal(forecast(b, history, t1, v1), n);
    assert_memory_equal(t0, t1, mc_model_horizon(a) * sizeof *t0);
    const size_t channels = mc_model_channels(a);
    if (bits) {
        assert_memory_equal(v0, v1, n * sizeof *v0);
        assert_memory_equal(a->scalers, b->scalers, channels * sizeof *a->scalers);
        return;
    }
    for (size_t c = 0; c < channels; c++) {
        assert_close(b->scalers[c].mean, a->scalers[c].mean, 0.0, 1e-15);
        assert_close(b->scalers[c].scale, a->scalers[c].scale, 0.0, 1e-15);
    }
    for (size_t i = 0; i < n; i++)
        assert_close(v1[i], v0[i], 0.0, 1e-12);
}

/* Buffer and file: the loaded copies equal `m` and save the same bytes; with
   `bits`, their scalers and forecasts are checked bit for bit too. */
static void check_round_trip(const mc_model *m, const mc_frame *history, const char *path,
                             bool bits)
{
    unsigned char *buf, *again;
    size_t size, again_size;
    save_buffer(m, &buf, &size);

    mc_model *b = load_buffer(buf, size);
    assert_models_equal(m, b);
    save_buffer(b, &again, &again_size);
    assert_int_equal(again_size, size);
    assert_memory_equal(again, buf, size);
    free(again);

    mc_error err;
    mc_status st = mc_model_save(m, path, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    unsigned char *disk = read_whole(path, &again_size);
    assert_int_equal(again_size, size);
    assert_memory_equal(disk, buf, size);
    free(disk);
    mc_model *c = (mc_model *)&c;
    st = mc_model_load(&c, path, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    assert_models_equal(m, c);

    check_same_numbers(m, b, history, bits);
    check_same_numbers(m, c, history, bits);
    mc_model_free(b);
    mc_model_free(c);
    free(buf);
}

static void test_round_trip_every_tensor_set(void **state)
{
    (void)state;
    char dir[512], path[600];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/" NAME, dir);
    mc_frame *history = small_history();
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < N_VARIANTS; i++) {
            const variant v = variant_of(i);
            mc_model *m = small_model(&v, 2385 + i);
            unsigned char *buf;
            size_t size;
            save_buffer(m, &buf, &size);
            check_tensor_set(buf, size, &v);
            free(buf);
            check_round_trip(m, history, path, pass == 1);
            mc_model_free(m);
        }
    }
    mc_frame_free(history);
    assert_int_equal(remove(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* Masks from horizon embeddings: horizon.U, horizon.E and horizon.W2 in
   place of horizon.W, the rank in the configuration, forecasts bit for bit. */
static void test_round_trip_horizon_embeddings(void **state)
{
    (void)state;
    char dir[512], path[600];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/" NAME, dir);
    mc_frame *history = small_history();
    variant v = variant_of(0);
    v.horizon_rank = 3;
    mc_model *m = small_model(&v, 1729);
    unsigned char *buf;
    size_t size;
    save_buffer(m, &buf, &size);
    mc_st_file *f = NULL;
    assert_int_equal(mc_st_parse(&f, buf, size, NAME, NULL), MC_OK);
    assert_null(mc_st_find(f, "horizon.W"));
    const struct { const char *name; size_t d0, d1; } want[] = {
        {"horizon.U", HIDDEN, 3}, {"horizon.E", HORIZON, 3}, {"horizon.W2", 3, HIDDEN}};
    for (size_t i = 0; i < 3; i++) {
        const mc_st_tensor_info *t = mc_st_find(f, want[i].name);
        assert_non_null(t);
        assert_int_equal(t->ndim, 2);
        assert_int_equal(t->shape[0], want[i].d0);
        assert_int_equal(t->shape[1], want[i].d1);
    }
    assert_int_equal(mc_st_find(f, "horizon.b")->shape[0], HORIZON * HIDDEN);
    assert_non_null(strstr(mc_st_metadata(f, "config"), "\"horizon_rank\":3"));
    mc_st_free(f);
    free(buf);
    check_round_trip(m, history, path, true);
    mc_model_free(m);
    mc_frame_free(history);
    assert_int_equal(remove(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* Temporal attention: its tensors (Wq from the known-future inputs; v, g,
   wp and bp as the score and window need them) and options in the file, and
   forecasts bit for bit after a round trip; global with each score, local. */
static void test_round_trip_temporal_attention(void **state)
{
    (void)state;
    char dir[512], path[600];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/" NAME, dir);
    mc_frame *history = small_history();
    for (int i = 0; i < 5; i++) {
        variant v = variant_of((unsigned)i * 3);
        v.temporal = i < 4 ? MC_TEMPORAL_GLOBAL : MC_TEMPORAL_LOCAL;
        v.temporal_score = i < 4 ? (mc_temporal_score)i : MC_SCORE_COSINE;
        mc_model *m = small_model(&v, 4099 + (uint64_t)i);
        unsigned char *buf;
        size_t size;
        save_buffer(m, &buf, &size);
        mc_st_file *f = NULL;
        assert_int_equal(mc_st_parse(&f, buf, size, NAME, NULL), MC_OK);
        const size_t q = v.loss == MC_LOSS_PINBALL ? 3 : 1, cf = (v.calendar ? 8 : 0) + 1;
        const bool cos = v.temporal_score == MC_SCORE_COSINE, local = i == 4;
        const struct { const char *name; bool present; size_t d0, d1; } want[] = {
            {"temporal.Wq", true, cf, 3},      {"temporal.E", true, HORIZON, 3},
            {"temporal.Wk", true, 3, 3},       {"temporal.P", true, LOOKBACK, 3},
            {"temporal.Wv", true, 3, 3},       {"temporal.C", true, HORIZON * q, 3},
            {"temporal.v", v.temporal_score == MC_SCORE_MLP, 3, 0},
            {"temporal.g", cos, 1, 0},         {"temporal.wp", local, 3, 0},
            {"temporal.bp", local, 1, 0}};
        for (size_t t = 0; t < sizeof want / sizeof want[0]; t++) {
            const mc_st_tensor_info *info = mc_st_find(f, want[t].name);
            assert_int_equal(info != NULL, want[t].present);
            if (info == NULL)
                continue;
            assert_int_equal(info->ndim, want[t].d1 ? 2 : 1);
            assert_int_equal(info->shape[0], want[t].d0);
            if (want[t].d1)
                assert_int_equal(info->shape[1], want[t].d1);
        }
        const char *config = mc_st_metadata(f, "config");
        assert_non_null(strstr(config, local ? "\"temporal\":\"local\"" : "\"temporal\":\"global\""));
        assert_non_null(strstr(config, "\"temporal_dim\":3"));
        assert_int_equal(strstr(config, "\"temporal_width\":5") != NULL, local);
        mc_st_free(f);
        free(buf);
        check_round_trip(m, history, path, true);
        mc_model_free(m);
    }
    mc_frame_free(history);
    assert_int_equal(remove(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* Hard masks: no tensors of their own, the two counts in the configuration,
   forecasts bit for bit after a round trip, and the counts in force after
   loading (the same weights forecast otherwise with soft masks). */
static void test_round_trip_hard_masks(void **state)
{
    (void)state;
    char dir[512], path[600];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/" NAME, dir);
    mc_frame *history = small_history();
    for (size_t rank = 0; rank <= 3; rank += 3) {
        variant v = variant_of(0);
        v.horizon_rank = rank;
        v.mask_topk = 2;
        v.anomaly_topk = 7;
        mc_model *m = small_model(&v, 4077 + rank);
        unsigned char *buf;
        size_t size;
        save_buffer(m, &buf, &size);
        mc_st_file *f = NULL;
        assert_int_equal(mc_st_parse(&f, buf, size, NAME, NULL), MC_OK);
        const char *config = mc_st_metadata(f, "config");
        assert_non_null(strstr(config, "\"mask_topk\":2"));
        assert_non_null(strstr(config, "\"anomaly_topk\":7"));
        variant soft = v;
        soft.mask_topk = soft.anomaly_topk = 0;
        mc_model *ms = small_model(&soft, 4077 + rank);
        assert_int_equal(ms->layout.total, m->layout.total);
        assert_memory_equal(ms->params, m->params, m->layout.total * sizeof *m->params);
        unsigned char *soft_buf;
        size_t soft_size;
        save_buffer(ms, &soft_buf, &soft_size);
        mc_st_file *g = NULL;
        assert_int_equal(mc_st_parse(&g, soft_buf, soft_size, NAME, NULL), MC_OK);
        assert_int_equal(mc_st_count(f), mc_st_count(g));
        mc_st_free(g);
        mc_st_free(f);
        free(soft_buf);
        free(buf);
        check_round_trip(m, history, path, true);

        mc_model *loaded = NULL;
        mc_error err;
        assert_int_equal(mc_model_load(&loaded, path, &err), MC_OK);
        assert_int_equal(loaded->shape.mask_topk, 2);
        assert_int_equal(loaded->shape.anomaly_topk, 7);
        int64_t t0[MAX_STEPS], t1[MAX_STEPS];
        double hard_v[MAX_OUT], soft_v[MAX_OUT];
        const size_t n = forecast(loaded, history, t0, hard_v);
        assert_int_equal(forecast(ms, history, t1, soft_v), n);
        assert_true(memcmp(hard_v, soft_v, n * sizeof *hard_v) != 0);
        mc_model_free(loaded);
        mc_model_free(ms);
        mc_model_free(m);
    }
    mc_frame_free(history);
    assert_int_equal(remove(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_round_trip_trained_model(void **state)
{
    (void)state;
    char dir[512], path[600], holidays[600];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/trained.safetensors", dir);
    snprintf(holidays, sizeof holidays, "%s/holidays.csv", dir);
    write_text(holidays, "date,name\n2021-03-15,Ides\n2021-04-02,Good Friday\n"
                         "2021-04-05,Easter Monday\n");
    mc_frame *train = load_frame(hour_of(2021, 3, 1, 0), 21 * 24, 0);
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mo.window.lookback = 24;
    mo.window.horizon = 6;
    mo.network.hidden = 8;
    mo.loss.kind = MC_LOSS_PINBALL;
    mo.loss.n_quantiles = 3;
    memcpy(mo.loss.quantiles, LEVELS, sizeof LEVELS);
    mo.features.past = PAST;
    mo.features.n_past = 1;
    mo.features.future = FUTURE;
    mo.features.n_future = 1;
    int64_t *days = NULL;
    assert_int_equal(mc_holiday_dates_read(holidays, &days, &mo.features.n_holidays, NULL), MC_OK);
    mo.features.holidays = days;
    mc_train_options to;
    mc_train_options_defaults(&to);
    to.max_epochs = 2;
    to.batch_size = 32;
    to.samples_per_epoch = 256;
    to.seed = 2385;
    mc_model *m = NULL;
    mc_error err;
    mc_status st = mc_model_train(&m, train, &mo, &to, &err);
    free(days);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    assert_int_equal(m->holidays.n, 3);
    assert_string_equal(mc_model_time_column(m), mc_frame_time_name(train));
    assert_null(mc_model_time_zone(m)); /* the frame had none */
    assert_true(m->record.epochs >= 1 && m->record.epochs <= 2);
    assert_true(m->scalers[0].mean > 1000.0 && m->scalers[0].scale > 1.0);
    assert_int_equal(m->calibration.steps, 6); /* training kept its validation errors */
    assert_true(mc_model_calibration_origins(m) > 0);
    {   /* and its file says format 2 (a maskcast before calibrations refuses it as newer) */
        unsigned char *b;
        size_t size;
        save_buffer(m, &b, &size);
        mc_st_file *f = NULL;
        assert_int_equal(mc_st_parse(&f, b, size, NAME, NULL), MC_OK);
        assert_string_equal(mc_st_metadata(f, "format_version"), "2");
        mc_st_free(f);
        free(b);
    }

    /* History ending in the Easter week; its last six rows are known-future. */
    /* No clock time in the file: the training's duration changes no byte. */
    mc_model *twin = NULL;
    assert_int_equal(mc_model_clone(&twin, m, &err), MC_OK);
    twin->record.seconds = m->record.seconds + 2385.125;
    unsigned char *b0, *b1;
    size_t s0, s1;
    save_buffer(m, &b0, &s0);
    save_buffer(twin, &b1, &s1);
    assert_int_equal(s0, s1);
    assert_memory_equal(b0, b1, s0);
    free(b0);
    free(b1);
    mc_model_free(twin);

    mc_frame *history = load_frame(hour_of(2021, 4, 1, 5), 60, 6);
    check_round_trip(m, history, path, false);
    check_round_trip(m, history, path, true);
    mc_frame_free(history);
    mc_frame_free(train);
    mc_model_free(m);
    assert_int_equal(remove(path), 0);
    assert_int_equal(remove(holidays), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* ---- refusals --------------------------------------------------------------- */

/* Loads the bytes and expects MC_ERR_FORMAT with a message naming the file
   and containing `phrase` (when not NULL). */
static void refuse(const void *b, size_t size, const char *phrase)
{
    mc_model *m = (mc_model *)&m; /* must be reset to NULL */
    mc_error err;
    mc_error_clear(&err);
    mc_status st = mc_model_load_buffer(&m, b, size, NAME, &err);
    if (st == MC_OK) {
        mc_model_free(m);
        fail_msg("accepted a file expected to fail with \"%s\"", phrase ? phrase : "");
    }
    if (st != MC_ERR_FORMAT)
        print_error("status %s (%s), expected MC_ERR_FORMAT with \"%s\"\n", mc_status_name(st),
                    err.message, phrase ? phrase : "");
    assert_int_equal(st, MC_ERR_FORMAT);
    assert_int_equal(err.code, MC_ERR_FORMAT);
    assert_null(m);
    assert_contains(err.message, NAME ": ");
    if (phrase != NULL)
        assert_contains(err.message, phrase);
}

static void test_cut_at_every_byte(void **state)
{
    (void)state;
    const unsigned which[] = {0, N_VARIANTS - 1}; /* every tensor; the fewest */
    for (size_t w = 0; w < 2; w++) {
        const variant v = variant_of(which[w]);
        mc_model *m = small_model(&v, 4093);
        unsigned char *buf;
        size_t size;
        save_buffer(m, &buf, &size);
        mc_model_free(m);
        for (size_t cut = 0; cut < size; cut++) {
            /* An exact-size copy, so ASan sees any read past the cut. */
            unsigned char *part = malloc(cut ? cut : 1);
            assert_non_null(part);
            memcpy(part, buf, cut);
            refuse(part, cut, NULL);
            free(part);
        }
        m = load_buffer(buf, size); /* the whole file still loads */
        mc_model_free(m);
        free(buf);
    }
}

static uint64_t header_length(const unsigned char *b)
{
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--)
        n = (n << 8) | b[k];
    return n;
}

static void test_header_mutations(void **state)
{
    (void)state;
    const variant v = variant_of(0);
    mc_model *orig = small_model(&v, 1729);
    mc_frame *history = small_history();
    unsigned char *buf;
    size_t size;
    save_buffer(orig, &buf, &size);
    const size_t end = 8 + (size_t)header_length(buf);
    assert_true(end < size);
    unsigned char *copy = malloc(size);
    assert_non_null(copy);
    size_t refused = 0, accepted = 0;
    enum { XOR, SET };
    const struct { int op; unsigned char byte; } kinds[] = {
        {XOR, 0x01}, {XOR, 0x20}, {XOR, 0x80}, {SET, ' '}, {SET, '"'}, {SET, '0'},
        {SET, '7'},  {SET, '}'},  {SET, ','},  {SET, '\\'}, {SET, 0x00}, {SET, '-'}};
    for (size_t i = 0; i < end; i++) {
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            memcpy(copy, buf, size);
            copy[i] = kinds[k].op == XOR ? (unsigned char)(buf[i] ^ kinds[k].byte) : kinds[k].byte;
            if (copy[i] == buf[i])
                continue;
            mc_model *m = (mc_model *)&m;
            mc_error err;
            mc_status st = mc_model_load_buffer(&m, copy, size, NAME, &err);
            if (st != MC_OK) {
                if (st != MC_ERR_FORMAT)
                    print_error("byte %zu set to 0x%02x: %s (%s)\n", i, copy[i],
                                mc_status_name(st), err.message);
                assert_int_equal(st, MC_ERR_FORMAT);
                assert_null(m);
                assert_contains(err.message, NAME ": ");
                refused++;
                continue;
            }
            /* Accepted (a digit of a scaler, a name, the record...): the same
               network, and it forecasts or fails cleanly. */
            accepted++;
            assert_int_equal(m->shape.lookback, LOOKBACK);
            assert_int_equal(m->shape.horizon, HORIZON);
            assert_int_equal(m->shape.hidden, HIDDEN);
            assert_int_equal(m->shape.quantiles, 3);
            assert_int_equal(mc_model_channels(m), 3);
            assert_memory_equal(&m->layout, &orig->layout, sizeof m->layout);
            assert_memory_equal(m->params, orig->params, m->layout.total * sizeof *m->params);
            int64_t times[MAX_STEPS];
            double values[MAX_OUT];
            st = mc_model_forecast(m, history, NULL, times, values, &err);
            if (st == MC_OK)
                for (size_t j = 0; j < HORIZON * 3; j++)
                    assert_true(isfinite(values[j]));
            else
                assert_true(err.message[0] != '\0');
            mc_model_free(m);
        }
    }
    assert_true(refused > 1000);
    assert_true(accepted > 0);
    free(copy);
    free(buf);
    mc_frame_free(history);
    mc_model_free(orig);
}

/* ---- crafted files ------------------------------------------------------------ */

/* A model file to alter: the real model's tensors and metadata strings. */
typedef struct craft {
    mc_st_entry entries[MC_T_COUNT + 2];
    size_t n;
    mc_st_meta meta[N_META_KEYS + 2];
    size_t n_meta;
    void *owned[32]; /* strings and tensor data this craft allocated */
    size_t n_owned;
} craft;

static void *own(craft *c, void *p)
{
    assert_non_null(p);
    assert_true(c->n_owned < 32);
    c->owned[c->n_owned++] = p;
    return p;
}

static char *dup_text(const char *s)
{
    char *p = malloc(strlen(s) + 1);
    assert_non_null(p);
    return strcpy(p, s);
}

static void craft_init(craft *c, const mc_model *m)
{
    memset(c, 0, sizeof *c);
    for (int t = 0; t < MC_T_COUNT; t++) {
        size_t dims[2];
        const size_t ndim = mc_tensor_dims(&m->layout, (mc_tensor)t, dims);
        if (ndim == 0)
            continue;
        const size_t n = mc_tensor_size(&m->layout, (mc_tensor)t);
        float *data = own(c, malloc(n * sizeof *data));
        memcpy(data, m->params + m->layout.offset[t], n * sizeof *data);
        c->entries[c->n++] = (mc_st_entry){.name = mc_tensor_name((mc_tensor)t), .ndim = ndim,
                                           .shape = {dims[0], dims[1]}, .data = data};
    }
    unsigned char *buf;
    size_t size;
    save_buffer(m, &buf, &size);
    mc_st_file *f = NULL;
    assert_int_equal(mc_st_parse(&f, buf, size, NAME, NULL), MC_OK);
    for (size_t k = 0; k < N_META_KEYS; k++) {
        const char *value = mc_st_metadata(f, META_KEYS[k]);
        assert_non_null(value);
        c->meta[c->n_meta++] = (mc_st_meta){META_KEYS[k], own(c, dup_text(value))};
    }
    mc_st_free(f);
    free(buf);
}

static void craft_free(craft *c)
{
    for (size_t i = 0; i < c->n_owned; i++)
        free(c->owned[i]);
    c->n_owned = 0;
}

/* Sets metadata `key` to `value`; NULL removes it. */
static void craft_meta(craft *c, const char *key, const char *value)
{
    for (size_t i = 0; i < c->n_meta; i++) {
        if (strcmp(c->meta[i].key, key) != 0)
            continue;
        if (value != NULL) {
            c->meta[i].value = own(c, dup_text(value));
        } else {
            memmove(c->meta + i, c->meta + i + 1, (c->n_meta - i - 1) * sizeof *c->meta);
            c->n_meta--;
        }
        return;
    }
    assert_non_null(value);
    c->meta[c->n_meta++] = (mc_st_meta){key, own(c, dup_text(value))};
}

static const char *craft_get(const craft *c, const char *key)
{
    for (size_t i = 0; i < c->n_meta; i++)
        if (strcmp(c->meta[i].key, key) == 0)
            return c->meta[i].value;
    fail_msg("no metadata \"%s\"", key);
    return NULL;
}

/* Replaces `item` of the JSON object in metadata `key` by the JSON text
   `json` (NULL removes it); scaler >= 0 edits that entry of "scalers". */
static void craft_json_at(craft *c, const char *key, int scaler, const char *item,
                          const char *json)
{
    cJSON *root = cJSON_Parse(craft_get(c, key));
    assert_non_null(root);
    cJSON *o = scaler < 0 ? root
                          : cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "scalers"),
                                               scaler);
    assert_non_null(o);
    cJSON_DeleteItemFromObjectCaseSensitive(o, item);
    if (json != NULL) {
        cJSON *v = cJSON_Parse(json);
        assert_non_null(v);
        cJSON_AddItemToObject(o, item, v);
    }
    char *text = cJSON_PrintUnformatted(root);
    assert_non_null(text);
    cJSON_Delete(root);
    craft_meta(c, key, text);
    cJSON_free(text);
}

static void craft_json(craft *c, const char *key, const char *item, const char *json)
{
    craft_json_at(c, key, -1, item, json);
}

static mc_st_entry *craft_tensor(craft *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->entries[i].name, name) == 0)
            return &c->entries[i];
    fail_msg("no tensor \"%s\"", name);
    return NULL;
}

static void craft_drop(craft *c, const char *name)
{
    mc_st_entry *e = craft_tensor(c, name);
    const size_t i = (size_t)(e - c->entries);
    memmove(e, e + 1, (c->n - i - 1) * sizeof *e);
    c->n--;
}

/* Adds tensor `name` of shape (d0) or (d0, d1) holding high-entropy values. */
static void craft_add(craft *c, const char *name, size_t d0, size_t d1)
{
    const size_t count = d0 * (d1 ? d1 : 1);
    float *data = own(c, malloc(count * sizeof *data));
    for (size_t i = 0; i < count; i++)
        data[i] = 0.0371f * (float)(i % 29) - 0.5183f;
    assert_true(c->n < MC_T_COUNT + 2);
    c->entries[c->n++] = (mc_st_entry){.name = name, .ndim = d1 ? 2 : 1, .shape = {d0, d1},
                                       .data = data};
}

static void craft_refuse(const craft *c, const char *phrase)
{
    void *b = NULL;
    size_t size = 0;
    mc_error err;
    mc_status st = mc_st_write_buffer(&b, &size, c->entries, c->n, c->meta, c->n_meta, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    refuse(b, size, phrase);
    free(b);
}

/* A fresh craft of variant 0 (every tensor; pinball) or of `v`. */
static void craft_of(craft *c, const variant *v)
{
    const variant full = variant_of(0);
    mc_model *m = small_model(v ? v : &full, 271828);
    craft_init(c, m);
    mc_model_free(m);
}

/* One metadata item replaced on a fresh craft, refused with `phrase`. */
static void refuse_json(const char *key, const char *item, const char *json, const char *phrase)
{
    craft c;
    craft_of(&c, NULL);
    craft_json(&c, key, item, json);
    craft_refuse(&c, phrase);
    craft_free(&c);
}

/* The accepted counterpart: a control that the crafting itself is sound. */
static void test_crafted_control_loads(void **state)
{
    (void)state;
    craft c;
    craft_of(&c, NULL);
    void *b = NULL;
    size_t size = 0;
    assert_int_equal(mc_st_write_buffer(&b, &size, c.entries, c.n, c.meta, c.n_meta, NULL), MC_OK);
    mc_model *m = load_buffer(b, size);
    assert_int_equal(mc_model_lookback(m), LOOKBACK);
    assert_int_equal(mc_model_horizon(m), HORIZON);
    assert_int_equal(mc_model_quantiles(m), 3);
    assert_memory_equal(m->params, c.entries[0].data,
                        c.entries[0].shape[0] * c.entries[0].shape[1] * sizeof(float));
    mc_model_free(m);
    free(b);
    craft_free(&c);
}

/* The time column and zone go through the file, and files written before
   them (no "time", no "time_zone") still load, with neither known. */
static void test_time_column_and_zone(void **state)
{
    (void)state;
    const variant v = variant_of(0);
    mc_model *m = small_model(&v, 1618);
    mc_error err;
    assert_null(mc_model_time_column(m));
    assert_null(mc_model_time_zone(m));
    assert_int_equal(mc_model_set_time(m, "stamp", "Pacific/Chatham", &err), MC_OK);
    unsigned char *buf;
    size_t size;
    save_buffer(m, &buf, &size);
    mc_model *back = load_buffer(buf, size);
    assert_string_equal(mc_model_time_column(back), "stamp");
    assert_string_equal(mc_model_time_zone(back), "Pacific/Chatham");
    mc_model *twin = NULL;
    assert_int_equal(mc_model_clone(&twin, back, &err), MC_OK);
    assert_string_equal(mc_model_time_zone(twin), "Pacific/Chatham");
    mc_model_free(twin);
    mc_model_free(back);
    free(buf);

    /* a column without a zone: the key is left out */
    assert_int_equal(mc_model_set_time(m, "stamp", NULL, &err), MC_OK);
    save_buffer(m, &buf, &size);
    back = load_buffer(buf, size);
    assert_string_equal(mc_model_time_column(back), "stamp");
    assert_null(mc_model_time_zone(back));
    mc_model_free(back);
    free(buf);
    mc_model_free(m);

    craft c;
    craft_of(&c, NULL);
    craft_json(&c, "channels", "time", NULL);
    craft_json(&c, "channels", "time_zone", NULL);
    void *b = NULL;
    assert_int_equal(mc_st_write_buffer(&b, &size, c.entries, c.n, c.meta, c.n_meta, NULL), MC_OK);
    back = load_buffer(b, size);
    assert_null(mc_model_time_column(back));
    assert_null(mc_model_time_zone(back));
    mc_model_free(back);
    free(b);
    craft_free(&c);
    refuse_json("channels", "time_zone", "10", "\"time\" and \"time_zone\" must be strings");
    refuse_json("channels", "time", "[\"stamp\"]", "must be strings");
}

/* ---- raw headers, for what the writer will not produce ------------------------ */

/* The saved file of variant 0 with its JSON header as a cJSON tree. */
typedef struct raw {
    unsigned char *buf;
    size_t size, data_start;
    cJSON *header;
} raw;

static void raw_init(raw *r)
{
    const variant v = variant_of(0);
    mc_model *m = small_model(&v, 314159);
    save_buffer(m, &r->buf, &r->size);
    mc_model_free(m);
    const size_t n = (size_t)header_length(r->buf);
    r->data_start = 8 + n;
    char *text = malloc(n + 1);
    assert_non_null(text);
    memcpy(text, r->buf + 8, n);
    text[n] = '\0';
    r->header = cJSON_Parse(text);
    assert_non_null(r->header);
    free(text);
}

static void raw_free(raw *r)
{
    cJSON_Delete(r->header);
    free(r->buf);
}

static cJSON *raw_tensor(const raw *r, const char *name)
{
    cJSON *t = cJSON_GetObjectItemCaseSensitive(r->header, name);
    assert_non_null(t);
    return t;
}

static void raw_offsets(const raw *r, const char *name, size_t *begin, size_t *end)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(raw_tensor(r, name), "data_offsets");
    *begin = (size_t)cJSON_GetArrayItem(o, 0)->valuedouble;
    *end = (size_t)cJSON_GetArrayItem(o, 1)->valuedouble;
}

/* Replaces field `field` of tensor `name` by the JSON text `json`. */
static void raw_set(raw *r, const char *name, const char *field, const char *json)
{
    cJSON *v = cJSON_Parse(json);
    assert_non_null(v);
    assert_true(cJSON_ReplaceItemInObjectCaseSensitive(raw_tensor(r, name), field, v));
}

/* The edited header over the original data section, refused with `phrase`. */
static void raw_refuse(const raw *r, const char *phrase)
{
    char *json = cJSON_PrintUnformatted(r->header);
    assert_non_null(json);
    const size_t n = strlen(json), data = r->size - r->data_start;
    const size_t size = 8 + n + data;
    unsigned char *b = malloc(size);
    assert_non_null(b);
    for (size_t k = 0; k < 8; k++)
        b[k] = (unsigned char)(((uint64_t)n >> (8 * k)) & 0xFF);
    memcpy(b + 8, json, n);
    memcpy(b + 8 + n, r->buf + r->data_start, data);
    cJSON_free(json);
    refuse(b, size, phrase);
    free(b);
}

static void test_refuses_offsets_past_the_end(void **state)
{
    (void)state;
    raw r;
    raw_init(&r);
    size_t b, e;
    raw_offsets(&r, "skip.S", &b, &e); /* the last tensor */
    assert_int_equal(e, r.size - r.data_start);
    char json[96];
    snprintf(json, sizeof json, "[%zu, %zu]", b + 8, e + 8);
    raw_set(&r, "skip.S", "data_offsets", json);
    raw_refuse(&r, "tensor \"skip.S\": data_offsets");
    raw_refuse(&r, "run past the end of the data section");
    raw_set(&r, "skip.S", "data_offsets", "[0, 9007199254740992]");
    raw_refuse(&r, "run past the end of the data section");
    raw_set(&r, "skip.S", "data_offsets", "[0, 1e19]");
    raw_refuse(&r, "data_offsets[1] is 1e+19, larger than 2^53");
    snprintf(json, sizeof json, "[%zu, %zu]", e, b);
    raw_set(&r, "skip.S", "data_offsets", json);
    raw_refuse(&r, "end before they begin");
    raw_free(&r);
}

static void test_refuses_overlapping_tensors(void **state)
{
    (void)state;
    raw r;
    raw_init(&r);
    size_t wb, we, b, e;
    raw_offsets(&r, "feature.W", &wb, &we);
    raw_offsets(&r, "feature.b", &b, &e);
    assert_int_equal(we, b);
    char json[96], phrase[160];
    snprintf(json, sizeof json, "[%zu, %zu]", b - 4, e - 4);
    raw_set(&r, "feature.b", "data_offsets", json);
    snprintf(phrase, sizeof phrase,
             "tensors \"feature.W\" [%zu, %zu] and \"feature.b\" [%zu, %zu] overlap", wb, we,
             b - 4, e - 4);
    raw_refuse(&r, phrase);
    raw_free(&r);

    /* Two tensors of one size on the same bytes. */
    raw_init(&r);
    size_t cb, ce, hb, he;
    raw_offsets(&r, "horizon.b", &hb, &he); /* H*D = 20 floats */
    raw_offsets(&r, "feature.W", &cb, &ce);
    snprintf(json, sizeof json, "[%zu, %zu]", cb, cb + (he - hb));
    raw_set(&r, "horizon.b", "data_offsets", json);
    raw_refuse(&r, "overlap");
    raw_free(&r);
}

static void test_refuses_wrong_dtype(void **state)
{
    (void)state;
    raw r;
    raw_init(&r);
    raw_set(&r, "head.c", "dtype", "\"F16\"");
    raw_refuse(&r, "tensor \"head.c\": dtype \"F16\" is not supported; maskcast reads only F32");
    size_t b, e;
    raw_offsets(&r, "head.c", &b, &e);
    char json[96];
    snprintf(json, sizeof json, "[%zu, %zu]", b, b + (e - b) / 2);
    raw_set(&r, "head.c", "data_offsets", json); /* F16's size, and a hole after it */
    raw_refuse(&r, "dtype \"F16\" is not supported");
    raw_set(&r, "head.c", "dtype", "\"F32\"");
    raw_refuse(&r, "tensor \"head.c\": data_offsets");
    raw_set(&r, "feature.W", "dtype", "\"BF16\"");
    raw_refuse(&r, "dtype \"BF16\" is not supported");
    raw_set(&r, "feature.W", "dtype", "32");
    raw_refuse(&r, "tensor \"feature.W\": dtype is not a string");
    raw_free(&r);
}

static void test_refuses_shapes_against_the_configuration(void **state)
{
    (void)state;
    const size_t hq = HORIZON * 3, n_in = 3 * LOOKBACK + 9 * HORIZON;
    char phrase[160];
    craft c;

    craft_of(&c, NULL); /* head.V one row short */
    mc_st_entry *e = craft_tensor(&c, "head.V");
    assert_int_equal(e->shape[0], hq);
    e->shape[0] = hq - 1;
    snprintf(phrase, sizeof phrase,
             "tensor \"head.V\" has shape [%zu, %d] but the configuration needs [%zu, %d]",
             hq - 1, HIDDEN, hq, HIDDEN);
    craft_refuse(&c, phrase);
    craft_free(&c);

    craft_of(&c, NULL); /* feature.W with rows and columns swapped: the same count */
    e = craft_tensor(&c, "feature.W");
    e->shape[0] = HIDDEN;
    e->shape[1] = n_in;
    snprintf(phrase, sizeof phrase,
             "tensor \"feature.W\" has shape [%d, %zu] but the configuration needs [%zu, %d]",
             HIDDEN, n_in, n_in, HIDDEN);
    craft_refuse(&c, phrase);
    craft_free(&c);

    craft_of(&c, NULL); /* a bias written as a column */
    e = craft_tensor(&c, "feature.b");
    e->ndim = 2;
    e->shape[1] = 1;
    craft_refuse(&c, "tensor \"feature.b\" has shape [5, 1] but the configuration needs [5]");
    craft_free(&c);

    craft_of(&c, NULL); /* skip.S as a 3-D tensor of the same count */
    e = craft_tensor(&c, "skip.S");
    e->ndim = 3;
    e->shape[2] = 1;
    snprintf(phrase, sizeof phrase, "tensor \"skip.S\" has shape [%zu, %d, 1]", hq, LOOKBACK);
    craft_refuse(&c, phrase);
    craft_free(&c);

    craft_of(&c, NULL); /* a configuration that implies other shapes */
    craft_json(&c, "config", "lookback", "13");
    craft_refuse(&c, "but the configuration needs");
    craft_free(&c);
}

static void test_refuses_missing_and_extra_tensors(void **state)
{
    (void)state;
    craft c;
    const char *all[] = {"feature.W", "feature.b", "anomaly.W", "anomaly.b", "horizon.W",
                         "horizon.b", "head.V",    "head.c",    "skip.S"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        char phrase[96];
        craft_of(&c, NULL);
        craft_drop(&c, all[i]);
        snprintf(phrase, sizeof phrase, "tensor \"%s\" is missing", all[i]);
        craft_refuse(&c, phrase);
        craft_free(&c);
    }

    /* anomaly.W in a file whose configuration has no anomaly mask. */
    variant v = variant_of(1);
    assert_false(v.anomaly_mask);
    craft_of(&c, &v);
    craft_add(&c, "anomaly.W", HIDDEN, 2 * LOOKBACK);
    craft_refuse(&c, "tensor \"anomaly.W\" is present but the configuration switches its part "
                     "off");
    craft_free(&c);

    /* The switch turned off in the configuration of a file that has the part. */
    craft_of(&c, NULL);
    craft_json(&c, "config", "skip", "false");
    craft_refuse(&c, "tensor \"skip.S\" is present but the configuration switches its part off");
    craft_free(&c);

    /* A name the model does not know. */
    craft_of(&c, NULL);
    craft_add(&c, "head.W", 7, 0);
    craft_refuse(&c, "the file holds tensors the configuration does not use");
    craft_free(&c);
}

/* Embedding tensors are checked against the rank like every other tensor. */
static void test_refuses_bad_horizon_embeddings(void **state)
{
    (void)state;
    variant v = variant_of(0);
    v.horizon_rank = 3;
    char phrase[160];
    craft c;

    craft_of(&c, &v); /* horizon.E of rank 2 in a rank-3 model */
    mc_st_entry *e = craft_tensor(&c, "horizon.E");
    e->shape[1] = 2;
    snprintf(phrase, sizeof phrase,
             "tensor \"horizon.E\" has shape [%d, 2] but the configuration needs [%d, 3]",
             HORIZON, HORIZON);
    craft_refuse(&c, phrase);
    craft_free(&c);

    craft_of(&c, &v); /* horizon.E transposed: the same count */
    e = craft_tensor(&c, "horizon.E");
    e->shape[0] = 3;
    e->shape[1] = HORIZON;
    craft_refuse(&c, "tensor \"horizon.E\" has shape [3, 4] but the configuration needs [4, 3]");
    craft_free(&c);

    craft_of(&c, &v);
    craft_drop(&c, "horizon.U");
    craft_refuse(&c, "tensor \"horizon.U\" is missing");
    craft_free(&c);

    craft_of(&c, &v); /* the rank removed: read as a file from before embeddings */
    craft_json(&c, "config", "horizon_rank", NULL);
    craft_refuse(&c, "tensor \"horizon.W\" is missing");
    craft_free(&c);

    craft_of(&c, &v); /* another rank than the tensors have */
    craft_json(&c, "config", "horizon_rank", "4");
    craft_refuse(&c, "tensor \"horizon.U\" has shape [5, 3] but the configuration needs [5, 4]");
    craft_free(&c);

    craft_of(&c, NULL); /* an embedding in a model with the full masks */
    craft_add(&c, "horizon.E", HORIZON, 3);
    craft_refuse(&c, "tensor \"horizon.E\" is present but the configuration switches its part "
                     "off");
    craft_free(&c);

    const char *bad[] = {"-1", "2.5", "\"3\"", "4097", "1e30", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refuse_json("config", "horizon_rank", bad[i],
                    "configuration \"horizon_rank\" must be a whole number from 0 to 4096");

    /* Control: a full-mask file without the key (as written before it
       existed) still loads. */
    craft_of(&c, NULL);
    craft_json(&c, "config", "horizon_rank", NULL);
    void *b = NULL;
    size_t size = 0;
    assert_int_equal(mc_st_write_buffer(&b, &size, c.entries, c.n, c.meta, c.n_meta, NULL), MC_OK);
    mc_model *m = load_buffer(b, size);
    assert_int_equal(m->shape.horizon_rank, 0);
    mc_model_free(m);
    free(b);
    craft_free(&c);
}

static void test_refuses_bad_metadata_json(void **state)
{
    (void)state;
    craft c;
    const char *keys[] = {"config", "channels", "holidays", "training"};
    for (size_t i = 0; i < 4; i++) {
        char phrase[96];
        craft_of(&c, NULL);
        const char *text = craft_get(&c, keys[i]);
        char *cut = own(&c, dup_text(text));
        cut[strlen(cut) / 2] = '\0'; /* JSON cut in the middle */
        craft_meta(&c, keys[i], cut);
        snprintf(phrase, sizeof phrase, "metadata \"%s\" is not valid JSON", keys[i]);
        craft_refuse(&c, phrase);
        craft_meta(&c, keys[i], NULL);
        snprintf(phrase, sizeof phrase, "metadata \"%s\" is missing", keys[i]);
        craft_refuse(&c, phrase);
        craft_free(&c);
    }
    craft_of(&c, NULL);
    craft_meta(&c, "config", "{\"lookback\": 12,}");
    craft_refuse(&c, "metadata \"config\" is not valid JSON");
    craft_meta(&c, "config", "[12, 4, 5]"); /* JSON, but not an object */
    craft_refuse(&c, "configuration \"lookback\" must be a whole number");
    craft_meta(&c, "config", "null");
    craft_refuse(&c, "configuration \"lookback\" must be a whole number");
    craft_free(&c);
    craft_of(&c, NULL);
    craft_meta(&c, "channels", "7");
    craft_refuse(&c, "metadata \"channels\" needs target, past, future and scalers");
    craft_free(&c);
    refuse_json("channels", "scalers", NULL, "needs target, past, future and scalers");
    refuse_json("channels", "target", "17", "needs target, past, future and scalers");
}

static void test_refuses_wrong_format(void **state)
{
    (void)state;
    craft c;
    craft_of(&c, NULL);
    craft_meta(&c, "format", "maskcast-modle");
    craft_refuse(&c, "not a maskcast model (metadata \"format\" is not \"maskcast-model\")");
    craft_meta(&c, "format", NULL);
    craft_refuse(&c, "not a maskcast model");
    craft_free(&c);

    craft_of(&c, NULL);
    craft_meta(&c, "format_version", "4");
    craft_refuse(&c, "a model file format version this maskcast does not read");
    craft_meta(&c, "format_version", "1 ");
    craft_refuse(&c, "format version");
    craft_meta(&c, "format_version", NULL);
    craft_refuse(&c, "format version");
    craft_free(&c);
}

/* The metadata "series" of global models and series views: three channels
   here (load, a past and a known-future covariate). */
static void test_refuses_bad_series(void **state)
{
    (void)state;
    const struct { const char *json, *phrase; } cases[] = {
        {"{\"series\": 5}", "metadata \"series\": needs a list"},
        {"[]", "needs a list"},
        {"{\"series\": [{\"name\": \"\", \"scalers\": [[0,1],[0,1],[0,1]], "
         "\"constants\": [null,null,1]}]}", "every series needs a name"},
        {"{\"series\": [{\"name\": \"a\", \"scalers\": [[0,1],[0,1]], "
         "\"constants\": [null,null,1]}]}", "a finite mean and a positive scale"},
        {"{\"series\": [{\"name\": \"a\", \"scalers\": [[0,1],[0,0],[0,1]], "
         "\"constants\": [null,null,1]}]}", "a positive scale"},
        {"{\"series\": [{\"name\": \"a\", \"scalers\": [[0,1],[0,1],[0,1]], "
         "\"constants\": [null,2,1]}]}", "on known-future channels"},
        {"{\"series\": [{\"name\": \"a\", \"scalers\": [[0,1],[0,1],[0,1]], "
         "\"constants\": [null,null]}]}", "one per channel"},
        {"{\"series\": [{\"name\": \"a\", \"scalers\": [[0,1],[0,1],[0,1]], "
         "\"constants\": [null,null,1]}, {\"name\": \"a\", \"scalers\": "
         "[[0,1],[0,1],[0,1]], \"constants\": [null,null,0]}]}", "a series is named twice"},
        {"{\"constants\": [1,null,null], \"series\": []}", "\"constants\" must be null"},
        {"{\"constants\": [null,null,\"x\"], \"series\": []}", "\"constants\" must be null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        craft c;
        craft_of(&c, NULL);
        craft_meta(&c, "series", cases[i].json);
        craft_refuse(&c, cases[i].phrase);
        craft_free(&c);
    }
    /* and a well-formed one loads, its view forecasting as the table says */
    craft c;
    craft_of(&c, NULL);
    craft_meta(&c, "series", "{\"series\": [{\"name\": \"a\", \"scalers\": "
                             "[[10,2],[0,1],[0,1]], \"constants\": [null,null,null]}]}");
    void *b = NULL;
    size_t size = 0;
    assert_int_equal(mc_st_write_buffer(&b, &size, c.entries, c.n, c.meta, c.n_meta, NULL), MC_OK);
    mc_model *m = NULL, *v = NULL;
    assert_int_equal(mc_model_load_buffer(&m, b, size, NAME, NULL), MC_OK);
    assert_int_equal(mc_model_series(m), 1);
    assert_int_equal(mc_model_for_series(&v, m, "a", NULL), MC_OK);
    double mean = 0, scale = 0;
    assert_true(mc_model_column_scaler(v, 0, &mean, &scale));
    /* the series' (10, 2) before the model's (1427.385..., 235.187...) */
    assert_close(mean, 10.0 + 2.0 * 1427.3851234567891, 1e-9, 0.0);
    assert_close(scale, 2.0 * 235.18731927180001, 1e-9, 0.0);
    mc_model_free(v);
    mc_model_free(m);
    free(b);
    craft_free(&c);
}

static void test_refuses_config_out_of_range(void **state)
{
    (void)state;
    const struct { const char *item, *json, *phrase; } cases[] = {
        {"hidden", "0", "configuration \"hidden\" must be a whole number from 1 to 16777216"},
        {"hidden", "2.5", "configuration \"hidden\" must be a whole number"},
        {"hidden", "\"5\"", "configuration \"hidden\" must be a whole number"},
        {"hidden", NULL, "configuration \"hidden\" must be a whole number"},
        {"lookback", "1e30", "configuration \"lookback\" must be a whole number from 1"},
        {"lookback", "-12", "configuration \"lookback\" must be a whole number"},
        {"horizon", "16777217", "configuration \"horizon\" must be a whole number"},
        {"past_channels", "0", "configuration \"past_channels\" must be a whole number"},
        {"future_channels", "1e9", "configuration \"future_channels\" must be a whole number"},
        {"step_seconds", "0", "configuration \"step_seconds\" must be a whole number"},
        {"step_seconds", "3600.5", "configuration \"step_seconds\" must be a whole number"},
        {"activation", "\"tanh\"", "configuration \"activation\" has an unknown value"},
        {"activation", "1", "configuration \"activation\" has an unknown value"},
        {"mask_kind", "\"Sigmoid\"", "configuration \"mask_kind\" has an unknown value"},
        {"loss", "\"quantile\"", "configuration \"loss\" has an unknown value"},
        {"anomaly_mask", "\"true\"", "configuration \"anomaly_mask\" must be true or false"},
        {"skip", NULL, "configuration \"skip\" must be true or false"},
        {"calendar", "1", "configuration \"calendar\" must be true or false"},
        {"huber_delta", "0", "configuration \"huber_delta\" must be a positive number"},
        {"huber_delta", "-1.385", "configuration \"huber_delta\" must be a positive number"},
        {"huber_delta", "\"NaN\"", "configuration \"huber_delta\" must be a positive number"},
        {"quantiles", "[]", "configuration \"quantiles\" must list the pinball loss's levels"},
        {"quantiles", "{}", "configuration \"quantiles\" must list the pinball loss's levels"},
        {"quantiles", "[0.1375, \"0.5\", 0.8625]", "configuration \"quantiles\" must hold numbers"},
        {"quantiles", "[0.8625, 0.5, 0.1375]", "increasing"},
        {"quantiles", "[0.1375, 0.5, 1.5]", "between 0 and 1"},
        {"quantiles", "[0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1,0.11,0.12,0.13,0.14,"
                      "0.15,0.16,0.17]", "configuration \"quantiles\" must list"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        refuse_json("config", cases[i].item, cases[i].json, cases[i].phrase);

    /* Quantile levels with a point loss. */
    craft c;
    craft_of(&c, NULL);
    craft_json(&c, "config", "loss", "\"mae\"");
    craft_refuse(&c, "configuration \"quantiles\" must list the pinball loss's levels");
    craft_free(&c);
}

static void test_refuses_overflowing_dimensions(void **state)
{
    (void)state;
    /* H * D * D = 2^72 elements of horizon.W. */
    craft c;
    craft_of(&c, NULL);
    craft_json(&c, "config", "hidden", "16777216");
    craft_json(&c, "config", "horizon", "16777216");
    craft_refuse(&c, "the network is too large");
    craft_free(&c);

    /* The same at the container level. */
    raw r;
    raw_init(&r);
    raw_set(&r, "head.c", "shape", "[4294967296, 4294967296]");
    raw_refuse(&r, "tensor \"head.c\": the element count of shape [4294967296, 4294967296] "
                   "overflows");
    raw_set(&r, "head.c", "shape", "[4503599627370496, 1024]"); /* 2^62 elements, 2^64 bytes */
    raw_refuse(&r, "tensor \"head.c\": the byte size of shape [4503599627370496, 1024] "
                   "(4611686018427387904 elements) overflows");
    raw_set(&r, "head.c", "shape", "[1e16]");
    raw_refuse(&r, "tensor \"head.c\": shape[0] is 10000000000000000, larger than 2^53");
    raw_set(&r, "head.c", "shape", "[3, -4]");
    raw_refuse(&r, "tensor \"head.c\": shape[1] is negative");
    raw_free(&r);
}

/* Sizes that pass every bound on their own but describe a network of about
   2^50 parameters (4 PB), in a 5 KB file: the file's tensors cannot match,
   so this is a corrupt file, not a lack of memory. */
static void test_refuses_huge_configuration_before_allocating(void **state)
{
    (void)state;
    craft c;
    craft_of(&c, NULL);
    craft_json(&c, "config", "lookback", "16777216");
    craft_json(&c, "config", "hidden", "16777216");
    craft_json(&c, "config", "horizon", "1");
    craft_refuse(&c, NULL);
    craft_free(&c);
}

static void test_refuses_channels_that_disagree(void **state)
{
    (void)state;
    const char *phrase = "the channel counts in the configuration disagree with the channel names";
    refuse_json("config", "past_channels", "3", phrase);
    refuse_json("config", "future_channels", "8", phrase);
    refuse_json("config", "past_channels", "1", phrase);
    refuse_json("channels", "future", "[\"temp_fc\", \"wind_fc\"]",
                "a scaler per channel is missing");
    refuse_json("channels", "past", "[7]", "channel names must be strings");
    refuse_json("channels", "past", "\"temp\"", "needs target, past, future and scalers");

    char many[1024] = "[";
    for (int i = 0; i < MC_MAX_COVARIATES + 1; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s\"c%d\"", i ? "," : "", i);
    strcat(many, "]");
    refuse_json("channels", "past", many, "lists more covariates than allowed");

    /* One scaler fewer than channels. */
    craft c;
    craft_of(&c, NULL);
    craft_json(&c, "channels", "scalers",
               "[{\"mean\": 1427.385, \"scale\": 235.18731927}, {\"mean\": 7.3851, "
               "\"scale\": 4.1271}]");
    craft_refuse(&c, "a scaler per channel is missing");
    craft_free(&c);

    /* Calendar off: the future channel count has to follow. */
    craft_of(&c, NULL);
    craft_json(&c, "config", "calendar", "false");
    craft_refuse(&c, phrase);
    craft_free(&c);
}

static void test_refuses_bad_scalers(void **state)
{
    (void)state;
    const char *phrase = "every scaler needs a finite mean and a positive scale";
    const struct { int index; const char *item, *json; } cases[] = {
        {0, "scale", "0"},          {0, "scale", "-235.18731927"}, {1, "scale", "\"NaN\""},
        {2, "scale", "\"inf\""},    {2, "mean", "\"-Infinity\""},  {0, "mean", NULL},
        {1, "scale", NULL},         {0, "scale", "null"},          {2, "mean", "[1427.385]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        craft c;
        craft_of(&c, NULL);
        craft_json_at(&c, "channels", cases[i].index, cases[i].item, cases[i].json);
        craft_refuse(&c, phrase);
        craft_free(&c);
    }
}

static void test_refuses_non_finite_parameters(void **state)
{
    (void)state;
    const struct { const char *name; size_t at; float value; } cases[] = {
        {"head.V", 7, NAN}, {"feature.b", 2, INFINITY}, {"skip.S", 143, -INFINITY},
        {"feature.W", 0, -NAN}, {"anomaly.b", 23, NAN}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        craft c;
        craft_of(&c, NULL);
        mc_st_entry *e = craft_tensor(&c, cases[i].name);
        float *data = (float *)(uintptr_t)e->data; /* owned by the craft */
        data[cases[i].at] = cases[i].value;
        char phrase[96];
        snprintf(phrase, sizeof phrase, "tensor \"%s\" holds a value that is not finite",
                 cases[i].name);
        craft_refuse(&c, phrase);
        craft_free(&c);
    }
}

/* Adds a calibration to a fresh craft: step k keeps kept[k] of counts[k]
   errors, increasing from k; `metadata` NULL writes the counts' own JSON. */
static void craft_calibration(craft *c, const size_t *counts, const size_t *kept,
                              const char *metadata)
{
    size_t total = 0;
    for (size_t k = 0; k < HORIZON; k++)
        total += kept[k];
    float *errors = own(c, malloc((total ? total : 1) * sizeof *errors));
    for (size_t k = 0, at = 0; k < HORIZON; k++)
        for (size_t j = 0; j < kept[k]; j++)
            errors[at++] = (float)k - 3.0f + 0.25f * (float)j;
    assert_true(c->n < MC_T_COUNT + 2);
    c->entries[c->n++] = (mc_st_entry){.name = "calibration.errors", .ndim = 1,
                                       .shape = {total}, .data = errors};
    char json[512] = "{\"counts\":[", *p = json + strlen(json);
    for (size_t k = 0; k < HORIZON; k++)
        p += sprintf(p, "%s%zu", k ? "," : "", counts[k]);
    p += sprintf(p, "],\"kept\":[");
    for (size_t k = 0; k < HORIZON; k++)
        p += sprintf(p, "%s%zu", k ? "," : "", kept[k]);
    sprintf(p, "]}");
    craft_meta(c, "calibration", metadata != NULL ? metadata : json);
}

static void test_calibration(void **state)
{
    (void)state;
    size_t counts[HORIZON], kept[HORIZON];
    for (size_t k = 0; k < HORIZON; k++) {
        counts[k] = 9 + k;
        kept[k] = 9 + k;
    }
    /* A valid one loads: step k's 80% interval is ranks 1 and m of m = 9 + k
       (floor(0.1 (m + 1)) = 1 while m < 19), so offsets k - 3 and k - 3 + (m - 1) / 4. */
    craft c;
    craft_of(&c, NULL);
    craft_calibration(&c, counts, kept, NULL);
    void *b = NULL;
    size_t size = 0;
    assert_int_equal(mc_st_write_buffer(&b, &size, c.entries, c.n, c.meta, c.n_meta, NULL), MC_OK);
    mc_model *m = load_buffer(b, size);
    free(b);
    craft_free(&c);
    assert_int_equal(mc_model_calibration_origins(m), 9);
    double lo[HORIZON], hi[HORIZON];
    assert_int_equal(mc_model_interval_offsets(m, 0.8, lo, hi, NULL), MC_OK);
    for (size_t k = 0; k < HORIZON; k++) {
        const double m_k = (double)counts[k];
        assert_true(lo[k] == (double)k - 3.0);
        assert_true(hi[k] == (double)k - 3.0 + 0.25 * (m_k - 1.0));
    }
    /* 95% needs m >= 39 errors: every step is too short. */
    assert_int_equal(mc_model_interval_offsets(m, 0.95, lo, hi, NULL), MC_OK);
    for (size_t k = 0; k < HORIZON; k++)
        assert_true(isnan(lo[k]) && isnan(hi[k]));
    mc_error err;
    assert_int_equal(mc_model_interval_offsets(m, 1.0, lo, hi, &err), MC_ERR_ARGUMENT);
    mc_model_free(m);

    /* A model with none says so. */
    const variant v0 = variant_of(0);
    m = small_model(&v0, 5);
    assert_int_equal(mc_model_calibration_origins(m), 0);
    assert_int_equal(mc_model_interval_offsets(m, 0.8, lo, hi, &err), MC_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "no calibration"));
    mc_model_free(m);

    /* Refusals. */
    craft_of(&c, NULL);
    craft_calibration(&c, counts, kept, "{\"counts\":[1,2],\"kept\":[1,2]}");
    craft_refuse(&c, "one per horizon step");
    craft_free(&c);
    craft_of(&c, NULL);
    craft_calibration(&c, counts, kept, NULL);
    craft_meta(&c, "calibration", NULL);
    craft_refuse(&c, "tensors the configuration does not use");
    craft_free(&c);
    craft_of(&c, NULL);
    craft_calibration(&c, counts, kept, NULL);
    craft_drop(&c, "calibration.errors");
    craft_refuse(&c, "its calibration's errors are missing");
    craft_free(&c);
    craft_of(&c, NULL);
    craft_calibration(&c, counts, kept, NULL);
    craft_json(&c, "calibration", "kept", "[9,10,11,11]"); /* one fewer than the tensor holds */
    craft_refuse(&c, "does not hold the errors its metadata counts");
    craft_free(&c);
    kept[1] = counts[1] + 1; /* more kept than there are */
    craft_of(&c, NULL);
    craft_calibration(&c, counts, kept, NULL);
    craft_refuse(&c, "calibration: step 2 keeps");
    craft_free(&c);
    kept[1] = counts[1] - 1; /* fewer kept than there are, under the limit */
    craft_of(&c, NULL);
    craft_calibration(&c, counts, kept, NULL);
    craft_refuse(&c, "calibration: step 2 keeps");
    craft_free(&c);
    kept[1] = counts[1];
    kept[0] = 1001; /* over the limit */
    counts[0] = 5000;
    craft_of(&c, NULL);
    craft_calibration(&c, counts, kept, NULL);
    craft_refuse(&c, "not a whole number in range");
    craft_free(&c);
    kept[0] = counts[0] = 9;
    craft_of(&c, NULL);
    craft_calibration(&c, counts, kept, NULL);
    float *e = (float *)(uintptr_t)craft_tensor(&c, "calibration.errors")->data;
    e[4] = -100.0f; /* out of order */
    craft_refuse(&c, "not finite and increasing");
    e[4] = NAN;
    craft_refuse(&c, "not finite and increasing");
    craft_free(&c);
    craft_of(&c, NULL);
    craft_calibration(&c, counts, kept, NULL);
    craft_json(&c, "calibration", "counts", "[9,10,-1,12]");
    craft_refuse(&c, NULL);
    craft_free(&c);
}

static void test_holidays(void **state)
{
    (void)state;
    const char *dates = "metadata \"holidays\" holds something that is not a date";
    const struct { const char *json, *phrase; } bad_cases[] = {
        {"[\"christmas\"]", dates},
        {"[20211225]", dates},
        {"[\"2021-12-25\", null]", dates},
        {"[\"2021-02-30\"]", dates},
        {"[\"2021-13-01\"]", dates},
        {"[\"\"]", dates},
        {"{\"christmas\": \"2021-12-25\"}", "metadata \"holidays\" must be a list of dates"},
        {"\"2021-12-25\"", "metadata \"holidays\" must be a list of dates"},
    };
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        craft c;
        craft_of(&c, NULL);
        craft_meta(&c, "holidays", bad_cases[i].json);
        craft_refuse(&c, bad_cases[i].phrase);
        craft_free(&c);
    }
    /* Valid lists: none, and repeats, which collapse. */
    const struct { const char *json; size_t n; } good[] = {
        {"[]", 0}, {"[\"2021-12-26\", \"2021-12-24\", \"2021-12-26\"]", 2}};
    for (size_t i = 0; i < 2; i++) {
        craft c;
        craft_of(&c, NULL);
        craft_meta(&c, "holidays", good[i].json);
        void *b = NULL;
        size_t size = 0;
        assert_int_equal(
            mc_st_write_buffer(&b, &size, c.entries, c.n, c.meta, c.n_meta, NULL), MC_OK);
        mc_model *m = load_buffer(b, size);
        assert_int_equal(m->holidays.n, good[i].n);
        if (good[i].n == 2) {
            assert_int_equal(m->holidays.days[0], mc_days_from_civil(2021, 12, 24));
            assert_int_equal(m->holidays.days[1], mc_days_from_civil(2021, 12, 26));
        }
        mc_model_free(m);
        free(b);
        craft_free(&c);
    }
}

/* The training record only informs, but what it does hold must be true: a
   value no integer field can hold is a gap (zero) or a refusal, never an
   out-of-range conversion (undefined behaviour in C). */
static void test_record_out_of_range_is_a_gap(void **state)
{
    (void)state;
    craft c;
    craft_of(&c, NULL);
    craft_json(&c, "training", "first_time", "-1e300");
    craft_json(&c, "training", "last_time", "1e300");
    craft_json(&c, "training", "seed", "1e300");
    void *b = NULL;
    size_t size = 0;
    assert_int_equal(mc_st_write_buffer(&b, &size, c.entries, c.n, c.meta, c.n_meta, NULL),
                     MC_OK);
    mc_model *m = NULL;
    mc_error err;
    mc_status st = mc_model_load_buffer(&m, b, size, NAME, &err);
    if (st == MC_OK) {
        const mc_train_record r = m->record;
        mc_model_free(m);
        assert_int_equal(r.first_time, 0);
        assert_int_equal(r.last_time, 0);
        assert_int_equal(r.seed, 0);
    } else {
        assert_int_equal(st, MC_ERR_FORMAT);
        assert_contains(err.message, "training");
    }
    free(b);
    craft_free(&c);
}

/* The seed is a uint64_t option; the record must give back the one used. */
static void test_record_keeps_a_64_bit_seed(void **state)
{
    (void)state;
    const variant v = variant_of(0);
    const uint64_t seeds[] = {0x9E3779B97F4A7C15u, (uint64_t)1 << 53 | 1u};
    for (size_t i = 0; i < 2; i++) {
        mc_model *m = small_model(&v, 1);
        m->record.seed = seeds[i];
        unsigned char *buf;
        size_t size;
        save_buffer(m, &buf, &size);
        mc_model *back = load_buffer(buf, size);
        const uint64_t got = back->record.seed;
        mc_model_free(back);
        mc_model_free(m);
        free(buf);
        if (got != seeds[i])
            print_error("seed %llu came back as %llu\n", (unsigned long long)seeds[i],
                        (unsigned long long)got);
        assert_true(got == seeds[i]);
    }
}

/* ---- paths and atomic saves ------------------------------------------------- */

static void test_load_missing_path(void **state)
{
    (void)state;
    char dir[512], path[600];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/absent-2385.safetensors", dir);
    mc_model *m = (mc_model *)&m;
    mc_error err;
    assert_int_equal(mc_model_load(&m, path, &err), MC_ERR_IO);
    assert_null(m);
    assert_int_equal(err.code, MC_ERR_IO);
    assert_contains(err.message, path);
    assert_contains(err.message, "cannot open");

    m = (mc_model *)&m; /* a directory is not a model file */
    assert_int_equal(mc_model_load(&m, dir, &err), MC_ERR_IO);
    assert_null(m);
    assert_contains(err.message, dir);

    /* Buffers without a name are named in messages all the same. */
    m = (mc_model *)&m;
    assert_int_equal(mc_model_load_buffer(&m, "{}", 2, NULL, &err), MC_ERR_FORMAT);
    assert_null(m);
    assert_contains(err.message, "(model buffer): ");
    assert_int_equal(rmdir(dir), 0);
}

/* The file at `path` holds exactly the bytes of `m`, and loads. */
static void check_file_holds(const char *path, const mc_model *m)
{
    unsigned char *want, *got;
    size_t want_size, got_size;
    save_buffer(m, &want, &want_size);
    got = read_whole(path, &got_size);
    assert_int_equal(got_size, want_size);
    assert_memory_equal(got, want, want_size);
    mc_model *back = NULL;
    mc_error err;
    assert_int_equal(mc_model_load(&back, path, &err), MC_OK);
    assert_int_equal(back->layout.total, m->layout.total);
    assert_memory_equal(back->params, m->params, m->layout.total * sizeof *m->params);
    mc_model_free(back);
    free(got);
    free(want);
}

static void test_save_is_atomic(void **state)
{
    (void)state;
    char dir[512], path[600], missing[600], occupied[600], keep[700], listing[1024];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/" NAME, dir);
    snprintf(missing, sizeof missing, "%s/no-such-dir/" NAME, dir);
    snprintf(occupied, sizeof occupied, "%s/occupied", dir);
    snprintf(keep, sizeof keep, "%s/keep.txt", occupied);
    const variant v0 = variant_of(0), v1 = variant_of(13);
    mc_model *a = small_model(&v0, 2385), *b = small_model(&v1, 4093);
    mc_error err;

    /* An old file of other contents is replaced. */
    write_text(path, "not a model: 2385 bytes of something else\n");
    mc_model *m = (mc_model *)&m;
    assert_int_equal(mc_model_load(&m, path, &err), MC_ERR_FORMAT);
    assert_null(m);
    assert_int_equal(mc_model_save(a, path, &err), MC_OK);
    check_file_holds(path, a);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, NAME);

    /* And again by a model of another shape. */
    assert_int_equal(mc_model_save(b, path, &err), MC_OK);
    check_file_holds(path, b);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, NAME);

    /* A missing directory: MC_ERR_IO naming the path, and nothing is created. */
    assert_int_equal(mc_model_save(a, missing, &err), MC_ERR_IO);
    assert_int_equal(err.code, MC_ERR_IO);
    assert_contains(err.message, missing);
    struct stat sb;
    assert_int_equal(stat(missing, &sb), -1);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, NAME);

    /* A target that cannot be replaced (a directory): it stays, no temporary. */
    assert_int_equal(mkdir(occupied, 0700), 0);
    write_text(keep, "2385");
    assert_int_equal(mc_model_save(a, occupied, &err), MC_ERR_IO);
    assert_contains(err.message, occupied);
    assert_int_equal(stat(occupied, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, NAME "|occupied");
    list_dir(occupied, listing, sizeof listing);
    assert_string_equal(listing, "keep.txt");
    check_file_holds(path, b); /* still b */

    mc_model_free(a);
    mc_model_free(b);
    assert_int_equal(remove(keep), 0);
    assert_int_equal(rmdir(occupied), 0);
    assert_int_equal(remove(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* The committed files of format 1 save, once loaded, to the same bytes: a
   model without temporal attention (or any option added since) writes what
   it always wrote. */
static void test_format_1_files_save_the_same_bytes(void **state)
{
    (void)state;
    const char *names[] = {"model_v1_full", "model_v1_rank_pinball"};
    for (size_t i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/data/%s.safetensors", MC_SOURCE_DIR, names[i]);
        size_t size, again_size;
        unsigned char *disk = read_whole(path, &size), *again;
        mc_model *m = NULL;
        mc_error err;
        if (mc_model_load(&m, path, &err) != MC_OK)
            fail_msg("%s", err.message);
        save_buffer(m, &again, &again_size);
        assert_int_equal(again_size, size);
        assert_memory_equal(again, disk, size);
        free(again);
        free(disk);
        mc_model_free(m);
    }
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_tensor_set),
        cmocka_unit_test(test_round_trip_horizon_embeddings),
        cmocka_unit_test(test_round_trip_hard_masks),
        cmocka_unit_test(test_round_trip_temporal_attention),
        cmocka_unit_test(test_format_1_files_save_the_same_bytes),
        cmocka_unit_test(test_round_trip_trained_model),
        cmocka_unit_test(test_cut_at_every_byte),
        cmocka_unit_test(test_header_mutations),
        cmocka_unit_test(test_crafted_control_loads),
        cmocka_unit_test(test_refuses_offsets_past_the_end),
        cmocka_unit_test(test_refuses_overlapping_tensors),
        cmocka_unit_test(test_refuses_wrong_dtype),
        cmocka_unit_test(test_refuses_shapes_against_the_configuration),
        cmocka_unit_test(test_refuses_missing_and_extra_tensors),
        cmocka_unit_test(test_refuses_bad_horizon_embeddings),
        cmocka_unit_test(test_refuses_bad_metadata_json),
        cmocka_unit_test(test_refuses_wrong_format),
        cmocka_unit_test(test_refuses_bad_series),
        cmocka_unit_test(test_refuses_config_out_of_range),
        cmocka_unit_test(test_refuses_overflowing_dimensions),
        cmocka_unit_test(test_refuses_huge_configuration_before_allocating),
        cmocka_unit_test(test_refuses_channels_that_disagree),
        cmocka_unit_test(test_refuses_bad_scalers),
        cmocka_unit_test(test_refuses_non_finite_parameters),
        cmocka_unit_test(test_holidays),
        cmocka_unit_test(test_calibration),
        cmocka_unit_test(test_time_column_and_zone),
        cmocka_unit_test(test_record_out_of_range_is_a_gap),
        cmocka_unit_test(test_record_keeps_a_64_bit_seed),
        cmocka_unit_test(test_load_missing_path),
        cmocka_unit_test(test_save_is_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
