/* Top-k masks: the forward pass against a sort-based twin on rows full of
   ties, NaN and signed zeros; the straight-through backward as the
   identity; and a sigmoid mask layer whose estimated gradient equals the
   finite-difference gradient of its soft forward pass. */
#include "test_util.h"

#include <stdbool.h>
#include <stdlib.h>

#include "nn/activation.h"
#include "nn/topk.h"

static uint32_t rng_state;

static float uniform(float lo, float hi)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)(rng_state >> 8) / 16777216.0f;
}

/* Values drawn from a few levels half the time, so that ties are common. */
static void fill_with_ties(float *p, size_t n)
{
    static const float levels[5] = {-1.5f, -0.25f, 0.0f, 0.75f, 2.385f};
    for (size_t i = 0; i < n; i++) {
        const float u = uniform(0.0f, 1.0f);
        p[i] = u < 0.5f ? levels[(size_t)(u * 10.0f)] : uniform(-3.0f, 3.0f);
    }
}

/* The twin: sort the indices (larger value first, then lower index, NaN
   last), keep the first k. */
static const float *sort_values;

static int by_rank(const void *pa, const void *pb)
{
    const size_t i = *(const size_t *)pa, j = *(const size_t *)pb;
    const float a = sort_values[i], b = sort_values[j];
    if (isnan(a) != isnan(b))
        return isnan(a) ? 1 : -1;
    if (!isnan(a) && a != b)
        return a > b ? -1 : 1;
    return i < j ? -1 : 1;
}

static void twin(float *out, const float *a, size_t n, size_t k)
{
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    assert_non_null(idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    sort_values = a;
    qsort(idx, n, sizeof *idx, by_rank);
    for (size_t i = 0; i < n; i++)
        out[i] = 0.0f;
    for (size_t r = 0; r < k && r < n; r++)
        out[idx[r]] = a[idx[r]];
    free(idx);
}

/* Same values, bit for bit (so -0.0 kept is not 0.0 dropped, NaN kept is NaN). */
static void assert_same_bits(const float *got, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            print_error("entry %zu: %.9g, expected %.9g\n", i, (double)got[i], (double)want[i]);
            fail();
        }
}

/* Every (n, k) pair below on `rows` rows, out of place and in place, with a
   scratch of exactly min(k, n) indices (the sanitizers watch its end). */
static void check_rows(const float *a, size_t rows, size_t n, size_t k)
{
    float *out = malloc(rows * n * sizeof *out), *want = malloc(rows * n * sizeof *want);
    const size_t m = k < n ? k : n;
    size_t *scratch = m ? malloc(m * sizeof *scratch) : NULL;
    assert_true(out && want && (m == 0 || scratch));
    for (size_t r = 0; r < rows; r++)
        twin(want + r * n, a + r * n, n, k);
    mc_topk_forward(out, scratch, a, rows, n, k);
    assert_same_bits(out, want, rows * n);
    memcpy(out, a, rows * n * sizeof *out);
    mc_topk_forward(out, scratch, out, rows, n, k);
    assert_same_bits(out, want, rows * n);
    free(out);
    free(want);
    free(scratch);
}

static void test_forward_matches_sorted_twin(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 2, 3, 7, 16, 33, 100};
    rng_state = 2385u;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        const size_t n = sizes[si], rows = 5;
        float *a = malloc(rows * n * sizeof *a);
        assert_non_null(a);
        fill_with_ties(a, rows * n);
        const size_t ks[] = {0, 1, 2, n / 2, n > 0 ? n - 1 : 0, n, n + 3};
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
            check_rows(a, rows, n, ks[ki]);
        free(a);
    }
}

/* A whole row of one value keeps its first k; NaN ranks below everything,
   -inf included; -0.0 and 0.0 tie and rank by position. */
static void test_ties_nan_and_zeros(void **state)
{
    (void)state;
    const float same[6] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
    float out[6];
    size_t scratch[6];
    mc_topk_forward(out, scratch, same, 1, 6, 4);
    const float want_same[6] = {0.5f, 0.5f, 0.5f, 0.5f, 0.0f, 0.0f};
    assert_same_bits(out, want_same, 6);

    const float mixed[6] = {NAN, -INFINITY, -0.0f, 0.0f, NAN, 1.0f};
    mc_topk_forward(out, scratch, mixed, 1, 6, 2);
    const float want2[6] = {0.0f, 0.0f, -0.0f, 0.0f, 0.0f, 1.0f};
    assert_same_bits(out, want2, 6);
    mc_topk_forward(out, scratch, mixed, 1, 6, 5); /* the first NaN, by position */
    const float want5[6] = {NAN, -INFINITY, -0.0f, 0.0f, 0.0f, 1.0f};
    assert_true(isnan(out[0]));
    assert_same_bits(out + 1, want5 + 1, 5);
    check_rows(mixed, 1, 6, 3);
}

/* Rows long enough that a quadratic selection would show, against the twin. */
static void test_long_rows(void **state)
{
    (void)state;
    const size_t n = 100000;
    float *a = malloc(n * sizeof *a);
    assert_non_null(a);
    rng_state = 77u;
    fill_with_ties(a, n);
    check_rows(a, 1, n, 1000);
    check_rows(a, 1, n, 60000);
    free(a);
}

/* da += dout everywhere, kept or dropped. */
static void test_backward_is_identity(void **state)
{
    (void)state;
    enum { ROWS = 3, N = 9 };
    float da[ROWS * N], dout[ROWS * N], before[ROWS * N];
    rng_state = 5u;
    for (size_t i = 0; i < ROWS * N; i++) {
        da[i] = before[i] = uniform(-1.0f, 1.0f);
        dout[i] = uniform(-2.0f, 2.0f);
    }
    mc_topk_backward(da, dout, ROWS, N);
    for (size_t i = 0; i < ROWS * N; i++)
        assert_true(da[i] == before[i] + dout[i]);
}

/*
 * A sigmoid mask layer with a hard top-k: a = sigmoid(h W + b), m = topk(a),
 * y_b = sum_i m_i v_i, loss = sum_b dy_b y_b. Its estimated gradient (the
 * straight-through backward, then the sigmoid's) must equal the central
 * difference of the same layer with the soft forward m = a: that is the
 * estimator's definition. It must also differ from the hard forward's
 * derivative, which is 0 for a dropped weight's bias.
 */
enum { SB = 3, SM = 4, SN = 8, SK = 3 };

typedef struct mask_layer {
    double h[SB * SM], W[SM * SN], b[SN], v[SB * SN], dy[SB];
} mask_layer;

static double layer_loss(const mask_layer *L, bool hard)
{
    double loss = 0.0;
    for (size_t r = 0; r < SB; r++) {
        float a[SN], m[SN];
        double ad[SN];
        for (size_t i = 0; i < SN; i++) {
            double z = L->b[i];
            for (size_t j = 0; j < SM; j++)
                z += L->h[r * SM + j] * L->W[j * SN + i];
            ad[i] = 1.0 / (1.0 + exp(-z));
            a[i] = (float)ad[i];
        }
        twin(m, a, SN, hard ? SK : SN); /* only which ones are kept */
        for (size_t i = 0; i < SN; i++)
            loss += L->dy[r] * (m[i] != 0.0f ? ad[i] : 0.0) * L->v[r * SN + i];
    }
    return loss;
}

static void test_ste_is_soft_gradient(void **state)
{
    (void)state;
    mask_layer L;
    rng_state = 4771u;
    for (size_t i = 0; i < SB * SM; i++)
        L.h[i] = uniform(-1.5f, 1.5f);
    for (size_t i = 0; i < SM * SN; i++)
        L.W[i] = uniform(-0.8f, 0.8f);
    for (size_t i = 0; i < SN; i++)
        L.b[i] = uniform(-0.5f, 0.5f);
    for (size_t i = 0; i < SB * SN; i++)
        L.v[i] = uniform(-2.385f, 2.385f);
    for (size_t i = 0; i < SB; i++)
        L.dy[i] = uniform(0.5f, 1.5f);

    /* Forward and backward in float with the library's kernels. */
    float h[SB * SM], W[SM * SN], a[SB * SN], m[SB * SN], dm[SB * SN], da[SB * SN];
    size_t scratch[SK];
    for (size_t i = 0; i < SB * SM; i++)
        h[i] = (float)L.h[i];
    for (size_t i = 0; i < SM * SN; i++)
        W[i] = (float)L.W[i];
    for (size_t r = 0; r < SB; r++)
        for (size_t i = 0; i < SN; i++) {
            float z = (float)L.b[i];
            for (size_t j = 0; j < SM; j++)
                z += h[r * SM + j] * W[j * SN + i];
            a[r * SN + i] = z;
        }
    mc_sigmoid_forward(a, a, SB * SN);
    mc_topk_forward(m, scratch, a, SB, SN, SK);
    for (size_t r = 0; r < SB; r++)
        for (size_t i = 0; i < SN; i++)
            dm[r * SN + i] = (float)(L.dy[r] * L.v[r * SN + i]);
    memset(da, 0, sizeof da);
    mc_topk_backward(da, dm, SB, SN);
    mc_sigmoid_backward(da, da, a, SB * SN); /* now the pre-activations' gradient */
    double db[SN] = {0}, dW[SM * SN] = {0}, dh[SB * SM] = {0};
    for (size_t r = 0; r < SB; r++)
        for (size_t i = 0; i < SN; i++) {
            db[i] += da[r * SN + i];
            for (size_t j = 0; j < SM; j++) {
                dW[j * SN + i] += (double)h[r * SM + j] * da[r * SN + i];
                dh[r * SM + j] += (double)W[j * SN + i] * da[r * SN + i];
            }
        }

    /* Central differences of the soft layer, in double. */
    const double step = 1e-6;
    double *vals[3] = {L.b, L.W, L.h}, *grads[3] = {db, dW, dh};
    const size_t counts[3] = {SN, SM * SN, SB * SM};
    size_t dropped_with_gradient = 0;
    for (size_t t = 0; t < 3; t++)
        for (size_t i = 0; i < counts[t]; i++) {
            double *p = &vals[t][i];
            const double keep = *p;
            *p = keep + step;
            const double up = layer_loss(&L, false), up_hard = layer_loss(&L, true);
            *p = keep - step;
            const double down = layer_loss(&L, false), down_hard = layer_loss(&L, true);
            *p = keep;
            const double fd = (up - down) / (2 * step), fd_hard = (up_hard - down_hard) / (2 * step);
            assert_close(grads[t][i], fd, 1e-6, 1e-4);
            if (t == 0 && fd_hard == 0.0 && fabs(grads[t][i]) > 1e-3)
                dropped_with_gradient++; /* a bias no row keeps, still learning */
        }
    size_t kept = 0;
    for (size_t i = 0; i < SB * SN; i++)
        kept += m[i] != 0.0f;
    assert_int_equal(kept, SB * SK);
    assert_true(dropped_with_gradient > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_matches_sorted_twin),
        cmocka_unit_test(test_ties_nan_and_zeros),
        cmocka_unit_test(test_long_rows),
        cmocka_unit_test(test_backward_is_identity),
        cmocka_unit_test(test_ste_is_soft_gradient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
