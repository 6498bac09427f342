/*
 * Streaming CSV reader over libcsv: detects the delimiter, strips a UTF-8
 * BOM, handles quotes and CRLF, tracks physical line numbers, and hands the
 * caller only the fields of the columns it selected. Unselected fields are
 * never copied or converted.
 */
#ifndef MC_IO_CSV_READER_H
#define MC_IO_CSV_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "maskcast/status.h"

/* The first non-blank line must end within this many bytes of the start of
   the input; the public MC_CSV_FIRST_LINE_LIMIT (maskcast/frame.h) is this
   value, checked where the frame reader includes both. */
#define MC_CSV_LINE_LIMIT ((size_t)1 << 20)

/* One selected field of the current row; `text` is NUL-terminated and may be
   modified by the handler until it returns. */
typedef struct mc_csv_field {
    char *text;
    size_t len;
} mc_csv_field;

/* Where the bytes come from: returns bytes read (0 at the end); on a read
   error sets *error to the errno value (or -1 when there is none). */
typedef size_t (*mc_csv_read_fn)(void *ctx, char *buf, size_t cap, int *error);

typedef struct mc_csv_source {
    mc_csv_read_fn read;
    void *ctx;
    const char *name; /* for messages */
    size_t size;      /* the bytes it holds when known (a buffer), else 0: reads
                         and libcsv's field blocks are then no larger */
} mc_csv_source;

/* A source over an open stream. */
mc_csv_source mc_csv_source_stream(FILE *stream, const char *name);

/* State for a source over a memory buffer; `pos` starts at 0. */
typedef struct mc_csv_buffer {
    const char *data;
    size_t size;
    size_t pos;
} mc_csv_buffer;

mc_csv_source mc_csv_source_buffer(mc_csv_buffer *buf, const char *name);

typedef struct mc_csv_handler {
    /*
     * Called once with the column names (from the header, or "1".."n" without
     * one). Stores in select[0 .. *n_select) the indexes of the wanted
     * columns, in the order the row callback will receive them; `select` has
     * room for n_names entries, and an index may be selected at most once.
     * `line` is the line of the header (or of the first row without one).
     */
    mc_status (*columns)(void *ctx, const char *const *names, size_t n_names, size_t line,
                         size_t *select, size_t *n_select, mc_error *err);
    /* Called for every data row with the selected fields and the row's first line. */
    mc_status (*row)(void *ctx, mc_csv_field *fields, size_t line, mc_error *err);
} mc_csv_handler;

typedef struct mc_csv_reader_options {
    char delimiter;    /* ',', ';', '\t', '|', or 0 to detect from the first line */
    bool header;       /* the first row holds names */
    size_t chunk_size; /* bytes per read; 0 means 256 KiB; at most 64 MiB is used (reads
                          stop at MC_CSV_LINE_LIMIT until the first line is whole) */
    char decimal;      /* with ',' as decimal mark, ',' is never detected as the delimiter */
} mc_csv_reader_options;

typedef struct mc_csv_stats {
    char delimiter;     /* the delimiter used */
    size_t data_rows;   /* rows handed to the row callback */
    size_t blank_lines; /* empty lines skipped */
    size_t header_line; /* line of the header (0 without one) */
} mc_csv_stats;

/*
 * Reads the whole source, calling the handler. The first non-blank line must
 * end within the first MC_CSV_LINE_LIMIT bytes, and
 * no more than that is read before refusing input that has none; a NUL byte
 * is refused at the read that brings it. Stops at the first failure,
 * whether from the data, the source or the handler, and returns its code
 * with `err` filled (the handler fills `err` for its own failures).
 */
mc_status mc_csv_read(const mc_csv_source *src, const mc_csv_reader_options *opt,
                      const mc_csv_handler *handler, void *ctx, mc_csv_stats *stats,
                      mc_error *err);

#endif /* MC_IO_CSV_READER_H */
