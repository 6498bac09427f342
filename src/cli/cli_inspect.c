/* maskcast inspect: what a model file holds. */
#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "cli/cli.h"
#include "common/error.h"
#include "cli/cli_data.h"
#include "cli/cli_getopt.h"
#include "cli/cli_output.h"
#include "data/timestamp.h"
#include "train/model_internal.h"

enum { OPT_JSON = 2000 };

static const char *const ACTIVATIONS[] = {"relu", "gelu"};
static const char *const MASKS[] = {"sigmoid", "softmax"};
static const char *const LOSSES[] = {"mae", "mse", "huber", "pinball"};

static void help(FILE *f)
{
    fprintf(f, "Usage: maskcast inspect -m MODEL [--json]\n"
               "\n"
               "Prints a model file's configuration, channels, parameter tensors with their\n"
               "sizes, scalers and training record. The file is validated as 'forecast' would.\n"
               "\n"
               "  -m, --model FILE       the model file\n"
               "  --json                 one JSON object instead of text\n"
               "  -h, --help             this help\n");
}

static void print_text(const mc_model *m, const char *path, FILE *out)
{
    const mc_net_shape *s = &m->shape;
    char step[32];
    mc_cli_format_duration(m->step, step, sizeof step);
    fprintf(out, "%s\n", path);
    fprintf(out, "  data        step %s, lookback %zu steps, horizon %zu steps\n", step,
            s->lookback, s->horizon);
    /* Names come from a CSV header, or from a file of unknown origin: shown
       with control bytes replaced, as in error messages. */
    char name[MC_ERROR_NAME_SIZE];
    fprintf(out, "  target      %s (mean %.6g, scale %.6g)\n", mc_error_name(name, m->names[0]),
            m->scalers[0].mean, m->scalers[0].scale);
    for (size_t c = 1; c < mc_model_channels(m); c++)
        fprintf(out, "  %-11s %s (mean %.6g, scale %.6g)\n", c <= m->n_past ? "past" : "future",
                mc_error_name(name, m->names[c]), m->scalers[c].mean, m->scalers[c].scale);
    fprintf(out, "  calendar    %s; %zu holiday%s\n", m->calendar ? "hour, weekday, season, weekend, holiday" : "off",
            m->holidays.n, m->holidays.n == 1 ? "" : "s");
    char masks[80] = "";
    if (s->horizon_masks && s->horizon_rank > 0)
        snprintf(masks, sizeof masks, " (%s, from horizon embeddings of rank %zu)",
                 MASKS[s->mask_kind], s->horizon_rank);
    else if (s->horizon_masks)
        snprintf(masks, sizeof masks, " (%s)", MASKS[s->mask_kind]);
    fprintf(out, "  network     hidden %zu, %s; anomaly mask %s; horizon masks %s%s; skip %s\n",
            s->hidden, ACTIVATIONS[s->activation],
            s->anomaly_mask ? (s->mask_local ? "on (with local evidence)" : "on") : "off",
            s->horizon_masks ? "on" : "off", masks, s->skip ? "on" : "off");
    fprintf(out, "  loss        %s", LOSSES[m->loss.kind]);
    for (size_t q = 0; mc_model_loss(m) == MC_LOSS_PINBALL && q < m->loss.n_quantiles; q++)
        fprintf(out, "%s%g", q ? "," : " at ", (double)m->loss.quantiles[q]);
    if (m->normalize_level)
        fprintf(out, "; level: mean of the last %zu steps\n", m->level_steps);
    else
        fprintf(out, "; level normalisation off\n");
    fprintf(out, "  inputs      %zu per sample (%zu past channels, %zu future channels)\n",
            mc_net_n_input(s), s->past_channels, s->future_channels);
    fprintf(out, "  parameters  %zu (%.1f KiB)\n", m->layout.total,
            (double)m->layout.total * 4.0 / 1024.0);
    for (int t = 0; t < MC_T_COUNT; t++) {
        size_t dims[2];
        const size_t ndim = mc_tensor_dims(&m->layout, (mc_tensor)t, dims);
        if (ndim == 1)
            fprintf(out, "    %-10s [%zu]\n", mc_tensor_name((mc_tensor)t), dims[0]);
        else if (ndim == 2)
            fprintf(out, "    %-10s [%zu, %zu]\n", mc_tensor_name((mc_tensor)t), dims[0], dims[1]);
    }
    const mc_train_record *rec = &m->record;
    char first[40], last[40];
    mc_time_to_text(rec->first_time, 0, false, first, sizeof first);
    mc_time_to_text(rec->last_time, 0, false, last, sizeof last);
    if (rec->best_epoch == 0)
        fprintf(out, "  training    %zu epochs, the linear forecaster kept (validation loss %.4f), "
                     "seed %llu\n",
                rec->epochs, rec->best_val_loss, (unsigned long long)rec->seed);
    else
        fprintf(out, "  training    %zu epochs, best %zu (validation loss %.4f), seed %llu\n",
                rec->epochs, rec->best_epoch, rec->best_val_loss, (unsigned long long)rec->seed);
    fprintf(out, "              %zu training and %zu validation origins, data %s .. %s UTC\n",
            rec->train_origins, rec->val_origins, first, last);
}

static int print_json(const mc_model *m, const char *path, FILE *out, FILE *err)
{
    const mc_net_shape *s = &m->shape;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddNumberToObject(o, "step_seconds", (double)m->step);
    cJSON_AddNumberToObject(o, "lookback", (double)s->lookback);
    cJSON_AddNumberToObject(o, "horizon", (double)s->horizon);
    cJSON_AddNumberToObject(o, "hidden", (double)s->hidden);
    cJSON_AddStringToObject(o, "activation", ACTIVATIONS[s->activation]);
    cJSON_AddStringToObject(o, "mask_kind", MASKS[s->mask_kind]);
    cJSON_AddBoolToObject(o, "anomaly_mask", s->anomaly_mask);
    cJSON_AddBoolToObject(o, "horizon_masks", s->horizon_masks);
    cJSON_AddNumberToObject(o, "horizon_rank", (double)s->horizon_rank);
    cJSON_AddBoolToObject(o, "skip", s->skip);
    cJSON_AddBoolToObject(o, "mask_local", s->mask_local);
    cJSON_AddNumberToObject(o, "mask_penalty", s->mask_penalty);
    cJSON_AddStringToObject(o, "loss", LOSSES[m->loss.kind]);
    cJSON_AddStringToObject(o, "target", m->names[0]);
    cJSON *past = cJSON_AddArrayToObject(o, "past");
    cJSON *fut = cJSON_AddArrayToObject(o, "future");
    for (size_t c = 1; c < mc_model_channels(m); c++)
        cJSON_AddItemToArray(c <= m->n_past ? past : fut, cJSON_CreateString(m->names[c]));
    cJSON_AddNumberToObject(o, "holidays", (double)m->holidays.n);
    cJSON_AddNumberToObject(o, "parameters", (double)m->layout.total);
    cJSON *tensors = cJSON_AddObjectToObject(o, "tensors");
    for (int t = 0; t < MC_T_COUNT; t++) {
        size_t dims[2];
        const size_t ndim = mc_tensor_dims(&m->layout, (mc_tensor)t, dims);
        if (ndim == 0)
            continue;
        cJSON *shape = cJSON_AddArrayToObject(tensors, mc_tensor_name((mc_tensor)t));
        for (size_t d = 0; d < ndim; d++)
            cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)dims[d]));
    }
    cJSON *rec = cJSON_AddObjectToObject(o, "training");
    cJSON_AddNumberToObject(rec, "epochs", (double)m->record.epochs);
    cJSON_AddNumberToObject(rec, "best_epoch", (double)m->record.best_epoch);
    if (isfinite(m->record.best_val_loss))
        cJSON_AddNumberToObject(rec, "best_val_loss", m->record.best_val_loss);
    cJSON_AddNumberToObject(rec, "seed", (double)m->record.seed);
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
