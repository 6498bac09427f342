/* Static covariates of a panel: per-series numeric attributes, from a CSV
   file or from arrays. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/csv_build.h"
#include "data/panel_internal.h"

/* Replaces the panel's statics by `names` and `values`, which it takes. */
static void install(mc_panel *p, char **names, size_t n_static, double *values)
{
    for (size_t j = 0; j < p->n_static; j++)
        free(p->static_names[j]);
    free(p->static_names);
    free(p->static_values);
    p->static_names = names;
    p->static_values = values;
    p->n_static = n_static;
}

static void free_names(char **names, size_t n)
{
    for (size_t j = 0; names != NULL && j < n; j++)
        free(names[j]);
    free(names);
}

/* Room for n_static names (NULL each) and their values for every series. */
static bool alloc_statics(const mc_panel *p, size_t n_static, char ***names, double **values)
{
    size_t n_values;
    *names = calloc(n_static ? n_static : 1, sizeof **names);
    *values = mc_size_mul(n_static, p->n, &n_values)
                  ? mc_realloc_array(NULL, n_values, sizeof **values) : NULL;
    if (*names != NULL && *values != NULL)
        return true;
    free(*names);
    free(*values);
    *names = NULL;
    *values = NULL;
    return false;
}

/* Copies the attribute names, checking them; `where` names the source. */
static mc_status copy_names(char **out, const char *const *names, size_t n, const char *where,
                            size_t line, const size_t *field, mc_error *err)
{
    char q[MC_ERROR_NAME_SIZE];
    for (size_t j = 0; j < n; j++) {
        const size_t col = field != NULL ? field[j] : 0;
        if (names[j] == NULL || names[j][0] == '\0')
            return mc_error_set(err, MC_ERR_ARGUMENT, line, col,
                                "%s: static covariate %zu has %s name", where, j + 1,
                                names[j] == NULL ? "a NULL" : "an empty");
        for (size_t k = 0; k < j; k++)
            if (strcmp(names[k], names[j]) == 0)
                return mc_error_set(err, MC_ERR_ARGUMENT, line, col,
                                    "%s: static covariate \"%s\" is named twice", where,
                                    mc_error_name(q, names[j]));
        if ((out[j] = mc_panel_copy_text(names[j])) == NULL)
            return mc_error_nomem(err, "naming static covariates");
    }
    return MC_OK;
}

mc_status mc_panel_set_static(mc_panel *p, const char *const *names, size_t n_static,
                              const double *values, mc_error *err)
{
    if (n_static > 0 && (names == NULL || values == NULL))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "static covariates need names and values");
    for (size_t j = 0; j < n_static; j++)
        for (size_t i = 0; i < p->n; i++) {
            const double v = values[j * p->n + i];
            if (!isfinite(v) || fabs(v) > MC_VALUE_MAX_MAGNITUDE) {
                char q[MC_ERROR_NAME_SIZE];
                return mc_error_set(err, MC_ERR_VALUE, 0, 0,
                                    "static covariate %zu of series \"%s\" is %g, not a finite "
                                    "number of magnitude at most 1e100",
                                    j + 1, mc_error_name(q, p->names[i]), v);
            }
        }
    char **copy;
    double *vals;
    if (!alloc_statics(p, n_static, &copy, &vals))
        return mc_error_nomem(err, "storing static covariates");
    mc_status st = copy_names(copy, names, n_static, "arrays", 0, NULL, err);
    if (st != MC_OK) {
        free_names(copy, n_static);
        free(vals);
        return st;
    }
    if (n_static > 0)
        memcpy(vals, values, n_static * p->n * sizeof *vals);
    install(p, copy, n_static, vals);
    if (err != NULL)
        mc_error_clear(err);
    return MC_OK;
}

typedef struct static_reader {
    mc_panel *p;
    const char *path;
    const char *series_column;
    size_t n_static;
    char **names;     /* (n_static) */
    size_t *field;    /* (n_static) 1-based file fields of the attributes */
    double *values;   /* (n_static)(p->n) */
    size_t *line_of;  /* (p->n) the line of each series' row, 0 before it */
    size_t series_field;
} static_reader;

static mc_status on_columns(void *ctx, const char *const *names, size_t n, size_t line,
                            size_t *select, size_t *n_select, mc_error *err)
{
    static_reader *r = ctx;
    size_t s = 0;
    mc_status st;
    if (r->series_column != NULL &&
        (st = mc_csv_find_column(r->path, line, names, n, r->series_column, "series", &s, err)) !=
            MC_OK)
        return st;
    if (n < 2)
        return mc_error_set(err, MC_ERR_COLUMN, line, 0,
                            "%s: line %zu: no column of static covariates besides the series "
                            "column",
                            r->path, line);
    r->series_field = s + 1;
    r->n_static = n - 1;
    const char **attr = calloc(r->n_static, sizeof *attr);
    r->field = calloc(r->n_static, sizeof *r->field);
    r->line_of = calloc(r->p->n, sizeof *r->line_of);
    if (attr == NULL || r->field == NULL || r->line_of == NULL ||
        !alloc_statics(r->p, r->n_static, &r->names, &r->values)) {
        free(attr);
        return mc_error_nomem(err, "reading static covariates");
    }
    select[0] = s;
    for (size_t i = 0, j = 0; i < n; i++)
        if (i != s) {
            select[1 + j] = i;
            r->field[j] = i + 1;
            attr[j++] = names[i];
        }
    *n_select = n;
    for (size_t j = 0; j < r->n_static; j++)
        for (size_t k = 0; k < j; k++)
            if (strcmp(attr[k], attr[j]) == 0) {
                char q[MC_ERROR_NAME_SIZE];
                st = mc_error_set(err, MC_ERR_COLUMN, line, r->field[j],
                                  "%s: line %zu: the header names column \"%s\" twice (fields "
                                  "%zu and %zu)",
                                  r->path, line, mc_error_name(q, attr[j]), r->field[k],
                                  r->field[j]);
                free(attr);
                return st;
            }
    st = copy_names(r->names, attr, r->n_static, r->path, line, r->field, err);
    free(attr);
    return st;
}

static mc_status on_row(void *ctx, mc_csv_field *fields, size_t line, mc_error *err)
{
    static_reader *r = ctx;
    const size_t i = mc_panel_lookup(r->p, fields[0].text, fields[0].len);
    if (i == SIZE_MAX)
        return MC_OK; /* a series this panel does not have */
    char q[MC_ERROR_NAME_SIZE];
    if (r->line_of[i] != 0)
        return mc_error_set(err, MC_ERR_DUPLICATE, line, r->series_field,
                            "%s: line %zu: a second row for series \"%s\" (the first is line %zu)",
                            r->path, line, mc_error_name(q, r->p->names[i]), r->line_of[i]);
    r->line_of[i] = line;
    for (size_t j = 0; j < r->n_static; j++) {
        mc_csv_field *f = &fields[1 + j];
        double v;
        const mc_number_kind kind = mc_csv_parse_number(f->text, f->len, '.', &v);
        if (kind != MC_NUMBER) {
            char text[64];
            mc_error_quote(text, sizeof text, f->text, f->len);
            return mc_error_set(err, MC_ERR_VALUE, line, r->field[j],
                                "%s: line %zu, column \"%s\" (field %zu): \"%s\" %s", r->path,
                                line, mc_error_name(q, r->names[j]), r->field[j], text,
                                kind == MC_TOO_LARGE ? "is beyond the 1e100 a value may be"
                                                     : "is not a number");
        }
        r->values[j * r->p->n + i] = v;
    }
    return MC_OK;
}

/* The first series without a row, named with the count of such. */
static mc_status check_complete(const static_reader *r, mc_error *err)
{
    size_t missing = 0, first = SIZE_MAX;
    for (size_t i = 0; i < r->p->n; i++)
        if (r->line_of[i] == 0) {
            missing++;
            if (first == SIZE_MAX)
                first = i;
        }
    if (missing == 0)
        return MC_OK;
    char q[MC_ERROR_NAME_SIZE];
    return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                        "%s: no row for series \"%s\"%s (every series needs its static "
                        "covariates)",
                        r->path, mc_error_name(q, r->p->names[first]),
                        missing > 1 ? " and others" : "");
}

mc_status mc_panel_read_static(mc_panel *p, const char *path, const char *series_column,
                               mc_error *err)
{
    FILE *fp;
    mc_status st = mc_csv_open(&fp, path, err);
    if (st != MC_OK)
        return st;
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    static_reader r = {.p = p, .path = path, .series_column = series_column};
    const mc_csv_source src = mc_csv_source_stream(fp, path);
    const mc_csv_handler handler = {on_columns, on_row};
    mc_csv_stats stats;
    st = mc_csv_build_read(&src, &opt, &handler, &r, &stats, err);
    fclose(fp);
    if (st == MC_OK && r.line_of == NULL)
        st = mc_error_set(err, MC_ERR_EMPTY, 0, 0, "%s: the file is empty", path);
    if (st == MC_OK)
        st = check_complete(&r, err);
    free(r.field);
    free(r.line_of);
    if (st != MC_OK) {
        free_names(r.names, r.n_static);
        free(r.values);
        return st;
    }
    install(p, r.names, r.n_static, r.values);
    if (err != NULL)
        mc_error_clear(err);
    return MC_OK;
}
