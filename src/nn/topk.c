#include "nn/topk.h"

#include <math.h>
#include <string.h>

/* Whether a[i] ranks above a[j]: larger first, then the lower index; NaN
   below every number. A strict total order, so the top k are unique. */
static inline int above(const float *a, size_t i, size_t j)
{
    const int ni = isnan(a[i]), nj = isnan(a[j]);
    if (ni || nj)
        return ni == nj ? i < j : nj;
    return a[i] > a[j] || (a[i] == a[j] && i < j);
}

/* Restores the heap below `at`: every parent ranks below its children, so
   the root is the lowest-ranked index kept. */
static void sift_down(size_t *heap, size_t m, size_t at, const float *a)
{
    for (;;) {
        const size_t l = 2 * at + 1, r = l + 1;
        size_t low = at;
        if (l < m && above(a, heap[low], heap[l]))
            low = l;
        if (r < m && above(a, heap[low], heap[r]))
            low = r;
        if (low == at)
            return;
        const size_t t = heap[at];
        heap[at] = heap[low];
        heap[low] = t;
        at = low;
    }
}

/* The lowest-ranked of the k best indices of row a (0 < k < n). */
static size_t kth_best(size_t *heap, const float *a, size_t n, size_t k)
{
    for (size_t i = 0; i < k; i++)
        heap[i] = i;
    for (size_t i = k / 2; i-- > 0;)
        sift_down(heap, k, i, a);
    for (size_t i = k; i < n; i++)
        if (above(a, i, heap[0])) {
            heap[0] = i;
            sift_down(heap, k, 0, a);
        }
    return heap[0];
}

void mc_topk_forward(float *out, size_t *scratch, const float *a, size_t rows, size_t n, size_t k)
{
    for (size_t r = 0; r < rows; r++) {
        const float *ar = a + r * n;
        float *o = out + r * n;
        if (k >= n) {
            if (o != ar)
                memmove(o, ar, n * sizeof *o);
            continue;
        }
        if (k == 0) {
            memset(o, 0, n * sizeof *o);
            continue;
        }
        /* Kept: the k-th best itself and whatever ranks above it. Each a[i]
           is read before o[i] is written, so o may be ar. */
        const size_t kth = kth_best(scratch, ar, n, k);
        for (size_t i = 0; i < n; i++)
            o[i] = i == kth || above(ar, i, kth) ? ar[i] : 0.0f;
    }
}

void mc_topk_backward(float *da, const float *dout, size_t rows, size_t n)
{
    for (size_t i = 0; i < rows * n; i++)
        da[i] += dout[i];
}
