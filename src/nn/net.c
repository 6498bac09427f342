#include "nn/net.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "nn/parallel.h"
#include "nn/vectorize.h"

static const char *const TENSOR_NAMES[MC_T_COUNT] = {
    "feature.W", "feature.b", "anomaly.W", "anomaly.b", "horizon.W", "horizon.b",
    "head.V",    "head.c",    "skip.S",    "anomaly.u", "horizon.U", "horizon.E",
    "horizon.W2"};

const char *mc_tensor_name(mc_tensor t)
{
    return (unsigned)t < MC_T_COUNT ? TENSOR_NAMES[t] : "?";
}

bool mc_tensor_is_vector(mc_tensor t)
{
    return t == MC_T_FEATURE_B || t == MC_T_ANOMALY_B || t == MC_T_HORIZON_B ||
           t == MC_T_HEAD_C || t == MC_T_ANOMALY_U;
}

bool mc_tensor_decays(mc_tensor t)
{
    return (unsigned)t < MC_T_COUNT && !mc_tensor_is_vector(t) && t != MC_T_HORIZON_E;
}

size_t mc_net_n_past(const mc_net_shape *s) { return s->lookback * s->past_channels; }

size_t mc_net_n_input(const mc_net_shape *s)
{
    return s->lookback * s->past_channels + s->lookback + s->horizon * s->future_channels;
}

size_t mc_net_n_output(const mc_net_shape *s) { return s->horizon * s->quantiles; }

/* a*b*c without overflow, and within `limit`. */
static bool product_fits(size_t a, size_t b, size_t c, size_t limit)
{
    size_t ab, abc;
    return mc_size_mul(a, b, &ab) && mc_size_mul(ab, c, &abc) && abc <= limit;
}

mc_status mc_net_plan(const mc_net_shape *s, size_t max_batch, mc_net_layout *layout,
                      mc_error *err)
{
    if (s->lookback == 0 || s->horizon == 0 || s->past_channels == 0 || s->hidden == 0 ||
        s->quantiles == 0 || max_batch == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "lookback, horizon, past channels, hidden units, quantiles and batch "
                            "size must all be at least 1");
    /* Every BLAS dimension and leading dimension is an int; element counts of
       the largest buffers (batch x H*D, n_in x D, D x H*D) must fit size_t. */
    const size_t big = (size_t)INT_MAX;
    const size_t L = s->lookback, H = s->horizon, D = s->hidden, Q = s->quantiles;
    const size_t r = s->horizon_masks ? s->horizon_rank : 0;
    if (!product_fits(L, s->past_channels, 1, big) || !product_fits(H, s->future_channels, 1, big) ||
        !product_fits(H, D, 1, big) || !product_fits(H, Q, 1, big) || max_batch > big ||
        mc_net_n_input(s) > big || !product_fits(max_batch, H, D, SIZE_MAX / 8) ||
        !product_fits(mc_net_n_input(s), D, 1, SIZE_MAX / 8) ||
        (r == 0 && s->horizon_masks && !product_fits(D, H, D, SIZE_MAX / 8)) ||
        (r > 0 && (!product_fits(H, r, 1, big) || !product_fits(D, r, 1, big) ||
                   !product_fits(max_batch, H, r, SIZE_MAX / 8))))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the network is too large (lookback %zu, horizon %zu, hidden %zu, "
                            "horizon rank %zu)",
                            L, H, D, r);
    const size_t n_in = mc_net_n_input(s), np = mc_net_n_past(s);
    const bool local = s->anomaly_mask && s->mask_local;
    const bool full = s->horizon_masks && r == 0;
    const size_t rows[MC_T_COUNT] = {
        n_in, D, s->anomaly_mask ? D : 0, s->anomaly_mask ? np : 0,
        full ? D : 0, s->horizon_masks ? H * D : 0, H * Q, H * Q, s->skip ? H * Q : 0,
        local ? s->past_channels : 0, r ? D : 0, r ? H : 0, r};
    const size_t cols[MC_T_COUNT] = {D, 1, np, 1, H * D, 1, D, 1, L, 1, r, r, D};
    size_t total = 0;
    for (int t = 0; t < MC_T_COUNT; t++) {
        layout->rows[t] = rows[t];
        layout->cols[t] = cols[t];
        layout->offset[t] = total;
        total += rows[t] * cols[t];
    }
    layout->total = total;
    return MC_OK;
}

/* The workspace's per-sample buffers and how many floats each holds per
   sample (0 when the shape has no use for it); every one is rows of samples,
   so rows b0 .. b0+n-1 of all of them form a workspace for n samples. */
typedef struct work_buffer {
    float **p;
    size_t per_sample;
} work_buffer;

enum { WORK_BUFFERS = 21 };

static void work_buffers(mc_net_work *w, const mc_net_shape *s, work_buffer out[WORK_BUFFERS])
{
    const size_t D = s->hidden, n_in = mc_net_n_input(s), np = mc_net_n_past(s);
    const size_t HD = s->horizon * D, HQ = mc_net_n_output(s), L = s->lookback;
    const size_t r = s->horizon_masks ? s->horizon_rank : 0, Hr = s->horizon * r;
    const work_buffer bufs[WORK_BUFFERS] = {
        {&w->emb_g, r}, {&w->emb_pre, Hr}, {&w->emb, Hr}, {&w->demb, Hr}, {&w->demb_g, r},
        {&w->x_masked, n_in}, {&w->pre0, D}, {&w->h0, D}, {&w->mask, np}, {&w->local, np},
        {&w->pre, D}, {&w->h, D}, {&w->attn, HD}, {&w->skip_in, L}, {&w->y, HQ},
        {&w->dattn, HD}, {&w->dh, D}, {&w->dpre, D}, {&w->dx_masked, n_in}, {&w->dmask, np},
        {&w->dskip, L}};
    memcpy(out, bufs, sizeof bufs);
}

mc_status mc_net_work_alloc(mc_net_work *w, const mc_net_shape *s, size_t capacity, mc_error *err)
{
    memset(w, 0, sizeof *w);
    work_buffer bufs[WORK_BUFFERS];
    work_buffers(w, s, bufs);
    size_t bytes = 0;
    for (size_t i = 0; i < WORK_BUFFERS; i++) {
        *bufs[i].p = mc_realloc_array(NULL, capacity, bufs[i].per_sample * sizeof(float));
        if (*bufs[i].p == NULL) {
            mc_net_work_free(w);
            return mc_error_nomem(err, "allocating the network's workspace");
        }
        bytes += capacity * bufs[i].per_sample * sizeof(float);
    }
    w->row = mc_realloc_array(NULL, MC_PARALLEL_MAX_PARTS, s->hidden * sizeof(float));
    if (w->row == NULL) {
        mc_net_work_free(w);
        return mc_error_nomem(err, "allocating the network's workspace");
    }
    w->capacity = capacity;
    w->bytes = bytes + MC_PARALLEL_MAX_PARTS * s->hidden * sizeof(float);
    w->gemm = mc_gemm_blas;
    return MC_OK;
}

mc_status mc_net_work_reserve_slices(mc_net_work *w, const mc_net_layout *layout, size_t slices,
                                     mc_error *err)
{
    if (slices > MC_PARALLEL_MAX_PARTS)
        slices = MC_PARALLEL_MAX_PARTS;
    size_t blocks = slices > 1 ? slices - 1 : 0;
    if (blocks <= w->slice_blocks && layout->total == w->slice_block)
        return MC_OK;
    if (blocks < w->slice_blocks)
        blocks = w->slice_blocks;
    float *g = mc_realloc_array(w->slice_grads, blocks, layout->total * sizeof(float));
    if (g == NULL)
        return mc_error_nomem(err, "allocating the gradients of the batch's slices");
    w->bytes -= w->slice_blocks * w->slice_block * sizeof(float);
    w->bytes += blocks * layout->total * sizeof(float);
    w->slice_grads = g;
    w->slice_blocks = blocks;
    w->slice_block = layout->total;
    return MC_OK;
}

void mc_net_work_free(mc_net_work *w)
{
    float *bufs[] = {w->x_masked, w->pre0, w->h0, w->mask, w->local, w->pre, w->h, w->attn,
                     w->skip_in, w->y, w->row, w->dattn, w->dh, w->dpre, w->dx_masked, w->dmask,
                     w->dskip, w->emb_g, w->emb_pre, w->emb, w->demb, w->demb_g, w->slice_grads};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    memset(w, 0, sizeof *w);
}

/* d = x - the mean of its neighbours in the same channel (the one neighbour
   at the ends of the window; 0 for a one-step window). */
static float local_deviation(const float *x, size_t l, size_t c, size_t L, size_t Cp)
{
    if (L < 2)
        return 0.0f;
    const float v = x[l * Cp + c];
    if (l == 0)
        return v - x[Cp + c];
    if (l == L - 1)
        return v - x[(L - 2) * Cp + c];
    return v - 0.5f * (x[(l - 1) * Cp + c] + x[(l + 1) * Cp + c]);
}

/* The mask's pre-activation gains u_c * d^2 for each past value, in rows
   b0 .. b1-1. */
static void local_forward(mc_net_work *w, const float *u /* (Cp) */, const float *x,
                          const mc_net_shape *s, size_t b0, size_t b1)
{
    const size_t L = s->lookback, Cp = s->past_channels, np = L * Cp, n_in = mc_net_n_input(s);
    for (size_t b = b0; b < b1; b++)
        for (size_t l = 0; l < L; l++)
            for (size_t c = 0; c < Cp; c++) {
                const float d = local_deviation(x + b * n_in, l, c, L, Cp);
                w->local[b * np + l * Cp + c] = d;
                w->mask[b * np + l * Cp + c] += u[c] * d * d;
            }
}

/* du_c += sum of dpm * d^2 over the batch, from dpm (the mask's
   pre-activation gradient, in w->dmask). */
static void local_backward_du(const mc_net_work *w, float *du, const mc_net_shape *s, size_t B)
{
    const size_t Cp = s->past_channels, np = s->lookback * Cp;
    for (size_t i = 0; i < B * np; i++)
        du[i % Cp] += w->dmask[i] * w->local[i] * w->local[i];
}

/* dx gains dpm * u_c * d(d^2)/dx: 2d at the value, -2d shared by its neighbours. */
static void local_backward_dx(const mc_net_work *w, float *dx, const float *u,
                              const mc_net_shape *s, size_t B)
{
    const size_t L = s->lookback, Cp = s->past_channels, np = L * Cp, n_in = mc_net_n_input(s);
    if (L < 2)
        return;
    for (size_t b = 0; b < B; b++) {
        float *row = dx + b * n_in;
        for (size_t l = 0; l < L; l++)
            for (size_t c = 0; c < Cp; c++) {
                const size_t i = b * np + l * Cp + c;
                const float g = w->dmask[i] * u[c] * 2.0f * w->local[i];
                row[l * Cp + c] += g;
                if (l == 0) {
                    row[Cp + c] -= g;
                } else if (l == L - 1) {
                    row[(L - 2) * Cp + c] -= g;
                } else {
                    row[(l - 1) * Cp + c] -= 0.5f * g;
                    row[(l + 1) * Cp + c] -= 0.5f * g;
                }
            }
    }
}

/* One application of the shared feature mapping: h = phi(in W_e + b_e). */
static void feature_forward(mc_net_work *w, float *pre /* (B, D) */, float *h /* (B, D) */,
                            const float *in /* (B, n_in) */, const float *We, const float *be,
                            size_t n_in, size_t D, size_t B, mc_nn_activation act)
{
    w->gemm(false, false, B, D, n_in, 1.0f, in, n_in, We, D, 0.0f, pre, D);
    mc_add_bias(pre, be, B, D);
    mc_activation_forward(h, pre, B * D, act);
}

/* The embedding path's products over B*H rows, split so that each call's
   row count (or, transposed, its inner dimension) fits BLAS's int: rows of
   sample b and horizon k are b*H + k, H of them per sample. */
static size_t samples_per_call(size_t H) { return (size_t)INT_MAX / H; }

/* Masks from horizon embeddings: w->attn (B*H, D) = phi(h U + e_k) W2, the
   same pre-activations h W_a would give (bias added in heads_forward). */
static void embed_forward(mc_net_work *w, const float *params, const mc_net_layout *lay,
                          const mc_net_shape *s, size_t B)
{
    const size_t D = s->hidden, H = s->horizon, r = s->horizon_rank;
    const float *E = params + lay->offset[MC_T_HORIZON_E];
    const float *W2 = params + lay->offset[MC_T_HORIZON_W2];
    w->gemm(false, false, B, r, D, 1.0f, w->h, D, params + lay->offset[MC_T_HORIZON_U], r, 0.0f,
            w->emb_g, r);
    for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < H; k++) {
            float *u = w->emb_pre + (b * H + k) * r;
            const float *g = w->emb_g + b * r, *e = E + k * r;
            for (size_t j = 0; j < r; j++)
                u[j] = g[j] + e[j];
        }
    mc_activation_forward(w->emb, w->emb_pre, B * H * r, s->activation);
    for (size_t b0 = 0, per = samples_per_call(H); b0 < B; b0 += per) {
        const size_t rows = (B - b0 < per ? B - b0 : per) * H;
        w->gemm(false, false, rows, D, r, 1.0f, w->emb + b0 * H * r, r, W2, D, 0.0f,
                w->attn + b0 * H * D, D);
    }
}

/* sum of a_i h_i v_i in eight partial sums (vectorised, in a fixed order),
   each a_i h_i rounded to float first. */
static inline float dot3(const float *restrict a, const float *restrict h,
                         const float *restrict v, size_t n)
{
    float p[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; j++)
            p[j] += (a[i + j] * h[i + j]) * v[i + j];
    for (; i < n; i++)
        p[0] += (a[i] * h[i]) * v[i];
    return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

/* What the parts of the heads' passes share. */
typedef struct heads_job {
    mc_net_work *w;
    const mc_net_shape *s;
    const float *ba, *V, *dy; /* (H*D), (H*Q, D), (B, H*Q) */
    float *dV, *dba;          /* gradients, accumulated */
    size_t B;
} heads_job;

/* The per-horizon masks and heads for samples b0 .. b1-1, one (sample,
   horizon) row at a time while it is in cache: w->attn holds h W_a on entry
   and the masks a on return; y_kq = sum_d a_kd h_d V_kqd. */
MC_VECTOR_CLONES
static void heads_forward_rows(const heads_job *j, size_t b0, size_t b1)
{
    mc_net_work *w = j->w;
    const size_t D = j->s->hidden, H = j->s->horizon, Q = j->s->quantiles;
    for (size_t b = b0; b < b1; b++) {
        const float *h = w->h + b * D;
        for (size_t k = 0; k < H; k++) {
            float *a = w->attn + (b * H + k) * D;
            const float *bk = j->ba + k * D;
            for (size_t d = 0; d < D; d++)
                a[d] += bk[d];
            if (j->s->mask_kind == MC_NN_MASK_SOFTMAX)
                mc_mean_one_softmax_forward(a, a, 1, D);
            else
                mc_sigmoid_forward(a, a, D);
            for (size_t q = 0; q < Q; q++)
                w->y[(b * H + k) * Q + q] = dot3(a, h, j->V + (k * Q + q) * D, D);
        }
    }
}

static void heads_forward_part(void *ctx, size_t part, size_t parts)
{
    const heads_job *j = ctx;
    size_t b0, b1;
    mc_part_range(j->B, part, parts, &b0, &b1);
    heads_forward_rows(j, b0, b1);
}

/* What the parts of the anomaly mask's element-wise passes share. */
typedef struct mask_job {
    mc_net_work *w;
    const mc_net_shape *s;
    const float *params, *x; /* x: the network's input (B, n_in) */
    const mc_net_layout *lay;
    size_t B;
    size_t penalty_batch; /* the whole batch the closing penalty's mean is over */
} mask_job;

/* The anomaly mask from its product h0 W_m (in w->mask) for samples
   b0 .. b1-1: bias, local evidence, sigmoid, and the masked input. */
static void mask_forward_part(void *ctx, size_t part, size_t parts)
{
    const mask_job *j = ctx;
    const mc_net_shape *s = j->s;
    mc_net_work *w = j->w;
    const size_t np = mc_net_n_past(s), n_in = mc_net_n_input(s);
    size_t b0, b1;
    mc_part_range(j->B, part, parts, &b0, &b1);
    mc_add_bias(w->mask + b0 * np, j->params + j->lay->offset[MC_T_ANOMALY_B], b1 - b0, np);
    if (s->mask_local)
        local_forward(w, j->params + j->lay->offset[MC_T_ANOMALY_U], j->x, s, b0, b1);
    mc_sigmoid_forward(w->mask + b0 * np, w->mask + b0 * np, (b1 - b0) * np);
    for (size_t b = b0; b < b1; b++) {
        const float *xr = j->x + b * n_in, *mr = w->mask + b * np;
        float *out = w->x_masked + b * n_in;
        for (size_t i = 0; i < np; i++)
            out[i] = mr[i] * xr[i];
        memcpy(out + np, xr + np, (n_in - np) * sizeof *out);
    }
}

/* The forward pass over B samples on the calling thread (element-wise
   passes split in w->parts). */
static void forward_rows(mc_net_work *w, const float *params, const mc_net_layout *lay,
                         const mc_net_shape *s, const float *x, size_t B)
{
    const size_t D = s->hidden, L = s->lookback, Cp = s->past_channels;
    const size_t n_in = mc_net_n_input(s), np = mc_net_n_past(s);
    const size_t HD = s->horizon * D, HQ = mc_net_n_output(s);
    const float *We = params + lay->offset[MC_T_FEATURE_W], *be = params + lay->offset[MC_T_FEATURE_B];

    const float *input = x; /* what the second pass of the feature mapping sees */
    if (s->anomaly_mask) {
        feature_forward(w, w->pre0, w->h0, x, We, be, n_in, D, B, s->activation);
        w->gemm(false, false, B, np, D, 1.0f, w->h0, D, params + lay->offset[MC_T_ANOMALY_W], np,
                0.0f, w->mask, np);
        mask_job job = {w, s, params, x, lay, B, B};
        mc_parallel_run(mc_parallel_parts_for(w->parts, B * np), mask_forward_part, &job);
        input = w->x_masked;
    }
    feature_forward(w, w->pre, w->h, input, We, be, n_in, D, B, s->activation);

    const float *V = params + lay->offset[MC_T_HEAD_V];
    if (s->horizon_masks) {
        if (s->horizon_rank == 0)
            w->gemm(false, false, B, HD, D, 1.0f, w->h, D, params + lay->offset[MC_T_HORIZON_W],
                    HD, 0.0f, w->attn, HD);
        else
            embed_forward(w, params, lay, s, B);
        heads_job job = {w, s, params + lay->offset[MC_T_HORIZON_B], V, NULL, NULL, NULL, B};
        mc_parallel_run(mc_parallel_parts_for(w->parts, B * HD), heads_forward_part, &job);
    } else {
        /* Every horizon sees the same h: all heads in one product. */
        w->gemm(false, true, B, HQ, D, 1.0f, w->h, D, V, D, 0.0f, w->y, HQ);
    }
    mc_add_bias(w->y, params + lay->offset[MC_T_HEAD_C], B, HQ);

    if (s->skip) {
        for (size_t b = 0; b < B; b++)
            for (size_t l = 0; l < L; l++) {
                const float m = s->anomaly_mask ? w->mask[b * np + l * Cp] : 1.0f;
                w->skip_in[b * L + l] = m * x[b * n_in + l * Cp];
            }
        w->gemm(false, true, B, HQ, L, 1.0f, w->skip_in, L, params + lay->offset[MC_T_SKIP_S], L,
                1.0f, w->y, HQ);
    }
}

double mc_net_mask_penalty(const mc_net_work *w, const mc_net_shape *s, size_t B)
{
    if (!s->anomaly_mask || s->mask_penalty == 0.0f)
        return 0.0;
    const size_t n = B * mc_net_n_past(s);
    double closed = 0.0;
    for (size_t i = 0; i < n; i++)
        closed += 1.0 - (double)w->mask[i];
    return (double)s->mask_penalty * closed / (double)n;
}

/* The embedding path backwards, from w->dattn (the masks' pre-activation
   gradient): dW2 += phi^T dattn, through phi to h U + e_k, whose gradient
   sums over samples into dE and over horizons into d(h U); then dU and dh
   (accumulated). */
static void embed_backward(mc_net_work *w, float *grads, const float *params,
                           const mc_net_layout *lay, const mc_net_shape *s, size_t B)
{
    const size_t D = s->hidden, H = s->horizon, r = s->horizon_rank;
    const float *U = params + lay->offset[MC_T_HORIZON_U];
    const float *W2 = params + lay->offset[MC_T_HORIZON_W2];
    float *dE = grads + lay->offset[MC_T_HORIZON_E];
    for (size_t b0 = 0, per = samples_per_call(H); b0 < B; b0 += per) {
        const size_t rows = (B - b0 < per ? B - b0 : per) * H;
        const float *emb = w->emb + b0 * H * r, *dattn = w->dattn + b0 * H * D;
        w->gemm(true, false, r, D, rows, 1.0f, emb, r, dattn, D, 1.0f,
                grads + lay->offset[MC_T_HORIZON_W2], D);
        w->gemm(false, true, rows, r, D, 1.0f, dattn, D, W2, D, 0.0f, w->demb + b0 * H * r, r);
    }
    mc_activation_backward(w->demb, w->demb, w->emb_pre, B * H * r, s->activation);
    for (size_t b = 0; b < B; b++) {
        float *dg = w->demb_g + b * r;
        memset(dg, 0, r * sizeof *dg);
        for (size_t k = 0; k < H; k++) {
            const float *du = w->demb + (b * H + k) * r;
            float *de = dE + k * r;
            for (size_t j = 0; j < r; j++) {
                dg[j] += du[j];
                de[j] += du[j];
            }
        }
    }
    w->gemm(true, false, D, r, B, 1.0f, w->h, D, w->demb_g, r, 1.0f,
            grads + lay->offset[MC_T_HORIZON_U], r);
    w->gemm(false, true, B, D, r, 1.0f, w->demb_g, r, U, r, 1.0f, w->dh, D);
}

/* The mask's pre-activation gradient for samples b0 .. b1-1, into w->dmask:
   through x~ = m . P and through the skip's m . P_target, plus the closing
   penalty's, then through the sigmoid. */
static void mask_backward_part(void *ctx, size_t part, size_t parts)
{
    const mask_job *j = ctx;
    const mc_net_shape *s = j->s;
    mc_net_work *w = j->w;
    const float *x = j->x;
    const size_t L = s->lookback, Cp = s->past_channels, np = mc_net_n_past(s);
    const size_t n_in = mc_net_n_input(s);
    size_t b0, b1;
    mc_part_range(j->B, part, parts, &b0, &b1);
    for (size_t b = b0; b < b1; b++)
        for (size_t i = 0; i < np; i++)
            w->dmask[b * np + i] = w->dx_masked[b * n_in + i] * x[b * n_in + i];
    for (size_t b = b0; s->skip && b < b1; b++)
        for (size_t l = 0; l < L; l++)
            w->dmask[b * np + l * Cp] += w->dskip[b * L + l] * x[b * n_in + l * Cp];
    if (s->mask_penalty != 0.0f) { /* d/dm of penalty * mean(1 - m) */
        const float g = -s->mask_penalty / (float)(j->penalty_batch * np);
        for (size_t i = b0 * np; i < b1 * np; i++)
            w->dmask[i] += g;
    }
    mc_sigmoid_backward(w->dmask + b0 * np, w->dmask + b0 * np, w->mask + b0 * np, (b1 - b0) * np);
}

/* g = sum_q dy_kq V_kq for sample b and horizon k, into g (D). */
static inline void head_input_grad(float *restrict g, const heads_job *j, size_t b, size_t k)
{
    const size_t D = j->s->hidden, H = j->s->horizon, Q = j->s->quantiles;
    memset(g, 0, D * sizeof *g);
    for (size_t q = 0; q < Q; q++) {
        const float e = j->dy[(b * H + k) * Q + q];
        const float *vq = j->V + (k * Q + q) * D;
        for (size_t d = 0; d < D; d++)
            g[d] += e * vq[d];
    }
}

/* The heads and the mask backwards for sample b and horizon k, leaving
   g = dy_k V_k in g: dV_k += dy_k^T (a_k . h), and the mask's pre-activation
   gradient (g . h through the sigmoid or softmax) into w->dattn and dba_k. */
static inline void head_row_backward(const heads_job *j, float *g, size_t b, size_t k)
{
    mc_net_work *w = j->w;
    const size_t D = j->s->hidden, H = j->s->horizon, Q = j->s->quantiles;
    const float *h = w->h + b * D, *a = w->attn + (b * H + k) * D;
    float *da = w->dattn + (b * H + k) * D, *dbk = j->dba + k * D;
    head_input_grad(g, j, b, k);
    for (size_t q = 0; q < Q; q++) {
        const float e = j->dy[(b * H + k) * Q + q];
        float *dvq = j->dV + (k * Q + q) * D;
        for (size_t d = 0; d < D; d++)
            dvq[d] += e * (a[d] * h[d]);
    }
    for (size_t d = 0; d < D; d++)
        da[d] = g[d] * h[d];
    if (j->s->mask_kind == MC_NN_MASK_SOFTMAX)
        mc_mean_one_softmax_backward(da, da, a, 1, D);
    else
        mc_sigmoid_backward(da, da, a, D);
    for (size_t d = 0; d < D; d++)
        dbk[d] += da[d];
}

/* The heads and the masks backwards for horizons k0 .. k1-1: each horizon's
   gradients are its own, so horizons split without partial sums. */
MC_VECTOR_CLONES
static void heads_backward_horizons(const heads_job *j, float *g, size_t k0, size_t k1)
{
    for (size_t k = k0; k < k1; k++)
        for (size_t b = 0; b < j->B; b++)
            head_row_backward(j, g, b, k);
}

/* dh = sum_k g_k . a_k for samples b0 .. b1-1 (overwritten). With
   `fused`, each (sample, horizon) row also takes its heads' and mask's
   gradients (head_row_backward) while it is in cache: about 10% faster than
   the horizon pass and this one apart on one thread, but it cannot split
   without partial sums (dV and dba sum over samples), so it serves the
   single-part case over the whole batch. The same operations in the same
   order either way: the same bits. */
MC_VECTOR_CLONES
static void heads_backward_samples(const heads_job *j, float *g, size_t b0, size_t b1, bool fused)
{
    mc_net_work *w = j->w;
    const size_t D = j->s->hidden, H = j->s->horizon;
    for (size_t b = b0; b < b1; b++) {
        float *dh = w->dh + b * D;
        memset(dh, 0, D * sizeof *dh);
        for (size_t k = 0; k < H; k++) {
            const float *a = w->attn + (b * H + k) * D;
            if (fused)
                head_row_backward(j, g, b, k);
            else
                head_input_grad(g, j, b, k);
            for (size_t d = 0; d < D; d++)
                dh[d] += g[d] * a[d];
        }
    }
}

static void heads_backward_horizons_part(void *ctx, size_t part, size_t parts)
{
    const heads_job *j = ctx;
    size_t k0, k1;
    mc_part_range(j->s->horizon, part, parts, &k0, &k1);
    heads_backward_horizons(j, j->w->row + part * j->s->hidden, k0, k1);
}

static void heads_backward_samples_part(void *ctx, size_t part, size_t parts)
{
    const heads_job *j = ctx;
    size_t b0, b1;
    mc_part_range(j->B, part, parts, &b0, &b1);
    heads_backward_samples(j, j->w->row + part * j->s->hidden, b0, b1, false);
}

/* The heads and the horizon masks, backwards: from dy to dh (overwritten).
   With masks, by horizon (dV, the masks' gradients) and then by sample (dh)
   when split in parts, in one fused pass otherwise; then the products with
   W_a, or the embedding path. */
static void heads_backward(mc_net_work *w, float *grads, const float *params,
                           const mc_net_layout *lay, const mc_net_shape *s, const float *dy,
                           size_t B)
{
    const size_t D = s->hidden, Q = s->quantiles, H = s->horizon;
    const size_t HD = H * D, HQ = H * Q;
    const float *V = params + lay->offset[MC_T_HEAD_V];
    float *dV = grads + lay->offset[MC_T_HEAD_V];
    if (!s->horizon_masks) {
        w->gemm(true, false, HQ, D, B, 1.0f, dy, HQ, w->h, D, 1.0f, dV, D);
        w->gemm(false, false, B, D, HQ, 1.0f, dy, HQ, V, D, 0.0f, w->dh, D);
        return;
    }
    heads_job job = {w, s, NULL, V, dy, dV, grads + lay->offset[MC_T_HORIZON_B], B};
    const size_t parts = mc_parallel_parts_for(w->parts, B * HD);
    if (parts > 1) {
        mc_parallel_run(parts, heads_backward_horizons_part, &job);
        mc_parallel_run(parts, heads_backward_samples_part, &job);
    } else {
        heads_backward_samples(&job, w->row, 0, B, true);
    }
    if (s->horizon_rank == 0) { /* the one write of horizon.W's gradient: beta 0 */
        w->gemm(true, false, D, HD, B, 1.0f, w->h, D, w->dattn, HD, 0.0f,
                grads + lay->offset[MC_T_HORIZON_W], HD);
        w->gemm(false, true, B, D, HD, 1.0f, w->dattn, HD, params + lay->offset[MC_T_HORIZON_W],
                HD, 1.0f, w->dh, D);
    } else {
        embed_backward(w, grads, params, lay, s, B);
    }
}

/* The backward pass over B samples on the calling thread, of a batch of
   penalty_batch samples (the closing penalty is a mean over all of them). */
static void backward_rows(mc_net_work *w, float *grads, float *dx, const float *params,
                          const mc_net_layout *lay, const mc_net_shape *s, const float *x,
                          const float *dy, size_t B, size_t penalty_batch)
{
    const size_t D = s->hidden, L = s->lookback, Cp = s->past_channels;
    const size_t n_in = mc_net_n_input(s), np = mc_net_n_past(s), HQ = mc_net_n_output(s);
    const float *We = params + lay->offset[MC_T_FEATURE_W];
    float *dWe = grads + lay->offset[MC_T_FEATURE_W], *dbe = grads + lay->offset[MC_T_FEATURE_B];

    /* Every gradient below accumulates into zeros but horizon.W's, written
       by one product with beta 0: it is most of the block (H D^2 of about
       (H + 1) D^2 values), so most of the zeroing is saved. */
    const bool w_written = s->horizon_masks && s->horizon_rank == 0;
    for (int t = 0; t < MC_T_COUNT; t++)
        if (!(w_written && t == MC_T_HORIZON_W))
            memset(grads + lay->offset[t], 0, lay->rows[t] * lay->cols[t] * sizeof *grads);

    mc_bias_backward(grads + lay->offset[MC_T_HEAD_C], dy, B, HQ);
    if (s->skip) {
        const float *S = params + lay->offset[MC_T_SKIP_S];
        w->gemm(true, false, HQ, L, B, 1.0f, dy, HQ, w->skip_in, L, 1.0f,
                grads + lay->offset[MC_T_SKIP_S], L);
        w->gemm(false, false, B, L, HQ, 1.0f, dy, HQ, S, L, 0.0f, w->dskip, L);
    }
    heads_backward(w, grads, params, lay, s, dy, B);

    /* Second pass of the feature mapping. */
    const float *input = s->anomaly_mask ? w->x_masked : x;
    mc_activation_backward(w->dpre, w->dh, w->pre, B * D, s->activation);
    mc_bias_backward(dbe, w->dpre, B, D);
    w->gemm(true, false, n_in, D, B, 1.0f, input, n_in, w->dpre, D, 1.0f, dWe, D);
    const bool need_dxm = s->anomaly_mask || dx != NULL;
    if (need_dxm)
        w->gemm(false, true, B, n_in, D, 1.0f, w->dpre, D, We, D, 0.0f, w->dx_masked, n_in);

    if (!s->anomaly_mask) {
        if (dx != NULL) {
            memcpy(dx, w->dx_masked, B * n_in * sizeof *dx);
            for (size_t b = 0; s->skip && b < B; b++)
                for (size_t l = 0; l < L; l++)
                    dx[b * n_in + l * Cp] += w->dskip[b * L + l];
        }
        return;
    }

    mask_job job = {w, s, params, x, lay, B, penalty_batch};
    mc_parallel_run(mc_parallel_parts_for(w->parts, B * np), mask_backward_part, &job);
    if (s->mask_local) /* du now; the dx part once dx exists, below */
        local_backward_du(w, grads + lay->offset[MC_T_ANOMALY_U], s, B);
    mc_bias_backward(grads + lay->offset[MC_T_ANOMALY_B], w->dmask, B, np);
    w->gemm(true, false, D, np, B, 1.0f, w->h0, D, w->dmask, np, 1.0f,
            grads + lay->offset[MC_T_ANOMALY_W], np);
    w->gemm(false, true, B, D, np, 1.0f, w->dmask, np, params + lay->offset[MC_T_ANOMALY_W], np,
            0.0f, w->dh, D);

    /* First pass of the feature mapping. */
    mc_activation_backward(w->dpre, w->dh, w->pre0, B * D, s->activation);
    mc_bias_backward(dbe, w->dpre, B, D);
    w->gemm(true, false, n_in, D, B, 1.0f, x, n_in, w->dpre, D, 1.0f, dWe, D);
    if (dx == NULL)
        return;
    w->gemm(false, true, B, n_in, D, 1.0f, w->dpre, D, We, D, 0.0f, dx, n_in);
    for (size_t b = 0; b < B; b++) {
        float *d = dx + b * n_in;
        const float *dxm = w->dx_masked + b * n_in, *m = w->mask + b * np;
        for (size_t i = 0; i < np; i++)
            d[i] += m[i] * dxm[i];
        for (size_t i = np; i < n_in; i++)
            d[i] += dxm[i];
        for (size_t l = 0; s->skip && l < L; l++)
            d[l * Cp] += w->dskip[b * L + l] * m[l * Cp];
    }
    if (s->mask_local)
        local_backward_dx(w, dx, params + lay->offset[MC_T_ANOMALY_U], s, B);
}

/* ---- a batch split in slices, one thread each --------------------------- */

/* Rows b0 .. b0+n-1 of w as a workspace of its own, for slice `slice`: its
   own scratch row, its element-wise passes whole (the slices are the
   threads). */
static mc_net_work slice_view(const mc_net_work *w, const mc_net_shape *s, size_t slice,
                              size_t b0, size_t n)
{
    mc_net_work v = *w;
    work_buffer bufs[WORK_BUFFERS];
    work_buffers(&v, s, bufs);
    for (size_t i = 0; i < WORK_BUFFERS; i++)
        if (bufs[i].per_sample > 0)
            *bufs[i].p += b0 * bufs[i].per_sample;
    v.row = w->row + slice * s->hidden;
    v.capacity = n;
    v.parts = 1;
    v.slices = 1;
    return v;
}

/* How many slices a pass over `batch` samples is split into: w->slices when
   set, else mc_parallel_slices(); at most `most`. */
static size_t slices_for(const mc_net_work *w, size_t batch, size_t most)
{
    size_t n = w->slices ? w->slices : mc_parallel_slices(batch);
    if (n > batch)
        n = batch;
    if (n > MC_PARALLEL_MAX_PARTS)
        n = MC_PARALLEL_MAX_PARTS;
    return n < most ? n : most;
}

/* What the slices of a pass share. */
typedef struct slice_job {
    mc_net_work *w;
    float *grads, *dx;
    const float *params, *x, *dy;
    const mc_net_layout *lay;
    const mc_net_shape *s;
    size_t B;
} slice_job;

static void forward_slice(void *ctx, size_t slice, size_t slices)
{
    const slice_job *j = ctx;
    size_t b0, b1;
    mc_part_range(j->B, slice, slices, &b0, &b1);
    mc_net_work v = slice_view(j->w, j->s, slice, b0, b1 - b0);
    forward_rows(&v, j->params, j->lay, j->s, j->x + b0 * mc_net_n_input(j->s), b1 - b0);
}

void mc_net_forward(mc_net_work *w, const float *params, const mc_net_layout *lay,
                    const mc_net_shape *s, const float *x, size_t B)
{
    const size_t slices = slices_for(w, B, MC_PARALLEL_MAX_PARTS);
    if (slices <= 1) {
        forward_rows(w, params, lay, s, x, B);
        return;
    }
    slice_job job = {w, NULL, NULL, params, x, NULL, lay, s, B};
    mc_parallel_run(slices, forward_slice, &job);
}

/* Slice 0's gradients go to the caller's block, the others' to w's. */
static float *slice_grads(const slice_job *j, size_t slice)
{
    return slice == 0 ? j->grads : j->w->slice_grads + (slice - 1) * j->lay->total;
}

static void backward_slice(void *ctx, size_t slice, size_t slices)
{
    const slice_job *j = ctx;
    const size_t n_in = mc_net_n_input(j->s), HQ = mc_net_n_output(j->s);
    size_t b0, b1;
    mc_part_range(j->B, slice, slices, &b0, &b1);
    mc_net_work v = slice_view(j->w, j->s, slice, b0, b1 - b0);
    backward_rows(&v, slice_grads(j, slice), j->dx ? j->dx + b0 * n_in : NULL, j->params, j->lay,
                  j->s, j->x + b0 * n_in, j->dy + b0 * HQ, b1 - b0, j->B);
}

/* What the parts of the slices' gradient sum share. */
typedef struct sum_job {
    const slice_job *j;
    size_t slices;
} sum_job;

/* grads += each other slice's block, in slice order, over part `part` of
   the elements. */
static void sum_part(void *ctx, size_t part, size_t parts)
{
    const sum_job *sj = ctx;
    float *g = sj->j->grads;
    size_t e0, e1;
    mc_part_range(sj->j->lay->total, part, parts, &e0, &e1);
    for (size_t i = 1; i < sj->slices; i++) {
        const float *gi = slice_grads(sj->j, i);
        for (size_t e = e0; e < e1; e++)
            g[e] += gi[e];
    }
}

void mc_net_backward(mc_net_work *w, float *grads, float *dx, const float *params,
                     const mc_net_layout *lay, const mc_net_shape *s, const float *x,
                     const float *dy, size_t B)
{
    const size_t blocks = lay->total == w->slice_block ? w->slice_blocks : 0;
    const size_t slices = slices_for(w, B, 1 + blocks);
    if (slices <= 1) {
        backward_rows(w, grads, dx, params, lay, s, x, dy, B, B);
        return;
    }
    slice_job job = {w, grads, dx, params, x, dy, lay, s, B};
    mc_parallel_run(slices, backward_slice, &job);
    sum_job sum = {&job, slices};
    mc_parallel_run(mc_parallel_parts_for(w->parts, lay->total), sum_part, &sum);
}
