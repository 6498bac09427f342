/* Ensembles (maskcast/model.h, mc_model_ensemble): members trained one by
   one with their own seeds, held in one model whose parameter block is the
   members' blocks end to end; the forward pass averages them (bind.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "train/model_internal.h"

size_t mc_model_members(const mc_model *m) { return m->members; }

/* The same network but for the blend, field by field (a struct's padding
   is not part of its value). */
static bool same_network(const mc_net_shape *a, const mc_net_shape *b)
{
    return a->lookback == b->lookback && a->horizon == b->horizon &&
           a->past_channels == b->past_channels && a->future_channels == b->future_channels &&
           a->hidden == b->hidden && a->quantiles == b->quantiles &&
           a->activation == b->activation && a->mask_kind == b->mask_kind &&
           a->anomaly_mask == b->anomaly_mask && a->horizon_masks == b->horizon_masks &&
           a->skip == b->skip && mc_net_n_terms(a) == mc_net_n_terms(b) &&
           a->calendar == b->calendar && a->mask_local == b->mask_local &&
           a->horizon_rank == b->horizon_rank && a->mask_penalty == b->mask_penalty &&
           a->mask_topk == b->mask_topk && a->anomaly_topk == b->anomaly_topk &&
           a->temporal == b->temporal && a->temporal_score == b->temporal_score &&
           a->temporal_dim == b->temporal_dim && a->temporal_width == b->temporal_width;
}

/* Whether b was trained with a's options on a's data: what their forecasts'
   mean needs to be one model's. The blend may differ (see below). */
static const char *differs(const mc_model *a, const mc_model *b)
{
    if (!same_network(&a->shape, &b->shape) || a->loss.kind != b->loss.kind ||
        a->loss.n_quantiles != b->loss.n_quantiles ||
        memcmp(a->loss.quantiles, b->loss.quantiles, sizeof a->loss.quantiles) != 0)
        return "the configuration";
    if (a->step != b->step || a->level_steps != b->level_steps || a->calendar != b->calendar ||
        a->normalize_level != b->normalize_level || a->n_past != b->n_past ||
        a->n_future != b->n_future)
        return "the data's step or the inputs";
    const size_t channels = mc_model_channels(a);
    for (size_t c = 0; c < channels; c++)
        if (strcmp(a->names[c], b->names[c]) != 0)
            return "the columns";
    if ((a->time_zone == NULL) != (b->time_zone == NULL) ||
        (a->time_zone != NULL && strcmp(a->time_zone, b->time_zone) != 0))
        return "the time zone";
    if (memcmp(a->scalers, b->scalers, channels * sizeof *a->scalers) != 0)
        return "the scalers (the data trained on)";
    if (a->holidays.n != b->holidays.n ||
        (a->holidays.n > 0 &&
         memcmp(a->holidays.days, b->holidays.days, a->holidays.n * sizeof *a->holidays.days) != 0))
        return "the holidays";
    return NULL;
}

/* Member m's parameters in the ensemble's layout `lay` (a blend's when any
   member is one): its own tensors, and for a member that is not a blend the
   blend's tensors as the network alone (weight 1, linear part 0). */
static void member_params(float *out, const mc_net_layout *lay, const mc_model *m)
{
    memset(out, 0, lay->total * sizeof *out);
    mc_tensors_copy(out, lay, m->params, &m->layout);
    if (!m->shape.blend)
        for (size_t k = 0; k < lay->rows[MC_T_BLEND_W]; k++)
            out[lay->offset[MC_T_BLEND_W] + k] = 1.0f;
}

mc_status mc_model_ensemble(mc_model **out, const mc_model *const *models, size_t n,
                            mc_error *err)
{
    *out = NULL;
    if (n == 0 || n > MC_MAX_MEMBERS)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "an ensemble has 1 to %d members, not %zu", MC_MAX_MEMBERS, n);
    bool blend = false;
    for (size_t i = 0; i < n; i++) {
        if (models[i] == NULL || models[i]->members != 1)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                "member %zu is %s", i + 1,
                                models[i] == NULL ? "missing" : "an ensemble itself");
        const char *what = differs(models[0], models[i]);
        if (what != NULL)
            return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                                "member %zu differs from the first in %s: an ensemble's members "
                                "are trained with the same options on the same data",
                                i + 1, what);
        blend = blend || models[i]->shape.blend;
    }
    mc_model *e = NULL;
    mc_status st = mc_model_clone(&e, models[0], err);
    if (st != MC_OK)
        return st;
    /* the members' errors are not the ensemble's: its intervals come from
       mc_model_calibrate() on the data (the command line does so) */
    mc_calibration_free(&e->calibration);
    e->shape.blend = blend;
    e->config.network.blend = blend;
    mc_net_layout lay;
    if ((st = mc_net_plan(&e->shape, (size_t)1 << 20, &lay, err)) != MC_OK) {
        mc_model_free(e);
        return st;
    }
    float *p = mc_realloc_array(NULL, n, lay.total * sizeof *p);
    if (p == NULL) {
        mc_model_free(e);
        return mc_error_nomem(err, "making the ensemble");
    }
    for (size_t i = 0; i < n; i++)
        member_params(p + i * lay.total, &lay, models[i]);
    free(e->params);
    e->params = p;
    e->layout = lay;
    e->members = n;
    e->config.network.members = n;
    *out = e;
    return MC_OK;
}
