#include "nn/activation.h"

#include <math.h>

#define INV_SQRT2 0.70710678118654752440f
#define INV_SQRT_2PI 0.39894228040143267794f

void mc_activation_forward(float *out, const float *pre, size_t n, mc_activation act)
{
    if (act == MC_ACTIVATION_GELU) {
        for (size_t i = 0; i < n; i++)
            out[i] = 0.5f * pre[i] * (1.0f + erff(pre[i] * INV_SQRT2));
    } else {
        for (size_t i = 0; i < n; i++)
            out[i] = pre[i] > 0.0f ? pre[i] : 0.0f;
    }
}

void mc_activation_backward(float *dpre, const float *dout, const float *pre, size_t n,
                            mc_activation act)
{
    if (act == MC_ACTIVATION_GELU) {
        for (size_t i = 0; i < n; i++) {
            const float x = pre[i];
            const float cdf = 0.5f * (1.0f + erff(x * INV_SQRT2));
            const float pdf = INV_SQRT_2PI * expf(-0.5f * x * x);
            dpre[i] = dout[i] * (cdf + x * pdf);
        }
    } else {
        for (size_t i = 0; i < n; i++)
            dpre[i] = pre[i] > 0.0f ? dout[i] : 0.0f;
    }
}

void mc_sigmoid_forward(float *out, const float *pre, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* Both branches keep exp's argument non-positive: no overflow. */
        const float x = pre[i];
        if (x >= 0.0f) {
            out[i] = 1.0f / (1.0f + expf(-x));
        } else {
            const float e = expf(x);
            out[i] = e / (1.0f + e);
        }
    }
}

void mc_sigmoid_backward(float *dpre, const float *dout, const float *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dpre[i] = dout[i] * s[i] * (1.0f - s[i]);
}

void mc_mean_one_softmax_forward(float *out, const float *pre, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        const float *p = pre + r * cols;
        float *o = out + r * cols;
        float mx = p[0];
        for (size_t c = 1; c < cols; c++)
            mx = p[c] > mx ? p[c] : mx;
        double sum = 0.0;
        for (size_t c = 0; c < cols; c++) {
            o[c] = expf(p[c] - mx);
            sum += o[c];
        }
        const float scale = (float)((double)cols / sum);
        for (size_t c = 0; c < cols; c++)
            o[c] *= scale;
    }
}

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

void mc_add_bias(float *y, const float *b, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            y[r * cols + c] += b[c];
}

void mc_bias_backward(float *db, const float *dy, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            db[c] += dy[r * cols + c];
}
