#include "nn/tensors.h"

#include <gsl/gsl_rng.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "common/gsl_quiet.h"
#include "nn/blocks.h"
#include "nn/future_basis.h"
#include "nn/temporal_attention.h"

size_t mc_net_n_past(const mc_net_shape *s) { return s->lookback * s->past_channels; }

size_t mc_net_n_input(const mc_net_shape *s)
{
    return s->lookback * s->past_channels + s->lookback + s->horizon * s->future_channels;
}

size_t mc_net_n_output(const mc_net_shape *s) { return s->horizon * s->quantiles; }

size_t mc_net_n_terms(const mc_net_shape *s)
{
    return s->future_terms ? mc_future_basis_size(s->future_channels, s->calendar) : 0;
}

size_t mc_net_dim(const mc_net_shape *s, mc_dim d)
{
    switch (d) {
    case MC_DIM_ONE: return 1;
    case MC_DIM_INPUT: return mc_net_n_input(s);
    case MC_DIM_HIDDEN: return s->hidden;
    case MC_DIM_PAST: return mc_net_n_past(s);
    case MC_DIM_CHANNELS: return s->past_channels;
    case MC_DIM_LOOKBACK: return s->lookback;
    case MC_DIM_HORIZON: return s->horizon;
    case MC_DIM_MASKS: return s->horizon * s->hidden;
    case MC_DIM_OUTPUT: return mc_net_n_output(s);
    case MC_DIM_RANK: return s->horizon_masks ? s->horizon_rank : 0;
    case MC_DIM_FUTURE: return s->future_channels;
    case MC_DIM_KEY: return s->past_channels + 1;
    case MC_DIM_ATTENTION: return s->temporal != MC_NN_TEMPORAL_NONE ? s->temporal_dim : 0;
    case MC_DIM_TERMS: return mc_net_n_terms(s);
    }
    return 0;
}

/* ---- which blocks the configuration has ----------------------------------- */

static bool anomaly_mask(const mc_net_shape *s) { return s->anomaly_mask; }
static bool local_evidence(const mc_net_shape *s) { return s->anomaly_mask && s->mask_local; }
static bool horizon_masks(const mc_net_shape *s) { return s->horizon_masks; }
static bool full_masks(const mc_net_shape *s) { return s->horizon_masks && s->horizon_rank == 0; }
static bool embedded_masks(const mc_net_shape *s) { return s->horizon_masks && s->horizon_rank > 0; }
static bool skip(const mc_net_shape *s) { return s->skip; }
static bool future_terms(const mc_net_shape *s) { return mc_net_n_terms(s) > 0; }
static bool blend(const mc_net_shape *s) { return s->blend; }
static bool blend_terms(const mc_net_shape *s) { return s->blend && mc_net_n_terms(s) > 0; }
/* Temporal attention's tensors are the ones its kernel uses for the shape:
   queries from inputs only when there are known-future inputs, v for the
   additive score, g for the cosine, the centre's wp and bp for a local window. */
static bool temporal(const mc_net_shape *s) { return s->temporal != MC_NN_TEMPORAL_NONE; }
static bool temporal_query(const mc_net_shape *s) { return temporal(s) && s->future_channels > 0; }
static bool temporal_mlp(const mc_net_shape *s)
{
    return temporal(s) && s->temporal_score == MC_TATTN_MLP;
}
static bool temporal_cosine(const mc_net_shape *s)
{
    return temporal(s) && s->temporal_score == MC_TATTN_COSINE;
}
static bool temporal_local(const mc_net_shape *s) { return s->temporal == MC_NN_TEMPORAL_LOCAL; }

/* ---- constant initial values ---------------------------------------------- */

/* Masks start open (sigmoid(3) = 0.95, sigmoid(2) = 0.88) and close only
   where closing lowers the loss; a softmax mask starts flat. */
static float open_anomaly_mask(const mc_net_shape *s)
{
    (void)s;
    return 3.0f;
}

static float open_horizon_masks(const mc_net_shape *s)
{
    return s->mask_kind == MC_NN_MASK_SOFTMAX ? 0.0f : 2.0f;
}

/* The head offsets and the skip start at 0; local evidence starts unused, so
   the mask starts as DESIGN.md's. */
static float one(const mc_net_shape *s)
{
    (void)s;
    return 1.0f;
}

static float zero(const mc_net_shape *s)
{
    (void)s;
    return 0.0f;
}

/* The cosine score's temperature (nn/temporal_attention.h). */
static float cosine_temperature(const mc_net_shape *s)
{
    (void)s;
    return MC_TATTN_COSINE_G0;
}

/* The scale of a linear layer's default initialisation is 1/sqrt(fan in):
   the layer's input size, for its bias too. */
static const mc_tensor_spec MC_TENSORS[MC_T_COUNT] = {
    [MC_T_FEATURE_W] = {.name = "feature.W", .rows = MC_DIM_INPUT, .cols = MC_DIM_HIDDEN,
                        .decays = true, .fan_in = MC_DIM_INPUT},
    [MC_T_FEATURE_B] = {.name = "feature.b", .rows = MC_DIM_HIDDEN, .cols = MC_DIM_ONE,
                        .vector = true, .fan_in = MC_DIM_INPUT},
    [MC_T_ANOMALY_W] = {.name = "anomaly.W", .present = anomaly_mask, .rows = MC_DIM_HIDDEN,
                        .cols = MC_DIM_PAST, .decays = true, .fan_in = MC_DIM_HIDDEN},
    [MC_T_ANOMALY_B] = {.name = "anomaly.b", .present = anomaly_mask, .rows = MC_DIM_PAST,
                        .cols = MC_DIM_ONE, .vector = true, .fan_in = MC_DIM_HIDDEN,
                        .constant = open_anomaly_mask},
    [MC_T_HORIZON_W] = {.name = "horizon.W", .present = full_masks, .rows = MC_DIM_HIDDEN,
                        .cols = MC_DIM_MASKS, .decays = true, .fan_in = MC_DIM_HIDDEN},
    [MC_T_HORIZON_B] = {.name = "horizon.b", .present = horizon_masks, .rows = MC_DIM_MASKS,
                        .cols = MC_DIM_ONE, .vector = true, .fan_in = MC_DIM_HIDDEN,
                        .constant = open_horizon_masks},
    [MC_T_HEAD_V] = {.name = "head.V", .rows = MC_DIM_OUTPUT, .cols = MC_DIM_HIDDEN,
                     .decays = true, .fan_in = MC_DIM_HIDDEN},
    [MC_T_HEAD_C] = {.name = "head.c", .rows = MC_DIM_OUTPUT, .cols = MC_DIM_ONE,
                     .vector = true, .fan_in = MC_DIM_HIDDEN, .constant = zero},
    [MC_T_SKIP_S] = {.name = "skip.S", .present = skip, .rows = MC_DIM_OUTPUT,
                     .cols = MC_DIM_LOOKBACK, .decays = true, .fan_in = MC_DIM_LOOKBACK,
                     .constant = zero},
    [MC_T_ANOMALY_U] = {.name = "anomaly.u", .present = local_evidence, .rows = MC_DIM_CHANNELS,
                        .cols = MC_DIM_ONE, .vector = true, .fan_in = MC_DIM_ONE,
                        .constant = zero},
    [MC_T_HORIZON_U] = {.name = "horizon.U", .present = embedded_masks, .rows = MC_DIM_HIDDEN,
                        .cols = MC_DIM_RANK, .decays = true, .fan_in = MC_DIM_HIDDEN},
    /* An offset of h U (not decayed), drawn as U's outputs are scaled. */
    [MC_T_HORIZON_E] = {.name = "horizon.E", .present = embedded_masks, .rows = MC_DIM_HORIZON,
                        .cols = MC_DIM_RANK, .fan_in = MC_DIM_HIDDEN},
    [MC_T_HORIZON_W2] = {.name = "horizon.W2", .present = embedded_masks, .rows = MC_DIM_RANK,
                         .cols = MC_DIM_HIDDEN, .decays = true, .fan_in = MC_DIM_RANK},
    /* Temporal attention, as its kernel lays it out (mc_tattn_plan): the
       projections decay, the embeddings E and P (offsets of projections of
       order 1, drawn at scale 1), the temperature and the bias do not; g
       starts at MC_TATTN_COSINE_G0, bp at 0 (windows start mid-lookback). */
    [MC_T_TEMPORAL_WQ] = {.name = "temporal.Wq", .present = temporal_query, .rows = MC_DIM_FUTURE,
                          .cols = MC_DIM_ATTENTION, .decays = true, .fan_in = MC_DIM_FUTURE},
    [MC_T_TEMPORAL_E] = {.name = "temporal.E", .present = temporal, .rows = MC_DIM_HORIZON,
                         .cols = MC_DIM_ATTENTION, .fan_in = MC_DIM_ONE},
    [MC_T_TEMPORAL_WK] = {.name = "temporal.Wk", .present = temporal, .rows = MC_DIM_KEY,
                          .cols = MC_DIM_ATTENTION, .decays = true, .fan_in = MC_DIM_KEY},
    [MC_T_TEMPORAL_P] = {.name = "temporal.P", .present = temporal, .rows = MC_DIM_LOOKBACK,
                         .cols = MC_DIM_ATTENTION, .fan_in = MC_DIM_ONE},
    [MC_T_TEMPORAL_WV] = {.name = "temporal.Wv", .present = temporal, .rows = MC_DIM_KEY,
                          .cols = MC_DIM_ATTENTION, .decays = true, .fan_in = MC_DIM_KEY},
    [MC_T_TEMPORAL_C] = {.name = "temporal.C", .present = temporal, .rows = MC_DIM_OUTPUT,
                         .cols = MC_DIM_ATTENTION, .decays = true, .fan_in = MC_DIM_ATTENTION},
    [MC_T_TEMPORAL_V] = {.name = "temporal.v", .present = temporal_mlp, .rows = MC_DIM_ATTENTION,
                         .cols = MC_DIM_ONE, .vector = true, .decays = true,
                         .fan_in = MC_DIM_ATTENTION},
    [MC_T_TEMPORAL_G] = {.name = "temporal.g", .present = temporal_cosine, .rows = MC_DIM_ONE,
                         .cols = MC_DIM_ONE, .vector = true, .fan_in = MC_DIM_ONE,
                         .constant = cosine_temperature},
    [MC_T_TEMPORAL_WP] = {.name = "temporal.wp", .present = temporal_local,
                          .rows = MC_DIM_ATTENTION, .cols = MC_DIM_ONE, .vector = true,
                          .decays = true, .fan_in = MC_DIM_ATTENTION},
    [MC_T_TEMPORAL_BP] = {.name = "temporal.bp", .present = temporal_local, .rows = MC_DIM_ONE,
                          .cols = MC_DIM_ONE, .vector = true, .fan_in = MC_DIM_ONE,
                          .constant = zero},
    /* Zero, as S: the term starts silent, or at the linear fit. */
    [MC_T_SKIP_G] = {.name = "skip.G", .present = future_terms, .rows = MC_DIM_OUTPUT,
                     .cols = MC_DIM_TERMS, .decays = true, .fan_in = MC_DIM_TERMS,
                     .constant = zero},
    /* The blend: written by training from its linear forecaster and the
       weight chosen on validation; a new one is the network alone. */
    [MC_T_LINEAR_S] = {.name = "linear.S", .present = blend, .rows = MC_DIM_HORIZON,
                       .cols = MC_DIM_LOOKBACK, .fan_in = MC_DIM_LOOKBACK, .constant = zero},
    [MC_T_LINEAR_G] = {.name = "linear.G", .present = blend_terms, .rows = MC_DIM_HORIZON,
                       .cols = MC_DIM_TERMS, .fan_in = MC_DIM_TERMS, .constant = zero},
    [MC_T_LINEAR_C] = {.name = "linear.c", .present = blend, .rows = MC_DIM_HORIZON,
                       .cols = MC_DIM_ONE, .vector = true, .fan_in = MC_DIM_ONE,
                       .constant = zero},
    [MC_T_BLEND_W] = {.name = "blend.w", .present = blend, .rows = MC_DIM_HORIZON,
                      .cols = MC_DIM_ONE, .vector = true, .fan_in = MC_DIM_ONE, .constant = one},
};

const mc_tensor_spec *mc_tensor_info(mc_tensor t) { return &MC_TENSORS[t]; }

const char *mc_tensor_name(mc_tensor t)
{
    return (unsigned)t < MC_T_COUNT ? MC_TENSORS[t].name : "?";
}

bool mc_tensor_is_vector(mc_tensor t) { return (unsigned)t < MC_T_COUNT && MC_TENSORS[t].vector; }

bool mc_tensor_decays(mc_tensor t) { return (unsigned)t < MC_T_COUNT && MC_TENSORS[t].decays; }

size_t mc_tensor_dims(const mc_net_layout *lay, mc_tensor t, size_t dims[2])
{
    dims[0] = lay->rows[t];
    dims[1] = MC_TENSORS[t].vector ? 0 : lay->cols[t];
    if (mc_tensor_size(lay, t) == 0)
        return 0;
    return MC_TENSORS[t].vector ? 1 : 2;
}

void mc_tensors_copy(float *to, const mc_net_layout *to_lay, const float *from,
                     const mc_net_layout *from_lay)
{
    for (int t = 0; t < MC_T_COUNT; t++)
        memcpy(to + to_lay->offset[t], from + from_lay->offset[t],
               mc_tensor_size(from_lay, (mc_tensor)t) * sizeof *to);
}

/* a*b*c without overflow, and within `limit`. */
static bool product_fits(size_t a, size_t b, size_t c, size_t limit)
{
    size_t ab, abc;
    return mc_size_mul(a, b, &ab) && mc_size_mul(ab, c, &abc) && abc <= limit;
}

mc_status mc_net_plan(const mc_net_shape *s, size_t max_batch, mc_net_layout *layout,
                      mc_error *err)
{
    if (s->lookback == 0 || s->horizon == 0 || s->past_channels == 0 || s->hidden == 0 ||
        s->quantiles == 0 || max_batch == 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "lookback, horizon, past channels, hidden units, quantiles and batch "
                            "size must all be at least 1");
    if (s->blend && s->quantiles != 1)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a blend with the linear forecaster has one output per step, not "
                            "quantiles");
    /* Every BLAS dimension and leading dimension is an int; element counts of
       the largest buffers (batch x H*D, n_in x D, D x H*D) must fit size_t. */
    const size_t big = (size_t)INT_MAX;
    const size_t L = s->lookback, H = s->horizon, D = s->hidden, Q = s->quantiles;
    const size_t r = s->horizon_masks ? s->horizon_rank : 0;
    if (!product_fits(L, s->past_channels, 1, big) || !product_fits(H, s->future_channels, 1, big) ||
        !product_fits(H, D, 1, big) || !product_fits(H, Q, 1, big) || max_batch > big ||
        mc_net_n_input(s) > big || !product_fits(max_batch, H, D, SIZE_MAX / 8) ||
        !product_fits(mc_net_n_input(s), D, 1, SIZE_MAX / 8) ||
        (r == 0 && s->horizon_masks && !product_fits(D, H, D, SIZE_MAX / 8)) ||
        (r > 0 && (!product_fits(H, r, 1, big) || !product_fits(D, r, 1, big) ||
                   !product_fits(max_batch, H, r, SIZE_MAX / 8))))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the network is too large (lookback %zu, horizon %zu, hidden %zu, "
                            "horizon rank %zu)",
                            L, H, D, r);
    if ((unsigned)s->temporal > MC_NN_TEMPORAL_LOCAL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "unknown temporal attention kind %u",
                            (unsigned)s->temporal);
    if (mc_net_n_terms(s) > MC_NET_MAX_TERMS || !product_fits(max_batch, H, mc_net_n_terms(s), SIZE_MAX / 8))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "the future term's basis has %zu functions, more than %d (too many "
                            "known-future inputs)",
                            mc_net_n_terms(s), (int)MC_NET_MAX_TERMS);
    if (s->temporal != MC_NN_TEMPORAL_NONE) { /* its sizes, BLAS's ints included */
        const mc_tattn_shape ts = mc_temporal_shape(s);
        mc_tattn_layout tl;
        const mc_status st = mc_tattn_plan(&ts, max_batch, &tl, err);
        if (st != MC_OK)
            return st;
    }
    size_t total = 0;
    for (int t = 0; t < MC_T_COUNT; t++) {
        const mc_tensor_spec *spec = &MC_TENSORS[t];
        const bool present = spec->present == NULL || spec->present(s);
        layout->rows[t] = present ? mc_net_dim(s, spec->rows) : 0;
        layout->cols[t] = mc_net_dim(s, spec->cols);
        layout->offset[t] = total;
        total += layout->rows[t] * layout->cols[t];
    }
    layout->total = total;
    return MC_OK;
}

/* Uniform in [-a, a] from the generator. */
static void fill_uniform(float *p, size_t n, double a, gsl_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (float)((2.0 * gsl_rng_uniform(rng) - 1.0) * a);
}

mc_status mc_net_init_params(float *params, const mc_net_layout *lay, const mc_net_shape *s,
                             uint64_t seed, mc_error *err)
{
    mc_gsl_quiet();
    /* No fallback without the generator: the seed must decide the model. */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (rng == NULL)
        return mc_error_nomem(err, "initialising the weights");
    gsl_rng_set(rng, (unsigned long)(seed ^ (seed >> 32)));
    /* Constant tensors draw too: skipping their draws would move every later
       tensor's values along the stream, and change every seed's model. */
    for (int t = 0; t < MC_T_COUNT; t++) {
        const size_t n = mc_tensor_size(lay, (mc_tensor)t);
        if (n > 0)
            fill_uniform(params + lay->offset[t], n,
                         1.0 / sqrt((double)mc_net_dim(s, MC_TENSORS[t].fan_in)), rng);
    }
    gsl_rng_free(rng);
    for (int t = 0; t < MC_T_COUNT; t++) {
        const size_t n = mc_tensor_size(lay, (mc_tensor)t);
        if (MC_TENSORS[t].constant == NULL || n == 0)
            continue;
        const float v = MC_TENSORS[t].constant(s);
        for (size_t i = 0; i < n; i++)
            params[lay->offset[t] + i] = v;
    }
    return MC_OK;
}
