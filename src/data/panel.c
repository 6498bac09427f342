/* Panels of many series: building, the name index, regularising, accessors. */
#include "data/panel_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/csv_build.h"

char *mc_panel_copy_text(const char *s)
{
    const size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c != NULL)
        memcpy(c, s, n);
    return c;
}

mc_panel *mc_panel_alloc(void)
{
    return calloc(1, sizeof(mc_panel));
}

void mc_panel_free(mc_panel *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->names[i]);
        mc_frame_free(p->frames[i]);
    }
    for (size_t j = 0; j < p->n_static; j++)
        free(p->static_names[j]);
    free(p->names);
    free(p->frames);
    free(p->slots);
    free(p->static_names);
    free(p->static_values);
    free(p);
}

static uint64_t hash_name(const char *s, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * UINT64_C(0x100000001b3);
    return h;
}

/* The slot where `name` is, or the empty slot where it would go. */
static size_t find_slot(const size_t *slots, size_t n_slots, char *const *names, const char *name,
                        size_t len)
{
    size_t k = (size_t)hash_name(name, len) & (n_slots - 1);
    while (slots[k] != 0) {
        const char *other = names[slots[k] - 1];
        if (strncmp(other, name, len) == 0 && other[len] == '\0')
            return k;
        k = (k + 1) & (n_slots - 1);
    }
    return k;
}

size_t mc_panel_lookup(const mc_panel *p, const char *name, size_t len)
{
    if (p->n_slots == 0)
        return SIZE_MAX;
    const size_t k = find_slot(p->slots, p->n_slots, p->names, name, len);
    return p->slots[k] != 0 ? p->slots[k] - 1 : SIZE_MAX;
}

/* Rebuilds the index for p->n series in at least `want` slots. */
static bool reindex(mc_panel *p, size_t want)
{
    size_t n_slots = 16;
    while (n_slots < want)
        if (!mc_size_mul(n_slots, 2, &n_slots))
            return false;
    size_t *slots = calloc(n_slots, sizeof *slots);
    if (slots == NULL)
        return false;
    for (size_t i = 0; i < p->n; i++)
        slots[find_slot(slots, n_slots, p->names, p->names[i], strlen(p->names[i]))] = i + 1;
    free(p->slots);
    p->slots = slots;
    p->n_slots = n_slots;
    return true;
}

bool mc_panel_append(mc_panel *p, const char *name, size_t len, mc_frame *frame)
{
    if (p->n == p->capacity) {
        const size_t cap = p->capacity ? p->capacity * 2 : 8;
        char **names = mc_realloc_array(p->names, cap, sizeof *names);
        if (names == NULL)
            return false;
        p->names = names;
        mc_frame **frames = mc_realloc_array(p->frames, cap, sizeof *frames);
        if (frames == NULL)
            return false;
        p->frames = frames;
        p->capacity = cap;
    }
    size_t want;
    if (!mc_size_mul(p->n + 1, 2, &want) || (want > p->n_slots && !reindex(p, want)))
        return false;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return false;
    memcpy(copy, name, len);
    copy[len] = '\0';
    p->names[p->n] = copy;
    p->frames[p->n] = frame;
    p->slots[find_slot(p->slots, p->n_slots, p->names, copy, len)] = p->n + 1;
    p->n++;
    return true;
}

mc_status mc_panel_from_frames(mc_panel **out, mc_frame **frames, const char *const *names,
                               size_t n, mc_error *err)
{
    mc_status st = MC_OK;
    mc_panel *p = NULL;
    if (out != NULL)
        *out = NULL;
    if (out == NULL || frames == NULL || names == NULL) {
        st = mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "a panel needs frames, names and a result");
    } else if (n == 0) {
        st = mc_error_set(err, MC_ERR_EMPTY, 0, 0, "a panel needs at least one series");
    } else if ((p = mc_panel_alloc()) == NULL) {
        st = mc_error_nomem(err, "creating a panel");
    }
    size_t taken = 0; /* frames the panel owns */
    for (; st == MC_OK && taken < n; taken++) {
        char q[MC_ERROR_NAME_SIZE];
        if (frames[taken] == NULL || names[taken] == NULL || names[taken][0] == '\0') {
            st = mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                              "series %zu: %s", taken + 1,
                              frames[taken] == NULL ? "the frame is NULL"
                              : names[taken] == NULL ? "the name is NULL" : "the name is empty");
        } else if (mc_panel_lookup(p, names[taken], strlen(names[taken])) != SIZE_MAX) {
            st = mc_error_set(err, MC_ERR_DUPLICATE, 0, 0, "series %zu: the name \"%s\" is also "
                              "series %zu's", taken + 1, mc_error_name(q, names[taken]),
                              mc_panel_lookup(p, names[taken], strlen(names[taken])) + 1);
        } else if (!mc_panel_append(p, names[taken], strlen(names[taken]), frames[taken])) {
            st = mc_error_nomem(err, "creating a panel");
        }
        if (st != MC_OK)
            break;
    }
    if (st != MC_OK) {
        for (size_t i = frames != NULL ? taken : n; i < n; i++)
            mc_frame_free(frames[i]);
        mc_panel_free(p);
        return st;
    }
    *out = p;
    if (err != NULL)
        mc_error_clear(err);
    return MC_OK;
}

/* Prefixes err's message with the series, keeping its code and position. */
static mc_status name_series(const mc_panel *p, size_t i, mc_status st, mc_error *err)
{
    if (err == NULL)
        return st;
    char message[MC_ERROR_MESSAGE_SIZE], q[MC_ERROR_NAME_SIZE];
    memcpy(message, err->message, sizeof message);
    message[sizeof message - 1] = '\0';
    return mc_error_set(err, st, err->line, err->column, "series \"%s\": %s",
                        mc_error_name(q, p->names[i]), message);
}

/* "15 min", "1 h", "1 d", else seconds: the step in a message. */
static void step_text(char *out, size_t size, int64_t step)
{
    if (step % 86400 == 0)
        snprintf(out, size, "%lld d", (long long)(step / 86400));
    else if (step % 3600 == 0)
        snprintf(out, size, "%lld h", (long long)(step / 3600));
    else if (step % 60 == 0)
        snprintf(out, size, "%lld min", (long long)(step / 60));
    else
        snprintf(out, size, "%lld s", (long long)step);
}

mc_status mc_panel_regularize(mc_panel *p, const mc_regularize_options *opt, mc_error *err)
{
    for (size_t i = 0; i < p->n; i++) {
        mc_status st = mc_frame_regularize(p->frames[i], opt, err);
        if (st != MC_OK)
            return name_series(p, i, st, err);
        const int64_t s0 = mc_frame_step(p->frames[0]), si = mc_frame_step(p->frames[i]);
        if (si != s0) {
            char a[32], b[32], q0[MC_ERROR_NAME_SIZE], qi[MC_ERROR_NAME_SIZE];
            step_text(a, sizeof a, s0);
            step_text(b, sizeof b, si);
            return mc_error_set(err, MC_ERR_GRID, 0, 0,
                                "series \"%s\" has a step of %s but series \"%s\" one of %s; "
                                "the series of a panel need one step (give the finer ones on "
                                "the coarser step first)",
                                mc_error_name(q0, p->names[0]), a, mc_error_name(qi, p->names[i]),
                                b);
        }
    }
    if (err != NULL)
        mc_error_clear(err);
    return MC_OK;
}

mc_status mc_panel_set_time_zone(mc_panel *p, const char *zone, const char *zone_dir,
                                 mc_error *err)
{
    for (size_t i = 0; i < p->n; i++) {
        mc_status st = mc_frame_set_time_zone(p->frames[i], zone, zone_dir, err);
        if (st != MC_OK)
            return name_series(p, i, st, err);
    }
    if (err != NULL)
        mc_error_clear(err);
    return MC_OK;
}

mc_status mc_panel_keep_only(mc_panel *p, const char *name, mc_error *err)
{
    const size_t keep = mc_panel_lookup(p, name, strlen(name));
    if (keep == SIZE_MAX) {
        char listed[400], q[MC_ERROR_NAME_SIZE];
        mc_csv_list_names(listed, sizeof listed, (const char *const *)p->names, p->n);
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "no series named \"%s\"; the series are %s",
                            mc_error_name(q, name), listed);
    }
    for (size_t i = 0; i < p->n; i++)
        if (i != keep) {
            free(p->names[i]);
            mc_frame_free(p->frames[i]);
        }
    p->names[0] = p->names[keep];
    p->frames[0] = p->frames[keep];
    for (size_t j = 0; j < p->n_static; j++)
        p->static_values[j] = p->static_values[j * p->n + keep];
    p->n = 1;
    /* One series fits any index: clear it and put the one back. */
    memset(p->slots, 0, p->n_slots * sizeof *p->slots);
    p->slots[find_slot(p->slots, p->n_slots, p->names, p->names[0], strlen(p->names[0]))] = 1;
    if (err != NULL)
        mc_error_clear(err);
    return MC_OK;
}

size_t mc_panel_series(const mc_panel *p) { return p->n; }

const char *mc_panel_series_name(const mc_panel *p, size_t i)
{
    return i < p->n ? p->names[i] : NULL;
}

const mc_frame *mc_panel_frame(const mc_panel *p, size_t i)
{
    return i < p->n ? p->frames[i] : NULL;
}

mc_frame *mc_panel_frame_mutable(mc_panel *p, size_t i)
{
    return i < p->n ? p->frames[i] : NULL;
}

size_t mc_panel_find(const mc_panel *p, const char *name)
{
    return mc_panel_lookup(p, name, strlen(name));
}

size_t mc_panel_static_count(const mc_panel *p) { return p->n_static; }

const char *mc_panel_static_name(const mc_panel *p, size_t j)
{
    return j < p->n_static ? p->static_names[j] : NULL;
}

double mc_panel_static_value(const mc_panel *p, size_t j, size_t i)
{
    return j < p->n_static && i < p->n ? p->static_values[j * p->n + i] : NAN;
}
