"""The forecasting model: options by name, training with progress and
cancellation, model files and bytes, forecasts."""
import ctypes
import os

import numpy as np

from . import _pandas
from . import _structs as S
from ._common import call, check, names, to_datetime64
from ._library import lib, libc

# mc_option_type values that are set by text, and the fact entries
_OPTION_FACT = 7
# Keywords kept from earlier versions of this module, and the option each names.
_ALIASES = {"epochs": "max_epochs", "mask": "mask_kind"}


def options():
    """The library's option table: {name: dict(group, type, default, help,
    choices)} for every option train() and backtest() take by keyword (the
    names the model file and `maskcast inspect --json` use)."""
    table = {}
    for i in range(lib.mc_option_count()):
        o = lib.mc_option_at(i).contents
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


def _holiday_days(holidays):
    """Days since 1970-01-01 (int64 array) from a CSV path or from dates."""
    if isinstance(holidays, (str, bytes, os.PathLike)):
        days, n = ctypes.POINTER(ctypes.c_int64)(), ctypes.c_size_t()
        call(lib.mc_holiday_dates_read, os.fsencode(holidays), ctypes.byref(days),
             ctypes.byref(n))
        out = np.array(days[:n.value], dtype=np.int64)
        libc.free(ctypes.cast(days, ctypes.c_void_p))
        return out
    d = np.asarray(list(holidays), dtype="datetime64[D]")
    return np.ascontiguousarray(d.astype(np.int64))


class _Options:
    """mc_model_options and mc_train_options from keywords, with the arrays
    they point to kept alive as long as this object."""

    def __init__(self, past=(), future=(), holidays=None, **kw):
        self.mo, self.to = S.ModelOptions(), S.TrainOptions()
        lib.mc_model_options_defaults(ctypes.byref(self.mo))
        lib.mc_train_options_defaults(ctypes.byref(self.to))
        for name, value in kw.items():
            if value is None:
                continue
            name = _ALIASES.get(name, name)
            err = S.Error()
            status = lib.mc_options_set(ctypes.byref(self.mo), ctypes.byref(self.to),
                                        name.encode(), _option_text(value).encode(),
                                        ctypes.byref(err))
            if status != 0:
                raise ValueError(err.message.decode(errors="replace"))
        self._past, self._future = names(past), names(future)
        f = self.mo.features
        f.past, f.n_past = self._past
        f.future, f.n_future = self._future
        self._days = (_holiday_days(holidays) if holidays is not None
                      else np.zeros(0, dtype=np.int64))
        f.holidays = self._days.ctypes.data_as(ctypes.POINTER(ctypes.c_int64))
        f.n_holidays = len(self._days)


class _Relay:
    """Calls a Python progress function from a C callback; an exception it
    raises cancels the C call and is raised again once that returns."""

    def __init__(self, fn, convert):
        self.fn, self.convert, self.raised = fn, convert, []

    def __call__(self, p, _user):
        try:
            return bool(self.fn(self.convert(p.contents)))
        except BaseException as e:  # re-raised once the library has returned
            self.raised.append(e)
            return False

    def finish(self, status, err):
        if self.raised:
            raise self.raised[0]
        check(status, err)


def train(frame, *, past=(), future=(), holidays=None, progress=None, **options):
    """Trains a model on a regularised frame (column 0 the load; a DataFrame
    is read with Frame.from_pandas and regularised). Keyword options are the
    library's option table (maskcast.options(): lookback, horizon, hidden,
    mask_kind, loss, quantiles, max_epochs, learning_rate, seed, ...;
    "epochs" and "mask" also work); unset ones keep the library's defaults
    (docs/MODEL.md). `holidays` is a CSV path or a sequence of dates.
    `progress`, if given, is called with a dict after every batch and epoch;
    returning False cancels training (Error with code MC_ERR_CANCELLED)."""
    from .frame import as_frame
    frame = as_frame(frame)
    opt = _Options(past, future, holidays, **options)
    relay = _Relay(progress or (lambda p: True), S.as_dict)
    callback = S.ProgressFn(relay) if progress else S.ProgressFn()
    opt.to.progress = callback
    h, err = ctypes.c_void_p(), S.Error()
    status = lib.mc_model_train(ctypes.byref(h), frame._h, ctypes.byref(opt.mo),
                                ctypes.byref(opt.to), ctypes.byref(err))
    relay.finish(status, err)
    return Model(h.value)


class Model:
    """A trained forecasting model; read-only, shareable between threads."""

    def __init__(self, handle):
        self._h = ctypes.c_void_p(handle)

    def __del__(self):
        if getattr(self, "_h", None):
            lib.mc_model_free(self._h)
            self._h = None

    @classmethod
    def load(cls, path):
        h = ctypes.c_void_p()
        call(lib.mc_model_load, ctypes.byref(h), os.fsencode(path))
        return cls(h.value)

    @classmethod
    def from_bytes(cls, data, name="bytes"):
        data = bytes(data)
        h = ctypes.c_void_p()
        call(lib.mc_model_load_buffer, ctypes.byref(h), data, len(data), name.encode())
        return cls(h.value)

    def save(self, path):
        """Writes the model file atomically (safetensors)."""
        call(lib.mc_model_save, self._h, os.fsencode(path))

    def to_bytes(self):
        """The model file's bytes."""
        buf, size = ctypes.c_void_p(), ctypes.c_size_t()
        call(lib.mc_model_save_buffer, self._h, ctypes.byref(buf), ctypes.byref(size))
        try:
            return ctypes.string_at(buf, size.value)
        finally:
            libc.free(buf)

    horizon = property(lambda self: lib.mc_model_horizon(self._h))
    lookback = property(lambda self: lib.mc_model_lookback(self._h))
    step = property(lambda self: lib.mc_model_step(self._h))
    # 0 when training kept the linear forecaster instead of the network
    best_epoch = property(lambda self: lib.mc_model_best_epoch(self._h))

    def option(self, name):
        """The model's setting `name` as its file records it, as text."""
        buf = ctypes.create_string_buffer(256)
        call(lib.mc_model_get_option, self._h, name.encode(), buf, len(buf))
        return buf.value.decode()

    @property
    def kept(self):
        """What training kept: "network", "linear" (the linear forecaster),
        "blend" (of the two, weights in the tensor blend.w), or "ensemble" for
        a model of several members (train --ensemble)."""
        return lib.mc_model_kept(self._h).decode()

    @property
    def quantiles(self):
        """The quantile levels of a pinball model ([] for a point model)."""
        q = [lib.mc_model_quantile_level(self._h, i)
             for i in range(lib.mc_model_quantiles(self._h))]
        return [] if any(np.isnan(q)) else q

    @property
    def columns(self):
        """(load, past covariates, known-future covariates) as the model names them."""
        n_past = lib.mc_model_past_columns(self._h)
        n = 1 + n_past + lib.mc_model_future_columns(self._h)
        cols = [lib.mc_model_column_name(self._h, j).decode() for j in range(n)]
        return cols[0], cols[1:1 + n_past], cols[1 + n_past:]

    def forecast(self, history, future=None):
        """Forecasts the horizon after the last observed load of `history` (a
        regularised Frame). Returns times (H,) datetime64[s] and values (H, Q)."""
        return Forecaster(self).forecast(history, future)

    @property
    def calibration_origins(self):
        """Validation origins behind the model's prediction intervals (0: none)."""
        return lib.mc_model_calibration_origins(self._h)

    def interval_offsets(self, level):
        """mc_model_interval_offsets(): the central interval at `level` as
        offsets (lower (H,), upper (H,)) from the point forecast (the median of
        a quantile model); NaN at steps with too few errors for the level."""
        H = self.horizon
        lo, hi = np.empty(H), np.empty(H)
        call(lib.mc_model_interval_offsets, self._h, float(level),
             lo.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
             hi.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
        return lo, hi

    def forecast_frame(self, history, future=None, tz=None):
        """The forecast as a DataFrame indexed by target time (UTC-aware and
        converted to `tz` when given, else as forecast()'s times): one column
        "forecast" for a point model, "q0.1", "q0.5", ... for a quantile one."""
        times, values = self.forecast(history, future)
        return forecast_dataframe(times, values, self.quantiles, tz)

    def explain(self, history, **options):
        """maskcast.explain(self, history, **options)."""
        from .explain import explain
        return explain(self, history, **options)

    def anomalies(self, history, start=None):
        """maskcast.anomalies(self, history, start)."""
        from .anomalies import anomalies
        return anomalies(self, history, start=start)


def forecast_dataframe(times, values, levels, tz=None):
    pd = _pandas.require()
    cols = [f"q{q:g}" for q in levels] if levels else ["forecast"]
    idx = _pandas.time_index(times, "time", tz=tz)
    return pd.DataFrame(values, index=idx, columns=cols)


class Forecaster:
    """A forecasting workspace for one model, reused across forecasts. Use one
    per thread; the model is shared."""

    def __init__(self, model):
        self.model = model  # keeps the model alive while the workspace points at it
        h = ctypes.c_void_p()
        call(lib.mc_forecaster_create, ctypes.byref(h), model._h)
        self._h = h

    def __del__(self):
        if getattr(self, "_h", None):
            lib.mc_forecaster_free(self._h)
            self._h = None

    def forecast(self, history, future=None):
        """As Model.forecast(), without allocating a workspace. A DataFrame is
        read with Frame.from_pandas and regularised."""
        from .frame import as_frame
        history = as_frame(history)
        future = as_frame(future) if future is not None else None
        H = self.model.horizon
        Q = lib.mc_model_quantiles(self.model._h)
        times = np.empty(H, dtype=np.int64)
        values = np.empty((H, Q), dtype=np.float64)
        call(lib.mc_forecaster_run, self._h, history._h, future._h if future is not None else None,
             times.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
             values.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
        return to_datetime64(times), values


__all__ = ["Model", "Forecaster", "train", "options"]
