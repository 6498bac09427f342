/*
 * mc_bench_csv_ingest — one timed load of a CSV file with maskcast, in a fresh
 * process, printed as one machine-readable line for bench/run_csv_ingest.sh.
 *
 *     mc_bench_csv_ingest [--regularize] FILE.csv
 *
 * Selects time + load (target) + temperature, holiday (covariates); any other
 * column (the generator's "note") is left unselected. Prints
 *
 *     maskcast seconds=S mb_per_s=R rows=N file_bytes=B numeric_bytes=D
 *              peak_rss_bytes=P baseline_rss_bytes=Q load_sum=X
 *              [regularize_seconds=S2 regular_rows=N2 peak_rss_after_regularize_bytes=P2]
 *
 * MB is 10^6 bytes of file. numeric_bytes = rows * (8 for the time + 8 per
 * numeric column), the size of the parsed data as plain arrays. peak_rss_bytes
 * is getrusage's maximum resident set after the load; baseline_rss_bytes is
 * the resident set just before it (libraries, stack), so peak - baseline is
 * what the load itself cost. load_sum (observed values only) lets the runner
 * check that every tool read the same numbers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maskcast/frame.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Current resident set from /proc/self/statm (pages); -1 when unavailable. */
static long long current_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    long long size = 0, resident = 0;
    int n = fscanf(f, "%lld %lld", &size, &resident);
    fclose(f);
    return n == 2 ? resident * (long long)sysconf(_SC_PAGESIZE) : -1;
}

/* Peak resident set so far; Linux reports ru_maxrss in KiB. */
static long long peak_rss_bytes(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return (long long)ru.ru_maxrss * 1024;
}

/* Sum of the observed values of column `j`, to compare tools' results. */
static double column_sum(const mc_frame *f, size_t j)
{
    const double *v = mc_frame_values(f, j);
    double sum = 0.0;
    for (size_t i = 0; i < mc_frame_rows(f); i++)
        if (!isnan(v[i]))
            sum += v[i];
    return sum;
}

static int load(mc_frame **frame, const char *path)
{
    static const char *const covariates[] = {"temperature", "holiday"};
    mc_csv_options opt;
    mc_csv_options_defaults(&opt);
    opt.time_column = "time";
    opt.target_column = "load";
    opt.covariates = covariates;
    opt.n_covariates = 2;
    mc_error err;
    if (mc_frame_read_csv(frame, path, &opt, &err) != MC_OK) {
        fprintf(stderr, "mc_bench_csv_ingest: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int regularize(mc_frame *frame)
{
    mc_regularize_options opt;
    mc_regularize_options_defaults(&opt);
    mc_error err;
    if (mc_frame_regularize(frame, &opt, &err) != MC_OK) {
        fprintf(stderr, "mc_bench_csv_ingest: regularize: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [--regularize] FILE.csv\n", argv0);
    return 2;
}

int main(int argc, char **argv)
{
    int with_regularize = argc == 3 && strcmp(argv[1], "--regularize") == 0;
    if (argc != 2 + with_regularize)
        return usage(argv[0]);
    const char *path = argv[argc - 1];
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "mc_bench_csv_ingest: %s: %s\n", path, strerror(errno));
        return 1;
    }

    const long long baseline = current_rss_bytes();
    mc_frame *frame = NULL;
    const double t0 = now_seconds();
    if (load(&frame, path) != 0)
        return 1;
    const double seconds = now_seconds() - t0;
    const long long peak = peak_rss_bytes();

    const size_t rows = mc_frame_rows(frame);
    const size_t numeric_bytes = rows * (8 + 8 * mc_frame_columns(frame));
    printf("maskcast seconds=%.4f mb_per_s=%.2f rows=%zu file_bytes=%lld numeric_bytes=%zu "
           "peak_rss_bytes=%lld baseline_rss_bytes=%lld load_sum=%.2f",
           seconds, (double)st.st_size / 1e6 / seconds, rows, (long long)st.st_size,
           numeric_bytes, peak, baseline, column_sum(frame, 0));

    int status = 0;
    if (with_regularize) {
        const double t1 = now_seconds();
        status = regularize(frame) != 0;
        if (status == 0)
            printf(" regularize_seconds=%.4f regular_rows=%zu peak_rss_after_regularize_bytes=%lld",
                   now_seconds() - t1, mc_frame_rows(frame), peak_rss_bytes());
    }
    printf("\n");
    mc_frame_free(frame);
    return status;
}
