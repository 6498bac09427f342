"""backtest: rolling-origin backtests of the model against simple baselines
(mc_backtest_run), and their results as NumPy arrays, dicts or DataFrames."""
import ctypes
import math

import numpy as np

from . import _pandas
from . import _structs as S
from ._common import array, call, duration, instant, time_of_day, to_datetime64
from ._library import lib
from .model import _Options, _Relay

METRICS = ("n", "mae", "rmse", "mape", "smape", "mase", "skill", "pinball", "coverage",
           "nominal", "crps")
INTERVAL_METRICS = ("n", "coverage", "width", "winkler")


def _steps(value, step, what):
    """Steps from an int, or from a duration that is a multiple of the frame's step."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    seconds = duration(value)
    if step <= 0 or seconds % step:
        raise ValueError(f"{what}: {seconds} s is not a multiple of the frame's step ({step} s)")
    return seconds // step


def _progress_dict(p):
    return {"method": p.method.decode(), "fit": p.fit, "fits": p.fits,
            "train": S.as_dict(p.train.contents) if p.train else None}


def backtest(frame, *, test_start=None, test_days=0, stride=0, origin_time=0, gap=0,
             refit_every=0, ensemble=1, baselines=True, ablations=False, temperature=None,
             corrupt_rate=0.0, corrupt_seed=1, intervals=(), interval_window=0,
             interval_source="rolling", calibrate_quantiles=False, quantile_window=0, past=(), future=(), holidays=None, progress=None, **options):
    """Runs mc_backtest_run() on a regularised frame (or a DataFrame, read
    with Frame.from_pandas and regularised): the model (trained with the
    keyword `options` of train(), and `past`, `future`, `holidays`) and the
    baselines forecast every origin of the test span from the data before it.

    test_start (an instant) or test_days (0: 20% of the days, at most 365)
    choose the span; stride and gap are steps (or durations: timedelta,
    timedelta64); origin_time the origins' wall-clock time of day ("HH:MM" or
    seconds); refit_every, ensemble, baselines, ablations, temperature,
    corrupt_rate, corrupt_seed, intervals (levels such as (0.8, 0.95)),
    interval_window, interval_source ("rolling" or "model"),
    calibrate_quantiles and quantile_window as in mc_backtest_options. `progress`, if given, is
    called with {"method", "fit", "fits", "train": {...}} and cancels the run
    by returning False. Returns a Backtest."""
    from .frame import as_frame
    frame = as_frame(frame)
    opt = _Options(past, future, holidays, **options)
    bo = S.BacktestOptions()
    lib.mc_backtest_options_defaults(ctypes.byref(bo))
    if test_start is not None:
        bo.has_test_start, bo.test_start = True, instant(test_start)
    bo.test_days = test_days
    bo.stride = _steps(stride, frame.step, "stride")
    bo.origin_time = time_of_day(origin_time)
    bo.gap = _steps(gap, frame.step, "gap")
    bo.refit_every, bo.ensemble = refit_every, ensemble
    bo.baselines, bo.ablations = baselines, ablations
    temp = temperature.encode() if temperature else None
    bo.temperature = temp
    bo.corrupt_rate, bo.corrupt_seed = corrupt_rate, corrupt_seed
    levels = list(intervals)
    if len(levels) > S.MAX_INTERVALS:
        raise ValueError(f"at most {S.MAX_INTERVALS} interval levels")
    bo.n_intervals = len(levels)
    for i, level in enumerate(levels):
        bo.intervals[i] = level
    bo.interval_window = interval_window
    sources = {"rolling": 0, "model": 1}
    if interval_source not in sources:
        raise ValueError(f"interval_source is 'rolling' or 'model', not {interval_source!r}")
    bo.interval_source = sources[interval_source]
    bo.calibrate_quantiles = bool(calibrate_quantiles)
    bo.quantile_window = quantile_window
    relay = _Relay(progress or (lambda p: True), _progress_dict)
    callback = S.BacktestProgressFn(relay) if progress else S.BacktestProgressFn()
    bo.progress = callback
    h, err = ctypes.c_void_p(), S.Error()
    status = lib.mc_backtest_run(ctypes.byref(h), frame._h, ctypes.byref(opt.mo),
                                 ctypes.byref(opt.to), ctypes.byref(bo), ctypes.byref(err))
    relay.finish(status, err)
    return Backtest(h.value, frame.step)


class Backtest:
    """A backtest's result. Methods are numbered as `methods` lists them
    (0 is "maskcast"); any method argument also takes the name. Arrays are
    NumPy copies: (origins, H) for forecasts, (origins, H, Q) for quantiles,
    (origins, H, levels) for interval bounds. A step is 0-based; step None
    means every step pooled."""

    def __init__(self, handle, step):
        self._h = ctypes.c_void_p(handle)
        self.step = step  # seconds between the frame's rows

    def __del__(self):
        if getattr(self, "_h", None):
            lib.mc_backtest_free(self._h)
            self._h = None

    @property
    def methods(self):
        return [lib.mc_backtest_method_name(self._h, m).decode()
                for m in range(lib.mc_backtest_methods(self._h))]

    def _method(self, method):
        if isinstance(method, str):
            try:
                return self.methods.index(method)
            except ValueError:
                raise KeyError(f"no method {method!r} in {self.methods}") from None
        if not 0 <= method < lib.mc_backtest_methods(self._h):
            raise IndexError(method)
        return method

    def _step(self, step):
        H = self.horizon
        if step is None:
            return H
        if not 0 <= step < H:
            raise IndexError(step)
        return step

    origins = property(lambda self: lib.mc_backtest_origins(self._h))
    horizon = property(lambda self: lib.mc_backtest_horizon(self._h))
    train_rows = property(lambda self: lib.mc_backtest_train_rows(self._h))

    @property
    def first_targets(self):
        """Each origin's first target instant, datetime64[s]."""
        return to_datetime64([lib.mc_backtest_first_target(self._h, i)
                              for i in range(self.origins)])

    @property
    def first_target_rows(self):
        return np.array([lib.mc_backtest_first_target_row(self._h, i)
                         for i in range(self.origins)], dtype=np.int64)

    @property
    def actuals(self):
        """(origins, H) observed loads, NaN where not observed."""
        return array(lib.mc_backtest_actuals(self._h), (self.origins, self.horizon))

    def forecasts(self, method=0):
        """(origins, H) point forecasts (the median of a quantile model)."""
        return array(lib.mc_backtest_forecasts(self._h, self._method(method)),
                     (self.origins, self.horizon))

    def quantile_levels(self, method=0):
        m = self._method(method)
        return [lib.mc_backtest_method_quantile_level(self._h, m, q)
                for q in range(lib.mc_backtest_method_quantiles(self._h, m))]

    def quantile_forecasts(self, method=0):
        """(origins, H, Q) quantiles of a quantile model; None for point forecasts."""
        m = self._method(method)
        Q = lib.mc_backtest_method_quantiles(self._h, m)
        if Q == 0:
            return None
        return array(lib.mc_backtest_method_quantile_forecasts(self._h, m),
                     (self.origins, self.horizon, Q))

    def reliability(self, method, q, step=None):
        """(share of observed actuals at or below quantile q, their count)."""
        observed, n = ctypes.c_double(), ctypes.c_size_t()
        call(lib.mc_backtest_quantile_reliability, self._h, self._method(method), q,
             self._step(step), ctypes.byref(observed), ctypes.byref(n))
        return observed.value, n.value

    def method_info(self, method=0):
        """{"name", "label", "seconds", "models", "linear_kept", "blend_kept"}."""
        m = self._method(method)
        label = ctypes.create_string_buffer(256)
        lib.mc_backtest_method_label(self._h, m, label, len(label))
        return {"name": lib.mc_backtest_method_name(self._h, m).decode(),
                "label": label.value.decode(),
                "seconds": lib.mc_backtest_method_seconds(self._h, m),
                "models": lib.mc_backtest_method_models(self._h, m),
                "linear_kept": lib.mc_backtest_method_linear_kept(self._h, m),
                "blend_kept": lib.mc_backtest_method_blend_kept(self._h, m)}

    def metrics(self, method=0, step=None):
        """mc_backtest_metrics as a dict (NaN where undefined)."""
        out = S.BacktestMetrics()
        call(lib.mc_backtest_metrics_of, self._h, self._method(method), self._step(step),
             ctypes.byref(out))
        return S.as_dict(out)

    @property
    def interval_levels(self):
        return [lib.mc_backtest_interval_level(self._h, i)
                for i in range(lib.mc_backtest_intervals(self._h))]

    def interval_bounds(self, method=0):
        """(lower, upper), each (origins, H, levels), NaN where an origin has
        none yet; None without intervals."""
        m, L = self._method(method), lib.mc_backtest_intervals(self._h)
        if L == 0:
            return None
        shape = (self.origins, self.horizon, L)
        return (array(lib.mc_backtest_interval_lower(self._h, m), shape),
                array(lib.mc_backtest_interval_upper(self._h, m), shape))

    def interval_metrics(self, method=0, level=0, step=None):
        """mc_backtest_interval_metrics of interval level number `level` as a dict."""
        out = S.BacktestIntervalMetrics()
        call(lib.mc_backtest_interval_metrics_of, self._h, self._method(method), level,
             self._step(step), ctypes.byref(out))
        return S.as_dict(out)

    def metrics_table(self):
        """Every method's metrics at every step then overall, as a list of
        dicts with "method" and "step" (1-based, "all" for every step), as
        `maskcast backtest --metrics` writes them."""
        rows = []
        for m, name in enumerate(self.methods):
            for k in list(range(self.horizon)) + [None]:
                row = {"method": name, "step": "all" if k is None else k + 1}
                row.update(self.metrics(m, k))
                rows.append(row)
        return rows

    def to_pandas(self):
        """metrics_table() as a DataFrame."""
        pd = _pandas.require()
        return pd.DataFrame(self.metrics_table())

    def forecasts_frame(self):
        """Per-origin forecasts as `maskcast backtest --forecasts` writes them:
        one row per origin and step (origin, target_time, step, actual), a
        column per method, METHOD_qLEVEL for a quantile model's quantiles,
        and METHOD_loL / METHOD_hiL interval bounds."""
        pd = _pandas.require()
        O, H = self.origins, self.horizon
        first = self.first_targets
        data = {"origin": np.repeat(first, H),
                "target_time": (first[:, None] + (np.arange(H) * self.step)
                                .astype("timedelta64[s]")).ravel(),
                "step": np.tile(np.arange(1, H + 1), O),
                "actual": self.actuals.ravel()}
        levels = self.interval_levels
        for m, name in enumerate(self.methods):
            data[name] = self.forecasts(m).ravel()
            quantiles = self.quantile_forecasts(m)
            for q, level in enumerate(self.quantile_levels(m)):
                data[f"{name}_q{level:g}"] = quantiles[:, :, q].ravel()
            bounds = self.interval_bounds(m)
            for i, level in enumerate(levels):
                data[f"{name}_lo{_percent(level)}"] = bounds[0][:, :, i].ravel()
                data[f"{name}_hi{_percent(level)}"] = bounds[1][:, :, i].ravel()
        return pd.DataFrame(data)


def _percent(level):
    p = level * 100
    return str(int(round(p))) if math.isclose(p, round(p)) else f"{p:g}"
