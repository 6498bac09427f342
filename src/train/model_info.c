/* What a model reads and writes, for applications that prepare its data:
   its columns by role, and its quantile levels. */
#include <math.h>

#include "train/model_internal.h"

size_t mc_model_past_columns(const mc_model *m) { return m->n_past; }
size_t mc_model_future_columns(const mc_model *m) { return m->n_future; }

const char *mc_model_column_name(const mc_model *m, size_t j)
{
    return j < mc_model_channels(m) ? m->names[j] : NULL;
}

double mc_model_quantile_level(const mc_model *m, size_t q)
{
    if (q >= m->shape.quantiles)
        return NAN;
    return m->loss.kind == MC_NN_LOSS_PINBALL ? (double)m->loss.quantiles[q] : NAN;
}

mc_loss_kind mc_model_loss(const mc_model *m) { return (mc_loss_kind)m->loss.kind; }
