"""Conversions between pandas and what the C API takes. pandas is optional:
everything else in the package works without it, and the functions here
raise ImportError, saying what to install, when it is missing."""
import numpy as np

from ._common import seconds


def available():
    try:
        import pandas  # noqa: F401
        return True
    except ImportError:
        return False


def require():
    try:
        import pandas
    except ImportError:
        raise ImportError("maskcast: this needs pandas (pip install pandas; Debian: "
                          "apt-get install python3-pandas); the NumPy accessors work "
                          "without it") from None
    return pandas


def is_dataframe(obj):
    if not available():
        return False
    import pandas
    return isinstance(obj, pandas.DataFrame)


def frame_inputs(df, time=None, target=None, covariates=None):
    """(times, utc_offsets or None, [(name, values)]) from a DataFrame.

    The times are the DatetimeIndex, or column `time`. Naive times are
    wall-clock times (taken as UTC, as a CSV file without offsets); aware
    ones give UTC instants and each row's offset from UTC in minutes, so
    that calendar features see the local wall clock. `target` (default: the
    first other column) becomes column 0; `covariates` default to every
    other numeric or boolean column."""
    pd = require()
    if time is None:
        if not isinstance(df.index, pd.DatetimeIndex):
            raise ValueError("the DataFrame's index is not a DatetimeIndex: name the "
                             "time column with time=")
        t = df.index
        rest = list(df.columns)
    else:
        t = pd.DatetimeIndex(pd.to_datetime(df[time]))
        rest = [c for c in df.columns if c != time]
    if t.hasnans:
        row = int(np.flatnonzero(np.asarray(t.isna()))[0])
        raise ValueError(f"row {row + 1} has no time (NaT)")
    if target is None:
        if not rest:
            raise ValueError("the DataFrame has no column besides the time")
        target = rest[0]
    if covariates is None:
        covariates = [c for c in rest if c != target and
                      (pd.api.types.is_numeric_dtype(df[c]) or
                       pd.api.types.is_bool_dtype(df[c]))]
    if t.tz is not None:
        wall = t.tz_localize(None).to_numpy(dtype="datetime64[s]")
        utc = t.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[s]")
        offsets = ((wall - utc) // np.timedelta64(60, "s")).astype(np.int16)
        times = seconds(utc)
    else:
        offsets = None
        times = seconds(t.to_numpy(dtype="datetime64[s]"))
    columns = []
    for name in [target] + list(covariates):
        values = df[name].to_numpy(dtype=np.float64, na_value=np.nan)
        columns.append((str(name), values))
    return times, offsets, columns


def time_index(times, name, utc=False, tz=None):
    """A DatetimeIndex of datetime64[s] instants: naive, or UTC-aware when
    `utc`, converted to `tz` when given."""
    pd = require()
    idx = pd.DatetimeIndex(np.asarray(times).astype("datetime64[ns]"), name=name)
    if utc or tz is not None:
        idx = idx.tz_localize("UTC")
    if tz is not None:
        idx = idx.tz_convert(tz)
    return idx
