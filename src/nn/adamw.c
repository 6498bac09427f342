#include "nn/adamw.h"

#include <math.h>
#include <stdlib.h>

#include "common/checked.h"
#include "common/error.h"

mc_status mc_adamw_init(mc_adamw *opt, size_t n, mc_error *err)
{
    opt->m = calloc(n ? n : 1, sizeof(float));
    opt->v = calloc(n ? n : 1, sizeof(float));
    opt->n = n;
    opt->t = 0;
    opt->beta1 = 0.9;
    opt->beta2 = 0.999;
    opt->eps = 1e-8;
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

double mc_grad_norm(const float *g, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)g[i] * (double)g[i];
    return sqrt(s);
}

void mc_adamw_step(mc_adamw *opt, float *params, const float *grads, const mc_net_layout *lay,
                   double lr, double weight_decay, double grad_scale)
{
    opt->t++;
    const double c1 = 1.0 - pow(opt->beta1, (double)opt->t);
    const double c2 = 1.0 - pow(opt->beta2, (double)opt->t);
    const float b1 = (float)opt->beta1, b2 = (float)opt->beta2;
    for (int t = 0; t < MC_T_COUNT; t++) {
        const size_t begin = lay->offset[t], end = begin + lay->rows[t] * lay->cols[t];
        const float decay = mc_tensor_is_vector((mc_tensor)t) ? 0.0f : (float)(lr * weight_decay);
        for (size_t i = begin; i < end; i++) {
            const float g = grads[i] * (float)grad_scale;
            opt->m[i] = b1 * opt->m[i] + (1.0f - b1) * g;
            opt->v[i] = b2 * opt->v[i] + (1.0f - b2) * g * g;
            const double mhat = opt->m[i] / c1, vhat = opt->v[i] / c2;
            params[i] -= decay * params[i] + (float)(lr * mhat / (sqrt(vhat) + opt->eps));
        }
    }
}
