#include "train/selection.h"

#include <math.h>
#include <stdlib.h>

bool mc_clearly_better(const double *candidate, const double *base, size_t n, size_t per_block)
{
    const size_t per = per_block ? per_block : 1, blocks = n / per;
    if (blocks < 2) {
        double d = 0.0;
        for (size_t i = 0; i < n; i++)
            d += candidate[i] - base[i];
        return d < 0.0;
    }
    double sum = 0.0;
    for (size_t i = 0; i < blocks * per; i++)
        sum += candidate[i] - base[i];
    const double mean = sum / (double)(blocks * per);
    /* Block means' variance and lag-1 covariance, about the mean. */
    double g0 = 0.0, g1 = 0.0, prev = 0.0;
    for (size_t k = 0; k < blocks; k++) {
        double d = 0.0;
        for (size_t i = k * per; i < (k + 1) * per; i++)
            d += candidate[i] - base[i];
        const double e = d / (double)per - mean;
        g0 += e * e;
        if (k > 0)
            g1 += e * prev;
        prev = e;
    }
    g0 /= (double)blocks;
    g1 /= (double)blocks;
    const double var = g0 + g1; /* Newey-West, one lag, Bartlett weight 1/2 */
    return mean + sqrt(var > 0.0 ? var / (double)blocks : 0.0) < 0.0;
}
