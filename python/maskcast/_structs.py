"""The public structures of include/maskcast/*.h, field for field, in one
place. tests/python_abi.c prints every size and offset as the C compiler lays
them out and tests/test_python.py compares them with these: when a header
gains a field, add it here and in the probe (the test names what differs)."""
import ctypes

_c_size = ctypes.c_size_t
_P = ctypes.POINTER

MAX_QUANTILES = 16         # MC_MAX_QUANTILES
MAX_INTERVALS = 8          # MC_MAX_INTERVALS
SUMMARY_EXAMPLES = 5       # MC_SUMMARY_EXAMPLES
ANOMALY_KIND_SIZE = 16     # MC_ANOMALY_KIND_SIZE
ANOMALY_MAX_KINDS = 8      # MC_ANOMALY_MAX_KINDS


class Error(ctypes.Structure):  # status.h
    _fields_ = [("code", ctypes.c_int), ("line", _c_size), ("column", _c_size),
                ("message", ctypes.c_char * 512)]


# frame.h
class CsvOptions(ctypes.Structure):
    _fields_ = [("delimiter", ctypes.c_char), ("decimal", ctypes.c_char),
                ("header", ctypes.c_bool), ("time_column", ctypes.c_char_p),
                ("target_column", ctypes.c_char_p),
                ("covariates", _P(ctypes.c_char_p)), ("n_covariates", _c_size),
                ("time_format", ctypes.c_int), ("lenient", ctypes.c_bool),
                ("chunk_size", _c_size)]


class RegularizeOptions(ctypes.Structure):
    _fields_ = [("step", ctypes.c_int64), ("duplicates", ctypes.c_int), ("sort", ctypes.c_bool),
                ("max_interpolate", ctypes.c_int64), ("long_fill", ctypes.c_int)]


class FrameReport(ctypes.Structure):
    _fields_ = [("delimiter", ctypes.c_char), ("file_rows", _c_size),
                ("blank_lines", _c_size), ("has_utc_offsets", ctypes.c_bool),
                ("was_sorted", ctypes.c_bool), ("duplicate_times", _c_size),
                ("duplicate_rows", _c_size), ("off_grid_rows", _c_size),
                ("first_off_grid", ctypes.c_int64), ("gap_rows", _c_size)]


class ColumnReport(ctypes.Structure):
    _fields_ = [("missing_in_file", _c_size), ("non_numeric", _c_size),
                ("interpolated", _c_size), ("seasonal", _c_size), ("missing", _c_size)]


# describe.h
class ColumnSummary(ctypes.Structure):
    _fields_ = [("observed", _c_size), ("min", ctypes.c_double), ("max", ctypes.c_double),
                ("mean", ctypes.c_double), ("median", ctypes.c_double), ("zeros", _c_size),
                ("negatives", _c_size), ("outliers", _c_size), ("robust_sd", ctypes.c_double),
                ("n_examples", _c_size), ("example_rows", _c_size * SUMMARY_EXAMPLES),
                ("example_scores", ctypes.c_double * SUMMARY_EXAMPLES)]


# model.h
class WindowOptions(ctypes.Structure):
    _fields_ = [("lookback", _c_size), ("horizon", _c_size)]


class FeatureOptions(ctypes.Structure):
    _fields_ = [("calendar", ctypes.c_bool), ("normalize_level", ctypes.c_bool),
                ("level_steps", _c_size),
                ("past", _P(ctypes.c_char_p)), ("n_past", _c_size),
                ("future", _P(ctypes.c_char_p)), ("n_future", _c_size),
                ("holidays", _P(ctypes.c_int64)), ("n_holidays", _c_size)]


class NetworkOptions(ctypes.Structure):
    _fields_ = [("hidden", _c_size), ("activation", ctypes.c_int), ("mask_kind", ctypes.c_int),
                ("anomaly_mask", ctypes.c_bool), ("horizon_masks", ctypes.c_bool),
                ("horizon_rank", _c_size), ("skip", ctypes.c_bool),
                ("mask_local", ctypes.c_bool), ("mask_penalty", ctypes.c_double),
                ("mask_topk", _c_size), ("anomaly_topk", _c_size), ("temporal", ctypes.c_int),
                ("temporal_score", ctypes.c_int), ("temporal_dim", _c_size),
                ("temporal_width", _c_size), ("future_terms", ctypes.c_bool),
                ("blend", ctypes.c_bool), ("members", _c_size)]


class LossOptions(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("huber_delta", ctypes.c_double),
                ("n_quantiles", _c_size), ("quantiles", ctypes.c_double * MAX_QUANTILES)]


class ModelOptions(ctypes.Structure):
    _fields_ = [("window", WindowOptions), ("features", FeatureOptions),
                ("network", NetworkOptions), ("loss", LossOptions)]


class OptionInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("cli", ctypes.c_char_p), ("group", ctypes.c_int),
                ("type", ctypes.c_int), ("choices", _P(ctypes.c_char_p)),
                ("n_choices", _c_size), ("keyword", ctypes.c_char_p),
                ("min", ctypes.c_double), ("max", ctypes.c_double),
                ("metavar", ctypes.c_char_p), ("default_text", ctypes.c_char_p),
                ("expect", ctypes.c_char_p), ("help", ctypes.c_char_p)]


class TrainProgress(ctypes.Structure):
    _fields_ = [("epoch", _c_size), ("max_epochs", _c_size), ("batch", _c_size),
                ("batches", _c_size), ("train_loss", ctypes.c_double),
                ("val_loss", ctypes.c_double), ("best_val_loss", ctypes.c_double),
                ("best_epoch", _c_size), ("seconds", ctypes.c_double),
                ("epoch_done", ctypes.c_bool)]


ProgressFn = ctypes.CFUNCTYPE(ctypes.c_bool, _P(TrainProgress), ctypes.c_void_p)


SumFloatFn = ctypes.CFUNCTYPE(ctypes.c_bool, _P(ctypes.c_float), _c_size, ctypes.c_void_p)
SumDoubleFn = ctypes.CFUNCTYPE(ctypes.c_bool, _P(ctypes.c_double), _c_size, ctypes.c_void_p)


class Collective(ctypes.Structure):
    _fields_ = [("rank", _c_size), ("ranks", _c_size), ("sum_float", SumFloatFn),
                ("sum_double", SumDoubleFn), ("user", ctypes.c_void_p)]


class TrainOptions(ctypes.Structure):
    _fields_ = [("max_epochs", _c_size), ("batch_size", _c_size), ("patience", _c_size),
                ("samples_per_epoch", _c_size), ("origin_stride", _c_size),
                ("learning_rate", ctypes.c_double), ("weight_decay", ctypes.c_double),
                ("clip_norm", ctypes.c_double), ("warmup_fraction", ctypes.c_double),
                ("validation_fraction", ctypes.c_double),
                ("augment_probability", ctypes.c_double), ("linear_candidate", ctypes.c_bool),
                ("seed", ctypes.c_uint64), ("train_rows", _c_size), ("progress", ProgressFn),
                ("progress_user", ctypes.c_void_p), ("time_limit", ctypes.c_double),
                ("collective", _P(Collective))]


# backtest.h
class BacktestProgress(ctypes.Structure):
    _fields_ = [("method", ctypes.c_char_p), ("fit", _c_size), ("fits", _c_size),
                ("train", _P(TrainProgress))]


BacktestProgressFn = ctypes.CFUNCTYPE(ctypes.c_bool, _P(BacktestProgress), ctypes.c_void_p)


class BacktestOptions(ctypes.Structure):
    _fields_ = [("has_test_start", ctypes.c_bool), ("test_start", ctypes.c_int64),
                ("test_days", _c_size), ("stride", _c_size), ("origin_time", ctypes.c_int64),
                ("gap", _c_size), ("refit_every", _c_size), ("ensemble", _c_size),
                ("baselines", ctypes.c_bool), ("ablations", ctypes.c_bool),
                ("temperature", ctypes.c_char_p), ("corrupt_rate", ctypes.c_double),
                ("corrupt_seed", ctypes.c_uint64), ("progress", BacktestProgressFn),
                ("progress_user", ctypes.c_void_p), ("n_intervals", _c_size),
                ("intervals", ctypes.c_double * MAX_INTERVALS), ("interval_window", _c_size),
                ("interval_source", ctypes.c_int), ("calibrate_quantiles", ctypes.c_bool),
                ("quantile_window", _c_size), ("collective", _P(Collective))]


class BacktestMetrics(ctypes.Structure):
    _fields_ = [("n", _c_size), ("mae", ctypes.c_double), ("rmse", ctypes.c_double),
                ("mape", ctypes.c_double), ("smape", ctypes.c_double),
                ("mase", ctypes.c_double), ("skill", ctypes.c_double),
                ("pinball", ctypes.c_double), ("coverage", ctypes.c_double),
                ("nominal", ctypes.c_double), ("crps", ctypes.c_double)]


class BacktestIntervalMetrics(ctypes.Structure):
    _fields_ = [("n", _c_size), ("coverage", ctypes.c_double), ("width", ctypes.c_double),
                ("winkler", ctypes.c_double)]


# explain.h
class ExplanationOptions(ctypes.Structure):
    _fields_ = [("days", _c_size), ("has_start", ctypes.c_bool), ("start", ctypes.c_int64),
                ("stride", ctypes.c_int64), ("same_time", ctypes.c_bool),
                ("repeats", _c_size), ("seed", ctypes.c_uint64),
                ("origins", _P(_c_size)), ("n_origins", _c_size),
                ("origin_time", ctypes.c_int64)]


class AnomalyOptions(ctypes.Structure):
    _fields_ = [("has_start", ctypes.c_bool), ("start", ctypes.c_int64)]


class AnomalyKindAgreement(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_char * ANOMALY_KIND_SIZE), ("recorded", _c_size),
                ("hits", _c_size), ("events", _c_size), ("events_found", _c_size)]


class AnomalyAgreement(ctypes.Structure):
    _fields_ = [("threshold", ctypes.c_double), ("scored", _c_size), ("flagged", _c_size),
                ("recorded", _c_size), ("hits", _c_size), ("precision", ctypes.c_double),
                ("recall", ctypes.c_double), ("events", _c_size), ("events_found", _c_size),
                ("n_kinds", _c_size), ("kinds", AnomalyKindAgreement * ANOMALY_MAX_KINDS)]


# The C name of every mirror, for the layout test.
MIRRORS = {
    "mc_error": Error, "mc_csv_options": CsvOptions,
    "mc_regularize_options": RegularizeOptions, "mc_frame_report": FrameReport,
    "mc_column_report": ColumnReport, "mc_column_summary": ColumnSummary,
    "mc_window_options": WindowOptions, "mc_feature_options": FeatureOptions,
    "mc_network_options": NetworkOptions, "mc_loss_options": LossOptions,
    "mc_model_options": ModelOptions, "mc_option_info": OptionInfo,
    "mc_train_progress": TrainProgress, "mc_train_options": TrainOptions,
    "mc_collective": Collective,
    "mc_backtest_progress": BacktestProgress, "mc_backtest_options": BacktestOptions,
    "mc_backtest_metrics": BacktestMetrics,
    "mc_backtest_interval_metrics": BacktestIntervalMetrics,
    "mc_explanation_options": ExplanationOptions, "mc_anomaly_options": AnomalyOptions,
    "mc_anomaly_kind_agreement": AnomalyKindAgreement,
    "mc_anomaly_agreement": AnomalyAgreement,
}


def as_dict(s):
    """A structure's fields as a dict (nested arrays and structures left out)."""
    return {name: getattr(s, name) for name, _ in s._fields_}
