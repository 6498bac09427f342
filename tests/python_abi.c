/* Prints the size and every field offset of the structures python/maskcast/_structs.py
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
    FIELD(mc_train_options, collective);
    SIZE(mc_collective);
    FIELD(mc_collective, rank); FIELD(mc_collective, ranks); FIELD(mc_collective, sum_float);
    FIELD(mc_collective, sum_double); FIELD(mc_collective, user);
        SIZE(mc_frame_report);
    FIELD(mc_frame_report, delimiter); FIELD(mc_frame_report, file_rows);
    FIELD(mc_frame_report, blank_lines); FIELD(mc_frame_report, has_utc_offsets);
    FIELD(mc_frame_report, was_sorted); FIELD(mc_frame_report, duplicate_times);
    FIELD(mc_frame_report, duplicate_rows); FIELD(mc_frame_report, off_grid_rows);
    FIELD(mc_frame_report, first_off_grid); FIELD(mc_frame_report, gap_rows);
    SIZE(mc_column_report);
    FIELD(mc_column_report, missing_in_file); FIELD(mc_column_report, non_numeric);
    FIELD(mc_column_report, interpolated); FIELD(mc_column_report, seasonal);
    FIELD(mc_column_report, missing);
    SIZE(mc_column_summary);
    FIELD(mc_column_summary, observed); FIELD(mc_column_summary, min);
    FIELD(mc_column_summary, max); FIELD(mc_column_summary, mean);
    FIELD(mc_column_summary, median); FIELD(mc_column_summary, zeros);
    FIELD(mc_column_summary, negatives); FIELD(mc_column_summary, outliers);
    FIELD(mc_column_summary, robust_sd); FIELD(mc_column_summary, n_examples);
    FIELD(mc_column_summary, example_rows); FIELD(mc_column_summary, example_scores);
    SIZE(mc_backtest_progress);
    FIELD(mc_backtest_progress, method); FIELD(mc_backtest_progress, fit);
    FIELD(mc_backtest_progress, fits); FIELD(mc_backtest_progress, train);
    SIZE(mc_backtest_options);
    FIELD(mc_backtest_options, has_test_start); FIELD(mc_backtest_options, test_start);
    FIELD(mc_backtest_options, test_days); FIELD(mc_backtest_options, stride);
    FIELD(mc_backtest_options, origin_time); FIELD(mc_backtest_options, gap);
    FIELD(mc_backtest_options, refit_every); FIELD(mc_backtest_options, ensemble);
    FIELD(mc_backtest_options, baselines); FIELD(mc_backtest_options, ablations);
    FIELD(mc_backtest_options, temperature); FIELD(mc_backtest_options, corrupt_rate);
    FIELD(mc_backtest_options, corrupt_seed); FIELD(mc_backtest_options, progress);
    FIELD(mc_backtest_options, progress_user); FIELD(mc_backtest_options, n_intervals);
    FIELD(mc_backtest_options, intervals); FIELD(mc_backtest_options, interval_window);
    FIELD(mc_backtest_options, interval_source);
    FIELD(mc_backtest_options, calibrate_quantiles);
    FIELD(mc_backtest_options, quantile_window); FIELD(mc_backtest_options, collective);
    SIZE(mc_backtest_metrics);
    FIELD(mc_backtest_metrics, n); FIELD(mc_backtest_metrics, mae);
    FIELD(mc_backtest_metrics, rmse); FIELD(mc_backtest_metrics, mape);
    FIELD(mc_backtest_metrics, smape); FIELD(mc_backtest_metrics, mase);
    FIELD(mc_backtest_metrics, skill); FIELD(mc_backtest_metrics, pinball);
    FIELD(mc_backtest_metrics, coverage); FIELD(mc_backtest_metrics, nominal);
    FIELD(mc_backtest_metrics, crps);
    SIZE(mc_backtest_interval_metrics);
    FIELD(mc_backtest_interval_metrics, n); FIELD(mc_backtest_interval_metrics, coverage);
    FIELD(mc_backtest_interval_metrics, width); FIELD(mc_backtest_interval_metrics, winkler);
    SIZE(mc_explanation_options);
    FIELD(mc_explanation_options, days); FIELD(mc_explanation_options, has_start);
    FIELD(mc_explanation_options, start); FIELD(mc_explanation_options, stride);
    FIELD(mc_explanation_options, same_time); FIELD(mc_explanation_options, repeats);
    FIELD(mc_explanation_options, seed); FIELD(mc_explanation_options, origins);
    FIELD(mc_explanation_options, n_origins); FIELD(mc_explanation_options, origin_time);
    SIZE(mc_anomaly_options);
    FIELD(mc_anomaly_options, has_start); FIELD(mc_anomaly_options, start);
    SIZE(mc_anomaly_kind_agreement);
    FIELD(mc_anomaly_kind_agreement, kind); FIELD(mc_anomaly_kind_agreement, recorded);
    FIELD(mc_anomaly_kind_agreement, hits); FIELD(mc_anomaly_kind_agreement, events);
    FIELD(mc_anomaly_kind_agreement, events_found);
    SIZE(mc_anomaly_agreement);
    FIELD(mc_anomaly_agreement, threshold); FIELD(mc_anomaly_agreement, scored);
    FIELD(mc_anomaly_agreement, flagged); FIELD(mc_anomaly_agreement, recorded);
    FIELD(mc_anomaly_agreement, hits); FIELD(mc_anomaly_agreement, precision);
    FIELD(mc_anomaly_agreement, recall); FIELD(mc_anomaly_agreement, events);
    FIELD(mc_anomaly_agreement, events_found); FIELD(mc_anomaly_agreement, n_kinds);
    FIELD(mc_anomaly_agreement, kinds);
    return 0;
}
