/* maskcast tune: a small search over model and training options, each
   configuration scored by a day-ahead backtest over the last days of the
   data, the best trained on all of it and written. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_data.h"
#include "cli/cli_getopt.h"
#include "cli/cli_model_opts.h"
#include "cli/cli_output.h"
#include "cli/cli_summary.h"
#include "io/atomic_file.h"

enum { OPT_TRY = MC_OPT_MODEL_END, OPT_TEST_DAYS, OPT_JSON };

/* The most options tried at once, values per option, configurations. */
enum { MAX_TRIES = 8, MAX_VALUES = 8, MAX_CONFIGS = 64 };

/* One --try NAME=V1,V2,...: the text is split in place. */
typedef struct try_option {
    const char *name; /* the library's name */
    char *values[MAX_VALUES];
    size_t n;
} try_option;

typedef struct tune_args {
    mc_cli_data data;
    mc_cli_model model;
    char *try_text[MAX_TRIES]; /* copies of the --try arguments (owned) */
    try_option tries[MAX_TRIES];
    size_t n_tries;
    size_t test_days;
    const char *output;
    bool quiet, json;
} tune_args;

static void help(FILE *f)
{
    fprintf(f,
        "Usage: maskcast tune --csv FILE --target COL [--try NAME=V1,V2,...]...\n"
        "                     [--test-days N] [model and training options] -o MODEL\n"
        "                     [--json]\n"
        "\n"
        "Searches model and training options: every combination of the values given with\n"
        "--try is scored by a day-ahead backtest over the last --test-days days of the data\n"
        "(trained once on the days before them, one forecast a day at 00:00, as 'maskcast\n"
        "backtest' does), the table of scores is printed, and the configuration of least\n"
        "MAPE is trained on all the data and written to MODEL. Options not tried keep the\n"
        "values given on the command line or their defaults.\n"
        "\n"
        "  --try NAME=V1,V2,...   try these values of the option NAME, by the library's\n"
        "                         names (hidden, lookback, loss, mask_penalty, linear_candidate,\n"
        "                         future_terms, learning_rate, ...) or as 'maskcast train\n"
        "                         --help' spells them (mask-penalty, lr, val-fraction; a\n"
        "                         switch by its library name: skip=true,false, not no-skip;\n"
        "                         the table names them the library's way); up to %d\n"
        "                         options of %d values, %d combinations (without --try:\n"
        "                         hidden=32,64 and a lookback of one and two weeks, in\n"
        "                         place of --hidden and --lookback)\n"
        "  --test-days N          days scored at the end of the data (default 28)\n",
        MAX_TRIES, MAX_VALUES, MAX_CONFIGS);
    mc_cli_model_help(f, "train-stride");
    fprintf(f,
        "  -o, --output MODEL     the model file to write (required)\n"
        "  --json                 one JSON object on standard output instead of the table:\n"
        "                         every configuration's values and scores, the best, and\n"
        "                         the model written as 'train --json' describes it (the\n"
        "                         table's rows then go to standard error as progress)\n"
        "  -q, --quiet            no table, no progress\n"
        "  -h, --help             this help\n"
        "\n"
        "%s"
        "\n"
        "Example (the bundled sample: width and lookback):\n"
        "  maskcast tune --csv data/sample_load.csv --target load --future temperature \\\n"
        "                --try hidden=32,64 --try lookback=168,336 -o load.safetensors\n",
        MC_CLI_DATA_HELP);
}

/* Splits "NAME=V1,V2" (text owned by the caller) into t. */
static bool split_try(char *text, try_option *t)
{
    char *eq = strchr(text, '=');
    if (eq == NULL || eq == text || eq[1] == '\0')
        return false;
    *eq = '\0';
    t->name = text;
    t->n = 0;
    for (char *v = eq + 1; v != NULL;) {
        char *comma = strchr(v, ',');
        if (comma != NULL)
            *comma = '\0';
        if (*v == '\0' || t->n == MAX_VALUES)
            return false;
        t->values[t->n++] = v;
        v = comma != NULL ? comma + 1 : NULL;
    }
    return true;
}

/* The option `name` names, by the library's name (val_fraction) or by its
   command-line spelling (val-fraction, train-stride); switches (no-skip)
   are tried by the library's name only, as skip=true,false. */
static const mc_option_info *library_option(const char *name)
{
    const mc_option_info *o = mc_option_find(name);
    for (size_t i = 0; o == NULL && i < mc_option_count(); i++) {
        const mc_option_info *c = mc_option_at(i);
        const char *cli = strcmp(c->name, "origin_stride") == 0 ? "train-stride" : c->cli;
        if (cli != NULL && c->type != MC_OPTION_FLAG && strcmp(cli, name) == 0)
            o = c;
    }
    return o;
}

static int tune_option(void *args, int c, const char *arg, FILE *err)
{
    tune_args *a = args;
    int used = mc_cli_data_option(&a->data, c, arg, err);
    if (used == 0)
        used = mc_cli_model_option(&a->model, c, arg, "tune", err);
    if (used != 0)
        return used;
    switch (c) {
    case OPT_TRY: {
        if (a->n_tries == MAX_TRIES) {
            fprintf(err, "maskcast tune: at most %d --try options\n", MAX_TRIES);
            return -1;
        }
        char *text = malloc(strlen(arg) + 1);
        if (text == NULL) {
            fprintf(err, "maskcast tune: out of memory\n");
            return -1;
        }
        strcpy(text, arg);
        a->try_text[a->n_tries] = text;
        if (!split_try(text, &a->tries[a->n_tries])) {
            fprintf(err, "maskcast tune: invalid --try '%s': expected NAME=V1,V2,... with up to "
                         "%d values\n",
                    arg, MAX_VALUES);
            return -1;
        }
        try_option *t = &a->tries[a->n_tries];
        const mc_option_info *info = library_option(t->name);
        if (info != NULL)
            t->name = info->name;
        if (info == NULL || info->type == MC_OPTION_NAMES || info->type == MC_OPTION_DATES ||
            info->type == MC_OPTION_FACT) {
            fprintf(err, "maskcast tune: invalid --try '%s': %s\n", arg,
                    info == NULL ? "no such option (the library's names: hidden, lookback, "
                                   "loss, ...)"
                                 : "columns, dates and facts of the data cannot be tried");
            return -1;
        }
        for (size_t v = 0; v < t->n; v++) { /* every value now, before any run */
            mc_model_options mo = a->model.mo;
            mc_train_options to = a->model.to;
            mc_error e;
            if (mc_options_set(&mo, &to, t->name, t->values[v], &e) != MC_OK) {
                fprintf(err, "maskcast tune: invalid --try '%s': %s\n", arg, e.message);
                return -1;
            }
        }
        a->n_tries++;
        return 1;
    }
    case OPT_TEST_DAYS:
        if (!mc_cli_parse_size(arg, 1, &a->test_days)) {
            fprintf(err, "maskcast tune: invalid --test-days '%s': expected >= 1\n", arg);
            return -1;
        }
        return 1;
    case OPT_JSON: a->json = true; return 1;
    case 'o': a->output = arg; return 1;
    case 'q': a->quiet = true; return 1;
    default: return 0;
    }
}

static int parse_args(tune_args *a, int argc, char **argv, FILE *out, FILE *err)
{
    static const struct option own[] = {
        MC_CLI_DATA_LONG_OPTIONS,
        {"try", required_argument, NULL, OPT_TRY},
        {"test-days", required_argument, NULL, OPT_TEST_DAYS},
        {"output", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, OPT_JSON},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct option longopts[MC_CLI_MAX_OPTIONS];
    const mc_cli_command cmd = {"tune", "o:qh", mc_cli_model_long_options(longopts, own, "train-stride"),
                                tune_option, help};
    const int st = mc_cli_parse_options(&cmd, a, argc, argv, out, err);
    if (st != MC_EXIT_OK)
        return st;
    const char *missing = a->data.csv == NULL ? "--csv FILE" : a->output == NULL ? "-o MODEL" : NULL;
    const int rest = mc_cli_check_arguments(&cmd, missing, argc, argv, err);
    if (rest != MC_EXIT_OK)
        return rest;
    size_t configs = 1;
    for (size_t i = 0; i < a->n_tries; i++)
        configs *= a->tries[i].n;
    if (configs > MAX_CONFIGS) {
        fprintf(err, "maskcast tune: %zu combinations; at most %d\n", configs, MAX_CONFIGS);
        return MC_EXIT_USAGE;
    }
    return mc_cli_data_check(&a->data, err) ? MC_EXIT_OK : MC_EXIT_USAGE;
}

/* Without --try: the width, and a lookback of one and two weeks of steps. */
static void default_tries(tune_args *a, int64_t step, char *lookbacks, size_t size)
{
    static char hidden_name[] = "hidden", hidden_32[] = "32", hidden_64[] = "64";
    static char lookback_name[] = "lookback";
    const size_t week = (size_t)(7 * 86400 / step);
    snprintf(lookbacks, size, "%zu", week);
    const size_t len = strlen(lookbacks);
    snprintf(lookbacks + len + 1, size - len - 1, "%zu", 2 * week);
    a->tries[0] = (try_option){hidden_name, {hidden_32, hidden_64}, 2};
    a->tries[1] = (try_option){lookback_name, {lookbacks, lookbacks + len + 1}, 2};
    a->n_tries = 2;
}

/* Configuration `index`'s value of each try, in mixed radix. */
static void config_values(const tune_args *a, size_t index, const char **values)
{
    for (size_t i = a->n_tries; i-- > 0;) {
        values[i] = a->tries[i].values[index % a->tries[i].n];
        index /= a->tries[i].n;
    }
}

/* The options of configuration `index` into mo, to; false (with a message
   naming the option) when a value is refused. */
static bool apply_config(const tune_args *a, size_t index, mc_model_options *mo,
                         mc_train_options *to, FILE *err)
{
    const char *values[MAX_TRIES];
    config_values(a, index, values);
    *mo = a->model.mo;
    *to = a->model.to;
    for (size_t i = 0; i < a->n_tries; i++) {
        mc_error e;
        if (mc_options_set(mo, to, a->tries[i].name, values[i], &e) != MC_OK) {
            fprintf(err, "maskcast tune: --try %s: %s\n", a->tries[i].name, e.message);
            return false;
        }
    }
    return true;
}

/* One configuration's day-ahead backtest: its MAPE and MAE, what training
   kept and the seconds; false after a message on failure. */
typedef struct score {
    double mape, mae, seconds;
    const char *kept;
} score;

static bool score_config(const tune_args *a, const mc_frame *frame, const mc_model_options *mo,
                         const mc_train_options *to, score *s, FILE *err)
{
    mc_backtest_options bo;
    mc_backtest_options_defaults(&bo);
    bo.test_days = a->test_days;
    bo.baselines = false;
    mc_backtest *b = NULL;
    mc_error e;
    if (mc_backtest_run(&b, frame, mo, to, &bo, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        return false;
    }
    mc_backtest_metrics x;
    mc_backtest_metrics_of(b, 0, mc_backtest_horizon(b), &x, NULL);
    s->mape = x.mape;
    s->mae = x.mae;
    s->seconds = mc_backtest_method_seconds(b, 0);
    s->kept = mc_backtest_method_blend_kept(b, 0)    ? "blend"
              : mc_backtest_method_linear_kept(b, 0) ? "linear"
                                                     : "network";
    mc_backtest_free(b);
    return true;
}

static void print_header(const tune_args *a, FILE *out)
{
    fprintf(out, "%-4s", "#");
    for (size_t i = 0; i < a->n_tries; i++)
        fprintf(out, " %16s", a->tries[i].name);
    fprintf(out, " %8s %10s  %-8s %8s\n", "MAPE%", "MAE", "kept", "seconds");
}

static void print_row(const tune_args *a, size_t index, const score *s, FILE *out)
{
    const char *values[MAX_TRIES];
    config_values(a, index, values);
    fprintf(out, "%-4zu", index + 1);
    for (size_t i = 0; i < a->n_tries; i++)
        fprintf(out, " %16s", values[i]);
    fprintf(out, " %8.3f %10.5g  %-8s %8.1f\n", s->mape, s->mae, s->kept, s->seconds);
    fflush(out);
}

/* The --json document: every configuration's values and scores, the best
   (numbered from 1, as in the table) and the model written. */
static cJSON *tune_json(const tune_args *a, const score *scores, size_t configs, size_t best,
                        const mc_model *model)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "csv", a->data.csv);
    cJSON_AddNumberToObject(o, "test_days", (double)a->test_days);
    cJSON *rows = cJSON_AddArrayToObject(o, "configurations");
    for (size_t c = 0; c < configs; c++) {
        const char *values[MAX_TRIES];
        config_values(a, c, values);
        cJSON *row = cJSON_CreateObject();
        cJSON_AddItemToArray(rows, row);
        cJSON_AddNumberToObject(row, "index", (double)(c + 1));
        cJSON *v = cJSON_AddObjectToObject(row, "options");
        for (size_t i = 0; i < a->n_tries; i++)
            cJSON_AddStringToObject(v, a->tries[i].name, values[i]);
        cJSON_AddItemToObject(row, "mape", isfinite(scores[c].mape)
                                               ? cJSON_CreateNumber(scores[c].mape)
                                               : cJSON_CreateNull());
        cJSON_AddItemToObject(row, "mae", isfinite(scores[c].mae)
                                              ? cJSON_CreateNumber(scores[c].mae)
                                              : cJSON_CreateNull());
        cJSON_AddStringToObject(row, "kept", scores[c].kept);
        cJSON_AddNumberToObject(row, "seconds", scores[c].seconds);
    }
    cJSON_AddNumberToObject(o, "best", (double)(best + 1));
    cJSON *m = mc_cli_training_json(model, a->output, false);
    if (m != NULL)
        cJSON_AddItemToObject(o, "model", m);
    return o;
}

/* Trains configuration `best` on all the data and writes it atomically;
   the model into *written (the caller frees it). */
static int write_best(const tune_args *a, const mc_frame *frame, size_t best, FILE *out,
                      FILE *err, mc_model **written)
{
    mc_model_options mo;
    mc_train_options to;
    if (!apply_config(a, best, &mo, &to, err))
        return MC_EXIT_USAGE;
    mc_atomic_file file = {0};
    mc_model *model = NULL;
    void *bytes = NULL;
    size_t size = 0;
    mc_error e;
    mc_status st = mc_atomic_open(&file, a->output, &e);
    if (st == MC_OK)
        st = mc_model_train(&model, frame, &mo, &to, &e);
    if (st == MC_OK)
        st = mc_model_save_buffer(model, &bytes, &size, &e);
    if (st == MC_OK)
        st = mc_atomic_write(&file, bytes, size, a->output, &e);
    if (st == MC_OK)
        st = mc_atomic_commit(&file, a->output, &e);
    free(bytes);
    mc_atomic_abort(&file);
    if (st == MC_OK && !a->quiet)
        fprintf(out, "\nbest: #%zu; trained on all the data (kept: %s) and wrote %s\n", best + 1,
                mc_model_kept(model), a->output);
    if (st != MC_OK) {
        mc_model_free(model);
        fprintf(err, "maskcast: %s\n", e.message);
        return MC_EXIT_FAILURE;
    }
    *written = model;
    return MC_EXIT_OK;
}

int mc_cli_tune(int argc, char **argv, FILE *out, FILE *err)
{
    tune_args a;
    memset(&a, 0, sizeof a);
    a.test_days = 28;
    mc_cli_data_init(&a.data);
    mc_cli_model_init(&a.model, "train-stride");
    int status = parse_args(&a, argc, argv, out, err);
    mc_frame *frame = NULL;
    mc_model *model = NULL;
    const char *columns[3 * MC_MAX_COVARIATES];
    char lookbacks[64];
    if (status != MC_EXIT_OK)
        goto done;
    if ((frame = mc_cli_model_load(&a.model, &a.data, columns, err)) == NULL) {
        status = MC_EXIT_FAILURE;
        goto done;
    }
    if (a.n_tries == 0)
        default_tries(&a, mc_frame_step(frame), lookbacks, sizeof lookbacks);
    size_t configs = 1;
    for (size_t i = 0; i < a.n_tries; i++)
        configs *= a.tries[i].n;
    FILE *table = a.json ? err : out; /* with --json, the table is progress */
    if (!a.quiet) {
        fprintf(table, "Tuning on %s: %zu configurations, each scored by a day-ahead backtest of "
                     "the last %zu days\n\n",
                a.data.csv, configs, a.test_days);
        print_header(&a, table);
    }
    size_t best = 0;
    double best_mape = INFINITY;
    score scores[MAX_CONFIGS];
    for (size_t c = 0; c < configs; c++) {
        mc_model_options mo;
        mc_train_options to;
        score s;
        if (!apply_config(&a, c, &mo, &to, err)) {
            status = MC_EXIT_USAGE;
            goto done;
        }
        if (!score_config(&a, frame, &mo, &to, &s, err)) {
            status = MC_EXIT_FAILURE;
            goto done;
        }
        if (!a.quiet)
            print_row(&a, c, &s, table);
        scores[c] = s;
        if (s.mape < best_mape) {
            best_mape = s.mape;
            best = c;
        }
    }
    status = write_best(&a, frame, best, table, err, &model);
    if (status == MC_EXIT_OK && a.json)
        status = mc_cli_print_json(tune_json(&a, scores, configs, best, model), out, err);
done:
    mc_model_free(model);
    mc_frame_free(frame);
    mc_cli_model_free(&a.model);
    mc_cli_data_free(&a.data);
    for (size_t i = 0; i < MAX_TRIES; i++)
        free(a.try_text[i]);
    return status < 0 ? MC_EXIT_OK : status;
}
