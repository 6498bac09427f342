/* maskcast inspect: what a model file holds, read through the public API;
   the configuration listed from the library's option table. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_data.h"
#include "cli/cli_getopt.h"
#include "cli/cli_output.h"
#include "common/error.h"
#include "data/timestamp.h"
#include "maskcast/model.h"

enum { OPT_JSON = 2000 };

static void help(FILE *f)
{
    fprintf(f, "Usage: maskcast inspect -m MODEL [--json]\n"
               "\n"
               "Prints a model file's configuration (every option the file records, by\n"
               "group), channels, parameter tensors with their sizes, scalers and training\n"
               "record. The file is validated as 'forecast' would.\n"
               "\n"
               "  -m, --model FILE       the model file\n"
               "  --json                 one JSON object instead of text\n"
               "  -h, --help             this help\n");
}

/* The model's value of option `name` as text ("" when it has none). */
static const char *option(const mc_model *m, const char *name, char *buf, size_t size)
{
    if (mc_model_get_option(m, name, buf, size, NULL) != MC_OK)
        buf[0] = '\0';
    return buf;
}

static bool option_on(const mc_model *m, const char *name)
{
    char v[16];
    return strcmp(option(m, name, v, sizeof v), "true") == 0;
}

/* "hidden 64, activation relu, ..." for the recorded options of group g. */
static void print_group(FILE *out, const mc_model *m, mc_option_group g)
{
    bool first = true;
    for (size_t i = 0; i < mc_option_count(); i++) {
        const mc_option_info *o = mc_option_at(i);
        char value[512];
        if (o->group != g || mc_model_get_option(m, o->name, value, sizeof value, NULL) != MC_OK)
            continue;
        fprintf(out, "%s%s %s", first ? "" : ", ", o->name, value[0] ? value : "none");
        first = false;
    }
    fputc('\n', out);
}

/* The prediction intervals the model holds: how many errors, and the 80%
   interval's offsets at the first and last step as an example. */
static void print_intervals(FILE *out, const mc_model *m)
{
    const size_t n = mc_model_calibration_origins(m), H = mc_model_horizon(m);
    if (n == 0) {
        fputs("  intervals   none (no validation tail; forecast --intervals needs one)\n", out);
        return;
    }
    fprintf(out, "  intervals   split conformal from %zu validation origins' errors per step "
                 "(forecast --intervals)\n", n);
    double *lo = calloc(H, sizeof *lo), *hi = calloc(H, sizeof *hi);
    if (lo != NULL && hi != NULL && mc_model_interval_offsets(m, 0.8, lo, hi, NULL) == MC_OK &&
        isfinite(lo[0]) && isfinite(hi[H - 1]))
        fprintf(out, "              80%%: forecast %+.4g .. %+.4g at step 1, %+.4g .. %+.4g at "
                     "step %zu\n", lo[0], hi[0], lo[H - 1], hi[H - 1], H);
    free(lo);
    free(hi);
}

static void print_text(const mc_model *m, const char *path, FILE *out)
{
    char step[32], v1[64], v2[64];
    mc_cli_format_duration(mc_model_step(m), step, sizeof step);
    fprintf(out, "%s\n", path);
    fprintf(out, "  data        step %s, lookback %zu steps, horizon %zu steps\n", step,
            mc_model_lookback(m), mc_model_horizon(m));
    /* Names come from a CSV header, or from a file of unknown origin: shown
       with control bytes replaced, as in error messages. */
    char name[MC_ERROR_NAME_SIZE];
    const size_t n_past = mc_model_past_columns(m);
    const size_t channels = 1 + n_past + mc_model_future_columns(m);
    for (size_t c = 0; c < channels; c++) {
        double mean = 0, scale = 0;
        mc_model_column_scaler(m, c, &mean, &scale);
        fprintf(out, "  %-11s %s (mean %.6g, scale %.6g)\n",
                c == 0 ? "target" : c <= n_past ? "past" : "future",
                mc_error_name(name, mc_model_column_name(m, c)), mean, scale);
    }
    const size_t n_series = mc_model_series(m);
    if (n_series > 0) {
        fprintf(out, "  series      a global model of %zu series:", n_series);
        for (size_t i = 0; i < n_series && i < 12; i++)
            fprintf(out, "%s %s", i ? "," : "", mc_error_name(name, mc_model_series_name(m, i)));
        fprintf(out, "%s\n              (the scalers above are for the series once each is "
                     "scaled on its own; forecast with --only ID for one)\n",
                n_series > 12 ? ", ..." : "");
    }
    const char *time = mc_model_time_column(m), *zone = mc_model_time_zone(m);
    if (time != NULL || zone != NULL) {
        char zname[MC_ERROR_NAME_SIZE];
        fprintf(out, "  time        %s%s, %s%s\n", time ? "column " : "column not recorded",
                time ? mc_error_name(name, time) : "", zone ? "local time in " : "no time zone",
                zone ? mc_error_name(zname, zone) : "");
    }
    size_t n_holidays = 0;
    mc_model_holidays(m, &n_holidays);
    fprintf(out, "  calendar    %s; %zu holiday%s\n",
            option_on(m, "calendar") ? "hour, weekday, season, weekend, holiday" : "off",
            n_holidays, n_holidays == 1 ? "" : "s");
    char masks[96] = "";
    const char *rank = option(m, "horizon_rank", v1, sizeof v1);
    const char *kind = option(m, "mask_kind", v2, sizeof v2);
    if (option_on(m, "horizon_masks") && strcmp(rank, "0") != 0)
        snprintf(masks, sizeof masks, " (%s, from horizon embeddings of rank %s)", kind, rank);
    else if (option_on(m, "horizon_masks"))
        snprintf(masks, sizeof masks, " (%s)", kind);
    /* Temporal attention, named only when a model has it. */
    char temporal[256] = "", tk[32], score[32], dim[32], width[32], window[64] = "";
    option(m, "temporal", tk, sizeof tk);
    if (strcmp(tk, "local") == 0)
        snprintf(window, sizeof window, ", window %s steps",
                 option(m, "temporal_width", width, sizeof width));
    if (tk[0] != '\0' && strcmp(tk, "none") != 0)
        snprintf(temporal, sizeof temporal, "; temporal attention %s (%s score, d %s%s)", tk,
                 option(m, "temporal_score", score, sizeof score),
                 option(m, "temporal_dim", dim, sizeof dim), window);
    char hidden[32], act[32];
    fprintf(out, "  network     hidden %s, %s; anomaly mask %s; horizon masks %s%s; skip %s%s%s%s\n",
            option(m, "hidden", hidden, sizeof hidden), option(m, "activation", act, sizeof act),
            option_on(m, "anomaly_mask")
                ? (option_on(m, "mask_local") ? "on (with local evidence)" : "on")
                : "off",
            option_on(m, "horizon_masks") ? "on" : "off", masks,
            option_on(m, "skip") ? "on" : "off",
            option_on(m, "future_terms") ? " (with the future term)" : "", temporal,
            option_on(m, "blend") ? "; blended with the linear forecaster" : "");
    fprintf(out, "  options\n");
    static const char *const labels[] = {"window", "features", "network", "loss"};
    for (int g = MC_GROUP_WINDOW; g <= MC_GROUP_LOSS; g++) {
        fprintf(out, "    %-9s ", labels[g]);
        print_group(out, m, (mc_option_group)g);
    }
    const size_t total = mc_model_parameter_count(m);
    fprintf(out, "  parameters  %zu (%.1f KiB)\n", total, (double)total * 4.0 / 1024.0);
    int name_width = 10; /* the longest name's, at least */
    for (size_t i = 0; i < mc_model_tensor_count(m); i++) {
        size_t shape[2], ndim = 0;
        const int len = (int)strlen(mc_model_tensor(m, i, shape, &ndim));
        name_width = len > name_width ? len : name_width;
    }
    for (size_t i = 0; i < mc_model_tensor_count(m); i++) {
        size_t shape[2], ndim = 0;
        const char *t = mc_model_tensor(m, i, shape, &ndim);
        if (ndim == 1)
            fprintf(out, "    %-*s [%zu]\n", name_width, t, shape[0]);
        else
            fprintf(out, "    %-*s [%zu, %zu]\n", name_width, t, shape[0], shape[1]);
    }
    if (mc_model_members(m) > 1)
        fprintf(out, "  members     %zu networks, their forecasts averaged (the tensors above are "
                     "the first's; the others' are named member1. .. member%zu.); the record "
                     "below is the first's\n",
                mc_model_members(m), mc_model_members(m) - 1);
    mc_training_record rec;
    mc_model_training_record(m, &rec);
    char first[40], last[40];
    mc_time_to_text(rec.first_time, 0, false, first, sizeof first);
    mc_time_to_text(rec.last_time, 0, false, last, sizeof last);
    if (strcmp(mc_model_kept(m), "blend") == 0)
        fprintf(out, "  training    %zu epochs, best %zu blended with the linear forecaster "
                     "(validation loss %.4f), seed %llu\n",
                rec.epochs, rec.best_epoch, rec.best_val_loss, (unsigned long long)rec.seed);
    else if (rec.best_epoch == 0)
        fprintf(out, "  training    %zu epochs, the linear forecaster kept (validation loss %.4f), "
                     "seed %llu\n",
                rec.epochs, rec.best_val_loss, (unsigned long long)rec.seed);
    else
        fprintf(out, "  training    %zu epochs, best %zu (validation loss %.4f), seed %llu\n",
                rec.epochs, rec.best_epoch, rec.best_val_loss, (unsigned long long)rec.seed);
    fprintf(out, "              %zu training and %zu validation origins, data %s .. %s UTC\n",
            rec.train_origins, rec.val_origins, first, last);
    const char *kept = mc_model_kept(m);
    if (isfinite(rec.linear_val_loss) || isfinite(rec.network_val_loss)) {
        fputs("  candidates ", out);
        if (isfinite(rec.network_val_loss))
            fprintf(out, "  network %.4f%s", rec.network_val_loss,
                    strcmp(kept, "network") == 0 ? " (kept)" : "");
        if (isfinite(rec.linear_val_loss))
            fprintf(out, "  linear %.4f%s", rec.linear_val_loss,
                    strcmp(kept, "linear") == 0 ? " (kept)" : "");
        if (isfinite(rec.blend_val_loss))
            fprintf(out, "  blend %.2f x network %.4f%s", rec.blend_weight, rec.blend_val_loss,
                    strcmp(kept, "blend") == 0 ? " (kept)" : "");
        fputs("  (validation loss)\n", out);
    }
    print_intervals(out, m);
}

/* Option `o`'s value (text) as JSON of its type. */
static cJSON *option_json(const mc_option_info *o, const char *value)
{
    switch (o->type) {
    case MC_OPTION_COUNT:
    case MC_OPTION_FACT:
    case MC_OPTION_REAL: return cJSON_CreateNumber(strtod(value, NULL));
    case MC_OPTION_FLAG: return cJSON_CreateBool(strcmp(value, "true") == 0);
    case MC_OPTION_LEVELS: {
        cJSON *a = cJSON_CreateArray();
        for (const char *p = value; a != NULL && *p != '\0';) {
            char *end = NULL;
            cJSON_AddItemToArray(a, cJSON_CreateNumber(strtod(p, &end)));
            p = *end == ',' ? end + 1 : end;
            if (end == p && *p != '\0') /* not a number: stop */
                break;
        }
        return a;
    }
    default: return cJSON_CreateString(value);
    }
}

static int print_json(const mc_model *m, const char *path, FILE *out, FILE *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    for (size_t i = 0; i < mc_option_count(); i++) {
        const mc_option_info *opt = mc_option_at(i);
        char value[512];
        if (mc_model_get_option(m, opt->name, value, sizeof value, NULL) == MC_OK)
            cJSON_AddItemToObject(o, opt->name, option_json(opt, value));
    }
    cJSON_AddStringToObject(o, "target", mc_model_column_name(m, 0));
    cJSON_AddNumberToObject(o, "calibration_origins", (double)mc_model_calibration_origins(m));
    const char *time = mc_model_time_column(m), *zone = mc_model_time_zone(m);
    cJSON_AddItemToObject(o, "time_column", time ? cJSON_CreateString(time) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "time_zone", zone ? cJSON_CreateString(zone) : cJSON_CreateNull());
    cJSON *past = cJSON_AddArrayToObject(o, "past");
    cJSON *fut = cJSON_AddArrayToObject(o, "future");
    const size_t n_past = mc_model_past_columns(m);
    for (size_t c = 1; c <= n_past + mc_model_future_columns(m); c++)
        cJSON_AddItemToArray(c <= n_past ? past : fut,
                             cJSON_CreateString(mc_model_column_name(m, c)));
    size_t n_holidays = 0;
    mc_model_holidays(m, &n_holidays);
    cJSON_AddNumberToObject(o, "holidays", (double)n_holidays);
    cJSON *series = cJSON_AddArrayToObject(o, "series");
    for (size_t i = 0; i < mc_model_series(m); i++)
        cJSON_AddItemToArray(series, cJSON_CreateString(mc_model_series_name(m, i)));
    cJSON_AddNumberToObject(o, "parameters", (double)mc_model_parameter_count(m));
    cJSON *tensors = cJSON_AddObjectToObject(o, "tensors");
    for (size_t i = 0; i < mc_model_tensor_count(m); i++) {
        size_t shape[2], ndim = 0;
        const char *t = mc_model_tensor(m, i, shape, &ndim);
        cJSON *dims = cJSON_AddArrayToObject(tensors, t);
        for (size_t d = 0; d < ndim; d++)
            cJSON_AddItemToArray(dims, cJSON_CreateNumber((double)shape[d]));
    }
    mc_training_record rec;
    mc_model_training_record(m, &rec);
    cJSON *r = cJSON_AddObjectToObject(o, "training");
    cJSON_AddNumberToObject(r, "epochs", (double)rec.epochs);
    cJSON_AddNumberToObject(r, "best_epoch", (double)rec.best_epoch);
    if (isfinite(rec.best_val_loss))
        cJSON_AddNumberToObject(r, "best_val_loss", rec.best_val_loss);
    cJSON_AddNumberToObject(r, "seed", (double)rec.seed);
    cJSON_AddStringToObject(r, "kept", mc_model_kept(m));
    cJSON_AddNumberToObject(r, "members", (double)mc_model_members(m));
    cJSON *cand = cJSON_AddObjectToObject(r, "candidates");
    if (isfinite(rec.network_val_loss))
        cJSON_AddNumberToObject(cand, "network", rec.network_val_loss);
    if (isfinite(rec.linear_val_loss))
        cJSON_AddNumberToObject(cand, "linear", rec.linear_val_loss);
    if (isfinite(rec.blend_val_loss)) {
        cJSON_AddNumberToObject(cand, "blend", rec.blend_val_loss);
        cJSON_AddNumberToObject(r, "blend_weight", rec.blend_weight);
    }
    return mc_cli_print_json(o, out, err);
}

typedef struct inspect_args {
    const char *path;
    bool json;
} inspect_args;

static int inspect_option(void *args, int c, const char *arg, FILE *err)
{
    (void)err;
    inspect_args *a = args;
    switch (c) {
    case 'm': a->path = arg; return 1;
    case OPT_JSON: a->json = true; return 1;
    default: return 0;
    }
}

int mc_cli_inspect(int argc, char **argv, FILE *out, FILE *err)
{
    static const struct option longopts[] = {{"model", required_argument, NULL, 'm'},
                                             {"json", no_argument, NULL, OPT_JSON},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    static const mc_cli_command cmd = {"inspect", "m:h", longopts, inspect_option, help};
    inspect_args a = {NULL, false};
    int status = mc_cli_parse_options(&cmd, &a, argc, argv, out, err);
    if (status != MC_EXIT_OK)
        return status == MC_CLI_HELP_SHOWN ? MC_EXIT_OK : status;
    const char *path = a.path;
    if (path == NULL || optind < argc) {
        fprintf(err, "maskcast inspect: -m MODEL is required (and nothing else)\n"
                     "Run 'maskcast inspect --help' for the options.\n");
        return MC_EXIT_USAGE;
    }
    mc_model *m = NULL;
    mc_error e;
    if (mc_model_load(&m, path, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        return MC_EXIT_FAILURE;
    }
    if (a.json)
        status = print_json(m, path, out, err);
    else
        print_text(m, path, out);
    mc_model_free(m);
    return status;
}
