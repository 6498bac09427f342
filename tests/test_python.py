"""The Python package (python/maskcast/) over libmaskcast.so: structure
layouts against the C compiler's; frames from arrays, CSV and DataFrames;
training with progress and cancellation; model files and bytes; forecasts,
describe, backtest, explain and anomalies against the C command's output for
the same data (an independent path through the CLI's own printing); pandas
round trips when pandas is installed, and the package without it.

    python3 tests/test_python.py ABI_PROBE MASKCAST_CLI SAMPLE_CSV WORK_DIR
with MASKCAST_LIBRARY naming libmaskcast.so and python/ on PYTHONPATH.
Exits 77 (skipped) when NumPy is not installed."""
import csv
import ctypes
import json
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
from maskcast import _structs

PROBE, CLI, SAMPLE, WORK = sys.argv[1:5]
TRUTH = os.path.join(os.path.dirname(SAMPLE), "sample_anomalies.csv")
failures = []
# The C command with the Python side's BLAS thread count: results depend on it
# in their last bits (mc_set_blas_threads()).
CLI_ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def close(a, b, rtol=1e-12, atol=1e-12):
    """Equal numbers, NaN equal to NaN and to None (JSON's null)."""
    a = float("nan") if a is None else float(a)
    b = float("nan") if b is None else float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= atol + rtol * abs(b)


def cli(*args, stdout=True):
    r = subprocess.run([CLI, *args], check=True, capture_output=True, text=True, env=CLI_ENV)
    return r.stdout if stdout else r


def iso(t):
    return str(np.datetime64(t, "s")).replace("T", " ")


def test_layouts():
    seen = set()
    out = subprocess.run([PROBE], check=True, capture_output=True, text=True).stdout
    for line in out.split("\n"):
        if not line:
            continue
        struct, field, value = line.split()
        mirror = _structs.MIRRORS.get(struct)
        if mirror is None:
            check(False, f"{struct} has no mirror in python/maskcast/_structs.py")
            continue
        where = "update python/maskcast/_structs.py"
        if field == "-":
            check(ctypes.sizeof(mirror) == int(value),
                  f"sizeof {struct}: C {value}, Python {ctypes.sizeof(mirror)}: {where}")
        else:
            seen.add((struct, field))
            check(hasattr(mirror, field) and getattr(mirror, field).offset == int(value),
                  f"{struct}.{field}: C offset {value}: {where}")
    for struct, mirror in _structs.MIRRORS.items():
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
    # The reports count what the data holds, counted here from the arrays.
    check(c.report["file_rows"] == 2000 and c.report["delimiter"] == ",", f"report {c.report}")
    check(c.column_report("load")["missing_in_file"] == int(np.isnan(load).sum()),
          f"missing loads {c.column_report('load')}")
    check(np.array_equal(c.row_flags, np.zeros(2000, dtype=np.uint8)), "no rows inserted")
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


def write_history(path, times, load, temp):
    with open(path, "w") as f:
        f.write("time,load,temperature\n")
        for ti, li, te in zip(times, load, temp):
            f.write(f"{iso(ti)},{'' if math.isnan(li) else repr(li)},{te!r}\n")


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
    write_history(hist_csv, times, hidden, temp)
    out = cli("forecast", "-m", path, "--csv", hist_csv).split("\n")
    c = np.array([[float(x) for x in line.split(",")[2:]] for line in out[1:] if line])
    check(c.shape == (24, 4), f"CLI output shape {c.shape}")
    check(np.allclose(c[:, 1:], v, atol=0.006), "Python and the C command agree")

    # Prediction intervals: the command's bounds are the median plus the offsets.
    check(model.calibration_origins > 0, "training kept validation errors")
    lo, hi = model.interval_offsets(0.8)
    out = cli("forecast", "-m", path, "--csv", hist_csv, "--intervals", "0.8").split("\n")
    check(out[0].endswith(",lo80,hi80"), f"interval columns: {out[0]}")
    b = np.array([[float(x) for x in line.split(",")[-2:]] for line in out[1:] if line])
    med = v[:, list(model.quantiles).index(0.5)]
    check(np.allclose(b[:, 0], med + lo, atol=1e-6) and np.allclose(b[:, 1], med + hi, atol=1e-6),
          "interval bounds agree with the command")
    try:
        model.interval_offsets(1.5)
        check(False, "a level outside (0, 1)")
    except maskcast.Error as e:
        check(e.code == "MC_ERR_ARGUMENT", f"level outside (0, 1): {e}")

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
    return model, history


def test_describe():
    """describe against `maskcast describe --json` on the whole sample."""
    frame = maskcast.Frame.read_csv(SAMPLE, target="load", covariates=["temperature"])
    frame.regularize()
    d = maskcast.describe(frame)
    ref = json.loads(cli("describe", "--csv", SAMPLE, "--target", "load",
                         "--covariates", "temperature", "--json"))
    check(list(d) == [c["name"] for c in ref["columns"]], f"describe columns {list(d)}")
    times = frame.times
    for c in ref["columns"]:
        s = d[c["name"]]
        for field in ("observed", "zeros", "negatives", "outliers"):
            check(getattr(s, field) == c[field], f"describe {c['name']}.{field}")
        for field in ("min", "max", "mean", "median", "robust_sd"):
            check(close(getattr(s, field), c[field]), f"describe {c['name']}.{field}")
        sus = c.get("most_suspicious", [])
        check([(iso(t), v, round(z, 9)) for _, t, v, z in s.examples] ==
              [(x["time"], x["value"], round(x["robust_sds"], 9)) for x in sus],
              f"describe {c['name']} examples")
        check(len(s.outlier_rows) == s.outliers and
              np.all(np.diff(s.outlier_rows) > 0), f"{c['name']} outlier rows in order")
        check(set(r for r, *_ in s.examples) <= set(s.outlier_rows.tolist()) and
              np.array_equal(s.outlier_times, times[s.outlier_rows]),
              f"{c['name']} examples among the outliers")
    check(frame.describe("load").as_dict() == d["load"].as_dict(), "Frame.describe")
    return frame


def backtest_args(json_path, forecasts_path):
    return ["backtest", "--csv", SAMPLE, "--target", "load", "--future", "temperature",
            "--hidden", "16", "--epochs", "2", "--samples-per-epoch", "2048", "--seed", "5",
            "--test-days", "25", "--intervals", "0.5,0.8",
            "--interval-window", "10", "--loss", "pinball", "-q", "--metrics-json", json_path,
            "--forecasts", forecasts_path]


def test_backtest(frame):
    """backtest against `maskcast backtest --metrics-json --forecasts` with the same options."""
    seen = []
    bt = maskcast.backtest(frame, future=["temperature"], hidden=16, epochs=2,
                           samples_per_epoch=2048, seed=5, test_days=25, stride=24, temperature="temperature",
                           intervals=(0.5, 0.8), interval_window=10, loss="pinball",
                           progress=lambda p: seen.append(p) or True)
    check(seen and seen[0]["method"] == "maskcast" and seen[-1]["train"]["epoch"] == 2,
          f"backtest progress {seen[-1] if seen else None}")
    jpath, fpath = os.path.join(WORK, "bt.json"), os.path.join(WORK, "bt-forecasts.csv")
    cli(*backtest_args(jpath, fpath))
    with open(jpath) as f:
        ref = json.load(f)
    check(bt.origins == ref["origins"] == 25 and bt.horizon == ref["horizon"] and
          bt.train_rows == ref["train_rows"], "backtest sizes")
    check(bt.methods == [m["name"] for m in ref["methods"]], f"methods {bt.methods}")
    check(bt.interval_levels == [0.5, 0.8], f"levels {bt.interval_levels}")
    check(bt.interval_metrics(0, 1)["n"] > 0, "intervals scored")
    for m, rm in enumerate(ref["methods"]):
        info = bt.method_info(m)
        check(all(info[k] == rm.get(k, 0) for k in ("models", "linear_kept", "blend_kept")),
              f"{rm['name']} info {info}")
        got = bt.metrics(m)
        check(all(close(got[k], rm["overall"][k]) for k in rm["overall"]),
              f"{rm['name']} overall metrics {got} vs {rm['overall']}")
        for k, rs in enumerate(rm["steps"]):
            got = bt.metrics(rm["name"], k)
            check(all(close(got[key], rs[key]) for key in rs if key != "intervals"),
                  f"{rm['name']} step {k + 1}")
            for level, ri in enumerate(rs["intervals"]):  # coverage per step
                got = bt.interval_metrics(m, level, k)
                check(got["n"] == ri["n"] and close(got["coverage"], ri["coverage"]),
                      f"{rm['name']} step {k + 1} interval {ri['level']}")
        for level, ri in enumerate(rm["intervals"]):
            got = bt.interval_metrics(m, level)
            check(got["n"] == ri["n"] and close(got["coverage"], ri["coverage"]) and
                  close(got["width"], ri["width"]) and close(got["winkler"], ri["score"]),
                  f"{rm['name']} interval {ri['level']}: {got} vs {ri}")
        for q, rr in enumerate(rm.get("reliability", [])):
            share, n = bt.reliability(m, q)
            check(close(share, rr["observed"]) and n == rr["n"] and
                  close(bt.quantile_levels(m)[q], rr["level"]), f"reliability {q}")
    check("reliability" in ref["methods"][0] and bt.quantile_forecasts(0).shape == (25, 24, 3),
          "a quantile model's quantiles")
    check(bt.quantile_forecasts("naive") is None, "point baselines have no quantiles")
    # The median of the quantiles is the point forecast.
    check(np.array_equal(bt.quantile_forecasts(0)[:, :, 1], bt.forecasts(0)), "median")
    # Per-origin forecasts and bounds against the CSV the command wrote.
    with open(fpath) as f:
        rows = list(csv.DictReader(f))
    check(len(rows) == bt.origins * bt.horizon, "forecast rows")
    num = lambda s: float(s) if s != "" else float("nan")
    actual = np.array([num(r["actual"]) for r in rows]).reshape(bt.origins, bt.horizon)
    check(np.array_equal(actual, bt.actuals, equal_nan=True), "actuals")
    check([r["origin"] for r in rows[::bt.horizon]] == [iso(t) for t in bt.first_targets],
          "origins' first targets")
    for m, name in enumerate(bt.methods):
        fc = np.array([num(r[name]) for r in rows]).reshape(bt.origins, bt.horizon)
        check(np.allclose(fc, bt.forecasts(name), rtol=1e-12, atol=0), f"{name} forecasts")
        for q, level in enumerate(bt.quantile_levels(m)):
            ref_q = np.array([num(r[f"{name}_q{level:g}"]) for r in rows])
            check(np.allclose(ref_q.reshape(bt.origins, bt.horizon),
                              bt.quantile_forecasts(m)[:, :, q], rtol=1e-12, atol=0),
                  f"{name} quantile {level}")
        lo, hi = bt.interval_bounds(m)
        for i, tag in enumerate(("50", "80")):
            for bound, col in ((lo, f"{name}_lo{tag}"), (hi, f"{name}_hi{tag}")):
                ref_b = np.array([num(r[col]) for r in rows]).reshape(bt.origins, bt.horizon)
                check(np.allclose(ref_b, bound[:, :, i], rtol=1e-12, atol=0, equal_nan=True),
                      f"{col}")
    return bt, rows


def test_explain(model, history_path):
    """explain against `maskcast explain` (CSV) on the same model and history."""
    history = maskcast.Frame.read_csv(history_path, target="load", covariates=["temperature"])
    history.regularize()
    x = maskcast.explain(model, history, days=5, repeats=3, seed=4, stride=7200)
    path = os.path.join(WORK, "explain-model.safetensors")
    model.save(path)
    with open(os.path.join(WORK, "explain.csv"), "w") as f:
        f.write(cli("explain", "-m", path, "--csv", history_path, "--days", "5",
                    "--repeats", "3", "--shuffle-seed", "4", "--stride", "2h"))
    with open(os.path.join(WORK, "explain.csv")) as f:
        ref = list(csv.DictReader(f))
    got = x.table()
    check(len(got) == len(ref) == (x.horizon + 1) * len(x.groups), f"explain rows {len(got)}")
    for g, r in zip(got, ref):
        check(str(g["horizon"]) == r["horizon"] and g["group"] == r["group"] and
              all(close(g[k], r[k], rtol=1e-9, atol=1e-9) for k in
                  ("mae", "permuted_mae", "increase", "increase_sd", "share")),
              f"explain row {r}")
    check(np.all(np.diff(x.origin_rows) == 2) and x.repeats == 3, "origins every 2 h")
    check(np.array_equal(x.origin_times, history.times[x.origin_rows]), "origin times")
    # shares of every step sum to 1 over the groups that raise the error
    pos = np.where(x.increase > 0, x.share, 0).sum(axis=0)
    check(np.allclose(pos[x.increase.max(axis=0) > 0], 1), "shares sum to 1")
    check(x.group_kinds[0] == "load_recent" and "future" in x.group_kinds and
          x.group_columns[x.group_kinds.index("future")] == "temperature", "group kinds")
    # Given origins: the same as chosen ones.
    y = maskcast.explain(model, history, origins=x.origin_rows, repeats=3, seed=4)
    check(np.array_equal(y.origin_rows, x.origin_rows) and np.array_equal(y.mae, x.mae),
          "explain at given origins")
    return x


def test_anomalies(times, load, temp):
    """anomalies against `maskcast anomalies --json`, with and without --truth."""
    frame = maskcast.Frame.read_csv(SAMPLE, target="load", covariates=["temperature"])
    frame.regularize()
    train_frame = frame.slice(0, frame.rows - 2000)
    model = maskcast.train(train_frame, future=["temperature"], hidden=16, epochs=2,
                           samples_per_epoch=2048, seed=3, linear_candidate=False)
    path = os.path.join(WORK, "anomaly-model.safetensors")
    model.save(path)
    start = "2023-06-01"
    a = maskcast.anomalies(model, frame, start=start)
    check(a.rows == frame.rows and np.isnan(a.scores[:100]).all() and
          np.isnan(a.scores[-model.horizon:]).all(), "unscored rows")
    ref = json.loads(cli("anomalies", "-m", path, "--csv", SAMPLE, "--threshold", "0",
                         "--top", "40", "--start", start, "--json"))
    got = a.table(0.0, 40)
    check(len(got) == len(ref["anomalies"]) == 40, f"anomalies listed {len(got)}")
    check(ref["scored"] == int(np.sum(~np.isnan(a.scores))), "scored rows")
    keys = set(ref["anomalies"][0])
    for g, r in zip(got, ref["anomalies"]):
        t = r.get("timestamp", r.get("time"))
        check(iso(g["timestamp"]) == t and close(g["score"], r["score"]) and
              close(g["min_mask"], r["min_mask"]) and g["windows"] == r["windows"] and
              close(g["value"], r["value"]), f"anomaly {r} vs {g} ({keys})")
    # The ranking, counted here from the scores: strongest first, ties by time.
    scored = np.flatnonzero(~np.isnan(a.scores))
    order = scored[np.lexsort((scored, -a.scores[scored]))]
    check(np.array_equal(a.ranked(0.0), order), "ranking")
    check(np.array_equal(a.ranked(0.02), order[a.scores[order] >= 0.02]), "threshold")
    med = float(np.median(a.scores[~np.isnan(a.scores)]))
    want = min(max(5 * med, 0.01), (1 + med) / 2)
    check(np.isclose(a.default_threshold, want, rtol=1e-12, atol=0), "default threshold")
    check(np.array_equal(a.ranked(), order[a.scores[order] >= a.default_threshold]),
          "ranked without a threshold uses the default")
    # Agreement with the recorded anomalies, against the command's.
    threshold = float(np.quantile(a.scores[scored], 0.99))
    agree = a.compare(TRUTH, threshold)
    ref = json.loads(cli("anomalies", "-m", path, "--csv", SAMPLE, "--threshold",
                         repr(threshold), "--start", start, "--truth", TRUTH, "--json"))["truth"]
    for k in ("flagged", "recorded", "hits", "events", "events_found"):
        check(agree[k] == ref[k], f"agreement {k}: {agree[k]} vs {ref[k]}")
    for k in ("precision", "recall"):
        check(close(agree[k], ref[k]), f"agreement {k}")
    check([k["kind"] for k in agree["kinds"]] == [k["kind"] for k in ref["kinds"]] and
          all(g["hits"] == r["hits"] and g["recorded"] == r["recorded"]
              for g, r in zip(agree["kinds"], ref["kinds"])), "agreement by kind")
    flagged = a.scores >= threshold
    check(agree["hits"] == int(np.sum(flagged & agree["recorded_rows"])), "hits from the rows")
    # A model whose mask is the same everywhere is refused.
    linear = maskcast.train(train_frame, hidden=8, epochs=1, learning_rate=1e-12, seed=7)
    if linear.kept == "linear":
        try:
            maskcast.anomalies(linear, frame)
            check(False, "the linear forecaster has no anomaly scores")
        except maskcast.Error as e:
            check(e.code == "MC_ERR_ARGUMENT", f"linear model: {e}")
    return a


def test_pandas(model, history, times, load, temp, bt, bt_rows, x, a):
    import pandas as pd
    # A DataFrame with a DatetimeIndex, and with a time column: the frame
    # from_arrays builds from the same arrays.
    df = pd.DataFrame({"load": load, "temperature": temp},
                      index=pd.DatetimeIndex(times.astype("datetime64[ns]"), name="time"))
    ref = maskcast.Frame.from_arrays(times, {"load": load, "temperature": temp}).regularize()
    for f in (maskcast.Frame.from_pandas(df),
              maskcast.Frame.from_pandas(df.reset_index(), time="time"),
              maskcast.Frame.from_pandas(df.assign(flag=True), covariates=["temperature"])):
        f.regularize()
        check(f.columns == ref.columns and np.array_equal(f.times, ref.times) and
              all(np.array_equal(f.values(j), ref.values(j), equal_nan=True) and
                  np.array_equal(f.states(j), ref.states(j)) for j in range(2)),
              f"frame from a DataFrame {f.columns}")
    back = ref.to_pandas()
    check(back.index.tz is None and np.array_equal(back.index.to_numpy(), df.index.to_numpy())
          and back.columns.tolist() == ["load", "temperature"], "to_pandas, naive")
    observed = ref.states(0) == maskcast.OBSERVED
    check(np.array_equal(back["load"].to_numpy()[observed], load[observed]), "to_pandas values")
    # Time-zone-aware: UTC instants, and the offsets of Berlin's summer time
    # (2022: from 01:00 UTC on 27 March to 01:00 UTC on 30 October), counted
    # here by hand; the same frame as a CSV with the offsets written out.
    utc = np.arange("2022-03-26T00", "2022-03-29T00", dtype="datetime64[h]").astype("datetime64[s]")
    summer = (utc >= np.datetime64("2022-03-27T01:00")) & (utc < np.datetime64("2022-10-30T01:00"))
    offsets = np.where(summer, 120, 60).astype(np.int16)
    values = 1000 + 100 * np.sin(np.arange(utc.size) / 3.7)
    local = pd.DataFrame({"load": values}, index=pd.DatetimeIndex(
        utc.astype("datetime64[ns]")).tz_localize("UTC").tz_convert("Europe/Berlin"))
    f = maskcast.Frame.from_pandas(local)
    check(np.array_equal(f.times, utc) and np.array_equal(f.utc_offsets, offsets),
          "tz-aware DataFrame: instants and offsets")
    path = os.path.join(WORK, "berlin.csv")
    with open(path, "w") as out:
        out.write("time,load\n")
        for t, o, v in zip(utc, offsets, values):
            wall = t + np.timedelta64(int(o), "m")
            out.write(f"{str(wall)}+{o // 60:02d}:00,{v!r}\n")
    c = maskcast.Frame.read_csv(path)
    check(np.array_equal(c.times, f.times) and np.array_equal(c.utc_offsets, f.utc_offsets) and
          np.array_equal(c.values(), f.values()), "tz-aware DataFrame as its CSV")
    back = f.to_pandas(tz="Europe/Berlin")
    check(back.index.equals(local.index) and np.array_equal(back["load"], values),
          "to_pandas(tz) round trip")
    # Forecasts, backtests, explanations and anomalies as DataFrames.
    fr = model.forecast_frame(history)
    t, v = model.forecast(history)
    check(fr.columns.tolist() == ["q0.1", "q0.5", "q0.9"] and np.array_equal(fr.to_numpy(), v) and
          np.array_equal(fr.index.to_numpy(), t.astype("datetime64[ns]")), "forecast_frame")
    hist_df = history.to_pandas(observed_only=True)
    check(np.array_equal(model.forecast(hist_df)[1], v), "forecast from a DataFrame")
    m = bt.to_pandas()
    check(len(m) == len(bt.methods) * (bt.horizon + 1) and
          m.loc[(m["method"] == "naive") & (m["step"] == "all"), "mae"].item() ==
          bt.metrics("naive")["mae"], "backtest metrics DataFrame")
    fc = bt.forecasts_frame()
    check(fc.columns.tolist() == list(bt_rows[0].keys()), f"forecast columns {fc.columns}")
    check(all(np.allclose(fc[c].to_numpy(), [float(r[c]) if r[c] else np.nan for r in bt_rows],
                          rtol=1e-12, atol=0, equal_nan=True) for c in fc.columns[3:]),
          "forecasts DataFrame as the command's CSV")
    check([iso(t) for t in fc["target_time"].to_numpy()] == [r["target_time"] for r in bt_rows],
          "target times")
    xd = x.to_pandas()
    check(len(xd) == len(x.table()) and xd["increase"].tolist() == [r["increase"] for r in
                                                                    x.table()], "explain DataFrame")
    ad = a.to_pandas(0.0, 10)
    check(ad["score"].tolist() == [r["score"] for r in a.table(0.0, 10)], "anomalies DataFrame")
    every = a.to_pandas()
    check(len(every) == a.rows and np.array_equal(every["score"].to_numpy(), a.scores,
                                                  equal_nan=True), "every row's score")
    d = maskcast.describe(df).to_pandas()
    check(d.loc["load", "outliers"] == maskcast.describe(ref)["load"].outliers, "describe")
    # Training from a DataFrame gives the model training from its frame gives.
    small = dict(hidden=8, epochs=1, samples_per_epoch=256, seed=2, future=["temperature"])
    check(maskcast.train(df, **small).to_bytes() == maskcast.train(ref, **small).to_bytes(),
          "train from a DataFrame")


def test_without_pandas():
    """The package imports and works with pandas absent; to_pandas says what
    to install."""
    code = """
import sys
sys.modules["pandas"] = None   # import pandas now fails
import numpy as np, maskcast
f = maskcast.Frame.from_arrays(np.arange(0, 3600 * 200, 3600), {"load": np.arange(200.0)})
f.regularize()
print(maskcast.describe(f)["load"].observed)
try:
    f.to_pandas()
except ImportError as e:
    print("ImportError:", e)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    check(r.returncode == 0 and r.stdout.startswith("200\n") and
          "ImportError" in r.stdout and "pandas" in r.stdout, f"without pandas: {r}")


def main():
    os.makedirs(WORK, exist_ok=True)
    check(maskcast.version().count(".") == 2, "version")
    check(maskcast.version() == maskcast.__version__, "package and library versions")
    maskcast.set_blas_threads(1)
    check(maskcast.blas_threads() == 1, "BLAS threads")
    test_layouts()
    path, times, load, temp = test_frames()
    test_errors(times, load)
    model, history = test_model(times, load, temp)
    frame = test_describe()
    bt, bt_rows = test_backtest(frame)
    x = test_explain(model, os.path.join(WORK, "history.csv"))
    a = test_anomalies(times, load, temp)
    test_without_pandas()
    try:
        import pandas  # noqa: F401
    except ImportError:
        pandas = None
        print("pandas is not installed: its round trips are skipped "
              "(Debian: apt-get install python3-pandas)")
    if pandas is not None:
        test_pandas(model, history, times, load, temp, bt, bt_rows, x, a)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("python package: all checks passed")


main()
