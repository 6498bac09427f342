"""Frames: a time axis and named numeric columns, from CSV, arrays or pandas."""
import ctypes
import os

import numpy as np

from . import _pandas
from . import _structs as S
from ._common import Error, array, call, names, seconds, to_datetime64
from ._library import lib

# mc_value_state
OBSERVED, MISSING, INTERPOLATED, SEASONAL = 0, 1, 2, 3
# mc_row_flag
ROW_INSERTED, ROW_MERGED = 1, 2
_DUPLICATES = {"mean": 0, "first": 1, "last": 2, "error": 3}
_LONG_FILL = {"week": 0, "day": 1, "none": 2}
TIME_FORMATS = {"auto": 0, "iso": 1, "epoch": 2, "dmy": 3, "mdy": 4}


class Frame:
    """A time series: one time axis and named numeric columns, column 0 the
    load. Build with read_csv(), from_arrays() or from_pandas(), then
    regularize()."""

    def __init__(self, handle):
        self._h = ctypes.c_void_p(handle)

    def __del__(self):
        if getattr(self, "_h", None):
            lib.mc_frame_free(self._h)
            self._h = None

    @classmethod
    def read_csv(cls, path, target=None, covariates=(), time=None, delimiter=None,
                 decimal=".", header=True, time_format="auto", lenient=False):
        """Reads a CSV file (docs/DATA.md): the time column (`time`, default the
        first), the load (`target`, default the first other column) and the
        `covariates` by name."""
        opt = S.CsvOptions()
        lib.mc_csv_options_defaults(ctypes.byref(opt))
        keep = names(covariates)
        opt.covariates, opt.n_covariates = keep
        opt.target_column = target.encode() if target else None
        opt.time_column = time.encode() if time else None
        opt.delimiter = (delimiter or "\0").encode()
        opt.decimal = decimal.encode()
        opt.header = header
        opt.time_format = TIME_FORMATS[time_format]
        opt.lenient = lenient
        h = ctypes.c_void_p()
        call(lib.mc_frame_read_csv, ctypes.byref(h), os.fsencode(path), ctypes.byref(opt))
        return cls(h.value)

    @classmethod
    def from_arrays(cls, times, columns, utc_offsets=None):
        """times: (n,) epoch seconds or datetime64 (instants; without offsets,
        wall-clock times taken as UTC). columns: a dict (or list of pairs) of
        name -> (n,) values, the load first; NaN marks a missing value.
        utc_offsets: (n,) minutes east of UTC, or None. Copies everything."""
        t = seconds(times)
        pairs = list(columns.items()) if isinstance(columns, dict) else list(columns)
        values = [np.ascontiguousarray(v, dtype=np.float64) for _, v in pairs]
        for (name, _), v in zip(pairs, values):
            if v.shape != t.shape:
                raise ValueError(f"column {name!r} has shape {v.shape}, the times {t.shape}")
        col_names = names([name for name, _ in pairs])[0]
        ptrs = (ctypes.POINTER(ctypes.c_double) * max(len(values), 1))(
            *[v.ctypes.data_as(ctypes.POINTER(ctypes.c_double)) for v in values])
        off = None
        if utc_offsets is not None:
            off_arr = np.ascontiguousarray(utc_offsets, dtype=np.int16)
            if off_arr.shape != t.shape:
                raise ValueError("utc_offsets must have one value per time")
            off = off_arr.ctypes.data_as(ctypes.POINTER(ctypes.c_int16))
        h = ctypes.c_void_p()
        call(lib.mc_frame_from_arrays, ctypes.byref(h),
             t.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), off, t.size, col_names, ptrs,
             len(values))
        return cls(h.value)

    @classmethod
    def from_pandas(cls, df, time=None, target=None, covariates=None):
        """A frame from a pandas DataFrame: times from its DatetimeIndex or
        the column `time`; naive times are wall-clock times, tz-aware ones
        instants with their UTC offsets (calendar features use the local
        wall clock). `target` (default the first column) is the load;
        `covariates` default to every other numeric or boolean column."""
        times, offsets, columns = _pandas.frame_inputs(df, time, target, covariates)
        return cls.from_arrays(times, columns, utc_offsets=offsets)

    def regularize(self, step=0, duplicates="mean", sort=True, max_interpolate=None,
                   long_fill="week"):
        """Puts the frame on its time grid (step in seconds, 0 detects it)
        and fills gaps; see mc_frame_regularize(). Returns the frame."""
        opt = S.RegularizeOptions()
        lib.mc_regularize_options_defaults(ctypes.byref(opt))
        opt.step, opt.duplicates, opt.sort = step, _DUPLICATES[duplicates], sort
        if max_interpolate is not None:
            opt.max_interpolate = max_interpolate
        opt.long_fill = _LONG_FILL[long_fill]
        call(lib.mc_frame_regularize, self._h, ctypes.byref(opt))
        return self

    def slice(self, first, rows):
        """Rows [first, first + rows) of a regularised frame, as a new frame."""
        h = ctypes.c_void_p()
        call(lib.mc_frame_slice, ctypes.byref(h), self._h, first, rows)
        return Frame(h.value)

    @property
    def rows(self):
        return lib.mc_frame_rows(self._h)

    def __len__(self):
        return self.rows

    @property
    def columns(self):
        return [lib.mc_frame_column_name(self._h, j).decode()
                for j in range(lib.mc_frame_columns(self._h))]

    @property
    def time_name(self):
        """The time column's name ("time" for frames from arrays)."""
        return lib.mc_frame_time_name(self._h).decode()

    @property
    def step(self):
        """Seconds between rows after regularize(); 0 before."""
        return lib.mc_frame_step(self._h)

    @property
    def times(self):
        """The rows' instants as datetime64[s] (a copy)."""
        return to_datetime64(array(lib.mc_frame_times(self._h), (self.rows,)))

    @property
    def utc_offsets(self):
        """Minutes east of UTC per row (0 where none was given)."""
        return array(lib.mc_frame_utc_offsets(self._h), (self.rows,))

    @property
    def row_flags(self):
        """ROW_INSERTED / ROW_MERGED bits per row; None before regularize()."""
        return array(lib.mc_frame_row_flags(self._h), (self.rows,))

    @property
    def report(self):
        """What reading and regularising found (mc_frame_report) as a dict."""
        r = S.as_dict(lib.mc_frame_get_report(self._h).contents)
        r["delimiter"] = r["delimiter"].decode()
        return r

    def column_report(self, col=0):
        """Per-column counts (mc_column_report) as a dict."""
        return S.as_dict(lib.mc_frame_column_report(self._h, self._column(col)).contents)

    def _column(self, col):
        if isinstance(col, str):
            try:
                col = self.columns.index(col)
            except ValueError:
                raise KeyError(f"no column {col!r} in {self.columns}") from None
        if not 0 <= col < lib.mc_frame_columns(self._h):
            raise IndexError(col)
        return col

    def values(self, col=0):
        """Column `col` (index or name) as float64, NaN where missing (a copy)."""
        return array(lib.mc_frame_values(self._h, self._column(col)), (self.rows,))

    def states(self, col=0):
        """Each value's state: OBSERVED, MISSING, INTERPOLATED or SEASONAL."""
        return array(lib.mc_frame_states(self._h, self._column(col)), (self.rows,))

    def describe(self, col=0):
        """mc_frame_describe_column(): a ColumnSummary of one column."""
        from .describe import describe_column
        return describe_column(self, col)

    def to_pandas(self, tz=None, observed_only=False):
        """The frame as a DataFrame, one column per frame column, indexed by
        time: naive wall-clock times for a frame without UTC offsets, else
        UTC instants (converted to `tz`, e.g. "Europe/Berlin", when given).
        Filled values are kept, as values() gives them; with observed_only,
        every value not OBSERVED is NaN (so that a frame built from the
        DataFrame again knows which values were measured)."""
        pd = _pandas.require()
        aware = bool(np.any(self.utc_offsets != 0)) or self.report["has_utc_offsets"]
        idx = _pandas.time_index(self.times, self.time_name, utc=aware, tz=tz)
        data = {}
        for j, name in enumerate(self.columns):
            v = self.values(j)
            if observed_only:
                v[self.states(j) != OBSERVED] = np.nan
            data[name] = v
        return pd.DataFrame(data, index=idx)


def as_frame(data, **kw):
    """A Frame, or one built from a DataFrame (regularised)."""
    if isinstance(data, Frame):
        return data
    if _pandas.is_dataframe(data):
        return Frame.from_pandas(data, **kw).regularize()
    raise TypeError(f"expected a maskcast.Frame or a pandas DataFrame, not {type(data).__name__}")


__all__ = ["Frame", "Error", "OBSERVED", "MISSING", "INTERPOLATED", "SEASONAL",
           "ROW_INSERTED", "ROW_MERGED"]
