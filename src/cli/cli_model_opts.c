/* The model and training options that `train` and `backtest` share. */
#include "cli/cli_model_opts.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void mc_cli_model_help(FILE *f, const char *stride_line)
{
    fprintf(f,
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
        "  --level-steps N        average only the last N steps for that level (1: the last\n"
        "                         value; default: a day)\n"
        "\n"
        "The network (DESIGN.md section 4):\n"
        "  --hidden D             hidden units of the feature mapping (default 64)\n"
        "  --activation F         relu (default) or gelu\n"
        "  --mask KIND            per-horizon masks: sigmoid (default) or softmax (mean 1)\n"
        "  --no-anomaly-mask      ablation: no anomaly mask over the past values\n"
        "  --no-horizon-masks     ablation: no per-horizon attention masks\n"
        "  --horizon-rank R       per-horizon masks from horizon embeddings of rank R, whose\n"
        "                         weights grow as H*(R+D) instead of H*D*D; 0 for a full\n"
        "                         D x D matrix per horizon; auto (default): full up to 48\n"
        "                         steps, rank 16 beyond\n"
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
        "  --no-linear-candidate  always keep the network; by default training also fits a\n"
        "                         ridge regression on the load lags and keeps it instead\n"
        "                         unless the network beats it on validation by more than\n"
        "                         one standard error (point models with the skip and a\n"
        "                         validation tail; never for --loss pinball)\n"
        "  --samples-per-epoch N  origins drawn per epoch (default: all)\n"
        "%s"
        "  --seed N               the same seed gives the same model file (default 1)\n",
        stride_line);
}

void mc_cli_model_init(mc_cli_model *m)
{
    memset(m, 0, sizeof *m);
    mc_model_options_defaults(&m->mo);
    mc_train_options_defaults(&m->to);
}

void mc_cli_model_free(mc_cli_model *m)
{
    mc_cli_names_free(&m->past);
    mc_cli_names_free(&m->future);
}

bool mc_cli_parse_size(const char *arg, size_t lo, size_t *out)
{
    /* Digits only: strtoull skips blanks and takes a sign, so " -1" would
       pass a test of the first byte and wrap to 2^64 - 1. */
    if (!(arg[0] >= '0' && arg[0] <= '9'))
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo)
        return false;
    *out = (size_t)v;
    return true;
}

bool mc_cli_parse_real(const char *arg, double lo, double hi, double *out)
{
    if (isspace((unsigned char)arg[0]))
        return false; /* as counts: no leading blanks */
    errno = 0;
    char *end = NULL;
    double v = strtod(arg, &end);
    if (errno != 0 || end == arg || *end != '\0' || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

static int bad(FILE *err, const char *command_name, const char *opt, const char *arg, const char *want)
{
    fprintf(err, "maskcast %s: invalid --%s '%s': expected %s\n", command_name, opt, arg, want);
    return -1;
}

static int set_quantiles(mc_cli_model *a, const char *arg, const char *command, FILE *err)
{
    mc_cli_names list = {0};
    if (!mc_cli_names_parse(&list, arg) || list.n == 0 || list.n > MC_MAX_QUANTILES) {
        mc_cli_names_free(&list);
        return bad(err, command, "quantiles", arg, "1 to 16 increasing levels between 0 and 1");
    }
    for (size_t i = 0; i < list.n; i++)
        if (!mc_cli_parse_real(list.names[i], 1e-6, 1 - 1e-6, &a->mo.quantiles[i]) ||
            (i > 0 && !(a->mo.quantiles[i] > a->mo.quantiles[i - 1]))) {
            mc_cli_names_free(&list);
            return bad(err, command, "quantiles", arg, "increasing levels between 0 and 1");
        }
    a->mo.n_quantiles = list.n;
    mc_cli_names_free(&list);
    return 1;
}

/* Applies one model or training option; 1 done, 0 not ours, -1 invalid. */
int mc_cli_model_option(mc_cli_model *a, int c, const char *arg, const char *command,
                        FILE *err)
{
    static const char *const acts[] = {"relu", "gelu"}, *const masks[] = {"sigmoid", "softmax"};
    static const char *const losses[] = {"mae", "mse", "huber", "pinball"};
    mc_model_options *mo = &a->mo;
    mc_train_options *to = &a->to;
    switch (c) {
    case MC_OPT_PAST: return mc_cli_names_parse(&a->past, arg) ? 1 : bad(err, command, "past", arg, "names");
    case MC_OPT_FUTURE:
        return mc_cli_names_parse(&a->future, arg) ? 1 : bad(err, command, "future", arg, "names");
    case MC_OPT_HOLIDAYS: mo->holidays_path = arg; return 1;
    case MC_OPT_HORIZON:
        a->horizon_given = true;
        return mc_cli_parse_size(arg, 1, &mo->horizon) ? 1 : bad(err, command, "horizon", arg, "a count of steps");
    case MC_OPT_LOOKBACK:
        a->lookback_given = true;
        return mc_cli_parse_size(arg, 1, &mo->lookback) ? 1 : bad(err, command, "lookback", arg, "a count of steps");
    case MC_OPT_HIDDEN: return mc_cli_parse_size(arg, 1, &mo->hidden) ? 1 : bad(err, command, "hidden", arg, "a count");
    case MC_OPT_ACTIVATION:
        for (int i = 0; i < 2; i++)
            if (strcmp(arg, acts[i]) == 0) {
                mo->activation = (mc_activation)i;
                return 1;
            }
        return bad(err, command, "activation", arg, "relu or gelu");
    case MC_OPT_MASK:
        for (int i = 0; i < 2; i++)
            if (strcmp(arg, masks[i]) == 0) {
                mo->mask_kind = (mc_mask_kind)i;
                return 1;
            }
        return bad(err, command, "mask", arg, "sigmoid or softmax");
    case MC_OPT_LOSS:
        for (int i = 0; i < 4; i++)
            if (strcmp(arg, losses[i]) == 0) {
                mo->loss = (mc_loss_kind)i;
                return 1;
            }
        return bad(err, command, "loss", arg, "mae, mse, huber or pinball");
    case MC_OPT_NO_ANOMALY: mo->anomaly_mask = false; return 1;
    case MC_OPT_NO_HORIZON: mo->horizon_masks = false; return 1;
    case MC_OPT_NO_SKIP: mo->skip = false; return 1;
    case MC_OPT_NO_MASK_LOCAL: mo->mask_local = false; return 1;
    case MC_OPT_MASK_PENALTY:
        return mc_cli_parse_real(arg, 0, 100, &mo->mask_penalty) ? 1
                                                          : bad(err, command, "mask-penalty", arg, "0 to 100");
    case MC_OPT_HORIZON_RANK:
        if (strcmp(arg, "auto") == 0) {
            mo->horizon_rank = MC_HORIZON_RANK_AUTO;
            return 1;
        }
        return mc_cli_parse_size(arg, 0, &mo->horizon_rank) && mo->horizon_rank <= MC_HORIZON_RANK_MAX
                   ? 1 : bad(err, command, "horizon-rank", arg, "auto or 0 to 4096");
    case MC_OPT_NO_LEVEL: mo->normalize_level = false; return 1;
    case MC_OPT_LEVEL_STEPS:
        return mc_cli_parse_size(arg, 1, &mo->level_steps) ? 1
                                                           : bad(err, command, "level-steps", arg, ">= 1");
    case MC_OPT_NO_CALENDAR: mo->calendar = false; return 1;
    case MC_OPT_QUANTILES: return set_quantiles(a, arg, command, err);
    case MC_OPT_HUBER:
        return mc_cli_parse_real(arg, 1e-9, 1e9, &mo->huber_delta) ? 1
                                                            : bad(err, command, "huber-delta", arg, "> 0");
    case MC_OPT_EPOCHS: return mc_cli_parse_size(arg, 1, &to->max_epochs) ? 1 : bad(err, command, "epochs", arg, ">= 1");
    case MC_OPT_BATCH: return mc_cli_parse_size(arg, 1, &to->batch_size) ? 1 : bad(err, command, "batch", arg, ">= 1");
    case MC_OPT_PATIENCE:
        return mc_cli_parse_size(arg, 1, &to->patience) ? 1 : bad(err, command, "patience", arg, ">= 1");
    case MC_OPT_SAMPLES:
        return mc_cli_parse_size(arg, 1, &to->samples_per_epoch) ? 1
                                                          : bad(err, command, "samples-per-epoch", arg, ">= 1");
    case MC_OPT_TRAIN_STRIDE:
        return mc_cli_parse_size(arg, 1, &to->origin_stride) ? 1 : bad(err, command, strcmp(command, "train") == 0 ? "stride" : "train-stride", arg, ">= 1");
    case MC_OPT_LR: return mc_cli_parse_real(arg, 1e-9, 10, &to->learning_rate) ? 1 : bad(err, command, "lr", arg, "> 0");
    case MC_OPT_WD:
        return mc_cli_parse_real(arg, 0, 10, &to->weight_decay) ? 1 : bad(err, command, "weight-decay", arg, ">= 0");
    case MC_OPT_CLIP: return mc_cli_parse_real(arg, 0, 1e9, &to->clip_norm) ? 1 : bad(err, command, "clip", arg, ">= 0");
    case MC_OPT_VAL:
        return mc_cli_parse_real(arg, 0, 0.89, &to->validation_fraction)
                   ? 1 : bad(err, command, "val-fraction", arg, "a fraction below 0.9");
    case MC_OPT_AUGMENT:
        return mc_cli_parse_real(arg, 0, 1, &to->augment_probability)
                   ? 1 : bad(err, command, "augment", arg, "a probability");
    case MC_OPT_NO_LINEAR: to->linear_candidate = false; return 1;
    case MC_OPT_SEED: {
        size_t seed;
        if (!mc_cli_parse_size(arg, 0, &seed))
            return bad(err, command, "seed", arg, "a whole number");
        to->seed = seed;
        return 1;
    }
    default: return 0;
    }
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


mc_frame *mc_cli_model_load(mc_cli_model *m, mc_cli_data *d, const char **columns, FILE *err)
{
    const mc_cli_names *lists[] = {&d->covariates, &m->past, &m->future};
    d->csv_opt.covariates = columns;
    d->csv_opt.n_covariates = union_names(columns, 3 * MC_MAX_COVARIATES, lists, 3);
    m->mo.past = m->past.names;
    m->mo.n_past = m->past.n;
    m->mo.future = m->future.names;
    m->mo.n_future = m->future.n;
    mc_frame *frame = mc_cli_data_load(d, err);
    if (frame == NULL)
        return NULL;
    const int64_t step = mc_frame_step(frame);
    if (!m->lookback_given)
        m->mo.lookback = step < 7 * 86400 ? (size_t)(7 * 86400 / step) : 1;
    if (!m->horizon_given)
        m->mo.horizon = step < 86400 ? (size_t)(86400 / step) : 1;
    return frame;
}
