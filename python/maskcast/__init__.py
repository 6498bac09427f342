"""maskcast for Python: ctypes over libmaskcast, NumPy in and out, pandas
DataFrames when pandas is installed.

    import maskcast

    frame = maskcast.Frame.read_csv("data/sample_load.csv", target="load",
                                    covariates=["temperature"]).regularize()
    model = maskcast.train(frame, future=["temperature"], epochs=20)
    model.save("load.safetensors")
    times, values = model.forecast(history)   # (H,) datetime64[s], (H, Q) float64

    maskcast.describe(frame)                  # per-column summaries
    maskcast.backtest(frame, future=["temperature"], test_days=30)
    maskcast.explain(model, history)          # permutation importance
    maskcast.anomalies(model, history)        # the anomaly mask's scores

Frames also come from arrays (Frame.from_arrays) and DataFrames
(Frame.from_pandas); results convert with to_pandas(). Errors raise
maskcast.Error with the library's code, message, line and column.
docs/PYTHON.md describes everything here, and where the library is looked
for (maskcast._library: MASKCAST_LIBRARY, the install prefix, the system).
Calls into the library release the GIL: Python threads may forecast at once,
each with its own Forecaster, from one Model."""
from ._common import Error
from ._library import LibraryNotFound, lib as _lib
from .anomalies import Anomalies, anomalies
from .backtest import Backtest, backtest
from .describe import ColumnSummary, Description, describe
from .explain import Explanation, explain
from .frame import (INTERPOLATED, MISSING, OBSERVED, ROW_INSERTED, ROW_MERGED, SEASONAL,
                    Frame)
from .model import Forecaster, Model, options, train

__version__ = "0.1.0"
Error.__module__ = LibraryNotFound.__module__ = "maskcast"

__all__ = ["Error", "LibraryNotFound", "Frame", "Model", "Forecaster", "train", "options",
           "describe", "Description", "ColumnSummary", "backtest", "Backtest", "explain",
           "Explanation", "anomalies", "Anomalies", "version", "library_path",
           "set_blas_threads", "blas_threads", "OBSERVED", "MISSING", "INTERPOLATED",
           "SEASONAL", "ROW_INSERTED", "ROW_MERGED"]


def version():
    """The version of the loaded libmaskcast, "MAJOR.MINOR.PATCH"."""
    return _lib.mc_version().decode()


def library_path():
    """The path libmaskcast was loaded from (loading it if it was not yet)."""
    return _lib.path


def set_blas_threads(n):
    """OpenBLAS threads per matrix product, for the whole process."""
    _lib.mc_set_blas_threads(n)


def blas_threads():
    return _lib.mc_blas_threads()
