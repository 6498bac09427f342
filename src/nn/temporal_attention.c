#include "nn/temporal_attention.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "nn/temporal_attention_internal.h"

static const char *const TENSOR_NAMES[MC_TATTN_T_COUNT] = {
    "temporal.Wq", "temporal.E", "temporal.Wk", "temporal.P",  "temporal.Wv",
    "temporal.C",  "temporal.v", "temporal.g",  "temporal.wp", "temporal.bp"};

const char *mc_tattn_tensor_name(mc_tattn_tensor t)
{
    return (unsigned)t < MC_TATTN_T_COUNT ? TENSOR_NAMES[t] : "?";
}

bool mc_tattn_tensor_is_vector(mc_tattn_tensor t)
{
    return t == MC_TATTN_V || t == MC_TATTN_G || t == MC_TATTN_WP || t == MC_TATTN_BP;
}

bool mc_tattn_tensor_decays(mc_tattn_tensor t)
{
    return t == MC_TATTN_WQ || t == MC_TATTN_WK || t == MC_TATTN_WV || t == MC_TATTN_C ||
           t == MC_TATTN_V || t == MC_TATTN_WP;
}

size_t mc_tattn_n_input(const mc_tattn_shape *s)
{
    return s->lookback * s->past_channels + s->lookback + s->horizon * s->future_channels;
}

/* ---- the workspace ------------------------------------------------------ */

/* Each buffer and its floats per sample (0: unused by this shape). */
typedef struct work_buffer {
    float **p;
    size_t per_sample;
    bool backward;
} work_buffer;

enum { WORK_BUFFERS = MC_TATTN_WORK_BUFFERS };

static void work_buffers(mc_tattn_work *w, const mc_tattn_shape *s, work_buffer out[WORK_BUFFERS])
{
    const size_t L = s->lookback, H = s->horizon, d = s->dim, c = s->past_channels + 1;
    const size_t Cf = s->future_channels;
    const bool loc = s->local, cos = s->score == MC_TATTN_COSINE;
    const work_buffer bufs[WORK_BUFFERS] = {
        {&w->kin, L * c, false},         {&w->fin, H * Cf, false},
        {&w->q, H * d, false},           {&w->key, L * d, false},
        {&w->val, L * d, false},         {&w->alpha, H * L, false},
        {&w->ctx, H * d, false},         {&w->soft, loc ? H * L : 0, false},
        {&w->centre, loc ? H : 0, false}, {&w->cosine, cos ? H * L : 0, false},
        {&w->qnorm, cos ? H : 0, false}, {&w->knorm, cos ? L : 0, false},
        {&w->dctx, H * d, true},         {&w->dscore, H * L, true},
        {&w->dq, H * d, true},           {&w->dkey, L * d, true},
        {&w->dval, L * d, true},         {&w->dkin, L * c, true},
        {&w->dfin, H * Cf, true}};
    memcpy(out, bufs, sizeof bufs);
}

size_t mc_tattn_work_floats(const mc_tattn_shape *s, bool backward)
{
    mc_tattn_work w;
    work_buffer bufs[WORK_BUFFERS];
    work_buffers(&w, s, bufs);
    size_t n = 0;
    for (size_t i = 0; i < WORK_BUFFERS; i++)
        if (backward || !bufs[i].backward)
            n += bufs[i].per_sample;
    return n;
}

size_t mc_tattn_work_buffer(mc_tattn_work *w, const mc_tattn_shape *s, size_t i, float ***p,
                            bool *backward)
{
    work_buffer bufs[WORK_BUFFERS];
    work_buffers(w, s, bufs);
    *p = bufs[i].p;
    if (backward != NULL)
        *backward = bufs[i].backward;
    return bufs[i].per_sample;
}

void mc_tattn_work_bind(mc_tattn_work *w, float *block, const mc_tattn_shape *s, size_t capacity,
                        bool backward)
{
    memset(w, 0, sizeof *w);
    work_buffer bufs[WORK_BUFFERS];
    work_buffers(w, s, bufs);
    size_t at = 0;
    for (size_t i = 0; i < WORK_BUFFERS; i++) {
        if (bufs[i].per_sample == 0 || (bufs[i].backward && !backward))
            continue;
        *bufs[i].p = block + at;
        at += capacity * bufs[i].per_sample;
    }
    w->gemm = mc_gemm_blas;
    w->capacity = capacity;
}

mc_tattn_work mc_tattn_work_rows(const mc_tattn_work *w, const mc_tattn_shape *s, size_t b0)
{
    mc_tattn_work v = *w;
    work_buffer bufs[WORK_BUFFERS];
    work_buffers(&v, s, bufs);
    for (size_t i = 0; i < WORK_BUFFERS; i++)
        if (*bufs[i].p != NULL)
            *bufs[i].p += b0 * bufs[i].per_sample;
    v.capacity = w->capacity - b0;
    return v;
}

/* ---- the plan ----------------------------------------------------------- */

/* a*b within `limit`, without overflow. */
static bool fits(size_t a, size_t b, size_t limit)
{
    size_t ab;
    return mc_size_mul(a, b, &ab) && ab <= limit;
}

mc_status mc_tattn_plan(const mc_tattn_shape *s, size_t max_batch, mc_tattn_layout *lay,
                        mc_error *err)
{
    const size_t L = s->lookback, H = s->horizon, Cp = s->past_channels, Cf = s->future_channels;
    const size_t Q = s->quantiles, d = s->dim;
    if (L == 0 || H == 0 || Cp == 0 || Q == 0 || d == 0 || max_batch == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "temporal attention: lookback, horizon, past channels, quantiles, "
                            "attention size d and batch size must all be at least 1");
    if ((unsigned)s->score > MC_TATTN_MLP)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "temporal attention: unknown score kind %u", (unsigned)s->score);
    if (s->local && !(isfinite(s->width) && s->width > 0.0f))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "temporal attention: the local window's width must be a positive "
                            "number of steps (got %g)",
                            (double)s->width);
    /* Every BLAS dimension and leading dimension is an int: rows B*L and
       B*H, and the widths below; the workspace and the input a size_t. */
    const size_t big = (size_t)INT_MAX;
    if (Cp >= big || Cf > big || !fits(max_batch, L, big) || !fits(max_batch, H, big) ||
        !fits(H, Q, big) || !fits(H, d, big) || !fits(L, d, big) || !fits(H, L, big) ||
        !fits(L, Cp + 1, big) || !fits(H, Cf, big) || !fits(H * Q, d, big) ||
        !fits(Cp + 1, d, big) || !fits(Cf, d, big))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "temporal attention too large for BLAS (lookback %zu, horizon %zu, "
                            "d %zu, batch %zu)",
                            L, H, d, max_batch);
    /* Each term now fits an int; the sums are checked all the same (a
       32-bit size_t holds only two of them). */
    size_t n_in = 0, work = 0, sum = 0;
    bool ok = mc_size_add(L * Cp, L, &sum) && mc_size_add(sum, H * Cf, &n_in);
    mc_tattn_work w;
    work_buffer bufs[WORK_BUFFERS];
    work_buffers(&w, s, bufs);
    for (size_t i = 0; i < WORK_BUFFERS; i++)
        ok = ok && mc_size_add(work, bufs[i].per_sample, &work);
    if (!ok || !fits(max_batch, n_in, SIZE_MAX / sizeof(float)) ||
        !fits(max_batch, work, SIZE_MAX / sizeof(float)))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "temporal attention: a batch of %zu needs more memory than exists",
                            max_batch);

    const bool mlp = s->score == MC_TATTN_MLP, cos = s->score == MC_TATTN_COSINE;
    const size_t c = Cp + 1;
    const size_t rows[MC_TATTN_T_COUNT] = {Cf, H, c, L, c, H * Q, mlp ? d : 0, cos ? 1 : 0,
                                           s->local ? d : 0, s->local ? 1 : 0};
    const size_t cols[MC_TATTN_T_COUNT] = {d, d, d, d, d, d, 1, 1, 1, 1};
    const double fan_in[MC_TATTN_T_COUNT] = {(double)Cf, 1, (double)c, 1, (double)c,
                                             (double)d, (double)d, 0, (double)d, 0};
    size_t total = 0;
    for (int t = 0; t < MC_TATTN_T_COUNT; t++) {
        lay->rows[t] = rows[t];
        lay->cols[t] = cols[t];
        lay->offset[t] = total;
        lay->init_scale[t] = fan_in[t] > 0 ? 1.0 / sqrt(fan_in[t]) : 0.0;
        lay->init_value[t] = t == MC_TATTN_G ? MC_TATTN_COSINE_G0 : 0.0f;
        if (!mc_size_add(total, rows[t] * cols[t], &total))
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                "temporal attention: too many parameters for memory");
    }
    lay->total = total;
    lay->work_forward = mc_tattn_work_floats(s, false);
    lay->work_total = work;
    return MC_OK;
}

mc_tattn_params mc_tattn_params_view(const float *block, const mc_tattn_layout *lay)
{
    mc_tattn_params p;
    for (int t = 0; t < MC_TATTN_T_COUNT; t++)
        p.t[t] = lay->rows[t] ? block + lay->offset[t] : NULL;
    return p;
}

mc_tattn_grads mc_tattn_grads_view(float *block, const mc_tattn_layout *lay)
{
    mc_tattn_grads g;
    for (int t = 0; t < MC_TATTN_T_COUNT; t++)
        g.t[t] = lay->rows[t] ? block + lay->offset[t] : NULL;
    return g;
}

/* ---- forward ------------------------------------------------------------ */

static float norm(const float *v, size_t n)
{
    float ss = 0.0f;
    for (size_t i = 0; i < n; i++)
        ss += v[i] * v[i];
    return sqrtf(ss);
}

/* Sample b's scores s_kl into S (H, L). */
static void scores_forward(mc_tattn_work *w, float *S, const mc_tattn_params *p,
                           const mc_tattn_shape *s, size_t b)
{
    const size_t L = s->lookback, H = s->horizon, d = s->dim;
    const float *q = w->q + b * H * d, *key = w->key + b * L * d;
    if (s->score != MC_TATTN_MLP) {
        w->gemm(false, true, H, L, d, mc_tattn_dot_scale(s), q, d, key, d, 0.0f, S, L);
        if (s->score != MC_TATTN_COSINE)
            return;
        float *qn = w->qnorm + b * H, *kn = w->knorm + b * L, *r = w->cosine + b * H * L;
        const float g = p->t[MC_TATTN_G][0];
        for (size_t k = 0; k < H; k++)
            qn[k] = norm(q + k * d, d);
        for (size_t l = 0; l < L; l++)
            kn[l] = norm(key + l * d, d);
        for (size_t k = 0; k < H; k++)
            for (size_t l = 0; l < L; l++) {
                r[k * L + l] = S[k * L + l] / (qn[k] * kn[l] + MC_TATTN_COSINE_EPS);
                S[k * L + l] = g * r[k * L + l];
            }
        return;
    }
    const float *v = p->t[MC_TATTN_V];
    for (size_t k = 0; k < H; k++)
        for (size_t l = 0; l < L; l++) {
            const float *qk = q + k * d, *kl = key + l * d;
            float acc = 0.0f;
            for (size_t j = 0; j < d; j++)
                acc += v[j] * tanhf(qk[j] + kl[j]);
            S[k * L + l] = acc;
        }
}

static void softmax_rows(float *S, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = S + r * n, m = row[0], sum = 0.0f;
        for (size_t i = 1; i < n; i++)
            m = row[i] > m ? row[i] : m;
        for (size_t i = 0; i < n; i++) {
            row[i] = expf(row[i] - m);
            sum += row[i];
        }
        const float inv = 1.0f / sum;
        for (size_t i = 0; i < n; i++)
            row[i] *= inv;
    }
}

/* Sample b's local weights a_kl = soft_kl exp(-(l - c_k)^2 / (2 sigma^2)). */
static void window_forward(mc_tattn_work *w, const mc_tattn_params *p, const mc_tattn_shape *s,
                           size_t b)
{
    const size_t L = s->lookback, H = s->horizon, d = s->dim;
    const float *wp = p->t[MC_TATTN_WP], coef = mc_tattn_window_coef(s), span = (float)(L - 1);
    for (size_t k = 0; k < H; k++) {
        const float *q = w->q + (b * H + k) * d;
        float z = p->t[MC_TATTN_BP][0];
        for (size_t j = 0; j < d; j++)
            z += wp[j] * q[j];
        const float u = 1.0f / (1.0f + expf(-z)), ck = span * u;
        w->centre[b * H + k] = u;
        const float *soft = w->soft + (b * H + k) * L;
        float *a = w->alpha + (b * H + k) * L;
        for (size_t l = 0; l < L; l++) {
            const float dl = (float)l - ck;
            a[l] = soft[l] * expf(-dl * dl * coef);
        }
    }
}

/* kin = [P_l ; O_l] rows and fin = F_k rows, contiguous over the batch so
   that one product covers all B*L (or B*H) rows. */
static void gather(mc_tattn_work *w, const float *x, const mc_tattn_shape *s, size_t B)
{
    const size_t L = s->lookback, H = s->horizon, Cp = s->past_channels, Cf = s->future_channels;
    const size_t n_in = mc_tattn_n_input(s), c = Cp + 1;
    for (size_t b = 0; b < B; b++) {
        const float *xb = x + b * n_in;
        for (size_t l = 0; l < L; l++) {
            float *row = w->kin + (b * L + l) * c;
            memcpy(row, xb + l * Cp, Cp * sizeof *row);
            row[Cp] = xb[L * Cp + l];
        }
        if (Cf > 0)
            memcpy(w->fin + b * H * Cf, xb + L * Cp + L, H * Cf * sizeof *w->fin);
    }
}

/* out (B*n, d) += each sample's rows of e (n, d). */
static void add_rows(float *out, const float *e, size_t B, size_t n, size_t d)
{
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < n * d; i++)
            out[b * n * d + i] += e[i];
}

void mc_tattn_forward(float *y, mc_tattn_work *w, const float *x, const mc_tattn_params *p,
                      const mc_tattn_shape *s, size_t B)
{
    const size_t L = s->lookback, H = s->horizon, Cf = s->future_channels, d = s->dim;
    const size_t c = s->past_channels + 1, Q = s->quantiles, HL = H * L;
    if (B == 0)
        return;
    gather(w, x, s, B);
    if (Cf > 0)
        w->gemm(false, false, B * H, d, Cf, 1.0f, w->fin, Cf, p->t[MC_TATTN_WQ], d, 0.0f, w->q, d);
    else
        memset(w->q, 0, B * H * d * sizeof *w->q);
    add_rows(w->q, p->t[MC_TATTN_E], B, H, d);
    w->gemm(false, false, B * L, d, c, 1.0f, w->kin, c, p->t[MC_TATTN_WK], d, 0.0f, w->key, d);
    add_rows(w->key, p->t[MC_TATTN_POS], B, L, d);
    w->gemm(false, false, B * L, d, c, 1.0f, w->kin, c, p->t[MC_TATTN_WV], d, 0.0f, w->val, d);

    for (size_t b = 0; b < B; b++) {
        float *S = (s->local ? w->soft : w->alpha) + b * HL;
        scores_forward(w, S, p, s, b);
        softmax_rows(S, H, L);
        if (s->local)
            window_forward(w, p, s, b);
        w->gemm(false, false, H, d, L, 1.0f, w->alpha + b * HL, L, w->val + b * L * d, d, 0.0f,
                w->ctx + b * H * d, d);
    }
    /* y_k (B, Q) += ctx_k (B, d) C_k^T, one product per step k. */
    const float *C = p->t[MC_TATTN_C];
    for (size_t k = 0; k < H; k++)
        w->gemm(false, true, B, Q, d, 1.0f, w->ctx + k * d, H * d, C + k * Q * d, d, 1.0f,
                y + k * Q, H * Q);
}
