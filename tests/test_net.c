/* The network's hand-written backward pass against central finite
   differences, for every parameter tensor and the input, every loss and every
   switch; the OpenBLAS path against the naive loops; temporal attention's
   term in the network against its kernel run alone. */
#include "test_util.h"

#include <gsl/gsl_rng.h>
#include <stdlib.h>

#include "nn/activation.h"
#include "nn/adamw.h"
#include "nn/loss.h"
#include "nn/future_basis.h"
#include "nn/net.h"
#include "nn/parallel.h"
#include "nn/temporal_attention.h"

enum { BATCH = 4 };

/* Central differences in float32 parameters with the loss summed in double:
   rounding costs about 1e-6 / EPS, truncation about EPS^2; both far below
   the tolerance, which a wrong term (a factor, a sign, an index) exceeds. */
#define EPS 4e-3f
#define RTOL 2e-2
#define ATOL 2e-4

typedef struct fixture {
    mc_net_shape s;
    mc_net_layout lay;
    mc_net_work w;
    mc_loss_spec loss;
    size_t n_in;
    float *params, *grads, *x, *dx, *target, *weight, *dy;
} fixture;


#define RELU_MARGIN 0.04
#define LOSS_MARGIN 0.15

/* How many ReLU inputs the horizon embeddings have (B*H*r; 0 without). */
static size_t n_embedded(const fixture *f)
{
    return f->s.horizon_masks ? BATCH * f->s.horizon * f->s.horizon_rank : 0;
}

/* Whether the forward pass at the fixture's point is clear of every ReLU
   kink and every kink of the loss on the targets that count. */
static bool clear_of_kinks(fixture *f)
{
    mc_net_forward(&f->w, f->params, &f->lay, &f->s, f->x, BATCH);
    const size_t n = BATCH * f->s.hidden;
    for (size_t i = 0; f->s.activation == MC_NN_RELU && i < n; i++)
        if (fabsf(f->w.pre[i]) < RELU_MARGIN ||
            (f->s.anomaly_mask && fabsf(f->w.pre0[i]) < RELU_MARGIN))
            return false;
    for (size_t i = 0; f->s.activation == MC_NN_RELU && i < n_embedded(f); i++)
        if (fabsf(f->w.emb_pre[i]) < RELU_MARGIN)
            return false;
    const size_t Q = f->s.quantiles;
    for (size_t i = 0; f->loss.kind != MC_NN_LOSS_MSE && i < BATCH * f->s.horizon; i++)
        for (size_t q = 0; q < Q; q++) {
            const double r = (double)f->w.y[i * Q + q] - f->target[i];
            const double at = f->loss.kind == MC_NN_LOSS_HUBER ? fabs(fabs(r) - f->loss.huber_delta)
                                                             : fabs(r);
            if (f->weight[i] > 0.0f && at < LOSS_MARGIN)
                return false;
        }
    return true;
}

static void setup_fixture(fixture *f, const mc_net_shape *s, mc_nn_loss kind, bool avoid_kinks)
{
    memset(f, 0, sizeof *f);
    f->s = *s;
    assert_int_equal(mc_net_plan(&f->s, BATCH, &f->lay, NULL), MC_OK);
    assert_int_equal(mc_net_work_alloc(&f->w, &f->s, BATCH, NULL), MC_OK);
    f->n_in = mc_net_n_input(&f->s);
    const size_t H = f->s.horizon, HQ = mc_net_n_output(&f->s);
    f->params = calloc(f->lay.total, sizeof(float));
    f->grads = calloc(f->lay.total, sizeof(float));
    f->x = calloc(BATCH * f->n_in, sizeof(float));
    f->dx = calloc(BATCH * f->n_in, sizeof(float));
    f->target = calloc(BATCH * H, sizeof(float));
    f->weight = calloc(BATCH * H, sizeof(float));
    f->dy = calloc(BATCH * HQ, sizeof(float));
    assert_true(f->params && f->grads && f->x && f->dx && f->target && f->weight && f->dy);

    f->loss.kind = kind;
    f->loss.huber_delta = 0.3;
    f->loss.n_quantiles = s->quantiles;
    const float levels[3] = {0.1f, 0.5f, 0.9f};
    for (size_t q = 0; q < s->quantiles; q++)
        f->loss.quantiles[q] = s->quantiles == 3 ? levels[q] : 0.5f;

    /* Draw until every ReLU input and every loss residual is clear of its
       kink, so finite differences measure the derivative that exists. */
    *test_rng() = 2385u + (uint32_t)kind * 7u;
    for (int attempt = 0;; attempt++) {
        assert_true(attempt < 5000); /* pinball with every part on needs ~1,300 */
        test_fill(f->params, f->lay.total, -0.45f, 0.45f);
        /* Masks half open, so the sigmoids have slope. */
        test_fill(f->params + f->lay.offset[MC_T_ANOMALY_B], f->lay.rows[MC_T_ANOMALY_B], 0.5f, 1.5f);
        /* Horizon embeddings of either sign but clear of 0, so that h U + e_k
           keeps away from ReLU's kink in most draws. */
        float *E = f->params + f->lay.offset[MC_T_HORIZON_E];
        for (size_t i = 0; i < f->lay.rows[MC_T_HORIZON_E] * f->lay.cols[MC_T_HORIZON_E]; i++)
            E[i] = (i % 2 ? 1.0f : -1.0f) * test_uniform(0.3f, 0.7f);
        /* Attention that matters: context weights of order 1, and a cosine
           temperature that makes the softmax far from flat, so that the
           temporal tensors' gradients are not all small. */
        test_fill(f->params + f->lay.offset[MC_T_TEMPORAL_C], mc_tensor_size(&f->lay, MC_T_TEMPORAL_C),
             -1.2f, 1.2f);
        test_fill(f->params + f->lay.offset[MC_T_TEMPORAL_G], mc_tensor_size(&f->lay, MC_T_TEMPORAL_G),
             2.5f, 3.5f);
        test_fill(f->x, BATCH * f->n_in, -1.5f, 1.5f);
        const size_t np = mc_net_n_past(&f->s), L = f->s.lookback;
        for (size_t b = 0; b < BATCH; b++)
            for (size_t l = 0; l < L; l++) /* observed flags */
                f->x[b * f->n_in + np + l] = (l + b) % 3 ? 1.0f : 0.0f;
        test_fill(f->target, BATCH * H, -1.0f, 1.0f);
        for (size_t i = 0; i < BATCH * H; i++)
            f->weight[i] = i % 5 == 3 ? 0.0f : 1.0f; /* some targets missing */
        if (!avoid_kinks || clear_of_kinks(f))
            break;
    }
}

static void teardown_fixture(fixture *f)
{
    mc_net_work_free(&f->w);
    free(f->params);
    free(f->grads);
    free(f->x);
    free(f->dx);
    free(f->target);
    free(f->weight);
    free(f->dy);
}

/* A fingerprint of every piecewise choice: ReLU signs, loss branches. */
static uint64_t kinks(const fixture *f)
{
    uint64_t hsh = 1469598103934665603ull;
    const size_t n = BATCH * f->s.hidden;
    for (size_t i = 0; f->s.activation == MC_NN_RELU && i < n; i++) {
        hsh = (hsh ^ (f->w.pre[i] > 0)) * 1099511628211ull;
        if (f->s.anomaly_mask)
            hsh = (hsh ^ (f->w.pre0[i] > 0)) * 1099511628211ull;
    }
    for (size_t i = 0; f->s.activation == MC_NN_RELU && i < n_embedded(f); i++)
        hsh = (hsh ^ (f->w.emb_pre[i] > 0)) * 1099511628211ull;
    /* the future term's weekday indicators and hinges (its smooth terms
       only add the odd skip) */
    for (size_t i = 0; i < BATCH * f->s.horizon * mc_net_n_terms(&f->s); i++)
        hsh = (hsh ^ (f->w.terms[i] > 0.0f)) * 1099511628211ull;
    const size_t H = f->s.horizon, Q = f->s.quantiles;
    for (size_t i = 0; i < BATCH * H; i++)
        for (size_t q = 0; q < Q && f->weight[i] > 0.0f; q++) {
            const double r = (double)f->w.y[i * Q + q] - f->target[i];
            const int branch = f->loss.kind == MC_NN_LOSS_HUBER ? (fabs(r) <= f->loss.huber_delta) : (r > 0);
            hsh = (hsh ^ (uint64_t)branch) * 1099511628211ull;
        }
    return hsh;
}

static double loss_at(fixture *f)
{
    mc_net_forward(&f->w, f->params, &f->lay, &f->s, f->x, BATCH);
    return mc_loss_eval(NULL, f->w.y, f->target, f->weight, BATCH, f->s.horizon, &f->loss) +
           mc_net_mask_penalty(&f->w, &f->s, BATCH);
}

static void analytic(fixture *f)
{
    mc_net_forward(&f->w, f->params, &f->lay, &f->s, f->x, BATCH);
    mc_loss_eval(f->dy, f->w.y, f->target, f->weight, BATCH, f->s.horizon, &f->loss);
    for (size_t i = 0; i < f->lay.total; i++) /* backward overwrites whatever is there */
        f->grads[i] = NAN;
    mc_net_backward(&f->w, f->grads, f->dx, f->params, &f->lay, &f->s, f->x, f->dy, BATCH);
}

typedef struct check_result {
    size_t checked, skipped, failed;
} check_result;

/* Compares grad[i] with the central difference of the loss in v[i], i < n. */
static void check_values(fixture *f, float *v, const float *grad, size_t n, const char *what,
                         check_result *res)
{
    loss_at(f);
    const uint64_t base = kinks(f);
    for (size_t i = 0; i < n; i++) {
        const float keep = v[i];
        v[i] = keep + EPS;
        const double up = loss_at(f);
        const uint64_t k_up = kinks(f);
        v[i] = keep - EPS;
        const double down = loss_at(f);
        const uint64_t k_down = kinks(f);
        v[i] = keep;
        if (k_up != base || k_down != base) { /* a kink lies within EPS */
            res->skipped++;
            continue;
        }
        const double fd = (up - down) / (2.0 * (double)EPS);
        res->checked++;
        if (!(fabs(fd - grad[i]) <= ATOL + RTOL * fabs(fd))) {
            if (res->failed++ < 3)
                print_message("  %s[%zu]: analytic %.6g, finite difference %.6g\n", what, i,
                              (double)grad[i], fd);
        }
    }
}

/* Every tensor of the table the configuration has, and the input; marks in
   `seen` the tensors checked. */
static check_result check_all(fixture *f, bool seen[MC_T_COUNT])
{
    check_result res = {0, 0, 0};
    for (int t = 0; t < MC_T_COUNT; t++) {
        const size_t n = mc_tensor_size(&f->lay, (mc_tensor)t);
        seen[t] = seen[t] || n > 0;
        check_values(f, f->params + f->lay.offset[t], f->grads + f->lay.offset[t], n,
                     mc_tensor_info((mc_tensor)t)->name, &res);
    }
    check_values(f, f->x, f->dx, BATCH * f->n_in, "input", &res);
    return res;
}

static mc_net_shape small_shape(void)
{
    return (mc_net_shape){.lookback = 5, .horizon = 3, .past_channels = 2, .future_channels = 2,
                          .hidden = 6, .quantiles = 1, .activation = MC_NN_RELU,
                          .mask_kind = MC_NN_MASK_SIGMOID, .anomaly_mask = true,
                          .horizon_masks = true, .skip = true};
}

static void test_gradients_every_loss_and_switch(void **state)
{
    (void)state;
    const mc_nn_loss losses[] = {MC_NN_LOSS_MSE, MC_NN_LOSS_MAE, MC_NN_LOSS_HUBER, MC_NN_LOSS_PINBALL};
    size_t cases = 0;
    bool seen[MC_T_COUNT] = {false};
    for (size_t li = 0; li < 4; li++)
        for (int act = 0; act < 2; act++)
            for (int variant = 0; variant < 40; variant++) {
                mc_net_shape s = small_shape();
                s.quantiles = losses[li] == MC_NN_LOSS_PINBALL ? 3 : 1;
                s.activation = act ? MC_NN_GELU : MC_NN_RELU;
                s.anomaly_mask = variant & 1;
                s.skip = (variant >> 1) & 1;
                /* 0 none; 1, 2 sigmoid, softmax from W_a; 3, 4 the same from
                   horizon embeddings of rank 2 */
                const int masks = (variant >> 2) % 5;
                s.mask_local = s.anomaly_mask && variant >= 20;
                s.mask_penalty = s.mask_local ? 0.3f : 0.0f; /* the training loss's mask term */
                s.horizon_masks = masks != 0;
                s.mask_kind = masks == 2 || masks == 4 ? MC_NN_MASK_SOFTMAX : MC_NN_MASK_SIGMOID;
                s.horizon_rank = masks >= 3 ? 2 : 0;
                fixture f;
                setup_fixture(&f, &s, losses[li], true);
                analytic(&f);
                check_result r = check_all(&f, seen);
                if (r.failed > 0 || r.skipped * 50 > r.checked)
                    print_error("loss %d act %d anomaly %d local %d skip %d masks %d: %zu of %zu "
                                "wrong, %zu skipped at kinks\n",
                                (int)losses[li], act, s.anomaly_mask, s.mask_local, s.skip, masks,
                                r.failed, r.checked, r.skipped);
                assert_int_equal(r.failed, 0);
                assert_true(r.skipped * 50 <= r.checked); /* the point was drawn clear of kinks */
                assert_true(r.checked > 100);
                teardown_fixture(&f);
                cases++;
            }
    assert_int_equal(cases, 320);
    /* Temporal attention: global with each score, local with two, with and
       without known-future inputs (no Wq), beside each other block's switches
       in turn (its input gradient adds to both of dx's paths). */
    for (size_t li = 0; li < 4; li++)
        for (int variant = 0; variant < 8; variant++) {
            mc_net_shape s = small_shape();
            s.quantiles = losses[li] == MC_NN_LOSS_PINBALL ? 3 : 1;
            s.activation = variant % 2 ? MC_NN_GELU : MC_NN_RELU;
            s.temporal = variant < 4 ? MC_NN_TEMPORAL_GLOBAL : MC_NN_TEMPORAL_LOCAL;
            s.temporal_score = variant < 4 ? variant : (variant % 2 ? MC_TATTN_COSINE
                                                                    : MC_TATTN_SCALED_DOT);
            s.temporal_dim = 3 + (size_t)variant % 2;
            s.temporal_width = 3;
            s.future_channels = variant == 5 ? 0 : 2;
            s.anomaly_mask = (variant + (int)li) % 3 != 0;
            s.mask_local = s.anomaly_mask && variant % 4 == 1;
            s.mask_penalty = s.mask_local ? 0.3f : 0.0f;
            s.skip = (variant + (int)li) % 2 == 0;
            s.horizon_masks = variant != 6;
            s.horizon_rank = variant == 3 ? 2 : 0;
            s.blend = s.quantiles == 1 && variant == 2; /* the blend's dy reaches attention */
            fixture f;
            setup_fixture(&f, &s, losses[li], true);
            analytic(&f);
            check_result r = check_all(&f, seen);
            if (r.failed > 0 || r.skipped * 50 > r.checked)
                print_error("loss %d temporal %d score %d Cf %zu anomaly %d skip %d: %zu of %zu "
                            "wrong, %zu skipped at kinks\n",
                            (int)losses[li], (int)s.temporal, s.temporal_score,
                            s.future_channels, s.anomaly_mask, s.skip, r.failed, r.checked,
                            r.skipped);
            assert_int_equal(r.failed, 0);
            assert_true(r.skipped * 50 <= r.checked);
            assert_true(r.checked > 100);
            teardown_fixture(&f);
        }
    /* The skip's known-future term, with and without the calendar's
       channels ahead of two covariates, beside the other blocks in turn;
       and the blend with a linear forecaster (point losses), with and
       without the basis. */
    for (size_t li = 0; li < 4; li++)
        for (int variant = 0; variant < 4; variant++) {
            mc_net_shape s = small_shape();
            s.quantiles = losses[li] == MC_NN_LOSS_PINBALL ? 3 : 1;
            s.activation = variant % 2 ? MC_NN_GELU : MC_NN_RELU;
            s.future_terms = true;
            s.calendar = variant < 2;
            s.future_channels = (s.calendar ? MC_BASIS_CALENDAR_CHANNELS : 0) + 2;
            s.anomaly_mask = (variant + (int)li) % 2 == 0;
            s.skip = variant != 3;
            s.horizon_masks = variant != 2;
            s.blend = s.quantiles == 1 && variant != 1;
            s.future_terms = variant != 3 || !s.blend; /* a blend without the basis */
            fixture f;
            setup_fixture(&f, &s, losses[li], true);
            if (s.future_terms)
                assert_int_equal(mc_net_n_terms(&s),
                             (s.calendar ? MC_BASIS_CALENDAR_TERMS : 0) + 2 * MC_BASIS_COVARIATE_TERMS);
            analytic(&f);
            check_result r = check_all(&f, seen);
            if (r.failed > 0 || r.skipped * 50 > r.checked)
                print_error("loss %d future terms %d calendar %d blend %d anomaly %d skip %d: %zu of %zu "
                            "wrong, %zu skipped at kinks\n",
                            (int)losses[li], s.future_terms, s.calendar, s.blend, s.anomaly_mask, s.skip, r.failed,
                            r.checked, r.skipped);
            assert_int_equal(r.failed, 0);
            assert_true(r.skipped * 50 <= r.checked);
            assert_true(r.checked > 100);
            teardown_fixture(&f);
        }
    /* A tensor that no variant switches on would go unchecked: a new block
       needs its variant above. */
    for (int t = 0; t < MC_T_COUNT; t++) {
        if (!seen[t])
            print_error("tensor %s is in no variant\n", mc_tensor_name((mc_tensor)t));
        assert_true(seen[t]);
    }
}

/* The check itself fails on a gradient that is off by 5% in one entry of any
   tensor: a test that would pass with a wrong gradient is worthless. (By 5%
   or 4 ATOL, whichever is more: a tensor whose gradients are all small, as a
   scalar's can be, sees an error only above the check's floor.) */
static void corrupt_each_tensor(fixture *f, bool *seen)
{
    for (int t = 0; t < MC_T_COUNT; t++) {
        const size_t n = mc_tensor_size(&f->lay, (mc_tensor)t);
        if (n == 0)
            continue;
        seen[t] = true;
        analytic(f);
        float *g = f->grads + f->lay.offset[t];
        size_t big = 0;
        for (size_t i = 1; i < n; i++)
            big = fabsf(g[i]) > fabsf(g[big]) ? i : big;
        g[big] += copysignf(fmaxf(0.05f * fabsf(g[big]), 4.0f * (float)ATOL), g[big]);
        check_result r = {0, 0, 0};
        check_values(f, f->params + f->lay.offset[t], g, n, mc_tensor_name((mc_tensor)t), &r);
        if (r.failed != 1)
            print_error("tensor %s: %zu failed, |largest gradient| %g\n",
                        mc_tensor_name((mc_tensor)t), r.failed, (double)fabsf(g[big]));
        assert_int_equal(r.failed, 1);
    }
}

static void test_check_catches_wrong_gradients(void **state)
{
    (void)state;
    bool seen[MC_T_COUNT] = {false};
    for (size_t rank = 0; rank <= 2; rank += 2) { /* W_a, then the embeddings */
        mc_net_shape s = small_shape();
        s.activation = MC_NN_GELU;
        s.mask_local = true;
        s.horizon_rank = rank;
        /* local cosine attention (g, wp, bp), then global additive (v) */
        s.temporal = rank == 0 ? MC_NN_TEMPORAL_LOCAL : MC_NN_TEMPORAL_GLOBAL;
        s.temporal_score = rank == 0 ? MC_TATTN_COSINE : MC_TATTN_MLP;
        s.temporal_dim = 3;
        s.temporal_width = 3;
        s.future_terms = rank > 0; /* on two covariates */
        s.blend = true;
        fixture f;
        setup_fixture(&f, &s, MC_NN_LOSS_MSE, true);
        corrupt_each_tensor(&f, seen);
        teardown_fixture(&f);
    }
    for (int t = 0; t < MC_T_COUNT; t++)
        assert_true(seen[t]); /* every tensor was corrupted in one of the two */
}

/* Forward outputs and all gradients agree between OpenBLAS and the naive loops. */
static void test_blas_matches_naive(void **state)
{
    (void)state;
    for (int variant = 0; variant < 5; variant++) {
        mc_net_shape s = {.lookback = 24, .horizon = 6, .past_channels = 2,
                          .future_channels = 3, .hidden = 20, .quantiles = 3,
                          .activation = variant % 2 ? MC_NN_GELU : MC_NN_RELU,
                          .mask_kind = variant == 2 || variant == 4 ? MC_NN_MASK_SOFTMAX
                                                                     : MC_NN_MASK_SIGMOID,
                          .anomaly_mask = true, .horizon_masks = variant != 1, .skip = true,
                          .horizon_rank = variant >= 3 ? 5 : 0,
                          /* temporal attention in three: global, scaled dot and
                             cosine; local, dot */
                          .temporal = variant == 4 ? MC_NN_TEMPORAL_LOCAL
                                      : variant >= 2 ? MC_NN_TEMPORAL_GLOBAL
                                                     : MC_NN_TEMPORAL_NONE,
                          .temporal_score = variant == 2 ? MC_TATTN_SCALED_DOT
                                            : variant == 3 ? MC_TATTN_COSINE : MC_TATTN_DOT,
                          .temporal_dim = 8, .temporal_width = 6};
        fixture f;
        setup_fixture(&f, &s, MC_NN_LOSS_PINBALL, false);
        const size_t HQ = mc_net_n_output(&s);
        analytic(&f);
        float *y_blas = malloc(BATCH * HQ * sizeof(float));
        float *g_blas = malloc(f.lay.total * sizeof(float));
        float *dx_blas = malloc(BATCH * f.n_in * sizeof(float));
        memcpy(y_blas, f.w.y, BATCH * HQ * sizeof(float));
        memcpy(g_blas, f.grads, f.lay.total * sizeof(float));
        memcpy(dx_blas, f.dx, BATCH * f.n_in * sizeof(float));
        f.w.gemm = mc_gemm_naive;
        analytic(&f);
        for (size_t i = 0; i < BATCH * HQ; i++)
            assert_close(y_blas[i], f.w.y[i], 1e-5, 1e-4);
        for (size_t i = 0; i < f.lay.total; i++)
            assert_close(g_blas[i], f.grads[i], 1e-5, 1e-4);
        for (size_t i = 0; i < BATCH * f.n_in; i++)
            assert_close(dx_blas[i], f.dx[i], 1e-5, 1e-4);
        free(y_blas);
        free(g_blas);
        free(dx_blas);
        teardown_fixture(&f);
    }
}

/* Networks for the split tests: each switch off in one of them, both
   activations, both mask kinds, both forms of the horizon masks, hard masks
   (top-k) of either kind; the last two with temporal attention (global
   additive, local cosine). */
enum { VARIANTS = 7 };

static mc_net_shape variant_shape(int variant)
{
    return (mc_net_shape){.lookback = 24, .horizon = 6, .past_channels = 2,
                          .future_channels = 3, .hidden = 20, .quantiles = 3,
                          .activation = variant % 2 ? MC_NN_GELU : MC_NN_RELU,
                          .mask_kind = variant == 2 || variant == 4 ? MC_NN_MASK_SOFTMAX
                                                                     : MC_NN_MASK_SIGMOID,
                          .anomaly_mask = variant != 2, .mask_local = variant != 3,
                          .mask_penalty = variant != 3 ? 0.5f : 0.0f,
                          .horizon_masks = variant != 1, .skip = variant != 4,
                          .horizon_rank = variant >= 3 ? 5 : 0,
                          .mask_topk = variant == 0 ? 7 : variant == 4 ? 5 : 0,
                          .anomaly_topk = variant == 0 || variant == 3 ? 30 : 0,
                          .temporal = variant == 5   ? MC_NN_TEMPORAL_GLOBAL
                                      : variant == 6 ? MC_NN_TEMPORAL_LOCAL
                                                     : MC_NN_TEMPORAL_NONE,
                          .temporal_score = variant == 5   ? MC_TATTN_MLP
                                            : variant == 6 ? MC_TATTN_COSINE : 0,
                          .temporal_dim = variant >= 5 ? 7 : 0,
                          .temporal_width = variant == 6 ? 8 : 0};
}

/* The element-wise passes split in parts (src/nn/parallel.h; run one after
   another without OpenMP, on threads with it) give the bits of the single
   pass, for every part count up to more parts than samples; and the fused
   single-part heads backward, which the finite differences check, agrees
   with the two-pass split to the bit. */
static void test_parts_give_the_same_bits(void **state)
{
    (void)state;
    for (int variant = 0; variant < VARIANTS; variant++) {
        const mc_net_shape s = variant_shape(variant);
        fixture f;
        setup_fixture(&f, &s, MC_NN_LOSS_PINBALL, false);
        const size_t HQ = mc_net_n_output(&s);
        f.w.parts = 1;
        analytic(&f);
        float *y1 = malloc(BATCH * HQ * sizeof(float));
        float *g1 = malloc(f.lay.total * sizeof(float));
        float *dx1 = malloc(BATCH * f.n_in * sizeof(float));
        assert_true(y1 && g1 && dx1);
        memcpy(y1, f.w.y, BATCH * HQ * sizeof(float));
        memcpy(g1, f.grads, f.lay.total * sizeof(float));
        memcpy(dx1, f.dx, BATCH * f.n_in * sizeof(float));
        const size_t part_counts[] = {2, 3, 5};
        for (size_t c = 0; c < sizeof part_counts / sizeof part_counts[0]; c++) {
            f.w.parts = part_counts[c];
            analytic(&f);
            assert_memory_equal(y1, f.w.y, BATCH * HQ * sizeof(float));
            assert_memory_equal(g1, f.grads, f.lay.total * sizeof(float));
            assert_memory_equal(dx1, f.dx, BATCH * f.n_in * sizeof(float));
        }
        free(y1);
        free(g1);
        free(dx1);
        teardown_fixture(&f);
    }

    /* AdamW split at any point of the block, across tensor boundaries. */
    mc_net_shape s = small_shape();
    s.mask_local = true;
    mc_net_layout lay;
    assert_int_equal(mc_net_plan(&s, 1, &lay, NULL), MC_OK);
    const size_t n = lay.total;
    float *p1 = malloc(n * sizeof(float)), *pk = malloc(n * sizeof(float));
    float *g = malloc(n * sizeof(float));
    assert_true(p1 && pk && g);
    *test_rng() = 4242u;
    test_fill(p1, n, -0.5f, 0.5f);
    memcpy(pk, p1, n * sizeof(float));
    mc_adamw one, many;
    assert_int_equal(mc_adamw_init(&one, n, NULL), MC_OK);
    assert_int_equal(mc_adamw_init(&many, n, NULL), MC_OK);
    one.parts = 1;
    many.parts = 7;
    for (int step = 0; step < 3; step++) {
        test_fill(g, n, -0.02f, 0.02f);
        mc_adamw_step(&one, p1, g, &lay, 3e-3, 0.05, 0.8);
        mc_adamw_step(&many, pk, g, &lay, 3e-3, 0.05, 0.8);
    }
    assert_memory_equal(p1, pk, n * sizeof(float));
    assert_memory_equal(one.m, many.m, n * sizeof(float));
    assert_memory_equal(one.v, many.v, n * sizeof(float));
    mc_adamw_free(&one);
    mc_adamw_free(&many);
    free(p1);
    free(pk);
    free(g);
}

/* Every per-sample buffer of a workspace for BATCH samples, with its
   floats per sample, stated here from the network's shapes (not from
   net.c's table; temporal attention's from the kernel's header), and the
   per-part scratch rows. */
enum { WORK_BUFFERS = 23 + 19 };

typedef struct work_buffer {
    float *p;
    size_t n;
} work_buffer;

static void list_work(const fixture *f, work_buffer out[WORK_BUFFERS + 1])
{
    const mc_net_work *w = &f->w;
    const mc_net_shape *s = &f->s;
    const size_t D = s->hidden, H = s->horizon, np = mc_net_n_past(s), n_in = f->n_in;
    const size_t r = s->horizon_masks ? s->horizon_rank : 0;
    const size_t soft_HD = s->horizon_masks && s->mask_topk ? H * D : 0;
    const size_t soft_np = s->anomaly_mask && s->anomaly_topk ? np : 0;
    const bool ta = s->temporal != MC_NN_TEMPORAL_NONE;
    const bool loc = s->temporal == MC_NN_TEMPORAL_LOCAL;
    const bool cos = ta && s->temporal_score == MC_TATTN_COSINE;
    const size_t L = ta ? s->lookback : 0, HT = ta ? H : 0, d = s->temporal_dim;
    const size_t c = s->past_channels + 1, Cf = s->future_channels;
    const mc_tattn_work *t = &w->tattn;
    const work_buffer list[WORK_BUFFERS + 1] = {
        {w->x_masked, BATCH * n_in}, {w->pre0, BATCH * D}, {w->h0, BATCH * D},
        {w->mask, BATCH * np}, {w->local, BATCH * np}, {w->pre, BATCH * D},
        {w->h, BATCH * D}, {w->attn, BATCH * H * D}, {w->skip_in, BATCH * s->lookback},
        {w->y, BATCH * mc_net_n_output(s)}, {w->emb_g, BATCH * r}, {w->emb_pre, BATCH * H * r},
        {w->emb, BATCH * H * r}, {w->dattn, BATCH * H * D}, {w->demb, BATCH * H * r},
        {w->demb_g, BATCH * r}, {w->dh, BATCH * D}, {w->dpre, BATCH * D},
        {w->dx_masked, BATCH * n_in}, {w->dmask, BATCH * np}, {w->dskip, BATCH * s->lookback},
        {w->attn_soft, BATCH * soft_HD}, {w->mask_soft, BATCH * soft_np},
        /* temporal attention */
        {t->kin, BATCH * L * c}, {t->fin, BATCH * HT * Cf}, {t->q, BATCH * HT * d},
        {t->key, BATCH * L * d}, {t->val, BATCH * L * d}, {t->alpha, BATCH * HT * L},
        {t->ctx, BATCH * HT * d}, {t->soft, loc ? BATCH * H * L : 0},
        {t->centre, loc ? BATCH * H : 0}, {t->cosine, cos ? BATCH * H * L : 0},
        {t->qnorm, cos ? BATCH * H : 0}, {t->knorm, cos ? BATCH * L : 0},
        {t->dctx, BATCH * HT * d}, {t->dscore, BATCH * HT * L}, {t->dq, BATCH * HT * d},
        {t->dkey, BATCH * L * d}, {t->dval, BATCH * L * d}, {t->dkin, BATCH * L * c},
        {t->dfin, BATCH * HT * Cf},
        {w->row, MC_PARALLEL_MAX_PARTS * D}};
    memcpy(out, list, sizeof list);
}

static void fill_work_with_nan(const fixture *f)
{
    work_buffer b[WORK_BUFFERS + 1];
    list_work(f, b);
    for (size_t i = 0; i <= WORK_BUFFERS; i++)
        for (size_t j = 0; j < b[i].n; j++)
            b[i].p[j] = NAN;
}

/* Each value NaN in both (a buffer this network leaves alone) or both
   numbers within rounding of each other. */
static void assert_agree(const float *got, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(isnan(got[i]) != 0, isnan(want[i]) != 0);
        if (!isnan(want[i]))
            assert_close(got[i], want[i], 1e-6, 1e-5);
    }
}

/* A batch split in slices (src/nn/parallel.h; one after another without
   OpenMP, on threads with it) computes what the whole batch does, up to
   rounding: OpenBLAS may round a product's rows differently for another row
   count, and the parameter gradients are summed slice by slice (a slice's
   closing penalty still a mean over the whole batch). Every per-sample
   buffer is compared after forward and backward, from NaN, so a slice that
   writes another's rows or leaves its own unwritten shows; results repeat
   to the bit for a given count; and the backward pass uses no more slices
   than it has gradient blocks for, with or without the input gradient. */
static void test_slices_match_the_whole_batch(void **state)
{
    (void)state;
    for (int variant = 0; variant < VARIANTS; variant++) {
        const mc_net_shape s = variant_shape(variant);
        fixture f;
        setup_fixture(&f, &s, MC_NN_LOSS_PINBALL, false);
        const size_t n = f.lay.total;
        work_buffer now[WORK_BUFFERS + 1];
        list_work(&f, now);
        float *whole[WORK_BUFFERS + 1];
        for (size_t i = 0; i < WORK_BUFFERS; i++) {
            whole[i] = malloc(now[i].n * sizeof(float) + 1);
            assert_non_null(whole[i]);
        }
        float *g1 = malloc(n * sizeof(float)), *gk = malloc(n * sizeof(float));
        float *dx1 = malloc(BATCH * f.n_in * sizeof(float));
        assert_true(g1 && gk && dx1);

        f.w.slices = 1;
        fill_work_with_nan(&f);
        analytic(&f);
        for (size_t i = 0; i < WORK_BUFFERS; i++)
            memcpy(whole[i], now[i].p, now[i].n * sizeof(float));
        memcpy(g1, f.grads, n * sizeof(float));
        memcpy(dx1, f.dx, BATCH * f.n_in * sizeof(float));

        /* One block reserved: forward in 3 slices, backward in 2. Then
           enough for every count up to the batch (a second reservation). */
        for (int round = 0; round < 2; round++) {
            const size_t reserved = round == 0 ? 2 : BATCH;
            assert_int_equal(mc_net_work_reserve_slices(&f.w, &f.lay, reserved, NULL), MC_OK);
            for (size_t slices = round == 0 ? 3 : 2; slices <= (round == 0 ? 3 : BATCH);
                 slices++) {
                f.w.slices = slices;
                fill_work_with_nan(&f);
                analytic(&f);
                for (size_t i = 0; i < WORK_BUFFERS; i++)
                    assert_agree(now[i].p, whole[i], now[i].n);
                assert_agree(f.dx, dx1, BATCH * f.n_in);
                assert_agree(f.grads, g1, n);
                /* Each backward slice used a scratch row of its own (the
                   heads' backward needs one when there are horizon masks). */
                for (size_t k = 0; s.horizon_masks && k < (round == 0 ? 2 : slices); k++)
                    assert_false(isnan(f.w.row[k * s.hidden]));
                memcpy(gk, f.grads, n * sizeof(float));
                analytic(&f);
                assert_memory_equal(gk, f.grads, n * sizeof(float));
                mc_net_backward(&f.w, f.grads, NULL, f.params, &f.lay, &f.s, f.x, f.dy, BATCH);
                assert_memory_equal(gk, f.grads, n * sizeof(float));
            }
        }
        for (size_t i = 0; i < WORK_BUFFERS; i++)
            free(whole[i]);
        free(g1);
        free(gk);
        free(dx1);
        teardown_fixture(&f);
    }
}

/* The naive GEMM itself against hand-computed products, all transposes. */
static void test_naive_gemm(void **state)
{
    (void)state;
    const float a[6] = {1.5f, -2.0f, 0.25f, 3.0f, 0.5f, -1.0f}; /* 2x3 */
    const float b[6] = {2.0f, 1.0f, -1.0f, 0.5f, 4.0f, 2.0f};   /* 3x2 */
    float c[4] = {1.0f, 1.0f, 1.0f, 1.0f};
    mc_gemm_naive(false, false, 2, 2, 3, 1.0f, a, 3, b, 2, 0.5f, c, 2);
    /* row0: 1.5*2 + -2*-1 + 0.25*4 = 6, 1.5*1 + -2*.5 + .25*2 = 1; row1: 6+-.5-4 = 1.5, 3+.25-2 = 1.25 */
    assert_close(c[0], 6.5, 1e-6, 0);
    assert_close(c[1], 1.5, 1e-6, 0);
    assert_close(c[2], 2.0, 1e-6, 0);
    assert_close(c[3], 1.75, 1e-6, 0);
    float bt[6] = {2.0f, -1.0f, 4.0f, 1.0f, 0.5f, 2.0f}; /* b transposed, 2x3 */
    float at[6] = {1.5f, 3.0f, -2.0f, 0.5f, 0.25f, -1.0f}; /* a transposed, 3x2 */
    float d[4];
    mc_gemm_naive(true, true, 2, 2, 3, 2.0f, at, 2, bt, 3, 0.0f, d, 2);
    assert_close(d[0], 12.0, 1e-6, 0);
    assert_close(d[1], 2.0, 1e-6, 0);
    assert_close(d[2], 3.0, 1e-6, 0);
    assert_close(d[3], 2.5, 1e-6, 0);
}

static void test_plan_refuses_bad_shapes(void **state)
{
    (void)state;
    mc_net_layout lay;
    mc_error err;
    mc_net_shape s = small_shape();
    s.hidden = 0;
    assert_int_equal(mc_net_plan(&s, 8, &lay, &err), MC_ERR_ARGUMENT);
    s = small_shape();
    s.horizon = (size_t)1 << 40;
    s.hidden = (size_t)1 << 30;
    assert_int_equal(mc_net_plan(&s, 8, &lay, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "too large");
    /* Switched-off parts have no parameters. */
    s = small_shape();
    s.anomaly_mask = s.horizon_masks = s.skip = false;
    assert_int_equal(mc_net_plan(&s, 8, &lay, NULL), MC_OK);
    assert_int_equal(lay.rows[MC_T_ANOMALY_W] * lay.cols[MC_T_ANOMALY_W], 0);
    assert_int_equal(lay.rows[MC_T_HORIZON_W] * lay.cols[MC_T_HORIZON_W], 0);
    assert_int_equal(lay.rows[MC_T_SKIP_S] * lay.cols[MC_T_SKIP_S], 0);
    assert_int_equal(lay.total, mc_net_n_input(&s) * 6 + 6 + 3 * 6 + 3);
    /* Horizon embeddings replace W_a (D x H*D) with U (D x r), E (H x r) and
       W2 (r x D); the per-horizon bias stays (H*D). */
    s = small_shape();
    s.horizon_rank = 4;
    assert_int_equal(mc_net_plan(&s, 8, &lay, NULL), MC_OK);
    assert_int_equal(lay.rows[MC_T_HORIZON_W] * lay.cols[MC_T_HORIZON_W], 0);
    assert_int_equal(lay.rows[MC_T_HORIZON_U], 6);
    assert_int_equal(lay.cols[MC_T_HORIZON_U], 4);
    assert_int_equal(lay.rows[MC_T_HORIZON_E], 3);
    assert_int_equal(lay.cols[MC_T_HORIZON_E], 4);
    assert_int_equal(lay.rows[MC_T_HORIZON_W2], 4);
    assert_int_equal(lay.cols[MC_T_HORIZON_W2], 6);
    assert_int_equal(lay.rows[MC_T_HORIZON_B] * lay.cols[MC_T_HORIZON_B], 3 * 6);
    /* Without masks the rank is moot: no embedding tensors. */
    s.horizon_masks = false;
    assert_int_equal(mc_net_plan(&s, 8, &lay, NULL), MC_OK);
    assert_int_equal(lay.rows[MC_T_HORIZON_U] * lay.rows[MC_T_HORIZON_E] * lay.rows[MC_T_HORIZON_W2],
                     0);
    /* Temporal attention: an unknown kind, d = 0, a local window of width
       0 and sizes past BLAS's int (batch x L rows) are refused; the
       refusal names the part. */
    s = small_shape();
    s.temporal = (mc_nn_temporal)3;
    assert_int_equal(mc_net_plan(&s, 8, &lay, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "temporal attention");
    s.temporal = MC_NN_TEMPORAL_GLOBAL;
    s.temporal_dim = 0;
    assert_int_equal(mc_net_plan(&s, 8, &lay, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "temporal attention");
    s.temporal_dim = 4;
    s.temporal_score = 9;
    assert_int_equal(mc_net_plan(&s, 8, &lay, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "unknown score");
    s.temporal_score = MC_TATTN_DOT;
    assert_int_equal(mc_net_plan(&s, 8, &lay, NULL), MC_OK);
    s.temporal = MC_NN_TEMPORAL_LOCAL;
    assert_int_equal(mc_net_plan(&s, 8, &lay, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "width");
    s.temporal_width = 3;
    assert_int_equal(mc_net_plan(&s, 8, &lay, NULL), MC_OK);
    s.lookback = 4096;
    assert_int_equal(mc_net_plan(&s, (size_t)1 << 19, &lay, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "temporal attention too large");
    /* A rank whose products overflow is refused, not allocated. */
    s = small_shape();
    s.horizon = (size_t)1 << 20;
    s.horizon_rank = (size_t)1 << 40;
    assert_int_equal(mc_net_plan(&s, 8, &lay, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "horizon rank");
}

/* ---- the tensor table --------------------------------------------------------- */

/* The names are the model file's format: they never change, and a new
   tensor is appended. Each row agrees with the accessors, a 1-D tensor has
   one column, and the layout is the table's shapes end to end. */
static void test_tensor_table(void **state)
{
    (void)state;
    static const char *const names[] = {
        "feature.W",   "feature.b",   "anomaly.W",  "anomaly.b",  "horizon.W",  "horizon.b",
        "head.V",      "head.c",      "skip.S",     "anomaly.u",  "horizon.U",  "horizon.E",
        "horizon.W2",  "temporal.Wq", "temporal.E", "temporal.Wk", "temporal.P", "temporal.Wv",
        "temporal.C",  "temporal.v",  "temporal.g", "temporal.wp", "temporal.bp", "skip.G",
        "linear.S",    "linear.G",    "linear.c",   "blend.w"};
    assert_int_equal(sizeof names / sizeof names[0], MC_T_COUNT);
    for (int t = 0; t < MC_T_COUNT; t++) {
        const mc_tensor_spec *spec = mc_tensor_info((mc_tensor)t);
        assert_string_equal(spec->name, names[t]);
        assert_string_equal(mc_tensor_name((mc_tensor)t), names[t]);
        assert_int_equal(mc_tensor_is_vector((mc_tensor)t), spec->vector);
        assert_int_equal(mc_tensor_decays((mc_tensor)t), spec->decays);
        if (spec->vector)
            assert_int_equal(spec->cols, MC_DIM_ONE);
    }
    assert_string_equal(mc_tensor_name(MC_T_COUNT), "?");
    for (size_t rank = 0; rank <= 3; rank += 3) {
        mc_net_shape s = small_shape();
        s.mask_local = true;
        s.horizon_rank = rank;
        mc_net_layout lay;
        assert_int_equal(mc_net_plan(&s, 8, &lay, NULL), MC_OK);
        size_t total = 0;
        for (int t = 0; t < MC_T_COUNT; t++) {
            size_t dims[2];
            const size_t ndim = mc_tensor_dims(&lay, (mc_tensor)t, dims);
            assert_int_equal(lay.offset[t], total);
            total += mc_tensor_size(&lay, (mc_tensor)t);
            if (mc_tensor_size(&lay, (mc_tensor)t) == 0) {
                assert_int_equal(ndim, 0);
                continue;
            }
            assert_int_equal(ndim, mc_tensor_is_vector((mc_tensor)t) ? 1 : 2);
            assert_int_equal(dims[0], lay.rows[t]);
            assert_int_equal(dims[1], ndim == 2 ? lay.cols[t] : 0);
        }
        assert_int_equal(lay.total, total);
        /* W_a or the embeddings, never both */
        assert_int_equal(mc_tensor_size(&lay, MC_T_HORIZON_W) == 0, rank > 0);
        assert_int_equal(mc_tensor_size(&lay, MC_T_HORIZON_E) == 0, rank == 0);
    }
}

/* The kernel's shape for a network's, written out here. */
static mc_tattn_shape kernel_shape(const mc_net_shape *s)
{
    return (mc_tattn_shape){.lookback = s->lookback, .horizon = s->horizon,
                            .past_channels = s->past_channels,
                            .future_channels = s->future_channels, .quantiles = s->quantiles,
                            .dim = s->temporal_dim, .score = (mc_tattn_score)s->temporal_score,
                            .local = s->temporal == MC_NN_TEMPORAL_LOCAL,
                            .width = (float)s->temporal_width};
}

/* Temporal attention's rows of the table are its kernel's tensors: the
   same names, shapes, 1-D-ness and decay, for each score, global and local,
   with and without known-future inputs; none without temporal attention. */
static void test_temporal_rows_are_the_kernels(void **state)
{
    (void)state;
    for (int variant = 0; variant < 16; variant++) {
        mc_net_shape s = small_shape();
        s.temporal = variant < 8 ? MC_NN_TEMPORAL_GLOBAL : MC_NN_TEMPORAL_LOCAL;
        s.temporal_score = variant % 4;
        s.future_channels = (variant / 4) % 2 ? 0 : 3;
        s.quantiles = 3;
        s.temporal_dim = 5;
        s.temporal_width = 4;
        mc_net_layout lay;
        assert_int_equal(mc_net_plan(&s, 8, &lay, NULL), MC_OK);
        const mc_tattn_shape ts = kernel_shape(&s);
        mc_tattn_layout tl;
        assert_int_equal(mc_tattn_plan(&ts, 8, &tl, NULL), MC_OK);
        size_t values = 0;
        for (int i = 0; i < MC_TATTN_T_COUNT; i++) {
            const mc_tensor t = (mc_tensor)(MC_T_TEMPORAL_WQ + i);
            assert_string_equal(mc_tensor_name(t), mc_tattn_tensor_name((mc_tattn_tensor)i));
            assert_int_equal(mc_tensor_is_vector(t), mc_tattn_tensor_is_vector((mc_tattn_tensor)i));
            assert_int_equal(mc_tensor_decays(t), mc_tattn_tensor_decays((mc_tattn_tensor)i));
            assert_int_equal(mc_tensor_size(&lay, t), tl.rows[i] * tl.cols[i]);
            if (tl.rows[i] * tl.cols[i] == 0)
                continue;
            assert_int_equal(lay.rows[t], tl.rows[i]);
            assert_int_equal(lay.cols[t], tl.cols[i]);
            values += tl.rows[i] * tl.cols[i];
        }
        assert_int_equal(values, tl.total);
        s.temporal = MC_NN_TEMPORAL_NONE;
        assert_int_equal(mc_net_plan(&s, 8, &lay, NULL), MC_OK);
        for (int t = MC_T_TEMPORAL_WQ; t < MC_T_COUNT; t++)
            assert_int_equal(mc_tensor_size(&lay, (mc_tensor)t), 0);
    }
}

/* The network with temporal attention computes the network without it plus
   the kernel's term, the kernel run alone on its own parameter block and
   workspace: outputs, every gradient and the input gradient, for each
   score, global and local, with and without the anomaly mask (whose x~ the
   attention does not read). */
static void test_temporal_term_composes(void **state)
{
    (void)state;
    for (int variant = 0; variant < 6; variant++) {
        mc_net_shape s = variant_shape(variant % 2 ? 2 : 0); /* without, with the anomaly mask */
        s.temporal = variant >= 4 ? MC_NN_TEMPORAL_LOCAL : MC_NN_TEMPORAL_GLOBAL;
        s.temporal_score = variant < 4 ? variant : variant - 2;
        s.temporal_dim = 6;
        s.temporal_width = 5;
        fixture f; /* the network with attention */
        setup_fixture(&f, &s, MC_NN_LOSS_PINBALL, false);
        const size_t HQ = mc_net_n_output(&s), n_in = f.n_in, total = f.lay.total;
        analytic(&f);

        /* Without: the same parameters but the temporal rows, which come last. */
        mc_net_shape s0 = s;
        s0.temporal = MC_NN_TEMPORAL_NONE;
        mc_net_layout lay0;
        assert_int_equal(mc_net_plan(&s0, BATCH, &lay0, NULL), MC_OK);
        assert_int_equal(lay0.total, f.lay.offset[MC_T_TEMPORAL_WQ]);
        mc_net_work w0;
        assert_int_equal(mc_net_work_alloc(&w0, &s0, BATCH, NULL), MC_OK);
        float *g0 = malloc(lay0.total * sizeof(float)), *dx0 = malloc(BATCH * n_in * sizeof(float));
        assert_true(g0 && dx0);
        mc_net_forward(&w0, f.params, &lay0, &s0, f.x, BATCH);
        mc_net_backward(&w0, g0, dx0, f.params, &lay0, &s0, f.x, f.dy, BATCH);

        /* The kernel alone, its tensors copied into a block of its own layout. */
        const mc_tattn_shape ts = kernel_shape(&s);
        mc_tattn_layout tl;
        assert_int_equal(mc_tattn_plan(&ts, BATCH, &tl, NULL), MC_OK);
        float *kp = calloc(tl.total, sizeof(float)), *kg = calloc(tl.total, sizeof(float));
        float *block = malloc(BATCH * tl.work_total * sizeof(float));
        float *ky = calloc(BATCH * HQ, sizeof(float)), *kdx = calloc(BATCH * n_in, sizeof(float));
        assert_true(kp && kg && block && ky && kdx);
        for (int i = 0; i < MC_TATTN_T_COUNT; i++) {
            const mc_tensor t = (mc_tensor)(MC_T_TEMPORAL_WQ + i);
            memcpy(kp + tl.offset[i], f.params + f.lay.offset[t],
                   mc_tensor_size(&f.lay, t) * sizeof(float));
        }
        mc_tattn_work kw;
        mc_tattn_work_bind(&kw, block, &ts, BATCH, true);
        const mc_tattn_params kpv = mc_tattn_params_view(kp, &tl);
        mc_tattn_grads kgv = mc_tattn_grads_view(kg, &tl);
        mc_tattn_forward(ky, &kw, f.x, &kpv, &ts, BATCH);
        mc_tattn_backward(&kgv, kdx, &kw, f.dy, &kpv, &ts, BATCH);

        for (size_t i = 0; i < BATCH * HQ; i++)
            assert_close(f.w.y[i], (double)w0.y[i] + ky[i], 1e-6, 1e-6);
        for (size_t i = 0; i < lay0.total; i++)
            assert_close(f.grads[i], g0[i], 1e-6, 1e-6);
        for (int i = 0; i < MC_TATTN_T_COUNT; i++) {
            const mc_tensor t = (mc_tensor)(MC_T_TEMPORAL_WQ + i);
            for (size_t j = 0; j < mc_tensor_size(&f.lay, t); j++)
                assert_close(f.grads[f.lay.offset[t] + j], kg[tl.offset[i] + j], 1e-6, 1e-6);
        }
        assert_int_equal(total, lay0.total + tl.total);
        for (size_t i = 0; i < BATCH * n_in; i++)
            assert_close(f.dx[i], (double)dx0[i] + kdx[i], 1e-6, 1e-6);
        /* The attention weights the network keeps are the kernel's. */
        for (size_t i = 0; i < BATCH * s.horizon * s.lookback; i++)
            assert_close(f.w.tattn.alpha[i], kw.alpha[i], 1e-7, 1e-6);

        free(kp);
        free(kg);
        free(block);
        free(ky);
        free(kdx);
        free(g0);
        free(dx0);
        mc_net_work_free(&w0);
        teardown_fixture(&f);
    }
}

/* The initialiser as it was written before the table (a list of fan-ins
   in tensor order, then the constants), kept here as the reference: every
   model trained with a given seed depends on its draws. Temporal
   attention's tensors, appended since, draw next at the scales its kernel's
   layout gives, then take its constants (a constant tensor draws too). */
static void reference_init(float *p, const mc_net_layout *lay, const mc_net_shape *s,
                           uint64_t seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, (unsigned long)(seed ^ (seed >> 32)));
    const double n_in = (double)mc_net_n_input(s), D = (double)s->hidden;
    const double r = s->horizon_rank ? (double)s->horizon_rank : 1.0;
    double scale[MC_T_COUNT] = {n_in, n_in, D, D, D, D, D, D, (double)s->lookback, 1, D, D, r};
    for (int t = 0; t < MC_T_TEMPORAL_WQ; t++)
        scale[t] = 1.0 / sqrt(scale[t]);
    mc_tattn_layout tl = {0};
    if (s->temporal != MC_NN_TEMPORAL_NONE) {
        const mc_tattn_shape ts = kernel_shape(s);
        assert_int_equal(mc_tattn_plan(&ts, 1, &tl, NULL), MC_OK);
    }
    for (int i = 0; i < MC_TATTN_T_COUNT; i++) /* a constant's draws at scale 1, unused */
        scale[MC_T_TEMPORAL_WQ + i] = tl.init_scale[i] > 0 ? tl.init_scale[i] : 1.0;
    for (int t = 0; t < MC_T_COUNT; t++)
        for (size_t i = 0; i < lay->rows[t] * lay->cols[t]; i++)
            p[lay->offset[t] + i] = (float)((2.0 * gsl_rng_uniform(rng) - 1.0) * scale[t]);
    gsl_rng_free(rng);
    for (int i = 0; i < MC_TATTN_T_COUNT; i++) {
        const mc_tensor t = (mc_tensor)(MC_T_TEMPORAL_WQ + i);
        for (size_t j = 0; tl.init_scale[i] == 0 && j < lay->rows[t] * lay->cols[t]; j++)
            p[lay->offset[t] + j] = tl.init_value[i];
    }
    const struct { mc_tensor t; float v; } constants[] = {
        {MC_T_ANOMALY_B, 3.0f},
        {MC_T_HORIZON_B, s->mask_kind == MC_NN_MASK_SOFTMAX ? 0.0f : 2.0f},
        {MC_T_HEAD_C, 0.0f}, {MC_T_SKIP_S, 0.0f}, {MC_T_ANOMALY_U, 0.0f}};
    for (size_t c = 0; c < sizeof constants / sizeof constants[0]; c++) {
        const mc_tensor t = constants[c].t;
        for (size_t i = 0; i < lay->rows[t] * lay->cols[t]; i++)
            p[lay->offset[t] + i] = constants[c].v;
    }
}

/* The table's initial values are the reference's to the bit, for every
   switch (an absent tensor draws nothing), and the seed decides them. */
static void test_init_params_match_the_reference(void **state)
{
    (void)state;
    for (int variant = 0; variant < 2 * VARIANTS; variant++) {
        mc_net_shape s = variant_shape(variant % VARIANTS);
        s.horizon_rank = variant >= VARIANTS ? 0 : s.horizon_rank;
        s.skip = s.skip && variant != 7;
        mc_net_layout lay;
        assert_int_equal(mc_net_plan(&s, 1, &lay, NULL), MC_OK);
        float *got = malloc(lay.total * sizeof *got), *want = malloc(lay.total * sizeof *want);
        float *other = malloc(lay.total * sizeof *other);
        assert_true(got && want && other);
        const uint64_t seed = 0x2385000000000042ull + (uint64_t)variant;
        assert_int_equal(mc_net_init_params(got, &lay, &s, seed, NULL), MC_OK);
        reference_init(want, &lay, &s, seed);
        assert_memory_equal(got, want, lay.total * sizeof *got);
        assert_int_equal(mc_net_init_params(other, &lay, &s, seed + 1, NULL), MC_OK);
        assert_true(memcmp(got, other, mc_tensor_size(&lay, MC_T_FEATURE_W) * sizeof *got) != 0);
        free(got);
        free(want);
        free(other);
    }
}

/* ---- element-wise kernels against libm in double -------------------------- */

/* The polynomial sigmoid against 1 / (1 + exp(-x)) in double over [-100, 100]:
   within 8 float ulps down to x = -87 (exp(-87) is the smallest normal
   float's order), below that under 1.7e-38, never outside
   [0, 1], exact at 0, and NaN for NaN. */
static void test_sigmoid_against_libm(void **state)
{
    (void)state;
    enum { N = 400001 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    assert_true(x && y);
    for (size_t i = 0; i < N; i++)
        x[i] = -100.0f + 200.0f * (float)i / (float)(N - 1) + 1.2345e-4f;
    mc_sigmoid_forward(y, x, N);
    double worst = 0.0;
    for (size_t i = 0; i < N; i++) {
        const double ref = 1.0 / (1.0 + exp(-(double)x[i]));
        assert_true(y[i] >= 0.0f && y[i] <= 1.0f);
        if (x[i] >= -87.0f) /* the value is a normal float */
            worst = fmax(worst, fabs(y[i] - ref) / ref);
        else
            assert_true(y[i] < 1.7e-38f); /* exp(-87) and below: as good as 0 */
    }
    assert_true(worst < 8 * 5.96e-8);
    assert_true(worst > 0.0); /* a polynomial, not libm: the check can see a difference */
    const float special[6] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 88.7f};
    float out[6];
    mc_sigmoid_forward(out, special, 6);
    assert_true(out[0] == 0.5f && out[1] == 0.5f && out[2] == 1.0f && out[5] == 1.0f);
    assert_true(out[3] >= 0.0f && out[3] < 2e-38f);
    assert_true(isnan(out[4]));
    /* Backward: s (1 - s) times the incoming gradient. */
    const float s3[3] = {0.25f, 0.5f, 0.875f}, g3[3] = {2.0f, -1.5f, 0.125f};
    float d3[3];
    mc_sigmoid_backward(d3, g3, s3, 3);
    assert_close(d3[0], 0.375, 1e-7, 0);
    assert_close(d3[1], -0.375, 1e-7, 0);
    assert_close(d3[2], 0.013671875, 1e-9, 0);
    free(x);
    free(y);
}

/* The mean-one softmax against the same in double, rows far apart in scale. */
static void test_softmax_against_double(void **state)
{
    (void)state;
    enum { ROWS = 3, COLS = 37 };
    float pre[ROWS * COLS], out[ROWS * COLS];
    *test_rng() = 977u;
    for (size_t c = 0; c < COLS; c++) {
        pre[c] = test_uniform(-3.0f, 3.0f);
        pre[COLS + c] = test_uniform(-60.0f, 60.0f); /* many terms underflow */
        pre[2 * COLS + c] = 1.385f;             /* all equal: every weight 1 */
    }
    mc_mean_one_softmax_forward(out, pre, ROWS, COLS);
    for (size_t r = 0; r < ROWS; r++) {
        double mx = pre[r * COLS], sum = 0.0;
        for (size_t c = 1; c < COLS; c++)
            mx = fmax(mx, pre[r * COLS + c]);
        for (size_t c = 0; c < COLS; c++)
            sum += exp((double)pre[r * COLS + c] - mx);
        for (size_t c = 0; c < COLS; c++) {
            const double ref = COLS * exp((double)pre[r * COLS + c] - mx) / sum;
            assert_close(out[r * COLS + c], ref, 1e-30, 1e-6);
        }
    }
}

/* ReLU's backward passes the gradient where pre > 0 and is exactly 0
   elsewhere, even where the incoming gradient is not finite. */
static void test_relu_backward(void **state)
{
    (void)state;
    const float pre[6] = {1.5f, -0.25f, 0.0f, 3.0f, -2.0f, 1e-30f};
    const float dout[6] = {0.75f, NAN, INFINITY, -2.5f, 4.0f, -0.125f};
    const float want[6] = {0.75f, 0.0f, 0.0f, -2.5f, 0.0f, -0.125f};
    float dpre[6], out[6];
    mc_activation_backward(dpre, dout, pre, 6, MC_NN_RELU);
    mc_activation_forward(out, pre, 6, MC_NN_RELU);
    for (int i = 0; i < 6; i++) {
        assert_true(dpre[i] == want[i]);
        assert_true(out[i] == (pre[i] > 0.0f ? pre[i] : 0.0f));
    }
}

/* ---- the optimiser against the textbook AdamW in double ------------------- */

static void test_grad_norm_against_naive(void **state)
{
    (void)state;
    enum { N = 1003 }; /* not a multiple of the 8 partial sums */
    float g[N];
    *test_rng() = 4242u;
    test_fill(g, N, -2.0f, 2.0f);
    double ref = 0.0;
    for (size_t i = 0; i < N; i++)
        ref += (double)g[i] * g[i];
    assert_close(mc_grad_norm(g, N), sqrt(ref), 0, 1e-14);
    assert_close(mc_grad_norm(g, 5), sqrt((double)g[0] * g[0] + (double)g[1] * g[1] +
                                          (double)g[2] * g[2] + (double)g[3] * g[3] +
                                          (double)g[4] * g[4]), 0, 1e-15);
}

/* Five steps on a small network's layout, with clipping and weight decay,
   against m_t = b1 m + (1 - b1) g, v_t = b2 v + (1 - b2) g^2,
   p -= lr (wd p + mhat / (sqrt(vhat) + eps)) in double (decay on weight
   matrices only). */
static void test_adamw_against_textbook(void **state)
{
    (void)state;
    mc_net_shape s = small_shape();
    s.mask_local = true;
    s.horizon_rank = 2; /* the embeddings, which are not decayed */
    mc_net_layout lay;
    assert_int_equal(mc_net_plan(&s, 1, &lay, NULL), MC_OK);
    const size_t n = lay.total;
    mc_adamw opt;
    assert_int_equal(mc_adamw_init(&opt, n, NULL), MC_OK);
    float *p = malloc(n * sizeof *p), *g = malloc(n * sizeof *g);
    double *rp = malloc(n * sizeof *rp), *rm = calloc(n, sizeof *rm), *rv = calloc(n, sizeof *rv);
    assert_true(p && g && rp && rm && rv);
    *test_rng() = 31337u;
    test_fill(p, n, -0.5f, 0.5f);
    for (size_t i = 0; i < n; i++)
        rp[i] = p[i];
    const double lr = 3e-3, wd = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    for (int step = 1; step <= 5; step++) {
        test_fill(g, n, -0.02f, 0.02f);
        g[step] = 0.0f; /* a zero gradient: the update is m's alone */
        const double scale = step % 2 ? 0.6 : 1.0;
        mc_adamw_step(&opt, p, g, &lay, lr, wd, scale);
        for (int t = 0; t < MC_T_COUNT; t++) {
            /* decay on weight matrices; not on biases or the horizon embeddings */
            const bool matrix = t == MC_T_FEATURE_W || t == MC_T_ANOMALY_W || t == MC_T_HORIZON_W ||
                                t == MC_T_HEAD_V || t == MC_T_SKIP_S || t == MC_T_HORIZON_U ||
                                t == MC_T_HORIZON_W2;
            const double decay = matrix ? wd : 0.0;
            for (size_t i = lay.offset[t]; i < lay.offset[t] + lay.rows[t] * lay.cols[t]; i++) {
                const double gi = (double)g[i] * scale;
                rm[i] = b1 * rm[i] + (1 - b1) * gi;
                rv[i] = b2 * rv[i] + (1 - b2) * gi * gi;
                const double mhat = rm[i] / (1 - pow(b1, step)), vhat = rv[i] / (1 - pow(b2, step));
                rp[i] -= lr * (decay * rp[i] + mhat / (sqrt(vhat) + eps));
            }
        }
        for (size_t i = 0; i < n; i++)
            assert_close(p[i], rp[i], 2e-7, 2e-6);
    }
    /* The decay term (lr * wd * |p| up to 7.5e-5 a step) is 60 times the
       tolerance, so decaying a bias or sparing a matrix fails above. */
    assert_true(opt.t == 5);
    mc_adamw_free(&opt);
    free(p);
    free(g);
    free(rp);
    free(rm);
    free(rv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigmoid_against_libm),
        cmocka_unit_test(test_softmax_against_double),
        cmocka_unit_test(test_relu_backward),
        cmocka_unit_test(test_grad_norm_against_naive),
        cmocka_unit_test(test_adamw_against_textbook),
        cmocka_unit_test(test_naive_gemm),
        cmocka_unit_test(test_plan_refuses_bad_shapes),
        cmocka_unit_test(test_tensor_table),
        cmocka_unit_test(test_temporal_rows_are_the_kernels),
        cmocka_unit_test(test_temporal_term_composes),
        cmocka_unit_test(test_init_params_match_the_reference),
        cmocka_unit_test(test_blas_matches_naive),
        cmocka_unit_test(test_parts_give_the_same_bits),
        cmocka_unit_test(test_slices_match_the_whole_batch),
        cmocka_unit_test(test_check_catches_wrong_gradients),
        cmocka_unit_test(test_gradients_every_loss_and_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
