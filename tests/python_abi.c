/* Prints the size and every field offset of the structures python/maskcast.py
   mirrors, as "struct field offset" lines ("struct - size" for the size), so
   that tests/test_python.py can check the mirror against the compiler. */
#include <stddef.h>
#include <stdio.h>

#include "maskcast/maskcast.h"

#define FIELD(s, f) printf("%s %s %zu\n", #s, #f, offsetof(s, f))
#define SIZE(s) printf("%s - %zu\n", #s, sizeof(s))

int main(void)
{
    SIZE(mc_error);
    FIELD(mc_error, code); FIELD(mc_error, line); FIELD(mc_error, column);
    FIELD(mc_error, message);
    SIZE(mc_csv_options);
    FIELD(mc_csv_options, delimiter); FIELD(mc_csv_options, decimal);
    FIELD(mc_csv_options, header); FIELD(mc_csv_options, time_column);
    FIELD(mc_csv_options, target_column); FIELD(mc_csv_options, covariates);
    FIELD(mc_csv_options, n_covariates); FIELD(mc_csv_options, time_format);
    FIELD(mc_csv_options, lenient); FIELD(mc_csv_options, chunk_size);
    SIZE(mc_regularize_options);
    FIELD(mc_regularize_options, step); FIELD(mc_regularize_options, duplicates);
    FIELD(mc_regularize_options, sort); FIELD(mc_regularize_options, max_interpolate);
    FIELD(mc_regularize_options, long_fill);
    SIZE(mc_model_options);
    FIELD(mc_model_options, window); FIELD(mc_model_options, features);
    FIELD(mc_model_options, network); FIELD(mc_model_options, loss);
    SIZE(mc_window_options);
    FIELD(mc_window_options, lookback); FIELD(mc_window_options, horizon);
    SIZE(mc_feature_options);
    FIELD(mc_feature_options, calendar); FIELD(mc_feature_options, normalize_level);
    FIELD(mc_feature_options, level_steps); FIELD(mc_feature_options, past);
    FIELD(mc_feature_options, n_past); FIELD(mc_feature_options, future);
    FIELD(mc_feature_options, n_future); FIELD(mc_feature_options, holidays);
    FIELD(mc_feature_options, n_holidays);
    SIZE(mc_network_options);
    FIELD(mc_network_options, hidden); FIELD(mc_network_options, activation);
    FIELD(mc_network_options, mask_kind); FIELD(mc_network_options, anomaly_mask);
    FIELD(mc_network_options, horizon_masks); FIELD(mc_network_options, horizon_rank);
    FIELD(mc_network_options, skip); FIELD(mc_network_options, mask_local);
    FIELD(mc_network_options, mask_penalty); FIELD(mc_network_options, mask_topk);
    FIELD(mc_network_options, anomaly_topk); FIELD(mc_network_options, temporal);
    FIELD(mc_network_options, temporal_score); FIELD(mc_network_options, temporal_dim);
    FIELD(mc_network_options, temporal_width);
    FIELD(mc_network_options, future_terms);
    FIELD(mc_network_options, blend);
    FIELD(mc_network_options, members);
    SIZE(mc_loss_options);
    FIELD(mc_loss_options, kind); FIELD(mc_loss_options, huber_delta);
    FIELD(mc_loss_options, n_quantiles); FIELD(mc_loss_options, quantiles);
    SIZE(mc_option_info);
    FIELD(mc_option_info, name); FIELD(mc_option_info, cli); FIELD(mc_option_info, group);
    FIELD(mc_option_info, type); FIELD(mc_option_info, choices);
    FIELD(mc_option_info, n_choices); FIELD(mc_option_info, keyword);
    FIELD(mc_option_info, min); FIELD(mc_option_info, max); FIELD(mc_option_info, metavar);
    FIELD(mc_option_info, default_text); FIELD(mc_option_info, expect);
    FIELD(mc_option_info, help);
    SIZE(mc_train_progress);
    FIELD(mc_train_progress, epoch); FIELD(mc_train_progress, max_epochs);
    FIELD(mc_train_progress, batch); FIELD(mc_train_progress, batches);
    FIELD(mc_train_progress, train_loss); FIELD(mc_train_progress, val_loss);
    FIELD(mc_train_progress, best_val_loss); FIELD(mc_train_progress, best_epoch);
    FIELD(mc_train_progress, seconds); FIELD(mc_train_progress, epoch_done);
    SIZE(mc_train_options);
    FIELD(mc_train_options, max_epochs); FIELD(mc_train_options, batch_size);
    FIELD(mc_train_options, patience); FIELD(mc_train_options, samples_per_epoch);
    FIELD(mc_train_options, origin_stride); FIELD(mc_train_options, learning_rate);
    FIELD(mc_train_options, weight_decay); FIELD(mc_train_options, clip_norm);
    FIELD(mc_train_options, warmup_fraction); FIELD(mc_train_options, validation_fraction);
    FIELD(mc_train_options, augment_probability); FIELD(mc_train_options, linear_candidate);
    FIELD(mc_train_options, seed);
    FIELD(mc_train_options, train_rows); FIELD(mc_train_options, progress);
    FIELD(mc_train_options, progress_user); FIELD(mc_train_options, time_limit);
    return 0;
}
