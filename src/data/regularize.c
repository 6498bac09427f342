/* Putting a frame on a regular time grid: order, duplicates, step, gaps. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/frame_internal.h"
#include "data/frame_lookup.h"
#include "data/timestamp.h"

enum {
    COUNT_SLOTS = 64,     /* distinct differences tracked when detecting the step */
    MAX_GRID_RATIO = 10,  /* a grid this many times longer than the data means bad timestamps */
    HOUR = 3600
};

void mc_regularize_options_defaults(mc_regularize_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->step = 0;
    opt->duplicates = MC_DUPLICATES_MEAN;
    opt->sort = true;
    opt->max_interpolate = 3 * HOUR;
    opt->long_fill = MC_LONG_FILL_WEEK;
}

/* A row's instant with its position in the file, sorted by (instant, position). */
typedef struct keyed_row {
    int64_t time;
    size_t row;
} keyed_row;

static int compare_keyed(const void *a, const void *b)
{
    const keyed_row *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* Counts of distinct int64 keys in a small open-addressed table. Keys that
   arrive after it is full are not counted: the most common key of a load
   series is seen long before 64 distinct ones. */
typedef struct counter {
    int64_t key[COUNT_SLOTS];
    size_t count[COUNT_SLOTS];
} counter;

static void count_key(counter *c, int64_t key)
{
    size_t h = (size_t)((uint64_t)key * 0x9E3779B97F4A7C15ull >> 58);
    for (size_t i = 0; i < COUNT_SLOTS; i++) {
        size_t k = (h + i) % COUNT_SLOTS;
        if (c->count[k] == 0)
            c->key[k] = key;
        if (c->key[k] == key) {
            c->count[k]++;
            return;
        }
    }
}

static int64_t most_common(const counter *c)
{
    size_t best = 0;
    int64_t key = 0;
    for (size_t k = 0; k < COUNT_SLOTS; k++)
        if (c->count[k] > best || (c->count[k] == best && best > 0 && c->key[k] < key)) {
            best = c->count[k];
            key = c->key[k];
        }
    return key;
}

static mc_status refuse_unsorted(const mc_frame *f, mc_error *err)
{
    for (size_t i = 1; i < f->rows; i++) {
        if (f->time[i] < f->time[i - 1]) {
            char a[40], b[40];
            mc_time_to_text(f->time[i], f->offset[i], f->report.has_utc_offsets, a, sizeof a);
            mc_time_to_text(f->time[i - 1], f->offset[i - 1], f->report.has_utc_offsets, b, sizeof b);
            size_t line = mc_frame_line_of(f, i);
            return mc_error_set(err, MC_ERR_UNSORTED, line, 0,
                                "%s: line %zu: time %s comes before %s on the line above; "
                                "the rows are not in time order (sorting was refused)",
                                f->source, line, a, b);
        }
    }
    return MC_OK;
}

/* With the error policy, the first duplicate instant fails the call. */
static mc_status refuse_duplicates(const mc_frame *f, const keyed_row *order, mc_error *err)
{
    for (size_t i = 1; i < f->rows; i++) {
        size_t r0 = order ? order[i - 1].row : i - 1, r1 = order ? order[i].row : i;
        if (f->time[r0] == f->time[r1]) {
            char when[40];
            mc_time_to_text(f->time[r1], f->offset[r1], f->report.has_utc_offsets, when, sizeof when);
            size_t l0 = mc_frame_line_of(f, r0), l1 = mc_frame_line_of(f, r1);
            return mc_error_set(err, MC_ERR_DUPLICATE, l1, 0,
                                "%s: lines %zu and %zu have the same time %s (duplicate policy: error)",
                                f->source, l0, l1, when);
        }
    }
    return MC_OK;
}

/* Reorders one array of n elements of `size` bytes in place so that element
   i becomes the old element order[i].row: each permutation cycle is followed
   once, with one element in hand. `seen` (n bits) is scratch. */
static void permute(void *data, size_t size, const keyed_row *order, size_t n, uint8_t *seen)
{
    unsigned char *base = data, hand[8];
    memset(seen, 0, (n + 7) / 8);
    for (size_t start = 0; start < n; start++) {
        if (seen[start / 8] & (1u << (start % 8)))
            continue;
        memcpy(hand, base + start * size, size);
        size_t j = start;
        for (;;) {
            seen[j / 8] |= (uint8_t)(1u << (j % 8));
            const size_t from = order[j].row;
            if (from == start) {
                memcpy(base + j * size, hand, size);
                break;
            }
            memcpy(base + j * size, base + from * size, size);
            j = from;
        }
    }
}

/* Reorders every per-row array by `order`, in place: nothing can fail once
   the scratch bitmap exists, so the frame is never left half sorted. */
static bool apply_order(mc_frame *f, const keyed_row *order)
{
    const size_t n = f->rows;
    uint8_t *seen = malloc((n + 7) / 8 + 1);
    if (seen == NULL)
        return false;
    permute(f->time, sizeof *f->time, order, n, seen);
    permute(f->offset, sizeof *f->offset, order, n, seen);
    for (size_t j = 0; j < f->n_columns; j++) {
        permute(f->values[j], sizeof *f->values[j], order, n, seen);
        permute(f->states[j], sizeof *f->states[j], order, n, seen);
    }
    free(seen);
    return true;
}

static void move_row(mc_frame *f, size_t to, size_t from)
{
    if (to == from)
        return;
    if (f->row_flags != NULL)
        f->row_flags[to] = f->row_flags[from];
    f->time[to] = f->time[from];
    f->offset[to] = f->offset[from];
    for (size_t j = 0; j < f->n_columns; j++) {
        f->values[j][to] = f->values[j][from];
        f->states[j][to] = f->states[j][from];
    }
}

/* Merges rows [first, last] (same instant) into row `to` by the policy. */
static void merge_duplicates(mc_frame *f, size_t to, size_t first, size_t last, mc_duplicates policy)
{
    if (policy == MC_DUPLICATES_LAST) {
        move_row(f, to, last);
        return;
    }
    move_row(f, to, first);
    if (policy != MC_DUPLICATES_MEAN)
        return;
    for (size_t j = 0; j < f->n_columns; j++) {
        double sum = 0.0;
        size_t n = 0;
        for (size_t i = first; i <= last; i++)
            if (f->states[j][i] == MC_VALUE_OBSERVED) {
                sum += f->values[j][i];
                n++;
            }
        f->values[j][to] = n ? sum / (double)n : NAN;
        f->states[j][to] = n ? MC_VALUE_OBSERVED : MC_VALUE_MISSING;
    }
}

/* Collapses runs of equal instants in a sorted frame. */
static void resolve_duplicates(mc_frame *f, mc_duplicates policy)
{
    size_t out = 0;
    for (size_t i = 0; i < f->rows;) {
        size_t last = i;
        while (last + 1 < f->rows && f->time[last + 1] == f->time[i])
            last++;
        if (last > i) {
            f->report.duplicate_times++;
            f->report.duplicate_rows += last - i;
        }
        merge_duplicates(f, out, i, last, policy);
        f->row_flags[out++] = last > i ? MC_ROW_MERGED : 0;
        i = last + 1;
    }
    f->rows = out;
}

static int64_t floor_mod(int64_t a, int64_t m)
{
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

/* Where the grid will lie, decided before the frame is changed so that a
   refusal leaves it as it was. */
typedef struct grid_plan {
    int64_t step;
    int64_t phase;   /* instants on the grid are == phase modulo step */
    size_t first;    /* sorted positions of the first and last rows on the grid */
    size_t last;
    size_t rows;     /* rows of the regular grid */
} grid_plan;

/* The k-th instant in time order. */
static int64_t sorted_time(const mc_frame *f, const keyed_row *order, size_t k)
{
    return order != NULL ? order[k].time : f->time[k];
}

static size_t sorted_row(const keyed_row *order, size_t k)
{
    return order != NULL ? order[k].row : k;
}

static mc_status plan_grid(const mc_frame *f, const keyed_row *order, int64_t step, grid_plan *p,
                           mc_error *err)
{
    const size_t n = f->rows;
    if (step == 0) {
        counter c = {0};
        for (size_t k = 1; k < n; k++) {
            int64_t d = sorted_time(f, order, k) - sorted_time(f, order, k - 1);
            if (d > 0)
                count_key(&c, d);
        }
        step = most_common(&c);
        if (step == 0)
            return mc_error_set(err, MC_ERR_GRID, 0, 0,
                                "%s: a single time cannot show the step between rows; give the step",
                                f->source);
    }
    counter phases = {0};
    size_t unique = 0;
    for (size_t k = 0; k < n; k++)
        if (k == 0 || sorted_time(f, order, k) != sorted_time(f, order, k - 1)) {
            count_key(&phases, floor_mod(sorted_time(f, order, k), step));
            unique++;
        }
    p->step = step;
    p->phase = most_common(&phases);
    /* Dropping a few stray rows is reporting; dropping more than a tenth is
       losing data. */
    size_t off = 0;
    for (size_t k = 0; k < n; k++)
        off += floor_mod(sorted_time(f, order, k), step) != p->phase;
    if (off > 3 && off * 10 > n) {
        char st[32];
        snprintf(st, sizeof st, "%lld s", (long long)step);
        return mc_error_set(err, MC_ERR_GRID, 0, 0,
                            "%s: %zu of %zu rows fall between the points of a %s grid; are the "
                            "timestamps jittered or the step wrong? give the step, or fix the "
                            "timestamps",
                            f->source, off, n, st);
    }
    p->first = 0;
    while (floor_mod(sorted_time(f, order, p->first), step) != p->phase)
        p->first++;
    p->last = n - 1;
    while (floor_mod(sorted_time(f, order, p->last), step) != p->phase)
        p->last--;
    const int64_t t0 = sorted_time(f, order, p->first), t1 = sorted_time(f, order, p->last);
    const uint64_t span = (uint64_t)(t1 - t0) / (uint64_t)step;
    if (span >= (uint64_t)MAX_GRID_RATIO * unique + 1000 || span >= SIZE_MAX / 16) {
        char a[40], b[40];
        const size_t r0 = sorted_row(order, p->first), r1 = sorted_row(order, p->last);
        mc_time_to_text(t0, f->offset[r0], f->report.has_utc_offsets, a, sizeof a);
        mc_time_to_text(t1, f->offset[r1], f->report.has_utc_offsets, b, sizeof b);
        return mc_error_set(err, MC_ERR_GRID, 0, 0,
                            "%s: %zu rows from %s to %s would need %llu rows at a step of %lld s; "
                            "check for a mistyped timestamp or give the step",
                            f->source, unique, a, b, (unsigned long long)span + 1, (long long)step);
    }
    p->rows = (size_t)span + 1;
    return MC_OK;
}

/* Drops rows whose instant is not on the planned grid. */
static void drop_off_grid(mc_frame *f, const grid_plan *p)
{
    size_t out = 0;
    for (size_t i = 0; i < f->rows; i++) {
        if (floor_mod(f->time[i], p->step) != p->phase) {
            if (f->report.off_grid_rows++ == 0)
                f->report.first_off_grid = f->time[i];
            continue;
        }
        move_row(f, out++, i);
    }
    f->rows = out;
}

/* Spreads the rows onto the full grid, from the back so nothing is overwritten. */
static mc_status insert_gaps(mc_frame *f, const grid_plan *p, mc_error *err)
{
    const size_t n = p->rows;
    const int64_t t0 = f->time[0];
    if (n == f->rows)
        return MC_OK;
    if (!mc_frame_reserve(f, n))
        return mc_error_nomem(err, "inserting missing rows");
    size_t src = f->rows;
    int64_t next_wall = INT64_MAX; /* wall clock of the next row from the file */
    for (size_t g = n; g-- > 0;) {
        const int64_t t = t0 + (int64_t)g * p->step;
        if (src > 0 && f->time[src - 1] == t) {
            move_row(f, g, --src);
            next_wall = f->time[g] + 60 * (int64_t)f->offset[g];
            continue;
        }
        f->time[g] = t;
        /* The zone's offset where there is a zone; else the offset in force
           before the gap, unless the clocks changed inside it and that offset
           would reach the wall clock of the row after it. */
        const int16_t before = f->offset[src - 1];
        const int16_t after = next_wall == INT64_MAX ? before : f->offset[g + 1];
        f->offset[g] = f->zone != NULL ? (int16_t)mc_frame_offset_at(f, t)
                       : t + 60 * (int64_t)before < next_wall ? before : after;
        for (size_t j = 0; j < f->n_columns; j++) {
            f->values[j][g] = NAN;
            f->states[j][g] = MC_VALUE_MISSING;
        }
        f->row_flags[g] = MC_ROW_INSERTED;
        f->report.gap_rows++;
    }
    f->rows = n;
    return MC_OK;
}

static mc_status validate(const mc_regularize_options *opt, mc_error *err)
{
    if (opt->step < 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the step must be positive");
    if (opt->max_interpolate < 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the interpolation limit must be >= 0");
    if ((unsigned)opt->duplicates > MC_DUPLICATES_ERROR || (unsigned)opt->long_fill > MC_LONG_FILL_NONE)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "unknown duplicate or fill policy");
    return MC_OK;
}

mc_status mc_frame_regularize(mc_frame *f, const mc_regularize_options *opt, mc_error *err)
{
    mc_status st = validate(opt, err);
    if (st != MC_OK || f->regularized)
        return st;
    bool sorted = true;
    for (size_t i = 1; i < f->rows && sorted; i++)
        sorted = f->time[i] >= f->time[i - 1];
    if (!sorted && !opt->sort)
        return refuse_unsorted(f, err);

    keyed_row *order = NULL;
    if (!sorted) {
        order = mc_realloc_array(NULL, f->rows, sizeof *order);
        if (order == NULL)
            return mc_error_nomem(err, "sorting rows");
        for (size_t i = 0; i < f->rows; i++)
            order[i] = (keyed_row){f->time[i], i};
        qsort(order, f->rows, sizeof *order, compare_keyed);
    }
    /* Every refusal comes before anything is changed. */
    grid_plan plan;
    if ((opt->duplicates == MC_DUPLICATES_ERROR && (st = refuse_duplicates(f, order, err)) != MC_OK) ||
        (st = plan_grid(f, order, opt->step, &plan, err)) != MC_OK) {
        free(order);
        return st;
    }
    /* The room the full grid needs, taken now: nothing below can then fail
       after the frame was changed. */
    if (!mc_frame_reserve(f, plan.rows)) {
        free(order);
        return mc_error_nomem(err, "inserting missing rows");
    }
    free(f->row_flags);
    if ((f->row_flags = calloc(f->capacity ? f->capacity : 1, 1)) == NULL) {
        free(order);
        return mc_error_nomem(err, "marking rows");
    }
    if (order != NULL) {
        bool ok = apply_order(f, order);
        free(order);
        if (!ok)
            return mc_error_nomem(err, "sorting rows");
        f->report.was_sorted = false;
    }
    free(f->marks); /* lines no longer follow rows */
    f->marks = NULL;
    f->n_marks = f->marks_cap = 0;

    resolve_duplicates(f, opt->duplicates);
    drop_off_grid(f, &plan);
    if ((st = insert_gaps(f, &plan, err)) != MC_OK)
        return st;
    f->step = plan.step;
    f->regularized = true;
    return mc_frame_fill_gaps(f, opt, err);
}
