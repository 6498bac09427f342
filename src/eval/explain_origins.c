/* Which origins permutation importance forecasts: given, or counted back
   from the last observed load (what `maskcast explain` and mc_model_explain()
   choose by default). */
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "data/timestamp.h"
#include "eval/explain.h"
#include "train/model_internal.h"

static mc_status copy_given(size_t **out, size_t *n, const mc_explanation_options *opt,
                            mc_error *err)
{
    if (opt->n_origins < 2)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "permutation importance needs at least 2 origins; %zu given",
                            opt->n_origins);
    size_t *o = mc_realloc_array(NULL, opt->n_origins, sizeof *o);
    if (o == NULL)
        return mc_error_nomem(err, "choosing the origins");
    memcpy(o, opt->origins, opt->n_origins * sizeof *o);
    *out = o;
    *n = opt->n_origins;
    return MC_OK;
}

mc_status mc_explain_pick_origins(size_t **out, size_t *n_out, const mc_model *m,
                                  const mc_series *s, const int64_t *times,
                                  const mc_explanation_options *opt, mc_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (opt->origins != NULL)
        return copy_given(out, n_out, opt, err);
    const size_t L = m->shape.lookback, H = m->shape.horizon;
    const int64_t stride_s = opt->stride ? opt->stride : m->step;
    if (stride_s < 0 || stride_s % m->step != 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the stride between origins (%lld s) is not a multiple of the "
                            "data's step (%lld s)",
                            (long long)stride_s, (long long)m->step);
    size_t end = s->rows; /* one past the last observed load */
    while (end > 0 && s->states[0][end - 1] != MC_VALUE_OBSERVED)
        end--;
    size_t first = L;
    if (opt->has_start) {
        size_t i = 0;
        while (i < s->rows && times[i] < opt->start)
            i++;
        first = i > first ? i : first;
    } else {
        const size_t days = opt->days ? opt->days : 28;
        size_t span;
        if (!mc_size_mul(days, m->day_steps, &span))
            span = SIZE_MAX;
        first = end > span && end - span > first ? end - span : first;
    }
    const size_t stride = (size_t)(stride_s / m->step);
    size_t last = end >= H ? end - H : 0;
    /* Daily origins at the time of day a backtest's are. */
    if (stride_s % 86400 == 0 && opt->origin_time >= 0 && opt->origin_time < 86400) {
        while (last > first && s->wall[last] - 86400 * mc_time_days(s->wall[last]) !=
                                   opt->origin_time)
            last--;
    }
    size_t n = 0;
    for (size_t t = last; t >= first && t + H <= end; t -= stride) {
        n++;
        if (t < stride)
            break;
    }
    if (n < 2)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "%zu origin%s fit%s between the start and the last observed load "
                            "(each needs %zu rows before it and %zu after); at least 2 are needed",
                            n, n == 1 ? "" : "s", n == 1 ? "s" : "", L, H);
    size_t *origins = mc_realloc_array(NULL, n, sizeof *origins);
    if (origins == NULL)
        return mc_error_nomem(err, "choosing the origins");
    for (size_t i = 0; i < n; i++)
        origins[n - 1 - i] = last - i * stride;
    *out = origins;
    *n_out = n;
    return MC_OK;
}

void mc_explain_time_strata(size_t *strata, const mc_series *s, const size_t *origins, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const int64_t wall = s->wall[origins[i]];
        strata[i] = (size_t)(wall - 86400 * mc_time_days(wall));
    }
}
