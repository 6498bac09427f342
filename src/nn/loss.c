#include "nn/loss.h"

#include <math.h>
#include <string.h>

/* Loss of residual r = y - target for output q, and its derivative by y. */
static double pointwise(const mc_loss_spec *spec, size_t q, double r, double *grad)
{
    switch (spec->kind) {
    case MC_NN_LOSS_MSE:
        *grad = 2.0 * r;
        return r * r;
    case MC_NN_LOSS_HUBER: {
        const double d = spec->huber_delta;
        if (fabs(r) <= d) {
            *grad = r;
            return 0.5 * r * r;
        }
        *grad = r > 0 ? d : -d;
        return d * (fabs(r) - 0.5 * d);
    }
    case MC_NN_LOSS_PINBALL: {
        /* With u = target - y: tau*u when u >= 0, (tau - 1)*u otherwise. */
        const double tau = spec->quantiles[q];
        if (r < 0) {
            *grad = -tau;
            return -tau * r;
        }
        *grad = 1.0 - tau;
        return (1.0 - tau) * r;
    }
    case MC_NN_LOSS_MAE:
    default:
        *grad = r > 0 ? 1.0 : (r < 0 ? -1.0 : 0.0);
        return fabs(r);
    }
}

double mc_loss_weight(const float *weight, size_t n)
{
    double wsum = 0.0;
    for (size_t i = 0; i < n; i++)
        wsum += weight[i] > 0.0f ? weight[i] : 0.0f;
    return wsum;
}

double mc_loss_sum(float *dy, const float *y, const float *target, const float *weight,
                   size_t batch, size_t horizon, const mc_loss_spec *spec, double scale)
{
    const size_t Q = spec->n_quantiles;
    double total = 0.0;
    for (size_t i = 0; i < batch * horizon; i++) {
        if (!(weight[i] > 0.0f))
            continue;
        for (size_t q = 0; q < Q; q++) {
            double g;
            total += weight[i] * pointwise(spec, q, (double)y[i * Q + q] - target[i], &g);
            if (dy != NULL)
                dy[i * Q + q] = (float)(weight[i] * g * scale);
        }
    }
    return total;
}

double mc_loss_eval(float *dy, const float *y, const float *target, const float *weight,
                    size_t batch, size_t horizon, const mc_loss_spec *spec)
{
    const size_t Q = spec->n_quantiles;
    const double wsum = mc_loss_weight(weight, batch * horizon);
    if (dy != NULL)
        memset(dy, 0, batch * horizon * Q * sizeof *dy);
    if (wsum <= 0.0)
        return 0.0;
    const double scale = 1.0 / (wsum * (double)Q);
    return mc_loss_sum(dy, y, target, weight, batch, horizon, spec, scale) * scale;
}
