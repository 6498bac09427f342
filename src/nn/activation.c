#include "nn/activation.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn/vectorize.h"

#define INV_SQRT2 0.70710678118654752440f
#define INV_SQRT_2PI 0.39894228040143267794f

/* The loops below are written so that GCC and Clang vectorise them at -O3
   without -ffast-math: no branches, selects done on bit patterns (a float
   compare inside a select counts as control flow while FP traps are
   modelled), and exp as a polynomial instead of a libm call. */

static inline uint32_t bits_of(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float float_of(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

#define BITS_87 0x42AE0000u  /* 87.0f: exp(-87) is still a normal float */
#define BITS_INF 0x7F800000u
#define BITS_ONE 0x3F800000u
#define ROUNDER 12582912.0f  /* 1.5 * 2^23: adding it rounds to an integer */
#define BITS_ROUNDER 0x4B400000u

/* exp(-a) for a = |x| in [0, 87] (or NaN, which propagates): 2^-n p(r) with
   n the nearest integer to a / ln 2 and r = -a + n ln 2 in [-ln2/2, ln2/2]
   (ln 2 split in two so that n * LN2_HI is exact); p is the Taylor
   polynomial of degree 7, whose truncation error (|r|^8 / 8! < 5e-10) is
   below float rounding. Relative error a few ulp. */
static inline float exp_neg(float a)
{
    const float y = a * 1.44269504088896341f + ROUNDER;
    const float n = y - ROUNDER;
    const uint32_t ni = bits_of(y) - BITS_ROUNDER; /* n as an integer, from y's low bits */
    const float r = (n * 0.693145752f - a) + n * 1.42860677e-6f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    return p * float_of((127u - ni) << 23); /* 2^-n, n <= 126 */
}

/* |x| as bits, with values beyond 87 (infinity included, NaN not) brought
   to 87: past that, sigmoid is 0 or 1 to float precision. */
static inline float clamped_abs(uint32_t xb)
{
    const int32_t a = (int32_t)(xb & 0x7FFFFFFFu);
    const uint32_t big = 0u - (uint32_t)((a > (int32_t)BITS_87) & (a <= (int32_t)BITS_INF));
    return float_of(((uint32_t)a & ~big) | (BITS_87 & big));
}

/* sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, with
   e = exp(-|x|) <= 1: neither form overflows. |x| is capped at 87 as
   clamped_abs() does (NaN passes: it compares false), written with float
   comparisons and selects only, so that the loop over a row vectorises
   (the integer form left it scalar); the bits are the same. */
static inline float sigmoid1(float x)
{
    const float ax = fabsf(x);
    const float e = exp_neg(ax > 87.0f ? 87.0f : ax);
    return (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}

MC_VECTOR_CLONES
void mc_activation_forward(float *out, const float *pre, size_t n, mc_nn_activation act)
{
    if (act == MC_NN_GELU) {
        for (size_t i = 0; i < n; i++)
            out[i] = 0.5f * pre[i] * (1.0f + erff(pre[i] * INV_SQRT2));
    } else {
        for (size_t i = 0; i < n; i++)
            out[i] = pre[i] > 0.0f ? pre[i] : 0.0f;
    }
}

MC_VECTOR_CLONES
void mc_activation_backward(float *dpre, const float *dout, const float *pre, size_t n,
                            mc_nn_activation act)
{
    if (act == MC_NN_GELU) {
        for (size_t i = 0; i < n; i++) {
            const float x = pre[i];
            const float cdf = 0.5f * (1.0f + erff(x * INV_SQRT2));
            const float pdf = INV_SQRT_2PI * expf(-0.5f * x * x);
            dpre[i] = dout[i] * (cdf + x * pdf);
        }
    } else {
        for (size_t i = 0; i < n; i++) { /* dout where pre > 0, else exactly 0 */
            const uint32_t keep = 0u - (uint32_t)(pre[i] > 0.0f);
            dpre[i] = float_of(bits_of(dout[i]) & keep);
        }
    }
}

MC_VECTOR_CLONES
void mc_sigmoid_forward(float *out, const float *pre, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = sigmoid1(pre[i]);
}

MC_VECTOR_CLONES
void mc_sigmoid_backward(float *dpre, const float *dout, const float *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dpre[i] = dout[i] * s[i] * (1.0f - s[i]);
}

MC_VECTOR_CLONES
void mc_mean_one_softmax_forward(float *out, const float *pre, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        const float *p = pre + r * cols;
        float *o = out + r * cols;
        float mx = p[0];
        for (size_t c = 1; c < cols; c++)
            mx = p[c] > mx ? p[c] : mx;
        for (size_t c = 0; c < cols; c++) /* p - mx <= 0 */
            o[c] = exp_neg(clamped_abs(bits_of(p[c] - mx)));
        double sum = 0.0;
        for (size_t c = 0; c < cols; c++)
            sum += o[c];
        const float scale = (float)((double)cols / sum);
        for (size_t c = 0; c < cols; c++)
            o[c] *= scale;
    }
}

MC_VECTOR_CLONES
void mc_mean_one_softmax_backward(float *dpre, const float *dout, const float *out, size_t rows,
                                  size_t cols)
{
    /* out = n s with s = softmax: dpre = n s (dout - sum(s dout)) = out (dout - mean(out dout)). */
    for (size_t r = 0; r < rows; r++) {
        const float *g = dout + r * cols, *o = out + r * cols;
        double dot = 0.0;
        for (size_t c = 0; c < cols; c++)
            dot += (double)o[c] * (double)g[c];
        const float mean = (float)(dot / (double)cols);
        float *d = dpre + r * cols;
        for (size_t c = 0; c < cols; c++)
            d[c] = o[c] * (g[c] - mean);
    }
}

MC_VECTOR_CLONES
void mc_add_bias(float *y, const float *b, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            y[r * cols + c] += b[c];
}

MC_VECTOR_CLONES
void mc_bias_backward(float *db, const float *dy, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            db[c] += dy[r * cols + c];
}
