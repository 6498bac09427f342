/**
 * @file maskcast/panel.h
 * @brief Panels: many named load series (zones, feeders, customers), each
 * its own frame, with optional static covariates per series.
 *
 * A panel holds series in a fixed order; series i has a name and a frame
 * (column 0 the load, then the covariates). Series are read from CSV in one
 * of three layouts (docs/DATA.md, "Many series"):
 *   - long: one load column and a series column whose value names each
 *     row's series (`series_column`);
 *   - wide: several load columns in one file, one series each (`targets`);
 *   - one file per series, named by the file's base name (neither).
 *
 * Typical use:
 *
 *     mc_panel_options po;
 *     mc_panel_options_defaults(&po);
 *     po.csv.target_column = "load";
 *     po.series_column = "zone";
 *     const char *paths[] = {"zones.csv"};
 *     mc_panel *p = NULL;
 *     mc_error err;
 *     mc_regularize_options ropt;
 *     mc_regularize_options_defaults(&ropt);
 *     if (mc_panel_read_csv(&p, paths, 1, &po, &err) != MC_OK ||
 *         mc_panel_regularize(p, &ropt, &err) != MC_OK) {
 *         fprintf(stderr, "%s\n", err.message);
 *         mc_panel_free(p);
 *         return 1;
 *     }
 *     for (size_t i = 0; i < mc_panel_series(p); i++)
 *         ... mc_panel_series_name(p, i), mc_panel_frame(p, i) ...
 *     mc_panel_free(p);
 *
 * Thread safety: a panel is not synchronised. Distinct panels may be used
 * from distinct threads at once; const accessors on one panel (and on its
 * frames) may be called from several threads as long as no thread modifies
 * it.
 */
#ifndef MASKCAST_PANEL_H
#define MASKCAST_PANEL_H

#include <stddef.h>

#include "maskcast/frame.h"
#include "maskcast/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Many named series, each its own frame (opaque). */
typedef struct mc_panel mc_panel;

/** How series are laid out in the CSV input; fill with mc_panel_options_defaults(). */
typedef struct mc_panel_options {
    mc_csv_options csv;         /**< time column, covariates (shared by every series), format,
                                   lenient, ...; csv.target_column: the load column (long
                                   format, one file per series; not used in the wide format);
                                   NULL: the first column that is neither the time nor the
                                   series column */
    const char *series_column;  /**< long format: the column whose value names each row's
                                   series; NULL for none */
    const char *const *targets; /**< wide format: several load columns in one file, each a
                                   series named by its column; NULL for none */
    size_t n_targets;           /**< entries in targets */
} mc_panel_options;

/** Fills `opt` (not NULL) with the defaults: mc_csv_options_defaults() for
   csv, no series column, no targets (one file per series). The strings of
   an options struct belong to the caller and are only read during a call.
   Thread-safe. */
MC_API void mc_panel_options_defaults(mc_panel_options *opt);

/**
 * Reads n_paths files (n_paths >= 1) into a new panel, each file once.
 *
 * - Long format (opt->series_column set): rows are split by the series
 *   column's text (any non-empty string, e.g. "AEP", "feeder 12"); series
 *   appear in order of first appearance and each keeps its rows in file
 *   order, so regularising sees duplicates and unsorted rows as it would in
 *   a file of that series alone.
 * - Wide format (opt->targets set): every target column becomes a series
 *   named by the column, with the covariates copied into each.
 * - Neither: each file is one series, named by the file's base name without
 *   its directory and extension; with csv.target_column NULL each file's
 *   load is its own first column that is not the time column.
 *
 * Several files in the long or wide format pool their series; a series name
 * met twice (in two files, or a wide target also named elsewhere) is refused
 * with MC_ERR_DUPLICATE naming both places, and so are two files of the same
 * base name in the third layout. Setting both series_column and targets is
 * MC_ERR_ARGUMENT.
 *
 * Each series' frame has column 0 the load (named as in its file), then the
 * covariates in the order asked; it is not regularised yet
 * (mc_panel_regularize()). Its report counts that series' rows and values;
 * the delimiter and blank lines are its file's. Every file needs data rows
 * (MC_ERR_EMPTY otherwise). An empty series name is refused (MC_ERR_VALUE)
 * with file, line and column; other errors are those of mc_frame_read_csv(),
 * naming file, line and column likewise.
 *
 * On success stores a panel the caller frees with mc_panel_free() and
 * returns MC_OK. On failure stores NULL, frees everything it built, fills
 * `err` (may be NULL) and returns its code. `out`, `paths` (and each path)
 * and `opt` must not be NULL. Reentrant: threads may read panels at once.
 */
MC_API mc_status mc_panel_read_csv(mc_panel **out, const char *const *paths, size_t n_paths,
                                   const mc_panel_options *opt, mc_error *err);

/**
 * Builds a panel from n (>= 1) distinct frames already in memory, taking
 * them over: the panel frees them, also when the call fails, so the caller
 * must not use or free them afterwards. names[i] (copied) names frames[i];
 * names must be distinct and non-empty. On success stores the panel (free it
 * with mc_panel_free()) and returns MC_OK; on failure stores NULL (when
 * `out` is not NULL) and returns MC_ERR_ARGUMENT (a NULL array, frame or
 * name, an empty name), MC_ERR_EMPTY (n == 0), MC_ERR_DUPLICATE (a name
 * given twice) or MC_ERR_NOMEM. Reentrant.
 */
MC_API mc_status mc_panel_from_frames(mc_panel **out, mc_frame **frames, const char *const *names,
                                      size_t n, mc_error *err);

/**
 * Regularises every series on its own with mc_frame_regularize() (its own
 * step detection, duplicates, gaps and daylight-saving repeats), in panel
 * order. Every series must end on one step: series on different steps are
 * refused with MC_ERR_GRID naming two of them and their steps (give the
 * finer ones on the coarser step first). A frame's error is returned with
 * its message prefixed by the series: `series "AEP": ...`.
 *
 * On failure the series before the failing one may already be regularised:
 * the panel stays valid and freeable, but to retry with other options read
 * it again. `p` and `opt` must not be NULL; `err` may be. No other thread
 * may use the panel during the call; pointers obtained from its frames
 * become invalid.
 */
MC_API mc_status mc_panel_regularize(mc_panel *p, const mc_regularize_options *opt,
                                     mc_error *err);

/**
 * Sets the time zone of every series with mc_frame_set_time_zone() (call it
 * before mc_panel_regularize()). Errors are that function's, the message
 * prefixed by the series; series before the failing one keep the zone. `p`
 * and `zone` must not be NULL. No other thread may use the panel meanwhile.
 */
MC_API mc_status mc_panel_set_time_zone(mc_panel *p, const char *zone, const char *zone_dir,
                                        mc_error *err);

/**
 * Keeps only the series named `name` (with its static covariates) and frees
 * the others. When there is none, returns MC_ERR_ARGUMENT with a message
 * listing the series there are (at most 12 of them) and leaves the panel
 * unchanged. `p` and `name` must not be NULL. Pointers to the frames of the
 * removed series become invalid.
 */
MC_API mc_status mc_panel_keep_only(mc_panel *p, const char *name, mc_error *err);

/*
 * Accessors. `p` must not be NULL. They only read the panel, so threads may
 * call them at once on a panel that no thread modifies. Strings and frames
 * returned belong to the panel and stay valid until it is freed (or the
 * series removed by mc_panel_keep_only()).
 */

/** Number of series. */
MC_API size_t mc_panel_series(const mc_panel *p);

/** Name of series `i`; NULL when i is out of range. */
MC_API const char *mc_panel_series_name(const mc_panel *p, size_t i);

/** Frame of series `i`; NULL when i is out of range. */
MC_API const mc_frame *mc_panel_frame(const mc_panel *p, size_t i);

/** Frame of series `i` for changing it (a time zone, say); NULL when i is out
   of range. The panel keeps ownership: do not free it. */
MC_API mc_frame *mc_panel_frame_mutable(mc_panel *p, size_t i);

/** Index of the series named `name` (not NULL), or SIZE_MAX when there is none. */
MC_API size_t mc_panel_find(const mc_panel *p, const char *name);

/**
 * Reads static covariates, numeric attributes of each series (a customer
 * class coded as a number, an area, ...), from the CSV file at `path`: a
 * header, then one row per series. The column `series_column` (NULL: the
 * first column) names the series; every other column is an attribute named
 * by its header (non-empty, distinct). The delimiter is detected as for
 * frames; numbers use '.' as the decimal mark.
 *
 * Every series of the panel needs exactly one row: a missing series is
 * refused with MC_ERR_ARGUMENT naming it, a second row for a series with
 * MC_ERR_DUPLICATE naming both lines. Rows for series not in the panel are
 * ignored. A value of a panel series that is not a finite number of
 * magnitude at most MC_VALUE_MAX_MAGNITUDE is refused with MC_ERR_VALUE
 * naming file, line and column; an unknown series column with
 * MC_ERR_COLUMN; a file without attribute columns with MC_ERR_COLUMN; also
 * MC_ERR_IO, MC_ERR_CSV, MC_ERR_NOMEM.
 *
 * On success replaces the panel's earlier statics; on failure they are
 * unchanged. `p` and `path` must not be NULL. No other thread may use the
 * panel during the call.
 */
MC_API mc_status mc_panel_read_static(mc_panel *p, const char *path, const char *series_column,
                                      mc_error *err);

/**
 * Sets the static covariates from arrays, replacing earlier ones:
 * names[j] (copied; non-empty, distinct) names attribute j, and
 * values[j * n_series + i] is attribute j of series i in panel order
 * (n_series = mc_panel_series(p)). n_static == 0 removes them (names and
 * values may then be NULL). MC_ERR_ARGUMENT for a NULL array or name, an
 * empty or repeated name; MC_ERR_VALUE for a value that is not finite or
 * beyond MC_VALUE_MAX_MAGNITUDE; MC_ERR_NOMEM. On failure the earlier
 * statics are unchanged. No other thread may use the panel during the call.
 */
MC_API mc_status mc_panel_set_static(mc_panel *p, const char *const *names, size_t n_static,
                                     const double *values, mc_error *err);

/** Number of static covariates (0 until some are set). */
MC_API size_t mc_panel_static_count(const mc_panel *p);

/** Name of static covariate `j`; NULL when j is out of range. */
MC_API const char *mc_panel_static_name(const mc_panel *p, size_t j);

/** Static covariate `j` of series `i`; NaN when either is out of range. */
MC_API double mc_panel_static_value(const mc_panel *p, size_t j, size_t i);

/** Frees `p`, its frames and everything it owns; pointers obtained from it
   become invalid. NULL is a no-op. No other thread may be using the panel. */
MC_API void mc_panel_free(mc_panel *p);

#ifdef __cplusplus
}
#endif

#endif /* MASKCAST_PANEL_H */
