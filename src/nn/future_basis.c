#include "nn/future_basis.h"

#include <math.h>

#define TWO_PI 6.28318530717958647692

/* The hinges' knots, in the covariate's standard deviations. */
static const float KNOTS[] = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f};
enum { N_KNOTS = sizeof KNOTS / sizeof KNOTS[0] };
_Static_assert(MC_BASIS_COVARIATE_TERMS == 1 + N_KNOTS + 3, "the covariate terms' count");

size_t mc_future_basis_size(size_t future_channels, bool calendar)
{
    if (calendar && future_channels < MC_BASIS_CALENDAR_CHANNELS)
        return 0;
    const size_t covariates = future_channels - (calendar ? MC_BASIS_CALENDAR_CHANNELS : 0);
    return (calendar ? MC_BASIS_CALENDAR_TERMS : 0) + MC_BASIS_COVARIATE_TERMS * covariates;
}

/* The weekday 0 (Monday) to 6 of calendar channels c: the week's angle is
   (weekday + fraction of the day) / 7 of a turn, the day's its fraction. */
static int weekday(const float *c)
{
    double week = atan2(c[2], c[3]) / TWO_PI, day = atan2(c[0], c[1]) / TWO_PI;
    week -= floor(week);
    day -= floor(day);
    const long d = lround(7.0 * week - day);
    return (int)(((d % 7) + 7) % 7);
}

/* The daily shape's first two harmonics from sine s and cosine c. */
static void harmonics2(float out[4], float s, float c)
{
    out[0] = s;
    out[1] = c;
    out[2] = 2.0f * s * c;
    out[3] = c * c - s * s;
}

void mc_future_basis(float *phi, const float *f, size_t future_channels, bool calendar)
{
    size_t j = 0, ch = 0;
    if (calendar) {
        const float hs = f[0], hc = f[1], ys = f[4], yc = f[5], we = f[6], hol = f[7];
        float day[4];
        harmonics2(day, hs, hc);
        for (int i = 0; i < 4; i++)
            phi[j++] = day[i];
        phi[j++] = 3.0f * hs - 4.0f * hs * hs * hs; /* sin 3t */
        phi[j++] = 4.0f * hc * hc * hc - 3.0f * hc; /* cos 3t */
        const int wd = weekday(f);
        for (int d = 1; d < 7; d++)
            phi[j++] = wd == d ? 1.0f : 0.0f;
        harmonics2(phi + j, ys, yc);
        j += 4;
        phi[j++] = we;
        phi[j++] = hol;
        for (int i = 0; i < 4; i++)
            phi[j++] = day[i] * we;
        for (int i = 0; i < 4; i++)
            phi[j++] = day[i] * hol;
        ch = MC_BASIS_CALENDAR_CHANNELS;
    }
    /* Without the calendar the covariates' interactions see a flat day. */
    const float hs = calendar ? f[0] : 0.0f, hc = calendar ? f[1] : 0.0f;
    const float we = calendar ? f[6] : 0.0f;
    for (; ch < future_channels; ch++) {
        const float c = f[ch];
        phi[j++] = c;
        for (int i = 0; i < N_KNOTS; i++)
            phi[j++] = c > KNOTS[i] ? c - KNOTS[i] : 0.0f;
        phi[j++] = c * hs;
        phi[j++] = c * hc;
        phi[j++] = c * we;
    }
}

/* d(harmonics2)' g into ds, dc. */
static void harmonics2_backward(float *ds, float *dc, const float g[4], float s, float c,
                                float times)
{
    *ds += times * (g[0] + 2.0f * c * g[2] - 2.0f * s * g[3]);
    *dc += times * (g[1] + 2.0f * s * g[2] + 2.0f * c * g[3]);
}

void mc_future_basis_backward(float *df, const float *f, const float *g, size_t future_channels,
                              bool calendar)
{
    size_t j = 0, ch = 0;
    if (calendar) {
        const float hs = f[0], hc = f[1], ys = f[4], yc = f[5], we = f[6], hol = f[7];
        float day[4];
        harmonics2(day, hs, hc);
        harmonics2_backward(&df[0], &df[1], g, hs, hc, 1.0f);
        df[0] += g[4] * (3.0f - 12.0f * hs * hs);
        df[1] += g[5] * (12.0f * hc * hc - 3.0f);
        j = 12; /* the weekday's indicators are flat */
        harmonics2_backward(&df[4], &df[5], g + j, ys, yc, 1.0f);
        j += 4;
        df[6] += g[j++];
        df[7] += g[j++];
        harmonics2_backward(&df[0], &df[1], g + j, hs, hc, we);
        for (int i = 0; i < 4; i++)
            df[6] += g[j + i] * day[i];
        j += 4;
        harmonics2_backward(&df[0], &df[1], g + j, hs, hc, hol);
        for (int i = 0; i < 4; i++)
            df[7] += g[j + i] * day[i];
        j += 4;
        ch = MC_BASIS_CALENDAR_CHANNELS;
    }
    const float hs = calendar ? f[0] : 0.0f, hc = calendar ? f[1] : 0.0f;
    const float we = calendar ? f[6] : 0.0f;
    for (; ch < future_channels; ch++) {
        const float c = f[ch];
        float dc = g[j++];
        for (int i = 0; i < N_KNOTS; i++, j++)
            dc += c > KNOTS[i] ? g[j] : 0.0f;
        dc += hs * g[j] + hc * g[j + 1] + we * g[j + 2];
        if (calendar) {
            df[0] += c * g[j];
            df[1] += c * g[j + 1];
            df[6] += c * g[j + 2];
        }
        j += 3;
        df[ch] += dc;
    }
}
