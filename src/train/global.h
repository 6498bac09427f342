/* Global models: one network trained on windows from many series, each
   scaled on its own, with optional identity channels and static covariates
   (docs/MANY_SERIES.md). */
#ifndef MC_TRAIN_GLOBAL_H
#define MC_TRAIN_GLOBAL_H

#include <stdbool.h>
#include <stddef.h>

#include "maskcast/frame.h"
#include "maskcast/model.h"
#include "maskcast/panel.h"

/* The series a global model is trained on. */
typedef struct mc_series_set {
    size_t n;
    const mc_frame *const *frames;  /* (n) regularised, one step */
    const char *const *names;       /* (n) distinct */
    size_t n_static;
    const char *const *static_names;   /* (n_static) */
    const double *static_values;       /* (n_static, n): attribute j of series i at j * n + i */
    bool identity;                     /* one 0/1 channel per series */
} mc_series_set;

/* Prefixes of the constant channels' names: "series:AEP", "static:class". */
#define MC_IDENTITY_PREFIX "series:"
#define MC_STATIC_PREFIX "static:"

/* Trains a global model on every row of the set's series (to->train_rows
   must be 0: cut each series before instead). When `stopped` is not NULL a
   training cancelled by its progress callback keeps the best model so far
   (MC_OK, *stopped true) if an epoch or the linear forecaster gave one. */
mc_status mc_model_train_series(mc_model **out, const mc_series_set *set,
                                const mc_model_options *mo, const mc_train_options *to,
                                bool *stopped, mc_error *err);

/* The set of a panel's series (arrays allocated here, strings and frames
   borrowed from the panel: it must outlive the set); free with
   mc_series_set_release(). */
mc_status mc_series_set_of_panel(mc_series_set *set, const mc_panel *p, bool identity,
                                 mc_error *err);
void mc_series_set_release(mc_series_set *set);

#endif /* MC_TRAIN_GLOBAL_H */
