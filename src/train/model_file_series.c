/*
 * The metadata "series":
 *   {"constants": [null, ..., 1, 0.5],            a series view's (optional)
 *    "series": [{"name": "AEP", "scalers": [[mean, scale], ...],
 *                "constants": [null, ..., 1, 0.5]}, ...]}   a global model's
 * one entry per channel, null where the channel is read from data. Numbers
 * are written with 17 digits so that they read back exactly.
 */
#include "train/model_file_series.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "io/json.h"

bool mc_series_meta_needed(const mc_model *m) { return m->series.n > 0 || m->constants != NULL; }

/* null where the channel is read from data */
static cJSON *number(double v) { return mc_json_exact(v, true); }

static cJSON *constants_json(const double *row, size_t C)
{
    cJSON *a = cJSON_CreateArray();
    bool ok = a != NULL;
    for (size_t c = 0; ok && c < C; c++)
        ok = mc_json_put(a, NULL, number(row[c]));
    if (!ok) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

cJSON *mc_series_meta_json(const mc_model *m)
{
    const size_t C = mc_model_channels(m);
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    if (ok && m->constants != NULL)
        ok = mc_json_put(o, "constants", constants_json(m->constants, C));
    cJSON *list = ok ? cJSON_CreateArray() : NULL;
    ok = ok && mc_json_put(o, "series", list);
    for (size_t i = 0; ok && i < m->series.n; i++) {
        cJSON *e = cJSON_CreateObject();
        ok = mc_json_put(list, NULL, e) && mc_json_put(e, "name", cJSON_CreateString(m->series.names[i]));
        cJSON *sc = ok ? cJSON_CreateArray() : NULL;
        ok = ok && mc_json_put(e, "scalers", sc);
        for (size_t c = 0; ok && c < C; c++) {
            const mc_scaler s = m->series.scalers[i * C + c];
            cJSON *pair = cJSON_CreateArray();
            ok = mc_json_put(sc, NULL, pair) && mc_json_put(pair, NULL, number(s.mean)) &&
                 mc_json_put(pair, NULL, number(s.scale));
        }
        ok = ok && mc_json_put(e, "constants", constants_json(m->series.constants + i * C, C));
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static mc_status bad(const char *name, const char *what, mc_error *err)
{
    return mc_error_set(err, MC_ERR_FORMAT, 0, 0, "%s: metadata \"series\": %s", name, what);
}

/* A row of C constants: null, or a finite number on a known-future channel. */
static bool read_constants(const cJSON *a, const mc_model *m, double *row)
{
    const size_t C = mc_model_channels(m);
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != C)
        return false;
    for (size_t c = 0; c < C; c++) {
        const cJSON *e = cJSON_GetArrayItem(a, (int)c);
        if (cJSON_IsNull(e)) {
            row[c] = NAN;
            continue;
        }
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) || c < 1 + m->n_past)
            return false;
        row[c] = e->valuedouble;
    }
    return true;
}

static bool read_scalers(const cJSON *a, size_t C, mc_scaler *row)
{
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != C)
        return false;
    for (size_t c = 0; c < C; c++) {
        const cJSON *pair = cJSON_GetArrayItem(a, (int)c);
        const cJSON *mean = cJSON_GetArrayItem(pair, 0), *scale = cJSON_GetArrayItem(pair, 1);
        if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsNumber(mean) ||
            !cJSON_IsNumber(scale) || !isfinite(mean->valuedouble) ||
            !(scale->valuedouble > 0.0) || !isfinite(scale->valuedouble))
            return false;
        row[c] = (mc_scaler){mean->valuedouble, scale->valuedouble};
    }
    return true;
}

static mc_status read_table(mc_model *m, const cJSON *list, const char *name, mc_error *err)
{
    const size_t C = mc_model_channels(m);
    const int n = cJSON_GetArraySize(list);
    if (n == 0)
        return MC_OK;
    mc_series_table t = {.n = (size_t)n};
    t.names = calloc((size_t)n, sizeof *t.names);
    t.scalers = mc_realloc_array(NULL, (size_t)n, C * sizeof *t.scalers);
    t.constants = mc_realloc_array(NULL, (size_t)n, C * sizeof *t.constants);
    mc_status st = t.names && t.scalers && t.constants ? MC_OK
                                                       : mc_error_nomem(err, "reading the series");
    for (int i = 0; st == MC_OK && i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(list, i);
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
        if (!cJSON_IsString(nm) || nm->valuestring[0] == '\0')
            st = bad(name, "every series needs a name", err);
        else if (!read_scalers(cJSON_GetObjectItemCaseSensitive(e, "scalers"), C,
                               t.scalers + (size_t)i * C))
            st = bad(name, "every series needs a finite mean and a positive scale per channel",
                     err);
        else if (!read_constants(cJSON_GetObjectItemCaseSensitive(e, "constants"), m,
                                 t.constants + (size_t)i * C))
            st = bad(name, "a series' constants must be null or finite numbers on known-future "
                           "channels, one per channel",
                     err);
        else if ((t.names[i] = mc_string_copy(nm->valuestring)) == NULL)
            st = mc_error_nomem(err, "reading the series");
        for (int k = 0; st == MC_OK && k < i; k++)
            if (strcmp(t.names[k], t.names[i]) == 0)
                st = bad(name, "a series is named twice", err);
    }
    if (st != MC_OK) {
        mc_series_table_free(&t);
        return st;
    }
    m->series = t;
    return MC_OK;
}

mc_status mc_series_meta_read(mc_model *m, const cJSON *j, const char *name, mc_error *err)
{
    const cJSON *constants = cJSON_GetObjectItemCaseSensitive(j, "constants");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "series");
    if (!cJSON_IsObject(j) || !cJSON_IsArray(list))
        return bad(name, "needs a list \"series\"", err);
    if (constants != NULL) {
        const size_t C = mc_model_channels(m);
        m->constants = mc_realloc_array(NULL, C, sizeof *m->constants);
        if (m->constants == NULL)
            return mc_error_nomem(err, "reading the series");
        if (!read_constants(constants, m, m->constants))
            return bad(name, "\"constants\" must be null or finite numbers on known-future "
                             "channels, one per channel",
                       err);
    }
    return read_table(m, list, name, err);
}
