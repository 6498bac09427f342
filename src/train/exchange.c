#include "train/exchange.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"

/* Bytes per double: a 32-bit word, which a double holds exactly. */
#define WORD 4

static size_t words_of(size_t bytes) { return (bytes + WORD - 1) / WORD; }

/* n bytes at `bytes` as words into v (whole words; the last padded with 0). */
static void pack(double *v, const unsigned char *bytes, size_t n)
{
    for (size_t i = 0; i < words_of(n); i++) {
        uint32_t w = 0;
        for (size_t k = 0; k < WORD && i * WORD + k < n; k++)
            w |= (uint32_t)bytes[i * WORD + k] << (8 * k);
        v[i] = (double)w;
    }
}

static void unpack(unsigned char *bytes, const double *v, size_t n)
{
    for (size_t i = 0; i < words_of(n); i++) {
        const uint32_t w = (uint32_t)v[i];
        for (size_t k = 0; k < WORD && i * WORD + k < n; k++)
            bytes[i * WORD + k] = (unsigned char)(w >> (8 * k));
    }
}

/* Each rank's byte count (0: no model, -1: failed) summed into head, then
   every rank's bytes into one vector of words. */
mc_status mc_model_exchange(mc_model **all, const mc_model *mine, mc_status mine_st,
                            const mc_collective *c, mc_error *err)
{
    const size_t R = c->ranks;
    for (size_t r = 0; r < R; r++)
        all[r] = NULL;
    void *bytes = NULL;
    size_t size = 0;
    mc_status st = mine_st;
    if (st == MC_OK && mine != NULL)
        st = mc_model_save_buffer(mine, &bytes, &size, err);
    double *head = calloc(R, sizeof *head);
    if (head == NULL) {
        free(bytes);
        return st != MC_OK ? st : mc_error_nomem(err, "exchanging the models");
    }
    head[c->rank] = st != MC_OK ? -1.0 : (double)size;
    if (!c->sum_double(head, R, c->user)) {
        free(head);
        free(bytes);
        return st != MC_OK ? st
                           : mc_error_set(err, MC_ERR_IO, 0, 0,
                                          "exchanging the models across processes failed");
    }
    size_t total = 0, failed = SIZE_MAX;
    for (size_t r = 0; r < R; r++) {
        if (head[r] < 0.0 && failed == SIZE_MAX)
            failed = r;
        else if (head[r] > 0.0)
            total += words_of((size_t)head[r]);
    }
    if (st != MC_OK || failed != SIZE_MAX) {
        free(head);
        free(bytes);
        return st != MC_OK ? st
                           : mc_error_set(err, MC_ERR_IO, 0, 0,
                                          "process %zu of %zu failed to train its model (its "
                                          "own message says why)",
                                          failed, R);
    }
    double *v = mc_realloc_array(NULL, total ? total : 1, sizeof *v);
    unsigned char *buf = mc_realloc_array(NULL, total ? total : 1, WORD);
    if (v == NULL || buf == NULL)
        st = mc_error_nomem(err, "exchanging the models");
    size_t at = 0;
    for (size_t r = 0; st == MC_OK && r < R; r++) {
        const size_t n = words_of((size_t)head[r]);
        if (r == c->rank)
            pack(v + at, bytes, size);
        else
            memset(v + at, 0, n * sizeof *v);
        at += n;
    }
    if (st == MC_OK && !c->sum_double(v, total, c->user))
        st = mc_error_set(err, MC_ERR_IO, 0, 0, "exchanging the models across processes failed");
    at = 0;
    for (size_t r = 0; st == MC_OK && r < R; r++) {
        const size_t n = (size_t)head[r];
        if (n == 0)
            continue;
        unpack(buf, v + at, n);
        at += words_of(n);
        st = mc_model_load_buffer(&all[r], buf, n, "a model from another process", err);
    }
    if (st != MC_OK)
        for (size_t r = 0; r < R; r++) {
            mc_model_free(all[r]);
            all[r] = NULL;
        }
    free(v);
    free(buf);
    free(head);
    free(bytes);
    return st;
}
