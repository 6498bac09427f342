"""What every module of the package shares: the exception, status checks,
and conversions of names, times and durations to what the C API takes."""
import ctypes
import datetime

import numpy as np

from . import _structs as S
from ._library import lib


class Error(Exception):
    """A failed maskcast call: `code` (e.g. "MC_ERR_VALUE"), the message, and
    the 1-based line and column of the input it refers to (0 when none)."""

    def __init__(self, status, err):
        self.code = lib.mc_status_name(status).decode()
        self.line, self.column = err.line, err.column
        self.message = err.message.decode(errors="replace")
        super().__init__(f"{self.message} ({self.code})")


def check(status, err):
    if status != 0:
        raise Error(status, err)


def call(fn, *args):
    """Calls a fallible C function with a fresh mc_error as its last argument."""
    err = S.Error()
    check(fn(*args, ctypes.byref(err)), err)


def names(seq):
    """A C array of UTF-8 strings and its length (the array keeps the bytes alive)."""
    seq = list(seq)
    arr = (ctypes.c_char_p * max(len(seq), 1))(*[s.encode() for s in seq])
    return arr, len(seq)


def seconds(times):
    """Epoch seconds (int64 array) from integers or datetime64 values."""
    t = np.asarray(times)
    if np.issubdtype(t.dtype, np.datetime64):
        return np.ascontiguousarray(t.astype("datetime64[s]").astype(np.int64))
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError("times must be integers (epoch seconds) or datetime64")
    return np.ascontiguousarray(t, dtype=np.int64)


def instant(value):
    """One instant as epoch seconds, as mc_frame_times() counts them: an int,
    a datetime64, an ISO 8601 string, or a datetime (an aware one is converted
    to UTC; a naive one, like a string, is a wall-clock time taken as UTC)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            return int(np.floor(value.timestamp()))
        value = np.datetime64(value.replace(tzinfo=None))
    if isinstance(value, str):
        value = np.datetime64(value.replace(" ", "T"))
    if isinstance(value, np.datetime64):
        return int(value.astype("datetime64[s]").astype(np.int64))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    raise TypeError(f"not an instant: {value!r} (give epoch seconds, datetime64, "
                    "an ISO 8601 string or a datetime)")


def duration(value):
    """A duration in seconds from an int (seconds), a timedelta64 or a timedelta."""
    if isinstance(value, datetime.timedelta):
        return int(value.total_seconds())
    if isinstance(value, np.timedelta64):
        return int(value.astype("timedelta64[s]").astype(np.int64))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    raise TypeError(f"not a duration: {value!r} (give seconds, timedelta64 or timedelta)")


def time_of_day(value):
    """Seconds after midnight from "HH:MM", a datetime.time or seconds."""
    if isinstance(value, str):
        hh, _, mm = value.partition(":")
        return int(hh) * 3600 + int(mm or 0) * 60
    if isinstance(value, datetime.time):
        return value.hour * 3600 + value.minute * 60 + value.second
    return duration(value)


def array(ptr, shape, dtype=None):
    """A NumPy copy of `shape` values at a C pointer (None for NULL)."""
    if not ptr:
        return None
    out = np.ctypeslib.as_array(ptr, shape).copy()
    return out.astype(dtype) if dtype else out


def to_datetime64(seconds_array):
    return np.asarray(seconds_array, dtype=np.int64).astype("datetime64[s]")
