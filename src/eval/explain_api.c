/* The public explain API (maskcast/explain.h): a thin result object over
   mc_explain_run() with the origins chosen by mc_explain_pick_origins(). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"
#include "eval/explain.h"
#include "train/bind.h"
#include "train/model_internal.h"

struct mc_explanation {
    mc_explain *r;
    size_t *origin_rows;                  /* (n_origins) */
    char *column[MC_EXPLAIN_MAX_GROUPS];  /* copies of the model's names; NULL: none */
};

void mc_explanation_options_defaults(mc_explanation_options *opt)
{
    *opt = (mc_explanation_options){.days = 28, .repeats = 5, .seed = 1};
}

void mc_explanation_free(mc_explanation *x)
{
    if (x == NULL)
        return;
    mc_explain_free(x->r);
    free(x->origin_rows);
    for (size_t g = 0; g < MC_EXPLAIN_MAX_GROUPS; g++)
        free(x->column[g]);
    free(x);
}

/* The model column a group holds, or NULL (calendar, holidays). */
static const char *group_column(const mc_model *m, const mc_input_group *g)
{
    const size_t calendar = m->calendar ? MC_CALENDAR_CHANNELS : 0;
    switch (g->kind) {
    case MC_GROUP_LOAD_RECENT:
    case MC_GROUP_LOAD_EARLIER:
    case MC_GROUP_OBSERVED: return m->names[0];
    case MC_GROUP_PAST: return m->names[g->channel];
    case MC_GROUP_FUTURE: return m->names[1 + m->n_past + g->channel - calendar];
    default: return NULL;
    }
}

static mc_status copy_columns(mc_explanation *x, const mc_model *m, mc_error *err)
{
    for (size_t g = 0; g < x->r->n_groups; g++) {
        const char *name = group_column(m, &x->r->groups[g]);
        if (name != NULL && (x->column[g] = strdup(name)) == NULL)
            return mc_error_nomem(err, "explaining");
    }
    return MC_OK;
}

mc_status mc_model_explain(mc_explanation **out, const mc_model *model, const mc_frame *history,
                           const mc_explanation_options *opt, mc_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || model == NULL || history == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "explaining needs a result pointer, a model and a history");
    mc_explanation_options defaults;
    if (opt == NULL) {
        mc_explanation_options_defaults(&defaults);
        opt = &defaults;
    }
    mc_bound b;
    mc_status st = mc_model_bind_history(&b, model, history, err);
    if (st != MC_OK)
        return st;
    mc_explanation *x = calloc(1, sizeof *x);
    size_t n = 0, *strata = NULL;
    if (x == NULL)
        st = mc_error_nomem(err, "explaining");
    if (st == MC_OK)
        st = mc_explain_pick_origins(&x->origin_rows, &n, model, &b.series,
                                     mc_frame_times(history), opt, err);
    mc_explain_options eo;
    mc_explain_options_defaults(&eo);
    eo.repeats = opt->repeats;
    eo.seed = opt->seed;
    if (st == MC_OK && opt->same_time) {
        if ((strata = mc_realloc_array(NULL, n, sizeof *strata)) == NULL)
            st = mc_error_nomem(err, "explaining");
        else
            mc_explain_time_strata(strata, &b.series, x->origin_rows, n);
        eo.strata = strata;
    }
    if (st == MC_OK)
        st = mc_explain_run(&x->r, model, &b.series, x->origin_rows, n, &eo, err);
    if (st == MC_OK)
        st = copy_columns(x, model, err);
    free(strata);
    mc_bound_free(&b);
    if (st != MC_OK) {
        mc_explanation_free(x);
        return st;
    }
    *out = x;
    return MC_OK;
}

size_t mc_explanation_horizon(const mc_explanation *x) { return x->r->horizon; }
size_t mc_explanation_origins(const mc_explanation *x) { return x->r->n_origins; }
const size_t *mc_explanation_origin_rows(const mc_explanation *x) { return x->origin_rows; }
size_t mc_explanation_repeats(const mc_explanation *x) { return x->r->repeats; }
size_t mc_explanation_groups(const mc_explanation *x) { return x->r->n_groups; }

const char *mc_explanation_group_name(const mc_explanation *x, size_t g)
{
    return g < x->r->n_groups ? x->r->groups[g].name : NULL;
}

mc_group_kind mc_explanation_group_kind(const mc_explanation *x, size_t g)
{
    return g < x->r->n_groups ? x->r->groups[g].kind : MC_GROUP_NONE;
}

const char *mc_explanation_group_column(const mc_explanation *x, size_t g)
{
    return g < x->r->n_groups ? x->column[g] : NULL;
}

size_t mc_explanation_scored(const mc_explanation *x, size_t k)
{
    return k <= x->r->horizon ? x->r->scored[k] : 0;
}

double mc_explanation_mae(const mc_explanation *x, size_t k)
{
    return k <= x->r->horizon ? x->r->mae[k] : NAN;
}

double mc_explanation_increase(const mc_explanation *x, size_t g, size_t k)
{
    const size_t K = x->r->horizon + 1;
    return g < x->r->n_groups && k < K ? x->r->increase[g * K + k] : NAN;
}

double mc_explanation_spread(const mc_explanation *x, size_t g, size_t k)
{
    const size_t K = x->r->horizon + 1;
    return g < x->r->n_groups && k < K ? x->r->spread[g * K + k] : NAN;
}

double mc_explanation_share(const mc_explanation *x, size_t g, size_t k)
{
    return g < x->r->n_groups && k <= x->r->horizon ? mc_explain_share(x->r, g, k) : NAN;
}

bool mc_explanation_has_attention(const mc_explanation *x) { return x->r->attention != NULL; }

const mc_explain *mc_explanation_result(const mc_explanation *x) { return x->r; }

size_t mc_explanation_attention_lags(const mc_explanation *x)
{
    return x->r->attention != NULL ? x->r->lookback : 0;
}

double mc_explanation_attention(const mc_explanation *x, size_t k, size_t lag)
{
    return mc_explain_attention(x->r, k, lag);
}
