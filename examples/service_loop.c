/*
 * service_loop — a long-running forecaster: every hour, read the latest
 * history and forecast the next horizon; when the model file changes
 * (retrained by another process), load the new one without stopping.
 *
 * Shows: keeping one mc_forecaster (its workspace) across forecasts;
 * noticing a new model file by stat() (maskcast writes model files by
 * atomic rename, so a changed inode or mtime means a complete new file);
 * keeping the old model when the new file cannot be loaded; clean shutdown
 * on SIGINT/SIGTERM.
 *
 * Build against an installed maskcast:
 *   cc -std=c11 $(pkg-config --cflags maskcast) service_loop.c \
 *      $(pkg-config --libs maskcast) -o service_loop
 * or with CMake: find_package(maskcast) and link maskcast::maskcast.
 *
 * Run:
 *   ./service_loop MODEL HISTORY.csv                 forecast every hour, forever
 *   ./service_loop MODEL HISTORY.csv --once          one forecast, then exit
 *   ./service_loop MODEL HISTORY.csv --iterations 3 --interval 10
 * HISTORY.csv stands for the application's data feed; it is read again
 * before every forecast.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <maskcast/maskcast.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* What identifies one version of the model file. */
typedef struct file_version {
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    off_t size;
} file_version;

static bool stat_version(const char *path, file_version *v)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return false;
    *v = (file_version){st.st_dev, st.st_ino, st.st_mtim, st.st_size};
    return true;
}

static bool same_version(const file_version *a, const file_version *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->mtime.tv_sec == b->mtime.tv_sec &&
           a->mtime.tv_nsec == b->mtime.tv_nsec && a->size == b->size;
}

/* The model in use, its workspace and result buffers, replaced together. */
typedef struct service {
    const char *model_path;
    mc_model *model;
    mc_forecaster *forecaster;
    int64_t *times;   /* (H) */
    double *values;   /* (H x Q) */
    file_version version;
} service;

static void service_free(service *s)
{
    /* The forecaster points into its model: free it first. */
    mc_forecaster_free(s->forecaster);
    mc_model_free(s->model);
    free(s->times);
    free(s->values);
}

/* Loads the model file if it changed since the last load. On failure the
   current model stays in use. Returns false only when there is no model. */
static bool reload_if_changed(service *s)
{
    file_version now;
    if (!stat_version(s->model_path, &now)) {
        fprintf(stderr, "cannot stat %s; keeping the current model\n", s->model_path);
        return s->model != NULL;
    }
    if (s->model != NULL && same_version(&now, &s->version))
        return true;
    mc_error err;
    service next = {.model_path = s->model_path, .version = now};
    if (mc_model_load(&next.model, s->model_path, &err) != MC_OK ||
        mc_forecaster_create(&next.forecaster, next.model, &err) != MC_OK) {
        fprintf(stderr, "%s; keeping the current model\n", err.message);
        service_free(&next);
        return s->model != NULL;
    }
    const size_t H = mc_model_horizon(next.model), Q = mc_model_quantiles(next.model);
    next.times = malloc(H * sizeof *next.times);
    next.values = malloc(H * Q * sizeof *next.values);
    if (next.times == NULL || next.values == NULL) {
        fprintf(stderr, "out of memory; keeping the current model\n");
        service_free(&next);
        return s->model != NULL;
    }
    printf("%s model %s (lookback %zu, horizon %zu)\n", s->model ? "reloaded" : "loaded",
           s->model_path, mc_model_lookback(next.model), H);
    service_free(s);
    *s = next;
    return true;
}

static mc_frame *read_history(const mc_model *model, const char *path, mc_error *err)
{
    const size_t n = 1 + mc_model_past_columns(model) + mc_model_future_columns(model);
    const char *covariates[64];
    size_t n_cov = 0;
    for (size_t j = 1; j < n && n_cov < 64; j++) {
        const char *name = mc_model_column_name(model, j);
        bool seen = false;
        for (size_t k = 0; k < n_cov; k++)
            seen = seen || strcmp(covariates[k], name) == 0;
        if (!seen)
            covariates[n_cov++] = name;
    }
    mc_csv_options copt;
    mc_csv_options_defaults(&copt);
    copt.target_column = mc_model_column_name(model, 0);
    copt.covariates = covariates;
    copt.n_covariates = n_cov;
    mc_frame *history = NULL;
    if (mc_frame_read_csv(&history, path, &copt, err) != MC_OK)
        return NULL;
    mc_regularize_options ropt;
    mc_regularize_options_defaults(&ropt);
    if (mc_frame_regularize(history, &ropt, err) != MC_OK) {
        mc_frame_free(history);
        return NULL;
    }
    return history;
}

/* One forecast; prints the next step's forecast and the horizon's peak. */
static void forecast_once(service *s, const char *history_path)
{
    mc_error err;
    mc_frame *history = read_history(s->model, history_path, &err);
    if (history == NULL) {
        fprintf(stderr, "%s\n", err.message);
        return;
    }
    const size_t H = mc_model_horizon(s->model), Q = mc_model_quantiles(s->model);
    const int64_t *times = s->times;
    const double *values = s->values;
    if (mc_forecaster_run(s->forecaster, history, NULL, s->times, s->values, &err) != MC_OK) {
        fprintf(stderr, "%s\n", err.message);
    } else {
        const size_t mid = Q / 2; /* the median of a quantile model */
        size_t peak = 0;
        for (size_t k = 1; k < H; k++)
            if (values[k * Q + mid] > values[peak * Q + mid])
                peak = k;
        const time_t first = (time_t)times[0]; /* shown as UTC */
        struct tm tm;
        char when[32];
        gmtime_r(&first, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
        printf("forecast from %s: next step %.1f, peak %.1f at step %zu\n", when, values[mid],
               values[peak * Q + mid], peak + 1);
        fflush(stdout);
    }
    mc_frame_free(history);
}

/* Sleeps `seconds`, waking early when a stop is requested. */
static void sleep_interruptibly(long seconds)
{
    for (long i = 0; i < seconds && !stop_requested; i++) {
        struct timespec one = {1, 0};
        nanosleep(&one, NULL);
    }
}

int main(int argc, char **argv)
{
    long interval = 3600, iterations = -1; /* forever */
    if (argc < 3) {
        fprintf(stderr,
                "usage: %s MODEL HISTORY.csv [--once] [--iterations N] [--interval SECONDS]\n",
                argv[0]);
        return 2;
    }
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0)
            iterations = 1;
        else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
            iterations = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc)
            interval = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    service s = {.model_path = argv[1]};
    int status = 0;
    for (long n = 0; (iterations < 0 || n < iterations) && !stop_requested; n++) {
        if (n > 0)
            sleep_interruptibly(interval);
        if (stop_requested)
            break;
        if (!reload_if_changed(&s)) {
            status = 1; /* no model at all: nothing to forecast with */
            break;
        }
        forecast_once(&s, argv[2]);
    }
    service_free(&s);
    return status;
}
