"""maskcast for Python: a thin ctypes layer over libmaskcast.so, NumPy in and out.

    import numpy as np
    import maskcast

    frame = maskcast.Frame.read_csv("data/sample_load.csv", target="load",
                                    covariates=["temperature"])
    frame.regularize()
    model = maskcast.train(frame, future=["temperature"], epochs=20)
    model.save("load.safetensors")
    times, values = model.forecast(history)   # (H,) datetime64[s], (H, Q) float64

Frames also come from arrays (Frame.from_arrays), so data already in memory
never goes through a file. Errors raise maskcast.Error with the library's
code, message, line and column. docs/PYTHON.md describes everything here.

The shared library is found through $MASKCAST_LIBRARY, else next to an
installed copy of this module (PREFIX/share/maskcast/python -> PREFIX/lib*),
else by the system loader (libmaskcast.so.0). No compiled extension is needed.
Calls into the library release the GIL: Python threads may forecast at once,
each with its own Forecaster, from one Model.
"""
import ctypes
import ctypes.util
import glob
import os

import numpy as np

__all__ = ["Error", "Frame", "Model", "Forecaster", "train", "version",
           "set_blas_threads", "blas_threads"]

_c_size = ctypes.c_size_t
_MAX_QUANTILES = 16


def _find_library():
    path = os.environ.get("MASKCAST_LIBRARY")
    if path:
        return path
    prefix = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    found = sorted(glob.glob(os.path.join(prefix, "lib*", "libmaskcast.so.0")) +
                   glob.glob(os.path.join(prefix, "lib*", "*", "libmaskcast.so.0")))
    if found:
        return found[0]
    return ctypes.util.find_library("maskcast") or "libmaskcast.so.0"


_lib = ctypes.CDLL(_find_library())
_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_libc.free.argtypes = [ctypes.c_void_p]
_libc.free.restype = None


# The public structures, field for field as in include/maskcast/*.h
# (tests/test_python.py checks every offset against the C compiler's).
class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("line", _c_size), ("column", _c_size),
                ("message", ctypes.c_char * 512)]


class _CsvOptions(ctypes.Structure):
    _fields_ = [("delimiter", ctypes.c_char), ("decimal", ctypes.c_char),
                ("header", ctypes.c_bool), ("time_column", ctypes.c_char_p),
                ("target_column", ctypes.c_char_p),
                ("covariates", ctypes.POINTER(ctypes.c_char_p)), ("n_covariates", _c_size),
                ("time_format", ctypes.c_int), ("lenient", ctypes.c_bool),
                ("chunk_size", _c_size)]


class _RegularizeOptions(ctypes.Structure):
    _fields_ = [("step", ctypes.c_int64), ("duplicates", ctypes.c_int), ("sort", ctypes.c_bool),
                ("max_interpolate", ctypes.c_int64), ("long_fill", ctypes.c_int)]


class _WindowOptions(ctypes.Structure):
    _fields_ = [("lookback", _c_size), ("horizon", _c_size)]


class _FeatureOptions(ctypes.Structure):
    _fields_ = [("calendar", ctypes.c_bool), ("normalize_level", ctypes.c_bool),
                ("level_steps", _c_size),
                ("past", ctypes.POINTER(ctypes.c_char_p)), ("n_past", _c_size),
                ("future", ctypes.POINTER(ctypes.c_char_p)), ("n_future", _c_size),
                ("holidays", ctypes.POINTER(ctypes.c_int64)), ("n_holidays", _c_size)]


class _NetworkOptions(ctypes.Structure):
    _fields_ = [("hidden", _c_size), ("activation", ctypes.c_int), ("mask_kind", ctypes.c_int),
                ("anomaly_mask", ctypes.c_bool), ("horizon_masks", ctypes.c_bool),
                ("horizon_rank", _c_size), ("skip", ctypes.c_bool),
                ("mask_local", ctypes.c_bool), ("mask_penalty", ctypes.c_double),
                ("mask_topk", _c_size), ("anomaly_topk", _c_size), ("temporal", ctypes.c_int),
                ("temporal_score", ctypes.c_int), ("temporal_dim", _c_size),
                ("temporal_width", _c_size), ("future_terms", ctypes.c_bool),
                ("blend", ctypes.c_bool), ("members", _c_size)]


class _LossOptions(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("huber_delta", ctypes.c_double),
                ("n_quantiles", _c_size), ("quantiles", ctypes.c_double * _MAX_QUANTILES)]


class _ModelOptions(ctypes.Structure):
    _fields_ = [("window", _WindowOptions), ("features", _FeatureOptions),
                ("network", _NetworkOptions), ("loss", _LossOptions)]


class _OptionInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("cli", ctypes.c_char_p), ("group", ctypes.c_int),
                ("type", ctypes.c_int), ("choices", ctypes.POINTER(ctypes.c_char_p)),
                ("n_choices", _c_size), ("keyword", ctypes.c_char_p),
                ("min", ctypes.c_double), ("max", ctypes.c_double),
                ("metavar", ctypes.c_char_p), ("default_text", ctypes.c_char_p),
                ("expect", ctypes.c_char_p), ("help", ctypes.c_char_p)]


class _TrainProgress(ctypes.Structure):
    _fields_ = [("epoch", _c_size), ("max_epochs", _c_size), ("batch", _c_size),
                ("batches", _c_size), ("train_loss", ctypes.c_double),
                ("val_loss", ctypes.c_double), ("best_val_loss", ctypes.c_double),
                ("best_epoch", _c_size), ("seconds", ctypes.c_double),
                ("epoch_done", ctypes.c_bool)]


_ProgressFn = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.POINTER(_TrainProgress), ctypes.c_void_p)


class _TrainOptions(ctypes.Structure):
    _fields_ = [("max_epochs", _c_size), ("batch_size", _c_size), ("patience", _c_size),
                ("samples_per_epoch", _c_size), ("origin_stride", _c_size),
                ("learning_rate", ctypes.c_double), ("weight_decay", ctypes.c_double),
                ("clip_norm", ctypes.c_double), ("warmup_fraction", ctypes.c_double),
                ("validation_fraction", ctypes.c_double),
                ("augment_probability", ctypes.c_double), ("linear_candidate", ctypes.c_bool),
                ("seed", ctypes.c_uint64), ("train_rows", _c_size), ("progress", _ProgressFn),
                ("progress_user", ctypes.c_void_p), ("time_limit", ctypes.c_double)]


def _declare(name, restype, *argtypes):
    fn = getattr(_lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


_P = ctypes.POINTER
_vp = ctypes.c_void_p
_st = ctypes.c_int  # mc_status
_err = _P(_Error)
_declare("mc_version", ctypes.c_char_p)
_declare("mc_status_name", ctypes.c_char_p, _st)
_declare("mc_set_blas_threads", None, ctypes.c_int)
_declare("mc_blas_threads", ctypes.c_int)
_declare("mc_csv_options_defaults", None, _P(_CsvOptions))
_declare("mc_frame_read_csv", _st, _P(_vp), ctypes.c_char_p, _P(_CsvOptions), _err)
_declare("mc_frame_from_arrays", _st, _P(_vp), _P(ctypes.c_int64), _P(ctypes.c_int16), _c_size,
         _P(ctypes.c_char_p), _P(_P(ctypes.c_double)), _c_size, _err)
_declare("mc_regularize_options_defaults", None, _P(_RegularizeOptions))
_declare("mc_frame_regularize", _st, _vp, _P(_RegularizeOptions), _err)
_declare("mc_frame_free", None, _vp)
_declare("mc_frame_rows", _c_size, _vp)
_declare("mc_frame_columns", _c_size, _vp)
_declare("mc_frame_column_name", ctypes.c_char_p, _vp, _c_size)
_declare("mc_frame_times", _P(ctypes.c_int64), _vp)
_declare("mc_frame_utc_offsets", _P(ctypes.c_int16), _vp)
_declare("mc_frame_values", _P(ctypes.c_double), _vp, _c_size)
_declare("mc_frame_states", _P(ctypes.c_uint8), _vp, _c_size)
_declare("mc_frame_step", ctypes.c_int64, _vp)
_declare("mc_model_options_defaults", None, _P(_ModelOptions))
_declare("mc_train_options_defaults", None, _P(_TrainOptions))
_declare("mc_model_train", _st, _P(_vp), _vp, _P(_ModelOptions), _P(_TrainOptions), _err)
_declare("mc_model_free", None, _vp)
_declare("mc_model_save", _st, _vp, ctypes.c_char_p, _err)
_declare("mc_model_save_buffer", _st, _vp, _P(_vp), _P(_c_size), _err)
_declare("mc_model_load", _st, _P(_vp), ctypes.c_char_p, _err)
_declare("mc_model_load_buffer", _st, _P(_vp), ctypes.c_char_p, _c_size, ctypes.c_char_p, _err)
_declare("mc_model_forecast", _st, _vp, _vp, _vp, _P(ctypes.c_int64), _P(ctypes.c_double), _err)
_declare("mc_forecaster_create", _st, _P(_vp), _vp, _err)
_declare("mc_forecaster_run", _st, _vp, _vp, _vp, _P(ctypes.c_int64), _P(ctypes.c_double), _err)
_declare("mc_forecaster_free", None, _vp)
for _name in ("horizon", "lookback", "quantiles", "past_columns", "future_columns",
              "best_epoch"):
    _declare("mc_model_" + _name, _c_size, _vp)
_declare("mc_model_step", ctypes.c_int64, _vp)
_declare("mc_model_column_name", ctypes.c_char_p, _vp, _c_size)
_declare("mc_model_kept", ctypes.c_char_p, _vp)
_declare("mc_model_get_option", _st, _vp, ctypes.c_char_p, ctypes.c_char_p, _c_size, _err)
_declare("mc_model_quantile_level", ctypes.c_double, _vp, _c_size)
_declare("mc_option_count", _c_size)
_declare("mc_option_at", _P(_OptionInfo), _c_size)
_declare("mc_options_set", _st, _vp, _vp, ctypes.c_char_p, ctypes.c_char_p, _err)
_declare("mc_holiday_dates_read", _st, ctypes.c_char_p, _P(_P(ctypes.c_int64)), _P(_c_size), _err)
_libc = ctypes.CDLL(None)
_libc.free.argtypes = [_vp]
_libc.free.restype = None

# mc_option_type values that are set by text, and the group of training options
_OPTION_NAMES, _OPTION_DATES, _OPTION_FACT = 5, 6, 7
_GROUP_TRAINING = 4


def options():
    """The library's option table: {name: dict(group, type, default, help,
    choices)} for every option train() takes by keyword (the names the model
    file and `maskcast inspect --json` use)."""
    table = {}
    for i in range(_lib.mc_option_count()):
        o = _lib.mc_option_at(i).contents
        if o.type == _OPTION_FACT:
            continue
        table[o.name.decode()] = {
            "group": ("window", "features", "network", "loss", "training")[o.group],
            "type": ("count", "real", "flag", "choice", "levels", "names", "dates")[o.type],
            "default": (o.default_text or b"").decode(),
            "choices": [o.choices[c].decode() for c in range(o.n_choices)],
            "help": (o.help or b"").decode()}
    return table


def _option_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(repr(float(v)) for v in value)
    return str(value)

# mc_value_state
OBSERVED, MISSING, INTERPOLATED, SEASONAL = 0, 1, 2, 3
_DUPLICATES = {"mean": 0, "first": 1, "last": 2, "error": 3}
_LONG_FILL = {"week": 0, "day": 1, "none": 2}
_TIME_FORMATS = {"auto": 0, "iso": 1, "epoch": 2, "dmy": 3, "mdy": 4}


class Error(Exception):
    """A failed maskcast call: `code` (e.g. "MC_ERR_VALUE"), the message, and
    the 1-based line and column of the input it refers to (0 when none)."""

    def __init__(self, status, err):
        self.code = _lib.mc_status_name(status).decode()
        self.line, self.column = err.line, err.column
        self.message = err.message.decode(errors="replace")
        super().__init__(f"{self.message} ({self.code})")


def _check(status, err):
    if status != 0:
        raise Error(status, err)


def _names(seq):
    arr = (ctypes.c_char_p * max(len(seq), 1))(*[s.encode() for s in seq])
    return arr, len(seq)


def _seconds(times):
    """Epoch seconds (int64) from integers or datetime64 values."""
    t = np.asarray(times)
    if np.issubdtype(t.dtype, np.datetime64):
        return np.ascontiguousarray(t.astype("datetime64[s]").astype(np.int64))
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError("times must be integers (epoch seconds) or datetime64")
    return np.ascontiguousarray(t, dtype=np.int64)


class Frame:
    """A time series: one time axis and named numeric columns, column 0 the
    load. Build with read_csv() or from_arrays(), then regularize()."""

    def __init__(self, handle):
        self._h = ctypes.c_void_p(handle)

    def __del__(self):
        if getattr(self, "_h", None):
            _lib.mc_frame_free(self._h)
            self._h = None

    @classmethod
    def read_csv(cls, path, target=None, covariates=(), time=None, delimiter=None,
                 decimal=".", header=True, time_format="auto", lenient=False):
        opt = _CsvOptions()
        _lib.mc_csv_options_defaults(ctypes.byref(opt))
        keep = _names(list(covariates))
        opt.covariates, opt.n_covariates = keep[0], keep[1]
        opt.target_column = target.encode() if target else None
        opt.time_column = time.encode() if time else None
        opt.delimiter = (delimiter or "\0").encode()
        opt.decimal = decimal.encode()
        opt.header = header
        opt.time_format = _TIME_FORMATS[time_format]
        opt.lenient = lenient
        h, err = ctypes.c_void_p(), _Error()
        _check(_lib.mc_frame_read_csv(ctypes.byref(h), os.fsencode(path), ctypes.byref(opt),
                                      ctypes.byref(err)), err)
        return cls(h.value)

    @classmethod
    def from_arrays(cls, times, columns, utc_offsets=None):
        """times: (n,) epoch seconds or datetime64 (instants; without offsets,
        wall-clock times taken as UTC). columns: a dict (or list of pairs) of
        name -> (n,) values, the load first; NaN marks a missing value.
        utc_offsets: (n,) minutes east of UTC, or None. Copies everything."""
        t = _seconds(times)
        pairs = list(columns.items()) if isinstance(columns, dict) else list(columns)
        values = [np.ascontiguousarray(v, dtype=np.float64) for _, v in pairs]
        for (name, _), v in zip(pairs, values):
            if v.shape != t.shape:
                raise ValueError(f"column {name!r} has shape {v.shape}, the times {t.shape}")
        names = _names([name for name, _ in pairs])[0]
        ptrs = (ctypes.POINTER(ctypes.c_double) * max(len(values), 1))(
            *[v.ctypes.data_as(ctypes.POINTER(ctypes.c_double)) for v in values])
        off = None
        if utc_offsets is not None:
            off = np.ascontiguousarray(utc_offsets, dtype=np.int16)
            if off.shape != t.shape:
                raise ValueError("utc_offsets must have one value per time")
            off = off.ctypes.data_as(ctypes.POINTER(ctypes.c_int16))
        h, err = ctypes.c_void_p(), _Error()
        _check(_lib.mc_frame_from_arrays(ctypes.byref(h),
                                         t.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), off,
                                         t.size, names, ptrs, len(values), ctypes.byref(err)), err)
        return cls(h.value)

    def regularize(self, step=0, duplicates="mean", sort=True, max_interpolate=None,
                   long_fill="week"):
        """Puts the frame on its time grid (step in seconds, 0 detects it)
        and fills gaps; see mc_frame_regularize()."""
        opt = _RegularizeOptions()
        _lib.mc_regularize_options_defaults(ctypes.byref(opt))
        opt.step, opt.duplicates, opt.sort = step, _DUPLICATES[duplicates], sort
        if max_interpolate is not None:
            opt.max_interpolate = max_interpolate
        opt.long_fill = _LONG_FILL[long_fill]
        err = _Error()
        _check(_lib.mc_frame_regularize(self._h, ctypes.byref(opt), ctypes.byref(err)), err)
        return self

    @property
    def rows(self):
        return _lib.mc_frame_rows(self._h)

    @property
    def columns(self):
        return [_lib.mc_frame_column_name(self._h, j).decode()
                for j in range(_lib.mc_frame_columns(self._h))]

    @property
    def step(self):
        """Seconds between rows after regularize(); 0 before."""
        return _lib.mc_frame_step(self._h)

    @property
    def times(self):
        """The rows' instants as datetime64[s] (a copy)."""
        return np.ctypeslib.as_array(_lib.mc_frame_times(self._h),
                                     (self.rows,)).copy().astype("datetime64[s]")

    @property
    def utc_offsets(self):
        return np.ctypeslib.as_array(_lib.mc_frame_utc_offsets(self._h), (self.rows,)).copy()

    def _column(self, col):
        if isinstance(col, str):
            col = self.columns.index(col)
        if not 0 <= col < _lib.mc_frame_columns(self._h):
            raise IndexError(col)
        return col

    def values(self, col=0):
        """Column `col` (index or name) as float64, NaN where missing (a copy)."""
        p = _lib.mc_frame_values(self._h, self._column(col))
        return np.ctypeslib.as_array(p, (self.rows,)).copy()

    def states(self, col=0):
        """Each value's state: OBSERVED, MISSING, INTERPOLATED or SEASONAL."""
        p = _lib.mc_frame_states(self._h, self._column(col))
        return np.ctypeslib.as_array(p, (self.rows,)).copy()


class Model:
    """A trained forecasting model; read-only, shareable between threads."""

    def __init__(self, handle):
        self._h = ctypes.c_void_p(handle)

    def __del__(self):
        if getattr(self, "_h", None):
            _lib.mc_model_free(self._h)
            self._h = None

    @classmethod
    def load(cls, path):
        h, err = ctypes.c_void_p(), _Error()
        _check(_lib.mc_model_load(ctypes.byref(h), os.fsencode(path), ctypes.byref(err)), err)
        return cls(h.value)

    @classmethod
    def from_bytes(cls, data, name="bytes"):
        data = bytes(data)
        h, err = ctypes.c_void_p(), _Error()
        _check(_lib.mc_model_load_buffer(ctypes.byref(h), data, len(data), name.encode(),
                                         ctypes.byref(err)), err)
        return cls(h.value)

    def save(self, path):
        """Writes the model file atomically (safetensors)."""
        err = _Error()
        _check(_lib.mc_model_save(self._h, os.fsencode(path), ctypes.byref(err)), err)

    def to_bytes(self):
        """The model file's bytes."""
        buf, size, err = ctypes.c_void_p(), _c_size(), _Error()
        _check(_lib.mc_model_save_buffer(self._h, ctypes.byref(buf), ctypes.byref(size),
                                         ctypes.byref(err)), err)
        try:
            return ctypes.string_at(buf, size.value)
        finally:
            _libc.free(buf)

    horizon = property(lambda self: _lib.mc_model_horizon(self._h))
    lookback = property(lambda self: _lib.mc_model_lookback(self._h))
    step = property(lambda self: _lib.mc_model_step(self._h))
    # 0 when training kept the linear forecaster instead of the network
    best_epoch = property(lambda self: _lib.mc_model_best_epoch(self._h))

    def option(self, name):
        """The model's setting `name` as its file records it, as text."""
        buf = ctypes.create_string_buffer(256)
        err = _Error()
        _check(_lib.mc_model_get_option(self._h, name.encode(), buf, len(buf), ctypes.byref(err)),
               err)
        return buf.value.decode()

    @property
    def kept(self):
        """What training kept: "network", "linear" (the linear forecaster),
        "blend" (of the two, weights in the tensor blend.w), or "ensemble" for
        a model of several members (train --ensemble)."""
        return _lib.mc_model_kept(self._h).decode()

    @property
    def quantiles(self):
        """The quantile levels of a pinball model ([] for a point model)."""
        q = [_lib.mc_model_quantile_level(self._h, i)
             for i in range(_lib.mc_model_quantiles(self._h))]
        return [] if any(np.isnan(q)) else q

    @property
    def columns(self):
        """(load, past covariates, known-future covariates) as the model names them."""
        n_past = _lib.mc_model_past_columns(self._h)
        n = 1 + n_past + _lib.mc_model_future_columns(self._h)
        names = [_lib.mc_model_column_name(self._h, j).decode() for j in range(n)]
        return names[0], names[1:1 + n_past], names[1 + n_past:]

    def forecast(self, history, future=None):
        """Forecasts the horizon after the last observed load of `history` (a
        regularised Frame). Returns times (H,) datetime64[s] and values (H, Q)."""
        return Forecaster(self).forecast(history, future)


class Forecaster:
    """A forecasting workspace for one model, reused across forecasts. Use one
    per thread; the model is shared."""

    def __init__(self, model):
        self.model = model  # keeps the model alive while the workspace points at it
        h, err = ctypes.c_void_p(), _Error()
        _check(_lib.mc_forecaster_create(ctypes.byref(h), model._h, ctypes.byref(err)), err)
        self._h = h

    def __del__(self):
        if getattr(self, "_h", None):
            _lib.mc_forecaster_free(self._h)
            self._h = None

    def forecast(self, history, future=None):
        H = self.model.horizon
        Q = _lib.mc_model_quantiles(self.model._h)
        times = np.empty(H, dtype=np.int64)
        values = np.empty((H, Q), dtype=np.float64)
        err = _Error()
        _check(_lib.mc_forecaster_run(self._h, history._h, future._h if future else None,
                                      times.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
                                      values.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                                      ctypes.byref(err)), err)
        return times.astype("datetime64[s]"), values


# Keywords kept from earlier versions of this module, and the option each names.
_ALIASES = {"epochs": "max_epochs", "mask": "mask_kind"}


def _holiday_days(holidays):
    """Days since 1970-01-01 (int64 array) from a CSV path or from dates."""
    if isinstance(holidays, (str, bytes, os.PathLike)):
        days, n, err = _P(ctypes.c_int64)(), _c_size(), _Error()
        _check(_lib.mc_holiday_dates_read(os.fsencode(holidays), ctypes.byref(days),
                                          ctypes.byref(n), ctypes.byref(err)), err)
        out = np.array(days[:n.value], dtype=np.int64)
        _libc.free(ctypes.cast(days, _vp))
        return out
    d = np.asarray(list(holidays), dtype="datetime64[D]")
    return np.ascontiguousarray(d.astype(np.int64))


def train(frame, *, past=(), future=(), holidays=None, progress=None, **options):
    """Trains a model on a regularised frame (column 0 the load). Keyword
    options are the library's option table (maskcast.options(): lookback,
    horizon, hidden, mask_kind, loss, quantiles, max_epochs, learning_rate,
    seed, ...; "epochs" and "mask" also work); unset ones keep the library's
    defaults (docs/MODEL.md). `holidays` is a CSV path or a sequence of dates.
    `progress`, if given, is called with a dict after every batch and epoch;
    returning False cancels training (Error with code MC_ERR_CANCELLED)."""
    mo, to = _ModelOptions(), _TrainOptions()
    _lib.mc_model_options_defaults(ctypes.byref(mo))
    _lib.mc_train_options_defaults(ctypes.byref(to))
    for name, value in options.items():
        if value is None:
            continue
        name = _ALIASES.get(name, name)
        err = _Error()
        status = _lib.mc_options_set(ctypes.byref(mo), ctypes.byref(to), name.encode(),
                                     _option_text(value).encode(), ctypes.byref(err))
        if status != 0:
            raise ValueError(err.message.decode(errors="replace"))
    past_names, future_names = _names(list(past)), _names(list(future))
    mo.features.past, mo.features.n_past = past_names
    mo.features.future, mo.features.n_future = future_names
    days = _holiday_days(holidays) if holidays is not None else np.zeros(0, dtype=np.int64)
    mo.features.holidays = days.ctypes.data_as(_P(ctypes.c_int64))
    mo.features.n_holidays = len(days)
    raised = []

    def relay(p, _user):
        try:
            c = p.contents
            return bool(progress({name: getattr(c, name) for name, _ in c._fields_}))
        except BaseException as e:  # re-raised once the library has returned
            raised.append(e)
            return False

    callback = _ProgressFn(relay) if progress else _ProgressFn()
    to.progress = callback
    h, err = ctypes.c_void_p(), _Error()
    status = _lib.mc_model_train(ctypes.byref(h), frame._h, ctypes.byref(mo), ctypes.byref(to),
                                 ctypes.byref(err))
    if raised:
        raise raised[0]
    _check(status, err)
    return Model(h.value)


def version():
    """The version of the loaded libmaskcast, "MAJOR.MINOR.PATCH"."""
    return _lib.mc_version().decode()


def set_blas_threads(n):
    """OpenBLAS threads per matrix product, for the whole process."""
    _lib.mc_set_blas_threads(n)


def blas_threads():
    return _lib.mc_blas_threads()
