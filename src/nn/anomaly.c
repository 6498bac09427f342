/*
 * The anomaly mask: one weight per past value, m = sigmoid(h0 W_m + b_m),
 * and x~ = [m . P ; O ; F] for the feature mapping's second pass. With
 * local evidence each value's pre-activation also gains u_c d^2, d the value
 * minus the mean of its neighbours in the same channel (net.h). Closing the
 * mask costs mask_penalty * mean(1 - m).
 *
 * A hard mask (anomaly_topk = k > 0) keeps each window's k largest weights
 * (nn/topk.h); x~ and the skip read it, the closing penalty and the
 * sigmoid's derivative read the soft mask, and the gradient passes from the
 * hard weights to the soft ones unchanged (straight-through: topk.h's
 * backward is the identity, so it is not called).
 */
#include <string.h>

#include "nn/activation.h"
#include "nn/blocks.h"
#include "nn/parallel.h"
#include "nn/topk.h"

/* d = x - the mean of its neighbours in the same channel (the one neighbour
   at the ends of the window; 0 for a one-step window). */
static float local_deviation(const float *x /* (n_in) */, size_t l, size_t c, size_t L, size_t Cp)
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

/* Indices the top-k of a window's mask needs (0: no top-k, or k >= L*Cp
   keeps all). */
static size_t topk_indices(const mc_net_shape *s)
{
    return s->anomaly_topk < mc_net_n_past(s) ? s->anomaly_topk : 0;
}

/* The mask the sigmoid computed: the soft one when a top-k follows. */
static const float *soft_of(const float *mask, const float *mask_soft, const mc_net_shape *s)
{
    return s->anomaly_topk > 0 ? mask_soft : mask;
}

/* What the parts of the mask's element-wise passes share. */
typedef struct mask_job {
    float *x_masked;             /* (B, n_in), forward */
    float *mask_out, *local_out; /* (B, L*Cp), forward */
    float *soft_out;             /* (B, L*Cp), forward with top-k */
    size_t *topk;                /* (parts, topk_indices) scratch, forward with top-k */
    float *dmask;                /* (B, L*Cp), backward */
    const float *soft;           /* (B, L*Cp) m before the top-k (m without it), backward */
    const float *x;              /* (B, n_in) */
    const float *dx_masked;      /* (B, n_in), backward */
    const float *dskip;          /* (B, L) or NULL, backward */
    const mc_block_pass *p;
} mask_job;

/* The mask's pre-activations gain u_c * d^2 for each past value, in rows
   b0 .. b1-1. */
static void local_forward(const mask_job *j, const float *u /* (Cp) */, size_t b0, size_t b1)
{
    const mc_net_shape *s = j->p->s;
    const size_t L = s->lookback, Cp = s->past_channels, np = L * Cp, n_in = mc_net_n_input(s);
    float *local = j->local_out, *mask = j->mask_out; /* (B, L*Cp) */
    const float *x = j->x;                              /* (B, n_in) */
    for (size_t b = b0; b < b1; b++)
        for (size_t l = 0; l < L; l++)
            for (size_t c = 0; c < Cp; c++) {
                const float d = local_deviation(x + b * n_in, l, c, L, Cp);
                local[b * np + l * Cp + c] = d;
                mask[b * np + l * Cp + c] += u[c] * d * d;
            }
}

/* The mask from its product h0 W_m (in j->mask_out) for samples b0 .. b1-1:
   bias, local evidence, sigmoid (into soft_out with top-k), the top-k, and
   the masked input. */
static void mask_forward_part(void *ctx, size_t part, size_t parts)
{
    const mask_job *j = ctx;
    const mc_net_shape *s = j->p->s;
    const size_t np = mc_net_n_past(s), n_in = mc_net_n_input(s);
    size_t b0, b1;
    mc_part_range(j->p->B, part, parts, &b0, &b1);
    float *mask = j->mask_out;
    mc_add_bias(mask + b0 * np, mc_block_param(j->p, MC_T_ANOMALY_B), b1 - b0, np);
    if (s->mask_local)
        local_forward(j, mc_block_param(j->p, MC_T_ANOMALY_U), b0, b1);
    if (s->anomaly_topk > 0) {
        float *soft = j->soft_out + b0 * np;
        mc_sigmoid_forward(soft, mask + b0 * np, (b1 - b0) * np);
        mc_topk_forward(mask + b0 * np, j->topk + part * topk_indices(s), soft, b1 - b0, np,
                        s->anomaly_topk);
    } else {
        mc_sigmoid_forward(mask + b0 * np, mask + b0 * np, (b1 - b0) * np);
    }
    for (size_t b = b0; b < b1; b++) {
        const float *xr = j->x + b * n_in, *mr = mask + b * np;
        float *out = j->x_masked + b * n_in;
        for (size_t i = 0; i < np; i++)
            out[i] = mr[i] * xr[i];
        memcpy(out + np, xr + np, (n_in - np) * sizeof *out);
    }
}

void mc_anomaly_forward(float *x_masked /* (B, n_in) */, float *mask /* (B, L*Cp) */,
                        float *mask_soft /* (B, L*Cp) */, float *local /* (B, L*Cp) */,
                        size_t *topk /* (MC_PARALLEL_MAX_PARTS, >= topk_indices) */,
                        const float *h0 /* (B, D) */, const float *x /* (B, n_in) */,
                        const mc_block_pass *p)
{
    const size_t B = p->B, D = p->s->hidden, np = mc_net_n_past(p->s);
    p->gemm(false, false, B, np, D, 1.0f, h0, D, mc_block_param(p, MC_T_ANOMALY_W), np, 0.0f,
            mask, np);
    mask_job job = {.x_masked = x_masked, .mask_out = mask, .local_out = local,
                    .soft_out = mask_soft, .topk = topk, .x = x, .p = p};
    mc_parallel_run(mc_parallel_parts_for(p->parts, B * np), mask_forward_part, &job);
}

double mc_anomaly_penalty(const float *mask /* (B, L*Cp) */,
                          const float *mask_soft /* (B, L*Cp) */, const mc_net_shape *s, size_t B)
{
    if (!s->anomaly_mask || s->mask_penalty == 0.0f)
        return 0.0;
    mask = soft_of(mask, mask_soft, s);
    const size_t n = B * mc_net_n_past(s);
    double closed = 0.0;
    for (size_t i = 0; i < n; i++)
        closed += 1.0 - (double)mask[i];
    return (double)s->mask_penalty * closed / (double)n;
}

/* The mask's pre-activation gradient for samples b0 .. b1-1, into j->dmask:
   through x~ = m . P and through the skip's m . P_target (the hard m's
   gradient, and straight through the soft m's), plus the closing penalty's,
   then through the sigmoid at the soft m. */
static void mask_backward_part(void *ctx, size_t part, size_t parts)
{
    const mask_job *j = ctx;
    const mc_net_shape *s = j->p->s;
    const float *x = j->x;
    float *dmask = j->dmask;
    const size_t L = s->lookback, Cp = s->past_channels, np = mc_net_n_past(s);
    const size_t n_in = mc_net_n_input(s);
    size_t b0, b1;
    mc_part_range(j->p->B, part, parts, &b0, &b1);
    for (size_t b = b0; b < b1; b++)
        for (size_t i = 0; i < np; i++)
            dmask[b * np + i] = j->dx_masked[b * n_in + i] * x[b * n_in + i];
    for (size_t b = b0; j->dskip != NULL && b < b1; b++)
        for (size_t l = 0; l < L; l++)
            dmask[b * np + l * Cp] += j->dskip[b * L + l] * x[b * n_in + l * Cp];
    if (s->mask_penalty != 0.0f) { /* d/dm of penalty * mean(1 - m) */
        const float g = -s->mask_penalty / (float)(j->p->batch * np);
        for (size_t i = b0 * np; i < b1 * np; i++)
            dmask[i] += g;
    }
    mc_sigmoid_backward(dmask + b0 * np, dmask + b0 * np, j->soft + b0 * np, (b1 - b0) * np);
}

void mc_anomaly_backward(float *dh0 /* (B, D) */, float *dmask /* (B, L*Cp) */,
                         const float *mask /* (B, L*Cp) */, const float *mask_soft /* (B, L*Cp) */,
                         const float *local /* (B, L*Cp) */,
                         const float *h0 /* (B, D) */, const float *x /* (B, n_in) */,
                         const float *dx_masked /* (B, n_in) */,
                         const float *dskip /* (B, L) or NULL */, const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t B = p->B, D = s->hidden, Cp = s->past_channels, np = mc_net_n_past(s);
    mask_job job = {.dmask = dmask, .soft = soft_of(mask, mask_soft, s), .x = x,
                    .dx_masked = dx_masked, .dskip = dskip, .p = p};
    mc_parallel_run(mc_parallel_parts_for(p->parts, B * np), mask_backward_part, &job);
    if (s->mask_local) { /* du_c += sum of dpm * d^2 over the batch */
        float *du = mc_block_grad(p, MC_T_ANOMALY_U); /* (Cp) */
        for (size_t i = 0; i < B * np; i++)
            du[i % Cp] += dmask[i] * local[i] * local[i];
    }
    mc_bias_backward(mc_block_grad(p, MC_T_ANOMALY_B), dmask, B, np);
    p->gemm(true, false, D, np, B, 1.0f, h0, D, dmask, np, 1.0f, mc_block_grad(p, MC_T_ANOMALY_W),
            np);
    p->gemm(false, true, B, D, np, 1.0f, dmask, np, mc_block_param(p, MC_T_ANOMALY_W), np, 0.0f,
            dh0, D);
}

/* dx gains dpm * u_c * d(d^2)/dx: 2d at the value, -2d shared by its neighbours. */
static void local_backward_dx(float *dx /* (B, n_in) */, const float *dmask /* (B, L*Cp) */,
                              const float *local /* (B, L*Cp) */, const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t L = s->lookback, Cp = s->past_channels, np = L * Cp, n_in = mc_net_n_input(s);
    const float *u = mc_block_param(p, MC_T_ANOMALY_U); /* (Cp) */
    if (L < 2)
        return;
    for (size_t b = 0; b < p->B; b++) {
        float *row = dx + b * n_in;
        for (size_t l = 0; l < L; l++)
            for (size_t c = 0; c < Cp; c++) {
                const size_t i = b * np + l * Cp + c;
                const float g = dmask[i] * u[c] * 2.0f * local[i];
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

void mc_anomaly_backward_input(float *dx /* (B, n_in) */, const float *mask /* (B, L*Cp) */,
                               const float *local /* (B, L*Cp) */,
                               const float *dmask /* (B, L*Cp) */,
                               const float *dx_masked /* (B, n_in) */,
                               const float *dskip /* (B, L) or NULL */, const mc_block_pass *p)
{
    const mc_net_shape *s = p->s;
    const size_t L = s->lookback, Cp = s->past_channels, np = mc_net_n_past(s);
    const size_t n_in = mc_net_n_input(s);
    for (size_t b = 0; b < p->B; b++) {
        float *d = dx + b * n_in;
        const float *dxm = dx_masked + b * n_in, *m = mask + b * np;
        for (size_t i = 0; i < np; i++)
            d[i] += m[i] * dxm[i];
        for (size_t i = np; i < n_in; i++)
            d[i] += dxm[i];
        for (size_t l = 0; dskip != NULL && l < L; l++)
            d[l * Cp] += dskip[b * L + l] * m[l * Cp];
    }
    if (s->mask_local)
        local_backward_dx(dx, dmask, local, p);
}
