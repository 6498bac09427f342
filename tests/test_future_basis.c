/* The future term's basis (nn/future_basis.h): at real calendar times
   against a twin written from the date itself (the harmonics from the angle,
   the weekday from the civil date), and its backward pass against central
   differences of g . phi. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

#include "data/calendar.h"
#include "data/timestamp.h"
#include "nn/future_basis.h"

#define TWO_PI 6.28318530717958647692

enum { COVARIATES = 2, CF = MC_BASIS_CALENDAR_CHANNELS + COVARIATES };

/* The basis at wall-clock time `wall` with covariates c, written out. */
static size_t twin(double *phi, int64_t wall, bool holiday, const double *c)
{
    const int64_t day = mc_time_days(wall);
    const double t = TWO_PI * (double)(wall - day * 86400) / 86400.0;
    const int wd = mc_weekday_from_days(day);
    int64_t y;
    int mo, d;
    mc_civil_from_days(day, &y, &mo, &d);
    const double doy = (double)(day - mc_days_from_civil(y, 1, 1)) + (double)(wall - day * 86400) / 86400.0;
    const double a = TWO_PI * doy / 365.25, we = wd >= 5, hol = holiday;
    size_t j = 0;
    const double shape[4] = {sin(t), cos(t), sin(2 * t), cos(2 * t)};
    for (int i = 0; i < 4; i++)
        phi[j++] = shape[i];
    phi[j++] = sin(3 * t);
    phi[j++] = cos(3 * t);
    for (int k = 1; k < 7; k++)
        phi[j++] = wd == k;
    phi[j++] = sin(a);
    phi[j++] = cos(a);
    phi[j++] = sin(2 * a);
    phi[j++] = cos(2 * a);
    phi[j++] = we;
    phi[j++] = hol;
    for (int i = 0; i < 4; i++)
        phi[j++] = shape[i] * we;
    for (int i = 0; i < 4; i++)
        phi[j++] = shape[i] * hol;
    for (int k = 0; k < COVARIATES; k++) {
        phi[j++] = c[k];
        for (double knot = -1.0; knot <= 1.0; knot += 0.5)
            phi[j++] = fmax(0.0, c[k] - knot);
        phi[j++] = c[k] * sin(t);
        phi[j++] = c[k] * cos(t);
        phi[j++] = c[k] * we;
    }
    return j;
}

static void test_basis_matches_the_dates(void **state)
{
    (void)state;
    const size_t P = mc_future_basis_size(CF, true);
    assert_int_equal(P, MC_BASIS_CALENDAR_TERMS + COVARIATES * MC_BASIS_COVARIATE_TERMS);
    assert_int_equal(mc_future_basis_size(COVARIATES, false), COVARIATES * MC_BASIS_COVARIATE_TERMS);
    assert_int_equal(mc_future_basis_size(3, true), 0); /* too few channels for a calendar */
    const int64_t hol_day = mc_days_from_civil(2024, 12, 25);
    mc_holidays h = {NULL, 0};
    assert_int_equal(mc_holidays_from_days(&h, &hol_day, 1, NULL), MC_OK);
    size_t weekdays_seen[7] = {0}, holidays = 0;
    /* Every half hour of four weeks around Christmas, midnights included. */
    const int64_t start = mc_days_from_civil(2024, 12, 10) * 86400;
    for (int64_t wall = start; wall < start + 28 * 86400; wall += 1800) {
        float f[CF];
        mc_calendar_features(f, wall, &h);
        const double c[COVARIATES] = {-1.7 + (double)((wall / 1800) % 13) * 0.29,
                                      (double)((wall / 3600) % 5) * 0.5 - 1.0};
        f[8] = (float)c[0];
        f[9] = (float)c[1];
        float phi[MC_BASIS_CALENDAR_TERMS + COVARIATES * MC_BASIS_COVARIATE_TERMS];
        double want[MC_BASIS_CALENDAR_TERMS + COVARIATES * MC_BASIS_COVARIATE_TERMS];
        mc_future_basis(phi, f, CF, true);
        const bool holiday = mc_time_days(wall) == hol_day;
        assert_int_equal(twin(want, wall, holiday, c), P);
        for (size_t j = 0; j < P; j++)
            if (!(fabs(phi[j] - want[j]) <= 2e-5 * (1.0 + fabs(want[j])))) {
                print_error("at %lld, term %zu: %g, want %g\n", (long long)wall, j, (double)phi[j],
                            want[j]);
                fail();
            }
        weekdays_seen[mc_weekday_from_days(mc_time_days(wall))]++;
        holidays += holiday;
    }
    for (int d = 0; d < 7; d++)
        assert_int_equal(weekdays_seen[d], 4 * 48);
    assert_int_equal(holidays, 48);
    mc_holidays_free(&h);
}

/* J' g against central differences, away from the weekday's edges (the
   fixture's times are mid-step) and the hinges' kinks. */
static void test_backward_matches_differences(void **state)
{
    (void)state;
    enum { P = MC_BASIS_CALENDAR_TERMS + COVARIATES * MC_BASIS_COVARIATE_TERMS };
    *test_rng() = 77u;
    size_t checked = 0;
    for (int calendar = 0; calendar < 2; calendar++)
        for (int trial = 0; trial < 40; trial++) {
            const size_t cf = calendar ? CF : COVARIATES;
            const size_t p = mc_future_basis_size(cf, calendar);
            float f[CF], g[P], df[CF] = {0};
            test_fill(f, cf, -1.4f, 1.4f);
            test_fill(g, p, -1.0f, 1.0f);
            bool near_kink = false;
            for (size_t k = cf - COVARIATES; k < cf; k++)
                for (double knot = -1.0; knot <= 1.0; knot += 0.5)
                    near_kink = near_kink || fabs(f[k] - knot) < 0.01;
            if (near_kink)
                continue;
            mc_future_basis_backward(df, f, g, cf, calendar);
            for (size_t i = 0; i < cf; i++) {
                const float keep = f[i];
                const float eps = 1e-3f;
                float phi[P];
                double up = 0.0, down = 0.0;
                f[i] = keep + eps;
                mc_future_basis(phi, f, cf, calendar);
                for (size_t j = 0; j < p; j++)
                    up += (double)g[j] * phi[j];
                f[i] = keep - eps;
                mc_future_basis(phi, f, cf, calendar);
                for (size_t j = 0; j < p; j++)
                    down += (double)g[j] * phi[j];
                f[i] = keep;
                const double fd = (up - down) / (2.0 * eps);
                /* the weekday may flip within eps of its edge: skip those */
                float a[P], b[P];
                f[i] = keep + eps;
                mc_future_basis(a, f, cf, calendar);
                f[i] = keep - eps;
                mc_future_basis(b, f, cf, calendar);
                f[i] = keep;
                bool flipped = false;
                for (size_t j = 6; calendar && j < 12; j++)
                    flipped = flipped || a[j] != b[j];
                if (flipped)
                    continue;
                if (!(fabs(fd - df[i]) <= 2e-3 + 2e-3 * fabs(fd))) {
                    print_error("calendar %d channel %zu: %g, difference %g\n", calendar, i,
                                (double)df[i], fd);
                    fail();
                }
                checked++;
            }
        }
    assert_true(checked > 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basis_matches_the_dates),
        cmocka_unit_test(test_backward_matches_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
