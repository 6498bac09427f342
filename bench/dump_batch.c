/*
 * mc_bench_dump_batch — maskcast's forward outputs and exact gradients on one
 * fixed batch, written to a safetensors file that bench/compare_torch.py
 * checks against the PyTorch version of the network (bench/torch_net.py).
 *
 *     mc_bench_dump_batch [--batch N] [--seed S] MODEL.safetensors OUT.safetensors
 *
 * The batch is deterministic (an inline xorshift generator seeded with S):
 * past values roughly normal, observed flags mostly 1, known-future values
 * uniform, targets roughly normal, weights in {0, 0.5, 1, 1.5} (a tenth 0, so
 * missing targets are exercised). OUT holds, all float32:
 *
 *     x (B, n_in)  target (B, H)  weight (B, H)  y (B, H*Q)
 *     h (B, D)  pre (B, D)  [pre0 (B, D)  mask (B, L*Cp)]  [attn (B, H*D)]
 *     <loss>.dy (B, H*Q)  <loss>.dx (B, n_in)
 *     <loss>.grad.<tensor> for every tensor of the model, in the file's layout
 *
 * for <loss> in mse, mae, huber, pinball. Every loss uses the model's Q
 * outputs; pinball uses the model's levels when it was trained with pinball,
 * else the single level 0.3; Huber uses delta 0.75 (so that both of its
 * regimes occur). "__metadata__" holds "losses", a JSON list of
 * {name, kind, huber_delta, quantiles, value} with mc_loss_eval's value.
 *
 * Uses the internal API (nn/net.h, nn/loss.h, train/model_internal.h): this
 * is a bench tool, not a user of the public library interface.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "maskcast/model.h"
#include "nn/loss.h"
#include "nn/net.h"
#include "train/model_internal.h"

#define N_LOSSES 4
#define HUBER_DELTA 0.75
#define MAX_ENTRIES 96

static uint64_t rng_state;

static double uniform(void) /* [0, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

static double normalish(void) /* mean 0, variance 1: a sum of 4 uniforms */
{
    return (uniform() + uniform() + uniform() + uniform() - 2.0) * 1.7320508075688772;
}

static void fill_batch(float *x, float *target, float *weight, const mc_net_shape *s, size_t B)
{
    const size_t n_in = mc_net_n_input(s), np = mc_net_n_past(s), L = s->lookback;
    for (size_t b = 0; b < B; b++) {
        float *r = x + b * n_in;
        for (size_t i = 0; i < np; i++)
            r[i] = (float)normalish();
        for (size_t l = 0; l < L; l++)
            r[np + l] = uniform() < 0.9 ? 1.0f : 0.0f;
        for (size_t i = np + L; i < n_in; i++)
            r[i] = (float)(3.0 * uniform() - 1.5);
    }
    static const float weights[4] = {0.5f, 1.0f, 1.5f, 1.0f};
    for (size_t i = 0; i < B * s->horizon; i++) {
        target[i] = (float)normalish();
        weight[i] = uniform() < 0.1 ? 0.0f : weights[(size_t)(uniform() * 4.0) & 3];
    }
}

typedef struct dump {
    mc_st_entry e[MAX_ENTRIES];
    char *names[MAX_ENTRIES];
    size_t n;
} dump;

static int add(dump *d, const char *prefix, const char *name, const float *data, size_t rows,
               size_t cols)
{
    if (d->n == MAX_ENTRIES)
        return -1;
    const size_t len = strlen(prefix) + strlen(name) + 1;
    char *full = malloc(len);
    if (full == NULL)
        return -1;
    snprintf(full, len, "%s%s", prefix, name);
    d->names[d->n] = full;
    d->e[d->n++] = (mc_st_entry){.name = full, .ndim = cols ? 2 : 1, .shape = {rows, cols},
                                 .data = data};
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: mc_bench_dump_batch [--batch N] [--seed S] MODEL.safetensors "
                    "OUT.safetensors\n");
    exit(2);
}

int main(int argc, char **argv)
{
    size_t B = 48;
    unsigned long long seed = 20240611;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--batch") == 0)
            B = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0)
            seed = strtoull(argv[i + 1], NULL, 10);
        else
            usage();
    }
    if (argc - i != 2 || B == 0)
        usage();
    const char *model_path = argv[i], *out_path = argv[i + 1];

    mc_error err;
    mc_model *model = NULL;
    if (mc_model_load(&model, model_path, &err) != MC_OK) {
        fprintf(stderr, "mc_bench_dump_batch: %s\n", err.message);
        return 1;
    }
    const mc_net_shape *s = &model->shape;
    const mc_net_layout *lay = &model->layout;
    const size_t n_in = mc_net_n_input(s), np = mc_net_n_past(s), H = s->horizon;
    const size_t HQ = mc_net_n_output(s), D = s->hidden;
    mc_net_layout check;
    mc_net_work w;
    if (mc_net_plan(s, B, &check, &err) != MC_OK || mc_net_work_alloc(&w, s, B, &err) != MC_OK) {
        fprintf(stderr, "mc_bench_dump_batch: %s\n", err.message);
        mc_model_free(model);
        return 1;
    }

    float *x = malloc(B * n_in * sizeof *x), *target = malloc(B * H * sizeof *target);
    float *weight = malloc(B * H * sizeof *weight), *y = malloc(B * HQ * sizeof *y);
    float *grads = malloc(N_LOSSES * lay->total * sizeof *grads);
    float *dx = malloc(N_LOSSES * B * n_in * sizeof *dx);
    float *dy = malloc(N_LOSSES * B * HQ * sizeof *dy);
    if (!x || !target || !weight || !y || !grads || !dx || !dy) {
        fprintf(stderr, "mc_bench_dump_batch: out of memory\n");
        return 1;
    }
    rng_state = seed ? seed : 88172645463325252ull;
    fill_batch(x, target, weight, s, B);

    static const char *const loss_names[N_LOSSES] = {"mse", "mae", "huber", "pinball"};
    static const mc_nn_loss kinds[N_LOSSES] = {MC_NN_LOSS_MSE, MC_NN_LOSS_MAE, MC_NN_LOSS_HUBER,
                                                 MC_NN_LOSS_PINBALL};
    mc_loss_spec spec = model->loss;
    spec.huber_delta = HUBER_DELTA;
    if (model->loss.kind != MC_NN_LOSS_PINBALL) { /* Q is 1: one asymmetric level */
        spec.n_quantiles = 1;
        spec.quantiles[0] = 0.3f;
    }
    double values[N_LOSSES];
    for (int l = 0; l < N_LOSSES; l++) {
        spec.kind = kinds[l];
        float *g = grads + (size_t)l * lay->total;
        mc_net_forward(&w, model->params, lay, s, x, B);
        /* The training objective: the loss plus the mask's closing penalty,
           whose gradient mc_net_backward adds. */
        values[l] = mc_loss_eval(dy + (size_t)l * B * HQ, w.y, target, weight, B, H, &spec) +
                    mc_net_mask_penalty(&w, s, B);
        mc_net_backward(&w, g, dx + (size_t)l * B * n_in, model->params, lay, s, x,
                        dy + (size_t)l * B * HQ, B);
    }
    memcpy(y, w.y, B * HQ * sizeof *y); /* the forward pass is the same for every loss */

    dump d = {.n = 0};
    int bad = add(&d, "", "x", x, B, n_in);
    bad |= add(&d, "", "target", target, B, H);
    bad |= add(&d, "", "weight", weight, B, H);
    bad |= add(&d, "", "y", y, B, HQ);
    bad |= add(&d, "", "h", w.h, B, D);
    bad |= add(&d, "", "pre", w.pre, B, D);
    if (s->anomaly_mask) {
        bad |= add(&d, "", "pre0", w.pre0, B, D);
        bad |= add(&d, "", "mask", w.mask, B, np);
    }
    if (s->horizon_masks)
        bad |= add(&d, "", "attn", w.attn, B, H * D);
    for (int l = 0; l < N_LOSSES; l++) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s.", loss_names[l]);
        bad |= add(&d, prefix, "dy", dy + (size_t)l * B * HQ, B, HQ);
        bad |= add(&d, prefix, "dx", dx + (size_t)l * B * n_in, B, n_in);
        snprintf(prefix, sizeof prefix, "%s.grad.", loss_names[l]);
        for (int t = 0; t < MC_T_COUNT; t++) {
            const size_t rows = lay->rows[t], cols = lay->cols[t];
            if (rows * cols == 0)
                continue;
            bad |= add(&d, prefix, mc_tensor_name((mc_tensor)t),
                       grads + (size_t)l * lay->total + lay->offset[t], rows,
                       mc_tensor_is_vector((mc_tensor)t) ? 0 : cols);
        }
    }

    char losses[2048], quant[512];
    size_t used = (size_t)snprintf(quant, sizeof quant, "[");
    for (size_t q = 0; q < spec.n_quantiles; q++)
        used += (size_t)snprintf(quant + used, sizeof quant - used, "%s%.9g", q ? "," : "",
                                 (double)spec.quantiles[q]);
    snprintf(quant + used, sizeof quant - used, "]");
    used = (size_t)snprintf(losses, sizeof losses, "[");
    for (int l = 0; l < N_LOSSES; l++)
        used += (size_t)snprintf(losses + used, sizeof losses - used,
                                 "%s{\"name\":\"%s\",\"huber_delta\":%.17g,\"quantiles\":%s,"
                                 "\"value\":%.17g}",
                                 l ? "," : "", loss_names[l], HUBER_DELTA, quant, values[l]);
    snprintf(losses + used, sizeof losses - used, "]");
    char batch_text[32];
    snprintf(batch_text, sizeof batch_text, "%zu", B);
    const mc_st_meta meta[] = {{"format", "maskcast-torch-compare"}, {"model", model_path},
                               {"batch", batch_text}, {"losses", losses}};
    int rc = 0;
    if (bad) {
        fprintf(stderr, "mc_bench_dump_batch: too many tensors\n");
        rc = 1;
    } else if (mc_st_write_file(out_path, d.e, d.n, meta, sizeof meta / sizeof meta[0], &err) !=
               MC_OK) {
        fprintf(stderr, "mc_bench_dump_batch: %s\n", err.message);
        rc = 1;
    } else {
        printf("dump_batch model=%s out=%s batch=%zu tensors=%zu", model_path, out_path, B, d.n);
        for (int l = 0; l < N_LOSSES; l++)
            printf(" %s=%.9g", loss_names[l], values[l]);
        printf("\n");
    }
    for (size_t k = 0; k < d.n; k++)
        free(d.names[k]);
    free(x);
    free(target);
    free(weight);
    free(y);
    free(grads);
    free(dx);
    free(dy);
    mc_net_work_free(&w);
    mc_model_free(model);
    return rc;
}
