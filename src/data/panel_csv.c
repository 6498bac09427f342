/* Reading many series from CSV files into a panel: the long, wide and
   one-file-per-series layouts, each file read once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/csv_build.h"
#include "data/frame_internal.h"
#include "data/panel_internal.h"

void mc_panel_options_defaults(mc_panel_options *opt)
{
    memset(opt, 0, sizeof *opt);
    mc_csv_options_defaults(&opt->csv);
}

typedef enum layout { LONG, WIDE, PER_FILE } layout;

/* Where a series was first met, for the message when its name comes again. */
typedef struct origin {
    const char *path;
    size_t line; /* 0 in the one-file-per-series layout */
} origin;

typedef struct reader {
    const mc_panel_options *opt;
    layout layout;
    mc_panel *panel;
    origin *origins;      /* (origins_cap) one per series of the panel */
    size_t origins_cap;
    const char *path;     /* the file being read */
    size_t first;         /* its first series in the panel */
    mc_csv_build b;
    char *time_name;      /* its time column */
    char **columns;       /* (n_columns) its frame columns: the load, then the covariates */
    size_t n_columns;
    size_t n_select;      /* columns selected from it */
    size_t *pick;         /* (n_columns) wide layout: where a series' values are */
    size_t last;          /* long layout: the series of the row before, or SIZE_MAX */
} reader;

static void clear_file(reader *r)
{
    for (size_t j = 0; r->columns != NULL && j < r->n_columns; j++)
        free(r->columns[j]);
    free(r->columns);
    free(r->time_name);
    free(r->pick);
    free(r->b.field_of);
    r->columns = NULL;
    r->n_columns = 0;
    r->time_name = NULL;
    r->pick = NULL;
    r->b.field_of = NULL;
}

/* Keeps the names of the time column and of the frame columns: the header's
   names live only during the columns callback. `load` is the selection index
   of the load column; the covariates follow the targets. */
static bool keep_names(reader *r, const char *const *names, const size_t *select, size_t load,
                       size_t n_targets)
{
    const size_t n_cov = r->opt->csv.n_covariates;
    r->n_columns = 1 + n_cov;
    r->time_name = mc_panel_copy_text(names[select[0]]);
    r->columns = calloc(r->n_columns, sizeof *r->columns);
    r->pick = mc_realloc_array(NULL, r->n_columns, sizeof *r->pick);
    if (r->time_name == NULL || r->columns == NULL || r->pick == NULL)
        return false;
    r->b.time_name = r->time_name;
    r->pick[0] = load;
    for (size_t c = 0; c < n_cov; c++)
        r->pick[1 + c] = 1 + n_targets + c;
    for (size_t j = 0; j < r->n_columns; j++)
        if ((r->columns[j] = mc_panel_copy_text(names[select[r->pick[j]]])) == NULL)
            return false;
    return true;
}

/* "a.csv" or "a.csv, line 7": where a series was met. */
static void place_text(char *out, size_t size, const origin *o)
{
    if (o->line == 0)
        snprintf(out, size, "%s", o->path);
    else
        snprintf(out, size, "%s, line %zu", o->path, o->line);
}

/* Adds a series met at `line` (0: named by the file) with a new frame of
   the columns r->columns, after checking that no earlier place named it. */
static mc_status add_series(reader *r, const char *name, size_t len, size_t line, size_t column,
                            mc_error *err)
{
    mc_panel *p = r->panel;
    const size_t seen = mc_panel_lookup(p, name, len);
    if (seen != SIZE_MAX) {
        char q[MC_ERROR_NAME_SIZE], where[300];
        mc_error_quote(q, sizeof q, name, len);
        place_text(where, sizeof where, &r->origins[seen]);
        if (line == 0)
            return mc_error_set(err, MC_ERR_DUPLICATE, 0, 0,
                                "%s: series \"%s\" (named by the file) is also named by %s", r->path, q,
                                where);
        return mc_error_set(err, MC_ERR_DUPLICATE, line, column,
                            "%s: line %zu (field %zu): series \"%s\" was already read from %s",
                            r->path, line, column, q, where);
    }
    if (p->n == r->origins_cap) {
        const size_t cap = r->origins_cap ? 2 * r->origins_cap : 8;
        origin *o = mc_realloc_array(r->origins, cap, sizeof *o);
        if (o == NULL)
            return mc_error_nomem(err, "adding a series");
        r->origins = o;
        r->origins_cap = cap;
    }
    mc_frame *f = mc_frame_alloc(r->path, r->time_name, (const char *const *)r->columns,
                                 r->n_columns);
    if (f == NULL)
        return mc_error_nomem(err, "adding a series");
    if (!mc_panel_append(p, name, len, f)) {
        mc_frame_free(f);
        return mc_error_nomem(err, "adding a series");
    }
    r->origins[p->n - 1] = (origin){r->path, line};
    return MC_OK;
}

/* The series name of a file in the one-file-per-series layout: its base
   name without the directory and the last extension. */
static void base_name(const char *path, const char **name, size_t *len)
{
    const char *slash = strrchr(path, '/');
    const char *s = slash != NULL ? slash + 1 : path;
    const char *dot = strrchr(s, '.');
    *name = s;
    *len = dot != NULL && dot != s ? (size_t)(dot - s) : strlen(s);
}

static mc_status on_columns(void *ctx, const char *const *names, size_t n, size_t line,
                            size_t *select, size_t *n_select, mc_error *err)
{
    reader *r = ctx;
    const mc_panel_options *opt = r->opt;
    const mc_csv_want want = {
        .targets = r->layout == WIDE ? opt->targets : NULL,
        .n_targets = r->layout == WIDE ? opt->n_targets : 0,
        .extra = r->layout == LONG ? opt->series_column : NULL,
        .extra_role = "series",
    };
    mc_status st = mc_csv_build_select(&r->b, names, n, line, &want, select, n_select, err);
    if (st != MC_OK)
        return st;
    r->n_select = *n_select;
    const size_t n_targets = r->layout == WIDE ? opt->n_targets : 1;
    if (!keep_names(r, names, select, 1, n_targets))
        return mc_error_nomem(err, "selecting columns");
    if (r->layout == PER_FILE) {
        const char *name;
        size_t len;
        base_name(r->path, &name, &len);
        if (len == 0)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                "%s: the path names no file to name a series after", r->path);
        return add_series(r, name, len, 0, 0, err);
    }
    for (size_t t = 0; r->layout == WIDE && t < n_targets; t++) {
        char *name = r->columns[0];
        if ((r->columns[0] = mc_panel_copy_text(names[select[1 + t]])) == NULL) {
            r->columns[0] = name;
            return mc_error_nomem(err, "selecting columns");
        }
        free(name);
        if ((st = add_series(r, r->columns[0], strlen(r->columns[0]), line,
                             select[1 + t] + 1, err)) != MC_OK)
            return st;
    }
    return MC_OK;
}

/* Long layout: the series of a row, added when it is new. */
static mc_status row_series(reader *r, mc_csv_field *fields, size_t line, size_t *out,
                            mc_error *err)
{
    const size_t k = r->n_select - 1;
    const mc_csv_field *s = &fields[k];
    if (s->len == 0) {
        char q[MC_ERROR_NAME_SIZE];
        return mc_error_set(err, MC_ERR_VALUE, line, r->b.field_of[k],
                            "%s: line %zu, column \"%s\" (field %zu): the series name is empty",
                            r->path, line, mc_error_name(q, r->opt->series_column),
                            r->b.field_of[k]);
    }
    const mc_panel *p = r->panel;
    if (r->last != SIZE_MAX && strlen(p->names[r->last]) == s->len &&
        memcmp(p->names[r->last], s->text, s->len) == 0) {
        *out = r->last;
        return MC_OK;
    }
    size_t i = mc_panel_lookup(p, s->text, s->len);
    if (i == SIZE_MAX || i < r->first) {
        mc_status st = add_series(r, s->text, s->len, line, r->b.field_of[k], err);
        if (st != MC_OK)
            return st;
        i = p->n - 1;
    }
    r->last = *out = i;
    return MC_OK;
}

static mc_status on_row(void *ctx, mc_csv_field *fields, size_t line, mc_error *err)
{
    reader *r = ctx;
    int64_t t;
    int16_t offset;
    size_t series = r->first;
    mc_status st;
    if (r->layout == LONG && (st = row_series(r, fields, line, &series, err)) != MC_OK)
        return st;
    if ((st = mc_csv_build_time(&r->b, &fields[0], line, &t, &offset, err)) != MC_OK)
        return st;
    if (r->layout != WIDE)
        return mc_csv_build_append(&r->b, r->panel->frames[series], fields, NULL, line, t, offset,
                                   err);
    for (size_t i = r->first; i < r->panel->n; i++) {
        r->pick[0] = 1 + (i - r->first);
        if ((st = mc_csv_build_append(&r->b, r->panel->frames[i], fields, r->pick, line, t,
                                      offset, err)) != MC_OK)
            return st;
    }
    return MC_OK;
}

static mc_status read_file(reader *r, const char *path, mc_error *err)
{
    FILE *fp;
    mc_status st = mc_csv_open(&fp, path, err);
    if (st != MC_OK)
        return st;
    r->path = path;
    r->first = r->panel->n;
    r->last = SIZE_MAX;
    r->b = (mc_csv_build){.opt = &r->opt->csv, .source = path};
    const mc_csv_source src = mc_csv_source_stream(fp, path);
    const mc_csv_handler handler = {on_columns, on_row};
    mc_csv_stats stats;
    st = mc_csv_build_read(&src, &r->opt->csv, &handler, r, &stats, err);
    fclose(fp);
    if (st == MC_OK && stats.data_rows == 0)
        st = mc_error_set(err, MC_ERR_EMPTY, 0, 0, "%s: no data rows after the header", path);
    for (size_t i = r->first; st == MC_OK && i < r->panel->n; i++)
        mc_csv_build_finish(r->panel->frames[i], &r->b, &stats, r->panel->frames[i]->rows);
    clear_file(r);
    return st;
}

static mc_status check_options(const char *const *paths, size_t n_paths,
                               const mc_panel_options *opt, mc_error *err)
{
    if (paths == NULL || n_paths == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "a panel needs at least one file");
    for (size_t k = 0; k < n_paths; k++)
        if (paths[k] == NULL)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "path %zu is NULL", k + 1);
    if (opt->series_column != NULL && opt->targets != NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "series are named either by a series column or by target columns, "
                            "not both");
    if (opt->targets != NULL && opt->n_targets == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the list of target columns is empty");
    if (opt->series_column != NULL && opt->series_column[0] == '\0')
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the series column's name is empty");
    return MC_OK;
}

mc_status mc_panel_read_csv(mc_panel **out, const char *const *paths, size_t n_paths,
                            const mc_panel_options *opt, mc_error *err)
{
    *out = NULL;
    mc_status st = check_options(paths, n_paths, opt, err);
    if (st != MC_OK)
        return st;
    reader r = {
        .opt = opt,
        .layout = opt->series_column != NULL ? LONG : opt->targets != NULL ? WIDE : PER_FILE,
        .panel = mc_panel_alloc(),
    };
    if (r.panel == NULL)
        return mc_error_nomem(err, "creating a panel");
    for (size_t k = 0; st == MC_OK && k < n_paths; k++)
        st = read_file(&r, paths[k], err);
    free(r.origins);
    if (st != MC_OK) {
        mc_panel_free(r.panel);
        return st;
    }
    *out = r.panel;
    if (err != NULL)
        mc_error_clear(err);
    return MC_OK;
}
