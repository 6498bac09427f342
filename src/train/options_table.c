/*
 * Every model and training option described once: name, command-line
 * spelling, group, type, range, default and help, and where its value
 * lives. The model file's configuration, `inspect`, the command line's
 * options and --help, and the Python module all read this table.
 */
#include "train/options_table.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "train/model_internal.h"

/* Where an entry's value lives. */
typedef enum home { IN_MODEL_OPTIONS, IN_TRAIN_OPTIONS, IN_DATA } home;

/* Whether the model file records an entry: never; always (format 1); or,
   for entries added since, only when it differs from `absent`. */
typedef enum file_rule { FILE_NO = 0, FILE_ALWAYS, FILE_UNLESS_ABSENT } file_rule;

typedef struct row {
    mc_option_info info;
    home home;
    size_t offset;       /* of the value in its struct */
    size_t count_offset; /* MC_OPTION_LEVELS: of the count; NAMES/DATES too */
    bool u64;            /* a count stored as uint64_t (the seed), not size_t */
    file_rule file;
    const char *absent;  /* what a file without the entry means; NULL: it is required */
} row;

static const char *const ACTIVATIONS[] = {"relu", "gelu"};
static const char *const MASK_KINDS[] = {"sigmoid", "softmax"};
static const char *const LOSSES[] = {"mae", "mse", "huber", "pinball"};
static const char *const TEMPORAL[] = {"none", "global", "local"};
static const char *const SCORES[] = {"dot", "scaled-dot", "cosine", "mlp"};

#define NCHOICES(a) (sizeof(a) / sizeof((a)[0]))
#define MO(field) .home = IN_MODEL_OPTIONS, .offset = offsetof(mc_model_options, field)
#define TO(field) .home = IN_TRAIN_OPTIONS, .offset = offsetof(mc_train_options, field)
#define DIM_MAX 16777216.0   /* 2^24: the largest lookback, horizon or width a file holds */
#define HUGE_COUNT 1099511627776.0 /* 2^40 */
#define U64_MAX_D 18446744073709551615.0

/* In the model file's order (its configuration object keeps this order, so
   a file's bytes do not depend on the table's grouping); entries the file
   does not record follow. */
static const row ROWS[] = {
    {.info = {.name = "lookback", .cli = "lookback", .group = MC_GROUP_WINDOW,
              .type = MC_OPTION_COUNT, .min = 1, .max = DIM_MAX, .metavar = "STEPS",
              .default_text = "168", .expect = "a count of steps",
              .help = "steps of history seen (command line: one week of steps by default)"},
     MO(window.lookback), .file = FILE_ALWAYS},
    {.info = {.name = "horizon", .cli = "horizon", .group = MC_GROUP_WINDOW,
              .type = MC_OPTION_COUNT, .min = 1, .max = DIM_MAX, .metavar = "STEPS",
              .default_text = "24", .expect = "a count of steps",
              .help = "steps forecast (command line: one day of steps by default)"},
     MO(window.horizon), .file = FILE_ALWAYS},
    {.info = {.name = "hidden", .cli = "hidden", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_COUNT, .min = 1, .max = DIM_MAX, .metavar = "D",
              .default_text = "64", .expect = "a count",
              .help = "hidden units of the feature mapping"},
     MO(network.hidden), .file = FILE_ALWAYS},
    {.info = {.name = "past_channels", .type = MC_OPTION_FACT, .group = MC_GROUP_FEATURES,
              .min = 1, .max = 1 + MC_MAX_COVARIATES,
              .help = "values per past step: the load and the past covariates"},
     .home = IN_DATA, .file = FILE_ALWAYS},
    {.info = {.name = "future_channels", .type = MC_OPTION_FACT, .group = MC_GROUP_FEATURES,
              .min = 0, .max = 8 + MC_MAX_COVARIATES,
              .help = "values per target step: calendar and known-future covariates"},
     .home = IN_DATA, .file = FILE_ALWAYS},
    {.info = {.name = "activation", .cli = "activation", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_CHOICE, .choices = ACTIVATIONS, .n_choices = 2,
              .metavar = "F", .default_text = "relu", .expect = "relu or gelu",
              .help = "activation of the hidden layers: relu or gelu"},
     MO(network.activation), .file = FILE_ALWAYS},
    {.info = {.name = "mask_kind", .cli = "mask", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_CHOICE, .choices = MASK_KINDS, .n_choices = 2,
              .metavar = "KIND", .default_text = "sigmoid", .expect = "sigmoid or softmax",
              .help = "per-horizon masks: sigmoid, or softmax scaled to mean 1"},
     MO(network.mask_kind), .file = FILE_ALWAYS},
    {.info = {.name = "anomaly_mask", .cli = "no-anomaly-mask", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_FLAG, .default_text = "true",
              .help = "the anomaly mask over the past values (off: the \"no anomaly mask\" ablation)"},
     MO(network.anomaly_mask), .file = FILE_ALWAYS},
    {.info = {.name = "horizon_masks", .cli = "no-horizon-masks", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_FLAG, .default_text = "true",
              .help = "the learned attention masks over the features, one per horizon step (off: "
                      "the \"no horizon masks\" ablation)"},
     MO(network.horizon_masks), .file = FILE_ALWAYS},
    {.info = {.name = "horizon_rank", .cli = "horizon-rank", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_COUNT, .keyword = "auto", .min = 0, .max = MC_HORIZON_RANK_MAX,
              .metavar = "R", .default_text = "auto", .expect = "auto or 0 to 4096",
              .help = "per-horizon masks from horizon embeddings of rank R, whose weights grow "
                      "as H*(R+D) instead of H*D*D; 0 for a full D x D matrix per horizon; "
                      "auto: full up to 48 steps, rank 16 beyond"},
     MO(network.horizon_rank), .file = FILE_ALWAYS, .absent = "0"},
    {.info = {.name = "skip", .cli = "no-skip", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_FLAG, .default_text = "true",
              .help = "the linear skip over the masked load lags"},
     MO(network.skip), .file = FILE_ALWAYS},
    {.info = {.name = "mask_local", .cli = "no-mask-local", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_FLAG, .default_text = "true",
              .help = "the anomaly mask's local evidence, each value's deviation from its "
                      "neighbours (off: the mask sees only the window's features, DESIGN.md's "
                      "mask)"},
     MO(network.mask_local), .file = FILE_ALWAYS},
    {.info = {.name = "mask_penalty", .cli = "mask-penalty", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_REAL, .min = 0, .max = 100, .metavar = "X",
              .default_text = "0.1", .expect = "a number from 0 to 100",
              .help = "cost of closing the anomaly mask added to the loss, so that it closes "
                      "only where that pays; 0 for none"},
     MO(network.mask_penalty), .file = FILE_ALWAYS},
    {.info = {.name = "loss", .cli = "loss", .group = MC_GROUP_LOSS,
              .type = MC_OPTION_CHOICE, .choices = LOSSES, .n_choices = 4, .metavar = "L",
              .default_text = "mae", .expect = "mae, mse, huber or pinball",
              .help = "the training loss: mae, mse, huber, or pinball for quantiles"},
     MO(loss.kind), .file = FILE_ALWAYS},
    {.info = {.name = "huber_delta", .cli = "huber-delta", .group = MC_GROUP_LOSS,
              .type = MC_OPTION_REAL, .min = 1e-9, .max = 1e9, .metavar = "X",
              .default_text = "1", .expect = "a positive number",
              .help = "Huber threshold in standard deviations"},
     MO(loss.huber_delta), .file = FILE_ALWAYS},
    {.info = {.name = "quantiles", .cli = "quantiles", .group = MC_GROUP_LOSS,
              .type = MC_OPTION_LEVELS, .min = 1, .max = MC_MAX_QUANTILES, .metavar = "Q,Q,...",
              .default_text = "0.1,0.5,0.9",
              .expect = "1 to 16 increasing levels between 0 and 1",
              .help = "the pinball loss's quantile levels"},
     MO(loss.quantiles), .count_offset = offsetof(mc_model_options, loss.n_quantiles),
     .file = FILE_ALWAYS},
    {.info = {.name = "normalize_level", .cli = "no-level", .group = MC_GROUP_FEATURES,
              .type = MC_OPTION_FLAG, .default_text = "true",
              .help = "level normalisation: the last day's mean load subtracted from the inputs "
                      "and added back to the forecasts"},
     MO(features.normalize_level), .file = FILE_ALWAYS},
    {.info = {.name = "level_steps", .cli = "level-steps", .group = MC_GROUP_FEATURES,
              .type = MC_OPTION_COUNT, .min = 0, .max = HUGE_COUNT, .metavar = "N",
              .default_text = "0", .expect = "a count of steps",
              .help = "average only the last N steps for that level (1: the last value; 0, "
                      "the default: a day)"},
     MO(features.level_steps), .file = FILE_ALWAYS, .absent = "0"},
    {.info = {.name = "calendar", .cli = "no-calendar", .group = MC_GROUP_FEATURES,
              .type = MC_OPTION_FLAG, .default_text = "true",
              .help = "the calendar channels of each target time (hour, weekday, season, "
                      "weekend, holiday)"},
     MO(features.calendar), .file = FILE_ALWAYS},
    {.info = {.name = "step_seconds", .type = MC_OPTION_FACT, .group = MC_GROUP_WINDOW,
              .min = 1, .max = HUGE_COUNT, .help = "seconds between rows of the data"},
     .home = IN_DATA, .file = FILE_ALWAYS},

    /* Added after format 1: recorded only when not what a file without them
       means (the network of format 1). */
    {.info = {.name = "mask_topk", .cli = "mask-topk", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_COUNT, .min = 0, .max = DIM_MAX, .metavar = "K",
              .default_text = "0", .expect = "a count (0: soft masks)",
              .help = "hard per-horizon masks: each keeps its K largest weights and zeroes the "
                      "rest, trained straight-through (0: soft masks)"},
     MO(network.mask_topk), .file = FILE_UNLESS_ABSENT, .absent = "0"},
    {.info = {.name = "anomaly_topk", .cli = "anomaly-topk", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_COUNT, .min = 0, .max = HUGE_COUNT, .metavar = "K",
              .default_text = "0", .expect = "a count (0: a soft mask)",
              .help = "a hard anomaly mask: each window keeps its K largest of the lookback x "
                      "past-channel weights and zeroes the rest, trained straight-through (0: "
                      "a soft mask)"},
     MO(network.anomaly_topk), .file = FILE_UNLESS_ABSENT, .absent = "0"},
    {.info = {.name = "temporal", .cli = "temporal", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_CHOICE, .choices = TEMPORAL, .n_choices = 3, .metavar = "KIND",
              .default_text = "none", .expect = "none, global or local",
              .help = "temporal attention over the lookback, its context joining each step's "
                      "head: none, global (all past steps) or local (a window around a centre "
                      "predicted per step)"},
     MO(network.temporal), .file = FILE_UNLESS_ABSENT, .absent = "none"},
    {.info = {.name = "temporal_score", .cli = "temporal-score", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_CHOICE, .choices = SCORES, .n_choices = 4, .metavar = "F",
              .default_text = "scaled-dot", .expect = "dot, scaled-dot, cosine or mlp",
              .help = "the temporal attention's score: dot, scaled-dot (divided by sqrt(d)), "
                      "cosine (times a learned temperature) or mlp (additive)"},
     MO(network.temporal_score), .file = FILE_UNLESS_ABSENT, .absent = "dot"},
    {.info = {.name = "temporal_dim", .cli = "temporal-dim", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_COUNT, .min = 1, .max = MC_TEMPORAL_DIM_MAX, .metavar = "D",
              .default_text = "16", .expect = "a count from 1 to 1024",
              .help = "the temporal attention's query, key and value width"},
     MO(network.temporal_dim), .file = FILE_UNLESS_ABSENT, .absent = "0"},
    {.info = {.name = "temporal_width", .cli = "temporal-width", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_COUNT, .min = 0, .max = DIM_MAX, .metavar = "STEPS",
              .default_text = "0", .expect = "a count of steps",
              .help = "local temporal attention's window width in steps (0, the default: a "
                      "day of steps)"},
     MO(network.temporal_width), .file = FILE_UNLESS_ABSENT, .absent = "0"},
    {.info = {.name = "future_terms", .cli = "no-future-terms", .group = MC_GROUP_NETWORK,
              .type = MC_OPTION_FLAG, .default_text = "true",
              .help = "the skip's known-future term: each target step's calendar (hour, "
                      "weekday, season, weekend and holiday) and known-future inputs (with "
                      "piecewise-linear terms, as temperature needs) weighed linearly; the "
                      "linear forecaster fits it in closed form"},
     MO(network.future_terms), .file = FILE_UNLESS_ABSENT, .absent = "false"},
    {.info = {.name = "blend", .group = MC_GROUP_NETWORK, .type = MC_OPTION_FLAG,
              .default_text = "false",
              .help = "set by training: the forecasts blend the network's with the linear "
                      "forecaster's, the network's weight per step in blend.w"},
     MO(network.blend), .file = FILE_UNLESS_ABSENT, .absent = "false"},
    {.info = {.name = "members", .group = MC_GROUP_NETWORK, .type = MC_OPTION_COUNT, .min = 0,
              .max = MC_MAX_MEMBERS, .default_text = "1", .expect = "a count from 1 to 64",
              .help = "set by mc_model_ensemble: the members whose forecasts the model "
                      "averages (each one trained with its own seed)"},
     MO(network.members), .file = FILE_UNLESS_ABSENT, .absent = "1"},

    /* Not in the model's configuration object. */
    {.info = {.name = "past", .cli = "past", .group = MC_GROUP_FEATURES,
              .type = MC_OPTION_NAMES, .metavar = "A,B", .default_text = "",
              .help = "columns fed as past inputs with the load (e.g. measured temperature)"},
     MO(features.past), .count_offset = offsetof(mc_model_options, features.n_past)},
    {.info = {.name = "future", .cli = "future", .group = MC_GROUP_FEATURES,
              .type = MC_OPTION_NAMES, .metavar = "A,B", .default_text = "",
              .help = "columns known at the target times (e.g. a temperature forecast, or the "
                      "actual temperature when backtesting)"},
     MO(features.future), .count_offset = offsetof(mc_model_options, features.n_future)},
    {.info = {.name = "holidays", .cli = "holidays", .group = MC_GROUP_FEATURES,
              .type = MC_OPTION_DATES, .metavar = "MARKET|FILE", .default_text = "",
              .help = "holiday dates (command line: a built-in market such as us, gb-eng or "
                      "au-vic, listed by 'maskcast holidays', or a CSV whose first column "
                      "lists dates YYYY-MM-DD)"},
     MO(features.holidays), .count_offset = offsetof(mc_model_options, features.n_holidays)},
    {.info = {.name = "max_epochs", .cli = "epochs", .group = MC_GROUP_TRAINING,
              .type = MC_OPTION_COUNT, .min = 1, .max = HUGE_COUNT, .metavar = "N",
              .default_text = "60", .expect = "a count >= 1", .help = "most epochs"},
     TO(max_epochs)},
    {.info = {.name = "batch_size", .cli = "batch", .group = MC_GROUP_TRAINING,
              .type = MC_OPTION_COUNT, .min = 1, .max = 1048576, .metavar = "N",
              .default_text = "256", .expect = "a count from 1 to 1048576",
              .help = "samples per step"},
     TO(batch_size)},
    {.info = {.name = "learning_rate", .cli = "lr", .group = MC_GROUP_TRAINING,
              .type = MC_OPTION_REAL, .min = 1e-30, .max = 10, .metavar = "X",
              .default_text = "0.001", .expect = "a positive number up to 10",
              .help = "peak learning rate of AdamW"},
     TO(learning_rate)},
    {.info = {.name = "weight_decay", .cli = "weight-decay", .group = MC_GROUP_TRAINING,
              .type = MC_OPTION_REAL, .min = 0, .max = 10, .metavar = "X",
              .default_text = "0.0001", .expect = "a number from 0 to 10",
              .help = "AdamW weight decay of the weight matrices"},
     TO(weight_decay)},
    {.info = {.name = "clip_norm", .cli = "clip", .group = MC_GROUP_TRAINING,
              .type = MC_OPTION_REAL, .min = 0, .max = 1e9, .metavar = "X",
              .default_text = "1", .expect = "a number >= 0",
              .help = "global gradient-norm clip, 0 for none"},
     TO(clip_norm)},
    {.info = {.name = "time_limit", .cli = "time-limit", .group = MC_GROUP_TRAINING,
              .type = MC_OPTION_REAL, .min = 0, .max = 1e9, .metavar = "SECONDS",
              .default_text = "0", .expect = "a number of seconds",
              .help = "stop training before an epoch that would end past SECONDS since it "
                      "began (the first epoch always runs; the model then depends on the "
                      "machine's speed); 0: no limit"},
     TO(time_limit)},
    {.info = {.name = "patience", .cli = "patience", .group = MC_GROUP_TRAINING,
              .type = MC_OPTION_COUNT, .min = 1, .max = HUGE_COUNT, .metavar = "N",
              .default_text = "8", .expect = "a count >= 1",
              .help = "epochs without a better validation loss before stopping"},
     TO(patience)},
    {.info = {.name = "validation_fraction", .cli = "val-fraction", .group = MC_GROUP_TRAINING,
              .type = MC_OPTION_REAL, .min = 0, .max = 0.89, .metavar = "X",
              .default_text = "0.1", .expect = "a fraction below 0.9",
              .help = "time-ordered validation tail of the origins, 0 for none"},
     TO(validation_fraction)},
    {.info = {.name = "warmup_fraction", .group = MC_GROUP_TRAINING, .type = MC_OPTION_REAL,
              .min = 0, .max = 1, .metavar = "X", .default_text = "0.02",
              .expect = "a fraction", .help = "share of all steps spent warming up linearly"},
     TO(warmup_fraction)},
    {.info = {.name = "augment_probability", .cli = "augment", .group = MC_GROUP_TRAINING,
              .type = MC_OPTION_REAL, .min = 0, .max = 1, .metavar = "P",
              .default_text = "0.5", .expect = "a probability",
              .help = "chance a sample's past load is corrupted (anomaly augmentation)"},
     TO(augment_probability)},
    {.info = {.name = "linear_candidate", .cli = "no-linear-candidate",
              .group = MC_GROUP_TRAINING, .type = MC_OPTION_FLAG, .default_text = "true",
              .help = "the linear candidate: a ridge regression on the load lags fitted beside "
                      "the network and kept unless the network beats it on validation by more "
                      "than one standard error (point models with the skip and a validation "
                      "tail; never for pinball)"},
     TO(linear_candidate)},
    {.info = {.name = "samples_per_epoch", .cli = "samples-per-epoch",
              .group = MC_GROUP_TRAINING, .type = MC_OPTION_COUNT, .min = 1, .max = HUGE_COUNT,
              .metavar = "N", .default_text = "0", .expect = "a count >= 1",
              .help = "origins drawn per epoch (default: all)"},
     TO(samples_per_epoch)},
    {.info = {.name = "origin_stride", .cli = "stride", .group = MC_GROUP_TRAINING,
              .type = MC_OPTION_COUNT, .min = 1, .max = HUGE_COUNT, .metavar = "N",
              .default_text = "1", .expect = "a count >= 1",
              .help = "training origins every N steps"},
     TO(origin_stride)},
    {.info = {.name = "seed", .cli = "seed", .group = MC_GROUP_TRAINING,
              .type = MC_OPTION_COUNT, .min = 0, .max = U64_MAX_D, .metavar = "N",
              .default_text = "1", .expect = "a whole number",
              .help = "the same seed gives the same model file"},
     TO(seed), .u64 = true},
    {.info = {.name = "train_rows", .group = MC_GROUP_TRAINING, .type = MC_OPTION_COUNT,
              .min = 0, .max = HUGE_COUNT, .metavar = "N", .default_text = "0",
              .expect = "a count", .help = "train on the first N rows of the frame; 0: all"},
     TO(train_rows)},
};

enum { N_ROWS = sizeof ROWS / sizeof ROWS[0] };

size_t mc_option_count(void) { return N_ROWS; }

const mc_option_info *mc_option_at(size_t i) { return i < N_ROWS ? &ROWS[i].info : NULL; }

static const row *find_row(const char *name)
{
    for (size_t i = 0; name != NULL && i < N_ROWS; i++)
        if (strcmp(ROWS[i].info.name, name) == 0 ||
            (ROWS[i].info.cli != NULL && strcmp(ROWS[i].info.cli, name) == 0))
            return &ROWS[i];
    return NULL;
}

const mc_option_info *mc_option_find(const char *name)
{
    const row *r = find_row(name);
    return r ? &r->info : NULL;
}

/* Where entry r's value is in the given structs (NULL for a fact, or when
   the struct of its kind was not given). */
static void *value_in(const row *r, const mc_model_options *mo, const mc_train_options *to)
{
    if (r->home == IN_MODEL_OPTIONS && mo != NULL)
        return (char *)(uintptr_t)mo + r->offset;
    if (r->home == IN_TRAIN_OPTIONS && to != NULL)
        return (char *)(uintptr_t)to + r->offset;
    return NULL;
}

/* ---- values as text --------------------------------------------------------- */

/* A count in decimal digits only (strtoull skips blanks and takes a sign,
   so " -1" would wrap to 2^64 - 1), or the entry's keyword (SIZE_MAX). */
static bool parse_count(const row *r, const char *text, uint64_t *out)
{
    if (r->info.keyword != NULL && strcmp(text, r->info.keyword) == 0) {
        *out = SIZE_MAX;
        return true;
    }
    if (!(text[0] >= '0' && text[0] <= '9'))
        return false;
    errno = 0;
    char *end = NULL;
    const unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || (double)v < r->info.min ||
        (r->info.max < U64_MAX_D && (double)v > r->info.max))
        return false;
    *out = v;
    return true;
}

static bool parse_real(const char *text, double lo, double hi, double *out)
{
    if (text[0] == '\0' || text[0] == ' ' || (text[0] >= '\t' && text[0] <= '\r'))
        return false;
    errno = 0;
    char *end = NULL;
    const double v = strtod(text, &end);
    if (errno != 0 || *end != '\0' || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

/* Increasing levels in (0, 1), also once rounded to float (the model keeps
   them so: 0.99999999 is 1 there). */
static bool levels_valid(const double *q, size_t n)
{
    if (n == 0 || n > MC_MAX_QUANTILES)
        return false;
    for (size_t i = 0; i < n; i++) {
        const float level = (float)q[i];
        if (!(level > 0.0f && level < 1.0f) || (i > 0 && !(level > (float)q[i - 1])))
            return false;
    }
    return true;
}

static bool parse_levels(const char *text, double *q, size_t *n)
{
    size_t k = 0;
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        const size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[64];
        if (k == MC_MAX_QUANTILES || len == 0 || len >= sizeof item)
            return false;
        memcpy(item, p, len);
        item[len] = '\0';
        if (!parse_real(item, 1e-6, 1 - 1e-6, &q[k++]))
            return false;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    *n = k;
    return levels_valid(q, k);
}

mc_status mc_options_set(mc_model_options *mo, mc_train_options *to, const char *name,
                         const char *value, mc_error *err)
{
    const row *r = find_row(name);
    if (r == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "no option is named \"%s\"",
                            name ? name : "(null)");
    void *p = value_in(r, mo, to);
    const mc_option_type type = r->info.type;
    if (p == NULL || type == MC_OPTION_NAMES || type == MC_OPTION_DATES ||
        type == MC_OPTION_FACT)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "option \"%s\" cannot be set here by text%s", r->info.name,
                            type == MC_OPTION_NAMES || type == MC_OPTION_DATES
                                ? " (set it in mc_feature_options)"
                                : "");
    bool ok = value != NULL;
    if (ok && type == MC_OPTION_COUNT) {
        uint64_t v = 0;
        if ((ok = parse_count(r, value, &v))) {
            if (r->u64)
                *(uint64_t *)p = v;
            else
                *(size_t *)p = (size_t)v;
        }
    } else if (ok && type == MC_OPTION_REAL) {
        ok = parse_real(value, r->info.min, r->info.max, (double *)p);
    } else if (ok && type == MC_OPTION_FLAG) {
        const bool yes = strcmp(value, "true") == 0 || strcmp(value, "1") == 0;
        ok = yes || strcmp(value, "false") == 0 || strcmp(value, "0") == 0;
        if (ok)
            *(bool *)p = yes;
    } else if (ok && type == MC_OPTION_CHOICE) {
        ok = false;
        for (size_t i = 0; !ok && i < r->info.n_choices; i++)
            if (strcmp(value, r->info.choices[i]) == 0) {
                *(int *)p = (int)i; /* every choice field is a C enum */
                ok = true;
            }
    } else if (ok && type == MC_OPTION_LEVELS) {
        double q[MC_MAX_QUANTILES];
        size_t n = 0;
        if ((ok = parse_levels(value, q, &n))) {
            memcpy(p, q, n * sizeof *q);
            *(size_t *)(void *)((char *)mo + r->count_offset) = n;
        }
    }
    if (!ok) {
        char shown[MC_ERROR_NAME_SIZE];
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "invalid %s \"%s\": expected %s",
                            r->info.name, mc_error_name(shown, value ? value : "(null)"),
                            r->info.expect ? r->info.expect : "a valid value");
    }
    return MC_OK;
}

/* The shortest text that reads back as v. */
static void shortest(char *buf, size_t size, double v)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* Entry r's value (in p, or the model's fact `fact`) as text into buf. */
static bool value_text(const row *r, const void *p, uint64_t fact, char *buf, size_t size)
{
    char text[MC_MAX_QUANTILES * 32];
    text[0] = '\0';
    switch (r->info.type) {
    case MC_OPTION_COUNT: {
        const uint64_t v = r->u64 ? *(const uint64_t *)p : *(const size_t *)p;
        if (r->info.keyword != NULL && v == SIZE_MAX)
            snprintf(text, sizeof text, "%s", r->info.keyword);
        else
            snprintf(text, sizeof text, "%llu", (unsigned long long)v);
        break;
    }
    case MC_OPTION_FACT: snprintf(text, sizeof text, "%llu", (unsigned long long)fact); break;
    case MC_OPTION_REAL: shortest(text, sizeof text, *(const double *)p); break;
    case MC_OPTION_FLAG: snprintf(text, sizeof text, "%s", *(const bool *)p ? "true" : "false"); break;
    case MC_OPTION_CHOICE: {
        const int c = *(const int *)p;
        snprintf(text, sizeof text, "%s",
                 c >= 0 && (size_t)c < r->info.n_choices ? r->info.choices[c] : "?");
        break;
    }
    case MC_OPTION_LEVELS: {
        const double *q = p;
        const size_t n = *(const size_t *)(const void *)((const char *)p - r->offset +
                                                         r->count_offset);
        size_t used = 0;
        for (size_t i = 0; i < n && i < MC_MAX_QUANTILES; i++) {
            char one[32];
            shortest(one, sizeof one, q[i]);
            used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", i ? "," : "", one);
        }
        break;
    }
    default: return false;
    }
    if (strlen(text) >= size)
        return false;
    memcpy(buf, text, strlen(text) + 1);
    return true;
}

mc_status mc_options_get(const mc_model_options *mo, const mc_train_options *to,
                         const char *name, char *buf, size_t size, mc_error *err)
{
    const row *r = find_row(name);
    const void *p = r ? value_in(r, mo, to) : NULL;
    if (size > 0)
        buf[0] = '\0';
    if (p == NULL || r->info.type == MC_OPTION_NAMES || r->info.type == MC_OPTION_DATES)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "no option \"%s\" to read here",
                            name ? name : "(null)");
    if (!value_text(r, p, 0, buf, size))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the value of \"%s\" does not fit %zu bytes",
                            r->info.name, size);
    return MC_OK;
}

/* ---- a model's configuration -------------------------------------------- */

static uint64_t fact_of(const mc_model *m, const row *r)
{
    if (strcmp(r->info.name, "past_channels") == 0)
        return m->shape.past_channels;
    if (strcmp(r->info.name, "future_channels") == 0)
        return m->shape.future_channels;
    return (uint64_t)m->step;
}

mc_status mc_model_get_option(const mc_model *m, const char *name, char *buf, size_t size,
                              mc_error *err)
{
    const row *r = find_row(name);
    if (size > 0)
        buf[0] = '\0';
    if (r == NULL || r->file == FILE_NO)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a model file does not record \"%s\"", name ? name : "(null)");
    const void *p = value_in(r, &m->config, NULL);
    if (!value_text(r, p, r->home == IN_DATA ? fact_of(m, r) : 0, buf, size))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the value of \"%s\" does not fit %zu bytes",
                            r->info.name, size);
    return MC_OK;
}

bool mc_option_in_file(const mc_model *m, size_t i)
{
    if (i >= N_ROWS || ROWS[i].file == FILE_NO)
        return false;
    if (ROWS[i].file == FILE_ALWAYS)
        return true;
    char have[64];
    return mc_model_get_option(m, ROWS[i].info.name, have, sizeof have, NULL) != MC_OK ||
           strcmp(have, ROWS[i].absent) != 0;
}

/* A double with 17 significant digits, which reads back exactly (cJSON
   prints 15 when they look equal, which can lose the last bit). */
static cJSON *exact(double v)
{
    char text[40];
    snprintf(text, sizeof text, "%.17g", isfinite(v) ? v : 0.0);
    return cJSON_CreateRaw(text);
}

cJSON *mc_option_to_json(const mc_model *m, size_t i)
{
    if (i >= N_ROWS || ROWS[i].file == FILE_NO)
        return NULL;
    const row *r = &ROWS[i];
    const void *p = value_in(r, &m->config, NULL);
    switch (r->info.type) {
    case MC_OPTION_FACT: return cJSON_CreateNumber((double)fact_of(m, r));
    case MC_OPTION_COUNT: return cJSON_CreateNumber((double)*(const size_t *)p);
    case MC_OPTION_REAL: return exact(*(const double *)p);
    case MC_OPTION_FLAG: return cJSON_CreateBool(*(const bool *)p);
    case MC_OPTION_CHOICE: return cJSON_CreateString(r->info.choices[*(const int *)p]);
    case MC_OPTION_LEVELS: {
        const mc_loss_options *loss = &m->config.loss;
        cJSON *a = cJSON_CreateArray();
        for (size_t q = 0; a != NULL && q < loss->n_quantiles; q++) {
            cJSON *e = exact(loss->quantiles[q]);
            if (e == NULL || !cJSON_AddItemToArray(a, e)) {
                cJSON_Delete(e);
                cJSON_Delete(a);
                return NULL;
            }
        }
        return a;
    }
    default: return NULL;
    }
}

/* ---- reading a configuration ------------------------------------------- */

static bool refuse(char *what, size_t size, const row *r, const char *why)
{
    snprintf(what, size, "configuration \"%s\" %s", r->info.name, why);
    return false;
}

/* Entry r from the JSON value v (NULL: absent from the file) into p, or the
   fact into *fact. */
static bool entry_from_json(const row *r, const cJSON *v, void *p, uint64_t *fact, char *what,
                            size_t size)
{
    char why[96];
    switch (r->info.type) {
    case MC_OPTION_COUNT:
    case MC_OPTION_FACT: {
        const double d = cJSON_IsNumber(v) ? v->valuedouble : -1.0;
        if (!(d >= r->info.min && d <= r->info.max && d == floor(d))) {
            snprintf(why, sizeof why, "must be a whole number from %.0f to %.0f", r->info.min,
                     r->info.max);
            return refuse(what, size, r, why);
        }
        if (r->info.type == MC_OPTION_FACT)
            *fact = (uint64_t)d;
        else
            *(size_t *)p = (size_t)d;
        return true;
    }
    case MC_OPTION_REAL:
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= r->info.min && v->valuedouble <= r->info.max)) {
            snprintf(why, sizeof why, "must be %s", r->info.expect);
            return refuse(what, size, r, why);
        }
        *(double *)p = v->valuedouble;
        return true;
    case MC_OPTION_FLAG:
        if (!cJSON_IsBool(v))
            return refuse(what, size, r, "must be true or false");
        *(bool *)p = cJSON_IsTrue(v);
        return true;
    case MC_OPTION_CHOICE:
        for (size_t i = 0; cJSON_IsString(v) && i < r->info.n_choices; i++)
            if (strcmp(v->valuestring, r->info.choices[i]) == 0) {
                *(int *)p = (int)i;
                return true;
            }
        return refuse(what, size, r, "has an unknown value");
    case MC_OPTION_LEVELS: {
        const int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
        if (n < 0 || n > MC_MAX_QUANTILES)
            return refuse(what, size, r, "must list the pinball loss's levels");
        double *q = p;
        for (int i = 0; i < n; i++) {
            const cJSON *e = cJSON_GetArrayItem(v, i);
            if (!cJSON_IsNumber(e))
                return refuse(what, size, r, "must hold numbers");
            q[i] = e->valuedouble;
        }
        *(size_t *)(void *)((char *)p - r->offset + r->count_offset) = (size_t)n;
        return true;
    }
    default: return true;
    }
}

bool mc_options_from_json(const cJSON *c, mc_model_options *mo, size_t *past_channels,
                          size_t *future_channels, int64_t *step_seconds, char *what,
                          size_t size)
{
    mc_model_options_defaults(mo);
    for (size_t i = 0; i < N_ROWS; i++) {
        const row *r = &ROWS[i];
        if (r->file == FILE_NO)
            continue;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, r->info.name);
        void *p = value_in(r, mo, NULL);
        uint64_t fact = 0;
        if (v == NULL && r->absent != NULL) {
            /* An absent count's value may lie below the option's minimum (a
               temporal_dim of 0 means no temporal attention). */
            if (r->info.type == MC_OPTION_COUNT)
                *(size_t *)p = (size_t)strtoull(r->absent, NULL, 10);
            else
                mc_options_set(mo, NULL, r->info.name, r->absent, NULL);
            continue;
        }
        if (!entry_from_json(r, v, p, &fact, what, size))
            return false;
        if (strcmp(r->info.name, "past_channels") == 0)
            *past_channels = (size_t)fact;
        else if (strcmp(r->info.name, "future_channels") == 0)
            *future_channels = (size_t)fact;
        else if (strcmp(r->info.name, "step_seconds") == 0)
            *step_seconds = (int64_t)fact;
    }
    return true;
}
