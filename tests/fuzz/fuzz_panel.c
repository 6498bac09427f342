/*
 * fuzz_panel: panels of many series read from CSV (mc_panel_read_csv) in
 * the long, wide and one-file-per-series layouts, regularised, then given
 * static covariates.
 *
 * Input: 3 option bytes (delimiter, decimal mark, lenient reading, layout,
 * series and covariate columns, regularisation policies), the CSV text,
 * then optionally a NUL byte and a static covariates CSV. The texts reach
 * the reader as files through memfd_create (the reader takes paths).
 *
 * Asserts: the same bytes give the same panel (series, names, frames) or
 * the same error whatever the chunk size; series names are non-empty and
 * found at their index; every frame has rows and states that agree with
 * its values; the series together hold the rows a one-series read of the
 * same file holds (long layout), each wide series is that read of its
 * column, and a one-file panel's series is that read; regularising gives
 * regular frames on one step, or a clean error; statics are finite and
 * one per series, or refused cleanly with the panel's statics unchanged.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_util.h"

static const size_t CHUNKS[] = {0, 1, 7};
enum { N_CHUNKS = sizeof CHUNKS / sizeof CHUNKS[0] };

static const char *const NAMES[] = {"time", "zone", "load", "temperature", "1", "x", "north",
                                    "south"};
enum { N_NAMES = sizeof NAMES / sizeof NAMES[0] };

typedef struct fuzz_options {
    mc_panel_options panel;
    const char *covariates[1];
    const char *targets[2];
    mc_regularize_options reg;
} fuzz_options;

/* b0: delimiter (bits 0-2), decimal comma, lenient, time column "time",
   target "load", one covariate; b1: layout (bits 0-1: long, wide, one
   file), the series or first target column (bits 2-4), the covariate (bits
   5-7); b2: duplicates (bits 0-1), sorting refused, long fill (bits 3-4), a
   second target, and which (bits 6-7). */
static void choose_options(fuzz_input *in, fuzz_options *o)
{
    static const char delimiters[] = {0, 0, ',', ';', '\t', '|'};
    const uint8_t b0 = fuzz_byte(in), b1 = fuzz_byte(in), b2 = fuzz_byte(in);
    mc_panel_options_defaults(&o->panel);
    mc_csv_options *csv = &o->panel.csv;
    csv->delimiter = delimiters[(b0 & 7) % sizeof delimiters];
    csv->decimal = (b0 & 0x08) ? ',' : '.';
    csv->lenient = (b0 & 0x10) != 0;
    csv->time_column = (b0 & 0x20) ? "time" : NULL;
    csv->target_column = (b0 & 0x40) ? "load" : NULL;
    csv->n_covariates = (b0 >> 7) & 1;
    o->covariates[0] = NAMES[(b1 >> 5) % N_NAMES];
    csv->covariates = o->covariates;
    const size_t named = (b1 >> 2) % N_NAMES;
    if ((b1 & 3) == 0) {
        o->panel.series_column = NAMES[named];
    } else if ((b1 & 3) == 1) {
        o->targets[0] = NAMES[named];
        o->targets[1] = NAMES[(named + 1 + (b2 >> 6)) % N_NAMES];
        o->panel.targets = o->targets;
        o->panel.n_targets = 1 + ((b2 >> 5) & 1);
    }
    mc_regularize_options_defaults(&o->reg);
    o->reg.duplicates = (mc_duplicates)(b2 & 3);
    o->reg.sort = !(b2 & 0x04);
    o->reg.long_fill = (mc_long_fill)(((b2 >> 3) & 3) % 3);
}

/* A file holding `size` bytes at `data`, named by *path. */
static int memfile(const void *data, size_t size, char *path, size_t path_size)
{
    const int fd = memfd_create("fuzz_panel", 0);
    FUZZ_ASSERT(fd >= 0);
    FUZZ_ASSERT(size == 0 || write(fd, data, size) == (ssize_t)size);
    snprintf(path, path_size, "/proc/self/fd/%d", fd);
    return fd;
}

static void assert_same_panel(const mc_panel *a, const mc_panel *b)
{
    FUZZ_ASSERT(mc_panel_series(a) == mc_panel_series(b));
    for (size_t i = 0; i < mc_panel_series(a); i++) {
        FUZZ_ASSERT(strcmp(mc_panel_series_name(a, i), mc_panel_series_name(b, i)) == 0);
        fuzz_assert_same_frame(mc_panel_frame(a, i), mc_panel_frame(b, i));
    }
}

static size_t observed(const mc_frame *f, size_t j)
{
    size_t n = 0;
    for (size_t i = 0; i < mc_frame_rows(f); i++)
        n += mc_frame_states(f, j)[i] == MC_VALUE_OBSERVED;
    return n;
}

/* The panel against a one-series read of the same file. */
static void check_against_single(const mc_panel *p, const char *path, const fuzz_options *o)
{
    mc_csv_options csv = o->panel.csv;
    if (o->panel.targets == NULL && o->panel.series_column == NULL) {
        mc_frame *f = NULL;
        mc_error err;
        FUZZ_ASSERT(mc_frame_read_csv(&f, path, &csv, &err) == MC_OK);
        fuzz_assert_same_frame(mc_panel_frame(p, 0), f);
        mc_frame_free(f);
        return;
    }
    size_t rows = 0, obs = 0;
    for (size_t i = 0; i < mc_panel_series(p); i++) {
        rows += mc_frame_rows(mc_panel_frame(p, i));
        obs += observed(mc_panel_frame(p, i), 0);
    }
    for (size_t i = 0; i < mc_panel_series(p); i++) {
        mc_frame *f = NULL;
        mc_error err;
        csv.target_column = mc_frame_column_name(mc_panel_frame(p, i), 0);
        /* By name a header naming a column twice is refused, where the
           panel's default took the first by position. */
        if (mc_frame_read_csv(&f, path, &csv, &err) != MC_OK) {
            FUZZ_ASSERT(err.code == MC_ERR_COLUMN);
            return;
        }
        if (o->panel.targets != NULL) {
            FUZZ_ASSERT(strcmp(mc_panel_series_name(p, i), csv.target_column) == 0);
            fuzz_assert_same_frame(mc_panel_frame(p, i), f);
        } else {
            FUZZ_ASSERT(mc_frame_rows(f) == rows && observed(f, 0) == obs);
        }
        mc_frame_free(f);
        if (o->panel.targets == NULL)
            return;
    }
}

static void check_panel(mc_panel *p, const char *path, const fuzz_options *o)
{
    FUZZ_ASSERT(mc_panel_series(p) > 0);
    for (size_t i = 0; i < mc_panel_series(p); i++) {
        const char *name = mc_panel_series_name(p, i);
        FUZZ_ASSERT(name != NULL && name[0] != '\0' && mc_panel_find(p, name) == i);
        const mc_frame *f = mc_panel_frame(p, i);
        FUZZ_ASSERT(mc_frame_rows(f) > 0 && mc_frame_step(f) == 0);
        FUZZ_ASSERT(mc_frame_columns(f) == 1 + o->panel.csv.n_covariates);
        FUZZ_ASSERT(mc_frame_get_report(f)->file_rows == mc_frame_rows(f));
        fuzz_assert_frame_states(f);
    }
    FUZZ_ASSERT(mc_panel_series_name(p, mc_panel_series(p)) == NULL);
    check_against_single(p, path, o);
    mc_error err;
    const mc_status st = mc_panel_regularize(p, &o->reg, &err);
    if (st != MC_OK) {
        fuzz_assert_clean_error(st, &err);
        FUZZ_ASSERT(strncmp(err.message, "series \"", 8) == 0);
        return;
    }
    for (size_t i = 0; i < mc_panel_series(p); i++) {
        fuzz_assert_regular(mc_panel_frame(p, i));
        FUZZ_ASSERT(mc_frame_step(mc_panel_frame(p, i)) == mc_frame_step(mc_panel_frame(p, 0)));
    }
}

static void check_statics(mc_panel *p, const uint8_t *data, size_t size)
{
    char path[64];
    const int fd = memfile(data, size, path, sizeof path);
    mc_error err;
    const mc_status st = mc_panel_read_static(p, path, NULL, &err);
    close(fd);
    if (st != MC_OK) {
        fuzz_assert_clean_error(st, &err);
        FUZZ_ASSERT(mc_panel_static_count(p) == 0);
        return;
    }
    FUZZ_ASSERT(mc_panel_static_count(p) > 0);
    for (size_t j = 0; j < mc_panel_static_count(p); j++) {
        FUZZ_ASSERT(mc_panel_static_name(p, j)[0] != '\0');
        for (size_t i = 0; i < mc_panel_series(p); i++)
            FUZZ_ASSERT(isfinite(mc_panel_static_value(p, j, i)));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    fuzz_options o;
    choose_options(&in, &o);
    const uint8_t *nul = in.size ? memchr(in.data, 0, in.size) : NULL;
    const size_t csv_size = nul != NULL ? (size_t)(nul - in.data) : in.size;

    char path[64];
    const int fd = memfile(in.data, csv_size, path, sizeof path);
    const char *paths[] = {path};
    mc_panel *panels[N_CHUNKS] = {NULL};
    mc_error errs[N_CHUNKS];
    mc_status st[N_CHUNKS];
    for (size_t k = 0; k < N_CHUNKS; k++) {
        o.panel.csv.chunk_size = CHUNKS[k];
        st[k] = mc_panel_read_csv(&panels[k], paths, 1, &o.panel, &errs[k]);
        FUZZ_ASSERT(st[k] == st[0]);
        if (st[0] == MC_OK)
            assert_same_panel(panels[k], panels[0]);
        else
            fuzz_assert_same_error(&errs[k], &errs[0]);
    }
    if (st[0] == MC_OK) {
        check_panel(panels[0], path, &o);
        if (nul != NULL)
            check_statics(panels[0], nul + 1, in.size - csv_size - 1);
    } else {
        fuzz_assert_clean_error(st[0], &errs[0]);
        FUZZ_ASSERT(panels[0] == NULL);
    }
    close(fd);
    for (size_t k = 0; k < N_CHUNKS; k++)
        mc_panel_free(panels[k]);
    return 0;
}
