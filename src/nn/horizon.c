/*
 * The per-horizon masks and the heads, one block: a_k = sigmoid(h W_a,k +
 * b_a,k) (or D softmax), y_kq = (a_k . h) . V_kq + c_kq. The masks' products
 * h W_a come from the full W_a or from the horizon embeddings,
 * phi(h U + e_k) W2 (net.h). Each (sample, horizon) row is masked and read by
 * its heads while in cache, forward and backward. Without masks (a = 1)
 * every horizon sees the same h: all heads are one product.
 *
 * Hard masks (mask_topk = k > 0): each row keeps its k largest weights
 * (nn/topk.h), the soft ones kept aside for the backward pass, which is
 * straight-through: the gradient of the hard weights is the soft weights'
 * (topk.h's backward is the identity, so it is not called), and only the
 * sigmoid's or softmax's derivative reads the soft weights.
 */
#include <limits.h>
#include <string.h>

#include "nn/activation.h"
#include "nn/blocks.h"
#include "nn/parallel.h"
#include "nn/topk.h"
#include "nn/vectorize.h"

/* ---- the horizon embeddings -------------------------------------------------- */

/* The embedding path's products over B*H rows, split so that each call's
   row count (or, transposed, its inner dimension) fits BLAS's int: rows of
   sample b and horizon k are b*H + k, H of them per sample. */
static size_t samples_per_call(size_t H) { return (size_t)INT_MAX / H; }

/* Masks from horizon embeddings: attn (B*H, D) = phi(h U + e_k) W2, the same
   pre-activations h W_a would give (bias added in heads_forward_rows). */
static void embed_forward(float *attn /* (B, H*D) */, float *emb_g /* (B, r) */,
                          float *emb_pre /* (B*H, r) */, float *emb /* (B*H, r) */,
                          const float *h /* (B, D) */, const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t B = p->B, D = s->hidden, H = s->horizon, r = s->horizon_rank;
    const float *E = mc_block_param(p, MC_T_HORIZON_E);   /* (H, r) */
    const float *W2 = mc_block_param(p, MC_T_HORIZON_W2); /* (r, D) */
    p->gemm(false, false, B, r, D, 1.0f, h, D, mc_block_param(p, MC_T_HORIZON_U), r, 0.0f, emb_g,
            r);
    for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < H; k++) {
            float *u = emb_pre + (b * H + k) * r;
            const float *g = emb_g + b * r, *e = E + k * r;
            for (size_t j = 0; j < r; j++)
                u[j] = g[j] + e[j];
        }
    mc_activation_forward(emb, emb_pre, B * H * r, s->activation);
    for (size_t b0 = 0, per = samples_per_call(H); b0 < B; b0 += per) {
        const size_t rows = (B - b0 < per ? B - b0 : per) * H;
        p->gemm(false, false, rows, D, r, 1.0f, emb + b0 * H * r, r, W2, D, 0.0f, attn + b0 * H * D,
                D);
    }
}

/* The embedding path backwards, from dattn (the masks' pre-activation
   gradient): dW2 += phi^T dattn, through phi to h U + e_k, whose gradient
   sums over samples into dE and over horizons into d(h U); then dU and dh
   (accumulated). */
static void embed_backward(float *dh /* (B, D) += */, float *demb /* (B*H, r) */,
                           float *demb_g /* (B, r) */, const float *dattn /* (B, H*D) */,
                           const float *emb_pre /* (B*H, r) */, const float *emb /* (B*H, r) */,
                           const float *h /* (B, D) */, const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t B = p->B, D = s->hidden, H = s->horizon, r = s->horizon_rank;
    const float *U = mc_block_param(p, MC_T_HORIZON_U);   /* (D, r) */
    const float *W2 = mc_block_param(p, MC_T_HORIZON_W2); /* (r, D) */
    float *dE = mc_block_grad(p, MC_T_HORIZON_E);         /* (H, r) */
    for (size_t b0 = 0, per = samples_per_call(H); b0 < B; b0 += per) {
        const size_t rows = (B - b0 < per ? B - b0 : per) * H;
        const float *e = emb + b0 * H * r, *da = dattn + b0 * H * D;
        p->gemm(true, false, r, D, rows, 1.0f, e, r, da, D, 1.0f,
                mc_block_grad(p, MC_T_HORIZON_W2), D);
        p->gemm(false, true, rows, r, D, 1.0f, da, D, W2, D, 0.0f, demb + b0 * H * r, r);
    }
    mc_activation_backward(demb, demb, emb_pre, B * H * r, s->activation);
    for (size_t b = 0; b < B; b++) {
        float *dg = demb_g + b * r;
        memset(dg, 0, r * sizeof *dg);
        for (size_t k = 0; k < H; k++) {
            const float *du = demb + (b * H + k) * r;
            float *de = dE + k * r;
            for (size_t j = 0; j < r; j++) {
                dg[j] += du[j];
                de[j] += du[j];
            }
        }
    }
    p->gemm(true, false, D, r, B, 1.0f, h, D, demb_g, r, 1.0f, mc_block_grad(p, MC_T_HORIZON_U), r);
    p->gemm(false, true, B, D, r, 1.0f, demb_g, r, U, r, 1.0f, dh, D);
}

/* ---- the masks and heads, row by row ------------------------------------------ */

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

/* Indices the top-k of a mask row needs (0: no top-k, or k >= D keeps all). */
static size_t topk_indices(const mc_net_shape *s)
{
    return s->mask_topk < s->hidden ? s->mask_topk : 0;
}

/* What the parts of the heads' passes share. */
typedef struct heads_job {
    const mc_net_shape *s;
    float *y;          /* (B, H*Q), forward */
    float *attn_out;   /* (B, H*D), forward: h W_a on entry, the masks a on return */
    float *soft_out;   /* (B, H*D), forward with top-k: the masks before it */
    size_t *topk;      /* (parts, topk_indices) scratch, forward with top-k */
    const float *attn; /* (B, H*D) a, backward */
    const float *soft; /* (B, H*D) a before the top-k (attn without it), backward */
    float *dattn;      /* (B, H*D), backward */
    float *dh;         /* (B, D), backward */
    float *row;        /* (parts, D) each part's g = dy_k V_k, backward */
    const float *h;    /* (B, D) */
    const float *ba;   /* (H*D), forward */
    const float *V;    /* (H*Q, D) */
    const float *dy;   /* (B, H*Q), backward */
    float *dV, *dba;   /* (H*Q, D), (H*D): gradients, accumulated */
    size_t B;
} heads_job;

/* The per-horizon masks and heads for samples b0 .. b1-1, one (sample,
   horizon) row at a time while it is in cache: y_kq = sum_d a_kd h_d V_kqd.
   With top-k, the soft mask goes to soft_out and its top k to a. */
MC_VECTOR_CLONES
static void heads_forward_rows(const heads_job *j, size_t *topk, size_t b0, size_t b1)
{
    const size_t D = j->s->hidden, H = j->s->horizon, Q = j->s->quantiles, kk = j->s->mask_topk;
    for (size_t b = b0; b < b1; b++) {
        const float *h = j->h + b * D;
        for (size_t k = 0; k < H; k++) {
            float *a = j->attn_out + (b * H + k) * D;
            float *soft = kk > 0 ? j->soft_out + (b * H + k) * D : a;
            const float *bk = j->ba + k * D;
            for (size_t d = 0; d < D; d++)
                a[d] += bk[d];
            if (j->s->mask_kind == MC_NN_MASK_SOFTMAX)
                mc_mean_one_softmax_forward(soft, a, 1, D);
            else
                mc_sigmoid_forward(soft, a, D);
            if (kk > 0)
                mc_topk_forward(a, topk, soft, 1, D, kk);
            for (size_t q = 0; q < Q; q++)
                j->y[(b * H + k) * Q + q] = dot3(a, h, j->V + (k * Q + q) * D, D);
        }
    }
}

static void heads_forward_part(void *ctx, size_t part, size_t parts)
{
    const heads_job *j = ctx;
    size_t b0, b1;
    mc_part_range(j->B, part, parts, &b0, &b1);
    heads_forward_rows(j, j->topk + part * topk_indices(j->s), b0, b1);
}

void mc_horizon_forward(float *y /* (B, H*Q) */, float *attn /* (B, H*D) */,
                        float *attn_soft /* (B, H*D) */, float *emb_g /* (B, r) */,
                        float *emb_pre /* (B*H, r) */, float *emb /* (B*H, r) */,
                        size_t *topk /* (MC_PARALLEL_MAX_PARTS, >= topk_indices) */,
                        const float *h /* (B, D) */, const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t B = p->B, D = s->hidden, HD = s->horizon * D, HQ = mc_net_n_output(s);
    const float *V = mc_block_param(p, MC_T_HEAD_V); /* (H*Q, D) */
    if (s->horizon_masks) {
        if (s->horizon_rank == 0)
            p->gemm(false, false, B, HD, D, 1.0f, h, D, mc_block_param(p, MC_T_HORIZON_W), HD,
                    0.0f, attn, HD);
        else
            embed_forward(attn, emb_g, emb_pre, emb, h, p);
        heads_job job = {.s = s, .y = y, .attn_out = attn, .soft_out = attn_soft, .topk = topk,
                         .h = h, .ba = mc_block_param(p, MC_T_HORIZON_B), .V = V, .B = B};
        mc_parallel_run(mc_parallel_parts_for(p->parts, B * HD), heads_forward_part, &job);
    } else {
        p->gemm(false, true, B, HQ, D, 1.0f, h, D, V, D, 0.0f, y, HQ);
    }
    mc_add_bias(y, mc_block_param(p, MC_T_HEAD_C), B, HQ);
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
   gradient (g . h, the applied weights' and, straight through, the soft
   ones', through the sigmoid or softmax) into dattn and dba_k. */
static inline void head_row_backward(const heads_job *j, float *g, size_t b, size_t k)
{
    const size_t D = j->s->hidden, H = j->s->horizon, Q = j->s->quantiles;
    const float *h = j->h + b * D, *a = j->attn + (b * H + k) * D;
    const float *soft = j->soft + (b * H + k) * D;
    float *da = j->dattn + (b * H + k) * D, *dbk = j->dba + k * D;
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
        mc_mean_one_softmax_backward(da, da, soft, 1, D);
    else
        mc_sigmoid_backward(da, da, soft, D);
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
    const size_t D = j->s->hidden, H = j->s->horizon;
    for (size_t b = b0; b < b1; b++) {
        float *dh = j->dh + b * D;
        memset(dh, 0, D * sizeof *dh);
        for (size_t k = 0; k < H; k++) {
            const float *a = j->attn + (b * H + k) * D;
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
    heads_backward_horizons(j, j->row + part * j->s->hidden, k0, k1);
}

static void heads_backward_samples_part(void *ctx, size_t part, size_t parts)
{
    const heads_job *j = ctx;
    size_t b0, b1;
    mc_part_range(j->B, part, parts, &b0, &b1);
    heads_backward_samples(j, j->row + part * j->s->hidden, b0, b1, false);
}

/* With masks, by horizon (dV, the masks' gradients) and then by sample (dh)
   when split in parts, in one fused pass otherwise; then the products with
   W_a, or the embedding path. */
void mc_horizon_backward(float *dh /* (B, D) */, float *dattn /* (B, H*D) */,
                         float *demb /* (B*H, r) */, float *demb_g /* (B, r) */,
                         float *row /* (MC_PARALLEL_MAX_PARTS, D) */,
                         const float *attn /* (B, H*D) */, const float *attn_soft /* (B, H*D) */,
                         const float *emb_pre /* (B*H, r) */, const float *emb /* (B*H, r) */,
                         const float *h /* (B, D) */, const float *dy /* (B, H*Q) */,
                         const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t B = p->B, D = s->hidden, HD = s->horizon * D, HQ = mc_net_n_output(s);
    const float *V = mc_block_param(p, MC_T_HEAD_V); /* (H*Q, D) */
    float *dV = mc_block_grad(p, MC_T_HEAD_V);       /* (H*Q, D) */
    mc_bias_backward(mc_block_grad(p, MC_T_HEAD_C), dy, B, HQ);
    if (!s->horizon_masks) {
        p->gemm(true, false, HQ, D, B, 1.0f, dy, HQ, h, D, 1.0f, dV, D);
        p->gemm(false, false, B, D, HQ, 1.0f, dy, HQ, V, D, 0.0f, dh, D);
        return;
    }
    heads_job job = {.s = s, .attn = attn, .soft = s->mask_topk > 0 ? attn_soft : attn,
                     .dattn = dattn, .dh = dh, .row = row, .h = h, .V = V, .dy = dy, .dV = dV,
                     .dba = mc_block_grad(p, MC_T_HORIZON_B), .B = B};
    const size_t parts = mc_parallel_parts_for(p->parts, B * HD);
    if (parts > 1) {
        mc_parallel_run(parts, heads_backward_horizons_part, &job);
        mc_parallel_run(parts, heads_backward_samples_part, &job);
    } else {
        heads_backward_samples(&job, row, 0, B, true);
    }
    if (s->horizon_rank == 0) { /* the one write of horizon.W's gradient: beta 0 */
        p->gemm(true, false, D, HD, B, 1.0f, h, D, dattn, HD, 0.0f,
                mc_block_grad(p, MC_T_HORIZON_W), HD);
        p->gemm(false, true, B, D, HD, 1.0f, dattn, HD, mc_block_param(p, MC_T_HORIZON_W), HD,
                1.0f, dh, D);
    } else {
        embed_backward(dh, demb, demb_g, dattn, emb_pre, emb, h, p);
    }
}
