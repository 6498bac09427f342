/* The network's workspace: every block's activations and backward scratch,
   allocated once for up to `capacity` samples. */
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "nn/blocks.h"
#include "nn/net_internal.h"
#include "nn/parallel.h"

/* The workspace's per-sample buffers and how many floats each holds per
   sample (0 when the shape has no use for it); every one is rows of samples,
   so rows b0 .. b0+n-1 of all of them form a workspace for n samples. */
typedef struct work_buffer {
    float **p;
    size_t per_sample;
} work_buffer;

enum { NET_BUFFERS = 26, WORK_BUFFERS = NET_BUFFERS + MC_TATTN_WORK_BUFFERS };

/* Indices a top-k of k out of n needs (nn/topk.h): none for k = 0 or k >= n. */
static size_t topk_indices(size_t k, size_t n) { return k < n ? k : 0; }

/* The most indices a top-k row of this shape needs. */
static size_t topk_width(const mc_net_shape *s)
{
    const size_t a = s->horizon_masks ? topk_indices(s->mask_topk, s->hidden) : 0;
    const size_t m = s->anomaly_mask ? topk_indices(s->anomaly_topk, mc_net_n_past(s)) : 0;
    return a > m ? a : m;
}

static void work_buffers(mc_net_work *w, const mc_net_shape *s, work_buffer out[WORK_BUFFERS])
{
    const size_t D = s->hidden, n_in = mc_net_n_input(s), np = mc_net_n_past(s);
    const size_t HD = s->horizon * D, HQ = mc_net_n_output(s), L = s->lookback;
    const size_t r = s->horizon_masks ? s->horizon_rank : 0, Hr = s->horizon * r;
    /* the soft masks, kept beside the hard ones for the backward pass */
    const size_t soft_HD = s->horizon_masks && s->mask_topk > 0 ? HD : 0;
    const size_t soft_np = s->anomaly_mask && s->anomaly_topk > 0 ? np : 0;
    /* In the order they were always allocated in. */
    const work_buffer bufs[NET_BUFFERS] = {
        /* horizon embeddings */
        {&w->emb_g, r}, {&w->emb_pre, Hr}, {&w->emb, Hr}, {&w->demb, Hr}, {&w->demb_g, r},
        /* feature mapping and anomaly mask */
        {&w->x_masked, n_in}, {&w->pre0, D}, {&w->h0, D}, {&w->mask, np}, {&w->local, np},
        {&w->pre, D}, {&w->h, D},
        /* horizon masks and heads, skip, the outputs */
        {&w->attn, HD}, {&w->skip_in, L}, {&w->y, HQ},
        /* backward scratch */
        {&w->dattn, HD}, {&w->dh, D}, {&w->dpre, D}, {&w->dx_masked, n_in}, {&w->dmask, np},
        {&w->dskip, L},
        /* hard masks */
        {&w->attn_soft, soft_HD}, {&w->mask_soft, soft_np},
        /* the future term's basis */
        {&w->terms, s->horizon * mc_net_n_terms(s)},
        /* the blend */
        {&w->y_net, s->blend ? HQ : 0}, {&w->dy_net, s->blend ? HQ : 0}};
    memcpy(out, bufs, sizeof bufs);
    /* temporal attention: the kernel's buffers, forward and backward */
    const bool temporal = s->temporal != MC_NN_TEMPORAL_NONE;
    const mc_tattn_shape ts = mc_temporal_shape(s);
    for (size_t i = 0; i < MC_TATTN_WORK_BUFFERS; i++) {
        const size_t n = mc_tattn_work_buffer(&w->tattn, &ts, i, &out[NET_BUFFERS + i].p, NULL);
        out[NET_BUFFERS + i].per_sample = temporal ? n : 0;
    }
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
    w->topk_width = topk_width(s);
    w->topk = mc_realloc_array(NULL, MC_PARALLEL_MAX_PARTS, w->topk_width * sizeof(size_t));
    if (w->row == NULL || w->topk == NULL) {
        mc_net_work_free(w);
        return mc_error_nomem(err, "allocating the network's workspace");
    }
    w->capacity = capacity;
    w->bytes = bytes + MC_PARALLEL_MAX_PARTS * s->hidden * sizeof(float) +
               MC_PARALLEL_MAX_PARTS * w->topk_width * sizeof(size_t);
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
    work_buffer bufs[WORK_BUFFERS];
    work_buffers(w, &(mc_net_shape){0}, bufs);
    for (size_t i = 0; i < WORK_BUFFERS; i++)
        free(*bufs[i].p);
    free(w->row);
    free(w->topk);
    free(w->slice_grads);
    memset(w, 0, sizeof *w);
}

mc_net_work mc_net_work_rows(const mc_net_work *w, const mc_net_shape *s, size_t b0, size_t n)
{
    mc_net_work v = *w;
    work_buffer bufs[WORK_BUFFERS];
    work_buffers(&v, s, bufs);
    for (size_t i = 0; i < WORK_BUFFERS; i++)
        if (bufs[i].per_sample > 0)
            *bufs[i].p += b0 * bufs[i].per_sample;
    v.capacity = n;
    return v;
}
