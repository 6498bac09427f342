/* Building a frame from CSV: column selection, timestamps and numbers. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/frame_internal.h"
#include "data/timestamp.h"
#include "io/csv_reader.h"

/* The public limit is the reader's. */
_Static_assert(MC_CSV_FIRST_LINE_LIMIT == MC_CSV_LINE_LIMIT, "frame.h and io/csv_reader.h agree");

enum { DEFAULT_CHUNK_SIZE = 256 * 1024, MAX_LISTED_NAMES = 12 };

void mc_csv_options_defaults(mc_csv_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->decimal = '.';
    opt->header = true;
    opt->time_format = MC_TIME_AUTO;
    opt->chunk_size = DEFAULT_CHUNK_SIZE;
}

typedef struct builder {
    const mc_csv_options *opt;
    const char *source;
    mc_frame *frame;
    size_t *field_of;    /* (1 + n_columns) file field numbers (1-based) for messages */
    size_t header_line;  /* where the column names are, for messages */
    bool offsets_known;  /* whether the first timestamp has been seen */
} builder;

/* "a", "b", "c" ... for an error message listing the available names. */
static void list_names(char *out, size_t size, const char *const *names, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && i < MAX_LISTED_NAMES && used < size; i++) {
        char q[MC_ERROR_NAME_SIZE];
        int w = snprintf(out + used, size - used, "%s\"%s\"", i ? ", " : "",
                         mc_error_name(q, names[i]));
        if (w < 0)
            return;
        used += (size_t)w;
    }
    if (n > MAX_LISTED_NAMES && used < size)
        snprintf(out + used, size - used, ", ... (%zu in all)", n);
}

/* Index of the column called `want`; fails when absent or ambiguous. Names
   in messages are quoted like values (control bytes become '?'). */
static mc_status find_column(const builder *b, const char *const *names, size_t n,
                             const char *want, const char *role, size_t *out, mc_error *err)
{
    size_t found = SIZE_MAX, near = SIZE_MAX;
    char qwant[MC_ERROR_NAME_SIZE], qname[MC_ERROR_NAME_SIZE];
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], want) == 0) {
            if (found != SIZE_MAX)
                return mc_error_set(err, MC_ERR_COLUMN, b->header_line, i + 1,
                                    "%s: line %zu: the header names column \"%s\" twice (fields "
                                    "%zu and %zu)",
                                    b->source, b->header_line, mc_error_name(qwant, want),
                                    found + 1, i + 1);
            found = i;
        } else if (near == SIZE_MAX && strcasecmp(names[i], want) == 0) {
            near = i;
        }
    }
    if (found != SIZE_MAX) {
        *out = found;
        return MC_OK;
    }
    if (near != SIZE_MAX)
        return mc_error_set(err, MC_ERR_COLUMN, 0, 0,
                            "%s: no %s column named \"%s\"; did you mean \"%s\"?", b->source, role,
                            mc_error_name(qwant, want), mc_error_name(qname, names[near]));
    char listed[256];
    list_names(listed, sizeof listed, names, n);
    return mc_error_set(err, MC_ERR_COLUMN, 0, 0, "%s: no %s column named \"%s\"; the columns are %s",
                        b->source, role, mc_error_name(qwant, want), listed);
}

/* Resolves the wanted columns into want[0] (time), want[1] (target), then covariates. */
static mc_status resolve_columns(const builder *b, const char *const *names, size_t n, size_t *want,
                                 mc_error *err)
{
    const mc_csv_options *opt = b->opt;
    mc_status st;
    char q[MC_ERROR_NAME_SIZE];
    want[0] = 0;
    if (opt->time_column != NULL &&
        (st = find_column(b, names, n, opt->time_column, "time", &want[0], err)) != MC_OK)
        return st;
    if (opt->target_column != NULL) {
        if ((st = find_column(b, names, n, opt->target_column, "target", &want[1], err)) != MC_OK)
            return st;
    } else {
        want[1] = want[0] == 0 ? 1 : 0;
        if (want[1] >= n)
            return mc_error_set(err, MC_ERR_COLUMN, 0, 0,
                                "%s: only one column (\"%s\"); a time and a value column are needed",
                                b->source, mc_error_name(q, names[0]));
    }
    for (size_t k = 0; k < opt->n_covariates; k++) {
        if (opt->covariates[k] == NULL)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "covariate name %zu is NULL", k + 1);
        if ((st = find_column(b, names, n, opt->covariates[k], "covariate", &want[2 + k], err)) !=
            MC_OK)
            return st;
    }
    const size_t total = 2 + opt->n_covariates;
    for (size_t a = 0; a < total; a++)
        for (size_t c = a + 1; c < total; c++)
            if (want[a] == want[c])
                return mc_error_set(err, MC_ERR_COLUMN, b->header_line, want[a] + 1,
                                    "%s: column \"%s\" is selected twice", b->source,
                                    mc_error_name(q, names[want[a]]));
    return MC_OK;
}

static mc_status on_columns(void *ctx, const char *const *names, size_t n, size_t line,
                            size_t *select, size_t *n_select, mc_error *err)
{
    builder *b = ctx;
    b->header_line = line;
    const size_t n_columns = 1 + b->opt->n_covariates; /* target and covariates */
    b->field_of = mc_realloc_array(NULL, 1 + n_columns, sizeof *b->field_of);
    const char **chosen = mc_realloc_array(NULL, n_columns, sizeof *chosen);
    if (chosen == NULL || b->field_of == NULL) {
        free(chosen);
        return mc_error_nomem(err, "selecting columns");
    }
    mc_status st = resolve_columns(b, names, n, b->field_of, err);
    if (st != MC_OK) {
        free(chosen);
        return st;
    }
    /* Distinct indexes into n names: there are at most n of them. */
    *n_select = 1 + n_columns;
    for (size_t k = 0; k < 1 + n_columns; k++) {
        select[k] = b->field_of[k];
        b->field_of[k]++; /* 1-based field numbers for messages */
    }
    for (size_t k = 0; k < n_columns; k++)
        chosen[k] = names[select[1 + k]];
    b->frame = mc_frame_alloc(b->source, names[select[0]], chosen, n_columns);
    free(chosen);
    return b->frame != NULL ? MC_OK : mc_error_nomem(err, "creating the frame");
}

/* True for the spellings of a missing value: "", NA, NaN, null, "-" (any case). */
static bool is_missing_token(const char *s, size_t len)
{
    switch (len) {
    case 0: return true;
    case 1: return s[0] == '-';
    case 2: return strcasecmp(s, "na") == 0;
    case 3: return strcasecmp(s, "nan") == 0;
    case 4: return strcasecmp(s, "null") == 0;
    default: return false;
    }
}

typedef enum number_kind { NUMBER, NOT_A_NUMBER, TOO_LARGE } number_kind;

/* Parses a decimal number (NOT_A_NUMBER when the text is not one, or is not
   finite; TOO_LARGE beyond MC_VALUE_MAX_MAGNITUDE). strtod runs under the C
   locale (read_source selects it), so a host application's locale cannot
   change what "1.5" means. */
static number_kind parse_number(char *s, size_t len, char decimal, double *out)
{
    size_t comma = SIZE_MAX; /* a decimal comma becomes '.' for strtod, and back after */
    for (size_t i = 0; i < len; i++) {
        const char c = s[i];
        if (c == ',' && decimal == ',' && comma == SIZE_MAX) {
            comma = i;
        } else if (!((c >= '0' && c <= '9') || (c == '.' && decimal == '.') || c == '-' ||
                     c == '+' || c == 'e' || c == 'E')) {
            return NOT_A_NUMBER; /* with a decimal comma, '.' would be a thousands mark */
        }
    }
    if (comma != SIZE_MAX)
        s[comma] = '.';
    char *end = NULL;
    const double v = strtod(s, &end);
    if (comma != SIZE_MAX)
        s[comma] = ',';
    if (end != s + len || len == 0 || !isfinite(v))
        return NOT_A_NUMBER;
    if (fabs(v) > MC_VALUE_MAX_MAGNITUDE)
        return TOO_LARGE;
    *out = v;
    return NUMBER;
}

static mc_status read_value(builder *b, size_t j, mc_csv_field *field, size_t line, double *out,
                            mc_error *err)
{
    mc_frame *f = b->frame;
    if (is_missing_token(field->text, field->len)) {
        f->column_reports[j].missing_in_file++;
        *out = NAN;
        return MC_OK;
    }
    if (field->len == 4 && strcasecmp(field->text, "true") == 0) {
        *out = 1.0;
        return MC_OK;
    }
    if (field->len == 5 && strcasecmp(field->text, "false") == 0) {
        *out = 0.0;
        return MC_OK;
    }
    const number_kind kind = parse_number(field->text, field->len, b->opt->decimal, out);
    if (kind == NUMBER)
        return MC_OK;
    if (b->opt->lenient) {
        f->column_reports[j].non_numeric++;
        *out = NAN;
        return MC_OK;
    }
    char quoted[64], name[MC_ERROR_NAME_SIZE];
    mc_error_quote(quoted, sizeof quoted, field->text, field->len);
    return mc_error_set(err, MC_ERR_VALUE, line, b->field_of[1 + j],
                        "%s: line %zu, column \"%s\" (field %zu): \"%s\" %s", b->source, line,
                        mc_error_name(name, f->names[j]), b->field_of[1 + j], quoted,
                        kind == TOO_LARGE ? "is beyond the 1e100 a value may be" : "is not a number");
}

static mc_status read_time(builder *b, mc_csv_field *field, size_t line, size_t row, mc_error *err)
{
    mc_frame *f = b->frame;
    mc_time_value tv;
    const char *why = mc_time_parse(field->text, field->len, b->opt->time_format, &tv);
    if (why != NULL) {
        char quoted[64], name[MC_ERROR_NAME_SIZE];
        mc_error_quote(quoted, sizeof quoted, field->text, field->len);
        return mc_error_set(err, MC_ERR_TIME, line, b->field_of[0],
                            "%s: line %zu, column \"%s\" (field %zu): \"%s\" is not a timestamp: %s",
                            b->source, line, mc_error_name(name, f->time_name), b->field_of[0],
                            quoted, why);
    }
    if (!b->offsets_known) {
        b->offsets_known = true;
        f->report.has_utc_offsets = tv.has_offset;
    } else if (tv.has_offset != f->report.has_utc_offsets) {
        char quoted[64], name[MC_ERROR_NAME_SIZE];
        mc_error_quote(quoted, sizeof quoted, field->text, field->len);
        return mc_error_set(err, MC_ERR_TIME, line, b->field_of[0],
                            "%s: line %zu, column \"%s\": \"%s\" %s a UTC offset but the first "
                            "timestamp %s",
                            b->source, line, mc_error_name(name, f->time_name), quoted,
                            tv.has_offset ? "has" : "lacks",
                            tv.has_offset ? "does not" : "does");
    }
    f->time[row] = tv.wall - 60 * (int64_t)tv.offset;
    f->offset[row] = tv.offset;
    return MC_OK;
}

static mc_status on_row(void *ctx, mc_csv_field *fields, size_t line, mc_error *err)
{
    builder *b = ctx;
    mc_frame *f = b->frame;
    const size_t row = f->rows;
    if (!mc_frame_reserve(f, row + 1) || !mc_frame_mark_line(f, row, line))
        return mc_error_nomem(err, "storing rows");
    mc_status st = read_time(b, &fields[0], line, row, err);
    for (size_t j = 0; st == MC_OK && j < f->n_columns; j++) {
        double v = NAN;
        st = read_value(b, j, &fields[1 + j], line, &v, err);
        f->values[j][row] = v;
        f->states[j][row] = isnan(v) ? MC_VALUE_MISSING : MC_VALUE_OBSERVED;
    }
    if (st == MC_OK)
        f->rows = row + 1;
    return st;
}

static mc_status read_source(mc_frame **out, const mc_csv_source *src, const mc_csv_options *opt,
                             mc_error *err)
{
    *out = NULL;
    if (opt->decimal != '.' && opt->decimal != ',')
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "%s: the decimal mark must be '.' or ','",
                            src->name);
    if (opt->decimal == ',' && opt->delimiter == ',')
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "%s: a decimal comma needs another delimiter (';' or a tab)",
                            src->name);
    builder b = {.opt = opt, .source = src->name};
    const mc_csv_reader_options ropt = {opt->delimiter, opt->header, opt->chunk_size,
                                        opt->decimal};
    const mc_csv_handler handler = {on_columns, on_row};
    mc_csv_stats stats;
    /* Numbers are read in the C locale whatever the application set. */
    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0)
        return mc_error_nomem(err, "selecting the C locale");
    const locale_t previous = uselocale(c_locale);
    mc_status st = mc_csv_read(src, &ropt, &handler, &b, &stats, err);
    uselocale(previous);
    freelocale(c_locale);
    if (st == MC_OK && b.frame->rows == 0)
        st = mc_error_set(err, MC_ERR_EMPTY, 0, 0, "%s: no data rows after the header", src->name);
    free(b.field_of);
    if (st != MC_OK) {
        mc_frame_free(b.frame);
        return st;
    }
    mc_frame_shrink(b.frame, b.frame->rows);
    b.frame->report.delimiter = stats.delimiter;
    b.frame->report.file_rows = stats.data_rows;
    b.frame->report.blank_lines = stats.blank_lines;
    *out = b.frame;
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
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return mc_error_set(err, MC_ERR_IO, 0, 0, "%s: cannot open: %s", path, strerror(errno));
    mc_status st = mc_frame_read_csv_stream(out, fp, path, opt, err);
    fclose(fp);
    return st;
}
