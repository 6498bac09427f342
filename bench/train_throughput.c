/*
 * mc_bench_train — how fast maskcast trains and forecasts, with no I/O: the
 * real training step (mc_net_forward, mc_loss_eval, mc_net_backward,
 * mc_grad_norm, mc_adamw_step, as in the trainer's train_batch) on random
 * data, the share of that time spent in sgemm, and the sgemm peak OpenBLAS
 * reaches on this machine in the same process.
 *
 *     mc_bench_train [--hidden D] [--batch B] [--samples N] [--lookback L]
 *                    [--horizon H] [--horizon-rank R] [--past-channels Cp]
 *                    [--future-channels Cf] [--peak-size N] [--no-gemm-timer]
 *                    [--verbose]
 *
 * Defaults: the reference configuration of issue 3 — L = 168, H = 24, Cp = 2,
 * Cf = 8, D = 256, B = 256, MAE loss, anomaly mask, sigmoid horizon masks and
 * skip all on, ReLU, the full W_a (--horizon-rank R > 0: masks from horizon
 * embeddings of rank R) — and an "epoch" of N = 16384 samples (64 steps), timed
 * after 3 warm-up steps. OpenBLAS's thread count comes from the environment
 * (OPENBLAS_NUM_THREADS; OMP_NUM_THREADS in a build with MC_OPENMP, which
 * also splits the batch in that many slices); the runner sets both.
 *
 * sgemm time: work.gemm (the network's one dense-product hook) points to a
 * wrapper that reads the monotonic clock around mc_gemm_blas and counts
 * 2*m*n*k FLOPs per call (about 90 calls per step at H = 24; the clock costs
 * some 50 ns per call, under 0.1% of a step). --no-gemm-timer runs the plain
 * mc_gemm_blas instead, to check that.
 *
 * Prints one machine-readable line per measurement (label, then key=value):
 *
 *   maskcast_train    ... samples_per_s sgemm_share sgemm_gflops epoch_gflops
 *                         and seconds per phase (forward, loss, backward, optimizer)
 *   maskcast_forecast ... latency_us (batch 1, forward only, median of 400) and
 *                         batch_samples_per_s (B samples per forward, median of 30)
 *   maskcast_peak     ... gflops: best of 5 square sgemms of --peak-size (2048),
 *                         run once before the training and once after the
 *                         forecasts (the better of the two; both printed)
 *   maskcast_memory   ... peak_rss_bytes (VmHWM, reset after the first peak run
 *                         and read before the second, so the 48 MB of sgemm
 *                         matrices do not count), the bytes of the parameters, of parameters +
 *                         gradients + AdamW moments, and of the two workspaces
 *                         (batch B and batch 1)
 *
 * then a short table. --verbose adds the sgemm time per call shape.
 */
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maskcast/model.h"
#include "nn/adamw.h"
#include "nn/gemm.h"
#include "nn/parallel.h"
#include "nn/loss.h"
#include "nn/net.h"

#define N_POOL 4         /* distinct random batches cycled through */
#define WARMUP_STEPS 3
#define LATENCY_REPS 400
#define BATCH_REPS 30
#define PEAK_REPS 5
#define MAX_SHAPES 64

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the timing wrapper around the network's sgemm calls ------------------- */

typedef struct gemm_shape {
    bool ta, tb;
    size_t m, n, k;
    size_t calls;
    double seconds, flops;
} gemm_shape;

static struct {
    double seconds, flops;
    size_t calls;
    gemm_shape shapes[MAX_SHAPES];
    size_t n_shapes;
} timer;
static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;

static void timed_gemm(bool ta, bool tb, size_t m, size_t n, size_t k, float alpha, const float *a,
                       size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc)
{
    const double t0 = now();
    mc_gemm_blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    const double dt = now() - t0, f = 2.0 * (double)m * (double)n * (double)k;
    pthread_mutex_lock(&timer_lock); /* batch slices call from several threads */
    timer.seconds += dt;
    timer.flops += f;
    timer.calls++;
    gemm_shape *s = NULL;
    for (size_t i = 0; i < timer.n_shapes && s == NULL; i++) {
        gemm_shape *e = &timer.shapes[i];
        if (e->ta == ta && e->tb == tb && e->m == m && e->n == n && e->k == k)
            s = e;
    }
    if (s == NULL && timer.n_shapes < MAX_SHAPES) {
        s = &timer.shapes[timer.n_shapes++];
        *s = (gemm_shape){.ta = ta, .tb = tb, .m = m, .n = n, .k = k};
    }
    if (s != NULL) {
        s->calls++;
        s->seconds += dt;
        s->flops += f;
    }
    pthread_mutex_unlock(&timer_lock);
}

static void timer_reset(void) { memset(&timer, 0, sizeof timer); }

/* ---- random data ------------------------------------------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static float uniform(float lo, float hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return lo + (hi - lo) * (float)((double)(rng >> 11) * (1.0 / 9007199254740992.0));
}

static void fill_batch(float *x, float *target, float *weight, const mc_net_shape *s, size_t B)
{
    const size_t n_in = mc_net_n_input(s), np = mc_net_n_past(s), L = s->lookback;
    for (size_t b = 0; b < B; b++) {
        for (size_t i = 0; i < n_in; i++)
            x[b * n_in + i] = uniform(-2.0f, 2.0f);
        for (size_t l = 0; l < L; l++)
            x[b * n_in + np + l] = 1.0f; /* observed flags */
    }
    for (size_t i = 0; i < B * s->horizon; i++) {
        target[i] = uniform(-2.0f, 2.0f);
        weight[i] = 1.0f;
    }
}

/* ---- the training step ------------------------------------------------------ */

typedef struct trainer {
    mc_net_shape shape;
    mc_net_layout lay;
    mc_net_work work;
    mc_loss_spec loss;
    mc_adamw adam;
    float *params, *grads, *dy;
    float *x[N_POOL], *target[N_POOL], *weight[N_POOL];
    size_t B;
    double phase[4]; /* forward, loss, backward, optimizer seconds */
} trainer;

/* trainer.c's train_batch without the window gather and augmentation. */
static double train_step(trainer *t, size_t i)
{
    const mc_net_shape *s = &t->shape;
    const float *x = t->x[i % N_POOL];
    const double t0 = now();
    mc_net_forward(&t->work, t->params, &t->lay, s, x, t->B);
    const double t1 = now();
    const double loss = mc_loss_eval(t->dy, t->work.y, t->target[i % N_POOL], t->weight[i % N_POOL],
                                     t->B, s->horizon, &t->loss);
    const double t2 = now();
    mc_net_backward(&t->work, t->grads, NULL, t->params, &t->lay, s, x, t->dy, t->B);
    const double t3 = now();
    const double norm = mc_grad_norm(t->grads, t->lay.total);
    const double scale = norm > 1.0 ? 1.0 / norm : 1.0; /* clip at 1, the default */
    mc_adamw_step(&t->adam, t->params, t->grads, &t->lay, 1e-3, 1e-4, scale);
    const double t4 = now();
    t->phase[0] += t1 - t0;
    t->phase[1] += t2 - t1;
    t->phase[2] += t3 - t2;
    t->phase[3] += t4 - t3;
    return loss;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Best GFLOP/s of PEAK_REPS square n x n x n sgemms (after one warm-up). */
static double sgemm_peak(size_t n)
{
    float *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b);
    float *c = malloc(n * n * sizeof *c);
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return NAN;
    }
    for (size_t i = 0; i < n * n; i++) {
        a[i] = uniform(-1.0f, 1.0f);
        b[i] = uniform(-1.0f, 1.0f);
    }
    double best = 0.0;
    for (int r = 0; r <= PEAK_REPS; r++) {
        const double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, (blasint)n, (blasint)n,
                    1.0f, a, (blasint)n, b, (blasint)n, 0.0f, c, (blasint)n);
        const double g = 2.0 * (double)n * (double)n * (double)n / (now() - t0) / 1e9;
        if (r > 0 && g > best)
            best = g;
    }
    free(a), free(b), free(c);
    return best;
}

/* Linux's peak resident set (VmHWM); -1 when /proc is unavailable. */
static long long peak_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long long kib = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmHWM: %lld kB", &kib) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kib >= 0 ? kib * 1024 : -1;
}

/* Resets VmHWM to the current resident set (Linux >= 4.0), so that the first
   sgemm peak's 48 MB of matrices do not count; false when refused. */
static bool reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f == NULL)
        return false;
    const bool ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

static void usage(void)
{
    fprintf(stderr, "usage: mc_bench_train [--hidden D] [--batch B] [--samples N] [--lookback L] "
                    "[--horizon H]\n                      [--horizon-rank R] [--past-channels Cp] "
                    "[--future-channels Cf] [--peak-size N]\n                      "
                    "[--no-gemm-timer] [--verbose]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    trainer t;
    memset(&t, 0, sizeof t);
    t.shape = (mc_net_shape){.lookback = 168, .horizon = 24, .past_channels = 2,
                             .future_channels = 8, .hidden = 256, .quantiles = 1,
                             .activation = MC_NN_RELU, .mask_kind = MC_NN_MASK_SIGMOID,
                             .anomaly_mask = true, .horizon_masks = true, .skip = true,
                             .mask_local = true, .mask_penalty = 0.1f}; /* the defaults */
    t.B = 256;
    size_t samples = 16384, peak_n = 2048;
    bool gemm_timer = true, verbose = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--no-gemm-timer") == 0) {
            gemm_timer = false;
            continue;
        }
        if (strcmp(a, "--verbose") == 0) {
            verbose = true;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        char *end;
        const unsigned long v = strtoul(argv[++i], &end, 10);
        if (*end != '\0' || (v == 0 && strcmp(a, "--horizon-rank") != 0))
            usage();
        if (strcmp(a, "--hidden") == 0)
            t.shape.hidden = v;
        else if (strcmp(a, "--batch") == 0)
            t.B = v;
        else if (strcmp(a, "--samples") == 0)
            samples = v;
        else if (strcmp(a, "--lookback") == 0)
            t.shape.lookback = v;
        else if (strcmp(a, "--horizon") == 0)
            t.shape.horizon = v;
        else if (strcmp(a, "--horizon-rank") == 0)
            t.shape.horizon_rank = v;
        else if (strcmp(a, "--past-channels") == 0)
            t.shape.past_channels = v;
        else if (strcmp(a, "--future-channels") == 0)
            t.shape.future_channels = v;
        else if (strcmp(a, "--peak-size") == 0)
            peak_n = v;
        else
            usage();
    }
    const mc_net_shape *s = &t.shape;
    const size_t n_in = mc_net_n_input(s), H = s->horizon, HQ = mc_net_n_output(s), B = t.B;
    mc_error err;
    mc_net_work w1;
    if (mc_net_plan(s, B, &t.lay, &err) != MC_OK || mc_net_work_alloc(&t.work, s, B, &err) != MC_OK ||
        mc_net_work_reserve_slices(&t.work, &t.lay, mc_parallel_slices(B), &err) != MC_OK ||
        mc_net_work_alloc(&w1, s, 1, &err) != MC_OK ||
        mc_adamw_init(&t.adam, t.lay.total, &err) != MC_OK) {
        fprintf(stderr, "mc_bench_train: %s\n", err.message);
        return 1;
    }
    t.loss = (mc_loss_spec){.kind = MC_NN_LOSS_MAE, .huber_delta = 1.0, .n_quantiles = 1};
    t.params = malloc(t.lay.total * sizeof(float));
    t.grads = malloc(t.lay.total * sizeof(float));
    t.dy = malloc(B * HQ * sizeof(float));
    bool ok = t.params && t.grads && t.dy;
    for (int p = 0; p < N_POOL && ok; p++) {
        t.x[p] = malloc(B * n_in * sizeof(float));
        t.target[p] = malloc(B * H * sizeof(float));
        t.weight[p] = malloc(B * H * sizeof(float));
        ok = t.x[p] && t.target[p] && t.weight[p];
        if (ok)
            fill_batch(t.x[p], t.target[p], t.weight[p], s, B);
    }
    if (!ok) {
        fprintf(stderr, "mc_bench_train: out of memory\n");
        return 1;
    }
    /* The model's initial weights (the tensor table's), for a fixed seed. */
    if (mc_net_init_params(t.params, &t.lay, s, 2385, NULL) != MC_OK) {
        fprintf(stderr, "mc_bench_train: out of memory\n");
        return 1;
    }
    const int threads = openblas_get_num_threads();
    const size_t slices = mc_parallel_slices(B); /* what mc_net_forward and _backward use */
    /* The sgemm peak before and after the rest: the machine is shared, and
       the better of the two is what OpenBLAS can reach here. */
    const double peak_before = sgemm_peak(peak_n);
    const bool rss_reset = reset_peak_rss();

    /* Training: warm-up, then one timed "epoch". */
    t.work.gemm = gemm_timer ? timed_gemm : mc_gemm_blas;
    for (size_t i = 0; i < WARMUP_STEPS; i++)
        train_step(&t, i);
    timer_reset();
    memset(t.phase, 0, sizeof t.phase);
    const size_t steps = (samples + B - 1) / B;
    double loss = 0.0;
    const double t0 = now();
    for (size_t i = 0; i < steps; i++)
        loss += train_step(&t, i);
    const double epoch = now() - t0;
    const double sps = (double)(steps * B) / epoch;

    /* Forecasts: forward only, the plain sgemm. */
    t.work.gemm = mc_gemm_blas;
    double lat[LATENCY_REPS], bat[BATCH_REPS];
    for (size_t i = 0; i < LATENCY_REPS + 20; i++) {
        const double a = now();
        mc_net_forward(&w1, t.params, &t.lay, s, t.x[i % N_POOL] + (i % B) * n_in, 1);
        if (i >= 20)
            lat[i - 20] = now() - a;
    }
    for (size_t i = 0; i < BATCH_REPS + 3; i++) {
        const double a = now();
        mc_net_forward(&t.work, t.params, &t.lay, s, t.x[i % N_POOL], B);
        if (i >= 3)
            bat[i - 3] = now() - a;
    }
    const double lat_min = (qsort(lat, LATENCY_REPS, sizeof *lat, cmp_double), lat[0]);
    const double lat_med = median(lat, LATENCY_REPS), lat_p90 = lat[LATENCY_REPS * 9 / 10];
    const double bat_med = median(bat, BATCH_REPS);
    const long long rss = peak_rss_bytes();
    /* params, grads, AdamW m and v; the two workspaces as allocated. */
    const double model_bytes = 4.0 * 4.0 * (double)t.lay.total;
    const double work_bytes = (double)t.work.bytes + (double)w1.bytes;
    const double peak_after = sgemm_peak(peak_n);
    const double peak = peak_before > peak_after ? peak_before : peak_after;

    printf("maskcast_train hidden=%zu batch=%zu lookback=%zu horizon=%zu horizon_rank=%zu "
           "past_channels=%zu future_channels=%zu n_in=%zu params=%zu threads=%d gemm_timer=%d "
           "steps=%zu samples=%zu seconds=%.6f samples_per_s=%.2f mean_loss=%.6f",
           s->hidden, B, s->lookback, H, s->horizon_rank, s->past_channels, s->future_channels,
           n_in, t.lay.total,
           threads, gemm_timer, steps, steps * B, epoch, sps, loss / (double)steps);
    /* With the batch in S slices, S threads call sgemm at once: its share is
       of S threads' time, its rate the FLOPs over the time S threads spent. */
    const double sgemm_wall = timer.seconds / (double)slices;
    printf(" slices=%zu", slices);
    if (gemm_timer)
        printf(" sgemm_calls=%zu sgemm_seconds=%.6f sgemm_share=%.4f sgemm_gflop=%.3f "
               "sgemm_gflops=%.2f epoch_gflops=%.2f",
               timer.calls, timer.seconds, sgemm_wall / epoch, timer.flops / 1e9,
               timer.flops / sgemm_wall / 1e9, timer.flops / epoch / 1e9);
    printf(" forward_s=%.6f loss_s=%.6f backward_s=%.6f optimizer_s=%.6f peak_gflops=%.2f "
           "activation=relu loss_kind=mae\n",
           t.phase[0], t.phase[1], t.phase[2], t.phase[3], peak);
    printf("maskcast_forecast hidden=%zu threads=%d latency_us=%.2f latency_min_us=%.2f "
           "latency_p90_us=%.2f batch=%zu batch_ms=%.4f batch_samples_per_s=%.1f\n",
           s->hidden, threads, lat_med * 1e6, lat_min * 1e6, lat_p90 * 1e6, B, bat_med * 1e3,
           (double)B / bat_med);
    printf("maskcast_peak size=%zu threads=%d reps=%d gflops=%.2f before_gflops=%.2f "
           "after_gflops=%.2f\n",
           peak_n, threads, PEAK_REPS, peak, peak_before, peak_after);
    printf("maskcast_memory hidden=%zu peak_rss_bytes=%lld rss_reset=%d params_bytes=%zu "
           "params_grads_moments_bytes=%.0f workspace_bytes=%.0f\n",
           s->hidden, rss, rss_reset, t.lay.total * sizeof(float), model_bytes, work_bytes);

    printf("\n  D=%zu B=%zu, %d OpenBLAS thread(s), %zu steps (%zu samples)", s->hidden, B,
           threads, steps, steps * B);
    if (slices > 1)
        printf(", the batch in %zu slices, one thread each", slices);
    printf("\n");
    printf("  training           %10.1f samples/s   %.1f ms/step\n", sps, 1e3 * epoch / (double)steps);
    printf("    forward %.1f%%  loss %.1f%%  backward %.1f%%  optimizer %.1f%%\n",
           100 * t.phase[0] / epoch, 100 * t.phase[1] / epoch, 100 * t.phase[2] / epoch,
           100 * t.phase[3] / epoch);
    if (gemm_timer) {
        printf("  sgemm              %10.1f%% of the time, %.1f GFLOP/s inside sgemm, "
               "%.1f GFLOP/s over the epoch\n",
               100 * sgemm_wall / epoch, timer.flops / sgemm_wall / 1e9, timer.flops / epoch / 1e9);
        printf("  sgemm peak         %10.1f GFLOP/s (%zu^3, best of 2 x %d): inside sgemm %.0f%%, "
               "over the epoch %.0f%%\n",
               peak, peak_n, PEAK_REPS, 100 * timer.flops / sgemm_wall / 1e9 / peak,
               100 * timer.flops / epoch / 1e9 / peak);
    }
    printf("  forecast latency   %10.1f us (batch 1, median; min %.1f, p90 %.1f)\n", lat_med * 1e6,
           lat_min * 1e6, lat_p90 * 1e6);
    printf("  batched forecasts  %10.1f samples/s (batch %zu)\n", (double)B / bat_med, B);
    printf("  peak RSS           %10.1f MB (parameters, gradients, moments %.1f MB; "
           "workspaces %.1f MB)\n",
           (double)rss / 1e6, model_bytes / 1e6, work_bytes / 1e6);
    if (verbose && gemm_timer) {
        printf("\n  sgemm per call shape (trans_a trans_b m n k): calls, ms, GFLOP/s, share "
               "of sgemm time\n");
        for (size_t i = 0; i < timer.n_shapes; i++) {
            const gemm_shape *g = &timer.shapes[i];
            printf("    %c%c %5zu %5zu %5zu  %6zu  %9.2f  %7.1f  %5.1f%%\n", g->ta ? 'T' : 'N',
                   g->tb ? 'T' : 'N', g->m, g->n, g->k, g->calls, 1e3 * g->seconds,
                   g->flops / g->seconds / 1e9, 100 * g->seconds / timer.seconds);
        if (slices > 1)
            printf("    (GFLOP/s per thread: %zu slices call sgemm at once)\n", slices);
        }
    }

    for (int p = 0; p < N_POOL; p++) {
        free(t.x[p]);
        free(t.target[p]);
        free(t.weight[p]);
    }
    free(t.params);
    free(t.grads);
    free(t.dy);
    mc_adamw_free(&t.adam);
    mc_net_work_free(&t.work);
    mc_net_work_free(&w1);
    return 0;
}
