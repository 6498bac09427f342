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

const char *mc_model_time_column(const mc_model *m) { return m->time_name; }
const char *mc_model_time_zone(const mc_model *m) { return m->time_zone; }

double mc_model_quantile_level(const mc_model *m, size_t q)
{
    if (q >= m->shape.quantiles)
        return NAN;
    return m->loss.kind == MC_NN_LOSS_PINBALL ? (double)m->loss.quantiles[q] : NAN;
}

mc_loss_kind mc_model_loss(const mc_model *m) { return (mc_loss_kind)m->loss.kind; }

size_t mc_model_tensor_count(const mc_model *m)
{
    size_t n = 0;
    for (int t = 0; t < MC_T_COUNT; t++)
        n += m->layout.rows[t] * m->layout.cols[t] > 0;
    return n;
}

const char *mc_model_tensor(const mc_model *m, size_t i, size_t shape[2], size_t *ndim)
{
    for (int t = 0; t < MC_T_COUNT; t++) {
        size_t dims[2];
        const size_t n = mc_tensor_dims(&m->layout, (mc_tensor)t, dims);
        if (n == 0 || i-- > 0)
            continue;
        shape[0] = dims[0];
        shape[1] = n == 2 ? dims[1] : 0;
        *ndim = n;
        return mc_tensor_name((mc_tensor)t);
    }
    return NULL;
}

size_t mc_model_parameter_count(const mc_model *m) { return m->members * m->layout.total; }

bool mc_model_column_scaler(const mc_model *m, size_t j, double *mean, double *scale)
{
    if (j >= mc_model_channels(m))
        return false;
    *mean = m->scalers[j].mean;
    *scale = m->scalers[j].scale;
    return true;
}

const int64_t *mc_model_holidays(const mc_model *m, size_t *n)
{
    *n = m->holidays.n;
    return m->holidays.days;
}

const char *mc_model_kept(const mc_model *m)
{
    if (m->members > 1)
        return "ensemble";
    if (m->shape.blend)
        return "blend";
    return m->record.best_epoch == 0 ? "linear" : "network";
}

void mc_model_training_record(const mc_model *m, mc_training_record *out)
{
    const mc_train_record *r = &m->record;
    *out = (mc_training_record){.epochs = r->epochs, .best_epoch = r->best_epoch,
                                .best_val_loss = r->best_val_loss,
                                .train_origins = r->train_origins, .val_origins = r->val_origins,
                                .first_time = r->first_time, .last_time = r->last_time,
                                .seed = r->seed, .network_val_loss = r->network_val_loss,
                                .linear_val_loss = r->linear_val_loss,
                                .blend_weight = r->blend_weight,
                                .blend_val_loss = r->blend_val_loss,
                                .time_limited = r->time_limited};
}
