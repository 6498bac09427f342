#include "train/selection.h"

#include <math.h>

bool mc_clearly_better(const double *candidate, const double *base, size_t n, size_t per_block)
{
    const size_t per = per_block ? per_block : 1, blocks = n / per;
    if (blocks < 2) {
        double d = 0.0;
        for (size_t i = 0; i < n; i++)
            d += candidate[i] - base[i];
        return d < 0.0;
    }
    double sum = 0.0, sq = 0.0;
    for (size_t k = 0; k < blocks; k++) {
        double d = 0.0;
        for (size_t i = k * per; i < (k + 1) * per; i++)
            d += candidate[i] - base[i];
        d /= (double)per;
        sum += d;
        sq += d * d;
    }
    const double mean = sum / (double)blocks;
    const double var = (sq - (double)blocks * mean * mean) / (double)(blocks - 1);
    return mean + sqrt(var > 0.0 ? var / (double)blocks : 0.0) < 0.0;
}
