/* The frame's layout, shared by the files of src/data that build and change it. */
#ifndef MC_DATA_FRAME_INTERNAL_H
#define MC_DATA_FRAME_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/tzfile.h"
#include "maskcast/frame.h"

/*
 * Where a row came from in the file. Lines follow rows one for one except
 * after blank lines and multi-line quoted fields, so only those breaks are
 * kept: row `row` and the rows after it start at `line` onwards.
 */
typedef struct mc_line_mark {
    size_t row;
    size_t line;
} mc_line_mark;

struct mc_frame {
    char *source;        /* file name, for messages */
    char *time_name;
    size_t n_columns;
    char **names;        /* (n_columns) */
    size_t rows;
    size_t capacity;     /* rows the arrays below can hold */
    int64_t *time;       /* (capacity) instants, seconds */
    int16_t *offset;     /* (capacity) UTC offsets, minutes */
    double **values;     /* (n_columns)(capacity) NaN = missing */
    uint8_t **states;    /* (n_columns)(capacity) mc_value_state */
    uint8_t *row_flags;  /* (capacity) mc_row_flag bits, from regularisation on; else NULL */
    int64_t step;        /* 0 until regularised */
    bool regularized;
    mc_tz *zone;         /* the time zone set by mc_frame_set_time_zone(), or NULL */

    mc_line_mark *marks; /* line breaks of file rows, while rows are in file order */
    size_t n_marks, marks_cap;

    mc_frame_report report;
    mc_column_report *column_reports; /* (n_columns) */
};

/* Allocates an empty frame with the given column names (copied). */
mc_frame *mc_frame_alloc(const char *source, const char *time_name, const char *const *names,
                         size_t n_columns);

/* Makes room for at least `rows` rows; false on allocation failure (frame unchanged). */
bool mc_frame_reserve(mc_frame *f, size_t rows);

/* Sets the row count to `rows` (<= capacity) and trims capacity to it. */
void mc_frame_shrink(mc_frame *f, size_t rows);

/* The file line of row `row`, valid while rows are in file order. */
size_t mc_frame_line_of(const mc_frame *f, size_t row);

/* Records that row `row` starts at `line`, if that breaks the one-for-one run. */
bool mc_frame_mark_line(mc_frame *f, size_t row, size_t line);

/* Fills the gaps of a regular frame (gap_fill.c). */
mc_status mc_frame_fill_gaps(mc_frame *f, const mc_regularize_options *opt, mc_error *err);

#endif /* MC_DATA_FRAME_INTERNAL_H */
