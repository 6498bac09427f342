#include "train/augment.h"

#include <stdbool.h>

/* An integer in [lo, hi]. */
static size_t pick(gsl_rng *rng, size_t lo, size_t hi)
{
    return lo + (size_t)gsl_rng_uniform_int(rng, (unsigned long)(hi - lo + 1));
}

void mc_augment_rows(float *x, const mc_window_spec *w, size_t batch, size_t b0, size_t b1,
                     double prob, const float *zero, gsl_rng *rng)
{
    const size_t L = w->lookback, Cp = mc_window_past_channels(w);
    const size_t n_in = mc_window_input_size(w);
    for (size_t b = 0; b < batch; b++) {
        if (gsl_rng_uniform(rng) >= prob)
            continue;
        /* the draws never depend on the values: rows outside [b0, b1) draw
           theirs and write nothing */
        const bool mine = b >= b0 && b < b1;
        float *load = mine ? x + (b - b0) * n_in : NULL; /* load at lag l is load[l * Cp] */
        const size_t events = gsl_rng_uniform(rng) < 0.3 ? 2 : 1;
        for (size_t e = 0; e < events; e++) {
            const size_t at = pick(rng, 0, L - 1);
            switch (gsl_rng_uniform_int(rng, 3)) {
            case 0: { /* spike */
                const double size = 3.0 + 3.0 * gsl_rng_uniform(rng);
                const bool down = gsl_rng_uniform(rng) < 0.5;
                if (mine)
                    load[at * Cp] += (float)(down ? -size : size);
                break;
            }
            case 1: { /* drop-out to zero */
                const size_t len = pick(rng, 1, 3);
                for (size_t l = at; mine && l < at + len && l < L; l++)
                    load[l * Cp] = zero[b - b0];
                break;
            }
            default: { /* stuck reading */
                const size_t len = pick(rng, 4, 12);
                for (size_t l = at + 1; mine && l < at + len && l < L; l++)
                    load[l * Cp] = load[at * Cp];
                break;
            }
            }
        }
    }
}

void mc_augment_batch(float *x, const mc_window_spec *w, size_t batch, double prob,
                      const float *zero, gsl_rng *rng)
{
    mc_augment_rows(x, w, batch, 0, batch, prob, zero, rng);
}
