/*
 * A batch's passes: whole on the calling thread, or split in slices of
 * samples, one thread each (nn/parallel.h), each slice's parameter
 * gradients in a block of its own, then summed into the caller's block in
 * slice order, so the result depends on the slice count only. The sum is
 * where gradients from other processes (an allreduce) would join.
 */
#include "nn/net_internal.h"
#include "nn/parallel.h"

/* Rows b0 .. b0+n-1 of w as a workspace of its own, for slice `slice`: its
   own scratch row, its element-wise passes whole (the slices are the
   threads). */
static mc_net_work slice_view(const mc_net_work *w, const mc_net_shape *s, size_t slice,
                              size_t b0, size_t n)
{
    mc_net_work v = mc_net_work_rows(w, s, b0, n);
    v.row = w->row + slice * s->hidden;
    v.topk = w->topk + slice * w->topk_width;
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
    size_t batch; /* the whole batch B is a share of (the closing penalty's mean) */
} slice_job;

static void forward_slice(void *ctx, size_t slice, size_t slices)
{
    const slice_job *j = ctx;
    size_t b0, b1;
    mc_part_range(j->B, slice, slices, &b0, &b1);
    mc_net_work v = slice_view(j->w, j->s, slice, b0, b1 - b0);
    mc_net_forward_rows(&v, j->params, j->lay, j->s, j->x + b0 * mc_net_n_input(j->s), b1 - b0);
}

void mc_net_forward(mc_net_work *w, const float *params, const mc_net_layout *lay,
                    const mc_net_shape *s, const float *x, size_t B)
{
    const size_t slices = slices_for(w, B, MC_PARALLEL_MAX_PARTS);
    if (slices <= 1) {
        mc_net_forward_rows(w, params, lay, s, x, B);
        return;
    }
    slice_job job = {w, NULL, NULL, params, x, NULL, lay, s, B, B};
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
    mc_net_backward_rows(&v, slice_grads(j, slice), j->dx ? j->dx + b0 * n_in : NULL, j->params,
                         j->lay, j->s, j->x + b0 * n_in, j->dy + b0 * HQ, b1 - b0, j->batch);
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

void mc_net_backward_share(mc_net_work *w, float *grads, float *dx, const float *params,
                           const mc_net_layout *lay, const mc_net_shape *s, const float *x,
                           const float *dy, size_t B, size_t batch)
{
    const size_t blocks = lay->total == w->slice_block ? w->slice_blocks : 0;
    const size_t slices = slices_for(w, B, 1 + blocks);
    if (slices <= 1) {
        mc_net_backward_rows(w, grads, dx, params, lay, s, x, dy, B, batch);
        return;
    }
    slice_job job = {w, grads, dx, params, x, dy, lay, s, B, batch};
    mc_parallel_run(slices, backward_slice, &job);
    sum_job sum = {&job, slices};
    mc_parallel_run(mc_parallel_parts_for(w->parts, lay->total), sum_part, &sum);
}

void mc_net_backward(mc_net_work *w, float *grads, float *dx, const float *params,
                     const mc_net_layout *lay, const mc_net_shape *s, const float *x,
                     const float *dy, size_t B)
{
    mc_net_backward_share(w, grads, dx, params, lay, s, x, dy, B, B);
}
