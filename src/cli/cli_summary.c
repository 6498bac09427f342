#include "cli/cli_summary.h"

#include <math.h>

/* A loss, or null when there is none (NAN): JSON has no NaN. */
static void add_loss(cJSON *o, const char *key, double v)
{
    cJSON_AddItemToObject(o, key, isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull());
}

cJSON *mc_cli_training_json(const mc_model *m, const char *path, bool interrupted)
{
    mc_training_record rec;
    mc_model_training_record(m, &rec);
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "model", path);
    cJSON_AddStringToObject(o, "kept", mc_model_kept(m));
    cJSON_AddNumberToObject(o, "members", (double)mc_model_members(m));
    cJSON_AddNumberToObject(o, "epochs", (double)rec.epochs);
    cJSON_AddNumberToObject(o, "best_epoch", (double)rec.best_epoch);
    add_loss(o, "best_val_loss", rec.best_val_loss);
    cJSON *cand = cJSON_AddObjectToObject(o, "candidates");
    add_loss(cand, "network", rec.network_val_loss);
    add_loss(cand, "linear", rec.linear_val_loss);
    add_loss(cand, "blend", rec.blend_val_loss);
    add_loss(o, "blend_weight", rec.blend_weight);
    cJSON_AddNumberToObject(o, "seconds", mc_model_train_seconds(m));
    cJSON_AddBoolToObject(o, "time_limited", rec.time_limited);
    cJSON_AddBoolToObject(o, "interrupted", interrupted);
    cJSON_AddNumberToObject(o, "train_origins", (double)rec.train_origins);
    cJSON_AddNumberToObject(o, "val_origins", (double)rec.val_origins);
    cJSON_AddNumberToObject(o, "calibration_origins", (double)mc_model_calibration_origins(m));
    cJSON_AddNumberToObject(o, "lookback", (double)mc_model_lookback(m));
    cJSON_AddNumberToObject(o, "horizon", (double)mc_model_horizon(m));
    cJSON_AddNumberToObject(o, "seed", (double)rec.seed);
    return o;
}
