/* maskcast train: a CSV in, a model file out. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_data.h"
#include "cli/cli_progress.h"

enum {
    OPT_PAST = MC_OPT_DATA_END, OPT_FUTURE, OPT_HOLIDAYS, OPT_HORIZON, OPT_LOOKBACK, OPT_HIDDEN,
    OPT_ACTIVATION, OPT_MASK, OPT_NO_ANOMALY, OPT_NO_HORIZON, OPT_NO_SKIP, OPT_LOSS,
    OPT_QUANTILES, OPT_HUBER, OPT_NO_LEVEL, OPT_NO_CALENDAR, OPT_EPOCHS, OPT_BATCH, OPT_LR,
    OPT_WD, OPT_CLIP, OPT_PATIENCE, OPT_VAL, OPT_AUGMENT, OPT_SAMPLES, OPT_STRIDE, OPT_SEED,
    OPT_QUIET, OPT_NO_MASK_LOCAL, OPT_MASK_PENALTY
};

static void help(FILE *f)
{
    fprintf(f,
        "Usage: maskcast train --csv FILE --target COL [--past A,B] [--future A,B]\n"
        "                      [--holidays FILE] [--horizon H] [--lookback L] [OPTIONS] -o MODEL\n"
        "\n"
        "Trains the forecasting network on the load in a CSV and writes a model file\n"
        "(safetensors). The last part of the data (--val-fraction of the forecast origins,\n"
        "kept H steps away from the rest) judges the epochs; the best epoch's weights are\n"
        "kept. Progress goes to standard error.\n"
        "\n"
        "What the model sees:\n"
        "  --past A,B             columns fed as past inputs with the load (e.g. measured\n"
        "                         temperature)\n"
        "  --future A,B           columns known at the target times (e.g. a temperature\n"
        "                         forecast, or the actual temperature when backtesting)\n"
        "  --holidays FILE        CSV whose first column lists holiday dates (YYYY-MM-DD)\n"
        "  --horizon STEPS        steps forecast (default: one day of steps, 24 for hourly)\n"
        "  --lookback STEPS       steps of history seen (default: one week, 168 for hourly)\n"
        "  --no-calendar          no hour/weekday/season/holiday channels\n"
        "  --no-level             do not subtract the last day's mean load from the inputs\n"
        "\n"
        "The network (DESIGN.md section 4):\n"
        "  --hidden D             hidden units of the feature mapping (default 64)\n"
        "  --activation F         relu (default) or gelu\n"
        "  --mask KIND            per-horizon masks: sigmoid (default) or softmax (mean 1)\n"
        "  --no-anomaly-mask      ablation: no anomaly mask over the past values\n"
        "  --no-horizon-masks     ablation: no per-horizon attention masks\n"
        "  --no-skip              no linear skip over the masked load lags\n"
        "  --no-mask-local        the anomaly mask sees only the window's features, not each\n"
        "                         value's deviation from its neighbours (DESIGN.md's mask)\n"
        "  --mask-penalty X       cost of closing the anomaly mask added to the loss, so it\n"
        "                         closes only where that pays (default 0.1; 0 for none)\n"
        "  --loss L               mae (default), mse, huber or pinball\n"
        "  --quantiles Q,Q,...    pinball levels (default 0.1,0.5,0.9)\n"
        "  --huber-delta X        Huber threshold in standard deviations (default 1)\n"
        "\n"
        "Training:\n"
        "  --epochs N             most epochs (default 60)\n"
        "  --batch N              samples per step (default 256)\n"
        "  --lr X                 peak learning rate of AdamW (default 0.001)\n"
        "  --weight-decay X       AdamW weight decay (default 0.0001)\n"
        "  --clip X               gradient-norm clip, 0 for none (default 1)\n"
        "  --patience N           epochs without improvement before stopping (default 8)\n"
        "  --val-fraction X       validation tail, 0 for none (default 0.1)\n"
        "  --augment P            chance a sample's past load is corrupted (default 0.5)\n"
        "  --samples-per-epoch N  origins drawn per epoch (default: all)\n"
        "  --stride N             forecast origins every N steps (default 1: every step)\n"
        "  --seed N               the same seed gives the same model file (default 1)\n"
        "  -o, --output MODEL     the model file to write (required)\n"
        "  -q, --quiet            no progress\n"
        "  -h, --help             this help\n"
        "\n"
        "%s"
        "\n"
        "Example (the bundled sample, day-ahead with the temperature as a known-future input):\n"
        "  maskcast train --csv data/sample_load.csv --target load --future temperature \\\n"
        "                 --holidays data/sample_holidays.csv -o load.safetensors\n",
        MC_CLI_DATA_HELP);
}

typedef struct train_args {
    mc_cli_data data;
    mc_model_options mo;
    mc_train_options to;
    mc_cli_names past, future;
    const char *output;
    bool quiet, horizon_given, lookback_given;
} train_args;

static bool parse_size(const char *arg, size_t lo, size_t *out)
{
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-' || v < lo)
        return false;
    *out = (size_t)v;
    return true;
}

static bool parse_real(const char *arg, double lo, double hi, double *out)
{
    errno = 0;
    char *end = NULL;
    double v = strtod(arg, &end);
    if (errno != 0 || end == arg || *end != '\0' || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

static int bad(FILE *err, const char *opt, const char *arg, const char *want)
{
    fprintf(err, "maskcast train: invalid --%s '%s': expected %s\n", opt, arg, want);
    return -1;
}

static int set_quantiles(train_args *a, const char *arg, FILE *err)
{
    mc_cli_names list = {0};
    if (!mc_cli_names_parse(&list, arg) || list.n == 0 || list.n > MC_MAX_QUANTILES) {
        mc_cli_names_free(&list);
        return bad(err, "quantiles", arg, "1 to 16 increasing levels between 0 and 1");
    }
    for (size_t i = 0; i < list.n; i++)
        if (!parse_real(list.names[i], 1e-6, 1 - 1e-6, &a->mo.quantiles[i]) ||
            (i > 0 && !(a->mo.quantiles[i] > a->mo.quantiles[i - 1]))) {
            mc_cli_names_free(&list);
            return bad(err, "quantiles", arg, "increasing levels between 0 and 1");
        }
    a->mo.n_quantiles = list.n;
    mc_cli_names_free(&list);
    return 1;
}

/* Applies one model or training option; 1 done, 0 not ours, -1 invalid. */
static int model_option(train_args *a, int c, const char *arg, FILE *err)
{
    static const char *const acts[] = {"relu", "gelu"}, *const masks[] = {"sigmoid", "softmax"};
    static const char *const losses[] = {"mae", "mse", "huber", "pinball"};
    mc_model_options *mo = &a->mo;
    mc_train_options *to = &a->to;
    switch (c) {
    case OPT_PAST: return mc_cli_names_parse(&a->past, arg) ? 1 : bad(err, "past", arg, "names");
    case OPT_FUTURE:
        return mc_cli_names_parse(&a->future, arg) ? 1 : bad(err, "future", arg, "names");
    case OPT_HOLIDAYS: mo->holidays_path = arg; return 1;
    case OPT_HORIZON:
        a->horizon_given = true;
        return parse_size(arg, 1, &mo->horizon) ? 1 : bad(err, "horizon", arg, "a count of steps");
    case OPT_LOOKBACK:
        a->lookback_given = true;
        return parse_size(arg, 1, &mo->lookback) ? 1 : bad(err, "lookback", arg, "a count of steps");
    case OPT_HIDDEN: return parse_size(arg, 1, &mo->hidden) ? 1 : bad(err, "hidden", arg, "a count");
    case OPT_ACTIVATION:
        for (int i = 0; i < 2; i++)
            if (strcmp(arg, acts[i]) == 0) {
                mo->activation = (mc_activation)i;
                return 1;
            }
        return bad(err, "activation", arg, "relu or gelu");
    case OPT_MASK:
        for (int i = 0; i < 2; i++)
            if (strcmp(arg, masks[i]) == 0) {
                mo->mask_kind = (mc_mask_kind)i;
                return 1;
            }
        return bad(err, "mask", arg, "sigmoid or softmax");
    case OPT_LOSS:
        for (int i = 0; i < 4; i++)
            if (strcmp(arg, losses[i]) == 0) {
                mo->loss = (mc_loss_kind)i;
                return 1;
            }
        return bad(err, "loss", arg, "mae, mse, huber or pinball");
    case OPT_NO_ANOMALY: mo->anomaly_mask = false; return 1;
    case OPT_NO_HORIZON: mo->horizon_masks = false; return 1;
    case OPT_NO_SKIP: mo->skip = false; return 1;
    case OPT_NO_MASK_LOCAL: mo->mask_local = false; return 1;
    case OPT_MASK_PENALTY:
        return parse_real(arg, 0, 100, &mo->mask_penalty) ? 1
                                                          : bad(err, "mask-penalty", arg, "0 to 100");
    case OPT_NO_LEVEL: mo->normalize_level = false; return 1;
    case OPT_NO_CALENDAR: mo->calendar = false; return 1;
    case OPT_QUANTILES: return set_quantiles(a, arg, err);
    case OPT_HUBER:
        return parse_real(arg, 1e-9, 1e9, &mo->huber_delta) ? 1
                                                            : bad(err, "huber-delta", arg, "> 0");
    case OPT_EPOCHS: return parse_size(arg, 1, &to->max_epochs) ? 1 : bad(err, "epochs", arg, ">= 1");
    case OPT_BATCH: return parse_size(arg, 1, &to->batch_size) ? 1 : bad(err, "batch", arg, ">= 1");
    case OPT_PATIENCE:
        return parse_size(arg, 1, &to->patience) ? 1 : bad(err, "patience", arg, ">= 1");
    case OPT_SAMPLES:
        return parse_size(arg, 1, &to->samples_per_epoch) ? 1
                                                          : bad(err, "samples-per-epoch", arg, ">= 1");
    case OPT_STRIDE:
        return parse_size(arg, 1, &to->origin_stride) ? 1 : bad(err, "stride", arg, ">= 1");
    case OPT_LR: return parse_real(arg, 1e-9, 10, &to->learning_rate) ? 1 : bad(err, "lr", arg, "> 0");
    case OPT_WD:
        return parse_real(arg, 0, 10, &to->weight_decay) ? 1 : bad(err, "weight-decay", arg, ">= 0");
    case OPT_CLIP: return parse_real(arg, 0, 1e9, &to->clip_norm) ? 1 : bad(err, "clip", arg, ">= 0");
    case OPT_VAL:
        return parse_real(arg, 0, 0.89, &to->validation_fraction)
                   ? 1 : bad(err, "val-fraction", arg, "a fraction below 0.9");
    case OPT_AUGMENT:
        return parse_real(arg, 0, 1, &to->augment_probability)
                   ? 1 : bad(err, "augment", arg, "a probability");
    case OPT_SEED: {
        size_t seed;
        if (!parse_size(arg, 0, &seed))
            return bad(err, "seed", arg, "a whole number");
        to->seed = seed;
        return 1;
    }
    default: return 0;
    }
}

static int parse_args(train_args *a, int argc, char **argv, FILE *out, FILE *err)
{
    static const struct option longopts[] = {
        MC_CLI_DATA_LONG_OPTIONS,
        {"past", required_argument, NULL, OPT_PAST},
        {"future", required_argument, NULL, OPT_FUTURE},
        {"holidays", required_argument, NULL, OPT_HOLIDAYS},
        {"horizon", required_argument, NULL, OPT_HORIZON},
        {"lookback", required_argument, NULL, OPT_LOOKBACK},
        {"hidden", required_argument, NULL, OPT_HIDDEN},
        {"activation", required_argument, NULL, OPT_ACTIVATION},
        {"mask", required_argument, NULL, OPT_MASK},
        {"no-anomaly-mask", no_argument, NULL, OPT_NO_ANOMALY},
        {"no-horizon-masks", no_argument, NULL, OPT_NO_HORIZON},
        {"no-skip", no_argument, NULL, OPT_NO_SKIP},
        {"no-mask-local", no_argument, NULL, OPT_NO_MASK_LOCAL},
        {"mask-penalty", required_argument, NULL, OPT_MASK_PENALTY},
        {"loss", required_argument, NULL, OPT_LOSS},
        {"quantiles", required_argument, NULL, OPT_QUANTILES},
        {"huber-delta", required_argument, NULL, OPT_HUBER},
        {"no-level", no_argument, NULL, OPT_NO_LEVEL},
        {"no-calendar", no_argument, NULL, OPT_NO_CALENDAR},
        {"epochs", required_argument, NULL, OPT_EPOCHS},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"lr", required_argument, NULL, OPT_LR},
        {"weight-decay", required_argument, NULL, OPT_WD},
        {"clip", required_argument, NULL, OPT_CLIP},
        {"patience", required_argument, NULL, OPT_PATIENCE},
        {"val-fraction", required_argument, NULL, OPT_VAL},
        {"augment", required_argument, NULL, OPT_AUGMENT},
        {"samples-per-epoch", required_argument, NULL, OPT_SAMPLES},
        {"stride", required_argument, NULL, OPT_STRIDE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    optind = 0;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1;) {
        int used = mc_cli_data_option(&a->data, c, optarg, err);
        if (used == 0)
            used = model_option(a, c, optarg, err);
        if (used < 0)
            return MC_EXIT_USAGE;
        if (used > 0)
            continue;
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'q': a->quiet = true; break;
        case 'h': help(out); return -1;
        default:
            fprintf(err, "maskcast train: unknown or incomplete option '%s'\n"
                         "Run 'maskcast train --help' for the options.\n", argv[optind - 1]);
            return MC_EXIT_USAGE;
        }
    }
    const char *missing = a->data.csv == NULL ? "--csv FILE" : a->output == NULL ? "-o MODEL" : NULL;
    if (missing != NULL || optind < argc) {
        if (optind < argc)
            fprintf(err, "maskcast train: unexpected argument '%s'\n", argv[optind]);
        else
            fprintf(err, "maskcast train: %s is required\n", missing);
        fprintf(err, "Run 'maskcast train --help' for the options.\n");
        return MC_EXIT_USAGE;
    }
    return mc_cli_data_check(&a->data, err) ? MC_EXIT_OK : MC_EXIT_USAGE;
}

/* The CSV must hold every past and future column: read their union (plus --covariates). */
static size_t union_names(const char **out, size_t cap, const mc_cli_names *const *lists, size_t n)
{
    size_t k = 0;
    for (size_t l = 0; l < n; l++)
        for (size_t i = 0; i < lists[l]->n; i++) {
            bool seen = false;
            for (size_t j = 0; j < k && !seen; j++)
                seen = strcmp(out[j], lists[l]->names[i]) == 0;
            if (!seen && k < cap)
                out[k++] = lists[l]->names[i];
        }
    return k;
}

int mc_cli_train(int argc, char **argv, FILE *out, FILE *err)
{
    train_args a;
    memset(&a, 0, sizeof a);
    mc_cli_data_init(&a.data);
    mc_model_options_defaults(&a.mo);
    mc_train_options_defaults(&a.to);
    int status = parse_args(&a, argc, argv, out, err);
    mc_frame *frame = NULL;
    mc_model *model = NULL;
    const char *columns[3 * MC_MAX_COVARIATES];
    if (status != MC_EXIT_OK)
        goto done;
    const mc_cli_names *lists[] = {&a.data.covariates, &a.past, &a.future};
    a.data.csv_opt.covariates = columns;
    a.data.csv_opt.n_covariates = union_names(columns, 3 * MC_MAX_COVARIATES, lists, 3);
    a.mo.past = a.past.names;
    a.mo.n_past = a.past.n;
    a.mo.future = a.future.names;
    a.mo.n_future = a.future.n;
    if ((frame = mc_cli_data_load(&a.data, err)) == NULL) {
        status = MC_EXIT_FAILURE;
        goto done;
    }
    /* Defaults in time, whatever the step: a week back, a day ahead. */
    const int64_t step = mc_frame_step(frame);
    if (!a.lookback_given)
        a.mo.lookback = step < 7 * 86400 ? (size_t)(7 * 86400 / step) : 1;
    if (!a.horizon_given)
        a.mo.horizon = step < 86400 ? (size_t)(86400 / step) : 1;
    mc_cli_progress progress;
    mc_cli_progress_init(&progress, err, a.quiet);
    a.to.progress = mc_cli_progress_report;
    a.to.progress_user = &progress;
    mc_error e;
    if (mc_model_train(&model, frame, &a.mo, &a.to, &e) != MC_OK) {
        mc_cli_progress_end(&progress);
        fprintf(err, "maskcast: %s\n", e.message);
        status = MC_EXIT_FAILURE;
        goto done;
    }
    mc_cli_progress_end(&progress);
    if (mc_model_save(model, a.output, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        status = MC_EXIT_FAILURE;
        goto done;
    }
    if (!a.quiet)
        fprintf(err, "maskcast: wrote %s (lookback %zu, horizon %zu steps; %.1f s)\n", a.output,
                a.mo.lookback, a.mo.horizon, mc_model_train_seconds(model));
done:
    mc_model_free(model);
    mc_frame_free(frame);
    mc_cli_names_free(&a.past);
    mc_cli_names_free(&a.future);
    mc_cli_data_free(&a.data);
    return status < 0 ? MC_EXIT_OK : status;
}
