#include "cli/cli_model_data.h"

#include <stdbool.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_output.h"
#include "common/error.h"
#include "maskcast/model.h"

int mc_cli_model_time(mc_cli_data *d, const mc_model *m, const char *command, FILE *err)
{
    const char *zone = mc_model_time_zone(m);
    char given[MC_ERROR_NAME_SIZE], kept[MC_ERROR_NAME_SIZE];
    if (d->csv_opt.time_column == NULL)
        d->csv_opt.time_column = mc_model_time_column(m);
    if (d->tz == NULL) {
        d->tz = zone;
    } else if (zone != NULL && strcmp(d->tz, zone) != 0) {
        fprintf(err,
                "maskcast %s: --tz %s contradicts the model, trained on data in %s: its "
                "calendar features are that zone's local time\n"
                "hint: leave --tz out to use the model's zone\n",
                command, mc_error_name(given, d->tz), mc_error_name(kept, zone));
        return MC_EXIT_USAGE;
    } else if (zone == NULL) {
        fprintf(err,
                "maskcast %s: warning: the model records no time zone (trained without --tz); "
                "the data are read as local time in %s\n",
                command, mc_error_name(given, d->tz));
    }
    return MC_EXIT_OK;
}

void mc_cli_model_target(mc_cli_data *d, const mc_model *m)
{
    /* files of one series each, and wide files, name their load themselves */
    if (d->csv_opt.target_column == NULL &&
        (!mc_cli_data_is_panel(d) || (d->series_column != NULL && d->targets.n <= 1)))
        d->csv_opt.target_column = mc_model_column_name(m, 0);
}

size_t mc_cli_model_covariates(const mc_model *m, size_t n, const char *skip, const char **out)
{
    size_t k = 0;
    for (size_t c = 1; c <= n; c++) {
        /* a global model's identity and static channels are not columns */
        bool seen = mc_model_channel_constant(m, c) ||
                    (skip != NULL && strcmp(mc_model_column_name(m, c), skip) == 0);
        for (size_t j = 0; j < k && !seen; j++)
            seen = strcmp(out[j], mc_model_column_name(m, c)) == 0;
        if (!seen)
            out[k++] = mc_model_column_name(m, c);
    }
    return k;
}

mc_frame *mc_cli_model_data_load(mc_cli_data *d, const mc_model *m, mc_bound *bound,
                                 const char *command, FILE *err)
{
    /* A column can be both a past and a known-future input: name it once. */
    const char *columns[2 * MC_MAX_COVARIATES];
    const size_t n = mc_cli_model_covariates(m, mc_model_past_columns(m) + mc_model_future_columns(m), NULL, columns);
    if (mc_cli_model_time(d, m, command, err) != MC_EXIT_OK)
        return NULL;
    const char *target = d->csv_opt.target_column;
    const char *const *covariates = d->csv_opt.covariates;
    const size_t n_covariates = d->csv_opt.n_covariates;
    mc_cli_model_target(d, m);
    if (d->covariates.n == 0) {
        d->csv_opt.covariates = columns;
        d->csv_opt.n_covariates = n;
    }
    mc_frame *f = mc_cli_data_load(d, err);
    d->csv_opt.target_column = target; /* columns[] goes out of scope */
    d->csv_opt.covariates = covariates;
    d->csv_opt.n_covariates = n_covariates;
    if (f == NULL)
        return NULL;
    if (mc_frame_step(f) != mc_model_step(m)) {
        char have[32], want[32];
        mc_cli_format_duration(mc_frame_step(f), have, sizeof have);
        mc_cli_format_duration(mc_model_step(m), want, sizeof want);
        fprintf(err, "maskcast %s: the data's step is %s but the model was trained on a step of %s\n",
                command, have, want);
        mc_frame_free(f);
        return NULL;
    }
    mc_error e;
    if (mc_model_bind(bound, m, f, mc_frame_rows(f), &e) != MC_OK) {
        fprintf(err, "maskcast %s: %s\n", command, e.message);
        mc_frame_free(f);
        return NULL;
    }
    return f;
}

int mc_cli_series_model(mc_model **m, const mc_cli_data *d, const char *command, FILE *err)
{
    if (mc_model_series(*m) == 0)
        return MC_EXIT_OK;
    if (d->only == NULL || !mc_cli_data_is_panel(d)) {
        char q[MC_ERROR_NAME_SIZE];
        fprintf(err, "maskcast %s: the model is a global model of %zu series (\"%s\", ...): "
                     "give the data with --series COL (or several --csv files or --target "
                     "columns) and name the series with --only ID\n",
                command, mc_model_series(*m), mc_error_name(q, mc_model_series_name(*m, 0)));
        return MC_EXIT_USAGE;
    }
    mc_model *view = NULL;
    mc_error e;
    if (mc_model_for_series(&view, *m, d->only, &e) != MC_OK) {
        fprintf(err, "maskcast %s: %s\n", command, e.message);
        return MC_EXIT_FAILURE;
    }
    mc_model_free(*m);
    *m = view;
    return MC_EXIT_OK;
}

mc_panel *mc_cli_model_panel_load(mc_cli_data *d, const mc_model *m, FILE *err)
{
    const char *columns[2 * MC_MAX_COVARIATES];
    const char *target = d->csv_opt.target_column;
    const char *const *covariates = d->csv_opt.covariates;
    const size_t n_covariates = d->csv_opt.n_covariates;
    mc_cli_model_target(d, m);
    if (d->covariates.n == 0) { /* the model's covariates, not its identity and statics */
        d->csv_opt.covariates = columns;
        d->csv_opt.n_covariates =
            mc_cli_model_covariates(m, mc_model_past_columns(m) + mc_model_future_columns(m),
                                    d->csv_opt.target_column, columns);
    }
    mc_panel *p = mc_cli_data_load_panel(d, err);
    d->csv_opt.target_column = target; /* columns[] goes out of scope */
    d->csv_opt.covariates = covariates;
    d->csv_opt.n_covariates = n_covariates;
    return p;
}

int mc_cli_each_series(const mc_panel *p, const mc_model *m, const char *model_path,
                       const char *output, bool json, mc_cli_series_fn fn, void *ctx, FILE *out,
                       FILE *err)
{
    cJSON *doc = json ? cJSON_CreateObject() : NULL, *list = NULL;
    if (doc != NULL) {
        cJSON_AddStringToObject(doc, "model", model_path);
        list = cJSON_AddArrayToObject(doc, "series");
    }
    mc_cli_output o;
    FILE *w = !json || list != NULL ? mc_cli_output_open(&o, output, out, err) : NULL;
    int status = w != NULL ? MC_EXIT_OK : MC_EXIT_FAILURE;
    for (size_t i = 0; status == MC_EXIT_OK && i < mc_panel_series(p); i++) {
        const char *name = mc_panel_series_name(p, i);
        mc_model *view = NULL;
        mc_error e;
        if (mc_model_for_series(&view, m, name, &e) != MC_OK) {
            fprintf(err, "maskcast: %s\n", e.message);
            status = MC_EXIT_FAILURE;
            break;
        }
        cJSON *one = NULL;
        status = fn(ctx, view, p, i, w, json ? &one : NULL, err);
        if (status != MC_EXIT_OK) {
            char q[MC_ERROR_NAME_SIZE];
            fprintf(err, "maskcast: (series \"%s\")\n", mc_error_name(q, name));
        } else if (json && (one == NULL || !cJSON_AddItemToArray(list, one))) {
            cJSON_Delete(one);
            status = MC_EXIT_FAILURE;
        }
        mc_model_free(view);
    }
    if (status == MC_EXIT_OK && doc != NULL)
        status = mc_cli_print_json(doc, w, err);
    else
        cJSON_Delete(doc);
    if (w != NULL && mc_cli_output_close(&o, status == MC_EXIT_OK, err) != 0 &&
        status == MC_EXIT_OK)
        status = MC_EXIT_FAILURE;
    return status;
}
