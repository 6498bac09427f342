#include "nn/adamw.h"

#include <math.h>
#include <stdlib.h>

#include "common/checked.h"
#include "common/error.h"
#include "nn/parallel.h"
#include "nn/vectorize.h"

mc_status mc_adamw_init(mc_adamw *opt, size_t n, mc_error *err)
{
    opt->m = calloc(n ? n : 1, sizeof(float));
    opt->v = calloc(n ? n : 1, sizeof(float));
    opt->n = n;
    opt->t = 0;
    opt->beta1 = 0.9;
    opt->beta2 = 0.999;
    opt->eps = 1e-8;
    opt->parts = 0;
    if (opt->m == NULL || opt->v == NULL) {
        mc_adamw_free(opt);
        return mc_error_nomem(err, "allocating optimiser state");
    }
    return MC_OK;
}

void mc_adamw_free(mc_adamw *opt)
{
    free(opt->m);
    free(opt->v);
    opt->m = opt->v = NULL;
}

MC_VECTOR_CLONES
double mc_grad_norm(const float *g, size_t n)
{
    /* Eight partial sums in a fixed order: the compiler vectorises them (one
       accumulator would be a serial chain), and the result stays the same
       from run to run. */
    double s[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; j++)
            s[j] += (double)g[i + j] * (double)g[i + j];
    for (; i < n; i++)
        s[0] += (double)g[i] * (double)g[i];
    return sqrt(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])));
}

/* One tensor's update, in float so that it vectorises (sqrtf needs
   -fno-math-errno for that; CMakeLists.txt sets it for this file). */
MC_VECTOR_CLONES
static void update(float *restrict p, float *restrict m, float *restrict v,
                   const float *restrict g, size_t n, float b1, float b2, float gs, float step,
                   float eps, float keep)
{
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i] * gs;
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        p[i] = keep * p[i] - step * m[i] / (sqrtf(v[i]) + eps);
    }
}

/* One step's constants, and the block the parts of the update share. */
typedef struct adamw_job {
    float *params, *m, *v;
    const float *grads;
    const mc_net_layout *lay;
    float b1, b2, gs, step, eps, keep_decay;
} adamw_job;

/* The update of the elements in part `part` of the whole block, tensor by
   tensor (each element's update depends on itself only). */
static void adamw_part(void *ctx, size_t part, size_t parts)
{
    const adamw_job *j = ctx;
    size_t lo, hi;
    mc_part_range(j->lay->total, part, parts, &lo, &hi);
    for (int t = 0; t < MC_T_COUNT; t++) {
        const size_t begin = j->lay->offset[t], end = begin + j->lay->rows[t] * j->lay->cols[t];
        const size_t a = begin > lo ? begin : lo, b = end < hi ? end : hi;
        if (a >= b)
            continue;
        /* Decoupled weight decay, p -= lr * wd * p, on weight matrices only. */
        const float keep = mc_tensor_decays((mc_tensor)t) ? j->keep_decay : 1.0f;
        update(j->params + a, j->m + a, j->v + a, j->grads + a, b - a, j->b1, j->b2, j->gs, j->step,
               j->eps, keep);
    }
}

void mc_adamw_step(mc_adamw *opt, float *params, const float *grads, const mc_net_layout *lay,
                   double lr, double weight_decay, double grad_scale)
{
    opt->t++;
    const double c1 = 1.0 - pow(opt->beta1, (double)opt->t);
    const double c2 = 1.0 - pow(opt->beta2, (double)opt->t);
    /* Adam's lr * mhat / (sqrt(vhat) + eps) with mhat = m / c1, vhat = v / c2
       is step * m / (sqrt(v) + eps sqrt(c2)) with step = lr sqrt(c2) / c1:
       the bias corrections become two constants per step. */
    adamw_job job = {params, opt->m, opt->v, grads, lay, (float)opt->beta1, (float)opt->beta2,
                     (float)grad_scale, (float)(lr * sqrt(c2) / c1), (float)(opt->eps * sqrt(c2)),
                     (float)(1.0 - lr * weight_decay)};
    mc_parallel_run(mc_parallel_parts_for(opt->parts, lay->total), adamw_part, &job);
}
