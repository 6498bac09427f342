#include "eval/corrupt.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "common/error.h"

enum { STUCK_MIN = 2, STUCK_MAX = 6 };

/* Standard deviation of the finite values of y[0, n); 0 when fewer than two. */
static double spread(const double *y, size_t n)
{
    double mean = 0.0, m2 = 0.0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            continue;
        k++;
        const double d = y[i] - mean;
        mean += d / (double)k;
        m2 += d * (y[i] - mean);
    }
    return k > 1 ? sqrt(m2 / (double)(k - 1)) : 0.0;
}

mc_status mc_corrupt_series(double *y, size_t rows, size_t from, size_t stats_rows, double rate,
                            uint64_t seed, uint8_t *truth, mc_error *err)
{
    if (!(rate >= 0.0 && rate <= 1.0) || stats_rows > rows)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "corruption needs a rate in [0, 1] and statistics rows in the data");
    if (truth != NULL)
        memset(truth, 0, rows);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (rng == NULL)
        return mc_error_nomem(err, "the corruption's random numbers");
    gsl_rng_set(rng, (unsigned long)(seed ^ (seed >> 32)));
    const double sd = spread(y, stats_rows);
    for (size_t r = from; r < rows; r++) {
        if (gsl_rng_uniform(rng) >= 0.5 * rate)
            continue;
        const unsigned long kind = gsl_rng_uniform_int(rng, 3);
        size_t len = 1;
        if (kind == 0) {
            const double size = 3.0 + 3.0 * gsl_rng_uniform(rng);
            y[r] += (gsl_rng_uniform(rng) < 0.5 ? -size : size) * sd;
        } else if (kind == 1) {
            y[r] = 0.0;
        } else {
            len = STUCK_MIN + gsl_rng_uniform_int(rng, STUCK_MAX - STUCK_MIN + 1);
            const double held = r > 0 ? y[r - 1] : y[r];
            for (size_t i = r; i < rows && i < r + len; i++)
                y[i] = held;
        }
        for (size_t i = r; truth != NULL && i < rows && i < r + len; i++)
            truth[i] = 1;
        r += len - 1;
    }
    gsl_rng_free(rng);
    return MC_OK;
}
