/* Reading one series from CSV into a frame (the pieces: csv_build.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "data/csv_build.h"
#include "data/frame_internal.h"

/* The public limit is the reader's. */
_Static_assert(MC_CSV_FIRST_LINE_LIMIT == MC_CSV_LINE_LIMIT, "frame.h and io/csv_reader.h agree");

enum { DEFAULT_CHUNK_SIZE = 256 * 1024 };

void mc_csv_options_defaults(mc_csv_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->decimal = '.';
    opt->header = true;
    opt->time_format = MC_TIME_AUTO;
    opt->chunk_size = DEFAULT_CHUNK_SIZE;
}

typedef struct builder {
    mc_csv_build b;
    mc_frame *frame;
} builder;

static mc_status on_columns(void *ctx, const char *const *names, size_t n, size_t line,
                            size_t *select, size_t *n_select, mc_error *err)
{
    builder *r = ctx;
    const mc_csv_want want = {0};
    mc_status st = mc_csv_build_select(&r->b, names, n, line, &want, select, n_select, err);
    if (st != MC_OK)
        return st;
    const size_t n_columns = *n_select - 1; /* target and covariates */
    const char **chosen = calloc(n_columns, sizeof *chosen);
    if (chosen == NULL)
        return mc_error_nomem(err, "selecting columns");
    for (size_t k = 0; k < n_columns; k++)
        chosen[k] = names[select[1 + k]];
    r->frame = mc_frame_alloc(r->b.source, names[select[0]], chosen, n_columns);
    free(chosen);
    if (r->frame == NULL)
        return mc_error_nomem(err, "creating the frame");
    r->b.time_name = r->frame->time_name;
    return MC_OK;
}

static mc_status on_row(void *ctx, mc_csv_field *fields, size_t line, mc_error *err)
{
    builder *r = ctx;
    int64_t t;
    int16_t offset;
    mc_status st = mc_csv_build_time(&r->b, &fields[0], line, &t, &offset, err);
    return st != MC_OK ? st : mc_csv_build_append(&r->b, r->frame, fields, NULL, line, t, offset, err);
}

static mc_status read_source(mc_frame **out, const mc_csv_source *src, const mc_csv_options *opt,
                             mc_error *err)
{
    *out = NULL;
    builder r = {.b = {.opt = opt, .source = src->name}};
    const mc_csv_handler handler = {on_columns, on_row};
    mc_csv_stats stats;
    mc_status st = mc_csv_build_read(src, opt, &handler, &r, &stats, err);
    if (st == MC_OK && r.frame->rows == 0)
        st = mc_error_set(err, MC_ERR_EMPTY, 0, 0, "%s: no data rows after the header", src->name);
    free(r.b.field_of);
    if (st != MC_OK) {
        mc_frame_free(r.frame);
        return st;
    }
    mc_csv_build_finish(r.frame, &r.b, &stats, stats.data_rows);
    *out = r.frame;
    if (err != NULL)
        mc_error_clear(err);
    return MC_OK;
}

mc_status mc_frame_read_csv_stream(mc_frame **out, FILE *stream, const char *name,
                                   const mc_csv_options *opt, mc_error *err)
{
    const mc_csv_source src = mc_csv_source_stream(stream, name ? name : "(stream)");
    return read_source(out, &src, opt, err);
}

mc_status mc_frame_read_csv_buffer(mc_frame **out, const void *data, size_t size, const char *name,
                                   const mc_csv_options *opt, mc_error *err)
{
    mc_csv_buffer buf = {data, size, 0};
    const mc_csv_source src = mc_csv_source_buffer(&buf, name ? name : "(buffer)");
    return read_source(out, &src, opt, err);
}

mc_status mc_frame_read_csv(mc_frame **out, const char *path, const mc_csv_options *opt,
                            mc_error *err)
{
    *out = NULL;
    FILE *fp;
    mc_status st = mc_csv_open(&fp, path, err);
    if (st != MC_OK)
        return st;
    st = mc_frame_read_csv_stream(out, fp, path, opt, err);
    fclose(fp);
    return st;
}
