"""Finding and loading libmaskcast, and declaring the C functions this package
calls. The library is loaded on first use, from the first of:

1. the path in the environment variable MASKCAST_LIBRARY (nothing else is
   tried when it is set: a wrong path is an error, not a fallback);
2. the library of the install this package came from: the path recorded in
   _config.py, which `cmake --install` writes, else lib*/libmaskcast.so.0
   under the prefix when the package is imported from
   PREFIX/share/maskcast/python;
3. the system's loader: ctypes.util.find_library("maskcast"), then
   "libmaskcast.so.0" (the directories of ld.so.conf, LD_LIBRARY_PATH).

LibraryNotFound lists every place tried and why each failed."""
import ctypes
import ctypes.util
import glob
import os

from . import _structs as S

SONAME = "libmaskcast.so.0"
ENV = "MASKCAST_LIBRARY"


class LibraryNotFound(ImportError):
    """libmaskcast could not be loaded; `tried` lists (where, path, why)."""

    def __init__(self, tried):
        self.tried = tried
        lines = [f"  {where}: {path}: {why}" for where, path, why in tried]
        super().__init__(
            "maskcast: cannot load libmaskcast. Tried:\n" + "\n".join(lines) +
            f"\nSet {ENV} to the library's path (e.g. build/{SONAME} in a build tree, "
            f"PREFIX/lib/{SONAME} after cmake --install), or install it where the "
            "system's loader finds it (docs/PYTHON.md).")


def _installed_candidates():
    """The library of the install this package belongs to, if any."""
    found = []
    try:
        from . import _config  # written by cmake --install
        found.append(("install prefix (_config.py)", _config.LIBRARY))
    except ImportError:
        pass
    # PREFIX/share/maskcast/python/maskcast/ -> PREFIX
    here = os.path.dirname(os.path.abspath(__file__))
    prefix = os.path.normpath(os.path.join(here, "..", "..", "..", ".."))
    libs = sorted(glob.glob(os.path.join(prefix, "lib*", SONAME)) +
                  glob.glob(os.path.join(prefix, "lib*", "*", SONAME)))
    if libs:
        found.append(("package's prefix", libs[0]))
    return found


def candidates():
    """Where the library is looked for, in order: a list of (where, path)."""
    env = os.environ.get(ENV)
    if env:
        return [(ENV, env)]
    out = _installed_candidates()
    system = ctypes.util.find_library("maskcast")
    if system:
        out.append(("system (find_library)", system))
    out.append(("system loader", SONAME))
    return out


def load():
    """Loads the library from the first candidate that loads."""
    tried = []
    for where, path in candidates():
        if where != "system loader" and where != "system (find_library)" \
                and not os.path.exists(path):
            tried.append((where, path, "no such file"))
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append((where, path, str(e)))
    raise LibraryNotFound(tried)


_P = ctypes.POINTER
_vp = ctypes.c_void_p
_st = ctypes.c_int  # mc_status
_sz = ctypes.c_size_t
_i64 = ctypes.c_int64
_d = ctypes.c_double
_s = ctypes.c_char_p
_err = _P(S.Error)

# name: (restype, argtypes...)
_DECLARATIONS = {
    "mc_version": (_s,),
    "mc_status_name": (_s, _st),
    "mc_set_blas_threads": (None, ctypes.c_int),
    "mc_blas_threads": (ctypes.c_int,),
    # frame.h
    "mc_csv_options_defaults": (None, _P(S.CsvOptions)),
    "mc_frame_read_csv": (_st, _P(_vp), _s, _P(S.CsvOptions), _err),
    "mc_frame_from_arrays": (_st, _P(_vp), _P(_i64), _P(ctypes.c_int16), _sz, _P(_s),
                             _P(_P(_d)), _sz, _err),
    "mc_regularize_options_defaults": (None, _P(S.RegularizeOptions)),
    "mc_frame_regularize": (_st, _vp, _P(S.RegularizeOptions), _err),
    "mc_frame_slice": (_st, _P(_vp), _vp, _sz, _sz, _err),
    "mc_frame_free": (None, _vp),
    "mc_frame_rows": (_sz, _vp),
    "mc_frame_columns": (_sz, _vp),
    "mc_frame_column_name": (_s, _vp, _sz),
    "mc_frame_time_name": (_s, _vp),
    "mc_frame_times": (_P(_i64), _vp),
    "mc_frame_utc_offsets": (_P(ctypes.c_int16), _vp),
    "mc_frame_values": (_P(_d), _vp, _sz),
    "mc_frame_states": (_P(ctypes.c_uint8), _vp, _sz),
    "mc_frame_step": (_i64, _vp),
    "mc_frame_row_flags": (_P(ctypes.c_uint8), _vp),
    "mc_frame_get_report": (_P(S.FrameReport), _vp),
    "mc_frame_column_report": (_P(S.ColumnReport), _vp, _sz),
    "mc_holiday_dates_read": (_st, _s, _P(_P(_i64)), _P(_sz), _err),
    # describe.h
    "mc_frame_describe_column_rows": (_st, _vp, _sz, _P(S.ColumnSummary), _P(_sz), _err),
    # model.h
    "mc_model_options_defaults": (None, _P(S.ModelOptions)),
    "mc_train_options_defaults": (None, _P(S.TrainOptions)),
    "mc_model_train": (_st, _P(_vp), _vp, _P(S.ModelOptions), _P(S.TrainOptions), _err),
    "mc_model_free": (None, _vp),
    "mc_model_save": (_st, _vp, _s, _err),
    "mc_model_save_buffer": (_st, _vp, _P(_vp), _P(_sz), _err),
    "mc_model_load": (_st, _P(_vp), _s, _err),
    "mc_model_load_buffer": (_st, _P(_vp), _s, _sz, _s, _err),
    "mc_forecaster_create": (_st, _P(_vp), _vp, _err),
    "mc_forecaster_run": (_st, _vp, _vp, _vp, _P(_i64), _P(_d), _err),
    "mc_forecaster_free": (None, _vp),
    "mc_model_horizon": (_sz, _vp),
    "mc_model_lookback": (_sz, _vp),
    "mc_model_quantiles": (_sz, _vp),
    "mc_model_past_columns": (_sz, _vp),
    "mc_model_future_columns": (_sz, _vp),
    "mc_model_best_epoch": (_sz, _vp),
    "mc_model_step": (_i64, _vp),
    "mc_model_column_name": (_s, _vp, _sz),
    "mc_model_kept": (_s, _vp),
    "mc_model_get_option": (_st, _vp, _s, _s, _sz, _err),
    "mc_model_quantile_level": (_d, _vp, _sz),
    "mc_model_calibration_origins": (_sz, _vp),
    "mc_model_interval_offsets": (_st, _vp, _d, _P(_d), _P(_d), _err),
    "mc_option_count": (_sz,),
    "mc_option_at": (_P(S.OptionInfo), _sz),
    "mc_options_set": (_st, _vp, _vp, _s, _s, _err),
    # backtest.h
    "mc_backtest_options_defaults": (None, _P(S.BacktestOptions)),
    "mc_backtest_run": (_st, _P(_vp), _vp, _P(S.ModelOptions), _P(S.TrainOptions),
                        _P(S.BacktestOptions), _err),
    "mc_backtest_free": (None, _vp),
    "mc_backtest_methods": (_sz, _vp),
    "mc_backtest_method_name": (_s, _vp, _sz),
    "mc_backtest_method_seconds": (_d, _vp, _sz),
    "mc_backtest_method_models": (_sz, _vp, _sz),
    "mc_backtest_method_linear_kept": (_sz, _vp, _sz),
    "mc_backtest_method_blend_kept": (_sz, _vp, _sz),
    "mc_backtest_method_label": (None, _vp, _sz, _s, _sz),
    "mc_backtest_origins": (_sz, _vp),
    "mc_backtest_horizon": (_sz, _vp),
    "mc_backtest_first_target": (_i64, _vp, _sz),
    "mc_backtest_first_target_row": (_sz, _vp, _sz),
    "mc_backtest_train_rows": (_sz, _vp),
    "mc_backtest_actuals": (_P(_d), _vp),
    "mc_backtest_forecasts": (_P(_d), _vp, _sz),
    "mc_backtest_method_quantiles": (_sz, _vp, _sz),
    "mc_backtest_method_quantile_level": (_d, _vp, _sz, _sz),
    "mc_backtest_method_quantile_forecasts": (_P(_d), _vp, _sz),
    "mc_backtest_quantile_reliability": (_st, _vp, _sz, _sz, _sz, _P(_d), _P(_sz), _err),
    "mc_backtest_intervals": (_sz, _vp),
    "mc_backtest_interval_level": (_d, _vp, _sz),
    "mc_backtest_interval_lower": (_P(_d), _vp, _sz),
    "mc_backtest_interval_upper": (_P(_d), _vp, _sz),
    "mc_backtest_interval_metrics_of": (_st, _vp, _sz, _sz, _sz,
                                        _P(S.BacktestIntervalMetrics), _err),
    "mc_backtest_metrics_of": (_st, _vp, _sz, _sz, _P(S.BacktestMetrics), _err),
    # explain.h
    "mc_explanation_options_defaults": (None, _P(S.ExplanationOptions)),
    "mc_model_explain": (_st, _P(_vp), _vp, _vp, _P(S.ExplanationOptions), _err),
    "mc_explanation_free": (None, _vp),
    "mc_explanation_horizon": (_sz, _vp),
    "mc_explanation_origins": (_sz, _vp),
    "mc_explanation_origin_rows": (_P(_sz), _vp),
    "mc_explanation_repeats": (_sz, _vp),
    "mc_explanation_groups": (_sz, _vp),
    "mc_explanation_group_name": (_s, _vp, _sz),
    "mc_explanation_group_kind": (ctypes.c_int, _vp, _sz),
    "mc_explanation_group_column": (_s, _vp, _sz),
    "mc_explanation_scored": (_sz, _vp, _sz),
    "mc_explanation_mae": (_d, _vp, _sz),
    "mc_explanation_increase": (_d, _vp, _sz, _sz),
    "mc_explanation_spread": (_d, _vp, _sz, _sz),
    "mc_explanation_share": (_d, _vp, _sz, _sz),
    "mc_explanation_has_attention": (ctypes.c_bool, _vp),
    "mc_explanation_attention_lags": (_sz, _vp),
    "mc_explanation_attention": (_d, _vp, _sz, _sz),
    "mc_anomaly_options_defaults": (None, _P(S.AnomalyOptions)),
    "mc_model_score_anomalies": (_st, _P(_vp), _vp, _vp, _P(S.AnomalyOptions), _err),
    "mc_anomalies_free": (None, _vp),
    "mc_anomalies_rows": (_sz, _vp),
    "mc_anomalies_scores": (_P(_d), _vp),
    "mc_anomalies_min_mask": (_P(_d), _vp),
    "mc_anomalies_windows": (_P(_sz), _vp),
    "mc_anomalies_ranked": (_sz, _vp, _d, _P(_sz), _sz),
    "mc_anomalies_default_threshold": (_d, _vp),
    "mc_anomalies_compare": (_st, _vp, _s, ctypes.c_int, _d, _P(S.AnomalyAgreement),
                             _P(ctypes.c_uint8), _err),
}


class _Library:
    """The loaded library with every function declared; loads on first use,
    so that `import maskcast` works before the library is found."""

    def __init__(self):
        self._cdll = None

    def _load(self):
        cdll = load()
        for name, (restype, *argtypes) in _DECLARATIONS.items():
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                raise ImportError(f"maskcast: {cdll._name} has no {name}: the library is older "
                                  "than this Python package; install both from one "
                                  "version") from None
            fn.restype = restype
            fn.argtypes = list(argtypes)
            setattr(self, name, fn)
        self._cdll = cdll
        return cdll

    @property
    def path(self):
        """The path the library was loaded from."""
        return (self._cdll or self._load())._name

    def __getattr__(self, name):
        if name.startswith("mc_") and self._cdll is None:
            self._load()
            return getattr(self, name)
        raise AttributeError(name)


lib = _Library()
libc = ctypes.CDLL(None)  # free() for the buffers the library allocates
libc.free.argtypes = [_vp]
libc.free.restype = None
