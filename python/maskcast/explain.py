"""explain: which inputs a model's forecasts rest on, by permutation
importance per horizon step, and where its temporal attention looks
(mc_model_explain; docs/EXPLAIN.md)."""
import ctypes

import numpy as np

from . import _pandas
from . import _structs as S
from ._common import array, call, duration, instant, time_of_day
from ._library import lib

GROUP_KINDS = {0: "load_recent", 1: "load_earlier", 2: "observed", 3: "past", 4: "future",
               5: "calendar", 6: "holiday"}  # mc_group_kind


def explain(model, history, *, days=28, start=None, stride=0, same_time=False, repeats=5,
            seed=1, origins=None, origin_time=0):
    """Permutation importance of `model`'s input groups on `history` (a
    regularised Frame, or a DataFrame read with Frame.from_pandas and
    regularised). The origins are the rows `origins` when given, else chosen
    as `maskcast explain` does: every `stride` (seconds, timedelta or
    timedelta64; 0: every step) back from the last origin whose horizon ends
    at the last observed load, down to `start` (an instant) or over the last
    `days` days; `origin_time` ("HH:MM" or seconds) with a stride of whole
    days. Returns an Explanation."""
    from .frame import as_frame
    history = as_frame(history)
    opt = S.ExplanationOptions()
    lib.mc_explanation_options_defaults(ctypes.byref(opt))
    opt.days = days
    if start is not None:
        opt.has_start, opt.start = True, instant(start)
    opt.stride = duration(stride)
    opt.same_time, opt.repeats, opt.seed = same_time, repeats, seed
    opt.origin_time = time_of_day(origin_time)
    rows = None
    if origins is not None:
        rows = np.ascontiguousarray(origins, dtype=np.uintp)
        opt.origins = rows.ctypes.data_as(ctypes.POINTER(ctypes.c_size_t))
        opt.n_origins = rows.size
    h = ctypes.c_void_p()
    call(lib.mc_model_explain, ctypes.byref(h), model._h, history._h, ctypes.byref(opt))
    return Explanation(h.value, history.times)


class Explanation:
    """An explanation. Steps k run from 0 to H - 1; arrays over steps have
    H + 1 entries, the last (index H) pooling every step, as the C accessors
    number them. `increase`, `spread` and `share` are (groups, H + 1)."""

    def __init__(self, handle, times):
        self._h = ctypes.c_void_p(handle)
        x = self._h
        H, G = lib.mc_explanation_horizon(x), lib.mc_explanation_groups(x)
        self.horizon, self.repeats = H, lib.mc_explanation_repeats(x)
        self.origin_rows = array(lib.mc_explanation_origin_rows(x),
                                 (lib.mc_explanation_origins(x),)).astype(np.int64)
        self.origin_times = times[self.origin_rows]
        self.groups = [lib.mc_explanation_group_name(x, g).decode() for g in range(G)]
        self.group_kinds = [GROUP_KINDS[lib.mc_explanation_group_kind(x, g)] for g in range(G)]
        self.group_columns = [(lambda c: c.decode() if c else None)(
            lib.mc_explanation_group_column(x, g)) for g in range(G)]
        steps = range(H + 1)
        self.scored = np.array([lib.mc_explanation_scored(x, k) for k in steps], dtype=np.int64)
        self.mae = np.array([lib.mc_explanation_mae(x, k) for k in steps])
        per = lambda fn: np.array([[fn(x, g, k) for k in steps] for g in range(G)]).reshape(G, H + 1)
        self.increase = per(lib.mc_explanation_increase)
        self.spread = per(lib.mc_explanation_spread)
        self.share = per(lib.mc_explanation_share)
        self.has_attention = bool(lib.mc_explanation_has_attention(x))
        lags = lib.mc_explanation_attention_lags(x)
        # (H + 1, L): column j is lag j + 1
        self.attention = (np.array([[lib.mc_explanation_attention(x, k, j)
                                     for j in range(1, lags + 1)] for k in steps])
                          if self.has_attention else None)
        lib.mc_explanation_free(x)  # everything is copied out
        self._h = None

    @property
    def origins(self):
        return len(self.origin_rows)

    def table(self):
        """The rows `maskcast explain` writes as CSV, as dicts: horizon (1..H,
        then "all"), group, mae, permuted_mae, increase, increase_sd, share."""
        rows = []
        for k in range(self.horizon + 1):
            for g, name in enumerate(self.groups):
                rows.append({"horizon": k + 1 if k < self.horizon else "all", "group": name,
                             "mae": self.mae[k], "permuted_mae": self.mae[k] + self.increase[g, k],
                             "increase": self.increase[g, k],
                             "increase_sd": self.spread[g, k], "share": self.share[g, k]})
        return rows

    def to_pandas(self):
        """table() as a DataFrame."""
        pd = _pandas.require()
        return pd.DataFrame(self.table())
