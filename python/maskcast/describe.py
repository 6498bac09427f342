"""describe: a summary of each column of a frame for people: counts, range,
and the values that look suspicious for a load series (mc_frame_describe_column)."""
import ctypes

import numpy as np

from . import _pandas
from . import _structs as S
from ._common import call
from ._library import lib

OUTLIER_SIGMAS = 6.0  # MC_OUTLIER_SIGMAS


class ColumnSummary:
    """One column's summary: observed, min, max, mean, median, zeros,
    negatives, outliers (a count), robust_sd; outlier_rows and outlier_times
    of every outlier in row order; examples, the most extreme ones as
    (row, time, value, robust SDs) tuples, strongest first."""

    FIELDS = ("observed", "min", "max", "mean", "median", "zeros", "negatives", "outliers",
              "robust_sd")

    def __init__(self, name, summary, rows, times, values):
        self.name = name
        for f in self.FIELDS:
            setattr(self, f, getattr(summary, f))
        self.outlier_rows = rows
        self.outlier_times = times[rows]
        self.examples = [(int(r), times[r], float(values[r]), float(s)) for r, s in
                         zip(summary.example_rows[:summary.n_examples],
                             summary.example_scores[:summary.n_examples])]

    def as_dict(self):
        d = {"name": self.name}
        d.update({f: getattr(self, f) for f in self.FIELDS})
        return d

    def __repr__(self):
        return f"ColumnSummary({self.as_dict()})"


def describe_column(frame, col=0):
    j = frame._column(col)
    out = S.ColumnSummary()
    rows = np.zeros(max(frame.rows, 1), dtype=np.uintp)
    call(lib.mc_frame_describe_column_rows, frame._h, j, ctypes.byref(out),
         rows.ctypes.data_as(ctypes.POINTER(ctypes.c_size_t)))
    return ColumnSummary(frame.columns[j], out, rows[:out.outliers].astype(np.int64),
                         frame.times, frame.values(j))


class Description(dict):
    """describe()'s result: column name -> ColumnSummary, in column order."""

    def to_pandas(self):
        """One row per column, the summary's numbers as columns."""
        pd = _pandas.require()
        return pd.DataFrame([s.as_dict() for s in self.values()]).set_index("name")


def describe(frame, columns=None):
    """Summarises `columns` (names or indices; default all) of `frame` (a
    Frame, or a DataFrame, read as Frame.from_pandas and regularised)."""
    from .frame import as_frame
    frame = as_frame(frame)
    cols = range(len(frame.columns)) if columns is None else columns
    out = Description()
    for c in cols:
        s = describe_column(frame, c)
        out[s.name] = s
    return out
