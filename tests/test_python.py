"""The Python module over libmaskcast.so: structure layouts against the C
compiler's, frames from arrays equal to frames from CSV, training with
progress and cancellation, save/load through files and bytes, forecasts
equal to the C command's, and errors as exceptions.

    python3 tests/test_python.py ABI_PROBE MASKCAST_CLI SAMPLE_CSV WORK_DIR
with MASKCAST_LIBRARY naming libmaskcast.so and python/ on PYTHONPATH.
Exits 77 (skipped) when NumPy is not installed."""
import ctypes
import math
import os
import subprocess
import sys
import threading

try:
    import numpy as np
except ImportError:
    print("skipped: NumPy is not installed (Debian: apt-get install python3-numpy)")
    sys.exit(77)

import maskcast

PROBE, CLI, SAMPLE, WORK = sys.argv[1:5]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def test_layouts():
    mirrors = {"mc_error": maskcast._Error, "mc_csv_options": maskcast._CsvOptions,
               "mc_regularize_options": maskcast._RegularizeOptions,
               "mc_model_options": maskcast._ModelOptions,
               "mc_window_options": maskcast._WindowOptions,
               "mc_feature_options": maskcast._FeatureOptions,
               "mc_network_options": maskcast._NetworkOptions,
               "mc_loss_options": maskcast._LossOptions,
               "mc_option_info": maskcast._OptionInfo,
               "mc_train_progress": maskcast._TrainProgress,
               "mc_train_options": maskcast._TrainOptions}
    seen = set()
    for line in subprocess.run([PROBE], check=True, capture_output=True, text=True).stdout.split("\n"):
        if not line:
            continue
        struct, field, value = line.split()
        mirror = mirrors[struct]
        if field == "-":
            check(ctypes.sizeof(mirror) == int(value),
                  f"sizeof {struct}: C {value}, Python {ctypes.sizeof(mirror)}: update python/maskcast.py")
        else:
            seen.add((struct, field))
            check(hasattr(mirror, field) and getattr(mirror, field).offset == int(value),
                  f"{struct}.{field}: C offset {value}: update python/maskcast.py")
    for struct, mirror in mirrors.items():
        for name, _ in mirror._fields_:
            check((struct, name) in seen, f"{struct}.{name} is not in the C probe")


def sample_arrays(rows):
    """The last `rows` rows of the sample CSV, parsed here with NumPy alone."""
    with open(SAMPLE) as f:
        header = f.readline()
        lines = f.readlines()[-rows:]
    text = os.path.join(WORK, "recent.csv")
    with open(text, "w") as f:
        f.write(header)
        f.writelines(lines)
    fields = [line.rstrip("\n").split(",") for line in lines]
    times = np.array([np.datetime64(t.replace(" ", "T"), "s") for t, *_ in fields])
    num = lambda s: float("nan") if s in ("", "NA") else float(s)
    load = np.array([num(r[1]) for r in fields])
    temp = np.array([num(r[2]) for r in fields])
    return text, times, load, temp


def test_frames():
    path, times, load, temp = sample_arrays(2000)
    a = maskcast.Frame.from_arrays(times, {"load": load, "temperature": temp})
    c = maskcast.Frame.read_csv(path, target="load", covariates=["temperature"])
    for f in (a, c):
        f.regularize()
    check(a.columns == ["load", "temperature"] == c.columns, "column names")
    check(a.rows == c.rows == 2000 and a.step == c.step == 3600, "rows and step")
    check(np.array_equal(a.times, c.times), "times")
    check(a.times[-1] == times[-1], "last time")
    for j in range(2):
        check(np.array_equal(a.values(j), c.values(j), equal_nan=True), f"values of column {j}")
        check(np.array_equal(a.states(j), c.states(j)), f"states of column {j}")
    observed = a.states("load") == maskcast.OBSERVED
    check(np.array_equal(a.values("load")[observed], load[observed]), "observed loads as given")
    # Integer epoch seconds are the same instants as datetime64.
    b = maskcast.Frame.from_arrays(times.astype(np.int64), [("load", load)])
    check(np.array_equal(b.times, times), "epoch seconds in, datetime64 out")
    return path, times, load, temp


def test_errors(times, load):
    bad = load.copy()
    bad[4] = np.inf
    try:
        maskcast.Frame.from_arrays(times, {"load": bad})
        check(False, "an infinity is refused")
    except maskcast.Error as e:
        check(e.code == "MC_ERR_VALUE" and e.line == 5 and e.column == 1, f"inf error: {e}")
    try:
        maskcast.Model.from_bytes(b"not a model file at all")
        check(False, "a bad model file is refused")
    except maskcast.Error as e:
        check(e.code == "MC_ERR_FORMAT", f"bad model file: {e}")
    try:
        maskcast.Frame.read_csv(os.path.join(WORK, "no-such.csv"))
        check(False, "a missing file is refused")
    except maskcast.Error as e:
        check(e.code == "MC_ERR_IO" and "no-such.csv" in e.message, f"missing file: {e}")


def test_model(times, load, temp):
    # Training data: all but the last day; the history hides that day's load.
    train_frame = maskcast.Frame.from_arrays(times[:-24], {"load": load[:-24],
                                                           "temperature": temp[:-24]}).regularize()
    hidden = load.copy()
    hidden[-24:] = np.nan
    history = maskcast.Frame.from_arrays(times, {"load": hidden, "temperature": temp}).regularize()
    seen = []
    model = maskcast.train(train_frame, lookback=168, horizon=24, hidden=16,
                           future=["temperature"], loss="pinball", epochs=2,
                           samples_per_epoch=1024, seed=7, progress=lambda p: seen.append(p) or True)
    check(len(seen) > 2 and seen[-1]["epoch_done"] and seen[-1]["epoch"] == 2, "progress calls")
    check(model.horizon == 24 and model.lookback == 168 and model.step == 3600, "sizes")
    # a quantile model: no linear forecaster to weigh it against
    check(model.best_epoch in (1, 2), f"best epoch {model.best_epoch}")
    # An untrained network loses to the linear forecaster, which is kept
    # unless the candidate is switched off.
    still = dict(lookback=168, horizon=24, hidden=16, epochs=1, learning_rate=1e-12, seed=7)
    untrained = maskcast.train(train_frame, **still)
    check(untrained.kept in ("linear", "blend") and
          (untrained.kept == "blend") == (untrained.best_epoch == 1),
          f"linear forecaster or a blend kept, not {untrained.kept}")
    check(maskcast.train(train_frame, linear_candidate=False, **still).best_epoch == 1,
          "network kept without the candidate")
    check(model.columns == ("load", [], ["temperature"]), f"columns {model.columns}")
    # Options by the library's names; a bad value is refused with its name.
    table = maskcast.options()
    check(table["mask_kind"]["choices"] == ["sigmoid", "softmax"] and
          table["max_epochs"]["group"] == "training", f"option table {table['mask_kind']}")
    try:
        maskcast.train(train_frame, hidden=-3)
        check(False, "a negative hidden size is refused")
    except ValueError as e:
        check("hidden" in str(e) and "-3" in str(e), f"option error: {e}")
    try:
        maskcast.train(train_frame, hiden=8)
        check(False, "an unknown option is refused")
    except ValueError as e:
        check("hiden" in str(e), f"unknown option: {e}")
    # Holidays as dates train the same model as from a file of the same dates.
    path = os.path.join(WORK, "holidays.csv")
    with open(path, "w") as f:
        f.write("date,name\n2021-12-25,Christmas\n2021-12-26,Boxing Day\n")
    days = dict(lookback=168, horizon=24, hidden=8, epochs=1, samples_per_epoch=256, seed=3,
                linear_candidate=False)
    a = maskcast.train(train_frame, holidays=path, **days)
    b = maskcast.train(train_frame, holidays=[np.datetime64("2021-12-26"),
                                              np.datetime64("2021-12-25")], **days)
    check(np.array_equal(a.forecast(history)[1], b.forecast(history)[1]),
          "holidays from a file and as dates")
    check(np.allclose(model.quantiles, [0.1, 0.5, 0.9]), f"quantiles {model.quantiles}")

    t, v = model.forecast(history)
    check(v.shape == (24, 3) and np.all(np.diff(v, axis=1) >= 0), "quantiles ordered")
    check(np.array_equal(t, times[-24:]), "forecast times are the hidden day")
    mape = np.mean(np.abs(v[:, 1] - load[-24:]) / load[-24:])
    check(mape < 0.25, f"a sane forecast (MAPE {mape:.3f})")

    # Files and bytes give the same model, hence bit-identical forecasts.
    path = os.path.join(WORK, "py.safetensors")
    model.save(path)
    with open(path, "rb") as f:
        check(f.read() == model.to_bytes(), "save and to_bytes write the same bytes")
    for other in (maskcast.Model.load(path), maskcast.Model.from_bytes(model.to_bytes())):
        check(np.array_equal(other.forecast(history)[1], v), "forecast after reload")

    # The C command reads the same model and history: same numbers (to its
    # two printed decimals).
    hist_csv = os.path.join(WORK, "history.csv")
    with open(hist_csv, "w") as f:
        f.write("time,load,temperature\n")
        for ti, li, te in zip(times, hidden, temp):
            f.write(f"{str(ti).replace('T', ' ')},{'' if math.isnan(li) else repr(li)},{te!r}\n")
    out = subprocess.run([CLI, "forecast", "-m", path, "--csv", hist_csv], check=True,
                         capture_output=True, text=True).stdout.split("\n")
    cli = np.array([[float(x) for x in line.split(",")[2:]] for line in out[1:] if line])
    check(cli.shape == (24, 4), f"CLI output shape {cli.shape}")
    check(np.allclose(cli[:, 1:], v, atol=0.006), "Python and the C command agree")

    # Forecasters in threads share the model.
    results = [None] * 4

    def run(i):
        fc = maskcast.Forecaster(model)
        results[i] = fc.forecast(history)[1]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    check(all(np.array_equal(r, v) for r in results), "threads give the same forecasts")

    # Cancelling from the callback.
    try:
        maskcast.train(train_frame, lookback=168, horizon=24, hidden=16, epochs=2,
                       future=["temperature"], progress=lambda p: p["batch"] < 2)
        check(False, "cancellation")
    except maskcast.Error as e:
        check(e.code == "MC_ERR_CANCELLED", f"cancellation: {e}")
    # An exception in the callback reaches the caller.
    try:
        maskcast.train(train_frame, lookback=168, horizon=24, hidden=16, epochs=1,
                       future=["temperature"], progress=lambda p: 1 / 0)
        check(False, "callback exception")
    except ZeroDivisionError:
        pass


def main():
    os.makedirs(WORK, exist_ok=True)
    check(maskcast.version().count(".") == 2, "version")
    maskcast.set_blas_threads(1)
    check(maskcast.blas_threads() == 1, "BLAS threads")
    test_layouts()
    _, times, load, temp = test_frames()
    test_errors(times, load)
    test_model(times, load, temp)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("python module: all checks passed")


main()
