#include "eval/metrics.h"

#include <math.h>

#include "common/error.h"
#include "maskcast/frame.h"

void mc_metric_add(mc_metric_sums *s, double actual, double forecast, double reference)
{
    const double e = fabs(actual - forecast);
    s->n++;
    s->abs_err += e;
    s->sq_err += e * e;
    if (fabs(actual) > 0) {
        s->n_pct++;
        s->ape += e / fabs(actual);
    }
    const double mag = fabs(actual) + fabs(forecast);
    if (mag > 0) {
        s->n_spct++;
        s->sape += 2.0 * e / mag;
    }
    if (isfinite(reference)) {
        s->n_ref++;
        s->ref_abs_err += fabs(actual - reference);
    }
}

static double pinball(double actual, double value, double level)
{
    const double d = actual - value;
    return d >= 0 ? level * d : (level - 1.0) * d;
}

void mc_metric_add_quantiles(mc_metric_sums *s, double actual, const double *values,
                             const double *levels, size_t q)
{
    if (q == 0)
        return;
    double loss = 0, crps = 0;
    for (size_t k = 0; k < q; k++) {
        const double l = pinball(actual, values[k], levels[k]);
        const double from = k > 0 ? (levels[k - 1] + levels[k]) / 2.0 : 0.0;
        const double to = k + 1 < q ? (levels[k] + levels[k + 1]) / 2.0 : 1.0;
        loss += l;
        crps += 2.0 * (to - from) * pinball(actual, values[k], (from + to) / 2.0);
    }
    s->n_q++;
    s->pinball += loss / (double)q;
    s->crps += crps;
    if (q >= 2) {
        s->n_cov++;
        s->covered += values[0] <= actual && actual <= values[q - 1];
        s->nominal = levels[q - 1] - levels[0];
    }
}

void mc_metric_merge(mc_metric_sums *into, const mc_metric_sums *from)
{
    /* Both sides are expected to use the same levels; an empty side has none. */
    if (into->n_cov == 0)
        into->nominal = from->nominal;
    into->n += from->n;
    into->abs_err += from->abs_err;
    into->sq_err += from->sq_err;
    into->n_pct += from->n_pct;
    into->ape += from->ape;
    into->n_spct += from->n_spct;
    into->sape += from->sape;
    into->n_ref += from->n_ref;
    into->ref_abs_err += from->ref_abs_err;
    into->n_q += from->n_q;
    into->pinball += from->pinball;
    into->crps += from->crps;
    into->n_cov += from->n_cov;
    into->covered += from->covered;
}

/* sum / count, or NAN for no count. */
static double mean_of(double sum, size_t count)
{
    return count > 0 ? sum / (double)count : NAN;
}

void mc_metrics_finish(mc_metrics *out, const mc_metric_sums *s, double mase_scale)
{
    out->n = s->n;
    out->mae = mean_of(s->abs_err, s->n);
    out->rmse = sqrt(mean_of(s->sq_err, s->n));
    out->mape = 100.0 * mean_of(s->ape, s->n_pct);
    out->smape = 100.0 * mean_of(s->sape, s->n_spct);
    out->mase = (isfinite(mase_scale) && mase_scale > 0) ? out->mae / mase_scale : NAN;
    const double ref_mae = mean_of(s->ref_abs_err, s->n_ref);
    out->skill = (s->n > 0 && s->n_ref == s->n && ref_mae > 0) ? 1.0 - out->mae / ref_mae : NAN;
    out->pinball = mean_of(s->pinball, s->n_q);
    out->coverage = mean_of((double)s->covered, s->n_cov);
    out->nominal = s->n_cov > 0 ? s->nominal : NAN;
    out->crps = s->n_q > 0 ? mean_of(s->crps, s->n_q) : out->mae;
}

mc_status mc_mase_scale(double *out, const double *y, const uint8_t *state, size_t n,
                        size_t season, mc_error *err)
{
    if (out == NULL || y == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "MASE scale: no series given");
    if (season == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "MASE scale: the season must be at least 1 row");
    double sum = 0;
    size_t count = 0;
    for (size_t t = season; t < n; t++) {
        if (state != NULL &&
            (state[t] != MC_VALUE_OBSERVED || state[t - season] != MC_VALUE_OBSERVED))
            continue;
        sum += fabs(y[t] - y[t - season]);
        count++;
    }
    *out = mean_of(sum, count);
    return MC_OK;
}
