#include "data/windows.h"

#include <math.h>
#include <string.h>

#include "maskcast/frame.h"

size_t mc_window_past_channels(const mc_window_spec *w) { return 1 + w->n_past; }

size_t mc_window_future_channels(const mc_window_spec *w)
{
    return (w->calendar ? MC_CALENDAR_CHANNELS : 0) + w->n_future;
}

size_t mc_window_input_size(const mc_window_spec *w)
{
    return w->lookback * mc_window_past_channels(w) + w->lookback +
           w->horizon * mc_window_future_channels(w);
}

void mc_scaler_fit(mc_scaler *out, const mc_series *s, size_t rows_end)
{
    for (size_t j = 0; j < s->n_columns; j++) {
        double sum = 0.0, sq = 0.0;
        size_t n = 0;
        for (size_t i = 0; i < rows_end && i < s->rows; i++) {
            if (s->states[j][i] != MC_VALUE_OBSERVED)
                continue;
            sum += s->values[j][i];
            n++;
        }
        const double mean = n ? sum / (double)n : 0.0;
        for (size_t i = 0; i < rows_end && i < s->rows; i++)
            if (s->states[j][i] == MC_VALUE_OBSERVED)
                sq += (s->values[j][i] - mean) * (s->values[j][i] - mean);
        const double sd = n > 1 ? sqrt(sq / (double)(n - 1)) : 0.0;
        out[j].mean = mean;
        out[j].scale = sd > 1e-12 * (fabs(mean) + 1.0) ? sd : 1.0;
    }
}

static float scaled(const mc_series *s, const mc_scaler *sc, size_t col, size_t row)
{
    const double v = s->values[col][row];
    return isnan(v) ? 0.0f : (float)((v - sc[col].mean) / sc[col].scale);
}

/* Mean of the scaled target over the lookback's last level_steps rows (known
   values only): the last day by default, the last value with 1. */
static float window_level(const mc_series *s, const mc_window_spec *w, size_t t)
{
    const size_t n = w->level_steps < w->lookback ? w->level_steps : w->lookback;
    double sum = 0.0;
    size_t k = 0;
    for (size_t i = t - n; i < t; i++)
        if (!isnan(s->values[0][i])) {
            sum += scaled(s, w->scalers, 0, i);
            k++;
        }
    return k ? (float)(sum / (double)k) : 0.0f;
}

void mc_window_gather(float *x, float *target, float *weight, float *level, const mc_series *s,
                      const mc_window_spec *w, const size_t *origins, size_t batch)
{
    const size_t L = w->lookback, H = w->horizon, Cp = mc_window_past_channels(w);
    const size_t Cf = mc_window_future_channels(w), n_in = mc_window_input_size(w);
    const size_t cal = w->calendar ? MC_CALENDAR_CHANNELS : 0;
    for (size_t b = 0; b < batch; b++) {
        const size_t t = origins[b];
        float *row = x + b * n_in;
        const float lv = w->normalize_level ? window_level(s, w, t) : 0.0f;
        for (size_t l = 0; l < L; l++) {
            const size_t i = t - L + l;
            row[l * Cp] = scaled(s, w->scalers, 0, i) - lv;
            for (size_t c = 0; c < w->n_past; c++)
                row[l * Cp + 1 + c] = scaled(s, w->scalers, w->past[c], i);
            row[L * Cp + l] = s->states[0][i] == MC_VALUE_OBSERVED ? 1.0f : 0.0f;
        }
        float *fut = row + L * Cp + L;
        for (size_t k = 0; k < H; k++) {
            const size_t i = t + k;
            if (cal && s->calendar != NULL)
                memcpy(fut + k * Cf, s->calendar + i * MC_CALENDAR_CHANNELS,
                       MC_CALENDAR_CHANNELS * sizeof *fut);
            else if (cal)
                mc_calendar_features(fut + k * Cf, s->wall[i], w->holidays);
            for (size_t c = 0; c < w->n_future; c++)
                fut[k * Cf + cal + c] = scaled(s, w->scalers, w->future[c], i);
            if (target != NULL)
                target[b * H + k] = scaled(s, w->scalers, 0, i) - lv;
            if (weight != NULL)
                weight[b * H + k] = s->states[0][i] == MC_VALUE_OBSERVED ? 1.0f : 0.0f;
        }
        if (level != NULL)
            level[b] = lv;
    }
}
