/* maskcast describe: what a CSV holds, and what looks wrong with it. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_data.h"
#include "cli/cli_getopt.h"
#include "cli/cli_output.h"
#include "cli/cli_report.h"
#include "common/error.h"
#include "data/timestamp.h"

enum { OPT_JSON = MC_OPT_DATA_END, OPT_REPORT };

static void help(FILE *f)
{
    fprintf(f,
            "Usage: maskcast describe --csv FILE [--target COL] [--covariates A,B] [OPTIONS]\n"
            "\n"
            "Reads a load CSV as every other command does (same options, same checks), puts it\n"
            "on its time grid, fills gaps, and prints what was found: rows, span, step, rows\n"
            "inserted for gaps, duplicate times resolved, rows off the grid, per-column missing\n"
            "and filled counts, and suspicious values (zeros, negative load, and values more\n"
            "than %.0f robust standard deviations from the median of the 3 values on each side).\n"
            "\n"
            "  --json                 print one JSON object instead of the table\n"
            MC_CLI_REPORT_HELP
            "                         (every column over time with its inserted rows, filled\n"
            "                         values, merged duplicates and suspicious values)\n"
            "  -h, --help             this help\n"
            "\n"
            "%s"
            "\n"
            "Example:\n"
            "  maskcast describe --csv data/sample_load.csv --target load \\\n"
            "                    --covariates temperature,holiday\n",
            MC_OUTLIER_SIGMAS, MC_CLI_DATA_HELP);
}

static void print_table(const mc_frame *f, const char *path, const mc_column_summary *sum,
                        bool step_given, FILE *out)
{
    const mc_frame_report *r = mc_frame_get_report(f);
    const size_t n = mc_frame_rows(f);
    char first[40], last[40], step[32];
    mc_cli_row_time(f, 0, first, sizeof first);
    mc_cli_row_time(f, n - 1, last, sizeof last);
    mc_cli_format_duration(mc_frame_step(f), step, sizeof step);
    const double days = (double)(mc_frame_times(f)[n - 1] - mc_frame_times(f)[0]) / 86400.0;

    fprintf(out, "%s\n", path);
    fprintf(out, "  rows        %zu in the file, %zu on the grid (%zu inserted for gaps)\n",
            r->file_rows, n, r->gap_rows);
    fprintf(out, "  span        %s .. %s (%.1f days)\n", first, last, days);
    fprintf(out, "  step        %s (%s)\n", step, step_given ? "given" : "detected");
    if (mc_frame_time_zone(f) != NULL) {
        char zone[MC_ERROR_NAME_SIZE];
        fprintf(out, "  time zone   %s (times shown in local time)\n",
                mc_error_name(zone, mc_frame_time_zone(f)));
    }
    fprintf(out, "  order       %s\n", r->was_sorted ? "in time order" : "sorted (the file was not in time order)");
    fprintf(out, "  duplicates  %zu time%s repeated, %zu row%s merged\n", r->duplicate_times,
            r->duplicate_times == 1 ? "" : "s", r->duplicate_rows, r->duplicate_rows == 1 ? "" : "s");
    if (r->off_grid_rows > 0) {
        char when[40];
        mc_time_to_text(r->first_off_grid, 0, false, when, sizeof when);
        fprintf(out, "  off grid    %zu row%s dropped (first at %s%s)\n", r->off_grid_rows,
                r->off_grid_rows == 1 ? "" : "s", when, r->has_utc_offsets ? " UTC" : "");
    } else {
        fprintf(out, "  off grid    none\n");
    }
    fprintf(out, "  delimiter   '%s'%s\n", r->delimiter == '\t' ? "\\t" : (char[]){r->delimiter, 0},
            r->blank_lines ? ", blank lines skipped" : "");

    fprintf(out, "\n  %-14s %9s %8s %8s %8s %8s %8s %11s %11s %11s %6s %6s %8s\n", "column",
            "observed", "missing", "not-num", "interp", "seasonal", "left", "min", "median", "max",
            "zeros", "neg", "outliers");
    /* Names are the file's text: control bytes (terminal escapes) shown as '?'. */
    char name[MC_ERROR_NAME_SIZE];
    for (size_t j = 0; j < mc_frame_columns(f); j++) {
        const mc_column_report *c = mc_frame_column_report(f, j);
        const mc_column_summary *s = &sum[j];
        fprintf(out, "  %-14s %9zu %8zu %8zu %8zu %8zu %8zu %11.6g %11.6g %11.6g %6zu %6zu %8zu\n",
                mc_error_name(name, mc_frame_column_name(f, j)), s->observed, c->missing_in_file, c->non_numeric,
                c->interpolated, c->seasonal, c->missing, s->min, s->median, s->max, s->zeros,
                s->negatives, s->outliers);
    }
    fprintf(out, "\n  missing = empty/NA in the file (gap rows excluded); interp/seasonal = filled;\n"
                 "  left = still missing. Filled values never count as observed.\n");

    bool any = false;
    for (size_t j = 0; j < mc_frame_columns(f); j++) {
        for (size_t k = 0; k < sum[j].n_examples; k++) {
            if (!any)
                fprintf(out, "\n  most suspicious values (robust SDs from the local median):\n");
            any = true;
            char when[40];
            size_t i = sum[j].example_rows[k];
            mc_cli_row_time(f, i, when, sizeof when);
            fprintf(out, "    %-14s %s  %12.6g  %6.1f\n",
                    mc_error_name(name, mc_frame_column_name(f, j)), when,
                    mc_frame_values(f, j)[i], sum[j].example_scores[k]);
        }
    }
}

static cJSON *number_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *column_json(const mc_frame *f, size_t j, const mc_column_summary *s)
{
    const mc_column_report *c = mc_frame_column_report(f, j);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", mc_frame_column_name(f, j));
    cJSON_AddNumberToObject(o, "observed", (double)s->observed);
    cJSON_AddNumberToObject(o, "missing_in_file", (double)c->missing_in_file);
    cJSON_AddNumberToObject(o, "non_numeric", (double)c->non_numeric);
    cJSON_AddNumberToObject(o, "interpolated", (double)c->interpolated);
    cJSON_AddNumberToObject(o, "seasonal_filled", (double)c->seasonal);
    cJSON_AddNumberToObject(o, "still_missing", (double)c->missing);
    cJSON_AddItemToObject(o, "min", number_or_null(s->min));
    cJSON_AddItemToObject(o, "median", number_or_null(s->median));
    cJSON_AddItemToObject(o, "mean", number_or_null(s->mean));
    cJSON_AddItemToObject(o, "max", number_or_null(s->max));
    cJSON_AddNumberToObject(o, "zeros", (double)s->zeros);
    cJSON_AddNumberToObject(o, "negatives", (double)s->negatives);
    cJSON_AddNumberToObject(o, "outliers", (double)s->outliers);
    cJSON_AddItemToObject(o, "robust_sd", number_or_null(s->robust_sd));
    cJSON *ex = cJSON_AddArrayToObject(o, "most_suspicious");
    for (size_t k = 0; k < s->n_examples; k++) {
        char when[40];
        mc_cli_row_time(f, s->example_rows[k], when, sizeof when);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "time", when);
        cJSON_AddNumberToObject(e, "value", mc_frame_values(f, j)[s->example_rows[k]]);
        cJSON_AddNumberToObject(e, "robust_sds", s->example_scores[k]);
        cJSON_AddItemToArray(ex, e);
    }
    return o;
}

static int print_json(const mc_frame *f, const char *path, const mc_column_summary *sum, FILE *out,
                      FILE *err)
{
    const mc_frame_report *r = mc_frame_get_report(f);
    const size_t n = mc_frame_rows(f);
    char first[40], last[40];
    mc_cli_row_time(f, 0, first, sizeof first);
    mc_cli_row_time(f, n - 1, last, sizeof last);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddStringToObject(o, "time_column", mc_frame_time_name(f));
    cJSON_AddNumberToObject(o, "file_rows", (double)r->file_rows);
    cJSON_AddNumberToObject(o, "rows", (double)n);
    cJSON_AddNumberToObject(o, "gap_rows", (double)r->gap_rows);
    cJSON_AddStringToObject(o, "first", first);
    cJSON_AddStringToObject(o, "last", last);
    cJSON_AddNumberToObject(o, "step_seconds", (double)mc_frame_step(f));
    cJSON_AddBoolToObject(o, "was_sorted", r->was_sorted);
    cJSON_AddBoolToObject(o, "utc_offsets", r->has_utc_offsets);
    const char *zone = mc_frame_time_zone(f);
    cJSON_AddItemToObject(o, "time_zone", zone ? cJSON_CreateString(zone) : cJSON_CreateNull());
    cJSON_AddNumberToObject(o, "duplicate_times", (double)r->duplicate_times);
    cJSON_AddNumberToObject(o, "duplicate_rows_merged", (double)r->duplicate_rows);
    cJSON_AddNumberToObject(o, "off_grid_rows", (double)r->off_grid_rows);
    if (r->off_grid_rows > 0) {
        char when[40];
        mc_time_to_text(r->first_off_grid, 0, r->has_utc_offsets, when, sizeof when);
        cJSON_AddStringToObject(o, "first_off_grid", when);
    }
    cJSON_AddNumberToObject(o, "blank_lines", (double)r->blank_lines);
    char delim[2] = {r->delimiter, 0};
    cJSON_AddStringToObject(o, "delimiter", delim);
    cJSON *cols = cJSON_AddArrayToObject(o, "columns");
    for (size_t j = 0; j < mc_frame_columns(f); j++)
        cJSON_AddItemToArray(cols, column_json(f, j, &sum[j]));
    return mc_cli_print_json(o, out, err);
}

typedef struct describe_args {
    mc_cli_data data;
    bool json;
    mc_cli_report_file report;
} describe_args;

static int describe_option(void *args, int c, const char *arg, FILE *err)
{
    describe_args *a = args;
    const int used = mc_cli_data_option(&a->data, c, arg, err);
    if (used == 0 && c == OPT_JSON) {
        a->json = true;
        return 1;
    }
    if (used == 0 && c == OPT_REPORT) {
        a->report.path = arg;
        return 1;
    }
    return used;
}

int mc_cli_describe(int argc, char **argv, FILE *out, FILE *err)
{
    static const struct option longopts[] = {
        MC_CLI_DATA_LONG_OPTIONS,
        {"json", no_argument, NULL, OPT_JSON},
        {"report", required_argument, NULL, OPT_REPORT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    static const mc_cli_command cmd = {"describe", "h", longopts, describe_option, help};
    describe_args a = {.json = false};
    mc_cli_data_init(&a.data);
    int status = mc_cli_parse_options(&cmd, &a, argc, argv, out, err);
    if (status != MC_EXIT_OK) {
        status = status == MC_CLI_HELP_SHOWN ? MC_EXIT_OK : status;
        goto done;
    }
    if (!mc_cli_data_check(&a.data, err)) {
        status = MC_EXIT_USAGE;
        goto done;
    }
    if (a.data.csv == NULL || optind < argc) {
        fprintf(err, optind < argc ? "maskcast describe: unexpected argument '%s'\n"
                                   : "maskcast describe: --csv FILE is required%s\n",
                optind < argc ? argv[optind] : "");
        fprintf(err, "Run 'maskcast describe --help' for the options.\n");
        status = MC_EXIT_USAGE;
        goto done;
    }
    if (mc_cli_report_open(&a.report, err) != 0) {
        status = MC_EXIT_FAILURE;
        goto done;
    }
    mc_frame *f = mc_cli_data_load(&a.data, err);
    if (f == NULL) {
        status = MC_EXIT_FAILURE;
        goto done;
    }
    mc_column_summary *sum = calloc(mc_frame_columns(f), sizeof *sum);
    mc_error e;
    for (size_t j = 0; sum != NULL && j < mc_frame_columns(f); j++) {
        if (mc_frame_describe_column(f, j, &sum[j], &e) != MC_OK) {
            fprintf(err, "maskcast: %s\n", e.message);
            status = MC_EXIT_FAILURE;
            break;
        }
    }
    if (sum == NULL) {
        fprintf(err, "maskcast: out of memory\n");
        status = MC_EXIT_FAILURE;
    } else if (status == MC_EXIT_OK) {
        if (a.json)
            status = print_json(f, a.data.csv, sum, out, err);
        else
            print_table(f, a.data.csv, sum, a.data.step_given, out);
    }
    if (status == MC_EXIT_OK && a.report.path != NULL) {
        mc_report *r = mc_cli_report_new(argc, argv, &a.data, f, NULL, NULL, err);
        const mc_status st = r != NULL ? mc_report_add_description(r, f, &e) : MC_ERR_NOMEM;
        status = mc_cli_report_finish(&a.report, r, st, &e, err);
    }
    free(sum);
    mc_frame_free(f);
done:
    mc_cli_report_close(&a.report, NULL, err);
    mc_cli_data_free(&a.data);
    return status;
}
