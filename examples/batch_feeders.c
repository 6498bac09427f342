/*
 * batch_feeders — forecast many feeders at once from several threads:
 * one model in memory, one forecaster (workspace) per thread.
 *
 * Shows: sharing one read-only mc_model between threads; giving each
 * thread its own mc_forecaster; handing out work with an atomic counter;
 * setting OpenBLAS to one thread per product with mc_set_blas_threads(1),
 * so that N forecasting threads use N cores rather than N x cores; building
 * each feeder's history in memory with mc_frame_from_arrays().
 *
 * The feeders here are made from one history CSV, each with its own noise,
 * standing in for the per-feeder data an application would fetch.
 *
 * Build against an installed maskcast:
 *   cc -std=c11 -pthread $(pkg-config --cflags maskcast) batch_feeders.c \
 *      $(pkg-config --libs maskcast) -o batch_feeders
 * or with CMake: find_package(maskcast) and link maskcast::maskcast and
 * Threads::Threads.
 *
 * Run:
 *   ./batch_feeders MODEL HISTORY.csv [--threads 4] [--feeders 100]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <maskcast/maskcast.h>

enum { MAX_COLUMNS = 32 };

/* The history every feeder is derived from, as plain arrays. */
typedef struct base_history {
    size_t rows, n_columns;
    const int64_t *times;
    const int16_t *offsets;            /* NULL when the file had none */
    const char *names[MAX_COLUMNS];
    double *columns[MAX_COLUMNS];      /* NaN where not observed */
} base_history;

/* Shared by the threads: read-only except for the work counter and each
   feeder's own result slot. */
typedef struct batch {
    const mc_model *model;
    const base_history *base;
    size_t feeders;
    atomic_size_t next;                /* the next feeder to forecast */
    double *results;                   /* (feeders, H x Q) */
    int *status;                       /* (feeders) mc_status of each */
} batch;

/* Feeder k's history: the base load with its own multiplicative noise. */
static mc_status feeder_history(const base_history *b, size_t k, mc_frame **out, mc_error *err)
{
    double *load = malloc(b->rows * sizeof *load);
    if (load == NULL)
        return MC_ERR_NOMEM;
    uint64_t seed = 0x9e3779b97f4a7c15u * (k + 1);
    for (size_t i = 0; i < b->rows; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        const double noise = (double)(seed >> 11) / 9007199254740992.0 - 0.5;
        load[i] = b->columns[0][i] * (1.0 + 0.04 * noise);
    }
    const double *columns[MAX_COLUMNS];
    columns[0] = load;
    for (size_t j = 1; j < b->n_columns; j++)
        columns[j] = b->columns[j];
    mc_status st = mc_frame_from_arrays(out, b->times, b->offsets, b->rows, b->names, columns,
                                        b->n_columns, err);
    free(load);
    if (st == MC_OK) {
        mc_regularize_options ropt;
        mc_regularize_options_defaults(&ropt);
        if ((st = mc_frame_regularize(*out, &ropt, err)) != MC_OK) {
            mc_frame_free(*out);
            *out = NULL;
        }
    }
    return st;
}

static void *worker(void *arg)
{
    batch *job = arg;
    const size_t HQ = mc_model_horizon(job->model) * mc_model_quantiles(job->model);
    int64_t *times = malloc(mc_model_horizon(job->model) * sizeof *times);
    mc_forecaster *fc = NULL;
    mc_error err;
    if (times == NULL || mc_forecaster_create(&fc, job->model, &err) != MC_OK) {
        free(times);
        return NULL; /* the feeders it would have taken stay marked as not done */
    }
    for (;;) {
        const size_t k = atomic_fetch_add(&job->next, 1);
        if (k >= job->feeders)
            break;
        mc_frame *history = NULL;
        mc_status st = feeder_history(job->base, k, &history, &err);
        if (st == MC_OK)
            st = mc_forecaster_run(fc, history, NULL, times, job->results + k * HQ, &err);
        job->status[k] = (int)st;
        mc_frame_free(history);
    }
    mc_forecaster_free(fc);
    free(times);
    return NULL;
}

/* Reads the history CSV with the model's columns into arrays. */
static mc_frame *read_base(const mc_model *model, const char *path, base_history *b,
                           mc_error *err)
{
    memset(b, 0, sizeof *b);
    const size_t n = 1 + mc_model_past_columns(model) + mc_model_future_columns(model);
    const char *covariates[MAX_COLUMNS];
    size_t n_cov = 0;
    for (size_t j = 1; j < n && n_cov + 1 < MAX_COLUMNS; j++) {
        const char *name = mc_model_column_name(model, j);
        bool seen = false;
        for (size_t i = 0; i < n_cov; i++)
            seen = seen || strcmp(covariates[i], name) == 0;
        if (!seen)
            covariates[n_cov++] = name;
    }
    mc_csv_options copt;
    mc_csv_options_defaults(&copt);
    copt.target_column = mc_model_column_name(model, 0);
    copt.covariates = covariates;
    copt.n_covariates = n_cov;
    mc_frame *f = NULL;
    mc_regularize_options ropt;
    mc_regularize_options_defaults(&ropt);
    if (mc_frame_read_csv(&f, path, &copt, err) != MC_OK)
        return NULL;
    if (mc_frame_regularize(f, &ropt, err) != MC_OK) {
        mc_frame_free(f);
        return NULL;
    }
    b->rows = mc_frame_rows(f);
    b->n_columns = mc_frame_columns(f);
    b->times = mc_frame_times(f);
    b->offsets = mc_frame_get_report(f)->has_utc_offsets ? mc_frame_utc_offsets(f) : NULL;
    for (size_t j = 0; j < b->n_columns; j++) {
        b->names[j] = mc_frame_column_name(f, j);
        b->columns[j] = malloc(b->rows * sizeof(double));
        if (b->columns[j] == NULL) {
            mc_error_clear(err);
            snprintf(err->message, sizeof err->message, "out of memory");
            mc_frame_free(f);
            return NULL;
        }
        /* Only observed values: filled ones become missing again, and each
           feeder's frame is regularised (and filled) afresh. */
        for (size_t i = 0; i < b->rows; i++)
            b->columns[j][i] = mc_frame_states(f, j)[i] == MC_VALUE_OBSERVED
                                   ? mc_frame_values(f, j)[i]
                                   : NAN;
    }
    return f;
}

int main(int argc, char **argv)
{
    size_t threads = 4, feeders = 100;
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL HISTORY.csv [--threads N] [--feeders N]\n", argv[0]);
        return 2;
    }
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--threads") == 0)
            threads = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--feeders") == 0)
            feeders = strtoul(argv[i + 1], NULL, 10);
    }
    if (threads < 1 || threads > 256 || feeders < 1) {
        fprintf(stderr, "--threads must be 1..256 and --feeders at least 1\n");
        return 2;
    }
    /* Our threads are the parallelism: one OpenBLAS thread inside each. */
    mc_set_blas_threads(1);

    mc_error err;
    mc_model *model = NULL;
    if (mc_model_load(&model, argv[1], &err) != MC_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    base_history base;
    mc_frame *base_frame = read_base(model, argv[2], &base, &err);
    if (base_frame == NULL) {
        fprintf(stderr, "%s\n", err.message);
        for (size_t j = 0; j < base.n_columns; j++)
            free(base.columns[j]);
        mc_model_free(model);
        return 1;
    }
    const size_t H = mc_model_horizon(model), Q = mc_model_quantiles(model);
    batch job = {.model = model, .base = &base, .feeders = feeders};
    atomic_init(&job.next, 0);
    job.results = calloc(feeders * H * Q, sizeof *job.results);
    job.status = malloc(feeders * sizeof *job.status);
    pthread_t *tid = calloc(threads, sizeof *tid);
    int status = 1;
    if (job.results == NULL || job.status == NULL || tid == NULL) {
        fprintf(stderr, "out of memory\n");
        goto done;
    }
    for (size_t k = 0; k < feeders; k++)
        job.status[k] = -1; /* not done */

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t started = 0;
    for (; started < threads; started++)
        if (pthread_create(&tid[started], NULL, worker, &job) != 0)
            break;
    for (size_t i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    const double hours_per_step = (double)mc_model_step(model) / 3600.0;
    size_t ok = 0;
    double total = 0.0;
    for (size_t k = 0; k < feeders; k++) {
        if (job.status[k] != MC_OK)
            continue;
        ok++;
        double energy = 0.0, peak = -INFINITY;
        for (size_t s = 0; s < H; s++) {
            const double v = job.results[(k * H + s) * Q + Q / 2]; /* the median */
            energy += v * hours_per_step;
            peak = v > peak ? v : peak;
        }
        total += energy;
        if (k < 5)
            printf("feeder %3zu: next %zu steps %.0f MWh, peak %.1f MW\n", k, H, energy, peak);
    }
    const double seconds =
        (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%zu of %zu feeders forecast by %zu threads in %.3f s; total %.0f MWh\n", ok, feeders,
           started, seconds, total);
    status = ok == feeders ? 0 : 1;
done:
    free(tid);
    free(job.results);
    free(job.status);
    for (size_t j = 0; j < base.n_columns; j++)
        free(base.columns[j]);
    mc_frame_free(base_frame);
    mc_model_free(model);
    return status;
}
