#include "train/augment.h"

/* An integer in [lo, hi]. */
static size_t pick(gsl_rng *rng, size_t lo, size_t hi)
{
    return lo + (size_t)gsl_rng_uniform_int(rng, (unsigned long)(hi - lo + 1));
}

void mc_augment_batch(float *x, const mc_window_spec *w, size_t batch, double prob,
                      const float *zero, gsl_rng *rng)
{
    const size_t L = w->lookback, Cp = mc_window_past_channels(w);
    const size_t n_in = mc_window_input_size(w);
    for (size_t b = 0; b < batch; b++) {
        if (gsl_rng_uniform(rng) >= prob)
            continue;
        float *load = x + b * n_in; /* load at lag l is load[l * Cp] */
        const size_t events = gsl_rng_uniform(rng) < 0.3 ? 2 : 1;
        for (size_t e = 0; e < events; e++) {
            const size_t at = pick(rng, 0, L - 1);
            switch (gsl_rng_uniform_int(rng, 3)) {
            case 0: { /* spike */
                const double size = 3.0 + 3.0 * gsl_rng_uniform(rng);
                load[at * Cp] += (float)(gsl_rng_uniform(rng) < 0.5 ? -size : size);
                break;
            }
            case 1: { /* drop-out to zero */
                const size_t len = pick(rng, 1, 3);
                for (size_t l = at; l < at + len && l < L; l++)
                    load[l * Cp] = zero[b];
                break;
            }
            default: { /* stuck reading */
                const size_t len = pick(rng, 4, 12);
                for (size_t l = at + 1; l < at + len && l < L; l++)
                    load[l * Cp] = load[at * Cp];
                break;
            }
            }
        }
    }
}
