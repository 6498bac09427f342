/* A frame's time zone: offsets from the zone database, and naive local
   timestamps turned into instants. */
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/frame_internal.h"
#include "data/timestamp.h"
#include "data/tzfile.h"

/* A row whose wall-clock time the clocks showed twice. */
typedef struct repeat_row {
    int64_t wall;
    size_t row;
} repeat_row;

static int compare_repeat(const void *a, const void *b)
{
    const repeat_row *x = a, *y = b;
    if (x->wall != y->wall)
        return x->wall < y->wall ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* "HH:MM" of a wall-clock time. */
static void clock_text(int64_t wall, char *out, size_t size)
{
    char full[40];
    mc_time_to_text(wall, 0, false, full, sizeof full);
    snprintf(out, size, "%.5s", full + 11);
}

static mc_status refuse_hole(const mc_frame *f, const mc_tz *tz, size_t row, mc_error *err)
{
    char when[40], from[8] = "?", to[8] = "?", q[MC_ERROR_NAME_SIZE];
    const int64_t wall = f->time[row];
    int64_t before = 0, after = 0;
    mc_time_to_text(wall, 0, false, when, sizeof when);
    if (mc_tz_hole(tz, wall, &before, &after)) {
        clock_text(before, from, sizeof from);
        clock_text(after, to, sizeof to);
    }
    const size_t line = mc_frame_line_of(f, row);
    return mc_error_set(err, MC_ERR_TIME, line, 0,
                        "%s: line %zu: %s does not exist in %s: the clocks went from %s to %s "
                        "(daylight saving time began); remove the row, or the data are not "
                        "in this zone's local time",
                        f->source, line, when, mc_error_name(q, mc_tz_name(tz)), from, to);
}

/* Frames keep offsets in minutes; before standard time a zone may have
   kept local mean time, some seconds off any minute. */
static mc_status whole_minutes(const mc_frame *f, const mc_tz *tz, size_t row, int64_t t,
                               int32_t off, mc_error *err)
{
    if (off % 60 == 0)
        return MC_OK;
    char when[40], q[MC_ERROR_NAME_SIZE];
    mc_time_to_text(t, 0, false, when, sizeof when);
    const size_t line = mc_frame_line_of(f, row);
    return mc_error_set(err, MC_ERR_TIME, line, 0,
                        "%s: line %zu: at %s UTC, %s kept local mean time (UTC%+d s), not a "
                        "whole number of minutes from UTC, which maskcast cannot hold",
                        f->source, line, when, mc_error_name(q, mc_tz_name(tz)), (int)off);
}

/* The instants of naive wall-clock rows into `times`: the one instant of an
   ordinary time; in a repeat, the earlier instant for the first row (in file
   order) showing that time and the later for the rows after it. */
static mc_status naive_instants(const mc_frame *f, const mc_tz *tz, int64_t *times, mc_error *err)
{
    repeat_row *rep = NULL;
    size_t n_rep = 0, cap = 0;
    mc_status st = MC_OK;
    for (size_t i = 0; i < f->rows && st == MC_OK; i++) {
        int64_t t[2];
        const size_t n = mc_tz_instants(tz, f->time[i], t);
        if (n == 0) {
            st = refuse_hole(f, tz, i, err);
            break;
        }
        times[i] = t[0];
        if (n == 1)
            continue;
        if (n_rep == cap) {
            cap = cap ? 2 * cap : 16;
            repeat_row *r = mc_realloc_array(rep, cap, sizeof *r);
            if (r == NULL) {
                st = mc_error_nomem(err, "setting the time zone");
                break;
            }
            rep = r;
        }
        rep[n_rep++] = (repeat_row){f->time[i], i};
    }
    if (st == MC_OK && n_rep > 0) {
        qsort(rep, n_rep, sizeof *rep, compare_repeat);
        for (size_t k = 1; k < n_rep; k++)
            if (rep[k].wall == rep[k - 1].wall) {
                int64_t t[2];
                mc_tz_instants(tz, rep[k].wall, t);
                times[rep[k].row] = t[1];
            }
    }
    free(rep);
    return st;
}

mc_status mc_frame_set_time_zone(mc_frame *f, const char *zone, const char *zone_dir,
                                 mc_error *err)
{
    if (f == NULL || zone == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "a time zone needs a frame and a name");
    if (f->regularized || f->zone != NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "%s: the time zone is set once, before the frame is regularised",
                            f->source);
    mc_tz *tz = NULL;
    mc_status st = mc_tz_load(&tz, zone, zone_dir, err);
    if (st != MC_OK)
        return st;
    /* Computed aside, so that a refusal leaves the frame as it was. */
    int64_t *times = mc_realloc_array(NULL, f->rows + 1, sizeof *times);
    int16_t *offsets = mc_realloc_array(NULL, f->rows + 1, sizeof *offsets);
    if (times == NULL || offsets == NULL)
        st = mc_error_nomem(err, "setting the time zone");
    else if (f->report.has_utc_offsets)
        memcpy(times, f->time, f->rows * sizeof *times);
    else
        st = naive_instants(f, tz, times, err);
    for (size_t i = 0; st == MC_OK && i < f->rows; i++) {
        const int32_t off = mc_tz_offset(tz, times[i]);
        st = whole_minutes(f, tz, i, times[i], off, err);
        offsets[i] = (int16_t)(off / 60);
    }
    if (st != MC_OK) {
        free(times);
        free(offsets);
        mc_tz_free(tz);
        return st;
    }
    memcpy(f->time, times, f->rows * sizeof *times);
    memcpy(f->offset, offsets, f->rows * sizeof *offsets);
    free(times);
    free(offsets);
    f->zone = tz;
    f->report.has_utc_offsets = true;
    if (err != NULL)
        mc_error_clear(err);
    return MC_OK;
}
