#include "fuzz_util.h"

#include <math.h>
#include <string.h>

uint8_t fuzz_byte(fuzz_input *in)
{
    if (in->size == 0)
        return 0;
    in->size--;
    return *in->data++;
}

void fuzz_assert_same_error(const mc_error *a, const mc_error *b)
{
    FUZZ_ASSERT(a->code == b->code);
    FUZZ_ASSERT(a->line == b->line);
    FUZZ_ASSERT(a->column == b->column);
    FUZZ_ASSERT(strcmp(a->message, b->message) == 0);
}

void fuzz_assert_clean_error(mc_status st, const mc_error *e)
{
    FUZZ_ASSERT(st != MC_OK);
    FUZZ_ASSERT(e->code == st);
    FUZZ_ASSERT(e->message[0] != '\0');
    FUZZ_ASSERT(memchr(e->message, '\0', sizeof e->message) != NULL);
}

void fuzz_assert_same_frame(const mc_frame *a, const mc_frame *b)
{
    const size_t rows = mc_frame_rows(a), cols = mc_frame_columns(a);
    FUZZ_ASSERT(mc_frame_rows(b) == rows);
    FUZZ_ASSERT(mc_frame_columns(b) == cols);
    FUZZ_ASSERT(mc_frame_step(a) == mc_frame_step(b));
    FUZZ_ASSERT(strcmp(mc_frame_time_name(a), mc_frame_time_name(b)) == 0);
    FUZZ_ASSERT(memcmp(mc_frame_times(a), mc_frame_times(b), rows * sizeof(int64_t)) == 0);
    FUZZ_ASSERT(memcmp(mc_frame_utc_offsets(a), mc_frame_utc_offsets(b),
                       rows * sizeof(int16_t)) == 0);
    for (size_t j = 0; j < cols; j++) {
        FUZZ_ASSERT(strcmp(mc_frame_column_name(a, j), mc_frame_column_name(b, j)) == 0);
        /* memcmp, not ==: NaN must sit in the same places, with the same bits. */
        FUZZ_ASSERT(memcmp(mc_frame_values(a, j), mc_frame_values(b, j),
                           rows * sizeof(double)) == 0);
        FUZZ_ASSERT(memcmp(mc_frame_states(a, j), mc_frame_states(b, j), rows) == 0);
        FUZZ_ASSERT(memcmp(mc_frame_column_report(a, j), mc_frame_column_report(b, j),
                           sizeof(mc_column_report)) == 0);
    }
    /* Field by field: the struct has padding. */
    const mc_frame_report *ra = mc_frame_get_report(a), *rb = mc_frame_get_report(b);
    FUZZ_ASSERT(ra->delimiter == rb->delimiter);
    FUZZ_ASSERT(ra->file_rows == rb->file_rows);
    FUZZ_ASSERT(ra->blank_lines == rb->blank_lines);
    FUZZ_ASSERT(ra->has_utc_offsets == rb->has_utc_offsets);
    FUZZ_ASSERT(ra->was_sorted == rb->was_sorted);
    FUZZ_ASSERT(ra->duplicate_times == rb->duplicate_times);
    FUZZ_ASSERT(ra->duplicate_rows == rb->duplicate_rows);
    FUZZ_ASSERT(ra->off_grid_rows == rb->off_grid_rows);
    FUZZ_ASSERT(ra->first_off_grid == rb->first_off_grid);
    FUZZ_ASSERT(ra->gap_rows == rb->gap_rows);
}

void fuzz_assert_frame_states(const mc_frame *f)
{
    const size_t rows = mc_frame_rows(f);
    const bool regular = mc_frame_step(f) > 0;
    for (size_t j = 0; j < mc_frame_columns(f); j++) {
        const double *v = mc_frame_values(f, j);
        const uint8_t *s = mc_frame_states(f, j);
        size_t count[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < rows; i++) {
            FUZZ_ASSERT(s[i] <= MC_VALUE_SEASONAL);
            FUZZ_ASSERT(!isinf(v[i]));
            FUZZ_ASSERT((s[i] == MC_VALUE_MISSING) == (bool)isnan(v[i]));
            count[s[i]]++;
        }
        const mc_column_report *r = mc_frame_column_report(f, j);
        if (regular) {
            FUZZ_ASSERT(r->missing == count[MC_VALUE_MISSING]);
            FUZZ_ASSERT(r->interpolated == count[MC_VALUE_INTERPOLATED]);
            FUZZ_ASSERT(r->seasonal == count[MC_VALUE_SEASONAL]);
        } else {
            /* As read: a value is missing because the file said so, or
               (lenient) because it was not a number; nothing is filled yet. */
            FUZZ_ASSERT(count[MC_VALUE_INTERPOLATED] == 0 && count[MC_VALUE_SEASONAL] == 0);
            FUZZ_ASSERT(r->missing_in_file + r->non_numeric == count[MC_VALUE_MISSING]);
            FUZZ_ASSERT(r->missing == 0 && r->interpolated == 0 && r->seasonal == 0);
        }
    }
}

void fuzz_assert_regular(const mc_frame *f)
{
    const int64_t step = mc_frame_step(f);
    const int64_t *t = mc_frame_times(f);
    const size_t rows = mc_frame_rows(f);
    FUZZ_ASSERT(step > 0);
    FUZZ_ASSERT(rows > 0);
    for (size_t i = 0; i + 1 < rows; i++)
        FUZZ_ASSERT(t[i + 1] - t[i] == step);
    for (size_t i = 0; i < rows; i++) {
        const int offset = mc_frame_utc_offsets(f)[i];
        FUZZ_ASSERT(offset > -19 * 60 && offset < 19 * 60);
    }
    fuzz_assert_frame_states(f);
}
