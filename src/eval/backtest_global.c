/* Backtests of global models (eval/backtest_global.h). */
#include "eval/backtest_global.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/checked.h"
#include "common/error.h"
#include "eval/backtest_methods.h"
#include "train/exchange.h"

/* Prefixes err's message with the series' name. */
static mc_status about(mc_status st, const char *name, mc_error *err)
{
    char why[MC_ERROR_MESSAGE_SIZE], q[MC_ERROR_NAME_SIZE];
    snprintf(why, sizeof why, "%s", err != NULL ? err->message : "");
    return mc_error_set(err, st, 0, 0, "series \"%s\": %s", mc_error_name(q, name), why);
}

mc_status mc_backtest_series(mc_backtest **out, mc_model **model, const mc_series_set *set,
                             const mc_model_options *mo, const mc_train_options *to,
                             const mc_backtest_options *bo, mc_error *err)
{
    if (model != NULL)
        *model = NULL;
    for (size_t i = 0; i < set->n; i++)
        out[i] = NULL;
    if (bo->refit_every != 0 || bo->ensemble > 1 || bo->ablations)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "a global model's backtest trains once: no refits, ensembles or "
                            "ablations");
    /* the common test start: the earliest of the series' own */
    int64_t start = INT64_MAX;
    for (size_t i = 0; i < set->n; i++) {
        int64_t t = 0;
        mc_status st = mc_backtest_test_start(&t, set->frames[i], bo, err);
        if (st != MC_OK)
            return about(st, set->names[i], err);
        if (t < start)
            start = t;
    }
    /* the model forecasts the gap and the horizon, as mc_backtest_run()'s do */
    mc_model_options wide = *mo;
    wide.window.horizon = bo->gap + mo->window.horizon;
    const size_t need = wide.window.lookback + wide.window.horizon + 1;
    mc_frame **cut = calloc(set->n, sizeof *cut);
    if (cut == NULL)
        return mc_error_nomem(err, "the backtest");
    mc_status st = MC_OK;
    for (size_t i = 0; st == MC_OK && i < set->n; i++) {
        const int64_t *t = mc_frame_times(set->frames[i]);
        size_t rows = 0;
        while (rows < mc_frame_rows(set->frames[i]) && t[rows] < start)
            rows++;
        st = rows >= need
                 ? mc_frame_slice(&cut[i], set->frames[i], 0, rows, err)
                 : mc_error_set(err, MC_ERR_EMPTY, 0, 0,
                                "%zu rows before the common test start (the earliest of the "
                                "series'), too few to train on (%zu needed); give a test start "
                                "(or fewer test days) that leaves every series a history, or "
                                "leave this one out",
                                rows, need);
        if (st != MC_OK)
            st = about(st, set->names[i], err);
    }
    mc_model *global = NULL;
    if (st == MC_OK) {
        mc_series_set train = *set;
        train.frames = (const mc_frame *const *)cut;
        st = mc_model_train_series(&global, &train, &wide, to, NULL, err);
    }
    for (size_t i = 0; i < set->n; i++)
        mc_frame_free(cut[i]);
    free(cut);
    mc_backtest_options common = *bo;
    common.has_test_start = true;
    common.test_start = start;
    for (size_t i = 0; st == MC_OK && i < set->n; i++) {
        mc_model *view = NULL;
        st = mc_model_for_series(&view, global, set->names[i], err);
        if (st == MC_OK)
            st = mc_backtest_model(&out[i], set->frames[i], view, &common, err);
        if (st != MC_OK)
            st = about(st, set->names[i], err);
        mc_model_free(view);
    }
    if (st != MC_OK) {
        for (size_t i = 0; i < set->n; i++) {
            mc_backtest_free(out[i]);
            out[i] = NULL;
        }
        mc_model_free(global);
        return st;
    }
    if (model != NULL)
        *model = global;
    else
        mc_model_free(global);
    return MC_OK;
}

mc_status mc_backtest_run_panel(mc_backtest **out, mc_model **model, const mc_panel *panel,
                                const mc_model_options *mo, const mc_train_options *to,
                                const mc_backtest_options *bo, bool identity, mc_error *err)
{
    if (model != NULL)
        *model = NULL;
    mc_series_set set;
    mc_status st = mc_series_set_of_panel(&set, panel, identity, err);
    if (st == MC_OK)
        st = mc_backtest_series(out, model, &set, mo, to, bo, err);
    mc_series_set_release(&set);
    return st;
}

/* Series i's model as mc_backtest_run() trains it: on the rows before its
   first origin, the horizon widened by the gap, alone on this process. */
static mc_status train_series(mc_model **out, const mc_frame *f, const mc_model_options *mo,
                              const mc_train_options *to, const mc_backtest_options *bo,
                              mc_error *err)
{
    size_t row = 0;
    mc_status st = mc_backtest_first_origin(&row, f, mo, bo, err);
    if (st != MC_OK)
        return st;
    mc_model_options wide = *mo;
    wide.window.horizon = bo->gap + mo->window.horizon;
    mc_train_options alone = *to;
    alone.train_rows = row;
    alone.collective = NULL;
    return mc_model_train(out, f, &wide, &alone, err);
}

mc_status mc_backtest_each_series(mc_backtest **out, const mc_series_set *set,
                                  const mc_model_options *mo, const mc_train_options *to,
                                  const mc_backtest_options *bo, mc_error *err)
{
    const size_t n = set->n;
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    const mc_collective *c = bo->collective;
    const bool spread = c != NULL && c->ranks > 1 && bo->refit_every == 0 && bo->ensemble <= 1 &&
                        !bo->ablations;
    mc_status st = MC_OK;
    if (!spread) {
        for (size_t i = 0; st == MC_OK && i < n; i++)
            if ((st = mc_backtest_run(&out[i], set->frames[i], mo, to, bo, err)) != MC_OK)
                st = about(st, set->names[i], err);
    } else {
        mc_model **all = calloc(c->ranks, sizeof *all);
        if (all == NULL)
            return mc_error_nomem(err, "the backtest");
        mc_backtest_options alone = *bo;
        alone.collective = NULL;
        for (size_t first = 0; st == MC_OK && first < n; first += c->ranks) {
            const size_t mine = first + c->rank;
            mc_model *model = NULL;
            mc_status made = MC_OK;
            if (mine < n && (made = train_series(&model, set->frames[mine], mo, to, bo, err)) !=
                                MC_OK)
                made = about(made, set->names[mine], err);
            st = mc_model_exchange(all, model, made, c, err);
            mc_model_free(model);
            for (size_t r = 0; st == MC_OK && r < c->ranks && first + r < n; r++) {
                const size_t i = first + r;
                if ((st = mc_backtest_model(&out[i], set->frames[i], all[r], &alone, err)) != MC_OK)
                    st = about(st, set->names[i], err);
            }
            for (size_t r = 0; r < c->ranks; r++) {
                mc_model_free(all[r]);
                all[r] = NULL;
            }
        }
        free(all);
    }
    if (st != MC_OK)
        for (size_t i = 0; i < n; i++) {
            mc_backtest_free(out[i]);
            out[i] = NULL;
        }
    return st;
}
