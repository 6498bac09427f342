#include "data/frame_internal.h"
#include "data/frame_lookup.h"

#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"

mc_frame *mc_frame_alloc(const char *source, const char *time_name, const char *const *names,
                         size_t n_columns)
{
    mc_frame *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->n_columns = n_columns;
    f->source = mc_string_copy(source);
    f->time_name = mc_string_copy(time_name);
    f->names = calloc(n_columns ? n_columns : 1, sizeof *f->names);
    f->values = calloc(n_columns ? n_columns : 1, sizeof *f->values);
    f->states = calloc(n_columns ? n_columns : 1, sizeof *f->states);
    f->column_reports = calloc(n_columns ? n_columns : 1, sizeof *f->column_reports);
    if (f->source == NULL || f->time_name == NULL || f->names == NULL || f->values == NULL ||
        f->states == NULL || f->column_reports == NULL) {
        mc_frame_free(f);
        return NULL;
    }
    for (size_t j = 0; j < n_columns; j++) {
        if ((f->names[j] = mc_string_copy(names[j])) == NULL) {
            mc_frame_free(f);
            return NULL;
        }
    }
    f->report.was_sorted = true;
    return f;
}

void mc_frame_free(mc_frame *f)
{
    if (f == NULL)
        return;
    for (size_t j = 0; j < f->n_columns; j++) {
        if (f->names != NULL)
            free(f->names[j]);
        if (f->values != NULL)
            free(f->values[j]);
        if (f->states != NULL)
            free(f->states[j]);
    }
    free(f->names);
    free(f->values);
    free(f->states);
    free(f->column_reports);
    free(f->time);
    free(f->offset);
    free(f->row_flags);
    free(f->marks);
    free(f->source);
    free(f->time_name);
    mc_tz_free(f->zone);
    free(f);
}

mc_status mc_frame_slice(mc_frame **out, const mc_frame *f, size_t first, size_t rows,
                         mc_error *err)
{
    if (out == NULL || f == NULL || !f->regularized || rows == 0 || first > f->rows ||
        rows > f->rows - first) {
        if (out != NULL)
            *out = NULL;
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a slice needs a regularised frame and rows inside it");
    }
    *out = NULL;
    mc_frame *s = mc_frame_alloc(f->source, f->time_name, (const char *const *)f->names,
                                 f->n_columns);
    if (s == NULL || !mc_frame_reserve(s, rows) ||
        (s->row_flags = malloc(rows)) == NULL ||
        (f->zone != NULL && mc_tz_clone(&s->zone, f->zone, NULL) != MC_OK)) {
        mc_frame_free(s);
        return mc_error_nomem(err, "slicing a frame");
    }
    memcpy(s->time, f->time + first, rows * sizeof *s->time);
    memcpy(s->offset, f->offset + first, rows * sizeof *s->offset);
    memcpy(s->row_flags, f->row_flags + first, rows);
    for (size_t j = 0; j < f->n_columns; j++) {
        memcpy(s->values[j], f->values[j] + first, rows * sizeof **s->values);
        memcpy(s->states[j], f->states[j] + first, rows * sizeof **s->states);
        s->column_reports[j] = f->column_reports[j];
    }
    s->rows = rows;
    s->step = f->step;
    s->regularized = true;
    s->report = f->report;
    *out = s;
    return MC_OK;
}

/* Reallocates every per-row array to `cap` rows; on failure the frame stays valid. */
static bool resize_arrays(mc_frame *f, size_t cap)
{
    int64_t *t = mc_realloc_array(f->time, cap, sizeof *t);
    if (t == NULL)
        return false;
    f->time = t;
    int16_t *o = mc_realloc_array(f->offset, cap, sizeof *o);
    if (o == NULL)
        return false;
    f->offset = o;
    if (f->row_flags != NULL) {
        uint8_t *r = mc_realloc_array(f->row_flags, cap, sizeof *r);
        if (r == NULL)
            return false;
        f->row_flags = r;
    }
    for (size_t j = 0; j < f->n_columns; j++) {
        double *v = mc_realloc_array(f->values[j], cap, sizeof *v);
        if (v == NULL)
            return false;
        f->values[j] = v;
        uint8_t *s = mc_realloc_array(f->states[j], cap, sizeof *s);
        if (s == NULL)
            return false;
        f->states[j] = s;
    }
    return true;
}

bool mc_frame_reserve(mc_frame *f, size_t rows)
{
    if (rows <= f->capacity)
        return true;
    /* Growth by 1.5: large blocks are remapped by realloc, and pages not yet
       written cost no memory, so the peak stays close to the data. */
    size_t cap = f->capacity < 1024 ? 1024 : f->capacity + f->capacity / 2;
    if (cap < rows)
        cap = rows;
    if (!resize_arrays(f, cap))
        return false;
    f->capacity = cap;
    return true;
}

void mc_frame_shrink(mc_frame *f, size_t rows)
{
    f->rows = rows;
    if (rows >= f->capacity)
        return;
    /* Even a partly failed shrink leaves every array at least this long (a
       failed realloc keeps its block), so this capacity is always true. */
    (void)resize_arrays(f, rows ? rows : 1);
    f->capacity = rows ? rows : 1;
}

bool mc_frame_find_column(const mc_frame *f, const char *name, size_t *out)
{
    for (size_t j = 0; f != NULL && j < f->n_columns; j++)
        if (strcmp(f->names[j], name) == 0) {
            *out = j;
            return true;
        }
    return false;
}

int64_t mc_frame_wall_time(const mc_frame *f, size_t row)
{
    return f->time[row] + 60 * (int64_t)f->offset[row];
}

int mc_frame_offset_at(const mc_frame *f, int64_t t)
{
    if (f->zone != NULL) /* whole minutes wherever the frame's rows can be */
        return (int)(mc_tz_offset(f->zone, t) / 60);
    return f->rows > 0 ? f->offset[f->rows - 1] : 0;
}

size_t mc_frame_line_of(const mc_frame *f, size_t row)
{
    /* The last mark at or before `row`. */
    size_t lo = 0, hi = f->n_marks;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->marks[mid].row <= row)
            lo = mid;
        else
            hi = mid;
    }
    if (f->n_marks == 0 || f->marks[lo].row > row)
        return 0;
    return f->marks[lo].line + (row - f->marks[lo].row);
}

bool mc_frame_mark_line(mc_frame *f, size_t row, size_t line)
{
    if (f->n_marks > 0) {
        const mc_line_mark *last = &f->marks[f->n_marks - 1];
        if (last->line + (row - last->row) == line)
            return true;
    }
    if (f->n_marks == f->marks_cap) {
        size_t cap = f->marks_cap ? f->marks_cap * 2 : 16;
        mc_line_mark *m = mc_realloc_array(f->marks, cap, sizeof *m);
        if (m == NULL)
            return false;
        f->marks = m;
        f->marks_cap = cap;
    }
    f->marks[f->n_marks++] = (mc_line_mark){row, line};
    return true;
}

size_t mc_frame_rows(const mc_frame *f) { return f->rows; }
size_t mc_frame_columns(const mc_frame *f) { return f->n_columns; }
const char *mc_frame_time_name(const mc_frame *f) { return f->time_name; }
const char *mc_frame_time_zone(const mc_frame *f) { return f->zone ? mc_tz_name(f->zone) : NULL; }
const int64_t *mc_frame_times(const mc_frame *f) { return f->time; }
const int16_t *mc_frame_utc_offsets(const mc_frame *f) { return f->offset; }
int64_t mc_frame_step(const mc_frame *f) { return f->step; }
const uint8_t *mc_frame_row_flags(const mc_frame *f)
{
    return f->regularized ? f->row_flags : NULL;
}
const mc_frame_report *mc_frame_get_report(const mc_frame *f) { return &f->report; }

const char *mc_frame_column_name(const mc_frame *f, size_t j)
{
    return j < f->n_columns ? f->names[j] : NULL;
}

const double *mc_frame_values(const mc_frame *f, size_t j)
{
    return j < f->n_columns ? f->values[j] : NULL;
}

const uint8_t *mc_frame_states(const mc_frame *f, size_t j)
{
    return j < f->n_columns ? f->states[j] : NULL;
}

const mc_column_report *mc_frame_column_report(const mc_frame *f, size_t j)
{
    return j < f->n_columns ? &f->column_reports[j] : NULL;
}
