/* Building frames from CSV rows: column selection, timestamps and numbers. */
#include "data/csv_build.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/timestamp.h"

enum { MAX_LISTED_NAMES = 12 };

void mc_csv_list_names(char *out, size_t size, const char *const *names, size_t n)
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

/* Names in messages are quoted like values (control bytes become '?'). */
mc_status mc_csv_find_column(const char *source, size_t header_line, const char *const *names,
                             size_t n, const char *want, const char *role, size_t *out,
                             mc_error *err)
{
    size_t found = SIZE_MAX, near = SIZE_MAX;
    char qwant[MC_ERROR_NAME_SIZE], qname[MC_ERROR_NAME_SIZE];
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], want) == 0) {
            if (found != SIZE_MAX)
                return mc_error_set(err, MC_ERR_COLUMN, header_line, i + 1,
                                    "%s: line %zu: the header names column \"%s\" twice (fields "
                                    "%zu and %zu)",
                                    source, header_line, mc_error_name(qwant, want), found + 1,
                                    i + 1);
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
                            "%s: no %s column named \"%s\"; did you mean \"%s\"?", source, role,
                            mc_error_name(qwant, want), mc_error_name(qname, names[near]));
    char listed[256];
    mc_csv_list_names(listed, sizeof listed, names, n);
    return mc_error_set(err, MC_ERR_COLUMN, 0, 0, "%s: no %s column named \"%s\"; the columns are %s",
                        source, role, mc_error_name(qwant, want), listed);
}

/* The default target: the first column that is neither the time column nor the extra one. */
static mc_status default_target(const mc_csv_build *b, const char *const *names, size_t n,
                                size_t time, size_t extra, size_t *out, mc_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (i != time && i != extra) {
            *out = i;
            return MC_OK;
        }
    char q[MC_ERROR_NAME_SIZE];
    if (extra == SIZE_MAX)
        return mc_error_set(err, MC_ERR_COLUMN, 0, 0,
                            "%s: only one column (\"%s\"); a time and a value column are needed",
                            b->source, mc_error_name(q, names[0]));
    return mc_error_set(err, MC_ERR_COLUMN, 0, 0,
                        "%s: no column for the load besides the time and the series columns",
                        b->source);
}

static mc_status resolve_columns(const mc_csv_build *b, const char *const *names, size_t n,
                                 const mc_csv_want *want, size_t *sel, size_t *n_sel,
                                 mc_error *err)
{
    const mc_csv_options *opt = b->opt;
    const size_t n_targets = want->targets != NULL ? want->n_targets : 1;
    mc_status st;
    size_t k = 0, extra = SIZE_MAX;
    sel[k] = 0;
    if (opt->time_column != NULL &&
        (st = mc_csv_find_column(b->source, b->header_line, names, n, opt->time_column, "time",
                                 &sel[k], err)) != MC_OK)
        return st;
    k++;
    if (want->extra != NULL &&
        (st = mc_csv_find_column(b->source, b->header_line, names, n, want->extra,
                                 want->extra_role, &extra, err)) != MC_OK)
        return st;
    for (size_t t = 0; t < n_targets; t++, k++) {
        const char *name = want->targets != NULL ? want->targets[t] : opt->target_column;
        if (want->targets != NULL && name == NULL)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "target name %zu is NULL", t + 1);
        st = name != NULL ? mc_csv_find_column(b->source, b->header_line, names, n, name,
                                               "target", &sel[k], err)
                          : default_target(b, names, n, sel[0], extra, &sel[k], err);
        if (st != MC_OK)
            return st;
    }
    for (size_t c = 0; c < opt->n_covariates; c++, k++) {
        if (opt->covariates[c] == NULL)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "covariate name %zu is NULL", c + 1);
        if ((st = mc_csv_find_column(b->source, b->header_line, names, n, opt->covariates[c],
                                     "covariate", &sel[k], err)) != MC_OK)
            return st;
    }
    if (extra != SIZE_MAX)
        sel[k++] = extra;
    char q[MC_ERROR_NAME_SIZE];
    for (size_t a = 0; a < k; a++)
        for (size_t c = a + 1; c < k; c++)
            if (sel[a] == sel[c])
                return mc_error_set(err, MC_ERR_COLUMN, b->header_line, sel[a] + 1,
                                    "%s: column \"%s\" is selected twice", b->source,
                                    mc_error_name(q, names[sel[a]]));
    *n_sel = k;
    return MC_OK;
}

mc_status mc_csv_build_select(mc_csv_build *b, const char *const *names, size_t n, size_t line,
                              const mc_csv_want *want, size_t *select, size_t *n_select,
                              mc_error *err)
{
    b->header_line = line;
    const size_t n_targets = want->targets != NULL ? want->n_targets : 1;
    size_t total = 1 + n_targets + (want->extra != NULL);
    if (!mc_size_add(total, b->opt->n_covariates, &total))
        return mc_error_nomem(err, "selecting columns");
    free(b->field_of);
    b->field_of = mc_realloc_array(NULL, total, sizeof *b->field_of);
    if (b->field_of == NULL)
        return mc_error_nomem(err, "selecting columns");
    mc_status st = resolve_columns(b, names, n, want, b->field_of, n_select, err);
    if (st != MC_OK)
        return st;
    /* Distinct indexes into n names: there are at most n of them. */
    for (size_t k = 0; k < *n_select; k++) {
        select[k] = b->field_of[k];
        b->field_of[k]++; /* 1-based field numbers for messages */
    }
    return MC_OK;
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

/* NOT_A_NUMBER when the text is not one, or is not finite; TOO_LARGE beyond
   MC_VALUE_MAX_MAGNITUDE. strtod runs under the C locale (mc_csv_build_read
   selects it), so a host application's locale cannot change what "1.5" means. */
mc_number_kind mc_csv_parse_number(char *s, size_t len, char decimal, double *out)
{
    size_t comma = SIZE_MAX; /* a decimal comma becomes '.' for strtod, and back after */
    for (size_t i = 0; i < len; i++) {
        const char c = s[i];
        if (c == ',' && decimal == ',' && comma == SIZE_MAX) {
            comma = i;
        } else if (!((c >= '0' && c <= '9') || (c == '.' && decimal == '.') || c == '-' ||
                     c == '+' || c == 'e' || c == 'E')) {
            return MC_NOT_A_NUMBER; /* with a decimal comma, '.' would be a thousands mark */
        }
    }
    if (comma != SIZE_MAX)
        s[comma] = '.';
    char *end = NULL;
    const double v = strtod(s, &end);
    if (comma != SIZE_MAX)
        s[comma] = ',';
    if (end != s + len || len == 0 || !isfinite(v))
        return MC_NOT_A_NUMBER;
    if (fabs(v) > MC_VALUE_MAX_MAGNITUDE)
        return MC_TOO_LARGE;
    *out = v;
    return MC_NUMBER;
}

static mc_status read_value(const mc_csv_build *b, mc_frame *f, size_t j, size_t field_no,
                            mc_csv_field *field, size_t line, double *out, mc_error *err)
{
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
    const mc_number_kind kind = mc_csv_parse_number(field->text, field->len, b->opt->decimal, out);
    if (kind == MC_NUMBER)
        return MC_OK;
    if (b->opt->lenient) {
        f->column_reports[j].non_numeric++;
        *out = NAN;
        return MC_OK;
    }
    char quoted[64], name[MC_ERROR_NAME_SIZE];
    mc_error_quote(quoted, sizeof quoted, field->text, field->len);
    return mc_error_set(err, MC_ERR_VALUE, line, field_no,
                        "%s: line %zu, column \"%s\" (field %zu): \"%s\" %s", b->source, line,
                        mc_error_name(name, f->names[j]), field_no, quoted,
                        kind == MC_TOO_LARGE ? "is beyond the 1e100 a value may be"
                                             : "is not a number");
}

mc_status mc_csv_build_time(mc_csv_build *b, mc_csv_field *field, size_t line, int64_t *instant,
                            int16_t *offset, mc_error *err)
{
    mc_time_value tv;
    const char *why = mc_time_parse(field->text, field->len, b->opt->time_format, &tv);
    char quoted[64], name[MC_ERROR_NAME_SIZE];
    if (why != NULL) {
        mc_error_quote(quoted, sizeof quoted, field->text, field->len);
        return mc_error_set(err, MC_ERR_TIME, line, b->field_of[0],
                            "%s: line %zu, column \"%s\" (field %zu): \"%s\" is not a timestamp: %s",
                            b->source, line, mc_error_name(name, b->time_name), b->field_of[0],
                            quoted, why);
    }
    if (!b->offsets_known) {
        b->offsets_known = true;
        b->has_offsets = tv.has_offset;
    } else if (tv.has_offset != b->has_offsets) {
        mc_error_quote(quoted, sizeof quoted, field->text, field->len);
        return mc_error_set(err, MC_ERR_TIME, line, b->field_of[0],
                            "%s: line %zu, column \"%s\": \"%s\" %s a UTC offset but the first "
                            "timestamp %s",
                            b->source, line, mc_error_name(name, b->time_name), quoted,
                            tv.has_offset ? "has" : "lacks", tv.has_offset ? "does not" : "does");
    }
    *instant = tv.wall - 60 * (int64_t)tv.offset;
    *offset = (int16_t)tv.offset;
    return MC_OK;
}

mc_status mc_csv_build_append(const mc_csv_build *b, mc_frame *f, mc_csv_field *fields,
                              const size_t *pick, size_t line, int64_t instant, int16_t offset,
                              mc_error *err)
{
    const size_t row = f->rows;
    if (!mc_frame_reserve(f, row + 1) || !mc_frame_mark_line(f, row, line))
        return mc_error_nomem(err, "storing rows");
    f->time[row] = instant;
    f->offset[row] = offset;
    for (size_t j = 0; j < f->n_columns; j++) {
        const size_t k = pick != NULL ? pick[j] : 1 + j;
        double v = NAN;
        mc_status st = read_value(b, f, j, b->field_of[k], &fields[k], line, &v, err);
        if (st != MC_OK)
            return st;
        f->values[j][row] = v;
        f->states[j][row] = isnan(v) ? MC_VALUE_MISSING : MC_VALUE_OBSERVED;
    }
    f->rows = row + 1;
    return MC_OK;
}

void mc_csv_build_finish(mc_frame *f, const mc_csv_build *b, const mc_csv_stats *stats,
                         size_t rows)
{
    mc_frame_shrink(f, f->rows);
    f->report.has_utc_offsets = b->has_offsets;
    f->report.delimiter = stats->delimiter;
    f->report.file_rows = rows;
    f->report.blank_lines = stats->blank_lines;
}

mc_status mc_csv_build_read(const mc_csv_source *src, const mc_csv_options *opt,
                            const mc_csv_handler *handler, void *ctx, mc_csv_stats *stats,
                            mc_error *err)
{
    if (opt->decimal != '.' && opt->decimal != ',')
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "%s: the decimal mark must be '.' or ','",
                            src->name);
    if (opt->decimal == ',' && opt->delimiter == ',')
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "%s: a decimal comma needs another delimiter (';' or a tab)",
                            src->name);
    const mc_csv_reader_options ropt = {opt->delimiter, opt->header, opt->chunk_size,
                                        opt->decimal};
    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0)
        return mc_error_nomem(err, "selecting the C locale");
    const locale_t previous = uselocale(c_locale);
    mc_status st = mc_csv_read(src, &ropt, handler, ctx, stats, err);
    uselocale(previous);
    freelocale(c_locale);
    return st;
}

mc_status mc_csv_open(FILE **fp, const char *path, mc_error *err)
{
    *fp = fopen(path, "rb");
    if (*fp == NULL)
        return mc_error_set(err, MC_ERR_IO, 0, 0, "%s: cannot open: %s", path, strerror(errno));
    return MC_OK;
}
