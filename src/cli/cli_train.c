/* maskcast train: a CSV in, a model file out. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_data.h"
#include "cli/cli_getopt.h"
#include "cli/cli_model_opts.h"
#include "cli/cli_output.h"
#include "cli/cli_mpi.h"
#include "cli/cli_progress.h"
#include "cli/cli_summary.h"
#include "common/error.h"
#include "io/atomic_file.h"
#include "train/exchange.h"
#include "train/global.h"
#include "train/model_internal.h"

static void help(FILE *f)
{
    fprintf(f,
        "Usage: maskcast train --csv FILE --target COL [--past A,B] [--future A,B]\n"
        "                      [--holidays MARKET|FILE] [--horizon H] [--lookback L] [OPTIONS]\n"
        "                      -o MODEL [--json]\n"
        "\n"
        "Trains the forecasting network on the load in a CSV and writes a model file\n"
        "(safetensors). The last part of the data (--val-fraction of the forecast origins,\n"
        "kept H steps away from the rest) judges the epochs; the best epoch's weights are\n"
        "kept. Progress goes to standard error. Ctrl-C stops training and writes the best\n"
        "model so far (the best epoch, or the linear forecaster); a second Ctrl-C quits at\n"
        "once, writing nothing.\n"
        "\n");
    mc_cli_model_help(f, "train-stride");
    fprintf(f,
        "  --from TIME            train on the rows from TIME on (ISO 8601, e.g. 2022-01-01;\n"
        "                         wall-clock like the data unless it carries an offset)\n"
        "  --until TIME           train on the rows before TIME, holding the rest out (the\n"
        "                         file's order does not matter: rows are sorted first)\n"
        "  --ensemble N           train N models with seeds seed..seed+N-1 and write one model\n"
        "                         file whose forecasts are their mean (default 1; one series)\n"
        "  --no-series-identity   many series: leave out the channel per series that tells the\n"
        "                         global model which series a window is from (on by default\n"
        "                         when the known-future inputs have room: %d channels)\n"
        "  --per-series           many series: one model per series instead, written as\n"
        "                         MODEL/SERIES.safetensors (-o names a directory); under\n"
        "                         mpirun the series are dealt over the processes\n"
        "  -o, --output MODEL     the model file to write (required)\n"
        "  --json                 print a JSON summary on standard output once the model is\n"
        "                         written: its path, what was kept (network, linear or\n"
        "                         blend), epochs and best epoch, validation losses, seconds,\n"
        "                         training, validation and calibration origins\n"
        "  -q, --quiet            no progress\n"
        "  -h, --help             this help\n"
        "\n"
        "%s"
        "\n"
        "Many series (--series COL, several --csv files or several --target columns) train\n"
        "one global model: windows from every series, each scaled on its own, each holding\n"
        "out its own validation tail; --static adds per-series attributes. --only ID trains\n"
        "on one series alone. docs/MANY_SERIES.md.\n"
        "\n"
        "Example (the bundled sample, day-ahead with the temperature as a known-future input):\n"
        "  maskcast train --csv data/sample_load.csv --target load --future temperature \\\n"
        "                 --holidays data/sample_holidays.csv -o load.safetensors\n",
        MC_MAX_COVARIATES, MC_CLI_DATA_HELP);
}

typedef struct train_args {
    mc_cli_data data;
    mc_cli_model model;
    const char *output;
    const char *from, *until; /* --from, --until: the rows trained on */
    size_t ensemble;
    bool quiet, json;
    bool no_identity; /* --no-series-identity */
    bool per_series;  /* --per-series: a model per series into the directory -o names */
    bool interrupted; /* Ctrl-C ended training: what was trained so far is written */
} train_args;

enum {
    OPT_ENSEMBLE = MC_OPT_MODEL_END, OPT_FROM, OPT_UNTIL, OPT_JSON, OPT_NO_IDENTITY,
    OPT_PER_SERIES
};

static int train_option(void *args, int c, const char *arg, FILE *err)
{
    train_args *a = args;
    int used = mc_cli_data_option(&a->data, c, arg, err);
    if (used == 0)
        used = mc_cli_model_option(&a->model, c, arg, "train", err);
    if (used != 0)
        return used;
    switch (c) {
    case OPT_ENSEMBLE:
        if (!mc_cli_parse_size(arg, 1, &a->ensemble) || a->ensemble > MC_MAX_MEMBERS) {
            fprintf(err, "maskcast train: invalid --ensemble '%s': expected 1 to %d\n", arg,
                    MC_MAX_MEMBERS);
            return -1;
        }
        return 1;
    case OPT_FROM: a->from = arg; return 1;
    case OPT_UNTIL: a->until = arg; return 1;
    case OPT_JSON: a->json = true; return 1;
    case OPT_NO_IDENTITY: a->no_identity = true; return 1;
    case OPT_PER_SERIES: a->per_series = true; return 1;
    case 'o': a->output = arg; return 1;
    case 'q': a->quiet = true; return 1;
    default: return 0;
    }
}

static int parse_args(train_args *a, int argc, char **argv, FILE *out, FILE *err)
{
    static const struct option own[] = {
        MC_CLI_DATA_LONG_OPTIONS,
        {"ensemble", required_argument, NULL, OPT_ENSEMBLE},
        {"from", required_argument, NULL, OPT_FROM},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"output", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, OPT_JSON},
        {"no-series-identity", no_argument, NULL, OPT_NO_IDENTITY},
        {"per-series", no_argument, NULL, OPT_PER_SERIES},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct option longopts[MC_CLI_MAX_OPTIONS];
    const mc_cli_command cmd = {"train", "o:qh", mc_cli_model_long_options(longopts, own, "train-stride"),
                                train_option, help};
    const int st = mc_cli_parse_options(&cmd, a, argc, argv, out, err);
    if (st != MC_EXIT_OK)
        return st;
    const char *missing = a->data.csv == NULL ? "--csv FILE" : a->output == NULL ? "-o MODEL" : NULL;
    const int rest = mc_cli_check_arguments(&cmd, missing, argc, argv, err);
    if (rest != MC_EXIT_OK)
        return rest;
    if (!mc_cli_data_check(&a->data, err))
        return MC_EXIT_USAGE;
    if (a->no_identity && a->per_series) {
        fprintf(err, "maskcast train: --no-series-identity is for a global model, not "
                     "--per-series\n");
        return MC_EXIT_USAGE;
    }
    if (a->no_identity && (!mc_cli_data_is_panel(&a->data) || a->data.only != NULL)) {
        fprintf(err, "maskcast train: --no-series-identity is for many series (--series COL, "
                     "several --csv files or several --target columns, without --only)\n");
        return MC_EXIT_USAGE;
    }
    return MC_EXIT_OK;
}

/* Each candidate's validation loss and which one the model is. */
static void report_candidates(const mc_model *model, FILE *err)
{
    mc_training_record rec;
    mc_model_training_record(model, &rec);
    if (rec.time_limited)
        fprintf(err, "maskcast: stopped at the time limit after %zu epochs\n", rec.epochs);
    if (!isfinite(rec.linear_val_loss))
        return;
    if (isfinite(rec.network_val_loss))
        fprintf(err, "maskcast: validation loss: network %.4f (its best epoch), linear "
                     "forecaster %.4f\n",
                rec.network_val_loss, rec.linear_val_loss);
    if (isfinite(rec.blend_val_loss))
        fprintf(err, "maskcast: validation loss: blend %.2f x network + %.2f x linear %.4f\n",
                rec.blend_weight, 1.0 - rec.blend_weight, rec.blend_val_loss);
    if (strcmp(mc_model_kept(model), "blend") == 0)
        fprintf(err, "maskcast: kept the blend: it beat the linear forecaster on validation by "
                     "more than one standard error\n");
    else if (rec.best_epoch == 0)
        fprintf(err, "maskcast: kept the linear forecaster (ridge on the load lags, calendar and "
                     "known-future inputs): the network did not beat it on validation by more "
                     "than one standard error\n");
}

/* Trains one model into *out. Interrupted (Ctrl-C), it keeps what training
   has so far: the best epoch's network, or the linear forecaster; *stopped
   says so. MC_ERR_CANCELLED when there is nothing worth keeping yet. */
static mc_status train_one(mc_model **out, const mc_frame *frame, const mc_model_options *mo,
                           const mc_train_options *to, bool *stopped, mc_error *e)
{
    *out = NULL;
    mc_trainer *t = NULL;
    mc_status st = mc_trainer_init(&t, frame, mo, to, e);
    bool done = false;
    while (st == MC_OK && !done)
        st = mc_trainer_step(t, &done, e);
    *stopped = st == MC_ERR_CANCELLED;
    if (st == MC_OK || *stopped) {
        const mc_status cancelled = st;
        st = mc_trainer_model(t, out, e);
        if (st == MC_OK && *stopped && mc_model_best_epoch(*out) == 0 &&
            strcmp(mc_model_kept(*out), "linear") != 0) {
            mc_model_free(*out); /* no epoch ended and no linear forecaster: untrained */
            *out = NULL;
            st = mc_error_set(e, cancelled, 0, 0, "training was interrupted before its first "
                                                  "epoch ended: nothing to save");
        }
    }
    mc_trainer_free(t);
    return st;
}

/* One model, or --ensemble N of them (seeds seed, seed+1, ...) made one;
   NULL after a message on failure. Interrupted, the members so far. */
static mc_model *train_members(train_args *a, const mc_frame *frame, FILE *err)
{
    const size_t n = a->ensemble ? a->ensemble : 1;
    mc_model *members[MC_MAX_MEMBERS] = {NULL};
    mc_model *model = NULL;
    mc_error e;
    mc_status st = MC_OK;
    size_t made = 0;
    bool stopped = false;
    for (size_t i = 0; st == MC_OK && !stopped && i < n; i++) {
        mc_train_options to = a->model.to;
        to.seed += i;
        /* under mpirun: data-parallel, unless each process trains its own series */
        to.collective = a->per_series ? NULL : mc_cli_collective();
        mc_cli_progress progress;
        mc_cli_progress_init(&progress, err, a->quiet);
        to.progress = mc_cli_progress_report;
        to.progress_user = &progress;
        if (n > 1 && !a->quiet)
            fprintf(err, "maskcast: member %zu of %zu (seed %llu)\n", i + 1, n,
                    (unsigned long long)to.seed);
        st = train_one(&members[i], frame, &a->model.mo, &to, &stopped, &e);
        mc_cli_progress_end(&progress);
        made += st == MC_OK;
        if (st == MC_OK && n > 1 && !a->quiet)
            report_candidates(members[i], err);
    }
    if (stopped && made > 0) {
        st = MC_OK; /* what was trained is kept */
        a->interrupted = true;
        fprintf(err, "maskcast: interrupted: keeping %s so far (%zu of %zu model%s)\n",
                mc_model_best_epoch(members[made - 1]) > 0 ? "the best epoch" : "the linear forecaster",
                made, n, n > 1 ? "s" : "");
    }
    if (st == MC_OK && made == 1) {
        model = members[0];
        members[0] = NULL;
    } else if (st == MC_OK) {
        st = mc_model_ensemble(&model, (const mc_model *const *)members, made, &e);
        /* the ensemble's own errors on the validation tail, for its intervals */
        if (st == MC_OK && (st = mc_model_calibrate(model, frame, &a->model.to, &e)) != MC_OK) {
            mc_model_free(model);
            model = NULL;
        }
    }
    for (size_t i = 0; i < n; i++)
        mc_model_free(members[i]);
    if (st != MC_OK)
        fprintf(err, "maskcast: %s\n", e.message);
    return st == MC_OK ? model : NULL;
}

/* The rows of `f` from --from and before --until into *out (a copy, or
   NULL when they are all of them); MC_EXIT_OK or an exit status after a
   message. */
static int rows_of(const train_args *a, const mc_frame *f, mc_frame **out, FILE *err)
{
    *out = NULL;
    const size_t rows = mc_frame_rows(f);
    size_t first = 0, end = rows;
    int st = MC_EXIT_OK;
    if (a->from != NULL)
        st = mc_cli_row_at(f, "train", "--from", a->from, &first, err);
    if (st == MC_EXIT_OK && a->until != NULL)
        st = mc_cli_row_at(f, "train", "--until", a->until, &end, err);
    if (st != MC_EXIT_OK || (first == 0 && end == rows))
        return st;
    if (first >= end) {
        char a0[40], a1[40];
        mc_cli_row_time(f, 0, a0, sizeof a0);
        mc_cli_row_time(f, rows - 1, a1, sizeof a1);
        fprintf(err, "maskcast train: no rows from %s until %s (the data runs from %s to %s)\n",
                a->from ? a->from : "the start", a->until ? a->until : "the end", a0, a1);
        return MC_EXIT_FAILURE;
    }
    mc_error e;
    if (mc_frame_slice(out, f, first, end - first, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        return MC_EXIT_FAILURE;
    }
    return MC_EXIT_OK;
}

/* Replaces *frame by its rows from --from and before --until. */
static int select_rows(const train_args *a, mc_frame **frame, FILE *err)
{
    mc_frame *slice = NULL;
    const int st = rows_of(a, *frame, &slice, err);
    if (st != MC_EXIT_OK || slice == NULL)
        return st;
    if (!a->quiet) {
        const size_t n = mc_frame_rows(slice);
        char t0[40], t1[40];
        mc_cli_row_time(slice, 0, t0, sizeof t0);
        mc_cli_row_time(slice, n - 1, t1, sizeof t1);
        fprintf(err, "maskcast: training on %zu of %zu rows, %s .. %s\n", n,
                mc_frame_rows(*frame), t0, t1);
    }
    mc_frame_free(*frame);
    *frame = slice;
    return MC_EXIT_OK;
}

/* Replaces *p by its series cut to --from and --until, statics kept. */
static int select_panel_rows(const train_args *a, mc_panel **p, FILE *err)
{
    if (a->from == NULL && a->until == NULL)
        return MC_EXIT_OK;
    const size_t n = mc_panel_series(*p), ns = mc_panel_static_count(*p);
    mc_frame **frames = calloc(n, sizeof *frames);
    const char **names = calloc(n, sizeof *names);
    const char **snames = calloc(ns ? ns : 1, sizeof *snames);
    double *values = calloc((ns ? ns : 1) * n, sizeof *values);
    int status = frames && names && snames && values ? MC_EXIT_OK : MC_EXIT_FAILURE;
    for (size_t i = 0; status == MC_EXIT_OK && i < n; i++) {
        names[i] = mc_panel_series_name(*p, i);
        status = rows_of(a, mc_panel_frame(*p, i), &frames[i], err);
        mc_error e;
        if (status == MC_EXIT_OK && frames[i] == NULL &&
            mc_frame_slice(&frames[i], mc_panel_frame(*p, i), 0,
                           mc_frame_rows(mc_panel_frame(*p, i)), &e) != MC_OK)
            status = MC_EXIT_FAILURE;
        if (status != MC_EXIT_OK) {
            char q[MC_ERROR_NAME_SIZE];
            fprintf(err, "maskcast train: (in series \"%s\")\n", mc_error_name(q, names[i]));
        }
    }
    for (size_t j = 0; j < ns; j++) {
        snames[j] = mc_panel_static_name(*p, j);
        for (size_t i = 0; i < n; i++)
            values[j * n + i] = mc_panel_static_value(*p, j, i);
    }
    mc_panel *cut = NULL;
    mc_error e;
    if (status == MC_EXIT_OK) {
        /* the new panel takes the frames over, also when it fails */
        mc_status st = mc_panel_from_frames(&cut, frames, names, n, &e);
        memset(frames, 0, n * sizeof *frames);
        if (st == MC_OK && ns > 0)
            st = mc_panel_set_static(cut, snames, ns, values, &e);
        if (st != MC_OK) {
            fprintf(err, "maskcast: %s\n", e.message);
            status = MC_EXIT_FAILURE;
        }
    }
    for (size_t i = 0; frames != NULL && i < n; i++)
        mc_frame_free(frames[i]);
    free(frames);
    free(names);
    free(snames);
    free(values);
    if (status != MC_EXIT_OK) {
        mc_panel_free(cut);
        return status;
    }
    mc_panel_free(*p);
    *p = cut;
    return MC_EXIT_OK;
}

/* A global model of the panel's series; NULL after a message. */
static mc_model *train_panel(train_args *a, const mc_panel *p, FILE *err)
{
    if (a->ensemble > 1) {
        fprintf(err, "maskcast train: --ensemble makes one series' ensemble; a global model "
                     "trains one network (name one series with --only ID)\n");
        return NULL;
    }
    const size_t n = mc_panel_series(p);
    const size_t used = a->model.mo.features.n_future + mc_panel_static_count(p);
    const size_t room = used < MC_MAX_COVARIATES ? MC_MAX_COVARIATES - used : 0;
    bool identity = !a->no_identity;
    if (identity && n > room) {
        identity = false;
        if (!a->quiet)
            fprintf(err, "maskcast: %zu series are more than the %zu identity channels the "
                         "known-future inputs have room for: the series are told apart by "
                         "their scaling%s only\n",
                    n, room, mc_panel_static_count(p) ? " and static covariates" : "");
    }
    if (!a->quiet)
        fprintf(err, "maskcast: a global model of %zu series%s%s\n", n,
                identity ? ", with a channel per series" : "",
                mc_panel_static_count(p) ? ", with static covariates" : "");
    mc_train_options to = a->model.to;
    to.collective = mc_cli_collective(); /* under mpirun: data-parallel */
    mc_cli_progress progress;
    mc_cli_progress_init(&progress, err, a->quiet);
    to.progress = mc_cli_progress_report;
    to.progress_user = &progress;
    mc_model *model = NULL;
    mc_error e;
    mc_series_set set;
    bool stopped = false;
    mc_status st = mc_series_set_of_panel(&set, p, identity, &e);
    if (st == MC_OK) /* Ctrl-C keeps the best so far, as for one series */
        st = mc_model_train_series(&model, &set, &a->model.mo, &to, &stopped, &e);
    mc_series_set_release(&set);
    mc_cli_progress_end(&progress);
    if (st != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        return NULL;
    }
    if (stopped) {
        a->interrupted = true;
        fprintf(err, "maskcast: interrupted: keeping %s so far\n",
                mc_model_best_epoch(model) > 0 ? "the best epoch" : "the linear forecaster");
    }
    return model;
}

/* The model the data call for: one series' (--only, or data of one), or a
   global model of many; NULL after a message. */
static mc_model *train_data(train_args *a, mc_frame **frame, const char **columns, int *status,
                            FILE *err)
{
    if (!mc_cli_data_is_panel(&a->data) || a->data.only != NULL) {
        if ((*frame = mc_cli_model_load(&a->model, &a->data, columns, err)) == NULL)
            return NULL;
        if ((*status = select_rows(a, frame, err)) != MC_EXIT_OK)
            return NULL;
        return train_members(a, *frame, err);
    }
    mc_panel *p = mc_cli_model_load_panel(&a->model, &a->data, columns, err);
    if (p == NULL)
        return NULL;
    mc_model *model = NULL;
    if ((*status = select_panel_rows(a, &p, err)) == MC_EXIT_OK)
        model = train_panel(a, p, err);
    mc_panel_free(p);
    return model;
}

/* The file name of a series' model: its name with every byte but letters,
   digits, '.', '-' and '_' replaced by '_' (a leading '.' too). */
static void series_file(char *out, size_t size, const char *dir, const char *series)
{
    int n = snprintf(out, size, "%s/", dir);
    for (const char *p = series; *p && n >= 0 && (size_t)n + 1 < size; p++) {
        const char c = *p;
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                          (c == '.' && p != series);
        out[n++] = keep ? c : '_';
    }
    if (n >= 0 && (size_t)n < size)
        snprintf(out + n, size - (size_t)n, ".safetensors");
}

static int write_model(const mc_model *m, const char *path, FILE *err)
{
    void *bytes = NULL;
    size_t size = 0;
    mc_atomic_file file = {0};
    mc_error e;
    mc_status st = mc_atomic_open(&file, path, &e);
    if (st == MC_OK)
        st = mc_model_save_buffer(m, &bytes, &size, &e);
    if (st == MC_OK)
        st = mc_atomic_write(&file, bytes, size, path, &e);
    if (st == MC_OK)
        st = mc_atomic_commit(&file, path, &e);
    free(bytes);
    mc_atomic_abort(&file);
    if (st != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        return MC_EXIT_FAILURE;
    }
    return MC_EXIT_OK;
}

/* --per-series: a model per series of the panel, written into the
   directory a->output; under mpirun the series are dealt over the
   processes, their models exchanged, and rank 0 writes them all. */
static int train_each(train_args *a, const char **columns, FILE *out, FILE *err)
{
    if (!mc_cli_data_is_panel(&a->data) || a->data.only != NULL) {
        fprintf(err, "maskcast train: --per-series trains many series: name them with --series "
                     "COL, several --csv files or several --target columns\n");
        return MC_EXIT_USAGE;
    }
    struct stat dir;
    if ((mkdir(a->output, 0777) != 0 && errno != EEXIST) || stat(a->output, &dir) != 0 ||
        !S_ISDIR(dir.st_mode)) {
        fprintf(err, "maskcast train: --per-series writes into a directory: %s %s\n", a->output,
                errno == EEXIST ? "is not one" : strerror(errno));
        return MC_EXIT_FAILURE;
    }
    mc_panel *p = mc_cli_model_load_panel(&a->model, &a->data, columns, err);
    if (p == NULL)
        return MC_EXIT_FAILURE;
    int status = select_panel_rows(a, &p, err);
    const size_t n = status == MC_EXIT_OK ? mc_panel_series(p) : 0;
    char (*paths)[4096] = calloc(n ? n : 1, sizeof *paths);
    if (paths == NULL)
        status = MC_EXIT_FAILURE;
    for (size_t i = 0; status == MC_EXIT_OK && i < n; i++) {
        series_file(paths[i], sizeof paths[i], a->output, mc_panel_series_name(p, i));
        for (size_t j = 0; j < i; j++)
            if (strcmp(paths[i], paths[j]) == 0) {
                fprintf(err, "maskcast train: series \"%s\" and \"%s\" would both be written "
                             "to %s\n",
                        mc_panel_series_name(p, j), mc_panel_series_name(p, i), paths[i]);
                status = MC_EXIT_USAGE;
            }
    }
    const mc_collective *c = mc_cli_collective();
    const size_t ranks = c != NULL ? c->ranks : 1, rank = c != NULL ? c->rank : 0;
    mc_model **all = calloc(ranks, sizeof *all);
    cJSON *list = a->json ? cJSON_CreateArray() : NULL;
    if (all == NULL || (a->json && list == NULL))
        status = MC_EXIT_FAILURE;
    for (size_t first = 0; status == MC_EXIT_OK && first < n; first += ranks) {
        const size_t mine = first + rank;
        mc_model *model = NULL;
        if (mine < n) {
            if (!a->quiet)
                fprintf(err, "maskcast: series %zu of %zu: %s\n", mine + 1, n,
                        mc_panel_series_name(p, mine));
            model = train_members(a, mc_panel_frame(p, mine), err);
        }
        if (ranks > 1) {
            mc_error e;
            const mc_status made = mine < n && model == NULL ? MC_ERR_ARGUMENT : MC_OK;
            if (made != MC_OK)
                mc_error_set(&e, made, 0, 0, "training series \"%s\" failed",
                             mc_panel_series_name(p, mine));
            if (mc_model_exchange(all, model, made, c, &e) != MC_OK) {
                fprintf(err, "maskcast: %s\n", e.message);
                status = MC_EXIT_FAILURE;
            }
            mc_model_free(model);
        } else {
            all[0] = model;
            if (model == NULL)
                status = MC_EXIT_FAILURE;
        }
        for (size_t r = 0; status == MC_EXIT_OK && r < ranks && first + r < n; r++) {
            if (!mc_cli_writes())
                continue;
            status = write_model(all[r], paths[first + r], err);
            if (status == MC_EXIT_OK && !a->quiet)
                fprintf(err, "maskcast: wrote %s (%s)\n", paths[first + r],
                        mc_model_kept(all[r]));
            if (status == MC_EXIT_OK && list != NULL) {
                cJSON *one = mc_cli_training_json(all[r], paths[first + r], false);
                if (one != NULL)
                    cJSON_AddStringToObject(one, "series", mc_panel_series_name(p, first + r));
                if (one == NULL || !cJSON_AddItemToArray(list, one))
                    status = MC_EXIT_FAILURE;
            }
        }
        for (size_t r = 0; r < ranks; r++) {
            mc_model_free(all[r]);
            all[r] = NULL;
        }
    }
    if (status == MC_EXIT_OK && list != NULL && mc_cli_writes())
        status = mc_cli_print_json(list, out, err);
    else
        cJSON_Delete(list);
    free(all);
    free(paths);
    mc_panel_free(p);
    return status;
}

int mc_cli_train(int argc, char **argv, FILE *out, FILE *err)
{
    train_args a;
    memset(&a, 0, sizeof a);
    mc_cli_data_init(&a.data);
    mc_cli_model_init(&a.model, "train-stride");
    int status = parse_args(&a, argc, argv, out, err);
    mc_frame *frame = NULL;
    mc_model *model = NULL;
    const char *columns[3 * MC_MAX_COVARIATES];
    mc_atomic_file file = {0};
    mc_error e;
    if (status != MC_EXIT_OK)
        goto done;
    if (a.per_series) {
        status = train_each(&a, columns, out, err);
        goto done;
    }
    /* The model file's temporary is created now, so that an output that
       cannot be written (no such directory, a directory, read-only) fails
       before the training, not after it. */
    if (mc_cli_writes() && mc_atomic_open(&file, a.output, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        status = MC_EXIT_FAILURE;
        goto done;
    }
    if ((model = train_data(&a, &frame, columns, &status, err)) == NULL) {
        if (status == MC_EXIT_OK)
            status = MC_EXIT_FAILURE;
        goto done;
    }
    if (!mc_cli_writes()) /* another rank of mpirun: rank 0 writes the same model */
        goto done;
    void *bytes = NULL;
    size_t size = 0;
    mc_status st = mc_model_save_buffer(model, &bytes, &size, &e);
    if (st == MC_OK)
        st = mc_atomic_write(&file, bytes, size, a.output, &e);
    free(bytes);
    if (st == MC_OK)
        st = mc_atomic_commit(&file, a.output, &e);
    if (st != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        status = MC_EXIT_FAILURE;
        goto done;
    }
    if (!a.quiet && mc_model_members(model) == 1)
        report_candidates(model, err);
    if (!a.quiet && mc_model_series(model) > 0)
        fprintf(err, "maskcast: wrote %s (a global model of %zu series; lookback %zu, horizon "
                     "%zu steps; %.1f s)\n",
                a.output, mc_model_series(model), a.model.mo.window.lookback,
                a.model.mo.window.horizon, mc_model_train_seconds(model));
    else if (!a.quiet)
        fprintf(err, "maskcast: wrote %s (lookback %zu, horizon %zu steps; %.1f s)\n", a.output,
                a.model.mo.window.lookback, a.model.mo.window.horizon, mc_model_train_seconds(model));
    if (a.json)
        status = mc_cli_print_json(mc_cli_training_json(model, a.output, a.interrupted), out, err);
done:
    mc_atomic_abort(&file); /* the temporary, when training or writing failed */
    mc_model_free(model);
    mc_frame_free(frame);
    mc_cli_model_free(&a.model);
    mc_cli_data_free(&a.data);
    return status < 0 ? MC_EXIT_OK : status;
}
