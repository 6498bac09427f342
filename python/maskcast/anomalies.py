"""anomalies: every past load value scored by how far a model's anomaly mask
closes on it (mc_model_score_anomalies), and agreement with recorded
anomalies (mc_anomalies_compare; docs/EXPLAIN.md)."""
import ctypes
import os

import numpy as np

from . import _pandas
from . import _structs as S
from ._common import array, call, instant
from ._library import lib
from .frame import OBSERVED, TIME_FORMATS


def anomalies(model, history, *, start=None):
    """Scores the load of `history` (a regularised Frame, or a DataFrame read
    with Frame.from_pandas and regularised) with `model`'s anomaly mask; rows
    before `start` (an instant) are left unscored. Returns Anomalies."""
    from .frame import as_frame
    history = as_frame(history)
    opt = S.AnomalyOptions()
    lib.mc_anomaly_options_defaults(ctypes.byref(opt))
    if start is not None:
        opt.has_start, opt.start = True, instant(start)
    h = ctypes.c_void_p()
    call(lib.mc_model_score_anomalies, ctypes.byref(h), model._h, history._h, ctypes.byref(opt))
    return Anomalies(h.value, history)


class Anomalies:
    """Per-row arrays over the history: `scores` in [0, 1] (NaN where not
    scored), `min_mask` (the smallest mask weight a window gave), `windows`
    (how many saw the row), with the history's `times`, `values` (the load)
    and `observed` (whether each load was observed rather than filled)."""

    def __init__(self, handle, history):
        self._h = ctypes.c_void_p(handle)
        n = lib.mc_anomalies_rows(self._h)
        self.rows = n
        self.scores = array(lib.mc_anomalies_scores(self._h), (n,))
        self.min_mask = array(lib.mc_anomalies_min_mask(self._h), (n,))
        self.windows = array(lib.mc_anomalies_windows(self._h), (n,)).astype(np.int64)
        self.times = history.times
        self.values = history.values(0)
        self.observed = history.states(0) == OBSERVED

    def __del__(self):
        if getattr(self, "_h", None):
            lib.mc_anomalies_free(self._h)
            self._h = None

    @property
    def default_threshold(self):
        """mc_anomalies_default_threshold(): five times the median score, at
        least 0.01 and at most halfway from the median to 1 (what `maskcast
        anomalies` uses without --threshold, and these methods without one)."""
        return lib.mc_anomalies_default_threshold(self._h)

    def ranked(self, threshold=None, top=None):
        """Rows scoring at least `threshold` (None: default_threshold),
        strongest first (ties in time order), at most `top` of them."""
        if threshold is None:
            threshold = self.default_threshold
        total = lib.mc_anomalies_ranked(self._h, threshold, None, 0)
        n = total if top is None else min(top, total)
        rows = np.zeros(max(n, 1), dtype=np.uintp)
        lib.mc_anomalies_ranked(self._h, threshold,
                                rows.ctypes.data_as(ctypes.POINTER(ctypes.c_size_t)), n)
        return rows[:n].astype(np.int64)

    def compare(self, truth, threshold=None, time_format="auto"):
        """Agreement with the recorded anomalies in the CSV file `truth` (as
        data/sample_anomalies.csv): a dict of mc_anomaly_agreement's fields,
        "kinds" a list of dicts, and a (rows,) bool array of the
        rows inside a recorded span under "recorded_rows"."""
        if threshold is None:
            threshold = self.default_threshold
        out = S.AnomalyAgreement()
        recorded = np.zeros(max(self.rows, 1), dtype=np.uint8)
        call(lib.mc_anomalies_compare, self._h, os.fsencode(truth), TIME_FORMATS[time_format],
             threshold, ctypes.byref(out),
             recorded.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)))
        d = S.as_dict(out)
        d["kinds"] = []
        for k in out.kinds[:out.n_kinds]:
            kd = S.as_dict(k)
            kd["kind"] = k.kind.decode(errors="replace")
            d["kinds"].append(kd)
        del d["n_kinds"]
        d["recorded_rows"] = recorded[:self.rows].astype(bool)
        return d

    def table(self, threshold=None, top=None):
        """The rows `maskcast anomalies` lists, strongest first, as dicts:
        timestamp, value, score, min_mask, windows, observed."""
        return [{"timestamp": self.times[r], "value": self.values[r], "score": self.scores[r],
                 "min_mask": self.min_mask[r], "windows": int(self.windows[r]),
                 "observed": bool(self.observed[r])} for r in self.ranked(threshold, top)]

    def to_pandas(self, threshold=None, top=None):
        """With a threshold, table() as a DataFrame; without one, every row
        (scored or not) indexed by time: value, score, min_mask, windows, observed."""
        pd = _pandas.require()
        if threshold is not None:
            return pd.DataFrame(self.table(threshold, top),
                                columns=["timestamp", "value", "score", "min_mask", "windows",
                                         "observed"])
        return pd.DataFrame({"value": self.values, "score": self.scores,
                             "min_mask": self.min_mask, "windows": self.windows,
                             "observed": self.observed},
                            index=_pandas.time_index(self.times, "time"))
