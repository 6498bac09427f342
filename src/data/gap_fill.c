/* Filling the gaps of a regular frame: short ones by linear interpolation,
   long ones from the same time a week or a day away. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>
#include <math.h>

#include "common/error.h"
#include "common/gsl_quiet.h"
#include "data/frame_internal.h"

enum { DAY = 86400, WEEK = 7 * 86400 };

/* Rows in one period, or 0 when the step does not divide it. */
static size_t period_rows(int64_t period, int64_t step)
{
    return (step > 0 && step <= period && period % step == 0) ? (size_t)(period / step) : 0;
}

/* Linear interpolation across rows (a, b) exclusive, both ends known. */
static mc_status interpolate(mc_frame *f, size_t j, size_t a, size_t b, gsl_interp *interp)
{
    double *v = f->values[j];
    const double x[2] = {(double)a, (double)b};
    const double y[2] = {v[a], v[b]};
    if (gsl_interp_init(interp, x, y, 2) != GSL_SUCCESS)
        return MC_ERR_ARGUMENT;
    for (size_t i = a + 1; i < b; i++) {
        double out;
        if (gsl_interp_eval_e(interp, x, y, (double)i, NULL, &out) != GSL_SUCCESS)
            return MC_ERR_ARGUMENT;
        v[i] = out;
        f->states[j][i] = MC_VALUE_INTERPOLATED;
    }
    return MC_OK;
}

/* Copies row `from` into row `i` as a seasonal fill. */
static bool copy_from(mc_frame *f, size_t j, size_t i, size_t from)
{
    f->values[j][i] = f->values[j][from];
    f->states[j][i] = MC_VALUE_SEASONAL;
    return true;
}

/* The same time `period` rows earlier, already observed or filled. */
static bool from_earlier(mc_frame *f, size_t j, size_t i, size_t period)
{
    return period > 0 && i >= period && f->states[j][i - period] != MC_VALUE_MISSING &&
           copy_from(f, j, i, i - period);
}

/* The same time `period` rows later, observed only (later gaps are not filled yet). */
static bool from_later(mc_frame *f, size_t j, size_t i, size_t period)
{
    return period > 0 && i + period < f->rows && f->states[j][i + period] == MC_VALUE_OBSERVED &&
           copy_from(f, j, i, i + period);
}

/* Earlier before later (a forecaster looks back), a week before a day (the
   weekly cycle keeps weekends apart); left missing when nothing fits. */
static void fill_seasonal(mc_frame *f, size_t j, size_t first, size_t last, mc_long_fill how)
{
    const size_t week = how == MC_LONG_FILL_WEEK ? period_rows(WEEK, f->step) : 0;
    const size_t day = how != MC_LONG_FILL_NONE ? period_rows(DAY, f->step) : 0;
    for (size_t i = first; i <= last; i++)
        (void)(from_earlier(f, j, i, week) || from_earlier(f, j, i, day) ||
               from_later(f, j, i, week) || from_later(f, j, i, day));
}

static void count_states(mc_frame *f, size_t j)
{
    mc_column_report *r = &f->column_reports[j];
    r->interpolated = r->seasonal = r->missing = 0;
    for (size_t i = 0; i < f->rows; i++) {
        switch (f->states[j][i]) {
        case MC_VALUE_INTERPOLATED: r->interpolated++; break;
        case MC_VALUE_SEASONAL: r->seasonal++; break;
        case MC_VALUE_MISSING: r->missing++; break;
        default: break;
        }
    }
}

mc_status mc_frame_fill_gaps(mc_frame *f, const mc_regularize_options *opt, mc_error *err)
{
    mc_gsl_quiet();
    gsl_interp *interp = gsl_interp_alloc(gsl_interp_linear, 2);
    if (interp == NULL)
        return mc_error_nomem(err, "filling gaps");
    const size_t max_rows = (size_t)(opt->max_interpolate / f->step);
    mc_status st = MC_OK;
    for (size_t j = 0; j < f->n_columns && st == MC_OK; j++) {
        for (size_t i = 0; i < f->rows && st == MC_OK; i++) {
            if (f->states[j][i] != MC_VALUE_MISSING)
                continue;
            size_t last = i;
            while (last + 1 < f->rows && f->states[j][last + 1] == MC_VALUE_MISSING)
                last++;
            const bool bounded = i > 0 && last + 1 < f->rows;
            if (bounded && last - i + 1 <= max_rows)
                st = interpolate(f, j, i - 1, last + 1, interp);
            else
                fill_seasonal(f, j, i, last, opt->long_fill);
            i = last;
        }
        count_states(f, j);
    }
    gsl_interp_free(interp);
    if (st != MC_OK)
        return mc_error_set(err, st, 0, 0, "%s: interpolation failed", f->source);
    return MC_OK;
}
