/*
 * Model files: the network's tensors in safetensors, and in "__metadata__"
 * the format version, the configuration, the channel names, the scalers, the
 * holidays and the training record, each a JSON text. Loading trusts nothing:
 * the safetensors layer checks lengths, offsets and dtypes; this file checks
 * the configuration's values and that every tensor has exactly the shape the
 * configuration implies.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/timestamp.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "train/model_file_series.h"
#include "train/model_internal.h"
#include "train/options_table.h"

#define FORMAT_NAME "maskcast-model"
#define FORMAT_VERSION "1"
/* Files with a calibration say "2", so that a maskcast before it refuses
   them as a newer format rather than as holding an unknown tensor. */
#define FORMAT_VERSION_CALIBRATED "2"
/* Files of global models and series views say "3": a maskcast before them
   would read the model without its series' scaling. */
#define FORMAT_VERSION_SERIES "3"

/* ---- writing ---------------------------------------------------------------- */

static cJSON *exact(double v) { return mc_json_exact(v, false); }

static bool put(cJSON *o, const char *key, cJSON *item) { return mc_json_put(o, key, item); }

/* o, or NULL (with o freed) when building it failed. */
static cJSON *built(cJSON *o, bool ok)
{
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The configuration as the option table lists it, in its order. */
static cJSON *config_json(const mc_model *m)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    for (size_t i = 0; ok && i < mc_option_count(); i++)
        if (mc_option_in_file(m, i))
            ok = put(o, mc_option_at(i)->name, mc_option_to_json(m, i));
    return built(o, ok);
}

static cJSON *channels_json(const mc_model *m)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && put(o, "target", cJSON_CreateString(m->names[0]));
    /* the time column and zone: absent from files before them, and the
       zone only where the data had one */
    if (m->time_name != NULL)
        ok = ok && put(o, "time", cJSON_CreateString(m->time_name));
    if (m->time_zone != NULL)
        ok = ok && put(o, "time_zone", cJSON_CreateString(m->time_zone));
    cJSON *past = ok ? cJSON_CreateArray() : NULL;
    ok = ok && put(o, "past", past);
    for (size_t c = 0; ok && c < m->n_past; c++)
        ok = put(past, NULL, cJSON_CreateString(m->names[1 + c]));
    cJSON *fut = ok ? cJSON_CreateArray() : NULL;
    ok = ok && put(o, "future", fut);
    for (size_t c = 0; ok && c < m->n_future; c++)
        ok = put(fut, NULL, cJSON_CreateString(m->names[1 + m->n_past + c]));
    cJSON *sc = ok ? cJSON_CreateArray() : NULL;
    ok = ok && put(o, "scalers", sc);
    for (size_t c = 0; ok && c < mc_model_channels(m); c++) {
        cJSON *e = cJSON_CreateObject();
        ok = put(sc, NULL, e); /* owned by the array from here on */
        ok = ok && put(e, "mean", exact(m->scalers[c].mean));
        ok = ok && put(e, "scale", exact(m->scalers[c].scale));
    }
    return built(o, ok);
}

static cJSON *holidays_json(const mc_model *m)
{
    cJSON *a = cJSON_CreateArray();
    bool ok = a != NULL;
    for (size_t i = 0; ok && i < m->holidays.n; i++) {
        char text[40];
        mc_time_to_text(m->holidays.days[i] * 86400, 0, false, text, sizeof text);
        text[10] = '\0'; /* the date */
        ok = put(a, NULL, cJSON_CreateString(text));
    }
    return built(a, ok);
}

/* Member j's name of tensor t: member 0's are the table's ("feature.W"), so
   that a single model's file is as before; member j > 0's are prefixed
   ("member1.feature.W"). */
enum { MEMBER_NAME = 48 };

static void member_name(char out[MEMBER_NAME], size_t j, mc_tensor t)
{
    if (j == 0)
        snprintf(out, MEMBER_NAME, "%s", mc_tensor_name(t));
    else
        snprintf(out, MEMBER_NAME, "member%zu.%s", j, mc_tensor_name(t));
}

/* No wall-clock time goes into the file: the same seed must give the same bytes. */
static cJSON *record_json(const mc_model *m)
{
    const mc_train_record *r = &m->record;
    char first[40], last[40];
    mc_time_to_text(r->first_time, 0, false, first, sizeof first);
    mc_time_to_text(r->last_time, 0, false, last, sizeof last);
    char seed[32]; /* as text: a 64-bit seed does not fit a double */
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    ok = ok && put(o, "epochs", cJSON_CreateNumber((double)r->epochs));
    ok = ok && put(o, "best_epoch", cJSON_CreateNumber((double)r->best_epoch));
    ok = ok && put(o, "best_val_loss", exact(isfinite(r->best_val_loss) ? r->best_val_loss : -1));
    ok = ok && put(o, "last_train_loss", exact(r->last_train_loss));
    ok = ok && put(o, "train_origins", cJSON_CreateNumber((double)r->train_origins));
    ok = ok && put(o, "val_origins", cJSON_CreateNumber((double)r->val_origins));
    ok = ok && put(o, "first_time_utc", cJSON_CreateString(first));
    ok = ok && put(o, "last_time_utc", cJSON_CreateString(last));
    ok = ok && put(o, "first_time", cJSON_CreateNumber((double)r->first_time));
    ok = ok && put(o, "last_time", cJSON_CreateNumber((double)r->last_time));
    ok = ok && put(o, "seed", cJSON_CreateString(seed));
    /* the candidates' losses, where known (files before them lack them) */
    if (isfinite(r->network_val_loss))
        ok = ok && put(o, "network_val_loss", exact(r->network_val_loss));
    if (isfinite(r->linear_val_loss))
        ok = ok && put(o, "linear_val_loss", exact(r->linear_val_loss));
    if (isfinite(r->blend_val_loss)) {
        ok = ok && put(o, "blend_weight", exact(r->blend_weight));
        ok = ok && put(o, "blend_val_loss", exact(r->blend_val_loss));
    }
    return built(o, ok);
}

/* The prediction intervals' calibration: its errors are the tensor
   CALIBRATION_TENSOR (each step's kept errors end to end), their counts this
   metadata; absent when the model holds none (files before it lack both). */
#define CALIBRATION_TENSOR "calibration.errors"

static cJSON *calibration_json(const mc_model *m)
{
    const mc_calibration *c = &m->calibration;
    cJSON *o = cJSON_CreateObject(), *counts = cJSON_CreateArray();
    bool ok = put(o, "counts", counts);
    cJSON *kept = ok ? cJSON_CreateArray() : NULL;
    ok = ok && put(o, "kept", kept);
    for (size_t k = 0; ok && k < c->steps; k++)
        ok = put(counts, NULL, cJSON_CreateNumber((double)c->count[k])) &&
             put(kept, NULL, cJSON_CreateNumber((double)c->kept[k]));
    return built(o, ok);
}

/* Serialises the model; `path` NULL writes to a buffer instead. */
static mc_status save(const mc_model *m, const char *path, void **buf, size_t *size, mc_error *err)
{
    const bool calibrated = m->calibration.steps > 0;
    mc_st_entry *entries = mc_realloc_array(NULL, m->members * MC_T_COUNT + 1, sizeof *entries);
    char *names = mc_realloc_array(NULL, m->members, MC_T_COUNT * MEMBER_NAME);
    if (entries == NULL || names == NULL) {
        free(entries);
        free(names);
        return mc_error_nomem(err, "writing the model");
    }
    size_t n = 0;
    for (size_t j = 0; j < m->members; j++)
        for (int t = 0; t < MC_T_COUNT; t++) {
            size_t dims[2];
            const size_t ndim = mc_tensor_dims(&m->layout, (mc_tensor)t, dims);
            if (ndim == 0)
                continue;
            char *name = names + n * MEMBER_NAME;
            member_name(name, j, (mc_tensor)t);
            entries[n++] = (mc_st_entry){.name = name, .ndim = ndim, .shape = {dims[0], dims[1]},
                                         .data = m->params + j * m->layout.total +
                                                 m->layout.offset[t]};
        }
    if (calibrated)
        entries[n++] = (mc_st_entry){.name = CALIBRATION_TENSOR, .ndim = 1,
                                     .shape = {mc_calibration_total(&m->calibration)},
                                     .data = m->calibration.errors};
    const bool series = mc_series_meta_needed(m);
    const int n_parts = 6;
    cJSON *parts[6] = {config_json(m), channels_json(m), holidays_json(m), record_json(m),
                       calibrated ? calibration_json(m) : NULL,
                       series ? mc_series_meta_json(m) : NULL};
    const bool wanted[6] = {true, true, true, true, calibrated, series};
    char *text[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    mc_status st = MC_OK;
    for (int i = 0; i < n_parts; i++) {
        text[i] = parts[i] ? cJSON_PrintUnformatted(parts[i]) : NULL;
        cJSON_Delete(parts[i]);
        if (wanted[i] && text[i] == NULL)
            st = mc_error_nomem(err, "writing the model's metadata");
    }
    if (st == MC_OK) {
        mc_st_meta meta[8] = {{"format", FORMAT_NAME},
                              {"format_version",
                               series       ? FORMAT_VERSION_SERIES
                               : calibrated ? FORMAT_VERSION_CALIBRATED
                                            : FORMAT_VERSION},
                              {"config", text[0]},      {"channels", text[1]},
                              {"holidays", text[2]},    {"training", text[3]}};
        size_t n_meta = 6;
        if (calibrated)
            meta[n_meta++] = (mc_st_meta){"calibration", text[4]};
        if (series)
            meta[n_meta++] = (mc_st_meta){"series", text[5]};
        st = path != NULL ? mc_st_write_file(path, entries, n, meta, n_meta, err)
                          : mc_st_write_buffer(buf, size, entries, n, meta, n_meta, err);
    }
    for (int i = 0; i < n_parts; i++)
        cJSON_free(text[i]);
    free(entries);
    free(names);
    return st;
}

mc_status mc_model_save(const mc_model *m, const char *path, mc_error *err)
{
    return save(m, path, NULL, NULL, err);
}

mc_status mc_model_save_buffer(const mc_model *m, void **out, size_t *size, mc_error *err)
{
    *out = NULL;
    *size = 0;
    return save(m, NULL, out, size, err);
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct reader {
    const char *name; /* for messages */
    mc_error *err;
} reader;

static mc_status bad(const reader *r, const char *what)
{
    return mc_error_set(r->err, MC_ERR_FORMAT, 0, 0, "%s: %s", r->name, what);
}

static cJSON *parse_meta(const reader *r, const mc_st_file *f, const char *key, mc_status *st)
{
    const char *text = mc_st_metadata(f, key);
    cJSON *j = NULL;
    const mc_status parsed = text ? mc_json_parse(&j, text, false, NULL) : MC_ERR_FORMAT;
    if (parsed == MC_ERR_NOMEM) {
        *st = mc_error_nomem(r->err, "reading a model file's metadata");
    } else if (j == NULL) {
        char what[128];
        snprintf(what, sizeof what, "metadata \"%s\" is %s", key,
                 text ? "not valid JSON" : "missing");
        *st = bad(r, what);
    }
    return j;
}

/* The configuration into model options and a step; checked, not trusted. */
static mc_status read_config(const reader *r, const cJSON *c, mc_model_options *mo,
                             int64_t *step, size_t *past_ch, size_t *future_ch)
{
    char what[192];
    if (!mc_options_from_json(c, mo, past_ch, future_ch, step, what, sizeof what))
        return bad(r, what);
    if ((mo->loss.kind == MC_LOSS_PINBALL) != (mo->loss.n_quantiles > 0))
        return bad(r, "configuration \"quantiles\" must list the pinball loss's levels");
    return MC_OK;
}

/* Channel names (into `names`, borrowed from the JSON) and scalers. */
static mc_status read_channels(const reader *r, const cJSON *ch, const char **names,
                               size_t *n_past, size_t *n_future, mc_scaler *scalers)
{
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(ch, "target");
    const cJSON *past = cJSON_GetObjectItemCaseSensitive(ch, "past");
    const cJSON *fut = cJSON_GetObjectItemCaseSensitive(ch, "future");
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(ch, "scalers");
    if (!cJSON_IsString(target) || !cJSON_IsArray(past) || !cJSON_IsArray(fut) ||
        !cJSON_IsArray(sc))
        return bad(r, "metadata \"channels\" needs target, past, future and scalers");
    const int np = cJSON_GetArraySize(past), nf = cJSON_GetArraySize(fut);
    if (np > MC_MAX_COVARIATES || nf > MC_MAX_COVARIATES || cJSON_GetArraySize(sc) != 1 + np + nf)
        return bad(r, "metadata \"channels\" lists more covariates than allowed, or a scaler per "
                      "channel is missing");
    names[0] = target->valuestring;
    for (int i = 0; i < np + nf; i++) {
        const cJSON *e = cJSON_GetArrayItem(i < np ? past : fut, i < np ? i : i - np);
        if (!cJSON_IsString(e))
            return bad(r, "metadata \"channels\": channel names must be strings");
        names[1 + i] = e->valuestring;
    }
    for (int i = 0; i < 1 + np + nf; i++) {
        const cJSON *e = cJSON_GetArrayItem(sc, i);
        const cJSON *mean = cJSON_GetObjectItemCaseSensitive(e, "mean");
        const cJSON *scale = cJSON_GetObjectItemCaseSensitive(e, "scale");
        if (!cJSON_IsNumber(mean) || !cJSON_IsNumber(scale) || !isfinite(mean->valuedouble) ||
            !(scale->valuedouble > 0.0) || !isfinite(scale->valuedouble))
            return bad(r, "metadata \"channels\": every scaler needs a finite mean and a "
                          "positive scale");
        scalers[i] = (mc_scaler){mean->valuedouble, scale->valuedouble};
    }
    *n_past = (size_t)np;
    *n_future = (size_t)nf;
    return MC_OK;
}

/* The time column and zone, where the file records them (optional keys). */
static mc_status read_time(const reader *r, const cJSON *ch, mc_model *m)
{
    const cJSON *time = cJSON_GetObjectItemCaseSensitive(ch, "time");
    const cJSON *zone = cJSON_GetObjectItemCaseSensitive(ch, "time_zone");
    if ((time != NULL && !cJSON_IsString(time)) || (zone != NULL && !cJSON_IsString(zone)))
        return bad(r, "metadata \"channels\": \"time\" and \"time_zone\" must be strings");
    return mc_model_set_time(m, time ? time->valuestring : NULL, zone ? zone->valuestring : NULL,
                             r->err);
}

static mc_status read_holidays(const reader *r, const cJSON *h, mc_holidays *out)
{
    const int n = cJSON_IsArray(h) ? cJSON_GetArraySize(h) : -1;
    if (n < 0)
        return bad(r, "metadata \"holidays\" must be a list of dates");
    int64_t *days = malloc(((size_t)n + 1) * sizeof *days);
    if (days == NULL)
        return mc_error_nomem(r->err, "reading holidays");
    for (int i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(h, i);
        mc_time_value tv;
        if (!cJSON_IsString(e) ||
            mc_time_parse(e->valuestring, strlen(e->valuestring), MC_TIME_ISO, &tv) != NULL) {
            free(days);
            return bad(r, "metadata \"holidays\" holds something that is not a date");
        }
        days[i] = mc_time_days(tv.wall);
    }
    mc_status st = mc_holidays_from_days(out, days, (size_t)n, r->err);
    free(days);
    return st;
}

/* A whole number within +-1e15 (times in seconds fit), else 0. */
static int64_t whole_or_zero(const cJSON *v)
{
    if (!cJSON_IsNumber(v) || !(fabs(v->valuedouble) <= 1e15))
        return 0;
    return (int64_t)v->valuedouble;
}

/* The number at `key` of object t, or NAN (absent, or not a number). */
static double number_or_nan(const cJSON *t, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void read_record(const cJSON *t, mc_train_record *rec)
{
    /* The record informs; it is not needed to forecast, so gaps are zeros. */
    const struct { const char *key; size_t *out; } sizes[] = {
        {"epochs", &rec->epochs}, {"best_epoch", &rec->best_epoch},
        {"train_origins", &rec->train_origins}, {"val_origins", &rec->val_origins}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, sizes[i].key);
        *sizes[i].out = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15
                            ? (size_t)v->valuedouble : 0;
    }
    rec->best_val_loss = number_or_nan(t, "best_val_loss");
    rec->last_train_loss = number_or_nan(t, "last_train_loss");
    rec->network_val_loss = number_or_nan(t, "network_val_loss");
    rec->linear_val_loss = number_or_nan(t, "linear_val_loss");
    rec->blend_weight = number_or_nan(t, "blend_weight");
    rec->blend_val_loss = number_or_nan(t, "blend_val_loss");
    rec->first_time = whole_or_zero(cJSON_GetObjectItemCaseSensitive(t, "first_time"));
    rec->last_time = whole_or_zero(cJSON_GetObjectItemCaseSensitive(t, "last_time"));
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "seed");
    rec->seed = cJSON_IsString(v) ? strtoull(v->valuestring, NULL, 10) : 0;
}

/* "[3, 4]", "[7]" or "[]". */
static void shape_text(char *out, size_t size, const size_t *shape, size_t ndim)
{
    size_t used = (size_t)snprintf(out, size, "[");
    for (size_t d = 0; d < ndim && used < size; d++)
        used += (size_t)snprintf(out + used, size - used, "%s%zu", d ? ", " : "", shape[d]);
    if (used < size)
        snprintf(out + used, size - used, "]");
}

/* Every tensor the configuration implies, with its exact shape, and no other.
   Checked before the model is allocated, so a small file cannot make the
   loader allocate a huge one: every tensor the configuration implies must
   be in the file, whose size is bounded. */
static mc_status check_tensors(const reader *r, const mc_st_file *f, const mc_model_options *mo,
                               bool calibrated)
{
    mc_net_shape shape;
    mc_net_layout layout;
    mc_model_shape(mo, &shape);
    mc_error plan_err;
    if (mc_net_plan(&shape, 1, &layout, &plan_err) != MC_OK)
        return bad(r, plan_err.message);
    size_t expected = 0;
    const size_t members = mo->network.members > 1 ? mo->network.members : 1;
    for (size_t i = 0; i < members * MC_T_COUNT; i++) { /* member j's tensor t */
        const size_t j = i / MC_T_COUNT;
        const mc_tensor t = (mc_tensor)(i % MC_T_COUNT);
        size_t want[2];
        const size_t ndim = mc_tensor_dims(&layout, (mc_tensor)t, want);
        char name[MEMBER_NAME];
        member_name(name, j, (mc_tensor)t);
        const mc_st_tensor_info *info = mc_st_find(f, name);
        char what[256];
        if (ndim == 0) {
            if (info != NULL) {
                snprintf(what, sizeof what, "tensor \"%s\" is present but the configuration "
                                            "switches its part off", name);
                return bad(r, what);
            }
            continue;
        }
        expected++;
        if (info == NULL) {
            snprintf(what, sizeof what, "tensor \"%s\" is missing", name);
            return bad(r, what);
        }
        if (info->ndim != ndim || info->shape[0] != want[0] ||
            (ndim == 2 && info->shape[1] != want[1])) {
            char have[96], need[64];
            shape_text(have, sizeof have, info->shape, info->ndim);
            shape_text(need, sizeof need, want, ndim);
            snprintf(what, sizeof what,
                     "tensor \"%s\" has shape %s but the configuration needs %s", name, have,
                     need);
            return bad(r, what);
        }
    }
    if (mc_st_count(f) != expected + calibrated)
        return bad(r, calibrated ? "the file holds tensors the configuration does not use, or "
                                   "its calibration's errors are missing"
                                 : "the file holds tensors the configuration does not use");
    return MC_OK;
}

/* The values of the tensors check_tensors() accepted; all must be finite. */
static mc_status read_tensors(const reader *r, const mc_st_file *f, mc_model *m)
{
    for (size_t i = 0; i < m->members * MC_T_COUNT; i++) { /* member j's tensor t */
        const size_t j = i / MC_T_COUNT;
        const mc_tensor t = (mc_tensor)(i % MC_T_COUNT);
        const size_t n = mc_tensor_size(&m->layout, t);
        char name[MEMBER_NAME];
        member_name(name, j, t);
        if (n == 0)
            continue;
        float *p = m->params + j * m->layout.total + m->layout.offset[t];
        mc_status st = mc_st_read_f32(f, name, p, n, r->err);
        if (st != MC_OK)
            return st;
        for (size_t v = 0; v < n; v++)
            if (!isfinite(p[v])) {
                char what[160];
                snprintf(what, sizeof what, "tensor \"%s\" holds a value that is not finite",
                         name);
                return bad(r, what);
            }
    }
    return MC_OK;
}

/* A whole number in [0, limit] at index i of array a, or SIZE_MAX. */
static size_t count_at(const cJSON *a, int i, size_t limit)
{
    const cJSON *v = cJSON_GetArrayItem(a, i);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0.0 && v->valuedouble <= (double)limit) ||
        v->valuedouble != floor(v->valuedouble))
        return SIZE_MAX;
    return (size_t)v->valuedouble;
}

/* The calibration's counts (checked against the horizon and the tensor's
   size before anything is allocated), then its errors. */
static mc_status read_calibration(const reader *r, const mc_st_file *f, const cJSON *j,
                                  size_t H, mc_calibration *out)
{
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(j, "counts");
    const cJSON *kept = cJSON_GetObjectItemCaseSensitive(j, "kept");
    const mc_st_tensor_info *info = mc_st_find(f, CALIBRATION_TENSOR);
    if (!cJSON_IsArray(counts) || !cJSON_IsArray(kept) ||
        (size_t)cJSON_GetArraySize(counts) != H || (size_t)cJSON_GetArraySize(kept) != H)
        return bad(r, "metadata \"calibration\" needs counts and kept, one per horizon step");
    size_t total = 0;
    for (size_t k = 0; k < H; k++) {
        const size_t K = count_at(kept, (int)k, MC_CALIBRATION_KEEP);
        if (K == SIZE_MAX || count_at(counts, (int)k, (size_t)1 << 40) == SIZE_MAX)
            return bad(r, "metadata \"calibration\" holds a count that is not a whole number "
                          "in range");
        total += K;
    }
    if (info == NULL || info->ndim != 1 || info->shape[0] != total)
        return bad(r, "tensor \"" CALIBRATION_TENSOR "\" is missing or does not hold the "
                      "errors its metadata counts");
    mc_calibration c = {0};
    c.count = mc_realloc_array(NULL, H, sizeof *c.count);
    c.kept = mc_realloc_array(NULL, H, sizeof *c.kept);
    c.errors = mc_realloc_array(NULL, total ? total : 1, sizeof *c.errors);
    c.steps = H;
    mc_status st = c.count && c.kept && c.errors ? MC_OK
                                                 : mc_error_nomem(r->err, "reading the calibration");
    for (size_t k = 0; st == MC_OK && k < H; k++) {
        c.count[k] = count_at(counts, (int)k, (size_t)1 << 40);
        c.kept[k] = count_at(kept, (int)k, MC_CALIBRATION_KEEP);
    }
    if (st == MC_OK)
        st = mc_st_read_f32(f, CALIBRATION_TENSOR, c.errors, total, r->err);
    mc_error why;
    if (st == MC_OK && mc_calibration_check(&c, &why) != MC_OK) {
        char what[MC_ERROR_MESSAGE_SIZE + 32];
        snprintf(what, sizeof what, "calibration: %s", why.message);
        st = bad(r, what);
    }
    if (st != MC_OK) {
        mc_calibration_free(&c);
        return st;
    }
    *out = c;
    return MC_OK;
}

static mc_status from_file(mc_model **out, const mc_st_file *f, const char *name, mc_error *err)
{
    reader r = {name, err};
    mc_status st = MC_OK;
    const char *format = mc_st_metadata(f, "format");
    const char *version = mc_st_metadata(f, "format_version");
    if (format == NULL || strcmp(format, FORMAT_NAME) != 0)
        return bad(&r, "not a maskcast model (metadata \"format\" is not \"" FORMAT_NAME "\")");
    if (version == NULL ||
        (strcmp(version, FORMAT_VERSION) != 0 && strcmp(version, FORMAT_VERSION_CALIBRATED) != 0 &&
         strcmp(version, FORMAT_VERSION_SERIES) != 0))
        return bad(&r, "a model file format version this maskcast does not read");
    cJSON *config = parse_meta(&r, f, "config", &st);
    cJSON *channels = st == MC_OK ? parse_meta(&r, f, "channels", &st) : NULL;
    cJSON *holidays = st == MC_OK ? parse_meta(&r, f, "holidays", &st) : NULL;
    cJSON *training = st == MC_OK ? parse_meta(&r, f, "training", &st) : NULL;
    const bool calibrated = mc_st_metadata(f, "calibration") != NULL;
    cJSON *calibration = st == MC_OK && calibrated ? parse_meta(&r, f, "calibration", &st) : NULL;
    const bool series = mc_st_metadata(f, "series") != NULL;
    cJSON *series_meta = st == MC_OK && series ? parse_meta(&r, f, "series", &st) : NULL;
    mc_model_options mo;
    int64_t step = 0;
    size_t past_ch = 0, future_ch = 0, n_past = 0, n_future = 0;
    const char *names[1 + 2 * MC_MAX_COVARIATES];
    mc_scaler scalers[1 + 2 * MC_MAX_COVARIATES];
    mc_holidays hol = {NULL, 0};
    mc_model *m = NULL;
    if (st == MC_OK)
        st = read_config(&r, config, &mo, &step, &past_ch, &future_ch);
    if (st == MC_OK)
        st = read_channels(&r, channels, names, &n_past, &n_future, scalers);
    if (st == MC_OK && (past_ch != 1 + n_past ||
                        future_ch != (mo.features.calendar ? MC_CALENDAR_CHANNELS : 0) + n_future))
        st = bad(&r, "the channel counts in the configuration disagree with the channel names");
    if (st == MC_OK)
        st = read_holidays(&r, holidays, &hol);
    if (st == MC_OK) {
        mo.features.past = names + 1;
        mo.features.n_past = n_past;
        mo.features.future = names + 1 + n_past;
        mo.features.n_future = n_future;
        st = check_tensors(&r, f, &mo, calibrated);
    }
    if (st == MC_OK) {
        st = mc_model_create(&m, &mo, step, names[0], &hol, err);
        if (st != MC_OK && st != MC_ERR_NOMEM) { /* a configuration the model cannot take */
            char why[MC_ERROR_MESSAGE_SIZE];
            snprintf(why, sizeof why, "%s", err != NULL ? err->message : "");
            st = mc_error_set(err, MC_ERR_FORMAT, 0, 0, "%s: %s", name, why);
        }
    }
    if (st == MC_OK)
        st = read_time(&r, channels, m);
    if (st == MC_OK) {
        memcpy(m->scalers, scalers, mc_model_channels(m) * sizeof *scalers);
        read_record(training, &m->record);
        st = read_tensors(&r, f, m);
    }
    if (st == MC_OK && calibrated)
        st = read_calibration(&r, f, calibration, mo.window.horizon, &m->calibration);
    if (st == MC_OK && series)
        st = mc_series_meta_read(m, series_meta, name, err);
    mc_holidays_free(&hol);
    cJSON_Delete(series_meta);
    cJSON_Delete(config);
    cJSON_Delete(channels);
    cJSON_Delete(holidays);
    cJSON_Delete(training);
    cJSON_Delete(calibration);
    if (st != MC_OK) {
        mc_model_free(m);
        return st;
    }
    *out = m;
    return MC_OK;
}

mc_status mc_model_load(mc_model **out, const char *path, mc_error *err)
{
    *out = NULL;
    mc_st_file *f = NULL;
    mc_status st = mc_st_load(&f, path, err);
    if (st == MC_OK)
        st = from_file(out, f, path, err);
    mc_st_free(f);
    return st;
}

mc_status mc_model_load_buffer(mc_model **out, const void *data, size_t size, const char *name,
                               mc_error *err)
{
    *out = NULL;
    mc_st_file *f = NULL;
    const char *label = name ? name : "(model buffer)";
    mc_status st = mc_st_parse(&f, data, size, label, err);
    if (st == MC_OK)
        st = from_file(out, f, label, err);
    mc_st_free(f);
    return st;
}
