/*
 * mc_bench_hotspots — the training step's hot spots outside sgemm, as the
 * library did them before commit 3b07812 (copies kept here) against the
 * library as built now, on the reference shapes (B = 256, H = 24, D = 256,
 * Q = 1; the AdamW step over the whole parameter block of L = 168, Cp = 2,
 * Cf = 8). Evidence for docs/BENCHMARKS.md.
 *
 *     mc_bench_hotspots [--hidden D] [--batch B] [--reps R]
 *
 * The "before" copies are compiled with this program's flags (the library's
 * -O3, no -march: SSE2; mc_bench_hotspots_avx2 builds them for AVX2 + FMA).
 * The "library" column calls the library, whose kernels pick AVX-512, AVX2 or
 * SSE2 at load time (src/nn/vectorize.h); the two heads rows time copies of
 * net.c's fused loops (static there) calling the library's sigmoid per row.
 * Each row: median ms per call of each, the speed-up, and the largest
 * difference of the results relative to the largest magnitude (other
 * rounding, another exp: not bit-identical).
 *
 *   adamw       AdamW with a double division and sqrt per element, against
 *               mc_adamw_step (float, bias corrections folded into two
 *               constants, vectorised)
 *   grad_norm   one double accumulator (a serial chain), against
 *               mc_grad_norm (eight partial sums)
 *   sigmoid     a branch and libm's expf per element, against
 *               mc_sigmoid_forward (branch-free, polynomial exp), on the
 *               horizon masks' B*H*D values
 *   heads_fwd   bias, sigmoid, z = a . h into a B*H*D buffer and H sgemm calls
 *               of shape (B, Q, D), against one fused pass per (sample,
 *               horizon) row that computes a and y without z
 *   heads_bwd   2H small sgemm calls for dV and dz, the dh/da loop, sigmoid and
 *               bias backward, against one fused pass
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maskcast/model.h"
#include "nn/activation.h"
#include "nn/adamw.h"
#include "nn/gemm.h"
#include "nn/net.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static float uniform(float lo, float hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return lo + (hi - lo) * (float)((double)(rng >> 11) * (1.0 / 9007199254740992.0));
}

static void fill(float *p, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        p[i] = uniform(lo, hi);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* max |a - b| / max |b| */
static double rel_diff(const float *a, const float *b, size_t n)
{
    double d = 0.0, m = 0.0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - (double)b[i]));
        m = fmax(m, fabs((double)b[i]));
    }
    return m > 0 ? d / m : d;
}

/* ---- the code before: copies --------------------------------------------------- */

static void sigmoid_before(float *out, const float *pre, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const float x = pre[i];
        if (x >= 0.0f) {
            out[i] = 1.0f / (1.0f + expf(-x));
        } else {
            const float e = expf(x);
            out[i] = e / (1.0f + e);
        }
    }
}

static double grad_norm_before(const float *g, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)g[i] * (double)g[i];
    return sqrt(s);
}

static void adamw_before(mc_adamw *opt, float *params, const float *grads,
                         const mc_net_layout *lay, double lr, double weight_decay,
                         double grad_scale)
{
    opt->t++;
    const double c1 = 1.0 - pow(opt->beta1, (double)opt->t);
    const double c2 = 1.0 - pow(opt->beta2, (double)opt->t);
    const float b1 = (float)opt->beta1, b2 = (float)opt->beta2;
    for (int t = 0; t < MC_T_COUNT; t++) {
        const size_t begin = lay->offset[t], end = begin + lay->rows[t] * lay->cols[t];
        const float decay = mc_tensor_decays((mc_tensor)t) ? (float)(lr * weight_decay) : 0.0f;
        for (size_t i = begin; i < end; i++) {
            const float g = grads[i] * (float)grad_scale;
            opt->m[i] = b1 * opt->m[i] + (1.0f - b1) * g;
            opt->v[i] = b2 * opt->v[i] + (1.0f - b2) * g * g;
            const double mhat = opt->m[i] / c1, vhat = opt->v[i] / c2;
            params[i] -= decay * params[i] + (float)(lr * mhat / (sqrt(vhat) + opt->eps));
        }
    }
}

/* A dot product with eight partial sums (a float reduction is not vectorised
   without reassociation, which -O3 alone does not allow). */
static inline float dot8(const float *restrict a, const float *restrict b, size_t n)
{
    float s[8] = {0};
    size_t d = 0;
    for (; d + 8 <= n; d += 8)
        for (int j = 0; j < 8; j++)
            s[j] += a[d + j] * b[d + j];
    for (; d < n; d++)
        s[0] += a[d] * b[d];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* ---- the library's fused heads (net.c's static loops) ----------------------- */

/* Fused: attn holds h W_a (B, H*D) on entry and a on return; y (B, H*Q) =
   (a_k . h) V_k^T + c, with no z buffer. hv (D) is scratch. */
static void heads_forward_library(float *y, float *attn, float *hv, const float *h, const float *ba,
                                const float *V, const float *c, size_t B, size_t H, size_t D,
                                size_t Q)
{
    for (size_t b = 0; b < B; b++) {
        const float *hb = h + b * D;
        for (size_t k = 0; k < H; k++) {
            float *a = attn + b * H * D + k * D;
            const float *bk = ba + k * D;
            for (size_t d = 0; d < D; d++)
                a[d] += bk[d];
            mc_sigmoid_forward(a, a, D);
            for (size_t d = 0; d < D; d++)
                hv[d] = a[d] * hb[d];
            for (size_t q = 0; q < Q; q++)
                y[b * H * Q + k * Q + q] = c[k * Q + q] + dot8(hv, V + (k * Q + q) * D, D);
        }
    }
}

/* Fused: from dy, a, h: dV += (dy_k)^T (a_k . h), dh = sum_k (dy_k V_k) . a_k,
   dpre (B, H*D) = (dy_k V_k) . h . a (1 - a), dba += sum_b dpre. */
static void heads_backward_library(float *dpre, float *dh, float *dV, float *dba, float *g,
                                 const float *dy, const float *attn, const float *h,
                                 const float *V, size_t B, size_t H, size_t D, size_t Q)
{
    for (size_t b = 0; b < B; b++) {
        const float *hb = h + b * D;
        float *dhb = dh + b * D;
        memset(dhb, 0, D * sizeof *dhb);
        for (size_t k = 0; k < H; k++) {
            const float *a = attn + b * H * D + k * D;
            float *dp = dpre + b * H * D + k * D, *dbk = dba + k * D;
            memset(g, 0, D * sizeof *g);
            for (size_t q = 0; q < Q; q++) {
                const float e = dy[b * H * Q + k * Q + q];
                const float *vq = V + (k * Q + q) * D;
                float *dvq = dV + (k * Q + q) * D;
                for (size_t d = 0; d < D; d++) {
                    g[d] += e * vq[d];
                    dvq[d] += e * a[d] * hb[d];
                }
            }
            for (size_t d = 0; d < D; d++) {
                dhb[d] += g[d] * a[d];
                dp[d] = g[d] * hb[d] * a[d] * (1.0f - a[d]);
                dbk[d] += dp[d];
            }
        }
    }
}

/* ---- the heads before ------------------------------------------------------ */

static void heads_forward_before(float *y, float *attn, float *z, const float *h, const float *ba,
                              const float *V, const float *c, size_t B, size_t H, size_t D,
                              size_t Q)
{
    const size_t HD = H * D, HQ = H * Q;
    mc_add_bias(attn, ba, B, HD);
    sigmoid_before(attn, attn, B * HD);
    for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < H; k++)
            for (size_t d = 0; d < D; d++)
                z[b * HD + k * D + d] = attn[b * HD + k * D + d] * h[b * D + d];
    for (size_t k = 0; k < H; k++)
        mc_gemm_blas(false, true, B, Q, D, 1.0f, z + k * D, HD, V + k * Q * D, D, 0.0f, y + k * Q,
                     HQ);
    mc_add_bias(y, c, B, HQ);
}

static void heads_backward_before(float *dz, float *dh, float *dV, float *dba, const float *dy,
                               const float *attn, const float *z, const float *h, const float *V,
                               size_t B, size_t H, size_t D, size_t Q)
{
    const size_t HD = H * D, HQ = H * Q;
    for (size_t k = 0; k < H; k++) {
        mc_gemm_blas(true, false, Q, D, B, 1.0f, dy + k * Q, HQ, z + k * D, HD, 1.0f,
                     dV + k * Q * D, D);
        mc_gemm_blas(false, false, B, D, Q, 1.0f, dy + k * Q, HQ, V + k * Q * D, D, 0.0f,
                     dz + k * D, HD);
    }
    for (size_t b = 0; b < B; b++) {
        float *dhb = dh + b * D;
        const float *hb = h + b * D;
        memset(dhb, 0, D * sizeof *dhb);
        for (size_t k = 0; k < H; k++) {
            float *dzk = dz + b * HD + k * D;
            const float *a = attn + b * HD + k * D;
            for (size_t d = 0; d < D; d++) {
                dhb[d] += dzk[d] * a[d];
                dzk[d] *= hb[d];
            }
        }
    }
    mc_sigmoid_backward(dz, dz, attn, B * HD);
    mc_bias_backward(dba, dz, B, HD);
}

/* ---- timing ------------------------------------------------------------------- */

typedef struct row {
    const char *name;
    double now_ms, proto_ms, diff;
} row;

#define TIME_MEDIAN(out, reps, setup, body)                                                        \
    do {                                                                                           \
        double ts_[64];                                                                            \
        const int r_ = (reps) < 64 ? (reps) : 64;                                                  \
        for (int i_ = 0; i_ < r_ + 1; i_++) {                                                      \
            setup;                                                                                 \
            const double t0_ = now();                                                              \
            body;                                                                                  \
            if (i_ > 0)                                                                            \
                ts_[i_ - 1] = now() - t0_;                                                         \
        }                                                                                          \
        qsort(ts_, (size_t)r_, sizeof ts_[0], cmp_double);                                         \
        (out) = 1e3 * (r_ % 2 ? ts_[r_ / 2] : 0.5 * (ts_[r_ / 2 - 1] + ts_[r_ / 2]));              \
    } while (0)

int main(int argc, char **argv)
{
    size_t D = 256, B = 256;
    int reps = 21;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--hidden") == 0)
            D = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--batch") == 0)
            B = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
    }
    if (D == 0 || B == 0 || reps < 1 || argc % 2 == 0) {
        fprintf(stderr, "usage: mc_bench_hotspots [--hidden D] [--batch B] [--reps R]\n");
        return 2;
    }
#ifdef MC_HOTSPOTS_AVX2
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        printf("mc_bench_hotspots_avx2: this CPU has no AVX2 and FMA; nothing measured\n");
        return 0;
    }
    const char *build = "avx2";
#else
    const char *build = "sse2";
#endif
    const size_t H = 24, Q = 1, HD = H * D, HQ = H * Q;
    const mc_net_shape shape = {.lookback = 168, .horizon = H, .past_channels = 2,
                                .future_channels = 8, .hidden = D, .quantiles = Q,
                                .anomaly_mask = true, .horizon_masks = true, .skip = true};
    mc_net_layout lay;
    mc_error err;
    mc_adamw o1, o2;
    if (mc_net_plan(&shape, B, &lay, &err) != MC_OK || mc_adamw_init(&o1, lay.total, &err) != MC_OK ||
        mc_adamw_init(&o2, lay.total, &err) != MC_OK) {
        fprintf(stderr, "mc_bench_hotspots: %s\n", err.message);
        return 1;
    }
    const size_t N = lay.total;
    float *p0 = malloc(N * sizeof *p0), *p1 = malloc(N * sizeof *p1), *p2 = malloc(N * sizeof *p2);
    float *g = malloc(N * sizeof *g);
    float *pre = malloc(B * HD * sizeof *pre), *a1 = malloc(B * HD * sizeof *a1);
    float *a2 = malloc(B * HD * sizeof *a2), *z = malloc(B * HD * sizeof *z);
    float *dz1 = malloc(B * HD * sizeof *dz1), *dz2 = malloc(B * HD * sizeof *dz2);
    float *h = malloc(B * D * sizeof *h), *dh1 = malloc(B * D * sizeof *dh1);
    float *dh2 = malloc(B * D * sizeof *dh2), *hv = malloc(D * sizeof *hv);
    float *ba = malloc(HD * sizeof *ba), *V = malloc(HQ * D * sizeof *V), *c = malloc(HQ * sizeof *c);
    float *y1 = malloc(B * HQ * sizeof *y1), *y2 = malloc(B * HQ * sizeof *y2);
    float *dy = malloc(B * HQ * sizeof *dy);
    float *dV1 = calloc(HQ * D, sizeof *dV1), *dV2 = calloc(HQ * D, sizeof *dV2);
    float *dba1 = calloc(HD, sizeof *dba1), *dba2 = calloc(HD, sizeof *dba2);
    if (!p0 || !p1 || !p2 || !g || !pre || !a1 || !a2 || !z || !dz1 || !dz2 || !h || !dh1 || !dh2 ||
        !hv || !ba || !V || !c || !y1 || !y2 || !dy || !dV1 || !dV2 || !dba1 || !dba2) {
        fprintf(stderr, "mc_bench_hotspots: out of memory\n");
        return 1;
    }
    fill(p0, N, -0.1f, 0.1f);
    fill(g, N, -1e-3f, 1e-3f);
    fill(pre, B * HD, -4.0f, 4.0f);
    fill(h, B * D, 0.0f, 2.0f);
    fill(ba, HD, 1.5f, 2.5f);
    fill(V, HQ * D, -0.06f, 0.06f);
    fill(c, HQ, -0.1f, 0.1f);
    fill(dy, B * HQ, -1e-3f, 1e-3f);

    row rows[5];
    int nr = 0;

    /* AdamW: one step from the same state (t = 0) each repetition. */
    {
        row r = {.name = "adamw"};
        TIME_MEDIAN(r.now_ms, reps, (memcpy(p1, p0, N * 4), o1.t = 0), 
                    adamw_before(&o1, p1, g, &lay, 1e-3, 1e-4, 0.7));
        TIME_MEDIAN(r.proto_ms, reps, (memcpy(p2, p0, N * 4), o2.t = 0),
                    mc_adamw_step(&o2, p2, g, &lay, 1e-3, 1e-4, 0.7));
        /* m, v accumulate over repetitions in both; compare one fresh step. */
        memset(o1.m, 0, N * 4), memset(o1.v, 0, N * 4), memset(o2.m, 0, N * 4), memset(o2.v, 0, N * 4);
        memcpy(p1, p0, N * 4), memcpy(p2, p0, N * 4), o1.t = o2.t = 0;
        adamw_before(&o1, p1, g, &lay, 1e-3, 1e-4, 0.7);
        mc_adamw_step(&o2, p2, g, &lay, 1e-3, 1e-4, 0.7);
        for (size_t i = 0; i < N; i++) /* compare the updates, not the weights */
            p1[i] -= p0[i], p2[i] -= p0[i];
        r.diff = rel_diff(p2, p1, N);
        rows[nr++] = r;
    }
    {
        row r = {.name = "grad_norm"};
        double n1 = 0, n2 = 0;
        TIME_MEDIAN(r.now_ms, reps, (void)0, n1 = grad_norm_before(g, N));
        TIME_MEDIAN(r.proto_ms, reps, (void)0, n2 = mc_grad_norm(g, N));
        r.diff = fabs(n1 - n2) / n1;
        rows[nr++] = r;
    }
    {
        row r = {.name = "sigmoid"};
        TIME_MEDIAN(r.now_ms, reps, (void)0, sigmoid_before(a1, pre, B * HD));
        TIME_MEDIAN(r.proto_ms, reps, (void)0, mc_sigmoid_forward(a2, pre, B * HD));
        r.diff = rel_diff(a2, a1, B * HD);
        rows[nr++] = r;
    }
    {
        row r = {.name = "heads_fwd"};
        TIME_MEDIAN(r.now_ms, reps, memcpy(a1, pre, B * HD * 4),
                    heads_forward_before(y1, a1, z, h, ba, V, c, B, H, D, Q));
        TIME_MEDIAN(r.proto_ms, reps, memcpy(a2, pre, B * HD * 4),
                    heads_forward_library(y2, a2, hv, h, ba, V, c, B, H, D, Q));
        r.diff = fmax(rel_diff(y2, y1, B * HQ), rel_diff(a2, a1, B * HD));
        rows[nr++] = r;
    }
    {
        row r = {.name = "heads_bwd"};
        TIME_MEDIAN(r.now_ms, reps, (memset(dV1, 0, HQ * D * 4), memset(dba1, 0, HD * 4)),
                    heads_backward_before(dz1, dh1, dV1, dba1, dy, a1, z, h, V, B, H, D, Q));
        TIME_MEDIAN(r.proto_ms, reps, (memset(dV2, 0, HQ * D * 4), memset(dba2, 0, HD * 4)),
                    heads_backward_library(dz2, dh2, dV2, dba2, hv, dy, a1, h, V, B, H, D, Q));
        r.diff = fmax(fmax(rel_diff(dz2, dz1, B * HD), rel_diff(dh2, dh1, B * D)),
                      fmax(rel_diff(dV2, dV1, HQ * D), rel_diff(dba2, dba1, HD)));
        rows[nr++] = r;
    }

    printf("hot spots outside sgemm: B=%zu H=%zu D=%zu Q=%zu, %zu parameters; median of %d calls; "
           "the code before built for %s\n",
           B, H, D, Q, N, reps, build);
    printf("%-10s %12s %12s %9s %12s\n", "part", "before ms", "library ms", "speed-up",
           "rel. diff");
    for (int i = 0; i < nr; i++)
        printf("%-10s %12.3f %12.3f %8.1fx %12.2e\n", rows[i].name, rows[i].now_ms,
               rows[i].proto_ms, rows[i].now_ms / rows[i].proto_ms, rows[i].diff);
    for (int i = 0; i < nr; i++)
        printf("hotspot name=%s build=%s hidden=%zu batch=%zu before_ms=%.4f library_ms=%.4f "
               "speedup=%.2f rel_diff=%.3e\n",
               rows[i].name, build, D, B, rows[i].now_ms, rows[i].proto_ms,
               rows[i].now_ms / rows[i].proto_ms, rows[i].diff);
    free(p0), free(p1), free(p2), free(g), free(pre), free(a1), free(a2), free(z), free(dz1);
    free(dz2), free(h), free(dh1), free(dh2), free(hv), free(ba), free(V), free(c), free(y1);
    free(y2), free(dy), free(dV1), free(dV2), free(dba1), free(dba2);
    mc_adamw_free(&o1);
    mc_adamw_free(&o2);
    return 0;
}
