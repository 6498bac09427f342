/* Split-conformal calibration kept in a model (calibration.h). */
#include "train/calibration.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "train/bind.h"
#include "train/model_internal.h"

bool mc_conformal_ranks(size_t m, double level, size_t *lower, size_t *upper)
{
    /* a tolerance far above rounding and far below a rank's width */
    if (!(level > 0.0 && level < 1.0)) {
        *lower = *upper = 0;
        return false;
    }
    const double n = (double)(m + 1), a = (1.0 - level) / 2.0, slack = 1e-9 * n;
    const double lo = floor(n * a + slack), hi = ceil(n * (1.0 - a) - slack);
    *lower = lo >= 1.0 ? (size_t)lo : 0;
    *upper = hi >= 1.0 ? (size_t)hi : 0;
    return m > 0 && lo >= 1.0 && hi <= (double)m;
}

size_t mc_calibration_rank(size_t j, size_t K, size_t m)
{
    if (K <= 1)
        return 1;
    return 1 + (size_t)((double)j * (double)(m - 1) / (double)(K - 1));
}

void mc_calibration_free(mc_calibration *c)
{
    free(c->count);
    free(c->kept);
    free(c->errors);
    *c = (mc_calibration){0};
}

size_t mc_calibration_total(const mc_calibration *c)
{
    size_t total = 0;
    for (size_t k = 0; k < c->steps; k++)
        total += c->kept[k];
    return total;
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Room for `steps` steps and `total` kept errors; on failure c is empty. */
static mc_status allocate(mc_calibration *c, size_t steps, size_t total, mc_error *err)
{
    *c = (mc_calibration){0};
    c->count = mc_realloc_array(NULL, steps ? steps : 1, sizeof *c->count);
    c->kept = mc_realloc_array(NULL, steps ? steps : 1, sizeof *c->kept);
    c->errors = mc_realloc_array(NULL, total ? total : 1, sizeof *c->errors);
    if (c->count == NULL || c->kept == NULL || c->errors == NULL) {
        mc_calibration_free(c);
        return mc_error_nomem(err, "the prediction intervals' calibration");
    }
    c->steps = steps;
    return MC_OK;
}

size_t mc_step_errors(double *e, const mc_model *m, const mc_series *s, const size_t *origins,
                      size_t n, const double *out, size_t k)
{
    const size_t H = m->shape.horizon, Q = m->shape.quantiles;
    const size_t point = mc_model_median_output(m);
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t row = origins[i] + k;
        const double y = s->values[0][row], f = out[(i * H + k) * Q + point];
        if (s->states[0][row] == MC_VALUE_OBSERVED && isfinite(y) && isfinite(f))
            e[cnt++] = y - f;
    }
    qsort(e, cnt, sizeof *e, by_value);
    return cnt;
}

mc_status mc_calibration_fit(mc_calibration *c, const mc_model *m, const mc_series *s,
                             const size_t *origins, size_t n, mc_error *err)
{
    *c = (mc_calibration){0};
    const size_t H = m->shape.horizon, Q = m->shape.quantiles;
    double *out = mc_realloc_array(NULL, n ? n : 1, H * Q * sizeof *out);
    double *e = mc_realloc_array(NULL, n ? n : 1, sizeof *e);
    mc_status st = out && e ? MC_OK : mc_error_nomem(err, "the prediction intervals' calibration");
    if (st == MC_OK)
        st = mc_model_predict(m, s, origins, n, out, NULL, err);
    if (st == MC_OK)
        st = allocate(c, H, H * (n < MC_CALIBRATION_KEEP ? n : MC_CALIBRATION_KEEP), err);
    size_t at = 0;
    for (size_t k = 0; st == MC_OK && k < H; k++) {
        const size_t cnt = mc_step_errors(e, m, s, origins, n, out, k);
        const size_t K = cnt < MC_CALIBRATION_KEEP ? cnt : MC_CALIBRATION_KEEP;
        for (size_t j = 0; j < K; j++)
            c->errors[at + j] = (float)e[mc_calibration_rank(j, K, cnt) - 1];
        c->count[k] = cnt;
        c->kept[k] = K;
        at += K;
    }
    free(out);
    free(e);
    if (st != MC_OK || mc_calibration_total(c) == 0)
        mc_calibration_free(c); /* on failure, or no observed target: none */
    return st;
}

mc_status mc_calibration_check(const mc_calibration *c, mc_error *err)
{
    size_t at = 0;
    for (size_t k = 0; k < c->steps; k++) {
        const size_t m = c->count[k], K = c->kept[k];
        if (K > m || K > MC_CALIBRATION_KEEP || (m > 0 && K == 0) ||
            (K < m && K < MC_CALIBRATION_KEEP))
            return mc_error_set(err, MC_ERR_FORMAT, 0, 0,
                                "step %zu keeps %zu of %zu errors", k + 1, K, m);
        for (size_t j = 0; j < K; j++) {
            const float v = c->errors[at + j];
            if (!isfinite(v) || (j > 0 && v < c->errors[at + j - 1]))
                return mc_error_set(err, MC_ERR_FORMAT, 0, 0,
                                    "step %zu's errors are not finite and increasing", k + 1);
        }
        at += K;
    }
    return MC_OK;
}

mc_status mc_calibration_copy(mc_calibration *dst, const mc_calibration *src, mc_error *err)
{
    *dst = (mc_calibration){0};
    if (src->steps == 0)
        return MC_OK;
    const size_t total = mc_calibration_total(src);
    mc_status st = allocate(dst, src->steps, total, err);
    if (st != MC_OK)
        return st;
    memcpy(dst->count, src->count, src->steps * sizeof *dst->count);
    memcpy(dst->kept, src->kept, src->steps * sizeof *dst->kept);
    memcpy(dst->errors, src->errors, total * sizeof *dst->errors);
    return MC_OK;
}

bool mc_calibration_offsets(const mc_calibration *c, size_t k, double level, double *lower,
                            double *upper)
{
    *lower = *upper = NAN;
    if (k >= c->steps || !(level > 0.0 && level < 1.0))
        return false;
    size_t at = 0;
    for (size_t i = 0; i < k; i++)
        at += c->kept[i];
    const size_t m = c->count[k], K = c->kept[k];
    size_t lo_rank, hi_rank;
    if (!mc_conformal_ranks(m, level, &lo_rank, &hi_rank))
        return false;
    size_t lo = 0, hi = K - 1; /* the kept ranks nearest outward */
    for (size_t j = 0; j < K; j++) {
        const size_t r = mc_calibration_rank(j, K, m);
        if (r <= lo_rank)
            lo = j;
        if (r >= hi_rank && j < hi)
            hi = j;
    }
    *lower = c->errors[at + lo];
    *upper = c->errors[at + hi];
    return true;
}

mc_status mc_model_calibrate(mc_model *m, const mc_frame *frame, const mc_train_options *to,
                             mc_error *err)
{
    const size_t rows = mc_frame_rows(frame);
    mc_bound b;
    mc_status st = mc_model_bind(&b, m, frame, to->train_rows && to->train_rows < rows
                                                   ? to->train_rows : rows, err);
    if (st != MC_OK)
        return st;
    size_t *all = NULL, n_train = 0, *val = NULL, n_val = 0;
    st = mc_training_origins(&b.series, m->shape.lookback, m->shape.horizon,
                             to->origin_stride ? to->origin_stride : 1, to->validation_fraction,
                             &all, &n_train, &val, &n_val, err);
    mc_calibration c = {0};
    if (st == MC_OK && n_val > 0)
        st = mc_calibration_fit(&c, m, &b.series, val, n_val, err);
    if (st == MC_OK) {
        mc_calibration_free(&m->calibration);
        m->calibration = c;
    }
    free(all);
    mc_bound_free(&b);
    return st;
}

size_t mc_model_calibration_origins(const mc_model *m)
{
    const mc_calibration *c = &m->calibration;
    size_t fewest = c->steps ? SIZE_MAX : 0;
    for (size_t k = 0; k < c->steps; k++)
        fewest = c->count[k] < fewest ? c->count[k] : fewest;
    return fewest;
}

mc_status mc_model_interval_offsets(const mc_model *m, double level, double *lower,
                                    double *upper, mc_error *err)
{
    if (!(level > 0.0 && level < 1.0))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "an interval's level must lie between 0 and 1, not %g", level);
    if (m->calibration.steps == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the model holds no calibration for prediction intervals (it was "
                            "trained without a validation tail, or is an ensemble made "
                            "without data)");
    for (size_t k = 0; k < m->calibration.steps; k++)
        mc_calibration_offsets(&m->calibration, k, level, &lower[k], &upper[k]);
    return MC_OK;
}
