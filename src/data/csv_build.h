/*
 * Building frames from CSV rows, shared by the one-series reader
 * (frame_csv.c) and the many-series reader (panel_csv.c): choosing columns
 * by name, reading timestamps and numbers with messages that name the file,
 * line and column, and reading a source under the C locale.
 */
#ifndef MC_DATA_CSV_BUILD_H
#define MC_DATA_CSV_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/frame_internal.h"
#include "io/csv_reader.h"

/* The state of reading one file. */
typedef struct mc_csv_build {
    const mc_csv_options *opt;
    const char *source;    /* file name, for messages */
    const char *time_name; /* the time column's name, for messages; set by the caller */
    size_t *field_of;      /* 1-based file field of each selected column, in selection order */
    size_t header_line;    /* where the column names are, for messages */
    bool offsets_known;    /* whether the first timestamp has been seen */
    bool has_offsets;      /* whether it carried a UTC offset (every other must agree) */
} mc_csv_build;

/* What mc_csv_build_select() chooses beyond the time column and covariates. */
typedef struct mc_csv_want {
    const char *const *targets; /* several target columns, or NULL for one: opt->target_column,
                                   else the first column that is neither the time nor `extra` */
    size_t n_targets;
    const char *extra;      /* a column selected last (the series column), or NULL */
    const char *extra_role; /* its role in messages ("series") */
} mc_csv_want;

/*
 * Resolves the columns of a header into select[] (0-based, for the reader)
 * and b->field_of (1-based, allocated here; the caller frees it): the time
 * column, the targets, opt->covariates, then the extra column. Fails with
 * MC_ERR_COLUMN when a name is absent, ambiguous or selected twice.
 */
mc_status mc_csv_build_select(mc_csv_build *b, const char *const *names, size_t n, size_t line,
                              const mc_csv_want *want, size_t *select, size_t *n_select,
                              mc_error *err);

/* Index of the column called `want` among n names; MC_ERR_COLUMN naming the
   columns there are (or the near miss by case) when absent, or both fields
   when the header names it twice. `role` says what it is for ("time"). */
mc_status mc_csv_find_column(const char *source, size_t header_line, const char *const *names,
                             size_t n, const char *want, const char *role, size_t *out,
                             mc_error *err);

/* "a", "b", "c" ... (at most 12, then the count) for a message listing names. */
void mc_csv_list_names(char *out, size_t size, const char *const *names, size_t n);

/* Reads the time field of a row (selection 0) into an instant and a UTC
   offset; every row of a file must agree on whether offsets are written. */
mc_status mc_csv_build_time(mc_csv_build *b, mc_csv_field *field, size_t line, int64_t *instant,
                            int16_t *offset, mc_error *err);

/*
 * Appends a row to `f` at `instant`: the value of column j comes from
 * fields[pick[j]] (pick NULL: fields[1 + j]), a selection index, so that
 * messages name its file field. Counts missing and unreadable values in
 * the column reports. The frame is unchanged on failure.
 */
mc_status mc_csv_build_append(const mc_csv_build *b, mc_frame *f, mc_csv_field *fields,
                              const size_t *pick, size_t line, int64_t instant, int16_t offset,
                              mc_error *err);

/* After a successful read: trims the frame and fills its report (`rows`:
   the data rows it got). */
void mc_csv_build_finish(mc_frame *f, const mc_csv_build *b, const mc_csv_stats *stats,
                         size_t rows);

/* Checks opt's delimiter and decimal mark, then reads `src` with `handler`
   under the C locale (numbers mean the same whatever the application set). */
mc_status mc_csv_build_read(const mc_csv_source *src, const mc_csv_options *opt,
                            const mc_csv_handler *handler, void *ctx, mc_csv_stats *stats,
                            mc_error *err);

typedef enum mc_number_kind { MC_NUMBER, MC_NOT_A_NUMBER, MC_TOO_LARGE } mc_number_kind;

/* Parses a decimal number written with `decimal` as its mark; run it under
   the C locale (inside mc_csv_build_read). The text is restored on return. */
mc_number_kind mc_csv_parse_number(char *s, size_t len, char decimal, double *out);

/* Opens `path` for reading, or fails with MC_ERR_IO naming it. */
mc_status mc_csv_open(FILE **fp, const char *path, mc_error *err);

#endif /* MC_DATA_CSV_BUILD_H */
