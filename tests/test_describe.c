/* Column summaries against a naive recomputation with qsort. */
#include "test_util.h"

#include <stdlib.h>

#include "maskcast/maskcast.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double naive_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Deterministic noise in [-0.5, 0.5). */
static double noise(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (double)(*s >> 8) / 16777216.0 - 0.5;
}

/* Builds a CSV of n hourly values from `v` (NAN written as empty). */
static mc_frame *frame_of(const double *v, size_t n)
{
    size_t cap = 64 + n * 48, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text, cap, "time,load\n");
    for (size_t i = 0; i < n; i++) {
        long long t = 1600000000LL - 1600000000LL % 3600 + 3600LL * (long long)i;
        if (isnan(v[i]))
            len += (size_t)snprintf(text + len, cap - len, "%lld,\n", t);
        else
            len += (size_t)snprintf(text + len, cap - len, "%lld,%.17g\n", t, v[i]);
    }
    mc_csv_options copt;
    mc_csv_options_defaults(&copt);
    mc_frame *f = NULL;
    assert_int_equal(mc_frame_read_csv_buffer(&f, text, len, "d.csv", &copt, NULL), MC_OK);
    free(text);
    mc_regularize_options ropt;
    mc_regularize_options_defaults(&ropt);
    assert_int_equal(mc_frame_regularize(f, &ropt, NULL), MC_OK);
    return f;
}

enum { N = 2000 };

static void test_against_naive(void **state)
{
    (void)state;
    static double v[N];
    uint32_t seed = 2385;
    for (size_t i = 0; i < N; i++)
        v[i] = 500.0 + 120.0 * sin(6.283185307179586 * (double)i / 24.0) + 6.0 * noise(&seed);
    v[100] = 0.0;       /* a drop-out */
    v[700] += 300.0;    /* spikes of different sizes */
    v[1500] -= 180.0;
    v[1501] = -42.125;  /* negative load */
    v[50] = NAN;        /* missing: interpolated, so not observed */
    mc_frame *f = frame_of(v, N);
    mc_column_summary s;
    assert_int_equal(mc_frame_describe_column(f, 0, &s, NULL), MC_OK);

    /* Naive: basic statistics over observed values. */
    static double obs[N], resid[N], dev[N];
    size_t m = 0;
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < N; i++)
        if (!isnan(v[i])) {
            obs[m++] = v[i];
            sum += v[i];
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    assert_int_equal(s.observed, N - 1);
    assert_close(s.mean, sum / (double)m, 1e-9, 1e-12);
    assert_close(s.min, lo, 0, 0);
    assert_close(s.max, hi, 0, 0);
    assert_close(s.median, naive_median(obs, m), 0, 0);
    assert_int_equal(s.zeros, 1);
    assert_int_equal(s.negatives, 1);

    /* Naive: residual from the median of the 3 nearest observed values on
       each side within 5 rows (the interpolated value at 50 is not one), or
       where a side has fewer, from the line through the 2 nearest on the
       other side, divided by its noise amplification relative to the
       median's (independent noise: (1 + a^2 + b^2) against 1 + pi/12). */
    size_t k = 0;
    for (size_t i = 0; i < N; i++) {
        if (isnan(v[i]))
            continue;
        long near_l[3], near_r[3];
        size_t nl = 0, nr = 0;
        for (long d = 1; d <= 5 && nl < 3; d++)
            if ((long)i - d >= 0 && !isnan(v[(long)i - d]))
                near_l[nl++] = (long)i - d;
        for (long d = 1; d <= 5 && nr < 3; d++)
            if ((long)i + d < N && !isnan(v[(long)i + d]))
                near_r[nr++] = (long)i + d;
        if (nl == 3 && nr == 3) {
            double w[6] = {v[near_l[0]], v[near_l[1]], v[near_l[2]],
                           v[near_r[0]], v[near_r[1]], v[near_r[2]]};
            resid[k++] = v[i] - naive_median(w, 6);
        } else {
            const long *side = nr >= 2 ? near_r : near_l;
            const double x1 = (double)side[0], x2 = (double)side[1];
            const double slope = (v[side[1]] - v[side[0]]) / (x2 - x1);
            const double t = ((double)i - x1) / (x2 - x1); /* the line: v1 + t (v2 - v1) */
            const double gain = 1.0 + (1.0 - t) * (1.0 - t) + t * t;
            resid[k++] = (v[i] - (v[side[0]] + slope * ((double)i - x1))) /
                         sqrt(gain / (1.0 + 3.141592653589793 / 12.0));
        }
    }
    double rcopy[N];
    memcpy(rcopy, resid, k * sizeof *resid);
    const double centre = naive_median(rcopy, k);
    for (size_t i = 0; i < k; i++)
        dev[i] = fabs(resid[i] - centre);
    double dcopy[N];
    memcpy(dcopy, dev, k * sizeof *dev);
    /* Floored at 1e-3 of the scale: the larger of the IQR (quantiles
       interpolated linearly between order statistics) and the median |v|. */
    qsort(obs, m, sizeof *obs, cmp_double);
    const double q1 = obs[(m - 1) / 4] + ((double)(m - 1) / 4.0 - (double)((m - 1) / 4)) *
                                             (obs[(m - 1) / 4 + 1] - obs[(m - 1) / 4]);
    const double q3 = obs[3 * (m - 1) / 4] +
                      (3.0 * (double)(m - 1) / 4.0 - (double)(3 * (m - 1) / 4)) *
                          (obs[3 * (m - 1) / 4 + 1] - obs[3 * (m - 1) / 4]);
    for (size_t i = 0; i < m; i++)
        obs[i] = fabs(obs[i]);
    const double scale = fmax(q3 - q1, naive_median(obs, m));
    const double rsd = fmax(1.4826 * naive_median(dcopy, k), 1e-3 * scale);
    size_t outliers = 0;
    for (size_t i = 0; i < k; i++)
        outliers += dev[i] / rsd > MC_OUTLIER_SIGMAS;
    assert_close(s.robust_sd, rsd, 1e-9, 1e-12);
    assert_int_equal(s.outliers, outliers);
    assert_int_equal(s.outliers, 10); /* as before the spread had a floor */
    assert_close(s.robust_sd, 5.0596751770682253, 1e-9, 1e-12);

    /* The injected faults are the most extreme, biggest first: the drop-out
       to zero, then the negative reading, then the spike. */
    assert_true(s.n_examples >= 3);
    assert_int_equal(s.example_rows[0], 100);
    assert_int_equal(s.example_rows[1], 1501);
    assert_int_equal(s.example_rows[2], 700);
    for (size_t e = 1; e < s.n_examples; e++)
        assert_true(s.example_scores[e] <= s.example_scores[e - 1]);
    mc_frame_free(f);
}

/* Smooth series flag nothing: a daily sine at full precision, and a slow
   one written with 2 or 3 decimals, as meters export it, whose residuals
   are mostly zero up to the last bits of double arithmetic (its robust SD
   was once 2.6e-15 and 46% of it was flagged at 1.9e11 robust SDs). */
static void test_smooth_series(void **state)
{
    (void)state;
    enum { DAYS = 10, ROWS = 24 * DAYS };
    const struct { double period, scale; } shapes[] = {
        {24.0, 0.0},      /* not rounded */
        {1000.0, 1000.0}, /* three decimals */
        {1000.0, 100.0},  /* two decimals */
        {168.0, 1000.0},
    };
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        double v[ROWS];
        for (size_t i = 0; i < ROWS; i++) {
            v[i] = 7.3 + 2.385 * sin(6.283185307179586 * (double)i / shapes[k].period);
            if (shapes[k].scale > 0)
                v[i] = round(v[i] * shapes[k].scale) / shapes[k].scale;
        }
        mc_frame *f = frame_of(v, ROWS);
        mc_column_summary s;
        assert_int_equal(mc_frame_describe_column(f, 0, &s, NULL), MC_OK);
        if (s.outliers != 0)
            print_error("shape %zu: %zu outliers, robust SD %g, top score %g\n", k, s.outliers,
                        s.robust_sd, s.n_examples ? s.example_scores[0] : 0.0);
        assert_int_equal(s.outliers, 0);
        assert_int_equal(s.n_examples, 0);
        assert_true(s.robust_sd > 0.0);
        mc_frame_free(f);
    }
}

/* A constant series flags its one spike, and only it (inside the series and
   on its first row). */
static void test_flat_column(void **state)
{
    (void)state;
    enum { ROWS = 240 };
    const size_t spikes[] = {100, 57, 0};
    const double heights[] = {9.875, 5.3, 5.0};
    for (size_t k = 0; k < sizeof spikes / sizeof spikes[0]; k++) {
        double v[ROWS];
        for (size_t i = 0; i < ROWS; i++)
            v[i] = 5.25;
        v[spikes[k]] = heights[k];
        mc_frame *f = frame_of(v, ROWS);
        mc_column_summary s;
        assert_int_equal(mc_frame_describe_column(f, 0, &s, NULL), MC_OK);
        if (s.outliers != 1)
            print_error("spike at %zu: %zu outliers, robust SD %g\n", spikes[k], s.outliers,
                        s.robust_sd);
        assert_int_equal(s.outliers, 1);
        assert_int_equal(s.n_examples, 1);
        assert_int_equal(s.example_rows[0], spikes[k]);
        assert_true(s.example_scores[0] > MC_OUTLIER_SIGMAS);
        assert_close(s.robust_sd, 1e-3 * 5.25, 0, 1e-12); /* the floor: IQR 0, median 5.25 */
        mc_frame_free(f);
    }
    /* A column of zeros flags its spike too: its scale is its largest value. */
    double z[40] = {0};
    z[20] = 2.385;
    mc_frame *f = frame_of(z, 40);
    mc_column_summary s;
    assert_int_equal(mc_frame_describe_column(f, 0, &s, NULL), MC_OK);
    assert_close(s.robust_sd, 1e-3 * 2.385, 0, 1e-12);
    assert_int_equal(s.outliers, 1);
    assert_int_equal(s.example_rows[0], 20);
    mc_frame_free(f);
    /* Flags change in steps: a workday flag (mostly 1) and a holiday flag
       (mostly 0), hourly, flag nothing; a lone 0 in the workday flag does. */
    enum { FLAG_ROWS = 24 * 28 };
    double work[FLAG_ROWS], holiday[FLAG_ROWS];
    for (size_t i = 0; i < FLAG_ROWS; i++) {
        work[i] = (i / 24) % 7 < 5 ? 1.0 : 0.0;
        holiday[i] = i / 24 == 9 || i / 24 == 20 ? 1.0 : 0.0;
    }
    const double *flags[2] = {work, holiday};
    for (size_t k = 0; k < 2; k++) {
        f = frame_of(flags[k], FLAG_ROWS);
        assert_int_equal(mc_frame_describe_column(f, 0, &s, NULL), MC_OK);
        assert_int_equal(s.outliers, 0);
        mc_frame_free(f);
    }
    /* Two values but not a flag: a constant column with a two-row drop-out
       flags both rows. */
    double dropout[FLAG_ROWS];
    for (size_t i = 0; i < FLAG_ROWS; i++)
        dropout[i] = i == 300 || i == 301 ? 0.0 : 5.25;
    f = frame_of(dropout, FLAG_ROWS);
    assert_int_equal(mc_frame_describe_column(f, 0, &s, NULL), MC_OK);
    assert_int_equal(s.outliers, 2);
    mc_frame_free(f);
    work[24 * 2 + 13] = 0.0; /* a Wednesday hour off: alone */
    f = frame_of(work, FLAG_ROWS);
    assert_int_equal(mc_frame_describe_column(f, 0, &s, NULL), MC_OK);
    assert_true(s.outliers >= 1);
    assert_int_equal(s.example_rows[0], 24 * 2 + 13);
    mc_error err;
    assert_int_equal(mc_frame_describe_column(f, 1, &s, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "column 1 does not exist");
    mc_frame_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_naive),
        cmocka_unit_test(test_smooth_series),
        cmocka_unit_test(test_flat_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
